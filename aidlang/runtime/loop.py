"""The settlement loop: every engine's claims settle here, through a lowered `runtime.plan.PolicyPlan`.

Stated once, for the interpreter and the compiled modules alike (docs/semantics.md): claims in settlement
order, person by person (`claims_by_person`), each on its person's ledgers; the categories a person holds for
a claim and 就高 (each category tried on a trial of the ledgers, the one paying most kept, ties by declared
order); the kinds in order — basic, critical, then (a category held, the visit type covered, no gate failing)
aid and tilted aid — the first tier of each kind that applies paying; the status, basis and self-pay. A
tier's payment is `runtime.money.tier_payment`, called: the base above the deductible (tilted: the burden
above the threshold) of the year or of the claim alone, times the ratio rounded half-up once, within what the
cap still allows.

An engine differs only in how the plan's expressions were lowered (closures, generated functions); with a
`trace` list the loop writes down every step (`runtime.trace`, phrased by `aidlang explain`).

Ledgers: a person's are a small dict keyed by integers, `year × plan.slots + slot` — each tier's deductible
(tilted: burden) and cap slot per pool, then 年度累计自付 and 年度就诊次序 per visit type; a pool split by
institution level adds a band per level (`level_offset`). 就高's trials write
to an `Overlay` that reads through; a claim that may be rejected half-way (it reads a value the data may leave
out, or gives one insurance amount and not the other) settles on a copy kept only when it settles.
"""

from __future__ import annotations

import bisect
import datetime as dt
from typing import Any, Callable, Final

from ..records import Claim, Identity, Person, Result, make_result
from . import trace as t
from .annual import annual_rows
from .errors import ClaimError, MissingParameter, MissingValue, PolicyRuntimeError
from .funds import fund_check_rows, fund_schedule_rows
from .ledgers import Overlay
from .memory import collector_paused
from .money import tier_payment
from .monitoring import monitor_rows
from .parameters import Parameters
from .settle import ClaimEnv, Settler, claims_by_person
from .terms import Terms, resolve
from .values import level_of

NOT_APPLICABLE = object()  # a static cascade that resolved to no ratio, kept as such
NOT_COVERED = object()  # what an insurance kind pays when a `否则 不予救助` of its tier fails
NO_CATEGORY: tuple[str, ...] = ()  # the categories held by a person with no identity rows
PROGRESS_EVERY = 2048  # persons between two reports to `PlanSettler.progress`


# What paying a step reads, worked out once per static cascade (`due_of`): a plain tuple, unpacked on the hot path
# (a tuple subclass would be unpacked item by item) — the step's base, `split_line` and ledger slots of its
# deductible (tilted: burden) and cap; then of its terms: the line the base is counted above (the deductible, or a
# tilted tier's threshold) and whether that line is of this claim alone (`每次`), the ratio's numerator and
# denominator, the cap (None: none), the clauses a payment cites and whether they are cited when the base is
# above 0 (deductible tiers) rather than when something is paid (tilted); and the `Terms` themselves
Due = tuple[Any, int, int, int, int, bool, int, int, "int | None", tuple[str, ...], bool, Terms]


def due_of(step, terms: Terms, line: str) -> Due:
    """`line` is "deductible" or "threshold": which of the terms the base is counted above."""
    deductible = line == "deductible"
    return (step.base, step.split_line, step.deductible_slot, step.cap_slot,
            terms.deductible if deductible else terms.threshold, line in terms.per_claim, terms.num, terms.den,
            terms.cap, terms.clauses, deductible, terms)


# A claim settled as one category (one trial of 就高, or the only one), a plain tuple as `Due` is —
# (category, basic, critical, aid, tilted, status, the clauses cited in the order they applied)
Outcome = tuple[str, int, int, int, int, str, list[str]]
CATEGORY: Final = 0  # the fields of an Outcome read one at a time
CLAUSES: Final = 6


def total_paid(outcome: Outcome) -> int:
    """What an outcome pays in all: basic + critical + aid + tilted."""
    _, basic, critical, aid, tilted, _, _ = outcome
    return basic + critical + aid + tilted


def gate_failed(step, gate, clauses: list[str], trace) -> str:
    """A `否则 不予救助` condition failed: the claim is not covered (the gate's clause cited)."""
    if gate.clause:
        clauses.append(gate.clause)
    if trace is not None:
        trace.append(t.GateFailed(step, gate.clause))
    return "not_covered"


