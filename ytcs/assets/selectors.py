"""Reads of equipment and stock for a viewer: every query starts from `.restrict(user, VIEW)`.

Stock figures are sums over the ledger or the running balances computed in the database; a "stock-out" is a
medicine the unit has stocked (it has a balance row) whose unexpired balance is now zero; "below minimum" compares
the unexpired balance with the medicine's usual minimum; "expiring" lists batches with stock that expire within
`EXPIRY_WINDOW_DAYS`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ytcs.assets.models import (
    Condition,
    EquipmentCatalogue,
    EquipmentItem,
    EquipmentNorm,
    StockBalance,
    StockEntry,
    StockKind,
)
from ytcs.core.querysets import VIEW, subtree_q
from ytcs.orgunits.models import OrgUnit

EXPIRY_WINDOW_DAYS = 90


def _under(qs: QuerySet, root: OrgUnit | None, field: str = "orgunit__path") -> QuerySet:
    return qs.filter(subtree_q(field, root.path)) if root is not None else qs


# ---------------------------------------------------------------------------------------------- stock


def stock_balances_on(*, user: Any, on: datetime.date, root: OrgUnit | None = None) -> QuerySet:
    """Balance of every unit × medicine on a date (entries dated up to it), one GROUP BY: rows of orgunit_id,
    medicine_id, quantity."""
    entries = _under(StockEntry.objects.restrict(user, VIEW).filter(occurred_on__lte=on), root)
    return entries.values("orgunit_id", "medicine_id").annotate(quantity=Sum("quantity")).order_by()


def _current(user: Any, root: OrgUnit | None, today: datetime.date) -> QuerySet:
    """Unexpired balance per unit × medicine now."""
    balances = _under(StockBalance.objects.restrict(user, VIEW), root)
    return balances.values("orgunit_id", "medicine_id").annotate(
        unexpired=Coalesce(Sum("quantity", filter=Q(expiry_date__gte=today)), Value(0), output_field=IntegerField())
    )


def stock_outs(*, user: Any, root: OrgUnit | None = None, today: datetime.date | None = None) -> QuerySet:
    """Units × medicines they stock whose unexpired balance is zero."""
    today = today or timezone.localdate()
    return _current(user, root, today).filter(unexpired=0).order_by("orgunit_id", "medicine_id")


def below_minimum(*, user: Any, root: OrgUnit | None = None, today: datetime.date | None = None) -> QuerySet:
    """Units × medicines whose unexpired balance is above zero but below the medicine's usual minimum."""
    today = today or timezone.localdate()
    return (
        _current(user, root, today)
        .filter(medicine__minimum_stock__isnull=False, unexpired__gt=0, unexpired__lt=F("medicine__minimum_stock"))
        .order_by("orgunit_id", "medicine_id")
    )


def expiring_batches(
    *, user: Any, root: OrgUnit | None = None, today: datetime.date | None = None, days: int = EXPIRY_WINDOW_DAYS
) -> QuerySet[StockBalance]:
    """Batches in stock that have expired or expire within `days`, soonest first."""
    today = today or timezone.localdate()
    qs = StockBalance.objects.restrict(user, VIEW).filter(
        quantity__gt=0, expiry_date__lte=today + datetime.timedelta(days=days)
    )
    return _under(qs, root).select_related("orgunit", "medicine").order_by("expiry_date", "orgunit__path")


