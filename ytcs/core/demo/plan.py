"""What the demo data set contains, decided in pure Python from a seed (kế hoạch dữ liệu mẫu).

Same scale, seed and factor → the same plan, down to every code, name, date and population figure, because every
random choice is drawn, in a fixed order, from one `random.Random(seed)`. Nothing here touches the database, so
the national plan (≈11,000 units) can be checked in a unit test in milliseconds.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
from dataclasses import dataclass, field

from ytcs.accounts.roles import Role
from ytcs.core.demo import names
from ytcs.core.demo.names import ProvinceName
from ytcs.orgunits.models import OrgUnitKind

SCALES = ("province", "national")
POPULATION_YEARS = (2023, 2024, 2025, 2026)
# Regional centres (trung tâm y tế khu vực) took over from district centres when districts were abolished; a
# centre's opening date is its predecessor's, so that no unit opens before the unit above it (a rule of the tree).
REFORM_DAY = datetime.date(2025, 7, 1)
# Stations of merged communes stopped working as stations the day before.
MERGER_EVE = REFORM_DAY - datetime.timedelta(days=1)
MINISTRY_FOUNDED = datetime.date(1945, 8, 28)


@dataclass(frozen=True)
class Profile:
    """How one province's tree is shaped at a given scale."""

    stations_per_region: int
    satellite_weights: tuple[float, ...]  # chance of 0, 1, 2... satellite points under a station
    hospitals: tuple[int, int]
    provincial_units: tuple[int, int]
    private: tuple[int, int]
    closed_stations: int


PROFILES = {
    # A few dozen satellite points for ~150 stations, a handful of private facilities.
    "province": Profile(15, (0.78, 0.17, 0.05), (2, 3), (2, 3), (5, 8), 2),
    # Nationally ≈6,800 satellite points for ≈3,300 stations, so the tree totals ≈11,000 units.
    "national": Profile(15, (0.10, 0.25, 0.30, 0.20, 0.15), (2, 4), (3, 5), (10, 14), 2),
}


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """One org unit to create; `depth` 1 is a root, and a parent always has a smaller depth."""

    code: str
    name: str
    kind: str
    parent_code: str | None
    depth: int
    admin_code: str = ""
    address: str = ""
    phone: str = ""
    opened_on: datetime.date | None = None
    closed_on: datetime.date | None = None
    populations: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class UserSpec:
    """A demo login; `role` None means a superuser (quản trị hệ thống) without a role assignment."""

    username: str
    full_name: str
    role: str | None
    unit_code: str


@dataclass(frozen=True)
class DemoPlan:
    scale: str
    seed: int
    units: list[UnitSpec]
    users: list[UserSpec]

    def count(self, kind: str) -> int:
        return sum(1 for unit in self.units if unit.kind == kind)


# The demo logins, in the order `demo_logins` prints them, and which unit of the plan each one works at.
DEMO_LOGINS: tuple[tuple[str, str | None, str], ...] = (
    ("admin", None, "root"),
    ("province_admin", Role.PROVINCE_ADMIN, "province"),
    ("province_viewer", Role.PROVINCE_VIEWER, "province"),
    ("region_manager", Role.REGIONAL_MANAGER, "region"),
    ("station_head", Role.STATION_HEAD, "station"),
    ("data_clerk", Role.DATA_CLERK, "region"),
)


