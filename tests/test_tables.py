"""The Chinese policy tables (`aidlang compile` → `<name>.md`/`<name>.html`) and the 新旧对照表 (`aidlang diff`).

The expected table of every policy in `policies/` is its committed `generated/<name>.md` (one copy: `aidlang
compile` rewrites it, `aidlang compile --check` in CI and the test here say when it is stale). The Wuxi table is
also checked against the document itself: every number of 四(六)–四(八) is in the table, and every number in the
table is in the document.
"""

from __future__ import annotations

import html
import re
import sys
import types
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from aidlang.check.pipeline import load
from aidlang.cli import main
from aidlang.documents import tables
from aidlang.documents.compare import compare_checked, render_diff
from aidlang.frontend import nodes as n
from aidlang.frontend.diagnostics import AidError
from aidlang.frontend.parser import parse
from aidlang.frontend.source import Source

ROOT = Path(__file__).resolve().parent.parent
POLICIES = sorted((ROOT / "policies").glob("*.aid"))
GENERATED = ROOT / "generated"
CASES = ROOT / "tests" / "cases"
SEED = ROOT / "tests" / "data" / "seeds" / "wuxi_2022-98_medical_aid.txt"


def load_or_skip(path: Path):
    try:
        return load(path)
    except AidError as error:
        pytest.skip(f"{path.name} does not check (tests/test_policies.py reports it): {error.diagnostics[0].code}")


def md_rows(text: str, first_column: str) -> list[list[str]]:
    """The body rows of every Markdown table whose first header cell is `first_column`, cells unescaped."""
    rows, inside = [], False
    for line in text.splitlines():
        if not line.startswith("|"):
            inside = False
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and cells[0] == first_column:
            inside = True
        elif inside and not set("".join(cells)) <= set("-"):
            rows.append(cells)
    return rows


# ================================================================ the committed tables

@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_markdown_is_the_committed_generated_table(path):
    text = tables.render_markdown(load_or_skip(path))
    committed = GENERATED / f"{path.stem}.md"
    assert committed.is_file(), f"no {committed.relative_to(ROOT)}: run aidlang compile and read it"
    assert text == committed.read_text(encoding="utf-8"), (
        f"{path.stem}.md differs from {committed.relative_to(ROOT)}: run aidlang compile and read the diff")


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_output_is_deterministic(path):
    first = load_or_skip(path)
    second = load(path)  # parsed again: no state shared between the two
    assert tables.render_markdown(first) == tables.render_markdown(second)
    assert tables.render_html(first) == tables.render_html(second)


# ================================================================ the Wuxi table against the document

def seed_text() -> str:
    text = SEED.read_text(encoding="utf-8")
    # The capture is in traditional characters with pinyin after some of them (`20世紀(jì)60年代`); the numbers
    # themselves are not garbled.
    text = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", text)
    return text.replace("萬", "万").replace("紀", "纪").replace("號", "号")


WUXI_NUMBERS = ["100%", "85%", "70%", "不设起付标准", "1万元", "30万元", "6000元", "60%"]


def test_wuxi_table_has_every_number_of_four_six_to_four_eight():
    table = (GENERATED / "wuxi.md").read_text(encoding="utf-8")
    for token in WUXI_NUMBERS:
        assert token in table, token
    rows = {r[0]: r for r in md_rows(table, "救助对象")}
    # header: 救助对象 | 所属分组 | 起付标准 | 救助比例 | 年度救助限额（普通门诊） | 年度救助限额（…住院） | 依据
    # 四(六): 全额资助参保对象及特困职工 85%; 其中特困人员、孤儿、事实无人抚养儿童 100%; 定额资助参保对象 70%;
    # 不设起付标准; 普通门诊 1万元; 门诊慢特病和住院共用 30万元.
    expected_ratio = {"特困人员": "100%", "最低生活保障对象": "85%", "困境儿童": "85%", "其中：孤儿": "100%",
                      "其中：事实无人抚养儿童": "100%", "优抚对象": "85%", "精减退职职工": "85%", "特困职工": "85%",
                      "低保边缘家庭成员": "70%", "支出型困难家庭大重病患者": "70%", "临时救助对象大重病患者": "70%",
                      "重度残疾人": "70%", "其他特殊困难人员": "70%"}
    for label, ratio in expected_ratio.items():
        assert rows[label][2:7] == ["不设起付标准", ratio, "1万元", "30万元", "四(六)"], label
    # 四(七): 年度个人负担 6000元 以上部分 60%, no cap stated
    assert rows["全体救助对象"][1:5] == ["6000元", "60%", "不设封顶线", "四(七)"]
    # 四(八): 就高不重复; 次月起不再享受; 住院期间保留/取得
    for phrase in ("按就高原则享受待遇，不重复享受", "次月起不再享受", "当次住院仍按原救助对象类别",
                   "当次住院起即可按相应类别"):
        assert phrase in table, phrase


