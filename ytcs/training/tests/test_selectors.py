"""Who sees what of training: plans and classes are open to the units below their owner; enrolments to the
trainee's unit and the organiser; sponsorships to the sending and the serving unit."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ytcs.core.testing.factories import (
    EnrolmentFactory,
    SponsorshipFactory,
    StaffFactory,
    TrainingClassFactory,
    TrainingPlanFactory,
)
from ytcs.training import selectors
from ytcs.training.models import SponsorshipStatus

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = timezone.localdate()


def test_a_plan_is_seen_by_its_subtree_and_the_units_below_but_not_by_neighbours(world):
    provincial = TrainingPlanFactory(orgunit=world.province)
    regional = TrainingPlanFactory(orgunit=world.region_a)
    seen = lambda user: set(selectors.plan_list(user=user))  # noqa: E731
    assert seen(world.station_head) == {provincial, regional}
    assert seen(world.outsider) == {provincial}
    assert seen(world.province_viewer) == {provincial, regional}
    with pytest.raises(PermissionDenied):
        selectors.plan_get_for_change(user=world.region_manager, pk=provincial.pk)
    assert selectors.plan_get_for_change(user=world.region_manager, pk=regional.pk) == regional


def test_a_class_of_the_neighbour_region_answers_404(world):
    from django.http import Http404

    training_class = TrainingClassFactory(orgunit=world.region_a)
    assert selectors.class_get(user=world.station_head, pk=training_class.pk) == training_class
    with pytest.raises(Http404):
        selectors.class_get(user=world.outsider, pk=training_class.pk)
    with pytest.raises(Http404):
        selectors.class_get(user=world.outsider, pk="abc")


def test_participants_are_seen_by_the_organiser_and_by_their_own_unit_only(world):
    training_class = TrainingClassFactory(orgunit=world.province)
    a1 = EnrolmentFactory(training_class=training_class, staff=StaffFactory(orgunit=world.station_a1))
    b1 = EnrolmentFactory(training_class=training_class, staff=StaffFactory(orgunit=world.station_b1))
    assert set(selectors.class_enrolments(user=world.province_admin, training_class=training_class)) == {a1, b1}
    assert set(selectors.class_enrolments(user=world.station_head, training_class=training_class)) == {a1}
    assert set(selectors.class_enrolments(user=world.outsider, training_class=training_class)) == {b1}


def test_enrollable_staff_are_in_the_users_write_scope_and_under_the_organiser(world):
    training_class = TrainingClassFactory(orgunit=world.region_a)
    own = StaffFactory(orgunit=world.station_a1, full_name="Nguyễn Thu Hà")
    StaffFactory(orgunit=world.station_a2)
    enrolled = StaffFactory(orgunit=world.station_a1)
    EnrolmentFactory(training_class=training_class, staff=enrolled)
    assert list(selectors.enrollable_staff(user=world.station_head, training_class=training_class)) == [own]
    assert list(
        selectors.enrollable_staff(user=world.station_head, training_class=training_class, q="nguyen thu ha")
    ) == [own]
    assert not selectors.enrollable_staff(user=world.viewer, training_class=training_class).exists()


def test_sponsorship_states_as_of_a_date_and_the_totals(world):
    studying = SponsorshipFactory(orgunit=world.station_a1, expected_return_on=TODAY + datetime.timedelta(days=30))
    overdue = SponsorshipFactory(orgunit=world.station_a1, expected_return_on=TODAY - datetime.timedelta(days=30))
    fulfilled = SponsorshipFactory(
        orgunit=world.region_a,
        serve_unit=world.station_a2,
        status=SponsorshipStatus.SERVING,
        returned_on=D(2015, 1, 1),
        commitment_ends_on=D(2020, 1, 1),
    )
    SponsorshipFactory(orgunit=world.station_b1)
    states = {s.pk: s.state for s in selectors.sponsorship_list(user=world.region_manager, on=TODAY)}
    assert states == {studying.pk: "studying", overdue.pk: "studying", fulfilled.pk: "fulfilled"}
    assert [
        s.pk for s in selectors.sponsorship_list(user=world.region_manager, on=TODAY, filters={"state": "overdue"})
    ] == [overdue.pk]
    # The serving station sees the record sent by its region.
    assert [s.pk for s in selectors.sponsorship_list(user=world.viewer, on=TODAY, filters={"orgunit": "A2"})] == [
        fulfilled.pk
    ]
    totals = selectors.commitment_totals(user=world.region_manager, on=TODAY)
    assert (totals["total"], totals["studying"], totals["overdue"], totals["fulfilled"]) == (3, 2, 1, 1)
    upcoming = selectors.upcoming_returns(user=world.region_manager, on=TODAY)
    assert [s.pk for s in upcoming] == [overdue.pk, studying.pk]


def test_a_named_person_out_of_sight_answers_404_even_on_a_visible_plan(world):
    from django.http import Http404

    from ytcs.core.testing.factories import PlannedCourseFactory
    from ytcs.training import services

    plan = TrainingPlanFactory(orgunit=world.province)
    line = PlannedCourseFactory(plan=plan, group=world.province)
    services.trainee_add(user=world.province_admin, line=line, staff=StaffFactory(orgunit=world.station_b1))
    trainee = line.trainees.get()
    assert selectors.trainee_get(user=world.province_admin, pk=trainee.pk) == trainee
    with pytest.raises(Http404):
        selectors.trainee_get(user=world.station_head, pk=trainee.pk)
    assert not selectors.line_trainees(line=line, user=world.station_head).exists()


def test_plan_lines_leave_out_cancelled_classes_and_withdrawn_people(world):
    from ytcs.core.testing.factories import PlannedCourseFactory

    plan = TrainingPlanFactory(orgunit=world.province)
    line = PlannedCourseFactory(plan=plan, group=world.region_a)
    kept = TrainingClassFactory(orgunit=world.region_a, line=line)
    EnrolmentFactory(training_class=kept, staff=StaffFactory(orgunit=world.station_a1))
    EnrolmentFactory(training_class=kept, staff=StaffFactory(orgunit=world.station_a1), result="withdrawn")
    cancelled = TrainingClassFactory(orgunit=world.region_a, line=line, status="cancelled")
    EnrolmentFactory(training_class=cancelled, staff=StaffFactory(orgunit=world.station_a2))
    row = selectors.plan_lines(plan=plan).get()
    assert (row.class_count, row.enrolled_count) == (1, 1)


def test_a_course_for_some_titles_offers_only_people_of_those_titles(world):
    from ytcs.core.testing.factories import course, title

    training_class = TrainingClassFactory(orgunit=world.region_a, course=course("sieu-am-tong-quat"))
    doctor = StaffFactory(orgunit=world.station_a1, title=title("bac-si"))
    StaffFactory(orgunit=world.station_a1, title=title("y-te-thon-ban"))
    assert list(selectors.enrollable_staff(user=world.station_head, training_class=training_class)) == [doctor]
