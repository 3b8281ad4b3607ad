"""`aidlang compile [PATH...] [--out DIR | --generated DIR] [--check]`: the generated files of each policy.

For every policy, one file per backend in `BACKENDS`: `DIR/<name>.md` and `DIR/<name>.html` (the Chinese policy
table), and `DIR/<name>.py` from the Python-module backend (`aidlang/engines/compiled/codegen.py`,
`render(checked) -> str`). `<name>` is the `.aid` file's stem. Files are written atomically (a temporary file
in DIR, then a rename) and only when their content changes. `--check` writes nothing: it names every file that
is missing or stale and exits 1 (for CI).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path
from typing import Callable

from aidlang import cli
from aidlang.check import pipeline
from aidlang.cli._files import say, unreadable, with_policy_files
from aidlang.engines.compiled.loader import DEFAULT_DIR
from aidlang.frontend.diagnostics import AidError, render_all
from aidlang.io.outputs import remove_stale_temps, temp_path

Render = Callable[[object], str]

# (suffix, module, its renderer): imported when a policy is compiled — every other command imports this module
# (to register it) without paying for the table templates
BACKENDS = [(".md", "aidlang.documents.tables", "render_markdown"),
            (".html", "aidlang.documents.tables", "render_html")]
OPTIONAL_BACKENDS = [(".py", "aidlang.engines.compiled.codegen")]  # (suffix, module with `render(checked) -> str`)


def backends() -> list[tuple[str, Render]]:
    """Every backend: the tables, and each optional backend whose module exists (its own import errors surface)."""
    found: list[tuple[str, Render]] = []
    for suffix, module_name in OPTIONAL_BACKENDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name:
                continue  # not written yet
            raise
        found.append((suffix, module.render))
    return found + [(suffix, getattr(importlib.import_module(module), name)) for suffix, module, name in BACKENDS]


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "compile", help="write generated modules and Chinese policy tables / 生成政策表格",
        description="Write DIR/<name>.md and DIR/<name>.html (and DIR/<name>.py) for each policy.")
    parser.add_argument("paths", nargs="*", metavar="PATH", help=".aid files or directories (default: policies/)")
    parser.add_argument("--out", "--generated", dest="out", default=DEFAULT_DIR, metavar="DIR",
                        help="output directory, where run/test --engine compiled --generated DIR read the modules "
                             "(default: generated/)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 naming each missing or stale file")
    cli.add_lang(parser)
    parser.set_defaults(func=run)


def write_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text so that readers see the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)  # a killed run's `.<name>.aidlang-<pid>.tmp`, named as outputs.py names them
    tmp = str(temp_path(path))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.chmod(tmp, _file_mode(path))  # mkstemp makes 0600; give the file the mode a plain open() would
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def render_all_outputs(files: list[Path], out: Path, lang: str) -> tuple[dict[Path, str], int]:
    """The text of every output file, and the number of policies that failed to load (their errors printed)."""
    outputs: dict[Path, str] = {}
    sources: dict[Path, Path] = {}
    failed = 0
    chosen = backends()
    for path in files:
        try:
            checked = pipeline.load(path)
        except AidError as error:
            print(render_all(error.diagnostics, lang), file=sys.stderr)
            failed += 1
            continue
        for suffix, render in chosen:
            target = out / (path.stem + suffix)
            if target in sources:
                say(lang, f"{path} 与 {sources[target]} 会生成同名文件 {target}",
                    f"{path} and {sources[target]} would both write {target}", error=True)
                failed += 1
                break
            sources[target] = path
            outputs[target] = render(checked)
    return outputs, failed


@with_policy_files
def run(args: argparse.Namespace, files: list[Path]) -> int:
    lang = args.lang
    out = Path(args.out)
    try:
        outputs, failed = render_all_outputs(files, out, lang)
        if args.check:
            # Only a run over every policy (no PATH given) knows which generated files no policy writes any more.
            return check(outputs, failed, lang, out if not args.paths else None, fix_command(args))
        written = 0
        for target, text in outputs.items():
            if target.is_file() and target.read_bytes() == text.encode("utf-8"):
                continue
            write_atomic(target, text)
            written += 1
            say(lang, f"已写入 {target}", f"wrote {target}")
    except OSError as error:
        return unreadable(lang, error)
    unchanged = len(outputs) - written
    say(lang, f"写入 {written} 个，{unchanged} 个已是最新", f"{written} written, {unchanged} already up to date")
    if failed:
        say(lang, f"{failed} 个政策文件有错误，未生成", f"{failed} policy files have errors: not compiled", error=True)
        return 1
    return 0


def fix_command(args: argparse.Namespace) -> str:
    """The command that brings what `compile --check` looked at up to date: the same paths and directory."""
    words = ["aidlang compile", *args.paths]
    if args.out != DEFAULT_DIR:
        words.append(f"--generated {args.out}")
    return " ".join(words)


def check(outputs: dict[Path, str], failed: int, lang: str, whole_dir: Path | None = None,
          command: str = "aidlang compile") -> int:
    stale = 0
    suffixes = {target.suffix for target in outputs}
    leftovers = sorted(p for p in (whole_dir.iterdir() if whole_dir and whole_dir.is_dir() else ())
                       if p.suffix in suffixes and p not in outputs and failed == 0)
    for leftover in leftovers:
        say(lang, f"多余 {leftover}：没有政策生成它，请删除", f"leftover: {leftover}: no policy writes it; delete it",
            error=True)
    for target, text in outputs.items():
        if not target.is_file():
            say(lang, f"缺少 {target}", f"missing: {target}", error=True)
            stale += 1
        elif target.read_bytes() != text.encode("utf-8"):
            say(lang, f"已过期 {target}", f"stale: {target}", error=True)
            stale += 1
    if failed:
        say(lang, f"{failed} 个政策文件有错误，无法检查其生成文件", f"{failed} policy files have errors: cannot check "
            "their generated files", error=True)
    if stale or failed or leftovers:
        if stale:
            say(lang, f"{stale} 个生成文件需要更新：请运行 {command}",
                f"{stale} generated files need updating: run {command}", error=True)
        return 1
    say(lang, f"{len(outputs)} 个生成文件均为最新", f"{len(outputs)} generated files are up to date")
    return 0
