"""The batch engine's lowering of the plan's expressions: an expression becomes a polars column expression over
the claims frame, exact — numbers are integer columns over a fixed denominator (85% × cost is `17·cost / 20`),
never floats.

What lowers: literals, parameters (one value per epoch, given by `param(name)`), the claim's values that are
never missing (cost, the amounts paid so far, referred, in province, visit type, year) and its disease (empty is
"none": a comparison with it is false, except `!=`), its institution level and a person's attributes (columns
`p_<attr>` the engine joins from persons.csv; `person_reads` records which, and the claim values a claim must
give, CLAIM_GIVEN, so that the persons missing one settle on the kernel, which rejects their claim where it
reads it), 年度累计自付 and 年度就诊次序 in the aid and tilted tiers (running sums over the person's year, basic
and critical insurance being settled by then), + − ×, comparisons, 且/或/非, `在 [...]` and declared lists,
较小值/较大值. Anything else — ÷, a test for a missing value — raises `Unsupported`, and the claims that would
read it settle on the sequential kernel instead.

Columns are 64-bit and wrap around silently, while the other engines count in Python's unbounded integers. So
each number lowered carries a bound on its numerator, from the run's largest amount and its longest person's
year (`Magnitude`): one that could reach LIMIT does not lower either (a rate of many decimals times a large
cost, the ledgers of a person's year of claims of 15-digit amounts), and its claims settle on the kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Iterable

import polars as pl

from aidlang.check.expressions import quantity_value
from aidlang.check.symbols import FUNCTIONS, VISIT_TYPES, builtin, missing_in_list, missing_test
from aidlang.frontend import nodes as n

# claims-frame columns of the builtins that lower
COLUMNS = {"policy_scope_cost": "cost", "basic_paid": "basic", "critical_paid": "critical", "aid_paid": "aid",
           "referred": "referred", "in_province": "in_province", "visit_type": "visit", "current_year": "year",
           "disease": "disease", "institution_level": "institution_level"}
MAY_BE_EMPTY = frozenset(("disease",))
CLAIM_GIVEN = frozenset(("institution_level",))  # a claim without one is rejected where a rule reads it
# a person's attributes: columns joined from persons.csv (age: on the discharge date)
PERSON_PREFIX = "p_"
# the running amounts of a person's year, over the claims settled before this one and this one
RUNNING = ("year_self_paid", "claim_rank")
YEAR_KEY = "person_year"  # the engine's column numbering (person, year)
YEAR_START = "year_start"  # the row of the engine's frame where the claim's person's year begins (`year_starts`)


class Unsupported(Exception):
    """An expression the columnar lowering does not express; the claims reading it go to the kernel."""


# The largest numerator a lowered number may reach: 2**63 / 16, so that the few such numbers a payment adds up
# (cost less four payments, a ledger's sum plus a claim's base) stay below 2**63.
LIMIT = 2 ** 59


@dataclass(frozen=True)
class Magnitude:
    """What bounds the numbers of a run: its largest amount in fen (a claim's or a person's; at least 10,000,
    which bounds ages and grades too) and the most claims of one person's year (a running sum's terms)."""

    amount: int
    claims: int

    def __post_init__(self):
        object.__setattr__(self, "amount", max(self.amount, 10_000))
        object.__setattr__(self, "claims", max(self.claims, 1))


def fits(bound: int) -> int:
    """The bound, when 64-bit columns hold every number below it exactly."""
    if bound >= LIMIT:
        raise Unsupported("a number too large for 64-bit columns")
    return bound


class Value:
    """A lowered expression: a number `expr / den` (`den` a positive int) whose numerator is below `bound` in
    size, or a bool or string column."""

    __slots__ = ("expr", "den", "kind", "nullable", "bound")

    def __init__(self, expr: pl.Expr, kind: str, den: int = 1, nullable: bool = False, bound: int = 0):
        self.expr, self.kind, self.den, self.nullable, self.bound = expr, kind, den, nullable, fits(bound)

    def over(self, den: int) -> pl.Expr:
        """The numerator over another denominator (a multiple of this one)."""
        return self.expr if den == self.den else self.expr * (den // self.den)

    def bound_over(self, den: int) -> int:
        return self.bound * (den // self.den)


def constant(value: Any) -> Value:
    if isinstance(value, bool):
        return Value(pl.lit(value), "bool")
    if isinstance(value, int):
        return Value(pl.lit(value, dtype=pl.Int64), "num", bound=abs(value) + 1)
    if isinstance(value, Fraction):
        return Value(pl.lit(value.numerator, dtype=pl.Int64), "num", value.denominator, bound=abs(value.numerator) + 1)
    if isinstance(value, str):
        return Value(pl.lit(value), "str")
    raise Unsupported(f"a constant {value!r}")


class Lowering:
    """Lowers the expressions of one policy; `param(name)` gives a parameter's value where it is evaluated."""

    def __init__(self, symbols, param: Callable[[str], Any], magnitude: Magnitude, kind: str = "aid"):
        self.symbols, self.param, self.magnitude, self.kind = symbols, param, magnitude, kind
        # the person attributes lowered (their columns must be known), and the CLAIM_GIVEN values
        self.person_reads: set[str] = set()

    def test(self, node: n.Expr) -> pl.Expr:
        """A condition as a boolean column (never null)."""
        found = self.lower(node)
        if found.kind != "bool":
            raise Unsupported("not a test")
        return found.expr.fill_null(False) if found.nullable else found.expr

    def money(self, node: n.Expr, rounds: bool) -> tuple[pl.Expr, int]:
        """A money value as an integer column of fen, rounded half-up at its root when `rounds`, and its bound."""
        found = self.lower(node)
        if found.kind != "num" or found.nullable:
            raise Unsupported("not an amount")
        if found.den == 1:
            return found.expr, found.bound
        if not rounds:
            raise Unsupported("an amount between two fen")
        fits(2 * found.bound + found.den)  # round_half_up's numerator
        return round_half_up(found.expr, found.den), found.bound // found.den + 1

    def lower(self, node: n.Expr) -> Value:
        if isinstance(node, n.Quantity):
            return constant(quantity_value(node))
        if isinstance(node, n.BoolLit):
            return constant(node.value)
        if isinstance(node, n.StringLit):
            return constant(node.value)
        if isinstance(node, n.Ref):
            return self.ref(node)
        if isinstance(node, n.Binary):
            return self.binary(node)
        if isinstance(node, n.Neg):
            inner = self.number(node.operand)
            return Value(-inner.expr, "num", inner.den, inner.nullable, inner.bound)  # runtime.negate_known
        if isinstance(node, n.Compare):
            return self.compare(node)
        if isinstance(node, n.BoolOp):
            parts = [self.test(x) for x in node.operands]
            combined = parts[0]
            for part in parts[1:]:
                combined = (combined & part) if node.op == "and" else (combined | part)
            return Value(combined, "bool")
        if isinstance(node, n.Not):
            return Value(~self.test(node.operand), "bool")
        if isinstance(node, n.InList):
            return self.in_list(node)
        if isinstance(node, n.Call):
            return self.call(node)
        raise Unsupported(type(node).__name__)

    def ref(self, node: n.Ref) -> Value:
        if node.name in self.symbols.params:
            return constant(self.param(node.name))
        b = builtin(node.name)
        if b is not None and b.name in COLUMNS:
            column = pl.col(COLUMNS[b.name])
            if b.type == "bool":
                return Value(column, "bool")
            if b.name in CLAIM_GIVEN:
                self.person_reads.add(b.name)
            if b.type == "string":
                return Value(column, "str", nullable=b.name in MAY_BE_EMPTY)
            return Value(column, "num", bound=self.magnitude.amount + 1)
        if b is not None and b.context == "person":
            self.person_reads.add(b.name)
            kind = {"string": "str", "bool": "bool"}.get(b.type, "num")
            return Value(pl.col(PERSON_PREFIX + b.name), kind, nullable=True, bound=self.magnitude.amount + 1)
        if b is None and node.name in VISIT_TYPES:  # `就诊方式 = 住院`
            return constant(VISIT_TYPES[node.name])
        raise Unsupported(node.name)

    def number(self, node: n.Expr) -> Value:
        found = self.lower(node)
        if found.kind != "num":
            raise Unsupported("not a number")
        return found

    def binary(self, node: n.Binary) -> Value:
        left, right = self.number(node.left), self.number(node.right)
        nullable = left.nullable or right.nullable  # missing in, missing out (runtime.known): null propagates
        if node.op == "*":
            return Value(left.expr * right.expr, "num", left.den * right.den, nullable, left.bound * right.bound)
        if node.op in "+-":
            den = math.lcm(left.den, right.den)
            a, b = left.over(den), right.over(den)
            return Value(a + b if node.op == "+" else a - b, "num", den, nullable,
                         left.bound_over(den) + right.bound_over(den))
        raise Unsupported(f"the operator {node.op}")

    def compare(self, node: n.Compare) -> Value:
        if missing_test(node) is not None:
            raise Unsupported("a test for a missing value")
        visit = _visit_side(node.left) or _visit_side(node.right)
        left, right = self.side(node.left, visit), self.side(node.right, visit)
        if left.kind == "num" and right.kind == "num":
            den = math.lcm(left.den, right.den)
            fits(left.bound_over(den) + right.bound_over(den))
            a, b = left.over(den), right.over(den)
        elif left.kind == right.kind:
            a, b = left.expr, right.expr
        else:
            raise Unsupported("a comparison of two kinds")
        op = node.op
        result = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
        if left.nullable or right.nullable:  # a missing value: unknown, only `!=` holds (one side missing)
            result = result.fill_null(op == "!=")
            if op == "!=" and left.nullable and right.nullable:  # both missing: not known to differ
                result = result & ~(a.is_null() & b.is_null())
        return Value(result, "bool")

    def side(self, node: n.Expr, visit: bool) -> Value:
        if visit and isinstance(node, n.StringLit):
            return constant(VISIT_TYPES.get(node.value, node.value))
        return self.lower(node)

    def in_list(self, node: n.InList) -> Value:
        if missing_in_list(node) is not None:
            raise Unsupported("a list with 无")
        visit = _visit_side(node.item)
        item = self.side(node.item, visit)
        if node.list_name is not None:
            declared = self.symbols.lists.get(node.list_name)
            if declared is None:
                raise Unsupported(f"the list {node.list_name}")
            members: list = list(declared.items)
        else:
            members = []
            for x in node.items:
                if isinstance(x, n.StringLit):
                    members.append(VISIT_TYPES.get(x.value, x.value) if visit else x.value)
                elif isinstance(x, n.Quantity) and item.kind == "num" and item.den == 1:
                    value = quantity_value(x)
                    if not isinstance(value, int):
                        raise Unsupported("a fraction in a list")
                    members.append(value)
                else:
                    raise Unsupported("a list item")
        if item.kind == "num" and item.den != 1:
            raise Unsupported("a fraction tested against a list")
        result = item.expr.is_in(members)
        return Value(result.fill_null(False) if item.nullable else result, "bool")

    def call(self, node: n.Call) -> Value:
        func = FUNCTIONS.get(node.func)
        if func in RUNNING:
            return self.running(func, node)
        if func not in ("min", "max"):
            raise Unsupported(node.func)
        args = [self.number(a) for a in node.args]
        den = math.lcm(*(a.den for a in args))
        pick = pl.min_horizontal if func == "min" else pl.max_horizontal
        picked = pick(*(a.over(den) for a in args))
        nullable = [a.expr for a in args if a.nullable]
        if nullable:  # runtime.pick_known: missing if any value is (polars' min/max would skip it)
            picked = pl.when(pl.any_horizontal([e.is_null() for e in nullable])).then(None).otherwise(picked)
        return Value(picked, "num", den, bool(nullable), max(a.bound_over(den) for a in args))

    def running(self, func: str, node: n.Call) -> Value:
        """年度累计自付 (`runtime.year_self_paid`): cost − basic − critical over the person's claims of those visit
        types this year, this one included; 年度就诊次序 (`runtime.year_claim_rank`): their count, this one
        included when its visit type is among them. Running sums in settlement order over (person, year): every
        claim of the frame settles and counts. Only once basic and critical insurance are settled (aid, tilted)."""
        if self.kind not in ("aid", "tilted"):
            raise Unsupported(f"{func} before the insurance is settled")
        try:
            visits = list(self.symbols.running_visits(node.args))
        except ValueError:
            raise Unsupported(f"{func} of something not a visit type") from None
        counted = pl.col("visit").is_in(visits)
        amount = pl.col("cost") - pl.col("basic") - pl.col("critical") if func == "year_self_paid" else pl.lit(1)
        each = 3 * self.magnitude.amount if func == "year_self_paid" else 1
        return Value(running_sum(pl.when(counted).then(amount).otherwise(0)), "num",
                     bound=self.magnitude.claims * each + 1)


