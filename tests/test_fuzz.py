"""Fuzzing the front end: whatever text an author (or a cat on the keyboard) writes, parsing, checking and
formatting either succeed or raise AidError with diagnostics that render — never another exception.
Inputs that parse also check that `fmt` keeps their meaning and is idempotent.

Four sources of inputs: random text, soups of the grammar's own tokens, mutations of the real policies,
and random bytes read from disk (the not-UTF-8 path). About 4,000 examples in all, near 20 s on an idle
machine; `AIDLANG_FUZZ_SCALE=20 pytest tests/test_fuzz.py` fuzzes 20 times deeper.
"""

import contextlib
import io
import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aidlang.cli import main
from aidlang.frontend.diagnostics import AidError, render_all
from aidlang.frontend.formatter import _tokens_and_tree, format_source
from aidlang.frontend.parser import keyword_spellings, parse, read_source
from aidlang.frontend.source import Source

try:
    from aidlang.check.checker import check
except ImportError:  # the checker is optional here: the parser and formatter are fuzzed without it
    check = None

ROOT = Path(__file__).resolve().parent.parent
POLICY_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "policies").glob("*.aid"))]


SCALE = float(os.environ.get("AIDLANG_FUZZ_SCALE", "1"))  # e.g. 20 for a deeper run by hand


def fuzz_settings(examples: int):
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def rendered(error: AidError) -> None:
    """Diagnostics must print in both languages (source line and caret included) without failing."""
    assert error.diagnostics
    for lang in ("zh", "en"):
        assert render_all(error.diagnostics, lang)


def front_end(text: str) -> None:
    """Parse, check and format `text`; any exception but AidError fails the test."""
    source = Source("fuzz.aid", text)
    try:
        policy = parse(source)
    except AidError as error:
        rendered(error)
        policy, parse_errors = None, error.diagnostics
    if policy is not None and check is not None:
        try:
            check(policy)
        except AidError as error:
            rendered(error)
    try:
        formatted = format_source(source)
    except AidError as error:
        assert policy is None, "fmt refused a file that parses"
        assert error.diagnostics == parse_errors, "fmt and check disagree about a syntax error"
        return
    assert format_source(Source("fuzz.aid", formatted)) == formatted, "fmt is not idempotent"
    if policy is not None:
        assert parse(Source("fuzz.aid", formatted)) == policy, "fmt changed the meaning"


# ---------------------------------------------------------------- random text

INTERESTING_CHARS = (list('政策类别对在依据比例限额元万%％{}｛｝()（）[]［］:：,，、=＝<>≤+-×/."“”「」#\n \t\u3000')
                     + list("0123456789ab_"))


@pytest.mark.slow
@fuzz_settings(1500)
@given(st.text(max_size=80) | st.text(alphabet=st.sampled_from(INTERESTING_CHARS), max_size=120))
def test_random_text(text):
    front_end(text)


# ---------------------------------------------------------------- token soup

KEYWORDS = sorted(keyword_spellings())
NAMES = ["a", "x_1", "p1", "c1", "特困人员", "全体救助对象", "转诊", "当年", "较小值", "inpatient", "住院"]
NUMBERS = ["0", "1", "85", "2023", "1.5", "６", "00"]
LITERALS = ['"四(六)"', "“一”", "「a」", '"a\\"b"', '"', "2023-01-01", "2023年1月1日", "2023-02-30", "2023-13-01",
            "2023-05", "--09-30", "9月30日", "2月30日", "..", "# 说明"]
PUNCTUATION = list("{}()[]:,、=%+-*/×÷<>") + ["<=", ">=", "≤", "≥", "≠", "!=", "==", "（", "）", "：", "，", "｛", "｝",
                                                 "［", "］", "＝", "％"]
TOKEN = st.sampled_from(KEYWORDS + NAMES + NUMBERS + LITERALS + PUNCTUATION)
SEPARATOR = st.sampled_from([" ", " ", " ", "", "\n", "\u3000"])
HEADER = '政策 p "示例" {\n  施行日期 2023-01-01\n}\n'


@st.composite
def token_soup(draw) -> str:
    tokens = draw(st.lists(st.tuples(TOKEN, SEPARATOR), max_size=40))
    body = "".join(token + sep for token, sep in tokens)
    return (HEADER if draw(st.booleans()) else "") + body


@pytest.mark.slow
@fuzz_settings(1500)
@given(token_soup())
def test_token_soup(text):
    front_end(text)


# ---------------------------------------------------------------- mutations of the real policies

def declarations(text: str) -> list[str]:
    """A policy cut before each line that starts a top-level declaration (the first piece is the header)."""
    starts = [m.start() for m in re.finditer(r"^[^\s#}]", text, re.M)]
    return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)], strict=True)]


POLICY_PIECES = [declarations(text) for text in POLICY_TEXTS]


@st.composite
def policy_excerpt(draw) -> str:
    """The header and a few consecutive declarations of a real policy: realistic, and small enough to be fast."""
    pieces = draw(st.sampled_from(POLICY_PIECES))
    first = draw(st.integers(1, max(1, len(pieces) - 1)))
    return pieces[0] + "".join(pieces[first : first + draw(st.integers(1, 4))])


