"""Registry facts that pre-fill assessment items ("the station has a doctor"), each with the source shown.

A fact is read live from the workforce registry on the day of the assessment; the answer keeps the value and its
source, and overriding it needs a reason (Answer.clean).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from ytcs.assets.facts import KEYS as ASSET_KEYS
from ytcs.assets.facts import asset_fact
from ytcs.orgunits.models import OrgUnit, Population
from ytcs.workforce.models import Certificate, Staff, StaffStatus


def _working(unit: OrgUnit):
    return Staff.objects.filter(orgunit=unit, status=StaffStatus.ACTIVE)


def registry_fact(key: str, unit: OrgUnit, on: datetime.date) -> tuple[Any, str] | None:
    """(value, where it comes from) for a prefill key, or None when the registry has nothing to say."""
    day = on.strftime("%d/%m/%Y")
    if key in ("station_has_doctor", "station_doctor_count"):
        doctors = _working(unit).filter(title__counts_as_doctor=True).count()
        source = _("YTCS workforce registry: %(n)d doctor(s) working at %(unit)s on %(day)s") % {
            "n": doctors,
            "unit": unit.code,
            "day": day,
        }
        return (doctors > 0 if key == "station_has_doctor" else doctors), source
    if key == "station_staff_count":
        count = _working(unit).count()
        return count, _("YTCS workforce registry: %(n)d people working at %(unit)s on %(day)s") % {
            "n": count,
            "unit": unit.code,
            "day": day,
        }
    if key == "station_population":
        row = Population.objects.filter(orgunit=unit, year__lte=on.year).order_by("-year").first()
        if row is None:
            return None
        return row.population, _("YTCS population figures: %(unit)s, %(year)d") % {"unit": unit.code, "year": row.year}
    if key.startswith("staff_with_competency:"):
        code = key.split(":", 1)[1]
        valid = Certificate.objects.filter(competency__code=code, issued_on__lte=on).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=on)
        )
        count = _working(unit).filter(pk__in=valid.values("staff")).count()
        return count, _(
            "YTCS workforce registry: %(n)d people at %(unit)s hold a valid %(code)s certificate on %(day)s"
        ) % {
            "n": count,
            "unit": unit.code,
            "code": code,
            "day": day,
        }
    if key.startswith(ASSET_KEYS):
        return asset_fact(key, unit, on)
    return None


def prefill_value(item_type: str, fact: Any) -> Any:
    """The answer a fact gives to an item of a type: a count answers a yes/no item by being above zero."""
    if item_type == "yes_no":
        return bool(fact)
    if item_type in ("number", "points") and isinstance(fact, bool):
        return int(fact)
    return fact
