"""The demo workforce (nhân lực y tế mẫu): who works where, their moves, licences, certificates and training.

Pure Python like `plan`: the same unit plan, seed, reference date and factor give the same people, down to every
name, CCCD and date, because every draw comes, in a fixed order, from random generators seeded with the plan's
seed. The reference date (`today`) anchors everything that is relative to "now" (ages, licence expiry, the CME
window), so the data look current on the day they are loaded; tests pass a fixed date to get the same data set
on any day.

What the lists of the workforce registry find in it, by design:

- ≈ 20 people per commune station (trạm y tế xã), ~10% of open stations without a doctor, one head per unit;
- full-size regional centres and hospitals, so a province holds ≈ 19,000 people and the country ≈ 500,000
  (Vietnam's order of magnitude), and doctors per 10,000 population come out near the national figure;
- licences: most valid for 5 years, ~5% expiring within 6 months, a few expired or missing (trainees included);
- certificates: ~1 station in 4 with nobody certified for general ultrasound;
- CME: ~12% of licensed staff in service for the whole 5-year window fall short of the 120 credit hours;
- posting history: transfers, rotations and secondments (Đề án 1816), staff of the stations closed by the 2025
  commune merger moved to a neighbouring station, and a few people retired or gone.

`WorkforcePlan.people()` yields one `PersonSpec` at a time, so the national half-million never sits in memory.
"""

from __future__ import annotations

import bisect
import datetime
import itertools
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from ytcs.core.demo import names
from ytcs.core.demo.plan import MERGER_EVE, REFORM_DAY, DemoPlan, UnitSpec
from ytcs.core.text import fold
from ytcs.orgunits.models import OrgUnitKind
from ytcs.workforce.data.catalogues import TITLES
from ytcs.workforce.rules import LICENCE_VALIDITY_YEARS, cme_rule, retirement_rule

# --- what gets planned ---


class PostingSpec(NamedTuple):
    unit: str  # org unit code
    kind: str
    started_on: datetime.date
    ended_on: datetime.date | None = None
    expected_return_on: datetime.date | None = None
    decision: str = ""
    note: str = ""


class LicenceSpec(NamedTuple):
    number: str
    issuer: str
    scope: str
    issued_on: datetime.date
    valid_until: datetime.date | None


class CertificateSpec(NamedTuple):
    competency: str  # catalogue code
    number: str
    issuer: str
    issued_on: datetime.date


class CmeSpec(NamedTuple):
    name: str
    provider: str
    started_on: datetime.date
    ended_on: datetime.date
    credits: int
    evidence: str


class PersonSpec(NamedTuple):
    """One health worker with everything recorded about them; `unit` is where they work now (or last worked)."""

    full_name: str
    sex: str
    birth_date: datetime.date
    national_id: str
    phone: str
    email: str
    title: str  # catalogue code
    qualification: str
    specialty: str
    employment_type: str
    position: str
    unit: str
    started_on: datetime.date
    ended_on: datetime.date | None
    status: str
    postings: tuple[PostingSpec, ...]
    licences: tuple[LicenceSpec, ...]
    certificates: tuple[CertificateSpec, ...]
    cme: tuple[CmeSpec, ...]


# --- how units are staffed ---


class Staffing(NamedTuple):
    """Headcount of one kind of unit (triangular: low, high, mode) and its mix of titles (weights)."""

    low: int
    high: int
    mode: int
    mix: tuple[tuple[str, float], ...]


STATION_DOCTORS = (("bac-si", 70), ("bac-si-yhdp", 20), ("bac-si-yhct", 10))
# The rest of a station (doctors are drawn apart so that "no doctor" is a decision, not an accident).
STATION_OTHERS = (
    ("y-si", 3.0), ("y-si-san-nhi", 0.8), ("dieu-duong", 4.0), ("ho-sinh", 2.5), ("duoc-si", 0.6), ("duoc-ta", 0.6),
    ("ky-thuat-y", 0.5), ("y-te-thon-ban", 2.5), ("luong-y", 0.2), ("khac", 1.0),
)  # fmt: skip
SATELLITE_MIX = (("y-te-thon-ban", 5), ("y-si", 2), ("ho-sinh", 1.5), ("dieu-duong", 1))
REGIONAL_MIX = (
    ("bac-si", 16), ("bac-si-yhdp", 4), ("bac-si-yhct", 2), ("y-si", 6), ("dieu-duong", 32), ("ho-sinh", 7),
    ("ky-thuat-y", 9), ("duoc-si", 4), ("duoc-ta", 2), ("dinh-duong", 0.5), ("khac", 12),
)  # fmt: skip
GENERAL_HOSPITAL_MIX = (
    ("bac-si", 26), ("bac-si-yhct", 1), ("y-si", 1), ("dieu-duong", 42), ("ho-sinh", 5), ("ky-thuat-y", 10),
    ("duoc-si", 4), ("duoc-ta", 1), ("dinh-duong", 1), ("khac", 10),
)  # fmt: skip
HOSPITAL_MIX = (
    ("bac-si", 22), ("bac-si-yhct", 4), ("y-si", 2), ("dieu-duong", 40), ("ho-sinh", 6), ("ky-thuat-y", 8),
    ("duoc-si", 4), ("duoc-ta", 1), ("luong-y", 1), ("dinh-duong", 1), ("khac", 10),
)  # fmt: skip
TRADITIONAL_HOSPITAL_MIX = (
    ("bac-si-yhct", 25), ("bac-si", 5), ("luong-y", 5), ("y-si", 5), ("dieu-duong", 35), ("ky-thuat-y", 5),
    ("duoc-si", 6), ("duoc-ta", 3), ("khac", 11),
)  # fmt: skip
CDC_MIX = (
    ("bac-si-yhdp", 22), ("bac-si", 10), ("y-si", 6), ("dieu-duong", 10), ("ho-sinh", 3), ("ky-thuat-y", 18),
    ("duoc-si", 5), ("khac", 26),
)  # fmt: skip
PROVINCIAL_UNIT_MIX = (
    ("bac-si", 15), ("bac-si-yhdp", 5), ("y-si", 5), ("dieu-duong", 8), ("ky-thuat-y", 15), ("duoc-si", 15),
    ("khac", 37),
)  # fmt: skip
DEPARTMENT_MIX = (("bac-si", 18), ("bac-si-yhdp", 8), ("duoc-si", 10), ("y-si", 2), ("dieu-duong", 2), ("khac", 60))
PRIVATE_MIX = (
    ("bac-si", 35), ("bac-si-yhct", 3), ("dieu-duong", 28), ("ho-sinh", 6), ("ky-thuat-y", 10), ("duoc-si", 8),
    ("duoc-ta", 2), ("khac", 8),
)  # fmt: skip

