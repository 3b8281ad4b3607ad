"""The batch engine: the settlement plan lowered to column operations (polars), with the sequential kernel for
the persons no window settles exactly (`engine.BatchSettler`)."""
