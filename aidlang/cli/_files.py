"""The `.aid` files a command works on, and the few words commands print outside diagnostics."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from aidlang.check.pipeline import policy_files


class MissingPath(Exception):
    """A PATH argument that names nothing on disk."""


def existing_policy_files(paths: list[str] | None) -> list[Path]:
    """The `.aid` files named or found under the directories named; MissingPath for a name that does not exist."""
    for raw in paths or ["policies"]:
        if not Path(raw).exists():
            raise MissingPath(raw)
    return policy_files(paths)


def with_policy_files(run):
    """Decorate a command's `run(args, files)`: it receives the `.aid` files of `args.paths` (default
    policies/); a path that does not exist is exit 2, and no files at all a warning and exit 0."""

    @functools.wraps(run)
    def wrapper(args) -> int:
        try:
            files = existing_policy_files(args.paths)
        except MissingPath as error:
            return missing(args.lang, str(error))
        if not files:
            return none_found(args.lang, args.paths)
        return run(args, files)

    return wrapper


def say(lang: str, zh: str, en: str, error: bool = False) -> None:
    """Print one line in the reader's language: to stderr for problems, stdout for results."""
    print(zh if lang == "zh" else en, file=sys.stderr if error else sys.stdout)


def missing(lang: str, path: str) -> int:
    say(lang, f"找不到文件或目录：{path}", f"no such file or directory: {path}", error=True)
    return 2


def none_found(lang: str, paths: list[str] | None) -> int:
    where = ", ".join(paths or ["policies"])
    say(lang, f"{where} 中没有 .aid 文件", f"no .aid files in {where}", error=True)
    return 0


def unreadable(lang: str, error: OSError) -> int:
    name = error.filename or ""
    say(lang, f"无法读写 {name}：{error.strerror}", f"cannot read or write {name}: {error.strerror}", error=True)
    return 2


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
