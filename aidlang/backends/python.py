"""The Python-module backend: a checked policy → the source of a module that settles claims with it.

`render(checked)` returns the text of `generated/<name>.py`. The module imports only the standard library and
names of `aidlang.runtime`; its class `Policy(params)` has the interpreter's settlement API (`settle`,
`annual`, `funds`, `fund_check_failures`, `monitor`) on `runtime.CompiledSettler`, the settlement loop of
compiled modules (claims grouped by person, identities and 就高, tiers in kind order, status, basis,
self-pay). What the module holds is the policy, worked out ahead of time where the interpreter works it out
from the syntax tree: categories, periods and the date ranges (epochs) in which nothing changes, which rule
table speaks for which category, pool and epoch (`TIERS`), and one function per tier — its conditions, base,
ledgers and formula as straight Python with the policy's expressions inlined — per rule table and per
`否则 不予救助` condition. A table (`LINE_AT`) maps the module's lines back to the `.aid` lines they compute,
so a runtime error names the policy line.

Safety: the text is written with a small writer (`Writer.line`/`indent`), never a template. Everything that
comes from the policy reaches the module only as `repr()` of a value, or inside a comment escaped by `repr`
(newlines included), or as an identifier made by `Names`, which keeps letters, digits and `_` of the NFKC
form (what Python itself compares identifiers by), and avoids keywords, builtins, the module's own names and
each other. Output is deterministic: declaration order and sorted tables only, no timestamps, no ids.
"""

from __future__ import annotations

import builtins
import datetime as dt
import keyword
import re
import unicodedata
from contextlib import contextmanager
from fractions import Fraction

from .. import nodes as n
from ..benefits import benefit_specs, due_spec
from ..cascade import candidate_rules, is_static_rules
from ..evaluate import (_may_split_fen, missing_in_list, missing_test, never_none, policy_source, quantity_value,
                        reads_optional, rejects_when_missing, type_of)
from ..periods import Epochs, Periods, in_force
from ..symbols import FUNCTIONS, VISIT_TYPES, builtin

KINDS = ("basic", "critical", "aid", "tilted")
VISITS = ("outpatient", "chronic", "inpatient")
RUNTIME_NAMES = ("CompiledSettler", "GATED", "adjust", "age_of", "age_or_none", "attr_of", "attr_or_none",
                 "cascade_missing", "claim_cover", "compare_known", "divide", "known", "level_of", "money_value", "negate_known",
                 "person_age", "person_attr", "pick_known", "visit_name")
# the parameters and locals of generated functions: no policy name may become one of them
TIER_LOCALS = ("step", "c", "v", "p", "L", "yk", "basic", "critical", "aid", "clauses", "terms", "deductible",
               "num", "den", "cap", "threshold", "rule_clauses", "per_claim", "base", "burden", "k", "earlier", "covered",
               "after", "before", "used", "paid")
RESERVED = frozenset(("Policy", "Fraction", "date", "operator", "self", "env", "values", "sources", "used")
                     + RUNTIME_NAMES + TIER_LOCALS)


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

# How an expression reads the claim: in the methods of annual benefits, funds and monitoring, from `env` (a
# runtime.ClaimEnv); in tier, gate and rule-table functions, from their arguments (see `TIER_ARGS`).
ENV_READERS = {
    "policy_scope_cost": "env.claim.policy_scope_cost", "basic_paid": "env.basic",
    "critical_paid": "env.critical", "aid_paid": "env.aid", "referred": "env.claim.referred",
    "in_province": "env.claim.in_province", "disease": "env.claim.disease",
    "visit_type": "env.claim.visit_type",
    "current_year": "env.year",
}
TIER_READERS = {
    "policy_scope_cost": "c.policy_scope_cost", "basic_paid": "basic", "critical_paid": "critical",
    "aid_paid": "aid", "referred": "c.referred", "in_province": "c.in_province", "disease": "c.disease",
    "visit_type": "v",
    "current_year": "c.discharge_date.year",
}
# c: the claim, v: its visit type (canonical), p: its person (or None), L: the person's ledgers, yk: this
# year's first ledger, basic/critical/aid: the amounts settled so far
TIER_ARGS = "c, v, p, L, yk, basic, critical, aid"
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
        text = "frozenset((" + "".join(self.value(v) + ", " for v in items) + "))"
        return self.get(("S", text), f"SET_{len(self.lines) + 1}", text)