def test_a_fund_item_of_two_entries_reads_as_their_sum():
    """Huizhou 二(四)3: 余额清算 is what was spent less what was advanced in March and September — two items of
    one name (aid_advance), which the formula reads as their sum; the table names both, not the last one."""
    table = (GENERATED / "huizhou.md").read_text(encoding="utf-8")
    rows = {r[0]: r for r in md_rows(table, "款项")}
    assert rows["医疗救助费用年度结算（余额清算）"][1] == (
        "当年实际支出的医疗救助费用总额减去当年医疗救助费用3月预拨与医疗救助费用9月预拨之和")


def test_wuxi_table_invents_no_number():
    """Every number printed in the Wuxi table is in the document; nothing else in the table has a digit."""
    table = (GENERATED / "wuxi.md").read_text(encoding="utf-8")
    seed = seed_text()
    patterns = [
        r"\d{4}年\d{1,2}月\d{1,2}日",  # dates
        r"\d+(?:\.\d+)?万元", r"\d+(?:\.\d+)?元", r"\d+(?:\.\d+)?%",  # money and rates
        r"\d+世纪\d+年代",  # 20世纪60年代精减退职职工
        r"〔\d{4}〕\d+号",  # the document number
    ]
    rest = table
    for pattern in patterns:
        for token in re.findall(pattern, rest):
            assert token in seed, f"{token} is in the table but not in the document"
        rest = re.sub(pattern, "", rest)
    rest = re.sub(r"^\d+\. ", "", rest, flags=re.M)  # note numbers
    rest = re.sub(r"〔注[\d、]+〕", "", rest)
    assert not re.search(r"\d", rest), [line for line in rest.splitlines() if re.search(r"\d", line)]


# ================================================================ formatting

Q = lambda value, unit: n.Quantity(value=Decimal(value), unit=unit, span=None)  # noqa: E731


@pytest.mark.parametrize("value, text", [
    ("10000", "1万元"), ("15000", "1.5万元"), ("300000", "30万元"), ("140000", "14万元"), ("6000", "6000元"),
    ("800", "800元"), ("262.5", "262.50元"), ("12345", "12345元"),
])
def test_money_is_printed_the_way_notices_print_it(value, text):
    assert tables.quantity_text(Q(value, "yuan")) == text


def test_rates_durations_dates():
    assert tables.quantity_text(Q("85", "percent")) == "85%"
    assert tables.quantity_text(Q("0.5", "percent")) == "0.5%"
    assert tables.quantity_text(Q("5", "pp")) == "5个百分点"
    assert tables.quantity_text(Q("5", "year")) == "5年"
    import datetime as dt
    assert tables.date_text(dt.date(2023, 1, 1)) == "2023年1月1日"


def render_source(text: str, fmt: str = "md") -> str:
    policy = parse(Source("t.aid", text))
    from aidlang.check.symbols import build_symbols
    checked = types.SimpleNamespace(policy=policy, symbols=build_symbols(policy))
    return tables.render_markdown(checked) if fmt == "md" else tables.render_html(checked)


CASCADE = """
政策 t "测试政策" {
  文号 "测〔2023〕1号"
  施行日期 2023-01-01
  有效期 5年
}
参数 收入 "上年居民人均可支配收入": 金额 另行发布
参数 限额参数 "年度救助限额": 金额 另行发布
类别 甲 依据 "一"
类别 乙 依据 "一"
就诊类型 inpatient "住院"
费用池 住院池 "住院" = inpatient
待遇 大病保险 大病 "大病保险" {
  适用 住院池
  对 全体参保人员: 起付标准 50% × 收入 比例 60% 限额 无 依据 "二"
  对 甲: 起付标准 降低 50% 比例 提高 5个百分点 依据 "三"
}
待遇 医疗救助 救助 "医疗救助" {
  适用 住院池
  对 全体救助对象: 限额 限额参数 依据 "四"
  对 甲: 比例 100% 依据 "四"
  对 乙: 起付标准 收入 × 5% 比例 70% 依据 "四"
}
"""


