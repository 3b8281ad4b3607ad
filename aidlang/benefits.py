"""Person-level annual benefits (年度待遇): contribution subsidies and cash grants, per person per year.

A person gets a row of a benefit when the row's who-list covers a category they hold on some day of the
year (`全体参保人员` rows need none), the row is in force in that year and its condition holds (person
attributes; age on the due date, or on 12月31日 when the benefit has no due date).
"""

from __future__ import annotations

import datetime as dt

from . import nodes as n
from . import runtime as rt
from .evaluate import Env, MissingParameter
from .periods import overlaps
from .records import BenefitRow, Identity, Person
from .symbols import EVERYONE


def due_date(spec: n.DueSpec | None, year: int) -> dt.date | None:
    """A yearly date in `year` (or the next with 次年), plus its duration if any; 2月29日 falls to 2月28日."""
    if spec is None:
        return None
    y = year + (1 if spec.next_year else 0)
    day = min(spec.day, rt.month_end(dt.date(y, spec.month, 1)).day)
    out = dt.date(y, spec.month, day)
    if spec.plus is not None:
        out = rt.add_duration(out, int(spec.plus.value), spec.plus.unit or "day")
    return out


def annual_benefits(interp, year: int, identities: list[Identity], persons: dict[str, Person]) -> list[BenefitRow]:
    """Rows by person (sorted by id), benefits in declaration order."""
    symbols, ev = interp.symbols, interp.ev
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    index = interp.identity_index(identities)
    people = sorted(set(index) | set(persons))
    rows: list[BenefitRow] = []
    benefits = interp.policy.of_type(n.Benefit)
    for pid in people:
        held = {cat for cat, start, end in index.get(pid, ()) if start <= last and end >= first}
        person = persons.get(pid)
        for benefit in benefits:
            due = due_date(benefit.due, year)
            env = Env(person=person, date=due or last, year=year)
            matches = []
            for order, row in enumerate(benefit.rows):
                if not overlaps(interp.periods.named(row.during), first, last):
                    continue
                if not _covers(symbols, row, held):
                    continue
                if row.when is not None and not ev.compile(row.when)(env):
                    continue
                amount, rank = _row_value(ev, row, env)
                matches.append((rank, -order, row, amount))
            if not matches:
                continue
            if benefit.highest_only:
                _, _, row, amount = max(matches, key=lambda m: (m[0], m[1]))
                chosen = [(row, amount)]
            else:
                chosen = [(row, amount) for _, _, row, amount in matches]
            amounts = [a for _, a in chosen]
            total = None if any(a is None for a in amounts) else sum(amounts)
            clauses = [r.clause.text for r, _ in chosen if r.clause]
            rows.append(BenefitRow(pid, benefit.label or benefit.name, total, due,
                                   ";".join(dict.fromkeys(clauses))))
    return rows


def _covers(symbols, row: n.BenefitRow, held: set[str]) -> bool:
    for who in row.who:
        if who in EVERYONE:
            return True
        if any(symbols.specificity(who, cat) is not None for cat in held):
            return True
    return False


def _row_value(ev, row: n.BenefitRow, env: Env):
    """(amount in fen or None, rank for 按最高标准). A share of a base not given ranks by its ratio, below
    any known amount."""
    if row.kind == "amount":
        amount = ev.compile_value(row.value)(env)
        return amount, (1, amount)
    if row.kind == "share":
        ratio = ev.compile(row.value)(env)
        if row.share_of is None:
            return None, (0, ratio)
        try:
            base = ev.param(row.share_of, env.date)
        except MissingParameter:
            return None, (0, ratio)
        amount = rt.to_fen(ratio * base)
        return amount, (1, amount)
    return None, (0, 0)
