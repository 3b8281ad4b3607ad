"""Output files a settlement office can trust (issue 14): paths checked before anything is read, every output
written or none, cells that read back as written, and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidlang.cli import main
from aidlang.io import data, outputs

ROOT = Path(__file__).resolve().parent.parent
WUXI = str(ROOT / "policies" / "wuxi.aid")
MIANYANG = str(ROOT / "policies" / "mianyang.aid")
HUIZHOU = str(ROOT / "policies" / "huizhou.aid")
CLAIMS_HEADER = "claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid"
# 特困人员, 四(六): 100% of 20000 − 12000 − 0 = 8000 aid; self-pay 0
CLAIM = "c1,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0"
IDENTITIES = "person_id,category,start,end\np1,特困人员,2023-01-01,\n"


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def inputs(tmp_path):
    return (write(tmp_path / "claims.csv", f"{CLAIMS_HEADER}\n{CLAIM}\n"),
            write(tmp_path / "identities.csv", IDENTITIES))


def read_rows(path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


# ---------------------------------------------------------------- 1. paths refused before anything is read

@pytest.mark.parametrize("lang, message", [
    ("zh", "--out 与 --rejects 是同一个文件：{rejects}（一个会覆盖另一个）"),
    ("en", "--out and --rejects are the same file: {rejects} (one would overwrite the other)"),
])
def test_out_equal_to_rejects_is_refused(inputs, tmp_path, capsys, lang, message):
    claims, identities = inputs
    out = tmp_path / "results.csv"
    rejects = str(tmp_path / "." / "results.csv")  # the same file, spelled otherwise
    code = main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(out), "--rejects", rejects,
                 "--lang", lang])
    assert code == 2
    assert capsys.readouterr().err.strip() == message.format(rejects=rejects)
    assert not out.exists()


@pytest.mark.parametrize("lang, message", [
    ("zh", "输出 --out {out} 就是输入 --identities 的文件 {source}：不能覆盖输入"),
    ("en", "the output --out {out} is the input --identities {source}: an input is never overwritten"),
])
def test_out_through_a_link_to_an_input_is_refused(inputs, tmp_path, capsys, lang, message):
    claims, identities = inputs
    link = tmp_path / "link.csv"
    link.symlink_to(identities)
    code = main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(link), "--lang", lang])
    assert code == 2
    assert capsys.readouterr().err.strip() == message.format(out=link, source=identities)
    assert Path(identities).read_text(encoding="utf-8") == IDENTITIES


def test_rejects_equal_to_the_policy_is_refused_before_the_policy_is_read(tmp_path, capsys):
    policy = write(tmp_path / "p.aid", "not a policy at all")  # never parsed: the clash is found first
    claims = write(tmp_path / "claims.csv", f"{CLAIMS_HEADER}\n{CLAIM}\n")
    assert main(["run", policy, "--claims", claims, "--rejects", policy, "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == (f"the output --rejects {policy} is the input POLICY {policy}: "
                                               "an input is never overwritten")
    assert Path(policy).read_text(encoding="utf-8") == "not a policy at all"


@pytest.mark.parametrize("lang, message", [
    ("zh", "输出 --rejects {path} 是目录，应为文件名"),
    ("en", "the output --rejects {path} is a directory, not a file"),
])
def test_rejects_to_a_directory_is_refused_and_results_are_untouched(inputs, tmp_path, capsys, lang, message):
    claims, identities = inputs
    out = tmp_path / "results.csv"
    out.write_text("old\n", encoding="utf-8")
    code = main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(out),
                 "--rejects", str(tmp_path), "--lang", lang])
    assert code == 2
    assert capsys.readouterr().err.strip() == message.format(path=tmp_path)
    assert out.read_text(encoding="utf-8") == "old\n"


@pytest.mark.parametrize("lang, message", [
    ("zh", "无法写入 --out {out}：目录 {parent} 不存在"),
    ("en", "cannot write --out {out}: there is no directory {parent}"),
])
def test_out_in_a_missing_directory_is_refused(inputs, tmp_path, capsys, lang, message):
    claims, identities = inputs
    out = tmp_path / "nowhere" / "results.csv"
    code = main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(out), "--lang", lang])
    assert code == 2
    assert capsys.readouterr().err.strip() == message.format(out=out, parent=tmp_path / "nowhere")


def test_every_writing_command_refuses_to_overwrite_its_input(tmp_path, capsys):
    identities = write(tmp_path / "identities.csv", IDENTITIES)
    claims = write(tmp_path / "claims.csv", f"{CLAIMS_HEADER}\n{CLAIM}\n")
    expenditures = write(tmp_path / "expenditures.csv", "county,year,aid_expenditure\n")
    commands = [["annual", WUXI, "--year", "2023", "--identities", identities, "--out", identities],
                ["funds", HUIZHOU, "--expenditures", expenditures, "--out", expenditures],
                ["monitor", MIANYANG, "--claims", claims, "--month", "2023-06", "--out", claims]]
    for argv in commands:
        assert main(argv + ["--lang", "en"]) == 2
        assert "an input is never overwritten" in capsys.readouterr().err
    assert Path(identities).read_text(encoding="utf-8") == IDENTITIES


# ---------------------------------------------------------------- 2. staged, committed together, cleaned up

def test_a_failed_write_replaces_nothing_and_names_the_target(tmp_path, monkeypatch):
    first, second = tmp_path / "results.csv", tmp_path / "rejects.csv"
    first.write_text("old\n", encoding="utf-8")
    real = outputs._write_to

    def full_disk(raw, output, bom):
        if output.path == str(second):
            raise OSError(28, "No space left on device")
        real(raw, output, bom)

    monkeypatch.setattr(outputs, "_write_to", full_disk)
    with pytest.raises(OSError) as raised:
        outputs.write_outputs([outputs.Output(str(first), ["a"], [["1"]]), outputs.Output(str(second), ["b"], [])])
    assert raised.value.filename == str(second)  # the target, not `.rejects.csv.aidlang-<pid>.tmp`
    assert first.read_text(encoding="utf-8") == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["results.csv"]


@pytest.mark.parametrize("signum, raised", [(signal.SIGTERM, SystemExit), (signal.SIGINT, KeyboardInterrupt)])
def test_a_signal_while_staging_removes_the_temps_and_restores_the_handler(tmp_path, signum, raised):
    target = tmp_path / "results.csv"
    target.write_text("old\n", encoding="utf-8")
    before = signal.getsignal(signum)

    def rows():
        yield ["1"]
        os.kill(os.getpid(), signum)
        yield ["2"]

    with pytest.raises(raised) as caught:
        outputs.write_outputs([outputs.Output(str(target), ["a"], rows())])
    if raised is SystemExit:
        assert caught.value.code == 128 + signal.SIGTERM
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(os.listdir(tmp_path)) == ["results.csv"]
    assert signal.getsignal(signum) is before


def test_a_dead_runs_temp_is_removed_by_the_next_run_and_a_live_ones_kept(tmp_path):
    target = tmp_path / "results.csv"
    dead = tmp_path / ".results.csv.aidlang-999999999.tmp"  # above any pid the kernel hands out
    live = tmp_path / f".results.csv.aidlang-{os.getppid()}.tmp"
    other = tmp_path / ".rejects.csv.aidlang-999999999.tmp"  # another target's: not this run's business
    for path in (dead, live, other):
        path.write_text("partial", encoding="utf-8")
    outputs.write_outputs([outputs.Output(str(target), ["a"], [["1"]])])
    assert sorted(os.listdir(tmp_path)) == sorted(["results.csv", live.name, other.name])


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_modes_follow_the_umask(tmp_path, umask, mode):
    target = tmp_path / "results.csv"
    saved = os.umask(umask)
    try:
        outputs.write_outputs([outputs.Output(str(target), ["a"], [["1"]])])
    finally:
        os.umask(saved)
    assert target.stat().st_mode & 0o777 == mode


def test_a_link_is_written_through_to_the_file_it_names(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "results.csv"
    link.symlink_to(real)
    outputs.write_outputs([outputs.Output(str(link), ["a"], [["1"]])])
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "a\n1\n"


def test_a_special_file_is_written_directly(inputs):
    claims, identities = inputs
    assert main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", os.devnull]) == 0
    assert Path(os.devnull).is_char_device()


# ---------------------------------------------------------------- 3. and 4. cells

def test_a_lone_carriage_return_is_quoted(tmp_path):
    target = tmp_path / "out.csv"
    outputs.write_outputs([outputs.Output(str(target), ["a", "b"], [["x\ry", "z"], ["1", "2"]])])
    assert target.read_bytes() == b'a,b\n"x\ry","z"\n1,2\n'
    assert read_rows(target) == [["a", "b"], ["x\ry", "z"], ["1", "2"]]


def test_formula_text_is_made_inert_and_numbers_stay_numbers(tmp_path):
    target = tmp_path / "out.csv"
    rows = [["=HYPERLINK(\"http://x\")", "-12.00"], ["+1+2", "3.00"], ["@SUM(A1)", "0.00"], ["\tx", "1.00"],
            ["-x", "-0.50"], ["-12", "2.00"], ["四(六)", "4.00"]]
    outputs.write_outputs([outputs.Output(str(target), ["basis", "amount"], rows, numeric=frozenset({"amount"}))])
    assert read_rows(target)[1:] == [["'=HYPERLINK(\"http://x\")", "-12.00"], ["'+1+2", "3.00"], ["'@SUM(A1)", "0.00"],
                                     ["'\tx", "1.00"], ["'-x", "-0.50"], ["-12", "2.00"], ["四(六)", "4.00"]]


def test_a_formula_claim_id_lands_inert_in_results(tmp_path, capsys):
    claims = write(tmp_path / "claims.csv", f"{CLAIMS_HEADER}\n=HYPERLINK(1),p1,inpatient,2023-03-01,2023-03-10,"
                                            "20000,12000,0\n")
    identities = write(tmp_path / "identities.csv", IDENTITIES)
    out = tmp_path / "results.csv"
    assert main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(out)]) == 0
    assert read_rows(out)[1] == ["'=HYPERLINK(1)", "p1", "特困人员", "12000.00", "0.00", "8000.00", "0.00", "0.00",
                                 "ok", "四(六)"]


def test_bom_starts_the_file_for_excel(inputs, tmp_path):
    claims, identities = inputs
    out = tmp_path / "results.csv"
    assert main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(out), "--bom"]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfclaim_id,") and raw.count(b"\xef\xbb\xbf") == 1


def test_results_xlsx_holds_text_as_text_and_amounts_as_numbers(tmp_path):
    claims = write(tmp_path / "claims.csv", f"{CLAIMS_HEADER}\n=1+1,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0\n")
    identities = write(tmp_path / "identities.csv", IDENTITIES)
    out = tmp_path / "results.xlsx"
    assert main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(out)]) == 0
    sheet = openpyxl.load_workbook(out).active
    header, row = [[cell for cell in r] for r in sheet.iter_rows()]
    assert [c.value for c in header] == list(outputs.RESULTS_HEADER)
    assert [c.value for c in row] == ["=1+1", "p1", "特困人员", 12000, 0, 8000, 0, 0, "ok", "四(六)"]
    assert row[0].data_type == "s"  # a string, never a formula
    assert {row[i].number_format for i in range(3, 8)} == {"0.00"}


def test_examples_results_keep_their_bytes(tmp_path):
    """Ordinary files are written as before: re-writing the rows read back with the plain csv writer gives the
    same bytes (no added quotes, no prefixes)."""
    out = tmp_path / "results.csv"
    assert main(["run", WUXI, "--claims", str(ROOT / "examples/wuxi/claims.csv"),
                 "--identities", str(ROOT / "examples/wuxi/identities.csv"), "--out", str(out)]) == 0
    again = io.StringIO()
    csv.writer(again, lineterminator="\n").writerows(read_rows(out))
    assert out.read_text(encoding="utf-8") == again.getvalue()


# ---------------------------------------------------------------- the property: every output reads back

CELL = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
AMOUNT = st.integers(-10**9, 10**9).map(lambda fen: outputs.yuan(fen))


def unescape_ooxml(text: str) -> str:
    """Workbook strings keep control characters as `_xHHHH_` (ECMA-376 ST_Xstring); Excel decodes them."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(CELL, CELL, AMOUNT), max_size=6), bom=st.booleans())
