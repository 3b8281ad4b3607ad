"""The engines: each a lowering of the settlement plan's expressions, run by the one settlement loop
(`runtime.PlanSettler`): `interp` (closures over the syntax tree) and `compiled` (a generated Python module)."""
