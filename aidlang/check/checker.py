"""The checker: names, types and units, clauses and dates of a parsed policy.

`check` runs every pass in `PASSES` over one shared `Context`; each pass appends diagnostics and never
stops the others, so an author sees every problem in the file at once. A pass is a plain function of the
context and can be run alone in a test. Expressions are typed by `infer`, which dispatches on the node
class through `INFER`; the types it finds are kept in `CheckedPolicy.types`.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import difflib
import functools
import re
import typing
import unicodedata
from decimal import Decimal
from typing import Callable, Iterable, Iterator

import attrs

from aidlang import records
from aidlang.check import symbols as sym
from aidlang.frontend import nodes as n
from aidlang.frontend.diagnostics import AidError, Diagnostic
from aidlang.frontend.messages import MESSAGES
from aidlang.frontend.source import Span
from aidlang.runtime import SETTING_WORDS, percent_in_range


@attrs.frozen
class CheckedPolicy:
    policy: n.Policy
    symbols: sym.Symbols
    types: dict[int, str]  # id(expression node) -> money | rate | pp | number | bool | string | date | duration

    @property
    def name(self) -> str:
        return self.policy.header.name


def check(policy: n.Policy) -> CheckedPolicy:
    """The checked policy, or AidError with every problem found in it."""
    ctx = Context(policy, sym.build_symbols(policy))
    for run_pass in PASSES:
        run_pass(ctx)
    if ctx.diagnostics:
        raise AidError(ctx.diagnostics)
    return CheckedPolicy(policy, ctx.symbols, ctx.types)


# ---------------------------------------------------------------- context

@attrs.define
class Context:
    policy: n.Policy
    symbols: sym.Symbols
    diagnostics: list[Diagnostic] = attrs.Factory(list)
    types: dict[int, str] = attrs.Factory(dict)

    def report(self, code: str, span: Span, hint: str | None = None, **args: object) -> None:
        self.diagnostics.append(Diagnostic.make(code, span, hint=hint, **args))

    def report_unknown(self, code: str, span: Span, name: str, candidates: Iterable[str],
                       fallback_hint: str | None = None, **args: object) -> None:
        """An unknown name, with a did-you-mean hint when a declared name is close to it."""
        close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.5)
        if close:
            self.report(code, span, hint="H101", name=name, suggestion=close[0], **args)
        else:
            self.report(code, span, hint=fallback_hint, name=name, **args)

    def name_span(self, span: Span, name: str, after: tuple[str, ...] = ()) -> Span:
        """Where `name` is written inside `span` (after one of the keywords `after`, if given); else `span`.

        Nodes keep names as strings without positions, so the caret is placed by finding the name again
        in the source, skipping strings and comments.
        """
        text = span.source.text
        starts = _line_starts(text)
        begin = starts[span.line - 1] + span.column - 1 if span.line <= len(starts) else len(text)
        end = starts[span.end_line - 1] + span.end_column - 1 if span.end_line <= len(starts) else len(text)
        seen_keyword = not after
        for match in _WORD.finditer(text, begin, end):
            word = match.group()
            if seen_keyword and word == name:
                line = bisect.bisect_right(starts, match.start())
                column = match.start() - starts[line - 1] + 1
                return Span(span.source, line, column, line, column + len(name))
            seen_keyword = seen_keyword or word in after
        return span


_NAME_CHARS = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff〇"
_WORD = re.compile(r'"(?:[^"\\\n]|\\.)*"|“[^”\n]*”|「[^」\n]*」|#[^\n]*|[A-Za-z_][A-Za-z0-9_]*|[=＝]'
                   rf"|[{_NAME_CHARS}][{_NAME_CHARS}A-Za-z_]*")


@functools.lru_cache(maxsize=8)
def _line_starts(text: str) -> list[int]:
    return [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]


# ---------------------------------------------------------------- words for messages

TYPE_WORDS = {
    "money": ("金额", "money"), "rate": ("百分比", "a rate"), "pp": ("百分点", "percentage points"),
    "number": ("数值", "a number"), "bool": ("是/否判断", "true or false"),
    "string": ("文字", "text"), "date": ("日期", "a date"), "duration": ("期限", "a duration"),
}
TIER_WORDS = {"basic": ("基本医保", "basic"), "critical": ("大病保险", "critical"), "aid": ("医疗救助", "aid"),
              "tilted": ("倾斜救助", "tilted")}


def type_words(types: Iterable[str], joiners: tuple[str, str] = ("或", " or ")) -> tuple[str, str]:
    words = [TYPE_WORDS[t] for t in types]
    return joiners[0].join(w[0] for w in words), joiners[1].join(w[1] for w in words)


def named(kind: tuple[str, str], name: str) -> tuple[str, str]:
    """`类别“特困人员”` / `category 特困人员`, for the `what` of a message."""
    return f"{kind[0]}“{name}”", f"{kind[1]} {name}"


# ---------------------------------------------------------------- scopes: what an expression may use

@attrs.frozen
class Scope:
    """Where an expression sits, and so which builtins, series and functions have values there."""

    where: tuple[str, str]
    builtins: frozenset[str]  # the `Builtin.context`s visible here
    fund_series: bool = False  # fund inputs and items, `name[year]`
    running_totals: bool = False  # year_self_paid()
    claim_ranks: bool = False  # claim_rank(): only where a claim is being settled
    tier_kind: str | None = None  # in a tier: the paid amounts of it and later tiers are not known yet


TIER = Scope(("待遇", "a tier"), frozenset({"claim", "person"}), running_totals=True, claim_ranks=True)
BENEFIT = Scope(("年度待遇", "an annual benefit"), frozenset({"person"}))
FUND = Scope(("基金管理", "a fund block"), frozenset({"fund"}), fund_series=True)
MONITOR = Scope(("监测", "a monitor"), frozenset({"person"}), running_totals=True)
TARGET = Scope(("控制目标", "a control target"), frozenset({"target", "claim"}))
PARAM = Scope(("参数取值", "a parameter value"), frozenset())
SCOPES = (TIER, BENEFIT, FUND, MONITOR, TARGET)

PAID_BY = {"basic_paid": "basic", "critical_paid": "critical", "aid_paid": "aid"}


def allowed_where(visible: Callable[[Scope], bool]) -> tuple[str, str]:
    places = [s.where for s in SCOPES if visible(s)]
    return "、".join(p[0] for p in places), " or ".join(p[1] for p in places)


# ---------------------------------------------------------------- expressions: types and units

ADDITIVE = {
    ("money", "money"): "money", ("rate", "rate"): "rate", ("rate", "pp"): "rate", ("pp", "rate"): "rate",
    ("pp", "pp"): "pp", ("number", "number"): "number", ("date", "duration"): "date",
    ("duration", "duration"): "duration",
}
MULTIPLY = {
    ("money", "rate"): "money", ("rate", "money"): "money", ("rate", "rate"): "rate",
    ("money", "number"): "money", ("number", "money"): "money", ("number", "number"): "number",
    ("rate", "number"): "rate", ("number", "rate"): "rate",
}
DIVIDE = {("money", "money"): "rate", ("money", "number"): "money", ("number", "number"): "number",
          ("rate", "number"): "rate"}
UNIT_TYPES = {"yuan": "money", "percent": "rate", "pp": "pp", "year": "duration", "month": "duration",
              "day": "duration", "age": "number", "": "number"}
SIGNED = {"money", "rate", "pp", "number", "duration"}
ORDERED = {"money", "rate", "pp", "number", "date", "duration"}


def infer(ctx: Context, expr: n.Expr, scope: Scope) -> str | None:
    """The type of an expression, reporting what is wrong in it; None when unknown (already reported)."""
    found = INFER[type(expr)](ctx, expr, scope)
    if found is not None:
        ctx.types[id(expr)] = found
    return found


def expect(ctx: Context, expr: n.Expr, scope: Scope, expected: tuple[str, ...],
           what: tuple[str, str]) -> str | None:
    found = infer(ctx, expr, scope)
    if found is not None and found not in expected:
        ctx.report("E204", expr.span, hint=unit_hint(expected, found), what=what, expected=type_words(expected),
                   actual=TYPE_WORDS[found])
    return found


def unit_hint(expected: tuple[str, ...], found: str) -> str | None:
    if found == "number" and "rate" in expected:
        return "H102"
    if found == "number" and "money" in expected:
        return "H103"
    return None


def infer_quantity(ctx: Context, q: n.Quantity, scope: Scope) -> str:
    if q.unit == "yuan" and q.value != q.value.quantize(Decimal("0.01")):
        ctx.report("E206", q.span, value=_plain(q.value))
    return UNIT_TYPES[q.unit]


def infer_ref(ctx: Context, ref: n.Ref, scope: Scope) -> str | None:
    builtin = sym.builtin(ref.name)
    if builtin is not None:
        return _builtin_type(ctx, ref, builtin, scope)
    param = ctx.symbols.params.get(ref.name)
    if param is not None:
        return param.type
    if ref.name in fund_series(ctx):
        if not scope.fund_series:
            ctx.report("E115", ref.span, name=ref.name, where=scope.where,
                       allowed=allowed_where(lambda s: s.fund_series))
            return None
        return "money"
    ctx.report_unknown("E101", ref.span, ref.name, visible_names(ctx, scope))
    return None


def _builtin_type(ctx: Context, ref: n.Ref, builtin: sym.Builtin, scope: Scope) -> str | None:
    if builtin.context not in scope.builtins:
        ctx.report("E115", ref.span, name=ref.name, where=scope.where,
                   allowed=allowed_where(lambda s: builtin.context in s.builtins))
        return None
    paid_by = PAID_BY.get(builtin.name)
    if scope.tier_kind and paid_by and n.TIER_KINDS.index(paid_by) >= n.TIER_KINDS.index(scope.tier_kind):
        ctx.report("E123", ref.span, name=ref.name, tier=TIER_WORDS[paid_by], kind=TIER_WORDS[scope.tier_kind])
    return builtin.type


def visible_names(ctx: Context, scope: Scope) -> list[str]:
    names = list(ctx.symbols.params)
    names += [alias for b in sym.BUILTINS if b.context in scope.builtins for alias in (b.name, b.zh)]
    if scope.fund_series:
        names += fund_series(ctx)
    return names


def fund_series(ctx: Context) -> list[str]:
    """Names a fund expression can read by year: every fund block's inputs and items."""
    return [x.name for fund in ctx.symbols.policy.of_type(n.Fund) for x in (*fund.inputs, *fund.items)]


