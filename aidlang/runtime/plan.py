"""The settlement plan: a checked policy as frozen records, the one thing every engine executes.

`aidlang.plan.build_plan` lowers a checked policy into a `PolicyPlan` once: per epoch (a date range in which
nothing in force changes), category and visit type a `Route` — the tiers of each kind in the order they are
tried, each a `Step` with its base, conditions, rule cascade and ledger slots — and the policy-wide facts the
settlement loop reads (identity priority, 就高, stay days, periods), parameters, annual benefits, funds and
monitors. Its expressions are `Expression`s: the checked node with its type.

An engine is a lowering of that plan: `lower(plan, fn)` replaces every `Expression` by `fn(expression)`, a
callable of one `ClaimEnv` — a closure over the tree (the interpreter) or a function of a generated module
(`aidlang compile`) — and `runtime.PlanSettler` runs the lowered plan. So the settlement order, 就高, the
statuses and the formulas are stated once, in `runtime.loop`, whatever evaluates the expressions
(docs/semantics.md).

The records are stdlib dataclasses, so a generated module needs nothing but `aidlang.runtime`; they compare by
identity (`eq=False`): shared records stay shared through a lowering, and a step is its own cache key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

KINDS = ("basic", "critical", "aid", "tilted")



# ---------------------------------------------------------------- expressions, before and after lowering

@dataclass(frozen=True, slots=True, eq=False)
class Expression:
    """A policy expression as the checker left it, not yet lowered: `node` (the syntax tree), its `type` as the
    checker found it (money, rate, pp, number, bool, string, date, …), whether its value is rounded half-up to
    the fen at its root (`rounds`: a money value kept — a base, a setting, an item — that × or ÷ may leave
    between two fen), the names that are a fund's series while it is evaluated (`locals`), the `.aid` `line`
    it is on and `name`, what a generated module calls its function."""

    node: Any
    type: str
    rounds: bool = False
    locals: frozenset = frozenset()
    line: int = 0
    name: str = ""

    def __call__(self, env) -> Any:
        raise TypeError(f"the expression {self.name or self.line} was not lowered by an engine (runtime.lower)")


@dataclass(frozen=True, slots=True, eq=False)
class Constant:
    """A literal value in a plan (85%, 3万元, 无): the same in every engine, so no engine lowers it."""

    value: Any

    def __call__(self, env) -> Any:
        return self.value


Lowered = Callable[[Any], Any]  # an expression once an engine has lowered it: env → value
Expr = Expression | Constant | Lowered


def cost(env) -> int:
    """The base of a basic-insurance tier without `基数`: the policy-scope cost (docs/semantics.md, "Tiers")."""
    return env.claim.policy_scope_cost


def cost_after_basic(env) -> int:
    """The base of a critical-illness tier without `基数`: cost − basic."""
    return env.claim.policy_scope_cost - env.basic


def cost_after_insurance(env) -> int:
    """The base of an aid tier without `基数`: cost − basic − critical."""
    return env.claim.policy_scope_cost - env.basic - env.critical


def cost_after_aid(env) -> int:
    """The burden of a tilted tier without `基数`: cost − basic − critical − aid."""
    return env.claim.policy_scope_cost - env.basic - env.critical - env.aid


DEFAULT_BASES = {"basic": cost, "critical": cost_after_basic, "aid": cost_after_insurance, "tilted": cost_after_aid}


# ---------------------------------------------------------------- tiers and their rule cascades

@dataclass(frozen=True, slots=True, eq=False)
class Setting:
    """One setting of a rule: `key` (deductible, ratio, cap, threshold) gets `value`; with `direction` ("down"
    for 降低, "up" for 提高) the value is an amount that adjusts the value so far (`runtime.adjust`, whose
    `amount_type` it is). `per_claim`: a deductible or threshold of each claim alone (`每次`)."""

    key: str
    value: Expr
    direction: str | None = None
    amount_type: str = ""
    per_claim: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class Rule:
    """A rule of a tier: its `number` in the tier (1 for the first), condition (`when`, or None), settings,
    clause, `where` (`file.aid:line`, for messages), `text` (as the policy writes it) and the categories its
    who-list names (`covers`, so an explanation can say which rules list a category)."""

    number: int
    when: Expr | None
    settings: tuple[Setting, ...]
    clause: str | None
    where: str
    text: str
    covers: frozenset = frozenset()


@dataclass(frozen=True, slots=True, eq=False)
class Cascade:
    """The rules that may speak for one category in one pool and epoch, in the order they apply (least
    specific first, docs/semantics.md "Rule cascade"); `static`: no conditions and settings from literals and
    parameters only, so it resolves once per epoch."""

    rules: tuple[Rule, ...]
    static: bool


@dataclass(frozen=True, slots=True, eq=False)
class Tier:
    """A tier as the policy declares it: kind, name, label (its Chinese name), clause, `.aid` line and all its
    rules in file order."""

    kind: str
    name: str
    label: str
    clause: str
    line: int
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    """A condition of a tier (`条件`): its `test`, clause, text as written and line. A tier's condition that
    fails means the tier does not apply; a gate (`否则 不予救助`) that fails means the claim is not covered."""

    test: Expr
    clause: str
    text: str
    line: int


@dataclass(frozen=True, slots=True, eq=False)
class Step:
    """One tier as a claim of one category, visit type and epoch meets it: the `pool` the visit type falls in,
    the `base` (None: the kind's default, `DEFAULT_BASES`), the tier's conditions, its gates (insurance tiers
    only: an aid or tilted tier's gates are the route's), the rule cascade and the ledger slots of its
    deductible (tilted: burden) and cap; `split_line`: the pool keeps them per institution level (`分账 机构级别`,
    declared on that `.aid` line; 0: one ledger of each)."""

    tier: Tier
    pool: str
    base: Expr
    conditions: tuple[Condition, ...]
    gates: tuple[Condition, ...]
    cascade: Cascade
    deductible_slot: int
    cap_slot: int
    split_line: int = 0


@dataclass(frozen=True, slots=True, eq=False)
class Route:
    """What a claim of one category and visit type runs through in an epoch: the steps of each kind, in the
    order they are tried (the first that applies pays); the aid and tilted tiers' gates, checked before any aid;
    and whether the visit type is in no aid tier's pools."""

    basic: tuple[Step, ...]
    critical: tuple[Step, ...]
    aid: tuple[Step, ...]
    tilted: tuple[Step, ...]
    gates: tuple[tuple[Step, Condition], ...]
    aid_uncovered: bool


@dataclass(frozen=True, slots=True, eq=False)
class Epoch:
    """A date range in which nothing in force changes, from `start` (None: from the beginning of time): whether
    the policy is in force at all, and whether it computes basic and critical-illness insurance; `day`, a day
    of it (its start, or the day before the next epoch), on which its routes were worked out."""

    start: dt.date | None
    in_force: bool
    basic_on: bool
    critical_on: bool
    day: dt.date


# ---------------------------------------------------------------- parameters, annual benefits, funds, monitors

@dataclass(frozen=True, slots=True, eq=False)
class ParamValue:
    """A parameter's value from a date (`自`, None: always), and whether it is derived from other parameters
    (then computed again for every date)."""

    since: dt.date | None
    value: Expr
    derived: bool


@dataclass(frozen=True, slots=True, eq=False)
class Param:
    """A parameter: name, label, type, and its dated values (None: published later, given with `--param`)."""

    name: str
    label: str | None
    type: str
    values: tuple[ParamValue, ...] | None


@dataclass(frozen=True, slots=True, eq=False)
class BenefitRule:
    """A row of an annual benefit: who it covers (`everyone`, or the categories in `covered`), its period, its
    condition, `kind` (amount, share, eligible), value, the parameter a share is of, and clause."""

    everyone: bool
    covered: frozenset
    period: tuple[dt.date | None, dt.date | None]
    when: Expr | None
    kind: str
    value: Expr | None
    share_of: str | None
    clause: str | None


@dataclass(frozen=True, slots=True, eq=False)
class Benefit:
    """An annual benefit (年度待遇): label, due date spec (`runtime.due_on`), 按最高标准, rows."""

    label: str
    due: tuple | None
    highest: bool
    rows: tuple[BenefitRule, ...]


@dataclass(frozen=True, slots=True, eq=False)
class FundItem:
    name: str
    due: tuple | None
    value: Expr
    clause: str


@dataclass(frozen=True, slots=True, eq=False)
class FundCheck:
    name: str
    label: str
    test: Expr
    clause: str


@dataclass(frozen=True, slots=True, eq=False)
class Fund:
    """A fund (基金管理): its inputs as (name, label), items and checks."""

    inputs: tuple[tuple[str, str | None], ...]
    items: tuple[FundItem, ...]
    checks: tuple[FundCheck, ...]


@dataclass(frozen=True, slots=True, eq=False)
class Monitor:
    """A monitoring list (监测): the threshold, the day of the next month it is due, the amount (None: the
    year's self-pay over every visit type) and clause."""

    threshold: Expr
    push_day: int
    amount: Expr | None
    clause: str


# ---------------------------------------------------------------- the policy

@dataclass(frozen=True, slots=True, eq=False)
class PolicyPlan:
    """Everything the settlement loop and the person-level outputs read of one policy.

    `categories`: identifier → display name, in declaration order; `category_ids`: every name data may use
    (identifier, label, alias) → identifier; `order`: the tie-break order; `highest`: 就高; `stay_days`: which
    days of a stay count for holding a category ("admission", "discharge", "any"); `month_end`: a lost identity
    is held to its month's end. `bounds`: the ordinals where each epoch after the first starts; `routes`:
    (category or "" for none, visit type, epoch) → `Route`, for the epochs in force. Ledgers are per person,
    keyed `year × slots + slot`: each step's slots, then 年度累计自付 per visit type (`self_slots`) and 年度就诊次序
    (`count_slots`) when an expression reads them. `reads_optional`: an expression reads a value the data may
    leave out, so a claim may be rejected half-way.
    """

    name: str
    title: str
    source: str
    categories: dict[str, str]
    category_ids: dict[str, str]
    order: tuple[str, ...]
    highest: bool
    identity_clause: str
    stay_days: str
    month_end: bool
    period: tuple[dt.date | None, dt.date | None]
    bounds: tuple[int, ...]
    epochs: tuple[Epoch, ...]
    defines: dict[str, bool]
    tiers: tuple[Tier, ...]
    routes: dict[tuple[str, str, int], Route]
    slots: int
    self_slots: dict[str, int]
    count_slots: dict[str, int]
    reads_optional: bool
    params: dict[str, Param]
    benefits: tuple[Benefit, ...]
    funds: tuple[Fund, ...]
    monitors: tuple[Monitor, ...]

    @property
    def has_aid_tiers(self) -> bool:
        return self.defines["aid"] or self.defines["tilted"]


# ---------------------------------------------------------------- lowering

def lower(plan: Any, fn: Callable[[Expression], Any]) -> Any:
    """The plan with every `Expression` replaced by `fn(expression)`; every other record rebuilt around the
    lowered ones, and a record met twice lowered once (what was shared stays shared)."""
    done: dict[int, Any] = {}

    def walk(value: Any) -> Any:
        if type(value) is Expression:
            found = done.get(id(value))
            if found is None:
                found = done[id(value)] = fn(value)
            return found
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            found = done.get(id(value))
            if found is None:
                changes = {f.name: walk(getattr(value, f.name)) for f in dataclasses.fields(value)}
                found = done[id(value)] = dataclasses.replace(value, **changes)
            return found
        if type(value) is tuple:
            return tuple(walk(v) for v in value)
        if type(value) is dict:
            return {k: walk(v) for k, v in value.items()}
        return value

    return walk(plan)
