"""Output files: the rows of each file the commands write, and writing them all or none (atomically)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import attrs

from . import runtime
from .data import DataError, Table
from .records import BenefitRow, MonitorRow, Result, ScheduleRow

RESULTS_HEADER = ("claim_id", "person_id", "category", "basic_paid", "critical_paid", "aid_paid", "tilted_paid",
                  "self_pay", "status", "basis")
BENEFITS_HEADER = ("person_id", "benefit", "amount", "due", "basis")
SCHEDULE_HEADER = ("county", "item", "due", "amount", "basis")
MONITOR_HEADER = ("person_id", "cumulative_self_paid", "threshold", "push_by", "basis")
REJECT_COLUMNS = ("row", "reason")


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
    by_row = {raw.row: raw for raw in table.rows}
    rows = [[by_row[row].values.get(col, "") for col in table.header] + [str(row), reason]
            for row, reason in rejected]
    return table.header + REJECT_COLUMNS, rows


def join_reasons(errors: Iterable[DataError], lang: str) -> str:
    """A row's problems as one cell: `column: reason；column: reason`."""
    separator = "；" if lang == "zh" else "; "
    return separator.join(f"{e.column}: {e.reason(lang)}" if e.column else e.reason(lang) for e in errors)


@attrs.frozen
class Output:
    """One CSV to write; `path` None means standard output. `rows` is read once, as it is written."""

    path: str | None
    header: Sequence[str]
    rows: Iterable[Sequence[str]]


def write_csv(file, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def write_outputs(outputs: Sequence[Output]) -> None:
    """Write every output or none: all go to temporary files beside their targets first, and only when
    every one is complete are they moved into place (os.replace is atomic within a directory)."""
    staged: list[tuple[str, str]] = []
    try:
        for output in outputs:
            if output.path is None:
                continue
            target = Path(output.path)
            handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
            staged.append((temp, str(target)))
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
                write_csv(file, output.header, output.rows)
                file.flush()
                os.fsync(file.fileno())
    except BaseException:
        for temp, _ in staged:
            _remove_quietly(temp)
        raise
    for temp, target in staged:
        os.replace(temp, target)
    for output in outputs:
        if output.path is None:
            write_csv(sys.stdout, output.header, output.rows)
    sys.stdout.flush()


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
