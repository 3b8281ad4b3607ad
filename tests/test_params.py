"""`--param NAME=VALUE` is checked like a value written in the policy (issue 15): the type, the unit and the range
(a rate within 0%–100%, money whole fen and never negative, a date a real date), on every command that takes
`--param`, through the real CLI. Amounts are worked out by hand from the policies (arithmetic in comments)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from aidlang.cli import main
from aidlang.io import params

ROOT = Path(__file__).resolve().parent.parent
MIANYANG = str(ROOT / "policies" / "mianyang.aid")
# every benefit value of this policy is published later: its deductible, ratio and cap, and its tilted aid's
# threshold, ratio and cap, as in the county standard of the issue; also an annual share and a monitoring line
LATER = str(ROOT / "tests" / "data" / "params" / "published_later.aid")

CLAIMS_HEADER = "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid"
IDENTITIES = "person_id,category,start,end\np1,低保对象,2024-01-01,\n"
# good values for every parameter of LATER; a test replaces one of them
GOOD = {"aid_deductible": "1000", "aid_ratio": "70%", "aid_cap": "1万元", "tilted_threshold": "5000元",
        "tilted_ratio": "0.5", "tilted_cap": "0.2万", "contribution": "400", "contribution_share": "50%"}


def param_args(values: dict[str, str]) -> list[str]:
    return [arg for name, value in values.items() for arg in ("--param", f"{name}={value}")]


@pytest.fixture
def files(tmp_path):
    claims = tmp_path / "claims.csv"
    claims.write_text(f"{CLAIMS_HEADER}\nc1,p1,inpatient,2024-03-01,2024-03-10,50000,20000,8000\n", encoding="utf-8")
    identities = tmp_path / "identities.csv"
    identities.write_text(IDENTITIES, encoding="utf-8")
    return str(claims), str(identities)


def read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def command(name: str, claims: str, identities: str) -> list[str]:
    """The command line of each command that takes `--param`, on LATER."""
    return {"run": ["run", LATER, "--claims", claims, "--identities", identities],
            "explain": ["explain", LATER, "--claims", claims, "--identities", identities, "--claim", "c1"],
            "annual": ["annual", LATER, "--year", "2024", "--identities", identities],
            "monitor": ["monitor", LATER, "--claims", claims, "--month", "2024-03"]}[name]


# ---------------------------------------------------------------- golden messages, zh and en

BAD = [
    # (parameter, value as typed, zh, en)
    ("tilted_ratio", "150%", "比率应在 0% 到 100% 之间：150%", "a rate must be between 0% and 100%: 150%"),
    ("tilted_ratio", "-5%", "比率应在 0% 到 100% 之间：-5%", "a rate must be between 0% and 100%: -5%"),
    ("tilted_ratio", "-0%", "比率应在 0% 到 100% 之间：-0%", "a rate must be between 0% and 100%: -0%"),
    ("tilted_ratio", "50", "比率 50 有歧义：写作 50% 或 0.5", "the rate 50 is ambiguous: write 50% or 0.5"),
    ("tilted_ratio", "1", "比率 1 有歧义：百分之一写作 1% 或 0.01，全额写作 100%",
     "the rate 1 is ambiguous: write 1% or 0.01 for one percent, 100% for all"),
    ("tilted_ratio", "100", "比率 100 有歧义：写作 100%", "the rate 100 is ambiguous: write 100%"),
    ("tilted_ratio", "1.5", "比率 1.5 有歧义：写作 1.5% 或 0.015", "the rate 1.5 is ambiguous: write 1.5% or 0.015"),
    ("tilted_ratio", "150", "比率应在 0% 到 100% 之间：150", "a rate must be between 0% and 100%: 150"),
    ("tilted_ratio", "5个百分点", "不是比率：5个百分点（写作 5% 或 0.05）", "not a rate: 5个百分点 (write 5% or 0.05)"),
    ("aid_cap", "-1", "金额不能为负数：-1", "an amount must not be negative: -1"),
    ("aid_cap", "-1万元", "金额不能为负数：-1万元", "an amount must not be negative: -1万元"),
    ("aid_cap", "10000.005", "金额只能精确到分（元最多两位小数）：10000.005",
     "money is exact to the fen (at most 2 decimals of yuan): 10000.005"),
    ("aid_cap", "1.2345678万元", "金额只能精确到分（元最多两位小数）：1.2345678万元",
     "money is exact to the fen (at most 2 decimals of yuan): 1.2345678万元"),
    ("aid_cap", "10,000", "不是金额：10,000（写作 10000、10000.00、10000元 或 1万元）",
     "not an amount: 10,000 (write 10000, 10000.00, 10000元 or 1万元)"),
    ("aid_cap", "5%", "不是金额：5%（写作 10000、10000.00、10000元 或 1万元）",
     "not an amount: 5% (write 10000, 10000.00, 10000元 or 1万元)"),
    ("aid_cap", "", "缺少取值：应写作 aid_cap=…，如 10000、10000.00、10000元 或 1万元",
     "no value: write aid_cap=…, e.g. 10000, 10000.00, 10000元 or 1万元"),
    # thousands of digits: a data error quoting the start of the value, never an internal error
    ("aid_cap", "9" * 5000, f"数值位数过多（整数、小数各最多 15 位）：{'9' * 40}…",
     f"too many digits (at most 15 before and after the point): {'9' * 40}…"),
    ("tilted_ratio", "0." + "1" * 5000, f"数值位数过多（整数、小数各最多 15 位）：0.{'1' * 38}…",
     f"too many digits (at most 15 before and after the point): 0.{'1' * 38}…"),
]


@pytest.mark.parametrize("name, value, zh, en", BAD, ids=[f"{n}={v[:12]}" for n, v, _, _ in BAD])
def test_a_bad_value_is_refused_quoting_it(files, capsys, name, value, zh, en):
    args = [*command("run", *files), *param_args({**GOOD, name: value})]
    index = list(GOOD).index(name) + 1  # the value's place among the --param options
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"--param:{index}:{name}: {zh}"] and captured.out == ""
    assert main(["--lang", "en", *args]) == 2
    assert capsys.readouterr().err.splitlines() == [f"--param:{index}:{name}: {en}"]


def test_a_parameter_is_given_once_by_its_name_or_its_label(files, capsys):
    args = [*command("run", *files), *param_args(GOOD), "--param", "医疗救助年度限额=2万元"]
    assert main(args) == 2
    assert capsys.readouterr().err.splitlines() == [
        "--param:9:医疗救助年度限额: 参数 医疗救助年度限额 已由第 3 个 --param 给出"]


@pytest.mark.parametrize("name", ["run", "explain", "annual", "monitor"])
@pytest.mark.parametrize("param, value, zh", [
    ("contribution_share", "150%", "比率应在 0% 到 100% 之间：150%"),
    ("contribution_share", "50", "比率 50 有歧义：写作 50% 或 0.5"),
    ("tilted_threshold", "-1", "金额不能为负数：-1"),
])
def test_every_command_that_takes_param_refuses_a_bad_value(files, tmp_path, capsys, name, param, value, zh):
    out = tmp_path / "out.csv"
    args = [*command(name, *files), *param_args({**GOOD, param: value})]
    if name != "explain":
        args += ["--out", str(out)]
    assert main(args) == 2
    index = list(GOOD).index(param) + 1
    assert f"--param:{index}:{param}: {zh}" in capsys.readouterr().err.splitlines()
    assert not out.exists()


def test_a_test_case_value_is_checked_as_a_param_value_is(tmp_path, capsys):
    """The same rule inside the policy: a test case's `参数 NAME = 150%` is E205, like `--param NAME=150%`."""
    text = Path(LATER).read_text(encoding="utf-8") + (
        '\n测试 过高 "比例过高" {\n  参数 tilted_ratio = 150%\n  人员 p1\n}\n')
    policy = tmp_path / "high.aid"
    policy.write_text(text, encoding="utf-8")
    assert main(["check", str(policy)]) == 1
    assert "high.aid:48:21: 错误 E205: 参数“tilted_ratio”应在 0% 到 100% 之间，这里是 150%" in capsys.readouterr().err


