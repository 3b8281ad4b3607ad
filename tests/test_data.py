"""data.py: every bad value is reported with its exact file, row (line number, header = 1), column and reason."""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidlang.io import columnar, data, outputs
from aidlang.records import Claim, Identity, Person

VISITS = {"outpatient": "outpatient", "普通门诊": "outpatient", "chronic": "chronic", "门诊慢特病": "chronic",
          "inpatient": "inpatient", "住院": "inpatient"}
CATEGORIES = {"特困人员": "tekun", "tekun": "tekun", "低保对象": "dibao", "dibao": "dibao"}
VOCABULARY = data.Vocabulary(visit_type=VISITS.get, category=CATEGORIES.get)

HEADER = "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid"
GOOD = "c1,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0"


def write(tmp_path, name: str, text: str, encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def claims_file(tmp_path, *rows: str, header: str = HEADER) -> str:
    return write(tmp_path, "claims.csv", "\n".join((header,) + rows) + "\n")


def only_error(loaded: data.Loaded) -> tuple:
    assert len(loaded.errors) == 1, loaded.errors
    e = loaded.errors[0]
    return e.file, e.row, e.column, e.reason_zh, e.reason_en


# ---------------------------------------------------------------- claims.csv: good rows

def test_a_good_claim_is_read_in_fen(tmp_path):
    path = claims_file(tmp_path, GOOD, "c2,p1,门诊慢特病,,2023-04-01,1234.5,100.05,")
    loaded = data.read_claims(path, VOCABULARY)
    assert loaded.errors == ()
    assert loaded.records == (
        Claim("c1", "p1", "inpatient", dt.date(2023, 3, 1), dt.date(2023, 3, 10), 2_000_000, 1_200_000, 0, row=2),
        # Chinese visit type; empty admission = the discharge day; 1234.5 yuan = 123450 fen; empty critical: None
        Claim("c2", "p1", "chronic", dt.date(2023, 4, 1), dt.date(2023, 4, 1), 123_450, 10_005, None, row=3),
    )


def test_optional_columns(tmp_path):
    header = HEADER + ",referred,in_province,disease,institution_level"
    path = claims_file(tmp_path, GOOD + ",false,TRUE,白血病,二级", GOOD.replace("c1", "c2") + ",,,,", header=header)
    first, second = data.read_claims(path, VOCABULARY).records
    assert (first.referred, first.in_province, first.disease, first.institution_level) == (
        False, True, "白血病", "二级")
    assert (second.referred, second.in_province, second.disease, second.institution_level) == (
        True, True, None, None)


def test_a_bom_is_not_part_of_the_first_column(tmp_path):
    path = write(tmp_path, "claims.csv", "\ufeff" + HEADER + "\n" + GOOD + "\n")
    loaded = data.read_claims(path, VOCABULARY)
    assert loaded.errors == ()
    assert loaded.records[0].claim_id == "c1"


def test_crlf_line_ends_and_blank_lines(tmp_path):
    path = write(tmp_path, "claims.csv", HEADER + "\r\n" + GOOD + "\r\n\r\n" + GOOD.replace("c1", "c2") + "\r\n")
    loaded = data.read_claims(path, VOCABULARY)
    assert [c.row for c in loaded.records] == [2, 4]  # rows are line numbers, blank lines included


# ---------------------------------------------------------------- claims.csv: each bad value

@pytest.mark.parametrize("row, column, zh, en", [
    ("c1,p1,inpatient,2023-03-01,2023-03-10,-5,0,0", "policy_scope_cost",
     "金额不能为负数：-5", "an amount must not be negative: -5"),
    ("c1,p1,inpatient,2023-03-01,2023-03-10,100.123,0,0", "policy_scope_cost",
     "金额最多两位小数：100.123", "an amount has at most 2 decimals: 100.123"),
    ("c1,p1,inpatient,2023-03-01,2023-03-10,1e5,0,0", "policy_scope_cost",
     "不是金额（元，最多两位小数）：1e5", "not an amount in yuan (at most 2 decimals): 1e5"),
    ("c1,p1,inpatient,2023-03-01,2023-03-10,20000,-1.5,0", "basic_paid",
     "金额不能为负数：-1.5", "an amount must not be negative: -1.5"),
    ("c1,p1,inpatient,2023-02-25,2023-02-30,20000,0,0", "discharge_date",
     "日期不存在：2023-02-30", "there is no such date: 2023-02-30"),
    ("c1,p1,inpatient,2023-03-01T08:00,2023-03-10,20000,0,0", "admission_date",
     "日期应写作 YYYY-MM-DD：2023-03-01T08:00", "a date is written YYYY-MM-DD: 2023-03-01T08:00"),
    ("c1,p1,inpatient,03/01/2023,2023-03-10,20000,0,0", "admission_date",
     "日期有歧义：03/01/2023（日和月哪个在前？请写作 YYYY-MM-DD）",
     "an ambiguous date: 03/01/2023 (day or month first? write YYYY-MM-DD)"),
    ("c1,p1,inpatient,2023-03-11,2023-03-10,20000,0,0", "discharge_date",
     "出院日期（2023-03-10）早于入院日期（2023-03-11）",
     "discharge_date (2023-03-10) is before admission_date (2023-03-11)"),
    ("c1,p1,dental,2023-03-01,2023-03-10,20000,0,0", "visit_type",
     "未知的就诊类型：dental", "unknown visit type: dental"),
    ("c1,p1,inpatient,2023-03-01,,20000,0,0", "discharge_date", "不能为空", "must not be empty"),
    (",p1,inpatient,2023-03-01,2023-03-10,20000,0,0", "claim_id", "不能为空", "must not be empty"),
    ("c1,p1,inpatient,2023-03-01,2023-03-10,20000,15000,6000", "critical_paid",
     "基本医保与大病保险支付之和超过政策范围内费用",
     "basic and critical insurance together pay more than the policy-scope cost"),
])
def test_each_bad_claim_value(tmp_path, row, column, zh, en):
    path = claims_file(tmp_path, GOOD.replace("c1", "c0"), row)
    loaded = data.read_claims(path, VOCABULARY)
    assert only_error(loaded) == (path, 3, column, zh, en)
    assert [c.claim_id for c in loaded.records] == ["c0"]  # the good row is still read


def test_bad_boolean(tmp_path):
    path = claims_file(tmp_path, GOOD + ",yes", header=HEADER + ",referred")
    assert only_error(data.read_claims(path, VOCABULARY)) == (
        path, 2, "referred", "应为 true/false 或 是/否：yes", "must be true/false or 是/否: yes")


def test_duplicate_claim_id_is_reported_on_the_second_row(tmp_path):
    path = claims_file(tmp_path, GOOD, GOOD.replace("c1", "c2"), GOOD)
    assert only_error(data.read_claims(path, VOCABULARY)) == (
        path, 4, "claim_id", "就诊编号重复：c1（已在第 2 行出现）", "duplicate claim_id c1 (first on row 2)")


def test_missing_column_is_reported_on_the_header_row(tmp_path):
    header = "claim_id,person_id,visit_type,admission_date,discharge_date"
    path = claims_file(tmp_path, "c1,p1,inpatient,2023-03-01,2023-03-10", header=header)
    loaded = data.read_claims(path, VOCABULARY)
    assert only_error(loaded) == (path, 1, "policy_scope_cost", "缺少必需的列 policy_scope_cost",
                                  "the required column policy_scope_cost is missing")
    assert loaded.file_errors == loaded.errors and loaded.records == ()


def test_an_amount_the_policy_cannot_compute_is_required(tmp_path):
    vocabulary = data.Vocabulary(visit_type=VISITS.get, required_amounts=("basic_paid",))
    path = claims_file(tmp_path, GOOD, "c2,p1,inpatient,2023-03-01,2023-03-10,20000,,0")
    assert only_error(data.read_claims(path, vocabulary))[1:3] == (3, "basic_paid")
    header = "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost"
    path = claims_file(tmp_path, "c1,p1,inpatient,2023-03-01,2023-03-10,20000", header=header)
    assert only_error(data.read_claims(path, vocabulary))[1:3] == (1, "basic_paid")


def test_every_problem_of_a_file_is_collected(tmp_path):
    path = claims_file(tmp_path, "c1,p1,dental,2023-02-30,2023-03-10,-1,0.001,0", GOOD.replace("c1", "c2"),
                       "c3,p1,inpatient,2023-03-01,2023-03-10,x,0,0")
    loaded = data.read_claims(path, VOCABULARY)
    assert [(e.row, e.column) for e in loaded.errors] == [
        (2, "visit_type"), (2, "admission_date"), (2, "policy_scope_cost"), (2, "basic_paid"),
        (4, "policy_scope_cost")]
    assert sorted(loaded.row_errors()) == [2, 4]
    assert [c.claim_id for c in loaded.records] == ["c2"]


def test_a_row_with_too_many_fields_is_that_rows_problem(tmp_path):
    path = claims_file(tmp_path, GOOD + ",extra", GOOD.replace("c1", "c2"))
    loaded = data.read_claims(path, VOCABULARY)
    assert only_error(loaded) == (path, 2, "", "本行有 9 列，表头只有 8 列", "the row has 9 fields, the header 8")
    assert loaded.file_errors == () and [c.claim_id for c in loaded.records] == ["c2"]


def test_not_the_forced_encoding_names_the_line(tmp_path):
    path = write(tmp_path, "claims.csv", HEADER + "\n" + GOOD + "\nc2,张三\n", encoding="gbk")
    options = data.ReadOptions(encoding="utf-8")
    assert only_error(data.read_claims(path, VOCABULARY, options)) == (
        path, 3, "", "文件不是有效的 UTF-8 文本", "the file is not valid UTF-8 text")


def test_a_utf8_file_with_a_broken_byte_is_not_guessed_into_a_code_page(tmp_path):
    """A byte 0xFF in one person id makes the file neither UTF-8 nor GB18030; a byte-per-character code page
    decodes anything (the detector said CP1125 or ISO-8859-13 for such files), which would read `p2ÿ` or the
    like and settle p2's claims with no category. The file is refused, naming the line of the broken byte."""
    path = tmp_path / "claims.csv"
    path.write_bytes((HEADER + "\n" + GOOD + "\n").encode() + GOOD.replace("p1", "p2\xff").encode("latin-1") + b"\n")
    loaded = data.read_claims(str(path), VOCABULARY)
    assert not loaded.records and len(loaded.file_errors) == 1
    error = loaded.file_errors[0]
    assert error.row == 3 and error.reason_zh.startswith("从此行起不是有效的 UTF-8 或 GB18030 文本")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read_as_utf16(tmp_path, codec):
    """Without a BOM, UTF-16 of ASCII is valid UTF-8 too (each character and a NUL): it is told by where its
    NULs are, and 张三 (U+5F20 U+4E09, whose bytes are ASCII) is read, not `_\\x00…`. The batch engine's
    reader leaves any file with a NUL to the row reader."""
    path = tmp_path / "claims.csv"
    path.write_bytes((HEADER + "\n" + GOOD.replace("p1", "张三") + "\n").encode(codec))
    from aidlang.io import columnar

    for loaded in (data.read_claims(str(path), VOCABULARY), columnar.read_claim_columns(str(path), VOCABULARY)):
        assert loaded.errors == () and loaded.table.form == {"utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE"}[
            codec] + " (detected)"
    assert [c.person_id for c in data.read_claims(str(path), VOCABULARY).records] == ["张三"]
    assert columnar.read_claim_columns(str(path), VOCABULARY).frame["person_id"].to_list() == ["张三"]


def test_a_missing_file(tmp_path):
    loaded = data.read_claims(str(tmp_path / "nope.csv"), VOCABULARY)
    assert loaded.file_errors and loaded.errors[0].row == 0
    assert loaded.errors[0].render().startswith(str(tmp_path / "nope.csv") + ": 无法读取文件")


def test_render():
    error = data.DataError("claims.csv", 3, "policy_scope_cost", "金额不能为负数：-5",
                           "an amount must not be negative: -5")
    assert error.render() == "claims.csv:3:policy_scope_cost: 金额不能为负数：-5"
    assert error.render("en") == "claims.csv:3:policy_scope_cost: an amount must not be negative: -5"


# ---------------------------------------------------------------- claims.csv: the quick way agrees with the careful way
# read_claims reads a plainly well-formed row directly and leaves any other row to the careful per-cell
# validation; the careful way alone (`_read_claims(..., quick=False)`) is the reference for every input.

OPTIONAL = ("basic_paid", "critical_paid", "referred", "in_province", "disease", "institution_level")
# per kind of column, values as written: ones each check of the careful way rejects, or reads its own way
TRICKY = {
    "claim_id": ["c1", "", " c1", "c1\u3000", "就诊1"],
    "person_id": ["p1", "", "张三", "\t"],
    "visit_type": ["普通门诊", "门诊慢特病", "住院", "", "Inpatient", "dental", " inpatient ", "住 院"],
    "date": ["2023-02-03", "2024-02-29", "", "2023-2-3", "2023-02-30", "2023-13-01", " 2023-02-03", "2023-02-03 ",
             "20230203", "2023-W05-1", "2023-02-03T00:00", "2023/02/03", "２０２３-０２-０３", "٢٠٢٣-٠٢-٠٣",
             "0000-01-01", "0001-01-01", "9999-12-31", "+2023-02-03", "2023-02-3", "2023-0２-03", "2023-02-03\n",
             "2023-02-28x", "2023/2/3", "2023年2月3日", "2023.02.03", "02/03/2023", "2023/2/30", "２０２３/２/３"],
    "amount": ["0", "0.00", "12", "12.5", "12.05", "012.50", "20000", "99999999999999999999.99", "", "1.234", "-0",
               "-5", "1e3", "１２", "١٢", "12.", ".5", "1_000", "+1", "12.0５", "1.2.3", "0x10", "12,5", " 12", "12 ",
               "1 2", "12.5元", "²", "2,000.00", "¥12", "￥1,234,567.5", "1,2,3", "100000000", "100000000.01",
               "9" * 16, "９９．５"],
    "boolean": ["true", "false", "", "TRUE", "False", "tRuE", "yes", "是", "否", "1", " true", "false\u3000",
                "ｔｒｕｅ"],
    "text": ["", "白血病", "二级", " x "],
}
KINDS = {"claim_id": "claim_id", "person_id": "person_id", "visit_type": "visit_type", "admission_date": "date",
         "discharge_date": "date", "policy_scope_cost": "amount", "basic_paid": "amount", "critical_paid": "amount",
         "referred": "boolean", "in_province": "boolean", "disease": "text", "institution_level": "text"}


def written(low: int, high: int):
    """Amounts in yuan as data files write them: `12`, `12.05`, `12.5`."""
    def text(fen: int) -> str:
        yuan = f"{fen // 100}.{fen % 100:02d}"
        return (str(fen // 100), yuan, yuan.rstrip("0").rstrip("."))[fen % 3]

    return st.integers(low, high).map(text)


# per column, values of a usual row (that the quick way reads): dates in order, insurance within the cost
USUAL = {"claim_id": st.sampled_from([f"c{n}" for n in range(1, 10)]), "person_id": st.sampled_from(["p1", "p2"]),
         "visit_type": st.sampled_from(["outpatient", "chronic", "inpatient", "住院"]),
         "admission_date": st.sampled_from(["", "2023-01-01", "2023-02-03"]),
         "discharge_date": st.sampled_from(["2023-02-03", "2023-03-10", "2024-02-29"]),
         "policy_scope_cost": written(100_000, 10_000_000), "basic_paid": written(0, 50_000),
         "critical_paid": written(0, 50_000), "referred": st.sampled_from(["true", "false", ""]),
         "in_province": st.sampled_from(["true", "false", ""]), "disease": st.sampled_from(["", "白血病"]),
         "institution_level": st.sampled_from(["", "二级"])}
PLAIN_ROW = {"claim_id": "c1", "person_id": "p1", "visit_type": "inpatient", "admission_date": "2023-03-01",
             "discharge_date": "2023-03-10", "policy_scope_cost": "20000", "basic_paid": "12000.5",
             "critical_paid": "0", "referred": "true", "in_province": "false", "disease": "白血病",
             "institution_level": "二级"}


def write_claims(directory: Path, header: list[str], rows: list[list[str]]) -> str:
    path = directory / "claims.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\n").writerows([header] + rows)
    return str(path)


def typed(claim: Claim) -> tuple:
    """A claim's fields with their types: `==` alone takes True for 1 and a datetime for its date."""
    return tuple((type(value), value) for value in attrs.astuple(claim, recurse=False))


def assert_quick_agrees(path: str, vocabulary: data.Vocabulary) -> data.Loaded:
    quick = data.read_claims(path, vocabulary)
    careful = data._read_claims(path, vocabulary, quick=False)
    assert quick.errors == careful.errors  # the same problems, in the same order, with the same reasons
    assert [typed(c) for c in quick.records] == [typed(c) for c in careful.records]
    assert quick == careful
    assert_columns_agree(path, vocabulary, careful)
    return quick


def assert_columns_agree(path: str, vocabulary: data.Vocabulary, rows: data.Loaded) -> None:
    """The batch engine's reader (columnar.read_claim_columns) gives what the row reader gives: the same claims
    with their types, problems, counts, header and rows read."""
    columns = columnar.read_claim_columns(path, vocabulary)
    assert columns.errors == rows.errors
    assert [typed(c) for c in columnar.claims_of_frame(columns.frame)] == [typed(c) for c in rows.records]
    assert columns.normalised == rows.normalised
    assert columns.table.row_numbers() == rows.table.row_numbers()
    assert columns.table.raws(columns.table.row_numbers()) == {raw.row: raw for raw in rows.table.rows}
    assert (columns.table.header, columns.table.form, columns.table.warnings, columns.table.converted) == (
        rows.table.header, rows.table.form, rows.table.warnings, rows.table.converted)
    assert columns.unaccounted() == []


@st.composite
def claim_files(draw):
    """A claims.csv of a few rows: the required columns and some optional ones in any order; most rows usual but
    for a cell or two that is subtly wrong, empty or out of order; repeated claim_ids, short and long rows."""
    columns = list(data.CLAIM_COLUMNS) + [c for c in OPTIONAL if draw(st.booleans())]
    header = draw(st.permutations(columns))
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        odd = draw(st.sampled_from([0, 0, 1, 1, 2, len(header)]))  # how many cells may be unusual
        unusual = set(draw(st.lists(st.sampled_from(header), max_size=odd)))
        cells = []
        for column in header:
            kind = KINDS[column]
            if column not in unusual:
                cells.append(draw(USUAL[column]))
            elif kind == "date":
                cells.append(draw(st.sampled_from(TRICKY[kind]) | USUAL[column] | st.dates().map(dt.date.isoformat)))
            elif kind == "amount":
                cells.append(draw(st.sampled_from(TRICKY[kind]) | written(0, 20_000_000)))
            else:
                cells.append(draw(st.sampled_from(TRICKY[kind]) | USUAL[column]))
        shape = draw(st.sampled_from(["full"] * 8 + ["short", "long"]))
        if shape == "short":
            cells = cells[: draw(st.integers(0, len(cells) - 1))]
        elif shape == "long":
            cells.append(draw(st.sampled_from(["extra", ""])))
        rows.append(cells)
    return list(header), rows


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claim_files(), st.sets(st.sampled_from(("basic_paid", "critical_paid"))))
def test_the_quick_way_reads_every_file_as_the_careful_way(file, required):
    vocabulary = data.Vocabulary(visit_type=VISITS.get, required_amounts=tuple(sorted(required)))
    with tempfile.TemporaryDirectory() as directory:
        assert_quick_agrees(write_claims(Path(directory), *file), vocabulary)


@pytest.mark.parametrize("column", sorted(KINDS))
@pytest.mark.parametrize("required", [(), ("basic_paid", "critical_paid")])
def test_the_quick_way_agrees_on_each_tricky_value(tmp_path, column, required):
    """Every tricky value of a column in an otherwise usual row, all in one file (each row its own claim_id)."""
    header = list(PLAIN_ROW)
    rows = []
    for number, value in enumerate(TRICKY[KINDS[column]] * 2):  # twice: a date read once is remembered
        row = {**PLAIN_ROW, "claim_id": f"c{number}", column: value}  # claim_ids: repeats of each other
        rows.append([row[c] for c in header])
    vocabulary = data.Vocabulary(visit_type=VISITS.get, required_amounts=required)
    assert_quick_agrees(write_claims(tmp_path, header, rows), vocabulary)


def test_the_quick_way_agrees_on_the_edges(tmp_path):
    """Insurance a fen either side of the cost, admission a day either side of discharge, rows of the wrong
    length, a claim_id repeated after a bad row."""
    header = list(PLAIN_ROW)
    amounts = ["100", "99.99", "100.01", "50", "50.01", "49.99", "0", "", "0.01"]
    triples = [(cost, basic, critical) for cost in amounts for basic in amounts for critical in amounts]
    rows = [{**PLAIN_ROW, "claim_id": f"a{n}", "policy_scope_cost": cost, "basic_paid": basic,
             "critical_paid": critical} for n, (cost, basic, critical) in enumerate(triples)]
    rows += [{**PLAIN_ROW, "claim_id": f"d{n}", "admission_date": admission, "discharge_date": "2023-03-10"}
             for n, admission in enumerate(["2023-03-09", "2023-03-10", "2023-03-11", ""])]
    lines = [[row[c] for c in header] for row in rows]
    good = [PLAIN_ROW[c] for c in header]
    lines += [good[:n] for n in range(len(good))] + [good + ["extra"], good + [""], good + ["", ""]]
    lines += [["b1"] + good[1:5] + ["-1"] + good[6:], ["b1"] + good[1:], ["b1"] + good[1:]]
    lines += [[f"s{n}"] + good[1:n] for n in range(1, len(good))]
    for required in [(), ("basic_paid",), ("critical_paid",), ("basic_paid", "critical_paid")]:
        vocabulary = data.Vocabulary(visit_type=VISITS.get, required_amounts=required)
        assert_quick_agrees(write_claims(tmp_path, header, lines), vocabulary)


def test_usual_rows_never_take_the_careful_way(tmp_path, monkeypatch):
    """The quick way does read the common rows (else the agreement above would prove nothing)."""
    def careful(*args):
        raise AssertionError(f"read the careful way: {args[1]}")

    monkeypatch.setattr(data, "_careful_claim", careful)
    path = claims_file(tmp_path, GOOD + ",,,,", "c2,p1,门诊慢特病,,2023-04-01,1234.5,100.05,,,,,",
                       "c3,p2,outpatient,2023-04-01,2023-04-01,0.05,0.05,0.00,FALSE,True,肺炎,三级",
                       header=HEADER + ",referred,in_province,disease,institution_level")
    assert [(c.claim_id, c.visit_type, c.policy_scope_cost, c.basic_paid, c.critical_paid, c.referred,
             c.in_province, c.disease) for c in data.read_claims(path, VOCABULARY).records] == [
        ("c1", "inpatient", 2_000_000, 1_200_000, 0, True, True, None),
        ("c2", "chronic", 123_450, 10_005, None, True, True, None),
        ("c3", "outpatient", 5, 5, 0, False, True, "肺炎")]


# ---------------------------------------------------------------- identities.csv, persons.csv, expenditures.csv

def test_identities(tmp_path):
    path = write(tmp_path, "identities.csv", "person_id,category,start,end\n"
                 "p1,特困人员,2023-01-01,\np2,dibao,2023-01-01,2023-06-30\n"
                 "p3,特困,2023-01-01,\np4,低保对象,2023-05-01,2023-04-30\n")
    loaded = data.read_identities(path, VOCABULARY)
    assert loaded.records == (Identity("p1", "tekun", dt.date(2023, 1, 1), None),
                              Identity("p2", "dibao", dt.date(2023, 1, 1), dt.date(2023, 6, 30)))
    assert [(e.row, e.column, e.reason_zh) for e in loaded.errors] == [
        (4, "category", "未知的类别：特困"),
        (5, "end", "结束日期（2023-04-30）早于开始日期（2023-05-01）")]


def test_persons(tmp_path):
    header = ("person_id,gender,birth_date,disability_grade,dibao_class,family_monthly_income_per_capita,"
              "family_annual_income\n")
    path = write(tmp_path, "persons.csv", header + "p1,男,1960-05-01,2,A,1500.50,36000\n"
                 "p2,M,1960-05-01,5,D,1500,36000\np1,女,1990-01-01,,,,\n")
    loaded = data.read_persons(path)
    assert loaded.records == (Person("p1", "男", dt.date(1960, 5, 1), 2, "A", 150_050, 3_600_000),)
    assert [(e.row, e.column) for e in loaded.errors] == [
        (3, "gender"), (3, "disability_grade"), (3, "dibao_class"), (4, "person_id")]


def test_expenditures_with_an_extra_series(tmp_path):
    path = write(tmp_path, "expenditures.csv", "county,year,aid_expenditure,raised\n"
                 "惠城区,2021,10000000,12000000.50\n惠城区,21,1,1\n惠城区,2021,1,1\n")
    loaded = data.read_expenditures(path, extra_columns=("raised",))
    (figures,) = loaded.records
    assert [(e.county, e.year, e.aid_expenditure) for e in figures.expenditures] == [("惠城区", 2021, 1_000_000_000)]
    assert figures.series["raised"] == {("惠城区", 2021): 1_200_000_050}
    assert [(e.row, e.column) for e in loaded.errors] == [(3, "year"), (4, "year")]


# ---------------------------------------------------------------- writing

def test_outputs_are_written_atomically(tmp_path, monkeypatch):
    target = tmp_path / "results.csv"
    target.write_text("old\n", encoding="utf-8")
    files = [outputs.Output(str(target), ["a", "b"], [["1", "二"]]),
             outputs.Output(str(tmp_path / "missing-dir" / "rejects.csv"), ["x"], [])]
    with pytest.raises(OSError):
        outputs.write_outputs(files)
    # the second output could not be staged, so the first was not replaced either, and no temp file is left
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["results.csv"]
    outputs.write_outputs(files[:1])
    assert target.read_text(encoding="utf-8") == "a,b\n1,二\n"


def test_rows_made_while_writing_that_fail_leave_the_old_file(tmp_path):
    """Rows are made as they are written (results.csv is not held twice as text); a row that cannot be made
    halfway through leaves the old file and no temporary file behind."""
    target = tmp_path / "results.csv"
    target.write_text("old\n", encoding="utf-8")

    def rows():
        yield ["1", "二"]
        raise ValueError("the second row cannot be made")

    with pytest.raises(ValueError):
        outputs.write_outputs([outputs.Output(str(target), ["a", "b"], rows())])
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["results.csv"]
    outputs.write_outputs([outputs.Output(str(target), ["a", "b"], (row for row in [["1", "二"], ["2", "三"]]))])
    assert target.read_text(encoding="utf-8") == "a,b\n1,二\n2,三\n"


def test_rejects_repeat_the_row_as_written(tmp_path):
    path = claims_file(tmp_path, GOOD, "c2,p1,inpatient,2023-03-01,2023-03-10,-5,0,0")
    loaded = data.read_claims(path, VOCABULARY)
    reasons = {row: outputs.join_reasons(errs, "zh") for row, errs in loaded.row_errors().items()}
    header, rows = outputs.reject_rows(loaded.table, sorted(reasons.items()))
    assert header == tuple(HEADER.split(",")) + ("row", "reason")
    assert rows == [["c2", "p1", "inpatient", "2023-03-01", "2023-03-10", "-5", "0", "0", "3",
                     "policy_scope_cost: 金额不能为负数：-5"]]


# ---------------------------------------------------------------- other spellings (issue 10), worked by hand

@pytest.mark.parametrize("text, day", [
    ("2023-01-05", dt.date(2023, 1, 5)), ("2023-1-5", dt.date(2023, 1, 5)), ("2023/1/5", dt.date(2023, 1, 5)),
    ("2023.1.5", dt.date(2023, 1, 5)), ("2023年1月5日", dt.date(2023, 1, 5)), ("20230105", dt.date(2023, 1, 5)),
    ("２０２３－０１－０５", dt.date(2023, 1, 5))])
def test_unambiguous_dates(text, day):
    assert data.read_date(text) == (day, "", "", text != "2023-01-05")


@pytest.mark.parametrize("text, zh", [
    ("04/01/2023", "日期有歧义：04/01/2023（日和月哪个在前？请写作 YYYY-MM-DD）"),
    ("2023/2/29", "日期不存在：2023/2/29"), ("23/1/5", "日期有歧义：23/1/5（日和月哪个在前？请写作 YYYY-MM-DD）"),
    ("٢٠٢٣-٠١-٠٥", "日期应写作 YYYY-MM-DD：٢٠٢٣-٠١-٠٥")])
def test_dates_that_stay_errors(text, zh):
    assert data.read_date(text)[0] is None and data.read_date(text)[1] == zh


@pytest.mark.parametrize("text, fen", [
    ("2183.6", 218_360), ('2,183.60', 218_360), ("¥2,183.60", 218_360), ("￥12", 1_200), ("12元", 1_200),
    ("１２．５", 1_250), ("1,234,567.89", 123_456_789)])
def test_unambiguous_amounts(text, fen):
    assert data.read_money(text) == (fen, "", "", text != "2183.6")


@pytest.mark.parametrize("text, en", [
    ("1,2,3", "a comma in an amount that does not separate thousands: 1,2,3 is ambiguous"),
    ("12,5", "a comma in an amount that does not separate thousands: 12,5 is ambiguous"),
    ("1234,567", "a comma in an amount that does not separate thousands: 1234,567 is ambiguous"),
    ("¥-5", "an amount must not be negative: ¥-5"), ("١٢", "not an amount in yuan (at most 2 decimals): ١٢"),
    ("²", "not an amount in yuan (at most 2 decimals): ²"),
    ("9" * 16, f"an amount with too many digits: {'9' * 16}")])
def test_amounts_that_stay_errors(text, en):
    assert data.read_money(text)[0] is None and data.read_money(text)[2] == en


def test_is_and_is_not_are_booleans(tmp_path):
    path = claims_file(tmp_path, GOOD + ",是,否", header=HEADER + ",referred,in_province")
    loaded = data.read_claims(path, VOCABULARY)
    assert (loaded.records[0].referred, loaded.records[0].in_province) == (True, False)
    assert loaded.normalised == {"boolean": 2}


@pytest.mark.parametrize("written, near", [
    ("Referred", "referred"), ("refered", "referred"), ("in-province", "in_province"), ("IN PROVINCE", "in_province"),
    ("是否转院", "是否转诊（referred）"), ("claimid", "claim_id"), ("remark", None), ("age", None), ("", None)])
def test_near_column_names(written, near):
    assert data.nearest_column(written, data.CLAIM_COLUMNS + data.CLAIM_OPTIONAL) == near


def test_a_short_row_is_an_error_not_padded(tmp_path):
    path = claims_file(tmp_path, GOOD[: GOOD.rindex(",")], GOOD.replace("c1", "c2"))
    loaded = data.read_claims(path, VOCABULARY)
    assert only_error(loaded) == (path, 2, "", "本行只有 7 列，表头有 8 列（缺少的值不会当作空值）",
                                  "the row has only 7 fields, the header 8 (missing cells are not read as empty)")
    assert loaded.good_rows == (3,) and loaded.unaccounted() == []


def test_every_row_of_identities_is_used_or_reported(tmp_path):
    path = write(tmp_path, "identities.csv", "person_id,category,start,end\np1,特困人员,2023-01-01,\n"
                 "p2,特困人员,2023-02-30,\np3,\"特困人员,2023-01-01,\np4,低保对象,2023/1/1,\n")
    loaded = data.read_identities(path, VOCABULARY)
    assert loaded.good_rows == (2, 5) and sorted(loaded.row_errors()) == [3, 4] and loaded.unaccounted() == []
    assert loaded.normalised == {"date": 1}
