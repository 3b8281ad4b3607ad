"""Synthetic claims, identities and persons for any checked policy (`aidlang synth`), deterministic by seed.

Everything is read from the policy itself, once, into a `Shape`: its categories (written as identities.csv
writes them: the Chinese name, sometimes an alias), its visit types and pools, the dates it is in force, the
caps and thresholds of its tiers (so that a few persons are made to reach them), the disease lists and the
institution levels it tests, the person attributes it reads, and which insurance tiers it leaves to the data
(`basic_paid`/`critical_paid` are given exactly where the policy does not compute them).

The rows are made person by person, each person from its own random stream (`Random((seed << 32) | i)`):
identities, then the person's attributes, then the claims, always drawn in that order. So each file is a
stream of its own — identities.csv draws only a person's first stage, claims.csv all three — and nothing is
held but the per-person claim counts: a million claims cost a few megabytes. Amounts are drawn as integer
fen from integer ranges (`below`: one correctly rounded product, no floating-point function), so the same
seed gives the same bytes on every machine.

What the data looks like: about five claims per person (many small outpatient visits, fewer large stays);
about 6% of persons hold no category, a fifth hold two (at once or one after the other), and identities are
gained and lost during the years covered; stays run across month and year ends; 8% of claims are not
referred and 6% are outside the province; a few claims fall before the policy is in force; about 3% of
persons are "heavy": one stable category and a year of large claims in one capped pool, enough to reach its
cap.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from array import array
from fractions import Fraction
from typing import Iterator, Mapping

import attrs

from aidlang.check.expressions import builtins_read, policy_nodes, quantity_value
from aidlang.check.periods import Periods
from aidlang.check.symbols import VISIT_LABELS, VISIT_TYPES, builtin, missing_in_list, missing_test
from aidlang.frontend import nodes as n

CLAIMS_PER_PERSON = (1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 7, 8, 9, 10, 12)  # drawn uniformly: mean 5.1
HEAVY_SHARE = 3  # percent of persons made to reach a cap
HEAVY_CLAIMS = (8, 12)
HEAVY_SPEND = 25  # a heavy person's year of claims in a pool costs this many times the pool's cap
UNKNOWN_CAP = 20_000_000  # fen (200,000 yuan): a cap whose value the policy leaves to a parameter not given
WINDOW_DAYS = 730  # claims fall in the two years from the day the policy comes into force
BEFORE_DAYS = 90  # and a few in the 90 days before anything of it is in force
COMMON_DISEASES = ("肺炎", "骨折", "高血压", "糖尿病", "冠心病", "慢性阻塞性肺疾病", "阑尾炎", "胆结石")
DEFAULT_LEVELS = ("一级", "二级", "三级")
# (weight, lowest fen, highest fen): many small outpatient visits, chronic ones in between, stays large
COSTS = {
    "outpatient": ((15, 1_000, 5_000), (25, 5_000, 10_000), (25, 10_000, 20_000), (18, 20_000, 50_000),
                   (10, 50_000, 100_000), (5, 100_000, 300_000), (2, 300_000, 1_000_000)),
    "chronic": ((20, 10_000, 50_000), (30, 50_000, 100_000), (25, 100_000, 300_000), (15, 300_000, 800_000),
                (10, 800_000, 3_000_000)),
    "inpatient": ((15, 80_000, 300_000), (30, 300_000, 1_000_000), (30, 1_000_000, 3_000_000),
                  (15, 3_000_000, 8_000_000), (8, 8_000_000, 20_000_000), (2, 20_000_000, 60_000_000)),
}
VISIT_WEIGHTS = {"outpatient": 60, "chronic": 20, "inpatient": 20}
BASIC_SHARE = {"outpatient": (30, 60), "chronic": (50, 70), "inpatient": (45, 70)}  # percent of the cost
CRITICAL_DEDUCTIBLE = 1_500_000  # fen: given critical insurance pays part of an inpatient cost above it
STAY_DAYS = (1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9, 10, 12, 14, 16, 20, 25, 30, 45)
BIRTH_FIRST = dt.date(1935, 1, 1).toordinal()
BIRTH_DAYS = dt.date(2023, 1, 1).toordinal() - BIRTH_FIRST
COST_TABLES = {visit: (list(itertools.accumulate(w for w, _, _ in rows)), [(lo, hi) for _, lo, hi in rows])
               for visit, rows in COSTS.items()}

CLAIM_HEAD = ("claim_id", "person_id", "visit_type", "admission_date", "discharge_date", "policy_scope_cost")
IDENTITY_HEADER = ("person_id", "category", "start", "end")
PERSON_HEADER = ("person_id", "gender", "birth_date", "disability_grade", "dibao_class",
                 "family_monthly_income_per_capita", "family_annual_income")
AMOUNTS = frozenset(("policy_scope_cost", "basic_paid", "critical_paid", "family_monthly_income_per_capita",
                     "family_annual_income"))
DATES = frozenset(("admission_date", "discharge_date", "start", "end", "birth_date"))


@attrs.frozen
class PoolShape:
    """A ledger the policy caps: its visit types (those the policy declares) and its largest cap, in fen."""

    name: str
    visits: tuple[str, ...]
    cap: int


@attrs.frozen
class Shape:
    """What of the policy shapes its data."""

    categories: tuple[tuple[str, tuple[str, ...]], ...]  # (name as written, aliases)
    visits: tuple[str, ...]
    visit_weights: tuple[int, ...]
    pools: tuple[PoolShape, ...]
    start: dt.date  # the first day of the window of claims
    days: int  # its length
    before: dt.date | None  # the first day of the few claims before anything is in force
    heavy_from: dt.date  # heavy persons' claims fall in [heavy_from, heavy_from + heavy_days)
    heavy_days: int
    given_basic: bool
    given_critical: bool
    # the highest share of a cost the policy's own basic insurance may pay (None: basic is given), so that a
    # given critical payment leaves room for it; 1 where a ratio is left to a parameter not given
    basic_ratio: Fraction | None
    diseases: tuple[str, ...] | None  # the policy's listed diseases, None when it reads no disease
    heavy_disease: str | None
    levels: tuple[str, ...] | None  # institution levels, None when it reads none
    person_reads: frozenset[str]  # person attributes the policy reads (empty: no persons.csv)
    may_be_missing: frozenset[str]  # of those, the ones whose missing value the policy gives a meaning
    person_values: Mapping[str, tuple[str, ...]]  # the values it compares them with (dibao_class "A")

    @property
    def claim_header(self) -> tuple[str, ...]:
        header = list(CLAIM_HEAD)
        header += [c for c, given in (("basic_paid", self.given_basic), ("critical_paid", self.given_critical))
                   if given]
        header += ["referred", "in_province"]
        header += [c for c, read in (("disease", self.diseases), ("institution_level", self.levels))
                   if read is not None]
        return tuple(header)

    @property
    def writes_persons(self) -> bool:
        return bool(self.person_reads)


# ---------------------------------------------------------------- reading the policy

def shape_of(checked, params: Mapping[str, object] | None = None) -> Shape:
    """The data shape of a checked policy; `params` (as `--param` gives them) size caps the policy leaves to
    later announcements."""
    symbols = checked.symbols
    policy: n.Policy = checked.policy
    params = dict(params or {})
    kinds = {tier.kind for tier in symbols.tiers.values()}
    visits = tuple(v for v in ("outpatient", "chronic", "inpatient") if v in symbols.visits) or \
        ("outpatient", "chronic", "inpatient")
    start, days, before, heavy_from, heavy_days = _window(Periods(symbols))
    lists = [item for declared in symbols.lists.values() for item in declared.items]
    reads = builtins_read(policy)
    diseases = tuple(dict.fromkeys(lists)) if "disease" in reads else None
    heavy_disease = None
    if diseases:
        heavy_disease = max(diseases, key=lambda d: (sum(d in x.items for x in symbols.lists.values()),
                                                     -diseases.index(d)))
    compared = _compared_strings(policy)
    levels = None
    if "institution_level" in reads:
        levels = tuple(compared.get("institution_level", ())) or DEFAULT_LEVELS
    person_reads = frozenset(name for name in reads if (b := builtin(name)) is not None and b.context == "person")
    categories = tuple((c.label or c.name, tuple(c.aliases)) for c in symbols.categories.values())
    return Shape(
        categories=categories, visits=visits, visit_weights=tuple(VISIT_WEIGHTS[v] for v in visits),
        pools=_capped_pools(symbols, params, visits), start=start, days=days, before=before,
        heavy_from=heavy_from, heavy_days=heavy_days, given_basic="basic" not in kinds,
        given_critical="critical" not in kinds, basic_ratio=_highest_ratio(symbols, params, "basic"),
        diseases=diseases, heavy_disease=heavy_disease, levels=levels,
        person_reads=person_reads, may_be_missing=_missing_meant(policy) & person_reads,
        person_values={k: tuple(v) for k, v in compared.items()})


def _window(periods: Periods) -> tuple[dt.date, int, dt.date | None, dt.date, int]:
    """The claims' window (from the policy's start, two years, within its end), the few days before anything
    is in force, and the heavy persons' year: the first whole calendar year in force, else the window."""
    starts = [p[0] for p in periods.all() if p[0] is not None]
    earliest = min(starts) if starts else None
    start = periods.policy[0] or earliest or dt.date(2023, 1, 1)
    end = start + dt.timedelta(days=WINDOW_DAYS)
    if periods.policy[1] is not None and periods.policy[1] < end:
        end = max(periods.policy[1] + dt.timedelta(days=1), start + dt.timedelta(days=60))
    before = earliest - dt.timedelta(days=BEFORE_DAYS) if earliest is not None and earliest > dt.date(1901, 1, 1) \
        else None
    year = start.year if (start.month, start.day) == (1, 1) else start.year + 1
    heavy_from, heavy_to = dt.date(year, 1, 1), dt.date(year, 12, 21)
    if heavy_to > end:
        heavy_from, heavy_to = start, end
    return start, (end - start).days, before, heavy_from, max(1, (heavy_to - heavy_from).days)


