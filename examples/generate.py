"""Writes the bundled synthetic example data under examples/. Deterministic: a fixed seed, stdlib only.

    python3 examples/generate.py

The data are invented. Each city's set covers every category of its policy, every visit type, persons
whose annual caps are hit, stays across a year boundary, identities lost or gained during a stay, several
identities at once, persons without any identity, claims not referred or treated out of the province,
and (Wuhai) diseases of the major-illness list. Categories are written by their Chinese names, as each policy
declares them (`类别` in policies/<city>.aid); visit types mostly in English, some in Chinese (both are accepted:
docs/language.md, "就诊类型与状态 Visit types and statuses").
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20230101

CLAIM_HEADER = ["claim_id", "person_id", "visit_type", "admission_date", "discharge_date", "policy_scope_cost",
                "basic_paid", "critical_paid", "referred", "in_province"]
VISIT_ZH = {"outpatient": "普通门诊", "chronic": "门诊慢特病", "inpatient": "住院"}

CITIES = {
    "wuxi": {
        "categories": ["特困人员", "最低生活保障对象", "困境儿童", "孤儿", "事实无人抚养儿童", "优抚对象",
                       "精减退职职工", "特困职工", "低保边缘家庭成员", "支出型困难家庭大重病患者",
                       "临时救助对象大重病患者", "重度残疾人", "其他特殊困难人员"],
        "years": (2023, 2024), "before": dt.date(2022, 11, 1),  # a few claims before the policy's 施行日期
        "critical_given": lambda day: True, "persons": 90, "prefix": "WX",
    },
    "mianyang": {
        "categories": ["特困人员", "孤儿", "低保对象", "低保边缘家庭成员", "防止返贫监测对象", "因病致贫重病患者"],
        # claims from mid-2022: before 2022-09-01 nothing is in force; from then the retroactive tilted-aid
        # and orphan rules apply; the critical-illness rules start on 2023-01-01, so earlier claims carry it
        "years": (2023, 2024), "before": dt.date(2022, 7, 1),
        "critical_given": lambda day: day < dt.date(2023, 1, 1), "persons": 80, "prefix": "MY",
    },
    "wuhai": {
        "categories": ["过渡期内脱贫户", "最低生活保障家庭成员", "特困供养人员", "孤儿", "困境儿童", "三民人员",
                       "低收入救助对象", "其他特殊困难人员"],
        "years": (2021, 2022), "before": dt.date(2020, 11, 1),
        "critical_given": lambda day: True, "persons": 80, "prefix": "WH",
    },
}

# Wuhai 三(二)3(1): the major-illness list (a subset used in the data), plus diseases outside it
MAJOR_ILLNESSES = ["白血病", "肺癌", "食道癌", "终末期肾病", "脑卒中", "急性心肌梗塞", "尘肺", "儿童先心病", "血友病",
                   "慢阻肺", "器官移植"]
OTHER_DISEASES = ["肺炎", "骨折", "胆囊炎", "阑尾炎"]

HUIZHOU_COUNTIES = ["惠城区", "惠阳区", "惠东县", "博罗县", "龙门县", "大亚湾经济技术开发区", "仲恺高新区"]
JINGGU_LEVELS = ["基层", "一级", "二级", "三级"]  # as the policy's 机构级别 conditions write them


# ---------------------------------------------------------------- money and dates

def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def insurance(rng: random.Random, visit: str, cost: int, critical: bool) -> tuple[int, int]:
    """Plausible basic and critical-illness payments (fen) on a claim: they never exceed the cost."""
    deductible = {"outpatient": 0, "chronic": 20_000, "inpatient": 80_000}[visit]
    ratio = {"outpatient": 0.5, "chronic": 0.6, "inpatient": 0.7}[visit]
    basic = int(max(0, cost - deductible) * ratio * rng.uniform(0.85, 1.0))
    left = cost - basic
    crit = int(max(0, left - 1_500_000) * 0.6) if critical and visit != "outpatient" else 0
    return basic, crit


def cost_of(rng: random.Random, visit: str) -> int:
    low, high = {"outpatient": (3_000, 300_000), "chronic": (50_000, 2_000_000),
                 "inpatient": (300_000, 8_000_000)}[visit]
    return int(rng.triangular(low, high, low + (high - low) // 6))


# ---------------------------------------------------------------- a city's persons, identities and claims

class CityWriter:
    def __init__(self, name: str, config: dict, rng: random.Random):
        self.name, self.config, self.rng = name, config, rng
        self.identities: list[list[str]] = []
        self.claims: list[dict] = []
        self.persons: list[list[str]] = []
        first, last = config["years"]
        self.start, self.end = dt.date(first, 1, 1), dt.date(last, 12, 31)

    def person_id(self, index: int) -> str:
        return f"{self.config['prefix']}P{index:04d}"

    def hold(self, person: str, category: str, start: dt.date, end: dt.date | None = None) -> None:
        self.identities.append([person, category, start.isoformat(), end.isoformat() if end else ""])

    def claim(self, person: str, visit: str, admission: dt.date, discharge: dt.date, cost: int | None = None,
              *, referred: bool = True, in_province: bool = True, disease: str = "", paid: tuple | None = None):
        cost = cost_of(self.rng, visit) if cost is None else cost
        critical_given = self.config["critical_given"](discharge)
        basic, crit = paid if paid is not None else insurance(self.rng, visit, cost, critical_given)
        self.claims.append({
            "person_id": person, "visit_type": visit, "admission": admission, "discharge": discharge,
            "cost": cost, "basic": basic, "critical": crit if critical_given else None,
            "referred": referred, "in_province": in_province, "disease": disease})

    def visit(self, person: str, visit: str | None = None, within: tuple[dt.date, dt.date] | None = None, **kw):
        rng = self.rng
        visit = visit or rng.choices(["outpatient", "chronic", "inpatient"], [5, 3, 3])[0]
        start, end = within or (self.start, self.end)
        discharge = random_day(rng, start, end)
        admission = discharge - dt.timedelta(days=rng.randint(2, 25)) if visit == "inpatient" else discharge
        kw.setdefault("referred", rng.random() > 0.1)
        kw.setdefault("in_province", rng.random() > 0.08)
        self.claim(person, visit, admission, discharge, **kw)

    def build(self) -> None:
        rng, categories = self.rng, self.config["categories"]
        count = self.config["persons"]
        for index in range(1, count + 1):
            person = self.person_id(index)
            category = categories[(index - 1) % len(categories)]  # every category, several persons each
            scenario = rng.choices(["steady", "two", "lost", "gained", "none"], [10, 2, 2, 2, 1])[0]
            if index <= len(categories):
                scenario = "steady"
            self.scenario(person, category, scenario)
            for _ in range(rng.randint(2, 5)):
                self.visit(person)
        self.special_cases(count + 1)
        self.claims.sort(key=lambda c: (c["discharge"], c["person_id"], c["admission"]))  # like an export

    def scenario(self, person: str, category: str, scenario: str) -> None:
        rng, first_day = self.rng, self.config["before"]
        if scenario == "steady":
            self.hold(person, category, first_day)
        elif scenario == "two":  # several identities at once: the policy's priority picks one
            self.hold(person, category, first_day)
            self.hold(person, rng.choice(self.config["categories"]), first_day + dt.timedelta(days=rng.randint(0, 200)))
        elif scenario == "lost":
            end = random_day(rng, self.start + dt.timedelta(days=60), self.end - dt.timedelta(days=120))
            self.hold(person, category, first_day, end)
            # a stay running across the day the identity ends, and claims in its month and after it
            self.claim(person, "inpatient", end - dt.timedelta(days=4), end + dt.timedelta(days=6))
            self.visit(person, "outpatient", (end + dt.timedelta(days=1), end + dt.timedelta(days=1)))
            self.visit(person, "chronic", (end + dt.timedelta(days=40), end + dt.timedelta(days=70)))
        elif scenario == "gained":
            start = random_day(rng, self.start + dt.timedelta(days=60), self.end - dt.timedelta(days=60))
            self.hold(person, category, start)
            self.claim(person, "inpatient", start - dt.timedelta(days=5), start + dt.timedelta(days=7))
            self.visit(person, "outpatient", (start - dt.timedelta(days=30), start - dt.timedelta(days=1)))
        # "none": insured, but holding no category of the policy

    def special_cases(self, index: int) -> None:
        """Persons built to hit caps, cross year boundaries and fall before the policy's start."""
        rng, categories = self.rng, self.config["categories"]
        top = categories[0]  # the first category is the most generous in every policy here
        first_year, last_year = self.config["years"]
        # ordinary-outpatient cap: many outpatient visits in one year
        person = self.person_id(index)
        self.hold(person, top, self.config["before"])
        for month in range(1, 13):
            day = dt.date(first_year, month, rng.randint(1, 28))
            self.claim(person, "outpatient", day, day, cost=rng.randint(280_000, 300_000))
        # the chronic + inpatient cap: large stays, the last one across New Year
        person = self.person_id(index + 1)
        self.hold(person, top, self.config["before"])
        for month in (2, 6, 10):
            discharge = dt.date(first_year, month, 20)
            self.claim(person, "inpatient", discharge - dt.timedelta(days=30), discharge, cost=60_000_000)
        self.claim(person, "chronic", dt.date(first_year, 11, 3), dt.date(first_year, 11, 3), cost=1_500_000)
        self.claim(person, "inpatient", dt.date(first_year, 12, 24), dt.date(last_year, 1, 6), cost=20_000_000)
        # a lower category near its cap too, with referrals and out-of-province stays for tilted aid
        person = self.person_id(index + 2)
        self.hold(person, categories[-1], self.config["before"])
        for month in (3, 5, 8, 11):
            discharge = dt.date(first_year, month, 15)
            self.claim(person, "inpatient", discharge - dt.timedelta(days=12), discharge, cost=15_000_000,
                       referred=month != 5, in_province=month != 8)
        # claims before the policy's start (not in force), and a stay into its first year
        person = self.person_id(index + 3)
        self.hold(person, top, self.config["before"])
        before = self.config["before"]
        self.claim(person, "inpatient", before, before + dt.timedelta(days=10))
        self.claim(person, "outpatient", before + dt.timedelta(days=20), before + dt.timedelta(days=20))
        self.claim(person, "inpatient", self.start - dt.timedelta(days=6), self.start + dt.timedelta(days=3))
        # the months between (Mianyang: the retroactive tilted-aid and orphan rules), for an orphan
        person = self.person_id(index + 5)
        self.hold(person, categories[1], before)
        for days in (75, 110, 140):
            self.claim(person, "inpatient", before + dt.timedelta(days=days - 9), before + dt.timedelta(days=days),
                       cost=8_000_000)
        # a person holding no category at all
        person = self.person_id(index + 4)
        for _ in range(3):
            self.visit(person)

    # ------------------------------------------------------------ output
    def claim_rows(self, header: list[str]) -> list[list[str]]:
        rows = []
        for number, c in enumerate(self.claims, start=1):
            visit = VISIT_ZH[c["visit_type"]] if number % 9 == 0 else c["visit_type"]
            same_day = c["admission"] == c["discharge"] and number % 2 == 0  # empty admission = same day
            values = {
                "claim_id": f"{self.config['prefix']}{number:05d}", "person_id": c["person_id"], "visit_type": visit,
                "admission_date": "" if same_day else c["admission"].isoformat(),
                "discharge_date": c["discharge"].isoformat(), "policy_scope_cost": yuan(c["cost"]),
                "basic_paid": yuan(c["basic"]), "critical_paid": "" if c["critical"] is None else yuan(c["critical"]),
                "referred": "true" if c["referred"] else "false",
                "in_province": "true" if c["in_province"] else "false", "disease": c["disease"],
            }
            rows.append([values[col] for col in header])
        return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def city(name: str, rng: random.Random, extra=None) -> CityWriter:
    writer = CityWriter(name, CITIES[name], rng)
    writer.build()
    if extra:
        extra(writer)
    header = CLAIM_HEADER + (["disease"] if name == "wuhai" else [])
    write_csv(HERE / name / "claims.csv", header, writer.claim_rows(header))
    write_csv(HERE / name / "identities.csv", ["person_id", "category", "start", "end"], writer.identities)
    return writer


