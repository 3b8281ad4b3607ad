"""The categories an identities file uses against the policy (`aidlang check --identities FILE`): a name the
policy does not know (A104: every such row is rejected when claims are settled) and a category no aid rule gives
a ratio for any visit type (A105: its holders get no aid at all)."""

from __future__ import annotations

from collections import Counter

import attrs

from aidlang.analysis.terms import resolved_steps
from aidlang.check.checker import CheckedPolicy
from aidlang.frontend.messages import MESSAGES
from aidlang.io import data


@attrs.frozen
class DataFinding:
    """A finding about a data file: where (`file:row:category`), its code, and zh/en text."""

    where: str
    code: str
    zh: str
    en: str


def findings(checked: CheckedPolicy, path: str) -> list[DataFinding]:
    table = data.read_table(path, data.IDENTITY_COLUMNS, (), data.DEFAULT_OPTIONS)
    rows: dict[str, list[int]] = {}
    for raw in table.rows:
        text = raw.values.get("category", "").strip()
        if text and not raw.problems:
            rows.setdefault(text, []).append(raw.row)
    paying = Counter(s.category for s in resolved_steps(checked) if s.kind == "aid" and s.may_pay)
    pays_some_aid = any(tier.kind == "aid" for tier in checked.symbols.tiers.values())
    found = []
    for text, numbers in rows.items():
        where = f"{table.path}:{numbers[0]}:category"
        category = checked.symbols.category(text)
        code = "A104" if category is None else "A105" if pays_some_aid and not paying[category.name] else None
        if code is not None:
            zh, en = MESSAGES[code]
            found.append(DataFinding(where, code, zh.format(category=text, rows=len(numbers)),
                                     en.format(category=text, rows=len(numbers))))
    return found
