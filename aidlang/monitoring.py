"""Monitoring lists (监测): persons whose running yearly amount, through a month's end, exceeds a threshold.

The year's claims through the end of the month are settled for their insurance tiers (basic and critical
are what `年度累计自付` subtracts; the aid tiers are not needed, so their parameters need no value), then
each person's amount is compared with the threshold on the month's last day.
"""

from __future__ import annotations

from . import nodes as n
from . import runtime as rt
from .records import Claim, Identity, MonitorRow, Person


def monitor_list(interp, claims: list[Claim], month: tuple[int, int], identities: list[Identity],
                 persons: dict[str, Person], errors) -> list[MonitorRow]:
    ev = interp.ev
    monitors = []
    for monitor in interp.policy.of_type(n.Monitor):
        if monitor.threshold is None:
            continue
        push_day = int(monitor.push_day.value) if monitor.push_day is not None else 1
        amount_fn = ev.compile_value(monitor.amount) if monitor.amount is not None else None
        monitors.append((ev.compile_value(monitor.threshold), push_day, amount_fn,
                         monitor.clause.text if monitor.clause else ""))
    return rt.monitor_rows(interp, claims, month, identities, persons, errors, monitors)
