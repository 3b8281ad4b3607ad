"""Excel error cells (#N/A, #DIV/0! …) found in an xlsx sheet's XML as other programs than xlsxwriter write it:
attributes in any order and quoting, namespace prefixes, self-closing cells, a second sheet, cells cut across
the pieces the XML is read in. tests/test_hostile_inputs_engines.py has the whole runs on every engine."""

from __future__ import annotations

import zipfile

import pytest

from aidlang.io import xlsx_errors
from aidlang.io.data import DEFAULT_OPTIONS, read_table
from aidlang.io.xlsx_errors import error_cells

WORKBOOK = ('<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="说明" sheetId="1" r:id="rId1"/><sheet r:id="rId2" sheetId="2" name="理赔&amp;数据"/>'
            '</sheets></workbook>')
RELATIONS = ('<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
             '<Relationship Target="/xl/worksheets/data.xml" Id="rId2"/></Relationships>')


def workbook(path, sheets: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", RELATIONS)
        for member, xml in sheets.items():
            book.writestr(member, xml)


def test_error_cells_are_found_in_the_named_sheet_whatever_the_writer(tmp_path):
    data = ('<x:worksheet><x:sheetData><x:row r="2">'
            '<x:c s="1" r="H2" t="e"><x:f>VLOOKUP(A2,B:C,2,0)</x:f><x:v>#N/A</x:v></x:c>'  # r after s, prefixed
            "<x:c t='e' r='AA2'><x:v>#DIV/0!</x:v></x:c>"  # single quotes, column AA = index 26
            '<x:c r="B7" t="e"/>'  # no cached value
            '<x:c r="C7" t="s"><x:v>3</x:v></x:c>'  # a shared string: no error
            '</x:row></x:sheetData></x:worksheet>')
    other = '<worksheet><sheetData><row r="1"><c r="A1" t="e"><v>#REF!</v></c></row></sheetData></worksheet>'
    path = tmp_path / "book.xlsx"
    workbook(path, {"xl/worksheets/data.xml": data, "xl/worksheets/sheet1.xml": other})
    assert error_cells(path, "理赔&数据") == {(2, 7): "#N/A", (2, 26): "#DIV/0!", (7, 1): "#N/A"}
    assert error_cells(path, "说明") == {(1, 0): "#REF!"}
    assert error_cells(path, "没有") == {}


def test_a_cell_cut_between_two_pieces_is_found_once(tmp_path, monkeypatch):
    cells = "".join(f'<c r="A{row}" t="n"><v>{row}</v></c>' for row in range(1, 400))
    data = f'<worksheet><sheetData>{cells}<c r="D400" t="e"><v>#VALUE!</v></c>{cells}</sheetData></worksheet>'
    path = tmp_path / "book.xlsx"
    workbook(path, {"xl/worksheets/data.xml": data, "xl/worksheets/sheet1.xml": "<worksheet/>"})
    cut = data.index('t="e"')
    for piece in (cut - 3, cut + 2, cut + 30, 64):  # the attribute, the tag or the value cut at a piece's end
        monkeypatch.setattr(xlsx_errors, "PIECE", piece)
        monkeypatch.setattr(xlsx_errors, "OVERLAP", 64)
        assert error_cells(path, "理赔&数据") == {(400, 3): "#VALUE!"}, piece


def test_an_error_cell_that_does_not_say_where_it_is_fails_the_file(tmp_path):
    """A cell without its reference (`r` is optional in the format) cannot be placed: the file is refused, not
    read with the error as an empty cell somewhere."""
    data = '<worksheet><sheetData><row r="2"><c t="e"><v>#N/A</v></c></row></sheetData></worksheet>'
    path = tmp_path / "book.xlsx"
    workbook(path, {"xl/worksheets/data.xml": data, "xl/worksheets/sheet1.xml": "<worksheet/>"})
    assert error_cells(path, "理赔&数据") is None


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!"])
def test_the_reader_names_the_row_and_column_of_an_error_cell(tmp_path, error):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "claims.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("理赔")
    for column, name in enumerate(["name", "value"]):
        sheet.write_string(0, column, name)
    sheet.write_string(1, 0, "a")
    sheet.write_formula(1, 1, "=1/0", None, error)
    book.close()
    table = read_table(path, ("name", "value"), (), DEFAULT_OPTIONS)
    (row,) = table.rows
    assert [(p.row, p.column, p.reason_zh) for p in row.problems] == [
        (2, "value", f"单元格是表格错误值 {error}（公式出错），不是数据")]
