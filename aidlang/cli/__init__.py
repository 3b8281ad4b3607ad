"""The command line: the only module that knows about terminals, exit codes and argv.

Each command lives in `aidlang/cli/<name>.py` with `register(subparsers)` and `run(args) -> int`; every
name in COMMANDS must import (one that cannot is an internal error naming the module, never a missing command).
A command's heavy dependencies (the analysis, the tables, the formatter …) are imported inside its `run`, so
that registering every command stays cheap for the one that runs.
Exit codes: 0 success, 1 a policy problem (check/compile/test failures), 2 bad input data or usage, 3 an internal
error (a bug: one line naming it, never a traceback, unless AIDLANG_DEBUG=1).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from aidlang.frontend.diagnostics import AidError, render_all

COMMANDS = ("check", "fmt", "run", "explain", "test", "compile", "diff", "annual", "funds", "monitor", "synth")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aidlang",
                                     description="medical-assistance policy as code / 医疗救助政策即代码")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="message language (default zh)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        _command(name).register(sub)
    return parser


class CommandUnavailable(Exception):
    """A module of COMMANDS that cannot be imported (missing, or an import inside it fails): the installation
    or the code is broken, and the command must not just disappear from `aidlang --help`."""

    def __init__(self, module: str, error: ImportError):
        super().__init__(f"{module}: {type(error).__name__}: {error}")
        self.module = module
        self.error = error


def _command(name: str):
    module = f"aidlang.cli.{name}"
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise CommandUnavailable(module, error) from error


def add_lang(parser: argparse.ArgumentParser) -> None:
    """`--lang` is accepted after the command too: `aidlang check --lang en policies/`."""
    parser.add_argument("--lang", choices=("zh", "en"), default=argparse.SUPPRESS, help="message language")


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
    except CommandUnavailable as error:
        return command_unavailable(error, _lang_of_argv(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except AidError as error:
        print(render_all(error.diagnostics, args.lang), file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 — exit 3, never a traceback (above)
        return internal_error(error, getattr(args, "lang", "zh"))


def entry() -> NoReturn:
    """The `aidlang` program: `main`, then an exit that skips the interpreter's teardown — after a year of claims,
    freeing its objects one by one takes a fifth of a second, and every file the command writes is already
    written, synced and closed (`io.outputs.write_outputs`). Only the standard streams are left to flush."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # a reader that stopped early (`| head`): not a failure, as in `main`
        pass
    except OSError:
        code = code or 120  # what Python exits with when flushing fails at its own teardown
    os._exit(code)


def internal_error(error: Exception, lang: str) -> int:
    """An exception no command expected: one line naming it (exit 3); AIDLANG_DEBUG=1 shows the traceback."""
    if os.environ.get("AIDLANG_DEBUG"):
        raise error
    name = type(error).__name__
    print(f"内部错误（{name}）：{error}。请报告此问题；设置 AIDLANG_DEBUG=1 可查看详细信息" if lang == "zh"
          else f"internal error ({name}): {error}. Please report it; AIDLANG_DEBUG=1 shows details", file=sys.stderr)
    return 3


def command_unavailable(error: CommandUnavailable, lang: str) -> int:
    """A command module that does not import: one line naming it and why (exit 3, an internal error: no command
    can be trusted to be there); AIDLANG_DEBUG=1 shows the traceback."""
    if os.environ.get("AIDLANG_DEBUG"):
        raise error
    cause = f"{type(error.error).__name__}: {error.error}"
    print(f"内部错误：无法导入命令模块 {error.module}（{cause}），aidlang 的安装或代码有缺陷。"
          "请报告此问题；设置 AIDLANG_DEBUG=1 可查看详细信息" if lang == "zh"
          else f"internal error: the command module {error.module} cannot be imported ({cause}): the aidlang "
               "installation or code is broken. Please report it; AIDLANG_DEBUG=1 shows details", file=sys.stderr)
    return 3


def _lang_of_argv(argv: list[str]) -> str:
    """`--lang en` or `--lang=en` anywhere in the arguments (read by hand: the parser could not be built)."""
    for i, arg in enumerate(argv):
        if arg.startswith("--lang="):
            value = arg.removeprefix("--lang=")
        elif arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        else:
            continue
        return "en" if value == "en" else "zh"
    return "zh"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
