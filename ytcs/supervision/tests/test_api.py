"""The supervision API's behaviour: the directive workflow with evidence, files served back as checked, errors
named by field, the timeline's pages, bounded queries on lists, and answers that match the OpenAPI schema."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from ytcs.core.testing.factories import assessment_framework
from ytcs.supervision.models import Directive, Notification, VisitPhoto
from ytcs.supervision.tests.helpers import JPEG, PDF, days, directive, obstacle, visit

pytestmark = pytest.mark.django_db


def test_a_directive_goes_through_the_api_from_issue_to_acceptance_with_evidence(world, api_for):
    issuer, station = api_for(world.region_manager), api_for(world.station_head)
    created = issuer.post(
        reverse("supervision-visit-list"),
        {
            "orgunit": "RA",
            "title": "Giám sát quý III",
            "visited_on": days(-2).isoformat(),
            "status": "done",
            "findings": "Kho thuốc chưa 5S",
            "units": ["A1"],
            "areas": ["facilities"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = {
        "visit": created.json()["id"],
        "orgunit": "A1",
        "title": "Áp dụng 5S tại kho thuốc",
        "category": "five_s",
        "due_on": days(30).isoformat(),
        "evidence_required": "Ảnh kho trước và sau",
    }
    issued = issuer.post(reverse("supervision-directive-list"), body, format="json")
    assert issued.status_code == 201, issued.json()
    data = issued.json()
    assert (data["issuer_unit"], data["orgunit"], data["status"], data["is_overdue"]) == ("RA", "A1", "open", False)
    progress = reverse("supervision-directive-progress", args=[data["id"]])
    started = station.post(progress, {"status": "in_progress", "note": "Đã phân công"}, format="json")
    assert started.json()["status"] == "in_progress"
    finished = station.post(
        progress,
        {"status": "done", "evidence": SimpleUploadedFile("kho.pdf", PDF, content_type="application/pdf")},
        format="multipart",
    )
    assert finished.status_code == 200, finished.json()
    last = finished.json()["updates"][-1]
    assert (last["to_status"], last["evidence_name"], last["evidence_type"]) == ("done", "kho.pdf", "application/pdf")
    download = station.get(last["evidence"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"] and download["X-Content-Type-Options"] == "nosniff"
    assert (
        station.post(reverse("supervision-directive-accept", args=[data["id"]]), {}, format="json").status_code == 403
    )
    accepted = issuer.post(reverse("supervision-directive-accept", args=[data["id"]]), {"note": "Đạt"}, format="json")
    assert accepted.json()["status"] == "accepted" and accepted.json()["accepted_by"] == "region_manager"
    assert Notification.objects.filter(user=world.station_head, kind="directive_accepted").exists()


def test_a_region_reports_but_never_accepts_a_directive_given_to_it(world, api_for):
    item = directive(world, user=world.province_admin, issuer=world.province, orgunit=world.region_a)
    region = api_for(world.region_manager)
    reported = region.post(
        reverse("supervision-directive-progress", args=[item.pk]), {"status": "done", "note": "Xong"}, format="json"
    )
    assert reported.status_code == 200
    refused = region.post(reverse("supervision-directive-accept", args=[item.pk]), {}, format="json")
    assert refused.status_code == 403
    assert Directive.objects.get(pk=item.pk).status == "done"
    returned = api_for(world.province_admin).post(
        reverse("supervision-directive-return", args=[item.pk]), {"note": "Thiếu báo cáo"}, format="json"
    )
    assert returned.json()["status"] == "in_progress"


def test_errors_are_named_by_field(world, api_for):
    client = api_for(world.region_manager)
    with translation.override("en"):
        missing = client.post(
            reverse("supervision-directive-list"),
            {
                "orgunit": "A1",
                "title": "x",
                "due_on": days(3).isoformat(),
                "source_text": "Hội nghị",
                "evidence_required": " ",
            },
            format="json",
        )
    assert missing.status_code == 400 and "evidence_required" in missing.json()["errors"]
    elsewhere = client.post(
        reverse("supervision-directive-list"),
        {
            "orgunit": "B1",
            "title": "x",
            "due_on": days(3).isoformat(),
            "source_text": "Hội nghị",
            "evidence_required": "x",
        },
        format="json",
    )
    assert elsewhere.status_code == 400 and "orgunit" in elsewhere.json()["errors"]  # B1 is not in sight
    item = directive(world)
    wrong = api_for(world.station_head).post(
        reverse("supervision-directive-progress", args=[item.pk]), {"status": "done"}, format="json"
    )
    assert wrong.status_code == 400 and "note" in wrong.json()["errors"]
    moved = client.patch(reverse("supervision-directive-detail", args=[item.pk]), {"orgunit": "A2"}, format="json")
    assert moved.status_code == 400 and "orgunit" in moved.json()["errors"]
    unknown_plan = client.patch(
        reverse("supervision-directive-detail", args=[item.pk]), {"training_plan": 999999}, format="json"
    )
    assert unknown_plan.status_code == 400 and "training_plan" in unknown_plan.json()["errors"]


def test_a_photo_is_served_as_checked_and_a_fake_one_refused(world, api_for):
    recorded = visit(world)
    client = api_for(world.region_manager)
    photos = reverse("supervision-visit-photos", args=[recorded.pk])
    fake = client.post(photos, {"file": SimpleUploadedFile("a.jpg", b"GIF89a....", "image/jpeg")}, format="multipart")
    assert fake.status_code == 400 and "file" in fake.json()["errors"]
    ok = client.post(photos, {"file": SimpleUploadedFile("cổng trạm.jpg", JPEG, "image/jpeg")}, format="multipart")
    assert ok.status_code == 201 and ok.json()["original_name"] == "cổng trạm.jpg"
    served = api_for(world.station_head).get(reverse("supervision-photo-detail", args=[ok.json()["id"]]))
    assert served["Content-Type"] == "image/jpeg" and b"".join(served.streaming_content) == JPEG
    assert VisitPhoto.objects.count() == 1
    listed = client.get(photos).json()
    assert listed["count"] == 1


def test_a_checklist_visit_shows_each_units_assessment(world, api_for):
    framework = assessment_framework(world.province_admin)
    recorded = visit(world, framework=framework, units=[world.station_a1, world.region_a])
    data = api_for(world.station_head).get(reverse("supervision-visit-detail", args=[recorded.pk])).json()
    units = {u["code"]: u for u in data["units"]}
    assert units["A1"]["assessment"] and units["A1"]["assessment_status"] == "draft"
    assert units["RA"]["assessment"] is None
    assert data["framework"] == framework.pk


def test_the_timeline_pages_with_next_and_previous_links(world, api_for):
    for n in range(3):
        visit(world, title=f"Giám sát lần {n}", visited_on=days(-30 + n))
    obstacle(world)
    client = api_for(world.region_manager)
    first = client.get(reverse("supervision-timeline", args=["A1"]), {"page_size": 2}).json()
    assert first["count"] == 4 and first["previous"] is None and len(first["results"]) == 2
    assert first["results"][0]["kind"] == "obstacle"
    second = client.get(first["next"]).json()
    assert [r["title"] for r in second["results"]] == ["Giám sát lần 1", "Giám sát lần 0"]
    assert second["next"] is None and second["previous"]
    assert client.get(reverse("supervision-timeline", args=["NOPE"])).status_code == 404


def test_lists_take_a_bounded_number_of_queries(world, api_for):
    client = api_for(world.province_admin)
    for n in range(3):
        directive(world, title=f"Chỉ đạo {n}")
        obstacle(world, subject=f"Vướng mắc {n}")
        visit(world, title=f"Giám sát {n}")
    counts = {}
    for name in ("supervision-directive-list", "supervision-obstacle-list", "supervision-visit-list"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        counts[name] = len(queries)
    directive(world, title="Thêm")
    obstacle(world, subject="Thêm")
    visit(world, title="Thêm")
    for name, before in counts.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse(name))
        assert len(queries) == before, name


def test_notifications_are_listed_read_and_marked(world, api_for):
    directive(world)
    directive(world, title="Thứ hai")
    client = api_for(world.station_head)
    listed = client.get(reverse("supervision-notification-list"), {"unread": "true"}).json()
    assert listed["count"] == 2
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(reverse("supervision-notification-list")).json()
    assert english["results"][0]["text"].startswith("New directive for Trạm Y tế xã Nguyễn Huệ: Thứ hai")
    first = listed["results"][0]["id"]
    assert client.post(reverse("supervision-notification-read", args=[first])).json()["read_at"]
    assert client.get(reverse("supervision-notification-list"), {"unread": "true"}).json()["count"] == 1
    assert client.post(reverse("supervision-notification-read-all")).json() == {"marked": 1}


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


def test_the_answers_match_their_openapi_schema(world, api_for):
    import jsonschema
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    definitions = _json_schema(schema["components"]["schemas"])

    def check(path, data, method="get", status=200):
        content = schema["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
        jsonschema.Draft4Validator({**_json_schema(content), "definitions": definitions}).validate(data)

    recorded = visit(world)
    item = directive(world, source=recorded)
    sent = obstacle(world)
    client = api_for(world.province_admin)
    client.post(reverse("supervision-obstacle-answer", args=[sent.pk]), {"body": "Đã trả lời"}, format="json")
    base = "/api/v1/supervision/"
    check(base + "visits/", client.get(base + "visits/").json())
    check(base + "visits/{id}/", client.get(f"{base}visits/{recorded.pk}/").json())
    check(base + "directives/", client.get(base + "directives/").json())
    check(base + "directives/{id}/", client.get(f"{base}directives/{item.pk}/").json())
    check(base + "directives/follow-up/", client.get(base + "directives/follow-up/").json())
    check(base + "board/", client.get(base + "board/").json())
    check(base + "timeline/{code}/", client.get(base + "timeline/A1/").json())
    check(base + "obstacles/", client.get(base + "obstacles/").json())
    check(base + "obstacles/{id}/", client.get(f"{base}obstacles/{sent.pk}/").json())
    check(base + "notifications/", api_for(world.station_head).get(base + "notifications/").json())
