"""Parameters given on the command line (`--param NAME=VALUE`): each value read in its parameter's unit."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Callable, Sequence

import attrs

from . import runtime
from .data import DataError, parse_date, parse_money

PARAM_SOURCE = "--param"  # the "file" a parameter problem is reported in


@attrs.frozen
class ParamSpec:
    name: str  # the identifier
    label: str  # the Chinese label (or the identifier)
    type: str  # money | rate | number | date


def parse_params(texts: Sequence[str], lookup: Callable[[str], ParamSpec | None]) -> tuple[dict, list[DataError]]:
    """`NAME=VALUE` pairs → {identifier: value}: money in fen, a rate as an exact Fraction, a number as an
    int or Fraction, a date as a date. A name may be the identifier or the Chinese label."""
    values: dict[str, object] = {}
    errors: list[DataError] = []
    for index, text in enumerate(texts, start=1):
        name, sep, value = text.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name:
            errors.append(DataError(PARAM_SOURCE, index, text, "应写作 NAME=VALUE", "write NAME=VALUE"))
            continue
        spec = lookup(name)
        if spec is None:
            errors.append(DataError(PARAM_SOURCE, index, name, f"政策中没有参数 {name}",
                                    f"the policy has no parameter {name}"))
            continue
        parsed, zh, en = parse_param_value(value, spec.type)
        if parsed is None:
            errors.append(DataError(PARAM_SOURCE, index, name, zh, en))
        else:
            values[spec.name] = parsed
    return values, errors


_RATE = re.compile(r"^(\d+(?:\.\d+)?)(%?)$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def parse_param_value(text: str, type_: str) -> tuple[object | None, str, str]:
    if type_ == "money":
        return parse_money(text.removesuffix("元"))
    if type_ == "rate":
        match = _RATE.match(text)
        if not match:
            return None, f"不是比率（写作 5% 或 0.05）：{text}", f"not a rate (write 5% or 0.05): {text}"
        return runtime.parse_rate(text), "", ""
    if type_ == "date":
        return parse_date(text)
    if _NUMBER.match(text):
        value = Fraction(text)  # exact, like every number inside a policy
        return (value.numerator if value.denominator == 1 else value), "", ""
    return None, f"不是数值：{text}", f"not a number: {text}"
