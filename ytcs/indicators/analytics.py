"""Indicator values per unit and period, against targets, with trend and projection (product.md §6).

One call answers a table: the rows are the units of one level under a root (or the root itself) in the viewer's
scope, the columns the periods. Reported data come from the roll-up (`AggregateValue`: one row per data element ×
option combo × unit × period, whatever the number of values below), registry figures from one grouped query per
figure and date (`registry.py`), constants from the catalogue; each expression is then evaluated in Python over
those few numbers. A province × year therefore reads a few rows per data element, not the values of every
station and month.

Rounding: value = numerator × factor / denominator, in decimal arithmetic, to the indicator's decimals with
halves rounded up (1 × 10,000 / 20,700 = 0.483… → 0.5).

Targets (`targets.py`): the target of a unit and year is its own in the chosen plan, else one set "for each unit
below" on the nearest unit above. % achieved is value / target × 100 (target / value × 100 when lower is better).
Trend: the least-squares slope of the yearly values of the last `TREND_YEARS` years that have a value; the
projection carries the latest yearly value along that slope to the year of the next target; a unit is at risk
when the projection misses that target (or, with a single year of data, when the value already misses it).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.core.querysets import VIEW, subtree_q
from ytcs.indicators import expressions, registry
from ytcs.indicators import periods as P
from ytcs.indicators.models import (
    AggregateValue,
    Aggregation,
    CategoryOptionCombo,
    Constant,
    DataElement,
    Indicator,
    TargetPlan,
)
from ytcs.indicators.targets import TargetInfo, targets_for
from ytcs.orgunits.models import MAX_LEVEL, OrgUnit

TREND_YEARS = 5
MAX_PERIODS = 60
MAX_UNITS = 20_000


@dataclass(frozen=True)
class Query:
    """What to compute: an indicator, for units of `level` under `root` (None: the viewer's top units), over
    periods; targets from `plan` (None: the most local plan that has one)."""

    user: Any
    indicator: Indicator
    periods: tuple[P.Period, ...]
    root: OrgUnit | None = None
    level: int | None = None
    plan: TargetPlan | None = None


@dataclass
class Cell:
    unit: OrgUnit
    period: P.Period
    numerator: float | None
    denominator: float | None
    value: Decimal | None
    target: TargetInfo | None = None
    next_target: TargetInfo | None = None

    @property
    def achieved(self) -> Decimal | None:
        """% of the target reached."""
        return achieved_percent(self.value, self.target.value if self.target else None, self.higher_is_better)

    higher_is_better: bool = True


@dataclass
class Outlook:
    """Trend and projection of a unit's yearly values towards its next target."""

    unit: OrgUnit
    years: list[tuple[int, Decimal]] = field(default_factory=list)
    slope: Decimal | None = None
    target: TargetInfo | None = None
    projected: Decimal | None = None
    at_risk: bool | None = None


def round_value(numerator: float | None, denominator: float | None, factor: int, decimals: int) -> Decimal | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    exact = Decimal(repr(numerator)) * factor / Decimal(repr(denominator))
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def achieved_percent(value: Decimal | None, target: float | None, higher_is_better: bool) -> Decimal | None:
    if value is None or target is None:
        return None
    if higher_is_better:
        if target == 0:
            return None
        ratio = value * 100 / Decimal(repr(target))
    else:
        if value == 0:
            return Decimal(100) if target >= 0 else None
        ratio = Decimal(repr(target)) * 100 / value
    return ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------- parameters


def parse_periods(text: str) -> tuple[P.Period, ...]:
    """ "2024;2025" or "2025Q1,2025Q2" → periods; ValidationError naming a bad one."""
    codes = [c for c in (text or "").replace(",", ";").split(";") if c.strip()]
    if not codes:
        raise ValidationError(_("Choose at least one period."))
    if len(codes) > MAX_PERIODS:
        raise ValidationError(_("At most %(n)d periods at a time.") % {"n": MAX_PERIODS})
    out: list[P.Period] = []
    for code in codes:
        period = P.parse(code.strip())
        if period not in out:
            out.append(period)
    return tuple(out)


def resolve_root(*, user: Any, code: str | None) -> OrgUnit | None:
    """The unit asked about, or None for the viewer's scope; 404 when unknown or out of scope."""
    if not code:
        return None
    unit = OrgUnit.objects.restrict(user, VIEW).filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


def check_level(level: int | None, root: OrgUnit | None) -> None:
    if level is None:
        return
    if not 1 <= level <= MAX_LEVEL:
        raise ValidationError(_("The level is between 1 and %(max)d.") % {"max": MAX_LEVEL})
    if root is not None and level < root.level:
        raise ValidationError(
            _("Level %(level)d is above the chosen unit (level %(root)d).") % {"level": level, "root": root.level}
        )


def row_units(*, user: Any, root: OrgUnit | None, level: int | None, periods: Sequence[P.Period]) -> list[OrgUnit]:
    """The row units in tree order: `root` itself without a level; else the units of the level under the root in
    the viewer's scope that operated at some time in the periods."""
    start = min(p.start for p in periods)
    end = max(p.end for p in periods)
    qs = OrgUnit.objects.restrict(user, VIEW).filter(
        Q(opened_on__isnull=True) | Q(opened_on__lte=end), Q(closed_on__isnull=True) | Q(closed_on__gt=start)
    )
    if level is None:
        if root is not None:
            return [root]
        top = qs.order_by("level").values_list("level", flat=True).first()
        if top is None:
            return []
        level = top
    qs = qs.filter(level=level)
    if root is not None:
        qs = qs.filter(subtree_q("path", root.path))
    return list(qs.order_by("path")[:MAX_UNITS])


# ---------------------------------------------------------------------------------------------- evaluation


class FigureCache(dict):
    """Registry figures already computed, shared by the evaluations of one page: (date, level, root id, reference)
    → {unit id: figure} for every unit of the level under the root. Keep one for a request only (the registry
    changes)."""


class Evaluator:
    """Evaluates indicators for a fixed set of units (all of one level) over periods, fetching every input once."""

    def __init__(
        self, *, user: Any, units: Sequence[OrgUnit], root: OrgUnit | None = None, cache: FigureCache | None = None
    ) -> None:
        self.user = user
        self.units = list(units)
        self.root = root
        self.cache = cache if cache is not None else FigureCache()
        self._constants: dict[str, float] | None = None

    def _parsed(self, indicator: Indicator) -> tuple[expressions.Expression, expressions.Expression]:
        return expressions.parse(indicator.numerator), expressions.parse(indicator.denominator)

    def constants(self) -> dict[str, float]:
        if self._constants is None:
            self._constants = dict(Constant.objects.values_list("code", "value"))
        return self._constants

    def data(
        self, refs: Iterable[expressions.DataRef], periods: Sequence[P.Period]
    ) -> dict[tuple[int, str], dict[expressions.DataRef, float]]:
        """(unit id, period code) → value of each data reference, from the roll-up."""
        refs = list(dict.fromkeys(refs))
        out: dict[tuple[int, str], dict[expressions.DataRef, float]] = defaultdict(dict)
        if not refs or not self.units:
            return out
        elements = {
            de.code: de
            for de in DataElement.objects.filter(code__in={r.data_element for r in refs}).only(
                "pk", "code", "aggregation"
            )
        }
        combos = dict(
            CategoryOptionCombo.objects.filter(code__in={r.option_combo for r in refs if r.option_combo}).values_list(
                "code", "pk"
            )
        )
        unit_ids = [u.pk for u in self.units]
        level = self.units[0].level
        qs = AggregateValue.objects.filter(
            period__in=[p.code for p in periods], data_element_id__in=[de.pk for de in elements.values()]
        )
        if len(unit_ids) <= 500:
            qs = qs.filter(orgunit_id__in=unit_ids)
        else:
            qs = qs.restrict(self.user, VIEW).filter(level=level)
            if self.root is not None:
                qs = qs.filter(subtree_q("orgunit__path", self.root.path))
        sums: dict[tuple[int, str, int, int], tuple[float, int]] = {}
        for ou, period, de, coc, s, n in (
            qs.values_list("orgunit_id", "period", "data_element_id", "category_option_combo_id")
            .annotate(s=Sum("value_sum"), n=Sum("value_count"))
            .order_by()
            .values_list("orgunit_id", "period", "data_element_id", "category_option_combo_id", "s", "n")
        ):
            sums[(ou, period, de, coc)] = (s, n)
        by_de: dict[tuple[int, str, int], list[tuple[int, float, int]]] = defaultdict(list)
        for (ou, period, de, coc), (s, n) in sums.items():
            by_de[(ou, period, de)].append((coc, s, n))
        refs_of: dict[int, list[tuple[expressions.DataRef, DataElement, int | None]]] = defaultdict(list)
        for ref in refs:
            de = elements.get(ref.data_element)
            coc_id = combos.get(ref.option_combo) if ref.option_combo else None
            if de is None or (ref.option_combo and coc_id is None):
                continue
            refs_of[de.pk].append((ref, de, coc_id))
        for (ou, period, de_id), cells in by_de.items():
            for ref, de, coc_id in refs_of.get(de_id, ()):
                picked = [(s, n) for c, s, n in cells if coc_id is None or c == coc_id]
                if not picked:
                    continue
                total, count = sum(s for s, _n in picked), sum(n for _s, n in picked)
                if count <= 0:
                    continue
                out[(ou, period)][ref] = total / count if de.aggregation == Aggregation.AVERAGE else total
        return out

    def registry(
        self, refs: Iterable[expressions.RegistryRef], periods: Sequence[P.Period]
    ) -> dict[str, dict[int, dict[expressions.RegistryRef, float | None]]]:
        """period code → unit id → reference → figure, on the date each period stands for."""
        refs = list(dict.fromkeys(refs))
        out: dict[str, dict] = {}
        if not refs or not self.units:
            return {p.code: {} for p in periods}
        today = timezone.localdate()
        level = self.units[0].level
        by_date: dict[datetime.date, dict] = {}
        for period in periods:
            if period.start > today:
                out[period.code] = {}
                continue
            on = registry.as_of(period.end, today)
            if on not in by_date:
                by_date[on] = self._figures_on(on, level, refs)
            out[period.code] = by_date[on]
        return out

    def _figures_on(
        self, on: datetime.date, level: int, refs: Sequence[expressions.RegistryRef]
    ) -> dict[int, dict[expressions.RegistryRef, float | None]]:
        """Figures of every unit on a date; each (date, level, root, figure) is computed once per cache, so a
        dashboard asking for "stations" in four indicators and five years runs each query once."""
        root_key = self.root.pk if self.root is not None else None
        missing = [ref for ref in refs if (on, level, root_key, ref) not in self.cache]
        if missing:
            scope = registry.Scope(user=self.user, level=level, on=on, root=self.root)
            for ref in missing:
                self.cache[(on, level, root_key, ref)] = registry.figures(scope=scope, ref=ref)
        by_unit: dict[int, dict] = defaultdict(dict)
        for ref in refs:
            figures = self.cache[(on, level, root_key, ref)]
            default = 0.0 if ref.key in registry.ZERO_WHEN_ABSENT else None
            for unit in self.units:
                by_unit[unit.pk][ref] = figures.get(unit.pk, default)
        return by_unit

    def cells(self, indicator: Indicator, periods: Sequence[P.Period]) -> dict[tuple[int, str], Cell]:
        numerator, denominator = self._parsed(indicator)
        data = self.data(numerator.data_refs + denominator.data_refs, periods)
        figures = self.registry(numerator.registry_refs + denominator.registry_refs, periods)
        constants = self.constants()
        out: dict[tuple[int, str], Cell] = {}
        for unit in self.units:
            for period in periods:
                values = data.get((unit.pk, period.code), {})
                reg = figures.get(period.code, {}).get(unit.pk, {})
                num = numerator.evaluate(values, constants, reg)
                den = denominator.evaluate(values, constants, reg)
                out[(unit.pk, period.code)] = Cell(
                    unit=unit,
                    period=period,
                    numerator=num,
                    denominator=den,
                    value=round_value(num, den, indicator.factor, indicator.decimals),
                    higher_is_better=indicator.higher_is_better,
                )
        return out


def compute(query: Query, *, units: Sequence[OrgUnit] | None = None, cache: FigureCache | None = None) -> list[Cell]:
    """The table: a cell per row unit and period, with the target of its year and the next target."""
    if units is None:
        units = row_units(user=query.user, root=query.root, level=query.level, periods=query.periods)
    cells = Evaluator(user=query.user, units=units, root=query.root, cache=cache).cells(query.indicator, query.periods)
    targets = targets_for(user=query.user, indicator=query.indicator, units=units, plan=query.plan)
    out = []
    for unit in units:
        for period in query.periods:
            cell = cells[(unit.pk, period.code)]
            cell.target = targets.for_year(unit, period.year)
            cell.next_target = targets.next_from(unit, period.year)
            out.append(cell)
    return out


def _slope(points: Sequence[tuple[int, Decimal]]) -> Decimal | None:
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = Decimal(sum(x for x, _y in points)) / n
    mean_y = sum((y for _x, y in points), Decimal(0)) / n
    sxx = sum((Decimal(x) - mean_x) ** 2 for x, _y in points)
    sxy = sum(((Decimal(x) - mean_x) * (y - mean_y) for x, y in points), Decimal(0))
    return sxy / sxx if sxx else None


def outlook(
    *,
    user: Any,
    indicator: Indicator,
    units: Sequence[OrgUnit],
    year: int,
    root: OrgUnit | None = None,
    plan: TargetPlan | None = None,
    cache: FigureCache | None = None,
) -> list[Outlook]:
    """Trend of the yearly values up to `year` and projection to each unit's next target (from `year` on)."""
    years = [P.Period(y) for y in range(year - TREND_YEARS + 1, year + 1)]
    cells = Evaluator(user=user, units=units, root=root, cache=cache).cells(indicator, years)
    targets = targets_for(user=user, indicator=indicator, units=units, plan=plan)
    out = []
    for unit in units:
        points = [(p.year, cells[(unit.pk, p.code)].value) for p in years if cells[(unit.pk, p.code)].value is not None]
        item = Outlook(unit=unit, years=points, slope=_slope(points), target=targets.next_from(unit, year))
        if points and item.target is not None:
            last_year, last_value = points[-1]
            if item.slope is not None:
                item.projected = (last_value + item.slope * (item.target.year - last_year)).quantize(
                    Decimal(1).scaleb(-indicator.decimals), rounding=ROUND_HALF_UP
                )
            else:
                item.projected = last_value
            goal = Decimal(repr(item.target.value))
            item.at_risk = item.projected < goal if indicator.higher_is_better else item.projected > goal
        out.append(item)
    return out
