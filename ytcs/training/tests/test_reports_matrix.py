"""Persona matrix over every training-report page, export, PDF and API endpoint (all read-only): anonymous → login
or 401, in scope → 200, out of scope → 404, and no write is accepted (405) with nothing saved.

Targets are region A's: its unit (orgunit=RA), its own plan (plans are visible below their unit, so a plan of
region A is out of the outsider's scope but in the station head's) and its one-page PDF."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ytcs.core.testing.factories import PlannedCourseFactory, TrainingPlanFactory, course
from ytcs.core.testing.matrix import Endpoint, audit_count, call
from ytcs.core.testing.personas import World

IN_SCOPE = ("region_manager", "viewer", "province_viewer", "data_clerk", "province_admin", "superuser")


def _plan(w: World):
    """Region A's plan with a line; made once per world (the URLs need its id)."""
    plan = w.__dict__.get("_report_plan")
    if plan is None:
        plan = TrainingPlanFactory(orgunit=w.region_a, year=2025, name="Kế hoạch đào tạo khu vực A 2025")
        PlannedCourseFactory(plan=plan, course=course("dien-tam-do"), group=w.station_a1, classes=1)
        w._report_plan = plan
    return plan


def page(name: str, query: str = "", *args: str):
    return lambda w: reverse(f"training:{name}", args=args or None) + (f"?{query}" if query else "")


def plan_page(name: str):
    return lambda w: f"{reverse(f'training:{name}')}?plan={_plan(w).pk}"


def api(name: str, query: str = ""):
    return lambda w: reverse(f"training-report-{name}") + (f"?{query}" if query else "")


# Who must get 404 besides the outsider: the station head (scope A1) does not see region A as a unit, but does
# see region A's plan.
PAGES = [
    Endpoint("reports", "get", page("reports", "year=2025"), out_of_scope=None),
    Endpoint("trained", "get", page("report_trained", "orgunit=RA&year_from=2024&year_to=2025")),
    Endpoint("trained of the whole scope", "get", page("report_trained"), out_of_scope=None),
    Endpoint("trained export", "get", page("report_trained_export", "orgunit=RA&level=3")),
    Endpoint("plan vs done", "get", plan_page("report_plan_vs_done")),
    Endpoint("plan vs done without a plan", "get", page("report_plan_vs_done"), out_of_scope=None),
    Endpoint("plan vs done export", "get", plan_page("report_plan_vs_done_export")),
    Endpoint("commitments", "get", page("report_commitments", "orgunit=RA&side=sending")),
    Endpoint("commitments export", "get", page("report_commitments_export", "orgunit=RA")),
    Endpoint("region pdf", "get", page("report_region_pdf", "year=2025", "RA")),
]
API = [
    Endpoint("api trained", "get", api("trained", "orgunit=RA&year_from=2025&year_to=2025"), api=True),
    Endpoint(
        "api plan vs done", "get", lambda w: f"{reverse('training-report-plan-vs-done')}?plan={_plan(w).pk}", api=True
    ),
    Endpoint("api commitments", "get", api("commitments", "orgunit=RA&by=serving"), api=True),
    Endpoint("api trained of the whole scope", "get", api("trained"), api=True, out_of_scope=None),
]
ENDPOINTS = PAGES + API

# The station head sees region A's plan (it is above A1) but not region A itself.
STATION_HEAD_SEES = {"plan vs done", "plan vs done export", "api plan vs done"}


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
    personas = IN_SCOPE + (("station_head",) if endpoint.name in STATION_HEAD_SEES else ())
    for persona in personas:
        response = call(_client(endpoint, persona, world, client_for, api_for), endpoint, world)
        assert response.status_code == 200, (persona, getattr(response, "content", b"")[:300])


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.out_of_scope], ids=str)
def test_out_of_scope_personas_get_404(endpoint, world, client_for, api_for):
    personas = ("outsider",) + (() if endpoint.name in STATION_HEAD_SEES else ("station_head",))
    for persona in personas:
        response = call(_client(endpoint, persona, world, client_for, api_for), endpoint, world)
        assert response.status_code == 404, persona


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_reports_accept_no_write(endpoint, world, client_for, api_for):
    url = endpoint.url(world)  # may create the plan it names
    before = audit_count()
    client = _client(endpoint, "province_admin", world, client_for, api_for)
    response = client.post(url, {}, format="json") if endpoint.api else client.post(url, {})
    assert response.status_code == 405
    assert audit_count() == before
