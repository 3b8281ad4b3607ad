"""The semantics shared by every engine: money in fen, exact rates, rounding, the settlement formulas, dates,
and the ledgers a person's claims run through.

The interpreter, the compiled Python modules and the batch engine all call these functions, so the engines
agree by construction (docs/semantics.md). Stdlib only; nothing here knows a city.

Money is an `int` of fen. A rate is a `fractions.Fraction` of 1 (85% is `Fraction(17, 20)`); the hot paths
take a rate as its numerator and denominator so that a payment is two integer operations.

One job a module: `money` (rounding, ratios, the formulas, yuan and rate text), `dates`, `ledgers`, `errors`,
`visits` (visit type names), `memory` (the cycle collector paused for big batches), `values` (values of
expressions), `plan` (the settlement plan's records and `lower`), `terms` (a rule cascade resolved),
`parameters`, `settle` (claim order, `ClaimEnv`, identities held, the data checks), `loop` (the settlement
loop every engine runs, `PlanSettler`), `trace` (its events, for explanations), `monitoring`, `annual`
(annual benefits) and `funds`. This package re-exports all their names, so
`from aidlang.runtime import …` (as the generated modules do) needs no path.
"""

# every name of the modules below, re-exported: the package's interface
from .annual import _benefit_value, annual_rows  # noqa: F401
from .dates import add_duration, add_months, age_on, due_on, in_period, month_end, next_month_day  # noqa: F401
from .errors import (  # noqa: F401
    PERSON_ATTR_WORDS,
    SETTING_WORDS,
    ClaimError,
    MissingParameter,
    MissingValue,
    PaymentAboveCost,
    PolicyRuntimeError,
    UnsetSetting,
    missing_reason,
    source_line,
)
from .funds import EXPENDITURE, FundBook, MissingInput, fund_check_rows, fund_figures, fund_schedule_rows, fund_years  # noqa: F401
from .ledgers import Overlay  # noqa: F401
from .loop import Outcome, PlanSettler  # noqa: F401
from .memory import collector_paused  # noqa: F401
from .money import (  # noqa: F401
    _RATE,
    _YUAN,
    apply_cap,
    cap_remaining,
    format_rate,
    format_yuan,
    format_yuan_grouped,
    parse_rate,
    parse_yuan,
    percent_in_range,
    round_half_up,
    tier_payment,
    to_fen,
)
from .monitoring import monitor_rows  # noqa: F401
from .parameters import ByDate, Parameters  # noqa: F401
from .plan import (  # noqa: F401
    DEFAULT_BASES,
    Benefit,
    BenefitRule,
    Cascade,
    Condition,
    Constant,
    Epoch,
    Expression,
    Fund,
    FundCheck,
    FundItem,
    Monitor,
    Param,
    ParamValue,
    PolicyPlan,
    Route,
    Rule,
    Setting,
    Step,
    Tier,
    cost,
    cost_after_aid,
    cost_after_basic,
    cost_after_insurance,
    lower,
)
from .settle import ClaimEnv, Settler, claims_by_person, mixes_insurance, year_claim_rank, year_self_paid  # noqa: F401
from .terms import Terms, resolve  # noqa: F401
from .values import (  # noqa: F401
    EMPTY_IS_NONE,
    adjust,
    adjusted_amount,
    age_of,
    age_or_none,
    attr_of,
    attr_or_none,
    compare_known,
    divide,
    known,
    level_of,
    money_value,
    negate_known,
    person_age,
    person_attr,
    pick_known,
)
from .visits import _VISITS, VISIT_NAMES, visit_name  # noqa: F401
