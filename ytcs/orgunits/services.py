"""Writes to the org-unit tree and catchment populations."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat, Substr
from django.utils.translation import gettext as _

from ytcs.core.audit import audit_context
from ytcs.core.models import AuditEntry
from ytcs.core.querysets import subtree_q
from ytcs.core.services import ensure_can_change, ensure_still_in_scope, save_audited
from ytcs.core.text import fold
from ytcs.orgunits.models import MAX_LEVEL, OrgUnit, Population

EDITABLE_FIELDS = ("code", "name", "kind", "parent", "admin_code", "address", "phone", "opened_on", "closed_on")


def orgunit_search_text(unit: OrgUnit) -> str:
    return fold(" ".join(filter(None, [unit.code, unit.name, unit.admin_code])))


def _ensure_parent_allowed(user: Any, parent: OrgUnit | None) -> None:
    """A unit goes under a parent the user may change; only a superuser places one at the top of the tree."""
    if parent is None and not getattr(user, "is_superuser", False):
        raise ValidationError({"parent": _("Choose the parent unit.")})
    ensure_can_change(user=user, path=parent.path if parent else "/")


def _fresh(unit: OrgUnit | None) -> OrgUnit | None:
    """The unit as stored now: callers may hold a copy from before a move or a closure."""
    return OrgUnit.objects.get(pk=unit.pk) if unit is not None else None


def place_level(units: QuerySet[OrgUnit], *, level: int) -> None:
    """Derive path and ancestor columns of the given units at `level` from their (already placed) parents.

    One UPDATE for the whole level, so bulk loaders call it level by level after inserting (ids exist only then).
    """
    parent = OrgUnit.objects.filter(pk=OuterRef("parent_id"))
    own = Cast("pk", output_field=CharField())
    updates: dict[str, Any] = {
        "path": Concat(
            Subquery(parent.values("path")[:1]) if level > 1 else Value("/"), own, Value("/"), output_field=CharField()
        ),
        f"level{level}_id": F("pk"),
    }
    for above in range(1, level):
        updates[f"level{above}_id"] = Subquery(parent.values(f"level{above}_id")[:1])
    for below in range(level + 1, MAX_LEVEL + 1):
        updates[f"level{below}_id"] = None
    units.filter(level=level).update(**updates)


def _move_history(*, old_path: str, new_path: str, unit: OrgUnit) -> None:
    """History stays visible to whoever can see the object now: re-file the subtree's audit entries
    under the new path (and the entries written before a new unit had its path)."""
    if old_path:
        AuditEntry.objects.filter(subtree_q("scope_path", old_path)).update(
            scope_path=Concat(Value(new_path), Substr("scope_path", len(old_path) + 1))
        )
    else:
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(OrgUnit), object_id=str(unit.pk), scope_path=""
        ).update(scope_path=new_path)


def _place(unit: OrgUnit) -> None:
    """Set path, level and ancestor columns from the parent; a moved unit carries its subtree along."""
    old_path = unit.path
    new_level = unit.parent.level + 1 if unit.parent_id else 1
    if old_path == f"{unit.parent.path if unit.parent_id else '/'}{unit.pk}/":
        return  # same parent: nothing moved
    subtree = OrgUnit.objects.filter(subtree_q("path", old_path)) if old_path else OrgUnit.objects.filter(pk=unit.pk)
    delta = new_level - unit.level if old_path else 0
    if old_path:
        subtree.update(level=F("level") + delta)
    else:
        subtree.update(level=new_level)
    deepest = subtree.aggregate(deepest=Max("level"))["deepest"] or new_level
    if deepest > MAX_LEVEL:
        raise ValidationError({"parent": _("The tree is at most %(max)d levels deep.") % {"max": MAX_LEVEL}})
    ids = list(subtree.values_list("pk", flat=True))
    for level in range(new_level, deepest + 1):
        place_level(OrgUnit.objects.filter(pk__in=ids), level=level)
    placed = OrgUnit.objects.get(pk=unit.pk)
    _move_history(old_path=old_path, new_path=placed.path, unit=placed)
    if old_path:
        # The roll-up of reported data follows the subtree to its new parents.
        from ytcs.indicators.aggregates import on_unit_moved

        on_unit_moved(unit=placed, old_chain=[int(part) for part in old_path.strip("/").split("/")[:-1] if part])
    for name in ("path", "level", *(f"level{n}_id" for n in range(1, MAX_LEVEL + 1))):
        setattr(unit, name, getattr(placed, name))


@transaction.atomic
def orgunit_create(
    *,
    user: Any,
    code: str,
    name: str,
    kind: str,
    parent: OrgUnit | None = None,
    admin_code: str = "",
    address: str = "",
    phone: str = "",
    opened_on: datetime.date | None = None,
    closed_on: datetime.date | None = None,
) -> OrgUnit:
    """Create a unit under a parent the user may change (a root unit only for superusers)."""
    parent = _fresh(parent)
    _ensure_parent_allowed(user, parent)
    unit = OrgUnit(
        code=code.strip(),
        name=name.strip(),
        kind=kind,
        parent=parent,
        admin_code=admin_code.strip(),
        address=address.strip(),
        phone=phone.strip(),
        opened_on=opened_on,
        closed_on=closed_on,
    )
    unit.search_text = orgunit_search_text(unit)
    save_audited(user=user, instance=unit, recheck_scope=False)
    _place(unit)
    ensure_still_in_scope(user=user, instance=unit)
    return unit


@transaction.atomic
def orgunit_update(*, user: Any, unit: OrgUnit, **changes: Any) -> OrgUnit:
    """Edit a unit; moving it under another parent needs change rights on both ends."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    # Check rights on the row as it is now, not on a caller's possibly stale copy (its subtree may have moved).
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    ensure_can_change(user=user, path=unit.path)
    new_parent = changes.pop("parent", unit.parent)
    for field, value in changes.items():
        setattr(unit, field, value.strip() if isinstance(value, str) else value)
    # Only a different parent is a move (a PUT repeats the current one, which may lie above the user's scope).
    if (new_parent.pk if new_parent else None) != unit.parent_id:
        unit.parent = _fresh(new_parent)
        _ensure_parent_allowed(user, unit.parent)
    if unit.closed_on is not None:
        _check_children_closed(unit, unit.closed_on)
    unit.search_text = orgunit_search_text(unit)
    save_audited(user=user, instance=unit, recheck_scope=False)
    _place(unit)
    ensure_still_in_scope(user=user, instance=unit)
    return unit


