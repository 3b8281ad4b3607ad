"""Settlement throughput of both engines: 100,000 synthetic claims per city.

    python3 bench/settle.py [--claims N] [--city wuxi|mianyang|wuhai ...]

For each city it writes synthetic claims.csv / identities.csv (/ persons.csv) to a temporary directory,
then times, in the same run:
  - the baseline: a plain loop that only parses the claim rows into records (data.read_claims),
  - the settlement by the interpreter: Interpreter.settle on those records, and
  - the settlement by the compiled module: generated/<city>.py's Policy.settle on the same records (checked to
    give the interpreter's results).
It prints claims per second for each, the ratio interpreter settle time / parse time (what settlement costs on
top of reading the file) and compiled/interpreter throughput. Deterministic data (fixed seed). Times are the
process's CPU time (time.process_time), so a busy machine slows the figures less than wall-clock time would.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aidlang.check.pipeline import load  # noqa: E402
from aidlang.cli.inputs import param_lookup, vocabulary  # noqa: E402
from aidlang.engines.compiled.loader import load_module  # noqa: E402
from aidlang.engines.interp.interpreter import Interpreter  # noqa: E402
from aidlang.io import data  # noqa: E402
from aidlang.io.params import parse_params  # noqa: E402

CITIES = {
    "wuxi": {
        "categories": ["特困人员", "最低生活保障对象", "困境儿童", "孤儿", "事实无人抚养儿童", "优抚对象",
                       "精减退职职工", "特困职工", "低保边缘家庭成员", "支出型困难家庭大重病患者",
                       "临时救助对象大重病患者", "重度残疾人", "其他特殊困难人员"],
        "year": 2023, "critical_given": True, "params": [],
    },
    "mianyang": {
        "categories": ["特困人员", "孤儿", "低保对象", "低保边缘家庭成员", "防止返贫监测对象", "因病致贫重病患者"],
        "year": 2023, "critical_given": False,  # the policy computes critical-illness insurance from 2023
        "params": ["prev_year_disposable_income=33500", "poverty_monitoring_income_line=7300",
                   "aid_annual_cap=100000", "tilted_annual_cap=50000", "resident_min_contribution=380"],
    },
    "wuhai": {
        "categories": ["过渡期内脱贫户", "最低生活保障家庭成员", "特困供养人员", "孤儿", "困境儿童", "三民人员",
                       "低收入救助对象", "其他特殊困难人员"],
        "year": 2021, "critical_given": True, "params": ["minimum_wage=1980"], "persons": True,
        "diseases": ["白血病", "肺癌", "终末期肾病", "脑卒中", "肺炎", "骨折"],
    },
}
SEED = 7
VISITS = ("outpatient", "chronic", "inpatient")


def write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def synthesize(city: dict, count: int, directory: Path) -> None:
    """About 5 claims per person, one identity for most persons (a few none, a few two)."""
    rng = random.Random(SEED)
    persons = max(1, count // 5)
    year = city["year"]
    first = dt.date(year, 1, 1)
    identities = []
    for p in range(persons):
        roll = rng.random()
        if roll < 0.05:
            continue
        identities.append([f"P{p}", rng.choice(city["categories"]), "2020-01-01", ""])
        if roll > 0.95:
            identities.append([f"P{p}", rng.choice(city["categories"]), f"{year}-06-01", f"{year}-09-30"])
    claims = []
    diseases = city.get("diseases")
    for c in range(count):
        visit = rng.choices(VISITS, (5, 3, 2))[0]
        discharge = first + dt.timedelta(days=rng.randrange(365))
        admission = discharge - dt.timedelta(days=rng.randint(1, 20)) if visit == "inpatient" else discharge
        cost = rng.randint(5_000, 300_000) if visit == "outpatient" else rng.randint(50_000, 8_000_000)
        basic = cost * rng.randint(40, 70) // 100
        critical = (cost - basic) * rng.randint(0, 30) // 100 if city["critical_given"] else None
        row = [f"C{c}", f"P{rng.randrange(persons)}", visit, admission.isoformat(), discharge.isoformat(),
               yuan(cost), yuan(basic), "" if critical is None else yuan(critical),
               "true" if rng.random() > 0.1 else "false", "true" if rng.random() > 0.05 else "false"]
        if diseases:
            row.append(rng.choice(diseases) if visit != "outpatient" else "")
        claims.append(row)
    header = ["claim_id", "person_id", "visit_type", "admission_date", "discharge_date", "policy_scope_cost",
              "basic_paid", "critical_paid", "referred", "in_province"] + (["disease"] if diseases else [])
    write_csv(directory / "claims.csv", header, claims)
    write_csv(directory / "identities.csv", ["person_id", "category", "start", "end"], identities)
    if city.get("persons"):
        write_csv(directory / "persons.csv", list(data.PERSON_COLUMNS), (
            [f"P{p}", rng.choice("男女"), f"{rng.randint(1940, 2015)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
             rng.choice(["", "", "1", "3"]), rng.choice(["", "A", "B"]), yuan(rng.randint(50_000, 400_000)),
             yuan(rng.randint(1_000_000, 10_000_000))] for p in range(persons)))


def bench_city(name: str, count: int) -> dict:
    city = CITIES[name]
    checked = load(ROOT / "policies" / f"{name}.aid")
    words = vocabulary(checked)
    params, errors = parse_params(city["params"], param_lookup(checked))
    assert not errors, errors
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        synthesize(city, count, directory)
        identities = data.read_identities(directory / "identities.csv", words).records
        persons_file = directory / "persons.csv"
        persons = ({p.person_id: p for p in data.read_persons(persons_file).records}
                   if persons_file.exists() else {})
        started = time.process_time()
        loaded = data.read_claims(directory / "claims.csv", words)  # the baseline: parsing only
        parse_seconds = time.process_time() - started
    assert not loaded.errors, loaded.errors[:3]
    claims = list(loaded.records)
    seconds, outcomes = {}, {}
    engines = (("interp", Interpreter(checked, params)), ("compiled", load_module(checked)[0].Policy(params)))
    for engine, policy in engines:
        claim_errors: list = []
        started = time.process_time()
        results = policy.settle(claims, list(identities), persons, errors=claim_errors)
        seconds[engine] = time.process_time() - started
        assert len(results) + len(claim_errors) == len(claims)
        outcomes[engine] = (results, claim_errors)
    assert outcomes["compiled"] == outcomes["interp"], f"{name}: the engines give different results"
    return {"city": name, "claims": len(claims), "parse_per_s": len(claims) / parse_seconds,
            "settle_per_s": len(claims) / seconds["interp"], "ratio": seconds["interp"] / parse_seconds,
            "compiled_per_s": len(claims) / seconds["compiled"], "speedup": seconds["interp"] / seconds["compiled"],
            "rejected": len(outcomes["interp"][1])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000, help="claims per city (default 100000)")
    parser.add_argument("--city", action="append", choices=sorted(CITIES), help="cities (default all)")
    args = parser.parse_args(argv)
    print(f"{'city':10} {'claims':>8} {'parse claims/s':>15} {'settle claims/s':>16} {'settle/parse':>13} "
          f"{'compiled claims/s':>18} {'compiled/interp':>16}")
    for name in args.city or list(CITIES):
        if not (ROOT / "policies" / f"{name}.aid").exists():
            print(f"{name:10} (policies/{name}.aid not written yet)")
            continue
        r = bench_city(name, args.claims)
        print(f"{r['city']:10} {r['claims']:>8} {r['parse_per_s']:>15,.0f} {r['settle_per_s']:>16,.0f} "
              f"{r['ratio']:>12.2f}x {r['compiled_per_s']:>18,.0f} {r['speedup']:>15.2f}x"
              + (f"  ({r['rejected']} rejected)" if r["rejected"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
