"""The batch engine (`--engine batch`) settles exactly as the interpreter: on 100,000 synthetic claims of every
bundled policy, on the policies' own hand-computed cases, and end to end through `aidlang run`. (The random
policies and timelines of tests/test_compiled.py and tests/test_random_policies.py run it too: `settle_both`.)"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_compiled import published_later_params, settled

from aidlang.check.pipeline import load
from aidlang.cli import main
from aidlang.cli.inputs import read_inputs
from aidlang.engines.batch.engine import BatchSettler
from aidlang.engines.interp.interpreter import Interpreter

ROOT = Path(__file__).resolve().parent.parent
POLICIES = sorted((ROOT / "policies").glob("*.aid"))
CLAIMS = 100_000


@pytest.mark.slow
@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_batch_equals_the_interpreter_on_synthetic_claims(path, tmp_path, capsys):
    checked = load(path)
    assert main(["synth", str(path), "--claims", str(CLAIMS), "--seed", "11", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    persons = tmp_path / "persons.csv"
    inputs = read_inputs(checked, claims=str(tmp_path / "claims.csv"), identities=str(tmp_path / "identities.csv"),
                         persons=str(persons) if persons.exists() else None)
    assert not inputs.fatal
    claims, identities, people = list(inputs.claims_read.records), inputs.identity_records(), inputs.person_map()
    params = published_later_params(checked)
    batch = BatchSettler(checked, Interpreter(checked, params))
    expected = settled(Interpreter(checked, params), claims, identities, people)
    assert isinstance(expected[0], list) and len(expected[0]) > CLAIMS * 9 // 10  # the claims settle: not vacuous
    assert settled(batch, claims, identities, people) == expected
    assert 0 <= batch.kernel_persons <= len({c.person_id for c in claims})


# Mianyang's parameters published later (bench/settle.py's, in fen): 上年居民人均可支配收入 33500元 …
MIANYANG_PARAMS = {"prev_year_disposable_income": 3350000, "poverty_monitoring_income_line": 730000,
                   "aid_annual_cap": 10000000, "tilted_annual_cap": 5000000, "resident_min_contribution": 38000}


def synthetic_run(policy: Path, tmp_path: Path, capsys, claims: int, seed: int):
    """`aidlang synth`'s claims and identities of a policy, read: (checked, claims, identities, persons holding
    several categories, params)."""
    assert main(["synth", str(policy), "--claims", str(claims), "--seed", str(seed), "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    checked = load(policy)
    inputs = read_inputs(checked, claims=str(tmp_path / "claims.csv"), identities=str(tmp_path / "identities.csv"))
    claims_read, identities = list(inputs.claims_read.records), inputs.identity_records()
    held: dict[str, set[str]] = {}
    for row in identities:
        held.setdefault(row.person_id, set()).add(row.category)
    several = {p for p, cats in held.items() if len(cats) > 1} & {c.person_id for c in claims_read}
    return checked, claims_read, identities, several, published_later_params(checked)


def test_wuxi_settles_every_person_in_columns_including_those_held_under_several_categories(tmp_path, capsys):
    """Wuxi: on every visit type the first category in 顺序 pays at least what any later one would (ratios
    100% ≥ 85% ≥ 70%, the same caps, no deductibles, the same tilted aid), so 就高 always chooses the first held
    and no person needs the kernel — with the interpreter's results exactly."""
    checked, claims, identities, several, params = synthetic_run(ROOT / "policies" / "wuxi.aid", tmp_path, capsys,
                                                                 3000, 5)
    batch = BatchSettler(checked, Interpreter(checked, params))
    assert batch.settle(claims, identities, {}) == Interpreter(checked, params).settle(claims, identities, {})
    assert several and batch.kernel_persons == 0


def test_mianyang_settles_on_the_kernel_only_persons_whose_first_category_may_pay_less(tmp_path, capsys):
    """Mianyang: 低保边缘家庭成员 (deductible 10% of income, 50%) comes before 防止返贫监测对象 (5%, 65%), which
    pays more — such persons go to the kernel, and the run says how many; the rest settle in columns."""
    policy = ROOT / "policies" / "mianyang.aid"
    checked, claims, identities, several, _ = synthetic_run(policy, tmp_path, capsys, 3000, 5)
    batch = BatchSettler(checked, Interpreter(checked, MIANYANG_PARAMS))
    interp = Interpreter(checked, MIANYANG_PARAMS)
    assert batch.settle(claims, identities, {}) == interp.settle(claims, identities, {})
    assert 0 < batch.kernel_persons < len(several)
    out = tmp_path / "results.csv"
    assert main(["run", str(policy), "--claims", str(tmp_path / "claims.csv"), "--identities",
                 str(tmp_path / "identities.csv"), "--out", str(out), "--engine", "batch",
                 *(f"--param={name}={fen // 100}" for name, fen in MIANYANG_PARAMS.items())]) == 0
    assert f"{batch.kernel_persons} 人" in capsys.readouterr().err


def first_pays_most(policy: str, params: dict, first: str, other: str, day) -> bool:
    """`BatchSettler.first_pays_most` for an inpatient claim discharged on `day`."""
    import bisect

    from aidlang.engines.batch.columns import Magnitude

    checked = load(ROOT / "policies" / f"{policy}.aid")
    batch = BatchSettler(checked, Interpreter(checked, params))
    batch.magnitude = Magnitude(10 ** 9, 100)
    epoch = bisect.bisect_right(batch.source_plan.bounds, day.toordinal())
    return batch.first_pays_most(first, other, "inpatient", epoch)


