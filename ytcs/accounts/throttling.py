"""Slow down password guessing on the login page: a few failures per account and address, then a pause."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from ytcs.core.text import fold


def _key(username: str, address: str) -> str:
    return f"ytcs:login-failures:{fold(username)[:150]}:{address}"


def is_locked(*, username: str, address: str) -> bool:
    return cache.get(_key(username, address), 0) >= settings.YTCS_LOGIN_MAX_FAILURES


def record_failure(*, username: str, address: str) -> None:
    key = _key(username, address)
    cache.add(key, 0, timeout=settings.YTCS_LOGIN_LOCKOUT_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.YTCS_LOGIN_LOCKOUT_SECONDS)


def clear(*, username: str, address: str) -> None:
    cache.delete(_key(username, address))
