"""Static analysis of a checked policy (`aidlang check`): the mistakes that pay someone the wrong amount without
any error — a category no rule pays, a ratio above 100%, a cap below the deductible, rules in force together that
disagree, a kind paid less than its parent, several categories with no identity rule, a policy that has run out or
overlaps its other version — each a warning with a code (A…), the line it points at, advice and, where it helps, a
claim that shows it (`Counterexample`, replayed by `aidlang explain`). `忽略 A101 [对 NAME…] "理由"` in the policy
acknowledges findings. The analyses read the plan every engine runs (`aidlang.plan`), settled terms included.
"""

from aidlang.analysis.findings import Counterexample, Finding, analyse

__all__ = ["Counterexample", "Finding", "analyse"]
