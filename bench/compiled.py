"""Compiled module vs interpreter vs hand-written Python, on the same synthetic Wuxi claims (default 1,000,000).

    python3 bench/compiled.py [--claims N]

Synthesises Wuxi claims / identities exactly as bench/settle.py does (fixed seed), reads them with
data.read_claims, then in one run times, on the same records:
  - compiled: `generated/wuxi.py`'s Policy.settle (imported; compiled in memory if missing or stale),
  - interpreter: Interpreter.settle,
  - handwritten: bench/handwritten_wuxi.py's settle (plain Python: integer fen, dict ledgers),
  - handtuned: bench/handtuned_wuxi.py's settle (the fastest Wuxi settlement we could write by hand),
checks the four give identical results, and prints claims/s and the ratios of the compiled module's throughput
to each (above 1: the compiled module is faster), and the hand-tuned code's to the interpreter's — the most
any compiled module could gain on this policy. CPU time of the process (`time.process_time`); each engine
runs `--repeat` times (default 1) and its fastest run counts.
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

from aidlang import data  # noqa: E402
from aidlang.commands.inputs import vocabulary  # noqa: E402
from aidlang.compiled import load_module  # noqa: E402
from aidlang.interpreter import Interpreter  # noqa: E402
from aidlang.pipeline import load  # noqa: E402


def timed(fn, repeat: int):
    """(result, fastest CPU seconds of `repeat` runs)."""
    best = None
    for _ in range(repeat):
        out = None
        gc.collect()
        started = time.process_time()
        out = fn()
        seconds = time.process_time() - started
        best = seconds if best is None else min(best, seconds)
    return out, best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000, help="claims (default 1000000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per engine, the fastest counts (default 1)")
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
    seconds, reference = {}, None
    for name, run in runs.items():
        results, seconds[name] = timed(run, args.repeat)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
