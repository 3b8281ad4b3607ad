"""The benchmark scripts' functions, on small inputs and figures worked by hand: bench/compiled.py races every
engine and asserts that they give identical results (the hand-written Wuxi settlements in bench/ — written
without aidlang's engines, from the document — included) before it reports a figure, and bench/run.py that
both engines write the same results.csv. The figures themselves come from full runs (bench/README.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from aidlang.check.pipeline import load
from aidlang.cli.inputs import vocabulary
from aidlang.engines.compiled.loader import load_module
from aidlang.io import data

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WUXI = ROOT / "policies" / "wuxi.aid"


def bench_module(name: str):
    """bench/<name>.py as a module (the scripts import each other by name, with bench/ on the path)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compiled = bench_module("compiled")
run = bench_module("run")
settle = bench_module("settle")


def ticking(*seconds: float, results: bool = True):
    """A clock that runs the function and says it took the next of `seconds`: giving (results, seconds), as
    compiled.race wants, or (`results=False`) just the seconds, as run.run_engines wants."""
    times = iter(seconds)

    def clock(fn):
        out = fn()
        return (out, next(times)) if results else next(times)
    return clock


# ---------------------------------------------------------------- bench/compiled.py

def test_race_keeps_each_engines_fastest_round():
    runs = {"compiled": lambda: [1, 2], "interpreter": lambda: [1, 2]}
    # rounds: compiled 3.0 then 1.0, interpreter 2.0 then 4.0 → the fastest of each
    assert compiled.race(runs, repeat=2, clock=ticking(3.0, 2.0, 1.0, 4.0)) == {"compiled": 1.0, "interpreter": 2.0}


def test_race_stops_at_an_engine_that_gives_other_results():
    runs = {"compiled": lambda: [1, 2], "interpreter": lambda: [1, 2], "handwritten": lambda: [1, 3]}
    with pytest.raises(AssertionError, match="handwritten and the compiled module give different results"):
        compiled.race(runs, clock=ticking(1.0, 1.0, 1.0))


def test_ratios_and_report_by_hand():
    seconds = {"compiled": 2.0, "interpreter": 8.0, "handwritten": 3.0, "handtuned": 1.0}
    # compiled/X = X's time / the compiled module's; handtuned/interpreter = 8 / 1
    assert compiled.ratios(seconds) == {"compiled/handwritten": 1.5, "compiled/interpreter": 4.0,
                                        "compiled/handtuned": 0.5, "handtuned/interpreter": 8.0}
    assert compiled.ratios({**seconds, "columnar": 4.0})["columnar/interpreter"] == 2.0
    assert compiled.report(seconds, 10_000) == [
        "engine        seconds    claims/s",
        "compiled         2.00       5,000",  # 10,000 claims in 2 s
        "interpreter      8.00       1,250",
        "handwritten      3.00       3,333",
        "handtuned        1.00      10,000",
        "compiled/handwritten throughput: 1.50x",
        "compiled/interpreter throughput: 4.00x",
        "compiled/handtuned throughput: 0.50x",
        "handtuned/interpreter throughput: 8.00x",
    ]


def test_every_engine_of_the_race_settles_synthetic_wuxi_claims_alike(tmp_path):
    """The real engines and the hand-written settlements on 600 synthetic claims (bench/settle.py's data):
    `race` would raise if any differed; the results are the claims', one each."""
    checked = load(WUXI)
    words = vocabulary(checked)
    settle.synthesize(settle.CITIES["wuxi"], 600, tmp_path)
    identities = list(data.read_identities(tmp_path / "identities.csv", words).records)
    loaded = data.read_claims(tmp_path / "claims.csv", words)
    assert not loaded.errors
    claims = list(loaded.records)
    module, _ = load_module(checked)
    runs = compiled.engines(checked, module, claims, identities)
    assert list(runs)[:4] == ["compiled", "interpreter", "handwritten", "handtuned"]
    assert list(runs) == [name for name in compiled.ENGINES if name in runs]
    assert set(compiled.race(runs)) == set(runs)
    results = runs["handwritten"]()
    assert sorted(r.claim_id for r in results) == sorted(c.claim_id for c in claims)
    assert any(r.aid_paid > 0 for r in results)


