"""Writes to the shared catalogues: professional titles (chức danh) and competencies (chứng chỉ, năng lực).

The catalogues belong to no org unit: every unit reads the same list, so only a superuser or a province
administrator holding the role on a root unit (no parent) may change them. Every change is audited; the
entries are filed at the root of the tree, so the history is read by system administrators.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ytcs.accounts.roles import Role
from ytcs.core.services import save_audited
from ytcs.workforce.models import Competency, Title

TITLE_FIELDS = ("code", "name", "category", "counts_as_doctor", "needs_licence", "source", "sort_order", "is_active")
COMPETENCY_FIELDS = ("code", "name", "validity_years", "source", "is_active")


def can_manage_catalogues(user: Any) -> bool:
    """Superusers, and province administrators on a unit at the top of the tree."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.role_assignments.filter(role=Role.PROVINCE_ADMIN, orgunit__parent__isnull=True).exists()


def _ensure_can_manage(user: Any) -> None:
    if not can_manage_catalogues(user):
        raise PermissionDenied(_("Only province administrators change the catalogues."))


def _apply(instance: Any, allowed: tuple[str, ...], fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, value.strip() if isinstance(value, str) else value)


@transaction.atomic
def title_save(*, user: Any, title: Title | None = None, **fields: Any) -> Title:
    """Create or correct a professional title of the catalogue."""
    _ensure_can_manage(user)
    title = title or Title()
    _apply(title, TITLE_FIELDS, fields)
    save_audited(user=user, instance=title, recheck_scope=False)
    return title


@transaction.atomic
def competency_save(*, user: Any, competency: Competency | None = None, **fields: Any) -> Competency:
    """Create or correct a competency (certificate kind) of the catalogue."""
    _ensure_can_manage(user)
    competency = competency or Competency()
    _apply(competency, COMPETENCY_FIELDS, fields)
    save_audited(user=user, instance=competency, recheck_scope=False)
    return competency
