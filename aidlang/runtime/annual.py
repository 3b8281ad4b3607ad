"""Person-level annual benefits (年度待遇), shared by the engines: for each person the benefits of a year that
their categories and conditions give, with amounts, due dates and clauses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from ..records import BenefitRow, Identity, Person
from .dates import due_on
from .errors import MissingParameter, MissingValue
from .money import to_fen


def annual_rows(settler, year: int, identities: list[Identity], persons: dict[str, Person], benefits: list,
                param: Callable[[str, dt.date], Any]) -> list:
    """Rows by person (sorted by id), benefits in declaration order; shared by the engines.

    `benefits`: the plan's `Benefit`s, lowered.
    """
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    index = settler.identity_index(identities)
    people = sorted(set(index) | set(persons))
    rows: list = []
    for pid in people:
        held = {cat for cat, start, end in index.get(pid, ()) if start <= last and end >= first}
        person = persons.get(pid)
        for benefit in benefits:
            due = due_on(benefit.due, year)
            env = settler.new_env()
            env.person, env.date, env.year = person, due or last, year
            matches = []
            for order, row in enumerate(benefit.rows):
                p_start, p_end = row.period
                if not ((p_start is None or p_start <= last) and (p_end is None or p_end >= first)):
                    continue
                if not (row.everyone or held & row.covered):
                    continue
                try:
                    if row.when is not None and not row.when(env):
                        continue
                    amount, rank = _benefit_value(row.kind, row.value, row.share_of, env, param)
                except MissingValue as missing:  # the benefit would be decided by a value nobody gave
                    missing.person_id, missing.source = pid, settler.source
                    raise
                matches.append((rank, -order, row.clause, amount))
            if not matches:
                continue
            if benefit.highest:
                _, _, clause, amount = max(matches, key=lambda m: (m[0], m[1]))
                chosen = [(clause, amount)]
            else:
                chosen = [(clause, amount) for _, _, clause, amount in matches]
            amounts = [a for _, a in chosen]
            total = None if any(a is None for a in amounts) else sum(amounts)
            clauses = [c for c, _ in chosen if c is not None]
            rows.append(BenefitRow(pid, benefit.label, total, due, ";".join(dict.fromkeys(clauses))))
    return rows


def _benefit_value(kind: str, value, share_of, env, param):
    """(amount in fen or None, rank for 按最高标准). A share of a base not given ranks by its ratio, below
    any known amount."""
    if kind == "amount":
        amount = value(env)
        return amount, (1, amount)
    if kind == "share":
        ratio = value(env)
        if share_of is None:
            return None, (0, ratio)
        try:
            base = param(share_of, env.date)
        except MissingParameter:
            return None, (0, ratio)
        amount = to_fen(ratio * base)
        return amount, (1, amount)
    return None, (0, 0)
