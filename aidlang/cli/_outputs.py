"""What the commands that write files share on the write side: `--bom`, and refusing output paths that clash
with an input or another output before anything is read (outputs.refuse_clashes; exit 2)."""

from __future__ import annotations

import argparse
from typing import Sequence

from aidlang.cli.inputs import UsageFailure
from aidlang.io import outputs


def add_bom(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bom", action="store_true",
                        help="start CSV output with a UTF-8 byte-order mark (Excel on Chinese Windows) / 加 BOM")


def refuse_clashes(targets: Sequence[tuple[str, str | None]], inputs: Sequence[tuple[str, str | None]]) -> None:
    """outputs.refuse_clashes, as a usage problem the command prints in the reader's language (exit 2)."""
    try:
        outputs.refuse_clashes(targets, inputs)
    except outputs.OutputRefused as refused:
        raise UsageFailure(refused.zh, refused.en) from None
