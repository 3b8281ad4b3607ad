"""The error cells of a sheet of an Excel 97–2003 workbook (.xls: `#N/A`, `#DIV/0!` …, a value or a formula that
failed), which the workbook reader (python-calamine) gives as empty cells. An empty amount means "the policy
computes it" and an empty flag its default, so an error read as empty would settle a claim on data nobody has:
the reader makes each one a problem of its row instead (as `xlsx_errors` does for .xlsx).

The workbook's stream (BIFF8, or BIFF5 of Excel 95) is read out of its compound file with olefile and walked
record by record: the sheets' names and places (BOUNDSHEET), then the named sheet's error cells (BOOLERR with
its error flag set, FORMULA whose cached result is an error).
"""

from __future__ import annotations

import struct
from pathlib import Path

_BOF, _EOF, _BOUNDSHEET, _CODEPAGE = 0x0809, 0x000A, 0x0085, 0x0042
_BOOLERR, _FORMULA = 0x0205, 0x0006
_BIFF8 = 0x0600
ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
          0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


def error_cells(path: str | Path, sheet: str) -> dict[tuple[int, int], str]:
    """{(sheet row, column index): error text} of the named sheet (rows from 1, columns from 0, as the workbook
    reader numbers them); none found in a workbook this walk cannot read (the reader has read it)."""
    import olefile  # only .xls workbooks need it

    try:
        with olefile.OleFileIO(str(path)) as book:
            name = next((n for n in ("Workbook", "Book") if book.exists(n)), None)
            if name is None:
                return {}
            stream = book.openstream(name).read()
    except (OSError, ValueError, struct.error):
        return {}
    try:
        start = _sheet_start(stream, sheet)
        return {} if start is None else _errors(stream, start)
    except (struct.error, IndexError, UnicodeDecodeError, LookupError):
        return {}


def _records(stream: bytes, at: int):
    """(type, body) of the records from `at` on."""
    while at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        yield kind, stream[at + 4: at + 4 + size]
        at += 4 + size


def _sheet_start(stream: bytes, sheet: str) -> int | None:
    """Where the named sheet's records begin: the workbook globals' BOUNDSHEET of that name."""
    version, codepage = _BIFF8, "cp1252"
    for kind, body in _records(stream, 0):
        if kind == _BOF:
            version = struct.unpack_from("<H", body)[0]
        elif kind == _CODEPAGE:
            codepage = _codec(struct.unpack_from("<H", body)[0])
        elif kind == _BOUNDSHEET:
            start, length = struct.unpack_from("<I", body)[0], body[6]  # the sheet's BOF, its name's length
            if version >= _BIFF8:  # a short unicode string: its length, then whether its characters are 16-bit
                wide = body[7] & 1
                name = body[8: 8 + length * (2 if wide else 1)].decode("utf-16-le" if wide else "latin-1")
            else:
                name = body[7: 7 + length].decode(codepage)
            if name == sheet:
                return start
        elif kind == _EOF:
            return None
    return None


def _errors(stream: bytes, start: int) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    depth = 0  # a chart or other substream inside the sheet's has its own BOF … EOF
    for kind, body in _records(stream, start):
        if kind == _BOF:
            depth += 1
        elif kind == _EOF:
            depth -= 1
            if depth <= 0:
                break
        elif depth == 1 and kind == _BOOLERR and body[7] == 1:
            row, column = struct.unpack_from("<HH", body)
            found[(row + 1, column)] = ERRORS.get(body[6], "#N/A")
        elif depth == 1 and kind == _FORMULA and body[12:14] == b"\xff\xff" and body[6] == 2:
            row, column = struct.unpack_from("<HH", body)
            found[(row + 1, column)] = ERRORS.get(body[8], "#N/A")
    return found


def _codec(codepage: int) -> str:
    """The Python codec of a Windows code page (936: GBK …); Unicode's 1200 never names BIFF5 names."""
    return {1200: "utf-16-le", 367: "ascii", 32768: "mac-roman", 32769: "cp1252"}.get(codepage, f"cp{codepage}")
