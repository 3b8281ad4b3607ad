"""The values of expressions, shared by every engine: exact division, comparisons with missing values, money
rounded at its root, `降低`/`提高` adjustments, and a person's attributes and age.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any, Callable

from ..records import Person
from .dates import age_on
from .errors import MissingValue
from .money import to_fen


def divide(a, b):
    """`a / b` in a policy: exact (a Fraction for two ints); division by zero is an error."""
    if b == 0:
        raise ZeroDivisionError("division by zero")
    if type(a) is int and type(b) is int:
        return Fraction(a, b)
    return a / b


def compare_known(op: Callable[[Any, Any], bool], a, b, unknown: bool) -> bool:
    """A comparison where a missing value (None) is unknown: false, except `!=` (`unknown` True) when only one
    side is missing."""
    if a is None or b is None:
        return unknown and not (a is None and b is None)
    return op(a, b)


def known(op: Callable[[Any, Any], Any], a, b):
    """`a op b` where a value may be missing (None: a person attribute not given): missing in, missing out, so
    that a comparison with the result is false as a comparison with the attribute itself is."""
    return None if a is None or b is None else op(a, b)


def negate_known(a):
    """`-a`, missing if `a` is."""
    return None if a is None else -a


def pick_known(pick: Callable, *values):
    """`最小`/`最大` (min/max) of values of which one may be missing: missing then."""
    return None if any(v is None for v in values) else pick(values)


def money_value(v):
    """A money-valued expression's value kept at its root: rounded half-up to the fen (None stays None)."""
    return v if type(v) is int or v is None else to_fen(v)


def adjusted_amount(value, amount, amount_type: str, direction: str):
    """The formula of `降低 x`/`提高 x`: a rate x is relative (× (1 ∓ x)), percentage points and money are
    absolute (∓ x). Exact for ints, Fractions and Decimals alike (the tables show it on Decimals)."""
    sign = -1 if direction == "down" else 1
    if amount_type == "rate":
        return value * (1 + sign * amount)
    return value + sign * amount


def adjust(key: str, value, amount, amount_type: str, direction: str):
    """Apply `降低 x`/`提高 x` to the value so far (`adjusted_amount`). Money results are rounded half-up to the
    fen; a ratio stays within 0%–100% (提高 5个百分点 of 100% is 100%: nothing pays more than the amount it is a
    share of). `无` (None: no deductible, cap or threshold) stays `无`: half of no cap is no cap."""
    if value is None:
        return None
    result = adjusted_amount(value, amount, amount_type, direction)
    if key == "ratio":
        return min(max(result, 0), 1)
    if type(result) is not int:
        result = to_fen(result)
    return result


# persons.csv cells whose emptiness is itself a value (docs/data.md: "1-4 or empty", "A|B|C or empty"): no grade,
# no class. Any other attribute a person row leaves empty — or every attribute of a person with no row — is
# missing, and an expression that reads it rejects the claim (docs/semantics.md).
EMPTY_IS_NONE = frozenset(("disability_grade", "dibao_class"))


def attr_of(person: Person | None, attr: str, line: int = 0):
    """A person attribute an expression reads (the `.aid` line `line`): `MissingValue` when the data does not
    give it, None only where empty means none."""
    if person is None:
        raise MissingValue(attr, line, no_person=True)
    value = getattr(person, attr)
    if value is None and attr not in EMPTY_IS_NONE:
        raise MissingValue(attr, line, no_person=False)
    return value


def age_of(person: Person | None, on: dt.date, line: int = 0):
    """年龄: whole years on `on` (`MissingValue` without a person or a birth date)."""
    if person is None or person.birth_date is None:
        raise MissingValue("age", line, no_person=person is None)
    return age_on(person.birth_date, on)


def level_of(claim, line: int = 0):
    """机构级别 of a claim (claims.csv `institution_level`): `MissingValue` when the claim does not give it."""
    value = claim.institution_level
    if value is None:
        raise MissingValue("institution_level", line, no_person=False)
    return value


def attr_or_none(person: Person | None, attr: str):
    """A person attribute where the policy itself says what a missing one means (`家庭年收入 = 无`): None then."""
    return None if person is None else getattr(person, attr)


def age_or_none(person: Person | None, on: dt.date):
    """年龄 where the policy itself tests for a missing one (`年龄 = 无`)."""
    if person is None or person.birth_date is None:
        return None
    return age_on(person.birth_date, on)


def person_attr(env, attr: str, line: int = 0):
    """`attr_of` for the claim's or benefit's person in an environment."""
    return attr_of(env.person, attr, line)


def person_age(env, line: int = 0):
    """`age_of` on the date being evaluated."""
    return age_of(env.person, env.date, line)
