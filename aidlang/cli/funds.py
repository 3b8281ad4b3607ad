"""`aidlang funds`: fund-administration schedules (fees, advances, settlements by county).

    aidlang funds POLICY --expenditures F [--out F] [--engine E]

writes schedule.csv; each failed fund check (核查) is reported on stderr."""

from __future__ import annotations

import argparse

from aidlang.cli import add_lang
from aidlang.cli import inputs as io
from aidlang.cli._outputs import add_bom, refuse_clashes
from aidlang.cli.engine_option import add_engine, check_available, make_engine
from aidlang.io import outputs
from aidlang.runtime import MissingParameter


def register(subparsers) -> None:
    parser = subparsers.add_parser("funds", help="fund schedules / 基金拨付", description=__doc__.splitlines()[0])
    io.add_policy(parser)
    parser.add_argument("--expenditures", required=True, metavar="FILE", help="expenditures.csv")
    io.add_out(parser, "schedule.csv")
    io.add_reading(parser)
    add_bom(parser)
    add_engine(parser)
    add_lang(parser)
    parser.set_defaults(func=run)


@io.guarded
def run(args: argparse.Namespace) -> int:
    lang = io.lang_of(args)
    check_available(args.engine)
    refuse_clashes([("--out", args.out)], [("POLICY", args.policy), ("--expenditures", args.expenditures)])
    checked = io.load_policy(args.policy)
    if not checked.symbols.funds:
        raise io.UsageFailure(f"{args.policy} 没有 基金管理：funds 无可计算",
                              f"{args.policy} has no fund block: funds has nothing to compute")
    loaded = io.read_expenditures(args, checked)
    (figures,) = loaded.records
    engine = make_engine(args.engine, checked, {}, args.generated, io.lang_of(args))
    expenditures = list(figures.expenditures)
    try:
        rows = engine.funds(expenditures)
        failures = engine.fund_check_failures(expenditures)
    except MissingParameter as error:
        io.say(error.zh if lang == "zh" else error.en)
        return io.EXIT_DATA
    outputs.write_outputs([outputs.Output(args.out, outputs.SCHEDULE_HEADER, outputs.schedule_rows(rows),
                                          numeric=outputs.SCHEDULE_NUMERIC)], bom=args.bom)
    for failure in failures:
        io.say(f"核查未通过：{failure.county} {failure.year}年 {failure.label}（依据 {failure.basis}）" if lang == "zh"
               else f"check failed: {failure.county} {failure.year} {failure.label} (clause {failure.basis})")
    return 0
