"""Monitoring lists (监测): persons whose running yearly amount, through a month's end, exceeds a threshold.

The year's claims through the end of the month are settled for their insurance tiers (basic and critical
are what `年度累计自付` subtracts; the aid tiers are not needed, so their parameters need no value), then
each person's amount is compared with the threshold on the month's last day.
"""

from __future__ import annotations

import datetime as dt

from . import nodes as n
from . import runtime as rt
from .evaluate import Env
from .records import Claim, Identity, MonitorRow, Person
from .symbols import VISIT_TYPES


def monitor_list(interp, claims: list[Claim], month: tuple[int, int], identities: list[Identity],
                 persons: dict[str, Person], errors) -> list[MonitorRow]:
    year, mon = month
    last = rt.month_end(dt.date(year, mon, 1))
    first = dt.date(year, 1, 1)
    chosen = [c for c in claims if first <= c.discharge_date <= last]
    results = interp.settle(chosen, identities, persons, errors=errors, insurance_only=True)
    by_id = {c.claim_id: c for c in chosen}
    totals: dict[str, dict[str, int]] = {}
    for r in results:
        claim = by_id[r.claim_id]
        visit = VISIT_TYPES.get(claim.visit_type, claim.visit_type)
        person = totals.setdefault(r.person_id, {})
        person[visit] = person.get(visit, 0) + claim.policy_scope_cost - r.basic_paid - r.critical_paid
    rows: list[MonitorRow] = []
    ev = interp.ev
    for monitor in interp.policy.of_type(n.Monitor):
        if monitor.threshold is None:
            continue
        threshold = ev.compile_value(monitor.threshold)(Env(date=last, year=year))
        push_day = int(monitor.push_day.value) if monitor.push_day is not None else 1
        push_by = rt.next_month_day(year, mon, push_day)
        amount_fn = ev.compile_value(monitor.amount) if monitor.amount is not None else None
        clause = monitor.clause.text if monitor.clause else ""
        for pid in sorted(totals):
            by_visit = totals[pid]
            env = Env(person=persons.get(pid), date=last, year=year,
                      running=lambda visits, t=by_visit: sum(t.get(v, 0) for v in visits))
            amount = amount_fn(env) if amount_fn else sum(by_visit.values())
            if amount > threshold:
                rows.append(MonitorRow(pid, amount, threshold, push_by, clause))
    return rows
