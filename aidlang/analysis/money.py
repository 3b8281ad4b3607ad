"""Money sanity on the settled terms: a ratio of 0% or above 100% (A401), a cap below the deductible (A402)."""

from __future__ import annotations

from fractions import Fraction

from aidlang.analysis.findings import Finding
from aidlang.analysis.terms import resolved_steps
from aidlang.check.checker import CheckedPolicy
from aidlang.frontend.diagnostics import Diagnostic
from aidlang.runtime import format_rate, format_yuan


def findings(checked: CheckedPolicy) -> list[Finding]:
    found, seen = [], set()
    for s in resolved_steps(checked):
        terms = s.terms
        if terms is None:
            continue
        tier = checked.symbols.tiers[s.step.tier.name]
        label = tier.label or tier.name
        if (terms.ratio <= 0 or terms.ratio > 1) and ("A401", tier.name, s.category) not in seen:
            seen.add(("A401", tier.name, s.category))
            found.append(Finding(Diagnostic.warning("A401", tier.span, tier=label,
                                                 category=s.category, ratio=format_rate(Fraction(terms.ratio)),
                                                 day=s.day.isoformat())))
        if (terms.cap is not None and terms.cap < terms.deductible
                and ("A402", tier.name, s.category) not in seen):
            seen.add(("A402", tier.name, s.category))
            found.append(Finding(Diagnostic.warning("A402", tier.span, tier=label,
                                                 category=s.category, cap=format_yuan(terms.cap),
                                                 deductible=format_yuan(terms.deductible), day=s.day.isoformat())))
    return found
