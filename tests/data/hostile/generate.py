"""Writes the hostile corpus beside this script: one folder per case, each with the claims file as a settlement
office might send it (and identities.csv where the case is about identities). Deterministic: run it again and
`git diff` shows nothing. The outcome of each case is written by hand in `expected.toml`, not here.

    python3 tests/data/hostile/generate.py
"""

from __future__ import annotations

import codecs
import datetime as dt
import shutil
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent

HEADER = ["claim_id", "person_id", "visit_type", "admission_date", "discharge_date", "policy_scope_cost",
          "basic_paid", "critical_paid", "referred", "in_province"]
ROWS = [  # the good file: rows 2-5; p1 特困人员, p2 最低生活保障对象 (identities.csv)
    ["c1", "p1", "inpatient", "2023-03-01", "2023-03-10", "20000", "12000", "0", "true", "true"],
    ["c2", "p2", "普通门诊", "", "2023-05-01", "300", "100", "0", "true", "true"],
    ["c3", "p1", "outpatient", "", "2023-06-01", "500", "200", "0", "true", "true"],
    ["c4", "p2", "住院", "2023-07-01", "2023-07-05", "8000", "5000", "0", "false", "true"],
]
IDENTITIES = "person_id,category,start,end\np1,特困人员,2023-01-01,\np2,最低生活保障对象,2023-01-01,\n"
ZH_HEADER = ["就诊编号", "人员编号", "就诊类型", "入院日期", "出院日期", "政策范围内费用", "基本医保支付",
             "大病保险支付", "是否转诊", "是否省内"]


def text(header=HEADER, rows=ROWS, delimiter=",", newline="\n") -> str:
    return newline.join(delimiter.join(cells) for cells in [header, *rows]) + newline


def changed(row: int, column: str, value: str) -> list[list[str]]:
    """The good rows with one cell changed (`row` as in the file: header = 1)."""
    rows = [list(r) for r in ROWS]
    rows[row - 2][HEADER.index(column)] = value
    return rows


def line_replaced(row: int, line: str) -> str:
    lines = text().splitlines()
    lines[row - 1] = line
    return "\n".join(lines) + "\n"


def workbook(path: Path, rows: list[list], header=HEADER) -> None:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2023, 1, 1)})  # else today's date: the file would differ each run
    sheet = book.add_worksheet("理赔")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, cells in enumerate([header, *rows]):
        for c, value in enumerate(cells):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            elif value != "":
                sheet.write_string(r, c, value)
    book.add_worksheet("说明").write_string(0, 0, "not the claims")
    book.close()


def typed_rows() -> list[list]:
    """The good rows as Excel holds them: dates as date cells, amounts as numbers."""
    rows = []
    for cells in ROWS:
        typed = list(cells)
        for column in ("admission_date", "discharge_date"):
            i = HEADER.index(column)
            typed[i] = dt.date.fromisoformat(cells[i]) if cells[i] else ""
        for column in ("policy_scope_cost", "basic_paid", "critical_paid"):
            i = HEADER.index(column)
            typed[i] = float(cells[i])
        rows.append(typed)
    return rows


