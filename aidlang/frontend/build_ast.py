"""The one Transformer from Lark's parse tree to `nodes`: it builds nodes and does nothing else.

Every Lark `Token` becomes a `str`, `int`, `Decimal` or `date` here, with a `Span`; no Lark type leaves
this module. Values that cannot be built (a month 13, `2.5` where a year is wanted) are collected
as diagnostics rather than raised, because an exception inside a Transformer loses its position.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from lark import Token, Transformer, Tree, v_args

from aidlang.frontend import nodes as n
from aidlang.frontend.diagnostics import Diagnostic
from aidlang.frontend.source import Source, Span

# Keyword spellings whose meaning the tree keeps, English and Chinese, to their canonical word.
SETTING_KEYS = {"deductible": "deductible", "起付标准": "deductible", "ratio": "ratio", "比例": "ratio",
                "cap": "cap", "限额": "cap", "threshold": "threshold", "超过": "threshold"}
TIER_KINDS = {"basic": "basic", "基本医保": "basic", "critical": "critical", "大病保险": "critical",
              "aid": "aid", "医疗救助": "aid", "tilted": "tilted", "倾斜救助": "tilted"}
TYPES = {"money": "money", "金额": "money", "rate": "rate", "比率": "rate", "date": "date", "日期": "date",
         "number": "number", "数值": "number"}
UNITS = {"元": ("yuan", 1), "yuan": ("yuan", 1), "万元": ("yuan", 10000), "wan": ("yuan", 10000),
         "%": ("percent", 1), "％": ("percent", 1), "个百分点": ("pp", 1), "pp": ("pp", 1),
         "年": ("year", 1), "years": ("year", 1), "个月": ("month", 1), "months": ("month", 1),
         "日": ("day", 1), "天": ("day", 1), "days": ("day", 1), "岁": ("age", 1)}
BOOLS = {"true": True, "是": True, "false": False, "否": False}
OPERATORS = {"×": "*", "*": "*", "÷": "/", "/": "/", "+": "+", "-": "-", "<": "<", "<=": "<=", "≤": "<=",
             ">": ">", ">=": ">=", "≥": ">=", "=": "==", "＝": "==", "==": "==", "!=": "!=", "≠": "!="}
LISTED = {"listed": True, "列入": True, "not_listed": False, "不列入": False}

MAX_DIGITS = 15  # whole-number digits of a literal: 万亿 yuan is far beyond any policy, and exact in Decimal
_CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_CN_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})日")


class BuildError(Exception):
    """Raised by `build` with the diagnostics collected while building."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__(f"{len(diagnostics)} problem(s) building the tree")
        self.diagnostics = diagnostics


def build(tree: Tree, source: Source) -> n.Policy:
    builder = _Builder(source)
    policy = builder.transform(tree)
    if builder.problems:
        raise BuildError(builder.problems)
    return policy


def _kw(tree: Tree) -> str:
    """The spelling of a kept keyword rule (`!setting_key` and friends)."""
    return str(tree.children[0])


# Handlers shared by several rules, made before the class that holds them (a header field; an identity rule).
def _string_field(key: str):
    def handler(self, meta, children):
        return _Field(key, unquote(str(children[0])), self.span(meta))
    return handler


def _date_field(key: str):
    def handler(self, meta, children):
        return _Field(key, children[0].value, self.span(meta))
    return handler


def _identity_rule(kind: str):
    def handler(self, meta, children):
        names = self.first(children, _Names)
        texts = tuple(unquote(str(c)) for c in children if isinstance(c, Token))
        return n.IdentityRule(kind=kind, names=names.names if names else (), texts=texts,
                              clause=self.first(children, n.Clause), span=self.span(meta))
    return handler