def test_every_output_reads_back_to_its_rows(tmp_path_factory, rows, bom):
    directory = tmp_path_factory.mktemp("out")
    header = ["claim_id", "basis", "aid_paid"]
    made = [list(row) for row in rows]
    csv_path, xlsx_path = directory / "results.csv", directory / "results.xlsx"
    outputs.write_outputs([outputs.Output(str(csv_path), header, made, numeric=frozenset({"aid_paid"})),
                           outputs.Output(str(xlsx_path), header, made, numeric=frozenset({"aid_paid"}))], bom=bom)
    with open(csv_path, encoding="utf-8-sig", newline="") as file:
        back = list(csv.reader(file))
    assert back == [header] + [[outputs.inert(a), outputs.inert(b), amount] for a, b, amount in made]
    for a, b, _ in made:  # inert: the cell as written, or it with a leading '; only a plain number (+0, -12) may
        # still start with a sign, as it cannot be a formula
        written = outputs.inert(b)
        assert outputs.inert(a) in (a, "'" + a)
        assert (not written.startswith(("=", "+", "-", "@", "\t", "\r"))
                or re.fullmatch(r"[+-][0-9]+(\.[0-9]+)?", written))
    sheet = openpyxl.load_workbook(xlsx_path).active
    cells = [[c.value for c in r] for r in sheet.iter_rows()]
    expected = [header] + [[a or None, b or None, Decimal(amount)] for a, b, amount in made]
    assert [[unescape_ooxml(v) if isinstance(v, str) else (None if v is None else Decimal(str(v))) for v in row]
            for row in cells] == expected


