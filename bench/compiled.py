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
from typing import Callable

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

from aidlang.check.pipeline import load  # noqa: E402
from aidlang.cli.inputs import vocabulary  # noqa: E402
from aidlang.engines.compiled.loader import load_module  # noqa: E402
from aidlang.engines.interp.interpreter import Interpreter  # noqa: E402
from aidlang.io import data  # noqa: E402
from aidlang.runtime import collector_paused  # noqa: E402


def timed(fn) -> tuple[list, float]:
    """(results, CPU seconds) of one run, with the cycle collector paused — as the engines pause it themselves
    (`runtime.collector_paused`); the hand-written ones get the same."""
    gc.collect()
    with collector_paused():
        started = time.process_time()
        out = fn()
        return out, time.process_time() - started


ENGINES = ("compiled", "interpreter", "handwritten", "handtuned", "columnar")


def engines(checked, module, claims: list, identities: list) -> dict[str, Callable[[], list]]:
    """The settlements raced, by name, in ENGINES order: the compiled module, the interpreter, the two
    hand-written Wuxi settlements and (with polars) the columnar one — each a call giving its results."""
    runs: dict[str, Callable[[], list]] = {
        "compiled": lambda: module.Policy({}).settle(claims, identities),
        "interpreter": lambda: Interpreter(checked, {}).settle(claims, identities),
        "handwritten": lambda: handwritten_wuxi.settle(claims, identities),
        "handtuned": lambda: handtuned_wuxi.settle(claims, identities),
    }
    if columnar_wuxi is not None:
        runs["columnar"] = lambda: columnar_wuxi.settle(
            claims, identities, lambda some, theirs: module.Policy({}).settle(some, theirs))
    return runs


def race(runs: dict[str, Callable[[], list]], repeat: int = 1, clock=None) -> dict[str, float]:
    """Each engine's fastest time over `repeat` rounds (`clock` times one run: `timed` by default). Round by
    round, every engine once a round, so that a busy spell of the shared machine falls on all. Every run must
    give the first engine's results: an AssertionError names the one that differs."""
    clock = clock or timed
    seconds: dict[str, float] = {}
    reference = None
    for _ in range(repeat):
        for name, run in runs.items():
            results, spent = clock(run)
            seconds[name] = min(spent, seconds.get(name, spent))
            if reference is None:
                reference = results
            assert results == reference, f"{name} and the compiled module give different results"
            del results
    return seconds


def ratios(seconds: dict[str, float]) -> dict[str, float]:
    """Throughput ratios (a ratio of times, inverted): compiled/X above 1 means the compiled module is faster
    than X; handtuned/interpreter is the most any compiled module could gain on this policy."""
    out = {f"compiled/{other}": seconds[other] / seconds["compiled"]
           for other in ("handwritten", "interpreter", "handtuned")}
    out["handtuned/interpreter"] = seconds["interpreter"] / seconds["handtuned"]
    if "columnar" in seconds:
        out["columnar/interpreter"] = seconds["interpreter"] / seconds["columnar"]
    return out


def report(seconds: dict[str, float], claims: int) -> list[str]:
    """The printed table: seconds and claims/s per engine, then the ratios."""
    lines = [f"{'engine':12} {'seconds':>8} {'claims/s':>11}"]
    lines += [f"{name:12} {spent:8.2f} {claims / spent:11,.0f}" for name, spent in seconds.items()]
    lines += [f"{name} throughput: {ratio:.2f}x" for name, ratio in ratios(seconds).items()]
    return lines


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
    seconds = race(engines(checked, module, claims, identities), args.repeat)
    print("\n".join(report(seconds, len(claims))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
