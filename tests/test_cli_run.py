"""`aidlang run` end to end on small files: exit codes, the rejects invariant, all-or-nothing output,
missing parameters. Expected amounts are worked out by hand from the documents (arithmetic in comments)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from aidlang.cli import main

ROOT = Path(__file__).resolve().parent.parent
WUXI = str(ROOT / "policies" / "wuxi.aid")
MIANYANG = str(ROOT / "policies" / "mianyang.aid")

CLAIMS_HEADER = "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid"
GOOD_CLAIMS = [
    # 特困人员, 四(六): no deductible, 100% of 20000 − 12000 − 0 = 8000; self-pay 0
    "c1,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0",
    # 最低生活保障对象 (全额资助), 四(六): 85% × (300 − 100 − 0) = 170; self-pay 300 − 100 − 170 = 30
    "c2,p2,普通门诊,,2023-05-01,300,100,0",
]
BAD_CLAIMS = [
    "c3,p1,inpatient,2023-04-01,2023-04-10,-5,0,0",  # row 4
    "c4,p2,dental,2023-02-30,2023-04-10,100,0,0",  # row 5
]
IDENTITIES = "person_id,category,start,end\np1,特困人员,2023-01-01,\np2,最低生活保障对象,2023-01-01,\n"


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path):
    def make(claims: list[str], identities: str = IDENTITIES) -> tuple[str, str]:
        return (write(tmp_path / "claims.csv", "\n".join([CLAIMS_HEADER, *claims]) + "\n"),
                write(tmp_path / "identities.csv", identities))
    return make


def read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_good_claims_settle_in_input_order(files, tmp_path):
    claims, identities = files(list(reversed(GOOD_CLAIMS)))
    out = tmp_path / "results.csv"
    assert main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ("claim_id,person_id,category,basic_paid,critical_paid,aid_paid,tilted_paid,"
                                    "self_pay,status,basis")
    rows = read_csv(out)
    assert [r["claim_id"] for r in rows] == ["c2", "c1"]
    c2, c1 = rows
    assert (c1["category"], c1["aid_paid"], c1["self_pay"], c1["status"]) == ("特困人员", "8000.00", "0.00", "ok")
    assert (c2["category"], c2["aid_paid"], c2["self_pay"], c2["basis"]) == (
        "最低生活保障对象", "170.00", "30.00", "四(六)")


def test_results_go_to_stdout_without_out(files, capsys):
    claims, identities = files(GOOD_CLAIMS)
    assert main(["run", WUXI, "--claims", claims, "--identities", identities]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("c1,p1,特困人员,12000.00,0.00,8000.00,")


def test_a_bad_row_fails_the_run_and_writes_nothing(files, tmp_path, capsys):
    claims, identities = files(GOOD_CLAIMS + BAD_CLAIMS)
    out = tmp_path / "results.csv"
    out.write_text("previous results\n", encoding="utf-8")
    assert main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{claims}:4:policy_scope_cost: 金额不能为负数：-5" in err
    assert f"{claims}:5:visit_type: 未知的就诊类型：dental" in err
    assert f"{claims}:5:admission_date: 日期不存在：2023-02-30" in err
    assert "Traceback" not in err
    assert out.read_text(encoding="utf-8") == "previous results\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.csv", "identities.csv", "results.csv"]


def test_with_rejects_every_claim_appears_exactly_once(files, tmp_path):
    claims, identities = files(GOOD_CLAIMS[:1] + BAD_CLAIMS + GOOD_CLAIMS[1:])
    out, rejects = tmp_path / "results.csv", tmp_path / "rejects.csv"
    code = main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(out),
                 "--rejects", str(rejects)])
    assert code == 0
    results, rejected = read_csv(out), read_csv(rejects)
    assert [r["claim_id"] for r in results] == ["c1", "c2"]
    assert [(r["claim_id"], r["row"]) for r in rejected] == [("c3", "3"), ("c4", "4")]
    assert rejected[0]["reason"] == "policy_scope_cost: 金额不能为负数：-5"
    assert rejected[1]["reason"] == "visit_type: 未知的就诊类型：dental；admission_date: 日期不存在：2023-02-30"
    assert list(rejected[0]) == CLAIMS_HEADER.split(",") + ["row", "reason"]
    assert rejected[0]["policy_scope_cost"] == "-5"  # the row as written
    assert sorted(r["claim_id"] for r in results + rejected) == ["c1", "c2", "c3", "c4"]


def test_rejects_in_english(files, tmp_path):
    claims, identities = files(BAD_CLAIMS[:1])
    rejects = tmp_path / "rejects.csv"
    assert main(["--lang", "en", "run", WUXI, "--claims", claims, "--identities", identities,
                 "--out", str(tmp_path / "r.csv"), "--rejects", str(rejects)]) == 0
    assert read_csv(rejects)[0]["reason"] == "policy_scope_cost: an amount must not be negative: -5"


def test_a_bad_identity_row_rejects_that_persons_claims(files, tmp_path):
    claims, identities = files(GOOD_CLAIMS, IDENTITIES + "p2,不存在的类别,2023-01-01,\n")
    out, rejects = tmp_path / "results.csv", tmp_path / "rejects.csv"
    assert main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(out),
                 "--rejects", str(rejects)]) == 0
    assert [r["claim_id"] for r in read_csv(out)] == ["c1"]
    (row,) = read_csv(rejects)
    assert row["claim_id"] == "c2"
    assert row["reason"] == f"person_id: {identities}:4:category: 未知的类别：不存在的类别"


def test_a_claim_the_engine_cannot_settle_is_rejected_with_its_reason(tmp_path, capsys):
    # Mianyang computes critical-illness insurance only from 2023-01-01 (二(三)); a 2022 claim must carry it
    claims = write(tmp_path / "claims.csv", "\n".join([
        CLAIMS_HEADER,
        "m1,p1,inpatient,2022-10-01,2022-10-10,20000,12000,",
        "m2,p1,inpatient,2022-11-01,2022-11-10,20000,12000,0"]) + "\n")
    identities = write(tmp_path / "identities.csv", "person_id,category,start,end\np1,孤儿,2022-01-01,\n")
    params = ["--param", "prev_year_disposable_income=40000", "--param", "poverty_monitoring_income_line=12000",
              "--param", "aid_annual_cap=30000", "--param", "tilted_annual_cap=5000"]
    base = ["run", MIANYANG, "--claims", claims, "--identities", identities, *params]
    assert main(base + ["--out", str(tmp_path / "r.csv")]) == 2
    assert f"{claims}:2:critical_paid: " in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()
    assert main(base + ["--out", str(tmp_path / "r.csv"), "--rejects", str(tmp_path / "x.csv")]) == 0
    assert [r["claim_id"] for r in read_csv(tmp_path / "r.csv")] == ["m2"]
    assert [r["claim_id"] for r in read_csv(tmp_path / "x.csv")] == ["m1"]


def test_a_missing_parameter_is_named(files, tmp_path, capsys):
    claims, _ = files(GOOD_CLAIMS)
    identities = write(tmp_path / "ids.csv", "person_id,category,start,end\np1,特困人员,2023-01-01,\n")
    # every parameter the claim needs but the aid cap (二(五): published later by the bureau)
    params = ["--param", "prev_year_disposable_income=40000", "--param", "poverty_monitoring_income_line=12000",
              "--param", "tilted_annual_cap=5000"]
    code = main(["run", MIANYANG, "--claims", claims, "--identities", identities, *params,
                 "--out", str(tmp_path / "r.csv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "缺少参数 aid_annual_cap（医疗救助年度救助限额" in err and "--param aid_annual_cap=" in err
    assert not (tmp_path / "r.csv").exists()


def test_an_unknown_parameter_is_an_error(files, capsys):
    claims, identities = files(GOOD_CLAIMS)
    assert main(["run", WUXI, "--claims", claims, "--identities", identities, "--param", "nope=1"]) == 2
    assert "--param:1:nope: 政策中没有参数 nope" in capsys.readouterr().err


def test_other_engines_are_not_available_yet(files, capsys):
    claims, identities = files(GOOD_CLAIMS)
    assert main(["--lang", "en", "run", WUXI, "--claims", claims, "--engine", "spark"]) == 2
    assert "not available yet" in capsys.readouterr().err


def test_the_compiled_engine_writes_what_the_interpreter_writes(files, tmp_path, capsys):
    """`--engine compiled` settles with generated/wuxi.py (checked in, so imported, not compiled in memory)."""
    claims, identities = files(GOOD_CLAIMS)
    outs = {}
    for engine in ("interp", "compiled"):
        outs[engine] = tmp_path / f"{engine}.csv"
        assert main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(outs[engine]),
                     "--engine", engine]) == 0
    assert outs["compiled"].read_bytes() == outs["interp"].read_bytes()
    assert "in memory" not in capsys.readouterr().err


def test_a_missing_file_and_a_bad_policy_print_no_traceback(files, tmp_path, capsys):
    claims, _ = files(GOOD_CLAIMS)
    assert main(["run", WUXI, "--claims", str(tmp_path / "nope.csv")]) == 2
    assert main(["run", str(tmp_path / "nope.aid"), "--claims", claims]) == 2
    bad = write(tmp_path / "bad.aid", '政策 p { 施行日期 2023-01-01 }\n类别 a 依据 四\n')
    assert main(["run", bad, "--claims", claims]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"{tmp_path / 'nope.csv'}: 无法读取文件" in err and f"{bad}:2:" in err


def test_a_claim_lost_by_the_engine_stops_the_run(files, tmp_path, monkeypatch, capsys):
    """The every-claim-once invariant is checked in code: an engine that drops a claim is caught."""
    from aidlang.engines.interp.interpreter import Interpreter

    real_settle = Interpreter.settle
    monkeypatch.setattr(Interpreter, "settle", lambda self, claims, *a, **k: real_settle(self, claims, *a, **k)[1:])
    claims, identities = files(GOOD_CLAIMS)
    out = tmp_path / "results.csv"
    assert main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(out)]) == 3
    assert "a claim was lost or doubled" in capsys.readouterr().err
    assert not out.exists()


WUHAI = str(ROOT / "policies" / "wuhai.aid")
PERSONS_HEADER = ("person_id,gender,birth_date,disability_grade,dibao_class,family_monthly_income_per_capita,"
                  "family_annual_income")


@pytest.mark.parametrize("engine", ["interp", "compiled"])
def test_a_person_without_an_income_the_rule_needs_is_rejected_not_paid_zero(tmp_path, engine, capsys):
    """Wuhai 三(一)3: 其他特殊困难人员 qualifies when 家庭月人均收入 < 1.5 × 最低工资 and the year's inpatient
    self-pay exceeds 70% of 家庭年收入. Without 家庭年收入 nobody can tell whether q2 qualifies: the claim is
    rejected naming the person, the attribute and the rule (README: a missing value rejects the claim, never reads
    as zero), never settled as aid 0 with status ok."""
    claims = write(tmp_path / "claims.csv", CLAIMS_HEADER + ",disease\n"
                   "c1,q1,inpatient,2021-03-01,2021-03-05,50000,20000,0,白血病\n"
                   "c2,q2,inpatient,2021-03-01,2021-03-05,50000,20000,0,白血病\n"
                   "c3,q3,inpatient,2021-03-01,2021-03-05,50000,20000,0,白血病\n")
    identities = write(tmp_path / "identities.csv", "person_id,category,start,end\n"
                       "q1,其他特殊困难人员,2020-01-01,\nq2,其他特殊困难人员,2020-01-01,\n"
                       "q3,其他特殊困难人员,2020-01-01,\n")
    persons = write(tmp_path / "persons.csv",
                    PERSONS_HEADER + "\nq1,女,1968-03-21,,,1000,40000\nq2,女,1968-03-21,,,1000,\n")
    out, rejects = tmp_path / "results.csv", tmp_path / "rejects.csv"
    args = ["run", WUHAI, "--claims", claims, "--identities", identities, "--persons", persons,
            "--param", "minimum_wage=1980", "--out", str(out), "--engine", engine]
    assert main(args) == 2 and not out.exists()  # without --rejects: nothing written
    err = capsys.readouterr().err
    assert ("claims.csv:3:person_id: 人员 q2 的家庭年收入（family_annual_income）为空，"
            "而 wuhai.aid:79 的规则需要它") in err
    assert ("claims.csv:4:person_id: persons.csv 中没有人员 q3，而 wuhai.aid:79 的规则需要其家庭月人均收入"
            "（family_monthly_income_per_capita）") in err
    assert main(args + ["--lang", "en"]) == 2
    assert ("claims.csv:3:person_id: person q2 has no family annual income (family_annual_income), and the rule at "
            "wuhai.aid:79 needs it") in capsys.readouterr().err
    assert main(args + ["--rejects", str(rejects)]) == 0
    rows = {r["claim_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    # q1: 1000 < 1980 × 1.5 = 2970, and 50000 − 20000 − 0 = 30000 > 70% × 40000 = 28000: 重特大疾病医疗救助 (白血病,
    # 住院), 75% of 30000 = 22500, within 8万; self-pay 30000 − 22500 = 7500
    assert (rows["c1"]["aid_paid"], rows["c1"]["self_pay"], rows["c1"]["basis"]) == (
        "22500.00", "7500.00", "三(二)3(2)")
    assert set(rows) == {"c1"}
    rejected = {r["claim_id"]: r["reason"] for r in csv.DictReader(rejects.open(encoding="utf-8"))}
    assert set(rejected) == {"c2", "c3"} and "family_annual_income" in rejected["c2"]


@pytest.mark.parametrize("engine", ["interp", "compiled"])
def test_a_policy_can_say_what_a_missing_income_means(tmp_path, engine):
    """`家庭年收入 != 无` is the policy's own word for a missing value: the claim is settled, not rejected."""
    policy = Path(WUHAI).read_text(encoding="utf-8").replace(
        "对 其他特殊困难人员 条件 家庭月人均收入 <", "对 其他特殊困难人员 条件 家庭年收入 != 无 且 家庭月人均收入 <")
    assert policy.count("家庭年收入 != 无") == 2  # both aid tiers' rules for 其他特殊困难人员 (lines 79, 88)
    (tmp_path / "policies").mkdir()
    path = write(tmp_path / "policies" / "wuhai.aid", policy)
    claims = write(tmp_path / "claims.csv", CLAIMS_HEADER + ",disease\n"
                   "c2,q2,inpatient,2021-03-01,2021-03-05,50000,20000,0,白血病\n")
    identities = write(tmp_path / "identities.csv", "person_id,category,start,end\nq2,其他特殊困难人员,2020-01-01,\n")
    persons = write(tmp_path / "persons.csv", PERSONS_HEADER + "\nq2,女,1968-03-21,,,1000,\n")
    out = tmp_path / "results.csv"
    if engine == "compiled":
        assert main(["compile", path, "--out", str(tmp_path / "generated")]) == 0
    assert main(["run", path, "--claims", claims, "--identities", identities, "--persons", persons,
                 "--param", "minimum_wage=1980", "--out", str(out), "--engine", engine]) == 0
    rows = {r["claim_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    # no 家庭年收入: `家庭年收入 != 无` is false, so neither aid tier's rule for 其他特殊困难人员 holds: no aid,
    # self-pay 50000 − 20000 − 0 = 30000
    assert (rows["c2"]["aid_paid"], rows["c2"]["self_pay"], rows["c2"]["status"]) == ("0.00", "30000.00", "ok")


UNSET_POLICY = """政策 us "调整缺值" {
  发布机关 "测试"
  施行日期 2023-01-01
  依据 "一"
}
类别 甲类 依据 "二"
条款 追溯期 "追溯" 自 2022-09-01 至 2023-12-31 追溯执行 依据 "末"
就诊类型 outpatient "普通门诊" 依据 "池"
就诊类型 chronic "门诊慢特病" 依据 "池"
就诊类型 inpatient "住院" 依据 "池"
待遇 医疗救助 救助 依据 "救" {
  对 全体救助对象: 比例 50% 限额 1万元 依据 "救"
  对 甲类 期间 追溯期: 比例 100% 限额 降低 50% 依据 "救(甲)"
}
"""


@pytest.mark.parametrize("engine", ["interp", "compiled"])
def test_a_rule_adjusting_a_setting_no_rule_in_force_gives_stops_the_run_naming_it(tmp_path, capsys, engine):
    """Line 13 halves the cap during the retroactive provision, but the rule giving the cap (line 12) is in force
    only from the policy's 施行日期: a claim of 2022-10-01 has no cap to halve. Both engines stop the run as for
    a missing parameter (exit 2, nothing written), naming the rule and the date — it used to be an internal
    error, of a different kind in each engine."""
    policy = write(tmp_path / "us.aid", UNSET_POLICY)
    claims = write(tmp_path / "claims.csv", CLAIMS_HEADER + "\nc1,p1,outpatient,2022-10-01,2022-10-01,1000,100,0\n")
    identities = write(tmp_path / "identities.csv", "person_id,category,start,end\np1,甲类,2022-01-01,\n")
    out = tmp_path / "results.csv"
    assert main(["run", policy, "--claims", claims, "--identities", identities, "--out", str(out),
                 "--engine", engine]) == 2
    assert ("us.aid:13：规则调整限额（降低/提高），但 2022-10-01 没有施行中的更不具体的规则给出限额"
            in capsys.readouterr().err)
    assert not out.exists()


def test_progress_shows_on_a_terminal_and_clears_itself():
    """cli/progress.py: on a terminal, the step, its count and rate once the run has taken SHOW_AFTER seconds;
    nothing at all when the stream is not a terminal (pipes, CI logs)."""
    import io as text_io
    import time

    from aidlang.cli.progress import Progress

    class Terminal(text_io.StringIO):
        def isatty(self) -> bool:
            return True

    shown = Terminal()
    with Progress("zh", shown, show_after=0.0) as progress:
        done = progress.phase("结算 10 条", "settling 10 claims", 10)
        time.sleep(0.3)  # the timer thread starts the display
        done(4)
        time.sleep(0.2)
    assert "结算 10 条" in shown.getvalue() and "/10" in shown.getvalue()
    quiet = text_io.StringIO()
    with Progress("zh", quiet, show_after=0.0) as progress:
        progress.phase("结算 10 条", "settling 10 claims", 10)(4)
        time.sleep(0.2)
    assert quiet.getvalue() == ""


def test_a_claim_lost_by_the_batch_engine_stops_the_run(files, tmp_path, monkeypatch, capsys):
    """The same invariant on the batch engine's results in columns."""
    from aidlang.engines.batch.engine import BatchSettler

    real_settle = BatchSettler.settle_frame
    monkeypatch.setattr(BatchSettler, "settle_frame", lambda self, *a, **k: real_settle(self, *a, **k).slice(1))
    claims, identities = files(GOOD_CLAIMS)
    out = tmp_path / "results.csv"
    assert main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(out),
                 "--engine", "batch"]) == 3
    assert "a claim was lost or doubled" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("engine", ["interp", "batch"])
