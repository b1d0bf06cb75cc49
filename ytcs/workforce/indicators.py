"""Workforce indicators (chỉ số nhân lực y tế), computed in the database for the viewer's scope on any date.

Who counts where: a person counts at unit U on date D when one of their postings at U covers D
(started_on <= D and (ended_on is null or ended_on >= D)); the registry's services end a posting the day before a
move and on the day of retirement or leaving, so past dates are answered from the posting history, never from the
person's current unit. Titles and certificates are the person's as recorded now (titles are not historised).

Roll-ups (tổng hợp theo cấp): for level N, postings are grouped by the unit's ancestor at that level
(`OrgUnit.level{N}_id`, DHIS2's _orgunitstructure), so every figure of a table is one GROUP BY whatever the number
of people. A level-N row covers the unit's whole subtree. Rows are the units at level N in the viewer's scope (and
under the chosen unit) that operate on D: opened on or before D (or no opening date) and not closed on or before D
(a unit closed on D no longer operates that day). The "total" row covers every such unit, on every page.

A station (trạm y tế) "has" a worker when the person's posting on D is at the station itself or at one of its
satellite points (điểm trạm); private facilities registered under a station are not the station.

Each figure drills down to the postings (people) or stations behind it with the same filters (`indicator_people`,
`indicator_stations`), so a drill-down list always has as many rows as the figure it came from.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.core.dates import add_years
from ytcs.core.querysets import VIEW, subtree_q
from ytcs.orgunits.models import MAX_LEVEL, OrgUnit, OrgUnitKind, Population
from ytcs.workforce.models import Certificate, Competency, Posting, Sex, Staff, Title
from ytcs.workforce.rules import RetirementRule, retirement_rule

PER_POPULATION = 10_000
"""Doctors per 10,000 population."""

RETIREMENT_WINDOW_YEARS = 5
"""The retirement outlook looks this many years ahead of the date (issue: "in the next 5 years")."""

DEFAULT_COMPETENCY = "sieu-am-tong-quat"
"""The competency asked about when none is chosen: general ultrasound (siêu âm tổng quát)."""

DOCTORS_FORMULA_SOURCE = "Thông tư 20/2019/TT-BYT, Phụ lục II"
DOCTORS_FORMULA_CONFIRMED = False
"""domain-vn.md §5: "doctors×10⁴/population" is the usual ratio, NOT checked against Appendix II (UNCONFIRMED)."""

# Age bands of the outlook: (key, label, lowest age or None, age it stops at or None).
AGE_BANDS: tuple[tuple[str, Any, int | None, int | None], ...] = (
    ("lt30", _("under 30"), None, 30),
    ("30-39", _("30–39"), 30, 40),
    ("40-49", _("40–49"), 40, 50),
    ("50-54", _("50–54"), 50, 55),
    ("55-59", _("55–59"), 55, 60),
    ("60+", _("60 and over"), 60, None),
)

PEOPLE_FIGURES = ("headcount", "doctors", "retiring", "past-retirement", "age")
STATION_FIGURES = ("stations", "without-doctor", "without-competency")


# ---------------------------------------------------------------------------------------------- arithmetic


def per_10000(numerator: int, denominator: int | None) -> Decimal | None:
    """numerator × 10,000 / denominator to one decimal, halves rounded up (0.25 → 0.3; 2 × 10,000 / 20,700 =
    0.966… → 1.0); exact integer arithmetic, so no binary-float surprise at the boundary. None ("—") when there is
    no population: a unit without a population figure has no ratio, not a ratio of 0."""
    return _ratio_tenths(numerator * PER_POPULATION, denominator)


def percent(numerator: int, denominator: int | None) -> Decimal | None:
    """numerator × 100 / denominator to one decimal, halves rounded up; None when the denominator is 0 or None."""
    return _ratio_tenths(numerator * 100, denominator)


def _ratio_tenths(scaled: int, denominator: int | None) -> Decimal | None:
    if not denominator:
        return None
    tenths = (2 * scaled * 10 + denominator) // (2 * denominator)
    return Decimal(tenths).scaleb(-1)


def working_on_q(on: datetime.date, prefix: str = "") -> Q:
    """Postings covering the date (the first and the last day count)."""
    return Q(**{f"{prefix}started_on__lte": on}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": on})
    )


def operating_on_q(on: datetime.date, prefix: str = "") -> Q:
    """Units operating on the date: opened by then (or no opening date), not yet closed."""
    return (Q(**{f"{prefix}opened_on__isnull": True}) | Q(**{f"{prefix}opened_on__lte": on})) & (
        Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gt": on})
    )


def valid_certificate_q(on: datetime.date, prefix: str = "") -> Q:
    """A certificate valid on the date: issued by then and not expired (expiring that very day still counts)."""
    return Q(**{f"{prefix}issued_on__lte": on}) & (
        Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gte": on})
    )


# ---------------------------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Selection:
    """What a table shows: the viewer, the date, the level of the rows and the unit whose subtree is shown
    (None: the viewer's whole scope)."""

    user: Any
    on: datetime.date
    level: int
    root: OrgUnit | None = None

    @property
    def unit_field(self) -> str:
        return f"level{self.level}_id"

    @property
    def posting_field(self) -> str:
        return f"orgunit__level{self.level}_id"

    def units(self) -> QuerySet[OrgUnit]:
        """The row units: at the level, in scope, under the root, operating on the date; in tree order."""
        qs = OrgUnit.objects.restrict(self.user, VIEW).filter(operating_on_q(self.on), level=self.level)
        if self.root is not None:
            qs = qs.filter(subtree_q("path", self.root.path))
        return qs.select_related("parent").order_by("path")

    def postings(self) -> QuerySet[Posting]:
        """Postings covering the date, in the viewer's scope (by the posting's unit) and under the root."""
        qs = Posting.objects.restrict(self.user, VIEW).filter(working_on_q(self.on))
        if self.root is not None:
            qs = qs.filter(subtree_q("orgunit__path", self.root.path))
        return qs.order_by()

    def stations(self) -> QuerySet[OrgUnit]:
        """Commune health stations in scope, under the root, operating on the date."""
        qs = OrgUnit.objects.restrict(self.user, VIEW).filter(operating_on_q(self.on), kind=OrgUnitKind.STATION)
        if self.root is not None:
            qs = qs.filter(subtree_q("path", self.root.path))
        return qs.order_by()

    @cached_property
    def row_unit_ids(self) -> list[int]:
        """Ids of every row unit (one query, kept for the request: totals and drill-downs share it)."""
        return list(self.units().order_by().values_list("pk", flat=True))

    def in_rows(self, field_name: str) -> Q:
        """Rows grouped under one of the row units of the selection.

        An explicit list of ids rather than a subquery: PostgreSQL misjudges "level_id IN (SELECT ...)" as one row
        per unit and then picks nested loops over the people (seconds instead of a fraction of one nationally).
        """
        return Q(**{f"{field_name}__in": self.row_unit_ids})


def _grouped(
    qs: QuerySet, *, field_name: str, row_ids: Sequence[int], **aggregates: Any
) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    """The figures of a table from one GROUP BY over every unit of the level: the groups of the row units, and
    the total row as their sum (every aggregate is a count or a sum, so the total is the sum of the rows).

    Grouping everything, rather than filtering on the units shown, serves the page and its total in one query
    and needs no "IN (units)" filter, which PostgreSQL estimates badly (see `Selection.in_rows`).
    """
    groups = {
        row[field_name]: row
        for row in qs.filter(**{f"{field_name}__isnull": False}).order_by().values(field_name).annotate(**aggregates)
    }
    total = {name: sum(groups[pk][name] or 0 for pk in row_ids if pk in groups) for name in aggregates}
    return groups, total


def _shown(selection: Selection, units: Sequence[OrgUnit] | None) -> tuple[list[OrgUnit], list[int]]:
    """The units whose rows are shown (the given page, or every row unit) and the ids of every row unit."""
    if units is None:
        shown = list(selection.units())
        return shown, [unit.pk for unit in shown]
    return list(units), selection.row_unit_ids


# ---------------------------------------------------------------------------------------------- parameters


def indicator_root(*, user: Any, code: str | None) -> OrgUnit | None:
    """The unit whose subtree a table shows, or None for the whole scope; 404 when unknown or out of scope."""
    if not code:
        return None
    unit = OrgUnit.objects.restrict(user, VIEW).select_related("parent").filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


def indicator_levels(*, user: Any, root: OrgUnit | None = None) -> dict[int, list[str]]:
    """Levels present in the viewer's scope (under the root) with the kinds of unit found at each."""
    qs = OrgUnit.objects.restrict(user, VIEW)
    if root is not None:
        qs = qs.filter(subtree_q("path", root.path))
    levels: dict[int, list[str]] = {}
    for level, kind in qs.order_by().values_list("level", "kind").distinct():
        levels.setdefault(level, []).append(kind)
    return {level: sorted(kinds) for level, kinds in sorted(levels.items())}


def default_level(*, levels: dict[int, list[str]], root: OrgUnit | None = None) -> int:
    """The level just below the top of the selection (regions for a province, stations for a region), unless
    only satellite points or private facilities sit there (a station head then sees the station itself)."""
    if not levels:
        return root.level if root is not None else 1
    top = root.level if root is not None else min(levels)
    below = levels.get(top + 1, [])
    if any(kind not in (OrgUnitKind.SATELLITE, OrgUnitKind.PRIVATE) for kind in below):
        return top + 1
    return top


def valid_level(level: int) -> bool:
    return 1 <= level <= MAX_LEVEL


def competency_choices() -> QuerySet[Competency]:
    """Competencies a table may ask about (the catalogue in use)."""
    return Competency.objects.filter(is_active=True).order_by("name")


def competency_by_code(code: str | None) -> Competency | None:
    """A competency of the catalogue (in use or retired, so past dates still work), or None when unknown."""
    if not code:
        return None
    return Competency.objects.filter(code=code).first()


def title_by_code(code: str | None) -> Title | None:
    return Title.objects.filter(code=code).first() if code else None


def default_competency() -> Competency | None:
    return competency_by_code(DEFAULT_COMPETENCY) or competency_choices().first()


# ---------------------------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class RowUnit:
    """The unit a row is about; the total row has none."""

    unit: OrgUnit | None

    @property
    def code(self) -> str | None:
        return self.unit.code if self.unit is not None else None

    @property
    def name(self) -> str | None:
        return self.unit.name if self.unit is not None else None

    @property
    def level(self) -> int | None:
        return self.unit.level if self.unit is not None else None

    @property
    def is_total(self) -> bool:
        return self.unit is None


@dataclass(frozen=True)
class Table[R]:
    """The rows of the shown units and the total row over every unit of the selection."""

    selection: Selection
    rows: list[R]
    total: R
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- headcount


@dataclass(frozen=True)
class HeadcountRow(RowUnit):
    by_title: dict[int, int]
    titles: tuple[Title, ...]

    @property
    def total_count(self) -> int:
        return sum(self.by_title.values())

    @property
    def cells(self) -> list[tuple[Title, int]]:
        return [(title, self.by_title.get(title.pk, 0)) for title in self.titles]


def headcount_by_title(*, selection: Selection, units: Sequence[OrgUnit] | None = None) -> Table[HeadcountRow]:
    """People working on the date per unit and professional title (units × titles, with totals).

    Columns are the titles with at least one person in the selection, in catalogue order. Two queries (three with
    a page of units).
    """
    shown, row_ids = _shown(selection, units)
    field_name = selection.posting_field
    counts: dict[int, dict[int, int]] = {}
    for row in (
        selection.postings()
        .filter(**{f"{field_name}__isnull": False})
        .values(field_name, "staff__title_id")
        .annotate(n=Count("staff", distinct=True))
    ):
        counts.setdefault(row[field_name], {})[row["staff__title_id"]] = row["n"]
    totals: dict[int, int] = {}
    for pk in row_ids:
        for title_id, n in counts.get(pk, {}).items():
            totals[title_id] = totals.get(title_id, 0) + n
    titles = tuple(Title.objects.filter(pk__in=list(totals)).order_by("sort_order", "name"))
    rows = [HeadcountRow(unit=unit, by_title=counts.get(unit.pk, {}), titles=titles) for unit in shown]
    return Table(selection, rows, HeadcountRow(unit=None, by_title=totals, titles=titles), {"titles": titles})


# ---------------------------------------------------------------------------------------------- doctors per 10,000


@dataclass(frozen=True)
class DoctorsRow(RowUnit):
    doctors: int
    population: int | None
    stations: int
    stations_with_population: int

    @property
    def value(self) -> Decimal | None:
        return per_10000(self.doctors, self.population)

    @property
    def stations_missing_population(self) -> int:
        return self.stations - self.stations_with_population


def doctors_per_10000(*, selection: Selection, units: Sequence[OrgUnit] | None = None) -> Table[DoctorsRow]:
    """Doctors per 10,000 population (số bác sĩ/10.000 dân) per unit on the date.

    Numerator: people working on the date under the unit whose title `counts_as_doctor` (the catalogue decides).
    Denominator: the sum of the catchment populations recorded for the year of the date on the stations under
    the unit that operate on the date (for a station, its own figure). Value: `per_10000` (one decimal, halves
    up), None without a population. `stations_missing_population` tells when the denominator lacks stations.
    Formula UNCONFIRMED against Circular 20/2019/TT-BYT Appendix II (domain-vn.md §5). Three queries.
    """
    shown, row_ids = _shown(selection, units)
    doctors, doctors_total = _grouped(
        selection.postings().filter(staff__title__counts_as_doctor=True),
        row_ids=row_ids,
        field_name=selection.posting_field,
        n=Count("staff", distinct=True),
    )
    recorded = Population.objects.restrict(selection.user, VIEW).filter(orgunit=OuterRef("pk"), year=selection.on.year)
    pops, pops_total = _grouped(
        selection.stations().annotate(pop=Subquery(recorded.values("population")[:1])),
        row_ids=row_ids,
        field_name=selection.unit_field,
        population=Sum("pop"),
        stations=Count("pk"),
        with_population=Count("pop"),
    )

    def row(unit: OrgUnit | None, n: dict[str, Any] | None, pop: dict[str, Any] | None) -> DoctorsRow:
        pop = pop or {}
        return DoctorsRow(
            unit=unit,
            doctors=(n or {}).get("n") or 0,
            population=pop.get("population") or None,
            stations=pop.get("stations") or 0,
            stations_with_population=pop.get("with_population") or 0,
        )

    rows = [row(unit, doctors.get(unit.pk), pops.get(unit.pk)) for unit in shown]
    extra = {"source": DOCTORS_FORMULA_SOURCE, "confirmed": DOCTORS_FORMULA_CONFIRMED, "year": selection.on.year}
    return Table(selection, rows, row(None, doctors_total, pops_total), extra)


# ---------------------------------------------------------------------------------------------- stations


def _station_has(selection: Selection, people: Q) -> Q:
    """Stations where someone matching `people` works on the date, at the station itself or at one of its
    satellite points.

    Written as "id IN (stations of such postings)" rather than a correlated EXISTS per station: the database
    builds the set once (PostgreSQL: a hashed subplan) instead of probing the postings of every station, and the
    set comes from the selection's postings, so it is as small as the viewer's scope.
    """
    postings = selection.postings().filter(people)
    at_station = postings.filter(orgunit__kind=OrgUnitKind.STATION).values("orgunit_id")
    at_satellite = postings.filter(orgunit__kind=OrgUnitKind.SATELLITE, orgunit__parent__isnull=False).values(
        "orgunit__parent_id"
    )
    return Q(pk__in=at_station) | Q(pk__in=at_satellite)


def _doctor_q() -> Q:
    return Q(staff__title__counts_as_doctor=True)


def _competency_q(on: datetime.date, competency: Competency) -> Q:
    """People holding a certificate of the competency valid on the date."""
    return Q(staff_id__in=Certificate.objects.filter(valid_certificate_q(on), competency=competency).values("staff_id"))


@dataclass(frozen=True)
class StationsRow(RowUnit):
    stations: int
    without: int

    @property
    def with_count(self) -> int:
        return self.stations - self.without

    @property
    def value(self) -> Decimal | None:
        """Share of stations without, in percent."""
        return percent(self.without, self.stations)

    @property
    def percent_with(self) -> Decimal | None:
        return percent(self.with_count, self.stations)


def _stations_table(
    *, selection: Selection, units: Sequence[OrgUnit] | None, has: Q, extra: dict[str, Any]
) -> Table[StationsRow]:
    shown, row_ids = _shown(selection, units)
    counts, total = _grouped(
        selection.stations(),
        row_ids=row_ids,
        field_name=selection.unit_field,
        stations=Count("pk"),
        without=Count("pk", filter=~has),
    )

    def row(unit: OrgUnit | None, figures: dict[str, Any] | None) -> StationsRow:
        figures = figures or {}
        return StationsRow(unit=unit, stations=figures.get("stations") or 0, without=figures.get("without") or 0)

    return Table(selection, [row(unit, counts.get(unit.pk)) for unit in shown], row(None, total), extra)


def stations_without_doctor(*, selection: Selection, units: Sequence[OrgUnit] | None = None) -> Table[StationsRow]:
    """Stations operating on the date where no doctor (title `counts_as_doctor`) works, at the station or one of
    its satellite points. Directive 25-CT/TW / Decision 281/QĐ-TTg: every station has a doctor by 2030. Two
    queries."""
    return _stations_table(selection=selection, units=units, has=_station_has(selection, _doctor_q()), extra={})


def stations_without_competency(
    *, selection: Selection, competency: Competency, units: Sequence[OrgUnit] | None = None
) -> Table[StationsRow]:
    """Stations operating on the date where nobody working there holds a certificate of the competency valid on
    the date (issued on or before it; no expiry, or expiring on or after it). Two queries."""
    has = _station_has(selection, _competency_q(selection.on, competency))
    return _stations_table(selection=selection, units=units, has=has, extra={"competency": competency})


# ---------------------------------------------------------------------------------------------- retirement


@lru_cache(maxsize=512)
def retirement_cutoff(rule: RetirementRule, *, sex: str, day: datetime.date) -> datetime.date:
    """The latest birth date of a person of `sex` who reaches retirement age on or before `day`.

    A later birth never retires earlier (the age schedule only rises), so "retires by `day`" is exactly
    "born on or before the cutoff", a filter the database applies to any number of people. Binary search over
    birth dates between 80 and 40 years before the day.
    """
    low = day.toordinal() - 80 * 366  # retires by `day`: the schedule never exceeds 70 years
    high = day.toordinal() - 40 * 365  # does not: the schedule never goes below 45 years
    while high - low > 1:
        middle = (low + high) // 2
        retires = rule.retirement_date(sex=sex, birth_date=datetime.date.fromordinal(middle))
        if retires <= day:
            low = middle
        else:
            high = middle
    return datetime.date.fromordinal(low)


@dataclass(frozen=True)
class RetirementWindow:
    """The outlook's window: after the date, up to `RETIREMENT_WINDOW_YEARS` later, by calendar year."""

    on: datetime.date
    rule: RetirementRule

    @property
    def end(self) -> datetime.date:
        return add_years(self.on, RETIREMENT_WINDOW_YEARS)

    @property
    def years(self) -> list[int]:
        return list(range(self.on.year, self.end.year + 1))

    def reached_by(self, day: datetime.date, prefix: str = "staff__") -> Q:
        """People who reach retirement age on or before `day` (by birth date per sex)."""
        return Q(
            **{f"{prefix}sex": Sex.MALE, f"{prefix}birth_date__lte": retirement_cutoff(self.rule, sex="male", day=day)}
        ) | Q(
            **{
                f"{prefix}sex": Sex.FEMALE,
                f"{prefix}birth_date__lte": retirement_cutoff(self.rule, sex="female", day=day),
            }
        )

    def past_q(self, prefix: str = "staff__") -> Q:
        """Already at or past retirement age on the date (still working: extended, or not yet recorded)."""
        return self.reached_by(self.on, prefix)

    def within_q(self, year: int | None = None, prefix: str = "staff__") -> Q:
        """Reaching retirement age after the date and by the window's end (or within one calendar year of it)."""
        start, stop = self.on, self.end
        if year is not None:
            start = max(start, datetime.date(year - 1, 12, 31))
            stop = min(stop, datetime.date(year, 12, 31))
        return self.reached_by(stop, prefix) & ~self.reached_by(start, prefix)


def age_band_q(on: datetime.date, key: str, prefix: str = "staff__") -> Q:
    """People whose age on the date falls in the band (age ≥ k iff born on or before the date k years back)."""
    for band, _label, lowest, stop in AGE_BANDS:
        if band == key:
            q = Q()
            if lowest is not None:
                q &= Q(**{f"{prefix}birth_date__lte": add_years(on, -lowest)})
            if stop is not None:
                q &= Q(**{f"{prefix}birth_date__gt": add_years(on, -stop)})
            return q
    raise KeyError(key)


@dataclass(frozen=True)
class RetirementRow(RowUnit):
    working: int
    past: int
    by_year: tuple[tuple[int, int], ...]
    by_age: tuple[tuple[str, int], ...]

    @property
    def within(self) -> int:
        return sum(n for _year, n in self.by_year)

    @property
    def value(self) -> Decimal | None:
        """Share of the people working on the date who reach retirement age within the window, in percent."""
        return percent(self.within, self.working)


def retirement_outlook(*, selection: Selection, units: Sequence[OrgUnit] | None = None) -> Table[RetirementRow]:
    """Age and retirement outlook of the people working on the date: how many reach retirement age
    (`rules.retirement_rule()`, UNCONFIRMED) in each calendar year of the next five, how many already have, and
    the age bands. Birth-date cutoffs per sex are computed here (a handful of dates) and the people counted in
    the database against them: one query (two with a page of units)."""
    shown, row_ids = _shown(selection, units)
    window = RetirementWindow(on=selection.on, rule=retirement_rule())
    people = Count("staff", distinct=True)
    aggregates: dict[str, Any] = {
        "working": people,
        "past": Count("staff", distinct=True, filter=window.past_q()),
    }
    for year in window.years:
        aggregates[f"y{year}"] = Count("staff", distinct=True, filter=window.within_q(year))
    for key, *_rest in AGE_BANDS:
        aggregates[f"age_{key}"] = Count("staff", distinct=True, filter=age_band_q(selection.on, key))
    counts, total = _grouped(selection.postings(), row_ids=row_ids, field_name=selection.posting_field, **aggregates)

    def row(unit: OrgUnit | None, figures: dict[str, Any] | None) -> RetirementRow:
        figures = figures or {}
        return RetirementRow(
            unit=unit,
            working=figures.get("working") or 0,
            past=figures.get("past") or 0,
            by_year=tuple((year, figures.get(f"y{year}") or 0) for year in window.years),
            by_age=tuple((key, figures.get(f"age_{key}") or 0) for key, *_rest in AGE_BANDS),
        )

    extra = {"window": window, "rule": window.rule, "years": window.years, "age_bands": AGE_BANDS}
    return Table(selection, [row(unit, counts.get(unit.pk)) for unit in shown], row(None, total), extra)


# ---------------------------------------------------------------------------------------------- drill-downs


def indicator_people(
    *,
    selection: Selection,
    figure: str,
    title: str | None = None,
    year: int | None = None,
    band: str | None = None,
) -> QuerySet[Posting]:
    """The postings (people) behind a figure: working on the date under the selection's row units.

    `figure`: "headcount" (optionally one title code), "doctors", "retiring" (optionally one calendar year),
    "past-retirement", "age" (one band key). Each row is the posting covering the date, so the unit shown is
    where the person worked then. Unknown figures or bands raise Http404.
    """
    qs = selection.postings().filter(selection.in_rows(selection.posting_field))
    if figure == "headcount":
        if title:
            qs = qs.filter(staff__title__code=title)
    elif figure == "doctors":
        qs = qs.filter(staff__title__counts_as_doctor=True)
    elif figure in ("retiring", "past-retirement"):
        window = RetirementWindow(on=selection.on, rule=retirement_rule())
        if figure == "past-retirement":
            qs = qs.filter(window.past_q())
        elif year is not None and year not in window.years:
            qs = qs.none()
        else:
            qs = qs.filter(window.within_q(year))
    elif figure == "age":
        try:
            qs = qs.filter(age_band_q(selection.on, band or ""))
        except KeyError:
            raise Http404 from None
    else:
        raise Http404
    # Counts include everyone who worked under the rows on the date; the names listed are only those of people
    # whose record the viewer may open now (someone since moved to another region is counted, not named).
    qs = qs.filter(staff__in=Staff.objects.restrict(selection.user, VIEW).values("pk"))
    return qs.select_related("staff", "staff__title", "staff__orgunit", "orgunit").order_by(
        "orgunit__path", "staff__full_name", "staff_id"
    )


EARLIEST_DATE = datetime.date(1900, 1, 1)


def validate_indicator_date(value: datetime.date) -> None:
    """Dates the figures can be computed for: from 1900 to 50 years ahead (retirement dates stay in range)."""
    latest = add_years(timezone.localdate(), 50)
    if not EARLIEST_DATE <= value <= latest:
        raise ValidationError(
            _("Choose a date between %(first)s and %(last)s.")
            % {"first": EARLIEST_DATE.strftime("%d/%m/%Y"), "last": latest.strftime("%d/%m/%Y")}
        )


def _count_postings(people: QuerySet[Posting]) -> Coalesce:
    """COUNT(*) of a correlated posting subquery (no GROUP BY needed: COUNT is written as a plain function)."""
    count = Subquery(
        people.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1], output_field=IntegerField()
    )
    return Coalesce(count, Value(0))


