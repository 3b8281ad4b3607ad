"""Fund administration (基金管理), shared by the engines: a fund's series and items per county and year,
computed on demand from the expenditures (`FundBook`), the fund schedule and the fund checks that fail.
"""

from __future__ import annotations

import datetime as dt

from .dates import due_on
from .plan import Fund

EXPENDITURE = "aid_expenditure"  # the column of expenditures.csv


class MissingInput(Exception):
    """A fund series has no value for the year asked (the item is not computed for that year)."""


class FundBook:
    """One fund's series and items for one county, computed on demand and remembered. `fund` is the plan's
    `Fund`, lowered."""

    def __init__(self, settler, fund: Fund, county: str, figures: dict[tuple[str, int], int]):
        self.settler, self.fund, self.county, self.figures = settler, fund, county, figures
        self.inputs = {name for name, _ in fund.inputs} | {label for _, label in fund.inputs if label}
        self.items: dict[str, list[int]] = {}
        for i, item in enumerate(fund.items):
            self.items.setdefault(item.name, []).append(i)
        self._memo: dict[tuple[int, int], int] = {}
        self._busy: set[tuple[int, int]] = set()

    def series(self, name: str, year: int):
        if name in self.items:
            return sum(self.item(i, year) for i in self.items[name])
        if name in self.inputs:
            value = self.figures.get((self._input_name(name), year))
            if value is None:
                raise MissingInput(name, year)
            return value
        raise MissingInput(name, year)

    def _input_name(self, name: str) -> str:
        for input_name, label in self.fund.inputs:
            if name in (input_name, label):
                return input_name
        return name

    def _env(self, date: dt.date | None, year: int):
        env = self.settler.new_env()
        env.date, env.year, env.series = date, year, self.series
        return env

    def item(self, index: int, year: int) -> int:
        key = (index, year)
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:
            raise MissingInput(self.fund.items[index].name, year)  # an item defined through itself in the same year
        self._busy.add(key)
        try:
            item = self.fund.items[index]
            result = item.value(self._env(due_on(item.due, year), year))
        finally:
            self._busy.discard(key)
        self._memo[key] = result
        return result

    def check(self, index: int, year: int) -> bool:
        return bool(self.fund.checks[index].test(self._env(dt.date(year, 12, 31), year)))


def fund_figures(fund: Fund, expenditures: list) -> dict[str, dict[tuple[str, int], int]]:
    """expenditures.csv's `aid_expenditure` feeds the input of that name (or the fund's only input)."""
    names = [name for name, _ in fund.inputs]
    target = EXPENDITURE if EXPENDITURE in names or len(names) != 1 else names[0]
    out: dict[str, dict[tuple[str, int], int]] = {}
    for e in expenditures:
        out.setdefault(e.county, {})[(target, e.year)] = e.aid_expenditure
    return out


def fund_years(settler, expenditures: list) -> range:
    """The years of the policy's period (open ends: the years of the figures, and one after)."""
    start, end = settler.policy_period
    known = [e.year for e in expenditures]
    lo = start.year if start else (min(known) if known else 0)
    hi = end.year if end else (max(known) + 1 if known else -1)
    return range(lo, hi + 1)


def _entries(settler, funds, expenditures: list, part: str):
    """(book, county, year, index, entry) for every fund, county (by name), year of the policy and entry of the
    fund's `part` ("items" or "checks")."""
    years = fund_years(settler, expenditures)
    for fund in funds:
        for county, figures in sorted(fund_figures(fund, expenditures).items()):
            book = FundBook(settler, fund, county, figures)
            for year in years:
                for index, entry in enumerate(getattr(fund, part)):
                    yield book, county, year, index, entry


def fund_schedule_rows(settler, funds: tuple[Fund, ...], expenditures: list) -> list:
    from ..records import ScheduleRow

    rows: list = []
    for book, county, year, index, item in _entries(settler, funds, expenditures, "items"):
        try:
            amount = book.item(index, year)
        except MissingInput:
            continue
        due = due_on(item.due, year)
        assert due is not None, "a fund item has a 截止日期 (the grammar requires one)"
        rows.append(ScheduleRow(county, item.name, due, amount, item.clause, year))
    rows.sort(key=lambda r: (r.county, r.due, r.item))
    return rows


def fund_check_rows(settler, funds: tuple[Fund, ...], expenditures: list) -> list:
    from ..records import FundCheckFailure

    out: list = []
    for book, county, year, index, check in _entries(settler, funds, expenditures, "checks"):
        try:
            ok = book.check(index, year)
        except MissingInput:
            continue
        if not ok:
            out.append(FundCheckFailure(county, year, check.name, check.label, check.clause))
    return out
