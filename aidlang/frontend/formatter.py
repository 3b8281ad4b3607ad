"""Canonical formatting of `.aid` sources, from the parser's tokens and tree.

Two passes. `_Layout` turns each token into a `Word`: its printed text (full-width punctuation made
ASCII, everything else as written) and, read from the tree, whether it begins a line, at which depth,
and whether it sticks to the word before it. `_Printer` then lays the words and the comments out in source
order, keeping the author's blank lines between items (a run collapsed to one) and every comment.

Only whitespace and comments change: tokens are never split, joined or respelled (except punctuation
that lexes the same), so the formatted text parses to the same syntax tree.
"""

from __future__ import annotations

import bisect
import re

import attrs
from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from aidlang.frontend.parser import lark_parser, parse_tree
from aidlang.frontend.source import Source

INDENT = "  "
TRAILING_COMMENT_GAP = "  "  # as in PEP 8: a trailing comment stands apart from the code

ASCII_FORMS = {  # punctuation a Chinese input method types, by terminal, to its ASCII form
    "_COMMA": ",", "_COLON": ":", "_LPAR": "(", "_RPAR": ")", "_LBRACE": "{", "_RBRACE": "}",
    "_LBRACKET": "[", "_RBRACKET": "]", "EQ": "=", "PERCENT": "%",
}
NO_SPACE_BEFORE = {"_COMMA", "_COLON", "_RPAR", "_RBRACKET"}
NO_SPACE_AFTER = {"_LPAR", "_LBRACKET"}

_COMMENT = re.compile(r"#[^\n]*")


@attrs.frozen
class LineStart:
    """A word that begins a line: a declaration, a block item, or a block's closing brace."""

    depth: int
    item: bool  # a declaration or block item, before which the author's blank line is kept


@attrs.frozen
class Word:
    text: str
    start: int  # offsets of the token in the source text
    end: int
    line: int
    glued: bool  # printed right after the previous word, without a space
    line_start: LineStart | None = None


@attrs.frozen
class Comment:
    text: str
    start: int
    line: int


def format_source(source: Source) -> str:
    """The canonical text of a source; AidError with the syntax diagnostic if it does not parse."""
    tokens, tree = _tokens_and_tree(source)
    words = _Layout(tokens).words(tree)
    return _Printer(words, comments(source.text, words)).text()


def format_text(text: str, name: str = "<text>") -> str:
    return format_source(Source(name, text))


def _tokens_and_tree(source: Source) -> tuple[list[Token], Tree]:
    """Every token the lexer produced (keywords and punctuation included) and the usual tree, from one
    parse by the parser `check` uses: one parser per process, and a syntax error reported by the very
    same `parse_tree` call as in `check`, so the two commands can never disagree about a file."""
    interactive = lark_parser(False).parse_interactive(source.text)
    tokens: list[Token] = []
    try:
        for token in interactive.iter_parse():
            tokens.append(token)
        tree = interactive.feed_eof(tokens[-1] if tokens else None)
    except UnexpectedInput:
        parse_tree(source)  # raises AidError with exactly the diagnostic `check` gives
        raise
    return tokens, tree


# ---------------------------------------------------------------- pass 1: tree + tokens → words

def _at(position: int | None) -> int:
    """A token's place in the source: the lexer gives every token one (Lark's types allow a token made by hand
    without)."""
    assert position is not None, "a token from the lexer has a position"
    return position


