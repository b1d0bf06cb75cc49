"""Template helpers for the change-history panel: field labels instead of column names."""

from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist

register = template.Library()


@register.filter
def audit_rows(entry) -> list[tuple[str, object, object]]:
    model = entry.content_type.model_class()
    rows = []
    for name, (before, after) in entry.changes.items():
        try:
            label = str(model._meta.get_field(name).verbose_name) if model else name
        except FieldDoesNotExist:
            label = name
        rows.append((label[:1].upper() + label[1:], before, after))
    return rows
