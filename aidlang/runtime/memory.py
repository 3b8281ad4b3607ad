"""Python's cycle collector paused while an engine or a reader makes millions of objects.

Settling or reading a year of claims makes a few lasting objects per claim (the record, its result, the rows
written) and almost no reference cycles, yet the collector would walk the whole growing heap again and again:
over a quarter of `aidlang run`'s time on a million claims (bench/README.md). The switch is process-wide, so it is
only ever held for the length of one call and left as it was found; nested pauses are harmless.
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector off for the block, then as it was before (on only if it was on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
