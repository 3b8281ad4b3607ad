"""Fund administration (基金管理): amounts and due dates computed from each county's yearly figures.

An item `款项 name = expr 截止日期 due` is computed for every county and every year Y of the policy's period
where the figures it needs exist; `当年` is Y and `series[当年 - 1]` a figure of another year. An item may
refer to an item (the sum of the items of that name, e.g. the March and September advances) of another
year, computed the same way even outside the period. Money is rounded half-up to the fen.
"""

from __future__ import annotations

import datetime as dt

from . import nodes as n
from .benefits import due_date
from .evaluate import Env, MissingInput
from .records import Expenditure, FundCheckFailure, ScheduleRow

EXPENDITURE = "aid_expenditure"  # the column of expenditures.csv


class _FundBook:
    """One fund's series and items for one county, computed on demand and remembered."""

    def __init__(self, interp, fund: n.Fund, county: str, figures: dict[tuple[str, int], int]):
        self.interp, self.fund, self.county, self.figures = interp, fund, county, figures
        self.inputs = {i.name for i in fund.inputs} | {i.label for i in fund.inputs if i.label}
        self.items: dict[str, list[n.FundItem]] = {}
        for item in fund.items:
            self.items.setdefault(item.name, []).append(item)
        self.names = frozenset(self.inputs | set(self.items))
        self._memo: dict[tuple[int, int], int] = {}
        self._busy: set[tuple[int, int]] = set()

    def series(self, name: str, year: int):
        if name in self.items:
            return sum(self.item(item, year) for item in self.items[name])
        if name in self.inputs:
            value = self.figures.get((self._input_name(name), year))
            if value is None:
                raise MissingInput(name, year)
            return value
        raise MissingInput(name, year)

    def _input_name(self, name: str) -> str:
        for i in self.fund.inputs:
            if name in (i.name, i.label):
                return i.name
        return name

    def item(self, item: n.FundItem, year: int) -> int:
        key = (id(item), year)
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:
            raise MissingInput(item.name, year)  # an item defined through itself in the same year
        self._busy.add(key)
        try:
            fn = self.interp.ev.compile_value(item.expr, self.names)
            value = fn(Env(date=due_date(item.due, year), year=year, series=self.series))
        finally:
            self._busy.discard(key)
        self._memo[key] = value
        return value

    def check(self, check: n.FundCheck, year: int) -> bool:
        fn = self.interp.ev.compile(check.expr, self.names)
        return bool(fn(Env(date=dt.date(year, 12, 31), year=year, series=self.series)))


def _figures(fund: n.Fund, expenditures: list[Expenditure]) -> dict[str, dict[tuple[str, int], int]]:
    """expenditures.csv's `aid_expenditure` feeds the input of that name (or the fund's only input)."""
    names = [i.name for i in fund.inputs]
    target = EXPENDITURE if EXPENDITURE in names or len(names) != 1 else names[0]
    out: dict[str, dict[tuple[str, int], int]] = {}
    for e in expenditures:
        out.setdefault(e.county, {})[(target, e.year)] = e.aid_expenditure
    return out


def _years(interp, expenditures: list[Expenditure]) -> range:
    """The years of the policy's period (open ends: the years of the figures, and one after)."""
    start, end = interp.periods.policy
    known = [e.year for e in expenditures]
    lo = start.year if start else (min(known) if known else 0)
    hi = end.year if end else (max(known) + 1 if known else -1)
    return range(lo, hi + 1)


def fund_schedule(interp, expenditures: list[Expenditure]) -> list[ScheduleRow]:
    rows: list[ScheduleRow] = []
    years = _years(interp, expenditures)
    for fund in interp.policy.of_type(n.Fund):
        for county, figures in _figures(fund, expenditures).items():
            book = _FundBook(interp, fund, county, figures)
            for year in years:
                for item in fund.items:
                    try:
                        amount = book.item(item, year)
                    except MissingInput:
                        continue
                    rows.append(ScheduleRow(county, item.name, due_date(item.due, year), amount,
                                            item.clause.text if item.clause else "", year))
    rows.sort(key=lambda r: (r.county, r.due, r.item))
    return rows


def fund_check_failures(interp, expenditures: list[Expenditure]) -> list[FundCheckFailure]:
    out: list[FundCheckFailure] = []
    years = _years(interp, expenditures)
    for fund in interp.policy.of_type(n.Fund):
        for county, figures in sorted(_figures(fund, expenditures).items()):
            book = _FundBook(interp, fund, county, figures)
            for year in years:
                for check in fund.checks:
                    try:
                        ok = book.check(check, year)
                    except MissingInput:
                        continue
                    if not ok:
                        out.append(FundCheckFailure(county, year, check.name, check.label or check.name,
                                                    check.clause.text if check.clause else ""))
    return out
