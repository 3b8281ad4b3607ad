"""Parquet in and out, chosen by extension: the Wuxi example as Parquet settles byte for byte as its CSV,
results written as Parquet read back to the CSV's rows, and a hostile Parquet file gets the messages its CSV
export would (same row, column and reason)."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from aidlang.cli import main

ROOT = Path(__file__).resolve().parent.parent
WUXI = ROOT / "policies" / "wuxi.aid"
CLAIMS = ROOT / "examples" / "wuxi" / "claims.csv"
IDENTITIES = ROOT / "examples" / "wuxi" / "identities.csv"
AMOUNTS = ("policy_scope_cost", "basic_paid", "critical_paid")


def text_frame(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)  # every column as the CSV's text


def typed(frame: pl.DataFrame, dates: tuple[str, ...]) -> pl.DataFrame:
    """The CSV's columns as a database would type them: decimal(18,2) amounts, dates, booleans; empty → null."""
    exprs = []
    for name in frame.columns:
        column = pl.col(name)
        if name in AMOUNTS:
            column = column.str.to_decimal(scale=2).cast(pl.Decimal(18, 2))
        elif name in dates:
            column = column.str.to_date("%Y-%m-%d")
        elif name in ("referred", "in_province"):
            column = column == "true"
        exprs.append(column.alias(name))
    return frame.select(exprs)


def run(*args: str) -> int:
    return main(["run", str(WUXI), *args])


@pytest.mark.parametrize("kind", ["text", "typed"])
def test_wuxi_as_parquet_gives_the_same_bytes(tmp_path, kind):
    claims, identities = text_frame(CLAIMS), text_frame(IDENTITIES)
    if kind == "typed":
        claims = typed(claims, ("admission_date", "discharge_date"))
        identities = typed(identities, ("start", "end"))
        assert claims.schema["policy_scope_cost"] == pl.Decimal(18, 2)
    claims.write_parquet(tmp_path / "claims.parquet")
    identities.write_parquet(tmp_path / "identities.parquet")
    assert run("--claims", str(CLAIMS), "--identities", str(IDENTITIES), "--out", str(tmp_path / "csv.csv")) == 0
    assert run("--claims", str(tmp_path / "claims.parquet"), "--identities", str(tmp_path / "identities.parquet"),
               "--out", str(tmp_path / "parquet.csv")) == 0
    assert (tmp_path / "parquet.csv").read_bytes() == (tmp_path / "csv.csv").read_bytes()


def test_results_as_parquet_read_back_to_the_csv_rows(tmp_path):
    common = ("--claims", str(CLAIMS), "--identities", str(IDENTITIES))
    assert run(*common, "--out", str(tmp_path / "results.csv")) == 0
    assert run(*common, "--out", str(tmp_path / "results.parquet")) == 0
    with (tmp_path / "results.csv").open(encoding="utf-8", newline="") as file:
        expected = list(csv.reader(file))
    frame = pl.read_parquet(tmp_path / "results.parquet")
    assert frame.schema["aid_paid"] == pl.Decimal(18, 2) and frame.schema["basis"] == pl.String
    back = [frame.columns] + [["" if v is None else f"{v:.2f}" if isinstance(v, Decimal) else v for v in row]
                              for row in frame.iter_rows()]
    assert back == expected
    # the Parquet results are an input like any other: they read back through the same reader
    assert run("--claims", str(tmp_path / "results.parquet"), "--identities", str(IDENTITIES),
               "--out", str(tmp_path / "again.csv")) == 2  # results.csv lacks visit_type: refused, not misread


