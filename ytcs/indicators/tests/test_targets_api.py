"""The target API: plans by code, a plan's targets with the bulk upsert (all or nothing, errors naming the index
and field), the units at risk and the report as JSON, PDF and .xlsx; error shapes, scope and the schema."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from ytcs.core.models import AuditEntry
from ytcs.indicators.models import Target, TargetPlan
from ytcs.indicators.tests.targets_fixtures import INDICATOR, deliveries, province_plan, region_plan

pytestmark = pytest.mark.django_db
PLANS = reverse("target-plan-list")


def plan_url(code: str) -> str:
    return reverse("target-plan-detail", args=[code])


def targets_url(code: str) -> str:
    return reverse("target-plan-targets", args=[code])


def ok(response, status: int = 200):
    assert response.status_code == status, response.content[:800]
    return response.json() if response.content else None


def refused(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content[:800]
    body = response.json()
    assert set(body) == {"detail", "errors"}
    return body["errors"]


@pytest.fixture
def data(world):
    deliveries(world)
    return {"plan": region_plan(world), "province": province_plan(world)}


# ---------------------------------------------------------------------------------------------- plans


def test_plans_are_listed_by_scope_and_read_by_code(world, data, api_for):
    outsider = ok(api_for(world.outsider).get(PLANS))
    assert [p["code"] for p in outsider["results"]] == ["KH-TINH"]
    listed = ok(api_for(world.region_manager).get(PLANS + "?year=2024"))
    assert [p["code"] for p in listed["results"]] == ["KH-RA"]
    plan = ok(api_for(world.station_head).get(plan_url("KH-RA")))
    assert plan["orgunit"] == "RA" and plan["target_count"] == 3 and plan["confirmed"] is False
    refused(api_for(world.outsider).get(plan_url("KH-RA")), 404)


def test_recording_changing_and_deleting_a_plan(world, api_for):
    api = api_for(world.region_manager)
    body = {
        "code": "KH-2030",
        "name": "Kế hoạch đến 2030",
        "orgunit": "RA",
        "start_year": 2025,
        "end_year": 2030,
        "issued_on": "05/02/2025",
        "document_number": "7/KH-TTYT",
    }
    created = ok(api.post(PLANS, body, format="json"), 201)
    assert created["issued_on"] == "2025-02-05" and created["orgunit_name"] == world.region_a.name
    assert "code" in refused(api.post(PLANS, body, format="json"))
    assert "orgunit" in refused(api.post(PLANS, {**body, "code": "KH-X", "orgunit": "PROV"}, format="json"))
    assert "end_year" in refused(api.post(PLANS, {**body, "code": "KH-Y", "end_year": 2020}, format="json"))
    changed = ok(api.patch(plan_url("KH-2030"), {"confirmed": True, "source": "Kế hoạch 7/KH-TTYT"}, format="json"))
    assert changed["confirmed"] is True
    assert "code" in refused(api.patch(plan_url("KH-2030"), {"code": "KH-Z"}, format="json"))
    ok(api.delete(plan_url("KH-2030")), 204)
    assert not TargetPlan.objects.filter(code="KH-2030").exists()
    assert AuditEntry.objects.filter(action="delete", object_repr="Kế hoạch đến 2030").exists()


def test_the_province_plan_is_read_below_but_changed_only_by_the_province(world, data, api_for):
    for persona in ("region_manager", "outsider", "station_head"):
        api = api_for(getattr(world, persona))
        ok(api.get(plan_url("KH-TINH")))
        refused(api.patch(plan_url("KH-TINH"), {"name": "x"}, format="json"), 403)
        refused(api.delete(plan_url("KH-TINH")), 403)
        body = [
            {"indicator": "TYT_CO_BS", "orgunit": "A1" if persona != "outsider" else "B1", "year": 2030, "value": 1}
        ]
        refused(api.post(targets_url("KH-TINH"), body, format="json"), 403)
    assert TargetPlan.objects.get(code="KH-TINH").name == "Kế hoạch của Sở Y tế giai đoạn đến 2030"


# ---------------------------------------------------------------------------------------------- targets


def test_targets_are_listed_and_set_in_bulk(world, data, api_for):
    api = api_for(world.region_manager)
    listed = ok(api.get(targets_url("KH-RA") + "?orgunit=A1"))
    assert [(t["orgunit"], t["year"], t["value"]) for t in listed["results"]] == [
        ("A1", 2025, 50.0),
        ("A1", 2030, 80.0),
    ]
    body = [
        {"indicator": INDICATOR, "orgunit": "A2", "year": 2030, "value": 65.5, "note": "Theo Chỉ thị 25"},
        {"indicator": INDICATOR, "orgunit": "A1", "year": 2025, "value": None},
        {"indicator": INDICATOR, "orgunit": "RA", "year": 2030, "value": 60, "applies_below": True},
    ]
    assert ok(api.post(targets_url("KH-RA"), body, format="json")) == {
        "created": 1,
        "updated": 0,
        "deleted": 1,
        "unchanged": 1,
    }
    assert sorted(Target.objects.filter(plan=data["plan"]).values_list("orgunit__code", "year", "value")) == [
        ("A1", 2030, 80.0),
        ("A2", 2030, 65.5),
        ("RA", 2030, 60.0),
    ]


def test_a_bad_item_is_named_by_index_and_field_and_nothing_is_saved(world, data, api_for):
    before = sorted(Target.objects.values_list("pk", "value"))
    api = api_for(world.region_manager)
    errors = refused(
        api.post(
            targets_url("KH-RA"),
            [
                {"indicator": INDICATOR, "orgunit": "A2", "year": 2027, "value": 40},
                {"indicator": "KHONG_CO", "orgunit": "B1", "year": 2027, "value": "nhiều"},
            ],
            format="json",
        )
    )
    assert set(errors) == {"1.indicator", "1.orgunit", "1.value"}
    admin = api_for(world.province_admin)
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    errors = refused(
        admin.post(
            targets_url("KH-RA"),
            [
                {"indicator": INDICATOR, "orgunit": "A2", "year": 2027, "value": 40},
                {"indicator": INDICATOR, "orgunit": "PROV", "year": 2027, "value": 40},
                {"indicator": INDICATOR, "orgunit": "A2", "year": 2040, "value": 40},
            ],
            format="json",
        )
    )
    assert set(errors) == {"1.orgunit", "2.year"}
    assert errors["1.orgunit"] == ["PROV is not RA or a unit under it."]
    assert refused(admin.post(targets_url("KH-RA"), {"indicator": INDICATOR}, format="json")) == {
        "non_field_errors": ["Send a list of targets."]
    }
    assert sorted(Target.objects.values_list("pk", "value")) == before


def test_read_only_callers_get_403_before_any_validation(world, data, api_for):
    for persona in ("viewer", "province_viewer", "data_clerk", "station_head"):
        refused(api_for(getattr(world, persona)).post(targets_url("KH-RA"), "not json", format="json"), 403)
        refused(api_for(getattr(world, persona)).post(PLANS, {}, format="json"), 403)


# ---------------------------------------------------------------------------------------------- at risk, report


def test_the_units_at_risk(world, data, api_for):
    url = reverse("targets-at-risk") + f"?plan=KH-RA&indicator={INDICATOR}&year=2025&level=3"
    body = ok(api_for(world.region_manager).get(url))
    assert body["count"] == 1
    [row] = body["results"]
    assert (row["orgunit"], row["latest_value"], row["slope"], row["projected"]) == ("A2", 20.0, 0.0, 20.0)
    assert row["target"] == {
        "value": 60.0,
        "year": 2030,
        "plan": "KH-RA",
        "confirmed": False,
        "set_on": "RA",
        "inherited": True,
    }
    refused(api_for(world.outsider).get(url), 404)
    assert "indicator" in refused(api_for(world.region_manager).get(reverse("targets-at-risk") + "?indicator=X"))
    assert "level" in refused(api_for(world.region_manager).get(url.replace("level=3", "level=9")))


def test_the_report_as_json_pdf_and_xlsx(world, data, api_for):
    api = api_for(world.region_manager)
    url = reverse("indicators-report") + "?unit=RA&year=2025&plan=KH-RA"
    body = ok(api.get(url))
    assert body["unit"] == {"code": "RA", "name": world.region_a.name, "level": 2}
    assert body["plan"] == "KH-RA" and body["unconfirmed"] is True
    [line] = body["indicators"]
    assert (line["indicator"], line["previous"], line["value"], line["target"], line["projected"], line["at_risk"]) == (
        INDICATOR,
        30.0,
        35.0,
        None,
        60.0,
        False,
    )
    assert [(r["orgunit"], r["projected"]) for r in body["at_risk"]] == [("A2", 20.0)]
    assert body["workforce"]["stations"] == 2 and body["workforce"]["population"] == 20700
    pdf = api.get(url + "&format=pdf&number=15/BC-TTYT&place=Hòa An&date=2026-02-05")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xlsx = api.get(url + "&format=xlsx&number=15/BC-TTYT")
    ws = load_workbook(io.BytesIO(xlsx.content))["Báo cáo"]
    assert "Số: 15/BC-TTYT" in [c for row in ws.iter_rows(values_only=True) for c in row]
    refused(api_for(world.outsider).get(url), 404)
    assert "format" in refused(api.get(url + "&format=docx"))
    assert "level" in refused(api.get(url + "&level=1"))


def test_schema_documents_the_target_paths(world):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/target-plans/"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/target-plans/{code}/"])
    assert "put" not in paths["/api/v1/target-plans/{code}/"]
    assert {"get", "post"} <= set(paths["/api/v1/target-plans/{code}/targets/"])
    report = paths["/api/v1/indicators-report/"]["get"]
    assert set(report["responses"]["200"]["content"]) == {
        "application/json",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert {"unit", "year", "plan", "format"} <= {p["name"] for p in report["parameters"]}
    assert {"plan", "indicator", "year", "level"} <= {
        p["name"] for p in paths["/api/v1/targets/at-risk/"]["get"]["parameters"]
    }


def test_list_query_counts_do_not_grow_with_rows(world, data, api_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ytcs.indicators import target_services as services
    from ytcs.indicators.target_services import TargetInput
    from ytcs.indicators.tests.helpers import indicator

    api = api_for(world.province_admin)
    api.get(PLANS)  # the token and the caller's roles are read once per request either way

    def counts():
        out = []
        for url in (PLANS, targets_url("KH-RA")):
            with CaptureQueriesContext(connection) as queries:
                ok(api.get(url))
            out.append(len(queries))
        return out

    few = counts()
    for n in range(6):
        plan = services.plan_create(
            user=world.province_admin,
            orgunit=world.region_a,
            code=f"KH-{n}",
            name=f"Kế hoạch {n}",
            start_year=2025,
            end_year=2030,
        )
        services.targets_set(
            user=world.province_admin,
            plan=plan,
            items=[TargetInput(indicator("BS_10000"), world.station_a1, 2025 + n, n)],
        )
    services.targets_set(
        user=world.province_admin,
        plan=data["plan"],
        items=[TargetInput(indicator("BS_10000"), world.station_a2, year, 9) for year in range(2024, 2031)],
    )
    assert counts() == few