def test_which_first_category_pays_at_least_what_another_would():
    """Term by term, from the documents: Wuxi 四(六) gives 特困人员 100% and 最低生活保障对象 85% (no
    deductible, the same caps); 孤儿 100% too (a tie: the first held wins). Mianyang 二(五): 防止返贫监测对象
    deducts 5% of income at 65%, 低保边缘家庭成员 10% at 50%; in Mianyang's retroactive months (2022-09-01 … 2022-12-31)
    孤儿 alone of the two has a ratio."""
    import datetime as dt

    day = dt.date(2023, 6, 1)
    assert first_pays_most("wuxi", {}, "特困人员", "最低生活保障对象", day)
    assert not first_pays_most("wuxi", {}, "最低生活保障对象", "特困人员", day)
    assert first_pays_most("wuxi", {}, "特困人员", "孤儿", day) and first_pays_most("wuxi", {}, "孤儿", "特困人员", day)
    assert first_pays_most("mianyang", MIANYANG_PARAMS, "防止返贫监测对象", "低保边缘家庭成员", day)
    assert not first_pays_most("mianyang", MIANYANG_PARAMS, "低保边缘家庭成员", "防止返贫监测对象", day)
    assert not first_pays_most("mianyang", MIANYANG_PARAMS, "特困人员", "孤儿", dt.date(2022, 10, 1))


def test_a_person_whose_later_category_pays_more_gets_it_from_the_batch_engine():
    """Mianyang, one person holding 低保边缘家庭成员 and 防止返贫监测对象, an inpatient claim of 20000元 (referred,
    in the province) with 8000元 of basic insurance. 大病保险: 20000 − 8000 = 12000 < 16750 (50% × 33500) → 0.
    Aid base 12000: as 低保边缘 50% × (12000 − 3350) = 4325; as 防止返贫 65% × (12000 − 1675) = 6711.25 — 就高
    takes 防止返贫. Burden 12000 − 6711.25 = 5288.75 < 7300 → no tilted aid; self-pay 5288.75."""
    import datetime as dt

    from aidlang.records import Claim, Identity

    checked = load(ROOT / "policies" / "mianyang.aid")
    claims = [Claim("c1", "p1", "inpatient", dt.date(2023, 6, 1), dt.date(2023, 6, 10), 2000000, 800000, None,
                    True, True)]
    identities = [Identity("p1", "低保边缘家庭成员", dt.date(2023, 1, 1), None),
                  Identity("p1", "防止返贫监测对象", dt.date(2023, 1, 1), None)]
    batch = BatchSettler(checked, Interpreter(checked, MIANYANG_PARAMS))
    [result] = batch.settle(claims, identities, {})
    assert (result.category, result.critical_paid, result.aid_paid, result.tilted_paid, result.self_pay,
            result.status) == ("防止返贫监测对象", 0, 671125, 0, 528875, "ok")
    assert batch.kernel_persons == 1


def test_a_ledger_whose_cap_changes_within_the_year_settles_as_the_document_says():
    """Jinggu 二(四): one inpatient ledger a year, each claim's deductible and cap those of its institution's level
    (parameters assumed: 一级 300元 and 2000元, 二级 600元 and 5000元; 75%). c1 at 一级, 10000元: 10000 − 300 = 9700,
    75% → 7275, capped at 2000 → 2000. c2 at 二级, 1000元: the deductible met (10000 > 600) → 1000, 75% → 750; the
    二级 cap leaves 5000 − 2000 = 3000 → 750. (A window with each claim's own cap would give min(8025, 5000) −
    min(7275, 5000) = 0: such a person is the kernel's; tests/test_random_policies.py meets caps that change with
    the category.)"""
    import datetime as dt

    from aidlang.records import Claim

    checked = load(ROOT / "policies" / "jinggu.aid")
    params = {"一级起付标准": 30000, "二级起付标准": 60000, "三级起付标准": 100000, "基层起付标准": 20000,
              "一级最高支付限额": 200000, "二级最高支付限额": 500000, "三级最高支付限额": 500000,
              "基层最高支付限额": 500000, "基层住院支付比例": Fraction(85, 100), "中医药支付比例": Fraction(1, 2),
              "困难群众参保补助标准": 10000}
    claims = [Claim("c1", "p1", "inpatient", dt.date(2023, 3, 1), dt.date(2023, 3, 5), 1000000, None, 0,
                    institution_level="一级"),
              Claim("c2", "p1", "inpatient", dt.date(2023, 5, 1), dt.date(2023, 5, 3), 100000, None, 0,
                    institution_level="二级")]
    batch = BatchSettler(checked, Interpreter(checked, params))
    results = batch.settle(claims, [], {})
    assert [(r.basic_paid, r.self_pay) for r in results] == [(200000, 800000), (75000, 25000)]


