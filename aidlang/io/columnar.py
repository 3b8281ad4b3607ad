"""claims.csv and identities.csv straight into columns (polars), for the batch engine: the same rows, values,
problems and counts as `data.read_claims` and `data.read_identities`, without a Python object per good row.

The file is read as lines by polars. Each line that is plainly well formed — its cells split at the delimiter with
no quote, control character, stray tab, space at a cell's edge or wrong count, and each value as `_QuickClaims`
reads it without doubt (dates exactly YYYY-MM-DD, amounts in ASCII digits with at most two decimals, a known visit
type, `true`/`false`, a claim_id no other row has) — becomes typed columns by column expressions. Every other
line goes through the row reader (`sheets.split_line`, `data.raw_row`, `data.claims_of_rows`), which gives it the
value or the message it always did. A plain line is read to exactly the value the row reader would give it
(tests/test_columnar.py compares the two on hostile files), so which way a line went changes nothing.

What the lines cannot be read as (another encoding, a workbook, Parquet, a stray carriage return or unit
separator, a header that is not plain) is read by `data.read_claims` and its records made columns: slower, the
same.
"""

from __future__ import annotations

import codecs
import mmap
import re
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Sequence

import attrs
import polars as pl

from aidlang.io import data, sheets
from aidlang.records import Claim, Identity, Person

# the claims as columns (`claims_frame`): what every columnar reader gives and the batch engine takes
CLAIM_SCHEMA = {
    "row": pl.Int64, "claim_id": pl.String, "person_id": pl.String, "visit_type": pl.String,
    "admission_date": pl.Date, "discharge_date": pl.Date, "policy_scope_cost": pl.Int64, "basic_paid": pl.Int64,
    "critical_paid": pl.Int64, "referred": pl.Boolean, "in_province": pl.Boolean, "disease": pl.String,
    "institution_level": pl.String,
}


def claims_frame(claims: Sequence[Claim]) -> pl.DataFrame:
    """Claim records as CLAIM_SCHEMA's columns, in their order."""
    return pl.DataFrame({name: [getattr(c, name) for c in claims] for name in CLAIM_SCHEMA}, schema=CLAIM_SCHEMA)


IDENTITY_SCHEMA = {"row": pl.Int64, "person_id": pl.String, "category": pl.String, "start": pl.Date,
                   "end": pl.Date}


def identities_frame(identities: Sequence[Identity], rows: Sequence[int] | None = None) -> pl.DataFrame:
    """Identity records as IDENTITY_SCHEMA's columns (`rows`: the rows they come from; none: 0)."""
    return pl.DataFrame({"row": list(rows) if rows is not None else [0] * len(identities),
                         **{name: [getattr(i, name) for i in identities] for name in list(IDENTITY_SCHEMA)[1:]}},
                        schema=IDENTITY_SCHEMA)


PERSON_SCHEMA = {"row": pl.Int64, "person_id": pl.String, "gender": pl.String, "birth_date": pl.Date,
                 "disability_grade": pl.Int64, "dibao_class": pl.String, "family_monthly_income_per_capita": pl.Int64,
                 "family_annual_income": pl.Int64}


def persons_frame(persons: Sequence[Person], rows: Sequence[int] | None = None) -> pl.DataFrame:
    """Person records as PERSON_SCHEMA's columns (`rows`: the rows they come from; none: 0)."""
    return pl.DataFrame({"row": list(rows) if rows is not None else [0] * len(persons),
                         **{name: [getattr(p, name) for p in persons] for name in list(PERSON_SCHEMA)[1:]}},
                        schema=PERSON_SCHEMA)


def persons_of_frame(frame: pl.DataFrame) -> dict[str, Person]:
    return {values[0]: Person(*values) for values in frame.select(list(PERSON_SCHEMA)[1:]).iter_rows()}


def identities_of_frame(frame: pl.DataFrame) -> list[Identity]:
    return [Identity(*values) for values in frame.select(list(IDENTITY_SCHEMA)[1:]).iter_rows()]


def claims_of_frame(frame: pl.DataFrame) -> list[Claim]:
    """CLAIM_SCHEMA's columns as Claim records (for the few claims a sequential kernel settles)."""
    fields = [field.name for field in attrs.fields(Claim)]  # in Claim's order: positionally
    return [Claim(*values) for values in frame.select(fields).iter_rows()]