# ---------------------------------------------------------------- the policy's own spellings of money

def test_wan_yuan_settles_a_claim(files, tmp_path):
    """LATER, 低保对象, one stay: cost 50000, basic 20000, critical 8000 (both given: the policy has neither tier).
    医疗救助: base 50000 − 20000 − 8000 = 22000; above the deductible 1000: 21000; 70% × 21000 = 14700;
      the cap 1万元 = 10000 → 10000.
    倾斜救助: base 22000 − 10000 = 12000; above the threshold 5000元: 7000; 0.5 × 7000 = 3500;
      the cap 0.2万 = 2000 → 2000.
    self-pay 50000 − 20000 − 8000 − 10000 − 2000 = 10000."""
    out = tmp_path / "results.csv"
    assert main([*command("run", *files), *param_args(GOOD), "--out", str(out)]) == 0
    [row] = read_csv(out)
    assert (row["aid_paid"], row["tilted_paid"], row["self_pay"], row["status"]) == ("10000.00", "2000.00",
                                                                                  "10000.00", "ok")


def test_wan_yuan_on_mianyang(tmp_path):
    """Mianyang, 特困人员, inpatient 2023-03: cost 50000, basic 20000; parameters in 万 as the policy writes them.
    大病保险 二(三): deductible 50% × 4万 = 20000, lowered 50% → 10000; ratio 60% + 5pp = 65%;
      base 50000 − 20000 = 30000; (30000 − 10000) × 65% = 13000.
    医疗救助 二(五): base 50000 − 20000 − 13000 = 17000; no deductible, 100% → 17000; the cap 1万元 → 10000.
    倾斜救助 二(五): base 17000 − 10000 = 7000; above the line 0.5万 = 5000: 2000; 50% → 1000 (cap 1.5万元 = 15000).
    self-pay 50000 − 20000 − 13000 − 10000 − 1000 = 6000."""
    claims = tmp_path / "claims.csv"
    claims.write_text(f"{CLAIMS_HEADER}\nc1,p1,inpatient,2023-03-01,2023-03-10,50000,20000,\n", encoding="utf-8")
    identities = tmp_path / "identities.csv"
    identities.write_text("person_id,category,start,end\np1,特困人员,2020-01-01,\n", encoding="utf-8")
    out = tmp_path / "results.csv"
    values = {"prev_year_disposable_income": "4万", "poverty_monitoring_income_line": "0.5万",
              "aid_annual_cap": "1万元", "tilted_annual_cap": "1.5万元"}
    assert main(["run", MIANYANG, "--claims", str(claims), "--identities", str(identities), *param_args(values),
                 "--out", str(out)]) == 0
    [row] = read_csv(out)
    assert (row["critical_paid"], row["aid_paid"], row["tilted_paid"], row["self_pay"]) == (
        "13000.00", "10000.00", "1000.00", "6000.00")


