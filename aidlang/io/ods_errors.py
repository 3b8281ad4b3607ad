"""The error cells of an OpenDocument spreadsheet's sheet (`#DIV/0!`, `#N/A`, `Err:502` …: a formula that failed),
which the workbook reader (python-calamine) gives as the formula's cached number — 0 for `#DIV/0!` — or as an
empty cell. A zero or an empty amount would settle a claim on data nobody has: the reader makes each one a
problem of its row instead (as `xlsx_errors` does for .xlsx).

LibreOffice marks such a cell `calcext:value-type="error"`; a formula cell whose text is one of the spreadsheet
error values is taken as one too (another writer may not mark it). Most sheets have none, and a plain search of
content.xml for those words says so; only then are the sheet's rows and cells walked, tag by tag (no XML parser
runs on the file), counting the rows and columns a tag repeats, to say where each error is — within the cells the
workbook reader gave (a tag may repeat a cell a million times over a million rows: only those read are named).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from aidlang.io.xlsx_errors import unescape

# the words an error cell shows: Excel's and OpenDocument's error values, LibreOffice's `Err:5xx`
ERROR_TEXTS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "Err:")
_MARKS = (b'value-type="error"', b"value-type='error'", *(text.encode() for text in ERROR_TEXTS))
# the tags walked: a sheet (`table`), its rows, their cells; (closing?, name, attributes, empty?)
_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(table-row|table-cell|covered-table-cell|table)(?=[\s/>])"
                  rb"([^<>]*?)(/?)>")
_ATTRIBUTE = re.compile(rb"""\s(?:[A-Za-z_][\w.-]*:)?([\w.-]+)=(?:"([^"]*)"|'([^']*)')""")
_TEXT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?p\b[^<>]*>([^<]{0,40})<")
PIECE = 1 << 24  # bytes of content.xml searched at once for the error words


def is_spreadsheet(book: zipfile.ZipFile) -> bool:
    try:
        return book.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet"
    except KeyError:
        return False


def error_cells(path: str | Path, sheet: str, rows: int, columns: int) -> dict[tuple[int, int], str]:
    """{(sheet row, column index): error text} of the named sheet of an .ods workbook (rows from 1, columns from
    0, as the workbook reader numbers them), of its first `rows` rows and `columns` columns (the reader's)."""
    try:
        with zipfile.ZipFile(path) as book:
            if not _has_error_words(book):
                return {}
            content = book.read("content.xml")
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return {}
    return _sheet_errors(content, sheet, rows, columns)


def _has_error_words(book: zipfile.ZipFile) -> bool:
    carried = b""
    with book.open("content.xml") as xml:
        while piece := xml.read(PIECE):
            text = carried + piece
            if any(mark in text for mark in _MARKS):
                return True
            carried = text[-64:]
    return False


def _sheet_errors(content: bytes, sheet: str, rows: int, columns: int) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    depth = 0  # tables open: a table inside a cell is not the sheet's
    in_sheet = False
    row = column = 0  # the row after the last one walked (from 1), the cell's column (from 0)
    row_repeats = 1
    for tag in _TAG.finditer(content):
        closing, name, attributes, empty = tag.groups()
        if name == b"table":
            if closing:
                depth -= 1
                in_sheet = in_sheet and depth > 0
            elif not empty:
                depth += 1
                if depth == 1:
                    in_sheet, row = dict(_attributes(attributes)).get("name") == sheet, 1
            continue
        if not in_sheet or depth != 1:
            continue
        if name == b"table-row":
            if closing:
                row += row_repeats
            else:
                row_repeats = _repeats(dict(_attributes(attributes)), "number-rows-repeated")
                column = 0
                if empty:
                    row += row_repeats
            continue
        if closing:
            continue
        cell = _attributes(attributes)
        repeats = _repeats(dict(cell), "number-columns-repeated")
        error = _error(cell, content, tag.end(), bool(empty))
        if error is not None:
            for r in range(row, min(row + row_repeats, rows + 1)):
                for c in range(column, min(column + repeats, columns)):
                    found[(r, c)] = error
        column += repeats
    return found


def _error(cell: list[tuple[str, str]], content: bytes, after: int, empty: bool) -> str | None:
    """The error a cell holds (its text, `#N/A` if it shows none), or None."""
    text = None
    opening = content.find(b"<", after)
    if not empty and opening >= 0:
        shown = _TEXT.match(content, opening)
        text = unescape(shown.group(1)) if shown else None
    if ("value-type", "error") in cell:  # calcext's, whatever office:value-type says
        return text or "#N/A"
    if any(name == "formula" for name, _ in cell) and text is not None and text.startswith(ERROR_TEXTS):
        return text
    return None


def _repeats(attributes: dict[str, str], name: str) -> int:
    try:
        return max(1, int(attributes.get(name, "1")))
    except ValueError:
        return 1


def _attributes(tag: bytes) -> list[tuple[str, str]]:
    """A tag's attributes as (local name, value): the namespace prefix left off, so a cell's `office:value-type`
    and `calcext:value-type` are both there."""
    return [(name.decode("utf-8"), unescape(double or single)) for name, double, single in _ATTRIBUTE.findall(tag)]
