"""The demo's training year (đào tạo mẫu): plans, classes and their results, sponsored long-term trainees.

Pure Python like `plan` and `workforce_plan`: the unit plan, the registry as loaded (`Roster`, read back by the
builder: the workforce is itself deterministic, ids included), the course catalogue, the seed and the reference
date (`today`) give the same training data, down to every class code, participant, result and amount, because every
draw comes, in a fixed order, from a random generator seeded with the plan's seed and the province's code (a
province's data do not depend on the others).

What each province gets, relative to `today` (year Y):

- last year's plan (Y-1), closed: a line per course and region, every class completed but one cancelled line;
- this year's plan, adopted in January (decision number): continuing training for every region, certificate
  courses (emergency care, ECG, hypertension and diabetes) for some, general ultrasound and station management for
  the province; seats per unit, budget = the course's cost per participant × seats, a funding source per line, and
  line statuses spread through the year: done (every class completed), in progress (a class running or opened),
  planned (nothing opened yet) and one postponed;
- classes opened from those lines (run by the regional centre, or by the province for provincial lines) and a few
  outside any plan (in-house classes of each regional centre, one provincial class, one cancelled); a class that
  has ended is completed with results (mostly passed, a few failed or withdrawn) and, for those who passed, the
  CME activity and/or certificate `services.class_complete` would post; the others are scheduled with enrolments
  and no results;
- sponsored long-term trainees (sent, nominated/cử tuyển, addressed/theo địa chỉ) in every state: studying (a few
  overdue, a few back within 6 months), serving, fulfilled (commitment over), breached during training or after
  return, with the amount due by `rules.reimbursement_rule()` and partial repayments.

The workforce lists keep what `workforce_plan` designed: people short of continuing-training hours are not among
those who passed a class with credit hours (they are next year's trainees), and no general-ultrasound certificate
is issued (that class is still running, so the needs analysis counts its participants as in training).
"""

from __future__ import annotations

import datetime
import itertools
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NamedTuple

from ytcs.accounts.roles import Role
from ytcs.core.dates import add_months
from ytcs.core.demo import names
from ytcs.core.demo.plan import DemoPlan, UnitSpec
from ytcs.core.demo.workforce_plan import DOCTOR_TITLES, TITLE_INFO
from ytcs.orgunits.models import OrgUnitKind
from ytcs.training.rules import reimbursement_rule
from ytcs.training.services import commitment_end

DAY = datetime.timedelta(days=1)
LAY = ("other", False, False)  # TITLE_INFO of a title added to the catalogue since: no licence
MANAGERS = frozenset({Role.PROVINCE_ADMIN, Role.REGIONAL_MANAGER, Role.STATION_HEAD})
OPEN_AHEAD = 14  # days: a class is opened (and people enrolled) about two weeks before it starts
FIRST_CLASS_AFTER_ADOPTION = 10  # days
# Results of a completed class (cumulative thresholds of one draw): passed, failed, else withdrawn.
PASSED_SHARE, FAILED_SHARE = 0.88, 0.94
UPCOMING_DAYS = 175  # "back within 6 months" (rules.UPCOMING_RETURN_MONTHS), safely inside
# Course codes the demo uses (the loader checks the catalogue still has them).
CME, EMERGENCY, ECG, NCD, ULTRASOUND, MANAGEMENT = (
    "cme-co-so", "cap-cuu-co-ban", "dien-tam-do", "quan-ly-benh-khong-lay", "sieu-am-tong-quat", "quan-ly-tram-y-te",
)  # fmt: skip
BRIDGING, FAMILY_MEDICINE = "lien-thong-bac-si", "ck1-y-hoc-gia-dinh"
COURSES_USED = frozenset({CME, EMERGENCY, ECG, NCD, ULTRASOUND, MANAGEMENT, BRIDGING, FAMILY_MEDICINE})
# Region courses besides continuing training: (course, share of regions that plan it, funding source).
REGION_COURSES = ((EMERGENCY, 0.5, "state_budget"), (ECG, 0.45, "state_budget"), (NCD, 0.4, "target_programme"))
PHASES = ("done", "in_progress", "planned")
CANCELLED_LINE_NOTE = "Hủy: nội dung đã được lồng ghép vào lớp của Bệnh viện Đa khoa tỉnh"
POSTPONE_NOTES = (
    "Hoãn sang năm sau: chưa bố trí được giảng viên",
    "Hoãn do điều chỉnh dự toán ngân sách",
    "Hoãn theo đề nghị của trung tâm: trùng đợt tiêm chủng mở rộng",
)
WITHDRAW_NOTES = ("Công tác đột xuất", "Nghỉ ốm", "Nghỉ thai sản", "Được cử đi chống dịch")
FAIL_NOTES = ("Không đạt bài kiểm tra cuối khóa", "Không đủ thời gian học theo quy định")
UNIVERSITIES = (
    "Trường Đại học Y Hà Nội", "Trường Đại học Y Dược Thái Bình", "Trường Đại học Y Dược, Đại học Thái Nguyên",
    "Trường Đại học Y khoa Vinh", "Trường Đại học Y Dược, Đại học Huế", "Trường Đại học Y Dược Cần Thơ",
    "Trường Đại học Y Dược Thành phố Hồ Chí Minh",
)  # fmt: skip
COLLEGES = ("Trường Cao đẳng Y tế", "Trường Cao đẳng Y tế Bạch Mai", "Trường Cao đẳng Y tế Hà Đông")


# --- what is read from the registry ---