@pytest.mark.parametrize("text, fen", [
    ("10000", 1_000_000), ("10000.00", 1_000_000), ("10000元", 1_000_000), ("10000yuan", 1_000_000),
    ("1万元", 1_000_000), ("1万", 1_000_000), ("1wan", 1_000_000), ("1 万元", 1_000_000),
    ("1.5万元", 1_500_000),  # 1.5 × 10000 = 15000 yuan
    ("1.234万", 1_234_000),  # 12340 yuan: whole fen although 万 has three decimals
    ("0.000001万", 1),  # 0.01 yuan
    ("0", 0), ("10000.5", 1_000_050),
])
def test_money_spellings(text, fen):
    assert params.parse_param_value(text, "money") == (fen, "", "")


@pytest.mark.parametrize("text, rate", [
    ("5%", Fraction(1, 20)), ("5％", Fraction(1, 20)), ("0.05", Fraction(1, 20)), ("0.5", Fraction(1, 2)),
    ("100%", Fraction(1)), ("0%", Fraction(0)), ("0", Fraction(0)), ("62.5%", Fraction(5, 8)),
])
def test_rate_spellings(text, rate):
    assert params.parse_param_value(text, "rate") == (rate, "", "")


@pytest.mark.parametrize("text, expected", [
    ("2024-01-01", dt.date(2024, 1, 1)), ("2024年1月1日", dt.date(2024, 1, 1)),
    ("2023-02-30", None), ("2023/01/01", None),
])
def test_date_spellings(text, expected):
    assert params.parse_param_value(text, "date")[0] == expected


