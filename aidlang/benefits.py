"""Person-level annual benefits (年度待遇): contribution subsidies and cash grants, per person per year.

A person gets a row of a benefit when the row's who-list covers a category they hold on some day of the
year (`全体参保人员` rows need none), the row is in force in that year and its condition holds (person
attributes; age on the due date, or on 12月31日 when the benefit has no due date).
"""

from __future__ import annotations

import datetime as dt

from . import nodes as n
from . import runtime as rt
from .records import BenefitRow, Identity, Person
from .symbols import EVERYONE


def due_spec(spec: n.DueSpec | None) -> tuple | None:
    """A `发放日期`/`截止日期` as runtime.due_on takes it."""
    if spec is None:
        return None
    plus = spec.plus
    return (spec.next_year, spec.month, spec.day, int(plus.value) if plus is not None else None,
            (plus.unit or "day") if plus is not None else None)


def due_date(spec: n.DueSpec | None, year: int) -> dt.date | None:
    """A yearly date in `year` (or the next with 次年), plus its duration if any; 2月29日 falls to 2月28日."""
    return rt.due_on(due_spec(spec), year)


def benefit_specs(symbols, periods, benefits: list[n.Benefit]) -> list[tuple]:
    """What runtime.annual_rows needs of each benefit, except the expressions (as their nodes)."""
    out = []
    for benefit in benefits:
        rows = []
        for row in benefit.rows:
            everyone = any(who in EVERYONE for who in row.who)
            covered = tuple(c for c in symbols.categories
                            if any(symbols.specificity(who, c) is not None for who in row.who))
            rows.append((everyone, covered, periods.named(row.during), row.when, row.kind, row.value, row.share_of,
                         row.clause.text if row.clause else None))
        out.append((benefit.label or benefit.name, due_spec(benefit.due), benefit.highest_only, rows))
    return out


def annual_benefits(interp, year: int, identities: list[Identity], persons: dict[str, Person]) -> list[BenefitRow]:
    """Rows by person (sorted by id), benefits in declaration order (runtime.annual_rows)."""
    ev = interp.ev
    benefits = []
    for label, due, highest, rows in benefit_specs(interp.symbols, interp.periods, interp.policy.of_type(n.Benefit)):
        benefits.append((label, due, highest, [
            (everyone, frozenset(covered), period, ev.compile(when) if when is not None else None, kind,
             (ev.compile_value(value) if kind == "amount" else ev.compile(value)) if value is not None else None,
             share_of, clause)
            for everyone, covered, period, when, kind, value, share_of, clause in rows]))
    return rt.annual_rows(interp, year, identities, persons, benefits, ev.param)
