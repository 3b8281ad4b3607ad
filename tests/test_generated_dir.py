"""Issue 13 item 5: one place for generated modules. `compile`, `compile --check` and `--engine compiled` of
run/test agree on the directory for a policy anywhere on disk — `--generated DIR` on each, default `generated/`
in the current directory — and compile's summary counts what it wrote and what was already up to date."""

from __future__ import annotations

from pathlib import Path

from aidlang.cli import main

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = ("claim_id,person_id,visit_type,admission_date,discharge_date,policy_scope_cost,basic_paid,critical_paid\n"
          # wuxi 四(六), 特困人员: 100% × (20,000 − 12,000) = 8,000
          "c1,p1,inpatient,2023-03-01,2023-03-10,20000,12000,0\n")
IDENTITIES = "person_id,category,start,end\np1,特困人员,2023-01-01,\n"


def setup(tmp_path: Path) -> Path:
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    (elsewhere / "city.aid").write_bytes((ROOT / "policies" / "wuxi.aid").read_bytes())
    (tmp_path / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    (tmp_path / "identities.csv").write_text(IDENTITIES, encoding="utf-8")
    return elsewhere / "city.aid"


def run_compiled(policy: Path, *extra: str) -> int:
    return main(["run", str(policy), "--claims", "claims.csv", "--identities", "identities.csv", "--engine",
                 "compiled", "--out", "results.csv", *extra])


def test_default_directory_is_the_same_for_compile_check_and_run(tmp_path, monkeypatch, capsys):
    policy = setup(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["compile", "--check", str(policy)]) == 1
    assert "aidlang compile " + str(policy) in capsys.readouterr().err  # the advice names the exact command
    assert run_compiled(policy) == 0
    err = capsys.readouterr().err
    assert f"运行 `aidlang compile {policy}` 生成它" in err  # compiled in memory, and how to write the module
    assert main(["compile", str(policy)]) == 0
    assert "写入 3 个，0 个已是最新" in capsys.readouterr().out  # city.py, city.md, city.html
    assert (tmp_path / "generated" / "city.py").is_file()
    assert main(["compile", "--check", str(policy)]) == 0
    assert run_compiled(policy) == 0
    assert "内存" not in capsys.readouterr().err  # the module compile wrote is the one run imports
    assert main(["compile", str(policy)]) == 0
    assert "写入 0 个，3 个已是最新" in capsys.readouterr().out
    assert "8000.00" in (tmp_path / "results.csv").read_text(encoding="utf-8")
    assert main(["test", "--engine", "compiled", str(policy)]) == 0


def test_generated_option_on_each_command(tmp_path, monkeypatch, capsys):
    policy = setup(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["compile", str(policy), "--generated", "out/mods"]) == 0
    assert (tmp_path / "out" / "mods" / "city.py").is_file() and not (tmp_path / "generated").exists()
    capsys.readouterr()
    assert main(["compile", "--check", str(policy), "--generated", "out/mods"]) == 0
    assert run_compiled(policy, "--generated", "out/mods") == 0
    assert "内存" not in capsys.readouterr().err
    (tmp_path / "out" / "mods" / "city.py").write_text("# stale\n", encoding="utf-8")
    assert main(["compile", "--check", str(policy), "--generated", "out/mods"]) == 1
    assert f"请运行 aidlang compile {policy} --generated out/mods" in capsys.readouterr().err
    assert run_compiled(policy, "--generated", "out/mods", "--lang", "en") == 0
    assert f"`aidlang compile {policy} --generated out/mods` writes it" in capsys.readouterr().err
