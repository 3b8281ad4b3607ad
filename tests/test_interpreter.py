"""The interpreter against amounts worked out by hand from the documents (arithmetic in the comments).

Small policies written here exercise one construct each; the Wuxi policy is used for its document's rules.
The public API takes a checked policy; these tests build the parts it reads (`.policy`, `.symbols`)
straight from the parser so that they do not depend on every check passing.
"""

from __future__ import annotations

import datetime as dt
import random
import types
import typing
from fractions import Fraction
from pathlib import Path

import pytest

from aidlang.check.symbols import build_symbols
from aidlang.documents.explanation import explain
from aidlang.engines.interp.closures import COMPILERS, EXPRESSION_CLASSES
from aidlang.engines.interp.interpreter import ClaimError, Interpreter
from aidlang.frontend import nodes as n
from aidlang.frontend.parser import parse, parse_file
from aidlang.frontend.source import Source
from aidlang.records import Claim, Expenditure, Identity, Person
from aidlang.runtime import MissingParameter

D = dt.date
ROOT = Path(__file__).resolve().parent.parent
Y = 100  # fen per yuan


def checked_text(text: str):
    policy = parse(Source("test.aid", text))
    return types.SimpleNamespace(policy=policy, symbols=build_symbols(policy))


def checked_file(name: str):
    policy = parse_file(ROOT / "policies" / name)
    return types.SimpleNamespace(policy=policy, symbols=build_symbols(policy))


def claim(cid, pid, visit, day, cost, basic=0, critical=0, admission=None, **kw) -> Claim:
    """Amounts in yuan (ints or strings like '0.10'), turned to fen here."""
    def fen(x):
        return None if x is None else int(Fraction(str(x)) * 100)
    return Claim(cid, pid, visit, admission or day, day, fen(cost), fen(basic), fen(critical), **kw)


@pytest.fixture(scope="module")
def wuxi():
    return Interpreter(checked_file("wuxi.aid"))


def settle_one(interp, claims, identities, persons=None):
    return {r.claim_id: r for r in interp.settle(claims, identities, persons or {})}


# ---------------------------------------------------------------- Wuxi 四(六), 四(七), 四(八)

def test_wuxi_dibao_inpatient_85_percent(wuxi):
    # 四(六) 最低生活保障对象: no deductible, 85%. 20,000 after insurance → 20,000 × 85% = 17,000; self 3,000.
    # 四(七): burden 3,000 ≤ 6,000 → no tilted aid.
    r = settle_one(wuxi, [claim("c1", "p1", "inpatient", D(2023, 3, 10), 20000, admission=D(2023, 3, 1))],
                   [Identity("p1", "最低生活保障对象", D(2023, 1, 1), None)])["c1"]
    assert (r.aid_paid, r.tilted_paid, r.self_pay) == (17000 * Y, 0, 3000 * Y)
    assert (r.category, r.status, r.basis) == ("最低生活保障对象", "ok", "四(六)")


def test_wuxi_outpatient_cap_across_two_claims(wuxi):
    # 普通门诊 cap 10,000/year. o1: 8,000 × 85% = 6,800. o2: 8,000 × 85% = 6,800 asked, 10,000 − 6,800 = 3,200 left.
    # Tilted: burdens 1,200 then 4,800 → 6,000 in all, not above 6,000 → 0.
    # o3 next year: the cap starts again → 6,800.
    ids = [Identity("p1", "最低生活保障对象", D(2023, 1, 1), None)]
    claims = [claim("o1", "p1", "outpatient", D(2023, 2, 1), 8000),
              claim("o2", "p1", "outpatient", D(2023, 3, 1), 8000),
              claim("o3", "p1", "outpatient", D(2024, 1, 5), 8000)]
    r = settle_one(wuxi, claims, ids)
    assert r["o1"].aid_paid == 6800 * Y and r["o1"].self_pay == 1200 * Y
    assert r["o2"].aid_paid == 3200 * Y and r["o2"].tilted_paid == 0 and r["o2"].self_pay == 4800 * Y
    assert r["o3"].aid_paid == 6800 * Y


def test_wuxi_inpatient_cap_is_apart_from_outpatient(wuxi):
    # After the outpatient cap is used up (8,000 + 8,000 → 6,800 + 3,200), an inpatient stay still gets 85%:
    # 1,000 × 85% = 850 (the 300,000 慢特病和住院 cap is its own ledger).
    ids = [Identity("p1", "最低生活保障对象", D(2023, 1, 1), None)]
    claims = [claim("o1", "p1", "outpatient", D(2023, 2, 1), 8000),
              claim("o2", "p1", "outpatient", D(2023, 3, 1), 8000),
              claim("i1", "p1", "inpatient", D(2023, 4, 1), 1000)]
    assert settle_one(wuxi, claims, ids)["i1"].aid_paid == 850 * Y


def test_wuxi_tilted_60_percent_above_6000(wuxi):
    # 低保边缘家庭成员 70%: 30,000 → aid 21,000; burden 9,000; above 6,000: 3,000 × 60% = 1,800; self 7,200.
    ids = [Identity("p1", "低保边缘家庭成员", D(2023, 1, 1), None)]
    r = settle_one(wuxi, [claim("c1", "p1", "inpatient", D(2023, 5, 1), 30000)], ids)["c1"]
    assert (r.aid_paid, r.tilted_paid, r.self_pay) == (21000 * Y, 1800 * Y, 7200 * Y)
    assert r.basis == "四(六);四(七)"


