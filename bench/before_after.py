"""The settlement engines of this checkout against those of an earlier commit, in one run, end to end.

    python3 bench/before_after.py --before REV [--claims N] [--city wuxi]

Synthesises the city's claims.csv and identities.csv once (bench/settle.py's generator, fixed seed), checks
out REV into a temporary git worktree, then runs `aidlang run` for each engine, alternating old and new so
that drift of the shared machine hits both alike, each in a fresh process (`python3 -m aidlang`, the old one
with the worktree first on `sys.path`). It prints each run's wall time and peak memory and new/old ratios,
and fails if old and new write different results.csv.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from settle import CITIES, synthesize  # noqa: E402

# the child reports its own peak memory as the last line of stderr
CHILD = ("import resource, sys; from aidlang.cli import main; code = main(sys.argv[1:]); "
         "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)")


def run(tree: Path, args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of `aidlang ARGS` in a fresh process importing aidlang from `tree`."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, cwd=tree, check=True,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


def ratio_table(rows: list[tuple[str, float, float, float, float]]) -> str:
    lines = ["| engine | before s | after s | after/before | before MB | after MB |", "|---|---:|---:|---:|---:|---:|"]
    for engine, old_s, new_s, old_mb, new_mb in rows:
        lines.append(f"| {engine} | {old_s:.1f} | {new_s:.1f} | {new_s / old_s:.2f}× | {old_mb:.0f} | {new_mb:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the commit to compare with")
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--city", default="wuxi", choices=sorted(CITIES))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        old = work / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.before], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            synthesize(CITIES[args.city], args.claims, work)
            rows = []
            for engine in ("interp", "compiled"):
                timings = {}
                for label, tree in (("before", old), ("after", ROOT)):
                    if engine == "compiled":  # each tree's own module, fresh
                        subprocess.run([sys.executable, "-m", "aidlang", "compile", f"policies/{args.city}.aid",
                                        "--out", str(work / f"gen-{label}")],
                                       env=dict(os.environ, PYTHONPATH=str(tree)),
                                       cwd=tree, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    out = work / f"results-{label}-{engine}.csv"
                    command = ["run", f"policies/{args.city}.aid", "--claims", str(work / "claims.csv"),
                               "--identities", str(work / "identities.csv"), "--out", str(out), "--engine", engine]
                    if engine == "compiled":
                        command += ["--generated", str(work / f"gen-{label}")]
                    timings[label] = run(tree, command)
                    print(f"{engine} {label}: {timings[label][0]:.1f} s, {timings[label][1]:.0f} MB", flush=True)
                same = (work / f"results-before-{engine}.csv").read_bytes() == \
                    (work / f"results-after-{engine}.csv").read_bytes()
                if not same:
                    print(f"{engine}: results.csv differ between before and after", file=sys.stderr)
                    return 1
                rows.append((engine, timings["before"][0], timings["after"][0], timings["before"][1],
                             timings["after"][1]))
            print(f"\n{args.claims:,} {args.city} claims, before = {args.before}\n")
            print(ratio_table(rows))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
