"""The one restriction point: every query that reaches a user goes through `.restrict(user, action)`.

Modelled on NetBox's RestrictedQuerySet. A user holds roles on org units and sees each unit's whole
subtree; org units store a materialised path, so a subtree is one indexed prefix match.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from ytcs.accounts.models import User

VIEW = "view"
CHANGE = "change"


def scope_paths(user: User, action: str) -> list[str] | None:
    """Path prefixes the user may act on; None means everything (superuser), [] nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cache = user.__dict__.setdefault("_ytcs_scope_cache", {})
    if action not in cache:
        from ytcs.accounts.roles import actions_for_role

        rows = user.role_assignments.select_related("orgunit").values_list("role", "orgunit__path")
        paths = sorted({path for role, path in rows if action in actions_for_role(role)})
        # Drop paths nested in another: fewer OR terms, same rows.
        minimal: list[str] = []
        for path in paths:
            if not any(path.startswith(kept) for kept in minimal):
                minimal.append(path)
        cache[action] = minimal
    return cache[action]


def forget_scope(user: User) -> None:
    """Drop the per-request cache after the user's roles change."""
    user.__dict__.pop("_ytcs_scope_cache", None)


def subtree_q(field: str, path: str) -> Q:
    """Rows whose org-unit path lies in the subtree rooted at `path` (which ends with "/").

    A range rather than LIKE 'path%': both databases serve it from a plain index on the byte-ordered
    path column (SQLite's LIKE is case-insensitive and cannot use one). "0" is the character after "/".
    """
    return Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})


def ancestor_paths(path: str) -> list[str]:
    """The paths of the units above the one at `path` ("/1/7/42/" → ["/1/", "/1/7/"])."""
    ids = path.strip("/").split("/")
    return ["/" + "/".join(ids[:n]) + "/" for n in range(1, len(ids))]


class RestrictedQuerySet(models.QuerySet):
    """QuerySet whose `restrict()` keeps the rows in the viewer's org-unit subtrees.

    Models may widen what is *seen* (never what is changed):
    - `scope_view_includes_ancestors = True`: rows of the units above the viewer's are visible too (a provincial
      training plan or class is open to the regions and stations below it);
    - `scope_view_path_fields = (...)`: further path fields, any of which in scope makes the row visible (an
      enrolment is seen by the trainee's unit and by the class organiser).
    """

    def restrict(self, user: User, action: str = VIEW) -> RestrictedQuerySet:
        field = self.model.scope_path_field
        if action == CHANGE:
            action = getattr(self.model, "scope_change_action", CHANGE)
        paths = scope_paths(user, action)
        if paths is None:
            return self._clone()
        if not paths:
            return self.none()
        terms = [subtree_q(field, path) for path in paths]
        if action == VIEW:
            for extra in getattr(self.model, "scope_view_path_fields", ()):
                terms += [subtree_q(extra, path) for path in paths]
            if getattr(self.model, "scope_view_includes_ancestors", False):
                above = sorted({a for path in paths for a in ancestor_paths(path)})
                if above:
                    terms.append(Q(**{f"{field}__in": above}))
        return self.filter(reduce(or_, terms))


def may_anywhere(user: User, action: str) -> bool:
    """Whether the user may do `action` on at least one unit (e.g. to offer a "New" button)."""
    return scope_paths(user, action) != []


def in_scope(user: User, path: str, action: str = VIEW) -> bool:
    """Whether an org-unit path lies in the user's scope for an action (no query beyond the role cache)."""
    paths = scope_paths(user, action)
    if paths is None:
        return True
    return any(path.startswith(prefix) for prefix in paths)
