"""Parameters given on the command line (`--param NAME=VALUE`): each value read in its parameter's unit and
checked as the same value written in the policy is checked — money whole fen and never negative, a rate within
0%–100% (E205's rule, `runtime.percent_in_range`), a date a real date — so no run starts from a value the
checker would refuse in the file. A message quotes the value exactly as it was given and says what to write."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction
from typing import Callable, Sequence

import attrs

from aidlang.io.data import DEFAULT_OPTIONS, DataError, ReadOptions, read_table
from aidlang.runtime import ByDate, percent_in_range

PARAM_SOURCE = "--param"  # the "file" a parameter problem is reported in

# Digits before and after the point. Like the policy's own literals (build_ast.MAX_DIGITS), far beyond any
# real value; it also keeps an absurd value (thousands of digits) a data error, not a failure of int().
MAX_DIGITS = 15
QUOTED = 40  # characters of a value quoted in a message

# What to write, per type: shown when a value is missing or cannot be read.
EXAMPLES = {"money": ("10000、10000.00、10000元 或 1万元", "10000, 10000.00, 10000元 or 1万元"),
            "rate": ("5% 或 0.05", "5% or 0.05"),
            "date": ("2024-01-01 或 2024年1月1日", "2024-01-01 or 2024年1月1日"),
            "number": ("3 或 1.5", "3 or 1.5")}

Parsed = tuple[object | None, str, str]  # the value, or None with the reason (zh, en)


@attrs.frozen
class ParamSpec:
    name: str  # the identifier
    label: str  # the Chinese label (or the identifier)
    type: str  # money | rate | number | date


def parse_params(texts: Sequence[str], lookup: Callable[[str], ParamSpec | None],
                 where: Sequence[tuple[str, int]] | None = None) -> tuple[dict, list[DataError]]:
    """`NAME=VALUE` (for every date) or `NAME@FROM=VALUE` (from a year, `2026`, or a date, `2026-07-01`) →
    {identifier: value}, a dated parameter's value being a `runtime.ByDate`: money in fen, a rate as an exact
    Fraction, a number as an int or Fraction, a date as a date. A name may be the identifier or the Chinese
    label. As values written in the policy: a parameter has one value without a date at most (the first), and
    each date once (E306, E307). `where[i]`: the (file, row) a text comes from, for `--params FILE`."""
    values: dict[str, object] = {}
    dated: dict[str, dict[dt.date | None, object]] = {}
    given_at: dict[tuple[str, dt.date | None], tuple[str, int]] = {}
    errors: list[DataError] = []
    for index, text in enumerate(texts, start=1):
        source, row = where[index - 1] if where else (PARAM_SOURCE, index)
        key, sep, value = text.partition("=")
        name, at, since_text = key.partition("@")
        name = name.strip()
        if not sep or not name:
            errors.append(DataError(source, row, text, "应写作 NAME=VALUE", "write NAME=VALUE"))
            continue
        spec = lookup(name)
        if spec is None:
            errors.append(DataError(source, row, name, f"政策中没有参数 {name}", f"the policy has no parameter {name}"))
            continue
        since = None
        if at:
            since, zh, en = _since(since_text)
            if since is None:
                errors.append(DataError(source, row, name, zh, en))
                continue
        if (spec.name, since) in given_at:
            first_source, first = given_at[(spec.name, since)]
            when = "" if since is None else f"自 {since.isoformat()} 起的值"
            when_en = "" if since is None else f" from {since.isoformat()}"
            on_command_line = first_source == PARAM_SOURCE
            by = (f"第 {first} 个 --param 给出" if on_command_line else f" {first_source} 第 {first} 行给出",
                  f"--param {first}" if on_command_line else f"{first_source} row {first}")
            errors.append(DataError(source, row, name, f"参数 {name} {when}已由{by[0]}",
                                    f"{name}{when_en} is already given by {by[1]}"))
            continue
        given_at[(spec.name, since)] = (source, row)
        parsed, zh, en = _missing(name, spec.type) if not value.strip() else parse_param_value(value, spec.type)
        if parsed is None:
            errors.append(DataError(source, row, name, zh, en))
        else:
            dated.setdefault(spec.name, {})[since] = parsed
    for name, by_since in dated.items():
        if list(by_since) == [None]:
            values[name] = by_since[None]
        else:
            values[name] = ByDate(tuple(sorted(by_since.items(), key=lambda kv: kv[0] or dt.date.min)))
    return values, errors


def _since(text: str) -> tuple[dt.date | None, str, str]:
    """The date after `@`: a year (its 1 January) or a date."""
    text = text.strip()
    if re.fullmatch(r"[0-9]{4}", text):
        return dt.date(int(text), 1, 1), "", ""
    found, zh, en = _date(text)
    if found is None:
        return (None, f"@ 后应写年份或日期，如 NAME@2026=… 或 NAME@2026-07-01=…：{_quote(text)}",
                f"write a year or a date after @, e.g. NAME@2026=… or NAME@2026-07-01=…: {_quote(text)}")
    assert isinstance(found, dt.date)
    return found, "", ""


def read_params_file(path: str, options: ReadOptions = DEFAULT_OPTIONS) -> tuple[list[str], list[tuple[str, int]],
                                                                            list[DataError]]:
    """`--params FILE`: a CSV (or workbook) of name, from, value → the texts `parse_params` reads, where each
    comes from, and the file's own problems. Read as every data file is (`data.read_table`: encodings,
    workbooks, Chinese headers 名称/自/值, a row with more or fewer cells than the header an error of its row)."""
    table = read_table(path, ("name", "value"), ("from",), options)
    if table.errors:
        if table.header and not {"name", "value"} <= set(table.header):
            missing = [c for c in ("name", "value") if c not in table.header]
            return [], [], [DataError(path, table.errors[0].row, ",".join(missing), "表头应为 name,from,value",
                                      "the header must be name,from,value")]
        return [], [], list(table.errors)
    texts: list[str] = []
    where: list[tuple[str, int]] = []
    errors: list[DataError] = []
    for raw in table.rows:
        if raw.problems:
            errors.extend(raw.problems)
            continue
        since = raw.values.get("from", "")
        texts.append(f"{raw.values['name']}{'@' + since if since else ''}={raw.values['value']}")
        where.append((path, raw.row))
    return texts, where, errors


def parse_param_value(text: str, type_: str) -> Parsed:
    """One value in its parameter's type; `text` is quoted as given in every message."""
    return _READERS[type_](text)


