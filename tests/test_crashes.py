"""Inputs that used to end in exit 3 (内部错误) or in silence (issue 14): each now gets a diagnostic, a usage error
or a warning, in Chinese and in English."""

from __future__ import annotations

from pathlib import Path

import pytest

from aidlang.cli import main

ROOT = Path(__file__).resolve().parent.parent
WUXI = str(ROOT / "policies" / "wuxi.aid")
MIANYANG = str(ROOT / "policies" / "mianyang.aid")
HEADER = '''政策 p "测试政策" {{
  文号 "测试〔2023〕1号"
  发布机关 "某市医疗保障局"
  施行日期 {in_force}{extra}
}}
类别 甲 依据 "一"
'''
CLAIMS_HEADER = "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid"


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def chain_policy(terms: int) -> str:
    """A tier whose base subtracts `terms` amounts of 1元: nesting terms levels, with a test case."""
    chain = " - ".join(["1元"] * terms)
    return HEADER.format(in_force="2023-01-01", extra="") + f'''待遇 医疗救助 救助 依据 "一" {{
  基数 政策范围内费用 - {chain}
  对 甲: 比例 100% 依据 "一"
}}
测试 甲住院 "甲" {{
  身份 p1 甲 2023-01-01 ..
  就诊 c1 p1 inpatient 2023-03-01 .. 2023-03-10 费用 20000元 基本医保支付 0元 大病保险支付 0元
  预期 c1 医疗救助支付 {20000 - terms}元 状态 ok 类别 甲 依据 "一"
}}
'''


@pytest.fixture
def data_files(tmp_path):
    claims = write(tmp_path / "claims.csv", f"{CLAIMS_HEADER}\nc1,p1,inpatient,2023-03-01,2023-03-10,20000,0,0\n")
    identities = write(tmp_path / "identities.csv", "person_id,category,start,end\np1,甲,2023-01-01,\n")
    return claims, identities


# ---------------------------------------------------------------- deep expressions

def commands(policy: str, other: str, claims: str, identities: str, out: Path) -> list[list[str]]:
    return [["check", policy], ["compile", policy, "--out", str(out)], ["test", policy], ["diff", policy, other],
            ["run", policy, "--claims", claims, "--identities", identities]]


@pytest.mark.parametrize("lang, head", [("zh", "错误 E008: 表达式嵌套超过 100 层"),
                                        ("en", "error E008: the expression nests more than 100 levels deep")])
def test_a_chain_of_500_subtractions_is_a_diagnostic_in_every_command(tmp_path, capsys, data_files, lang, head):
    deep = write(tmp_path / "deep.aid", chain_policy(500))
    fine = write(tmp_path / "fine.aid", chain_policy(3))
    claims, identities = data_files
    for argv in commands(deep, fine, claims, identities, tmp_path / "gen"):
        assert main(argv + ["--lang", lang]) == 1, argv
        captured = capsys.readouterr()
        err = captured.err + captured.out  # `test` reports on stdout, beside its pass/fail count
        # line 8, column 6: the base's expression, after two spaces of indent, 基数 and a space
        assert f"deep.aid:8:6: {head}" in err, argv


def test_a_chain_at_the_limit_runs_everywhere(tmp_path, capsys, data_files):
    """99 subtractions after 政策范围内费用: 99 levels, inside the limit; the test case expects
    20000 − 99 × 1 = 19901元 of aid at 100%."""
    policy = write(tmp_path / "limit.aid", chain_policy(99))
    claims, identities = data_files
    for argv in commands(policy, policy, claims, identities, tmp_path / "gen"):
        assert main(argv) == 0, argv
    capsys.readouterr()
    assert main(["run", policy, "--claims", claims, "--identities", identities]) == 0
    # claim: 20000 − 0 − 0 − 99 = 19901 base, 100% → 19901 aid, self-pay 99
    assert capsys.readouterr().out.splitlines()[1] == "c1,p1,甲,0.00,0.00,19901.00,0.00,99.00,ok,一"


# ---------------------------------------------------------------- dates past what can be computed

@pytest.mark.parametrize("extra, lang, expected", [
    ("\n  有效期 5年", "zh", "p.aid:5:3: 错误 E312: 施行日期 9999-12-31 晚于 9899-12-31"),
    ("\n  有效期 5年", "en", "p.aid:5:3: error E312: in_force 9999-12-31 is after 9899-12-31"),
])
def test_in_force_at_the_calendars_end_is_rejected_by_check_and_run(tmp_path, capsys, data_files, extra, lang,
                                                                    expected):
    policy = write(tmp_path / "p.aid", "# 施行日期在日历尽头\n" + HEADER.format(in_force="9999-12-31", extra=extra))
    claims, identities = data_files
    for argv in (["check", policy], ["run", policy, "--claims", claims, "--identities", identities]):
        assert main(argv + ["--lang", lang]) == 1
        assert expected in capsys.readouterr().err


