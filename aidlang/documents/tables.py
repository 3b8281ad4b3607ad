"""The Chinese policy tables for public disclosure: a checked policy → a view model → Markdown and HTML.

The view model is plain frozen dataclasses of display strings. Every number is formatted here, the way
notices print them (`1万元`, `6000元`, `85%`, `上年居民人均可支配收入的5%`, `不设起付标准`, `提高5个百分点`); the
jinja2 templates in `documents/templates/` only lay the strings out. Values in the 一览表 come from a small static
resolver over the syntax tree that follows the rule cascade of docs/semantics.md (most specific rule wins;
`降低`/`提高` adjust the less specific value); rules with a `条件` are written out as notes.

Each value is also recorded as a `Fact` (section, table, row, pool, field → value, clauses): the old/new
comparison (`compare.py`) diffs two policies fact by fact. Output is deterministic: declaration order only,
no timestamps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from decimal import Decimal

import jinja2

from aidlang import runtime as rt
from aidlang.check.cascade import ordered_rules
from aidlang.check.symbols import ANY_CATEGORY, EVERYONE, FUNCTIONS, VISIT_LABELS, VISIT_TYPES, Symbols, builtin
from aidlang.frontend import nodes as n

# ================================================================ the view model


@dataclasses.dataclass(frozen=True)
class Cell:
    text: str
    marks: tuple[int, ...] = ()  # numbers of the table's notes that qualify this value

    @property
    def mark_text(self) -> str:
        """`〔注3、4〕`: the notes that qualify the value."""
        return f"〔注{'、'.join(map(str, self.marks))}〕" if self.marks else ""

    @property
    def display(self) -> str:
        return self.text + self.mark_text


@dataclasses.dataclass(frozen=True)
class HeadCell:
    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclasses.dataclass(frozen=True)
class Row:
    label: Cell
    depth: int  # 1 for a kind under its category (孤儿 under 困境儿童)
    cells: tuple[Cell, ...]

    @property
    def shown_label(self) -> str:
        """A kind is listed under its category: `其中：孤儿`."""
        return ("其中：" if self.depth else "") + self.label.display


@dataclasses.dataclass(frozen=True)
class Note:
    number: int
    text: str


@dataclasses.dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]  # one flat title per column, the first being the row label's
    head: tuple[tuple[HeadCell, ...], ...]  # one or two header rows (grouped columns) for HTML
    rows: tuple[Row, ...]
    notes: tuple[Note, ...] = ()


@dataclasses.dataclass(frozen=True)
class Item:
    label: str
    text: str
    basis: str = ""


@dataclasses.dataclass(frozen=True)
class Section:
    number: str  # 一, 二, …
    title: str
    tables: tuple[Table, ...] = ()
    items: tuple[Item, ...] = ()
    notes: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Fact:
    """One value of the policy as published, keyed for the old/new comparison."""

    section: str
    table: str
    item: str
    pool: str
    field: str
    value: str
    basis: str

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.section, self.table, self.item, self.pool, self.field)


@dataclasses.dataclass(frozen=True)
class PolicyView:
    name: str
    title: str
    header: tuple[Item, ...]
    sections: tuple[Section, ...]
    facts: tuple[Fact, ...]


# ================================================================ numbers and dates, the way notices print them

CN_NUMERALS = "一二三四五六七八九十"


def _sum_of(labels: list[str]) -> str:
    """How the table names several items of one name: `甲与乙之和`, `甲、乙与丙之和` (one: its label)."""
    if len(labels) == 1:
        return labels[0]
    return "、".join(labels[:-1]) + "与" + labels[-1] + "之和"


def cn_number(i: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (section numbers)."""
    if i <= 10:
        return CN_NUMERALS[i - 1]
    tens, ones = divmod(i, 10)
    return (CN_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def decimal_text(value: Decimal) -> str:
    """`85`, `0.5`, `6000.5` — no exponent, no trailing zeros."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def money_text(yuan: Decimal) -> str:
    """`6000元`, `1万元`, `1.5万元`, `30万元`; amounts that are not a round number of 万 stay in 元."""
    if abs(yuan) >= 10000 and (yuan * 100) % 10000 == 0:
        return f"{decimal_text(yuan / 10000)}万元"
    if yuan != yuan.to_integral_value():
        return f"{yuan.quantize(Decimal('0.01')):f}元"  # fen: 6000.50元
    return f"{decimal_text(yuan)}元"


UNIT_SUFFIX = {"percent": "%", "pp": "个百分点", "year": "年", "month": "个月", "day": "日", "age": "岁", "": ""}


def quantity_text(q: n.Quantity) -> str:
    if q.unit == "yuan":
        return money_text(q.value)
    return decimal_text(q.value) + UNIT_SUFFIX.get(q.unit, "")


def date_text(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def due_text(due: n.DueSpec, yearly: bool = False) -> str:
    """`次年6月30日前`, `次年6月30日后20日内`; a yearly benefit date: `每年9月30日前`."""
    year = "次年" if due.next_year else ("每年" if yearly else "当年")
    base = f"{year}{due.month}月{due.day}日"
    if due.plus is None or due.plus.value == 0:
        return base + "前"
    if due.plus.value > 0:
        return f"{base}后{quantity_text(due.plus)}内"
    return f"{base}前{quantity_text(n.Quantity(value=-due.plus.value, unit=due.plus.unit, span=due.plus.span))}"


def period_text(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f"{date_text(start)}至{date_text(end)}"
    if start:
        return f"自{date_text(start)}起"
    if end:
        return f"至{date_text(end)}"
    return "长期"


def in_force_text(header: n.Header) -> str:
    """`2023年1月1日起施行，有效期5年`."""
    parts = []
    if header.in_force:
        parts.append(f"{date_text(header.in_force)}起施行")
    if header.valid_for is not None:
        parts.append(f"有效期{quantity_text(header.valid_for)}")
    if header.valid_until is not None:
        parts.append(f"有效期至{date_text(header.valid_until)}")
    return "，".join(parts)


def join_clauses(clauses) -> str:
    out: list[str] = []
    for c in clauses:
        if c and c not in out:
            out.append(c)
    return "、".join(out)


def clause_of(node) -> str:
    clause = getattr(node, "clause", None)
    return clause.text if clause is not None else ""


# ================================================================ expressions in words

# (precedence of the phrase an expression becomes; a child weaker than its parent needs its parent's （）)
P_OR, P_AND, P_NOT, P_CMP, P_SUM, P_PRODUCT, P_UNARY, P_ATOM = range(1, 9)

BOOL_PHRASES = {"referred": ("规范转诊", "未规范转诊"), "in_province": ("在省域内就医", "在省域外就医"),
                "in_county": ("在县域内就医", "在县域外就医")}
COMPARE_WORDS = {"<": "低于", "<=": "不超过", ">": "超过", ">=": "不低于", "==": "为", "!=": "不为"}
AGE_WORDS = {"<": "不满{}周岁", "<=": "{}周岁及以下", ">": "超过{}周岁", ">=": "{}周岁及以上", "==": "{}周岁",
             "!=": "不为{}周岁"}
TIER_PAID = {"basic_paid": "基本医保", "critical_paid": "大病保险", "aid_paid": "医疗救助"}
YEAR_PREFIXES = ("上年度", "上一年度", "上年", "当年度", "当年", "本年度")
YEAR_OFFSETS = {0: "当年", 1: "上年度", 2: "上上年度"}


class Words:
    """Expressions of a policy written out in Chinese, names by their labels."""

    def __init__(self, symbols: Symbols, local: dict[str, str] | None = None):
        self.symbols = symbols
        self.local = local or {}  # fund inputs and items: name → label

    def with_local(self, local: dict[str, str]) -> "Words":
        return Words(self.symbols, {**self.local, **local})

    # ------------------------------------------------------------ names
    def name(self, name: str) -> str:
        s = self.symbols
        if name in self.local:
            return self.local[name]
        if name in s.params:
            return s.params[name].label or name
        if name in s.categories:
            return s.display_name(name)
        if name in s.groups:
            return s.groups[name].label or name
        if name in s.lists:
            return s.lists[name].label or name
        if name in s.pools:
            return s.pools[name].label or name
        if name in s.provisions:
            return s.provisions[name].label or name
        if name in EVERYONE:
            return "全体参保人员"
        if name in ANY_CATEGORY:
            return "全体救助对象"
        b = builtin(name)
        if b is not None:
            return b.zh
        if name in VISIT_TYPES:
            canonical = VISIT_TYPES[name]
            visit = s.visits.get(canonical)
            return (visit.label if visit and visit.label else None) or VISIT_LABELS[canonical]
        return name

    def names(self, names) -> str:
        return "、".join(self.name(x) for x in names)

    # ------------------------------------------------------------ expressions
    def expr(self, e: n.Expr) -> str:
        return self._expr(e)[0]

    def _wrap(self, e: n.Expr, need: int) -> str:
        text, prec = self._expr(e)
        return f"（{text}）" if prec < need else text

    def _expr(self, e) -> tuple[str, int]:  # one dispatch over the node classes
        if isinstance(e, n.Quantity):
            return quantity_text(e), P_ATOM
        if isinstance(e, n.Ref):
            return self._ref(e), P_ATOM
        if isinstance(e, n.StringLit):
            return self._string(e.value), P_ATOM
        if isinstance(e, n.DateLit):
            return date_text(e.value), P_ATOM
        if isinstance(e, n.BoolLit):
            return ("是" if e.value else "否"), P_ATOM
        if isinstance(e, n.NoneLit):
            return "无", P_ATOM
        if isinstance(e, n.Neg):
            return "−" + self._wrap(e.operand, P_UNARY), P_UNARY
        if isinstance(e, n.Binary):
            return self._binary(e)
        if isinstance(e, n.Call):
            return self._call(e)
        if isinstance(e, n.Index):
            return self._index(e), P_ATOM
        if isinstance(e, n.Compare):
            return self._compare(e), P_CMP
        if isinstance(e, n.InList):
            item = self._wrap(e.item, P_SUM)
            if e.list_name is not None:
                return f"{item}属于{self.name(e.list_name)}", P_CMP
            options = [self.expr(x) for x in e.items]
            if len(options) == 1:
                return f"{item}为{options[0]}", P_CMP
            return f"{item}为{'、'.join(options[:-1])}或{options[-1]}", P_CMP
        if isinstance(e, n.BoolOp):
            # `或` of `且`s keeps its （） so the reader need not know which binds tighter
            prec = P_AND if e.op == "and" else P_OR
            joiner = "且" if e.op == "and" else "或"
            return joiner.join(self._wrap(x, P_AND + 1) for x in e.operands), prec
        if isinstance(e, n.Not):
            if isinstance(e.operand, n.Ref):
                b = builtin(e.operand.name)
                if b is not None and b.name in BOOL_PHRASES:
                    return BOOL_PHRASES[b.name][1], P_ATOM
            return "非" + self._wrap(e.operand, P_NOT + 1), P_NOT
        if isinstance(e, n.Adjust):
            return adjust_text(e, self), P_ATOM
        raise TypeError(f"the tables backend has no words for {type(e).__name__}")

    def _ref(self, e: n.Ref) -> str:
        b = builtin(e.name)
        if b is not None and b.name in BOOL_PHRASES and e.name not in self.local:
            return BOOL_PHRASES[b.name][0]
        return self.name(e.name)

    def _string(self, value: str) -> str:
        if value in VISIT_TYPES:
            return VISIT_LABELS[VISIT_TYPES[value]]
        return value

    def _binary(self, e: n.Binary) -> tuple[str, int]:
        if e.op == "*":
            for factor, other in ((e.left, e.right), (e.right, e.left)):
                if isinstance(factor, n.Quantity) and factor.unit == "percent" and not isinstance(other, n.Quantity):
                    return f"{self._wrap(other, P_PRODUCT)}的{quantity_text(factor)}", P_PRODUCT
                if isinstance(factor, n.Quantity) and factor.unit == "" and not isinstance(other, n.Quantity):
                    return f"{self._wrap(other, P_PRODUCT)}的{decimal_text(factor.value)}倍", P_PRODUCT
            return f"{self._wrap(e.left, P_PRODUCT)}×{self._wrap(e.right, P_PRODUCT + 1)}", P_PRODUCT
        if e.op == "/":
            return f"{self._wrap(e.left, P_PRODUCT)}÷{self._wrap(e.right, P_PRODUCT + 1)}", P_PRODUCT
        word = "加" if e.op == "+" else "减去"
        return f"{self._wrap(e.left, P_SUM)}{word}{self._wrap(e.right, P_SUM + 1)}", P_SUM

    def _call(self, e: n.Call) -> tuple[str, int]:
        func = FUNCTIONS.get(e.func, e.func)
        if func == "claim_rank":
            on = "、".join(self.expr(a) for a in e.args) or "就诊"
            return f"年度内{on}次序", P_ATOM
        if func == "year_self_paid":
            text = "个人年度累计自付费用"
            if e.args:
                text += f"（{'、'.join(self.expr(a) for a in e.args)}）"
            return text, P_ATOM
        if func in ("min", "max") and len(e.args) == 2:
            first, second = e.args
            if isinstance(second, n.Quantity) or isinstance(first, n.Quantity):
                value, bound = (first, second) if isinstance(second, n.Quantity) else (second, first)
                limit = "最高不超过" if func == "min" else "最低不低于"
                return f"{self.expr(value)}，{limit}{self.expr(bound)}", P_OR
        if func in ("min", "max"):
            which = "较小值" if func == "min" else "较大值"
            return f"{'与'.join(self._wrap(a, P_SUM) for a in e.args)}中的{which}", P_ATOM
        return f"{self.name(e.func)}（{'，'.join(self.expr(a) for a in e.args)}）", P_ATOM

    def _index(self, e: n.Index) -> str:
        label = self.name(e.name)
        for prefix in YEAR_PREFIXES:  # the label may already say which year it means
            if label.startswith(prefix) and len(label) > len(prefix):
                label = label[len(prefix):]
                break
        for suffix in ("（当年）", "(当年)"):
            if label.endswith(suffix):
                label = label[: -len(suffix)]
        offset = year_offset(e.index)
        if offset is not None and offset in YEAR_OFFSETS:
            return f"{YEAR_OFFSETS[offset]}{label}"
        if offset is not None:
            return f"{offset}年前的{label}"
        return f"{label}（{self.expr(e.index)}）"

    def _compare(self, e: n.Compare) -> str:
        left, right = e.left, e.right
        b = builtin(left.name) if isinstance(left, n.Ref) else None
        if b is not None and b.name == "age" and isinstance(right, n.Quantity):
            return "年龄" + AGE_WORDS[e.op].format(decimal_text(right.value))
        if (isinstance(left, n.Call) and FUNCTIONS.get(left.func) == "claim_rank" and isinstance(right, n.Quantity)
                and e.op in (">=", "==")):  # 年度内第二次及以上住院, as the documents say it
            on = "、".join(self.expr(a) for a in left.args) or "就诊"
            return f"年度内第{decimal_text(right.value)}次{'及以上' if e.op == '>=' else ''}{on}"
        return f"{self._wrap(left, P_SUM)}{COMPARE_WORDS[e.op]}{self._wrap(right, P_SUM)}"


def year_offset(index: n.Expr) -> int | None:
    """`当年` → 0, `当年 - 1` → 1; None for anything else."""
    def is_year(x):
        if not isinstance(x, n.Ref):
            return False
        b = builtin(x.name)
        return b is not None and b.name == "current_year"
    if is_year(index):
        return 0
    if (isinstance(index, n.Binary) and index.op == "-" and is_year(index.left)
            and isinstance(index.right, n.Quantity) and index.right.value == int(index.right.value)):
        return int(index.right.value)
    return None


def adjust_text(adjust: n.Adjust, words: Words) -> str:
    return ("降低" if adjust.direction == "down" else "提高") + words.expr(adjust.amount)


def base_text(kind: str, base: n.Expr | None, words: Words) -> str:
    """The calculation base of a tier: `经基本医保、大病保险支付后的政策范围内个人自付费用`."""
    if base is None:
        paid = {"basic": [], "critical": ["basic_paid"], "aid": ["basic_paid", "critical_paid"],
                "tilted": ["basic_paid", "critical_paid", "aid_paid"]}[kind]
        start_ok = True
    else:
        terms: list[n.Expr] = []
        e = base
        while isinstance(e, n.Binary) and e.op == "-":
            terms.insert(0, e.right)
            e = e.left
        start = builtin(e.name) if isinstance(e, n.Ref) else None
        start_ok = start is not None and start.name == "policy_scope_cost"
        paid = []
        for t in terms:
            b = builtin(t.name) if isinstance(t, n.Ref) else None
            if b is None or b.name not in TIER_PAID:
                start_ok = False
                break
            paid.append(b.name)
    if not start_ok and base is not None:
        return words.expr(base)
    if not paid:
        return "政策范围内费用"
    return f"经{'、'.join(TIER_PAID[p] for p in paid)}支付后的政策范围内个人自付费用"


# ================================================================ the rule cascade, statically

SETTINGS = {
    # kind → the settings its table shows, in order, with their column titles
    "basic": (("deductible", "起付标准"), ("ratio", "支付比例"), ("cap", "最高支付限额")),
    "critical": (("deductible", "起付标准"), ("ratio", "支付比例"), ("cap", "最高支付限额")),
    "aid": (("deductible", "起付标准"), ("ratio", "救助比例"), ("cap", "年度救助限额")),
    "tilted": (("threshold", "起付线"), ("ratio", "救助比例"), ("cap", "年度限额")),
}
EXTRA_TITLES = {"deductible": "起付标准", "threshold": "起付线", "ratio": "比例", "cap": "限额"}
MISSING = {"deductible": "不设起付标准", "threshold": "不设起付线", "cap": "不设封顶线", "ratio": "—"}
NOT_APPLICABLE = "—"


@dataclasses.dataclass
class Resolved:
    """The cascade's result for one setting: the last absolute value and the adjustments made after it."""

    value: n.Expr | None = None
    adjusts: list[n.Adjust] = dataclasses.field(default_factory=list)
    rules: list[n.Rule] = dataclasses.field(default_factory=list)
    per_claim: bool = False  # the last absolute value is of each claim alone (每次); adjustments keep it

    def apply(self, setting: n.Setting, rule: n.Rule) -> None:
        if isinstance(setting.value, n.Adjust):
            self.adjusts.append(setting.value)
            self.rules.append(rule)
        else:
            self.value, self.adjusts, self.rules = setting.value, [], [rule]
            self.per_claim = setting.per_claim

    @property
    def empty(self) -> bool:
        return self.value is None and not self.adjusts


class Resolver:
    """Which rules of a tier speak for a row (a category, or 全体参保人员/全体救助对象) in a pool."""

    def __init__(self, symbols: Symbols, tier: n.Tier):
        self.symbols = symbols
        self.tier = tier

    def specificity(self, rule: n.Rule, row: str) -> int | None:
        best = None
        for who in rule.who:
            if row in EVERYONE:
                s = 0 if who in EVERYONE else None
            elif row in ANY_CATEGORY:
                s = 0 if who in EVERYONE or who in ANY_CATEGORY else None
            else:
                s = self.symbols.specificity(who, row)
            if s is not None and (best is None or s > best):
                best = s
        return best

    def names_pool(self, rule: n.Rule, pool: str | None) -> bool:
        if not rule.pools:
            return True
        if pool is None:
            return False
        declared = self.symbols.pools.get(pool)
        visits = {VISIT_TYPES.get(v, v) for v in declared.visits} if declared is not None else set()
        return pool in rule.pools or bool(visits & {VISIT_TYPES.get(p, p) for p in rule.pools})

    def rules(self, row: str, pool: str | None, conditional: bool) -> list[n.Rule]:
        """The rules covering the row in the pool, in cascade order (least specific first)."""
        return ordered_rules(self.tier, lambda rule: self.specificity(rule, row),
                             lambda rule: self.names_pool(rule, pool),
                             lambda rule: (rule.when is not None) == conditional)

    def resolve(self, row: str, pool: str | None) -> dict[str, Resolved]:
        out: dict[str, Resolved] = {}
        for rule in self.rules(row, pool, conditional=False):
            for setting in rule.settings:
                out.setdefault(setting.key, Resolved()).apply(setting, rule)
        return out


def symbolic(expr: n.Expr, symbols: Symbols) -> tuple[Decimal, str, str | None] | None:
    """A value the tables can compute with: a literal (value, unit, None) or a rate of a parameter
    (rate in %, "of", parameter)."""
    if isinstance(expr, n.Quantity):
        return expr.value, expr.unit, None
    if isinstance(expr, n.Binary) and expr.op == "*":
        for factor, other in ((expr.left, expr.right), (expr.right, expr.left)):
            if (isinstance(factor, n.Quantity) and factor.unit == "percent" and isinstance(other, n.Ref)
                    and other.name in symbols.params):
                return factor.value, "of", other.name
    return None


def adjusted(value: tuple[Decimal, str, str | None], adjust: n.Adjust, key: str):
    """A value after `降低 50%` (× (1 − 50%)) or `提高 5个百分点` (+ 5pp), by the engines' formula
    (`runtime.adjusted_amount`) in the table's units (percent, yuan); a ratio stays within 0%–100% as the
    engines keep it. None when it cannot be computed (the amount is not a literal, or of another unit)."""
    amount = adjust.amount
    if not isinstance(amount, n.Quantity):
        return None
    number, unit, param = value
    amount_type = {"percent": "rate", "pp": "pp", "yuan": "money"}.get(amount.unit)
    if not (amount_type == "rate" or (amount_type == "pp" and unit == "percent")
            or (amount_type == "money" and unit == "yuan")):
        return None
    by = amount.value / 100 if amount_type == "rate" else amount.value
    result = rt.adjusted_amount(number, by, amount_type, adjust.direction)
    if key == "ratio" and unit == "percent":
        result = min(max(result, Decimal(0)), Decimal(100))
    return result, unit, param


# ================================================================ building the view

KIND_SECTIONS = {"aid": "医疗救助待遇标准一览表", "basic": "基本医疗保险待遇", "critical": "大病保险待遇",
                 "tilted": "倾斜救助"}
PARAM_TYPES = {"money": "金额", "rate": "比率", "date": "日期", "number": "数值"}
IDENTITY_TEXT = {
    "highest": "救助对象具有多重身份的，按就高原则享受待遇，不重复享受",
    "month_end": "丧失救助对象身份的，次月起不再享受",
    "stay_keeps_lost": "住院治疗期间丧失救助对象身份的，当次住院仍按原救助对象类别享受待遇",
    "stay_gains_new": "住院治疗期间取得救助对象身份的，当次住院起即可按相应类别享受待遇",
}


class _Notes:
    """A table's notes, numbered in the order they are first needed."""

    def __init__(self):
        self.texts: list[str] = []

    def add(self, text: str) -> int:
        if text not in self.texts:
            self.texts.append(text)
        return self.texts.index(text) + 1

    def notes(self) -> tuple[Note, ...]:
        return tuple(Note(i + 1, t) for i, t in enumerate(self.texts))


class ViewBuilder:
    def __init__(self, checked):
        self.policy: n.Policy = checked.policy
        self.symbols: Symbols = checked.symbols
        self.words = Words(self.symbols)
        self.facts: list[Fact] = []

    # ------------------------------------------------------------ helpers
    def fact(self, section: str, table: str, item: str, field: str, value: str, basis: str = "",
             pool: str = "") -> None:
        self.facts.append(Fact(section, table, item, pool, field, value, basis))

    def param_value(self, name: str, full: bool = False) -> str:
        """A parameter's value as published: `30万元`, `另行发布`, or its values by date."""
        param = self.symbols.params[name]
        if param.published_later or not param.values:
            return f"{param.label or name}（另行发布）" if full else "另行发布"
        parts = []
        for dv in param.values:
            text = self.words.expr(dv.expr)
            parts.append(f"{date_text(dv.since)}起{text}" if dv.since else text)
        return "；".join(parts)

    def value_text(self, key: str, expr: n.Expr | None, full: bool = False) -> str:
        """A setting's value: a literal, `不设起付标准`/`不设封顶线`, a parameter (`另行发布`) or words."""
        if expr is None or isinstance(expr, n.NoneLit):
            return MISSING[key] if key in MISSING else "无"
        if isinstance(expr, n.Ref) and expr.name in self.symbols.params:
            return self.param_value(expr.name, full)
        return self.words.expr(expr)

    def published_later(self, r: Resolved) -> str | None:
        """The label of the parameter a resolved value is, when that parameter is published later."""
        if r.adjusts or not isinstance(r.value, n.Ref) or r.value.name not in self.symbols.params:
            return None
        param = self.symbols.params[r.value.name]
        return (param.label or param.name) if param.published_later or not param.values else None

    def resolved_text(self, key: str, r: Resolved, full: bool = False) -> str:
        text = self._resolved_text(key, r, full)
        if r.per_claim and r.value is not None and not isinstance(r.value, n.NoneLit):
            return "每次" + text  # as the documents print it: 每次住院起付标准 800元
        return text

    def _resolved_text(self, key: str, r: Resolved, full: bool = False) -> str:
        if not r.adjusts:
            return self.value_text(key, r.value, full)
        how = "，".join(adjust_text(a, self.words) for a in r.adjusts)
        if r.value is None:
            return how
        value = symbolic(r.value, self.symbols)
        for a in r.adjusts:
            value = adjusted(value, a, key) if value is not None else None
        if value is None:
            return f"{self.value_text(key, r.value, full)}，{how}"
        number, unit, param = value
        if unit == "of":
            text = f"{self.words.name(param)}的{decimal_text(number)}%"
        else:
            text = quantity_text(n.Quantity(value=number, unit=unit, span=r.value.span))
        return f"{text}（{how}）"

    def settings_text(self, rule: n.Rule, keys: dict[str, str]) -> str:
        parts = []
        for s in rule.settings:
            title = keys.get(s.key, EXTRA_TITLES.get(s.key, s.key))
            if isinstance(s.value, n.Adjust):
                parts.append(f"{title}{adjust_text(s.value, self.words)}")
            elif isinstance(s.value, n.NoneLit) and s.key in MISSING:
                parts.append(MISSING[s.key])
            else:
                value = self.value_text(s.key, s.value, full=True)
                parts.append(f"{title}{'' if value[:1].isdigit() else '为'}{value}")
        return "，".join(parts)

    def category_rows(self) -> list[tuple[str, int]]:
        """Categories in declaration order, each kind right under its category."""
        cats = self.symbols.categories
        out: list[tuple[str, int]] = []

        def visit(name: str, depth: int) -> None:
            if any(name == c for c, _ in out):
                return
            out.append((name, depth))
            for child in cats:
                if cats[child].parent == name and child != name:
                    visit(child, depth + 1)

        for name, cat in cats.items():
            if cat.parent is None or cat.parent not in cats:
                visit(name, 0)
        for name in cats:  # a cycle of kinds: still list every category once
            visit(name, 0)
        return out

    def groups_of(self, category: str) -> str:
        return "、".join(g.label or g.name for g in self.symbols.groups.values()
                        if category in self.symbols.members(g.name))

    def provision_words(self, name: str) -> str:
        prov = self.symbols.provisions.get(name)
        if prov is None:
            return name
        text = period_text(prov.start, prov.end)
        if prov.retroactive:
            text += "（追溯执行）"
        return text

    # ------------------------------------------------------------ header
    def header(self) -> tuple[str, tuple[Item, ...]]:
        h = self.policy.header
        title = h.title or h.name
        items = []
        if h.doc_number:
            items.append(Item("文号", h.doc_number))
        if h.issuers:
            items.append(Item("发布机关", "、".join(h.issuers)))
        if h.issued:
            items.append(Item("成文日期", date_text(h.issued)))
        if h.published:
            items.append(Item("发布日期", date_text(h.published)))
        period = in_force_text(h)
        if period:
            items.append(Item("施行日期", period, clause_of(h)))
        for text in h.supersedes:
            items.append(Item("替代", text, clause_of(h)))
        for text in h.repeals:
            items.append(Item("废止", text, clause_of(h)))
        for ignore in self.policy.of_type(n.Ignore):  # a finding of `aidlang check` the authors accept, and why
            about = "，对 " + "、".join(ignore.names) if ignore.names else ""
            items.append(Item("编码说明", f"{ignore.reason}（{ignore.code}{about}）"))
        self.fact("文件信息", "", "标题", "内容", title)
        counts: dict[str, int] = {}
        for item in items:
            counts[item.label] = counts.get(item.label, 0) + 1
            label = item.label if counts[item.label] == 1 else f"{item.label}（{counts[item.label]}）"
            self.fact("文件信息", "", label, "内容", item.text, item.basis)
        return title, tuple(items)

    # ------------------------------------------------------------ tier tables
    def tier_table(self, section: str, tier: n.Tier) -> Table:
        s = self.symbols
        resolver = Resolver(s, tier)
        keys = list(SETTINGS[tier.kind])
        used = {st.key for r in tier.rules for st in r.settings}
        keys += [(k, EXTRA_TITLES[k]) for k in ("deductible", "threshold", "ratio", "cap")
                 if k in used and k not in dict(keys)]
        key_titles = dict(keys)
        pools: list[tuple[str | None, str]] = [(p, s.pools[p].label or p) for p in tier.pools if p in s.pools]
        if not pools:
            pools = [(None, "")]
        multi = len(pools) > 1
        table_title = tier.label or tier.name
        notes = _Notes()
        aidish = tier.kind in ("aid", "tilted")

        # rows: categories (aid), or 全体参保人员/全体救助对象 and the categories with rules of their own
        specific = any(w not in EVERYONE and w not in ANY_CATEGORY for r in tier.rules for w in r.who)
        generic: list[str] = []
        if any(w in EVERYONE for r in tier.rules for w in r.who):
            generic.append(EVERYONE[0])
        if any(w in ANY_CATEGORY for r in tier.rules for w in r.who):
            generic.append(ANY_CATEGORY[0])
        rows: list[tuple[str, int]]
        if aidish and specific:
            rows = self.category_rows()
        else:
            rows = [(g, 0) for g in generic]
            if specific:
                covered = {c for r in tier.rules for w in r.who
                           if w not in EVERYONE and w not in ANY_CATEGORY for c in s.members(w)}
                rows += [(c, d) for c, d in self.category_rows() if c in covered]
        show_groups = bool(s.groups) and any(r in s.categories for r, _ in rows)

        # notes that hold for the whole table
        clause = clause_of(tier)
        base = base_text(tier.kind, tier.base, self.words)
        notes.add(f"计算基数：{base}。")
        self.fact(section, table_title, "计算基数", "内容", base, clause)
        # which visits the tier covers, and that its amounts run over the year (settlement semantics §4, §5)
        visit_names = list(dict.fromkeys(self.words.name(v) for p in tier.pools if p in s.pools
                                         for v in s.pools[p].visits))
        if not visit_names:
            visit_names = [self.words.name(v.name) for v in s.visits.values()] or ["全部就诊类型"]
        covers = "、".join(visit_names)
        notes.add(f"适用就诊类型：{covers}。")
        self.fact(section, table_title, "适用就诊类型", "内容", covers, clause)
        # which settings run over the year and which are of each claim alone (每次, docs/semantics.md)
        valued = {st.key for r in tier.rules for st in r.settings
                  if not isinstance(st.value, (n.NoneLit, n.Adjust)) and not st.per_claim}
        per_claim = [(r, st) for r in tier.rules for st in r.settings if st.per_claim]
        yearly = [key_titles.get(k, EXTRA_TITLES[k]) for k in ("deductible", "threshold", "cap") if k in valued]
        if yearly:
            text = "、".join(yearly) + "均按年度累计计算（以出院日期所在年度为准"
            text += "）" if per_claim else "，非按次计算）"
            if per_claim:
                text = ("除下列按次计算的以外，" if any(st.key in valued for _, st in per_claim) else "") + text
            notes.add(text + "。")
            self.fact(section, table_title, "计算方式", "内容", text, clause)
        for rule, st in per_claim:
            named = [self.words.name(v) for p in rule.pools if p in s.pools for v in s.pools[p].visits] or visit_names
            on = named[0] if len(named) == 1 else f"就诊（{'、'.join(named)}）"
            value = self.value_text(st.key, st.value, full=True)
            if st.key == "threshold":
                text = f"按次计算：单次{on}个人负担超过{value}的部分（不计本年此前负担）"
            else:
                title = key_titles.get(st.key, EXTRA_TITLES[st.key])
                text = f"按次计算：每次{on}{title} {value}（不计本年此前就诊）"
            notes.add(text + (f"（{clause_of(rule)}）" if clause_of(rule) else "") + "。")
            self.fact(section, table_title, "计算方式", "内容", text, clause_of(rule))
        for pool, label in pools:
            if pool is None:
                continue
            p = s.pools[pool]
            shared = [{"deductible": "合并计算起付标准", "cap": "共用" + key_titles.get("cap", "限额")}.get(k, k)
                      for k in p.shares]
            visit_words = "、".join(self.words.name(v) for v in p.visits)
            visit_names = [self.words.name(v) for v in p.visits]
            pool_named = label if all(v in label for v in visit_names) else f"{label}（{visit_words}）"
            if len(p.visits) > 1:
                text = pool_named + ("、".join(shared) if shared else "分别计算起付标准和限额")
            elif label != visit_words:
                text = f"{label}：{visit_words}"
            elif p.split_by is None:
                continue
            else:
                text = label
            if p.split_by is not None:  # `分账 机构级别`: each level its own yearly ledgers
                split = f"起付标准和{key_titles.get('cap', '限额')}按医疗机构级别分别累计"
                text += ("，" if text != label else "") + split
            notes.add(text + (f"（{clause_of(p)}）" if clause_of(p) else "") + "。")
            self.fact(section, table_title, f"费用池：{label}", "内容", text, clause_of(p))
        for cond in tier.conditions:
            text = f"适用条件：{self.words.expr(cond.expr)}"
            if cond.otherwise:
                text += "；不符合的，不予救助"
            notes.add(text + (f"（{clause_of(cond)}）" if clause_of(cond) else "") + "。")
            self.fact(section, table_title, "适用条件", "内容", text, clause_of(cond))
        if tier.during:
            text = f"本项待遇执行期间：{self.provision_words(tier.during)}"
            prov_clause = clause_of(s.provisions.get(tier.during))
            notes.add(text + (f"（{prov_clause}）" if prov_clause else "") + "。")
            self.fact(section, table_title, "执行期间", "内容", text, prov_clause)

        noted: dict[int, int] = {}
        rule_index = {id(r): i for i, r in enumerate(tier.rules)}

        def rule_note(rule: n.Rule, conditional: bool) -> int:
            if id(rule) in noted:
                return noted[id(rule)]
            noted[id(rule)] = number = _rule_note(rule, conditional)
            return number

        def _rule_note(rule: n.Rule, conditional: bool) -> int:
            who = self.words.names(rule.who)
            where = f"（{self.words.names(rule.pools)}）" if rule.pools else ""
            settings = self.settings_text(rule, key_titles)
            basis = f"（{clause_of(rule)}）" if clause_of(rule) else ""
            if conditional:
                cond = self.words.expr(rule.when)
                if rule.during:
                    settings += f"（执行期间：{self.provision_words(rule.during)}）"
                self.fact(section, table_title, f"{who}{where}", f"条件：{cond}", settings, clause_of(rule))
                return notes.add(f"{who}{where}，{cond}的：{settings}{basis}。")
            period = self.provision_words(rule.during or "")
            self.fact(section, table_title, f"{who}{where}", "执行期间", period, clause_of(rule))
            return notes.add(f"对{who}{where}的规定（{settings}）执行期间：{period}{basis}。")

        # columns and cells
        body: list[tuple[Cell, int, Cell | None, dict, str]] = []
        for row, depth in rows:
            label = self.words.name(row)
            by_pool: dict = {}
            row_rules: list[n.Rule] = []
            for pool, pool_label in pools:
                static = resolver.resolve(row, pool)
                conds = resolver.rules(row, pool, conditional=True)
                cond_keys = {st.key: [r for r in conds if any(x.key == st.key for x in r.settings)]
                             for r in conds for st in r.settings}
                applicable = "ratio" in static or "ratio" in cond_keys
                for key, title in keys:
                    if not applicable:
                        by_pool[(pool, key)] = (Cell(NOT_APPLICABLE), "")
                        continue
                    r = static.get(key, Resolved())
                    marks: list[int] = []
                    used_rules = list(r.rules)
                    for rule in used_rules:
                        if rule.during:
                            marks.append(rule_note(rule, conditional=False))
                    setters = cond_keys.get(key, [])
                    if r.empty and len(setters) == 1:
                        r = Resolved()
                        for st in setters[0].settings:
                            if st.key == key:
                                r.apply(st, setters[0])
                        used_rules = [setters[0]]
                        text = self.resolved_text(key, r)
                    elif r.empty and setters:
                        text = "按条件确定"
                        used_rules = list(setters)
                    else:
                        text = self.resolved_text(key, r)
                        used_rules += setters
                    for rule in setters:
                        marks.append(rule_note(rule, conditional=True))
                    later = self.published_later(r)
                    if later is not None:  # which parameter `另行发布` stands for
                        marks.append(notes.add(f"{title}为{later}，另行发布。"))
                    basis = join_clauses(clause_of(x) for x in sorted(used_rules, key=lambda x: rule_index[id(x)]))
                    row_rules += used_rules
                    cell = Cell(text, tuple(sorted(set(marks))))
                    by_pool[(pool, key)] = (cell, basis)
                    self.fact(section, table_title, label, title, text, basis, pool=pool_label if multi else "")
                if not applicable:
                    self.fact(section, table_title, label, key_titles["ratio"], NOT_APPLICABLE, "",
                              pool=pool_label if multi else "")
            row_basis = join_clauses(clause_of(x) for x in sorted(row_rules, key=lambda x: rule_index[id(x)]))
            group_cell = Cell(self.groups_of(row) if row in s.categories else "") if show_groups else None
            body.append((Cell(label), depth, group_cell, by_pool, row_basis))

        merged = {key: multi and all(len({b[3][(p, key)][0] for p, _ in pools}) == 1 for b in body)
                  for key, _ in keys}
        first = "救助对象" if aidish else "参保人员"
        flat = [first] + (["所属分组"] if show_groups else [])
        head1 = [HeadCell(first, rowspan=2 if multi else 1)]
        if show_groups:
            head1.append(HeadCell("所属分组", rowspan=2 if multi else 1))
        head2: list[HeadCell] = []
        column_keys: list[tuple[str | None, str]] = []
        grouped = multi and not all(merged.values())
        for key, title in keys:
            if not multi or merged[key]:
                column_keys.append((pools[0][0], key))
                flat.append(title)
                head1.append(HeadCell(title, rowspan=2 if grouped else 1))
            else:
                head1.append(HeadCell(title, colspan=len(pools)))
                for pool, pool_label in pools:
                    column_keys.append((pool, key))
                    flat.append(f"{title}（{pool_label}）")
                    head2.append(HeadCell(pool_label))
        flat.append("依据")
        head1.append(HeadCell("依据", rowspan=2 if grouped else 1))
        if not grouped:
            head1 = [HeadCell(h.text, h.colspan, 1) for h in head1]
        table_rows = []
        for label_cell, depth, group_cell, by_pool, row_basis in body:
            cells = ([group_cell] if group_cell is not None else [])
            cells += [by_pool[ck][0] for ck in column_keys]
            cells.append(Cell(row_basis))
            table_rows.append(Row(label_cell, depth, tuple(cells)))
        if any(c.text == NOT_APPLICABLE for row in table_rows for c in row.cells):
            notes.add("“—”表示该类人员不适用本项待遇。")
        head = (tuple(head1), tuple(head2)) if grouped else (tuple(head1),)
        return Table(table_title, tuple(flat), head, tuple(table_rows), notes.notes())

    # ------------------------------------------------------------ sections
    def categories_section(self) -> tuple[list[Item], list[str]]:
        s = self.symbols
        items = []
        section = "救助对象"
        for name, _ in self.category_rows():
            cat = s.categories[name]
            parts = []
            if cat.parent:
                parts.append(f"属于{self.words.name(cat.parent)}")
            if cat.aliases:
                parts.append("又称" + "、".join(cat.aliases))
            if cat.note:
                parts.append(cat.note)
            text = "；".join(parts)
            items.append(Item(s.display_name(name), text, clause_of(cat)))
            self.fact(section, "", s.display_name(name), "说明", text or "—", clause_of(cat))
        group_notes = []
        for g in s.groups.values():
            text = "、".join(self.words.name(m) for m in g.members)
            if g.note:
                text += f"（{g.note}）"
            label = g.label or g.name
            group_notes.append(f"{label}：{text}" + (f"（{clause_of(g)}）" if clause_of(g) else "") + "。")
            self.fact(section, "分组", label, "包括", text, clause_of(g))
        for rule in s.identity:
            if rule.kind == "requires":
                text = "、".join(rule.texts)
                items.append(Item("须具备的条件", text, clause_of(rule)))
                self.fact(section, "", "须具备的条件", "内容", text, clause_of(rule))
        return items, group_notes

    def identity_items(self) -> list[Item]:
        items = []
        for rule in self.symbols.identity:
            if rule.kind == "requires":
                continue
            if rule.kind == "order":
                label, text = "同等待遇时的顺序", "、".join(self.words.name(x) for x in rule.names)
            else:
                label, text = {"highest": "多重身份", "month_end": "丧失身份", "stay_keeps_lost": "住院期间丧失身份",
                               "stay_gains_new": "住院期间取得身份"}.get(rule.kind, rule.kind), \
                    IDENTITY_TEXT.get(rule.kind, rule.kind)
            items.append(Item(label, text, clause_of(rule)))
            self.fact("多重身份及身份变动", "", label, "内容", text, clause_of(rule))
        return items

    def benefit_table(self, section: str, benefit: n.Benefit) -> Table:
        title = benefit.label or benefit.name
        notes = _Notes()
        rows = []
        counts: dict[str, int] = {}
        for row in benefit.rows:
            who = self.words.names(row.who)
            cond = self.words.expr(row.when) if row.when is not None else ""
            if row.kind == "share":
                value = self.words.expr(row.value)
                if row.share_of:
                    value = f"{self.words.name(row.share_of)}的{value}"
                    if row.share_of in self.symbols.params and self.symbols.params[row.share_of].published_later:
                        notes.add(f"{self.words.name(row.share_of)}另行发布。")
            elif row.kind == "amount":
                value = self.value_text("amount", row.value, full=True)
            else:
                value = "纳入"
            marks: tuple[int, ...] = ()
            if row.during:
                marks = (notes.add(f"执行期间：{self.provision_words(row.during)}。"),)
            rows.append(Row(Cell(who), 0, (Cell(cond or "—"), Cell(value, marks), Cell(clause_of(row)))))
            item = who + (f"（{cond}）" if cond else "")
            counts[item] = counts.get(item, 0) + 1
            if counts[item] > 1:
                item += f"（{counts[item]}）"
            self.fact(section, title, item, "标准", value, clause_of(row))
        for flag in benefit.flags:
            text = {"highest_only": "同时符合多项条件的，按最高标准享受，不重复享受",
                    "no_waiting_period": "新增救助对象免除待遇等待期"}.get(flag.kind, flag.kind)
            notes.add(text + (f"（{clause_of(flag)}）" if clause_of(flag) else "") + "。")
            self.fact(section, title, text, "内容", "是", clause_of(flag))
        if benefit.due is not None:
            text = f"发放时间：{due_text(benefit.due, yearly=True)}"
            notes.add(text + "。")
            self.fact(section, title, "发放时间", "内容", due_text(benefit.due, yearly=True))
        columns = ("对象", "条件", "标准", "依据")
        return Table(title, columns, (tuple(HeadCell(c) for c in columns),), tuple(rows), notes.notes())

    def params_table(self, section: str) -> Table:
        rows = []
        for p in self.symbols.params.values():
            label = p.label or p.name
            value = self.param_value(p.name)
            rows.append(Row(Cell(label), 0, (Cell(PARAM_TYPES.get(p.type, p.type)), Cell(value), Cell(clause_of(p)))))
            self.fact(section, "", label, "取值", value, clause_of(p))
        columns = ("参数", "类型", "取值", "依据")
        return Table("", columns, (tuple(HeadCell(c) for c in columns),), tuple(rows))

    def fund_tables(self, section: str, fund: n.Fund) -> list[Table]:
        title = fund.label or fund.name
        local = {i.name: i.label or i.name for i in fund.inputs}
        labels: dict[str, list[str]] = {}
        for item in fund.items:  # several items of one name count as their sum (docs/semantics.md)
            labels.setdefault(item.name, []).append(item.label or item.name)
        local.update({name: _sum_of(names) for name, names in labels.items()})
        words = self.words.with_local(local)
        tables = []
        notes = _Notes()
        for i in fund.inputs:
            notes.add(f"计算依据的数据：{i.label or i.name}" + (f"（{clause_of(i)}）" if clause_of(i) else "") + "。")
        rows = []
        counts: dict[str, int] = {}
        for item in fund.items:
            label = item.label or item.name
            how, due = words.expr(item.expr), due_text(item.due)
            rows.append(Row(Cell(label), 0, (Cell(how), Cell(due), Cell(clause_of(item)))))
            counts[label] = counts.get(label, 0) + 1
            key = label if counts[label] == 1 else f"{label}（{counts[label]}）"
            self.fact(section, title, key, "计算方法", how, clause_of(item))
            self.fact(section, title, key, "支付期限", due, clause_of(item))
        if rows:
            columns = ("款项", "计算方法", "支付期限", "依据")
            tables.append(Table(title, columns, (tuple(HeadCell(c) for c in columns),), tuple(rows), notes.notes()))
        rows = []
        for check in fund.checks:
            label = check.label or check.name
            how = words.expr(check.expr)
            rows.append(Row(Cell(label), 0, (Cell(how), Cell(clause_of(check)))))
            self.fact(section, title, label, "核查要求", how, clause_of(check))
        if rows:
            check_columns = ("核查事项", "要求", "依据")
            head = (tuple(HeadCell(c) for c in check_columns),)
            tables.append(Table(f"{title}：核查", check_columns, head, tuple(rows),
                                () if tables else notes.notes()))
        return tables

    def monitor_items(self, section: str, monitor: n.Monitor) -> list[Item]:
        title = monitor.label or monitor.name
        basis = clause_of(monitor)
        items = []
        if monitor.amount is not None:
            items.append(Item("监测金额", self.words.expr(monitor.amount), basis))
        if monitor.threshold is not None:
            items.append(Item("监测标准", f"超过{self.words.expr(monitor.threshold)}", basis))
        if monitor.push_day is not None:
            items.append(Item("推送时间", f"每月{decimal_text(monitor.push_day.value)}日前推送上月名单", basis))
        if monitor.fields:
            items.append(Item("推送信息", "、".join(monitor.fields), basis))
        for item in items:
            self.fact(section, title, item.label, "内容", item.text, basis)
        return items

    def provision_items(self, section: str) -> list[Item]:
        h = self.policy.header
        items = []
        period = in_force_text(h)
        if period:
            items.append(Item("本政策", period, clause_of(h)))
        for prov in self.symbols.provisions.values():
            label = prov.label or prov.name
            text = self.provision_words(prov.name)
            users = []
            for tier in self.symbols.tiers.values():
                if tier.during == prov.name:
                    users.append(tier.label or tier.name)
                for rule in tier.rules:
                    if rule.during == prov.name:
                        users.append(f"{tier.label or tier.name}中对{self.words.names(rule.who)}的规定")
            for b in self.symbols.benefits.values():
                if any(r.during == prov.name for r in b.rows):
                    users.append(b.label or b.name)
            if users:
                text += "；适用于：" + "、".join(dict.fromkeys(users))
            items.append(Item(label, text, clause_of(prov)))
            self.fact(section, "", label, "期间", text, clause_of(prov))
        return items

    # ------------------------------------------------------------ the whole view
    def build(self) -> PolicyView:
        s = self.symbols
        title, header = self.header()
        sections: list[tuple[str, tuple, tuple, tuple]] = []  # (title, tables, items, notes)

        category_items, group_notes = self.categories_section() if s.categories else ([], [])
        aid_tiers = [t for t in s.tiers.values() if t.kind == "aid"]
        if category_items:
            notes = () if aid_tiers else tuple(group_notes)
            sections.append(("救助对象", (), tuple(category_items), notes))
        for kind in ("aid", "basic", "critical", "tilted"):
            tiers = [t for t in s.tiers.values() if t.kind == kind]
            if tiers:
                title_k = KIND_SECTIONS[kind]
                tables = tuple(self.tier_table(title_k, t) for t in tiers)
                notes = tuple(group_notes) if kind == "aid" else ()
                sections.append((title_k, tables, (), notes))
        if s.benefits:
            section = "资助参保和其他年度待遇"
            sections.append((section, tuple(self.benefit_table(section, b) for b in s.benefits.values()), (), ()))
        identity = self.identity_items()
        if identity:
            sections.append(("多重身份及身份变动", (), tuple(identity), ()))
        if s.lists:
            items: list[Item] = []
            for lst in s.lists.values():
                label, text = lst.label or lst.name, "、".join(x for x in lst.items if x)
                items.append(Item(label, text, clause_of(lst)))
                self.fact("目录", "", label, "内容", text, clause_of(lst))
            sections.append(("目录", (), tuple(items), ()))
        if s.params:
            section = "政策参数"
            sections.append((section, (self.params_table(section),), (), ()))
        if s.funds:
            section = "基金管理"
            tables = tuple(t for f in s.funds.values() for t in self.fund_tables(section, f))
            sections.append((section, tables, (), ()))
        if s.monitors:
            section = "监测"
            monitor_items = tuple(i for m in s.monitors.values() for i in self.monitor_items(section, m))
            sections.append((section, (), monitor_items, ()))
        if s.targets:
            items = []
            for target in s.targets.values():
                label, text = target.label or target.name, self.words.expr(target.expr)
                items.append(Item(label, text, clause_of(target)))
                self.fact("控制目标", "", label, "内容", text, clause_of(target))
            sections.append(("控制目标", (), tuple(items), ()))
        periods = self.provision_items("执行期间") if s.provisions else []
        if periods:
            sections.append(("执行期间", (), tuple(periods), ()))
        built = tuple(Section(cn_number(i + 1), t, tables, items, notes)
                      for i, (t, tables, items, notes) in enumerate(sections))
        return PolicyView(self.policy.header.name, title, header, built, unique_facts(self.facts))


def unique_facts(facts: list[Fact]) -> tuple[Fact, ...]:
    """Facts with distinct keys (a repeated key gets `（2）` on its item), in order."""
    seen: dict[tuple, int] = {}
    out = []
    for f in facts:
        count = seen.get(f.key, 0) + 1
        seen[f.key] = count
        if count > 1:
            f = dataclasses.replace(f, item=f"{f.item}（{count}）")
        out.append(f)
    return tuple(out)


def build_view(checked) -> PolicyView:
    """The view model of a checked policy (anything with `.policy` and `.symbols`)."""
    return ViewBuilder(checked).build()


# ================================================================ rendering

_MD_SPECIAL = set("\\`*_[]<>|~")
_MD_LEADING = re.compile(r"^(\d+)([.)])(?=\s|$)")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def markdown_escape(value) -> str:
    """Text from a policy, safe in Markdown: shown literally, never markup or raw HTML, never breaks a table.

    Backslash-escapes the characters that start markup anywhere (`|` would split a table cell, `<` would open
    raw HTML) and, at the start, those that start a block (`#` heading, `>` quote, `-`/`+` list, `1.` list);
    `&` only where it would begin a character reference.
    """
    text = "" if value is None else str(value)
    text = " ".join(text.splitlines())
    text = "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)
    text = _MD_ENTITY.sub("&amp;", text)
    if text[:1] in ("#", "-", "+", "="):
        text = "\\" + text
    return _MD_LEADING.sub(r"\1\\\2", text)


@functools.lru_cache(maxsize=None)
def environment(kind: str) -> jinja2.Environment:
    """`html`: autoescape on for everything; `md`: every `{{ }}` output goes through `markdown_escape`."""
    loader = jinja2.PackageLoader("aidlang.documents", "templates")
    if kind == "html":
        return jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                  lstrip_blocks=True, keep_trailing_newline=True, autoescape=True)
    return jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True, autoescape=False, finalize=markdown_escape)


def render_view(view: PolicyView, fmt: str) -> str:
    """`fmt` is `md` or `html`."""
    return environment(fmt).get_template(f"policy.{fmt}.j2").render(v=view)


def render_markdown(checked) -> str:
    return render_view(build_view(checked), "md")


def render_html(checked) -> str:
    return render_view(build_view(checked), "html")
