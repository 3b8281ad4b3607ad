"""Wuxi's rules settled column by column with polars: the experiment behind bench/README.md's answer to "could
a columnar module reach 5× the interpreter?" — not an engine of aidlang.

Same inputs and outputs as the other engines of bench/compiled.py (`records.Claim`/`Identity` in, one
`records.Result` per claim out, in input order), so it pays what a module with the engines' API must pay: the
records turned into columns, and a `Result` built for every row at the end. Persons holding two categories for
some claim (就高 compares trials on shared ledgers, one claim after another) are settled by the fallback the
caller passes (the compiled module); everyone else is settled with prefix sums per person and year:

- 四(六) aid: ratio × (cost − basic − critical), the year's cap per ledger (outpatient; chronic + inpatient)
  taken as min(cap, running sum of the uncapped amounts) — exact because the cap does not change within a
  ledger for one category;
- 四(七) tilted: 60% of the year's burden above 6000 yuan, for referred claims in the province.

Needs `pip install polars` (not a dependency of aidlang); bench/compiled.py runs it only when polars imports.
Claims must give basic_paid and critical_paid and use canonical visit types, as the bench's data does.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from handwritten_wuxi import CAP, IN_FORCE, RATIO, THRESHOLD  # the rules as the plain version states them

from aidlang.records import make_result
from aidlang.runtime import month_end

CLAIM_SCHEMA = {"claim_id": pl.String, "person_id": pl.String, "discharge": pl.Date, "admission": pl.Date,
                "visit": pl.String, "cost": pl.Int64, "basic": pl.Int64, "critical": pl.Int64,
                "eligible": pl.Boolean}


def settle(claims, identities, fallback):
    """`fallback(claims, identities)`: how the persons holding several categories at once are settled."""
    frame = pl.DataFrame({
        "claim_id": [c.claim_id for c in claims], "person_id": [c.person_id for c in claims],
        "discharge": [c.discharge_date for c in claims], "admission": [c.admission_date for c in claims],
        "visit": [c.visit_type for c in claims], "cost": [c.policy_scope_cost for c in claims],
        "basic": [c.basic_paid for c in claims], "critical": [c.critical_paid for c in claims],
        "eligible": [c.referred and c.in_province for c in claims]}, schema=CLAIM_SCHEMA).with_row_index("i")
    held = _categories_held(frame, identities)
    several = held.filter(pl.col("categories").list.len() > 1).get_column("person_id").unique()
    one = held.filter(pl.col("categories").list.len() == 1).select(
        "i", pl.col("categories").list.first().alias("category"))
    settled = _settle_columns(frame.filter(~pl.col("person_id").is_in(several.implode())).join(one, on="i",
                                                                                                how="left"))
    results = [None] * len(claims)
    for row in settled.iter_rows():
        results[row[0]] = make_result(row[1:])
    several = set(several.to_list())
    if several:
        mine = [i for i, c in enumerate(claims) if c.person_id in several]
        out = fallback([claims[i] for i in mine], [r for r in identities if r.person_id in several])
        for i, result in zip(mine, out, strict=True):
            results[i] = result
    return results


def _categories_held(frame: pl.DataFrame, identities) -> pl.DataFrame:
    """Per claim with any: the categories held on some day of the stay (a lost one to its month's end)."""
    rows = [(r.person_id, r.category, r.start, month_end(r.end) if r.end is not None else dt.date.max)
            for r in identities if r.category in RATIO]
    held = pl.DataFrame(rows, schema={"person_id": pl.String, "category": pl.String, "start": pl.Date,
                                      "end": pl.Date}, orient="row")
    return (frame.select("i", "person_id", "discharge", "admission").join(held, on="person_id")
            .filter((pl.col("start") <= pl.col("discharge")) & (pl.col("end") >= pl.col("admission")))
            .group_by("i").agg(pl.col("category").unique().alias("categories"), pl.col("person_id").first()))


def _settle_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Claims of persons holding at most one category per claim → (i, Result fields…)."""
    ratios = pl.DataFrame({"category": list(RATIO), "num": [r[0] for r in RATIO.values()],
                           "den": [r[1] for r in RATIO.values()]})
    caps = pl.DataFrame({"visit": list(CAP), "ledger": [c[0] for c in CAP.values()],
                         "cap": [c[1] for c in CAP.values()]})
    year = pl.col("discharge").dt.year()
    aided = (pl.col("discharge") >= IN_FORCE) & pl.col("category").is_not_null()
    tilted_on = aided & pl.col("eligible")
    frame = (frame.join(ratios, on="category", how="left").join(caps, on="visit", how="left")
             .sort("person_id", "discharge", "admission", "claim_id")  # runtime.claims_by_person's order
             .with_columns(pl.max_horizontal(pl.col("cost") - pl.col("basic") - pl.col("critical"), 0).alias("base")))
    uncapped = pl.when(aided).then((2 * pl.col("base") * pl.col("num") + pl.col("den")) // (2 * pl.col("den")))
    frame = frame.with_columns(pl.min_horizontal(uncapped.otherwise(0).cum_sum().over("person_id", year, "ledger"),
                                                 pl.col("cap")).alias("capped"))
    frame = frame.with_columns(
        (pl.col("capped") - pl.col("capped").shift(1, fill_value=0).over("person_id", year, "ledger")).alias("aid"))
    frame = frame.with_columns(pl.when(tilted_on).then(pl.col("base") - pl.col("aid")).otherwise(0).alias("burden"))
    frame = frame.with_columns((pl.col("burden").cum_sum().over("person_id", year) - pl.col("burden")).alias("earlier"))
    above = (pl.max_horizontal(pl.col("earlier") + pl.col("burden") - THRESHOLD, 0)
             - pl.max_horizontal(pl.col("earlier") - THRESHOLD, 0))
    frame = frame.with_columns(pl.when(tilted_on).then((2 * above * 3 + 5) // 10).otherwise(0).alias("tilted"))
    status = (pl.when(pl.col("discharge") < IN_FORCE).then(pl.lit("not_in_force"))
              .when(pl.col("category").is_null()).then(pl.lit("no_category")).otherwise(pl.lit("ok")))
    aid_clause, tilted_clause = pl.col("base") > 0, pl.col("tilted") > 0
    basis = (pl.when(~aided).then(pl.lit(""))
             .when(aid_clause & tilted_clause).then(pl.lit("四(六);四(七)"))
             .when(aid_clause).then(pl.lit("四(六)"))
             .when(tilted_clause).then(pl.lit("四(七)"))
             .otherwise(pl.lit("")))
    return frame.select(
        "i", "claim_id", "person_id", pl.when(aided).then(pl.col("category")).otherwise(pl.lit("")).alias("held"),
        "basic", "critical", "aid", "tilted", (pl.col("cost") - pl.col("basic") - pl.col("critical") - pl.col("aid")
                                               - pl.col("tilted")).alias("self_pay"),
        status.alias("status"), basis.alias("basis"))
