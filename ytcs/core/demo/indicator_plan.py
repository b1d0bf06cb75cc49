"""The demo's routine data and targets (số liệu định kỳ và chỉ tiêu mẫu).

Planned in pure Python like `plan`, `training_plan` and `assessment_plan`: the unit plan, the seed and the
reference date (`today`, in month M of year Y) give the same reports, down to every value, comment and entry time.
Draws come from generators seeded with the plan's seed and the unit's code, so one station's data do not depend on
the others'. Only the demo logins' province gets data (at national scale too: the benchmark loads its own tens of
millions of values, `bench/indicators.py`).

What the province gets, in the shipped catalogue's data sets (`indicators/data/catalogue.yaml`):

- `TYT_THANG`, every station, every month of Y-3, Y-2, Y-1 and of Y up to last month (a station closed in the
  2025 commune merger until its closing month): visits by sex and with a health-insurance card, deliveries at the
  station and in the commune, live births by sex, fully vaccinated infants, infant and under-5 deaths, people with
  hypertension or diabetes under management. Sized on the station's catchment population of the year, with a
  season, a few percent of noise and a yearly rise (visits, insured visits, people under management);
- `TYT_NAM`, every station, Y-3 to Y-1: children under one, people with a health-insurance card, under health
  management and with an electronic health book (rising year by year, each station at its own pace, so that some
  stations are on course for the 2030 targets and others are not);
- `CSKCB_NAM`, regional centres and hospitals, Y-3 to Y-1: planned beds;
- the data quality a real province shows: about a tenth of the stations (never the demo station) have not reported
  last month, so completeness is not 100 %; two stations closed for repairs for a month or two (zero visits, with a
  comment); a handful of mistyped values outside the usual range; a few reports breaking a validation rule, one of
  them the demo station's last report, so its head sees the warning on the form;
- last month's form of one station of the demo region was not sent in time: the regional manager granted a lock
  exception for it (once the period is locked), so the station may still enter it. The current month is open, as
  is last month until its deadline (the data set's expiry days after its end); earlier months are locked;
- the province's target plan implementing Directive 25-CT/TW to 2025 and 2030, and the demo region's plan for Y
  with a target for each of its stations (see `_province_plan` and `_region_plan`). Both are marked unchecked
  (`confirmed=False`): the plans are invented, their values modelled on published targets, each target naming its
  model or saying it is a demo value.

Who entered what: this year's reports of the demo region went through the data-entry service
(`services.write_values`, as the form saves them: the station head for the demo station, the data clerk for the
others), so the roll-up there is the one maintained on write; everything else (earlier years, other regions,
yearly reports) was imported by the province administrator and is bulk-inserted, each value with its "create"
history row, then summed into the roll-up by `aggregates.rebuild()`. Going through the service for all of it took
34 s for the province on SQLite against 6 s in bulk. Entry times are the planned ones (days after the period's
end, in office hours), not the time of loading.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from ytcs.core.demo.plan import DemoPlan, UnitSpec
from ytcs.indicators import periods as P
from ytcs.orgunits.models import OrgUnitKind

MONTHLY, STATION_YEARLY, FACILITY_YEARLY = "TYT_THANG", "TYT_NAM", "CSKCB_NAM"
DATA_SETS_USED = (MONTHLY, STATION_YEARLY, FACILITY_YEARLY)
FULL_YEARS = 3  # complete years before this one
MONTHLY_EXPIRY_DAYS = 15  # the shipped TYT_THANG's; the builder passes the catalogue's
MISSING_SHARE = 0.1  # stations that have not sent last month's report
IMPORT, FORM = "import", "ui"  # DataValueAudit.source of imported and typed values
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
REPAIR_COMMENT = "Trạm tạm dừng khám chữa bệnh để sửa chữa, nâng cấp"
EXCEPTION_REASON = (
    "Trạm mất kết nối mạng cuối tháng nên chưa gửi kịp báo cáo tháng {period}; cho phép nhập bổ sung trong tuần."
)
DEMO_VALUE = "giá trị mẫu"
# Option combos of the shipped sex disaggregation.
MALE, FEMALE, TOTAL = "NAM", "NU", "default"
# (data element, option combo) of a station's monthly report, in form order; elements used by the plan.
MONTHLY_CELLS = (
    ("KCB_LUOT", MALE), ("KCB_LUOT", FEMALE), ("KCB_BHYT", TOTAL), ("DE_TAI_TRAM", TOTAL), ("DE_DIA_BAN", TOTAL),
    ("SINH_SONG", MALE), ("SINH_SONG", FEMALE), ("TIEM_DU_DUOI1", TOTAL), ("TU_VONG_DUOI1", TOTAL),
    ("TU_VONG_DUOI5", TOTAL), ("THA_QUAN_LY", TOTAL), ("DTD_QUAN_LY", TOTAL),
)  # fmt: skip
YEARLY_CELLS = (("TRE_DUOI1", TOTAL), ("DAN_SO_BHYT", TOTAL), ("DAN_SO_QLSK", TOTAL), ("DAN_SO_SKDT", TOTAL))
FACILITY_CELLS = (("GIUONG_BENH", TOTAL),)
ELEMENTS_USED = frozenset(de for de, _coc in (*MONTHLY_CELLS, *YEARLY_CELLS, *FACILITY_CELLS))
INDICATORS_USED = frozenset(
    ("BS_10000", "XA_DAT_TCQG", "TYT_CO_BS", "SKDT_PCT", "BHYT_PCT", "TIEM_DU_PCT", "QLSK_PCT", "GB_10000")
)
# Ceilings that keep the drawn values within the shipped usual ranges: only the planned typos fall outside.
MAX_CELL = 4_900  # a monthly cell (usual maximum of visits: 5,000)
MAX_VISITS = 4_200 * 12  # visits a year at one station
MAX_BIRTHS = 950  # births a year in one commune (usual maximum of children under one: 1,000)
MAX_DEATHS = 5  # infant or under-5 deaths a month


@dataclass(frozen=True, slots=True)
class ReportSpec:
    """One unit's report of one period, as saved: its cells (data element, option combo, value, comment), who
    entered it, when and how (`through_service`: written by `services.write_values`, else bulk-inserted)."""

    data_set: str
    orgunit: str
    period: str
    cells: tuple[tuple[str, str, int, str], ...]
    entered_by: str
    source: str
    at: datetime.datetime
    through_service: bool = False


@dataclass(frozen=True, slots=True)
class TargetSpec:
    indicator: str
    orgunit: str
    year: int
    value: float
    applies_below: bool
    note: str


@dataclass(frozen=True)
class PlanSpec:
    code: str
    name: str
    orgunit: str
    document_number: str
    issued_by: str
    issued_on: datetime.date
    start_year: int
    end_year: int
    source: str
    notes: str
    targets: tuple[TargetSpec, ...]


@dataclass(frozen=True, slots=True)
class LockExceptionSpec:
    data_set: str
    orgunit: str
    period: str
    reason: str
    granted_by: str
    at: datetime.datetime


@dataclass
class DemoIndicators:
    reports: list[ReportSpec] = field(default_factory=list)
    plans: list[PlanSpec] = field(default_factory=list)
    exceptions: list[LockExceptionSpec] = field(default_factory=list)
    # Stations that have not reported last month (data quality the completeness figures show).
    missing_last_month: list[str] = field(default_factory=list)

    def values(self) -> Iterator[tuple[ReportSpec, tuple[str, str, int, str]]]:
        for report in self.reports:
            for cell in report.cells:
                yield report, cell


def plan_indicators(plan: DemoPlan, *, today: datetime.date, expiry_days: int = MONTHLY_EXPIRY_DAYS) -> DemoIndicators:
    """The routine data, lock exception and target plans of the demo logins' province (see the module's doc)."""
    logins = {user.username: user.unit_code for user in plan.users}
    if "province_admin" not in logins:
        return DemoIndicators()
    return _Province(plan, logins, today=today, expiry_days=expiry_days).build()


def indicator_counts(data: DemoIndicators) -> dict[str, int]:
    values = sum(len(report.cells) for report in data.reports)
    return {
        "reports": len(data.reports),
        "values": values,
        "typed": sum(len(r.cells) for r in data.reports if r.through_service),
        "stations": len({r.orgunit for r in data.reports if r.data_set == MONTHLY}),
        "missing": len(data.missing_last_month),
        "plans": len(data.plans),
        "targets": sum(len(p.targets) for p in data.plans),
        "exceptions": len(data.exceptions),
    }


# --- drawing numbers ---


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; a rounded normal draw above 30, where they hardly differ)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _noisy(rng: random.Random, mean: float, spread: float = 0.06) -> int:
    return max(0, round(mean * rng.gauss(1, spread)))


def _population(unit: UnitSpec, year: int) -> int:
    """The catchment population of the year, or of the nearest year recorded."""
    figures = dict(unit.populations)
    if not figures:
        return 0
    return figures.get(year) or figures[min(figures, key=lambda y: abs(y - year))]


def _moment(rng: random.Random, day: datetime.date) -> datetime.datetime:
    """A time in office hours (7:30-16:30, Vietnam) on the day."""
    minutes = rng.randint(7 * 60 + 30, 16 * 60 + 30)
    return datetime.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=ZONE)


def _round5(value: float) -> int:
    return int(min(100, 5 * math.ceil(value / 5)))


@dataclass
class _Station:
    """A station's latent figures: rates per person and year, and how fast they change."""

    unit: UnitSpec
    visits: float  # visits per person per year, first year
    visits_growth: float
    female: float  # share of visits by women
    insured_visits: float  # share of visits with a health-insurance card
    birth_rate: float  # per 1,000 people per year
    at_station: float  # share of the commune's deliveries made at the station, first year
    vaccinated: float  # share of infants fully vaccinated, first year
    vaccinated_gain: float
    infant_deaths: float  # per 1,000 live births
    hypertension: float  # share of people managed for hypertension, first year
    diabetes: float
    insured: float  # share of people with a health-insurance card, first year
    insured_gain: float
    managed: float  # share under health management, first year
    managed_gain: float
    e_book: float  # share with an electronic health book, first year
    e_book_gain: float


