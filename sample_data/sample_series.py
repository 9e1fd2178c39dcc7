"""The synthetic series of the sample partnership, as records per month: made up, but realistic.

Each generator returns `{month: [record, ...]}` for 2015-01 to 2017-10, with realistic sizes,
trends, seasons and differences between districts. Each draws from a random generator of its own
(seeded from SEED, the dataset and the partner), so the output never depends on the clock or on
the order the series are made, and changing one series does not shift the others.
`generate.py` writes them to files; `sample_rejected.py` breaks some of them on purpose.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

SEED = 20151226  # Storm Eva, the Boxing Day floods
MONTHS = [f"{y}-{m:02d}" for y in (2015, 2016, 2017) for m in range(1, 13)][:34]
RESTATED = ("nhs_gm_icb", "nhs_emergency_admissions", "2017-08")
Records = dict[str, list[dict[str, object]]]


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    council: str  # partner id of the district council
    prefix: str  # case id prefix
    households: int  # as in data_contracts/reference/households_by_district.csv (synthetic)
    need: float  # relative homelessness and health need (1 = Greater Manchester average)
    flood: float  # relative river flood risk


AREAS = [
    Area("E08000001", "Bolton", "bolton_council", "BOL", 117200, 1.0, 0.8),
    Area("E08000002", "Bury", "bury_council", "BUR", 80600, 0.75, 1.5),
    Area("E08000003", "Manchester", "manchester_council", "MAN", 223900, 1.6, 1.2),
    Area("E08000004", "Oldham", "oldham_council", "OLD", 91800, 1.05, 0.7),
    Area("E08000005", "Rochdale", "rochdale_council", "ROC", 89100, 1.1, 1.8),
    Area("E08000006", "Salford", "salford_council", "SAL", 112400, 1.25, 1.6),
    Area("E08000007", "Stockport", "stockport_council", "STO", 125700, 0.7, 0.9),
    Area("E08000008", "Tameside", "tameside_council", "TAM", 96300, 0.95, 0.8),
    Area("E08000009", "Trafford", "trafford_council", "TRA", 97100, 0.6, 0.9),
    Area("E08000010", "Wigan", "wigan_council", "WIG", 139500, 0.85, 1.1),
]
COUNCIL_NAMES = {
    "bolton_council": "Bolton Council",
    "bury_council": "Bury Council",
    "manchester_council": "Manchester City Council",
    "oldham_council": "Oldham Council",
    "rochdale_council": "Rochdale Borough Council",
    "salford_council": "Salford City Council",
    "stockport_council": "Stockport Council",
    "tameside_council": "Tameside Council",
    "trafford_council": "Trafford Council",
    "wigan_council": "Wigan Council",
}
HOUSING_ASSOCIATION_AREAS = {"E08000001", "E08000003", "E08000006", "E08000009"}


# --- small helpers -------------------------------------------------------------------------------


def rng_for(*parts: str) -> random.Random:
    """A generator of its own for each dataset and partner, so one change does not shift all."""
    return random.Random("-".join([str(SEED), *parts]))


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:  # normal approximation: fast and close enough for large means
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:]), 1)


def last_day(month: str) -> date:
    start = first_day(month)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def add_months(month: str, n: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:]) - 1 + n
    return f"{index // 12}-{index % 12 + 1:02d}"


def t_of(month: str) -> int:
    """Months since 2015-01 (the trend clock)."""
    return (int(month[:4]) - 2015) * 12 + int(month[5:]) - 1


def season(month: str, factors: list[float]) -> float:
    return factors[int(month[5:]) - 1]


def ddmmyyyy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# --- homelessness case records (each council) ----------------------------------------------------

APPROACH_SEASON = [1.12, 1.03, 1.02, 0.97, 0.98, 0.96, 1.0, 1.03, 1.05, 1.0, 0.97, 0.87]
HOUSEHOLDS = {
    "single_adult_male": 0.34,
    "single_adult_female": 0.17,
    "single_parent": 0.25,
    "couple_with_children": 0.12,
    "couple_no_children": 0.06,
    "other": 0.06,
}
CLOSE_CHANCE = {"prevention": 0.42, "relief": 0.38, "main_duty": 0.22}


@dataclass
class Case:
    case_id: str
    approached: date
    duty: str
    household: str
    age: int


def outcome_for(rng: random.Random, duty: str, area: Area, t: int) -> str:
    # Prevention works better where need is lower, and improves as the partnership matures.
    success = {"prevention": 0.66, "relief": 0.46, "main_duty": 0.72}[duty]
    success += 0.06 * (1 - area.need) + 0.05 * t / 33
    rest = 1 - success
    weights = {"secured_accommodation": success, "not_secured": rest * 0.35}
    weights |= {"contact_lost": rest * 0.35, "withdrew": rest * 0.3}
    if duty == "main_duty":
        weights |= {"not_secured": rest * 0.15, "intentionally_homeless": rest * 0.2}
    return pick(rng, weights)


def homelessness_cases(area: Area) -> Records:
    rng = rng_for("homelessness_cases", area.council)
    open_cases: list[Case] = []
    rows: Records = {}
    serial = 0
    for month in (add_months("2015-01", k) for k in range(-8, 34)):  # 8 months to warm up
        t = t_of(month)
        start, end = first_day(month), last_day(month)
        rate = 0.42 * area.need * (1 + 0.011 * max(t, 0)) * season(month, APPROACH_SEASON)
        for _ in range(poisson(rng, area.households / 1000 * rate)):
            serial += 1
            digest = hashlib.sha256(f"{SEED}/{area.council}/{serial}".encode()).hexdigest()
            duty = pick(rng, {"prevention": 0.56 - 0.1 * (area.need - 1), "relief": 0.34})
            duty = "main_duty" if rng.random() < 0.08 else duty
            open_cases.append(
                Case(
                    case_id=f"{area.prefix}-{digest[:10].upper()}",
                    approached=start + timedelta(days=rng.randrange((end - start).days + 1)),
                    duty=duty,
                    household=pick(rng, HOUSEHOLDS),
                    age=min(90, 16 + round(rng.gammavariate(2.2, 9.0))),
                )
            )
        records: list[dict[str, object]] = []
        still_open: list[Case] = []
        for case in open_cases:
            if case.duty == "prevention" and rng.random() < 0.07:
                case.duty = "relief"  # prevention failed: the household became homeless
            elif case.duty == "relief" and rng.random() < 0.05:
                case.duty = "main_duty"
            closed = rng.random() < CLOSE_CHANCE[case.duty]
            outcome, outcome_date = None, None
            if closed:
                outcome = outcome_for(rng, case.duty, area, max(t, 0))
                since = max(case.approached, start)
                outcome_date = ddmmyyyy(
                    since + timedelta(days=rng.randrange((end - since).days + 1))
                )
            else:
                still_open.append(case)
            records.append(
                {
                    "case_id": case.case_id,
                    "area_code": area.code,
                    "month": month,
                    "approach_date": ddmmyyyy(case.approached),
                    "approach_type": "new" if case.approached >= start else "carried_forward",
                    "duty_type": case.duty,
                    "household_type": case.household,
                    "applicant_age": case.age,
                    "case_status": "closed" if closed else "open",
                    "outcome": outcome,
                    "outcome_date": outcome_date,
                }
            )
        open_cases = still_open
        if month >= "2015-01":
            rows[month] = records
    return rows


# --- NHS emergency admissions of people with no fixed abode --------------------------------------

WINTER = [1.15, 1.12, 1.02, 0.98, 0.95, 0.92, 0.95, 0.94, 0.97, 1.0, 1.05, 1.12]
AGE_BANDS = {"18-34": 0.45, "35-54": 0.4, "55+": 0.15}
DIAGNOSES = {
    "mental_health": 0.25,
    "substance_misuse": 0.3,
    "injury": 0.18,
    "respiratory": 0.1,
    "other": 0.17,
}


def nhs_emergency_admissions(undercount: float = 1.0) -> Records:
    rng = rng_for("nhs_emergency_admissions")
    rows: Records = {}
    for month in MONTHS:
        records: list[dict[str, object]] = []
        for area in AREAS:
            # Concentrated in the city centre: need squared, and Manchester's hospitals on top.
            base = (
                0.1 * area.households / 1000 * area.need**2 * (1.6 if area.prefix == "MAN" else 1)
            )
            level = base * (1 + 0.008 * t_of(month)) * season(month, WINTER)
            for band, share in AGE_BANDS.items():
                for group, weight in DIAGNOSES.items():
                    winter = season(month, WINTER) ** 3 if group == "respiratory" else 1.0
                    admissions = poisson(rng, level * share * weight * winter)
                    stay = 7.5 if band == "55+" else 4.5
                    bed_days = sum(1 + poisson(rng, stay - 1) for _ in range(admissions))
                    records.append(
                        {
                            "month": month,
                            "area_code": area.code,
                            "age_band": band,
                            "diagnosis_group": group,
                            "admissions": admissions,
                            "bed_days": bed_days,
                        }
                    )
        rows[month] = records
    if undercount != 1.0:  # the first, under-coded submission of the restated month
        month = RESTATED[2]
        first = rng_for("undercount")
        for record in rows[month]:
            kept = sum(
                1 for _ in range(int(str(record["admissions"]))) if first.random() < undercount
            )
            share = kept / int(str(record["admissions"])) if record["admissions"] else 0
            record["admissions"], record["bed_days"] = (
                kept,
                round(int(str(record["bed_days"])) * share),
            )
    return rows


# --- workforce: NHS providers, council social care, police --------------------------------------

NHS_GROUPS = {  # staff group: (establishment per 1,000 households, vacancy rate in 2015)
    "nursing_midwifery": (14.0, 0.085),
    "medical_dental": (3.6, 0.06),
    "allied_health": (3.2, 0.07),
    "healthcare_support": (7.5, 0.05),
}
CARE_GROUPS = {
    "social_worker": (0.9, 0.12),
    "care_worker": (2.1, 0.15),
    "occupational_therapist": (0.25, 0.09),
}
POLICE_GROUPS = {"police_officer": (5.3, 0.03), "pcso": (0.6, 0.08), "police_staff": (2.6, 0.05)}
# Newly qualified nurses and social workers start in September and October: vacancies dip.
INTAKE = [1.0, 1.0, 1.0, 1.0, 1.0, 1.02, 1.04, 1.05, 0.9, 0.88, 0.95, 0.98]


def staff_rows(
    rng: random.Random,
    month: str,
    area: Area,
    organisation: str,
    sector: str,
    groups: dict[str, tuple[float, float]],
) -> Iterator[dict[str, object]]:
    t = t_of(month)
    for group, (per_1000, rate) in groups.items():
        size = 1.5 if sector == "nhs" and area.prefix == "MAN" else 1.0  # regional hospitals
        establishment = round(area.households / 1000 * per_1000 * size * (1 + 0.001 * t), 1)
        # Vacancies rise over the period (police establishment was cut, then recruitment lagged).
        vacancy = rate * (1 + 0.012 * t) * (0.9 + 0.2 * area.need / 1.6)
        vacancy *= season(month, INTAKE) if group in ("nursing_midwifery", "social_worker") else 1
        in_post = round(establishment * (1 - vacancy * rng.uniform(0.85, 1.15)), 1)
        yield {
            "month": month,
            "organisation": organisation,
            "sector": sector,
            "staff_group": group,
            "area_code": area.code,
            "establishment_fte": establishment,
            "staff_in_post_fte": in_post,
            "vacancies_fte": round(max(0.0, establishment - in_post), 1),
        }


def workforce(partner: str) -> Records:
    rng = rng_for("workforce_vacancies", partner)
    rows: Records = {}
    for month in MONTHS:
        records: list[dict[str, object]] = []
        for area in AREAS:
            if partner == "nhs_gm_icb":
                org = f"NHS providers in {area.name}"
                records += staff_rows(rng, month, area, org, "nhs", NHS_GROUPS)
            elif partner == "gm_police":
                records += staff_rows(
                    rng, month, area, "Greater Manchester Police", "police", POLICE_GROUPS
                )
            elif partner == area.council:
                org = f"{COUNCIL_NAMES[partner]} adult social care"
                records += staff_rows(rng, month, area, org, "council_care", CARE_GROUPS)
        rows[month] = records
    return rows


# --- digital inclusion: voluntary sector alliance and the housing association -------------------

VENUES = {
    "E08000001": ["Bolton Central Library", "Breightmet Community Centre"],
    "E08000002": ["Bury Library", "Radcliffe Community Café"],
    "E08000003": [
        "Central Library, St Peter’s Square",
        "Moss Side Community Café",
        "Harpurhey Neighbourhood Centre",
    ],
    "E08000004": ["Oldham Library", "Fitton Hill Community Centre"],
    "E08000005": ["Rochdale Central Library", "Littleborough Café Hub"],
    "E08000006": ["Eccles Gateway", "Broughton Women’s Centre"],
    "E08000007": ["Stockport Central Library", "Brinnington Community Centre"],
    "E08000008": ["Ashton Library", "Hyde Community Café"],
    "E08000009": ["Stretford Library", "Partington Community Centre"],
    "E08000010": ["Wigan Life Centre", "Leigh Library"],
}
DIGITAL_AGES = {"16-24": 0.1, "25-49": 0.3, "50-64": 0.25, "65+": 0.35}
DIGITAL_SEASON = [1.15, 1.05, 1.05, 0.95, 1.0, 0.95, 0.85, 0.72, 1.1, 1.08, 1.05, 0.7]


def digital_inclusion(partner: str) -> Records:
    rng = rng_for("digital_inclusion", partner)
    rows: Records = {}
    for month in MONTHS:
        t = t_of(month)
        growth = 0.5 + 0.9 * min(1.0, t / 24)  # the programme grows through 2015 and 2016
        loans = 0.08 if month < "2016-04" else 0.2  # device lending scheme from April 2016
        records: list[dict[str, object]] = []
        for area in AREAS:
            if partner == "gm_voluntary_alliance":
                venues = VENUES[area.code]
                size = 22.0
            elif area.code in HOUSING_ASSOCIATION_AREAS:
                venues, size = [f"Northern Rivers tenants’ hub, {area.name}"], 9.0
            else:
                continue
            for v, venue in enumerate(venues):
                for band, share in DIGITAL_AGES.items():
                    level = size * (1.3 - 0.25 * v) * share * growth * area.need**0.5
                    people = poisson(rng, level * season(month, DIGITAL_SEASON))
                    devices = sum(1 for _ in range(people) if rng.random() < loans)
                    records.append(
                        {
                            "month": month,
                            "area_code": area.code,
                            "venue": venue,
                            "age_band": band,
                            "people_supported": people,
                            "devices_loaned": devices,
                        }
                    )
        rows[month] = records
    return rows


# --- climate resilience: flood incidents (fire and rescue) and protection ------------------------

FLOOD_SEASON = [1.6, 1.4, 1.1, 0.8, 0.7, 0.9, 1.3, 1.3, 0.9, 1.2, 1.5, 1.7]
STORMS = {"2015-12": 9.0, "2016-01": 2.5}  # Storms Desmond and Eva, December 2015
RIVER_DISTRICTS = {"E08000002", "E08000003", "E08000005", "E08000006"}
INCIDENT_TYPES = {"internal_flooding": 0.9, "external_flooding": 1.6, "water_rescue": 0.12}


def flood_incidents() -> Records:
    rng = rng_for("flood_incidents")
    rows: Records = {}
    for month in MONTHS:
        records: list[dict[str, object]] = []
        for area in AREAS:
            storm = STORMS.get(month, 1.0)
            storm = storm if area.code in RIVER_DISTRICTS else 1 + (storm - 1) / 3
            for kind, rate in INCIDENT_TYPES.items():
                incidents = poisson(rng, rate * area.flood * season(month, FLOOD_SEASON) * storm)
                per = {"internal_flooding": 1.8, "external_flooding": 0.4, "water_rescue": 0.2}[
                    kind
                ]
                affected = sum(poisson(rng, per) for _ in range(incidents))
                affected = max(affected, incidents) if kind == "internal_flooding" else affected
                records.append(
                    {
                        "month": month,
                        "area_code": area.code,
                        "incident_type": kind,
                        "incidents": incidents,
                        "properties_affected": affected,
                    }
                )
        rows[month] = records
    return rows


SCHEMES = {
    "flood_defence_scheme": "{name} flood defences (£{cost:.1f}m)",
    "natural_flood_management": "{name} ‘slow the flow’ project",
    "drainage_improvement": "{name} drainage and gully programme",
}


def flood_protection(partner: str) -> Records:
    rng = rng_for("flood_protection", partner)
    rows: Records = {}
    for month in MONTHS:
        after = month >= "2016-04"  # investment after the Boxing Day floods
        records: list[dict[str, object]] = []
        for area in AREAS:
            if partner == "gm_combined_authority":
                measures = list(SCHEMES)
            elif area.code in HOUSING_ASSOCIATION_AREAS:
                measures = ["property_flood_resilience"]
            else:
                continue
            for measure in measures:
                if measure == "flood_defence_scheme":
                    done = rng.random() < (0.06 if after else 0.004) * area.flood
                    protected = round(rng.uniform(40, 420) * area.flood) if done else 0
                elif measure == "property_flood_resilience":
                    protected = poisson(rng, (5.0 if after else 0.6) * area.flood)
                else:
                    protected = poisson(rng, (2.5 if after else 0.8) * area.flood)
                name = None
                if protected and measure == "property_flood_resilience":
                    name = f"Northern Rivers PFR programme, {area.name}"
                elif protected:
                    name = SCHEMES[measure].format(name=area.name, cost=protected * 0.011)
                records.append(
                    {
                        "month": month,
                        "area_code": area.code,
                        "measure": measure,
                        "scheme_name": name,
                        "properties_protected": protected,
                    }
                )
        rows[month] = records
    return rows
