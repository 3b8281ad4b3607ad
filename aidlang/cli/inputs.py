"""What the settling commands share: the policy's words for data files, reading every input file named on
the command line, and printing data problems (exit 2).

Not a command itself (cli.COMMANDS does not list it); `run`, `explain`, `annual`, `funds` and `monitor` use it.
"""

from __future__ import annotations

import argparse
import contextvars
import functools
import sys
from collections import Counter
from pathlib import Path
from typing import Callable

import attrs

from aidlang import runtime
from aidlang.check.checker import CheckedPolicy
from aidlang.check.expressions import claim_columns_read, policy_source
from aidlang.check.pipeline import load
from aidlang.check.symbols import VISIT_TYPES
from aidlang.cli import internal_error
from aidlang.frontend.diagnostics import AidError
from aidlang.io import data, outputs
from aidlang.io.params import PARAM_SOURCE, ParamSpec, parse_params, read_params_file

EXIT_DATA = 2  # bad input data or usage (cli.py)
INSURANCE_COLUMNS = (("basic", "basic_paid"), ("critical", "critical_paid"))


class DataFailure(Exception):
    """Input problems that stop a command; the command prints them all and exits 2."""

    def __init__(self, errors: list[data.DataError]):
        super().__init__(f"{len(errors)} data problem(s)")
        self.errors = errors


class UsageFailure(Exception):
    """A command line that cannot be carried out (a missing policy file, an unknown engine); exit 2."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en

    def message(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def lang_of(args: argparse.Namespace) -> str:
    return getattr(args, "lang", "zh")


def say(text: str) -> None:
    print(text, file=sys.stderr)


def guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A command's `run` that reports data and usage problems (exit 2) and never shows a traceback: an
    unexpected exception is one line naming it (set AIDLANG_DEBUG=1 to see the traceback). The command runs
    with the cycle collector paused: reading, settling and writing a year of claims make no cycles worth it."""

    @functools.wraps(run)
    def wrapper(args: argparse.Namespace) -> int:
        lang = lang_of(args)
        report = Report(lang)
        token = _REPORT.set(report)
        try:
            with runtime.collector_paused():
                code = run(args)
            if code == 0:
                report.print(lang)
            return code
        except DataFailure as failure:
            say(data.render_errors(failure.errors, lang))
            return EXIT_DATA
        except UsageFailure as failure:
            say(failure.message(lang))
            return EXIT_DATA
        except runtime.MissingValue as missing:  # a person's benefit needs a value the data does not give
            say(missing.message(lang))
            return EXIT_DATA
        except data.FileChanged as changed:  # an input changed under the run (io.columnar re-reads rows)
            say(changed.message(lang))
            return EXIT_DATA
        except BrokenPipeError:
            raise  # `| head`: the CLI ends quietly
        except OSError as error:  # an output that cannot be written: nothing was (outputs.write_outputs)
            where = f"{error.filename}: " if error.filename else ""
            say(("无法写入输出：" if lang == "zh" else "cannot write the output: ") + where
                + (error.strerror or str(error)))
            return EXIT_DATA
        except AidError:
            raise  # a policy problem: the CLI prints its diagnostics (exit 1)
        except Exception as error:  # noqa: BLE001 — exit 3, never a traceback (cli.py)
            return internal_error(error, lang)
        finally:
            _REPORT.reset(token)

    return wrapper


# ---------------------------------------------------------------- the policy and its vocabulary

def load_policy(path: str) -> CheckedPolicy:
    """The checked policy; a policy error propagates as AidError (the CLI prints it, exit 1)."""
    if not Path(path).is_file():
        raise UsageFailure(f"找不到政策文件：{path}", f"no such policy file: {path}")
    return load(path)


