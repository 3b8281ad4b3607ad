"""Output files: the rows of each file the commands write, and writing them all or none (atomically).

Before anything is read, `refuse_clashes` checks every output path (not an input, not another output, not a
directory, writable). Then `write_outputs` stages each file as `.<name>.aidlang-<pid>.tmp` beside its target
and renames them all only when every one is complete; a failure or a signal removes the temps, and the next run
to the same target removes a temp whose process is dead. CSV cells round-trip (a cell holding a CR is quoted),
and text cells that a spreadsheet would read as a formula get a leading `'` (numeric columns are left plain);
a path ending in `.xlsx` gets a workbook instead: text as text, amounts as numbers, never a formula; a path
ending in `.parquet` gets a Parquet file (`write_parquet`): text as strings, amounts as decimal(18,2).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import re
import signal
import stat
import sys
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import attrs

from aidlang import runtime
from aidlang.io.data import DataError, Table
from aidlang.records import BenefitRow, MonitorRow, Result, ScheduleRow

RESULTS_HEADER = ("claim_id", "person_id", "category", "basic_paid", "critical_paid", "aid_paid", "tilted_paid",
                  "self_pay", "status", "basis")
BENEFITS_HEADER = ("person_id", "benefit", "amount", "due", "basis")
SCHEDULE_HEADER = ("county", "item", "due", "amount", "basis")
MONITOR_HEADER = ("person_id", "cumulative_self_paid", "threshold", "push_by", "basis")
REJECT_COLUMNS = ("row", "reason")
# the columns holding amounts: written as plain numbers (never made inert, numbers in a workbook)
RESULTS_NUMERIC = frozenset(("basic_paid", "critical_paid", "aid_paid", "tilted_paid", "self_pay"))
BENEFITS_NUMERIC = SCHEDULE_NUMERIC = frozenset(("amount",))
MONITOR_NUMERIC = frozenset(("cumulative_self_paid", "threshold"))


def yuan(fen: int | None) -> str:
    return "" if fen is None else runtime.format_yuan(fen)


def day(value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


def result_rows(results: Iterable[Result]) -> Iterator[list[str]]:
    """results.csv's rows, made as they are written (a year of claims need not be held twice as text)."""
    fy = runtime.format_yuan  # a Result's amounts are always fen, never None
    return ([r.claim_id, r.person_id, r.category, fy(r.basic_paid), fy(r.critical_paid), fy(r.aid_paid),
             fy(r.tilted_paid), fy(r.self_pay), r.status, r.basis] for r in results)


def benefit_rows(rows: Iterable[BenefitRow]) -> list[list[str]]:
    return [[r.person_id, r.benefit, yuan(r.amount), day(r.due), r.basis] for r in rows]


def schedule_rows(rows: Iterable[ScheduleRow]) -> list[list[str]]:
    return [[r.county, r.item, day(r.due), yuan(r.amount), r.basis] for r in rows]


def monitor_rows(rows: Iterable[MonitorRow]) -> list[list[str]]:
    return [[r.person_id, yuan(r.cumulative_self_paid), yuan(r.threshold), day(r.push_by), r.basis] for r in rows]


def reject_rows(table: Table, rejected: Iterable[tuple[int, str]]) -> tuple[tuple[str, ...], list[list[str]]]:
    """The rejects file: each bad row's original columns, then its row number and reason."""
    rejected = list(rejected)
    by_row = table.raws(row for row, _ in rejected)
    rows = [[by_row[row].values.get(col, "") for col in table.header] + [str(row), reason]
            for row, reason in rejected]
    return own_names(table.header, REJECT_COLUMNS) + REJECT_COLUMNS, rows


def own_names(header: Sequence[str], reserved: Sequence[str]) -> tuple[str, ...]:
    """A file's header where `reserved` names are to follow it: a column of its own so named (an extra column the
    readers ignore, such as a `reason` of the office's) is written `reason_1` (`_2` … should that be taken), so
    that no two columns share a name — a reader would take the wrong one, and a Parquet file cannot hold them."""
    taken = set(header) | set(reserved)
    names = []
    for name in header:
        if name in reserved:
            k = 1
            while f"{name}_{k}" in taken:
                k += 1
            name = f"{name}_{k}"
            taken.add(name)
        names.append(name)
    return tuple(names)


def join_reasons(errors: Iterable[DataError], lang: str) -> str:
    """A row's problems as one cell: `column: reason；column: reason`."""
    separator = "；" if lang == "zh" else "; "
    return separator.join(f"{e.column}: {e.reason(lang)}" if e.column else e.reason(lang) for e in errors)


