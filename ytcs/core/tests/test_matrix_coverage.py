"""Every named page and API route of the project is exercised by a persona matrix."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from ytcs.core.testing.matrix import Endpoint, call

pytestmark = pytest.mark.django_db

# Routes that are not scoped objects: authentication itself, language switch, schema and docs, Django admin.
NOT_SCOPED = {
    "accounts:login",
    "accounts:logout",
    "set_language",
    "schema",
    "swagger-ui",
}

GLOBAL = [
    Endpoint("home", "get", lambda w: "/", out_of_scope=None),
    Endpoint("me", "get", lambda w: "/api/v1/me/", out_of_scope=None, api=True),
    Endpoint("users api", "get", lambda w: "/api/v1/users/", allowed="province_admin", out_of_scope=None, api=True),
    Endpoint(
        "users api detail",
        "get",
        lambda w: f"/api/v1/users/{w.viewer.pk}/",
        allowed="province_admin",
        out_of_scope=None,
        api=True,
    ),
]


def _matrices() -> list[Endpoint]:
    """Endpoints declared by every app's matrix module: `ytcs/<app>/tests/test_*matrix*.py` exporting ENDPOINTS."""
    found = list(GLOBAL)
    for path in sorted(Path(__file__).resolve().parents[2].glob("*/tests/test_*matrix*.py")):
        module = importlib.import_module(
            ".".join(path.relative_to(Path(__file__).resolve().parents[3]).with_suffix("").parts)
        )
        found.extend(getattr(module, "ENDPOINTS", []))
    return found


def _route_names(resolver=None, namespace: str = "") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _route_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_route_is_in_a_persona_matrix(world):
    assert {"orgunits:detail", "orgunit-list", "orgunit-close", "accounts:user_detail"} <= _route_names()
    covered = {resolve(endpoint.url(world).split("?")[0]).view_name for endpoint in _matrices()}
    missing = _route_names() - covered - NOT_SCOPED
    assert not missing, f"add these routes to a persona matrix: {sorted(missing)}"


@pytest.mark.parametrize("endpoint", GLOBAL, ids=str)
def test_global_endpoints_need_login_and_answer_the_allowed_persona(endpoint, world, client_for, api_for):
    anonymous = call(api_for(None) if endpoint.api else client_for(None), endpoint, world)
    assert anonymous.status_code == (401 if endpoint.api else 302)
    user = getattr(world, endpoint.allowed)
    response = call(api_for(user) if endpoint.api else client_for(user), endpoint, world)
    assert response.status_code == 200
