"""Hostile and real-world input files on all three engines (interp is the reference): money that goes silently
wrong, a claim lost or misread, or engines that disagree (results bytes, rejects, exit code, messages).

tests/test_hostile.py runs its corpus on the default engine and tests/test_batch.py compares the batch engine
with the interpreter on that corpus; the files here are other forms (line separators Python and polars split
differently, header shapes, UTF-32, identities and persons that are odd but valid, Parquet dtypes, workbook
error cells, parameters with many decimals, amounts at the 15-digit limit) and every one runs on interp,
compiled and batch. Expected amounts are worked out by hand (arithmetic in comments)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from aidlang.cli import main

ROOT = Path(__file__).resolve().parent.parent
GENERATED = str(ROOT / "generated")
ENGINES = ("interp", "compiled", "batch")


def policy(name: str) -> str:
    return str(ROOT / "policies" / f"{name}.aid")


HEADER = "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid"
# 特困人员: 100% of cost − basic − critical (四(六)); 最低生活保障对象: 85%; 低保边缘家庭成员: 70%
IDENTITIES = ("person_id,category,start,end\np1,特困人员,2023-01-01,\np2,最低生活保障对象,2023-01-01,\n"
              "p3,低保边缘家庭成员,2023-01-01,\n")
GOOD = ["c1,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0",  # 100% × 8000 = 8000, self-pay 0
        "c2,p2,outpatient,,2023-05-01,300,100,0"]  # 85% × 200 = 170, self-pay 30


def lines(*rows: str, header: str = HEADER, end: str = "\n") -> str:
    return end.join((header, *rows)) + end


def run_engine(engine: str, policy_path: str, claims: Path, identities: Path | None, out_dir: Path, capsys,
               persons: Path | None = None, extra: tuple[str, ...] | list[str] = (), rejects: bool = False,
               out_name: str = "results.csv"):
    """One `aidlang run` in-process: (exit code, stderr lines without the batch engine's own line, the files
    written in out_dir by name)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    args = ["run", policy_path, "--claims", str(claims), "--out", str(out_dir / out_name), "--engine", engine,
            "--generated", GENERATED]
    if identities is not None:
        args += ["--identities", str(identities)]
    if persons is not None:
        args += ["--persons", str(persons)]
    if rejects:
        args += ["--rejects", str(out_dir / "rejects.csv")]
    capsys.readouterr()
    code = main(args + list(extra))
    err = capsys.readouterr().err
    assert "Traceback" not in err and "内部错误" not in err, err
    lines_ = [line.replace(str(out_dir), "<OUT>") for line in err.splitlines() if not line.startswith("批处理引擎")]
    written = {p.name: p.read_bytes() for p in sorted(out_dir.iterdir())}
    return code, lines_, written


def run_all(tmp_path: Path, capsys, policy_path: str, claims: Path, identities: Path | None, **kw) -> dict:
    return {engine: run_engine(engine, policy_path, claims, identities, tmp_path / f"out-{engine}", capsys, **kw)
            for engine in ENGINES}