@attrs.frozen
class Output:
    """One output file; `path` None means standard output. `rows` is read once, as it is written.
    `numeric` names the columns that hold amounts; every other column is text."""

    path: str | None
    header: Sequence[str]
    rows: Iterable[Sequence[str]]
    numeric: frozenset[str] = attrs.field(default=frozenset(), kw_only=True)
    # columns of YYYY-MM-DD dates that a Parquet file types as dates (CSV and workbooks write them as text)
    dates: frozenset[str] = attrs.field(default=frozenset(), kw_only=True)
    # the rows as polars columns instead (the batch engine's results): the header's columns, `numeric` ones in
    # fen, the others text; a CSV file is then written by polars (`write_frame_csv`), to the same bytes
    frame: Any = attrs.field(default=None, kw_only=True)
    order: str | None = attrs.field(default=None, kw_only=True)  # the frame's column to write its rows in order of

    @property
    def text_columns(self) -> tuple[int, ...]:
        return tuple(i for i, name in enumerate(self.header) if name not in self.numeric)

    def cells(self) -> Iterable[Sequence[str]]:
        """The rows as text cells, whichever way they were given."""
        if self.frame is None:
            return self.rows
        fy = runtime.format_yuan
        numeric = [name in self.numeric for name in self.header]
        frame = self.frame.sort(self.order) if self.order is not None else self.frame
        return ([fy(value) if money else value for value, money in zip(row, numeric, strict=True)]
                for row in frame.select(list(self.header)).iter_rows())


# ---------------------------------------------------------------- checking the targets first

class OutputRefused(Exception):
    """An output path that must not be written (an input, another output, a directory, unwritable)."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def refuse_clashes(targets: Sequence[tuple[str, str | None]], inputs: Sequence[tuple[str, str | None]]) -> None:
    """Each (option, path) target must be a writable file that is neither an input nor another target, compared
    as files (after links: `os.path.samefile` where both exist, the resolved path where one does not yet)."""
    named = [(option, path) for option, path in targets if path is not None]
    for option, path in named:
        _refuse_unwritable(option, path)
    given = [(option, path) for option, path in inputs if path is not None]
    for i, (option, path) in enumerate(named):
        for other_option, other in named[:i]:
            if _same_file(path, other):
                raise OutputRefused(f"{other_option} 与 {option} 是同一个文件：{path}（一个会覆盖另一个）",
                                    f"{other_option} and {option} are the same file: {path} "
                                    "(one would overwrite the other)")
        for input_option, source in given:
            if _same_file(path, source):
                raise OutputRefused(f"输出 {option} {path} 就是输入 {input_option} 的文件 {source}：不能覆盖输入",
                                    f"the output {option} {path} is the input {input_option} {source}: "
                                    "an input is never overwritten")


def _refuse_unwritable(option: str, path: str) -> None:
    if os.path.isdir(path):
        raise OutputRefused(f"输出 {option} {path} 是目录，应为文件名",
                            f"the output {option} {path} is a directory, not a file")
    parent = os.path.dirname(os.path.realpath(path))
    if not os.path.isdir(parent):
        raise OutputRefused(f"无法写入 {option} {path}：目录 {parent} 不存在",
                            f"cannot write {option} {path}: there is no directory {parent}")
    if not os.access(parent, os.W_OK | os.X_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise OutputRefused(f"无法写入 {option} {path}：没有写入权限",
                            f"cannot write {option} {path}: permission denied")


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist yet: compare where it would be
        return os.path.realpath(a) == os.path.realpath(b)


# ---------------------------------------------------------------- cells

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def inert(cell: str) -> str:
    """A text cell a spreadsheet would start evaluating (OWASP CSV injection) gets a leading `'`; a cell that is
    just a number (`-12.00`) cannot be a formula and stays as it is."""
    if cell.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def csv_row(row: Sequence[str], text_columns: Sequence[int]) -> tuple[list[str], bool]:
    """The row as written, and whether it must be fully quoted: the csv module quotes only the line
    terminator's characters, and ours is "\\n", so a cell holding a lone CR would otherwise be written bare."""
    cells = list(row)
    carriage_return = False
    for i in text_columns:
        cell = cells[i]
        if cell:
            if cell.startswith(FORMULA_STARTS):
                cells[i] = inert(cell)
            if "\r" in cell:
                carriage_return = True
    return cells, carriage_return


