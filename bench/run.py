"""`aidlang run` end to end on synthetic Wuxi claims (default 1,000,000): read, settle, write results.csv.

    python3 bench/run.py [--claims N] [--engine interp|compiled ...]

Synthesises claims.csv and identities.csv exactly as bench/settle.py does (fixed seed), then times, in one
run, the whole command for each engine, in this process (`cli.main`, as the console script runs it), and as
the baseline the reading alone (`data.read_claims` and `data.read_identities`: what any command on these files
pays). It prints seconds and claims/s for each and `run/read`, the whole command's time over the reading's.
Wall-clock time (`time.perf_counter`), as a settlement office waits for it; the machine is shared, so compare
the ratios of one run rather than seconds across runs.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from settle import CITIES, synthesize  # noqa: E402

from aidlang import cli  # noqa: E402
from aidlang.check.pipeline import load  # noqa: E402
from aidlang.cli.inputs import vocabulary  # noqa: E402
from aidlang.io import data  # noqa: E402
from aidlang.runtime import collector_paused  # noqa: E402


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


BASELINE = "read (baseline)"


def run_engines(policy: Path, claims: Path, identities: Path, directory: Path, engines=("interp", "compiled"),
                clock=None) -> dict[str, float]:
    """Seconds of the reading alone (BASELINE) and of `aidlang run --engine E` for each engine, in this process
    (`clock` times one call: `timed` by default). Each run writes `directory/results-E.csv`; all must be the
    same bytes (an AssertionError otherwise)."""
    clock = clock or timed
    words = vocabulary(load(policy))

    def read() -> None:
        with collector_paused():  # as every command reads
            data.read_claims(claims, words)
            data.read_identities(identities, words)

    seconds = {BASELINE: clock(read)}
    for engine in engines:
        out = directory / f"results-{engine}.csv"
        command = ["run", str(policy), "--claims", str(claims), "--identities", str(identities),
                   "--out", str(out), "--engine", engine]
        seconds[f"run --engine {engine}"] = clock(functools.partial(cli.main, command))
        assert out.exists(), f"aidlang run --engine {engine} wrote no results"
    outputs = {(directory / f"results-{engine}.csv").read_bytes() for engine in engines}
    assert len(outputs) == 1, "the engines wrote different results.csv"
    return seconds


def report(seconds: dict[str, float], claims: int) -> list[str]:
    """The printed table: seconds, claims/s and the time over the reading's (`/read`) of each row."""
    baseline = seconds[BASELINE]
    lines = [f"{claims:,} Wuxi claims", f"{'':24} {'seconds':>8} {'claims/s':>10} {'/read':>6}"]
    lines += [f"{name:24} {spent:8.1f} {claims / spent:10,.0f} {spent / baseline:5.2f}x"
              for name, spent in seconds.items()]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000, help="claims (default 1000000)")
    parser.add_argument("--engine", action="append", choices=("interp", "compiled", "batch"),
                        help="engines to run (default both)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        synthesize(CITIES["wuxi"], args.claims, directory)
        seconds = run_engines(ROOT / "policies" / "wuxi.aid", directory / "claims.csv",
                              directory / "identities.csv", directory, args.engine or ["interp", "compiled"])
    print("\n".join(report(seconds, args.claims)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
