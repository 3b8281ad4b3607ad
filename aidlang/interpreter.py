"""The interpreter: settles claims, explains one, and computes annual benefits, fund schedules and monitoring
lists, straight from a checked policy.

Built once per (policy, parameter values). What does not depend on the claim is worked out once and kept:
per (category, visit type, epoch) the tiers that apply with their rule cascades resolved, so settling a claim
is a few closures and integer operations (contract.md, "Settlement semantics"; docs/semantics.md).

Bad data never stops the others: a claim that cannot be settled for a data reason is a `ClaimError`. Pass a
list as `errors=` to collect them (the claim is left out of the results); without it the first one is raised.
A missing parameter (`MissingParameter`) fails the whole run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import nodes as n
from . import runtime as rt
from .cascade import Resolution, candidate_rules, is_static_rules, resolve
from .evaluate import Env, Evaluator
from .periods import Epochs, Periods, in_force
from .records import BenefitRow, Claim, Identity, MonitorRow, Person, Result, ScheduleRow
from .symbols import VISIT_TYPES, Symbols

KINDS = ("basic", "critical", "aid", "tilted")
_VISITS = frozenset(("outpatient", "chronic", "inpatient"))
SELF_LEDGER = "#self"  # per (person, year, visit): policy-scope cost − basic − critical, for 年度累计自付


class ClaimError(Exception):
    """A claim that cannot be settled for a data reason; the caller rejects that row only."""

    def __init__(self, claim_id: str, reason_zh: str, reason_en: str, row: int = 0):
        self.claim_id, self.reason_zh, self.reason_en, self.row = claim_id, reason_zh, reason_en, row
        super().__init__(f"claim {claim_id}: {reason_en}")


class TierPlan:
    """One tier as it applies to one category, visit type and epoch: its pool, ledger keys, conditions and
    rule cascade (resolved once, on first use, when the rules have no conditions)."""

    __slots__ = ("tier", "kind", "name", "pool", "base", "gates", "conditions", "rules", "static", "resolved",
                 "simple", "dsuffix", "csuffix", "label")

    def __init__(self, tier: n.Tier, pool: str, base, gates, conditions, rules, static: bool, dkey, ckey):
        self.tier, self.kind, self.name, self.pool = tier, tier.kind, tier.name, pool
        self.base, self.gates, self.conditions, self.rules = base, gates, conditions, rules
        self.static, self.resolved = static, None
        self.simple = static and not conditions  # applies whenever its resolution has a ratio
        # ledger keys are (person, year) + these: the tier and its deductible/threshold or cap key
        self.dsuffix, self.csuffix = (tier.name, dkey), (tier.name, ckey)
        self.label = tier.label or tier.name


class ClaimPlan:
    """The tiers a claim of one category and visit type runs through in one epoch, by kind."""

    __slots__ = ("kinds", "aid_uncovered", "gated")

    def __init__(self, kinds: dict[str, list[TierPlan]], aid_uncovered: bool):
        self.kinds, self.aid_uncovered = kinds, aid_uncovered
        self.gated = any(tp.gates for kind in ("aid", "tilted") for tp in kinds[kind])


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


class Interpreter:
    def __init__(self, checked: Any, params: dict[str, Any] | None = None):
        self.checked = checked
        self.policy: n.Policy = checked.policy
        self.symbols: Symbols = checked.symbols
        self.ev = Evaluator(self.symbols, params)
        self.periods = Periods(self.symbols)
        self.epochs = Epochs(self._all_periods(), self.ev.param_dates())
        self.tiers: dict[str, list[n.Tier]] = {k: [] for k in KINDS}
        for tier in self.policy.of_type(n.Tier):
            self.tiers[tier.kind].append(tier)
        self.order = {name: i for i, name in enumerate(self.symbols.declared_order())}
        self.highest = self.symbols.identity_flag("highest")
        self.identity_clause = self._identity_clause()
        held_mode = (self.symbols.identity_flag("stay_keeps_lost"), self.symbols.identity_flag("stay_gains_new"))
        # which days of a stay count for holding a category: (first, last) as (admission, discharge) picks
        self.stay_days = {(True, False): "admission", (False, True): "discharge"}.get(held_mode, "any")
        self.month_end = self.symbols.identity_flag("month_end")
        self.has_aid_tiers = bool(self.tiers["aid"] or self.tiers["tilted"])
        self._plans: dict[tuple, ClaimPlan] = {}
        self._days: dict[dt.date, tuple[int, bool, bool, bool]] = {}
        self._names = {c: self.symbols.display_name(c) for c in self.symbols.categories}
        self._names[""] = ""

    # ------------------------------------------------------------ setup
    def _all_periods(self):
        yield from self.periods.all()
        for tier in self.policy.of_type(n.Tier):
            yield self.periods.tier(tier)
            for rule in tier.rules:
                yield self.periods.rule(rule, tier)
        for benefit in self.policy.of_type(n.Benefit):
            for row in benefit.rows:
                yield self.periods.named(row.during)

    def _identity_clause(self) -> str:
        kind = "highest" if self.highest else "order"
        rule = next((r for r in self.symbols.identity if r.kind == kind and r.clause), None)
        return rule.clause.text if rule else ""

    def _base_fn(self, kind: str, expr: n.Expr | None):
        if expr is not None:
            return self.ev.compile_value(expr)
        if kind == "basic":
            return lambda env: env.claim.policy_scope_cost
        if kind == "critical":
            return lambda env: env.claim.policy_scope_cost - env.basic
        if kind == "aid":
            return lambda env: env.claim.policy_scope_cost - env.basic - env.critical
        return lambda env: env.claim.policy_scope_cost - env.basic - env.critical - env.aid

    def _pool_keys(self, tier: n.Tier, pool: str, visit: str) -> tuple[str, str]:
        """Ledger keys of a tier's deductible (the tilted threshold) and cap for a visit type: the pool when
        it shares them, else the pool and the visit type. A tilted threshold is always over the whole pool."""
        declared = self.symbols.pools.get(pool)
        shares = declared.shares if declared is not None else ("deductible", "cap")
        own = f"{pool}/{visit}"
        dkey = pool if ("deductible" in shares or tier.kind == "tilted") else own
        ckey = pool if "cap" in shares else own
        return "d:" + dkey, "c:" + ckey

    def plan(self, category: str, visit: str, epoch: int, day: dt.date) -> ClaimPlan:
        """The tiers for a category and visit type in an epoch (built on first use, from a day in it)."""
        key = (category, visit, epoch)
        found = self._plans.get(key)
        if found is not None:
            return found
        symbols, ev = self.symbols, self.ev
        kinds: dict[str, list[TierPlan]] = {k: [] for k in KINDS}
        for kind in KINDS:
            for tier in self.tiers[kind]:
                pool = symbols.visit_pool(tier, visit)
                if pool is None:
                    continue
                rules = candidate_rules(symbols, tier, category, pool, visit,
                                        lambda r, t=tier: in_force(self.periods.rule(r, t), day))
                if not rules:
                    continue
                gates = [(ev.compile(c.expr), c.clause.text if c.clause else "", c) for c in tier.conditions
                         if c.otherwise]
                conditions = [(ev.compile(c.expr), c.clause.text if c.clause else "", c) for c in tier.conditions
                              if not c.otherwise]
                dkey, ckey = self._pool_keys(tier, pool, visit)
                base = self._base_fn(kind, tier.base)
                kinds[kind].append(TierPlan(tier, pool, base, gates, conditions, rules,
                                            is_static_rules(rules, symbols), dkey, ckey))
        aid_uncovered = bool(self.tiers["aid"]) and all(symbols.visit_pool(t, visit) is None
                                                          for t in self.tiers["aid"])
        found = self._plans[key] = ClaimPlan(kinds, aid_uncovered)
        return found

    def kind_active(self, kind: str, day: dt.date) -> bool:
        """Does the policy compute this kind on the day (some rule of one of its tiers in force)?"""
        return any(in_force(self.periods.rule(r, t), day) for t in self.tiers[kind] for r in t.rules)

    def day_info(self, day: dt.date) -> tuple[int, bool, bool, bool]:
        """(epoch, in force at all, basic computed, critical computed) for a discharge date; kept per date."""
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = (self.epochs.index(day), self.periods.any_in_force(day),
                                       self.kind_active("basic", day), self.kind_active("critical", day))
        return found

    def new_env(self) -> Env:
        """A scratch environment for settling claims one after another (reset per claim)."""
        env = Env()

        def year_self_paid(visits: tuple[str, ...]) -> int:
            """年度累计自付: this year's cost − basic − critical over the visit types, this claim included
            (with the insurance amounts settled so far)."""
            values, prefix = env.values, env.prefix
            total = 0
            for v in visits:
                total += values.get((*prefix, SELF_LEDGER, v), 0)
            if env.visit in visits:
                total += env.claim.policy_scope_cost - env.basic - env.critical
            return total
        env.running = year_self_paid
        return env

    # ------------------------------------------------------------ identities
    def identity_index(self, identities: list[Identity]) -> dict[str, list[tuple[str, dt.date, dt.date]]]:
        """Per person: (category identifier, first day, last day held) — a lost identity held to its month's
        end where the policy says so. Rows naming no category of the policy are ignored (data.py checks them)."""
        out: dict[str, list[tuple[str, dt.date, dt.date]]] = {}
        for row in identities:
            declared = self.symbols.category(row.category)
            if declared is None:
                continue
            end = row.end
            if end is None:
                end = dt.date.max
            elif self.month_end:
                end = rt.month_end(end)
            out.setdefault(row.person_id, []).append((declared.name, row.start, end))
        return out

    def held(self, rows, claim: Claim) -> list[str]:
        """The categories held for a claim (contract §3), in declared order."""
        if not rows:
            return []
        first, last = claim.admission_date, claim.discharge_date
        if self.stay_days == "admission":
            last = first
        elif self.stay_days == "discharge":
            first = last
        found = [cat for cat, start, end in rows if start <= last and end >= first]
        if len(found) > 1:
            found = sorted(set(found), key=self.order.__getitem__)
        return found

    # ------------------------------------------------------------ settling
    def settle(self, claims: list[Claim], identities: list[Identity], persons: dict[str, Person] | None = None,
               errors: list[ClaimError] | None = None, insurance_only: bool = False) -> list[Result]:
        """Results in input order. Claims that are data errors go to `errors` if given (and are left out),
        else the first is raised. `insurance_only` stops after the basic and critical tiers (monitoring)."""
        index = self.identity_index(identities)
        persons = persons or {}
        ledgers = rt.Ledgers()
        env = self.new_env()
        order = sorted(range(len(claims)), key=lambda i: (claims[i].person_id, *claims[i].order_key()))
        results: list[Result | None] = [None] * len(claims)
        settle_one = self._settle
        for i in order:
            claim = claims[i]
            pid = claim.person_id
            try:
                results[i] = settle_one(claim, index.get(pid), persons.get(pid), ledgers, env, None, insurance_only)
            except ClaimError as error:
                if errors is None:
                    raise
                errors.append(error)
        return [r for r in results if r is not None]

    def settle_claim(self, claim: Claim, rows, person: Person | None, ledgers: rt.Ledgers,
                     trace: list | None = None, insurance_only: bool = False) -> Result:
        """One claim, on the ledgers of the person's earlier claims (which it then updates). `rows` are the
        person's entries of `identity_index`."""
        return self._settle(claim, rows, person, ledgers, self.new_env(), trace, insurance_only)

    def _settle(self, claim: Claim, rows, person: Person | None, ledgers: rt.Ledgers, env: Env, trace,
                insurance_only: bool) -> Result:
        day = claim.discharge_date
        visit = claim.visit_type
        if visit not in _VISITS:
            visit = VISIT_TYPES.get(visit)
            if visit is None:
                raise ClaimError(claim.claim_id, f"就诊类型“{claim.visit_type}”无法识别",
                                 f"unknown visit type {claim.visit_type!r}", claim.row)
        if claim.admission_date > day:
            raise ClaimError(claim.claim_id, "入院日期晚于出院日期", "admission date after discharge date", claim.row)
        info = self._days.get(day) or self.day_info(day)
        epoch, active, basic_on, critical_on = info
        if trace is not None:
            trace.append(("claim", claim, visit))
        if not active:
            return self._not_in_force(claim, trace)
        if claim.basic_paid is None and not basic_on:
            raise ClaimError(claim.claim_id, *_missing_reason("basic", bool(self.tiers["basic"])), claim.row)
        if claim.critical_paid is None and not critical_on:
            raise ClaimError(claim.claim_id, *_missing_reason("critical", bool(self.tiers["critical"])), claim.row)

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
        self_pay = cost - out.basic - out.critical - out.aid - out.tilted
        if trace is not None:
            trace.append(("self_pay", cost, out, self_pay))
        clauses = out.clauses
        basis = clauses[0] if len(clauses) == 1 else ";".join(dict.fromkeys(clauses))
        return Result(claim.claim_id, claim.person_id, self._names[out.category], out.basic, out.critical, out.aid,
                      out.tilted, self_pay, out.status, basis)

    def _not_in_force(self, claim: Claim, trace) -> Result:
        """Outside every period: nothing is paid beyond what the data gave."""
        basic, critical = claim.basic_paid or 0, claim.critical_paid or 0
        if trace is not None:
            trace.append(("not_in_force", claim.discharge_date, self.periods.policy))
        return Result(claim.claim_id, claim.person_id, "", basic, critical, 0, 0,
                      claim.policy_scope_cost - basic - critical, "not_in_force", "")

    def _choose(self, held, claim, visit, epoch, env, ledgers: rt.Ledgers, prefix, trace, insurance_only
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

    def _settle_as(self, category: str, claim: Claim, visit: str, epoch: int, env: Env, values: dict,
                   prefix: tuple, trace, insurance_only: bool = False) -> Outcome:
        """The claim's tiers in kind order, as this category (\"\" for none), on the ledger dict `values`."""
        plan = self._plans.get((category, visit, epoch)) or self.plan(category, visit, epoch, claim.discharge_date)
        out = Outcome(category)
        given = claim.basic_paid
        if given is not None:
            env.basic = out.basic = given
            if trace is not None:
                trace.append(("given", "basic", given))
        elif plan.kinds["basic"]:
            env.basic = out.basic = self._deductible_kind(plan.kinds["basic"], env, values, prefix, out, trace)
        given = claim.critical_paid
        if given is not None:
            env.critical = out.critical = given
            if trace is not None:
                trace.append(("given", "critical", given))
        elif plan.kinds["critical"]:
            env.critical = out.critical = self._deductible_kind(plan.kinds["critical"], env, values, prefix, out,
                                                                trace)
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
        if plan.gated:
            for kind in ("aid", "tilted"):  # a failed 否则 不予救助 condition: no aid of either kind
                for tp in plan.kinds[kind]:
                    for fn, clause, cond in tp.gates:
                        if not fn(env):
                            out.status = "not_covered"
                            if clause:
                                out.clauses.append(clause)
                            if trace is not None:
                                trace.append(("gate", tp, clause, cond))
                            return out
        if plan.kinds["aid"]:
            env.aid = out.aid = self._deductible_kind(plan.kinds["aid"], env, values, prefix, out, trace)
        if plan.kinds["tilted"]:
            env.tilted = out.tilted = self._tilted_kind(plan.kinds["tilted"], env, values, prefix, out, trace)
        return out

    def _applicable(self, tp: TierPlan, env: Env, out: Outcome, trace) -> Resolution | None:
        """The tier's resolution if it applies to the claim (conditions hold, a ratio resolves), else None."""
        for fn, clause, cond in tp.conditions:
            if not fn(env):
                if trace is not None:
                    trace.append(("condition", tp, clause, cond))
                return None
        if tp.static:
            res = tp.resolved
            if res is None:
                res = tp.resolved = resolve(tp.rules, self.ev, env)
        else:
            res = resolve(tp.rules, self.ev, env)
        if res.ratio is None:
            if trace is not None:
                trace.append(("no_ratio", tp, out.category))
            return None
        return res

    def _deductible_kind(self, plans: list[TierPlan], env: Env, values: dict, prefix: tuple, out: Outcome,
                         trace) -> int:
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
                res = tp.resolved or self._applicable(tp, env, out, None)
            else:
                res = self._applicable(tp, env, out, trace)
            if res is None or res.ratio is None:
                continue
            base = tp.base(env)
            if base < 0:
                base = 0
            dkey = prefix + tp.dsuffix
            earlier = values.get(dkey, 0)
            values[dkey] = earlier + base
            # covered = max(0, E + e − D) − max(0, E − D)   (contract §4)
            deductible = res.deductible
            if deductible:
                covered = rt.deductible_cover(earlier, base, deductible)
            else:
                covered = base
            num, den = res.ratio_terms
            raw = (2 * covered * num + den) // (2 * den)  # rt.apply_terms, inlined: covered ≥ 0
            cap = res.cap
            used = 0
            if cap is None:
                paid = raw
            else:
                ckey = prefix + tp.csuffix
                used = values.get(ckey, 0)
                paid = rt.apply_cap(raw, cap, used)
                if paid:
                    values[ckey] = used + paid
            if base > 0:
                out.clauses.extend(res.clauses)
            if trace is not None:
                trace.append(("deductible_tier", tp, res, out.category, base, earlier, covered, raw, used, paid))
            return paid
        return 0

    def _tilted_kind(self, plans: list[TierPlan], env: Env, values: dict, prefix: tuple, out: Outcome,
                     trace) -> int:
        """Tilted aid: a share of the yearly burden above the threshold (contract §5)."""
        for tp in plans:
            res = self._applicable(tp, env, out, trace)
            if res is None:
                continue
            burden = tp.base(env)
            if burden < 0:
                burden = 0
            tkey = prefix + tp.dsuffix
            earlier = values.get(tkey, 0)
            values[tkey] = earlier + burden
            excess = rt.threshold_excess(earlier, burden, res.threshold)
            num, den = res.ratio_terms
            raw = (2 * excess * num + den) // (2 * den)  # rt.apply_terms, inlined: excess ≥ 0
            cap, used = res.cap, 0
            if cap is None:
                paid = raw
            else:
                ckey = prefix + tp.csuffix
                used = values.get(ckey, 0)
                paid = rt.apply_cap(raw, cap, used)
                if paid:
                    values[ckey] = used + paid
            if paid > 0:
                out.clauses.extend(res.clauses)
            if trace is not None:
                trace.append(("tilted_tier", tp, res, out.category, burden, earlier, excess, raw, used, paid))
            return paid
        return 0

    # ------------------------------------------------------------ explaining
    def explain(self, claims: list[Claim], identities: list[Identity], persons: dict[str, Person] | None,
                claim_id: str, lang: str = "zh") -> list:
        """The settlement of one claim as numbered steps (its person's earlier claims settled first)."""
        from .explain import render

        target = next((c for c in claims if c.claim_id == claim_id), None)
        if target is None:
            raise KeyError(claim_id)
        persons = persons or {}
        index = self.identity_index(identities)
        rows, person = index.get(target.person_id), persons.get(target.person_id)
        mine = sorted((c for c in claims if c.person_id == target.person_id), key=Claim.order_key)
        ledgers = rt.Ledgers()
        for claim in mine:
            if claim is target:
                break
            try:
                self.settle_claim(claim, rows, person, ledgers)
            except ClaimError:
                pass  # rejected rows do not count for later claims
        trace: list = []
        result = self.settle_claim(target, rows, person, ledgers, trace)
        return render(trace, result, self, lang)

    # ------------------------------------------------------------ person-level, fund and monitoring outputs
    def annual(self, year: int, identities: list[Identity], persons: dict[str, Person] | None = None
               ) -> list[BenefitRow]:
        from .benefits import annual_benefits
        return annual_benefits(self, year, identities, persons or {})

    def funds(self, expenditures) -> list[ScheduleRow]:
        from .funds import fund_schedule
        return fund_schedule(self, expenditures)

    def fund_check_failures(self, expenditures) -> list:
        from .funds import fund_check_failures
        return fund_check_failures(self, expenditures)

    def monitor(self, claims: list[Claim], month: tuple[int, int], identities: list[Identity] = (),
                persons: dict[str, Person] | None = None, errors: list[ClaimError] | None = None
                ) -> list[MonitorRow]:
        from .monitoring import monitor_list
        return monitor_list(self, claims, month, list(identities), persons or {}, errors)


def _reset(env: Env) -> None:
    env.basic = env.critical = env.aid = env.tilted = 0


def _missing_reason(kind: str, defined: bool) -> tuple[str, str]:
    column = f"{kind}_paid"
    zh_kind = {"basic": "基本医保支付", "critical": "大病保险支付"}[kind]
    if defined:
        return (f"缺少{zh_kind}（{column}）：本政策在该就诊日期不计算该项",
                f"{column} is missing and the policy does not compute it on this date")
    return (f"缺少{zh_kind}（{column}）：本政策不计算该项，须由数据提供",
            f"{column} is missing and the policy does not compute it: the data must give it")
