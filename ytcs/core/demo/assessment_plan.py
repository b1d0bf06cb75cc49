"""The demo's assessments (đánh giá mẫu): two verified years of every open station, this year's self-assessments.

Pure Python like `plan` and `training_plan`: the unit plan, the frameworks as loaded (`FrameworkInfo`, read by the
builder: a managed catalogue), what the registry says (`Registry`, read back after the workforce and training are
loaded), the seed and the reference date (`today`, year Y) give the same assessments, down to every answer, date
and comment. Draws come, in a fixed order, from generators seeded with the plan's seed, the province's code and the
framework's code, so one province's (or framework's) data do not depend on the others.

What each province gets:

- every open station: the national commune-health criteria (`qd1300-2030`) for Y-2 and Y-1, self-assessed in
  October-November, submitted in December and verified by the level above the next January-March; the WHO SARA
  general service readiness index (`who-sara-gsr`) for the same two years, the same way; this year's
  national-criteria self-assessment in progress (draft, part answered), submitted, or returned with comments;
- the regional centres and about a third of the stations (the demo station among them): the 5S checklist
  (`5s-co-so-y-te`) for Y-1, verified.

Every answer is what a unit would give: items the registry knows are pre-filled with its value on the day of the
self-assessment, by the same rules as `prefill.registry_fact` (`Registry.fact`), and a few are overridden with a
reason; the other items follow the unit's standing. Each unit has a latent standing (how well run it is), a
yearly gain (most improve, a few stand still or slip back) and, for some, a criterion it lags on; an item's chance
of being met is the item's base rate at an average commune station moved by these. Each item keeps one random
draw across the years, so what was met stays met unless the unit slips back. The base rates are synthetic (a
plausible picture of Vietnamese commune stations, not survey figures).

Totals, verdicts and failed criteria are `scoring.score` under the framework's own rules, exactly as the services
keep them on submission and verification; a draft has none. The national criteria's items have no known points
(the legal text was not available, see the framework's notes), so their totals are 0 and there is no verdict:
the spread of results shows in the answers, in the SARA index and in the 5S points.
"""

from __future__ import annotations

import datetime
import functools
import math
import random
import struct
import zlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from ytcs.accounts.roles import APPROVE, CHANGE, Role, actions_for_role
from ytcs.assessments.prefill import prefill_value
from ytcs.assessments.scoring import FrameworkRule, ItemRule, check_value, score
from ytcs.core.demo.plan import DemoPlan, UnitSpec
from ytcs.orgunits.models import OrgUnitKind

DAY = datetime.timedelta(days=1)
QD1300, SARA, FIVE_S = "qd1300-2030", "who-sara-gsr", "5s-co-so-y-te"
FRAMEWORKS_USED = (QD1300, SARA, FIVE_S)
FIVE_S_STATION_SHARE = 0.35  # stations that ran the 5S checklist last year (besides the demo station)
# This year's national-criteria self-assessments of a region: shares submitted and returned, the rest drafts.
SUBMITTED_SHARE, RETURNED_SHARE = 0.3, 0.12
COMPLETE_DRAFT_SHARE = 0.3  # drafts with every item answered, ready to submit
OVERRIDE_SHARE = 0.04  # pre-filled answers the unit overrides (with a reason)
WEAK_SHARE = 0.25  # units lagging on one criterion of a framework
WEAK_PENALTY = 2.2  # logits
# A unit's yearly gain in logits: (cumulative share, low, high): most improve, some stand still, a few slip back.
GAINS = ((0.75, 0.35, 1.0), (0.92, -0.1, 0.1), (1.0, -0.7, -0.25))
DEFAULT_RATE = {"yes_no": 0.75, "points": 0.65, "choice": 0.65, "number": 0.65}
# Chance that an average commune station meets an item (synthetic). SARA tracers: electricity, water and the basic
# equipment nearly everywhere; an ambulance, haemoglobin or malaria tests and several NCD medicines rarely.
ITEM_RATES = {
    "TC1.a": 0.9, "TC1.b": 0.8,
    "BA1": 0.99, "BA2": 0.95, "BA3": 0.7, "BA4": 0.8, "BA5": 0.97, "BA6": 0.85, "BA7": 0.25,
    "BE1": 0.96, "BE2": 0.96, "BE3": 0.98, "BE4": 0.97, "BE5": 0.97, "BE6": 0.9, "BE7": 0.88,
    "SP1": 0.85, "SP2": 0.75, "SP3": 0.9, "SP4": 0.85, "SP5": 0.9, "SP6": 0.97, "SP7": 0.9, "SP8": 0.95, "SP9": 0.6,
    "DC1": 0.2, "DC2": 0.75, "DC3": 0.15, "DC4": 0.45, "DC5": 0.45, "DC6": 0.5, "DC7": 0.35, "DC8": 0.85,
    "EM1": 0.95, "EM2": 0.3, "EM3": 0.6, "EM4": 0.4, "EM5": 0.7, "EM6": 0.5, "EM7": 0.45, "EM8": 0.7, "EM9": 0.4,
    "EM10": 0.8, "EM11": 0.15, "EM12": 0.85, "EM13": 0.6, "EM14": 0.35,
}  # fmt: skip