def plan_demo(*, scale: str, seed: int, factor: float = 1.0) -> DemoPlan:
    """The whole data set for a scale; `factor` shrinks (or grows) the number of stations, for quick tests."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    rng = random.Random(seed)
    profile = PROFILES[scale]
    units: list[UnitSpec] = []
    if scale == "province":
        province = dataclasses.replace(names.DEMO_PROVINCE, communes=names.DEMO_PROVINCE.communes + rng.randint(-6, 6))
        builders = [_ProvinceBuilder(rng, province, profile, prefix="", parent_code=None, factor=factor)]
    else:
        units.append(_ministry())
        builders = [
            _ProvinceBuilder(rng, province, profile, prefix=f"{number:02d}", parent_code="BYT", factor=factor)
            for number, province in enumerate(names.PROVINCES_2025, start=1)
        ]
    for builder in builders:
        units.extend(builder.build())
    anchors = {"root": units[0].code, **builders[0].anchors}
    users = [
        UserSpec(username, names.person_name(rng), role, anchors[anchor]) for username, role, anchor in DEMO_LOGINS
    ]
    return DemoPlan(scale=scale, seed=seed, units=units, users=users)


def _ministry() -> UnitSpec:
    return UnitSpec(
        code="BYT",
        name="Bộ Y tế",
        kind=OrgUnitKind.COUNTRY,
        parent_code=None,
        depth=1,
        address="Số 138A Giảng Võ, phường Giảng Võ, thành phố Hà Nội",
        opened_on=MINISTRY_FOUNDED,
    )


def _day(rng: random.Random, first_year: int, last_year: int) -> datetime.date:
    start = datetime.date(first_year, 1, 1)
    return start + datetime.timedelta(days=rng.randint(0, (datetime.date(last_year, 12, 31) - start).days))


def _initial_capital(text: str) -> str:
    # str.capitalize() would lower-case the rest: "thôn Cây Đa" must become "Thôn Cây Đa".
    return text[:1].upper() + text[1:]


def split_evenly(rng: random.Random, *, total: int, parts: int) -> list[int]:
    """Share `total` among `parts` unevenly (each within about ±40% of the mean, at least 1)."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [max(1, int(w * scale)) for w in weights]
    index = 0
    while sum(counts) < total:
        counts[index % parts] += 1
        index += 1
    while sum(counts) > total:
        counts[counts.index(max(counts))] -= 1
    return counts


def station_populations(rng: random.Random, *, ward: bool, closed: bool) -> tuple[tuple[int, int], ...]:
    """Catchment population per year: 8,000-80,000 people, growing 0.4-1.5% a year.

    Since the 2025 merger Vietnam's ~101 million people live in 3,321 communes and wards, ~30,000 each (wards
    denser): so the demo's doctors per 10,000 come out near the national figure (MoH target 13.5 for 2024).
    """
    base = rng.triangular(15_000, 80_000, 35_000) if ward else rng.triangular(8_000, 60_000, 22_000)
    growth = rng.uniform(0.004, 0.015)
    years = [y for y in POPULATION_YEARS if not closed or y < MERGER_EVE.year]
    return tuple((year, round(base * (1 + growth) ** (year - POPULATION_YEARS[0]))) for year in years)


