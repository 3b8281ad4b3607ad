"""`aidlang test [PATH...] [--engine interp|compiled]`: run the test cases written in the policies.

PATH defaults to `policies/`; `--engine compiled` settles the cases with each policy's compiled module
(`generated/<name>.py`) instead of the interpreter.

Each failing case prints its policy file:line, expected against actual, and the settlement trace of the
claim concerned; the last line is exactly `N passed, N failed`. Exit 1 if any case failed or any policy
did not check.
"""

from __future__ import annotations

import argparse

from aidlang.check.pipeline import load_all, policy_files
from aidlang.cli import add_lang
from aidlang.cli import inputs as io
from aidlang.cli.engine_option import add_engine, check_available
from aidlang.frontend.diagnostics import render_all


def register(subparsers) -> None:
    parser = subparsers.add_parser("test", help="run the tests inside policies / 运行政策测试",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", metavar="PATH", help=".aid files or directories (default policies/)")
    add_engine(parser)
    add_lang(parser)
    parser.set_defaults(func=run)


@io.guarded
def run(args: argparse.Namespace) -> int:
    from aidlang.policy_tests import run_policy_tests  # when run (cli/__init__.py)

    lang = io.lang_of(args)
    check_available(args.engine)
    files = policy_files(args.paths)
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise io.UsageFailure("找不到政策文件：" + "、".join(missing), "no such policy file: " + ", ".join(missing))
    policies, broken = load_all(files)
    for error in broken:
        print(render_all(error.diagnostics, lang))
    passed = failed = 0
    for checked in policies:
        for case in run_policy_tests(checked, lang, args.engine, args.generated):
            if case.passed:
                passed += 1
                continue
            failed += 1
            print(describe_failure(case, lang))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or broken else 0


def describe_failure(case, lang: str) -> str:
    zh = lang == "zh"
    title = f"{case.name}" + (f"（{case.label}）" if case.label and zh else f" ({case.label})" if case.label else "")
    lines = [f"{case.span.file}:{case.span.line}: " + ("测试失败 " if zh else "FAILED ") + title]
    if case.error_zh is not None:
        lines.append("  " + (case.error_zh if zh else case.error_en))
    for failure in case.failures:
        lines.append(f"  {failure.span.file}:{failure.span.line}: {failure.what}: "
                     + (f"预期 {failure.expected}，实际 {failure.actual}" if zh
                        else f"expected {failure.expected}, got {failure.actual}"))
        for step in failure.trace:
            lines.append(f"      {step}")
    return "\n".join(lines)
