"""Reads of the equipment inventory, its follow-up lists, the gap against the norms and the catalogue, for the pages
and the API of the equipment area. Every query that reaches a user starts from `.restrict(user, action)` (the
catalogue belongs to no unit: everyone logged in reads it).

Filters shared by the lists: `q` (type name or code, serial number, make; diacritics ignored), `orgunit` (code: the
unit's whole subtree), `condition`, `category`, `type` (type code, in any catalogue version).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Least
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.assets import selectors
from ytcs.assets.models import (
    Condition,
    EquipmentCatalogue,
    EquipmentItem,
    EquipmentMove,
    EquipmentNorm,
    EquipmentType,
)
from ytcs.core.querysets import CHANGE, VIEW, in_scope, subtree_q
from ytcs.core.text import search_tokens
from ytcs.orgunits.models import OrgUnit, OrgUnitKind

DUE_WINDOW_DAYS = 30
"""The maintenance list shows what is overdue and what falls due within this many days."""

OUT_OF_ORDER = (Condition.BROKEN, Condition.UNDER_REPAIR)
FAR_FUTURE = datetime.date(9999, 12, 31)


def _pk(value: Any) -> int | None:
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def _within(qs: QuerySet, code: str | None, field_name: str = "orgunit__path") -> QuerySet:
    """Rows under the unit of `code` (its subtree); none when no unit has that code."""
    if not code:
        return qs
    root = OrgUnit.objects.filter(code__iexact=code.strip()).values_list("path", flat=True).first()
    return qs.filter(subtree_q(field_name, root)) if root else qs.none()


# ---------------------------------------------------------------------------------------------- units


def visible_units(*, user: Any, action: str = VIEW) -> QuerySet[OrgUnit]:
    """Open units the user may see (or change, with action=CHANGE), in tree order."""
    return OrgUnit.objects.restrict(user, action).filter(closed_on__isnull=True).order_by("path")


def unit_options(*, user: Any, limit: int = 500) -> QuerySet:
    """(code, name) of the units offered by the unit pickers (typing any code still works beyond the first ones)."""
    return visible_units(user=user).exclude(kind=OrgUnitKind.SATELLITE).values_list("code", "name")[:limit]


def unit_get(*, user: Any, code: str) -> OrgUnit:
    """A unit by code among those the user sees, or 404."""
    unit = OrgUnit.objects.restrict(user, VIEW).filter(code__iexact=(code or "").strip()).first()
    if unit is None:
        raise Http404
    return unit


def unit_by_pk(*, user: Any, pk: Any) -> OrgUnit:
    """A unit by id among those the user sees, or 404."""
    number = _pk(pk)
    unit = OrgUnit.objects.restrict(user, VIEW).filter(pk=number).first() if number is not None else None
    if unit is None:
        raise Http404
    return unit


def move_target(*, user: Any, unit: OrgUnit) -> OrgUnit:
    """The unit an item moves to: it must be seen (else 404) and changeable (else 403)."""
    if not in_scope(user, unit.path, CHANGE):
        raise PermissionDenied(_("You may not move equipment to this unit."))
    return unit


def default_root(*, user: Any) -> OrgUnit | None:
    """The user's highest unit in scope (the start of the gap table)."""
    return (
        OrgUnit.objects.restrict(user, VIEW)
        .filter(closed_on__isnull=True)
        .exclude(kind=OrgUnitKind.SATELLITE)
        .order_by("level", "path")
        .first()
    )


# ---------------------------------------------------------------------------------------------- catalogue


def current_catalogue() -> EquipmentCatalogue | None:
    return selectors.current_catalogue()


def catalogue_list() -> QuerySet[EquipmentCatalogue]:
    """Every version of the equipment catalogue, current first, with its counts (a shared catalogue)."""
    types = EquipmentType.objects.filter(catalogue=OuterRef("pk")).values("catalogue").annotate(n=Count("pk"))
    norms = EquipmentNorm.objects.filter(catalogue=OuterRef("pk")).values("catalogue").annotate(n=Count("pk"))
    unconfirmed = (
        EquipmentNorm.objects.filter(catalogue=OuterRef("pk"), confirmed=False)
        .values("catalogue")
        .annotate(n=Count("pk"))
    )
    return EquipmentCatalogue.objects.annotate(
        type_count=Coalesce(Subquery(types.values("n"), output_field=IntegerField()), Value(0)),
        norm_count=Coalesce(Subquery(norms.values("n"), output_field=IntegerField()), Value(0)),
        unconfirmed_count=Coalesce(Subquery(unconfirmed.values("n"), output_field=IntegerField()), Value(0)),
    ).order_by("-is_current", "code", "-created")