# ---------------------------------------------------------------- city-specific additions

def wuhai_extra(writer: CityWriter) -> None:
    """Major-illness stays and outpatient items (三(二)3), and a cap-hitting major-illness patient."""
    rng = writer.rng
    persons = sorted({row[0] for row in writer.identities})
    for claim in writer.claims:
        if claim["visit_type"] == "inpatient" and rng.random() < 0.35:
            claim["disease"] = rng.choice(MAJOR_ILLNESSES if rng.random() < 0.8 else OTHER_DISEASES)
    for person in rng.sample(persons, 12):
        writer.visit(person, "chronic", disease=rng.choice(["肺癌", "食道癌", "终末期肾病", "白血病"]))
    person = writer.person_id(900)
    writer.hold(person, "特困供养人员", dt.date(2020, 1, 1))
    for month in (3, 7, 11):
        discharge = dt.date(2021, month, 10)
        writer.claim(person, "inpatient", discharge - dt.timedelta(days=20), discharge, cost=40_000_000,
                     disease="白血病")
    person = writer.person_id(901)
    writer.hold(person, "其他特殊困难人员", dt.date(2020, 1, 1))
    for month in (4, 9):
        discharge = dt.date(2022, month, 10)
        writer.claim(person, "inpatient", discharge - dt.timedelta(days=20), discharge, cost=30_000_000,
                     disease="肺癌")
    writer.claims.sort(key=lambda c: (c["discharge"], c["person_id"], c["admission"]))


