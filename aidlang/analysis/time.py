"""Time: a policy that has expired or expires soon (A501, A502), a parameter with no value for part of the
period it is in force (A503). (A provision dated before the policy without 追溯执行 is the checker's E303.)"""

from __future__ import annotations

import datetime as dt

from aidlang.analysis.findings import Finding
from aidlang.check.checker import CheckedPolicy
from aidlang.check.periods import policy_period
from aidlang.frontend import nodes as n
from aidlang.frontend.diagnostics import Diagnostic

SOON = dt.timedelta(days=90)  # the horizon: a bureau needs a quarter to publish the next document


def findings(checked: CheckedPolicy, today: dt.date | None, given: frozenset[str] = frozenset()) -> list[Finding]:
    """`given`: the parameters given values outside the policy (`check --param`), which then have no gap."""
    return [*_expiry(checked, today or dt.date.today()), *_parameter_gaps(checked, given)]


def _expiry(checked: CheckedPolicy, today: dt.date) -> list[Finding]:
    header = checked.policy.header
    start, end = policy_period(header)
    if end is None:
        return []
    span = header.valid_for.span if header.valid_for is not None else header.span  # 有效期 5年, or the header
    if end < today:
        return [Finding(Diagnostic.warning("A502", span, end=end.isoformat(),
                                        today=today.isoformat()))]
    if end - today < SOON:
        return [Finding(Diagnostic.warning("A501", span, end=end.isoformat(),
                                        days=(end - today).days + 1, today=today.isoformat()))]
    return []


def _parameter_gaps(checked: CheckedPolicy, given: frozenset[str]) -> list[Finding]:
    """A parameter whose every value starts on a date (`= 42000 自 2025-01-01`) after the policy comes into force:
    a claim before that date has no value to settle with."""
    start, _ = policy_period(checked.policy.header)
    found = []
    for param in checked.policy.of_type(n.Param):
        if start is None or not param.values or param.name in given or any(v.since is None for v in param.values):
            continue
        first = min(value.since for value in param.values)
        if first > start:
            found.append(Finding(Diagnostic.warning("A503", param.span, name=param.name,
                                                 first=first.isoformat(), start=start.isoformat()),
                                 about=(param.name,)))
    return found

