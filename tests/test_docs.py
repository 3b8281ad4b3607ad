"""The language reference (`docs/language.md`) cannot fall behind the language.

- every keyword spelling in the grammar's keyword rules appears in the reference's keyword table;
- every ```aid block in the reference parses (fragments inside a minimal policy header);
- the diagnostic shown in "读懂诊断信息" is what the parser prints today.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aidlang.frontend.diagnostics import AidError, render_all
from aidlang.frontend.parser import parse
from aidlang.frontend.source import Source

ROOT = Path(__file__).resolve().parent.parent
GRAMMAR = ROOT / "grammar" / "aid.lark"
DOC = ROOT / "docs" / "language.md"

FRAGMENT_HEADER = '政策 示例 { 标题 "示例" 文号 "示例〔2023〕1号" 发布机关 "示例" 施行日期 2023-01-01 }\n'


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


# ---------------------------------------------------------------- keywords

def grammar_rules(text: str) -> dict[str, str]:
    """Each rule of the grammar (lower-case name, optional `!`/`?`/`_` prefix) to its body, continuation lines
    included. Terminals (upper-case names) are not rules: `"+"`, `".."` are punctuation, not keywords."""
    rules: dict[str, str] = {}
    current = None
    for raw in text.splitlines():
        line = re.sub(r"//.*$", "", raw).rstrip()
        if not line.strip():
            current = None
            continue
        m = re.match(r"^[!?]?(_?[a-z][a-z0-9_]*)\s*:(.*)$", line)
        if m:
            current = m.group(1)
            rules[current] = m.group(2)
        elif re.match(r"^[!?]?_?[A-Z][A-Z0-9_]*(\.\d+)?\s*:", line):
            current = None  # a terminal definition
        elif current is not None and line.startswith((" ", "\t")):
            rules[current] += " " + line.strip()
    return rules


def keyword_spellings() -> dict[str, set[str]]:
    """Every quoted spelling in a rule of the grammar, and the rules it appears in."""
    found: dict[str, set[str]] = {}
    for rule, body in grammar_rules(GRAMMAR.read_text(encoding="utf-8")).items():
        for spelling in re.findall(r'"((?:[^"\\]|\\.)*)"', body):
            found.setdefault(spelling, set()).add(rule)
    return found


def keyword_table_section(text: str) -> str:
    start = text.index("## 关键字表")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def code_spans(text: str) -> set[str]:
    return set(re.findall(r"`([^`\n]+)`", text))


def test_grammar_has_keywords():
    spellings = keyword_spellings()
    # a sanity check of the extraction itself: both spellings of a few keywords, and the units
    for word in ("政策", "policy", "对", "for", "起付标准", "deductible", "次月起不再享受", "万元", "个百分点", "岁"):
        assert word in spellings, word
    assert "+" not in spellings and ".." not in spellings  # terminals are punctuation, not keywords
    assert len(spellings) > 200


def test_every_keyword_is_in_the_keyword_table():
    table = code_spans(keyword_table_section(doc_text()))
    missing = {word: sorted(rules) for word, rules in keyword_spellings().items() if word not in table}
    assert not missing, f"keywords missing from docs/language.md's keyword table (add them as `code`): {missing}"


# ---------------------------------------------------------------- examples

def aid_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, body) of every ```aid fenced block."""
    blocks = []
    for m in re.finditer(r"^```aid[ \t]*\n(.*?)^```[ \t]*$", text, flags=re.S | re.M):
        blocks.append((text.count("\n", 0, m.start()) + 1, m.group(1)))
    return blocks


def is_whole_file(body: str) -> bool:
    for line in body.splitlines():
        stripped = line.strip().lstrip("\ufeff")
        if not stripped or stripped.startswith("#"):
            continue
        return stripped.startswith(("政策", "policy"))
    return False


def test_doc_has_examples():
    blocks = aid_blocks(doc_text())
    assert len(blocks) >= 40
    assert any(is_whole_file(body) for _, body in blocks)


@pytest.mark.parametrize("line, body", aid_blocks(doc_text()), ids=lambda v: f"line{v}" if isinstance(v, int) else "")
def test_example_parses(line, body):
    text = body if is_whole_file(body) else FRAGMENT_HEADER + body
    try:
        parse(Source(f"docs/language.md:{line}", text))
    except AidError as error:
        pytest.fail(f"the ```aid block at docs/language.md line {line} does not parse:\n"
                    + render_all(error.diagnostics, "en"))


# ---------------------------------------------------------------- the diagnostic example

def test_diagnostic_example():
    text = doc_text()
    section = text[text.index("### 一个真实的例子"):]
    blocks = re.findall(r"^```text[ \t]*\n(.*?)^```[ \t]*$", section, flags=re.S | re.M)
    source_text, _command, shown = blocks[0], blocks[1], blocks[2]
    try:
        parse(Source("bad.aid", source_text))
    except AidError as error:
        produced = render_all(error.diagnostics, "zh") + "\n" + render_all(error.diagnostics, "en") + "\n"
    else:
        pytest.fail("the broken example in 读懂诊断信息 parses")
    assert shown == produced, "update the diagnostic output shown in docs/language.md (读懂诊断信息)"


# ---------------------------------------------------------------- README: a compiled policy used on its own

def test_readme_compiled_policy_example_prints_what_it_says_without_the_compiler():
    """The README's example of importing `generated/wuxi.py` runs as written, prints the results the README
    shows (computed by hand there: 低保 85%, the 1万元 outpatient cap), and loads nothing of the compiler."""
    import subprocess
    import sys

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Using a compiled policy without the compiler", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    probe = ("\nimport sys\nloaded = [m for m in sys.modules if m.split('.')[0] in ('lark', 'jinja2', 'rich') or "
             "m.startswith(('aidlang.frontend', 'aidlang.check', 'aidlang.engines', 'aidlang.documents'))]\n"
             "assert not loaded, loaded\n")
    out = subprocess.run([sys.executable, "-c", code + probe], cwd=ROOT, capture_output=True, text=True,
                         encoding="utf-8", timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == shown
    # C1: (10000 − 2000) × 85% = 6800元 aid, 1200元 self-pay; C2: 5100元 capped at 10000 − 6800 = 3200元
    assert shown.split("\n")[:2] == ["C1 最低生活保障对象 680000 120000 四(六)",
                                     "C2 最低生活保障对象 320000 280000 四(六)"]
