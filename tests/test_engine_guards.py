"""What every engine guards on every claim: a payment never above the claim's cost (issue: --param checked like
the policy, item 3), a claim rejected half-way leaves no trace on the ledgers, and `monitor` applies the
insurance tilts of the identities, as `run` does. Amounts are computed by hand from the policies below."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from aidlang.cli import main

ENGINES = ["interp", "compiled"]
HEADER = "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid"
POOLS = """就诊类型 outpatient "普通门诊" 依据 "池"
就诊类型 chronic "门诊慢特病" 依据 "池"
就诊类型 inpatient "住院" 依据 "池"
"""
INSURANCE = """待遇 基本医保 基本 依据 "基" {
  对 全体参保人员: 起付标准 300元 比例 75% 依据 "基"
}
待遇 大病保险 大病 依据 "大" {
  对 全体参保人员: 比例 50% 依据 "大"
}
"""


def header(name: str) -> str:
    return f'政策 {name} "测试" {{\n  发布机关 "测试"\n  施行日期 2023-01-01\n  依据 "一"\n}}\n类别 甲类 依据 "二"\n'


def policy_dir(tmp_path: Path, name: str, text: str, engine: str) -> str:
    """The policy under `<tmp>/policies/`, compiled beside it for the compiled engine."""
    (tmp_path / "policies").mkdir(exist_ok=True)
    path = tmp_path / "policies" / f"{name}.aid"
    path.write_text(text, encoding="utf-8")
    if engine == "compiled":
        assert main(["compile", str(path), "--out", str(tmp_path / "generated")]) == 0
    return str(path)


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


OVERPAYING = header("op") + POOLS + INSURANCE + """待遇 医疗救助 救助 依据 "救" {
  基数 政策范围内费用 - 基本医保支付
  对 甲类: 比例 100% 依据 "救"
}
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_a_policy_that_pays_more_than_the_cost_stops_the_run(tmp_path, engine, capsys):
    """The aid base leaves the critical-illness payment in: cost 1000, basic 75% × (1000 − 300) = 525, critical
    50% × (1000 − 525) = 237.50, aid 100% × (1000 − 525) = 475: 525 + 237.50 + 475 = 1237.50 > 1000. Every
    engine stops (exit 2), names the claim and the amounts, and writes nothing — never a self-pay of −237.50."""
    policy = policy_dir(tmp_path, "op", OVERPAYING, engine)
    claims = write(tmp_path / "claims.csv", HEADER + "\nc1,p1,inpatient,2023-03-01,2023-03-05,1000,,\n")
    identities = write(tmp_path / "identities.csv", "person_id,category,start,end\np1,甲类,2022-01-01,\n")
    out = tmp_path / "results.csv"
    args = ["run", policy, "--claims", claims, "--identities", identities, "--out", str(out), "--engine", engine]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert ("就诊 c1 的支付合计超过政策范围内费用 1,000.00 元（基本医保 525.00、大病保险 237.50、医疗救助 475.00、"
            "倾斜救助 0.00），个人自付将为负数") in err
    assert "op.aid（依据 基;大;救）：就诊 c1" in err
    assert not out.exists()
    assert main(args + ["--lang", "en", "--rejects", str(tmp_path / "rejects.csv")]) == 2  # not a data problem
    assert ("op.aid (clauses 基;大;救): claim c1 would be paid more than its policy-scope cost 1,000.00 (basic "
            "525.00, critical 237.50, aid 475.00, tilted 0.00), a negative self-pay") in capsys.readouterr().err
    assert not out.exists()


MIXED = header("mx") + POOLS + INSURANCE


