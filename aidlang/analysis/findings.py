"""A finding: a warning diagnostic and the claim that shows it; `analyse` runs every analysis."""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Iterator

import attrs

from aidlang.analysis.terms import interpreter, resolved_steps, use_params
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
    about: tuple[str, ...] = ()  # the declared names it is about: `忽略 CODE 对 NAME "理由"` accepts it
    ignored_by: n.Ignore | None = None  # the policy's line that accepts it

    @property
    def code(self) -> str:
        return self.diagnostic.code


def analyse(checked: CheckedPolicy, today: dt.date | None = None, others: Iterable[CheckedPolicy] = (),
            params: dict | None = None) -> tuple[list[Finding], list[Finding]]:
    """(findings, those acknowledged by a `忽略` line of the policy), each in source order; `others`: the
    policies checked with it, which may be its other versions; `params`: values of its parameters (as `run
    --param` reads them) to analyse it with, a parameter published later among them."""
    from aidlang.analysis import coverage, money, rules, time, versions  # the analyses import this module's records

    use_params(checked, params or {})
    steps = list(resolved_steps(checked))
    found = [*time.findings(checked, today, frozenset(params or ())), *versions.findings(checked, others),
             *coverage.findings(checked, steps),
             *rules.findings(checked), *money.findings(checked, steps)]
    # a counterexample is shown only when it settles as the finding says
    found = [f if f.counterexample is None or replays(checked, f.counterexample)
             else attrs.evolve(f, counterexample=None) for f in found]
    found.sort(key=lambda f: (f.diagnostic.span.line, f.diagnostic.span.column, f.code))
    ignores = checked.policy.of_type(n.Ignore)
    found = [attrs.evolve(f, ignored_by=next((i for i in ignores if accepts(i, f)), None)) for f in found]
    return [f for f in found if f.ignored_by is None], [f for f in found if f.ignored_by is not None]


def accepts(ignore: n.Ignore, finding: Finding) -> bool:
    """Whether a `忽略` line accepts the finding: its code, and if it names some, a name the finding is about."""
    return ignore.code == finding.code and (not ignore.names or bool(set(ignore.names) & set(finding.about)))


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


PROBES = (100_000, 10_000_000, 100_000_000)  # fen: probe claims of 1,000, 100,000 and 1,000,000 yuan


def probes(checked: CheckedPolicy) -> Iterator[tuple[str, dt.date, int]]:
    """(visit type, day, cost) of a probe claim for each visit type aid covers, on a day of each epoch in force."""
    plan = interpreter(checked).plan
    for (category, visit, epoch), route in sorted(plan.routes.items(), key=lambda item: item[0][2]):
        if not category and not route.aid_uncovered and plan.epochs[epoch].in_force:
            for cost in PROBES:
                yield visit, plan.epochs[epoch].day, cost


def aid_alone(checked: CheckedPolicy, code: str, visit: str, day: dt.date, cost: int,
              categories: Iterable[str]) -> dict[str, int]:
    """The aid each category alone gets on the same claim (a fresh year); one that cannot settle has no say."""
    aid = {}
    for name in categories:
        settled = settle_example(checked, Counterexample(f"{code}-1", f"{code}-P1", visit, day, cost, (name,), 0))
        if isinstance(settled, Result):
            aid[name] = settled.aid_paid
    return aid


def example_claim(checked: CheckedPolicy, example: Counterexample) -> Claim:
    """The counterexample as a claim: insurance as given, else 0 where the policy does not compute it."""
    kinds = {tier.kind for tier in checked.symbols.tiers.values()}
    basic = example.basic if example.basic is not None else None if "basic" in kinds else 0
    critical = example.critical if example.critical is not None else None if "critical" in kinds else 0
    return Claim(example.claim_id, example.person_id, example.visit, example.day, example.day, example.cost, basic,
                 critical)
