"""A finding: a warning diagnostic and the claim that shows it; `analyse` runs every analysis."""

from __future__ import annotations

import datetime as dt

import attrs

from aidlang.analysis.terms import interpreter, resolved_steps
from aidlang.check.checker import CheckedPolicy
from aidlang.frontend import nodes as n
from aidlang.frontend.diagnostics import Diagnostic
from aidlang.records import Claim, Identity, Result
from aidlang.runtime import PaymentAboveCost


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
    basic: int | None = None  # fen given by the claim (None: as above, 0 or computed by the policy)
    critical: int | None = None
    stops: bool = False  # the claim stops the run (a payment above its cost): that is what it shows


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

    steps = list(resolved_steps(checked))
    found = [*time.findings(checked, today), *coverage.findings(checked, steps), *rules.findings(checked),
             *money.findings(checked, steps)]
    # a counterexample is shown only when it settles as the finding says
    found = [f if f.counterexample is None or replays(checked, f.counterexample)
             else attrs.evolve(f, counterexample=None) for f in found]
    found.sort(key=lambda f: (f.diagnostic.span.line, f.diagnostic.span.column, f.code))
    ignored = {ignore.code for ignore in checked.policy.of_type(n.Ignore)}
    return ([f for f in found if f.code not in ignored], [f for f in found if f.code in ignored])


def replays(checked: CheckedPolicy, example: Counterexample) -> bool:
    """Whether the claim settles, on the interpreter, to what the finding states — only such a claim is shown
    (one the data could not settle without more, a parameter published later or a person's attributes, is not)."""
    settled = settle_example(checked, example)
    if isinstance(settled, PaymentAboveCost):
        return example.stops
    return not example.stops and settled is not None and settled.aid_paid == example.aid


def settle_example(checked: CheckedPolicy, example: Counterexample) -> Result | PaymentAboveCost | None:
    """The example's claim settled on the interpreter (a fresh year, its person holding its categories): the
    result, the PaymentAboveCost that stops the run on it, or None when it cannot settle without more data."""
    identities = [Identity(example.person_id, category, example.day, None) for category in example.categories]
    try:
        results = interpreter(checked).settle([example_claim(checked, example)], identities, {}, errors=[])
    except PaymentAboveCost as above:
        return above
    except Exception:  # noqa: BLE001 — a run that stops otherwise (a parameter published later) shows nothing
        return None
    return results[0] if results else None


def example_claim(checked: CheckedPolicy, example: Counterexample) -> Claim:
    """The counterexample as a claim: insurance as given, else 0 where the policy does not compute it."""
    kinds = {tier.kind for tier in checked.symbols.tiers.values()}
    basic = example.basic if example.basic is not None else None if "basic" in kinds else 0
    critical = example.critical if example.critical is not None else None if "critical" in kinds else 0
    return Claim(example.claim_id, example.person_id, example.visit, example.day, example.day, example.cost, basic,
                 critical)