def vocabulary(checked: CheckedPolicy) -> data.Vocabulary:
    symbols = checked.symbols
    kinds = {tier.kind for tier in symbols.tiers.values()}

    def category(text: str) -> str | None:
        found = symbols.category(text)
        return found.name if found is not None else None

    # an insurance tier the policy does not define must be given by every claim (docs/semantics.md, "Data errors")
    required = tuple(column for kind, column in INSURANCE_COLUMNS if kind not in kinds)
    source = policy_source(checked.policy)
    needed = {column: f"{source}:{line}" for column, line in claim_columns_read(checked.policy).items()}
    return data.Vocabulary(visit_type=VISIT_TYPES.get, category=category, required_amounts=required,
                           needed_columns=needed)


def param_lookup(checked: CheckedPolicy) -> Callable[[str], ParamSpec | None]:
    params = checked.symbols.params

    def lookup(name: str) -> ParamSpec | None:
        param = params.get(name) or next((p for p in params.values() if p.label == name), None)
        return None if param is None else ParamSpec(param.name, param.label or param.name, param.type)

    return lookup


def fund_input_columns(checked: CheckedPolicy) -> tuple[str, ...]:
    return tuple(item.name for fund in checked.symbols.funds.values() for item in fund.inputs)


# ---------------------------------------------------------------- command-line options shared by commands

