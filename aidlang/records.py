"""The records that flow between data files and engines: claims, identities, persons, results.

Money is integer fen everywhere here; dates are `datetime.date`. `data.py` builds these from CSV and
writes results back; every engine consumes and produces exactly these, so engines are interchangeable.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import NamedTuple

import attrs

VISITS = ("outpatient", "chronic", "inpatient")
STATUSES = ("ok", "no_category", "not_in_force", "not_covered")


@attrs.frozen(slots=True)
class Claim:
    claim_id: str
    person_id: str
    visit_type: str  # outpatient | chronic | inpatient
    admission_date: dt.date
    discharge_date: dt.date
    policy_scope_cost: int  # fen
    basic_paid: int | None = None  # fen; None: not given, the policy computes it
    critical_paid: int | None = None
    referred: bool = True
    in_province: bool = True
    disease: str | None = None
    institution_level: str | None = None
    row: int = 0  # 1-based data row in its file (the header is row 1), for messages


@attrs.frozen(slots=True)
class Identity:
    person_id: str
    category: str  # the policy's category identifier (data.py resolves Chinese names)
    start: dt.date
    end: dt.date | None  # inclusive; None = still held


@attrs.frozen(slots=True)
class Person:
    person_id: str
    gender: str | None = None  # 男 | 女
    birth_date: dt.date | None = None
    disability_grade: int | None = None
    dibao_class: str | None = None  # A | B | C
    family_monthly_income_per_capita: int | None = None  # fen
    family_annual_income: int | None = None  # fen


class Result(NamedTuple):
    """One settled claim (a row of results.csv).

    A named tuple rather than an attrs class like the other records: an engine makes one per claim, millions
    per run, and a tuple is the cheapest immutable record Python builds (`make_result` skips even the
    constructor's argument handling)."""

    claim_id: str
    person_id: str
    category: str  # the Chinese name of the category applied, "" if none
    basic_paid: int
    critical_paid: int
    aid_paid: int
    tilted_paid: int
    self_pay: int
    status: str
    basis: str  # clauses joined by ';'


# make_result((claim_id, person_id, …, basis)): a Result from a tuple of its ten fields in order, without the
# keyword handling of Result(...) — the hot path of the compiled engines.
make_result = functools.partial(tuple.__new__, Result)


@attrs.frozen(slots=True)
class BenefitRow:
    person_id: str
    benefit: str  # Chinese name
    amount: int | None  # fen; None = a share whose base is not given
    due: dt.date | None
    basis: str


@attrs.frozen(slots=True)
class Expenditure:
    county: str
    year: int
    aid_expenditure: int  # fen


@attrs.frozen(slots=True)
class ScheduleRow:
    county: str
    item: str
    due: dt.date
    amount: int  # fen
    basis: str
    year: int = 0  # the year the item is computed for (当年); not a column of schedule.csv


@attrs.frozen(slots=True)
class FundCheckFailure:
    """A `核查` that does not hold for a county and year (`aidlang funds` reports each)."""

    county: str
    year: int
    check: str  # the check's identifier
    label: str  # its Chinese name (label, else identifier)
    basis: str  # its clause


@attrs.frozen(slots=True)
class MonitorRow:
    person_id: str
    cumulative_self_paid: int  # fen
    threshold: int  # fen
    push_by: dt.date
    basis: str
