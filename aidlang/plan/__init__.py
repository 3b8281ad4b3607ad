"""The planner: a checked policy lowered once into the settlement plan every engine executes
(`runtime.plan` holds the records; `build_plan` makes them)."""

from .build import build_plan  # noqa: F401