def _missing_meant(policy: n.Policy) -> frozenset[str]:
    found = set()
    for node in policy_nodes(policy):
        if isinstance(node, n.Compare):
            found.add(missing_test(node))
        elif isinstance(node, n.InList):
            found.add(missing_in_list(node))
    return frozenset(name for name in found if name)


def _compared_strings(policy: n.Policy) -> dict[str, list[str]]:
    """builtin name -> the string literals the policy compares it with (`机构级别 = "一级"`, `在 ["A", "B"]`)."""
    found: dict[str, list[str]] = {}

    def note(ref, values) -> None:
        b = builtin(ref.name) if isinstance(ref, n.Ref) else None
        if b is not None:
            bucket = found.setdefault(b.name, [])
            bucket.extend(v.value for v in values if isinstance(v, n.StringLit) and v.value not in bucket)

    for node in policy_nodes(policy):
        if isinstance(node, n.Compare) and node.op in ("==", "!="):
            note(node.left, (node.right,))
            note(node.right, (node.left,))
        elif isinstance(node, n.InList):
            note(node.item, node.items)
    return found


def _capped_pools(symbols, params: dict, visits: tuple[str, ...]) -> tuple[PoolShape, ...]:
    """Every pool some tier caps (a tier without pools: one ledger over every visit type), with the largest
    cap any rule sets there; a cap left to a parameter not given counts as UNKNOWN_CAP."""
    caps: dict[str, int] = {}
    for tier in symbols.tiers.values():
        for rule in tier.rules:
            for setting in rule.settings:
                if setting.key != "cap" or isinstance(setting.value, n.NoneLit):
                    continue
                value = _estimate(setting.value, symbols, params)
                fen = int(value) if isinstance(value, (int, Fraction)) and value > 0 else UNKNOWN_CAP
                for pool in rule.pools or tier.pools or ("*",):
                    caps[pool] = max(caps.get(pool, 0), fen)
    out = []
    for name, cap in caps.items():
        declared = symbols.pools.get(name)
        pool_visits = visits if declared is None else tuple(
            v for v in visits if v in {VISIT_TYPES.get(x, x) for x in declared.visits})
        if pool_visits:
            out.append(PoolShape(name, pool_visits, cap))
    return tuple(out)


