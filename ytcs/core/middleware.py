"""Request middleware that tells the audit trail who is acting and through which channel."""

from __future__ import annotations

from django.utils.cache import patch_vary_headers

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


class DefaultLanguageMiddleware:
    """Vietnamese unless the user chose otherwise (the language cookie set by the EN/VI switch).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and most browsers in the
    department are set to English: the product's default language must win over that.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response