# Headcounts by kind of unit, the same at both scales: a commune station ≈ 20; a regional centre (the former
# district hospital and health centre) ≈ 1,000; provincial hospitals from a few hundred to ≈ 2,500. The country
# then totals ≈ 500,000 health workers, Vietnam's order of magnitude (its hospitals and centres stand in for the
# central hospitals the tree does not hold), and a province ≈ 19,000. `factor` shrinks all but stations.
STAFFING: dict[str, Staffing] = {
    "station": Staffing(14, 27, 19, STATION_OTHERS),
    "satellite": Staffing(1, 3, 1, SATELLITE_MIX),
    "regional_centre": Staffing(700, 1500, 1000, REGIONAL_MIX),
    "general_hospital": Staffing(1800, 3600, 2600, GENERAL_HOSPITAL_MIX),
    "hospital": Staffing(400, 1500, 900, HOSPITAL_MIX),
    "traditional_hospital": Staffing(300, 900, 500, TRADITIONAL_HOSPITAL_MIX),
    "cdc": Staffing(150, 350, 220, CDC_MIX),
    "provincial_unit": Staffing(30, 120, 60, PROVINCIAL_UNIT_MIX),
    "province": Staffing(50, 90, 65, DEPARTMENT_MIX),
    "private": Staffing(8, 60, 20, PRIVATE_MIX),
}

# Catalogue codes the plan draws on (the loader checks the catalogue still has them).
TITLES_USED = frozenset(code for profile in STAFFING.values() for code, _ in profile.mix) | {
    code for code, _ in STATION_DOCTORS
}
COMPETENCIES_USED = frozenset(
    {
        "sieu-am-tong-quat", "dien-tam-do", "x-quang", "xet-nghiem-co-ban", "cap-cuu-co-ban", "an-toan-tiem-chung",
        "y-hoc-gia-dinh", "quan-ly-benh-khong-lay",
    }
)  # fmt: skip

STATION_WITHOUT_DOCTOR = 0.10
STATION_DOCTOR_COUNTS = ((1, 30), (2, 35), (3, 20), (4, 10), (5, 5))
STATION_ULTRASOUND = 0.75  # share of stations with someone certified for general ultrasound
STATION_ECG = 0.65
ENDED_SHARE = 0.015  # people who retired or left, still in the registry
NEAR_RETIREMENT = 0.11  # working people within 5 years of retirement age
CME_SHORTFALL = 0.12  # of licensed people in service for the whole window
# Licence state of a licensed person (cumulative thresholds of one draw); trainees hold none yet.
LICENCE_EXPIRED, LICENCE_MISSING, LICENCE_EXPIRING, LICENCE_OLD = 0.010, 0.016, 0.070, 0.20
# Moves (cumulative thresholds): transfer, ongoing rotation or secondment, completed rotation.
MOVE_TRANSFER, MOVE_AWAY_NOW, MOVE_RETURNED = 0.05, 0.065, 0.08

