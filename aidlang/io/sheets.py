"""Input files as grids of text cells, before any column means anything: bytes → text → rows of cells.

What offices have: CSV in UTF-8 (with or without BOM), GBK/GB18030 or UTF-16, comma- or tab-separated,
Excel workbooks (`.xlsx`, read with python-calamine), and Parquet (`.parquet`, read with polars: typed columns
become the text a CSV export would hold, exactly — see `parquet_column`). The encoding is decided by exact
rules first — a BOM; NUL bytes where UTF-16's ASCII has them; text that is valid UTF-8 is UTF-8; else text that
is valid GB18030 (which includes GBK) and has no NUL byte is GB18030 — and only what remains goes to a detector
(charset-normalizer), whose guess is taken only when it is a Unicode or East Asian multi-byte encoding (a
byte-per-character code page decodes a UTF-8 file's broken bytes into other letters); `encoding` forces one.

Every line of a CSV file is one row (split at `\\n` only, a trailing `\\r` dropped). A quoted field must end on
the line it starts on: a quote left open is that row's problem, and the next line is read as its own row. csv's
usual rule — a quoted field runs on across lines — lets one stray quote swallow every row after it, and a
field with a line break inside is rare in claims or identities, so this reader gives that up.

A row's problems that make its cells untrustworthy (an open quote, an invisible control character, a cell too
long to be a value, a workbook number that lost digits) are `Problem`s of that row; the file's header and width
are checked by the caller (data.py), which knows the columns.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Mapping, Sequence

import attrs

from aidlang.io import ods_errors, xls_errors, xlsx_errors

_CSV_FIELD_LIMIT = 100_000  # below csv.field_size_limit()'s 131,072
MAX_CELL = 1000  # characters: no id, date, amount or name is longer; a longer cell is a broken row

# control characters (C0 but tab, DEL, C1) and the invisible format characters that make `p1` and
# `p1<zero-width space>` two persons, as code point ranges: a line may hold none of them, a file none but the
# line feed between its lines
CONTROL_RANGES = ((0x00, 0x08), (0x0A, 0x1F), (0x7F, 0x9F), (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064),
                  (0xFEFF, 0xFEFF))


def control_class(skip: int | None = None, rust: bool = False) -> str:
    """CONTROL_RANGES as a regular-expression class without the code point `skip`: for Python's `re` (`\\uXXXX`)
    or, `rust`, for the regex crate polars uses (`\\x{XXXX}`)."""
    def escape(point: int) -> str:
        return f"\\x{{{point:04X}}}" if rust else f"\\u{point:04X}"

    parts = []
    for low, high in CONTROL_RANGES:
        pieces = ((low, skip - 1), (skip + 1, high)) if skip is not None and low <= skip <= high else ((low, high),)
        parts += [f"{escape(lo)}-{escape(hi)}" if lo < hi else escape(lo) for lo, hi in pieces if lo <= hi]
    return "[" + "".join(parts) + "]"


_CONTROL = re.compile(control_class())
_CONTROL_BETWEEN_LINES = re.compile(control_class(skip=0x0A))
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32LE"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32BE"),
         (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 (BOM)"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16LE"),
         (codecs.BOM_UTF16_BE, "utf-16", "UTF-16BE"))
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # zip (.xlsx, .ods), OLE2 (.xls)
PARQUET_MAGIC = b"PAR1"
PARQUET_SUFFIX = ".parquet"


@attrs.frozen
class Problem:
    """What is wrong with a row (`row` its line or sheet row; 0 the whole file); `cell` the index of the cell
    it concerns, if one."""

    row: int
    zh: str
    en: str
    cell: int | None = None


@attrs.frozen
class Grid:
    """A file as rows of stripped text cells, each with its line (or sheet row) number; blank rows left out."""

    rows: tuple[tuple[int, tuple[str, ...]], ...]
    problems: Mapping[int, Problem]  # row -> why its cells cannot be trusted
    failure: Problem | None  # the file cannot be read at all
    form: str  # how it was read: `UTF-8`, `GB18030, tab-separated`, `xlsx sheet 理赔`
    converted: Mapping[str, int] = {}  # workbook cells turned into text: "excel_number", "excel_date"


def read_grid(path: str | Path, encoding: str | None = None, sheet: str | None = None) -> Grid:
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return _failed(Problem(0, f"无法读取文件：{reason}", f"cannot read the file: {reason}"))
    if raw.startswith(WORKBOOK_MAGIC):
        return read_workbook(path, sheet)
    if raw.startswith(PARQUET_MAGIC) or str(path).lower().endswith(PARQUET_SUFFIX):
        return read_parquet(raw)
    decoded = decode(raw, encoding)
    if isinstance(decoded, Problem):
        return _failed(decoded)
    text, form = decoded
    return split_text(text, form)


def _failed(problem: Problem, form: str = "") -> Grid:
    return Grid((), {}, problem, form)


# ---------------------------------------------------------------- text

def decode(raw: bytes, forced: str | None = None) -> tuple[str, str] | Problem:
    """The text and the name of its encoding, or the problem (the line where decoding fails)."""
    if forced:
        return _decode_forced(raw, forced)
    for bom, codec, name in _BOMS:
        if raw.startswith(bom):
            return _strict(raw, codec, name)
    unmarked = _unmarked_utf16(raw) if b"\x00" in raw else None
    if unmarked is not None:  # valid UTF-8 too (ASCII and NUL bytes), but no text file holds NULs
        return _strict_detected(raw, *unmarked)
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" not in raw:  # GB18030 decodes NUL as NUL: a file full of them is UTF-16 without a BOM
        try:
            return raw.decode("gb18030"), "GB18030"
        except UnicodeDecodeError:
            pass
    return _detected(raw)


def _unmarked_utf16(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 without a BOM, told by its NUL bytes: the high byte of every ASCII character (commas, digits,
    dates), after it in little-endian, before it in big-endian, far more often than the other way round."""
    sample = raw[: 1 << 16]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    enough = len(sample) // 8  # a quarter of the characters ASCII
    if odd >= enough and odd > 8 * even:
        return "utf-16-le", "UTF-16LE"
    if even >= enough and even > 8 * odd:
        return "utf-16-be", "UTF-16BE"
    return None