def test_number_values_are_exact():
    assert params.parse_param_value("3", "number") == (3, "", "")
    assert params.parse_param_value("1.5", "number") == (Fraction(3, 2), "", "")
    assert params.parse_param_value("1.5元", "number")[0] is None


# ---------------------------------------------------------------- parse_params alone (moved from test_data.py)

SPECS = {"aid_annual_cap": params.ParamSpec("aid_annual_cap", "年度救助限额", "money"),
         "rate": params.ParamSpec("rate", "比率", "rate")}


def lookup(name):
    return SPECS.get(name) or next((s for s in SPECS.values() if s.label == name), None)


def test_params_by_identifier_or_label():
    values, errors = params.parse_params(["年度救助限额=40000.00", "rate=5%"], lookup)
    assert errors == [] and values == {"aid_annual_cap": 4_000_000, "rate": Fraction(1, 20)}
    assert params.parse_params(["rate=0.05"], lookup)[0] == {"rate": Fraction(1, 20)}


def test_bad_params():
    _, errors = params.parse_params(["nope=1", "aid_annual_cap=4万5", "rate=five", "novalue", "=1"], lookup)
    assert [e.render() for e in errors] == [
        "--param:1:nope: 政策中没有参数 nope",
        "--param:2:aid_annual_cap: 不是金额：4万5（写作 10000、10000.00、10000元 或 1万元）",
        "--param:3:rate: 不是比率：five（写作 5% 或 0.05）",
        "--param:4:novalue: 应写作 NAME=VALUE",
        "--param:5:=1: 应写作 NAME=VALUE"]


# ---------------------------------------------------------------- properties

NUMBERS = st.one_of(
    st.integers(min_value=-10**6, max_value=10**8).map(str),
    st.decimals(min_value=-10**6, max_value=10**6, places=3, allow_nan=False, allow_infinity=False).map(str),
    st.text("0123456789.-", min_size=1, max_size=20),
)
UNITS = st.sampled_from(["", "", "元", "万元", "万", "wan", "%", "％", " %", "个百分点", "pp", "岁", "e3"])
VALUES = st.one_of(st.builds(lambda number, unit: number + unit, NUMBERS, UNITS), st.text(max_size=12))


@st.composite
def money_spelling(draw) -> tuple[int, str]:
    """A fen amount and one of the policy's spellings of it."""
    fen = draw(st.integers(min_value=0, max_value=10**12))
    yuan = Decimal(fen).scaleb(-2)
    if fen % 100 == 0 and draw(st.booleans()):
        wan = format((yuan / 10000).normalize(), "f")
        return fen, wan + draw(st.sampled_from(["万元", "万", "wan", " 万元"]))
    return fen, format(yuan, "f") + draw(st.sampled_from(["", "元", "yuan"]))


@settings(max_examples=200, deadline=None)
@given(money_spelling())
def test_every_spelling_of_an_amount_reads_back_as_its_fen(spelled):
    fen, text = spelled
    assert params.parse_param_value(text, "money") == (fen, "", "")


@st.composite
def claims_text(draw) -> str:
    """Claims of one person in 2024 whose insurance payments never exceed their cost (the data is good; only
    the parameters are random)."""
    rows = []
    for index in range(draw(st.integers(min_value=1, max_value=4))):
        cost = draw(st.integers(min_value=0, max_value=10**7))  # fen
        basic = draw(st.integers(min_value=0, max_value=cost))
        critical = draw(st.integers(min_value=0, max_value=cost - basic))
        day = 1 + index
        rows.append(f"c{index},p1,inpatient,2024-03-{day:02d},2024-03-{day:02d},"
                    f"{cost / 100:.2f},{basic / 100:.2f},{critical / 100:.2f}")
    return "\n".join([CLAIMS_HEADER, *rows]) + "\n"


def fen(text: str) -> int:
    whole, _, cents = text.partition(".")
    return int(whole) * 100 + int(cents or 0) * (-1 if whole.startswith("-") else 1)


RATES = st.one_of(st.integers(min_value=0, max_value=100).map(lambda percent: f"{percent}%"),
                  st.decimals(min_value=0, max_value=Decimal("0.999"), places=3).map(lambda d: format(d, "f")))
TYPES = {"aid_deductible": "money", "aid_ratio": "rate", "aid_cap": "money", "tilted_threshold": "money",
         "tilted_ratio": "rate", "tilted_cap": "money", "contribution": "money", "contribution_share": "rate"}


