"""The error cells of an xlsx sheet (`#N/A`, `#DIV/0!`, `#REF!` …: a formula that failed), which the workbook
reader (python-calamine) gives as empty cells. An empty amount means "the policy computes it" and an empty
flag its default, so an error read as empty would settle a claim on data nobody has: the reader makes each
one a problem of its row instead.

The sheet's XML is scanned as bytes, a piece at a time (a year of claims is a large file), for cells of type
`e`; no XML parser runs on the file.
"""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

# a cell's type attribute saying it holds an error; the start tag around it; the cell's reference; its cached value
_ERROR_TYPE = re.compile(rb"""\st=["']e["']""")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^<>]*>")
_REFERENCE = re.compile(rb"""\sr=["']([A-Z]{1,3})([0-9]{1,7})["']""")
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>([^<]{0,40})<")
_CELL_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?c>")
_SHEET_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet\b[^>]*>")
_RELATIONSHIP_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Relationship\b[^>]*>")
PIECE = 1 << 24  # bytes of XML scanned at once
OVERLAP = 1 << 16  # a cell cut at a piece's end is found whole in the next


def error_cells(path: str | Path, sheet: str) -> dict[tuple[int, int], str] | None:
    """{(sheet row, column index): error text} of the named sheet of an xlsx workbook; None when it has an error
    cell that does not say where it is. A workbook of another kind (.xls, .ods) has none found."""
    try:
        with zipfile.ZipFile(path) as book:
            member = _sheet_member(book, sheet)
            if member is None:
                return {}
            with book.open(member) as xml:
                return _scan(xml)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return {}


def _sheet_member(book: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding the sheet: workbook.xml names it, its relationships give the file."""
    sheets = [_attributes(tag) for tag in _SHEET_TAG.findall(book.read("xl/workbook.xml"))]
    relations = [_attributes(tag) for tag in _RELATIONSHIP_TAG.findall(book.read("xl/_rels/workbook.xml.rels"))]
    rid = next((attributes.get("r:id") for attributes in sheets if attributes.get("name") == sheet), None)
    target = next((attributes.get("Target") for attributes in relations if attributes.get("Id") == rid), None)
    if rid is None or target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


_ATTRIBUTE = re.compile(rb"""\s([\w:.-]+)=(?:"([^"]*)"|'([^']*)')""")


def _attributes(tag: bytes) -> dict[str, str]:
    return {name.decode("utf-8"): unescape(double or single) for name, double, single in _ATTRIBUTE.findall(tag)}


def _scan(xml) -> dict[tuple[int, int], str] | None:
    """The error cells of a sheet's XML, read a piece at a time: only where `t="e"` occurs is a tag looked at."""
    found: dict[tuple[int, int], str] = {}
    carried = b""
    while True:
        piece = xml.read(PIECE)
        text = carried + piece
        if b't="e"' in text or b"t='e'" in text:  # most sheets have none: a plain search is ~10x the regex
            for match in _ERROR_TYPE.finditer(text):
                opening = text.rfind(b"<", 0, match.start())
                tag = _CELL_TAG.match(text, opening) if opening >= 0 else None
                if tag is None or tag.end() <= match.start():
                    continue  # not an attribute of a cell (or its tag is cut at the piece's start: seen before)
                reference = _REFERENCE.search(tag.group(0))
                if reference is None:
                    return None  # an error cell that does not say where it is
                letters, row = reference.groups()
                end = _CELL_END.search(text, tag.end()) if not tag.group(0).endswith(b"/>") else None
                value = _VALUE.search(text, tag.end(), end.start()) if end is not None else None
                error = value.group(1).decode("utf-8", "replace") if value else "#N/A"
                found[(int(row), _column_index(letters))] = error  # a cell in two pieces' overlap: the same key
        if not piece:
            return found
        carried = text[-OVERLAP:]


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - ord("A") + 1
    return index - 1


def unescape(value: bytes) -> str:
    return html.unescape(value.decode("utf-8"))  # XML's five entities and numeric references
