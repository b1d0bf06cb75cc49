"""Persona matrix over the printed report (pages and API): anonymous → login / 401, in scope → 200, the outsider
(region B) → 404 on region A's report. The report only reads: read-only roles print it too, and nothing is ever
saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ytcs.core.testing.matrix import Endpoint, audit_count, call, page_matrix
from ytcs.core.testing.personas import World
from ytcs.indicators.tests.targets_fixtures import deliveries, region_plan

QUERY = "unit=RA&year=2025&plan=KH-RA&place=Hòa An&date=05/02/2026&number=15/BC-TTYT"
API_QUERY = "unit=RA&year=2025&plan=KH-RA"


def _records(w: World) -> dict:
    records = w.__dict__.setdefault("_report_records", {})
    if not records:
        deliveries(w)
        records["plan"] = region_plan(w)
    return records


@pytest.fixture
def world(world):
    _records(world)
    return world


def page(name: str, query: str = ""):
    return lambda w: reverse(name) + (f"?{query}" if query else "")


PAGES = [
    Endpoint("report form", "get", page("indicators:report", "unit=RA&plan=KH-RA")),
    Endpoint("report form default", "get", page("indicators:report"), out_of_scope=None),
    Endpoint("report pdf", "get", page("indicators:report_pdf", QUERY)),
    Endpoint("report xlsx", "get", page("indicators:report_xlsx", QUERY)),
]

API_ENDPOINTS = [
    Endpoint("api report json", "get", page("indicators-report", API_QUERY), api=True),
    Endpoint("api report pdf", "get", page("indicators-report", API_QUERY + "&format=pdf"), api=True),
    Endpoint("api report xlsx", "get", page("indicators-report", API_QUERY + "&format=xlsx"), api=True),
]

ENDPOINTS = PAGES + API_ENDPOINTS


def _snapshot() -> int:
    return audit_count()


globals().update(page_matrix(PAGES, _snapshot))


@pytest.mark.parametrize("endpoint", PAGES, ids=str)
def test_read_only_roles_print_the_report(endpoint, world, client_for):
    for persona in ("viewer", "province_viewer", "data_clerk"):
        assert call(client_for(getattr(world, persona)), endpoint, world).status_code == 200, persona
    # A station head sees their station, not the region it belongs to.
    expected = 404 if endpoint.out_of_scope else 200
    assert call(client_for(world.station_head), endpoint, world).status_code == expected


@pytest.mark.parametrize("endpoint", API_ENDPOINTS, ids=str)
def test_api_report_by_persona(endpoint, world, api_for):
    before = audit_count()
    assert call(api_for(None), endpoint, world).status_code == 401
    for persona in ("region_manager", "viewer", "province_viewer", "province_admin"):
        response = call(api_for(getattr(world, persona)), endpoint, world)
        assert response.status_code == 200, (persona, response.content[:300])
    response = call(api_for(world.outsider), endpoint, world)
    assert response.status_code == 404 and set(response.json()) == {"detail", "errors"}
    assert audit_count() == before
