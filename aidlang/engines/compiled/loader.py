"""Loading a policy's compiled module (`aidlang compile` → `generated/<stem>.py`) to settle with it.

`load_module(checked, directory)` imports `<directory>/<stem>.py` when its text is exactly what
`codegen.render` gives for the policy (fresh); when the file is missing or stale the module is compiled
in memory from the policy instead (`how` says which), so a run never settles with code that does not match the
policy it names.

One place for generated modules: `generated_dir` is where `compile` writes, `compile --check` looks and
`run/test/annual/funds/monitor --engine compiled` read — `--generated DIR` on each, and by default `generated/`
in the current directory, wherever the policy itself is on disk (contract: `compile`'s default DIR). So the
advice "run `aidlang compile POLICY`" after a stale or missing module always fixes it.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

from aidlang.engines.compiled import codegen as backend

DEFAULT_DIR = "generated"


def generated_dir(directory: str | Path | None = None) -> Path:
    """The directory of generated modules and tables: `--generated DIR`, else `generated/` here."""
    return Path(directory if directory else DEFAULT_DIR)


def generated_path(checked, directory: str | Path | None = None) -> Path | None:
    """`<generated dir>/<stem>.py` for a policy read from `<anywhere>/<stem>.aid`."""
    span = getattr(checked.policy, "span", None)
    source = getattr(span, "source", None)
    if source is None or not source.name:
        return None
    return (generated_dir(directory) / (Path(source.name).stem + ".py")).resolve()


def module_from_source(text: str, name: str, filename: str = "<compiled policy>") -> types.ModuleType:
    """A module executed from generated text (not registered in sys.modules)."""
    module = types.ModuleType(name)
    module.__file__ = filename
    exec(compile(text, filename, "exec"), module.__dict__)  # the text is codegen's output
    return module


def load_module(checked, path: Path | None = None,
                directory: str | Path | None = None) -> tuple[types.ModuleType, str]:
    """(the compiled module, "generated" if imported from its file, else "in memory (missing|stale)")."""
    text = backend.render(checked)
    path = path or generated_path(checked, directory)
    name = f"aidlang_generated_{checked.name}"
    if path is not None and path.is_file():
        if path.read_bytes() == text.encode("utf-8"):
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot import {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules.pop(name, None)
            spec.loader.exec_module(module)
            return module, f"generated ({path})"
        return module_from_source(text, name, str(path)), f"in memory ({path} is stale)"
    return module_from_source(text, name), f"in memory ({path} is missing)" if path else "in memory"
