"""Reads of target plans and targets (kế hoạch chỉ tiêu, chỉ tiêu): the plans, their targets, the progress of a
plan's units against them and the units at risk of missing their next target. Each read starts from the viewer's
restriction: a plan is seen by the units of its subtree and by those below it; a target likewise; indicator values
are computed only for units the viewer sees (`analytics` reads the roll-up of exactly those units)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.accounts.roles import APPROVE
from ytcs.core.querysets import VIEW, in_scope, scope_paths, subtree_q
from ytcs.core.subqueries import count_of
from ytcs.core.text import fold
from ytcs.indicators import analytics
from ytcs.indicators import periods as P
from ytcs.indicators.models import Indicator, Target, TargetPlan
from ytcs.indicators.targets import TargetInfo, targets_for
from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.workforce.indicators import default_level, indicator_levels

GRID_MAX_UNITS = 400
"""Rows of one target grid at most: a deeper level is narrowed with "within" (a region's stations)."""

PROGRESS_MAX_UNITS = 300
"""Units of one indicator shown in a plan's progress at most (the plan's unit first)."""


# ---------------------------------------------------------------------------------------------- plans


def plan_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[TargetPlan]:
    """Plans the viewer sees (their units' and those of the units above them), with the number of targets they
    see: `q` (words of the code, name or document number), `year` (plans covering it), `orgunit` (code:
    plans issued for a unit of its subtree)."""
    filters = filters or {}
    qs = TargetPlan.objects.restrict(user, VIEW).select_related("orgunit")
    # Names keep their diacritics in the database: words are matched as typed there, folded in codes.
    for word in (filters.get("q") or "").split():
        folded = fold(word)
        qs = qs.filter(Q(name__icontains=word) | Q(code__icontains=folded) | Q(document_number__icontains=word))
    if filters.get("year"):
        qs = qs.filter(start_year__lte=filters["year"], end_year__gte=filters["year"])
    if filters.get("orgunit"):
        root = OrgUnit.objects.filter(code=filters["orgunit"]).values_list("path", flat=True).first()
        qs = qs.filter(subtree_q("orgunit__path", root)) if root else qs.none()
    visible_targets = Target.objects.restrict(user, VIEW).filter(plan=OuterRef("pk"))
    return qs.annotate(target_count=count_of(visible_targets, "plan")).order_by("-end_year", "orgunit__path", "code")


def plan_get(*, user: Any, code: str) -> TargetPlan:
    """A plan the viewer sees, by code; 404 otherwise."""
    plan = plan_list(user=user).filter(code=code).first()
    if plan is None:
        raise Http404
    return plan


def may_manage(user: Any, plan: TargetPlan) -> bool:
    """Whether the user sets the plan's targets: the approve right on the plan's unit (province administrator,
    regional manager on their region)."""
    return in_scope(user, plan.orgunit.path, APPROVE)


def plan_get_for_manage(*, user: Any, code: str) -> TargetPlan:
    """A plan the user will change: 404 when they cannot see it, 403 when they may only read it."""
    plan = plan_get(user=user, code=code)
    if not may_manage(user, plan):
        raise PermissionDenied(
            _("Only a province administrator or the regional manager of the plan's unit sets its targets.")
        )
    return plan


def plan_choices(*, user: Any) -> QuerySet[TargetPlan]:
    """Plans offered by the pickers of the at-risk list and the report."""
    return TargetPlan.objects.restrict(user, VIEW).select_related("orgunit").order_by("-end_year", "code")


def plan_units(*, user: Any) -> QuerySet[OrgUnit]:
    """Open units a plan may be issued for by the user: where they hold the approve right (satellite points and
    private facilities have no plans)."""
    return (
        OrgUnit.objects.restrict(user, APPROVE)
        .filter(closed_on__isnull=True)
        .exclude(kind__in=[OrgUnitKind.SATELLITE, OrgUnitKind.PRIVATE])
        .order_by("path")
    )


# ---------------------------------------------------------------------------------------------- targets


def plan_targets(*, user: Any, plan: TargetPlan, indicator: Indicator | None = None) -> QuerySet[Target]:
    """The plan's targets the viewer sees, by indicator, unit (tree order) and year."""
    qs = Target.objects.restrict(user, VIEW).filter(plan=plan).select_related("indicator", "orgunit", "plan")
    if indicator is not None:
        qs = qs.filter(indicator=indicator)
    return qs.order_by("indicator__sort_order", "indicator__code", "orgunit__path", "year")


def plan_indicators(*, user: Any, plan: TargetPlan) -> list[Indicator]:
    """Indicators with at least one target of the plan the viewer sees, in catalogue order."""
    ids = Target.objects.restrict(user, VIEW).filter(plan=plan).values("indicator_id")
    return list(Indicator.objects.filter(pk__in=ids).order_by("sort_order", "code"))


def indicator_choices() -> QuerySet[Indicator]:
    """Indicators in use (a shared catalogue)."""
    return Indicator.objects.filter(is_active=True).order_by("sort_order", "code")


def indicator_queryset() -> QuerySet[Indicator]:
    """Every indicator of the catalogue, in use or retired: the API looks codes up among them."""
    return Indicator.objects.all()


def indicator_by_code(code: str | None) -> Indicator | None:
    """An indicator of the catalogue (in use or retired) or None."""
    if not code:
        return None
    return Indicator.objects.filter(code=code).first()


def indicators_by_code() -> dict[str, Indicator]:
    return {i.code: i for i in Indicator.objects.all()}


def units_by_code(*, user: Any, codes: Sequence[str], action: str = VIEW) -> dict[str, OrgUnit]:
    """The units of the given codes that the user may see (or act on)."""
    return {u.code: u for u in OrgUnit.objects.restrict(user, action).filter(code__in=list(set(codes)))}


def unit_get(*, user: Any, code: str) -> OrgUnit:
    unit = OrgUnit.objects.restrict(user, VIEW).select_related("parent").filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


def unit_choices(*, user: Any) -> QuerySet[OrgUnit]:
    """Units a report or a grid may be about: the open units the viewer sees, but satellite points and private
    facilities."""
    return (
        OrgUnit.objects.restrict(user, VIEW)
        .exclude(kind__in=[OrgUnitKind.SATELLITE, OrgUnitKind.PRIVATE])
        .select_related("parent")
        .order_by("path")
    )


@dataclass
class Grid:
    """The values of one indicator in a plan: units (rows) × years of the plan (columns)."""

    plan: TargetPlan
    indicator: Indicator
    level: int
    within: OrgUnit
    units: list[OrgUnit]
    years: list[int]
    targets: dict[tuple[int, int], Target]  # (unit id, year) → target
    truncated: bool = False

    def applies_below(self, unit: OrgUnit) -> bool:
        """A row's "for each unit below" box: ticked when every target of the row has it."""
        own = [t for (uid, _y), t in self.targets.items() if uid == unit.pk]
        return bool(own) and all(t.applies_below for t in own)


def target_grid(
    *, user: Any, plan: TargetPlan, indicator: Indicator, level: int | None = None, within: OrgUnit | None = None
) -> Grid:
    """Rows: the plan's unit (or `within`, a unit under it), the open units of `level` under it, and every unit
    that already has a target of the indicator in the plan there; in tree order, at most GRID_MAX_UNITS."""
    root = within if within is not None and within.path.startswith(plan.orgunit.path) else plan.orgunit
    level = level if level is not None else root.level + 1
    targets = {
        (t.orgunit_id, t.year): t
        for t in Target.objects.restrict(user, VIEW)
        .filter(plan=plan, indicator=indicator)
        .filter(subtree_q("orgunit__path", root.path))
        .select_related("orgunit", "indicator", "plan")
    }
    targeted = {uid for uid, _year in targets}
    units_qs = (
        OrgUnit.objects.restrict(user, VIEW)
        .filter(subtree_q("path", root.path))
        .filter(
            Q(pk=root.pk)
            | Q(pk__in=targeted)
            | (Q(level=level, closed_on__isnull=True) & ~Q(kind__in=[OrgUnitKind.SATELLITE, OrgUnitKind.PRIVATE]))
        )
        .order_by("path")
    )
    units = list(units_qs[: GRID_MAX_UNITS + 1])
    truncated = len(units) > GRID_MAX_UNITS
    return Grid(
        plan=plan,
        indicator=indicator,
        level=level,
        within=root,
        units=units[:GRID_MAX_UNITS],
        years=list(range(plan.start_year, plan.end_year + 1)),
        targets=targets,
        truncated=truncated,
    )


def grid_levels(*, user: Any, plan: TargetPlan) -> list[int]:
    """Levels under the plan's unit that the grid may show."""
    return sorted(indicator_levels(user=user, root=plan.orgunit))


# ---------------------------------------------------------------------------------------------- progress


def default_year(plan: TargetPlan | None = None, today: datetime.date | None = None) -> int:
    """The year progress is measured at: this year, or the plan's last year once it has ended."""
    year = (today or timezone.localdate()).year
    return min(year, plan.end_year) if plan is not None else year


@dataclass
class ProgressRow:
    """A unit's standing on one indicator of a plan: its latest yearly value, the target it is compared with (that
    year's, else the next one), the next target from the year asked, the trend and the projection to it."""

    unit: OrgUnit
    own: bool  # the unit has targets of its own for the indicator in the plan
    latest_year: int | None = None
    latest_value: Decimal | None = None
    compared: TargetInfo | None = None
    achieved: Decimal | None = None
    next_target: TargetInfo | None = None
    slope: Decimal | None = None
    projected: Decimal | None = None
    at_risk: bool | None = None
    years: list[tuple[int, Decimal]] = field(default_factory=list)
    year_target: TargetInfo | None = None  # the target of the year asked about

    def value_of(self, year: int) -> Decimal | None:
        return dict(self.years).get(year)


@dataclass
class IndicatorProgress:
    indicator: Indicator
    rows: list[ProgressRow]
    more: int = 0  # units left out (beyond PROGRESS_MAX_UNITS)

    @property
    def at_risk_count(self) -> int:
        return sum(1 for row in self.rows if row.at_risk)


def unit_outlook(
    *, user: Any, indicator: Indicator, units: Sequence[OrgUnit], year: int, plan: TargetPlan | None
) -> dict[int, ProgressRow]:
    """Progress rows of units of any levels (the analytics evaluate one level at a time)."""
    by_level: dict[int, list[OrgUnit]] = defaultdict(list)
    for unit in units:
        by_level[unit.level].append(unit)
    out: dict[int, ProgressRow] = {}
    for group in by_level.values():
        outlooks = analytics.outlook(user=user, indicator=indicator, units=group, year=year, plan=plan)
        targets = targets_for(user=user, indicator=indicator, units=group, plan=plan)
        for item in outlooks:
            row = ProgressRow(unit=item.unit, own=False, years=item.years, slope=item.slope)
            row.next_target, row.projected, row.at_risk = item.target, item.projected, item.at_risk
            row.year_target = targets.for_year(item.unit, year)
            if item.years:
                row.latest_year, row.latest_value = item.years[-1]
                row.compared = targets.for_year(item.unit, row.latest_year) or targets.next_from(
                    item.unit, row.latest_year
                )
                row.achieved = analytics.achieved_percent(
                    row.latest_value, row.compared.value if row.compared else None, indicator.higher_is_better
                )
            out[item.unit.pk] = row
    return out


def _scope_tops_under(user: Any, root: OrgUnit) -> list[OrgUnit]:
    """The top units of the viewer's scope that lie under `root` (the viewer below a provincial plan's unit)."""
    paths = scope_paths(user, VIEW)
    if paths is None:
        return [root]
    under = [p for p in paths if p.startswith(root.path)]
    return list(OrgUnit.objects.filter(path__in=under).order_by("path"))


def plan_progress(
    *, user: Any, plan: TargetPlan, year: int, indicator: Indicator | None = None
) -> list[IndicatorProgress]:
    """For each indicator with targets in the plan: the plan's unit (or, for a viewer below it, the top units of
    their scope) and every unit the viewer sees that has targets of its own, with their progress (`ProgressRow`)."""
    targets = Target.objects.restrict(user, VIEW).filter(plan=plan)
    if indicator is not None:
        targets = targets.filter(indicator=indicator)
    own: dict[int, set[int]] = defaultdict(set)
    for indicator_id, unit_id in targets.values_list("indicator_id", "orgunit_id").distinct():
        own[indicator_id].add(unit_id)
    if not own:
        return []
    visible = {
        u.pk: u
        for u in OrgUnit.objects.restrict(user, VIEW).filter(
            pk__in={uid for ids in own.values() for uid in ids} | {plan.orgunit_id}
        )
    }
    heads = [visible[plan.orgunit_id]] if plan.orgunit_id in visible else _scope_tops_under(user, plan.orgunit)
    out = []
    for item in Indicator.objects.filter(pk__in=list(own)).order_by("sort_order", "code"):
        units = {u.pk: u for u in heads}
        for uid in sorted(own[item.pk] & set(visible), key=lambda pk: visible[pk].path):
            units.setdefault(uid, visible[uid])
        chosen = list(units.values())
        more = max(len(chosen) - PROGRESS_MAX_UNITS, 0)
        chosen = chosen[:PROGRESS_MAX_UNITS]
        rows = unit_outlook(user=user, indicator=item, units=chosen, year=year, plan=plan)
        for uid, row in rows.items():
            row.own = uid in own[item.pk]
        out.append(IndicatorProgress(indicator=item, rows=[rows[u.pk] for u in chosen], more=more))
    return out


# ---------------------------------------------------------------------------------------------- at risk


@dataclass(frozen=True)
class AtRiskRow:
    indicator: Indicator
    row: ProgressRow

    @property
    def unit(self) -> OrgUnit:
        return self.row.unit


@dataclass
class AtRisk:
    """Units of one level whose projection misses their next target, for each indicator asked about."""

    plan: TargetPlan | None
    indicators: list[Indicator]
    year: int
    level: int
    root: OrgUnit | None
    rows: list[AtRiskRow]
    checked: int  # units × indicators with a projection and a next target


def at_risk_level(*, user: Any, root: OrgUnit | None) -> tuple[int, list[int]]:
    """The default level of the at-risk list (the one just below the top of the selection) and the levels there."""
    levels = indicator_levels(user=user, root=root)
    return default_level(levels=levels, root=root), sorted(levels)


def at_risk(
    *,
    user: Any,
    year: int,
    plan: TargetPlan | None = None,
    indicator: Indicator | None = None,
    level: int | None = None,
    root: OrgUnit | None = None,
) -> AtRisk:
    """The units at risk: of `level` (default: below the top of the selection) under `root` (default: the plan's
    unit when the viewer sees it, else the viewer's scope) and under the plan's unit, for `indicator` or every
    indicator with targets (in the plan, or any the viewer sees); targets from the plan or, without one, the most
    local plan that has one. Ordered by indicator, then tree order."""
    if root is None and plan is not None and in_scope(user, plan.orgunit.path, VIEW):
        root = plan.orgunit
    if level is None:
        level, _levels = at_risk_level(user=user, root=root)
    analytics.check_level(level, root)
    if indicator is not None:
        indicators = [indicator]
    elif plan is not None:
        indicators = plan_indicators(user=user, plan=plan)
    else:
        ids = Target.objects.restrict(user, VIEW).values("indicator_id")
        indicators = list(Indicator.objects.filter(pk__in=ids).order_by("sort_order", "code"))
    units = analytics.row_units(user=user, root=root, level=level, periods=[P.Period(year)])
    if plan is not None:
        units = [u for u in units if u.path.startswith(plan.orgunit.path)]
    rows: list[AtRiskRow] = []
    checked = 0
    for item in indicators:
        progress = unit_outlook(user=user, indicator=item, units=units, year=year, plan=plan)
        for unit in units:
            row = progress[unit.pk]
            if row.at_risk is not None:
                checked += 1
            if row.at_risk:
                rows.append(AtRiskRow(indicator=item, row=row))
    return AtRisk(plan=plan, indicators=indicators, year=year, level=level, root=root, rows=rows, checked=checked)
