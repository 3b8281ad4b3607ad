"""Evaluating expressions: each node class compiles once to a Python closure over an `Env`.

Values at run time: money is `int` fen (a `Fraction` of fen inside an expression, rounded half-up to the fen
at the root of a money-valued expression), rates and percentage points are exact `Fraction`s of 1
(85% = 17/20, 5个百分点 = 1/20), numbers are `int` or `Fraction`, plus `bool`, `str` and `date`.

Compiling instead of walking the tree per claim is what makes the interpreter fast; the dispatch table
`COMPILERS` has one entry per expression node class (a test checks that none is missing).
"""

from __future__ import annotations

import typing
from typing import Any, Callable

from aidlang import runtime as rt
from aidlang.check.expressions import (
    is_static,
    mentions_params,
    never_none,
    quantity_value,
    visit_side,
)
from aidlang.check.symbols import (
    FUNCTIONS,
    VISIT_TYPES,
    Symbols,
    builtin,
    missing_in_list,
    missing_test,
    rejects_when_missing,
)
from aidlang.frontend import nodes as n

Fn = Callable[[Any], Any]  # env (a runtime.ClaimEnv, or None for a constant) → value




class EvalError(Exception):
    """An expression that cannot be evaluated (the checker should have caught it); carries the node's span."""

    def __init__(self, message: str, node: object = None):
        self.node = node
        span = getattr(node, "span", None)
        super().__init__(f"{span}: {message}" if span is not None else message)




Env = rt.ClaimEnv  # what an expression reads (the settlement loop's environment)


# ---------------------------------------------------------------- the evaluator

class Evaluator:
    """Lowers a policy's expressions to closures over a `runtime.ClaimEnv` (the interpreter's lowering of the
    plan). Parameters are read from the environment (`env.params`), so one lowering serves every `--param`."""

    def __init__(self, symbols: Symbols):
        self.symbols = symbols
        self._cache: dict[int, Fn] = {}

    def lower(self, expression: rt.Expression) -> Fn:
        """A plan's expression as a closure, rounded half-up to the fen where the plan says so."""
        fn = self.compile(expression.node, expression.locals)
        if not expression.rounds:
            return fn

        money_value = rt.money_value
        return lambda env: money_value(fn(env))

    # ------------------------------------------------------------ compiling
    def compile(self, expr: n.Expr, locals_: frozenset[str] = frozenset()) -> Fn:
        """The closure computing `expr` exactly (no rounding)."""
        key = id(expr) if not locals_ else None
        if key is not None and key in self._cache:
            return self._cache[key]
        try:
            compiler = COMPILERS[type(expr)]
        except KeyError:
            raise EvalError(f"cannot evaluate a {type(expr).__name__}", expr) from None
        fn = compiler(expr, self, locals_)
        if key is not None:
            self._cache[key] = fn
        return fn


# ---------------------------------------------------------------- one compiler per node class

def _quantity(expr: n.Quantity, ev: Evaluator, locals_) -> Fn:
    value = quantity_value(expr)
    return lambda env: value


def _constant(value) -> Fn:
    return lambda env: value


def _claim_reader(attr: str) -> Fn:
    def read(env):
        return getattr(env.claim, attr)
    return read


def _missable_reader(attr: str, line: int) -> Fn:
    """A value the data may leave out: `MissingValue` (the claim is rejected) when it does."""
    if attr == "age":
        return lambda env: rt.person_age(env, line)
    if attr == "institution_level":
        return lambda env: rt.level_of(env.claim, line)
    return lambda env: rt.person_attr(env, attr, line)


def _missing_or_value(attr: str) -> Fn:
    """A value the data may leave out, where the policy tests for a missing one itself (`家庭年收入 = 无`)."""
    if attr == "age":
        return lambda env: rt.age_or_none(env.person, env.date)
    if attr == "institution_level":
        return lambda env: env.claim.institution_level
    return lambda env: rt.attr_or_none(env.person, attr)


def _not_settled(name: str) -> Fn:
    def fail(env):
        raise EvalError(f"{name} is a control target, not a value of a claim")
    return fail


BUILTIN_READERS: dict[str, Fn] = {
    "policy_scope_cost": _claim_reader("policy_scope_cost"),
    "basic_paid": lambda env: env.basic,
    "critical_paid": lambda env: env.critical,
    "aid_paid": lambda env: env.aid,
    "referred": _claim_reader("referred"),
    "in_province": _claim_reader("in_province"),
    "disease": _claim_reader("disease"),
    "visit_type": _claim_reader("visit_type"),
    "current_year": lambda env: env.year,
    "self_pay_share": _not_settled("self_pay_share"),
    "in_county": _not_settled("in_county"),
}


def _ref(expr: n.Ref, ev: Evaluator, locals_) -> Fn:
    name = expr.name
    if name in locals_:  # a fund series or item: this year's value
        return lambda env: env.series(name, env.year)
    if name in ev.symbols.params:
        return lambda env: env.params.value(name, env.date)
    b = builtin(name)
    if b is not None:
        if rejects_when_missing(b):
            return _missable_reader(b.name, expr.span.line if expr.span is not None else 0)
        return BUILTIN_READERS[b.name]
    if name in VISIT_TYPES:  # `就诊方式 = 住院`
        return _constant(VISIT_TYPES[name])
    raise EvalError(f"unknown name {name}", expr)


RUNNING = {"year_self_paid": rt.year_self_paid, "claim_rank": rt.year_claim_rank}


