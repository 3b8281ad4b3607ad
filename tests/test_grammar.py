"""The grammar builds with Lark's strict mode: no shift/reduce or reduce/reduce conflicts, no colliding
terminals. This is the slow proof (about half a minute of Lark's collision scan) that lets every other parser
in the process skip it."""

import pytest

from aidlang.frontend.parser import build_lark


@pytest.mark.slow
def test_grammar_builds_strict():
    parser = build_lark(strict=True)
    assert parser.options.strict
