"""Random policies: the compiled module settles exactly as the interpreter on policies nobody wrote by hand.

The five real policies and tests/data/compiled/every_construct.aid reach every construct, but only in the
combinations their authors chose. Here a seeded generator writes whole policies — categories with a parent, a
group, identity rules, one to three pools with shared ledgers, insurance tiers, one or two aid tiers, a tilted
tier, tier and rule conditions with and without 否则 不予救助, rules scoped to pools or to provisions (one of
them retroactive), relative settings, a dated parameter, a disease list, an annual benefit — and each one that
passes the checker is compiled and settled by both engines on random claims, identities and persons (the
generators of tests/test_compiled.py). Results, rejected claims, errors and annual benefits must be identical.
"""

from __future__ import annotations

import random

import pytest
from test_compiled import annual_of, make_claims, make_identities, make_persons, module_of, policy_years, settle_both

from aidlang.check.checker import check
from aidlang.engines.interp.interpreter import Interpreter
from aidlang.frontend.diagnostics import AidError
from aidlang.frontend.parser import parse
from aidlang.frontend.source import Source

POLICIES = 40  # seeds; each policy is settled on CLAIMS claims
CLAIMS = 1_500
CATEGORIES = ("甲类", "乙类", "丙类", "丁类")
# the claim's rank in the year (年度内第二次及以上住院 …), counted by both engines from one ledger
RANKS = ("年度就诊次序(住院) >= 2", "年度就诊次序() >= 3", "年度就诊次序(门诊慢特病, 住院) = 1")
CONDITIONS = ("转诊", "省内", "转诊 且 省内", "政策范围内费用 > 2万元", '病种 != "骨折"', "年龄 >= 60", '性别 = "女"',
              '机构级别 = "三级"', "年度累计自付(住院) > 5000元", '就诊方式 = "住院"', "转诊 或 政策范围内费用 > 1万元",
              "病种 在 重病")
PROVISIONS = (  # (name, period): one ending before the policy's 施行日期 must say 追溯执行
    ("追溯期", "自 2022-09-01 至 2024-06-30 追溯执行"),
    ("过渡期", "自 2023-01-01 至 2023-06-30"),
    ("后期", "自 2024-03-01"),
)
POOL_LAYOUTS = (  # (pool name, visit types) per pool
    (("门诊", "outpatient"), ("慢住", "chronic, inpatient")),
    (("全部", "outpatient, chronic, inpatient"),),
    (("门诊", "outpatient"), ("慢", "chronic"), ("住", "inpatient")),
)
BASES = {  # a tier's 基数 when it writes one (only amounts of earlier tiers: E123); the first is the default
    "基本医保": ("政策范围内费用",),
    "大病保险": ("政策范围内费用 - 基本医保支付",),
    # the second counts again what critical-illness insurance paid: aid can then exceed what is left to pay
    "医疗救助": ("政策范围内费用 - 基本医保支付 - 大病保险支付", "政策范围内费用 - 基本医保支付"),
    "倾斜救助": ("政策范围内费用 - 基本医保支付 - 大病保险支付 - 医疗救助支付",),
}