def test_rules_on_the_institution_level_settle_in_columns():
    """Jinggu 二(四), the deductible and cap by institution level (parameters assumed: 一级 300元, 二级 600元, 基层
    200元, every cap 100000元; 75%, 基层 85%), one inpatient ledger a year. p1's c1 at 一级, 10000元: 10000 − 300 =
    9700, 75% → 7275元; c2 at 二级, 1000元: the year's bases 10000 + 1000 − 600 = 10400 above the line against
    10000 − 600 = 9400 before it → 1000 counted, 75% → 750元. p2's c3 at 基层, 2000元: 2000 − 200 = 1800, 85% →
    1530元. The rules read 机构级别, a column: only p3, whose claim gives no level, settles on the kernel, which
    rejects it as the interpreter does."""
    import datetime as dt

    from aidlang.records import Claim

    checked = load(ROOT / "policies" / "jinggu.aid")
    params = {"一级起付标准": 30000, "二级起付标准": 60000, "三级起付标准": 100000, "基层起付标准": 20000,
              "一级最高支付限额": 10000000, "二级最高支付限额": 10000000, "三级最高支付限额": 10000000,
              "基层最高支付限额": 10000000, "基层住院支付比例": Fraction(85, 100), "中医药支付比例": Fraction(1, 2),
              "困难群众参保补助标准": 10000}
    day = dt.date
    def stay(claim_id: str, person: str, month: int, cost: int, level: str | None) -> Claim:
        return Claim(claim_id, person, "inpatient", day(2023, month, 1), day(2023, month, 3), cost, None, 0,
                     institution_level=level)

    claims = [stay("c1", "p1", 3, 1000000, "一级"), stay("c2", "p1", 5, 100000, "二级"),
              stay("c3", "p2", 4, 200000, "基层"), stay("c4", "p3", 4, 200000, None)]
    batch, interpreter = BatchSettler(checked, Interpreter(checked, params)), Interpreter(checked, params)
    errors: list = []
    results = batch.settle(claims, [], {}, errors=errors)
    assert [(r.claim_id, r.basic_paid) for r in results] == [("c1", 727500), ("c2", 75000), ("c3", 153000)]
    assert batch.kernel_persons == 1
    expected_errors: list = []
    assert results == interpreter.settle(claims, [], {}, errors=expected_errors)
    assert [(e.claim_id, e.reason_en) for e in errors] == [(e.claim_id, e.reason_en) for e in expected_errors]
    assert [e.claim_id for e in errors] == ["c4"]


TWO_CATEGORIES = """政策 jg "测试" {
  发布机关 "测试"
  施行日期 2023-01-01
  依据 "一"
}
类别 甲类 依据 "二"
类别 乙类 依据 "二"
身份规则 {
  多重身份 就高 依据 "二"
}
就诊类型 outpatient "普通门诊" 依据 "池"
就诊类型 chronic "门诊慢特病" 依据 "池"
就诊类型 inpatient "住院" 依据 "池"
"""
# 乙类's first tier gives a ratio only to a referred claim: an unreferred one tries the second
FALLS_THROUGH = TWO_CATEGORIES + """待遇 医疗救助 第一档 "第一档" 依据 "一档" {
  基数 政策范围内费用 - 基本医保支付 - 大病保险支付
  对 甲类: 比例 10% 依据 "一档"
  对 乙类 条件 转诊: 比例 5% 依据 "一档"
}
待遇 医疗救助 第二档 "第二档" 依据 "二档" {
  基数 政策范围内费用 - 基本医保支付 - 大病保险支付
  对 甲类, 乙类: 比例 90% 依据 "二档"
}
"""
# 乙类's only tier gives a ratio only to a referred claim, and a lower one than 甲类's
CONDITIONAL_LOWER = TWO_CATEGORIES + """待遇 医疗救助 救助 "医疗救助" 依据 "救" {
  基数 政策范围内费用 - 基本医保支付 - 大病保险支付
  对 甲类: 比例 50% 依据 "救"
  对 乙类 条件 转诊: 比例 30% 依据 "救"
}
"""
# 乙类 has no aid tier: only the tilted aid
NO_AID = TWO_CATEGORIES + """待遇 医疗救助 救助 "医疗救助" 依据 "救" {
  基数 政策范围内费用 - 基本医保支付 - 大病保险支付
  对 甲类: 比例 50% 依据 "救"
}
待遇 倾斜救助 倾斜 "倾斜救助" 依据 "倾" {
  基数 政策范围内费用 - 基本医保支付 - 大病保险支付 - 医疗救助支付
  对 甲类, 乙类: 超过 0元 比例 80% 限额 无 依据 "倾"
}
"""


@pytest.mark.parametrize("policy, settled, on_kernel", [
    # 甲类 10% = 1000 on both; 乙类: unreferred, no ratio in 第一档 → 第二档 90% = 9000; referred, 5% = 500. 就高:
    # 乙类 for c1, 甲类 for c2 — the first held need not pay most, so the person is the kernel's
    (FALLS_THROUGH, [("乙类", 900000, 0, 100000), ("甲类", 100000, 0, 900000)], 1),
    # 甲类: aid 50% = 5000, tilted 80% × (10000 − 5000) = 4000, self-pay 1000; 乙类: aid 0, tilted 80% × 10000 = 8000,
    # self-pay 2000. 甲类 pays most whatever the ledgers (乙类 pays no aid at all): settled in columns
    (NO_AID, [("甲类", 500000, 400000, 100000), ("甲类", 500000, 400000, 100000)], 0),
    # 甲类 50% = 5000 on both; 乙类 nothing on c1 (no ratio, no other tier), 30% = 3000 on c2: 甲类 always
    (CONDITIONAL_LOWER, [("甲类", 500000, 0, 500000), ("甲类", 500000, 0, 500000)], 0),
], ids=["falls-through", "no-aid", "conditional-lower"])
def test_highest_category_when_one_has_fewer_or_conditional_steps(tmp_path, policy, settled, on_kernel):
    """Two inpatient claims of 10000元 (no insurance) of a person holding 甲类 and 乙类 under 就高: c1 not
    referred, c2 referred."""
    import datetime as dt

    from aidlang.records import Claim, Identity

    path = tmp_path / "jg.aid"
    path.write_text(policy, encoding="utf-8")
    checked = load(path)
    claims = [Claim("c1", "p1", "inpatient", dt.date(2023, 3, 1), dt.date(2023, 3, 5), 1000000, 0, 0, referred=False),
              Claim("c2", "p1", "inpatient", dt.date(2023, 4, 1), dt.date(2023, 4, 5), 1000000, 0, 0)]
    identities = [Identity("p1", "甲类", dt.date(2023, 1, 1), None), Identity("p1", "乙类", dt.date(2023, 1, 1), None)]
    batch = BatchSettler(checked, Interpreter(checked, {}))
    results = batch.settle(claims, identities, {})
    assert [(r.category, r.aid_paid, r.tilted_paid, r.self_pay) for r in results] == settled
    assert batch.kernel_persons == on_kernel


