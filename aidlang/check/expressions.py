"""What the front end knows of an expression without evaluating it: its literal values, static type, whether
it is fixed for a date range, whether it can be missing or fall between two fen, the nodes and columns a
policy reads. The planner, the engines' lowerings and synth all ask these of the same tree.
"""

from __future__ import annotations

import typing
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs

from aidlang.check.symbols import FUNCTIONS, VISIT_TYPES, Symbols, builtin, rejects_when_missing
from aidlang.frontend import nodes as n

# ---------------------------------------------------------------- static types

def quantity_value(q: n.Quantity) -> Any:
    """A literal's run-time value: yuan → fen, % and 个百分点 → Fraction of 1, plain numbers and ages as numbers."""
    v: Decimal = q.value
    if q.unit == "yuan":
        return _exact(v * 100)
    if q.unit in ("percent", "pp"):
        return Fraction(v) / 100
    return _exact(v)


def _exact(v: Decimal) -> int | Fraction:
    f = Fraction(v)
    return f.numerator if f.denominator == 1 else f


_UNIT_TYPES = {"yuan": "money", "percent": "rate", "pp": "pp", "": "number", "age": "number",
               "year": "duration", "month": "duration", "day": "duration"}


def type_of(expr: n.Expr, symbols: Symbols, locals_: frozenset[str] = frozenset()) -> str:
    """The static type of an expression: money, rate, pp, number, bool, string, date, duration, none."""
    if isinstance(expr, n.Quantity):
        return _UNIT_TYPES.get(expr.unit, "number")
    if isinstance(expr, n.Ref):
        if expr.name in locals_:
            return "money"
        if expr.name in symbols.params:
            return symbols.params[expr.name].type
        found = builtin(expr.name)
        if found is not None:
            return found.type
        return "string"
    if isinstance(expr, n.Call):
        func = FUNCTIONS.get(expr.func)
        if func == "year_self_paid":
            return "money"
        if func == "claim_rank":
            return "number"
        return type_of(expr.args[0], symbols, locals_) if expr.args else "number"
    if isinstance(expr, n.Index):
        return "money"
    if isinstance(expr, (n.StringLit,)):
        return "string"
    if isinstance(expr, n.DateLit):
        return "date"
    if isinstance(expr, (n.BoolLit, n.Compare, n.InList, n.BoolOp, n.Not)):
        return "bool"
    if isinstance(expr, n.NoneLit):
        return "none"
    if isinstance(expr, n.Neg):
        return type_of(expr.operand, symbols, locals_)
    if isinstance(expr, n.Adjust):
        return type_of(expr.amount, symbols, locals_)
    if isinstance(expr, n.Binary):
        a, b = type_of(expr.left, symbols, locals_), type_of(expr.right, symbols, locals_)
        if expr.op in "+-":
            if "money" in (a, b):
                return "money"
            if a in ("rate", "pp") or b in ("rate", "pp"):
                return "rate"
            return a
        if expr.op == "*":
            if "money" in (a, b):
                return "money"
            if "rate" in (a, b) or "pp" in (a, b):
                return "rate"
            return "number"
        if a == "money":
            return "rate" if b == "money" else "money"
        if a in ("rate", "pp"):
            return "rate"
        return "number"
    raise TypeError(f"no type for {type(expr).__name__}")


def is_static(expr: n.Expr | None, symbols: Symbols) -> bool:
    """True when the value depends only on literals and parameters (so it is fixed for a date range)."""
    if expr is None:
        return True
    if isinstance(expr, n.Ref):
        return expr.name in symbols.params or (builtin(expr.name) is None and expr.name in VISIT_TYPES)
    if isinstance(expr, (n.Call, n.Index)):
        return False
    return all(is_static(child, symbols) for child in children(expr))


# claim values that are always there (a person's attributes and age may be missing: None)
NEVER_NONE = frozenset(("policy_scope_cost", "basic_paid", "critical_paid", "aid_paid", "referred", "in_province",
                        "visit_type", "current_year"))


def never_none(expr: n.Expr, symbols: Symbols, locals_=()) -> bool:
    """True when the value can never be missing, so arithmetic and comparisons on it need no test for None
    (docs/semantics.md, "Missing person attributes"); both engines ask this of the same tree."""
    if isinstance(expr, (n.Quantity, n.StringLit, n.BoolLit, n.DateLit)):
        return True
    if isinstance(expr, n.Ref):
        if expr.name in symbols.params or expr.name in locals_:
            return True
        b = builtin(expr.name)
        return b.name in NEVER_NONE if b is not None else expr.name in VISIT_TYPES
    if isinstance(expr, n.Binary):
        return never_none(expr.left, symbols, locals_) and never_none(expr.right, symbols, locals_)
    if isinstance(expr, n.Neg):
        return never_none(expr.operand, symbols, locals_)
    if isinstance(expr, n.Call):  # 年度累计自付 is a sum of amounts; 最小/最大 are missing when an argument is
        return (FUNCTIONS.get(expr.func) in ("year_self_paid", "claim_rank")
                or all(never_none(a, symbols, locals_) for a in expr.args))
    # a fund series has a value or fails the run; a test is true or false
    return isinstance(expr, (n.Index, n.Compare, n.InList, n.BoolOp, n.Not))


