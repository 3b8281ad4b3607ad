"""Issue 13 item 1, last part: ledgers split by a claim attribute. A pool declared `分账 机构级别` keeps its
deductible and cap ledgers once per institution level (claims.csv `institution_level`): a person's stays at
二级 and 三级 hospitals each meet their own yearly deductible and cap. Settled through `aidlang run` on every
engine; amounts worked by hand in the comments."""

from __future__ import annotations

import csv

import pytest

from aidlang.cli import main
from aidlang.frontend.formatter import format_text

POLICY = """政策 split "分账测试" {
  发布机关 "某市医疗保障局"
  施行日期 2026-01-01
}
类别 低保对象 依据 "一"
就诊类型 住院 依据 "一"
费用池 住院费用 "政策范围内住院费用" = 住院 共用 起付标准, 限额 分账 机构级别 依据 "一"
待遇 医疗救助 a "医疗救助" 依据 "二" {
  适用 住院费用
  对 低保对象: 起付标准 1000元 比例 50% 限额 3000元 依据 "二"
}
"""

CLAIMS = ("claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid,"
          "institution_level\n") + """\
c1,p1,住院,2026-02-01,2026-02-10,5000,1000,0,二级
c2,p1,住院,2026-03-01,2026-03-10,3000,0,0,三级
c3,p1,住院,2026-04-01,2026-04-10,5000,0,0,二级
c4,p1,住院,2026-05-01,2026-05-10,2000,0,0,
c5,p1,住院,2026-06-01,2026-06-10,4000,0,0,三级
c6,p1,住院,2027-01-05,2027-01-09,2000,0,0,二级
"""
IDENTITIES = "person_id,category,start,end\np1,低保对象,2026-01-01,\n"

# aid_paid per claim, by hand (deductible 1,000, ratio 50%, cap 3,000 — each per person, year and level):
EXPECTED = {
    # 二级, first: base 5,000 − 1,000 = 4,000; 4,000 − 1,000 above the deductible = 3,000 × 50% = 1,500
    "c1": "1500.00",
    # 三级, first at its level: its own deductible again, 3,000 − 1,000 = 2,000 × 50% = 1,000 (one shared
    # ledger would have counted all 3,000 → 1,500)
    "c2": "1000.00",
    # 二级 again: deductible met by c1, 5,000 × 50% = 2,500; 二级 cap 3,000 − 1,500 paid = 1,500 left → 1,500
    "c3": "1500.00",
    # 三级 again: deductible met by c2 (3,000), 4,000 × 50% = 2,000; 三级 cap 3,000 − 1,000 = 2,000 left → 2,000
    # (one shared cap would have had 3,000 − 1,500 − 1,000 − 1,500 = nothing left: 0)
    "c5": "2000.00",
    # a new year at 二级: deductible again, 2,000 − 1,000 = 1,000 × 50% = 500
    "c6": "500.00",
}


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "split.aid").write_text(POLICY, encoding="utf-8")
    (tmp_path / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    (tmp_path / "identities.csv").write_text(IDENTITIES, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("engine", ["interp", "compiled", "batch"])
def test_each_level_keeps_its_own_deductible_and_cap_on_every_engine(workdir, engine):
    if engine == "compiled":
        assert main(["compile", "split.aid"]) == 0
    assert main(["run", "split.aid", "--claims", "claims.csv", "--identities", "identities.csv",
                 "--engine", engine, "--out", "results.csv", "--rejects", "rejects.csv"]) == 0
    rows = {r["claim_id"]: r["aid_paid"] for r in csv.DictReader(open(workdir / "results.csv", encoding="utf-8"))}
    assert rows == EXPECTED
    # c4 gives no level, so no ledger can hold it: rejected, naming the line of `分账 机构级别`, and the later
    # claims settle as if it had not been there (c5 above)
    rejected = list(csv.DictReader(open(workdir / "rejects.csv", encoding="utf-8")))
    assert [r["claim_id"] for r in rejected] == ["c4"]
    assert "机构级别（institution_level）为空，而 split.aid:7 的规则需要它" in rejected[0]["reason"]


def test_split_by_takes_the_institution_level_only(workdir, capsys):
    (workdir / "bad.aid").write_text(POLICY.replace("分账 机构级别", "分账 病种"), encoding="utf-8")
    assert main(["check", "bad.aid"]) != 0
    err = capsys.readouterr().err
    assert "bad.aid:7:42: 错误 E124: 分账 只能按 机构级别（institution_level）：“病种”不是就诊的机构级别" in err
    assert err.splitlines()[2].strip() == "^^^^"  # under 病种: column 42, counting characters
    assert main(["check", "--lang", "en", "bad.aid"]) != 0
    assert ("error E124: split_by takes institution_level (机构级别): 病种 is not a claim's institution level"
            in capsys.readouterr().err)


def test_the_table_and_explain_say_the_ledgers_are_per_level(workdir, capsys):
    assert main(["compile", "split.aid"]) == 0
    table = (workdir / "generated" / "split.md").read_text(encoding="utf-8")
    assert "政策范围内住院费用：住院，起付标准和年度救助限额按医疗机构级别分别累计（一）。" in table
    capsys.readouterr()
    assert main(["explain", "split.aid", "--claims", "claims.csv", "--identities", "identities.csv",
                 "--claim", "c5"]) == 0
    out = capsys.readouterr().out
    assert "按医疗机构级别分账：本年此前累计与已支付只计三级医疗机构的就诊" in out
    assert "本年此前累计 3,000.00元" in out  # c2's base alone: c1 and c3 were at 二级
    assert "本年已支付 1,000.00元" in out


def test_the_formatter_keeps_split_by():
    messy = POLICY.replace("分账 机构级别", "分账   机构级别")
    assert "限额 分账 机构级别 依据" in format_text(messy)
    english = POLICY.replace("分账 机构级别", "split_by institution_level")
    assert "split_by institution_level" in format_text(english)
