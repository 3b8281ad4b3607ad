"""`aidlang synth`: deterministic synthetic data that every bundled policy settles without a reject.

The expected facts are read off the policies by hand, not from the generator: which statuses each policy can
give (a policy without aid tiers never says no_category; only a policy with an aid tier that leaves out a visit
type or says 否则 不予救助 says not_covered), which visit types it pays, and the caps a heavy person's year
of aid must stop at exactly (the 限额 lines quoted beside each).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest

from aidlang.check.pipeline import load
from aidlang.check.symbols import VISIT_TYPES
from aidlang.cli import main
from aidlang.cli.inputs import vocabulary
from aidlang.io import data

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CLAIMS = 4000
CHRONIC_INPATIENT = frozenset(("chronic", "inpatient"))
ALL_VISITS = frozenset(("outpatient", "chronic", "inpatient"))


def example_params(city: str) -> list[str]:
    return (EXAMPLES / city / "params.txt").read_text(encoding="utf-8").split()


# policy -> params, the statuses it can give, the visit types it pays (status ok), and caps:
# (column, the visit types whose claims share the ledger, the cap in yuan as results.csv writes it)
CASES = {
    # 四(六): 普通门诊 限额 1万元; 慢特病和住院 限额 30万元 (共用 限额); no tier leaves a visit type out
    "wuxi": ([], {"ok", "no_category", "not_in_force"}, ALL_VISITS,
             [("aid_paid", frozenset(("outpatient",)), "10000.00"), ("aid_paid", CHRONIC_INPATIENT, "300000.00")]),
    # 二(五): aid_annual_cap and tilted_annual_cap (examples/mianyang/params.txt: 100000, 50000); outpatient is
    # in no aid tier and 条件 转诊 否则 不予救助 → not_covered
    "mianyang": (example_params("mianyang"), {"ok", "no_category", "not_in_force", "not_covered"},
                 CHRONIC_INPATIENT, [("aid_paid", CHRONIC_INPATIENT, "100000.00"),
                                     ("tilted_paid", CHRONIC_INPATIENT, "50000.00")]),
    # 三(二)3(2): 重点救助对象 限额 14万元 over 重特大疾病费用 (every visit type, 共用 限额)
    "wuhai": (example_params("wuhai"), {"ok", "no_category", "not_in_force"}, ALL_VISITS,
              [("aid_paid", ALL_VISITS, "140000.00")]),
    # 二(四): basic insurance only (no aid tier: no no_category); 住院 限额 一级…基层最高支付限额, 100000 each in
    # examples/jinggu/params.txt, one ledger (共用 限额)
    "jinggu": (example_params("jinggu"), {"ok", "not_in_force"}, frozenset(("inpatient",)),
               [("basic_paid", frozenset(("inpatient",)), "100000.00")]),
    # 2: 慢特病和住院 限额 5万元; 3: 倾斜救助 限额 tilted_cap (given 20000 here); outpatient in no aid tier
    "guangde": (["--param", "tilted_threshold=20000", "--param", "tilted_ratio=50%", "--param", "tilted_cap=20000"],
                {"ok", "no_category", "not_in_force", "not_covered"}, CHRONIC_INPATIENT,
                [("aid_paid", CHRONIC_INPATIENT, "50000.00"), ("tilted_paid", CHRONIC_INPATIENT, "20000.00")]),
    # 第一段: 第一类对象 限额 3万元, 再救助 限额 2万元; the tiers name no pool: one ledger over every visit type
    "zichuan": (["--param", "prev_year_disposable_income=38000"], {"ok", "no_category", "not_in_force"},
                ALL_VISITS, [("aid_paid", ALL_VISITS, "30000.00"), ("tilted_paid", ALL_VISITS, "20000.00")]),
    # fund administration only: no tier pays anything, so no category, pool or cap decides a status
    "huizhou": (example_params("huizhou") if (EXAMPLES / "huizhou" / "params.txt").exists() else [],
                {"ok", "not_in_force"}, ALL_VISITS, []),
}


def test_every_bundled_policy_has_a_case():
    assert sorted(CASES) == sorted(p.stem for p in (ROOT / "policies").glob("*.aid"))


def synth(policy: str, out: Path, *extra: str, claims: int = CLAIMS, seed: int = 7) -> None:
    code = main(["synth", str(ROOT / "policies" / f"{policy}.aid"), "--claims", str(claims), "--seed", str(seed),
                 "--out", str(out), *extra])
    assert code == 0


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_same_bytes_other_seed_differs(tmp_path, fmt):
    synth("mianyang", tmp_path / "a", "--format", fmt, claims=1500, seed=11)
    synth("mianyang", tmp_path / "b", "--format", fmt, claims=1500, seed=11)
    synth("mianyang", tmp_path / "c", "--format", fmt, claims=1500, seed=12)
    first = files_of(tmp_path / "a")
    assert sorted(first) == [f"claims.{fmt}", f"identities.{fmt}"]
    assert first == files_of(tmp_path / "b")
    other = files_of(tmp_path / "c")
    assert all(first[name] != other[name] for name in first)


def test_exactly_n_claims_and_unique_ids(tmp_path):
    synth("wuxi", tmp_path, claims=1234)
    claims = rows(tmp_path / "claims.csv")
    assert len(claims) == 1234
    assert len({c["claim_id"] for c in claims}) == 1234
    persons = {c["person_id"] for c in claims}
    assert 1234 / 8 < len(persons) < 1234 / 3  # about five claims a person


@pytest.mark.parametrize("policy", sorted(CASES))
def test_bundled_policy_settles_synthetic_data(tmp_path, policy):
    params, statuses, paid_visits, caps = CASES[policy]
    synth(policy, tmp_path / "data", *params)
    checked = load(ROOT / "policies" / f"{policy}.aid")
    words = vocabulary(checked)
    directory = tmp_path / "data"
    identities = data.read_identities(directory / "identities.csv", words)
    assert not identities.errors
    run = ["run", str(ROOT / "policies" / f"{policy}.aid"), "--claims", str(directory / "claims.csv"),
           "--identities", str(directory / "identities.csv"), *params, "--out", str(tmp_path / "results.csv"),
           "--rejects", str(tmp_path / "rejects.csv")]
    if (directory / "persons.csv").exists():
        persons = data.read_persons(directory / "persons.csv")
        assert not persons.errors
        run += ["--persons", str(directory / "persons.csv")]
    assert main(run) == 0
    assert rows(tmp_path / "rejects.csv") == []
    claims = {c["claim_id"]: c for c in rows(directory / "claims.csv")}
    results = rows(tmp_path / "results.csv")
    assert len(results) == CLAIMS
    assert {r["status"] for r in results} == statuses
    visit_of = {cid: VISIT_TYPES[c["visit_type"]] for cid, c in claims.items()}
    assert set(visit_of.values()) == {VISIT_TYPES[v] for v in checked.symbols.visits} or not checked.symbols.visits
    assert {visit_of[r["claim_id"]] for r in results if r["status"] == "ok"} == paid_visits
    for column, visits, cap in caps:
        yearly: dict[tuple[str, int], int] = defaultdict(int)
        for r in results:
            claim = claims[r["claim_id"]]
            if visit_of[r["claim_id"]] in visits:
                year = dt.date.fromisoformat(claim["discharge_date"]).year
                yearly[r["person_id"], year] += fen(r[column])
        assert fen(cap) in yearly.values(), f"{policy}: no person's year of {column} reaches {cap}"
        assert max(yearly.values()) == fen(cap), f"{policy}: a year of {column} above the cap {cap}"


def test_identity_changes_and_stays_over_year_end(tmp_path):
    synth("wuxi", tmp_path)
    identities = rows(tmp_path / "identities.csv")
    by_person = defaultdict(list)
    for row in identities:
        by_person[row["person_id"]].append(row)
    assert any(len({r["category"] for r in held}) > 1 for held in by_person.values())  # several categories
    assert any(r["end"] for r in identities)  # identities lost
    assert any(r["start"] >= "2023-01-01" for r in identities)  # and gained while claims are settled
    claims = rows(tmp_path / "claims.csv")
    stays = [c for c in claims if c["visit_type"] in ("inpatient", "住院")]
    assert any(c["admission_date"][:4] < c["discharge_date"][:4] for c in stays)  # across New Year
    assert any(c["admission_date"][:7] < c["discharge_date"][:7] for c in stays)  # across a month end
    outpatient = [fen(c["policy_scope_cost"]) for c in claims if VISIT_TYPES[c["visit_type"]] == "outpatient"]
    inpatient = [fen(c["policy_scope_cost"]) for c in stays]
    assert len(outpatient) > len(inpatient)  # many small visits, fewer large stays
    assert sorted(outpatient)[len(outpatient) // 2] < sorted(inpatient)[len(inpatient) // 2]


def test_columns_the_policy_reads(tmp_path):
    # wuhai tests 病种 and person attributes (家庭月人均收入, 年龄…); jinggu 机构级别; wuxi neither and computes no
    # insurance tier, so basic_paid and critical_paid are given on every claim
    synth("wuhai", tmp_path / "wuhai", *example_params("wuhai"), claims=300)
    synth("jinggu", tmp_path / "jinggu", *example_params("jinggu"), claims=300)
    synth("wuxi", tmp_path / "wuxi", claims=300)
    wuhai = rows(tmp_path / "wuhai" / "claims.csv")
    assert "disease" in wuhai[0] and (tmp_path / "wuhai" / "persons.csv").exists()
    jinggu = rows(tmp_path / "jinggu" / "claims.csv")
    assert {c["institution_level"] for c in jinggu} <= {"一级", "二级", "三级", "基层"}
    assert all(c["institution_level"] for c in jinggu) and "basic_paid" not in jinggu[0]
    wuxi = rows(tmp_path / "wuxi" / "claims.csv")
    assert all(c["basic_paid"] and c["critical_paid"] for c in wuxi)
    assert "disease" not in wuxi[0] and not (tmp_path / "wuxi" / "persons.csv").exists()


def test_bad_arguments_are_usage_errors(tmp_path, capsys):
    policy = str(ROOT / "policies" / "wuxi.aid")
    with pytest.raises(SystemExit) as exit_:
        main(["synth", policy, "--claims", "0", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    (tmp_path / "file").write_text("x")
    assert main(["synth", policy, "--claims", "5", "--out", str(tmp_path / "file")]) == 2
    assert "不是目录" in capsys.readouterr().err


def fen(text: str) -> int:
    whole, _, cents = text.partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])
