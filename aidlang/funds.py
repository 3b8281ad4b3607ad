"""Fund administration (基金管理): amounts and due dates computed from each county's yearly figures.

An item `款项 name = expr 截止日期 due` is computed for every county and every year Y of the policy's period
where the figures it needs exist; `当年` is Y and `series[当年 - 1]` a figure of another year. An item may
refer to an item (the sum of the items of that name, e.g. the March and September advances) of another
year, computed the same way even outside the period. Money is rounded half-up to the fen.
"""

from __future__ import annotations

from . import nodes as n
from . import runtime as rt
from .benefits import due_spec
from .records import Expenditure, FundCheckFailure, ScheduleRow

EXPENDITURE = rt.EXPENDITURE  # the column of expenditures.csv


def fund_specs(interp) -> list[tuple]:
    """Each fund as runtime.FundBook takes it: inputs, items and checks with their expressions compiled."""
    ev = interp.ev
    out = []
    for fund in interp.policy.of_type(n.Fund):
        names = frozenset({i.name for i in fund.inputs} | {i.label for i in fund.inputs if i.label}
                          | {item.name for item in fund.items})
        out.append((
            [(i.name, i.label) for i in fund.inputs],
            [(item.name, due_spec(item.due), ev.compile_value(item.expr, names),
              item.clause.text if item.clause else "") for item in fund.items],
            [(c.name, c.label or c.name, ev.compile(c.expr, names), c.clause.text if c.clause else "")
             for c in fund.checks]))
    return out


def fund_schedule(interp, expenditures: list[Expenditure]) -> list[ScheduleRow]:
    return rt.fund_schedule_rows(interp, fund_specs(interp), expenditures)


def fund_check_failures(interp, expenditures: list[Expenditure]) -> list[FundCheckFailure]:
    return rt.fund_check_rows(interp, fund_specs(interp), expenditures)