def _missing(name: str, type_: str) -> Parsed:
    zh, en = EXAMPLES[type_]
    return None, f"缺少取值：应写作 {name}=…，如 {zh}", f"no value: write {name}=…, e.g. {en}"


def _quote(text: str) -> str:
    """The value as given; an absurdly long one cut, so that the message stays readable."""
    return text if len(text) <= QUOTED else text[:QUOTED] + "…"


_NUMBER = r"(-?)([0-9]+)(?:\.([0-9]+))?"  # sign, whole digits, decimals: ASCII digits, as in the policy


def _too_long(text: str, whole: str, decimals: str | None) -> Parsed | None:
    if len(whole) > MAX_DIGITS or len(decimals or "") > MAX_DIGITS:
        return (None, f"数值位数过多（整数、小数各最多 {MAX_DIGITS} 位）：{_quote(text)}",
                f"too many digits (at most {MAX_DIGITS} before and after the point): {_quote(text)}")
    return None


# ---------------------------------------------------------------- money

# The policy's own units (build_ast.UNITS): 元/yuan, 万元/wan; a bare number is yuan, and 万 alone is 万元.
_MONEY = re.compile(_NUMBER + r"\s*(元|yuan|万元|万|wan)?")
_YUAN_PER = {None: 1, "元": 1, "yuan": 1, "万元": 10000, "万": 10000, "wan": 10000}