def test_an_institution_level_the_policy_never_names_is_warned_of(tmp_path, engine, capsys):
    """Jinggu's rules test 机构级别 = "一级" / "二级" / "三级" / "基层" (policies/jinggu.aid, 二(四)); a claim at "四级"
    meets none of them and settles with no level's deductible or cap. Valid data, so settled — with a warning
    naming the value and its count (2 of 3 claims), in the policy's order of levels; none when every level is
    one the policy names."""
    claims = write(tmp_path / "claims.csv", (
        "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid,"
        "institution_level\n"
        "c1,p1,inpatient,2017-03-01,2017-03-10,10000,5000,0,四级\n"
        "c2,p1,inpatient,2017-04-01,2017-04-10,10000,5000,0,二级\n"
        "c3,p1,inpatient,2017-05-01,2017-05-10,10000,5000,0,四级\n"))
    identities = write(tmp_path / "identities.csv", "person_id,category,start,end\np1,困难群众,2017-01-01,\n")
    args = ["run", str(ROOT / "policies" / "jinggu.aid"), "--claims", claims, "--identities", identities,
            "--out", str(tmp_path / "results.csv"), "--engine", engine]
    capsys.readouterr()
    assert main(args) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if line.startswith("警告")]
    assert warned == [f"警告：{claims} 中的机构级别 四级（2 条）不是政策所写的任一级别（一级、二级、三级、基层），"
                      "这些就诊不满足任何按机构级别的条件"]
    assert len(read_csv(tmp_path / "results.csv")) == 3
    write(tmp_path / "claims.csv", Path(claims).read_text(encoding="utf-8").replace("四级", "三级"))
    assert main(args + ["--lang", "en"]) == 0
    assert "warning" not in capsys.readouterr().err
