"""The interpreter's settlement loop (`PlanSettler`): each claim through a plan of the tiers for its category,
visit type and epoch (`ClaimPlan`, `TierPlan`), kind by kind (`deductible_kind`, `tilted_kind`), 就高 by
trials on one set of `Ledgers`, with a trace of every step for `aidlang explain`.
"""

from __future__ import annotations

from ..records import Claim, Identity, Person, Result
from .errors import ClaimError, MissingValue
from .ledgers import Ledgers
from .memory import collector_paused
from .money import apply_cap, cover
from .settle import COUNT_LEDGER, SELF_LEDGER, Settler, claims_by_person, mixes_insurance


class Outcome:
    """A claim settled as one category (one trial of 就高, or the only one)."""

    __slots__ = ("category", "basic", "critical", "aid", "tilted", "status", "clauses")

    def __init__(self, category: str):
        self.category = category
        self.basic = self.critical = self.aid = self.tilted = 0
        self.status = "ok"
        self.clauses: list[str] = []

    @property
    def total(self) -> int:
        return self.basic + self.critical + self.aid + self.tilted


class ClaimPlan:
    """The tiers a claim of one category and visit type runs through in one epoch, by kind (lists of tier
    plans, see `TierPlan`), whether the visit type is in no pool of any aid tier, and the `否则 不予救助`
    conditions of its aid and tilted tiers as (test, clause, tier plan, condition node)."""

    __slots__ = ("kinds", "aid_uncovered", "gates")

    def __init__(self, kinds: dict[str, list], aid_uncovered: bool):
        self.kinds, self.aid_uncovered = kinds, aid_uncovered
        self.gates = [(fn, clause, tp, cond) for kind in ("aid", "tilted") for tp in kinds[kind]
                      for fn, clause, cond in tp.gates]


class TierPlan:
    """One tier as it applies to one category, visit type and epoch: its pool, ledger keys, conditions and
    rule cascade (`resolver(env)` → a resolution with `ratio` None when the tier does not apply; resolved once,
    on first use, when `static`)."""

    __slots__ = ("tier", "kind", "name", "pool", "base", "gates", "conditions", "resolver", "static", "resolved",
                 "simple", "dsuffix", "csuffix", "label", "rules")

    def __init__(self, tier, kind: str, name: str, label: str, pool: str, base, gates, conditions, resolver,
                 static: bool, dkey, ckey, rules=()):
        self.tier, self.kind, self.name, self.pool, self.label = tier, kind, name, pool, label
        self.base, self.gates, self.conditions, self.resolver = base, gates, conditions, resolver
        self.static, self.resolved, self.rules = static, None, rules
        self.simple = static and not conditions  # applies whenever its resolution has a ratio
        # ledger keys are (person, year) + these: the tier and its deductible/threshold or cap key
        self.dsuffix, self.csuffix = (name, dkey), (name, ckey)


def applicable(tp: TierPlan, env, out: Outcome, trace):
    """The tier's resolution if it applies to the claim (conditions hold, a ratio resolves), else None."""
    for fn, clause, cond in tp.conditions:
        if not fn(env):
            if trace is not None:
                trace.append(("condition", tp, clause, cond))
            return None
    if tp.static:
        res = tp.resolved
        if res is None:
            res = tp.resolved = tp.resolver(env)
    else:
        res = tp.resolver(env)
    if res.ratio is None:
        if trace is not None:
            trace.append(("no_ratio", tp, out.category))
        return None
    return res


def deductible_kind(plans: list[TierPlan], env, values: dict, prefix: tuple, out: Outcome, trace) -> int:
    """Basic, critical or aid: the first tier of the kind that applies pays (contract §4)."""
    for tp in plans:
        if tp.gates and tp.kind != "aid":
            for fn, clause, cond in tp.gates:
                if not fn(env):
                    out.status = "not_covered"
                    if clause:
                        out.clauses.append(clause)
                    if trace is not None:
                        trace.append(("gate", tp, clause, cond))
                    return 0
        if tp.simple and trace is None:
            res = tp.resolved or applicable(tp, env, out, None)
        else:
            res = applicable(tp, env, out, trace)
        if res is None or res.ratio is None:
            continue
        # covered = max(0, E + e − D) − max(0, E − D)   (contract §4); per claim: max(0, e − D)
        base, earlier, covered, raw, used, paid = _pay(tp, res, env, values, prefix, res.deductible,
                                                       "deductible" in res.per_claim)
        if base > 0:
            out.clauses.extend(res.clauses)
        if trace is not None:
            trace.append(("deductible_tier", tp, res, out.category, base, earlier, covered, raw, used, paid))
        return paid
    return 0