@pytest.mark.parametrize("lang, expected", [
    ("zh", "p.aid:5:7: 错误 E313: 自施行日期 2023-01-01 起 有效期 99999999年，到 9899-12-31 以后才结束"),
    ("en", "p.aid:5:7: error E313: valid_for 99999999年 from 2023-01-01 ends after 9899-12-31"),
])
def test_a_validity_past_the_calendar_is_rejected(tmp_path, capsys, lang, expected):
    policy = write(tmp_path / "p.aid", HEADER.format(in_force="2023-01-01", extra="\n  有效期 99999999年"))
    assert main(["check", policy, "--lang", lang]) == 1
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["monitor", MIANYANG, "--claims", "x.csv", "--month", "9999-12"],
     "argument --month: the year must be 0001 to 9899 / 年份应在 0001 至 9899 之间: 9999-12"),
    (["monitor", MIANYANG, "--claims", "x.csv", "--month", "0000-05"],
     "argument --month: the year must be 0001 to 9899 / 年份应在 0001 至 9899 之间: 0000-05"),
    (["annual", WUXI, "--identities", "x.csv", "--year", "9999"],
     "argument --year: the year must be 0001 to 9899 / 年份应在 0001 至 9899 之间: 9999"),
])
def test_a_month_or_year_past_the_calendar_is_a_usage_error(capsys, argv, message):
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2
    assert capsys.readouterr().err.strip().endswith(message)


# ---------------------------------------------------------------- quiet cases

@pytest.mark.parametrize("lang, expected", [
    ("zh", "警告：未给出 --identities，而 {policy} 按类别救助：每条就诊都将是 no_category（无救助）"),
    ("en", "warning: no --identities given, and {policy} aids by category: every claim will be no_category (no aid)"),
])
def test_run_without_identities_warns(tmp_path, capsys, lang, expected):
    claims = write(tmp_path / "claims.csv", f"{CLAIMS_HEADER}\nc1,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0\n")
    assert main(["run", WUXI, "--claims", claims, "--lang", lang]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == expected.format(policy=WUXI)
    assert captured.out.splitlines()[1].endswith(",no_category,")


@pytest.mark.parametrize("command, extra, lang, expected", [
    ("funds", ["--expenditures", "e.csv"], "zh", "{policy} 没有 基金管理：funds 无可计算"),
    ("funds", ["--expenditures", "e.csv"], "en", "{policy} has no fund block: funds has nothing to compute"),
    ("monitor", ["--claims", "c.csv", "--month", "2023-06"], "zh", "{policy} 没有 监测：monitor 无可列出"),
    ("monitor", ["--claims", "c.csv", "--month", "2023-06"], "en",
     "{policy} has no monitor block: monitor has nothing to list"),
])
def test_funds_and_monitor_need_their_block(capsys, command, extra, lang, expected):
    # wuxi.aid has neither a 基金管理 nor a 监测 block; the data files are never read
    assert main([command, WUXI, *extra, "--lang", lang]) == 2
    assert capsys.readouterr().err.strip() == expected.format(policy=WUXI)


@pytest.mark.parametrize("lang, expected", [
    ("zh", "{claims} 中就诊编号 c1 出现了 2 次（第 2, 3 行）：无法确定解释哪一条，run 也会拒收"),
    ("en", "{claims} has claim c1 2 times (rows 2, 3): which one to explain is unclear, and run rejects the file too"),
])
def test_explain_of_a_repeated_claim_id_is_an_error(tmp_path, capsys, lang, expected):
    claims = write(tmp_path / "claims.csv", f"{CLAIMS_HEADER}\nc1,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0\n"
                                            "c1,p2,inpatient,2023-04-01,2023-04-10,100,0,0\n")
    identities = write(tmp_path / "identities.csv", "person_id,category,start,end\np1,特困人员,2023-01-01,\n")
    assert main(["explain", WUXI, "--claims", claims, "--identities", identities, "--claim", "c1", "--lang", lang]) == 2
    assert capsys.readouterr().err.strip() == expected.format(claims=claims)


@pytest.mark.parametrize("lang, expected", [
    ("zh", "{path} 是目录，不是 .aid 文件：diff 比较两个政策文件"),
    ("en", "{path} is a directory, not a .aid file: diff compares two policy files"),
])
def test_diff_of_a_directory_says_so(tmp_path, capsys, lang, expected):
    assert main(["diff", str(tmp_path), WUXI, "--lang", lang]) == 2
    assert capsys.readouterr().err.strip() == expected.format(path=tmp_path)
