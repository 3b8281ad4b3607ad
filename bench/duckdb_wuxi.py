"""The yardstick of bench/yardstick_wuxi.py written for DuckDB, and the two timed against each other.

    python3 bench/duckdb_wuxi.py [--claims N] [--repeat R]    # the bench: 1,000,000 synthetic Wuxi claims by default
    python3 bench/duckdb_wuxi.py CLAIMS IDENTITIES OUT        # settle two files into OUT with DuckDB alone

The same rule as the polars script, in SQL: claims.csv and identities.csv read by DuckDB with their types
declared (amounts DECIMAL(18,2), made BIGINT fen), the category held on some day of the stay (the highest ratio
where several are, ties to the earlier identity row), 四(六) aid as ratio × (cost − basic − critical) rounded
half-up in integers, under the year's two caps (outpatient 10,000 yuan; chronic and inpatient 300,000 yuan
together) by window sums per person, year and ledger in settlement order, and results.csv written by DuckDB with
the polars script's columns and values. No float touches an amount.

The bench synthesises the claims as bench/settle.py does (fixed seed), runs the polars script and this one each
as its own process (bench/batch.py's `timed`: wall seconds from process start to results written, peak resident
memory of the child; with `--repeat`, each one's fastest run), checks that the two results.csv hold the same
rows, and prints both and the ratio. Where a claim's person held two categories of the same ratio on the stay,
the category may differ: which one the polars script keeps is not defined (its sort is not stable); the rows
must be equal in every other column.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from handwritten_wuxi import CAP, IN_FORCE, RATIO  # noqa: E402 — the rule as the plain version states it

CLAIM_TYPES = {"claim_id": "VARCHAR", "person_id": "VARCHAR", "visit_type": "VARCHAR", "admission_date": "DATE",
               "discharge_date": "DATE", "policy_scope_cost": "DECIMAL(18,2)", "basic_paid": "DECIMAL(18,2)",
               "critical_paid": "DECIMAL(18,2)"}
IDENTITY_TYPES = {"person_id": "VARCHAR", "category": "VARCHAR", "start": "DATE", "end": "DATE"}

SETTLE = """
WITH claims AS (
    SELECT rowid AS i, claim_id, person_id, visit_type, admission_date, discharge_date,
           CAST(policy_scope_cost * 100 AS BIGINT) AS cost, CAST(basic_paid * 100 AS BIGINT) AS basic,
           CAST(critical_paid * 100 AS BIGINT) AS critical
    FROM claims_file),
held AS (  -- an identity holds through the end of the month it ends in; no end: for good
    SELECT h.rowid AS row, h.person_id, h.category, h.start, coalesce(last_day(h."end"), DATE '9999-12-31') AS until,
           r.num, r.den
    FROM identities_file h JOIN ratios r USING (category)),