def _decode_forced(raw: bytes, name: str) -> tuple[str, str] | Problem:
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return Problem(0, f"未知的编码：{name}", f"unknown encoding: {name}")
    if codec == "utf-8":
        codec = "utf-8-sig"  # a BOM is never part of the first column's name
    return _strict(raw, codec, name.upper())


def _strict(raw: bytes, codec: str, name: str) -> tuple[str, str] | Problem:
    try:
        return raw.decode(codec), name
    except UnicodeDecodeError as error:
        line = raw[: error.start].decode(codec, errors="replace").count("\n") + 1
        return Problem(line, f"文件不是有效的 {name} 文本", f"the file is not valid {name} text")


def _detected(raw: bytes) -> tuple[str, str] | Problem:
    """The detector's choice for bytes that are neither UTF-8 nor GB18030 (UTF-16 without a BOM, Big5, …)."""
    from charset_normalizer import from_bytes  # imported only for the rare file that needs it

    best = from_bytes(raw).best()
    if best is None or best.encoding is None:
        return Problem(0, "无法判断文件的编码，请用 --encoding 指定（如 gb18030、utf-16）",
                       "cannot tell the file's encoding: give it with --encoding (e.g. gb18030, utf-16)")
    name = best.encoding.upper().replace("_", "-")
    if codecs.lookup(best.encoding).name not in _DETECTABLE:
        # a byte-per-character code page (cp1252, ISO-8859-13 …) decodes any bytes: the guess for a UTF-8 file
        # with a few broken bytes, which would change those cells silently
        not_utf8 = _strict(raw, "utf-8", "UTF-8")  # the line of the first byte that is not UTF-8
        line = not_utf8.row if isinstance(not_utf8, Problem) else 1
        return Problem(line, f"从此行起不是有效的 UTF-8 或 GB18030 文本，无法可靠判断文件的编码（可能是 {name}），"
                             "请用 --encoding 指定",
                       f"not valid UTF-8 or GB18030 text from this line on: the file's encoding cannot be told for "
                       f"sure (it may be {name}); give it with --encoding")
    return _strict_detected(raw, best.encoding, name)


def _strict_detected(raw: bytes, codec: str, name: str) -> tuple[str, str] | Problem:
    """`_strict`, the form saying the encoding was told from the bytes."""
    decoded = _strict(raw, codec, name)
    return decoded if isinstance(decoded, Problem) else (decoded[0], f"{name} (detected)")


