"""Running the test cases written inside a policy (`测试` blocks).

Each case builds its records (identities, persons, parameters, claims, expenditures), settles them with a
fresh interpreter (or the policy's compiled module: `aidlang test --engine compiled`), and compares every
`预期…` value. A failure points at the expectation's span, with the expected and actual values and, for a
claim, the explanation of its settlement. `aidlang test` prints these.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

import attrs

from aidlang import runtime as rt
from aidlang.check.expressions import quantity_value
from aidlang.check.symbols import CLAIM_KEYS, PERSON_KEYS, RESULT_KEYS, STATUSES, VISIT_TYPES
from aidlang.documents.explanation import Step, explain
from aidlang.engines.interp.closures import EvalError
from aidlang.engines.interp.interpreter import ClaimError, Interpreter
from aidlang.frontend import nodes as n
from aidlang.frontend.source import Span
from aidlang.records import Claim, Expenditure, Identity, Person
from aidlang.runtime import MissingParameter

MONEY_FIELDS = ("basic_paid", "critical_paid", "aid_paid", "tilted_paid", "self_pay")
RESULT_STATUS_WORDS = {**STATUSES, "ok": "ok", "正常": "ok", "no_category": "no_category", "无类别": "no_category",
                       "not_in_force": "not_in_force", "不在施行期": "not_in_force"}


@attrs.frozen
class Failure:
    span: Span  # the failing expectation (or the case, for an error)
    what: str  # e.g. "c1 医疗救助支付"
    expected: str
    actual: str
    trace: tuple[Step, ...] = ()

    def message(self) -> str:
        return f"{self.span}: {self.what}: expected {self.expected}, got {self.actual}"


@attrs.frozen
class CaseResult:
    name: str
    label: str | None
    span: Span
    failures: tuple[Failure, ...]
    checks: int  # how many expected values were compared
    error_zh: str | None = None  # the case could not run (a missing parameter, a bad record)
    error_en: str | None = None

    @property
    def passed(self) -> bool:
        return not self.failures and self.error_zh is None


def run_policy_tests(checked: Any, lang: str = "zh", engine: str = "interp",
                     generated: str | None = None) -> list[CaseResult]:
    """Every test case of the policy, in file order, settled by the interpreter (`engine` "interp") or by the
    policy's compiled module ("compiled": `<generated>/<name>.py` when fresh — `--generated DIR`, default
    generated/ — else compiled in memory); explanations of failures always come from the interpreter."""
    make = None
    if engine == "compiled":
        from aidlang.engines.compiled.loader import load_module

        make = load_module(checked, directory=generated)[0].Policy
    return [run_case(checked, case, lang, make) for case in checked.policy.of_type(n.TestCase)]


def run_case(checked: Any, case: n.TestCase, lang: str = "zh", make=None) -> CaseResult:
    """One case; `make(params)` builds the engine that settles it (default: the interpreter)."""
    try:
        return _CaseRun(checked, case, lang, make or functools.partial(Interpreter, checked)).run()
    except MissingParameter as error:
        return CaseResult(case.name, case.label, case.span, (), 0, error.zh, error.en)
    except (EvalError, ArithmeticError, ValueError, KeyError, rt.PolicyRuntimeError) as error:
        return CaseResult(case.name, case.label, case.span, (), 0, f"无法运行：{error}", f"cannot run: {error}")


class _CaseRun:
    def __init__(self, checked, case: n.TestCase, lang: str, make):
        self.checked, self.case, self.lang = checked, case, lang
        self.symbols = checked.symbols
        items = case.items
        self.identities = [self._identity(i) for i in items if isinstance(i, n.TestIdentity)]
        self.persons = {p.person: self._person(p) for p in items if isinstance(p, n.TestPerson)}
        params = dict(self._param(p) for p in items if isinstance(p, n.TestParam))
        self.claims = [self._claim(c, row) for row, c in enumerate(
            (i for i in items if isinstance(i, n.TestClaim)), start=2)]
        self.expenditures = [Expenditure(e.county, e.year, _fen(e.amount)) for e in items
                             if isinstance(e, n.TestExpenditure)]
        self.engine = make(params)
        self.params = params
        self.failures: list[Failure] = []
        self.checks = 0

    # ------------------------------------------------------------ records from the test lines
    def _identity(self, item: n.TestIdentity) -> Identity:
        declared = self.symbols.category(item.category)
        return Identity(item.person, declared.name if declared else item.category, item.start, item.end)

    def _person(self, item: n.TestPerson) -> Person:
        fields: dict[str, Any] = {}
        for attr in item.attrs:
            key = PERSON_KEYS.get(attr.key)
            if key is None:
                raise ValueError(f"unknown person attribute {attr.key}")
            fields[key] = _literal(attr.value)
        return Person(item.person, **fields)

    def _param(self, item: n.TestParam) -> tuple[str, Any]:
        name = item.name
        declared = self.symbols.params.get(name) or next(
            (p for p in self.symbols.params.values() if p.label == name), None)
        if declared is None:
            raise ValueError(f"unknown parameter {name}")
        value = _literal(item.value)
        if declared.type == "money" and type(value) is not int:
            value = rt.to_fen(value)
        return declared.name, value

    def _claim(self, item: n.TestClaim, row: int) -> Claim:
        fields: dict[str, Any] = {}
        for attr in item.attrs:
            key = CLAIM_KEYS.get(attr.key)
            if key is None:
                raise ValueError(f"unknown claim attribute {attr.key}")
            fields[key] = _literal(attr.value)
        cost = fields.pop("policy_scope_cost", 0)
        return Claim(item.claim, item.person, VISIT_TYPES.get(item.visit, item.visit), item.admission,
                     item.discharge, cost, row=row, **fields)

    # ------------------------------------------------------------ comparing
    def run(self) -> CaseResult:
        items = self.case.items
        expect_claims = [i for i in items if isinstance(i, n.ExpectClaim)]
        if expect_claims:
            self._check_claims(expect_claims)
        expect_benefits = [i for i in items if isinstance(i, n.ExpectBenefit)]
        if expect_benefits:
            self._check_benefits(expect_benefits)
        expect_schedule = [i for i in items if isinstance(i, n.ExpectSchedule)]
        if expect_schedule:
            self._check_schedule(expect_schedule)
        expect_monitor = [i for i in items if isinstance(i, n.ExpectMonitor)]
        if expect_monitor:
            self._check_monitor(expect_monitor)
        case = self.case
        return CaseResult(case.name, case.label, case.span, tuple(self.failures), self.checks)

    def _fail(self, span, what, expected, actual, trace=()):
        self.failures.append(Failure(span, what, expected, actual, tuple(trace)))

    def _compare(self, span, what, expected, actual, trace_for: str | None = None) -> None:
        self.checks += 1
        if expected == actual:
            return
        trace: tuple | list = ()
        if trace_for is not None:
            try:
                interp = Interpreter(self.checked, self.params)
                trace = explain(interp, self.claims, self.identities, self.persons, trace_for, self.lang)
            except (ClaimError, KeyError):
                trace = ()
        self._fail(span, what, _show(expected), _show(actual), trace)

    def _check_claims(self, expects: list[n.ExpectClaim]) -> None:
        errors: list[ClaimError] = []
        results = {r.claim_id: r for r in self.engine.settle(self.claims, self.identities, self.persons, errors)}
        rejected = {e.claim_id: e for e in errors}
        for expect in expects:
            result = results.get(expect.claim)
            if result is None:
                error = rejected.get(expect.claim)
                zh = self.lang == "zh"
                if error is not None:
                    actual = f"拒收：{error.reason_zh}" if zh else f"rejected: {error.reason_en}"
                else:
                    actual = "没有这条就诊" if zh else "no such claim"
                self.checks += 1
                self._fail(expect.span, expect.claim, "结算成功" if zh else "a settled claim", actual)
                continue
            for attr in expect.attrs:
                key = RESULT_KEYS.get(attr.key, attr.key)
                what = f"{expect.claim} {attr.key}"
                if key in MONEY_FIELDS:
                    expected = _literal(attr.value)
                    if type(expected) is not int:
                        expected = rt.to_fen(expected)
                    self._compare(attr.span, what, _Money(expected), _Money(getattr(result, key)), expect.claim)
                elif key == "category":
                    self._compare(attr.span, what, self._category_text(attr.value), result.category, expect.claim)
                elif key == "status":
                    text = _text(attr.value)
                    self._compare(attr.span, what, RESULT_STATUS_WORDS.get(text, text), result.status, expect.claim)
                elif key == "basis":
                    self._compare(attr.span, what, _text(attr.value), result.basis, expect.claim)
                else:
                    self.checks += 1
                    self._fail(attr.span, what, "a result field", f"unknown key {attr.key}")

    def _category_text(self, value: n.Expr) -> str:
        text = _text(value)
        if text in ("", "无", "none"):
            return ""
        declared = self.symbols.category(text)
        return self.symbols.display_name(declared.name) if declared else text

    def _check_benefits(self, expects: list[n.ExpectBenefit]) -> None:
        year = self.case.year
        if year is None:
            raise ValueError("a test with 预期待遇 needs 年度 YYYY")
        rows = self.engine.annual(year, self.identities, self.persons)
        for expect in expects:
            benefit = self.symbols.benefits.get(expect.benefit)
            names = {expect.benefit} | ({benefit.label or benefit.name} if benefit else set())
            found = [r for r in rows if r.person_id == expect.person and r.benefit in names]
            what = f"{expect.person} {expect.benefit}"
            if not found:
                self.checks += 1
                self._fail(expect.span, what, _show_amount(expect.amount), "not granted")
                continue
            expected = None if expect.amount is None else _Money(_fen(expect.amount))
            actual = None if found[0].amount is None else _Money(found[0].amount)
            self._compare(expect.span, what, expected, actual)

    def _check_schedule(self, expects: list[n.ExpectSchedule]) -> None:
        rows = self.engine.funds(self.expenditures)
        for expect in expects:
            found = [r for r in rows if r.county == expect.county and r.item == expect.item and r.year == expect.year
                     and (expect.due is None or r.due == expect.due)]
            what = f"{expect.county} {expect.year} {expect.item}"
            if not found:
                self.checks += 1
                due = f" {expect.due}" if expect.due else ""
                self._fail(expect.span, what, f"{_show(_Money(_fen(expect.amount)))}{due}", "not scheduled")
                continue
            self._compare(expect.span, what, _Money(_fen(expect.amount)), _Money(found[0].amount))

    def _check_monitor(self, expects: list[n.ExpectMonitor]) -> None:
        month = self.case.month
        if month is None:
            raise ValueError("a test with 预期监测 needs 月份 YYYY-MM")
        rows = {r.person_id: r for r in self.engine.monitor(self.claims, month, self.identities, self.persons)}
        for expect in expects:
            row = rows.get(expect.person)
            what = f"{expect.person} {'列入' if expect.listed else '不列入'}"
            self._compare(expect.span, what, "列入" if expect.listed else "不列入", "列入" if row else "不列入")
            if expect.listed and row is not None and expect.amount is not None:
                self._compare(expect.span, f"{expect.person} 累计自付", _Money(_fen(expect.amount)),
                              _Money(row.cumulative_self_paid))


# ---------------------------------------------------------------- values of test lines

@attrs.frozen
class _Money:
    fen: int

    def __str__(self) -> str:
        return rt.format_yuan(self.fen) + "元"


def _show(value) -> str:
    if value is None:
        return "（空）"
    return str(value)


def _show_amount(q: n.Quantity | None) -> str:
    return "（空）" if q is None else _show(_Money(_fen(q)))


def _fen(q: n.Quantity) -> int:
    """An expected amount in fen; a bare number is read as yuan."""
    value = Fraction(q.value) * 100 if q.unit == "" else quantity_value(q)
    return rt.to_fen(value)


def _text(value: n.Expr) -> str:
    if isinstance(value, n.Ref):
        return value.name
    if isinstance(value, n.StringLit):
        return value.value
    if isinstance(value, n.NoneLit):
        return ""
    if isinstance(value, n.BoolLit):
        return "true" if value.value else "false"
    if isinstance(value, n.Quantity):
        return str(value.value)
    if isinstance(value, n.DateLit):
        return value.value.isoformat()
    return str(value)


def _literal(value: n.Expr) -> Any:
    """A test line's value: money in fen, rates as Fractions, numbers, dates, booleans, names as text."""
    if isinstance(value, n.Quantity):
        v = quantity_value(value)
        if value.unit == "yuan" and type(v) is not int:
            return rt.to_fen(v)
        return v
    if isinstance(value, (n.DateLit, n.BoolLit, n.StringLit)):
        return value.value
    if isinstance(value, n.NoneLit):
        return None
    if isinstance(value, n.Ref):
        return value.name
    raise ValueError(f"not a literal: {value!r}")


__all__ = ["CaseResult", "Failure", "run_policy_tests", "run_case"]
