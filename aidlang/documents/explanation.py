"""The words of an explanation: the settlement loop's trace of one claim (`runtime.trace`), as numbered steps
in Chinese or English.

The loop writes plain events (what was applied, with the amounts); this module only phrases them, with the
plan's names, so the arithmetic lives in one place. Money is shown with thousands separators: 20,000.00.
"""

from __future__ import annotations

from fractions import Fraction

import attrs

from aidlang import runtime as rt
from aidlang.check.symbols import VISIT_LABELS
from aidlang.records import Result
from aidlang.runtime import trace as t

KIND_WORDS = {
    "basic": ("基本医保", "basic insurance"), "critical": ("大病保险", "critical-illness insurance"),
    "aid": ("医疗救助", "medical aid"), "tilted": ("倾斜救助", "tilted aid"),
}
RATIO_WORDS = {
    "basic": ("支付比例", "payment ratio"), "critical": ("支付比例", "payment ratio"),
    "aid": ("救助比例", "aid ratio"), "tilted": ("救助比例", "aid ratio"),
}


@attrs.frozen
class Step:
    number: int
    clause: str  # the clause applied ("" for a step the data decides)
    text: str  # the whole line, the clause first
    before: int | None = None  # fen: the amount the step starts from
    after: int | None = None  # fen: the amount it gives

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


def money(fen: int, lang: str) -> str:
    return rt.format_yuan_grouped(fen) + ("元" if lang == "zh" else " yuan")


def amount(fen: int) -> str:
    return rt.format_yuan_grouped(fen)


def explain(engine, claims: list, identities: list, persons: dict | None, claim_id: str, lang: str = "zh"
            ) -> list[Step]:
    """The settlement of one claim as numbered steps, its person's earlier claims settled first, on any engine
    (a `runtime.PlanSettler`: the trace is the one loop's)."""
    trace, result = engine.explain_trace(claims, identities, persons, claim_id)
    return render(trace, result, engine.plan, lang)


