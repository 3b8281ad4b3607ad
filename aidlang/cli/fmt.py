"""`aidlang fmt [--check] [PATH...]`: rewrite policies in their canonical layout, or (with --check) list
the ones that are not, for CI. A file with a syntax error is reported and left untouched."""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tempfile
from pathlib import Path

from aidlang import cli
from aidlang.cli._files import plural, say, unreadable, with_policy_files
from aidlang.frontend.diagnostics import AidError, render_all
from aidlang.frontend.parser import read_source


def register(subparsers) -> None:
    parser = subparsers.add_parser("fmt", help="format .aid files canonically / 格式化政策文件",
                                   description="Rewrite .aid files in the canonical layout (default: policies/).")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and list the files that would change")
    parser.add_argument("paths", nargs="*", metavar="PATH", help=".aid files or directories (default: policies/)")
    cli.add_lang(parser)
    parser.set_defaults(func=run)


@with_policy_files
def run(args: argparse.Namespace, files: list[Path]) -> int:
    from aidlang.frontend.formatter import format_source  # when run (cli/__init__.py)

    lang = args.lang
    changed, broken = [], 0
    try:
        for path in files:
            try:
                formatted = format_source(read_source(path)).encode("utf-8")
            except AidError as error:
                print(render_all(error.diagnostics, lang), file=sys.stderr)
                broken += 1
                continue
            if formatted == path.read_bytes():
                continue
            changed.append(path)
            if args.check:
                say(lang, f"需要格式化：{path}", f"would reformat {path}")
            else:
                write_atomically(path, formatted)
                say(lang, f"已格式化：{path}", f"reformatted {path}")
    except OSError as error:
        return unreadable(lang, error)
    summarise(lang, args.check, len(files), len(changed), broken)
    return 1 if broken or (args.check and changed) else 0


def summarise(lang: str, check: bool, total: int, changed: int, broken: int) -> None:
    unchanged = total - changed - broken
    if check:
        zh = f"{changed} 个文件需要格式化，{unchanged} 个文件格式规范"
        en = f"{plural(changed, 'file')} would be reformatted, {plural(unchanged, 'file')} already formatted"
    else:
        zh = f"格式化了 {changed} 个文件，{unchanged} 个文件无需改动"
        en = f"{plural(changed, 'file')} reformatted, {plural(unchanged, 'file')} left unchanged"
    if broken:
        zh += f"，{broken} 个文件有语法错误未处理"
        en += f", {plural(broken, 'file')} not formatted because of syntax errors"
    say(lang, zh, en)


def write_atomically(path: Path, data: bytes) -> None:
    """Write a temporary file beside the target, then rename it over: a reader never sees half a file,
    and an interrupted run leaves the original intact."""
    target = path.resolve()  # through a symlink, replace the file it points at, not the link
    mode = stat.S_IMODE(target.stat().st_mode)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
