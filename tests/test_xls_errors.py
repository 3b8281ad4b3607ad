"""Excel 97–2003 workbooks (.xls) with error cells: python-calamine reads an error value, and a formula whose cached
result is an error, as an empty cell, and an empty amount is one the policy computes. `aidlang.io.xls_errors`
finds them in the workbook's records; the reader makes each a problem of its row."""

from __future__ import annotations

import csv
import io
import struct

import pytest
from test_hostile_inputs_engines import ENGINES, HEADER, MIANYANG_PARAMS, policy, run_engine

from aidlang.io.sheets import read_grid
from aidlang.io.xls_errors import error_cells

xlwt = pytest.importorskip("xlwt")
olefile = pytest.importorskip("olefile")
# the errors' codes in the file format (xlwt's own names for some are off: `#N/A!`, #VALUE! as #NUM!'s code)
NA, DIV0, VALUE, REF = 0x2A, 0x07, 0x0F, 0x17


def cached_error(path, code: int) -> None:
    """Make the workbook's one formula cache the error `code` as its result (xlwt writes no cached result):
    FORMULA's result is 8 bytes after row, column and format; an error is type 2, its code, 0xFFFF at the end."""
    with olefile.OleFileIO(str(path), write_mode=True) as book:
        stream = bytearray(book.openstream("Workbook").read())
        at = 0
        while at + 4 <= len(stream):
            kind, size = struct.unpack_from("<HH", stream, at)
            if kind == 0x0006:
                stream[at + 4 + 6: at + 4 + 14] = bytes([2, 0, code, 0, 0, 0, 0xFF, 0xFF])
            at += 4 + size
        book.write_stream("Workbook", bytes(stream))


def test_error_cells_are_found_in_the_named_sheet(tmp_path):
    path = tmp_path / "book.xls"
    book = xlwt.Workbook(encoding="utf-8")
    notes = book.add_sheet("说明")
    notes.row(0).set_cell_error(0, REF)  # another sheet's error is not this one's
    sheet = book.add_sheet("理赔&数据")
    for column, name in enumerate(["a", "b", "c", "d"]):
        sheet.write(0, column, name)
    sheet.row(1).set_cell_error(1, NA)         # sheet row 2, column 1
    sheet.write(2, 2, xlwt.Formula("1/0"))       # sheet row 3, column 2: its cached result made #VALUE! below
    sheet.row(4).set_cell_error(3, DIV0)       # sheet row 5, column 3
    sheet.write(5, 0, True)                      # a boolean cell (BOOLERR without the error flag): not an error
    book.save(str(path))
    cached_error(path, VALUE)
    assert error_cells(path, "理赔&数据") == {(2, 1): "#N/A", (3, 2): "#VALUE!", (5, 3): "#DIV/0!"}
    assert error_cells(path, "说明") == {(1, 0): "#REF!"}
    assert error_cells(path, "没有") == {}


def test_the_reader_names_the_row_and_column_of_an_error_cell(tmp_path):
    path = tmp_path / "claims.xls"
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("理赔")
    for column, value in enumerate(["name", "value"]):
        sheet.write(0, column, value)
    sheet.write(1, 0, "a")
    sheet.row(1).set_cell_error(1, DIV0)
    sheet.write(2, 0, "b")
    sheet.write(2, 1, 12.5)
    book.save(str(path))
    grid = read_grid(path)
    assert [cells for _, cells in grid.rows] == [("name", "value"), ("a", "#DIV/0!"), ("b", "12.5")]
    assert [(p.row, p.cell, p.zh) for p in grid.problems.values()] == [
        (2, 1, "单元格是表格错误值 #DIV/0!（公式出错），不是数据")]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_error_cell_of_an_xls_workbook_goes_to_rejects(engine, tmp_path, capsys):
    """Mianyang defines 大病保险, so an empty critical_paid is computed: (50000 − 20000 − 50% × 50% × 33500) × 65%
    = 14056.25, and 医疗救助 would pay 100% × (50000 − 20000 − 14056.25) = 15943.75 on data nobody has. The #N/A
    cell makes its row a reject naming critical_paid; nothing is settled from it."""
    path = tmp_path / "claims.xls"
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("理赔")
    for column, name in enumerate(HEADER.split(",")):
        sheet.write(0, column, name)
    for column, value in enumerate(["c1", "p1", "inpatient", "2023-03-01", "2023-03-10", "50000", "20000"]):
        sheet.write(1, column, value)
    sheet.row(1).set_cell_error(7, NA)
    book.save(str(path))
    identities = tmp_path / "identities.csv"
    identities.write_text("person_id,category,start,end\np1,特困人员,2022-07-01,\n", encoding="utf-8")
    code, err, written = run_engine(engine, policy("mianyang"), path, identities, tmp_path / "out", capsys,
                                    extra=MIANYANG_PARAMS, rejects=True)
    assert code == 0, err
    assert list(csv.DictReader(io.StringIO(written["results.csv"].decode("utf-8")))) == []
    (rejected,) = csv.DictReader(io.StringIO(written["rejects.csv"].decode("utf-8")))
    assert rejected["claim_id"] == "c1" and rejected["reason"].startswith("critical_paid"), rejected
    assert "#N/A" in rejected["reason"], rejected
