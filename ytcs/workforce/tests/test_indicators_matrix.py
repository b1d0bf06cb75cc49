"""Persona matrix over every workforce-indicator page and API endpoint (all read-only).

In scope: the regional manager asking about their region RA; out of scope: the outsider (region B) asking about RA
gets 404, like any unit outside their scope.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from ytcs.core.testing.matrix import Endpoint, audit_count, call

ON = "on=2025-06-30"


def page(name: str, query: str, *args: str):
    return lambda w: f"{reverse(f'workforce_indicators:{name}', args=args)}?{ON}&{query}"


def api(name: str, query: str):
    return lambda w: f"{reverse(f'workforce-indicators-{name}')}?{ON}&{query}"


PAGES = [
    Endpoint("overview", "get", page("overview", "orgunit=RA")),
    Endpoint("overview of a level", "get", page("overview", "orgunit=RA&level=3&competency=dien-tam-do")),
    Endpoint("people", "get", page("people", "orgunit=RA&level=2&figure=doctors")),
    Endpoint("people retiring", "get", page("people", "orgunit=RA&level=2&figure=retiring&year=2027")),
    Endpoint("people by age", "get", page("people", "orgunit=RA&level=2&figure=age&band=55-59")),
    Endpoint("people export", "get", page("people_export", "orgunit=RA&level=2&figure=headcount")),
    Endpoint("stations", "get", page("stations", "orgunit=RA&level=2&figure=without-doctor")),
    Endpoint("stations export", "get", page("stations_export", "orgunit=RA&level=2&figure=without-competency")),
    *(
        Endpoint(f"export {table}", "get", page("export", "orgunit=RA", table))
        for table in (
            "headcount",
            "doctors-per-10000",
            "stations-without-doctor",
            "stations-without-competency",
            "retirement-outlook",
            "all",
        )
    ),
]

API = [
    Endpoint("api headcount", "get", api("headcount", "orgunit=RA"), api=True),
    Endpoint("api doctors per 10000", "get", api("doctors-per-10000", "orgunit=RA&level=3"), api=True),
    Endpoint("api stations without doctor", "get", api("stations-without-doctor", "orgunit=RA"), api=True),
    Endpoint(
        "api stations without competency",
        "get",
        api("stations-without-competency", "orgunit=RA&competency=sieu-am-tong-quat"),
        api=True,
    ),
    Endpoint("api retirement outlook", "get", api("retirement-outlook", "orgunit=RA"), api=True),
    Endpoint("api people", "get", api("people", "orgunit=RA&level=2&figure=headcount"), api=True),
    Endpoint("api stations", "get", api("stations", "orgunit=RA&level=2&figure=stations"), api=True),
]
ENDPOINTS = ALL = PAGES + API


def _client(endpoint, persona, world, client_for, api_for):
    user = getattr(world, persona) if persona else None
    return api_for(user) if endpoint.api else client_for(user)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ALL, ids=str)
def test_anonymous_is_sent_to_login_or_gets_401(endpoint, world, client_for, api_for):
    response = call(_client(endpoint, None, world, client_for, api_for), endpoint, world)
    if endpoint.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ALL, ids=str)
def test_in_scope_persona_succeeds(endpoint, world, client_for, api_for):
    for persona in (endpoint.allowed, "viewer", "province_viewer", "data_clerk"):
        response = call(_client(endpoint, persona, world, client_for, api_for), endpoint, world)
        assert response.status_code in endpoint.ok, (persona, getattr(response, "content", b"")[:500])


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", [e for e in ALL if e.out_of_scope], ids=str)
def test_out_of_scope_persona_gets_404_and_nothing_is_saved(endpoint, world, client_for, api_for):
    before = audit_count()
    for persona in (endpoint.out_of_scope, "station_head"):  # the station head's scope is A1 only, not RA
        response = call(_client(endpoint, persona, world, client_for, api_for), endpoint, world)
        assert response.status_code == 404, persona
    assert audit_count() == before