def render(trace: list, result: Result, plan, lang: str = "zh") -> list[Step]:
    """The steps of a trace (`PlanSettler.explain_trace`) with the names of the plan it settled on."""
    zh = lang == "zh"
    steps: list[Step] = []

    def add(clause: str, text: str, before=None, after=None):
        steps.append(Step(len(steps) + 1, clause, f"{clause} {text}".strip(), before, after))

    def cat_name(category: str) -> str:
        if not category:
            return "无类别" if zh else "no category"
        return plan.categories[category]

    claim = None
    for event in trace:
        kind = type(event)
        if kind is t.ClaimRead:
            claim, visit = event.claim, event.visit
            span = claim.admission_date.isoformat()
            if claim.discharge_date != claim.admission_date:
                span += (" 至 " if zh else " to ") + claim.discharge_date.isoformat()
            if zh:
                add("", f"就诊 {claim.claim_id}：{VISIT_LABELS.get(visit, visit)}，{span}，"
                        f"政策范围内费用 {money(claim.policy_scope_cost, lang)}", None, claim.policy_scope_cost)
            else:
                add("", f"claim {claim.claim_id}: {visit}, {span}, policy-scope cost "
                        f"{money(claim.policy_scope_cost, lang)}", None, claim.policy_scope_cost)
        elif kind is t.IdentityChosen:
            held, chosen, trials, clause = event.held, event.chosen, event.trials, event.clause
            if not held:
                add("", "身份：未持有救助类别" if zh else "identity: no aid category held")
            elif trials is None and len(held) == 1:
                add("", f"身份：{cat_name(chosen)}" if zh else f"identity: {cat_name(chosen)}")
            elif trials is None:
                names = "、".join(cat_name(c) for c in held)
                add(clause, f"多重身份（{names}）按顺序适用 {cat_name(chosen)}" if zh else
                    f"several identities ({', '.join(cat_name(c) for c in held)}): {cat_name(chosen)} "
                    "by declared order")
            else:
                parts = ("，" if zh else ", ").join(
                    f"{cat_name(c)} {'合计支付' if zh else 'pays'} {money(total, lang)}" for c, total in trials)
                add(clause, f"多重身份就高：{parts} → 适用 {cat_name(chosen)}" if zh else
                    f"several identities, the highest applies: {parts} → {cat_name(chosen)}")
        elif kind is t.NotInForce:
            start, end = event.period
            period = f"{start or '…'} ~ {end or '…'}"
            add("", f"出院日期 {event.day} 不在政策施行期间（{period}）：状态 not_in_force" if zh else
                f"discharge date {event.day} is outside the policy's period ({period}): status not_in_force")
        elif kind is t.Given:
            word = KIND_WORDS[event.kind][0 if zh else 1]
            add("", f"{word}支付 {money(event.amount, lang)}（数据提供）" if zh else
                f"paid by {word}: {money(event.amount, lang)} (given by the data)", None, event.amount)
        elif kind is t.NoCategory:
            add("", "未持有救助类别：不予医疗救助（状态 no_category）" if zh else
                "no aid category held: no medical aid (status no_category)")
        elif kind is t.VisitUncovered:
            visit = event.visit
            add("", f"{VISIT_LABELS.get(visit, visit)} 不在医疗救助范围内（状态 not_covered）" if zh else
                f"{visit} visits are not covered by medical aid (status not_covered)")
        elif kind is t.GateFailed:
            label = event.step.tier.label
            add(event.clause, f"{label} 条件不满足：不予救助（状态 not_covered）" if zh else
                f"{label}: condition not met, not covered (status not_covered)")
        elif kind is t.ConditionFailed:
            label = event.step.tier.label
            add(event.clause, f"{label} 条件不满足：本项不适用" if zh else f"{label}: condition not met, not applied")
        elif kind is t.NoRatio:
            _no_ratio_step(event.step.tier, event.category, add, cat_name, zh)
        elif kind is t.TierPaid and event.step.tier.kind == "tilted":
            _tilted_steps(event, result, claim, add, cat_name, zh, lang)
        elif kind is t.TierPaid:
            _deductible_steps(event, result, claim, add, cat_name, zh, lang)
        elif kind is t.SelfPay:
            pieces = " − ".join(amount(x) for x in (event.cost, event.basic, event.critical, event.aid,
                                                     event.tilted))
            add("", f"个人自付：{pieces} = {money(event.self_pay, lang)}" if zh else
                f"self-paid: {pieces} = {money(event.self_pay, lang)}", event.cost, event.self_pay)
    basis = result.basis or ("无" if zh else "none")
    add("", f"结果：状态 {result.status}，依据 {basis}" if zh else f"result: status {result.status}, clauses {basis}")
    return steps


def _no_ratio_step(tier, category: str, add, cat_name, zh: bool) -> None:
    """A tier that pays the category nothing for want of a ratio: when rules of the tier list the category,
    say which, and why."""
    label = tier.label
    listing = [(r.clause or "", tuple(s.key for s in r.settings)) for r in tier.rules if category in r.covers]
    if not listing:
        add("", f"{label}：{cat_name(category)} 在该日期无适用比例，本项不支付" if zh else
            f"{label}: no ratio for {cat_name(category)} on this date, nothing paid")
        return
    clauses = "、".join(dict.fromkeys(c for c, _ in listing if c)) or ("无" if zh else "none")
    keys = sorted({k for _, ks in listing for k in ks}, key=SETTING_ORDER.index)
    given = "、".join(rt.SETTING_WORDS[k][0] for k in keys)
    given_en = ", ".join(rt.SETTING_WORDS[k][1] for k in keys)
    if "ratio" not in keys:
        add(listing[0][0], f"{label}：列有{cat_name(category)}的规则（依据 {clauses}）没有写 比例"
                           + (f"（只写了 {given}）" if given else "") + "：比例缺失即本项不支付" if zh else
            f"{label}: the rules listing {cat_name(category)} (clauses {clauses}) give no ratio"
            + (f" (only {given_en})" if given_en else "") + ": without a ratio this tier pays nothing")
    else:
        add(listing[0][0], f"{label}：列有{cat_name(category)}的规则（依据 {clauses}）中写有比例的，"
                           "在该日期不施行或条件不满足：本项不支付" if zh else
            f"{label}: of the rules listing {cat_name(category)} (clauses {clauses}), those giving a "
            "ratio are not in force on this date or their condition fails: this tier pays nothing")


