"""Unit tests of the checker: type and unit rules, dispatch coverage, and passes run one at a time."""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path

import attrs
import pytest

from aidlang.check import checker
from aidlang.check.symbols import build_symbols
from aidlang.frontend import nodes as n
from aidlang.frontend.diagnostics import AidError
from aidlang.frontend.parser import parse, parse_file
from aidlang.frontend.source import Source

HEADER = '''政策 p "测试政策" {
  文号 "测试〔2023〕1号"
  发布机关 "某市医疗保障局"
  施行日期 2023-01-01
}
参数 上年收入: 金额 另行发布 依据 "一"
类别 甲 依据 "一"
'''


def policy_of(body: str) -> n.Policy:
    return parse(Source("t.aid", HEADER + body))


def codes(body: str) -> list[str]:
    """The message codes `check` reports for a policy (empty when it checks clean)."""
    try:
        checker.check(policy_of(body))
    except AidError as error:
        return [d.code for d in error.diagnostics]
    return []


def setting_codes(settings: str) -> list[str]:
    """Codes for one rule of an aid tier with the given settings."""
    return codes(f'待遇 医疗救助 救助 依据 "一" {{\n  对 甲: {settings}\n}}\n')


def base_type(expr: str, kind: str = "医疗救助") -> str | None:
    """The type the checker gives a tier base written as `expr` (None when it does not check)."""
    policy = policy_of(f'待遇 {kind} 救助 依据 "一" {{\n  基数 {expr}\n  对 甲: 比例 50%\n}}\n')
    try:
        checked = checker.check(policy)
    except AidError:
        return None
    return checked.types[id(policy.of_type(n.Tier)[0].base)]


# ---------------------------------------------------------------- dispatch covers the tree

def test_every_expression_class_is_handled():
    assert set(typing.get_args(n.Expr)) == set(checker.INFER)


def test_every_test_line_class_is_handled():
    assert set(typing.get_args(n.TestItem)) == set(checker.TEST_ITEM_CHECKS)


# ---------------------------------------------------------------- money, rates, percentage points

def test_money_times_rate_is_money():
    assert base_type("5% × 上年收入") == "money"
    assert base_type("上年收入 × 5%") == "money"


def test_min_and_max_take_and_give_one_type():
    assert base_type("较小值(政策范围内费用, 1万元)") == "money"
    assert base_type("较大值(政策范围内费用 - 基本医保支付, 0元, 5% × 上年收入)") == "money"
    assert setting_codes("比例 较小值(50%, 60% + 5个百分点)") == []
    assert setting_codes("比例 50% 限额 较小值(1万元, 50%)") == ["E211"]


def test_money_plus_rate_is_an_error():
    assert setting_codes("比例 50% 起付标准 上年收入 + 5%") == ["E201"]
    assert setting_codes("比例 50% 起付标准 5% - 上年收入") == ["E201"]


def test_money_arithmetic():
    assert base_type("政策范围内费用 - 基本医保支付") == "money"
    assert base_type("上年收入 × 2") == "money"
    assert base_type("上年收入 / 12") == "money"
    assert setting_codes("比例 上年收入 / 上年收入") == []  # money / money is a rate
    assert setting_codes("比例 50% 限额 上年收入 × 上年收入") == ["E202"]


def test_percentage_points_only_on_rates():
    assert setting_codes("比例 60% + 5个百分点") == []
    assert setting_codes("比例 60% - 5个百分点") == []
    assert setting_codes("比例 50% 限额 上年收入 + 5个百分点") == ["E203"]
    assert setting_codes("比例 50% 限额 5个百分点 × 上年收入") == ["E203"]
    assert setting_codes("比例 5个百分点") == ["E204"]  # points alone are not a ratio


def test_ratio_is_a_rate_between_0_and_100_percent():
    assert setting_codes("比例 0%") == []
    assert setting_codes("比例 100%") == []
    assert setting_codes("比例 100.5%") == ["E205"]
    assert setting_codes("比例 95% + 10个百分点") == ["E205"]
    assert setting_codes("比例 -5%") == ["E205"]
    assert setting_codes("比例 0.85") == ["E204"]  # a rate carries %


def test_a_single_valued_rate_parameter_is_range_checked_where_used():
    body = '参数 救助比例: 比率 = 120% 依据 "一"\n待遇 医疗救助 救助 依据 "一" {\n  对 甲: 比例 救助比例\n}\n'
    assert codes(body) == ["E205"]


def relative_codes(settings: str) -> list[str]:
    """Codes for a rule of 甲 after one for everyone that sets every setting a relative one may adjust."""
    return codes(f'待遇 医疗救助 救助 依据 "一" {{\n  对 全体救助对象: 起付标准 1000元 比例 50% 限额 1万元\n'
                 f'  对 甲: {settings}\n}}\n')


