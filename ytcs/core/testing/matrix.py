"""The persona matrix (house style): every page and endpoint is checked for
anonymous → login/401, in scope → 2xx/3xx, out of scope → 404, read-only write → 403, nothing saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ytcs.core.models import AuditEntry
from ytcs.core.testing.personas import World


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[World], str]
    data: Callable[[World], Any] | None = None
    # Persona allowed on the target; the outsider (region B) must get 404 on it.
    allowed: str = "region_manager"
    out_of_scope: str | None = "outsider"
    read_only: str | None = "viewer"
    ok: frozenset[int] = field(default=frozenset({200, 201, 302}))
    api: bool = False
    format: str = "json"  # "multipart" for file uploads to the API

    @property
    def writes(self) -> bool:
        return self.method.lower() not in {"get", "head", "options"}

    def __str__(self) -> str:
        return self.name


def call(client, endpoint: Endpoint, world: World):
    method = getattr(client, endpoint.method.lower())
    data = endpoint.data(world) if endpoint.data else None
    if endpoint.api:
        return (
            method(endpoint.url(world), data, format=endpoint.format)
            if data is not None
            else method(endpoint.url(world))
        )
    return method(endpoint.url(world), data) if data is not None else method(endpoint.url(world))


def audit_count() -> int:
    return AuditEntry.objects.count()
