"""The other settling commands end to end: explain, test, annual, funds, monitor (exit codes and shapes;
the amounts themselves are pinned by the policies' own tests and test_cli_run.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from aidlang import cli
from aidlang.cli import main

ROOT = Path(__file__).resolve().parent.parent
WUXI = str(ROOT / "policies" / "wuxi.aid")
HUIZHOU = str(ROOT / "policies" / "huizhou.aid")
MIANYANG = str(ROOT / "policies" / "mianyang.aid")
CLAIMS = ("claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid\n"
          "c1,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0\n"
          "c2,p2,inpatient,2023-03-01,2023-03-10,-1,0,0\n")
IDENTITIES = "person_id,category,start,end\np1,特困人员,2023-01-01,\n"


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_explain_prints_numbered_steps_with_clauses(tmp_path, capsys):
    claims, identities = write(tmp_path / "c.csv", CLAIMS), write(tmp_path / "i.csv", IDENTITIES)
    # c2 is bad, but it is another person's row: it cannot change c1's settlement
    assert main(["explain", WUXI, "--claims", claims, "--identities", identities, "--claim", "c1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [int(re.match(r"(\d+)\. ", line).group(1)) for line in lines] == list(range(1, len(lines) + 1))
    assert any("四(六)" in line and "8,000.00" in line for line in lines)


def test_explain_a_bad_or_unknown_claim(tmp_path, capsys):
    claims, identities = write(tmp_path / "c.csv", CLAIMS), write(tmp_path / "i.csv", IDENTITIES)
    assert main(["explain", WUXI, "--claims", claims, "--identities", identities, "--claim", "c2"]) == 2
    assert main(["explain", WUXI, "--claims", claims, "--identities", identities, "--claim", "c9"]) == 2
    err = capsys.readouterr().err
    assert f"{claims}:3:policy_scope_cost: 金额不能为负数：-1" in err and "没有就诊编号 c9" in err


def test_test_command_summary_and_failure_report(tmp_path, capsys):
    assert main(["test", WUXI]) == 0
    assert re.fullmatch(r"\d+ passed, 0 failed", capsys.readouterr().out.splitlines()[-1])
    broken = tmp_path / "wuxi.aid"
    text = Path(WUXI).read_text(encoding="utf-8")
    assert "预期 c1 医疗救助支付 8000元" in text
    broken.write_text(text.replace("预期 c1 医疗救助支付 8000元", "预期 c1 医疗救助支付 7000元", 1), encoding="utf-8")
    assert main(["test", str(broken)]) == 1
    out = capsys.readouterr().out
    assert f"{broken}:" in out and "预期 7000.00元，实际 8000.00元" in out
    assert re.search(r"^\s+1\. ", out, re.M)  # the explanation trace
    assert re.fullmatch(r"\d+ passed, 1 failed", out.splitlines()[-1])
    # the same cases, settled by the compiled module (compiled in memory here: no generated/ beside tmp_path)
    assert main(["test", str(broken), "--engine", "compiled"]) == 1
    out = capsys.readouterr().out
    assert "预期 7000.00元，实际 8000.00元" in out and re.search(r"^\s+1\. ", out, re.M)
    assert re.fullmatch(r"\d+ passed, 1 failed", out.splitlines()[-1])


def test_every_policy_test_case_passes_on_the_compiled_modules(capsys):
    assert main(["test", str(ROOT / "policies"), "--engine", "compiled"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(r"\d+ passed, 0 failed", last) and int(last.split()[0]) >= 60


def test_funds_writes_the_schedule(tmp_path):
    out = tmp_path / "schedule.csv"
    shutil.copy(ROOT / "examples" / "huizhou" / "expenditures.csv", tmp_path / "e.csv")
    assert main(["funds", HUIZHOU, "--expenditures", str(tmp_path / "e.csv"), "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "county,item,due,amount,basis" and len(lines) > 1


def test_annual_and_monitor(tmp_path, capsys):
    identities = write(tmp_path / "i.csv", IDENTITIES)
    assert main(["annual", WUXI, "--year", "2023", "--identities", identities]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "person_id,benefit,amount,due,basis"
    claims = write(tmp_path / "c.csv", CLAIMS.splitlines(keepends=True)[0] + CLAIMS.splitlines(keepends=True)[1])
    params = ["--param", "prev_year_disposable_income=40000"]
    assert main(["monitor", MIANYANG, "--claims", claims, "--month", "2023-03", *params]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "person_id,cumulative_self_paid,threshold,push_by,basis"


def test_annual_funds_and_monitor_write_the_same_with_the_compiled_module(tmp_path):
    """`--engine compiled` (the checked-in generated/*.py) against the interpreter on the bundled examples."""
    examples = ROOT / "examples"
    mianyang_params = (examples / "mianyang" / "params.txt").read_text(encoding="utf-8").split()  # --param N=V …
    commands = {
        "annual": ["annual", MIANYANG, "--year", "2023", "--identities", str(examples / "mianyang" / "identities.csv"),
                   *mianyang_params],
        "funds": ["funds", HUIZHOU, "--expenditures", str(examples / "huizhou" / "expenditures.csv")],
        "monitor": ["monitor", MIANYANG, "--claims", str(examples / "mianyang" / "claims.csv"), "--month", "2023-12",
                    *mianyang_params],
    }
    for name, args in commands.items():
        outs = {}
        for engine in ("interp", "compiled"):
            outs[engine] = tmp_path / f"{name}-{engine}.csv"
            assert main([*args, "--engine", engine, "--out", str(outs[engine])]) == 0, (name, engine)
        assert outs["compiled"].read_bytes() == outs["interp"].read_bytes(), name
        assert len(outs["interp"].read_text(encoding="utf-8").splitlines()) > 1, name  # not only a header


# ---------------------------------------------------------------- command modules that do not import

def add_command_module(tmp_path: Path, monkeypatch, name: str, text: str | None) -> str:
    """A module `aidlang.cli.<name>` in tmp_path (none when `text` is None), listed in cli.COMMANDS."""
    if text is not None:
        (tmp_path / f"{name}.py").write_text(text, encoding="utf-8")
    monkeypatch.setattr(cli, "__path__", [*cli.__path__, str(tmp_path)])
    monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, name))
    return f"aidlang.cli.{name}"


@pytest.mark.parametrize("text, cause", [
    ("import aidlang_no_such_dependency\n", "ModuleNotFoundError: No module named 'aidlang_no_such_dependency'"),
    ("from aidlang.io.data import no_such_name\n", "ImportError: cannot import name 'no_such_name'"),
    (None, "ModuleNotFoundError: No module named 'aidlang.cli.missing'"),
], ids=["missing dependency", "missing name", "missing module"])
def test_a_command_module_that_does_not_import_is_an_internal_error_naming_it(tmp_path, monkeypatch, capsys, text,
                                                                               cause):
    """Not a command that silently goes missing from `aidlang --help`: every command fails, exit 3, one line."""
    module = add_command_module(tmp_path, monkeypatch, "broken" if text else "missing", text)
    assert main(["check", WUXI]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"内部错误：无法导入命令模块 {module}（{cause}") and err.count("\n") == 1
    assert main(["--lang", "en", "check", WUXI]) == 3
    assert capsys.readouterr().err.startswith(f"internal error: the command module {module} cannot be imported "
                                              f"({cause}")
    assert main(["check", "--lang=en", WUXI]) == 3
    assert capsys.readouterr().err.startswith("internal error: the command module")


def test_a_command_module_that_does_not_import_shows_its_traceback_with_aidlang_debug(tmp_path, monkeypatch):
    add_command_module(tmp_path, monkeypatch, "broken", "from aidlang.io.data import no_such_name\n")
    monkeypatch.setenv("AIDLANG_DEBUG", "1")
    with pytest.raises(cli.CommandUnavailable) as raised:
        main(["check", WUXI])
    assert raised.value.module == "aidlang.cli.broken"
    assert isinstance(raised.value.__cause__, ImportError)


def test_every_listed_command_imports():
    for name in cli.COMMANDS:
        assert callable(cli._command(name).register), name
