"""Every message the front end prints, in Chinese and English, by code.

E0xx syntax · E1xx names · E2xx types and units · E3xx clauses and dates · E4xx structure · H hints.
Placeholders are `str.format` fields filled from the diagnostic's arguments.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- syntax
    "E001": ("语法错误：此处不应出现 {found}，应为 {expected}",
             "syntax error: unexpected {found}, expected {expected}"),
    "E002": ("无法识别的字符 {found}", "unrecognised character {found}"),
    "E003": ("文件在 {expected} 之前意外结束", "the file ends before {expected}"),
    "E004": ("文件不是有效的 UTF-8 文本", "the file is not valid UTF-8 text"),
    "E005": ("数值 {value} 必须是整数", "{value} must be a whole number"),
    "E006": ("日期 {value} 不存在", "there is no date {value}"),
    "E007": ("数值 {value} 过大", "the number {value} is too large"),
    "E008": ("表达式嵌套超过 {limit} 层（如一连 {limit} 个以上的减号）：请把它拆成几个参数",
             "the expression nests more than {limit} levels deep (such as over {limit} subtractions in a row): "
             "split it into several params"),
    "E009": ("含有不可见的控制字符 {found}（字符串和注释中也不允许：它会改变终端和网页上显示的内容）",
             "the invisible control character {found} (not in strings or comments either: it changes what a "
             "terminal or a web page shows)"),
    "E010": ("字符串不能含有换行或制表符（\\n、\\t）：一段文字写在一行内",
             "a string cannot hold a line break or a tab (\\n, \\t): a text is written on one line"),
    "E011": ("字符串缺少结束引号（引号须在同一行内闭合）", "the string has no closing quote on its line"),
    "E012": ("数值 {value} 的小数位数过多（最多 {limit} 位）",
             "the number {value} has too many decimals (at most {limit})"),
    "E013": ("缺少右花括号“}}”，代码块没有结束", "missing a closing brace }}: the block is not closed"),
    "E014": ("规则缺少冒号：写作“对 特困人员: 比例 100%”", "the rule needs a colon: for 特困人员: ratio 100%"),
    "E015": ("缺少依据：依据条款写作 依据 \"四(六)\"", "the clause must be a quoted string: clause \"四(六)\""),
    "E016": ("文件必须以 政策 声明开头", "a policy file must start with a policy header"),
    # ---- names
    "E101": ("名称“{name}”未定义：请检查拼写，或先用 参数 声明它",
             "{name} is not defined: check the spelling, or declare it with param"),
    "E102": ("类别“{name}”未定义：请先用 类别 {name} 声明",
             "category {name} is not defined: declare it with category {name}"),
    "E103": ("“{name}”不是已声明的类别或群组", "{name} is not a declared category or group"),
    "E104": ("费用池“{name}”未定义：请先用 费用池 {name} = … 声明",
             "pool {name} is not defined: declare it with pool {name} = …"),
    "E105": ("“{name}”不是就诊类型：应为 普通门诊、门诊慢特病 或 住院",
             "{name} is not a visit type: use outpatient, chronic or inpatient"),
    "E106": ("就诊类型“{name}”未声明：请加上 就诊类型 {name}", "visit type {name} is not declared: add visit {name}"),
    "E107": ("条款“{name}”未定义：期间 后应写已声明的 条款 名称",
             "provision {name} is not defined: during must name a declared provision"),
    "E108": ("目录“{name}”未定义：请先用 目录 {name} = \"…\" 声明",
             "list {name} is not defined: declare it with list {name} = \"…\""),
    "E109": ("函数“{name}”不存在：可用的函数有 {functions}",
             "there is no function {name}: the functions are {functions}"),
    "E110": ("否则 后应写 不予救助，而不是“{name}”", "otherwise must be followed by not_covered, not {name}"),
    "E111": ("{kind}“{name}”重复声明（第 {line} 行已声明过）：请删除其一或改名",
             "{kind} {name} is declared twice (first on line {line}): remove or rename one"),
    "E112": ("参数“{name}”与内置名称重名：请换一个名称", "param {name} has the name of a builtin: choose another name"),
    "E113": ("群组的成员只能是类别，“{name}”是群组：请直接列出它的类别",
             "the members of a group must be categories and {name} is a group: list its categories instead"),
    "E114": ("类别的 属于 关系形成循环：{chain}", "categories are kinds of each other in a cycle: {chain}"),
    "E115": ("“{name}”不能用在{where}中：它只在{allowed}中有值",
             "{name} cannot be used in {where}: it has a value only in {allowed}"),
    "E116": ("参数的取值相互引用，形成循环：{chain}", "parameter values refer to each other in a cycle: {chain}"),
    "E117": ("年度待遇“{name}”未定义", "benefit {name} is not defined"),
    "E118": ("基金管理中没有款项“{name}”", "no fund block has an item {name}"),
    "E119": ("本测试中没有人员“{name}”：请先用 身份 或 人员 写出此人",
             "the test has no person {name}: add a holds or person line for them"),
    "E120": ("本测试中没有就诊“{name}”：请先用 就诊 写出", "the test has no claim {name}: add a claim line for it"),
    "E121": ("参数“{name}”未定义：请先用 参数 {name} 声明",
             "param {name} is not defined: declare it with param {name}"),
    "E122": ("“{name}”不是基金管理的输入或款项，不能写 {name}[…]",
             "{name} is not a fund input or item, so {name}[…] has no meaning"),
    "E123": ("“{name}”要在{tier}结算之后才有值，不能用在{kind}待遇中",
             "{name} is known only after the {tier} tier is settled, so a tier of kind {kind} cannot use it"),
    "E124": ("分账 只能按 机构级别（institution_level）：“{name}”不是就诊的机构级别",
             "split_by takes institution_level (机构级别): {name} is not a claim's institution level"),
    # ---- types and units
    "E201": ("不能把{left}和{right}相加减", "cannot add or subtract {left} and {right}"),
    "E202": ("不能把{left}和{right}{op}", "cannot compute {left} {op} {right}"),
    "E203": ("百分点只能加到比例上或从比例中减去，如 60% + 5个百分点",
             "percentage points can only be added to or subtracted from a rate, as in 60% + 5pp"),
    "E204": ("{what}应为{expected}，这里是{actual}", "{what} must be {expected}, not {actual}"),
    "E205": ("{what}应在 0% 到 100% 之间，这里是 {value}%", "{what} must be between 0% and 100%, not {value}%"),
    "E206": ("金额 {value}元 超过两位小数：金额只能精确到分",
             "{value} yuan has more than two decimals: money is exact to the fen"),
    "E207": ("不能比较{left}和{right}", "cannot compare {left} with {right}"),
    "E208": ("{type}只能用 = 或 != 比较，不能比大小", "{type} can only be compared with = or !=, not ordered"),
    "E209": ("{type}不能取负", "{type} cannot be negated"),
    "E210": ("函数 {name} 需要{expected}个参数，这里有 {count} 个", "{name} takes {expected} arguments, not {count}"),
    "E211": ("{name} 的各参数应为同一类型，这里有{types}", "the arguments of {name} must have one type, not {types}"),
    "E212": ("“无”只能写在 起付标准、限额 或 超过 之后，或用来检验人员属性是否缺失（如 家庭年收入 = 无）",
             "none is only a value of deductible, cap or threshold, or tests a missing person attribute "
             "(as in 家庭年收入 = 无)"),
    "E213": ("有效期应写作整数年或整数月，如 有效期 5年",
             "valid_for must be a whole number of years or months, as in valid_for 5 years"),
    "E214": ("推送日期应为次月 1日 到 31日 中的一天，如 推送 次月 10日",
             "push_by must be a day 1 to 31 of the next month, as in push_by next_month 10 days"),
    "E215": ("日期之后只能加减期限（日、个月、年），如 6月30日 + 20日",
             "only a duration (days, months, years) can be added to a date, as in --06-30 + 20 days"),
    # ---- clauses and dates
    "E301": ("{what}没有依据：请加上 依据 \"条款号\"，如 依据 \"四(六)\"",
             "{what} cites no clause: add clause \"…\", e.g. clause \"四(六)\""),
    "E302": ("施行日期 {in_force} 早于{field} {issued}", "in force on {in_force}, before its {field} date {issued}"),
    "E303": ("条款“{name}”自 {start} 起，早于政策施行日期 {in_force}：如确需追溯，请加上 追溯执行",
             "provision {name} starts on {start}, before the policy is in force on {in_force}: add retroactive if it "
             "applies retroactively"),
    "E304": ("条款“{name}”至 {end}，超出了政策有效期（至 {last} 止）",
             "provision {name} runs until {end}, past the policy's last day {last}"),
    "E305": ("条款“{name}”的结束日期 {end} 早于开始日期 {start}",
             "provision {name} ends on {end}, before it starts on {start}"),
    "E306": ("参数“{name}”的取值应按日期从早到晚排列：{date} 不晚于前一个取值的 {previous}",
             "the values of param {name} must be in date order: {date} is not after {previous}"),
    "E307": ("参数“{name}”只有第一个取值可以不写 自 日期",
             "only the first value of param {name} may omit its from date"),
    "E308": ("有效期 和 有效期至 只能写一个", "write valid_for or valid_until, not both"),
    "E309": ("有效期至 {until} 早于施行日期 {in_force}",
             "valid until {until}, before the policy is in force on {in_force}"),
    "E310": ("出院日期 {discharge} 早于入院日期 {admission}",
             "discharged on {discharge}, before admission on {admission}"),
    "E311": ("身份的结束日期 {end} 早于开始日期 {start}", "the identity ends on {end}, before it starts on {start}"),
    "E312": ("{what} {date} 晚于 {latest}：日期只能推算到 9999-12-31，政策中的日期须不晚于 {latest}",
             "{what} {date} is after {latest}: dates can be computed up to 9999-12-31, so a policy's dates end "
             "by {latest}"),
    "E313": ("自施行日期 {in_force} 起 有效期 {valid}，到 {latest} 以后才结束："
             "日期只能推算到 9999-12-31，请缩短有效期",
             "valid_for {valid} from {in_force} ends after {latest}: dates can be computed up to 9999-12-31; "
             "shorten it"),
    # ---- structure and tests
    "E401": ("政策头部缺少{field}：请写上 {keyword} …", "the policy header has no {field}: add {keyword} …"),
    "E402": ("参数“{name}”既没有取值，也没有写 另行发布：请写 = 取值，或写 另行发布",
             "param {name} has neither a value nor published_later: add = value, or published_later"),
    "E403": ("倾斜救助“{name}”没有门槛：请在规则中写 超过 金额，如 超过 6000元",
             "tilted tier {name} has no threshold: add one to a rule, e.g. threshold 6000 yuan"),
    "E404": ("费用池“{pool}”不在待遇“{tier}”的 适用 之中：规则只能限定在本待遇适用的费用池",
             "pool {pool} is not among the pools of tier {tier}: a rule can only narrow its tier's pools"),
    "E405": ("提高 只能用于 比例：{key}请直接写数额，或用 降低",
             "raised_by only applies to ratio: give {key} as an amount, or use reduced_by"),
    "E406": ("同一条规则中{key}写了两次", "{key} is set twice in one rule"),
    "E407": ("超过 是倾斜救助的门槛，{kind}待遇中请用 起付标准",
             "threshold belongs to tilted tiers; a tier of kind {kind} uses deductible"),
    "E408": ("倾斜救助没有起付标准，门槛请用 超过",
             "a tilted tier has no deductible: give its threshold with threshold"),
    "E409": ("{line}中不能写“{key}”：可写 {keys}", "{key} cannot be given in {line}: use one of {keys}"),
    "E410": ("状态应为 {statuses} 之一，而不是“{value}”", "status must be one of {statuses}, not {value}"),
    "E411": ("就诊“{name}”缺少 费用（政策范围内费用）", "claim {name} has no cost (policy-scope cost)"),
    "E412": ("本测试中就诊“{name}”重复", "the test has claim {name} twice"),
    "E413": ("本政策没有 监测，不能写 预期监测", "the policy has no monitor, so expect_monitor has nothing to check"),
    "E414": ("监测“{name}”缺少{field}：请写上 {keyword} …", "monitor {name} has no {field}: add {keyword} …"),
    "E415": ("政策头部的 {keyword} 写了两次（第 {line} 行已写过）：只写一次（联合发文可以写几行 发布机关；"
             "成文日期 与 发布日期 是两项，各写一次）",
             "{keyword} is given twice in the policy header (first on line {line}): give it once (a joint notice "
             "may give several issuer lines; issued and published are two fields, one each)"),
    "E416": ("本待遇没有规则直接给出{key}，{direction} 无值可调：请在更不具体的规则（如 对 全体救助对象）中写出{key}",
             "no rule of this tier sets {key} itself, so {direction} has nothing to adjust: give {key} in a less "
             "specific rule (e.g. for everyone)"),
    "E417": ("“{word}”只能写在 {keys} 之后：此处请写 无", "{word} can only follow {keys}: write none here"),
    "E418": ("别名“{alias}”已是类别“{name}”的名称或别名：一个名称只能指一个类别",
             "the alias {alias} already names category {name}: a name can stand for one category only"),
    "E419": ("“{word}”只能用于 起付标准 和 超过（每次住院起付标准、单次个人负担超过 … 的部分）："
             "{key}按年度计算，请去掉“{word}”",
             "{word} applies to deductible and threshold only (of each claim alone): {key} runs over the year; "
             "leave out {word}"),
    "E420": ("“{word}”要写在数额之前，不能用于 {direction}：调整沿用被调整的值是每次还是年度累计，"
             "写作 {key} {direction} …",
             "{word} goes before an amount, not before {direction}: an adjustment keeps whether the value it "
             "adjusts is per claim or yearly; write {key} {direction} …"),
    # ---- hints
    "H001": ("关键字与名称之间需要空格，例如“对 特困人员”",
             "put a space between a keyword and a name, e.g. for 特困人员"),
    "H003": ("中文输入法的全角符号 {found} 在此处不可用，请改用半角符号",
             "the full-width {found} from a Chinese input method is not allowed here; use the ASCII form"),
    "H004": ("关键字是保留字，不能用作名称", "keywords are reserved and cannot be used as names"),
    "H005": ("几个名称之间用逗号或顿号分隔，例如“特困人员、孤儿”",
             "separate names in a list with a comma or 、, e.g. 特困人员、孤儿"),
    "H006": ("以汉字开头的名称中不能有阿拉伯数字（“一类2”会读成名称“一类”和数字“2”）："
             "改用汉字数字（一类二），或把数字写进名称后的标签",
             "a name that starts with a Chinese character cannot contain ASCII digits (一类2 reads as the name 一类 "
             "and the number 2): use Chinese numerals (一类二) or put the number in the label after the name"),
    "H007": ("金额的 万 之后要写 元：写作 {written}", "a sum in 万 is written with 元 after it: write {written}"),
    "H008": ("千 不是金额单位：写作 {written}", "千 is not a unit of money: write {written}"),
    "H009": ("“以上”不必写（超过 和 起付标准 本来就指以上的部分）：写作 {written}",
             "leave out 以上 (threshold and deductible already mean the part above): write {written}"),
    "H101": ("是否要写“{suggestion}”？", "did you mean {suggestion}?"),
    "H102": ("比例要带百分号，如 5%", "a rate carries %, as in 5%"),
    "H103": ("金额要带单位，如 6000元", "money carries a unit, as in 6000 yuan"),
    "H104": ("按比例计算金额请写成 比例 × 金额，如 5% × 上年居民人均可支配收入",
             "to take a share of an amount write rate × money, as in 5% × prev_year_income"),
    "H107": ("“{name}”是就诊类型，适用 后应写费用池：包含它的费用池是“{pool}”，写 适用 {pool}",
             "{name} is a visit type and pools takes a pool: {pool} holds it, so write pools {pool}"),
    "H108": ("“{name}”是就诊类型，适用 后应写费用池：先声明 费用池 {name}费用 = {name} 依据 \"…\"，"
             "再写 适用 {name}费用",
             "{name} is a visit type and pools takes a pool: declare pool {name}费用 = {name} clause \"…\", "
             "then write pools {name}费用"),
    "H105": ("可写类别、群组，或 全体救助对象、全体参保人员", "use a category, a group, any_category or everyone"),
    # ---- findings of the static analysis (aidlang.analysis): warnings; `忽略 A101 "理由"` acknowledges one.
    # "A101.advice" is printed as the warning's hint, not on the line of an acknowledged finding.
    "A101": ("类别“{category}”在{visit}就诊没有任何医疗救助规则给出比例（{day} 起）：这类就诊的救助为 0 元",
             "no aid rule gives category {category} a ratio for {visit} claims (from {day}): their aid is 0"),
    "A101.advice": ("请补上规则，或用 忽略 A101 对 {category} \"理由\" 说明",
                    "add a rule, or acknowledge with ignore A101 for {category} \"reason\""),
    "A102": ("待遇“{tier}”的规则调整{setting}，但 {day} 没有施行中的规则给出它（类别 {category}）："
             "该日的就诊会中止结算",
             "a rule of tier {tier} adjusts the {setting}, but no rule in force on {day} gives it (category "
             "{category}): a claim of that day stops the run"),
    "A104": ("类别“{category}”（{rows} 行）不是本政策的类别：结算时这些行被拒收",
             "category {category} ({rows} rows) is not one of the policy's: these rows are rejected when claims are "
             "settled"),
    "A105": ("类别“{category}”（{rows} 行）没有任何医疗救助规则给出比例：持有它的人得不到医疗救助",
             "no aid rule gives category {category} ({rows} rows) a ratio: its holders get no aid"),
    "A201": ("待遇“{tier}”中对 {who} 的两条规则范围相同，{setting}却不同（另一条在第 {line} 行）：按文件顺序后一条生效",
             "two rules of tier {tier} for {who} have one scope and give different {setting}s (the other is on line "
             "{line}): the later wins by file order"),
    "A201.advice": ("请删去一条，或写明条件、期间以区分", "remove one, or tell them apart by a condition or period"),
    "A202": ("待遇“{tier}”中对 {who} 的两条规则范围相同，{setting}也相同（另一条在第 {line} 行）：其中一条多余",
             "two rules of tier {tier} for {who} have one scope and give the same {setting} (the other is on line "
             "{line}): one of them is redundant"),
    "A203": ("待遇“{tier}”中对 {who} 的两条规则期间重叠（{start} 至 {end}），{setting}却不同（另一条在第 {line} 行）："
             "重叠期间按文件顺序后一条生效",
             "two rules of tier {tier} for {who} are in force together (from {start} to {end}) and give different "
             "{setting}s (the other is on line {line}): in the overlap the later wins by file order"),
    "A203.advice": ("请让两个期间首尾相接，或把只管其中一段的规则写在后面",
                    "make the periods meet end to start, or write the rule for the narrower period last"),
    "A204": ("类别“{kind}”属于“{parent}”，却比“{parent}”少得救助：{visit}就诊 {cost}元（{day}）按“{kind}”付 {paid}元，"
             "按“{parent}”付 {other}元",
             "category {kind} is a kind of {parent} yet gets less aid: a {visit} claim of {cost} yuan on {day} gets "
             "{paid} yuan as {kind} and {other} yuan as {parent}"),
    "A204.advice": ("若确是政策本意，请用 忽略 A204 对 {kind} \"理由\" 说明",
                    "if the policy means it, acknowledge with ignore A204 for {kind} \"reason\""),
    "A301": ("声明了多个类别但没有 身份规则：同时具有“{first}”和“{second}”的人按声明顺序取“{first}”，"
             "移动一行类别声明就会改变金额",
             "several categories and no identity rule: a person holding {first} and {second} is settled as {first}, "
             "the first declared, so moving a category line changes money"),
    "A301.advice": ("请写 身份规则 {{ 多重身份 就高 }} 或 顺序，或用 忽略 A301 \"理由\" 说明",
                    "write an identity block (highest or order), or acknowledge with ignore A301 \"reason\""),
    "A302": ("多重身份按顺序（不就高）取排在前面的类别，而“{higher}”排在“{lower}”之前却少付：{visit}就诊（{day}）"
             "按“{higher}”付 {paid}元，按“{lower}”会付 {other}元",
             "several categories are settled as the first in rank (not the highest-paying), and {higher}, ranked "
             "before {lower}, pays less: a {visit} claim on {day} gets {paid} yuan as {higher} and would get "
             "{other} yuan as {lower}"),
    "A302.advice": ("请调整顺序、改为 就高，或用 忽略 A302 \"理由\" 说明",
                    "reorder, declare highest, or acknowledge with ignore A302 \"reason\""),
    "A401": ("待遇“{tier}”给类别“{category}”的比例为 {ratio}（{day}）：比例应大于 0% 且不超过 100%",
             "tier {tier} gives category {category} a ratio of {ratio} (on {day}): a ratio is above 0% and at most "
             "100%"),
    "A402": ("待遇“{tier}”给类别“{category}”的年度限额 {cap}元 低于起付标准 {deductible}元（{day}）",
             "tier {tier} gives category {category} an annual cap of {cap} yuan below its deductible of "
             "{deductible} yuan (on {day})"),
    "A403": ("一笔就诊的支付合计会超过其费用（基数重复扣减或比例过高）：{what}",
             "a claim's payments would add up to more than its cost (a base that counts a payment again, or a ratio "
             "too high): {what}"),
    "A404": ("倾斜救助“{tier}”给类别“{category}”的起付线 {threshold}元 高于其年度限额 {cap}元（{day}）："
             "请核对两者是否写反",
             "tilted tier {tier} gives category {category} a threshold of {threshold} yuan above its annual cap of "
             "{cap} yuan (on {day}): check that the two are not swapped"),
    "A501": ("本政策有效期至 {end}，{days} 天后到期（按 {today} 计）",
             "this policy is valid until {end}: it expires in {days} days (as of {today})"),
    "A501.advice": ("请准备新文件，或用 忽略 A501 \"理由\" 说明",
                    "prepare its successor, or acknowledge with ignore A501 \"reason\""),
    "A502": ("本政策有效期至 {end}，已到期（按 {today} 计）：此后的就诊不再按本政策结算",
             "this policy was valid until {end} and has expired (as of {today}): later claims are not settled "
             "under it"),
    "A503": ("参数“{name}”的取值自 {first} 起才有，而政策自 {start} 施行：其间的就诊没有取值",
             "param {name} has values only from {first}, while the policy is in force from {start}: claims in "
             "between have no value"),
    "A504": ("本政策与同一发布机关的《{other}》（{file}）施行期间重叠（{start} 至 {end}），且未写 替代 或 废止 它："
             "其间的就诊按哪份文件结算不明",
             "this policy and {other} ({file}), from the same issuer, are in force together (from {start} to {end}) "
             "and this one neither supersedes nor repeals it: which one settles a claim in between is unclear"),
    "A504.advice": ("请在较新的文件中写 替代 \"{other}\"，或给较旧的文件写 有效期至",
                    "write supersedes \"{other}\" in the newer file, or valid_until in the older one"),
    "E125": ("忽略 后应写检查发现的代码（如 A101），“{name}”不是", "ignore takes a finding's code (such as A101), "
             "not {name}"),
    "E126": ("忽略 {finding} 对 后应写本政策声明的类别、群组、待遇、参数或条款，“{name}”不是",
             "ignore {finding} for takes categories, groups, tiers, parameters or provisions the policy declares; "
             "{name} is none of them"),
}
