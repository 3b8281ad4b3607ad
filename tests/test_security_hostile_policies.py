"""Hostile `.aid` files that pass `aidlang check`: they must never run code (compile, import from disk, run,
test, explain), never put markup into the HTML or Markdown tables, never write outside `--out`; and a hostile
file the checker refuses gets a diagnostic (exit 1), not a traceback or an internal error.

What tests/test_compiled.py (injection.aid: quotes, backslashes, `\\n`, `__import__` in strings; Names under NFKC)
and tests/test_tables.py (escape.aid: `<script>`, `&`, `|` in the tables) cover is not repeated: here the
strings also hold raw control characters, CR / NEL / U+2028 line separators, Jinja and Markdown syntax, bidi
controls and 5,000-character values in every string position, the generated module is imported from its file
(CPython's own tokenizer, where a PEP 263 cookie would count), identifiers are Python keywords, builtins and the
module's own names, and the Markdown is rendered by a real CommonMark parser.

Tests named `test_hole_*` document holes found while writing this file; they fail until the hole is fixed.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import io
import re
import tokenize
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from aidlang.cli import main

CLAIMS = ("claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid,"
          "disease\n"
          "c1,p1,inpatient,2023-03-01,2023-03-10,2000,1000,0,X1\n"
          "c2,p1,inpatient,2023-05-01,2023-05-10,3000,1000,0,\n")

# A small policy whose every string is a slot: header (title, doc number, issuer, supersedes, clause), a
# category (label, note, clause, alias), a pool, a list (label, items), a tier (label, clause), two rules (one
# on a list condition), a test (name, label).
TEMPLATE = """\
政策 {stem} {title} {{
  文号 {doc}
  发布机关 {issuer}
  施行日期 2023-01-01
  替代 {supersedes}
  依据 {hclause}
}}
类别 甲 {label} 别名 {alias} 说明 {note} 依据 {cclause}
就诊类型 inpatient "住院" 依据 {vclause}
费用池 住院池 {plabel} = inpatient 共用 限额 依据 {pclause}
目录 重病 {llabel} = "X1", {item} 依据 {lclause}
待遇 医疗救助 救助 {tlabel} 依据 {tclause} {{
  适用 住院池
  对 甲: 起付标准 100元 比例 80% 限额 5000元 依据 {rclause}
  对 甲 条件 病种 在 重病: 比例 90% 依据 {r2clause}
}}
测试 测一 {testlabel} {{
  身份 p1 甲 2023-01-01 ..
  就诊 c1 p1 inpatient 2023-03-01 .. 2023-03-10 费用 2000元 基本医保支付 1000元 大病保险支付 0元
  预期 c1 医疗救助支付 {expected} 状态 ok 类别 甲
}}
"""
SLOTS = ("title", "doc", "issuer", "supersedes", "hclause", "label", "note", "alias", "cclause", "vclause",
         "plabel", "pclause", "llabel", "item", "lclause", "tlabel", "tclause", "rclause", "r2clause", "testlabel")


def lit(text: str) -> str:
    """A `"…"` literal holding `text` exactly (the lexer's escapes: `\\"`, `\\\\`, `\\n`)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def policy_text(strings, stem: str = "hostile", expected: str = "720元") -> str:
    """The template with the strings dealt round-robin into the slots; each slot also gets its own tag so that
    clauses and labels stay distinct (the checker wants distinct aliases, for one)."""
    values = {slot: lit(f"{strings[i % len(strings)]}{i}") for i, slot in enumerate(SLOTS)}
    return TEMPLATE.format(stem=stem, expected=expected, **values)


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))  # bytes: a lone CR must reach the lexer as written
    return path


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def setup(tmp_path: Path, text: str, stem: str = "hostile") -> Path:
    (tmp_path / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    (tmp_path / "ids.csv").write_text("person_id,category,start,end\np1,甲,2023-01-01,\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    return write(tmp_path / f"{stem}.aid", text)


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def import_from_file(path: Path, name: str):
    """The module as `import` would run it: bytes through CPython's tokenizer (PEP 263 cookies count)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- what the pages may contain

TEMPLATE_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "dl", "div",
                 "dt", "dd", "span", "section", "table", "thead", "tbody", "tr", "th", "td", "sup", "p", "ol", "ul",
                 "li", "strong"}
TEMPLATE_ATTRS = {"lang", "charset", "name", "content", "http-equiv", "class", "scope", "colspan", "rowspan", "value"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.comments: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_decl(self, decl):
        if decl != "DOCTYPE html" or self.tags:
            self.comments.append(decl)

    def unknown_decl(self, data):
        self.comments.append(data)

    def handle_data(self, data):
        self.text.append(data)


def assert_inert_html(page: str) -> Page:
    parsed = Page()
    parsed.feed(page)
    parsed.close()
    assert set(parsed.tags) <= TEMPLATE_TAGS, set(parsed.tags) - TEMPLATE_TAGS
    assert {name for name, _ in parsed.attrs} <= TEMPLATE_ATTRS
    assert not any(name.startswith("on") for name, _ in parsed.attrs)
    assert parsed.comments == []  # `<!--`, `<![CDATA[` from the policy stayed text
    assert parsed.tags.count("script") == 0 and parsed.tags.count("title") == 1 and parsed.tags.count("style") == 1
    head = page.split("<style>")[1].split("</style>")[0]
    assert "X1" not in head and "alert" not in head  # nothing of the policy inside the stylesheet
    return parsed


def assert_inert_markdown(text: str) -> None:
    """Rendered as CommonMark with GFM tables: no raw HTML, link, image or code span comes from the policy, and
    every table row has as many cells as its header."""
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    kinds = set()

    def walk(items):
        for token in items:
            kinds.add(token.type)
            walk(token.children or ())

    walk(tokens)
    for forbidden in ("html_block", "html_inline", "link_open", "image", "code_inline", "code_block", "fence",
                      "blockquote_open", "hr", "em_open", "s_open"):
        assert forbidden not in kinds, forbidden
    # markdown-it drops a row's extra cells, so count the cell separators in the text: a `|` after an even number
    # of backslashes; every row of a table as many as the header row above it
    width = None
    for line in text.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        pipes = len(re.findall(r"(?<!\\)(?:\\\\)*\|", line))
        if width is None:
            width = pipes
        assert pipes == width, f"a `|` from the policy split a table cell: {line[:120]}"
    page = md.render(text)
    parsed = Page()
    parsed.feed(page)
    assert "a" not in parsed.tags and "img" not in parsed.tags and "script" not in parsed.tags


# ---------------------------------------------------------------- hostile strings in every position

def hostile_sets(canary: Path) -> dict[str, list[str]]:
    touch = f"__import__('pathlib').Path({str(canary)!r}).touch()"
    return {
        "quotes": ["'''", '"""', "\\", "\\'\\\"", f"'''{touch}'''", f'"""{touch}"""', f"\\{touch}#",
                   "“中文引号”「直角」‘单’", "\\N{BULLET}\\x41\\u0041", "end\\"],
        # characters that act on nothing (the front end refuses those that do: UNSHOWABLE, E009)
        "invisible_but_inert": ["\ufeffbom", "\ufffe\uffff", "\U0010ffff", "\u200b\u200d", "\ud7ff"],
        "markup": ["</script><script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                   "</title><svg onload=alert(1)>", "</style><style>*{display:none}</style>",
                   "<!-- x --><![CDATA[ y ]]>", "&lt;b&gt;&#60;&#x3c;&amp;",
                   "\"><a href=javascript:alert(1)>x</a>", "' onmouseover='alert(1)"],
        "template_and_markdown": ["{{ 7*7 }}", "{% raw %}{% endraw %}{# c #}", "${x}%(y)s{0}", "a|b||c",
                                  "`code` ```fence```", "[x](javascript:alert(1))", "![i](http://e/x.png)",
                                  "<http://e> <a@b.c>", "*em* _em_ ~~s~~", "# h", "> q", "- li", "1. li", "---",
                                  "    indented", "[r]: http://e", "\\|", "&#x7c;"],
        "long": ["长" * 5000, "x" * 20000],
    }


