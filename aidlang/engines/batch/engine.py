"""The batch engine: the settlement plan run over columns (polars), a person's year of ledgers as window sums.

The plan is the one every engine executes (`runtime.plan`); this module lowers it to column operations and
states no settlement rule of its own beyond what a window needs:

- the data checks, epochs, categories held and routes are joins and lookups over the claims frame;
- each kind, in order, picks per claim the first step of its route that applies (its gates, conditions and the
  static cascade's ratio, `columns.Lowering`), then pays `runtime.money.tier_payment` in columns: with E the
  running sum of the bases before this claim in the step's deductible ledger (person, year, slot), the part
  above the line is max(0, E + b − D) − max(0, E − D) (per claim: max(0, b − D)), the ratio's product is
  rounded half-up once, and with R the running sum of those products in the cap ledger,
  paid = min(R, cap) − min(R − raw, cap);
- statuses, basis and self-pay as the loop states them (`runtime.loop`).

What no window expresses exactly is settled on the sequential kernel (`runtime.PlanSettler`, given to the
engine), person by person, inside the same run: persons holding several categories under 就高 (the ledger
decides), persons with a claim rejected half-way (one insurance amount given, the other computed, the two
above the cost), persons whose claims meet a step the columns do not lower (a person's attributes, 年度累计自付,
÷, a setting computed per claim) and persons whose cap changes within a year. `kernel_persons` says how many
went that way in the last run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import math
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar

import numpy as np
import polars as pl

from aidlang.check.expressions import builtins_read, is_static
from aidlang.engines.batch.columns import (CLAIM_GIVEN, COLUMNS, PERSON_PREFIX, YEAR_KEY, YEAR_START, Lowering,
                                           Magnitude, Unsupported, fits, running_sum, with_ledger_sum, year_starts)
from aidlang.io.columnar import (RowsInOrder, claims_frame, claims_of_frame, identities_frame, identities_of_frame,
                                persons_frame, persons_of_frame, placed)
from aidlang.plan import build_plan
from aidlang.records import STATUSES, Claim, Identity, Person, Result, make_result
from aidlang.runtime import ClaimError, MissingParameter, PlanSettler, collector_paused
from aidlang.runtime.plan import DEFAULT_BASES, KINDS, Cascade, Constant, Expression, Route, Step
from aidlang.runtime.terms import Terms, resolve
from aidlang.runtime.values import EMPTY_IS_NONE
from aidlang.runtime.visits import VISIT_NAMES

_T = TypeVar("_T")


@dataclass(frozen=True)
class LoweredRoute:
    """A route in columns (`BatchSettler.lowered_route`): its steps as (kind, step, Lowered or None), its gates
    as tests (None: one does not lower), the person attributes those that lower read, and whether all lower."""

    route: Route
    kernel_route: Route
    steps: list[tuple[str, Step, Lowered | None]]
    gates: tuple[tuple[pl.Expr, str], ...] | None
    reads: frozenset[str]
    lowers: bool


@dataclass(frozen=True)
class Lowered:
    """A step in columns: its gates and conditions as boolean columns, its base as fen, and its terms — of a
    static cascade, resolved once (`terms`, None: no ratio); of a cascade whose rules have conditions on the
    claim (`whens`, one boolean column or None per rule), resolved once per set of rules that hold
    (`terms_for`), the settings' values being literals and parameters."""

    gates: tuple[tuple[pl.Expr, str], ...]
    conditions: tuple[pl.Expr, ...]
    base: pl.Expr
    base_bound: int  # the base is below it in size (columns.Value.bound)
    terms: Terms | None
    whens: tuple[pl.Expr | None, ...] | None = None
    kernel_cascade: Cascade | None = None
    day: dt.date | None = None
    person_reads: frozenset[str] = frozenset()  # the person attributes it reads (Lowering.person_reads)

    @property
    def may_apply(self) -> bool:
        return self.terms is not None or self.whens is not None


