"""Compiled module vs interpreter vs hand-written Python, on the same synthetic Wuxi claims (default 1,000,000).

    python3 bench/compiled.py [--claims N]

Synthesises Wuxi claims / identities exactly as bench/settle.py does (fixed seed), reads them with
data.read_claims, then in one run times, on the same records:
  - compiled: `generated/wuxi.py`'s Policy.settle (imported; compiled in memory if missing or stale),
  - interpreter: Interpreter.settle,
  - handwritten: bench/handwritten_wuxi.py's settle (plain Python: integer fen, dict ledgers),
  - handtuned: bench/handtuned_wuxi.py's settle (the fastest Wuxi settlement we could write by hand),
  - columnar, when polars is installed: bench/columnar_wuxi.py (Wuxi with polars, column by column),
checks they all give identical results, and prints claims/s and the ratios of the compiled module's throughput
to each (above 1: the compiled module is faster), and the hand-tuned code's to the interpreter's — the most
any compiled module could gain on this policy. CPU time of the process (`time.process_time`), every run with
the cycle collector paused (as the engines pause it themselves, `runtime.collector_paused`); `--repeat N` runs
N rounds of every engine in turn, and each engine's fastest run counts.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import handtuned_wuxi  # noqa: E402
import handwritten_wuxi  # noqa: E402
from settle import CITIES, synthesize  # noqa: E402

try:  # the columnar experiment needs polars, which aidlang does not depend on
    import columnar_wuxi
except ModuleNotFoundError as missing:
    if missing.name != "polars":
        raise
    columnar_wuxi = None

from aidlang import data  # noqa: E402
from aidlang.commands.inputs import vocabulary  # noqa: E402
from aidlang.compiled import load_module  # noqa: E402
from aidlang.interpreter import Interpreter  # noqa: E402
from aidlang.pipeline import load  # noqa: E402
from aidlang.runtime import collector_paused  # noqa: E402


def timed(fn) -> tuple[list, float]:
    """(results, CPU seconds) of one run, with the cycle collector paused — as the engines pause it themselves
    (`runtime.collector_paused`); the hand-written ones get the same."""
    gc.collect()
    with collector_paused():
        started = time.process_time()
        out = fn()
        return out, time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000, help="claims (default 1000000)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds; each engine runs once a round and its fastest run counts (default 1)")
    args = parser.parse_args(argv)
    checked = load(ROOT / "policies" / "wuxi.aid")
    words = vocabulary(checked)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        synthesize(CITIES["wuxi"], args.claims, directory)
        identities = list(data.read_identities(directory / "identities.csv", words).records)
        loaded = data.read_claims(directory / "claims.csv", words)
    assert not loaded.errors, loaded.errors[:3]
    claims = list(loaded.records)
    module, how = load_module(checked)
    print(f"{len(claims):,} Wuxi claims, {len(identities):,} identity rows; compiled module: {how}")

    runs = {
        "compiled": lambda: module.Policy({}).settle(claims, identities),
        "interpreter": lambda: Interpreter(checked, {}).settle(claims, identities),
        "handwritten": lambda: handwritten_wuxi.settle(claims, identities),
        "handtuned": lambda: handtuned_wuxi.settle(claims, identities),
    }
    if columnar_wuxi is not None:
        runs["columnar"] = lambda: columnar_wuxi.settle(
            claims, identities, lambda some, theirs: module.Policy({}).settle(some, theirs))
    # round by round, every engine once a round, so that a busy spell of the shared machine falls on all
    seconds: dict[str, float] = {}
    reference = None
    for _ in range(args.repeat):
        for name, run in runs.items():
            results, spent = timed(run)
            seconds[name] = min(spent, seconds.get(name, spent))
            if reference is None:
                reference = results
            assert results == reference, f"{name} and the compiled module give different results"
            del results

    n = len(claims)
    print(f"{'engine':12} {'seconds':>8} {'claims/s':>11}")
    for name, spent in seconds.items():
        print(f"{name:12} {spent:8.2f} {n / spent:11,.0f}")
    for other in ("handwritten", "interpreter", "handtuned"):
        print(f"compiled/{other} throughput: {seconds[other] / seconds['compiled']:.2f}x")
    print(f"handtuned/interpreter throughput: {seconds['interpreter'] / seconds['handtuned']:.2f}x")
    if "columnar" in seconds:
        print(f"columnar/interpreter throughput: {seconds['interpreter'] / seconds['columnar']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