@dataclass
class _ProvinceBuilder:
    """Plans one province's subtree; codes carry `prefix` so several provinces can share a tree."""

    rng: random.Random
    province: ProvinceName
    profile: Profile
    prefix: str
    parent_code: str | None
    factor: float
    units: list[UnitSpec] = field(default_factory=list)
    anchors: dict[str, str] = field(default_factory=dict)
    # Where each unit sits ("xã Tân Lập"), so a child's address names its commune.
    localities: dict[str, str] = field(default_factory=dict)
    opened: dict[str, datetime.date] = field(default_factory=dict)
    admin_code: int = 0
    area_code: str = ""
    capital: str = ""

    @property
    def depth(self) -> int:
        return 1 if self.parent_code is None else 2

    @property
    def code(self) -> str:
        return f"SYT{self.prefix}"

    def build(self) -> list[UnitSpec]:
        rng = self.rng
        stations = max(1, round(self.province.communes * self.factor))
        regions = max(1, round(stations / self.profile.stations_per_region))
        place_names = rng.sample(names.PLACE_NAMES, regions + stations)
        self.area_code = f"02{rng.randint(0, 99):02d}"
        self.admin_code = int(self.prefix or "16") * 900
        self.capital = place_names[0]
        self._add_root()
        self._add_provincial_facilities()
        per_region = split_evenly(rng, total=stations, parts=regions)
        closed = self._closed_station_positions(per_region)
        station_names = iter(place_names[regions:])
        for r, count in enumerate(per_region):
            region_code = self._add_region(r, place_names[r])
            for s in range(count):
                self._add_station(region_code, r, s, next(station_names), closed=(r, s) in closed)
        self._add_private_facilities()
        return self.units

    def _add(self, spec: UnitSpec, locality: str) -> str:
        # A unit never opens before the unit above it (OrgUnit.clean checks it): move the date up to the parent's.
        parent = self.opened.get(spec.parent_code or "")
        if parent and spec.opened_on and spec.opened_on < parent:
            spec = dataclasses.replace(spec, opened_on=parent)
        assert not (spec.closed_on and spec.opened_on and spec.closed_on < spec.opened_on), spec.code
        self.units.append(spec)
        self.localities[spec.code] = locality
        if spec.opened_on:
            self.opened[spec.code] = spec.opened_on
        return spec.code

    def _phone(self) -> str:
        return f"{self.area_code} {self.rng.randint(3_000_000, 3_999_999)}"

    def _street(self, locality: str) -> str:
        return f"{names.street_address(self.rng)}, {locality}, {self.province.label}"

    def _add_root(self) -> None:
        locality = f"phường {self.capital}"
        self.anchors["province"] = self._add(
            UnitSpec(
                code=self.code,
                name=f"Sở Y tế {self.province.label}",
                kind=OrgUnitKind.PROVINCE,
                parent_code=self.parent_code,
                depth=self.depth,
                address=self._street(locality),
                phone=self._phone(),
                opened_on=_day(self.rng, 1976, 1992),
            ),
            locality,
        )

    def _add_provincial_facilities(self) -> None:
        rng = self.rng
        hospitals = rng.sample(names.HOSPITAL_NAMES, rng.randint(*self.profile.hospitals) - 1)
        others = rng.sample(names.PROVINCIAL_UNIT_NAMES, rng.randint(*self.profile.provincial_units) - 1)
        for kind, code, titles in (
            (OrgUnitKind.HOSPITAL, "BV", [names.GENERAL_HOSPITAL, *hospitals]),
            (OrgUnitKind.PROVINCIAL_UNIT, "DV", [names.CDC, *others]),
        ):
            for i, title in enumerate(titles, start=1):
                self._add_facility(kind, f"{code}{self.prefix}{i:02d}", title, first_year=self.units[0].opened_on.year)

    def _add_facility(self, kind: str, code: str, title: str, *, first_year: int) -> None:
        locality = f"phường {self.capital}"
        self._add(
            UnitSpec(
                code=code,
                name=f"{title} {self.province.label}",
                kind=kind,
                parent_code=self.code,
                depth=self.depth + 1,
                address=self._street(locality),
                phone=self._phone(),
                opened_on=_day(self.rng, first_year, 2005),
            ),
            locality,
        )

    def _closed_station_positions(self, per_region: list[int]) -> set[tuple[int, int]]:
        # Never the first station of the first region: the station_head demo login works there.
        positions = [(r, s) for r, count in enumerate(per_region) for s in range(count) if (r, s) != (0, 0)]
        return set(self.rng.sample(positions, min(self.profile.closed_stations, len(positions))))

    def _add_region(self, index: int, place: str) -> str:
        locality = f"phường {place}" if index == 0 or self.rng.random() < 0.5 else f"xã {place}"
        code = self._add(
            UnitSpec(
                code=f"TTKV{self.prefix}{index + 1:02d}",
                name=f"Trung tâm Y tế khu vực {place}",
                kind=OrgUnitKind.REGIONAL_CENTRE,
                parent_code=self.code,
                depth=self.depth + 1,
                address=self._street(locality),
                phone=self._phone(),
                opened_on=_day(self.rng, self.units[0].opened_on.year, 1995),
            ),
            locality,
        )
        if index == 0:
            self.anchors["region"] = code
        return code

    def _next_admin_code(self) -> str:
        # Rising, with gaps, inside the province's own block of 900 codes: unique nationally, 5 digits.
        self.admin_code += self.rng.randint(1, 5)
        return f"{self.admin_code:05d}"

    def _add_station(self, region_code: str, region: int, index: int, place: str, *, closed: bool) -> None:
        rng = self.rng
        ward_share = 0.8 if region == 0 else (0.35 if self.province.is_city else 0.12)
        ward = rng.random() < ward_share
        locality = f"{'phường' if ward else 'xã'} {place}"
        hamlet = _initial_capital(names.hamlet_names(rng, zone=self.province.zone, count=1)[0])
        code = self._add(
            UnitSpec(
                code=f"TYT{self.prefix}{region + 1:02d}{index + 1:02d}",
                name=f"Trạm Y tế {locality}",
                kind=OrgUnitKind.STATION,
                parent_code=region_code,
                depth=self.depth + 2,
                admin_code=self._next_admin_code(),
                address=self._street(locality) if ward else f"{hamlet}, {locality}, {self.province.label}",
                phone=self._phone(),
                opened_on=_day(rng, 1976, 2012),
                closed_on=MERGER_EVE if closed else None,
                populations=station_populations(rng, ward=ward, closed=closed),
            ),
            locality,
        )
        if region == 0 and index == 0:
            self.anchors["station"] = code
        if not closed:
            self._add_satellites(code, locality)

    def _add_satellites(self, station_code: str, locality: str) -> None:
        rng = self.rng
        weights = self.profile.satellite_weights
        count = rng.choices(range(len(weights)), weights=weights)[0]
        for i, hamlet in enumerate(names.hamlet_names(rng, zone=self.province.zone, count=count), start=1):
            self._add(
                UnitSpec(
                    code=f"DT{station_code.removeprefix('TYT')}{i:02d}",
                    name=f"Điểm trạm {hamlet}",
                    kind=OrgUnitKind.SATELLITE,
                    parent_code=station_code,
                    depth=self.depth + 3,
                    address=f"{_initial_capital(hamlet)}, {locality}, {self.province.label}",
                    opened_on=_day(rng, 1995, 2020),
                ),
                locality,
            )

    def _add_private_facilities(self) -> None:
        rng = self.rng
        count = rng.randint(*self.profile.private)
        titles = rng.sample([f"{k} {b}" for k in names.PRIVATE_KINDS for b in names.PRIVATE_BRANDS], count)
        # Registered with the province, a regional centre or a station (product.md §3), mostly a centre.
        parents = [u for u in self.units if u.kind in (OrgUnitKind.REGIONAL_CENTRE, OrgUnitKind.STATION)]
        parents = [u for u in parents if u.closed_on is None]
        root = self.units[0]
        for i, title in enumerate(titles, start=1):
            roll = rng.random()
            parent = root if roll < 0.2 else rng.choice(parents)
            opened = max(_day(rng, 2008, 2024), self.opened.get(parent.code, datetime.date.min))
            # The last one closed down, to show a closed unit outside the commune merger.
            closed_on = min(opened + datetime.timedelta(days=rng.randint(180, 2_000)), max(opened, MERGER_EVE))
            self._add(
                UnitSpec(
                    code=f"TN{self.prefix}{i:03d}",
                    name=title,
                    kind=OrgUnitKind.PRIVATE,
                    parent_code=parent.code,
                    depth=parent.depth + 1,
                    address=self._street(self.localities[parent.code]),
                    phone=f"09{rng.randint(10_000_000, 99_999_999)}",
                    opened_on=opened,
                    closed_on=closed_on if i == count else None,
                ),
                self.localities[parent.code],
            )