def test_rule_cascade_and_published_parameters():
    md = render_source(CASCADE)
    assert "2023年1月1日起施行，有效期5年" in md
    insurance = {r[0]: r for r in md_rows(md, "参保人员")}
    assert insurance["全体参保人员"][1:4] == ["上年居民人均可支配收入的50%", "60%", "不设封顶线"]
    # the specific rule adjusts the general one: 50% × (1 − 50%) = 25%; 60% + 5pp = 65%
    assert insurance["甲"][1:4] == ["上年居民人均可支配收入的25%（降低50%）", "65%（提高5个百分点）", "不设封顶线"]
    assert insurance["甲"][4] == "二、三"
    aid = {r[0]: r for r in md_rows(md, "救助对象")}
    # 注1 the base, 注2 the visit types, 注3 年度累计 (issue 13 item 6), 注4 the published cap
    assert aid["甲"][1:4] == ["不设起付标准", "100%", "另行发布〔注4〕"]
    assert aid["乙"][1:4] == ["上年居民人均可支配收入的5%", "70%", "另行发布〔注4〕"]
    assert "4. 年度救助限额为年度救助限额，另行发布。" in md  # which parameter `另行发布` stands for
    assert "3. 起付标准、年度救助限额均按年度累计计算（以出院日期所在年度为准，非按次计算）。" in md


def test_conditional_rules_are_notes():
    text = CASCADE.replace('对 乙: 起付标准 收入 × 5% 比例 70% 依据 "四"',
                           '对 乙 条件 转诊: 比例 70% 依据 "五"')
    md = render_source(text)
    aid = {r[0]: r for r in md_rows(md, "救助对象")}
    assert aid["乙"][2] == "70%〔注5〕"  # 注1 the base, 注2 visit types, 注3 年度累计, 注4 the published cap
    assert "5. 乙，规范转诊的：救助比例70%（五）。" in md


# ================================================================ escaping

ESCAPE = CASES / "tables" / "escape.aid"


class _Text(HTMLParser):
    """The text of the first element of a tag, and every tag name seen."""

    def __init__(self, tag: str):
        super().__init__(convert_charrefs=True)
        self.tag, self.depth, self.text, self.tags = tag, 0, None, []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == self.tag and self.text is None:
            self.depth, self.text = 1, ""

    def handle_endtag(self, tag):
        if tag == self.tag and self.depth:
            self.depth = 0

    def handle_data(self, data):
        if self.depth:
            self.text += data


def test_html_escapes_everything_from_the_policy():
    checked = load(ESCAPE)
    page = tables.render_html(checked)
    assert "<script" not in page and "<img" not in page and "<i>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#34;引号&#34;" in page and "A &amp; B | C" in page
    parser = _Text("h1")
    parser.feed(page)
    assert parser.text == '<script>alert(1)</script> & "引号" 政策'  # shown literally
    assert "script" not in parser.tags and "img" not in parser.tags


def test_markdown_shows_policy_text_literally_but_safely():
    md = tables.render_markdown(load(ESCAPE))
    assert "<" not in md.replace("\\<", "")  # no raw HTML anywhere
    assert "# \\<script\\>alert(1)\\</script\\> & \"引号\" 政策" in md.splitlines()[0]
    assert "- 替代：\\# 旧规定 \\<img src=x onerror=alert(2)\\>（依据：末段）" in md
    assert "- 发布机关：A & B \\| C" in md
    assert "测试〔2024〕1号 \\<b\\>&amp;amp;\\</b\\>" in md  # `&amp;` stays literal, not an entity
    table = [line for line in md.splitlines() if line.startswith("| ")]
    header = table[0]
    width = len(re.split(r"(?<!\\)\|", header))
    assert all(len(re.split(r"(?<!\\)\|", line)) == width for line in table if line.count("|") > 2 and
               "救助" not in line[:6]), "a `|` from the policy split a table cell"
    rows = {r[0]: r for r in md_rows(md, "救助对象")}
    assert rows["乙类 | 管道"][1:] == ["1000元", "70%", "3万元", "二(二)|"]
    assert rows["\\<script\\>alert(1)\\</script\\>"][-1] == '二(一)"&\\<'


def test_markdown_escape_rules():
    e = tables.markdown_escape
    assert e("a|b") == "a\\|b"
    assert e("# 标题") == "\\# 标题"
    assert e("<b>") == "\\<b\\>"
    assert e("1. 一") == "1\\. 一" and e("1.5万元") == "1.5万元"
    assert e("A & B") == "A & B" and e("&lt;") == "&amp;lt;"
    assert e("两行\n文字") == "两行 文字"


