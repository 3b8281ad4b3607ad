"""The shared runtime: money, rounding, the settlement formulas, dates and ledgers. Every expected value is
worked out by hand in the comment beside it."""

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aidlang import runtime as rt

D = dt.date


# ---------------------------------------------------------------- rounding

@pytest.mark.parametrize("num, den, expected", [
    (5, 10, 1),      # 0.5 fen → 1 (half up)
    (4, 10, 0),      # 0.4 → 0
    (15, 10, 2),     # 1.5 → 2
    (25, 10, 3),     # 2.5 → 3 (not banker's 2)
    (-5, 10, -1),    # −0.5 → −1 (halves away from zero)
    (-4, 10, 0),     # −0.4 → 0
    (7, -2, -4),     # 7/−2 = −3.5 → −4
    (0, 3, 0),
    (10, 1, 10),
])
def test_round_half_up(num, den, expected):
    assert rt.round_half_up(num, den) == expected


def raw(base: int, num: int, den: int) -> int:
    """What a tier's ratio makes of a base with no deductible and no cap: the engines' `tier_payment`."""
    return rt.tier_payment(0, base, 0, False, num, den, None, 0)[1]


def test_the_ratio_rounds_once_half_up():
    # 85% of 0.10元 (10 fen) = 8.5 fen → 9 fen
    assert raw(10, 85, 100) == 9
    # 85% of 20,000.00元 = 17,000.00元
    assert raw(2_000_000, 85, 100) == 1_700_000
    # 60% of 0.01元 = 0.6 fen → 1 fen; 70% of 0.01元 = 0.7 → 1; 30% of 0.01元 = 0.3 → 0
    assert raw(1, 60, 100) == 1
    assert raw(1, 30, 100) == 0
    # 65% of 3.90元 (390 fen) = 253.5 fen → 254
    assert raw(390, 65, 100) == 254
    # a third of 1 fen... 1/3 of 5 fen = 1.67 → 2
    assert raw(5, 1, 3) == 2


def test_the_ratio_is_round_half_up_of_the_product():
    for base in (0, 1, 5, 99, 390, 12345, 2_000_000):
        for rate in (Fraction(85, 100), Fraction(65, 100), Fraction(1, 3), Fraction(1, 1), Fraction(0)):
            assert raw(base, rate.numerator, rate.denominator) == \
                rt.round_half_up(base * rate.numerator, rate.denominator)
    assert rt.round_half_up(-5, 2) == -3  # −2.5 → −3: halves away from zero (a tier's base is never negative)


def test_to_fen():
    assert rt.to_fen(7) == 7
    assert rt.to_fen(Fraction(5, 2)) == 3  # 2.5 fen → 3
    # 5% × 40,001.10元 = 2,000.055元 = 200,005.5 fen → 200,006 fen
    assert rt.to_fen(Fraction(5, 100) * 4_000_110) == 200_006


# ---------------------------------------------------------------- formulas

@pytest.mark.parametrize("E, e, D, covered", [
    (0, 500_000, 1_000_000, 0),             # all under the 10,000 deductible
    (800_000, 500_000, 1_000_000, 300_000),  # crosses it: 8,000 + 5,000 − 10,000 = 3,000
    (1_200_000, 500_000, 1_000_000, 500_000),  # already above: all 5,000
    (0, 500_000, 0, 500_000),               # no deductible
    (1_000_000, 0, 1_000_000, 0),           # a zero claim
])
def test_deductible_cover(E, e, D, covered):
    assert rt.tier_payment(E, e, D, False, 1, 1, None, 0)[0] == covered  # the part above the year's deductible


def test_apply_cap():
    # cap 10,000, 6,800 used: 5,000 asked → 3,200 paid
    assert rt.apply_cap(500_000, 1_000_000, 680_000) == 320_000
    assert rt.apply_cap(500_000, 1_000_000, 1_000_000) == 0
    assert rt.apply_cap(500_000, 1_000_000, 1_200_000) == 0  # over-used: never negative
    assert rt.apply_cap(500_000, None, 10**9) == 500_000  # no cap
    assert rt.cap_remaining(1_000_000, 680_000) == 320_000
    assert rt.cap_remaining(1_000_000, 1_200_000) == 0  # paid past the cap (a lowered cap): nothing left


def test_tier_payment_above_a_deductible():
    # E 8,000, e 5,000, D 10,000 → covered 3,000; × 70% = 2,100; cap 30,000 with 29,000 used → 1,000
    assert rt.tier_payment(800_000, 500_000, 1_000_000, False, 7, 10, 3_000_000, 2_900_000) == (300_000, 210_000,
                                                                                                100_000)
    # per claim (每次): this 5,000 above 1,000 alone = 4,000, whatever was spent earlier; × 70% = 2,800
    assert rt.tier_payment(800_000, 500_000, 100_000, True, 7, 10, None, 0) == (400_000, 280_000, 280_000)