class ExprGen:
    """One Python expression over `self` (parameters) and `env` per policy expression, computing exactly what
    the interpreter's closures compute (`evaluate.py`)."""

    def __init__(self, symbols, consts: Constants):
        self.symbols, self.consts = symbols, consts
        self.locals: frozenset[str] = frozenset()  # a fund's series and items, while compiling its expressions
        self.in_tier = False  # reading the claim from a tier function's arguments rather than from `env`
        self.reads_self_paid = False  # a tier expression reads 年度累计自付 (the module keeps its ledgers)
        self.reads_rank = False  # a tier expression reads 年度就诊次序 (the module counts claims per visit type)

    @contextmanager
    def tier_mode(self):
        self.in_tier = True
        try:
            yield
        finally:
            self.in_tier = False

    def value(self, expr: n.Expr) -> str:
        """As a value to keep: money rounded half-up to the fen at the root (Evaluator.compile_value)."""
        text = self.expr(expr)
        if type_of(expr, self.symbols, self.locals) != "money":
            return text
        if isinstance(expr, n.Quantity) and type(quantity_value(expr)) is int:
            return text
        if not _may_split_fen(expr):
            return text
        return f"money_value({text})"

    def visit_value(self, text: str, expr: n.Expr) -> str:
        """A side of a visit-type comparison as a canonical visit name: literals are canonical already, and so
        is a tier function's `v`; anything else goes through `visit_name`."""
        if isinstance(expr, n.StringLit) or (self.in_tier and _visit_side(expr)):
            return text
        return f"visit_name({text})"

    def never_none(self, expr) -> bool:
        return never_none(expr, self.symbols, self.locals)

    def expr(self, expr: n.Expr, visit: bool = False) -> str:
        t = type(expr)
        c = self.consts
        if t is n.Quantity:
            return c.value(quantity_value(expr))
        if t is n.Ref:
            name = expr.name
            if name in self.locals:  # a fund series or item: this year's value
                return f"env.series({name!r}, env.year)"
            if name in self.symbols.params:
                return f"self.param({name!r}, {'c.discharge_date' if self.in_tier else 'env.date'})"
            b = builtin(name)
            if b is not None:
                readers = TIER_READERS if self.in_tier else ENV_READERS
                if b.name in readers:
                    return readers[b.name]
                if rejects_when_missing(b):  # MissingValue, naming this line, when the data does not give it
                    return self.missable_value(b.name, expr.span.line if expr.span is not None else 0)
                raise CompileError(f"{name} is not a value of a claim")
            if name in VISIT_TYPES:
                return repr(VISIT_TYPES[name])
            raise CompileError(f"unknown name {name}")
        if t is n.Call:
            func = FUNCTIONS.get(expr.func)
            if func == "year_self_paid":
                try:
                    chosen = self.symbols.running_visits(expr.args)
                except ValueError as error:
                    raise CompileError(f"{error} is not a visit type") from None
                if self.in_tier:
                    self.reads_self_paid = True
                    return f"self.year_self_paid({chosen!r}, c, v, L, yk, basic, critical)"
                return f"env.running({chosen!r})"
            if func == "claim_rank":
                try:
                    chosen = self.symbols.running_visits(expr.args)
                except ValueError as error:
                    raise CompileError(f"{error} is not a visit type") from None
                if not self.in_tier:
                    raise CompileError(f"{expr.func} has a value only in a tier")
                self.reads_rank = True
                return f"self.year_claim_rank({chosen!r}, v, L, yk)"
            if func in ("min", "max"):
                args = ", ".join(self.expr(a) for a in expr.args)
                if all(self.never_none(a) for a in expr.args):
                    return f"{func}({args})"
                return f"pick_known({func}, {args})"  # a missing person attribute: missing
            raise CompileError(f"unknown function {expr.func}")
        if t is n.Index:
            return f"env.series({expr.name!r}, int({self.expr(expr.index)}))"
        if t is n.StringLit:
            return repr(VISIT_TYPES.get(expr.value, expr.value) if visit else expr.value)
        if t is n.DateLit:
            return c.value(expr.value)
        if t is n.BoolLit:
            return repr(expr.value)
        if t is n.NoneLit:
            return "None"
        if t is n.Binary:
            left, right = self.expr(expr.left), self.expr(expr.right)
            if not self.never_none(expr):  # a missing person attribute: missing (docs/semantics.md)
                return f"known({ARITH_FUNCS[expr.op]}, {left}, {right})"
            if expr.op == "/":
                return f"divide({left}, {right})"
            return f"({left} {OPS[expr.op]} {right})"
        if t is n.Neg:
            if not self.never_none(expr):
                return f"negate_known({self.expr(expr.operand)})"
            return f"(-{self.expr(expr.operand)})"
        if t is n.Not:
            return f"(not {self.expr(expr.operand)})"
        if t is n.Compare and (tested := missing_test(expr)) is not None:  # `家庭年收入 = 无`
            return f"({self.person_or_none(tested)} {'is' if expr.op == '==' else 'is not'} None)"
        if t is n.Compare:
            as_visit = _visit_side(expr.left) or _visit_side(expr.right)
            left, right = self.expr(expr.left, as_visit), self.expr(expr.right, as_visit)
            if as_visit:
                left, right = self.visit_value(left, expr.left), self.visit_value(right, expr.right)
            if self.never_none(expr.left) and self.never_none(expr.right):
                return f"({left} {OPS[expr.op]} {right})"
            return f"compare_known({OPERATOR_FUNCS[expr.op]}, {left}, {right}, {expr.op == '!='!r})"
        if t is n.InList:
            as_visit = _visit_side(expr.item)
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
                    else:
                        members.append(x.value)
                return f"({item} in {c.frozen(members)})"
            parts = [self.expr(x, as_visit) for x in expr.items]
            if as_visit:
                parts = [self.visit_value(p, x) for p, x in zip(parts, expr.items)]
            return f"({item} in {{{', '.join(parts)}}})"
        if t is n.BoolOp:
            return "(" + f" {expr.op} ".join(f"bool({self.expr(x)})" for x in expr.operands) + ")"
        if t is n.Adjust:
            return self.expr(expr.amount)
        raise CompileError(f"cannot translate a {t.__name__}")

    def missable_value(self, attr: str, line: int) -> str:
        """A value the data may leave out, read at `.aid` line `line` (runtime.attr_of, age_of, level_of)."""
        if attr == "institution_level":
            return f"level_of({'c' if self.in_tier else 'env.claim'}, {line!r})"
        if attr == "age":
            return f"age_of(p, c.discharge_date, {line!r})" if self.in_tier else f"person_age(env, {line!r})"
        return f"attr_of(p, {attr!r}, {line!r})" if self.in_tier else f"person_attr(env, {attr!r}, {line!r})"

    def person_or_none(self, attr: str) -> str:
        """A value the data may leave out, where the policy tests for a missing one itself: None then."""
        if attr == "institution_level":
            return "c.institution_level" if self.in_tier else "env.claim.institution_level"
        person, day = ("p", "c.discharge_date") if self.in_tier else ("env.person", "env.date")
        if attr == "age":
            return f"age_or_none({person}, {day})"
        return f"attr_or_none({person}, {attr!r})"


