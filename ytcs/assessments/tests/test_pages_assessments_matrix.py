"""Persona matrix over the assessment workflow pages: anonymous → login, in scope → 2xx/3xx, outsider → 404 with
nothing saved, read-only roles → 403 on every write (and on the new-assessment form) with nothing saved.

Every assessment here belongs to a station of region A: the region manager changes it and, being the level above,
verifies it; the outsider (region B) cannot see it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ytcs.assessments import services
from ytcs.assessments.models import Answer, Assessment, Evidence, Item
from ytcs.core.testing.factories import ASSESSMENT_TEST_FRAMEWORK, assessment_framework
from ytcs.core.testing.matrix import Endpoint, audit_count, call, page_matrix
from ytcs.core.testing.personas import World

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def png(name: str = "be-nuoc.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _records(w: World) -> dict:
    """The test framework; a draft of A1 (2026) with a file attached to TC3.1; a complete draft of A2 (2026) ready
    to submit; a submitted assessment of A1 (2025). Made once per world."""
    records = w.__dict__.setdefault("_assessment_records", {})
    if not records:
        # A framework of these pages' own (the test framework under another code), so the records never collide
        # with those other matrix modules make in the same world (the route coverage test runs them all).
        framework = assessment_framework(w.province_admin, {**ASSESSMENT_TEST_FRAMEWORK, "code": "thu-nghiem-trang"})
        items = {i.code: i for i in Item.objects.filter(criterion__framework=framework)}

        def complete(unit, year: int) -> Assessment:
            assessment = services.assessment_create(user=w.region_manager, orgunit=unit, framework=framework, year=year)
            services.answer_save(user=w.region_manager, assessment=assessment, item=items["TC3.1"], value=True)
            services.evidence_add(user=w.region_manager, assessment=assessment, item=items["TC3.1"], uploaded=png())
            return assessment

        draft = services.assessment_create(user=w.station_head, orgunit=w.station_a1, framework=framework, year=2026)
        evidence = services.evidence_add(user=w.station_head, assessment=draft, item=items["TC3.1"], uploaded=png())
        ready = complete(w.station_a2, 2026)
        submitted = services.assessment_submit(user=w.station_head, assessment=complete(w.station_a1, 2025))
        records.update(
            framework=framework, items=items, draft=draft, evidence=evidence, ready=ready, submitted=submitted
        )
    return records


def url(name: str, record: str | None = None):
    if record is None:
        return lambda w: reverse(f"assessments:{name}")
    return lambda w: reverse(f"assessments:{name}", args=[_records(w)[record].pk])


def new_assessment(w: World) -> dict:
    return {"orgunit": w.station_a2.pk, "framework": _records(w)["framework"].pk, "year": "2027"}


def answers(w: World) -> dict:
    item = _records(w)["items"]["TC3.1"]
    return {f"i{item.pk}-value": "yes", f"i{item.pk}-note": "Giếng khoan, đã xét nghiệm"}


def upload(w: World) -> dict:
    return {"item": _records(w)["items"]["TC3.1"].pk, "file": png("bien-ban.png")}


# Lists and new-record pages answer everyone (each sees their own scope): no outsider 404 there.
ANYONE = {"out_of_scope": None}

ENDPOINTS = [
    Endpoint("assessment list", "get", url("assessment_list"), **ANYONE),
    Endpoint("assessment create form", "get", url("assessment_create"), **ANYONE),
    Endpoint("assessment create", "post", url("assessment_create"), new_assessment, **ANYONE),
    Endpoint("assessment detail", "get", url("assessment_detail", "draft")),
    Endpoint("answer save", "post", url("answer_save", "draft"), answers),
    Endpoint("evidence upload", "post", url("evidence_upload", "draft"), upload),
    Endpoint("evidence download", "get", url("evidence_download", "evidence")),
    Endpoint("evidence delete", "post", url("evidence_delete", "evidence")),
    Endpoint("assessment submit", "post", url("assessment_submit", "ready")),
    Endpoint("assessment verify", "post", url("assessment_verify", "submitted"), lambda w: {"comment": "Đạt"}),
    Endpoint(
        "assessment return",
        "post",
        url("assessment_return", "submitted"),
        lambda w: {"comment": "Bổ sung ảnh bể nước"},
    ),
]

WRITE_FORMS = [e for e in ENDPOINTS if e.method == "get" and "form" in e.name]


@pytest.fixture
def world(world):
    """The persona world with the assessments made before any count is taken."""
    _records(world)
    return world


def _snapshot() -> tuple:
    """Everything these pages could write."""
    return (
        audit_count(),
        tuple(Assessment.objects.order_by("pk").values_list("orgunit_id", "year", "status", "comment", "total")),
        tuple(Answer.objects.order_by("pk").values_list("item_id", "value", "override_reason", "note")),
        tuple(Evidence.objects.order_by("pk").values_list("pk", "item_id", "size")),
    )


globals().update(page_matrix(ENDPOINTS, _snapshot, forms=WRITE_FORMS, check_follow=True))


@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if e.name in ("assessment verify", "assessment return")], ids=str
)
def test_a_station_does_not_verify_its_own_assessment(endpoint, world, client_for):
    """The station head may change their station's assessment but not verify or return it: 403, nothing saved."""
    before = _snapshot()
    response = call(client_for(world.station_head), endpoint, world)
    assert response.status_code == 403
    assert _snapshot() == before


def test_the_outsider_sees_nothing_of_region_a_in_the_list(world, client_for):
    response = client_for(world.outsider).get(reverse("assessments:assessment_list"))
    assert response.status_code == 200
    assert world.station_a1.name not in response.text and world.station_a2.name not in response.text
    assert response.context["page"].paginator.count == 0
