"""Golden tests of the checker's messages: each `cases/errors/<name>.aid` beside its `<name>.zh.txt`.

A case is a small policy that parses but does not check; its golden file holds the exact Chinese output.
`pytest --update-golden` rewrites the goldens — read each one before accepting it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aidlang.check.checker import check
from aidlang.frontend.diagnostics import AidError, render_all
from aidlang.frontend.messages import MESSAGES
from aidlang.frontend.parser import parse, parse_file
from aidlang.frontend.source import Source

CASES = Path(__file__).parent / "cases" / "errors"
POLICIES = Path(__file__).parent.parent / "policies"
CHECKER_CODES = sorted(code for code in MESSAGES if re.fullmatch(r"E[1-4]\d\d", code))


def case_paths() -> list[Path]:
    return sorted(CASES.glob("*.aid"))


def checker_output(path: Path) -> str:
    """The rendered diagnostics of a case; the case must parse, so that only the checker speaks."""
    policy = parse(Source(path.name, path.read_text(encoding="utf-8-sig")))
    with pytest.raises(AidError) as raised:
        check(policy)
    return render_all(raised.value.diagnostics, "zh") + "\n"


@pytest.mark.parametrize("path", case_paths(), ids=lambda p: p.stem)
def test_error_case(path: Path, update_golden: bool) -> None:
    golden = path.with_suffix(".zh.txt")
    output = checker_output(path)
    if update_golden:
        golden.write_text(output, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run pytest --update-golden and read it"
    assert output == golden.read_text(encoding="utf-8")


# Cases whose English is pinned too (`<name>.en.txt`): the documents' words of issue 13 item 3.
ENGLISH_CASES = ("alias_names_two_categories", "claim_rank_out_of_context", "per_claim_misplaced", "header_field_twice",
                 "in_force_before_published", "none_word_misplaced", "pool_is_visit_type", "split_by_not_level")


@pytest.mark.parametrize("name", ENGLISH_CASES)
def test_error_case_in_english(name: str, update_golden: bool) -> None:
    path = CASES / f"{name}.aid"
    policy = parse(Source(path.name, path.read_text(encoding="utf-8-sig")))
    with pytest.raises(AidError) as raised:
        check(policy)
    output = render_all(raised.value.diagnostics, "en") + "\n"
    golden = path.with_suffix(".en.txt")
    if update_golden:
        golden.write_text(output, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run pytest --update-golden and read it"
    assert output == golden.read_text(encoding="utf-8")


def test_every_checker_message_has_a_case() -> None:
    shown = set()
    for golden in CASES.glob("*.zh.txt"):
        shown |= set(re.findall(r": 错误 (E\d{3}):", golden.read_text(encoding="utf-8")))
    assert [code for code in CHECKER_CODES if code not in shown] == []


def test_all_problems_in_a_file_are_reported() -> None:
    output = checker_output(CASES / "several_errors.aid")
    codes = re.findall(r": 错误 (E\d{3}):", output)
    assert len(codes) >= 6 and len({c[1] for c in codes}) == 4  # names, types, clauses/dates, structure/tests


def test_wuxi_checks_clean() -> None:
    checked = check(parse_file(POLICIES / "wuxi.aid"))
    assert checked.name == "wuxi"
