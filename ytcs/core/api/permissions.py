"""Write permission for scoped API objects: in view scope but not in change scope answers 403."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from ytcs.core.querysets import CHANGE, in_scope


class ScopedWritePermission(BasePermission):
    """Reads need only authentication (the queryset is already restricted); writes need change scope."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        action = getattr(type(obj), "scope_change_action", CHANGE)
        return in_scope(request.user, _path_of(obj), action)


def _path_of(obj) -> str:
    field = type(obj).scope_path_field
    value = obj
    for part in field.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return "\0"
    return value