def test_the_policies_own_cases_pass_on_the_batch_engine(capsys):
    assert main(["test", "--engine", "batch", str(ROOT / "policies")]) == 0


@pytest.mark.parametrize("city", ["wuxi", "mianyang", "wuhai"])
def test_run_with_the_batch_engine_writes_the_interpreters_results(city, tmp_path, capsys):
    example = ROOT / "examples" / city
    params = (example / "params.txt").read_text(encoding="utf-8").split() if (example / "params.txt").exists() else []
    written = {}
    for engine in ("interp", "batch"):
        out = tmp_path / f"{engine}.csv"
        args = ["run", str(ROOT / "policies" / f"{city}.aid"), "--claims", str(example / "claims.csv"),
                "--identities", str(example / "identities.csv"), "--out", str(out), "--engine", engine, *params]
        if (example / "persons.csv").exists():
            args += ["--persons", str(example / "persons.csv")]
        assert main(args) == 0, capsys.readouterr().err
        written[engine] = out.read_bytes()
    assert written["batch"] == written["interp"]


@pytest.mark.parametrize("rejects", [False, True], ids=["without rejects", "with rejects"])
def test_hostile_files_get_the_same_answer_from_the_batch_engine(rejects, tmp_path, capsys):
    """Every file of the hostile corpus (tests/data/hostile): the batch engine exits, writes and says exactly
    what the interpreter does (its own line about the kernel aside)."""
    from test_hostile import EXPECTED, HOSTILE, WUXI, claims_of

    for case in sorted(EXPECTED):
        seen = {}
        out, rejected = tmp_path / "results.csv", tmp_path / "rejects.csv"  # the same names: messages name them
        for engine in ("interp", "batch"):
            args = ["run", WUXI, "--claims", str(claims_of(case)), "--identities",
                    str(HOSTILE / case / "identities.csv"), "--out", str(out), "--engine", engine]
            code = main(args + (["--rejects", str(rejected)] if rejects else []))
            err = [line for line in capsys.readouterr().err.splitlines()
                   if not line.startswith("批处理引擎")]
            written = [path.read_bytes() if path.exists() else None for path in (out, rejected)]
            for path in tmp_path.iterdir():
                path.unlink()
            seen[engine] = (code, err, written)
        assert seen["batch"] == seen["interp"], case


def test_explain_gives_the_same_steps_on_every_engine(capsys):
    """The steps are the one loop's: the compiled module explains a claim as the interpreter does; the batch
    engine delegates to its kernel and says so."""
    example = ROOT / "examples" / "wuxi"
    args = ["explain", str(ROOT / "policies" / "wuxi.aid"), "--claims", str(example / "claims.csv"),
            "--identities", str(example / "identities.csv"), "--claim", "WX00010"]
    printed = {}
    for engine in ("interp", "compiled", "batch"):
        assert main([*args, "--engine", engine]) == 0
        out, err = capsys.readouterr()
        printed[engine] = out
        assert ("批处理引擎" in err) == (engine == "batch")
    assert printed["interp"].strip() and printed["compiled"] == printed["interp"] == printed["batch"]


def test_age_in_columns_is_the_runtimes_age():
    """年龄 as the batch engine computes it (months and days are 8-bit in polars: widened before × 100, else
    March's 300 wraps) equals runtime.age_on: born 1953-03-01 is 69 on 2023-02-28 and 70 on 2023-03-01; born
    2000-02-29 is 22 on 2023-02-28 and 23 on 2023-03-01 (a year older on 3月1日 in a common year)."""
    import datetime as dt

    import polars as pl

    from aidlang.engines.batch.engine import _age
    from aidlang.runtime.dates import age_on

    pairs = [(dt.date(1953, 3, 1), dt.date(2023, 2, 28)), (dt.date(1953, 3, 1), dt.date(2023, 3, 1)),
             (dt.date(2000, 2, 29), dt.date(2023, 2, 28)), (dt.date(2000, 2, 29), dt.date(2023, 3, 1)),
             (dt.date(1990, 12, 31), dt.date(2023, 12, 30)), (dt.date(1990, 12, 31), dt.date(2023, 12, 31))]
    frame = pl.DataFrame({"birth": [b for b, _ in pairs], "on": [o for _, o in pairs]})
    ages = frame.select(_age(pl.col("birth"), pl.col("on")))["on"].to_list()
    assert ages == [69, 70, 22, 23, 32, 33] == [age_on(b, o) for b, o in pairs]



