"""Helpers shared by every app's services: scope checks that run inside the write's transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext as _

from ytcs.core.audit import audit_context
from ytcs.core.querysets import CHANGE, in_scope


def ensure_can_change(*, user: Any, path: str, action: str = CHANGE) -> None:
    """Refuse a write whose org-unit path lies outside the user's write scope."""
    if not in_scope(user, path, action):
        raise PermissionDenied(_("You do not have the right to change data of this unit."))


def save_audited(*, user: Any, instance: models.Model, recheck_scope: bool = True) -> None:
    """Validate, save attributed to `user`, then re-check (same transaction) that the row is still in scope."""
    instance.full_clean()
    with audit_context(user=user):
        instance.save()
    if recheck_scope:
        ensure_still_in_scope(user=user, instance=instance)


def ensure_still_in_scope(*, user: Any, instance: models.Model) -> None:
    """After a create or update, inside the same transaction: the object must still be in scope."""
    model = type(instance)
    action = getattr(model, "scope_change_action", CHANGE)
    if not model._default_manager.restrict(user, action).filter(pk=instance.pk).exists():
        raise PermissionDenied(_("The result would lie outside the units you may change."))
