"""The rule cascade of a tier, as the planner orders it: which rules may speak for a category in a pool.

Candidate rules cover the category, name the pool (or none) and are in force. They apply from the least to
the most specific (who-name specificity, then pool-scoped after unscoped, then file order); resolving them for
a claim (each setting replaces the value so far, except `降低`/`提高`) is `runtime.terms.resolve`.
"""

from __future__ import annotations

from typing import Callable

from aidlang.check.expressions import is_static
from aidlang.check.symbols import VISIT_TYPES, Symbols
from aidlang.frontend import nodes as n


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


def ordered_rules(tier: n.Tier, specificity_of: Callable[[n.Rule], int | None],
                  names_pool: Callable[[n.Rule], bool], keep: Callable[[n.Rule], bool]) -> list[n.Rule]:
    """The rules of a tier that `keep` keeps, whose who-list names the row (`specificity_of` not None) and that
    name the pool, in the order they apply: who-name specificity, then pool-scoped after unscoped, then file
    order. The engines' cascades (`candidate_rules`) and the tables' (`documents.tables.Resolver`) both."""
    ranked = []
    for index, rule in enumerate(tier.rules):
        if not keep(rule):
            continue
        s = specificity_of(rule)
        if s is None or not names_pool(rule):
            continue
        ranked.append(((s, 1 if rule.pools else 0, index), rule))
    ranked.sort(key=lambda pair: pair[0])
    return [rule for _, rule in ranked]


def candidate_rules(symbols: Symbols, tier: n.Tier, category: str, pool: str, visit: str,
                    in_force: Callable[[n.Rule], bool]) -> list[n.Rule]:
    """The rules that may speak for this category in this pool (of the visit type), in the order they apply."""
    return ordered_rules(tier, lambda rule: specificity(symbols, rule, category),
                         lambda rule: rule_names_pool(rule, pool, visit), in_force)


def is_static_rules(rules: list[n.Rule], symbols: Symbols) -> bool:
    """No conditions and settings from literals and parameters only: resolvable once per date range."""
    return all(rule.when is None and all(is_static(s.value, symbols) for s in rule.settings) for rule in rules)