@pytest.mark.parametrize("kind", ["quotes", "invisible_but_inert", "markup", "template_and_markdown", "long"])
def test_hostile_strings_everywhere_stay_text(kind, tmp_path, capsys):
    canary = tmp_path / "CANARY"
    strings = hostile_sets(canary)[kind]
    policy = setup(tmp_path, policy_text(strings))
    before = files_under(tmp_path)
    rc, out, err = cli(capsys, "check", str(policy))
    assert rc == 0, err

    # compile: exactly the three files, inside --out
    rc, out, err = cli(capsys, "compile", str(policy), "--out", str(tmp_path / "out"))
    assert rc == 0, err
    assert files_under(tmp_path) == before | {"out/hostile.py", "out/hostile.md", "out/hostile.html"}

    # the module: every piece of policy text is inside one string literal or one comment on one line
    source = (tmp_path / "out" / "hostile.py").read_text(encoding="utf-8")
    assert tokenize.detect_encoding(io.BytesIO(source.encode("utf-8")).readline)[0] == "utf-8"
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.STRING, tokenize.COMMENT):
            assert token.start[0] == token.end[0], token
        elif token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                                tokenize.ENDMARKER):
            assert "pathlib" not in token.string and "alert" not in token.string, token
    assert all(line.isprintable() for line in source.split("\n")), "a raw control character in the module"
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id != "__import__"
        if isinstance(node, ast.Attribute):
            assert node.attr not in ("touch", "system", "Path")

    # imported from its file, settled, tested and explained on every engine: nothing runs
    module = import_from_file(tmp_path / "out" / "hostile.py", f"hostile_{kind}")
    assert module.Policy.NAME == "hostile"
    results = {}
    for engine in ("interp", "compiled", "batch"):
        rc, out, err = cli(capsys, "run", str(policy), "--claims", str(tmp_path / "claims.csv"), "--identities",
                           str(tmp_path / "ids.csv"), "--engine", engine, "--generated", str(tmp_path / "out"),
                           "--out", str(tmp_path / f"results_{engine}.csv"))
        assert rc == 0, err
        assert "内存" not in err  # the compiled engine imported the file compile wrote
        results[engine] = (tmp_path / f"results_{engine}.csv").read_bytes()
    assert results["compiled"] == results["interp"]
    for engine in ("interp", "compiled"):
        rc, out, err = cli(capsys, "test", "--engine", engine, "--generated", str(tmp_path / "out"), str(policy))
        assert rc == 0 and "1 passed, 0 failed" in out, (out, err)
        rc, out, err = cli(capsys, "explain", str(policy), "--claims", str(tmp_path / "claims.csv"), "--identities",
                           str(tmp_path / "ids.csv"), "--claim", "c1", "--engine", engine)
        assert rc == 0, err
    assert not canary.exists()

    # the public tables
    assert_inert_html((tmp_path / "out" / "hostile.html").read_text(encoding="utf-8"))
    assert_inert_markdown((tmp_path / "out" / "hostile.md").read_text(encoding="utf-8"))
    assert files_under(tmp_path) - before == {"out/hostile.py", "out/hostile.md", "out/hostile.html",
                                              "results_interp.csv", "results_compiled.csv", "results_batch.csv"}


