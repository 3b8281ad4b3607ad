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

from aidlang import cli, data  # noqa: E402
from aidlang.commands.inputs import vocabulary  # noqa: E402
from aidlang.pipeline import load  # noqa: E402
from aidlang.runtime import collector_paused  # noqa: E402


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000, help="claims (default 1000000)")
    parser.add_argument("--engine", action="append", choices=("interp", "compiled"),
                        help="engines to run (default both)")
    args = parser.parse_args(argv)
    policy = ROOT / "policies" / "wuxi.aid"
    words = vocabulary(load(policy))
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        synthesize(CITIES["wuxi"], args.claims, directory)
        claims, identities = directory / "claims.csv", directory / "identities.csv"

        def read() -> None:
            with collector_paused():  # as every command reads
                data.read_claims(claims, words)
                data.read_identities(identities, words)

        seconds = {"read (baseline)": timed(read)}
        for engine in args.engine or ["interp", "compiled"]:
            out = directory / f"results-{engine}.csv"
            command = ["run", str(policy), "--claims", str(claims), "--identities", str(identities),
                       "--out", str(out), "--engine", engine]
            seconds[f"run --engine {engine}"] = timed(functools.partial(cli.main, command))
            assert out.exists(), f"aidlang run --engine {engine} wrote no results"
        outputs = {path.read_bytes() for path in directory.glob("results-*.csv")}
        assert len(outputs) == 1, "the engines wrote different results.csv"

    baseline = seconds["read (baseline)"]
    print(f"{args.claims:,} Wuxi claims")
    print(f"{'':24} {'seconds':>8} {'claims/s':>10} {'/read':>6}")
    for name, spent in seconds.items():
        print(f"{name:24} {spent:8.1f} {args.claims / spent:10,.0f} {spent / baseline:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
