"""What the indicator dashboards show (bảng điều khiển chỉ số), computed live through the analytics engine.

A dashboard is about one unit (the province, a regional centre or a station) and a year. For each key indicator:
- a card: the latest yearly value within the trend window (this year's when there is one, else the last year
  that has one), the target of that year (else the next target), % achieved, the trend (slope of the yearly
  values), the projection to the next target and whether it is at risk (`analytics.outlook`); its chart draws the
  yearly values, the targets and the projection;
- the units just below (regions of the province, stations of a region): their value in the same year against
  their target, as bars, and those whose projection misses their next target, listed as at risk;
- for a station, the monthly values of the year of the indicators reported monthly.

Each indicator costs a fixed number of queries (the engine's per-indicator reads, one targets query, and for a
station the monthly table), whatever the number of units below.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.indicators import analytics
from ytcs.indicators import periods as P
from ytcs.indicators import selectors_analysis as selectors
from ytcs.indicators.models import Indicator, PeriodType, TargetPlan
from ytcs.indicators.targets import TargetInfo, Targets, targets_for
from ytcs.orgunits.models import OrgUnit, OrgUnitKind

KEY_INDICATORS: tuple[str, ...] = (
    "BS_10000",  # doctors per 10,000 population
    "TYT_CO_BS",  # stations with a doctor
    "XA_DAT_TCQG",  # communes meeting the national commune-health criteria
    "TYT_SIEU_AM",  # stations with someone certified for ultrasound
    "TYT_DIEN_TAM_DO",  # ... for ECG
    "BHYT_PCT",  # population with health insurance
    "SKDT_PCT",  # population with an electronic health record
    "TIEM_DU_PCT",  # children under one fully vaccinated
    "DE_TAI_TRAM_PCT",  # deliveries at the station
    "TV_DUOI1",  # infant mortality
)
"""The indicators of the dashboards, in display order (codes of the shipped catalogue; one a province retires or
deletes is left out)."""

HORIZON_YEARS = 10
"""How far past the dashboard's year a trend chart reaches to show the next target and the projection."""


# ---------------------------------------------------------------------------------------------- charts


def chart(
    *,
    kind: str,
    labels: Sequence[str],
    datasets: Sequence[dict[str, Any]],
    indicator: Indicator,
    title: str = "",
) -> dict[str, Any]:
    """A chart as `static/indicators/charts/charts.js` draws it: kind "bar" or "line", one label per point, and
    datasets with a role (value, series, target, projection) that sets their style."""
    return {
        "type": kind,
        "title": title,
        "labels": list(labels),
        "unit": indicator.unit_label,
        "decimals": indicator.decimals,
        "datasets": list(datasets),
    }