def wuhai_persons(writer: CityWriter) -> None:
    """persons.csv: the attributes Wuhai's outpatient grant and income tests read."""
    rng = writer.rng
    rows = []
    # 其他特殊困难人员 qualify by income and expense tests (三(一)3): give most of them low family incomes
    hardship = {row[0] for row in writer.identities if row[1] == "其他特殊困难人员"}
    for person in sorted({row[0] for row in writer.identities} | {c["person_id"] for c in writer.claims}):
        gender = rng.choice("男女")
        birth = random_day(rng, dt.date(1935, 1, 1), dt.date(2018, 12, 31))
        grade = rng.choice(["", "", "", "", "1", "2", "3", "4"])
        dibao = rng.choice(["", "", "A", "B", "C"])
        if person in hardship and rng.random() < 0.8:
            monthly, annual = rng.randint(50_000, 280_000), rng.randint(600_000, 3_000_000)
        else:
            monthly = rng.randint(40_000, 400_000)
            annual = monthly * rng.randint(2, 4) * 12
        rows.append([person, gender, birth.isoformat(), grade, dibao, yuan(monthly), yuan(annual)])
    write_csv(HERE / "wuhai" / "persons.csv", ["person_id", "gender", "birth_date", "disability_grade",
                                               "dibao_class", "family_monthly_income_per_capita",
                                               "family_annual_income"], rows)