def rows_of(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def result_line(written: dict, claim_id: str) -> str:
    for line in written["results.csv"].decode("utf-8").splitlines():
        if line.split(",", 1)[0] == claim_id:
            return line
    raise AssertionError(f"{claim_id} not in results")


# ================================================================ BUGS: money silently wrong on the batch engine

# Guangde leaves the tilted ratio to the coordinating region (参数 tilted_ratio 比率 另行发布). An office that
# copies a third out of Excel gets "0.333333333333333" (15 decimals, which --param accepts). The batch engine
# keeps the ratio as an integer fraction 333333333333333/10^15 and computes (2·covered·num + den) // (2·den) in
# Int64: 2 × 40000 fen × 333333333333333 ≈ 2.7e19 wraps around.
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("ratio", ["0.333333333333333", "33.3333333333333%"])
def test_a_tilted_ratio_parameter_with_many_decimals_pays_the_same_on_every_engine(engine, ratio, tmp_path, capsys):
    claims = tmp_path / "claims.csv"
    claims.write_text(lines("c1,p1,inpatient,2025-03-01,2025-03-10,2000,0,0"), encoding="utf-8")
    identities = tmp_path / "identities.csv"
    identities.write_text("person_id,category,start,end\np1,特困人员,2024-12-04,\n", encoding="utf-8")
    code, err, written = run_engine(engine, policy("guangde"), claims, identities, tmp_path / "out", capsys,
                                    extra=["--param", "tilted_threshold=0", "--param", f"tilted_ratio={ratio}",
                                           "--param", "tilted_cap=1000000"])
    assert code == 0, err
    # 医疗救助 (2): 特困人员 80%, no deductible (1), cap 5万: 80% × 2000 = 1600
    # 倾斜救助 (3): burden 2000 − 1600 = 400 over a threshold of 0: 400 × 0.333333333333333 = 133.3333333333332
    #   → 133.33 (half-up once); self-pay 2000 − 1600 − 133.33 = 266.67
    # (batch gives 41.10 and 358.90: the product wrapped around)
    assert result_line(written, "c1") == "c1,p1,特困人员,0.00,0.00,1600.00,133.33,266.67,ok,2;1;3"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_larger_claim_with_that_ratio_never_pays_a_negative_amount(engine, tmp_path, capsys):
    claims = tmp_path / "claims.csv"
    claims.write_text(lines("c1,p1,inpatient,2025-03-01,2025-03-10,100000,0,0"), encoding="utf-8")
    identities = tmp_path / "identities.csv"
    identities.write_text("person_id,category,start,end\np1,特困人员,2024-12-04,\n", encoding="utf-8")
    code, err, written = run_engine(engine, policy("guangde"), claims, identities, tmp_path / "out", capsys,
                                    extra=["--param", "tilted_threshold=10000", "--param",
                                           "tilted_ratio=0.333333333333333", "--param", "tilted_cap=1000000"])
    assert code == 0, err
    # 医疗救助: 80% × 100000 = 80000 > cap 50000 → 50000
    # 倾斜救助: burden 100000 − 50000 = 50000; (50000 − 10000) × 0.333333333333333 = 13333.33333333332 → 13333.33
    # self-pay 100000 − 50000 − 13333.33 = 36666.67   (batch: tilted −40.56, self-pay 50040.56, basis without 3)
    assert result_line(written, "c1") == "c1,p1,特困人员,0.00,0.00,50000.00,13333.33,36666.67,ok,2;1;3"


# --max-amount may be raised to the 15-digit limit (docs/data.md). The batch engine's ledgers are Int64 running
# sums ("a difference of wrapped sums is still exact" — but max(0, T + b − D) of a wrapped T is not): the
# tilted burden of 93 claims of 999,999,999,999,999 yuan (9.3e18 fen) passes 2^63.
@pytest.mark.parametrize("engine", ENGINES)
def test_ledgers_at_the_fifteen_digit_limit_do_not_wrap_around(engine, tmp_path, capsys):
    days = [dt.date(2023, 1, 1) + dt.timedelta(days=i) for i in range(93)]
    claims = tmp_path / "claims.csv"
    claims.write_text(lines(*(f"c{i + 1:02d},p2,outpatient,,{day},999999999999999,0,0" for i, day in enumerate(days))),
                      encoding="utf-8")
    identities = tmp_path / "identities.csv"
    identities.write_text(IDENTITIES, encoding="utf-8")
    code, err, written = run_engine(engine, policy("wuxi"), claims, identities, tmp_path / "out", capsys,
                                    extra=["--max-amount", "999999999999999.99"])
    assert code == 0, err
    # C = 999,999,999,999,999 yuan. c01: aid 85% × C capped at the outpatient cap 1万 → 10000; burden C − 10000;
    #   tilted 60% × (C − 10000 − 6000) = 599,999,999,990,399.40; self-pay C − 10000 − that = 399,999,999,999,599.60
    assert result_line(written, "c01") == ("c01,p2,最低生活保障对象,0.00,0.00,10000.00,599999999990399.40,"
                                           "399999999999599.60,ok,四(六);四(七)")
    # every later claim: the cap is used up (aid 0), T is far over 6000: tilted 60% × C = 599,999,999,999,999.40,
    # self-pay 399,999,999,999,999.60 — c93 too (batch: 140232221312310.05 and 859767778687688.95 on c93)
    for i in range(2, 94):
        assert result_line(written, f"c{i:02d}") == (f"c{i:02d},p2,最低生活保障对象,0.00,0.00,0.00,"
                                                     "599999999999999.40,399999999999999.60,ok,四(六);四(七)")


# ================================================================ BUG: a workbook error cell read as empty

def mianyang_workbook(path: Path) -> None:
    """One Mianyang claim whose critical_paid cell is a formula that failed (=VLOOKUP(...) shows #N/A)."""
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2023, 1, 1)})
    sheet = book.add_worksheet()
    for c, name in enumerate(HEADER.split(",")):
        sheet.write_string(0, c, name)
    for c, value in enumerate(["c1", "p1", "inpatient", "2023-03-01", "2023-03-10", "50000", "20000"]):
        sheet.write_string(1, c, value)
    sheet.write_formula(1, 7, "=VLOOKUP(A2,Sheet2!A:B,2,FALSE)", None, "#N/A")  # an error cell: <c t="e">
    book.close()


