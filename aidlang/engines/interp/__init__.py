"""The interpreter: the plan's expressions lowered to closures over the syntax tree (`closures`)."""
