"""The pipeline's layers import only downwards (style.md): a lower module never imports a higher one."""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aidlang"

# layer -> the aidlang modules it may import (anything not listed here is unconstrained). A layer is a module
# `aidlang/<layer>.py` or a package `aidlang/<layer>/`, whose modules may also import each other.
ALLOWED = {
    "source": set(),
    "messages": set(),
    "diagnostics": {"messages", "source"},
    "nodes": {"source"},
    "records": set(),
    "runtime": {"records"},
    "build_ast": {"nodes", "diagnostics", "source", "messages"},
    "parser": {"nodes", "build_ast", "diagnostics", "source", "messages"},
    "symbols": {"nodes", "source"},
    "sheets": set(),  # bytes → rows of text cells (decoding, delimiters, quotes, workbooks)
    "data": {"runtime", "records", "source", "sheets"},
    "params": {"data", "runtime"},
    "outputs": {"data", "runtime", "records"},
    # synthetic data from a checked policy: reads the policy's symbols and periods, knows no engine or file
    "synth": {"nodes", "symbols", "periods", "evaluate", "runtime", "source"},
}
NEVER_BELOW_CLI = {"cli", "commands"}


def relative(path: Path) -> str:
    """A file's path inside the package: `runtime/funds.py` is not `funds.py`."""
    return path.relative_to(PACKAGE).as_posix()


def layer_files(layer: str) -> list[Path]:
    """The module `aidlang/<layer>.py`, or every module of the package `aidlang/<layer>/`."""
    module = PACKAGE / f"{layer}.py"
    if module.exists():
        return [module]
    return sorted((PACKAGE / layer).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """The dotted names a file imports, relative imports resolved (`from ..records import X` in
    `aidlang/runtime/money.py` is `aidlang.records`; `from . import runtime` in `aidlang/data.py` is
    `aidlang.runtime`)."""
    package = ("aidlang", *path.relative_to(PACKAGE).parts[:-1])  # what a relative import starts from
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module
            if node.module is None or module == "aidlang":  # `from . import x`: x is a module
                found.update(f"{module}.{alias.name}" for alias in node.names)
            else:
                found.add(module)
    return found


def aidlang_imports(path: Path) -> set[str]:
    """The modules and packages directly inside aidlang that a file imports (`runtime` for
    `aidlang.runtime.money`)."""
    return {name.split(".")[1] for name in imported_modules(path) if name.startswith("aidlang.")}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_downwards(layer):
    paths = layer_files(layer)
    if not paths:
        pytest.skip(f"{layer} not written yet")
    for path in paths:
        allowed = ALLOWED[layer] if path.parent == PACKAGE else ALLOWED[layer] | {layer}
        extra = aidlang_imports(path) - allowed
        assert not extra, f"aidlang/{relative(path)} imports {sorted(extra)}, above its layer"


def test_runtime_imports_only_the_standard_library():
    """Besides `records` and each other, the runtime's modules import the standard library only."""
    for path in layer_files("runtime"):
        tops = {name.split(".")[0] for name in imported_modules(path)}
        assert tops <= set(sys.stdlib_module_names) | {"aidlang"}, path


def test_lark_does_not_leak_past_the_front_end():
    """Only the parser, the tree builder and the formatter know Lark's types."""
    for path in PACKAGE.rglob("*.py"):
        if relative(path) in {"parser.py", "build_ast.py", "formatter.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        assert "from lark" not in text and "import lark" not in text, path


def test_nothing_below_the_cli_imports_it():
    for path in PACKAGE.rglob("*.py"):
        if relative(path).startswith("commands/") or relative(path) in {"cli.py", "__main__.py"}:
            continue
        assert not (aidlang_imports(path) & NEVER_BELOW_CLI), path
