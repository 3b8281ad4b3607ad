"""The errors every engine raises: a claim rejected for a data reason (`ClaimError`, `missing_reason`), a
parameter without a value (`MissingParameter`) or a setting a rule adjusts without one (`UnsetSetting`), and
an error inside a compiled policy's code, named by the `.aid` line it was generated from (`PolicyRuntimeError`).
"""

from __future__ import annotations

import datetime as dt


class ClaimError(Exception):
    """A claim that cannot be settled for a data reason; the caller rejects that row only."""

    def __init__(self, claim_id: str, reason_zh: str, reason_en: str, row: int = 0):
        self.claim_id, self.reason_zh, self.reason_en, self.row = claim_id, reason_zh, reason_en, row
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
        self.en = f"parameter {name} has no value{' on ' + on.isoformat() if on else ''}: give it with --param {name}=VALUE"
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


def missing_reason(kind: str, defined: bool) -> tuple[str, str]:
    """Why a claim without `basic_paid`/`critical_paid` cannot be settled (zh, en)."""
    column = f"{kind}_paid"
    zh_kind = {"basic": "基本医保支付", "critical": "大病保险支付"}[kind]
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