@st.composite
def mutated(draw, texts) -> str:
    text = draw(texts)
    i = draw(st.integers(0, len(text)))
    j = min(len(text), i + draw(st.integers(0, 40)))
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "keyword", "digit", "brace"]))
    if kind == "delete":
        return text[:i] + text[j:]
    if kind == "duplicate":
        return text[:j] + text[i:j] + text[j:]
    if kind == "swap":
        k = min(len(text), j + draw(st.integers(0, 40)))
        return text[:i] + text[j:k] + text[i:j] + text[k:]
    if kind == "keyword":
        return text[:i] + draw(st.sampled_from(["", " "])) + draw(st.sampled_from(KEYWORDS)) + " " + text[i:]
    if kind == "digit":
        digits = [n for n, ch in enumerate(text) if ch.isdigit()] or [0]
        n = draw(st.sampled_from(digits))
        return text[:n] + draw(st.sampled_from("0123456789")) + text[n + 1 :]
    braces = [n for n, ch in enumerate(text) if ch in "{}"] or [0]
    n = draw(st.sampled_from(braces))
    return text[:n] + text[n + 1 :]


@pytest.mark.skipif(not POLICY_TEXTS, reason="no policies to mutate")
@fuzz_settings(400)
@given(mutated(policy_excerpt()))
def test_mutated_policy_excerpts(text):
    front_end(text)


@pytest.mark.skipif(not POLICY_TEXTS, reason="no policies to mutate")
@fuzz_settings(12)
@given(mutated(st.sampled_from(POLICY_TEXTS)))
def test_mutated_whole_policies(text):
    front_end(text)


@pytest.mark.skipif(not POLICY_TEXTS, reason="no policies to mutate")
@fuzz_settings(40)
@given(mutated(policy_excerpt()))
def test_check_command_on_mutated_policies(text):
    """The command exits 0 or 1 and prints; nothing escapes from main()."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutated.aid"
        path.write_text(text, encoding="utf-8")
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
            code = main(["check", str(path)])
    assert code in (0, 1)
    assert "Traceback" not in err.getvalue()


# ---------------------------------------------------------------- layout noise on valid policies

GAP_NOISE = ["\n", "\n\n\n", "  ", "\t", "\u3000", "  # 注释\n", "\n# 独占一行的注释\n\n", "\r\n"]
FULL_WIDTH = {",": ["，", "、"], ":": ["："], "(": ["（"], ")": ["）"], "{": ["｛"], "}": ["｝"], "[": ["［"],
              "]": ["］"], "=": ["＝"], "%": ["％"]}


@st.composite
def noisy_layout(draw) -> tuple[str, str]:
    """A valid excerpt and the same text with whitespace and comments added between tokens and ASCII
    punctuation swapped for the full-width forms an input method types: the meaning must not change."""
    text = draw(policy_excerpt())
    try:
        tokens, _ = _tokens_and_tree(Source("excerpt.aid", text))
    except AidError:
        return text, text
    out, at = [], 0
    for token in tokens:
        out.append(text[at : token.start_pos])
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(st.sampled_from(GAP_NOISE)))
        word = str(token)
        if word in FULL_WIDTH and token.type != "STRING" and draw(st.booleans()):
            word = draw(st.sampled_from(FULL_WIDTH[word]))
        out.append(word)
        at = token.end_pos
    out.append(text[at:])
    return text, "".join(out)


@pytest.mark.slow
@pytest.mark.skipif(not POLICY_TEXTS, reason="no policies to take excerpts from")
@fuzz_settings(150)
@given(noisy_layout())
def test_layout_noise_never_changes_the_formatted_meaning(pair):
    original, noisy = pair
    try:
        expected = parse(Source("x.aid", original))
    except AidError:
        return
    assert parse(Source("x.aid", noisy)) == expected
    formatted = format_source(Source("x.aid", noisy))
    assert format_source(Source("x.aid", formatted)) == formatted
    assert parse(Source("x.aid", formatted)) == expected
    for comment in ("# 注释", "# 独占一行的注释"):
        assert formatted.count(comment) == noisy.count(comment)


# ---------------------------------------------------------------- bytes from disk

@fuzz_settings(400)
@given(st.binary(max_size=60) | st.builds(lambda a, b: a.encode() + b, st.sampled_from([HEADER, ""]),
                                          st.binary(max_size=20)))
def test_random_bytes_from_a_file(raw):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bytes.aid"
        path.write_bytes(raw)
        try:
            source = read_source(path)
        except AidError as error:
            rendered(error)
            return
    front_end(source.text)


# ---------------------------------------------------------------- crashes found by fuzzing, kept as examples

@pytest.mark.parametrize("text", [
    # a keyword glued to a name where a name may follow (lexes as a keyword, then the name)
    HEADER + "类别 孤儿 属于困境儿童\n类别 困境儿童\n",
    # form feeds and ideographic spaces are whitespace
    HEADER + "\f类别\u3000a\f\n",
    # an amount of more than 28 digits once crashed Decimal's quantize(); literals are now limited (E007)
    HEADER + '参数 x: 金额 = ' + "9" * 40 + '万元 依据 "一"\n',
])
def test_found_by_fuzzing(text):
    front_end(text)