@dataclass(frozen=True)
class CourseInfo:
    """What the demo reads of one course of the catalogue (a managed table: the province may have edited it)."""

    code: str
    name: str
    kind: str
    provider: str
    credits: Decimal | None
    competency: str | None  # competency code
    validity_years: int | None  # of the certificate
    duration_days: int
    class_size: int
    unit_cost: Decimal
    target_titles: frozenset[str]


class Person(NamedTuple):
    """Someone of a provincial department, regional centre or station (where training happens)."""

    id: int
    unit: str  # org unit code
    title: str  # catalogue code
    status: str
    started_on: datetime.date
    ended_on: datetime.date | None
    position: str


@dataclass
class Roster:
    """The workforce as loaded: the people of departments, centres and stations in id order, who holds a valid
    certificate of what on `today`, the continuing-training hours of the rolling window ending `today` (with the
    day it starts), and the CCCDs of people young enough to share a birth year with a student."""

    people: list[Person]
    certified: set[tuple[int, str]]  # (staff id, competency code)
    cme_credits: dict[int, Decimal]
    cme_window_start: datetime.date
    cme_required: int
    national_ids: set[str]


# --- what gets planned ---


@dataclass(frozen=True)
class PlanSpec:
    orgunit: str
    year: int
    name: str
    status: str
    adopted_on: datetime.date | None
    decision: str
    note: str = ""


@dataclass(frozen=True)
class LineSpec:
    plan: int  # index in `DemoTraining.plans`
    course: str
    group: str
    provider: str
    quarter: int | None
    classes: int
    budget: Decimal
    funding_source: str
    status: str
    note: str
    seats: tuple[tuple[str, int], ...]  # (unit code, seats)


class EnrolmentSpec(NamedTuple):
    staff: int
    result: str
    days_attended: int | None
    score: Decimal | None
    note: str
    enrolled_by: str | None  # demo username


@dataclass(frozen=True)
class ClassSpec:
    code: str
    orgunit: str
    organiser_name: str
    course: str
    line: int | None  # index in `DemoTraining.lines`
    name: str
    provider: str
    location: str
    starts_on: datetime.date
    ends_on: datetime.date
    capacity: int
    credits: Decimal | None
    competency: str | None
    validity_years: int | None
    cost: Decimal | None
    funding_source: str
    status: str
    completed_on: datetime.date | None
    completed_by: str | None  # demo username
    note: str
    enrolments: tuple[EnrolmentSpec, ...]


@dataclass(frozen=True)
class SponsorshipSpec:
    orgunit: str
    kind: str
    staff: int | None
    trainee_name: str  # a student's; the loader copies a staff member's name and CCCD (as services do)
    national_id: str
    programme: str
    level: str
    target_title: str | None
    institution: str
    decision: str
    starts_on: datetime.date
    expected_return_on: datetime.date
    cost: Decimal
    funding_source: str
    commitment_years: Decimal
    serve_unit: str
    status: str
    returned_on: datetime.date | None = None
    commitment_ends_on: datetime.date | None = None
    breached_on: datetime.date | None = None
    breach_reason: str = ""
    reimbursement_due: Decimal | None = None
    reimbursement_rule: str = ""
    reimbursed: Decimal = Decimal(0)
    note: str = ""


@dataclass
class DemoTraining:
    today: datetime.date
    plans: list[PlanSpec] = field(default_factory=list)
    lines: list[LineSpec] = field(default_factory=list)
    classes: list[ClassSpec] = field(default_factory=list)
    sponsorships: list[SponsorshipSpec] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)


def plan_training(
    plan: DemoPlan,
    roster: Roster,
    courses: dict[str, CourseInfo],
    *,
    today: datetime.date,
    provinces: list[str] | None = None,
) -> DemoTraining:
    """The training data of every province of the plan (or of the `provinces` given, by code)."""
    missing = COURSES_USED - set(courses)
    if missing:
        raise LookupError(f"The course catalogue lacks the codes the demo uses: {', '.join(sorted(missing))}")
    data = DemoTraining(today=today)
    units = {unit.code: unit for unit in plan.units}
    children: dict[str, list[UnitSpec]] = defaultdict(list)
    for unit in plan.units:
        if unit.parent_code:
            children[unit.parent_code].append(unit)
    people: dict[str, list[Person]] = defaultdict(list)
    for person in roster.people:
        people[person.unit].append(person)
    # Who enrols and completes a unit's classes: the demo login managing that unit, if any.
    users = {user.unit_code: user.username for user in plan.users if user.role in MANAGERS}
    showcase = {user.unit_code for user in plan.users if user.role == "station_head"}
    wanted = set(provinces) if provinces is not None else None
    national_ids = set(roster.national_ids)
    for unit in plan.units:
        if unit.kind != OrgUnitKind.PROVINCE or (wanted is not None and unit.code not in wanted):
            continue
        _ProvinceTraining(
            data=data,
            seed=plan.seed,
            root=unit,
            units=units,
            children=children,
            people=people,
            roster=roster,
            courses=courses,
            users=users,
            showcase=showcase,
            national_ids=national_ids,
        ).run()
        data.provinces.append(unit.code)
    return data


# --- one province ---


