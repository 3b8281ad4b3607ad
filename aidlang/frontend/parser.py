"""Parsing `.aid` text: the cached LALR parser, and syntax errors turned into diagnostics."""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources
from pathlib import Path

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from aidlang.frontend import nodes
from aidlang.frontend.build_ast import BuildError, build
from aidlang.frontend.diagnostics import AidError, Diagnostic
from aidlang.frontend.source import UNSHOWABLE, Source, Span, point, position

# Mistakes recognised by example (Lark's match_examples): each small bad input fails in the same
# parser state as the author's mistake, and doubles as a test of the message. Each example names how many
# parser states of local context identify it: enough to reach below a list of names to what holds the list
# (a rule's 对, not a group's =), so `群组 g = a, b 比例` is not taken for a rule missing its colon. A list of
# one, two and three-or-more names leaves one, three and four states on the stack.
SYNTAX_EXAMPLES: dict[str, list[tuple[int, str]]] = {
    "E014": [
        (2, '政策 p { } 待遇 医疗救助 a { 对 b 比例 85% }'),
        (2, '政策 p { } 待遇 医疗救助 a { 对 b 起付标准 无 }'),
        (4, '政策 p { } 待遇 医疗救助 a { 对 a, b 比例 85% }'),
        (5, '政策 p { } 待遇 医疗救助 a { 对 a, b, c 比例 85% }'),
        (2, '政策 p { } 待遇 医疗救助 a { 对 b 在 p 比例 85% }'),
        (4, '政策 p { } 待遇 医疗救助 a { 对 b 在 p, q 比例 85% }'),
        (5, '政策 p { } 待遇 医疗救助 a { 对 b 在 p, q, r 比例 85% }'),
        (2, 'policy p { } tier aid a { for b ratio 85% }'),
        (2, '政策 p { } 年度待遇 a { 对 b 金额 800元 }'),
        (4, '政策 p { } 年度待遇 a { 对 a, b 金额 800元 }'),
        (5, '政策 p { } 年度待遇 a { 对 a, b, c 金额 800元 }'),
    ],
    "E015": [
        (1, '政策 p { 依据 四 }'),
        (1, '政策 p { } 类别 a 依据 1'),
    ],
    "E016": [
        (1, '类别 a'),
        (1, 'category a'),
    ],
}


def grammar_text() -> str:
    """The grammar, from inside the installed package, or from the checkout's `grammar/`."""
    packaged = resources.files("aidlang").joinpath("grammar/aid.lark")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / "grammar" / "aid.lark").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def lark_parser(keep_all_tokens: bool) -> Lark:
    """Built once per process, without re-proving the grammar (see `build_lark`). Lark's cache (a file in the
    temp directory, keyed by the grammar's hash and the options) saves each command about 0.4 s of start-up."""
    return build_lark(strict=False, keep_all_tokens=keep_all_tokens, cache=True)


def build_lark(strict: bool, keep_all_tokens: bool = False, **options) -> Lark:
    """The LALR parser. With `strict`, any grammar conflict or terminal collision is a build error; that proof
    takes Lark's collision check (interegular) a minute over our 200-odd terminals, so the test suite runs it
    once (tests/test_grammar.py) and everyday parsers skip the check — the grammar they load is the same file."""
    import lark.lexer

    saved = lark.lexer.has_interegular
    if not strict:
        lark.lexer.has_interegular = False  # skip the slow collision scan; the strict test has proven none
    try:
        return Lark(grammar_text(), parser="lalr", lexer="contextual", propagate_positions=True, strict=strict,
                    maybe_placeholders=False, keep_all_tokens=keep_all_tokens, **options)
    finally:
        lark.lexer.has_interegular = saved


_ESCAPED_BREAK = re.compile(r"(?<!\\)(?:\\\\)*\\[nt]")  # `\n` or `\t` after an even run of backslashes


def unshowable(source: Source) -> Diagnostic | None:
    """E009 at the first character of UNSHOWABLE in the text."""
    found = UNSHOWABLE.search(source.text)
    if found is None:
        return None
    line, column = position(source.text, found.start())
    return Diagnostic.make("E009", point(source, line, column), found=f"U+{ord(found.group()[0]):04X}")


def string_breaks(source: Source, tree: Tree) -> list[Diagnostic]:
    """E010 for each `"…"` string whose text would hold a line break or a tab (`\\n`, `\\t`, a tab)."""
    found = []
    for token in tree.scan_values(lambda v: isinstance(v, Token) and v.type == "STRING"):
        text = str(token)
        escaped = text.startswith('"') and _ESCAPED_BREAK.search(text[1:-1]) is not None  # “…”, 「…」: as written
        if escaped or "\t" in text:
            found.append(Diagnostic.make("E010", point(source, token.line, token.column, len(text))))
    return found


