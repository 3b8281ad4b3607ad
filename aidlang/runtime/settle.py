"""What the settlement loop builds on: the claim order (`claims_by_person`), the environment a claim's
expressions read (`ClaimEnv`, and 年度累计自付 and 年度就诊次序 from the person's ledgers), and `Settler`: the
identities a person holds for a claim, the checks that reject a claim as a data error, and a claim outside
every period.
"""

from __future__ import annotations

import datetime as dt

from ..records import Claim, Identity, Result
from .dates import month_end
from .errors import INSURANCE_WORDS, ClaimError, PaymentAboveCost, missing_reason
from .money import format_yuan
from .trace import NotInForce
from .visits import _VISITS, VISIT_NAMES


def claims_by_person(claims: list[Claim]):
    """(person_id, [(discharge, admission, claim_id, index), …]) per person, persons by id and each person's
    claims in settlement order (docs/semantics.md, "Claim order") — the order every engine settles in, without
    sorting the whole list at once (sorting a person's few claims is much cheaper than one sort of a million)."""
    groups: dict[str, list] = {}
    for i, c in enumerate(claims):
        item = (c.discharge_date, c.admission_date, c.claim_id, i)
        found = groups.get(c.person_id)
        if found is None:
            groups[c.person_id] = [item]
        else:
            found.append(item)
    for pid in sorted(groups):
        items = groups[pid]
        if len(items) > 1:
            items.sort()
        yield pid, items


def mixes_insurance(claim: Claim) -> bool:
    """The claim gives one insurance amount and leaves the other to the policy: the two may disagree
    (`Settler.above_cost`), so such a claim settles on a trial ledger, kept only when it settles."""
    return (claim.basic_paid is None) is not (claim.critical_paid is None)


class ClaimEnv:
    """What a policy's expressions read while a claim settles (or a benefit, fund item or monitor is computed):
    the claim, its canonical visit type, the person, the date and year, the amounts the tiers have paid so far,
    the person's ledgers `L` and this year's first slot `yk` in them, the plan (for the slots of 年度累计自付 and
    年度就诊次序), the parameters, and a fund's series (`series(name, year)`) or a monitor's running amounts
    (`running(visits)`)."""

    __slots__ = ("claim", "person", "date", "year", "visit", "basic", "critical", "aid", "tilted", "L", "yk",
                 "plan", "params", "series", "running")

    def __init__(self, plan=None, params=None):
        self.claim = self.person = self.date = self.visit = self.series = self.running = None
        self.year = self.basic = self.critical = self.aid = self.tilted = self.yk = 0
        self.L: dict = {}
        self.plan, self.params = plan, params


def year_self_paid(env, visits: tuple[str, ...]) -> int:
    """年度累计自付: this year's cost − basic − critical over the visit types, this claim included (with the
    insurance amounts settled so far); a monitor gives its own running amounts instead."""
    if env.running is not None:
        return env.running(visits)
    L, yk, slots = env.L, env.yk, env.plan.self_slots
    total = 0
    for v in visits:
        total += L.get(yk + slots[v], 0)
    if env.visit in visits:
        total += env.claim.policy_scope_cost - env.basic - env.critical
    return total


def year_claim_rank(env, visits: tuple[str, ...]) -> int:
    """年度就诊次序: this claim's rank among the person's claims of the visit types this year (1 for the first),
    counting the claims settled before it in settlement order (a rejected claim is not counted) and this one
    when its visit type is among them."""
    L, yk, slots = env.L, env.yk, env.plan.count_slots
    rank = 1 if env.visit in visits else 0
    for v in visits:
        rank += L.get(yk + slots[v], 0)
    return rank