def test_tier_payment_above_a_tilted_threshold():
    # threshold 6,000: earlier burden 4,200, this 4,800 → 9,000 − 6,000 = 3,000 above; × 60% = 1,800
    assert rt.tier_payment(420_000, 480_000, 600_000, False, 3, 5, None, 0) == (300_000, 180_000, 180_000)
    # below the threshold: 1,000 + 2,000 < 6,000 → 0
    assert rt.tier_payment(100_000, 200_000, 600_000, False, 3, 5, None, 0) == (0, 0, 0)
    # already above: all 2,000 × 50% = 1,000, but a cap of 5,000 with 4,500 used leaves 500
    assert rt.tier_payment(700_000, 200_000, 600_000, False, 1, 2, 500_000, 450_000) == (200_000, 100_000, 50_000)


# ---------------------------------------------------------------- yuan and rates as text

@pytest.mark.parametrize("text, fen", [
    ("40000", 4_000_000), ("40000.00", 4_000_000), ("40000.5", 4_000_050), ("0.01", 1), (" 12.30 ", 1230),
    ("-12.50", -1250), ("0", 0),
])
def test_parse_yuan(text, fen):
    assert rt.parse_yuan(text) == fen


@pytest.mark.parametrize("bad", ["", "1.234", "1,000", "abc", "1e5", "12.", ".5"])
def test_parse_yuan_rejects(bad):
    with pytest.raises(ValueError):
        rt.parse_yuan(bad)


def test_format_yuan():
    assert rt.format_yuan(4_000_000) == "40000.00"
    assert rt.format_yuan(1) == "0.01"
    assert rt.format_yuan(-1250) == "-12.50"
    assert rt.format_yuan_grouped(1_700_000) == "17,000.00"
    assert rt.format_yuan_grouped(123_456_789) == "1,234,567.89"
    for fen in (0, 1, 99, 100, 123_456, -7):
        assert rt.parse_yuan(rt.format_yuan(fen)) == fen
    # the boundaries of the cents table and of the sign: 0 fen, 99 fen, 1 yuan, minus 1 yuan, minus 1 fen
    assert [rt.format_yuan(f) for f in (0, 99, 100, -100, -1, 10_005)] == [
        "0.00", "0.99", "1.00", "-1.00", "-0.01", "100.05"]


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_format_yuan_round_trips(fen):
    """Every amount written to a data file reads back as the same fen, and as the text `divmod` gives."""
    text = rt.format_yuan(fen)
    assert rt.parse_yuan(text) == fen
    whole, cents = divmod(abs(fen), 100)
    assert text == ("-" if fen < 0 else "") + f"{whole}.{cents:02d}"


def test_rates():
    assert rt.parse_rate("5%") == Fraction(1, 20)
    assert rt.parse_rate("0.05") == Fraction(1, 20)
    assert rt.parse_rate("62.5％") == Fraction(5, 8)
    assert rt.format_rate(Fraction(17, 20)) == "85%"
    assert rt.format_rate(Fraction(5, 8)) == "62.5%"
    with pytest.raises(ValueError):
        rt.parse_rate("five")


# ---------------------------------------------------------------- dates

def test_month_end():
    assert rt.month_end(D(2023, 2, 10)) == D(2023, 2, 28)
    assert rt.month_end(D(2024, 2, 10)) == D(2024, 2, 29)
    assert rt.month_end(D(2023, 12, 31)) == D(2023, 12, 31)


def test_durations():
    assert rt.add_duration(D(2023, 1, 1), 5, "year") == D(2028, 1, 1)
    assert rt.add_duration(D(2023, 1, 31), 1, "month") == D(2023, 2, 28)
    assert rt.add_duration(D(2023, 6, 30), 20, "day") == D(2023, 7, 20)
    assert rt.next_month_day(2023, 12, 10) == D(2024, 1, 10)
    assert rt.next_month_day(2023, 1, 31) == D(2023, 2, 28)


def test_age_on():
    assert rt.age_on(D(1963, 5, 1), D(2023, 4, 30)) == 59
    assert rt.age_on(D(1963, 5, 1), D(2023, 5, 1)) == 60
    assert rt.age_on(D(2000, 2, 29), D(2023, 2, 28)) == 22  # a leap-day birthday counts on 3月1日
    assert rt.age_on(D(2000, 2, 29), D(2023, 3, 1)) == 23


