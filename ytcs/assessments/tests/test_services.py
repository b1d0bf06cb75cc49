"""The assessment workflow: import, pre-filled answers, overrides with a reason, submission, verification."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from ytcs.assessments import services
from ytcs.assessments.frameworks import FrameworkError, dump_yaml, framework_document, parse_framework
from ytcs.assessments.models import AssessmentStatus, Item
from ytcs.core.models import AuditEntry
from ytcs.core.testing.factories import ASSESSMENT_TEST_FRAMEWORK, StaffFactory, title

pytestmark = pytest.mark.django_db

DOCUMENT = ASSESSMENT_TEST_FRAMEWORK

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


@pytest.fixture
def framework(world):
    return services.framework_import(user=world.province_admin, data=DOCUMENT)


def item(code: str) -> Item:
    return Item.objects.get(code=code)


def test_a_framework_file_is_checked_whole_and_every_error_named():
    bad = {**DOCUMENT, "scoring": "magic", "criteria": [{"code": "A", "name": "a", "items": [{"code": "x"}]}]}
    with pytest.raises(FrameworkError) as error:
        parse_framework(bad)
    text = " ".join(error.value.errors)
    assert "framework.scoring" in text and "criteria[0].items[0].text" in text and "criteria[0].items[0].type" in text


@pytest.mark.parametrize(
    "change,place",
    [
        ({"unit_kinds": 7}, "framework.unit_kinds"),
        ({"unit_kinds": ["tram"]}, "framework.unit_kinds"),
        ({"pass_rule": "x"}, "framework.pass_rule"),
        ({"pass_rule": {"total_min": float("nan")}}, "pass_rule.total_min"),
        ({"criteria": [{"code": "A", "name": "a", "max_points": 100000, "items": 5}]}, "criteria[0].max_points"),
        ({"criteria": [{"code": "A", "name": "a", "items": 5}]}, "criteria[0].items"),
    ],
)
def test_a_wrongly_shaped_framework_is_refused_with_its_place(change, place):
    with pytest.raises(FrameworkError) as error:
        parse_framework({**DOCUMENT, **change})
    assert any(message.startswith(place) for message in error.value.errors), error.value.errors


def test_import_and_export_round_trip_and_only_managers_import(world, framework):
    import yaml

    again = parse_framework(yaml.safe_load(dump_yaml(framework_document(framework))))
    assert again["criteria"][0]["items"][1]["thresholds"] == [{"min": 1, "points": 2}]
    assert again["pass_total_min"] == Decimal(4) and [c["code"] for c in again["criteria"]] == ["TC2", "TC3"]
    with pytest.raises(PermissionDenied):
        services.framework_import(user=world.region_manager, data=DOCUMENT)


def test_a_new_assessment_is_prefilled_from_the_registry_with_its_source(world, framework):
    StaffFactory(orgunit=world.station_a1, title=title("bac-si"))
    assessment = services.assessment_create(
        user=world.station_head, orgunit=world.station_a1, framework=framework, year=2026
    )
    answers = {a.item.code: a for a in assessment.answers.select_related("item")}
    assert answers["TC2.1"].value is True and "1 bác sĩ" in answers["TC2.1"].prefill_source
    assert answers["TC2.2"].value == 0
    with pytest.raises(ValidationError):
        services.assessment_create(user=world.station_head, orgunit=world.station_a1, framework=framework, year=2026)
    with pytest.raises(ValidationError):  # a framework for stations
        services.assessment_create(user=world.region_manager, orgunit=world.region_a, framework=framework, year=2026)


def test_overriding_the_registry_needs_a_reason(world, framework):
    assessment = services.assessment_create(
        user=world.station_head, orgunit=world.station_a1, framework=framework, year=2026
    )
    with pytest.raises(ValidationError) as error:
        services.answer_save(user=world.station_head, assessment=assessment, item=item("TC2.1"), value=True)
    assert "override_reason" in error.value.message_dict
    answer = services.answer_save(
        user=world.station_head,
        assessment=assessment,
        item=item("TC2.1"),
        value="có",
        override_reason="Bác sĩ luân phiên từ trung tâm làm việc 3 ngày/tuần",
    )
    assert answer.value is True and answer.prefilled_value is False
    with pytest.raises(ValidationError) as error:
        services.answer_save(user=world.station_head, assessment=assessment, item=item("TC2.2"), value="nhiều")
    assert "TC2.2" in str(error.value.message_dict["value"])


def _complete(world, framework):
    assessment = services.assessment_create(
        user=world.station_head, orgunit=world.station_a1, framework=framework, year=2026
    )
    StaffFactory(orgunit=world.station_a1, title=title("bac-si"))
    services.answer_save(
        user=world.station_head, assessment=assessment, item=item("TC2.1"), value=True, override_reason="Mới tuyển"
    )
    services.answer_save(user=world.station_head, assessment=assessment, item=item("TC3.1"), value=True)
    return assessment


def test_submission_needs_every_answer_and_the_required_evidence(world, framework):
    assessment = services.assessment_create(
        user=world.station_head, orgunit=world.station_a1, framework=framework, year=2025
    )
    with pytest.raises(ValidationError) as error:
        services.assessment_submit(user=world.station_head, assessment=assessment)
    assert "TC3.1" in str(error.value.message_dict["answers"])
    assessment = _complete(world, framework)
    with pytest.raises(ValidationError) as error:
        services.assessment_submit(user=world.station_head, assessment=assessment)
    assert "TC3.1" in str(error.value.message_dict["evidence"])
    services.evidence_add(
        user=world.station_head,
        assessment=assessment,
        item=item("TC3.1"),
        uploaded=SimpleUploadedFile("nuoc sach.png", PNG, content_type="image/png"),
    )
    assessment = services.assessment_submit(user=world.station_head, assessment=assessment)
    # TC2 = 2 + 0 = 2 (its minimum), TC3 = 2: total 4, exactly the pass mark.
    assert (assessment.status, assessment.total, assessment.passed) == (AssessmentStatus.SUBMITTED, Decimal(4), True)
    with pytest.raises(ValidationError):
        services.answer_save(user=world.station_head, assessment=assessment, item=item("TC3.1"), value=False)


def test_a_station_cannot_verify_its_own_assessment_and_the_region_can(world, framework):
    assessment = _complete(world, framework)
    services.evidence_add(
        user=world.station_head,
        assessment=assessment,
        item=item("TC3.1"),
        uploaded=SimpleUploadedFile("a.png", PNG, content_type="image/png"),
    )
    services.assessment_submit(user=world.station_head, assessment=assessment)
    for user in (world.station_head, world.viewer, world.outsider, world.data_clerk):
        with pytest.raises(PermissionDenied):
            services.assessment_verify(user=user, assessment=assessment)
    with pytest.raises(ValidationError):
        services.assessment_return(user=world.region_manager, assessment=assessment, comment=" ")
    services.assessment_return(user=world.region_manager, assessment=assessment, comment="Bổ sung ảnh bể nước")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.RETURNED
    services.assessment_submit(user=world.station_head, assessment=assessment)
    services.assessment_verify(user=world.region_manager, assessment=assessment, comment="Đạt")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.VERIFIED and assessment.verified_by == world.region_manager
    statuses = [
        e.changes["status"][1]
        for e in AuditEntry.objects.filter(
            content_type__model="assessment", object_id=str(assessment.pk), action="update", changes__has_key="status"
        ).order_by("id")
    ]
    assert statuses == ["submitted", "returned", "submitted", "verified"]


def test_a_regional_centre_is_verified_by_the_province_not_by_itself(world):
    data = {**DOCUMENT, "code": "5s", "unit_kinds": ["regional_centre"]}
    framework = services.framework_import(user=world.province_admin, data=data)
    assessment = services.assessment_create(
        user=world.region_manager, orgunit=world.region_a, framework=framework, year=2026
    )
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.save()
    with pytest.raises(PermissionDenied):
        services.assessment_verify(user=world.region_manager, assessment=assessment)
    services.assessment_verify(user=world.province_admin, assessment=assessment)


def test_evidence_must_be_a_photo_or_a_pdf_of_a_limited_size_and_what_it_claims(world, framework):
    assessment = services.assessment_create(
        user=world.station_head, orgunit=world.station_a1, framework=framework, year=2026
    )
    for name, content, kind in (
        ("x.exe", b"MZ\x90\x00", "application/octet-stream"),
        ("fake.png", b"<script>", "image/png"),
    ):
        with pytest.raises(ValidationError):
            services.evidence_add(
                user=world.station_head, assessment=assessment, uploaded=SimpleUploadedFile(name, content, kind)
            )
    with override_settings(YTCS_EVIDENCE_MAX_BYTES=16), pytest.raises(ValidationError):
        services.evidence_add(
            user=world.station_head,
            assessment=assessment,
            uploaded=SimpleUploadedFile("big.png", PNG, content_type="image/png"),
        )
    evidence = services.evidence_add(
        user=world.station_head,
        assessment=assessment,
        uploaded=SimpleUploadedFile("../../etc/biên bản.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    )
    assert evidence.original_name == "biên bản.pdf"
    assert ".." not in evidence.file.name and evidence.file.name.startswith("evidence/")
    services.evidence_delete(user=world.station_head, evidence=evidence)
