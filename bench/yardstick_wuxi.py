"""The yardstick of the batch engine: a hand-written polars script of Wuxi's rule alone, end to end.

    python3 bench/yardstick_wuxi.py CLAIMS IDENTITIES OUT

What the batch issue measures `aidlang run --engine batch` against: claims.csv and identities.csv read by
polars with their types declared, the category held on some day of the stay (the highest ratio where several
are — no 就高 by ledger), 四(六) aid as ratio × (cost − basic − critical) rounded half-up, under the year's two
caps (outpatient 10,000 yuan; chronic and inpatient 300,000 yuan together) by running sums, and results.csv
written by polars. It knows nothing else of the policy (no tilted aid, no data checks, no rejects), so it is
faster than any engine can be; bench/batch.py compares its aid_paid with the engine's where it is exact (claims
of persons holding one category).
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from handwritten_wuxi import CAP, IN_FORCE, RATIO  # the rule as the plain version states it


def settle(claims: str, identities: str, out: str) -> None:
    frame = pl.read_csv(claims, schema_overrides={
        "claim_id": pl.String, "person_id": pl.String, "visit_type": pl.String, "admission_date": pl.Date,
        "discharge_date": pl.Date, "policy_scope_cost": pl.Decimal(18, 2), "basic_paid": pl.Decimal(18, 2),
        "critical_paid": pl.Decimal(18, 2)}).with_row_index("i")
    fen = {name: (pl.col(name) * 100).cast(pl.Int64) for name in ("policy_scope_cost", "basic_paid", "critical_paid")}
    frame = frame.with_columns(cost=fen["policy_scope_cost"], basic=fen["basic_paid"], critical=fen["critical_paid"])
    ratios = pl.DataFrame({"category": list(RATIO), "num": [r[0] for r in RATIO.values()],
                           "den": [r[1] for r in RATIO.values()]})
    held = (pl.read_csv(identities, schema_overrides={"start": pl.Date, "end": pl.Date})
            .with_columns(end=pl.col("end").dt.month_end().fill_null(pl.date(9999, 12, 31)))
            .join(ratios, on="category"))
    best = (frame.select("i", "person_id", "admission_date", "discharge_date").join(held, on="person_id")
            .filter((pl.col("start") <= pl.col("discharge_date")) & (pl.col("end") >= pl.col("admission_date")))
            .sort("i", pl.col("num") * 1000 // pl.col("den"), descending=[False, True])
            .group_by("i", maintain_order=True).first().select("i", "category", "num", "den"))
    caps = pl.DataFrame({"visit_type": list(CAP), "ledger": [c[0] for c in CAP.values()],
                         "cap": [c[1] for c in CAP.values()]})
    frame = (frame.join(best, on="i", how="left").join(caps, on="visit_type", how="left")
             .sort("person_id", "discharge_date", "admission_date", "claim_id"))
    aided = (pl.col("discharge_date") >= IN_FORCE) & pl.col("category").is_not_null()
    base = pl.max_horizontal(pl.col("cost") - pl.col("basic") - pl.col("critical"), 0)
    raw = pl.when(aided).then((2 * base * pl.col("num") + pl.col("den")) // (2 * pl.col("den"))).otherwise(0)
    ledger = [pl.col("person_id"), pl.col("discharge_date").dt.year(), pl.col("ledger")]
    frame = frame.with_columns(raw=raw).with_columns(total=pl.col("raw").cum_sum().over(ledger))
    frame = frame.with_columns(aid=pl.min_horizontal("total", "cap") - pl.min_horizontal(
        pl.col("total") - pl.col("raw"), "cap"))

    frame.sort("i").select(
        "claim_id", "person_id", pl.col("category").fill_null(""), basic_paid=yuan_of(pl.col("basic")),
        critical_paid=yuan_of(pl.col("critical")), aid_paid=yuan_of(pl.col("aid")),
        self_pay=yuan_of(pl.col("cost") - pl.col("basic") - pl.col("critical") - pl.col("aid")),
        status=pl.when(aided).then(pl.lit("ok")).otherwise(pl.lit("no_category")),
    ).write_csv(out)


def yuan_of(fen: pl.Expr) -> pl.Expr:
    return (fen.cast(pl.Decimal(38, 0)).cast(pl.Decimal(38, 2)) / 100).cast(pl.String)


if __name__ == "__main__":
    settle(*sys.argv[1:4])