def monthly_consumption(*, user: Any, orgunit: OrgUnit, year: int, month: int) -> QuerySet:
    """The usual monthly report (báo cáo sử dụng thuốc): per medicine of the unit, opening balance, receipts,
    transfers in, issues, transfers out, adjustments and closing balance of the month, from one GROUP BY."""
    start = datetime.date(year, month, 1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    entries = StockEntry.objects.restrict(user, VIEW).filter(orgunit=orgunit, occurred_on__lte=end)
    in_month = Q(occurred_on__gte=start)

    def total(condition: Q) -> Coalesce:
        return Coalesce(Sum("quantity", filter=condition), Value(0), output_field=IntegerField())

    return (
        entries.values(
            "medicine_id",
            "medicine__code",
            "medicine__active_ingredient",
            "medicine__strength",
            "medicine__dosage_form",
            "medicine__unit",
        )
        .annotate(
            opening=total(Q(occurred_on__lt=start)),
            received=total(in_month & Q(kind=StockKind.RECEIPT)),
            transferred_in=total(in_month & Q(kind=StockKind.TRANSFER_IN)),
            issued=total(in_month & Q(kind=StockKind.ISSUE)),
            transferred_out=total(in_month & Q(kind=StockKind.TRANSFER_OUT)),
            adjusted=total(in_month & Q(kind=StockKind.ADJUSTMENT)),
            closing=total(Q()),
        )
        .order_by("medicine__active_ingredient", "medicine__strength")
    )


# ---------------------------------------------------------------------------------------------- equipment


def current_catalogue() -> EquipmentCatalogue | None:
    return EquipmentCatalogue.objects.filter(is_current=True).first()


def equipment_list(*, user: Any, root: OrgUnit | None = None, condition: str | None = None) -> QuerySet[EquipmentItem]:
    qs = _under(EquipmentItem.objects.restrict(user, VIEW), root)
    if condition:
        qs = qs.filter(condition=condition)
    return qs.select_related("orgunit", "equipment_type").order_by("orgunit__path", "equipment_type__code", "id")


def maintenance_overdue(*, user: Any, root: OrgUnit | None = None, today: datetime.date | None = None) -> QuerySet:
    """Items in use whose maintenance or calibration is past due."""
    today = today or timezone.localdate()
    in_use = ~Q(condition=Condition.RETIRED)
    due = Q(next_maintenance_on__lt=today) | Q(next_calibration_on__lt=today)
    return equipment_list(user=user, root=root).filter(in_use & due)


def equipment_gaps(*, user: Any, level: int, root: OrgUnit | None = None) -> dict[tuple[int, int], dict[str, int]]:
    """The gap between the norms of the current catalogue and the items in working order, per unit of `level` and
    equipment type: {(unit id, type id): {"units": units under norm, "required": Σ quantity, "short": Σ missing}}.

    Per unit and type, missing = max(0, required − working items of that type code, in any catalogue version); the
    roll-up sums it over the units under each unit of the level, as required − Σ min(working, required). Two grouped
    queries whatever the number of norms: the open units of each kind with a norm under each unit of the level, and
    the working items of those units per unit and type code; the per-unit minimum is taken over the second's rows
    (one per unit and type held, some tens of thousands for the country). A query per norm with a subquery per unit
    took about five times the bare SQL aggregate at national scale (bench/assets.py)."""
    catalogue = current_catalogue()
    if catalogue is None:
        return {}
    norms: dict[str, dict[str, tuple[int, int]]] = {}  # unit kind → type code → (type id, quantity)
    for kind, code, type_id, quantity in EquipmentNorm.objects.filter(catalogue=catalogue).values_list(
        "unit_kind", "equipment_type__code", "equipment_type_id", "quantity"
    ):
        norms.setdefault(kind, {})[code] = (type_id, quantity)
    if not norms:
        return {}
    field = f"level{level}_id"
    units = _under(
        OrgUnit.objects.restrict(user, VIEW).filter(
            closed_on__isnull=True, kind__in=sorted(norms), **{f"{field}__isnull": False}
        ),
        root,
        "path",
    )
    out: dict[tuple[int, int], dict[str, int]] = {}
    for ancestor, kind, count in units.values_list(field, "kind").annotate(n=Count("pk")).order_by():
        for type_id, quantity in norms[kind].values():
            # Norms of several unit kinds (stations, centres) for one type add up under a common unit.
            figures = out.setdefault((ancestor, type_id), {"units": 0, "required": 0, "short": 0})
            figures["units"] += count
            figures["required"] += count * quantity
            figures["short"] += count * quantity
    working = (
        EquipmentItem.objects.filter(orgunit__in=units.values("pk"), condition=Condition.WORKING)
        .values_list("orgunit_id", f"orgunit__{field}", "orgunit__kind", "equipment_type__code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for _unit, ancestor, kind, code, count in working:
        norm = norms[kind].get(code)
        if norm is not None:
            out[(ancestor, norm[0])]["short"] -= min(count, norm[1])
    return out
