"""Input files in: CSV reading with validation (outputs.py writes, params.py reads `--param`).

Every problem in an input file becomes a `DataError` naming file, row (the line number, header = 1) and
column; a file's problems are all collected, never stopped at the first. What the words in a file mean
(visit types, category names, parameter names) belongs to the policy, so the caller passes it in as a
`Vocabulary`: this module knows CSV and money, not the checker.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence, TypeVar

import attrs

from aidlang import runtime
from aidlang.io import sheets
from aidlang.records import Claim, Expenditure, Identity, Person

# ---------------------------------------------------------------- headers (docs/data.md, "Columns")

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


class FileChanged(Exception):
    """An input file changed during the run, so its rows cannot be repeated as they were read (exit 2)."""

    def __init__(self, path: str):
        super().__init__(path)
        self.zh = f"{path}：文件在本次运行中被修改，无法按读取时的内容写出其行；请在文件不再变化时重新运行"
        self.en = f"{path}: the file changed during the run, so its rows cannot be repeated as read; run again"

    def message(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


_T = TypeVar("_T")


def _given(value: _T | None) -> _T:
    """A required cell's value in a row with no error (a required cell that is empty or bad is an error of the
    row, so a row that has none has every required value)."""
    assert value is not None, "a row with no error has every required value"
    return value


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
    # optional claims.csv columns the policy reads (disease, institution_level) → the `.aid` line that first
    # reads one: the file must have the column, or every claim would be read as having none
    needed_columns: Mapping[str, str] = {}


# ---------------------------------------------------------------- how files are read

@attrs.frozen
class ReadOptions:
    """What the command line says about reading input files (every file of a command alike)."""

    encoding: str | None = None  # force one (`gb18030`, `utf-16`); None: detected (sheets.decode)
    sheet: str | None = None  # a workbook's sheet; None: the first
    allow_extra_columns: bool = False  # a column near a known one's name is ignored with a warning, not an error
    max_amount: int = 10_000_000_000  # fen (100,000,000 yuan): a claim or person amount above it is a data error


DEFAULT_OPTIONS = ReadOptions()

# Chinese column headers (docs/data.md lists them): each names the contract's column
ALIASES = {
    "就诊编号": "claim_id", "人员编号": "person_id", "个人编号": "person_id", "就诊类型": "visit_type",
    "入院日期": "admission_date", "出院日期": "discharge_date", "结算日期": "discharge_date",
    "政策范围内费用": "policy_scope_cost", "基本医保支付": "basic_paid", "大病保险支付": "critical_paid",
    "是否转诊": "referred", "是否省内": "in_province", "病种": "disease", "医疗机构级别": "institution_level",
    "类别": "category", "身份类别": "category", "开始日期": "start", "结束日期": "end",
    "性别": "gender", "出生日期": "birth_date", "残疾等级": "disability_grade", "低保类别": "dibao_class",
    "家庭人均月收入": "family_monthly_income_per_capita", "家庭年收入": "family_annual_income",
    "县区": "county", "年度": "year", "救助支出": "aid_expenditure",
    "名称": "name", "参数": "name", "自": "from", "起始日期": "from", "值": "value", "取值": "value",  # --params FILE
}


# ---------------------------------------------------------------- raw tables

@attrs.frozen
class RawRow:
    row: int  # the line number in the file (header = 1), or the sheet's row
    values: Mapping[str, str]  # column name -> text as written (a short row is padded with "" for the rejects)
    problems: tuple["DataError", ...] = ()  # the row's cells cannot be trusted (shape, quote, control character)


@attrs.frozen
class Table:
    """A data file as read: its columns (the contract's names; an extra column keeps its own), its rows, the
    problems that concern the file as a whole, and how it was read."""

    path: str
    header: tuple[str, ...]
    rows: tuple[RawRow, ...]
    errors: tuple[DataError, ...]  # the file or its header cannot be used
    form: str = ""  # `UTF-8`, `GB18030, tab-separated`, `xlsx, sheet 1`
    warnings: tuple[DataError, ...] = ()  # extra columns, ignored
    converted: Mapping[str, int] = {}  # what was normalised for the whole file: header aliases, workbook cells

    def row_numbers(self) -> list[int]:
        """The number of every body row read, in file order."""
        return [raw.row for raw in self.rows]

    def row_count(self) -> int:
        return len(self.rows)

    def raws(self, numbers: Iterable[int]) -> dict[int, RawRow]:
        """These rows as written (for the rejects file), by number."""
        wanted = set(numbers)
        return {raw.row: raw for raw in self.rows if raw.row in wanted}

    def rows_with(self, column: str, values: set[str]) -> list[int]:
        """The rows whose cell in `column` is one of `values`, in file order."""
        return [raw.row for raw in self.rows if raw.values.get(column, "") in values]


def read_table(path: str | Path, required: Sequence[str], optional: Sequence[str] = (),
               options: ReadOptions = DEFAULT_OPTIONS) -> Table:
    """Read a CSV or workbook. Header problems — missing, repeated or misspelt columns — are reported on the
    header's row; a row with more or fewer cells than the header, or with an untrustworthy cell, carries its
    problem (its values are still kept, for the rejects file to repeat)."""
    return table_of(str(path), sheets.read_grid(path, options.encoding, options.sheet), required, optional, options)


def table_of(name: str, grid: sheets.Grid, required: Sequence[str], optional: Sequence[str] = (),
             options: ReadOptions = DEFAULT_OPTIONS) -> Table:
    """The table of a grid whose first row is the header (`columnar` reads the rest of a file's rows itself)."""
    if grid.failure is not None:
        return Table(name, (), (), (_data_error(name, grid.failure, ()),), grid.form)
    if not grid.rows:
        return Table(name, (), (), (DataError(name, 1, "", "文件为空，缺少表头", "the file is empty: no header row"),),
                     grid.form)
    (header_row, written), body = grid.rows[0], grid.rows[1:]
    header, errors, warnings, aliased = _columns(name, header_row, written, required, optional, options)
    if header_row in grid.problems:
        errors.insert(0, _data_error(name, grid.problems[header_row], header))
    converted = dict(grid.converted)
    if aliased:
        converted["column_alias"] = aliased
    rows = [raw_row(name, header, line, cells, grid.problems.get(line)) for line, cells in body]
    return Table(name, header, tuple(rows), tuple(errors), grid.form, tuple(warnings), converted)


def raw_row(name: str, header: tuple[str, ...], line: int, cells: tuple[str, ...],
            problem: sheets.Problem | None) -> RawRow:
    """One body row of a table: its values by column, and its problem — of its cells, or of its shape."""
    width = len(header)
    problems = (_data_error(name, problem, header),) if problem is not None else ()
    if len(cells) != width and not problems:
        problems = (_shape_error(name, line, len(cells), width),)
    if len(cells) < width:
        cells = cells + ("",) * (width - len(cells))
    # a repeated column name keeps its last cell, as a dict does (the header error stops the file anyway);
    # the cells of a row longer than the header have no column (its shape error is in `problems`)
    return RawRow(line, dict(zip(header, cells, strict=False)), problems)


def _data_error(name: str, problem: sheets.Problem, header: Sequence[str]) -> DataError:
    column = header[problem.cell] if problem.cell is not None and problem.cell < len(header) else ""
    return DataError(name, problem.row, column, problem.zh, problem.en)


def _shape_error(name: str, line: int, cells: int, width: int) -> DataError:
    if cells > width:
        return DataError(name, line, "", f"本行有 {cells} 列，表头只有 {width} 列",
                         f"the row has {cells} fields, the header {width}")
    return DataError(name, line, "", f"本行只有 {cells} 列，表头有 {width} 列（缺少的值不会当作空值）",
                     f"the row has only {cells} fields, the header {width} (missing cells are not read as empty)")


def _columns(name: str, line: int, written: Sequence[str], required: Sequence[str], optional: Sequence[str],
             options: ReadOptions) -> tuple[tuple[str, ...], list[DataError], list[DataError], int]:
    """The header's columns by the contract's names, its errors, its warnings (extra columns ignored) and how
    many Chinese names it used."""
    known = tuple(required) + tuple(c for c in optional if c not in required)
    names, errors, warnings, aliased = [], [], [], 0
    for position, text in enumerate(written, start=1):
        column = text if text in known else ALIASES.get(text)
        if column in known:
            aliased += column != text
            names.append(column)
            continue
        names.append(text)
        near = nearest_column(text, known)
        if near is not None and not options.allow_extra_columns:
            errors.append(DataError(name, line, text,
                                    f"未知的列 {text}：是否应为 {near}？（确是多余的列请加 --allow-extra-columns）",
                                    f"unknown column {text}: did you mean {near}? (if it is an extra column, "
                                    f"give --allow-extra-columns)"))
        else:
            label = text or f"#{position}"
            like = (f"（与 {near} 相近）", f" (near {near})") if near else ("", "")
            warnings.append(DataError(name, line, label, f"多余的列，已忽略{like[0]}",
                                      f"an extra column, ignored{like[1]}"))
    header = tuple(names)
    for col in required:
        if col not in header:
            errors.append(DataError(name, line, col, f"缺少必需的列 {col}", f"the required column {col} is missing"))
    seen: set[str] = set()
    for col in header:
        if col in seen and col:
            errors.append(DataError(name, line, col, f"列名重复：{col}", f"the column {col} appears twice"))
        seen.add(col)
    return header, errors, warnings, aliased


def nearest_column(text: str, known: Sequence[str]) -> str | None:
    """The known column (or its Chinese name) that `text` looks like a slip of: the same but for case, `-`, `_`
    or spaces, or within an edit distance of 2 (1 for names of up to 4 characters)."""
    folded = _fold(text)
    if not folded:
        return None
    candidates = list(known) + [alias for alias, column in ALIASES.items() if column in known]
    for candidate in candidates:
        target = _fold(candidate)
        if folded == target or edit_distance(folded, target, 1 if len(target) <= 4 else 2):
            return candidate if candidate in known else f"{candidate}（{ALIASES[candidate]}）"
    return None


def _fold(text: str) -> str:
    return text.casefold().replace("-", "_").replace(" ", "_").strip("_")


def edit_distance(a: str, b: str, limit: int) -> bool:
    """Whether a and b are at most `limit` single-character edits apart (Levenshtein, with a band)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


# ---------------------------------------------------------------- values

_AMOUNT = re.compile(r"^(-?)([0-9]+)(?:\.([0-9]+))?$")
_GROUPED = re.compile(r"^-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?$")  # 2,183.60 and 12,345,678
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_LOOSE_DATES = (re.compile(r"^([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})$"),  # 2023/1/5, 2023-1-5, 2023.1.5
                re.compile(r"^([0-9]{4})(年)([0-9]{1,2})月([0-9]{1,2})日$"),  # 2023年1月5日
                re.compile(r"^([0-9]{4})()([0-9]{2})([0-9]{2})$"))  # 20230105
_AMBIGUOUS_DATE = re.compile(r"^[0-9]{1,2}([-/.])[0-9]{1,2}\1[0-9]{1,4}$")  # 04/01/2023, 23/1/5: which is the day?
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－／", "0123456789.,-/")
_MAX_DIGITS = 15  # of an amount's yuan: beyond any real amount, and before int() is asked to read 5,000 digits
_BOOLS = {"true": True, "false": False, "是": True, "否": False}
_NORMALISED = ("date", "amount", "boolean")  # the kinds of value a reader normalises (Loaded.normalised)


def _shown(text: str) -> str:
    """A value as a message quotes it: a 5,000-digit amount is not repeated in full."""
    return text if len(text) <= 40 else f"{text[:40]}…[{len(text)}]"


class _Cells:
    """The typed values of one row; each bad value is recorded as a DataError and read as None. `counts`
    counts, by kind, the values read from another spelling than the contract's (2023/1/5, 2,183.60, 是)."""

    def __init__(self, file: str, raw: RawRow, counts: Counter | None = None,
                 options: ReadOptions = DEFAULT_OPTIONS):
        self.file = file
        self.raw = raw
        self.errors: list[DataError] = list(raw.problems)
        self.counts = counts if counts is not None else Counter()
        self.max_amount = options.max_amount

    def fail(self, column: str, zh: str, en: str) -> None:
        self.errors.append(DataError(self.file, self.raw.row, column, zh, en))

    def text(self, column: str, required: bool = True) -> str | None:
        value = self.raw.values.get(column, "")
        if value == "":
            if required:
                self.fail(column, "不能为空", "must not be empty")
            return None
        return value

    def money(self, column: str, required: bool = True, ceiling: bool = True) -> int | None:
        """Fen; `ceiling` False for sums that are not one person's or claim's (a county's expenditure)."""
        value = self.text(column, required)
        if value is None:
            return None
        fen, zh, en, normalised = read_money(value)
        if fen is None:
            self.fail(column, zh, en)
        elif ceiling and fen > self.max_amount:
            limit = f"{self.max_amount // 100}"
            self.fail(column, f"金额 {_shown(value)} 超过上限 {limit} 元（可用 --max-amount 调整）",
                      f"the amount {_shown(value)} is above the ceiling of {limit} yuan (see --max-amount)")
            return None
        elif normalised:
            self.counts["amount"] += 1
        return fen

    def date(self, column: str, required: bool = True) -> dt.date | None:
        value = self.text(column, required)
        if value is None:
            return None
        day, zh, en, normalised = read_date(value)
        if day is None:
            self.fail(column, zh, en)
        elif normalised:
            self.counts["date"] += 1
        return day

    def boolean(self, column: str, default: bool) -> bool:
        value = self.text(column, required=False)
        if value is None:
            return default
        found = _BOOLS.get(value.lower())
        if found is None:
            self.fail(column, f"应为 true/false 或 是/否：{_shown(value)}",
                      f"must be true/false or 是/否: {_shown(value)}")
            return default
        if value not in PLAIN_BOOLS:
            self.counts["boolean"] += 1
        return found

    def choice(self, column: str, resolve: Callable[[str], object], what: tuple[str, str],
               required: bool = True):
        value = self.text(column, required)
        if value is None:
            return None
        found = resolve(value)
        if found is None:
            self.fail(column, f"未知的{what[0]}：{_shown(value)}", f"unknown {what[1]}: {_shown(value)}")
        return found

    def order(self, first: str, first_value, second: str, second_value, zh: str, en: str) -> None:
        """`second` must not come before `first` (dates)."""
        if first_value is not None and second_value is not None and second_value < first_value:
            self.fail(second, f"{zh}（{second_value}）早于{_zh_column(first)}（{first_value}）",
                      f"{en} ({second_value}) is before {first} ({first_value})")


def parse_money(text: str) -> tuple[int | None, str, str]:
    """Yuan with at most 2 decimals, never negative → fen; or None with the reason (zh, en)."""
    return read_money(text)[:3]


def read_money(text: str) -> tuple[int | None, str, str, bool]:
    """parse_money, and whether the amount was written otherwise than plainly (`¥2,183.60`, `１２．５元`)."""
    match = _AMOUNT.match(text)
    if match:
        return (*_fen(text, *match.groups()), False)
    plain = text.translate(_FULL_WIDTH).removeprefix("¥").removeprefix("￥").removesuffix("元").strip()
    if _GROUPED.match(plain):
        plain = plain.replace(",", "")
    elif "," in plain:
        return (None, f"金额中的逗号不是千位分隔，无法确定其含义：{_shown(text)}",
                f"a comma in an amount that does not separate thousands: {_shown(text)} is ambiguous", False)
    match = _AMOUNT.match(plain)
    if not match:
        return (None, f"不是金额（元，最多两位小数）：{_shown(text)}",
                f"not an amount in yuan (at most 2 decimals): {_shown(text)}", False)
    return (*_fen(text, *match.groups()), True)


def _fen(text: str, sign: str, whole: str, decimals: str | None) -> tuple[int | None, str, str]:
    if len(whole) > _MAX_DIGITS:
        return None, f"金额位数过多：{_shown(text)}", f"an amount with too many digits: {_shown(text)}"
    if sign:
        return None, f"金额不能为负数：{_shown(text)}", f"an amount must not be negative: {_shown(text)}"
    if decimals and len(decimals) > 2:
        return None, f"金额最多两位小数：{_shown(text)}", f"an amount has at most 2 decimals: {_shown(text)}"
    # the pattern has already split yuan and fen: convert here rather than match a second time
    return int(whole) * 100 + (int(decimals.ljust(2, "0")) if decimals else 0), "", ""


def read_date(text: str) -> tuple[dt.date | None, str, str, bool]:
    """A date written YYYY-MM-DD, or another spelling with the year first (2023/1/5, 2023年1月5日, 20230105):
    the date, the reason when there is none, and whether the spelling was another."""
    if _DATE.match(text):
        return (*_day(text, text), False)
    plain = text.translate(_FULL_WIDTH)
    for pattern in _LOOSE_DATES:
        match = pattern.match(plain)
        if match:
            year, _, month, day = match.groups()
            return (*_day(text, f"{year}-{int(month):02d}-{int(day):02d}"), True)
    if _AMBIGUOUS_DATE.match(plain):
        return (None, f"日期有歧义：{_shown(text)}（日和月哪个在前？请写作 YYYY-MM-DD）",
                f"an ambiguous date: {_shown(text)} (day or month first? write YYYY-MM-DD)", False)
    return (None, f"日期应写作 YYYY-MM-DD：{_shown(text)}", f"a date is written YYYY-MM-DD: {_shown(text)}", False)


def _day(text: str, iso: str) -> tuple[dt.date | None, str, str]:
    try:
        return dt.date.fromisoformat(iso), "", ""
    except ValueError:
        return None, f"日期不存在：{_shown(text)}", f"there is no such date: {_shown(text)}"


_ZH_COLUMNS = {"admission_date": "入院日期", "discharge_date": "出院日期", "start": "开始日期", "end": "结束日期"}


def _zh_column(column: str) -> str:
    return _ZH_COLUMNS.get(column, column)


# ---------------------------------------------------------------- reading the input files

@attrs.frozen
class Loaded:
    """What one input file gave: the good records (in file order), every problem, and the raw table
    (rejects repeat a bad row as it was written). `good_rows` are the rows the records came from, so that
    every row read is accounted for (`unaccounted`); `normalised` counts values by kind (date, amount,
    boolean) read from another spelling than the contract's."""

    table: Table
    records: tuple
    errors: tuple[DataError, ...]
    good_rows: tuple[int, ...] = ()
    normalised: Mapping[str, int] = {}

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

    def unaccounted(self) -> list[int]:
        """Rows read that gave neither a record nor a problem, or gave both: always empty (a bug otherwise)."""
        if self.table.errors:
            return []
        bad = set(self.row_errors())
        good = set(self.good_rows)
        return sorted((good & bad) | {row for row in self.table.row_numbers() if (row in good) == (row in bad)})


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


def read_claims(path: str | Path, vocabulary: Vocabulary, options: ReadOptions = DEFAULT_OPTIONS) -> Loaded:
    return _read_claims(path, vocabulary, quick=True, options=options)


def _read_claims(path: str | Path, vocabulary: Vocabulary, quick: bool,
                 options: ReadOptions = DEFAULT_OPTIONS) -> Loaded:
    """Each row is tried the quick way (`_QuickClaims`), and read the careful way (`_careful_claim`) when the
    quick way has any doubt about it; `quick` False reads every row the careful way (tests compare the two)."""
    with runtime.collector_paused():
        table = read_table(path, claim_columns(vocabulary), CLAIM_OPTIONAL, options)
        table = needed_columns(table, vocabulary.needed_columns)
        if table.errors:
            return Loaded(table, (), table.errors)
        counts: Counter = Counter()
        claims, errors = claims_of_rows(table.path, table.rows, vocabulary, options, {}, counts, quick)
        return Loaded(table, tuple(claims), tuple(errors), tuple(c.row for c in claims), dict(counts))


def claims_of_rows(path: str, rows: Iterable[RawRow], vocabulary: Vocabulary, options: ReadOptions,
                   first_row: dict[str, int], counts: Counter, quick: bool = True
                   ) -> tuple[list[Claim], list[DataError]]:
    """The claims of these rows, in order, and the problems of the others; `first_row` (claim_id → the row it
    first appeared on) and `counts` (values normalised, by kind) carry on from rows read before."""
    claims: list[Claim] = []
    errors: list[DataError] = []
    quick_claim = _QuickClaims(vocabulary, first_row, options.max_amount).claim if quick else None
    for raw in rows:
        claim = quick_claim(raw) if quick_claim is not None else None
        if claim is None:
            claim, row_errors = _careful_claim(path, raw, vocabulary, first_row, _Cells(path, raw, counts, options))
            if row_errors:
                errors.extend(row_errors)
                continue
        claims.append(_given(claim))
    return claims, errors


def claim_columns(vocabulary: Vocabulary) -> tuple[str, ...]:
    """The columns claims.csv must have: the contract's, and the insurance amounts the policy does not compute."""
    return CLAIM_COLUMNS + tuple(a for a in vocabulary.required_amounts if a not in CLAIM_COLUMNS)


def needed_columns(table: Table, needed: Mapping[str, str]) -> Table:
    """A column the policy reads is missing from the header: a file error naming the rule that reads it (an
    absent `disease` column would make every claim one without a listed disease, silently)."""
    if not table.header:
        return table
    missing = [DataError(table.path, 1, column, f"缺少列 {column}：{where} 的规则要读取它",
                         f"the column {column} is missing: the rule at {where} reads it")
               for column, where in needed.items() if column not in table.header]
    return attrs.evolve(table, errors=table.errors + tuple(missing)) if missing else table


def _careful_claim(file: str, raw: RawRow, vocabulary: Vocabulary, first_row: dict[str, int],
                   cells: _Cells | None = None) -> tuple[Claim | None, list[DataError]]:
    """One row, each cell validated on its own: the claim and every problem of the row (the claim is only
    used when there is none). A row whose cells cannot be trusted (its shape, a quote, a control character)
    has only that problem: its values mean nothing."""
    if raw.problems:
        return None, list(raw.problems)
    cells = cells or _Cells(file, raw)
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
PLAIN_BOOLS = {"": True, "true": True, "false": False, "True": True, "False": False, "TRUE": True, "FALSE": False}


class _QuickClaims:
    """The usual row read without per-cell bookkeeping (reading claims.csv is on the path of every run).

    `claim(row)` gives the row's Claim when every value is plainly well formed — dates exactly YYYY-MM-DD,
    amounts in ASCII digits with at most two decimals, a known visit type, `true`/`false` — or None at the first
    doubt; the row is then read the careful way, which reports exactly what it always did. It accepts nothing
    the careful way would reject and reads what it accepts to the same values (tests/test_data.py compares
    them), and it records a claim_id as seen only for the rows it reads."""

    def __init__(self, vocabulary: Vocabulary, first_row: dict[str, int], max_amount: int):
        self.max_amount = max_amount
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
        if cost is None or cost > self.max_amount:  # insurance within the cost is within the ceiling too
            return None
        basic = _plain_paid(get("basic_paid", ""), self.basic_required)
        critical = _plain_paid(get("critical_paid", ""), self.critical_required)
        if basic is _DOUBT or critical is _DOUBT:
            return None
        if (basic or 0) + (critical or 0) > cost:
            return None
        referred = PLAIN_BOOLS.get(get("referred", ""))
        in_province = PLAIN_BOOLS.get(get("in_province", ""))
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
    if whole.isdigit() and whole.isascii() and len(whole) <= _MAX_DIGITS:
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


def read_identities(path: str | Path, vocabulary: Vocabulary, options: ReadOptions = DEFAULT_OPTIONS) -> Loaded:
    table = read_table(path, IDENTITY_COLUMNS, (), options)
    if table.errors:
        return Loaded(table, (), table.errors)
    counts: Counter = Counter()
    identities, good, errors = identities_of_rows(table.path, table.rows, vocabulary, options, counts)
    return Loaded(table, tuple(identities), tuple(errors), tuple(good), dict(counts))


def identities_of_rows(path: str, rows: Iterable[RawRow], vocabulary: Vocabulary, options: ReadOptions,
                       counts: Counter) -> tuple[list[Identity], list[int], list[DataError]]:
    """The identities of these rows, the rows they come from, and the problems of the others."""
    identities: list[Identity] = []
    good: list[int] = []
    errors: list[DataError] = []
    for raw in rows:
        if raw.problems:  # its cells cannot be trusted: only the row's problem
            errors.extend(raw.problems)
            continue
        cells = _Cells(path, raw, counts, options)
        person_id = cells.text("person_id")
        category = cells.choice("category", vocabulary.category, ("类别", "category"))
        start = cells.date("start")
        end = cells.date("end", required=False)
        cells.order("start", start, "end", end, "结束日期", "end")
        if cells.errors:
            errors.extend(cells.errors)
        else:
            identities.append(Identity(_given(person_id), category, _given(start), end))
            good.append(raw.row)
    return identities, good, errors


GENDERS = ("男", "女")
DIBAO_CLASSES = ("A", "B", "C")
GRADES = {"1": 1, "2": 2, "3": 3, "4": 4}


def read_persons(path: str | Path, options: ReadOptions = DEFAULT_OPTIONS) -> Loaded:
    table = read_table(path, PERSON_COLUMNS, (), options)
    if table.errors:
        return Loaded(table, (), table.errors)
    counts: Counter = Counter()
    persons, good, errors = persons_of_rows(table.path, table.rows, options, {}, counts)
    return Loaded(table, tuple(persons), tuple(errors), tuple(good), dict(counts))


def persons_of_rows(path: str, rows: Iterable[RawRow], options: ReadOptions, first_row: dict[str, int],
                    counts: Counter) -> tuple[list[Person], list[int], list[DataError]]:
    """The persons of these rows, the rows they come from, and the problems of the others; `first_row`
    (person_id → the row it first appeared on) carries on from rows read before."""
    persons: list[Person] = []
    good: list[int] = []
    errors: list[DataError] = []
    for raw in rows:
        if raw.problems:
            errors.extend(raw.problems)
            continue
        cells = _Cells(path, raw, counts, options)
        person_id = cells.text("person_id")
        _reject_repeat(cells, "person_id", person_id, first_row, raw.row, ("人员编号", "person_id"))
        gender = cells.choice("gender", lambda v: v if v in GENDERS else None,
                              ("性别（应为 男 或 女）", "gender (男 or 女)"))
        birth = cells.date("birth_date")
        grade = cells.choice("disability_grade", GRADES.get, ("残疾等级（应为 1-4）", "disability grade (1-4)"),
                             required=False)
        dibao = cells.choice("dibao_class", lambda v: v if v in DIBAO_CLASSES else None,
                             ("低保类别（应为 A、B 或 C）", "dibao class (A, B or C)"), required=False)
        monthly = cells.money("family_monthly_income_per_capita", required=False)
        annual = cells.money("family_annual_income", required=False)
        if cells.errors:
            errors.extend(cells.errors)
        else:
            persons.append(Person(_given(person_id), gender, birth, grade, dibao, monthly, annual))
            good.append(raw.row)
    return persons, good, errors


@attrs.frozen
class FundFigures:
    """expenditures.csv: the aid expenditure by county and year, and any further series a policy's fund
    block declares as inputs (name -> {(county, year): fen})."""

    expenditures: tuple[Expenditure, ...]
    series: Mapping[str, Mapping[tuple[str, int], int]]


_YEAR = re.compile(r"^\d{4}$")


def read_expenditures(path: str | Path, extra_columns: Sequence[str] = (),
                      options: ReadOptions = DEFAULT_OPTIONS) -> Loaded:
    """Loaded.records is a one-element tuple holding the FundFigures (the file is one set of figures). A
    county's expenditure is not one person's money: the amount ceiling does not apply, the digit limit does."""
    extra = tuple(c for c in extra_columns if c not in EXPENDITURE_COLUMNS)
    table = read_table(path, EXPENDITURE_COLUMNS + extra, (), options)
    if table.errors:
        return Loaded(table, (), table.errors)
    rows: list[Expenditure] = []
    good: list[int] = []
    series: dict[str, dict[tuple[str, int], int]] = {c: {} for c in ("aid_expenditure",) + extra}
    errors: list[DataError] = []
    counts: Counter = Counter()
    first_row: dict[tuple[str, int], int] = {}
    for raw in table.rows:
        if raw.problems:
            errors.extend(raw.problems)
            continue
        cells = _Cells(table.path, raw, counts, options)
        county = cells.text("county")
        year_text = cells.text("year")
        year = int(year_text) if year_text is not None and _YEAR.match(year_text) else None
        if year_text is not None and year is None:
            cells.fail("year", f"年份应为四位数字：{year_text}", f"a year is four digits: {year_text}")
        if county is not None and year is not None:
            key = (county, year)
            if key in first_row:
                cells.fail("year", f"{county} {year} 年重复（已在第 {first_row[key]} 行出现）",
                           f"{county} {year} appears twice (first on row {first_row[key]})")
            else:
                first_row[key] = raw.row
        amounts = {column: cells.money(column, ceiling=False) for column in series}
        if cells.errors:
            errors.extend(cells.errors)
            continue
        key = (_given(county), _given(year))
        rows.append(Expenditure(*key, _given(amounts["aid_expenditure"])))
        good.append(raw.row)
        for column, amount in amounts.items():
            series[column][key] = _given(amount)
    figures = FundFigures(tuple(rows), series)
    return Loaded(table, (figures,), tuple(errors), tuple(good), dict(counts))
