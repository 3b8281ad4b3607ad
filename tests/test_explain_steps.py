"""Issue 13 item 6: `explain` shows the half-up rounding when the product is not whole fen, and says why a tier
that lists the category pays nothing (no ratio written). Amounts worked by hand in the comments."""

from __future__ import annotations

from aidlang.cli import main

POLICY = """政策 ex "解释" {
  发布机关 "某市医疗保障局"
  施行日期 2025-01-01
}
类别 低保对象 依据 "一"
类别 特困人员 依据 "一"
就诊类型 住院 依据 "一"
待遇 医疗救助 a "医疗救助" 依据 "二" {
  对 低保对象: 比例 65% 依据 "二(一)"
  对 特困人员: 限额 3万元 依据 "二(二)"
}
"""
CLAIMS = ("claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid\n"
          "c1,p1,住院,2025-03-01,2025-03-05,1000.01,600,0\n"
          "c2,p2,住院,2025-03-01,2025-03-05,1000,600,0\n"
          "c3,p1,住院,2025-04-01,2025-04-05,1000,600,0\n")
IDENTITIES = "person_id,category,start,end\np1,低保对象,2025-01-01,\np2,特困人员,2025-01-01,\n"


def explain(tmp_path, monkeypatch, capsys, claim: str, lang: str = "zh") -> str:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ex.aid").write_text(POLICY, encoding="utf-8")
    (tmp_path / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    (tmp_path / "identities.csv").write_text(IDENTITIES, encoding="utf-8")
    assert main(["explain", "ex.aid", "--claims", "claims.csv", "--identities", "identities.csv",
                 "--claim", claim, "--lang", lang]) == 0
    return capsys.readouterr().out


def test_rounding_is_shown_when_it_changes_the_fen(tmp_path, monkeypatch, capsys):
    # (1,000.01 − 600) × 65% = 400.01 × 0.65 = 260.0065 → half-up to the fen: 260.01
    out = explain(tmp_path, monkeypatch, capsys, "c1")
    assert "400.01 × 65% = 260.0065元，四舍五入到分 260.01元" in out
    out = explain(tmp_path, monkeypatch, capsys, "c1", "en")
    assert "400.01 × 65% = 260.0065 yuan, rounded half-up to the fen: 260.01 yuan" in out


def test_no_rounding_step_when_the_product_is_whole_fen(tmp_path, monkeypatch, capsys):
    # 400 × 65% = 260.00 exactly
    out = explain(tmp_path, monkeypatch, capsys, "c3")
    assert "400.00 × 65% = 260.00元\n" in out and "四舍五入" not in out


def test_a_tier_listing_the_category_without_a_ratio_says_so(tmp_path, monkeypatch, capsys):
    out = explain(tmp_path, monkeypatch, capsys, "c2")
    assert ("二(二) 医疗救助：列有特困人员的规则（依据 二(二)）没有写 比例（只写了 限额）：比例缺失即本项不支付"
            in out)
    out = explain(tmp_path, monkeypatch, capsys, "c2", "en")
    assert ("the rules listing 特困人员 (clauses 二(二)) give no ratio (only cap): without a ratio this tier pays "
            "nothing") in out
