"""OpenDocument spreadsheets (.ods) with error cells: python-calamine reads a failed formula as its cached number
(LibreOffice caches 0 for `#DIV/0!`) or as an empty cell, so a broken amount would settle a claim as 0 or as
"the policy computes it". `aidlang.io.ods_errors` finds them; the reader makes each a problem of its row."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from test_hostile_inputs_engines import ENGINES, policy, run_engine

from aidlang.io.ods_errors import error_cells
from aidlang.io.sheets import read_grid

NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
              'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
              'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
              'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"')


def text(value: str, repeat: int = 1) -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{repeated}><text:p>{value}</text:p></table:table-cell>'


def number(value: str) -> str:
    return (f'<table:table-cell office:value-type="float" office:value="{value}" calcext:value-type="float">'
            f'<text:p>{value}</text:p></table:table-cell>')


def failed(error: str, cached: str = "0", marked: bool = True) -> str:
    """A formula that failed, as LibreOffice writes it (`marked`: calcext:value-type="error") or a writer that
    only shows the error's text."""
    mark = ' calcext:value-type="error"' if marked else ""
    return (f'<table:table-cell table:formula="of:=1/0" office:value-type="float" office:value="{cached}"{mark}>'
            f'<text:p>{error}</text:p></table:table-cell>')


def row(*cells: str, repeat: int = 1) -> str:
    repeated = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{repeated}>{''.join(cells)}</table:table-row>"


def spreadsheet(path: Path, sheets: dict[str, list[str]]) -> None:
    tables = "".join(f'<table:table table:name="{name}">{"".join(rows)}</table:table>' for name, rows in sheets.items())
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {NAMESPACES} office:version="1.2">'
               f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
               "</office:document-content>")
    with zipfile.ZipFile(path, "w") as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                      'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry '
                      'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                      "</manifest:manifest>")
        book.writestr("content.xml", content)


def test_error_cells_are_found_where_the_rows_and_columns_repeat(tmp_path):
    path = tmp_path / "book.ods"
    spreadsheet(path, {
        "说明": [row(failed("#REF!"))],  # another sheet's error is not this one's
        "理赔": [row(text("a"), text("b"), text("c"), text("d")),            # row 1
                 row(text("x", repeat=2), failed("#DIV/0!"), number("4")),  # row 2: columns 0, 1 one tag; error at 2
                 row(text("y"), failed("#N/A", cached=""), repeat=2),       # rows 3 and 4, the error at column 1
                 "<table:table-row/>",                                      # row 5, empty
                 row(failed("#VALUE!", marked=False), number("7"))],        # row 6: only its text says so
    })
    # the reader's grid of that sheet: 6 rows, 4 columns
    assert error_cells(path, "理赔", 6, 4) == {(2, 2): "#DIV/0!", (3, 1): "#N/A", (4, 1): "#N/A", (6, 0): "#VALUE!"}
    assert error_cells(path, "说明", 1, 1) == {(1, 0): "#REF!"}
    assert error_cells(path, "没有", 6, 4) == {}


def test_an_error_repeated_a_million_times_is_named_only_where_the_reader_read_cells(tmp_path):
    """A hostile sheet: one error cell repeated over 16,384 columns of a row repeated 1,048,576 times (2**34 cells
    by its tags). The errors named are those of the reader's 3 × 2 grid: rows 2 and 3, columns 0 and 1."""
    path = tmp_path / "book.ods"
    wide = failed("#N/A").replace("<table:table-cell ", '<table:table-cell table:number-columns-repeated="16384" ')
    spreadsheet(path, {"理赔": [row(text("a"), text("b")), row(wide, repeat=1 << 20)]})
    assert error_cells(path, "理赔", 3, 2) == {(r, c): "#N/A" for r in (2, 3) for c in (0, 1)}


def test_a_sheet_without_errors_has_none_and_numbers_stay_numbers(tmp_path):
    path = tmp_path / "book.ods"
    spreadsheet(path, {"理赔": [row(text("name"), text("value")), row(text("#1 ward"), number("0"))]})
    assert error_cells(path, "理赔", 2, 2) == {}  # text that only starts with "#" is not an error: no formula
    grid = read_grid(path)
    assert grid.problems == {} and [cells for _, cells in grid.rows] == [("name", "value"), ("#1 ward", "0")]


HEADER = ["claim_id", "person_id", "visit_type", "admission_date", "discharge_date", "policy_scope_cost",
          "basic_paid", "critical_paid"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_failed_formula_cached_as_zero_is_not_an_amount_of_zero(engine, tmp_path, capsys):
    """Wuxi, 特困人员: 100% of cost − basic − critical (四(六)). c1's basic_paid is `#DIV/0!`, which LibreOffice
    caches as 0: read as 0, aid would be 100% × (200.00 − 0 − 0) = 200.00 on data nobody has. The row goes to
    rejects naming basic_paid; c2 settles by hand: 100% × (300.00 − 100.00 − 0) = 200.00, self-pay 0."""
    book = tmp_path / "claims.ods"
    spreadsheet(book, {"理赔": [row(*map(text, HEADER)),
                                row(*map(text, ["c1", "p1", "outpatient", "", "2023-05-01", "200"]), failed("#DIV/0!"),
                                    text("0")),
                                row(*map(text, ["c2", "p1", "outpatient", "", "2023-05-02", "300", "100", "0"]))]})
    identities = tmp_path / "identities.csv"
    identities.write_text("person_id,category,start,end\np1,特困人员,2023-01-01,\n", encoding="utf-8")
    code, err, written = run_engine(engine, policy("wuxi"), book, identities, tmp_path / "out", capsys, rejects=True)
    assert code == 0, err
    results = list(csv.DictReader(io.StringIO(written["results.csv"].decode("utf-8"))))
    assert [(r["claim_id"], r["aid_paid"], r["self_pay"]) for r in results] == [("c2", "200.00", "0.00")]
    (rejected,) = csv.DictReader(io.StringIO(written["rejects.csv"].decode("utf-8")))
    assert rejected["claim_id"] == "c1" and rejected["reason"].startswith("basic_paid"), rejected
    assert "#DIV/0!" in rejected["reason"], rejected
