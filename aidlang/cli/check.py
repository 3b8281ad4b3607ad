"""`aidlang check [PATH...]`: parse and type-check policies, printing every problem with its position."""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from aidlang import cli
from aidlang.check import pipeline
from aidlang.cli import inputs as io
from aidlang.cli._files import plural, say, unreadable, with_policy_files
from aidlang.frontend.diagnostics import render_all
from aidlang.io import outputs
from aidlang.io.params import parse_params
from aidlang.runtime import format_yuan_grouped

if TYPE_CHECKING:
    from aidlang.analysis import Finding


def register(subparsers) -> None:
    parser = subparsers.add_parser("check", help="parse and type-check .aid files / 检查政策文件",
                                   description="Parse and type-check .aid files (default: policies/).")
    parser.add_argument("paths", nargs="*", metavar="PATH", help=".aid files or directories (default: policies/)")
    parser.add_argument("--strict", action="store_true",
                        help="a warning of the static analysis fails the check too / 警告也算检查不通过")
    parser.add_argument("--today", type=_day, metavar="YYYY-MM-DD",
                        help="the date expiry is judged on (default: today) / 判断是否到期所依据的日期")
    parser.add_argument("--identities", metavar="FILE",
                        help="also check the categories an identities.csv uses against each policy "
                             "/ 检查身份数据中的类别")
    parser.add_argument("--counterexamples", metavar="DIR",
                        help="write each warning's counterexample claim as DIR/<policy>/claims.csv and identities.csv,"
                             " for aidlang explain / 写出反例数据")
    io.add_params(parser)
    cli.add_lang(parser)
    parser.set_defaults(func=run)


@with_policy_files
def run(args: argparse.Namespace, files: list[Path]) -> int:
    from aidlang.analysis import analyse, data_categories  # when run (cli/__init__.py)

    lang = args.lang
    try:
        good, bad = pipeline.load_all(files)
    except OSError as error:  # a file that exists but cannot be read: not a policy problem
        return unreadable(lang, error)
    for failed in bad:
        print(render_all(failed.diagnostics, lang), file=sys.stderr)
    warned = bad_params = 0
    param_texts = io.param_texts(args)  # a --params file read once, for every policy
    for checked in good:
        params, param_errors = _params(checked, param_texts)
        if param_errors:  # values the policy would refuse: the analysis with them cannot run
            print("\n".join(e.render(lang) for e in param_errors), file=sys.stderr)
            bad_params += 1
            continue
        findings, acknowledged = analyse(checked, args.today, good, params)
        for finding in findings:
            print(_render(finding, checked, args, lang), file=sys.stderr)
        for finding in acknowledged:  # one line each: the authors' reason stands, the fact is still worth seeing
            d, reason = finding.diagnostic, finding.ignored_by.reason if finding.ignored_by else ""
            print(f"{d.span}: 已忽略 {d.code}: {d.message(lang)}（理由：{reason}）" if lang == "zh" else
                  f"{d.span}: acknowledged {d.code}: {d.message(lang)} (reason: {reason})", file=sys.stderr)
        if args.identities:
            for found in data_categories.findings(checked, args.identities):
                print(f"{found.where}: {'警告' if lang == 'zh' else 'warning'} {found.code}: "
                      f"{found.zh if lang == 'zh' else found.en}", file=sys.stderr)
                warned += 1
        if args.counterexamples:
            _write_counterexamples(Path(args.counterexamples) / checked.name, checked, findings + acknowledged)
        warned += len(findings)
    if bad_params:
        say(lang, f"{bad_params} 个政策文件的 --param 取值有错误",
            f"bad --param values for {plural(bad_params, 'policy')}", error=True)
        return io.EXIT_DATA
    if bad:
        problems = sum(len(failed.diagnostics) for failed in bad)
        say(lang, f"{len(bad)} 个政策文件有错误，共 {problems} 个问题；{len(good)} 个通过",
            f"{plural(problems, 'problem')} in {plural(len(bad), 'policy file')}; {len(good)} passed", error=True)
        return 1
    if warned:
        say(lang, f"{len(good)} 个政策文件检查通过，{warned} 个警告" + ("（--strict：不通过）" if args.strict else ""),
            f"{plural(len(good), 'policy file')} checked: {plural(warned, 'warning')}"
            + (" (--strict: failed)" if args.strict else ""), error=True)
        return 1 if args.strict else 0
    say(lang, f"{len(good)} 个政策文件检查通过", f"{plural(len(good), 'policy file')} checked: no problems")
    return 0