@dataclass(frozen=True)
class Rate:
    """A rate answered as a number (lower is better): its level in wards and in communes, how much a unit's
    standing and a year's gain move it, and its bounds."""

    ward: float
    commune: float
    per_logit: float
    low: float
    high: float
    note: str


# Stunting of children under 5 (suy dinh dưỡng thể thấp còi): about 19 % nationally, far less in towns.
NUMBER_PROFILES = {
    "TC7.35": Rate(11.0, 20.0, 2.6, 3.0, 38.0, "Theo kết quả cân đo trẻ dưới 5 tuổi đợt tháng 6"),
}
# Why a unit overrides the registry: (prefill key prefix, registry says yes) → reasons. A count goes the same way.
OVERRIDE_REASONS = {
    ("station_has_doctor", False): (
        "Bác sĩ của Trung tâm Y tế khu vực được tăng cường về trạm 3 ngày/tuần theo quyết định điều động; sổ nhân "
        "lực chưa cập nhật",
        "Trạm đã tiếp nhận bác sĩ mới từ tháng 9, hồ sơ đang chờ cập nhật vào sổ nhân lực",
    ),
    ("station_has_doctor", True): (
        "Bác sĩ của trạm đi học chuyên khoa I tập trung cả năm, trạm không có bác sĩ làm việc",
        "Bác sĩ của trạm được điều động sang Trung tâm Y tế khu vực từ tháng 8, sổ nhân lực chưa cập nhật",
    ),
    ("staff_with_competency", False): (
        "Nhân viên đã hoàn thành khóa đào tạo và được cấp chứng chỉ (bản sao kèm theo), sổ nhân lực chưa cập nhật",
    ),
    ("staff_with_competency", True): (
        "Nhân viên có chứng chỉ đã chuyển công tác, sổ nhân lực chưa cập nhật",
        "Nhân viên có chứng chỉ nghỉ thai sản, trạm không thực hiện được kỹ thuật trong năm",
    ),
}
DEFAULT_OVERRIDE_REASON = "Số liệu đã đối chiếu với bảng chấm công và danh sách nhân viên của trạm"
RETURN_COMMENTS = (
    "Đề nghị bổ sung biên bản họp và kế hoạch hoạt động năm {year} của Ban Chỉ đạo chăm sóc sức khỏe Nhân dân xã "
    "làm minh chứng.",
    "Tỷ lệ trẻ dưới 5 tuổi suy dinh dưỡng thể thấp còi chưa khớp với số liệu cân đo do Trung tâm Y tế khu vực tổng "
    "hợp; đề nghị rà soát lại.",
    "Đề nghị trạm rà soát lại các nội dung tự chấm, gửi kèm minh chứng và nộp lại trước ngày {deadline}.",
)
OVERRIDE_RETURN_COMMENT = "Đề nghị giải trình bằng văn bản nội dung {code}: số liệu tự đánh giá khác với sổ nhân lực."


# --- what is read from the database ---