def test_markup_in_the_title_reads_back_literally_in_h1_and_title(tmp_path, capsys):
    title = "</title><script>alert(1)</script>\"'&amp;{{7*7}}"
    policy = setup(tmp_path, policy_text(["x"]).replace(lit("x0"), lit(title), 1))
    assert cli(capsys, "compile", str(policy), "--out", str(tmp_path / "out"))[0] == 0
    page = (tmp_path / "out" / "hostile.html").read_text(encoding="utf-8")
    parsed = assert_inert_html(page)
    assert parsed.text.count(title) >= 2  # in <title> and in <h1>, as written
    assert "49" not in page.split("<h1>")[1].split("</h1>")[0]  # no template evaluated the title


def test_diff_of_two_hostile_versions_is_inert(tmp_path, capsys):
    canary = tmp_path / "CANARY"
    sets = hostile_sets(canary)
    old = setup(tmp_path, policy_text(sets["markup"]))
    new = write(tmp_path / "new.aid", policy_text(sets["template_and_markdown"] + sets["invisible_but_inert"])
                .replace("比例 80%", "比例 70%").replace("限额 5000元", "限额 6000元"))
    rc, out, err = cli(capsys, "diff", str(old), str(new), "--html", str(tmp_path / "out" / "diff.html"))
    assert rc == 0, err
    assert_inert_markdown(out)
    assert_inert_html((tmp_path / "out" / "diff.html").read_text(encoding="utf-8"))
    assert "70%" in out and not canary.exists()