OPTIONAL_CLAIM_COLUMNS = ("disease", "institution_level")  # claims.csv columns a policy may read


def claim_columns_read(policy: n.Policy) -> dict[str, int]:
    """The optional claims.csv columns the policy's expressions read → the first line reading each (the file
    must then have the column: data.Vocabulary.needed_columns)."""
    found: dict[str, int] = {}
    for node in policy_nodes(policy):
        if isinstance(node, n.Ref) and (b := builtin(node.name)) is not None and b.name in OPTIONAL_CLAIM_COLUMNS:
            line = node.span.line if node.span is not None else 0
            found[b.name] = min(found.get(b.name, line), line)
    return found


def texts_compared(policy: n.Policy, column: str) -> tuple[str, ...] | None:
    """The texts the policy compares a claims.csv column with (`机构级别 = "三级"`, `机构级别 在 ["一级", "二级"]`),
    in the order the policy first writes them; None when no expression compares it with a text. A value of the
    data among none of them meets none of those tests."""
    found: dict[str, tuple[int, int]] = {}  # text → where first written

    def is_column(node) -> bool:
        return isinstance(node, n.Ref) and (b := builtin(node.name)) is not None and b.name == column

    def note(literal: n.StringLit) -> None:
        where = (literal.span.line, literal.span.column) if literal.span is not None else (0, 0)
        found[literal.value] = min(found.get(literal.value, where), where)

    for node in policy_nodes(policy):
        if isinstance(node, n.Compare) and node.op in ("==", "!="):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if is_column(side) and isinstance(other, n.StringLit):
                    note(other)
        elif isinstance(node, n.InList) and is_column(node.item):
            for item in node.items:
                if isinstance(item, n.StringLit):
                    note(item)
    return tuple(sorted(found, key=found.__getitem__)) if found else None


def policy_nodes(policy) -> typing.Iterator:
    """Every node of a policy's tree, or of any node's (no order)."""
    stack: list = [policy]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, tuple):
            stack.extend(node)
        elif attrs.has(type(node)):
            stack.extend(getattr(node, f.name) for f in attrs.fields(type(node)) if f.name != "span")


def builtins_read(policy: n.Policy) -> frozenset[str]:
    """The builtin names (canonical) the policy's expressions read."""
    return frozenset(b.name for node in policy_nodes(policy) if isinstance(node, n.Ref) and (b := builtin(node.name)))


def reads_optional(policy: n.Policy) -> bool:
    """Does any expression of the policy read a value the data may leave out (`rejects_when_missing`)? Only
    then can a claim be rejected half-way, so only then do the engines settle each claim on a trial ledger."""
    return any(isinstance(node, n.Ref) and (b := builtin(node.name)) is not None and rejects_when_missing(b)
               for node in policy_nodes(policy))


def policy_source(policy: n.Policy) -> str:
    """The `.aid` file's name, as messages name a line of it (`wuhai.aid:79`)."""
    span = policy.span or policy.header.span
    return Path(span.file).name if span is not None and span.file else ""


def children(expr) -> list:
    """The sub-expressions of an expression."""
    if isinstance(expr, (n.Binary, n.Compare)):
        return [expr.left, expr.right]
    if isinstance(expr, (n.Neg, n.Not)):
        return [expr.operand]
    if isinstance(expr, n.BoolOp):
        return list(expr.operands)
    if isinstance(expr, n.InList):
        return [expr.item, *expr.items]
    if isinstance(expr, n.Adjust):
        return [expr.amount]
    if isinstance(expr, n.Call):
        return list(expr.args)
    if isinstance(expr, n.Index):
        return [expr.index]
    return []


def may_split_fen(expr) -> bool:
    """Can the value fall between two fen? Only through × and ÷ (parameters and series are whole fen)."""
    if isinstance(expr, n.Binary) and expr.op in "*/":
        return True
    return any(may_split_fen(c) for c in children(expr))


def mentions_params(expr) -> bool:
    if isinstance(expr, n.Ref):
        return True
    return any(mentions_params(c) for c in children(expr))


def visit_side(expr) -> bool:
    return isinstance(expr, n.Ref) and (b := builtin(expr.name)) is not None and b.name == "visit_type"
