"""Supervision writes: visits and their checklist, directives through their states (self-acceptance refused),
obstacles and their answers, notifications."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from ytcs.accounts.models import RoleAssignment
from ytcs.accounts.roles import Role
from ytcs.assessments.models import Assessment
from ytcs.core.models import AuditEntry
from ytcs.core.querysets import CHANGE, forget_scope
from ytcs.core.testing.factories import UserFactory, assessment_framework
from ytcs.supervision import selectors, services
from ytcs.supervision.models import (
    Directive,
    DirectiveStatus,
    DirectiveUpdate,
    Notification,
    NotificationKind,
    Obstacle,
    ObstacleStatus,
    Visit,
    VisitPhoto,
)
from ytcs.supervision.tests.helpers import days, directive, done, obstacle, pdf, png, proposal, visit

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------- visits


def test_a_regional_team_records_a_visit_with_its_team_units_and_findings(world):
    recorded = visit(
        world,
        units=[world.station_a1, world.station_a2],
        team=[{"user": world.station_head, "role": "Thành viên"}, {"name": "BS. Lê Văn Khách", "role": "Chuyên gia"}],
        areas=["facilities", "equipment", "other"],
        areas_note="Vệ sinh môi trường",
    )
    assert sorted(recorded.visited.values_list("orgunit__code", flat=True)) == ["A1", "A2"]
    assert list(recorded.team.values_list("name", "role")) == [
        (world.station_head.full_name, "Thành viên"),
        ("BS. Lê Văn Khách", "Chuyên gia"),
    ]
    assert AuditEntry.objects.filter(object_id=str(recorded.pk), action="create").exists()
    services.visit_update(user=world.region_manager, visit=recorded, units=[world.station_a2], team=[])
    assert list(recorded.visited.values_list("orgunit__code", flat=True)) == ["A2"]
    assert not recorded.team.exists()


@pytest.mark.parametrize(
    "change,field",
    [
        ({"units": "B1"}, "units"),
        ({"units": None}, "units"),
        ({"findings": ""}, "findings"),
        ({"visited_on": 3}, "visited_on"),
        ({"areas": ["kitchen"]}, "areas"),
        ({"areas": ["other"]}, "areas_note"),
    ],
)
def test_a_visit_is_refused_with_the_field_named(world, change, field):
    fields = dict(change)
    if "units" in fields:
        fields["units"] = [world.station_b1] if fields["units"] == "B1" else []
    if "visited_on" in fields:
        fields["visited_on"] = days(fields["visited_on"])
    with pytest.raises(ValidationError) as error:
        visit(world, **fields)
    assert field in error.value.message_dict
    assert not Visit.objects.exists()


def test_only_the_lead_units_change_right_records_its_visits(world):
    with pytest.raises(PermissionDenied):
        visit(world, user=world.station_head)
    with pytest.raises(PermissionDenied):
        visit(world, user=world.outsider)
    with pytest.raises(PermissionDenied):
        visit(world, user=world.viewer)


def test_a_visit_is_seen_by_the_units_visited_and_changed_only_by_the_lead(world):
    to_a1 = visit(world)
    to_a2 = visit(world, units=[world.station_a2])
    seen = set(selectors.visit_list(user=world.station_head).values_list("pk", flat=True))
    assert seen == {to_a1.pk}
    assert not selectors.visit_list(user=world.outsider).exists()
    assert not Visit.objects.restrict(world.station_head, CHANGE).exists()
    with pytest.raises(PermissionDenied):
        selectors.visit_get_for_change(user=world.station_head, pk=to_a1.pk)
    assert selectors.visit_get(user=world.province_viewer, pk=to_a2.pk) == to_a2


def test_a_checklist_opens_or_links_the_assessment_of_each_visited_station(world):
    framework = assessment_framework(world.province_admin)
    existing = Assessment.objects.create(orgunit=world.station_a2, framework=framework, year=days(-10).year)
    recorded = visit(world, units=[world.station_a1, world.station_a2, world.region_a], framework=framework)
    links = dict(recorded.visited.values_list("orgunit__code", "assessment_id"))
    assert links["A2"] == existing.pk
    created = Assessment.objects.get(pk=links["A1"])
    assert (created.orgunit, created.framework, created.status) == (world.station_a1, framework, "draft")
    assert links["RA"] is None  # the framework applies to stations only
    services.visit_update(user=world.region_manager, visit=recorded, framework=None)
    assert set(recorded.visited.values_list("assessment_id", flat=True)) == {None}


def test_photos_are_jpeg_or_png_of_a_limited_size(world):
    recorded = visit(world)
    photo = services.visit_photo_add(user=world.region_manager, visit=recorded, uploaded=png("kho thuoc.png"))
    assert (photo.original_name, photo.content_type) == ("kho thuoc.png", "image/png")
    # Stored under a name of ours, with the extension of the type its content has.
    assert photo.file.name.startswith("supervision/photos/") and photo.file.name.endswith(".png")
    assert f"visit-{recorded.pk}" in photo.file.name and "kho thuoc" not in photo.file.name
    for upload in (
        SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png"),
        pdf(),
        SimpleUploadedFile("empty.png", b"", content_type="image/png"),
    ):
        with pytest.raises(ValidationError):
            services.visit_photo_add(user=world.region_manager, visit=recorded, uploaded=upload)
    with override_settings(YTCS_PHOTO_MAX_BYTES=16), pytest.raises(ValidationError):
        services.visit_photo_add(user=world.region_manager, visit=recorded, uploaded=png())
    with pytest.raises(PermissionDenied):
        services.visit_photo_add(user=world.station_head, visit=recorded, uploaded=png())
    services.visit_photo_delete(user=world.region_manager, photo=photo)
    assert not VisitPhoto.objects.exists()


# ---------------------------------------------------------------------------------------------- directives


def test_a_directive_goes_open_in_progress_done_returned_done_accepted_with_its_history(world):
    item = directive(world, source=visit(world))
    assert item.issuer_unit == world.region_a and item.status == DirectiveStatus.OPEN
    services.directive_progress(user=world.station_head, directive=item, status="in_progress", note="Đã họp trạm")
    with pytest.raises(ValidationError) as error:
        services.directive_progress(user=world.station_head, directive=item, status="done")
    assert "note" in error.value.message_dict
    services.directive_progress(user=world.station_head, directive=item, status="done", evidence=pdf())
    with pytest.raises(ValidationError):
        services.directive_progress(user=world.station_head, directive=item, status="in_progress", note="x")
    with pytest.raises(ValidationError) as error:
        services.directive_return(user=world.region_manager, directive=item, note=" ")
    assert "note" in error.value.message_dict
    services.directive_return(user=world.region_manager, directive=item, note="Thiếu quy trình đã ký")
    assert Directive.objects.get(pk=item.pk).status == DirectiveStatus.IN_PROGRESS
    services.directive_progress(user=world.station_head, directive=item, status="done", note="Đã ban hành")
    services.directive_accept(user=world.region_manager, directive=item)
    item.refresh_from_db()
    assert (item.status, item.accepted_by) == (DirectiveStatus.ACCEPTED, world.region_manager)
    assert list(DirectiveUpdate.objects.filter(directive=item).values_list("from_status", "to_status")) == [
        ("open", "in_progress"),
        ("in_progress", "done"),
        ("done", "in_progress"),
        ("in_progress", "done"),
        ("done", "accepted"),
    ]
    evidence = DirectiveUpdate.objects.get(directive=item, evidence_name="bien-ban.pdf")
    assert evidence.evidence_type == "application/pdf"
    with pytest.raises(ValidationError):
        services.directive_progress(user=world.station_head, directive=item, status="in_progress", note="x")
    with pytest.raises(ValidationError):
        services.directive_edit(user=world.region_manager, directive=item, title="Khác")


def test_the_responsible_unit_updates_but_never_accepts_its_own_directive(world):
    to_station = done(world, directive(world))
    for user in (world.station_head, world.viewer, world.data_clerk, world.outsider):
        with pytest.raises(PermissionDenied):
            services.directive_accept(user=user, directive=to_station)
    to_region = directive(world, user=world.province_admin, issuer=world.province, orgunit=world.region_a)
    services.directive_progress(user=world.region_manager, directive=to_region, status="done", note="Đã xong")
    assert not selectors.may_accept(world.region_manager, to_region)
    with pytest.raises(PermissionDenied):
        services.directive_accept(user=world.region_manager, directive=to_region)
    with pytest.raises(PermissionDenied):
        services.directive_return(user=world.region_manager, directive=to_region, note="x")
    assert Directive.objects.get(pk=to_region.pk).status == DirectiveStatus.DONE
    services.directive_accept(user=world.province_admin, directive=to_region)
    assert Directive.objects.get(pk=to_region.pk).status == DirectiveStatus.ACCEPTED


def test_a_user_of_the_responsible_unit_accepts_only_through_a_role_above_it(world):
    to_region = done(
        world,
        directive(world, user=world.province_admin, issuer=world.province, orgunit=world.region_a),
        user=world.region_manager,
    )
    both = UserFactory(username="giam_doc_kiem_nhiem", home_unit=world.region_a)
    RoleAssignment.objects.create(user=both, role=Role.REGIONAL_MANAGER, orgunit=world.region_a)
    assert not selectors.may_accept(both, to_region)
    RoleAssignment.objects.create(user=both, role=Role.PROVINCE_ADMIN, orgunit=world.province)
    forget_scope(both)
    assert selectors.may_accept(both, to_region)
    services.directive_accept(user=both, directive=to_region)


def test_only_the_responsible_unit_reports_progress(world):
    item = directive(world)
    for user in (world.viewer, world.data_clerk, world.outsider, world.province_viewer):
        with pytest.raises(PermissionDenied):
            services.directive_progress(user=user, directive=item, status="in_progress", note="x")
    assert not DirectiveUpdate.objects.exists()


@pytest.mark.parametrize(
    "case,error",
    [
        ("station head issues", PermissionDenied),
        ("to a unit of another region", ValidationError),
        ("to the issuing unit itself", ValidationError),
        ("from a planned visit", ValidationError),
        ("from nothing", ValidationError),
        ("due before issue", ValidationError),
        ("without the evidence asked for", ValidationError),
        ("a proposal of another unit", ValidationError),
    ],
)
def test_a_directive_is_issued_by_the_approve_right_to_a_unit_below(world, case, error):
    kwargs: dict = {}
    if case == "station head issues":
        kwargs = {"user": world.station_head}
    elif case == "to a unit of another region":
        kwargs = {"orgunit": world.station_b1, "user": world.province_admin}
    elif case == "to the issuing unit itself":
        kwargs = {"orgunit": world.region_a}
    elif case == "from a planned visit":
        kwargs = {"source": visit(world, status="planned", findings="", visited_on=days(5))}
    elif case == "from nothing":
        kwargs = {"source_text": ""}
    elif case == "due before issue":
        kwargs = {"issued_on": days(0), "due_on": days(-1)}
    elif case == "without the evidence asked for":
        kwargs = {"evidence_required": " "}
    elif case == "a proposal of another unit":
        kwargs = {"investment_proposal": proposal(world, world.station_a2)}
    with pytest.raises(error):
        directive(world, **kwargs)
    assert not Directive.objects.exists()


def test_a_directive_links_the_plan_proposal_and_indicator_it_should_move(world):
    from ytcs.core.testing.factories import TrainingPlanFactory
    from ytcs.indicators.models import Indicator

    plan = TrainingPlanFactory(orgunit=world.province, year=2026)
    indicator = Indicator.objects.filter(is_active=True).first()
    item = directive(world, category="training_plan", training_plan=plan, indicator=indicator)
    assert (item.training_plan, item.indicator) == (plan, indicator)
    own = proposal(world, world.station_a1, user=world.station_head)
    services.directive_progress(
        user=world.station_head,
        directive=item,
        status="in_progress",
        note="Đã lập đề xuất",
        links={"investment_proposal": own},
    )
    assert Directive.objects.get(pk=item.pk).investment_proposal == own


def test_overdue_and_due_soon_are_computed_from_the_due_date_and_the_state(world):
    late = directive(world, title="Quá hạn", issued_on=days(-40), due_on=days(-1))
    soon = directive(world, title="Sắp đến hạn", due_on=days(3))
    later = directive(world, title="Còn lâu", due_on=days(60))
    late_but_done = done(world, directive(world, title="Đã xong", issued_on=days(-40), due_on=days(-2)))
    rows = {d.title: (d.is_overdue, d.is_due_soon) for d in selectors.directive_list(user=world.station_head)}
    assert rows == {
        "Quá hạn": (True, False),
        "Sắp đến hạn": (False, True),
        "Còn lâu": (False, False),
        "Đã xong": (False, False),
    }
    overdue = selectors.directive_list(user=world.region_manager, filters={"overdue": True})
    assert list(overdue) == [late]
    assert list(selectors.directive_list(user=world.region_manager, filters={"due_soon": True})) == [soon]
    assert later not in overdue and late_but_done not in overdue
    # Tomorrow's list is tomorrow's: nothing stored to go stale.
    assert soon in selectors.directive_list(user=world.region_manager, filters={"overdue": True}, today=days(4))


def test_notifications_follow_the_directive(world):
    item = directive(world)
    assert Notification.objects.filter(user=world.station_head, kind=NotificationKind.DIRECTIVE_ISSUED).count() == 1
    done(world, item)
    told = Notification.objects.get(user=world.region_manager, kind=NotificationKind.DIRECTIVE_DONE)
    assert told.directive == item and str(item.pk) in told.link
    services.directive_accept(user=world.region_manager, directive=item)
    assert Notification.objects.filter(user=world.station_head, kind=NotificationKind.DIRECTIVE_ACCEPTED).exists()
    # Nobody is told what they did themselves.
    assert not Notification.objects.filter(user=world.region_manager, kind=NotificationKind.DIRECTIVE_ACCEPTED).exists()


# ---------------------------------------------------------------------------------------------- obstacles


def test_an_obstacle_is_sent_answered_by_the_department_and_resolved(world):
    sent = obstacle(world)
    assert Notification.objects.filter(user=world.province_admin, kind=NotificationKind.OBSTACLE_SENT).exists()
    for user in (world.region_manager, world.station_head, world.province_viewer):
        with pytest.raises(PermissionDenied):
            services.obstacle_answer(user=user, obstacle=sent, body="Trả lời")
    with pytest.raises(ValidationError):
        services.obstacle_answer(user=world.province_admin, obstacle=sent, body="  ")
    services.obstacle_answer(user=world.province_admin, obstacle=sent, body="Sở sẽ điều động bác sĩ luân phiên.")
    assert sent.status == ObstacleStatus.ANSWERED
    assert Notification.objects.filter(user=world.station_head, kind=NotificationKind.OBSTACLE_ANSWERED).exists()
    with pytest.raises(PermissionDenied):
        services.obstacle_resolve(user=world.viewer, obstacle=sent)
    services.obstacle_resolve(user=world.station_head, obstacle=sent)
    sent.refresh_from_db()
    assert (sent.status, sent.resolved_by) == (ObstacleStatus.RESOLVED, world.station_head)
    with pytest.raises(ValidationError):
        services.obstacle_answer(user=world.province_admin, obstacle=sent, body="Thêm")


def test_an_obstacle_is_still_answered_and_resolved_when_its_senders_account_is_gone(world):
    sent = obstacle(world)
    world.station_head.delete()
    sent.refresh_from_db()
    assert sent.sent_by is None
    services.obstacle_answer(user=world.province_admin, obstacle=sent, body="Đã ghi nhận")
    services.obstacle_resolve(user=world.province_admin, obstacle=sent)
    assert Obstacle.objects.get(pk=sent.pk).status == ObstacleStatus.RESOLVED


def test_an_obstacle_is_sent_by_the_units_change_right_to_an_office_of_the_list(world):
    with pytest.raises(PermissionDenied):
        obstacle(world, user=world.viewer)
    with pytest.raises(PermissionDenied):
        obstacle(world, orgunit=world.station_a2)
    with pytest.raises(ValidationError) as error:
        obstacle(world, office="kitchen")
    assert "office" in error.value.message_dict
    other = directive(world, orgunit=world.station_a2)
    with pytest.raises(ValidationError):
        obstacle(world, directive=other)


def test_a_notification_is_read_by_its_recipient_only(world):
    directive(world)
    mine = Notification.objects.get(user=world.station_head)
    with pytest.raises(PermissionDenied):
        services.notification_mark_read(user=world.region_manager, notification=mine)
    services.notification_mark_read(user=world.station_head, notification=mine)
    first = Notification.objects.get(pk=mine.pk).read_at
    assert first is not None
    services.notification_mark_read(user=world.station_head, notification=mine)
    assert Notification.objects.get(pk=mine.pk).read_at == first
    directive(world, title="Thêm")
    assert selectors.unread_count(user=world.station_head) == 1
    assert services.notifications_mark_all_read(user=world.station_head) == 1
    assert selectors.unread_count(user=world.station_head) == 0