# any cell but LF: the reader refuses a quoted line break (read side), which makes the raw row it echoes partial
ID_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n")
                  | st.sampled_from("\r\"=+-@\t,"), min_size=1, max_size=8)
CLAUSE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\'),
                      min_size=1, max_size=8).filter(lambda s: s.strip() == s)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cell=ID_TEXT, clause=CLAUSE_TEXT)
def test_policy_strings_and_data_cells_read_back_from_results_and_rejects(tmp_path_factory, cell, clause):
    """Any data cell and any 依据 text (a policy string) come back from results.csv and the rejects file exactly as
    read, made inert where a spreadsheet would run them; every claim once in one of them."""
    directory = tmp_path_factory.mktemp("run")
    policy = write(directory / "p.aid", f'''政策 p "测试政策" {{
  文号 "测试〔2023〕1号"
  发布机关 "某市医疗保障局"
  施行日期 2023-01-01
}}
类别 甲 依据 "一"
待遇 医疗救助 救助 依据 "{clause}" {{
  对 甲: 比例 100% 依据 "{clause}"
}}
''')
    claims = directory / "claims.csv"
    with open(claims, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n", quoting=csv.QUOTE_ALL)  # a lone CR quoted too
        writer.writerow(CLAIMS_HEADER.split(","))
        writer.writerow([cell, "p1", "inpatient", "2023-03-01", "2023-03-10", "100", "40", "0"])
        writer.writerow(["r" + cell, cell, "dental", "2023-03-01", "2023-03-10", "100", "40", "0"])  # always bad
    identities = write(directory / "identities.csv", "person_id,category,start,end\np1,甲,2023-01-01,\n")
    out, rejects = directory / "results.csv", directory / "rejects.csv"
    assert main(["run", policy, "--claims", str(claims), "--identities", identities, "--out", str(out),
                 "--rejects", str(rejects)]) == 0
    raw = data.read_claims(str(claims), data.Vocabulary(visit_type=lambda t: None, category=lambda t: None,
                                                        required_amounts=())).table
    as_read = {row.row: [row.values.get(column, "") for column in raw.header] for row in raw.rows}
    results, rejected = read_rows(out)[1:], read_rows(rejects)[1:]
    assert len(results) + len(rejected) == 2
    for row in rejected:
        assert row[:-2] == [outputs.inert(value) for value in as_read[int(row[-2])]]
    for row in results:
        # 100% of 100 − 40 − 0 = 60 aid, self-pay 0
        assert row == [outputs.inert(as_read[2][0]), "p1", "甲", "40.00", "0.00", "60.00", "0.00", "0.00", "ok",
                       outputs.inert(clause)]


# ---------------------------------------------------------------- results written from columns (the batch engine)

HOSTILE_TEXT = ["c1", "", "=SUM(A1)", "+1", "-1", "-12.00", "@x", "\tx", "\rx", "a\rb", "a\nb", "a,b", 'a"b', '"',
                "；中文，", "x ", " x", "'=a", "1e5", "\x00"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=6), st.sampled_from(HOSTILE_TEXT),
                          st.integers(-10**16, 10**16) | st.integers(-1000, 1000)), max_size=8),
       st.booleans(), st.booleans())