def infer_call(ctx: Context, call: n.Call, scope: Scope) -> str | None:
    canonical = sym.FUNCTIONS.get(call.func)
    if canonical is None:
        words = sorted(sym.FUNCTIONS)
        ctx.report_unknown("E109", call.span, call.func, words,
                           functions=("、".join(w for w in words if not w.isascii()),
                                      ", ".join(w for w in words if w.isascii())))
        return None
    fewest, most = sym.FUNCTION_ARITY[canonical]
    if len(call.args) < fewest or (most is not None and len(call.args) > most):
        ctx.report("E210", call.span, name=call.func, expected=_arity_words(fewest, most), count=len(call.args))
    if canonical == "year_self_paid":
        return _running_total(ctx, call, scope)
    if canonical == "claim_rank":
        return _claim_rank(ctx, call, scope)
    return _same_type(ctx, call, scope)


def _arity_words(fewest: int, most: int | None) -> str | tuple[str, str]:
    if most is None:
        return f"至少 {fewest} ", f"at least {fewest}"
    return (f" {fewest} ", str(fewest)) if fewest == most else (f" {fewest} 到 {most} ", f"{fewest} to {most}")


def _running_total(ctx: Context, call: n.Call, scope: Scope) -> str | None:
    """year_self_paid(住院, …): the arguments are visit types, not values."""
    for arg in call.args:
        if isinstance(arg, n.Ref) and arg.name in sym.VISIT_TYPES:
            ctx.types[id(arg)] = "string"
        else:
            ctx.report("E105", arg.span, name=_source_text(arg.span))
    if not scope.running_totals:
        ctx.report("E115", call.span, name=call.func, where=scope.where,
                   allowed=allowed_where(lambda s: s.running_totals))
        return None
    return "money"


def _claim_rank(ctx: Context, call: n.Call, scope: Scope) -> str | None:
    """claim_rank(住院, …): the arguments are visit types or pools, as year_self_paid's; a number, in tiers only."""
    for arg in call.args:
        if isinstance(arg, n.Ref) and (arg.name in sym.VISIT_TYPES or arg.name in ctx.symbols.pools):
            ctx.types[id(arg)] = "string"
        else:
            ctx.report("E105", arg.span, name=_source_text(arg.span))
    if not scope.claim_ranks:
        ctx.report("E115", call.span, name=call.func, where=scope.where,
                   allowed=allowed_where(lambda s: s.claim_ranks))
        return None
    return "number"


def _same_type(ctx: Context, call: n.Call, scope: Scope) -> str | None:
    """较小值/较大值: the arguments and the result share one type."""
    found = [infer(ctx, arg, scope) for arg in call.args]
    known = list(dict.fromkeys(t for t in found if t is not None))
    if len(known) > 1:
        ctx.report("E211", call.span, name=call.func, types=type_words(known, ("和", " and ")))
        return None
    if None in found or not known:
        return None  # an argument's problem is already reported
    return known[0]


def infer_index(ctx: Context, index: n.Index, scope: Scope) -> str | None:
    expect(ctx, index.index, scope, ("number",), ("方括号中的年份", "the year in brackets"))
    if index.name not in fund_series(ctx):
        ctx.report_unknown("E122", index.span, index.name, fund_series(ctx))
        return None
    if not scope.fund_series:
        ctx.report("E115", index.span, name=index.name, where=scope.where,
                   allowed=allowed_where(lambda s: s.fund_series))
        return None
    return "money"


def infer_literal(kind: str) -> Callable[[Context, n.Expr, Scope], str]:
    return lambda ctx, expr, scope: kind


def infer_none(ctx: Context, expr: n.NoneLit, scope: Scope) -> None:
    ctx.report("E212", expr.span)
    return None


# The documents' words for "none" beyond 无/none, and the settings each can describe: 不封顶 is said of a cap
# only, 不设起付线 of a deductible only; 不设 of any. Elsewhere (a missing person attribute) only 无 is written.
NONE_WORDS: dict[str, tuple[str, ...]] = {"不设": ("deductible", "cap", "threshold"), "不封顶": ("cap",),
                                          "no_cap": ("cap",), "不设起付线": ("deductible",),
                                          "no_deductible": ("deductible",)}


def _setting_list(keys: tuple[str, ...]) -> tuple[str, str]:
    words = [SETTING_WORDS[k] for k in keys]
    return "、".join(w[0] for w in words), ", ".join(w[1] for w in words)


def check_none_word(ctx: Context, expr: n.NoneLit) -> None:
    """A none of the documents' words (不设, 不封顶) where only a setting may take it: write 无."""
    if expr.word in NONE_WORDS:
        ctx.report("E417", expr.span, word=expr.word, keys=_setting_list(NONE_WORDS[expr.word]))