def _base_text(tier, base: int, result: Result, claim, zh: bool, lang: str) -> str:
    """The base, with its subtraction shown when it is the kind's default (cost minus the tiers before)."""
    pieces = [claim.policy_scope_cost]
    pieces += {"basic": [], "critical": [result.basic_paid], "aid": [result.basic_paid, result.critical_paid],
               "tilted": [result.basic_paid, result.critical_paid, result.aid_paid]}[tier.kind]
    if max(0, pieces[0] - sum(pieces[1:])) == base and len(pieces) > 1:
        return " − ".join(amount(p) for p in pieces) + f" = {money(base, lang)}"
    return money(base, lang)


def _deductible_steps(event, result, claim, add, cat_name, zh, lang) -> None:
    tier, res, category = event.step.tier, event.terms, event.category
    base, earlier, covered = event.base, event.earlier, event.counted
    raw, used, paid = event.raw, event.used, event.paid
    word = KIND_WORDS[tier.kind][0 if zh else 1]
    add(tier.clause, f"{tier.label} 基数：{_base_text(tier, base, result, claim, zh, lang)}" if zh else
        f"{tier.label} base: {_base_text(tier, base, result, claim, zh, lang)}", None, base)
    _split_step(event, claim, add, zh)
    d_clause = res.clause_of("deductible")
    if res.deductible and "deductible" in res.per_claim:  # 每次: this claim alone, max(0, e − D)
        if zh:
            text = (f"每次起付标准 {money(res.deductible, lang)}（按次计算，不计本年此前就诊）："
                    f"本次 {money(base, lang)}"
                    + (f" − {money(res.deductible, lang)} = {money(covered, lang)}" if covered else "，未超过起付标准"))
        else:
            text = (f"per-claim deductible {money(res.deductible, lang)} (this claim alone, earlier claims do not "
                    f"count): this claim {money(base, lang)}"
                    + (f" − {money(res.deductible, lang)} = {money(covered, lang)}" if covered
                       else ", not above it"))
        add(d_clause, text, base, covered)
    elif res.deductible:
        add(d_clause, f"起付标准 {money(res.deductible, lang)}：本年此前累计 {money(earlier, lang)}，本次 "
                      f"{money(base, lang)}，起付标准以上 {money(covered, lang)}" if zh else
            f"deductible {money(res.deductible, lang)}: earlier this year {money(earlier, lang)}, this claim "
            f"{money(base, lang)}, above the deductible {money(covered, lang)}", base, covered)
    else:
        add(d_clause, f"不设起付标准：计入 {money(covered, lang)}" if zh else
            f"no deductible: {money(covered, lang)} counts", base, covered)
    _ratio_step(tier, res, category, covered, raw, add, cat_name, zh, lang)
    _cap_step(res, used, raw, paid, word, add, zh, lang)