def test_columns_are_written_to_the_bytes_rows_are(tmp_path, rows, bom, categorical):
    """write_frame_csv (polars, for the batch engine's results) writes what write_csv writes for the same rows:
    formula starts made inert, delimiters, quotes and line ends quoted, amounts in yuan (negative too); a
    categorical column (the results' category, status and basis) as a text one."""
    import polars as pl

    header = ("text", "other", "amount")
    numeric = frozenset(("amount",))
    frame = pl.DataFrame(rows, schema={"text": pl.String, "other": pl.String, "amount": pl.Int64}, orient="row")
    if categorical:
        frame = frame.with_columns(pl.col("other").cast(pl.Categorical))
    as_rows = outputs.Output(None, header, [[a, b, outputs.yuan(fen)] for a, b, fen in rows], numeric=numeric)
    as_columns = outputs.Output(None, header, (), numeric=numeric, frame=frame)
    expected, written = io.BytesIO(), io.BytesIO()
    outputs._write_to(expected, as_rows, bom)
    outputs._write_to(written, as_columns, bom)
    assert written.getvalue() == expected.getvalue()


def test_columns_are_written_with_a_formula_made_inert(tmp_path, monkeypatch):
    import polars as pl

    monkeypatch.setattr(outputs, "FRAME_CHUNK", 2)  # two chunks of rows: the lines follow on

    frame = pl.DataFrame({"text": ["=1+1", "ok", "a,b"], "amount": [-1250, 5, 0]})
    written = io.BytesIO()
    outputs._write_to(written, outputs.Output(None, ("text", "amount"), (), numeric=frozenset(("amount",)),
                                              frame=frame), False)
    # -1250 fen = -12.50 yuan; 5 fen = 0.05; the formula gets a leading ', the comma its quotes
    assert written.getvalue().decode() == "text,amount\n'=1+1,-12.50\nok,0.05\n\"a,b\",0.00\n"