MIANYANG_PARAMS = ["--param", "prev_year_disposable_income=33500", "--param", "poverty_monitoring_income_line=7300",
                   "--param", "aid_annual_cap=100000", "--param", "tilted_annual_cap=50000"]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_error_cell_is_not_an_empty_cell(engine, tmp_path, capsys):
    """An empty critical_paid means "the policy computes it" (Mianyang defines 大病保险); a #N/A cell is broken
    data, never "not given". Today it is read as empty: 大病保险 is computed — (50000 − 20000 − 50% × 50% × 33500)
    × 65% = 21625 × 65% = 14056.25 — and 医疗救助 pays 100% × (50000 − 20000 − 14056.25) = 15943.75 on data nobody
    has. The contract: a bad row names file, row and column; without --rejects the run fails, nothing written."""
    book = tmp_path / "claims.xlsx"
    mianyang_workbook(book)
    identities = tmp_path / "identities.csv"
    identities.write_text("person_id,category,start,end\np1,特困人员,2022-07-01,\n", encoding="utf-8")
    code, err, written = run_engine(engine, policy("mianyang"), book, identities, tmp_path / "out", capsys,
                                    extra=MIANYANG_PARAMS)
    assert code == 2, written
    assert err and err[0].startswith(f"{book}:2:critical_paid"), err
    assert written == {}


@pytest.mark.parametrize("engine", ENGINES)
def test_an_error_cell_row_goes_to_rejects(engine, tmp_path, capsys):
    book = tmp_path / "claims.xlsx"
    mianyang_workbook(book)
    identities = tmp_path / "identities.csv"
    identities.write_text("person_id,category,start,end\np1,特困人员,2022-07-01,\n", encoding="utf-8")
    code, err, written = run_engine(engine, policy("mianyang"), book, identities, tmp_path / "out", capsys,
                                    extra=MIANYANG_PARAMS, rejects=True)
    assert code == 0, err
    assert rows_of(written["results.csv"]) == []
    (rejected,) = rows_of(written["rejects.csv"])
    assert rejected["claim_id"] == "c1" and rejected["reason"].startswith("critical_paid"), rejected


# ================================================================ BUG (minor): Excel's 1900-02-29

def test_excel_serial_60_is_not_read_as_another_day(tmp_path, capsys):
    """Excel shows serial 60 as 1900-02-29 (its Lotus leap-year bug); the reader gives 1900-02-28, the same date
    as serial 59 — two different cells read as one date, silently. A day that does not exist is an error
    (docs/data.md, Values)."""
    book = tmp_path / "claims.xlsx"
    workbook = xlsxwriter.Workbook(str(book))
    workbook.set_properties({"created": dt.datetime(2023, 1, 1)})
    sheet = workbook.add_worksheet()
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for c, name in enumerate(HEADER.split(",")):
        sheet.write_string(0, c, name)
    for c, value in enumerate(["c1", "p1", "inpatient"]):
        sheet.write_string(1, c, value)
    sheet.write_number(1, 3, 60, dates)  # admission_date: the cell Excel displays as 1900-02-29
    sheet.write_datetime(1, 4, dt.datetime(2023, 3, 10), dates)
    for c, value in enumerate([20000, 12000, 0], start=5):
        sheet.write_number(1, c, value)
    workbook.close()
    identities = tmp_path / "identities.csv"
    identities.write_text(IDENTITIES, encoding="utf-8")
    code, err, written = run_engine("interp", policy("wuxi"), book, identities, tmp_path / "out", capsys)
    assert code == 2, written
    assert err[0].startswith(f"{book}:2:admission_date"), err


