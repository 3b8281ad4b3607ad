"""The Python-module backend: the settlement plan of a checked policy, lowered to the source of a module.

`render(checked)` returns the text of `generated/<name>.py`. The module is the plan (`runtime.plan`) written
out: one function per policy expression that is not a literal — a tier's base, a condition, a rule's condition
or computed setting, a parameter's formula — named for what it computes, then the plan's records (tiers,
rules, cascades, steps, routes) as literals that name those functions, and `Policy(params)`, the one
settlement loop (`runtime.PlanSettler`) on that plan. So the compiled module and the interpreter differ only
in how expressions are evaluated: closures over the tree there, the functions here. A table (`LINE_AT`) maps
the module's lines back to the `.aid` lines they compute, so a runtime error names the policy line.

Safety: the text is written with a small writer (`Writer.line`/`indent`), never a template. Everything that
comes from the policy reaches the module only as `repr()` of a value, or inside a comment escaped by `repr`
(newlines included), or as an identifier made by `Names`, which keeps letters, digits and `_` of the NFKC
form (what Python itself compares identifiers by), and avoids keywords, builtins, the module's own names and
each other. Output is deterministic: declaration order and sorted tables only, no timestamps, no ids.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
import keyword
import re
import unicodedata
from contextlib import contextmanager
from fractions import Fraction

from aidlang import runtime as rt
from aidlang.check.expressions import never_none, quantity_value, visit_side
from aidlang.check.symbols import (
    FUNCTIONS,
    VISIT_LABELS,
    VISIT_TYPES,
    builtin,
    missing_in_list,
    missing_test,
    rejects_when_missing,
)
from aidlang.frontend import nodes as n
from aidlang.plan import build_plan
from aidlang.plan.build import written
from aidlang.records import VISITS

# the runtime names a module may import: the plan's records, the default bases and what expressions call
RECORDS = ("Benefit", "BenefitRule", "Cascade", "Condition", "Constant", "Epoch", "Fund", "FundCheck", "FundItem",
           "Monitor", "Param", "ParamValue", "PolicyPlan", "Route", "Rule", "Setting", "Step", "Tier")
RUNTIME_NAMES = ("PlanSettler", "source_line", "cost", "cost_after_basic", "cost_after_insurance", "cost_after_aid",
                 "adjust", "age_or_none", "attr_or_none", "compare_known", "divide", "known", "level_of",
                 "money_value", "negate_known", "person_age", "person_attr", "pick_known", "visit_name",
                 "year_claim_rank", "year_self_paid") + RECORDS
RESERVED = frozenset(("Policy", "PLAN", "SOURCE", "LINE_AT", "Fraction", "date", "operator", "self", "env")
                     + RUNTIME_NAMES)
HOISTED = (rt.Tier, rt.Rule, rt.Cascade, rt.Condition, rt.Step, rt.Route)  # printed once each, by name


RUNNING = {"year_self_paid": "year_self_paid", "claim_rank": "year_claim_rank"}  # the runtime's readers


class CompileError(Exception):
    """A construct the Python backend cannot translate (the checker lets through nothing it needs here)."""


# ---------------------------------------------------------------- writing Python text

class Writer:
    """Lines of Python at an indentation level."""

    def __init__(self):
        self.lines: list[str] = []
        self.level = 0
        self.at: dict[int, int] = {}  # index of a line → the `.aid` line it computes

    def line(self, text: str = "", at: int = 0) -> None:
        if at:
            self.at[len(self.lines)] = at
        self.lines.append(("    " * self.level + text) if text else "")

    @contextmanager
    def indent(self):
        self.level += 1
        try:
            yield
        finally:
            self.level -= 1

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"

    def uses(self, name: str) -> bool:
        word = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
        return any(word.search(line) for line in self.lines if not line.lstrip().startswith("#"))


def comment(text: str) -> str:
    """Policy text safe inside a `#` comment: escaped as `repr` escapes it (newlines become `\\n`)."""
    return repr(str(text))[1:-1]


class Names:
    """Python identifiers for policy names: the NFKC form's letters, digits and `_`, never a keyword, builtin
    or reserved name, and never two alike (Python compares identifiers by NFKC, so `ｆｏｏ` is `foo`)."""

    def __init__(self, reserved=RESERVED):
        self.used: set[str] = set(reserved)

    def make(self, prefix: str, hint: str = "") -> str:
        text = unicodedata.normalize("NFKC", f"{prefix}_{hint}" if hint else prefix)
        chars = [ch if ("_" + ch).isidentifier() else "_" for ch in text]
        name = unicodedata.normalize("NFKC", "".join(chars)).strip("_") or "name"
        if not name.isidentifier() or not name[0].isidentifier():
            name = "n_" + name
        if keyword.iskeyword(name) or keyword.issoftkeyword(name) or hasattr(builtins, name) or \
                name.startswith("__"):
            name += "_"
        base, i = name, 2
        while name in self.used or not name.isidentifier():
            name = f"{base}_{i}"
            i += 1
        self.used.add(name)
        return name


# ---------------------------------------------------------------- expressions

# How an expression reads the claim and the amounts paid so far, from `env` (a runtime.ClaimEnv)
ENV_READERS = {
    "policy_scope_cost": "env.claim.policy_scope_cost", "basic_paid": "env.basic",
    "critical_paid": "env.critical", "aid_paid": "env.aid", "referred": "env.claim.referred",
    "in_province": "env.claim.in_province", "disease": "env.claim.disease",
    "visit_type": "env.claim.visit_type",
    "current_year": "env.year",
}
OPS = {"+": "+", "-": "-", "*": "*", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}
ARITH_FUNCS = {"+": "operator.add", "-": "operator.sub", "*": "operator.mul", "/": "divide"}
OPERATOR_FUNCS = {"<": "operator.lt", "<=": "operator.le", ">": "operator.gt", ">=": "operator.ge",
                  "==": "operator.eq", "!=": "operator.ne"}


class Constants:
    """Module-level constants for values that are not plain literals (exact rates, dates, sets)."""

    def __init__(self, names: Names):
        self.names = names
        self.by_value: dict[tuple, str] = {}
        self.lines: list[tuple[str, str]] = []

    def get(self, key: tuple, hint: str, source: str) -> str:
        found = self.by_value.get(key)
        if found is None:
            found = self.by_value[key] = self.names.make(hint.upper())
            self.lines.append((found, source))
        return found

    def value(self, v) -> str:
        """Python text for a run-time value (int, bool, str, None, Fraction, date)."""
        if v is None or type(v) in (int, bool, str):
            return repr(v)
        if type(v) is Fraction:
            return self.get(("F", v.numerator, v.denominator), f"R_{v.numerator}_{v.denominator}",
                            f"Fraction({v.numerator!r}, {v.denominator!r})")
        if type(v) is dt.date:
            return self.get(("D", v.toordinal()), f"D_{v.isoformat().replace('-', '_')}",
                            f"date({v.year!r}, {v.month!r}, {v.day!r})")
        raise CompileError(f"no literal for {type(v).__name__}")

    def frozen(self, values) -> str:
        items = sorted(values, key=lambda v: (type(v).__name__, repr(v)))
        text = "frozenset((" + ", ".join(self.value(v) for v in items) + ("," if len(items) == 1 else "") + "))"
        return self.get(("S", text), f"SET_{len(self.lines) + 1}", text)


class ExprGen:
    """One Python expression over `env` (a `runtime.ClaimEnv`) per policy expression, computing exactly what the
    interpreter's closures compute (`engines/interp/closures.py`)."""

    def __init__(self, symbols, consts: Constants):
        self.symbols, self.consts = symbols, consts
        self.locals: frozenset[str] = frozenset()  # a fund's series and items, while lowering its expressions

    def lowered(self, e: rt.Expression) -> str:
        """A plan's expression, rounded half-up to the fen at its root where the plan says so."""
        text = self.expr(e.node)
        return f"money_value({text})" if e.rounds else text

    def visit_value(self, text: str, expr: n.Expr) -> str:
        """A side of a visit-type comparison as a canonical visit name: literals are canonical already; anything
        else goes through `visit_name`."""
        if isinstance(expr, n.StringLit):
            return text
        return f"visit_name({text})"

    def never_none(self, expr) -> bool:
        return never_none(expr, self.symbols, self.locals)

    def expr(self, expr: n.Expr, visit: bool = False) -> str:
        c = self.consts
        if isinstance(expr, n.Quantity):
            return c.value(quantity_value(expr))
        if isinstance(expr, n.Ref):
            name = expr.name
            if name in self.locals:  # a fund series or item: this year's value
                return f"env.series({name!r}, env.year)"
            if name in self.symbols.params:
                return f"env.params.value({name!r}, env.date)"
            b = builtin(name)
            if b is not None:
                if b.name in ENV_READERS:
                    return ENV_READERS[b.name]
                if rejects_when_missing(b):  # MissingValue, naming this line, when the data does not give it
                    return self.missable_value(b.name, expr.span.line if expr.span is not None else 0)
                raise CompileError(f"{name} is not a value of a claim")
            if name in VISIT_TYPES:
                return repr(VISIT_TYPES[name])
            raise CompileError(f"unknown name {name}")
        if isinstance(expr, n.Call):
            func = FUNCTIONS.get(expr.func)
            if func in RUNNING:  # 年度累计自付, 年度就诊次序: the runtime function of that name
                try:
                    chosen = self.symbols.running_visits(expr.args)
                except ValueError as error:
                    raise CompileError(f"{error} is not a visit type") from None
                return f"{RUNNING[func]}(env, {chosen!r})"
            if func in ("min", "max"):
                args = ", ".join(self.expr(a) for a in expr.args)
                if all(self.never_none(a) for a in expr.args):
                    return f"{func}({args})"
                return f"pick_known({func}, {args})"  # a missing person attribute: missing
            raise CompileError(f"unknown function {expr.func}")
        if isinstance(expr, n.Index):
            return f"env.series({expr.name!r}, int({self.expr(expr.index)}))"
        if isinstance(expr, n.StringLit):
            return repr(VISIT_TYPES.get(expr.value, expr.value) if visit else expr.value)
        if isinstance(expr, n.DateLit):
            return c.value(expr.value)
        if isinstance(expr, n.BoolLit):
            return repr(expr.value)
        if isinstance(expr, n.NoneLit):
            return "None"
        if isinstance(expr, n.Binary):
            left, right = self.expr(expr.left), self.expr(expr.right)
            if not self.never_none(expr):  # a missing person attribute: missing (docs/semantics.md)
                return f"known({ARITH_FUNCS[expr.op]}, {left}, {right})"
            if expr.op == "/":
                return f"divide({left}, {right})"
            return f"({left} {OPS[expr.op]} {right})"
        if isinstance(expr, n.Neg):
            if not self.never_none(expr):
                return f"negate_known({self.expr(expr.operand)})"
            return f"(-{self.expr(expr.operand)})"
        if isinstance(expr, n.Not):
            return f"(not {self.expr(expr.operand)})"
        if isinstance(expr, n.Compare) and (tested := missing_test(expr)) is not None:  # `家庭年收入 = 无`
            return f"({self.person_or_none(tested)} {'is' if expr.op == '==' else 'is not'} None)"
        if isinstance(expr, n.Compare):
            as_visit = visit_side(expr.left) or visit_side(expr.right)
            left, right = self.expr(expr.left, as_visit), self.expr(expr.right, as_visit)
            if as_visit:
                left, right = self.visit_value(left, expr.left), self.visit_value(right, expr.right)
            if self.never_none(expr.left) and self.never_none(expr.right):
                return f"({left} {OPS[expr.op]} {right})"
            return f"compare_known({OPERATOR_FUNCS[expr.op]}, {left}, {right}, {expr.op == '!='!r})"
        if isinstance(expr, n.InList):
            as_visit = visit_side(expr.item)
            tested = missing_in_list(expr)  # `残疾等级 在 [无, 3, 4]`: the policy says what a missing one means
            item = self.person_or_none(tested) if tested is not None else self.expr(expr.item)
            if as_visit:
                item = self.visit_value(item, expr.item)
            if expr.list_name is not None:
                declared = self.symbols.lists.get(expr.list_name)
                if declared is None:
                    raise CompileError(f"unknown list {expr.list_name}")
                return f"({item} in {c.frozen(declared.items)})"
            if all(isinstance(x, (n.Quantity, n.StringLit, n.BoolLit, n.DateLit, n.NoneLit)) for x in expr.items):
                members = []
                for x in expr.items:
                    if isinstance(x, n.Quantity):
                        members.append(quantity_value(x))
                    elif isinstance(x, n.NoneLit):
                        members.append(None)
                    elif isinstance(x, n.StringLit) and as_visit:
                        members.append(VISIT_TYPES.get(x.value, x.value))
                    elif isinstance(x, (n.StringLit, n.BoolLit, n.DateLit)):
                        members.append(x.value)
                return f"({item} in {c.frozen(members)})"
            parts = [self.expr(x, as_visit) for x in expr.items]
            if as_visit:
                parts = [self.visit_value(p, x) for p, x in zip(parts, expr.items, strict=True)]
            return f"({item} in {{{', '.join(parts)}}})"
        if isinstance(expr, n.BoolOp):
            return "(" + f" {expr.op} ".join(f"bool({self.expr(x)})" for x in expr.operands) + ")"
        if isinstance(expr, n.Adjust):
            return self.expr(expr.amount)
        raise CompileError(f"cannot translate a {type(expr).__name__}")

    def missable_value(self, attr: str, line: int) -> str:
        """A value the data may leave out, read at `.aid` line `line` (runtime.attr_of, age_of, level_of)."""
        if attr == "institution_level":
            return f"level_of(env.claim, {line!r})"
        if attr == "age":
            return f"person_age(env, {line!r})"
        return f"person_attr(env, {attr!r}, {line!r})"

    def person_or_none(self, attr: str) -> str:
        """A value the data may leave out, where the policy tests for a missing one itself: None then."""
        if attr == "institution_level":
            return "env.claim.institution_level"
        if attr == "age":
            return "age_or_none(env.person, env.date)"
        return f"attr_or_none(env.person, {attr!r})"