def huizhou(rng: random.Random) -> None:
    """expenditures.csv: each county's yearly aid expenditure, 2020–2026 (some above the fee cap's base)."""
    rows = []
    for county in HUIZHOU_COUNTIES:
        level = rng.randint(3_000_000_00, 16_000_000_00)  # fen: 3–16 million yuan
        for year in range(2020, 2027):
            rows.append([county, str(year), yuan(level)])
            level = int(level * rng.uniform(0.95, 1.12))
    write_csv(HERE / "huizhou" / "expenditures.csv", ["county", "year", "aid_expenditure"], rows)


def jinggu(rng: random.Random) -> None:
    """claims.csv for the basic-insurance tier: institution levels, through the 2017 transition period.
    The policy has no critical-illness tier, so each claim carries critical_paid (contract); a few
    outpatient visits show what the inpatient-only policy does with them."""
    rows = []
    for number in range(1, 301):
        visit = rng.choices(["outpatient", "inpatient"], [1, 9])[0]
        discharge = random_day(rng, dt.date(2017, 1, 1), dt.date(2018, 12, 31))
        admission = discharge - dt.timedelta(days=rng.randint(1, 20)) if visit == "inpatient" else discharge
        person = f"JGP{rng.randint(1, 90):04d}"
        rows.append([f"JG{number:05d}", person, visit, admission.isoformat(), discharge.isoformat(),
                     yuan(cost_of(rng, visit)), "0.00", rng.choices(JINGGU_LEVELS, [3, 3, 3, 2])[0]])
    rows.sort(key=lambda r: (r[4], r[0]))
    write_csv(HERE / "jinggu" / "claims.csv", ["claim_id", "person_id", "visit_type", "admission_date",
                                               "discharge_date", "policy_scope_cost", "critical_paid", "institution_level"],
              rows)


def main() -> None:
    rng = random.Random(SEED)
    city("wuxi", rng)
    city("mianyang", rng)
    wuhai_persons(city("wuhai", rng, wuhai_extra))
    huizhou(rng)
    jinggu(rng)


if __name__ == "__main__":
    main()