def parse_tree(source: Source, keep_all_tokens: bool = False) -> Tree:
    """The Lark tree of a source, or AidError with one syntax diagnostic (E008 for an expression too deep, E009
    for a character no policy text may hold, E010 for a string of more than one line)."""
    hidden = unshowable(source)
    if hidden is not None:
        raise AidError([hidden])
    try:
        tree = lark_parser(keep_all_tokens).parse(source.text)
    except UnexpectedInput as error:
        raise AidError([syntax_diagnostic(source, error, keep_all_tokens)]) from None
    deep = too_deep(tree)
    if deep is not None:
        span = point(source, deep.meta.line, deep.meta.column)
        raise AidError([Diagnostic.make("E008", span, limit=MAX_EXPRESSION_DEPTH)])
    breaks = string_breaks(source, tree)
    if breaks:
        raise AidError(breaks)
    return tree


# Expressions nest at most this deep (each operator of `a - b - c …` is one level). The LALR parser itself
# has no limit, but everything after it walks expressions recursively (build_ast, the checker, the engines,
# Python's compiler for generated modules, which stops at 200 nested parentheses), so a deeper one would
# exhaust the stack. The bundled policies nest 4 levels at most.
MAX_EXPRESSION_DEPTH = 100
EXPRESSION_RULES = frozenset({"or_expr", "and_expr", "not_", "compare", "in_list", "in_literal", "binary", "neg",
                              "call", "index"})


def too_deep(tree: Tree) -> Tree | None:
    """The outermost expression that nests deeper than MAX_EXPRESSION_DEPTH, found without recursion."""
    stack: list[tuple[Tree, int, Tree | None]] = [(tree, 0, None)]
    while stack:
        node, depth, outermost = stack.pop()
        if node.data in EXPRESSION_RULES:
            depth, outermost = depth + 1, outermost or node
            if depth > MAX_EXPRESSION_DEPTH:
                return outermost
        stack.extend((child, depth, outermost) for child in node.children if isinstance(child, Tree))
    return None


def parse(source: Source) -> nodes.Policy:
    """The syntax tree of a policy, or AidError."""
    tree = parse_tree(source)
    try:
        return build(tree, source)
    except BuildError as error:
        raise AidError(error.diagnostics) from None


def parse_file(path: str | Path) -> nodes.Policy:
    return parse(read_source(path))


def read_source(path: str | Path) -> Source:
    """A source from disk; text that is not UTF-8 is a diagnostic, not a traceback."""
    try:
        return Source.from_path(path)
    except UnicodeDecodeError as error:
        raw = Path(path).read_bytes()
        before = raw[: error.start].decode("utf-8", errors="replace")
        line, column = position(before, len(before))
        text = raw.decode("utf-8", errors="replace")
        source = Source(str(path), text)
        raise AidError([Diagnostic.make("E004", point(source, line, column))]) from None


# ---------------------------------------------------------------- syntax diagnostics

WORDS = {  # what a terminal is, in a policy author's words
    "NAME": ("名称", "a name"), "STRING": ("带引号的文字", "a quoted string"), "NUMBER": ("数字", "a number"),
    "DATE": ("日期（如 2023-01-01）", "a date (such as 2023-01-01)"),
    "MONTH_DAY": ("月日（如 9月30日）", "a month and day (such as --09-30)"),
    "YEAR_MONTH": ("年月（如 2023-05）", "a year and month (such as 2023-05)"),
    "_COLON": ("冒号 :", "a colon :"), "_COMMA": ("逗号 ,", "a comma ,"), "_LBRACE": ("{", "{"), "_RBRACE": ("}", "}"),
    "_LPAR": ("(", "("), "_RPAR": (")", ")"), "_LBRACKET": ("[", "["), "_RBRACKET": ("]", "]"), "EQ": ("=", "="),
    "_RANGE": ("..", ".."), "COMPARE": ("比较符号", "a comparison"), "ADD_OP": ("+ 或 -", "+ or -"),
    "MUL_OP": ("× 或 /", "* or /"), "PERCENT": ("%", "%"), "$END": ("文件结尾", "the end of the file"),
}