@pytest.mark.parametrize("collide", [False, True])
@pytest.mark.parametrize("years", ["2023", "0001-9999"])
def test_the_settlement_order_in_columns_is_the_loops_order(collide, years, monkeypatch):
    """Claims settle by person, discharge, admission, claim_id (docs/semantics.md, "Claim order"). The batch
    engine puts each person's claims in one run, persons in the order of a hash of their id, each person's claims
    by both dates, then claim_id: these claims — one person on the same discharge day with two admissions, ties
    broken by claim_id — come out in the loop's order person by person (`_order_key`, Python's tuples), and `pid`
    numbers the persons. Claims of one year (`2023`) sort by one integer of the hash's high bits and the days,
    the ties then by claim_id; dates from 0001 to 9999 do not fit one and sort by three columns. Should two
    persons share a hash (`collide`: every hash made 0), the persons are sorted by their text instead, as the
    loop sorts them."""
    import datetime as dt

    from test_interpreter import claim

    from aidlang.engines.batch import engine
    from aidlang.engines.batch.engine import _order_key, engine_frame, engine_inputs
    from aidlang.io.columnar import claims_frame

    if collide:
        monkeypatch.setattr(engine, "_person_hash", lambda person: person.hash(seed=0) * 0)
    day = dt.date
    claims = [claim("c9", "p2", "inpatient", day(2023, 5, 3), 100, admission=day(2023, 5, 1)),
              claim("c1", "p10", "inpatient", day(2023, 5, 3), 100, admission=day(2023, 5, 2)),
              claim("c2", "p2", "inpatient", day(2023, 5, 3), 100, admission=day(2023, 5, 2)),
              claim("c0", "p2", "inpatient", day(2023, 5, 3), 100, admission=day(2023, 5, 2)),
              claim("c5", "p10", "inpatient", day(1, 1, 1), 100, admission=day(1, 1, 1)),
              claim("c7", "p2", "inpatient", day(9999, 12, 31), 100, admission=day(1, 1, 1)),
              claim("c8", "p2", "inpatient", day(9999, 12, 31), 100, admission=day(9999, 12, 31))]
    if years == "2023":  # c5, c7 and c8 in 2023: c5 first of p10, c7 and c8 tied with c0 and c2 (c0 c2 c7 c8)
        claims[4:] = [claim(c, p, "inpatient", day(2023, 5, d), 100, admission=day(2023, 5, a))
                      for c, p, d, a in [("c5", "p10", 1, 1), ("c8", "p2", 3, 2), ("c7", "p2", 3, 2)]]
    frame = engine_frame(engine_inputs(claims_frame(claims)), None, ())
    # p10's claims by discharge, admission and claim_id, and p2's: the one before the other, whichever
    p10, p2 = ["c5", "c1"], ["c9", "c0", "c2", "c7", "c8"]
    assert [c.claim_id for c in sorted(claims, key=_order_key)] == p10 + p2  # "p10" < "p2" as text
    in_order = [claims[i].claim_id for i in frame["i"]]  # the frame keeps each claim's position, not its id
    assert in_order in (p10 + p2, p2 + p10)
    if collide:  # all in one hash: by the text, as the loop
        assert in_order == p10 + p2
    assert frame["pid"].to_list() == ([0, 0, 1, 1, 1, 1, 1] if in_order[0] == "c5" else [0, 0, 0, 0, 0, 1, 1])


_DAYS = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))


@st.composite
def _claims_to_order(draw):
    """Claims of a few persons with few distinct days (ties on both dates), the days all within weeks of one
    another (one sort key) or anywhere in 0001–9999 (three), claim ids of any text."""
    from test_interpreter import claim

    near = draw(st.booleans())
    first = draw(st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)) if near else _DAYS)
    days = draw(st.lists(st.integers(0, 40).map(lambda k: first + dt.timedelta(days=k)) if near else _DAYS,
                         min_size=1, max_size=4))
    rows = draw(st.lists(st.tuples(st.sampled_from(["p1", "p2", "p10", "张三"]), st.sampled_from(days),
                                   st.sampled_from(days)), min_size=1, max_size=30))
    ids = draw(st.lists(st.text(min_size=1, max_size=3), min_size=len(rows), max_size=len(rows), unique=True))
    return [claim(cid, person, "inpatient", max(a, b), 100, admission=min(a, b))
            for cid, (person, a, b) in zip(ids, rows, strict=True)]


@settings(max_examples=200, deadline=None)
@given(_claims_to_order(), st.sets(st.sampled_from(["p1", "p2", "p10", "张三"])) | st.none())
def test_any_claims_come_in_the_loops_order_person_by_person(claims, part):
    """Whatever the days and ids, the engine's frame holds each person's claims together, in the loop's order
    (`_order_key`: discharge, admission, claim_id), persons numbered by `pid` in the order they come — of all
    the claims, or of a part of the run (the claims of some persons, as their positions: `i` stays the claim's
    position among all)."""
    from aidlang.engines.batch.engine import _order_key, engine_frame, engine_inputs
    from aidlang.io.columnar import claims_frame

    rows = None if part is None else pl.Series([k for k, c in enumerate(claims) if c.person_id in part],
                                               dtype=pl.UInt32)
    frame = engine_frame(engine_inputs(claims_frame(claims)), rows, ())
    ordered = [claims[i] for i in frame["i"].to_list()]
    persons = list(dict.fromkeys(c.person_id for c in ordered))
    assert set(persons) == ({c.person_id for c in claims} if part is None else part & {c.person_id for c in claims})
    assert ordered == [c for person in persons
                       for c in sorted((c for c in claims if c.person_id == person), key=_order_key)]
    assert frame["pid"].to_list() == [persons.index(c.person_id) for c in ordered]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([3, 4, None]), st.integers(-5, 2**40)),
                min_size=1, max_size=40))
