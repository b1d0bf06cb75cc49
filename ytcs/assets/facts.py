"""Facts of the equipment inventory and the medicine stock that pre-fill assessment items (criterion 4 of the
national commune-health criteria: equipment, medicines), each with its source.

Keys (used as `prefill` in a framework file):
    equipment_norms_met            yes/no: every norm of the current catalogue for the unit's kind is met by items
                                   in working order
    equipment_short                number of items missing against those norms
    equipment_working:<TYPE CODE>  number of items of the type in working order
    medicine_stockouts             number of medicines the unit stocks whose unexpired balance is zero
    medicines_in_stock             number of medicines of the current list with unexpired stock at the unit
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from ytcs.assets.models import Condition, EquipmentCatalogue, EquipmentItem, EquipmentNorm, StockEntry
from ytcs.orgunits.models import OrgUnit

KEYS = ("equipment_norms_met", "equipment_short", "equipment_working:", "medicine_stockouts", "medicines_in_stock")


def _working_by_code(unit: OrgUnit) -> dict[str, int]:
    rows = (
        EquipmentItem.objects.filter(orgunit=unit, condition=Condition.WORKING)
        .values("equipment_type__code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["equipment_type__code"]: row["n"] for row in rows}


def _balances(unit: OrgUnit, on: datetime.date) -> dict[int, int]:
    """Unexpired balance per medicine on the date, from the ledger."""
    rows = (
        StockEntry.objects.filter(orgunit=unit, occurred_on__lte=on, expiry_date__gte=on)
        .values("medicine_id")
        .annotate(n=Sum("quantity"))
        .order_by()
    )
    stocked = StockEntry.objects.filter(orgunit=unit, occurred_on__lte=on).values_list("medicine_id", flat=True)
    out = dict.fromkeys(set(stocked), 0)
    out.update({row["medicine_id"]: row["n"] or 0 for row in rows})
    return out


def asset_fact(key: str, unit: OrgUnit, on: datetime.date) -> tuple[Any, str] | None:
    """(value, source) for an equipment or medicine prefill key, or None when the key is not one of ours."""
    day = on.strftime("%d/%m/%Y")
    if key in ("equipment_norms_met", "equipment_short"):
        catalogue = EquipmentCatalogue.objects.filter(is_current=True).first()
        if catalogue is None:
            return None
        working = _working_by_code(unit)
        norms = EquipmentNorm.objects.filter(catalogue=catalogue, unit_kind=unit.kind).select_related("equipment_type")
        short = sum(max(0, n.quantity - working.get(n.equipment_type.code, 0)) for n in norms)
        source = _(
            "YTCS equipment inventory: %(short)d item(s) missing at %(unit)s on %(day)s against %(catalogue)s"
        ) % {"short": short, "unit": unit.code, "day": day, "catalogue": str(catalogue)}
        return (short == 0 if key == "equipment_norms_met" else short), source
    if key.startswith("equipment_working:"):
        code = key.split(":", 1)[1]
        count = _working_by_code(unit).get(code, 0)
        return count, _("YTCS equipment inventory: %(n)d %(code)s in working order at %(unit)s on %(day)s") % {
            "n": count,
            "code": code,
            "unit": unit.code,
            "day": day,
        }
    if key in ("medicine_stockouts", "medicines_in_stock"):
        balances = _balances(unit, on)
        if key == "medicine_stockouts":
            count = sum(1 for n in balances.values() if n <= 0)
            text = _("YTCS stock ledger: %(n)d medicine(s) out of stock at %(unit)s on %(day)s")
        else:
            count = sum(1 for n in balances.values() if n > 0)
            text = _("YTCS stock ledger: %(n)d medicine(s) in stock at %(unit)s on %(day)s")
        return count, text % {"n": count, "unit": unit.code, "day": day}
    return None