@v_args(meta=True)
class _Builder(Transformer):
    def __init__(self, source: Source):
        super().__init__(visit_tokens=False)
        self.source = source
        self.problems: list[Diagnostic] = []

    # ------------------------------------------------------------ helpers
    def span(self, meta) -> Span:
        if getattr(meta, "empty", True):
            return Span(self.source, 1, 1, 1, 2)
        return Span(self.source, meta.line, meta.column, meta.end_line, meta.end_column)

    def token_span(self, tok: Token) -> Span:
        line, column, end_line, end_column = tok.line, tok.column, tok.end_line, tok.end_column
        assert line is not None and column is not None and end_line is not None and end_column is not None, (
            "a token from the lexer has a position")
        return Span(self.source, line, column, end_line, end_column)

    def problem(self, code: str, span: Span, **args) -> None:
        self.problems.append(Diagnostic.make(code, span, **args))

    def date_of(self, tok: Token) -> dt.date:
        text = str(tok)
        m = _CN_DATE.fullmatch(text)
        y, mo, d = (m.groups() if m else text.split("-"))
        try:
            return dt.date(int(y), int(mo), int(d))
        except ValueError:
            self.problem("E006", self.token_span(tok), value=text)
            return dt.date(1970, 1, 1)

    def int_of(self, tok: Token) -> int:
        text = str(tok)
        if not text.isdigit():
            self.problem("E005", self.token_span(tok), value=text)
            return 0
        return int(text)

    @staticmethod
    def split(children, *types):
        """The children of the given node types, in order, each list by type; the rest under None."""
        out = {t: [] for t in types}
        out[None] = []
        for c in children:
            for t in types:
                if isinstance(c, t):
                    out[t].append(c)
                    break
            else:
                out[None].append(c)
        return out

    @staticmethod
    def first(children, cls, default=None):
        return next((c for c in children if isinstance(c, cls)), default)

    # ------------------------------------------------------------ leaves
    def name(self, meta, children):
        return _Name(str(children[0]), self.span(meta))

    def name_list(self, meta, children):
        return _Names(tuple(c.text for c in children), self.span(meta))

    def label(self, meta, children):
        return _Label(unquote(str(children[0])))

    def note(self, meta, children):
        return _Note(unquote(str(children[0])))

    def clause(self, meta, children):
        return n.Clause(text=unquote(str(children[0])), span=self.span(meta))

    def date(self, meta, children):
        return n.DateLit(value=self.date_of(children[0]), span=self.span(meta))

    def quantity(self, meta, children):
        text = str(children[0])
        whole, _, decimals = text.partition(".")
        if len(whole) > MAX_DIGITS:
            self.problem("E007", self.token_span(children[0]), value=_shortened(text))
            text = "0"
        elif len(decimals) > MAX_DIGITS:  # a rate of thousands of decimals would be a fraction too large to print
            self.problem("E012", self.token_span(children[0]), value=_shortened(text), limit=MAX_DIGITS)
            text = "0"
        value = Decimal(text)
        unit = ""
        if len(children) > 1:
            unit, factor = UNITS[_kw(children[1])]
            value *= factor
        return n.Quantity(value=value, unit=unit, span=self.span(meta))

    def string(self, meta, children):
        return n.StringLit(value=unquote(str(children[0])), span=self.span(meta))

    def boolean(self, meta, children):
        return n.BoolLit(value=BOOLS[_kw(children[0])], span=self.span(meta))

    def none_lit(self, meta, children):
        return n.NoneLit(word=_kw(children[0]), span=self.span(meta))

    no_value = none_lit

    def ref(self, meta, children):
        return n.Ref(name=children[0].text, span=self.span(meta))

    # ------------------------------------------------------------ expressions
    def call(self, meta, children):
        return n.Call(func=children[0].text, args=tuple(c for c in children[1:] if c is not None),
                      span=self.span(meta))

    def index(self, meta, children):
        return n.Index(name=children[0].text, index=children[1], span=self.span(meta))

    def binary(self, meta, children):
        left, op, right = children
        return n.Binary(op=OPERATORS[str(op)], left=left, right=right, span=self.span(meta))

    def neg(self, meta, children):
        op, operand = children
        if str(op) == "+":
            return operand
        return n.Neg(operand=operand, span=self.span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return n.Compare(op=OPERATORS[str(op)], left=left, right=right, span=self.span(meta))

    def in_list(self, meta, children):
        return n.InList(item=children[0], list_name=children[1].text, items=(), span=self.span(meta))

    def in_literal(self, meta, children):
        return n.InList(item=children[0], list_name=None, items=tuple(children[1:]), span=self.span(meta))

    def and_expr(self, meta, children):
        return n.BoolOp(op="and", operands=tuple(children), span=self.span(meta))

    def or_expr(self, meta, children):
        return n.BoolOp(op="or", operands=tuple(children), span=self.span(meta))

    def not_(self, meta, children):
        return n.Not(operand=children[0], span=self.span(meta))

    def reduced_by(self, meta, children):
        return n.Adjust(direction="down", amount=children[-1], span=self.span(meta))

    def raised_by(self, meta, children):
        return n.Adjust(direction="up", amount=children[-1], span=self.span(meta))

    # ------------------------------------------------------------ header
    def start(self, meta, children):
        header, *decls = children
        return n.Policy(header=header, decls=tuple(decls), span=self.span(meta))

    def header(self, meta, children):
        fields: dict = {"supersedes": [], "repeals": [], "issuer": []}  # the fields that may be given again
        repeated: list[n.RepeatedField] = []
        first: dict[str, Span] = {}
        clause = None
        for c in children:
            if isinstance(c, _Field):
                if c.key in ("supersedes", "repeals", "issuer"):
                    fields[c.key].append(c.value)
                elif c.key in fields:  # the first one stands; the checker reports the repeat
                    repeated.append(n.RepeatedField(key=c.key, first=first.get(c.key), span=c.span))
                else:
                    fields[c.key] = c.value
                    first[c.key] = c.span
            elif isinstance(c, n.Clause):
                clause = c
        name = self.first(children, _Name)
        label = self.first(children, _Label)
        return n.Header(
            name=name.text, title=fields.get("title", label.text if label else None),
            doc_number=fields.get("doc_number"), issuers=tuple(fields["issuer"]), issued=fields.get("issued"),
            published=fields.get("published"),
            in_force=fields.get("in_force"), valid_for=fields.get("valid_for"),
            valid_until=fields.get("valid_until"), supersedes=tuple(fields["supersedes"]),
            repeals=tuple(fields["repeals"]), clause=clause, repeated=tuple(repeated), span=self.span(meta))

    title = _string_field("title")
    doc_number = _string_field("doc_number")
    issuer = _string_field("issuer")
    supersedes = _string_field("supersedes")
    repeals = _string_field("repeals")
    issued = _date_field("issued")
    published = _date_field("published")
    in_force = _date_field("in_force")
    valid_until = _date_field("valid_until")

    def valid_for(self, meta, children):
        return _Field("valid_for", children[0], self.span(meta))

    # ------------------------------------------------------------ declarations
    def param_decl(self, meta, children):
        label = self.first(children, _Label)
        values = self.first(children, _Values)
        return n.Param(
            name=children[0].text, label=label.text if label else None,
            type=TYPES[_kw(self.first(children, Tree).children[0])],
            values=values.items if values and not values.later else None,
            published_later=bool(values and values.later),
            clause=self.first(children, n.Clause), span=self.span(meta))

    def param_values(self, meta, children):
        return _Values(tuple(c for c in children if isinstance(c, n.DatedValue)), later=False)

    def published_later(self, meta, children):
        return _Values((), later=True)

    def dated_value(self, meta, children):
        since = children[1].value if len(children) > 1 else None
        return n.DatedValue(expr=children[0], since=since, span=self.span(meta))

    def category_decl(self, meta, children):
        names = [c for c in children if isinstance(c, _Name)]
        label, note = self.first(children, _Label), self.first(children, _Note)
        aliases = self.first(children, _Aliases)
        return n.Category(name=names[0].text, label=label.text if label else None,
                          parent=names[1].text if len(names) > 1 else None, note=note.text if note else None,
                          clause=self.first(children, n.Clause), aliases=aliases.names if aliases else (),
                          span=self.span(meta))

    def aliases(self, meta, children):
        return _Aliases(tuple(unquote(str(c)) for c in children))

    def group_decl(self, meta, children):
        label, note = self.first(children, _Label), self.first(children, _Note)
        return n.Group(name=children[0].text, label=label.text if label else None,
                       members=self.first(children, _Names).names, note=note.text if note else None,
                       clause=self.first(children, n.Clause), span=self.span(meta))

    def visit_decl(self, meta, children):
        label = self.first(children, _Label)
        return n.Visit(name=children[0].text, label=label.text if label else None,
                       clause=self.first(children, n.Clause), span=self.span(meta))

    def pool_decl(self, meta, children):
        label = self.first(children, _Label)
        shares = self.first(children, _Shares)
        return n.Pool(name=children[0].text, label=label.text if label else None,
                      visits=self.first(children, _Names).names, shares=shares.keys if shares else (),
                      split_by=self.first(children, n.Ref), clause=self.first(children, n.Clause),
                      span=self.span(meta))

    def split_by(self, meta, children):
        return n.Ref(name=children[0].text, span=children[0].span)

    def share_list(self, meta, children):
        return _Shares(tuple(children))

    def share(self, meta, children):
        return SETTING_KEYS[_kw(children[0])]

    def provision_decl(self, meta, children):
        label = self.first(children, _Label)
        dates = [c.value for c in children if isinstance(c, n.DateLit)]
        retro = any(isinstance(c, Tree) and c.data == "retroactive" for c in children)
        return n.Provision(name=children[0].text, label=label.text if label else None, start=dates[0],
                           end=dates[1] if len(dates) > 1 else None, retroactive=retro,
                           clause=self.first(children, n.Clause), span=self.span(meta))

    def list_decl(self, meta, children):
        label = self.first(children, _Label)
        items = tuple(unquote(str(c)) for c in children if isinstance(c, Token) and c.type == "STRING")
        return n.DiseaseList(name=children[0].text, label=label.text if label else None, items=items,
                             clause=self.first(children, n.Clause), span=self.span(meta))

    # ------------------------------------------------------------ identity rules
    def identity_decl(self, meta, children):
        return n.Identity(rules=tuple(children), span=self.span(meta))

    priority_highest = _identity_rule("highest")
    priority_order = _identity_rule("order")
    lost_month_end = _identity_rule("month_end")
    stay_keeps_lost = _identity_rule("stay_keeps_lost")
    stay_gains_new = _identity_rule("stay_gains_new")
    requires = _identity_rule("requires")

    # ------------------------------------------------------------ tiers
    def tier_decl(self, meta, children):
        kind_tree, name = children[0], children[1]
        label = self.first(children, _Label)
        parts = self.split(children, _Base, _Names, n.TierCondition, _During, n.Rule)
        base = parts[_Base][0].expr if parts[_Base] else None
        return n.Tier(kind=TIER_KINDS[_kw(kind_tree.children[0])], name=name.text,
                      label=label.text if label else None, clause=self.first(children[2:4], n.Clause),
                      base=base, pools=tuple(p for ns in parts[_Names] for p in ns.names),
                      conditions=tuple(parts[n.TierCondition]),
                      during=parts[_During][0].name if parts[_During] else None,
                      rules=tuple(parts[n.Rule]), span=self.span(meta))

    def tier_base(self, meta, children):
        return _Base(children[0])

    def tier_pools(self, meta, children):
        return children[0]

    def tier_during(self, meta, children):
        return _During(children[0].text)

    def tier_condition(self, meta, children):
        otherwise = self.first(children[1:], _Name)
        return n.TierCondition(expr=children[0], otherwise=otherwise.text if otherwise else None,
                               clause=self.first(children, n.Clause), span=self.span(meta))

    def rule(self, meta, children):
        lists = [c for c in children if isinstance(c, _Names)]
        during = self.first(children, _Name)
        when = next((c for c in children if not isinstance(c, (_Names, _Name, n.Setting, n.Clause))), None)
        return n.Rule(who=lists[0].names, pools=lists[1].names if len(lists) > 1 else (), when=when,
                      during=during.text if during else None,
                      settings=tuple(c for c in children if isinstance(c, n.Setting)),
                      clause=self.first(children, n.Clause), span=self.span(meta))

    def setting(self, meta, children):
        if len(children) == 1:  # 不设起付线 / 不封顶 standing alone: 起付标准 无 / 限额 无, as the documents say it
            word = _kw(children[0])
            key = "deductible" if word in ("不设起付线", "no_deductible") else "cap"
            return n.Setting(key=key, value=n.NoneLit(word=word, span=self.span(meta)), span=self.span(meta))
        per_claim = isinstance(children[1], Tree) and children[1].data == "per_claim"  # 每次/按次 (docs/semantics.md)
        return n.Setting(key=SETTING_KEYS[_kw(children[0])], value=children[-1], per_claim=per_claim,
                         span=self.span(meta))

    # ------------------------------------------------------------ benefits
    def benefit_decl(self, meta, children):
        label = self.first(children, _Label)
        return n.Benefit(name=children[0].text, label=label.text if label else None,
                         clause=self.first(children[1:3], n.Clause),
                         rows=tuple(c for c in children if isinstance(c, n.BenefitRow)),
                         flags=tuple(c for c in children if isinstance(c, n.BenefitFlag)),
                         due=self.first(children, n.DueSpec), span=self.span(meta))

    def benefit_row(self, meta, children):
        who = children[0]
        value = self.first(children, _BenefitValue)
        during = self.first(children[1:], _Name)
        when = next((c for c in children[1:] if not isinstance(c, (_Name, _BenefitValue, n.Clause))), None)
        return n.BenefitRow(who=who.names, when=when, during=during.text if during else None, kind=value.kind,
                            value=value.expr, share_of=value.of, clause=self.first(children, n.Clause),
                            span=self.span(meta))

    def amount(self, meta, children):
        return _BenefitValue("amount", children[0], None)

    def share_of(self, meta, children):
        return _BenefitValue("share", children[0], children[1].text if len(children) > 1 else None)

    def eligible(self, meta, children):
        return _BenefitValue("eligible", None, None)

    def highest_only(self, meta, children):
        return n.BenefitFlag(kind="highest_only", clause=self.first(children, n.Clause), span=self.span(meta))

    def no_waiting(self, meta, children):
        return n.BenefitFlag(kind="no_waiting_period", clause=self.first(children, n.Clause),
                             span=self.span(meta))

    def benefit_due(self, meta, children):
        return children[0]

    def due_spec(self, meta, children):
        next_year = any(isinstance(c, Tree) and c.data == "next_year" for c in children)
        tok = next(c for c in children if isinstance(c, Token) and c.type == "MONTH_DAY")
        text = str(tok)
        m = _CN_MONTH_DAY.fullmatch(text)
        month, day = (int(m.group(1)), int(m.group(2))) if m else (int(text[2:4]), int(text[5:7]))
        try:
            dt.date(2024, month, day)  # a leap year: 2月29日 is a valid yearly date
        except ValueError:
            self.problem("E006", self.token_span(tok), value=text)
        plus = self.first(children, n.Quantity)
        if plus is not None:
            sign = next(str(c) for c in children if isinstance(c, Token) and c.type == "ADD_OP")
            if sign == "-":
                plus = n.Quantity(value=-plus.value, unit=plus.unit, span=plus.span)
        return n.DueSpec(next_year=next_year, month=month, day=day, plus=plus, span=self.span(meta))

    # ------------------------------------------------------------ funds, monitors, targets
    def fund_decl(self, meta, children):
        label = self.first(children, _Label)
        return n.Fund(name=children[0].text, label=label.text if label else None,
                      clause=self.first(children[1:3], n.Clause),
                      inputs=tuple(c for c in children if isinstance(c, n.FundInput)),
                      items=tuple(c for c in children if isinstance(c, n.FundItem)),
                      checks=tuple(c for c in children if isinstance(c, n.FundCheck)), span=self.span(meta))

    def fund_input(self, meta, children):
        label = self.first(children, _Label)
        return n.FundInput(name=children[0].text, label=label.text if label else None,
                           clause=self.first(children, n.Clause), span=self.span(meta))

    def fund_item(self, meta, children):
        label = self.first(children, _Label)
        rest = [c for c in children[1:] if not isinstance(c, (_Label, n.Clause, Token))]
        return n.FundItem(name=children[0].text, label=label.text if label else None, expr=rest[0],
                          due=self.first(children, n.DueSpec), clause=self.first(children, n.Clause),
                          span=self.span(meta))

    def fund_check(self, meta, children):
        label = self.first(children, _Label)
        rest = [c for c in children[1:] if not isinstance(c, (_Label, n.Clause))]
        return n.FundCheck(name=children[0].text, label=label.text if label else None, expr=rest[0],
                           clause=self.first(children, n.Clause), span=self.span(meta))

    def monitor_decl(self, meta, children):
        label = self.first(children, _Label)
        parts = {c.key: c.value for c in children if isinstance(c, _Field)}
        return n.Monitor(name=children[0].text, label=label.text if label else None,
                         clause=self.first(children[1:3], n.Clause), amount=parts.get("amount"),
                         threshold=parts.get("threshold"), push_day=parts.get("push_day"),
                         fields=parts.get("fields", ()), span=self.span(meta))

    def monitor_amount(self, meta, children):
        return _Field("amount", children[0])

    def monitor_threshold(self, meta, children):
        return _Field("threshold", children[0])

    def monitor_push_by(self, meta, children):
        return _Field("push_day", children[-1])

    def monitor_fields(self, meta, children):
        return _Field("fields", tuple(unquote(str(c)) for c in children))

    def target_decl(self, meta, children):
        label = self.first(children, _Label)
        rest = [c for c in children[1:] if not isinstance(c, (_Label, n.Clause))]
        return n.Target(name=children[0].text, label=label.text if label else None, expr=rest[0],
                        clause=self.first(children, n.Clause), span=self.span(meta))

    def ignore_decl(self, meta, children):
        names = self.first(children, _Names)
        return n.Ignore(code=children[0].text, reason=self.first(children, _Label).text,
                        names=names.names if names else (), code_span=children[0].span,
                        names_span=names.span if names else None, span=self.span(meta))

    # ------------------------------------------------------------ tests
    def test_decl(self, meta, children):
        label = self.first(children, _Label)
        year = next((c.value for c in children if isinstance(c, _Field) and c.key == "year"), None)
        month = next((c.value for c in children if isinstance(c, _Field) and c.key == "month"), None)
        items = tuple(c for c in children[1:] if not isinstance(c, (_Label, _Field)))
        return n.TestCase(name=children[0].text, label=label.text if label else None, year=year, month=month,
                          items=items, span=self.span(meta))

    def test_identity(self, meta, children):
        dates = [c.value for c in children if isinstance(c, n.DateLit)]
        return n.TestIdentity(person=children[0].text, category=children[1].text, start=dates[0],
                              end=dates[1] if len(dates) > 1 else None, span=self.span(meta))

    def test_person(self, meta, children):
        return n.TestPerson(person=children[0].text, attrs=tuple(children[1:]), span=self.span(meta))

    def test_param(self, meta, children):
        return n.TestParam(name=children[0].text, value=children[-1], span=self.span(meta))

    def test_claim(self, meta, children):
        dates = [c.value for c in children if isinstance(c, n.DateLit)]
        return n.TestClaim(claim=children[0].text, person=children[1].text, visit=children[2].text,
                           admission=dates[0], discharge=dates[-1],
                           attrs=tuple(c for c in children if isinstance(c, n.Attr)), span=self.span(meta))

    def test_expenditure(self, meta, children):
        return n.TestExpenditure(county=children[0].text, year=self.int_of(children[1]), amount=children[2],
                                 span=self.span(meta))

    def test_year(self, meta, children):
        return _Field("year", self.int_of(children[0]))

    def test_month(self, meta, children):
        text = str(children[0])
        year, month = int(text[:4]), int(text[5:7])
        if not 1 <= month <= 12:
            self.problem("E006", self.token_span(children[0]), value=text)
        return _Field("month", (year, month))

    def expect_claim(self, meta, children):
        return n.ExpectClaim(claim=children[0].text, attrs=tuple(children[1:]), span=self.span(meta))

    def expect_benefit(self, meta, children):
        amount = children[2] if isinstance(children[2], n.Quantity) else None
        return n.ExpectBenefit(person=children[0].text, benefit=children[1].text, amount=amount,
                               span=self.span(meta))

    def expect_schedule(self, meta, children):
        due = self.first(children, n.DateLit)
        return n.ExpectSchedule(county=children[0].text, year=self.int_of(children[1]), item=children[2].text,
                                due=due.value if due else None, amount=children[-1], span=self.span(meta))

    def signed_quantity(self, meta, children):
        sign, quantity = children
        value = -quantity.value if str(sign) == "-" else quantity.value
        return n.Quantity(value=value, unit=quantity.unit, span=self.span(meta))

    def due_date(self, meta, children):
        return children[0]

    def expect_monitor(self, meta, children):
        listed = LISTED[_kw(children[1])]
        amount = children[2] if len(children) > 2 else None
        return n.ExpectMonitor(person=children[0].text, listed=listed, amount=amount, span=self.span(meta))

    def attr(self, meta, children):
        key, value = children
        if isinstance(key, _Name):
            key = key.text
        if isinstance(value, Tree) and value.data == "bool":
            value = n.BoolLit(value=BOOLS[_kw(value)], span=self.span(value.meta))
        elif isinstance(value, _Name):
            value = n.Ref(name=value.text, span=value.span)
        elif isinstance(value, Token):
            value = n.StringLit(value=unquote(str(value)), span=self.token_span(value))
        return n.Attr(key=key, value=value, span=self.span(meta))

    def category_key(self, meta, children):
        return "category"

    def basis_key(self, meta, children):
        return "basis"

    def __default__(self, data, children, meta):
        # Kept keyword rules (`!unit`, `!bool`, …) stay as trees for their parent to read.
        return Tree(data, children, meta)


def _shortened(text: str) -> str:
    """A number quoted in a message: an absurdly long one cut."""
    return text if len(text) <= 40 else text[:40] + "…"


def unquote(text: str) -> str:
    """The content of a string literal: "…" with backslash escapes, or “…” and 「…」 taken as written."""
    if text[:1] in "“「":
        return text[1:-1]
    body, out, i = text[1:-1], [], 0
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# ---------------------------------------------------------------- transient pieces, never in the tree

class _Name:
    __slots__ = ("text", "span")

    def __init__(self, text: str, span: Span):
        self.text, self.span = text, span


class _Names:
    __slots__ = ("names", "span")

    def __init__(self, names: tuple[str, ...], span: Span):
        self.names, self.span = names, span


class _Label:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class _Note:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class _Aliases:
    __slots__ = ("names",)

    def __init__(self, names: tuple[str, ...]):
        self.names = names


class _Field:
    __slots__ = ("key", "value", "span")

    def __init__(self, key: str, value, span: Span | None = None):
        self.key, self.value, self.span = key, value, span


class _Values:
    __slots__ = ("items", "later")

    def __init__(self, items, later: bool):
        self.items, self.later = items, later


class _Shares:
    __slots__ = ("keys",)

    def __init__(self, keys):
        self.keys = keys


class _Base:
    __slots__ = ("expr",)

    def __init__(self, expr):
        self.expr = expr


class _During:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class _BenefitValue:
    __slots__ = ("kind", "expr", "of")

    def __init__(self, kind: str, expr, of):
        self.kind, self.expr, self.of = kind, expr, of