class _Province:
    def __init__(self, plan: DemoPlan, logins: dict[str, str], *, today: datetime.date, expiry_days: int) -> None:
        self.seed = plan.seed
        self.today = today
        self.year = today.year
        self.expiry_days = expiry_days
        self.root_code = logins["province_admin"]
        self.region_code = logins.get("region_manager")
        self.station_code = logins.get("station_head")
        self.clerk = "data_clerk" if "data_clerk" in logins else "province_admin"
        self.head = "station_head" if "station_head" in logins else self.clerk
        self.manager = "region_manager" if "region_manager" in logins else "province_admin"
        children: dict[str, list[UnitSpec]] = defaultdict(list)
        for unit in plan.units:
            if unit.parent_code:
                children[unit.parent_code].append(unit)
        self.units: list[UnitSpec] = []
        stack = [next(u for u in plan.units if u.code == self.root_code)]
        while stack:
            unit = stack.pop()
            self.units.append(unit)
            stack.extend(reversed(children[unit.code]))
        self.root = self.units[0]
        self.parent = {u.code: u.parent_code for u in self.units}
        self.stations = sorted((u for u in self.units if u.kind == OrgUnitKind.STATION), key=lambda u: u.code)
        self.facilities = [u for u in self.units if u.kind in (OrgUnitKind.REGIONAL_CENTRE, OrgUnitKind.HOSPITAL)]
        self.years = list(range(self.year - FULL_YEARS, self.year))
        first = P.Period(self.year - FULL_YEARS, month=1)
        current = P.containing(today, "monthly")
        self.months: list[P.Period] = []
        month = first
        while month < current:
            self.months.append(month)
            month = month.next()
        self.last_month = current.previous()
        deadline = self.last_month.end + datetime.timedelta(days=expiry_days)
        # The latest month whose entry period is over: last month once its deadline has passed.
        self.locked_month = self.last_month if today > deadline else self.last_month.previous()
        self.data = DemoIndicators()
        self.latent: dict[str, _Station] = {}
        # Yearly shares of the electronic health book by station, for the region's targets.
        self.e_book_share: dict[tuple[str, int], float] = {}

    def build(self) -> DemoIndicators:
        for station in self.stations:
            self.latent[station.code] = self._latent(station)
        quirks = self._quirks()
        for station in self.stations:
            self._monthly(station, quirks)
            self._yearly(station)
        for facility in self.facilities:
            self._beds(facility)
        self._lock_exception(quirks)
        self.data.plans.append(self._province_plan())
        if self.region_code:
            self.data.plans.append(self._region_plan())
        return self.data

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(["indicators", str(self.seed), *map(str, parts)]))

    def _latent(self, unit: UnitSpec) -> _Station:
        rng = self._rng(unit.code)
        ward = unit.name.startswith("Trạm Y tế phường")
        return _Station(
            unit=unit,
            visits=rng.triangular(0.35, 1.2, 0.7),
            visits_growth=rng.uniform(0.0, 0.06),
            female=rng.uniform(0.54, 0.6),
            insured_visits=rng.uniform(0.65, 0.88),
            # Large urban wards have fewer births per person: at most ~950 a year, as the usual ranges expect.
            birth_rate=min(rng.uniform(11.5, 17.5), MAX_BIRTHS * 1000 / max(_population(unit, y) for y in self.years)),
            at_station=rng.uniform(0.0, 0.04) if ward else rng.uniform(0.03, 0.28),
            vaccinated=rng.uniform(0.86, 0.99),
            vaccinated_gain=rng.uniform(-0.01, 0.02),
            infant_deaths=rng.uniform(7, 19),
            hypertension=rng.uniform(0.012, 0.025),
            diabetes=rng.uniform(0.003, 0.007),
            insured=rng.uniform(0.84, 0.94),
            insured_gain=rng.uniform(0.0, 0.015),
            managed=rng.uniform(0.6, 0.85),
            managed_gain=rng.uniform(0.01, 0.06),
            e_book=rng.uniform(0.05, 0.35),
            e_book_gain=rng.uniform(0.04, 0.22),
        )

    # --- data quality ---

    def _quirks(self) -> dict[str, object]:
        """Which stations miss last month, close for repairs, mistype a value or break a rule (never the demo
        station, except for the one broken rule its head should see)."""
        rng = self._rng(self.root_code, "quirks")
        others = [s.code for s in self.stations if s.code != self.station_code and s.closed_on is None]
        in_region = [code for code in others if self.parent[code] == self.region_code]
        missing = set(rng.sample(others, max(1, round(len(others) * MISSING_SHARE)))) if others else set()
        # A station of the demo region that missed the latest locked month: the manager's lock exception.
        excepted = in_region[-1] if in_region else None
        if excepted and self.locked_month == self.last_month:
            missing.add(excepted)
        recent = self.months[-13:-1]
        picks = rng.sample(others, min(len(others), 12))
        repairs = {}
        for code in picks[:2]:
            start = rng.randrange(max(1, len(recent) - 1))
            repairs[code] = {m.code for m in recent[start : start + rng.randint(1, 2)]}
        typos = {(code, rng.choice(recent).code): kind for code, kind in zip(picks[2:6], TYPOS, strict=False)}
        broken = {(code, rng.choice(recent).code): rule for code, rule in zip(picks[6:12], RULES * 2, strict=False)}
        if self.station_code and self.station_code in self.latent:
            broken[(self.station_code, self.last_month.code)] = "KCB_BHYT_LE_TONG"
        return {
            "missing_last": missing,
            "excepted": excepted,
            "repairs": repairs,
            "typos": typos,
            "broken": broken,
        }

    # --- reports ---

    def _operating(self, unit: UnitSpec, period: P.Period) -> bool:
        """Whether the unit worked through the whole period (a station closed mid-year sends no yearly report)."""
        if unit.opened_on and unit.opened_on > period.start:
            return False
        return not (unit.closed_on and unit.closed_on < period.end)

    def _who(self, unit_code: str, period: P.Period) -> tuple[str, str, bool]:
        """(username, channel, through the service): this year's reports of the demo region were typed in the
        form; the rest was imported by the province."""
        if period.year == self.year and self.parent.get(unit_code) == self.region_code:
            return (self.head if unit_code == self.station_code else self.clerk), FORM, True
        return "province_admin", IMPORT, False

    def _monthly(self, unit: UnitSpec, quirks: dict) -> None:
        rng = self._rng(unit.code, "monthly")
        s = self.latent[unit.code]
        for month in self.months:
            # Draw every month's numbers, reported or not, so one gap does not reshuffle the rest.
            entered = month.end + datetime.timedelta(days=rng.randint(1, 10))
            at = _moment(rng, entered)
            cells = self._month_cells(rng, s, month)
            if not self._operating(unit, month):
                continue
            if month == self.last_month and unit.code in quirks["missing_last"]:
                continue
            if month == self.locked_month and unit.code == quirks["excepted"]:
                continue
            if at.date() > self.today:
                continue  # not sent yet: a station reports days after the month ends
            comments: dict[tuple[str, str], str] = {}
            if month.code in quirks["repairs"].get(unit.code, ()):
                for key in (("KCB_LUOT", MALE), ("KCB_LUOT", FEMALE), ("KCB_BHYT", TOTAL), ("DE_TAI_TRAM", TOTAL)):
                    cells[key] = 0
                comments[("KCB_LUOT", MALE)] = comments[("KCB_LUOT", FEMALE)] = REPAIR_COMMENT
            typo = quirks["typos"].get((unit.code, month.code))
            if typo:
                _apply_typo(cells, typo)
            rule = quirks["broken"].get((unit.code, month.code))
            if rule:
                _break_rule(self._rng(unit.code, month.code, rule), cells, rule)
            self._add(MONTHLY, unit.code, month, cells, comments, at)

    def _month_cells(self, rng: random.Random, s: _Station, month: P.Period) -> dict[tuple[str, str], int]:
        t = month.year - self.years[0] + (month.month - 1) / 12  # years since the first
        people = _population(s.unit, month.year)
        season = 1 + 0.12 * math.cos(2 * math.pi * (month.month - 1) / 12)
        # A station's few staff see at most ~150 people a working day, whatever the size of the commune.
        visits = min(people * s.visits * (1 + s.visits_growth) ** t, MAX_VISITS) * season / 12
        women = min(MAX_CELL, _noisy(rng, visits * s.female))
        men = min(MAX_CELL, _noisy(rng, visits * (1 - s.female)))
        insured = min(women + men, _noisy(rng, (women + men) * min(0.97, s.insured_visits + 0.01 * t), 0.02))
        births = _poisson(rng, people * s.birth_rate / 1000 / 12)
        at_station = min(births, _poisson(rng, births * max(0.0, s.at_station * (1 - 0.08 * t))))
        live = max(0, births - _poisson(rng, births * 0.004) + _poisson(rng, births * 0.01))
        boys = min(live, max(0, round(rng.gauss(live * 0.53, math.sqrt(live * 0.25)))))
        vaccinated = _noisy(rng, live * min(1.0, s.vaccinated + s.vaccinated_gain * t), 0.05)
        infant = min(MAX_DEATHS - 1, _poisson(rng, live * s.infant_deaths / 1000))
        under5 = min(MAX_DEATHS, infant + _poisson(rng, live * 3 / 1000))
        return {
            ("KCB_LUOT", MALE): men,
            ("KCB_LUOT", FEMALE): women,
            ("KCB_BHYT", TOTAL): insured,
            ("DE_TAI_TRAM", TOTAL): at_station,
            ("DE_DIA_BAN", TOTAL): births,
            ("SINH_SONG", MALE): boys,
            ("SINH_SONG", FEMALE): live - boys,
            ("TIEM_DU_DUOI1", TOTAL): vaccinated,
            ("TU_VONG_DUOI1", TOTAL): infant,
            ("TU_VONG_DUOI5", TOTAL): under5,
            ("THA_QUAN_LY", TOTAL): min(MAX_CELL, round(people * (s.hypertension + 0.002 * t))),
            ("DTD_QUAN_LY", TOTAL): min(MAX_CELL, round(people * (s.diabetes + 0.0008 * t))),
        }

    def _yearly(self, unit: UnitSpec) -> None:
        rng = self._rng(unit.code, "yearly")
        s = self.latent[unit.code]
        for year in self.years:
            period = P.Period(year)
            t = year - self.years[0]
            people = _population(unit, year)
            e_book = min(1.0, s.e_book + s.e_book_gain * t)
            self.e_book_share[(unit.code, year)] = e_book
            births = people * s.birth_rate / 1000
            cells = {
                ("TRE_DUOI1", TOTAL): _noisy(rng, births * 0.99, 0.02),
                ("DAN_SO_BHYT", TOTAL): round(people * min(0.99, s.insured + s.insured_gain * t)),
                ("DAN_SO_QLSK", TOTAL): round(people * min(0.98, s.managed + s.managed_gain * t)),
                ("DAN_SO_SKDT", TOTAL): round(people * e_book),
            }
            at = _moment(rng, period.end + datetime.timedelta(days=rng.randint(10, 40)))
            if self._operating(unit, period) and at.date() <= self.today:
                self._add(STATION_YEARLY, unit.code, period, cells, {}, at)

    def _beds(self, unit: UnitSpec) -> None:
        rng = self._rng(unit.code, "beds")
        beds = rng.randint(80, 250) if unit.kind == OrgUnitKind.REGIONAL_CENTRE else rng.randint(250, 900)
        for year in self.years:
            period = P.Period(year)
            beds = round(beds * rng.uniform(1.0, 1.06))
            at = _moment(rng, period.end + datetime.timedelta(days=rng.randint(10, 40)))
            if self._operating(unit, period) and at.date() <= self.today:
                self._add(FACILITY_YEARLY, unit.code, period, {("GIUONG_BENH", TOTAL): beds}, {}, at)

    def _add(
        self,
        data_set: str,
        unit: str,
        period: P.Period,
        cells: dict[tuple[str, str], int],
        comments: dict[tuple[str, str], str],
        at: datetime.datetime,
    ) -> None:
        who, source, service = self._who(unit, period)
        self.data.reports.append(
            ReportSpec(
                data_set=data_set,
                orgunit=unit,
                period=period.code,
                cells=tuple((de, coc, value, comments.get((de, coc), "")) for (de, coc), value in cells.items()),
                entered_by=who,
                source=source,
                at=at,
                through_service=service,
            )
        )

    def _lock_exception(self, quirks: dict) -> None:
        self.data.missing_last_month = sorted(quirks["missing_last"])
        code = quirks["excepted"]
        if not code:
            return
        period = self.locked_month
        granted = period.end + datetime.timedelta(days=self.expiry_days + 1)
        if granted > self.today:  # the month is not locked yet (a load early in the year's first weeks)
            return
        self.data.exceptions.append(
            LockExceptionSpec(
                data_set=MONTHLY,
                orgunit=code,
                period=period.code,
                reason=EXCEPTION_REASON.format(period=period.label),
                granted_by=self.manager,
                at=_moment(self._rng(code, "exception"), granted),
            )
        )

    # --- targets ---

    def _province_plan(self) -> PlanSpec:
        """The province's plan to 2025 and 2030: values modelled on published targets (domain-vn.md §2), each
        target's note naming its model; those without one say they are demo values."""
        root = self.root.code
        label = self.root.name.removeprefix("Sở Y tế ")
        plan_1015 = "Kế hoạch 1015/KH-BYT"

        def target(indicator: str, year: int, value: float, note: str, *, below: bool = False) -> TargetSpec:
            return TargetSpec(indicator, root, year, value, below, note)

        targets = (
            target("BS_10000", 2025, 13.5, f"Theo chỉ tiêu năm 2024 của {plan_1015} (13,5); năm 2025 là {DEMO_VALUE}"),
            target("BS_10000", 2030, 15, f"{DEMO_VALUE.capitalize()} (không có nguồn)"),
            target("GB_10000", 2025, 32.5, f"Theo chỉ tiêu năm 2024 của {plan_1015} (32,5); năm 2025 là {DEMO_VALUE}"),
            target("XA_DAT_TCQG", 2025, 80, "Như Kế hoạch 123/KH-UBND của tỉnh Quảng Nam (một ví dụ kế hoạch tỉnh)"),
            target("XA_DAT_TCQG", 2030, 100, "Như Kế hoạch 123/KH-UBND của tỉnh Quảng Nam (một ví dụ kế hoạch tỉnh)"),
            target("TYT_CO_BS", 2030, 100, "Quyết định 281/QĐ-TTg: mỗi trạm y tế có bác sĩ đến năm 2030", below=True),
            target("SKDT_PCT", 2025, 60, f"{DEMO_VALUE.capitalize()} (mốc giữa kỳ, không có nguồn)", below=True),
            target(
                "SKDT_PCT", 2030, 100, "Nghị quyết 262/2025/QH15: 100% người dân có sổ sức khỏe điện tử", below=True
            ),
            target("BHYT_PCT", 2025, 94.1, f"Theo chỉ tiêu năm 2024 của {plan_1015} (94,1%)", below=True),
            target("BHYT_PCT", 2030, 95, f"{DEMO_VALUE.capitalize()} (không có nguồn)", below=True),
            target("TIEM_DU_PCT", 2025, 90, f"Theo {plan_1015}: trên 90% (năm 2024)", below=True),
            target("TIEM_DU_PCT", 2030, 95, "Nghị quyết 72-NQ/TW: tiêm chủng mở rộng trên 95% (năm 2030)", below=True),
            target("QLSK_PCT", 2025, 90, f"Theo chỉ tiêu năm 2024 của {plan_1015} (90%)", below=True),
            target("QLSK_PCT", 2030, 100, "Nghị quyết 262/2025/QH15: quản lý sức khỏe suốt đời (100%)", below=True),
        )
        return PlanSpec(
            code=f"CT25-{root}",
            name=f"Kế hoạch thực hiện Chỉ thị 25-CT/TW của {label}, giai đoạn đến 2025 và 2030",
            orgunit=root,
            document_number="86/KH-UBND",
            issued_by=f"Ủy ban nhân dân {label}",
            issued_on=datetime.date(2024, 4, 12),
            start_year=2024,
            end_year=2030,
            source=(
                "Dữ liệu mẫu: giá trị mô phỏng các chỉ tiêu đã công bố (Kế hoạch 1015/KH-BYT, Kế hoạch 123/KH-UBND "
                "tỉnh Quảng Nam, Quyết định 281/QĐ-TTg, Nghị quyết 72-NQ/TW, Nghị quyết 262/2025/QH15)"
            ),
            notes=(
                "Kế hoạch mẫu của dữ liệu demo, không phải văn bản thật: số hiệu và ngày ban hành là giả lập. Các giá "
                "trị chỉ tiêu là giá trị mẫu mô phỏng chỉ tiêu đã công bố; nguồn được ghi ở từng chỉ tiêu, chỉ tiêu "
                "không có nguồn ghi “giá trị mẫu”. Chưa đối chiếu với văn bản gốc."
            ),
            targets=targets,
        )

    def _region_plan(self) -> PlanSpec:
        """The demo region's plan for this year: every station a doctor and full vaccination coverage, and each
        station's own electronic-health-book target (last year's share plus 15 points, rounded up to 5)."""
        region = next(u for u in self.units if u.code == self.region_code)
        last = self.year - 1
        targets = [
            TargetSpec("TYT_CO_BS", region.code, self.year, 100, True, f"{DEMO_VALUE.capitalize()}: sớm hơn mốc 2030"),
            TargetSpec("TIEM_DU_PCT", region.code, self.year, 95, True, f"{DEMO_VALUE.capitalize()}"),
        ]
        for station in self.stations:
            share = self.e_book_share.get((station.code, last))
            if self.parent[station.code] != region.code or share is None or station.closed_on:
                continue
            targets.append(
                TargetSpec(
                    "SKDT_PCT",
                    station.code,
                    self.year,
                    _round5(share * 100 + 15),
                    False,
                    f"{DEMO_VALUE.capitalize()}: năm {last} cộng 15 điểm phần trăm",
                )
            )
        return PlanSpec(
            code=f"KH{self.year}-{region.code}",
            name=f"Kế hoạch hoạt động năm {self.year} của {region.name}",
            orgunit=region.code,
            document_number="12/KH-TTYT",
            issued_by=region.name,
            issued_on=min(datetime.date(self.year, 1, 20), self.today),
            start_year=self.year,
            end_year=self.year,
            source="Dữ liệu mẫu: kế hoạch giả lập của trung tâm y tế khu vực",
            notes="Kế hoạch mẫu của dữ liệu demo, không phải văn bản thật; mọi chỉ tiêu là giá trị mẫu.",
            targets=tuple(targets),
        )


