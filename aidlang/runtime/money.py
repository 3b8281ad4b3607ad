"""Money in fen and exact rates: rounding half-up, ratios, the settlement formulas (deductible,
cap, threshold), and amounts and rates as text. Money is an `int` of fen. A rate is a `fractions.Fraction` of
1 (85% is `Fraction(17, 20)`); the hot paths take a rate as its numerator and denominator so that a payment is
two integer operations.
"""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

# ---------------------------------------------------------------- the range of a rate


def percent_in_range(percent: int | Fraction | Decimal) -> bool:
    """Whether a rate given in percent (85 for 85%) lies within 0%–100%: a rate is a share of an amount, never
    more than all of it nor less than none (checker E205; the same rule for a value given with `--param`)."""
    return 0 <= percent <= 100


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


# ---------------------------------------------------------------- the settlement formulas (docs/semantics.md)


def cap_remaining(cap: int, used: int) -> int:
    """What an annual cap still allows after `used` was paid: max(0, cap − used)."""
    left = cap - used
    return left if left > 0 else 0


def apply_cap(amount: int, cap: int | None, used: int) -> int:
    """paid = min(amount, what the cap still allows); no cap (None) pays the amount."""
    if cap is None:
        return amount
    left = cap_remaining(cap, used)
    return amount if amount < left else left


def tier_payment(earlier: int, this: int, line: int, per_claim: bool, num: int, den: int, cap: int | None,
                 cap_used: int) -> tuple[int, int, int]:
    """What a tier pays on one claim, as every engine computes it (docs/semantics.md, "Amounts"): (counted,
    raw, paid). `counted` is the part of this claim's base (tilted: burden) `this` above the line — a deductible
    or threshold D — of the year, max(0, E + e − D) − max(0, E − D) with E = `earlier` the year's amount before
    this claim, or (`per_claim`, `每次`) of this claim alone, max(0, e − D); `raw` = ratio (`num`/`den`) ×
    counted, rounded half-up once; `paid` = min(raw, what the cap still allows after `cap_used`)."""
    # the hot path of every engine's loop: the line and the rounding are written out here (the rounding is
    # round_half_up's: tests/test_compiled.py checks that they agree); the cap is apply_cap
    if not line:
        counted = this
    elif per_claim:  # max(0, e − D)
        counted = this - line if this > line else 0
    else:  # max(0, E + e − D) − max(0, E − D)
        after, before = earlier + this - line, earlier - line
        counted = (after if after > 0 else 0) - (before if before > 0 else 0)
    raw = (2 * counted * num + den) // (2 * den)  # counted ≥ 0: round_half_up(counted × num, den)
    return counted, raw, raw if cap is None else apply_cap(raw, cap, cap_used)


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


_CENTS = tuple(f"{cents:02d}" for cents in range(100))  # a table: `:02d` formatting is half of the time


def format_yuan(fen: int) -> str:
    """fen → '40000.00' (the data files' form); written five times per row of results.csv."""
    if fen < 0:
        return "-" + format_yuan(-fen)
    return f"{fen // 100}.{_CENTS[fen % 100]}"


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
