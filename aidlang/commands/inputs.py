"""What the settling commands share: the policy's words for data files, reading every input file named on
the command line, and printing data problems (exit 2).

Not a command itself (cli.COMMANDS does not list it); `run`, `explain`, `annual`, `funds` and `monitor` use it.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path
from typing import Callable

import attrs

from .. import data, runtime
from ..params import ParamSpec, parse_params
from ..checker import CheckedPolicy
from ..cli import internal_error
from ..diagnostics import AidError
from ..pipeline import load
from ..symbols import VISIT_TYPES

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
        try:
            with runtime.collector_paused():
                return run(args)
        except DataFailure as failure:
            say(data.render_errors(failure.errors, lang))
            return EXIT_DATA
        except UsageFailure as failure:
            say(failure.message(lang))
            return EXIT_DATA
        except BrokenPipeError:
            raise  # `| head`: the CLI ends quietly
        except OSError as error:  # an output that cannot be written: nothing was (outputs.write_outputs)
            where = f"{error.filename}: " if error.filename else ""
            say(("无法写入输出：" if lang == "zh" else "cannot write the output: ") + where + (error.strerror or str(error)))
            return EXIT_DATA
        except AidError:
            raise  # a policy problem: the CLI prints its diagnostics (exit 1)
        except Exception as error:  # noqa: BLE001 — the contract: never a traceback
            return internal_error(error, lang)

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

    # contract: an insurance tier the policy does not define must be given by every claim
    required = tuple(column for kind, column in INSURANCE_COLUMNS if kind not in kinds)
    return data.Vocabulary(visit_type=VISIT_TYPES.get, category=category, required_amounts=required)


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
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter published outside the document (repeatable)")


def add_out(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--out", metavar="FILE", help=f"where to write {what} (default: standard output)")


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
    def all_errors(self) -> list[data.DataError]:
        errors = list(self.fatal)
        errors += [e for row in sorted(self.claim_rows) for e in self.claim_rows[row]]
        seen = set(errors)
        for problems in self.person_problems.values():
            errors += [e for e in problems if e not in seen]
        return errors

    def identity_records(self) -> list:
        return list(self.identities.records) if self.identities else []

    def person_map(self) -> dict:
        return {person.person_id: person for person in self.persons.records} if self.persons else {}


def read_inputs(checked: CheckedPolicy, *, claims: str | None = None, identities: str | None = None,
                persons: str | None = None, params: list[str] | None = None) -> Inputs:
    words = vocabulary(checked)
    loaded_claims = data.read_claims(claims, words) if claims else None
    loaded_identities = data.read_identities(identities, words) if identities else None
    loaded_persons = data.read_persons(persons) if persons else None
    values, param_errors = parse_params(params or [], param_lookup(checked))
    fatal = list(param_errors)
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
    raws = {raw.row: raw for raw in loaded.table.rows}
    by_person: dict[str, list[data.DataError]] = {}
    unattributed: list[data.DataError] = []
    for row, errors in loaded.row_errors().items():
        person = raws[row].values.get("person_id", "") if row in raws else ""
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
