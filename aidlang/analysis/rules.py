"""Overlaps: two rules of a tier for the same categories, pools, condition and period that set one setting —
to different values (A201: the later silently wins, by file order) or to the same (A202: one is redundant)."""

from __future__ import annotations

from aidlang.analysis.findings import Finding
from aidlang.check.checker import CheckedPolicy
from aidlang.frontend import nodes as n
from aidlang.frontend.diagnostics import Diagnostic
from aidlang.runtime import SETTING_WORDS


def findings(checked: CheckedPolicy) -> list[Finding]:
    found = []
    for tier in checked.policy.of_type(n.Tier):
        earlier: dict[tuple, tuple[n.Rule, n.Setting]] = {}
        for rule in tier.rules:
            # syntax trees compare without their positions: the same condition written twice is equal
            scope = (frozenset(rule.who), frozenset(rule.pools), rule.when, rule.during)
            for setting in rule.settings:
                if isinstance(setting.value, n.Adjust):  # 降低/提高 apply one after the other: no overlap
                    continue
                key = (scope, setting.key, setting.per_claim)
                if key in earlier:
                    first, first_setting = earlier[key]
                    code = "A202" if first_setting.value == setting.value else "A201"
                    word = SETTING_WORDS.get(setting.key, (setting.key, setting.key))
                    found.append(Finding(Diagnostic.warning(
                        code, setting.span or rule.span, tier=tier.label or tier.name, setting=word,
                        who="、".join(rule.who), line=first.span.line if first.span else 0)))
                earlier[key] = (rule, setting)
    return found
