"""Persona matrix over the target pages and API: anonymous → login / 401, in scope → 2xx/3xx, outsider (region B)
→ 404 on region A's plan with nothing saved, read-only roles → 403 on every write (and on opening a write form)
with nothing saved. The plan acted on is region A's (the region manager approves there); the province's plan is
read below it and changed only by the province."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from ytcs.core.testing.matrix import Endpoint, audit_count, call, page_matrix
from ytcs.core.testing.personas import World
from ytcs.indicators import targets_xlsx
from ytcs.indicators.models import Target, TargetPlan
from ytcs.indicators.tests.targets_fixtures import INDICATOR, deliveries, province_plan, region_plan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _records(w: World) -> dict:
    records = w.__dict__.setdefault("_target_records", {})
    if not records:
        deliveries(w)
        records["plan"] = region_plan(w)
        records["province"] = province_plan(w)
    return records


@pytest.fixture
def world(world):
    """The persona world with the plans made before any count is taken."""
    _records(world)
    return world


def page(name: str, query: str = "", **kwargs):
    return lambda w: reverse(name, kwargs=kwargs or None) + (f"?{query}" if query else "")


def plan_page(name: str, code: str = "KH-RA", query: str = ""):
    return page(name, query, code=code)


def plan_form_data(w: World, **overrides) -> dict:
    data = {
        "name": "Kế hoạch thực hiện Chỉ thị 25-CT/TW (sửa)",
        "document_number": "45/KH-TTYT",
        "issued_by": "TTYT khu vực Hòa An",
        "issued_on": "10/03/2024",
        "start_year": "2024",
        "end_year": "2030",
        "source": "Kế hoạch 45/KH-TTYT",
        "confirmed": "on",
        "notes": "",
    }
    return {**data, **overrides}


def import_file(w: World) -> dict:
    wb = load_workbook(io.BytesIO(targets_xlsx.targets_workbook(plan=None)))
    wb[targets_xlsx.SHEET].append([INDICATOR, "A2", 2027, 55, "Không", "Nhập từ tệp"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return {"file": SimpleUploadedFile("chi-tieu.xlsx", buffer.getvalue(), content_type=XLSX)}


GRID = f"indicator={INDICATOR}&level=3"
AT_RISK = f"plan=KH-RA&indicator={INDICATOR}&year=2025&level=3"
LISTS = {"out_of_scope": None}

PAGES = [
    Endpoint("plan list", "get", page("indicators:target_plan_list"), **LISTS),
    Endpoint("plan list filtered", "get", page("indicators:target_plan_list", "q=Chỉ&year=2026&orgunit=RA"), **LISTS),
    Endpoint("plan create form", "get", page("indicators:target_plan_create"), **LISTS),
    Endpoint(
        "plan create",
        "post",
        page("indicators:target_plan_create"),
        lambda w: plan_form_data(w, orgunit=w.region_a.pk, code="KH-MOI", name="Kế hoạch mới"),
        **LISTS,
    ),
    Endpoint("plan detail", "get", plan_page("indicators:target_plan_detail", query="year=2025")),
    Endpoint("plan edit form", "get", plan_page("indicators:target_plan_edit")),
    Endpoint("plan edit", "post", plan_page("indicators:target_plan_edit"), plan_form_data),
    Endpoint("plan delete", "post", plan_page("indicators:target_plan_delete")),
    Endpoint("grid form", "get", plan_page("indicators:target_grid", query=GRID)),
    Endpoint(
        "grid save",
        "post",
        plan_page("indicators:target_grid", query=GRID),
        lambda w: {f"v_{w.station_a2.pk}_2027": "45", f"v_{w.station_a2.pk}_2028": "50"},
    ),
    Endpoint("import form", "get", plan_page("indicators:target_import")),
    Endpoint("import", "post", plan_page("indicators:target_import"), import_file),
    Endpoint("export", "get", plan_page("indicators:target_export")),
    Endpoint("export template", "get", plan_page("indicators:target_export", query="template=1")),
    Endpoint("at risk", "get", page("indicators:at_risk", AT_RISK)),
    Endpoint("at risk export", "get", page("indicators:at_risk", AT_RISK + "&export=xlsx")),
    Endpoint("at risk default", "get", page("indicators:at_risk"), **LISTS),
]

WRITE_FORMS = [e for e in PAGES if e.method == "get" and "form" in e.name]


def api(name: str, *args, query: str = ""):
    return lambda w: reverse(name, args=args) + query


API = {"api": True}
API_LISTS = {"api": True, "out_of_scope": None}

API_ENDPOINTS = [
    Endpoint("api plans", "get", api("target-plan-list"), **API_LISTS),
    Endpoint(
        "api plan create",
        "post",
        api("target-plan-list"),
        lambda w: {"code": "KH-API", "name": "Kế hoạch qua API", "orgunit": "RA", "start_year": 2025, "end_year": 2030},
        **API_LISTS,
    ),
    Endpoint("api plan", "get", api("target-plan-detail", "KH-RA"), **API),
    Endpoint("api plan patch", "patch", api("target-plan-detail", "KH-RA"), lambda w: {"confirmed": True}, **API),
    Endpoint("api plan delete", "delete", api("target-plan-detail", "KH-RA"), ok=frozenset({204}), **API),
    Endpoint("api targets", "get", api("target-plan-targets", "KH-RA"), **API),
    Endpoint(
        "api targets set",
        "post",
        api("target-plan-targets", "KH-RA"),
        lambda w: [{"indicator": INDICATOR, "orgunit": "A2", "year": 2027, "value": 45}],
        **API,
    ),
    Endpoint("api at risk", "get", api("targets-at-risk", query=f"?{AT_RISK}"), **API),
    Endpoint("api at risk default", "get", api("targets-at-risk"), **API_LISTS),
]

ENDPOINTS = PAGES + API_ENDPOINTS


def _snapshot() -> tuple:
    return (
        audit_count(),
        tuple(TargetPlan.objects.order_by("pk").values_list()),
        tuple(Target.objects.order_by("pk").values_list()),
    )


globals().update(page_matrix(PAGES, _snapshot, forms=WRITE_FORMS, check_follow=True))


# ---------------------------------------------------------------------------------------------- API


def _api(persona, world, api_for):
    return api_for(getattr(world, persona) if persona else None)


@pytest.mark.parametrize("endpoint", API_ENDPOINTS, ids=str)
def test_api_anonymous_gets_401(endpoint, world, api_for):
    before = _snapshot()
    assert call(_api(None, world, api_for), endpoint, world).status_code == 401
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", API_ENDPOINTS, ids=str)
def test_api_in_scope_persona_succeeds(endpoint, world, api_for):
    before = audit_count()
    response = call(_api(endpoint.allowed, world, api_for), endpoint, world)
    assert response.status_code in endpoint.ok, response.content[:500]
    assert (audit_count() > before) if endpoint.writes else (audit_count() == before)


@pytest.mark.parametrize("endpoint", [e for e in API_ENDPOINTS if e.out_of_scope], ids=str)
def test_api_out_of_scope_persona_gets_404_and_nothing_is_saved(endpoint, world, api_for):
    before = _snapshot()
    response = call(_api(endpoint.out_of_scope, world, api_for), endpoint, world)
    assert response.status_code == 404, response.content[:300]
    assert set(response.json()) == {"detail", "errors"}
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", [e for e in API_ENDPOINTS if e.writes], ids=str)
def test_api_read_only_persona_gets_403_on_write_and_nothing_is_saved(endpoint, world, api_for):
    before = _snapshot()
    for persona in ("viewer", "province_viewer", "data_clerk", "station_head"):
        response = call(_api(persona, world, api_for), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code, response.content[:300])
        assert set(response.json()) == {"detail", "errors"}
    assert _snapshot() == before


# ---------------------------------------------------------------------------------------------- beyond the matrix

PAGE_WRITES = [e for e in PAGES if e.writes]


@pytest.mark.parametrize("endpoint", PAGE_WRITES + WRITE_FORMS, ids=str)
def test_a_station_head_reads_the_plan_but_does_not_set_its_targets(endpoint, world, client_for):
    before = _snapshot()
    assert call(client_for(world.station_head), endpoint, world).status_code == 403
    assert _snapshot() == before


PROVINCE_WRITES = [
    ("indicators:target_plan_edit", plan_form_data),
    ("indicators:target_plan_delete", None),
    ("indicators:target_grid", lambda w: {f"v_{w.province.pk}_2027": "90"}),
    ("indicators:target_import", import_file),
]


@pytest.mark.parametrize("persona", ["region_manager", "outsider"])
def test_regional_managers_read_the_province_plan_but_do_not_change_it(persona, world, client_for):
    client = client_for(getattr(world, persona))
    assert client.get(reverse("indicators:target_plan_detail", args=["KH-TINH"])).status_code == 200
    assert client.get(reverse("indicators:target_export", args=["KH-TINH"])).status_code == 200
    before = _snapshot()
    for name, data in PROVINCE_WRITES:
        response = client.post(reverse(name, args=["KH-TINH"]), data(world) if data else None)
        assert response.status_code == 403, (name, response.status_code)
    assert _snapshot() == before
