"""Reads of accounts, restricted to the users the viewer manages."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from ytcs.accounts.models import RoleAssignment, User
from ytcs.accounts.roles import MANAGE_USERS
from ytcs.core.text import search_tokens
from ytcs.orgunits.models import OrgUnit


def user_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[User]:
    """Accounts the viewer manages: attached to a unit in their user-management scope, holding no role outside it,
    and never a superuser (unless the viewer is one). Search ignores diacritics."""
    filters = filters or {}
    qs = User.objects.restrict(user, MANAGE_USERS).select_related("home_unit")
    if user is not None and not user.is_superuser:
        # An account with a role above the viewer's subtree (a province admin, the system administrator)
        # is not theirs to edit, even when it works in their subtree.
        inside = RoleAssignment.objects.restrict(user, MANAGE_USERS).values("pk")
        outside_role = RoleAssignment.objects.filter(user=OuterRef("pk")).exclude(pk__in=inside)
        qs = qs.filter(is_superuser=False).exclude(Exists(outside_role))
    for token in search_tokens(filters.get("q")):
        qs = qs.filter(search_text__contains=token)
    return qs.order_by("username")


def user_get(*, user: Any, pk: int) -> User:
    account = user_list(user=user).filter(pk=pk).first()
    if account is None:
        raise Http404
    return account


def role_list(*, user: Any, account: User) -> QuerySet[RoleAssignment]:
    """Roles of an account the viewer manages (all of them lie in the viewer's scope, see `user_list`)."""
    return (
        RoleAssignment.objects.restrict(user, MANAGE_USERS)
        .filter(user=account)
        .select_related("orgunit")
        .order_by("orgunit__path")
    )


def role_get(*, user: Any, account: User, pk: int) -> RoleAssignment:
    assignment = RoleAssignment.objects.restrict(user, MANAGE_USERS).filter(user=account, pk=pk).first()
    if assignment is None:
        raise Http404
    return assignment


def manageable_units(*, user: Any) -> QuerySet[OrgUnit]:
    """Units on which the viewer may attach accounts and give roles."""
    return OrgUnit.objects.restrict(user, MANAGE_USERS).filter(closed_on__isnull=True).order_by("path")