# what the detector may choose on its own: Unicode without a BOM and the East Asian multi-byte encodings
_DETECTABLE = frozenset(codecs.lookup(name).name for name in (
    "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "big5", "big5hkscs", "cp950", "gb2312",
    "gbk", "gb18030", "hz", "euc-jp", "euc-jis-2004", "euc-kr", "shift-jis", "cp932", "cp949", "johab",
    "iso2022-jp", "iso2022-kr"))


def sniff_delimiter(header: str) -> str:
    """Tab when the header line has more tabs than commas: Excel's "Unicode text" is tab-separated."""
    return "\t" if header.count("\t") > header.count(",") else ","


def split_text(text: str, form: str) -> Grid:
    lines = text.split("\n")
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        return Grid((), {}, None, form)
    delimiter = sniff_delimiter(lines[header_index])
    if delimiter == "\t":
        form += ", tab-separated"
    quotes = '"' in text
    # one scan of the whole text decides that a clean file needs no check line by line
    controls = (_CONTROL_BETWEEN_LINES.search(text.replace("\r\n", "\n")) is not None
                or (delimiter != "\t" and "\t" in text))
    rows: list[tuple[int, tuple[str, ...]]] = []
    problems: dict[int, Problem] = {}
    for number, line in enumerate(lines[header_index:], start=header_index + 1):
        split = split_line(number, line, delimiter, quotes, controls)
        if split is None:
            continue
        cells, problem = split
        if problem is not None:
            problems[number] = problem
        rows.append((number, cells))
    return Grid(tuple(rows), problems, None, form)


def split_line(number: int, line: str, delimiter: str, quotes: bool = True, controls: bool = True
               ) -> tuple[tuple[str, ...], Problem | None] | None:
    """One line of a CSV file: its stripped cells and the problem that makes them untrustworthy, or None for a
    blank line (it carries no row). `quotes` and `controls` False say that the whole file has no quote, and no
    control character or stray tab, so the line need not be looked at for them."""
    if line.endswith("\r"):
        line = line[:-1]
    if not line.strip():
        return None
    if quotes and '"' in line:
        cells, problem = _quoted_cells(number, line, delimiter)
    else:
        cells, problem = tuple(map(str.strip, line.split(delimiter))), None
    if problem is None and (controls or len(line) > MAX_CELL):
        problem = _cell_problem(number, line, cells, delimiter)
    return cells, problem


def _quoted_cells(number: int, line: str, delimiter: str) -> tuple[tuple[str, ...], Problem | None]:
    """A line with quotes: its cells, and the problem if a quote is left open or misplaced (csv's strict mode);
    the cells are then csv's lenient reading, for the rejects file to repeat."""
    if len(line) > _CSV_FIELD_LIMIT:  # csv refuses such a field: the line is no row of values anyway
        return tuple(c.strip() for c in line.split(delimiter)), Problem(
            number, f"本行过长（{len(line)} 个字符）", f"the line is too long ({len(line)} characters)")
    try:
        return tuple(c.strip() for c in next(csv.reader([line], delimiter=delimiter, strict=True))), None
    except csv.Error as error:
        try:
            cells = tuple(c.strip() for c in next(csv.reader([line], delimiter=delimiter)))
        except csv.Error:  # a carriage return outside quotes, which csv refuses even when lenient: a control
            cells = tuple(c.strip() for c in line.split(delimiter))  # character in a cell, as on a line without
            return cells, _cell_problem(number, line, cells, delimiter)  # quotes
        if "unexpected end of data" in str(error):
            return cells, Problem(number, "引号未闭合：带引号的字段必须在本行内结束（不能跨行）",
                                  "a quote is left open: a quoted field must end on its own line")
        return cells, Problem(number, "引号位置有误：结束引号后应紧跟分隔符",
                              "a misplaced quote: a closing quote must be followed by the delimiter")


