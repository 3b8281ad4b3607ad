"""The interpreter: settles claims, explains one, and computes annual benefits, fund schedules and monitoring
lists, straight from a checked policy.

Built once per (policy, parameter values). What does not depend on the claim is worked out once and kept:
per (category, visit type, epoch) the tiers that apply with their rule cascades resolved, so settling a claim
is a few closures and integer operations (contract.md, "Settlement semantics"; docs/semantics.md).

The settlement loop itself — claim order, identities and 就高, tiers in kind order, status, basis and
self-pay — is `runtime.PlanSettler` (its identity and data checks are `runtime.Settler`, shared with the
compiled modules); this class supplies what it evaluates: plans of tiers whose conditions, bases and rule
cascades are closures over the syntax tree.

Bad data never stops the others: a claim that cannot be settled for a data reason is a `ClaimError`. Pass a
list as `errors=` to collect them (the claim is left out of the results); without it the first one is raised.
A missing parameter (`MissingParameter`) fails the whole run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import nodes as n
from . import runtime as rt
from .cascade import candidate_rules, is_static_rules, resolve
from .evaluate import Env, Evaluator, policy_source, reads_optional
from .periods import Epochs, Periods, in_force
from .records import BenefitRow, Claim, Identity, MonitorRow, Person, ScheduleRow
from .runtime import SELF_LEDGER, ClaimError, ClaimPlan, Outcome, TierPlan  # noqa: F401  (re-exported)
from .symbols import Symbols

KINDS = ("basic", "critical", "aid", "tilted")


class Interpreter(rt.PlanSettler):
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
        self.names = self._names
        self.defines = {kind: bool(tiers) for kind, tiers in self.tiers.items()}
        self.policy_period = self.periods.policy
        self.source = policy_source(self.policy)
        self.reads_optional = reads_optional(self.policy)

    def category_id(self, text: str) -> str | None:
        declared = self.symbols.category(text)
        return None if declared is None else declared.name

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
                dkey, ckey = self.symbols.ledger_keys(tier, pool, visit)
                base = self._base_fn(kind, tier.base)
                kinds[kind].append(TierPlan(tier, tier.kind, tier.name, tier.label or tier.name, pool, base, gates,
                                            conditions, lambda env, rules=rules: resolve(rules, ev, env),
                                            is_static_rules(rules, symbols), dkey, ckey, rules))
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
        env.running = lambda visits: rt.year_self_paid(env, visits)
        return env

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
        theirs = [c for c in claims if c.person_id == target.person_id]
        mine = [theirs[item[3]] for _, items in rt.claims_by_person(theirs) for item in items]  # contract order
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
