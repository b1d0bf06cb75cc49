"""Core models: the audit trail shared by every app."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.core.fields import TreePathField
from ytcs.core.querysets import RestrictedQuerySet


class AuditedModel(models.Model):
    """Base for models whose every change is written to the audit trail (nhật ký thay đổi).

    Subclasses name the org-unit path their rows belong to (`audit_scope_path`) so the trail can be
    shown only to users who can see the object.
    """

    audit_exclude: tuple[str, ...] = ()

    class Meta:
        abstract = True

    @property
    def audit_scope_path(self) -> str:
        raise NotImplementedError


class UnitScopedModel(AuditedModel):
    """A row that belongs to one org unit (`orgunit`): seen and changed by those whose scope holds that unit."""

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "orgunit__path"

    class Meta:
        abstract = True

    @property
    def audit_scope_path(self) -> str:
        return self.orgunit.path


class AuditEntry(models.Model):
    """Audit trail entry (nhật ký thay đổi): who changed what, when, before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")

    class Source(models.TextChoices):
        UI = "ui", _("Web page")
        API = "api", _("API")
        IMPORT = "import", _("File import")
        COMMAND = "command", _("Command line")

    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.COMMAND)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("object"), max_length=255)
    scope_path = TreePathField(max_length=255)
    changes = models.JSONField(_("changes"), default=dict)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "scope_path"

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            # The history panel of one object: newest first.
            models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_idx"),
            # The history panel of a unit (its own and its populations' entries) and the scope restriction.
            models.Index(fields=["scope_path", "-at"], name="audit_scope_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_username} {self.action} {self.object_repr}"
