"""`aidlang explain POLICY --claims F … --claim ID`: one claim's settlement, step by step, each step with the
clause it applies (Chinese; `--lang en` English).

The person's earlier claims are settled first, as in `run`, on the engine named (`--engine`: the steps are the
one settlement loop's, whatever lowers the expressions; the batch engine delegates to its kernel, saying so).
Only problems that can change this claim's settlement stop the explanation: bad rows of the same person
(claims, identities, persons); other persons' rows do not matter here.
"""

from __future__ import annotations

import argparse

from aidlang.cli import add_lang
from aidlang.cli import inputs as io
from aidlang.cli.engine_option import add_engine, check_available, make_engine
from aidlang.io import data
from aidlang.runtime import ClaimError, MissingParameter


def register(subparsers) -> None:
    parser = subparsers.add_parser("explain", help="explain one claim / 结算过程",
                                   description=__doc__.splitlines()[0])
    io.add_policy(parser)
    parser.add_argument("--claims", required=True, metavar="FILE", help="claims.csv")
    parser.add_argument("--identities", metavar="FILE", help="identities.csv")
    parser.add_argument("--persons", metavar="FILE", help="persons.csv")
    io.add_params(parser)
    parser.add_argument("--claim", required=True, metavar="ID", help="the claim_id to explain")
    io.add_reading(parser)
    add_engine(parser)
    add_lang(parser)
    parser.set_defaults(func=run)


@io.guarded
def run(args: argparse.Namespace) -> int:
    from aidlang.documents.explanation import explain  # when run (cli/__init__.py)

    lang = io.lang_of(args)
    check_available(args.engine)
    checked = io.load_policy(args.policy)
    inputs = io.read_inputs(checked, claims=args.claims, identities=args.identities, persons=args.persons,
                            params=args.param, options=io.read_options(args), args=args)
    if inputs.fatal:
        raise io.DataFailure(inputs.all_errors)
    claims = inputs.claims_read
    raws = {raw.row: raw for raw in claims.table.rows}
    target_row = next((raw for raw in raws.values() if raw.values.get("claim_id") == args.claim), None)
    if target_row is None:
        raise io.UsageFailure(f"{args.claims} 中没有就诊编号 {args.claim}", f"{args.claims} has no claim {args.claim}")
    _refuse_repeated(args.claims, args.claim, [raw.row for raw in raws.values()
                                               if raw.values.get("claim_id") == args.claim])
    person = target_row.values.get("person_id", "")
    relevant = [e for row, errors in sorted(inputs.claim_rows.items()) for e in errors
                if row == target_row.row or raws[row].values.get("person_id") == person]
    relevant += inputs.person_problems.get(person, [])
    if relevant:
        raise io.DataFailure(relevant)
    engine = make_engine(args.engine, checked, inputs.params, args.generated, lang)
    if args.engine == "batch":  # one claim is no batch: the kernel settles the person's claims one by one
        io.say("批处理引擎：单条就诊的解释由逐条结算的内核（解释器）给出" if lang == "zh"
               else "batch engine: one claim is explained by its claim-by-claim kernel (the interpreter)")
    try:
        steps = explain(engine, list(claims.records), inputs.identity_records(), inputs.person_map(),
                        args.claim, lang)
    except MissingParameter as error:
        io.say(error.zh if lang == "zh" else error.en)
        return io.EXIT_DATA
    except ClaimError as error:  # this claim cannot be settled
        raise io.DataFailure([data.DataError(claims.table.path, target_row.row, io.claim_error_column(error),
                                             error.reason_zh, error.reason_en)]) from None
    for step in steps:
        print(step)
    return 0


def _refuse_repeated(path: str, claim: str, rows: list[int]) -> None:
    """A claim_id on several rows is a file `run` rejects: explaining one of them would be a guess."""
    if len(rows) > 1:
        listed = ", ".join(str(row) for row in sorted(rows))
        raise io.UsageFailure(f"{path} 中就诊编号 {claim} 出现了 {len(rows)} 次（第 {listed} 行）："
                              "无法确定解释哪一条，run 也会拒收",
                              f"{path} has claim {claim} {len(rows)} times (rows {listed}): which one to explain is "
                              "unclear, and run rejects the file too")
