"""When things are in force: the policy's period, provisions, tiers and rules (contract §6), and the
epochs that split time into ranges where nothing in force changes.

A period is `(start, end)`, both inclusive, either None for open. Settlement caches what it resolves per
epoch, so a rule cascade is worked out once per date range, not once per claim.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from aidlang import runtime as rt
from aidlang.check.symbols import Symbols
from aidlang.frontend import nodes as n

Period = tuple[dt.date | None, dt.date | None]
OPEN: Period = (None, None)


def policy_period(header: n.Header) -> Period:
    """[施行日期, 施行日期 + 有效期) or through 有效期至; open where the header says nothing."""
    start = header.in_force
    end = header.valid_until
    if end is None and start is not None and header.valid_for is not None:
        q = header.valid_for
        end = rt.add_duration(start, int(q.value), q.unit or "year") - dt.timedelta(days=1)
    return (start, end)


def provision_period(provision: n.Provision, policy: Period) -> Period:
    """A provision's own dates; only a retroactive one may begin before the policy does, and one without
    an end lasts as long as the policy."""
    start = provision.start
    if not provision.retroactive and policy[0] is not None and start < policy[0]:
        start = policy[0]
    return (start, provision.end if provision.end is not None else policy[1])


class Periods:
    """The periods of one policy, by provision name, and the in-force test for tiers, rules and benefit rows."""

    def __init__(self, symbols: Symbols):
        self.symbols = symbols
        self.policy = policy_period(symbols.policy.header)
        self.provisions = {name: provision_period(p, self.policy) for name, p in symbols.provisions.items()}

    def named(self, during: str | None, default: Period | None = None) -> Period:
        if during is not None and during in self.provisions:
            return self.provisions[during]
        return default if default is not None else self.policy

    def tier(self, tier: n.Tier) -> Period:
        return self.named(tier.during)

    def rule(self, rule: n.Rule, tier: n.Tier) -> Period:
        """A rule's own provision, else its tier's, else the policy's."""
        return self.named(rule.during, self.tier(tier))

    def any_in_force(self, day: dt.date) -> bool:
        """Is the date in the policy's period or in any provision's? (else the claim is `not_in_force`)"""
        return any(rt.in_period(day, *p) for p in (self.policy, *self.provisions.values()))

    def all(self) -> Iterable[Period]:
        yield self.policy
        yield from self.provisions.values()


class Epochs:
    """Date ranges inside which no period starts or ends and no parameter changes: `bounds`, the ordinals where
    each after the first starts (the plan's epochs; `runtime.PlanSettler.day_info` finds a date's)."""

    def __init__(self, periods: Iterable[Period], change_dates: Iterable[dt.date] = ()):
        bounds: set[int] = set()
        for start, end in periods:
            if start is not None:
                bounds.add(start.toordinal())
            if end is not None:
                bounds.add(end.toordinal() + 1)
        bounds.update(d.toordinal() for d in change_dates)
        self.bounds = sorted(bounds)


def in_force(period: Period, day: dt.date) -> bool:
    return rt.in_period(day, *period)
