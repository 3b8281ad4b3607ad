"""A rule cascade resolved: the deductible, ratio, cap and threshold that the rules in force give a claim
(docs/semantics.md, "Rule cascade"), stated once for every engine.

The rules apply from the least to the most specific (the plan has them in that order); each setting replaces
the value so far, except `降低`/`提高`, which adjust it (`values.adjust`). No ratio: the tier does not apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .errors import UnsetSetting
from .values import adjust

NO_KEYS: frozenset = frozenset()


@dataclass(frozen=True, slots=True)
class Terms:
    """What a cascade gives one claim: money in fen (`cap` None: no cap), the ratio and its integer terms
    (`num`/`den`, the hot path's), the clauses of the rules used in the order they applied, the settings whose
    value is of each claim alone (`per_claim`: `每次`), and the clause that gave each setting (`clauses_by_key`,
    for explanations)."""

    deductible: int
    ratio: Fraction
    cap: int | None
    threshold: int
    num: int
    den: int
    clauses: tuple[str, ...]
    per_claim: frozenset
    clauses_by_key: dict

    def clause_of(self, key: str) -> str:
        return self.clauses_by_key.get(key) or ""


def resolve(cascade, env) -> Terms | None:
    """Run a cascade (`runtime.plan.Cascade`, lowered) for the claim in `env`; None when no ratio resolves."""
    values: dict = {}
    sources: dict = {}  # key → the rules whose settings made its value
    used: list = []
    per_claim: dict = {}
    for rule in cascade.rules:
        if rule.when is not None and not rule.when(env):
            continue
        for s in rule.settings:
            key = s.key
            if s.direction is not None:
                if key not in values:  # no less specific rule sets it (one set to 无 is a value: adjust keeps it)
                    raise UnsetSetting(key, rule.where, env.date)
                values[key] = adjust(key, values[key], s.value(env), s.amount_type, s.direction)
                sources[key].append(rule)
            else:
                values[key] = s.value(env)
                sources[key] = [rule]
                per_claim[key] = s.per_claim
        if rule.settings:
            used.append(rule)
    ratio = values.get("ratio")
    if ratio is None:
        return None
    if not isinstance(ratio, Fraction):
        ratio = Fraction(ratio)
    kept = {id(r) for rules in sources.values() for r in rules}
    clauses = tuple(dict.fromkeys(r.clause for r in used if id(r) in kept and r.clause is not None))
    by_key = {key: rules[-1].clause for key, rules in sources.items()}
    modes = frozenset(k for k, v in per_claim.items() if v) if per_claim else NO_KEYS
    return Terms(values.get("deductible") or 0, ratio, values.get("cap"), values.get("threshold") or 0,
                 ratio.numerator, ratio.denominator, clauses, modes, by_key)
