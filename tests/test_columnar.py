"""columnar.read_claim_columns (the batch engine's reader) reads every file as data.read_claims does: the same
claims, problems, counts and rows, whatever the file's encoding, line ends, blank lines, quotes or repeats.
tests/test_data.py compares the two on every tricky value and on random files; these are the files' own forms."""

from __future__ import annotations


import pytest

from aidlang.io import columnar, data
from test_data import VOCABULARY, assert_columns_agree

HEADER = "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid"
ROWS = ["c1,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0", "c2,p1,门诊慢特病,,2023-04-01,1234.5,100.05,",
        "c3,p2,outpatient,2023-04-02,2023-04-02,300,100,50"]


def lines(*rows: str, header: str = HEADER, end: str = "\n") -> str:
    return end.join((header, *rows)) + end


FILES = {
    "plain": lines(*ROWS),
    "no final line end": lines(*ROWS).rstrip("\n"),
    "CRLF": lines(*ROWS, end="\r\n"),
    "a lone CR in a cell": lines(ROWS[0], "c9,p1,inpatient,2023-03-01,2023-03-10,20\r000,0,0", ROWS[2]),
    "CR CR LF": lines(ROWS[0] + "\r", *ROWS[1:], end="\r\n"),
    "blank lines": "\n\n" + lines(ROWS[0], "", "   ", "\u3000", ROWS[1], "\t", ROWS[2]) + "\n\n",
    "a line of separators only Python strips": lines(ROWS[0], "\x1c\x1d", ROWS[1]),
    "a unit separator in a cell": lines(ROWS[0], "c9,p\x1f1,inpatient,2023-03-01,2023-03-10,1,0,0"),
    "control characters": lines(ROWS[0], "c9,p1\u200b,inpatient,2023-03-01,2023-03-10,1,0,0",
                                "c10,p1,inpatient,2023-03-01,2023-03-10,1\x00,0,0", ROWS[2]),
    "spaces at cell edges": lines(" c9,p1,inpatient,2023-03-01,2023-03-10,1,0,0",
                                  "c10, p1 ,inpatient,2023-03-01,2023-03-10,1,0,0 ",
                                  "c11,p1,inpatient,2023-03-01,2023-03-10,1,0,0\u00a0", ROWS[0]),
    # cells read by a pattern or looked up: a stray character makes the row the row reader's, as in a free-text cell
    "stray characters in typed cells": lines(ROWS[0], "c9,p1,inpatient\u200b,2023-03-01,2023-03-10,1,0,0",
                                             "c10,p1,inpatient ,2023-03-01,2023-03-10,1,0,0",
                                             "c11,p1,inpatient,2023-03-01\u3000,2023-03-10,1,0,0",
                                             "c12,p1,inpatient,2023-03-01,2023-03-10,1\u00a0,0,0",
                                             'c13,p1,inpatient,2023-03-01,2023-03-10,1"0,0,0',
                                             "c14,p1,inpatient,2023-03-01,2023-03-10,1,\t0,0", ROWS[2]),
    "stray characters in optional cells": lines(
        "c1,p1,inpatient,,2023-03-10,100,0,0,true\u200b,FALSE,白血病,二级",
        "c2,p1,inpatient,,2023-03-10,100,0,0,,,白血病 ,二级", "c3,p1,inpatient,,2023-03-10,100,0,0,,, ,\u200b二级",
        "c4,p1,inpatient,,2023-03-10,100,0,0,,,白\x7f血病,二级",
        "c5,p1,inpatient,,2023-03-10,100,0,0, true,FALSE\u3000,白血病,二级",
        header=HEADER + ",referred,in_province,disease,institution_level"),
    "a tab in a comma-separated file": lines(ROWS[0], "c9,p1\t,inpatient,2023-03-01,2023-03-10,1,0,0"),
    "tab-separated": lines(*(r.replace(",", "\t") for r in ROWS), header=HEADER.replace(",", "\t")),
    "tab-separated with empty cells and spaces": lines("c1\tp1\tinpatient\t\t2023-03-10\t20000\t\t",
                                                       "c2\t p1\tinpatient\t\t2023-03-10\t20000\t\t",
                                                       header=HEADER.replace(",", "\t")),
    "quoted cells": lines('"c1",p1,inpatient,2023-03-01,2023-03-10,"20,000.00",0,0', '"c2,p1', ROWS[2]),
    # the row reader registers c1 from the quoted row 2: the plain c1 on row 3 is its repeat, and the other way
    "a quoted repeat after": lines(ROWS[0], '"c1",p2,inpatient,2023-03-01,2023-03-10,1,0,0'),
    "a quoted repeat before": lines('"c1",p2,inpatient,2023-03-01,2023-03-10,1,0,0', ROWS[0]),
    "a repeat with spaces": lines(" c1 ,p2,inpatient,2023-03-01,2023-03-10,1,0,0", ROWS[0], ROWS[1]),
    "a repeat after a bad row": lines("c1,p2,inpatient,2023-02-30,2023-03-10,1,0,0", ROWS[0]),
    "a repeat after a short row": lines("c1,p2,inpatient", ROWS[0]),
    "plain repeats": lines(ROWS[0], ROWS[1], ROWS[0], ROWS[0]),
    "short and long rows": lines(ROWS[0], "c9,p1", ROWS[1] + ",x", ROWS[2] + ","),
    "a long line": lines(ROWS[0], "c9,p1,inpatient,2023-03-01,2023-03-10,1,0," + "0" * 1200),
    "Chinese header": lines(*ROWS, header="就诊编号,人员编号,就诊类型,入院日期,出院日期,政策范围内费用,"
                                          "基本医保支付,大病保险支付"),
    "an extra column": lines(*(r + ",x" for r in ROWS), header=HEADER + ",note"),
    "optional columns": lines("c1,p1,inpatient,,2023-03-10,100,0,0,是,FALSE,白血病,二级",
                              "c2,p1,inpatient,,2023-03-10,100,0,0,,,,", header=HEADER + ",referred,in_province,"
                              "disease,institution_level"),
    "year 0": lines("c1,p1,inpatient,0000-03-01,2023-03-10,1,0,0", "c2,p1,inpatient,2023-03-01,0000-03-10,1,0,0"),
    "header only": lines(),
    "empty": "",
    "blank only": "\n \n",
    "header with a quote": lines(*ROWS, header='"claim_id",' + HEADER.split(",", 1)[1]),
    "a bad header": lines(*ROWS, header=HEADER.replace("person_id", "persn_id")),
    "header after blank lines": "\n\n" + lines(*ROWS),
}


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_every_form_of_file_reads_as_the_row_reader_reads_it(tmp_path, name, encoding):
    path = tmp_path / "claims.csv"
    path.write_bytes(FILES[name].encode(encoding))
    assert_columns_agree(str(path), VOCABULARY, data._read_claims(path, VOCABULARY, quick=False))


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_form_of_file_reads_the_same_in_chunks_side_by_side(tmp_path, name, monkeypatch):
    """Typed two rows at a time, two chunks side by side (a repeated claim_id in another chunk than its first
    row, a quoted row in one and its repeat in the next): still as the row reader reads the file."""
    monkeypatch.setattr(columnar, "CHUNK", 2)
    monkeypatch.setattr(columnar, "SIDE_BY_SIDE_ROWS", 2)
    path = tmp_path / "claims.csv"
    path.write_bytes(FILES[name].encode())
    assert_columns_agree(str(path), VOCABULARY, data._read_claims(path, VOCABULARY, quick=False))


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16"])
def test_other_encodings_are_read_by_the_row_reader_then_made_columns(tmp_path, encoding):
    path = tmp_path / "claims.csv"
    path.write_bytes(FILES["plain"].encode(encoding))
    rows = data.read_claims(path, VOCABULARY)
    assert len(rows.records) == 3  # c1, c2, c3 — and the same three as columns
    assert_columns_agree(str(path), VOCABULARY, rows)
    assert not isinstance(columnar.read_claim_columns(path, VOCABULARY).table, columnar.LineTable)