def infer_binary(ctx: Context, expr: n.Binary, scope: Scope) -> str | None:
    left, right = infer(ctx, expr.left, scope), infer(ctx, expr.right, scope)
    if left is None or right is None:
        return None
    table = ADDITIVE if expr.op in "+-" else MULTIPLY if expr.op == "*" else DIVIDE
    result = table.get((left, right))
    if result is not None:
        return result
    left_words, right_words = TYPE_WORDS[left], TYPE_WORDS[right]
    if "pp" in (left, right):
        ctx.report("E203", expr.span)
    elif expr.op in "+-":
        ctx.report("E201", expr.span, hint="H104" if {left, right} == {"money", "rate"} else None,
                   left=left_words, right=right_words)
    else:
        ctx.report("E202", expr.span, op=("相乘", "×") if expr.op == "*" else ("相除", "÷"),
                   left=left_words, right=right_words)
    return None


def infer_neg(ctx: Context, expr: n.Neg, scope: Scope) -> str | None:
    found = infer(ctx, expr.operand, scope)
    if found is not None and found not in SIGNED:
        ctx.report("E209", expr.span, type=TYPE_WORDS[found])
        return None
    return found


def infer_compare(ctx: Context, expr: n.Compare, scope: Scope) -> str:
    if sym.missing_test(expr) is not None:  # `家庭年收入 = 无`: the policy says what a missing attribute means
        for side in (expr.left, expr.right):
            if isinstance(side, n.NoneLit):
                check_none_word(ctx, side)
        return "bool"
    left, right = infer(ctx, expr.left, scope), infer(ctx, expr.right, scope)
    if left is not None and right is not None:
        if left != right:
            ctx.report("E207", expr.span, left=TYPE_WORDS[left], right=TYPE_WORDS[right])
        elif expr.op not in ("==", "!=") and left not in ORDERED:
            ctx.report("E208", expr.span, type=TYPE_WORDS[left])
    return "bool"


def infer_in_list(ctx: Context, expr: n.InList, scope: Scope) -> str:
    if expr.list_name is not None:
        expect(ctx, expr.item, scope, ("string",), ("在目录中查找的值", "a value looked up in a list"))
        if expr.list_name not in ctx.symbols.lists:
            ctx.report_unknown("E108", ctx.name_span(expr.span, expr.list_name, after=("在", "in")),
                               expr.list_name, ctx.symbols.lists)
        return "bool"
    item = infer(ctx, expr.item, scope)
    none_allowed = sym.missing_in_list(expr) is not None  # `残疾等级 在 [无, 3, 4]`
    for option in expr.items:
        if none_allowed and isinstance(option, n.NoneLit):
            check_none_word(ctx, option)
            continue
        found = infer(ctx, option, scope)
        if item is not None and found is not None and found != item:
            ctx.report("E207", option.span, left=TYPE_WORDS[item], right=TYPE_WORDS[found])
    return "bool"


def infer_bool_op(ctx: Context, expr: n.BoolOp, scope: Scope) -> str:
    what = ("“且”“或”连接的每一项", "each side of and/or")
    for operand in expr.operands:
        expect(ctx, operand, scope, ("bool",), what)
    return "bool"


def infer_not(ctx: Context, expr: n.Not, scope: Scope) -> str:
    expect(ctx, expr.operand, scope, ("bool",), ("“非”之后", "the operand of not"))
    return "bool"


def infer_adjust(ctx: Context, expr: n.Adjust, scope: Scope) -> str | None:
    """Only settings hold an Adjust (see `check_setting`); on its own it has its amount's type."""
    return infer(ctx, expr.amount, scope)


INFER: dict[type, Callable[[Context, typing.Any, Scope], str | None]] = {
    n.Quantity: infer_quantity, n.Ref: infer_ref, n.Call: infer_call, n.Index: infer_index,
    n.StringLit: infer_literal("string"), n.DateLit: infer_literal("date"), n.BoolLit: infer_literal("bool"),
    n.NoneLit: infer_none, n.Binary: infer_binary, n.Neg: infer_neg, n.Compare: infer_compare,
    n.InList: infer_in_list, n.BoolOp: infer_bool_op, n.Not: infer_not, n.Adjust: infer_adjust,
}
EXPR_CLASSES: tuple[type[n.Expr], ...] = typing.get_args(n.Expr)


def sub_expressions(expr: n.Expr) -> Iterator[n.Expr]:
    """Every expression inside `expr`, itself included."""
    yield expr
    for field in attrs.fields(type(expr)):
        value = getattr(expr, field.name)
        for child in value if isinstance(value, tuple) else (value,):
            if isinstance(child, EXPR_CLASSES):
                yield from sub_expressions(child)


def constant_percent(ctx: Context, expr: n.Expr, seen: frozenset[str] = frozenset()) -> Decimal | None:
    """The value in % of a rate written with literals (or a single-valued parameter), else None."""
    if isinstance(expr, n.Quantity) and expr.unit in ("percent", "pp"):
        return expr.value
    if isinstance(expr, n.Neg):
        value = constant_percent(ctx, expr.operand, seen)
        return None if value is None else -value
    if isinstance(expr, n.Binary) and expr.op in "+-":
        left, right = constant_percent(ctx, expr.left, seen), constant_percent(ctx, expr.right, seen)
        if left is None or right is None:
            return None
        return left + right if expr.op == "+" else left - right
    if isinstance(expr, n.Ref) and expr.name not in seen:
        param = ctx.symbols.params.get(expr.name)
        if param is not None and param.values and len(param.values) == 1:
            return constant_percent(ctx, param.values[0].expr, seen | {expr.name})
    return None


def check_rate_range(ctx: Context, expr: n.Expr, what: tuple[str, str]) -> None:
    value = constant_percent(ctx, expr)
    if value is not None and not percent_in_range(value):
        ctx.report("E205", expr.span, what=what, value=_plain(value))


def _plain(value: Decimal) -> str:
    """A decimal as an author wrote it: 120, 0.005, never 1.2E+2."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _source_text(span: Span) -> str:
    if span.line != span.end_line:
        return span.source.line(span.line)[span.column - 1:]
    return span.source.line(span.line)[span.column - 1: span.end_column - 1]


# ================================================================ passes

# ---------------------------------------------------------------- header

# 文号 is not required: some notices carry none (Jinggu's 2018 notice states no number of its own).
HEADER_FIELDS = (("title", ("标题", "title"), ("标题", "title")),
                 ("issuers", ("发布机关", "issuer"), ("发布机关", "issuer")),
                 ("in_force", ("施行日期", "in-force date"), ("施行日期", "in_force")))
# the header fields given once, by their attribute on Header: (Chinese keyword, English keyword)
SINGLE_FIELDS = {"title": ("标题", "title"), "doc_number": ("文号", "doc_number"), "issued": ("成文日期", "issued"),
                 "published": ("发布日期", "published"),
                 "in_force": ("施行日期", "in_force"), "valid_for": ("有效期", "valid_for"),
                 "valid_until": ("有效期至", "valid_until")}


IN_FORCE, VALID_UNTIL = ("施行日期", "in_force"), ("有效期至", "valid_until")


def keyword_span(ctx: Context, span: Span, spellings: tuple[str, ...]) -> Span:
    """Where one of a keyword's spellings is written inside `span` (else `span`)."""
    for word in spellings:
        found = ctx.name_span(span, word)
        if found is not span:
            return found
    return span


