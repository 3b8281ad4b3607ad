"""A plain hand-written settlement of Wuxi's rules (锡政办发〔2022〕98号), the yardstick for the compiled module.

What a programmer would write for this one policy without aidlang: integer fen, dicts for the ledgers, the
rules as constants. Same inputs and outputs as the engines (`records.Claim`/`Identity` in, `records.Result`
out, in input order), same semantics (docs/semantics.md); `bench/compiled.py` checks it gives the
interpreter's results before timing it. Claims must give basic_paid and critical_paid (Wuxi computes
neither) and use canonical visit types, as the bench's data does.
"""

from __future__ import annotations

import calendar
import datetime as dt

from aidlang.records import Result

IN_FORCE = dt.date(2023, 1, 1)
ORDER = ["特困人员", "孤儿", "事实无人抚养儿童", "困境儿童", "最低生活保障对象", "优抚对象", "精减退职职工", "特困职工",
         "低保边缘家庭成员", "支出型困难家庭大重病患者", "临时救助对象大重病患者", "重度残疾人", "其他特殊困难人员"]
RANK = {name: i for i, name in enumerate(ORDER)}
# 四(六): ratio as (numerator, denominator)
RATIO = {"特困人员": (1, 1), "孤儿": (1, 1), "事实无人抚养儿童": (1, 1),
         "最低生活保障对象": (17, 20), "困境儿童": (17, 20), "优抚对象": (17, 20), "精减退职职工": (17, 20),
         "特困职工": (17, 20),
         "低保边缘家庭成员": (7, 10), "支出型困难家庭大重病患者": (7, 10), "临时救助对象大重病患者": (7, 10),
         "重度残疾人": (7, 10), "其他特殊困难人员": (7, 10)}
CAP = {"outpatient": ("out", 1_000_000), "chronic": ("in", 30_000_000), "inpatient": ("in", 30_000_000)}
THRESHOLD = 600_000  # 四(七): 6000元
AID_CLAUSE, TILTED_CLAUSE, IDENTITY_CLAUSE = "四(六)", "四(七)", "四(八)"


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def settle(claims, identities):
    held_rows: dict[str, list] = {}
    for row in identities:
        if row.category in RATIO:
            end = month_end(row.end) if row.end is not None else dt.date.max
            held_rows.setdefault(row.person_id, []).append((row.category, row.start, end))
    aid_cap_used: dict[tuple, int] = {}  # (person, year, pool) -> aid paid
    burden: dict[tuple, int] = {}  # (person, year) -> tilted burden so far
    results = [None] * len(claims)
    order = sorted(range(len(claims)), key=lambda i: (claims[i].person_id, claims[i].discharge_date,
                                                      claims[i].admission_date, claims[i].claim_id))
    for i in order:
        c = claims[i]
        basic, critical = c.basic_paid, c.critical_paid
        cost = c.policy_scope_cost
        if c.discharge_date < IN_FORCE:
            results[i] = Result(c.claim_id, c.person_id, "", basic, critical, 0, 0, cost - basic - critical,
                                "not_in_force", "")
            continue
        rows = held_rows.get(c.person_id, ())
        held = sorted({cat for cat, start, end in rows if start <= c.discharge_date and end >= c.admission_date},
                      key=RANK.__getitem__)
        if not held:
            results[i] = Result(c.claim_id, c.person_id, "", basic, critical, 0, 0, cost - basic - critical,
                                "no_category", "")
            continue
        year = c.discharge_date.year
        pool, cap = CAP[c.visit_type]
        cap_key, t_key = (c.person_id, year, pool), (c.person_id, year)
        base = cost - basic - critical
        if base < 0:
            base = 0
        eligible = c.referred and c.in_province
        best = None
        for cat in held:  # 就高: the category paying most, ties to the earlier in ORDER
            num, den = RATIO[cat]
            used = aid_cap_used.get(cap_key, 0)
            aid = min((2 * base * num + den) // (2 * den), max(0, cap - used))
            tilted = 0
            if eligible:
                b = base - aid
                earlier = burden.get(t_key, 0)
                excess = max(0, earlier + b - THRESHOLD) - max(0, earlier - THRESHOLD)
                tilted = (2 * excess * 3 + 5) // 10  # 60%
            if best is None or aid + tilted > best[1] + best[2]:
                best = (cat, aid, tilted)
        cat, aid, tilted = best
        if aid:
            aid_cap_used[cap_key] = aid_cap_used.get(cap_key, 0) + aid
        if eligible:
            burden[t_key] = burden.get(t_key, 0) + base - aid
        clauses = []
        if base > 0:
            clauses.append(AID_CLAUSE)
        if tilted > 0:
            clauses.append(TILTED_CLAUSE)
        if len(held) > 1:
            clauses.append(IDENTITY_CLAUSE)
        results[i] = Result(c.claim_id, c.person_id, cat, basic, critical, aid, tilted,
                            cost - basic - critical - aid - tilted, "ok", ";".join(dict.fromkeys(clauses)))
    return results
