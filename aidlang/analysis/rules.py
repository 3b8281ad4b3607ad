"""Overlaps and conflicts: two rules of a tier for the same categories, pools and condition that set one setting —
in one period to different values (A201: the later silently wins, by file order) or to the same (A202: one is
redundant); in periods that overlap where the later does not just narrow the earlier (A203: in the overlap the
later wins, by file order); a kind of a category that gets less aid than its parent (A204)."""

from __future__ import annotations

import datetime as dt

from aidlang.analysis.coverage import VISIT_WORDS
from aidlang.analysis.findings import Counterexample, Finding, aid_alone, probes
from aidlang.analysis.terms import interpreter
from aidlang.check.checker import CheckedPolicy
from aidlang.check.periods import Period, Periods
from aidlang.frontend import nodes as n
from aidlang.frontend.diagnostics import Diagnostic
from aidlang.runtime import SETTING_WORDS, format_yuan


def findings(checked: CheckedPolicy) -> list[Finding]:
    return [*_overlaps(checked), *_kinds_paying_less(checked)]


def _overlaps(checked: CheckedPolicy) -> list[Finding]:
    periods = Periods(checked.symbols)
    found = []
    for tier in checked.policy.of_type(n.Tier):
        earlier: dict[tuple, list[tuple[n.Rule, n.Setting, Period]]] = {}
        for rule in tier.rules:
            # syntax trees compare without their positions: the same condition written twice is equal
            scope = (frozenset(rule.who), frozenset(rule.pools), rule.when)
            period = periods.rule(rule, tier)
            for setting in rule.settings:
                if isinstance(setting.value, n.Adjust):  # 降低/提高 apply one after the other: no overlap
                    continue
                key = (scope, setting.key, setting.per_claim)
                for first, first_setting, first_period in earlier.get(key, ()):
                    finding = _conflict(tier, rule, setting, period, first, first_setting, first_period)
                    if finding is not None:
                        found.append(finding)
                earlier.setdefault(key, []).append((rule, setting, period))
    return found


def _conflict(tier: n.Tier, rule: n.Rule, setting: n.Setting, period: Period,
              first: n.Rule, first_setting: n.Setting, first_period: Period) -> Finding | None:
    """The later of two rules of one scope that set one setting, if what they say together is worth a warning."""
    same = first_setting.value == setting.value
    words = dict(tier=tier.label or tier.name, setting=SETTING_WORDS.get(setting.key, (setting.key, setting.key)),
                 who="、".join(rule.who), line=first.span.line if first.span else 0)
    about = (tier.name, *rule.who)
    if first.during == rule.during or period == first_period:
        return Finding(Diagnostic.warning("A202" if same else "A201", setting.span or rule.span, **words), about=about)
    overlap = _overlap(first_period, period)
    if same or overlap is None or _within(period, first_period):  # a later rule for part of the period overrides
        return None
    start, end = overlap
    return Finding(Diagnostic.warning("A203", setting.span or rule.span, **words, start=_day(start, "起"),
                                      end=_day(end, "长期")), about=about)


def _overlap(one: Period, two: Period) -> Period | None:
    start = max((d for d in (one[0], two[0]) if d is not None), default=None)
    end = min((d for d in (one[1], two[1]) if d is not None), default=None)
    return None if start is not None and end is not None and start > end else (start, end)


def _within(inner: Period, outer: Period) -> bool:
    starts = outer[0] is None or (inner[0] is not None and inner[0] >= outer[0])
    ends = outer[1] is None or (inner[1] is not None and inner[1] <= outer[1])
    return starts and ends


def _day(day: dt.date | None, open_word: str) -> tuple[str, str]:
    if day is not None:
        return day.isoformat(), day.isoformat()
    return ("施行之日", "the start") if open_word == "起" else ("长期", "no end")


def _kinds_paying_less(checked: CheckedPolicy) -> list[Finding]:
    """A kind (`类别 孤儿 属于 困境儿童`) whose rules give it less aid than its parent on some probe claim: a rule
    for the kind meant to raise it that lowers it, or one the authors should say they mean (`忽略 A204 对 …`)."""
    kinds = [c for c in checked.policy.of_type(n.Category) if c.parent in checked.symbols.categories]
    if not kinds or not interpreter(checked).plan.defines["aid"]:
        return []
    found: list[Finding] = []
    seen: set[str] = set()
    for visit, day, cost in probes(checked):
        unseen = [kind for kind in kinds if kind.name not in seen]
        aid = aid_alone(checked, "A204", visit, day, cost, dict.fromkeys(
            name for kind in unseen for name in (kind.name, kind.parent)))
        for kind in unseen:
            if kind.name not in aid or kind.parent not in aid:
                continue
            if aid[kind.name] < aid[kind.parent]:
                seen.add(kind.name)
                example = Counterexample(f"A204-{len(found) + 1}", f"A204-P{len(found) + 1}", visit, day, cost,
                                         (kind.name,), aid[kind.name])
                found.append(Finding(Diagnostic.warning(
                    "A204", kind.span, kind=kind.name, parent=kind.parent, visit=VISIT_WORDS[visit],
                    day=day.isoformat(), cost=format_yuan(cost), paid=format_yuan(aid[kind.name]),
                    other=format_yuan(aid[kind.parent])), example, about=(kind.name,)))
    return found