def _check_children_closed(unit: OrgUnit, on: datetime.date) -> None:
    open_children = unit.children.filter(closed_on__isnull=True) if unit.pk else OrgUnit.objects.none()
    if open_children.exists():
        names = ", ".join(c.code for c in open_children[:5])
        raise ValidationError(
            {"closed_on": _("Close or move its units first (still open: %(names)s).") % {"names": names}}
        )
    later = unit.children.filter(closed_on__gt=on).first() if unit.pk else None
    if later is not None:
        raise ValidationError(
            {
                "closed_on": _("Unit %(code)s under it closes later, on %(date)s.")
                % {"code": later.code, "date": later.closed_on.strftime("%d/%m/%Y")}
            }
        )


@transaction.atomic
def orgunit_close(*, user: Any, unit: OrgUnit, closed_on: datetime.date) -> OrgUnit:
    """Close a unit (ngừng hoạt động) on a date after its opening; its subunits must be closed first."""
    return orgunit_update(user=user, unit=unit, closed_on=closed_on)


@transaction.atomic
def population_set(*, user: Any, unit: OrgUnit, year: int, population: int, source: str = "") -> Population:
    """Record (or correct) the catchment population of a unit for a year."""
    ensure_can_change(user=user, path=unit.path)
    record = Population.objects.filter(orgunit=unit, year=year).first() or Population(orgunit=unit, year=year)
    record.population = population
    record.source = source.strip()
    save_audited(user=user, instance=record, recheck_scope=False)
    return record


@transaction.atomic
def population_delete(*, user: Any, record: Population) -> None:
    """Remove a population figure entered by mistake."""
    ensure_can_change(user=user, path=record.orgunit.path)
    with audit_context(user=user):
        record.delete()
