"""The interpreter: the settlement plan of a checked policy, its expressions lowered to closures over the
syntax tree (`closures.Evaluator`), run by the one settlement loop (`runtime.PlanSettler`).

Built once per (policy, parameter values): `Interpreter(checked, params).settle(claims, identities, persons)`,
`.annual(…)`, `.funds(…)`, `.monitor(…)`. Bad data never stops the others: a claim that cannot
be settled for a data reason is a `ClaimError`; pass a list as `errors=` to collect them (the claim is left out
of the results), without it the first one is raised. A missing parameter (`MissingParameter`) fails the run.
"""

from __future__ import annotations

from typing import Any

from aidlang import runtime as rt
from aidlang.check.symbols import Symbols
from aidlang.engines.interp.closures import Evaluator
from aidlang.frontend import nodes as n
from aidlang.plan import build_plan
from aidlang.runtime import ClaimError  # noqa: F401  (re-exported: the engines' data error)


class Interpreter(rt.PlanSettler):
    def __init__(self, checked: Any, params: dict[str, Any] | None = None):
        self.checked = checked
        self.policy: n.Policy = checked.policy
        self.symbols: Symbols = checked.symbols
        self.ev = Evaluator(self.symbols)
        super().__init__(rt.lower(build_plan(checked), self.ev.lower), params)