TYPOS = ("visits", "visits", "hypertension", "deaths")
RULES = ("DE_TRAM_LE_DIA_BAN", "KCB_BHYT_LE_TONG", "TV1_LE_TV5")


def _apply_typo(cells: dict[tuple[str, str], int], kind: str) -> None:
    """A value typed with an extra digit, outside the data element's usual range (shown, not refused)."""
    if kind == "visits":
        cells[("KCB_LUOT", FEMALE)] = max(cells[("KCB_LUOT", FEMALE)], 600) * 10
    elif kind == "hypertension":
        cells[("THA_QUAN_LY", TOTAL)] = max(cells[("THA_QUAN_LY", TOTAL)], 400) * 10
    else:
        cells[("TU_VONG_DUOI1", TOTAL)] = cells[("TU_VONG_DUOI5", TOTAL)] = 6


def _break_rule(rng: random.Random, cells: dict[tuple[str, str], int], rule: str) -> None:
    """Values that break one of the shipped validation rules, as a slip of the keyboard would."""
    if rule == "DE_TRAM_LE_DIA_BAN":
        cells[("DE_TAI_TRAM", TOTAL)] = cells[("DE_DIA_BAN", TOTAL)] + rng.randint(1, 4)
    elif rule == "KCB_BHYT_LE_TONG":
        total = cells[("KCB_LUOT", MALE)] + cells[("KCB_LUOT", FEMALE)]
        cells[("KCB_BHYT", TOTAL)] = total + rng.randint(10, 200)
    else:
        cells[("TU_VONG_DUOI1", TOTAL)] = max(1, cells[("TU_VONG_DUOI1", TOTAL)])
        cells[("TU_VONG_DUOI5", TOTAL)] = 0