def check_header(ctx: Context) -> None:
    """Title, issuer and in-force date present, each single field given once; validity in whole years or months,
    given once."""
    header = ctx.policy.header
    for attribute, field, keyword in HEADER_FIELDS:
        if getattr(header, attribute) in (None, "", ()):
            ctx.report("E401", header.span, field=field, keyword=keyword)
    for repeat in header.repeated:
        written = _source_text(repeat.span).split()[0]  # the spelling the author wrote (标题 or title …)
        zh, en = SINGLE_FIELDS[repeat.key]
        keyword = (written, written) if written in (zh, en) else (zh, en)
        line = repeat.first.line if repeat.first is not None else repeat.span.line
        ctx.report("E415", repeat.span, keyword=keyword, line=line)
    valid = header.valid_for
    if valid is not None:
        infer(ctx, valid, PARAM)
    if valid is not None and (valid.unit not in ("year", "month") or valid.value != int(valid.value)
                              or valid.value <= 0):
        ctx.report("E213", valid.span)
    if valid is not None and header.valid_until is not None:
        ctx.report("E308", keyword_span(ctx, header.span, VALID_UNTIL))


# ---------------------------------------------------------------- duplicate declarations

class _Named(typing.Protocol):
    """A declaration that has a name: every kind but 身份."""

    @property
    def name(self) -> str: ...

    @property
    def span(self) -> Span: ...


NAMESPACES: tuple[tuple[tuple[str, str], tuple[type[_Named], ...]], ...] = (
    (("参数", "param"), (n.Param,)), (("类别或群组", "category or group"), (n.Category, n.Group)),
    (("费用池", "pool"), (n.Pool,)), (("条款", "provision"), (n.Provision,)), (("目录", "list"), (n.DiseaseList,)),
    (("待遇", "tier"), (n.Tier,)), (("年度待遇", "benefit"), (n.Benefit,)), (("基金管理", "fund"), (n.Fund,)),
    (("监测", "monitor"), (n.Monitor,)), (("控制目标", "target"), (n.Target,)), (("测试", "test"), (n.TestCase,)),
)


def check_duplicates(ctx: Context) -> None:
    """One declaration per name in each namespace (categories and groups share one: both are who-names)."""
    for kind, classes in NAMESPACES:
        decls = [d for d in ctx.policy.decls if isinstance(d, classes)]
        _report_duplicates(ctx, kind, [(d.name, d.span) for d in decls])
    visits = ctx.policy.of_type(n.Visit)
    _report_duplicates(ctx, ("就诊类型", "visit type"),
                       [(sym.VISIT_TYPES.get(v.name, v.name), v.span) for v in visits], [v.name for v in visits])
    for fund in ctx.policy.of_type(n.Fund):
        _report_duplicates(ctx, ("输入", "input"), [(i.name, i.span) for i in fund.inputs])
    for param in ctx.policy.of_type(n.Param):
        if sym.builtin(param.name) is not None:
            ctx.report("E112", ctx.name_span(param.span, param.name), name=param.name)


def _report_duplicates(ctx: Context, kind: tuple[str, str], named_spans: list[tuple[str, Span]],
                       written: list[str] | None = None) -> None:
    first_line: dict[str, int] = {}
    for i, (name_key, span) in enumerate(named_spans):
        name = written[i] if written else name_key
        # names alike under NFKC (豈 U+F900 is 豈 U+8C48) are one name: two would show alike in every table
        key = unicodedata.normalize("NFKC", name_key)
        if key in first_line:
            ctx.report("E111", ctx.name_span(span, name), kind=kind, name=name, line=first_line[key])
        else:
            first_line[key] = span.line


# ---------------------------------------------------------------- categories, groups, identity

def check_categories(ctx: Context) -> None:
    """属于 names a category, with no cycle; group members and the identity order name categories."""
    cats = ctx.symbols.categories
    for category in ctx.policy.of_type(n.Category):
        if category.parent is not None and category.parent not in cats:
            ctx.report_unknown("E102", ctx.name_span(category.span, category.parent, after=("属于", "kind_of")),
                               category.parent, cats)
    _report_kind_cycles(ctx)
    _check_aliases(ctx)
    for group in ctx.policy.of_type(n.Group):
        for member in group.members:
            _check_category_name(ctx, ctx.name_span(group.span, member, after=("=", "＝")), member)
    for rule in ctx.symbols.identity:
        for name in rule.names:
            _check_category_name(ctx, ctx.name_span(rule.span, name), name)


def _check_aliases(ctx: Context) -> None:
    """E418: a 别名 must name its category alone — not another category's identifier, Chinese name or 别名."""
    owner: dict[str, str] = {}
    for category in ctx.policy.of_type(n.Category):
        owner.setdefault(category.name, category.name)
        if category.label:
            owner.setdefault(category.label, category.name)
    for category in ctx.policy.of_type(n.Category):
        for alias in category.aliases:
            other = owner.get(alias)
            if other is not None and other != category.name or alias in (category.name, category.label):
                ctx.report("E418", _string_span(category.span, alias), alias=alias, name=other or category.name)
            owner.setdefault(alias, category.name)


def _string_span(span: Span, text: str) -> Span:
    """Where the quoted `text` is written inside `span` (the quotes included), else `span`."""
    source = span.source
    for line_no in range(span.line, span.end_line + 1):
        line = source.line(line_no)
        for quote in ('"', "“", "「"):
            at = line.find(quote + text)
            if at >= 0:
                return Span(source, line_no, at + 1, line_no, at + len(text) + 3)
    return span


def _check_category_name(ctx: Context, span: Span, name: str) -> None:
    if name in ctx.symbols.groups:
        ctx.report("E113", span, name=name)
    elif name not in ctx.symbols.categories:
        ctx.report_unknown("E102", span, name, ctx.symbols.categories)


def _report_kind_cycles(ctx: Context) -> None:
    cats = ctx.symbols.categories
    reported: set[str] = set()
    for name, category in cats.items():
        chain = [name]
        parent = category.parent
        while parent in cats and parent not in chain:
            chain.append(parent)
            parent = cats[parent].parent
        if parent == name and name not in reported and category.parent is not None:  # (it is: parent came from it)
            reported |= set(chain)
            words = " 属于 ".join(chain + [name]), " kind_of ".join(chain + [name])
            ctx.report("E114", ctx.name_span(category.span, category.parent, after=("属于", "kind_of")), chain=words)


# ---------------------------------------------------------------- visit types and pools

def check_visits(ctx: Context) -> None:
    """Visit declarations name the three visit types; pools hold declared visit types."""
    for visit in ctx.policy.of_type(n.Visit):
        if visit.name not in sym.VISIT_TYPES:
            ctx.report("E105", ctx.name_span(visit.span, visit.name), name=visit.name)
    for pool in ctx.policy.of_type(n.Pool):
        for visit in pool.visits:
            span = ctx.name_span(pool.span, visit, after=("=", "＝"))
            if visit not in sym.VISIT_TYPES:
                ctx.report("E105", span, name=visit)
            elif sym.VISIT_TYPES[visit] not in ctx.symbols.visits:
                ctx.report("E106", span, name=visit)
        split = pool.split_by
        if split is not None and ((b := sym.builtin(split.name)) is None or b.name != "institution_level"):
            ctx.report("E124", split.span, name=split.name)


# ---------------------------------------------------------------- parameters

def check_params(ctx: Context) -> None:
    """Each parameter has values or is published later; values do not refer to each other in a cycle."""
    for param in ctx.policy.of_type(n.Param):
        if not param.values and not param.published_later:
            ctx.report("E402", ctx.name_span(param.span, param.name), name=param.name)
    _report_param_cycles(ctx)


def _param_refs(param: n.Param) -> list[str]:
    return [e.name for v in param.values or () for e in sub_expressions(v.expr) if isinstance(e, n.Ref)]


