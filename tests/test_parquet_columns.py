"""columnar reads a Parquet claims, identities or persons file straight into columns (no Python object per good
row) and gives exactly what the row reader (`data.read_claims`, `read_identities`, `read_persons`) gives: the
same records, problems, counts and rows read, a rejected row repeated as written. Hand-made hostile files of every
column type, random ones, and a batch run on Parquet writing the results of the same data in CSV."""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import attrs
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_columnar import FILES, assert_identities_agree
from test_data import KINDS, OPTIONAL, TRICKY, USUAL, VISITS, VOCABULARY, assert_columns_agree

from aidlang.cli import main
from aidlang.io import columnar, data, sheets

ROOT = Path(__file__).resolve().parent.parent
D = dt.date

CLAIM_TYPES = {"claim_id": pl.String, "person_id": pl.Categorical, "visit_type": pl.String,
               "admission_date": pl.Date, "discharge_date": pl.Date, "policy_scope_cost": pl.Decimal(18, 2),
               "basic_paid": pl.Decimal(18, 2), "critical_paid": pl.Int64, "referred": pl.Boolean,
               "in_province": pl.String, "disease": pl.String, "institution_level": pl.Categorical}


MARCH_1, MARCH_10 = D(2023, 3, 1), D(2023, 3, 10)


def claim(claim_id, person_id="p1", visit="inpatient", admission=MARCH_1, discharge=MARCH_10,
          cost="20000.00", basic="12000.00", critical=0, referred=True, in_province="true", disease=None,
          level=None) -> tuple:
    return (claim_id, person_id, visit, admission, discharge, None if cost is None else Decimal(cost),
            None if basic is None else Decimal(basic), critical, referred, in_province, disease, level)


CLAIM_ROWS = [
    claim("c1"), claim("c2", visit="门诊慢特病", admission=None, cost="1234.50", basic="100.05", critical=None,
                       referred=None, in_province=None, disease="白血病", level="二级"),
    claim("c3", "p2", "outpatient", D(2023, 4, 2), D(2023, 4, 2), "300.00", "100.00", 50, False, "false", "", ""),
    claim("c1", "p3", cost="1.00", basic="0"),  # a repeat of c1
    claim("c4", "p2", "住院", D(2023, 3, 11)),  # discharged before admission
    claim("c5", "p1\u200b"),  # an invisible character
    (None,) * 12,  # an all-null row
    claim(" c6 ", " p4 ", " inpatient "),  # stripped, as CSV cells are
    claim("c7", "\tp5"),  # a tab at the edge: stripped, no problem
    claim("c8", "p\t6"),  # a tab inside
    claim("c9", "p7\x1c"),  # a separator Python strips and the row reader refuses
    claim("c10", "p8", disease="x" * 1200),  # a cell too long
    claim("c11", "p9", cost="100.00", basic="80.00", critical=30),  # insurance above the cost
    claim("c12", "p9", "dental"),
    claim("c13", "p9", cost="200000000.00"),  # above the ceiling
    claim("c14", ""),
    claim("c15", "p2", referred=None, in_province="是"),  # normalised
    claim("c16", "p2", in_province="yes"),
    claim("c3", "p2"),  # a repeat of a plain row, later
    claim("c17", "p2", admission=None, discharge=None),
    claim("c18", "p1", cost="-5.00", basic="0"),
    claim("c19", "p1", critical=-1),
]
# what a text export holds and a typed column cannot: bad or other spellings of dates and amounts
TEXT_CELLS = [("t1", "admission_date", "2023-02-30"), ("t2", "admission_date", "2023/1/5"),
              ("t3", "policy_scope_cost", "12.345"), ("t4", "basic_paid", "2,000.00"),
              ("t5", "discharge_date", "0000-01-01"), ("t6", "policy_scope_cost", "1e3")]