def _money(text: str) -> Parsed:
    """Yuan or 万元 → fen, exactly: whole fen (E206: `1.5万元` is 1,500,000 fen; `1.234万` is 12,340 yuan) and
    never negative."""
    match = _MONEY.fullmatch(text.strip())
    if not match:
        zh, en = EXAMPLES["money"]
        return None, f"不是金额：{_quote(text)}（写作 {zh}）", f"not an amount: {_quote(text)} (write {en})"
    sign, whole, decimals, unit = match.groups()
    too_long = _too_long(text, whole, decimals)
    if too_long:
        return too_long
    if sign:
        return None, f"金额不能为负数：{_quote(text)}", f"an amount must not be negative: {_quote(text)}"
    fen = Fraction(f"{whole}.{decimals or 0}") * _YUAN_PER[unit] * 100
    if fen.denominator != 1:
        return (None, f"金额只能精确到分（元最多两位小数）：{_quote(text)}",
                f"money is exact to the fen (at most 2 decimals of yuan): {_quote(text)}")
    return fen.numerator, "", ""


# ---------------------------------------------------------------- rates

_RATE = re.compile(_NUMBER + r"\s*([%％])?")


def _rate(text: str) -> Parsed:
    """`5%` (as in the policy) or a share of 1 below 1 (`0.05`). A bare 1 or more is refused: `50` may mean
    50% or 0.5, and `1` 1% or 100% — the policy itself always writes a rate with `%`. `0` is 0% either way."""
    match = _RATE.fullmatch(text.strip())
    if not match:
        zh, en = EXAMPLES["rate"]
        return None, f"不是比率：{_quote(text)}（写作 {zh}）", f"not a rate: {_quote(text)} (write {en})"
    sign, whole, decimals, percent_sign = match.groups()
    too_long = _too_long(text, whole, decimals)
    if too_long:
        return too_long
    number = Fraction(f"{sign}{whole}.{decimals or 0}")
    if not percent_sign and 1 <= number <= 100:  # in range read as percent, out of range read as a share
        return _ambiguous_rate(text, f"{whole}.{decimals}" if decimals else whole)
    percent = number if percent_sign else number * 100
    if sign or not percent_in_range(percent):  # `-0%` too: a rate is written without a sign, as in the policy
        return (None, f"比率应在 0% 到 100% 之间：{_quote(text)}",
                f"a rate must be between 0% and 100%: {_quote(text)}")
    return percent / 100, "", ""


def _ambiguous_rate(text: str, digits: str) -> Parsed:
    """`50` may be 50% or 0.5: say both spellings, each one that is accepted."""
    number = Decimal(digits)
    if number == 1:
        return (None, f"比率 {text} 有歧义：百分之一写作 1% 或 0.01，全额写作 100%",
                f"the rate {text} is ambiguous: write 1% or 0.01 for one percent, 100% for all")
    share = number.scaleb(-2)  # 50 → 0.50, exactly
    spellings = f"{digits}%" + (f" 或 {format(share.normalize(), 'f')}" if share < 1 else "")
    spellings_en = f"{digits}%" + (f" or {format(share.normalize(), 'f')}" if share < 1 else "")
    return None, f"比率 {text} 有歧义：写作 {spellings}", f"the rate {text} is ambiguous: write {spellings_en}"


# ---------------------------------------------------------------- dates and numbers

# The policy's two spellings of a date (docs/language.md, Dates).
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_CN_DATE = re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日")


def _date(text: str) -> Parsed:
    match = _ISO_DATE.fullmatch(text.strip()) or _CN_DATE.fullmatch(text.strip())
    if not match:
        zh, en = EXAMPLES["date"]
        return None, f"不是日期：{_quote(text)}（写作 {zh}）", f"not a date: {_quote(text)} (write {en})"
    try:
        return dt.date(*map(int, match.groups())), "", ""
    except ValueError:
        return None, f"日期不存在：{_quote(text)}", f"there is no such date: {_quote(text)}"


def _number(text: str) -> Parsed:
    match = re.fullmatch(_NUMBER, text.strip())
    if not match:
        zh, en = EXAMPLES["number"]
        return (None, f"不是数值：{_quote(text)}（写作不带单位的数，如 {zh}）",
                f"not a number: {_quote(text)} (write a number without a unit, e.g. {en})")
    sign, whole, decimals = match.groups()
    too_long = _too_long(text, whole, decimals)
    if too_long:
        return too_long
    value = Fraction(f"{sign}{whole}.{decimals or 0}")  # exact, like every number inside a policy
    return (value.numerator if value.denominator == 1 else value), "", ""


_READERS: dict[str, Callable[[str], Parsed]] = {"money": _money, "rate": _rate, "date": _date, "number": _number}
