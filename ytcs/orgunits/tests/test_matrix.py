"""Persona matrix over every org-unit page and endpoint."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ytcs.core.testing.matrix import Endpoint, audit_count, call

ua = lambda name, **kw: lambda w: reverse(name, kwargs=kw)  # noqa: E731


def unit_url(name: str, attr: str, **extra):
    return lambda w: reverse(name, kwargs={"code": getattr(w, attr).code, **extra})


def new_station(w):
    return {"code": "A9", "name": "Trạm Y tế xã Mới", "kind": "station", "parent": w.region_a.pk}


def new_station_api(w):
    return {"code": "A9", "name": "Trạm Y tế xã Mới", "kind": "station", "parent": w.region_a.code}


PAGES = [
    Endpoint("list", "get", ua("orgunits:list"), out_of_scope=None),
    Endpoint("export", "get", ua("orgunits:export"), out_of_scope=None),
    Endpoint("template", "get", ua("orgunits:import_template"), out_of_scope=None),
    Endpoint("import form", "get", ua("orgunits:import"), out_of_scope=None, read_only=None),
    Endpoint("detail", "get", unit_url("orgunits:detail", "station_a1")),
    Endpoint("edit form", "get", unit_url("orgunits:edit", "station_a1")),
    Endpoint("close form", "get", unit_url("orgunits:close", "station_a2")),
    Endpoint("create form", "get", ua("orgunits:create"), out_of_scope=None, read_only=None),
    Endpoint(
        "edit",
        "post",
        unit_url("orgunits:edit", "station_a1"),
        lambda w: {"code": "A1", "name": "Trạm Y tế xã Nguyễn Huệ (mới)", "kind": "station", "parent": w.region_a.pk},
    ),
    Endpoint("close", "post", unit_url("orgunits:close", "station_a2"), lambda w: {"closed_on": "01/07/2026"}),
    Endpoint(
        "population",
        "post",
        unit_url("orgunits:population_save", "station_a1"),
        lambda w: {"year": 2026, "population": 8300},
    ),
    Endpoint("population delete", "post", unit_url("orgunits:population_delete", "station_a1", year=2025)),
]

API = [
    Endpoint("api list", "get", ua("orgunit-list"), out_of_scope=None, api=True),
    Endpoint("api detail", "get", lambda w: reverse("orgunit-detail", args=[w.station_a1.code]), api=True),
    Endpoint("api create", "post", ua("orgunit-list"), new_station_api, out_of_scope=None, api=True),
    Endpoint(
        "api patch",
        "patch",
        lambda w: reverse("orgunit-detail", args=[w.station_a1.code]),
        lambda w: {"address": "Thôn 3"},
        api=True,
    ),
    Endpoint(
        "api put",
        "put",
        lambda w: reverse("orgunit-detail", args=[w.station_a1.code]),
        lambda w: {"code": "A1", "name": "Trạm Y tế xã Nguyễn Huệ (sửa)", "kind": "station", "parent": "RA"},
        api=True,
    ),
    Endpoint(
        "api close", "post", unit_url("orgunit-close", "station_a2"), lambda w: {"closed_on": "2026-07-01"}, api=True
    ),
    Endpoint("api populations", "get", unit_url("orgunit-populations", "station_a1"), api=True),
    Endpoint(
        "api population set",
        "post",
        unit_url("orgunit-populations", "station_a1"),
        lambda w: {"year": 2026, "population": 8400},
        api=True,
    ),
    Endpoint("api audit", "get", unit_url("orgunit-audit", "station_a1"), api=True),
]
ENDPOINTS = ALL = PAGES + API


def _client(endpoint, persona, world, client_for, api_for):
    user = getattr(world, persona) if persona else None
    return api_for(user) if endpoint.api else client_for(user)


@pytest.mark.parametrize("endpoint", ALL, ids=str)
def test_anonymous_is_sent_to_login_or_gets_401(endpoint, world, client_for, api_for):
    before = audit_count()
    response = call(_client(endpoint, None, world, client_for, api_for), endpoint, world)
    if endpoint.api:
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert audit_count() == before


@pytest.mark.parametrize("endpoint", ALL, ids=str)
def test_in_scope_persona_succeeds(endpoint, world, client_for, api_for):
    before = audit_count()
    response = call(_client(endpoint, endpoint.allowed, world, client_for, api_for), endpoint, world)
    assert response.status_code in endpoint.ok, getattr(response, "content", b"")[:500]
    if endpoint.writes:
        # A write that re-renders its form with errors answers 200 too: it must have changed something.
        assert audit_count() > before


@pytest.mark.parametrize("endpoint", [e for e in ALL if e.out_of_scope], ids=str)
def test_out_of_scope_persona_gets_404_and_nothing_is_saved(endpoint, world, client_for, api_for):
    before = audit_count()
    response = call(_client(endpoint, endpoint.out_of_scope, world, client_for, api_for), endpoint, world)
    assert response.status_code == 404
    assert audit_count() == before


@pytest.mark.parametrize("endpoint", [e for e in ALL if e.writes and e.read_only], ids=str)
def test_read_only_persona_gets_403_on_write_and_nothing_is_saved(endpoint, world, client_for, api_for):
    before = audit_count()
    for persona in ("viewer", "province_viewer", "data_clerk"):
        response = call(_client(endpoint, persona, world, client_for, api_for), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code)
    assert audit_count() == before


@pytest.mark.parametrize(
    "endpoint", [e for e in ALL if e.name in {"create form", "import form", "api create"}], ids=str
)
def test_read_only_persona_cannot_open_create_or_import(endpoint, world, client_for, api_for):
    before = audit_count()
    response = call(_client(endpoint, "viewer", world, client_for, api_for), endpoint, world)
    assert response.status_code == 403
    assert audit_count() == before
