"""claims, identities and persons files straight into columns (polars), for the batch engine: the same rows,
values, problems and counts as `data.read_claims`, `read_identities` and `read_persons`, without a Python object
per good row.

A file's body becomes text cells as columns, in one of two ways:
- a UTF-8 CSV file is read as lines by polars and split at the delimiter; a line with a quote, a control
  character, a stray tab, a space at a cell's edge or the wrong count of cells is ODD (`_cells`);
- a Parquet file is read once by polars, and each column made the text `sheets.parquet_column` makes of it by one
  column expression (`_parquet_text`): String, Categorical and Enum stripped; integers, decimals, dates, times and
  booleans as polars casts them; Null empty. A row with a text cell the row reader looks at (a control character,
  a tab, over `sheets.MAX_CELL`) is ODD.
Then both share everything (`_read_cells`): the cells are typed by column expressions, each value as `_QuickClaims`
reads it without doubt (dates exactly YYYY-MM-DD, amounts in ASCII digits with at most two decimals, a known visit
type, `true`/`false`, a claim_id no other row has); every other row is ODD or in DOUBT and goes through the row
reader (`data.raw_row`, `data.claims_of_rows` …), which gives it the value or the message it always did. A plain
row is read to exactly the value the row reader would give it (tests/test_columnar.py and
tests/test_parquet_columns.py compare the two on hostile files), so which way a row went changes nothing.

What is read by `data.read_claims` (…) and its records made columns — slower, the same: CSV the lines cannot be
read as (another encoding, a workbook, a stray carriage return or unit separator, a header that is not plain);
a Parquet file with a column of another dtype (float — its 15 significant digits are made in Python —, datetime,
binary, duration, lists, structs), a damaged one, or one whose header has a problem.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import mmap
import operator
import re
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol, Sequence

import attrs
import numpy as np
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
class NumberedTable(data.Table):
    """A table whose body rows are not held as records: `rows` holds only the rows read one by one (the careful
    ones), `numbers` every body row's number. A row is repeated as written (`raws`, for the rejects file) by
    reading it from the file again — a year's rows are not held for the few a run rejects — and only from the
    file as it was read (`signature`: its size and modification time; a file changed since is an error, never
    other text)."""

    numbers: pl.Series = attrs.field(factory=pl.Series, kw_only=True)
    signature: tuple[int, int] = attrs.field(default=(0, 0), kw_only=True)

    def row_numbers(self) -> list[int]:
        return self.numbers.to_list()

    def row_count(self) -> int:
        return self.numbers.len()

    def rows_with(self, column: str, values: set[str]) -> list[int]:
        if not values:
            return []
        if column not in self.header:  # every row's cell is empty, as the row reader reads a missing column
            return self.row_numbers() if "" in values else []
        return self._rows_with(_last_position(self.header, column), column, values)

    def _rows_with(self, position: int, column: str, values: set[str]) -> list[int]:
        """`rows_with` of a column the header has, at `position`."""
        raise NotImplementedError

    def _unchanged(self) -> None:
        if _signature(self.path) != self.signature:
            raise data.FileChanged(self.path)


@attrs.frozen
class LineTable(NumberedTable):
    """A table read as lines: a row is repeated by reading its line again and splitting it as the row reader
    does."""

    delimiter: str = attrs.field(default=",", kw_only=True)

    def raws(self, numbers: Iterable[int]) -> dict[int, data.RawRow]:
        wanted = set(numbers)
        if not wanted:
            return {}
        lines = self._lines(pl.col("row").is_in(sorted(wanted)))
        return {row: self._raw(row, line) for row, line in lines.iter_rows()}

    def _rows_with(self, position: int, column: str, values: set[str]) -> list[int]:
        field = pl.col("line").str.split(self.delimiter).list.get(position, null_on_oob=True)
        field = field.str.strip_chars().fill_null("")  # a short row's missing cell is empty, as `data.raw_row` pads it
        # a quoted line is split otherwise, and Python strips separators (\x1c …) that polars leaves: read again
        again = pl.col("line").str.contains(f'"|{sheets.control_class(rust=True)}')
        candidates = self._lines(field.is_in(sorted(values)) | again)
        return [row for row, line in candidates.iter_rows() if self._raw(row, line).values.get(column, "") in values]

    def _lines(self, which: pl.Expr) -> pl.DataFrame:
        """The body lines (row, line) that `which` selects, read from the file again (lazily: only they are
        held)."""
        self._unchanged()
        scan = pl.scan_csv(self.path, has_header=False, separator=_UNIT_SEPARATOR.decode(), quote_char=None,
                           infer_schema=False, new_columns=["line"], encoding="utf8")
        found = scan.with_row_index("row", offset=1).filter(which).collect()
        found = found.with_columns(pl.col("row").cast(pl.Int64))
        return found.filter(pl.col("row").is_in(self.numbers.implode())).select("row", "line")

    def _raw(self, row: int, line: str) -> data.RawRow:
        raw = _raw_row(self.path, self.header, self.delimiter, row, line)
        assert raw is not None, "a blank line is no row of `numbers`"
        return raw


@attrs.frozen
class ParquetTable(NumberedTable):
    """A table read from a Parquet file's columns: a row is repeated by reading that row of the file again and
    making its cells as the row reader makes them (`sheets.parquet_column`). `columns`: the file's own column
    names, in the header's order (the header holds the contract's names)."""

    columns: tuple[str, ...] = attrs.field(default=(), kw_only=True)

    def raws(self, numbers: Iterable[int]) -> dict[int, data.RawRow]:
        wanted = sorted(set(numbers))
        if not wanted:
            return {}
        return self._raws(lambda schema: pl.col(ROW).is_in(wanted))

    def _rows_with(self, position: int, column: str, values: set[str]) -> list[int]:
        name = self.columns[position]

        def candidates(schema: pl.Schema) -> pl.Expr:
            """The rows whose text is one of `values`, and those whose text Python may strip otherwise."""
            text = _parquet_text(pl.col(name), schema[name])
            assert text is not None, "the file was read as columns: every column's text is an expression"
            return text.is_in(sorted(values)) | _parquet_odd(pl.col(name), schema[name])

        return [row for row, raw in self._raws(candidates).items() if raw.values.get(column, "") in values]

    def _raws(self, which: Callable[[pl.Schema], pl.Expr]) -> dict[int, data.RawRow]:
        """The rows `which` selects (given the file's schema), read from the file again (only they are held)."""
        self._unchanged()
        scan = pl.scan_parquet(self.path).with_row_index(ROW, offset=2)
        found = scan.filter(which(scan.collect_schema())).collect()
        rows = found[ROW].cast(pl.Int64).to_list()
        return {raw.row: raw for raw in _parquet_raws(self.path, self.header, rows, found.drop(ROW))}


def _last_position(header: tuple[str, ...], column: str) -> int:
    """Where a column's cell is: the last of a name given twice (only the empty name may be), as `data.raw_row`
    keeps it."""
    return len(header) - 1 - header[::-1].index(column)


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
        read = pl.DataFrame({"row": self.table.numbers if isinstance(self.table, NumberedTable)
                             else pl.Series(self.table.row_numbers(), dtype=pl.Int64)})
        bad = pl.DataFrame({"row": pl.Series(sorted(self.row_errors()), dtype=pl.Int64)})
        good = self.frame.select("row")
        # the rows read once each, good or bad: their numbers together are the table's (sorting them is a
        # fraction of the joins below, which say which rows are not)
        if pl.concat([good["row"], bad["row"]]).sort().equals(read["row"].sort(), check_names=False):
            return []
        both = good.join(bad, on="row", how="semi")
        neither = read.join(good, on="row", how="anti").join(bad, on="row", how="anti")
        return sorted(both["row"].to_list() + neither["row"].to_list())


@attrs.frozen
class _Kind:
    """What the reading of one kind of file as columns needs to know: its columns, how the row reader reads
    it (a whole file, or some of its rows), how its text cells become typed columns, and the column whose
    repeats the row reader refuses across rows."""

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
    make_source = _parquet_source if _is_parquet(path) else _line_source
    source = make_source(str(path), vocabulary, options, kind, signature)
    if source is not None:
        return _read_cells(source, vocabulary, options, kind)
    loaded = kind.read_file(path, vocabulary, options)
    return Columns(loaded.table, (), loaded.errors, (), loaded.normalised,
                   frame=kind.frame_of(loaded.records, loaded.good_rows))


class _Source(Protocol):
    """A file whose header is read (`table`: no errors) and whose body can be made text cells as columns: the
    CSV's lines (`_LineSource`) or a Parquet file's columns (`_ParquetSource`)."""

    @property
    def table(self) -> data.Table:
        """The file's header, read as the row reader reads it (no errors)."""

    @property
    def height(self) -> int:
        """How many body rows the cells have (CSV: the lines that are not blank to polars)."""

    @property
    def rows(self) -> pl.Series:
        """Those rows' numbers, in file order."""

    def cells(self, start: int, length: int) -> pl.LazyFrame:
        """Rows start … start + length as ROW, ODD (the row reader must make its cells) and the text cells of
        the header's columns the typing reads, by their contract names."""

    def raw_rows(self, rows: list[int]) -> list[data.RawRow]:
        """These rows (sorted) as the row reader makes them; a row it sees as blank is no row (left out)."""

    def numbered(self, raws: tuple[data.RawRow, ...], numbers: pl.Series) -> NumberedTable:
        """The table of the file read: the careful rows, every row's number."""


def _read_cells(source: _Source, vocabulary: data.Vocabulary, options: data.ReadOptions, kind: _Kind) -> Columns:
    """Everything after a file's cells are made, for CSV lines and Parquet columns alike: the cells typed by
    column expressions a chunk at a time (a chunk's cells and checks are several times the size of its text),
    and every row that is odd, in doubt or may repeat an identifier read by the row reader (`kind.read_rows`)."""
    header = source.table.header
    # two chunks at a time, side by side: a chunk's cells are split and checked by a pattern on one core
    size = CHUNK if source.height > 2 * CHUNK else max(-(-source.height // 2), SIDE_BY_SIDE_ROWS)

    def typed_chunk(start: int) -> pl.DataFrame:
        return kind.typed(source.cells(start, size), header, vocabulary, options).collect()

    with ThreadPoolExecutor(max_workers=2) as pool:
        typed = pl.concat(list(pool.map(typed_chunk, range(0, max(source.height, 1), size))))  # no rows: one chunk
    careful = pl.col(ODD) | pl.col(DOUBT)
    if kind.unique is not None:
        careful = careful | _maybe_repeated(typed[kind.unique].str.strip_chars())
    careful_rows = set(typed.filter(careful)[ROW].to_list())
    while True:  # the rows read one by one, until no plain row repeats an identifier one of them registered
        raws = source.raw_rows(sorted(careful_rows))
        counts: Counter = Counter()
        first_row: dict[str, int] = {}
        records, good_rows, errors = kind.read_rows(source.table.path, raws, vocabulary, options, first_row, counts)
        if kind.unique is None:
            break
        repeats = typed.filter(~pl.col(ROW).is_in(list(careful_rows)) & pl.col(kind.unique).is_in(list(first_row)))
        if repeats.height == 0:
            break
        careful_rows |= set(repeats[ROW].to_list())
    plain = typed.filter(~pl.col(ROW).is_in(list(careful_rows))) if careful_rows else typed
    del typed  # a year's typed rows: held once
    plain = plain.rename({ROW: "row"}).select(list(kind.schema))
    frame = plain.merge_sorted(kind.frame_of(records, good_rows), key="row") if records else plain
    blank = careful_rows - {raw.row for raw in raws}  # lines only the row reader sees as blank (\x1c …): no rows
    numbers = source.rows.filter(~source.rows.is_in(list(blank)))
    return Columns(source.numbered(tuple(raws), numbers), (), tuple(errors), (), dict(counts), frame=frame)


def _maybe_repeated(values: pl.Series) -> pl.Expr:
    """Whether a row's value may be another row's too: its hash is another's. Sorting a year's hashes is many
    times faster than finding the repeated texts, and a rare collision only sends two rows to the row reader."""
    hashes = values.hash(seed=0).sort()
    repeated = hashes.filter(hashes == hashes.shift(1))
    return pl.lit(values.hash(seed=0)).is_in(repeated.implode())


CHUNK = 500_000  # rows typed at once, at most
SIDE_BY_SIDE_ROWS = 100_000  # rows typed at once, at least: a file of more is typed in two chunks side by side
# the reader's own columns beside the file's (a file column named so is read by the row reader)
_MINE = "__aidlang_"
ROW, LINE, ODD, DOUBT = (f"{_MINE}{name}" for name in ("row", "line", "odd", "doubt"))


def _header_table(name: str, grid: sheets.Grid, vocabulary: data.Vocabulary, options: data.ReadOptions,
                  kind: _Kind) -> data.Table | None:
    """The table of a file's header row (as the row reader makes it), or None when the header has a problem:
    the row reader reports it, with every row it read."""
    table = data.table_of(name, grid, kind.required(vocabulary), kind.optional, options)
    if kind is _CLAIMS:
        table = data.needed_columns(table, vocabulary.needed_columns)
    if table.errors or any(column.startswith(_MINE) for column in table.header):
        return None
    return table


def _typed_columns(header: tuple[str, ...], vocabulary: data.Vocabulary, kind: _Kind) -> tuple[tuple[int, str], ...]:
    """The positions and names of the header's columns the typing reads: an extra column is never typed (and
    extra columns may share a name, an empty one)."""
    known = set(kind.required(vocabulary)) | set(kind.optional)
    return tuple((position, column) for position, column in enumerate(header) if column in known)


# ---------------------------------------------------------------- CSV lines

def _line_source(name: str, vocabulary: data.Vocabulary, options: data.ReadOptions, kind: _Kind,
                 signature: tuple[int, int]) -> _LineSource | None:
    """The file's lines with its header read, or None when they cannot be read exactly (`_lines`) or the header
    is not plain (a quote, a control character, a wrong column)."""
    lines = _lines_ahead(name, options, signature)
    if lines is None:
        return None
    body = lines[0].filter(pl.col("line").str.contains(r"\S").fill_null(False))  # not blank (strip() leaves text)
    if body.height == 0:
        return None
    header_row, header_line = body.row(0)
    delimiter = sheets.sniff_delimiter(header_line)
    header_split = sheets.split_line(header_row, header_line, delimiter)
    if header_split is None or header_split[1] is not None or '"' in header_line:
        return None
    form = lines[1] + (", tab-separated" if delimiter == "\t" else "")
    table = _header_table(name, sheets.Grid(((header_row, header_split[0]),), {}, None, form), vocabulary, options,
                          kind)
    if table is None:
        return None
    return _LineSource(table, _typed_columns(table.header, vocabulary, kind),
                       body.slice(1).rename({"row": ROW, "line": LINE}), delimiter, signature)


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
            # a UTF-8 the user named is that name, as the row reader names it (`sheets._decode_forced`)
            form = (options.encoding.upper() if options.encoding
                    else "UTF-8 (BOM)" if raw[:3] == codecs.BOM_UTF8 else "UTF-8")
            if (raw.find(_UNIT_SEPARATOR) >= 0 or raw.find(b"\x00") >= 0  # NULs: UTF-16 without a BOM, or broken
                    or (raw.find(b"\r") >= 0 and _LONE_CR.search(raw) is not None)):
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


@contextlib.contextmanager
def read_ahead(paths: Iterable[str | Path | None], encoding: str | None) -> Iterator[None]:
    """Within the block, polars reads these files' lines in a thread, which needs the interpreter's lock only
    between its calls: while the policy is parsed and checked (Python), a year of claims is read on the other
    core. A file's lines are taken from there when it is unchanged since (`_lines_ahead`)."""
    options = data.ReadOptions(encoding=encoding)
    wanted = [str(path) for path in paths if path]
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        for path in wanted:
            _AHEAD[path] = (encoding, pool.submit(_signed_lines, path, options))
        yield
    finally:
        for path in wanted:
            _AHEAD.pop(path, None)
        pool.shutdown(wait=False, cancel_futures=True)  # a run that stops early does not wait for them


_AHEAD: dict[str, tuple[str | None, Future]] = {}  # path → (encoding, its signature and lines): `read_ahead`'s


def _signed_lines(path: str, options: data.ReadOptions
                  ) -> tuple[tuple[int, int] | None, tuple[pl.DataFrame, str] | None]:
    try:
        signature: tuple[int, int] | None = _signature(path)
    except OSError:
        signature = None
    return signature, _lines(path, options)


def _lines_ahead(path: str, options: data.ReadOptions, signature: tuple[int, int]) -> tuple[pl.DataFrame, str] | None:
    """`_lines`, read ahead when they were (for the same encoding, of the file as it is now)."""
    ahead = _AHEAD.pop(path, None)
    if ahead is not None and ahead[0] == options.encoding:
        read_signature, lines = ahead[1].result()
        if read_signature == signature:
            return lines
    return _lines(path, options)


_LONE_CR = re.compile(rb"\r(?!\n)")
_UNIT_SEPARATOR = b"\x1f"  # polars splits each line at it, so that a line is one field (a control character:
#                            the row reader would refuse any line holding it)


@attrs.frozen
class _LineSource:
    """A UTF-8 CSV file's body lines (ROW, LINE: not blank to polars), split into cells by column expressions."""

    table: data.Table
    columns: tuple[tuple[int, str], ...]  # (position, name) of the columns typed
    body: pl.DataFrame
    delimiter: str
    signature: tuple[int, int]

    @property
    def height(self) -> int:
        return self.body.height

    @property
    def rows(self) -> pl.Series:
        return self.body[ROW].rename("row")

    def cells(self, start: int, length: int) -> pl.LazyFrame:
        return _cells(self.body.slice(start, length), len(self.table.header), self.columns, self.delimiter)

    def raw_rows(self, rows: list[int]) -> list[data.RawRow]:
        lines = self.body.filter(pl.col(ROW).is_in(rows))
        return _raw_rows(self.table.path, self.table.header, self.delimiter, lines)

    def numbered(self, raws: tuple[data.RawRow, ...], numbers: pl.Series) -> NumberedTable:
        table = self.table
        return LineTable(table.path, table.header, raws, (), table.form, table.warnings, table.converted,
                         numbers=numbers, delimiter=self.delimiter, signature=self.signature)


def _raw_rows(name: str, header: tuple[str, ...], delimiter: str, lines: pl.DataFrame) -> list[data.RawRow]:
    found = (_raw_row(name, header, delimiter, row, line) for row, line in lines.select(ROW, LINE).iter_rows())
    return [raw for raw in found if raw is not None]


def _raw_row(name: str, header: tuple[str, ...], delimiter: str, row: int, line: str) -> data.RawRow | None:
    """A line as the row reader splits it, or None for a line it sees as blank (no row)."""
    split = sheets.split_line(row, line, delimiter)
    return None if split is None else data.raw_row(name, header, row, *split)


def _cells(body: pl.DataFrame, width: int, columns: tuple[tuple[int, str], ...], delimiter: str) -> pl.LazyFrame:
    """Each line's cells of `columns`, and ODD: the line must be split by the row reader (a quote, a control
    character, a stray tab, a space at a cell's edge, a long line, other than `width` cells). The cells are made
    at once (a query that typed them too would split each line again per column), then typed by a lazy query:
    its columns in parallel."""
    line = pl.col(LINE)
    escaped = "\\t" if delimiter == "\t" else delimiter
    space = r"[\s&&[^\t]]" if delimiter == "\t" else r"\s"
    # one pattern for a quote, a control character, a tab in a comma-separated file, a space at a cell's edge
    stray = sheets.control_class(rust=True)[1:-1] + '"' + ("\\t" if delimiter != "\t" else "")
    fields = line.str.split(delimiter)  # n delimiters make n + 1 fields (counting them anew costs more)
    odd = (line.str.contains(f"[{stray}]|(^|{escaped}){space}|{space}({escaped}|$)")
           | (line.str.len_chars() > sheets.MAX_CELL) | (fields.list.len() != width))
    return body.lazy().select(ROW, *(fields.list.get(position, null_on_oob=True).alias(column)
                                     for position, column in columns), odd.alias(ODD)).collect().lazy()


# ---------------------------------------------------------------- Parquet columns

def _is_parquet(path: str | Path) -> bool:
    """Whether the row reader reads the file as Parquet (`sheets.read_grid`: a workbook's magic decides first)."""
    try:
        with open(path, "rb") as file:
            start = file.read(4)
    except OSError:
        return False
    return not start.startswith(sheets.WORKBOOK_MAGIC) and (
        start.startswith(sheets.PARQUET_MAGIC) or str(path).lower().endswith(sheets.PARQUET_SUFFIX))


def _parquet_source(name: str, vocabulary: data.Vocabulary, options: data.ReadOptions, kind: _Kind,
                    signature: tuple[int, int]) -> _ParquetSource | None:
    """The file's columns with its header read, or None for what the row reader reads: a damaged file, a column
    whose text is made in Python (`_parquet_text`), a header with a problem."""
    try:
        frame = pl.read_parquet(name)
    except Exception:  # noqa: BLE001 — polars raises its own errors for a damaged file: the row reader names it
        return None
    if any(_parquet_text(pl.col(column), dtype) is None for column, dtype in frame.schema.items()):
        return None
    header, problems = sheets.parquet_header(frame.columns)
    table = _header_table(name, sheets.Grid(((1, header),), problems, None, "Parquet"), vocabulary, options, kind)
    if table is None:
        return None
    return _ParquetSource(table, _typed_columns(table.header, vocabulary, kind), frame, signature)


def _parquet_text(column: pl.Expr, dtype: pl.DataType) -> pl.Expr | None:
    """The text cells `sheets.parquet_column` makes of a column of this dtype, as one column expression: text
    (String, Categorical, Enum) stripped — Python's strip and polars' differ only on control characters, whose
    rows are ODD —, integers, decimals, dates, times and booleans as polars casts them (the cast the row reader
    makes), Null empty. None for a dtype the row reader makes text of in Python (a float at 15 significant
    digits, a timestamp, binary, a duration) or refuses (lists, structs): such a file is read by the row reader."""
    if _is_text(dtype):
        return column.cast(pl.String).str.strip_chars().fill_null("")
    if dtype == pl.Null or dtype.is_integer() or dtype.is_decimal() or dtype in (pl.Date, pl.Time, pl.Boolean):
        return column.cast(pl.String).fill_null("")
    return None


def _is_text(dtype: pl.DataType) -> bool:
    return dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)


def _parquet_odd(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Whether the row reader looks at a cell of this column (`sheets._text_cells`: a control character, a tab,
    a cell too long), so that the row's cells are made by it."""
    if not _is_text(dtype):
        return pl.lit(False)
    text = column.cast(pl.String)
    odd = (text.str.contains(sheets.control_class(rust=True)) | text.str.contains("\t", literal=True)
           | (text.str.len_chars() > sheets.MAX_CELL))
    return odd.fill_null(False)


@attrs.frozen
class _ParquetSource:
    """A Parquet file's columns, read once; a row's text cells made by column expressions (`_parquet_text`)."""

    table: data.Table
    columns: tuple[tuple[int, str], ...]  # (position, name) of the columns typed
    frame: pl.DataFrame
    signature: tuple[int, int]

    @property
    def height(self) -> int:
        return self.frame.height

    @property
    def rows(self) -> pl.Series:
        return pl.Series("row", range(2, self.frame.height + 2), dtype=pl.Int64)  # as sheets.read_parquet numbers

    def cells(self, start: int, length: int) -> pl.LazyFrame:
        schema = self.frame.schema
        names = self.frame.columns
        texts = [_text_of(pl.col(names[position]), schema[names[position]]).alias(column)
                 for position, column in self.columns]
        odd = functools.reduce(operator.or_, (_parquet_odd(pl.col(name), schema[name]) for name in names),
                               pl.lit(False))
        row = (pl.int_range(pl.len(), dtype=pl.Int64) + (start + 2)).alias(ROW)
        return self.frame.slice(start, length).lazy().select(row, *texts, odd.alias(ODD)).collect().lazy()

    def raw_rows(self, rows: list[int]) -> list[data.RawRow]:
        return _parquet_raws(self.table.path, self.table.header, rows, self.frame[[row - 2 for row in rows]])

    def numbered(self, raws: tuple[data.RawRow, ...], numbers: pl.Series) -> NumberedTable:
        table = self.table
        return ParquetTable(table.path, table.header, raws, (), table.form, table.warnings, table.converted,
                            numbers=numbers, signature=self.signature, columns=tuple(self.frame.columns))


def _text_of(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    text = _parquet_text(column, dtype)
    assert text is not None, "a file with a column of another dtype is read by the row reader"
    return text


def _parquet_raws(name: str, header: tuple[str, ...], rows: list[int], frame: pl.DataFrame) -> list[data.RawRow]:
    """These rows of a Parquet file (`frame`: their values, in the file's columns) as the row reader makes them:
    the cells by `sheets.parquet_column` itself, numbered as `sheets.read_parquet` numbers them."""
    problems: dict[int, sheets.Problem] = {}
    columns = []
    for index, column in enumerate(frame.columns):
        cells = sheets.parquet_column(frame.get_column(column), index, problems, Counter(), rows)
        assert not isinstance(cells, sheets.Problem), "a file with a column of lists is read by the row reader"
        columns.append(cells)
    return [data.raw_row(name, header, row, cells, problems.get(row))
            for row, cells in zip(rows, zip(*columns, strict=True), strict=True)]


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


def positions_in_order(keys: pl.Series) -> pl.Series:
    """The positions of the rows in the order of their keys (`_placed_in_order` where it can, else a sort)."""
    found = _placed_in_order(keys)
    return keys.arg_sort() if found is None else found


def _placed_in_order(keys: pl.Series) -> pl.Series | None:
    """The positions of the rows in the order of their keys, where the keys are distinct row numbers (small
    non-negative integers, a few missing): each position put at its number, which takes a tenth of a sort. None
    for other keys (two rows sharing a number, numbers far apart or negative)."""
    count = keys.len()
    if count and keys.dtype.is_integer() and keys.null_count() == 0:
        low, high = int(keys.min()), int(keys.max())  # type: ignore[arg-type]  # an integer column's
        if 0 <= low and high < 2 * count:
            slots = placed(keys, pl.int_range(count, dtype=pl.Int64, eager=True),
                           pl.repeat(-1, high + 1, dtype=pl.Int64, eager=True))
            found = slots.filter(slots >= 0)
            if found.len() == count:
                return found
    return None


def in_order(frames: Sequence[pl.DataFrame], key: str) -> pl.DataFrame:
    """The frames' rows as one frame in the order of `key` (`RowsInOrder`, row numbers below the rows' count)."""
    rows = RowsInOrder(sum(frame.height for frame in frames), key)
    for frame in frames:
        rows.add(frame)
    return rows.frame()


class RowsInOrder:
    """Frames of rows, added as they come (the parts of a run as each is settled), then one frame in the order of
    `key`. Where its values are distinct row numbers below `count` (some may be missing: rejected claims), each
    integer column and each column of categorical text or an enum (as their codes) has each frame's values put at
    their rows with numpy as the frame is added — a read in order and a write by index, half of polars' gather
    from the frames concatenated; numpy lets go of the interpreter lock, so a frame is put in place while others
    are settled —, a missing value marked as such; the other columns are gathered at the end. Other keys (a
    number twice, out of range, not an integer): the rows gathered in their order — from the frames kept, unless
    `keep` is false (the frames' placed columns then are not held: a bug of the caller's, raised)."""

    def __init__(self, count: int, key: str, keep: bool = True) -> None:
        self.count, self.key, self.keep = count, key, keep
        self.frames: list[pl.DataFrame] = []  # each frame (kept), or its key and the columns gathered at the end
        self.rows: list[np.ndarray] = []  # each frame's row numbers
        self.numbered = True  # whether every key so far is a distinct row number below count
        self.held = np.zeros(count, dtype=np.bool_)
        self.columns: dict[str, np.ndarray] = {}  # the columns put in place, each value at its row
        self.missing: dict[str, np.ndarray] = {}  # of those, where a value is missing (only where one is)
        self.schema: pl.Schema | None = None  # the frames' columns

    def add(self, frame: pl.DataFrame) -> None:
        schema = frame.schema
        if self.schema is None:
            self.schema = schema
        elif schema != self.schema:
            raise ValueError("frames of different columns cannot come together")
        placed_names = [name for name in frame.columns if name != self.key and _placeable(schema[name])]
        keys = frame[self.key]
        if self.numbered and keys.dtype.is_integer() and not keys.null_count():
            rows = keys.to_numpy()
            before = int(np.count_nonzero(self.held))
            if rows.size and (rows.min() < 0 or rows.max() >= self.count):
                self.numbered = False
            else:
                self.held[rows] = True
                self.numbered = int(np.count_nonzero(self.held)) == before + rows.size  # none held before, or twice
        else:
            self.numbered = False
        if not self.numbered and not self.keep:
            raise AssertionError("rows put in order by numbers that are not distinct row numbers")
        self.frames.append(frame if self.keep or not self.numbered else frame.drop(placed_names))
        if not self.numbered:
            return
        self.rows.append(rows)

        def place(name: str) -> None:
            column = frame[name].to_physical() if _coded(schema[name]) else frame[name]
            if name not in self.columns:
                self.columns[name] = np.empty(self.count, dtype=column[:0].to_numpy().dtype)
            if column.null_count():
                if name not in self.missing:
                    self.missing[name] = np.zeros(self.count, dtype=np.bool_)
                self.missing[name][rows] = column.is_null().to_numpy()
                column = column.fill_null(0)
            self.columns[name][rows] = column.to_numpy()

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(place, placed_names))

    def frame(self) -> pl.DataFrame:
        if not self.numbered:
            whole = pl.concat(self.frames, rechunk=False)
            return whole[positions_in_order(whole[self.key])]
        assert self.schema is not None, "no frame added"
        schema, names = self.schema, self.schema.names()
        every_row = bool(self.held.all())
        present = np.flatnonzero(self.held)

        def column(name: str) -> pl.Series:
            values = self.columns[name] if every_row else self.columns[name][present]
            series = pl.Series(name, values)
            if name in self.missing:  # (the missing values set while they are numbers, then the column's type)
                missing = self.missing[name] if every_row else self.missing[name][present]
                series = pl.select(pl.when(pl.lit(pl.Series(missing))).then(None).otherwise(series))[:, 0]
            return series.cat.to(schema[name]) if _coded(schema[name]) else series.cast(schema[name])

        columns = {name: column(name) for name in self.columns}
        others = [name for name in names if name != self.key and name not in columns]
        if others:  # where each row is among the frames' rows concatenated
            at = np.empty(self.count, dtype=np.int64)
            at[np.concatenate(self.rows)] = np.arange(present.size)
            gathered = pl.concat([frame.select(others) for frame in self.frames], rechunk=False)
            columns |= {c.name: c for c in gathered[pl.Series(at if every_row else at[present])].get_columns()}
        columns[self.key] = pl.Series(self.key, present).cast(schema[self.key])
        return pl.DataFrame([columns[name].alias(name) for name in names])


def _placeable(dtype: pl.DataType) -> bool:
    """Whether RowsInOrder puts a column's values at their rows with numpy (integers, codes)."""
    return dtype.is_integer() or _coded(dtype)


def _coded(dtype: pl.DataType) -> bool:
    """Whether a column's values are codes of categories (categorical text, an enum)."""
    return isinstance(dtype, (pl.Categorical, pl.Enum))


def placed(positions: pl.Series, values: pl.Series, onto: pl.Series) -> pl.Series:
    """`onto` with `values` at `positions` (distinct, none missing): numpy's assignment by index, which takes a
    fifth of the time of polars' scatter. Neither `onto` nor `values` may be missing anywhere."""
    column = onto.to_numpy(writable=True)
    column[positions.to_numpy()] = values.to_numpy()
    return pl.Series(onto.name, column, dtype=onto.dtype)
