"""The pipeline's layers import only downwards (style.md): a lower module never imports a higher one."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aidlang"

# module -> the aidlang modules it may import (anything not listed here is unconstrained)
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
    "data": {"runtime", "records", "source"},
}
NEVER_BELOW_CLI = {"cli", "commands"}


def aidlang_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level >= 1:
                base = (node.module or "").split(".")[0]
                if base:
                    found.add(base)
                else:
                    found.update(alias.name.split(".")[0] for alias in node.names)
            elif (node.module or "").startswith("aidlang."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("aidlang."))
    return found


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_layer_imports_only_downwards(module):
    path = PACKAGE / f"{module}.py"
    if not path.exists():
        pytest.skip(f"{module}.py not written yet")
    extra = aidlang_imports(path) - ALLOWED[module]
    assert not extra, f"aidlang/{module}.py imports {sorted(extra)}, above its layer"


def test_lark_does_not_leak_past_the_front_end():
    """Only the parser, the tree builder and the formatter know Lark's types."""
    for path in PACKAGE.rglob("*.py"):
        if path.stem in {"parser", "build_ast", "formatter"}:
            continue
        text = path.read_text(encoding="utf-8")
        assert "from lark" not in text and "import lark" not in text, path


def test_nothing_below_the_cli_imports_it():
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "commands" or path.stem in {"cli", "__main__"}:
            continue
        assert not (aidlang_imports(path) & NEVER_BELOW_CLI), path
