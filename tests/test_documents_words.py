"""Issue 13 item 3: the documents' own words. `不设`, `不封顶` and `不设起付线` mean 无 and settle the same on both
engines; 成文日期 and 发布日期 are two header fields. (The refusals with hints are golden cases in
tests/cases/syntax and tests/cases/errors.) Amounts are worked by hand in the comments."""

from __future__ import annotations

import csv

import pytest

from aidlang.cli import main
from aidlang.frontend import nodes as n
from aidlang.frontend.parser import parse
from aidlang.frontend.source import Source

POLICY = """政策 words "文件用语" {
  发布机关 "某市医疗保障局"
  成文日期 2024-12-20
  发布日期 2024-12-26
  施行日期 2025-01-01
}
类别 低保对象 依据 "一"
类别 特困人员 依据 "一"
就诊类型 住院 依据 "一"
待遇 医疗救助 a "医疗救助" 依据 "二" {
  对 低保对象: 起付标准 不设 比例 70% 限额 不封顶 依据 "二(一)"
  对 特困人员: 不设起付线 比例 100% 不封顶 依据 "二(二)"
}
"""
WRITTEN_WITH_NONE = POLICY.replace("起付标准 不设 比例 70% 限额 不封顶", "起付标准 无 比例 70% 限额 无").replace(
    "不设起付线 比例 100% 不封顶", "起付标准 无 比例 100% 限额 无")


def test_the_words_are_none_and_the_dates_two_fields():
    words = parse(Source("words.aid", POLICY))
    plain = parse(Source("plain.aid", WRITTEN_WITH_NONE))
    assert words == plain  # the same tree: positions and the spelling of none are outside equality
    tier = next(d for d in words.decls if isinstance(d, n.Tier))
    assert [[(s.key, s.value.word) for s in r.settings if isinstance(s.value, n.NoneLit)] for r in tier.rules] == [
        [("deductible", "不设"), ("cap", "不封顶")], [("deductible", "不设起付线"), ("cap", "不封顶")]]
    header = words.header
    assert (str(header.issued), str(header.published)) == ("2024-12-20", "2024-12-26")


@pytest.mark.parametrize("engine", ["interp", "compiled"])
def test_settled_as_none_on_both_engines(tmp_path, monkeypatch, engine):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "words.aid").write_text(POLICY, encoding="utf-8")
    if engine == "compiled":
        assert main(["compile", "words.aid"]) == 0
    (tmp_path / "claims.csv").write_text(
        "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid\n"
        # 低保: no deductible (不设), 70% × (500,000 − 200,000 − 0) = 210,000, no cap (不封顶) though it is large
        "c1,p1,住院,2025-02-01,2025-02-20,500000,200000,0\n"
        # 特困: 不设起付线, 100% × (1,000 − 600) = 400
        "c2,p2,住院,2025-03-01,2025-03-05,1000,600,0\n", encoding="utf-8")
    (tmp_path / "identities.csv").write_text(
        "person_id,category,start,end\np1,低保对象,2025-01-01,\np2,特困人员,2025-01-01,\n", encoding="utf-8")
    assert main(["run", "words.aid", "--claims", "claims.csv", "--identities", "identities.csv",
                 "--engine", engine, "--out", "results.csv"]) == 0
    rows = {r["claim_id"]: r for r in csv.DictReader(open(tmp_path / "results.csv", encoding="utf-8"))}
    assert (rows["c1"]["aid_paid"], rows["c1"]["self_pay"]) == ("210000.00", "90000.00")  # 500,000 − 200,000 − 210,000
    assert (rows["c2"]["aid_paid"], rows["c2"]["self_pay"]) == ("400.00", "0.00")


def test_the_table_shows_both_dates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "words.aid").write_text(POLICY, encoding="utf-8")
    assert main(["compile", "words.aid"]) == 0
    table = (tmp_path / "generated" / "words.md").read_text(encoding="utf-8")
    assert "成文日期：2024年12月20日" in table and "发布日期：2024年12月26日" in table