class Settler:
    """The identities a person holds for a claim, the checks that reject a claim as a data error, and the
    result of a claim outside every period (`runtime.PlanSettler` is the one subclass; it sets `stay_days`,
    `month_end`, `order`, `defines`, `policy_period`, `_days`, `source`, and provides `category_id(text)` and
    `day_info(day)`).
    """

    stay_days: str
    month_end: bool
    order: dict[str, int]
    defines: dict[str, bool]
    policy_period: tuple
    source: str
    _days: dict

    def category_id(self, text: str) -> str | None:
        raise NotImplementedError

    def day_info(self, day: dt.date) -> tuple[int, bool, bool, bool]:
        raise NotImplementedError

    # ------------------------------------------------------------ identities
    def identity_index(self, identities: list[Identity]) -> dict[str, list[tuple[str, dt.date, dt.date]]]:
        """Per person: (category identifier, first day, last day held) — a lost identity held to its month's
        end where the policy says so. Rows naming no category of the policy are ignored (data.py checks them)."""
        out: dict[str, list[tuple[str, dt.date, dt.date]]] = {}
        category_id = self.category_id
        for row in identities:
            name = category_id(row.category)
            if name is None:
                continue
            end = row.end
            if end is None:
                end = dt.date.max
            elif self.month_end:
                end = month_end(end)
            out.setdefault(row.person_id, []).append((name, row.start, end))
        return out

    def held(self, rows, claim: Claim) -> list[str]:
        """The categories held for a claim (docs/semantics.md, "Categories and identity"), in declared order."""
        if not rows:
            return []
        first, last = claim.admission_date, claim.discharge_date
        if self.stay_days == "admission":
            last = first
        elif self.stay_days == "discharge":
            first = last
        if len(rows) == 1:  # most people hold one identity
            category, start, end = rows[0]
            return [category] if start <= last and end >= first else []
        found = [cat for cat, start, end in rows if start <= last and end >= first]
        if len(found) > 1:
            found = sorted(set(found), key=self.order.__getitem__)
        return found

    # ------------------------------------------------------------ claims
    def claim_day(self, claim: Claim) -> tuple[str, int, bool]:
        """(canonical visit type, epoch, in force) of a claim's discharge date; a `ClaimError` for what no
        engine can settle: an unknown visit type, admission after discharge, or (in force) an insurance amount
        the claim does not give and the policy does not compute on the date."""
        day = claim.discharge_date
        visit = claim.visit_type
        if visit not in _VISITS:
            canonical = VISIT_NAMES.get(visit)
            if canonical is None:
                raise ClaimError(claim.claim_id, f"就诊类型“{claim.visit_type}”无法识别",
                                 f"unknown visit type {claim.visit_type!r}", claim.row)
            visit = canonical
        if claim.admission_date > day:
            raise ClaimError(claim.claim_id, "入院日期晚于出院日期", "admission date after discharge date", claim.row)
        epoch, active, basic_on, critical_on = self._days.get(day) or self.day_info(day)
        if active:
            if claim.basic_paid is None and not basic_on:
                raise ClaimError(claim.claim_id, *missing_reason("basic", self.defines["basic"]), claim.row)
            if claim.critical_paid is None and not critical_on:
                raise ClaimError(claim.claim_id, *missing_reason("critical", self.defines["critical"]), claim.row)
        return visit, epoch, active

    def above_cost(self, claim: Claim, basic: int, critical: int, aid: int, tilted: int, basis: str) -> Exception:
        """What every engine raises when a claim's payments add up to more than its cost (a negative self-pay;
        checked on every claim, docs/semantics.md). Where the claim gives one insurance amount and the policy
        computes the other, and the two alone exceed the cost, the data disagree with the policy: that claim is
        rejected (`ClaimError`; such claims settle on a trial ledger, see `mixes_insurance`). Anything else is
        the policy's or a parameter's doing: the run stops (`PaymentAboveCost`), nothing is written."""
        cost = claim.policy_scope_cost
        if mixes_insurance(claim) and basic + critical > cost:
            given, computed = ("basic", "critical") if claim.basic_paid is not None else ("critical", "basic")
            amounts = {"basic": basic, "critical": critical}
            return ClaimError(
                claim.claim_id,
                f"数据给出的{INSURANCE_WORDS[given]} {format_yuan(amounts[given])} 元"
                f"与本政策计算的{INSURANCE_WORDS[computed]} "
                f"{format_yuan(amounts[computed])} 元之和超过政策范围内费用 {format_yuan(cost)} 元",
                f"{given}_paid {format_yuan(amounts[given])} given by the data and {computed}_paid "
                f"{format_yuan(amounts[computed])} computed by the policy exceed the policy-scope cost "
                f"{format_yuan(cost)}", claim.row, f"{given}_paid")
        return PaymentAboveCost(claim, (basic, critical, aid, tilted), basis, self.source)

    def not_in_force(self, claim: Claim, trace) -> Result:
        """Outside every period: nothing is paid beyond what the data gave."""
        basic, critical = claim.basic_paid or 0, claim.critical_paid or 0
        if trace is not None:
            trace.append(NotInForce(claim.discharge_date, self.policy_period))
        return Result(claim.claim_id, claim.person_id, "", basic, critical, 0, 0,
                      claim.policy_scope_cost - basic - critical, "not_in_force", "")