# ================================================================ the three engines agree (these pass)

CLAIM_FILES: dict[str, bytes] = {
    # line separators that Python's str.splitlines() would split at but a CSV line does not end at
    "NEL inside a cell": lines(GOOD[0], "c2,p\u00852,outpatient,,2023-05-01,300,100,0").encode(),
    "LINE SEPARATOR before the line end": lines(GOOD[0] + "\u2028", GOOD[1]).encode(),
    "vertical tab inside a cell": lines(GOOD[0], "c2,p\x0b2,outpatient,,2023-05-01,300,100,0").encode(),
    "a form feed line between rows": lines(GOOD[0], "\x0c", GOOD[1]).encode(),
    "a lone CR ending one row": (HEADER + "\r\n" + GOOD[0] + "\r" + GOOD[1] + "\n").encode(),
    "lone CRs only": (HEADER + "\r" + GOOD[0] + "\r" + GOOD[1] + "\r").encode(),
    # a quote on the line, and a lone CR outside it (csv refuses such a line even when lenient)
    "a quoted cell and a lone CR in another": lines(GOOD[0], '"c2",p\r2,outpatient,,2023-05-01,300,100,0').encode(),
    "NBSP and ideographic space at cell edges": lines(GOOD[0], "c2,\u3000p2\u00a0,outpatient,,2023-05-01,300,100,0"
                                                      ).encode(),
    # header shapes
    "an empty header cell": lines("c1,p1,x,inpatient,2023-03-01,2023-03-10,20000,12000,0",
                                  header=HEADER.replace("person_id", "person_id,")).encode(),
    "a header with a trailing comma, rows without": lines(*GOOD, header=HEADER + ",").encode(),
    "a quoted header": lines(*GOOD, header=",".join(f'"{h}"' for h in HEADER.split(","))).encode(),
    "two BOMs": b"\xef\xbb\xbf" + lines(*GOOD).encode("utf-8-sig"),
    "a UTF-8 BOM before GBK text": b"\xef\xbb\xbf" + lines(GOOD[0].replace("inpatient", "住院"),
                                                           GOOD[1]).encode("gbk"),
    "UTF-32 with a BOM": lines(*GOOD).encode("utf-32"),
    "UTF-16 with a BOM, comma-separated, CRLF": lines(*GOOD, end="\r\n").encode("utf-16"),
    "a field quoted across two lines": lines('"c1\nx",p1,inpatient,2023-03-01,2023-03-10,20000,12000,0', GOOD[1]
                                             ).encode(),
    # values
    "odd amounts": lines("c1,p1,inpatient,2023-03-01,2023-03-10,１２３.５,0,0", "c2,p2,outpatient,,2023-05-01,+5,0,0",
                         "c3,p2,outpatient,,2023-05-01,.5,0,0", "c4,p2,outpatient,,2023-05-01,5.,0,0",
                         "c5,p2,outpatient,,2023-05-01,1e3,0,0", "c6,p2,outpatient,,2023-05-01,-0,0,0",
                         "c7,p2,outpatient,,2023-05-01,00012,0,0", "c8,p2,outpatient,,2023-05-01,0.0,0,0",
                         "c9,p2,outpatient,,2023-05-01,5.00元,￥1,0", "c10,p2,outpatient,,2023-05-01,𝟏𝟐,0,0",
                         "c11,p2,outpatient,,2023-05-01,٣,0,0", "c12,p2,outpatient,,2023-05-01,00000000000000012,0,0"
                         ).encode(),
    "odd dates": lines("c1,p1,inpatient,0001-01-01,0001-01-05,20000,12000,0",
                       "c2,p1,inpatient,9999-12-25,9999-12-31,20000,12000,0",
                       "c3,p2,inpatient,2023-05-02,2023-05-01,300,100,0",
                       "c4,p2,inpatient,1900-01-01,2023-05-01,300,100,0",
                       "c5,p3,chronic,2022-12-31,2023-01-01,5000,100,0",
                       "c6,p3,outpatient,2023/2/28,2023年3月1日,5000,100,0",
                       "c7,p3,outpatient,,20230302 ,5000,100,0").encode(),
    # settlement order: same discharge day, the outpatient cap (1万) decides who is paid; claim_id as text
    "claim ids ordered as text": lines(*(f"{cid},p2,outpatient,,2023-05-01,5000,0,0"
                                         for cid in ["9", "10", "B", "a", "é", "中", "ｃ1", "Z"])).encode(),
    # spreadsheet safety on every engine
    "formula-like ids": lines("=SUM(A1),p1,inpatient,2023-03-01,2023-03-10,20000,12000,0",
                              '"x,y",p1,inpatient,2023-03-01,2023-03-10,20000,12000,0',
                              '"c""q",p1,inpatient,2023-03-01,2023-03-10,20000,12000,0',
                              "-12,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0",
                              "@x,p1,dental,2023-03-01,2023-03-10,20000,12000,0",
                              "-1e5,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0",
                              '"-12",p1,inpatient,2023-03-01,2023-03-10,20000,12000,0').encode(),
}

