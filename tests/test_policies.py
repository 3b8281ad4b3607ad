"""The policies in `policies/` against the domain sheet: every clause of a city's rules is cited.

`domain.md` lists, per city, every computable rule with its clause. Each city's `.aid` must cite each of
those clauses somewhere (`依据 "…"` / `clause "…"`). The sheet is read from the shared spec beside the
checkout when it is there, else from the copy in `tests/data/domain.md` (CI runs from a clean clone).

The copy is the shared sheet followed by the project's own sections (`ADDED_HEADING`): documents added by the
project (issue 13, item 7) that the shared sheet does not list. Their clauses are always read from the copy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
SHARED_DOMAIN = [ROOT.parent / "shared" / "domain.md", Path("/work/shared/domain.md")]
COPY_DOMAIN = Path(__file__).resolve().parent / "data" / "domain.md"

# the domain sheet's section heading (its first word) -> the policy file
CITIES = {"wuxi": "wuxi.aid", "mianyang": "mianyang.aid", "wuhai": "wuhai.aid", "huizhou": "huizhou.aid",
          "jinggu": "jinggu.aid", "zichuan": "zichuan.aid", "guangde": "guangde.aid"}
# the cities whose sections only the project's copy has, after ADDED_HEADING (not in the shared sheet)
ADDED = {"zichuan", "guangde"}
ADDED_HEADING = "## Added by the project:"

FULL_WIDTH = str.maketrans({"（": "(", "）": ")", "，": ",", "、": ","})


def domain_path() -> Path:
    for path in SHARED_DOMAIN:
        if path.is_file():
            return path
    return COPY_DOMAIN


def sheet_for(city: str) -> Path:
    """The sheet that lists a city's rules: the project's copy for the cities it added, else `domain_path()`."""
    return COPY_DOMAIN if city in ADDED else domain_path()


def shared_part(text: str) -> str:
    """The copy without the project's own sections: what must equal the shared sheet."""
    head, sep, _ = text.partition("\n\n" + ADDED_HEADING)
    return head + "\n" if sep else text


def normalise(clause: str) -> str:
    """One spelling of a clause: half-width parentheses, no spaces; `end` is the closing paragraph 末段,
    and `八 (end)` (the closing paragraph of part 八) is 八."""
    text = clause.translate(FULL_WIDTH).strip()
    text = re.sub(r"\s+", " ", text)
    if text.lower() == "end":
        return "末段"
    text = re.sub(r"\s*\(end\)$", "", text, flags=re.IGNORECASE)
    return text.replace(" ", "")


def domain_clauses(text: str) -> dict[str, list[str]]:
    """Per city, the clauses of its table, in order, without repeats (`一, 二(一)` gives both)."""
    out: dict[str, list[str]] = {}
    city = None
    for line in text.splitlines():
        if line.startswith("## "):
            words = line[3:].split()
            city = words[0].lower() if words and words[0].lower() in CITIES else None
            if city:
                out.setdefault(city, [])
            continue
        if city is None or not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        first = cells[0]
        if not first or first.lower() == "clause" or set(first) <= set("-: "):
            continue  # the header row and the separator
        for part in first.translate(FULL_WIDTH).split(","):
            clause = normalise(part)
            if clause and clause not in out[city]:
                out[city].append(clause)
    return out


_STRING = r'"(?:[^"\\\n]|\\.)*"|“[^”\n]*”|「[^」\n]*」'
_CITATION = re.compile(r"(?:依据|(?<![A-Za-z0-9_])clause)\s*(" + _STRING + ")")


def strip_comments(source: str) -> str:
    """The source without `#` comments (a `#` inside a string is kept)."""
    out, i, n = [], 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "#":
            while i < n and source[i] != "\n":
                i += 1
            continue
        if ch in "\"“「":
            m = re.compile(_STRING).match(source, i)
            if m:
                out.append(m.group(0))
                i = m.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def unquote(literal: str) -> str:
    if literal[0] == '"':
        return re.sub(r"\\(.)", r"\1", literal[1:-1])
    return literal[1:-1]


def cited_clauses(source: str) -> set[str]:
    return {normalise(unquote(m.group(1))) for m in _CITATION.finditer(strip_comments(source))}


# ---------------------------------------------------------------- the sheet itself

def test_domain_sheet_has_every_city():
    found = domain_clauses(domain_path().read_text(encoding="utf-8"))
    assert set(found) - ADDED == set(CITIES) - ADDED, f"sections found in {domain_path()}: {sorted(found)}"
    copy = domain_clauses(COPY_DOMAIN.read_text(encoding="utf-8"))
    assert set(copy) == set(CITIES), f"sections found in {COPY_DOMAIN}: {sorted(copy)}"
    assert all(copy[city] for city in CITIES), copy
    added = domain_clauses(COPY_DOMAIN.read_text(encoding="utf-8").partition(ADDED_HEADING)[2])
    assert set(added) == ADDED, f"sections after {ADDED_HEADING!r}: {sorted(added)}"