def _people_at_station(on: datetime.date, people: Q) -> Coalesce | Any:
    """People matching `people` working on the date at the (outer) station plus at its satellite points: two
    correlated counts, each served by an index (postings by unit; units by parent), rather than one OR."""
    postings = Posting.objects.filter(working_on_q(on)).filter(people)
    return _count_postings(postings.filter(orgunit=OuterRef("pk"))) + _count_postings(
        postings.filter(orgunit__parent=OuterRef("pk"), orgunit__kind=OrgUnitKind.SATELLITE)
    )


def indicator_stations(*, selection: Selection, figure: str, competency: Competency | None = None) -> QuerySet[OrgUnit]:
    """The stations behind a figure, each with `working` and `doctors` on the date (station and satellites).

    `figure`: "stations" (all), "without-doctor", "without-competency" (needs `competency`).
    """
    qs = selection.stations().filter(selection.in_rows(selection.unit_field))
    if figure == "without-doctor":
        qs = qs.exclude(_station_has(selection, _doctor_q()))
    elif figure == "without-competency":
        if competency is None:
            raise Http404
        qs = qs.exclude(_station_has(selection, _competency_q(selection.on, competency)))
    elif figure != "stations":
        raise Http404
    return (
        qs.annotate(
            working=_people_at_station(selection.on, Q()),
            doctors=_people_at_station(selection.on, _doctor_q()),
        )
        .select_related("parent")
        .order_by("path")
    )


def retirement_date_of(posting: Posting) -> datetime.date:
    """For display beside one listed person (the lists themselves are filtered in SQL)."""
    return retirement_rule().retirement_date(sex=posting.staff.sex, birth_date=posting.staff.birth_date)


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
