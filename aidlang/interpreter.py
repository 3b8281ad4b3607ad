"""The interpreter: the settlement plan of a checked policy, its expressions lowered to closures over the
syntax tree (`evaluate.Evaluator`), run by the one settlement loop (`runtime.PlanSettler`).

Built once per (policy, parameter values): `Interpreter(checked, params).settle(claims, identities, persons)`,
`.explain(…)`, `.annual(…)`, `.funds(…)`, `.monitor(…)`. Bad data never stops the others: a claim that cannot
be settled for a data reason is a `ClaimError`; pass a list as `errors=` to collect them (the claim is left out
of the results), without it the first one is raised. A missing parameter (`MissingParameter`) fails the run.
"""

from __future__ import annotations

from typing import Any

from . import nodes as n
from . import runtime as rt
from .evaluate import Evaluator
from .plan import build_plan
from .records import Claim, Identity, Person
from .runtime import ClaimError  # noqa: F401  (re-exported: the engines' data error)
from .symbols import Symbols


class Interpreter(rt.PlanSettler):
    def __init__(self, checked: Any, params: dict[str, Any] | None = None):
        self.checked = checked
        self.policy: n.Policy = checked.policy
        self.symbols: Symbols = checked.symbols
        self.ev = Evaluator(self.symbols)
        super().__init__(rt.lower(build_plan(checked), self.ev.lower), params)

    def explain(self, claims: list[Claim], identities: list[Identity], persons: dict[str, Person] | None,
                claim_id: str, lang: str = "zh") -> list:
        """The settlement of one claim as numbered steps (its person's earlier claims settled first)."""
        from .explain import render

        trace, result = self.explain_trace(claims, identities, persons, claim_id)
        return render(trace, result, self.plan, lang)