def running_sum(value: pl.Expr, total: pl.Expr | None = None) -> pl.Expr:
    """The running sum of `value` (this row's included, a missing value counted 0) within the claim's person's
    year. The engine's frame is in settlement order, so a person's year is one run of rows, which begins at the
    row YEAR_START gives: the sum is the whole column's cumulative sum (`total`, made here where None) less what
    it was before that row — no grouping, several times faster than a window. Int64 sums wrap around, and a
    difference of wrapped sums is still exact."""
    value = value.fill_null(0)
    total = value.cum_sum() if total is None else total
    return total - (total - value).gather(pl.col(YEAR_START))


def year_starts() -> pl.Expr:
    """YEAR_START of a frame in settlement order: the row where each claim's person's year begins."""
    run = pl.col(YEAR_KEY)
    return pl.when(run.ne_missing(run.shift(1))).then(pl.int_range(pl.len(), dtype=pl.Int64)).forward_fill()


def with_ledger_sum(frame: pl.DataFrame, name: str, value: pl.Expr, slot: str, slots: Iterable[int]
                    ) -> pl.DataFrame:
    """The frame with `name`, the `running_sum` of `value` in each claim's ledger (a person's year holds one
    ledger per slot, its claims interleaved): the sum of the claim's own slot, missing where it has none. The
    slots' cumulative sums are made first, each a column (polars makes them side by side), then taken apart."""
    mine = {number: pl.col(slot) == number for number in slots}
    parts = {number: pl.when(test).then(value).otherwise(0).fill_null(0) for number, test in mine.items()}
    frame = frame.with_columns(**{f"{name}_{number}": part.cum_sum() for number, part in parts.items()})
    chain = pl.lit(None, dtype=pl.Int64)
    for number in parts:
        total = pl.col(f"{name}_{number}")
        through_row_before = total.shift(1, fill_value=0)  # (the slot's part is not made again)
        chain = pl.when(mine[number]).then(total - through_row_before.gather(pl.col(YEAR_START))).otherwise(chain)
    return frame.with_columns(**{name: chain}).drop(*(f"{name}_{number}" for number in parts))


def round_half_up(numerator: pl.Expr, den: int) -> pl.Expr:
    """numerator / den rounded to the nearest integer, halves away from zero (`runtime.round_half_up`)."""
    up = (2 * numerator + den) // (2 * den)
    down = -((-2 * numerator + den) // (2 * den))
    return pl.when(numerator >= 0).then(up).otherwise(down)


def _visit_side(node) -> bool:
    return isinstance(node, n.Ref) and (b := builtin(node.name)) is not None and b.name == "visit_type"