def _visit_side(expr) -> bool:
    """Is this `就诊方式` (the claim's visit type)?"""
    return isinstance(expr, n.Ref) and (b := builtin(expr.name)) is not None and b.name == "visit_type"


# ---------------------------------------------------------------- the module

def _line(node) -> int:
    span = getattr(node, "span", None)
    return span.line if span is not None else 0


def _clause(node) -> str:
    clause = getattr(node, "clause", None)
    return clause.text if clause else ""


def _written(node) -> str:
    """The node's text as the policy writes it, on one line (runs of blanks as one space); "" without a span."""
    span = getattr(node, "span", None)
    if span is None or span.source is None:
        return ""
    lines = span.source.lines()[span.line - 1:span.end_line]
    if not lines:
        return ""
    lines[-1] = lines[-1][:span.end_column - 1]  # the end first: on one line both columns count from its start
    lines[0] = lines[0][span.column - 1:]
    return " ".join(" ".join(lines).split())


TIER_BASES = {  # a tier's base without `基数` (docs/semantics.md, "Tiers")
    "basic": "c.policy_scope_cost",
    "critical": "c.policy_scope_cost - basic",
    "aid": "c.policy_scope_cost - basic - critical",
    "tilted": "c.policy_scope_cost - basic - critical - aid",
}


