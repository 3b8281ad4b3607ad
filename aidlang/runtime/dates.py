"""Calendar arithmetic on `datetime.date`: month ends, months and durations added, ages, the day of the next
month a list is due, the yearly dates of benefits and fund items, and whether a day falls in a period.
"""

from __future__ import annotations

import calendar
import datetime as dt


def month_end(day: dt.date) -> dt.date:
    """The last day of the date's month (an identity lost in a month holds to this day: 次月起不再享受)."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later, clamped to the month's last day (1月31日 + 1个月 = 2月28/29日)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_duration(day: dt.date, amount: int, unit: str) -> dt.date:
    """`day` plus a duration in `year`, `month` or `day` units (the units of `nodes.Quantity`)."""
    if unit == "year":
        return add_months(day, 12 * amount)
    if unit == "month":
        return add_months(day, amount)
    if unit == "day":
        return day + dt.timedelta(days=amount)
    raise ValueError(f"not a duration unit: {unit!r}")


def age_on(birth: dt.date, on: dt.date) -> int:
    """Whole years completed on a date (a person born on 2月29日 turns a year older on 3月1日 in common years)."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def next_month_day(year: int, month: int, day: int) -> dt.date:
    """The given day of the month after (year, month), clamped to that month's end (监测: 次月10日)."""
    first = add_months(dt.date(year, month, 1), 1)
    return first.replace(day=min(day, calendar.monthrange(first.year, first.month)[1]))


def in_period(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    """`start` and `end` inclusive; None is open."""
    return (start is None or day >= start) and (end is None or day <= end)


def due_on(spec: tuple | None, year: int) -> dt.date | None:
    """A yearly date (next_year, month, day, plus amount, plus unit) in `year` (or the next), plus its duration;
    2月29日 falls to 2月28日."""
    if spec is None:
        return None
    next_year, month, day, plus_amount, plus_unit = spec
    y = year + (1 if next_year else 0)
    d = min(day, month_end(dt.date(y, month, 1)).day)
    out = dt.date(y, month, d)
    if plus_amount is not None:
        out = add_duration(out, plus_amount, plus_unit or "day")
    return out
