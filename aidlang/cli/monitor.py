"""`aidlang monitor`: the monitoring list of persons above the policy's yearly self-paid threshold.

    aidlang monitor POLICY --claims F --month YYYY-MM [--param …] [--out F] [--engine E]

lists into monitor.csv the persons whose cumulative self-paid amount this year, through the end of the
month, exceeds the threshold."""

from __future__ import annotations

import argparse
import re

from aidlang.check.checker import LATEST_DATE
from aidlang.cli import add_lang
from aidlang.cli import inputs as io
from aidlang.cli._outputs import add_bom, refuse_clashes
from aidlang.cli.engine_option import add_engine, check_available, make_engine
from aidlang.io import data, outputs
from aidlang.runtime import MissingParameter

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def register(subparsers) -> None:
    parser = subparsers.add_parser("monitor", help="monitoring list / 监测名单", description=__doc__.splitlines()[0])
    io.add_policy(parser)
    parser.add_argument("--claims", required=True, metavar="FILE", help="claims.csv")
    parser.add_argument("--month", required=True, type=year_month, metavar="YYYY-MM", help="the month reported")
    # identities and persons decide the insurance tiers' tilts (e.g. Mianyang 二(三): 低保对象's critical-illness
    # deductible halved), exactly as in `aidlang run`
    parser.add_argument("--identities", metavar="FILE", help="identities.csv")
    parser.add_argument("--persons", metavar="FILE", help="persons.csv")
    io.add_params(parser)
    io.add_out(parser, "monitor.csv")
    io.add_reading(parser)
    add_bom(parser)
    add_engine(parser)
    add_lang(parser)
    parser.set_defaults(func=run)


def year_month(text: str) -> tuple[int, int]:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise argparse.ArgumentTypeError(f"not a month YYYY-MM / 月份应写作 YYYY-MM: {text}")
    year = int(match.group(1))
    if not 1 <= year <= LATEST_DATE.year:  # the push date is next month's: past the calendar for 9999-12
        raise argparse.ArgumentTypeError(f"the year must be 0001 to {LATEST_DATE.year} / 年份应在 0001 至 "
                                         f"{LATEST_DATE.year} 之间: {text}")
    return year, int(match.group(2))


@io.guarded
def run(args: argparse.Namespace) -> int:
    lang = io.lang_of(args)
    check_available(args.engine)
    refuse_clashes([("--out", args.out)], [("POLICY", args.policy), ("--claims", args.claims),
                                           ("--identities", args.identities), ("--persons", args.persons)])
    checked = io.load_policy(args.policy)
    if not checked.symbols.monitors:
        raise io.UsageFailure(f"{args.policy} 没有 监测：monitor 无可列出",
                              f"{args.policy} has no monitor block: monitor has nothing to list")
    inputs = io.read_inputs(checked, claims=args.claims, identities=args.identities, persons=args.persons,
                            params=args.param, options=io.read_options(args), args=args)
    io.require_clean(inputs)
    engine = make_engine(args.engine, checked, inputs.params, args.generated, io.lang_of(args))
    claim_errors: list = []
    try:
        rows = engine.monitor(list(inputs.claims_read.records), args.month, inputs.identity_records(),
                              inputs.person_map(), errors=claim_errors)
    except MissingParameter as error:
        io.say(error.zh if lang == "zh" else error.en)
        return io.EXIT_DATA
    if claim_errors:
        path = inputs.claims_read.table.path
        raise io.DataFailure([data.DataError(path, error.row, io.claim_error_column(error), error.reason_zh,
                                             error.reason_en) for error in claim_errors])
    outputs.write_outputs([outputs.Output(args.out, outputs.MONITOR_HEADER, outputs.monitor_rows(rows),
                                          numeric=outputs.MONITOR_NUMERIC)], bom=args.bom)
    return 0
