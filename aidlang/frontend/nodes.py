"""The syntax tree of a policy: frozen attrs nodes, each with the span it came from.

Spans are excluded from equality and repr, so two trees compare by structure alone.
Names are kept as written (`str`); the checker resolves them. Keyword spellings are not kept:
`ratio` and `比例` build the same node.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Union

import attrs

from aidlang.frontend.source import Span


def _span() -> Span:
    return attrs.field(eq=False, repr=False)


# Every node is `@attrs.frozen(kw_only=True)`, written out on each class rather than through an alias: mypy's
# attrs support reads only the decorator itself, and through it checks every node's fields and constructor.


# ---------------------------------------------------------------- expressions

UNITS = ("yuan", "percent", "pp", "year", "month", "day", "age", "")
"""Canonical units of a quantity: money in yuan, a rate in %, percentage points, durations, age in 岁,
or none (a plain number). `万元` is folded into yuan (value × 10,000)."""


@attrs.frozen(kw_only=True)
class Quantity:
    value: Decimal
    unit: str  # one of UNITS
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Ref:
    """A name: a parameter, category, list, claim or person attribute, fund series or builtin."""

    name: str
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Call:
    func: str
    args: tuple["Expr", ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Index:
    """`series[year - 1]`: a fund series or item of another year."""

    name: str
    index: "Expr"
    span: Span = _span()


@attrs.frozen(kw_only=True)
class StringLit:
    value: str
    span: Span = _span()


@attrs.frozen(kw_only=True)
class DateLit:
    value: dt.date
    span: Span = _span()


@attrs.frozen(kw_only=True)
class BoolLit:
    value: bool
    span: Span = _span()


@attrs.frozen(kw_only=True)
class NoneLit:
    """`none`/`无`: no deductible, no cap. `word` is how the document says it (`无`, `不设`, `不封顶`, `不设起付线`):
    every spelling means the same, the checker only keeps each to the settings it can describe."""

    word: str = attrs.field(default="无", eq=False, repr=False)
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Binary:
    op: str  # + - * /
    left: "Expr"
    right: "Expr"
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Neg:
    operand: "Expr"
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Compare:
    op: str  # < <= > >= == !=
    left: "Expr"
    right: "Expr"
    span: Span = _span()


@attrs.frozen(kw_only=True)
class InList:
    """`disease in 重特大疾病` (a declared list) or `grade in [1, 2, 3]` (literal items)."""

    item: "Expr"
    list_name: str | None
    items: tuple["Expr", ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class BoolOp:
    op: str  # and | or
    operands: tuple["Expr", ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Not:
    operand: "Expr"
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Adjust:
    """A setting relative to the less specific rule's: `reduced_by 50%`, `raised_by 5 个百分点`."""

    direction: str  # down | up
    amount: "Expr"
    span: Span = _span()


Expr = Union[Quantity, Ref, Call, Index, StringLit, DateLit, BoolLit, NoneLit, Binary, Neg, Compare,
             InList, BoolOp, Not, Adjust]


# ---------------------------------------------------------------- header

@attrs.frozen(kw_only=True)
class Header:
    name: str
    title: str | None
    doc_number: str | None
    issuers: tuple[str, ...]  # 发布机关, one per line: a joint notice has several
    issued: dt.date | None  # 成文日期: the day the document was signed
    in_force: dt.date | None
    valid_for: Quantity | None  # a duration: 5 年
    valid_until: dt.date | None
    supersedes: tuple[str, ...]
    repeals: tuple[str, ...]
    clause: "Clause | None"
    repeated: tuple["RepeatedField", ...] = ()  # a field written again: the checker reports it (E415)
    published: dt.date | None = None  # 发布日期: the day it was made public (often days after 成文日期)
    span: Span = _span()