def _report_param_cycles(ctx: Context) -> None:
    params = ctx.symbols.params
    graph = {name: [r for r in _param_refs(p) if r in params] for name, p in params.items()}
    reported: set[str] = set()
    for start in params:
        cycle = _cycle_through(graph, start)
        if cycle and start not in reported:
            reported |= set(cycle)
            arrow = " → ".join(cycle + [start])
            ctx.report("E116", ctx.name_span(params[start].span, start), chain=(arrow, arrow))


def _cycle_through(graph: dict[str, list[str]], start: str) -> list[str] | None:
    """A path start → … that returns to start, or None."""
    stack = [(start, [start])]
    visited: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph[node]:
            if nxt == start:
                return path
            if nxt not in visited:
                visited.add(nxt)
                stack.append((nxt, path + [nxt]))
    return None


# ---------------------------------------------------------------- tiers

def check_tiers(ctx: Context) -> None:
    """Pools, who-names, periods and statuses of tiers resolve; settings suit the tier's kind."""
    for tier in ctx.policy.of_type(n.Tier):
        for pool in tier.pools:
            _check_pool_name(ctx, ctx.name_span(tier.span, pool, after=("适用", "pools")), pool)
        if tier.during is not None:
            _check_provision_name(ctx, ctx.name_span(tier.span, tier.during, after=("期间", "during")), tier.during)
        for condition in tier.conditions:
            _check_otherwise(ctx, condition)
        set_plainly = {s.key for rule in tier.rules for s in rule.settings if not isinstance(s.value, n.Adjust)}
        for rule in tier.rules:
            _check_rule_names(ctx, tier, rule)
            _check_rule_settings(ctx, tier, rule, set_plainly)
        if tier.kind == "tilted" and not _sets_threshold(tier):
            ctx.report("E403", ctx.name_span(tier.span, tier.name), name=tier.name)


def _check_pool_name(ctx: Context, span: Span, name: str) -> bool:
    if name not in ctx.symbols.pools:
        visit = sym.VISIT_TYPES.get(name)
        if visit is not None:  # `适用 住院`: a visit type where a pool is wanted, said in the document's words
            holding = [p.name for p in ctx.symbols.pools.values()
                       if visit in {sym.VISIT_TYPES.get(v, v) for v in p.visits}]
            if holding:
                ctx.report("E104", span, hint="H107", name=name, pool=holding[0])
            else:
                ctx.report("E104", span, hint="H108", name=name)
            return False
        ctx.report_unknown("E104", span, name, ctx.symbols.pools)
        return False
    return True


def _check_provision_name(ctx: Context, span: Span, name: str) -> None:
    if name not in ctx.symbols.provisions:
        ctx.report_unknown("E107", span, name, ctx.symbols.provisions)


def _check_who(ctx: Context, span: Span, who: tuple[str, ...]) -> None:
    names = ctx.symbols.categories.keys() | ctx.symbols.groups.keys()
    for name in who:
        if name not in names and name not in sym.EVERYONE and name not in sym.ANY_CATEGORY:
            ctx.report_unknown("E103", ctx.name_span(span, name), name,
                               [*names, *sym.EVERYONE, *sym.ANY_CATEGORY], fallback_hint="H105")


def _check_otherwise(ctx: Context, condition: n.TierCondition) -> None:
    if condition.otherwise is not None and condition.otherwise not in sym.STATUSES:
        span = ctx.name_span(condition.span, condition.otherwise, after=("否则", "otherwise"))
        ctx.report("E110", span, name=condition.otherwise)


def _check_rule_names(ctx: Context, tier: n.Tier, rule: n.Rule) -> None:
    _check_who(ctx, rule.span, rule.who)
    for pool in rule.pools:
        span = ctx.name_span(rule.span, pool, after=("在", "in"))
        if _check_pool_name(ctx, span, pool) and pool not in tier.pools:
            ctx.report("E404", span, pool=pool, tier=tier.name)
    if rule.during is not None:
        _check_provision_name(ctx, ctx.name_span(rule.span, rule.during, after=("期间", "during")), rule.during)


def _per_claim_word(ctx: Context, setting: n.Setting) -> str:
    """How the source spells the per-claim mark of a setting (每次, 按次 or per_claim)."""
    text = _source_text(setting.span) or ""
    return next((w for w in ("每次", "按次", "per_claim") if w in text), "每次")


def _check_rule_settings(ctx: Context, tier: n.Tier, rule: n.Rule, set_plainly: set[str]) -> None:
    """`set_plainly`: the settings some rule of the tier gives a value (not 降低/提高) — what a relative
    setting can adjust; whether a less specific one precedes it for every claim is known only when settling."""
    seen: set[str] = set()
    for setting in rule.settings:
        key = SETTING_WORDS[setting.key]
        if setting.key in seen:
            ctx.report("E406", setting.span, key=key)
        seen.add(setting.key)
        if setting.key == "threshold" and tier.kind != "tilted":
            ctx.report("E407", setting.span, kind=TIER_WORDS[tier.kind])
        if setting.key == "deductible" and tier.kind == "tilted":
            ctx.report("E408", setting.span)
        if setting.per_claim and setting.key in ("ratio", "cap"):
            ctx.report("E419", setting.span, word=_per_claim_word(ctx, setting), key=key)
        elif setting.per_claim and isinstance(setting.value, n.Adjust):
            ctx.report("E420", setting.span, word=_per_claim_word(ctx, setting), key=key,
                       direction={"down": ("降低", "reduced_by"), "up": ("提高", "raised_by")}[setting.value.direction])
        if isinstance(setting.value, n.Adjust) and setting.value.direction == "up" and setting.key != "ratio":
            ctx.report("E405", setting.span, key=key)
        if isinstance(setting.value, n.Adjust) and setting.key not in set_plainly:
            ctx.report("E416", setting.span, key=key, direction={"down": ("降低", "reduced_by"),
                                                                  "up": ("提高", "raised_by")}[setting.value.direction])


def _sets_threshold(tier: n.Tier) -> bool:
    return any(s.key == "threshold" for rule in tier.rules for s in rule.settings)


# ---------------------------------------------------------------- benefits, funds, monitors

def check_blocks(ctx: Context) -> None:
    """Who-names and periods of benefit rows; due dates; monitors have what they need."""
    for benefit in ctx.policy.of_type(n.Benefit):
        for row in benefit.rows:
            _check_who(ctx, row.span, row.who)
            if row.during is not None:
                _check_provision_name(ctx, ctx.name_span(row.span, row.during, after=("期间", "during")), row.during)
        if benefit.due is not None:
            _check_due(ctx, benefit.due)
    for fund in ctx.policy.of_type(n.Fund):
        for item in fund.items:
            _check_due(ctx, item.due)
    for monitor in ctx.policy.of_type(n.Monitor):
        _check_monitor(ctx, monitor)


def _check_due(ctx: Context, due: n.DueSpec) -> None:
    if due.plus is not None and infer(ctx, due.plus, PARAM) != "duration":
        ctx.report("E215", due.plus.span)


def _check_monitor(ctx: Context, monitor: n.Monitor) -> None:
    span = ctx.name_span(monitor.span, monitor.name)
    if monitor.amount is None:
        ctx.report("E414", span, name=monitor.name, field=("金额", "amount"), keyword=("金额", "amount"))
    if monitor.threshold is None:
        ctx.report("E414", span, name=monitor.name, field=("监测标准", "threshold"),
                   keyword=("监测标准", "threshold"))
    day = monitor.push_day
    if day is not None and (infer(ctx, day, PARAM) != "duration" or day.unit != "day"
                            or day.value != int(day.value) or not 1 <= day.value <= 31):
        ctx.report("E214", day.span)