IDENTITY_FILES = {
    "a quoted cell and a lone CR in another": ('person_id,category,start,end\n"p1",特困人员\r,2023-01-01,\n'
                                               "p2,最低生活保障对象,2023-01-01,\n"),
    "inverted interval": ("person_id,category,start,end\np1,特困人员,2023-05-01,2023-01-01\n"
                          "p2,最低生活保障对象,2023-01-01,\n"),
    "overlapping and repeated rows": ("person_id,category,start,end\np1,特困人员,2023-01-01,2023-06-01\n"
                                      "p1,特困人员,2023-02-01,\np1,特困人员,2023-02-01,\np2,最低生活保障对象,2023-01-01,\n"),
    # 丧失身份 次月起不再享受: an identity ending 2023-02-15 holds through 2023-02-28, not on 2023-03-01
    "lost before the stay": ("person_id,category,start,end\np1,特困人员,2022-01-01,2023-02-15\n"
                             "p2,最低生活保障对象,2023-01-01,2023-04-30\n"),
    "two categories held": ("person_id,category,start,end\np1,特困人员,2023-03-05,\np1,最低生活保障对象,2023-01-01,\n"
                            "p2,特困职工,2023-05-01,2023-05-01\np2,最低生活保障对象,2023-01-01,\n"),
    "an unknown category": ("person_id,category,start,end\np1,外星人,2023-01-01,\n"
                            "p2,最低生活保障对象,2023-01-01,\n"),
    "ids differing by width or case": ("person_id,category,start,end\nｐ1,特困人员,2023-01-01,\n"
                                       "P2,最低生活保障对象,2023-01-01,\n"),
    "a person without claims, bad row": ("person_id,category,start,end\np9,特困人员,2023-02-30,\n"
                                         "p1,特困人员,2023-01-01,\n"),
    "columns reordered, Chinese names, odd dates": ("结束日期,开始日期,身份类别,人员编号\n,2023/1/1,特困人员,p1\n"
                                                  "2023年12月31日,２０２３-０１-０１,最低生活保障对象,p2\n"),
    "a date with a time": ("person_id,category,start,end\np1,特困人员,2023-01-01 00:00:00,\n"
                           "p2,最低生活保障对象,2023-01-01,\n"),
    "year 9999 ends": ("person_id,category,start,end\np1,特困人员,0001-01-01,9999-12-31\n"
                       "p2,最低生活保障对象,2023-01-01,9999-12-15\n"),
}


def assert_agree(seen: dict) -> None:
    reference = seen["interp"]
    for engine in ("compiled", "batch"):
        assert seen[engine] == reference, engine


@pytest.mark.parametrize("name", sorted(CLAIM_FILES))
@pytest.mark.parametrize("rejects", [False, True], ids=["fail", "rejects"])
def test_odd_claim_files_get_one_answer_from_every_engine(name, rejects, tmp_path, capsys):
    claims = tmp_path / "claims.csv"
    claims.write_bytes(CLAIM_FILES[name])
    identities = tmp_path / "identities.csv"
    identities.write_text(IDENTITIES, encoding="utf-8")
    seen = run_all(tmp_path, capsys, policy("wuxi"), claims, identities, rejects=rejects)
    assert_agree(seen)
    assert seen["interp"][2].keys() <= {"results.csv", "rejects.csv"}
    if not rejects:
        assert (seen["interp"][0] == 0) == ("results.csv" in seen["interp"][2])  # all or nothing