def test_relative_settings():
    assert relative_codes("比例 提高 5个百分点") == []
    assert relative_codes("比例 提高 5%") == []
    assert relative_codes("比例 50% 起付标准 降低 50%") == []
    assert relative_codes("比例 50% 起付标准 降低 150%") == ["E205"]
    assert relative_codes("比例 50% 起付标准 降低 100元") == ["E204"]
    assert relative_codes("比例 50% 限额 提高 5个百分点") == ["E405"]
    # nothing in the tier sets the value being adjusted (E416); 起付标准 无 is a value (无 stays 无)
    assert setting_codes("比例 提高 5个百分点") == ["E416"]
    assert setting_codes("比例 50% 起付标准 降低 50%") == ["E416"]
    assert codes('待遇 医疗救助 救助 依据 "一" {\n  对 全体救助对象: 起付标准 无 比例 50%\n'
                 '  对 甲: 起付标准 降低 50%\n}\n') == []


def test_deductible_and_cap_are_money_or_none():
    assert setting_codes("比例 50% 起付标准 无 限额 无") == []
    assert setting_codes("比例 50% 限额 30万元") == []
    assert setting_codes("比例 50% 限额 300000") == ["E204"]
    assert setting_codes("比例 无") == ["E212"]


def test_money_literals_have_at_most_two_decimals():
    assert setting_codes("比例 50% 限额 1.5万元") == []
    assert setting_codes("比例 50% 限额 1000.25元") == []
    assert setting_codes("比例 50% 限额 1000.255元") == ["E206"]


def test_conditions_are_true_or_false():
    rule = '待遇 医疗救助 救助 依据 "一" {{\n  对 甲 条件 {}: 比例 50%\n}}\n'
    assert codes(rule.format("转诊 且 非 省内")) == []
    assert codes(rule.format("年龄 >= 60岁 或 残疾等级 在 [1, 2]")) == []
    assert codes(rule.format("家庭月人均收入 < 1.5 × 上年收入")) == []
    assert codes(rule.format("政策范围内费用")) == ["E204"]
    assert codes(rule.format("政策范围内费用 > 50%")) == ["E207"]


def test_builtins_only_where_they_have_a_value():
    assert base_type("政策范围内费用 - 当年") is None
    fund = '基金管理 f 依据 "一" {{\n  输入 支出\n  款项 费 = {} 截止日期 12月31日\n}}\n'
    assert codes(fund.format("4% × 支出[当年 - 1]")) == []
    assert codes(fund.format("政策范围内费用")) == ["E115"]
    assert codes('控制目标 t: 自付比例 <= 10% 依据 "一"\n') == []
    assert setting_codes("比例 自付比例") == ["E115"]


def test_paid_amounts_only_after_their_tier():
    assert base_type("政策范围内费用 - 基本医保支付 - 大病保险支付") == "money"
    tilted = '待遇 倾斜救助 倾斜 依据 "一" {{\n  基数 {}\n  对 甲: 超过 6000元 比例 60%\n}}\n'
    assert codes(tilted.format("政策范围内费用 - 医疗救助支付")) == []
    assert base_type("政策范围内费用 - 医疗救助支付") is None
    assert base_type("政策范围内费用 - 大病保险支付", kind="大病保险") is None


# ---------------------------------------------------------------- each pass alone

def context_of(body: str) -> checker.Context:
    policy = policy_of(body)
    return checker.Context(policy, build_symbols(policy))


def test_a_pass_runs_alone():
    ctx = context_of('条款 早 自 2022-01-01 依据 "十"\n类别 乙 属于 丙\n')
    checker.check_dates(ctx)
    assert [d.code for d in ctx.diagnostics] == ["E303"]
    checker.check_categories(ctx)
    checker.check_clauses(ctx)
    assert [d.code for d in ctx.diagnostics] == ["E303", "E102", "E301"]


def test_passes_are_listed_in_order():
    assert checker.PASSES[0] is checker.check_header
    assert len(set(checker.PASSES)) == len(checker.PASSES)


@pytest.mark.parametrize("start, months, end", [
    ("2023-01-01", 60, "2028-01-01"), ("2023-01-31", 1, "2023-02-28"), ("2024-01-31", 1, "2024-02-29"),
    ("9999-06-01", 12, None),
])
def test_add_months(start, months, end):
    result = checker.add_months(dt.date.fromisoformat(start), months)
    assert result == (dt.date.fromisoformat(end) if end else None)


# ---------------------------------------------------------------- the types backends read

def every_expression(node) -> list:
    """All expression nodes anywhere under `node` (attrs nodes and tuples of them)."""
    found = []
    if isinstance(node, checker.EXPR_CLASSES):
        found.append(node)
    if isinstance(node, tuple):
        for item in node:
            found += every_expression(item)
    elif attrs.has(type(node)):
        for field in attrs.fields(type(node)):
            found += every_expression(getattr(node, field.name))
    return found


def test_every_expression_of_a_checked_policy_has_a_type():
    policy = parse_file(Path(__file__).parent.parent / "policies" / "wuxi.aid")
    checked = checker.check(policy)
    untyped = [e for e in every_expression(policy) if id(e) not in checked.types and not isinstance(e, n.NoneLit)]
    assert untyped == []
    assert set(checked.types.values()) <= set(checker.TYPE_WORDS)