# ---------------------------------------------------------------- types of every expression

SETTING_TYPES = {"deductible": "money", "cap": "money", "threshold": "money", "ratio": "rate"}


def check_types(ctx: Context) -> None:
    """Every expression of the policy has the type and unit its place needs (names inside resolve)."""
    for param in ctx.policy.of_type(n.Param):
        for value in param.values or ():
            expect(ctx, value.expr, PARAM, (param.type,), named(("参数", "param"), param.name))
    for tier in ctx.policy.of_type(n.Tier):
        _type_tier(ctx, tier)
    for benefit in ctx.policy.of_type(n.Benefit):
        for row in benefit.rows:
            _type_benefit_row(ctx, row)
    for fund in ctx.policy.of_type(n.Fund):
        for item in fund.items:
            expect(ctx, item.expr, FUND, ("money",), named(("款项", "item"), item.name))
        for fund_check in fund.checks:
            expect(ctx, fund_check.expr, FUND, ("bool",), named(("核查", "check"), fund_check.name))
    for monitor in ctx.policy.of_type(n.Monitor):
        for expr, word in ((monitor.amount, ("监测金额", "the monitored amount")),
                           (monitor.threshold, ("监测标准", "the monitoring threshold"))):
            if expr is not None:
                expect(ctx, expr, MONITOR, ("money",), word)
    for target in ctx.policy.of_type(n.Target):
        expect(ctx, target.expr, TARGET, ("bool",), named(("控制目标", "target"), target.name))


def _type_tier(ctx: Context, tier: n.Tier) -> None:
    scope = attrs.evolve(TIER, tier_kind=tier.kind)
    if tier.base is not None:
        expect(ctx, tier.base, scope, ("money",), ("基数", "the base"))
    for condition in tier.conditions:
        expect(ctx, condition.expr, scope, ("bool",), ("条件", "a condition"))
    for rule in tier.rules:
        if rule.when is not None:
            expect(ctx, rule.when, scope, ("bool",), ("条件", "a condition"))
        for setting in rule.settings:
            check_setting(ctx, setting, scope)


def check_setting(ctx: Context, setting: n.Setting, scope: Scope) -> None:
    """deductible/cap/threshold: money or 无; ratio: a rate in 0–100%; 降低 a rate, 提高 percentage points."""
    what, wanted, value = SETTING_WORDS[setting.key], SETTING_TYPES[setting.key], setting.value
    if isinstance(value, n.NoneLit) and setting.key != "ratio":
        allowed = NONE_WORDS.get(value.word)
        if allowed is not None and setting.key not in allowed:
            ctx.report("E417", value.span, word=value.word, keys=_setting_list(allowed))
        return
    if isinstance(value, n.Adjust):
        ctx.types[id(value)] = wanted
        if value.direction == "down":
            expect(ctx, value.amount, scope, ("rate",), ("降低的幅度", "the reduction"))
            check_rate_range(ctx, value.amount, ("降低的幅度", "the reduction"))
        else:
            expect(ctx, value.amount, scope, ("pp", "rate"), ("提高的幅度", "the increase"))
        return
    expect(ctx, value, scope, (wanted,), what)
    if setting.key == "ratio":
        check_rate_range(ctx, value, what)


def _type_benefit_row(ctx: Context, row: n.BenefitRow) -> None:
    if row.when is not None:
        expect(ctx, row.when, BENEFIT, ("bool",), ("条件", "a condition"))
    if row.kind == "amount" and row.value is not None:
        expect(ctx, row.value, BENEFIT, ("money",), ("金额", "the amount"))
    if row.kind == "share" and row.value is not None:
        what = ("资助比例", "the share")
        if expect(ctx, row.value, BENEFIT, ("rate",), what) == "rate":
            check_rate_range(ctx, row.value, what)
    if row.share_of is not None:
        _check_share_base(ctx, row, row.share_of)


def _check_share_base(ctx: Context, row: n.BenefitRow, share_of: str) -> None:
    span = ctx.name_span(row.span, share_of, after=("之", "of"))
    param = ctx.symbols.params.get(share_of)
    if param is None:
        ctx.report_unknown("E121", span, share_of, ctx.symbols.params)
    elif param.type != "money":
        ctx.report("E204", span, what=("“之”后的参数", "the parameter after of"), expected=TYPE_WORDS["money"],
                   actual=TYPE_WORDS[param.type])


# ---------------------------------------------------------------- clauses

def check_clauses(ctx: Context) -> None:
    """Every rule cites a clause, itself or through the block (tier, benefit, fund, monitor) it sits in; a clause
    written as blank text (`依据 ""`) cites nothing, wherever it is written (the published table would show an
    empty basis)."""
    for decl in ctx.policy.decls:
        for node, what in _clause_citers(decl):
            if node.clause is None or not node.clause.text.strip():
                ctx.report("E301", node.span, what=what)


CITING_DECLARATIONS = {
    n.Category: ("类别", "category"), n.Group: ("群组", "group"), n.Pool: ("费用池", "pool"),
    n.DiseaseList: ("目录", "list"), n.Provision: ("条款", "provision"), n.Param: ("参数", "param"),
    n.Target: ("控制目标", "target"), n.Monitor: ("监测", "monitor"),
}


def _clause_citers(decl: n.Decl) -> Iterator[tuple[typing.Any, tuple[str, str]]]:
    """The nodes of a declaration that must cite a clause, with how a message names them."""
    if isinstance(decl, n.Identity):  # (first: the one declaration without a name)
        yield from ((rule, ("身份规则", "an identity rule")) for rule in decl.rules)
    elif type(decl) in CITING_DECLARATIONS:
        yield decl, named(CITING_DECLARATIONS[type(decl)], decl.name)
    elif isinstance(decl, (n.Tier, n.Benefit, n.Fund)):
        # a block's own clause, where written, must say something; without one each of its lines cites its own,
        # and with one a line's own, where written, must say something
        if decl.clause is not None:
            yield decl, named(BLOCK_NAMES[type(decl)], decl.name)
        yield from ((node, what) for node, what in _block_lines(decl) if decl.clause is None or node.clause is not None)


BLOCK_NAMES = {n.Tier: ("待遇", "tier"), n.Benefit: ("年度待遇", "benefit"), n.Fund: ("基金", "fund")}


def _block_lines(decl: n.Tier | n.Benefit | n.Fund) -> Iterator[tuple[typing.Any, tuple[str, str]]]:
    if isinstance(decl, n.Tier):
        yield from ((rule, (f"待遇“{decl.name}”的规则", f"a rule of tier {decl.name}")) for rule in decl.rules)
        yield from ((c, (f"待遇“{decl.name}”的条件", f"a condition of tier {decl.name}")) for c in decl.conditions)
    elif isinstance(decl, n.Benefit):
        what = f"年度待遇“{decl.name}”的规定", f"a line of benefit {decl.name}"
        yield from ((line, what) for line in (*decl.rows, *decl.flags))
    else:
        yield from ((item, named(("款项", "item"), item.name)) for item in decl.items)
        yield from ((c, named(("核查", "check"), c.name)) for c in decl.checks)


# ---------------------------------------------------------------- dates

def check_dates(ctx: Context) -> None:
    """In force on or after issue; provisions inside the policy's period unless retroactive; dated values ascend."""
    header = ctx.policy.header
    for keyword, day in ((ISSUED, header.issued), (PUBLISHED, header.published)):
        if day and header.in_force and header.in_force < day:
            ctx.report("E302", keyword_span(ctx, header.span, IN_FORCE), in_force=header.in_force, issued=day,
                       field=keyword)
    if header.valid_until and header.in_force and header.valid_until < header.in_force:
        ctx.report("E309", keyword_span(ctx, header.span, VALID_UNTIL), until=header.valid_until,
                   in_force=header.in_force)
    last = policy_last_day(header)
    for provision in ctx.policy.of_type(n.Provision):
        _check_provision_dates(ctx, provision, header.in_force, last)
    for param in ctx.policy.of_type(n.Param):
        _check_dated_values(ctx, param)
    _check_date_range(ctx, last)


