from __future__ import annotations

import pytest
from django.urls import reverse

from ytcs.core.models import AuditEntry
from ytcs.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db


def results(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_list_returns_only_what_the_caller_may_see(world, api_for):
    assert set(results(api_for(world.region_manager).get(reverse("orgunit-list")))) == {"RA", "A1", "A2", "A1A"}
    assert set(results(api_for(world.outsider).get(reverse("orgunit-list")))) == {"RB", "B1"}


def test_list_filters_by_kind_parent_and_diacritic_free_search(world, api_for):
    api = api_for(world.province_admin)
    assert results(api.get(reverse("orgunit-list"), {"kind": "station", "parent": "RA"})) == ["A1", "A2"]
    assert results(api.get(reverse("orgunit-list"), {"q": "dong ha"})) == ["A2"]
    assert set(results(api.get(reverse("orgunit-list"), {"within": "RA", "kind": "satellite"}))) == {"A1A"}


def test_list_paginates_with_page_size_capped_at_1000(world, api_for):
    body = api_for(world.province_admin).get(reverse("orgunit-list"), {"page_size": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 7 and len(body["results"]) == 2 and "page=2" in body["next"]
    big = api_for(world.province_admin).get(reverse("orgunit-list"), {"page_size": 5000}).json()
    assert len(big["results"]) == 7


def test_detail_by_code_includes_populations(world, api_for):
    body = api_for(world.station_head).get(reverse("orgunit-detail", args=["A1"])).json()
    assert body["parent"] == "RA" and body["populations"] == [{"year": 2025, "population": 8200, "source": ""}]


def test_create_validates_and_answers_json_errors(world, api_for):
    api = api_for(world.region_manager)
    response = api.post(
        reverse("orgunit-list"), {"code": "A1", "name": "Trùng", "kind": "station", "parent": "RA"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"} and "code" in body["errors"]
    response = api.post(
        reverse("orgunit-list"),
        {"code": "A8", "name": "X", "kind": "station", "parent": "RA", "opened_on": "2025-02-30"},
        format="json",
    )
    assert response.status_code == 400 and "opened_on" in response.json()["errors"]


def test_create_under_an_out_of_scope_parent_is_refused_without_revealing_it(world, api_for):
    response = api_for(world.region_manager).post(
        reverse("orgunit-list"), {"code": "B8", "name": "X", "kind": "station", "parent": "RB"}, format="json"
    )
    assert response.status_code == 400 and "parent" in response.json()["errors"]
    assert not OrgUnit.objects.filter(code="B8").exists()


def test_create_then_read_back(world, api_for):
    api = api_for(world.region_manager)
    response = api.post(
        reverse("orgunit-list"),
        {"code": "A8", "name": "Trạm Y tế xã Tám", "kind": "station", "parent": "RA", "opened_on": "2024-01-15"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["path"].startswith(world.region_a.path)
    assert api.get(reverse("orgunit-detail", args=["A8"])).json()["opened_on"] == "2024-01-15"


def test_close_requires_open_subunits_to_be_closed(world, api_for):
    api = api_for(world.region_manager)
    response = api.post(reverse("orgunit-close", args=["A1"]), {"closed_on": "2026-01-01"}, format="json")
    assert response.status_code == 400 and "closed_on" in response.json()["errors"]


def test_token_and_session_auth_both_work(world, api_for, client_for):
    assert api_for(world.viewer).get(reverse("orgunit-list")).status_code == 200
    assert client_for(world.viewer).get(reverse("orgunit-list")).status_code == 200


def test_session_writes_need_csrf(world):
    from django.test import Client

    from ytcs.core.testing.factories import PASSWORD

    client = Client(enforce_csrf_checks=True)
    client.login(username="region_manager", password=PASSWORD)
    response = client.patch(reverse("orgunit-detail", args=["A1"]), '{"phone": "1"}', content_type="application/json")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(source="api").exists()


def test_unknown_code_is_404_json(world, api_for):
    response = api_for(world.province_admin).get(reverse("orgunit-detail", args=["NOPE"]))
    assert response.status_code == 404 and set(response.json()) == {"detail", "errors"}


def test_schema_validates(world, client_for):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert "/api/v1/orgunits/{code}/close/" in schema["paths"]


def test_list_query_count_does_not_grow_with_rows(world, api_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ytcs.core.testing.factories import OrgUnitFactory, PopulationFactory

    api = api_for(world.province_admin)
    with CaptureQueriesContext(connection) as few:
        api.get(reverse("orgunit-list"))
    for i in range(20):
        PopulationFactory(orgunit=OrgUnitFactory(code=f"Q{i}", parent=world.region_b), year=2025)
    with CaptureQueriesContext(connection) as many:
        response = api.get(reverse("orgunit-list"))
    assert response.json()["count"] == 27
    assert len(many) == len(few) <= 6


def test_a_database_conflict_answers_409_not_500(world, api_for, monkeypatch):
    from django.db import IntegrityError

    from ytcs.orgunits import services

    def racing(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "orgunit_create", racing)
    response = api_for(world.region_manager).post(
        reverse("orgunit-list"), {"code": "A8", "name": "X", "kind": "station", "parent": "RA"}, format="json"
    )
    assert response.status_code == 409 and set(response.json()) == {"detail", "errors"}


def test_put_of_what_get_returned_succeeds_even_with_a_parent_above_the_callers_scope(world, api_for):
    api = api_for(world.station_head)
    body = api.get(reverse("orgunit-detail", args=["A1"])).json()
    body["phone"] = "0210 3850 999"
    response = api.put(reverse("orgunit-detail", args=["A1"]), body, format="json")
    assert response.status_code == 200, response.content
    assert OrgUnit.objects.get(code="A1").phone == "0210 3850 999"


def test_a_superuser_creates_a_root_unit_and_others_get_a_field_error(world, api_for):
    payload = {"code": "P2", "name": "Sở Y tế tỉnh Mới", "kind": "province"}
    assert api_for(world.superuser).post(reverse("orgunit-list"), payload, format="json").status_code == 201
    response = api_for(world.province_admin).post(reverse("orgunit-list"), {**payload, "code": "P3"}, format="json")
    assert response.status_code == 400 and "parent" in response.json()["errors"]
