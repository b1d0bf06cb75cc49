"""Request middleware that tells the audit trail who is acting and through which channel."""

from __future__ import annotations

from ytcs.core.audit import audit_context


class AuditActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = "api" if request.path.startswith("/api/") else "ui"
        # request.user may be set later by DRF token auth: the view re-enters audit_context then.
        user = getattr(request, "user", None)
        with audit_context(user=user if user is not None and user.is_authenticated else None, source=source):
            return self.get_response(request)