TITLE_INFO = {code: (category, doctor, licence) for code, _, category, doctor, licence, *_ in TITLES}
DOCTOR_TITLES = frozenset(code for code, (_, doctor, _) in TITLE_INFO.items() if doctor)
CLINICAL_CATEGORIES = frozenset({"doctor", "physician_assistant", "nurse", "midwife"})
FEMALE_SHARE = {
    "doctor": 0.5, "physician_assistant": 0.55, "nurse": 0.8, "midwife": 0.99, "technician": 0.6,
    "pharmacist": 0.7, "pharmacy_assistant": 0.8, "village_health_worker": 0.65, "other": 0.6,
}  # fmt: skip
# Age when starting in the sector (first, last), by category.
START_AGE = {"doctor": (24, 29), "village_health_worker": (20, 42)}
DEFAULT_START_AGE = (19, 24)
QUALIFICATIONS = {
    "doctor": (("university", 40), ("specialist_1", 30), ("master", 12), ("resident", 3), ("specialist_2", 12),
               ("doctorate", 3)),
    "station_doctor": (("university", 70), ("specialist_1", 25), ("master", 3), ("specialist_2", 2)),
    "physician_assistant": (("secondary", 85), ("college", 10), ("university", 5)),
    "nurse": (("secondary", 25), ("college", 45), ("university", 28), ("specialist_1", 1), ("master", 1)),
    "midwife": (("secondary", 30), ("college", 45), ("university", 25)),
    "technician": (("secondary", 8), ("college", 45), ("university", 45), ("master", 2)),
    "pharmacist": (("university", 85), ("specialist_1", 10), ("master", 5)),
    "pharmacy_assistant": (("elementary", 40), ("secondary", 60)),
    "village_health_worker": (("elementary", 100),),
    "other": (("secondary", 25), ("college", 25), ("university", 45), ("master", 5)),
}  # fmt: skip
# Credit hours of one activity: a conference day (8) to a two-week course (80); about 52 on average, so a
# person's five years take about 3 entries (the national set stays near a million).
CME_SIZES = ((8, 4), (16, 4), (24, 8), (40, 20), (48, 30), (80, 34))

DAY = datetime.timedelta(days=1)
YEAR_DAYS = 365.25
EARLIEST_TODAY = REFORM_DAY + 60 * DAY
# Law 15/2023/QH15 applies from 2024: licences issued before are the old certificates (chứng chỉ hành nghề).
LAW_15_FROM = datetime.date(2024, 1, 1).toordinal()
TRAINER_PREFIXES = (names.GENERAL_HOSPITAL, *names.HOSPITAL_NAMES, names.CDC, "Trường Cao đẳng Y tế")
CCCD_CODES = tuple(names.CCCD_PROVINCE_CODES.values())
CME_TOPICS, CME_EVENTS = names.CME_TOPICS, names.CME_EVENTS
POSTGRADUATE = frozenset({"specialist_1", "master", "resident", "specialist_2", "doctorate"})