# ---------------------------------------------------------------- the module

class FunctionName:
    """A lowered expression in the module's text: the name of its function."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class ModuleBuilder:
    def __init__(self, checked):
        self.checked = checked
        self.symbols = checked.symbols
        self.plan = build_plan(checked)
        self.names = Names()
        self.consts = Constants(self.names)
        self.gen = ExprGen(self.symbols, self.consts)
        self.functions = Writer()  # a function per expression
        self.definitions: list[str] = []  # the hoisted records, each after those it names
        self.hoisted: dict[int, str] = {}
        self.hints: dict[int, str] = {}

    # ------------------------------------------------------------ expressions → functions
    def function(self, e: rt.Expression) -> FunctionName:
        name = self.names.make(e.name or "expression")
        self.gen.locals = e.locals
        text = self.gen.lowered(e)
        self.gen.locals = frozenset()
        w = self.functions
        w.line(f"def {name}(env):")
        with w.indent():
            w.line(f"# {comment(self.plan.source)}:{e.line} {comment(written(e.node))}")
            w.line(f"return {text}", at=e.line)
        w.line()
        w.line()
        return FunctionName(name)

    # ------------------------------------------------------------ records → literals
    def name_hints(self, plan) -> None:
        """What each hoisted record is called: after its tier, pool, route."""
        for tier in plan.tiers:
            self.hints[id(tier)] = f"TIER_{tier.name}"
            for rule in tier.rules:
                self.hints[id(rule)] = f"RULE_{tier.name}_{rule.number}"
        visits: dict[int, list[str]] = {}  # step → the visit types whose claims meet it
        for (category, visit, epoch), route in sorted(plan.routes.items()):
            self.hints.setdefault(id(route), f"ROUTE_{category or '无类别'}_{VISIT_LABELS[visit]}_{epoch}")
            for step in (*route.basic, *route.critical, *route.aid, *route.tilted):
                served = visits.setdefault(id(step), [])
                if visit not in served:
                    served.append(visit)
        for route in plan.routes.values():
            for step in (*route.basic, *route.critical, *route.aid, *route.tilted):
                tier = step.tier.name
                rules = "_".join(str(r.number) for r in step.cascade.rules)
                labels = "".join(VISIT_LABELS[v] for v in VISITS if v in visits[id(step)])
                self.hints.setdefault(id(step), f"STEP_{tier}_{labels}_规则{rules}")
                self.hints.setdefault(id(step.cascade), f"CASCADE_{tier}_规则{rules}")
                for cond in (*step.conditions, *step.gates):
                    self.hints.setdefault(id(cond), f"CONDITION_{tier}")
            for step, gate in route.gates:
                self.hints.setdefault(id(gate), f"GATE_{step.tier.name}")

    def literal(self, value) -> str:
        if isinstance(value, FunctionName):
            return value.name
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self.hoist(value) if isinstance(value, HOISTED) else self.record(value)
        if callable(value) and getattr(value, "__name__", None) in RUNTIME_NAMES:
            return value.__name__  # a default base: a runtime function
        if type(value) is tuple:
            items = [self.literal(v) for v in value]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if type(value) is frozenset:
            return self.consts.frozen(value)
        if type(value) is dict:
            return "{" + ", ".join(f"{self.literal(k)}: {self.literal(v)}" for k, v in value.items()) + "}"
        return self.consts.value(value)

    def record(self, value) -> str:
        """`Type(field=…, …)`, leaving out the fields that hold their default (a setting's `direction=None`)."""
        shown = []
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if f.default is not dataclasses.MISSING and type(v) is type(f.default) and v == f.default:
                continue
            shown.append(f"{f.name}={self.literal(v)}")
        return f"{type(value).__name__}({', '.join(shown)})"

    def hoist(self, value) -> str:
        found = self.hoisted.get(id(value))
        if found is None:
            text = self.record(value)  # the records it names are defined first
            found = self.hoisted[id(value)] = self.names.make(self.hints.get(id(value), type(value).__name__.upper()))
            if isinstance(value, rt.Rule):
                self.definitions.append(f"# {comment(value.where)} {comment(value.text)}")
            if isinstance(value, rt.Tier):
                self.definitions.append(f"# 待遇 {comment(value.kind)} {comment(value.name)} {comment(value.label)} — "
                                        f"{comment(self.plan.source)}:{value.line} 依据 {comment(value.clause)}")
            self.definitions.append(f"{found} = {text}")
        return found

    def plan_text(self, lowered) -> list[str]:
        """`PLAN = PolicyPlan(…)`, a field a line, the routes an entry a line."""
        lines = ["PLAN = PolicyPlan("]
        for f in dataclasses.fields(lowered):
            value = getattr(lowered, f.name)
            if f.name == "routes":
                lines.append("    routes={")
                for key in sorted(value):
                    lines.append(f"        {self.literal(key)}: {self.literal(value[key])},")
                lines.append("    },")
            else:
                lines.append(f"    {f.name}={self.literal(value)},")
        lines.append(")")
        return lines

    # ------------------------------------------------------------ the text
    def render(self) -> str:
        plan, header = self.plan, self.checked.policy.header
        lowered = rt.lower(plan, self.function)
        self.name_hints(lowered)
        body = self.plan_text(lowered)
        title = plan.title
        w = Writer()
        w.line(repr(
            f"The settlement module of the policy {header.name} ({title}"
            + (f", {header.doc_number}" if header.doc_number else "") + ").\n\n"
            f"Generated by `aidlang compile` from {plan.source}: do not edit; change the policy and run "
            "`aidlang compile` again.\n\n"
            "What it holds, in order: the policy's expressions, one function each, named for what they compute "
            "and\ncommented with the .aid line they come from; the tiers, rules, cascades, steps and routes of "
            "the\nsettlement plan; `PLAN`; and `Policy(params)`, which settles claims on it with the settlement "
            "loop every\nengine shares (`Policy(params).settle(claims, identities, persons)`). docs/semantics.md "
            "says what it\ncomputes."))
        w.line(f"# 政策 {comment(header.name)} {comment(title)}")
        if header.doc_number:
            w.line(f"# 文号 {comment(header.doc_number)}")
        w.line(f"# source: {comment(plan.source)} — generated, do not edit")
        w.line()
        imports_at = len(w.lines)
        w.line()
        w.line(f"SOURCE = {plan.source!r}")
        w.line()
        consts_at = len(w.lines)
        w.line("# ---------------------------------------------------------------- the policy's expressions")
        w.line()
        functions_at = len(w.lines)
        w.lines.extend(self.functions.lines)
        w.line("# ---------------------------------------------------------------- the settlement plan")
        w.line()
        w.lines.extend(self.definitions)
        w.line()
        w.lines.extend(body)
        w.line()
        w.line()
        w.line("class Policy(PlanSettler):")
        with w.indent():
            w.line(repr(f"Settles claims under {header.name} ({title}): the settlement loop on `PLAN`."))
            w.line()
            w.line("NAME = PLAN.name")
            w.line()
            w.line("def __init__(self, params=None):")
            w.line("    super().__init__(PLAN, params)")
            w.line()
            w.line("def where(self, error):")
            w.line("    return source_line(error, globals())")
        # constants, then imports, go above: the functions' line numbers move by what is inserted
        consts = [f"{name} = {source}" for name, source in self.consts.lines]
        if consts:
            consts = ["# constants: exact rates, dates and sets the plan and its expressions use", *consts, ""]
        w.lines[consts_at:consts_at] = consts
        functions_at += len(consts)
        used = [name for name in RUNTIME_NAMES if w.uses(name)]
        imports = []
        if any("operator." in line for line in w.lines if not line.lstrip().startswith("#")):
            imports.append("import operator")
        if any(re.search(r"(?<![\w.])date\(", line) for line in w.lines):
            imports.append("from datetime import date")
        if any("Fraction(" in line for line in w.lines if not line.lstrip().startswith("#")):
            imports.append("from fractions import Fraction")
        imports += ["", "from aidlang.runtime import ("] + [f"    {name}," for name in used] + [")", ""]
        w.lines[imports_at:imports_at] = imports
        functions_at += len(imports)
        w.line()
        w.line()
        w.line("# line of this module → line of the .aid file it computes (for error messages)")
        w.line("LINE_AT = {")
        with w.indent():
            for index in sorted(self.functions.at):
                w.line(f"{functions_at + index + 1!r}: {self.functions.at[index]!r},")
        w.line("}")
        return w.text()


def render(checked) -> str:
    """The source of the settlement module of a checked policy (deterministic: same policy, same bytes)."""
    return ModuleBuilder(checked).render()
