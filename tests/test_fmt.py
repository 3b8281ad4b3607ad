"""`aidlang fmt`: the canonical layout, its promises (idempotent, meaning kept, comments kept) and the command."""

from pathlib import Path

import pytest

from aidlang.cli import main
from aidlang.frontend.diagnostics import AidError
from aidlang.frontend.formatter import format_source, format_text
from aidlang.frontend.parser import parse, read_source
from aidlang.frontend.source import Source

ROOT = Path(__file__).resolve().parent.parent
POLICIES = sorted((ROOT / "policies").glob("*.aid"))
CASE_FILES = sorted((ROOT / "tests" / "cases").rglob("*.aid"))

HEADER = '政策 p "示例" {\n  施行日期 2023-01-01\n}\n'


def fmt(text: str) -> str:
    return format_text(text, "t.aid")


def same_meaning(before: str, after: str) -> bool:
    """The syntax trees are equal (nodes compare without their spans)."""
    return parse(Source("before.aid", before)) == parse(Source("after.aid", after))


# ---------------------------------------------------------------- promises, on every real file

def _policy_or_skip(path: Path) -> Source:
    try:
        source = read_source(path)
        parse(source)
    except AidError as error:
        pytest.skip(f"{path.name} does not parse (its own tests report it): {error.diagnostics[0].code}")
    return source


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_formatting_a_policy_keeps_its_meaning_and_is_idempotent(path):
    source = _policy_or_skip(path)
    once = format_source(source)
    assert same_meaning(source.text, once)
    assert fmt(once) == once


