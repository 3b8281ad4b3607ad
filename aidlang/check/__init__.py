"""The checker and what it knows of a policy: symbols, types and static facts of expressions, periods and
epochs, the order in which rules speak for a category (`cascade`), and `pipeline.load` (read → parse → check)."""
