"""`aidlang check`: what it prints where, and its exit codes (docs/language.md, "命令 Commands"). The checker's
own errors are pinned in tests/test_check*; here only the command around them."""

from pathlib import Path

import pytest

from aidlang.cli import main

CLEAN = ('政策 p "示例政策" {\n  文号 "示例〔2023〕1号"\n  发布机关 "某市医疗保障局"\n  施行日期 2023-01-01\n}\n\n'
         '类别 特困人员 依据 "二(一)"\n')
BROKEN = CLEAN + "群组 全体 =\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "clean.aid").write_text(CLEAN, encoding="utf-8")
    return tmp_path


def test_clean_files_exit_0_with_a_summary_on_stdout(folder, capsys):
    assert main(["check", str(folder / "clean.aid")]) == 0
    out, err = capsys.readouterr()
    assert out == "1 个政策文件检查通过\n" and err == ""
    assert main(["check", "--lang", "en", str(folder)]) == 0
    assert capsys.readouterr().out == "1 policy file checked: no problems\n"


def test_every_problem_is_printed_with_its_position_source_line_and_caret(folder, capsys):
    broken = folder / "broken.aid"
    broken.write_text(BROKEN, encoding="utf-8")
    assert main(["check", str(folder)]) == 1  # a directory: both files, the clean one still counted
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"{broken}:8:8: 错误 E003: 文件在 名称 之前意外结束\n"
                   "  群组 全体 =\n"
                   "             ^\n"
                   "1 个政策文件有错误，共 1 个问题；1 个通过\n")


def test_a_missing_path_exits_2_without_a_traceback(folder, capsys):
    assert main(["check", str(folder / "clean.aid"), str(folder / "nowhere.aid")]) == 2
    assert capsys.readouterr().err == f"找不到文件或目录：{folder / 'nowhere.aid'}\n"
    assert main(["check", "--lang", "en", str(folder / "nowhere")]) == 2
    assert capsys.readouterr().err == f"no such file or directory: {folder / 'nowhere'}\n"


def test_a_directory_without_policies_is_a_warning(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 0
    assert ".aid" in capsys.readouterr().err


def test_the_default_is_the_policies_directory(folder, capsys, monkeypatch):
    (folder / "policies").mkdir()
    (folder / "clean.aid").rename(folder / "policies" / "clean.aid")
    monkeypatch.chdir(folder)
    assert main(["check"]) == 0
    assert capsys.readouterr().out == "1 个政策文件检查通过\n"


def test_an_internal_error_is_one_line_and_exit_3_never_a_traceback(folder, capsys, monkeypatch):
    from aidlang.check import pipeline

    def broken(files):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "load_all", broken)
    monkeypatch.delenv("AIDLANG_DEBUG", raising=False)
    assert main(["check", str(folder)]) == 3
    err = capsys.readouterr().err
    assert err == "内部错误（RuntimeError）：boom。请报告此问题；设置 AIDLANG_DEBUG=1 可查看详细信息\n"
    assert main(["--lang", "en", "check", str(folder)]) == 3
    assert "Traceback" not in capsys.readouterr().err
    monkeypatch.setenv("AIDLANG_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["check", str(folder)])
