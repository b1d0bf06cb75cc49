"""Roles (vai trò) and what each may do on its org unit's subtree (product.md §4).

Kept as data so a reviewer reads the whole access policy in one place.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    PROVINCE_VIEWER = "province_viewer", _("Province viewer")
    REGIONAL_MANAGER = "regional_manager", _("Regional centre manager")
    STATION_HEAD = "station_head", _("Station head")
    DATA_CLERK = "data_clerk", _("Data clerk")
    VIEWER = "viewer", _("Viewer")


# Actions checked by RestrictedQuerySet.restrict(user, action).
VIEW = "view"
CHANGE = "change"  # edit the registry: units, populations, staff...
ENTER_DATA = "enter_data"  # routine data values
MANAGE_USERS = "manage_users"
APPROVE = "approve"  # adopt a training plan, reopen a completed class (undoing what it posted to staff records)

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.PROVINCE_ADMIN: frozenset({VIEW, CHANGE, ENTER_DATA, MANAGE_USERS, APPROVE}),
    Role.PROVINCE_VIEWER: frozenset({VIEW}),
    Role.REGIONAL_MANAGER: frozenset({VIEW, CHANGE, ENTER_DATA, APPROVE}),
    Role.STATION_HEAD: frozenset({VIEW, CHANGE, ENTER_DATA}),
    Role.DATA_CLERK: frozenset({VIEW, ENTER_DATA}),
    Role.VIEWER: frozenset({VIEW}),
}


# The kinds of unit each role is held on: a station head heads a station, a regional manager a centre...
# (None: any kind). Kinds are OrgUnitKind values, spelled out to keep this module free of model imports.
ROLE_UNIT_KINDS: dict[str, frozenset[str] | None] = {
    Role.PROVINCE_ADMIN: frozenset({"country", "province", "regional_centre"}),
    Role.PROVINCE_VIEWER: frozenset({"country", "province"}),
    Role.REGIONAL_MANAGER: frozenset({"regional_centre"}),
    Role.STATION_HEAD: frozenset({"station"}),
    Role.DATA_CLERK: None,
    Role.VIEWER: None,
}


def actions_for_role(role: str) -> frozenset[str]:
    return ROLE_ACTIONS.get(role, frozenset())