def test_wuxi_tilted_needs_referral_but_aid_is_paid(wuxi):
    # Not referred: 四(七) does not apply (a condition without 否则 不予救助): aid 21,000 as above, tilted 0, ok.
    ids = [Identity("p1", "低保边缘家庭成员", D(2023, 1, 1), None)]
    r = settle_one(wuxi, [claim("c1", "p1", "inpatient", D(2023, 5, 1), 30000, referred=False)], ids)["c1"]
    assert (r.aid_paid, r.tilted_paid, r.self_pay, r.status) == (21000 * Y, 0, 9000 * Y, "ok")


def test_wuxi_highest_identity(wuxi):
    # 低保边缘家庭成员 (70%) and 特困人员 (100%) on 10,000: 7,000 + 0 tilted vs 10,000 → 特困人员.
    ids = [Identity("p1", "低保边缘家庭成员", D(2023, 1, 1), None), Identity("p1", "特困人员", D(2023, 1, 1), None)]
    r = settle_one(wuxi, [claim("c1", "p1", "inpatient", D(2023, 5, 1), 10000)], ids)["c1"]
    assert (r.category, r.aid_paid, r.self_pay) == ("特困人员", 10000 * Y, 0)
    assert r.basis == "四(六);四(八)"  # the identity clause because two categories were held


def test_wuxi_highest_tie_goes_to_declared_order(wuxi):
    # 最低生活保障对象 and 优抚对象 both pay 85%: 8,500 each; the 顺序 line lists 最低生活保障对象 first.
    ids = [Identity("p1", "优抚对象", D(2023, 1, 1), None), Identity("p1", "最低生活保障对象", D(2023, 1, 1), None)]
    r = settle_one(wuxi, [claim("c1", "p1", "inpatient", D(2023, 5, 1), 10000)], ids)["c1"]
    assert (r.category, r.aid_paid) == ("最低生活保障对象", 8500 * Y)


def test_wuxi_only_the_applied_category_moves_the_ledgers(wuxi):
    # Two outpatient claims of 8,000 with 特困人员 (100%) and 低保边缘 (70%) held: 特困 wins both times.
    # o1: 8,000 (cap 10,000). o2: 特困 would pay min(8,000, 2,000) = 2,000; 低保边缘 min(5,600, 2,000) = 2,000 —
    # the losing trial of o1 must not have spent any cap, or o2 would get less.
    ids = [Identity("p1", "特困人员", D(2023, 1, 1), None), Identity("p1", "低保边缘家庭成员", D(2023, 1, 1), None)]
    claims = [claim("o1", "p1", "outpatient", D(2023, 2, 1), 8000),
              claim("o2", "p1", "outpatient", D(2023, 3, 1), 8000)]
    r = settle_one(wuxi, claims, ids)
    assert r["o1"].aid_paid == 8000 * Y and r["o2"].aid_paid == 2000 * Y


def test_wuxi_lost_identity_holds_to_month_end(wuxi):
    # 丧失身份 次月起不再享受: held through 3月31日 when the identity ends on 3月10日.
    ids = [Identity("p1", "最低生活保障对象", D(2023, 1, 1), D(2023, 3, 10))]
    claims = [claim("a", "p1", "outpatient", D(2023, 3, 25), 100), claim("b", "p1", "outpatient", D(2023, 4, 1), 100)]
    r = settle_one(wuxi, claims, ids)
    assert (r["a"].status, r["a"].aid_paid) == ("ok", 85 * Y)  # 100 × 85%
    assert (r["b"].status, r["b"].aid_paid, r["b"].category) == ("no_category", 0, "")


def test_wuxi_stay_keeps_and_gains(wuxi):
    # A stay 3月20日–4月10日 keeps an identity lost on 3月5日 (held to 3月31日), and one gained on 4月8日.
    keep = [Identity("p1", "最低生活保障对象", D(2022, 1, 1), D(2023, 3, 5))]
    gain = [Identity("p1", "特困人员", D(2023, 4, 8), None)]
    stay = [claim("s", "p1", "inpatient", D(2023, 4, 10), 1000, admission=D(2023, 3, 20))]
    assert settle_one(wuxi, stay, keep)["s"].aid_paid == 850 * Y
    assert settle_one(wuxi, stay, gain)["s"].aid_paid == 1000 * Y


def test_wuxi_not_in_force_before_2023(wuxi):
    # 施行日期 2023-01-01: a claim discharged 2022-12-31 is not settled by this policy.
    r = settle_one(wuxi, [claim("c", "p1", "inpatient", D(2022, 12, 31), 1000, basic=600)],
                   [Identity("p1", "特困人员", D(2020, 1, 1), None)])["c"]
    assert (r.status, r.aid_paid, r.basic_paid, r.self_pay, r.category) == ("not_in_force", 0, 600 * Y, 400 * Y, "")


