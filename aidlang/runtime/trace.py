"""The events of one claim's settlement, as the settlement loop writes them down for `aidlang explain`
(`explain.py` phrases them; the arithmetic is the loop's, in the amounts here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

event = dataclass(frozen=True, slots=True)


@event
class ClaimRead:
    claim: Any
    visit: str


@event
class IdentityChosen:
    """The categories held, the one applied, the 就高 trials as (category, total paid) or None, the clause."""

    held: tuple[str, ...]
    chosen: str
    trials: tuple[tuple[str, int], ...] | None
    clause: str


@event
class NotInForce:
    day: dt.date
    period: tuple


@event
class Given:
    kind: str  # basic | critical: the amount the data gave
    amount: int


@event
class NoCategory:
    pass


@event
class VisitUncovered:
    visit: str


@event
class GateFailed:
    """A `否则 不予救助` condition failed: the claim is not covered."""

    step: Any
    clause: str


@event
class ConditionFailed:
    """A tier's condition failed: the tier does not apply."""

    step: Any
    clause: str


@event
class NoRatio:
    """No rule in force gives the category a ratio: the tier does not apply."""

    step: Any
    category: str


@event
class TierPaid:
    """A tier that applied: its base (tilted: burden), the year's amount before this claim, what counted above
    the deductible or threshold, the ratio's product rounded half-up, the cap paid earlier and the payment."""

    step: Any
    terms: Any
    category: str
    base: int
    earlier: int
    counted: int
    raw: int
    used: int
    paid: int


@event
class SelfPay:
    cost: int
    basic: int
    critical: int
    aid: int
    tilted: int
    self_pay: int