# case -> {file name: bytes}; identities.csv is the good one unless the case gives its own
CASES: dict[str, dict[str, bytes]] = {
    "good": {"claims.csv": text().encode()},
    "open_quote": {"claims.csv": line_replaced(3, 'c2,p2,"普通门诊,,2023-05-01,300,100,0,true,true').encode()},
    "open_quote_long": {"claims.csv": line_replaced(3, 'c2,p2,"普通门诊' + "x" * 140_000 + ',,2023-05-01').encode()},
    "misplaced_quote": {"claims.csv": line_replaced(3, 'c2,p2,"普通门诊" ,,2023-05-01,300,100,0,true,true').encode()},
    "short_row": {"claims.csv": line_replaced(4, "c3,p1,outpatient,,2023-06-01,500,200,0,true").encode()},
    "long_row": {"claims.csv": line_replaced(4, "c3,p1,outpatient,,2023-06-01,500,200,0,true,true,x").encode()},
    "nul_in_person": {"claims.csv": text(rows=changed(2, "person_id", "p\x001")).encode()},
    "zero_width_in_person": {"claims.csv": text(rows=changed(2, "person_id", "p1\u200b")).encode()},
    "cr_inside_cell": {"claims.csv": text(rows=changed(3, "claim_id", "c\r2")).encode()},
    "tab_inside_cell": {"claims.csv": text(rows=changed(3, "claim_id", "c\t2")).encode()},
    "column_case": {"claims.csv": text(header=HEADER[:8] + ["Referred", "in_province"]).encode()},
    "column_misspelt": {"claims.csv": text(header=HEADER[:8] + ["refered", "in_province"]).encode()},
    "column_dash": {"claims.csv": text(header=HEADER[:9] + ["in-province"]).encode()},
    "column_near_chinese": {"claims.csv": text(header=HEADER[:8] + ["是否转院", "in_province"]).encode()},
    "column_far_extra": {"claims.csv": text(header=HEADER + ["remark"], rows=[r + ["备注"] for r in ROWS]).encode()},
    "column_twice_by_alias": {"claims.csv": text(header=HEADER[:9] + ["就诊编号"]).encode()},
    "amount_5000_digits": {"claims.csv": text(rows=changed(2, "policy_scope_cost", "9" * 5000)).encode()},
    "amount_30_digits": {"claims.csv": text(rows=changed(2, "policy_scope_cost", "9" * 30)).encode()},
    "amount_over_ceiling": {"claims.csv": text(rows=changed(2, "policy_scope_cost", "100000000.01")).encode()},
    "amount_ambiguous_commas": {"claims.csv": text(rows=changed(3, "policy_scope_cost", '"1,2,3"')).encode()},
    "date_ambiguous": {"claims.csv": text(rows=changed(5, "admission_date", "04/07/2023")).encode()},
    "date_no_such_day": {"claims.csv": text(rows=changed(5, "admission_date", "2023年2月30日")).encode()},
    "normalised_values": {"claims.csv": text(rows=[
        ["c1", "p1", "住院", "2023/3/1", "2023年3月10日", '"20,000.00"', "¥12000", "0", "是", "是"],
        ["c2", "p2", "普通门诊", "", "20230501", "３００．００", "100元", "0", "true", "true"],
        ROWS[2], ROWS[3]]).encode()},
    "utf8_bom": {"claims.csv": codecs.BOM_UTF8 + text().encode()},
    "crlf": {"claims.csv": text(newline="\r\n").encode()},
    "gbk": {"claims.csv": text().encode("gbk")},
    "gb18030_tab": {"claims.csv": text(delimiter="\t", newline="\r\n").encode("gb18030")},
    "utf16le_tab": {"claims.csv": text(delimiter="\t", newline="\r\n").encode("utf-16")},  # Excel's Unicode text
    "utf16be": {"claims.csv": codecs.BOM_UTF16_BE + text().encode("utf-16-be")},
    "chinese_headers": {"claims.csv": text(header=ZH_HEADER).encode("gbk")},
    "empty": {"claims.csv": b""},
    "only_blank_lines": {"claims.csv": b"\n\r\n  \n"},
    "not_text": {"claims.csv": bytes(range(128, 256)) * 4},
    "identities_open_quote": {"claims.csv": text().encode(),
                              "identities.csv": IDENTITIES.replace("p2,最低", 'p2,"最低').encode()},
    "identities_bad_row_no_claims": {"claims.csv": text().encode(),
                                     "identities.csv": (IDENTITIES + "p9,特困人员,2023-02-30,\n").encode()},
    "identities_short_row": {"claims.csv": text().encode(),
                             "identities.csv": IDENTITIES.replace("p2,最低生活保障对象,2023-01-01,",
                                                                  "p2,最低生活保障对象,2023-01-01").encode()},
}
WORKBOOKS = {  # case -> rows as Excel holds them (written with xlsxwriter)
    "xlsx": typed_rows(),
    "xlsx_three_decimals": [typed_rows()[0][:5] + [2183.605] + typed_rows()[0][6:], *typed_rows()[1:]],
    "xlsx_sixteen_digit_id": [[1234567890123456.0] + typed_rows()[0][1:], *typed_rows()[1:]],
}


def main() -> None:
    for folder in HERE.iterdir():
        if folder.is_dir() and folder.name != "__pycache__":
            shutil.rmtree(folder)
    for case, files in CASES.items():
        folder = HERE / case
        folder.mkdir()
        for name, content in {"identities.csv": IDENTITIES.encode(), **files}.items():
            (folder / name).write_bytes(content)
    for case, rows in WORKBOOKS.items():
        folder = HERE / case
        folder.mkdir()
        workbook(folder / "claims.xlsx", rows)
        (folder / "identities.csv").write_bytes(IDENTITIES.encode())


if __name__ == "__main__":
    main()