@attrs.frozen
class LineTable(data.Table):
    """A table read as lines: `rows` holds only the rows read one by one (odd lines), `numbers` every body
    row's number. A row is repeated as written (`raws`, for the rejects file) by reading its line from the file
    again — a year's lines are not held for the few rows a run rejects — and only from the file as it was read
    (`signature`: its size and modification time; a file changed since is an error, never other text)."""

    numbers: pl.Series = attrs.field(factory=pl.Series, kw_only=True)
    delimiter: str = attrs.field(default=",", kw_only=True)
    signature: tuple[int, int] = attrs.field(default=(0, 0), kw_only=True)

    def row_numbers(self) -> list[int]:
        return self.numbers.to_list()

    def row_count(self) -> int:
        return self.numbers.len()

    def raws(self, numbers: Iterable[int]) -> dict[int, data.RawRow]:
        wanted = set(numbers)
        if not wanted:
            return {}
        lines = self._lines(pl.col("row").is_in(sorted(wanted)))
        return {row: self._raw(row, line) for row, line in lines.iter_rows()}

    def rows_with(self, column: str, values: set[str]) -> list[int]:
        if not values:
            return []
        position = self.header.index(column)
        field = pl.col("line").str.split(self.delimiter).list.get(position, null_on_oob=True).str.strip_chars()
        candidates = self._lines(field.is_in(sorted(values)) | pl.col("line").str.contains('"', literal=True))
        return [row for row, line in candidates.iter_rows() if self._raw(row, line).values.get(column, "") in values]

    def _lines(self, which: pl.Expr) -> pl.DataFrame:
        """The body lines (row, line) that `which` selects, read from the file again (lazily: only they are
        held)."""
        if _signature(self.path) != self.signature:
            raise data.FileChanged(self.path)
        scan = pl.scan_csv(self.path, has_header=False, separator=_UNIT_SEPARATOR.decode(), quote_char=None,
                           infer_schema=False, new_columns=["line"], encoding="utf8")
        found = scan.with_row_index("row", offset=1).filter(which).collect()
        found = found.with_columns(pl.col("row").cast(pl.Int64))
        return found.filter(pl.col("row").is_in(self.numbers.implode())).select("row", "line")

    def _raw(self, row: int, line: str) -> data.RawRow:
        raw = _raw_row(self.path, self.header, self.delimiter, row, line)
        assert raw is not None, "a blank line is no row of `numbers`"
        return raw


def _signature(path: str) -> tuple[int, int]:
    stat = Path(path).stat()
    return stat.st_size, stat.st_mtime_ns


@attrs.frozen
class Columns(data.Loaded):
    """`data.Loaded` whose good records are columns (`frame`: CLAIM_SCHEMA or IDENTITY_SCHEMA, in file order,
    with the row each comes from), not records."""

    frame: pl.DataFrame = attrs.field(factory=pl.DataFrame, kw_only=True)

    def unaccounted(self) -> list[int]:
        if self.table.errors:
            return []
        read = pl.DataFrame({"row": self.table.numbers if isinstance(self.table, LineTable)
                             else pl.Series(self.table.row_numbers(), dtype=pl.Int64)})
        bad = pl.DataFrame({"row": pl.Series(sorted(self.row_errors()), dtype=pl.Int64)})
        good = self.frame.select("row")
        both = good.join(bad, on="row", how="semi")
        neither = read.join(good, on="row", how="anti").join(bad, on="row", how="anti")
        return sorted(both["row"].to_list() + neither["row"].to_list())


@attrs.frozen
class _Kind:
    """What the reading of one kind of file as columns needs to know: its columns, how the row reader reads
    it (a whole file, or some of its rows), how its lines become typed columns, and the column whose repeats
    the row reader refuses across rows."""

    required: Callable[[data.Vocabulary], tuple[str, ...]]
    optional: tuple[str, ...]
    read_file: Callable[..., data.Loaded]  # (path, vocabulary, options)
    read_rows: Callable[..., tuple[list, list[int], list[data.DataError]]]  # (name, raws, vocabulary, options,
    #                                                                          first_row, counts)
    frame_of: Callable[[Sequence, Sequence[int]], pl.DataFrame]  # (records, their rows)
    typed: Callable[..., pl.LazyFrame]  # (cells, header, vocabulary, options): the schema's columns, ROW, DOUBT
    schema: dict
    unique: str | None = None


def read_claim_columns(path: str | Path, vocabulary: data.Vocabulary,
                       options: data.ReadOptions = data.DEFAULT_OPTIONS) -> Columns:
    """claims.csv as `data.read_claims` reads it, its good claims as CLAIM_SCHEMA's columns."""
    return _read(path, vocabulary, options, _CLAIMS)


