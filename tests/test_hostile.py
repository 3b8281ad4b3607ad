"""Data as settlement offices have it (issue 10): the hostile corpus under tests/data/hostile/ (files written by
its generate.py, outcomes written by hand in its expected.toml), the Wuxi example in every encoding and as a
workbook, and a property: whatever is done to a good file's rows, every row ends up once in results or rejects
and no other row's result changes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tomllib
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidlang.cli import main

ROOT = Path(__file__).resolve().parent.parent
WUXI = str(ROOT / "policies" / "wuxi.aid")
HOSTILE = ROOT / "tests" / "data" / "hostile"
EXPECTED = tomllib.loads((HOSTILE / "expected.toml").read_text(encoding="utf-8"))
csv.field_size_limit(1_000_000)  # a rejects file repeats a 140,000-character row as written


def csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def claims_of(case: str) -> Path:
    return next((HOSTILE / case).glob("claims.*"))


def test_the_corpus_is_what_its_script_writes(tmp_path):
    """Every case has its outcome written down, and every outcome its case."""
    folders = {p.name for p in HOSTILE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_case_without_rejects(case, lang, tmp_path, capsys):
    expected = EXPECTED[case]
    claims, identities = claims_of(case), HOSTILE / case / "identities.csv"
    out = tmp_path / "results.csv"
    code = main(["run", WUXI, "--claims", str(claims), "--identities", str(identities), "--out", str(out),
                 "--lang", lang])
    err = capsys.readouterr().err
    assert code == expected.get("exit", 0), err
    assert "Traceback" not in err and "内部错误" not in err and "internal error" not in err
    if expected.get("any_message"):
        assert err.strip()
    else:
        lines = [line.format(claims=claims, identities=identities) for line in expected.get(lang, [])]
        assert err.splitlines() == lines
    assert out.exists() == (code == 0)  # a failed run writes nothing


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_hostile_case_with_rejects(case, tmp_path, capsys):
    expected = EXPECTED[case]
    claims, identities = claims_of(case), HOSTILE / case / "identities.csv"
    out, rejects = tmp_path / "results.csv", tmp_path / "rejects.csv"
    code = main(["run", WUXI, "--claims", str(claims), "--identities", str(identities), "--out", str(out),
                 "--rejects", str(rejects)])
    err = capsys.readouterr().err
    assert code == expected.get("rejects_exit", 0), err
    assert "Traceback" not in err and "内部错误" not in err
    if code != 0:
        assert not out.exists() and not rejects.exists()
        return
    results, rejected = csv_rows(out), csv_rows(rejects)
    assert (len(results), len(rejected)) == (expected.get("results", 4), expected.get("rejects", 0))
    assert len(results) + len(rejected) == 4  # every claim row once: none lost, none doubled
    side = tmp_path / "rejects.identities.csv"
    assert (len(csv_rows(side)) if side.exists() else 0) == expected.get("identity_rejects", 0)


def test_a_bad_identity_row_of_a_person_without_claims_is_in_its_own_rejects_file(tmp_path, capsys):
    case = HOSTILE / "identities_bad_row_no_claims"
    rejects = tmp_path / "rejects.csv"
    assert main(["run", WUXI, "--claims", str(case / "claims.csv"), "--identities", str(case / "identities.csv"),
                 "--out", str(tmp_path / "results.csv"), "--rejects", str(rejects)]) == 0
    (row,) = csv_rows(tmp_path / "rejects.identities.csv")
    # the identity row as written, then its row and reason (the claims rejects file's form)
    assert row == {"person_id": "p9", "category": "特困人员", "start": "2023-02-30", "end": "", "row": "4",
                   "reason": "start: 日期不存在：2023-02-30"}


def test_allow_extra_columns_ignores_a_near_column_with_a_warning(tmp_path, capsys):
    claims = claims_of("column_case")
    assert main(["run", WUXI, "--claims", str(claims), "--identities", str(HOSTILE / "good" / "identities.csv"),
                 "--out", str(tmp_path / "results.csv"), "--allow-extra-columns"]) == 0
    assert capsys.readouterr().err.splitlines() == [f"{claims}:1:Referred: 多余的列，已忽略（与 referred 相近）"]


def test_max_amount_moves_the_ceiling(tmp_path, capsys):
    claims = claims_of("amount_over_ceiling")
    common = ["run", WUXI, "--claims", str(claims), "--identities", str(HOSTILE / "good" / "identities.csv"),
              "--out", str(tmp_path / "results.csv")]
    assert main(common + ["--max-amount", "200000000"]) == 0
    assert main(common + ["--max-amount", "lots"]) == 2
    assert capsys.readouterr().err.splitlines() == ["--max-amount：不是金额（元，最多两位小数）：lots"]


def test_a_forced_encoding_and_a_named_sheet(tmp_path, capsys):
    identities = str(HOSTILE / "good" / "identities.csv")
    gbk = claims_of("gbk")
    assert main(["run", WUXI, "--claims", str(gbk), "--identities", identities, "--encoding", "utf-16",
                 "--out", str(tmp_path / "r.csv")]) == 2
    assert capsys.readouterr().err.splitlines()[0].startswith(f"{gbk}:")
    book = claims_of("xlsx")
    assert main(["run", WUXI, "--claims", str(book), "--identities", identities, "--sheet", "账单",
                 "--out", str(tmp_path / "r.csv")]) == 2
    assert capsys.readouterr().err.splitlines() == [f"{book}: 工作簿中没有工作表 账单（有：理赔、说明）"]
    assert main(["run", WUXI, "--claims", str(book), "--identities", identities, "--sheet", "理赔",
                 "--out", str(tmp_path / "r.csv")]) == 0


# ---------------------------------------------------------------- the Wuxi example, as offices save it

WUXI_CLAIMS = ROOT / "examples" / "wuxi" / "claims.csv"
WUXI_IDENTITIES = ROOT / "examples" / "wuxi" / "identities.csv"


def wuxi_workbook(path: Path) -> None:
    """examples/wuxi/claims.csv as Excel holds it: dates as date cells, amounts as number cells."""
    rows = list(csv.reader(io.StringIO(WUXI_CLAIMS.read_text(encoding="utf-8"))))
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2023, 1, 1)})
    sheet = book.add_worksheet()
    dates = book.add_format({"num_format": "yyyy/m/d"})
    header = rows[0]
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            column = header[c]
            if r and value and column.endswith("_date"):
                sheet.write_datetime(r, c, dt.datetime.fromisoformat(value), dates)
            elif r and value and column in ("policy_scope_cost", "basic_paid", "critical_paid"):
                sheet.write_number(r, c, float(value))
            elif value:
                sheet.write_string(r, c, value)
    book.close()


def saved_as(form: str, directory: Path) -> Path:
    text = WUXI_CLAIMS.read_text(encoding="utf-8")
    if form == "gbk":
        path = directory / "claims-gbk.csv"
        path.write_bytes(text.replace("\n", "\r\n").encode("gbk"))
    elif form == "utf-16":  # Excel's "Unicode text": UTF-16LE with a BOM, tab-separated
        path = directory / "claims-utf16.txt"
        path.write_bytes(text.replace(",", "\t").replace("\n", "\r\n").encode("utf-16"))
    else:
        path = directory / "claims.xlsx"
        wuxi_workbook(path)
    return path


@pytest.mark.parametrize("form", ["gbk", "utf-16", "xlsx"])
def test_the_wuxi_example_saved_by_an_office_settles_byte_for_byte_the_same(form, tmp_path, capsys):
    plain, other = tmp_path / "plain.csv", tmp_path / "other.csv"
    assert main(["run", WUXI, "--claims", str(WUXI_CLAIMS), "--identities", str(WUXI_IDENTITIES),
                 "--out", str(plain)]) == 0
    claims = saved_as(form, tmp_path)
    assert main(["run", WUXI, "--claims", str(claims), "--identities", str(WUXI_IDENTITIES),
                 "--out", str(other)]) == 0
    assert other.read_bytes() == plain.read_bytes()
    assert capsys.readouterr().err.splitlines()[0].startswith(f"{claims}：读取 390 行")  # examples/wuxi: 390 claims


# ---------------------------------------------------------------- any mutation of a good file

HEADER = "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid"
# one claim per person: a rejected row cannot move another row's ledgers (caps, deductibles)
GOOD_ROWS = [["c1", "p1", "inpatient", "2023-03-01", "2023-03-10", "20000", "12000", "0"],
             ["c2", "p2", "普通门诊", "", "2023-05-01", "300", "100", "0"],
             ["c3", "p3", "outpatient", "", "2023-06-01", "500", "200", "0"],
             ["c4", "p4", "住院", "2023-07-01", "2023-07-05", "8000", "5000", "0"]]
PROPERTY_IDENTITIES = ("person_id,category,start,end\np1,特困人员,2023-01-01,\np2,最低生活保障对象,2023-01-01,\n"
                       "p3,最低生活保障对象,2023-01-01,\np4,特困人员,2023-01-01,\n")
# values that name no other row's claim or person (else a duplicate claim_id would move another row)
HOSTILE_VALUES = ["", "x", "\x00", '"', '"x', 'x"', "9" * 30, "1,2", "2,000.00", "2023/2/30", "2023/3/1", "04/01/2023",
                  "¥5", "是", "p1\u200b", "-1", "  ", "\t", "\r", "１２", "0.001", "inpatient", "2023-02-28"]


@st.composite
def mutations(draw):
    """Up to three rows changed: a cell replaced, a cell dropped, a cell added, or a quote put anywhere."""
    changes = {}
    for row in draw(st.sets(st.integers(0, len(GOOD_ROWS) - 1), max_size=3)):
        cells = list(GOOD_ROWS[row])
        kind = draw(st.sampled_from(["replace", "replace", "drop", "add", "quote"]))
        at = draw(st.integers(0, len(cells) - 1))
        if kind == "replace":
            cells[at] = draw(st.sampled_from(HOSTILE_VALUES))
        elif kind == "drop":
            del cells[at]
        elif kind == "add":
            cells.insert(at, draw(st.sampled_from(HOSTILE_VALUES)))
        line = ",".join(cells)
        if kind == "quote":
            position = draw(st.integers(0, len(line)))
            line = line[:position] + '"' + line[position:]
        changes[row] = line
    return changes


def settle(directory: Path, lines: list[str]) -> tuple[int, dict[str, list[str]], list[dict]]:
    claims, identities = directory / "claims.csv", directory / "identities.csv"
    claims.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    identities.write_text(PROPERTY_IDENTITIES, encoding="utf-8")
    out, rejects = directory / "results.csv", directory / "rejects.csv"
    code = main(["run", WUXI, "--claims", str(claims), "--identities", str(identities), "--out", str(out),
                 "--rejects", str(rejects)])
    results = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))[1:] if code == 0 else []
    rejected = csv_rows(rejects) if code == 0 and rejects.exists() else []
    return code, {row[0]: row for row in results}, rejected


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(mutations())
def test_any_mutation_keeps_every_row_and_every_other_result(tmp_path_factory, changes):
    directory = tmp_path_factory.mktemp("mutated")
    good_code, good, _ = settle(directory, [",".join(r) for r in GOOD_ROWS])
    lines = [changes.get(i, ",".join(r)) for i, r in enumerate(GOOD_ROWS)]
    code, results, rejected = settle(directory, lines)
    assert good_code == 0 and code == 0
    assert len(results) + len(rejected) == len(GOOD_ROWS)
    assert {int(r["row"]) - 2 for r in rejected} <= set(changes)  # only a changed row can be rejected
    for i, cells in enumerate(GOOD_ROWS):
        if i not in changes:
            assert results[cells[0]] == good[cells[0]]
