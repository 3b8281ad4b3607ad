"""Monitoring lists (监测) for every engine: the persons whose running yearly amount through a month exceeds a
monitor's threshold, and the day the list is due. The settler is any engine's, taken by duck typing (it
needs only `settle(..., insurance_only=True)` and `new_env()`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..records import Claim, Identity, MonitorRow, Person
from .dates import month_end, next_month_day
from .visits import VISIT_NAMES

if TYPE_CHECKING:
    from .loop import PlanSettler


def monitor_rows(settler: PlanSettler, claims: list[Claim], month: tuple[int, int], identities: list[Identity],
                 persons: dict[str, Person], errors, monitors: list) -> list:
    """Monitoring lists (监测), shared by the engines: the year's claims through the month's end settled for the
    insurance tiers, then each person's amount against each monitor's threshold. `monitors`: the plan's
    `Monitor`s, lowered."""
    year, mon = month
    last = month_end(dt.date(year, mon, 1))
    first = dt.date(year, 1, 1)
    chosen = [c for c in claims if first <= c.discharge_date <= last]
    results = settler.settle(chosen, identities, persons, errors=errors, insurance_only=True)
    by_id = {c.claim_id: c for c in chosen}
    totals: dict[str, dict[str, int]] = {}
    for r in results:
        claim = by_id[r.claim_id]
        visit = VISIT_NAMES.get(claim.visit_type, claim.visit_type)
        person = totals.setdefault(r.person_id, {})
        person[visit] = person.get(visit, 0) + claim.policy_scope_cost - r.basic_paid - r.critical_paid
    rows: list = []
    for monitor in monitors:
        env = settler.new_env()
        env.date, env.year = last, year
        threshold = monitor.threshold(env)
        push_by = next_month_day(year, mon, monitor.push_day)
        for pid in sorted(totals):
            by_visit = totals[pid]
            env = settler.new_env()
            env.person, env.date, env.year = persons.get(pid), last, year
            env.running = lambda visits, t=by_visit: sum(t.get(v, 0) for v in visits)
            amount = monitor.amount(env) if monitor.amount else sum(by_visit.values())
            if amount > threshold:
                rows.append(MonitorRow(pid, amount, threshold, push_by, monitor.clause))
    return rows