def test_domain_copy_is_current():
    """tests/data/domain.md is what CI reads; keep it equal to the shared spec when that is at hand — up to
    ADDED_HEADING, after which come the project's own sections."""
    shared = next((p for p in SHARED_DOMAIN if p.is_file()), None)
    if shared is None:
        pytest.skip("the shared spec is not beside this checkout")
    assert shared_part(COPY_DOMAIN.read_text(encoding="utf-8")) == shared.read_text(encoding="utf-8"), (
        f"tests/data/domain.md is stale: copy {shared} over its part before {ADDED_HEADING!r}")


def test_clause_extraction():
    sheet = ("## Jinggu 景谷\n| clause | rule |\n|---|---|\n| 一, 二(一) | a |\n| 二（四） | b |\n"
             "## Wuxi 无锡\n| clause | rule |\n|---|---|\n| 八 (end) | c |\n| 四(七) | d |\n| 四(七) | e |\n"
             "## Mianyang\n| clause | rule |\n|---|---|\n| end | f |\n## Seen together\n| x | y |\n")
    assert domain_clauses(sheet) == {"jinggu": ["一", "二(一)", "二(四)"], "wuxi": ["八", "四(七)"],
                                     "mianyang": ["末段"]}
    source = '类别 a 依据 "二（一）"  # 依据 "四(五)"\n类别 b clause “三(二)” 说明 "x # y"\n'
    assert cited_clauses(source) == {"二(一)", "三(二)"}


# ---------------------------------------------------------------- the policies

@pytest.mark.parametrize("city", sorted(CITIES))
def test_every_clause_is_cited(city):
    clauses = domain_clauses(sheet_for(city).read_text(encoding="utf-8")).get(city)
    assert clauses, f"no section for {city} in {sheet_for(city)}"
    path = POLICIES / CITIES[city]
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    cited = cited_clauses(path.read_text(encoding="utf-8"))
    missing = [c for c in clauses if c not in cited]
    assert not missing, f"{path.relative_to(ROOT)} cites no rule for clause(s) {missing} of domain.md"


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.aid")), ids=lambda p: p.name)
def test_policy_parses(path):
    from aidlang.frontend.parser import parse_file

    parse_file(path)


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.aid")), ids=lambda p: p.name)
def test_policy_checks(path):
    pytest.importorskip("aidlang.check.checker", reason="the checker is not written yet")
    from aidlang.check.pipeline import load

    load(path)


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.aid")), ids=lambda p: p.name)
def test_policy_cases_pass(path):
    """The `测试` blocks written inside each policy (CI runs pytest, not `aidlang test`)."""
    pytest.importorskip("aidlang.check.checker", reason="the checker is not written yet")
    testing = pytest.importorskip("aidlang.policy_tests", reason="the test runner is not written yet")
    from aidlang.check.pipeline import load

    results = testing.run_policy_tests(load(path))
    problems = [f"{r.name}: {r.error_en}" for r in results if r.error_en]
    problems += [f.message() for r in results for f in r.failures]
    assert results, f"{path.name} has no test cases"
    assert not problems, "\n".join(problems)


def test_huizhou_refunds(tmp_path):
    """二(四)3/4: a settlement below what was advanced is a refund (a negative amount). The policy's own
    服务费用封顶 case states them with `预期拨付 … -180万元`; this checks the same refunds end to end through
    `aidlang funds` (docs/language.md, "命令 Commands": expenditures.csv in, schedule.csv out), where the sign must
    survive the CSV."""
    import csv
    import datetime as dt
    from decimal import Decimal

    pytest.importorskip("aidlang.cli.funds", reason="aidlang funds is not written yet")
    from aidlang import cli

    expenditures = tmp_path / "expenditures.csv"
    expenditures.write_text("county,year,aid_expenditure\n惠城区,2021,12000000\n惠城区,2022,9000000\n"
                            "惠城区,2023,3000000\n", encoding="utf-8")
    out = tmp_path / "schedule.csv"
    assert cli.main(["funds", str(POLICIES / "huizhou.aid"), "--expenditures", str(expenditures),
                     "--out", str(out)]) == 0
    with out.open(encoding="utf-8", newline="") as f:
        rows = {(r["county"], r["item"], dt.date.fromisoformat(r["due"])): Decimal(r["amount"])
                for r in csv.DictReader(f)}
    # 2022: 9,000,000 − 90% × 12,000,000 = −1,800,000; 2023: 3,000,000 − 90% × 9,000,000 = −5,100,000
    assert rows[("惠城区", "aid_settlement", dt.date(2023, 6, 30))] == Decimal("-1800000")
    assert rows[("惠城区", "aid_settlement", dt.date(2024, 6, 30))] == Decimal("-5100000")
    # 2024: 4% × 3,000,000 − 80% × min(4% × 12,000,000, 400,000) = 120,000 − 320,000 = −200,000
    assert rows[("惠城区", "service_fee_settlement", dt.date(2025, 7, 20))] == Decimal("-200000")