class _Picker:
    """Weighted choice with precomputed cumulative weights: one `random()` per pick."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, weighted: tuple[tuple[object, float], ...]) -> None:
        self.items = [item for item, _ in weighted]
        self.cum = list(itertools.accumulate(weight for _, weight in weighted))
        self.total = self.cum[-1]

    def __call__(self, rand) -> object:
        return self.items[bisect.bisect(self.cum, rand() * self.total, 0, len(self.cum) - 1)]


def staffing_key(unit: UnitSpec) -> str | None:
    """Which `STAFFING` entry a unit follows (None: nobody works there: the ministry)."""
    if unit.kind == OrgUnitKind.HOSPITAL:
        if unit.name.startswith(names.GENERAL_HOSPITAL):
            return "general_hospital"
        return "traditional_hospital" if unit.name.startswith(names.HOSPITAL_NAMES[0]) else "hospital"
    if unit.kind == OrgUnitKind.PROVINCIAL_UNIT and unit.name.startswith(names.CDC):
        return "cdc"
    return None if unit.kind == OrgUnitKind.COUNTRY else unit.kind


@dataclass
class _Province:
    """What people of one province share: who issues their licences, who trains them, their CCCD prefix."""

    code: str
    name: str  # "Sở Y tế tỉnh Sơn Hà": issues licences
    label: str  # "tỉnh Sơn Hà"
    cccd: str
    abbreviation: str
    trainers: list[str] = field(default_factory=list)
    licence_numbers: itertools.count = field(default_factory=lambda: itertools.count(1))
    # Open units people move between, by kind.
    pools: dict[str, list[UnitSpec]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class UnitStaffing:
    """The headcount decided for one unit: `working` now there, `ended` retired or gone; a closed station's
    `moved` people now work at `moved_to`."""

    unit: UnitSpec
    key: str
    working: int
    ended: int
    moved: int = 0
    moved_to: str = ""


@dataclass
class WorkforcePlan:
    plan: DemoPlan
    today: datetime.date
    units: list[UnitStaffing]

    @property
    def size(self) -> int:
        """Everyone the registry will hold, working or not."""
        return sum(u.working + u.ended + u.moved for u in self.units)

    @property
    def working(self) -> int:
        return sum(u.working + u.moved for u in self.units)

    def people(self) -> Iterator[PersonSpec]:
        """Everyone, unit after unit in plan order; lazily, so the national set streams into the database."""
        return _PeopleMaker(self).run()


def plan_workforce(plan: DemoPlan, *, today: datetime.date, factor: float = 1.0) -> WorkforcePlan:
    """Decide how many people each unit has; `factor` shrinks the units other than stations (quick tests).

    `today` must come after the 2025 commune merger, which the posting history of merged stations records.
    """
    if today < EARLIEST_TODAY:
        raise ValueError(f"the workforce's reference date must be on or after {EARLIEST_TODAY:%d/%m/%Y}")
    rng = random.Random(f"workforce-headcount:{plan.seed}")
    staffing = STAFFING
    by_code = {unit.code: unit for unit in plan.units}
    open_siblings: dict[str, list[str]] = defaultdict(list)
    for unit in plan.units:
        if unit.kind == OrgUnitKind.STATION and unit.closed_on is None:
            open_siblings[unit.parent_code or ""].append(unit.code)
    units: list[UnitStaffing] = []
    for unit in plan.units:
        key = staffing_key(unit)
        if key is None:
            continue
        profile = staffing[key]
        if unit.closed_on is not None:
            siblings = open_siblings.get(unit.parent_code or "")
            if unit.kind == OrgUnitKind.STATION and siblings:
                # The commune merger: the closed station's staff went to a station of the same centre.
                units.append(UnitStaffing(unit, key, 0, 0, moved=rng.randint(6, 12), moved_to=rng.choice(siblings)))
            else:
                units.append(UnitStaffing(unit, key, 0, rng.randint(1, 3)))
            continue
        count = round(rng.triangular(profile.low, profile.high, profile.mode))
        if unit.kind != OrgUnitKind.STATION and unit.kind != OrgUnitKind.SATELLITE:
            count = max(3, round(count * factor))
        ended = int(count * ENDED_SHARE + rng.random())
        units.append(UnitStaffing(unit, key, count, ended))
    assert all(u.moved_to in by_code for u in units if u.moved)
    return WorkforcePlan(plan=plan, today=today, units=units)


class _PeopleMaker:
    """Draws the people of a `WorkforcePlan` in order (one generator, so the order of draws never changes)."""

    def __init__(self, workforce: WorkforcePlan) -> None:
        self.workforce = workforce
        self.plan = workforce.plan
        self.rng = random.Random(f"workforce-people:{self.plan.seed}")
        self.rand = self.rng.random
        self.today = workforce.today
        self.today_o = workforce.today.toordinal()
        self.units = {unit.code: unit for unit in self.plan.units}
        self.provinces: dict[str, _Province] = {}
        self.province_of: dict[str, _Province] = {}
        self._index_provinces()
        self.national_ids: set[str] = set()
        self.decisions = itertools.count(101)
        self.certificate_numbers = itertools.count(1)
        self.cme_numbers = itertools.count(1)
        rule = cme_rule()
        self.cme_credits = rule.credits
        self.cme_window_start_o = rule.window_start(self.today).toordinal()
        self.cme_years = rule.years
        self.retirement = retirement_rule()
        # Oldest working age in days, by sex: this year's retirement age less a safety margin of 45 days.
        self.max_age_days = {
            sex: int(self.retirement.age_months(sex=sex, year=self.today.year) * YEAR_DAYS / 12) - 45
            for sex in ("male", "female")
        }
        # Postings at the stations of the station_head login show every list there too.
        self.showcase = {user.unit_code for user in self.plan.users if user.role == "station_head"}
        self.pickers = {key: _Picker(profile.mix) for key, profile in STAFFING.items()}
        self.station_doctor = _Picker(STATION_DOCTORS)
        self.station_doctor_count = _Picker(STATION_DOCTOR_COUNTS)
        self.qualification = {key: _Picker(values) for key, values in QUALIFICATIONS.items()}
        self.cme_size = _Picker(CME_SIZES)
        self.reform_o = REFORM_DAY.toordinal()

    # --- set-up ---

    def _index_provinces(self) -> None:
        for unit in self.plan.units:
            if unit.kind == OrgUnitKind.PROVINCE:
                label = unit.name.removeprefix("Sở Y tế ")
                bare = label.removeprefix("tỉnh ").removeprefix("thành phố ").removeprefix("Thành phố ")
                initials = "".join(word[0] for word in fold(bare).split()).upper()
                province = _Province(
                    code=unit.code,
                    name=unit.name,
                    label=label,
                    cccd=names.CCCD_PROVINCE_CODES.get(bare, "097"),
                    abbreviation=initials,
                    trainers=[unit.name],
                )
                self.provinces[unit.code] = province
                self.province_of[unit.code] = province
            elif unit.parent_code in self.province_of:
                province = self.province_of[unit.parent_code]
                self.province_of[unit.code] = province
                if unit.closed_on is None:
                    province.pools[unit.kind].append(unit)
                    if unit.name.startswith(TRAINER_PREFIXES):
                        province.trainers.append(unit.name)
        for province in self.provinces.values():
            province.trainers.extend(names.NATIONAL_TRAINERS)

    # --- small helpers ---

    def _int(self, low: int, high: int) -> int:
        """Uniform integer in [low, high] (one `random()`: faster than randint)."""
        return low + int(self.rand() * (high - low + 1))

    def _choice(self, items):
        return items[int(self.rand() * len(items))]

    def _day(self, first_o: int, last_o: int) -> datetime.date:
        return datetime.date.fromordinal(first_o + int(self.rand() * (last_o - first_o + 1)))

    @staticmethod
    def _opened_o(unit: UnitSpec) -> int:
        return unit.opened_on.toordinal() if unit.opened_on else 0

    # --- the run ---

    def run(self) -> Iterator[PersonSpec]:
        for staffing in self.workforce.units:
            unit = staffing.unit
            province = self.province_of[unit.code]
            if staffing.moved:
                yield from self._merged_station(staffing, province)
                continue
            titles = self._titles(staffing)
            head = self._head_index(titles, unit)
            ultrasound, ecg = self._station_certifiers(titles) if unit.kind == OrgUnitKind.STATION else ((), ())
            showcase: dict[int, int] = {}
            if unit.code in self.showcase:
                licensed = [i for i, title in enumerate(titles) if i != head and TITLE_INFO[title][2]]
                showcase = {index: case for case, index in enumerate(licensed[:3], start=1)}
            for index, title in enumerate(titles):
                if index == head:
                    position = "head"
                elif head >= 0 and 0 < index - head <= 2 and len(titles) > 8:
                    position = "deputy"
                else:
                    position = "staff"
                yield self._working(
                    unit,
                    province,
                    title,
                    position=position,
                    ultrasound=index in ultrasound,
                    ecg=index in ecg,
                    showcase=showcase.get(index, 0),
                )
            for _ in range(staffing.ended):
                yield self._ended(unit, province, self.pickers[staffing.key](self.rand))

    def _titles(self, staffing: UnitStaffing) -> list[str]:
        rand = self.rand
        if staffing.unit.kind != OrgUnitKind.STATION:
            pick = self.pickers[staffing.key]
            return [pick(rand) for _ in range(staffing.working)]
        doctors = 0 if rand() < STATION_WITHOUT_DOCTOR else self.station_doctor_count(rand)
        doctors = min(doctors, staffing.working - 1)
        if staffing.unit.code in self.showcase:
            doctors = max(doctors, 1)
        pick = self.pickers["station"]
        titles = [self.station_doctor(rand) for _ in range(doctors)]
        titles += [pick(rand) for _ in range(staffing.working - doctors)]
        return titles

    @staticmethod
    def _head_index(titles: list[str], unit: UnitSpec) -> int:
        """The head is the first doctor (a y sĩ at a station without one); a satellite point has none (-1)."""
        if unit.kind == OrgUnitKind.SATELLITE:
            return -1
        for wanted in (DOCTOR_TITLES, {"y-si", "y-si-san-nhi"}):
            for index, title in enumerate(titles):
                if title in wanted:
                    return index
        return 0

    def _station_certifiers(self, titles: list[str]) -> tuple[set[int], set[int]]:
        """Who at a station holds the ultrasound and ECG certificates (maybe nobody)."""
        rand = self.rand
        examiners = [i for i, t in enumerate(titles) if t in DOCTOR_TITLES or t in ("y-si", "y-si-san-nhi")]
        clinical = examiners + [i for i, t in enumerate(titles) if t == "dieu-duong"]
        ultrasound = set(examiners[: self._int(1, 2)]) if rand() < STATION_ULTRASOUND else set()
        ecg = set(clinical[-self._int(1, 2) :]) if clinical and rand() < STATION_ECG else set()
        return ultrasound, ecg

    # --- one person ---

    def _identity(self, title: str, province: _Province, *, min_age: int = 0, near: bool | None = None):
        """Sex, name, birth date (ordinal), CCCD, phone, e-mail; `near` forces (or forbids) the last 5 years."""
        rand = self.rand
        category = TITLE_INFO[title][0]
        sex = "female" if rand() < FEMALE_SHARE[category] else "male"
        full_name = names.person_name(self.rng, gender=sex)
        start_low = START_AGE.get(category, DEFAULT_START_AGE)[0]
        oldest = self.max_age_days[sex]
        youngest = int((max(start_low, min_age) + 0.5) * YEAR_DAYS)
        near = (rand() < NEAR_RETIREMENT) if near is None else near
        if near:
            age_days = oldest - int(rand() * 5 * YEAR_DAYS)
        else:
            age_days = int(self.rng.triangular(youngest, oldest - 5 * YEAR_DAYS, max(youngest, 34 * YEAR_DAYS)))
        birth_o = self.today_o - max(age_days, youngest)
        return sex, full_name, birth_o, self._national_id(sex, birth_o, province), self._phone(), category

    def _national_id(self, sex: str, birth_o: int, province: _Province) -> str:
        """12 digits: birth-registration province, century and sex, year of birth, then 6 random digits."""
        year = datetime.date.fromordinal(birth_o).year
        century = (0 if year < 2000 else 2) + (sex == "female")
        origin = province.cccd if self.rand() < 0.85 else self._choice(CCCD_CODES)
        prefix = f"{origin}{century}{year % 100:02d}"
        while True:
            number = f"{prefix}{int(self.rand() * 1_000_000):06d}"
            if number not in self.national_ids:
                self.national_ids.add(number)
                return number

    def _phone(self) -> str:
        if self.rand() < 0.08:
            return ""
        return f"{self._choice(names.MOBILE_PREFIXES)}{int(self.rand() * 10_000_000):07d}"

    def _email(self, full_name: str, birth_o: int) -> str:
        if self.rand() >= 0.25:
            return ""
        given, *rest = reversed(fold(full_name).split())
        initials = "".join(word[0] for word in reversed(rest))
        return f"{given}{initials}{datetime.date.fromordinal(birth_o).year % 100:02d}@gmail.com"

    def _start(self, category: str, birth_o: int) -> int:
        low, high = START_AGE.get(category, DEFAULT_START_AGE)
        started_o = birth_o + int((low + self.rand() * (high - low)) * YEAR_DAYS)
        if started_o > self.today_o - 20:
            started_o = self.today_o - self._int(20, 330)
        return max(started_o, birth_o + int(18 * YEAR_DAYS))

    def _qualification(self, category: str, title: str, unit: UnitSpec, started_o: int) -> tuple[str, str]:
        rand = self.rand
        key = "station_doctor" if category == "doctor" and unit.kind == OrgUnitKind.STATION else category
        qualification = self.qualification.get(key, self.qualification["other"])(rand)
        if qualification in POSTGRADUATE and self.today_o - started_o < 5 * YEAR_DAYS:
            qualification = "university"  # specialist training comes after some years of practice
        specialty = ""
        if category == "doctor" and qualification != "university":
            if title == "bac-si-yhct":
                specialty = names.TRADITIONAL_SPECIALTY
            elif title == "bac-si-yhdp":
                specialty = self._choice(names.PREVENTIVE_SPECIALTIES)
            else:
                specialty = self._choice(names.DOCTOR_SPECIALTIES)
        return qualification, specialty

    def _working(
        self,
        unit: UnitSpec,
        province: _Province,
        title: str,
        *,
        position: str,
        ultrasound: bool = False,
        ecg: bool = False,
        showcase: int = 0,
        postings: tuple[PostingSpec, ...] | None = None,
        started_before: int | None = None,
    ) -> PersonSpec:
        """A person working at `unit` today; `showcase` 1, 2, 3 forces an expiring licence, a CME shortfall,
        an expired licence (so the station head's own lists are never empty)."""
        rand = self.rand
        sex, full_name, birth_o, national_id, phone, category = self._identity(
            title, province, min_age=35 if position == "head" else 0, near=False if position == "head" else None
        )
        started_o = self._start(category, birth_o)
        if started_before is not None and started_o >= started_before:
            started_o = started_before - self._int(200, 3000)
        started_o = max(started_o, birth_o + int(18 * YEAR_DAYS))
        if showcase:
            started_o = min(started_o, self.today_o - int(8 * YEAR_DAYS))
        qualification, specialty = self._qualification(category, title, unit, started_o)
        recent = self.today_o - started_o < 365
        if category == "village_health_worker":
            employment = "volunteer"
        elif recent and rand() < 0.7:
            employment = "trainee"
        elif unit.kind == OrgUnitKind.PRIVATE or rand() < 0.22:
            employment = "contract"
        else:
            employment = "civil_servant"
        needs_licence = TITLE_INFO[title][2]
        if postings is None:
            postings = self._postings(unit, province, started_o, title)
        licences = ()
        cme = ()
        if needs_licence:
            if employment != "trainee":
                licences = self._licence(title, province, started_o, force={1: "expiring", 3: "expired"}.get(showcase))
            cme = self._cme(province, started_o, shortfall=True if showcase == 2 else None)
        certificates = self._certificates(unit, province, title, category, started_o, ultrasound, ecg)
        return PersonSpec(
            full_name=full_name,
            sex=sex,
            birth_date=datetime.date.fromordinal(birth_o),
            national_id=national_id,
            phone=phone,
            email=self._email(full_name, birth_o),
            title=title,
            qualification=qualification,
            specialty=specialty,
            employment_type=employment,
            position=position,
            unit=unit.code,
            started_on=datetime.date.fromordinal(started_o),
            ended_on=None,
            status="active",
            postings=postings,
            licences=licences,
            certificates=certificates,
            cme=cme,
        )

    def _ended(self, unit: UnitSpec, province: _Province, title: str) -> PersonSpec:
        """Someone who retired (reached the age) or left in the last three years; their posting is closed."""
        rand = self.rand
        category = TITLE_INFO[title][0]
        retired = rand() < 0.6
        sex = "female" if rand() < FEMALE_SHARE[category] else "male"
        full_name = names.person_name(self.rng, gender=sex)
        if retired:
            birth_o = self.today_o - self.max_age_days[sex] - self._int(60, 1000)
            birth = datetime.date.fromordinal(birth_o)
            ended = self.retirement.retirement_date(sex=sex, birth_date=birth)
            if ended.toordinal() >= self.today_o:
                ended = self.today - DAY * self._int(1, 30)
        else:
            birth_o = self.today_o - int(self.rng.triangular(24, 50, 30) * YEAR_DAYS)
            ended = datetime.date.fromordinal(self.today_o - self._int(1, 1000))
        started_o = min(self._start(category, birth_o), ended.toordinal() - 200)
        start = datetime.date.fromordinal(max(started_o, self._opened_o(unit)))
        if unit.closed_on is not None:
            ended = min(ended, unit.closed_on)
        if start > ended:
            start = ended
        qualification, specialty = self._qualification(category, title, unit, started_o)
        return PersonSpec(
            full_name=full_name,
            sex=sex,
            birth_date=datetime.date.fromordinal(birth_o),
            national_id=self._national_id(sex, birth_o, province),
            phone=self._phone(),
            email="",
            title=title,
            qualification=qualification,
            specialty=specialty,
            employment_type="volunteer" if category == "village_health_worker" else "civil_servant",
            position="staff",
            unit=unit.code,
            started_on=datetime.date.fromordinal(min(started_o, start.toordinal())),
            ended_on=ended,
            status="retired" if retired else "left",
            postings=(
                PostingSpec(
                    unit.code, "hire", start, ended, note="Nghỉ hưu" if retired else "Thôi việc theo nguyện vọng"
                ),
            ),
            licences=(),
            certificates=(),
            cme=(),
        )

    def _merged_station(self, staffing: UnitStaffing, province: _Province) -> Iterator[PersonSpec]:
        """People of a station closed on the eve of the 2025 commune merger, now at a neighbouring station."""
        closed = staffing.unit
        target = self.units[staffing.moved_to]
        pick = self.pickers["station"]
        decision = f"{next(self.decisions)}/QĐ-SYT"
        for _ in range(staffing.moved):
            title = pick(self.rand)
            person = self._working(
                target, province, title, position="staff", postings=(), started_before=self.reform_o - 30
            )
            opened = self._opened_o(closed)
            first = datetime.date.fromordinal(max(person.started_on.toordinal(), opened))
            postings = (
                PostingSpec(closed.code, "hire", first, MERGER_EVE),
                PostingSpec(
                    target.code,
                    "transfer",
                    REFORM_DAY,
                    decision=decision,
                    note="Sắp xếp trạm y tế khi sáp nhập xã (01/07/2025)",
                ),
            )
            yield person._replace(postings=postings)

    # --- postings ---

    def _postings(self, unit: UnitSpec, province: _Province, started_o: int, title: str) -> tuple[PostingSpec, ...]:
        """The hire posting, and for a few people a move: transfer, rotation or secondment, maybe returned."""
        rand = self.rand
        today_o = self.today_o
        first_o = max(started_o, self._opened_o(unit))
        hire = PostingSpec(unit.code, "hire", datetime.date.fromordinal(first_o))
        movable = unit.kind in (OrgUnitKind.STATION, OrgUnitKind.HOSPITAL, OrgUnitKind.REGIONAL_CENTRE)
        if not movable or TITLE_INFO[title][0] == "village_health_worker":
            return (hire,)
        roll = rand()
        if roll >= MOVE_RETURNED:
            return (hire,)
        if roll < MOVE_TRANSFER:
            other = self._other_unit(province, unit, (OrgUnitKind.STATION, OrgUnitKind.HOSPITAL))
            if other is None:
                return (hire,)
            other_first = max(started_o, self._opened_o(other))
            low, high = max(other_first + 365, first_o + 1), today_o - 30
            if low > high:
                return (hire,)
            moved = self._day(low, high)
            return (
                PostingSpec(other.code, "hire", datetime.date.fromordinal(other_first), moved - DAY),
                PostingSpec(unit.code, "transfer", moved, decision=f"{next(self.decisions)}/QĐ-SYT"),
            )
        if roll < MOVE_AWAY_NOW and unit.kind != OrgUnitKind.HOSPITAL:
            # Here on secondment from a hospital (Đề án 1816) or on rotation from another station.
            secondment = rand() < 0.6
            kinds = (OrgUnitKind.HOSPITAL,) if secondment else (OrgUnitKind.STATION,)
            home = self._other_unit(province, unit, kinds)
            if home is None:
                return (hire,)
            home_first = max(started_o, self._opened_o(home))
            low, high = max(home_first + 365, first_o + 1, today_o - 330), today_o - 20
            if low > high:
                return (hire,)
            moved = self._day(low, high)
            return (
                PostingSpec(home.code, "hire", datetime.date.fromordinal(home_first), moved - DAY),
                PostingSpec(
                    unit.code,
                    "secondment" if secondment else "rotation",
                    moved,
                    expected_return_on=moved + DAY * (365 * self._int(1, 2)),
                    decision=f"{next(self.decisions)}/QĐ-SYT",
                    note="Đề án 1816: hỗ trợ chuyên môn cho tuyến dưới" if secondment else "Luân chuyển cán bộ",
                ),
            )
        # Back from a year's rotation at another unit.
        other = self._other_unit(province, unit, (OrgUnitKind.STATION, OrgUnitKind.REGIONAL_CENTRE))
        if other is None:
            return (hire,)
        low, high = max(first_o + 365, self._opened_o(other) + 1), today_o - 400
        if low > high:
            return (hire,)
        away = self._day(low, high)
        back = away + DAY * 365
        return (
            PostingSpec(unit.code, "hire", hire.started_on, away - DAY),
            PostingSpec(
                other.code,
                "rotation",
                away,
                back - DAY,
                expected_return_on=back,
                decision=f"{next(self.decisions)}/QĐ-SYT",
                note="Luân chuyển cán bộ",
            ),
            PostingSpec(unit.code, "return", back),
        )

    def _other_unit(self, province: _Province, unit: UnitSpec, kinds: tuple[str, ...]) -> UnitSpec | None:
        pool = province.pools[self._choice(kinds)]
        if not pool:
            return None
        other = self._choice(pool)
        return None if other.code == unit.code else other

    # --- licences, certificates, CME ---

    def _licence(
        self, title: str, province: _Province, started_o: int, *, force: str | None = None
    ) -> tuple[LicenceSpec, ...]:
        """One licence in the state a draw decides (or `force`: "expiring", "expired"), or none."""
        rand = self.rand
        today_o = self.today_o
        earliest = started_o + 270  # after the supervised practice period
        roll = {"expiring": 0.05, "expired": 0.0}[force] if force else rand()
        years = LICENCE_VALIDITY_YEARS
        if roll < LICENCE_EXPIRED:
            valid_until_o = today_o - self._int(1, 300)
        elif roll < LICENCE_MISSING:
            return ()
        elif roll < LICENCE_EXPIRING:
            valid_until_o = today_o + self._int(1, 175)
        elif roll < LICENCE_OLD and earliest < LAW_15_FROM:  # a pre-2024 certificate with no end date
            issued = self._day(earliest, min(LAW_15_FROM - 1, today_o))
            return (self._licence_spec(title, province, issued, None),)
        else:
            valid_until_o = today_o + self._int(183, int(years * YEAR_DAYS) - 1)
        valid_until = datetime.date.fromordinal(valid_until_o)
        issued = _years_before(valid_until, years)
        if issued.toordinal() < earliest:
            issued = datetime.date.fromordinal(earliest + self._int(0, 365))
            if issued.toordinal() > today_o:
                return ()
            valid_until = _years_after(issued, years)
        return (self._licence_spec(title, province, issued, valid_until),)

    def _licence_spec(
        self, title: str, province: _Province, issued: datetime.date, valid_until: datetime.date | None
    ) -> LicenceSpec:
        kind = "GPHN" if issued.year >= 2024 else "CCHN"
        number = f"{next(province.licence_numbers):06d}/{province.abbreviation}-{kind}"
        return LicenceSpec(number, province.name, names.LICENCE_SCOPES.get(title, ""), issued, valid_until)

    def _certificates(
        self,
        unit: UnitSpec,
        province: _Province,
        title: str,
        category: str,
        started_o: int,
        ultrasound: bool,
        ecg: bool,
    ) -> tuple[CertificateSpec, ...]:
        rand = self.rand
        wanted: list[str] = []
        if ultrasound:
            wanted.append("sieu-am-tong-quat")
        if ecg:
            wanted.append("dien-tam-do")
        doctor = category == "doctor"
        examiner = doctor or category == "physician_assistant"
        if unit.kind == OrgUnitKind.STATION:
            if category in ("nurse", "midwife", "physician_assistant") and rand() < 0.45:
                wanted.append("an-toan-tiem-chung")
            if examiner and rand() < 0.35:
                wanted.append("quan-ly-benh-khong-lay")
            if doctor and rand() < 0.25:
                wanted.append("y-hoc-gia-dinh")
        elif category == "technician":
            if rand() < 0.3:
                wanted.append("x-quang")
            if rand() < 0.45:
                wanted.append("xet-nghiem-co-ban")
        elif doctor:
            if rand() < 0.12:
                wanted.append("sieu-am-tong-quat")
            if rand() < 0.1:
                wanted.append("dien-tam-do")
        if category in CLINICAL_CATEGORIES and rand() < 0.2:
            wanted.append("cap-cuu-co-ban")
        first, last = started_o + 180, self.today_o - 1
        if not wanted or first > last:
            return ()
        return tuple(
            CertificateSpec(
                code,
                f"{next(self.certificate_numbers):06d}/CC",
                self._choice(province.trainers),
                self._day(first, last),
            )
            for code in wanted
        )

    def _cme(self, province: _Province, started_o: int, *, shortfall: bool | None = None) -> tuple[CmeSpec, ...]:
        """Activities in the rolling window (and one before it for some): enough, or short of the rule for a few."""
        rand = self.rand
        window_o = self.cme_window_start_o
        due = started_o <= window_o
        first_o = max(window_o, started_o + 30)
        if first_o >= self.today_o:
            return ()
        required = self.cme_credits
        if due:
            if shortfall is None:
                shortfall = rand() < CME_SHORTFALL
            target = self._int(8, required - 16) if shortfall else self._int(required, required + 40)
        else:
            target = int((self.today_o - first_o) / YEAR_DAYS * 24 * (0.5 + rand()))
        # The hot loop of the national load (≈ 1.5 million activities): locals only.
        pick, trainers, numbers = self.cme_size, province.trainers, self.cme_numbers
        span = self.today_o - first_o
        activities: list[CmeSpec] = []
        total = 0
        while total < target:
            size = pick(rand)
            if shortfall and total + size >= required:
                break
            activities.append(self._activity(trainers, numbers, size, first_o, span))
            total += size
        if due and rand() < 0.2:
            activities.append(self._activity(trainers, numbers, pick(rand), window_o - 700, 670))
        return tuple(activities)

    def _activity(self, trainers: list[str], numbers: itertools.count, credits: int, first_o: int, span: int):
        """One activity ending within `span` days from `first_o`, lasting a day per 8 credit hours."""
        rand = self.rand
        offset = int(rand() * span)
        ended = datetime.date.fromordinal(first_o + offset)
        if credits <= 8 and rand() < 0.7:
            name = f"{CME_EVENTS[int(rand() * len(CME_EVENTS))]} {ended.year}"
        else:
            name = CME_TOPICS[int(rand() * len(CME_TOPICS))]
        # A day per 8 credit hours, so every activity passes the model's 10-a-day plausibility check.
        started = ended - datetime.timedelta(days=-(-credits // 8) - 1)
        provider = trainers[int(rand() * len(trainers))]
        return CmeSpec(name, provider, started, ended, credits, f"{next(numbers):07d}/GCN")


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _years_after(day: datetime.date, years: int) -> datetime.date:
    return _years_before(day, -years)
