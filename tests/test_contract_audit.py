"""An independent audit, by hand, of the settlement semantics of ../shared/contract.md and the rules of
../shared/domain.md (the documents in ../shared/seeds/), one city at a time, on all three engines.

Every expected line is worked out from the documents and the contract, not from the code; the arithmetic is in
the comments, with the clause. Where a policy encodes a choice the document leaves open (its comments say so),
the comment here says "choice". Params for Mianyang (published outside the document, contract.md "Parameters"):
I = 上年居民人均可支配收入 40000, poverty line 12000, aid cap 30000, tilted cap 5000 unless a test says otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aidlang.cli import main

ROOT = Path(__file__).resolve().parent.parent
GENERATED = str(ROOT / "generated")
ENGINES = ("interp", "compiled", "batch")

CLAIMS = "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid"
IDENTITIES = "person_id,category,start,end"
PERSONS = ("person_id,gender,birth_date,disability_grade,dibao_class,family_monthly_income_per_capita,"
           "family_annual_income")
RESULTS = "claim_id,person_id,category,basic_paid,critical_paid,aid_paid,tilted_paid,self_pay,status,basis"
MIANYANG = ["prev_year_disposable_income=40000", "poverty_monitoring_income_line=12000", "aid_annual_cap=30000",
            "tilted_annual_cap=5000"]


def policy(name: str) -> str:
    return str(ROOT / "policies" / f"{name}.aid")


def table(header: str, *rows: str) -> str:
    return "\n".join((header, *rows)) + "\n"


def run(engine: str, tmp_path: Path, capsys, name: str, claims: str, identities: str | None = None,
        persons: str | None = None, params: list[str] | tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    """`aidlang run` in-process with --rejects: (results.csv lines, rejects.csv lines)."""
    (tmp_path / "claims.csv").write_text(claims, encoding="utf-8")
    args = ["run", policy(name), "--claims", str(tmp_path / "claims.csv"), "--out", str(tmp_path / "results.csv"),
            "--rejects", str(tmp_path / "rejects.csv"), "--engine", engine, "--generated", GENERATED]
    if identities is not None:
        (tmp_path / "identities.csv").write_text(identities, encoding="utf-8")
        args += ["--identities", str(tmp_path / "identities.csv")]
    if persons is not None:
        (tmp_path / "persons.csv").write_text(persons, encoding="utf-8")
        args += ["--persons", str(tmp_path / "persons.csv")]
    for param in params:
        args += ["--param", param]
    capsys.readouterr()
    code = main(args)
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err, err
    results = (tmp_path / "results.csv").read_text(encoding="utf-8").splitlines()
    assert results[0] == RESULTS
    rejects = (tmp_path / "rejects.csv").read_text(encoding="utf-8").splitlines()
    return results[1:], rejects[1:]


def command(tmp_path: Path, capsys, args: list[str], out: str) -> list[str]:
    capsys.readouterr()
    code = main(args + ["--out", str(tmp_path / out)])
    err = capsys.readouterr().err
    assert code == 0, err
    return (tmp_path / out).read_text(encoding="utf-8").splitlines()


# ====================================================================== contract: settlement order, rounding

@pytest.mark.parametrize("engine", ENGINES)
def test_claims_settle_by_discharge_then_admission_then_claim_id_as_text(engine, tmp_path, capsys):
    claims = table(CLAIMS,
                   "c9,p1,outpatient,,2023-05-01,8000,0,0",
                   "c10,p1,outpatient,,2023-05-01,8000,0,0",
                   "x,p2,chronic,,2023-03-10,100000,0,0",
                   "y,p2,inpatient,2023-03-01,2023-03-10,250000,0,0")
    identities = table(IDENTITIES, "p1,最低生活保障对象,2023-01-01,", "p2,特困人员,2023-01-01,")
    results, rejects = run(engine, tmp_path, capsys, "wuxi", claims, identities)
    # contract 2: order (discharge, admission, claim_id as text). p1: same day, same admission → "c10" < "c9".
    #   c10 first: 85% × 8000 = 6800 (四(六), outpatient cap 10000); c9: 6800 but only 10000 − 6800 = 3200 left.
    # p2: same discharge 03-10; y was admitted 03-01, x (chronic, admission empty = same day) 03-10 → y first.
    #   y: 特困人员 100% × 250000 = 250000 (chronic+inpatient cap 300000); burden 0.
    #   x: 100% × 100000, only 300000 − 250000 = 50000 left → 50000; burden 50000;
    #      tilted 四(七): 60% × (max(0, 0 + 50000 − 6000) − 0) = 26400; self-pay 100000 − 50000 − 26400 = 23600.
    # Output in input order.
    assert results == [
        "c9,p1,最低生活保障对象,0.00,0.00,3200.00,0.00,4800.00,ok,四(六)",
        "c10,p1,最低生活保障对象,0.00,0.00,6800.00,0.00,1200.00,ok,四(六)",
        "x,p2,特困人员,0.00,0.00,50000.00,26400.00,23600.00,ok,四(六);四(七)",
        "y,p2,特困人员,0.00,0.00,250000.00,0.00,0.00,ok,四(六)",
    ]
    assert rejects == []


@pytest.mark.parametrize("engine", ENGINES)
def test_each_tier_rounds_half_up_to_the_fen_once(engine, tmp_path, capsys):
    claims = table(CLAIMS,
                   "a,p1,outpatient,,2023-01-10,10000,0,0",
                   "b,p1,inpatient,2023-02-01,2023-02-03,10000.03,0,0",
                   "r1,p2,outpatient,,2023-01-10,0.05,0,0",
                   "r2,p3,outpatient,,2023-01-10,0.10,0,0",
                   "r3,p3,outpatient,,2023-01-11,100.03,0,0")
    identities = table(IDENTITIES, "p1,低保边缘家庭成员,2023-01-01,", "p2,低保边缘家庭成员,2023-01-01,",
                       "p3,最低生活保障对象,2023-01-01,")
    results, _ = run(engine, tmp_path, capsys, "wuxi", claims, identities)
    # 四(六) 低保边缘 70%, 低保 85%; 四(七) 60% above 6000 of the year's burden. contract 1: half-up once.
    # a: 70% × 10000 = 7000; burden 3000 (T = 3000 after).
    # b: 70% × 10000.03 = 7000.021 → 7000.02; burden 3000.01; tilted 60% × (6000.01 − 6000) = 0.006 → 0.01;
    #    self-pay 10000.03 − 7000.02 − 0.01 = 3000.00.
    # r1: 70% × 0.05 = 0.035 → 0.04 (half-up, not banker's); self-pay 0.01.
    # r2: 85% × 0.10 = 0.085 → 0.09; self-pay 0.01.   r3: 85% × 100.03 = 85.0255 → 85.03; self-pay 15.00.
    assert results == [
        "a,p1,低保边缘家庭成员,0.00,0.00,7000.00,0.00,3000.00,ok,四(六)",
        "b,p1,低保边缘家庭成员,0.00,0.00,7000.02,0.01,3000.00,ok,四(六);四(七)",
        "r1,p2,低保边缘家庭成员,0.00,0.00,0.04,0.00,0.01,ok,四(六)",
        "r2,p3,最低生活保障对象,0.00,0.00,0.09,0.00,0.01,ok,四(六)",
        "r3,p3,最低生活保障对象,0.00,0.00,85.03,0.00,15.00,ok,四(六)",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_rejected_claim_leaves_no_trace_on_the_ledgers(engine, tmp_path, capsys):
    claims = table(CLAIMS,
                   "a,p1,outpatient,,2023-01-10,8000,0,0",
                   "b,p1,outpatient,,2023-02-10,8000,,0",
                   "c,p1,outpatient,,2023-03-10,8000,0,0")
    identities = table(IDENTITIES, "p1,最低生活保障对象,2023-01-01,")
    results, rejects = run(engine, tmp_path, capsys, "wuxi", claims, identities)
    # Wuxi has no basic tier: b's empty basic_paid is a data error (contract "Data files") → rejected.
    # a: 85% × 8000 = 6800; c: 6800 but the outpatient cap 10000 (四(六)) leaves 3200 — b used nothing.
    assert results == [
        "a,p1,最低生活保障对象,0.00,0.00,6800.00,0.00,1200.00,ok,四(六)",
        "c,p1,最低生活保障对象,0.00,0.00,3200.00,0.00,4800.00,ok,四(六)",
    ]
    assert len(rejects) == 1 and rejects[0].startswith("b,p1,") and ",basic_paid" in rejects[0]


# ====================================================================== Wuxi 锡政办发〔2022〕98号

@pytest.mark.parametrize("engine", ENGINES)
def test_wuxi_identity_lost_holds_to_its_month_end_and_stays(engine, tmp_path, capsys):
    claims = table(CLAIMS,
                   "a,p1,outpatient,,2023-03-31,100,0,0",
                   "b,p1,outpatient,,2023-04-01,100,0,0",
                   "d,p2,inpatient,2023-04-01,2023-04-20,1000,0,0",
                   "e,p3,outpatient,,2023-12-31,100,0,0",
                   "f,p3,outpatient,,2024-01-01,100,0,0",
                   "c,p4,outpatient,,2024-02-29,100,0,0",
                   "d2,p4,outpatient,,2024-03-01,100,0,0",
                   "s,p5,inpatient,2023-12-20,2024-01-10,20000,0,0")
    identities = table(IDENTITIES,
                       "p1,最低生活保障对象,2023-01-01,2023-03-31",
                       "p2,特困人员,2022-01-01,2023-03-31",
                       "p3,特困人员,2023-01-01,2023-12-15",
                       "p4,最低生活保障对象,2024-01-01,2024-02-10",
                       "p5,特困人员,2023-01-01,2023-12-15")
    results, _ = run(engine, tmp_path, capsys, "wuxi", claims, identities)
    # 四(八) "丧失…身份的，次月起不再享受"; contract 3: end is the last day held; lost → held to its month end.
    # p1 end 03-31: a on 03-31 → 85% × 100 = 85; b on 04-01 → no_category, self-pay 100.
    # p2 end 03-31, stay starts 04-01: no day of the stay held → no_category.
    # p3 end 12-15 → held to 12-31: e ok (100%); f (2024-01-01) no_category.
    # p4 end 2024-02-10 → held to 02-29 (leap year): c ok 85; d2 (03-01) no_category.
    # p5 end 12-15 (held to 12-31), stay 2023-12-20..2024-01-10: 四(八) the stay keeps its category → 100% × 20000.
    assert results == [
        "a,p1,最低生活保障对象,0.00,0.00,85.00,0.00,15.00,ok,四(六)",
        "b,p1,,0.00,0.00,0.00,0.00,100.00,no_category,",
        "d,p2,,0.00,0.00,0.00,0.00,1000.00,no_category,",
        "e,p3,特困人员,0.00,0.00,100.00,0.00,0.00,ok,四(六)",
        "f,p3,,0.00,0.00,0.00,0.00,100.00,no_category,",
        "c,p4,最低生活保障对象,0.00,0.00,85.00,0.00,15.00,ok,四(六)",
        "d2,p4,,0.00,0.00,0.00,0.00,100.00,no_category,",
        "s,p5,特困人员,0.00,0.00,20000.00,0.00,0.00,ok,四(六)",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_wuxi_stay_across_year_end_and_validity_start(engine, tmp_path, capsys):
    claims = table(CLAIMS,
                   "a,p1,outpatient,,2023-06-01,10000,0,0",
                   "b,p1,inpatient,2023-12-20,2024-01-10,20000,0,0",
                   "c,p1,inpatient,2024-02-01,2024-02-05,10000,0,0",
                   "e,p3,inpatient,2023-07-10,2023-07-30,1000,0,0",
                   "f,p4,inpatient,2023-07-10,2023-07-30,1000,0,0",
                   "g,p5,inpatient,2022-12-20,2023-01-05,1000,0,0",
                   "h,p5,inpatient,2022-12-20,2022-12-31,1000,0,0")
    identities = table(IDENTITIES, "p1,低保边缘家庭成员,2023-01-01,", "p3,特困人员,2023-07-30,",
                       "p4,特困人员,2023-07-31,", "p5,特困人员,2022-01-01,")
    results, _ = run(engine, tmp_path, capsys, "wuxi", claims, identities)
    # p1 低保边缘 70% (四(六)), tilted 60% above 6000 (四(七)); contract 2: the year is the discharge date's.
    # a (2023): 7000, burden 3000.  b (discharged 2024 → 2024 ledgers, T = 0): 70% × 20000 = 14000, burden 6000,
    #   max(0, 6000 − 6000) = 0 → tilted 0 (were it 2023: T = 3000 → 1800).
    # c (2024, T = 6000): 7000, burden 3000 → 60% × 3000 = 1800; self-pay 10000 − 7000 − 1800 = 1200.
    # p3 gains 特困人员 on the discharge day → 四(八) the whole stay: 1000. p4 gains it the day after → no_category.
    # p5: g discharged 2023-01-05 (八: in force 2023-01-01) → ok 1000; h discharged 2022-12-31 → not_in_force,
    #   category and basis empty, self-pay 1000 (contract "statuses").
    assert results == [
        "a,p1,低保边缘家庭成员,0.00,0.00,7000.00,0.00,3000.00,ok,四(六)",
        "b,p1,低保边缘家庭成员,0.00,0.00,14000.00,0.00,6000.00,ok,四(六)",
        "c,p1,低保边缘家庭成员,0.00,0.00,7000.00,1800.00,1200.00,ok,四(六);四(七)",
        "e,p3,特困人员,0.00,0.00,1000.00,0.00,0.00,ok,四(六)",
        "f,p4,,0.00,0.00,0.00,0.00,1000.00,no_category,",
        "g,p5,特困人员,0.00,0.00,1000.00,0.00,0.00,ok,四(六)",
        "h,p5,,0.00,0.00,0.00,0.00,1000.00,not_in_force,",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_wuxi_identity_rows_overlapping_gapped_and_several_categories(engine, tmp_path, capsys):
    claims = table(CLAIMS,
                   "a,p1,outpatient,,2023-03-20,100,0,0",
                   "b,p1,inpatient,2023-03-10,2023-03-20,1000,0,0",
                   "e,p3,inpatient,2023-01-10,2023-01-20,20000,10000,0",
                   "f,p3,inpatient,2023-04-10,2023-04-20,20000,10000,0",
                   "g,p3,inpatient,2023-07-10,2023-07-20,20000,10000,0",
                   "k,p4,outpatient,,2023-01-05,100,0,0")
    identities = table(IDENTITIES,
                       "p1,特困人员,2023-01-01,2023-03-31", "p1,特困人员,2023-03-15,",
                       "p1,特困人员,2023-03-01,2023-03-25",
                       "p3,低保边缘家庭成员,2023-01-01,2023-02-10", "p3,低保边缘家庭成员,2023-06-01,",
                       "p4,低保边缘家庭成员,2023-01-01,", "p4,特困职工,2023-01-01,")
    results, rejects = run(engine, tmp_path, capsys, "wuxi", claims, identities)
    # p1: three overlapping rows of one category are one category: each claim settles once, 100%, no 四(八).
    # p3: held Jan–Feb (to 02-28) and from June: e 70% × 10000 = 7000; f (April) no_category; g 7000.
    #   T: e's burden 3000; f is not a recipient's claim (tilted tier not applied); g: 3000 + 3000 ≤ 6000 → 0.
    # p4: 低保边缘 70% → 70, 特困职工 85% → 85: 就高 (四(八)) → 特困职工; several held → 四(八) last in basis.
    assert results == [
        "a,p1,特困人员,0.00,0.00,100.00,0.00,0.00,ok,四(六)",
        "b,p1,特困人员,0.00,0.00,1000.00,0.00,0.00,ok,四(六)",
        "e,p3,低保边缘家庭成员,10000.00,0.00,7000.00,0.00,3000.00,ok,四(六)",
        "f,p3,,10000.00,0.00,0.00,0.00,10000.00,no_category,",
        "g,p3,低保边缘家庭成员,10000.00,0.00,7000.00,0.00,3000.00,ok,四(六)",
        "k,p4,特困职工,0.00,0.00,85.00,0.00,15.00,ok,四(六);四(八)",
    ]
    assert rejects == []


# ====================================================================== Mianyang 绵办规〔2022〕6号

@pytest.mark.parametrize("engine", ENGINES)
def test_mianyang_category_change_mid_year_shares_the_critical_and_aid_ledgers(engine, tmp_path, capsys):
    claims = table(CLAIMS + ",referred",
                   "a,p1,inpatient,2023-03-01,2023-03-10,30000,12000,,true",
                   "b,p1,inpatient,2023-07-01,2023-07-10,30000,12000,,true",
                   "na,p2,chronic,,2023-02-01,3000,1500,,false",
                   "nb,p2,chronic,,2023-03-01,3000,1500,,true",
                   "nc,p2,inpatient,2023-04-01,2023-04-05,5000,2500,,true")
    identities = table(IDENTITIES, "p1,低保边缘家庭成员,2022-01-01,2023-05-31", "p1,低保对象,2023-06-01,",
                       "p2,防止返贫监测对象,2022-01-01,")
    results, _ = run(engine, tmp_path, capsys, "mianyang", claims, identities, params=MIANYANG)
    # 二(三) critical: D = 50% × 40000 = 20000, 60%; 特困/孤儿/低保: D × (1 − 50%) = 10000, 65%.
    # 二(五) aid: 低保边缘 D 10% × 40000 = 4000, 50%; 低保 none, 70%; 防止返贫 D 5% × 40000 = 2000, 65%;
    #   chronic + inpatient one deductible and one cap; tilted 50% above 12000 (cap 5000).
    # p1 a (低保边缘): critical base 18000 < 20000 → 0 (E = 18000); aid (18000 − 4000) × 50% = 7000;
    #   burden 11000 < 12000 → 0.
    # p1 b (低保对象 from June; the ledgers are the person's, contract 2): critical E = 18000, e = 18000,
    #   D = 10000: max(0, 36000 − 10000) − max(0, 18000 − 10000) = 18000 × 65% = 11700; aid 70% ×
    #   (18000 − 11700 = 6300) = 4410; burden 1890, T = 11000: 50% × (12890 − 12000) = 445;
    #   self-pay 30000 − 12000 − 11700 − 4410 − 445 = 1445.
    # p2 na not referred: 二(八) aid and tilted not covered; the cost stays out of the aid deductible and T.
    #   critical (not conditioned on referral): 1500 < 20000 → 0. basis: 二(三) (base moved), 二(八).
    # p2 nb: aid E = 0 (na not counted), e = 1500 < 2000 → 0; self-pay 1500.
    # p2 nc: aid E = 1500, e = 2500: max(0, 4000 − 2000) − max(0, 1500 − 2000) = 2000 × 65% = 1300
    #   (with na counted it would be 2500 × 65% = 1625); burden 1200, T = 1500 → 0; self-pay 1200.
    assert results == [
        "a,p1,低保边缘家庭成员,12000.00,0.00,7000.00,0.00,11000.00,ok,二(三);二(五)",
        "b,p1,低保对象,12000.00,11700.00,4410.00,445.00,1445.00,ok,二(三);二(五)",
        "na,p2,防止返贫监测对象,1500.00,0.00,0.00,0.00,1500.00,not_covered,二(三);二(八)",
        "nb,p2,防止返贫监测对象,1500.00,0.00,0.00,0.00,1500.00,ok,二(三);二(五)",
        "nc,p2,防止返贫监测对象,2500.00,0.00,1300.00,0.00,1200.00,ok,二(三);二(五)",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_mianyang_retroactive_orphan_and_tilted_aid_and_the_validity_end(engine, tmp_path, capsys):
    claims = table(CLAIMS,
                   "a,p3,inpatient,2022-09-10,2022-09-20,30000,10000,0",
                   "b,p3,inpatient,2022-11-01,2022-11-10,30000,10000,0",
                   "c,p3,inpatient,2022-12-25,2023-01-05,30000,10000,",
                   "m,p3,inpatient,2022-08-20,2022-09-01,1000,0,0",
                   "n,p3,inpatient,2022-08-20,2022-08-31,1000,0,0",
                   "d,p4,inpatient,2022-10-10,2022-10-20,20000,10000,0",
                   "e,p4,inpatient,2022-12-01,2022-12-10,10000,5000,0",
                   "f,p4,inpatient,2023-01-02,2023-01-10,10000,5000,",
                   "g,p5,inpatient,2027-12-20,2027-12-31,1000,0,",
                   "h,p5,inpatient,2027-12-20,2028-01-05,1000,0,",
                   "k,p5,outpatient,,2028-01-01,1000,0,0")
    identities = table(IDENTITIES, "p3,孤儿,2022-01-01,", "p4,低保对象,2022-01-01,", "p5,特困人员,2022-01-01,")
    results, _ = run(engine, tmp_path, capsys, "mianyang", claims, identities, params=MIANYANG)
    # 末段: in force 2023-01-01 for 5 years (to 2027-12-31); tilted aid and 孤儿 rules from 2022-09-01.
    # Order for p3: m (09-01), a, b, c.  The aid cap in 2022 is a choice of the policy (its comment).
    # n discharged 2022-08-31 → not_in_force. m discharged 2022-09-01 → 孤儿 100%: 1000.
    # a: 100% × 20000 = 20000 (cap used 21000). b: 20000 but 30000 − 21000 = 9000 left → 9000; burden 11000,
    #   T = 0 → 0; self-pay 11000.
    # c: discharged 2023 → new year: critical (二(三), 孤儿): (20000 − 10000) × 65% = 6500; aid 13500.
    # p4 低保对象: aid rules only from 2023 → d, e aid 0 (status ok); tilted (retroactive): d burden 10000, T = 0 →
    #   0; e burden 5000, T = 10000: 50% × (15000 − 12000) = 1500. f (2023, T = 0): critical 5000 < 10000 → 0;
    #   aid 70% × 5000 = 3500; burden 1500 → 0.
    # p5: g discharged 2027-12-31 → in force: critical 1000 < 10000 → 0, aid 1000. h (2028-01-05), k → not_in_force.
    assert results == [
        "a,p3,孤儿,10000.00,0.00,20000.00,0.00,0.00,ok,二(五)",
        "b,p3,孤儿,10000.00,0.00,9000.00,0.00,11000.00,ok,二(五)",
        "c,p3,孤儿,10000.00,6500.00,13500.00,0.00,0.00,ok,二(三);二(五)",
        "m,p3,孤儿,0.00,0.00,1000.00,0.00,0.00,ok,二(五)",
        "n,p3,,0.00,0.00,0.00,0.00,1000.00,not_in_force,",
        "d,p4,低保对象,10000.00,0.00,0.00,0.00,10000.00,ok,",
        "e,p4,低保对象,5000.00,0.00,0.00,1500.00,3500.00,ok,二(五)",
        "f,p4,低保对象,5000.00,0.00,3500.00,0.00,1500.00,ok,二(三);二(五)",
        "g,p5,特困人员,0.00,0.00,1000.00,0.00,0.00,ok,二(三);二(五)",
        "h,p5,,0.00,0.00,0.00,0.00,1000.00,not_in_force,",
        "k,p5,,0.00,0.00,0.00,0.00,1000.00,not_in_force,",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_mianyang_a_pre_2023_claim_without_critical_paid_is_rejected_and_leaves_no_trace(engine, tmp_path, capsys):
    claims = table(CLAIMS,
                   "a,p1,inpatient,2022-10-01,2022-10-10,20000,10000,0",
                   "b,p1,inpatient,2022-11-01,2022-11-10,10000,5000,",
                   "c,p1,inpatient,2022-12-01,2022-12-10,10000,5000,0")
    identities = table(IDENTITIES, "p1,低保对象,2022-01-01,")
    results, rejects = run(engine, tmp_path, capsys, "mianyang", claims, identities, params=MIANYANG)
    # 二(三) critical insurance is in force from 2023-01-01 only: b must give critical_paid → rejected
    # (docs/semantics.md "Status and basis"). Tilted (retroactive 末段): a burden 10000, T = 0 → 0;
    # c burden 5000, T = 10000 (b not counted): 50% × (15000 − 12000) = 1500 (with b: 2500).
    assert results == [
        "a,p1,低保对象,10000.00,0.00,0.00,0.00,10000.00,ok,",
        "c,p1,低保对象,5000.00,0.00,0.00,1500.00,3500.00,ok,二(五)",
    ]
    assert len(rejects) == 1 and rejects[0].startswith("b,p1,") and "critical_paid" in rejects[0]


@pytest.mark.parametrize("engine", ENGINES)
def test_mianyang_tilted_cap_aid_cap_province_and_statuses(engine, tmp_path, capsys):
    claims = table(CLAIMS + ",in_province,referred",
                   "a,p1,inpatient,2023-01-01,2023-01-10,40000,16000,,true,true",
                   "b,p1,inpatient,2023-02-01,2023-02-10,20000,8000,,false,true",
                   "c,p1,chronic,,2023-03-10,30000,10000,,true,true",
                   "d,p1,inpatient,2023-04-01,2023-04-10,100000,40000,,true,true",
                   "e,p1,inpatient,2023-05-01,2023-05-10,20000,8000,,true,true",
                   "f,p1,inpatient,2023-06-01,2023-06-10,20000,8000,,true,true",
                   "g,p2,outpatient,,2023-03-01,100,0,,true,true",
                   "h,p2,inpatient,2023-03-01,2023-03-02,100,0,,true,false",
                   "k,p3,outpatient,,2023-03-01,100,0,,true,false",
                   "m,p4,inpatient,2023-03-01,2023-03-05,50000,20000,,true,true")
    identities = table(IDENTITIES, "p1,低保边缘家庭成员,2022-01-01,", "p3,低保对象,2022-01-01,",
                       "p4,低保对象,2022-01-01,", "p4,防止返贫监测对象,2022-01-01,")
    results, _ = run(engine, tmp_path, capsys, "mianyang", claims, identities, params=MIANYANG)
    # p1 低保边缘 (critical D 20000 60%; aid D 4000 50%, cap 30000; tilted 50% over 12000, cap 5000):
    # a: critical (24000 − 20000) × 60% = 2400; aid (21600 − 4000) × 50% = 8800; burden 12800 → 50% × 800 = 400.
    # b out of province: critical 12000 × 60% = 7200; aid 4800 × 50% = 2400; tilted condition fails → 0, T stays.
    # c: critical 20000 × 60% = 12000; aid 8000 × 50% = 4000; burden 4000, T = 12800 → 2000 (tilted used 2400).
    # d: critical 36000; aid 24000 × 50% = 12000 (cap used 15200 → 27200); tilted 6000, 5000 − 2400 = 2600 left.
    # e: critical 7200; aid 2400 (2800 left → used 29600); tilted cap used up → 0; self-pay 2400.
    # f: critical 7200; aid 2400 but 400 left → 400; self-pay 20000 − 8000 − 7200 − 400 = 4400.
    # p2 no category: g, h no_category (before not_covered); h's critical base moved → 二(三).
    # p3 低保 outpatient: in no aid pool → not_covered (二(五) covers chronic and inpatient only).
    # p4 低保 + 防止返贫 (就高 二(五)): 低保: critical (30000 − 10000) × 65% = 13000, aid 70% × 17000 = 11900,
    #   total 24900; 防止返贫: 6000 + (24000 − 2000) × 65% = 14300, total 20300 → 低保; self-pay 5100.
    assert results == [
        "a,p1,低保边缘家庭成员,16000.00,2400.00,8800.00,400.00,12400.00,ok,二(三);二(五)",
        "b,p1,低保边缘家庭成员,8000.00,7200.00,2400.00,0.00,2400.00,ok,二(三);二(五)",
        "c,p1,低保边缘家庭成员,10000.00,12000.00,4000.00,2000.00,2000.00,ok,二(三);二(五)",
        "d,p1,低保边缘家庭成员,40000.00,36000.00,12000.00,2600.00,9400.00,ok,二(三);二(五)",
        "e,p1,低保边缘家庭成员,8000.00,7200.00,2400.00,0.00,2400.00,ok,二(三);二(五)",
        "f,p1,低保边缘家庭成员,8000.00,7200.00,400.00,0.00,4400.00,ok,二(三);二(五)",
        "g,p2,,0.00,0.00,0.00,0.00,100.00,no_category,",
        "h,p2,,0.00,0.00,0.00,0.00,100.00,no_category,二(三)",
        "k,p3,低保对象,0.00,0.00,0.00,0.00,100.00,not_covered,",
        "m,p4,低保对象,20000.00,13000.00,11900.00,0.00,5100.00,ok,二(三);二(五)",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_mianyang_deductibles_from_an_income_with_odd_fen(engine, tmp_path, capsys):
    claims = table(CLAIMS,
                   "s,p3,inpatient,2023-03-01,2023-03-05,30000,0,",
                   "t,p4,inpatient,2023-03-01,2023-03-05,30000,0,",
                   "u,p2,inpatient,2023-03-01,2023-03-05,10000,0,")
    identities = table(IDENTITIES, "p4,低保边缘家庭成员,2022-01-01,", "p2,防止返贫监测对象,2022-01-01,",
                       "p3,特困人员,2022-01-01,")
    params = ["prev_year_disposable_income=33333.33", "poverty_monitoring_income_line=12000",
              "aid_annual_cap=30000", "tilted_annual_cap=5000"]
    results, _ = run(engine, tmp_path, capsys, "mianyang", claims, identities, params=params)
    # Settings rounded half-up at their root (docs/semantics.md "Values"); a relative 降低 50% rounds again.
    # critical D = 50% × 33333.33 = 16666.665 → 16666.67; 特困: 16666.67 × 50% = 8333.335 → 8333.34.
    # s: (30000 − 8333.34) × 65% = 21666.66 × 65% = 14083.329 → 14083.33; aid 100% × 15916.67.
    # t: critical 13333.33 × 60% = 7999.998 → 8000.00; aid D 10% × 33333.33 = 3333.333 → 3333.33:
    #   (22000 − 3333.33) × 50% = 9333.335 → 9333.34; burden 12666.66 → 50% × 666.66 = 333.33;
    #   self-pay 30000 − 8000 − 9333.34 − 333.33 = 12333.33.
    # u: critical 0; aid D 5% × 33333.33 = 1666.6665 → 1666.67: 8333.33 × 65% = 5416.6645 → 5416.66.
    assert results == [
        "s,p3,特困人员,0.00,14083.33,15916.67,0.00,0.00,ok,二(三);二(五)",
        "t,p4,低保边缘家庭成员,0.00,8000.00,9333.34,333.33,12333.33,ok,二(三);二(五)",
        "u,p2,防止返贫监测对象,0.00,0.00,5416.66,0.00,4583.34,ok,二(三);二(五)",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_mianyang_parameters_by_date_deductible_and_cap_change_mid_year(engine, tmp_path, capsys):
    claims = table(CLAIMS,
                   "a,p1,inpatient,2023-03-01,2023-03-10,30000,12000,",
                   "b,p1,inpatient,2023-08-01,2023-08-10,30000,12000,",
                   "c,p1,inpatient,2023-09-01,2023-09-10,60000,12000,",
                   "d,p2,inpatient,2023-12-20,2024-01-05,30000,0,")
    identities = table(IDENTITIES, "p1,低保边缘家庭成员,2022-01-01,", "p2,特困人员,2022-01-01,")
    params = ["prev_year_disposable_income=40000", "prev_year_disposable_income@2023-07-01=60000",
              "prev_year_disposable_income@2024=50000", "poverty_monitoring_income_line=12000",
              "aid_annual_cap=30000", "aid_annual_cap@2023-07-01=20000", "tilted_annual_cap=5000"]
    results, _ = run(engine, tmp_path, capsys, "mianyang", claims, identities, params=params)
    # Values on the discharge date (docs/semantics.md "Values", "Periods"); the year's ledgers go on (contract 4).
    # a (I 40000): critical 18000 < 20000 → 0 (E 18000); aid (18000 − 4000) × 50% = 7000; burden 11000 → 0.
    # b (I 60000): critical D 30000: max(0, 36000 − 30000) − max(0, 18000 − 30000) = 6000 × 60% = 3600;
    #   aid D 6000, E 18000, e 14400: 26400 − 12000 = 14400 × 50% = 7200 (cap now 20000, 13000 left);
    #   burden 7200, T 11000: 50% × (18200 − 12000) = 3100; self-pay 30000 − 12000 − 3600 − 7200 − 3100 = 4100.
    # c: critical 48000 × 60% = 28800; aid 19200 × 50% = 9600, cap 20000 − 14200 = 5800 left → 5800;
    #   burden 13400 → 6700, tilted cap 5000 − 3100 = 1900 left → 1900; self-pay 11500.
    # d discharged 2024-01-05 → I 50000: 特困 critical D 50% × 50000 × 50% = 12500: 17500 × 65% = 11375; aid 18625.
    assert results == [
        "a,p1,低保边缘家庭成员,12000.00,0.00,7000.00,0.00,11000.00,ok,二(三);二(五)",
        "b,p1,低保边缘家庭成员,12000.00,3600.00,7200.00,3100.00,4100.00,ok,二(三);二(五)",
        "c,p1,低保边缘家庭成员,12000.00,28800.00,5800.00,1900.00,11500.00,ok,二(三);二(五)",
        "d,p2,特困人员,0.00,11375.00,18625.00,0.00,0.00,ok,二(三);二(五)",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_mianyang_monitoring_list_strictly_above_half_the_income(engine, tmp_path, capsys):
    claims = table(CLAIMS,
                   "a,p6,outpatient,,2023-02-01,20000,0,0",
                   "b,p7,outpatient,,2023-12-31,20000.01,0,0",
                   "c,p8,inpatient,2023-11-20,2024-01-02,90000,0,",
                   "d,p9,inpatient,2023-12-01,2023-12-10,60000,20000,",
                   "e,p10,inpatient,2023-12-01,2023-12-10,60000,20000,")
    (tmp_path / "claims.csv").write_text(claims, encoding="utf-8")
    (tmp_path / "identities.csv").write_text(table(IDENTITIES, "p10,特困人员,2022-01-01,"), encoding="utf-8")
    # 二(七): threshold 50% × 40000 = 20000, "超过" → strictly above; cumulative = cost − basic − critical this
    # year through the month's end; pushed by the 10th of the next month (December → 2024-01-10).
    # p6 exactly 20000 → not listed; p7 20000.01 → listed; p8 discharged 2024 → not counted.
    # p9 (no category, 二(三) general): critical (40000 − 20000) × 60% = 12000 → 60000 − 20000 − 12000 = 28000.
    # p10 特困: critical (40000 − 10000) × 65% = 19500 → 20500.
    expected = ["person_id,cumulative_self_paid,threshold,push_by,basis",
                "p10,20500.00,20000.00,2024-01-10,二(七)",
                "p7,20000.01,20000.00,2024-01-10,二(七)",
                "p9,28000.00,20000.00,2024-01-10,二(七)"]
    for engine_ in ENGINES:
        lines = command(tmp_path, capsys, ["monitor", policy("mianyang"), "--claims", str(tmp_path / "claims.csv"),
                                           "--identities", str(tmp_path / "identities.csv"), "--month", "2023-12",
                                           "--param", "prev_year_disposable_income=40000", "--engine", engine_,
                                           "--generated", GENERATED], f"monitor-{engine_}.csv")
        assert lines == expected, engine_


def test_mianyang_contribution_subsidy_rounds_and_needs_the_category_in_the_year(tmp_path, capsys):
    (tmp_path / "identities.csv").write_text(table(
        IDENTITIES, "p1,低保对象,2022-01-01,", "p2,防止返贫监测对象,2023-12-31,", "p3,低保对象,2022-01-01,2023-01-01",
        "p4,低保边缘家庭成员,2022-01-01,", "p5,孤儿,2024-01-01,"), encoding="utf-8")
    # 二(二): 低保, 防止返贫 75% of the lowest contribution: 75% × 350.02 = 262.515 → 262.52; 低保边缘 none;
    # p3 held on 2023-01-01 only → still 2023; p5 only from 2024 → nothing in 2023.
    expected = ["person_id,benefit,amount,due,basis", "p1,资助参保,262.52,,二(二)", "p2,资助参保,262.52,,二(二)",
                "p3,资助参保,262.52,,二(二)"]
    for engine in ENGINES:
        lines = command(tmp_path, capsys, ["annual", policy("mianyang"), "--year", "2023", "--identities",
                                           str(tmp_path / "identities.csv"), "--param",
                                           "resident_min_contribution=350.02", "--engine", engine,
                                           "--generated", GENERATED], f"benefits-{engine}.csv")
        assert lines == expected, engine


# ====================================================================== Wuhai 乌海政办发〔2020〕35号

@pytest.mark.parametrize("engine", ENGINES)
def test_wuhai_ordinary_and_major_illness_aid_keep_separate_caps(engine, tmp_path, capsys):
    claims = table(CLAIMS + ",disease",
                   "a,p1,inpatient,2021-02-01,2021-02-10,40000,10000,0,肺炎",
                   "b,p1,inpatient,2021-03-01,2021-03-10,50000,20000,0,白血病",
                   "c,p1,inpatient,2021-04-01,2021-04-10,30000,10000,0,肺炎",
                   "d,p1,outpatient,,2021-05-01,1000,0,0,肺炎",
                   "f,p2,chronic,,2021-12-01,160000,0,0,肺癌",
                   "g,p2,inpatient,2021-12-20,2022-01-10,10000,0,0,肺癌",
                   "h,p2,chronic,,2021-12-28,10000,0,0,肺癌")
    identities = table(IDENTITIES, "p1,最低生活保障家庭成员,2020-01-01,", "p2,特困供养人员,2020-01-01,")
    results, _ = run(engine, tmp_path, capsys, "wuhai", claims, identities, params=["minimum_wage=2000"])
    # 三(二)2(1) ordinary inpatient: 70%, cap 30000/year; 三(二)3(2) major illness (inpatient; outpatient
    # cancer/dialysis/…): key recipients 85%, cap 140000/year, outpatient and inpatient one cap.
    # a 肺炎: ordinary 70% × 30000 = 21000.  b 白血病: major 85% × 30000 = 25500 (the ordinary cap untouched).
    # c 肺炎: 70% × 20000 = 14000, ordinary cap left 30000 − 21000 = 9000 → 9000; self-pay 11000.
    # d ordinary outpatient: no per-claim aid (2(2) is a yearly cash grant) → 0, ok.
    # p2: f (chronic, 肺癌 = cancer treatment) 85% × 160000 = 136000; h (12-28) 85% × 10000 = 8500, cap left 4000
    #   → 4000; g discharged 2022-01-10 → year 2022 (三(二)2(1) "以出院日期所在年度为准"): 8500.
    assert results == [
        "a,p1,最低生活保障家庭成员,10000.00,0.00,21000.00,0.00,9000.00,ok,三(二)2(1)",
        "b,p1,最低生活保障家庭成员,20000.00,0.00,25500.00,0.00,4500.00,ok,三(二)3(2)",
        "c,p1,最低生活保障家庭成员,10000.00,0.00,9000.00,0.00,11000.00,ok,三(二)2(1)",
        "d,p1,最低生活保障家庭成员,0.00,0.00,0.00,0.00,1000.00,ok,",
        "f,p2,特困供养人员,0.00,0.00,136000.00,0.00,24000.00,ok,三(二)3(2)",
        "g,p2,特困供养人员,0.00,0.00,8500.00,0.00,1500.00,ok,三(二)3(2)",
        "h,p2,特困供养人员,0.00,0.00,4000.00,0.00,6000.00,ok,三(二)3(2)",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_wuhai_other_hardship_expense_test_over_the_whole_year_strictly_above(engine, tmp_path, capsys):
    claims = table(CLAIMS + ",disease",
                   "a,q1,inpatient,2021-03-01,2021-03-10,20000,10000,0,肺炎",
                   "b,q1,inpatient,2021-07-01,2021-07-10,10000,4000,1000,肺炎",
                   "x,q2,inpatient,2021-03-01,2021-03-10,24000,10000,0,肺炎",
                   "y,q2,inpatient,2021-04-01,2021-04-10,0.01,0,0,肺炎",
                   "z,q3,inpatient,2021-04-01,2021-04-10,100,0,0,肺炎",
                   "w,q4,inpatient,2021-04-01,2021-04-10,100,0,0,白血病")
    identities = table(IDENTITIES, "q1,其他特殊困难人员,2021-06-01,", "q2,其他特殊困难人员,2021-01-01,",
                       "q3,其他特殊困难人员,2021-01-01,", "q4,其他特殊困难人员,2021-01-01,")
    persons = table(PERSONS, "q1,男,1970-01-01,,,1000,20000", "q2,男,1970-01-01,,,1000,20000",
                    "q4,男,1970-01-01,,,1000,")
    results, rejects = run(engine, tmp_path, capsys, "wuhai", claims, identities, persons, ["minimum_wage=2000"])
    # 三(一)3: income 1000 < 2000 (ordinary); expense: this year's inpatient cost after insurance "超过" 70% of the
    # family income = 14000.
    # q1 a (before the identity): no_category; but its 10000 is "当年个人承担的住院医疗费用".
    # q1 b: 10000 + 5000 = 15000 > 14000 → 三(二)2(1) 70% × 5000 = 3500; self-pay 1500.
    # q2 x: 14000, not above 14000 → 0. y: 14000.01 > 14000 → 70% × 0.01 = 0.007 → 0.01.
    # q3: no persons row; q4: empty family_annual_income → both rejected (contract: never read as zero).
    assert results == [
        "a,q1,,10000.00,0.00,0.00,0.00,10000.00,no_category,",
        "b,q1,其他特殊困难人员,4000.00,1000.00,3500.00,0.00,1500.00,ok,三(二)2(1)",
        "x,q2,其他特殊困难人员,10000.00,0.00,0.00,0.00,14000.00,ok,",
        "y,q2,其他特殊困难人员,0.00,0.00,0.01,0.00,0.00,ok,三(二)2(1)",
    ]
    assert [row.split(",")[0] for row in rejects] == ["z", "w"]
    assert all(",person_id:" in row for row in rejects), rejects


@pytest.mark.parametrize("engine", ENGINES)
def test_wuhai_highest_benefit_trial_keeps_only_the_applied_tiers_ledgers(engine, tmp_path, capsys):
    claims = table(CLAIMS + ",disease",
                   "a,r1,inpatient,2021-03-01,2021-03-20,100000,50000,20000,白血病",
                   "b,r1,inpatient,2021-05-01,2021-05-10,30000,10000,0,肺炎",
                   "c,r1,inpatient,2021-06-01,2021-06-10,30000,10000,0,肺炎")
    identities = table(IDENTITIES, "r1,低收入救助对象,2020-01-01,", "r1,其他特殊困难人员,2021-01-01,")
    persons = table(PERSONS, "r1,男,1970-01-01,,,2500,20000")
    results, _ = run(engine, tmp_path, capsys, "wuhai", claims, identities, persons, ["minimum_wage=2000"])
    # Income 2500: < 1.5 × 2000 (major illness) but not < 2000 (ordinary); expense line 70% × 20000 = 14000.
    # a 白血病, base 30000 (> 14000): 低收入 → ordinary 70% = 21000; 其他 → major 75% = 22500 → 就高 其他.
    # b 肺炎, base 20000: 低收入 → ordinary 70% = 14000 — the ordinary cap 30000 is untouched by a's trial
    #   (only the applied category's settlement moves the ledgers; with a's 21000 kept it would be 9000);
    #   其他 → ordinary fails the income test → 0. c: 14000 (used 28000 ≤ 30000).
    # The identity clause is 三(二)2(2) (choice: the document's only "按最高标准").
    assert results == [
        "a,r1,其他特殊困难人员,50000.00,20000.00,22500.00,0.00,7500.00,ok,三(二)3(2);三(二)2(2)",
        "b,r1,低收入救助对象,10000.00,0.00,14000.00,0.00,6000.00,ok,三(二)2(1);三(二)2(2)",
        "c,r1,低收入救助对象,10000.00,0.00,14000.00,0.00,6000.00,ok,三(二)2(1);三(二)2(2)",
    ]


def test_wuhai_outpatient_cash_grant_age_on_the_due_date(tmp_path, capsys):
    (tmp_path / "identities.csv").write_text(table(
        IDENTITIES, "p1,最低生活保障家庭成员,2020-01-01,", "p2,最低生活保障家庭成员,2020-01-01,",
        "p3,最低生活保障家庭成员,2020-01-01,", "p4,特困供养人员,2020-01-01,"), encoding="utf-8")
    (tmp_path / "persons.csv").write_text(table(
        PERSONS, "p1,男,1962-09-30,,B,,", "p2,男,1962-10-01,4,B,,", "p3,女,1960-01-01,2,A,,", "p4,女,1950-01-01,1,A,,"),
        encoding="utf-8")
    # 三(二)1: key recipients' contribution 100% × 280. 三(二)2(2): 低保 members, paid in September (due 09-30):
    # A class 800, men 60+/women 55+ 300, disability 1–3 400, the highest only.
    # p1: 60 on 2022-09-30 → 300. p2: 59 on 09-30, grade 4, B → none. p3: A 800, 62 → 300, grade 2 → 400 → 800.
    # p4 is 特困供养 (not 低保) → no grant.  三(一)3 priority (no amount): p1, p3, p4 ≥ 60; p2 is 60 on 12-31
    # (no due date: age on 12-31, docs/semantics.md) → listed.
    expected = ["person_id,benefit,amount,due,basis",
                "p1,资助参保,280.00,,三(二)1", "p1,普通疾病门诊救助金,300.00,2022-09-30,三(二)2(2)",
                "p1,优先救助,,,三(一)3",
                "p2,资助参保,280.00,,三(二)1", "p2,优先救助,,,三(一)3",
                "p3,资助参保,280.00,,三(二)1", "p3,普通疾病门诊救助金,800.00,2022-09-30,三(二)2(2)",
                "p3,优先救助,,,三(一)3",
                "p4,资助参保,280.00,,三(二)1", "p4,优先救助,,,三(一)3"]
    for engine in ENGINES:
        lines = command(tmp_path, capsys, ["annual", policy("wuhai"), "--year", "2022", "--identities",
                                           str(tmp_path / "identities.csv"), "--persons", str(tmp_path / "persons.csv"),
                                           "--param", "resident_contribution=280", "--engine", engine,
                                           "--generated", GENERATED], f"benefits-{engine}.csv")
        assert lines == expected, engine


# ====================================================================== Jinggu (basic insurance tier)

@pytest.mark.parametrize("engine", ENGINES)
def test_jinggu_basic_insurance_by_level_on_one_yearly_ledger(engine, tmp_path, capsys):
    claims = table(CLAIMS + ",institution_level",
                   "a,p1,inpatient,2017-02-01,2017-02-05,200,,0,一级",
                   "b,p1,inpatient,2017-03-01,2017-03-05,1000.03,,0,二级",
                   "c,p1,inpatient,2017-04-01,2017-04-05,15000,,0,二级",
                   "d,p1,inpatient,2017-05-01,2017-05-05,100,,0,",
                   "e,p1,inpatient,2017-06-01,2017-06-05,100,,,二级",
                   "f,p2,inpatient,2016-12-25,2017-01-02,1000,,0,三级",
                   "g,p3,inpatient,2017-02-01,2017-02-05,30000,,0,基层",
                   "h,p3,inpatient,2017-03-01,2017-03-05,30000,,0,三级")
    params = ["一级起付标准=300", "二级起付标准=600", "三级起付标准=1000", "基层起付标准=200", "一级最高支付限额=10000",
              "二级最高支付限额=20000", "三级最高支付限额=30000", "基层最高支付限额=5000", "基层住院支付比例=85%"]
    results, rejects = run(engine, tmp_path, capsys, "jinggu", claims, table(IDENTITIES), params=params)
    # 二(四) 75% (基层: its own ratio); deductible and cap by level (parameters), one yearly ledger (choice).
    # a: E = 0, e = 200, D 300 → 0.  b: E = 200, e = 1000.03, D 600: max(0, 600.03) − 0 → 75% = 450.0225 → 450.02.
    # c: E = 1200.03 > 600 → 15000 × 75% = 11250 (cap 20000 − 450.02 left).
    # d (no level) and e (no critical_paid, no critical tier) rejected.
    # f: discharged 2017-01-02 (一: from 2017-01-01) → in force: 1000 − D 1000 = 0 → 0; no aid tier → ok.
    # g 基层: (30000 − 200) × 85% = 25330 → cap 5000.  h 三级: E = 30000 → 30000 × 75% = 22500 (30000 − 5000 left).
    assert results == [
        "a,p1,,0.00,0.00,0.00,0.00,200.00,ok,二(四)",
        "b,p1,,450.02,0.00,0.00,0.00,550.01,ok,二(四)",
        "c,p1,,11250.00,0.00,0.00,0.00,3750.00,ok,二(四)",
        "f,p2,,0.00,0.00,0.00,0.00,1000.00,ok,二(四)",
        "g,p3,,5000.00,0.00,0.00,0.00,25000.00,ok,二(四)",
        "h,p3,,22500.00,0.00,0.00,0.00,7500.00,ok,二(四)",
    ]
    assert [row.split(",")[0] for row in rejects] == ["d", "e"]


# ====================================================================== Huizhou 惠医保发〔2021〕96号

def huizhou_schedule(tmp_path, capsys, expenditures: str, engine: str) -> list[str]:
    (tmp_path / "expenditures.csv").write_text(expenditures, encoding="utf-8")
    return command(tmp_path, capsys, ["funds", policy("huizhou"), "--expenditures", str(tmp_path / "expenditures.csv"),
                                      "--engine", engine, "--generated", GENERATED], f"schedule-{engine}.csv")


@pytest.mark.parametrize("engine", ENGINES)
def test_huizhou_fee_cap_advances_and_fee_settlement(engine, tmp_path, capsys):
    lines = huizhou_schedule(tmp_path, capsys, "county,year,aid_expenditure\n乙县,2021,10000000\n"
                             "乙县,2022,12345678.91\n乙县,2023,9000000\n", engine)
    # 二(四)2 fee(Y) = min(4% × spent(Y−1), 400000): 2022 min(400000, 400000); 2023 4% × 12345678.91 = 493827.16
    #   → 400000; 2024 4% × 9000000 = 360000; due the next year's 06-30 + 20 days.
    # 二(四)3 advances: 2022: 50%/40% × 10000000 = 5000000 / 4000000; 2023: 50% × 12345678.91 = 6172839.455 →
    #   6172839.46, 40% = 4938271.564 → 4938271.56; 2024: 4500000 / 3600000.
    #   settlement of 2022 by 2023-06-30: 12345678.91 − 9000000 = 3345678.91; of 2023: 9000000 − (6172839.46 +
    #   4938271.56 = 11111111.02) = −2111111.02.
    # 二(四)4 fee advance in June: 80% × fee(Y−2): 2024 80% × 400000 = 320000; 2025 320000; 2026 80% × 360000 =
    #   288000; fee settlement of 2024: 360000 − 320000 = 40000 by 2025-07-20.
    assert lines == [
        "county,item,due,amount,basis",
        "乙县,aid_advance,2022-03-31,5000000.00,二(四)3",
        "乙县,aid_advance,2022-09-30,4000000.00,二(四)3",
        "乙县,aid_advance,2023-03-31,6172839.46,二(四)3",
        "乙县,aid_settlement,2023-06-30,3345678.91,二(四)3",
        "乙县,service_fee,2023-07-20,400000.00,二(四)2",
        "乙县,aid_advance,2023-09-30,4938271.56,二(四)3",
        "乙县,aid_advance,2024-03-31,4500000.00,二(四)3",
        "乙县,aid_settlement,2024-06-30,-2111111.02,二(四)3",
        "乙县,service_fee_advance,2024-06-30,320000.00,二(四)4",
        "乙县,service_fee,2024-07-20,400000.00,二(四)2",
        "乙县,aid_advance,2024-09-30,3600000.00,二(四)3",
        "乙县,service_fee_advance,2025-06-30,320000.00,二(四)4",
        "乙县,service_fee,2025-07-20,360000.00,二(四)2",
        "乙县,service_fee_settlement,2025-07-20,40000.00,二(四)4",
        "乙县,service_fee_advance,2026-06-30,288000.00,二(四)4",
    ]


# 二(四)3 "按上年度医疗救助费用支出总额的50%、40%预拨，余额清算在年度结算时一并完成" — the settlement is the
# balance: the year's spending less the two advances actually paid, each rounded to the fen. (huizhou.aid once
# computed aid_expenditure[当年] − 90% × aid_expenditure[当年 − 1], rounded once, which differs by a fen whenever
# round(50% x) + round(40% x) ≠ round(90% x); this audit found it.)
@pytest.mark.parametrize("engine", ENGINES)
def test_huizhou_aid_settlement_is_the_balance_of_the_advances_paid(engine, tmp_path, capsys):
    lines = huizhou_schedule(tmp_path, capsys, "county,year,aid_expenditure\n龙门县,2021,1234567.97\n"
                             "龙门县,2022,1500000\n", engine)
    # 2022 advances: 50% × 1234567.97 = 617283.985 → 617283.99; 40% × 1234567.97 = 493827.188 → 493827.19;
    # paid 1111111.18. Settlement by 2023-06-30: 1500000 − 1111111.18 = 388888.82
    # (the policy: 1500000 − round(90% × 1234567.97 = 1111111.173 → 1111111.17) = 388888.83: one fen overpaid).
    advances = [line for line in lines if ",aid_advance,2022-" in line]
    assert advances == ["龙门县,aid_advance,2022-03-31,617283.99,二(四)3",
                        "龙门县,aid_advance,2022-09-30,493827.19,二(四)3"]
    assert "龙门县,aid_settlement,2023-06-30,388888.82,二(四)3" in lines, lines