def _number(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def dataset(label: str, data: Sequence[Any], role: str = "value") -> dict[str, Any]:
    return {"label": label, "role": role, "data": [_number(v) for v in data]}


MAX_LINES = 8
"""Above this many units, the analysis chart compares the units in one period (bars) rather than drawing a line
per unit."""


def analysis_chart(
    *, indicator: Indicator, units: Sequence[OrgUnit], periods: Sequence[P.Period], cells: Sequence[analytics.Cell]
) -> dict[str, Any] | None:
    """The analysis page's chart: bars by unit for the last period when there is one period or many units, else
    a line per unit over the periods; with one unit, its targets too."""
    if not units or not periods:
        return None
    by_key = {(c.unit.pk, c.period.code): c for c in cells}
    if len(periods) == 1 or len(units) > MAX_LINES:
        period = periods[-1]
        row = [by_key.get((u.pk, period.code)) for u in units]
        targets = [c.target.value if c and c.target else None for c in row]
        sets = [dataset(period.label, [c.value if c else None for c in row])]
        if any(t is not None for t in targets):
            sets.append(dataset(_("Target"), targets, role="target"))
        return chart(
            kind="bar",
            labels=[u.name for u in units],
            datasets=sets,
            indicator=indicator,
            title=_("%(indicator)s by unit, %(period)s") % {"indicator": indicator.name, "period": period.label},
        )
    sets = [
        dataset(u.name, [by_key[(u.pk, p.code)].value if (u.pk, p.code) in by_key else None for p in periods], "series")
        for u in units
    ]
    if len(units) == 1:
        row = [by_key.get((units[0].pk, p.code)) for p in periods]
        targets = [c.target.value if c and c.target else None for c in row]
        if any(t is not None for t in targets):
            sets.append(dataset(_("Target"), targets, role="target"))
    return chart(
        kind="line",
        labels=[p.label for p in periods],
        datasets=sets,
        indicator=indicator,
        title=_("%(indicator)s over the periods") % {"indicator": indicator.name},
    )


# ---------------------------------------------------------------------------------------------- dashboard


def analysis_query(
    *, indicator: Indicator, unit: OrgUnit, level: int, start: P.Period, end: P.Period, period_type: str
) -> str:
    """The query string of the analysis page showing these figures."""
    return urlencode(
        {
            "indicator": indicator.code,
            "orgunit": unit.code,
            "level": level,
            "period_type": period_type,
            "start": start.code,
            "end": end.code,
        }
    )


def latest(outlook: analytics.Outlook) -> tuple[int | None, Decimal | None]:
    """The latest yearly value of the trend window and its year."""
    return outlook.years[-1] if outlook.years else (None, None)


def trend_of(slope: Decimal | None, indicator: Indicator) -> tuple[str, bool | None]:
    """The trend's direction ("up", "down", "flat", "" without one) and whether it is an improvement."""
    if slope is None:
        return "", None
    if slope == 0:
        return "flat", None
    up = slope > 0
    return ("up" if up else "down"), up == indicator.higher_is_better


@dataclass
class Figure:
    """One unit's standing on one indicator."""

    indicator: Indicator
    unit: OrgUnit
    outlook: analytics.Outlook
    value: Decimal | None
    value_year: int | None
    target: TargetInfo | None  # of the value's year, else the next one
    query: str = ""

    @property
    def number_format(self) -> str:
        """floatformat's argument for targets (stored as floats): the indicator's decimals, trailing zeros off."""
        return f"-{self.indicator.decimals}g"

    @property
    def achieved(self) -> Decimal | None:
        return analytics.achieved_percent(
            self.value, self.target.value if self.target else None, self.indicator.higher_is_better
        )

    @property
    def latest_year(self) -> int | None:
        """The year of the latest value of the trend window (the start of the projection)."""
        return latest(self.outlook)[0]

    @property
    def latest_value(self) -> Decimal | None:
        return latest(self.outlook)[1]

    @property
    def next_target(self) -> TargetInfo | None:
        return self.outlook.target

    @property
    def projected(self) -> Decimal | None:
        return self.outlook.projected

    @property
    def at_risk(self) -> bool | None:
        return self.outlook.at_risk

    @property
    def trend(self) -> str:
        return trend_of(self.outlook.slope, self.indicator)[0]

    @property
    def improving(self) -> bool | None:
        return trend_of(self.outlook.slope, self.indicator)[1]


@dataclass
class Card(Figure):
    """A key indicator of the dashboard's unit, with its charts."""

    chart: dict[str, Any] = field(default_factory=dict)
    children_chart: dict[str, Any] | None = None
    children_query: str = ""
    monthly_chart: dict[str, Any] | None = None
    monthly_query: str = ""

    # Element ids of the charts' data (json_script) on the page.
    @property
    def chart_id(self) -> str:
        return f"trend-{self.indicator.code}"

    @property
    def children_chart_id(self) -> str:
        return f"children-{self.indicator.code}"

    @property
    def monthly_chart_id(self) -> str:
        return f"monthly-{self.indicator.code}"


@dataclass
class ChildRow:
    unit: OrgUnit
    figures: list[Figure | None]
    dashboard_query: str = ""


@dataclass
class Dashboard:
    root: OrgUnit
    year: int
    plan: TargetPlan | None
    cards: list[Card]
    child_level: int | None
    children: list[ChildRow]
    at_risk: list[Figure]
    first_year: int = 0

    @property
    def has_monthly(self) -> bool:
        return any(card.monthly_chart for card in self.cards)


def _figure(
    indicator: Indicator, unit: OrgUnit, outlook: analytics.Outlook, targets: Targets, year: int | None = None
) -> Figure:
    value_year, value = latest(outlook)
    if year is not None:  # a sibling compared in the same year as its parent's card
        value_year, value = year, dict(outlook.years).get(year)
    target = (targets.for_year(unit, value_year) if value_year else None) or outlook.target
    return Figure(indicator=indicator, unit=unit, outlook=outlook, value=value, value_year=value_year, target=target)


def _trend_chart(card: Card, targets: Targets, first: int, year: int) -> dict[str, Any]:
    """Yearly values, targets and the projection to the next target, from the first trend year on."""
    last = year
    next_target = card.outlook.target
    if next_target is not None:
        last = max(last, min(next_target.year, year + HORIZON_YEARS))
    years = list(range(first, last + 1))
    values = dict(card.outlook.years)
    sets = [dataset(_("Value"), [values.get(y) for y in years])]
    yearly_targets = [targets.for_year(card.unit, y) for y in years]
    if any(yearly_targets):
        sets.append(dataset(_("Target"), [t.value if t else None for t in yearly_targets], role="target"))
    # The projection: a dashed segment from the latest value to the projected value at the next target's year.
    if (
        card.outlook.projected is not None
        and next_target is not None
        and card.value_year in years
        and next_target.year in years
        and next_target.year != card.value_year
    ):
        projection: list[Any] = [None] * len(years)
        projection[years.index(card.value_year)] = card.value
        projection[years.index(next_target.year)] = card.outlook.projected
        sets.append(dataset(_("Projection"), projection, role="projection"))
    return chart(
        kind="line", labels=[str(y) for y in years], datasets=sets, indicator=card.indicator, title=card.indicator.name
    )


def _children_chart(card: Card, figures: list[Figure]) -> dict[str, Any]:
    sets = [dataset(str(card.value_year or ""), [f.value for f in figures])]
    targets = [f.target.value if f.target and f.target.year == card.value_year else None for f in figures]
    if any(t is not None for t in targets):
        sets.append(dataset(_("Target"), targets, role="target"))
    return chart(
        kind="bar",
        labels=[f.unit.name for f in figures],
        datasets=sets,
        indicator=card.indicator,
        title=_("%(indicator)s by unit, %(year)s") % {"indicator": card.indicator.name, "year": card.value_year or ""},
    )


def _monthly_chart(
    *, user: Any, card: Card, months: tuple[P.Period, ...], plan: TargetPlan | None, cache: analytics.FigureCache
) -> dict[str, Any] | None:
    cells = analytics.compute(
        analytics.Query(user=user, indicator=card.indicator, periods=months, root=card.unit, plan=plan),
        units=[card.unit],
        cache=cache,
    )
    sets = [dataset(_("Value"), [c.value for c in cells])]
    targets = [c.target.value if c.target else None for c in cells]
    if any(t is not None for t in targets):
        sets.append(dataset(_("Target of the year"), targets, role="target"))
    return chart(
        kind="line",
        labels=[p.label for p in months],
        datasets=sets,
        indicator=card.indicator,
        title=_("%(indicator)s by month") % {"indicator": card.indicator.name},
    )


def months_of(year: int, today: datetime.date) -> tuple[P.Period, ...]:
    """The months of `year` that have begun."""
    return tuple(p for p in P.of_type_in(P.Period(year), PeriodType.MONTHLY) if p.start <= today)


def build(*, user: Any, root: OrgUnit, year: int, plan: TargetPlan | None = None) -> Dashboard:
    """The dashboard of `root` for `year` (the trend over the years up to it)."""
    today = timezone.localdate()
    indicators = selectors.indicators_by_code(KEY_INDICATORS)
    first = year - analytics.TREND_YEARS + 1
    years = tuple(P.Period(y) for y in range(first, year + 1))
    children = selectors.compared_children(user=user, root=root, periods=years)
    child_level = children[0].level if children else None
    station = root.kind == OrgUnitKind.STATION
    monthly = selectors.monthly_indicator_codes(indicators) if station else set()
    months = months_of(year, today) if monthly else ()
    cards: list[Card] = []
    cache = analytics.FigureCache()  # "stations", "population"... computed once for every indicator and year
    by_child: dict[int, list[Figure | None]] = {u.pk: [] for u in children}
    at_risk: list[Figure] = []
    for indicator in indicators:
        targets = targets_for(user=user, indicator=indicator, units=[root, *children], plan=plan)
        own = analytics.outlook(
            user=user, indicator=indicator, units=[root], year=year, root=root, plan=plan, cache=cache
        )[0]
        base = _figure(indicator, root, own, targets)
        card = Card(**{f: getattr(base, f) for f in ("indicator", "unit", "outlook", "value", "value_year", "target")})
        span = {"start": P.Period(first), "end": P.Period(year), "period_type": PeriodType.YEARLY}
        card.query = analysis_query(indicator=indicator, unit=root, level=root.level, **span)
        card.chart = _trend_chart(card, targets, first, year)
        if children:
            outlooks = analytics.outlook(
                user=user, indicator=indicator, units=children, year=year, root=root, plan=plan, cache=cache
            )
            compare_year = card.value_year or year
            figures = [_figure(indicator, o.unit, o, targets, year=compare_year) for o in outlooks]
            for figure in figures:
                figure.query = analysis_query(indicator=indicator, unit=figure.unit, level=figure.unit.level, **span)
                by_child[figure.unit.pk].append(figure)
                if figure.at_risk:
                    at_risk.append(figure)
            card.children_chart = _children_chart(card, figures)
            card.children_query = analysis_query(
                indicator=indicator,
                unit=root,
                level=child_level,
                start=P.Period(compare_year),
                end=P.Period(compare_year),
                period_type=PeriodType.YEARLY,
            )
        if indicator.code in monthly and months:
            card.monthly_chart = _monthly_chart(user=user, card=card, months=months, plan=plan, cache=cache)
            card.monthly_query = analysis_query(
                indicator=indicator,
                unit=root,
                level=root.level,
                start=months[0],
                end=months[-1],
                period_type=PeriodType.MONTHLY,
            )
        cards.append(card)
    rows = [
        ChildRow(unit=u, figures=by_child[u.pk], dashboard_query=urlencode({"unit": u.code, "year": year}))
        for u in children
    ]
    return Dashboard(
        root=root,
        year=year,
        plan=plan,
        cards=cards,
        child_level=child_level,
        children=rows,
        at_risk=at_risk,
        first_year=first,
    )
