"""Properties of settlement over random claims (hypothesis), for Wuxi and Mianyang.

- aid (medical aid + tilted aid) never exceeds what the patient owed after insurance, and self_pay is never
  negative;
- no (person, year, pool) ever receives more than its annual cap;
- shuffling the input rows changes no result;
- settling each person's claims apart gives the same results as settling them together.
The caps are the documents' (Wuxi 四(六): 普通门诊 1万元, 门诊慢特病和住院 30万元) or the parameters given here
(Mianyang 二(五): published later), chosen small so that random claims reach them.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections import defaultdict
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidlang.check.pipeline import load
from aidlang.engines.interp.interpreter import Interpreter
from aidlang.records import Claim, Identity

ROOT = Path(__file__).resolve().parent.parent
YUAN = 100  # fen

MIANYANG_PARAMS = {"prev_year_disposable_income": 40_000 * YUAN, "poverty_monitoring_income_line": 12_000 * YUAN,
                   "aid_annual_cap": 10_000 * YUAN, "tilted_annual_cap": 2_000 * YUAN,
                   "resident_min_contribution": 380 * YUAN}

CITIES = {
    "wuxi": {
        "categories": ["特困人员", "最低生活保障对象", "孤儿", "事实无人抚养儿童", "特困职工", "低保边缘家庭成员",
                       "重度残疾人", "其他特殊困难人员"],
        "params": {},
        # pool -> (visit types, cap in fen); None: no cap
        "aid_caps": {"outpatient": ({"outpatient"}, 10_000 * YUAN),
                     "chronic+inpatient": ({"chronic", "inpatient"}, 300_000 * YUAN)},
        "tilted_cap": None,
        "caps_from": dt.date(2023, 1, 1),
        "critical_given": lambda day: True,
    },
    "mianyang": {
        "categories": ["特困人员", "孤儿", "低保对象", "低保边缘家庭成员", "防止返贫监测对象", "因病致贫重病患者"],
        "params": MIANYANG_PARAMS,
        "aid_caps": {"chronic+inpatient": ({"chronic", "inpatient"}, 10_000 * YUAN)},
        "tilted_cap": 2_000 * YUAN,
        # the cap rule (对 全体救助对象: 限额 aid_annual_cap) is in force from the policy's 施行日期 only; in the
        # retroactive months (2022-09-01 …) the orphan rule applies without it, as the policy is written
        "caps_from": dt.date(2023, 1, 1),
        # the policy computes critical-illness insurance from 2023-01-01; earlier claims must carry it
        "critical_given": lambda day: day < dt.date(2023, 1, 1),
    },
}

FIRST_DAY = dt.date(2022, 8, 1)  # Mianyang's retroactive provisions start 2022-09-01, both policies 2023-01-01
LAST_DAY = dt.date(2024, 3, 31)
SPAN = (LAST_DAY - FIRST_DAY).days
PERSONS = ["p0", "p1", "p2"]


@functools.lru_cache(maxsize=None)
def interpreter(city: str) -> Interpreter:
    return Interpreter(load(ROOT / "policies" / f"{city}.aid"), CITIES[city]["params"])


def day_back(offset: int) -> dt.date:
    """Counted back from the last day: hypothesis favours small numbers, and recent days are in force."""
    return LAST_DAY - dt.timedelta(days=offset)


@st.composite
def identities(draw, city: str) -> list[Identity]:
    rows = []
    for person in PERSONS:
        for _ in range(draw(st.integers(0, 2) if person == "p2" else st.integers(1, 2))):
            start = draw(st.just(0) | st.integers(0, SPAN))  # days after FIRST_DAY; often held throughout
            end = draw(st.none() | st.integers(start, SPAN))
            rows.append(Identity(person, draw(st.sampled_from(CITIES[city]["categories"])),
                                 FIRST_DAY + dt.timedelta(days=start),
                                 None if end is None else FIRST_DAY + dt.timedelta(days=end)))
    return rows


@st.composite
def claims(draw, city: str) -> list[Claim]:
    out = []
    for number in range(draw(st.integers(1, 12))):
        visit = draw(st.sampled_from(["inpatient", "chronic", "outpatient"]))
        discharge = day_back(draw(st.integers(0, SPAN)))
        stay = draw(st.integers(0, 30)) if visit == "inpatient" else 0
        cost = draw(st.integers(0, 200_000 * YUAN))
        basic = cost * draw(st.integers(0, 70)) // 100  # insurance leaves the patient a real share to aid
        critical = ((cost - basic) * draw(st.integers(0, 30)) // 100
                    if CITIES[city]["critical_given"](discharge) else None)
        out.append(Claim(
            claim_id=f"c{number:02d}", person_id=draw(st.sampled_from(PERSONS)), visit_type=visit,
            admission_date=discharge - dt.timedelta(days=stay), discharge_date=discharge, policy_scope_cost=cost,
            basic_paid=basic, critical_paid=critical, referred=draw(st.integers(0, 9)) < 8,
            in_province=draw(st.integers(0, 9)) < 8, row=number + 2))
    return out


def settle(city: str, claim_list: list[Claim], identity_list: list[Identity]) -> dict:
    errors: list = []
    results = interpreter(city).settle(claim_list, identity_list, {}, errors=errors)
    settled = {r.claim_id: r for r in results}
    settled.update({e.claim_id: ("rejected", e.reason_en) for e in errors})
    return settled


def cases(city: str, **more):
    return given(claim_list=claims(city), identity_list=identities(city), **more)


PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- amounts

def check_amounts(city: str, claim_list, identity_list) -> None:
    settled = settle(city, claim_list, identity_list)
    assert set(settled) == {c.claim_id for c in claim_list}  # nothing dropped
    by_id = {c.claim_id: c for c in claim_list}
    aid_used: dict = defaultdict(int)
    tilted_used: dict = defaultdict(int)
    config = CITIES[city]
    for claim_id, result in settled.items():
        if isinstance(result, tuple):
            continue
        claim = by_id[claim_id]
        owed = claim.policy_scope_cost - result.basic_paid - result.critical_paid
        assert result.aid_paid >= 0 and result.tilted_paid >= 0
        assert result.aid_paid + result.tilted_paid <= owed, (claim, result)
        assert result.self_pay >= 0, (claim, result)
        assert result.self_pay == owed - result.aid_paid - result.tilted_paid
        year = claim.discharge_date.year
        tilted_used[(claim.person_id, year)] += result.tilted_paid
        if claim.discharge_date < config["caps_from"]:
            continue
        for pool, (visits, _) in config["aid_caps"].items():
            if claim.visit_type in visits:
                aid_used[(claim.person_id, year, pool)] += result.aid_paid
    for (person, year, pool), paid in aid_used.items():
        assert paid <= config["aid_caps"][pool][1], (person, year, pool, paid)
    if config["tilted_cap"] is not None:
        assert all(paid <= config["tilted_cap"] for paid in tilted_used.values()), tilted_used


@PROPERTY
@cases("wuxi")
def test_wuxi_amounts_stay_within_what_is_owed_and_the_caps(claim_list, identity_list):
    check_amounts("wuxi", claim_list, identity_list)


@PROPERTY
@cases("mianyang")
def test_mianyang_amounts_stay_within_what_is_owed_and_the_caps(claim_list, identity_list):
    check_amounts("mianyang", claim_list, identity_list)


# ---------------------------------------------------------------- order and partition do not matter

def check_shuffle(city: str, claim_list, identity_list, seed: int) -> None:
    shuffled = list(claim_list)
    random.Random(seed).shuffle(shuffled)
    identities_shuffled = list(identity_list)
    random.Random(seed + 1).shuffle(identities_shuffled)
    assert settle(city, shuffled, identities_shuffled) == settle(city, claim_list, identity_list)


def check_split(city: str, claim_list, identity_list) -> None:
    together = settle(city, claim_list, identity_list)
    apart: dict = {}
    for person in PERSONS:
        apart.update(settle(city, [c for c in claim_list if c.person_id == person],
                            [i for i in identity_list if i.person_id == person]))
    assert apart == together


@PROPERTY
@cases("wuxi", seed=st.integers(0, 2**32))
def test_wuxi_shuffling_changes_nothing(claim_list, identity_list, seed):
    check_shuffle("wuxi", claim_list, identity_list, seed)


@PROPERTY
@cases("mianyang", seed=st.integers(0, 2**32))
def test_mianyang_shuffling_changes_nothing(claim_list, identity_list, seed):
    check_shuffle("mianyang", claim_list, identity_list, seed)


@PROPERTY
@cases("wuxi")
def test_wuxi_settling_persons_apart_changes_nothing(claim_list, identity_list):
    check_split("wuxi", claim_list, identity_list)


@PROPERTY
@cases("mianyang")
def test_mianyang_settling_persons_apart_changes_nothing(claim_list, identity_list):
    check_split("mianyang", claim_list, identity_list)