def _tilted_steps(event, result, claim, add, cat_name, zh, lang) -> None:
    tier, res, category = event.step.tier, event.terms, event.category
    burden, earlier, excess = event.base, event.earlier, event.counted
    raw, used, paid = event.raw, event.used, event.paid
    add(tier.clause, f"{tier.label} 本次负担：{_base_text(tier, burden, result, claim, zh, lang)}" if zh else
        f"{tier.label} burden of this claim: {_base_text(tier, burden, result, claim, zh, lang)}", None, burden)
    _split_step(event, claim, add, zh)
    if "threshold" in res.per_claim:  # 每次: this claim's burden alone, max(0, b − t)
        add(res.clause_of("threshold"),
            f"单次负担 {money(burden, lang)}（按次计算，不计本年此前负担），超过 {money(res.threshold, lang)} 的部分："
            f"{money(excess, lang)}" if zh else
            f"burden of this claim alone {money(burden, lang)} (earlier claims do not count), above "
            f"{money(res.threshold, lang)}: {money(excess, lang)}", burden, excess)
        _ratio_step(tier, res, category, excess, raw, add, cat_name, zh, lang)
        _cap_step(res, used, raw, paid, KIND_WORDS["tilted"][0 if zh else 1], add, zh, lang)
        return
    add(res.clause_of("threshold"),
        f"本年此前累计负担 {money(earlier, lang)} + 本次 {money(burden, lang)}，超过 {money(res.threshold, lang)} "
        f"的部分：{money(excess, lang)}" if zh else
        f"burden earlier this year {money(earlier, lang)} + this claim {money(burden, lang)}, above "
        f"{money(res.threshold, lang)}: {money(excess, lang)}", burden, excess)
    _ratio_step(tier, res, category, excess, raw, add, cat_name, zh, lang)
    _cap_step(res, used, raw, paid, KIND_WORDS["tilted"][0 if zh else 1], add, zh, lang)


def _split_step(event, claim, add, zh: bool) -> None:
    """A pool split by institution level (`分账 机构级别`): the year so far is this level's alone."""
    if event.step.split_line:
        level = claim.institution_level
        add("", f"按医疗机构级别分账：本年此前累计与已支付只计{level}医疗机构的就诊" if zh else
            f"ledgers by institution level: earlier this year counts claims at {level} institutions only")


def _ratio_step(tier, res, category, counted, raw, add, cat_name, zh, lang) -> None:
    """The category's ratio of what counts (covered above the deductible, or burden above the threshold); when
    the product is not whole fen, the exact product and its half-up rounding to the fen (contract §1)."""
    ratio_word = RATIO_WORDS[tier.kind][0 if zh else 1]
    num, den = res.num, res.den
    exact = Fraction(counted * num, den)  # fen
    product = money(raw, lang)
    if exact.denominator != 1:
        shown = _exact_yuan(exact)
        product = (f"{shown}元，四舍五入到分 {money(raw, lang)}" if zh else
                   f"{shown} yuan, rounded half-up to the fen: {money(raw, lang)}")
    add(res.clause_of("ratio"), f"{cat_name(category)} {ratio_word}{rt.format_rate(res.ratio)}："
                                f"{amount(counted)} × {rt.format_rate(res.ratio)} = {product}" if zh else
        f"{cat_name(category)} {ratio_word} {rt.format_rate(res.ratio)}: {amount(counted)} × "
        f"{rt.format_rate(res.ratio)} = {product}", counted, raw)


def _exact_yuan(fen: Fraction) -> str:
    """An exact amount in yuan with its thousands separators: every decimal when it ends within 8 places (the
    rates of a policy make it end: 65% of a fen is 0.0065 yuan), else 8 places and "…"."""
    yuan = fen / 100
    whole = int(yuan)
    rest = yuan - whole
    digits = ""
    for _ in range(8):
        rest *= 10
        digit = int(rest)
        digits += str(digit)
        rest -= digit
        if rest == 0:
            break
    return f"{whole:,}." + digits + ("" if rest == 0 else "…")


SETTING_ORDER = ("deductible", "ratio", "cap", "threshold")


def _cap_step(res, used, raw, paid, word, add, zh, lang) -> None:
    cap = res.cap
    if cap is None:
        add(res.clause_of("cap"), f"不设年度限额：{word}支付 {money(paid, lang)}" if zh else
            f"no annual cap: {word} pays {money(paid, lang)}", raw, paid)
        return
    left = rt.cap_remaining(cap, used)
    add(res.clause_of("cap"),
        f"年度限额 {money(cap, lang)}，本年已支付 {money(used, lang)}，剩余 {money(left, lang)}："
        f"{word}支付 {money(paid, lang)}" if zh else
        f"annual cap {money(cap, lang)}, paid earlier this year {money(used, lang)}, left "
        f"{money(left, lang)}: {word} pays {money(paid, lang)}", raw, paid)
