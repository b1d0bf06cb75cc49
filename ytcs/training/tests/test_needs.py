"""The needs analysis: norms against the live registry, and the plan it proposes."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ytcs.core.testing.factories import (
    EnrolmentFactory,
    SponsorshipFactory,
    StaffFactory,
    TrainingClassFactory,
    course,
    title,
)
from ytcs.training import needs, services
from ytcs.training.models import NeedReason, StaffingNorm
from ytcs.workforce.models import Certificate, CmeActivity, Competency, Licence

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = timezone.localdate()


def norm(code: str) -> StaffingNorm:
    return next(n for n in needs.active_norms() if n.code == code)


def summary(world, user=None, root=None):
    rows = needs.needs_summary(user=user or world.province_admin, root=root or world.province, on=TODAY, year=2027)
    return {row.norm.code: row for row in rows}


def test_every_initial_norm_names_its_source_and_the_unchecked_ones_say_so():
    for item in StaffingNorm.objects.all():
        assert item.source
        assert item.confirmed or "CHƯA XÁC NHẬN" in item.source


def test_stations_without_a_doctor_are_found_and_a_doctor_closes_the_gap(world):
    rows = summary(world)
    assert rows["tram-co-bac-si"].units == 3 and rows["tram-co-bac-si"].missing == 3
    StaffFactory(orgunit=world.station_a1, title=title("bac-si-yhct"))
    gaps = needs.unit_gaps(user=world.province_admin, root=world.province, norm=norm("tram-co-bac-si"), on=TODAY)
    assert [u.code for u in gaps] == ["A2", "B1"]


def test_a_trainee_due_back_to_serve_covers_the_gap_without_hiding_it(world):
    SponsorshipFactory(orgunit=world.region_a, serve_unit=world.station_a2, target_title=title("bac-si"))
    gaps = {
        u.code: u
        for u in needs.unit_gaps(user=world.province_admin, root=world.province, norm=norm("tram-co-bac-si"), on=TODAY)
    }
    assert gaps["A2"].in_training == 1 and gaps["A2"].missing == 0
    assert summary(world)["tram-co-bac-si"].missing == 2


def test_a_valid_certificate_closes_a_competency_gap_and_an_expired_one_does_not(world):
    ecg = Competency.objects.get(code="dien-tam-do")
    nurse = StaffFactory(orgunit=world.station_a1, title=title("dieu-duong"))
    Certificate.objects.create(staff=nurse, competency=ecg, issued_on=D(2015, 1, 1), expires_on=D(2020, 1, 1))

    def codes():
        gaps = needs.unit_gaps(user=world.province_admin, root=world.province, norm=norm("tram-dien-tam-do"), on=TODAY)
        return [u.code for u in gaps]

    assert codes() == ["A1", "A2", "B1"]
    Certificate.objects.create(staff=nurse, competency=ecg, issued_on=D(2024, 1, 1))
    assert codes() == ["A2", "B1"]


def test_a_completed_class_makes_its_gaps_disappear(world):
    nurse = StaffFactory(orgunit=world.station_a2, title=title("dieu-duong"))
    before = summary(world)["tram-dien-tam-do"].units
    training_class = services.class_create(
        user=world.region_manager,
        orgunit=world.region_a,
        course=course("dien-tam-do"),
        code="ECG-1",
        starts_on=D(2026, 3, 2),
        ends_on=D(2026, 3, 6),
    )
    enrolment = services.enrol(user=world.region_manager, training_class=training_class, staff=nurse)
    # Enrolled in a running class: counted as in training, not proposed again.
    assert summary(world)["tram-dien-tam-do"].in_training == 1
    services.enrolment_record(user=world.region_manager, enrolment=enrolment, result="passed")
    services.class_complete(user=world.region_manager, training_class=training_class, on=D(2026, 3, 6))
    after = summary(world)["tram-dien-tam-do"]
    assert after.units == before - 1 and after.in_training == 0


def test_people_short_of_hours_exclude_those_in_their_first_period_and_those_in_a_class(world):
    veteran = StaffFactory(orgunit=world.station_a1, started_on=D(2005, 1, 1))
    StaffFactory(orgunit=world.station_a1, started_on=TODAY - datetime.timedelta(days=400))
    done = StaffFactory(orgunit=world.station_a1, started_on=D(2005, 1, 1))
    CmeActivity.objects.create(staff=done, name="CME", started_on=D(2025, 1, 1), ended_on=D(2025, 1, 12), credits=120)
    StaffFactory(orgunit=world.station_a1, title=title("y-te-thon-ban"), started_on=D(2005, 1, 1))
    people = needs.people_needs(
        user=world.province_admin, root=world.province, norm=norm("du-gio-dao-tao-lien-tuc"), on=TODAY, year=2027
    )
    assert [p.pk for p in people] == [veteran.pk]
    assert [p.pk for p in people.all()] == [veteran.pk]
    cme_class = TrainingClassFactory(orgunit=world.province, course=course("cme-co-so"), starts_on=TODAY, ends_on=TODAY)
    enrolment = EnrolmentFactory(training_class=cme_class, staff=veteran)
    assert not people.all().exists()
    enrolment.result = "passed"  # recorded, the class not yet completed: still on its way
    enrolment.save()
    assert not people.all().exists()
    enrolment.result = "failed"
    enrolment.save()
    assert [p.pk for p in people.all()] == [veteran.pk]


def test_a_licence_expiring_in_the_plan_year_without_the_hours_is_a_renewal_need(world):
    person = StaffFactory(orgunit=world.station_a1, started_on=TODAY - datetime.timedelta(days=400))
    Licence.objects.create(staff=person, number="1", issuer="SYT", issued_on=D(2022, 6, 1), valid_until=D(2027, 5, 31))
    later = StaffFactory(orgunit=world.station_a1)
    Licence.objects.create(staff=later, number="2", issuer="SYT", issued_on=D(2024, 6, 1), valid_until=D(2029, 5, 31))
    people = needs.people_needs(
        user=world.province_admin, root=world.province, norm=norm("gia-han-giay-phep"), on=TODAY, year=2027
    )
    assert [(p.pk, p.expires_on) for p in people] == [(person.pk, D(2027, 5, 31))]


def test_the_analysis_stays_in_the_viewers_scope(world):
    rows = summary(world, user=world.region_manager, root=world.province)
    assert rows["tram-co-bac-si"].units == 2  # A1 and A2, not B1
    assert summary(world, user=world.outsider, root=world.region_a)["tram-co-bac-si"].units == 0


def test_the_proposal_prefers_the_youngest_candidate_and_each_person_once_per_course(world):
    old = StaffFactory(
        orgunit=world.station_a1, title=title("bac-si"), birth_date=D(1970, 1, 1), started_on=D(2000, 1, 1)
    )
    young = StaffFactory(
        orgunit=world.station_a1, title=title("bac-si"), birth_date=D(1995, 1, 1), started_on=D(2019, 1, 1)
    )
    proposal = needs.build_proposal(user=world.province_admin, root=world.province, on=TODAY, year=2027)
    ultrasound = [t for t in proposal.trainees if t.course_id == course("sieu-am-tong-quat").pk]
    assert [t.staff_id for t in ultrasound] == [young.pk]
    cme = [t for t in proposal.trainees if t.course_id == course("cme-co-so").pk]
    assert {t.staff_id for t in cme} == {old.pk, young.pk} and len(cme) == 2
    assert {t.reason for t in cme} == {NeedReason.CME}
    # Stations with nobody to send for a missing midwife are counted as unfilled, not invented.
    assert proposal.unfilled[norm("tram-co-ho-sinh").pk] == 3


def test_people_named_in_an_adopted_plan_of_the_year_are_not_proposed_again(world):
    StaffFactory(orgunit=world.station_a1, title=title("bac-si"))
    first = services.plan_propose(user=world.province_admin, orgunit=world.province, year=2027, on=TODAY)
    services.plan_adopt(user=world.province_admin, plan=first, on=TODAY)
    second = services.plan_propose(user=world.province_admin, orgunit=world.province, year=2027, on=TODAY)
    assert first.lines.exists() and not second.lines.exists()


def test_group_of_is_the_child_of_the_root_holding_the_unit(world):
    assert needs.group_of(world.satellite_a1.path, world.province) == world.region_a.pk
    assert needs.group_of(world.station_b1.path, world.region_b) == world.region_b.pk
    assert needs.group_of(world.province.path, world.province) == world.province.pk
    assert needs.classes_needed(61, 30) == 3 and needs.classes_needed(0, 30) == 1


def test_the_hours_for_a_renewal_are_counted_in_the_window_that_ends_with_the_licence(world):
    person = StaffFactory(orgunit=world.station_a1)
    Licence.objects.create(staff=person, number="1", issuer="SYT", issued_on=D(2022, 6, 1), valid_until=D(2027, 5, 31))
    # 120 hours ending in December 2022: inside the five years before 31/05/2027, outside those before 31/12/2027.
    CmeActivity.objects.create(
        staff=person, name="CME", started_on=D(2022, 12, 1), ended_on=D(2022, 12, 12), credits=120
    )
    people = needs.people_needs(
        user=world.province_admin, root=world.province, norm=norm("gia-han-giay-phep"), on=TODAY, year=2027
    )
    assert not people.exists()
    CmeActivity.objects.filter(staff=person).update(started_on=D(2022, 5, 1), ended_on=D(2022, 5, 12))
    assert [p.pk for p in people.all()] == [person.pk]


def test_a_title_norm_with_a_course_never_proposes_someone_who_already_holds_the_title(world):
    from ytcs.training import catalogue_services

    nurses = norm("tram-co-dieu-duong")
    catalogue_services.norm_save(user=world.province_admin, norm=nurses, minimum=2, course=course("cap-cuu-co-ban"))
    StaffFactory(orgunit=world.station_a1, title=title("dieu-duong"))
    assistant = StaffFactory(orgunit=world.station_a1, title=title("y-si"))
    # Without a list of who may be trained, nobody: the gap is left to recruitment.
    assert needs.candidates(norm("tram-co-dieu-duong"), [world.station_a1.pk], TODAY) == {}
    catalogue_services.norm_save(
        user=world.province_admin, norm=nurses, candidate_titles=[title("dieu-duong"), title("y-si")]
    )
    people = needs.candidates(norm("tram-co-dieu-duong"), [world.station_a1.pk], TODAY)
    assert people[world.station_a1.pk] == [assistant.pk]
