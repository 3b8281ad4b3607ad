"""Wuxi's rule as an OpenFisca model, and its settlement timed against the batch engine's settlement core.

    python3 bench/openfisca_wuxi.py [--claims N] [--repeat R]     # default 1,000,000 claims, best of 1

The model states the rule as bench/handwritten_wuxi.py and bench/yardstick_wuxi.py do (their constants): 四(六)
aid = ratio by category × (cost − basic − critical) rounded half-up to the fen, under the year's two caps
(outpatient 10,000 yuan; chronic and inpatient 300,000 yuan together) as running sums per person and year in
settlement order (discharge, admission, claim_id), the category held being the highest ratio among the
categories held on some day of the stay (an identity holds to the end of the month it ends in). It is written
as an OpenFisca user would: a TaxBenefitSystem whose person-like entity is the claim, the person a group entity
with the claims as its members, the identity rows as the person's variables (one slot per row a person has),
ratios and caps as parameters in force from 施行日期, variables with formulas over numpy vectors, one
simulation per year (the caps' period), money in int64 fen (ratios in whole percent), the running capped sums
computed with numpy inside the formula (sort by ledger, cumulative sums). It has no 就高 by ledger and no
tilted aid.

The script synthesises Wuxi claims as bench/settle.py does (fixed seed), reads them into memory once with the
batch engine's reader (io.columnar), and then times, in one run, the settlement core alone — no CSV reading or
writing:

- **openfisca**: from the claims' and identities' columns as numpy arrays to aid per claim: shaping them into
  the model's entities (person ids, identity slots, enum codes), building the simulation, `calculate`. Twice:
  with the parameters by category and visit type read by OpenFisca's fancy indexing (`node[enum_array]`, the
  documented way, which looks every element up in Python), and with the same parameters read once per period
  into numpy tables indexed by the enum codes (what a user tuning the model would do); both must agree;
- **batch**: `BatchSettler.settle_frame` on the claims and identities frames, the engine `aidlang run --engine
  batch` builds.

It checks that both give the same aid_paid on every claim where the model is exact (persons who never hold two
categories for one claim, as bench/batch.py compares the yardstick), stops if not, and prints the times (best
of `--repeat`, time.perf_counter) and openfisca/batch. The issue's target: batch ≥ 8× faster.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from openfisca_core import entities, parameters, periods, simulations, taxbenefitsystems
from openfisca_core.indexed_enums import Enum
from openfisca_core.variables import Variable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from handwritten_wuxi import CAP, IN_FORCE, ORDER, RATIO  # noqa: E402 — the rule as the plain version states it
from settle import CITIES, synthesize  # noqa: E402

YEAR = periods.DateUnit.YEAR
NO_END = np.datetime64("9999-12-31")  # an identity without an end date

# ---------------------------------------------------------------- the model

Claim = entities.build_entity("claim", "claims", "一次就诊的结算 / a claim", is_person=True)
Person = entities.build_entity("person", "persons", "救助对象 / a person", roles=[
    {"key": "claim", "plural": "claims", "label": "the person's claims"}])

Visit = Enum("Visit", [(name, name) for name in CAP])  # outpatient, chronic, inpatient
Category = Enum("Category", [("无", "no category held"), *((name, name) for name in ORDER)])
LEDGERS = list(dict.fromkeys(ledger for ledger, _ in CAP.values()))  # chronic and inpatient share one


class Fen:
    """Mixed into a variable of money: integer fen as int64 (OpenFisca's `int` is int32)."""

    def __init__(self, baseline_variable=None) -> None:
        super().__init__(baseline_variable)
        self.dtype = np.int64


# the variables: OpenFisca names each by its class, in snake case

class visit_type(Variable):
    value_type = Enum
    possible_values = Visit
    default_value = Visit.outpatient
    entity = Claim
    definition_period = YEAR
    label = "门诊 / 门诊慢特病 / 住院"


class admission_date(Variable):
    value_type = dt.date
    entity = Claim
    definition_period = YEAR
    label = "入院日期"


class discharge_date(Variable):
    value_type = dt.date
    entity = Claim
    definition_period = YEAR
    label = "出院日期 (结算日期)"


class policy_scope_cost(Fen, Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "政策范围内费用 (fen)"


class basic_paid(Fen, Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "基本医保支付 (fen)"


class critical_paid(Fen, Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "大病保险支付 (fen)"


def identity_slots(count: int) -> list[type[Variable]]:
    """The person's identity rows as variables: category, start and end of slot 0 … count − 1."""
    made: list[type[Variable]] = []
    for k in range(count):
        made.append(type(f"identity_{k}_category", (Variable,), {
            "value_type": Enum, "possible_values": Category, "default_value": Category.无, "entity": Person,
            "definition_period": YEAR, "label": f"身份 {k}: 类别"}))
        for edge, word in (("start", "起始"), ("end", "终止")):
            made.append(type(f"identity_{k}_{edge}", (Variable,), {
                "value_type": dt.date, "entity": Person, "definition_period": YEAR,
                "label": f"身份 {k}: {word}日期"}))
    return made


def by_member(claim, node, members) -> np.ndarray:
    """node[members]: the parameter of each claim's enum member (an EnumArray). OpenFisca's fancy indexing, the
    documented way, looks each element up in Python; with the system's `parameter_tables` the formula reads the
    node once per member into a numpy table and indexes that instead."""
    if not claim.simulation.tax_benefit_system.parameter_tables:
        return node[members]
    return np.array([node[name] for name in members.possible_values.names])[np.asarray(members)]


def month_end(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1


class category(Variable):
    value_type = Enum
    possible_values = Category
    default_value = Category.无
    entity = Claim
    definition_period = YEAR
    label = "救助类别: 住院期间某日具有的身份中比例最高者 (同比例取在前者)"

    def formula_2023_01_01(claim, period, parameters):
        admission, discharge = claim("admission_date", period), claim("discharge_date", period)
        ratios = parameters(period).wuxi.aid_ratio
        best = np.zeros(claim.count, dtype=np.int16)  # Category.无
        best_ratio = np.full(claim.count, -1, dtype=np.int64)
        for k in range(claim.simulation.tax_benefit_system.identity_slots):
            held_category = claim.person(f"identity_{k}_category", period)
            held = ((held_category != Category.无) & (claim.person(f"identity_{k}_start", period) <= discharge)
                    & (month_end(claim.person(f"identity_{k}_end", period)) >= admission))
            ratio = np.where(held, by_member(claim, ratios, held_category), -1)
            code = np.asarray(held_category).astype(np.int16)
            better = held & ((ratio > best_ratio) | ((ratio == best_ratio) & (code < best)))
            best = np.where(better, code, best)
            best_ratio = np.where(better, ratio, best_ratio)
        return best


class aid_ratio(Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "救助比例 (%), 四(六)"

    def formula_2023_01_01(claim, period, parameters):
        return by_member(claim, parameters(period).wuxi.aid_ratio, claim("category", period))


class aid_base(Fen, Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "救助基数: 政策范围内费用 − 基本医保 − 大病保险, 不小于 0 (fen)"

    def formula(claim, period):
        left = claim("policy_scope_cost", period) - claim("basic_paid", period) - claim("critical_paid", period)
        return np.maximum(left, 0)


class aid_before_cap(Fen, Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "比例 × 基数, 四舍五入到分 (fen)"

    def formula_2023_01_01(claim, period):
        return (2 * claim("aid_base", period) * claim("aid_ratio", period) + 100) // 200


class aid_paid(Fen, Variable):
    value_type = int
    entity = Claim
    definition_period = YEAR
    label = "医疗救助 (fen): 年度限额内, 按结算顺序"

    def formula_2023_01_01(claim, period, parameters):
        visit = claim("visit_type", period)
        rule = parameters(period).wuxi
        ledger, cap = by_member(claim, rule.cap_ledger, visit), by_member(claim, rule.annual_cap, visit)
        raw = claim("aid_before_cap", period)
        person = claim.person.members_entity_id
        # settlement order within each (person, ledger): discharge, admission, claim_id (the period is the year)
        order = np.lexsort((claim.ids, claim("admission_date", period), claim("discharge_date", period), ledger,
                            person))
        return capped_running_sums(raw, person * len(LEDGERS) + ledger, cap, order)


def capped_running_sums(raw: np.ndarray, ledger: np.ndarray, cap: np.ndarray, order: np.ndarray) -> np.ndarray:
    """With R the running sum of raw in the claim's ledger (claims taken in `order`, grouped by ledger):
    paid = min(R, cap) − min(R − raw, cap)."""
    r, key = raw[order], ledger[order]
    totals = np.cumsum(r)
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])  # where each ledger starts
    before = np.repeat(totals[first] - r[first], np.diff(np.r_[first, len(r)]))
    running, capped = totals - before, cap[order]
    paid = np.empty_like(raw)
    paid[order] = np.minimum(running, capped) - np.minimum(running - r, capped)
    return paid


def wuxi_parameters() -> parameters.ParameterNode:
    """四(六)'s ratios (whole percent) and the two annual caps (fen), in force from 施行日期."""
    start = IN_FORCE.isoformat()

    def value(v: int) -> dict:
        return {"values": {start: v}}

    percent = {}
    for name, (num, den) in RATIO.items():
        assert 100 * num % den == 0, name  # a ratio in whole percent: the half-up rounding is the same
        percent[name] = value(100 * num // den)
    return parameters.ParameterNode("", data={"wuxi": {
        "aid_ratio": {"无": value(0), **percent},
        "annual_cap": {visit: value(cap) for visit, (_, cap) in CAP.items()},
        "cap_ledger": {visit: value(LEDGERS.index(ledger)) for visit, (ledger, _) in CAP.items()},
    }})


@cache
def wuxi_system(slots: int, tables: bool) -> taxbenefitsystems.TaxBenefitSystem:
    """The model, with `slots` identity rows per person (the formula of `category` reads `identity_slots`) and
    parameters by enum member read by fancy indexing or, `tables`, from numpy tables (`by_member`)."""
    system = taxbenefitsystems.TaxBenefitSystem([Claim, Person])
    system.identity_slots, system.parameter_tables = slots, tables
    system.add_variables(visit_type, admission_date, discharge_date, policy_scope_cost, basic_paid, critical_paid,
                         *identity_slots(slots), category, aid_ratio, aid_base, aid_before_cap, aid_paid)
    system.parameters = wuxi_parameters()
    return system


# ---------------------------------------------------------------- settling numpy arrays with the model

@dataclass
class Arrays:
    """Claims and identities as numpy arrays (strings as numpy text, dates as datetime64[D], amounts int64 fen;
    an identity without an end: NaT)."""

    claim_id: np.ndarray
    person_id: np.ndarray
    visit_type: np.ndarray
    admission_date: np.ndarray
    discharge_date: np.ndarray
    policy_scope_cost: np.ndarray
    basic_paid: np.ndarray
    critical_paid: np.ndarray
    identity_person: np.ndarray
    identity_category: np.ndarray
    identity_start: np.ndarray
    identity_end: np.ndarray


def openfisca_settle(arrays: Arrays, tables: bool) -> tuple[np.ndarray, np.ndarray]:
    """(aid_paid in fen, category names) per claim, in the claims' order: one simulation per discharge year
    (`tables`: parameters by enum member from numpy tables, not fancy indexing)."""
    aid = np.zeros(len(arrays.claim_id), dtype=np.int64)
    names = np.full(len(arrays.claim_id), "", dtype=object)
    years = arrays.discharge_date.astype("datetime64[Y]").astype(np.int64) + 1970
    for year in np.unique(years):
        at = np.flatnonzero(years == year)
        simulation = simulation_of(arrays, at, str(year), tables)
        aid[at] = simulation.calculate("aid_paid", str(year))
        held = simulation.calculate("category", str(year))
        names[at] = np.where(held == Category.无, "", held.decode_to_str())
    return aid, names


def simulation_of(arrays: Arrays, at: np.ndarray, period: str, tables: bool) -> simulations.Simulation:
    """The simulation of the claims `at` (one year's): claims, their persons, the persons' identity slots."""
    persons, member_of = np.unique(arrays.person_id[at], return_inverse=True)
    slots = identity_inputs(arrays, persons)
    system = wuxi_system(max(1, len(slots)), tables)
    builder = simulations.SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("claim", arrays.claim_id[at])
    builder.join_with_persons(builder.declare_entity("person", np.arange(len(persons))), member_of,
                              np.zeros(len(at), dtype=np.int64))  # every member's role: claim
    simulation = builder.build(system)
    visit_codes, known = codes_of(Visit, arrays.visit_type[at])
    if not known.all():
        raise ValueError(f"visit types the model does not know: {set(arrays.visit_type[at][~known])}")
    simulation.set_input("visit_type", period, visit_codes)
    for name in ("admission_date", "discharge_date", "policy_scope_cost", "basic_paid", "critical_paid"):
        simulation.set_input(name, period, getattr(arrays, name)[at])
    for k, (category_codes, start, end) in enumerate(slots):
        simulation.set_input(f"identity_{k}_category", period, category_codes)
        simulation.set_input(f"identity_{k}_start", period, start)
        simulation.set_input(f"identity_{k}_end", period, end)
    return simulation


def codes_of(enum: type[Enum], texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The enum's indices of the texts (its members' names), and which texts name one."""
    order = np.argsort(enum.names)
    found = np.minimum(np.searchsorted(enum.names, texts, sorter=order), len(order) - 1)
    codes = order[found].astype(np.int16)
    return codes, enum.names[codes] == texts


def identity_inputs(arrays: Arrays, persons: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per slot k, the persons' k-th identity row (file order) as (category code, start, end) arrays."""
    category_code, in_model = codes_of(Category, arrays.identity_category)  # not in the model: no ratio
    where = np.minimum(np.searchsorted(persons, arrays.identity_person), len(persons) - 1)
    rows = np.flatnonzero(in_model & (persons[where] == arrays.identity_person))
    rows = rows[np.argsort(where[rows], kind="stable")]  # by person, in file order
    person = where[rows]
    starts = np.flatnonzero(np.r_[True, person[1:] != person[:-1]]) if len(rows) else np.zeros(0, dtype=np.int64)
    slot = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    slots = []
    for k in range(int(slot.max()) + 1 if len(rows) else 0):
        pick = rows[slot == k]
        codes = np.zeros(len(persons), dtype=np.int16)
        codes[where[pick]] = category_code[pick]
        start = np.full(len(persons), np.datetime64("1970-01-01"), dtype="datetime64[D]")
        start[where[pick]] = arrays.identity_start[pick]
        end = start.copy()
        end[where[pick]] = np.where(np.isnat(arrays.identity_end[pick]), NO_END, arrays.identity_end[pick])
        slots.append((codes, start, end))
    return slots


# ---------------------------------------------------------------- the batch engine, the inputs, the check

def read_inputs(directory: Path):
    """The claims and identities frames `aidlang run --engine batch` reads, and the batch engine it builds."""
    from aidlang.check.pipeline import load
    from aidlang.cli.engine_option import make_engine
    from aidlang.cli.inputs import param_lookup, vocabulary
    from aidlang.io.columnar import read_claim_columns, read_identity_columns
    from aidlang.io.params import parse_params

    checked = load(ROOT / "policies" / "wuxi.aid")
    words = vocabulary(checked)
    params, problems = parse_params([], param_lookup(checked))
    claims = read_claim_columns(directory / "claims.csv", words)
    identities = read_identity_columns(directory / "identities.csv", words)
    problems += [*claims.errors, *identities.errors]
    if problems:
        raise SystemExit(f"the synthetic files do not read cleanly: {problems[:3]}")
    return claims.frame, identities.frame, make_engine("batch", checked, params)


def arrays_of(claims, identities) -> Arrays:
    """The frames' columns as numpy arrays, the model's inputs."""
    def text(frame, name: str) -> np.ndarray:
        return frame[name].to_numpy().astype(str)

    def days(frame, name: str) -> np.ndarray:
        return frame[name].to_numpy().astype("datetime64[D]")

    return Arrays(text(claims, "claim_id"), text(claims, "person_id"), text(claims, "visit_type"),
                  days(claims, "admission_date"), days(claims, "discharge_date"),
                  *(claims[name].to_numpy().astype(np.int64) for name in
                    ("policy_scope_cost", "basic_paid", "critical_paid")),
                  text(identities, "person_id"), text(identities, "category"), days(identities, "start"),
                  days(identities, "end"))


IDENTITY_CLAUSE = "四(八)"  # in the basis of a claim whose person held several categories (就高)


def check_agreement(batch, aid: np.ndarray, names: np.ndarray) -> tuple[int, int]:
    """(compared, persons left out): aid_paid must be equal on every claim of a person who never holds two
    categories for one claim (no 四(八) in the batch engine's basis, the same category on every claim)."""
    import polars as pl

    frame = batch.select("person_id", pl.col("category", "basis").cast(pl.String), "aid_paid").with_columns(
        openfisca_aid=pl.Series(aid), openfisca_category=pl.Series(names.astype(str)))
    several = frame.filter(pl.col("basis").str.split(";").list.contains(IDENTITY_CLAUSE)
                           | (pl.col("category") != pl.col("openfisca_category")))["person_id"].unique()
    exact = frame.filter(~pl.col("person_id").is_in(several.implode()))
    wrong = exact.filter(pl.col("aid_paid") != pl.col("openfisca_aid"))
    if wrong.height or exact.height < frame.height // 2:
        raise SystemExit(f"the OpenFisca model and the batch engine disagree on {wrong.height:,} of "
                         f"{exact.height:,} claims where the model is exact:\n{wrong.head(5)}")
    return exact.height, several.len()


# ---------------------------------------------------------------- timing

def best_of(repeat: int, runs: dict) -> tuple[dict[str, float], dict]:
    """Each run's fastest time over `repeat` rounds (the runs in turn each round) and its last result."""
    seconds = {name: float("inf") for name in runs}
    results = {}
    for _ in range(repeat):
        for name, run in runs.items():
            started = time.perf_counter()
            results[name] = run()
            seconds[name] = min(seconds[name], time.perf_counter() - started)
    return seconds, results


RUNS = {"openfisca": "openfisca, fancy indexing (the documented way)",
        "openfisca_tables": "openfisca, parameters as numpy tables",
        "batch": "batch (BatchSettler.settle_frame)"}


def bench(claims: int, repeat: int) -> list[str]:
    from importlib.metadata import version

    import polars as pl

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        synthesize(CITIES["wuxi"], claims, directory)
        claims_frame, identities_frame, engine = read_inputs(directory)
    arrays = arrays_of(claims_frame, identities_frame)
    errors: list = []
    seconds, results = best_of(repeat, {
        "openfisca": lambda: openfisca_settle(arrays, tables=False),
        "openfisca_tables": lambda: openfisca_settle(arrays, tables=True),
        "batch": lambda: engine.settle_frame(claims_frame, identities_frame, None, errors=errors)})
    if errors:
        raise SystemExit(f"the batch engine rejected {len(errors)} claims: {errors[:3]}")
    for a, b in zip(results["openfisca"], results["openfisca_tables"], strict=True):
        if not np.array_equal(a, b):
            raise SystemExit("the model gives other results with parameter tables than with fancy indexing")
    compared, left_out = check_agreement(results["batch"], *results["openfisca"])
    return [f"wuxi, {claims_frame.height:,} claims, {identities_frame.height:,} identity rows, best of {repeat} "
            f"(openfisca-core {version('openfisca-core')}, polars {pl.__version__}, numpy {np.__version__})",
            f"{'':48} {'seconds':>8} {'claims/s':>10} {'/batch':>7}",
            *(f"{label:48} {seconds[name]:8.2f} {claims_frame.height / seconds[name]:10,.0f} "
              f"{seconds[name] / seconds['batch']:6.2f}x" for name, label in RUNS.items()),
            "openfisca: inputs shaped into entities, simulation built, aid calculated; target: batch at least 8x "
            "faster",
            f"batch engine: {engine.kernel_persons:,} persons settled on the kernel",
            f"aid_paid equal on all {compared:,} claims where the model is exact ({left_out:,} persons left out: "
            "several categories for one claim)"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000, help="synthetic Wuxi claims (default 1000000)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; each side's fastest counts (default 1)")
    args = parser.parse_args(argv)
    print("\n".join(bench(args.claims, args.repeat)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
