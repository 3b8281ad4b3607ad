"""`aidlang run POLICY --claims F …`: settle claims into results.csv.

Without `--rejects`, any bad row — a data problem or a claim the engine cannot settle — fails the run with
every problem listed and nothing written. With it, good rows are settled and each bad row goes to the rejects
file with its reason. Either way every claim read ends up exactly once in results or rejects.
"""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

import attrs

from aidlang.cli import add_lang
from aidlang.cli import inputs as io
from aidlang.cli._outputs import add_bom, refuse_clashes
from aidlang.cli.engine_option import add_engine, check_available, make_engine
from aidlang.check.expressions import texts_compared
from aidlang.cli.progress import Progress
from aidlang.io import data, outputs
from aidlang.records import Result
from aidlang.runtime import MissingParameter


def register(subparsers) -> None:
    parser = subparsers.add_parser("run", help="settle claims / 结算", description=__doc__.splitlines()[0])
    io.add_policy(parser)
    parser.add_argument("--claims", required=True, metavar="FILE", help="claims.csv")
    parser.add_argument("--identities", metavar="FILE", help="identities.csv")
    parser.add_argument("--persons", metavar="FILE", help="persons.csv")
    io.add_params(parser)
    io.add_out(parser, "results.csv")
    parser.add_argument("--rejects", metavar="FILE", help="settle the good rows; write bad rows here with reasons")
    io.add_reading(parser)
    add_bom(parser)
    add_engine(parser)
    add_lang(parser)
    parser.set_defaults(func=run)


@attrs.frozen
class Settlement:
    """The outcome of a run: results and rejected rows, each keyed by the claim's row in claims.csv."""

    results: dict[int, Result]  # row -> its result
    rejected: dict[int, list[tuple[str, str, str]]]  # row -> [(column, reason_zh, reason_en)]
    # the batch engine's results as columns instead (`row` and Result's fields, in any order: written in row
    # order); `results` empty
    frame: Any = None

    @property
    def settled(self) -> int:
        return len(self.results) if self.frame is None else self.frame.height

    def output(self, path: str | None) -> outputs.Output:
        """results.csv, in claims.csv's row order."""
        if self.frame is not None:
            return outputs.Output(path, outputs.RESULTS_HEADER, (), numeric=outputs.RESULTS_NUMERIC, frame=self.frame,
                                  order="row")
        return outputs.Output(path, outputs.RESULTS_HEADER,
                              outputs.result_rows(self.results[row] for row in sorted(self.results)),
                              numeric=outputs.RESULTS_NUMERIC)


@io.guarded
def run(args: argparse.Namespace) -> int:
    lang = io.lang_of(args)
    check_available(args.engine)
    extra_rejects = [(f"--rejects ({role})", io.input_rejects_path(args.rejects, role))
                     for role in io.INPUT_REJECT_ROLES] if args.rejects else []
    refuse_clashes([("--out", args.out), ("--rejects", args.rejects), *extra_rejects],
                   [("POLICY", args.policy), ("--claims", args.claims), ("--identities", args.identities),
                    ("--persons", args.persons)])
    with _reading_ahead(args):
        checked = io.load_policy(args.policy)
        with Progress(lang) as progress:
            return _run(args, checked, lang, progress)


def _reading_ahead(args: argparse.Namespace) -> contextlib.AbstractContextManager:
    """For the batch engine, the input files' lines read while the policy loads (`columnar.read_ahead`)."""
    if args.engine != "batch":
        return contextlib.nullcontext()
    from aidlang.io import columnar  # polars: only the batch engine reads columns

    return columnar.read_ahead([args.claims, args.identities, args.persons], getattr(args, "encoding", None))


