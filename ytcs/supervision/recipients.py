"""Who is told about what: the people acting for a unit, and in-app notifications with a link to the record.

A unit's people are the active users holding a role with a given right on the unit itself; when it has none (a
station whose head has no account yet), those on the nearest unit above that has some, so a reminder always
reaches someone who can act.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import chain
from typing import Any

from django.urls import NoReverseMatch, reverse

from ytcs.accounts.models import RoleAssignment
from ytcs.accounts.roles import actions_for_role
from ytcs.orgunits.models import OrgUnit
from ytcs.supervision.models import Directive, Notification, Obstacle


def people_by_unit(units: Iterable[OrgUnit], action: str) -> dict[int, list[int]]:
    """Ids of the users acting for each unit with `action` (see the module), for many units in one query."""
    lineage = {unit.pk: [*unit.ancestor_ids, unit.pk] for unit in units}
    if not lineage:
        return {}
    holders: dict[int, set[int]] = defaultdict(set)
    rows = RoleAssignment.objects.filter(
        orgunit_id__in=set(chain.from_iterable(lineage.values())), user__is_active=True
    ).values_list("orgunit_id", "role", "user_id")
    for unit_id, role, user_id in rows:
        if action in actions_for_role(role):
            holders[unit_id].add(user_id)
    found: dict[int, list[int]] = {}
    for unit_id, ids in lineage.items():
        found[unit_id] = next((sorted(holders[pk]) for pk in reversed(ids) if holders.get(pk)), [])
    return found


def _url(page: str, api: str, pk: int) -> str:
    """The page of a record when the pages are installed, else its API address (both need a login)."""
    try:
        return reverse(page, args=[pk])
    except NoReverseMatch:
        return reverse(api, args=[pk])


def directive_url(directive: Directive) -> str:
    return _url("supervision:directive_detail", "supervision-directive-detail", directive.pk)


def obstacle_url(obstacle: Obstacle) -> str:
    return _url("supervision:obstacle_detail", "supervision-obstacle-detail", obstacle.pk)


def directive_params(directive: Directive) -> dict[str, str]:
    return {"unit": directive.orgunit.name, "title": directive.title, "due": f"{directive.due_on:%d/%m/%Y}"}


def notify(
    user_ids: Iterable[int],
    kind: str,
    *,
    directive: Directive | None = None,
    obstacle: Obstacle | None = None,
    params: dict[str, Any] | None = None,
    skip: Any = None,
) -> list[Notification]:
    """One notification per user (the acting user `skip` is not told what they just did)."""
    if directive is not None:
        params, link = params or directive_params(directive), directive_url(directive)
    elif obstacle is not None:
        params = params or {"unit": obstacle.orgunit.name, "title": obstacle.subject}
        link = obstacle_url(obstacle)
    else:
        params, link = params or {}, ""
    skip_id = getattr(skip, "pk", None)
    rows = [
        Notification(user_id=pk, kind=kind, params=params, link=link, directive=directive, obstacle=obstacle)
        for pk in dict.fromkeys(user_ids)
        if pk != skip_id
    ]
    return Notification.objects.bulk_create(rows)