def _pay(tp: TierPlan, res, env, values: dict, prefix: tuple, line: int, per_claim: bool
         ) -> tuple[int, int, int, int, int, int]:
    """A tier that applies, on the ledgers: this claim's base (clamped at 0) joins the year's in the tier's
    deductible (tilted: burden) ledger; the part above `line` — the deductible, or the tilted threshold, of the
    year or (`per_claim`) of this claim alone — times the ratio, half-up once, within the cap.
    (base, earlier, counted, raw, paid earlier, paid now)."""
    base = tp.base(env)
    if base < 0:
        base = 0
    key = prefix + tp.dsuffix
    earlier = values.get(key, 0)
    values[key] = earlier + base
    counted = cover(earlier, base, line, per_claim) if line else base
    num, den = res.ratio_terms
    raw = (2 * counted * num + den) // (2 * den)  # apply_terms, inlined: counted ≥ 0
    used, paid = pay_within_cap(raw, res.cap, values, prefix + tp.csuffix)
    return base, earlier, counted, raw, used, paid


def pay_within_cap(raw: int, cap: int | None, values: dict, ckey: tuple) -> tuple[int, int]:
    """(paid earlier this year, paid now) for a tier's raw amount under its annual cap; the cap ledger moves."""
    if cap is None:
        return 0, raw
    used = values.get(ckey, 0)
    paid = apply_cap(raw, cap, used)
    if paid:
        values[ckey] = used + paid
    return used, paid


def tilted_kind(plans: list[TierPlan], env, values: dict, prefix: tuple, out: Outcome, trace) -> int:
    """Tilted aid: a share of the yearly burden above the threshold (contract §5)."""
    for tp in plans:
        res = applicable(tp, env, out, trace)
        if res is None:
            continue
        # excess = max(0, T + b − t) − max(0, T − t)   (contract §5); per claim: max(0, b − t)
        burden, earlier, excess, raw, used, paid = _pay(tp, res, env, values, prefix, res.threshold,
                                                        "threshold" in res.per_claim)
        if paid > 0:
            out.clauses.extend(res.clauses)
        if trace is not None:
            trace.append(("tilted_tier", tp, res, out.category, burden, earlier, excess, raw, used, paid))
        return paid
    return 0


def _reset(env) -> None:
    env.basic = env.critical = env.aid = env.tilted = 0