def random_policy(rng: random.Random, number: int) -> tuple[str, bool]:
    """(the policy's text, whether every tier's base leaves out what earlier tiers paid — then no claim can be
    paid more than it cost)."""
    counted_twice: list[str] = []
    cats = list(CATEGORIES[: rng.randint(1, 4)])
    lines = [f'政策 r{number} "随机政策{number}" {{', '  发布机关 "测试"', "  施行日期 2023-01-01", '  依据 "一"', "}"]
    for i, cat in enumerate(cats):
        parent = f" 属于 {cats[0]}" if i == len(cats) - 1 and i > 0 and rng.random() < 0.3 else ""
        lines.append(f'类别 {cat}{parent} 依据 "二"')
    group = None
    if len(cats) >= 2 and rng.random() < 0.5:
        group = "重点"
        lines.append(f'群组 {group} = {", ".join(rng.sample(cats, 2))} 依据 "二"')
    identity = []
    if rng.random() < 0.6:
        identity.append("多重身份 就高")
    if rng.random() < 0.5:
        identity.append("顺序 " + ", ".join(rng.sample(cats, len(cats))))
    if rng.random() < 0.5:
        identity.append("丧失身份 次月起不再享受")
    identity += [line for line in ("住院期间 保留原类别", "住院期间 取得新类别") if rng.random() < 0.4]
    if identity:
        lines += ["身份规则 {", *(f'  {line} 依据 "身"' for line in identity), "}"]
    lines += ['就诊类型 outpatient "普通门诊" 依据 "池"', '就诊类型 chronic "门诊慢特病" 依据 "池"',
              '就诊类型 inpatient "住院" 依据 "池"']
    lines.append('目录 重病 "重特大疾病" = "白血病", "肺癌", "骨折" 依据 "目"')
    provisions = rng.sample(PROVISIONS, rng.randint(0, 2))
    for name, period in provisions:
        lines.append(f'条款 {name} "{name}" {period} 依据 "条"')
    provision_names = [name for name, _ in provisions]

    def during() -> str:
        return f" 期间 {rng.choice(provision_names)}" if provision_names and rng.random() < 0.3 else ""

    has_param = rng.random() < 0.4
    if has_param:
        lines.append('参数 工资 "最低工资": 金额 = 1500元, 1800元 自 2024-03-01 依据 "参"')
    pools = [name for name, _ in rng.choice(POOL_LAYOUTS)]
    layout = dict(next(layout for layout in POOL_LAYOUTS if [n for n, _ in layout] == pools))
    for name in pools:
        shared = rng.choice(("", " 共用 限额", " 共用 起付标准", " 共用 起付标准, 限额"))
        lines.append(f'费用池 {name} = {layout[name]}{shared} 依据 "池"')

    def amount(none_ok: bool = True) -> str:
        choices = ["300元", "1000元", "5000元", "2万元", "8万元"] + (["无"] if none_ok else [])
        if has_param:
            choices += ["工资", "工资 × 2"]
        return rng.choice(choices)

    def condition() -> str:
        return rng.choice(CONDITIONS)

    def per_claim() -> str:
        """`每次` (issue 13 item 1): a deductible or threshold of each claim alone, now and then."""
        return rng.choice(("每次 ", "按次 ")) if rng.random() < 0.3 else ""

    def tier(kind: str, name: str) -> list[str]:
        mine = rng.sample(pools, rng.randint(1, len(pools)))
        out = [f'待遇 {kind} {name} 依据 "{name}" {{']
        if rng.random() < 0.4:
            base = rng.choice(BASES[kind])
            out.append(f"  基数 {base}")
            if base != BASES[kind][0]:
                counted_twice.append(name)
        if rng.random() < 0.8:
            out.append(f"  适用 {', '.join(mine)}")
        else:
            mine = []  # no 适用: every visit type, one ledger
        if rng.random() < 0.4:
            gate = " 否则 不予救助" if rng.random() < 0.5 else ""
            out.append(f'  条件 {condition()}{gate} 依据 "{name}(条件)"')
        if provision_names and rng.random() < 0.2:
            out.append(f"  期间 {rng.choice(provision_names)}")
        everyone = "全体参保人员" if kind in ("基本医保", "大病保险") else "全体救助对象"
        if kind == "倾斜救助":
            cap = f" 限额 {amount()}" if rng.random() < 0.6 else ""
            out.append(f'  对 {everyone}: 超过 {per_claim()}{amount(False)} 比例 {rng.choice(("50%", "60%"))}{cap} '
                       f'依据 "{name}"')
            if rng.random() < 0.3:  # 年度内第二次及以上: a rule on the claim's rank in the year
                out.append(f'  对 {rng.choice(cats)} 条件 {rng.choice(RANKS)}: 超过 降低 50% 依据 "{name}(次序)"')
            return out + ["}"]
        # the broad rule first (every setting the narrower ones may adjust), then narrower ones
        out.append(f'  对 {everyone}: 起付标准 {per_claim()}{amount()} 比例 {rng.choice(("50%", "60%", "70%"))} '
                   f'限额 {amount()} 依据 "{name}"')
        whos = cats + ([group] if group else [])
        for i in range(rng.randint(0, 3)):
            who = ", ".join(rng.sample(whos, rng.randint(1, min(2, len(whos)))))
            scope = f" 在 {rng.choice(mine)}" if mine and rng.random() < 0.3 else ""
            when = f" 条件 {condition()}" if rng.random() < 0.3 else ""
            if rng.random() < 0.2:
                when = f" 条件 {rng.choice(RANKS)}"
            when += during()
            settings = []
            if rng.random() < 0.5:
                settings.append(rng.choice((f"起付标准 {per_claim()}{amount()}", "起付标准 降低 50%")))
            if rng.random() < 0.7:
                settings.append(rng.choice(("比例 85%", "比例 100%", "比例 提高 5个百分点", "比例 降低 10%")))
            if rng.random() < 0.4:
                settings.append(rng.choice((f"限额 {amount()}", "限额 降低 50%")))
            if not settings:
                settings.append("比例 90%")
            out.append(f'  对 {who}{scope}{when}: {" ".join(settings)} 依据 "{name}({i})"')
        return out + ["}"]

    if rng.random() < 0.5:
        lines += tier("基本医保", "基本")
    if rng.random() < 0.5:
        lines += tier("大病保险", "大病")
    tilted_first = rng.random() < 0.3
    if tilted_first:
        lines += tier("倾斜救助", "倾斜")
    lines += tier("医疗救助", "救助甲")
    if rng.random() < 0.4:
        lines += tier("医疗救助", "救助乙")
    if not tilted_first and rng.random() < 0.6:
        lines += tier("倾斜救助", "倾斜")
    if rng.random() < 0.6:
        lines += annual_benefit(rng, cats, has_param, provision_names)
    return "\n".join(lines) + "\n", not counted_twice