def write_csv(file, header: Sequence[str], rows: Iterable[Sequence[str]],
              text_columns: Sequence[int] | None = None) -> None:
    """CSV with "\\n" line ends (the bytes of ordinary files are unchanged); rows holding a CR are quoted
    throughout so that every cell reads back as written. `text_columns` None: every column is text."""
    plain = csv.writer(file, lineterminator="\n")
    quoted = csv.writer(file, lineterminator="\n", quoting=csv.QUOTE_ALL)
    columns = range(len(header)) if text_columns is None else text_columns
    for row in _chain([header], rows):
        cells, carriage_return = csv_row(row, columns)
        (quoted if carriage_return else plain).writerow(cells)


def write_frame_csv(raw, output: Output, bom: bool) -> None:
    """`write_csv` of an Output given as columns, by polars, to the same bytes. A chunk whose text cells all need
    nothing (no delimiter, quote, line end, formula start) is written by polars as it stands, amounts as
    decimals; in a chunk where some row does, each row's line is built by column expressions and the odd rows'
    by `csv_row` and the csv module, and polars writes the lines as they are."""
    import io

    import polars as pl  # only the batch engine gives outputs as columns

    from aidlang.io.columnar import positions_in_order

    header = list(output.header)
    text = [name for name in header if name not in output.numeric]
    values = {name: _yuan_column(pl.col(name)) if name in output.numeric else pl.col(name) for name in header}
    cells = {name: value.cast(pl.String).fill_null("") for name, value in values.items()}
    special = pl.any_horizontal([_needs_csv(output.frame, name) for name in text]) if text else pl.lit(False)
    head = io.StringIO()
    write_csv(head, header, [], output.text_columns)
    raw.write(((("\ufeff" if bom else "") + head.getvalue())).encode("utf-8"))
    # a chunk of rows at a time, in `order` (gathered by its ranks: the frame is never copied whole)
    ranks = positions_in_order(output.frame[output.order]) if output.order is not None else None
    for start in range(0, output.frame.height, FRAME_CHUNK):
        chunk = (output.frame.slice(start, FRAME_CHUNK) if ranks is None
                 else output.frame[ranks.slice(start, FRAME_CHUNK)])
        odd = chunk.select(special=special)["special"].arg_true()
        if not odd.len():
            chunk.select(list(values.values())).write_csv(raw, include_header=False, quote_style="never")
            continue
        lines = chunk.select(line=pl.concat_str([cells[name] for name in header], separator=","))
        written = io.StringIO()
        lines = lines.with_columns(line=lines["line"].scatter(odd, [
            _csv_line(written, [runtime.format_yuan(v) if name in output.numeric else (v or "")
                                for name, v in zip(header, row, strict=True)], output.text_columns)
            for row in chunk.select(header)[odd].iter_rows()]))
        lines.write_csv(raw, include_header=False, quote_style="never")


def _needs_csv(frame, name: str):
    """Whether a text cell of the column must be written by the csv module: a formula start, or a character csv
    quotes. A categorical column's few values are looked at once each."""
    import polars as pl

    needs = "^[" + re.escape("".join(FORMULA_STARTS)) + ']|[,"\r\n]'
    if frame.schema[name] == pl.Categorical or isinstance(frame.schema[name], pl.Enum):
        found = frame[name].unique().cast(pl.String).drop_nulls()
        return pl.col(name).is_in(found.filter(found.str.contains(needs)).implode())
    return pl.col(name).cast(pl.String).str.contains(needs).fill_null(False)


FRAME_CHUNK = 1_000_000  # rows of a frame made lines at once


def _csv_line(buffer, cells: list[str], text_columns: Sequence[int]) -> str:
    """One row as `write_csv` writes it, without its line end."""
    buffer.seek(0)
    buffer.truncate()
    cells, carriage_return = csv_row(cells, text_columns)
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL if carriage_return else csv.QUOTE_MINIMAL
               ).writerow(cells)
    return buffer.getvalue()[:-1]


def _yuan_column(fen):
    """runtime.format_yuan as a column expression: fen as a decimal of scale 2 times 0.01, whose text — cast, or
    as polars' CSV writer writes it, in parallel — is exactly `-12.50`, `0.05`, `40000.00` (tests/test_outputs.py
    compares the two)."""
    import polars as pl

    # × 0.01 (a decimal of scale 2) is exact and several times faster than ÷ 100
    return fen.cast(pl.Decimal(38, 0)) * pl.lit(Decimal("0.01"), dtype=pl.Decimal(38, 2))


