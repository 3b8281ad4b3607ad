"""Source text and the spans that point into it."""

from __future__ import annotations

import re
from pathlib import Path

import attrs


@attrs.frozen
class Source:
    """One `.aid` file's text, with the name diagnostics print for it."""

    name: str
    text: str

    @classmethod
    def from_path(cls, path: str | Path) -> "Source":
        raw = Path(path).read_bytes()
        return cls(name=str(path), text=raw.decode("utf-8-sig"))

    def line(self, lineno: int) -> str:
        """The 1-based line `lineno`, without its newline ('' past the end)."""
        lines = self.lines()
        return lines[lineno - 1] if 1 <= lineno <= len(lines) else ""

    def lines(self) -> list[str]:
        """The text split the way the lexer counts lines: at "\n" only (a form feed or a lone "\r" is not
        a line break to Lark, so `splitlines()` would show the wrong line)."""
        return [line.removesuffix("\r") for line in self.text.split("\n")]


@attrs.frozen
class Span:
    """A region of a source: 1-based line and column of its start and end (end exclusive)."""

    source: Source = attrs.field(repr=False, eq=False)
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def file(self) -> str:
        return self.source.name

    def __str__(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"


def position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of a character offset in a text."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def point(source: Source, line: int, column: int, width: int = 1) -> Span:
    """A span of `width` characters starting at (line, column)."""
    return Span(source, line, column, line, column + max(width, 1))


# Characters no policy text may hold, in strings and comments too: C0 and C1 controls but the tab and a line end
# (`\r` only before `\n`), line and paragraph separators, and the bidirectional formatting characters. Each can
# make a terminal, an editor or the public page show something other than the policy: clear the screen, forge a
# line, hide a rule in a comment behind a lone carriage return, print "90%" as "%09".
UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e"
                        "\u2066-\u2069]|\r(?!\n)")