def test_wuxi_missing_basic_paid_is_a_claim_error(wuxi):
    # Wuxi defines no basic tier: a claim without basic_paid is rejected, the others are settled.
    ids = [Identity("p1", "特困人员", D(2023, 1, 1), None)]
    bad = Claim("bad", "p1", "inpatient", D(2023, 3, 1), D(2023, 3, 1), 100_000, None, 0)
    good = claim("good", "p1", "inpatient", D(2023, 3, 2), 1000)
    errors: list[ClaimError] = []
    results = wuxi.settle([bad, good], ids, {}, errors=errors)
    assert [r.claim_id for r in results] == ["good"] and results[0].aid_paid == 1000 * Y
    assert [e.claim_id for e in errors] == ["bad"] and "basic_paid" in errors[0].reason_en
    with pytest.raises(ClaimError):
        wuxi.settle([bad, good], ids, {})


def test_results_in_input_order_and_shuffle_invariant(wuxi):
    rnd = random.Random(7)
    cats = ["特困人员", "最低生活保障对象", "低保边缘家庭成员", "孤儿", "优抚对象"]
    ids = [Identity(f"p{i}", rnd.choice(cats), D(2023, 1, 1), rnd.choice([None, D(2023, 6, 15)])) for i in range(8)]
    ids += [Identity(f"p{i}", rnd.choice(cats), D(2023, 3, 1), None) for i in range(0, 8, 2)]
    claims = []
    for i in range(120):
        day = D(2023, 1, 1) + dt.timedelta(days=rnd.randrange(365))
        visit = rnd.choice(["outpatient", "chronic", "inpatient"])
        cost = rnd.randrange(1, 3_000_000)
        claims.append(Claim(f"c{i:03d}", f"p{rnd.randrange(8)}", visit, day - dt.timedelta(days=rnd.randrange(5)), day,
                            cost, cost * rnd.randrange(0, 60) // 100, 0, referred=rnd.random() < 0.8))
    first = wuxi.settle(claims, ids, {})
    assert [r.claim_id for r in first] == [c.claim_id for c in claims]
    shuffled = claims[:]
    rnd.shuffle(shuffled)
    again = {r.claim_id: r for r in wuxi.settle(shuffled, list(reversed(ids)), {})}
    assert all(again[r.claim_id] == r for r in first)


def test_wuxi_explain_names_clauses_and_amounts(wuxi):
    ids = [Identity("p1", "最低生活保障对象", D(2023, 1, 1), None)]
    claims = [claim("c1", "p1", "inpatient", D(2023, 3, 10), 20000, admission=D(2023, 3, 1))]
    steps = explain(wuxi, claims, ids, {}, "c1")
    texts = [s.text for s in steps]
    assert "四(六) 最低生活保障对象 救助比例85%：20,000.00 × 85% = 17,000.00元" in texts
    assert [s.number for s in steps] == list(range(1, len(steps) + 1))
    assert any(t.startswith("个人自付：") and t.endswith("= 3,000.00元") for t in texts)
    english = [s.text for s in explain(wuxi, claims, ids, {}, "c1", lang="en")]
    assert "四(六) 最低生活保障对象 aid ratio 85%: 20,000.00 × 85% = 17,000.00 yuan" in english


def test_explain_settles_earlier_claims_first(wuxi):
    # o2 sees the 6,800 that o1 spent of the 10,000 outpatient cap.
    ids = [Identity("p1", "最低生活保障对象", D(2023, 1, 1), None)]
    claims = [claim("o2", "p1", "outpatient", D(2023, 3, 1), 8000),
              claim("o1", "p1", "outpatient", D(2023, 2, 1), 8000)]
    texts = [s.text for s in explain(wuxi, claims, ids, {}, "o2")]
    assert any("本年已支付 6,800.00元，剩余 3,200.00元" in t for t in texts)


# ---------------------------------------------------------------- constructs, one small policy each

HEADER = '政策 demo "示例" { 施行日期 2023-01-01 有效期 5年 依据 "末" }\n'


def test_rounding_half_up_at_half_a_fen():
    interp = Interpreter(checked_text(HEADER + '''
类别 甲 依据 "一"
待遇 医疗救助 aid "医疗救助" { 对 甲: 比例 85% 依据 "二" }
'''))
    # 0.10元 × 85% = 0.085元 = 8.5 fen → 9 fen; 0.30元 × 85% = 25.5 fen → 26 fen
    ids = [Identity("p", "甲", D(2023, 1, 1), None)]
    r = settle_one(interp, [claim("a", "p", "outpatient", D(2023, 2, 1), "0.10"),
                            claim("b", "p", "outpatient", D(2023, 2, 2), "0.30")], ids)
    assert r["a"].aid_paid == 9 and r["a"].self_pay == 1
    assert r["b"].aid_paid == 26


CRITICAL = HEADER + '''
参数 income "上年收入": 金额 另行发布 依据 "P"
类别 甲 依据 "一"
类别 乙 依据 "一"
费用池 住院池 = chronic, inpatient 共用 起付标准, 限额 依据 "池"
待遇 大病保险 crit "大病保险" {
  适用 住院池
  对 全体参保人员: 起付标准 50% × income 比例 60% 限额 无 依据 "三"
  对 甲: 起付标准 降低 50% 比例 提高 5个百分点 依据 "三甲"
}
待遇 医疗救助 aid "医疗救助" {
  适用 住院池
  对 乙: 起付标准 10% × income 比例 50% 限额 3万元 依据 "五"
}
'''


def test_critical_tier_with_relative_settings():
    interp = Interpreter(checked_text(CRITICAL), {"income": 40_000 * Y})
    ids = [Identity("p", "甲", D(2023, 1, 1), None)]
    # 甲: deductible 50% × 40,000 = 20,000, reduced by 50% → 10,000; ratio 60% + 5pp = 65%.
    # c1: base 50,000 − 20,000 = 30,000; above 10,000: 20,000 × 65% = 13,000.
    # c2 (chronic, same pool and deductible): base 10,000 − 4,000 = 6,000, all above → 3,900.
    claims = [Claim("c1", "p", "inpatient", D(2023, 3, 1), D(2023, 3, 9), 50_000 * Y, 20_000 * Y),
              Claim("c2", "p", "chronic", D(2023, 4, 1), D(2023, 4, 1), 10_000 * Y, 4_000 * Y)]
    r = settle_one(interp, claims, ids)
    assert (r["c1"].critical_paid, r["c2"].critical_paid) == (13_000 * Y, 3_900 * Y)
    assert r["c1"].basis == "三;三甲"


def test_critical_for_everyone_and_aid_deductible_shared_in_pool():
    interp = Interpreter(checked_text(CRITICAL), {"income": 40_000 * Y})
    ids = [Identity("p", "乙", D(2023, 1, 1), None)]
    # 乙 gets the general critical rule: deductible 20,000, 60%.
    # c1: cost 30,000, basic 12,000 → critical base 18,000 < 20,000 → 0.
    #     aid base 30,000 − 12,000 − 0 = 18,000; aid deductible 10% × 40,000 = 4,000 → 14,000 × 50% = 7,000.
    # c2 (chronic, shares both deductibles): critical base 10,000 − 2,000 = 8,000; earlier 18,000:
    #     max(0, 26,000 − 20,000) − max(0, 18,000 − 20,000) = 6,000 × 60% = 3,600.
    #     aid base 10,000 − 2,000 − 3,600 = 4,400, all above → 2,200.
    claims = [Claim("c1", "p", "inpatient", D(2023, 3, 1), D(2023, 3, 9), 30_000 * Y, 12_000 * Y),
              Claim("c2", "p", "chronic", D(2023, 4, 1), D(2023, 4, 1), 10_000 * Y, 2_000 * Y)]
    r = settle_one(interp, claims, ids)
    assert (r["c1"].critical_paid, r["c1"].aid_paid) == (0, 7_000 * Y)
    assert (r["c2"].critical_paid, r["c2"].aid_paid) == (3_600 * Y, 2_200 * Y)
    # a person with no category: critical insurance for everyone is still computed, aid is not
    r = settle_one(interp, [Claim("x", "q", "inpatient", D(2023, 3, 1), D(2023, 3, 1), 30_000 * Y, 0)], [])["x"]
    # critical base 30,000, above 20,000: 10,000 × 60% = 6,000
    assert (r.status, r.critical_paid, r.aid_paid, r.category) == ("no_category", 6_000 * Y, 0, "")


def test_missing_parameter_names_it():
    interp = Interpreter(checked_text(CRITICAL))
    with pytest.raises(MissingParameter) as caught:
        interp.settle([Claim("c", "p", "inpatient", D(2023, 3, 1), D(2023, 3, 1), 100, 0)],
                      [Identity("p", "甲", D(2023, 1, 1), None)], {})
    assert caught.value.name == "income" and "income" in caught.value.zh


def test_parameter_by_date_and_override():
    text = HEADER + '''
参数 rate_p "比例": 比率 = 50%, 60% 自 2023-07-01 依据 "P"
类别 甲 依据 "一"
待遇 医疗救助 aid "医疗救助" { 对 甲: 比例 rate_p 依据 "二" }
'''
    ids = [Identity("p", "甲", D(2023, 1, 1), None)]
    claims = [claim("a", "p", "outpatient", D(2023, 6, 30), 1000), claim("b", "p", "outpatient", D(2023, 7, 1), 1000)]
    r = settle_one(Interpreter(checked_text(text)), claims, ids)
    assert (r["a"].aid_paid, r["b"].aid_paid) == (500 * Y, 600 * Y)  # 1,000 × 50%, then × 60%
    r = settle_one(Interpreter(checked_text(text), {"rate_p": Fraction(7, 10)}), claims, ids)
    assert (r["a"].aid_paid, r["b"].aid_paid) == (700 * Y, 700 * Y)  # --param wins on every date


GATED = HEADER + '''
类别 甲 依据 "一"
费用池 住院池 = chronic, inpatient 共用 限额 依据 "池"
待遇 医疗救助 aid "医疗救助" {
  适用 住院池
  条件 转诊 否则 不予救助 依据 "八"
  对 甲: 比例 50% 依据 "五"
}
待遇 倾斜救助 tilt "倾斜救助" {
  适用 住院池
  对 甲: 超过 1000元 比例 50% 依据 "七"
}
'''


def test_not_covered_condition_stops_aid_and_tilted():
    interp = Interpreter(checked_text(GATED))
    ids = [Identity("p", "甲", D(2023, 1, 1), None)]
    r = settle_one(interp, [claim("c", "p", "inpatient", D(2023, 3, 1), 10000, referred=False)], ids)["c"]
    assert (r.status, r.aid_paid, r.tilted_paid, r.self_pay, r.basis) == ("not_covered", 0, 0, 10000 * Y, "八")
    # referred: aid 10,000 × 50% = 5,000; burden 5,000, above 1,000: 4,000 × 50% = 2,000; self 3,000
    r = settle_one(interp, [claim("c", "p", "inpatient", D(2023, 3, 1), 10000)], ids)["c"]
    assert (r.status, r.aid_paid, r.tilted_paid, r.self_pay, r.basis) == ("ok", 5000 * Y, 2000 * Y, 3000 * Y, "五;七")


def test_visit_type_outside_every_aid_pool_is_not_covered():
    interp = Interpreter(checked_text(GATED))
    ids = [Identity("p", "甲", D(2023, 1, 1), None)]
    r = settle_one(interp, [claim("c", "p", "outpatient", D(2023, 3, 1), 100)], ids)["c"]
    assert (r.status, r.aid_paid, r.self_pay) == ("not_covered", 0, 100 * Y)


def test_first_applicable_tier_of_a_kind_is_used():
    text = HEADER + '''
类别 甲 依据 "一"
目录 大病 = "白血病", "尘肺" 依据 "目录"
待遇 医疗救助 major "重特大疾病救助" {
  条件 病种 在 大病 依据 "3(1)"
  对 甲: 比例 85% 限额 14万元 依据 "3(2)"
}
待遇 医疗救助 ordinary "普通疾病救助" {
  对 甲: 比例 70% 限额 3万元 依据 "2(1)"
}
'''
    interp = Interpreter(checked_text(text))
    ids = [Identity("p", "甲", D(2023, 1, 1), None)]
    claims = [claim("m", "p", "inpatient", D(2023, 3, 1), 10000, disease="白血病"),
              claim("o", "p", "inpatient", D(2023, 4, 1), 10000, disease="阑尾炎"),
              claim("o2", "p", "inpatient", D(2023, 5, 1), 40000)]
    r = settle_one(interp, claims, ids)
    assert (r["m"].aid_paid, r["m"].basis) == (8500 * Y, "3(2)")  # 10,000 × 85%
    assert (r["o"].aid_paid, r["o"].basis) == (7000 * Y, "2(1)")  # 10,000 × 70%
    # the ordinary cap is its own: 40,000 × 70% = 28,000, 30,000 − 7,000 = 23,000 left → 23,000
    assert r["o2"].aid_paid == 23000 * Y


def test_stay_rule_modes():
    keeps = HEADER + '''
类别 甲 依据 "一"
身份规则 { 住院期间 保留原类别 依据 "四" }
待遇 医疗救助 aid "医疗救助" { 对 甲: 比例 50% 依据 "二" }
'''
    gains = keeps.replace("保留原类别", "取得新类别")
    lost = [Identity("p", "甲", D(2022, 1, 1), D(2023, 3, 31))]  # no month_end: held through 3月31日
    new = [Identity("p", "甲", D(2023, 4, 5), None)]
    stay = [claim("s", "p", "inpatient", D(2023, 4, 10), 1000, admission=D(2023, 3, 28))]
    # only 保留原类别: the admission day decides
    assert settle_one(Interpreter(checked_text(keeps)), stay, lost)["s"].aid_paid == 500 * Y
    assert settle_one(Interpreter(checked_text(keeps)), stay, new)["s"].status == "no_category"
    # only 取得新类别: the discharge day decides
    assert settle_one(Interpreter(checked_text(gains)), stay, lost)["s"].status == "no_category"
    assert settle_one(Interpreter(checked_text(gains)), stay, new)["s"].aid_paid == 500 * Y


def test_without_highest_the_declared_order_decides():
    text = HEADER + '''
类别 低 依据 "一"
类别 高 依据 "一"
待遇 医疗救助 aid "医疗救助" { 对 低: 比例 50% 依据 "二" 对 高: 比例 90% 依据 "二" }
'''
    ids = [Identity("p", "高", D(2023, 1, 1), None), Identity("p", "低", D(2023, 1, 1), None)]
    r = settle_one(Interpreter(checked_text(text)), [claim("c", "p", "inpatient", D(2023, 3, 1), 1000)], ids)["c"]
    assert (r.category, r.aid_paid) == ("低", 500 * Y)  # 低 is declared first; 就高 is not declared
    highest = text.replace('类别 低 依据 "一"', '身份规则 { 多重身份 就高 依据 "八" }\n类别 低 依据 "一"')
    r = settle_one(Interpreter(checked_text(highest)),
                   [claim("c", "p", "inpatient", D(2023, 3, 1), 1000)], ids)["c"]
    assert (r.category, r.aid_paid, r.basis) == ("高", 900 * Y, "二;八")


def test_kind_specificity_and_groups():
    text = HEADER + '''
类别 儿童 "困境儿童" 依据 "一"
类别 孤儿 属于 儿童 依据 "一"
类别 其他 依据 "一"
群组 全额 = 儿童, 其他 依据 "三"
待遇 医疗救助 aid "医疗救助" {
  对 全体救助对象: 限额 1000元 依据 "总"
  对 全额: 比例 60% 依据 "组"
  对 儿童: 比例 70% 依据 "父"
  对 孤儿: 比例 100% 依据 "子"
}
'''
    interp = Interpreter(checked_text(text))
    day = D(2023, 3, 1)
    # 孤儿 (itself, 3) beats 儿童 (its parent, 2) beats the group (1); the cap comes from 全体救助对象 (0).
    r = settle_one(interp, [claim("a", "p1", "inpatient", day, 100), claim("b", "p2", "inpatient", day, 100),
                            claim("c", "p3", "inpatient", day, 5000)],
                   [Identity("p1", "孤儿", D(2023, 1, 1), None), Identity("p2", "困境儿童", D(2023, 1, 1), None),
                    Identity("p3", "其他", D(2023, 1, 1), None)])
    assert (r["a"].aid_paid, r["a"].basis, r["a"].category) == (100 * Y, "总;子", "孤儿")
    assert (r["b"].aid_paid, r["b"].category) == (70 * Y, "困境儿童")
    assert r["c"].aid_paid == 1000 * Y  # 5,000 × 60% = 3,000, capped at 1,000


def test_retroactive_provision_and_data_given_before_the_tier_is_in_force():
    text = '政策 demo "示例" { 施行日期 2023-01-01 依据 "末" }\n' + '''
条款 追溯 自 2022-09-01 追溯执行 依据 "末"
类别 甲 依据 "一"
类别 乙 依据 "一"
待遇 大病保险 crit "大病保险" { 对 全体参保人员: 比例 50% 依据 "三" }
待遇 医疗救助 aid "医疗救助" {
  对 甲 期间 追溯: 比例 100% 依据 "五"
  对 乙: 比例 70% 依据 "五"
}
'''
    interp = Interpreter(checked_text(text))
    ids = [Identity("p", "甲", D(2022, 1, 1), None), Identity("q", "乙", D(2022, 1, 1), None)]
    # 2022-10: only the 追溯 provision is in force: 甲 gets 100%, 乙 nothing (but ok: a period covers the date);
    # the critical tier is not in force, so the data must give critical_paid.
    r = settle_one(interp, [claim("a", "p", "inpatient", D(2022, 10, 1), 1000, critical=0),
                            claim("b", "q", "inpatient", D(2022, 10, 1), 1000, critical=0)], ids)
    assert (r["a"].aid_paid, r["b"].aid_paid, r["b"].status) == (1000 * Y, 0, "ok")
    errors: list[ClaimError] = []
    interp.settle([Claim("c", "p", "inpatient", D(2022, 10, 1), D(2022, 10, 1), 100, 0, None)], ids, {}, errors)
    assert errors and "critical_paid" in errors[0].reason_en
    # 2022-08: in no period at all
    assert settle_one(interp, [claim("d", "p", "inpatient", D(2022, 8, 31), 1000, critical=0)], ids)["d"].status \
        == "not_in_force"
    # 2023: critical computed, 1,000 × 50% = 500; aid for 乙 on the rest: 500 × 70% = 350
    r = settle_one(interp, [claim("e", "q", "inpatient", D(2023, 2, 1), 1000, critical=None)], ids)["e"]
    assert (r.critical_paid, r.aid_paid) == (500 * Y, 350 * Y)


def test_year_self_paid_in_a_condition():
    text = HEADER + '''
类别 甲 依据 "一"
待遇 医疗救助 aid "医疗救助" {
  对 甲 条件 年度累计自付(inpatient) > 家庭年收入 × 70%: 比例 50% 依据 "三"
}
'''
    interp = Interpreter(checked_text(text))
    ids = [Identity("p", "甲", D(2023, 1, 1), None)]
    persons = {"p": Person("p", family_annual_income=10_000 * Y)}
    # 70% × 10,000 = 7,000. c1: self-paid 6,000 (10,000 − 4,000) → not above → 0.
    # c2: 6,000 + 3,000 = 9,000 > 7,000 → 5,000 − 2,000 = 3,000 × 50% = 1,500. An outpatient claim never counts.
    claims = [claim("c1", "p", "inpatient", D(2023, 2, 1), 10000, basic=4000),
              claim("o", "p", "outpatient", D(2023, 2, 2), 5000),
              claim("c2", "p", "inpatient", D(2023, 3, 1), 5000, basic=2000)]
    r = settle_one(interp, claims, ids, persons)
    assert (r["c1"].aid_paid, r["o"].aid_paid, r["c2"].aid_paid) == (0, 0, 1500 * Y)


# ---------------------------------------------------------------- annual, funds, monitor

def test_annual_highest_grant_and_due_date():
    text = HEADER + '''
类别 低保 依据 "一"
年度待遇 门诊救助金 "门诊救助金" 依据 "2(2)" {
  对 低保 条件 低保类别 = "A": 金额 800元 依据 "2(2)A"
  对 低保 条件 (性别 = "男" 且 年龄 >= 60岁) 或 (性别 = "女" 且 年龄 >= 55岁): 金额 300元 依据 "2(2)老"
  对 低保 条件 残疾等级 <= 3: 金额 400元 依据 "2(2)残"
  按最高标准 依据 "2(2)"
  发放日期 9月30日
}
'''
    interp = Interpreter(checked_text(text))
    ids = [Identity(p, "低保", D(2020, 1, 1), None) for p in ("a", "b", "c", "d")]
    persons = {"a": Person("a", gender="女", birth_date=D(1960, 1, 1), dibao_class="A"),  # A and 55+: 800
               "b": Person("b", gender="男", birth_date=D(1963, 9, 30), disability_grade=2),  # 60 on 9-30: 400 > 300
               "c": Person("c", gender="男", birth_date=D(1963, 10, 1)),  # 59 on the due date: nothing
               "d": Person("d", gender="女", birth_date=D(1990, 1, 1), dibao_class="B", disability_grade=4)}
    rows = {r.person_id: r for r in interp.annual(2023, ids, persons)}
    assert set(rows) == {"a", "b"}
    assert (rows["a"].amount, rows["a"].due, rows["a"].benefit, rows["a"].basis) == (800 * Y, D(2023, 9, 30),
                                                                                       "门诊救助金", "2(2)A")
    assert rows["b"].amount == 400 * Y


def test_annual_share_of_a_base_not_published():
    rows = Interpreter(checked_file("wuxi.aid")).annual(2023, [Identity("p", "特困人员", D(2023, 6, 1), None)], {})
    # 三(二): 全额资助 100% of the contribution standard, which the document does not give → empty amount
    assert [(r.person_id, r.benefit, r.amount) for r in rows] == [("p", "资助参保", None)]


FUND = '政策 demo "示例" { 施行日期 2022-01-01 有效期 5年 依据 "末" }\n' + '''
基金管理 服务 "服务与资金" {
  输入 aid_expenditure "医疗救助支出"
  款项 service_fee = 较小值(4% × aid_expenditure[当年 - 1], 40万元) 截止日期 12月31日 依据 "2"
  款项 aid_advance = 50% × aid_expenditure[当年 - 1] 截止日期 3月31日 依据 "3"
  款项 aid_advance = 40% × aid_expenditure[当年 - 1] 截止日期 9月30日 依据 "3"
  款项 service_fee_advance = 80% × service_fee[当年 - 2] 截止日期 6月30日 依据 "4"
  款项 service_fee_settlement = service_fee[当年 - 1] - service_fee_advance[当年 - 1] 截止日期 6月30日 + 20天 依据 "4"
  核查 fee_cap "服务费上限": service_fee <= 40万元 依据 "2"
}
'''


def test_fund_schedule():
    interp = Interpreter(checked_text(FUND))
    rows = interp.funds([Expenditure("A县", 2021, 12_000_000 * Y), Expenditure("A县", 2022, 5_000_000 * Y)])
    got = [(r.year, r.item, r.due, r.amount) for r in rows]
    # 2022: fee min(4% × 12,000,000 = 480,000, 400,000) = 400,000; advances 50% / 40% of 12,000,000
    # 2023: fee 4% × 5,000,000 = 200,000; advances 2,500,000 / 2,000,000; fee advance 80% × fee(2021)?
    #       fee(2021) needs 2020's figure, which is missing → no 2023 fee advance; fee settlement 2023 needs the
    #       2022 fee advance, which needs fee(2020) → missing too.
    # 2024: fee advance 80% × fee(2022) = 320,000 (due 6-30); settlement fee(2023) − advance(2023) → missing.
    # 2025: fee advance 80% × fee(2023) = 160,000; settlement fee(2024) needs 2023's figure → missing.
    assert got == [
        (2022, "aid_advance", D(2022, 3, 31), 6_000_000 * Y),
        (2022, "aid_advance", D(2022, 9, 30), 4_800_000 * Y),
        (2022, "service_fee", D(2022, 12, 31), 400_000 * Y),
        (2023, "aid_advance", D(2023, 3, 31), 2_500_000 * Y),
        (2023, "aid_advance", D(2023, 9, 30), 2_000_000 * Y),
        (2023, "service_fee", D(2023, 12, 31), 200_000 * Y),
        (2024, "service_fee_advance", D(2024, 6, 30), 320_000 * Y),
        (2025, "service_fee_advance", D(2025, 6, 30), 160_000 * Y),
    ]
    assert interp.fund_check_failures([Expenditure("A县", 2021, 12_000_000 * Y)]) == []


def test_fund_settlement_item_refers_to_items_of_other_years():
    interp = Interpreter(checked_text(FUND))
    figures = [Expenditure("B区", y, v * Y) for y, v in ((2019, 1_000_000), (2020, 2_000_000), (2021, 3_000_000))]
    rows = {(r.year, r.item): r for r in interp.funds(figures)}
    # fee(2020) = 4% × 1,000,000 = 40,000; fee(2021) = 80,000; fee(2022) = 120,000
    # 2022 fee advance = 80% × fee(2020) = 32,000; 2023 fee advance = 80% × fee(2021) = 64,000
    # 2023 settlement = fee(2022) − advance(2022) = 120,000 − 32,000 = 88,000, due 6-30 + 20 days = 7-20
    assert rows[(2022, "service_fee_advance")].amount == 32_000 * Y
    assert rows[(2023, "service_fee_settlement")].amount == 88_000 * Y
    assert rows[(2023, "service_fee_settlement")].due == D(2023, 7, 20)
    assert (2021, "service_fee") not in rows  # before the policy's period


def test_monitor_list():
    text = HEADER + '''
参数 income "上年收入": 金额 另行发布 依据 "P"
类别 甲 依据 "一"
待遇 大病保险 crit "大病保险" { 对 全体参保人员: 起付标准 20000元 比例 50% 依据 "三" }
待遇 医疗救助 aid "医疗救助" { 对 甲: 比例 50% 限额 aid_cap 依据 "五" }
参数 aid_cap "救助限额": 金额 另行发布 依据 "五"
监测 返贫 "监测" 依据 "七" {
  金额 年度累计自付()
  监测标准 50% × income
  推送 次月 10日
}
'''
    interp = Interpreter(checked_text(text), {"income": 40_000 * Y})  # aid_cap not needed for monitoring
    # critical insurance computed (critical=None): one ledger for every visit type (no 适用)
    claims = [claim("a", "p", "inpatient", D(2023, 2, 1), 30000, basic=8000, critical=None),  # (22,000 − 20,000) × 50%
              claim("b", "p", "outpatient", D(2023, 3, 31), 500, critical=None),  # above the deductible: 250
              claim("c", "p", "outpatient", D(2023, 4, 1), 9000, critical=None),  # after March: not counted
              claim("d", "q", "inpatient", D(2023, 3, 1), 20000, basic=1000, critical=None)]  # 19,000 < 20,000
    rows = interp.monitor(claims, (2023, 3))
    # threshold 50% × 40,000 = 20,000. p: (30,000 − 8,000 − 1,000) + (500 − 0 − 250) = 21,250 > 20,000.
    # q: 20,000 − 1,000 − 0 = 19,000 → not listed.
    assert [(r.person_id, r.cumulative_self_paid, r.threshold, r.push_by, r.basis) for r in rows] == [
        ("p", 21_250 * Y, 20_000 * Y, D(2023, 4, 10), "七")]


# ---------------------------------------------------------------- expressions

def test_every_expression_class_has_a_compiler():
    assert set(EXPRESSION_CLASSES) <= set(COMPILERS)
    assert set(typing.get_args(n.Expr)) == set(EXPRESSION_CLASSES)


def test_generated_functions_equal_the_closures():
    """One plan, two lowerings: the interpreter's closures and the compiled module's functions give the same
    value for the same expression of the same step, on every claim of a grid."""
    from aidlang.engines.compiled.codegen import render
    from aidlang.engines.compiled.loader import module_from_source
    from aidlang.runtime import ClaimEnv

    text = HEADER + '''
类别 甲 依据 "一"
待遇 医疗救助 aid "医疗救助" {
  基数 政策范围内费用 - 基本医保支付 - 大病保险支付
  条件 转诊 且 (省内 或 非 就诊方式 = "住院") 且 政策范围内费用 * 2 >= 10元 + 基本医保支付
  对 甲: 比例 50% 依据 "二"
}
'''
    checked = checked_text(text)
    interp = Interpreter(checked)
    module = module_from_source(render(checked), "policy_under_test")
    for visit in ("outpatient", "inpatient"):
        key = next(k for k in interp.plan.routes if k[0] == "甲" and k[1] == visit)
        closures, functions = interp.plan.routes[key].aid[0], module.PLAN.routes[key].aid[0]
        pairs = [(closures.base, functions.base), (closures.conditions[0].test, functions.conditions[0].test)]
        for referred in (True, False):
            for in_province in (True, False):
                for cost, basic in ((0, 0), (499, 1), (1000, 2000), (2_000_000, 1_000)):
                    env = ClaimEnv(interp.plan, interp.parameters)
                    env.claim = Claim("c", "p", visit, D(2023, 1, 1), D(2023, 1, 1), cost, basic, 0,
                                      referred=referred, in_province=in_province)
                    env.date, env.basic, env.critical = D(2023, 1, 1), basic, 7
                    for closure, function in pairs:
                        assert closure(env) == function(env)


def test_money_expressions_round_at_the_root():
    checked = checked_text(HEADER + '参数 x "x": 金额 = 40001.10元 依据 "P"\n参数 y "y": 金额 = 5% × x 依据 "P"\n')
    # 5% × 40,001.10 = 2,000.055元 → 2,000.06元 (200,005.5 fen → 200,006)
    assert Interpreter(checked).param("y", D(2023, 1, 1)) == 200_006


# ---------------------------------------------------------------- the tests inside a policy

def test_policy_test_failures_point_at_the_expectation():
    from aidlang.policy_tests import run_policy_tests

    text = HEADER + '''
类别 甲 依据 "一"
待遇 医疗救助 aid "医疗救助" { 对 甲: 比例 85% 依据 "二" }
测试 好 "85%" {
  身份 p1 甲 2023-01-01 ..
  就诊 c1 p1 inpatient 2023-03-01 .. 2023-03-10 费用 20000元 基本医保支付 0元 大病保险支付 0元
  # 20,000 × 85% = 17,000
  预期 c1 医疗救助支付 17000元 个人自付 3000元 状态 ok 类别 甲 依据 "二"
}
测试 坏 "错一分" {
  身份 p1 甲 2023-01-01 ..
  就诊 c1 p1 inpatient 2023-03-01 .. 2023-03-10 费用 20000元 基本医保支付 0元 大病保险支付 0元
  预期 c1 医疗救助支付 17000.01元
}
'''
    good, bad = run_policy_tests(checked_text(text))
    assert good.passed and good.checks == 5
    assert not bad.passed and len(bad.failures) == 1
    failure = bad.failures[0]
    assert failure.span.line == text.splitlines().index("  预期 c1 医疗救助支付 17000.01元") + 1
    assert (failure.expected, failure.actual) == ("17000.01元", "17000.00元")
    assert any("20,000.00 × 85% = 17,000.00元" in step.text for step in failure.trace)