def _chain(first, rest):
    yield from first
    yield from rest


# ---------------------------------------------------------------- workbooks

XLSX_SUFFIX = ".xlsx"


class CellTooLarge(ValueError):
    """A value a workbook cannot hold (a text over 32,767 characters, a sheet over 1,048,576 rows)."""


def is_workbook(path: str | None) -> bool:
    return path is not None and path.lower().endswith(XLSX_SUFFIX)


def write_xlsx(file, output: Output) -> None:
    """One sheet: text cells as text (never a formula, whatever they start with), amounts as numbers shown with
    two decimals. constant_memory streams the rows, so a year of claims is not held as cells."""
    import xlsxwriter  # only for workbooks: a CSV run does not pay for the import

    book = xlsxwriter.Workbook(file, {"constant_memory": True, "strings_to_formulas": False,
                                      "strings_to_numbers": False, "strings_to_urls": False})
    money = book.add_format({"num_format": "0.00"})
    sheet = book.add_worksheet()
    numeric = set(range(len(output.header))) - set(output.text_columns)
    for r, row in enumerate(_chain([output.header], output.cells())):
        for c, cell in enumerate(row):
            _write_cell(sheet, r, c, cell, money if r and c in numeric else None)
    book.close()


def _write_cell(sheet, r: int, c: int, cell: str, money) -> None:
    if money is not None:
        # the 2-decimal text read by Decimal, then the nearest double: its shortest repr is that same text
        status = sheet.write_number(r, c, float(Decimal(cell)), money) if cell else 0
    else:
        status = sheet.write_string(r, c, cell) if cell else 0
    if status:
        raise CellTooLarge(f"row {r + 1}, column {c + 1} does not fit in a workbook")


# ---------------------------------------------------------------- Parquet

PARQUET_SUFFIX = ".parquet"
PARQUET_CHUNK = 100_000  # rows held as Python text before they become columns
_TWO_DECIMALS = r"^-?[0-9]+\.[0-9]{2}$"


def is_parquet(path: str | None) -> bool:
    return path is not None and path.lower().endswith(PARQUET_SUFFIX)


def write_parquet(file, output: Output) -> None:
    """One Parquet file (polars, zstd). Text columns are strings holding exactly the CSV's text, without the
    spreadsheet `'` (no spreadsheet evaluates a Parquet string); amount columns (`numeric`) are decimal(18,2),
    exact (the text `12.30` is the decimal 12.30; an empty cell is null); `dates` columns are Parquet dates
    (empty: null). Rows become columns a chunk at a time, so a year of claims is held as columns, not as text."""
    import polars as pl  # only Parquet outputs need it

    header = list(output.header)
    frames = []
    chunk: list[Sequence[str]] = []
    for row in output.cells():
        chunk.append(row)
        if len(chunk) == PARQUET_CHUNK:
            frames.append(_parquet_frame(pl, header, chunk, output))
            chunk = []
    if chunk or not frames:
        frames.append(_parquet_frame(pl, header, chunk, output))
    frame = pl.concat(frames, rechunk=False) if len(frames) > 1 else frames[0]
    frame.write_parquet(file, compression="zstd", statistics=True)


def _parquet_frame(pl, header: list[str], rows: list[Sequence[str]], output: Output):
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(header)
    series = []
    for name, cells in zip(header, columns, strict=True):
        text = pl.Series(name, cells, dtype=pl.String)
        if name in output.numeric:
            blank = text == ""
            if not (text.filter(~blank).str.contains(_TWO_DECIMALS)).all():
                raise ValueError(f"the amount column {name} holds a value that is not yuan with 2 decimals")
            text = pl.select(pl.when(blank).then(None).otherwise(text).alias(name)).to_series()
            text = text.str.to_decimal(scale=2).cast(pl.Decimal(18, 2))
        elif name in output.dates:
            blank = text == ""
            text = pl.select(pl.when(blank).then(None).otherwise(text).alias(name)).to_series()
            text = text.str.to_date("%Y-%m-%d", strict=True)
        series.append(text)
    return pl.DataFrame(series)


# ---------------------------------------------------------------- staging and committing

TEMP_MARK = ".aidlang-"


def temp_path(target: Path, pid: int | None = None) -> Path:
    """`.results.csv.aidlang-<pid>.tmp`: hidden, beside the target (a rename stays in one file system), and
    naming the process, so a later run can tell a dead run's leftover from a live one's."""
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid() if pid is None else pid}.tmp")