class PlanSettler(Settler):
    """The interpreter's settlement loop: claims in contract order (person, discharge, admission, id) on one
    set of `Ledgers`, each through a `ClaimPlan` of `TierPlan`s (identities and 就高 trials, the tiers in kind
    order with status and basis, self-pay), with a trace of every step when asked (`aidlang explain`).

    Besides what `Settler` needs, a subclass sets `highest`, `identity_clause`, `names` (category → display
    name, "" → ""), `has_aid_tiers` and `_plans` (a dict), and provides `plan(category, visit, epoch, day)` →
    `ClaimPlan` and `new_env()`.
    """

    # ------------------------------------------------------------ settling
    def settle(self, claims: list[Claim], identities: list[Identity], persons: dict[str, Person] | None = None,
               errors: list[ClaimError] | None = None, insurance_only: bool = False) -> list[Result]:
        """Results in input order. Claims that are data errors go to `errors` if given (and are left out),
        else the first is raised. `insurance_only` stops after the basic and critical tiers (monitoring)."""
        with collector_paused():
            return self._settle_all(claims, identities, persons, errors, insurance_only)

    def _settle_all(self, claims, identities, persons, errors, insurance_only) -> list[Result]:
        index = self.identity_index(identities)
        persons = persons or {}
        ledgers = Ledgers()
        env = self.new_env()
        results: list[Result | None] = [None] * len(claims)
        reads_optional, settle, settle_kept = self.reads_optional, self._settle, self._settle_kept
        for pid, items in claims_by_person(claims):
            rows, person = index.get(pid), persons.get(pid)
            for item in items:
                i = item[3]
                claim = claims[i]
                settle_one = settle_kept if reads_optional or mixes_insurance(claim) else settle
                try:
                    results[i] = settle_one(claim, rows, person, ledgers, env, None, insurance_only)
                except ClaimError as error:
                    if errors is None:
                        raise
                    errors.append(error)
        return [r for r in results if r is not None]

    def settle_claim(self, claim: Claim, rows, person: Person | None, ledgers: Ledgers,
                     trace: list | None = None, insurance_only: bool = False) -> Result:
        """One claim, on the ledgers of the person's earlier claims (which it then updates). `rows` are the
        person's entries of `identity_index`."""
        return self._settle_kept(claim, rows, person, ledgers, self.new_env(), trace, insurance_only)

    def _settle_kept(self, claim: Claim, rows, person: Person | None, ledgers: Ledgers, env, trace,
                     insurance_only: bool) -> Result:
        """`_settle` on a trial of the ledgers, kept only when the claim settles: a claim rejected half-way (a
        missing person attribute, `MissingValue`, becomes a `ClaimError`) leaves no trace on later claims."""
        trial = ledgers.trial()
        try:
            result = self._settle(claim, rows, person, trial, env, trace, insurance_only)
        except MissingValue as missing:
            raise missing.claim_error(claim, self.source) from None
        ledgers.commit(trial)
        return result

    def _settle(self, claim: Claim, rows, person: Person | None, ledgers: Ledgers, env, trace,
                insurance_only: bool) -> Result:
        visit, epoch, active = self.claim_day(claim)
        day = claim.discharge_date
        if trace is not None:
            trace.append(("claim", claim, visit))
        if not active:
            return self._not_in_force(claim, trace)

        env.claim, env.person, env.date, env.year, env.visit = claim, person, day, day.year, visit
        env.prefix = prefix = (claim.person_id, day.year)
        env.values = values = ledgers.values
        held = self.held(rows, claim) if rows else ()
        if len(held) <= 1:
            category = held[0] if held else ""
            env.basic = env.critical = env.aid = env.tilted = 0
            out = self._settle_as(category, claim, visit, epoch, env, values, prefix, trace, insurance_only)
            if trace is not None:
                trace.insert(1, ("identity", list(held), category, None, ""))
        else:
            out = self._choose(held, claim, visit, epoch, env, ledgers, prefix, trace, insurance_only)
        cost = claim.policy_scope_cost
        key = (*prefix, SELF_LEDGER, visit)
        values[key] = values.get(key, 0) + cost - out.basic - out.critical
        key = (*prefix, COUNT_LEDGER, visit)  # 年度就诊次序 of the person's later claims
        values[key] = values.get(key, 0) + 1
        self_pay = cost - out.basic - out.critical - out.aid - out.tilted
        if trace is not None:
            trace.append(("self_pay", cost, out, self_pay))
        clauses = out.clauses
        basis = clauses[0] if len(clauses) == 1 else ";".join(dict.fromkeys(clauses))
        if self_pay < 0:
            raise self.above_cost(claim, out.basic, out.critical, out.aid, out.tilted, basis)
        return Result(claim.claim_id, claim.person_id, self.names[out.category], out.basic, out.critical, out.aid,
                      out.tilted, self_pay, out.status, basis)

    def _choose(self, held, claim, visit, epoch, env, ledgers: Ledgers, prefix, trace, insurance_only
                ) -> Outcome:
        """Several categories: 就高 settles each in a trial on the same ledgers and keeps the one that pays the
        most (ties: declared order); without 就高 the first in declared order applies."""
        values = ledgers.values
        if not self.highest:
            _reset(env)
            outcome = self._settle_as(held[0], claim, visit, epoch, env, values, prefix, trace, insurance_only)
            if trace is not None:
                trace.insert(1, ("identity", list(held), outcome.category, None, self.identity_clause))
        else:
            best = None
            trials = []
            for category in held:
                trial = ledgers.trial()
                env.values = trial.values
                _reset(env)
                outcome = self._settle_as(category, claim, visit, epoch, env, trial.values, prefix, None,
                                          insurance_only)
                trials.append((category, outcome.total))
                if best is None or outcome.total > best[0].total:
                    best = (outcome, trial)
            env.values = values
            outcome, trial = best
            if trace is None:
                ledgers.commit(trial)
            else:  # settle the winner again, this time writing down each step
                _reset(env)
                outcome = self._settle_as(outcome.category, claim, visit, epoch, env, values, prefix, trace,
                                          insurance_only)
                trace.insert(1, ("identity", list(held), outcome.category, trials, self.identity_clause))
        if self.identity_clause:
            outcome.clauses.append(self.identity_clause)
        return outcome

    def _settle_as(self, category: str, claim: Claim, visit: str, epoch: int, env, values: dict,
                   prefix: tuple, trace, insurance_only: bool = False) -> Outcome:
        """The claim's tiers in kind order, as this category (\"\" for none), on the ledger dict `values`."""
        plan = self._plans.get((category, visit, epoch)) or self.plan(category, visit, epoch, claim.discharge_date)
        kinds = plan.kinds
        out = Outcome(category)
        given = claim.basic_paid
        if given is not None:
            env.basic = out.basic = given
            if trace is not None:
                trace.append(("given", "basic", given))
        elif kinds["basic"]:
            env.basic = out.basic = deductible_kind(kinds["basic"], env, values, prefix, out, trace)
        given = claim.critical_paid
        if given is not None:
            env.critical = out.critical = given
            if trace is not None:
                trace.append(("given", "critical", given))
        elif kinds["critical"]:
            env.critical = out.critical = deductible_kind(kinds["critical"], env, values, prefix, out, trace)
        if insurance_only or not self.has_aid_tiers or out.status != "ok":
            return out
        if not category:
            out.status = "no_category"
            if trace is not None:
                trace.append(("no_category",))
            return out
        if plan.aid_uncovered:
            out.status = "not_covered"
            if trace is not None:
                trace.append(("visit_uncovered", visit))
            return out
        for fn, clause, tp, cond in plan.gates:  # a failed 否则 不予救助 condition: no aid of either kind
            if not fn(env):
                out.status = "not_covered"
                if clause:
                    out.clauses.append(clause)
                if trace is not None:
                    trace.append(("gate", tp, clause, cond))
                return out
        if kinds["aid"]:
            env.aid = out.aid = deductible_kind(kinds["aid"], env, values, prefix, out, trace)
        if kinds["tilted"]:
            env.tilted = out.tilted = tilted_kind(kinds["tilted"], env, values, prefix, out, trace)
        return out