def catalogue_get(*, pk: Any) -> EquipmentCatalogue:
    number = _pk(pk)
    catalogue = catalogue_list().filter(pk=number).first() if number is not None else None
    if catalogue is None:
        raise Http404
    return catalogue


def catalogue_types(*, catalogue: EquipmentCatalogue) -> QuerySet[EquipmentType]:
    return EquipmentType.objects.filter(catalogue=catalogue).order_by("category", "code")


def catalogue_norms(*, catalogue: EquipmentCatalogue) -> QuerySet[EquipmentNorm]:
    return (
        EquipmentNorm.objects.filter(catalogue=catalogue)
        .select_related("equipment_type")
        .order_by("unit_kind", "equipment_type__category", "equipment_type__code")
    )


def norm_get(*, pk: Any) -> EquipmentNorm:
    number = _pk(pk)
    norm = (
        EquipmentNorm.objects.select_related("catalogue", "equipment_type").filter(pk=number).first()
        if number is not None
        else None
    )
    if norm is None:
        raise Http404
    return norm


def type_list(*, catalogue: EquipmentCatalogue | None = None, filters: dict[str, Any] | None = None) -> QuerySet:
    """Types of a catalogue version (the current one by default): `category`, `q` (name or code)."""
    filters = filters or {}
    catalogue = catalogue or current_catalogue()
    if catalogue is None:
        return EquipmentType.objects.none()
    qs = EquipmentType.objects.filter(catalogue=catalogue).select_related("catalogue")
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    for token in search_tokens(filters.get("q")):
        qs = qs.filter(Q(name__icontains=token) | Q(code__icontains=token))
    return qs.order_by("category", "code")


def all_types() -> QuerySet[EquipmentType]:
    """Types of every catalogue version (one is read by id whatever its version)."""
    return EquipmentType.objects.select_related("catalogue").order_by("catalogue", "category", "code")


def type_choices(*, keep: EquipmentType | None = None) -> QuerySet[EquipmentType]:
    """Types offered when recording an item: the current catalogue's, plus the item's own (an older version's)."""
    catalogue = current_catalogue()
    qs = EquipmentType.objects.filter(catalogue=catalogue) if catalogue else EquipmentType.objects.none()
    if keep is not None:
        qs = qs | EquipmentType.objects.filter(pk=keep.pk)
    return qs.order_by("category", "code")


def current_type_by_code(code: str) -> EquipmentType | None:
    catalogue = current_catalogue()
    if catalogue is None or not code:
        return None
    return EquipmentType.objects.filter(catalogue=catalogue, code=code.strip()).first()


def type_codes() -> list[tuple[str, str]]:
    """(code, name) of the current catalogue's types, for the type filter."""
    return list(type_choices().values_list("code", "name"))


def norm_types() -> list[EquipmentType]:
    """The types of the current catalogue that have a norm, in catalogue order (the gap table's columns)."""
    catalogue = current_catalogue()
    if catalogue is None:
        return []
    return list(
        EquipmentType.objects.filter(catalogue=catalogue, norms__isnull=False).distinct().order_by("category", "code")
    )


# ---------------------------------------------------------------------------------------------- inventory


def item_list(*, user: Any, filters: dict[str, Any] | None = None, action: str = VIEW) -> QuerySet[EquipmentItem]:
    """Items the user sees, filtered as the module says, in tree order."""
    filters = filters or {}
    qs = EquipmentItem.objects.restrict(user, action)
    qs = _within(qs, filters.get("orgunit"))
    for token in search_tokens(filters.get("q")):
        qs = qs.filter(search_text__contains=token)
    if filters.get("condition"):
        conditions = filters["condition"]
        qs = (
            qs.filter(condition__in=conditions)
            if isinstance(conditions, list | tuple)
            else qs.filter(condition=conditions)
        )
    if filters.get("category"):
        qs = qs.filter(equipment_type__category=filters["category"])
    if filters.get("type"):
        qs = qs.filter(equipment_type__code=filters["type"])
    return qs.select_related("orgunit", "equipment_type", "equipment_type__catalogue").order_by(
        "orgunit__path", "equipment_type__code", "id"
    )


def item_get(*, user: Any, pk: Any) -> EquipmentItem:
    """One item, or 404 when unknown or outside the user's scope."""
    number = _pk(pk)
    item = item_list(user=user).filter(pk=number).first() if number is not None else None
    if item is None:
        raise Http404
    return item


