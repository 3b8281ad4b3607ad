"""Compiled module vs interpreter vs hand-written Python, on the same synthetic Wuxi claims (default 1,000,000).

    python3 bench/compiled.py [--claims N]

Synthesises Wuxi claims / identities exactly as bench/settle.py does (fixed seed), reads them with
data.read_claims, then in one run times, on the same records:
  - compiled: `generated/wuxi.py`'s Policy.settle (imported; compiled in memory if missing or stale),
  - interpreter: Interpreter.settle,
  - handwritten: bench/handwritten_wuxi.py's settle (integer fen, dict ledgers),
checks the three give identical results, and prints claims/s and the ratios compiled/handwritten and
compiled/interpreter (of throughput: above 1 means the compiled module is faster). CPU time of the process.
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

import handwritten_wuxi  # noqa: E402
from settle import CITIES, synthesize  # noqa: E402

from aidlang import data  # noqa: E402
from aidlang.commands.inputs import vocabulary  # noqa: E402
from aidlang.compiled import load_module  # noqa: E402
from aidlang.interpreter import Interpreter  # noqa: E402
from aidlang.pipeline import load  # noqa: E402


def timed(fn):
    gc.collect()
    started = time.process_time()
    out = fn()
    return out, time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000, help="claims (default 1000000)")
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

    compiled, t_compiled = timed(lambda: module.Policy({}).settle(claims, identities))
    interp, t_interp = timed(lambda: Interpreter(checked, {}).settle(claims, identities))
    hand, t_hand = timed(lambda: handwritten_wuxi.settle(claims, identities))
    assert compiled == interp, "compiled module and interpreter differ"
    assert hand == interp, "hand-written settlement and interpreter differ"

    n = len(claims)
    print(f"{'engine':12} {'seconds':>8} {'claims/s':>11}")
    for name, seconds in (("compiled", t_compiled), ("interpreter", t_interp), ("handwritten", t_hand)):
        print(f"{name:12} {seconds:8.2f} {n / seconds:11,.0f}")
    print(f"compiled/handwritten throughput: {t_hand / t_compiled:.2f}x")
    print(f"compiled/interpreter throughput: {t_interp / t_compiled:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
