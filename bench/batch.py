"""The batch issue's measurements in one run: `aidlang run --engine batch` end to end against its yardsticks.

    python3 bench/batch.py [--claims N] [--city wuxi|mianyang|wuhai ...] [--skip-interp]

For each city it synthesises claims.csv / identities.csv (/ persons.csv) as bench/settle.py does (fixed seed),
then runs each command as its own process, from process start to results written, and reads its wall time and
peak memory (the child's rusage):

- Wuxi: the hand-written polars script of Wuxi's rule (`bench/yardstick_wuxi.py`, the baseline), the batch
  engine and the interpreter; the batch engine's aid_paid is compared with the script's on the claims where the
  script is exact (persons who never hold two categories for one claim: the script has no 就高 by ledger);
- Mianyang and Wuhai: the interpreter (the baseline) and the batch engine.

It checks that the batch engine writes the interpreter's results.csv byte for byte, and prints seconds, peak MB
and each command's time over the baseline's. Compare ratios within one run: the machine may be shared. The
package is byte-compiled first (`byte_compile`), as an installed aidlang is.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from settle import CITIES  # noqa: E402


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one command run as a child process; a failure stops the bench. The
    files earlier commands wrote are flushed to disk first: their write-back would otherwise fall in this one's
    time (a batch run timed after the interpreter's took a fifth longer than alone)."""
    os.sync()
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{stderr}")
    return seconds, usage.ru_maxrss / 1024


def run_command(city: str, directory: Path, engine: str, out: Path) -> list[str]:
    command = [sys.executable, "-m", "aidlang", "run", f"policies/{city}.aid",
               "--claims", str(directory / "claims.csv"), "--identities", str(directory / "identities.csv"),
               "--out", str(out), "--engine", engine]
    if (directory / "persons.csv").exists():
        command += ["--persons", str(directory / "persons.csv")]
    for param in CITIES[city]["params"]:
        command += ["--param", param]
    return command


WUXI_IDENTITY_CLAUSE = "四(八)"  # in the basis of a claim whose person held several categories (就高)


def exact_agreement(engine_results: Path, yardstick_results: Path) -> tuple[int, int]:
    """(agreeing, compared): aid_paid of the claims of persons holding one category per claim in both files.
    The files are read row by row twice (first the persons to leave out), so that 10,000,000 rows fit."""
    def pairs():
        with engine_results.open(encoding="utf-8") as a, yardstick_results.open(encoding="utf-8") as b:
            yield from zip(csv.DictReader(a), csv.DictReader(b), strict=True)

    several = {e["person_id"] for e, y in pairs()
               if WUXI_IDENTITY_CLAUSE in e["basis"].split(";") or e["category"] != y["category"]}
    agreeing = compared = 0
    for e, y in pairs():
        if e["person_id"] not in several:
            compared += 1
            agreeing += e["aid_paid"] == y["aid_paid"]
    return agreeing, compared


def synthesize_apart(city: str, claims: int, directory: Path) -> None:
    """bench/settle.py's files, made by a child process: a command's peak memory (its rusage) counts the peak of
    the process it was forked from (vfork shares it until exec), so the bench itself must stay small (a year of
    synthetic claims is not)."""
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
                    "from settle import CITIES, synthesize; synthesize(CITIES[sys.argv[2]], int(sys.argv[3]), "
                    "Path(sys.argv[4]))", str(ROOT / "bench"), city, str(claims), str(directory)], check=True)


def agreement_apart(batch: Path, yardstick: Path) -> tuple[int, int]:
    """`exact_agreement` of the two files, computed by a child process."""
    code = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); from batch import "
            "exact_agreement; print(*exact_agreement(Path(sys.argv[2]), Path(sys.argv[3])))")
    done = subprocess.run([sys.executable, "-c", code, str(ROOT / "bench"), str(batch), str(yardstick)],
                          check=True, capture_output=True, text=True)
    agreeing, compared = done.stdout.split()
    return int(agreeing), int(compared)


def bench_city(city: str, claims: int, skip_interp: bool) -> tuple[list[tuple[str, float, float]], tuple | None]:
    """[(command, seconds, peak MB)] with the baseline first, and for Wuxi (agreeing, compared) aid_paid."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        synthesize_apart(city, claims, directory)
        rows: list[tuple[str, float, float]] = []
        if city == "wuxi":
            rows.append(("yardstick (polars script)", *timed([
                sys.executable, "bench/yardstick_wuxi.py", str(directory / "claims.csv"),
                str(directory / "identities.csv"), str(directory / "yardstick.csv")])))
        for engine in ["batch"] if skip_interp else ["interp", "batch"]:
            rows.append((f"run --engine {engine}", *timed(run_command(city, directory, engine,
                                                                        directory / f"{engine}.csv"))))
        # the checks read whole files: in a child process, or chunk by chunk, so that the bench stays small for
        # the commands it times next (a child forked from it counts its peak memory: see synthesize_apart)
        if not skip_interp:
            same = filecmp.cmp(directory / "interp.csv", directory / "batch.csv", shallow=False)
            assert same, f"{city}: the batch engine and the interpreter wrote different results.csv"
        agreement = agreement_apart(directory / "batch.csv", directory / "yardstick.csv") if city == "wuxi" else None
    return rows, agreement


def report(city: str, claims: int, rows: list[tuple[str, float, float]], agreement: tuple | None) -> list[str]:
    """The printed table: the baseline is the first row (Wuxi: the yardstick; else the interpreter)."""
    baseline = rows[0][1]
    lines = [f"{city}, {claims:,} claims", f"{'':28} {'seconds':>8} {'peak MB':>8} {'/baseline':>10}"]
    lines += [f"{name:28} {seconds:8.2f} {peak:8.0f} {seconds / baseline:9.2f}x" for name, seconds, peak in rows]
    seconds_of = {name: seconds for name, seconds, _ in rows}
    if "run --engine interp" in seconds_of:
        lines.append(f"the batch engine is {seconds_of['run --engine interp'] / seconds_of['run --engine batch']:.1f}x "
                     "faster than the interpreter")
    if agreement is not None:
        lines.append(f"aid_paid equal to the yardstick's on {agreement[0]:,} of {agreement[1]:,} claims where it is "
                     "exact")
    return lines


def byte_compile() -> None:
    """The package's modules compiled to bytecode once, as `pip install` leaves them: a checkout installed in
    editable mode under PYTHONDONTWRITEBYTECODE=1 (this machine's setting) would otherwise compile every module
    in every command it times (about 0.1 s of each)."""
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": ""}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "aidlang")], check=True, env=environment,
                   stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000, help="claims per city (default 1000000)")
    parser.add_argument("--city", action="append", choices=sorted(CITIES), help="cities (default all three)")
    parser.add_argument("--skip-interp", action="store_true", help="leave out the interpreter (slow at 10,000,000)")
    args = parser.parse_args(argv)
    byte_compile()
    for city in args.city or ["wuxi", "mianyang", "wuhai"]:
        print("\n".join(report(city, args.claims, *bench_city(city, args.claims, args.skip_interp))), end="\n\n",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
