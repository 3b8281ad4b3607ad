"""The command line: the only module that knows about terminals, exit codes and argv.

Each command lives in `aidlang/commands/<name>.py` with `register(subparsers)` and `run(args) -> int`.
Exit codes: 0 success, 1 a policy problem (check/compile/test failures), 2 bad input data or usage, 3 an internal
error (a bug: one line naming it, never a traceback, unless AIDLANG_DEBUG=1).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .diagnostics import AidError, render_all

COMMANDS = ("check", "fmt", "run", "explain", "test", "compile", "diff", "annual", "funds", "monitor", "synth")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aidlang",
                                     description="medical-assistance policy as code / 医疗救助政策即代码")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="message language (default zh)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = _command(name)
        if module is not None:
            module.register(sub)
    return parser


def _command(name: str):
    try:
        return importlib.import_module(f"aidlang.commands.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"aidlang.commands.{name}":
            return None  # not built yet
        raise


def add_lang(parser: argparse.ArgumentParser) -> None:
    """`--lang` is accepted after the command too: `aidlang check --lang en policies/`."""
    parser.add_argument("--lang", choices=("zh", "en"), default=argparse.SUPPRESS, help="message language")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
    except Exception as error:  # noqa: BLE001 — the contract: never a traceback
        return internal_error(error, getattr(args, "lang", "zh"))


def internal_error(error: Exception, lang: str) -> int:
    """An exception no command expected: one line naming it (exit 3); AIDLANG_DEBUG=1 shows the traceback."""
    if os.environ.get("AIDLANG_DEBUG"):
        raise error
    name = type(error).__name__
    print(f"内部错误（{name}）：{error}。请报告此问题；设置 AIDLANG_DEBUG=1 可查看详细信息" if lang == "zh"
          else f"internal error ({name}): {error}. Please report it; AIDLANG_DEBUG=1 shows details", file=sys.stderr)
    return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
