"""How DHIS2 clients authenticate (xác thực cho ứng dụng DHIS2): HTTP Basic and `Authorization: ApiToken <key>`.

Accepted on the API only (these classes are set on API views, never on pages) and neither creates a session:
DRF authenticates the one request and Django's `login()` is never called, so no session cookie is sent back.

Basic auth sends a password with every request, so it is rate-limited like the login page, with the login page's
counters (ytcs/accounts/throttling.py): a failure is recorded per account and address; while locked, the request
is refused with 429 (Retry-After) before the password is even checked, and a success clears the account's counter.

`ApiToken` is DHIS2's personal access token header; its key is our DRF token key (`ytcs token USERNAME`), so the
same token works as `Authorization: Token <key>` and as `Authorization: ApiToken <key>`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication, SessionAuthentication, TokenAuthentication

from ytcs.accounts.throttling import clear, client_address, is_locked, record_failure


class ThrottledBasicAuthentication(BasicAuthentication):
    """HTTP Basic (username:password), refused for a while after repeated wrong passwords."""

    www_authenticate_realm = "DHIS2"

    def authenticate_credentials(self, userid, password, request=None):
        address = client_address(request)
        if is_locked(username=userid, address=address):
            raise exceptions.Throttled(
                wait=settings.YTCS_LOGIN_LOCKOUT_SECONDS,
                detail=_("Too many failed attempts. Wait %(minutes)d minutes and try again.")
                % {"minutes": settings.YTCS_LOGIN_LOCKOUT_SECONDS // 60},
            )
        user = authenticate(request=getattr(request, "_request", request), username=userid, password=password)
        if user is None or not user.is_active:
            record_failure(username=userid, address=address)
            raise exceptions.AuthenticationFailed(_("Invalid username/password."))
        clear(username=userid, address=address)
        return (user, None)


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: ApiToken <key>` (DHIS2's personal access tokens), with our token keys."""

    keyword = "ApiToken"


EXCHANGE_AUTHENTICATION = [
    TokenAuthentication,
    ApiTokenAuthentication,
    ThrottledBasicAuthentication,
    SessionAuthentication,
]
"""For /api/v1/ exchange views: the project's Token and session, plus what DHIS2 clients send."""

DHIS2_AUTHENTICATION = [
    ThrottledBasicAuthentication,
    ApiTokenAuthentication,
    TokenAuthentication,
    SessionAuthentication,
]
"""For DHIS2's paths: Basic first, so an anonymous call is challenged as DHIS2 challenges it."""


class ThrottledBasicScheme(OpenApiAuthenticationExtension):
    target_class = ThrottledBasicAuthentication
    name = "basicAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic"}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiTokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="ApiToken")