best AS (  -- the category held on some day of the stay with the highest ratio
    SELECT c.i, h.category, h.num, h.den
    FROM claims c JOIN held h ON h.person_id = c.person_id AND h.start <= c.discharge_date
                                 AND h.until >= c.admission_date
    QUALIFY row_number() OVER (PARTITION BY c.i ORDER BY h.num * 1000 // h.den DESC, h.row) = 1),
raw AS (
    SELECT c.*, b.category, caps.ledger, caps.cap,
           c.discharge_date >= DATE '{in_force}' AND b.category IS NOT NULL AS aided,
           CASE WHEN aided THEN (2 * greatest(c.cost - c.basic - c.critical, 0) * b.num + b.den) // (2 * b.den)
                ELSE 0 END AS raw
    FROM claims c LEFT JOIN best b USING (i) LEFT JOIN caps USING (visit_type)),
running AS (  -- R, the running sum of raw in the cap ledger: paid = min(R, cap) − min(R − raw, cap)
    SELECT *, sum(raw) OVER (PARTITION BY person_id, year(discharge_date), ledger
                             ORDER BY discharge_date, admission_date, claim_id ROWS UNBOUNDED PRECEDING) AS total
    FROM raw),
paid AS (
    SELECT *, CAST(least(total, cap) - least(total - raw, cap) AS BIGINT) AS aid FROM running)
SELECT claim_id, person_id, coalesce(category, '') AS category, yuan(basic) AS basic_paid,
       yuan(critical) AS critical_paid, yuan(aid) AS aid_paid, yuan(cost - basic - critical - aid) AS self_pay,
       CASE WHEN aided THEN 'ok' ELSE 'no_category' END AS status
FROM paid ORDER BY i
"""


def settle(claims: str, identities: str, out: str) -> None:
    """results.csv of the claims, as bench/yardstick_wuxi.py writes it."""
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE MACRO yuan(fen) AS CAST(fen AS DECIMAL(18, 0)) * 0.01")  # exact: DECIMAL(18, 2)
    con.execute("CREATE TABLE ratios (category VARCHAR, num BIGINT, den BIGINT)")
    con.executemany("INSERT INTO ratios VALUES (?, ?, ?)", [(name, *ratio) for name, ratio in RATIO.items()])
    con.execute("CREATE TABLE caps (visit_type VARCHAR, ledger VARCHAR, cap BIGINT)")
    con.executemany("INSERT INTO caps VALUES (?, ?, ?)", [(visit, *cap) for visit, cap in CAP.items()])
    con.execute("CREATE TABLE claims_file AS SELECT * FROM read_csv(?, header = true, types = ?)",
                [claims, CLAIM_TYPES])
    con.execute("CREATE TABLE identities_file AS SELECT * FROM read_csv(?, header = true, types = ?)",
                [identities, IDENTITY_TYPES])
    query = SETTLE.format(in_force=IN_FORCE.isoformat())
    con.execute(f"COPY ({query}) TO '{_sql_text(out)}' (HEADER, DELIMITER ',')")


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def bench(claims: int, repeat: int) -> list[str]:
    """The printed lines: each script's wall seconds and peak MB on the same files (its fastest of `repeat`
    runs, the two in turn), their ratio, the check of the two results."""
    from batch import synthesize_apart, timed

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        synthesize_apart("wuxi", claims, directory)
        inputs = [str(directory / "claims.csv"), str(directory / "identities.csv")]
        polars_out, duckdb_out = directory / "polars.csv", directory / "duckdb.csv"
        commands = {"polars (bench/yardstick_wuxi.py)": [sys.executable, str(BENCH / "yardstick_wuxi.py"), *inputs,
                                                          str(polars_out)],
                    "duckdb (bench/duckdb_wuxi.py)": [sys.executable, __file__, *inputs, str(duckdb_out)]}
        best: dict[str, tuple[float, float]] = {}
        for _ in range(repeat):
            for name, command in commands.items():
                best[name] = min(best.get(name, (float("inf"), 0.0)), timed(command))
        same_bytes = polars_out.read_bytes() == duckdb_out.read_bytes()
        count, ties = same_rows(polars_out, duckdb_out)
    import duckdb
    import polars

    (polars_s, polars_mb), (duckdb_s, duckdb_mb) = best.values()
    same = ", byte for byte" if same_bytes else f" but for the category of {ties:,} (two of the same ratio held)"
    return [f"wuxi, {claims:,} claims, best of {repeat} (polars {polars.__version__}, duckdb {duckdb.__version__})",
            f"{'':34} {'seconds':>8} {'peak MB':>8}",
            *(f"{name:34} {seconds:8.2f} {peak:8.0f}" for name, (seconds, peak) in best.items()),
            f"duckdb/polars: {duckdb_s / polars_s:.2f}x the time, {duckdb_mb / polars_mb:.2f}x the memory",
            f"results.csv: the same {count:,} rows{same}"]


def same_rows(first: Path, second: Path) -> tuple[int, int]:
    """(rows, ties): the two files hold the same rows in the same order, except that the category may differ
    where both are categories of the same ratio (ties: the polars script's sort is not stable, so which of two
    such categories it keeps is not defined; DuckDB keeps the earlier identity row). Anything else stops."""
    with first.open(encoding="utf-8", newline="") as a, second.open(encoding="utf-8", newline="") as b:
        one, other = list(csv.reader(a)), list(csv.reader(b))
    ties, differ = 0, []
    for x, y in zip(one, other, strict=False):
        if x == y:
            continue
        if x[:2] + x[3:] == y[:2] + y[3:] and x[2] in RATIO and y[2] in RATIO and RATIO[x[2]] == RATIO[y[2]]:
            ties += 1
        else:
            differ.append((x, y))
    if differ or len(one) != len(other):
        raise SystemExit(f"{first.name} and {second.name} differ: {len(one)} and {len(other)} lines, "
                         f"{len(differ)} differing, the first: {differ[:3]}")
    return len(one) - 1, ties


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", metavar="CLAIMS IDENTITIES OUT",
                        help="settle these with DuckDB alone (what the bench times); none: run the bench")
    parser.add_argument("--claims", type=int, default=1_000_000, help="claims for the bench (default 1000000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each script; the fastest counts (default 1)")
    args = parser.parse_args(argv)
    if args.files:
        if len(args.files) != 3:
            parser.error("give CLAIMS IDENTITIES OUT, or nothing for the bench")
        settle(*args.files)
        return 0
    print("\n".join(bench(args.claims, args.repeat)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
