"""Behaviour of the assessments API: frameworks (read, export, import), assessments (create, list, answers all or
none, submit, verify or return by the level above), the scorecard on hand-computed examples, evidence files;
error shapes, scope, query counts and the schema."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ytcs.accounts.roles import Role
from ytcs.assessments import services
from ytcs.assessments.frameworks import dump_yaml, parse_framework
from ytcs.assessments.models import Answer, Assessment, AssessmentStatus, Evidence, Framework, Item
from ytcs.core.models import AuditEntry
from ytcs.core.testing.factories import (
    ASSESSMENT_TEST_FRAMEWORK,
    OrgUnitFactory,
    RoleAssignmentFactory,
    StaffFactory,
    UserFactory,
    assessment_framework,
)

pytestmark = pytest.mark.django_db

FRAMEWORKS = reverse("assessment-framework-list")
IMPORT = reverse("assessment-framework-import")
ASSESSMENTS = reverse("assessment-list")
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32
PDF = b"%PDF-1.4 bien ban hop"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def framework(world):
    return assessment_framework(world.province_admin)


def ok(response, status: int = 200):
    assert response.status_code == status, response.content[:800]
    return response.json() if response.content else None


def refused(response, status: int = 400) -> dict:
    """An error answer: the status asked, {detail, errors}; returns the errors by field."""
    assert response.status_code == status, response.content[:800]
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["detail"]
    return body["errors"]


def results(response) -> list[dict]:
    body = ok(response)
    assert set(body) == {"count", "next", "previous", "results"}
    return body["results"]


def url(name: str, *args) -> str:
    return reverse(name, args=args)


def open_assessment(world, framework, unit=None, year: int = 2026) -> Assessment:
    return services.assessment_create(
        user=world.region_manager, orgunit=unit or world.station_a1, framework=framework, year=year
    )


def answers_of(body: dict) -> dict[str, dict]:
    return {row["item"]: row for row in body["answers"]}


def stored(assessment: Assessment) -> dict[str, tuple]:
    return {
        a.item.code: (a.value, a.override_reason, a.note)
        for a in Answer.objects.filter(assessment=assessment).select_related("item")
    }


def png(name: str = "be-nuoc.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def complete(world, assessment: Assessment, user=None) -> None:
    """Every item answered (TC2.2 overridden with a reason) and the evidence TC3.1 needs attached."""
    api_for_user = user or world.station_head
    item = Item.objects.get(criterion__framework=assessment.framework, code="TC3.1")
    services.answer_save(user=api_for_user, assessment=assessment, item=item, value=True)
    services.evidence_add(user=api_for_user, assessment=assessment, item=item, uploaded=png())


# ---------------------------------------------------------------------------------------------------- frameworks


def test_frameworks_are_listed_for_everyone_with_retired_versions_on_request(world, api_for, framework):
    Framework.objects.filter(code="5s-co-so-y-te").update(is_active=False)
    api = api_for(world.station_head)
    rows = results(api.get(FRAMEWORKS))
    codes = [row["code"] for row in rows]
    assert codes == sorted(codes) and "qd1300-2030" in codes and "who-sara-gsr" in codes
    assert "thu-nghiem" in codes and "5s-co-so-y-te" not in codes
    test = next(row for row in rows if row["code"] == "thu-nghiem")
    assert test["criteria_count"] == 2 and test["pass_rule"]["total_min"] == 4.0 and test["unit_kinds"] == ["station"]
    assert "5s-co-so-y-te" in [row["code"] for row in results(api.get(FRAMEWORKS, {"include_inactive": "true"}))]
    assert "include_inactive" in refused(api.get(FRAMEWORKS, {"include_inactive": "perhaps"}))


def test_a_framework_shows_its_criteria_items_sources_and_what_was_not_checked(world, api_for):
    api = api_for(world.viewer)
    qd1300 = Framework.objects.get(code="qd1300-2030")
    body = ok(api.get(url("assessment-framework-detail", qd1300.pk)))
    assert body["code"] == "qd1300-2030" and body["scoring"] == "points" and body["source"]
    assert body["notes"] and body["confirmed"] is False
    assert set(body["pass_rule"]) == {"total_min", "every_criterion_min_percent", "confirmed", "source"}
    assert len(body["criteria"]) == body["criteria_count"] == qd1300.criteria.count()
    item = body["criteria"][0]["items"][0]
    assert set(item) >= {"code", "text", "type", "max_points", "evidence_required", "confirmed", "source", "prefill"}
    sara = Framework.objects.get(code="who-sara-gsr")
    body = ok(api.get(url("assessment-framework-detail", sara.pk)))
    assert body["scoring"] == "domain_mean"
    assert {i["type"] for c in body["criteria"] for i in c["items"]} == {"yes_no"}
    refused(api.get(url("assessment-framework-detail", 999999)), 404)


def test_a_framework_exports_as_its_document_and_imports_back_as_a_new_version(world, api_for, framework):
    api = api_for(world.province_admin)
    document = ok(api.get(url("assessment-framework-export", framework.pk)))
    assert parse_framework(copy.deepcopy(document))["criteria"][0]["items"][1]["thresholds"] == [
        {"min": 1, "points": 2}
    ]
    assert document["pass_rule"]["total_min"] == 4
    document["version"] = "2027"
    created = ok(api.post(IMPORT, document, format="json"), 201)
    assert (created["code"], created["version"], created["criteria_count"]) == ("thu-nghiem", "2027", 2)
    again = ok(api.get(url("assessment-framework-export", created["id"])))
    assert again == document
    refused(api.get(url("assessment-framework-export", 999999)), 404)


def test_only_catalogue_managers_import_and_every_problem_is_listed_with_its_place(world, api_for, framework):
    data = {**copy.deepcopy(ASSESSMENT_TEST_FRAMEWORK), "version": "2030"}
    for persona in (world.region_manager, world.station_head, world.province_viewer, world.outsider):
        refused(api_for(persona).post(IMPORT, data, format="json"), 403)
    assert not Framework.objects.filter(version="2030").exists()
    api = api_for(world.province_admin)
    bad = {**data, "scoring": "magic", "criteria": [{"code": "A", "name": "a", "items": [{"code": "x"}]}]}
    before = AuditEntry.objects.count()
    problems = " ".join(refused(api.post(IMPORT, bad, format="json"))["document"])
    assert "framework.scoring" in problems and "criteria[0].items[0].text" in problems
    assert "criteria[0].items[0].type" in problems
    # Shapes the format does not allow, numbers the database cannot hold: 400, never a server error.
    for broken in (
        {**data, "criteria": [{"code": "A", "name": "a", "items": 5}]},
        {**data, "unit_kinds": 7},
        {**data, "pass_rule": "strict"},
        [data],
    ):
        assert "document" in refused(api.post(IMPORT, broken, format="json"))
    huge = copy.deepcopy(data)
    huge["criteria"][0]["max_points"] = 10**9
    assert "criteria[0].max_points" in " ".join(refused(api.post(IMPORT, huge, format="json"))["document"])
    assert "document" in refused(api.post(IMPORT, {**data, "name": "Bộ\x00"}, format="json"))
    assert AuditEntry.objects.count() == before and not Framework.objects.filter(version="2030").exists()


def test_a_yaml_file_imports_and_a_version_in_use_is_not_replaced(world, api_for, framework):
    api = api_for(world.province_admin)
    data = {**copy.deepcopy(ASSESSMENT_TEST_FRAMEWORK), "version": "2031", "name": "Bộ tiêu chí thử (tệp)"}
    upload = SimpleUploadedFile("bo-tieu-chi.yaml", dump_yaml(data).encode(), content_type="application/x-yaml")
    created = ok(api.post(IMPORT, {"file": upload}, format="multipart"), 201)
    assert created["name"] == "Bộ tiêu chí thử (tệp)" and created["criteria"][1]["items"][0]["evidence_required"]
    # Not used yet: replaced in place (same id).
    data["name"] = "Bộ tiêu chí thử (sửa)"
    replaced = ok(api.post(IMPORT, data, format="json"))
    assert replaced["id"] == created["id"] and replaced["name"] == "Bộ tiêu chí thử (sửa)"
    # Used by an assessment: refused, naming the version.
    open_assessment(world, framework)
    errors = refused(api.post(IMPORT, ASSESSMENT_TEST_FRAMEWORK, format="json"))
    assert "2026" in " ".join(errors["version"])
    assert "file" in refused(api.post(IMPORT, {}, format="multipart"))
    for content in (b"code: [unclosed", b"\xff\xfe not utf-8", b"a: &x [1, 2]\nb: *x\n"):
        upload = SimpleUploadedFile("bad.yaml", content, content_type="application/x-yaml")
        assert "file" in refused(api.post(IMPORT, {"file": upload}, format="multipart"))


# ---------------------------------------------------------------------------------------------------- assessments


def test_opening_an_assessment_prefills_the_registry_facts_with_their_source(world, api_for, framework):
    StaffFactory(orgunit=world.station_a1)  # a doctor at A1
    api = api_for(world.station_head)
    body = ok(api.post(ASSESSMENTS, {"orgunit": "A1", "framework": framework.pk, "year": 2026}, format="json"), 201)
    assert (body["orgunit"], body["framework_code"], body["year"], body["status"]) == (
        "A1",
        "thu-nghiem",
        2026,
        "draft",
    )
    assert body["can_change"] is True and body["can_verify"] is False and body["evidence"] == []
    rows = answers_of(body)
    assert list(rows) == ["TC2.1", "TC2.2", "TC3.1"]
    assert rows["TC2.1"]["value"] is True and rows["TC2.1"]["prefilled_value"] is True
    assert "A1" in rows["TC2.1"]["prefill_source"] and rows["TC2.1"]["overridden"] is False
    assert rows["TC3.1"]["value"] is None and rows["TC3.1"]["prefill_source"] == ""
    assert rows["TC3.1"]["evidence_required"] is True
    again = {"orgunit": "A1", "framework": framework.pk, "year": 2026}
    assert "year" in refused(api.post(ASSESSMENTS, again, format="json"))
    manager = api_for(world.region_manager)
    assert "framework" in refused(
        manager.post(ASSESSMENTS, {"orgunit": "RA", "framework": framework.pk, "year": 2026}, format="json")
    )
    assert "framework" in refused(manager.post(ASSESSMENTS, {"orgunit": "A2", "framework": 999999, "year": 2026}))
    assert "framework" in refused(manager.post(ASSESSMENTS, {"orgunit": "A2", "framework": "x", "year": 2026}))
    assert "year" in refused(manager.post(ASSESSMENTS, {"orgunit": "A2", "framework": framework.pk, "year": 1990}))
    # Units out of sight are unknown to the caller; read-only callers are refused before anything is checked.
    assert "orgunit" in refused(
        api_for(world.outsider).post(ASSESSMENTS, {"orgunit": "A2", "framework": framework.pk, "year": 2026})
    )
    refused(api_for(world.viewer).post(ASSESSMENTS, {}, format="json"), 403)
    # Not for this framework: a satellite point is not a station.
    assert "framework" in refused(api.post(ASSESSMENTS, {"orgunit": "A1A", "framework": framework.pk, "year": 2026}))
    # A unit the caller sees but may not change: 403, nothing opened.
    reader = UserFactory(username="head_and_reader", home_unit=world.station_a1)
    RoleAssignmentFactory(user=reader, role=Role.STATION_HEAD, orgunit=world.station_a1)
    RoleAssignmentFactory(user=reader, role=Role.VIEWER, orgunit=world.region_a)
    refused(api_for(reader).post(ASSESSMENTS, {"orgunit": "A2", "framework": framework.pk, "year": 2026}), 403)
    assert Assessment.objects.count() == 1


def test_the_list_filters_by_framework_year_status_unit_and_result_within_scope(world, api_for, framework):
    a1 = open_assessment(world, framework)
    a2 = open_assessment(world, framework, world.station_a2)
    old = open_assessment(world, framework, world.station_a1, year=2025)
    b1 = services.assessment_create(user=world.outsider, orgunit=world.station_b1, framework=framework, year=2026)
    Assessment.objects.filter(pk=old.pk).update(status=AssessmentStatus.VERIFIED, passed=True, total=Decimal(5))
    Assessment.objects.filter(pk=a2.pk).update(status=AssessmentStatus.SUBMITTED, passed=False, total=Decimal(1))
    api = api_for(world.region_manager)

    def ids(**params) -> list[int]:
        return [row["id"] for row in results(api.get(ASSESSMENTS, params))]

    assert ids() == [a1.pk, a2.pk, old.pk]
    assert ids(year=2025) == [old.pk] and ids(status="submitted") == [a2.pk]
    assert ids(orgunit="A2") == [a2.pk] and ids(orgunit="RA") == [a1.pk, a2.pk, old.pk] and ids(orgunit="B1") == []
    assert ids(passed="true") == [old.pk] and ids(passed="false") == [a2.pk]
    assert ids(framework="thu-nghiem") == [a1.pk, a2.pk, old.pk] and ids(framework="qd1300-2030") == []
    row = results(api.get(ASSESSMENTS, {"year": 2025}))[0]
    assert (row["total"], row["passed"], row["status_display"]) == (5.0, True, "Đã thẩm định")
    assert [row["id"] for row in results(api_for(world.outsider).get(ASSESSMENTS))] == [b1.pk]
    assert [row["id"] for row in results(api_for(world.station_head).get(ASSESSMENTS))] == [a1.pk, old.pk]
    assert "status" in refused(api.get(ASSESSMENTS, {"status": "asleep"}))
    assert "year" in refused(api.get(ASSESSMENTS, {"year": "last"}))
    assert "passed" in refused(api.get(ASSESSMENTS, {"passed": "perhaps"}))
    refused(api_for(world.outsider).get(url("assessment-detail", a1.pk)), 404)
    refused(api.get(url("assessment-detail", 999999)), 404)


def test_answers_are_saved_all_or_none_and_errors_name_each_item(world, api_for, framework):
    assessment = open_assessment(world, framework)
    answers = url("assessment-answers", assessment.pk)
    api = api_for(world.station_head)
    before, audits = stored(assessment), AuditEntry.objects.count()
    sheet = {
        "answers": [
            {"item": "TC3.1", "value": "có", "note": "Bể nước 5 m³"},  # fine on its own
            {"item": "TC2.1", "value": True},  # overrides the registry without a reason
            {"item": "TC2.2", "value": "nhiều"},  # not a number
        ]
    }
    errors = refused(api.patch(answers, sheet, format="json"))
    assert set(errors) == {"answers[TC2.1].override_reason", "answers[TC2.2].value"}
    assert errors["answers[TC2.1].override_reason"][0].startswith("TC2.1: ")
    assert errors["answers[TC2.2].value"][0].startswith("TC2.2: ")
    assert stored(assessment) == before and AuditEntry.objects.count() == audits
    # Problems of the request itself, each named by its item code (or position).
    bad = {
        "answers": [
            {"item": "TC9.9", "value": True},
            {"item": "TC3.1", "value": True},
            {"item": "TC3.1", "value": False},
            {"item": "TC2.2", "value": 1, "note": "x" * 501},
            "TC2.1",
        ]
    }
    errors = refused(api.patch(answers, bad, format="json"))
    assert set(errors) == {"answers[TC9.9].item", "answers[TC3.1].item", "answers[TC2.2].note", "answers[4]"}
    assert "answers" in refused(api.patch(answers, {"answers": {"item": "TC3.1"}}, format="json"))
    assert "answers" in refused(api.patch(answers, {}, format="json"))
    assert stored(assessment) == before
    sheet["answers"][1]["override_reason"] = "Bác sĩ luân phiên từ trung tâm 3 ngày/tuần"
    sheet["answers"][2]["value"] = 2
    sheet["answers"][2]["override_reason"] = "Hai người vừa có chứng chỉ"
    body = ok(api.patch(answers, sheet, format="json"))
    rows = answers_of(body)
    assert rows["TC3.1"]["value"] is True and rows["TC3.1"]["note"] == "Bể nước 5 m³"
    assert rows["TC2.1"]["value"] is True and rows["TC2.1"]["prefilled_value"] is False
    assert rows["TC2.1"]["overridden"] is True and rows["TC2.1"]["override_reason"].startswith("Bác sĩ")
    assert rows["TC2.2"]["value"] == 2


def test_patch_keeps_what_an_entry_leaves_out_and_put_clears_what_the_sheet_leaves_out(world, api_for, framework):
    assessment = open_assessment(world, framework)
    answers = url("assessment-answers", assessment.pk)
    api = api_for(world.region_manager)
    ok(
        api.patch(
            answers,
            {"answers": [{"item": "TC2.1", "value": True, "override_reason": "Mới tuyển", "note": "Từ 01/2026"}]},
            format="json",
        )
    )
    ok(api.patch(answers, {"answers": [{"item": "TC2.1", "note": "Từ 02/2026"}]}, format="json"))
    assert stored(assessment)["TC2.1"] == (True, "Mới tuyển", "Từ 02/2026")
    assert "answers[TC3.1].value" in refused(api.put(answers, {"answers": [{"item": "TC3.1"}]}, format="json"))
    body = ok(api.put(answers, {"answers": [{"item": "TC3.1", "value": False}]}, format="json"))
    rows = answers_of(body)
    assert rows["TC3.1"]["value"] is False
    assert rows["TC2.1"]["value"] is None and rows["TC2.1"]["prefilled_value"] is False
    assert rows["TC2.1"]["note"] == "" and rows["TC2.2"]["value"] is None
    # Answers go only to a draft or returned assessment, and only from those who may change the unit.
    refused(api_for(world.viewer).patch(answers, {"answers": []}, format="json"), 403)
    refused(api_for(world.outsider).patch(answers, {"answers": []}, format="json"), 404)
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.SUBMITTED)
    errors = refused(api.patch(answers, {"answers": [{"item": "TC3.1", "value": True}]}, format="json"))
    assert "non_field_errors" in errors and stored(assessment)["TC3.1"][0] is False


def test_submit_verify_and_return_follow_the_workflow_and_only_the_level_above_verifies(world, api_for, framework):
    assessment = open_assessment(world, framework)
    station = api_for(world.station_head)
    manager = api_for(world.region_manager)
    submit, verify, back = (
        url(name, assessment.pk) for name in ("assessment-submit", "assessment-verify", "assessment-return")
    )
    errors = refused(station.post(submit))
    assert "TC3.1" in " ".join(errors["answers"]) and "TC3.1" in " ".join(errors["evidence"])
    refused(manager.post(verify, {"comment": "Đạt"}, format="json"))  # not submitted yet
    complete(world, assessment)
    refused(api_for(world.viewer).post(submit), 403)
    body = ok(station.post(submit))
    assert body["status"] == "submitted" and body["total"] == 2.0 and body["passed"] is False
    assert body["submitted_by"] == "station_head" and body["can_change"] is False
    assert ok(manager.get(url("assessment-detail", assessment.pk)))["can_verify"] is True
    # The station does not verify its own assessment; readers and other regions do not either.
    for persona, status in ((world.station_head, 403), (world.viewer, 403), (world.data_clerk, 403)):
        refused(api_for(persona).post(verify, {"comment": "Đạt"}, format="json"), status)
        refused(api_for(persona).post(back, {"comment": "Sửa"}, format="json"), status)
    refused(api_for(world.outsider).post(verify, {}, format="json"), 404)
    assert ok(station.get(url("assessment-detail", assessment.pk)))["can_verify"] is False
    assert "comment" in refused(manager.post(back, {"comment": "  "}, format="json"))
    assert "comment" in refused(manager.post(back, {}, format="json"))
    body = ok(manager.post(back, {"comment": "Bổ sung ảnh bể nước"}, format="json"))
    assert body["status"] == "returned" and body["comment"] == "Bổ sung ảnh bể nước" and body["can_verify"] is False
    ok(
        station.patch(
            url("assessment-answers", assessment.pk),
            {"answers": [{"item": "TC2.2", "value": 1, "override_reason": "Có chứng chỉ mới"}]},
            format="json",
        )
    )
    ok(station.post(submit))
    body = ok(manager.post(verify, {"comment": "Đạt yêu cầu"}, format="json"))
    assert (body["status"], body["verified_by"], body["total"], body["passed"]) == (
        "verified",
        "region_manager",
        4.0,
        True,
    )
    assert body["comment"] == "Đạt yêu cầu"
    refused(manager.post(verify, {}, format="json"))  # already verified


def test_a_regional_centre_is_verified_by_the_province_not_by_its_own_manager(world, api_for):
    data = {**copy.deepcopy(ASSESSMENT_TEST_FRAMEWORK), "code": "5s-thu", "unit_kinds": ["regional_centre"]}
    framework = assessment_framework(world.province_admin, data)
    assessment = services.assessment_create(
        user=world.region_manager, orgunit=world.region_a, framework=framework, year=2026
    )
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.SUBMITTED)
    verify = url("assessment-verify", assessment.pk)
    refused(api_for(world.region_manager).post(verify, {}, format="json"), 403)
    assert ok(api_for(world.province_admin).post(verify, {}, format="json"))["status"] == "verified"


# ---------------------------------------------------------------------------------------------------- scorecard


def _answer(world, assessment, **values) -> None:
    for code, value in values.items():
        item = Item.objects.get(criterion__framework=assessment.framework, code=code.replace("_", "."))
        services.answer_save(
            user=world.region_manager, assessment=assessment, item=item, value=value, override_reason="Kiểm tra lại"
        )


def test_the_scorecard_reproduces_hand_computed_scores(world, api_for, framework):
    api = api_for(world.viewer)
    # No doctor, nobody certified (both pre-filled), no clean water: TC2 = 0 below its minimum 2, TC3 = 0,
    # total 0 below the pass mark 4.
    failing = open_assessment(world, framework)
    _answer(world, failing, TC3_1=False)
    card = ok(api.get(url("assessment-score", failing.pk)))
    assert (card["total"], card["maximum"], card["percent"], card["complete"], card["passed"]) == (0, 6, 0, True, False)
    tc2, tc3 = card["criteria"]
    assert (tc2["code"], tc2["points"], tc2["maximum"], tc2["passed"]) == ("TC2", 0, 4, False)
    assert (tc3["points"], tc3["maximum"], tc3["passed"], tc3["reason"]) == (0, 2, None, "")
    assert card["failed_criteria"] == ["TC2"] and len(card["reasons"]) == 2
    assert "4" in card["reasons"][0] and "TC2" in card["reasons"][1] and card["reasons"][1] == tc2["reason"]
    # Exactly at every threshold: one certified person (min 1 → 2 points), TC2 = 2 (its minimum), TC3 = 2,
    # total 4 (the pass mark) of 6 = 66.67 %.
    boundary = open_assessment(world, framework, world.station_a2)
    _answer(world, boundary, TC2_2=1, TC3_1=True)
    card = ok(api.get(url("assessment-score", boundary.pk)))
    assert (card["total"], card["maximum"], card["percent"], card["passed"], card["reasons"]) == (4, 6, 66.67, True, [])
    assert [(c["points"], c["percent"], c["passed"]) for c in card["criteria"]] == [(2, 50, True), (2, 100, None)]
    # Unanswered items score nothing and leave the card incomplete.
    partial = open_assessment(world, framework, year=2025)
    card = ok(api.get(url("assessment-score", partial.pk)))
    assert card["complete"] is False and card["criteria"][1]["answered"] == 0 and card["criteria"][1]["items"] == 1
    refused(api_for(world.outsider).get(url("assessment-score", partial.pk)), 404)


def test_an_index_framework_scores_the_mean_of_its_domain_percentages(world, api_for):
    yes_no = {"type": "yes_no", "max_points": 1}
    data = {
        "code": "sara-thu",
        "version": "2026",
        "name": "Chỉ số sẵn sàng (thử)",
        "source": "WHO SARA 2013",
        "unit_kinds": ["station"],
        "scoring": "domain_mean",
        "pass_rule": {"total_min": 75},
        "criteria": [
            {
                "code": "D1",
                "name": "Cơ bản",
                "items": [{"code": f"D1.{n}", "text": f"Mục {n}", **yes_no} for n in (1, 2)],
            },
            {
                "code": "D2",
                "name": "Vô khuẩn",
                "items": [{"code": f"D2.{n}", "text": f"Mục {n}", **yes_no} for n in (1, 2, 3)],
            },
        ],
    }
    framework = assessment_framework(world.province_admin, data)
    assessment = open_assessment(world, framework)
    # D1: 1 of 2 = 50 %, D2: 3 of 3 = 100 %: index (50 + 100) / 2 = 75, exactly the pass mark.
    _answer(world, assessment, **{"D1_1": True, "D1_2": False, "D2_1": True, "D2_2": True, "D2_3": True})
    card = ok(api_for(world.region_manager).get(url("assessment-score", assessment.pk)))
    assert card["scoring"] == "domain_mean"
    assert [(c["code"], c["points"], c["maximum"], c["percent"]) for c in card["criteria"]] == [
        ("D1", 1, 2, 50),
        ("D2", 3, 3, 100),
    ]
    assert (card["total"], card["maximum"], card["percent"], card["passed"]) == (75, 100, 75, True)


# ---------------------------------------------------------------------------------------------------- evidence


def test_evidence_is_attached_checked_and_downloaded_only_within_scope(world, api_for, framework, media):
    assessment = open_assessment(world, framework)
    attach = url("assessment-evidence", assessment.pk)
    api = api_for(world.station_head)
    body = ok(api.post(attach, {"file": png("ảnh bể nước.png"), "item": "TC3.1"}, format="multipart"), 201)
    assert (body["item"], body["original_name"], body["content_type"], body["size"]) == (
        "TC3.1",
        "ảnh bể nước.png",
        "image/png",
        len(PNG),
    )
    assert body["uploaded_by"] == "station_head" and body["url"] == url("assessment-evidence-detail", body["id"])
    minutes = ok(
        api.post(attach, {"file": SimpleUploadedFile("bien-ban.pdf", PDF, "application/pdf")}, format="multipart"),
        201,
    )
    assert minutes["item"] is None
    # Refused: other types, content that is not what its type says, unknown items, no file at all.
    for upload in (
        SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
        SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png"),
        SimpleUploadedFile("x.html", b"<html></html>", content_type="text/html"),
    ):
        assert "file" in refused(api.post(attach, {"file": upload}, format="multipart"))
    assert "item" in refused(api.post(attach, {"file": png(), "item": "TC9.9"}, format="multipart"))
    assert "file" in refused(api.post(attach, {"item": "TC3.1"}, format="multipart"))
    assert Evidence.objects.count() == 2
    listed = results(api_for(world.viewer).get(attach))
    assert [row["id"] for row in listed] == [body["id"], minutes["id"]]
    assert [row["id"] for row in ok(api.get(url("assessment-detail", assessment.pk)))["evidence"]] == [
        body["id"],
        minutes["id"],
    ]
    # The file: as an attachment, to whoever sees the assessment, never to anyone else.
    download = url("assessment-evidence-detail", body["id"])
    response = api_for(world.viewer).get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png" and response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    refused(api_for(world.outsider).get(download), 404)
    refused(api_for(None).get(download), 401)
    refused(api_for(world.outsider).get(attach), 404)
    refused(api_for(world.outsider).post(attach, {"file": png()}, format="multipart"), 404)
    refused(api_for(world.viewer).post(attach, {"file": png()}, format="multipart"), 403)
    # Deleting: not by readers, not once submitted; a file gone from the disk answers 404, not an error.
    refused(api_for(world.viewer).delete(download), 403)
    refused(api_for(world.outsider).delete(download), 404)
    path = Evidence.objects.get(pk=body["id"]).file.path
    assert path.startswith(str(media)) and "ảnh" not in path
    assert ok(api.delete(download), 204) is None
    assert not Evidence.objects.filter(pk=body["id"]).exists()
    refused(api.get(download), 404)
    Evidence.objects.get(pk=minutes["id"]).file.delete(save=False)
    refused(api.get(url("assessment-evidence-detail", minutes["id"])), 404)
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.SUBMITTED)
    refused(api.post(attach, {"file": png()}, format="multipart"))
    refused(api.delete(url("assessment-evidence-detail", minutes["id"])))


def test_evidence_larger_than_the_limit_is_refused(world, api_for, framework, settings):
    settings.YTCS_EVIDENCE_MAX_BYTES = 16
    assessment = open_assessment(world, framework)
    errors = refused(
        api_for(world.station_head).post(url("assessment-evidence", assessment.pk), {"file": png()}, format="multipart")
    )
    assert "file" in errors and not Evidence.objects.exists()


# ---------------------------------------------------------------------------------------------------- query counts


def _rows(world, framework, i: int) -> None:
    """One more station of region A with an assessment, answered and with evidence."""
    station = OrgUnitFactory(code=f"A9{i}", name=f"Trạm Y tế xã Mới {i}", kind="station", parent=world.region_a)
    assessment = services.assessment_create(user=world.region_manager, orgunit=station, framework=framework, year=2026)
    complete(world, assessment, user=world.region_manager)


@pytest.mark.parametrize(
    "address",
    [
        lambda w: ASSESSMENTS,
        lambda w: f"{ASSESSMENTS}?orgunit=RA&framework=thu-nghiem&year=2026",
        lambda w: FRAMEWORKS,
        lambda w: url("assessment-evidence", Assessment.objects.order_by("pk").first().pk),
    ],
    ids=["assessments", "assessments-filtered", "frameworks", "evidence"],
)
def test_list_query_count_does_not_grow_with_rows(address, world, api_for, framework):
    _rows(world, framework, 0)
    api = api_for(world.province_admin)
    with CaptureQueriesContext(connection) as few:
        assert results(api.get(address(world)))
    for i in range(1, 6):
        _rows(world, framework, i)
        assessment_framework(world.province_admin, {**ASSESSMENT_TEST_FRAMEWORK, "version": f"20{30 + i}"})
    with CaptureQueriesContext(connection) as many:
        assert results(api.get(address(world)))
    assert len(many) == len(few) <= 12


def test_the_detail_and_the_scorecard_take_a_bounded_number_of_queries(world, api_for, framework):
    assessment = open_assessment(world, framework)
    complete(world, assessment)
    api = api_for(world.region_manager)
    for address in (url("assessment-detail", assessment.pk), url("assessment-score", assessment.pk)):
        with CaptureQueriesContext(connection) as queries:
            ok(api.get(address))
        assert len(queries) <= 15, address


# ---------------------------------------------------------------------------------------------------- schema


def test_schema_validates_and_documents_the_assessment_paths(world):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = schema["paths"]
    for path in (
        "/api/v1/frameworks/",
        "/api/v1/frameworks/{id}/",
        "/api/v1/frameworks/{id}/export/",
        "/api/v1/frameworks/import/",
        "/api/v1/assessments/",
        "/api/v1/assessments/{id}/",
        "/api/v1/assessments/{id}/submit/",
        "/api/v1/assessments/{id}/verify/",
        "/api/v1/assessments/{id}/return/",
        "/api/v1/assessments/{id}/score/",
        "/api/v1/assessments/{id}/evidence/",
        "/api/v1/assessments/evidence/{id}/",
    ):
        assert path in paths, path
    params = {p["name"] for p in paths["/api/v1/assessments/"]["get"]["parameters"]}
    assert {"framework", "year", "status", "orgunit", "passed", "page", "page_size"} <= params
    assert set(paths["/api/v1/assessments/{id}/answers/"]) == {"put", "patch"}
    assert set(paths["/api/v1/assessments/evidence/{id}/"]) == {"get", "delete"}
    assert "multipart/form-data" in paths["/api/v1/assessments/{id}/evidence/"]["post"]["requestBody"]["content"]
    assert set(paths["/api/v1/frameworks/import/"]["post"]["requestBody"]["content"]) == {
        "application/json",
        "multipart/form-data",
    }
    assert "put" not in paths["/api/v1/assessments/{id}/"] and "delete" not in paths["/api/v1/assessments/{id}/"]


def test_a_yaml_bomb_deep_nesting_or_values_no_framework_holds_are_refused_never_a_server_error(
    world, api_for, framework
):
    api = api_for(world.province_admin)
    bomb = b'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b]\n'
    upload = SimpleUploadedFile("bomb.yaml", bomb, content_type="application/x-yaml")
    assert "file" in refused(api.post(IMPORT, {"file": upload}, format="multipart"))
    deep = ("[" * 5000 + "]" * 5000).encode()
    upload = SimpleUploadedFile("deep.yaml", deep, content_type="application/x-yaml")
    assert "file" in refused(api.post(IMPORT, {"file": upload}, format="multipart"))
    text = dump_yaml({**ASSESSMENT_TEST_FRAMEWORK, "version": "2032"})
    for odd in ("max_points: .nan", "max_points: .inf", "max_points: !!binary aGVsbG8="):
        content = text.replace("max_points: 4", odd, 1).encode()
        assert odd in content.decode()
        upload = SimpleUploadedFile("odd.yaml", content, content_type="application/x-yaml")
        assert "document" in refused(api.post(IMPORT, {"file": upload}, format="multipart")), odd
    assert not Framework.objects.filter(code="thu-nghiem").exclude(pk=framework.pk).exists()
    # A date is kept as the text it is written as.
    dated = dump_yaml({**ASSESSMENT_TEST_FRAMEWORK, "version": "2032", "notes": "NOTES"})
    content = dated.replace("notes: NOTES", "notes: 2023-03-09").encode()
    upload = SimpleUploadedFile("dated.yaml", content, content_type="application/x-yaml")
    assert ok(api.post(IMPORT, {"file": upload}, format="multipart"), 201)["notes"] == "2023-03-09"
