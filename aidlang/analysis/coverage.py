"""Gaps and priority: a category that no aid rule pays for a visit type the policy covers (A101), a setting a
rule adjusts that no rule gives on some date (A102), several categories with no identity rule (A301), a category
ranked higher that pays less than one below it where rank, not 就高, decides (A302)."""

from __future__ import annotations

import itertools

from aidlang.analysis.findings import Counterexample, Finding, aid_alone, probes
from aidlang.analysis.terms import Resolved, interpreter
from aidlang.check.checker import CheckedPolicy
from aidlang.frontend import nodes as n
from aidlang.frontend.diagnostics import Diagnostic
from aidlang.runtime import format_yuan

COST = 100_000  # fen: the counterexample claim's 政策范围内费用, 1,000 yuan
VISIT_WORDS = {"outpatient": ("普通门诊", "outpatient"), "chronic": ("门诊慢特病", "chronic"),
               "inpatient": ("住院", "inpatient")}


def findings(checked: CheckedPolicy, steps: list[Resolved]) -> list[Finding]:
    return [*_gaps(checked, steps), *_unset(checked, steps), *_priority(checked, steps), *_order_pays_less(checked)]


def _gaps(checked: CheckedPolicy, steps: list[Resolved]) -> list[Finding]:
    """(category, visit type) that an aid tier covers but whose aid steps all give no ratio (or that no rule of
    it lists at all) on a day in force; reported once, with the first such day."""
    plan = interpreter(checked).plan
    if not plan.defines["aid"]:
        return []
    pays = {(s.category, s.visit, s.epoch) for s in steps if s.kind == "aid" and s.may_pay}
    found: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for (category, visit, epoch), route in sorted(plan.routes.items(), key=lambda item: item[0][2]):
        if (not category or route.aid_uncovered or not plan.epochs[epoch].in_force
                or (category, visit, epoch) in pays or (category, visit) in seen):
            continue
        seen.add((category, visit))
        number = len(found) + 1
        example = Counterexample(f"A101-{number}", f"A101-P{number}", visit, plan.epochs[epoch].day, COST, (category,),
                                 0)
        found.append(Finding(Diagnostic.warning("A101", checked.symbols.categories[category].span,
                                             category=category, visit=VISIT_WORDS[visit], day=example.day.isoformat()),
                             example, about=(category,)))
    found.sort(key=lambda f: f.diagnostic.span.line)
    return found


def _unset(checked: CheckedPolicy, steps: list[Resolved]) -> list[Finding]:
    found, seen = [], set()
    for s in steps:
        if s.unset is None or (s.step.tier.name, s.unset.name) in seen:
            continue
        seen.add((s.step.tier.name, s.unset.name))
        tier = checked.symbols.tiers[s.step.tier.name]
        found.append(Finding(Diagnostic.warning("A102", tier.span, tier=tier.label or tier.name,
                                             setting=(s.unset.label, s.unset.name), category=s.category,
                                             day=s.day.isoformat()), about=(tier.name, s.category)))
    return found


def _priority(checked: CheckedPolicy, steps: list[Resolved]) -> list[Finding]:
    """Several categories and no identity rule: a person holding two is settled as the first declared. Named
    with the first two categories whose aid differs on some claim, if any."""
    categories = list(checked.symbols.categories)
    if len(categories) < 2 or checked.symbols.identity:
        return []
    ratio = {(s.category, s.visit, s.epoch): s.terms.ratio for s in steps
             if s.kind == "aid" and s.terms is not None}
    first = checked.policy.of_type(n.Category)[0]
    for (category, visit, epoch), value in ratio.items():
        for other in categories:
            if other != category and (other, visit, epoch) in ratio and ratio[(other, visit, epoch)] != value:
                one, two = sorted((category, other), key=categories.index)
                return [Finding(Diagnostic.warning("A301", first.span, first=one, second=two), about=(one, two))]
    return [Finding(Diagnostic.warning("A301", first.span, first=categories[0], second=categories[1]),
                    about=tuple(categories[:2]))]


def _order_pays_less(checked: CheckedPolicy) -> list[Finding]:
    """Where a person holding several categories is settled as the one ranked first (no 就高 by the ledger), a
    category ranked higher must not pay less: each category settles the same probe claim alone, and a pair where
    the lower one pays more aid is reported with that claim (the first pair found is enough to show it)."""
    plan = interpreter(checked).plan
    if plan.highest or len(plan.order) < 2 or not plan.defines["aid"]:
        return []
    for visit, day, cost in probes(checked):
        aid = aid_alone(checked, "A302", visit, day, cost, plan.order)
        for higher, lower in itertools.combinations([name for name in plan.order if name in aid], 2):
            if aid[lower] > aid[higher]:
                example = Counterexample("A302-1", "A302-P1", visit, day, cost, (higher, lower), aid[higher])
                span = checked.symbols.categories[higher].span
                return [Finding(Diagnostic.warning(
                    "A302", span, higher=higher, lower=lower, visit=VISIT_WORDS[visit], day=day.isoformat(),
                    paid=format_yuan(aid[higher]), other=format_yuan(aid[lower])), example, about=(higher, lower))]
    return []