def _monday_between(rng: random.Random, low: datetime.date, high: datetime.date) -> datetime.date:
    """A random Monday in [low, high] (classes start on Mondays), or `low` when the range holds none."""
    first = low + DAY * ((7 - low.weekday()) % 7)
    if first > high:
        return low
    return first + DAY * 7 * rng.randint(0, (high - first).days // 7)


def _quarter(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def _overlaps(busy: list[tuple[datetime.date, datetime.date]], start: datetime.date, end: datetime.date) -> bool:
    return any(start <= until and since <= end for since, until in busy)


def _round_thousand(amount: float) -> Decimal:
    return Decimal(int(round(amount / 1000)) * 1000)


class _Programme(NamedTuple):
    """A long-term programme someone is sponsored for: what they become, how long, what it costs."""

    name: str
    level: str
    target_title: str
    years: int
    course: str | None  # catalogue course giving the cost, or None (then `cost`)
    cost: int
    institutions: tuple[str, ...]
    from_titles: frozenset[str]  # titles of the people sent (empty: students, not yet staff)
    kind: str
    commitment: Decimal


PROGRAMMES = {
    "bridging": _Programme(
        "Bác sĩ đa khoa (liên thông từ y sĩ)", "university", "bac-si", 4, BRIDGING, 0, UNIVERSITIES,
        frozenset({"y-si", "y-si-san-nhi"}), "sent", Decimal(8),
    ),
    "family": _Programme(
        "Chuyên khoa I Y học gia đình", "specialist_1", "bac-si", 2, FAMILY_MEDICINE, 0, UNIVERSITIES,
        frozenset({"bac-si"}), "sent", Decimal(4),
    ),
    "nominated_doctor": _Programme(
        "Bác sĩ đa khoa (cử tuyển)", "university", "bac-si", 6, None, 180_000_000, UNIVERSITIES,
        frozenset(), "nominated", Decimal(10),
    ),
    "nominated_preventive": _Programme(
        "Bác sĩ y học dự phòng (cử tuyển)", "university", "bac-si-yhdp", 6, None, 150_000_000, UNIVERSITIES,
        frozenset(), "nominated", Decimal(10),
    ),
    "addressed_nurse": _Programme(
        "Cao đẳng Điều dưỡng (đào tạo theo địa chỉ sử dụng)", "college", "dieu-duong", 3, None, 45_000_000,
        COLLEGES, frozenset(), "addressed", Decimal(5),
    ),
    "addressed_midwife": _Programme(
        "Cao đẳng Hộ sinh (đào tạo theo địa chỉ sử dụng)", "college", "ho-sinh", 3, None, 45_000_000, COLLEGES,
        frozenset(), "addressed", Decimal(5),
    ),
}  # fmt: skip
# One round of sponsorships (programme, state); a province gets a round per five regional centres.
SPONSORSHIP_ROUND = (
    ("bridging", "soon"), ("bridging", "overdue"), ("bridging", "later"), ("family", "soon"), ("family", "later"),
    ("nominated_doctor", "soon"), ("nominated_doctor", "later"), ("nominated_preventive", "overdue"),
    ("addressed_nurse", "later"), ("addressed_midwife", "soon"),
    ("bridging", "serving"), ("family", "serving"), ("nominated_doctor", "serving"), ("addressed_nurse", "serving"),
    ("bridging", "fulfilled"), ("family", "fulfilled"), ("nominated_doctor", "fulfilled"),
    ("bridging", "breached_training"), ("nominated_doctor", "breached_training"),
    ("family", "breached_return"), ("bridging", "breached_return"),
)  # fmt: skip
BREACH_REASONS_TRAINING = (
    "Bỏ học, xin thôi việc",
    "Không hoàn thành chương trình đào tạo",
    "Chuyển sang học ngành khác",
)
BREACH_REASONS_RETURN = (
    "Xin thôi việc, chuyển sang làm việc tại cơ sở y tế tư nhân",
    "Chuyển công tác ra ngoài tỉnh khi chưa hết thời gian cam kết",
    "Tự ý bỏ việc",
)


@dataclass
class _ProvinceTraining:
    data: DemoTraining
    seed: int
    root: UnitSpec
    units: dict[str, UnitSpec]
    children: dict[str, list[UnitSpec]]
    people: dict[str, list[Person]]
    roster: Roster
    courses: dict[str, CourseInfo]
    users: dict[str, str]  # unit code → the demo login working there
    showcase: set[str]  # the station head's station
    national_ids: set[str]  # CCCDs in use (the students' must differ)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"training:{self.seed}:{self.root.code}")
        self.today = self.data.today
        self.year = self.today.year
        self.label = self.root.name.removeprefix("Sở Y tế ")
        kids = self.children[self.root.code]
        self.regions = [u for u in kids if u.kind == OrgUnitKind.REGIONAL_CENTRE and u.closed_on is None]
        self.stations = {
            region.code: [
                u for u in self.children[region.code] if u.kind == OrgUnitKind.STATION and u.closed_on is None
            ]
            for region in self.regions
        }
        self.region_of = {s.code: region for region in self.regions for s in self.stations[region.code]}
        self.hospital = next(
            (u.name for u in kids if u.kind == OrgUnitKind.HOSPITAL and u.name.startswith(names.GENERAL_HOSPITAL)),
            f"{names.GENERAL_HOSPITAL} {self.label}",
        )
        self.cdc = next(
            (u.name for u in kids if u.kind == OrgUnitKind.PROVINCIAL_UNIT and u.name.startswith(names.CDC)),
            f"{names.CDC} {self.label}",
        )
        self.busy: dict[int, list[tuple[datetime.date, datetime.date]]] = defaultdict(list)
        self.pools: dict[tuple[str, str], list[Person]] = {}
        self.taken: set[tuple[int, str, int]] = set()  # (person, course, year) already enrolled
        self.certified = set(self.roster.certified)
        self.short = {
            p.id
            for unit in self._province_units()
            for p in self.people.get(unit, ())
            if p.status == "active"
            and p.started_on <= self.roster.cme_window_start
            and self.roster.cme_credits.get(p.id, Decimal(0)) < self.roster.cme_required
        }
        self.class_numbers: dict[tuple[int, str], int] = defaultdict(int)
        self.repaid = itertools.cycle((Decimal("0.5"), Decimal(0), Decimal(1), Decimal("0.3"), Decimal(0)))
        self.decisions = iter(range(self.rng.randint(12, 40), 10_000, 7))
        # People by (title, status), in the order of the province's units, for the sponsorships.
        self.by_title: dict[tuple[str, str], list[Person]] = defaultdict(list)
        for unit in self._province_units():
            for person in self.people.get(unit, ()):
                self.by_title[(person.title, person.status)].append(person)

    def _province_units(self) -> list[str]:
        codes = [self.root.code]
        for region in self.regions:
            codes.append(region.code)
            codes.extend(s.code for s in self.stations[region.code])
        return codes

    def run(self) -> None:
        self._sponsorships()
        self._last_year()
        self._this_year()
        self._outside_plans()

    # --- plans ---

    def _plan(self, year: int, status: str) -> int:
        adopted = datetime.date(year, 1, self.rng.randint(6, 20))
        if adopted > self.today:  # the first days of January: adopted today
            adopted = self.today
        self.data.plans.append(
            PlanSpec(
                orgunit=self.root.code,
                year=year,
                name=f"Kế hoạch đào tạo, bồi dưỡng nhân lực y tế năm {year}",
                status=status,
                adopted_on=adopted,
                decision=f"{next(self.decisions)}/QĐ-SYT",
                note="Đào tạo liên tục, cấp chứng chỉ và bồi dưỡng quản lý cho y tế cơ sở",
            )
        )
        return len(self.data.plans) - 1

    def _line_courses(self) -> list[tuple[str, str, str]]:
        """(course, group unit, funding source) of a year's plan: a line per course and region, then provincial."""
        rng = self.rng
        lines = []
        for index, region in enumerate(self.regions):
            lines.append((CME, region.code, "unit_fund" if rng.random() < 0.4 else "state_budget"))
            picked = [(course, funding) for course, share, funding in REGION_COURSES if rng.random() < share]
            if index == 0 and not picked:  # the demo logins' region always has a certificate course
                picked = [(EMERGENCY, "state_budget")]
            lines.extend((course, region.code, funding) for course, funding in picked)
        return lines

    def _last_year(self) -> None:
        year = self.year - 1
        plan = self._plan(year, "closed")
        adopted = self.data.plans[plan].adopted_on
        low = adopted + DAY * FIRST_CLASS_AFTER_ADOPTION
        lines = self._line_courses()
        cancelled = self.rng.randrange(len(lines))
        for index, (course, group, funding) in enumerate(lines):
            info = self.courses[course]
            high = datetime.date(year, 12, 20) - DAY * info.duration_days
            self._line(plan, year, info, group, funding, windows=[(low, high)], cancelled=index == cancelled)

    def _this_year(self) -> None:
        rng, today = self.rng, self.today
        plan = self._plan(self.year, "adopted")
        adopted = self.data.plans[plan].adopted_on
        lines = [*self._line_courses(), (MANAGEMENT, self.root.code, "state_budget")]
        postponed = rng.choice([i for i, (course, _, _) in enumerate(lines) if course != CME] or [len(lines) - 1])
        # Every status shows whatever the day: the first three lines (in a random order) are done, in progress
        # and planned when the day allows it; the others follow the calendar.
        order = [i for i in range(len(lines)) if i != postponed]
        rng.shuffle(order)
        forced = dict(zip(order, PHASES, strict=False))
        start = adopted + DAY * FIRST_CLASS_AFTER_ADOPTION
        for index, (course, group, funding) in enumerate(lines):
            info = self.courses[course]
            days = info.duration_days
            last = max(start, datetime.date(self.year, 12, 20) - DAY * days)
            windows = {
                "done": (start, today - DAY * (days + 2)),
                "in_progress": (max(start, today - DAY * (days - 1)), min(last, today + DAY * OPEN_AHEAD)),
                "planned": (max(start, today + DAY * (OPEN_AHEAD + 1)), last),
            }
            feasible = [phase for phase in PHASES if windows[phase][0] <= windows[phase][1]]
            phase = forced.get(index, "")
            if phase not in feasible:
                weights = {"done": (today - start).days, "in_progress": 40, "planned": (last - today).days}
                phase = rng.choices(feasible, [max(weights[p], 1) for p in feasible])[0] if feasible else "planned"
            chosen = [windows[phase] if phase in feasible else (start, last)]
            if phase == "in_progress" and "done" in feasible:
                chosen.insert(0, windows["done"])  # a line's earlier classes are over
            self._line(plan, self.year, info, group, funding, windows=chosen, postponed=index == postponed)
        # General ultrasound: one provincial class of three months, running now (its people count as in training).
        info = self.courses[ULTRASOUND]
        window = (max(start, today - DAY * 60), max(start, today - DAY * 7))
        self._line(plan, self.year, info, self.root.code, "project", windows=[window])

    def _seats(self, course: CourseInfo, group: str) -> list[tuple[str, int]]:
        """Seats per unit of a line: a few per station (and at the centre) for continuing training, one per
        station lacking the certificate for a certificate course (half the stations for emergency care, whose
        certificate is renewed), the heads of some stations for management."""
        rng = self.rng
        if group == self.root.code:
            stations = [s for region in self.regions for s in self.stations[region.code]]
            if course.code == MANAGEMENT:
                picked = rng.sample(stations, min(len(stations), rng.randint(25, 60)))
            else:
                lacking = [s for s in stations if not self._holds(s.code, course.competency)]
                picked = rng.sample(lacking, min(len(lacking), course.class_size))
            return [(s.code, 1) for s in sorted(picked, key=lambda unit: unit.code)]
        stations = self.stations[group]
        if course.code == CME:
            return [(s.code, rng.randint(1, 3)) for s in stations] + [(group, rng.randint(3, 8))]
        if course.code == EMERGENCY:
            chosen = [s for s in stations if rng.random() < 0.5] or stations[:1]
        else:
            chosen = [s for s in stations if not self._holds(s.code, course.competency)]
        return [*((s.code, 1) for s in chosen[: course.class_size - 2]), (group, 2)]

    def _holds(self, unit: str, competency: str | None) -> bool:
        """Whether someone working at the unit holds a valid certificate of the competency."""
        return any((p.id, competency) in self.certified for p in self.people.get(unit, ()) if p.status == "active")

    def _line(
        self,
        plan: int,
        year: int,
        course: CourseInfo,
        group: str,
        funding: str,
        *,
        windows: list[tuple[datetime.date, datetime.date]],
        cancelled: bool = False,
        postponed: bool = False,
    ) -> None:
        """A plan line and the classes opened from it: those starting within `OPEN_AHEAD` days of today. Its
        status follows: done when every class is completed, in progress once one is opened, else planned (a
        past year's line with nothing opened was cancelled)."""
        seats = self._seats(course, group)
        total = sum(n for _, n in seats)
        if not total:
            return
        count = max(math.ceil(total / course.class_size), 1)
        organiser = self.units[group]
        dates = sorted(self._class_start(windows, k, count) for k in range(count))
        line_index = len(self.data.lines)
        line = LineSpec(
            plan=plan,
            course=course.code,
            group=group,
            provider=self._provider(course, organiser),
            quarter=_quarter(dates[0]),
            classes=count,
            budget=course.unit_cost * total,
            funding_source=funding,
            status="planned",
            note="",
            seats=tuple(seats),
        )
        self.data.lines.append(line)
        if cancelled or postponed:
            note = self.rng.choice(POSTPONE_NOTES) if postponed else CANCELLED_LINE_NOTE
            self.data.lines[line_index] = replace(line, status="postponed" if postponed else "cancelled", note=note)
            return
        slots = [unit for unit, n in seats for _ in range(n)]
        size = math.ceil(len(slots) / count)
        states = [
            self._class(
                course, organiser, starts, slots[k * size : (k + 1) * size], line=line_index, funding=funding,
                year=year,
            )
            for k, starts in enumerate(dates)
            if starts <= self.today + DAY * OPEN_AHEAD
        ]  # fmt: skip
        opened = [state for state in states if state != "none"]
        if not opened:
            status = "cancelled" if year < self.year else "planned"
        elif len(states) == count and all(state == "completed" for state in opened):
            status = "done"
        else:
            status = "in_progress"
        self.data.lines[line_index] = replace(line, status=status)

    def _class_start(self, windows: list[tuple[datetime.date, datetime.date]], k: int, count: int) -> datetime.date:
        """Start of class k of a line: the last class in the last window, earlier ones spread over the first."""
        low, high = windows[-1] if k == count - 1 else windows[0]
        if k != count - 1 and count > 1:
            span = (high - low).days
            low, high = low + DAY * (span * k // count), low + DAY * (span * (k + 1) // count)
        return _monday_between(self.rng, low, high)

    def _provider(self, course: CourseInfo, organiser: UnitSpec) -> str:
        if course.code == CME and organiser.kind == OrgUnitKind.REGIONAL_CENTRE:
            return organiser.name
        if course.code == NCD:
            return self.cdc
        if course.code in (EMERGENCY, ECG):
            return self.hospital
        if course.code == ULTRASOUND:
            return self.rng.choice(UNIVERSITIES)
        if course.code == MANAGEMENT:
            return self.root.name
        return course.provider or organiser.name

    # --- classes ---

    def _pool(self, unit: str, course: CourseInfo) -> list[Person]:
        """Who at a unit may ever follow a course: working, of its target titles (licensed people for continuing
        training and management), the head for management."""
        key = (unit, course.code)
        pool = self.pools.get(key)
        if pool is None:
            pool = self.pools[key] = [
                p
                for p in self.people.get(unit, ())
                if p.status == "active"
                and (p.title in course.target_titles if course.target_titles else TITLE_INFO.get(p.title, LAY)[2])
                and (course.code != MANAGEMENT or p.position == "head")
            ]
        return pool

    def _free(self, person: Person, course: CourseInfo, starts: datetime.date, ends: datetime.date, year: int):
        """Whether someone of the course's pool can join a class on these dates."""
        if person.started_on > starts - DAY * 30:
            return False
        if course.competency and (person.id, course.competency) in self.certified:
            return False
        if (person.id, course.code, year) in self.taken:
            return False
        # Someone short of hours is not among last year's or this year's graduates: they are next year's trainees.
        if course.credits and starts < self.today and person.id in self.short:
            return False
        busy = self.busy.get(person.id)
        return not (busy and _overlaps(busy, starts, ends))

    def _participants(self, unit: str, n: int, course: CourseInfo, starts, ends, year: int) -> list[Person]:
        """`n` people of a unit free to join (fewer if there are not enough), drawn at random."""
        pool = self._pool(unit, course)
        if len(pool) > 8 * n:  # a centre of a thousand people: try a few at random rather than check everyone
            picked = []
            for index in self.rng.sample(range(len(pool)), 8 * n):
                if self._free(pool[index], course, starts, ends, year):
                    picked.append(pool[index])
                    if len(picked) == n:
                        return picked
            return picked
        free = [p for p in pool if self._free(p, course, starts, ends, year)]
        return self.rng.sample(free, min(n, len(free)))

    def _class(
        self,
        course: CourseInfo,
        organiser: UnitSpec,
        starts: datetime.date,
        slots: list[str],
        *,
        line: int | None,
        funding: str,
        year: int,
        name: str = "",
        note: str = "",
        cancelled: bool = False,
    ) -> str:
        """Open a class, pick its participants for the seats in `slots` (unit codes, one per seat), and complete
        it with results if it has ended. Returns its status."""
        rng, today = self.rng, self.today
        ends = starts + DAY * (course.duration_days - 1)
        wanted: dict[str, int] = defaultdict(int)
        for unit in slots:
            wanted[unit] += 1
        participants: list[Person] = []
        for unit, n in wanted.items():
            participants.extend(self._participants(unit, n, course, starts, ends, year))
        if not participants:
            return "none"
        self.class_numbers[(starts.year, organiser.code)] += 1
        code = f"{starts.year}-{organiser.code}-{self.class_numbers[(starts.year, organiser.code)]:02d}"
        completed = not cancelled and ends < today
        status = "cancelled" if cancelled else "completed" if completed else "scheduled"
        completed_on = ends + DAY * rng.randint(0, min(7, (today - ends).days)) if completed else None
        user = self.users.get(organiser.code)
        days = course.duration_days
        enrolments = []
        for person in participants:
            self.taken.add((person.id, course.code, year))
            self.busy[person.id].append((starts, ends))
            if not completed:
                enrolments.append(EnrolmentSpec(person.id, "enrolled", None, None, "", user))
                continue
            roll = rng.random()
            if roll < PASSED_SHARE:
                result, attended = "passed", days - 1 if days > 2 and rng.random() < 0.15 else days
                score, reason = Decimal(rng.randint(650, 980)) / 10, ""
                if course.competency:
                    self.certified.add((person.id, course.competency))
            elif roll < FAILED_SHARE:
                result, attended = "failed", rng.randint(max(days // 2, 1), days)
                score, reason = Decimal(rng.randint(300, 640)) / 10, rng.choice(FAIL_NOTES)
            else:
                result, attended, score = "withdrawn", rng.randint(0, max(days // 2, 1)), None
                reason = rng.choice(WITHDRAW_NOTES)
            enrolments.append(EnrolmentSpec(person.id, result, attended, score, reason, user))
        if completed and not any(e.result == "passed" for e in enrolments):
            first = enrolments[0]
            enrolments[0] = first._replace(result="passed", days_attended=days, score=Decimal("75.0"), note="")
            if course.competency:
                self.certified.add((first.staff, course.competency))
        cost = None
        if completed:
            present = sum(e.result != "withdrawn" for e in enrolments)
            cost = _round_thousand(float(course.unit_cost) * present * rng.uniform(0.85, 1.05))
        self.data.classes.append(
            ClassSpec(
                code=code,
                orgunit=organiser.code,
                organiser_name=organiser.name,
                course=course.code,
                line=line,
                name=name or course.name,
                provider=self.data.lines[line].provider if line is not None else self._provider(course, organiser),
                location=f"Hội trường {organiser.name}",
                starts_on=starts,
                ends_on=ends,
                capacity=course.class_size,
                credits=course.credits,
                competency=course.competency,
                validity_years=course.validity_years,
                cost=cost,
                funding_source=funding,
                status=status,
                completed_on=completed_on,
                completed_by=user if completed else None,
                note=note,
                enrolments=tuple(sorted(enrolments, key=lambda e: e.staff)),
            )
        )
        return status

    def _outside_plans(self) -> None:
        """Each regional centre's own classes (one past, one running or coming), a provincial class coming soon
        and a cancelled one."""
        rng, today = self.rng, self.today
        for region in self.regions:
            stations = [s.code for s in self.stations[region.code]]
            picked = set(rng.sample(stations, min(len(stations), 12))) | self.showcase.intersection(stations)
            slots = sorted(picked) * 2 + [region.code] * 4
            course = self.courses[rng.choice((CME, EMERGENCY))]
            low = max(datetime.date(self.year - 1, 2, 1), today - DAY * 330)
            starts = _monday_between(rng, low, today - DAY * (course.duration_days + 10))
            self._class(
                course, region, starts, slots, line=None, funding="unit_fund", year=starts.year,
                note="Ngoài kế hoạch: trung tâm tự tổ chức",
            )  # fmt: skip
            course = self.courses[rng.choice((CME, NCD))]
            starts = _monday_between(rng, today - DAY * (course.duration_days - 1), today + DAY * 30)
            self._class(
                course, region, starts, slots, line=None, funding="unit_fund", year=starts.year,
                note="Ngoài kế hoạch: trung tâm tự tổ chức",
            )  # fmt: skip
        course = self.courses[EMERGENCY]
        slots = [s.code for region in self.regions for s in self.stations[region.code][:3]]
        starts = _monday_between(rng, today + DAY * 3, today + DAY * 40)
        self._class(
            course, self.root, starts, slots[:30], line=None, funding="project", year=starts.year,
            name=f"{course.name} (dự án hỗ trợ y tế cơ sở)", note="Ngoài kế hoạch: do dự án tài trợ",
        )  # fmt: skip
        region = self.regions[-1]
        course = self.courses[CME]
        starts = _monday_between(rng, today - DAY * 120, today - DAY * 30)
        self._class(
            course, region, starts, [s.code for s in self.stations[region.code][:8]], line=None,
            funding="unit_fund", year=starts.year, note="Hủy: trùng đợt phòng chống dịch sốt xuất huyết",
            cancelled=True,
        )  # fmt: skip

    # --- sponsored long-term training ---

    def _sponsorships(self) -> None:
        # The station head's station serves a trainee back soon, one serving and one who broke the commitment.
        self.showcase_states = {"soon", "serving", "breached_training"}
        # Half of the first round comes from the demo logins' region, so the regional manager sees every state.
        self.demo_region = {
            code
            for region in self.regions
            if self.showcase.intersection(s.code for s in self.stations[region.code])
            for code in (region.code, *(s.code for s in self.stations[region.code]))
        }
        for round_ in range(max(1, round(len(self.regions) / 5))):
            for index, (key, state) in enumerate(SPONSORSHIP_ROUND):
                first = round_ == 0
                spec = self._sponsorship(PROGRAMMES[key], state, showcase=first, nearby=first and index % 2 == 0)
                if spec is not None:
                    self.data.sponsorships.append(spec)

    def _cost(self, programme: _Programme) -> Decimal:
        base = self.courses[programme.course].unit_cost if programme.course else Decimal(programme.cost)
        return _round_thousand(float(base) * self.rng.uniform(0.9, 1.1))

    def _pick(self, titles: frozenset[str], status: str, fits, *, showcase: bool, nearby: bool) -> Person | None:
        """Someone of the province's stations, centres or department with one of `titles` and `status` for
        whom `fits` holds; from the station head's station when `showcase`, from their region when `nearby`
        (when possible)."""
        people = [p for title in sorted(titles) for p in self.by_title[(title, status)]]
        if showcase:
            here = [p for p in people if p.unit in self.showcase and fits(p)]
            if here:
                return here[0]
        if nearby:
            here = [p for p in people if p.unit in self.demo_region and fits(p)]
            if here:
                return self.rng.choice(here)
        if len(people) > 400:  # a big province: a few random tries before checking everyone
            for index in self.rng.sample(range(len(people)), 40):
                if fits(people[index]):
                    return people[index]
        found = [p for p in people if fits(p)]
        return self.rng.choice(found) if found else None

    def _sponsorship(
        self, programme: _Programme, state: str, *, showcase: bool, nearby: bool
    ) -> SponsorshipSpec | None:
        """One sponsored trainee of a programme in a state: studying ("soon" back within 6 months, "overdue",
        "later"), "serving", "fulfilled", "breached_training" or "breached_return"."""
        rng, today = self.rng, self.today
        showcase = showcase and state in self.showcase_states
        length = DAY * round(365.25 * programme.years)
        committed = int(programme.commitment * 12)  # months
        staff: Person | None = None
        returned = breached = None
        reason = ""
        status = "studying"
        if state in ("soon", "overdue", "later"):
            if state == "soon":
                expected = today + DAY * rng.randint(10, UPCOMING_DAYS)
            elif state == "overdue":
                expected = today - DAY * rng.randint(10, 150)
            else:
                expected = today + DAY * rng.randint(UPCOMING_DAYS + 30, max(length.days - 30, UPCOMING_DAYS + 31))
            starts = expected - length
            if programme.from_titles:  # sent from the staff, on it for a year at least; one programme at a time
                staff = self._pick(
                    programme.from_titles,
                    "active",
                    lambda p: p.started_on <= starts - DAY * 365 and not self.busy.get(p.id),
                    showcase=showcase,
                    nearby=nearby,
                )
                if staff is None:
                    return None
                self.busy[staff.id].append((starts, max(expected, today)))
        elif state in ("serving", "fulfilled"):
            # Back and serving: the commitment ends after today ("serving") or ended before ("fulfilled").
            if state == "serving":
                low, high = add_months(today, -committed) + DAY * 60, today - DAY * 30
            else:
                low, high = add_months(today, -committed) - DAY * 3 * 365, add_months(today, -committed) - DAY * 10
            titles = frozenset({programme.target_title})
            if programme.from_titles:  # sent from the staff, on it for a year before leaving to study
                staff = self._pick(
                    titles,
                    "active",
                    lambda p: p.started_on <= low - length - DAY * 400,
                    showcase=showcase,
                    nearby=nearby,
                )
                if staff is None:
                    return None
                returned = low + DAY * rng.randint(0, (high - low).days)
            else:  # a student recruited on graduating: their first day is the return
                staff = self._pick(
                    titles, "active", lambda p: low <= p.started_on <= high, showcase=showcase, nearby=nearby
                )
                if staff is None:
                    return None
                returned = staff.started_on
            expected = returned - DAY * rng.randint(0, 45)
            starts = expected - length
            status = "serving"
        else:
            # Left during the training, or after returning before the commitment's end: someone who left the
            # staff (the day they left is the breach) or, for a student, nobody on it.
            during = state == "breached_training"
            titles = programme.from_titles if during else frozenset({programme.target_title})
            if titles:
                staff = self._pick(
                    titles,
                    "left",
                    lambda p: p.ended_on is not None and p.started_on <= p.ended_on - length - DAY * 730,
                    showcase=showcase,
                    nearby=nearby,
                )
            breached = staff.ended_on if staff is not None else today - DAY * rng.randint(20, 500)
            if during:
                starts = breached - DAY * rng.randint(120, max(length.days - 60, 121))
                expected = starts + length
            else:
                # Served a few months to most of the commitment; on the staff a year before being sent.
                earliest = breached - DAY * (committed * 30 - 60)
                if staff is not None:
                    earliest = max(earliest, staff.started_on + length + DAY * 430)
                returned = earliest + DAY * rng.randint(0, max((breached - DAY * 60 - earliest).days, 0))
                expected = returned - DAY * rng.randint(0, 30)
                starts = expected - length
            reason = rng.choice(BREACH_REASONS_TRAINING if during else BREACH_REASONS_RETURN)
            status = "breached"
        serve = self._serve_unit(programme, staff, showcase=showcase, nearby=nearby)
        if showcase and serve in self.showcase:
            self.showcase_states.discard(state)
        region = self.region_of.get(serve)
        if programme.kind == "sent" and region is not None and rng.random() < 0.6:
            sender, decision = region.code, f"{next(self.decisions)}/QĐ-TTYT"
        else:
            sender, decision = self.root.code, f"{next(self.decisions)}/QĐ-SYT"
        name, national_id = ("", "") if staff is not None else self._student(starts)
        cost = self._cost(programme)
        due, rule_text, reimbursed = None, "", Decimal(0)
        if status == "breached":
            due, rule_text = reimbursement_rule().amount(
                cost=cost, commitment_years=programme.commitment, returned_on=returned, left_on=breached
            )
            # Part of it, nothing yet, or all of it paid back (in whole millions), in turn.
            share = next(self.repaid)
            reimbursed = min(due, Decimal(int(due * share) // 1_000_000 * 1_000_000))
        note = ""
        if state == "overdue":
            note = rng.choice(("Gia hạn thời gian bảo vệ luận văn", "Chưa nộp bằng tốt nghiệp", ""))
        return SponsorshipSpec(
            orgunit=sender,
            kind=programme.kind,
            staff=staff.id if staff is not None else None,
            trainee_name=name,
            national_id=national_id,
            programme=programme.name,
            level=programme.level,
            target_title=programme.target_title,
            institution=rng.choice(programme.institutions),
            decision=decision,
            starts_on=starts,
            expected_return_on=expected,
            cost=cost,
            funding_source="unit_fund" if programme.kind == "addressed" else "state_budget",
            commitment_years=programme.commitment,
            serve_unit=serve,
            status=status,
            returned_on=returned,
            commitment_ends_on=commitment_end(returned, programme.commitment) if returned else None,
            breached_on=breached,
            breach_reason=reason,
            reimbursement_due=due,
            reimbursement_rule=rule_text[:300],
            reimbursed=reimbursed,
            note=note,
        )

    def _serve_unit(self, programme: _Programme, staff: Person | None, *, showcase: bool, nearby: bool) -> str:
        """Where the trainee must serve: their own unit, or for a student a station lacking what they will be
        (the station head's, for the showcase)."""
        if staff is not None:
            return staff.unit
        stations = [s.code for region in self.regions for s in self.stations[region.code]]
        here = sorted(self.showcase.intersection(stations))
        if showcase and here:
            return here[0]
        titles = DOCTOR_TITLES if programme.target_title in DOCTOR_TITLES else {programme.target_title}
        lacking = [
            code
            for code in stations
            if not any(p.title in titles and p.status == "active" for p in self.people.get(code, ()))
        ]
        if nearby:
            lacking = [code for code in lacking if code in self.demo_region] or lacking
        return self.rng.choice(lacking or stations)

    def _student(self, starts: datetime.date) -> tuple[str, str]:
        """Name and CCCD of a student not on the staff, 18-20 years old when the programme starts."""
        rng = self.rng
        sex = "female" if rng.random() < 0.6 else "male"
        name = names.person_name(rng, gender=sex)
        birth = starts - DAY * rng.randint(18 * 365, 20 * 365)
        century = (0 if birth.year < 2000 else 2) + (sex == "female")
        bare = self.label.removeprefix("tỉnh ").removeprefix("thành phố ")
        origin = names.CCCD_PROVINCE_CODES.get(bare, "097")
        while True:
            number = f"{origin}{century}{birth.year % 100:02d}{rng.randint(0, 999_999):06d}"
            if number not in self.national_ids:
                self.national_ids.add(number)
                return name, number


def training_counts(data: DemoTraining) -> dict[str, int]:
    """What `load_demo` reports."""
    enrolments = [e for c in data.classes for e in c.enrolments]
    return {
        "plans": len(data.plans),
        "lines": len(data.lines),
        "classes": len(data.classes),
        "completed": sum(c.status == "completed" for c in data.classes),
        "scheduled": sum(c.status == "scheduled" for c in data.classes),
        "enrolments": len(enrolments),
        "passed": sum(e.result == "passed" for e in enrolments),
        "sponsorships": len(data.sponsorships),
        "breached": sum(s.status == "breached" for s in data.sponsorships),
    }
