"""`aidlang diff OLD.aid NEW.aid [--html FILE]`: the old/new comparison table (新旧对照表).

Markdown to stdout; `--html FILE` also writes it as a self-contained page. Exit 0 whether or not anything
changed, 1 when a policy has errors, 2 when a file is missing or cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aidlang import cli
from aidlang.check import pipeline
from aidlang.cli._files import missing, say, unreadable
from aidlang.cli.compile import write_atomic
from aidlang.frontend.diagnostics import AidError, render_all
from aidlang.io import outputs


def register(subparsers) -> None:
    parser = subparsers.add_parser("diff", help="old/new comparison of two policies / 新旧对照表",
                                   description="The old/new comparison table (新旧对照表) of two policies.")
    parser.add_argument("old", metavar="OLD.aid", help="the old policy or version")
    parser.add_argument("new", metavar="NEW.aid", help="the new policy or version")
    parser.add_argument("--html", metavar="FILE", help="also write the comparison as an HTML page")
    cli.add_lang(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from aidlang.documents.compare import compare_checked, render_diff  # when run (cli/__init__.py)

    lang = args.lang
    for raw in (args.old, args.new):
        if Path(raw).is_dir():
            say(lang, f"{raw} 是目录，不是 .aid 文件：diff 比较两个政策文件", f"{raw} is a directory, not a .aid file: "
                "diff compares two policy files", error=True)
            return 2
        if not Path(raw).is_file():
            return missing(lang, raw)
    try:
        outputs.refuse_clashes([("--html", args.html)], [("OLD.aid", args.old), ("NEW.aid", args.new)])
    except outputs.OutputRefused as refused:
        say(lang, refused.zh, refused.en, error=True)
        return 2
    checked, failed = [], False
    try:
        for raw in (args.old, args.new):
            try:
                checked.append(pipeline.load(raw))
            except AidError as error:
                print(render_all(error.diagnostics, lang), file=sys.stderr)
                failed = True
        if failed:
            return 1
        diff = compare_checked(*checked)
        if args.html:
            write_atomic(Path(args.html), render_diff(diff, "html"))
    except OSError as error:
        return unreadable(lang, error)
    sys.stdout.write(render_diff(diff, "md"))
    return 0
