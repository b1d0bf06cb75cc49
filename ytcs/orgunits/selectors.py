"""Reads of the org-unit tree; each starts from the viewer's restriction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.core.querysets import CHANGE, VIEW, in_scope, subtree_q
from ytcs.core.text import search_tokens
from ytcs.orgunits.models import OrgUnit, OrgUnitKind, Population


def orgunit_list(
    *, user: Any, filters: dict[str, Any] | None = None, action: str = VIEW, with_populations: bool = False
) -> QuerySet[OrgUnit]:
    """Units the user may see, filtered as `filter_orgunits` describes."""
    qs = filter_orgunits(OrgUnit.objects.restrict(user, action), filters or {})
    if with_populations:
        qs = qs.prefetch_related(Prefetch("populations", queryset=Population.objects.order_by("-year")))
    return qs.select_related("parent")


def filter_orgunits(qs: QuerySet[OrgUnit], filters: dict[str, Any]) -> QuerySet[OrgUnit]:
    """Filter already restricted units: `q` (code or name, diacritics ignored), `kind`, `parent` (code: its
    children), `within` (code: its subtree, looked up among the same units), `status` (open/closed), `level`."""
    if filters.get("within"):
        root = qs.filter(code=filters["within"]).values_list("path", flat=True).first()
        qs = qs.filter(subtree_q("path", root)) if root else qs.none()
    for token in search_tokens(filters.get("q")):
        qs = qs.filter(search_text__contains=token)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("parent"):
        qs = qs.filter(parent__code=filters["parent"])
    if filters.get("status") in ("open", "closed"):
        qs = qs.filter(closed_on__isnull=filters["status"] == "open")
    if filters.get("level"):
        qs = qs.filter(level=filters["level"])
    return qs


def unit_choices(*, user: Any, keep: OrgUnit | None = None) -> QuerySet[OrgUnit]:
    """Units the user may pick as a reference (e.g. a parent), plus the one already chosen, which stays
    acceptable even when it lies above their scope (a station head saving their own station)."""
    qs = OrgUnit.objects.restrict(user, VIEW)
    if keep is not None:
        qs = qs | OrgUnit.objects.filter(pk=keep.pk)
    return qs


def orgunit_get(*, user: Any, code: str, action: str = VIEW) -> OrgUnit:
    """One unit by code, or 404 when it does not exist or lies outside the user's scope."""
    unit = OrgUnit.objects.restrict(user, action).select_related("parent").filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


def orgunit_get_for_change(*, user: Any, code: str) -> OrgUnit:
    """A unit the user will change: 404 when they cannot see it, 403 when they may only read it."""
    unit = orgunit_get(user=user, code=code)
    if not in_scope(user, unit.path, CHANGE):
        raise PermissionDenied(_("You may view this unit but not change it."))
    return unit


def orgunit_ancestors(*, unit: OrgUnit) -> list[OrgUnit]:
    """The parent chain from the root down to the unit's parent (shown to orient the user)."""
    ids = unit.ancestor_ids
    by_id = OrgUnit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def parent_choices(*, user: Any) -> QuerySet[OrgUnit]:
    """Units under which the user may create or move units (only kinds that can have children)."""
    parent_kinds = [OrgUnitKind.COUNTRY, OrgUnitKind.PROVINCE, OrgUnitKind.REGIONAL_CENTRE, OrgUnitKind.STATION]
    return OrgUnit.objects.restrict(user, "change").filter(kind__in=parent_kinds, closed_on__isnull=True)


def population_list(*, user: Any, units: QuerySet[OrgUnit] | list[OrgUnit], action: str = VIEW) -> QuerySet[Population]:
    """Population figures of the given units that the user may see (or change)."""
    return Population.objects.restrict(user, action).filter(orgunit__in=units).select_related("orgunit")


def population_by_year(*, unit: OrgUnit) -> list[dict[str, Any]]:
    """Per year: the unit's own recorded population and the sum over the stations below it."""
    own = {p.year: p for p in unit.populations.all()}
    rolled = dict(
        Population.objects.filter(subtree_q("orgunit__path", unit.path), orgunit__kind=OrgUnitKind.STATION)
        .exclude(orgunit=unit)
        .values("year")
        .annotate(total=Sum("population"))
        .values_list("year", "total")
    )
    years = sorted(set(own) | set(rolled), reverse=True)
    return [{"year": y, "record": own.get(y), "stations_total": rolled.get(y)} for y in years]


@dataclass(frozen=True)
class ScopeSummary:
    units_by_kind: list[tuple[str, str, int]]
    population_year: int | None
    population: int | None
    stations: int
    stations_without_population: int = 0


def scope_summary(*, user: Any, on: datetime.date | None = None) -> ScopeSummary:
    """Home-page figures for the user's scope, computed in the database."""
    on = on or timezone.localdate()
    units = OrgUnit.objects.restrict(user, VIEW).filter(closed_on__isnull=True)
    counts = dict(units.order_by().values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    by_kind = [(kind.value, kind.label, counts[kind.value]) for kind in OrgUnitKind if counts.get(kind.value)]
    # Each station counts with its latest figure up to this year, so one station late with this year's
    # figure does not drop out of the total.
    latest = Population.objects.filter(orgunit=OuterRef("pk"), year__lte=on.year).order_by("-year")
    figures = (
        units.filter(kind=OrgUnitKind.STATION)
        .annotate(
            latest_population=Subquery(latest.values("population")[:1]), latest_year=Subquery(latest.values("year")[:1])
        )
        .aggregate(
            total=Sum("latest_population"),
            year=Max("latest_year"),
            missing=Count("pk", filter=Q(latest_population__isnull=True)),
        )
    )
    return ScopeSummary(
        units_by_kind=by_kind,
        population_year=figures["year"],
        population=figures["total"],
        stations=counts.get(OrgUnitKind.STATION, 0),
        stations_without_population=figures["missing"],
    )
