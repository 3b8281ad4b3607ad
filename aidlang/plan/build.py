"""`build_plan(checked)`: a checked policy → the `runtime.plan.PolicyPlan` every engine executes.

Everything the engines used to work out each on its own from the syntax tree is worked out here, once: the
epochs, which tiers a claim of each category and visit type meets in each (their rule cascades in the order
the rules apply, docs/semantics.md "Rule cascade"), ledger slots, identity priority and stay days, and the
parameters, annual benefits, funds and monitors with their expressions and types.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from aidlang.check.cascade import candidate_rules, is_static_rules
from aidlang.check.expressions import (
    may_split_fen,
    mentions_params,
    policy_nodes,
    policy_source,
    quantity_value,
    reads_optional,
    type_of,
)
from aidlang.check.periods import Epochs, Periods, in_force
from aidlang.check.symbols import EVERYONE, FUNCTIONS, Symbols
from aidlang.frontend import nodes as n
from aidlang.records import VISITS
from aidlang.runtime import plan as p


def due_spec(spec: n.DueSpec | None) -> tuple | None:
    """A `发放日期`/`截止日期` as runtime.due_on takes it."""
    if spec is None:
        return None
    plus = spec.plus
    return (spec.next_year, spec.month, spec.day, int(plus.value) if plus is not None else None,
            (plus.unit or "day") if plus is not None else None)


def line_of(node) -> int:
    span = getattr(node, "span", None)
    return span.line if span is not None else 0


def clause_of(node) -> str:
    clause = getattr(node, "clause", None)
    return clause.text if clause else ""


def written(node) -> str:
    """The node's text as the policy writes it, on one line (runs of blanks as one space); "" without a span."""
    span = getattr(node, "span", None)
    if span is None or span.source is None:
        return ""
    lines = span.source.lines()[span.line - 1:span.end_line]
    if not lines:
        return ""
    lines[-1] = lines[-1][:span.end_column - 1]  # the end first: on one line both columns count from its start
    lines[0] = lines[0][span.column - 1:]
    return " ".join(" ".join(lines).split())


