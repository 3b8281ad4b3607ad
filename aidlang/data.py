"""Input files in: CSV reading with validation (outputs.py writes, params.py reads `--param`).

Every problem in an input file becomes a `DataError` naming file, row (the line number, header = 1) and
column; a file's problems are all collected, never stopped at the first. What the words in a file mean
(visit types, category names, parameter names) belongs to the policy, so the caller passes it in as a
`Vocabulary`: this module knows CSV and money, not the checker.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import attrs

from . import runtime
from .records import Claim, Expenditure, Identity, Person

# ---------------------------------------------------------------- headers (contract.md)

CLAIM_COLUMNS = ("claim_id", "person_id", "visit_type", "admission_date", "discharge_date", "policy_scope_cost")
CLAIM_OPTIONAL = ("basic_paid", "critical_paid", "referred", "in_province", "disease", "institution_level")
IDENTITY_COLUMNS = ("person_id", "category", "start", "end")
PERSON_COLUMNS = ("person_id", "gender", "birth_date", "disability_grade", "dibao_class",
                  "family_monthly_income_per_capita", "family_annual_income")
EXPENDITURE_COLUMNS = ("county", "year", "aid_expenditure")



# ---------------------------------------------------------------- errors

@attrs.frozen
class DataError:
    """One problem in input data. `row` 0 means the file as a whole (it cannot be read at all)."""

    file: str
    row: int
    column: str
    reason_zh: str
    reason_en: str

    def reason(self, lang: str = "zh") -> str:
        return self.reason_zh if lang == "zh" else self.reason_en

    def render(self, lang: str = "zh") -> str:
        """`file:row:column: reason`, the form every command prints."""
        where = [self.file]
        if self.row:
            where.append(str(self.row))
        if self.column:
            where.append(self.column)
        return f"{':'.join(where)}: {self.reason(lang)}"


def render_errors(errors: Iterable[DataError], lang: str = "zh") -> str:
    return "\n".join(error.render(lang) for error in errors)


@attrs.frozen
class Vocabulary:
    """What the policy's words mean in data: each function maps a written value to its canonical form,
    or None when the policy does not know it."""

    visit_type: Callable[[str], str | None]
    category: Callable[[str], str | None] = lambda text: None
    # the amounts every claim must carry because the policy has no tier to compute them (basic_paid, …)
    required_amounts: tuple[str, ...] = ()


# ---------------------------------------------------------------- raw tables

@attrs.frozen
class RawRow:
    row: int  # the line number in the file (header = 1)
    values: Mapping[str, str]  # column name -> text as written (a short row is padded with "")
    problems: tuple["DataError", ...] = ()  # the row's shape is wrong (more fields than the header)


@attrs.frozen
class Table:
    """A CSV file as read: its header, its rows, and the problems that concern the file as a whole."""

    path: str
    header: tuple[str, ...]
    rows: tuple[RawRow, ...]
    errors: tuple[DataError, ...]  # the file or its header cannot be used


def read_table(path: str | Path, required: Sequence[str]) -> Table:
    """Read a CSV (UTF-8, with or without BOM). Header problems — missing columns — are reported on row 1."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return Table(name, (), (), (DataError(name, 0, "", f"无法读取文件：{reason}", f"cannot read the file: {reason}"),))
    try:
        text = raw.decode("utf-8-sig")  # Excel writes a BOM; it is not part of the first column's name
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return Table(name, (), (), (DataError(name, line, "", "文件不是有效的 UTF-8 文本",
                                              "the file is not valid UTF-8 text"),))
    reader = csv.reader(io.StringIO(text, newline=""))
    header: tuple[str, ...] | None = None
    rows: list[RawRow] = []
    errors: list[DataError] = []
    line = 1  # the line the next record starts on
    width = 0  # the header's
    strip = str.strip
    for record in reader:
        start, line = line, reader.line_num + 1
        cells = list(map(strip, record))
        if not any(cells):
            continue  # blank lines carry no row
        if header is None:
            header = tuple(cells)
            width = len(header)
            errors.extend(_header_errors(name, start, header, required))
            continue
        problems = ()
        if len(cells) > width:
            problems = (DataError(name, start, "", f"本行有 {len(record)} 列，表头只有 {width} 列",
                                  f"the row has {len(record)} fields, the header {width}"),)
        elif len(cells) < width:
            cells.extend([""] * (width - len(cells)))  # a short row: the missing cells are empty
        # a repeated column name keeps its last cell, as a dict does (the header error stops the file anyway)
        rows.append(RawRow(start, dict(zip(header, cells)), problems))
    if header is None:
        errors.append(DataError(name, 1, "", "文件为空，缺少表头", "the file is empty: no header row"))
        header = ()
    return Table(name, header, tuple(rows), tuple(errors))