def _call(expr: n.Call, ev: Evaluator, locals_) -> Fn:
    func = FUNCTIONS.get(expr.func)
    if func in RUNNING:  # 年度累计自付, 年度就诊次序: over the person's ledgers, by visit type
        try:
            chosen = ev.symbols.running_visits(expr.args)
        except ValueError as error:
            raise EvalError(f"{error} is not a visit type", expr) from None
        running = RUNNING[func]
        return lambda env: running(env, chosen)
    if func in ("min", "max"):
        args = [ev.compile(a, locals_) for a in expr.args]
        pick = min if func == "min" else max
        if all(never_none(a, ev.symbols, locals_) for a in expr.args):
            return lambda env: pick(f(env) for f in args)
        return lambda env: rt.pick_known(pick, *(f(env) for f in args))
    raise EvalError(f"unknown function {expr.func}", expr)


def _index(expr: n.Index, ev: Evaluator, locals_) -> Fn:
    name = expr.name
    index = ev.compile(expr.index, locals_)
    return lambda env: env.series(name, int(index(env)))


def _string(expr: n.StringLit, ev, locals_) -> Fn:
    return _constant(expr.value)


def _date(expr: n.DateLit, ev, locals_) -> Fn:
    return _constant(expr.value)


def _bool(expr: n.BoolLit, ev, locals_) -> Fn:
    return _constant(expr.value)


def _none(expr: n.NoneLit, ev, locals_) -> Fn:
    return _constant(None)


_ARITH = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": rt.divide}


def _binary(expr: n.Binary, ev: Evaluator, locals_) -> Fn:
    left, right = ev.compile(expr.left, locals_), ev.compile(expr.right, locals_)
    op = _ARITH[expr.op]
    if is_static(expr, ev.symbols) and not mentions_params(expr):
        value = op(left(None), right(None))  # a literal: fold it once
        return _constant(value)
    if never_none(expr, ev.symbols, locals_):
        return lambda env: op(left(env), right(env))
    known = rt.known
    return lambda env: known(op, left(env), right(env))  # a missing person attribute: missing


def _neg(expr: n.Neg, ev: Evaluator, locals_) -> Fn:
    operand = ev.compile(expr.operand, locals_)
    if never_none(expr, ev.symbols, locals_):
        return lambda env: -operand(env)
    return lambda env: rt.negate_known(operand(env))


def _as_visit(fn: Fn) -> Fn:
    def normalised(env):
        v = fn(env)
        return VISIT_TYPES.get(v, v) if isinstance(v, str) else v
    return normalised


_COMPARE = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}


def _compare(expr: n.Compare, ev: Evaluator, locals_) -> Fn:
    tested = missing_test(expr)
    if tested is not None:  # `家庭年收入 = 无`: the policy says what a missing value means
        value, missing = _missing_or_value(tested), expr.op == "=="
        return lambda env: (value(env) is None) is missing
    left, right = ev.compile(expr.left, locals_), ev.compile(expr.right, locals_)
    if visit_side(expr.left) or visit_side(expr.right):  # `就诊方式 = "住院"` means inpatient
        left, right = _as_visit(left), _as_visit(right)
    op = _COMPARE[expr.op]
    unknown = expr.op == "!="  # a missing person attribute is unknown: only `!=` holds

    def compare(env):
        a, b = left(env), right(env)
        if a is None or b is None:
            return unknown and not (a is None and b is None)
        return op(a, b)
    return compare


def _in_list(expr: n.InList, ev: Evaluator, locals_) -> Fn:
    tested = missing_in_list(expr)  # `残疾等级 在 [无, 3, 4]`: the policy says what a missing one means
    item = _missing_or_value(tested) if tested is not None else ev.compile(expr.item, locals_)
    if visit_side(expr.item):
        item = _as_visit(item)
    if expr.list_name is not None:
        declared = ev.symbols.lists.get(expr.list_name)
        if declared is None:
            raise EvalError(f"unknown list {expr.list_name}", expr)
        members = frozenset(declared.items)
        return lambda env: item(env) in members
    parts = [ev.compile(x, locals_) for x in expr.items]
    if visit_side(expr.item):
        parts = [_as_visit(p) for p in parts]
    if all(is_static(x, ev.symbols) and not mentions_params(x) for x in expr.items):
        fixed = frozenset(p(None) for p in parts)
        return lambda env: item(env) in fixed
    return lambda env: item(env) in {p(env) for p in parts}


def _bool_op(expr: n.BoolOp, ev: Evaluator, locals_) -> Fn:
    parts = [ev.compile(x, locals_) for x in expr.operands]
    if expr.op == "and":
        if len(parts) == 2:
            a, b = parts
            return lambda env: bool(a(env)) and bool(b(env))
        return lambda env: all(p(env) for p in parts)
    return lambda env: any(p(env) for p in parts)


def _not(expr: n.Not, ev: Evaluator, locals_) -> Fn:
    operand = ev.compile(expr.operand, locals_)
    return lambda env: not operand(env)


def _adjust(expr: n.Adjust, ev: Evaluator, locals_) -> Fn:
    """The amount of a relative setting; `cascade.adjust` applies it to the value so far."""
    return ev.compile(expr.amount, locals_)


COMPILERS: dict[type, Callable[[Any, Evaluator, frozenset], Fn]] = {
    n.Quantity: _quantity, n.Ref: _ref, n.Call: _call, n.Index: _index, n.StringLit: _string,
    n.DateLit: _date, n.BoolLit: _bool, n.NoneLit: _none, n.Binary: _binary, n.Neg: _neg,
    n.Compare: _compare, n.InList: _in_list, n.BoolOp: _bool_op, n.Not: _not, n.Adjust: _adjust,
}

EXPRESSION_CLASSES: tuple[type, ...] = typing.get_args(n.Expr)