class BatchSettler:
    """Settles claims as columns; everything else (annual benefits, funds, monitoring, explanations) and the
    persons no window settles exactly go to `kernel`, a `runtime.PlanSettler` of the same policy."""

    def __init__(self, checked, kernel: PlanSettler):
        self.kernel = kernel
        self.plan = kernel.plan  # the lowered plan: names, for explanations
        self.source_plan = build_plan(checked)  # the same plan, its expressions as the checker left them
        self.symbols = checked.symbols
        # the claims' own values the policy reads beyond the cost, insurance and dates (referred, disease …): the
        # engine's frame carries only those
        self.claim_values = tuple(COLUMNS[name] for name in sorted(builtins_read(checked.policy))
                                  if name in _OPTIONAL_VALUES)
        self.kernel_persons = 0
        # what the part being settled has of its own: two parts settle side by side, each in its thread
        self._part = _PartState()
        self._kernel_lock = threading.Lock()  # the kernel settles one part's persons at a time
        # the lowering of steps and routes and 就高's comparisons, for the magnitude of the part they were made for
        # (parts and runs of the same magnitude share them): `_for_magnitude`
        self._remembered: dict[tuple, Any] = {}

    def __getattr__(self, name: str) -> Any:  # annual, funds, monitor, explain_trace, parameters, …
        return getattr(self.kernel, name)

    # ------------------------------------------------------------ lowering the plan's steps
    def _for_magnitude(self, make: Callable[..., _T], key: tuple, *args: Any) -> _T:
        """make(*args), made once for `key` and the part's magnitude."""
        key = (make.__name__, *key, self._part.magnitude)
        if key not in self._remembered:
            self._remembered[key] = make(*args)
        return self._remembered[key]

    def lowered(self, step: Step, kernel_step: Step, epoch: int) -> Lowered | None:
        """The step in columns, or None when some part of it does not lower (its claims go to the kernel)."""
        return self._for_magnitude(self._lower, (id(step), epoch), step, kernel_step, epoch)

    def _lower(self, step: Step, kernel_step: Step, epoch: int) -> Lowered | None:
        day = self.source_plan.epochs[epoch].day
        lowering = Lowering(self.symbols, lambda name: self.kernel.parameters.value(name, day), self._part.magnitude,
                            step.tier.kind)
        try:
            if step.split_line:  # ledgers per institution level: a level is not a column here (columns.py)
                raise Unsupported("ledgers split by institution level")
            whens = None
            if not step.cascade.static:  # rules with conditions: each a column, the settings fixed per epoch
                for rule in step.cascade.rules:
                    for setting in rule.settings:
                        if isinstance(setting.value, Expression) and not is_static(setting.value.node, self.symbols):
                            raise Unsupported("a setting computed per claim")
                whens = tuple(None if rule.when is None else _test(lowering, rule.when) for rule in step.cascade.rules)
            gates = tuple((_test(lowering, g.test), g.clause) for g in step.gates)
            conditions = tuple(_test(lowering, c.test) for c in step.conditions)
            base = step.base
            if isinstance(base, Expression):
                base_column, base_bound = lowering.money(base.node, base.rounds)
            elif base is DEFAULT_BASES[step.tier.kind]:
                # the cost less at most four payments, each within the largest amount when its base is
                base_column, base_bound = _DEFAULT_BASES[step.tier.kind], 5 * self._part.magnitude.amount
            else:
                raise Unsupported("a base")
            if whens is not None:
                return Lowered(gates, conditions, base_column, base_bound, None, whens, kernel_step.cascade, day,
                               frozenset(lowering.person_reads))
            terms = self.resolve_at(kernel_step.cascade, day)
            if terms is not None and not self.terms_fit(base_bound, terms):
                return None
        except (Unsupported, MissingParameter, ArithmeticError, ValueError):
            return None
        except Exception:  # noqa: BLE001 — anything the kernel raises (UnsetSetting …) it raises at the right claim
            return None
        return Lowered(gates, conditions, base_column, base_bound, terms,
                       person_reads=frozenset(lowering.person_reads))

    def terms_fit(self, base_bound: int, terms: Terms) -> bool:
        """Whether a tier's payment on these terms stays within 64-bit columns (`columns.LIMIT`): the ratio's
        product before it is rounded, and the deductible and cap ledgers' sums over the longest person's year."""
        ledger = self._part.magnitude.claims + 1
        raw_bound = base_bound * terms.num // terms.den + 1
        try:
            fits(2 * base_bound * terms.num + terms.den)
            fits(ledger * base_bound + abs(terms.deductible) + abs(terms.threshold))
            fits(ledger * raw_bound + abs(terms.cap or 0))
        except Unsupported:
            return False
        return True

    def resolve_at(self, cascade: Cascade, day: dt.date) -> Terms | None:
        env = self.kernel.new_env()
        env.date, env.year = day, day.year
        return resolve(cascade, env)

    def terms_for(self, lowered: Lowered, code: int) -> Terms | None:
        """The terms of a cascade with conditions when the rules whose bit is set in `code` hold (and those
        without a condition): the kernel's resolution of just those rules. Raises what the kernel raises."""
        assert lowered.kernel_cascade is not None and lowered.day is not None
        rules = tuple(dataclasses.replace(rule, when=None) for j, rule in enumerate(lowered.kernel_cascade.rules)
                      if rule.when is None or code >> j & 1)
        return self.resolve_at(Cascade(rules, True), lowered.day)

    def route_gates(self, route: Route, epoch: int) -> tuple[tuple[tuple[pl.Expr, str], ...], frozenset[str]] | None:
        """The route's gates (those of its aid tiers) as tests, and the person attributes they read."""
        day = self.source_plan.epochs[epoch].day
        lowering = Lowering(self.symbols, lambda name: self.kernel.parameters.value(name, day), self._part.magnitude)
        try:
            gates = tuple((_test(lowering, g.test), g.clause) for _, g in route.gates)
        except (Unsupported, MissingParameter, ArithmeticError, ValueError):
            return None
        return gates, frozenset(lowering.person_reads)

    # ------------------------------------------------------------ settling
    def settle(self, claims: list[Claim], identities: list[Identity], persons: dict[str, Person] | None = None,
               errors: list[ClaimError] | None = None, insurance_only: bool = False) -> list[Result]:
        """As `runtime.PlanSettler.settle`: results in input order, data errors to `errors` (else the first is
        raised), the run stopped by a missing parameter or a payment above cost."""
        if insurance_only:  # monitoring lists: a month's insurance amounts, settled on the kernel
            return self.kernel.settle(claims, identities, persons, errors, insurance_only)
        results = self.settle_frame(claims_frame(claims), identities, persons, errors)
        return [make_result(row) for row in results.select(Result._fields).iter_rows()]

    def settle_frame(self, claims: pl.DataFrame, identities: list[Identity] | pl.DataFrame,
                     persons: dict[str, Person] | pl.DataFrame | None = None,
                     errors: list[ClaimError] | None = None, ordered: bool = True) -> pl.DataFrame:
        """`settle` on claims as columns (`io.columnar.CLAIM_SCHEMA`; identities and persons as records or as
        IDENTITY_SCHEMA's and PERSON_SCHEMA's columns): the results as columns, `i` (the claim's position in
        `claims`) and Result's fields, amounts in fen, in input order (rejected claims left out); `ordered`
        False leaves them in the order they were settled (a writer that orders them a chunk at a time need not
        hold a second copy of a year's results)."""
        with collector_paused():
            if isinstance(identities, list):
                identities = identities_frame(identities)
            if not isinstance(persons, pl.DataFrame):
                persons = persons_frame(list((persons or {}).values()))
            if self.kernel.parameters.given_dates():  # a `--param NAME@…` value changes inside an epoch
                records = claims_of_frame(claims)
                self.kernel_persons = len({c.person_id for c in records})
                aligned = self.kernel.settle_aligned(records, identities_of_frame(identities),
                                                     persons_of_frame(persons), errors)
                return results_frame([(i, r) for i, r in enumerate(aligned) if r is not None])
            # a year in parts of persons (a person's claims never split), two settling side by side: much of what
            # polars does runs on one core (a cumulative sum, a when-chain), and a part's Python work overlaps the
            # other's; a province's year in parts of about PART_CLAIMS, so that what a part needs while it settles
            # is held for two parts at a time
            parts = 1 if claims.height < SIDE_BY_SIDE_CLAIMS else max(2, -(-claims.height // PART_CLAIMS))

            inputs = engine_inputs(claims, self.claim_values)
            # the identities' person hash, made once: it parts them, and finds each one's person (`categories`)
            identities = identities.with_columns(hash=_person_hash(pl.col("person_id")))

            # in input order, each part's results put at their rows as the part is settled, beside the other
            # part's settling (numpy lets go of the interpreter lock), one part's at a time; a part's results
            # are then let go of (a part hands on no rows)
            in_input_order = RowsInOrder(claims.height, "i", keep=False) if ordered else None
            placing = threading.Lock()

            # each part's claims as their positions (the engine's frame gathers them, sorted, from every claim's
            # columns: no copy of the part before), its identities and persons too
            if parts > 1:
                claim_rows, identity_rows, person_rows = (
                    _part_rows(hashes, parts) for hashes in (inputs.frame["hash"], identities["hash"],
                                                             persons.select(_person_hash(pl.col("person_id")))[:, 0]))

            def part(k: int) -> tuple[pl.DataFrame, list[ClaimError], list[tuple[tuple, BaseException]], int]:
                if parts == 1:
                    outcome = self._settle(claims, inputs, None, identities, persons)
                else:
                    outcome = self._settle(claims, inputs, claim_rows[k], identities[identity_rows[k]],
                                           persons[person_rows[k]])
                if in_input_order is None:
                    return outcome
                with placing:
                    in_input_order.add(outcome[0])
                return (outcome[0].clear(), *outcome[1:])

            with ThreadPoolExecutor(max_workers=min(parts, 2)) as pool, _short_switches():
                outcomes = list(pool.map(part, range(parts)))  # (a part's rows gathered when its turn comes)
            self.kernel_persons = sum(persons_on_kernel for _, _, _, persons_on_kernel in outcomes)
            rejected = [error for _, part_rejected, _, _ in outcomes for error in part_rejected]
            stops = [stop for _, _, part_stops, _ in outcomes for stop in part_stops]
            if rejected:
                keys = _order_keys(claims.filter(pl.col("row").is_in([e.row for e in rejected])))
                rejected.sort(key=lambda e: keys[(e.claim_id, e.row)])
                if errors is None:  # the first rejected claim stops the run, unless something stopped it before
                    stops.append((keys[(rejected[0].claim_id, rejected[0].row)], rejected[0]))
            if stops:
                raise min(stops, key=lambda stop: stop[0])[1]
            if errors is not None:
                errors.extend(rejected)
            results = (in_input_order.frame() if in_input_order is not None
                       else pl.concat([results for results, _, _, _ in outcomes], rechunk=False))
            # the claims' ids, which the parts leave out (gathering text takes longer than numbers): in input
            # order the claims' own columns, unless some were rejected
            ids = claims.select("claim_id", "person_id")
            if not ordered or results.height != claims.height:
                ids = ids[results["i"]]
            return ids.hstack(results).select(list(RESULT_SCHEMA))

    def _settle(self, claims: pl.DataFrame, inputs: EngineInputs, rows: pl.Series | None, identities: pl.DataFrame,
                persons: pl.DataFrame) -> tuple[pl.DataFrame, list[ClaimError], list[tuple[tuple, BaseException]], int]:
        """One part's results (without the claims' `_IDS`), the claims it rejects, what would stop the run (with
        where in settlement order) and how many of its persons the kernel settled: the part is the claims at
        `rows` (all where None) of the run's `claims` and their `engine_inputs`."""
        one_by_one: list[tuple[int, Result]] = []  # (position, result) of claims settled claim by claim
        rejected: list[ClaimError] = []
        frame = self.checked_claims(claims, inputs, rows, one_by_one, rejected)
        self._part.magnitude = magnitude(frame, persons)
        stops: list[tuple[tuple, BaseException]] = []  # (settlement order, exception) of what stops the run
        frame = self.categories(frame, identities)
        # the persons holding several categories under 就高, where the first held need not pay the most, settle on
        # the kernel while polars settles the others: polars works without the interpreter lock, so on two cores
        # the two overlap
        highest = self.undecided_by_rank(frame, persons) if self.source_plan.highest else set()
        early: tuple[list[Any], list[Any], list[Any]] = ([], [], [])  # the kernel's results, rejects and stops
        with ThreadPoolExecutor(max_workers=1) as pool:
            kernel_done = pool.submit(self.settle_on_kernel, frame, highest, claims, identities, persons, *early)
            settled, to_kernel = self.settle_columns(_without(frame, pl.col("person_id").is_in(list(highest)))
                                                     if highest else frame,
                                                     claims, persons, stops)
            kernel_done.result()
        one_by_one += early[0]
        rejected += early[1]
        stops += early[2]
        if to_kernel:
            self.settle_on_kernel(frame, to_kernel, claims, identities, persons, one_by_one, rejected, stops)
        results = pl.concat([settled, results_frame(one_by_one).drop(*_IDS)]) if one_by_one else settled
        return results, rejected, stops, len(highest) + len(to_kernel)

    def checked_claims(self, claims: pl.DataFrame, inputs: EngineInputs, rows: pl.Series | None, one_by_one: list,
                       rejected: list[ClaimError]) -> pl.DataFrame:
        """The claims that settle (`inputs` at `rows`), as the engine's frame: the data errors rejected with the
        loop's own reasons (`Settler.claim_day`), the claims outside every period settled as such."""
        kernel, plan = self.kernel, self.source_plan
        frame = engine_frame(inputs, rows, plan.bounds)
        epochs = plan.epochs
        frame = frame.with_columns(**{flag: pl.col("epoch").is_in([i for i, e in enumerate(epochs) if getattr(e, flag)])
                                      for flag in ("in_force", "basic_on", "critical_on")})
        bad = (pl.col("visit").is_null() | (pl.col("admission") > pl.col("discharge"))
               | (pl.col("in_force") & pl.col("basic_paid").is_null() & ~pl.col("basic_on"))
               | (pl.col("in_force") & pl.col("critical_paid").is_null() & ~pl.col("critical_on")))
        frame = frame.with_columns(bad=bad)
        for claim in _claims_at(claims, _where(frame, pl.col("bad"), "i")).values():
            try:
                kernel.claim_day(claim)
            except ClaimError as error:
                rejected.append(error)
        frame = _without(frame, pl.col("bad"))
        one_by_one += [(i, kernel.not_in_force(claim, None))
                       for i, claim in _claims_at(claims, _where(frame, ~pl.col("in_force"), "i")).items()]
        return _without(frame, ~pl.col("in_force"))

    def settle_columns(self, frame: pl.DataFrame, claims: pl.DataFrame, persons: pl.DataFrame, stops: list
                       ) -> tuple[pl.DataFrame, set[str]]:
        """Settle in columns every person a window settles exactly: their results (`results_frame`'s columns but
        the claims' `_IDS`), and the others' ids (for the kernel)."""
        kernel = self.kernel
        to_kernel: set[str] = set()
        frame, lowers, reads = self.with_routes(frame)
        to_kernel |= set(_where(frame, pl.col("route").is_in([r for r, ok in enumerate(lowers) if not ok]),
                                "person_id").to_list())
        read = sorted(set().union(*reads))  # every route's: the gates' chain names all
        person_read = [attr for attr in read if attr not in CLAIM_GIVEN]
        if person_read:  # the person attributes as columns
            frame = _looked_up(frame, ["person_id"], person_columns(persons, person_read))
            if "age" in person_read:
                discharged = pl.col("discharge").cast(pl.Date)
                frame = frame.with_columns(p_age=_age(pl.col("p_birth_date"), discharged))
        if read:  # a person missing one a route reads: the kernel rejects the claim there
            to_kernel |= _lacking(frame, None, {attr: pl.col("route").is_in([r for r, names in enumerate(reads)
                                                                            if attr in names]) for attr in read})
        columnar = _without(frame, pl.col("person_id").is_in(list(to_kernel))) if to_kernel else frame
        settled, to_kernel_caps = self.pay(columnar)
        to_kernel |= to_kernel_caps
        # a claim that gives one insurance amount while the policy computes the other, the two above its cost, is
        # rejected and leaves no trace on the person's later claims (runtime.Settler.above_cost): the kernel's job
        mixes = pl.col("basic_paid").is_null() != pl.col("critical_paid").is_null()  # runtime.mixes_insurance
        to_kernel |= set(_where(settled, mixes & (pl.col("basic") + pl.col("critical") > pl.col("cost")),
                                "person_id").to_list())
        settled = _without(settled, pl.col("person_id").is_in(list(to_kernel))) if to_kernel else settled

        above = settled.filter(pl.col("self_pay") < 0)
        if above.height:  # the first in settlement order stops the run
            claims_above = _claims_at(claims, above["i"])
            first = min(above.iter_rows(named=True), key=lambda row: _order_key(claims_above[row["i"]]))
            claim = claims_above[first["i"]]
            stops.append((_order_key(claim), kernel.above_cost(claim, first["basic"], first["critical"], first["aid"],
                                                               first["tilted"], first["basis"])))
        names = pl.Series([kernel.names[identifier] for identifier in _category_of(kernel.order)], dtype=pl.Categorical)
        results = settled.select(
            "i", category=pl.lit(names).gather(pl.col("category_code")),
            basic_paid="basic", critical_paid="critical", aid_paid="aid", tilted_paid="tilted", self_pay="self_pay",
            status="status", basis="basis")
        return results.cast({name: RESULT_SCHEMA[name] for name in results.columns}), to_kernel

    def settle_on_kernel(self, frame: pl.DataFrame, to_kernel: set[str], claims: pl.DataFrame, identities, persons,
                         one_by_one: list, rejected: list[ClaimError], stops: list) -> None:
        """The persons no window settles exactly, claim by claim on the kernel; what stops it, with where."""
        if not to_kernel:
            return
        kernel = self.kernel
        theirs_only = pl.col("person_id").is_in(list(to_kernel))
        theirs = _claims_at(claims, _where(frame, theirs_only, "i"))
        chosen = sorted(theirs)
        their_identities, their_persons = identities_of_frame(identities.filter(theirs_only)), persons_of_frame(
            persons.filter(theirs_only))
        with self._kernel_lock:
            kernel.settling = None
            try:
                aligned = kernel.settle_aligned([theirs[i] for i in chosen], their_identities, their_persons, rejected)
            except Exception as error:  # noqa: BLE001 — whichever claim stops the run first in settlement order
                stops.append((_order_key(kernel.settling) if kernel.settling is not None else (), error))
                return
        one_by_one += [(i, result) for i, result in zip(chosen, aligned, strict=True) if result is not None]

    # ------------------------------------------------------------ identities and routes
    def categories(self, frame: pl.DataFrame, identities: pl.DataFrame) -> pl.DataFrame:
        """Each claim's category (`category_code`: 0 for none, else the first held in declared order), whether it
        holds several and which (`held_ranks`, `_rank_bit`; 0 where it holds one or none):
        the identities' days as `Settler.identity_index` gives them (a row naming no category of the policy
        ignored, an open end held for ever, a lost identity held to its month's end where the policy says so).
        The identities come with their person's `hash` (`_person_hash`)."""
        kernel = self.kernel
        # each row's category as its rank in declared order (a category's name or alias → the category → its rank)
        names = identities["category"].unique().drop_nulls().to_list()
        rank_of = {name: kernel.order[identifier] for name in names
                   if (identifier := kernel.category_id(name)) is not None}
        end = pl.col("end").dt.month_end() if kernel.month_end else pl.col("end")
        ids = identities.select(
            "person_id", "hash", start=pl.col("start").to_physical(), end=end.to_physical().fill_null(_LAST_DAY),
            # (replace_strict of no mapping leaves text, whatever its dtype says)
            rank=pl.col("category").replace_strict(rank_of, default=None, return_dtype=pl.Int32) if rank_of
            else pl.lit(None, pl.Int32)).drop_nulls("rank")
        first, last = pl.col("admission"), pl.col("discharge")
        if kernel.stay_days == "admission":
            last = pl.col("admission")
        elif kernel.stay_days == "discharge":
            first = pl.col("discharge")
        held_on_stay = (pl.col("start") <= last) & (pl.col("end") >= first)
        # most persons have one identity row: their claims' category is the row's, looked up by person number
        # (`pid`), where the stay meets its days; the claims of persons with several rows are joined with those
        # rows and grouped, a join of a year's claims taking several times as long. The identities find their
        # person number by a join on the hash of the id (half the time of a text join), the ids then compared:
        # two persons sharing a hash match only their own rows
        pids = frame.select("person_id", "pid").filter(_new_run(pl.col("pid")))
        ids = ids.join(
            pids.with_columns(hash=_person_hash(pl.col("person_id"))), on="hash", suffix="_of_pid"
        ).filter(pl.col("person_id") == pl.col("person_id_of_pid")).drop("hash", "person_id_of_pid")
        persons = int(frame["pid"].max()) + 1 if frame.height else 0  # type: ignore[arg-type]  # Int64's max
        person_of_row = ids["pid"].to_numpy()
        rows_held = np.bincount(person_of_row, minlength=persons)[person_of_row]  # each row's person's rows
        alone, together = ids.filter(pl.Series(rows_held == 1)), ids.filter(pl.Series(rows_held > 1))

        def by_person(rows: pl.DataFrame, column: str, fill: Any) -> pl.Expr:
            """Each claim's person's value of the column in `rows` (a row a person), `fill` for persons without."""
            values = placed(rows["pid"], rows[column], pl.repeat(fill, persons, dtype=rows[column].dtype, eager=True))
            return pl.lit(values).gather(pl.col("pid")).alias(column)

        alone_held = (by_person(alone, "start", _NEVER_HELD) <= last) & (by_person(alone, "end", 0) >= first)
        one = frame.select(category_code=pl.when(alone_held).then(by_person(alone, "rank", 0) + 1).otherwise(0),
                           together=by_person(together.select("pid", together=True).unique("pid"), "together", False))
        claims_together = frame.select("pid", "admission", "discharge", at=pl.int_range(pl.len(), dtype=pl.Int64)
                                       ).filter(one["together"])
        held = (claims_together.join(together, on="pid").filter(held_on_stay)
                .group_by("at").agg(first_rank=pl.col("rank").min(), several=pl.col("rank").n_unique() > 1,
                                    held_ranks=_rank_bit(pl.col("rank").unique(), len(kernel.order)).sum()))
        # put at each claim's place (a join would copy every column of the frame)
        return frame.with_columns(
            placed(held["at"], held["first_rank"] + 1, one["category_code"]).alias("category_code"),
            placed(held["at"], held["several"], pl.repeat(False, frame.height, eager=True)).alias("several"),
            placed(held["at"], held["held_ranks"], pl.repeat(0, frame.height, dtype=pl.Int64, eager=True)
                   ).alias("held_ranks"))

    def undecided_by_rank(self, frame: pl.DataFrame, persons: pl.DataFrame) -> set[str]:
        """The persons with a claim held under several categories where 就高 may choose another than the first
        held: every other person's 就高 chooses the first held on every claim (`first_pays_most`), which is the
        category the columns settle as. And the persons lacking a person attribute (persons.csv) that the route
        of another category they hold reads: 就高 settles the claim as each category held, and the kernel
        rejects it where that route reads the missing value."""
        # (the columns read here alone: a filter copies each column it keeps)
        several = frame.select("person_id", "held_ranks", "visit", "epoch",
                               *(name for name in CLAIM_GIVEN if name in frame.columns)).filter(frame["several"])
        if several.height == 0:
            return set()
        ids = {rank: identifier for identifier, rank in self.kernel.order.items()}
        undecided: list[tuple[int, str, int]] = []
        reading: dict[str, pl.Expr] = {}  # a person attribute → the claims whose other categories' routes read it
        # a year holds a few hundred sets of categories held, each pair of categories met again and again (and
        # compared once: first_pays_most remembers)
        for held, visit, epoch in several.select("held_ranks", "visit", "epoch").unique().iter_rows():
            categories = [ids[rank] for rank in range(len(ids)) if held >> rank & 1] if held else []
            others = [self.lowered_route(other, visit, epoch) for other in categories[1:]]
            if (not categories or not all(other.lowers for other in others)
                    or not all(self.first_pays_most(categories[0], other, visit, epoch) for other in categories[1:])):
                undecided.append((held, visit, epoch))
                continue
            read = set().union(*(other.reads for other in others))
            if read:
                these = (pl.col("held_ranks") == held) & (pl.col("visit") == visit) & (pl.col("epoch") == epoch)
                for attr in read:
                    reading[attr] = reading[attr] | these if attr in reading else these
        lacking = _lacking(several, persons, reading)
        if not undecided:
            return lacking
        which = pl.DataFrame(undecided, schema={"held_ranks": pl.Int64, "visit": _VISIT, "epoch": _EPOCH},
                             orient="row")
        return lacking | set(several.join(which, on=["held_ranks", "visit", "epoch"], how="semi")["person_id"])

    def first_pays_most(self, first: str, other: str, visit: str, epoch: int) -> bool:
        """`_first_pays_most`, remembered for the part's magnitude."""
        return self._for_magnitude(self._first_pays_most, (first, other, visit, epoch), first, other, visit, epoch)

    def _first_pays_most(self, first: str, other: str, visit: str, epoch: int) -> bool:
        """Whether a claim settled as `first` pays at least what it would as `other`, whatever the person's
        ledgers hold — so that 就高, ties going to the first held, always chooses `first`.

        Sufficient, and checked step by step: the two routes run the same tiers (the same pools, ledger slots,
        conditions and gates, nothing per claim in `first`'s rules), each step's base is what the kinds before it
        left of the cost (`_DEFAULT_BASES`), and on each step `first`'s terms are no worse than any `other` may
        get (each set of its rules with conditions that may hold): a deductible or threshold no higher (of the
        year both, or of the claim both), a ratio no lower and within 0–100%, a cap no lower (a negative ratio
        would pay less on a larger base). Then on the same ledgers each kind pays `first` at least as much out of
        the same base; a payment p(b) of a base b grows by at most what b grows (ratio ≤ 100%, rounded half-up
        once), so what is left for the next kind, b − p(b), is no more for `first` — and in the end `first`
        leaves the least unpaid: it pays the most. A kind `other` has no step of, or whose last step gives
        `other` no ratio, pays `other` nothing of it: `first` then needs only to pay none of it below zero.

        The same conditions and gates test the same values for both — unless they read what the claim has been
        paid so far (an amount paid, 年度累计自付), which earlier kinds may pay each category differently: then
        only when no earlier kind has a step."""
        route, other_route = (self.source_plan.routes[(c, visit, epoch)] for c in (first, other))
        kernel_routes = [self.kernel.plan.routes[(c, visit, epoch)] for c in (first, other)]
        if route.aid_uncovered != other_route.aid_uncovered or ([(s.tier, g) for s, g in route.gates]
                                                                != [(s.tier, g) for s, g in other_route.gates]):
            return False
        insured = any(getattr(r, kind) for r in (route, other_route) for kind in ("basic", "critical"))
        gates = self.route_gates(route, epoch)
        if gates is None or (insured and any(_reads_paid(test) for test, _ in gates[0])):
            return False
        for index, kind in enumerate(KINDS):
            paid_before = any(getattr(r, k) for r in (route, other_route) for k in KINDS[:index])
            line = "threshold" if kind == "tilted" else "deductible"
            steps = (getattr(route, kind), getattr(other_route, kind), *(getattr(r, kind) for r in kernel_routes))
            if not steps[1] and steps[0]:  # `other` has no step of the kind: it pays nothing of it
                if not self._pays_nothing_or_more(steps[0], steps[2], epoch, kind):
                    return False
                continue
            if len({len(s) for s in steps}) != 1:
                return False
            for number, (mine, theirs, my_kernel, their_kernel) in enumerate(zip(*steps, strict=True)):
                if (mine.tier is not theirs.tier or mine.pool != theirs.pool or mine.base is not theirs.base
                        or mine.conditions != theirs.conditions or mine.gates != theirs.gates or mine.split_line
                        or (mine.deductible_slot, mine.cap_slot) != (theirs.deductible_slot, theirs.cap_slot)):
                    return False
                lowered, other_lowered = self.lowered(mine, my_kernel, epoch), self.lowered(theirs, their_kernel, epoch)
                if (lowered is None or other_lowered is None or lowered.whens is not None
                        or not lowered.base.meta.eq(_DEFAULT_BASES[kind])
                        or (paid_before and any(map(_reads_paid, (*lowered.conditions,
                                                                  *(test for test, _ in lowered.gates)))))):
                    return False
                a = lowered.terms
                others = self._possible_terms(other_lowered)
                if others is None:
                    return False
                for b in others:
                    if a is None or b is None:  # no ratio: the step does not apply, and the claim tries the next
                        # `other` with no next step of the kind pays nothing of it: less than `first` (0 – 100%)
                        if a is b or (b is None and number == len(steps[0]) - 1 and _within_cost(a)):
                            continue
                        return False
                    if ((line in a.per_claim) != (line in b.per_claim) or getattr(a, line) > getattr(b, line)
                            or a.num * b.den < b.num * a.den or a.num > a.den or b.num < 0
                            or (a.cap is not None and (b.cap is None or a.cap < b.cap))):
                        return False
        return True

    def _pays_nothing_or_more(self, steps: tuple[Step, ...], kernel_steps: tuple[Step, ...], epoch: int,
                              kind: str) -> bool:
        """Whether a kind's steps pay at least nothing, never a negative amount, and never stop the claim (no
        gate, whose failure would leave the later kinds unpaid): each lowers with the default base and every
        terms it may give have a ratio of 0 – 100%."""
        for step, kernel_step in zip(steps, kernel_steps, strict=True):
            lowered = self.lowered(step, kernel_step, epoch)
            if (lowered is None or lowered.gates or step.split_line
                    or not lowered.base.meta.eq(_DEFAULT_BASES[kind])):
                return False
            possible = self._possible_terms(lowered)
            if possible is None or not all(t is None or _within_cost(t) for t in possible):
                return False
        return True

    def _possible_terms(self, lowered: Lowered) -> list[Terms | None] | None:
        """Every terms a step may give a claim: its own, or — a cascade whose rules have conditions — those of each
        set of its rules that may hold (None when there are too many sets to try, or the kernel would raise)."""
        if lowered.whens is None:
            return [lowered.terms]
        if len(lowered.whens) > _RULES_TRIED:
            return None
        try:
            return [self.terms_for(lowered, code) for code in range(1 << len(lowered.whens))]
        except Exception:  # noqa: BLE001 — the kernel raises it where a claim reaches it
            return None

    def lowered_route(self, category: str, visit: str, epoch: int) -> LoweredRoute:
        """The route of (category, visit type, epoch) in columns: its steps, each lowered (or None), its gates and
        the person attributes they all read — remembered for the part's magnitude."""
        return self._for_magnitude(self._lowered_route, (category, visit, epoch), category, visit, epoch)

    def _lowered_route(self, category: str, visit: str, epoch: int) -> LoweredRoute:
        route = self.source_plan.routes[(category, visit, epoch)]
        kernel_route = self.kernel.plan.routes[(category, visit, epoch)]
        steps = []
        for kind in KINDS:
            for step, kernel_step in zip(getattr(route, kind), getattr(kernel_route, kind), strict=True):
                steps.append((kind, step, self.lowered(step, kernel_step, epoch)))
        found = self.route_gates(route, epoch)
        gates, gate_reads = found if found is not None else (None, frozenset())
        lowers = gates is not None and all(lowered is not None for _, _, lowered in steps)
        reads = gate_reads.union(*(lw.person_reads for _, _, lw in steps if lw is not None))
        return LoweredRoute(route, kernel_route, steps, gates, reads, lowers)

    def with_routes(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[bool], list[set[str]]]:
        """The claims with their route's number (`route`; a route per category, visit type and epoch the claims
        meet), and per route whether it lowers and the person attributes its steps and gates read."""
        category_of = _category_of(self.kernel.order)
        visit_of = _VISITS
        epochs = len(self.source_plan.epochs)
        frame = frame.with_columns(route=(pl.col("category_code") * len(visit_of) + pl.col("visit_code")) * epochs
                                   + pl.col("epoch"))
        self._part.routes = []
        lowers: list[bool] = []
        reads: list[set[str]] = []
        numbers = {}
        keys = len(category_of) * len(visit_of) * epochs
        # the route numbers the claims meet: each claim's counted in an array (a hash of each takes longer)
        met = np.bincount(frame["route"].to_numpy(), minlength=keys) if frame.height else np.zeros(keys)
        for number in np.flatnonzero(met).tolist():
            epoch = number % epochs
            category, visit = category_of[number // epochs // len(visit_of)], visit_of[number // epochs % len(visit_of)]
            found = self.lowered_route(category, visit, epoch)
            numbers[number] = len(self._part.routes)
            self._part.routes.append((found.route, found.kernel_route, epoch, [found.steps, found.gates]))
            lowers.append(found.lowers)
            reads.append(set(found.reads))
        return frame.with_columns(route=_mapped(pl.col("route"), numbers, keys)), lowers, reads

    # ------------------------------------------------------------ paying, kind by kind
    def pay(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, set[str]]:
        """The settled claims (in settlement order) with their amounts, status and basis; and the persons whose
        cap changes within a year (the kernel settles them)."""
        plan = self.source_plan
        # in settlement order (the engine's frame's: every step since has filtered rows or added columns, none
        # reordered them), each row knowing where its person's year begins (the running sums' windows)
        frame = frame.with_columns(
            basic=pl.col("basic_paid").fill_null(0), critical=pl.col("critical_paid").fill_null(0),
            aid=pl.lit(0, dtype=pl.Int64), tilted=pl.lit(0, dtype=pl.Int64), status=_status("ok"),
            **{YEAR_START: year_starts()})
        clause_columns: list[ClauseColumn] = []
        changing_caps: set[str] = set()
        for kind in KINDS:
            if kind == "aid":
                frame = self.aid_gates(frame, plan.has_aid_tiers, clause_columns)
            given = {"basic": "basic_paid", "critical": "critical_paid"}.get(kind)
            # insurance is computed whatever the status (a failed gate of basic still leaves critical to pay)
            active = pl.col(given).is_null() if given is not None else pl.col("status") == "ok"
            frame, changing = self.pay_kind(frame, kind, active, clause_columns)
            changing_caps |= changing
        if self.kernel.identity_clause:
            frame = frame.with_columns(identity_clause=pl.col("several").cast(pl.Int64))
            clause_columns.append(("identity_clause", ((), (self.kernel.identity_clause,))))
        frame = frame.with_columns(
            self_pay=pl.col("cost") - pl.col("basic") - pl.col("critical") - pl.col("aid") - pl.col("tilted"),
            basis=_basis(frame, clause_columns))
        return frame, changing_caps

    def aid_gates(self, frame: pl.DataFrame, has_aid_tiers: bool, clause_columns: list[ClauseColumn]
                  ) -> pl.DataFrame:
        """Before any aid: no category held, a visit type no aid tier covers, a failed `否则 不予救助`."""
        if not has_aid_tiers:
            return frame.with_columns(status=pl.col("status"))
        status: Any = pl.when(pl.col("status") != "ok").then(pl.col("status"))  # a when-chain, link by link
        status = status.when(pl.col("category_code") == 0).then(_status("no_category"))
        uncovered = [r for r, (route, _, _, _) in enumerate(self._part.routes) if route.aid_uncovered]
        status = status.when(pl.col("route").is_in(uncovered)).then(_status("not_covered"))
        reached = (pl.col("status") == "ok") & (pl.col("category_code") != 0) & ~pl.col("route").is_in(uncovered)
        clause: Any = pl.when(~reached).then(pl.lit(0))  # a when-chain: the first gate that fails gives the clause
        texts: dict[str, int] = {}  # a gate's clause → its code (1, 2, …; 0: none)
        for r, (_, _, _, (_, gates)) in enumerate(self._part.routes):
            for test, text in gates or ():
                failed = (pl.col("route") == r) & ~test
                status = status.when(failed).then(_status("not_covered"))
                clause = clause.when(failed).then(pl.lit(texts.setdefault(text, len(texts) + 1)))
        frame = frame.with_columns(gate_clause=clause.otherwise(pl.lit(0)), status=status.otherwise(_status("ok")))
        clause_columns.append(("gate_clause", ((), *(_gate_clause(text) for text in texts))))
        return frame

    def pay_kind(self, frame: pl.DataFrame, kind: str, active: pl.Expr, clause_columns: list[ClauseColumn]
                 ) -> tuple[pl.DataFrame, set[str]]:
        """One kind: the step each claim meets (or none), its payment on the windows of its ledgers."""
        steps: list[tuple[int, Step, Lowered]] = []  # (route, step, lowered) in the order they are tried
        for r, (_, _, _, (route_steps, _)) in enumerate(self._part.routes):
            steps += [(r, step, lowered) for k, step, lowered in route_steps if k == kind and lowered is not None]
        if not steps:
            return frame, set()
        # one when-chain, in the order the loop tries them: per route its steps, each its gates (a failed one: the
        # claim is not covered, -1 - the gate's number) then whether it applies (its number); the first true wins
        # a cascade with conditions: which of its rules hold, as a number (bit j: rule j), and its terms per number
        resolved: dict[tuple[int, int], Terms] = {}  # (step number, code) → terms with a ratio
        changing: set[str] = set()
        # the tests of rules, conditions and gates, each distinct one a column made once: steps of several tiers
        # and categories share most (a ledger's running sum, a disease in a catalogue)
        tests = _Tests()
        codes = {}
        for number, (_, _, lowered) in enumerate(steps):
            if lowered.whens is not None:
                code = pl.lit(0, dtype=pl.Int64)
                for j, when in enumerate(lowered.whens):
                    if when is not None:
                        code = code + pl.when(tests.column(when)).then(pl.lit(1 << j, dtype=pl.Int64)).otherwise(0)
                codes[f"code_{number}"] = code
        frame = tests.made(frame).with_columns(**codes)
        for number, (r, _, lowered) in enumerate(steps):
            if lowered.whens is None:
                continue
            on_route = frame.select("person_id", f"code_{number}").filter(frame["route"] == r)
            for value in on_route[f"code_{number}"].unique().to_list():
                try:
                    found = self.terms_for(lowered, value)
                except Exception:  # noqa: BLE001 — the kernel raises it, at the claim that reaches it
                    changing |= set(on_route.filter(pl.col(f"code_{number}") == value)["person_id"].to_list())
                    continue
                if found is not None and not self.terms_fit(lowered.base_bound, found):  # the kernel's job
                    changing |= set(on_route.filter(pl.col(f"code_{number}") == value)["person_id"].to_list())
                elif found is not None:
                    resolved[(number, value)] = found
        links: list[tuple[int, pl.Expr, int]] = []  # (route, test, pick) in the order they are tried
        gate_texts: list[str] = []
        for number, (r, _, lowered) in enumerate(steps):
            for test, text in lowered.gates:
                gate_texts.append(text)
                if _known(test) is not True:  # a gate that always holds never fails
                    links.append((r, _TRUE if _known(test) is False else ~tests.column(test), -len(gate_texts)))
            if not lowered.may_apply:
                continue  # no ratio for the category: the tier does not apply (its gates were still checked)
            applies = pl.lit(True)
            for test in lowered.conditions:
                test = test if _known(test) is not None else tests.column(test)
                applies = test if _known(applies) is True else applies & test
            if lowered.whens is not None:  # the rules that hold give a ratio
                applies = applies & pl.col(f"code_{number}").is_in([c for (k, c) in resolved if k == number])
            links.append((r, applies, number))
        pick = pl.when(~active).then(pl.lit(None, dtype=pl.Int64)).otherwise(_first_link(links, len(self._part.routes)))
        may_gate = any(value < 0 for _, _, value in links)
        if may_gate:
            frame = tests.made(frame).with_columns(pick=pick).with_columns(
                step=pl.when(pl.col("pick") >= 0).then(pl.col("pick")), gated=pl.col("pick").fill_null(0) < 0,
                gate_clause_k=pl.when(pl.col("pick") < 0).then(-pl.col("pick")).otherwise(0))
        else:  # no gate that may fail: the link picked is the step, and no claim has a gate's clause (a constant)
            frame = tests.made(frame).with_columns(step=pick, gate_clause_k=pl.lit(0, pl.Int64))

        def per_step(value, dtype) -> pl.Expr:
            # one branch per distinct expression (most steps share the default base), for the steps that have it
            branches: list[tuple[pl.Expr, list[int]]] = []
            for number, (_, step, lowered) in enumerate(steps):
                if lowered.may_apply:  # a step without a ratio is never the one that pays
                    expr = value(step, lowered)
                    same = next((b for b in branches if b[0].meta.eq(expr)), None)
                    if same is None:
                        branches.append((expr, [number]))
                    else:
                        same[1].append(number)
            if not branches:
                return pl.lit(None, dtype=dtype)
            # a claim's step is always one that may apply: the last branch is every step the others are not
            chain = branches[-1][0]
            for expr, numbers in reversed(branches[:-1]):
                chain = pl.when(pl.col("step").is_in(numbers)).then(expr).otherwise(chain)
            return pl.when(pl.col("step").is_not_null()).then(chain)

        line = "threshold" if kind == "tilted" else "deductible"
        # the steps' constants as a small table joined on the step (the base is an expression: a when-chain)
        terms_of = [(number, 0, s, lw.terms) for number, (_, s, lw) in enumerate(steps) if lw.terms is not None]
        terms_of += [(number, code, steps[number][1], terms) for (number, code), terms in resolved.items()]
        # `cited` numbers the clauses the terms cite (from 1; 0: none), all a claim's basis needs of them: the
        # steps citing the same share one number (most: every step of a kind)
        citations = list(dict.fromkeys(terms.clauses for _, _, _, terms in terms_of))
        # the ratios over one denominator where the products still fit (85%, 70% and 100% as 17, 14 and 20 of 20):
        # the same value, so the same rounding; the denominator then is one all share, a literal
        common = math.lcm(*(terms.den for _, _, _, terms in terms_of)) if terms_of else 1
        if not all(self.terms_fit(steps[number][2].base_bound, dataclasses.replace(
                terms, num=terms.num * (common // terms.den), den=common)) for number, _, _, terms in terms_of):
            common = 0  # (each ratio over its own)
        table = _narrowed(pl.DataFrame(
            [(number, code, s.deductible_slot, s.cap_slot, getattr(terms, line), line in terms.per_claim,
              *((terms.num * (common // terms.den), common) if common else (terms.num, terms.den)),
              _NO_CAP if terms.cap is None else terms.cap, terms.cap is not None,
              1 + citations.index(terms.clauses)) for number, code, s, terms in terms_of],
            schema={"step": pl.Int64, "code": pl.Int64, "dslot": pl.Int64, "cslot": pl.Int64, "line": pl.Int64,
                    "per_claim": pl.Boolean, "num": pl.Int64, "den": pl.Int64, "cap": pl.Int64, "has_cap": pl.Boolean,
                    "cited": pl.Int64}, orient="row"))
        rule_clauses = ((), *citations)  # by `cited`
        dynamic = [number for number, (_, _, lw) in enumerate(steps) if lw.whens is not None]
        code = pl.coalesce([pl.when(pl.col("step") == k).then(pl.col(f"code_{k}")) for k in dynamic]
                           + [pl.lit(0, dtype=pl.Int64)]) if dynamic else pl.lit(0, dtype=pl.Int64)
        frame = frame.with_columns(base=pl.max_horizontal(per_step(lambda s, lw: lw.base, pl.Int64), pl.lit(0)),
                                   code=code)
        frame = _with_terms(frame, table, max((len(steps[k][2].whens or ()) for k in dynamic), default=0),
                            _NO_TERMS)

        def term(name: str) -> pl.Expr:  # a term all the kind's terms share as a literal (polars divides by one faster)
            values = table[name]
            return pl.lit(values[0]) if values.n_unique() == 1 else pl.col(name)

        # the windows a kind's terms need: none for lines that are all 0, caps that are all absent, or one cap per slot
        slots = self.source_plan.slots
        counted = pl.col("base")
        if (table["line"] != 0).any():
            frame = _with_ledger_sums(frame, "through", pl.col("base"), "dslot", table)
            # the year's bases through this claim, and before it
            after, before = pl.col("through") - term("line"), pl.col("through") - pl.col("base") - term("line")
            yearly = pl.max_horizontal(after, pl.lit(0)) - pl.max_horizontal(before, pl.lit(0))
            per_claim = pl.max_horizontal(pl.col("base") - term("line"), pl.lit(0))
            # no line, a line of the claim, a line of the year — in that order, each claim by its own terms: the
            # when-chain holds only the ways the kind's terms have (most kinds: one, and then no when at all)
            lined, of_claim = table["line"] != 0, table["per_claim"]
            ways = [way for way, present in (((pl.col("line") == 0, pl.col("base")), (~lined).any()),
                                             ((pl.col("per_claim"), per_claim), (lined & of_claim).any()),
                                             ((_TRUE, yearly), (lined & ~of_claim).any())) if present]
            counted = ways[-1][1]
            for test, value in reversed(ways[:-1]):
                counted = pl.when(test).then(value).otherwise(counted)
        # (a claim without a step has a base of 0, so its counted amount and product are 0: no test needed)
        frame = frame.with_columns(raw=(2 * counted * term("num") + term("den")) // (2 * term("den")))
        one_cap_per_slot = table.group_by("cslot").agg(pl.col("cap").n_unique() == 1)["cap"].all()  # _NO_CAP too
        if not one_cap_per_slot:  # the persons with a ledger whose cap changes within the year
            caps = frame.select("person_id", "cap", ledger=_ledger("cslot", slots)).filter(
                frame["step"].is_not_null()).group_by("ledger").agg(
                pl.col("person_id").first(), changes=pl.col("cap").n_unique() > 1)
            changing |= set(caps.filter(pl.col("changes"))["person_id"].to_list())
        frame = (_with_ledger_sums(frame, "total", pl.col("raw"), "cslot", table)
                 if table["has_cap"].any() else frame.with_columns(total=pl.col("raw")))
        capped = (pl.min_horizontal(pl.col("total"), term("cap"))
                  - pl.min_horizontal(pl.col("total") - pl.col("raw"), term("cap")))
        if table["has_cap"].all():  # (the kind's terms all with a cap, or all without: no test per claim)
            paid = capped
        elif table["has_cap"].any():
            paid = pl.when(pl.col("has_cap")).then(capped).otherwise(pl.col("raw"))
        else:
            paid = pl.col("raw")
        frame = frame.with_columns(pl.when(pl.col("step").is_not_null()).then(paid).otherwise(pl.col(kind)).alias(kind))
        shows = pl.col(kind) > 0 if kind == "tilted" else pl.col("base") > 0  # (a claim with a step: its payment)
        clause = pl.when(pl.col("step").is_not_null() & shows).then(pl.col("cited")).otherwise(pl.lit(0))
        clause_column, gate_column = f"clauses_{kind}", f"gate_{kind}"
        frame = frame.with_columns(**{clause_column: clause, gate_column: pl.col("gate_clause_k")}, **(
            {"status": pl.when(pl.col("gated")).then(_status("not_covered")).otherwise(pl.col("status"))}
            if may_gate else {}))
        clause_columns += [(clause_column, rule_clauses), (gate_column, ((), *map(_gate_clause, gate_texts)))]
        scratch = (*tests.names, "pick", "code", *(f"code_{k}" for k in dynamic), "step", "gated", "gate_clause_k",
                   "base", "dslot", "cslot", "line", "per_claim", "num", "den", "cap", "has_cap", "cited",
                   "raw", "total", "through")
        return frame.drop(*scratch, strict=False), changing


@contextlib.contextmanager
def _short_switches() -> Iterator[None]:
    """While the kernel thread settles, the columns' thread hands polars a query at a time and needs the
    interpreter lock between two: with Python's 5 ms switch interval it waits most of it each time (about a
    tenth of a 1,000,000-claim run); 0.5 ms costs the kernel little."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, 0.0005))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _rank_bit(ranks: pl.Expr, categories: int) -> pl.Expr:
    """A category's bit in `held_ranks` (the categories held, as the sum of 2**rank of each, ranks in declared
    order); 0 — none known — when a policy has more than 62 categories (then every claim that holds several is
    the kernel's)."""
    if categories > 62:
        return pl.lit(0, dtype=pl.Int64)
    return pl.lit(2, dtype=pl.Int64).pow(ranks)


def _first_link(links: list[tuple[int, pl.Expr, int]], routes: int) -> pl.Expr:
    """The value of the first link of its route (the `route` column, below `routes`) whose test holds, or missing.
    Routes whose links test the same things in the same order (most: the same conditions, or none) share one
    when-chain whose values are looked up by route; a constant test is decided here, not claim by claim."""
    groups: list[tuple[list[pl.Expr], dict[int, list[int]]]] = []  # (tests, route → the value of each test)
    for route, route_links in itertools.groupby(links, key=lambda link: link[0]):
        tests: list[pl.Expr] = []
        values: list[int] = []
        for _, test, value in route_links:
            known = _known(test)
            if known is not False:
                tests.append(test)
                values.append(value)
            if known is True:
                break
        same = next((g for g in groups if len(g[0]) == len(tests)
                     and all(a.meta.eq(b) for a, b in zip(g[0], tests, strict=True))), None)
        if same is None:
            groups.append((tests, {route: values}))
        else:
            same[1][route] = values
    chains = []
    for tests, values_of in groups:
        chain: Any = None
        for k, test in enumerate(tests):
            looked_up = _mapped(pl.col("route"), {r: v[k] for r, v in values_of.items()}, routes)
            if chain is None and _known(test) is True:  # the first link always holds: its value, no when
                chain = looked_up
                break
            chain = (pl.when if chain is None else chain.when)(test).then(looked_up)
        if chain is not None:
            chains.append((list(values_of), chain if tests and _known(tests[0]) is True
                           else chain.otherwise(pl.lit(None, dtype=pl.Int64))))
    if len(chains) == 1:  # the other routes have no links: the lookups give their claims nothing
        return chains[0][1]
    picked: Any = None
    for members, chain in chains:
        picked = (pl.when if picked is None else picked.when)(pl.col("route").is_in(members)).then(chain)
    return pl.lit(None, dtype=pl.Int64) if picked is None else picked.otherwise(pl.lit(None, dtype=pl.Int64))


def _with_terms(frame: pl.DataFrame, table: pl.DataFrame, code_bits: int, none: dict[str, Any] | None = None
                ) -> pl.DataFrame:
    """The frame with the columns of its terms: the row of `table` of each claim's (step, code), where none the
    values of `none` (else missing) — but for a term all the table's rows share, which every row has (the claims
    without terms never read theirs). The pair is looked up as one integer (step · 2**code_bits + code: a code has
    a bit per rule) and the row's values gathered — a join on the two columns hashes a year's rows and copies the
    frame."""
    steps: int = table["step"].max() or 0  # type: ignore[assignment]  # the max of an Int64 column
    terms = table.drop("step", "code")
    # a term every row of the table shares (most: the denominator, whether the cap is per claim …) is a constant
    # column, one value however many rows (polars broadcasts it where it is read), not gathered
    shared = [name for name in terms.columns if terms[name].null_count() == 0 and terms[name].n_unique() == 1]
    constants = [pl.lit(terms[name][0], dtype=terms[name].dtype).alias(name) for name in shared]
    if len(shared) == len(terms.columns):  # (nothing to look up)
        return frame.with_columns(constants)
    if (steps + 1) << code_bits >= 1 << 62:
        joined = frame.join(table.drop(shared), on=["step", "code"], how="left", maintain_order="left")
        return joined.with_columns(*(pl.col(name).fill_null(value) for name, value in (none or {}).items()
                                     if name not in shared), *constants).select(*frame.columns, *terms.columns)
    # the table's rows from 1 on, row 0 `none`'s: the rows of claims without terms (a gather by positions none of
    # which is missing takes half the time, and of values none of which is missing a quarter)
    pairs = table.select("step", "code").iter_rows()
    row_of = {(step << code_bits) + code: row for row, (step, code) in enumerate(pairs, start=1)}
    keys_below = (steps + 1) << code_bits
    key = (pl.col("step") * (1 << code_bits) + pl.col("code") if code_bits else pl.col("step")
           ).fill_null(keys_below)  # no step: no key mapped
    at = frame.select(_mapped(key, row_of, keys_below + 1, missing=0))[:, 0]
    padding = terms.clear(1) if none is None else pl.DataFrame([{name: none[name] for name in terms.columns}],
                                                                 schema=terms.schema)
    gathered = pl.concat([padding, terms], rechunk=True).drop(shared).gather(at)  # its columns in parallel
    return frame.hstack(gathered.get_columns()).with_columns(constants).select(*frame.columns, *terms.columns)


def _narrowed(table: pl.DataFrame) -> pl.DataFrame:
    """A kind's terms with the ledger slots and the clauses cited — and the lines and caps, where each fits — as 32-bit
    integers: a year's claims gather them, in half the bytes. (Every use of them adds them to, subtracts them
    from or compares them with a 64-bit column, so no sum of them is 32-bit.)"""
    fits_32 = [name for name in ("line", "cap") if table[name].is_between(-(2 ** 31), 2 ** 31 - 1).all()]
    return table.with_columns(pl.col("dslot", "cslot", "cited", *fits_32).cast(pl.Int32))


def _with_ledger_sums(frame: pl.DataFrame, name: str, value: pl.Expr, slot: str, table: pl.DataFrame
                      ) -> pl.DataFrame:
    """`columns.with_ledger_sum` of a kind's ledger slot (`table`: its terms): where every step has the one slot,
    the slot a constant column (`_with_terms`), every claim's ledger is its person's year (`running_sum`)."""
    slots = table[slot].unique()
    if slots.len() == 1:  # (the cumulative sum a column first: an expression reading it twice makes it twice)
        frame = frame.with_columns(value.fill_null(0).cum_sum().alias(name))
        return frame.with_columns(running_sum(value, pl.col(name)).alias(name))
    return with_ledger_sum(frame, name, value, slot, slots)


def _mapped(keys: pl.Expr, mapping: dict[int, int], keys_below: int, missing: int | None = None) -> pl.Expr:
    """The value `mapping` gives each key (an integer from 0 to `keys_below`; `missing` where it gives none). Up
    to _DENSE_KEYS keys have their values put in an array, gathered by key: a hash lookup per row takes longer."""
    if keys_below <= _DENSE_KEYS:
        return pl.lit(pl.Series([mapping.get(k, missing) for k in range(keys_below)], dtype=pl.Int64)).gather(keys)
    return keys.replace_strict(mapping, default=missing, return_dtype=pl.Int64)


def _category_of(order: dict[str, int]) -> list[str]:
    """The category identifiers by their number (`category_code`): none (""), then each by its rank + 1."""
    return ["", *sorted(order, key=order.__getitem__)]


def _reads_paid(test: pl.Expr) -> bool:
    """Whether a test reads what the claim has been paid so far (columns.COLUMNS' basic, critical, aid: an amount
    paid, or 年度累计自付, which counts this claim's insurance)."""
    return not {"basic", "critical", "aid", "tilted"}.isdisjoint(test.meta.root_names())


def _within_cost(terms: Terms | None) -> bool:
    """Whether terms pay a share of their base from nothing to all of it (a ratio of 0 – 100%)."""
    return terms is not None and 0 <= terms.num <= terms.den


_RULES_TRIED = 6  # a cascade with up to this many rules has each set of them tried by `first_pays_most`
# the terms of a claim without a step (every use of them is for claims with one): values, so that no column of
# terms has a missing value (a gather of such a column takes four times as long); the slots -1 are no ledger's
_NO_CAP = -1  # the cap of terms without one (`has_cap` false), never a cap's amount
_NO_TERMS = {"dslot": -1, "cslot": -1, "line": 0, "per_claim": False, "num": 0, "den": 1, "cap": _NO_CAP,
             "has_cap": False, "cited": 0}
_DENSE_KEYS = 1 << 16  # keys of terms looked up by their place in an array, up to this many


def _lacking(frame: pl.DataFrame, persons: pl.DataFrame | None, reading: dict[str, pl.Expr]) -> set[str]:
    """The persons of the claims that read a person attribute (`reading`: the attribute → which claims read it)
    their persons.csv row does not give — no row, or an empty value where the attribute is not one an empty cell
    gives (EMPTY_IS_NONE) —, or a value the claim must give (CLAIM_GIVEN) that it does not. The attributes are the
    frame's `p_` columns, or looked up in `persons` first."""
    if not reading:
        return set()
    given = [attr for attr in reading if attr in CLAIM_GIVEN]
    if persons is not None:
        flags = [reading[attr].alias(f"reads_{attr}") for attr in reading]
        frame = _looked_up(frame.select("person_id", *given, *flags), ["person_id"],
                           person_columns(persons, sorted(set(reading) - set(given))))
        reading = {attr: pl.col(f"reads_{attr}") for attr in reading}
    missing = pl.lit(False)
    for attr, reads in reading.items():
        column = pl.col("p_birth_date" if attr == "age" else PERSON_PREFIX + attr)
        unknown = (pl.col(attr).is_null() if attr in given else
                   pl.col("p_known").is_null() | (column.is_null() if attr not in EMPTY_IS_NONE else False))
        missing = missing | (reads & unknown)
    return set(_where(frame, missing, "person_id").to_list())


def _looked_up(frame: pl.DataFrame, keys: list[str], table: pl.DataFrame) -> pl.DataFrame:
    """The frame with the columns of the row of `table` (its keys unique) that matches each row's `keys`, null
    where none does: a left join of the key columns alone, whose columns are set beside the frame's (a join of
    the whole frame would copy each of its columns)."""
    found = frame.select(keys).join(table, on=keys, how="left", maintain_order="left", validate="m:1")
    return frame.hstack(found.drop(keys).get_columns())


class _Tests:
    """Boolean columns of distinct tests: `column` names a test's column (the same test, the same column), `made`
    adds those not made yet to a frame, all in one pass."""

    def __init__(self) -> None:
        self.tests: list[pl.Expr] = []
        self.done = 0

    @property
    def names(self) -> list[str]:
        return [f"test_{k}" for k in range(len(self.tests))]

    def column(self, test: pl.Expr) -> pl.Expr:
        k = next((k for k, known in enumerate(self.tests) if known.meta.eq(test)), None)
        if k is None:
            k = len(self.tests)
            self.tests.append(test)
        return pl.col(f"test_{k}")

    def made(self, frame: pl.DataFrame) -> pl.DataFrame:
        new = {f"test_{k}": test for k, test in enumerate(self.tests) if k >= self.done}
        self.done = len(self.tests)
        return frame.with_columns(**new) if new else frame


def _known(test: pl.Expr) -> bool | None:
    """A test's value when it is a constant (`条件 是`, a step without conditions), else None."""
    return True if test.meta.eq(_TRUE) else False if test.meta.eq(_FALSE) else None


_TRUE, _FALSE = pl.lit(True), pl.lit(False)


def person_columns(persons: pl.DataFrame, attrs: list[str]) -> pl.DataFrame:
    """persons.csv's attributes the policy reads (PERSON_SCHEMA's columns) as `p_<attr>` (age: `p_birth_date`),
    and `p_known`."""
    fields = sorted({"birth_date" if attr == "age" else attr for attr in attrs})
    return persons.select("person_id", *(pl.col(f).alias(PERSON_PREFIX + f) for f in fields), p_known=pl.lit(True))


def _age(birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    """runtime.age_on in columns: whole years completed on `on` (2月29日 a year older on 3月1日)."""
    def month_day(day: pl.Expr) -> pl.Expr:  # polars' months and days are 8-bit: widened before ×100
        return day.dt.month().cast(pl.Int32) * 100 + day.dt.day().cast(pl.Int32)

    before_birthday = month_day(on) < month_day(birth)
    return (on.dt.year() - birth.dt.year()).cast(pl.Int64) - before_birthday.cast(pl.Int64)


STATUS = pl.Enum(STATUSES)  # compared and set per claim and kind: as small integers, not text


def _status(name: str) -> pl.Expr:
    return pl.lit(name, dtype=STATUS)


# a clause column: its name, and the clauses each of its codes stands for (code 0: none) — as the loop cites them: a
# rule's clauses as written (an empty one too), a gate's clause only when it has one (`runtime.loop.gate_failed`)
ClauseColumn = tuple[str, tuple[tuple[str, ...], ...]]


def _gate_clause(text: str) -> tuple[str, ...]:
    return (text,) if text else ()


def _basis(frame: pl.DataFrame, clause_columns: list[ClauseColumn]) -> pl.Series:
    """The basis: the clauses the clause columns' codes stand for (in the loop's order), each once, joined by
    `;`. A year of claims has few distinct combinations of codes, so each is joined once: the codes are combined
    into one integer (re-numbered densely should it grow too large) and the texts gathered by it, as a
    categorical column. (A column whose only code is 0, standing for no clause, adds nothing.)"""
    clause_columns = [(column, texts) for column, texts in clause_columns if len(texts) > 1]
    if not clause_columns:
        return pl.repeat("", frame.height, dtype=pl.Categorical, eager=True)
    codes = [pl.col(column).fill_null(0) for column, _ in clause_columns]
    key, radix = pl.lit(0, dtype=pl.Int64), 1
    keyed = frame.select(*codes)
    renumbered = False
    for (_, texts), code in zip(clause_columns, codes, strict=True):
        if radix * len(texts) >= 1 << 62:
            keyed = keyed.with_columns(key=key.rank("dense").cast(pl.Int64))
            key, radix = pl.col("key"), int(keyed["key"].max()) + 1  # type: ignore[arg-type]  # Int64's max
            renumbered = True
        key, radix = key + code * radix if radix > 1 else code.cast(pl.Int64), radix * len(texts)
    keys = keyed.select(key=key)["key"]

    def basis(row) -> str:
        return ";".join(dict.fromkeys(c for (_, texts), code in zip(clause_columns, row, strict=False)
                                      for c in texts[code]))

    if not renumbered and radix <= _DENSE_KEYS:  # the keys met counted in an array, their texts' codes by key
        at = keys.to_numpy()
        present = np.flatnonzero(np.bincount(at, minlength=radix))
        joined = pl.Series("basis", [basis(_digits(k, clause_columns)) for k in present.tolist()], dtype=pl.Categorical)
        code_of = np.zeros(radix, dtype=np.uint32)
        code_of[present] = joined.to_physical().to_numpy()
        return pl.Series("basis", code_of[at]).cat.to(pl.Categorical)
    index: dict[int, int] = {}
    bases: list[str] = []
    for row in keyed.with_columns(key=keys).unique(subset="key").iter_rows():
        index[row[-1]] = len(bases)
        bases.append(basis(row))
    at_row = keys.replace_strict(index, return_dtype=pl.Int64)
    return pl.Series("basis", bases, dtype=pl.Categorical).gather(at_row)


def _digits(key: int, clause_columns: list[ClauseColumn]) -> list[int]:
    """The clause columns' codes a combined key of `_basis` stands for (the first column the lowest digit)."""
    digits = []
    for _, texts in clause_columns:
        key, code = divmod(key, len(texts))
        digits.append(code)
    return digits


def _ledger(slot: str, slots: int) -> pl.Expr:
    """The key of a ledger window: the person, the year (0001–9999) and the step's ledger slot (one of `slots`),
    as one integer (a window over one integer column is several times faster than over three); a claim with no
    step has none."""
    return (pl.col("pid") * 10_000 + pl.col("year")) * slots + pl.col(slot)


# the claims' values (columns.COLUMNS) a policy may read or not: in the engine's frame only where it does
_OPTIONAL_VALUES = ("referred", "in_province", "disease", "institution_level")

_DEFAULT_BASES = {
    "basic": pl.col("cost"),
    "critical": pl.col("cost") - pl.col("basic"),
    "aid": pl.col("cost") - pl.col("basic") - pl.col("critical"),
    "tilted": pl.col("cost") - pl.col("basic") - pl.col("critical") - pl.col("aid"),
}


@dataclass(frozen=True)
class EngineInputs:
    """The claims' columns the engine reads (`engine_inputs`), made once for a run's parts, and how their days
    make the low bits of the settlement order's key (`order_key`): from the run's earliest discharge and
    admission, the admission's offset in the lowest `admission_bits` bits, the two in the lowest `date_bits`
    (None: no key — a day missing, or the days too far apart for one)."""

    frame: pl.DataFrame
    date_bits: int | None
    earliest: tuple[int, int] = (0, 0)
    admission_bits: int = 0

    def order_key(self) -> pl.Expr:
        """One unsigned 64-bit integer a claim: the hash's high bits, then the discharge and admission days as
        offsets from the run's earliest (a year's claims need some 18 bits)."""
        assert self.date_bits is not None
        # the days in 32-bit integers (they take at most _DATE_BITS), the hash's low bits cleared for them
        discharged, admitted = self.earliest
        days = ((pl.col("discharge") - discharged) * (1 << self.admission_bits) + (pl.col("admission") - admitted))
        high_bits = pl.lit((1 << 64) - (1 << self.date_bits), dtype=pl.UInt64)
        return (pl.col("hash") & high_bits) + days.cast(pl.UInt64)


def engine_inputs(claims: pl.DataFrame, values: tuple[str, ...] = tuple(_OPTIONAL_VALUES)) -> EngineInputs:
    """The claims' columns (CLAIM_SCHEMA's) the engine reads: the ids, the insurance given, those of
    `values` (_OPTIONAL_VALUES the policy reads), the visit type's number in _VISITS (`visit_code`; missing for
    a type no policy has), the dates as days (the date columns' own numbers), the cost, the hash of the person's
    id (the parts and the settlement order go by it); and the days' span (`EngineInputs.order_key`)."""
    # the visit type's number: a few names, each compared as text (a hash of each row's text takes longer)
    visit_code: Any = pl
    for name, canonical in VISIT_NAMES.items():
        visit_code = visit_code.when(pl.col("visit_type") == name).then(pl.lit(_VISITS.index(canonical), pl.Int8))
    frame = claims.select(
        "claim_id", "person_id", "basic_paid", "critical_paid", *values,
        visit_code=visit_code.otherwise(pl.lit(None, pl.Int8)),
        admission=pl.col("admission_date").to_physical(), discharge=pl.col("discharge_date").to_physical(),
        cost=pl.col("policy_scope_cost"), hash=_person_hash(pl.col("person_id")))
    spans = frame.select(
        discharged=pl.col("discharge").min(), discharges=pl.col("discharge").max() - pl.col("discharge").min(),
        admitted=pl.col("admission").min(), admissions=pl.col("admission").max() - pl.col("admission").min(),
        nulls=pl.col("discharge").null_count() + pl.col("admission").null_count()).row(0, named=True)
    admission_bits = int(spans["admissions"] or 0).bit_length()
    date_bits = int(spans["discharges"] or 0).bit_length() + admission_bits
    if spans["nulls"] or date_bits > _DATE_BITS:
        return EngineInputs(frame, None)
    return EngineInputs(frame, date_bits, (spans["discharged"] or 0, spans["admitted"] or 0), admission_bits)


def engine_frame(inputs: EngineInputs, rows: pl.Series | None, bounds: tuple[int, ...]) -> pl.DataFrame:
    """The claims at `rows` (every claim where None) as the engine's frame: `engine_inputs`' columns in
    settlement order, `i` (the claim's position), the canonical visit, the discharge year and epoch."""
    # each person's claims one run, in settlement order; `pid` numbers the persons (the
    # ledgers' windows and runs go by integers, not by text). Persons come in the order of a hash of their id,
    # which sorts in a fraction of the time of the text; should two persons share the part of the hash that is
    # sorted (a chance of about n² / 2**(65 - the dates' bits)), their claims would mix, so then the persons are
    # sorted by their text. The year and epoch are found after the sort: fewer columns gathered
    frame = _in_settlement_order(inputs, rows)
    days = [bound - _EPOCH_ORDINAL for bound in bounds]  # the epochs' first days (ordinals) as days of polars'
    epoch = (pl.Series(days, dtype=pl.Int32).search_sorted(frame["discharge"], side="right") if bounds
             else pl.repeat(0, frame.height, dtype=_EPOCH, eager=True))
    return frame.with_columns(
        visit=pl.lit(pl.Series(_VISITS, dtype=_VISIT)).gather(pl.col("visit_code")),
        year=_year(pl.col("discharge"), frame["discharge"]), epoch=epoch,
    ).with_columns(**{YEAR_KEY: pl.col("pid") * 10_000 + pl.col("year")})


def _year(day: pl.Expr, days: pl.Series) -> pl.Expr:
    """The year of each of `days` (days from 1970-01-01, the column `day`), as Int64: the years' first days from
    the earliest to the latest are few, and finding a day among them takes half the time of polars' calendar."""
    first, last = days.min(), days.max()
    if not isinstance(first, int) or not isinstance(last, int):  # no day at all
        return day.cast(pl.Date).dt.year().cast(pl.Int64)
    first_year, last_year = (dt.date.fromordinal(d + _EPOCH_ORDINAL).year for d in (first, last))
    if last_year - first_year > _YEARS_SEARCHED:
        return day.cast(pl.Date).dt.year().cast(pl.Int64)
    years = range(first_year, last_year + 1)
    starts = pl.Series([dt.date(year, 1, 1).toordinal() - _EPOCH_ORDINAL for year in years], dtype=days.dtype)
    among = pl.lit(starts).search_sorted(day.fill_null(first), side="right") - 1  # (a missing day: its own)
    found = pl.lit(pl.Series(years, dtype=pl.Int64)).gather(among)
    return pl.when(day.is_not_null()).then(found) if days.null_count() else found


_YEARS_SEARCHED = 400  # claims of more years than this: the calendar's year


def _in_settlement_order(inputs: EngineInputs, rows: pl.Series | None) -> pl.DataFrame:
    """The claims at `rows` of `inputs` (all where None) by person (in the order of a hash of the id), discharge,
    admission and claim id — the loop's order within a person (`_order_key`), the claims of one person
    together —, `i` their positions in `inputs`, the persons numbered (`pid`).

    Sorted by the inputs' `order_key` where they have one, several times faster than sorting by three columns;
    the claims sharing a key (a person's two claims of the same days) are then put in order of their id among
    themselves (else by the whole hash, the days and the id); the persons are numbered by the runs of the hash
    (bits). Should two persons share them (then the runs of ids outnumber them), the frame is sorted by text."""
    columns = inputs.frame

    def of_part(these: pl.DataFrame) -> pl.DataFrame:  # the part's rows of some of the inputs' columns
        return these if rows is None else these[rows]

    def of_inputs(at: pl.Series) -> pl.Series:  # positions among the part's rows as positions in the inputs
        return at if rows is None else rows.gather(at)

    def numbered(at: pl.Series, starts: np.ndarray | None = None) -> pl.DataFrame:
        """The rows in the order of `at`, `pid` counting the runs that `starts` marks (else the ids' runs)."""
        positions = of_inputs(at)
        ordered = _gathered(columns.drop("claim_id", "hash"), positions)
        if starts is None:
            return ordered.with_columns(i=positions, pid=_new_run(pl.col("person_id")).cum_sum().cast(pl.Int64) - 1)
        pid = np.cumsum(starts, dtype=np.int64)
        pid -= 1
        return ordered.with_columns(i=positions, pid=pl.Series(pid))

    def by_text() -> pl.DataFrame:
        return numbered(of_part(columns.select("person_id", "discharge", "admission", "claim_id")).select(
            pl.arg_sort_by("person_id", _date_order(), "claim_id", pl.int_range(pl.len())))[:, 0])

    if inputs.date_bits is None:  # by the whole hash, then the days and the id
        hashes = of_part(columns.select("hash", "discharge", "admission", "claim_id"))
        at = hashes.select(pl.arg_sort_by("hash", _date_order(), "claim_id", pl.int_range(pl.len())))[:, 0]
        hash_bits = hashes["hash"].gather(at).to_numpy()
    else:
        key = of_part(columns.select("hash", "discharge", "admission")).select(inputs.order_key())[:, 0]
        at = key.arg_sort()
        ordered_keys = key.gather(at).to_numpy()
        as_before = ordered_keys[1:] == ordered_keys[:-1]  # (a row's key the one of the row before)
        if as_before.any():  # the tied rows keep their places, in claim-id order among each key's
            tied = np.concatenate(([False], as_before)) | np.concatenate((as_before, [False]))
            places = pl.Series(np.flatnonzero(tied))
            tied_at = at.gather(places)
            among = pl.DataFrame({"key": key.gather(tied_at), "at": tied_at,
                                  "claim_id": columns["claim_id"].gather(of_inputs(tied_at))})
            at = at.scatter(places, tied_at.gather(among.select(pl.arg_sort_by("key", "claim_id", "at"))[:, 0]))
        hash_bits = ordered_keys >> np.uint64(inputs.date_bits)
    starts = np.empty(hash_bits.size, dtype=np.bool_)  # where a run of the hash (bits) begins, in this order
    starts[:1] = True
    np.not_equal(hash_bits[1:], hash_bits[:-1], out=starts[1:])
    ordered = numbered(at, starts)
    # every run of the hash bits begins one of the ids' (two persons differ in hash): as many runs of ids, and
    # the two are the same
    if ordered.select(_new_run(pl.col("person_id")).sum()).item() != np.count_nonzero(starts):
        return by_text()  # persons sharing the hash (its bits)
    return ordered


_DATE_BITS = 24  # the most bits of a sort key the dates take (the hash keeps the rest: 40 or more)


def _gathered(frame: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    """frame[rows], a column missing everywhere (the disease where no claim names one …) made so, not gathered."""
    empty = [name for name, count in frame.null_count().row(0, named=True).items() if count == frame.height]
    if not empty or not frame.height:
        return frame[rows]
    return frame.drop(empty)[rows].with_columns(pl.lit(None, frame.schema[name]).alias(name) for name in empty
                                                ).select(frame.columns)


def magnitude(frame: pl.DataFrame, persons: pl.DataFrame) -> Magnitude:
    """Bounds of the largest amount of the claims and persons (their insurance, costs, incomes) and of the most
    claims of one person's year in the frame (in settlement order: a person's year is one run of its key): each
    the power of two at or above it — the bounds need only hold, and then the parts of a run (and runs) of about
    the same size share one magnitude, and so the lowering made for it."""
    amounts = [frame.select(pl.max_horizontal(pl.col("cost", "basic_paid", "critical_paid").abs().max()))]
    amounts.append(persons.select(pl.max_horizontal(pl.col("family_monthly_income_per_capita",
                                                           "family_annual_income").abs().max())))
    largest: int = max(a.item() or 0 for a in amounts)
    longest: int = frame[YEAR_KEY].rle().struct.field("len").max() if frame.height else 0  # type: ignore[assignment]
    return Magnitude(*(1 << max((bound or 0) - 1, 0).bit_length() for bound in (largest, longest)))


def _person_hash(person: pl.Expr) -> pl.Expr:
    return person.hash(seed=0)


def _new_run(values: pl.Expr) -> pl.Expr:
    """Whether a row's value is not the one of the row before (the first row's is)."""
    return values.ne_missing(values.shift(1))


def _date_order() -> pl.Expr:
    """(discharge, admission) as one sort key after the person, which sorts faster than two: a date's ordinal
    (0001-01-01 … 9999-12-31) takes 22 bits, so the two fit in one integer."""
    def ordinal(day: str) -> pl.Expr:
        return pl.col(day).cast(pl.Int64) + _EPOCH_ORDINAL

    return ordinal("discharge") * (1 << 22) + ordinal("admission")


PART_CLAIMS = 500_000  # claims settled at once in a part, at most about (persons are parted by a hash of their id)
# from this many claims on, a run settles in two parts or more, two side by side: each part costs its own passes,
# which the second core more than makes up for above some 100,000 claims
SIDE_BY_SIDE_CLAIMS = 200_000


class _PartState(threading.local):
    """What `BatchSettler` knows of the part it is settling, one per thread: the part's magnitude (the lowering
    is made for it) and its routes (`with_routes`)."""

    def __init__(self) -> None:
        self.magnitude = Magnitude(0, 1)
        self.routes: list[tuple[Route, Route, int, list]] = []


def _part_rows(hashes: pl.Series, parts: int) -> list[pl.Series]:
    """Each part's rows (their positions, in order) of the rows whose persons have these hashes: a row's part is
    the place of its hash's high 32 bits among `parts` equal ranges (a multiplication and shifts, not a
    division). The parts are numbered once; a few are each found by a pass, more by a stable sort of the numbers
    (of small integers: a count of them)."""
    numbers = (hashes.to_numpy() >> np.uint64(32)) * np.uint64(parts) >> np.uint64(32)
    index = np.uint32 if hashes.len() < 1 << 32 else np.uint64
    if parts <= _PARTS_FOUND_BY_PASS:
        return [pl.Series(np.flatnonzero(numbers == k).astype(index)) for k in range(parts)]
    small = numbers.astype(np.uint16 if parts < 1 << 16 else np.uint32)
    by_part = np.argsort(small, kind="stable").astype(index)
    return [pl.Series(rows) for rows in np.split(by_part, np.cumsum(np.bincount(small, minlength=parts))[:-1])]


_PARTS_FOUND_BY_PASS = 4


_VISITS = sorted(set(VISIT_NAMES.values()))  # the canonical visit types, numbered (`visit_code`)
_VISIT = pl.Enum(_VISITS)  # the `visit` column's type: a byte a claim, compared with text as text
_EPOCH = pl.UInt32  # the `epoch` column's type: the epochs' first days searched (Series.search_sorted) give it
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()  # polars counts days from 1970-01-01, Python from 0001-01-01
# the engine's days are polars' (from 1970-01-01, negative before): a date column's own numbers, not copied
_LAST_DAY = dt.date.max.toordinal() - _EPOCH_ORDINAL  # an open end: held for ever
_NEVER_HELD = _LAST_DAY + 1  # the start of no identity: a day after every claim's
# category, status and basis take few values: categorical columns (status the engine's own enum) hold a year's
# results in far less memory
_IDS = ("claim_id", "person_id")  # the claims' columns in the results
RESULT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "i": pl.Int64, "claim_id": pl.String, "person_id": pl.String, "category": pl.Categorical, "basic_paid": pl.Int64,
    "critical_paid": pl.Int64, "aid_paid": pl.Int64, "tilted_paid": pl.Int64, "self_pay": pl.Int64, "status": STATUS,
    "basis": pl.Categorical}


def results_frame(results: list[tuple[int, Result]]) -> pl.DataFrame:
    """(position, result) pairs as the columns `settle_frame` gives."""
    return pl.DataFrame([(i, *result) for i, result in results], schema=RESULT_SCHEMA, orient="row")


def _where(frame: pl.DataFrame, test: pl.Expr, column: str) -> pl.Series:
    """A column's values on the rows where `test` holds (only that column is filtered)."""
    return frame.select(pl.col(column).filter(test))[column]


def _without(frame: pl.DataFrame, test: pl.Expr) -> pl.DataFrame:
    """`frame.filter(~test)`, the frame itself when that keeps every row (a filter would copy each column)."""
    keep = frame.select((~test).fill_null(False).alias("keep"))["keep"]
    return frame if keep.all() else frame.filter(keep)


def _claims_at(claims: pl.DataFrame, positions) -> dict[int, Claim]:
    """The claims at these positions (`i`: a row of the run's `claims`) as records: the few a kernel settles or a
    message names."""
    wanted = sorted(set(positions))
    if wanted and not 0 <= wanted[0] <= wanted[-1] < claims.height:  # a bug, never another claim
        raise AssertionError("claims looked up at positions they do not hold")
    return dict(zip(wanted, claims_of_frame(claims[pl.Series(wanted, dtype=pl.Int64)]), strict=True))


def _order_keys(claims: pl.DataFrame) -> dict[tuple[str, int], tuple]:
    """Each claim's settlement order key, by (claim_id, row)."""
    return {(c.claim_id, c.row): _order_key(c) for c in claims_of_frame(claims)}


def _test(lowering: Lowering, test) -> pl.Expr:
    """A condition of the plan as a boolean column: a literal (`条件 是`) or a checked expression."""
    if isinstance(test, Constant):
        return pl.lit(bool(test.value))
    if isinstance(test, Expression):
        return lowering.test(test.node)
    raise Unsupported("a condition")


def _order_key(claim: Claim) -> tuple:
    return (claim.person_id, claim.discharge_date, claim.admission_date, claim.claim_id)