class Planner:
    def __init__(self, checked):
        self.checked = checked
        self.policy: n.Policy = checked.policy
        self.symbols: Symbols = checked.symbols
        self.types: dict[int, str] = getattr(checked, "types", {})  # a tree built without the checker has none
        self.periods = Periods(self.symbols)
        self.source = policy_source(self.policy)
        self.tiers = list(self.policy.of_type(n.Tier))
        self._rules: dict[int, p.Rule] = {}
        self._tiers: dict[int, p.Tier] = {}
        self._shared: dict[tuple, object] = {}  # equal records made once: modules print each once
        self.reads_self_paid = self.reads_rank = False

    # ------------------------------------------------------------ expressions
    def expression(self, node: n.Expr, name: str, value: bool = True, locals_: frozenset = frozenset()):
        """A literal as a `Constant`; anything else as an `Expression` with its type."""
        if isinstance(node, n.NoneLit):
            return p.Constant(None)
        if isinstance(node, n.Quantity):
            return p.Constant(quantity_value(node))
        for sub in _calls(node):
            func = FUNCTIONS.get(sub.func)
            self.reads_self_paid |= func == "year_self_paid"
            self.reads_rank |= func == "claim_rank"
        found = self.type_of(node, locals_)
        rounds = value and found == "money" and may_split_fen(node)
        return p.Expression(node, found, rounds, locals_, line_of(node), name)

    def type_of(self, node: n.Expr, locals_: frozenset = frozenset()) -> str:
        """The type the checker found (`CheckedPolicy.types`; the same rules by `type_of` where it kept none)."""
        return self.types.get(id(node)) or type_of(node, self.symbols, locals_)

    def shared(self, key: tuple, make, *args):
        """`make(*args)`, made once per key: equal records stay one object, so a module prints each once."""
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = make(*args)
        return found

    # ------------------------------------------------------------ tiers
    def rule(self, tier: n.Tier, index: int) -> p.Rule:
        rule = tier.rules[index]
        found = self._rules.get(id(rule))
        if found is not None:
            return found
        number = index + 1
        hint = f"{tier.name}_规则{number}"
        settings = []
        for s in rule.settings:
            if isinstance(s.value, n.Adjust):
                amount = s.value.amount
                settings.append(p.Setting(s.key, self.expression(amount, f"{hint}_{s.key}", value=False),
                                          s.value.direction, self.type_of(amount), s.per_claim))
            else:
                settings.append(p.Setting(s.key, self.expression(s.value, f"{hint}_{s.key}"), None, "",
                                          s.per_claim))
        when = self.expression(rule.when, f"{hint}_条件", value=False) if rule.when is not None else None
        covers = frozenset(c for c in [*self.symbols.categories, ""]
                           if any(self.symbols.specificity(who, c) is not None for who in rule.who))
        where = f"{Path(rule.span.file).name}:{rule.span.line}" if rule.span is not None else ""
        found = self._rules[id(rule)] = p.Rule(number, when, tuple(settings), rule.clause.text if rule.clause else None,
                                               where, written(rule), covers)
        return found

    def tier(self, tier: n.Tier) -> p.Tier:
        found = self._tiers.get(id(tier))
        if found is None:
            rules = tuple(self.rule(tier, i) for i in range(len(tier.rules)))
            found = self._tiers[id(tier)] = p.Tier(tier.kind, tier.name, tier.label or tier.name, clause_of(tier),
                                                   line_of(tier), rules)
        return found

    def conditions(self, tier: n.Tier) -> tuple[tuple[p.Condition, ...], tuple[p.Condition, ...]]:
        """(conditions, gates) of a tier, each made once."""
        return self.shared(("conditions", id(tier)), self._conditions, tier)

    def _conditions(self, tier: n.Tier) -> tuple[tuple[p.Condition, ...], tuple[p.Condition, ...]]:
        conds: list[p.Condition] = []
        gates: list[p.Condition] = []
        for i, c in enumerate(tier.conditions):
            made = p.Condition(self.expression(c.expr, f"{tier.name}_条件{i + 1}", value=False), clause_of(c),
                               written(c), line_of(c))
            (gates if c.otherwise else conds).append(made)
        return tuple(conds), tuple(gates)

    def base(self, tier: n.Tier):
        if tier.base is None:
            return p.DEFAULT_BASES[tier.kind]
        return self.shared(("base", id(tier)), self.expression, tier.base, f"{tier.name}_基数")

    # ------------------------------------------------------------ epochs and routes
    def epochs(self) -> tuple[tuple[int, ...], list[dt.date]]:
        """(bounds, a day of each epoch): the ordinals where epochs after the first start."""
        periods = list(self.periods.all())
        for tier in self.tiers:
            periods.append(self.periods.tier(tier))
            for rule in tier.rules:
                periods.append(self.periods.rule(rule, tier))
        for benefit in self.policy.of_type(n.Benefit):
            for row in benefit.rows:
                periods.append(self.periods.named(row.during))
        changes = [dv.since for prm in self.symbols.params.values() if prm.values for dv in prm.values
                   if dv.since is not None]
        bounds = tuple(b for b in Epochs(periods, changes).bounds if b <= dt.date.max.toordinal())
        days = [dt.date.fromordinal(max(1, bounds[0] - 1)) if bounds else dt.date(2000, 1, 1)]
        days += [dt.date.fromordinal(b) for b in bounds]
        return bounds, days

    def slots(self) -> dict[tuple[str, str], int]:
        """(tier, ledger key) → its slot in a person's year of ledgers."""
        slots: dict[tuple[str, str], int] = {}
        for tier in self.tiers:
            for visit in VISITS:
                pool = self.symbols.visit_pool(tier, visit)
                if pool is not None:
                    for key in self.symbols.ledger_keys(tier, pool, visit):
                        slots.setdefault((tier.name, key), len(slots))
        return slots

    def split_line(self, pool: str) -> int:
        """The line of the pool's `分账 机构级别` (0: its ledgers are not split)."""
        declared = self.symbols.pools.get(pool)
        split = declared.split_by if declared is not None else None
        return 0 if split is None else (split.span.line if split.span is not None else 1)

    def in_force(self, tier: n.Tier, day: dt.date, rule: n.Rule) -> bool:
        return in_force(self.periods.rule(rule, tier), day)

    def kind_active(self, kind: str, day: dt.date) -> bool:
        """Does the policy compute this kind on the day (some rule of one of its tiers in force)?"""
        return any(in_force(self.periods.rule(r, t), day) for t in self.tiers if t.kind == kind for r in t.rules)

    def route(self, category: str, visit: str, epoch: int, day: dt.date, slots) -> p.Route:
        symbols = self.symbols
        kinds: dict[str, list[p.Step]] = {k: [] for k in p.KINDS}
        gates: list[tuple[p.Step, p.Condition]] = []
        for tier in self.tiers:
            pool = symbols.visit_pool(tier, visit)
            if pool is None:
                continue
            rules = candidate_rules(symbols, tier, category, pool, visit, functools.partial(self.in_force, tier, day))
            if not rules:
                continue
            numbers = tuple(tier.rules.index(r) for r in rules)
            cascade = self.shared(("cascade", id(tier), numbers), p.Cascade,
                                  tuple(self.rule(tier, i) for i in numbers), is_static_rules(rules, symbols))
            dkey, ckey = symbols.ledger_keys(tier, pool, visit)
            conditions, tier_gates = self.conditions(tier)
            insurance = tier.kind in ("basic", "critical")
            step = self.shared(("step", id(tier), pool, numbers, dkey, ckey, epoch), p.Step,
                               self.tier(tier), pool, self.base(tier), conditions, tier_gates if insurance else (),
                               cascade, slots[(tier.name, dkey)], slots[(tier.name, ckey)], self.split_line(pool))
            kinds[tier.kind].append(step)
            if not insurance:
                gates.extend((step, g) for g in tier_gates)
        aid_tiers = [t for t in self.tiers if t.kind == "aid"]
        uncovered = bool(aid_tiers) and all(symbols.visit_pool(t, visit) is None for t in aid_tiers)
        gates.sort(key=lambda pair: pair[0].tier.kind != "aid")  # the aid tiers' first, then the tilted ones'
        key = ("route", *(id(s) for k in p.KINDS for s in kinds[k]), *(id(g) for _, g in gates), uncovered)
        return self.shared(key, p.Route, *(tuple(kinds[k]) for k in p.KINDS), tuple(gates), uncovered)

    # ------------------------------------------------------------ identities
    def category_ids(self) -> dict[str, str]:
        """Every name data may give a category (label, identifier, alias) → its identifier."""
        ids: dict[str, str] = {}
        declared = list(self.symbols.categories.values())
        for category in reversed(declared):
            if category.label:
                ids[category.label] = category.name
        for name in self.symbols.categories:
            ids[name] = name
        for category in declared:  # 别名: data may name the category so; never over a name or label
            for alias in category.aliases:
                ids.setdefault(alias, category.name)
        return dict(sorted(ids.items()))

    def identity(self) -> tuple[bool, str, str, bool]:
        """(就高, the identity rule's clause, stay days, held to the month's end)."""
        symbols = self.symbols
        highest = symbols.identity_flag("highest")
        kind = "highest" if highest else "order"
        clause = next((r.clause.text for r in symbols.identity if r.kind == kind and r.clause), "")
        held_mode = (symbols.identity_flag("stay_keeps_lost"), symbols.identity_flag("stay_gains_new"))
        stay_days = {(True, False): "admission", (False, True): "discharge"}.get(held_mode, "any")
        return highest, clause, stay_days, symbols.identity_flag("month_end")

    # ------------------------------------------------------------ parameters and person-level outputs
    def params(self) -> dict[str, p.Param]:
        out = {}
        for prm in self.symbols.params.values():
            values = None
            if prm.values is not None:
                values = tuple(p.ParamValue(dv.since, self.expression(dv.expr, f"参数_{prm.name}", value=False),
                                            mentions_params(dv.expr)) for dv in prm.values)
            out[prm.name] = p.Param(prm.name, prm.label, prm.type, values)
        return out

    def benefits(self) -> tuple[p.Benefit, ...]:
        out = []
        for benefit in self.policy.of_type(n.Benefit):
            label = benefit.label or benefit.name
            rows = []
            for row in benefit.rows:
                covered = frozenset(c for c in self.symbols.categories
                                    if any(self.symbols.specificity(who, c) is not None for who in row.who))
                when = self.expression(row.when, f"{label}_条件", value=False) if row.when is not None else None
                value = (self.expression(row.value, f"{label}_{row.kind}", value=row.kind == "amount")
                         if row.value is not None else None)
                rows.append(p.BenefitRule(any(who in EVERYONE for who in row.who), covered,
                                          self.periods.named(row.during), when, row.kind, value, row.share_of,
                                          row.clause.text if row.clause else None))
            out.append(p.Benefit(label, due_spec(benefit.due), benefit.highest_only, tuple(rows)))
        return tuple(out)

    def funds(self) -> tuple[p.Fund, ...]:
        out = []
        for fund in self.policy.of_type(n.Fund):
            names = frozenset({i.name for i in fund.inputs} | {i.label for i in fund.inputs if i.label}
                              | {item.name for item in fund.items})
            items = tuple(p.FundItem(item.name, due_spec(item.due),
                                     self.expression(item.expr, f"款项_{item.name}", True, names), clause_of(item))
                          for item in fund.items)
            checks = tuple(p.FundCheck(c.name, c.label or c.name,
                                       self.expression(c.expr, f"核查_{c.name}", False, names), clause_of(c))
                           for c in fund.checks)
            out.append(p.Fund(tuple((i.name, i.label) for i in fund.inputs), items, checks))
        return tuple(out)

    def monitors(self) -> tuple[p.Monitor, ...]:
        out = []
        for m in self.policy.of_type(n.Monitor):
            if m.threshold is None:
                continue
            amount = self.expression(m.amount, f"监测_{m.name}_金额") if m.amount is not None else None
            out.append(p.Monitor(self.expression(m.threshold, f"监测_{m.name}_标准"),
                                 int(m.push_day.value) if m.push_day is not None else 1, amount, clause_of(m)))
        return tuple(out)

    # ------------------------------------------------------------ the plan
    def build(self) -> p.PolicyPlan:
        symbols, header = self.symbols, self.policy.header
        bounds, days = self.epochs()
        slots = self.slots()
        epochs, routes = [], {}
        for epoch, day in enumerate(days):
            active = self.periods.any_in_force(day)
            epochs.append(p.Epoch(None if epoch == 0 else day, active, self.kind_active("basic", day),
                                  self.kind_active("critical", day), day))
            if not active:
                continue
            for category in [*symbols.categories, ""]:
                for visit in VISITS:
                    routes[(category, visit, epoch)] = self.route(category, visit, epoch, day, slots)
        params, benefits, funds, monitors = self.params(), self.benefits(), self.funds(), self.monitors()
        tiers = tuple(self.tier(t) for t in self.tiers)
        used = len(slots)
        self_slots = {v: used + i for i, v in enumerate(VISITS)} if self.reads_self_paid else {}
        used += len(self_slots)
        count_slots = {v: used + i for i, v in enumerate(VISITS)} if self.reads_rank else {}
        used += len(count_slots)
        highest, identity_clause, stay_days, month_end = self.identity()
        return p.PolicyPlan(
            name=header.name, title=header.title or header.name, source=self.source,
            categories={c: symbols.display_name(c) for c in symbols.categories}, category_ids=self.category_ids(),
            order=tuple(symbols.declared_order()), highest=highest, identity_clause=identity_clause,
            stay_days=stay_days, month_end=month_end, period=self.periods.policy, bounds=bounds,
            epochs=tuple(epochs), defines={k: any(t.kind == k for t in self.tiers) for k in p.KINDS},
            tiers=tiers, routes=routes, slots=max(1, used), self_slots=self_slots, count_slots=count_slots,
            reads_optional=reads_optional(self.policy), params=params, benefits=benefits, funds=funds,
            monitors=monitors)


def _calls(node):
    return [x for x in policy_nodes(node) if isinstance(x, n.Call)]


def build_plan(checked) -> p.PolicyPlan:
    """The settlement plan of a checked policy (deterministic: the same policy gives the same plan)."""
    return Planner(checked).build()
