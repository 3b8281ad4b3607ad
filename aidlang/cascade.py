"""The rule cascade of a tier: which rules speak for a category in a pool, and the settings they give.

Candidate rules cover the category, name the pool (or none), hold their condition and are in force. They
apply from the least to the most specific (who-name specificity, then pool-scoped after unscoped, then
file order); each setting replaces the value so far, except `降低`/`提高`, which adjust it.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Callable

import attrs

from . import nodes as n
from . import runtime as rt
from .evaluate import Env, Evaluator, is_static, type_of
from .symbols import VISIT_TYPES, Symbols

SETTING_KEYS = ("deductible", "ratio", "cap", "threshold")


@attrs.frozen(slots=True)
class Resolution:
    """What the cascade gives a tier for one category, pool and date.

    `ratio` None: the tier does not apply to the category. `cap` None: no cap. `sources[key]` lists the rules
    whose settings made that value (for explanations); `clauses` the clauses of all of them, in order.
    """

    deductible: int
    ratio: Fraction | None
    cap: int | None
    threshold: int
    ratio_terms: tuple[int, int]
    clauses: tuple[str, ...]
    sources: dict = attrs.field(eq=False, repr=False)
    per_claim: frozenset = frozenset()  # "deductible", "threshold": of each claim alone (`每次`), else yearly

    def clause_of(self, key: str) -> str:
        rules = self.sources.get(key) or ()
        return rules[-1].clause.text if rules and rules[-1].clause else ""


NOT_APPLICABLE = Resolution(deductible=0, ratio=None, cap=None, threshold=0, ratio_terms=(0, 1), clauses=(),
                            sources={})


def specificity(symbols: Symbols, rule: n.Rule, category: str) -> int | None:
    """How closely the rule's who-list names the category (the highest of its names); None: not at all."""
    best = None
    for who in rule.who:
        s = symbols.specificity(who, category)
        if s is not None and (best is None or s > best):
            best = s
    return best


def rule_names_pool(rule: n.Rule, pool: str, visit: str) -> bool:
    """A rule with `在 …` names pools (or visit types); one without covers every pool of its tier."""
    if not rule.pools:
        return True
    return pool in rule.pools or visit in {VISIT_TYPES.get(p, p) for p in rule.pools}


def candidate_rules(symbols: Symbols, tier: n.Tier, category: str, pool: str, visit: str,
                    in_force: Callable[[n.Rule], bool]) -> list[n.Rule]:
    """The rules that may speak for this category in this pool, in the order they apply."""
    ranked = []
    for index, rule in enumerate(tier.rules):
        s = specificity(symbols, rule, category)
        if s is None or not rule_names_pool(rule, pool, visit) or not in_force(rule):
            continue
        ranked.append(((s, 1 if rule.pools else 0, index), rule))
    ranked.sort(key=lambda pair: pair[0])
    return [rule for _, rule in ranked]


def is_static_rules(rules: list[n.Rule], symbols: Symbols) -> bool:
    """No conditions and settings from literals and parameters only: resolvable once per date range."""
    return all(rule.when is None and all(is_static(s.value, symbols) for s in rule.settings) for rule in rules)


adjust = rt.adjust  # `降低`/`提高`: shared with the compiled modules


def resolve(rules: list[n.Rule], ev: Evaluator, env: Env, tier: n.Tier | None = None) -> Resolution:
    """Run the cascade: the final deductible, ratio, cap and threshold, and which rules gave them."""
    values: dict[str, object] = {}
    sources: dict[str, list[n.Rule]] = {}
    used: list[n.Rule] = []
    per_claim: dict[str, bool] = {}
    for rule in rules:
        if rule.when is not None and not ev.compile(rule.when)(env):
            continue
        for setting in rule.settings:
            key = setting.key
            expr = setting.value
            if isinstance(expr, n.Adjust):
                if key not in values:  # as the compiled modules report it: the rule's file.aid:line
                    span = rule.span
                    where = f"{Path(span.file).name}:{span.line}" if span is not None else ""
                    raise rt.UnsetSetting(key, where, env.date)
                so_far = values[key]  # None when set to 无: adjust keeps it 无
                amount = ev.compile(expr.amount)(env)
                values[key] = adjust(key, so_far, amount, type_of(expr.amount, ev.symbols), expr.direction)
                sources[key].append(rule)
            else:
                values[key] = ev.compile_value(expr)(env)
                sources[key] = [rule]
                per_claim[key] = setting.per_claim
            if not any(r is rule for r in used):  # identity: rules compare equal by structure
                used.append(rule)
    found = rt.cascade_outcome(values, sources, used, _clause_text, per_claim)
    if found is None:
        return NOT_APPLICABLE
    deductible, ratio, cap, threshold, clauses, modes = found
    return Resolution(
        deductible=deductible, ratio=ratio, cap=cap, threshold=threshold,
        ratio_terms=(ratio.numerator, ratio.denominator), clauses=clauses,
        sources={k: tuple(v) for k, v in sources.items()}, per_claim=modes)


def _clause_text(rule: n.Rule) -> str | None:
    return rule.clause.text if rule.clause else None


def resolve_on(rules: list[n.Rule], ev: Evaluator, day: dt.date) -> Resolution:
    """A static cascade (no conditions), resolved for a date."""
    return resolve(rules, ev, Env(date=day))