def _run(args: argparse.Namespace, checked, lang: str, progress: Progress) -> int:
    progress.phase("读取输入文件", "reading the input files")
    # the batch engine takes claims.csv as columns (io.columnar), read to what the row reader gives
    inputs = io.read_inputs(checked, claims=args.claims, identities=args.identities, persons=args.persons,
                            params=args.param, options=io.read_options(args), args=args,
                            columnar=args.engine == "batch")
    if inputs.fatal:
        raise io.DataFailure(inputs.all_errors)
    if not args.rejects:
        io.require_clean(inputs)
    aid_by_category = any(tier.kind in ("aid", "tilted") for tier in checked.symbols.tiers.values())
    if args.identities is None and checked.symbols.categories and aid_by_category:
        _warn_no_identities(args.policy, lang)
    _warn_unknown_levels(checked, inputs, args.claims, lang)
    engine = make_engine(args.engine, checked, inputs.params, args.generated, io.lang_of(args))
    settlement = settle(engine, inputs, lang, progress)
    if settlement is None:
        return io.EXIT_DATA
    if settlement.rejected and not args.rejects:
        raise io.DataFailure(_claim_errors(inputs, settlement))
    files = [settlement.output(args.out)]
    if args.rejects:
        header, rows = outputs.reject_rows(inputs.claims_read.table, [
            (row, _reason(problems, lang)) for row, problems in sorted(settlement.rejected.items())])
        files.append(outputs.Output(args.rejects, header, rows))
        files += io.input_rejects(inputs, args.rejects, lang)  # bad identity/person rows, with or without claims
    progress.phase("写出结果", "writing the results")
    outputs.write_outputs(files, bom=args.bom)
    io.note_settlement(settlement.settled, settlement.rejected)
    if args.rejects:
        settled, rejected = settlement.settled, len(settlement.rejected)
        io.say(f"已结算 {settled} 条，拒收 {rejected} 条（见 {args.rejects}）" if lang == "zh"
               else f"settled {settled}, rejected {rejected} (see {args.rejects})")
    return 0


def settle(engine, inputs: io.Inputs, lang: str, progress: Progress | None = None) -> Settlement | None:
    """Settle the good claims; every other claim row is rejected with its reasons."""
    claims_file = inputs.claims_read
    table = claims_file.table
    if progress is not None:
        count = table.row_count()
        in_columns = hasattr(engine, "kernel")  # the batch engine settles its claims at once: nothing to count
        done = progress.phase(f"结算 {count:,} 条", f"settling {count:,} claims", None if in_columns else count)
        if not in_columns:
            engine.progress = done
    rejected: dict[int, list[tuple[str, str, str]]] = {
        row: [(e.column, e.reason_zh, e.reason_en) for e in errors] for row, errors in inputs.claim_rows.items()}
    # a bad identity or person row makes all of that person's claims untrustworthy
    for row, raw in sorted(table.raws(table.rows_with("person_id", set(inputs.person_problems))).items()):
        problems = inputs.person_problems[raw.values.get("person_id", "")]
        rejected.setdefault(row, []).extend(("person_id", e.render("zh"), e.render("en")) for e in problems)
    claim_errors: list = []
    frame = getattr(claims_file, "frame", None)  # io.columnar.ClaimColumns: the claims as columns
    try:
        if frame is not None:
            good_frame = frame.filter(~frame["row"].is_in(list(rejected))) if rejected else frame
            settled = engine.settle_frame(good_frame, inputs.identity_columns(), inputs.person_columns(),
                                          errors=claim_errors, ordered=False)
            results_frame = settled.with_columns(row=good_frame["row"].gather(settled["i"])).drop("i")
        else:
            good = [claim for claim in claims_file.records if claim.row not in rejected]
            results = engine.settle(good, inputs.identity_records(), inputs.person_map(), errors=claim_errors)
    except MissingParameter as error:
        io.say(error.zh if lang == "zh" else error.en)
        return None
    kernel_persons = getattr(engine, "kernel_persons", None)
    if kernel_persons:  # the batch engine says how many persons no window settles exactly
        io.say(f"批处理引擎：{kernel_persons} 人逐条结算（多重身份就高、含条件的规则等列运算不能精确表达的情形）"
               if lang == "zh" else f"batch engine: {kernel_persons} persons settled claim by claim (就高 over "
               "several categories, rules with conditions and other cases columns do not express exactly)")
    for claim_error in claim_errors:  # every claim carries its row, and the engines' errors name it
        rejected[claim_error.row] = [(io.claim_error_column(claim_error), claim_error.reason_zh,
                                      claim_error.reason_en)]
    if frame is not None:
        _assert_every_claim_once_in_columns(table, results_frame["row"], rejected)
        return Settlement({}, rejected, results_frame)
    row_of = {claim.claim_id: claim.row for claim in good}
    result_rows = [row_of[result.claim_id] for result in results]
    _assert_every_claim_once(table.row_numbers(), result_rows, rejected)
    return Settlement(dict(zip(result_rows, results, strict=True)), rejected)


