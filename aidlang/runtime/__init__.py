"""The semantics shared by every engine: money in fen, exact rates, rounding, the settlement formulas, dates,
and the ledgers a person's claims run through.

The interpreter, the compiled Python modules and the batch engine all call these functions, so the engines
agree by construction (contract.md, "Settlement semantics"). Stdlib only; nothing here knows a city.

Money is an `int` of fen. A rate is a `fractions.Fraction` of 1 (85% is `Fraction(17, 20)`); the hot paths
take a rate as its numerator and denominator so that a payment is two integer operations.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from fractions import Fraction
from typing import Any, Callable, Hashable, Iterable

from .records import BenefitRow, Claim, Identity, MonitorRow, Person, Result, make_result

Rate = Fraction
NO_CAP = None  # a cap of `None` means no cap

# ---------------------------------------------------------------- rounding and ratios


def round_half_up(numerator: int, denominator: int = 1) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero (0.5 fen → 1 fen).

    Symmetric for negatives (−0.5 → −1), like `decimal.ROUND_HALF_UP`, so a refund rounds as its payment does.
    """
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((-2 * numerator + denominator) // (2 * denominator))


def to_fen(value: int | Fraction) -> int:
    """A money value that may not be whole fen (5% × 上年收入), rounded half-up to the fen."""
    if type(value) is int:
        return value
    return round_half_up(value.numerator, value.denominator)


def apply_ratio(base_fen: int, rate: Fraction) -> int:
    """`rate × base`, rounded half-up to the fen once (contract §1)."""
    return round_half_up(base_fen * rate.numerator, rate.denominator)


def rate_terms(rate: Fraction) -> tuple[int, int]:
    """A rate as (numerator, denominator) for `apply_terms` in hot loops."""
    return rate.numerator, rate.denominator


def apply_terms(base_fen: int, numerator: int, denominator: int) -> int:
    """`apply_ratio` with the rate given as integer terms (non-negative bases, the hot path)."""
    if base_fen >= 0:
        return (2 * base_fen * numerator + denominator) // (2 * denominator)
    return round_half_up(base_fen * numerator, denominator)


# ---------------------------------------------------------------- the settlement formulas (contract §4, §5)


def deductible_cover(earlier: int, this: int, deductible: int) -> int:
    """The part of this claim's eligible amount above the annual deductible.

    With E the eligible amount of earlier claims this year, e this claim's and D the deductible:
    covered = max(0, E + e − D) − max(0, E − D).
    """
    above_after = earlier + this - deductible
    above_before = earlier - deductible
    return (above_after if above_after > 0 else 0) - (above_before if above_before > 0 else 0)


def cap_remaining(cap: int | None, used: int) -> int | None:
    """What an annual cap still allows (None: no cap)."""
    if cap is None:
        return None
    left = cap - used
    return left if left > 0 else 0


def apply_cap(amount: int, cap: int | None, used: int) -> int:
    """paid = min(amount, max(0, cap − already paid)); no cap pays the amount."""
    if cap is None:
        return amount
    left = cap - used
    if left <= 0:
        return 0
    return amount if amount < left else left


def deductible_payment(earlier: int, this: int, deductible: int, rate: Fraction, cap: int | None,
                       cap_used: int) -> tuple[int, int]:
    """A deductible tier on one claim: (covered, paid) with paid = min(ratio × covered, cap left)."""
    covered = deductible_cover(earlier, this, deductible)
    return covered, apply_cap(apply_ratio(covered, rate), cap, cap_used)


def threshold_excess(earlier: int, this: int, threshold: int) -> int:
    """The part of this claim's burden above the yearly threshold: max(0, T + b − t) − max(0, T − t)."""
    return deductible_cover(earlier, this, threshold)


def tilted_payment(earlier: int, this: int, threshold: int, rate: Fraction, cap: int | None,
                   cap_used: int) -> tuple[int, int]:
    """Tilted aid on one claim (contract §5): (excess, paid) with paid = min(ratio × excess, cap left)."""
    excess = threshold_excess(earlier, this, threshold)
    return excess, apply_cap(apply_ratio(excess, rate), cap, cap_used)


# ---------------------------------------------------------------- yuan text ↔ fen

_YUAN = re.compile(r"([+-]?)(\d+)(?:\.(\d{1,2}))?")


def parse_yuan(text: str) -> int:
    """'40000', '40000.5', '40000.00' → fen. At most two decimals; anything else is a ValueError."""
    m = _YUAN.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not an amount in yuan with at most 2 decimals: {text!r}")
    sign, whole, cents = m.groups()
    fen = int(whole) * 100 + int((cents or "").ljust(2, "0"))
    return -fen if sign == "-" else fen


def format_yuan(fen: int) -> str:
    """fen → '40000.00' (the data files' form)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def format_yuan_grouped(fen: int) -> str:
    """fen → '40,000.00' (for people reading an explanation)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


_RATE = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*([%％]?)")


def parse_rate(text: str) -> Fraction:
    """'5%' or '0.05' → Fraction(1, 20), exactly."""
    m = _RATE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not a rate (write 5% or 0.05): {text!r}")
    value = Fraction(m.group(1))
    return value / 100 if m.group(2) else value


def format_rate(rate: Fraction) -> str:
    """Fraction(17, 20) → '85%'; Fraction(5, 8) → '62.5%'; a rate that is no finite decimal → '33.3333%'."""
    percent = rate * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    for places in range(1, 5):
        scaled = percent * 10 ** places
        if scaled.denominator == 1:
            return f"{float(percent):.{places}f}%"
    return f"{float(percent):.4f}%"


# ---------------------------------------------------------------- dates


def month_end(day: dt.date) -> dt.date:
    """The last day of the date's month (an identity lost in a month holds to this day: 次月起不再享受)."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later, clamped to the month's last day (1月31日 + 1个月 = 2月28/29日)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_duration(day: dt.date, amount: int, unit: str) -> dt.date:
    """`day` plus a duration in `year`, `month` or `day` units (the units of `nodes.Quantity`)."""
    if unit == "year":
        return add_months(day, 12 * amount)
    if unit == "month":
        return add_months(day, amount)
    if unit == "day":
        return day + dt.timedelta(days=amount)
    raise ValueError(f"not a duration unit: {unit!r}")


def age_on(birth: dt.date, on: dt.date) -> int:
    """Whole years completed on a date (a person born on 2月29日 turns a year older on 3月1日 in common years)."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def next_month_day(year: int, month: int, day: int) -> dt.date:
    """The given day of the month after (year, month), clamped to that month's end (监测: 次月10日)."""
    first = add_months(dt.date(year, month, 1), 1)
    return first.replace(day=min(day, calendar.monthrange(first.year, first.month)[1]))


def in_period(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    """`start` and `end` inclusive; None is open."""
    return (start is None or day >= start) and (end is None or day <= end)


# ---------------------------------------------------------------- ledgers

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


# ---------------------------------------------------------------- errors every engine raises


class ClaimError(Exception):
    """A claim that cannot be settled for a data reason; the caller rejects that row only."""

    def __init__(self, claim_id: str, reason_zh: str, reason_en: str, row: int = 0):
        self.claim_id, self.reason_zh, self.reason_en, self.row = claim_id, reason_zh, reason_en, row
        super().__init__(f"claim {claim_id}: {reason_en}")


class MissingParameter(Exception):
    """A parameter the run needs has no value: published later (另行发布) and not given with `--param`,
    or no dated value in force on the date."""

    def __init__(self, name: str, label: str | None, on: dt.date | None = None,
                 others: tuple[tuple[str, str | None], ...] = ()):
        self.name, self.label, self.on = name, label, on
        self.others = others  # the policy's other parameters without a value, so one run can name them all
        shown = f"{name}（{label}）" if label else name
        when = f"（{on.isoformat()}）" if on else ""
        self.zh = f"缺少参数 {shown}{when}：请用 --param {name}=值 提供"
        self.en = f"parameter {name} has no value{' on ' + on.isoformat() if on else ''}: give it with --param {name}=VALUE"
        if others:
            self.zh += "；另有未给出取值的参数：" + "、".join(f"{o}（{lab}）" if lab else o for o, lab in others)
            self.en += "; other parameters without a value: " + ", ".join(o for o, _ in others)
        super().__init__(self.en)


def missing_reason(kind: str, defined: bool) -> tuple[str, str]:
    """Why a claim without `basic_paid`/`critical_paid` cannot be settled (zh, en)."""
    column = f"{kind}_paid"
    zh_kind = {"basic": "基本医保支付", "critical": "大病保险支付"}[kind]
    if defined:
        return (f"缺少{zh_kind}（{column}）：本政策在该就诊日期不计算该项",
                f"{column} is missing and the policy does not compute it on this date")
    return (f"缺少{zh_kind}（{column}）：本政策不计算该项，须由数据提供",
            f"{column} is missing and the policy does not compute it: the data must give it")


# ---------------------------------------------------------------- values of expressions shared by every engine


def divide(a, b):
    """`a / b` in a policy: exact (a Fraction for two ints); division by zero is an error."""
    if b == 0:
        raise ZeroDivisionError("division by zero")
    if type(a) is int and type(b) is int:
        return Fraction(a, b)
    return a / b


def compare_known(op: Callable[[Any, Any], bool], a, b, unknown: bool) -> bool:
    """A comparison where a missing value (None) is unknown: false, except `!=` (`unknown` True) when only one
    side is missing."""
    if a is None or b is None:
        return unknown and not (a is None and b is None)
    return op(a, b)


def money_value(v):
    """A money-valued expression's value kept at its root: rounded half-up to the fen (None stays None)."""
    return v if type(v) is int or v is None else to_fen(v)


def adjust(key: str, value, amount, amount_type: str, direction: str):
    """Apply `降低 x`/`提高 x` to the value so far: a rate x is relative (× (1 ∓ x)), percentage points and
    money are absolute (∓ x). Money results are rounded half-up to the fen."""
    sign = -1 if direction == "down" else 1
    if amount_type == "rate":
        result = value * (1 + sign * amount)
    else:
        result = value + sign * amount
    if key != "ratio" and type(result) is not int:
        result = to_fen(result)
    return result


def cascade_outcome(values: dict, sources: dict, used: list, clause_of: Callable[[Any], str | None]):
    """The end of a rule cascade, shared by every engine: None when no ratio resolved (the tier does not apply),
    else (deductible, ratio, cap, threshold, clauses) — the clauses of the rules used (a setting of theirs made a
    final value), in the order they applied, without repeats (`clause_of(rule)` None: the rule has no clause)."""
    ratio = values.get("ratio")
    if ratio is None:
        return None
    if not isinstance(ratio, Fraction):
        ratio = Fraction(ratio)
    kept = {id(r) for rs in sources.values() for r in rs}
    clauses = tuple(dict.fromkeys(c for c in (clause_of(r) for r in used if id(r) in kept) if c is not None))
    return (values.get("deductible") or 0, ratio, values.get("cap"), values.get("threshold") or 0, clauses)


# ---------------------------------------------------------------- settling claims: the driver every engine runs

VISIT_NAMES = {"outpatient": "outpatient", "普通门诊": "outpatient", "chronic": "chronic", "门诊慢特病": "chronic",
               "inpatient": "inpatient", "住院": "inpatient"}
_VISITS = frozenset(("outpatient", "chronic", "inpatient"))
SELF_LEDGER = "#self"  # per (person, year, visit): policy-scope cost − basic − critical, for 年度累计自付


GATED = object()  # what a compiled insurance tier returns when its `否则 不予救助` condition fails


def claims_by_person(claims: list[Claim]):
    """(person_id, [(discharge, admission, claim_id, index), …]) per person, persons by id and each person's
    claims in settlement order (contract §2) — the order every engine settles in, without sorting the whole
    list at once (sorting a person's few claims is much cheaper than one sort of a million)."""
    groups: dict[str, list] = {}
    for i, c in enumerate(claims):
        item = (c.discharge_date, c.admission_date, c.claim_id, i)
        found = groups.get(c.person_id)
        if found is None:
            groups[c.person_id] = [item]
        else:
            found.append(item)
    for pid in sorted(groups):
        items = groups[pid]
        if len(items) > 1:
            items.sort()
        yield pid, items


class ClaimEnv:
    """What a compiled module's expressions read while a claim settles (the interpreter uses `evaluate.Env`,
    which has the same attributes)."""

    __slots__ = ("claim", "person", "date", "year", "basic", "critical", "aid", "tilted", "running", "series",
                 "values", "prefix", "visit")

    def __init__(self):
        self.claim = self.person = self.date = self.running = self.series = self.values = self.visit = None
        self.year = self.basic = self.critical = self.aid = self.tilted = 0
        self.prefix = ()


def year_self_paid(env, visits: tuple[str, ...]) -> int:
    """年度累计自付: this year's cost − basic − critical over the visit types, this claim included (with the
    insurance amounts settled so far)."""
    values, prefix = env.values, env.prefix
    total = 0
    for v in visits:
        total += values.get((*prefix, SELF_LEDGER, v), 0)
    if env.visit in visits:
        total += env.claim.policy_scope_cost - env.basic - env.critical
    return total


class Outcome:
    """A claim settled as one category (one trial of 就高, or the only one)."""

    __slots__ = ("category", "basic", "critical", "aid", "tilted", "status", "clauses")

    def __init__(self, category: str):
        self.category = category
        self.basic = self.critical = self.aid = self.tilted = 0
        self.status = "ok"
        self.clauses: list[str] = []

    @property
    def total(self) -> int:
        return self.basic + self.critical + self.aid + self.tilted


class ClaimPlan:
    """The tiers a claim of one category and visit type runs through in one epoch, by kind (lists of tier
    plans, see `TierPlan`), whether the visit type is in no pool of any aid tier, and the `否则 不予救助`
    conditions of its aid and tilted tiers as (test, clause, tier plan, condition node)."""

    __slots__ = ("kinds", "aid_uncovered", "gates")

    def __init__(self, kinds: dict[str, list], aid_uncovered: bool):
        self.kinds, self.aid_uncovered = kinds, aid_uncovered
        self.gates = [(fn, clause, tp, cond) for kind in ("aid", "tilted") for tp in kinds[kind]
                      for fn, clause, cond in tp.gates]


class TierPlan:
    """One tier as it applies to one category, visit type and epoch: its pool, ledger keys, conditions and
    rule cascade (`resolver(env)` → a resolution with `ratio` None when the tier does not apply; resolved once,
    on first use, when `static`)."""

    __slots__ = ("tier", "kind", "name", "pool", "base", "gates", "conditions", "resolver", "static", "resolved",
                 "simple", "dsuffix", "csuffix", "label", "rules")

    def __init__(self, tier, kind: str, name: str, label: str, pool: str, base, gates, conditions, resolver,
                 static: bool, dkey, ckey, rules=()):
        self.tier, self.kind, self.name, self.pool, self.label = tier, kind, name, pool, label
        self.base, self.gates, self.conditions, self.resolver = base, gates, conditions, resolver
        self.static, self.resolved, self.rules = static, None, rules
        self.simple = static and not conditions  # applies whenever its resolution has a ratio
        # ledger keys are (person, year) + these: the tier and its deductible/threshold or cap key
        self.dsuffix, self.csuffix = (name, dkey), (name, ckey)


def applicable(tp: TierPlan, env, out: Outcome, trace):
    """The tier's resolution if it applies to the claim (conditions hold, a ratio resolves), else None."""
    for fn, clause, cond in tp.conditions:
        if not fn(env):
            if trace is not None:
                trace.append(("condition", tp, clause, cond))
            return None
    if tp.static:
        res = tp.resolved
        if res is None:
            res = tp.resolved = tp.resolver(env)
    else:
        res = tp.resolver(env)
    if res.ratio is None:
        if trace is not None:
            trace.append(("no_ratio", tp, out.category))
        return None
    return res


def deductible_kind(plans: list[TierPlan], env, values: dict, prefix: tuple, out: Outcome, trace) -> int:
    """Basic, critical or aid: the first tier of the kind that applies pays (contract §4)."""
    for tp in plans:
        if tp.gates and tp.kind != "aid":
            for fn, clause, cond in tp.gates:
                if not fn(env):
                    out.status = "not_covered"
                    if clause:
                        out.clauses.append(clause)
                    if trace is not None:
                        trace.append(("gate", tp, clause, cond))
                    return 0
        if tp.simple and trace is None:
            res = tp.resolved or applicable(tp, env, out, None)
        else:
            res = applicable(tp, env, out, trace)
        if res is None or res.ratio is None:
            continue
        base = tp.base(env)
        if base < 0:
            base = 0
        dkey = prefix + tp.dsuffix
        earlier = values.get(dkey, 0)
        values[dkey] = earlier + base
        # covered = max(0, E + e − D) − max(0, E − D)   (contract §4)
        deductible = res.deductible
        if deductible:
            covered = deductible_cover(earlier, base, deductible)
        else:
            covered = base
        num, den = res.ratio_terms
        raw = (2 * covered * num + den) // (2 * den)  # apply_terms, inlined: covered ≥ 0
        used, paid = pay_within_cap(raw, res.cap, values, prefix + tp.csuffix)
        if base > 0:
            out.clauses.extend(res.clauses)
        if trace is not None:
            trace.append(("deductible_tier", tp, res, out.category, base, earlier, covered, raw, used, paid))
        return paid
    return 0


def pay_within_cap(raw: int, cap: int | None, values: dict, ckey: tuple) -> tuple[int, int]:
    """(paid earlier this year, paid now) for a tier's raw amount under its annual cap; the cap ledger moves."""
    if cap is None:
        return 0, raw
    used = values.get(ckey, 0)
    paid = apply_cap(raw, cap, used)
    if paid:
        values[ckey] = used + paid
    return used, paid


def tilted_kind(plans: list[TierPlan], env, values: dict, prefix: tuple, out: Outcome, trace) -> int:
    """Tilted aid: a share of the yearly burden above the threshold (contract §5)."""
    for tp in plans:
        res = applicable(tp, env, out, trace)
        if res is None:
            continue
        burden = tp.base(env)
        if burden < 0:
            burden = 0
        tkey = prefix + tp.dsuffix
        earlier = values.get(tkey, 0)
        values[tkey] = earlier + burden
        excess = threshold_excess(earlier, burden, res.threshold)
        num, den = res.ratio_terms
        raw = (2 * excess * num + den) // (2 * den)  # apply_terms, inlined: excess ≥ 0
        used, paid = pay_within_cap(raw, res.cap, values, prefix + tp.csuffix)
        if paid > 0:
            out.clauses.extend(res.clauses)
        if trace is not None:
            trace.append(("tilted_tier", tp, res, out.category, burden, earlier, excess, raw, used, paid))
        return paid
    return 0


def _reset(env) -> None:
    env.basic = env.critical = env.aid = env.tilted = 0


class Settler:
    """What every engine's settlement loop shares: the identities a person holds for a claim, the checks that
    reject a claim as a data error, and the result of a claim outside every period.

    A subclass sets, in its constructor: `stay_days` ("admission", "discharge" or "any"), `month_end`, `order`
    (category → declared rank), `defines` (kind → the policy has a tier of it), `policy_period` and `_days`
    (a dict); and provides `category_id(text)` (a data file's category → identifier or None) and
    `day_info(day)` → (epoch, in force, basic computed, critical computed).
    """

    # ------------------------------------------------------------ identities
    def identity_index(self, identities: list[Identity]) -> dict[str, list[tuple[str, dt.date, dt.date]]]:
        """Per person: (category identifier, first day, last day held) — a lost identity held to its month's
        end where the policy says so. Rows naming no category of the policy are ignored (data.py checks them)."""
        out: dict[str, list[tuple[str, dt.date, dt.date]]] = {}
        category_id = self.category_id
        for row in identities:
            name = category_id(row.category)
            if name is None:
                continue
            end = row.end
            if end is None:
                end = dt.date.max
            elif self.month_end:
                end = month_end(end)
            out.setdefault(row.person_id, []).append((name, row.start, end))
        return out

    def held(self, rows, claim: Claim) -> list[str]:
        """The categories held for a claim (contract §3), in declared order."""
        if not rows:
            return []
        first, last = claim.admission_date, claim.discharge_date
        if self.stay_days == "admission":
            last = first
        elif self.stay_days == "discharge":
            first = last
        if len(rows) == 1:  # most people hold one identity
            category, start, end = rows[0]
            return [category] if start <= last and end >= first else []
        found = [cat for cat, start, end in rows if start <= last and end >= first]
        if len(found) > 1:
            found = sorted(set(found), key=self.order.__getitem__)
        return found

    # ------------------------------------------------------------ claims
    def claim_day(self, claim: Claim) -> tuple[str, int, bool]:
        """(canonical visit type, epoch, in force) of a claim's discharge date; a `ClaimError` for what no
        engine can settle: an unknown visit type, admission after discharge, or (in force) an insurance amount
        the claim does not give and the policy does not compute on the date."""
        day = claim.discharge_date
        visit = claim.visit_type
        if visit not in _VISITS:
            visit = VISIT_NAMES.get(visit)
            if visit is None:
                raise ClaimError(claim.claim_id, f"就诊类型“{claim.visit_type}”无法识别",
                                 f"unknown visit type {claim.visit_type!r}", claim.row)
        if claim.admission_date > day:
            raise ClaimError(claim.claim_id, "入院日期晚于出院日期", "admission date after discharge date", claim.row)
        epoch, active, basic_on, critical_on = self._days.get(day) or self.day_info(day)
        if active:
            if claim.basic_paid is None and not basic_on:
                raise ClaimError(claim.claim_id, *missing_reason("basic", self.defines["basic"]), claim.row)
            if claim.critical_paid is None and not critical_on:
                raise ClaimError(claim.claim_id, *missing_reason("critical", self.defines["critical"]), claim.row)
        return visit, epoch, active

    def _not_in_force(self, claim: Claim, trace) -> Result:
        """Outside every period: nothing is paid beyond what the data gave."""
        basic, critical = claim.basic_paid or 0, claim.critical_paid or 0
        if trace is not None:
            trace.append(("not_in_force", claim.discharge_date, self.policy_period))
        return Result(claim.claim_id, claim.person_id, "", basic, critical, 0, 0,
                      claim.policy_scope_cost - basic - critical, "not_in_force", "")


class PlanSettler(Settler):
    """The interpreter's settlement loop: claims in contract order (person, discharge, admission, id) on one
    set of `Ledgers`, each through a `ClaimPlan` of `TierPlan`s (identities and 就高 trials, the tiers in kind
    order with status and basis, self-pay), with a trace of every step when asked (`aidlang explain`).

    Besides what `Settler` needs, a subclass sets `highest`, `identity_clause`, `names` (category → display
    name, "" → ""), `has_aid_tiers` and `_plans` (a dict), and provides `plan(category, visit, epoch, day)` →
    `ClaimPlan` and `new_env()`.
    """

    # ------------------------------------------------------------ settling
    def settle(self, claims: list[Claim], identities: list[Identity], persons: dict[str, Person] | None = None,
               errors: list[ClaimError] | None = None, insurance_only: bool = False) -> list[Result]:
        """Results in input order. Claims that are data errors go to `errors` if given (and are left out),
        else the first is raised. `insurance_only` stops after the basic and critical tiers (monitoring)."""
        index = self.identity_index(identities)
        persons = persons or {}
        ledgers = Ledgers()
        env = self.new_env()
        order = sorted(range(len(claims)), key=lambda i: (claims[i].person_id, *claims[i].order_key()))
        results: list[Result | None] = [None] * len(claims)
        settle_one = self._settle
        for i in order:
            claim = claims[i]
            pid = claim.person_id
            try:
                results[i] = settle_one(claim, index.get(pid), persons.get(pid), ledgers, env, None, insurance_only)
            except ClaimError as error:
                if errors is None:
                    raise
                errors.append(error)
        return [r for r in results if r is not None]

    def settle_claim(self, claim: Claim, rows, person: Person | None, ledgers: Ledgers,
                     trace: list | None = None, insurance_only: bool = False) -> Result:
        """One claim, on the ledgers of the person's earlier claims (which it then updates). `rows` are the
        person's entries of `identity_index`."""
        return self._settle(claim, rows, person, ledgers, self.new_env(), trace, insurance_only)

    def _settle(self, claim: Claim, rows, person: Person | None, ledgers: Ledgers, env, trace,
                insurance_only: bool) -> Result:
        visit, epoch, active = self.claim_day(claim)
        day = claim.discharge_date
        if trace is not None:
            trace.append(("claim", claim, visit))
        if not active:
            return self._not_in_force(claim, trace)

        env.claim, env.person, env.date, env.year, env.visit = claim, person, day, day.year, visit
        env.prefix = prefix = (claim.person_id, day.year)
        env.values = values = ledgers.values
        held = self.held(rows, claim) if rows else ()
        if len(held) <= 1:
            category = held[0] if held else ""
            env.basic = env.critical = env.aid = env.tilted = 0
            out = self._settle_as(category, claim, visit, epoch, env, values, prefix, trace, insurance_only)
            if trace is not None:
                trace.insert(1, ("identity", list(held), category, None, ""))
        else:
            out = self._choose(held, claim, visit, epoch, env, ledgers, prefix, trace, insurance_only)
        cost = claim.policy_scope_cost
        key = (*prefix, SELF_LEDGER, visit)
        values[key] = values.get(key, 0) + cost - out.basic - out.critical
        self_pay = cost - out.basic - out.critical - out.aid - out.tilted
        if trace is not None:
            trace.append(("self_pay", cost, out, self_pay))
        clauses = out.clauses
        basis = clauses[0] if len(clauses) == 1 else ";".join(dict.fromkeys(clauses))
        return Result(claim.claim_id, claim.person_id, self.names[out.category], out.basic, out.critical, out.aid,
                      out.tilted, self_pay, out.status, basis)

    def _choose(self, held, claim, visit, epoch, env, ledgers: Ledgers, prefix, trace, insurance_only
                ) -> Outcome:
        """Several categories: 就高 settles each in a trial on the same ledgers and keeps the one that pays the
        most (ties: declared order); without 就高 the first in declared order applies."""
        values = ledgers.values
        if not self.highest:
            _reset(env)
            outcome = self._settle_as(held[0], claim, visit, epoch, env, values, prefix, trace, insurance_only)
            if trace is not None:
                trace.insert(1, ("identity", list(held), outcome.category, None, self.identity_clause))
        else:
            best = None
            trials = []
            for category in held:
                trial = ledgers.trial()
                env.values = trial.values
                _reset(env)
                outcome = self._settle_as(category, claim, visit, epoch, env, trial.values, prefix, None,
                                          insurance_only)
                trials.append((category, outcome.total))
                if best is None or outcome.total > best[0].total:
                    best = (outcome, trial)
            env.values = values
            outcome, trial = best
            if trace is None:
                ledgers.commit(trial)
            else:  # settle the winner again, this time writing down each step
                _reset(env)
                outcome = self._settle_as(outcome.category, claim, visit, epoch, env, values, prefix, trace,
                                          insurance_only)
                trace.insert(1, ("identity", list(held), outcome.category, trials, self.identity_clause))
        if self.identity_clause:
            outcome.clauses.append(self.identity_clause)
        return outcome

    def _settle_as(self, category: str, claim: Claim, visit: str, epoch: int, env, values: dict,
                   prefix: tuple, trace, insurance_only: bool = False) -> Outcome:
        """The claim's tiers in kind order, as this category (\"\" for none), on the ledger dict `values`."""
        plan = self._plans.get((category, visit, epoch)) or self.plan(category, visit, epoch, claim.discharge_date)
        kinds = plan.kinds
        out = Outcome(category)
        given = claim.basic_paid
        if given is not None:
            env.basic = out.basic = given
            if trace is not None:
                trace.append(("given", "basic", given))
        elif kinds["basic"]:
            env.basic = out.basic = deductible_kind(kinds["basic"], env, values, prefix, out, trace)
        given = claim.critical_paid
        if given is not None:
            env.critical = out.critical = given
            if trace is not None:
                trace.append(("given", "critical", given))
        elif kinds["critical"]:
            env.critical = out.critical = deductible_kind(kinds["critical"], env, values, prefix, out, trace)
        if insurance_only or not self.has_aid_tiers or out.status != "ok":
            return out
        if not category:
            out.status = "no_category"
            if trace is not None:
                trace.append(("no_category",))
            return out
        if plan.aid_uncovered:
            out.status = "not_covered"
            if trace is not None:
                trace.append(("visit_uncovered", visit))
            return out
        for fn, clause, tp, cond in plan.gates:  # a failed 否则 不予救助 condition: no aid of either kind
            if not fn(env):
                out.status = "not_covered"
                if clause:
                    out.clauses.append(clause)
                if trace is not None:
                    trace.append(("gate", tp, clause, cond))
                return out
        if kinds["aid"]:
            env.aid = out.aid = deductible_kind(kinds["aid"], env, values, prefix, out, trace)
        if kinds["tilted"]:
            env.tilted = out.tilted = tilted_kind(kinds["tilted"], env, values, prefix, out, trace)
        return out


# ---------------------------------------------------------------- the base of compiled policy modules

import bisect as _bisect  # noqa: E402


class PolicyRuntimeError(Exception):
    """An error inside a compiled policy's code, named by the `.aid` line it was generated from."""

    def __init__(self, where: str, error: BaseException):
        self.where, self.error = where, error
        super().__init__(f"{where}: {type(error).__name__}: {error}")


class CompiledSettler(Settler):
    """What a module generated by `aidlang compile` (`aidlang/backends/python.py`) builds its `Policy` on.

    The generated module holds the policy-specific code — one function per tier (its conditions, base, ledger
    steps and formula with the policy's expressions inlined), one per rule table (cascade) and per `否则 不予救助`
    condition; this class is the settlement loop around them: claims grouped by person (each person's ledgers
    are a small dict of their own, keyed by integers), identities and 就高, tiers in kind order, status, basis,
    self-pay. It gives exactly the interpreter's results (docs/semantics.md; tests/test_compiled.py).

    The generated class sets, as class attributes: `SOURCE` (the `.aid` file's name), `LINES` (method name →
    line of the `.aid` it computes), `CATEGORIES` (identifier → display name), `CATEGORY_IDS` (identifier or
    Chinese name → identifier), `ORDER`, `HIGHEST`, `IDENTITY_CLAUSE`, `STAY_DAYS`, `MONTH_END`, `POLICY_PERIOD`,
    `BOUNDS` (ordinals where epochs start), `EPOCHS` (per epoch: in force, basic computed, critical computed),
    `DEFINES`, `HAS_AID_TIERS`, `AID_UNCOVERED` (visit → bool), `SLOTS` (ledgers per person and year),
    `SELF_SLOTS` (visit → ledger of 年度累计自付, empty when no expression reads it), `TIERS` (see `route`),
    `PARAMS` and `PARAM_LABELS`.
    """

    SOURCE = ""
    LINES: dict = {}
    SELF_SLOTS: dict = {}

    def __init__(self, params: dict[str, Any] | None = None):
        self.overrides = {self.PARAM_LABELS.get(k, k): v for k, v in (params or {}).items()}
        self.highest, self.identity_clause = self.HIGHEST, self.IDENTITY_CLAUSE
        self.stay_days, self.month_end = self.STAY_DAYS, self.MONTH_END
        self.order = {name: i for i, name in enumerate(self.ORDER)}
        self.names = dict(self.CATEGORIES)
        self.names[""] = ""
        self.defines, self.has_aid_tiers = self.DEFINES, self.HAS_AID_TIERS
        self.policy_period = self.POLICY_PERIOD
        self._routes: dict = {}
        self._days: dict = {}
        self._param_cache: dict = {}

    # ------------------------------------------------------------ what the shared code asks
    def category_id(self, text: str) -> str | None:
        return self.CATEGORY_IDS.get(text)

    def new_env(self) -> ClaimEnv:
        """The environment of the expressions of annual benefits, funds and monitoring (tiers take plain
        arguments instead)."""
        return ClaimEnv()

    def day_info(self, day: dt.date) -> tuple[int, bool, bool, bool]:
        found = self._days.get(day)
        if found is None:
            epoch = _bisect.bisect_right(self.BOUNDS, day.toordinal())
            found = self._days[day] = (epoch, *self.EPOCHS[epoch])
        return found

    # ------------------------------------------------------------ routes: the tiers of a category and visit type
    def route(self, category: str, visit: str, epoch: int) -> tuple:
        """What a claim of this category and visit type runs through in an epoch: (basic steps, critical steps,
        visit type in no aid pool, gates, aid steps, tilted steps). A step is a list [terms, cascade, static,
        deductible ledger, cap ledger, tier function]: `terms` is the cascade's outcome once resolved (kept
        when `static`). Gates are the `否则 不予救助` conditions of the aid and tilted tiers as (test, clause).

        From `TIERS`, in file order: (kind, tier function, {visit: (pool, deductible ledger, cap ledger)},
        gates as (test, clause), {(category, pool, epoch): (cascade, static)})."""
        key = (category, visit, epoch)
        found = self._routes.get(key)
        if found is not None:
            return found
        steps: dict[str, list] = {"basic": [], "critical": [], "aid": [], "tilted": []}
        gates: list = []
        for kind, tier, pools, tier_gates, cascades in self.TIERS:
            entry = pools.get(visit)
            if entry is None:
                continue
            pool, dslot, cslot = entry
            cascade = cascades.get((category, pool, epoch))
            if cascade is None:
                continue
            method, static = cascade
            steps[kind].append([None, getattr(self, method), static, dslot, cslot, getattr(self, tier)])
            if kind in ("aid", "tilted"):
                gates.extend((getattr(self, test), clause) for test, clause in tier_gates)
        found = self._routes[key] = (steps["basic"], steps["critical"], self.AID_UNCOVERED[visit], gates,
                                     steps["aid"], steps["tilted"])
        return found

    def terms(self, step: list, c: Claim, v: str, p, L: dict, yk: int, basic: int, critical: int, aid: int):
        """A step's settings (deductible, ratio numerator, denominator, cap, threshold, clauses), or () when no
        ratio resolves for the category (the tier does not apply); kept on the step when its rules are static."""
        found = step[1](c, v, p, L, yk, basic, critical, aid)
        if step[2]:
            step[0] = found
        return found

    def cascade_terms(self, values: dict, sources: dict, used: list, clauses: dict) -> tuple:
        """The end of a generated rule cascade (`clauses`: rule number → clause or None) as a step's terms."""
        found = cascade_outcome(values, sources, used, clauses.get)
        if found is None:
            return ()
        deductible, ratio, cap, threshold, rule_clauses = found
        return (deductible, ratio.numerator, ratio.denominator, cap, threshold, rule_clauses)

    # ------------------------------------------------------------ settling
    def settle(self, claims: list[Claim], identities: list[Identity], persons: dict[str, Person] | None = None,
               errors: list[ClaimError] | None = None, insurance_only: bool = False) -> list[Result]:
        """Results in input order, as `Interpreter.settle`: claims that are data errors go to `errors` if given
        (and are left out), else the first is raised; `insurance_only` stops after basic and critical."""
        try:
            return self._settle_all(claims, identities, persons or {}, errors, insurance_only)
        except (ClaimError, MissingParameter):
            raise
        except Exception as error:
            where = self.where(error)
            if where is None:
                raise
            raise PolicyRuntimeError(where, error) from error

    def _settle_all(self, claims, identities, persons, errors, insurance_only) -> list[Result]:
        index = self.identity_index(identities)
        results: list = [None] * len(claims)
        rejected: list[ClaimError] = []
        days, names, slots, self_slots = self._days, self.names, self.SLOTS, self.SELF_SLOTS
        held_of, settle_as, choose = self.held, self._settle_as, self._choose
        for pid, items in claims_by_person(claims):
            rows, person, L = index.get(pid), persons.get(pid), {}  # L: this person's ledgers
            for item in items:
                c = claims[item[3]]
                day = c.discharge_date
                visit = c.visit_type
                info = days.get(day)
                # claim_day's checks, done here for the usual claim: known visit type and dates, in force, the
                # insurance amounts given or computed
                if not (visit in _VISITS and info is not None and info[1] and c.admission_date <= day
                        and (info[2] or c.basic_paid is not None) and (info[3] or c.critical_paid is not None)):
                    try:
                        visit, _, active = self.claim_day(c)
                    except ClaimError as error:
                        if errors is None:
                            raise
                        rejected.append(error)
                        continue
                    if not active:
                        results[item[3]] = self._not_in_force(c, None)
                        continue
                    info = days[day]
                yk = day.year * slots  # this year's ledgers are yk + slot
                held = held_of(rows, c) if rows else ()
                if len(held) <= 1:
                    category = held[0] if held else ""
                    basic, critical, aid, tilted, status, clauses = settle_as(
                        category, c, visit, info[0], person, L, yk, insurance_only)
                else:
                    category, (basic, critical, aid, tilted, status, clauses) = choose(
                        held, c, visit, info[0], person, L, yk, insurance_only)
                cost = c.policy_scope_cost
                if self_slots:
                    k = yk + self_slots[visit]
                    L[k] = L.get(k, 0) + cost - basic - critical
                basis = clauses[0] if len(clauses) == 1 else ";".join(dict.fromkeys(clauses))
                results[item[3]] = make_result((c.claim_id, pid, names[category], basic, critical, aid, tilted,
                                                cost - basic - critical - aid - tilted, status, basis))
        if errors is not None:
            errors.extend(rejected)
        return [r for r in results if r is not None]

    def _choose(self, held: list[str], c: Claim, visit: str, epoch: int, person, L: dict, yk: int,
                insurance_only: bool) -> tuple[str, tuple]:
        """Several categories: with 就高 each is settled in a trial on the same ledgers and the one paying the
        most is kept (ties: declared order), else the first in declared order applies; (category, outcome)."""
        if not self.highest:
            category = held[0]
            out = self._settle_as(category, c, visit, epoch, person, L, yk, insurance_only)
        else:
            best = None
            for candidate in held:
                trial = _Overlay(L)
                outcome = self._settle_as(candidate, c, visit, epoch, person, trial, yk, insurance_only)
                total = outcome[0] + outcome[1] + outcome[2] + outcome[3]
                if best is None or total > best[0]:
                    best = (total, candidate, outcome, trial)
            _, category, out, trial = best
            L.update(dict.items(trial))
        if self.identity_clause:
            out[5].append(self.identity_clause)
        return category, out

    def _settle_as(self, category: str, c: Claim, v: str, epoch: int, p, L: dict, yk: int, insurance_only: bool
                   ) -> tuple:
        """The claim's tiers in kind order as this category (\"\" for none) on ledgers `L`: (basic, critical,
        aid, tilted, status, clauses). In each kind the first tier that applies pays (its function returns
        None when it does not apply, GATED when a `否则 不予救助` condition of an insurance tier fails)."""
        basic_steps, critical_steps, uncovered, gates, aid_steps, tilted_steps = \
            self._routes.get((category, v, epoch)) or self.route(category, v, epoch)
        clauses: list[str] = []
        status = "ok"
        basic = c.basic_paid
        if basic is None:
            basic = 0
            for step in basic_steps:
                paid = step[5](step, c, v, p, L, yk, 0, 0, 0, clauses)
                if paid is not None:
                    if paid is GATED:
                        status = "not_covered"
                    else:
                        basic = paid
                    break
        critical = c.critical_paid
        if critical is None:
            critical = 0
            for step in critical_steps:
                paid = step[5](step, c, v, p, L, yk, basic, 0, 0, clauses)
                if paid is not None:
                    if paid is GATED:
                        status = "not_covered"
                    else:
                        critical = paid
                    break
        if insurance_only or not self.has_aid_tiers or status != "ok":
            return basic, critical, 0, 0, status, clauses
        if not category:
            return basic, critical, 0, 0, "no_category", clauses
        if uncovered:
            return basic, critical, 0, 0, "not_covered", clauses
        for test, clause in gates:  # a failed 否则 不予救助 condition: no aid of either kind
            if not test(c, v, p, L, yk, basic, critical, 0):
                if clause:
                    clauses.append(clause)
                return basic, critical, 0, 0, "not_covered", clauses
        aid = 0
        for step in aid_steps:
            paid = step[5](step, c, v, p, L, yk, basic, critical, 0, clauses)
            if paid is not None:
                aid = paid
                break
        tilted = 0
        for step in tilted_steps:
            paid = step[5](step, c, v, p, L, yk, basic, critical, aid, clauses)
            if paid is not None:
                tilted = paid
                break
        return basic, critical, aid, tilted, status, clauses

    # ------------------------------------------------------------ what the generated expressions call
    def year_self_paid(self, visits: tuple[str, ...], c: Claim, v: str, L: dict, yk: int, basic: int,
                       critical: int) -> int:
        """年度累计自付 over the visit types: this year's cost − basic − critical, this claim included."""
        slots = self.SELF_SLOTS
        total = 0
        for visit in visits:
            total += L.get(yk + slots[visit], 0)
        if v in visits:
            total += c.policy_scope_cost - basic - critical
        return total

    def where(self, error: BaseException) -> str | None:
        """`file.aid:line` of the innermost generated method in the error's traceback, if any."""
        found = None
        tb = error.__traceback__
        while tb is not None:
            frame_globals = tb.tb_frame.f_globals
            if frame_globals.get("Policy") is type(self):
                line = frame_globals.get("LINE_AT", {}).get(tb.tb_lineno) or self.LINES.get(tb.tb_frame.f_code.co_name)
                if line is not None:
                    found = f"{self.SOURCE}:{line}"
            tb = tb.tb_next
        return found

    def annual(self, year: int, identities: list[Identity], persons: dict[str, Person] | None = None) -> list:
        benefits = [(label, due, highest, [(everyone, frozenset(covered), period,
                                            getattr(self, when) if when else None, kind,
                                            getattr(self, value) if value else None, share_of, clause)
                                           for everyone, covered, period, when, kind, value, share_of, clause in rows])
                    for label, due, highest, rows in self.BENEFITS]
        return annual_rows(self, year, identities, persons or {}, benefits, self.param)

    def _funds(self) -> list:
        return [(inputs, [(name, due, getattr(self, value), clause) for name, due, value, clause in items],
                 [(name, label, getattr(self, test), clause) for name, label, test, clause in checks])
                for inputs, items, checks in self.FUNDS]

    def funds(self, expenditures) -> list:
        return fund_schedule_rows(self, self._funds(), expenditures)

    def fund_check_failures(self, expenditures) -> list:
        return fund_check_rows(self, self._funds(), expenditures)

    def monitor(self, claims: list[Claim], month: tuple[int, int], identities: list[Identity] = (),
                persons: dict[str, Person] | None = None, errors: list[ClaimError] | None = None) -> list:
        monitors = [(getattr(self, threshold), push_day, getattr(self, amount) if amount else None, clause)
                    for threshold, push_day, amount, clause in self.MONITORS]
        return monitor_rows(self, claims, month, list(identities), persons or {}, errors, monitors)

    # ------------------------------------------------------------ parameters
    def param(self, name: str, on: dt.date | None):
        """A parameter's value on a date: a `--param` value, else the dated value with the latest 自 ≤ date."""
        if name in self.overrides:
            return self.overrides[name]
        label, ptype, values = self.PARAMS[name]
        if values is None:
            raise MissingParameter(name, label, None, self._unset(name))
        chosen = None
        for i, (since, _, _) in enumerate(values):
            if since is None or on is None or since <= on:
                if chosen is None or (since or dt.date.min) >= (values[chosen][0] or dt.date.min):
                    chosen = i
        if chosen is None:
            raise MissingParameter(name, label, on)
        since, method, derived = values[chosen]
        if derived:  # derived from other parameters, which may change by date
            return self._param_value(ptype, method, on or since)
        key = (name, chosen)
        if key not in self._param_cache:
            self._param_cache[key] = self._param_value(ptype, method, on or since)
        return self._param_cache[key]

    def _param_value(self, ptype: str, method: str, on: dt.date | None):
        env = ClaimEnv()
        env.date, env.year = on, (on.year if on else 0)
        v = getattr(self, method)(env)
        if ptype == "money" and type(v) is not int:
            v = to_fen(v)
        return v

    def _unset(self, but: str) -> tuple[tuple[str, str | None], ...]:
        return tuple((name, label) for name, (label, _, values) in self.PARAMS.items()
                     if values is None and name not in self.overrides and name != but)


def attr_of(person: Person | None, attr: str):
    """A person attribute in a compiled tier (None without a person)."""
    return None if person is None else getattr(person, attr)


def age_of(person: Person | None, on: dt.date):
    """年龄 in a compiled tier: whole years on the claim's date (None without a birth date)."""
    if person is None or person.birth_date is None:
        return None
    return age_on(person.birth_date, on)


def person_attr(env, attr: str):
    """A person attribute of the claim's person (None without a person)."""
    person = env.person
    return None if person is None else getattr(person, attr)


def person_age(env):
    """年龄: whole years on the date being evaluated (None without a birth date)."""
    person = env.person
    if person is None or person.birth_date is None:
        return None
    return age_on(person.birth_date, env.date)


def visit_name(v):
    """A visit type named in Chinese or English, as its canonical name (other values unchanged)."""
    return VISIT_NAMES.get(v, v) if isinstance(v, str) else v


def cascade_missing(key: str):
    """`降低`/`提高` with no less specific value to adjust (the checker rejects such policies)."""
    raise ValueError(f"{key} is adjusted but no less specific rule sets it")


def monitor_rows(settler: Settler, claims: list[Claim], month: tuple[int, int], identities: list[Identity],
                 persons: dict[str, Person], errors, monitors: list) -> list:
    """Monitoring lists (监测), shared by the engines: the year's claims through the month's end settled for the
    insurance tiers, then each person's amount against each monitor's threshold. `monitors`: (threshold(env),
    push day of the next month, amount(env) or None for the sum over visit types, clause)."""
    year, mon = month
    last = month_end(dt.date(year, mon, 1))
    first = dt.date(year, 1, 1)
    chosen = [c for c in claims if first <= c.discharge_date <= last]
    results = settler.settle(chosen, identities, persons, errors=errors, insurance_only=True)
    by_id = {c.claim_id: c for c in chosen}
    totals: dict[str, dict[str, int]] = {}
    for r in results:
        claim = by_id[r.claim_id]
        visit = VISIT_NAMES.get(claim.visit_type, claim.visit_type)
        person = totals.setdefault(r.person_id, {})
        person[visit] = person.get(visit, 0) + claim.policy_scope_cost - r.basic_paid - r.critical_paid
    rows: list = []
    for threshold_fn, push_day, amount_fn, clause in monitors:
        env = settler.new_env()
        env.date, env.year = last, year
        threshold = threshold_fn(env)
        push_by = next_month_day(year, mon, push_day)
        for pid in sorted(totals):
            by_visit = totals[pid]
            env = settler.new_env()
            env.person, env.date, env.year = persons.get(pid), last, year
            env.running = lambda visits, t=by_visit: sum(t.get(v, 0) for v in visits)
            amount = amount_fn(env) if amount_fn else sum(by_visit.values())
            if amount > threshold:
                rows.append(MonitorRow(pid, amount, threshold, push_by, clause))
    return rows


# ---------------------------------------------------------------- person-level annual benefits (年度待遇)


def due_on(spec: tuple | None, year: int) -> dt.date | None:
    """A yearly date (next_year, month, day, plus amount, plus unit) in `year` (or the next), plus its duration;
    2月29日 falls to 2月28日."""
    if spec is None:
        return None
    next_year, month, day, plus_amount, plus_unit = spec
    y = year + (1 if next_year else 0)
    d = min(day, month_end(dt.date(y, month, 1)).day)
    out = dt.date(y, month, d)
    if plus_amount is not None:
        out = add_duration(out, plus_amount, plus_unit or "day")
    return out


def annual_rows(settler, year: int, identities: list[Identity], persons: dict[str, Person], benefits: list,
                param: Callable[[str, dt.date], Any]) -> list:
    """Rows by person (sorted by id), benefits in declaration order; shared by the engines.

    `benefits`: (display name, due spec, highest only, rows) with rows (everyone: bool, categories covered,
    (start, end) period, condition(env) or None, kind, value(env) or None, share_of parameter or None, clause).
    """
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    index = settler.identity_index(identities)
    people = sorted(set(index) | set(persons))
    rows: list = []
    for pid in people:
        held = {cat for cat, start, end in index.get(pid, ()) if start <= last and end >= first}
        person = persons.get(pid)
        for label, due_spec, highest_only, benefit_rows in benefits:
            due = due_on(due_spec, year)
            env = settler.new_env()
            env.person, env.date, env.year = person, due or last, year
            matches = []
            for order, (everyone, covered, (p_start, p_end), when, kind, value, share_of, clause) in \
                    enumerate(benefit_rows):
                if not ((p_start is None or p_start <= last) and (p_end is None or p_end >= first)):
                    continue
                if not (everyone or held & covered):
                    continue
                if when is not None and not when(env):
                    continue
                amount, rank = _benefit_value(kind, value, share_of, env, param)
                matches.append((rank, -order, clause, amount))
            if not matches:
                continue
            if highest_only:
                _, _, clause, amount = max(matches, key=lambda m: (m[0], m[1]))
                chosen = [(clause, amount)]
            else:
                chosen = [(clause, amount) for _, _, clause, amount in matches]
            amounts = [a for _, a in chosen]
            total = None if any(a is None for a in amounts) else sum(amounts)
            clauses = [c for c, _ in chosen if c is not None]
            rows.append(BenefitRow(pid, label, total, due, ";".join(dict.fromkeys(clauses))))
    return rows


def _benefit_value(kind: str, value, share_of, env, param):
    """(amount in fen or None, rank for 按最高标准). A share of a base not given ranks by its ratio, below
    any known amount."""
    if kind == "amount":
        amount = value(env)
        return amount, (1, amount)
    if kind == "share":
        ratio = value(env)
        if share_of is None:
            return None, (0, ratio)
        try:
            base = param(share_of, env.date)
        except MissingParameter:
            return None, (0, ratio)
        amount = to_fen(ratio * base)
        return amount, (1, amount)
    return None, (0, 0)


# ---------------------------------------------------------------- fund administration (基金管理)

EXPENDITURE = "aid_expenditure"  # the column of expenditures.csv


class MissingInput(Exception):
    """A fund series has no value for the year asked (the item is not computed for that year)."""


class FundBook:
    """One fund's series and items for one county, computed on demand and remembered. `fund` is (inputs as
    (name, label), items as (name, due spec, value(env), clause), checks as (name, label, test(env), clause))."""

    def __init__(self, settler, fund: tuple, county: str, figures: dict[tuple[str, int], int]):
        self.settler, self.fund, self.county, self.figures = settler, fund, county, figures
        inputs, items, _ = fund
        self.inputs = {name for name, _ in inputs} | {label for _, label in inputs if label}
        self.items: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            self.items.setdefault(item[0], []).append(i)
        self._memo: dict[tuple[int, int], int] = {}
        self._busy: set[tuple[int, int]] = set()

    def series(self, name: str, year: int):
        if name in self.items:
            return sum(self.item(i, year) for i in self.items[name])
        if name in self.inputs:
            value = self.figures.get((self._input_name(name), year))
            if value is None:
                raise MissingInput(name, year)
            return value
        raise MissingInput(name, year)

    def _input_name(self, name: str) -> str:
        for input_name, label in self.fund[0]:
            if name in (input_name, label):
                return input_name
        return name

    def _env(self, date: dt.date | None, year: int):
        env = self.settler.new_env()
        env.date, env.year, env.series = date, year, self.series
        return env

    def item(self, index: int, year: int) -> int:
        key = (index, year)
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:
            raise MissingInput(self.fund[1][index][0], year)  # an item defined through itself in the same year
        self._busy.add(key)
        try:
            _, due, value, _ = self.fund[1][index]
            result = value(self._env(due_on(due, year), year))
        finally:
            self._busy.discard(key)
        self._memo[key] = result
        return result

    def check(self, index: int, year: int) -> bool:
        return bool(self.fund[2][index][2](self._env(dt.date(year, 12, 31), year)))


def fund_figures(fund: tuple, expenditures: list) -> dict[str, dict[tuple[str, int], int]]:
    """expenditures.csv's `aid_expenditure` feeds the input of that name (or the fund's only input)."""
    names = [name for name, _ in fund[0]]
    target = EXPENDITURE if EXPENDITURE in names or len(names) != 1 else names[0]
    out: dict[str, dict[tuple[str, int], int]] = {}
    for e in expenditures:
        out.setdefault(e.county, {})[(target, e.year)] = e.aid_expenditure
    return out


def fund_years(settler, expenditures: list) -> range:
    """The years of the policy's period (open ends: the years of the figures, and one after)."""
    start, end = settler.policy_period
    known = [e.year for e in expenditures]
    lo = start.year if start else (min(known) if known else 0)
    hi = end.year if end else (max(known) + 1 if known else -1)
    return range(lo, hi + 1)


def fund_schedule_rows(settler, funds: list, expenditures: list) -> list:
    from .records import ScheduleRow

    rows: list = []
    years = fund_years(settler, expenditures)
    for fund in funds:
        for county, figures in fund_figures(fund, expenditures).items():
            book = FundBook(settler, fund, county, figures)
            for year in years:
                for index, (name, due, _, clause) in enumerate(fund[1]):
                    try:
                        amount = book.item(index, year)
                    except MissingInput:
                        continue
                    rows.append(ScheduleRow(county, name, due_on(due, year), amount, clause, year))
    rows.sort(key=lambda r: (r.county, r.due, r.item))
    return rows


def fund_check_rows(settler, funds: list, expenditures: list) -> list:
    from .records import FundCheckFailure

    out: list = []
    years = fund_years(settler, expenditures)
    for fund in funds:
        for county, figures in sorted(fund_figures(fund, expenditures).items()):
            book = FundBook(settler, fund, county, figures)
            for year in years:
                for index, (name, label, _, clause) in enumerate(fund[2]):
                    try:
                        ok = book.check(index, year)
                    except MissingInput:
                        continue
                    if not ok:
                        out.append(FundCheckFailure(county, year, name, label, clause))
    return out
