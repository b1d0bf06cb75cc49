"""Slow down password guessing on the login page.

Two counters: failures for one account from one address (stops guessing one password), and failures from one
address whatever the account (stops trying one password on many accounts). Neither locks an account for
everyone, so nobody can lock the province administrators out by typing wrong passwords from elsewhere.
Counters live in the cache: set REDIS_URL in production so every worker shares them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from ytcs.core.text import fold

ADDRESS_FACTOR = 4  # an address may fail on several accounts (a shared office connection) before it pauses


def client_address(request: HttpRequest | None) -> str:
    """The caller's address; behind the documented reverse proxy, the first X-Forwarded-For entry."""
    if request is None:
        return ""
    if settings.SECURE_PROXY_SSL_HEADER and request.META.get("HTTP_X_FORWARDED_FOR"):
        return request.META["HTTP_X_FORWARDED_FOR"].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _keys(username: str, address: str) -> tuple[str, str]:
    return f"ytcs:login-failures:{fold(username)[:150]}:{address}", f"ytcs:login-failures-address:{address}"


def is_locked(*, username: str, address: str) -> bool:
    account_key, address_key = _keys(username, address)
    limit = settings.YTCS_LOGIN_MAX_FAILURES
    return cache.get(account_key, 0) >= limit or cache.get(address_key, 0) >= limit * ADDRESS_FACTOR


def record_failure(*, username: str, address: str) -> None:
    for key in _keys(username, address):
        cache.add(key, 0, timeout=settings.YTCS_LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.YTCS_LOGIN_LOCKOUT_SECONDS)


def clear(*, username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])
