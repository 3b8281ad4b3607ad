"""The events of one claim's settlement, as the settlement loop writes them down for `aidlang explain`
(`explain.py` phrases them; the arithmetic is the loop's, in the amounts here)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ClaimRead:
    claim: Any
    visit: str


@dataclass(frozen=True, slots=True)
class IdentityChosen:
    """The categories held, the one applied, the 就高 trials as (category, total paid) or None, the clause."""

    held: tuple[str, ...]
    chosen: str
    trials: tuple[tuple[str, int], ...] | None
    clause: str


@dataclass(frozen=True, slots=True)
class NotInForce:
    day: dt.date
    period: tuple


@dataclass(frozen=True, slots=True)
class Given:
    kind: str  # basic | critical: the amount the data gave
    amount: int


@dataclass(frozen=True, slots=True)
class NoCategory:
    pass


@dataclass(frozen=True, slots=True)
class VisitUncovered:
    visit: str


@dataclass(frozen=True, slots=True)
class GateFailed:
    """A `否则 不予救助` condition failed: the claim is not covered."""

    step: Any
    clause: str


@dataclass(frozen=True, slots=True)
class ConditionFailed:
    """A tier's condition failed: the tier does not apply."""

    step: Any
    clause: str


@dataclass(frozen=True, slots=True)
class NoRatio:
    """No rule in force gives the category a ratio: the tier does not apply."""

    step: Any
    category: str


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class SelfPay:
    cost: int
    basic: int
    critical: int
    aid: int
    tilted: int
    self_pay: int