def _highest_ratio(symbols, params: dict, kind: str) -> Fraction | None:
    ratios = [_estimate(setting.value, symbols, params) for tier in symbols.tiers.values() if tier.kind == kind
              for rule in tier.rules for setting in rule.settings if setting.key == "ratio"]
    if not ratios:
        return None
    known = [Fraction(r) for r in ratios if isinstance(r, (int, Fraction))]
    return min(Fraction(1), max(known)) if len(known) == len(ratios) else Fraction(1)


def _estimate(expr, symbols, params: dict):
    """A money or rate expression's value where it is plain (literals, parameters with values, products and
    sums of them), else None. Only for sizing synthetic amounts: settlement never reads it."""
    if isinstance(expr, n.Quantity):
        return quantity_value(expr)
    if isinstance(expr, n.Ref):
        if expr.name in params:
            return params[expr.name]
        param = symbols.params.get(expr.name)
        if param is None or not param.values:
            return None
        values = [_estimate(dv.expr, symbols, params) for dv in param.values]
        values = [v for v in values if isinstance(v, (int, Fraction))]
        return max(values) if values else None
    if isinstance(expr, n.Binary):
        left, right = _estimate(expr.left, symbols, params), _estimate(expr.right, symbols, params)
        if not isinstance(left, (int, Fraction)) or not isinstance(right, (int, Fraction)):
            return None
        if expr.op == "*":
            return left * right
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        return left / right if right else None
    return None