@st.composite
def parameter_values(draw) -> dict[str, str]:
    """Good spellings of every parameter, then a few replaced by anything (so that runs both settle and fail)."""
    good = {"money": money_spelling().map(lambda spelled: spelled[1]), "rate": RATES}
    values = {name: draw(good[type_]) for name, type_ in TYPES.items()}
    for name in draw(st.sets(st.sampled_from(sorted(TYPES)), max_size=2)):
        values[name] = draw(VALUES)
    return values


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=parameter_values(), claims=claims_text())
def test_random_parameters_are_refused_or_pay_no_more_than_owed(tmp_path, capsys, values, claims):
    """Whatever the values: either the run is refused (exit 2, naming a --param) or every claim has
    0 ≤ self_pay and aid + tilted ≤ cost − basic − critical."""
    claims_path, identities, out = tmp_path / "claims.csv", tmp_path / "identities.csv", tmp_path / "results.csv"
    claims_path.write_text(claims, encoding="utf-8")
    identities.write_text(IDENTITIES, encoding="utf-8")
    out.unlink(missing_ok=True)
    code = main([*command("run", str(claims_path), str(identities)), *param_args(values), "--out", str(out)])
    err = capsys.readouterr().err
    event("refused" if code == 2 else "settled")
    if code == 2:
        assert err.startswith("--param:") and not out.exists(), err
        return
    assert code == 0, err
    costs = {row["claim_id"]: fen(row["policy_scope_cost"]) for row in read_csv(claims_path)}
    for row in read_csv(out):
        owed = costs[row["claim_id"]] - fen(row["basic_paid"]) - fen(row["critical_paid"])
        assert 0 <= fen(row["self_pay"]), row
        assert fen(row["aid_paid"]) + fen(row["tilted_paid"]) <= owed, row


# ---------------------------------------------------------------- parameters by year or date (issue 13)

TWO_YEARS = (f"{CLAIMS_HEADER}\nc1,p1,inpatient,2024-03-01,2024-03-10,50000,20000,8000\n"
             "c2,p1,inpatient,2025-03-01,2025-03-10,50000,20000,8000\n")


def test_a_parameter_by_year_settles_each_claim_with_its_years_value(tmp_path, capsys):
    """LATER, 低保对象, one stay in 2024 and one in 2025, each: cost 50000, basic 20000, critical 8000 → base 22000.
    The deductible is 1000 in 2024 and 3000 from 2025 (`aid_deductible@2025=3000`); 70%, cap 2万元 a year.
    2024: (22000 − 1000) × 70% = 14700.  2025: a new year of ledgers, (22000 − 3000) × 70% = 13300.
    Tilted aid, threshold 5000, 0.5, cap 2000: 2024 base 22000 − 14700 = 7300 → 2300 × 0.5 = 1150;
    2025 base 22000 − 13300 = 8700 → 3700 × 0.5 = 1850."""
    claims, identities = tmp_path / "claims.csv", tmp_path / "identities.csv"
    claims.write_text(TWO_YEARS, encoding="utf-8")
    identities.write_text(IDENTITIES, encoding="utf-8")
    values = dict(GOOD, aid_cap="2万元")
    del values["aid_deductible"]
    out = tmp_path / "results.csv"
    args = ["run", LATER, "--claims", str(claims), "--identities", str(identities), *param_args(values),
            "--param", "aid_deductible=1000", "--param", "aid_deductible@2025=3000", "--out", str(out)]
    assert main(args) == 0, capsys.readouterr().err
    rows = read_csv(out)
    assert [(r["aid_paid"], r["tilted_paid"]) for r in rows] == [("14700.00", "1150.00"), ("13300.00", "1850.00")]
    # the same from a file of name, from, value; the batch engine settles it the same way (on its kernel)
    table = tmp_path / "params.csv"
    table.write_text("name,from,value\naid_deductible,,1000\naid_deductible,2025-01-01,3000\n", encoding="utf-8")
    for engine in ("interp", "batch"):
        again = tmp_path / f"again-{engine}.csv"
        assert main(["run", LATER, "--claims", str(claims), "--identities", str(identities), *param_args(values),
                     "--params", str(table), "--out", str(again), "--engine", engine]) == 0
        assert again.read_bytes() == out.read_bytes()