def read_identity_columns(path: str | Path, vocabulary: data.Vocabulary,
                          options: data.ReadOptions = data.DEFAULT_OPTIONS) -> Columns:
    """identities.csv as `data.read_identities` reads it, its good rows as IDENTITY_SCHEMA's columns."""
    return _read(path, vocabulary, options, _IDENTITIES)


def read_person_columns(path: str | Path, options: data.ReadOptions = data.DEFAULT_OPTIONS) -> Columns:
    """persons.csv as `data.read_persons` reads it, its good rows as PERSON_SCHEMA's columns."""
    return _read(path, data.Vocabulary(visit_type=lambda text: None), options, _PERSONS)


def _read(path: str | Path, vocabulary: data.Vocabulary, options: data.ReadOptions, kind: _Kind) -> Columns:
    try:
        signature = _signature(str(path))
    except OSError:
        signature = (0, 0)  # the row reader says why it cannot be read
    lines = _lines(path, options)
    if lines is not None:
        read = _read_lines(str(path), lines[0], lines[1], vocabulary, options, kind, signature)
        del lines
        if read is not None:
            return read
    loaded = kind.read_file(path, vocabulary, options)
    return Columns(loaded.table, (), loaded.errors, (), loaded.normalised,
                   frame=kind.frame_of(loaded.records, loaded.good_rows))


def _lines(path: str | Path, options: data.ReadOptions) -> tuple[pl.DataFrame, str] | None:
    """The file's lines (row, line; a blank line null) and its form, or None when it is not UTF-8 text whose
    lines polars splits exactly as `sheets.split_text` does (lines end at `\\n`, a `\\r` only before one). The
    file is looked at through a memory map and read by polars from disk: its bytes are never a Python object."""
    if options.encoding and codecs.lookup(options.encoding).name != "utf-8":
        return None
    if str(path).lower().endswith(sheets.PARQUET_SUFFIX):
        return None
    try:
        with open(path, "rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as raw:
            if raw[:4].startswith((*sheets.WORKBOOK_MAGIC, sheets.PARQUET_MAGIC, codecs.BOM_UTF16_LE,
                                   codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):
                return None
            form = "UTF-8 (BOM)" if raw[:3] == codecs.BOM_UTF8 else "UTF-8"
            if raw.find(_UNIT_SEPARATOR) >= 0 or (raw.find(b"\r") >= 0 and _LONE_CR.search(raw) is not None):
                return None
    except (OSError, ValueError):  # unreadable, or empty (a map of nothing): the row reader says why
        return None
    try:
        frame = pl.read_csv(path, has_header=False, separator=_UNIT_SEPARATOR.decode(), quote_char=None,
                            infer_schema=False, new_columns=["line"], encoding="utf8")
    except (pl.exceptions.PolarsError, ValueError):  # not UTF-8: the row reader decodes it (GB18030 …)
        return None
    if frame.width != 1:
        return None
    return frame.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64)), form


_LONE_CR = re.compile(rb"\r(?!\n)")
_UNIT_SEPARATOR = b"\x1f"  # polars splits each line at it, so that a line is one field (a control character:
#                            the row reader would refuse any line holding it)


