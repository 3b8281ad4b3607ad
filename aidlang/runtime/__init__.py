"""The semantics shared by every engine: money in fen, exact rates, rounding, the settlement formulas, dates,
and the ledgers a person's claims run through.

The interpreter, the compiled Python modules and the batch engine all call these functions, so the engines
agree by construction (contract.md, "Settlement semantics"). Stdlib only; nothing here knows a city.

Money is an `int` of fen. A rate is a `fractions.Fraction` of 1 (85% is `Fraction(17, 20)`); the hot paths
take a rate as its numerator and denominator so that a payment is two integer operations.

One job a module: `money` (rounding, ratios, the formulas, yuan and rate text), `dates`, `ledgers`, `errors`,
`visits` (visit type names), `memory` (the cycle collector paused for big batches), `values` (values of
expressions), `settle` (what every settlement loop shares: claim order, `ClaimEnv`, `Settler`), `plans` (the
interpreter's loop, `PlanSettler`), `compiled` (the base of generated modules, `CompiledSettler`),
`monitoring`, `annual` (annual benefits) and `funds`. This package re-exports all their names, so
`from aidlang.runtime import …` (as the generated modules do) needs no path.
"""

# every name of the modules below, re-exported: the package's interface
from .annual import _benefit_value, annual_rows  # noqa: F401
from .compiled import GATED, CompiledSettler  # noqa: F401
from .dates import (  # noqa: F401
    add_duration, add_months, age_on, due_on, in_period, month_end, next_month_day)
from .errors import (  # noqa: F401
    PERSON_ATTR_WORDS, SETTING_WORDS, ClaimError, MissingParameter, MissingValue, PaymentAboveCost,
    PolicyRuntimeError, UnsetSetting, missing_reason)
from .funds import (  # noqa: F401
    EXPENDITURE, FundBook, MissingInput, fund_check_rows, fund_figures, fund_schedule_rows, fund_years)
from .ledgers import LedgerKey, Ledgers, _Overlay  # noqa: F401
from .memory import collector_paused  # noqa: F401
from .money import (  # noqa: F401
    _RATE, _YUAN, apply_cap, apply_ratio, apply_terms, cap_remaining, claim_cover, cover, deductible_cover,
    deductible_payment, format_rate, format_yuan, format_yuan_grouped, parse_rate, parse_yuan,
    percent_in_range, round_half_up, threshold_excess, tilted_payment, to_fen)
from .monitoring import monitor_rows  # noqa: F401
from .plans import (  # noqa: F401
    ClaimPlan, Outcome, PlanSettler, TierPlan, _reset, applicable, deductible_kind, pay_within_cap, tilted_kind)
from .settle import (  # noqa: F401
    COUNT_LEDGER, SELF_LEDGER, ClaimEnv, Settler, claims_by_person, year_claim_rank, year_self_paid)
from .values import (  # noqa: F401
    EMPTY_IS_NONE, adjust, age_of, age_or_none, attr_of, attr_or_none, cascade_missing, cascade_outcome,
    compare_known, divide, known, level_of, money_value, negate_known, person_age, person_attr, pick_known)
from .visits import VISIT_NAMES, _VISITS, visit_name  # noqa: F401