def remove_stale_temps(target: Path) -> None:
    """Remove the temps a killed run left for this target (its pid no longer alive, or our own pid reused)."""
    prefix = f".{target.name}{TEMP_MARK}"
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        pid = name[len(prefix):-len(".tmp")] if name.startswith(prefix) and name.endswith(".tmp") else ""
        if pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
            _remove_quietly(str(target.parent / name))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's live process, or not a pid we can ask about: leave it
    return True


def write_outputs(outputs: Sequence[Output], bom: bool = False) -> None:
    """Write every output or none: all go to temporary files beside their targets first, and only when every
    one is complete are they moved into place (os.replace is atomic within a directory). A special file
    (`/dev/null`, a pipe) is written directly after the others, as standard output is. `bom` starts CSV text
    with a byte-order mark (Excel on Chinese Windows reads UTF-8 only with one)."""
    staged: list[tuple[Path, Path, Output]] = []
    direct = [o for o in outputs if o.path is None or _is_special(o.path)]
    with _signals_raise():
        try:
            for output in outputs:
                if output.path is not None and not any(output is d for d in direct):
                    target = Path(os.path.realpath(output.path))  # through a link, to the file it names
                    remove_stale_temps(target)
                    staged.append((temp_path(target), target, output))
                    _stage(staged[-1][0], output, bom)
            _commit([(temp, target, output) for temp, target, output in staged])
        except BaseException:
            for temp, _, _ in staged:
                _remove_quietly(str(temp))
            raise
    for output in direct:
        _write_direct(output, bom)


def _stage(temp: Path, output: Output, bom: bool) -> None:
    """Write one output to its temp file; a write error names the target, not the temp. The file is made with
    mode 0666 less the umask, as a plain open() would (mkstemp's 0600 would hide results from colleagues)."""
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as raw:
            _write_to(raw, output, bom)
            raw.flush()
            os.fsync(raw.fileno())
    except OSError as error:
        raise OSError(error.errno, error.strerror, output.path) from None


def _write_to(raw, output: Output, bom: bool) -> None:
    if is_workbook(output.path):
        write_xlsx(raw, output)
        return
    if is_parquet(output.path):
        write_parquet(raw, output)
        return
    if output.frame is not None:
        write_frame_csv(raw, output, bom)
        return
    with _text(raw, bom) as text:
        write_csv(text, output.header, output.rows, output.text_columns)


@contextlib.contextmanager
def _text(raw, bom: bool):
    import io

    text = io.TextIOWrapper(raw, encoding="utf-8-sig" if bom else "utf-8", newline="", write_through=False)
    try:
        yield text
        text.flush()
    finally:
        text.detach()  # the caller owns (and closes) the binary file


def _commit(staged: list[tuple[Path, Path, Output]]) -> None:
    """Rename every staged file into place with SIGINT/SIGTERM held back, so a signal cannot land between two
    renames and leave one output new and the other old."""
    held = set(_HANDLED_SIGNALS)
    blocking = hasattr(signal, "pthread_sigmask")
    if blocking:
        signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        for temp, target, output in staged:
            try:
                os.replace(temp, target)
            except OSError as error:
                raise OSError(error.errno, error.strerror, output.path) from None
    finally:
        if blocking:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def _write_direct(output: Output, bom: bool) -> None:
    if output.path is None:
        if output.frame is not None:
            sys.stdout.flush()
            write_frame_csv(sys.stdout.buffer, output, bom)
            sys.stdout.buffer.flush()
            return
        if bom:
            sys.stdout.write("\ufeff")
        write_csv(sys.stdout, output.header, output.rows, output.text_columns)
        sys.stdout.flush()
        return
    try:
        with open(output.path, "wb") as raw:
            _write_to(raw, output, bom)
    except OSError as error:
        raise OSError(error.errno, error.strerror, output.path) from None


def _is_special(path: str) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


_HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _signals_raise():
    """While outputs are staged, SIGINT and SIGTERM raise (KeyboardInterrupt, SystemExit 143) instead of killing
    the process, so the temp files are removed on the way out; the handlers found are restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    saved = {signum: signal.getsignal(signum) for signum in _HANDLED_SIGNALS}

    def interrupted(signum, frame):
        raise KeyboardInterrupt() if signum == signal.SIGINT else SystemExit(128 + signum)

    for signum in _HANDLED_SIGNALS:
        signal.signal(signum, interrupted)
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