def _cell_problem(number: int, line: str | None, cells: tuple[str, ...], delimiter: str) -> Problem | None:
    """An invisible character anywhere in the line (even where stripping would hide it), a tab inside a cell
    of a comma-separated file, or a cell too long to be a value."""
    if line is not None:
        found = _CONTROL.search(line)
        if found is not None:
            return _control(number, found.group(), line.count(delimiter, 0, found.start()) if delimiter else None)
    for index, cell in enumerate(cells):
        found = _CONTROL.search(cell) if line is None else None
        if found is not None or (delimiter != "\t" and "\t" in cell):
            return _control(number, found.group() if found else "\t", index)
        if len(cell) > MAX_CELL:
            return Problem(number, f"单元格过长（{len(cell)} 个字符，最多 {MAX_CELL}）",
                           f"a cell too long ({len(cell)} characters, at most {MAX_CELL})", index)
    return None


def _control(number: int, char: str, cell: int | None) -> Problem:
    code = f"U+{ord(char):04X}"
    return Problem(number, f"含有不可见的控制字符 {code}", f"contains the invisible control character {code}", cell)


# ---------------------------------------------------------------- workbooks

def read_workbook(path: str | Path, sheet: str | None) -> Grid:
    """The first sheet (or `sheet`) of an Excel workbook; row numbers are the sheet's."""
    from python_calamine import CalamineWorkbook  # only workbooks need it

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
        if sheet is not None and sheet not in names:
            listed = "、".join(names)
            return _failed(Problem(0, f"工作簿中没有工作表 {sheet}（有：{listed}）",
                                   f"the workbook has no sheet {sheet} (it has: {', '.join(names)})"))
        chosen = sheet if sheet is not None else names[0]
        values = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except Exception as error:  # noqa: BLE001 — calamine raises its own errors for a damaged file
        return _failed(Problem(0, f"无法读取工作簿：{error}", f"cannot read the workbook: {error}"))
    errors = _error_cells(path, chosen, len(values), max(map(len, values), default=0))
    if errors is None:
        return _failed(Problem(0, "工作簿含有 Excel 错误值单元格（#N/A 等），但未标明位置：请先修正公式",
                               "the workbook has Excel error cells (#N/A …) that do not say where they are: "
                               "fix the formulas first"))
    converted: Counter = Counter()
    rows: list[tuple[int, tuple[str, ...]]] = []
    problems: dict[int, Problem] = {}
    width = 0
    for number, values_row in enumerate(values, start=1):
        cells, problem = _sheet_cells(number, values_row, converted, errors)
        if not any(cells):
            continue
        if not rows:
            width = max(i + 1 for i, cell in enumerate(cells) if cell)
        # a sheet is a rectangle: empty cells right of the header's last column are not cells of the row
        last = max(i + 1 for i, cell in enumerate(cells) if cell)
        cells = cells[: max(width, last)]
        if problem is None:
            problem = _cell_problem(number, None, cells, "")
        if problem is not None:
            problems[number] = problem
        rows.append((number, cells))
    return Grid(tuple(rows), problems, None, f"xlsx, sheet {chosen}", dict(converted))


def _error_cells(path: str | Path, sheet: str, rows: int, columns: int) -> dict[tuple[int, int], str] | None:
    """The sheet's error cells among the `rows` × `columns` calamine read, which it reads as empty (.xlsx, .xls)
    or as the formula's cached number (.ods): `xlsx_errors`, `xls_errors`, `ods_errors`."""
    try:
        with open(path, "rb") as file:
            if file.read(4) == WORKBOOK_MAGIC[1][:4]:  # a compound file: .xls
                return xls_errors.error_cells(path, sheet)
        with zipfile.ZipFile(path) as book:
            opendocument = ods_errors.is_spreadsheet(book)
    except (OSError, zipfile.BadZipFile):
        return {}
    if opendocument:
        return ods_errors.error_cells(path, sheet, rows, columns)
    return xlsx_errors.error_cells(path, sheet)


