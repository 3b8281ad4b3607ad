"""`aidlang check [PATH...]`: parse and type-check policies, printing every problem with its position."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aidlang import cli
from aidlang.check import pipeline
from aidlang.cli._files import plural, say, unreadable, with_policy_files
from aidlang.frontend.diagnostics import render_all


def register(subparsers) -> None:
    parser = subparsers.add_parser("check", help="parse and type-check .aid files / 检查政策文件",
                                   description="Parse and type-check .aid files (default: policies/).")
    parser.add_argument("paths", nargs="*", metavar="PATH", help=".aid files or directories (default: policies/)")
    cli.add_lang(parser)
    parser.set_defaults(func=run)


@with_policy_files
def run(args: argparse.Namespace, files: list[Path]) -> int:
    lang = args.lang
    try:
        good, bad = pipeline.load_all(files)
    except OSError as error:  # a file that exists but cannot be read: not a policy problem
        return unreadable(lang, error)
    for failed in bad:
        print(render_all(failed.diagnostics, lang), file=sys.stderr)
    if bad:
        problems = sum(len(failed.diagnostics) for failed in bad)
        say(lang, f"{len(bad)} 个政策文件有错误，共 {problems} 个问题；{len(good)} 个通过",
            f"{plural(problems, 'problem')} in {plural(len(bad), 'policy file')}; {len(good)} passed", error=True)
        return 1
    say(lang, f"{len(good)} 个政策文件检查通过", f"{plural(len(good), 'policy file')} checked: no problems")
    return 0
