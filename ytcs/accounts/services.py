"""Writes to user accounts and role assignments; only users who manage users in a subtree may call them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ytcs.accounts.models import RoleAssignment, User
from ytcs.accounts.roles import MANAGE_USERS, ROLE_UNIT_KINDS
from ytcs.core.audit import audit_context, record_change
from ytcs.core.querysets import forget_scope
from ytcs.core.services import ensure_can_change, save_audited
from ytcs.core.text import fold
from ytcs.orgunits.models import OrgUnit, OrgUnitKind


def user_search_text(account: User) -> str:
    return fold(" ".join(filter(None, [account.username, account.full_name, account.email])))


def _set_checked_password(account: User, password: str) -> None:
    try:
        validate_password(password, account)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    account.set_password(password)


def _ensure_manages(user: Any, unit: OrgUnit | None) -> None:
    ensure_can_change(user=user, path=unit.path if unit else "/", action=MANAGE_USERS)


def _ensure_manages_account(user: Any, account: User) -> None:
    """The account is the acting user's to manage: see `user_list` (no superuser, no role above their subtree)."""
    from ytcs.accounts.selectors import user_list

    if not user_list(user=user).filter(pk=account.pk).exists():
        raise PermissionDenied(_("This account is not yours to manage."))


@transaction.atomic
def user_create(
    *, user: Any, username: str, full_name: str, email: str = "", home_unit: OrgUnit, password: str
) -> User:
    """Create an account attached to a unit the acting user manages."""
    _ensure_manages(user, home_unit)
    account = User(username=username.strip(), full_name=full_name.strip(), email=email.strip(), home_unit=home_unit)
    if User.objects.filter(username__iexact=account.username).exists():
        raise ValidationError({"username": _("This username is already taken (letter case does not matter).")})
    _set_checked_password(account, password)
    account.search_text = user_search_text(account)
    save_audited(user=user, instance=account)
    return account


@transaction.atomic
def user_update(*, user: Any, account: User, **changes: Any) -> User:
    """Edit name, e-mail, work unit or active flag of an account the acting user manages."""
    allowed = {"full_name", "email", "home_unit", "is_active"}
    if set(changes) - allowed:
        raise TypeError(f"not editable: {sorted(set(changes) - allowed)}")
    _ensure_manages_account(user, account)
    if "home_unit" in changes:
        _ensure_manages(user, changes["home_unit"])
    if account.pk == user.pk and changes.get("is_active") is False:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    for field, value in changes.items():
        setattr(account, field, value.strip() if isinstance(value, str) else value)
    account.search_text = user_search_text(account)
    save_audited(user=user, instance=account)
    return account


@transaction.atomic
def user_set_password(*, user: Any, account: User, password: str) -> User:
    """Set a new password (the audit trail records that it changed, never the value)."""
    _ensure_manages_account(user, account)
    _set_checked_password(account, password)
    account.save(update_fields=["password"])
    record_change(user=user, instance=account, changes={"password": ["••••••", "••••••"]})
    return account


@transaction.atomic
def role_assign(*, user: Any, account: User, role: str, orgunit: OrgUnit) -> RoleAssignment:
    """Give an account a role on a unit; the acting user must manage users on that unit."""
    _ensure_manages_account(user, account)
    _ensure_manages(user, orgunit)
    kinds = ROLE_UNIT_KINDS.get(role)
    if kinds is not None and orgunit.kind not in kinds:
        raise ValidationError(
            {
                "orgunit": _("This role is held on a unit of another kind: %(kinds)s.")
                % {"kinds": ", ".join(str(OrgUnitKind(k).label) for k in sorted(kinds))}
            }
        )
    if RoleAssignment.objects.filter(user=account, role=role, orgunit=orgunit).exists():
        raise ValidationError({"role": _("This user already holds this role on this unit.")})
    assignment = RoleAssignment(user=account, role=role, orgunit=orgunit)
    save_audited(user=user, instance=assignment, recheck_scope=False)
    forget_scope(account)
    return assignment


@transaction.atomic
def role_revoke(*, user: Any, assignment: RoleAssignment) -> None:
    """Remove a role; nobody may remove their own last user-management role by accident."""
    _ensure_manages(user, assignment.orgunit)
    if assignment.user_id == user.pk and assignment.role == "province_admin":
        others = RoleAssignment.objects.filter(user=user, role="province_admin").exclude(pk=assignment.pk)
        if not others.exists():
            raise ValidationError(_("You cannot remove your own last administrator role."))
    with audit_context(user=user):
        assignment.delete()
    forget_scope(assignment.user)