def _header_errors(name: str, line: int, header: tuple[str, ...], required: Sequence[str]) -> list[DataError]:
    errors = []
    for col in required:
        if col not in header:
            errors.append(DataError(name, line, col, f"缺少必需的列 {col}", f"the required column {col} is missing"))
    seen: set[str] = set()
    for col in header:
        if col in seen:
            errors.append(DataError(name, line, col, f"列名重复：{col}", f"the column {col} appears twice"))
        seen.add(col)
    return errors


# ---------------------------------------------------------------- values

_AMOUNT = re.compile(r"^(-?)(\d+)(?:\.(\d+))?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BOOLS = {"true": True, "false": False}


class _Cells:
    """The typed values of one row; each bad value is recorded as a DataError and read as None."""

    def __init__(self, file: str, raw: RawRow):
        self.file = file
        self.raw = raw
        self.errors: list[DataError] = list(raw.problems)

    def fail(self, column: str, zh: str, en: str) -> None:
        self.errors.append(DataError(self.file, self.raw.row, column, zh, en))

    def text(self, column: str, required: bool = True) -> str | None:
        value = self.raw.values.get(column, "")
        if value == "":
            if required:
                self.fail(column, "不能为空", "must not be empty")
            return None
        return value

    def money(self, column: str, required: bool = True) -> int | None:
        value = self.text(column, required)
        if value is None:
            return None
        fen, zh, en = parse_money(value)
        if fen is None:
            self.fail(column, zh, en)
        return fen

    def date(self, column: str, required: bool = True) -> dt.date | None:
        value = self.text(column, required)
        if value is None:
            return None
        day, zh, en = parse_date(value)
        if day is None:
            self.fail(column, zh, en)
        return day

    def boolean(self, column: str, default: bool) -> bool:
        value = self.text(column, required=False)
        if value is None:
            return default
        if value.lower() not in _BOOLS:
            self.fail(column, f"应为 true 或 false：{value}", f"must be true or false: {value}")
            return default
        return _BOOLS[value.lower()]

    def choice(self, column: str, resolve: Callable[[str], object], what: tuple[str, str],
               required: bool = True):
        value = self.text(column, required)
        if value is None:
            return None
        found = resolve(value)
        if found is None:
            self.fail(column, f"未知的{what[0]}：{value}", f"unknown {what[1]}: {value}")
        return found

    def order(self, first: str, first_value, second: str, second_value, zh: str, en: str) -> None:
        """`second` must not come before `first` (dates)."""
        if first_value is not None and second_value is not None and second_value < first_value:
            self.fail(second, f"{zh}（{second_value}）早于{_zh_column(first)}（{first_value}）",
                      f"{en} ({second_value}) is before {first} ({first_value})")


def parse_money(text: str) -> tuple[int | None, str, str]:
    """Yuan with at most 2 decimals, never negative → fen; or None with the reason (zh, en)."""
    match = _AMOUNT.match(text)
    if not match:
        return None, f"不是金额（元，最多两位小数）：{text}", f"not an amount in yuan (at most 2 decimals): {text}"
    sign, whole, decimals = match.groups()
    if sign:
        return None, f"金额不能为负数：{text}", f"an amount must not be negative: {text}"
    if decimals and len(decimals) > 2:
        return None, f"金额最多两位小数：{text}", f"an amount has at most 2 decimals: {text}"
    # the pattern has already split yuan and fen: convert here rather than match a second time (hot path)
    return int(whole) * 100 + (int(decimals.ljust(2, "0")) if decimals else 0), "", ""


def parse_date(text: str) -> tuple[dt.date | None, str, str]:
    if not _DATE.match(text):
        return None, f"日期应写作 YYYY-MM-DD：{text}", f"a date is written YYYY-MM-DD: {text}"
    try:
        return dt.date.fromisoformat(text), "", ""
    except ValueError:
        return None, f"日期不存在：{text}", f"there is no such date: {text}"


_ZH_COLUMNS = {"admission_date": "入院日期", "discharge_date": "出院日期", "start": "开始日期", "end": "结束日期"}


def _zh_column(column: str) -> str:
    return _ZH_COLUMNS.get(column, column)


# ---------------------------------------------------------------- reading the input files

@attrs.frozen
class Loaded:
    """What one input file gave: the good records (in file order), every problem, and the raw table
    (rejects repeat a bad row as it was written)."""

    table: Table
    records: tuple
    errors: tuple[DataError, ...]

    @property
    def file_errors(self) -> tuple[DataError, ...]:
        """Problems no row can be settled around: the file is unreadable or its header is wrong."""
        return self.table.errors

    def row_errors(self) -> dict[int, list[DataError]]:
        """The problems of single rows, by row (a file with file errors has no rows read)."""
        by_row: dict[int, list[DataError]] = {}
        if not self.table.errors:
            for error in self.errors:
                by_row.setdefault(error.row, []).append(error)
        return by_row


def _reject_repeat(cells, column: str, value: str | None, first_row: dict[str, int], row: int,
                   what: tuple[str, str]) -> None:
    """An identifier must be unique in its file: a repeat fails its row, naming the row it first appeared on."""
    if value is None:
        return
    if value in first_row:
        cells.fail(column, f"{what[0]}重复：{value}（已在第 {first_row[value]} 行出现）",
                   f"duplicate {what[1]} {value} (first on row {first_row[value]})")
    else:
        first_row[value] = row


def read_claims(path: str | Path, vocabulary: Vocabulary) -> Loaded:
    return _read_claims(path, vocabulary, quick=True)


def _read_claims(path: str | Path, vocabulary: Vocabulary, quick: bool) -> Loaded:
    """Each row is tried the quick way (`_QuickClaims`), and read the careful way (`_careful_claim`) when the
    quick way has any doubt about it; `quick` False reads every row the careful way (tests compare the two)."""
    with runtime.collector_paused():
        table = read_table(path, CLAIM_COLUMNS + tuple(a for a in vocabulary.required_amounts
                                                       if a not in CLAIM_COLUMNS))
        if table.errors:
            return Loaded(table, (), table.errors)
        claims: list[Claim] = []
        errors: list[DataError] = []
        first_row: dict[str, int] = {}  # claim_id -> the row it first appeared on
        quick_claim = _QuickClaims(vocabulary, first_row).claim if quick else None
        for raw in table.rows:
            claim = quick_claim(raw) if quick_claim is not None else None
            if claim is None:
                claim, row_errors = _careful_claim(table.path, raw, vocabulary, first_row)
                if row_errors:
                    errors.extend(row_errors)
                    continue
            claims.append(claim)
        return Loaded(table, tuple(claims), tuple(errors))


def _careful_claim(file: str, raw: RawRow, vocabulary: Vocabulary,
                   first_row: dict[str, int]) -> tuple[Claim, list[DataError]]:
    """One row, each cell validated on its own: the claim and every problem of the row (the claim is only
    used when there is none)."""
    cells = _Cells(file, raw)
    claim_id = cells.text("claim_id")
    _reject_repeat(cells, "claim_id", claim_id, first_row, raw.row, ("就诊编号", "claim_id"))
    person_id = cells.text("person_id")
    visit = cells.choice("visit_type", vocabulary.visit_type, ("就诊类型", "visit type"))
    discharge = cells.date("discharge_date")
    admission = cells.date("admission_date", required=False) or discharge  # empty: the same day
    cells.order("admission_date", admission, "discharge_date", discharge, "出院日期", "discharge_date")
    cost = cells.money("policy_scope_cost")
    paid = {}
    for tier in ("basic_paid", "critical_paid"):
        paid[tier] = cells.money(tier, required=False)
        if tier in vocabulary.required_amounts and not cells.raw.values.get(tier):
            cells.fail(tier, "不能为空：本政策不计算此项，须由数据给出",
                       "must not be empty: the policy does not compute it, the data must give it")
    _check_paid_within_cost(cells, cost, paid)
    claim = Claim(
        claim_id=claim_id or "", person_id=person_id or "", visit_type=visit or "",
        admission_date=admission or dt.date.min, discharge_date=discharge or dt.date.min,
        policy_scope_cost=cost or 0, basic_paid=paid["basic_paid"], critical_paid=paid["critical_paid"],
        referred=cells.boolean("referred", True), in_province=cells.boolean("in_province", True),
        disease=cells.text("disease", required=False),
        institution_level=cells.text("institution_level", required=False), row=raw.row)
    return claim, cells.errors


# `referred` and `in_province` as usually written; an empty cell is the default, true for both columns
_PLAIN_BOOLS = {"": True, "true": True, "false": False, "True": True, "False": False, "TRUE": True, "FALSE": False}


class _QuickClaims:
    """The usual row read without per-cell bookkeeping (reading claims.csv is on the path of every run).

    `claim(row)` gives the row's Claim when every value is plainly well formed — dates exactly YYYY-MM-DD,
    amounts in ASCII digits with at most two decimals, a known visit type, `true`/`false` — or None at the first
    doubt; the row is then read the careful way, which reports exactly what it always did. It accepts nothing
    the careful way would reject and reads what it accepts to the same values (tests/test_data.py compares
    them), and it records a claim_id as seen only for the rows it reads."""

    def __init__(self, vocabulary: Vocabulary, first_row: dict[str, int]):
        self.visit_type = vocabulary.visit_type
        self.basic_required = "basic_paid" in vocabulary.required_amounts
        self.critical_required = "critical_paid" in vocabulary.required_amounts
        self.first_row = first_row
        self.days = _PlainDays()

    def claim(self, raw: RawRow) -> Claim | None:
        if raw.problems:
            return None
        values = raw.values  # every column of the header; the required ones are there (read_table checked)
        get = values.get
        claim_id = values["claim_id"]
        person_id = values["person_id"]
        visit_text = values["visit_type"]
        if not (claim_id and person_id and visit_text) or claim_id in self.first_row:
            return None
        visit = self.visit_type(visit_text)
        days = self.days
        discharge = days[values["discharge_date"]]
        if visit is None or discharge is None:
            return None
        text = values["admission_date"]
        admission = days[text] if text else discharge
        if admission is None or discharge < admission:
            return None
        cost = _plain_fen(values["policy_scope_cost"])
        if cost is None:
            return None
        basic = _plain_paid(get("basic_paid", ""), self.basic_required)
        critical = _plain_paid(get("critical_paid", ""), self.critical_required)
        if basic is _DOUBT or critical is _DOUBT:
            return None
        if (basic or 0) + (critical or 0) > cost:
            return None
        referred = _PLAIN_BOOLS.get(get("referred", ""))
        in_province = _PLAIN_BOOLS.get(get("in_province", ""))
        if referred is None or in_province is None:
            return None
        row = raw.row
        self.first_row[claim_id] = row
        # positionally, in Claim's field order: keywords would add a sixth to a quick row (a reordered Claim
        # fails the agreement tests in tests/test_data.py)
        return Claim(claim_id, person_id, visit or "", admission, discharge, cost, basic, critical, referred,
                     in_province, get("disease") or None, get("institution_level") or None, row)


class _PlainDays(dict):
    """date text -> the date, when the text is exactly YYYY-MM-DD in ASCII digits and the day exists; else None.
    A file has few distinct dates, so each text is parsed once."""

    def __missing__(self, text: str) -> dt.date | None:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            day = None
        if day is not None and day.isoformat() != text:
            day = None  # fromisoformat takes other ISO forms too (20230203, 2023-W05-1): the careful way decides
        self[text] = day
        return day


# the decimals of a plain amount → fen: `5` → 50, `05` → 5 (one or two ASCII digits, nothing else)
_PLAIN_CENTS = {**{f"{d}": d * 10 for d in range(10)}, **{f"{c:02d}": c for c in range(100)}}


_DOUBT = object()  # what `_plain_paid` gives for a cell the careful reader must look at


def _plain_paid(text: str, required: bool):
    """An insurance amount (`basic_paid`, `critical_paid`): fen, None for an empty cell the policy computes, or
    `_DOUBT` (not a plain amount, or empty where the data must give it)."""
    if not text:
        return _DOUBT if required else None
    fen = _plain_fen(text)
    return _DOUBT if fen is None else fen


def _plain_fen(text: str) -> int | None:
    """`123`, `123.4` or `123.45` in ASCII digits → fen; anything else None (the careful way decides)."""
    whole, point, decimals = text.partition(".")
    if whole.isdigit() and whole.isascii():
        cents = _PLAIN_CENTS.get(decimals) if point else 0
        if cents is not None:
            return int(whole) * 100 + cents
    return None


def _check_paid_within_cost(cells: _Cells, cost: int | None, paid: dict[str, int | None]) -> None:
    """Insurance cannot pay more than the policy-scope cost: the patient's share would be negative."""
    if cost is None:
        return
    total = 0
    for column, amount in paid.items():
        if amount is None:
            continue
        total += amount
        if total > cost:
            cells.fail(column, "基本医保与大病保险支付之和超过政策范围内费用",
                       "basic and critical insurance together pay more than the policy-scope cost")
            return


def read_identities(path: str | Path, vocabulary: Vocabulary) -> Loaded:
    table = read_table(path, IDENTITY_COLUMNS)
    if table.errors:
        return Loaded(table, (), table.errors)
    identities: list[Identity] = []
    errors: list[DataError] = []
    for raw in table.rows:
        cells = _Cells(table.path, raw)
        person_id = cells.text("person_id")
        category = cells.choice("category", vocabulary.category, ("类别", "category"))
        start = cells.date("start")
        end = cells.date("end", required=False)
        cells.order("start", start, "end", end, "结束日期", "end")
        if cells.errors:
            errors.extend(cells.errors)
        else:
            identities.append(Identity(person_id, category, start, end))
    return Loaded(table, tuple(identities), tuple(errors))


_GENDERS = ("男", "女")
_DIBAO_CLASSES = ("A", "B", "C")
_GRADES = {"1": 1, "2": 2, "3": 3, "4": 4}


def read_persons(path: str | Path) -> Loaded:
    table = read_table(path, PERSON_COLUMNS)
    if table.errors:
        return Loaded(table, (), table.errors)
    persons: list[Person] = []
    errors: list[DataError] = []
    first_row: dict[str, int] = {}
    for raw in table.rows:
        cells = _Cells(table.path, raw)
        person_id = cells.text("person_id")
        _reject_repeat(cells, "person_id", person_id, first_row, raw.row, ("人员编号", "person_id"))
        gender = cells.choice("gender", lambda v: v if v in _GENDERS else None, ("性别（应为 男 或 女）", "gender (男 or 女)"))
        birth = cells.date("birth_date")
        grade = cells.choice("disability_grade", _GRADES.get, ("残疾等级（应为 1-4）", "disability grade (1-4)"),
                             required=False)
        dibao = cells.choice("dibao_class", lambda v: v if v in _DIBAO_CLASSES else None,
                             ("低保类别（应为 A、B 或 C）", "dibao class (A, B or C)"), required=False)
        monthly = cells.money("family_monthly_income_per_capita", required=False)
        annual = cells.money("family_annual_income", required=False)
        if cells.errors:
            errors.extend(cells.errors)
        else:
            persons.append(Person(person_id, gender, birth, grade, dibao, monthly, annual))
    return Loaded(table, tuple(persons), tuple(errors))


@attrs.frozen
class FundFigures:
    """expenditures.csv: the aid expenditure by county and year, and any further series a policy's fund
    block declares as inputs (name -> {(county, year): fen})."""

    expenditures: tuple[Expenditure, ...]
    series: Mapping[str, Mapping[tuple[str, int], int]]


_YEAR = re.compile(r"^\d{4}$")


def read_expenditures(path: str | Path, extra_columns: Sequence[str] = ()) -> Loaded:
    """Loaded.records is a one-element tuple holding the FundFigures (the file is one set of figures)."""
    extra = tuple(c for c in extra_columns if c not in EXPENDITURE_COLUMNS)
    table = read_table(path, EXPENDITURE_COLUMNS + extra)
    if table.errors:
        return Loaded(table, (), table.errors)
    rows: list[Expenditure] = []
    series: dict[str, dict[tuple[str, int], int]] = {c: {} for c in ("aid_expenditure",) + extra}
    errors: list[DataError] = []
    first_row: dict[tuple[str, int], int] = {}
    for raw in table.rows:
        cells = _Cells(table.path, raw)
        county = cells.text("county")
        year_text = cells.text("year")
        year = int(year_text) if year_text is not None and _YEAR.match(year_text) else None
        if year_text is not None and year is None:
            cells.fail("year", f"年份应为四位数字：{year_text}", f"a year is four digits: {year_text}")
        key = (county, year)
        if county is not None and year is not None:
            if key in first_row:
                cells.fail("year", f"{county} {year} 年重复（已在第 {first_row[key]} 行出现）",
                           f"{county} {year} appears twice (first on row {first_row[key]})")
            else:
                first_row[key] = raw.row
        amounts = {column: cells.money(column) for column in series}
        if cells.errors:
            errors.extend(cells.errors)
            continue
        rows.append(Expenditure(county, year, amounts["aid_expenditure"]))
        for column, amount in amounts.items():
            series[column][key] = amount
    figures = FundFigures(tuple(rows), series)
    return Loaded(table, (figures,), tuple(errors))
