"""The settlement engines `run --engine` can name, and building the one asked for.

The interpreter and the compiled module (`generated/<stem>.py`, imported when it matches the policy, else
compiled in memory; `aidlang/engines/compiled/loader.py`) exist; the others are accepted by the option
(docs/language.md lists them) and refused with a clear message until they are built.
"""

from __future__ import annotations

import sys
from typing import Any

from aidlang.check.checker import CheckedPolicy
from aidlang.cli.inputs import UsageFailure

ENGINES = ("interp", "compiled", "batch", "spark")
AVAILABLE = ("interp", "compiled", "batch")


def add_engine(parser) -> None:
    """`--engine interp|compiled|batch|spark` (docs/language.md; default the interpreter)."""
    parser.add_argument("--engine", choices=ENGINES, default="interp", help="engine (default interp)")
    parser.add_argument("--generated", metavar="DIR", default=None,
                        help="where compiled modules are, as `aidlang compile --generated DIR` writes them "
                             "(default generated/)")


def check_available(name: str) -> None:
    if name not in AVAILABLE:
        raise UsageFailure(f"引擎 {name} 尚未提供（目前可用：{'、'.join(AVAILABLE)}），请使用 --engine interp",
                           f"the {name} engine is not available yet (available: {', '.join(AVAILABLE)}); "
                           f"use --engine interp")


def make_engine(name: str, checked: CheckedPolicy, params: dict[str, Any], generated: str | None = None,
                lang: str = "zh"):
    """An engine with the interpreter's interface: settle, explain, annual, funds, monitor. `generated`: the
    `--generated DIR` of the command (default generated/), where the compiled module is looked for."""
    check_available(name)
    if name == "compiled":
        from aidlang.engines.compiled.loader import load_module

        module, how = load_module(checked, directory=generated)
        if how.startswith("in memory"):
            print(stale_advice(checked, how, generated, lang), file=sys.stderr)
        return module.Policy(params)
    from aidlang.engines.interp.interpreter import Interpreter  # imported late: `aidlang --help` should not pay for it

    if name == "batch":  # columns, with the interpreter as the sequential kernel for what no window expresses
        from aidlang.engines.batch.engine import BatchSettler

        return BatchSettler(checked, Interpreter(checked, params))
    return Interpreter(checked, params)


def stale_advice(checked: CheckedPolicy, how: str, generated: str | None, lang: str) -> str:
    """What was done and the exact command that writes the module where this command looks for it."""
    source = checked.policy.span.source.name
    command = f"aidlang compile {source}" + (f" --generated {generated}" if generated else "")
    if lang == "en":
        return f"aidlang: compiled engine: {how}; `{command}` writes it"
    state = "过期" if "stale" in how else "缺失"
    return f"aidlang：编译引擎：生成的模块{state}，已在内存中编译本政策（{how}）；运行 `{command}` 生成它"
