"""A policy's parameters on a date (`参数 … 自 …`, or a `--param` value), for every engine."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .errors import MissingParameter
from .money import to_fen


class Parameters:
    """The values of a plan's parameters (`runtime.plan.Param`, lowered), with `--param` overrides by name or
    label. A value not derived from other parameters is computed once per dated value."""

    def __init__(self, params: dict, overrides: dict[str, Any] | None, new_env):
        self.params = params
        by_label = {prm.label: name for name, prm in params.items() if prm.label}
        self.overrides = {by_label.get(k, k): v for k, v in (overrides or {}).items()}
        self.new_env = new_env
        self._cache: dict[tuple[str, int], Any] = {}
        self._busy: list[str] = []

    def value(self, name: str, on: dt.date | None) -> Any:
        """The `--param` value, else the dated value with the latest 自 ≤ the date."""
        if name in self.overrides:
            return self.overrides[name]
        prm = self.params[name]
        if prm.values is None:
            raise MissingParameter(name, prm.label, None, self.unset(but=name))
        chosen = None
        for i, dv in enumerate(prm.values):
            if dv.since is None or on is None or dv.since <= on:
                if chosen is None or (dv.since or dt.date.min) >= (prm.values[chosen].since or dt.date.min):
                    chosen = i
        if chosen is None:
            raise MissingParameter(name, prm.label, on)
        dv = prm.values[chosen]
        if dv.derived:  # from other parameters, which may change by date
            return self._compute(prm, dv, on)
        key = (name, chosen)
        if key not in self._cache:
            self._cache[key] = self._compute(prm, dv, on)
        return self._cache[key]

    def _compute(self, prm, dv, on: dt.date | None) -> Any:
        if prm.name in self._busy:
            raise RecursionError(f"parameter {prm.name} is defined in terms of itself")
        self._busy.append(prm.name)
        try:
            env = self.new_env()
            env.date = on or dv.since
            env.year = env.date.year if env.date else 0
            v = dv.value(env)
        finally:
            self._busy.pop()
        if prm.type == "money" and type(v) is not int:
            v = to_fen(v)
        return v

    def unset(self, but: str = "") -> tuple[tuple[str, str | None], ...]:
        """(name, label) of the parameters published later and not given, except `but`."""
        return tuple((name, prm.label) for name, prm in self.params.items()
                     if prm.values is None and name not in self.overrides and name != but)

    def change_dates(self) -> list[dt.date]:
        """Every date on which some parameter's value changes."""
        return sorted({dv.since for name, prm in self.params.items() if prm.values and name not in self.overrides
                       for dv in prm.values if dv.since is not None})
