"""Persona matrix over the indicator analysis and dashboard pages, the .xlsx export and the analytics API (all
read-only): anonymous → login or 401, in scope → 200, out of scope (the outsider on region B, the station head on
A1) → 404 for region A, and no write is accepted (405) with nothing saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ytcs.core.testing.matrix import Endpoint, audit_count, call
from ytcs.indicators.models import DataValue

IN_SCOPE = ("region_manager", "viewer", "province_viewer", "data_clerk", "province_admin", "superuser")
EVERYONE = (*IN_SCOPE, "station_head", "outsider")


def page(name: str, query: str = ""):
    return lambda w: reverse(f"indicators:{name}") + (f"?{query}" if query else "")


def api(name: str, query: str):
    return lambda w: f"{reverse(name)}?{query}"


ENDPOINTS = [
    Endpoint("dashboard", "get", page("dashboard"), out_of_scope=None),
    Endpoint("dashboard of region A", "get", page("dashboard_unit", "unit=RA&year=2025")),
    Endpoint("dashboard of the own scope", "get", page("dashboard_unit"), out_of_scope=None),
    Endpoint("analysis", "get", page("analysis", "indicator=DE_TAI_TRAM_PCT&orgunit=RA&level=3")),
    Endpoint("analysis of the own scope", "get", page("analysis"), out_of_scope=None),
    Endpoint(
        "analysis export", "get", page("analysis_export", "indicator=DE_TAI_TRAM_PCT&orgunit=RA&periods=2024;2025")
    ),
    Endpoint("analysis export of the own scope", "get", page("analysis_export"), out_of_scope=None),
    Endpoint("api analytics", "get", api("analytics", "indicator=BS_10000&orgunit=RA&period=2025&level=3"), api=True),
    Endpoint(
        "api analytics of the own scope",
        "get",
        api("analytics", "indicator=BS_10000&period=2025"),
        api=True,
        out_of_scope=None,
    ),
    Endpoint("api analytics outlook", "get", api("analytics-outlook", "indicator=TYT_CO_BS&orgunit=RA"), api=True),
]


def _client(endpoint, persona, world, client_for, api_for):
    user = getattr(world, persona) if persona else None
    return api_for(user) if endpoint.api else client_for(user)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_anonymous_is_sent_to_login_or_gets_401(endpoint, world, client_for, api_for):
    response = call(_client(endpoint, None, world, client_for, api_for), endpoint, world)
    if endpoint.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_in_scope_personas_succeed(endpoint, world, client_for, api_for):
    personas = IN_SCOPE if endpoint.out_of_scope else EVERYONE
    for persona in personas:
        response = call(_client(endpoint, persona, world, client_for, api_for), endpoint, world)
        assert response.status_code == 200, (persona, getattr(response, "content", b"")[:300])


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.out_of_scope], ids=str)
def test_out_of_scope_personas_get_404(endpoint, world, client_for, api_for):
    for persona in ("outsider", "station_head"):
        response = call(_client(endpoint, persona, world, client_for, api_for), endpoint, world)
        assert response.status_code == 404, persona


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_no_write_is_accepted(endpoint, world, client_for, api_for):
    before = (audit_count(), DataValue.objects.count())
    client = _client(endpoint, "province_admin", world, client_for, api_for)
    url = endpoint.url(world)
    response = client.post(url, {}, format="json") if endpoint.api else client.post(url, {})
    assert response.status_code == 405
    assert (audit_count(), DataValue.objects.count()) == before
