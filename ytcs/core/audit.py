"""Audit trail: every save or delete of an AuditedModel writes an AuditEntry with before/after values.

This is the one piece of logic that lives in signals (house style): it must catch every write path
(UI, API, import, admin, shell). Who and through which channel come from a context variable that
the request middleware and the import services set.
"""

from __future__ import annotations

import contextvars
import datetime
import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("ytcs_audit_actor", default=None)
_source: contextvars.ContextVar[str] = contextvars.ContextVar("ytcs_audit_source", default="command")


@contextmanager
def audit_context(*, user: Any = None, source: str | None = None) -> Iterator[None]:
    """Attribute the writes inside the block to `user`, arriving through `source`."""
    tokens = []
    if user is not None:
        tokens.append((_actor, _actor.set(user)))
    if source is not None:
        tokens.append((_source, _source.set(source)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _audited_fields(instance: models.Model) -> list[models.Field]:
    exclude = set(getattr(instance, "audit_exclude", ()))
    return [
        f
        for f in instance._meta.concrete_fields
        if not f.primary_key and f.name not in exclude and f.attname not in exclude
    ]


def _snapshot(instance: models.Model) -> dict[str, Any]:
    return {f.name: _plain(getattr(instance, f.attname)) for f in _audited_fields(instance)}


def _label(field: models.Field, raw: Any) -> Any:
    """Readable value for a foreign key: the related object's text, not its id."""
    if raw is None or not field.is_relation:
        return raw
    related = field.related_model._base_manager.filter(pk=raw).first()
    return str(related) if related is not None else raw


def _record(instance: models.Model, action: str, changes: dict[str, list[Any]]) -> None:
    from django.contrib.contenttypes.models import ContentType

    from ytcs.core.models import AuditEntry

    actor = _actor.get()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    AuditEntry.objects.create(
        actor=actor,
        actor_username=getattr(actor, "username", "") if actor else "",
        action=action,
        source=_source.get(),
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        scope_path=instance.audit_scope_path,
        changes=changes,
    )


def _before_save(sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    before = None
    if instance.pk is not None and not instance._state.adding:
        old = sender._base_manager.filter(pk=instance.pk).first()
        before = _snapshot(old) if old is not None else None
    instance._audit_before = before


def _after_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **kwargs):
    if raw:
        return
    after = _snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    fields = {f.name: f for f in _audited_fields(instance)}
    if created or before is None:
        changes = {
            name: [None, _label(fields[name], value)] for name, value in after.items() if value not in (None, "")
        }
        _record(instance, "create", changes)
        return
    changes = {
        name: [_label(fields[name], before.get(name)), _label(fields[name], value)]
        for name, value in after.items()
        if before.get(name) != value
    }
    if changes:
        _record(instance, "update", changes)


def _after_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    fields = {f.name: f for f in _audited_fields(instance)}
    before = _snapshot(instance)
    _record(
        instance,
        "delete",
        {name: [_label(fields[name], value), None] for name, value in before.items() if value not in (None, "")},
    )


def connect_signals() -> None:
    from django.apps import apps

    from ytcs.core.models import AuditedModel

    for model in apps.get_models():
        if issubclass(model, AuditedModel):
            uid = f"ytcs-audit-{model._meta.label_lower}"
            pre_save.connect(_before_save, sender=model, dispatch_uid=uid + "-pre")
            post_save.connect(_after_save, sender=model, dispatch_uid=uid + "-post")
            post_delete.connect(_after_delete, sender=model, dispatch_uid=uid + "-del")