class ModuleBuilder:
    def __init__(self, checked):
        self.checked = checked
        self.policy: n.Policy = checked.policy
        self.symbols = checked.symbols
        self.names = Names()
        self.consts = Constants(self.names)
        self.gen = ExprGen(self.symbols, self.consts)
        self.methods = Writer()  # the Policy class's methods, at class level
        self.methods.level = 1
        self.lines: dict[str, int] = {}  # method → .aid line
        self.source = policy_source(self.policy)
        self.periods = Periods(self.symbols)

    # ------------------------------------------------------------ methods
    def method(self, prefix: str, hint: str, node, doc: str, body: list[str], returns: str) -> str:
        """A method `name(self, env)` returning `returns` after the `body` lines; its .aid line is recorded."""
        name = self.names.make(prefix, hint)
        w = self.methods
        w.line(f"def {name}(self, env):")
        with w.indent():
            w.line(repr(doc))
            where = f"{self.source}:{_line(node)}"
            w.line(f"# {comment(where)}")
            for text in body:
                w.line(text)
            w.line(f"return {returns}", at=_line(node))
        w.line()
        self.lines[name] = _line(node)
        return name

    def expr_method(self, prefix: str, hint: str, node, expr: n.Expr, doc: str, value: bool) -> str:
        text = self.gen.value(expr) if value else self.gen.expr(expr)
        return self.method(prefix, hint, node, doc, [], text)

    def cascade_method(self, tier: n.Tier, rules: list[n.Rule]) -> str:
        """The rule cascade of `rules` (already in the order they apply), as straight-line code mirroring
        `cascade.resolve`; rule identities are their positions in the tier. Each line that evaluates a rule
        carries the rule's `.aid` line (`Writer.at`)."""
        body: list[tuple[str, int]] = [("values, sources, used = {}, {}, []", 0)]
        modes = _has_per_claim(tier)  # whether each deductible/threshold is of each claim alone (每次)
        if modes:
            body.append(("per_claim = {}", 0))
        for rule in rules:
            number = tier.rules.index(rule) + 1
            at = _line(rule)
            body.append((f"# {comment(self.source)}:{at} {comment(_written(rule))}", 0))
            inner = []
            for setting in rule.settings:
                key = setting.key
                expr = setting.value
                if isinstance(expr, n.Adjust):
                    inner.append(f"if {key!r} not in values:  # no less specific rule sets it (无 is a value)")
                    inner.append(f"    cascade_missing({key!r}, {f'{self.source}:{at}'!r}, c.discharge_date)")
                    amount_type = type_of(expr.amount, self.symbols)
                    inner.append(f"values[{key!r}] = adjust({key!r}, values[{key!r}], {self.gen.expr(expr.amount)}, "
                                 f"{amount_type!r}, {expr.direction!r})")
                    inner.append(f"sources[{key!r}].append({number!r})")
                else:
                    text = "None" if isinstance(expr, n.NoneLit) else self.gen.value(expr)
                    inner.append(f"values[{key!r}] = {text}")
                    inner.append(f"sources[{key!r}] = [{number!r}]")
                    if modes and key in ("deductible", "threshold"):
                        inner.append(f"per_claim[{key!r}] = {setting.per_claim!r}")
            if rule.settings:
                inner.append(f"used.append({number!r})")  # each rule once: cascade.resolve's `used`
            if rule.when is not None:
                body.append((f"if {self.gen.expr(rule.when)}:", at))
                body.extend(("    " + x, at) for x in inner or ["pass"])
            else:
                body.extend((x, at) for x in inner)
        clauses = self.consts.get(('C', id(tier)), 'CLAUSES_' + tier.name, self._clause_table(tier))
        body.append((f"return self.cascade_terms(values, sources, used, {clauses}"
                     f"{', per_claim' if modes else ''})", 0))
        name = self.names.make("rules", tier.name)
        w = self.methods
        w.line(f"def {name}(self, {TIER_ARGS}):")
        with w.indent():
            at_lines = ", ".join(str(_line(r)) for r in rules)
            if len(rules) > 1:
                doc = f"the rules at lines {at_lines} of {self.source}, in the order they apply."
            else:
                doc = f"the rule at line {at_lines} of {self.source}."
            w.line(repr(f"{tier.label or tier.name}: {doc}"))
            for text, at in body:
                w.line(text, at=at)
        w.line()
        self.lines[name] = _line(rules[0]) if rules else _line(tier)
        return name

    def tier_function(self, tier: n.Tier) -> str:
        """`tier_<name>(self, step, c, v, p, L, yk, basic, critical, aid, clauses)`: what the tier pays on the
        claim (None when it does not apply), mirroring runtime.deductible_kind / tilted_kind with the policy's
        conditions and base inlined. The step (see CompiledSettler.route) holds the rule table's terms and the
        ledgers of the claim's pool."""
        label = tier.label or tier.name
        gen, src = self.gen, self.source
        name = self.names.make("tier", tier.name)
        w = self.methods
        w.line(f"def {name}(self, step, {TIER_ARGS}, clauses):")
        with w.indent():
            what = ("the share of the year's burden above the threshold (contract §5)" if tier.kind == "tilted"
                    else "the ratio of its base above the year's deductible, within the cap (contract §4)")
            named = tier.name if label == tier.name else f"{tier.name} ({label})"
            w.line(repr(f"待遇 {named}, {tier.kind}: {what}; None when it does not apply to the claim."))
            w.line(f"# {comment(src)}:{_line(tier)} 待遇 {comment(tier.kind)} {comment(tier.name)}"
                   f" 依据 {comment(_clause(tier))}")
            with gen.tier_mode():
                for cond in tier.conditions:
                    if cond.otherwise and tier.kind not in ("basic", "critical"):
                        continue  # aid and tilted gates run before any aid: CompiledSettler._settle_as
                    w.line(f"if not {gen.expr(cond.expr)}:  # {comment(src)}:{_line(cond)} {comment(_written(cond))}",
                           at=_line(cond))
                    with w.indent():
                        if cond.otherwise:
                            if _clause(cond):
                                w.line(f"clauses.append({_clause(cond)!r})")
                            w.line("return GATED")
                        else:
                            w.line("return None")
                base = gen.value(tier.base) if tier.base is not None else TIER_BASES[tier.kind]
            w.line("terms = step[0]")
            w.line("if terms is None:")
            w.line(f"    terms = self.terms(step, {TIER_ARGS})")
            w.line("if not terms:")
            w.line("    return None  # no ratio for the category: the tier does not apply")
            amount = "burden" if tier.kind == "tilted" else "base"
            modes = _has_per_claim(tier)
            w.line(f"{'_' if tier.kind == 'tilted' else 'deductible'}, num, den, cap, "
                   f"{'threshold' if tier.kind == 'tilted' else '_'}, rule_clauses, "
                   f"{'per_claim' if modes else '_'} = terms")
            w.line(f"{amount} = {base}  # 基数, {comment(src)}:{_line(tier.base or tier)}", at=_line(tier.base or tier))
            w.line(f"if {amount} < 0:")
            w.line(f"    {amount} = 0")
            w.line("k = yk + step[3]")
            w.line("earlier = L.get(k, 0)")
            w.line(f"L[k] = earlier + {amount}")
            # the formulas of runtime.deductible_cover, apply_terms and apply_cap, inlined (the hot path); a
            # line of each claim alone (每次) is runtime.claim_cover, called
            if tier.kind == "tilted":
                if modes:
                    w.line("if 'threshold' in per_claim:  # 每次: this claim's burden above the threshold, max(0, b − t)")
                    w.line("    covered = claim_cover(burden, threshold)")
                    w.line("else:  # the year's burden above the threshold: max(0, T + b − t) − max(0, T − t)")
                    w.line("    after, before = earlier + burden - threshold, earlier - threshold")
                    w.line("    covered = (after if after > 0 else 0) - (before if before > 0 else 0)")
                else:
                    w.line("# the year's burden above the threshold: max(0, T + b − t) − max(0, T − t)")
                    w.line("after, before = earlier + burden - threshold, earlier - threshold")
                    w.line("covered = (after if after > 0 else 0) - (before if before > 0 else 0)")
            else:
                w.line("covered = base")
                if modes:
                    w.line("if deductible and 'deductible' in per_claim:  # 每次: this claim above it, max(0, e − D)")
                    w.line("    covered = claim_cover(base, deductible)")
                    w.line("elif deductible:  # above the year's deductible: max(0, E + e − D) − max(0, E − D)")
                else:
                    w.line("if deductible:  # above the year's deductible: max(0, E + e − D) − max(0, E − D)")
                w.line("    after, before = earlier + base - deductible, earlier - deductible")
                w.line("    covered = (after if after > 0 else 0) - (before if before > 0 else 0)")
            w.line("paid = (2 * covered * num + den) // (2 * den)  # ratio × covered, half-up once (covered ≥ 0)")
            w.line("if cap is not None:  # within what the year's cap still allows")
            with w.indent():
                w.line("k = yk + step[4]")
                w.line("used = L.get(k, 0)")
                w.line("if used >= cap:")
                w.line("    paid = 0")
                w.line("elif paid > cap - used:")
                w.line("    paid = cap - used")
                w.line("if paid:")
                w.line("    L[k] = used + paid")
            w.line(f"if {'paid' if tier.kind == 'tilted' else 'base'} > 0:")
            w.line("    clauses.extend(rule_clauses)")
            w.line("return paid")
        w.line()
        self.lines[name] = _line(tier)
        return name

    def gate_function(self, tier: n.Tier, cond) -> str:
        """`gate_<name>(self, c, v, p, L, yk, basic, critical, aid)`: an aid or tilted tier's `否则 不予救助`
        condition."""
        name = self.names.make("gate", tier.name)
        w = self.methods
        w.line(f"def {name}(self, {TIER_ARGS}):")
        with w.indent():
            label = tier.label or tier.name
            w.line(repr(f"{label}: False when the claim gets no aid of either kind (否则 不予救助)."))
            w.line(f"# {comment(self.source)}:{_line(cond)} {comment(_written(cond))}")
            with self.gen.tier_mode():
                w.line(f"return {self.gen.expr(cond.expr)}", at=_line(cond))
        w.line()
        self.lines[name] = _line(cond)
        return name

    def _clause_table(self, tier: n.Tier) -> str:
        return "{" + ", ".join(f"{i + 1!r}: {(r.clause.text if r.clause else None)!r}"
                               for i, r in enumerate(tier.rules)) + "}"

    # ------------------------------------------------------------ tables
    def epochs(self) -> tuple[list[int], list[dt.date]]:
        periods = list(self.periods.all())
        for tier in self.policy.of_type(n.Tier):
            periods.append(self.periods.tier(tier))
            for rule in tier.rules:
                periods.append(self.periods.rule(rule, tier))
        for benefit in self.policy.of_type(n.Benefit):
            for row in benefit.rows:
                periods.append(self.periods.named(row.during))
        changes = sorted({dv.since for p in self.symbols.params.values() if p.values for dv in p.values
                          if dv.since is not None})
        bounds = Epochs(periods, changes).bounds
        days = [dt.date.fromordinal(max(1, bounds[0] - 1)) if bounds else dt.date(2000, 1, 1)]
        days += [dt.date.fromordinal(b) for b in bounds if b <= dt.date.max.toordinal()]
        return bounds, days

    def render(self) -> str:
        symbols, policy = self.symbols, self.policy
        header = policy.header
        categories = list(symbols.categories)
        bounds, days = self.epochs()
        tiers = policy.of_type(n.Tier)
        kinds_defined = {k: any(t.kind == k for t in tiers) for k in KINDS}
        kind_active = {k: [any(in_force(self.periods.rule(r, t), day) for t in tiers if t.kind == k for r in t.rules)
                           for day in days] for k in KINDS}

        # parameters: one method per dated value
        params = []
        for p in symbols.params.values():
            if p.values is None:
                params.append((p.name, p.label, p.type, None))
                continue
            values = []
            for i, dv in enumerate(p.values):
                m = self.expr_method("param", p.name, dv, dv.expr,
                                     f"参数 {p.name} {p.label or ''}: its value from {dv.since or 'the beginning'}",
                                     value=False)
                values.append((dv.since, m, _mentions_params(dv.expr)))
            params.append((p.name, p.label, p.type, values))

        # tiers
        tier_rows = []
        slots: dict[tuple[str, str], int] = {}  # (tier, ledger key) → its ledger, per person and year
        for tier in tiers:
            function = self.tier_function(tier)
            gates = [(self.gate_function(tier, cond), _clause(cond)) for cond in tier.conditions
                     if cond.otherwise and tier.kind in ("aid", "tilted")]
            pools = {}
            for visit in VISITS:
                pool = symbols.visit_pool(tier, visit)
                if pool is not None:
                    keys = self.symbols.ledger_keys(tier, pool, visit)
                    pools[visit] = (pool, *(slots.setdefault((tier.name, key), len(slots)) for key in keys))
            cascades: dict[tuple, tuple[str, bool]] = {}
            made: dict[tuple[int, ...], tuple[str, bool]] = {}
            for category in [*categories, ""]:
                for pool in dict.fromkeys(p for p, _, _ in pools.values()):
                    visit = next(v for v, (p, _, _) in pools.items() if p == pool)
                    for epoch, day in enumerate(days):
                        rules = candidate_rules(symbols, tier, category, pool, visit,
                                                lambda r, t=tier, d=day: in_force(self.periods.rule(r, t), d))
                        if not rules:
                            continue
                        key = tuple(tier.rules.index(r) for r in rules)
                        if key not in made:
                            with self.gen.tier_mode():
                                made[key] = (self.cascade_method(tier, rules), is_static_rules(rules, symbols))
                        cascades[(category, pool, epoch)] = made[key]
            tier_rows.append((tier, (tier.kind, function, pools, tuple(gates), cascades)))
        self_slots = {}
        if self.gen.reads_self_paid:  # 年度累计自付: this year's cost − basic − critical per visit type
            self_slots = {visit: len(slots) + i for i, visit in enumerate(VISITS)}
        count_slots = {}
        if self.gen.reads_rank:  # 年度就诊次序: the claims settled this year per visit type
            count_slots = {visit: len(slots) + len(self_slots) + i for i, visit in enumerate(VISITS)}
        aid_tiers = [t for t in tiers if t.kind == "aid"]
        aid_uncovered = {v: bool(aid_tiers) and all(symbols.visit_pool(t, v) is None for t in aid_tiers)
                         for v in VISITS}

        # annual benefits
        benefits = []
        declared = policy.of_type(n.Benefit)
        for benefit, (label, due, highest, rows) in zip(declared, benefit_specs(symbols, self.periods, declared)):
            out_rows = []
            for (everyone, covered, period, when, kind, value, share_of, clause), row in zip(rows, benefit.rows):
                when_m = (self.expr_method("benefit_condition", label, row, when, f"年度待遇 {label}: 条件",
                                           value=False) if when is not None else None)
                value_m = (self.expr_method("benefit_value", label, row, value, f"年度待遇 {label}: {kind}",
                                            value=kind == "amount") if value is not None else None)
                period_text = f"({self.consts.value(period[0])}, {self.consts.value(period[1])})"
                out_rows.append(f"({everyone!r}, {covered!r}, {period_text}, {when_m!r}, {kind!r}, {value_m!r}, "
                                f"{share_of!r}, {clause!r})")
            benefits.append((label, due, highest, out_rows))

        # funds
        funds = []
        for fund in policy.of_type(n.Fund):
            label = fund.label or fund.name
            self.gen.locals = frozenset({i.name for i in fund.inputs} | {i.label for i in fund.inputs if i.label}
                                        | {item.name for item in fund.items})
            items = [(item.name, due_spec(item.due),
                      self.expr_method("fund_item", item.name, item, item.expr,
                                       f"基金管理 {label}: 款项 {item.label or item.name}", value=True),
                      _clause(item)) for item in fund.items]
            checks = [(c.name, c.label or c.name,
                       self.expr_method("fund_check", c.name, c, c.expr, f"基金管理 {label}: 核查 {c.label or c.name}",
                                        value=False), _clause(c)) for c in fund.checks]
            self.gen.locals = frozenset()
            funds.append((tuple((i.name, i.label) for i in fund.inputs), tuple(items), tuple(checks)))

        # monitoring
        monitors = []
        for monitor in policy.of_type(n.Monitor):
            if monitor.threshold is None:
                continue
            label = monitor.label or monitor.name
            threshold = self.expr_method("threshold", monitor.name, monitor, monitor.threshold,
                                         f"监测 {label}: 监测标准", value=True)
            amount = (self.expr_method("amount", monitor.name, monitor, monitor.amount, f"监测 {label}: 金额",
                                       value=True) if monitor.amount is not None else None)
            push_day = int(monitor.push_day.value) if monitor.push_day is not None else 1
            monitors.append((threshold, push_day, amount, _clause(monitor)))

        highest = symbols.identity_flag("highest")
        kind = "highest" if highest else "order"
        id_rule = next((r for r in symbols.identity if r.kind == kind and r.clause), None)
        held_mode = (symbols.identity_flag("stay_keeps_lost"), symbols.identity_flag("stay_gains_new"))
        stay_days = {(True, False): "admission", (False, True): "discharge"}.get(held_mode, "any")
        ids: dict[str, str] = {}
        for c in reversed(list(symbols.categories.values())):
            if c.label:
                ids[c.label] = c.name
        for c in categories:
            ids[c] = c
        for c in symbols.categories.values():  # 别名: data may name the category so; never over a name or label
            for alias in c.aliases:
                ids.setdefault(alias, c.name)

        # ---------------------------------------------------------- the text
        w = Writer()
        title = header.title or header.name
        w.line(repr(f"Settlement module of the policy {header.name} ({title}).\n\n"
                    f"Generated by `aidlang compile` from {self.source}: do not edit; change the policy and run "
                    "`aidlang compile` again.\nSee aidlang/backends/python.py for how it is made and "
                    "docs/semantics.md for what it computes."))
        w.line(f"# 政策 {comment(header.name)} {comment(title)}")
        if header.doc_number:
            w.line(f"# 文号 {comment(header.doc_number)}")
        w.line(f"# source: {comment(self.source)} — generated, do not edit")
        w.line()
        w.line("import operator")
        w.line("from datetime import date")
        w.line("from fractions import Fraction")
        w.line()
        import_at = len(w.lines)
        w.line()
        const_at = len(w.lines)
        w.line()
        w.line()
        w.line("class Policy(CompiledSettler):")
        with w.indent():
            w.line(repr(f"Settles claims under {header.name} ({title}): Policy(params).settle(claims, identities, "
                        "persons, errors=None), as aidlang.interpreter.Interpreter does."))
            w.line()
            w.line(f"SOURCE = {self.source!r}")
            w.line("# an expression reads a person attribute: each claim settles on a trial ledger first")
            w.line(f"READS_OPTIONAL = {reads_optional(self.policy)!r}")
            w.line(f"NAME = {header.name!r}")
            w.line("# categories: identifier → display name, in declaration order")
            w.line("CATEGORIES = {")
            with w.indent():
                for c in categories:
                    w.line(f"{c!r}: {symbols.display_name(c)!r},")
            w.line("}")
            w.line("CATEGORY_IDS = {")
            with w.indent():
                for k in sorted(ids):
                    w.line(f"{k!r}: {ids[k]!r},")
            w.line("}")
            w.line(f"ORDER = {tuple(symbols.declared_order())!r}")
            w.line(f"HIGHEST = {highest!r}  # 多重身份 就高")
            w.line(f"IDENTITY_CLAUSE = {(id_rule.clause.text if id_rule else '')!r}")
            w.line(f"STAY_DAYS = {stay_days!r}  # which days of a stay count for holding a category")
            w.line(f"MONTH_END = {symbols.identity_flag('month_end')!r}  # 丧失身份 次月起不再享受")
            w.line(f"POLICY_PERIOD = ({self.consts.value(self.periods.policy[0])}, "
                   f"{self.consts.value(self.periods.policy[1])})")
            w.line("# epochs: date ranges in which nothing in force changes (ordinals where each starts)")
            w.line(f"BOUNDS = {tuple(bounds)!r}")
            w.line("# per epoch, from its first day: (in force at all, basic computed, critical computed)")
            w.line("EPOCHS = (")
            with w.indent():
                for i, day in enumerate(days):
                    w.line(f"({self.periods.any_in_force(day)!r}, {kind_active['basic'][i]!r}, "
                           f"{kind_active['critical'][i]!r}),  # from {day.isoformat()}")
            w.line(")")
            w.line(f"DEFINES = {kinds_defined!r}")
            w.line(f"HAS_AID_TIERS = {bool(kinds_defined['aid'] or kinds_defined['tilted'])!r}")
            w.line(f"AID_UNCOVERED = {aid_uncovered!r}")
            w.line("# parameters: name → (label, type, None if published later else ((自, method, derived), ...))")
            w.line("PARAMS = {")
            with w.indent():
                for name, label, ptype, values in params:
                    vals = "None" if values is None else "(" + "".join(
                        f"({self.consts.value(since)}, {m!r}, {derived!r}), " for since, m, derived in values) + ")"
                    w.line(f"{name!r}: ({label!r}, {ptype!r}, {vals}),")
            w.line("}")
            labels = {p.label: p.name for p in symbols.params.values() if p.label}
            w.line(f"PARAM_LABELS = {dict(sorted(labels.items()))!r}")
            w.line("# ledgers per person and year: the deductible (tilted: burden) and cap ledgers of each tier and")
            w.line("# pool, then those of 年度累计自付 per visit type when an expression reads it")
            w.line(f"SLOTS = {max(1, len(slots) + len(self_slots) + len(count_slots))!r}")
            w.line(f"SELF_SLOTS = {self_slots!r}")
            if count_slots:
                w.line("# the claims settled this year per visit type, for 年度就诊次序")
                w.line(f"COUNT_SLOTS = {count_slots!r}")
            w.line("# tiers in file order: (kind, tier function, {visit: (pool, deductible ledger, cap ledger)},")
            w.line("# gates (否则 不予救助 of aid and tilted tiers), {(category, pool, epoch): (rule table, static)})")
            w.line("TIERS = (")
            with w.indent():
                for tier, (kind_, function, pools, gates, cascades) in tier_rows:
                    w.line(f"# 待遇 {comment(tier.kind)} {comment(tier.name)} {comment(tier.label or '')} — "
                           f"{comment(self.source)}:{_line(tier)} 依据 {comment(_clause(tier))}")
                    w.line(f"({kind_!r}, {function!r},")
                    with w.indent():
                        w.line(f"{pools!r},")
                        w.line(f"{gates!r},")
                        w.line("{")
                        with w.indent():
                            for key in sorted(cascades, key=lambda k: (k[0], k[1], k[2])):
                                w.line(f"{key!r}: {cascades[key]!r},")
                        w.line("}),")
            w.line(")")
            w.line("# annual benefits: (name, due (次年, month, day, plus, unit), 按最高标准, rows: (全体参保人员, categories")
            w.line("# covered, period, condition, kind, value, share of parameter, clause))")
            w.line("BENEFITS = (")
            with w.indent():
                for label, due, highest, out_rows in benefits:
                    w.line(f"({label!r}, {due!r}, {highest!r}, (")
                    with w.indent():
                        for text in out_rows:
                            w.line(text + ",")
                    w.line(")),")
            w.line(")")
            w.line("# funds: (inputs (name, label), items (name, due, value, clause), checks (name, label, test, clause))")
            w.line("FUNDS = (")
            with w.indent():
                for inputs, items, checks in funds:
                    w.line("(")
                    with w.indent():
                        w.line(f"{inputs!r},")
                        w.line("(")
                        with w.indent():
                            for item in items:
                                w.line(f"{item!r},")
                        w.line("),")
                        w.line(f"{checks!r},")
                    w.line("),")
            w.line(")")
            w.line("# monitoring lists: (threshold, push day of the next month, amount or None, clause)")
            w.line(f"MONITORS = {tuple(monitors)!r}")
            w.line("# generated method → line of the .aid file it computes (for error messages)")
            w.line("LINES = {")
            with w.indent():
                for m in sorted(self.lines):
                    w.line(f"{m!r}: {self.lines[m]!r},")
            w.line("}")
            w.line()
            w.lines.extend(self.methods.lines)
        methods_from_end = len(self.methods.lines)
        # constants go before the class
        consts = ["# constants"] + [f"{name} = {source}" for name, source in self.consts.lines] + [""]
        w.lines[const_at:const_at] = consts
        used = [name for name in RUNTIME_NAMES if w.uses(name) or name == "CompiledSettler"]
        w.lines[import_at:import_at] = ["from aidlang.runtime import ("] + [f"    {name}," for name in used] + [")"]
        for module, name in (("import operator", "operator."), ("from datetime import date", "date("),
                             ("from fractions import Fraction", "Fraction(")):
            if not any(name in line for line in w.lines if not line.lstrip().startswith(("#", "import", "from"))):
                w.lines.remove(module)
        # the methods are the module's last lines: their numbers are known now, and this table goes after them
        first = len(w.lines) - methods_from_end + 1
        w.line()
        w.line()
        w.line("# line of this module → line of the .aid file it computes (for error messages)")
        w.line("LINE_AT = {")
        with w.indent():
            for index in sorted(self.methods.at):
                w.line(f"{first + index!r}: {self.methods.at[index]!r},")
        w.line("}")
        return w.text()


def _has_per_claim(tier: n.Tier) -> bool:
    """Some rule of the tier gives a deductible or threshold of each claim alone (`每次`)."""
    return any(s.per_claim for rule in tier.rules for s in rule.settings)


def _mentions_params(expr) -> bool:
    from ..evaluate import _mentions_params as mentions
    return mentions(expr)


def render(checked) -> str:
    """The source of the settlement module of a checked policy (deterministic: same policy, same bytes)."""
    return ModuleBuilder(checked).render()