# ================================================================ HTML page

@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_html_is_one_self_contained_page(path):
    page = tables.render_html(load_or_skip(path))
    lowered = page.lower()
    for forbidden in ("<script", "<link", "<img", "<iframe", "@import", "url(", "http://", "https://", "src="):
        assert forbidden not in lowered, forbidden
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "@media print" in page and "@page { size: A4" in page
    assert "overflow-x: auto" in page  # wide tables scroll inside their box on a phone
    assert page.count("<table>") == page.count("</table>") == page.count('<div class="table-wrap">')
    assert html.unescape(page)  # well-formed enough to unescape


# ================================================================ aidlang compile

def policies_that_check() -> list[Path]:
    good = []
    for path in POLICIES:
        try:
            load(path)
        except AidError:
            continue
        good.append(path)
    return good


def test_compile_writes_md_and_html_then_check_passes(tmp_path, capsys):
    paths = [str(p) for p in policies_that_check()]
    assert main(["compile", *paths, "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    stems = sorted(Path(p).stem for p in paths)
    expected = sorted([f"{s}.md" for s in stems] + [f"{s}.html" for s in stems]
                      + ([f"{s}.py" for s in stems] if _python_backend_exists() else []))
    assert names == expected
    assert (tmp_path / "wuxi.md").read_text(encoding="utf-8") == (GENERATED / "wuxi.md").read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["compile", *paths, "--out", str(tmp_path), "--check"]) == 0
    # a second compile changes nothing on disk
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert main(["compile", *paths, "--out", str(tmp_path)]) == 0
    assert before == {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}


def _python_backend_exists() -> bool:
    try:
        import aidlang.engines.compiled.codegen  # noqa: F401
    except ModuleNotFoundError as error:
        if error.name == "aidlang.engines.compiled.codegen":
            return False
        raise
    return True


def test_compile_check_names_stale_and_missing_files_and_writes_nothing(tmp_path, capsys):
    wuxi = str(ROOT / "policies" / "wuxi.aid")
    assert main(["compile", wuxi, "--out", str(tmp_path)]) == 0
    (tmp_path / "wuxi.md").write_text("old\n", encoding="utf-8")
    (tmp_path / "wuxi.html").unlink()
    capsys.readouterr()
    assert main(["--lang", "en", "compile", wuxi, "--out", str(tmp_path), "--check"]) == 1
    err = capsys.readouterr().err
    assert f"stale: {tmp_path / 'wuxi.md'}" in err
    assert f"missing: {tmp_path / 'wuxi.html'}" in err
    assert (tmp_path / "wuxi.md").read_text(encoding="utf-8") == "old\n"
    assert not (tmp_path / "wuxi.html").exists()


def test_compile_plugs_in_the_python_backend_when_it_exists(tmp_path, monkeypatch):
    fake = types.ModuleType("aidlang.engines.compiled.codegen")
    fake.render = lambda checked: f"# generated module of {checked.policy.header.name}\n"
    monkeypatch.setitem(sys.modules, "aidlang.engines.compiled.codegen", fake)
    assert main(["compile", str(ROOT / "policies" / "wuxi.aid"), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "wuxi.py").read_text(encoding="utf-8") == "# generated module of wuxi\n"
    assert (tmp_path / "wuxi.md").is_file() and (tmp_path / "wuxi.html").is_file()


def test_compile_reports_a_broken_policy_and_still_writes_the_others(tmp_path, capsys):
    bad = tmp_path / "bad.aid"
    bad.write_text('政策 bad "坏" {\n  施行日期 2023-01-01\n}\n类别 甲 属于 不存在 依据 "一"\n', encoding="utf-8")
    out = tmp_path / "out"
    code = main(["compile", str(bad), str(ROOT / "policies" / "wuxi.aid"), "--out", str(out)])
    assert code == 1
    assert (out / "wuxi.md").is_file() and not (out / "bad.md").exists()
    assert "bad.aid:" in capsys.readouterr().err


def test_compile_missing_path_is_a_usage_error(tmp_path):
    assert main(["compile", str(tmp_path / "nope.aid"), "--out", str(tmp_path)]) == 2


# ================================================================ aidlang diff

DIFF_OLD = CASES / "diff" / "old.aid"
DIFF_NEW = CASES / "diff" / "new.aid"

# new.aid changes two numbers of 四(六): the 85% of 全额资助参保对象 and 特困职工 becomes 90% (特困人员, 孤儿 and
# 事实无人抚养儿童 keep their own 100%), and the 普通门诊 cap 1万元 becomes 1.5万元 for every category.
RATIO_CHANGED = ["最低生活保障对象", "困境儿童", "优抚对象", "精减退职职工", "特困职工"]
ALL_CATEGORIES = ["特困人员", "最低生活保障对象", "困境儿童", "孤儿", "事实无人抚养儿童", "优抚对象", "精减退职职工",
                  "特困职工", "低保边缘家庭成员", "支出型困难家庭大重病患者", "临时救助对象大重病患者", "重度残疾人",
                  "其他特殊困难人员"]


def test_diff_lists_exactly_the_changed_values(capsys):
    assert main(["diff", str(DIFF_OLD), str(DIFF_NEW)]) == 0
    out = capsys.readouterr().out
    rows = md_rows(out, "项目")
    got = {(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows}
    expected = {(f"医疗救助：{c}", "救助比例", "85%", "四(六)", "90%", "四(六)", "修改") for c in RATIO_CHANGED}
    expected |= {(f"医疗救助：{c}", "年度救助限额（普通门诊）", "1万元", "四(六)", "1.5万元", "四(六)", "修改")
                 for c in ALL_CATEGORIES}
    assert got == expected
    assert len(rows) == len(expected) == 18
    assert "共18处变化。" in out


def test_diff_html_page(tmp_path, capsys):
    page = tmp_path / "diff.html"
    assert main(["diff", str(DIFF_OLD), str(DIFF_NEW), "--html", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text and "@media print" in text
    assert text.count("<td>救助比例</td><td>85%</td>") == 5
    assert text.count("<td>年度救助限额（普通门诊）</td><td>1万元</td>") == 13


def test_diff_of_identical_policies_lists_nothing(capsys):
    assert main(["diff", str(DIFF_OLD), str(DIFF_OLD)]) == 0
    out = capsys.readouterr().out
    assert "没有变化" in out and "| 项目 |" not in out


def test_diff_shows_added_and_removed_rows(tmp_path):
    old = load(DIFF_OLD)
    text = DIFF_OLD.read_text(encoding="utf-8")
    text = text.replace('对 定额资助参保对象: 起付标准 无 比例 70% 依据 "四(六)"',
                        '对 定额资助参保对象: 起付标准 无 比例 70% 依据 "四(六)"\n  对 新类别: 比例 50% 依据 "四(九)"')
    text += '\n类别 新类别 依据 "二(二)"\n'
    added = tmp_path / "added.aid"
    added.write_text(text, encoding="utf-8")
    diff = compare_checked(old, load(added))
    changes = {(c.subject, c.kind): c for g in diff.groups for c in g.changes}
    row = changes[("医疗救助：新类别", "新增")]
    assert row.old == "（无）" and "救助比例：50%" in row.new
    assert row.new_basis == "四(九)、四(六)"  # its ratio from the new rule, its caps from 四(六)
    assert ("新类别", "新增") in changes  # in 救助对象
    removed = compare_checked(load(added), old)
    assert ("医疗救助：新类别", "删除") in {(c.subject, c.kind) for g in removed.groups for c in g.changes}
    assert "新增" in render_diff(diff, "md")


def test_diff_missing_file_is_a_usage_error(tmp_path):
    assert main(["diff", str(DIFF_OLD), str(tmp_path / "nope.aid")]) == 2


# ================================================================ the tables agree with the engine

def test_every_expression_node_has_words():
    """Dispatch by node class: every expression the grammar can build is written out in Chinese."""
    import datetime as dt
    import typing

    from aidlang.check.symbols import build_symbols
    policy = parse(Source("t.aid", CASCADE))
    words = tables.Words(build_symbols(policy))
    one, ref = Q("1", ""), n.Ref(name="收入", span=None)
    examples = {
        n.Quantity: one, n.Ref: ref, n.Call: n.Call(func="较小值", args=(ref, Q("5", "yuan")), span=None),
        n.Index: n.Index(name="收入", index=n.Ref(name="当年", span=None), span=None),
        n.StringLit: n.StringLit(value="住院", span=None), n.DateLit: n.DateLit(value=dt.date(2023, 1, 1), span=None),
        n.BoolLit: n.BoolLit(value=True, span=None), n.NoneLit: n.NoneLit(span=None),
        n.Binary: n.Binary(op="*", left=ref, right=Q("5", "percent"), span=None), n.Neg: n.Neg(operand=one, span=None),
        n.Compare: n.Compare(op="<", left=ref, right=one, span=None),
        n.InList: n.InList(item=ref, list_name=None, items=(one,), span=None),
        n.BoolOp: n.BoolOp(op="and", operands=(ref, ref), span=None), n.Not: n.Not(operand=ref, span=None),
        n.Adjust: n.Adjust(direction="up", amount=Q("5", "pp"), span=None),
    }
    assert set(examples) == set(typing.get_args(n.Expr))
    for cls, example in examples.items():
        assert words.expr(example), cls.__name__


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_table_ratios_agree_with_the_engines_cascade(path):
    """The 救助比例 of every category and pool in the tables is what the settlement cascade resolves."""
    import dataclasses
    import datetime as dt
    from fractions import Fraction

    from aidlang import runtime as rt
    from aidlang.check import cascade
    from aidlang.check.symbols import VISIT_TYPES
    from aidlang.engines.interp.closures import Evaluator
    from aidlang.plan.build import Planner

    checked = load_or_skip(path)
    s = checked.symbols
    view = tables.build_view(checked)
    ratio_facts = {(f.table, f.item, f.pool): f.value for f in view.facts if f.field in ("救助比例", "支付比例")}
    evaluator, planner = Evaluator(s), Planner(checked)
    compared = conditional = 0
    for tier in s.tiers.values():
        pools = [p for p in tier.pools if p in s.pools] or [None]
        for category in s.categories:
            for pool in pools:
                visit = VISIT_TYPES.get(s.pools[pool].visits[0]) if pool else "inpatient"
                if cascade.candidate_rules(s, tier, category, pool or "*", visit, lambda r: r.when is not None):
                    conditional += 1
                    continue  # a rule with a 条件: the table shows it with a note, the engine decides per claim
                rules = cascade.candidate_rules(s, tier, category, pool or "*", visit, lambda r: r.when is None)
                if any(not isinstance(x.value, (n.Quantity, n.Adjust)) for r in rules for x in r.settings
                       if x.key == "ratio"):
                    continue  # a ratio from a parameter: nothing to compare without its value
                # the engines' cascade (runtime.resolve) on the plan's rules, their ratios alone
                planned = [rt.lower(planner.rule(tier, tier.rules.index(r)), evaluator.lower) for r in rules]
                planned = [dataclasses.replace(r, settings=tuple(x for x in r.settings if x.key == "ratio"))
                           for r in planned]
                env = rt.ClaimEnv()
                env.date = dt.date(2024, 1, 1)
                terms = rt.resolve(rt.Cascade(tuple(planned), True), env)
                engine = terms.ratio if terms is not None else None
                key = (tier.label or tier.name, s.display_name(category),
                       (s.pools[pool].label or pool) if pool and len(pools) > 1 else "")
                if key not in ratio_facts:
                    continue  # a category without a row of its own in an insurance table
                text = ratio_facts[key]
                match = re.match(r"(\d+(?:\.\d+)?)%", text)
                table = Fraction(match.group(1)) / 100 if match else None
                if text == "—":
                    assert engine is None, key
                elif match:
                    assert table == engine, (key, text, engine)
                compared += 1
    if any(t.rules for t in s.tiers.values()) and s.categories:
        # something must be compared, unless every ratio depends on a 条件 (Jinggu's institution levels)
        assert compared or conditional, "nothing compared"


def test_compile_check_of_every_policy_names_leftover_generated_files(tmp_path, capsys, monkeypatch):
    """Run over all of policies/ (no PATH), `--check` also knows which files no policy writes any more —
    e.g. the table of a policy that was deleted or renamed — and fails on them."""
    monkeypatch.chdir(ROOT)
    assert main(["compile", "--out", str(tmp_path)]) == 0
    (tmp_path / "retired.md").write_text("a deleted policy's table\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a generated kind of file\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["--lang", "en", "compile", "--out", str(tmp_path), "--check"]) == 1
    err = capsys.readouterr().err
    assert f"leftover: {tmp_path / 'retired.md'}" in err
    assert "notes.txt" not in err
    # naming the policies explicitly checks only theirs: other files in the directory are not its business
    wuxi = str(ROOT / "policies" / "wuxi.aid")
    assert main(["compile", wuxi, "--out", str(tmp_path), "--check"]) == 0