def add_policy(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("policy", metavar="POLICY", help="the .aid policy")


def add_params(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--param", action="append", default=[], metavar="NAME[@FROM]=VALUE",
                        help="a parameter published outside the document, for every date or from a year or date "
                             "(NAME@2026=42000; repeatable)")
    parser.add_argument("--params", metavar="FILE", help="parameters as a CSV of name,from,value (from empty: every "
                        "date) / 参数表")


def param_texts(args: argparse.Namespace) -> tuple[list[str], list[tuple[str, int]] | None, list]:
    """The `--params FILE` rows and the `--param` values, in that order, with where each comes from."""
    texts = list(getattr(args, "param", None) or [])
    path = getattr(args, "params", None)
    if not path:
        return texts, None, []
    file_texts, where, errors = read_params_file(path, read_options(args))
    return file_texts + texts, where + [(PARAM_SOURCE, i) for i in range(1, len(texts) + 1)], errors


def add_out(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--out", metavar="FILE", help=f"where to write {what} (default: standard output)")


def add_reading(parser: argparse.ArgumentParser) -> None:
    """How input files are read (docs/data.md); every input file of the command alike."""
    parser.add_argument("--encoding", metavar="NAME", help="the input files' encoding (default: detected; "
                        "e.g. gb18030, utf-16) / 输入文件的编码")
    parser.add_argument("--sheet", metavar="NAME", help="the sheet of an .xlsx input (default: the first) / 工作表")
    parser.add_argument("--allow-extra-columns", action="store_true",
                        help="ignore, with a warning, a column whose name is near a known one / 忽略相近的多余列")
    parser.add_argument("--max-amount", metavar="YUAN", default="100000000",
                        help="the largest amount a claim or person may carry (default 100000000) / 金额上限")


def read_options(args: argparse.Namespace) -> data.ReadOptions:
    ceiling, zh, en = data.parse_money(getattr(args, "max_amount", None) or "100000000")
    if ceiling is None:
        raise UsageFailure(f"--max-amount：{zh}", f"--max-amount: {en}")
    return data.ReadOptions(encoding=getattr(args, "encoding", None), sheet=getattr(args, "sheet", None),
                            allow_extra_columns=getattr(args, "allow_extra_columns", False), max_amount=ceiling)


# ---------------------------------------------------------------- reading the inputs

@attrs.frozen
class Inputs:
    """Everything read for one command: the good records, and the problems sorted by what they affect."""

    claims: data.Loaded | None
    identities: data.Loaded | None
    persons: data.Loaded | None
    params: dict
    fatal: tuple[data.DataError, ...]  # unreadable files, bad headers, bad --param: nothing can run
    claim_rows: dict[int, list[data.DataError]]  # claims.csv row -> its problems
    person_problems: dict[str, list[data.DataError]]  # person -> problems of their identity/person rows

    @property
    def claims_read(self) -> data.Loaded:
        """The claims file, for a command that reads one (run, monitor): `read_inputs` was given `claims`."""
        if self.claims is None:
            raise ValueError("no claims file was read")  # a command that settles claims always reads them
        return self.claims

    @property
    def all_errors(self) -> list[data.DataError]:
        errors = list(self.fatal)
        errors += [e for row in sorted(self.claim_rows) for e in self.claim_rows[row]]
        seen = set(errors)
        for problems in self.person_problems.values():
            errors += [e for e in problems if e not in seen]
        return errors

    def claim_value_counts(self, column: str) -> Counter:
        """How many good claims hold each value of a claims.csv column."""
        frame = getattr(self.claims, "frame", None)
        if frame is not None:  # read as columns (io.columnar)
            return Counter(dict(frame[column].drop_nulls().value_counts().iter_rows()))
        return Counter(getattr(claim, column) for claim in self.claims_read.records)

    def identity_records(self) -> list:
        frame = getattr(self.identities, "frame", None)
        if frame is not None:  # read as columns (io.columnar)
            from aidlang.io.columnar import identities_of_frame

            return identities_of_frame(frame)
        return list(self.identities.records) if self.identities else []

    def identity_columns(self):
        """The identities as the batch engine takes them: columns where they were read so (io.columnar)."""
        frame = getattr(self.identities, "frame", None)
        return frame if frame is not None else self.identity_records()

    def person_columns(self):
        """The persons as the batch engine takes them: columns where they were read so (io.columnar)."""
        frame = getattr(self.persons, "frame", None)
        return frame if frame is not None else self.person_map()

    def person_map(self) -> dict:
        frame = getattr(self.persons, "frame", None)
        if frame is not None:  # read as columns (io.columnar)
            from aidlang.io.columnar import persons_of_frame

            return persons_of_frame(frame)
        return {person.person_id: person for person in self.persons.records} if self.persons else {}


def read_inputs(checked: CheckedPolicy, *, claims: str | None = None, identities: str | None = None,
                persons: str | None = None, params: list[str] | None = None,
                options: data.ReadOptions = data.DEFAULT_OPTIONS, args: argparse.Namespace | None = None,
                columnar: bool = False) -> Inputs:
    """The data files and parameters of a command (`args`: its options, for `--params FILE`); `columnar`: the
    claims as columns (`io.columnar`, for the batch engine)."""
    words = vocabulary(checked)
    read_claims, read_identities, read_persons = data.read_claims, data.read_identities, data.read_persons
    if columnar:
        from aidlang.io import columnar as columns  # polars: only the batch engine needs it

        read_claims, read_identities = columns.read_claim_columns, columns.read_identity_columns
        read_persons = columns.read_person_columns
    loaded_claims = read_claims(claims, words, options) if claims else None
    loaded_identities = read_identities(identities, words, options) if identities else None
    loaded_persons = read_persons(persons, options) if persons else None
    for loaded in (loaded_claims, loaded_identities, loaded_persons):
        if loaded is not None:
            _account(loaded)
    texts, where, file_errors = param_texts(args) if args is not None else (params or [], None, [])
    values, param_errors = parse_params(texts, param_lookup(checked), where)
    fatal = [*file_errors, *param_errors]
    person_problems: dict[str, list[data.DataError]] = {}
    for loaded in (loaded_claims, loaded_identities, loaded_persons):
        if loaded is not None:
            fatal.extend(loaded.file_errors)
    for loaded in (loaded_identities, loaded_persons):
        if loaded is None or loaded.file_errors:
            continue
        by_person, unattributed = _by_person(loaded)
        fatal.extend(unattributed)
        for person, errors in by_person.items():
            person_problems.setdefault(person, []).extend(errors)
    claim_rows = loaded_claims.row_errors() if loaded_claims is not None else {}
    return Inputs(loaded_claims, loaded_identities, loaded_persons, values, tuple(fatal), claim_rows,
                  person_problems)


def _by_person(loaded: data.Loaded) -> tuple[dict[str, list[data.DataError]], list[data.DataError]]:
    """A bad identity or person row concerns its person's claims; one without a person id, everyone's."""
    raws = loaded.table.raws(loaded.row_errors())
    by_person: dict[str, list[data.DataError]] = {}
    unattributed: list[data.DataError] = []
    for row, errors in loaded.row_errors().items():
        # a row whose cells cannot be trusted (shape, quote, control character) may be anyone's
        person = raws[row].values.get("person_id", "") if row in raws and not raws[row].problems else ""
        if person:
            by_person.setdefault(person, []).extend(errors)
        else:
            unattributed.extend(errors)
    return by_person, unattributed


def require_clean(inputs: Inputs) -> None:
    """Commands without rejects: any problem at all stops them, with every problem listed."""
    errors = inputs.all_errors
    if errors:
        raise DataFailure(errors)


def claim_error_column(error) -> str:
    """The claims.csv column a settlement error is about, so it prints as `file:row:column: reason`."""
    column = getattr(error, "column", "")
    if column:
        return column
    mentioned = [c for c in data.CLAIM_COLUMNS + data.CLAIM_OPTIONAL if c in error.reason_en]
    return mentioned[0] if mentioned else ""


def read_expenditures(args: argparse.Namespace, checked: CheckedPolicy) -> data.Loaded:
    """expenditures.csv for `funds`: read, accounted for, part of the run summary; any bad row stops the run."""
    loaded = data.read_expenditures(args.expenditures, fund_input_columns(checked), read_options(args))
    _account(loaded)
    if loaded.errors:
        raise DataFailure(list(loaded.errors))
    return loaded


def _account(loaded: data.Loaded) -> None:
    """Every row read is used or reported, checked on every run (a failure is a bug: nothing is written);
    the file joins the run summary, and its ignored columns are warned about now."""
    lost = loaded.unaccounted()
    if lost:
        raise AssertionError(f"{loaded.table.path}: rows {lost[:5]} were neither read nor reported")
    report = _REPORT.get()
    if report is not None:
        report.files.append(loaded)
    for warning in loaded.table.warnings:
        say(warning.render(_lang_now()))


# ---------------------------------------------------------------- the bad rows of identities and persons

INPUT_REJECT_ROLES = ("identities", "persons")


def input_rejects_path(rejects: str, role: str) -> str:
    """Where `--rejects R.csv` puts the bad rows of identities.csv or persons.csv: `R.<role>.csv`."""
    target = Path(rejects)
    return str(target.with_name(f"{target.stem}.{role}{target.suffix}"))


def input_rejects(inputs: Inputs, rejects: str, lang: str) -> list[outputs.Output]:
    """With `--rejects R.csv`, the bad rows of identities.csv and persons.csv go to `R.identities.csv` and
    `R.persons.csv` (their own columns, then row and reason, as R.csv has the claims'): a bad row of a person
    with no claims is reported too. A file with no bad row writes nothing."""
    files = []
    for role, loaded in zip(INPUT_REJECT_ROLES, (inputs.identities, inputs.persons), strict=True):
        if loaded is None or not loaded.errors:
            continue
        bad = [(row, outputs.join_reasons(errors, lang)) for row, errors in sorted(loaded.row_errors().items())]
        header, rows = outputs.reject_rows(loaded.table, bad)
        files.append(outputs.Output(input_rejects_path(rejects, role), header, rows))
    return files


# ---------------------------------------------------------------- the run summary

@attrs.define
class Report:
    """What a command read and settled, printed on stderr when it succeeds and something is worth saying:
    rows read per file and how (encoding, delimiter, sheet), claims settled and rejected by column, rows of
    other files with problems, values normalised. A plain UTF-8 run with nothing rejected prints nothing."""

    lang: str = "zh"
    files: list = attrs.field(factory=list)  # data.Loaded, in the order read
    settled: int | None = None
    rejected: dict[int, list] = attrs.field(factory=dict)  # claims.csv row -> [(column, zh, en)]

    def noteworthy(self) -> bool:
        return bool(self.rejected or _normalised(self.files) or any(
            loaded.errors or loaded.table.form not in _PLAIN_FORMS for loaded in self.files))

    def lines(self, lang: str) -> list[str]:
        zh = lang == "zh"
        lines = []
        for index, loaded in enumerate(self.files):
            table = loaded.table
            count = table.row_count()
            read = (f"{table.path}：读取 {count} 行（{_form_zh(table.form)}）" if zh
                    else f"{table.path}: read {count} {'row' if count == 1 else 'rows'} ({table.form})")
            if index == 0 and self.settled is not None:
                read += (f"，结算 {self.settled} 条，拒收 {len(self.rejected)} 条" if zh
                         else f"; settled {self.settled}, rejected {len(self.rejected)}")
                read += _by_column(self.rejected, lang)
            elif loaded.errors:
                bad = len(loaded.row_errors())
                read += f"，有误 {bad} 行" if zh else f"; {bad} rows with problems"
            lines.append(read)
        counts = _normalised(self.files)
        if counts:
            kinds = ("，" if zh else ", ").join(f"{_KINDS[kind][0 if zh else 1]} {n}" for kind, n in counts.items())
            total = sum(counts.values())
            lines.append(f"规范化 {total} 个值：{kinds}" if zh else f"normalised {total} values: {kinds}")
        return lines

    def print(self, lang: str) -> None:
        if not self.noteworthy():
            return
        lines = self.lines(lang)
        if sys.stderr.isatty():  # a person is watching: rich's highlighting of numbers and paths
            from rich.console import Console

            console = Console(stderr=True)
            for line in lines:
                console.print(line, markup=False)
        else:
            for line in lines:
                say(line)


def note_settlement(results: int, rejected: dict[int, list]) -> None:
    """`run` tells the summary what it settled and rejected (claims.csv row -> [(column, zh, en)])."""
    report = _REPORT.get()
    if report is not None:
        report.settled, report.rejected = results, rejected


_REPORT: contextvars.ContextVar[Report | None] = contextvars.ContextVar("aidlang_report", default=None)
_PLAIN_FORMS = ("UTF-8", "UTF-8 (BOM)")
_KINDS = {"date": ("日期", "dates"), "amount": ("金额", "amounts"), "boolean": ("是/否", "booleans"),
          "column_alias": ("中文列名", "Chinese column names"), "excel_number": ("Excel 数值", "Excel numbers"),
          "excel_date": ("Excel 日期", "Excel dates"), "excel_boolean": ("Excel 逻辑值", "Excel booleans")}


def _normalised(files: list) -> dict[str, int]:
    counts: Counter = Counter()
    for loaded in files:
        counts.update(loaded.normalised)
        counts.update(loaded.table.converted)
    return {kind: counts[kind] for kind in _KINDS if counts[kind]}


def _by_column(rejected: dict[int, list], lang: str) -> str:
    """The rejected rows counted by the column of their first problem (`整行` for a row's shape)."""
    if not rejected:
        return ""
    counts = Counter(problems[0][0] if problems else "" for problems in rejected.values())
    whole = "整行" if lang == "zh" else "row"
    parts = [f"{column or whole} {n}" for column, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    return f"（{'，'.join(parts)}）" if lang == "zh" else f" ({', '.join(parts)})"


def _form_zh(form: str) -> str:
    """sheets.Grid.form in Chinese: `GB18030, tab-separated` → `GB18030，制表符分隔`."""
    for en, zh in ((", tab-separated", "，制表符分隔"), (", sheet ", "，工作表 "), (" (detected)", "（检测所得）")):
        form = form.replace(en, zh)
    return form


def _lang_now() -> str:
    report = _REPORT.get()
    return report.lang if report is not None else "zh"