# ---------------------------------------------------------------- the module imported from disk

def test_a_coding_cookie_in_the_title_is_inert_when_python_imports_the_file(tmp_path, capsys):
    """Line 2 of the module is a comment holding the title. CPython's tokenizer honours a PEP 263 cookie on line 2
    only after a comment line 1; the module's line 1 is its docstring. Imported for real, not `exec`ed from str."""
    canary = tmp_path / "CANARY"
    for n, cookie in enumerate(("# -*- coding: utf-7 -*-", "vim: set fileencoding=utf-7 :", "coding=latin-1")):
        title = f"{cookie} +AAo-__import__('pathlib').Path({str(canary)!r}).touch() +AAo-"
        directory = tmp_path / f"p{n}"
        directory.mkdir()
        policy = setup(directory, policy_text(["x"]).replace(lit("x0"), lit(title), 1))
        assert cli(capsys, "compile", str(policy), "--out", str(directory / "out"))[0] == 0
        source = (directory / "out" / "hostile.py").read_text(encoding="utf-8")
        assert "coding" in source.splitlines()[1]  # the title is there …
        import_from_file(directory / "out" / "hostile.py", f"cookie_{n}")
        rc, out, err = cli(capsys, "run", str(policy), "--claims", str(directory / "claims.csv"), "--identities",
                           str(directory / "ids.csv"), "--engine", "compiled", "--generated",
                           str(directory / "out"), "--out", str(directory / "r.csv"))
        assert rc == 0 and "内存" not in err, err
        assert not canary.exists()  # … and inert


IDENTIFIERS = """\
政策 os "T" {
  发布机关 "I"
  施行日期 2023-01-01
  依据 "h"
}
身份规则 { 多重身份 就高 依据 "h" }
类别 import "L" 依据 "c"
类别 __class__ 依据 "c"
类别 Policy 依据 "c"
类别 PLAN 依据 "c"
类别 env 依据 "c"
类别 True 依据 "c"
群组 exec = import, __class__ 依据 "g"
参数 print "p": 金额 = 100元 依据 "p"
参数 self: 比率 = 80% 依据 "p"
参数 __builtins__: 金额 = 5000元 依据 "p"
参数 money_value: 金额 = print + 1元 依据 "p"
参数 LINE_AT: 日期 = 2023-01-01 依据 "p"
参数 Fraction: 数值 = 2 依据 "p"
参数 __name__: 金额 = 1元 依据 "p"
参数 globals: 金额 = __name__ × 2 依据 "p"
就诊类型 inpatient "住院" 依据 "v"
费用池 operator = inpatient 共用 限额 依据 "p"
目录 date "LL" = "X1", "'''" 依据 "l"
待遇 医疗救助 PlanSettler "TL" 依据 "t" {
  基数 政策范围内费用 - 基本医保支付 - money_value + globals - 2元
  适用 operator
  对 exec: 起付标准 print 比例 self 限额 __builtins__ 依据 "r"
  对 exec 条件 病种 在 date 且 Fraction >= 1: 比例 90% 依据 "r2"
  对 Policy, PLAN, env, True 条件 病种 在 ["'''", "\\"\\"\\""]: 比例 50% 依据 "r3"
}
测试 __init__ "TN" {
  身份 p1 import 2023-01-01 ..
  就诊 c1 p1 inpatient 2023-03-01 .. 2023-03-10 费用 2000元 基本医保支付 1000元 大病保险支付 0元
  预期 c1 医疗救助支付 639.20元 状态 ok 类别 import
}
"""


