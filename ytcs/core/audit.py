"""Audit trail: every save or delete of an AuditedModel writes an AuditEntry with before/after values.

This is the one piece of logic that lives in signals (house style): it must catch every write path
(UI, API, import, admin, shell). Who and through which channel come from a context variable that
the request middleware and the import services set.
"""

from __future__ import annotations

import contextvars
import datetime
import decimal
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile
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


def current_source() -> str:
    """The channel the writes in progress arrive through (for `record_bulk` called inside a request)."""
    return _source.get()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
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


def record_change(*, user: Any, instance: models.Model, changes: dict[str, list[Any]]) -> None:
    """Write an entry for a change the field diff cannot show (a new password: that it changed, never the value)."""
    with audit_context(user=user):
        _record(instance, "update", changes)


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


def record_bulk(
    *,
    user: Any,
    instances: Iterable[models.Model],
    action: str = "create",
    source: str = "import",
    before: Iterable[models.Model] | None = None,
) -> int:
    """Audit entries for many instances saved in bulk (bulk_create/bulk_update send no signals); returns their number.

    One bulk insert, and one query per related model to label foreign keys not already loaded on the instances
    (or on their `before` copies). `str(instance)` and `audit_scope_path` must not query: load what they read.
    "create" and "delete" record every non-empty value; "update" needs `before` (copies as they were, in the
    same order) and skips instances that did not change.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from ytcs.core.models import AuditEntry

    instances = list(instances)
    olds: list[models.Model | None] = list(before) if before is not None else [None] * len(instances)
    if action == "update" and before is None:
        raise ValueError("an update needs the instances as they were before")
    if len(olds) != len(instances):
        raise ValueError("`before` must hold one copy per instance")
    recorded: list[tuple[models.Model, dict[str, list[Any]]]] = []
    for instance, old in zip(instances, olds, strict=True):
        after = _snapshot(instance)
        if action == "create":
            changes = {name: [None, value] for name, value in after.items() if value not in (None, "")}
        elif action == "delete":
            changes = {name: [value, None] for name, value in after.items() if value not in (None, "")}
        else:
            previous = _snapshot(old)
            changes = {name: [previous.get(name), value] for name, value in after.items() if previous[name] != value}
            if not changes:
                continue
        recorded.append((instance, changes))
    if not recorded:
        return 0
    _label_bulk(recorded, olds=[old for old in olds if old is not None])

    actor = user if user is not None and getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    content_types: dict[type, Any] = {}
    entries = []
    for instance, changes in recorded:
        model = type(instance)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(instance, for_concrete_model=False)
        entries.append(
            AuditEntry(
                at=now,
                actor=actor,
                actor_username=getattr(actor, "username", "") if actor else "",
                action=action,
                source=source,
                content_type=content_types[model],
                object_id=str(instance.pk),
                object_repr=str(instance)[:255],
                scope_path=instance.audit_scope_path,
                changes=changes,
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def _label_bulk(recorded: list[tuple[models.Model, dict[str, list[Any]]]], *, olds: list[models.Model]) -> None:
    """Replace foreign-key ids in the changes by the related objects' text, as `_label` does one at a time."""
    relations: dict[type, dict[str, models.Field]] = {}

    def relations_of(instance: models.Model) -> dict[str, models.Field]:
        model = type(instance)
        if model not in relations:
            relations[model] = {f.name: f for f in _audited_fields(instance) if f.is_relation}
        return relations[model]

    known: dict[tuple[str, Any], str] = {}
    for instance in [instance for instance, _changes in recorded] + olds:
        for name, field in relations_of(instance).items():
            if field.is_cached(instance):
                related = field.get_cached_value(instance)
                if related is not None:
                    known[(name, related.pk)] = str(related)
    wanted: dict[tuple[str, type], tuple[models.Field, set[Any]]] = {}
    for instance, changes in recorded:
        for name, field in relations_of(instance).items():
            for raw in changes.get(name, ()):
                if raw is not None and (name, raw) not in known:
                    wanted.setdefault((name, field.related_model), (field, set()))[1].add(raw)
    for (name, related_model), (_field, ids) in wanted.items():
        for pk, related in related_model._base_manager.in_bulk(list(ids)).items():
            known[(name, pk)] = str(related)
    for instance, changes in recorded:
        for name in relations_of(instance):
            if name in changes:
                changes[name] = [known.get((name, raw), raw) if raw is not None else None for raw in changes[name]]
