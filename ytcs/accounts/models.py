"""Users and their role assignments (phân quyền)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from ytcs.accounts.roles import Role
from ytcs.core.models import AuditedModel
from ytcs.core.querysets import RestrictedQuerySet


class ScopedUserManager(UserManager.from_queryset(RestrictedQuerySet)):
    pass


class User(AuditedModel, AbstractUser):
    """User account (tài khoản người dùng), attached to the org unit where the person works."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    home_unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("work unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    # Diacritic-folded username, full name and e-mail, matched by the search box.
    search_text = models.CharField(max_length=500, editable=False, default="")

    objects = ScopedUserManager()
    scope_path_field = "home_unit__path"
    scope_change_action = "manage_users"
    audit_exclude = ("password", "last_login", "search_text")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})" if self.full_name else self.username

    @property
    def audit_scope_path(self) -> str:
        return self.home_unit.path if self.home_unit_id else "/"


class RoleAssignment(AuditedModel):
    """A role held on one org unit (vai trò trên đơn vị); it covers the unit's whole subtree."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="role_assignments"
    )

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "orgunit__path"
    scope_change_action = "manage_users"

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [models.UniqueConstraint(fields=["user", "role", "orgunit"], name="unique_role_assignment")]

    def __str__(self) -> str:
        return f"{self.user.username}: {self.get_role_display()} @ {self.orgunit.code}"

    @property
    def audit_scope_path(self) -> str:
        return self.orgunit.path