@pytest.mark.parametrize("engine", ENGINES)
def test_given_and_computed_insurance_above_the_cost_reject_the_claim_and_leave_the_ledgers(tmp_path, engine):
    """c1 gives critical_paid 500 while the policy computes basic: 75% × (1000 − 300) = 525, and 525 + 500 = 1025
    is more than the cost 1000 — the data disagree with the policy, so c1 is rejected. Its deductible is not
    counted for c2: c2's basic is 75% × (1000 − 300) = 525 again (it would be 75% × 1000 = 750 had c1 used the
    300), critical 50% × (1000 − 525) = 237.50, self-pay 1000 − 525 − 237.50 = 237.50."""
    policy = policy_dir(tmp_path, "mx", MIXED, engine)
    claims = write(tmp_path / "claims.csv", HEADER + "\nc1,p1,inpatient,2023-03-01,2023-03-05,1000,,500\n"
                   "c2,p1,inpatient,2023-04-01,2023-04-05,1000,,\n")
    out, rejects = tmp_path / "results.csv", tmp_path / "rejects.csv"
    assert main(["run", policy, "--claims", claims, "--out", str(out), "--rejects", str(rejects),
                 "--engine", engine]) == 0
    rows = {r["claim_id"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert set(rows) == {"c2"}
    assert (rows["c2"]["basic_paid"], rows["c2"]["critical_paid"], rows["c2"]["self_pay"]) == (
        "525.00", "237.50", "237.50")
    reasons = {r["claim_id"]: r["reason"] for r in csv.DictReader(rejects.open(encoding="utf-8-sig"))}
    assert reasons["c1"] == ("critical_paid: 数据给出的大病保险支付 500.00 元与本政策计算的基本医保支付 525.00 元"
                             "之和超过政策范围内费用 1000.00 元")


MIANYANG = str(Path(__file__).resolve().parent.parent / "policies" / "mianyang.aid")
MIANYANG_PARAMS = ["--param", "prev_year_disposable_income=40000", "--param", "poverty_monitoring_income_line=12000",
                   "--param", "aid_annual_cap=30000", "--param", "tilted_annual_cap=5000"]


@pytest.mark.parametrize("engine", ENGINES)
def test_monitor_applies_the_critical_insurance_tilt_of_the_identities(tmp_path, engine):
    """Mianyang 二(三): critical insurance from 50% × 40000 = 20000 at 60%; for 低保对象 the deductible is halved
    (10000) and the ratio raised 5 points (65%). A 低保 claim of 60000 with basic 20000: critical (40000 − 10000)
    × 65% = 19500, self-paid 60000 − 20000 − 19500 = 20500 > the threshold 50% × 40000 = 20000, listed with 20500
    (二(七)); read without identities it would be (40000 − 20000) × 60% = 12000, self-paid 28000."""
    claims = write(tmp_path / "claims.csv", "claim_id,person_id,visit_type,admission_date,discharge_date,"
                   "policy_scope_cost,basic_paid\nc1,p1,inpatient,2023-03-01,2023-03-10,60000,20000\n")
    identities = write(tmp_path / "identities.csv", "person_id,category,start,end\np1,低保对象,2020-01-01,\n")
    out = tmp_path / "monitor.csv"
    base = ["monitor", MIANYANG, "--claims", claims, "--month", "2023-03", *MIANYANG_PARAMS, "--engine", engine]
    assert main(base + ["--identities", identities, "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [(r["person_id"], r["cumulative_self_paid"], r["threshold"]) for r in rows] == [
        ("p1", "20500.00", "20000.00")]
    assert main(base + ["--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [r["cumulative_self_paid"] for r in rows] == ["28000.00"]


WUHAI = str(Path(__file__).resolve().parent.parent / "policies" / "wuhai.aid")


@pytest.mark.parametrize("engine", ENGINES)
def test_an_annual_benefit_that_needs_a_missing_attribute_stops_naming_the_person(tmp_path, engine, capsys):
    """Wuhai 三(二)2(2): 门诊救助金 for 最低生活保障家庭成员 depends on 低保类别, age and disability (line 100
    reads 低保类别 first): p1 holds the identity but has no persons.csv row, so nobody can say what p1 gets — exit 2,
    naming p1."""
    identities = write(tmp_path / "identities.csv",
                       "person_id,category,start,end\np1,最低生活保障家庭成员,2020-01-01,\n")
    persons = write(tmp_path / "persons.csv", "person_id,gender,birth_date,disability_grade,dibao_class,"
                    "family_monthly_income_per_capita,family_annual_income\np2,男,1960-01-01,,A,,\n")
    out = tmp_path / "benefits.csv"
    args = ["annual", WUHAI, "--year", "2021", "--identities", identities, "--persons", persons,
            "--param", "resident_contribution=280", "--param", "minimum_wage=1980", "--out", str(out),
            "--engine", engine]
    assert main(args) == 2
    assert "persons.csv 中没有人员 p1，而 wuhai.aid:100 的规则需要其低保类别（dibao_class）" in capsys.readouterr().err
    assert not out.exists()
    assert main(args + ["--lang", "en"]) == 2
    assert ("persons.csv has no row for person p1, and the rule at wuhai.aid:100 needs their dibao class "
            "(dibao_class)") in capsys.readouterr().err


JINGGU = str(Path(__file__).resolve().parent.parent / "policies" / "jinggu.aid")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_column_the_policy_reads_must_be_in_the_file(tmp_path, engine, capsys):
    """Wuhai line 76 reads 病种 (disease): a claims file without the column would make every claim one without a
    listed disease — 重特大疾病 aid never paid, silently. The file is refused naming the column and the rule."""
    claims = write(tmp_path / "claims.csv", HEADER + "\nc1,p1,inpatient,2021-03-01,2021-03-05,50000,20000,0\n")
    args = ["run", WUHAI, "--claims", claims, "--param", "minimum_wage=1980", "--engine", engine]
    assert main(args) == 2
    assert "claims.csv:1:disease: 缺少列 disease：wuhai.aid:76 的规则要读取它" in capsys.readouterr().err
    assert main(args + ["--lang", "en"]) == 2
    assert "claims.csv:1:disease: the column disease is missing: the rule at wuhai.aid:76 reads it" in \
        capsys.readouterr().err


@pytest.mark.parametrize("engine", ENGINES)
def test_an_empty_institution_level_the_policy_reads_rejects_the_claim(tmp_path, engine):
    """Jinggu 二(四): basic insurance's deductible and cap depend on 机构级别 (line 54 is the first rule reading
    it). A claim without one cannot be settled — it would fall to the 75% rule with no deductible."""
    claims = write(tmp_path / "claims.csv", "claim_id,person_id,visit_type,admission_date,discharge_date,"
                   "policy_scope_cost,critical_paid,institution_level\n"
                   "c1,p1,inpatient,2024-03-01,2024-03-05,10000,0,\n")
    out, rejects = tmp_path / "results.csv", tmp_path / "rejects.csv"
    assert main(["run", JINGGU, "--claims", claims, "--out", str(out), "--rejects", str(rejects),
                 "--engine", engine]) == 0
    reasons = {r["claim_id"]: r["reason"] for r in csv.DictReader(rejects.open(encoding="utf-8-sig"))}
    assert reasons == {
        "c1": "institution_level: 就诊 c1 的机构级别（institution_level）为空，而 jinggu.aid:54 的规则需要它"}
    assert list(csv.DictReader(out.open(encoding="utf-8-sig"))) == []


CASE_NEEDS_PERSON = header("tc") + POOLS + """待遇 医疗救助 救助 依据 "救" {
  对 甲类 条件 家庭年收入 < 1万元: 比例 50% 依据 "救"
}
测试 缺收入 "没有人员信息的就诊被拒收" {
  身份 p1 甲类 2023-01-01 ..
  就诊 c1 p1 inpatient 2023-03-01 .. 2023-03-02 费用 1000元 基本医保支付 0元 大病保险支付 0元
  预期 c1 医疗救助支付 500元
}
"""


def test_a_policy_case_whose_claim_is_rejected_says_so_in_the_readers_language(tmp_path, capsys):
    """The case gives no 人员 line, so line 11's 家庭年收入 is missing: the claim is rejected, and the failure
    says what was expected and what happened, all in one language."""
    policy = policy_dir(tmp_path, "tc", CASE_NEEDS_PERSON, "interp")
    assert main(["test", policy]) == 1
    assert ("c1: 预期 结算成功，实际 拒收：persons.csv 中没有人员 p1，而 tc.aid:11 的规则需要其家庭年收入"
            "（family_annual_income）") in capsys.readouterr().out
    assert main(["test", policy, "--lang", "en"]) == 1
    assert ("c1: expected a settled claim, got rejected: persons.csv has no row for person p1, and the rule at "
            "tc.aid:11 needs their family annual income") in capsys.readouterr().out