def _sheet_cells(number: int, values: list, converted: Counter, errors: dict[tuple[int, int], str]
                 ) -> tuple[tuple[str, ...], Problem | None]:
    cells = []
    problem = None
    for index, value in enumerate(values):
        text, kind = cell_text(value)
        error = errors.get((number, index))
        if error is not None:
            text = error
            if problem is None:
                problem = Problem(number, f"单元格是表格错误值 {error}（公式出错），不是数据",
                                  f"the cell is the spreadsheet error {error} (a formula that failed), not data",
                                  index)
        elif kind == "early_date" and problem is None:
            problem = Problem(number, f"Excel 日期早于 1900-03-01，无法确定是哪一天：{text}（Excel 把 1900 年当作闰年，"
                                      "此前的日期各软件读法不一；请写作文本日期）",
                              f"an Excel date before 1900-03-01 cannot be told exactly: {text} (Excel takes 1900 "
                              "for a leap year, and programs read the days before differently; write the date as "
                              "text)", index)
        elif kind == "lost_digits" and problem is None:
            problem = Problem(number, f"数值单元格超过 15 位有效数字，Excel 已丢失其精度：{text}（请把此列设为文本）",
                              f"a number cell of more than 15 significant digits, which Excel cannot hold exactly: "
                              f"{text} (store the column as text)", index)
        elif kind:
            converted[kind] += 1
        cells.append(text)
    return tuple(cells), problem


def cell_text(value) -> tuple[str, str]:
    """A workbook cell as the text a CSV file would hold, and what conversion it took ("" for none).

    Excel keeps 15 significant digits of a number, so a number is read at 15 digits: 2183.6 is `2183.6` and
    170.00000000000003 (a formula's float noise) is `170`; a number that needs more decimals keeps them, so an
    amount of `2183.605` is still refused for its third decimal."""
    if isinstance(value, str):
        return value.strip(), ""
    if isinstance(value, bool):
        return ("true" if value else "false"), "excel_boolean"
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat(), _date_kind(value.date())
        return value.isoformat(sep=" "), _date_kind(value.date())  # a time of day: no date column takes it
    if isinstance(value, dt.date):
        return value.isoformat(), _date_kind(value)
    if value is None:
        return "", ""
    return str(value), ""  # a time or a duration: text that no column takes as a value


# Excel counts 1900 as a leap year: its serial 60 is a 29 February that never was, and the reader gives it as
# the 28th, the day of serial 59. Before 1 March 1900 a workbook's date is not read as any one day.
_FIRST_EXACT_DATE = dt.date(1900, 3, 1)


def _date_kind(day: dt.date) -> str:
    return "excel_date" if day >= _FIRST_EXACT_DATE else "early_date"


def _number_text(value: float) -> tuple[str, str]:
    if value != value or value in (float("inf"), float("-inf")):
        return str(value), "excel_number"
    if abs(value) >= 1e15:
        return f"{value:.0f}", "lost_digits"
    text = f"{value:.15g}"
    if "e" in text:  # a tiny number: written out in full, so an amount refuses it for its decimals
        text = f"{value:.20f}".rstrip("0").rstrip(".")
    return text, "excel_number"


# ---------------------------------------------------------------- Parquet

def read_parquet(raw: bytes) -> Grid:
    """A Parquet file as the grid its CSV export would be: the header is row 1 and the file's n-th row is row
    n + 1, every typed value becomes the text that CSV would hold (`parquet_column`), and every check of a
    CSV cell (invisible characters, length) applies to the text columns. An all-null row is kept as a row of
    empty cells (a CSV line `,,,` is a row too): data.py then names what it lacks."""
    import io

    import polars as pl  # only Parquet files need it

    try:
        frame = pl.read_parquet(io.BytesIO(raw))
    except Exception as error:  # noqa: BLE001 — polars raises its own errors for a damaged file
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return _failed(Problem(0, f"无法读取 Parquet 文件：{reason}", f"cannot read the Parquet file: {reason}"),
                       "Parquet")
    header, problems = parquet_header(frame.columns)
    columns: list[list[str]] = []
    converted: Counter = Counter()
    for index, name in enumerate(frame.columns):
        cells = parquet_column(frame.get_column(name), index, problems, converted)
        if isinstance(cells, Problem):
            return _failed(cells, "Parquet")
        columns.append(cells)
    rows = [(1, header)]
    rows.extend(zip(range(2, frame.height + 2), zip(*columns, strict=True), strict=True) if columns else ())
    return Grid(tuple(rows), problems, None, "Parquet", dict(converted))


def parquet_header(names: Sequence[str]) -> tuple[tuple[str, ...], dict[int, Problem]]:
    """A Parquet file's column names as its CSV export's header (row 1), and the header's problem if any
    (io.columnar reads the header so too)."""
    header = tuple(name.strip() for name in names)
    problem = _cell_problem(1, None, header, "")
    return header, ({1: problem} if problem is not None else {})


