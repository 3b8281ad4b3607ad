"""`aidlang synth`: deterministic synthetic claims, identities and persons for any policy.

    aidlang synth POLICY --claims N [--seed S] --out DIR [--format csv|parquet] [--param NAME=VALUE]...

writes DIR/claims.csv, DIR/identities.csv and, where the policy reads person attributes, DIR/persons.csv (or
.parquet), all or none. The same policy, N and seed give byte-identical files. `--param` values size the caps
the policy leaves to later announcements (without one such a cap is taken as 200,000 yuan); give `run` the same
values."""

from __future__ import annotations

import argparse
import os

from aidlang.cli import add_lang
from aidlang.cli import inputs as io
from aidlang.cli._outputs import refuse_clashes
from aidlang.io import outputs
from aidlang.io.params import parse_params
from aidlang.runtime import ByDate

MAX_CLAIMS = 100_000_000


def register(subparsers) -> None:
    parser = subparsers.add_parser("synth", help="synthetic claims, identities and persons / 模拟数据",
                                   description=__doc__.splitlines()[0])
    io.add_policy(parser)
    parser.add_argument("--claims", required=True, type=claim_count, metavar="N", help="how many claims")
    parser.add_argument("--seed", type=seed_number, default=1, metavar="S", help="the random seed (default 1)")
    parser.add_argument("--out", required=True, metavar="DIR", help="the directory to write the files to")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv", help="file format (default csv)")
    io.add_params(parser)
    add_lang(parser)
    parser.set_defaults(func=run)


def claim_count(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_CLAIMS:
        raise argparse.ArgumentTypeError(f"the number of claims must be 1 to {MAX_CLAIMS} / 就诊笔数应为 1 至 "
                                         f"{MAX_CLAIMS}: {text}")
    return int(text)


def seed_number(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise argparse.ArgumentTypeError(f"the seed must be a whole number of up to 18 digits / 随机种子应为"
                                         f"不超过 18 位的非负整数: {text}")
    return int(text)


@io.guarded
def run(args: argparse.Namespace) -> int:
    from aidlang.io import synthetic as synth  # when run (cli/__init__.py)

    lang = io.lang_of(args)
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise io.UsageFailure(f"--out {args.out} 不是目录", f"--out {args.out} is not a directory")
    checked = io.load_policy(args.policy)
    texts, where, file_errors = io.param_texts(args)
    params, errors = parse_params(texts, io.param_lookup(checked), where)
    if file_errors or errors:
        raise io.DataFailure([*file_errors, *errors])
    # a parameter given by date shapes the data by its latest value (synth draws amounts, it settles nothing)
    params = {name: v.values[-1][1] if isinstance(v, ByDate) else v for name, v in params.items()}
    shape = synth.shape_of(checked, params)
    maker = synth.Synth(shape, args.claims, args.seed)
    suffix = ".parquet" if args.format == "parquet" else ".csv"
    files = [("claims", shape.claim_header, maker.claim_rows)]
    files.append(("identities", synth.IDENTITY_HEADER, maker.identity_rows))
    if shape.writes_persons:
        files.append(("persons", synth.PERSON_HEADER, maker.person_rows))
    paths = [os.path.join(args.out, name + suffix) for name, _, _ in files]
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as error:
        raise io.UsageFailure(f"无法创建目录 {args.out}：{error.strerror}",
                              f"cannot make the directory {args.out}: {error.strerror}") from None
    refuse_clashes([(f"--out {name}", path) for (name, _, _), path in zip(files, paths, strict=True)],
                   [("POLICY", args.policy)])
    outputs.write_outputs([
        outputs.Output(path, header, rows(), numeric=synth.AMOUNTS & set(header),
                       dates=synth.DATES & set(header))
        for (_, header, rows), path in zip(files, paths, strict=True)])
    io.say(f"{args.out}：{len(files)} 个文件，{args.claims} 条就诊，{maker.persons} 人" if lang == "zh" else
           f"{args.out}: {len(files)} files, {args.claims} claims, {maker.persons} persons")
    return 0