def _read_lines(name: str, lines: pl.DataFrame, form: str, vocabulary: data.Vocabulary,
                options: data.ReadOptions, kind: _Kind, signature: tuple[int, int]) -> Columns | None:
    body = lines.filter(pl.col("line").str.contains(r"\S").fill_null(False))  # not blank (strip() leaves text)
    if body.height == 0:
        return None
    header_row, header_line = body.row(0)
    delimiter = sheets.sniff_delimiter(header_line)
    header_split = sheets.split_line(header_row, header_line, delimiter)
    if header_split is None or header_split[1] is not None or '"' in header_line:
        return None
    form += ", tab-separated" if delimiter == "\t" else ""
    grid = sheets.Grid(((header_row, header_split[0]),), {}, None, form)
    table = data.table_of(name, grid, kind.required(vocabulary), kind.optional, options)
    if kind is _CLAIMS:
        table = data.needed_columns(table, vocabulary.needed_columns)
    header = table.header
    if table.errors or any(column.startswith(_MINE) for column in header):
        return None  # the row reader reports the header's problems, with every row it read
    body = body.slice(1).rename({"row": ROW, "line": LINE})
    # a chunk of lines at a time: a line's cells and checks are several times the size of its text
    typed = pl.concat([kind.typed(_cells(body.slice(start, CHUNK), header, delimiter), header, vocabulary, options)
                       .collect() for start in range(0, max(body.height, 1), CHUNK)])  # no rows: one empty chunk
    careful = pl.col(ODD) | pl.col(DOUBT)
    if kind.unique is not None:
        careful = careful | _maybe_repeated(typed[kind.unique].str.strip_chars())
    careful_rows = set(typed.filter(careful)[ROW].to_list())
    while True:  # the rows read one by one, until no plain row repeats an identifier one of them registered
        raws = _raw_rows(name, header, delimiter, body.filter(pl.col(ROW).is_in(list(careful_rows))))
        counts: Counter = Counter()
        first_row: dict[str, int] = {}
        records, good_rows, errors = kind.read_rows(name, raws, vocabulary, options, first_row, counts)
        if kind.unique is None:
            break
        repeats = typed.filter(~pl.col(ROW).is_in(list(careful_rows)) & pl.col(kind.unique).is_in(list(first_row)))
        if repeats.height == 0:
            break
        careful_rows |= set(repeats[ROW].to_list())
    plain = typed.filter(~pl.col(ROW).is_in(list(careful_rows))) if careful_rows else typed
    del typed  # a year's typed lines: held once
    plain = plain.rename({ROW: "row"}).select(list(kind.schema))
    frame = plain.merge_sorted(kind.frame_of(records, good_rows), key="row") if records else plain
    blank = careful_rows - {raw.row for raw in raws}  # lines only the row reader sees as blank (\x1c …): no rows
    numbers = body.filter(~pl.col(ROW).is_in(list(blank)))[ROW].rename("row")
    line_table = LineTable(name, header, tuple(raws), (), form, table.warnings, table.converted, numbers=numbers,
                           delimiter=delimiter, signature=signature)
    return Columns(line_table, (), tuple(errors), (), dict(counts), frame=frame)


def _maybe_repeated(values: pl.Series) -> pl.Expr:
    """Whether a row's value may be another row's too: its hash is another's. Sorting a year's hashes is many
    times faster than finding the repeated texts, and a rare collision only sends two rows to the row reader."""
    hashes = values.hash(seed=0).sort()
    repeated = hashes.filter(hashes == hashes.shift(1))
    return pl.lit(values.hash(seed=0)).is_in(repeated.implode())


CHUNK = 500_000  # lines typed at once
# the reader's own columns beside the file's (a file column named so is read by the row reader)
_MINE = "__aidlang_"
ROW, LINE, ODD, DOUBT = (f"{_MINE}{name}" for name in ("row", "line", "odd", "doubt"))


def _raw_rows(name: str, header: tuple[str, ...], delimiter: str, lines: pl.DataFrame) -> list[data.RawRow]:
    found = (_raw_row(name, header, delimiter, row, line) for row, line in lines.select(ROW, LINE).iter_rows())
    return [raw for raw in found if raw is not None]


def _raw_row(name: str, header: tuple[str, ...], delimiter: str, row: int, line: str) -> data.RawRow | None:
    """A line as the row reader splits it, or None for a line it sees as blank (no row)."""
    split = sheets.split_line(row, line, delimiter)
    return None if split is None else data.raw_row(name, header, row, *split)


def _cells(body: pl.DataFrame, header: tuple[str, ...], delimiter: str) -> pl.LazyFrame:
    """Each line's cells by column, and ODD: the line must be split by the row reader (a quote, a control
    character, a stray tab, a space at a cell's edge, a long line, more or fewer cells than the header). The
    cells are made at once (a query that typed them too would split each line again per column), then typed
    by a lazy query: its columns in parallel."""
    line = pl.col(LINE)
    escaped = "\\t" if delimiter == "\t" else delimiter
    space = r"[\s&&[^\t]]" if delimiter == "\t" else r"\s"
    # one pattern for a quote, a control character, a tab in a comma-separated file, a space at a cell's edge
    stray = sheets.control_class(rust=True)[1:-1] + '"' + ("\\t" if delimiter != "\t" else "")
    odd = (line.str.contains(f"[{stray}]|(^|{escaped}){space}|{space}({escaped}|$)")
           | (line.str.len_chars() > sheets.MAX_CELL)
           | (line.str.count_matches(delimiter, literal=True) != len(header) - 1))
    fields = line.str.split(delimiter)
    return body.lazy().select(ROW, LINE, *(fields.list.get(position, null_on_oob=True).alias(column)
                                            for position, column in enumerate(header)), odd.alias(ODD)).collect().lazy()