def test_columns_in_any_order_are_written_in_the_order_column(monkeypatch):
    """The batch engine's results come in the order they settled; the writer orders them by `row` a chunk at a
    time (here chunks of 2): the file is as if they had been sorted first."""
    import polars as pl

    monkeypatch.setattr(outputs, "FRAME_CHUNK", 2)
    frame = pl.DataFrame({"text": ["c", "a", "e", "b", "d"], "amount": [3, 1, 5, 2, 4], "row": [4, 2, 6, 3, 5]})
    written = io.BytesIO()
    outputs._write_to(written, outputs.Output(None, ("text", "amount"), (), numeric=frozenset(("amount",)),
                                              frame=frame, order="row"), False)
    assert written.getvalue().decode() == "text,amount\na,0.01\nb,0.02\nc,0.03\nd,0.04\ne,0.05\n"


@pytest.mark.parametrize("keys", [[5, 2, 3, 7], [2, 2, 1], [10**9, 1, 7], [3, -1, 0], [4]])
def test_the_rows_of_a_frame_are_written_in_the_order_of_their_numbers(keys):
    """Row numbers [5, 2, 3, 7] are written from position 1 (row 2), then 2, 0 and 3; numbers repeated, far apart
    or negative are sorted instead, to the same order of keys."""
    import polars as pl

    from aidlang.io.columnar import positions_in_order

    ranks = positions_in_order(pl.Series(keys, dtype=pl.Int64))
    assert [keys[i] for i in ranks.to_list()] == sorted(keys) and sorted(ranks.to_list()) == list(range(len(keys)))
    if keys == [5, 2, 3, 7]:
        assert ranks.to_list() == [1, 2, 0, 3]


@pytest.mark.parametrize("keys", [[[3, 0], [2, 1]], [[1, 2, 0], []], [[0], [2]], [[1, 1], [0]], [[2, 0, 1]],
                                  [[1], [0, 2]], [[0, 1], [1]]])
def test_frames_of_row_numbers_come_together_in_their_order(keys):
    """in_order: the rows of the frames, one frame, in the order of `i` — rows 0 … n − 1 split among frames
    ([3, 0] and [2, 1]: rows 1, 3, 2, 0 of the two concatenated), a frame of none, a number missing (2 of 0 and
    2) or held twice (1, 1 in one frame; 1 in two): each column's values go with their row, integers with
    missing values (`paid`: in both frames, or — [1] and [0, 2] — only in the second, after the first's were put
    in place), categorical text (`category`) and the engine's status enum alike."""
    import polars as pl

    from aidlang.engines.batch.engine import STATUS
    from aidlang.io.columnar import in_order

    statuses = ["ok", "no_category", "not_covered", "not_in_force"]
    frames = [pl.DataFrame({"i": rows, "aid": [100 * k + 1 for k in rows], "paid": [k if k % 2 else None for k in rows],
                            "category": [None if k == 2 else f"类别{k}" for k in rows],
                            "status": [statuses[k] for k in rows]},
                           schema={"i": pl.Int64, "aid": pl.Int64, "paid": pl.Int64, "category": pl.Categorical,
                                   "status": STATUS}) for rows in keys]
    together = in_order(frames, "i")
    numbers = sorted(k for rows in keys for k in rows)
    assert together["i"].to_list() == numbers
    assert together["aid"].to_list() == [100 * k + 1 for k in numbers]
    assert together["paid"].to_list() == [k if k % 2 else None for k in numbers]
    assert together["category"].cast(pl.String).to_list() == [None if k == 2 else f"类别{k}" for k in numbers]
    assert together["status"].cast(pl.String).to_list() == [statuses[k] for k in numbers]
    assert together.schema == frames[0].schema