def test_a_plain_file_is_read_as_lines(tmp_path):
    """The plain file takes the columnar way (else the agreement above would prove nothing about it): its
    table keeps no row records, and its three claims are columns: 1234.5 yuan = 123450 fen, an empty admission
    is the discharge day, an empty critical_paid is null (the policy computes it)."""
    path = tmp_path / "claims.csv"
    path.write_text(FILES["plain"], encoding="utf-8")
    read = columnar.read_claim_columns(path, VOCABULARY)
    assert isinstance(read.table, columnar.LineTable) and read.table.rows == ()
    assert read.frame.select("claim_id", "visit_type", "policy_scope_cost", "critical_paid").rows() == [
        ("c1", "inpatient", 2_000_000, 0), ("c2", "chronic", 123_450, None), ("c3", "outpatient", 30_000, 5_000)]
    assert read.frame["admission_date"][1] == read.frame["discharge_date"][1]


def test_a_looked_up_cell_with_a_stray_character_is_the_row_readers_whatever_the_vocabulary(tmp_path):
    """A vocabulary that would take `inpatient\u200b` or `特困人员\u3000` does not decide a cell the row reader
    reads otherwise: the zero-width space is a control character (the row is refused), the ideographic space is
    stripped."""
    lenient = data.Vocabulary(visit_type=lambda text: VOCABULARY.visit_type(text.strip().replace("\u200b", "")),
                              category=lambda text: VOCABULARY.category(text.strip().replace("\u200b", "")))
    claims = tmp_path / "claims.csv"
    claims.write_text(lines(ROWS[0], "c9,p1,inpatient\u200b,2023-03-01,2023-03-10,1,0,0",
                            "c10,p1,inpatient\u3000,2023-03-01,2023-03-10,1,0,0"), encoding="utf-8")
    assert_columns_agree(str(claims), lenient, data._read_claims(claims, lenient, quick=False))
    read = columnar.read_claim_columns(claims, lenient)
    assert read.frame["claim_id"].to_list() == ["c1", "c10"] and [e.row for e in read.errors] == [3]
    identities = tmp_path / "identities.csv"
    identities.write_text("\n".join([IDENTITY_HEADER, "p1,特困人员\u200b,2023-01-01,",
                                     "p2,特困人员\u3000,2023-01-01,"]), encoding="utf-8")
    read = assert_identities_agree(identities, lenient)
    assert read.frame["person_id"].to_list() == ["p2"] and [e.row for e in read.errors] == [2]