@dataclass(frozen=True)
class ItemInfo:
    """An item of a framework as the demo needs it."""

    id: int
    code: str
    criterion: str  # criterion code
    text: str
    type: str
    max_points: Decimal | None
    prefill: str
    choices: tuple[Mapping[str, Any], ...] = ()
    thresholds: tuple[Mapping[str, Any], ...] = ()

    @functools.cached_property
    def rule(self) -> ItemRule:
        return ItemRule(
            code=self.code,
            type=self.type,
            max_points=self.max_points,
            choices=self.choices,
            thresholds=self.thresholds,
        )


@dataclass(frozen=True)
class FrameworkInfo:
    """The version of a framework the demo assesses against (the latest in use), with its scoring rules."""

    id: int
    code: str
    unit_kinds: tuple[str, ...]
    criteria: tuple[tuple[str, str], ...]  # (code, name)
    items: tuple[ItemInfo, ...]
    rule: FrameworkRule

    def applies_to(self, kind: str) -> bool:
        return not self.unit_kinds or kind in self.unit_kinds


@dataclass
class Registry:
    """What the registry says about the assessed units, read once, for `prefill.registry_fact`'s rules: people
    working now (status active) at a unit, doctors among them, certificates they hold (valid on a day), and the
    units' population figures."""

    doctors: dict[str, int] = field(default_factory=dict)  # unit code → doctors working
    staff: dict[str, int] = field(default_factory=dict)  # unit code → people working
    populations: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # unit code → (year, population)
    # (unit code, competency code) → (issued on, expires on, staff id) of the certificates of people working there
    certificates: dict[tuple[str, str], list[tuple[datetime.date, datetime.date | None, int]]] = field(
        default_factory=dict
    )

    def fact(self, key: str, unit: str, on: datetime.date) -> tuple[Any, str] | None:
        """(value, where it comes from) for a prefill key on a day, as `prefill.registry_fact` gives them."""
        # The same messages as prefill.registry_fact, so the stored sources are the ones a user would get.
        day = on.strftime("%d/%m/%Y")
        if key in ("station_has_doctor", "station_doctor_count"):
            doctors = self.doctors.get(unit, 0)
            source = _("YTCS workforce registry: %(n)d doctor(s) working at %(unit)s on %(day)s") % {
                "n": doctors,
                "unit": unit,
                "day": day,
            }
            return (doctors > 0 if key == "station_has_doctor" else doctors), source
        if key == "station_staff_count":
            count = self.staff.get(unit, 0)
            return count, _("YTCS workforce registry: %(n)d people working at %(unit)s on %(day)s") % {
                "n": count,
                "unit": unit,
                "day": day,
            }
        if key == "station_population":
            rows = [row for row in self.populations.get(unit, ()) if row[0] <= on.year]
            if not rows:
                return None
            year, people = max(rows)
            return people, _("YTCS population figures: %(unit)s, %(year)d") % {"unit": unit, "year": year}
        if key.startswith("staff_with_competency:"):
            code = key.split(":", 1)[1]
            held = self.certificates.get((unit, code), ())
            count = len({staff for issued, ends, staff in held if issued <= on and (ends is None or ends >= on)})
            return count, _(
                "YTCS workforce registry: %(n)d people at %(unit)s hold a valid %(code)s certificate on %(day)s"
            ) % {"n": count, "unit": unit, "code": code, "day": day}
        return None


# --- what gets planned ---


class AnswerSpec:
    """One answer; `prefilled_value` None and `prefill_source` "" when the registry did not pre-fill it."""

    __slots__ = ("item", "value", "prefilled_value", "prefill_source", "override_reason", "note")

    def __init__(
        self,
        item: ItemInfo,
        value: Any,
        prefilled_value: Any = None,
        prefill_source: str = "",
        override_reason: str = "",
        note: str = "",
    ):
        self.item, self.value, self.prefilled_value = item, value, prefilled_value
        self.prefill_source, self.override_reason, self.note = prefill_source, override_reason, note


@dataclass(frozen=True)
class EvidenceSpec:
    item: str | None  # item code
    name: str  # the file name as uploaded
    content_type: str
    content: bytes
    uploaded_at: datetime.datetime
    uploaded_by: str | None  # demo username


