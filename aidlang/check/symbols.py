"""What the names in a policy mean: its declarations by name, and the builtin names of the language.

Built once per policy from the syntax tree. The checker uses it to resolve names and report what does
not resolve; every backend (interpreter, compiler, tables, batch) uses it to look things up, so a
name means the same thing everywhere.
"""

from __future__ import annotations

from typing import Iterable

import attrs

from aidlang.frontend import nodes as n

# ---------------------------------------------------------------- builtin names

VISIT_TYPES: dict[str, str] = {
    "outpatient": "outpatient", "普通门诊": "outpatient",
    "chronic": "chronic", "门诊慢特病": "chronic",
    "inpatient": "inpatient", "住院": "inpatient",
}
VISIT_LABELS = {"outpatient": "普通门诊", "chronic": "门诊慢特病", "inpatient": "住院"}

EVERYONE = ("everyone", "全体参保人员")
"""In a rule's who-list: every insured person, with or without a category (e.g. critical-illness insurance)."""
ANY_CATEGORY = ("any_category", "全体救助对象")
"""In a rule's who-list: every person who holds some category of the policy."""


@attrs.frozen
class Builtin:
    name: str  # canonical
    type: str  # money | rate | number | bool | string | date
    context: str  # claim | person | running | fund | target | test
    zh: str
    en: str


BUILTINS: tuple[Builtin, ...] = (
    # the claim being settled, and the tiers settled before this one
    Builtin("policy_scope_cost", "money", "claim", "政策范围内费用", "policy-scope cost"),
    Builtin("basic_paid", "money", "claim", "基本医保支付", "paid by basic insurance"),
    Builtin("critical_paid", "money", "claim", "大病保险支付", "paid by critical-illness insurance"),
    Builtin("aid_paid", "money", "claim", "医疗救助支付", "paid by medical aid"),
    Builtin("referred", "bool", "claim", "转诊", "properly referred"),
    Builtin("in_province", "bool", "claim", "省内", "treated in the province"),
    Builtin("disease", "string", "claim", "病种", "disease"),
    Builtin("institution_level", "string", "claim", "机构级别", "institution level"),
    # canonical visit type (outpatient | chronic | inpatient); a string compared with it may use the
    # Chinese names too (`就诊方式 = "住院"`): evaluators normalise through VISIT_TYPES
    Builtin("visit_type", "string", "claim", "就诊方式", "visit type"),
    # the person, from persons.csv; age on the claim's discharge date or the benefit's due date
    Builtin("gender", "string", "person", "性别", "gender"),
    Builtin("age", "number", "person", "年龄", "age"),
    Builtin("disability_grade", "number", "person", "残疾等级", "disability grade"),
    Builtin("dibao_class", "string", "person", "低保类别", "dibao class"),
    Builtin("family_monthly_income_per_capita", "money", "person", "家庭月人均收入",
            "family monthly income per capita"),
    Builtin("family_annual_income", "money", "person", "家庭年收入", "family annual income"),
    # fund schedules: the year being scheduled
    Builtin("current_year", "number", "fund", "当年", "the year"),
    # control targets (not settled per claim)
    Builtin("self_pay_share", "rate", "target", "自付比例", "self-paid share of policy-scope cost"),
    Builtin("in_county", "bool", "target", "县域内", "treated in the county"),
)

FUNCTIONS: dict[str, str] = {
    # name -> canonical; year_self_paid(visit, …): this year's cumulative policy-scope cost minus basic and
    # critical insurance over claims of those visit types (all when none given), this claim included.
    "year_self_paid": "year_self_paid", "年度累计自付": "year_self_paid",
    # claim_rank(visit, …): this claim's rank this year among the person's claims of those visit types (all
    # when none given) that settle, in settlement order, this claim included: 1 for the first (年度内第二次住院: 2)
    "claim_rank": "claim_rank", "年度就诊次序": "claim_rank",
    "min": "min", "较小值": "min",
    "max": "max", "较大值": "max",
}

FUNCTION_ARITY: dict[str, tuple[int, int | None]] = {
    # canonical name -> (fewest, most) arguments; None: no upper limit
    "year_self_paid": (0, len(VISIT_LABELS)),
    "claim_rank": (0, len(VISIT_LABELS)),
    "min": (2, None),
    "max": (2, None),
}

STATUSES = {"not_covered": "not_covered", "不予救助": "not_covered"}