@functools.lru_cache(maxsize=None)
def keyword_spellings() -> dict[str, tuple[str, str]]:
    """Each keyword spelling to its (Chinese, English) pair, read from the grammar's keyword rules."""
    pairs: dict[str, tuple[str, str]] = {}
    for line in grammar_text().splitlines():
        m = re.match(r'^!?_?[a-z_]+: ((?:"[^"]+"\s*\|?\s*)+)$', line.strip())
        if not m:
            continue
        spellings = re.findall(r'"([^"]+)"', m.group(1))
        english = [w for w in spellings if w.isascii()]
        chinese = [w for w in spellings if not w.isascii()]
        for word in spellings:
            pairs[word] = ("/".join(chinese) or word, "/".join(english) or word)
    return pairs


def describe_expected(expected: set[str], lang: str) -> str:
    by_name = {t.name: t for t in lark_parser(False).terminals}
    words: list[str] = []
    for name in sorted(expected):
        if name in WORDS:
            word = WORDS[name][0 if lang == "zh" else 1]
        elif name in by_name and by_name[name].pattern.type == "str":
            spelling = by_name[name].pattern.value
            word = keyword_spellings().get(spelling, (spelling, spelling))[0 if lang == "zh" else 1]
        else:
            continue
        if word not in words:
            words.append(word)
    if len(words) > 10:
        words = words[:10] + ["…"]
    return "、".join(words) if lang == "zh" else ", ".join(words)


def _found(token: Token) -> str | tuple[str, str]:
    if token.type == "$END":
        return WORDS["$END"]
    return f"“{token}”"


def syntax_diagnostic(source: Source, error: UnexpectedInput, keep_all_tokens: bool = False) -> Diagnostic:
    """One diagnostic for a parse failure: a labelled mistake if an example matches, else what was expected."""
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream
        ch = source.text[pos] if pos is not None and pos < len(source.text) else ""
        span = point(source, error.line, error.column)
        if ch in QUOTES:
            return Diagnostic.make("E011", span)
        return Diagnostic.make("E002", span, hint=_char_hint(ch), found=f"“{ch}”")
    token = getattr(error, "token", None)
    expected = _accepted(error)
    if isinstance(error, UnexpectedEOF) or token is None or token.type == "$END":  # no token: the input ended
        span = _end_span(source)
        code = "E013" if "_RBRACE" in expected else "E003"
        return Diagnostic.make(code, span, expected=_expected(expected))
    span = Span(source, token.line, token.column, token.end_line or token.line,
                token.end_column or token.column + len(str(token)))
    label = _example_label(error, keep_all_tokens)
    if label:
        return Diagnostic.make(label, span)
    unit_hint = _unit_hint(error, token)
    if unit_hint is not None:
        hint, written = unit_hint
        return Diagnostic.make("E001", span, hint=hint, found=_found(token), expected=_expected(expected),
                               written=written)
    return Diagnostic.make("E001", span, hint=_token_hint(token, expected, _glued_to_name(error, token)),
                           found=_found(token), expected=_expected(expected))


def _last_token(error: UnexpectedInput) -> Token | None:
    """The last token the parser shifted before the failure (inside whatever it has reduced so far)."""
    state = getattr(getattr(error, "interactive_parser", None), "parser_state", None)
    stack = getattr(state, "value_stack", None)
    last = stack[-1] if stack else None
    while isinstance(last, Tree) and last.children:
        last = last.children[-1]
    return last if isinstance(last, Token) else None


def _unit_hint(error: UnexpectedInput, token: Token) -> tuple[str, str] | None:
    """The documents' ways of writing an amount that the language spells otherwise, and exactly what to write:
    `3万` → `3万元`, `5千` → `5000元` (千 is no unit), `5000元以上` → `5000元` (超过/起付标准 already mean the part
    above). Returns (hint code, the text to write)."""
    text = str(token)
    if token.type != "NAME":
        return None
    before = _last_token(error)
    if before is None:
        return None
    if before.type == "NUMBER" and text not in ("元以上", "万元以上"):
        number = str(before)
        if text.startswith("万"):
            return "H007", f"{number}万元"
        if text.startswith("千"):
            return "H008", f"{_times_thousand(number)}元"
    if text in ("元以上", "万元以上") and before.type == "NUMBER":
        return "H009", f"{before}{text[:-2]}"
    if text == "以上" and before.type != "NUMBER" and str(before) in ("元", "万元", "yuan", "wan"):
        last_number = _last_number(error)
        return ("H009", f"{last_number}{before}") if last_number else None
    return None