def test_a_row_neither_read_nor_reported_or_both_is_unaccounted(tmp_path):
    """The check every run makes: the plain file's rows 2, 3 and 4 are each good once; a frame without row 3, or
    row 3 good and bad at once, leaves row 3 unaccounted."""
    import attrs
    import polars as pl

    path = tmp_path / "claims.csv"
    path.write_text(FILES["plain"], encoding="utf-8")
    read = columnar.read_claim_columns(path, VOCABULARY)
    assert read.unaccounted() == []
    assert attrs.evolve(read, frame=read.frame.filter(pl.col("row") != 3)).unaccounted() == [3]
    bad = data.DataError(str(path), 3, "visit_type", "未知", "unknown")
    assert attrs.evolve(read, errors=(bad,)).unaccounted() == [3]


def test_lines_read_ahead_are_used_unless_the_file_changed_since(tmp_path, monkeypatch):
    """`read_ahead` reads the lines once, in its thread, and the reader takes them; a file rewritten after they
    were read (another size: another signature) is read again, so its claims are the new ones (1, not 3)."""
    path = tmp_path / "claims.csv"
    path.write_text(FILES["plain"], encoding="utf-8")
    calls: list[str] = []
    real = columnar._lines
    monkeypatch.setattr(columnar, "_lines", lambda name, options: calls.append(name) or real(name, options))
    with columnar.read_ahead([str(path), None], None):
        columnar._AHEAD[str(path)][1].result()  # the thread has read them
        read = columnar.read_claim_columns(str(path), VOCABULARY)
    assert calls == [str(path)] and read.frame.height == 3 and not columnar._AHEAD
    with columnar.read_ahead([str(path)], None):
        columnar._AHEAD[str(path)][1].result()
        path.write_text(lines(ROWS[0]), encoding="utf-8")
        read = columnar.read_claim_columns(str(path), VOCABULARY)
    assert calls == [str(path)] * 3 and read.frame["claim_id"].to_list() == ["c1"]