# Keys of test lines: claim attributes, person attributes and expected results.
CLAIM_KEYS = {
    "cost": "policy_scope_cost", "费用": "policy_scope_cost", "policy_scope_cost": "policy_scope_cost",
    "政策范围内费用": "policy_scope_cost",
    "basic_paid": "basic_paid", "基本医保支付": "basic_paid",
    "critical_paid": "critical_paid", "大病保险支付": "critical_paid",
    "referred": "referred", "转诊": "referred", "in_province": "in_province", "省内": "in_province",
    "disease": "disease", "病种": "disease", "institution_level": "institution_level", "机构级别": "institution_level",
}
PERSON_KEYS = {
    "gender": "gender", "性别": "gender", "birth_date": "birth_date", "出生日期": "birth_date",
    "disability_grade": "disability_grade", "残疾等级": "disability_grade",
    "dibao_class": "dibao_class", "低保类别": "dibao_class",
    "family_monthly_income_per_capita": "family_monthly_income_per_capita",
    "家庭月人均收入": "family_monthly_income_per_capita",
    "family_annual_income": "family_annual_income", "家庭年收入": "family_annual_income",
}
RESULT_KEYS = {
    "category": "category", "basic_paid": "basic_paid", "基本医保支付": "basic_paid",
    "critical_paid": "critical_paid", "大病保险支付": "critical_paid",
    "aid_paid": "aid_paid", "医疗救助支付": "aid_paid", "tilted_paid": "tilted_paid", "倾斜救助支付": "tilted_paid",
    "self_pay": "self_pay", "个人自付": "self_pay", "status": "status", "状态": "status", "basis": "basis",
}

_BUILTIN_BY_NAME = {alias: b for b in BUILTINS for alias in (b.name, b.zh)}


def builtin(name: str) -> Builtin | None:
    return _BUILTIN_BY_NAME.get(name)


def rejects_when_missing(b: Builtin) -> bool:
    """Values the data may leave out — a person's attributes, a claim's institution level — of which a
    missing one rejects the claim whose payment it would decide (docs/semantics.md)."""
    return b.context == "person" or b.name == "institution_level"


def missing_test(expr: n.Compare) -> str | None:
    """The value of `X = 无` / `X != 无` (the policy says what a missing X means) where X is one that
    `rejects_when_missing`, else None; every engine reads such a test without rejecting the claim."""
    if expr.op not in ("==", "!="):
        return None
    for side, other in ((expr.left, expr.right), (expr.right, expr.left)):
        if isinstance(other, n.NoneLit) and isinstance(side, n.Ref):
            b = builtin(side.name)
            if b is not None and rejects_when_missing(b):
                return b.name
    return None


def missing_in_list(expr: n.InList) -> str | None:
    """The value of `X 在 [无, …]` (a missing X is one of the listed values), as `missing_test`, else None."""
    if isinstance(expr.item, n.Ref) and any(isinstance(x, n.NoneLit) for x in expr.items):
        b = builtin(expr.item.name)
        if b is not None and rejects_when_missing(b):
            return b.name
    return None


# ---------------------------------------------------------------- the policy's own names