@pytest.mark.parametrize(("encoding", "bom"), [("utf8", False), ("UTF_8", False), ("utf-8", True)])
def test_a_utf8_named_by_the_user_is_reported_alike_by_every_engine(encoding, bom, tmp_path, capsys):
    """`--encoding utf8` (or another name of UTF-8) on UTF-8 files: every engine reads them under the name given
    and says so alike in its summary (a BOM the user's UTF-8 leaves out of the first column's name)."""
    claims = tmp_path / "claims.csv"
    claims.write_bytes(lines(*GOOD, "c9,p1,dental,,2023-05-01,300,100,0").encode("utf-8-sig" if bom else "utf-8"))
    identities = tmp_path / "identities.csv"
    identities.write_text(IDENTITIES, encoding="utf-8")
    seen = run_all(tmp_path, capsys, policy("wuxi"), claims, identities, rejects=True, extra=("--encoding", encoding))
    assert_agree(seen)
    assert any(f"（{encoding.upper()}）" in line for line in seen["interp"][1])


@pytest.mark.parametrize("name", sorted(IDENTITY_FILES))
def test_odd_identity_files_get_one_answer_from_every_engine(name, tmp_path, capsys):
    claims = tmp_path / "claims.csv"
    claims.write_text(lines(*GOOD), encoding="utf-8")
    identities = tmp_path / "identities.csv"
    identities.write_text(IDENTITY_FILES[name], encoding="utf-8")
    seen = run_all(tmp_path, capsys, policy("wuxi"), claims, identities, rejects=True)
    assert_agree(seen)
    code, _, written = seen["interp"]
    if code == 0:
        assert len(rows_of(written["results.csv"])) + len(rows_of(written["rejects.csv"])) == 2


def test_an_identity_lost_before_the_month_ends_holds_to_its_end_only(tmp_path, capsys):
    claims = tmp_path / "claims.csv"
    claims.write_text(lines("c1,p1,inpatient,2023-02-28,2023-03-10,20000,12000,0",
                            "c2,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0"), encoding="utf-8")
    identities = tmp_path / "identities.csv"
    identities.write_text(IDENTITY_FILES["lost before the stay"], encoding="utf-8")
    seen = run_all(tmp_path, capsys, policy("wuxi"), claims, identities)
    assert_agree(seen)
    written = seen["interp"][2]
    # c1's stay begins 2023-02-28, within the month of the end (2023-02-15): 特困人员 100% × 8000 = 8000
    assert result_line(written, "c1") == "c1,p1,特困人员,12000.00,0.00,8000.00,0.00,0.00,ok,四(六)"
    # c2 begins 2023-03-01: no category, pays nothing beyond the insurance given; self-pay 20000 − 12000 = 8000
    assert result_line(written, "c2") == "c2,p1,,12000.00,0.00,0.00,0.00,8000.00,no_category,"


WUHAI_CLAIMS = lines("c1,q1,inpatient,2021-03-01,2021-03-10,30000,12000,0,true,true,白血病",
                     "c2,q1,inpatient,2021-04-01,2021-04-10,20000,8000,0,true,true,",
                     "c3,q2,inpatient,2021-03-01,2021-03-10,30000,12000,0,true,true,白血病",
                     "c4,q3,inpatient,2021-03-01,2021-03-10,30000,12000,0,true,true,白血病",
                     header=HEADER + ",referred,in_province,disease")
WUHAI_IDENTITIES = ("person_id,category,start,end\nq1,其他特殊困难人员,2020-11-01,\nq2,其他特殊困难人员,2020-11-01,\n"
                    "q3,其他特殊困难人员,2020-11-01,\n")
PERSON_HEADER = ("person_id,gender,birth_date,disability_grade,dibao_class,family_monthly_income_per_capita,"
                 "family_annual_income")