@dataclass
class AssessmentSpec:
    orgunit: str
    framework: FrameworkInfo
    year: int
    status: str
    assessed_on: datetime.date  # the day of the self-assessment: the registry's values are those of that day
    answers: list[AnswerSpec]
    submitted_at: datetime.datetime | None = None
    submitted_by: str | None = None  # demo username
    verified_at: datetime.datetime | None = None
    verified_by: str | None = None
    comment: str = ""
    total: Decimal | None = None
    passed: bool | None = None
    failed_criteria: list[str] = field(default_factory=list)
    evidence: list[EvidenceSpec] = field(default_factory=list)


@dataclass
class DemoAssessments:
    today: datetime.date
    assessments: list[AssessmentSpec] = field(default_factory=list)


def plan_assessments(
    plan: DemoPlan,
    frameworks: dict[str, FrameworkInfo],
    registry: Registry,
    *,
    today: datetime.date,
    provinces: list[str] | None = None,
) -> DemoAssessments:
    """The assessments of every province of the plan (or of the `provinces` given, by code)."""
    missing = [code for code in FRAMEWORKS_USED if code not in frameworks]
    if missing:
        raise LookupError(f"The demo needs these assessment frameworks in use: {', '.join(missing)}")
    data = DemoAssessments(today=today)
    children: dict[str, list[UnitSpec]] = defaultdict(list)
    for unit in plan.units:
        if unit.parent_code:
            children[unit.parent_code].append(unit)
    wanted = set(provinces) if provinces is not None else None
    people = _People(plan)
    for unit in plan.units:
        if unit.kind != OrgUnitKind.PROVINCE or (wanted is not None and unit.code not in wanted):
            continue
        _ProvinceAssessments(data, plan.seed, unit, children, frameworks, registry, people).run()
    return data


class _People:
    """Which demo login submits a unit's assessment (one who may change the unit, working there) and which
    verifies it (the closest one holding the approve right on the unit's parent or above); none for most units."""

    def __init__(self, plan: DemoPlan):
        self.parent = {unit.code: unit.parent_code for unit in plan.units}
        self.approvers: dict[str, str] = {}
        self.changers: dict[str, str] = {}
        # The demo station (the station head's): its head has something to correct and evidence to look at.
        self.showcase = {user.unit_code for user in plan.users if user.role == Role.STATION_HEAD}
        for user in plan.users:
            if user.role is None:  # the superuser may do anything, but verifying stations is not their work
                continue
            actions = actions_for_role(user.role)
            if APPROVE in actions:
                self.approvers.setdefault(user.unit_code, user.username)
            if CHANGE in actions:
                self.changers.setdefault(user.unit_code, user.username)

    def submitter(self, unit: str) -> str | None:
        return self.changers.get(unit)

    def verifier(self, unit: str) -> str | None:
        above = self.parent.get(unit)
        while above is not None:
            if above in self.approvers:
                return self.approvers[above]
            above = self.parent.get(above)
        return None


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _logit(p: float) -> float:
    p = min(max(p, 0.005), 0.995)
    return math.log(p / (1 - p))


@functools.cache
def _item_logit(code: str, type_: str) -> float:
    """The logit of an item's chance of being met at an average commune station."""
    return _logit(ITEM_RATES.get(code, DEFAULT_RATE.get(type_, 0.7)))


def _clamp(x: float, low: float = 0.0, high: float = 1.0) -> float:
    return min(max(x, low), high)


def _vn_number(value: Decimal | None) -> str:
    """50, 73,33 (a decimal comma, as Vietnamese writes it)."""
    return f"{(value or Decimal(0)).normalize():f}".replace(".", ",")


def _short(text: str, limit: int = 90) -> str:
    """An item's text for a comment: without the English name in brackets, cut at a word."""
    if text.endswith(")") and " (" in text:
        text = text[: text.rindex(" (")]
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


@dataclass
class _Standing:
    """A unit's standing in one framework: logit shift, yearly gain, the criterion it lags on, and one draw per
    item kept across the years."""

    shift: float
    gain: float
    weak: str | None
    draws: dict[str, float]
    overrides: dict[str, float]  # item code → draw deciding whether the unit overrides the registry


