"""Reads of the analysis page, the analytics API and the dashboards (phân tích chỉ số): the indicators and target
plans one may choose, the units around the one shown, and what a request asks for, validated into a `Selection`.

The figures themselves come from the engine (`ytcs.indicators.analytics`); `CellRows` and `OutlookRows` hand them
out a page at a time, computing only the units of the page asked for.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, overload

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.core.querysets import VIEW, ancestor_paths
from ytcs.indicators import analytics, expressions
from ytcs.indicators import periods as P
from ytcs.indicators.models import DataSetElement, Indicator, PeriodType, TargetPlan
from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.workforce import indicators as workforce_indicators

# Units that are not compared with their siblings on a dashboard: a satellite point belongs to its station, a
# private facility is registered under a unit, not part of its network.
NOT_COMPARED = frozenset({OrgUnitKind.SATELLITE, OrgUnitKind.PRIVATE})


# ---------------------------------------------------------------------------------------------- catalogue


def indicator_list(*, include_inactive: bool = False) -> QuerySet[Indicator]:
    """Indicators one may analyse, in display order (the catalogue is the same for everyone)."""
    qs = Indicator.objects.all()
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("sort_order", "code")


def indicator_get(code: str | None) -> Indicator | None:
    """An indicator by code, retired ones included (their history stays readable)."""
    if not code:
        return None
    return Indicator.objects.filter(code=code).first()


def indicators_by_code(codes: Sequence[str]) -> list[Indicator]:
    """The indicators in use among `codes`, in the order given (one query)."""
    found = {i.code: i for i in Indicator.objects.filter(code__in=list(codes), is_active=True)}
    return [found[code] for code in codes if code in found]


def monthly_indicator_codes(indicators: Iterable[Indicator]) -> set[str]:
    """The indicators computable month by month from routine reports: every data element they use is reported
    in a monthly data set (a yearly denominator such as the children under one has no monthly value)."""
    refs: dict[str, set[str]] = {}
    for indicator in indicators:
        numerator, denominator = expressions.parse(indicator.numerator), expressions.parse(indicator.denominator)
        codes = {r.data_element for r in numerator.data_refs + denominator.data_refs}
        if codes:
            refs[indicator.code] = codes
    if not refs:
        return set()
    monthly = set(
        DataSetElement.objects.filter(
            data_set__period_type=PeriodType.MONTHLY,
            data_set__is_active=True,
            data_element__code__in=set().union(*refs.values()),
        ).values_list("data_element__code", flat=True)
    )
    return {code for code, elements in refs.items() if elements <= monthly}


def plan_list(*, user: Any) -> QuerySet[TargetPlan]:
    """Target plans the viewer sees (their units' and those issued above them)."""
    return TargetPlan.objects.restrict(user, VIEW).order_by("-end_year", "code")


def plan_get(*, user: Any, code: str | None) -> TargetPlan | None:
    if not code:
        return None
    return plan_list(user=user).filter(code=code).first()


# ---------------------------------------------------------------------------------------------- units


def unit_get(*, user: Any, code: str | None) -> OrgUnit | None:
    """The unit asked for (its parent loaded), None without a code; 404 when unknown or out of scope."""
    return workforce_indicators.indicator_root(user=user, code=code)


def top_unit(*, user: Any) -> OrgUnit | None:
    """The highest unit of the viewer's scope: the province for its staff, the region for a regional manager,
    the station for its head (the first in tree order when roles sit on several units)."""
    return OrgUnit.objects.restrict(user, VIEW).select_related("parent").order_by("level", "path").first()


def unit_levels(*, user: Any, root: OrgUnit | None) -> dict[int, list[str]]:
    """Levels present under the unit in the viewer's scope, with the kinds of unit at each."""
    return workforce_indicators.indicator_levels(user=user, root=root)


def default_level(*, levels: dict[int, list[str]], root: OrgUnit | None) -> int:
    """One level below the unit (regions for a province, stations for a region), the unit itself for a station."""
    return workforce_indicators.default_level(levels=levels, root=root)


def compared_children(*, user: Any, root: OrgUnit, periods: Sequence[P.Period]) -> list[OrgUnit]:
    """The units one level below `root` that operated in the periods, in scope and in tree order, without
    satellite points and private facilities."""
    units = analytics.row_units(user=user, root=root, level=root.level + 1, periods=periods)
    return [unit for unit in units if unit.kind not in NOT_COMPARED]


def units_around(*, user: Any, unit: OrgUnit) -> list[OrgUnit]:
    """Units to switch a dashboard to: those above `unit` in the viewer's scope, the unit, and the units just
    below it (satellite points and private facilities left out), in tree order."""
    above = list(
        OrgUnit.objects.restrict(user, VIEW).filter(path__in=ancestor_paths(unit.path)).order_by("level", "path")
    )
    below = (
        OrgUnit.objects.restrict(user, VIEW)
        .filter(parent=unit)
        .exclude(kind__in=NOT_COMPARED)
        .filter(closed_on__isnull=True)
        .order_by("path")
    )
    return [*above, unit, *below]


# ---------------------------------------------------------------------------------------------- selection


def recent_years(*, count: int = 5, today: datetime.date | None = None) -> tuple[P.Period, P.Period]:
    """The first and last of the `count` years ending with this one."""
    year = (today or timezone.localdate()).year
    return P.Period(year - count + 1), P.Period(year)


def periods_in_range(
    *, period_type: str, start: P.Period, end: P.Period, today: datetime.date | None = None
) -> tuple[P.Period, ...]:
    """The periods of a type from the beginning of `start` to the end of `end` (either of any type), leaving out
    those that have not begun; ValidationError when none is left or too many."""
    today = today or timezone.localdate()
    if end.end < start.start:
        raise ValidationError({"end": [_("The last period comes before the first.")]})
    found = [p for p in P.between(start.start, end.end, period_type) if p.start <= today]
    if not found:
        raise ValidationError({"end": [_("No period of this type has begun between these two.")]})
    if len(found) > analytics.MAX_PERIODS:
        raise ValidationError(
            {"end": [_("At most %(n)d periods at a time: shorten the range.") % {"n": analytics.MAX_PERIODS}]}
        )
    return tuple(found)


@dataclass(frozen=True)
class Selection:
    """What a table shows: an indicator for the units of `level` under `root` (None: the viewer's top units;
    level None: the root itself) over periods, with the targets of `plan` (None: the most local plan)."""

    indicator: Indicator
    periods: tuple[P.Period, ...]
    root: OrgUnit | None = None
    level: int | None = None
    plan: TargetPlan | None = None

    def query(self, user: Any) -> analytics.Query:
        return analytics.Query(
            user=user, indicator=self.indicator, periods=self.periods, root=self.root, level=self.level, plan=self.plan
        )

    def units(self, user: Any) -> list[OrgUnit]:
        """The row units, in tree order (one query)."""
        return analytics.row_units(user=user, root=self.root, level=self.level, periods=self.periods)


def select(
    *,
    user: Any,
    indicator: str | None,
    periods: str | Sequence[P.Period] | None,
    orgunit: str | None = None,
    level: int | None = None,
    plan: str | None = None,
) -> Selection:
    """The selection a request asks for. An unknown or out-of-scope unit answers 404 (before anything else is
    looked at); every other problem is a ValidationError naming its parameter, all of them at once."""
    root = unit_get(user=user, code=orgunit or None)
    errors: dict[str, list[str]] = {}
    found = indicator_get(indicator)
    if found is None:
        errors["indicator"] = (
            [_("Unknown indicator “%(code)s”.") % {"code": indicator}] if indicator else [_("Choose an indicator.")]
        )
    chosen: tuple[P.Period, ...] = ()
    if isinstance(periods, str) or periods is None:
        try:
            chosen = analytics.parse_periods(periods or "")
        except ValidationError as exc:
            errors["period"] = list(exc.messages)
    else:
        chosen = tuple(periods)
    try:
        analytics.check_level(level, root)
    except ValidationError as exc:
        errors["level"] = list(exc.messages)
    target_plan = plan_get(user=user, code=plan) if plan else None
    if plan and target_plan is None:
        errors["plan"] = [_("Unknown target plan “%(code)s”.") % {"code": plan}]
    if errors:
        raise ValidationError(errors)
    return Selection(indicator=found, periods=chosen, root=root, level=level, plan=target_plan)


# ---------------------------------------------------------------------------------------------- lazy rows


class _LazyRows(Sequence):
    """Rows computed for a slice of the units only (a paginator asks for its length, then one slice)."""

    per_unit = 1

    def __init__(self, units: Sequence[OrgUnit]) -> None:
        self.units = list(units)

    def __len__(self) -> int:
        return len(self.units) * self.per_unit

    def _compute(self, units: list[OrgUnit]) -> list:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list: ...

    def __getitem__(self, index):
        if isinstance(index, int):
            if index < 0:
                index += len(self)
            if not 0 <= index < len(self):
                raise IndexError(index)
            return self[index : index + 1][0]
        start, stop, step = index.indices(len(self))
        if step != 1:
            raise ValueError("only contiguous slices")
        if start >= stop:
            return []
        first, last = start // self.per_unit, (stop - 1) // self.per_unit
        rows = self._compute(self.units[first : last + 1])
        offset = first * self.per_unit
        return rows[start - offset : stop - offset]


class CellRows(_LazyRows):
    """The cells of a table, unit by unit and, within a unit, period by period."""

    def __init__(self, *, query: analytics.Query, units: Sequence[OrgUnit]) -> None:
        super().__init__(units)
        self.query = query
        self.per_unit = len(query.periods)

    def _compute(self, units: list[OrgUnit]) -> list[analytics.Cell]:
        return analytics.compute(self.query, units=units)


class OutlookRows(_LazyRows):
    """The trend and projection of each unit."""

    def __init__(
        self,
        *,
        user: Any,
        indicator: Indicator,
        units: Sequence[OrgUnit],
        year: int,
        root: OrgUnit | None,
        plan: TargetPlan | None,
    ) -> None:
        super().__init__(units)
        self.user, self.indicator, self.year, self.root, self.plan = user, indicator, year, root, plan

    def _compute(self, units: list[OrgUnit]) -> list[analytics.Outlook]:
        return analytics.outlook(
            user=self.user, indicator=self.indicator, units=units, year=self.year, root=self.root, plan=self.plan
        )


UNIT_OPTIONS_MAX = 500


def unit_options(*, user: Any) -> list[tuple[str, str]]:
    """(code, name) of the units a unit picker offers, in tree order (typing any code in scope still works)."""
    units = OrgUnit.objects.restrict(user, VIEW).exclude(kind=OrgUnitKind.SATELLITE).order_by("path")
    return list(units.values_list("code", "name")[:UNIT_OPTIONS_MAX])
