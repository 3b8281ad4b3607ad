"""Versions: two policies of one issuer in force on the same days where the newer does not say it replaces the
older (A504) — a claim of those days could be settled by either document."""

from __future__ import annotations

from typing import Iterable

from aidlang.analysis.findings import Finding
from aidlang.check.checker import CheckedPolicy
from aidlang.check.periods import policy_period
from aidlang.frontend import nodes as n
from aidlang.frontend.diagnostics import Diagnostic


def findings(checked: CheckedPolicy, others: Iterable[CheckedPolicy]) -> list[Finding]:
    """A504 on `checked` for each other policy checked with it that it overlaps and, being the newer, leaves
    standing (its 替代/废止 name neither the other's 文号 nor its title)."""
    header = checked.policy.header
    start, end = policy_period(header)
    if start is None:
        return []
    found = []
    for other in others:
        theirs = other.policy.header
        their_start, their_end = policy_period(theirs)
        if (other is checked or their_start is None or not set(header.issuers) & set(theirs.issuers)
                or (their_start, other.name) > (start, checked.name)):  # the older of the two is told nothing
            continue
        overlap_start, overlap_end = start, min((d for d in (end, their_end) if d is not None), default=None)
        if overlap_end is not None and overlap_end < overlap_start or _replaces(header, theirs):
            continue
        found.append(Finding(Diagnostic.warning(
            "A504", header.span, other=theirs.title or other.name, file=other.policy.header.span.file,
            start=overlap_start.isoformat(), end=overlap_end.isoformat() if overlap_end else ("长期", "no end"))))
    return found


def _replaces(newer: n.Header, older: n.Header) -> bool:
    """Whether the newer document's 替代 or 废止 names the older by its 文号 or its title."""
    names = [name for name in (older.doc_number, older.title) if name]
    return any(name in text for text in (*newer.supersedes, *newer.repeals) for name in names)