_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_AMOUNT = r"^[0-9]{1,15}(\.[0-9]{1,2})?$"


def _typed_claims(cells: pl.LazyFrame, header: tuple[str, ...], vocabulary: data.Vocabulary,
                  options: data.ReadOptions) -> pl.LazyFrame:
    """The lines' values as CLAIM_SCHEMA's columns (but ROW for `row`), ODD, and DOUBT: a value `_QuickClaims`
    would not read as it stands (the row reader then decides)."""
    cell = _cell_of(header)
    visits = {text: vocabulary.visit_type(text) for text in _distinct(cells, "visit_type")}
    visit = cell("visit_type").replace_strict(visits, default=None, return_dtype=pl.String)
    discharge, discharge_ok = _date(cell("discharge_date"))
    admission, admission_ok = _date(cell("admission_date"))
    admission_given = cell("admission_date") != ""
    cost, cost_ok = _fen(cell("policy_scope_cost"))
    basic, basic_ok = _paid(cell("basic_paid"), "basic_paid" in vocabulary.required_amounts)
    critical, critical_ok = _paid(cell("critical_paid"), "critical_paid" in vocabulary.required_amounts)
    typed = cells.select(
        ROW, ODD, claim_id=cell("claim_id"), person_id=cell("person_id"), visit_type=visit,
        admission_date=pl.when(admission_given).then(admission).otherwise(discharge), discharge_date=discharge,
        policy_scope_cost=cost, basic_paid=basic, critical_paid=critical, referred=_plain_bool(cell("referred")),
        in_province=_plain_bool(cell("in_province")), disease=_text_or_none(cell("disease")),
        institution_level=_text_or_none(cell("institution_level")),
        ok=(cell("claim_id") != "") & (cell("person_id") != "") & discharge_ok
        & (admission_ok | ~admission_given) & cost_ok & basic_ok & critical_ok)
    paid = pl.col("basic_paid").fill_null(0) + pl.col("critical_paid").fill_null(0)
    doubt = (~pl.col("ok") | pl.col("visit_type").is_null() | (pl.col("discharge_date") < pl.col("admission_date"))
             | (pl.col("policy_scope_cost") > options.max_amount) | (paid > pl.col("policy_scope_cost"))
             | pl.col("referred").is_null() | pl.col("in_province").is_null())
    return typed.with_columns(doubt.fill_null(True).alias(DOUBT)).drop("ok")


