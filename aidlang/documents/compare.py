"""The old/new comparison (新旧对照表) of two policies or two versions of one.

Both policies become the view model of `tables.py`; their facts (every published value, keyed by section, table,
row, pool and field) are compared one by one. Only changed values are listed, each with the clauses of both
versions; a row that exists in one version only is listed once, as added (新增) or removed (删除). A change that
is the same in every pool of a row (the ratio of a category, in both 普通门诊 and 住院) is listed once.
"""

from __future__ import annotations

import dataclasses
import difflib

from aidlang.documents.tables import Fact, PolicyView, build_view, environment

ABSENT = "（无）"


@dataclasses.dataclass(frozen=True)
class Change:
    subject: str  # the row: `医疗救助：最低生活保障对象`
    aspect: str  # the value: `救助比例`, `年度救助限额（普通门诊）`
    old: str
    old_basis: str
    new: str
    new_basis: str
    kind: str  # 修改 | 新增 | 删除


@dataclasses.dataclass(frozen=True)
class ChangeGroup:
    title: str
    changes: tuple[Change, ...]


@dataclasses.dataclass(frozen=True)
class DiffView:
    old_label: str
    new_label: str
    summary: str
    groups: tuple[ChangeGroup, ...]

    @property
    def count(self) -> int:
        return sum(len(g.changes) for g in self.groups)


def policy_label(view: PolicyView) -> str:
    doc = next((i.text for i in view.header if i.label == "文号"), "")
    return f"{view.title}（{doc}）" if doc else view.title


def merged_order(old: list, new: list) -> list:
    """The keys of both versions in one reading order: the new version's, with removed keys where they were."""
    out, seen = [], set()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        keys = new[j1:j2] if tag in ("equal", "insert") else old[i1:i2] + (new[j1:j2] if tag == "replace" else [])
        for key in keys:
            if key not in seen:
                seen.add(key)
                out.append(key)
    return out


def _subject(table: str, item: str) -> str:
    return f"{table}：{item}" if table else item


def _aspect(field: str, pool: str) -> str:
    field = "" if field == "内容" else field
    if pool:
        return f"{field}（{pool}）" if field else pool
    return field


def _summary(facts: list[Fact]) -> tuple[str, str]:
    """A whole row in one cell: `起付标准：不设起付标准；救助比例：85%；…`, pools folded where they agree."""
    by_field: dict[str, list[Fact]] = {}
    for f in facts:
        by_field.setdefault(f.field, []).append(f)
    parts = []
    for field, fs in by_field.items():
        if len({f.value for f in fs}) == 1:
            parts.append(f"{field}：{fs[0].value}" if field != "内容" else fs[0].value)
        else:
            parts.extend(f"{_aspect(field, f.pool)}：{f.value}" for f in fs)
    basis = []
    for f in facts:
        for clause in f.basis.split("、"):
            if clause and clause not in basis:
                basis.append(clause)
    return "；".join(parts), "、".join(basis)


def compare(old: PolicyView, new: PolicyView) -> DiffView:
    old_facts = {f.key: f for f in old.facts}
    new_facts = {f.key: f for f in new.facts}
    order = merged_order([f.key for f in old.facts], [f.key for f in new.facts])
    old_rows = {k[:3] for k in old_facts}
    new_rows = {k[:3] for k in new_facts}
    pools: dict[tuple, set] = {}  # (section, table, item, field) -> the pools it has in either version
    for key in order:
        pools.setdefault(key[:3] + key[4:], set()).add(key[3])

    changes: list[tuple[str, Change]] = []  # (section, change) in reading order
    done_rows: set = set()
    done_fields: set = set()
    for key in order:
        section, table, item, pool, field = key
        row = key[:3]
        if row not in old_rows or row not in new_rows:
            if row in done_rows:
                continue
            done_rows.add(row)
            if row not in old_rows:
                value, basis = _summary([new_facts[k] for k in order if k[:3] == row and k in new_facts])
                changes.append((section, Change(_subject(table, item), "", ABSENT, "", value, basis, "新增")))
            else:
                value, basis = _summary([old_facts[k] for k in order if k[:3] == row and k in old_facts])
                changes.append((section, Change(_subject(table, item), "", value, basis, ABSENT, "", "删除")))
            continue
        a, b = old_facts.get(key), new_facts.get(key)
        if a is not None and b is not None and a.value == b.value:
            continue
        quad = row + (field,)
        if quad in done_fields:
            continue
        # the same change in every pool of this row and field: one line
        same = []
        for p in sorted(pools[quad]):
            k = row + (p, field)
            x, y = old_facts.get(k), new_facts.get(k)
            same.append((x.value if x else None, x.basis if x else None, y.value if y else None,
                         y.basis if y else None))
        if len(pools[quad]) > 1 and len(set(same)) == 1:
            done_fields.add(quad)
            pool = ""
        kind = "修改" if a is not None and b is not None else ("新增" if a is None else "删除")
        changes.append((section, Change(
            _subject(table, item), _aspect(field, pool),
            a.value if a else ABSENT, a.basis if a else "", b.value if b else ABSENT, b.basis if b else "", kind)))

    groups: dict[str, list[Change]] = {}
    for section, change in changes:
        groups.setdefault(section, []).append(change)
    built = tuple(ChangeGroup(title, tuple(cs)) for title, cs in groups.items())
    count = sum(len(g.changes) for g in built)
    summary = f"共{count}处变化。" if count else "两个版本的规定相同，没有变化。"
    return DiffView(policy_label(old), policy_label(new), summary, built)


def compare_checked(old_checked, new_checked) -> DiffView:
    return compare(build_view(old_checked), build_view(new_checked))


def render_diff(diff: DiffView, fmt: str) -> str:
    """`fmt` is `md` or `html`."""
    return environment(fmt).get_template(f"diff.{fmt}.j2").render(d=diff)