def test_a_ledger_sum_is_the_running_sum_of_its_person_year_and_slot(rows):
    """with_ledger_sum over a frame in settlement order: each row's sum of the values of its (person year, slot)
    so far, this row's included — a Python running sum per key; a row with no slot has none."""
    from aidlang.engines.batch.columns import YEAR_KEY, YEAR_START, with_ledger_sum, year_starts

    rows = sorted(rows, key=lambda row: row[0])  # a person's year is one run of rows
    frame = pl.DataFrame(rows, schema={YEAR_KEY: pl.Int64, "slot": pl.Int64, "value": pl.Int64}, orient="row")
    frame = frame.with_columns(**{YEAR_START: year_starts()})
    sums = with_ledger_sum(frame, "sum", pl.col("value"), "slot", [3, 4])["sum"].to_list()
    running: dict = {}
    expected = []
    for key, slot, value in rows:
        running[(key, slot)] = running.get((key, slot), 0) + value
        expected.append(None if slot is None else running[(key, slot)])
    assert sums == expected


@pytest.mark.parametrize("city", ["wuxi", "wuhai"])
def test_a_run_in_parts_of_persons_settles_as_one(city, tmp_path, capsys, monkeypatch):
    """A year settles in parts of about PART_CLAIMS claims, by a hash of the person (a person's claims never
    split), two side by side in their threads (each part's magnitude and routes its own, the kernel settling one
    part's persons at a time): parts of 500 claims give the interpreter's results, rejects and order exactly,
    and the same count of persons on the kernel as one part."""
    import aidlang.engines.batch.engine as batch_engine

    path = ROOT / "policies" / f"{city}.aid"
    checked = load(path)
    assert main(["synth", str(path), "--claims", "4000", "--seed", "3", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    persons = tmp_path / "persons.csv"
    inputs = read_inputs(checked, claims=str(tmp_path / "claims.csv"), identities=str(tmp_path / "identities.csv"),
                         persons=str(persons) if persons.exists() else None)
    claims, identities, people = list(inputs.claims_read.records), inputs.identity_records(), inputs.person_map()
    params = published_later_params(checked)
    monkeypatch.setattr(batch_engine, "SIDE_BY_SIDE_CLAIMS", 10_000)  # 4,000 claims: one part
    whole = BatchSettler(checked, Interpreter(checked, params))
    expected = settled(whole, claims, identities, people)
    assert expected == settled(Interpreter(checked, params), claims, identities, people)
    monkeypatch.setattr(batch_engine, "PART_CLAIMS", 500)  # 4,000 claims: 8 parts
    monkeypatch.setattr(batch_engine, "SIDE_BY_SIDE_CLAIMS", 500)
    parted = BatchSettler(checked, Interpreter(checked, params))
    assert settled(parted, claims, identities, people) == expected
    assert parted.kernel_persons == whole.kernel_persons and (city == "wuxi" or whole.kernel_persons > 0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=60), st.integers(1, 9))
def test_every_row_is_in_one_part_and_a_persons_rows_in_the_same(hashes, parts):
    """_part_rows: the parts' rows together are every row once, each part's in order; rows of one hash (one
    person) in one part; the part is the place of the hash's high 32 bits among `parts` equal ranges
    (hash >> 32 = 2**31 of 2 parts: the second). Up to 4 parts each found by a pass, more by a sort."""
    from aidlang.engines.batch.engine import _part_rows

    hashes = hashes + hashes[:5]  # some hashes (persons) with several rows
    found = _part_rows(pl.Series(hashes, dtype=pl.UInt64), parts)
    assert len(found) == parts
    rows = [row.to_list() for row in found]
    assert sorted(r for part in rows for r in part) == list(range(len(hashes)))
    assert all(part == sorted(part) for part in rows)
    part_of = {r: k for k, part in enumerate(rows) for r in part}
    for r, h in enumerate(hashes):
        assert part_of[r] == (h >> 32) * parts >> 32
    assert _part_rows(pl.Series([2**63], dtype=pl.UInt64), 2)[1].to_list() == [0]


@pytest.mark.parametrize("kept_bits", [0, 0xFFFF])
def test_persons_sharing_a_hash_settle_as_their_own(kept_bits, tmp_path, capsys, monkeypatch):
    """The engine parts and orders persons by the high bits of a hash of the id, and finds their identities by
    the whole hash: should every person share one (the hash made 0), or share only its high bits (all but the
    low 16 bits cleared: the sort's runs of hash bits are then fewer than the runs of ids), the claims are ordered
    by the text and each identity row still goes to its own person alone — 600 synthetic Wuxi claims (persons
    with several identity rows among them) settle as the interpreter settles them, in one part or in several."""
    import aidlang.engines.batch.engine as batch_engine

    checked, claims, identities, several, params = synthetic_run(ROOT / "policies" / "wuxi.aid", tmp_path, capsys,
                                                                 600, 8)
    monkeypatch.setattr(batch_engine, "_person_hash", lambda person: person.hash(seed=0) & kept_bits)
    expected = Interpreter(checked, params).settle(claims, identities, {})
    assert several and len({c.person_id for c in claims}) > 50
    assert BatchSettler(checked, Interpreter(checked, params)).settle(claims, identities, {}) == expected
    # in parts of 200 claims: every person in the first (the others empty), identities and persons with them
    monkeypatch.setattr(batch_engine, "PART_CLAIMS", 200)
    monkeypatch.setattr(batch_engine, "SIDE_BY_SIDE_CLAIMS", 200)
    assert BatchSettler(checked, Interpreter(checked, params)).settle(claims, identities, {}) == expected


MISSING_VALUES = """\
政策 t "缺失值的列运算" {
  发布机关 "测试"
  施行日期 2023-01-01
  依据 "一"
}
类别 甲 依据 "二"
就诊类型 outpatient "普通门诊" 依据 "池"
就诊类型 chronic "门诊慢特病" 依据 "池"
就诊类型 inpatient "住院" 依据 "池"
费用池 门诊 = outpatient 依据 "池"
待遇 医疗救助 救 依据 "救" {
  适用 门诊
  对 甲: 起付标准 无 比例 50% 依据 "救"
  对 甲 条件 非 (残疾等级 + 1 > 2): 比例 60% 依据 "救(一)"
  对 甲 条件 较小值(残疾等级, 3) < 5: 比例 70% 依据 "救(二)"
  对 甲 条件 病种 != 低保类别: 比例 80% 依据 "救(三)"
}
"""


def test_a_missing_value_stays_missing_through_arithmetic_in_columns(tmp_path):
    """An empty 残疾等级 or 低保类别 is a value (none), and a missing value stays missing through +, 较小值 and a
    comparison (runtime.known, pick_known, compare_known): p1 (no grade, no class, no disease): 非 (none + 1 > 2)
    holds, 较小值(none, 3) < 5 does not, none != none does not → 60%; p2 (grade 1, class A, no disease):
    非 (2 > 2) holds, 1 < 5 holds, none != "A" holds → 80%. Each claim costs 100 yuan with nothing insured."""
    import datetime as dt

    from aidlang.records import Claim, Identity, Person

    policy = tmp_path / "t.aid"
    policy.write_text(MISSING_VALUES, encoding="utf-8")
    checked = load(policy)
    day = dt.date(2023, 3, 1)
    claims = [Claim(f"c{n}", f"p{n}", "outpatient", day, day, 10_000, 0, 0, row=n + 1) for n in (1, 2)]
    identities = [Identity(f"p{n}", "甲", dt.date(2023, 1, 1), None) for n in (1, 2)]
    persons = {"p1": Person("p1", "男", dt.date(1980, 1, 1)),
               "p2": Person("p2", "女", dt.date(1980, 1, 1), disability_grade=1, dibao_class="A")}
    batch = BatchSettler(checked, Interpreter(checked, {}))
    results = batch.settle(claims, identities, persons)
    assert [r.aid_paid for r in results] == [6_000, 8_000]  # 60% and 80% of 10,000 fen
    assert results == Interpreter(checked, {}).settle(claims, identities, persons)
    assert batch.kernel_persons == 0  # settled in columns, not by the kernel


def test_the_basis_joins_the_clauses_each_claims_codes_stand_for():
    from aidlang.engines.batch.engine import _basis

    gates = ((), ("四(一)",), ("四(二)", "四(三)"))
    rules = ((), ("四(一)",), ("五",), ("五", ""))
    frame = pl.DataFrame({"gate": [1, 2, 0, 0, None, 0], "rule": [1, 2, 0, 2, 1, 3]})
    # row 1: 四(一) twice, once in the basis; row 2: both clauses of one code, then 五; row 5: a missing code is
    # none; row 6: an empty text among a code's clauses joined as the loop joins it, "五;" (the checker refuses
    # 依据 "", so no policy gives one). The first combines the codes below _DENSE_KEYS: the keys met, in an array
    expected = ["四(一)", "四(二);四(三);五", "", "五", "四(一)", "五;"]
    assert _basis(frame, [("gate", gates), ("rule", rules)]).cast(pl.String).to_list() == expected
    # four columns of 65,536 texts: 2**64 combinations, more than one integer numbers — re-numbered on the way,
    # and the keys met hashed
    many = ((), *((f"第{k}条",) for k in range(1, 1 << 16)))
    wide = pl.DataFrame({f"c{j}": [j + 1, 0, (1 << 16) - 1] for j in range(4)})
    basis = _basis(wide, [(f"c{j}", many) for j in range(4)]).cast(pl.String).to_list()
    assert basis == ["第1条;第2条;第3条;第4条", "", "第65535条"]


# 2: keys 0 … 7 looked up in an array; 20: 2 · 2**20 keys, in a hash table; 61: step · 2**61 would not fit, joined
@pytest.mark.parametrize("code_bits", [2, 20, 61])
def test_a_kinds_terms_are_the_table_row_of_each_claims_step_and_code(code_bits):
    from aidlang.engines.batch.engine import _with_terms

    table = pl.DataFrame({"step": [0, 1, 1], "code": [0, 0, 3], "num": [9, 8, 7], "den": [100, 100, 100]})
    frame = pl.DataFrame({"step": [1, None, 0, 1, 1], "code": [3, 0, 0, 0, 2], "cost": [10, 20, 30, 40, 50]})
    found = _with_terms(frame, table, code_bits)
    # (1, 3) → 7; no step → none; (0, 0) → 9; (1, 0) → 8; (1, 2) is no row of the table → none; the
    # denominator every row shares is 100 on every row, a constant column (a claim without terms never reads it)
    assert found["num"].to_list() == [7, None, 9, 8, None]
    assert found["den"].to_list() == [100] * 5
    assert found["cost"].to_list() == [10, 20, 30, 40, 50]
    assert found.columns == ["step", "code", "cost", "num", "den"]
    # the values a claim without terms gets, where they are given: 0 of the gathered numerator; the shared stays
    found = _with_terms(frame, table, code_bits, {"num": 0, "den": 1})
    assert found["num"].to_list() == [7, 0, 9, 8, 0]
    assert found["den"].to_list() == [100] * 5


# ---------------------------------------------------------------- 就高 and the basis: cases a fuzzing run found

AID_READS_WHAT_INSURANCE_PAID = TWO_CATEGORIES + """\
待遇 基本医保 基本 依据 "基本" {
  对 全体参保人员: 起付标准 无 比例 70% 限额 无 依据 "基本"
  对 甲类: 比例 85% 依据 "基本(甲)"
}
待遇 医疗救助 救助 依据 "救助" {
  条件 年度累计自付(住院) > 5000元 依据 "救助(条件)"
  对 全体救助对象: 起付标准 无 比例 60% 限额 无 依据 "救助"
}
"""
OTHER_READS_AGE = TWO_CATEGORIES + """\
待遇 医疗救助 救 依据 "救" {
  对 全体救助对象: 比例 50% 依据 "救"
  对 乙类 条件 年龄 >= 60: 比例 40% 依据 "救(乙)"
}
"""
EMPTY_CLAUSE = TWO_CATEGORIES + """\
待遇 医疗救助 救 依据 "救" {
  对 全体救助对象: 起付标准 无 比例 50% 限额 无 依据 "救"
  对 甲类: 比例 60% 依据 ""
}
"""


def _both_engines(text: str, claims, identities, persons=None):
    """(batch, interpreter) results of a policy's text, and the batch engine."""
    from aidlang.check.checker import check
    from aidlang.frontend.parser import parse
    from aidlang.frontend.source import Source

    checked = check(parse(Source("t.aid", text)))
    batch = BatchSettler(checked, Interpreter(checked, {}))
    return settled(batch, claims, identities, persons or {}), settled(Interpreter(checked, {}), claims, identities,
                                                                      persons or {}), batch


def _both_categories(person: str = "p1"):
    from aidlang.records import Identity

    return [Identity(person, "甲类", dt.date(2023, 1, 1), None), Identity(person, "乙类", dt.date(2023, 1, 1), None)]


def test_highest_when_the_aid_condition_reads_what_insurance_paid():
    """A 20,000-yuan stay of a person holding 甲类 and 乙类; basic insurance 85% for 甲类, 70% for others; aid 60%
    only when the year's self-pay tops 5,000 yuan. As 甲类: basic 17,000, self-pay 3,000 — no aid: 17,000 in all.
    As 乙类: basic 14,000, self-pay 6,000 > 5,000 — aid 60% × 6,000 = 3,600: 17,600 in all, so 就高 settles 乙类
    (self-pay 2,400). The same condition tests other values for the two: the person is the kernel's."""
    from aidlang.records import Claim

    day = dt.date(2023, 5, 1)
    claims = [Claim("c1", "p1", "inpatient", day, day, 2_000_000, None, 0)]
    batch, interp, engine = _both_engines(AID_READS_WHAT_INSURANCE_PAID, claims, _both_categories())
    assert [(r.category, r.basic_paid, r.aid_paid, r.self_pay, r.basis) for r in batch[0]] == [
        ("乙类", 1_400_000, 360_000, 240_000, "基本;救助;二")]
    assert batch == interp and engine.kernel_persons == 1


def test_highest_when_another_category_reads_an_age_persons_csv_lacks():
    """甲类 pays 50%, 乙类 40% from 60 on: 甲类 always pays the most, but 就高 settles the claim as 乙类 too, which
    reads the age of a person persons.csv has no row for: the claim is rejected (the rule's line named)."""
    from aidlang.records import Claim

    day = dt.date(2023, 5, 1)
    claims = [Claim("c1", "p1", "outpatient", day, day, 100_000, 0, 0, row=2)]
    batch, interp, _ = _both_engines(OTHER_READS_AGE, claims, _both_categories())
    assert batch[0] == [] and [(c, row) for c, _, _, row in batch[1]] == [("c1", 2)]
    assert "t.aid:16" in batch[1][0][1] and "年龄" in batch[1][0][1]
    assert batch == interp


def test_a_rules_empty_clause_is_refused_before_any_engine_meets_it():
    """依据 "" on 甲类's rule would cite nothing (the engines once gave its claims the basis "救;", an empty clause
    after 救): the checker refuses it, naming the rule's line, so no engine settles such a policy."""
    from aidlang.check.checker import check
    from aidlang.frontend.diagnostics import AidError
    from aidlang.frontend.parser import parse
    from aidlang.frontend.source import Source

    with pytest.raises(AidError) as refused:
        check(parse(Source("t.aid", EMPTY_CLAUSE)))
    line = EMPTY_CLAUSE.splitlines().index('  对 甲类: 比例 60% 依据 ""') + 1
    assert [(d.code, d.span.line) for d in refused.value.diagnostics] == [("E301", line)]