# ---------------------------------------------------------------- bench/run.py

def test_run_engines_writes_the_same_results_with_both_engines(tmp_path):
    settle.synthesize(settle.CITIES["wuxi"], 300, tmp_path)
    seconds = run.run_engines(WUXI, tmp_path / "claims.csv", tmp_path / "identities.csv", tmp_path,
                              clock=ticking(2.0, 5.0, 3.0, results=False))
    assert seconds == {"read (baseline)": 2.0, "run --engine interp": 5.0, "run --engine compiled": 3.0}
    interp, compiled_results = ((tmp_path / f"results-{e}.csv").read_bytes() for e in ("interp", "compiled"))
    assert interp == compiled_results and interp.count(b"\n") == 301  # the header and a row per claim


def test_run_report_by_hand():
    seconds = {"read (baseline)": 2.0, "run --engine interp": 5.0}
    assert run.report(seconds, 1_000) == [
        "1,000 Wuxi claims",
        "                          seconds   claims/s  /read",
        "read (baseline)               2.0        500  1.00x",  # 1,000 claims in 2 s
        "run --engine interp           5.0        200  2.50x",  # 5 s over the reading's 2 s
    ]


def test_the_batch_bench_runs_every_command_and_the_yardstick_agrees_where_it_is_exact(capsys):
    """bench/batch.py on 3,000 Wuxi claims: the yardstick script, the interpreter and the batch engine all run
    (the bench itself asserts the batch engine writes the interpreter's results.csv), and the hand-written
    polars script's aid_paid equals the engine's on every claim it settles exactly."""
    batch = bench_module("batch")
    rows, (agreeing, compared) = batch.bench_city("wuxi", 3_000, skip_interp=False)
    assert [name for name, _, _ in rows] == ["yardstick (polars script)", "run --engine interp", "run --engine batch"]
    assert all(seconds > 0 and peak > 0 for _, seconds, peak in rows)
    assert compared > 2_000 and agreeing == compared  # ~600 persons, a few with two categories left out


def test_the_openfisca_model_caps_a_ledger_by_running_sums():
    pytest.importorskip("openfisca_core")  # a bench-only extra: pip install -e '.[bench]'
    openfisca = bench_module("openfisca_wuxi")
    import numpy as np

    # ledger 7 in settlement order: claims 2, 0, 3 (raw 600, 600, 500 fen) under a cap of 1,000 fen →
    # R = 600, 1,200, 1,700: paid 600, 1,000 − 600 = 400, then 0; ledger 9 alone: 300 under 1,000 → 300
    raw = np.array([600, 300, 600, 500])
    ledger = np.array([7, 9, 7, 7])
    cap = np.array([1000, 1000, 1000, 1000])
    order = np.array([2, 0, 3, 1])  # sorted by ledger, then settlement order
    assert openfisca.capped_running_sums(raw, ledger, cap, order).tolist() == [400, 300, 600, 0]


def test_the_openfisca_and_duckdb_benches_agree_with_the_engine_and_the_yardstick():
    """Both scripts stop (SystemExit) when their model's aid_paid differs from the batch engine's where it is
    exact, or DuckDB's results.csv from the polars yardstick's; on 3,000 claims they finish and say so."""
    pytest.importorskip("openfisca_core")
    pytest.importorskip("duckdb")
    lines = bench_module("openfisca_wuxi").bench(3_000, 1)
    compared = int(lines[-1].split("aid_paid equal on all ")[1].split(" claims")[0].replace(",", ""))
    assert compared > 2_000  # ~600 persons; the few holding two categories for one claim left out
    lines = bench_module("duckdb_wuxi").bench(3_000, 1)
    assert lines[-1].startswith("results.csv: the same 3,000 rows")
