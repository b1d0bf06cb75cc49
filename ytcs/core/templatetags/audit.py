"""Template helpers for the change-history panel: field labels and values as the user reads them."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

register = template.Library()


def _display(field: models.Field | None, value: Any) -> Any:
    """The stored (JSON) value shown the way the rest of the UI shows it: labels, dd/mm/yyyy, Yes/No."""
    if value is None or field is None:
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.BooleanField):
        return _("Yes") if value else _("No")
    try:
        if isinstance(field, models.DateTimeField):
            moment = datetime.datetime.fromisoformat(value)
            return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if timezone.is_aware(moment) else value
        if isinstance(field, models.DateField):
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return value
    return value


# Entries written by services for events that are not a field (record_change): their label.
EVENT_LABELS = {
    "proposed": gettext_lazy("Proposed from the needs analysis"),
    "reopened": gettext_lazy("Reopened (completed on → reason)"),
}


@register.filter
def audit_rows(entry) -> list[tuple[str, object, object]]:
    model = entry.content_type.model_class()
    rows = []
    for name, (before, after) in entry.changes.items():
        try:
            field = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            field = None
        label = str(field.verbose_name) if field is not None else str(EVENT_LABELS.get(name, name))
        rows.append((label[:1].upper() + label[1:], _display(field, before), _display(field, after)))
    return rows