# ---------------------------------------------------------------- the rows

class _IsoDays(dict):
    """ordinal -> `YYYY-MM-DD`, each made once (a few thousand days serve a million claims)."""

    def __missing__(self, ordinal: int) -> str:
        text = self[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return text


def below(u, k: int) -> int:
    """A whole number in [0, k) from the stream's `random()`: one correctly rounded product of a 53-bit
    uniform and an integer, the same on every IEEE machine (a draw, never an amount of money)."""
    return int(u() * k)


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class Synth:
    """The three files' rows for `claims` claims, from `seed`. `claim_rows`, `identity_rows` and `person_rows`
    are each a fresh stream: each may be iterated on its own, in any order, and gives the same rows."""

    def __init__(self, shape: Shape, claims: int, seed: int):
        self.shape = shape
        self.seed = seed
        master = random.Random(seed)
        counts = array("H")
        heavy = bytearray()
        total = 0
        while total < claims:
            pool = 0
            if shape.pools and master.randrange(100) < HEAVY_SHARE:
                pool = master.randrange(len(shape.pools)) + 1
                count = master.randint(*HEAVY_CLAIMS)
            else:
                count = master.choice(CLAIMS_PER_PERSON)
            count = min(count, claims - total)
            counts.append(count)
            heavy.append(pool)
            total += count
        self.counts, self.heavy = counts, heavy
        self.claims = claims
        self.person_width = max(6, len(str(len(counts))))
        self.claim_width = max(7, len(str(claims)))
        self._days = _IsoDays()
        self._visit_cum = list(itertools.accumulate(shape.visit_weights))

    @property
    def persons(self) -> int:
        return len(self.counts)

    def _draw(self, index: int):
        """The person's stream: `random()` of its own Mersenne Twister (see `below`)."""
        return random.Random((self.seed << 32) | index).random

    def _person_id(self, index: int) -> str:
        return f"P{index + 1:0{self.person_width}d}"

    def _day(self, ordinal: int) -> str:
        return self._days[ordinal]

    # ------------------------------------------------------------ stage 1: identities
    def _identities(self, u, index: int) -> list[tuple[str, int, int | None]]:
        """(category as written, start ordinal, end ordinal or None) of one person."""
        shape = self.shape
        cats = len(shape.categories)
        if not cats:
            return []
        start0 = shape.start.toordinal()
        if self.heavy[index]:
            first = below(u, cats)
            return [(shape.categories[first][0], start0 - 200 - below(u, 2800), None)]
        if below(u, 100) < 6:
            return []
        out = []
        first = below(u, cats)
        begin = start0 - 30 - below(u, 2970) if below(u, 100) < 85 else start0 + below(u, shape.days)
        end = max(begin, start0) + 20 + below(u, 480) if below(u, 100) < 15 else None
        out.append((self._written(u, first), begin, end))
        if below(u, 100) < 22:
            other = below(u, cats)
            if cats > 1 and other == first:
                other = (other + 1) % cats
            begin = start0 + below(u, shape.days) - 60
            end = begin + 30 + below(u, 270) if below(u, 2) else None
            out.append((self._written(u, other), begin, end))
        return out

    def _written(self, u, index: int) -> str:
        name, aliases = self.shape.categories[index]
        if aliases and below(u, 10) == 0:
            return aliases[below(u, len(aliases))]
        return name

    # ------------------------------------------------------------ stage 2: the person's attributes
    def _person(self, u) -> list[str]:
        shape = self.shape
        reads, missing = shape.person_reads, shape.may_be_missing
        gender = "男" if below(u, 2) else "女"
        birth = self._day(BIRTH_FIRST + below(u, BIRTH_DAYS))
        grade = str(1 + below(u, 4))
        if "disability_grade" not in reads or "disability_grade" in missing:
            grade = grade if below(u, 100) < 12 else ""
        dibao = "ABC"[below(u, 3)]
        if "dibao_class" not in reads or "dibao_class" in missing:
            dibao = dibao if below(u, 100) < 30 else ""
        monthly = yuan(20_000 + below(u, 380_000))
        annual = yuan(300_000 + below(u, 11_700_000))
        if "family_monthly_income_per_capita" in missing and below(u, 10) == 0:
            monthly = ""
        if "family_annual_income" in missing and below(u, 10) == 0:
            annual = ""
        return [gender, birth, grade, dibao, monthly, annual]

    # ------------------------------------------------------------ stage 3: claims
    def _claims(self, u, index: int, first_claim: int) -> Iterator[list[str]]:
        shape = self.shape
        count = self.counts[index]
        pool = shape.pools[self.heavy[index] - 1] if self.heavy[index] else None
        heavy = pool is not None
        person_id = self._person_id(index)
        start0, days = shape.start.toordinal(), shape.days
        window_end = start0 + days
        before = shape.before.toordinal() if shape.before is not None else None
        day = self._days.__getitem__
        visits, visit_cum, visit_total = shape.visits, self._visit_cum, self._visit_cum[-1]
        room = shape.basic_ratio
        for k in range(count):
            if pool is not None:  # heavy
                visit = pool.visits[int(u() * (len(pool.visits)))]
                discharge = shape.heavy_from.toordinal() + int(u() * shape.heavy_days)
                cost = pool.cap * HEAVY_SPEND // count * (80 + int(u() * 41)) // 100
            else:
                visit = visits[bisect.bisect(visit_cum, u() * visit_total)]
                if before is not None and int(u() * 100) < 2:
                    discharge = before + int(u() * BEFORE_DAYS)
                else:
                    discharge = start0 + int(u() * days)
                cum, ranges = COST_TABLES[visit]
                low, high = ranges[bisect.bisect(cum, u() * cum[-1])]
                cost = low + int(u() * (high - low))
            if visit == "inpatient":
                stay = STAY_DAYS[int(u() * (len(STAY_DAYS)))]
                if not heavy and int(u() * 100) < 8:  # a stay over New Year
                    year_end = dt.date(dt.date.fromordinal(discharge).year, 12, 31).toordinal()
                    if year_end + 10 < window_end:
                        discharge, stay = year_end + 1 + int(u() * 10), 5 + int(u() * 21)
                admission = day(discharge - stay)
            else:
                admission = "" if visit == "outpatient" else day(discharge)
            row = [f"C{first_claim + k + 1:0{self.claim_width}d}", person_id,
                   VISIT_LABELS[visit] if int(u() * 20) == 0 else visit, admission, day(discharge), yuan(cost)]
            low, high = BASIC_SHARE[visit]
            basic = cost * (low + int(u() * (high - low + 1))) // 100
            if shape.given_basic:
                row.append(yuan(basic))
            if shape.given_critical:
                critical = 0
                if visit == "inpatient" and cost - basic > CRITICAL_DEDUCTIBLE:
                    critical = (cost - basic - CRITICAL_DEDUCTIBLE) * (50 + int(u() * 16)) // 100
                if room is not None:  # the policy computes basic: leave it room within the cost
                    critical = min(critical, cost * (room.denominator - room.numerator) * 9
                                   // (room.denominator * 10))
                row.append(yuan(critical))
            row.append("true" if heavy or int(u() * 100) >= 8 else "false")
            row.append("true" if heavy or int(u() * 100) >= 6 else "false")
            if shape.diseases is not None:
                row.append(self._disease(u, visit, heavy))
            if shape.levels is not None:
                row.append(shape.levels[int(u() * (len(shape.levels)))])
            yield row

    def _disease(self, u, visit: str, heavy: bool) -> str:
        shape = self.shape
        if heavy and shape.heavy_disease:
            return shape.heavy_disease
        roll = below(u, 100)
        if roll < (15 if visit == "outpatient" else 35) and shape.diseases:
            return shape.diseases[below(u, len(shape.diseases))]
        return COMMON_DISEASES[below(u, len(COMMON_DISEASES))] if roll < 80 else ""

    # ------------------------------------------------------------ the files
    def identity_rows(self) -> Iterator[list[str]]:
        day = self._day
        for index in range(self.persons):
            person_id = self._person_id(index)
            for name, start, end in self._identities(self._draw(index), index):
                yield [person_id, name, day(start), "" if end is None else day(end)]

    def person_rows(self) -> Iterator[list[str]]:
        for index in range(self.persons):
            u = self._draw(index)
            self._identities(u, index)
            yield [self._person_id(index)] + self._person(u)

    def claim_rows(self) -> Iterator[list[str]]:
        first = 0
        for index in range(self.persons):
            u = self._draw(index)
            self._identities(u, index)
            self._person(u)
            yield from self._claims(u, index, first)
            first += self.counts[index]
