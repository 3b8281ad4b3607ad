"""A finding: a warning diagnostic and the claim that shows it; `analyse` runs every analysis."""

from __future__ import annotations

import datetime as dt

import attrs

from aidlang.check.checker import CheckedPolicy
from aidlang.frontend import nodes as n
from aidlang.frontend.diagnostics import Diagnostic


@attrs.frozen
class Counterexample:
    """One claim and the identities its person holds, as claims.csv and identities.csv rows, that settles to what
    the finding says (`aid`: the aid paid, in fen): `aidlang explain POLICY --claims … --identities … --claim ID`
    shows why."""

    claim_id: str
    person_id: str
    visit: str  # canonical visit type
    day: dt.date
    cost: int  # fen; basic and critical insurance given as 0 where the policy does not compute them
    categories: tuple[str, ...]  # the person's, as identities.csv names them
    aid: int


@attrs.frozen
class Finding:
    diagnostic: Diagnostic
    counterexample: Counterexample | None = None

    @property
    def code(self) -> str:
        return self.diagnostic.code


def analyse(checked: CheckedPolicy, today: dt.date | None = None) -> tuple[list[Finding], list[Finding]]:
    """(findings, those acknowledged by a `忽略` line of the policy), each in source order."""
    from aidlang.analysis import coverage, money, rules, time  # the analyses import this module's records

    found = [*time.findings(checked, today), *coverage.findings(checked), *rules.findings(checked),
             *money.findings(checked)]
    found.sort(key=lambda f: (f.diagnostic.span.line, f.diagnostic.span.column, f.code))
    ignored = {ignore.code for ignore in checked.policy.of_type(n.Ignore)}
    return ([f for f in found if f.code not in ignored], [f for f in found if f.code in ignored])