def _date(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """A date written exactly YYYY-MM-DD (year 0001 on, as Python's), and whether it is one."""
    day = text.str.to_date("%Y-%m-%d", strict=False)
    return day, (text.str.contains(_DATE) & ~text.str.starts_with("0000") & day.is_not_null()).fill_null(False)


def _fen(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """A plain amount (`123`, `123.4`, `123.45` in ASCII digits) in fen, and whether it is one."""
    ok = text.str.contains(_AMOUNT).fill_null(False)
    # a decimal of scale 2 holds the pattern's 15 + 2 digits exactly, and its integer is the amount in fen
    fen = text.cast(pl.Decimal(17, 2), strict=False).to_physical().cast(pl.Int64)
    return pl.when(ok).then(fen), ok


def _paid(text: pl.Expr, required: bool) -> tuple[pl.Expr, pl.Expr]:
    """An insurance amount: fen, null for an empty cell the policy computes; and whether it is read so."""
    fen, ok = _fen(text)
    empty = text == ""
    return pl.when(empty).then(None).otherwise(fen), (pl.lit(not required) & empty) | ok


def _plain_bool(text: pl.Expr) -> pl.Expr:
    return text.replace_strict(data.PLAIN_BOOLS, default=None, return_dtype=pl.Boolean)


def _text_or_none(text: pl.Expr) -> pl.Expr:
    return pl.when(text != "").then(text)


def _typed_identities(cells: pl.LazyFrame, header: tuple[str, ...], vocabulary: data.Vocabulary,
                      options: data.ReadOptions) -> pl.LazyFrame:
    """As `_typed_claims`, for identities.csv: a known category, a start date, an end date not before it."""
    cell = _cell_of(header)
    names = {text: vocabulary.category(text) for text in _distinct(cells, "category")}
    start, start_ok = _date(cell("start"))
    end, end_ok = _date(cell("end"))
    end_given = cell("end") != ""
    typed = cells.select(ROW, ODD, person_id=cell("person_id"),
                         category=cell("category").replace_strict(names, default=None, return_dtype=pl.String),
                         start=start, end=pl.when(end_given).then(end),
                         ok=(cell("person_id") != "") & start_ok & (end_ok | ~end_given))
    doubt = ~pl.col("ok") | pl.col("category").is_null() | (pl.col("end") < pl.col("start")).fill_null(False)
    return typed.with_columns(doubt.fill_null(True).alias(DOUBT)).drop("ok")


def _typed_persons(cells: pl.LazyFrame, header: tuple[str, ...], vocabulary: data.Vocabulary,
                   options: data.ReadOptions) -> pl.LazyFrame:
    """As `_typed_claims`, for persons.csv: 男/女, a birth date, a grade 1–4 and a class A/B/C or empty, plain
    incomes within the ceiling or empty."""
    cell = _cell_of(header)
    birth, birth_ok = _date(cell("birth_date"))
    monthly, monthly_ok = _fen(cell("family_monthly_income_per_capita"))
    annual, annual_ok = _fen(cell("family_annual_income"))

    def optional(text: pl.Expr, value: pl.Expr, ok: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        return pl.when(text != "").then(value), (text == "") | ok

    grades = {text: number for text, number in data.GRADES.items()}
    grade, grade_ok = optional(cell("disability_grade"), cell("disability_grade").replace_strict(
        grades, default=None, return_dtype=pl.Int64), cell("disability_grade").is_in(list(grades)))
    dibao, dibao_ok = optional(cell("dibao_class"), cell("dibao_class"), cell("dibao_class").is_in(data.DIBAO_CLASSES))
    monthly, monthly_ok = optional(cell("family_monthly_income_per_capita"), monthly, monthly_ok)
    annual, annual_ok = optional(cell("family_annual_income"), annual, annual_ok)
    typed = cells.select(
        ROW, ODD, person_id=cell("person_id"), gender=cell("gender"), birth_date=birth, disability_grade=grade,
        dibao_class=dibao, family_monthly_income_per_capita=monthly, family_annual_income=annual,
        ok=(cell("person_id") != "") & cell("gender").is_in(data.GENDERS) & birth_ok & grade_ok & dibao_ok
        & monthly_ok & annual_ok)
    above = ((pl.col("family_monthly_income_per_capita") > options.max_amount).fill_null(False)
             | (pl.col("family_annual_income") > options.max_amount).fill_null(False))
    return typed.with_columns((~pl.col("ok") | above).fill_null(True).alias(DOUBT)).drop("ok")


def _distinct(cells: pl.LazyFrame, column: str) -> list[str]:
    """The distinct texts of a column of cells (a few: visit types, category names)."""
    return cells.select(pl.col(column).unique().drop_nulls()).collect()[column].to_list()


def _cell_of(header: tuple[str, ...]) -> Callable[[str], pl.Expr]:
    """A column's cells as text (a column the file does not have: empty, as the row reader reads it)."""
    def cell(column: str) -> pl.Expr:
        return pl.col(column).fill_null("") if column in header else pl.lit("")

    return cell


def _claims_of_rows(name, raws, vocabulary, options, first_row, counts) -> tuple[list, list[int], list]:
    claims, errors = data.claims_of_rows(name, raws, vocabulary, options, first_row, counts)
    return claims, [claim.row for claim in claims], errors


def _identities_of_rows(name, raws, vocabulary, options, first_row, counts) -> tuple[list, list[int], list]:
    return data.identities_of_rows(name, raws, vocabulary, options, counts)


_CLAIMS = _Kind(data.claim_columns, data.CLAIM_OPTIONAL, data.read_claims, _claims_of_rows,
                lambda claims, rows: claims_frame(claims), _typed_claims, CLAIM_SCHEMA, unique="claim_id")
_IDENTITIES = _Kind(lambda vocabulary: data.IDENTITY_COLUMNS, (), data.read_identities, _identities_of_rows,
                    identities_frame, _typed_identities, IDENTITY_SCHEMA)

def _persons_of_rows(name, raws, vocabulary, options, first_row, counts) -> tuple[list, list[int], list]:
    return data.persons_of_rows(name, raws, options, first_row, counts)


_PERSONS = _Kind(lambda vocabulary: data.PERSON_COLUMNS, (), lambda path, vocabulary, options: data.read_persons(
    path, options), _persons_of_rows, persons_frame, _typed_persons, PERSON_SCHEMA, unique="person_id")