def test_a_bad_row_is_repeated_as_written(tmp_path):
    """The rejects file repeats a row as it was written, plain or not: the table gives any row back."""
    path = tmp_path / "claims.csv"
    path.write_text(lines(ROWS[0], "c9,p1,inpatient,2023-02-30,2023-03-10,1,0,0", ROWS[2]), encoding="utf-8")
    read = columnar.read_claim_columns(path, VOCABULARY)
    assert [(e.row, e.column) for e in read.errors] == [(3, "admission_date")]
    raws = read.table.raws([2, 3])
    assert raws[3].values["admission_date"] == "2023-02-30" and raws[2].values["claim_id"] == "c1"
    assert read.table.rows_with("person_id", {"p2"}) == [4]


# ---------------------------------------------------------------- identities.csv

IDENTITY_HEADER = "person_id,category,start,end"
IDENTITY_LINES = [
    "p1,特困人员,2023-01-01,", "p2,低保对象,2023-01-01,2023-06-30", "p3,dibao,2023-01-01,2023-06-30",
    "p4,未知类别,2023-01-01,", "p5,特困人员,2023-07-01,2023-06-30", "p6,特困人员,2023/1/5,", "p7,特困人员,,",
    ",特困人员,2023-01-01,", "p8,特困人员,2023-02-30,", "p9, 特困人员 ,2023-01-01,", "p10,特困人员,2023-01-01,x",
    "p11,特困人员", '"p12",特困人员,2023-01-01,', "p1,低保对象,2023-01-01,2023-12-31", "p13,特困人员,0000-01-01,",
    "p14,特困人员,2023-01-01,2023-01-01", "p15,特困人员,2023-01-01,,extra", "p16\u200b,特困人员,2023-01-01,",
    "p17,特困人员\u200b,2023-01-01,", "p18,特困人员\u3000,2023-01-01,", "p19,特困人员,2023-01-01\u00a0,",
]


def assert_identities_agree(path, vocabulary=VOCABULARY) -> columnar.Columns:
    rows = data.read_identities(path, vocabulary)
    columns = columnar.read_identity_columns(path, vocabulary)
    assert columns.errors == rows.errors
    assert columnar.identities_of_frame(columns.frame) == list(rows.records)
    assert columns.frame["row"].to_list() == list(rows.good_rows)
    assert columns.normalised == rows.normalised
    assert columns.table.row_numbers() == rows.table.row_numbers()
    assert columns.table.raws(columns.table.row_numbers()) == {raw.row: raw for raw in rows.table.rows}
    assert (columns.table.header, columns.table.form, columns.table.warnings) == (
        rows.table.header, rows.table.form, rows.table.warnings)
    assert columns.unaccounted() == []
    return columns


@pytest.mark.parametrize("chunk", [columnar.CHUNK, 3])  # 3: twenty-one rows in seven chunks, two side by side
@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_identities_read_as_columns_as_the_row_reader_reads_them(tmp_path, end, chunk, monkeypatch):
    monkeypatch.setattr(columnar, "CHUNK", chunk)
    monkeypatch.setattr(columnar, "SIDE_BY_SIDE_ROWS", min(chunk, columnar.SIDE_BY_SIDE_ROWS))
    path = tmp_path / "identities.csv"
    path.write_text(end.join([IDENTITY_HEADER, *IDENTITY_LINES]) + end, encoding="utf-8")
    read = assert_identities_agree(path)
    assert isinstance(read.table, columnar.LineTable)
    # the good rows: p1 (open end), p2, p3 (dibao is 低保对象's identifier), p6 (2023/1/5, normalised), p9 (its
    # cell stripped), p12 (quoted), p1's second identity on row 15, p14 (one day), p18 and p19 (an ideographic and
    # a no-break space stripped from a cell's end); the other eleven are errors (p17: a zero-width space)
    assert read.frame.select("row", "person_id", "category").rows() == [
        (2, "p1", "tekun"), (3, "p2", "dibao"), (4, "p3", "dibao"), (7, "p6", "tekun"), (11, "p9", "tekun"),
        (14, "p12", "tekun"), (15, "p1", "dibao"), (17, "p14", "tekun"), (21, "p18", "tekun"), (22, "p19", "tekun")]
    assert [e.row for e in read.errors] == [5, 6, 8, 9, 10, 12, 13, 16, 18, 19, 20]


