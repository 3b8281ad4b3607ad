"""`aidlang annual`: person-level annual benefits — contribution subsidies (资助参保) and cash grants.

    aidlang annual POLICY --year YYYY --identities F [--persons F] [--param …] [--out F] [--engine E]

writes benefits.csv, from the interpreter or (`--engine compiled`) the policy's compiled module."""

from __future__ import annotations

import argparse

from aidlang.check.checker import LATEST_DATE
from aidlang.cli import add_lang
from aidlang.cli import inputs as io
from aidlang.cli._outputs import add_bom, refuse_clashes
from aidlang.cli.engine_option import add_engine, check_available, make_engine
from aidlang.io import outputs
from aidlang.runtime import MissingParameter


def register(subparsers) -> None:
    parser = subparsers.add_parser("annual", help="annual person-level benefits / 年度待遇",
                                   description=__doc__.splitlines()[0])
    io.add_policy(parser)
    parser.add_argument("--year", required=True, type=year_number, metavar="YYYY", help="the benefit year")
    parser.add_argument("--identities", required=True, metavar="FILE", help="identities.csv")
    parser.add_argument("--persons", metavar="FILE", help="persons.csv")
    io.add_params(parser)
    io.add_out(parser, "benefits.csv")
    io.add_reading(parser)
    add_bom(parser)
    add_engine(parser)
    add_lang(parser)
    parser.set_defaults(func=run)


def year_number(text: str) -> int:
    if len(text) != 4 or not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a year YYYY / 年份应为四位数字: {text}")
    if not 1 <= int(text) <= LATEST_DATE.year:  # benefits fall due in the next year: 9999 would be past the calendar
        raise argparse.ArgumentTypeError(f"the year must be 0001 to {LATEST_DATE.year} / 年份应在 0001 至 "
                                         f"{LATEST_DATE.year} 之间: {text}")
    return int(text)


@io.guarded
def run(args: argparse.Namespace) -> int:
    lang = io.lang_of(args)
    check_available(args.engine)
    refuse_clashes([("--out", args.out)], [("POLICY", args.policy), ("--identities", args.identities),
                                           ("--persons", args.persons)])
    checked = io.load_policy(args.policy)
    inputs = io.read_inputs(checked, identities=args.identities, persons=args.persons, params=args.param,
                            options=io.read_options(args), args=args)
    io.require_clean(inputs)
    engine = make_engine(args.engine, checked, inputs.params, args.generated, io.lang_of(args))
    try:
        rows = engine.annual(args.year, inputs.identity_records(), inputs.person_map())
    except MissingParameter as error:
        io.say(error.zh if lang == "zh" else error.en)
        return io.EXIT_DATA
    outputs.write_outputs([outputs.Output(args.out, outputs.BENEFITS_HEADER, outputs.benefit_rows(rows),
                                          numeric=outputs.BENEFITS_NUMERIC)], bom=args.bom)
    return 0
