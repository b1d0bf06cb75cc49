"""/api/v1/dataValueSets and /api/v1/import-jobs/: imports in every body format, dry runs, conflicts (409, nothing
saved), background jobs through the Celery task, exports with DHIS2's filters, and the error shape."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ytcs.indicators import exchange
from ytcs.indicators import periods as P
from ytcs.indicators.models import DataValue, ImportJob
from ytcs.indicators.tests.helpers import put

pytestmark = pytest.mark.django_db

URL = "/api/v1/dataValueSets"


def month(offset: int = 0) -> str:
    period = P.containing(timezone.localdate(), "monthly")
    for _ in range(abs(offset)):
        period = period.next() if offset > 0 else period.previous()
    return period.code


def body(*values, **header):
    return {"period": month(), "orgUnit": "A1", **header, "dataValues": list(values)}


def stored():
    return {
        (v.orgunit.code, v.period, v.data_element.code, v.category_option_combo.code): v.value
        for v in DataValue.objects.select_related("orgunit", "data_element", "category_option_combo")
    }


def xlsx_bytes(rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = exchange.SHEET_VALUES
    ws.append(list(exchange.TEMPLATE_HEADERS))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_json_body_is_imported_and_answered_with_the_import_summary(world, api_for):
    response = api_for(world.region_manager).post(
        URL,
        body({"dataElement": "KCB_BHYT", "value": "5"}, {"dataElement": "DE_TAI_TRAM", "value": "1"}),
        format="json",
    )
    assert response.status_code == 200
    summary = response.json()
    assert summary["responseType"] == "ImportSummary" and summary["status"] == "SUCCESS"
    assert summary["importCount"] == {"imported": 2, "updated": 0, "ignored": 0, "deleted": 0}
    assert stored() == {("A1", month(), "KCB_BHYT", "default"): 5, ("A1", month(), "DE_TAI_TRAM", "default"): 1}


def test_the_xlsx_template_is_accepted_as_the_body_or_as_a_multipart_file(world, api_for):
    client = api_for(world.data_clerk)
    content = xlsx_bytes([("A2", None, month(), "KCB_BHYT", None, None, None, 4, None)])
    raw = client.generic("POST", URL, content, content_type=exchange.XLSX_CONTENT_TYPE)
    assert raw.status_code == 200, raw.content
    assert raw.json()["importCount"]["imported"] == 1
    upload = SimpleUploadedFile("mau.xlsx", xlsx_bytes([("A2", None, month(), "KCB_BHYT", None, None, None, 6, None)]))
    multipart = client.post(URL, {"file": upload, "importStrategy": "UPDATE"}, format="multipart")
    assert multipart.status_code == 200, multipart.content
    assert multipart.json()["importCount"] == {"imported": 0, "updated": 1, "ignored": 0, "deleted": 0}
    assert multipart.json()["importOptions"]["importStrategy"] == "UPDATE"
    assert stored() == {("A2", month(), "KCB_BHYT", "default"): 6}


def test_dry_run_saves_nothing(world, api_for):
    response = api_for(world.region_manager).post(
        URL + "?dryRun=true", body({"dataElement": "KCB_BHYT", "value": "5"}), format="json"
    )
    assert response.status_code == 200
    assert response.json()["importCount"]["imported"] == 1
    assert response.json()["importOptions"]["dryRun"] is True
    assert not DataValue.objects.exists()


def test_conflicts_answer_409_with_every_conflict_and_nothing_is_saved(world, api_for):
    response = api_for(world.region_manager).post(
        URL,
        body(
            {"dataElement": "KCB_BHYT", "value": "5"},
            {"dataElement": "KHONG_CO", "value": "5"},
            {"dataElement": "DE_TAI_TRAM", "orgUnit": "B1", "value": "5"},
        ),
        format="json",
    )
    assert response.status_code == 409
    data = response.json()
    assert data["status"] == "ERROR" and data["detail"] == data["description"] and data["errors"] == {}
    assert {(c["errorCode"], tuple(c["indexes"])) for c in data["conflicts"]} == {("E7610", (1,)), ("E7617", (2,))}
    assert data["importCount"]["ignored"] == 3
    assert not DataValue.objects.exists()


def test_async_import_runs_as_a_job_through_the_celery_task(world, api_for, django_capture_on_commit_callbacks):
    client = api_for(world.region_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL + "?async=true", body({"dataElement": "KCB_BHYT", "value": "8"}), format="json")
    assert response.status_code == 202
    job = response.json()
    assert job["status"] == "queued" and job["format"] == "json"
    assert job["url"].endswith(f"/api/v1/import-jobs/{job['id']}/")
    detail = client.get(job["url"]).json()
    assert detail["status"] == "done"
    assert detail["progress"]["percent"] == 100
    assert detail["summary"]["status"] == "SUCCESS"
    assert detail["summary"]["importCount"]["imported"] == 1
    assert stored() == {("A1", month(), "KCB_BHYT", "default"): 8}


def test_import_jobs_are_the_callers_own_and_listed_newest_first(world, api_for, django_assert_max_num_queries):
    for n in range(3):
        ImportJob.objects.create(
            created_by=world.region_manager, file=f"imports/{n}.json", original_name=f"{n}.json", file_format="json"
        )
    other = ImportJob.objects.create(
        created_by=world.outsider, file="imports/o.json", original_name="o.json", file_format="json"
    )
    client = api_for(world.region_manager)
    client.get("/api/v1/import-jobs/")  # the token and scope lookups
    with django_assert_max_num_queries(6):
        listing = client.get("/api/v1/import-jobs/?page_size=2")
    data = listing.json()
    assert data["count"] == 3 and [j["file"] for j in data["results"]] == ["2.json", "1.json"]
    assert "summary" not in data["results"][0]
    assert client.get(f"/api/v1/import-jobs/{other.pk}/").status_code == 404


def test_export_answers_dhis2s_dataValueSets_with_its_filters(world, api_for):
    put(
        world.province_admin,
        [("KCB_BHYT", world.station_a1, month(), 5), ("KCB_BHYT", world.station_b1, month(), 7)],
    )
    client = api_for(world.region_manager)
    response = client.get(URL, {"dataSet": "TYT_THANG", "period": month(), "orgUnit": "PROV", "children": "true"})
    assert response.status_code == 404  # the province lies above region A's manager
    response = client.get(URL, {"dataSet": "TYT_THANG", "period": month(), "orgUnit": "RA", "children": "true"})
    assert response.status_code == 200
    data = json.loads(b"".join(response.streaming_content))
    assert [(v["orgUnit"], v["dataElement"], v["value"]) for v in data["dataValues"]] == [("A1", "KCB_BHYT", "5")]


def test_bad_requests_answer_400_with_the_error_shape(world, api_for):
    client = api_for(world.region_manager)
    missing = client.get(URL, {"dataSet": "TYT_THANG", "orgUnit": "A1"})
    assert missing.status_code == 400
    assert set(missing.json()) == {"detail", "errors"} and "period" in missing.json()["errors"]
    bad_option = client.post(URL + "?importStrategy=SYNC", body(), format="json")
    assert bad_option.status_code == 400 and "importStrategy" in bad_option.json()["errors"]
    broken = client.generic("POST", URL, b'{"dataValues": [', content_type="application/json")
    assert broken.status_code == 400 and "file" in broken.json()["errors"]
    csv = client.generic("POST", URL, b"dataelement,period\n", content_type="text/csv")
    assert csv.status_code == 415 and set(csv.json()) == {"detail", "errors"}
    empty = client.generic("POST", URL, b"", content_type="application/json")
    assert empty.status_code == 400


def test_a_read_only_user_gets_403_before_anything_is_read(world, api_for):
    response = api_for(world.viewer).post(URL, body({"dataElement": "KCB_BHYT", "value": "5"}), format="json")
    assert response.status_code == 403
    assert not DataValue.objects.exists()


def test_apitoken_and_basic_authenticate_the_v1_api_too(world, client):
    from rest_framework.authtoken.models import Token

    from ytcs.core.testing.factories import PASSWORD

    token = Token.objects.create(user=world.region_manager)
    by_token = client.get("/api/v1/import-jobs/", HTTP_AUTHORIZATION=f"ApiToken {token.key}")
    assert by_token.status_code == 200
    import base64

    basic = base64.b64encode(f"region_manager:{PASSWORD}".encode()).decode()
    assert client.get("/api/v1/import-jobs/", HTTP_AUTHORIZATION=f"Basic {basic}").status_code == 200


def _json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a "null" type, refs point into the document."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    if "$ref" in node:
        node["$ref"] = node["$ref"].replace("#/components/schemas/", "#/definitions/")
    return node


def test_the_exchange_answers_match_their_openapi_schema(world, api_for, django_capture_on_commit_callbacks):
    import jsonschema
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    definitions = _json_schema(schema["components"]["schemas"])

    def check(path, method, status, data):
        content = schema["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
        jsonschema.Draft4Validator({**_json_schema(content), "definitions": definitions}).validate(data)

    client = api_for(world.region_manager)
    ok = client.post(URL, body({"dataElement": "KCB_BHYT", "value": "5", "comment": "Ghi"}), format="json")
    check(URL, "post", 200, ok.json())
    conflict = client.post(URL, body({"dataElement": "KHONG_CO", "value": "5"}), format="json")
    check(URL, "post", 409, conflict.json())
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(URL + "?async=true", body({"dataElement": "KCB_BHYT", "value": "6"}), format="json")
    check(URL, "post", 202, queued.json())
    exported = client.get(URL, {"dataSet": "TYT_THANG", "period": month(), "orgUnit": "A1"})
    check(URL, "get", 200, json.loads(b"".join(exported.streaming_content)))
    check("/api/v1/import-jobs/", "get", 200, client.get("/api/v1/import-jobs/").json())
    detail = f"/api/v1/import-jobs/{queued.json()['id']}/"
    check("/api/v1/import-jobs/{id}/", "get", 200, client.get(detail).json())