def _params(checked, param_texts: tuple) -> tuple[dict, list]:
    """The `--param`/`--params` values (`io.param_texts`) read for this policy, as `run` reads them (every policy
    checked is given them), and their problems."""
    texts, where, file_errors = param_texts
    values, errors = parse_params(texts, io.param_lookup(checked), where)
    return values, [*file_errors, *errors]


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text}") from None


def _render(finding: Finding, checked, args: argparse.Namespace, lang: str) -> str:
    """The warning, and its counterexample as a claim and how to replay it."""
    text = finding.diagnostic.render(lang)
    example = finding.counterexample
    if example is None:
        return text
    cost, aid = format_yuan_grouped(example.cost), outputs.yuan(example.aid)
    given = "".join(f"，{word} {outputs.yuan(v)}元" for word, v in (("基本医保支付", example.basic),
                                                               ("大病保险支付", example.critical)) if v is not None)
    given_en = "".join(f", {word} {outputs.yuan(v)} yuan" for word, v in (("basic_paid", example.basic),
                                                                       ("critical_paid", example.critical))
                       if v is not None)
    outcome = ("结算中止（支付超过费用）" if example.stops else f"医疗救助支付 {aid}元",
               "stops the run (paid above cost)" if example.stops else f"gets aid {aid} yuan")
    held_zh, held_en = "、".join(example.categories), ", ".join(example.categories)
    where = Path(args.counterexamples) / checked.name if args.counterexamples else Path("DIR") / checked.name
    replay = (f"aidlang explain {finding.diagnostic.span.file} --claims {where / 'claims.csv'} --identities "
              f"{where / 'identities.csv'} --claim {example.claim_id}" + _param_options(args))
    if lang == "zh":
        text += (f"\n  反例：就诊 {example.claim_id}（{example.visit}，{example.day.isoformat()}，"
                 f"政策范围内费用 {cost}元{given}，身份 {held_zh}）{outcome[0]}；重放：{replay}"
                 + ("" if args.counterexamples else "（加 --counterexamples DIR 写出数据）"))
    else:
        text += (f"\n  counterexample: claim {example.claim_id} ({example.visit}, {example.day.isoformat()}, cost "
                 f"{cost} yuan{given_en}, categories {held_en}) {outcome[1]}; replay: {replay}"
                 + ("" if args.counterexamples else " (with --counterexamples DIR, which writes the data)"))
    return text


def _param_options(args: argparse.Namespace) -> str:
    """The parameter options the check was given, for the replay command."""
    given = ([f" --params {shlex.quote(args.params)}"] if args.params else []) + [
        f" --param {shlex.quote(text)}" for text in args.param]
    return "".join(given)


def _write_counterexamples(directory: Path, checked, findings: list[Finding]) -> None:
    """claims.csv and identities.csv of every counterexample, written atomically."""
    from aidlang.analysis.findings import example_claim

    examples = [f.counterexample for f in findings if f.counterexample is not None]
    if not examples:
        return
    directory.mkdir(parents=True, exist_ok=True)
    def amount(fen: int | None) -> str:  # empty: the policy computes it
        return "" if fen is None else outputs.yuan(fen)

    claims = [[c.claim_id, c.person_id, c.visit_type, c.admission_date.isoformat(), c.discharge_date.isoformat(),
               amount(c.policy_scope_cost), amount(c.basic_paid), amount(c.critical_paid)]
              for c in (example_claim(checked, e) for e in examples)]
    identities = [[e.person_id, category, e.day.isoformat(), ""] for e in examples for category in e.categories]
    outputs.write_outputs([
        outputs.Output(str(directory / "claims.csv"), ("claim_id", "person_id", "visit_type", "admission_date",
                                                       "discharge_date", "policy_scope_cost", "basic_paid",
                                                       "critical_paid"), claims),
        outputs.Output(str(directory / "identities.csv"), ("person_id", "category", "start", "end"), identities)])