def claims_frame(rows=CLAIM_ROWS, types=CLAIM_TYPES) -> pl.DataFrame:
    loose = {name: pl.String if dtype == pl.Categorical else dtype for name, dtype in types.items()}
    frame = pl.DataFrame(rows, schema=loose, orient="row")
    return frame.with_columns(pl.col(name).cast(dtype) for name, dtype in types.items() if dtype == pl.Categorical)


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.all().cast(pl.String))


def text_claims() -> pl.DataFrame:
    """The typed rows as a text export holds them, and rows whose cell only text can hold."""
    others = as_text(claims_frame([claim(claim_id) for claim_id, _, _ in TEXT_CELLS]))
    for number, (_, column, text) in enumerate(TEXT_CELLS):
        others = others.with_columns(pl.when(pl.int_range(pl.len()) == number).then(pl.lit(text))
                                     .otherwise(pl.col(column)).alias(column))
    return pl.concat([as_text(claims_frame()), others])


COLUMNAR_CLAIMS = {
    "typed": claims_frame,
    "as text": text_claims,
    "three decimals": lambda: claims_frame().with_columns(pl.col("basic_paid").cast(pl.Decimal(18, 3))),
    "wide decimals and small integers": lambda: claims_frame().with_columns(
        pl.col("policy_scope_cost").cast(pl.Decimal(38, 2)) * 10**12, pl.col("critical_paid").abs().cast(pl.UInt8)),
    "integers and booleans where text belongs": lambda: claims_frame().with_columns(
        pl.col("policy_scope_cost").cast(pl.Int64), pl.col("in_province") == "true",
        pl.col("claim_id").str.strip_chars().str.slice(1).cast(pl.Int32, strict=False)),
    "null and time columns": lambda: claims_frame().with_columns(
        pl.lit(None).alias("disease"), pl.lit(dt.time(12, 30)).alias("admission_date")),
    "enum visit types": lambda: claims_frame().with_columns(
        pl.col("visit_type").cast(pl.Enum(["inpatient", "outpatient", "门诊慢特病", "住院", " inpatient ",
                                           "dental"]))),
    "extra columns, one with invisible characters": lambda: claims_frame().with_columns(
        pl.Series("note", ["x\u200b" if n == 2 else "n" for n in range(len(CLAIM_ROWS))]),
        pl.lit(1, dtype=pl.Int32).alias(""), pl.lit(True).alias(" ")),
    "Chinese and spaced names": lambda: claims_frame().rename(
        {"claim_id": " 就诊编号 ", "person_id": "人员编号", "discharge_date": "结算日期", "referred": " referred"}),
    "header only": lambda: claims_frame().head(0),
    "an all-null row only": lambda: claims_frame([(None,) * 12]),
}
ROW_READER_CLAIMS = {  # files the columns leave to the row reader: the same answer, the slower way
    "a float amount": lambda: claims_frame().with_columns(
        pl.Series("policy_scope_cost", [2183.605, 2183.6] * (len(CLAIM_ROWS) // 2), dtype=pl.Float64)),
    "a timestamp": lambda: claims_frame().with_columns(pl.col("discharge_date").cast(pl.Datetime)),
    "a binary column": lambda: claims_frame().with_columns(pl.lit(b"\xff").alias("note")),
    "a header with an invisible character": lambda: claims_frame().rename({"claim_id": "claim_id\u200b"}),
    "a misspelt column": lambda: claims_frame().rename({"person_id": "persn_id"}),
    "two names for one column": lambda: claims_frame().with_columns(pl.col("claim_id").alias("就诊编号")),
}


def write(tmp_path: Path, frame: pl.DataFrame, name: str = "claims.parquet") -> Path:
    path = tmp_path / name
    frame.write_parquet(path)
    return path


def assert_claims_agree(path: Path, vocabulary: data.Vocabulary = VOCABULARY) -> columnar.Columns:
    """tests/test_data.py's agreement of the two readers, and the rows repeated by value as the row reader does."""
    rows = data.read_claims(path, vocabulary)
    assert_columns_agree(str(path), vocabulary, rows)
    columns = columnar.read_claim_columns(path, vocabulary)
    assert_rows_with_agree(columns.table, rows.table)
    return columns


def assert_rows_with_agree(table: data.Table, expected: data.Table) -> None:
    """`rows_with` finds the rows the row reader's table finds, for every value of every column, and none."""
    for column in (*expected.header, "absent"):
        values = {raw.values.get(column, "") for raw in expected.rows} | {"", "nothing"}
        for value in sorted(values):
            assert table.rows_with(column, {value}) == expected.rows_with(column, {value}), (column, value)
        assert table.rows_with(column, values) == expected.rows_with(column, values)
    assert table.raws([0, 1, 10**6]) == expected.raws([0, 1, 10**6]) == {}


@pytest.mark.parametrize("name", sorted(COLUMNAR_CLAIMS))
def test_parquet_claims_read_as_columns_as_the_row_reader_reads_them(tmp_path, name):
    read = assert_claims_agree(write(tmp_path, COLUMNAR_CLAIMS[name]()))
    assert isinstance(read.table, columnar.ParquetTable)


@pytest.mark.parametrize("name", sorted(ROW_READER_CLAIMS))
def test_parquet_claims_the_columns_leave_to_the_row_reader(tmp_path, name):
    read = assert_claims_agree(write(tmp_path, ROW_READER_CLAIMS[name]()))
    assert not isinstance(read.table, columnar.NumberedTable)


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_csv_table_finds_the_rows_the_row_reader_finds(tmp_path, name):
    """`rows_with` of every form of CSV file (tests/test_columnar.py), as of Parquet: `c1,p1\x1c` is p1's row too
    (Python strips the separator, polars does not)."""
    path = tmp_path / "claims.csv"
    path.write_text(FILES[name] + "c9,p1\x1c,inpatient,2023-03-01,2023-03-10,1,0,0\n", encoding="utf-8")
    expected = data.read_claims(path, VOCABULARY).table
    assert_rows_with_agree(columnar.read_claim_columns(path, VOCABULARY).table, expected)


def test_what_the_hostile_claims_give(tmp_path):
    """The typed file's answer, by hand (else agreement could be two readers wrong alike): the n-th row is row
    n + 1; good c1, c2, c3, c6 (stripped), c7 (its edge tab stripped) and c15 (是, normalised); every other row
    its errors on its row and column (the all-null row one per required column)."""
    read = assert_claims_agree(write(tmp_path, claims_frame()))
    assert read.frame.select("row", "claim_id", "person_id").rows() == [
        (2, "c1", "p1"), (3, "c2", "p1"), (4, "c3", "p2"), (9, "c6", "p4"), (10, "c7", "p5"), (18, "c15", "p2")]
    assert [(e.row, e.column) for e in read.errors] == [
        (5, "claim_id"), (6, "discharge_date"), (7, "person_id"), (8, "claim_id"), (8, "person_id"),
        (8, "visit_type"), (8, "discharge_date"), (8, "policy_scope_cost"), (11, "person_id"), (12, "person_id"),
        (13, "disease"), (14, "critical_paid"), (15, "visit_type"), (16, "policy_scope_cost"), (17, "person_id"),
        (19, "in_province"), (20, "claim_id"), (21, "discharge_date"), (22, "policy_scope_cost"),
        (23, "critical_paid")]
    assert read.normalised == {"boolean": 1}


# ---------------------------------------------------------------- identities and persons

IDENTITY_ROWS = [("p1", "特困人员", D(2023, 1, 1), None), ("p2", "低保对象", D(2023, 1, 1), D(2023, 6, 30)),
                 ("p3", "dibao", D(2023, 1, 1), D(2023, 6, 30)), ("p4", "未知类别", D(2023, 1, 1), None),
                 ("p5", "特困人员", D(2023, 7, 1), D(2023, 6, 30)), ("p7", "特困人员", None, None),
                 (None, "特困人员", D(2023, 1, 1), None), (" p9 ", " 特困人员 ", D(2023, 1, 1), None),
                 ("p1", "低保对象", D(2023, 1, 1), D(2023, 12, 31)), ("p16\u200b", "特困人员", D(2023, 1, 1), None),
                 (None, None, None, None), ("p17", "特困人员\t", D(2023, 1, 1), D(2023, 1, 1))]
IDENTITY_TYPES = {"person_id": pl.String, "category": pl.Categorical, "start": pl.Date, "end": pl.Date}


def identities_frame() -> pl.DataFrame:
    frame = pl.DataFrame(IDENTITY_ROWS, schema={**IDENTITY_TYPES, "category": pl.String}, orient="row")
    return frame.with_columns(pl.col("category").cast(pl.Categorical))


def text_identities() -> pl.DataFrame:
    other = pl.DataFrame([("p6", "特困人员", "2023/1/5", ""), ("p8", "特困人员", "2023-02-30", ""),
                          ("p10", "特困人员", "2023-01-01", "x")], schema=dict.fromkeys(IDENTITY_TYPES, pl.String),
                         orient="row")
    return pl.concat([as_text(identities_frame()), other])


@pytest.mark.parametrize("make", [identities_frame, text_identities], ids=["typed", "as text"])
def test_parquet_identities_read_as_columns_as_the_row_reader_reads_them(tmp_path, make):
    path = write(tmp_path, make(), "identities.parquet")
    read = assert_identities_agree(path)
    assert isinstance(read.table, columnar.ParquetTable)
    assert_rows_with_agree(read.table, data.read_identities(path, VOCABULARY).table)


PERSON_ROWS = [("p1", "男", D(1950, 3, 1), None, None, Decimal("1000.00"), 12000),
               ("p2", "女", D(1960, 2, 29), 1, "A", None, None), ("p3", "男", D(1970, 1, 1), 5, None, None, None),
               ("p4", "x", D(1970, 1, 1), None, None, None, None), ("p5", "女", None, None, None, None, None),
               ("p6", "男", D(1970, 1, 1), None, "D", None, None), ("p1", "女", D(1980, 1, 1), None, None, None, None),
               ("p8", "男", D(1970, 1, 1), None, None, Decimal("100000001.00"), None),
               ("p12", "男", D(1970, 1, 1), 4, None, Decimal("-1.00"), None),
               ("p13", "女", D(1970, 1, 1), 2, "B", Decimal("0.05"), 0), (None,) * 7,
               ("p14\u200b", "男", D(1970, 1, 1), None, None, None, None),
               ("p15", "男", D(1970, 1, 1), 0, None, None, -3)]

PERSON_TYPES = {"person_id": pl.String, "gender": pl.Categorical, "birth_date": pl.Date, "disability_grade": pl.Int64,
                "dibao_class": pl.Enum(["A", "B", "C", "D"]), "family_monthly_income_per_capita": pl.Decimal(18, 2),
                "family_annual_income": pl.Int64}


def persons_frame() -> pl.DataFrame:
    loose = {**PERSON_TYPES, "gender": pl.String, "dibao_class": pl.String}
    frame = pl.DataFrame(PERSON_ROWS, schema=loose, orient="row")
    return frame.with_columns(pl.col("gender").cast(pl.Categorical), pl.col("dibao_class").cast(PERSON_TYPES[
        "dibao_class"]))


def text_persons() -> pl.DataFrame:
    other = pl.DataFrame([("p9", "女", "1970/1/1", "2", "B", "0.05", "0"),
                          ("p10", " 男 ", "1970-01-01", "", "C", "", ""),
                          ("p11", "男", "1970-01-01", "", "", "¥1,200", "")],
                         schema=dict.fromkeys(PERSON_TYPES, pl.String), orient="row")
    return pl.concat([as_text(persons_frame()), other])


def assert_persons_agree(path: Path) -> columnar.Columns:
    rows = data.read_persons(path)
    read = columnar.read_person_columns(path)
    assert read.errors == rows.errors
    assert columnar.persons_of_frame(read.frame) == {p.person_id: p for p in rows.records}
    assert read.frame["row"].to_list() == list(rows.good_rows)
    assert read.normalised == rows.normalised and read.unaccounted() == []
    assert read.table.row_numbers() == rows.table.row_numbers()
    assert read.table.raws(read.table.row_numbers()) == {raw.row: raw for raw in rows.table.rows}
    assert (read.table.header, read.table.form, read.table.warnings, read.table.converted) == (
        rows.table.header, rows.table.form, rows.table.warnings, rows.table.converted)
    assert_rows_with_agree(read.table, rows.table)
    return read


@pytest.mark.parametrize("make", [persons_frame, text_persons], ids=["typed", "as text"])
def test_parquet_persons_read_as_columns_as_the_row_reader_reads_them(tmp_path, make):
    read = assert_persons_agree(write(tmp_path, make(), "persons.parquet"))
    assert isinstance(read.table, columnar.ParquetTable)
    assert read.frame["person_id"].to_list()[:3] == ["p1", "p2", "p13"]  # p1's second row is its repeat


# ---------------------------------------------------------------- random files

DTYPES = {  # per kind of column, the types a Parquet file may give it
    "claim_id": [pl.String, pl.Categorical, pl.Int64, pl.Null], "person_id": [pl.String, pl.Categorical, pl.Null],
    "visit_type": [pl.String, pl.Categorical], "date": [pl.String, pl.Date, pl.Date, pl.Time, pl.Null],
    "amount": [pl.String, pl.Decimal(18, 2), pl.Decimal(18, 2), pl.Decimal(18, 3), pl.Decimal(38, 0), pl.Int64,
               pl.UInt8, pl.Boolean, pl.Null, pl.Float64],
    "boolean": [pl.String, pl.Boolean, pl.Int8, pl.Null], "text": [pl.String, pl.Categorical, pl.Null],
}
ODD_TEXT = st.sampled_from(["x\u200b", "\x1cx", "a\tb", "\tb", " \u3000", "z" * 1001, "\x00", "p1\u2028"])


def values_of(dtype: pl.DataType, kind: str, column: str) -> st.SearchStrategy:
    """Values of one column of one dtype: the tricky texts of tests/test_data.py for text, edges for the rest."""
    if dtype in (pl.String, pl.Categorical):
        return st.none() | USUAL.get(column, st.nothing()) | st.sampled_from(TRICKY[kind]) | ODD_TEXT
    if dtype == pl.Date:
        return st.none() | st.sampled_from([D(2023, 2, 3), D(2023, 3, 10), D(2024, 2, 29), D(1, 1, 1)]) | st.dates()
    if isinstance(dtype, pl.Decimal):
        scale, digits = dtype.scale or 0, dtype.precision or 38
        return st.none() | st.decimals(-10**4, min(10**17, 10 ** (digits - scale) - 1), places=scale,
                                       allow_nan=False, allow_infinity=False)
    if dtype == pl.Int64:
        return st.none() | st.integers(-5, 10**16) | st.sampled_from([1, 9])
    if dtype in (pl.UInt8, pl.Int8):
        return st.none() | st.integers(0, 100)
    if dtype == pl.Boolean:
        return st.none() | st.booleans()
    if dtype == pl.Time:
        return st.none() | st.times()
    if dtype == pl.Float64:
        return st.none() | st.sampled_from([2183.6, 2183.605, 0.1 + 0.2, 1e16])
    return st.none()


@st.composite
def parquet_claims(draw) -> pl.DataFrame:
    """A claims Parquet file of a few rows: the required columns and some optional ones in any order, each of a
    type drawn for its kind; repeated claim ids (c1 … c9), nulls, all-null rows, odd text."""
    columns = list(data.CLAIM_COLUMNS) + [c for c in OPTIONAL if draw(st.booleans())]
    height = draw(st.integers(0, 8))
    series = []
    for column in draw(st.permutations(columns)):
        kind = KINDS[column]
        dtype = draw(st.sampled_from(DTYPES[kind if kind in DTYPES else "text"]))
        values = draw(st.lists(values_of(dtype, kind, column), min_size=height, max_size=height))
        loose = pl.String if dtype == pl.Categorical else dtype
        series.append(pl.Series(column, values, dtype=loose).cast(dtype))
    frame = pl.DataFrame(series)
    nulls = draw(st.sets(st.integers(0, max(height - 1, 0)), max_size=2)) if height else set()
    return frame.with_row_index("i").with_columns(
        pl.when(~pl.col("i").is_in(list(nulls))).then(pl.col(c)) for c in columns).drop("i")


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parquet_claims(), st.sets(st.sampled_from(("basic_paid", "critical_paid"))))
def test_random_parquet_claims_read_as_the_row_reader_reads_them(frame, required):
    vocabulary = data.Vocabulary(visit_type=VISITS.get, required_amounts=tuple(sorted(required)))
    with tempfile.TemporaryDirectory() as directory:
        read = assert_claims_agree(write(Path(directory), frame), vocabulary)
    floats = any(dtype.is_float() for dtype in frame.schema.values())
    assert isinstance(read.table, columnar.NumberedTable) == (not floats and not read.table.errors)


# ---------------------------------------------------------------- no record per good row

def counting(monkeypatch, name: str) -> list[int]:
    """The rows `data.<name>` is given, recorded as it is called (the columns' careful rows go through it)."""
    given_rows: list[int] = []
    real = getattr(data, name)

    def counted(path, rows, *args, **kwargs):
        rows = list(rows)
        given_rows.extend(raw.row for raw in rows)
        return real(path, rows, *args, **kwargs)

    monkeypatch.setattr(data, name, counted)
    return given_rows


def test_only_the_careful_rows_become_records(tmp_path, monkeypatch):
    """1,000 good claims and three bad: only the bad rows, and the first row of the repeated c5, are given to the
    row reader's `claims_of_rows` (each time the careful rows are read); the good ones stay columns."""
    rows = [claim(f"c{n}", f"p{n % 7}") for n in range(1000)]
    rows += [claim("c5", "p1"), claim("c2000", visit="dental"), claim("c2001", "p\u200b1")]
    path = write(tmp_path, claims_frame(rows))
    given_rows = counting(monkeypatch, "claims_of_rows")
    read = columnar.read_claim_columns(path, VOCABULARY)
    assert set(given_rows) == {7, 1002, 1003, 1004} and len(given_rows) % 4 == 0
    assert read.frame.height == 1000 and isinstance(read.table, columnar.ParquetTable)
    assert read.table.rows == tuple(read.table.raws([7, 1002, 1003, 1004]).values())
    monkeypatch.undo()
    assert_claims_agree(path)


def test_only_the_careful_identity_and_person_rows_become_records(tmp_path, monkeypatch):
    identities = [(f"p{n}", "特困人员", D(2023, 1, 1), None) for n in range(500)] + [("p1", "未知类别", D(2023, 1, 1),
                                                                                     None)]
    frame = pl.DataFrame(identities, schema={**IDENTITY_TYPES, "category": pl.String}, orient="row")
    path = write(tmp_path, frame, "identities.parquet")
    given_rows = counting(monkeypatch, "identities_of_rows")
    assert columnar.read_identity_columns(path, VOCABULARY).frame.height == 500
    assert given_rows == [502]
    persons = [(f"p{n}", "男", D(1970, 1, 1), None, None, None, n) for n in range(500)]
    persons.append(("p1000", *PERSON_ROWS[3][1:]))  # gender x
    path = write(tmp_path, pl.DataFrame(persons, schema={**PERSON_TYPES, "gender": pl.String,
                                                          "dibao_class": pl.String}, orient="row"), "persons.parquet")
    given_rows = counting(monkeypatch, "persons_of_rows")
    assert columnar.read_person_columns(path).frame.height == 500
    assert given_rows == [502]


# ---------------------------------------------------------------- rows repeated as written

def test_a_rejected_parquet_row_is_repeated_as_written_and_never_from_a_changed_file(tmp_path):
    path = write(tmp_path, claims_frame())
    read = columnar.read_claim_columns(path, VOCABULARY)
    assert isinstance(read.table, columnar.ParquetTable)
    raws = read.table.raws([7, 9, 22])
    assert raws[7].values["person_id"] == "p1\u200b" and raws[7].problems  # the row reader's problem, again
    assert raws[9].values["claim_id"] == "c6" and raws[22].values["policy_scope_cost"] == "-5.00"
    assert read.table.rows_with("person_id", {"p9", "p4"}) == [9, 14, 15, 16]
    claims_frame().reverse().write_parquet(path)
    os.utime(path, ns=(1, 1))
    with pytest.raises(data.FileChanged):
        read.table.raws([7])
    with pytest.raises(data.FileChanged):
        read.table.rows_with("person_id", {"p9"})


# ---------------------------------------------------------------- a batch run

def export_csv(parquet: Path, path: Path) -> Path:
    """The Parquet file's CSV export: the text cells the row reader makes of it, written as CSV."""
    grid = sheets.read_grid(parquet)
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\n").writerows(cells for _, cells in grid.rows)
    return path


def wuxi_claims() -> pl.DataFrame:
    """The Wuxi example typed as a database exports it (decimal(18,2) amounts, dates, booleans), with rows the
    run rejects: a null person, a repeated claim, an invisible character, insurance above the cost."""
    from test_parquet import typed

    frame = typed(pl.read_csv(ROOT / "examples" / "wuxi" / "claims.csv", infer_schema=False),
                  ("admission_date", "discharge_date"))
    bad = frame.head(4).with_columns(
        pl.Series("claim_id", ["BAD1", frame["claim_id"][10], "BAD3\u200b", "BAD4"]),
        pl.Series("person_id", [None, *frame["person_id"][1:4]]),
        pl.Series("basic_paid", [*frame["basic_paid"][:3], Decimal("99999999.00")], dtype=pl.Decimal(18, 2)))
    return pl.concat([frame.head(200), bad, frame.slice(200)])


@pytest.mark.parametrize("rejects", [False, True], ids=["without rejects", "with rejects"])
def test_a_batch_run_on_parquet_writes_what_the_same_data_in_csv_gives(tmp_path, capsys, rejects):
    parquet = write(tmp_path, wuxi_claims())
    identities = ROOT / "examples" / "wuxi" / "identities.csv"
    written = {}
    for source in (parquet, export_csv(parquet, tmp_path / "claims.csv")):
        out, rejected = tmp_path / "results.csv", tmp_path / "rejects.csv"
        args = ["run", str(ROOT / "policies" / "wuxi.aid"), "--claims", str(source), "--identities",
                str(identities), "--out", str(out), "--engine", "batch"]
        code = main(args + (["--rejects", str(rejected)] if rejects else []))
        err = capsys.readouterr().err.replace(str(source), "CLAIMS").replace("Parquet", "UTF-8")
        written[source.suffix] = (code, err, [p.read_bytes() if p.exists() else None for p in (out, rejected)])
        for path in (out, rejected):
            path.unlink(missing_ok=True)
    assert written[".parquet"] == written[".csv"]
    code, err, (results, rejected_rows) = written[".parquet"]
    assert (code, results is not None) == ((0, True) if rejects else (2, False))
    assert ("CLAIMS:204:claim_id" in err) != rejects  # the invisible character, named where it stands
    assert (rejected_rows is not None and "BAD3\u200b".encode() in rejected_rows) == rejects


def test_the_columns_of_a_parquet_row_are_the_row_readers_cells(tmp_path):
    """A careful row's RawRow is the row reader's exactly, field by field (attrs equality includes problems)."""
    path = write(tmp_path, claims_frame())
    expected = data.read_table(path, data.CLAIM_COLUMNS, data.CLAIM_OPTIONAL)
    table = columnar.read_claim_columns(path, VOCABULARY).table
    assert [attrs.asdict(raw) for raw in table.raws(table.row_numbers()).values()] == [
        attrs.asdict(raw) for raw in expected.rows]
