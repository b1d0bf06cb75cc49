"""Writes of training management: plans, classes and what completing them posts, sponsored training."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ytcs.core.models import AuditEntry
from ytcs.core.testing.factories import (
    EnrolmentFactory,
    PlannedCourseFactory,
    SponsorshipFactory,
    StaffFactory,
    TrainingClassFactory,
    TrainingPlanFactory,
    course,
    title,
)
from ytcs.training import catalogue_services, services
from ytcs.training.models import (
    ClassStatus,
    EnrolmentResult,
    LineStatus,
    NeedReason,
    PlannedSeat,
    PlannedTrainee,
    PlanStatus,
    SponsorshipStatus,
    TrainingPlan,
)
from ytcs.workforce.models import Certificate, CmeActivity, Competency

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = timezone.localdate()


# ---------------------------------------------------------------------------------------------------- plans


def test_a_plan_is_opened_by_whoever_may_change_its_unit(world):
    plan = services.plan_create(user=world.region_manager, orgunit=world.region_a, year=2027, name=" Kế  hoạch  2027 ")
    assert plan.name == "Kế hoạch 2027" and plan.status == PlanStatus.DRAFT
    assert AuditEntry.objects.filter(object_id=str(plan.pk), action="create").exists()
    with pytest.raises(PermissionDenied):
        services.plan_create(user=world.region_manager, orgunit=world.province, year=2027, name="Tỉnh")
    with pytest.raises(PermissionDenied):
        services.plan_create(user=world.viewer, orgunit=world.region_a, year=2027, name="Xem")


def test_two_plans_of_a_unit_and_year_need_different_names(world):
    services.plan_create(user=world.province_admin, orgunit=world.province, year=2027, name="Kế hoạch")
    with pytest.raises(ValidationError):
        services.plan_create(user=world.province_admin, orgunit=world.province, year=2027, name="Kế hoạch")


def test_adopting_needs_a_line_the_approve_right_and_no_future_date(world):
    plan = TrainingPlanFactory(orgunit=world.region_a)
    with pytest.raises(ValidationError):
        services.plan_adopt(user=world.region_manager, plan=plan, on=TODAY)
    PlannedCourseFactory(plan=plan, group=world.region_a)
    with pytest.raises(ValidationError):
        services.plan_adopt(user=world.region_manager, plan=plan, on=TODAY + datetime.timedelta(days=1))
    services.plan_adopt(user=world.region_manager, plan=plan, on=TODAY, decision="12/QĐ-TTYT")
    plan.refresh_from_db()
    assert (plan.status, plan.adopted_on, plan.decision) == (PlanStatus.ADOPTED, TODAY, "12/QĐ-TTYT")


def test_a_station_head_cannot_adopt_even_a_plan_of_their_own_station(world):
    plan = TrainingPlanFactory(orgunit=world.station_a1)
    PlannedCourseFactory(plan=plan)
    with pytest.raises(PermissionDenied):
        services.plan_adopt(user=world.station_head, plan=plan, on=TODAY)


def test_an_adopted_plan_keeps_its_structure_but_its_lines_follow_the_year(world):
    plan = TrainingPlanFactory(orgunit=world.province)
    line = PlannedCourseFactory(plan=plan, group=world.region_a)
    services.plan_adopt(user=world.province_admin, plan=plan, on=TODAY)
    with pytest.raises(ValidationError):
        services.line_save(user=world.province_admin, plan=plan, course=course("cme-co-so"), group=world.region_b)
    with pytest.raises(ValidationError):
        services.seat_set(user=world.province_admin, line=line, orgunit=world.station_a1, seats=3)
    with pytest.raises(ValidationError):
        services.line_save(user=world.province_admin, plan=plan, line=line, group=world.region_b)
    services.line_save(user=world.province_admin, plan=plan, line=line, status=LineStatus.POSTPONED, quarter=4)
    line.refresh_from_db()
    assert (line.status, line.quarter) == (LineStatus.POSTPONED, 4)
    services.plan_close(user=world.province_admin, plan=plan)
    with pytest.raises(ValidationError):
        services.line_save(user=world.province_admin, plan=plan, line=line, status=LineStatus.DONE)


def test_a_line_groups_units_under_the_plan_unit_only(world):
    plan = TrainingPlanFactory(orgunit=world.region_a)
    with pytest.raises(ValidationError) as error:
        services.line_save(user=world.region_manager, plan=plan, course=course(), group=world.region_b)
    assert "group" in error.value.message_dict
    line = services.line_save(user=world.region_manager, plan=plan, course=course(), group=world.station_a1)
    assert line.provider == course().provider


def test_seats_and_named_trainees_stay_consistent(world):
    plan = TrainingPlanFactory(orgunit=world.province)
    line = PlannedCourseFactory(plan=plan, group=world.region_a)
    ha = StaffFactory(orgunit=world.station_a1)
    lan = StaffFactory(orgunit=world.station_a1)
    services.trainee_add(user=world.province_admin, line=line, staff=ha)
    services.trainee_add(user=world.province_admin, line=line, staff=lan)
    assert PlannedSeat.objects.get(line=line, orgunit=world.station_a1).seats == 2
    with pytest.raises(ValidationError):
        services.trainee_add(user=world.province_admin, line=line, staff=ha)
    with pytest.raises(ValidationError):
        services.seat_set(user=world.province_admin, line=line, orgunit=world.station_a1, seats=1)
    services.seat_set(user=world.province_admin, line=line, orgunit=world.station_a1, seats=5)
    services.trainee_remove(user=world.province_admin, trainee=PlannedTrainee.objects.get(staff=ha))
    assert PlannedSeat.objects.get(line=line, orgunit=world.station_a1).seats == 4
    with pytest.raises(ValidationError):
        services.trainee_add(user=world.province_admin, line=line, staff=StaffFactory(orgunit=world.station_b1))
    services.seat_set(user=world.province_admin, line=line, orgunit=world.station_a2, seats=2)
    services.seat_set(user=world.province_admin, line=line, orgunit=world.station_a2, seats=0)
    assert not PlannedSeat.objects.filter(line=line, orgunit=world.station_a2).exists()


def test_a_viewer_of_a_provincial_plan_cannot_change_it(world):
    plan = TrainingPlanFactory(orgunit=world.province)
    with pytest.raises(PermissionDenied):
        services.plan_update(user=world.region_manager, plan=plan, name="Đổi tên")


def test_a_draft_plan_is_deleted_with_its_lines_and_an_adopted_one_is_not(world):
    plan = TrainingPlanFactory(orgunit=world.province)
    line = PlannedCourseFactory(plan=plan, group=world.region_a)
    services.trainee_add(user=world.province_admin, line=line, staff=StaffFactory(orgunit=world.station_a1))
    services.plan_delete(user=world.province_admin, plan=plan)
    assert not TrainingPlan.objects.exists() and not PlannedTrainee.objects.exists()
    adopted = TrainingPlanFactory(orgunit=world.province)
    PlannedCourseFactory(plan=adopted)
    services.plan_adopt(user=world.province_admin, plan=adopted, on=TODAY)
    with pytest.raises(ValidationError):
        services.plan_delete(user=world.province_admin, plan=adopted)


# ---------------------------------------------------------------------------------------------------- classes


def _class(world, **overrides):
    fields = {
        "user": world.region_manager,
        "orgunit": world.region_a,
        "course": course("dien-tam-do"),
        "code": " ecg-2026-01 ",
        "starts_on": D(2026, 3, 2),
        "ends_on": D(2026, 3, 6),
    }
    fields.update(overrides)
    return services.class_create(**fields)


def test_a_class_takes_its_defaults_from_the_course(world):
    training_class = _class(world)
    ecg = course("dien-tam-do")
    assert training_class.code == "ECG-2026-01"
    assert (training_class.name, training_class.credits, training_class.competency) == (
        ecg.name,
        ecg.credits,
        ecg.competency,
    )
    assert training_class.capacity == ecg.class_size
    with pytest.raises(ValidationError) as error:
        _class(world, code="Ecg-2026-01")
    assert "code" in error.value.message_dict
    with pytest.raises(ValidationError):
        _class(world, code="X", ends_on=D(2026, 3, 1))


def test_a_class_opened_from_a_plan_line_needs_an_adopted_plan_and_the_same_course(world):
    plan = TrainingPlanFactory(orgunit=world.province)
    line = PlannedCourseFactory(plan=plan, group=world.region_a, course=course("dien-tam-do"))
    with pytest.raises(ValidationError):
        _class(world, user=world.province_admin, orgunit=world.province, line=line)
    services.plan_adopt(user=world.province_admin, plan=plan, on=TODAY)
    with pytest.raises(ValidationError):
        _class(world, user=world.province_admin, orgunit=world.province, course=course("cme-co-so"), line=line)
    _class(world, user=world.province_admin, orgunit=world.province, line=line)
    line.refresh_from_db()
    assert line.status == LineStatus.IN_PROGRESS


def test_a_station_head_enrols_their_own_staff_in_a_regional_class_and_no_one_else(world):
    training_class = _class(world)
    own = StaffFactory(orgunit=world.station_a1)
    neighbour = StaffFactory(orgunit=world.station_a2)
    enrolment = services.enrol(user=world.station_head, training_class=training_class, staff=own)
    assert enrolment.enrolled_by == world.station_head
    with pytest.raises(PermissionDenied):
        services.enrol(user=world.station_head, training_class=training_class, staff=neighbour)
    with pytest.raises(ValidationError):
        services.enrol(user=world.station_head, training_class=training_class, staff=own)


def test_a_class_trains_only_staff_under_its_organiser_and_a_hidden_class_is_unknown(world):
    training_class = _class(world)
    with pytest.raises(ValidationError) as error:
        services.enrol(user=world.outsider, training_class=training_class, staff=StaffFactory(orgunit=world.station_b1))
    assert "training_class" in error.value.message_dict
    provincial = _class(world, user=world.province_admin, orgunit=world.region_a, code="P1")
    with pytest.raises(ValidationError) as error:
        services.enrol(
            user=world.province_admin, training_class=provincial, staff=StaffFactory(orgunit=world.station_b1)
        )
    assert "staff" in error.value.message_dict


def test_a_full_class_takes_no_one_more(world):
    training_class = _class(world, capacity=1)
    services.enrol(
        user=world.region_manager, training_class=training_class, staff=StaffFactory(orgunit=world.station_a1)
    )
    with pytest.raises(ValidationError):
        services.enrol(
            user=world.region_manager, training_class=training_class, staff=StaffFactory(orgunit=world.station_a2)
        )


def test_results_are_the_organisers_to_record(world):
    training_class = _class(world)
    enrolment = services.enrol(
        user=world.station_head, training_class=training_class, staff=StaffFactory(orgunit=world.station_a1)
    )
    with pytest.raises(PermissionDenied):
        services.enrolment_record(user=world.station_head, enrolment=enrolment, result=EnrolmentResult.PASSED)
    with pytest.raises(ValidationError) as error:
        services.enrolment_record(
            user=world.region_manager, enrolment=enrolment, result=EnrolmentResult.PASSED, days_attended=6
        )
    assert "days_attended" in error.value.message_dict
    services.enrolment_record(
        user=world.region_manager, enrolment=enrolment, result=EnrolmentResult.PASSED, days_attended=5, score=8.5
    )
    enrolment.refresh_from_db()
    assert (enrolment.result, enrolment.days_attended, enrolment.score) == ("passed", 5, Decimal("8.5"))


def _completed_class(world):
    training_class = _class(world)
    passed = StaffFactory(orgunit=world.station_a1, full_name="Nguyễn Thu Hà")
    failed = StaffFactory(orgunit=world.station_a2, full_name="Lê Văn Nam")
    for staff, result in ((passed, "passed"), (failed, "failed")):
        enrolment = services.enrol(user=world.region_manager, training_class=training_class, staff=staff)
        services.enrolment_record(user=world.region_manager, enrolment=enrolment, result=result, days_attended=5)
    services.class_complete(user=world.region_manager, training_class=training_class, on=D(2026, 3, 6))
    return training_class, passed, failed


def test_completing_a_class_posts_hours_and_certificate_to_those_who_passed_once(world):
    training_class, passed, failed = _completed_class(world)
    activity = CmeActivity.objects.get(staff=passed)
    assert (activity.credits, activity.evidence, activity.ended_on) == (Decimal(40), "ECG-2026-01", D(2026, 3, 6))
    certificate = Certificate.objects.get(staff=passed)
    assert certificate.competency == Competency.objects.get(code="dien-tam-do")
    assert certificate.issued_on == D(2026, 3, 6)
    assert not CmeActivity.objects.filter(staff=failed).exists() and not Certificate.objects.filter(staff=failed)
    enrolment = training_class.enrolments.get(staff=passed)
    assert enrolment.cme_activity == activity and enrolment.certificate == certificate
    training_class.refresh_from_db()
    assert (training_class.status, training_class.completed_by) == (ClassStatus.COMPLETED, world.region_manager)
    with pytest.raises(ValidationError):
        services.class_complete(user=world.region_manager, training_class=training_class, on=D(2026, 3, 6))
    assert CmeActivity.objects.filter(staff=passed).count() == 1


def test_a_class_completes_only_with_every_result_recorded_and_not_before_its_last_day(world):
    training_class = _class(world)
    enrolment = services.enrol(
        user=world.region_manager,
        training_class=training_class,
        staff=StaffFactory(orgunit=world.station_a1, full_name="Phạm Thị Mai"),
    )
    with pytest.raises(ValidationError) as error:
        services.class_complete(user=world.region_manager, training_class=training_class, on=D(2026, 3, 6))
    assert "Phạm Thị Mai" in str(error.value.message_dict["results"])
    services.enrolment_record(user=world.region_manager, enrolment=enrolment, result="passed")
    with pytest.raises(ValidationError) as error:
        services.class_complete(user=world.region_manager, training_class=training_class, on=D(2026, 3, 5))
    assert "on" in error.value.message_dict


def test_reopening_takes_back_what_completion_posted_and_needs_a_reason_and_the_approve_right(world):
    training_class, passed, _failed = _completed_class(world)
    with pytest.raises(PermissionDenied):
        services.class_reopen(user=world.station_head, training_class=training_class, reason="Sai kết quả")
    with pytest.raises(ValidationError):
        services.class_reopen(user=world.region_manager, training_class=training_class, reason="  ")
    services.class_reopen(user=world.region_manager, training_class=training_class, reason="Nhập nhầm kết quả")
    assert not CmeActivity.objects.filter(staff=passed).exists() and not Certificate.objects.filter(staff=passed)
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.SCHEDULED and training_class.completed_on is None
    entry = AuditEntry.objects.filter(object_id=str(training_class.pk), changes__has_key="reopened").get()
    assert entry.changes["reopened"] == ["06/03/2026", "Nhập nhầm kết quả"] and entry.actor == world.region_manager
    deleted = AuditEntry.objects.filter(action="delete", content_type__model__in=["cmeactivity", "certificate"])
    assert deleted.count() == 2
    # Completing again posts again, once.
    services.class_complete(user=world.region_manager, training_class=training_class, on=D(2026, 3, 7))
    assert CmeActivity.objects.filter(staff=passed).count() == 1


def test_a_withdrawn_participant_frees_a_place_and_a_cancelled_class_takes_no_enrolment(world):
    training_class = _class(world, capacity=1)
    first = services.enrol(
        user=world.station_head, training_class=training_class, staff=StaffFactory(orgunit=world.station_a1)
    )
    services.enrolment_withdraw(user=world.station_head, enrolment=first)
    services.enrol(
        user=world.region_manager, training_class=training_class, staff=StaffFactory(orgunit=world.station_a2)
    )
    services.class_cancel(user=world.region_manager, training_class=training_class)
    with pytest.raises(ValidationError):
        services.enrol(
            user=world.region_manager, training_class=training_class, staff=StaffFactory(orgunit=world.station_a2)
        )


def test_a_class_date_change_cannot_leave_attendance_beyond_its_days(world):
    training_class = TrainingClassFactory(orgunit=world.region_a)
    EnrolmentFactory(training_class=training_class, staff=StaffFactory(orgunit=world.station_a1), days_attended=5)
    with pytest.raises(ValidationError):
        services.class_update(user=world.region_manager, training_class=training_class, ends_on=D(2026, 3, 3))


# ---------------------------------------------------------------------------------------------------- sponsorships


def test_a_sponsorship_of_a_staff_member_takes_their_name_and_id(world):
    staff = StaffFactory(orgunit=world.station_a1, full_name="Võ Thị Hồng")
    sponsorship = services.sponsorship_create(
        user=world.station_head,
        orgunit=world.station_a1,
        staff=staff,
        kind="sent",
        programme="Chuyên khoa I Y học gia đình",
        level="specialist_1",
        institution="Trường Đại học Y Dược Huế",
        starts_on=D(2025, 9, 1),
        expected_return_on=D(2027, 8, 31),
        cost=Decimal(60_000_000),
        commitment_years=Decimal(4),
    )
    assert (sponsorship.trainee_name, sponsorship.national_id) == ("Võ Thị Hồng", staff.national_id)
    assert sponsorship.serve_unit == world.station_a1
    with pytest.raises(ValidationError):
        services.sponsorship_create(
            user=world.station_head,
            orgunit=world.station_a1,
            staff=staff,
            kind="sent",
            programme="Siêu âm",
            level="university",
            institution="Trường",
            starts_on=D(2025, 9, 1),
            expected_return_on=D(2026, 8, 31),
            commitment_years=1,
        )


def test_a_nominated_student_is_recorded_without_a_staff_record_and_linked_on_return(world):
    sponsorship = services.sponsorship_create(
        user=world.region_manager,
        orgunit=world.region_a,
        serve_unit=world.station_a2,
        kind="nominated",
        trainee_name="Hồ Văn Lực",
        national_id="046203001234",
        programme="Bác sĩ đa khoa",
        level="university",
        target_title=title("bac-si"),
        institution="Trường Đại học Y Dược Huế",
        starts_on=D(2020, 9, 1),
        expected_return_on=D(2026, 8, 31),
        cost=Decimal(300_000_000),
        commitment_years=Decimal(5),
    )
    recruited = StaffFactory(orgunit=world.station_a2, full_name="Hồ Văn Lực", national_id="046203001234")
    services.sponsorship_return(
        user=world.region_manager, sponsorship=sponsorship, returned_on=D(2026, 9, 15), staff=recruited
    )
    sponsorship.refresh_from_db()
    assert sponsorship.staff == recruited and sponsorship.status == SponsorshipStatus.SERVING
    assert sponsorship.commitment_ends_on == D(2031, 9, 15)


def test_a_sponsorship_serving_unit_must_be_visible_to_the_sender(world):
    with pytest.raises(ValidationError) as error:
        services.sponsorship_create(
            user=world.region_manager,
            orgunit=world.region_a,
            serve_unit=world.station_b1,
            kind="addressed",
            trainee_name="A",
            programme="Y sĩ",
            level="secondary",
            institution="Trường",
            starts_on=D(2025, 9, 1),
            expected_return_on=D(2027, 8, 31),
            commitment_years=3,
        )
    assert "serve_unit" in error.value.message_dict


def test_leaving_during_training_owes_the_whole_cost(world):
    sponsorship = SponsorshipFactory(orgunit=world.station_a1, cost=240_000_000)
    services.sponsorship_breach(
        user=world.station_head, sponsorship=sponsorship, left_on=D(2024, 1, 10), reason="Bỏ học"
    )
    sponsorship.refresh_from_db()
    assert sponsorship.status == SponsorshipStatus.BREACHED
    assert sponsorship.reimbursement_due == Decimal(240_000_000)
    assert "101/2017" in sponsorship.reimbursement_rule


def test_leaving_after_returning_owes_the_unserved_share(world):
    sponsorship = SponsorshipFactory(orgunit=world.station_a1, cost=240_000_000, commitment_years=5)
    services.sponsorship_return(user=world.station_head, sponsorship=sponsorship, returned_on=D(2024, 1, 1))
    with pytest.raises(ValidationError):
        services.sponsorship_breach(user=world.station_head, sponsorship=sponsorship, left_on=D(2025, 1, 1), reason="")
    services.sponsorship_breach(
        user=world.station_head, sponsorship=sponsorship, left_on=D(2025, 7, 1), reason="Chuyển công tác tỉnh khác"
    )
    sponsorship.refresh_from_db()
    # 18 of 60 months served: 240M × 42/60.
    assert sponsorship.reimbursement_due == Decimal(168_000_000)
    services.sponsorship_reimbursed(user=world.station_head, sponsorship=sponsorship, amount=Decimal(50_000_000))
    with pytest.raises(ValidationError):
        services.sponsorship_reimbursed(user=world.station_head, sponsorship=sponsorship, amount=Decimal(200_000_000))
    with pytest.raises(ValidationError):
        services.sponsorship_breach(user=world.station_head, sponsorship=sponsorship, left_on=D(2025, 8, 1), reason="x")


def test_leaving_after_the_commitment_ends_is_no_breach(world):
    sponsorship = SponsorshipFactory(orgunit=world.station_a1, commitment_years=1)
    services.sponsorship_return(user=world.station_head, sponsorship=sponsorship, returned_on=D(2024, 1, 1))
    with pytest.raises(ValidationError) as error:
        services.sponsorship_breach(user=world.station_head, sponsorship=sponsorship, left_on=D(2025, 1, 1), reason="x")
    assert "left_on" in error.value.message_dict


def test_the_serving_unit_sees_a_sponsorship_but_only_the_sender_changes_it(world):
    sponsorship = SponsorshipFactory(orgunit=world.region_a, serve_unit=world.station_a1)
    with pytest.raises(PermissionDenied):
        services.sponsorship_update(user=world.station_head, sponsorship=sponsorship, note="x")
    services.sponsorship_update(user=world.region_manager, sponsorship=sponsorship, note="Đang học năm 4")


# ---------------------------------------------------------------------------------------------------- catalogues


def test_catalogue_changes_need_a_province_administrator_and_titles_are_audited(world):
    norm = catalogue_services.norm_save(
        user=world.province_admin,
        code="tram-co-duoc-si",
        name="Trạm y tế có dược sĩ",
        kind="title",
        unit_kind="station",
        minimum=1,
        source="Thử",
        titles=[title("duoc-si")],
    )
    entry = AuditEntry.objects.filter(object_id=str(norm.pk), changes__has_key="titles").get()
    assert entry.changes["titles"] == ["", "Dược sĩ"]
    with pytest.raises(PermissionDenied):
        catalogue_services.course_save(user=world.region_manager, course=course(), name="Đổi tên")
    with pytest.raises(ValidationError):
        catalogue_services.norm_save(user=world.province_admin, norm=norm, kind="competency")


def test_a_proposed_plan_names_the_people_to_train_per_region(world):
    StaffFactory(orgunit=world.station_a1, title=title("bac-si"))
    StaffFactory(orgunit=world.station_a2, title=title("y-si"), birth_date=D(1996, 1, 1))
    StaffFactory(orgunit=world.station_b1, title=title("dieu-duong"))
    plan = services.plan_propose(user=world.province_admin, orgunit=world.province, year=2027, on=TODAY)
    assert plan.from_needs and plan.status == PlanStatus.DRAFT
    groups = set(plan.lines.values_list("course__code", "group__code"))
    assert ("lien-thong-bac-si", "RA") in groups  # the assistant physician at A2, a station without a doctor
    assert ("dien-tam-do", "RB") in groups
    ecg_a = plan.lines.get(course__code="dien-tam-do", group__code="RA")
    assert ecg_a.budget == course("dien-tam-do").unit_cost * 2
    assert set(ecg_a.trainees.values_list("reason", flat=True)) == {NeedReason.COMPETENCY}
    assert AuditEntry.objects.filter(object_id=str(plan.pk), changes__has_key="proposed").exists()
    with pytest.raises(PermissionDenied):
        services.plan_propose(user=world.region_manager, orgunit=world.province, year=2027, on=TODAY)


def test_a_class_runs_a_line_only_for_its_group_and_a_reader_of_the_plan_leaves_its_status(world):
    plan = TrainingPlanFactory(orgunit=world.province)
    line_b = PlannedCourseFactory(plan=plan, group=world.region_b, course=course("dien-tam-do"))
    line_a = PlannedCourseFactory(plan=plan, group=world.region_a, course=course("dien-tam-do"))
    services.plan_adopt(user=world.province_admin, plan=plan, on=TODAY)
    with pytest.raises(ValidationError) as error:
        _class(world, line=line_b)  # region A's manager, region B's line
    assert "line" in error.value.message_dict
    training_class = _class(world, line=line_a)
    line_a.refresh_from_db()
    assert training_class.line == line_a and line_a.status == LineStatus.PLANNED  # the province sets it


def test_a_class_of_a_plan_closed_since_can_still_be_corrected(world):
    plan = TrainingPlanFactory(orgunit=world.province)
    line = PlannedCourseFactory(plan=plan, group=world.region_a, course=course("dien-tam-do"))
    services.plan_adopt(user=world.province_admin, plan=plan, on=TODAY)
    training_class = _class(world, user=world.province_admin, orgunit=world.province, line=line)
    services.plan_close(user=world.province_admin, plan=plan)
    services.class_update(user=world.province_admin, training_class=training_class, location="Hội trường Sở")
    training_class.refresh_from_db()
    assert training_class.location == "Hội trường Sở"


def test_a_class_cannot_promise_more_hours_than_its_days_hold(world):
    with pytest.raises(ValidationError) as error:
        _class(world, ends_on=D(2026, 3, 3), credits=Decimal(40))
    assert "credits" in error.value.message_dict
    specialist = _class(world, code="LT-1", course=course("lien-thong-bac-si"), ends_on=D(2026, 3, 3))
    assert specialist.credits is None and specialist.competency is None


def test_taking_a_withdrawal_back_respects_the_capacity(world):
    training_class = _class(world, capacity=1)
    first = services.enrol(
        user=world.region_manager, training_class=training_class, staff=StaffFactory(orgunit=world.station_a1)
    )
    services.enrolment_withdraw(user=world.region_manager, enrolment=first)
    services.enrol(
        user=world.region_manager, training_class=training_class, staff=StaffFactory(orgunit=world.station_a2)
    )
    with pytest.raises(ValidationError) as error:
        services.enrolment_record(user=world.region_manager, enrolment=first, result=EnrolmentResult.ENROLLED)
    assert "result" in error.value.message_dict


def test_a_course_for_some_titles_takes_only_people_of_those_titles_on_a_line(world):
    plan = TrainingPlanFactory(orgunit=world.province)
    line = PlannedCourseFactory(plan=plan, group=world.region_a, course=course("sieu-am-tong-quat"))
    with pytest.raises(ValidationError) as error:
        services.trainee_add(
            user=world.province_admin, line=line, staff=StaffFactory(orgunit=world.station_a1, title=title("ho-sinh"))
        )
    assert "staff" in error.value.message_dict
    services.trainee_add(
        user=world.province_admin, line=line, staff=StaffFactory(orgunit=world.station_a1, title=title("y-si"))
    )