def item_get_for_change(*, user: Any, pk: Any) -> EquipmentItem:
    """An item the user will change: 404 when they cannot see it, 403 when they may only read it."""
    item = item_get(user=user, pk=pk)
    if not in_scope(user, item.orgunit.path, CHANGE):
        raise PermissionDenied(_("You may view this item but not change it."))
    return item


def item_moves(*, user: Any, item: EquipmentItem) -> QuerySet[EquipmentMove]:
    """The moves of an item the user sees, latest first (a move from or to a unit out of sight stays listed: the
    item is in sight, and its history is its own)."""
    return (
        EquipmentMove.objects.filter(item=item)
        .select_related("orgunit", "to_unit", "moved_by")
        .order_by("-moved_on", "-id")
    )


def out_of_order(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[EquipmentItem]:
    """Broken items and items under repair (or one of the two with `condition`)."""
    filters = dict(filters or {})
    if filters.get("condition") not in OUT_OF_ORDER:
        filters["condition"] = list(OUT_OF_ORDER)
    return item_list(user=user, filters=filters)


def maintenance_due(
    *,
    user: Any,
    filters: dict[str, Any] | None = None,
    today: datetime.date | None = None,
    days: int = DUE_WINDOW_DAYS,
    overdue_only: bool = False,
) -> QuerySet[EquipmentItem]:
    """Items in use whose maintenance or calibration is past due or due within `days`, soonest first; annotated with
    `next_due` (the earlier of the two dates)."""
    today = today or timezone.localdate()
    limit = today - datetime.timedelta(days=1) if overdue_only else today + datetime.timedelta(days=days)
    due = Q(next_maintenance_on__lte=limit) | Q(next_calibration_on__lte=limit)
    qs = item_list(user=user, filters=filters).exclude(condition=Condition.RETIRED).filter(due)
    return qs.annotate(
        next_due=Least(
            Coalesce("next_maintenance_on", Value(FAR_FUTURE)), Coalesce("next_calibration_on", Value(FAR_FUTURE))
        )
    ).order_by("next_due", "orgunit__path", "id")


# ---------------------------------------------------------------------------------------------- gaps


def _working_count(code: str) -> Coalesce:
    """Items in working order of a type code (any catalogue version) at the outer unit."""
    working = (
        EquipmentItem.objects.filter(orgunit=OuterRef("pk"), condition=Condition.WORKING, equipment_type__code=code)
        .values("orgunit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(working, output_field=IntegerField()), Value(0))


def _current_norms() -> list[EquipmentNorm]:
    catalogue = current_catalogue()
    if catalogue is None:
        return []
    return list(EquipmentNorm.objects.filter(catalogue=catalogue).select_related("equipment_type"))


def gap_levels(*, user: Any, root: OrgUnit) -> list[tuple[int, str]]:
    """Levels under (and at) the root the gap table can show, each labelled with the kinds of unit found there."""
    rows = (
        visible_units(user=user)
        .filter(subtree_q("path", root.path))
        .exclude(kind=OrgUnitKind.SATELLITE)
        .values_list("level", "kind")
        .distinct()
        .order_by("level", "kind")
    )
    labels: dict[int, list[str]] = {}
    names = dict(OrgUnitKind.choices)
    for level, kind in rows:
        labels.setdefault(level, []).append(str(names.get(kind, kind)))
    return [(level, ", ".join(kinds)) for level, kinds in sorted(labels.items())]


def gap_rows(*, user: Any, root: OrgUnit, level: int) -> QuerySet[OrgUnit]:
    """The units of a level under the root (the rows of the gap table), in tree order."""
    return (
        visible_units(user=user)
        .filter(subtree_q("path", root.path), level=level)
        .exclude(kind=OrgUnitKind.SATELLITE)
        .order_by("path")
    )


@dataclass
class GapTable:
    """The gap table: a column per equipment type with a norm, a row per unit of the level, and the root's total."""

    types: list[EquipmentType]
    cells: dict[tuple[int, int], dict[str, int]]
    totals: dict[int, dict[str, int]] = field(default_factory=dict)
    _short: dict[int, int] | None = field(default=None, init=False, repr=False)

    def row(self, unit: OrgUnit) -> list[tuple[EquipmentType, dict[str, int] | None]]:
        return [(t, self.cells.get((unit.pk, t.pk))) for t in self.types]

    def total_row(self) -> list[tuple[EquipmentType, dict[str, int] | None]]:
        return [(t, self.totals.get(t.pk)) for t in self.types]

    def short(self, unit: OrgUnit) -> int:
        # Summed once for every row: a scan of the cells per row is quadratic at the level of regions.
        if self._short is None:
            self._short = {}
            for (unit_id, _type), cell in self.cells.items():
                self._short[unit_id] = self._short.get(unit_id, 0) + cell["short"]
        return self._short.get(unit.pk, 0)


def gap_table(*, user: Any, root: OrgUnit, level: int) -> GapTable:
    """Required and short per unit of `level` under the root and type, from `selectors.equipment_gaps` (two
    grouped queries), with the root's totals."""
    cells = selectors.equipment_gaps(user=user, level=level, root=root)
    totals: dict[int, dict[str, int]] = {}
    for (_unit_id, type_id), figures in cells.items():
        total = totals.setdefault(type_id, {"units": 0, "required": 0, "short": 0})
        for key in total:
            total[key] += figures[key]
    return GapTable(types=norm_types(), cells=cells, totals=totals)


def gap_units(*, user: Any, root: OrgUnit, type_code: str) -> QuerySet[OrgUnit]:
    """The units under the root short of a type against the current norms (of their kind), annotated with
    `required`, `working` and `short`, in tree order: the drill-down of a cell of the gap table. One query."""
    norms = [n for n in _current_norms() if n.equipment_type.code == type_code]
    if not norms:
        return OrgUnit.objects.none()
    required = Case(
        *[When(kind=n.unit_kind, then=Value(n.quantity)) for n in norms], default=Value(0), output_field=IntegerField()
    )
    return (
        visible_units(user=user)
        .filter(subtree_q("path", root.path), kind__in=[n.unit_kind for n in norms])
        .annotate(required=required, working=_working_count(type_code))
        .filter(working__lt=F("required"))
        .annotate(short=F("required") - F("working"))
        .select_related("parent")
        .order_by("path")
    )


def gap_items(*, user: Any, units: list[OrgUnit], type_code: str) -> dict[int, list[EquipmentItem]]:
    """The items of a type the listed units hold (every condition but retired), per unit: one query."""
    items: dict[int, list[EquipmentItem]] = {unit.pk: [] for unit in units}
    qs = (
        EquipmentItem.objects.restrict(user, VIEW)
        .filter(orgunit__in=[u.pk for u in units], equipment_type__code=type_code)
        .exclude(condition=Condition.RETIRED)
        .select_related("equipment_type")
        .order_by("orgunit_id", "id")
    )
    for item in qs:
        items[item.orgunit_id].append(item)
    return items


def units_short(*, user: Any, root: OrgUnit | None = None) -> QuerySet[OrgUnit]:
    """Units (of a kind with norms) short of at least one type of the current norms, in one query."""
    norms = _current_norms()
    if not norms:
        return OrgUnit.objects.none()
    qs = visible_units(user=user).filter(kind__in={n.unit_kind for n in norms})
    if root is not None:
        qs = qs.filter(subtree_q("path", root.path))
    codes = sorted({n.equipment_type.code for n in norms})
    names = {code: f"working_{index}" for index, code in enumerate(codes)}
    qs = qs.annotate(**{names[code]: _working_count(code) for code in codes})
    condition = Q(pk__in=[])
    for norm in norms:
        condition |= Q(kind=norm.unit_kind, **{f"{names[norm.equipment_type.code]}__lt": norm.quantity})
    return qs.filter(condition)


def unit_shortfall(*, unit: OrgUnit) -> list[tuple[EquipmentType, int]]:
    """Per type of the current norms for the unit's kind, how many working items it lacks (the shortfall a proposal
    can ask for): one query for the norms, one for the working items."""
    norms = [n for n in _current_norms() if n.unit_kind == unit.kind]
    if not norms:
        return []
    working = dict(
        EquipmentItem.objects.filter(orgunit=unit, condition=Condition.WORKING)
        .values("equipment_type__code")
        .annotate(n=Count("pk"))
        .values_list("equipment_type__code", "n")
        .order_by()
    )
    short = [(n.equipment_type, n.quantity - working.get(n.equipment_type.code, 0)) for n in norms]
    return sorted(
        [(t, missing) for t, missing in short if missing > 0], key=lambda pair: (pair[0].category, pair[0].code)
    )


# ---------------------------------------------------------------------------------------------- home


def home_counts(*, user: Any, today: datetime.date | None = None) -> dict[str, int]:
    """The equipment tiles of the landing page, in the user's scope."""
    today = today or timezone.localdate()
    return {
        "out_of_order": out_of_order(user=user).count(),
        "overdue": maintenance_due(user=user, today=today, overdue_only=True).count(),
        "due_soon": maintenance_due(user=user, today=today).count(),
        "units_short": units_short(user=user).count(),
        "items": item_list(user=user).exclude(condition=Condition.RETIRED).count(),
    }
