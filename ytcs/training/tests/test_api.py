"""Behaviour of the training API: catalogues, plans and their lines, classes and their results, sponsored training,
needs analysis; error shapes, scope, query counts and the schema."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ytcs.core.models import AuditEntry
from ytcs.core.testing.factories import (
    EnrolmentFactory,
    OrgUnitFactory,
    PlannedCourseFactory,
    SponsorshipFactory,
    StaffFactory,
    TrainingClassFactory,
    TrainingPlanFactory,
    course,
    title,
)
from ytcs.training.models import (
    Course,
    Enrolment,
    PlannedCourse,
    PlannedTrainee,
    StaffingNorm,
    TrainingClass,
    TrainingPlan,
)
from ytcs.workforce.models import Certificate, CmeActivity, Licence

pytestmark = pytest.mark.django_db
D = datetime.date
DAY = datetime.timedelta(days=1)
COURSES = reverse("training-course-list")
NORMS = reverse("training-norm-list")
PLANS = reverse("training-plan-list")
LINES = reverse("training-line-list")
CLASSES = reverse("training-class-list")
SPONSORSHIPS = reverse("training-sponsorship-list")
NEEDS = reverse("training-needs")


def today() -> datetime.date:
    return timezone.localdate()


def ok(response, status: int = 200):
    assert response.status_code == status, response.content[:600]
    return response.json() if response.content else None


def refused(response, status: int = 400) -> dict:
    """An error answer: the status asked, {detail, errors}; returns the errors by field."""
    assert response.status_code == status, response.content[:600]
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["detail"]
    return body["errors"]


def results(response) -> list[dict]:
    body = ok(response)
    assert set(body) == {"count", "next", "previous", "results"}
    return body["results"]


def url(name: str, *args) -> str:
    return reverse(name, args=args)


def past_class(unit, **kwargs) -> TrainingClass:
    """A scheduled ECG class (40 credit hours, ECG certificate) that ended last week."""
    return TrainingClassFactory(orgunit=unit, starts_on=today() - 10 * DAY, ends_on=today() - 6 * DAY, **kwargs)


# ---------------------------------------------------------------------------------------------------- catalogues


def test_catalogues_are_read_by_everyone_logged_in_and_retired_entries_on_request(world, api_for):
    Course.objects.filter(code="quan-ly-tram-y-te").update(is_active=False)
    api = api_for(world.station_head)
    codes = [row["code"] for row in results(api.get(COURSES, {"page_size": 100}))]
    assert "dien-tam-do" in codes and "quan-ly-tram-y-te" not in codes
    codes = [row["code"] for row in results(api.get(COURSES, {"page_size": 100, "include_inactive": "true"}))]
    assert "quan-ly-tram-y-te" in codes
    ecg = ok(api.get(url("training-course-detail", "dien-tam-do")))
    assert ecg["competency"] == "dien-tam-do" and ecg["credits"] == 40.0 and "y-si" in ecg["target_titles"]
    assert ok(api.get(url("training-course-detail", "quan-ly-tram-y-te")))["is_active"] is False
    norm = ok(api.get(url("training-norm-detail", "tram-co-bac-si")))
    assert set(norm["titles"]) == {"bac-si", "bac-si-yhdp", "bac-si-yhct"}
    assert norm["confirmed"] is False and "CHƯA XÁC NHẬN" in norm["source"] and norm["course"] == "lien-thong-bac-si"
    assert "du-gio-dao-tao-lien-tuc" in [row["code"] for row in results(api.get(NORMS))]
    refused(api.get(COURSES, {"include_inactive": "perhaps"}))


def test_only_catalogue_managers_change_courses_and_errors_name_the_field(world, api_for):
    data = {"code": "quan-ly-chat-luong", "name": "Quản lý chất lượng", "kind": "management", "credits": "8"}
    for persona in (world.region_manager, world.station_head, world.viewer):
        refused(api_for(persona).post(COURSES, data, format="json"), 403)
    refused(api_for(world.region_manager).patch(url("training-course-detail", "dien-tam-do"), {"name": "X"}), 403)
    api = api_for(world.province_admin)
    created = ok(api.post(COURSES, data, format="json"), 201)
    assert created["credits"] == 8.0 and created["target_titles"] == []
    assert "code" in refused(api.post(COURSES, data, format="json"))
    errors = refused(api.post(COURSES, {**data, "code": "cc-moi", "name": "Mới", "kind": "certificate"}, format="json"))
    assert "competency" in errors
    assert "credits" in refused(api.post(COURSES, {**data, "code": "x", "name": "Y", "credits": "0.2"}, format="json"))
    assert "target_titles" in refused(
        api.patch(url("training-course-detail", "quan-ly-chat-luong"), {"target_titles": ["khong-co"]}, format="json")
    )
    body = ok(
        api.patch(url("training-course-detail", "quan-ly-chat-luong"), {"target_titles": ["y-si"]}, format="json")
    )
    assert body["target_titles"] == ["y-si"] and body["name"] == "Quản lý chất lượng"
    assert AuditEntry.objects.filter(object_repr="Quản lý chất lượng").count() >= 2


def test_catalogue_managers_record_norms_with_their_source_and_titles_by_code(world, api_for):
    api = api_for(world.province_admin)
    data = {
        "code": "tram-hai-dieu-duong",
        "name": "Trạm có hai điều dưỡng",
        "kind": "title",
        "unit_kind": "station",
        "titles": ["dieu-duong"],
        "minimum": 2,
        "course": "cap-cuu-co-ban",
        "source": "Quyết định 123/QĐ-UBND – CHƯA XÁC NHẬN",
    }
    body = ok(api.post(NORMS, data, format="json"), 201)
    assert body["titles"] == ["dieu-duong"] and body["confirmed"] is False and body["course"] == "cap-cuu-co-ban"
    assert "unit_kind" in refused(api.post(NORMS, {**data, "code": "n2", "unit_kind": ""}, format="json"))
    assert "unit_kind" in refused(api.post(NORMS, {**data, "code": "n3", "unit_kind": "planet"}, format="json"))
    assert "competency" in refused(api.post(NORMS, {**data, "code": "n4", "kind": "competency"}, format="json"))
    body = ok(api.patch(url("training-norm-detail", "tram-hai-dieu-duong"), {"confirmed": True}, format="json"))
    assert body["confirmed"] is True and StaffingNorm.objects.get(code="tram-hai-dieu-duong").confirmed


# ---------------------------------------------------------------------------------------------------- plans


def test_plans_of_a_unit_are_seen_below_it_but_changed_only_in_its_subtree(world, api_for):
    provincial = TrainingPlanFactory(orgunit=world.province, name="Kế hoạch tỉnh")
    regional = TrainingPlanFactory(orgunit=world.region_a, name="Kế hoạch khu vực A")
    TrainingPlanFactory(orgunit=world.region_b, name="Kế hoạch khu vực B")
    head = api_for(world.station_head)
    assert [row["name"] for row in results(head.get(PLANS))] == ["Kế hoạch tỉnh", "Kế hoạch khu vực A"]
    assert ok(head.get(url("training-plan-detail", provincial.pk)))["orgunit"] == "PROV"
    refused(head.patch(url("training-plan-detail", provincial.pk), {"note": "x"}, format="json"), 403)
    refused(head.delete(url("training-plan-detail", regional.pk)), 403)
    outsider = api_for(world.outsider)
    refused(outsider.get(url("training-plan-detail", regional.pk)), 404)
    refused(outsider.patch(url("training-plan-detail", regional.pk), {"note": "x"}, format="json"), 404)
    assert TrainingPlan.objects.get(pk=regional.pk).note == ""


def test_plan_list_filters_by_year_status_and_unit(world, api_for):
    TrainingPlanFactory(orgunit=world.province, name="Tỉnh 2026", year=2026, status="adopted", adopted_on=D(2026, 1, 2))
    TrainingPlanFactory(orgunit=world.region_a, name="RA 2027", year=2027)
    TrainingPlanFactory(orgunit=world.station_a1, name="A1 2027", year=2027)
    api = api_for(world.province_admin)

    def names(**params):
        return [row["name"] for row in results(api.get(PLANS, params))]

    assert names(year=2027) == ["RA 2027", "A1 2027"]
    assert names(status="adopted") == ["Tỉnh 2026"]
    assert names(orgunit="RA") == ["RA 2027", "A1 2027"]
    assert names(orgunit="NOPE") == []
    assert "status" in refused(api.get(PLANS, {"status": "dreaming"}))
    assert "year" in refused(api.get(PLANS, {"year": "soon"}))


def test_a_draft_plan_is_created_corrected_and_deleted(world, api_for):
    api = api_for(world.region_manager)
    body = ok(
        api.post(PLANS, {"orgunit": "RA", "year": 2027, "name": "  Kế hoạch   đào tạo 2027 "}, format="json"), 201
    )
    assert body["name"] == "Kế hoạch đào tạo 2027" and body["status"] == "draft" and body["lines"] == []
    assert body["line_count"] == 0 and body["budget_total"] == 0
    pk = body["id"]
    # A unit the caller cannot see is unknown; one they may only see cannot hold their plan.
    assert "orgunit" in refused(api.post(PLANS, {"orgunit": "RB", "year": 2027, "name": "X"}, format="json"))
    refused(api.post(PLANS, {"orgunit": "PROV", "year": 2027, "name": "X"}, format="json"), 400)
    refused(api_for(world.station_head).post(PLANS, {"orgunit": "A1", "year": 1999, "name": "X"}, format="json"))
    assert "name" in refused(api.post(PLANS, {"orgunit": "RA", "year": 2027, "name": "Kế hoạch đào tạo 2027"}))
    body = ok(api.patch(url("training-plan-detail", pk), {"year": 2028, "decision": "12/KH-TTYT"}, format="json"))
    assert body["year"] == 2028 and body["decision"] == "12/KH-TTYT"
    assert "orgunit" in refused(api.patch(url("training-plan-detail", pk), {"orgunit": "A1"}, format="json"))
    assert ok(api.patch(url("training-plan-detail", pk), {"orgunit": "RA"}, format="json"))["orgunit"] == "RA"
    ok(api.delete(url("training-plan-detail", pk)), 204)
    assert not TrainingPlan.objects.filter(pk=pk).exists()


def test_adopting_needs_an_approver_a_course_and_no_future_date(world, api_for):
    head = api_for(world.station_head)
    plan = ok(head.post(PLANS, {"orgunit": "A1", "year": 2027, "name": "Kế hoạch trạm"}, format="json"), 201)
    adopt = url("training-plan-adopt", plan["id"])
    refused(head.post(adopt, {"on": today().isoformat()}, format="json"), 403)
    manager = api_for(world.region_manager)
    assert "non_field_errors" in refused(manager.post(adopt, {"on": today().isoformat()}, format="json"))
    ok(manager.post(LINES, {"plan": plan["id"], "course": "dien-tam-do", "group": "A1"}, format="json"), 201)
    assert "on" in refused(manager.post(adopt, {"on": (today() + DAY).isoformat()}, format="json"))
    assert "on" in refused(manager.post(adopt, {"on": "31/02/2026"}, format="json"))
    body = ok(manager.post(adopt, {"on": today().strftime("%d/%m/%Y"), "decision": "7/QĐ-TTYT"}, format="json"))
    assert body["status"] == "adopted" and body["adopted_on"] == today().isoformat() and body["decision"] == "7/QĐ-TTYT"
    # Adopted: no new line, no deletion; closing ends it.
    refused(manager.post(LINES, {"plan": plan["id"], "course": "cap-cuu-co-ban", "group": "A1"}, format="json"))
    refused(manager.delete(url("training-plan-detail", plan["id"])))
    assert ok(manager.post(url("training-plan-close", plan["id"])))["status"] == "closed"
    assert "non_field_errors" in refused(manager.post(url("training-plan-close", plan["id"])))
    refused(manager.patch(url("training-plan-detail", plan["id"]), {"note": "x"}, format="json"))


def test_propose_turns_the_needs_into_a_draft_plan_with_lines_and_named_people(world, api_for):
    # Station A1 has no doctor: its assistant doctor is proposed for the bridging course.
    assistant = StaffFactory(full_name="Hoàng Văn Sĩ", orgunit=world.station_a1, title=title("y-si"))
    api = api_for(world.region_manager)
    body = ok(api.post(url("training-plan-propose"), {"orgunit": "RA", "year": 2027}, format="json"), 201)
    assert body["status"] == "draft" and body["from_needs"] is True and body["orgunit"] == "RA"
    assert body["year"] == 2027 and "2027" in body["name"]
    bridging = [line for line in body["lines"] if line["course"] == "lien-thong-bac-si"]
    assert len(bridging) == 1 and bridging[0]["named_count"] == 1 and bridging[0]["seat_count"] == 1
    # Under a centre, one line per course for the whole centre.
    assert bridging[0]["group"] == "RA" and bridging[0]["budget"] == 120_000_000
    assert PlannedTrainee.objects.filter(
        line__plan_id=body["id"], staff=assistant, line__course__code="lien-thong-bac-si"
    ).exists()
    assert body["line_count"] == len(body["lines"]) >= 1
    assert "orgunit" in refused(api.post(url("training-plan-propose"), {"orgunit": "RB", "year": 2027}, format="json"))
    assert "year" in refused(api.post(url("training-plan-propose"), {"orgunit": "RA"}, format="json"))
    refused(api_for(world.viewer).post(url("training-plan-propose"), {"orgunit": "RA", "year": 2027}), 403)


# ---------------------------------------------------------------------------------------------------- plan lines


def test_lines_are_added_seated_named_and_removed_on_a_draft(world, api_for):
    plan = TrainingPlanFactory(orgunit=world.region_a, name="Kế hoạch RA")
    api = api_for(world.region_manager)
    line = ok(
        api.post(LINES, {"plan": plan.pk, "course": "dien-tam-do", "group": "RA", "quarter": 2}, format="json"), 201
    )
    assert line["provider"] == course("dien-tam-do").provider and line["seats"] == [] and line["trainees"] == []
    detail = url("training-line-detail", line["id"])
    errors = refused(api.post(LINES, {"plan": plan.pk, "course": "nope", "group": "RB", "quarter": 5}, format="json"))
    assert {"course", "group", "quarter"} <= set(errors)
    assert "plan" in refused(api.post(LINES, {"plan": 999999, "course": "dien-tam-do", "group": "RA"}, format="json"))
    # The same course for the same group twice, and a group outside the plan's unit.
    errors = refused(api.post(LINES, {"plan": plan.pk, "course": "dien-tam-do", "group": "RA"}, format="json"))
    assert list(errors) == ["non_field_errors"]
    admin = api_for(world.province_admin)
    assert "group" in refused(admin.post(LINES, {"plan": plan.pk, "course": "cme-co-so", "group": "B1"}, format="json"))

    body = ok(api.post(url("training-line-seats", line["id"]), {"orgunit": "A2", "seats": 4}, format="json"))
    assert body["seats"] == [{"orgunit": "A2", "orgunit_name": world.station_a2.name, "seats": 4}]
    assert body["seat_count"] == 4
    assert "seats" in refused(api.post(url("training-line-seats", line["id"]), {"orgunit": "A2"}, format="json"))
    assert "orgunit" in refused(api.post(url("training-line-seats", line["id"]), {"orgunit": "B1", "seats": 1}))
    assert "seats" in refused(api.post(url("training-line-seats", line["id"]), {"orgunit": "A2", "seats": -1}))

    person = StaffFactory(full_name="Nguyễn Thu Hà", orgunit=world.station_a1)
    trainee = ok(api.post(url("training-line-trainees", line["id"]), {"staff": person.pk}, format="json"), 201)
    assert trainee["full_name"] == "Nguyễn Thu Hà" and trainee["orgunit"] == "A1" and trainee["reason"] == "chosen"
    assert "staff" in refused(api.post(url("training-line-trainees", line["id"]), {"staff": person.pk}, format="json"))
    stranger = StaffFactory(orgunit=world.station_b1)
    assert "staff" in refused(api.post(url("training-line-trainees", line["id"]), {"staff": stranger.pk}))
    assert "staff" in refused(api.post(url("training-line-trainees", line["id"]), {"staff": "abc"}))
    body = ok(api.get(detail))
    assert [t["staff"] for t in body["trainees"]] == [person.pk] and body["named_count"] == 1
    assert {s["orgunit"]: s["seats"] for s in body["seats"]} == {"A1": 1, "A2": 4}
    # A unit never has fewer seats than the people named there.
    assert "seats" in refused(api.post(url("training-line-seats", line["id"]), {"orgunit": "A1", "seats": 0}))

    ok(api.delete(url("training-trainee-detail", trainee["id"])), 204)
    body = ok(api.patch(detail, {"budget": 8_000_000, "status": "postponed", "plan": plan.pk}, format="json"))
    assert body["budget"] == 8_000_000 and body["status"] == "postponed" and body["trainees"] == []
    other = TrainingPlanFactory(orgunit=world.region_a, name="Khác")
    assert "plan" in refused(api.patch(detail, {"plan": other.pk}, format="json"))
    assert [row["id"] for row in results(api.get(LINES, {"plan": plan.pk}))] == [line["id"]]
    assert "plan" in refused(api.get(LINES))
    refused(api_for(world.outsider).get(LINES, {"plan": plan.pk}), 404)
    ok(api.delete(detail), 204)
    assert not PlannedCourse.objects.filter(plan=plan).exists()


def test_a_provincial_line_names_to_each_unit_only_the_people_it_may_see(world, api_for):
    line = PlannedCourseFactory(plan=TrainingPlanFactory(orgunit=world.province, name="Tỉnh"), group=world.province)
    for unit, name in ((world.station_a1, "Người A1"), (world.station_b1, "Người B1")):
        staff = StaffFactory(full_name=name, orgunit=unit)
        PlannedTrainee.objects.create(line=line, staff=staff, orgunit=unit, reason="chosen")
    detail = url("training-line-detail", line.pk)
    assert [t["full_name"] for t in ok(api_for(world.station_head).get(detail))["trainees"]] == ["Người A1"]
    assert [t["full_name"] for t in ok(api_for(world.outsider).get(detail))["trainees"]] == ["Người B1"]
    assert len(ok(api_for(world.province_viewer).get(detail))["trainees"]) == 2


def test_a_plan_shows_what_was_planned_against_what_was_done(world, api_for):
    plan = TrainingPlanFactory(orgunit=world.province, status="adopted", adopted_on=D(2026, 1, 5), name="Tỉnh")
    line = PlannedCourseFactory(plan=plan, group=world.region_a, budget=10_000_000)
    done = past_class(world.region_a, line=line, status="completed", completed_on=today() - 6 * DAY)
    running = past_class(world.region_a, line=line)
    EnrolmentFactory(training_class=done, staff=StaffFactory(orgunit=world.station_a1), result="passed")
    EnrolmentFactory(training_class=done, staff=StaffFactory(orgunit=world.station_a1), result="failed")
    EnrolmentFactory(training_class=running, staff=StaffFactory(orgunit=world.station_a2), result="passed")
    EnrolmentFactory(training_class=running, staff=StaffFactory(orgunit=world.station_a2), result="withdrawn")
    body = ok(api_for(world.station_head).get(url("training-plan-detail", plan.pk)))
    assert body["budget_total"] == 10_000_000 and body["line_count"] == 1
    [row] = body["lines"]
    assert (row["class_count"], row["enrolled_count"], row["passed_count"]) == (2, 3, 1)
    assert results(api_for(world.province_admin).get(CLASSES, {"plan": plan.pk}))[0]["line"] == line.pk


# ---------------------------------------------------------------------------------------------------- classes


def test_a_class_takes_the_courses_defaults_and_errors_name_the_field(world, api_for):
    api = api_for(world.region_manager)
    data = {"code": "lop-ecg-01", "orgunit": "RA", "course": "dien-tam-do", "starts_on": "2027-03-01"}
    body = ok(api.post(CLASSES, {**data, "ends_on": "05/03/2027"}, format="json"), 201)
    ecg = course("dien-tam-do")
    assert body["code"] == "LOP-ECG-01" and body["name"] == ecg.name and body["credits"] == 40.0
    assert body["competency"] == "dien-tam-do" and body["capacity"] == ecg.class_size and body["status"] == "scheduled"
    assert body["participant_count"] == 0
    assert "code" in refused(api.post(CLASSES, {**data, "ends_on": "2027-03-05"}, format="json"))
    assert "ends_on" in refused(api.post(CLASSES, {**data, "code": "L2", "ends_on": "2027-02-01"}, format="json"))
    errors = refused(api.post(CLASSES, {"code": "L3", "orgunit": "RB", "course": "nope"}, format="json"))
    assert {"orgunit", "course", "starts_on", "ends_on"} <= set(errors)
    draft_line = PlannedCourseFactory(plan=TrainingPlanFactory(orgunit=world.region_a))
    errors = refused(api.post(CLASSES, {**data, "code": "L4", "ends_on": "2027-03-05", "line": draft_line.pk}))
    assert "line" in errors
    pk = body["id"]
    body = ok(api.patch(url("training-class-detail", pk), {"location": "Hội trường", "capacity": 20}, format="json"))
    assert body["location"] == "Hội trường" and body["capacity"] == 20
    assert "course" in refused(api.patch(url("training-class-detail", pk), {"course": "cme-co-so"}, format="json"))
    assert "code" in refused(api.patch(url("training-class-detail", pk), {"code": "OTHER"}, format="json"))
    ok(api.patch(url("training-class-detail", pk), {"code": "lop-ecg-01", "orgunit": "RA"}, format="json"))
    errors = refused(api.patch(url("training-class-detail", pk), {"credits": None, "competency": None}, format="json"))
    assert "credits" in errors


def test_classes_of_a_unit_are_seen_below_it_but_changed_only_in_its_subtree(world, api_for):
    provincial = past_class(world.province, code="LOP-TINH")
    regional = past_class(world.region_a, code="LOP-RA")
    past_class(world.region_b, code="LOP-RB")
    head = api_for(world.station_head)
    assert [row["code"] for row in results(head.get(CLASSES))] == ["LOP-RA", "LOP-TINH"]
    refused(head.patch(url("training-class-detail", provincial.pk), {"location": "x"}, format="json"), 403)
    refused(head.post(url("training-class-cancel", regional.pk)), 403)
    refused(api_for(world.outsider).get(url("training-class-detail", regional.pk)), 404)
    refused(api_for(world.outsider).post(url("training-class-cancel", regional.pk)), 404)
    assert ok(api_for(world.region_manager).post(url("training-class-cancel", regional.pk)))["status"] == "cancelled"
    refused(api_for(world.region_manager).post(url("training-class-cancel", regional.pk)))


def test_class_list_filters(world, api_for):
    plan = TrainingPlanFactory(orgunit=world.region_a, status="adopted", adopted_on=D(2026, 1, 2))
    line = PlannedCourseFactory(plan=plan)
    TrainingClassFactory(orgunit=world.region_a, code="ECG-2025", starts_on=D(2025, 5, 5), ends_on=D(2025, 5, 9))
    TrainingClassFactory(orgunit=world.station_a1, code="ECG-2026", line=line)
    TrainingClassFactory(
        orgunit=world.region_b, code="CC-2026", course=course("cap-cuu-co-ban"), status="cancelled", name="Cấp cứu"
    )
    api = api_for(world.province_admin)

    def codes(**params):
        return [row["code"] for row in results(api.get(CLASSES, params))]

    assert codes(year=2025) == ["ECG-2025"]
    assert codes(status="cancelled") == ["CC-2026"]
    assert codes(course="cap-cuu-co-ban") == ["CC-2026"]
    assert codes(orgunit="RA") == ["ECG-2026", "ECG-2025"]
    assert codes(plan=plan.pk) == ["ECG-2026"]
    assert codes(orgunit="NOPE") == []
    assert codes(q="cấp cứu") == codes(q="CAP CUU") == ["CC-2026"] and codes(q="ecg-2025") == ["ECG-2025"]
    assert {"status", "plan"} <= set(refused(api.get(CLASSES, {"status": "x", "plan": "y"})))
    assert "plan" in refused(api.get(CLASSES, {"plan": "9" * 25}))


def test_completing_a_class_posts_hours_and_certificates_and_reopening_takes_them_back(world, api_for):
    training_class = past_class(world.region_a, code="ECG-RA")
    passed = StaffFactory(full_name="An Đạt", orgunit=world.station_a1)
    failed = StaffFactory(full_name="Bình Trượt", orgunit=world.station_a2)
    api = api_for(world.region_manager)
    enrolments = url("training-class-enrolments", training_class.pk)
    first = ok(api.post(enrolments, {"staff": passed.pk}, format="json"), 201)
    second = ok(api.post(enrolments, {"staff": failed.pk}, format="json"), 201)
    assert first["result"] == "enrolled" and first["orgunit"] == "A1" and first["training_class"] == training_class.pk
    complete = url("training-class-complete", training_class.pk)
    errors = refused(api.post(complete, {"on": today().isoformat()}, format="json"))
    assert "An Đạt" in errors["results"][0] and "Bình Trượt" in errors["results"][0]

    record = ok(
        api.patch(
            url("training-enrolment-detail", first["id"]),
            {"result": "passed", "days_attended": 5, "score": "8.5"},
            format="json",
        )
    )
    assert record["result"] == "passed" and record["score"] == 8.5 and record["days_attended"] == 5
    errors = refused(api.patch(url("training-enrolment-detail", second["id"]), {"days_attended": 9}, format="json"))
    assert "days_attended" in errors
    assert "result" in refused(api.patch(url("training-enrolment-detail", second["id"]), {"result": "asleep"}))
    ok(api.patch(url("training-enrolment-detail", second["id"]), {"result": "failed", "note": "Vắng 3 buổi"}))
    assert Enrolment.objects.get(pk=second["id"]).note == "Vắng 3 buổi"

    assert "on" in refused(api.post(complete, {"on": (today() - 8 * DAY).isoformat()}, format="json"))
    assert "on" in refused(api.post(complete, {"on": (today() + DAY).isoformat()}, format="json"))
    body = ok(api.post(complete, {"on": today().isoformat()}, format="json"))
    assert body["status"] == "completed" and body["completed_on"] == today().isoformat() and body["passed_count"] == 1
    activity = CmeActivity.objects.get(staff=passed)
    assert activity.credits == Decimal("40") and activity.evidence == "ECG-RA"
    certificate = Certificate.objects.get(staff=passed)
    assert certificate.competency.code == "dien-tam-do" and certificate.issued_on == today()
    assert not CmeActivity.objects.filter(staff=failed).exists() and not Certificate.objects.filter(staff=failed)
    row = ok(api.get(url("training-enrolment-detail", first["id"])))
    assert (row["cme_activity"], row["certificate"]) == (activity.pk, certificate.pk)
    # Completed: results, enrolment and a second completion are refused.
    refused(api.post(complete, {"on": today().isoformat()}, format="json"))
    refused(api.patch(url("training-enrolment-detail", first["id"]), {"result": "failed"}, format="json"))
    refused(api.post(enrolments, {"staff": StaffFactory(orgunit=world.station_a1).pk}, format="json"))

    reopen = url("training-class-reopen", training_class.pk)
    assert "reason" in refused(api.post(reopen, {"reason": "   "}, format="json"))
    body = ok(api.post(reopen, {"reason": "Nhập nhầm kết quả"}, format="json"))
    assert body["status"] == "scheduled" and body["completed_on"] is None
    assert not CmeActivity.objects.filter(staff=passed).exists() and not Certificate.objects.filter(staff=passed)
    assert ok(api.get(url("training-enrolment-detail", first["id"])))["cme_activity"] is None
    assert AuditEntry.objects.filter(changes__has_key="reopened").exists()


def test_a_station_head_completes_their_classes_but_only_an_approver_reopens_them(world, api_for):
    training_class = past_class(world.station_a1, code="ECG-A1")
    EnrolmentFactory(training_class=training_class, staff=StaffFactory(orgunit=world.station_a1), result="passed")
    head = api_for(world.station_head)
    ok(head.post(url("training-class-complete", training_class.pk), {"on": today().isoformat()}, format="json"))
    reopen = url("training-class-reopen", training_class.pk)
    refused(head.post(reopen, {"reason": "Sai"}, format="json"), 403)
    assert TrainingClass.objects.get(pk=training_class.pk).status == "completed"
    ok(api_for(world.region_manager).post(reopen, {"reason": "Sai"}, format="json"))


def test_enrolment_takes_working_people_of_the_callers_units_under_the_organiser(world, api_for):
    training_class = past_class(world.region_a, code="ECG-RA", capacity=1)
    enrolments = url("training-class-enrolments", training_class.pk)
    api = api_for(world.province_admin)
    elsewhere = StaffFactory(orgunit=world.station_b1)
    assert "staff" in refused(api.post(enrolments, {"staff": elsewhere.pk}, format="json"))
    assert "staff" in refused(api_for(world.region_manager).post(enrolments, {"staff": elsewhere.pk}, format="json"))
    gone = StaffFactory(orgunit=world.station_a1, status="left", ended_on=D(2024, 1, 1))
    assert "staff" in refused(api.post(enrolments, {"staff": gone.pk}, format="json"))
    assert "staff" in refused(api.post(enrolments, {}, format="json"))
    assert "staff" in refused(api.post(enrolments, {"staff": "9" * 25}, format="json"))
    ok(api.post(enrolments, {"staff": StaffFactory(orgunit=world.station_a1).pk}, format="json"), 201)
    errors = refused(api.post(enrolments, {"staff": StaffFactory(orgunit=world.station_a2).pk}, format="json"))
    assert "non_field_errors" in errors
    assert Enrolment.objects.filter(training_class=training_class).count() == 1


def test_participants_are_seen_by_their_unit_and_by_the_organiser(world, api_for):
    training_class = past_class(world.province, code="ECG-TINH")
    mine = EnrolmentFactory(
        training_class=training_class, staff=StaffFactory(full_name="Người A1", orgunit=world.station_a1)
    )
    theirs = EnrolmentFactory(
        training_class=training_class, staff=StaffFactory(full_name="Người B1", orgunit=world.station_b1)
    )
    enrolments = url("training-class-enrolments", training_class.pk)
    assert [r["full_name"] for r in results(api_for(world.station_head).get(enrolments))] == ["Người A1"]
    assert [r["full_name"] for r in results(api_for(world.outsider).get(enrolments))] == ["Người B1"]
    assert len(results(api_for(world.province_admin).get(enrolments))) == 2
    head = api_for(world.station_head)
    refused(head.get(url("training-enrolment-detail", theirs.pk)), 404)
    # The trainee's unit does not record results (the organiser does), but may withdraw its person.
    refused(head.patch(url("training-enrolment-detail", mine.pk), {"result": "passed"}, format="json"), 403)
    refused(head.post(url("training-enrolment-withdraw", theirs.pk)), 404)
    assert ok(head.post(url("training-enrolment-withdraw", mine.pk)))["result"] == "withdrawn"
    refused(api_for(world.viewer).post(url("training-enrolment-withdraw", mine.pk)), 403)


# ---------------------------------------------------------------------------------------------------- sponsorships


def new_sponsorship(**overrides):
    data = {
        "orgunit": "RA",
        "kind": "addressed",
        "programme": "Bác sĩ đa khoa",
        "level": "university",
        "institution": "Trường Đại học Y Dược Huế",
        "starts_on": "05/09/2022",
        "expected_return_on": "2026-07-31",
        "cost": 240_000_000,
        "commitment_years": "5",
        "serve_unit": "A1",
    }
    data.update(overrides)
    return data


def test_a_sponsorship_is_recorded_with_the_rule_that_applies_and_seen_by_both_units(world, api_for):
    person = StaffFactory(full_name="Lê Văn Học", orgunit=world.station_a1, title=title("y-si"))
    api = api_for(world.region_manager)
    body = ok(api.post(SPONSORSHIPS, new_sponsorship(staff=person.pk, target_title="bac-si"), format="json"), 201)
    assert body["trainee_name"] == "Lê Văn Học" and body["national_id"] == person.national_id
    assert body["cost"] == 240_000_000 and body["commitment_years"] == 5.0 and body["serve_unit"] == "A1"
    assert '"cost":240000000,' in api.get(url("training-sponsorship-detail", body["id"])).content.decode()
    assert body["status"] == body["state"] == "studying"
    assert body["rule_confirmed"] is False and "CHƯA XÁC NHẬN" in body["rule_source"]
    pk = body["id"]
    # Sent again while away: refused, naming the person.
    assert "staff" in refused(api.post(SPONSORSHIPS, new_sponsorship(staff=person.pk), format="json"))
    assert "trainee_name" in refused(api.post(SPONSORSHIPS, new_sponsorship(), format="json"))
    errors = refused(api.post(SPONSORSHIPS, new_sponsorship(trainee_name="X", expected_return_on="2022-01-01")))
    assert "expected_return_on" in errors
    errors = refused(api.post(SPONSORSHIPS, new_sponsorship(trainee_name="X", level="guru", serve_unit="B1")))
    assert {"level", "serve_unit"} <= set(errors)
    # The unit the person will serve sees the record but does not change it; another region does not see it.
    head = api_for(world.station_head)
    assert ok(head.get(url("training-sponsorship-detail", pk)))["orgunit"] == "RA"
    refused(head.patch(url("training-sponsorship-detail", pk), {"note": "x"}, format="json"), 403)
    refused(api_for(world.outsider).get(url("training-sponsorship-detail", pk)), 404)
    body = ok(api.patch(url("training-sponsorship-detail", pk), {"decision": "9/QĐ-SYT", "cost": 250_000_000}))
    assert body["decision"] == "9/QĐ-SYT" and body["cost"] == 250_000_000
    assert "orgunit" in refused(api.patch(url("training-sponsorship-detail", pk), {"orgunit": "A1"}, format="json"))


def test_a_return_starts_the_commitment_and_a_breach_works_out_what_is_owed(world, api_for):
    away = SponsorshipFactory(orgunit=world.region_a, starts_on=D(2020, 9, 1), expected_return_on=D(2024, 7, 31))
    api = api_for(world.region_manager)
    returned = url("training-sponsorship-return", away.pk)
    assert "returned_on" in refused(api.post(returned, {"returned_on": (today() + DAY).isoformat()}, format="json"))
    assert "returned_on" in refused(api.post(returned, {"returned_on": "2019-01-01"}, format="json"))
    body = ok(api.post(returned, {"returned_on": "2024-08-01"}, format="json"))
    assert body["status"] == "serving" and body["returned_on"] == "2024-08-01"
    assert body["commitment_ends_on"] == "2029-08-01"
    refused(api.post(returned, {"returned_on": "2024-08-01"}, format="json"))
    breach = url("training-sponsorship-breach", away.pk)
    errors = refused(api.post(breach, {"left_on": "2024-07-01", "reason": "Chuyển đi"}, format="json"))
    assert "left_on" in errors
    assert "reason" in refused(api.post(breach, {"left_on": "2025-08-01", "reason": " "}, format="json"))
    body = ok(api.post(breach, {"left_on": "2025-08-01", "reason": "Chuyển công tác"}, format="json"))
    # 240,000,000 × (60 − 12) / 60.
    assert body["state"] == "breached" and body["reimbursement_due"] == 192_000_000
    assert "× (60 − 12) / 60" in body["reimbursement_rule"]
    reimbursed = url("training-sponsorship-reimbursed", away.pk)
    assert "amount" in refused(api.post(reimbursed, {"amount": 300_000_000}, format="json"))
    assert "amount" in refused(api.post(reimbursed, {"amount": -1}, format="json"))
    assert ok(api.post(reimbursed, {"amount": 50_000_000}, format="json"))["reimbursed"] == 50_000_000
    refused(api.patch(url("training-sponsorship-detail", away.pk), {"note": "x"}, format="json"))
    refused(
        api.post(url("training-sponsorship-reimbursed", SponsorshipFactory(orgunit=world.region_a).pk), {"amount": 1})
    )


def test_sponsorship_list_filters_and_upcoming_returns(world, api_for):
    coming = StaffFactory(full_name="Sắp về", orgunit=world.station_a1)
    soon = SponsorshipFactory(
        orgunit=world.region_a,
        staff=coming,
        trainee_name="Sắp về",
        national_id=coming.national_id,
        expected_return_on=today() + 30 * DAY,
    )
    late = SponsorshipFactory(orgunit=world.region_a, trainee_name="Quá hạn", expected_return_on=today() - 30 * DAY)
    SponsorshipFactory(orgunit=world.region_a, trainee_name="Còn lâu", expected_return_on=today() + 800 * DAY)
    SponsorshipFactory(
        orgunit=world.province,
        serve_unit=world.station_a2,
        trainee_name="Phục vụ xong",
        institution="Học viện Quân y",
        kind="nominated",
        status="serving",
        starts_on=D(2010, 9, 1),
        expected_return_on=D(2014, 7, 1),
        returned_on=D(2014, 8, 1),
        commitment_ends_on=D(2019, 8, 1),
    )
    SponsorshipFactory(orgunit=world.region_b, trainee_name="Khu vực B", expected_return_on=today() + DAY)
    api = api_for(world.region_manager)

    def names(**params):
        return [row["trainee_name"] for row in results(api.get(SPONSORSHIPS, params))]

    assert names() == ["Phục vụ xong", "Quá hạn", "Sắp về", "Còn lâu"]
    assert names(state="fulfilled") == ["Phục vụ xong"]
    assert names(state="overdue") == ["Quá hạn"]
    assert names(kind="nominated") == ["Phục vụ xong"]
    assert names(orgunit="A2") == ["Phục vụ xong"]
    assert names(orgunit="NOPE") == []
    assert names(q="sap ve") == names(q=coming.national_id) == names(staff=coming.pk) == ["Sắp về"]
    assert names(q="hoc vien quan y") == ["Phục vụ xong"]
    assert names(returning_before=(today() + 60 * DAY).strftime("%d/%m/%Y")) == ["Quá hạn", "Sắp về"]
    assert "returning_before" in refused(api.get(SPONSORSHIPS, {"returning_before": "31/02/2026"}))
    assert "state" in refused(api.get(SPONSORSHIPS, {"state": "asleep"}))
    upcoming = url("training-sponsorship-upcoming")
    assert [row["id"] for row in results(api.get(upcoming))] == [late.pk, soon.pk]
    assert [row["id"] for row in results(api.get(upcoming, {"months": 60}))][:2] == [late.pk, soon.pk]
    assert len(results(api.get(upcoming, {"months": 60}))) == 3
    assert "months" in refused(api.get(upcoming, {"months": 0}))


# ---------------------------------------------------------------------------------------------------- needs


def test_needs_summary_has_one_item_per_norm_with_its_source(world, api_for):
    StaffFactory(orgunit=world.station_a1, title=title("y-si"))
    StaffFactory(orgunit=world.station_a2)  # a doctor at A2, short of continuing-training hours
    api = api_for(world.region_manager)
    items = ok(api.get(NEEDS, {"orgunit": "RA", "year": 2027}))
    by_code = {item["code"]: item for item in items}
    assert set(by_code) == set(StaffingNorm.objects.filter(is_active=True).values_list("code", flat=True))
    doctor = by_code["tram-co-bac-si"]
    assert (doctor["units"], doctor["missing"], doctor["in_training"]) == (1, 1, 0)
    assert doctor["confirmed"] is False and doctor["source"] and doctor["kind"] == "title"
    assert doctor["course"] == "lien-thong-bac-si"
    assert by_code["du-gio-dao-tao-lien-tuc"]["people"] == 2 and by_code["du-gio-dao-tao-lien-tuc"]["confirmed"]
    assert "orgunit" in refused(api.get(NEEDS))
    assert "year" in refused(api.get(NEEDS, {"orgunit": "RA", "year": "next"}))
    refused(api_for(world.outsider).get(NEEDS, {"orgunit": "RA"}), 404)


def test_needs_of_a_norm_list_the_units_or_the_people(world, api_for):
    StaffFactory(orgunit=world.station_a2)
    assistant = StaffFactory(full_name="Hoàng Văn Sĩ", orgunit=world.station_a1, title=title("y-si"))
    api = api_for(world.region_manager)
    rows = results(api.get(url("training-needs-detail", "tram-co-bac-si"), {"orgunit": "RA"}))
    assert rows == [{"code": "A1", "name": world.station_a1.name, "have": 0, "in_training": 0, "missing": 1}]
    rows = results(api.get(url("training-needs-detail", "du-gio-dao-tao-lien-tuc"), {"orgunit": "A1"}))
    assert [(r["id"], r["orgunit"], r["credits"], r["required"]) for r in rows] == [(assistant.pk, "A1", 0.0, 120)]
    assert rows[0]["licence_expires_on"] is None
    Licence.objects.create(
        staff=assistant, number="GP-9", issuer="Sở Y tế", issued_on=D(2022, 7, 1), valid_until=D(2027, 6, 30)
    )
    rows = results(api.get(url("training-needs-detail", "gia-han-giay-phep"), {"orgunit": "A1", "year": 2027}))
    assert [(r["id"], r["licence_expires_on"]) for r in rows] == [(assistant.pk, "2027-06-30")]
    assert results(api.get(url("training-needs-detail", "gia-han-giay-phep"), {"orgunit": "A1", "year": 2026})) == []
    refused(api.get(url("training-needs-detail", "no-such-norm"), {"orgunit": "RA"}), 404)
    refused(api_for(world.outsider).get(url("training-needs-detail", "tram-co-bac-si"), {"orgunit": "RA"}), 404)


# ---------------------------------------------------------------------------------------------------- query counts


def _rows(world, i: int) -> None:
    """One more of everything the lists show, in region A."""
    plan = TrainingPlanFactory(orgunit=world.region_a, name=f"Kế hoạch {i}")
    line = PlannedCourseFactory(plan=plan, group=world.region_a)
    staff = StaffFactory(orgunit=world.station_a1)
    PlannedTrainee.objects.create(line=line, staff=staff, orgunit=world.station_a1, reason="chosen")
    training_class = TrainingClassFactory(orgunit=world.region_a)
    EnrolmentFactory(training_class=training_class, staff=staff)
    SponsorshipFactory(orgunit=world.region_a, staff=staff, expected_return_on=today() + 10 * DAY)
    # A station without a doctor, its assistant doctor short of continuing-training hours.
    station = OrgUnitFactory(code=f"A9{i}", name=f"Trạm Y tế xã Mới {i}", kind="station", parent=world.region_a)
    StaffFactory(orgunit=station, title=title("y-si"))


def results_or_items(response) -> list:
    body = ok(response)
    return body["results"] if isinstance(body, dict) and "results" in body else body


@pytest.mark.parametrize(
    "address",
    [
        lambda w: PLANS,
        lambda w: CLASSES,
        lambda w: SPONSORSHIPS,
        lambda w: url("training-sponsorship-upcoming"),
        lambda w: COURSES,
        lambda w: NORMS,
        lambda w: url("training-class-enrolments", TrainingClass.objects.order_by("pk").first().pk),
        lambda w: f"{LINES}?plan={TrainingPlan.objects.order_by('pk').first().pk}",
        lambda w: url("training-plan-detail", TrainingPlan.objects.order_by("pk").first().pk),
        lambda w: f"{NEEDS}?orgunit=RA",
        lambda w: f"{url('training-needs-detail', 'du-gio-dao-tao-lien-tuc')}?orgunit=RA",
        lambda w: f"{url('training-needs-detail', 'tram-co-bac-si')}?orgunit=RA",
    ],
    ids=[
        "plans",
        "classes",
        "sponsorships",
        "upcoming",
        "courses",
        "norms",
        "enrolments",
        "lines",
        "plan",
        "needs",
        "needs-people",
        "needs-units",
    ],
)
def test_list_query_count_does_not_grow_with_rows(address, world, api_for):
    _rows(world, 0)
    api = api_for(world.province_admin)
    with CaptureQueriesContext(connection) as few:
        assert results_or_items(api.get(address(world)))
    for i in range(1, 8):
        _rows(world, i)
    with CaptureQueriesContext(connection) as many:
        assert results_or_items(api.get(address(world)))
    assert len(many) == len(few) <= 40


# ---------------------------------------------------------------------------------------------------- schema


def test_schema_validates_and_documents_the_training_paths(world):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = schema["paths"]
    for path in (
        "/api/v1/training/courses/{code}/",
        "/api/v1/training/norms/{code}/",
        "/api/v1/training/plans/{id}/adopt/",
        "/api/v1/training/plans/propose/",
        "/api/v1/training/plan-lines/{id}/seats/",
        "/api/v1/training/plan-trainees/{id}/",
        "/api/v1/training/classes/{id}/enrolments/",
        "/api/v1/training/enrolments/{id}/withdraw/",
        "/api/v1/training/sponsorships/upcoming-returns/",
        "/api/v1/training/needs/{norm_code}/",
    ):
        assert path in paths, path
    params = {p["name"] for p in paths["/api/v1/training/classes/"]["get"]["parameters"]}
    assert {"year", "status", "course", "orgunit", "plan", "q", "page", "page_size"} <= params
    params = {p["name"] for p in paths["/api/v1/training/sponsorships/"]["get"]["parameters"]}
    assert {"state", "kind", "orgunit", "q", "returning_before"} <= params
    assert "put" not in paths["/api/v1/training/plans/{id}/"] and "delete" in paths["/api/v1/training/plans/{id}/"]
    assert "delete" not in paths["/api/v1/training/classes/{id}/"]
    assert set(paths["/api/v1/training/enrolments/{id}/"]) >= {"get", "patch"}