PERSON_FILES = {
    # minimum wage 1980: 1.5 × 1980 = 2970 is the income line of 重特大疾病 (75%)
    "incomes at the line": ["q1,男,1970-01-01,,,2969.99,20000", "q2,女,1970-01-01,,,2970,20000",
                            "q3,男,1970-01-01,,,2970.01,0"],
    "empty incomes": ["q1,男,1970-01-01,,,,20000", "q2,女,1970-01-01,,,2500,", "q3,男,1970-01-01,,,3500,20000"],
    "a person missing, one repeated": ["q1,男,1970-01-01,,,1000,20000", "q1,男,1970-01-01,,,9000,20000",
                                       "q3,男,1970-01-01,,,3500,20000"],
    "odd values": ["q1,M,1970-01-01,,,1000,20000", "q2,女,1970-01-01,一级,,2500,20000",
                   "q3,男,1970-01-01,5,d,-0,20000"],
    "normalised incomes and a bad row of a person without claims": [
        "q1,男,1970/1/1,,,１０００,\"20,000.00\"", "q2,女,1970-01-01,,,￥2500,20000元", "q3,男,1970-01-01,,,3500,20000",
        "q9,男,1970-01-01,,,xx,20000"],
    "ids with spaces, quotes, case": ["q1 ,男,1970-01-01,,,1000,20000", '"q2",女,1970-01-01,,,2500,20000',
                                      "Q3,男,1970-01-01,,,3500,20000"],
}


@pytest.mark.parametrize("name", sorted(PERSON_FILES))
def test_odd_person_files_get_one_answer_from_every_engine(name, tmp_path, capsys):
    claims, identities, persons = tmp_path / "claims.csv", tmp_path / "identities.csv", tmp_path / "persons.csv"
    claims.write_text(WUHAI_CLAIMS, encoding="utf-8")
    identities.write_text(WUHAI_IDENTITIES, encoding="utf-8")
    persons.write_text(lines(*PERSON_FILES[name], header=PERSON_HEADER), encoding="utf-8")
    seen = run_all(tmp_path, capsys, policy("wuhai"), claims, identities, persons=persons, rejects=True,
                   extra=["--param", "minimum_wage=1980", "--param", "resident_contribution=350"])
    assert_agree(seen)


def test_incomes_at_the_line_settle_by_hand(tmp_path, capsys):
    claims, identities, persons = tmp_path / "claims.csv", tmp_path / "identities.csv", tmp_path / "persons.csv"
    claims.write_text(WUHAI_CLAIMS, encoding="utf-8")
    identities.write_text(WUHAI_IDENTITIES, encoding="utf-8")
    persons.write_text(lines(*PERSON_FILES["incomes at the line"], header=PERSON_HEADER), encoding="utf-8")
    seen = run_all(tmp_path, capsys, policy("wuhai"), claims, identities, persons=persons,
                   extra=["--param", "minimum_wage=1980", "--param", "resident_contribution=350"])
    assert_agree(seen)
    written = seen["interp"][2]
    # q1: 2969.99 < 2970 and self-paid this year 30000 − 12000 = 18000 > 70% × 20000 = 14000: 75% × 18000 = 13500
    assert result_line(written, "c1") == "c1,q1,其他特殊困难人员,12000.00,0.00,13500.00,0.00,4500.00,ok,三(二)3(2)"
    # c2 (no disease, 普通疾病住院): 2969.99 is not < 1980: nothing; self-pay 20000 − 8000 = 12000
    assert result_line(written, "c2") == "c2,q1,其他特殊困难人员,8000.00,0.00,0.00,0.00,12000.00,ok,"
    # q2 at the line (2970 is not < 2970) and q3 above it: nothing; self-pay 18000
    assert result_line(written, "c3") == "c3,q2,其他特殊困难人员,12000.00,0.00,0.00,0.00,18000.00,ok,"
    assert result_line(written, "c4") == "c4,q3,其他特殊困难人员,12000.00,0.00,0.00,0.00,18000.00,ok,"