def test_an_empty_results_file_is_still_a_parquet_file(tmp_path):
    (tmp_path / "claims.csv").write_text(CLAIMS.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert run("--claims", str(tmp_path / "claims.csv"), "--identities", str(IDENTITIES),
               "--out", str(tmp_path / "results.parquet")) == 0
    frame = pl.read_parquet(tmp_path / "results.parquet")
    assert frame.height == 0 and frame.columns[0] == "claim_id"


# ---------------------------------------------------------------- hostile files: the CSV's messages

HEADER = ("claim_id", "person_id", "visit_type", "admission_date", "discharge_date", "policy_scope_cost",
          "basic_paid", "critical_paid")
GOOD = ("c1", "p1", "inpatient", "2023-03-01", "2023-03-10", "20000.00", "12000.00", "0.00")


def messages(capsys, claims: Path, lang: str = "en") -> str:
    capsys.readouterr()
    assert main(["--lang", lang, "run", str(WUXI), "--claims", str(claims), "--identities", str(IDENTITIES)]) == 2
    return capsys.readouterr().err.replace(str(claims), "CLAIMS")


def csv_of(tmp_path: Path, rows: list[tuple[str, ...]]) -> Path:
    path = tmp_path / "claims.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\n").writerows([HEADER, *rows])
    return path


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_float_amount_with_three_decimals(tmp_path, capsys, lang):
    # a float column: 2183.605 keeps its third decimal at 15 significant digits and is refused, never rounded;
    # 2183.6 is 2183.60 exactly (the workbook rule)
    frame = pl.DataFrame({name: [GOOD[i], GOOD[i]] for i, name in enumerate(HEADER)})
    frame = frame.with_columns(pl.Series("claim_id", ["c1", "c2"]),
                               pl.Series("policy_scope_cost", [2183.6, 2183.605], dtype=pl.Float64),
                               pl.Series("basic_paid", [1000.0, 1000.0], dtype=pl.Float64))
    frame.write_parquet(tmp_path / "claims.parquet")
    got = messages(capsys, tmp_path / "claims.parquet", lang)
    expected = messages(capsys, csv_of(tmp_path, [GOOD[:5] + ("2183.6", "1000", "0.00"),
                                                  ("c2",) + GOOD[1:5] + ("2183.605", "1000", "0.00")]), lang)
    assert got == expected
    assert "CLAIMS:3:policy_scope_cost" in got and "CLAIMS:2:" not in got


def test_null_in_a_required_column(tmp_path, capsys):
    frame = pl.DataFrame({name: [GOOD[i], None if name == "person_id" else GOOD[i]] for i, name in enumerate(HEADER)})
    frame = frame.with_columns(pl.Series("claim_id", ["c1", "c2"]))
    frame.write_parquet(tmp_path / "claims.parquet")
    got = messages(capsys, tmp_path / "claims.parquet")
    assert got == messages(capsys, csv_of(tmp_path, [GOOD, ("c2", "") + GOOD[2:]]))
    assert "CLAIMS:3:person_id: must not be empty" in got


def test_wrong_column_types(tmp_path, capsys):
    # an amount column holding dates, a date column holding booleans: the text each becomes is refused where
    # it stands, as the same text in a CSV file is
    frame = pl.DataFrame({name: [GOOD[i]] for i, name in enumerate(HEADER)})
    frame = frame.with_columns(pl.Series("policy_scope_cost", [dt.date(2023, 1, 5)]),
                               pl.Series("discharge_date", [True]))
    frame.write_parquet(tmp_path / "claims.parquet")
    got = messages(capsys, tmp_path / "claims.parquet")
    assert got == messages(capsys, csv_of(tmp_path, [GOOD[:4] + ("true", "2023-01-05") + GOOD[6:]]))
    assert "CLAIMS:2:policy_scope_cost" in got and "CLAIMS:2:discharge_date" in got


def test_a_list_column_and_a_damaged_file(tmp_path, capsys):
    frame = pl.DataFrame({name: [GOOD[i]] for i, name in enumerate(HEADER)})
    frame.with_columns(pl.Series("policy_scope_cost", [[1, 2]])).write_parquet(tmp_path / "claims.parquet")
    assert "policy_scope_cost" in messages(capsys, tmp_path / "claims.parquet")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    assert "Parquet" in messages(capsys, tmp_path / "broken.parquet")


def test_invisible_character_in_a_parquet_string(tmp_path, capsys):
    frame = pl.DataFrame({name: [GOOD[i]] for i, name in enumerate(HEADER)})
    frame.with_columns(pl.Series("person_id", ["p1\u200b"])).write_parquet(tmp_path / "claims.parquet")
    got = messages(capsys, tmp_path / "claims.parquet")
    assert got == messages(capsys, csv_of(tmp_path, [("c1", "p1\u200b") + GOOD[2:]]))
    assert "U+200B" in got
