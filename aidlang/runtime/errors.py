"""The errors every engine raises: a claim rejected for a data reason (`ClaimError`, `missing_reason`), a
parameter without a value (`MissingParameter`) or a setting a rule adjusts without one (`UnsetSetting`), and
an error inside a compiled policy's code, named by the `.aid` line it was generated from (`PolicyRuntimeError`);
a person attribute the policy reads that the data does not give (`MissingValue`), and payments above a claim's
cost (`PaymentAboveCost`).
"""

from __future__ import annotations

import datetime as dt

from .money import format_yuan_grouped


class ClaimError(Exception):
    """A claim that cannot be settled for a data reason; the caller rejects that row only."""

    def __init__(self, claim_id: str, reason_zh: str, reason_en: str, row: int = 0, column: str = ""):
        self.claim_id, self.reason_zh, self.reason_en, self.row = claim_id, reason_zh, reason_en, row
        self.column = column  # the claims.csv column the reason is about, where one is
        super().__init__(f"claim {claim_id}: {reason_en}")


class MissingParameter(Exception):
    """A parameter the run needs has no value: published later (另行发布) and not given with `--param`,
    or no dated value in force on the date."""

    def __init__(self, name: str, label: str | None, on: dt.date | None = None,
                 others: tuple[tuple[str, str | None], ...] = ()):
        self.name, self.label, self.on = name, label, on
        self.others = others  # the policy's other parameters without a value, so one run can name them all
        shown = f"{name}（{label}）" if label else name
        when = f"（{on.isoformat()}）" if on else ""
        self.zh = f"缺少参数 {shown}{when}：请用 --param {name}=值 提供"
        self.en = (f"parameter {name} has no value{' on ' + on.isoformat() if on else ''}: "
                   f"give it with --param {name}=VALUE")
        if others:
            self.zh += "；另有未给出取值的参数：" + "、".join(f"{o}（{lab}）" if lab else o for o, lab in others)
            self.en += "; other parameters without a value: " + ", ".join(o for o, _ in others)
        super().__init__(self.en)


# a rule's settings as the policy and the reader name them (Chinese, English)
SETTING_WORDS = {"deductible": ("起付标准", "deductible"), "ratio": ("比例", "ratio"), "cap": ("限额", "cap"),
                 "threshold": ("超过", "threshold")}


class UnsetSetting(MissingParameter):
    """A rule adjusts (降低/提高) a setting that no rule in force before it gave a value on the claim's date (say,
    a rule of a retroactive provision adjusting a cap that only the policy's own period sets). Like a missing
    parameter it stops the run, naming the rule, in every engine alike; the checker's E416 reports what it can
    see without a claim (no rule of the tier sets the setting at all)."""

    def __init__(self, key: str, where: str, on: dt.date | None):
        Exception.__init__(self, f"{where}: {key} is adjusted but no rule in force before it sets it")
        word, english = SETTING_WORDS.get(key, (key, key))
        self.name, self.label, self.on, self.others = key, word, on, ()
        day = on.isoformat() if on else ""
        self.zh = (f"{where}：规则调整{word}（降低/提高），但 {day} 没有施行中的更不具体的规则给出{word}："
                   f"请在该日期施行的规则中写出{word}")
        self.en = (f"{where}: the rule adjusts the {english} (reduced_by/raised_by), but on {day} no less specific "
                   f"rule in force gives it: give the {english} in a rule in force on that date")


# the insurance tiers as claims.csv's reader names them
INSURANCE_WORDS = {"basic": "基本医保支付", "critical": "大病保险支付"}


def missing_reason(kind: str, defined: bool) -> tuple[str, str]:
    """Why a claim without `basic_paid`/`critical_paid` cannot be settled (zh, en)."""
    column = f"{kind}_paid"
    zh_kind = INSURANCE_WORDS[kind]
    if defined:
        return (f"缺少{zh_kind}（{column}）：本政策在该就诊日期不计算该项",
                f"{column} is missing and the policy does not compute it on this date")
    return (f"缺少{zh_kind}（{column}）：本政策不计算该项，须由数据提供",
            f"{column} is missing and the policy does not compute it: the data must give it")


class PolicyRuntimeError(Exception):
    """An error inside a compiled policy's code, named by the `.aid` line it was generated from."""

    def __init__(self, where: str, error: BaseException):
        self.where, self.error = where, error
        super().__init__(f"{where}: {type(error).__name__}: {error}")


