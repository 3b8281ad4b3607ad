"""What each route's steps resolve to (`runtime.terms.resolve`, as the engines resolve them) on a day of each
epoch in force: the settled ratios, deductibles and caps the money analyses compare."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import attrs

from aidlang.check.checker import CheckedPolicy
from aidlang.runtime import MissingParameter, UnsetSetting
from aidlang.runtime.plan import KINDS, Step
from aidlang.runtime.terms import Terms, resolve


@attrs.frozen
class Resolved:
    """A step as a claim of `category` and `visit` meets it in `epoch` (on `day`): its terms (None: the rules
    give the category no ratio), or `unset` (a rule adjusts a setting no rule gives: UnsetSetting); `unknown`:
    they need a parameter published later (另行发布); `dynamic`: the rules have conditions on the claim, so no
    one set of terms holds."""

    category: str
    visit: str
    epoch: int
    day: dt.date
    kind: str
    step: Step
    terms: Terms | None
    unset: UnsetSetting | None = None
    dynamic: bool = False
    unknown: bool = False

    @property
    def may_pay(self) -> bool:
        """Whether a claim may get a ratio here (not known to get none)."""
        return self.terms is not None or self.dynamic or self.unknown or self.unset is not None


def interpreter(checked: CheckedPolicy):
    """The interpreter of the policy, with the parameter values it is analysed with (`use_params`; none: only
    the policy's own): one per policy, for every analysis (it settles each call on fresh ledgers)."""
    if _last[0] is not checked:
        use_params(checked, {})
    return _last[1]


def use_params(checked: CheckedPolicy, params: dict) -> None:
    """Analyse the policy with these parameter values (`check --param`: the values an office will run with)."""
    from aidlang.engines.interp.interpreter import Interpreter  # the interpreter evaluates the settings

    _last[:] = [checked, Interpreter(checked, params)]


_last: list = [None, None]  # (checked policy, its interpreter): the policy analysed now


def resolved_steps(checked: CheckedPolicy) -> Iterator[Resolved]:
    kernel = interpreter(checked)
    for (category, visit, epoch), route in sorted(kernel.plan.routes.items()):
        if not category:
            continue
        day = kernel.plan.epochs[epoch].day
        env = kernel.new_env()
        env.date, env.year = day, day.year
        for kind in KINDS:
            for step in getattr(route, kind):
                if not step.cascade.static:
                    yield Resolved(category, visit, epoch, day, kind, step, None, dynamic=True)
                    continue
                try:
                    yield Resolved(category, visit, epoch, day, kind, step, resolve(step.cascade, env))
                except UnsetSetting as unset:
                    yield Resolved(category, visit, epoch, day, kind, step, None, unset=unset)
                except MissingParameter:  # 另行发布: the value is not known, nor then the terms
                    yield Resolved(category, visit, epoch, day, kind, step, None, unknown=True)
