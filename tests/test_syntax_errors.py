"""Every syntax diagnostic the front end can give, pinned in Chinese and English.

Each case is `tests/cases/syntax/<name>.aid` with `<name>.zh.txt` and `<name>.en.txt` beside it: the exact
text `render_all` prints (position, source line, caret, hint). The goldens were written with
`pytest --update-golden` and each was then checked by hand: line, column and caret against the `.aid` file.
"""

from pathlib import Path

import pytest

from aidlang.frontend.diagnostics import AidError, render_all
from aidlang.frontend.parser import parse, read_source

CASES = Path(__file__).parent / "cases" / "syntax"

# The code (and hint) each case must give: written by hand, so a golden cannot drift to another mistake.
EXPECTED = {
    "unexpected_name": ("E001", "H005"),        # 群组 全体 = 特困人员 特困职工 — a comma is missing
    "keyword_glued_to_name": ("E001", "H001"),  # 属于困境儿童 — no space after the keyword
    "keyword_as_name": ("E001", "H004"),        # 基数 — a keyword where an attribute name is wanted
    "digits_in_chinese_name": ("E001", "H006"),  # 类别 一类2 — 一类 then the number 2
    "number_after_unit": ("E001", None),         # 1万元5 — digits after a unit, not after a name: no H006
    "unknown_character": ("E002", "H003"),      # a full-width ；
    "stray_character": ("E002", None),          # @
    "unclosed_string": ("E011", None),          # "未闭合的说明 … — no closing quote on its line
    "bad_date_shape": ("E001", None),           # 2023-2-30 lexes as a number, not a date
    "ends_early": ("E003", None),               # 群组 全体 = and then the end of the file
    "not_utf8": ("E004", None),                 # GBK bytes
    "fractional_year": ("E005", None),          # 年度 2023.5
    "no_such_date": ("E006", None),             # 2023-02-30
    "expression_too_deep": ("E008", None),      # 1元 - 1元 - … 102 terms, 101 minus signs: 100 is the most
    "number_too_large": ("E007", None),         # a 16-digit literal: beyond any policy, past Decimal's comfort
    "unclosed_brace": ("E013", None),           # 待遇 … { without }
    "rule_without_colon": ("E014", None),       # 对 特困人员 比例 100%
    "rule_without_colon_three_names": ("E014", None),  # 对 特困人员、孤儿、事实无人抚养儿童 比例 100%
    "group_list_is_not_a_rule": ("E001", None),  # 群组 … = 特困人员, 孤儿 比例 100%: not E014's message
    "unquoted_clause": ("E015", None),          # 依据 二(一)
    "no_header": ("E016", None),                # no 政策 header
    "wan_without_yuan": ("E001", "H007"),       # 限额 3万 — the documents' 万 without 元: write 3万元
    "qian_is_no_unit": ("E001", "H008"),        # 限额 2.5千 — 千 is no unit: write 2500元 (2.5 × 1000)
    "yuan_yishang": ("E001", "H009"),           # 超过 5000元以上 — 以上 is what 超过 means: write 5000元
}
SYNTAX_CODES = {"E001", "E002", "E003", "E004", "E007", "E008", "E011", "E013", "E014", "E015", "E016"}


def diagnostics_of(name: str, monkeypatch) -> list:
    monkeypatch.chdir(CASES)  # the file name printed is then just `<name>.aid`, wherever the checkout is
    with pytest.raises(AidError) as caught:
        parse(read_source(f"{name}.aid"))
    return caught.value.diagnostics


def test_every_case_has_an_expectation():
    assert sorted(p.stem for p in CASES.glob("*.aid")) == sorted(EXPECTED)


def test_every_syntax_code_has_a_case():
    assert SYNTAX_CODES <= {code for code, _ in EXPECTED.values()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_code_and_hint(name, monkeypatch):
    diagnostics = diagnostics_of(name, monkeypatch)
    assert [(d.code, d.hint) for d in diagnostics] == [EXPECTED[name]]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rendered_message(name, lang, monkeypatch, update_golden):
    rendered = render_all(diagnostics_of(name, monkeypatch), lang) + "\n"
    golden = CASES / f"{name}.{lang}.txt"
    if update_golden:
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), f"no golden {golden.name}: run pytest --update-golden and check it by hand"
    assert rendered == golden.read_text(encoding="utf-8")
