"""Issue 13 item 4: category aliases. `类别 低保对象 别名 "最低生活保障对象"` lets identities.csv name the category as
civil affairs does; both engines settle such rows as 低保对象, and the table lists the other names. (A name that
would stand for two categories is E418, a golden case in tests/cases/errors.)"""

from __future__ import annotations

import csv

import pytest

from aidlang.cli import main

POLICY = """政策 al "别名" {
  发布机关 "某市医疗保障局"
  施行日期 2025-01-01
}
类别 低保对象 别名 "最低生活保障对象", "低保户" 依据 "一"
类别 特困人员 "特困供养人员" 别名 "特困" 依据 "一"
就诊类型 住院 依据 "一"
待遇 医疗救助 a "医疗救助" 依据 "二" {
  对 低保对象: 比例 70% 依据 "二(一)"
  对 特困人员: 比例 100% 依据 "二(二)"
}
"""
CLAIMS = ("claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid\n"
          "c1,p1,住院,2025-03-01,2025-03-05,1000,600,0\n"   # 低保 by its alias: 70% × (1,000 − 600) = 280
          "c2,p2,住院,2025-03-01,2025-03-05,1000,600,0\n"   # 低保户, the other alias: 280 too
          "c3,p3,住院,2025-03-01,2025-03-05,1000,600,0\n")  # 特困 (alias of 特困供养人员): 100% × 400 = 400
IDENTITIES = ("person_id,category,start,end\np1,最低生活保障对象,2025-01-01,\np2,低保户,2025-01-01,\n"
              "p3,特困,2025-01-01,\n")


@pytest.mark.parametrize("engine", ["interp", "compiled"])
def test_identities_may_use_an_alias(tmp_path, monkeypatch, engine):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "al.aid").write_text(POLICY, encoding="utf-8")
    (tmp_path / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    (tmp_path / "identities.csv").write_text(IDENTITIES, encoding="utf-8")
    if engine == "compiled":
        assert main(["compile", "al.aid"]) == 0
    assert main(["run", "al.aid", "--claims", "claims.csv", "--identities", "identities.csv", "--engine", engine,
                 "--out", "results.csv"]) == 0
    rows = [(r["claim_id"], r["category"], r["aid_paid"], r["self_pay"])
            for r in csv.DictReader(open(tmp_path / "results.csv", encoding="utf-8"))]
    assert rows == [("c1", "低保对象", "280.00", "120.00"), ("c2", "低保对象", "280.00", "120.00"),
                    ("c3", "特困供养人员", "400.00", "0.00")]


def test_the_table_lists_the_aliases(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "al.aid").write_text(POLICY, encoding="utf-8")
    assert main(["compile", "al.aid"]) == 0
    table = (tmp_path / "generated" / "al.md").read_text(encoding="utf-8")
    assert "又称最低生活保障对象、低保户" in table and "又称特困" in table
