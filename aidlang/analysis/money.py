"""Money sanity: on the settled terms, a ratio of 0% or above 100% (A401), a cap below the deductible (A402), a
tilted threshold above the tilted cap (A404);
on probe claims, payments that add up to more than the cost (A403: a base that counts an earlier tier's payment
again), with the claim that shows it."""

from __future__ import annotations

from fractions import Fraction

from aidlang.analysis.findings import Counterexample, Finding, settle_example
from aidlang.analysis.terms import Resolved, interpreter
from aidlang.check.checker import CheckedPolicy
from aidlang.frontend import nodes as n
from aidlang.frontend.diagnostics import Diagnostic
from aidlang.runtime import PaymentAboveCost, format_rate, format_yuan


def findings(checked: CheckedPolicy, steps: list[Resolved]) -> list[Finding]:
    return [*_terms(checked, steps), *_above_cost(checked)]


def _terms(checked: CheckedPolicy, steps: list[Resolved]) -> list[Finding]:
    found, seen = [], set()
    for s in steps:
        terms = s.terms
        if terms is None:
            continue
        tier = checked.symbols.tiers[s.step.tier.name]
        label = tier.label or tier.name
        if (terms.ratio <= 0 or terms.ratio > 1) and ("A401", tier.name, s.category) not in seen:
            seen.add(("A401", tier.name, s.category))
            found.append(Finding(Diagnostic.warning("A401", tier.span, tier=label,
                                                 category=s.category, ratio=format_rate(Fraction(terms.ratio)),
                                                 day=s.day.isoformat()), about=(tier.name, s.category)))
        if (terms.cap is not None and terms.cap < terms.deductible
                and ("A402", tier.name, s.category) not in seen):
            seen.add(("A402", tier.name, s.category))
            found.append(Finding(Diagnostic.warning("A402", tier.span, tier=label,
                                                 category=s.category, cap=format_yuan(terms.cap),
                                                 deductible=format_yuan(terms.deductible), day=s.day.isoformat()),
                                 about=(tier.name, s.category)))
        if (s.kind == "tilted" and terms.cap is not None and terms.threshold > terms.cap
                and ("A404", tier.name, s.category) not in seen):
            seen.add(("A404", tier.name, s.category))
            found.append(Finding(Diagnostic.warning("A404", tier.span, tier=label, category=s.category,
                                                 threshold=format_yuan(terms.threshold), cap=format_yuan(terms.cap),
                                                 day=s.day.isoformat()), about=(tier.name, s.category)))
    return found


COST = 1_000_000  # fen: a probe claim of 10,000 yuan
INSURANCE = ((0, 0), (600_000, 0), (0, 600_000), (400_000, 400_000))  # fen the claim gives (where the data does)


def _above_cost(checked: CheckedPolicy) -> list[Finding]:
    """Probe claims of each category and covered visit type, on a day of each epoch in force, with insurance
    amounts as the data may give them: the first whose payments would exceed its cost (the run stops there)."""
    plan = interpreter(checked).plan
    if not plan.has_aid_tiers:
        return []
    kinds = {tier.kind for tier in checked.symbols.tiers.values()}
    for (category, visit, epoch), route in sorted(plan.routes.items(), key=lambda item: item[0][2]):
        if not category or route.aid_uncovered or not plan.epochs[epoch].in_force:
            continue
        day = plan.epochs[epoch].day
        for basic, critical in INSURANCE:
            example = Counterexample("A403-1", "A403-P1", visit, day, COST, (category,), 0,
                                     None if "basic" in kinds else basic, None if "critical" in kinds else critical,
                                     stops=True)
            above = settle_example(checked, example)
            if isinstance(above, PaymentAboveCost):
                # the last kind that paid is the one the sum went over with: its first tier is shown
                kind = "tilted" if above.paid[3] else "aid"
                tier = next((t for t in checked.policy.of_type(n.Tier) if t.kind == kind),
                            next(t for t in checked.policy.of_type(n.Tier) if t.kind in ("aid", "tilted")))
                return [Finding(Diagnostic.warning("A403", tier.span, what=(above.zh, above.en)), example,
                                about=(tier.name,))]
    return []
