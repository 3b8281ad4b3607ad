"""The fastest settlement of Wuxi's rules we could write by hand in Python: the ceiling for any engine.

Where `handwritten_wuxi.py` is what a programmer writes plainly, this is tuned the way the compiled modules
are (claims grouped per person with `runtime.claims_by_person`, a small integer-keyed ledger dict per person,
the rules as constants, no function call per tier, `make_result`), and further: 就高 compares the categories
with arithmetic alone, since Wuxi's tiers differ between categories only in the ratio. `bench/compiled.py`
checks it gives the interpreter's results before timing it; its speed against the interpreter's is the most a
compiled module could gain on this policy in CPython. Claims must give basic_paid and critical_paid and use
canonical visit types, as the bench's data does.
"""

from __future__ import annotations

import datetime as dt

from handwritten_wuxi import IN_FORCE, RANK, RATIO  # the rules as the plain version states them (bench/ on the path)

from aidlang.records import make_result
from aidlang.runtime import claims_by_person, month_end

CAP = {"outpatient": (0, 1_000_000), "chronic": (1, 30_000_000), "inpatient": (1, 30_000_000)}  # (ledger, cap)
BURDEN = 2  # the tilted burden's ledger (四(七): 60% above 6000元 a year)
SLOTS = 3


def settle(claims, identities):
    held_rows: dict[str, list] = {}
    for row in identities:
        if row.category in RATIO:
            end = month_end(row.end) if row.end is not None else dt.date.max
            held_rows.setdefault(row.person_id, []).append((row.category, row.start, end))
    results = [None] * len(claims)
    for pid, items in claims_by_person(claims):
        rows = held_rows.get(pid, ())
        ledgers: dict[int, int] = {}
        for discharge, admission, claim_id, i in items:
            c = claims[i]
            cost, basic, critical = c.policy_scope_cost, c.basic_paid, c.critical_paid
            if discharge < IN_FORCE:
                results[i] = make_result((claim_id, pid, "", basic, critical, 0, 0, cost - basic - critical,
                                          "not_in_force", ""))
                continue
            held = [cat for cat, start, end in rows if start <= discharge and end >= admission]
            if len(held) > 1:
                held = sorted(set(held), key=RANK.__getitem__)
            if not held:
                results[i] = make_result((claim_id, pid, "", basic, critical, 0, 0, cost - basic - critical,
                                          "no_category", ""))
                continue
            yk = discharge.year * SLOTS
            slot, cap = CAP[c.visit_type]
            cap_key, burden_key = yk + slot, yk + BURDEN
            used, earlier = ledgers.get(cap_key, 0), ledgers.get(burden_key, 0)
            base = cost - basic - critical
            if base < 0:
                base = 0
            eligible = c.referred and c.in_province
            best = None
            for cat in held:  # 就高: the category paying most, ties to the earlier in ORDER
                num, den = RATIO[cat]
                aid = (2 * base * num + den) // (2 * den)
                if used >= cap:
                    aid = 0
                elif aid > cap - used:
                    aid = cap - used
                tilted = 0
                if eligible:
                    after, before = earlier + base - aid - 600_000, earlier - 600_000
                    excess = (after if after > 0 else 0) - (before if before > 0 else 0)
                    tilted = (2 * excess * 3 + 5) // 10
                if best is None or aid + tilted > best[1] + best[2]:
                    best = (cat, aid, tilted)
            cat, aid, tilted = best
            if aid:
                ledgers[cap_key] = used + aid
            if eligible:
                ledgers[burden_key] = earlier + base - aid
            clauses = ["四(六)"] if base > 0 else []
            if tilted > 0:
                clauses.append("四(七)")
            if len(held) > 1:
                clauses.append("四(八)")
            results[i] = make_result((claim_id, pid, cat, basic, critical, aid, tilted,
                                      cost - basic - critical - aid - tilted, "ok", ";".join(clauses)))
    return results
