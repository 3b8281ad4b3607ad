"""The running amounts of a settlement (deductible base used, cap paid, tilted burden) and the trials that let
就高 try several categories on one claim without copying them.
"""

from __future__ import annotations

from typing import Hashable, Iterable

LedgerKey = tuple[str, int, str, Hashable]  # (person, year, tier, key)


class _Overlay(dict):
    """A trial's writes; reads fall through to the ledgers it was opened on."""

    __slots__ = ("base",)

    def __init__(self, base: dict):
        super().__init__()
        self.base = base

    def get(self, key, default=0):
        if key in self:
            return dict.__getitem__(self, key)
        return self.base.get(key, default)


class Ledgers:
    """The running amounts of a settlement: deductible base used, cap paid, tilted burden, keyed
    (person, year, tier, key); a missing key is 0.

    `values` is a plain dict, so the hot path reads `values.get(key, 0)` and writes `values[key] = …` with no
    call in between. Trying several categories for one claim (就高) runs each in a `trial()`: a ledger whose
    writes stay in its own small dict while reads fall through; `commit(trial)` keeps the winner's writes and
    the losers are simply dropped. A trial costs what the claim costs, never a copy of the ledgers.
    """

    __slots__ = ("values",)

    def __init__(self, values: dict | None = None):
        self.values: dict[LedgerKey, int] = dict(values) if values else {}

    def get(self, key: LedgerKey) -> int:
        return self.values.get(key, 0)

    def add(self, key: LedgerKey, amount: int) -> None:
        values = self.values
        values[key] = values.get(key, 0) + amount

    def trial(self) -> "Ledgers":
        """A ledger that reads through to this one and keeps its writes to itself."""
        out = Ledgers.__new__(Ledgers)
        out.values = _Overlay(self.values)
        return out

    def commit(self, trial: "Ledgers") -> None:
        """Keep a trial's writes (the applied category's settlement)."""
        self.values.update(dict.items(trial.values))

    def copy(self) -> "Ledgers":
        return Ledgers(self.values)

    def total(self, keys: Iterable[LedgerKey]) -> int:
        values = self.values
        return sum(values.get(k, 0) for k in keys)
