"""Shared test helpers of the indicators app: write values as a service would, look up shipped catalogue rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from ytcs.indicators.models import CategoryOptionCombo, DataElement, DataSet, Indicator
from ytcs.indicators.services import Entry, write_values
from ytcs.orgunits.models import OrgUnit


def element(code: str) -> DataElement:
    return DataElement.objects.get(code=code)


def combo(code: str = "default") -> CategoryOptionCombo:
    return CategoryOptionCombo.objects.get(code=code)


def data_set(code: str = "TYT_THANG") -> DataSet:
    return DataSet.objects.get(code=code)


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def put(
    user: Any, rows: Iterable[tuple[str, OrgUnit, str, float | None] | tuple[str, str, OrgUnit, str, float | None]]
):
    """Write values through the service (history and roll-up included): rows of (data element code, unit, period,
    value) or (data element code, option combo code, unit, period, value)."""
    entries = []
    for row in rows:
        de_code, coc_code, unit, period, value = row if len(row) == 5 else (row[0], "default", *row[1:])
        entries.append(Entry(element(de_code).pk, combo(coc_code).pk, unit.pk, period, value))
    with transaction.atomic():
        return write_values(user=user, entries=entries, source="command")