class _Layout:
    """Which tokens begin a line, and which stick to the token before them, read from the tree."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.starts = [_at(t.start_pos) for t in tokens]
        self.braces = [_at(t.start_pos) for t in tokens if t.type == "_LBRACE"]
        self.line_starts: dict[int, LineStart] = {}  # by token index
        self.glued: set[int] = set()

    def words(self, tree: Tree) -> list[Word]:
        for child in tree.children:  # `start`: the header, then one declaration per line
            self.line_starts[self.first(child)] = LineStart(0, item=True)
            self.visit(child, 0)
        out, previous_type = [], ""
        for i, token in enumerate(self.tokens):
            glued = i in self.glued or token.type in NO_SPACE_BEFORE or previous_type in NO_SPACE_AFTER
            out.append(Word(ASCII_FORMS.get(token.type, str(token)), _at(token.start_pos), _at(token.end_pos),
                            _at(token.line), glued, self.line_starts.get(i)))
            previous_type = token.type
        return out

    def visit(self, node: Tree | Token, depth: int) -> None:
        if isinstance(node, Token) or node.meta.empty:
            return
        self.mark_glue(node)
        brace = self.own_brace(node)
        for child in node.children:
            inside = brace is not None and self.start_of(child) > self.starts[brace]
            if inside:
                self.line_starts[self.first(child)] = LineStart(depth + 1, item=True)
            self.visit(child, depth + 1 if inside else depth)
        if brace is not None:  # the closing brace: the node's last token
            self.line_starts[self.last(node)] = LineStart(depth, item=False)

    def mark_glue(self, node: Tree) -> None:
        """`85%`, `1万元` (but `5 years`), `max(`, `series[`, `-5` (but `- -5`)."""
        if node.data == "quantity" and len(node.children) > 1:
            unit = self.first(node.children[1])
            if self.tokens[unit].type == "PERCENT" or not str(self.tokens[unit]).isascii():
                self.glued.add(unit)
        elif node.data in ("call", "index"):
            self.glued.add(self.first(node) + 1)
        elif node.data in ("neg", "signed_quantity"):
            operand = self.first(node) + 1
            if self.tokens[operand].type != "ADD_OP":
                self.glued.add(operand)

    def own_brace(self, node: Tree) -> int | None:
        """The index of the `{` that opens this node's block: a brace in its span but in none of its children's."""
        start, end = node.meta.start_pos, node.meta.end_pos
        candidates = self.braces[bisect.bisect_left(self.braces, start): bisect.bisect_left(self.braces, end)]
        if not candidates:  # most nodes: no brace anywhere inside
            return None
        inner = [(c.meta.start_pos, c.meta.end_pos) for c in node.children if isinstance(c, Tree) and not c.meta.empty]
        for pos in candidates:
            if not any(s <= pos < e for s, e in inner):
                return bisect.bisect_left(self.starts, pos)
        return None

    def start_of(self, node: Tree | Token) -> int:
        return _at(node.start_pos) if isinstance(node, Token) else node.meta.start_pos

    def first(self, node: Tree | Token) -> int:
        return bisect.bisect_left(self.starts, self.start_of(node))

    def last(self, node: Tree) -> int:
        return bisect.bisect_left(self.starts, node.meta.end_pos) - 1


# ---------------------------------------------------------------- comments

def comments(text: str, words: list[Word]) -> list[Comment]:
    """The comments of a source: the lexer skips only whitespace and comments, so any `#` between two
    tokens starts one. (Reading them here keeps the cached parser free of per-parse state.)"""
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    gaps = zip([0] + [w.end for w in words], [w.start for w in words] + [len(text)], strict=True)
    out = []
    for gap_start, gap_end in gaps:
        for m in _COMMENT.finditer(text, gap_start, gap_end):
            line = bisect.bisect_right(line_starts, m.start())
            out.append(Comment(m.group().rstrip(), m.start(), line))
    return out


# ---------------------------------------------------------------- pass 2: words + comments → lines

class _Printer:
    def __init__(self, words: list[Word], comments: list[Comment]):
        self.items: list[Word | Comment] = sorted([*words, *comments], key=lambda x: x.start)
        self.lines: list[str] = []
        self.current: list[str] | None = None  # the line being built
        self.last_line = 0  # source line of the last word or comment printed
        self.block_start = True  # nothing printed yet in this block (or file): no blank line here
        self.statement_depth = 0

    def text(self) -> str:
        following: Word | None = None  # the next word after each comment: it decides the comment's indent
        next_words = []
        for item in reversed(self.items):
            next_words.append(following)
            following = item if isinstance(item, Word) else following
        for item, following in zip(self.items, reversed(next_words), strict=True):
            if isinstance(item, Word):
                self.word(item)
            else:
                self.comment(item, following)
        self.end_line()
        return "\n".join(self.lines) + "\n"

    def word(self, word: Word) -> None:
        if word.line_start is not None:
            self.end_line()
            if word.line_start.item:
                self.blank_line_if_authored(word.line)
            self.start_line(word.line_start.depth).append(word.text)
            self.statement_depth = word.line_start.depth
        elif self.current is None:  # the statement goes on after a comment that ended its line
            self.start_line(self.statement_depth + 1).append(word.text)
        else:
            self.current.append(word.text if word.glued else " " + word.text)
        self.block_start = word.text == "{"
        self.last_line = word.line

    def comment(self, comment: Comment, following: Word | None) -> None:
        if self.current is not None and comment.line == self.last_line:
            self.current.append(TRAILING_COMMENT_GAP + comment.text)
            self.end_line()
        else:
            self.end_line()
            between_items = following is None or following.line_start is not None
            if between_items:
                self.blank_line_if_authored(comment.line)
            self.start_line(self.own_line_depth(following)).append(comment.text)
            self.end_line()
            self.block_start = False
        self.last_line = comment.line

    def own_line_depth(self, following: Word | None) -> int:
        """A comment on its own line is indented like what it precedes; before `}`, like the block's items."""
        if following is None:
            return 0
        start = following.line_start
        if start is None:
            return self.statement_depth + 1
        return start.depth + (0 if start.item else 1)

    def blank_line_if_authored(self, line: int) -> None:
        if not self.block_start and line - self.last_line > 1:
            self.lines.append("")

    def start_line(self, depth: int) -> list[str]:
        self.current = [INDENT * depth]
        return self.current

    def end_line(self) -> None:
        if self.current is not None:
            self.lines.append("".join(self.current))
            self.current = None