@attrs.frozen(kw_only=True)
class RepeatedField:
    """A header field given a second time (its later occurrence, which the header ignores)."""

    key: str  # the field's attribute on Header: title, doc_number, issued, published, in_force, valid_for, …
    first: Span | None = attrs.field(default=None, eq=False, repr=False)  # where the field was first given
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Clause:
    """A citation of the source document, e.g. `四(六)`."""

    text: str
    span: Span = _span()


# ---------------------------------------------------------------- declarations

@attrs.frozen(kw_only=True)
class DatedValue:
    expr: Expr
    since: dt.date | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Param:
    name: str
    label: str | None
    type: str  # money | rate | date | number
    values: tuple[DatedValue, ...] | None  # None: published later (另行发布)
    published_later: bool
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Category:
    name: str
    label: str | None
    parent: str | None  # kind_of
    note: str | None
    clause: Clause | None
    aliases: tuple[str, ...] = ()  # 别名: other names data may use for it (最低生活保障对象 for 低保对象)
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Group:
    name: str
    label: str | None
    members: tuple[str, ...]
    note: str | None
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class IdentityRule:
    """One line of the identity block.

    kind: `highest` (就高), `order` (declared order, `names`), `month_end` (a lost identity holds to the end
    of its month), `stay_keeps_lost`, `stay_gains_new` (a hospital stay), `requires` (`texts`: prerequisites
    verified when the identity is granted).
    """

    kind: str
    names: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Identity:
    rules: tuple[IdentityRule, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Visit:
    name: str  # outpatient | chronic | inpatient, or 普通门诊 | 门诊慢特病 | 住院
    label: str | None
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Pool:
    name: str
    label: str | None
    visits: tuple[str, ...]
    shares: tuple[str, ...]  # deductible, cap
    split_by: Ref | None  # `分账 机构级别`: the pool's ledgers kept apart per value of this claim attribute
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Provision:
    """A part of the policy with its own period, e.g. Mianyang's clauses in force from 2022-09-01."""

    name: str
    label: str | None
    start: dt.date
    end: dt.date | None
    retroactive: bool
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class DiseaseList:
    name: str
    label: str | None
    items: tuple[str, ...]
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Setting:
    key: str  # deductible | ratio | cap | threshold
    value: Expr  # NoneLit for none, Adjust for a relative value
    per_claim: bool = False  # `起付标准 每次 800元`: of each claim alone, not of the year's running amount
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Rule:
    """`for 特困人员, 孤儿 in 慢特病和住院 when … during …: ratio 100% clause "四(六)"`."""

    who: tuple[str, ...]
    pools: tuple[str, ...]
    when: Expr | None
    during: str | None
    settings: tuple[Setting, ...]
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class TierCondition:
    """A condition of the whole tier; `otherwise` names the status a claim gets when it fails."""

    expr: Expr
    otherwise: str | None
    clause: Clause | None
    span: Span = _span()


TIER_KINDS = ("basic", "critical", "aid", "tilted")


@attrs.frozen(kw_only=True)
class Tier:
    kind: str  # one of TIER_KINDS
    name: str
    label: str | None
    clause: Clause | None
    base: Expr | None
    pools: tuple[str, ...]
    conditions: tuple[TierCondition, ...]
    during: str | None
    rules: tuple[Rule, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class BenefitRow:
    who: tuple[str, ...]
    when: Expr | None
    during: str | None
    kind: str  # amount | share | eligible
    value: Expr | None
    share_of: str | None  # the parameter a share is a share of
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class DueSpec:
    """A yearly date: month and day, in the same or the next year, plus an optional duration."""

    next_year: bool
    month: int
    day: int
    plus: Quantity | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class BenefitFlag:
    """`highest_only` (only the highest row is paid) or `no_waiting_period` (免除等待期)."""

    kind: str
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Benefit:
    name: str
    label: str | None
    clause: Clause | None
    rows: tuple[BenefitRow, ...]
    flags: tuple[BenefitFlag, ...]
    due: DueSpec | None
    span: Span = _span()

    @property
    def highest_only(self) -> bool:
        return any(f.kind == "highest_only" for f in self.flags)

    @property
    def no_waiting(self) -> bool:
        return any(f.kind == "no_waiting_period" for f in self.flags)


@attrs.frozen(kw_only=True)
class FundInput:
    name: str
    label: str | None
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class FundItem:
    name: str
    label: str | None
    expr: Expr
    due: DueSpec
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class FundCheck:
    name: str
    label: str | None
    expr: Expr
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Fund:
    name: str
    label: str | None
    clause: Clause | None
    inputs: tuple[FundInput, ...]
    items: tuple[FundItem, ...]
    checks: tuple[FundCheck, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Monitor:
    name: str
    label: str | None
    clause: Clause | None
    amount: Expr | None
    threshold: Expr | None
    push_day: Quantity | None  # the day of the next month by which the list is sent
    fields: tuple[str, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Target:
    name: str
    label: str | None
    expr: Expr
    clause: Clause | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class Ignore:
    """`忽略 A101 "理由"`: a finding of the static analysis (`aidlang check`) that the authors have looked at and
    accept, with their reason; it is no longer reported, and the tables print the reason. `忽略 A101 对 低收入救助对象
    "理由"` accepts only the findings about those names (categories, tiers, parameters, provisions)."""

    code: str
    reason: str
    names: tuple[str, ...] = ()  # empty: every finding of the code
    code_span: Span | None = attrs.field(default=None, eq=False, repr=False)
    names_span: Span | None = attrs.field(default=None, eq=False, repr=False)
    span: Span = _span()


# ---------------------------------------------------------------- tests inside a policy

@attrs.frozen(kw_only=True)
class Attr:
    """`key value` in a test line; keys are checked by the checker, values are literals or names."""

    key: str
    value: Expr  # Quantity | Ref | StringLit | DateLit | BoolLit | NoneLit
    span: Span = _span()


@attrs.frozen(kw_only=True)
class TestIdentity:
    person: str
    category: str
    start: dt.date
    end: dt.date | None
    span: Span = _span()


@attrs.frozen(kw_only=True)
class TestPerson:
    person: str
    attrs: tuple[Attr, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class TestParam:
    name: str
    value: Expr
    span: Span = _span()


@attrs.frozen(kw_only=True)
class TestClaim:
    claim: str
    person: str
    visit: str
    admission: dt.date
    discharge: dt.date
    attrs: tuple[Attr, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class TestExpenditure:
    county: str
    year: int
    amount: Quantity
    span: Span = _span()


@attrs.frozen(kw_only=True)
class ExpectClaim:
    claim: str
    attrs: tuple[Attr, ...]
    span: Span = _span()


@attrs.frozen(kw_only=True)
class ExpectBenefit:
    person: str
    benefit: str
    amount: Quantity | None  # None: listed with an empty amount
    span: Span = _span()


@attrs.frozen(kw_only=True)
class ExpectSchedule:
    county: str
    year: int
    item: str
    due: dt.date | None
    amount: Quantity
    span: Span = _span()


@attrs.frozen(kw_only=True)
class ExpectMonitor:
    person: str
    listed: bool
    amount: Quantity | None
    span: Span = _span()


TestItem = Union[TestIdentity, TestPerson, TestParam, TestClaim, TestExpenditure, ExpectClaim, ExpectBenefit,
                 ExpectSchedule, ExpectMonitor]


@attrs.frozen(kw_only=True)
class TestCase:
    name: str
    label: str | None
    year: int | None
    month: tuple[int, int] | None
    items: tuple[TestItem, ...]
    span: Span = _span()


Decl = Union[Param, Category, Group, Identity, Visit, Pool, Provision, DiseaseList, Tier, Benefit, Fund, Monitor,
             Target, TestCase]


@attrs.frozen(kw_only=True)
class Policy:
    header: Header
    decls: tuple[Decl, ...]
    span: Span = _span()

    def of_type(self, cls: type) -> list:
        return [d for d in self.decls if isinstance(d, cls)]