def test_identities_in_another_encoding_are_read_by_the_row_reader(tmp_path):
    path = tmp_path / "identities.csv"
    path.write_bytes("\n".join([IDENTITY_HEADER, *IDENTITY_LINES]).encode("gb18030"))
    assert not isinstance(assert_identities_agree(path).table, columnar.LineTable)


# ---------------------------------------------------------------- persons.csv

PERSON_HEADER = ",".join(data.PERSON_COLUMNS)
PERSON_LINES = [
    "p1,男,1950-03-01,,,1000,12000", "p2,女,1960-02-29,1,A,,", "p3,男,1970-01-01,5,,,", "p4,x,1970-01-01,,,,",
    "p5,女,,,,,", "p6,男,1970-01-01,,D,,", "p7,男,1970-01-01,,,1000.5,¥1,200", "p1,女,1980-01-01,,,,",
    "p8,男,1970-01-01,,,100000001,", "p9,女,1970/1/1,2,B,0.05,0", "p10, 男 ,1970-01-01,,C,,", '"p11",男,1970-01-01,,,,',
    "p12,男,1970-01-01,4,,-1,", "p13,男\u200b,1970-01-01,,,,",
    "p14,女,1970-01-01,2\u3000,,,", "p15,女,1970-01-01,,A ,,",
]


def test_persons_read_as_columns_as_the_row_reader_reads_them(tmp_path):
    path = tmp_path / "persons.csv"
    path.write_text("\n".join([PERSON_HEADER, *PERSON_LINES]) + "\n", encoding="utf-8")
    rows = data.read_persons(path)
    read = columnar.read_person_columns(path)
    assert isinstance(read.table, columnar.LineTable)
    assert read.errors == rows.errors
    assert columnar.persons_of_frame(read.frame) == {p.person_id: p for p in rows.records}
    assert read.frame["row"].to_list() == list(rows.good_rows)
    assert read.normalised == rows.normalised and read.unaccounted() == []
    # good: p1 (1000 yuan = 100000 fen), p2, p9 (1970/1/1 normalised; 0.05 yuan = 5 fen), p10 (stripped), p11
    # (quoted); p7's unquoted ¥1,200 is two cells, p1 again on row 9 a repeat, p8's income above the
    # 100,000,000-yuan ceiling, p3's grade 5, p4's gender x, p5 without a birth date, p6's class D, p12's -1,
    # p13's gender with a zero-width space; p14's grade and p15's class are stripped (an ideographic space, a space)
    assert read.frame.select("row", "person_id", "family_monthly_income_per_capita").rows() == [
        (2, "p1", 100_000), (3, "p2", None), (11, "p9", 5), (12, "p10", None), (13, "p11", None), (16, "p14", None),
        (17, "p15", None)]


def test_a_file_changed_during_the_run_is_never_repeated_as_other_text(tmp_path):
    """A row is repeated for the rejects by reading its line again: from a file changed since, an error."""
    import os

    path = tmp_path / "claims.csv"
    path.write_text(lines(*ROWS), encoding="utf-8")
    read = columnar.read_claim_columns(path, VOCABULARY)
    assert read.table.raws([3])[3].values["claim_id"] == "c2"
    path.write_text(lines(*ROWS).replace("c2", "x2"), encoding="utf-8")
    os.utime(path, ns=(1, 1))
    with pytest.raises(data.FileChanged):
        read.table.raws([3])