@attrs.frozen
class Symbols:
    """A policy's declarations, by name. Duplicates keep the first; the checker reports the rest."""

    policy: n.Policy
    params: dict[str, n.Param]
    categories: dict[str, n.Category]
    groups: dict[str, n.Group]
    pools: dict[str, n.Pool]
    visits: dict[str, n.Visit]  # canonical visit type -> declaration
    provisions: dict[str, n.Provision]
    lists: dict[str, n.DiseaseList]
    tiers: dict[str, n.Tier]
    benefits: dict[str, n.Benefit]
    funds: dict[str, n.Fund]
    monitors: dict[str, n.Monitor]
    targets: dict[str, n.Target]
    identity: tuple[n.IdentityRule, ...]

    # ------------------------------------------------------------ categories
    def category(self, text: str) -> n.Category | None:
        """A category by its identifier, its Chinese name or one of its 别名 (as data files write it)."""
        found = self.categories.get(text)
        if found is None:
            found = next((c for c in self.categories.values() if c.label == text), None)
        if found is None:
            found = next((c for c in self.categories.values() if text in c.aliases), None)
        return found

    def ancestors(self, name: str) -> list[str]:
        """The category and the categories it is a kind of, nearest first (stops at a cycle)."""
        chain: list[str] = []
        while name in self.categories and name not in chain:
            chain.append(name)
            name = self.categories[name].parent or ""
        return chain

    def display_name(self, category: str) -> str:
        c = self.categories[category]
        return c.label or c.name

    def members(self, who: str) -> set[str]:
        """The categories a who-name covers: a category and its kinds, or a group's members and their kinds."""
        if who in self.categories:
            return {c for c in self.categories if who in self.ancestors(c)}
        if who in self.groups:
            out: set[str] = set()
            for member in self.groups[who].members:
                if member in self.categories:
                    out |= self.members(member)
            return out
        return set()

    def specificity(self, who: str, category: str) -> int | None:
        """How closely a who-name names a category: 3 itself, 2 a category it is a kind of, 1 a group holding
        it, 0 everyone / any category; None when it does not cover the category at all. `category` may be ""
        for a person without one, whom only `everyone` covers."""
        if who in EVERYONE or (who in ANY_CATEGORY and category in self.categories):
            return 0
        chain = self.ancestors(category)
        if who in chain:
            return 3 if chain[0] == who else 2
        if who in self.groups and category in self.members(who):
            return 1
        return None

    def declared_order(self) -> list[str]:
        """Tie-break order of categories: the identity block's `order`, then declaration order."""
        order = [name for rule in self.identity if rule.kind == "order" for name in rule.names]
        return order + [c for c in self.categories if c not in order]

    def identity_flag(self, kind: str) -> bool:
        return any(rule.kind == kind for rule in self.identity)

    # ------------------------------------------------------------ pools
    def running_visits(self, args: Iterable[n.Expr]) -> tuple[str, ...]:
        """The visit types `年度累计自付(…)` sums over: each argument a visit type or a pool; none means all.
        Raises ValueError with the text of an argument that is neither."""
        visits: list[str] = []
        for arg in args:
            text = arg.name if isinstance(arg, n.Ref) else getattr(arg, "value", None)
            pool = self.pools.get(text) if isinstance(text, str) else None
            if pool is not None:
                visits.extend(VISIT_TYPES.get(v, v) for v in pool.visits)
            elif isinstance(text, str) and text in VISIT_TYPES:
                visits.append(VISIT_TYPES[text])
            else:
                raise ValueError(text)
        return tuple(dict.fromkeys(visits)) or ("outpatient", "chronic", "inpatient")

    def ledger_keys(self, tier: n.Tier, pool: str, visit: str) -> tuple[str, str]:
        """Ledger keys of a tier's deductible (the tilted threshold) and cap for a visit type: the pool when
        it shares them, else the pool and the visit type. A tilted threshold is always over the whole pool.
        Every engine keys its ledgers with these, so their ledgers line up."""
        declared = self.pools.get(pool)
        shares = declared.shares if declared is not None else ("deductible", "cap")
        own = f"{pool}/{visit}"
        dkey = pool if ("deductible" in shares or tier.kind == "tilted") else own
        ckey = pool if "cap" in shares else own
        return "d:" + dkey, "c:" + ckey

    def visit_pool(self, tier: n.Tier, visit: str) -> str | None:
        """The pool of a tier that a canonical visit type falls in (None: the tier does not cover it)."""
        for pool_name in tier.pools:
            pool = self.pools.get(pool_name)
            if pool and visit in {VISIT_TYPES.get(v, v) for v in pool.visits}:
                return pool_name
        if not tier.pools:
            return "*"  # a tier without pools covers every visit type in one ledger
        return None


def build_symbols(policy: n.Policy) -> Symbols:
    def by_name(items: Iterable) -> dict:
        out: dict = {}
        for item in items:
            out.setdefault(item.name, item)
        return out

    visits: dict[str, n.Visit] = {}
    for v in policy.of_type(n.Visit):
        visits.setdefault(VISIT_TYPES.get(v.name, v.name), v)
    identity = tuple(rule for block in policy.of_type(n.Identity) for rule in block.rules)
    return Symbols(
        policy=policy, params=by_name(policy.of_type(n.Param)), categories=by_name(policy.of_type(n.Category)),
        groups=by_name(policy.of_type(n.Group)), pools=by_name(policy.of_type(n.Pool)), visits=visits,
        provisions=by_name(policy.of_type(n.Provision)), lists=by_name(policy.of_type(n.DiseaseList)),
        tiers=by_name(policy.of_type(n.Tier)), benefits=by_name(policy.of_type(n.Benefit)),
        funds=by_name(policy.of_type(n.Fund)), monitors=by_name(policy.of_type(n.Monitor)),
        targets=by_name(policy.of_type(n.Target)), identity=identity)