@pytest.mark.parametrize("path", POLICIES + CASE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_formatting_a_test_case_keeps_its_meaning_or_its_error(path):
    """The error cases too: a checker error survives formatting, a syntax error stops it with the same message."""
    try:
        source = read_source(path)
        expected = parse(source)
    except AidError as error:
        expected = [(d.code, d.span.line, d.span.column) for d in error.diagnostics]
        source = None if expected[0][0] == "E004" else source
    if source is None:
        return  # not UTF-8: there is no text to format
    try:
        once = format_source(source)
    except AidError as error:  # a syntax error: fmt reports exactly what parse reports
        assert [(d.code, d.span.line, d.span.column) for d in error.diagnostics] == expected
        return
    assert fmt(once) == once
    try:
        assert parse(Source(source.name, once)) == expected
    except AidError as error:  # a value the tree cannot hold (E005, E006): formatting keeps the mistake
        assert [d.code for d in error.diagnostics] == [code for code, _, _ in expected]


@pytest.mark.parametrize("path", POLICIES + CASE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_comment_is_kept(path):
    try:
        source = read_source(path)
        formatted = format_source(source).splitlines()
    except AidError:
        pytest.skip("does not parse")
    comments = [line.strip() for line in source.text.splitlines() if line.strip().startswith("#")]
    for comment in comments:
        assert any(line.strip() == comment for line in formatted), comment


def test_a_file_that_does_not_parse_is_not_formatted():
    broken = HEADER + "类别 特困人员 依据 二(一)\n"
    with pytest.raises(AidError) as from_fmt:
        fmt(broken)
    with pytest.raises(AidError) as from_parse:
        parse(Source("t.aid", broken))
    assert from_fmt.value.diagnostics == from_parse.value.diagnostics  # the same E015 that check prints


# ---------------------------------------------------------------- layout

def test_one_declaration_per_line_and_block_items_indented_two_spaces():
    text = '政策 p { 施行日期 2023-01-01 依据 "一" } 类别 a 类别 b 身份规则 { 多重身份 就高 顺序 a, b }'
    assert fmt(text) == (
        '政策 p {\n  施行日期 2023-01-01\n  依据 "一"\n}\n'
        '类别 a\n类别 b\n'
        '身份规则 {\n  多重身份 就高\n  顺序 a, b\n}\n'
    )


def test_a_long_declaration_written_over_several_lines_is_joined():
    text = HEADER + "待遇 医疗救助 a {\n  对 b:\n     比例 85%\n     限额 1万元\n}\n"
    assert fmt(text) == HEADER + "待遇 医疗救助 a {\n  对 b: 比例 85% 限额 1万元\n}\n"


def test_blank_lines_between_declarations_collapse_to_one_and_none_are_added():
    text = "\n\n" + HEADER + "\n\n\n类别 a\n类别 b\n\n类别 c\n\n\n"
    assert fmt(text) == HEADER + "\n类别 a\n类别 b\n\n类别 c\n"


def test_blank_lines_inside_a_block_are_kept_only_between_items():
    text = HEADER + "身份规则 {\n\n  多重身份 就高\n\n\n  顺序 a, b\n  丧失身份 次月起不再享受\n\n}\n"
    assert fmt(text) == HEADER + "身份规则 {\n  多重身份 就高\n\n  顺序 a, b\n  丧失身份 次月起不再享受\n}\n"


def test_line_endings_bom_and_ideographic_spaces_are_normalised():
    text = "\ufeff" + HEADER.replace("\n", "\r\n") + "类别\u3000a   依据\t\"一\"\r\n"
    assert fmt(text) == HEADER + '类别 a 依据 "一"\n'


# ---------------------------------------------------------------- spacing

@pytest.mark.parametrize("written, canonical", [
    ("参数 x: 比率 = 85 %", "参数 x: 比率 = 85%"),
    ("参数 x: 金额 = 1 万元", "参数 x: 金额 = 1万元"),
    ("参数 x: 金额 = 6000 元", "参数 x: 金额 = 6000元"),
    ("参数 x: 比率 = 60% + 5 个百分点", "参数 x: 比率 = 60% + 5个百分点"),
    ("参数 x: 数值 = 5years", "参数 x: 数值 = 5 years"),
    ("参数 x: 金额 = 6000yuan", "参数 x: 金额 = 6000 yuan"),
    ("参数 x :金额=较小值 ( a ,b )", "参数 x: 金额 = 较小值(a, b)"),
    ("参数 x: 金额 = s [ 当年 - 1 ]", "参数 x: 金额 = s[当年 - 1]"),
    ("参数 x: 金额 = ( a+b )*2", "参数 x: 金额 = (a + b) * 2"),
    ("参数 x: 金额 = - 5元", "参数 x: 金额 = -5元"),
    ("参数 x: 数值 = - - 5", "参数 x: 数值 = - -5"),  # `--5` would start a month-day
    ("参数 x: 金额 = a - -5元", "参数 x: 金额 = a - -5元"),
    ("参数 x: 金额 = 5元 自 2023-01-01 ,6元 自 2024-01-01", "参数 x: 金额 = 5元 自 2023-01-01, 6元 自 2024-01-01"),
])
def test_spacing_of_expressions(written, canonical):
    assert fmt(HEADER + written + "\n") == HEADER + canonical + "\n"


def test_spacing_of_rules_lists_and_conditions():
    text = HEADER + ("待遇 医疗救助 a {\n"
                     "  对 A,B 在 c :比例 85%  依据\"四(六)\"\n"
                     "  条件 等级 在 [ 1 , 2 ] 且 x>=2\n"
                     "}\n")
    assert fmt(text) == HEADER + ("待遇 医疗救助 a {\n"
                                  '  对 A, B 在 c: 比例 85% 依据 "四(六)"\n'
                                  "  条件 等级 在 [1, 2] 且 x >= 2\n"
                                  "}\n")


# ---------------------------------------------------------------- normalisation

def test_full_width_punctuation_outside_strings_becomes_ascii():
    text = ('政策 p “示例（一）”｛ 施行日期 2023-01-01 ｝\n'
            '参数 x：比率 ＝ 较大值（a，b） × 85％\n'
            '群组 g ＝ a、b、c\n'
            '参数 y: 金额 = s［1］\n')
    assert fmt(text) == ('政策 p “示例（一）” {\n  施行日期 2023-01-01\n}\n'
                         '参数 x: 比率 = 较大值(a, b) × 85%\n'
                         '群组 g = a, b, c\n'
                         '参数 y: 金额 = s[1]\n')


def test_strings_are_kept_byte_for_byte():
    strings = ['"半角（全角）、，：；　  空格"', '“中文引号，保持原样”', '「直角引号」', r'"转义 \" \\ \n"']
    text = HEADER + "".join(f"目录 l{i} = {s}\n" for i, s in enumerate(strings))
    assert fmt(text) == text


def test_keyword_spellings_are_kept_as_written():
    english = ('policy p {\n  in_force 2023-01-01\n}\ncategory a clause "x"\n'
               'tier aid t {\n  for a: ratio 85% cap none\n}\n')
    mixed = '政策 p {\n  in_force 2023-01-01\n}\ncategory 特困人员 依据 "x"\n'
    dates = '政策 p {\n  施行日期 2023年1月1日\n}\n'
    operators = HEADER + "参数 x: 金额 = a × 2 ÷ 3\n"
    for text in (english, mixed, dates, operators):
        assert fmt(text) == text


# ---------------------------------------------------------------- comments

def test_comments_keep_their_places():
    text = ("# 文件开头的说明\n\n"
            '政策 p {   # 头部行尾\n'
            "  施行日期 2023-01-01\n"
            "  # 块末尾的说明\n"
            "}\n"
            "# 声明之前\n"
            "类别 a    # 行尾说明   \n"
            "身份规则 {\n"
            "      # 第一项之前\n"
            "  多重身份 就高\n"
            "}  # 右括号之后\n"
            "# 文件结尾\n")
    assert fmt(text) == ("# 文件开头的说明\n\n"
                         "政策 p {  # 头部行尾\n"
                         "  施行日期 2023-01-01\n"
                         "  # 块末尾的说明\n"
                         "}\n"
                         "# 声明之前\n"
                         "类别 a  # 行尾说明\n"
                         "身份规则 {\n"
                         "  # 第一项之前\n"
                         "  多重身份 就高\n"
                         "}  # 右括号之后\n"
                         "# 文件结尾\n")


def test_a_comment_inside_a_statement_keeps_its_line_break():
    text = HEADER + ("待遇 医疗救助 a {\n"
                     "  对 b:   # 行尾说明\n"
                     "     比例 85%\n"
                     "  # 语句中间的说明\n"
                     "  限额 1万元\n"
                     "}\n")
    expected = HEADER + ("待遇 医疗救助 a {\n"
                         "  对 b:  # 行尾说明\n"
                         "    比例 85%\n"
                         "    # 语句中间的说明\n"
                         "    限额 1万元\n"
                         "}\n")
    assert fmt(text) == expected
    assert fmt(expected) == expected
    assert same_meaning(text, expected)


def test_a_hash_inside_a_string_is_not_a_comment():
    text = HEADER + '类别 a 说明 "第 #1 类" 依据 "一"\n'
    assert fmt(text) == text


# ---------------------------------------------------------------- the command

def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_fmt_check_exits_0_when_formatted_and_1_listing_files_that_would_change(tmp_path, capsys):
    tidy = write(tmp_path, "tidy.aid", HEADER + "类别 a\n")
    messy = write(tmp_path, "messy.aid", HEADER + "类别   a\n")
    assert main(["fmt", "--check", str(tidy)]) == 0
    capsys.readouterr()
    assert main(["fmt", "--check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert str(messy) in out and str(tidy) not in out
    assert messy.read_text(encoding="utf-8") == HEADER + "类别   a\n"  # --check writes nothing


def test_fmt_rewrites_files_in_place(tmp_path, capsys):
    messy = write(tmp_path, "messy.aid", HEADER + "类别   a\n")
    messy.chmod(0o640)
    assert main(["fmt", str(tmp_path)]) == 0
    assert messy.read_text(encoding="utf-8") == HEADER + "类别 a\n"
    assert messy.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.aid"]  # no temporary file left behind
    assert main(["fmt", "--check", str(messy)]) == 0


def test_fmt_reports_a_syntax_error_and_leaves_the_file_alone(tmp_path, capsys):
    broken = write(tmp_path, "broken.aid", HEADER + "类别  a 依据 二(一)\n")
    tidy = write(tmp_path, "tidy.aid", HEADER + "类别   b\n")
    assert main(["fmt", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{broken}:4:10: 错误 E015" in err
    assert broken.read_text(encoding="utf-8") == HEADER + "类别  a 依据 二(一)\n"
    assert tidy.read_text(encoding="utf-8") == HEADER + "类别 b\n"  # the other file is still formatted


def test_fmt_of_a_missing_path_exits_2_without_a_traceback(tmp_path, capsys):
    assert main(["fmt", str(tmp_path / "nowhere.aid")]) == 2
    assert "nowhere.aid" in capsys.readouterr().err
    assert main(["fmt", "--check", "--lang", "en", str(tmp_path / "nowhere")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_fmt_speaks_english_with_lang_en(tmp_path, capsys):
    write(tmp_path, "messy.aid", HEADER + "类别   a\n")
    assert main(["fmt", "--check", "--lang", "en", str(tmp_path)]) == 1
    assert "1 file would be reformatted, 0 files already formatted" in capsys.readouterr().out
