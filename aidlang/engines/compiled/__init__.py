"""The compiled engine: the plan written out as a Python module (`codegen`, `aidlang compile`) and loaded back
(`loader`) when it matches the policy."""
