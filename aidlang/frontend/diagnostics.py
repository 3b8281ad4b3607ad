"""The one error type of the front end, and how it is printed.

A diagnostic carries a message code, the span it points at and the values its message needs.
The text itself lives in `messages.py`, in Chinese and English, so every message can be
printed in either language and golden tests can pin both.
"""

from __future__ import annotations

import unicodedata
from typing import Iterable

import attrs

from aidlang.frontend.messages import MESSAGES
from aidlang.frontend.source import UNSHOWABLE, Span


@attrs.frozen
class Diagnostic:
    code: str
    span: Span
    args: tuple[tuple[str, str, str], ...] = ()  # (name, Chinese value, English value)
    hint: str | None = None  # a message code whose text is printed as a hint
    severity: str = "error"  # or "warning": a finding of the static analysis (aidlang.analysis)
    note: tuple[str, str] | None = None  # (Chinese, English) printed after the caret, e.g. a counterexample

    @classmethod
    def make(cls, code: str, span: Span, hint: str | None = None, **args: object) -> "Diagnostic":
        """A diagnostic; an argument given as a (Chinese, English) pair is printed in the reader's language."""
        if code not in MESSAGES or (hint is not None and hint not in MESSAGES):
            raise KeyError(f"unknown message code {code} / {hint}")
        pairs = tuple((k, *(v if isinstance(v, tuple) else (str(v), str(v)))) for k, v in args.items())
        return cls(code, span, pairs, hint)

    @classmethod
    def warning(cls, code: str, span: Span, **args: object) -> "Diagnostic":
        """A finding of the static analysis: printed as a warning (`警告`), failing only `check --strict`, with
        its advice (`A101.advice`) as the hint."""
        advice = f"{code}.advice" if f"{code}.advice" in MESSAGES else None
        return attrs.evolve(cls.make(code, span, advice, **args), severity="warning")

    def arguments(self, lang: str) -> dict[str, str]:
        return {k: (zh if lang == "zh" else en) for k, zh, en in self.args}

    def message(self, lang: str = "zh") -> str:
        return _text(self.code, lang, self.arguments(lang))

    def render(self, lang: str = "zh") -> str:
        """`file:line:col: 错误 E101: message`, the source line, a caret line, and a hint if any."""
        label = {"error": ("错误", "error"), "warning": ("警告", "warning")}[self.severity][lang != "zh"]
        head = f"{self.span}: {label} {self.code}: {self.message(lang)}"
        # a character that would act on the terminal is shown as U+FFFD (one column: the caret stays aligned)
        line = UNSHOWABLE.sub("\ufffd", self.span.source.line(self.span.line))
        lines = [head, f"  {line}", f"  {caret_line(line, self.span)}"]
        if self.hint:
            lines.append(("  提示：" if lang == "zh" else "  hint: ") + _text(self.hint, lang, self.arguments(lang)))
        if self.note:
            lines.append("  " + self.note[lang != "zh"])
        return "\n".join(lines)


class AidError(Exception):
    """Raised with every diagnostic found; the CLI prints them all."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.span.file, d.span.line, d.span.column, d.code))
        super().__init__("\n".join(d.render("en") for d in self.diagnostics))


def render_all(diagnostics: Iterable[Diagnostic], lang: str = "zh") -> str:
    return "\n".join(d.render(lang) for d in diagnostics)


def display_width(text: str) -> int:
    """Terminal columns: wide (CJK, full-width) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def caret_line(line: str, span: Span) -> str:
    """Spaces up to the span's start, then carets under it (to the end of the line if it goes on)."""
    start = span.column - 1
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    end = max(end, start + 1)
    pad = "".join("\t" if ch == "\t" else " " * display_width(ch) for ch in line[:start])
    under = display_width(line[start:end]) or 1
    return pad + "^" * under


def _text(code: str, lang: str, args: dict[str, str]) -> str:
    zh, en = MESSAGES[code]
    template = zh if lang == "zh" else en
    try:
        return template.format(**args)
    except (KeyError, IndexError):
        return template
