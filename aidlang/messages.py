"""Every message the front end prints, in Chinese and English, by code.

E0xx syntax · E1xx names · E2xx types and units · E3xx clauses and dates · E4xx structure · H hints.
Placeholders are `str.format` fields filled from the diagnostic's arguments.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- syntax
    "E001": ("语法错误：此处不应出现 {found}，应为 {expected}", "syntax error: unexpected {found}, expected {expected}"),
    "E002": ("无法识别的字符 {found}", "unrecognised character {found}"),
    "E003": ("文件在 {expected} 之前意外结束", "the file ends before {expected}"),
    "E004": ("文件不是有效的 UTF-8 文本", "the file is not valid UTF-8 text"),
    "E005": ("数值 {value} 必须是整数", "{value} must be a whole number"),
    "E006": ("日期 {value} 不存在", "there is no date {value}"),
    "E010": ("缺少单位：金额写作“6000元”，比例写作“85%”", "missing unit: write money as 6000元 and rates as 85%"),
    "E011": ("字符串缺少结束引号", "the string has no closing quote"),
    "E012": ("缺少左花括号“{{”", "missing an opening brace {{"),
    "E013": ("缺少右花括号“}}”，代码块没有结束", "missing a closing brace }}: the block is not closed"),
    "E014": ("规则缺少冒号：写作“对 特困人员: 比例 100%”", "the rule needs a colon: for 特困人员: ratio 100%"),
    "E015": ("缺少依据：依据条款写作 依据 \"四(六)\"", "the clause must be a quoted string: clause \"四(六)\""),
    "E016": ("文件必须以 政策 声明开头", "a policy file must start with a policy header"),
    # ---- hints
    "H001": ("关键字与名称之间需要空格，例如“对 特困人员”", "put a space between a keyword and a name, e.g. for 特困人员"),
    "H002": ("请使用半角数字（0-9）", "use ASCII digits 0-9"),
    "H003": ("中文输入法的全角符号 {found} 在此处不可用，请改用半角符号", "the full-width {found} from a Chinese input method is not allowed here; use the ASCII form"),
    "H004": ("关键字是保留字，不能用作名称", "keywords are reserved and cannot be used as names"),
}