def _assert_every_claim_once(read: list[int], result_rows: list[int], rejected: dict) -> None:
    """Contract: no claim is ever dropped silently, nor written twice. Checked on every run (not an `assert`
    statement, which `python -O` would drop); a failure is a bug and stops the run before anything is written."""
    written = sorted(result_rows + list(rejected))
    if written != read:
        raise AssertionError(f"claims read {len(read)}, written {len(written)}: a claim was lost or doubled")


def _assert_every_claim_once_in_columns(table, result_rows, rejected: dict) -> None:
    """`_assert_every_claim_once` for a year of results in columns, without a Python int per claim."""
    import polars as pl  # the batch engine has loaded it

    read = table.numbers if hasattr(table, "numbers") else pl.Series(table.row_numbers(), dtype=pl.Int64)
    written = pl.concat([result_rows, pl.Series(list(rejected), dtype=pl.Int64)]).sort()
    if not written.equals(read.sort(), check_names=False):
        raise AssertionError(f"claims read {read.len()}, written {written.len()}: a claim was lost or doubled")


def _warn_no_identities(policy: str, lang: str) -> None:
    """Without identities no claim can hold a category: say so rather than settle everything as no_category."""
    io.say(f"警告：未给出 --identities，而 {policy} 按类别救助：每条就诊都将是 no_category（无救助）" if lang == "zh"
           else f"warning: no --identities given, and {policy} aids by category: every claim will be no_category "
                "(no aid)")


def _warn_unknown_levels(checked, inputs: io.Inputs, claims: str, lang: str) -> None:
    """An institution level the policy never names (`四级` where it writes 一级, 二级, 三级, 基层) meets none of its
    tests on levels: the claim settles as if no level rule applied (no deductible, no cap of a level). Valid
    data, so no claim is rejected, but it is most likely a spelling of the office's own: say which and how many."""
    named = texts_compared(checked.policy, "institution_level")
    if named is None:
        return
    counts = inputs.claim_value_counts("institution_level")
    unknown = sorted((value, count) for value, count in counts.items() if value and value not in named)
    if not unknown:
        return
    listed = "、".join(f"{value}（{count} 条）" for value, count in unknown)
    listed_en = ", ".join(f"{value} ({count})" for value, count in unknown)
    io.say(f"警告：{claims} 中的机构级别 {listed}不是政策所写的任一级别（{'、'.join(named)}），"
           "这些就诊不满足任何按机构级别的条件" if lang == "zh" else
           f"warning: the institution levels {listed_en} in {claims} are none of the policy's ({', '.join(named)}): "
           "those claims meet no condition on the institution level")


def _reason(problems: list[tuple[str, str, str]], lang: str) -> str:
    separator = "；" if lang == "zh" else "; "
    return separator.join(f"{column}: {zh if lang == 'zh' else en}" if column else (zh if lang == "zh" else en)
                          for column, zh, en in problems)


def _claim_errors(inputs: io.Inputs, settlement: Settlement) -> list[data.DataError]:
    """The claims the engine could not settle, as data errors naming file, row and column."""
    path = inputs.claims_read.table.path
    return [data.DataError(path, row, column, zh, en)
            for row, problems in sorted(settlement.rejected.items()) for column, zh, en in problems]