def test_the_parts_of_a_run_come_together_in_input_order_without_their_rejected_rows():
    """RowsInOrder as the batch engine uses it: the parts' results added as each is settled, rows 3, 0 and 4 of
    a run of 6 (1, 2 and 5 rejected) — rows 0, 3, 4 in that order, the frames not kept; a row number given twice
    is a bug, raised."""
    import polars as pl

    from aidlang.io.columnar import RowsInOrder

    def part(rows):
        return pl.DataFrame({"i": rows, "aid": [10 * k for k in rows], "note": [f"n{k}" for k in rows]},
                            schema={"i": pl.Int64, "aid": pl.Int64, "note": pl.String})

    together = RowsInOrder(6, "i", keep=False)
    together.add(part([3, 0]))
    together.add(part([4]))
    assert together.frame().to_dict(as_series=False) == {"i": [0, 3, 4], "aid": [0, 30, 40], "note": ["n0", "n3", "n4"]}
    twice = RowsInOrder(6, "i", keep=False)
    twice.add(part([3, 0]))
    with pytest.raises(AssertionError):
        twice.add(part([0]))


def test_amounts_of_plain_rows_are_written_by_polars_in_yuan():
    """A chunk with no text that needs the csv module is written by polars' CSV writer, amounts as decimals of
    scale 2: -1 fen = -0.01 yuan, -1250 fen = -12.50, 10**16 fen = 100000000000000.00, 0 = 0.00."""
    import polars as pl

    frame = pl.DataFrame({"text": ["a", "b", "c", "d"], "amount": [-1, -1250, 10**16, 0]})
    written = io.BytesIO()
    outputs._write_to(written, outputs.Output(None, ("text", "amount"), (), numeric=frozenset(("amount",)),
                                              frame=frame), False)
    assert written.getvalue().decode() == "text,amount\na,-0.01\nb,-12.50\nc,100000000000000.00\nd,0.00\n"


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
@pytest.mark.parametrize("engine", ["interp", "batch"])
def test_a_claims_file_with_its_own_row_and_reason_columns_keeps_them_apart_in_the_rejects(tmp_path, capsys,
                                                                                            suffix, engine):
    """An office's claims file with columns of its own named `row` and `reason` (extra columns, ignored): the
    rejects file's header has them as `row_1` and `reason_1` (`row_1` taken by the file: `row_2`), then the run's
    `row` and `reason` — no two columns of one name (a reader would take the wrong one, and Parquet cannot hold
    them: the run failed with an internal error). c2's cost −5 is its reason, on the file's row 3."""
    import polars as pl

    claims = write(tmp_path / "claims.csv", f"{CLAIMS_HEADER},row,reason,row_1\n{CLAIM},x,y,z\n"
                   "c2,p1,inpatient,2023-03-01,2023-03-10,-5,0,0,x2,y2,z2\n")
    identities = write(tmp_path / "identities.csv", IDENTITIES)
    rejects = tmp_path / f"rejects.{suffix}"
    assert main(["run", WUXI, "--claims", claims, "--identities", identities, "--out", str(tmp_path / "r.csv"),
                 "--rejects", str(rejects), "--engine", engine]) == 0
    capsys.readouterr()
    frame = pl.read_csv(rejects, infer_schema=False) if suffix == "csv" else pl.read_parquet(rejects)
    assert frame.columns == [*CLAIMS_HEADER.split(","), "row_2", "reason_1", "row_1", "row", "reason"]
    assert frame.row(0) == ("c2", "p1", "inpatient", "2023-03-01", "2023-03-10", "-5", "0", "0", "x2", "y2", "z2",
                            "3", "policy_scope_cost: 金额不能为负数：-5")
