"""The visit types: the three canonical ones (outpatient, chronic, inpatient) and the Chinese names a policy or
a data file may give them.
"""

from __future__ import annotations

VISIT_NAMES = {"outpatient": "outpatient", "普通门诊": "outpatient", "chronic": "chronic", "门诊慢特病": "chronic",
               "inpatient": "inpatient", "住院": "inpatient"}
_VISITS = frozenset(("outpatient", "chronic", "inpatient"))


def visit_name(v):
    """A visit type named in Chinese or English, as its canonical name (other values unchanged)."""
    return VISIT_NAMES.get(v, v) if isinstance(v, str) else v
