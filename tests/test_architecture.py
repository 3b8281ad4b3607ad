"""The layers import only downwards: a lower module never imports a higher one (README, "Layout")."""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aidlang"

# The layers, bottom to top: a module may import modules of its own layer and of the layers below it, never
# one above. Every module and package directly inside aidlang/ belongs to exactly one layer (a new one must be
# placed, a missing one fails the test): front end → plan → engines, documents, files → commands.
LAYERS = (
    ("records", {"records"}),  # what flows between data files and engines
    ("runtime", {"runtime"}),  # the execution core: what generated modules import (stdlib only)
    ("front end", {"frontend"}),  # source, parser, syntax tree, diagnostics, formatter
    ("checker", {"check"}),  # symbols, types, static facts, periods, the rules' order; load = read → check
    ("plan", {"plan"}),  # the checked policy lowered into the plan every engine runs
    ("engines, documents, files", {"engines", "documents", "io"}),
    ("policy tests, analysis", {"policy_tests", "analysis"}),  # the policies' own cases; static analysis
    ("commands", {"cli", "__main__"}),
)
LAYER_OF = {module: index for index, (_, modules) in enumerate(LAYERS) for module in modules}
# engines never import each other's internals: each is a lowering of the plan, and the plan and the runtime are
# what they share
ENGINES = ("aidlang.engines.interp", "aidlang.engines.compiled")
NEVER_BELOW_CLI = {"cli"}


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
    `aidlang/runtime/money.py` is `aidlang.records`; `from . import runtime` in `aidlang/policy_tests.py` is
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


def top_level_modules() -> set[str]:
    """The modules and packages directly inside aidlang/."""
    return {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"} | \
        {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def test_every_module_is_in_exactly_one_layer():
    placed = [m for _, modules in LAYERS for m in modules]
    assert len(placed) == len(set(placed)), "a module is in two layers"
    assert top_level_modules() == set(placed), (
        f"not in a layer: {sorted(top_level_modules() - set(placed))}; "
        f"in a layer but missing: {sorted(set(placed) - top_level_modules())}")


@pytest.mark.parametrize("layer", [name for name, _ in LAYERS])
def test_layer_imports_only_downwards(layer):
    index = next(i for i, (name, _) in enumerate(LAYERS) if name == layer)
    for module in LAYERS[index][1]:
        paths = layer_files(module)
        assert paths, f"aidlang/{module} is missing"
        for path in paths:
            above = {m for m in aidlang_imports(path) if LAYER_OF.get(m, len(LAYERS)) > index}
            assert not above, f"aidlang/{relative(path)} imports {sorted(above)}, above its layer ({layer})"


def test_engines_do_not_import_each_other():
    for engine in ENGINES:
        others = [e for e in ENGINES if e != engine]
        paths = sorted((PACKAGE.parent / engine.replace(".", "/")).rglob("*.py"))
        assert paths, f"{engine} is missing"
        for path in paths:
            found = {m for m in imported_modules(path) for other in others if m == other or m.startswith(other + ".")}
            assert not found, f"aidlang/{relative(path)} imports {sorted(found)}, another engine's"


def test_documents_and_files_import_no_engine():
    """The tables, comparisons, explanations and data files work from the plan and the runtime, whatever engine
    settles."""
    for layer in ("documents", "io"):
        for path in layer_files(layer):
            found = {m for m in imported_modules(path) if m.startswith("aidlang.engines")}
            assert not found, f"aidlang/{relative(path)} imports {sorted(found)}"


def test_runtime_imports_only_the_standard_library():
    """Besides `records` and each other, the runtime's modules import the standard library only: a generated
    module needs nothing else."""
    for path in layer_files("runtime"):
        tops = {name.split(".")[0] for name in imported_modules(path)}
        assert tops <= set(sys.stdlib_module_names) | {"aidlang"}, path


def test_lark_does_not_leak_past_the_front_end():
    """Only the parser, the tree builder and the formatter know Lark's types."""
    for path in PACKAGE.rglob("*.py"):
        if relative(path) in {"frontend/parser.py", "frontend/build_ast.py", "frontend/formatter.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        assert "from lark" not in text and "import lark" not in text, path


def test_nothing_below_the_cli_imports_it():
    for path in PACKAGE.rglob("*.py"):
        if relative(path).startswith("cli/") or relative(path) == "__main__.py":
            continue
        assert not (aidlang_imports(path) & NEVER_BELOW_CLI), path


def test_every_package_is_installed():
    """`pip install .` installs the packages pyproject.toml lists: a package left out of the list works in a
    checkout and is missing from an installation."""
    import tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
                 ["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(PACKAGE.parent).parts) for p in PACKAGE.rglob("__init__.py")}
    assert found <= listed, f"not in pyproject.toml's packages: {sorted(found - listed)}"