def _last_number(error: UnexpectedInput) -> str | None:
    state = getattr(getattr(error, "interactive_parser", None), "parser_state", None)
    stack = getattr(state, "value_stack", None)
    last = stack[-1] if stack else None
    if isinstance(last, Tree):
        numbers = [t for t in last.scan_values(lambda v: isinstance(v, Token) and v.type == "NUMBER")]
        return str(numbers[-1]) if numbers else None
    return None


def _times_thousand(number: str) -> str:
    from decimal import Decimal
    value = Decimal(number) * 1000
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def _expected(expected: set[str]) -> tuple[str, str]:
    return describe_expected(expected, "zh"), describe_expected(expected, "en")


def _context(error: UnexpectedInput, depth: int) -> tuple[int, ...] | None:
    """The top `depth` parser states at the failure. Lark's own match_examples compares the whole stack
    depth, so an example would only match a mistake in the file's first declaration; a little local
    context is what makes two mistakes the same."""
    state = getattr(error, "state", None)
    stack = getattr(state, "state_stack", None)
    return tuple(stack[-depth:]) if stack and len(stack) >= depth else None


@functools.lru_cache(maxsize=None)
def _example_contexts(keep_all_tokens: bool) -> dict[tuple[int, ...], str]:
    """The parser context in which each labelled example fails, computed once."""
    table: dict[tuple[int, ...], str] = {}
    for label, examples in SYNTAX_EXAMPLES.items():
        for depth, text in examples:
            try:
                lark_parser(keep_all_tokens).parse(text)
            except UnexpectedInput as error:
                context = _context(error, depth)
                if context is not None:
                    table.setdefault(context, label)
    return table


def _example_label(error: UnexpectedInput, keep_all_tokens: bool) -> str | None:
    if not isinstance(error, UnexpectedToken):
        return None
    table = _example_contexts(keep_all_tokens)
    for depth in sorted({d for examples in SYNTAX_EXAMPLES.values() for d, _ in examples}, reverse=True):
        context = _context(error, depth)
        label = table.get(context) if context is not None else None
        if label:
            return label
    return None


def _accepted(error: UnexpectedInput) -> set[str]:
    """Every terminal the parser could take here. Lark's own list omits keywords folded into NAME, and the
    state's table also lists lookaheads that an LALR reduction would go on to refuse (after `群组 g = a, b`
    it offers 基数); so each terminal of the table is tried on a copy of the parser (`accepts()`)."""
    interactive = getattr(error, "interactive_parser", None)
    if interactive is not None:
        return set(interactive.accepts())
    state = getattr(error, "state", None)
    if state is not None:
        try:
            return set(state.parse_conf.states[state.position].keys())
        except AttributeError:  # a state without a parse table
            pass
    return set(getattr(error, "expected", None) or ())


def _end_span(source: Source) -> Span:
    lines = source.lines()
    last = len(lines)
    while last > 1 and not lines[last - 1].strip():
        last -= 1
    return point(source, last, len(lines[last - 1]) + 1)


QUOTES = '"“「'  # a string that does not lex is one whose closing quote is missing on its line


def _char_hint(ch: str) -> str | None:
    if not ch:
        return None
    if unicodedata.east_asian_width(ch) in "FW" and unicodedata.normalize("NFKC", ch).isascii():
        return "H003"
    return None


KEYWORD_PREFIXES = ("对", "在", "条件", "期间", "依据", "类别", "属于", "比例", "限额", "起付标准", "超过")


def _glued_to_name(error: UnexpectedInput, token: Token) -> bool:
    """Whether the unexpected token follows a name with no space between (the parser's last shifted value
    ends in a NAME token that ends where this token starts)."""
    state = getattr(getattr(error, "interactive_parser", None), "parser_state", None)
    stack = getattr(state, "value_stack", None)
    last = stack[-1] if stack else None
    while isinstance(last, Tree) and last.children:
        last = last.children[-1]
    return (isinstance(last, Token) and last.type == "NAME"
            and last.end_pos is not None and last.end_pos == getattr(token, "start_pos", None))


def _token_hint(token: Token, expected: set[str], glued_to_name: bool = False) -> str | None:
    """A hint for the token the parser did not expect (`glued_to_name`: it follows a name without a space)."""
    text = str(token)
    if token.type == "NUMBER" and glued_to_name:  # 一类2: a Chinese name ends where digits begin
        return "H006"
    if token.type == "NAME" and any(text.startswith(k) and len(text) > len(k) for k in KEYWORD_PREFIXES):
        return "H001"
    if "NAME" in expected and token.type != "NAME" and text.isidentifier():
        return "H004"
    if token.type == "NAME" and "_COMMA" in expected:  # 特困人员 特困职工: two names with nothing between
        return "H005"
    return None