# Settling moves dates forward (to a year's end, next month's push date, a due date, a validity in years) and
# Python's dates end on 9999-12-31, so a policy's own dates end a century before: past this, nothing computes.
LATEST_DATE = dt.date(9899, 12, 31)
ISSUED, PUBLISHED, VALID_FOR = ("成文日期", "issued"), ("发布日期", "published"), ("有效期", "valid_for")


def _check_date_range(ctx: Context, last: dt.date | None) -> None:
    """E312 for a date written past LATEST_DATE; E313 for a validity that runs past it."""
    header = ctx.policy.header
    for keyword, value in ((ISSUED, header.issued), (PUBLISHED, header.published), (IN_FORCE, header.in_force),
                           (VALID_UNTIL, header.valid_until)):
        _report_too_late(ctx, keyword_span(ctx, header.span, keyword), keyword, value)
    valid = header.valid_for
    if (valid is not None and header.in_force is not None and header.in_force <= LATEST_DATE
            and header.valid_until is None and valid.unit in ("year", "month") and valid.value == int(valid.value)
            and valid.value > 0
            and (last is None or last > LATEST_DATE)):
        ctx.report("E313", valid.span, valid=_source_text(valid.span), in_force=header.in_force, latest=LATEST_DATE)
    for provision in ctx.policy.of_type(n.Provision):
        span = ctx.name_span(provision.span, provision.name)
        latest = max(provision.start, provision.end or provision.start)  # one report, for its latest date
        _report_too_late(ctx, span, named(("条款", "provision"), provision.name), latest)
    for param in ctx.policy.of_type(n.Param):
        for value in param.values or ():
            _report_too_late(ctx, value.span, ("参数取值的 自", "a param value's from"), value.since)
    for test in ctx.policy.of_type(n.TestCase):
        year = test.year or (test.month[0] if test.month else None)
        if year is not None and year > LATEST_DATE.year:
            ctx.report("E312", test.span, what=("测试年度", "a test's year"), date=year, latest=LATEST_DATE)
        for item in test.items:
            for value in (getattr(item, "start", None), getattr(item, "end", None),
                          getattr(item, "admission", None), getattr(item, "discharge", None)):
                _report_too_late(ctx, item.span, ("测试中的日期", "a test's date"), value)


def _report_too_late(ctx: Context, span: Span, what: tuple[str, str], value: dt.date | None) -> None:
    if value is not None and value > LATEST_DATE:
        ctx.report("E312", span, what=what, date=value, latest=LATEST_DATE)


def policy_last_day(header: n.Header) -> dt.date | None:
    """The last day the policy is in force, or None when open-ended (or not computable)."""
    if header.valid_until is not None:
        return header.valid_until
    valid, start = header.valid_for, header.in_force
    if (valid is None or start is None or valid.unit not in ("year", "month") or valid.value != int(valid.value)
            or valid.value <= 0):
        return None  # E213 reports a validity that is not whole years or months
    end = add_months(start, int(valid.value) * (12 if valid.unit == "year" else 1))
    return end - dt.timedelta(days=1) if end is not None else None