def test_a_date_no_given_value_covers_stops_the_run_naming_it(tmp_path, capsys):
    """Only `aid_deductible@2025=3000`: the 2024 claim has no deductible value — as a policy's own dated values
    with a gap, the run stops naming the parameter and the date, and writes nothing."""
    claims, identities = tmp_path / "claims.csv", tmp_path / "identities.csv"
    claims.write_text(TWO_YEARS, encoding="utf-8")
    identities.write_text(IDENTITIES, encoding="utf-8")
    values = dict(GOOD)
    del values["aid_deductible"]
    out = tmp_path / "results.csv"
    assert main(["run", LATER, "--claims", str(claims), "--identities", str(identities), *param_args(values),
                 "--param", "aid_deductible@2025=3000", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "aid_deductible" in err and "2024-03-10" in err
    assert not out.exists()


@pytest.mark.parametrize("texts, zh, en", [
    (["aid_annual_cap@20x4=1"], "@ 后应写年份或日期，如 NAME@2026=… 或 NAME@2026-07-01=…：20x4",
     "write a year or a date after @, e.g. NAME@2026=… or NAME@2026-07-01=…: 20x4"),
    (["aid_annual_cap@2025=1", "aid_annual_cap@2025-01-01=2"],
     "参数 aid_annual_cap 自 2025-01-01 起的值已由第 1 个 --param 给出",
     "aid_annual_cap from 2025-01-01 is already given by --param 1"),
    (["aid_annual_cap=1", "年度救助限额=2"], "参数 年度救助限额 已由第 1 个 --param 给出",
     "年度救助限额 is already given by --param 1"),
    (["aid_annual_cap@2025-02-30=1"], "@ 后应写年份或日期", "write a year or a date after @"),
])
def test_bad_dated_params(texts, zh, en):
    values, errors = params.parse_params(texts, lookup)
    assert len(errors) == 1 and errors[0].reason_zh.startswith(zh) and errors[0].reason_en.startswith(en)


def test_dated_params_read_in_date_order():
    texts = ["aid_annual_cap@2026=3万", "aid_annual_cap=1万", "aid_annual_cap@2025-07-01=2万"]
    values, errors = params.parse_params(texts, lookup)
    assert not errors
    by_date = values["aid_annual_cap"]
    assert by_date.values == ((None, 1_000_000), (dt.date(2025, 7, 1), 2_000_000), (dt.date(2026, 1, 1), 3_000_000))
    assert by_date.on(dt.date(2025, 6, 30)) == (True, 1_000_000)
    assert by_date.on(dt.date(2025, 7, 1)) == (True, 2_000_000)
    assert by_date.on(dt.date(2027, 1, 1)) == (True, 3_000_000)


def test_a_params_file_names_its_rows(tmp_path):
    table = tmp_path / "params.csv"
    table.write_text("名称,自,值\naid_annual_cap,2025,1万\naid_annual_cap,2025,2万\nno_such,,1\n", encoding="utf-8")
    texts, where, file_errors = params.read_params_file(str(table))
    assert not file_errors and where == [(str(table), 2), (str(table), 3), (str(table), 4)]
    values, errors = params.parse_params(texts, lookup, where)
    assert [(e.file, e.row) for e in errors] == [(str(table), 3), (str(table), 4)]
    assert errors[0].reason_zh == f"参数 aid_annual_cap 自 2025-01-01 起的值已由 {table} 第 2 行给出"
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    assert params.read_params_file(str(bad))[2][0].reason_en == "the header must be name,from,value"


def test_a_params_file_row_split_by_a_thousands_comma_is_an_error_not_a_smaller_amount(tmp_path):
    """`aid_annual_cap,2025,1,000` has four cells under three columns: read as 1 yuan it would change every
    payment under the cap, so it is its row's error, as a claims.csv row of the wrong width is."""
    table = tmp_path / "params.csv"
    table.write_text("name,from,value\naid_annual_cap,2025,1,000\n", encoding="utf-8")
    texts, where, errors = params.read_params_file(str(table))
    assert texts == [] and [(e.row, e.reason_en) for e in errors] == [(2, "the row has 4 fields, the header 3")]
