"""A policy's parameters on a date (`参数 … 自 …`, or a `--param` value), for every engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .errors import MissingParameter
from .money import to_fen


@dataclass(frozen=True)
class ByDate:
    """A parameter given with dates (`--param NAME@2026=…`): (from, value) pairs in date order, the first
    from None (every date before the others) or a date."""

    values: tuple[tuple[dt.date | None, Any], ...]

    def on(self, day: dt.date | None) -> tuple[bool, Any]:
        """(found, value): the value with the latest from ≤ the day, as a policy's own dated values."""
        chosen = None
        for since, value in self.values:
            if since is None or day is None or since <= day:
                chosen = (True, value)
        return chosen or (False, None)


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
            given = self.overrides[name]
            if type(given) is not ByDate:
                return given
            found, value = given.on(on)
            if not found:
                raise MissingParameter(name, self.params[name].label, on)
            return value
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

    def given_dates(self) -> tuple[int, ...]:
        """The ordinals of the dates a value given with `--param NAME@…` starts on (the plan's epochs do not
        know them: a static rule cascade is resolved again on each side of one)."""
        return tuple(sorted({since.toordinal() for given in self.overrides.values() if type(given) is ByDate
                             for since, _ in given.values if since is not None}))