def add_months(day: dt.date, months: int) -> dt.date | None:
    """`day` moved by whole months, clamped to the month's end; None past the calendar's range."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return None
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def _check_provision_dates(ctx: Context, provision: n.Provision, in_force: dt.date | None,
                           last: dt.date | None) -> None:
    span = ctx.name_span(provision.span, provision.name)
    if in_force and provision.start < in_force and not provision.retroactive:
        ctx.report("E303", span, name=provision.name, start=provision.start, in_force=in_force)
    if provision.end is None:
        return
    if provision.end < provision.start:
        ctx.report("E305", span, name=provision.name, end=provision.end, start=provision.start)
    elif last and provision.end > last:
        ctx.report("E304", span, name=provision.name, end=provision.end, last=last)


def _check_dated_values(ctx: Context, param: n.Param) -> None:
    previous: dt.date | None = None
    for i, value in enumerate(param.values or ()):
        if value.since is None:
            if i > 0:
                ctx.report("E307", value.span, name=param.name)
            continue
        if previous is not None and value.since <= previous:
            ctx.report("E306", value.span, name=param.name, date=value.since, previous=previous)
        previous = value.since


# ---------------------------------------------------------------- tests written in the policy

CLAIM_VALUE_TYPES = {"policy_scope_cost": "money", "basic_paid": "money", "critical_paid": "money",
                     "referred": "bool", "in_province": "bool", "disease": "string", "institution_level": "string"}
PERSON_VALUE_TYPES = {"gender": "string", "birth_date": "date", "disability_grade": "number", "dibao_class": "string",
                      "family_monthly_income_per_capita": "money", "family_annual_income": "money"}
RESULT_VALUE_TYPES = {"basic_paid": "money", "critical_paid": "money", "aid_paid": "money", "tilted_paid": "money",
                      "self_pay": "money", "basis": "string", "status": "string", "category": "string"}
# 无: a claim may leave an insurance payment to the policy; a result may apply no category
NONE_ALLOWED = {"basic_paid", "critical_paid", "category"}
KEYWORD_KEYS = {"category": "类别", "basis": "依据"}  # keys the grammar reads as keywords


@attrs.frozen
class TestNames:
    """What a test declares: its persons and claims."""

    persons: frozenset[str]
    claims: frozenset[str]


def check_tests(ctx: Context) -> None:
    """Test lines use known keys and values, and refer to persons, claims and declarations that exist."""
    for test in ctx.policy.of_type(n.TestCase):
        names = TestNames(
            persons=frozenset(i.person for i in test.items if isinstance(i, (n.TestIdentity, n.TestPerson))),
            claims=frozenset(i.claim for i in test.items if isinstance(i, n.TestClaim)))
        _report_duplicate_claims(ctx, test)
        for item in test.items:
            TEST_ITEM_CHECKS[type(item)](ctx, item, names)


def _report_duplicate_claims(ctx: Context, test: n.TestCase) -> None:
    seen: set[str] = set()
    for item in test.items:
        if isinstance(item, n.TestClaim):
            if item.claim in seen:
                ctx.report("E412", ctx.name_span(item.span, item.claim), name=item.claim)
            seen.add(item.claim)


def _check_person(ctx: Context, span: Span, person: str, names: TestNames) -> None:
    if person not in names.persons:
        ctx.report_unknown("E119", ctx.name_span(span, person), person, names.persons)


def _test_identity(ctx: Context, item: n.TestIdentity, names: TestNames) -> None:
    if ctx.symbols.category(item.category) is None:
        ctx.report_unknown("E102", ctx.name_span(item.span, item.category), item.category, _category_words(ctx))
    if item.end is not None and item.end < item.start:
        ctx.report("E311", item.span, end=item.end, start=item.start)


def _test_person(ctx: Context, item: n.TestPerson, names: TestNames) -> None:
    _check_attrs(ctx, item.attrs, sym.PERSON_KEYS, PERSON_VALUE_TYPES, ("人员", "a person line"))


def _test_param(ctx: Context, item: n.TestParam, names: TestNames) -> None:
    param = ctx.symbols.params.get(item.name)
    if param is None:
        ctx.report_unknown("E121", ctx.name_span(item.span, item.name), item.name, ctx.symbols.params)
        infer(ctx, item.value, PARAM)
    else:
        what = named(("参数", "param"), item.name)
        if expect(ctx, item.value, PARAM, (param.type,), what) == "rate":
            check_rate_range(ctx, item.value, what)  # as the same value given with --param (issue 15)


def _test_claim(ctx: Context, item: n.TestClaim, names: TestNames) -> None:
    _check_person(ctx, item.span, item.person, names)
    if item.visit not in sym.VISIT_TYPES:
        ctx.report("E105", ctx.name_span(item.span, item.visit), name=item.visit)
    if item.discharge < item.admission:
        ctx.report("E310", item.span, discharge=item.discharge, admission=item.admission)
    _check_attrs(ctx, item.attrs, sym.CLAIM_KEYS, CLAIM_VALUE_TYPES, ("就诊", "a claim line"))
    if not any(sym.CLAIM_KEYS.get(a.key) == "policy_scope_cost" for a in item.attrs):
        ctx.report("E411", ctx.name_span(item.span, item.claim), name=item.claim)


def _test_expenditure(ctx: Context, item: n.TestExpenditure, names: TestNames) -> None:
    _expect_literal(ctx, item.amount, "money", ("支出金额", "the expenditure"))


def _expect_claim(ctx: Context, item: n.ExpectClaim, names: TestNames) -> None:
    if item.claim not in names.claims:
        ctx.report_unknown("E120", ctx.name_span(item.span, item.claim), item.claim, names.claims)
    _check_attrs(ctx, item.attrs, sym.RESULT_KEYS, RESULT_VALUE_TYPES, ("预期", "an expect line"))
    for attr in item.attrs:
        canonical = sym.RESULT_KEYS.get(attr.key)
        if canonical == "status":
            _check_status(ctx, attr.value)
        elif canonical == "category":
            _check_expected_category(ctx, attr.value)


def _expect_benefit(ctx: Context, item: n.ExpectBenefit, names: TestNames) -> None:
    _check_person(ctx, item.span, item.person, names)
    if item.benefit not in ctx.symbols.benefits:
        ctx.report_unknown("E117", ctx.name_span(item.span, item.benefit), item.benefit, ctx.symbols.benefits)
    if item.amount is not None:
        _expect_literal(ctx, item.amount, "money", ("预期金额", "the expected amount"))


def _expect_schedule(ctx: Context, item: n.ExpectSchedule, names: TestNames) -> None:
    items = [i.name for fund in ctx.policy.of_type(n.Fund) for i in fund.items]
    if item.item not in items:
        ctx.report_unknown("E118", ctx.name_span(item.span, item.item), item.item, items)
    _expect_literal(ctx, item.amount, "money", ("预期金额", "the expected amount"))


def _expect_monitor(ctx: Context, item: n.ExpectMonitor, names: TestNames) -> None:
    _check_person(ctx, item.span, item.person, names)
    if not ctx.symbols.monitors:
        ctx.report("E413", item.span)
    if item.amount is not None:
        _expect_literal(ctx, item.amount, "money", ("预期金额", "the expected amount"))


TEST_ITEM_CHECKS: dict[type, Callable[[Context, typing.Any, TestNames], None]] = {
    n.TestIdentity: _test_identity, n.TestPerson: _test_person, n.TestParam: _test_param,
    n.TestClaim: _test_claim, n.TestExpenditure: _test_expenditure, n.ExpectClaim: _expect_claim,
    n.ExpectBenefit: _expect_benefit, n.ExpectSchedule: _expect_schedule, n.ExpectMonitor: _expect_monitor,
}


def _check_attrs(ctx: Context, attributes: tuple[n.Attr, ...], keys: dict[str, str], value_types: dict[str, str],
                 line: tuple[str, str]) -> None:
    for attr in attributes:
        canonical = keys.get(attr.key)
        if canonical is None:
            written = KEYWORD_KEYS.get(attr.key, attr.key), attr.key
            ctx.report("E409", keyword_span(ctx, attr.span, written), line=line, key=written,
                       keys=_key_words(keys))
        elif canonical in value_types and not (isinstance(attr.value, n.NoneLit) and canonical in NONE_ALLOWED):
            _expect_literal(ctx, attr.value, value_types[canonical], (attr.key, attr.key))


def _expect_literal(ctx: Context, value: n.Expr, wanted: str, what: tuple[str, str]) -> None:
    """A test value: a bare word is text; anything else is typed as an expression of no scope."""
    if isinstance(value, n.NoneLit):
        ctx.report("E204", value.span, what=what, expected=TYPE_WORDS[wanted], actual=("无", "none"))
        return
    if isinstance(value, n.Ref):
        found: str | None = "string"
        ctx.types[id(value)] = "string"
    else:
        found = infer(ctx, value, PARAM)
    if found is not None and found != wanted:
        ctx.report("E204", value.span, hint=unit_hint((wanted,), found), what=what,
                   expected=TYPE_WORDS[wanted], actual=TYPE_WORDS[found])


def _key_words(keys: dict[str, str]) -> tuple[str, str]:
    """The keys a line accepts, one spelling per meaning in each language."""
    zh: dict[str, str] = {}
    en: dict[str, str] = {}
    for alias, canonical in keys.items():
        if alias.isascii():
            en.setdefault(canonical, alias)
        else:
            zh.setdefault(canonical, alias)
    for canonical, word in KEYWORD_KEYS.items():
        if canonical in en:
            zh.setdefault(canonical, word)
    return "、".join(zh.values()), ", ".join(en.values())


def _check_status(ctx: Context, value: n.Expr) -> None:
    text = _word(value)
    if text is not None and text not in records.STATUSES:
        statuses = "、".join(records.STATUSES), ", ".join(records.STATUSES)
        canonical = sym.STATUSES.get(text)  # the Chinese spelling of a status the policy text uses
        hint_args = {"hint": "H101", "suggestion": canonical} if canonical else {}
        ctx.report("E410", value.span, statuses=statuses, value=text, **hint_args)


def _check_expected_category(ctx: Context, value: n.Expr) -> None:
    text = _word(value)
    if text is not None and ctx.symbols.category(text) is None:
        ctx.report_unknown("E102", value.span, text, _category_words(ctx))


def _word(value: n.Expr) -> str | None:
    """The text of a test value written as a bare word or a string."""
    if isinstance(value, n.Ref):
        return value.name
    if isinstance(value, n.StringLit):
        return value.value
    return None


def _category_words(ctx: Context) -> list[str]:
    return [*ctx.symbols.categories, *(c.label for c in ctx.symbols.categories.values() if c.label)]


def check_ignores(ctx: Context) -> None:
    """`忽略 CODE [对 NAMES] "理由"` names a finding of the static analysis (aidlang.analysis: A101 …) and, if it
    says for what, declared names (the findings are about categories, groups, tiers, parameters and provisions)."""
    s = ctx.symbols
    for ignore in ctx.policy.of_type(n.Ignore):
        if not re.fullmatch(r"A\d{3}", ignore.code) or ignore.code not in MESSAGES:
            ctx.report("E125", ignore.code_span or ignore.span, name=ignore.code)
        for name in ignore.names:
            if not any(name in names for names in (s.categories, s.groups, s.tiers, s.params, s.provisions)):
                ctx.report("E126", ignore.names_span or ignore.span, name=name, finding=ignore.code)


# ---------------------------------------------------------------- the passes, in order

PASSES: tuple[Callable[[Context], None], ...] = (
    check_header,
    check_duplicates,
    check_categories,
    check_visits,
    check_params,
    check_tiers,
    check_blocks,
    check_types,
    check_clauses,
    check_dates,
    check_tests,
    check_ignores,
)