@dataclass
class _ProvinceAssessments:
    data: DemoAssessments
    seed: int
    root: UnitSpec
    children: dict[str, list[UnitSpec]]
    frameworks: dict[str, FrameworkInfo]
    registry: Registry
    people: _People

    def __post_init__(self) -> None:
        self.today = self.data.today
        self.year = self.today.year
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.regions = [
            u for u in self.children[self.root.code] if u.kind == OrgUnitKind.REGIONAL_CENTRE and u.closed_on is None
        ]
        self.stations = {
            region.code: [
                u for u in self.children[region.code] if u.kind == OrgUnitKind.STATION and u.closed_on is None
            ]
            for region in self.regions
        }
        self.showcase = self.people.showcase
        # A unit's standing is its own whatever the framework: one shift and one gain per unit, in plan order.
        rng = random.Random(f"assessments:{self.seed}:{self.root.code}")
        units = [*self.regions, *(s for region in self.regions for s in self.stations[region.code])]
        self.shift = {unit.code: rng.gauss(0, 0.7) for unit in units}
        self.gain = {unit.code: self._gain(rng) for unit in units}

    @staticmethod
    def _gain(rng: random.Random) -> float:
        roll = rng.random()
        low, high = next((low, high) for share, low, high in GAINS if roll < share)
        return rng.uniform(low, high)

    def run(self) -> None:
        national, sara, five_s = (self.frameworks[code] for code in FRAMEWORKS_USED)
        for region in self.regions:
            stations = self.stations[region.code]
            self._national_criteria(national, region, stations)
            self._verified_years(sara, region, stations, years=(self.year - 2, self.year - 1))
            rng = random.Random(f"assessments:{self.seed}:{region.code}:{FIVE_S}:units")
            picked = [region] + [s for s in stations if s.code in self.showcase or rng.random() < FIVE_S_STATION_SHARE]
            self._verified_years(five_s, region, picked, years=(self.year - 1,))

    # --- one framework ---

    def _standings(self, framework: FrameworkInfo, region: UnitSpec, units: list[UnitSpec]) -> dict[str, _Standing]:
        rng = random.Random(f"assessments:{self.seed}:{region.code}:{framework.code}")
        criteria = [code for code, _name in framework.criteria if any(i.criterion == code for i in framework.items)]
        standings = {}
        for unit in units:
            weak = rng.choice(criteria) if criteria and rng.random() < WEAK_SHARE else None
            draws = {item.code: rng.random() for item in framework.items}
            overrides = {item.code: rng.random() for item in framework.items if item.prefill}
            standings[unit.code] = _Standing(self.shift[unit.code], self.gain[unit.code], weak, draws, overrides)
        return standings

    def _national_criteria(self, framework: FrameworkInfo, region: UnitSpec, stations: list[UnitSpec]) -> None:
        """Two verified years, then this year's self-assessment of every station: draft, submitted or returned."""
        standings = self._verified_years(framework, region, stations, years=(self.year - 2, self.year - 1))
        stations = [s for s in stations if s.code in standings]
        rng = random.Random(f"assessments:{self.seed}:{region.code}:{framework.code}:{self.year}")
        # At least one of each state in a region of three stations or more; the demo station's was returned.
        submitted = max(1, round(len(stations) * SUBMITTED_SHARE)) if len(stations) >= 3 else 0
        returned = max(1, round(len(stations) * RETURNED_SHARE)) if len(stations) >= 3 else 0
        states = ["returned"] * returned + ["submitted"] * submitted
        states += ["draft"] * (len(stations) - len(states))
        rng.shuffle(states)
        for index, station in enumerate(stations):
            if station.code in self.showcase and states[index] != "returned":
                if "returned" in states:
                    other = states.index("returned")
                    states[index], states[other] = "returned", states[index]
                else:
                    states[index] = "returned"
        for station, state in zip(stations, states, strict=True):
            self._this_year(framework, station, state, standings[station.code], rng)

    def _verified_years(
        self, framework: FrameworkInfo, region: UnitSpec, units: list[UnitSpec], *, years: tuple[int, ...]
    ) -> dict[str, _Standing]:
        """Each unit's verified assessments of these years (self-assessed in the autumn, submitted in December,
        verified the next January-March); returns the units' standings."""
        units = [u for u in units if framework.applies_to(u.kind)]
        if not units:
            return {}
        standings = self._standings(framework, region, units)
        rng = random.Random(f"assessments:{self.seed}:{region.code}:{framework.code}:verified")
        for unit in units:
            for year in years:
                standing = standings[unit.code]
                step = year - (self.year - 2)
                on = self._day(rng, datetime.date(year, 10, 1), datetime.date(year, 11, 30))
                answers = self._answers(framework, unit, standing, step=step, on=on, rng=rng)
                verify_on = self._day(rng, datetime.date(year + 1, 1, 5), datetime.date(year + 1, 3, 31))
                december = datetime.date(year, 12, 1)
                submit_on = self._day(rng, december, min(december.replace(day=31), verify_on - DAY))
                spec = AssessmentSpec(
                    orgunit=unit.code,
                    framework=framework,
                    year=year,
                    status="verified",
                    assessed_on=on,
                    answers=answers,
                    submitted_at=self._moment(rng, submit_on),
                    submitted_by=self.people.submitter(unit.code),
                    verified_at=self._moment(rng, verify_on),
                    verified_by=self.people.verifier(unit.code),
                )
                self._score(spec)
                spec.comment = self._verified_comment(spec, unit, verify_on)
                if unit.code in self.showcase and framework.code == QD1300 and year == self.year - 1:
                    spec.evidence.append(
                        self._pdf(spec, "ke-hoach-cham-soc-suc-khoe-nhan-dan.pdf", "KE HOACH CHAM SOC SUC KHOE", 1)
                    )
                self.data.assessments.append(spec)
        return standings

    def _this_year(
        self, framework: FrameworkInfo, station: UnitSpec, state: str, standing: _Standing, rng: random.Random
    ) -> None:
        start = datetime.date(self.year, 1, 2)
        on = self._day(rng, max(start, self.today - DAY * 75), max(start, self.today - DAY * 20))
        on = min(on, self.today)
        complete = state != "draft" or rng.random() < COMPLETE_DRAFT_SHARE
        share = 1.0 if complete else rng.uniform(0.3, 0.9)
        answers = self._answers(framework, station, standing, step=2, on=on, rng=rng, share=share)
        spec = AssessmentSpec(
            orgunit=station.code, framework=framework, year=self.year, status=state, assessed_on=on, answers=answers
        )
        if state != "draft":
            submit_on = self._day(rng, min(on + DAY * 3, self.today), self.today)
            spec.submitted_at = self._moment(rng, submit_on)
            spec.submitted_by = self.people.submitter(station.code)
            self._score(spec)
        if state == "returned":
            overridden = [a.item.code for a in answers if a.override_reason]
            if overridden:
                spec.comment = OVERRIDE_RETURN_COMMENT.format(code=overridden[0])
            else:
                deadline = (self.today + DAY * 30).strftime("%d/%m/%Y")
                spec.comment = rng.choice(RETURN_COMMENTS).format(year=self.year, deadline=deadline)
        if station.code in self.showcase:
            spec.evidence.append(self._png(spec, "anh-hop-ban-chi-dao.png", 0))
            spec.evidence.append(self._pdf(spec, "bien-ban-hop-ban-chi-dao.pdf", "BIEN BAN HOP BAN CHI DAO", 0))
        self.data.assessments.append(spec)

    # --- answers ---

    def _answers(
        self,
        framework: FrameworkInfo,
        unit: UnitSpec,
        standing: _Standing,
        *,
        step: int,
        on: datetime.date,
        rng: random.Random,
        share: float = 1.0,
    ) -> list[AnswerSpec]:
        """The unit's answers on `on`, `step` years after the first verified year; `share` of the items not
        pre-filled are answered (a draft in progress)."""
        answers = []
        for item in framework.items:
            fact = self.registry.fact(item.prefill, unit.code, on) if item.prefill else None
            if fact is not None:
                answers.append(self._prefilled(item, fact, standing))
                continue
            if share < 1 and rng.random() >= share:
                continue
            logit = _item_logit(item.code, item.type) + standing.shift + standing.gain * step
            if item.criterion == standing.weak:
                logit -= WEAK_PENALTY
            value, note = self._value(item, unit, _sigmoid(logit), standing, step)
            answers.append(AnswerSpec(item, check_value(item.rule, value), note=note))
        return answers

    def _prefilled(self, item: ItemInfo, fact: tuple[Any, str], standing: _Standing) -> AnswerSpec:
        value, source = fact
        value = prefill_value(item.type, value)
        answer = AnswerSpec(item, value, prefilled_value=value, prefill_source=source[:300])
        if standing.overrides[item.code] < OVERRIDE_SHARE:
            key = item.prefill.split(":", 1)[0]
            if item.type == "yes_no":
                changed = not value
            elif isinstance(value, int):
                changed = value + 1 if value == 0 or standing.overrides[item.code] < OVERRIDE_SHARE / 2 else value - 1
            else:
                return answer
            reasons = OVERRIDE_REASONS.get((key, bool(value)), (DEFAULT_OVERRIDE_REASON,))
            answer.value = check_value(item.rule, changed)
            answer.override_reason = reasons[int(standing.overrides[item.code] / OVERRIDE_SHARE * len(reasons))]
        return answer

    def _value(self, item: ItemInfo, unit: UnitSpec, p: float, standing: _Standing, step: int) -> tuple[Any, str]:
        u = standing.draws[item.code]
        if item.type == "yes_no":
            return u < p, ""
        # A level between 0 and 1 that rises with the chance of meeting the item, for the same draw.
        level = _clamp(p + 0.35 - 0.7 * u)
        if item.type == "points":
            if item.max_points is None:
                return int(u < p), ""
            return round(float(item.max_points) * level), ""
        if item.type == "choice" and item.choices:
            ranked = sorted(item.choices, key=lambda c: (Decimal(str(c["points"])), str(c["code"])))
            return ranked[round(level * (len(ranked) - 1))]["code"], ""
        profile = NUMBER_PROFILES.get(item.code)
        if profile is not None:
            base = profile.ward if "phường" in unit.name else profile.commune
            moved = base - profile.per_logit * (standing.shift + standing.gain * step) + (u - 0.5) * 6
            if item.criterion == standing.weak:
                moved += profile.per_logit * WEAK_PENALTY
            return round(_clamp(moved, profile.low, profile.high), 1), profile.note
        if item.thresholds:
            # The bound of the threshold the unit reaches (the best ones for the best units).
            ranked = sorted(item.thresholds, key=lambda t: Decimal(str(t["points"])))
            reached = ranked[round(level * (len(ranked) - 1))]
            bound = reached.get("min") if reached.get("min") is not None else reached.get("max")
            return bound if bound is not None else 0, ""
        return round(100 * level), ""

    def _score(self, spec: AssessmentSpec) -> None:
        """What the services keep on submission and verification."""
        card = score(spec.framework.rule, {a.item.code: a.value for a in spec.answers})
        spec.total, spec.passed, spec.failed_criteria = card.total, card.passed, card.failed_criteria

    def _verified_comment(self, spec: AssessmentSpec, unit: UnitSpec, on: datetime.date) -> str:
        """The verifier's note: the visit, the result where the framework scores one, what is still unmet."""
        place = "trạm" if unit.kind == OrgUnitKind.STATION else "đơn vị"
        head = f"Đã thẩm định hồ sơ và kiểm tra thực tế tại {place} ngày {on:%d/%m/%Y}"
        rule = spec.framework.rule
        if rule.scoring == "domain_mean":
            head += f"; chỉ số sẵn sàng chung {_vn_number(spec.total)}/100"
        elif any(item.reachable for criterion in rule.criteria for item in criterion.items):
            # Only where items can score: the national criteria's points are unknown (a total of 0 says nothing).
            maximum = sum((c.maximum for c in rule.criteria), Decimal(0))
            head += f"; đạt {_vn_number(spec.total)}/{_vn_number(maximum)} điểm"
        unmet = [_short(a.item.text) for a in spec.answers if not a.prefill_source and a.value in (False, 0)]
        if not unmet:
            return head + ". Thống nhất với kết quả tự đánh giá."
        return f"{head}. Thống nhất với kết quả tự đánh giá; đề nghị khắc phục trong năm {spec.year + 1}: " + "; ".join(
            unmet[:2]
        )

    # --- dates and files ---

    def _day(self, rng: random.Random, low: datetime.date, high: datetime.date) -> datetime.date:
        """A working day in [low, high], never after `today` (then `today`, or `low` if that is later)."""
        high = min(high, self.today)
        if high <= low:
            return min(low, self.today)
        day = low + DAY * rng.randint(0, (high - low).days)
        while day.weekday() >= 5 and day > low:
            day -= DAY
        return day

    def _moment(self, rng: random.Random, day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(rng.randint(7, 16), rng.randint(0, 59)), self.zone)

    def _evidence_item(self, spec: AssessmentSpec, index: int) -> str | None:
        """The `index`-th item the unit answers itself (evidence of what the registry cannot show)."""
        own = [i.code for i in spec.framework.items if not i.prefill]
        return own[min(index, len(own) - 1)] if own else None

    def _png(self, spec: AssessmentSpec, name: str, index: int) -> EvidenceSpec:
        return EvidenceSpec(
            item=self._evidence_item(spec, index),
            name=name,
            content_type="image/png",
            content=demo_png(seed=f"{self.seed}:{spec.orgunit}:{spec.year}:{name}"),
            uploaded_at=self._moment(random.Random(name), spec.assessed_on),
            uploaded_by=self.people.submitter(spec.orgunit),
        )

    def _pdf(self, spec: AssessmentSpec, name: str, title: str, index: int) -> EvidenceSpec:
        lines = (title, f"{spec.orgunit} - {spec.year}", "Du lieu mau YTCS (demo data)")
        return EvidenceSpec(
            item=self._evidence_item(spec, index),
            name=name,
            content_type="application/pdf",
            content=demo_pdf(lines),
            uploaded_at=self._moment(random.Random(name), spec.assessed_on),
            uploaded_by=self.people.submitter(spec.orgunit),
        )