# a person attribute as the policy and the data name it (Chinese, English, persons.csv column)
PERSON_ATTR_WORDS = {
    "gender": ("性别", "gender", "gender"), "age": ("年龄", "age", "birth_date"),
    "disability_grade": ("残疾等级", "disability grade", "disability_grade"),
    "dibao_class": ("低保类别", "dibao class", "dibao_class"),
    "family_monthly_income_per_capita": ("家庭月人均收入", "family monthly income per capita",
                                         "family_monthly_income_per_capita"),
    "family_annual_income": ("家庭年收入", "family annual income", "family_annual_income"),
}


class MissingValue(Exception):
    """A value an expression reads that the data does not give — a person attribute (the person has no
    persons.csv row, or the cell is empty where empty is not a value) or a claim's institution level
    (docs/semantics.md, "Missing data decides no money").
    `line` is the `.aid` line of the expression that needs it. The settlement loop turns it into a rejected
    claim (`claim_error`), so the claim's payment is never decided by a value nobody gave."""

    def __init__(self, attr: str, line: int, no_person: bool):
        self.attr, self.line, self.no_person = attr, line, no_person
        # set where a command reports it whole (annual benefits); a rejected claim names its own person
        self.person_id, self.source = "", ""
        super().__init__(f"{attr} is missing (line {line})")

    def reasons(self, person_id: str, source: str, claim_id: str = "") -> tuple[str, str]:
        """(zh, en), naming the person (or claim), the value and the policy line that needs it."""
        where = f"{source}:{self.line}" if source else f"line {self.line}"
        if self.attr == "institution_level":
            return (f"就诊 {claim_id} 的机构级别（institution_level）为空，而 {where} 的规则需要它",
                    f"claim {claim_id} has no institution level (institution_level), and the rule at {where} "
                    f"needs it")
        zh, en, column = PERSON_ATTR_WORDS.get(self.attr, (self.attr, self.attr, self.attr))
        if self.no_person:
            return (f"persons.csv 中没有人员 {person_id}，而 {where} 的规则需要其{zh}（{column}）",
                    f"persons.csv has no row for person {person_id}, and the rule at {where} needs their {en} "
                    f"({column})")
        return (f"人员 {person_id} 的{zh}（{column}）为空，而 {where} 的规则需要它",
                f"person {person_id} has no {en} ({column}), and the rule at {where} needs it")

    def message(self, lang: str) -> str:
        zh, en = self.reasons(self.person_id, self.source)
        return zh if lang == "zh" else en

    def claim_error(self, claim, source: str) -> ClaimError:
        column = "institution_level" if self.attr == "institution_level" else "person_id"
        return ClaimError(claim.claim_id, *self.reasons(claim.person_id, source, claim.claim_id), claim.row, column)


class PaymentAboveCost(MissingParameter):
    """The tiers would pay more than a claim's policy-scope cost (a negative self-pay): a ratio or parameter
    that cannot be right. Like a missing parameter it stops the run in every engine, naming the claim, the
    amounts and the clauses applied; nothing is written."""

    def __init__(self, claim, paid: tuple[int, int, int, int], clauses: str, source: str):
        Exception.__init__(self, f"claim {claim.claim_id} pays more than its cost")
        self.name, self.label, self.on, self.others = "", None, claim.discharge_date, ()
        self.paid = paid  # fen: basic, critical, aid, tilted
        basic, critical, aid, tilted = (format_yuan_grouped(v) for v in paid)
        cost = format_yuan_grouped(claim.policy_scope_cost)
        where = f"{source}（依据 {clauses}）" if clauses else source
        where_en = f"{source} (clauses {clauses})" if clauses else source
        self.zh = (f"{where}：就诊 {claim.claim_id} 的支付合计超过政策范围内费用 {cost} 元（基本医保 {basic}、"
                   f"大病保险 {critical}、医疗救助 {aid}、倾斜救助 {tilted}），个人自付将为负数：请检查比例、"
                   f"限额与 --param 的取值")
        self.en = (f"{where_en}: claim {claim.claim_id} would be paid more than its policy-scope cost {cost} "
                   f"(basic {basic}, critical {critical}, aid {aid}, tilted {tilted}), a negative self-pay: check "
                   f"the ratios, caps and --param values")



def source_line(error: BaseException, module_globals: dict) -> str | None:
    """`file.aid:line` of the innermost frame of a generated module (its globals) in the error's traceback,
    from the module's table of lines (`LINE_AT`); None when no frame of the module maps to a line."""
    found = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals is module_globals:
            line = module_globals.get("LINE_AT", {}).get(tb.tb_lineno)
            if line is not None:
                found = f"{module_globals.get('SOURCE', '')}:{line}"
        tb = tb.tb_next
    return found