# --- writing ---

VALUE_FIELDS = (
    "data_element", "category_option_combo", "orgunit", "period", "value", "comment", "stored_by", "created",
    "last_updated",
)  # fmt: skip
AUDIT_FIELDS = (
    "data_element", "category_option_combo", "orgunit", "period", "action", "previous", "value", "actor",
    "actor_username", "source", "at",
)  # fmt: skip


def insert_indicators(plan: DemoPlan, pks: dict[str, int], *, today: datetime.date) -> dict[str, int]:
    """Plan the routine data and targets (`plan_indicators`) and write them, inside the loader's transaction.

    Imported reports: plain rows (`builder.insert_rows`: COPY or executemany), each value with the "create" row of
    its history as the import service writes it, then the roll-up recomputed from them (`aggregates.rebuild`).
    Typed reports (this year's, in the demo region): through `services.write_values`, which keeps the roll-up
    up to date on write; their entry times are then set to the planned ones. Plans, targets and the lock
    exception: `bulk_create`, no audit entries (the trail starts with the first real change)."""
    from django.db import connection

    from ytcs.accounts.models import User
    from ytcs.core.demo.builder import analyze_tables, bulk_loading, insert_rows
    from ytcs.indicators import aggregates
    from ytcs.indicators.models import (
        AggregateValue,
        CategoryOptionCombo,
        DataElement,
        DataSet,
        DataValue,
        DataValueAudit,
        Indicator,
        LockException,
        Target,
        TargetPlan,
    )
    from ytcs.indicators.services import Entry, write_values

    sets = {ds.code: ds for ds in DataSet.objects.filter(code__in=DATA_SETS_USED)}
    elements = dict(DataElement.objects.filter(code__in=ELEMENTS_USED).values_list("code", "id"))
    combos = dict(CategoryOptionCombo.objects.filter(code__in=(MALE, FEMALE, TOTAL)).values_list("code", "id"))
    indicators = dict(Indicator.objects.filter(code__in=INDICATORS_USED).values_list("code", "id"))
    for what, needed in (
        ("data sets", set(DATA_SETS_USED) - set(sets)),
        ("data elements", ELEMENTS_USED - set(elements)),
        ("option combos", {MALE, FEMALE, TOTAL} - set(combos)),
        ("indicators", INDICATORS_USED - set(indicators)),
    ):
        if needed:
            raise LookupError(f"The indicator catalogue lacks the {what} the demo uses: {', '.join(sorted(needed))}")
    data = plan_indicators(plan, today=today, expiry_days=sets[MONTHLY].expiry_days)
    users = {user.username: user for user in User.objects.filter(username__in={"province_admin", *_users(data)})}
    moment = connection.ops.adapt_datetimefield_value
    imported = [r for r in data.reports if not r.through_service]
    with bulk_loading([DataValue, DataValueAudit]):
        insert_rows(
            DataValue,
            VALUE_FIELDS,
            (
                (elements[de], combos[coc], pks[r.orgunit], r.period, value, comment, r.entered_by, at, at)
                for r, at in ((r, moment(r.at)) for r in imported)
                for de, coc, value, comment in r.cells
            ),
        )
        insert_rows(
            DataValueAudit,
            AUDIT_FIELDS,
            (
                (
                    elements[de], combos[coc], pks[r.orgunit], r.period, "create", None, value,
                    users[r.entered_by].pk, r.entered_by, r.source, at,
                )
                for r, at in ((r, moment(r.at)) for r in imported)
                for de, coc, value, _comment in r.cells
            ),
        )  # fmt: skip
    aggregates.rebuild()
    typed = [r for r in data.reports if r.through_service]
    for username in sorted({r.entered_by for r in typed}):
        entries = [
            Entry(elements[de], combos[coc], pks[r.orgunit], r.period, float(value), comment)
            for r in typed
            if r.entered_by == username
            for de, coc, value, comment in r.cells
        ]
        write_values(user=users[username], entries=entries, source=FORM)
    for r in typed:
        key = {"orgunit_id": pks[r.orgunit], "period": r.period}
        DataValue.objects.filter(**key).update(created=r.at, last_updated=r.at)
        DataValueAudit.objects.filter(**key).update(at=r.at)
    for spec in data.plans:
        target_plan = TargetPlan.objects.bulk_create(
            [
                TargetPlan(
                    orgunit_id=pks[spec.orgunit],
                    code=spec.code,
                    name=spec.name,
                    document_number=spec.document_number,
                    issued_by=spec.issued_by,
                    issued_on=spec.issued_on,
                    start_year=spec.start_year,
                    end_year=spec.end_year,
                    source=spec.source,
                    confirmed=False,
                    notes=spec.notes,
                )
            ]
        )[0]
        Target.objects.bulk_create(
            Target(
                plan=target_plan,
                indicator_id=indicators[t.indicator],
                orgunit_id=pks[t.orgunit],
                year=t.year,
                value=t.value,
                applies_below=t.applies_below,
                note=t.note,
            )
            for t in spec.targets
        )
    LockException.objects.bulk_create(
        LockException(
            data_set=sets[e.data_set],
            orgunit_id=pks[e.orgunit],
            period=e.period,
            reason=e.reason,
            granted_by=users[e.granted_by],
            created=e.at,
        )
        for e in data.exceptions
    )
    analyze_tables([DataValue, DataValueAudit, AggregateValue, TargetPlan, Target])
    return indicator_counts(data)


def _users(data: DemoIndicators) -> set[str]:
    return {r.entered_by for r in data.reports} | {e.granted_by for e in data.exceptions}