# --- small generated evidence files ---


def demo_png(*, seed: str, width: int = 160, height: int = 120) -> bytes:
    """A small RGB PNG (a sky, a roof and a wall, colours drawn from `seed`): a stand-in for a photo."""
    rng = random.Random(seed)
    sky, roof, wall = ((rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)) for _ in range(3))
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter: none
        for x in range(width):
            if y < height // 3 and abs(x - width // 2) > y * 2:
                row += bytes(sky)
            elif y < height // 3:
                row += bytes(roof)
            else:
                row += bytes(wall) if (x // 20 + y // 20) % 4 else bytes(roof)
        rows.append(bytes(row))

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def demo_pdf(lines: tuple[str, ...]) -> bytes:
    """A one-page PDF with a few lines of ASCII text (the standard Helvetica font has no Vietnamese letters): a
    stand-in for scanned minutes."""
    text = " ".join(
        f"BT /F1 {18 if n == 0 else 12} Tf 72 {760 - 28 * n} Td ({line.replace('(', '[').replace(')', ']')}) Tj ET"
        for n, line in enumerate(lines)
    ).encode("ascii", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def assessment_counts(data: DemoAssessments) -> dict[str, int]:
    """What `load_demo` reports."""
    by_status: dict[str, int] = defaultdict(int)
    for spec in data.assessments:
        by_status[spec.status] += 1
    answers = [a for spec in data.assessments for a in spec.answers]
    return {
        "assessments": len(data.assessments),
        "stations": len({s.orgunit for s in data.assessments if s.framework.code == QD1300}),
        "verified": by_status["verified"],
        "draft": by_status["draft"],
        "submitted": by_status["submitted"],
        "returned": by_status["returned"],
        "answers": len(answers),
        "overridden": sum(bool(a.override_reason) for a in answers),
        "evidence": sum(len(spec.evidence) for spec in data.assessments),
    }