def parquet_frames() -> dict[str, pl.DataFrame]:
    base = dict(claim_id=["c1", "c2"], person_id=["p1", "p2"], visit_type=["inpatient", "outpatient"],
                admission_date=["2023-03-01", ""], discharge_date=["2023-03-10", "2023-05-01"],
                policy_scope_cost=["20000", "300"], basic_paid=["12000", "100"], critical_paid=["0", "0"])

    def frame(**changed) -> pl.DataFrame:
        return pl.DataFrame(base).with_columns(**{k: pl.Series(k, v[0], dtype=v[1]) for k, v in changed.items()})

    return {
        "float noise": frame(policy_scope_cost=([20000.0, 300.1 + 0.2], pl.Float64)),
        "float32 amounts": frame(policy_scope_cost=([20000.1, 300.3], pl.Float32)),
        "float NaN and inf": frame(policy_scope_cost=([float("nan"), float("inf")], pl.Float64)),
        "float minus zero": frame(basic_paid=([-0.0, 100.0], pl.Float64)),
        "uint64 max": frame(policy_scope_cost=([2**64 - 1, 300], pl.UInt64)),
        "int128": frame(policy_scope_cost=([20000, 300], pl.Int128)),
        "int8": frame(basic_paid=([12, 100], pl.Int8)),
        "int dates": frame(discharge_date=([20230310, 20230501], pl.Int64),
                           admission_date=([20230301, None], pl.Int64)),
        "datetimes with a time": frame(discharge_date=([dt.datetime(2023, 3, 10, 8), dt.datetime(2023, 5, 1)],
                                                       pl.Datetime)),
        "decimal scale 3": frame(policy_scope_cost=([Decimal("20000.000"), Decimal("300.105")], pl.Decimal(20, 3))),
        "categorical text": frame(visit_type=(["inpatient", "outpatient"], pl.Categorical),
                                  person_id=(["p1", "p2"], pl.Categorical)),
        "binary ids": frame(person_id=([b"p1", b"p2"], pl.Binary)),
        "float ids": frame(claim_id=([1.0, 2.5], pl.Float64)),
        "integer booleans": pl.DataFrame(base).with_columns(referred=pl.Series([1, 0])),
        "durations": frame(policy_scope_cost=([dt.timedelta(days=1), dt.timedelta(0)], pl.Duration)),
        "an all-null row": pl.DataFrame({k: [v[0], None] for k, v in base.items()}),
    }


PARQUET = parquet_frames()


@pytest.mark.parametrize("name", sorted(PARQUET))
def test_parquet_dtypes_get_one_answer_from_every_engine(name, tmp_path, capsys):
    claims = tmp_path / "claims.parquet"
    PARQUET[name].write_parquet(claims)
    identities = tmp_path / "identities.csv"
    identities.write_text(IDENTITIES, encoding="utf-8")
    for rejects in (False, True):
        seen = run_all(tmp_path / ("r" if rejects else "f"), capsys, policy("wuxi"), claims, identities,
                       rejects=rejects)
        assert_agree(seen)


def test_float_noise_in_parquet_is_read_at_fifteen_digits(tmp_path, capsys):
    claims = tmp_path / "claims.parquet"
    PARQUET["float noise"].write_parquet(claims)
    identities = tmp_path / "identities.csv"
    identities.write_text(IDENTITIES, encoding="utf-8")
    seen = run_all(tmp_path, capsys, policy("wuxi"), claims, identities)
    assert_agree(seen)
    # 300.1 + 0.2 = 300.30000000000001 → 300.3; 最低生活保障对象 85% × (300.3 − 100) = 170.255 → 170.26 (half-up);
    # self-pay 300.3 − 100 − 170.26 = 30.04
    assert result_line(seen["interp"][2], "c2") == "c2,p2,最低生活保障对象,100.00,0.00,170.26,0.00,30.04,ok,四(六)"


@pytest.mark.parametrize("suffix", ["parquet", "xlsx"])
def test_outputs_in_other_forms_hold_the_same_rows_on_every_engine(suffix, tmp_path, capsys):
    claims = tmp_path / "claims.csv"
    claims.write_text(lines("=x,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0", GOOD[1],
                            "c3,p9,dental,,2023-05-01,300,100,0"), encoding="utf-8")
    identities = tmp_path / "identities.csv"
    identities.write_text(IDENTITIES, encoding="utf-8")
    read = {}
    for engine in ENGINES:
        out = tmp_path / engine
        out.mkdir()
        assert main(["run", policy("wuxi"), "--claims", str(claims), "--identities", str(identities),
                     "--out", str(out / f"results.{suffix}"), "--rejects", str(out / f"rejects.{suffix}"),
                     "--engine", engine, "--generated", GENERATED]) == 0
        if suffix == "parquet":
            read[engine] = [(pl.read_parquet(p).to_dicts(), pl.read_parquet_schema(p))
                            for p in (out / "results.parquet", out / "rejects.parquet")]
        else:
            from python_calamine import CalamineWorkbook
            read[engine] = [CalamineWorkbook.from_path(str(p)).get_sheet_by_index(0).to_python()
                            for p in (out / "results.xlsx", out / "rejects.xlsx")]
    capsys.readouterr()
    assert read["compiled"] == read["interp"] and read["batch"] == read["interp"]
