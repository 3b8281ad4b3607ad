"""Issue 16: `aidlang check` reports what a policy would pay wrongly without any error — each kind of finding
with a small policy that triggers it and one that does not; a counterexample claim that `aidlang explain`
replays to the amount the finding states; `忽略 CODE "理由"`; `--strict`; `--today`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aidlang.cli import main

ROOT = Path(__file__).resolve().parent.parent
HEADER = """政策 an "分析测试" {
  发布机关 "某市医疗保障局"
  施行日期 2026-01-01
  依据 "一"
}
"""
TWO_CATEGORIES = """类别 特困人员 依据 "一"
类别 低保对象 依据 "一"
就诊类型 住院 依据 "一"
费用池 住院费用 = 住院 依据 "一"
"""
IDENTITY = """身份规则 {
  多重身份 就高 依据 "一"
}
"""


def policy(tmp_path, body: str, header: str = HEADER):
    path = tmp_path / "an.aid"
    path.write_text(header + body, encoding="utf-8")
    return str(path)


def check(capsys, *args: str) -> tuple[int, str]:
    code = main(["check", *args])
    return code, capsys.readouterr().err


def tier(rules: str) -> str:
    return '待遇 医疗救助 a "医疗救助" 依据 "二" {\n  适用 住院费用\n' + rules + "}\n"


# ---------------------------------------------------------------- A101 gaps, with a counterexample

def test_a_category_no_rule_pays_is_a_gap_whose_counterexample_explain_replays(tmp_path, capsys):
    path = policy(tmp_path, TWO_CATEGORIES + IDENTITY + tier('  对 特困人员: 比例 100% 依据 "二"\n'))
    out = tmp_path / "examples"
    code, err = check(capsys, path, "--counterexamples", str(out))
    assert code == 0  # a warning, not an error
    assert "an.aid:7:1: 警告 A101: 类别“低保对象”在住院就诊没有任何医疗救助规则给出比例（2026-01-01 起）" in err
    assert ("反例：就诊 A101-1（inpatient，2026-01-01，政策范围内费用 1,000.00元，身份 低保对象）医疗救助支付 0.00元"
            in err)
    claims, identities = out / "an" / "claims.csv", out / "an" / "identities.csv"
    assert identities.read_text(encoding="utf-8") == "person_id,category,start,end\nA101-P1,低保对象,2026-01-01,\n"
    # the replay: the claim holds 低保对象, the tier lists no ratio for it — aid 0, self-pay the whole 1,000
    assert main(["explain", path, "--claims", str(claims), "--identities", str(identities), "--claim", "A101-1"]) == 0
    explained = capsys.readouterr().out
    assert "身份：低保对象" in explained
    assert "个人自付：1,000.00 − 0.00 − 0.00 − 0.00 − 0.00 = 1,000.00元" in explained


def test_every_category_paid_is_no_gap(tmp_path, capsys):
    path = policy(tmp_path, TWO_CATEGORIES + IDENTITY + tier('  对 全体救助对象: 比例 60% 依据 "二"\n'))
    assert check(capsys, path, "--strict") == (0, "")


# ---------------------------------------------------------------- A102 a setting adjusted, given by no rule

UNSET = """类别 甲类 依据 "二"
条款 追溯期 "追溯" 自 2025-09-01 至 2026-12-31 追溯执行 依据 "末"
就诊类型 住院 依据 "池"
待遇 医疗救助 救助 "医疗救助" 依据 "救" {
  对 全体救助对象: 比例 50% 限额 1万元 依据 "救"
  对 甲类 期间 追溯期: 比例 100% 限额 降低 50% 依据 "救(甲)"
}
"""


def test_a_setting_adjusted_where_no_rule_gives_it_is_found_before_any_claim(tmp_path, capsys):
    # the cap rule is in force from 2026-01-01 only; the retroactive provision halves it from 2025-09-01
    code, err = check(capsys, policy(tmp_path, UNSET))
    assert code == 0
    assert "警告 A102: 待遇“医疗救助”的规则调整限额，但 2025-09-01 没有施行中的规则给出它（类别 甲类）" in err
    assert check(capsys, policy(tmp_path, UNSET.replace("自 2025-09-01", "自 2026-01-01")), "--strict") == (0, "")


# ---------------------------------------------------------------- A301 priority

def test_several_categories_and_no_identity_rule(tmp_path, capsys):
    rules = '  对 特困人员: 比例 100% 依据 "二"\n  对 低保对象: 比例 70% 依据 "二"\n'
    code, err = check(capsys, policy(tmp_path, TWO_CATEGORIES + tier(rules)), "--strict")
    assert code == 1  # --strict: a warning fails the check
    assert ("an.aid:6:1: 警告 A301: 声明了多个类别但没有 身份规则：同时具有“特困人员”和“低保对象”的人按声明顺序取"
            "“特困人员”" in err)
    assert "7 个" not in err and "1 个政策文件检查通过，1 个警告（--strict：不通过）" in err
    assert check(capsys, policy(tmp_path, TWO_CATEGORIES + IDENTITY + tier(rules)), "--strict") == (0, "")


def test_a_finding_acknowledged_in_the_source_is_not_reported_and_the_table_gives_the_reason(tmp_path, capsys):
    rules = '  对 特困人员: 比例 100% 依据 "二"\n  对 低保对象: 比例 70% 依据 "二"\n'
    path = policy(tmp_path, TWO_CATEGORIES + tier(rules) + '忽略 A301 "文件未规定多重身份：按声明顺序取第一个"\n')
    code, err = check(capsys, path, "--strict")
    assert code == 0 and "警告" not in err
    assert "an.aid:6:1: 已忽略 A301: 声明了多个类别但没有 身份规则" in err
    assert "（理由：文件未规定多重身份：按声明顺序取第一个）" in err
    assert main(["compile", path, "--out", str(tmp_path / "generated")]) == 0
    table = (tmp_path / "generated" / "an.md").read_text(encoding="utf-8")
    assert "- 编码说明：文件未规定多重身份：按声明顺序取第一个（A301）" in table


def test_ignore_takes_a_findings_code(tmp_path, capsys):
    path = policy(tmp_path, TWO_CATEGORIES + IDENTITY + tier('  对 全体救助对象: 比例 60% 依据 "二"\n')
                  + '忽略 A999 "没有这个代码"\n')
    code, err = check(capsys, path)
    assert code == 1
    assert "an.aid:17:4: 错误 E125: 忽略 后应写检查发现的代码（如 A101），“A999”不是" in err


# ---------------------------------------------------------------- A401, A402 money

def test_a_ratio_of_nothing_and_a_cap_below_the_deductible(tmp_path, capsys):
    body = TWO_CATEGORIES + IDENTITY + tier('  对 特困人员: 比例 0% 依据 "二"\n'
                                            '  对 低保对象: 起付标准 1000元 比例 60% 限额 500元 依据 "二"\n')
    code, err = check(capsys, policy(tmp_path, body))
    assert code == 0
    assert "警告 A401: 待遇“医疗救助”给类别“特困人员”的比例为 0%（2026-01-01）" in err
    assert "警告 A402: 待遇“医疗救助”给类别“低保对象”的年度限额 500.00元 低于起付标准 1000.00元（2026-01-01）" in err
    sane = body.replace("比例 0%", "比例 90%").replace("限额 500元", "限额 5000元")
    assert check(capsys, policy(tmp_path, sane), "--strict") == (0, "")


# ---------------------------------------------------------------- A501–A503 time

VALID = HEADER.replace("  施行日期 2026-01-01\n", "  施行日期 2026-01-01\n  有效期 1年\n")
PAID = TWO_CATEGORIES + IDENTITY + tier('  对 全体救助对象: 比例 60% 依据 "二"\n')


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_policy_that_expires_soon_or_has_expired(tmp_path, capsys, lang):
    path = policy(tmp_path, PAID, VALID)  # 有效期 1年: through 2026-12-31
    # 2026-12-31 − 2026-11-01 = 60 days, so it is no longer in force 61 days later
    code, err = check(capsys, path, "--today", "2026-11-01", "--lang", lang)
    assert code == 0
    assert ("an.aid:4:7: 警告 A501: 本政策有效期至 2026-12-31，61 天后到期（按 2026-11-01 计）" if lang == "zh" else
            "an.aid:4:7: warning A501: this policy is valid until 2026-12-31: it expires in 61 days") in err
    code, err = check(capsys, path, "--today", "2027-01-01", "--lang", lang)
    assert ("警告 A502: 本政策有效期至 2026-12-31，已到期（按 2027-01-01 计）" if lang == "zh" else
            "warning A502: this policy was valid until 2026-12-31 and has expired (as of 2027-01-01)") in err
    # 90 days ahead or more: nothing to say (2026-12-31 − 2026-10-02 = 90)
    assert check(capsys, path, "--today", "2026-10-02", "--strict") == (0, "")


def test_huizhou_says_when_it_expires(tmp_path, capsys):
    # 施行日期 2022-01-01, 有效期 5年: through 2026-12-31; acknowledged in the policy (it still settles the claims
    # of its years), so it says so only once the acknowledgement is taken out
    code, err = check(capsys, str(ROOT / "policies" / "huizhou.aid"), "--today", "2026-11-01", "--strict")
    assert code == 0 and "警告" not in err
    assert "huizhou.aid:14:7: 已忽略 A501: 本政策有效期至 2026-12-31，61 天后到期（按 2026-11-01 计）" in err
    text = (ROOT / "policies" / "huizhou.aid").read_text(encoding="utf-8")
    bare = tmp_path / "huizhou.aid"
    bare.write_text(re.sub(r"忽略 A50[12] .*\n", "", text), encoding="utf-8")
    code, err = check(capsys, str(bare), "--today", "2026-11-01")
    assert "huizhou.aid:14:7: 警告 A501: 本政策有效期至 2026-12-31，61 天后到期（按 2026-11-01 计）" in err


def test_a_parameter_with_no_value_before_a_date_the_policy_is_in_force(tmp_path, capsys):
    body = ('参数 封顶 "年度限额": 金额 = 5000元 自 2026-07-01 依据 "一"\n' + TWO_CATEGORIES + IDENTITY
            + tier('  对 全体救助对象: 比例 60% 限额 封顶 依据 "二"\n'))
    code, err = check(capsys, policy(tmp_path, body))
    assert "警告 A503: 参数“封顶”的取值自 2026-07-01 起才有，而政策自 2026-01-01 施行：其间的就诊没有取值" in err
    assert check(capsys, policy(tmp_path, body.replace("自 2026-07-01", "自 2026-01-01")), "--strict") == (0, "")


def test_the_bundled_policies_pass_strictly(capsys):
    code, err = check(capsys, str(ROOT / "policies"), "--strict")
    assert code == 0 and "警告" not in err  # what is found is acknowledged, each with the document's reason
    assert all(" 已忽略 A" in line and "（理由：" in line for line in err.splitlines())


# ---------------------------------------------------------------- A201, A202 overlapping rules

def test_two_rules_of_one_scope_that_disagree_or_repeat_each_other(tmp_path, capsys):
    rules = ('  对 全体救助对象: 比例 60% 依据 "二"\n'
             '  对 低保对象: 比例 70% 限额 5000元 依据 "二(一)"\n'
             '  对 低保对象: 比例 80% 限额 5000元 依据 "二(二)"\n')
    code, err = check(capsys, policy(tmp_path, TWO_CATEGORIES + IDENTITY + tier(rules)))
    assert code == 0
    # line 17 repeats line 16's scope: its 80% silently replaces the 70% (A201), its cap is the same (A202)
    assert ("an.aid:17:11: 警告 A201: 待遇“医疗救助”中对 低保对象 的两条规则范围相同，比例却不同（另一条在第 16 行）"
            in err)
    assert ("an.aid:17:18: 警告 A202: 待遇“医疗救助”中对 低保对象 的两条规则范围相同，限额也相同（另一条在第 16 行）"
            in err)
    # a narrower scope is the cascade at work, not an overlap: 住院费用 only, or a condition
    apart = rules.replace("  对 低保对象: 比例 80%", "  对 低保对象 在 住院费用 条件 转诊: 比例 80%")
    assert check(capsys, policy(tmp_path, TWO_CATEGORIES + IDENTITY + tier(apart)), "--strict") == (0, "")



# ---------------------------------------------------------------- A302 rank that pays less, with a counterexample

ORDERED = TWO_CATEGORIES + """身份规则 {
  顺序 低保对象, 特困人员 依据 "一"
}
""" + tier('  对 特困人员: 比例 100% 依据 "二"\n  对 低保对象: 比例 70% 依据 "二"\n')


def test_a_category_ranked_first_that_pays_less_replays_with_explain(tmp_path, capsys):
    path = policy(tmp_path, ORDERED)
    out = tmp_path / "examples"
    code, err = check(capsys, path, "--counterexamples", str(out))
    # 1,000 yuan: 70% = 700 as 低保对象 (ranked first), 100% = 1,000 as 特困人员
    assert ("an.aid:7:1: 警告 A302: 多重身份按顺序（不就高）取排在前面的类别，而“低保对象”排在“特困人员”之前却少付："
            "住院就诊（2026-01-01）按“低保对象”付 700.00元，按“特困人员”会付 1000.00元") in err
    assert "身份 低保对象、特困人员）医疗救助支付 700.00元" in err
    claims, identities = out / "an" / "claims.csv", out / "an" / "identities.csv"
    assert main(["explain", path, "--claims", str(claims), "--identities", str(identities), "--claim", "A302-1"]) == 0
    explained = capsys.readouterr().out
    assert "低保对象 救助比例70%：1,000.00 × 70% = 700.00元" in explained
    # ranked the other way round, or 就高 by the ledger, nobody is paid less for being ranked first
    swapped = ORDERED.replace("顺序 低保对象, 特困人员", "顺序 特困人员, 低保对象")
    assert check(capsys, policy(tmp_path, swapped), "--strict") == (0, "")
    highest = ORDERED.replace("  顺序 低保对象, 特困人员", "  多重身份 就高 依据 \"一\"\n  顺序 低保对象, 特困人员")
    assert check(capsys, policy(tmp_path, highest), "--strict") == (0, "")


def test_every_counterexample_of_the_random_policies_settles_so_on_another_engine_too():
    """The random policies of tests/test_random_policies.py: each counterexample `check` shows (one it has settled
    on the interpreter to the aid it states) gets that aid on the batch engine too."""
    import datetime as dt
    import random
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from test_random_policies import checked_or_none, random_policy

    from aidlang.analysis import analyse
    from aidlang.cli.engine_option import make_engine
    from aidlang.records import Claim, Identity
    from aidlang.runtime import PaymentAboveCost

    shown = 0
    for seed in range(40):
        checked = checked_or_none(random_policy(random.Random(seed), seed)[0], seed)
        kinds = {tier.kind for tier in checked.symbols.tiers.values()}
        findings, _ = analyse(checked, dt.date(2026, 12, 2))
        for e in (f.counterexample for f in findings if f.counterexample is not None):
            basic = e.basic if e.basic is not None else None if "basic" in kinds else 0
            critical = e.critical if e.critical is not None else None if "critical" in kinds else 0
            claim = Claim(e.claim_id, e.person_id, e.visit, e.day, e.day, e.cost, basic, critical)
            identities = [Identity(e.person_id, category, e.day, None) for category in e.categories]
            batch = make_engine("batch", checked, {})
            if e.stops:  # a payment above the cost: the run stops on this claim
                with pytest.raises(PaymentAboveCost):
                    batch.settle([claim], identities, {}, errors=[])
            else:
                [result] = batch.settle([claim], identities, {}, errors=[])
                assert result.aid_paid == e.aid, (seed, e)
            shown += 1
    assert shown > 20  # the generator makes gaps and ranks that pay less often enough to show many


# ---------------------------------------------------------------- A403 payments above the cost, with the claim

def test_a_base_that_forgets_a_payment_pays_above_the_cost_and_explain_stops_on_the_claim(tmp_path, capsys):
    body = TWO_CATEGORIES + IDENTITY + ('待遇 医疗救助 a "医疗救助" 依据 "二" {\n  基数 政策范围内费用 - 基本医保支付\n'
                                        '  适用 住院费用\n  对 全体救助对象: 比例 100% 依据 "二"\n}\n')
    path = policy(tmp_path, body)
    out = tmp_path / "examples"
    code, err = check(capsys, path, "--counterexamples", str(out))
    # 10,000 yuan, 大病保险 6,000 given: the base leaves it in, 100% × (10,000 − 0) = 10,000 aid; 6,000 + 10,000
    # is 16,000 paid on a 10,000 cost
    assert "警告 A403: 一笔就诊的支付合计会超过其费用（基数重复扣减或比例过高）" in err
    assert "（基本医保 0.00、大病保险 6,000.00、医疗救助 10,000.00、倾斜救助 0.00）" in err
    claims = out / "an" / "claims.csv"
    assert claims.read_text(encoding="utf-8").splitlines()[1] == (
        "A403-1,A403-P1,inpatient,2026-01-01,2026-01-01,10000.00,0.00,6000.00")
    assert main(["explain", path, "--claims", str(claims), "--identities", str(out / "an" / "identities.csv"),
                 "--claim", "A403-1"]) == 2  # the run stops, naming the amounts
    assert "医疗救助 10,000.00" in capsys.readouterr().err
    fixed = body.replace("基数 政策范围内费用 - 基本医保支付", "基数 政策范围内费用 - 基本医保支付 - 大病保险支付")
    assert check(capsys, policy(tmp_path, fixed), "--strict") == (0, "")


# ---------------------------------------------------------------- A104, A105 the categories the data uses

def test_the_categories_an_identities_file_uses(tmp_path, capsys):
    path = policy(tmp_path, TWO_CATEGORIES + IDENTITY + tier('  对 特困人员: 比例 100% 依据 "二"\n'))
    identities = tmp_path / "identities.csv"
    identities.write_text("person_id,category,start,end\np1,低保对象,2026-01-01,\np2,低保户,2026-01-01,\n"
                          "p3,低保户,2026-02-01,\np4,特困人员,2026-01-01,\n", encoding="utf-8")
    code, err = check(capsys, path, "--identities", str(identities), "--strict")
    assert code == 1
    # row 2: 低保对象 is declared but no rule gives it a ratio; rows 3–4: 低保户 is no category of the policy
    assert f"{identities}:2:category: 警告 A105: 类别“低保对象”（1 行）没有任何医疗救助规则给出比例" in err
    assert f"{identities}:3:category: 警告 A104: 类别“低保户”（2 行）不是本政策的类别：结算时这些行被拒收" in err
    identities.write_text("person_id,category,start,end\np4,特困人员,2026-01-01,\n", encoding="utf-8")
    code, err = check(capsys, path, "--identities", str(identities))
    assert "A104" not in err and "A105" not in err


# ---------------------------------------------------------------- A203 rules whose periods overlap

PERIODS = """条款 上半年 "一期" 自 2026-01-01 至 2026-08-31 依据 "末"
条款 下半年 "二期" 自 2026-07-01 依据 "末"
"""


def test_two_rules_in_force_together_that_disagree(tmp_path, capsys):
    rules = ('  对 全体救助对象: 比例 60% 依据 "二"\n'
             '  对 低保对象 期间 上半年: 比例 70% 依据 "二(一)"\n'
             '  对 低保对象 期间 下半年: 比例 80% 依据 "二(二)"\n')
    code, err = check(capsys, policy(tmp_path, TWO_CATEGORIES + PERIODS + IDENTITY + tier(rules)))
    assert code == 0
    # 上半年 runs to 2026-08-31, 下半年 from 2026-07-01: both in force 2026-07-01 to 2026-08-31, where line 19's
    # 80% replaces line 18's 70% by file order
    assert ("an.aid:19:18: 警告 A203: 待遇“医疗救助”中对 低保对象 的两条规则期间重叠（2026-07-01 至 2026-08-31），"
            "比例却不同（另一条在第 18 行）：重叠期间按文件顺序后一条生效") in err
    assert "提示：请让两个期间首尾相接，或把只管其中一段的规则写在后面" in err
    # periods that meet end to start do not overlap
    met = PERIODS.replace("自 2026-07-01", "自 2026-09-01")
    assert check(capsys, policy(tmp_path, TWO_CATEGORIES + met + IDENTITY + tier(rules)), "--strict") == (0, "")
    # a later rule for part of the period is the way to say "in that part, this instead"; written first, the rule
    # for the whole period replaces it throughout (2026-01-01 to 2026-08-31)
    narrower_last = ('  对 全体救助对象: 比例 70% 依据 "二(一)"\n'
                     '  对 全体救助对象 期间 上半年: 比例 80% 依据 "二(二)"\n')
    assert check(capsys, policy(tmp_path, TWO_CATEGORIES + PERIODS + IDENTITY + tier(narrower_last)),
                 "--strict") == (0, "")
    narrower_first = ('  对 全体救助对象 期间 上半年: 比例 80% 依据 "二(二)"\n'
                      '  对 全体救助对象: 比例 70% 依据 "二(一)"\n')
    code, err = check(capsys, policy(tmp_path, TWO_CATEGORIES + PERIODS + IDENTITY + tier(narrower_first)))
    assert "A203: 待遇“医疗救助”中对 全体救助对象 的两条规则期间重叠（2026-01-01 至 2026-08-31）" in err


# ---------------------------------------------------------------- A204 a kind paid less than its parent

KINDS = """类别 困境儿童 依据 "一"
类别 孤儿 属于 困境儿童 依据 "一"
就诊类型 住院 依据 "一"
费用池 住院费用 = 住院 依据 "一"
""" + IDENTITY


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_kind_paid_less_than_its_parent_replays_with_explain(tmp_path, capsys, lang):
    path = policy(tmp_path, KINDS + tier('  对 困境儿童: 比例 85% 依据 "二"\n  对 孤儿: 比例 70% 依据 "二"\n'))
    out = tmp_path / "examples"
    code, err = check(capsys, path, "--counterexamples", str(out), "--lang", lang)
    # 1,000 yuan: 70% = 700 as 孤儿, 85% = 850 as 困境儿童
    assert (("an.aid:7:1: 警告 A204: 类别“孤儿”属于“困境儿童”，却比“困境儿童”少得救助：住院就诊 1000.00元（2026-01-01）"
             "按“孤儿”付 700.00元，按“困境儿童”付 850.00元") if lang == "zh" else
            ("an.aid:7:1: warning A204: category 孤儿 is a kind of 困境儿童 yet gets less aid: a inpatient claim of "
             "1000.00 yuan on 2026-01-01 gets 700.00 yuan as 孤儿 and 850.00 yuan as 困境儿童")) in err
    claims, identities = out / "an" / "claims.csv", out / "an" / "identities.csv"
    assert main(["explain", path, "--claims", str(claims), "--identities", str(identities), "--claim", "A204-1"]) == 0
    assert "孤儿 救助比例70%：1,000.00 × 70% = 700.00元" in capsys.readouterr().out
    # a kind paid more than its parent is what 属于 and a rule of its own are for
    assert check(capsys, policy(tmp_path, KINDS + tier('  对 困境儿童: 比例 85% 依据 "二"\n'
                                                        '  对 孤儿: 比例 100% 依据 "二"\n')), "--strict") == (0, "")


def test_an_acknowledgement_for_some_names_accepts_only_their_findings(tmp_path, capsys):
    body = KINDS + tier('  对 困境儿童: 比例 85% 依据 "二"\n  对 孤儿: 比例 70% 依据 "二"\n')
    # the finding is about 孤儿: acknowledged for 孤儿 it is accepted, for 困境儿童 it still stands
    code, err = check(capsys, policy(tmp_path, body + '忽略 A204 对 孤儿 "文件如此"\n'), "--strict")
    assert code == 0 and "已忽略 A204: 类别“孤儿”属于“困境儿童”" in err and "（理由：文件如此）" in err
    assert "忽略 A204 对 孤儿" not in err  # the advice is not repeated on the line of an accepted finding
    code, err = check(capsys, policy(tmp_path, body + '忽略 A204 对 困境儿童 "文件如此"\n'), "--strict")
    assert code == 1 and "警告 A204" in err and "提示：若确是政策本意，请用 忽略 A204 对 孤儿 \"理由\" 说明" in err
    assert main(["compile", policy(tmp_path, body + '忽略 A204 对 孤儿 "文件如此"\n'),
                 "--out", str(tmp_path / "generated")]) == 0
    assert "- 编码说明：文件如此（A204，对 孤儿）" in (tmp_path / "generated" / "an.md").read_text(encoding="utf-8")
    code, err = check(capsys, policy(tmp_path, body + '忽略 A204 对 无名氏 "文件如此"\n'))
    assert code == 1
    assert "an.aid:18:11: 错误 E126: 忽略 A204 对 后应写本政策声明的类别、群组、待遇、参数或条款，“无名氏”不是" in err


# ---------------------------------------------------------------- A404 a tilted threshold above the tilted cap

def tilted(threshold: str, cap: str) -> str:
    return ('待遇 倾斜救助 t "倾斜救助" 依据 "三" {\n'
            '  基数 政策范围内费用 - 基本医保支付 - 大病保险支付 - 医疗救助支付\n  适用 住院费用\n'
            f'  对 全体救助对象: 超过 {threshold} 比例 50% 限额 {cap} 依据 "三"\n}}\n')


def test_a_tilted_threshold_above_its_cap(tmp_path, capsys):
    body = TWO_CATEGORIES + IDENTITY + tier('  对 全体救助对象: 比例 60% 依据 "二"\n')
    code, err = check(capsys, policy(tmp_path, body + tilted("5万元", "3000元")))
    assert code == 0
    assert ("警告 A404: 倾斜救助“倾斜救助”给类别“特困人员”的起付线 50000.00元 高于其年度限额 3000.00元（2026-01-01）"
            in err)
    assert check(capsys, policy(tmp_path, body + tilted("3000元", "5万元")), "--strict") == (0, "")


# ---------------------------------------------------------------- A504 two versions in force together

def version(tmp_path, name: str, start: str, extra: str = "", issuer: str = "某市医疗保障局") -> Path:
    path = tmp_path / f"{name}.aid"
    path.write_text(f'政策 {name} "{name}办法" {{\n  文号 "{name}〔{start[:4]}〕1号"\n  发布机关 "{issuer}"\n'
                    f'  施行日期 {start}\n{extra}  依据 "一"\n}}\n' + PAID, encoding="utf-8")
    return path


def test_two_versions_of_one_issuers_policy_in_force_together(tmp_path, capsys):
    old = version(tmp_path, "old", "2024-01-01")
    new = version(tmp_path, "new", "2026-01-01")
    code, err = check(capsys, str(old), str(new), "--strict")
    # old has no end: from new's 2026-01-01 both are in force; the warning is the newer's, which says nothing of it
    assert code == 1
    assert (f"new.aid:1:1: 警告 A504: 本政策与同一发布机关的《old办法》（{old}）施行期间重叠（2026-01-01 至 长期），"
            "且未写 替代 或 废止 它") in err
    assert "old.aid:1:1: 警告" not in err
    # the newer says it replaces the older, by its 文号; the older ends the day before; another issuer's
    replaces = version(tmp_path, "new", "2026-01-01", '  替代 "old〔2024〕1号"\n')
    assert check(capsys, str(old), str(replaces), "--strict") == (0, "")
    new = version(tmp_path, "new", "2026-01-01")
    ended = version(tmp_path, "old", "2024-01-01", "  有效期至 2025-12-31\n")  # (judged on a day it is in force)
    assert check(capsys, str(ended), str(new), "--strict", "--today", "2025-06-01") == (0, "")
    other = version(tmp_path, "old", "2024-01-01", issuer="另一市医疗保障局")
    assert check(capsys, str(other), str(new), "--strict") == (0, "")


def test_a_payment_above_cost_points_at_the_tier_the_sum_went_over_with(tmp_path, capsys):
    body = TWO_CATEGORIES + IDENTITY + tier('  对 全体救助对象: 比例 60% 依据 "二"\n')
    forgetful = tilted("3000元", "5万元").replace(" - 基本医保支付 - 大病保险支付", "")
    code, err = check(capsys, policy(tmp_path, body + forgetful))
    # 10,000 yuan, 基本医保 6,000 given: aid 60% × 4,000 = 2,400; the tilted base leaves the 6,000 in,
    # 50% × (10,000 − 2,400 − 3,000) = 2,300; 6,000 + 2,400 + 2,300 = 10,700 > 10,000 — the tilted tier (line 17)
    assert ("an.aid:17:1: 警告 A403: 一笔就诊的支付合计会超过其费用（基数重复扣减或比例过高）" in err
            and "（基本医保 6,000.00、大病保险 0.00、医疗救助 2,400.00、倾斜救助 2,300.00）" in err)


# ---------------------------------------------------------------- check --param: the values an office runs with

PUBLISHED_LATER = TWO_CATEGORIES + """参数 ratio_b "低保对象救助比例": 比率 另行发布 依据 "三"
参数 cap_b "低保对象年度限额": 金额 另行发布 依据 "三"
身份规则 {
  顺序 低保对象, 特困人员 依据 "一"
}
""" + tier('  对 特困人员: 比例 100% 依据 "二"\n  对 低保对象: 比例 ratio_b 起付标准 500元 限额 cap_b 依据 "二"\n')


def test_check_analyses_a_policy_with_the_parameter_values_it_will_run_with(tmp_path, capsys):
    """低保对象's ratio and cap are published later: alone, the policy gives nothing to compare. With the values
    an office will run with, `check --param` finds what they do: a cap of 300 below the deductible of 500
    (A402), and 低保对象 ranked first paying less than 特困人员 (A302: on 1,000 yuan, 70% × (1,000 − 500) = 350
    against 100% × 1,000 = 1,000). The counterexample's replay carries the same --param values, and replays."""
    path = policy(tmp_path, PUBLISHED_LATER)
    assert check(capsys, path, "--strict") == (0, "")
    out = tmp_path / "examples"
    code, err = check(capsys, path, "--param", "ratio_b=70%", "--param", "cap_b=300", "--counterexamples", str(out))
    assert code == 0
    assert "警告 A402: " in err and "300.00元" in err
    assert "按“低保对象”付 300.00元，按“特困人员”会付 1000.00元" in err  # 350 within the cap of 300
    claims, identities = out / "an" / "claims.csv", out / "an" / "identities.csv"
    replay = (f"重放：aidlang explain {path} --claims {claims} --identities {identities} --claim A302-1 "
              "--param ratio_b=70% --param cap_b=300")
    assert replay in err
    assert main(["explain", path, "--claims", str(claims), "--identities", str(identities), "--claim", "A302-1",
                 "--param", "ratio_b=70%", "--param", "cap_b=300"]) == 0
    assert "300.00" in capsys.readouterr().out
    # a value the policy would refuse is an error of --param, and nothing is analysed
    code, err = check(capsys, path, "--param", "ratio_b=170%", "--lang", "en")
    assert code == 2 and "--param:1:ratio_b: a rate must be between 0% and 100%: 170%" in err