def test_in_period():
    assert rt.in_period(D(2023, 1, 1), D(2023, 1, 1), None)
    assert not rt.in_period(D(2022, 12, 31), D(2023, 1, 1), None)
    assert rt.in_period(D(2027, 12, 31), None, D(2027, 12, 31))
    assert not rt.in_period(D(2028, 1, 1), None, D(2027, 12, 31))


# ---------------------------------------------------------------- ledgers

def test_ledger_trials_and_commit():
    """A person's ledgers are a dict keyed year × slots + slot; 就高's trials write to an Overlay that reads
    through, and keeping one is an update."""
    slots = 4
    ledgers = {2023 * slots + 1: 100}
    key = 2023 * slots + 1
    first, second = rt.Overlay(ledgers), rt.Overlay(ledgers)
    first[key] = first.get(key, 0) + 50  # 100 + 50
    second[key] = second.get(key, 0) + 70  # 100 + 70: each trial starts from the same ledgers
    second[2023 * slots + 3] = second.get(2023 * slots + 3, 0) + 9
    assert first.get(key, 0) == 150 and second.get(key, 0) == 170
    assert ledgers.get(key, 0) == 100  # trials never touch the ledgers
    assert second.get(2024 * slots + 1, 0) == 0  # a new year starts at 0
    ledgers.update(dict.items(second))
    assert ledgers == {key: 170, 2023 * slots + 3: 9}


# ---------------------------------------------------------------- claim order of the compiled loop

def test_claims_by_person_is_the_contract_order():
    from aidlang.records import Claim

    def claim(cid, pid, admission, discharge):
        return Claim(cid, pid, "inpatient", D(2023, *admission), D(2023, *discharge), 100)

    claims = [claim("c9", "p2", (3, 1), (3, 9)),
              claim("c1", "p1", (5, 1), (5, 2)),
              claim("c10", "p2", (3, 1), (3, 9)),  # same dates as c9: claim_id as text, "c10" < "c9"
              claim("c2", "p1", (4, 1), (5, 2)),  # same discharge as c1, earlier admission: first
              claim("c3", "p2", (1, 1), (1, 5)),
              claim("c4", "p0", (9, 1), (9, 1))]
    grouped = [(pid, [claims[item[3]].claim_id for item in items]) for pid, items in rt.claims_by_person(claims)]
    assert grouped == [("p0", ["c4"]), ("p1", ["c2", "c1"]), ("p2", ["c3", "c10", "c9"])]


# ---------------------------------------------------------------- the cycle collector around big batches

def test_collector_paused_restores_the_collector_as_it_found_it():
    import gc

    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        with rt.collector_paused():
            assert not gc.isenabled()
            with rt.collector_paused():  # nested: the inner one must not switch it back on
                pass
            assert not gc.isenabled()
            raise ZeroDivisionError
    assert gc.isenabled()  # back on, although the block failed
    gc.disable()
    try:
        with rt.collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_engines_leave_the_collector_on_after_a_bad_claim():
    """Both engines pause the collector while they settle; a claim that stops the run must not leave it off."""
    import gc

    from aidlang.check.pipeline import load
    from aidlang.engines.compiled.loader import load_module
    from aidlang.engines.interp.interpreter import Interpreter
    from aidlang.records import Claim

    checked = load(Path(__file__).resolve().parent.parent / "policies" / "wuxi.aid")
    day = dt.date(2023, 5, 1)
    bad = [Claim("c1", "p1", "牙科", day, day, 100_000, 0, 0)]  # an unknown visit type: a ClaimError
    for engine in (Interpreter(checked, {}), load_module(checked)[0].Policy({})):
        with pytest.raises(rt.ClaimError):
            engine.settle(bad, [])
        assert gc.isenabled()


def test_adjust_keeps_ratios_within_100_percent_and_无_as_无():
    pp = Fraction(1, 100)
    # 提高 5个百分点: 60% + 5pp = 65%; of 100% it stays 100%; 降低 20个百分点 of 10% stops at 0%
    assert rt.adjust("ratio", Fraction(3, 5), 5 * pp, "pp", "up") == Fraction(13, 20)
    assert rt.adjust("ratio", Fraction(1), 5 * pp, "pp", "up") == 1
    assert rt.adjust("ratio", Fraction(1, 10), 20 * pp, "pp", "down") == 0
    # 起付标准 降低 50%: 4000元 → 2000元; 限额 无 降低 50% stays no cap
    assert rt.adjust("deductible", 400_000, Fraction(1, 2), "rate", "down") == 200_000
    assert rt.adjust("cap", None, Fraction(1, 2), "rate", "down") is None