def gates_hold(step, env: ClaimEnv, clauses: list[str], trace) -> bool:
    """An insurance tier's `否则 不予救助` conditions, in order: one failing means the claim is not covered."""
    for gate in step.gates:
        if not gate.test(env):
            gate_failed(step, gate, clauses, trace)
            return False
    return True


def conditions_hold(step, env: ClaimEnv, trace) -> bool:
    """A tier's conditions, in order: one failing means the tier does not apply."""
    for cond in step.conditions:
        if not cond.test(env):
            if trace is not None:
                trace.append(t.ConditionFailed(step, cond.clause))
            return False
    return True


class PlanSettler(Settler):
    """Settles claims, explains one, and computes annual benefits, fund schedules and monitoring lists, from a
    lowered plan (`plan`) and `--param` values (`params`)."""

    def __init__(self, plan, params: dict[str, Any] | None = None):
        self.plan = plan
        self.parameters = Parameters(plan.params, params, self.new_env)
        self.names = dict(plan.categories)
        self.names[""] = ""
        self.order = {name: i for i, name in enumerate(plan.order)}
        self.highest, self.identity_clause = plan.highest, plan.identity_clause
        self.stay_days, self.month_end = plan.stay_days, plan.month_end
        self.defines, self.has_aid_tiers = plan.defines, plan.has_aid_tiers
        self.policy_period, self.source, self.reads_optional = plan.period, plan.source, plan.reads_optional
        self.routes = plan.routes
        self.slots, self.self_slots, self.count_slots = plan.slots, plan.self_slots, plan.count_slots
        self.level_codes: dict[str, int] = {}  # institution levels of split ledgers, numbered as met (level_offset)
        self._days: dict[dt.date, tuple[int, bool, bool, bool]] = {}
        self._static: dict = {}  # step → its static cascade's terms (or NOT_APPLICABLE)
        self._given_dates = self.parameters.given_dates()
        self.settling: Claim | None = None
        # told the number of claims settled so far, now and then (every PROGRESS_EVERY persons): a terminal's
        # progress display (cli/progress.py); None: no one is watching
        self.progress: Callable[[int], None] | None = None

    # ------------------------------------------------------------ what the shared code asks
    def category_id(self, text: str) -> str | None:
        return self.plan.category_ids.get(text)

    def new_env(self) -> ClaimEnv:
        return ClaimEnv(self.plan, self.parameters)

    def param(self, name: str, on: dt.date | None):
        return self.parameters.value(name, on)

    def day_info(self, day: dt.date) -> tuple[int, bool, bool, bool]:
        """(epoch, in force at all, basic computed, critical computed) for a discharge date; kept per date."""
        found = self._days.get(day)
        if found is None:
            index = bisect.bisect_right(self.plan.bounds, day.toordinal())
            epoch = self.plan.epochs[index]
            found = self._days[day] = (index, epoch.in_force, epoch.basic_on, epoch.critical_on)
        return found

    def where(self, error: BaseException) -> str | None:
        """`file.aid:line` of the policy line an unexpected error arose on, when the engine knows it."""
        return None

    # ------------------------------------------------------------ settling
    def settle(self, claims: list[Claim], identities: list[Identity], persons: dict[str, Person] | None = None,
               errors: list[ClaimError] | None = None, insurance_only: bool = False) -> list[Result]:
        """Results in input order. Claims that are data errors go to `errors` if given (and are left out),
        else the first is raised. `insurance_only` stops after the basic and critical tiers (monitoring)."""
        return [r for r in self.settle_aligned(claims, identities, persons, errors, insurance_only) if r is not None]

    def settle_aligned(self, claims: list[Claim], identities: list[Identity], persons: dict[str, Person] | None,
                       errors: list[ClaimError] | None, insurance_only: bool = False) -> list[Result | None]:
        """`settle`, with a result or None (the claim was rejected) for each claim, aligned to `claims`.
        While it runs, `settling` is the claim being settled (an engine that settles part of a run here learns
        which claim stopped it)."""
        try:
            with collector_paused():
                return self._settle_all(claims, identities, persons or {}, errors, insurance_only)
        except (ClaimError, MissingParameter):
            raise
        except Exception as error:
            where = self.where(error)
            if where is None:
                raise
            raise PolicyRuntimeError(where, error) from error

    def _settle_all(self, claims, identities, persons, errors, insurance_only) -> list[Result | None]:
        index = self.identity_index(identities)
        results: list[Result | None] = [None] * len(claims)
        env = self.new_env()
        settle_claim = self.settle_claim
        progress, done = self.progress, 0
        for number, (pid, items) in enumerate(claims_by_person(claims)):
            if progress is not None and number % PROGRESS_EVERY == 0:
                progress(done)
            done += len(items)
            rows, person = index.get(pid), persons.get(pid)
            L: dict[int, int] = {}  # this person's ledgers
            for item in items:
                i = item[3]
                claim = self.settling = claims[i]
                try:
                    results[i] = settle_claim(claim, rows, person, L, env, None, insurance_only)
                except ClaimError as error:
                    if errors is None:
                        raise
                    errors.append(error)
        if progress is not None:
            progress(done)
        return results

    def settle_claim(self, claim: Claim, rows, person: Person | None, L: dict, env: ClaimEnv,
                     trace: list | None = None, insurance_only: bool = False) -> Result:
        """One claim on the ledgers `L` of the person's earlier claims, which it updates only when it settles
        (`rows`: the person's entries of `identity_index`)."""
        visit, epoch, active = self.claim_day(claim)
        if trace is not None:
            trace.append(t.ClaimRead(claim, visit))
        if not active:
            return self.not_in_force(claim, trace)
        # a claim that may be rejected half-way settles on a copy of the person's ledgers, kept only when it
        # settles: it reads a value the data may leave out, or gives one insurance amount and not the other
        saved = L.copy() if self.reads_optional or (claim.basic_paid is None) is not (claim.critical_paid is None) \
            else None
        try:
            day = claim.discharge_date
            env.claim, env.person, env.date, env.year, env.visit = claim, person, day, day.year, visit
            yk = env.yk = day.year * self.slots
            held = self.held(rows, claim) if rows else NO_CATEGORY
            if len(held) <= 1:
                out = self._settle_as(held[0] if held else "", claim, visit, epoch, env, L, trace, insurance_only)
                if trace is not None:
                    trace.insert(1, t.IdentityChosen(tuple(held), out[CATEGORY], None, ""))
            else:
                out = self._choose(held, claim, visit, epoch, env, L, trace, insurance_only)
            category, basic, critical, aid, tilted, status, clauses = out
            cost = claim.policy_scope_cost
            if self.self_slots:  # 年度累计自付 of the person's later claims
                k = yk + self.self_slots[visit]
                L[k] = L.get(k, 0) + cost - basic - critical
            if self.count_slots:  # 年度就诊次序 of the person's later claims
                k = yk + self.count_slots[visit]
                L[k] = L.get(k, 0) + 1
            self_pay = cost - basic - critical - aid - tilted
            if trace is not None:
                trace.append(t.SelfPay(cost, basic, critical, aid, tilted, self_pay))
            basis = clauses[0] if len(clauses) == 1 else ";".join(dict.fromkeys(clauses))
            if self_pay < 0:
                raise self.above_cost(claim, basic, critical, aid, tilted, basis)
            return make_result((claim.claim_id, claim.person_id, self.names[category], basic, critical, aid, tilted,
                                self_pay, status, basis))
        except (MissingValue, ClaimError) as problem:
            if saved is None:
                raise
            L.clear()
            L.update(saved)  # a claim rejected half-way leaves no trace on the person's later claims
            if isinstance(problem, MissingValue):
                raise problem.claim_error(claim, self.source) from None
            raise

    def _choose(self, held, claim: Claim, visit: str, epoch: int, env: ClaimEnv, L: dict, trace,
                insurance_only: bool) -> Outcome:
        """Several categories: 就高 settles each on a trial of the same ledgers and keeps the one that pays the
        most (ties: declared order); without 就高 the first in declared order applies."""
        if not self.highest:
            outcome = self._settle_as(held[0], claim, visit, epoch, env, L, trace, insurance_only)
            if trace is not None:
                trace.insert(1, t.IdentityChosen(tuple(held), outcome[CATEGORY], None, self.identity_clause))
        else:
            best: tuple[Outcome, Overlay] | None = None
            trials = []
            for category in held:
                trial = Overlay(L)
                tried = self._settle_as(category, claim, visit, epoch, env, trial, None, insurance_only)
                total = total_paid(tried)
                trials.append((category, total))
                if best is None or total > total_paid(best[0]):
                    best = (tried, trial)
            assert best is not None
            outcome, kept = best
            if trace is None:
                L.update(dict.items(kept))
            else:  # settle the winner again, this time writing down each step
                outcome = self._settle_as(outcome[CATEGORY], claim, visit, epoch, env, L, trace, insurance_only)
                trace.insert(1, t.IdentityChosen(tuple(held), outcome[CATEGORY], tuple(trials), self.identity_clause))
            env.L = L
        if self.identity_clause:
            outcome[CLAUSES].append(self.identity_clause)
        return outcome

    def _settle_as(self, category: str, claim: Claim, visit: str, epoch: int, env: ClaimEnv, L: dict, trace,
                   insurance_only: bool) -> Outcome:
        """The claim's kinds in order, as this category ("" for none), on the ledgers `L`; each amount is put in
        `env` once known, for the expressions of the kinds after it. Basic and critical-illness insurance pay
        what the claim gives, else what their tiers pay (NOT_COVERED: a `否则 不予救助` failed)."""
        route = self.routes[(category, visit, epoch)]
        env.L = L
        env.aid = env.tilted = 0
        clauses: list[str] = []
        status = "ok"
        basic = claim.basic_paid
        if basic is None:
            env.basic = env.critical = 0
            basic = self._pay(route.basic, "deductible", category, env, L, clauses, trace) if route.basic else 0
            if basic is NOT_COVERED:
                basic, status = 0, "not_covered"
        elif trace is not None:
            trace.append(t.Given("basic", basic))
        env.basic = basic
        critical = claim.critical_paid
        if critical is None:
            env.critical = 0
            critical = self._pay(route.critical, "deductible", category, env, L, clauses, trace) \
                if route.critical else 0
            if critical is NOT_COVERED:
                critical, status = 0, "not_covered"
        elif trace is not None:
            trace.append(t.Given("critical", critical))
        env.critical = critical
        if insurance_only or not self.has_aid_tiers or status != "ok":
            return category, basic, critical, 0, 0, status, clauses
        if not category or route.aid_uncovered or route.gates:  # aid may be refused: see why
            status = self._aid_status(category, route, visit, env, clauses, trace)
            if status != "ok":
                return category, basic, critical, 0, 0, status, clauses
        aid = env.aid = self._pay(route.aid, "deductible", category, env, L, clauses, trace) if route.aid else 0
        tilted = env.tilted = self._pay(route.tilted, "threshold", category, env, L, clauses, trace) \
            if route.tilted else 0
        return category, basic, critical, aid, tilted, status, clauses

    @staticmethod
    def _aid_status(category: str, route, visit: str, env: ClaimEnv, clauses: list[str], trace) -> str:
        """Whether the claim may get aid: "ok", or why not — no category held, the visit type in no aid tier's
        pools, or a failed `否则 不予救助` condition of an aid or tilted tier (then no aid of either kind)."""
        if not category:
            if trace is not None:
                trace.append(t.NoCategory())
            return "no_category"
        if route.aid_uncovered:
            if trace is not None:
                trace.append(t.VisitUncovered(visit))
            return "not_covered"
        for step, gate in route.gates:
            if not gate.test(env):
                return gate_failed(step, gate, clauses, trace)
        return "ok"

    def _pay(self, steps, line: str, category: str, env: ClaimEnv, L: dict, clauses: list[str], trace):
        """What a kind pays: its first step that applies, on the ledgers (NOT_COVERED: an insurance tier's
        `否则 不予救助` failed). The step's base (clamped at 0) joins the year's in its deductible (tilted:
        burden) slot; the part above `line` — the deductible, or the tilted threshold, of the year or of this
        claim alone — times the ratio, half-up once, within the cap (`runtime.money.tier_payment`)."""
        static = self._static
        for step in steps:
            if step.gates and not gates_hold(step, env, clauses, trace):
                return NOT_COVERED  # an insurance tier's `否则 不予救助` failed: the claim is not covered
            if step.conditions and not conditions_hold(step, env, trace):
                continue  # a condition of the tier fails: the tier does not apply
            due = static.get(step) or self._due(step, line, env)
            if due is NOT_APPLICABLE:  # no ratio for the category: the tier does not apply
                if trace is not None:
                    trace.append(t.NoRatio(step, category))
                continue
            base_of, split_line, deductible_slot, cap_slot, above, per_claim, num, den, cap, cited, cites_on_base, \
                terms = due
            base = base_of(env)
            if base < 0:
                base = 0
            yk = env.yk if not split_line else env.yk + self.level_offset(env.claim, split_line)
            k = yk + deductible_slot
            earlier = L.get(k, 0)
            L[k] = earlier + base
            if cap is None:
                used = 0
                counted, raw, paid = tier_payment(earlier, base, above, per_claim, num, den, None, 0)
            else:
                k = yk + cap_slot
                used = L.get(k, 0)
                counted, raw, paid = tier_payment(earlier, base, above, per_claim, num, den, cap, used)
                if paid:
                    L[k] = used + paid
            if (base if cites_on_base else paid) > 0:
                clauses.extend(cited)
            if trace is not None:
                trace.append(t.TierPaid(step, terms, category, base, earlier, counted, raw, used, paid))
            return paid
        return 0

    def _due(self, step, line: str, env: ClaimEnv):
        """The step's `Due` for this claim, or NOT_APPLICABLE (no ratio for the category). A static cascade is
        resolved once and kept: per epoch (steps are per epoch) and, where a `--param NAME@…` value starts
        inside one, per side of each such date (then kept under (step, side), never under the step alone)."""
        given = self._given_dates
        key = step if not given else (step, bisect.bisect_right(given, env.date.toordinal()))
        found = self._static.get(key)
        if found is None:
            terms = resolve(step.cascade, env)
            found = NOT_APPLICABLE if terms is None else due_of(step, terms, line)
            if step.cascade.static:
                self._static[key] = found
        return found

    def level_offset(self, claim: Claim, line: int) -> int:
        """Where a pool split by institution level (`分账 机构级别`, on `line`) keeps this claim's level's
        ledgers: past every year's slots (`year × slots + slot` < 10000 × slots), one band per level met.
        A claim without a level is rejected (`MissingValue`), as where a rule reads it."""
        level = level_of(claim, line)
        code = self.level_codes.get(level)
        if code is None:
            code = self.level_codes[level] = len(self.level_codes) + 1
        return code * 10_000 * self.slots

    # ------------------------------------------------------------ explaining
    def explain_trace(self, claims: list[Claim], identities: list[Identity], persons: dict[str, Person] | None,
                      claim_id: str) -> tuple[list, Result]:
        """(the trace, the result) of one claim, its person's earlier claims settled first."""
        target = next((c for c in claims if c.claim_id == claim_id), None)
        if target is None:
            raise KeyError(claim_id)
        persons = persons or {}
        index = self.identity_index(identities)
        rows, person = index.get(target.person_id), persons.get(target.person_id)
        theirs = [c for c in claims if c.person_id == target.person_id]
        L: dict = {}
        env = self.new_env()
        for _, items in claims_by_person(theirs):
            for item in items:
                claim = theirs[item[3]]
                if claim is target:
                    break
                try:
                    self.settle_claim(claim, rows, person, L, env)
                except ClaimError:
                    pass  # rejected rows do not count for later claims
        trace: list = []
        result = self.settle_claim(target, rows, person, L, env, trace)
        return trace, result

    # ------------------------------------------------------------ person-level, fund and monitoring outputs
    def annual(self, year: int, identities: list[Identity], persons: dict[str, Person] | None = None) -> list:
        return annual_rows(self, year, identities, persons or {}, self.plan.benefits, self.param)

    def funds(self, expenditures) -> list:
        return fund_schedule_rows(self, self.plan.funds, expenditures)

    def fund_check_failures(self, expenditures) -> list:
        return fund_check_rows(self, self.plan.funds, expenditures)

    def monitor(self, claims: list[Claim], month: tuple[int, int], identities: list[Identity] | tuple = (),
                persons: dict[str, Person] | None = None, errors: list[ClaimError] | None = None) -> list:
        return monitor_rows(self, claims, month, list(identities), persons or {}, errors, self.plan.monitors)