BENEFIT_CONDITIONS = ("年龄 >= 60岁", '性别 = "女"', '低保类别 = "A"', "残疾等级 在 [1, 2]",
                      "家庭月人均收入 < 2000元", '(性别 = "男" 且 年龄 >= 60岁) 或 (性别 = "女" 且 年龄 >= 55岁)')


def annual_benefit(rng: random.Random, cats: list[str], has_param: bool, provision_names: list[str]) -> list[str]:
    """A 年度待遇 of one to three rows (amounts, shares of the parameter, listings), maybe highest only, maybe
    with a due date."""
    out = ['年度待遇 年度 "年度待遇" 依据 "年" {']
    for i in range(rng.randint(1, 3)):
        who = rng.choice(cats + ["全体参保人员"])
        when = f" 条件 {rng.choice(BENEFIT_CONDITIONS)}" if rng.random() < 0.5 else ""
        if provision_names and rng.random() < 0.2:
            when += f" 期间 {rng.choice(provision_names)}"
        shares = ["资助比例 75% 之 工资", "资助比例 100% 之 工资"]
        values = ["金额 800元", "金额 300元", "纳入"] + (shares if has_param else [])
        out.append(f'  对 {who}{when}: {rng.choice(values)} 依据 "年({i})"')
    if rng.random() < 0.5:
        out.append('  按最高标准 依据 "年"')
    if rng.random() < 0.5:
        out.append(f"  发放日期 {rng.choice(('9月30日', '次年 6月30日', '6月30日 + 20日'))}")
    return out + ["}"]


def checked_or_none(text: str, number: int):
    try:
        return check(parse(Source(f"随机{number}.aid", text)))
    except AidError:
        return None


def test_the_generator_writes_policies_the_checker_accepts():
    """Most generated policies pass the checker, so the differential test below is not vacuous."""
    passed = sum(checked_or_none(random_policy(random.Random(seed), seed)[0], seed) is not None
                 for seed in range(POLICIES))
    assert passed >= POLICIES * 3 // 4, f"only {passed} of {POLICIES} generated policies pass the checker"


@pytest.mark.parametrize("seed", range(POLICIES))
def test_random_policy_compiles_to_the_interpreters_settlement(seed):
    text, within_cost = random_policy(random.Random(seed), seed)
    checked = checked_or_none(text, seed)
    if checked is None:
        pytest.skip("the generator wrote a policy the checker rejects (counted by the test above)")
    rng = random.Random(seed * 7919 + 1)
    years = policy_years(checked)
    persons = [f"p{i}" for i in range(120)]
    identities = make_identities(checked, rng, persons, counts=(0, 1, 1, 2, 3))
    claims = make_claims(checked, rng, persons, CLAIMS)
    persons_map = make_persons(rng, persons)
    interp, compiled = settle_both(checked, claims, identities, persons_map, {})
    assert compiled == interp, text
    for year in years:  # annual benefits, where the policy has them
        assert (annual_of(Interpreter(checked, {}), year, identities, persons_map)
                == annual_of(module_of(checked).Policy({}), year, identities, persons_map)), text
    # contract: the patient never gets back more than paid. Every engine checks every claim, so a settlement that
    # finishes has no negative self-pay; one that would stops (or, where the claim gives one insurance amount and
    # the policy computes the other and the two exceed the cost, rejects that claim)
    if isinstance(interp[0], list):
        assert all(r.self_pay >= 0 for r in interp[0]), text
    # a policy whose tier bases leave out what earlier tiers paid can never pay more than the cost
    assert not (within_cost and interp[0] == "above cost"), (text, interp)