def parquet_column(series, index: int, problems: dict[int, Problem], converted: Counter,
                   rows: Sequence[int] | None = None) -> list[str] | Problem:
    """One Parquet column as the text cells of a CSV file (null → empty), exactly:
    text as it is (stripped, as CSV cells are); integers and decimals in their digits (decimal(18,2) `12.30` →
    `12.30`; an integer is yuan, as in CSV); dates `YYYY-MM-DD`; a timestamp at midnight is its date, one with a
    time of day keeps it (no date column takes it); booleans `true`/`false`; a float as a workbook's number cell
    is read, at 15 significant digits (`2183.6`; `2183.605` keeps its third decimal and is refused as an
    amount). Problems of a row's cell (an invisible character, a float that lost digits, bytes that are not
    UTF-8) go to `problems`; a column of lists or structs is no column of values: the whole file's Problem.
    `rows`: the row number of each value (io.columnar makes the cells of a few rows again); none: the whole
    file's, 2 on."""
    import polars as pl

    dtype = series.dtype
    numbers = range(2, len(series) + 2) if rows is None else rows
    name = series.name
    if dtype.is_nested() or dtype == pl.Object:
        return Problem(0, f"列 {name} 的类型为 {dtype}：数据文件的列应为文本、数值、日期或逻辑值",
                       f"the column {name} has the type {dtype}: a data file's columns hold text, numbers, "
                       "dates or booleans")
    if dtype == pl.Null:
        return [""] * len(series)
    if dtype.is_float():
        cells = []
        for row, value in zip(numbers, series.to_list(), strict=True):
            if value is None:
                cells.append("")
                continue
            text, kind = _number_text(value)
            if kind == "lost_digits":
                problems.setdefault(row, Problem(
                    row, f"浮点数值超过 15 位有效数字，已丢失精度：{text}（请把此列存为文本或 decimal）",
                    f"a float of more than 15 significant digits, which cannot be held exactly: {text} "
                    "(store the column as text or decimal)", index))
            converted["parquet_number"] += 1
            cells.append(text)
        return cells
    if isinstance(dtype, pl.Datetime):
        return [cell_text(value)[0] for value in series.to_list()]
    if dtype == pl.Binary:
        return _binary_cells(series.to_list(), index, problems, numbers)
    if isinstance(dtype, pl.Duration):
        return ["" if value is None else str(value) for value in series.to_list()]
    # text, categoricals, integers, decimals, dates, times, booleans: polars' own text is the exact one
    texts = series.cast(pl.String).to_list()
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        return _text_cells(texts, index, problems, numbers)
    return ["" if text is None else text for text in texts]


def _text_cells(texts: list, index: int, problems: dict[int, Problem], rows: Sequence[int]) -> list[str]:
    """Text cells stripped, as a CSV reader strips them; one scan of the whole column decides whether any cell
    needs looking at for an invisible character, a tab or its length."""
    cells = ["" if text is None else text.strip() for text in texts]
    joined = " ".join(texts_ for texts_ in texts if texts_)
    if _CONTROL.search(joined) is None and "\t" not in joined and max(map(len, cells), default=0) <= MAX_CELL:
        return cells
    for row, text in zip(rows, texts, strict=True):
        if not text:
            continue
        found = _CONTROL.search(text) or ("\t" in text.strip() and "\t")
        if found:
            problems.setdefault(row, _control(row, found if isinstance(found, str) else found.group(), index))
        elif len(text.strip()) > MAX_CELL:
            problems.setdefault(row, Problem(row, f"单元格过长（{len(text.strip())} 个字符，最多 {MAX_CELL}）",
                                             f"a cell too long ({len(text.strip())} characters, at most "
                                             f"{MAX_CELL})", index))
    return cells


def _binary_cells(values: list, index: int, problems: dict[int, Problem], rows: Sequence[int]) -> list[str]:
    texts = []
    for row, value in zip(rows, values, strict=True):
        try:
            texts.append(None if value is None else bytes(value).decode("utf-8"))
        except UnicodeDecodeError:
            problems.setdefault(row, Problem(row, "二进制单元格不是有效的 UTF-8 文本",
                                             "a binary cell that is not valid UTF-8 text", index))
            texts.append("")
    return _text_cells(texts, index, problems, rows)
