"""A trial of a person's ledgers: 就高 tries several categories on one claim without copying the ledgers.

A person's ledgers are a plain dict of running amounts keyed by integers (`runtime.loop`); a missing key is 0,
so the hot path reads `L.get(k, 0)` and writes `L[k] = …` with no call in between.
"""

from __future__ import annotations


class Overlay(dict):
    """A trial's writes, in its own small dict; reads fall through to the ledgers it was opened on. Keeping
    the winner is `ledgers.update(dict.items(trial))`; a loser is simply dropped, so a trial costs what the
    claim costs."""

    __slots__ = ("base",)

    def __init__(self, base: dict):
        super().__init__()
        self.base = base

    def get(self, key, default=0):
        if key in self:
            return dict.__getitem__(self, key)
        return self.base.get(key, default)
