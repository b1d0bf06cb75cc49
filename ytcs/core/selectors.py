"""Reads shared by every app: the audit trail of an object, restricted to what the viewer may see."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from ytcs.core.models import AuditEntry


def audit_for_objects(
    *,
    user: Any,
    objects: list[Model] | None = None,
    models: list[type[Model]] | None = None,
    scope_path: str | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries the viewer may see, for given objects, or for given models at one org-unit path."""
    qs = AuditEntry.objects.restrict(user).select_related("content_type")
    if objects is not None:
        from django.db.models import Q

        cond = Q(pk__in=[])
        for obj in objects:
            cond |= Q(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
        qs = qs.filter(cond)
    if models is not None:
        qs = qs.filter(content_type__in=[ContentType.objects.get_for_model(m) for m in models])
    if scope_path is not None:
        qs = qs.filter(scope_path=scope_path)
    return qs