def test_names_that_are_keywords_builtins_and_the_modules_own_names(tmp_path, capsys):
    (tmp_path / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    (tmp_path / "ids.csv").write_text("person_id,category,start,end\np1,import,2023-01-01,\n", encoding="utf-8")
    policy = write(tmp_path / "os.aid", IDENTIFIERS)
    assert cli(capsys, "check", str(policy))[0] == 0
    assert cli(capsys, "compile", str(policy), "--out", str(tmp_path / "out"))[0] == 0
    module = import_from_file(tmp_path / "out" / "os.py", "aidlang_hostile_os")
    from aidlang.runtime import PlanSettler, PolicyPlan
    assert isinstance(module.Policy, type) and issubclass(module.Policy, PlanSettler)
    assert isinstance(module.PLAN, PolicyPlan) and module.Policy.NAME == "os"
    defined = {name for name in vars(module) if not name.startswith("__")}
    assert not defined & set(dir(builtins)), "a module global shadows a builtin"
    import keyword
    assert not any(keyword.iskeyword(name) or keyword.issoftkeyword(name) for name in defined)
    assert len({unicodedata.normalize("NFKC", name) for name in defined}) == len(defined)
    for engine in ("interp", "compiled"):
        rc, out, err = cli(capsys, "test", "--engine", engine, "--generated", str(tmp_path / "out"), str(policy))
        assert rc == 0 and "1 passed" in out, (out, err)
    runs = []
    for engine in ("interp", "compiled", "batch"):
        rc, out, err = cli(capsys, "run", str(policy), "--claims", str(tmp_path / "claims.csv"), "--identities",
                           str(tmp_path / "ids.csv"), "--engine", engine, "--generated", str(tmp_path / "out"),
                           "--out", str(tmp_path / f"r_{engine}.csv"))
        assert rc == 0, err
        runs.append((tmp_path / f"r_{engine}.csv").read_bytes())
    assert runs[0] == runs[1] == runs[2]
    assert b"719.10" in runs[0]  # c1: 病种 X1 在 date, Fraction >= 1 → 90% of (2000 − 1000 − 101 + 2 − 2 − 100)


# ---------------------------------------------------------------- output paths

def test_output_files_are_named_for_the_file_and_stay_in_out(tmp_path, capsys):
    """The header's name never names a file: `compile` writes `<file stem>.*` in --out, `check --counterexamples`
    writes under DIR/<header name> (a name the grammar keeps to letters, digits and `_`)."""
    text = policy_text(["../../x/", "/etc/passwd", "..\\..\\y"], stem="__init__")
    policy = setup(tmp_path, text, stem="plain")
    assert cli(capsys, "compile", str(policy), "--out", str(tmp_path / "out"))[0] == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["plain.html", "plain.md", "plain.py"]
    for name in ("../escape", "a/b", "..", "x.y", "C:\\z"):
        hostile = write(tmp_path / "bad.aid", policy_text(["x"], stem=name))
        rc, out, err = cli(capsys, "compile", str(hostile), "--out", str(tmp_path / "out2"))
        assert rc == 1 and re.search(r"E0\d\d", err) and "Traceback" not in err, err
    assert not (tmp_path / "out2").exists() and not (tmp_path.parent / "escape.py").exists()


# ---------------------------------------------------------------- refused files: a diagnostic, never a crash

BASE = policy_text(["x"])
REFUSED = {
    "nul_outside_a_string": BASE.replace("类别 甲", "类别\x00甲"),
    "escape_sequence_outside": BASE.replace("类别 甲", "类别 \x1b[2J甲"),
    "line_separator_outside": BASE.replace("类别 甲", "类别\u2028甲"),
    "nel_outside": BASE.replace("类别 甲", "类别\x85甲"),
    "bidi_override_outside": BASE.replace("类别 甲", "类别 \u202e甲"),
    "unclosed_string_with_escapes": BASE.replace('"x5"', '"x\x1b]0;pwn\x07'),
    "python_call_as_a_name": BASE.replace("类别 甲", "类别 __import__('os')"),
    "dotted_name": BASE.replace("类别 甲", "类别 os.system"),
    "full_width_latin_name": BASE.replace("类别 甲 ", "类别 ｐｒｉｎｔ "),
    "policy_name_a_path": BASE.replace("政策 hostile", "政策 ../../etc"),
    "policy_name_a_template": BASE.replace("政策 hostile", "政策 {{7*7}}"),
    "name_with_digits": BASE.replace("类别 甲", "类别 甲1"),
    "huge_integer": BASE.replace("限额 5000元", "限额 " + "9" * 5000 + "元"),
    "deep_negation": BASE.replace("比例 80%", "比例 " + "-" * 5000 + "80%"),
    "long_sum": BASE.replace("适用 住院池", "适用 住院池\n  基数 政策范围内费用" + " + 0元" * 300),
    "last_date": BASE.replace("施行日期 2023-01-01", "施行日期 9999-12-31"),
    "year_zero": BASE.replace("施行日期 2023-01-01", "施行日期 0000-01-01"),
    "thousandth_of_a_fen": BASE.replace("限额 5000元", "限额 5000.001元"),
    "unknown_escape_name": BASE.replace("类别 甲", "类别 甲 \\x41"),
    "two_hundred_thousand_character_name": BASE.replace("类别 甲", "类别 " + "甲" * 200_000),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_refused_hostile_file_gets_a_diagnostic(case, tmp_path, capsys):
    policy = write(tmp_path / "bad.aid", REFUSED[case])
    for command in (["check"], ["compile", "--out", str(tmp_path / "out")], ["test", "--engine", "compiled"]):
        rc, out, err = cli(capsys, *command, str(policy))
        printed = out + err  # `test` reports a policy's errors with its results, on stdout
        assert rc == 1, (command, rc, printed[-300:])
        assert re.search(r"错误 E\d{3}", printed), printed[-300:]
        assert "Traceback" not in printed and "内部错误" not in printed
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00\x00", "政策 x {\n".encode("utf-16"), b"\xed\xa0\x80",  # a surrogate
                                 "政策 x “\ud800”".encode("utf-8", "surrogatepass")])
def test_a_file_that_is_not_utf8_gets_a_diagnostic(raw, tmp_path, capsys):
    policy = tmp_path / "bad.aid"
    policy.write_bytes(raw + BASE.encode("utf-8"))
    rc, out, err = cli(capsys, "compile", str(policy), "--out", str(tmp_path / "out"))
    assert rc == 1 and "E004" in err and "Traceback" not in err, err


# ---------------------------------------------------------------- what this hunt found, now refused or fixed

CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("hostile", [
    "\x1b[2J\x1b]0;pwned\x07",  # clears the screen, sets the window title
    "\x1b]8;;http://e\x07link\x1b]8;;\x07",  # a terminal hyperlink
    "\r2. 身份：特困人员",  # overwrites a line already printed
    "甲\u202e",  # right-to-left override: 90% shows as %09 after it
    "\u2028", "\x85", "\x00", "\x7f",
], ids=["csi", "osc8", "cr", "rlo", "u2028", "nel", "nul", "del"])
def test_a_control_character_anywhere_in_a_policy_is_refused_and_never_printed(hostile, tmp_path, capsys):
    """Policy text reaches terminals (check, test, explain, diff) and public pages: a character that acts on
    them — C0/C1 controls but tab and line end, a lone CR, line separators, bidi formatting — is refused as
    E009 wherever it stands, in a string or a comment too; the diagnostic shows the line with U+FFFD in its
    place, so the refusal itself prints nothing that acts."""
    for text in (policy_text([hostile]), BASE.replace("类别 甲", f"# 注释{hostile}\n类别 甲")):
        policy = write(tmp_path / "bad.aid", text)
        for command in (["check"], ["compile", "--out", str(tmp_path / "out")], ["test"]):
            rc, out, err = cli(capsys, *command, str(policy))
            assert rc == 1 and "E009" in out + err, (command, (out + err)[-300:])
            assert not CONTROLS.search(out + err), CONTROLS.findall(out + err)
    assert not (tmp_path / "out").exists()


def test_a_carriage_return_in_a_comment_cannot_hide_a_rule_that_editors_show(tmp_path, capsys):
    """Comments end at `\\n`, while editors and diff viewers show a lone `\\r` as a line break: the 100% rule
    below would look like a rule and be part of the comment. A lone CR is E009."""
    text = BASE.replace("  对 甲: 起付标准 100元",
                        "  # 旧规则已删除\r  对 甲: 起付标准 0元 比例 100% 限额 无 依据 \"r0\"\n"
                        "  对 甲: 起付标准 100元")
    rc, out, err = cli(capsys, "check", str(setup(tmp_path, text)))
    assert rc == 1 and "错误 E009: 含有不可见的控制字符 U+000D" in err, err


def test_a_line_break_in_a_string_cannot_forge_a_line_of_explain(tmp_path, capsys):
    """A `\\n` escape in a label would print a line of its own (a made-up `10. 结果：…` line in `explain`): a
    string is one line (E010), `\\t` alike; `\\\\n` (a backslash, then n) is text."""
    forged = '"甲\\n10. 结果：状态 ok，医疗救助支付 1,000.00元"'
    for number, (label, refused) in enumerate(((forged, True), ('"甲\\t乙"', True), ('"甲\\\\n"', False))):
        policy = write(tmp_path / f"p{number}.aid", policy_text(["x"]).replace(lit("x5"), label))
        rc, out, err = cli(capsys, "check", str(policy))
        assert (rc == 1 and "E010" in err) if refused else rc == 0, (label, err)


def test_two_categories_alike_under_nfkc_are_one_name(tmp_path, capsys):
    """豈 (U+8C48) and 豈 (U+F900, which NFKC makes U+8C48) look the same in the table and in identities.csv:
    declaring both is E111, as Python itself would take them for one identifier."""
    text = BASE.replace("类别 甲", "类别 \u8c48 依据 \"c2\"\n类别 \uf900", 1)
    rc, out, err = cli(capsys, "check", str(setup(tmp_path, text)))
    assert rc == 1 and "E111" in err, err


def test_a_number_with_thousands_of_decimals_is_refused_not_a_crash(tmp_path, capsys):
    """`0.111…1` with 5,000 decimals made the compiled module's exact rate a fraction too long to print (an
    internal error at compile): a literal has at most 15 decimals (E012)."""
    base = "基数 (政策范围内费用 - 基本医保支付) × 0." + "1" * 5000
    policy = setup(tmp_path, BASE.replace("适用 住院池", "适用 住院池\n  " + base))
    for command in (["check"], ["compile", "--out", str(tmp_path / "out")]):
        rc, out, err = cli(capsys, *command, str(policy))
        assert rc == 1 and "E012" in err and "内部错误" not in err, err


def test_clauses_holding_a_semicolon_give_one_basis_on_every_engine(tmp_path, capsys):
    """The batch engine joined a kind's clauses with `;` and split them again, so a clause written `x;y` beside
    a clause `y` gave `x;y` where the loop gives `x;y;y` (each clause once, as written)."""
    policy = setup(tmp_path, BASE.replace(lit("x17"), lit("x;y")).replace(lit("x18"), lit("y")))
    got = {}
    for engine in ("interp", "compiled", "batch"):
        rc, out, err = cli(capsys, "run", str(policy), "--claims", str(tmp_path / "claims.csv"), "--identities",
                           str(tmp_path / "ids.csv"), "--engine", engine, "--out", str(tmp_path / "r.csv"))
        assert rc == 0, err
        got[engine] = (tmp_path / "r.csv").read_bytes()
    assert got["interp"] == got["compiled"] == got["batch"]
    assert b"x;y;y" in got["interp"]
