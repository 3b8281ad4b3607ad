"""Progress on the terminal for the commands that settle a year of claims: what is being done, how many claims
so far, the rate and the time left (rich). Shown only when standard error is a terminal and the run has already
taken a couple of seconds, so quick runs, pipes and CI logs see nothing; it clears itself when the run ends.

Not a command itself (cli.COMMANDS does not list it).
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable

SHOW_AFTER = 2.0  # seconds: a run quicker than this never shows a progress line


class Progress:
    """`with Progress(lang) as progress:`, then `progress.phase(zh, en, total)` for each step of the run; the
    callable it returns is told how many of `total` are done. The display starts SHOW_AFTER seconds into the
    run (a timer thread), whether or not a step has reported since."""

    def __init__(self, lang: str, stream: Any = None, show_after: float = SHOW_AFTER):
        self.lang, self.stream = lang, stream if stream is not None else sys.stderr
        self.watching = bool(getattr(self.stream, "isatty", lambda: False)())
        self.display: Any = None
        self.task: Any = None
        self.pending: tuple[str, int | None, int] = ("", None, 0)  # the step's description, total and done
        self.lock = threading.Lock()
        self.timer = threading.Timer(show_after, self._show) if self.watching else None

    def __enter__(self) -> Progress:
        if self.timer is not None:
            self.timer.daemon = True
            self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.timer is not None:
            self.timer.cancel()
        with self.lock:
            if self.display is not None:
                self.display.stop()
                self.display = None
            self.watching = False

    def phase(self, zh: str, en: str, total: int | None = None) -> Callable[[int], None]:
        """A new step (`total` claims, or None when it cannot be counted); the step before it is over."""
        if not self.watching:
            return _ignore
        with self.lock:
            self.pending = (zh if self.lang == "zh" else en, total, 0)
            if self.display is not None:  # a task of its own: a step without a count shows no old one
                self.display.remove_task(self.task)
                self.task = self.display.add_task(self.pending[0], total=total)
        return self.update

    def update(self, done: int) -> None:
        with self.lock:
            self.pending = (*self.pending[:2], done)
            if self.display is not None:
                self.display.update(self.task, completed=done)

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Display
        from rich.progress import TimeRemainingColumn
        from rich.text import Text

        unit = "条/秒" if self.lang == "zh" else "claims/s"

        class Rate(ProgressColumn):
            def render(self, task) -> Text:
                return Text(f"{task.speed:,.0f} {unit}" if task.speed else "")

        with self.lock:
            if not self.watching:
                return
            description, total, done = self.pending
            self.display = Display(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), Rate(),
                                   TimeElapsedColumn(), TimeRemainingColumn(), console=Console(file=self.stream),
                                   transient=True)
            self.task = self.display.add_task(description, total=total, completed=done)
            self.display.start()


def _ignore(done: int) -> None:
    """What a step reports to when no one is watching."""
