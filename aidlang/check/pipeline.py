"""The front half of the compiler as one list of steps: read → parse → build → check.

`load` is what every command calls to get a checked policy; it raises AidError with every problem found.
"""

from __future__ import annotations

from pathlib import Path

from aidlang.check.checker import CheckedPolicy, check
from aidlang.frontend.diagnostics import AidError
from aidlang.frontend.parser import parse, read_source


def load(path: str | Path) -> CheckedPolicy:
    source = read_source(path)
    return check(parse(source))


def policy_files(paths: list[str] | None, default: str = "policies") -> list[Path]:
    """The `.aid` files named, or found in the directories named (sorted, for stable output)."""
    out: list[Path] = []
    for raw in paths or [default]:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(path.rglob("*.aid")))
        else:
            out.append(path)
    return out


def load_all(paths: list[Path]) -> tuple[list[CheckedPolicy], list[AidError]]:
    """Every policy that checks, and the errors of those that do not (one file's errors never hide another's)."""
    good, bad = [], []
    for path in paths:
        try:
            good.append(load(path))
        except AidError as error:
            bad.append(error)
    return good, bad
