"""The demo's training year: plans, classes with results and posted records, sponsored trainees, next year's
proposed plan; deterministic, consistent with the services' rules, and in scope for the demo logins."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

import pytest

from ytcs.accounts.models import User
from ytcs.core.dates import add_years
from ytcs.core.demo.builder import demo_load, demo_reset, read_courses
from ytcs.core.demo.plan import plan_demo
from ytcs.core.demo.training_plan import Person, Roster, plan_training
from ytcs.core.demo.workforce_plan import plan_workforce
from ytcs.core.models import AuditEntry
from ytcs.core.querysets import subtree_q
from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.training import selectors
from ytcs.training.models import (
    ClassStatus,
    Enrolment,
    EnrolmentResult,
    LineStatus,
    PlannedCourse,
    PlannedSeat,
    PlannedTrainee,
    PlanStatus,
    Sponsorship,
    SponsorshipKind,
    SponsorshipStatus,
    TrainingClass,
    TrainingPlan,
)
from ytcs.training.rules import reimbursement_rule
from ytcs.training.services import commitment_end
from ytcs.workforce.models import Certificate, CmeActivity
from ytcs.workforce.rules import cme_rule

TODAY = datetime.date(2026, 3, 16)
PASSWORD = "demo-pass-2025"
# A small province: 30 stations in 2 regions, centres and hospitals at a tenth of their size.
FACTOR, WORKFORCE_FACTOR = 0.2, 0.1


def load(seed: int = 1, *, today: datetime.date = TODAY) -> None:
    demo_load(
        scale="province", seed=seed, password=PASSWORD, factor=FACTOR, workforce_factor=WORKFORCE_FACTOR, today=today
    )


def training_snapshot() -> list[list]:
    return [
        list(TrainingPlan.objects.order_by("pk").values_list("pk", "year", "name", "status", "adopted_on", "decision")),
        list(
            PlannedCourse.objects.order_by("pk").values_list(
                "pk", "plan_id", "course__code", "group__code", "quarter", "classes", "budget", "status"
            )
        ),
        list(PlannedSeat.objects.order_by("pk").values_list("pk", "line_id", "orgunit__code", "seats")),
        list(PlannedTrainee.objects.order_by("pk").values_list("pk", "line_id", "staff_id", "reason")),
        list(
            TrainingClass.objects.order_by("pk").values_list(
                "pk", "code", "orgunit__code", "line_id", "starts_on", "ends_on", "status", "completed_on", "cost"
            )
        ),
        list(
            Enrolment.objects.order_by("pk").values_list(
                "pk", "training_class_id", "staff_id", "result", "score", "cme_activity_id", "certificate_id"
            )
        ),
        list(
            Sponsorship.objects.order_by("pk").values_list(
                "pk",
                "kind",
                "staff_id",
                "trainee_name",
                "national_id",
                "status",
                "starts_on",
                "returned_on",
                "breached_on",
                "reimbursement_due",
                "reimbursed",
            )
        ),  # fmt: skip
    ]


# --- what the province gets ---


@pytest.mark.django_db
def test_the_current_year_has_an_adopted_plan_with_lines_in_every_status():
    load()
    plan = TrainingPlan.objects.get(year=TODAY.year, status=PlanStatus.ADOPTED)
    assert plan.orgunit.kind == OrgUnitKind.PROVINCE and not plan.from_needs
    assert plan.adopted_on.year == TODAY.year and plan.adopted_on.month == 1 and plan.decision.endswith("/QĐ-SYT")
    lines = list(plan.lines.select_related("course", "group").prefetch_related("seats", "training_classes"))
    statuses = Counter(line.status for line in lines)
    assert statuses[LineStatus.POSTPONED] == 1
    assert {LineStatus.DONE, LineStatus.IN_PROGRESS, LineStatus.PLANNED} <= set(statuses)
    assert len({line.course.code for line in lines}) >= 4 and len({line.group_id for line in lines}) >= 3
    assert len({line.funding_source for line in lines}) >= 2
    assert all(1 <= line.quarter <= 4 for line in lines)
    for line in lines:
        seats = sum(seat.seats for seat in line.seats.all())
        assert seats > 0 and line.budget == line.course.unit_cost * seats
        assert all(seat.orgunit.path.startswith(line.group.path) for seat in line.seats.all())
        classes = list(line.training_classes.all())
        if line.status in (LineStatus.PLANNED, LineStatus.POSTPONED):
            assert not classes
        elif line.status == LineStatus.DONE:
            assert len(classes) == line.classes and all(c.status == ClassStatus.COMPLETED for c in classes)
        else:
            assert classes
            assert len(classes) < line.classes or any(c.status != ClassStatus.COMPLETED for c in classes)
        assert all(c.course_id == line.course_id and c.orgunit_id == line.group_id for c in classes)
    last_year = TrainingPlan.objects.get(year=TODAY.year - 1)
    assert last_year.status == PlanStatus.CLOSED
    assert set(last_year.lines.values_list("status", flat=True)) == {LineStatus.DONE, LineStatus.CANCELLED}


@pytest.mark.django_db
def test_completed_classes_posted_what_class_complete_posts_to_those_who_passed():
    load()
    completed = TrainingClass.objects.filter(status=ClassStatus.COMPLETED).select_related("orgunit", "competency")
    assert completed.count() >= 5
    assert completed.filter(line__isnull=True, orgunit__kind=OrgUnitKind.REGIONAL_CENTRE).exists()
    results = Counter(Enrolment.objects.filter(training_class__in=completed).values_list("result", flat=True))
    assert results[EnrolmentResult.PASSED] > 10 * (results[EnrolmentResult.FAILED] + results[EnrolmentResult.WITHDRAWN])
    assert results[EnrolmentResult.FAILED] and results[EnrolmentResult.WITHDRAWN]
    assert not results[EnrolmentResult.ENROLLED]
    kinds = set()
    for c in completed:
        assert c.starts_on <= c.ends_on <= c.completed_on <= TODAY and c.cost
        assert c.completed_by is None or c.completed_by.username in ("province_admin", "region_manager")
        enrolments = list(c.enrolments.select_related("staff__orgunit", "cme_activity", "certificate"))
        assert any(e.result == EnrolmentResult.PASSED for e in enrolments)
        assert sum(e.result != EnrolmentResult.WITHDRAWN for e in enrolments) <= c.capacity
        for e in enrolments:
            assert e.staff.orgunit.path.startswith(c.orgunit.path)  # enrol() takes people under the organiser
            passed = e.result == EnrolmentResult.PASSED
            assert (e.cme_activity is not None) == (passed and bool(c.credits))
            assert (e.certificate is not None) == (passed and c.competency_id is not None)
            assert e.days_attended is not None and e.days_attended <= (c.ends_on - c.starts_on).days + 1
            if e.cme_activity:
                activity = e.cme_activity
                assert (activity.staff_id, activity.name, activity.provider, activity.evidence) == (
                    e.staff_id, c.name, c.provider, c.code,
                )  # fmt: skip
                assert (activity.started_on, activity.ended_on, activity.credits) == (c.starts_on, c.ends_on, c.credits)
                activity.full_clean(exclude=["staff"])
                kinds.add("cme")
            if e.certificate:
                certificate = e.certificate
                assert certificate.staff_id == e.staff_id and certificate.competency_id == c.competency_id
                assert certificate.number == f"{c.code}-{e.pk}" and certificate.issuer == (c.provider or c.orgunit.name)
                assert certificate.issued_on == c.completed_on
                validity = c.competency.validity_years
                assert certificate.expires_on == (add_years(c.completed_on, validity) if validity else None)
                kinds.add("certificate")
    assert kinds == {"cme", "certificate"}
    # Every posted record belongs to an enrolment that passed; nothing of a failed or withdrawn one.
    posted = Enrolment.objects.exclude(cme_activity=None, certificate=None)
    assert set(posted.values_list("result", flat=True)) == {EnrolmentResult.PASSED}
    assert CmeActivity.objects.filter(enrolment__isnull=False).count() == posted.exclude(cme_activity=None).count()
    assert Certificate.objects.filter(enrolment__isnull=False).count() == posted.exclude(certificate=None).count()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_current_and_coming_classes_are_scheduled_with_enrolments_and_no_results():
    load()
    scheduled = TrainingClass.objects.filter(status=ClassStatus.SCHEDULED)
    assert scheduled.filter(starts_on__gt=TODAY).exists()
    assert scheduled.filter(starts_on__lte=TODAY, ends_on__gte=TODAY).exists()  # running now
    assert scheduled.filter(line__isnull=True).exists() and scheduled.filter(line__isnull=False).exists()
    assert not scheduled.filter(ends_on__lt=TODAY).exists()
    for c in scheduled:
        enrolments = c.enrolments.all()
        assert enrolments.exists() and enrolments.count() <= c.capacity
        assert set(enrolments.values_list("result", flat=True)) == {EnrolmentResult.ENROLLED}
        assert not enrolments.filter(days_attended__isnull=False).exists()
        assert not enrolments.exclude(cme_activity=None, certificate=None).exists()
    # A person is in one class at a time.
    spans: dict[int, list[tuple]] = {}
    for staff, starts, ends in Enrolment.objects.values_list(
        "staff_id", "training_class__starts_on", "training_class__ends_on"
    ):
        assert not any(starts <= until and since <= ends for since, until in spans.get(staff, [])), staff
        spans.setdefault(staff, []).append((starts, ends))
    for model in (TrainingPlan, PlannedCourse, PlannedSeat, TrainingClass, Enrolment):
        for row in model.objects.all():
            row.full_clean(validate_unique=False, validate_constraints=False)


@pytest.mark.django_db
def test_sponsored_trainees_are_in_every_state_with_amounts_by_the_rule():
    load()
    totals = selectors.commitment_totals(user=User.objects.get(username="admin"), on=TODAY)
    for state in ("studying", "overdue", "serving", "fulfilled", "breached"):
        assert totals[state] >= 1, state
    assert selectors.upcoming_returns(user=User.objects.get(username="admin"), on=TODAY).filter(
        expected_return_on__gte=TODAY
    )
    sponsorships = list(Sponsorship.objects.select_related("staff", "orgunit", "serve_unit"))
    assert {s.kind for s in sponsorships} == set(SponsorshipKind.values)
    students = [s for s in sponsorships if s.staff is None]
    assert any(s.kind == SponsorshipKind.NOMINATED and s.status == SponsorshipStatus.STUDYING for s in students)
    assert all(len(s.national_id) == 12 and s.trainee_name for s in students)
    breached = [s for s in sponsorships if s.status == SponsorshipStatus.BREACHED]
    assert any(s.returned_on is None for s in breached) and any(s.returned_on for s in breached)
    assert any(0 < s.reimbursed < s.reimbursement_due for s in breached)
    rule = reimbursement_rule()
    for s in sponsorships:
        s.full_clean(validate_unique=False, validate_constraints=False)
        assert s.starts_on <= TODAY and s.serve_unit.closed_on is None
        assert s.serve_unit.path.startswith(s.orgunit.path)
        if s.staff is not None:
            assert (s.trainee_name, s.national_id) == (s.staff.full_name, s.staff.national_id)
            if s.kind == SponsorshipKind.SENT:
                assert s.staff.started_on < s.starts_on
        if s.returned_on:
            assert s.commitment_ends_on == commitment_end(s.returned_on, s.commitment_years)
            assert s.returned_on <= TODAY
        if s.status == SponsorshipStatus.BREACHED:
            amount, worked = rule.amount(
                cost=s.cost, commitment_years=s.commitment_years, returned_on=s.returned_on, left_on=s.breached_on
            )
            assert (s.reimbursement_due, s.reimbursement_rule) == (amount, worked[:300])
            assert 0 <= s.reimbursed <= s.reimbursement_due and s.breach_reason and s.breached_on <= TODAY
            assert s.commitment_ends_on is None or s.breached_on < s.commitment_ends_on
            if s.staff is not None:
                assert s.staff.status == "left" and s.staff.ended_on == s.breached_on
        else:
            assert s.reimbursement_due is None and s.reimbursed == 0 and s.breached_on is None
    studying = [s.staff_id for s in sponsorships if s.status == SponsorshipStatus.STUDYING and s.staff_id]
    assert len(studying) == len(set(studying))  # one programme at a time


@pytest.mark.django_db
def test_next_year_has_a_draft_plan_proposed_from_the_needs_analysis():
    load()
    proposed = TrainingPlan.objects.get(year=TODAY.year + 1)
    assert proposed.status == PlanStatus.DRAFT and proposed.from_needs
    assert proposed.orgunit == User.objects.get(username="province_admin").home_unit
    assert proposed.lines.exists() and PlannedTrainee.objects.filter(line__plan=proposed).exists()
    # Nobody short of continuing-training hours was among this or last year's graduates: they are proposed.
    rule = cme_rule()
    short = set(PlannedTrainee.objects.filter(line__plan=proposed, reason="cme").values_list("staff_id", flat=True))
    assert short
    graduates = Enrolment.objects.filter(
        staff_id__in=short, result=EnrolmentResult.PASSED, training_class__credits__isnull=False
    )
    assert not graduates.filter(training_class__ends_on__gte=rule.window_start(TODAY)).exists()
    # The demo leaves no audit entries: the trail starts with the first real change.
    assert not AuditEntry.objects.exists()


# --- determinism ---


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_training_data_and_another_seed_other_data():
    demo_reset()
    load(seed=5)
    first = training_snapshot()
    demo_reset()
    load(seed=5)
    assert training_snapshot() == first
    demo_reset()
    load(seed=6)
    other = training_snapshot()
    assert [row[2:] for row in other[4]] != [row[2:] for row in first[4]]
    assert [row[3] for row in other[6]] != [row[3] for row in first[6]]


def roster_of(plan, today: datetime.date) -> Roster:
    """The roster the loader would read back, built from the workforce plan (staff ids follow plan order)."""
    rule = cme_rule()
    start = rule.window_start(today)
    people, certified, credits, national_ids = [], set(), {}, set()
    for pk, p in enumerate(plan_workforce(plan, today=today, factor=WORKFORCE_FACTOR).people(), start=1):
        people.append(Person(pk, p.unit, p.title, p.status, p.started_on, p.ended_on, p.position))
        certified |= {(pk, cert.competency) for cert in p.certificates}
        credits[pk] = sum((Decimal(a.credits) for a in p.cme if start <= a.ended_on <= today), Decimal(0))
        national_ids.add(p.national_id)
    return Roster(people, certified, credits, start, rule.credits, national_ids)


@pytest.mark.django_db  # the course catalogue
@pytest.mark.parametrize(
    "today", [datetime.date(2026, 1, 2), TODAY, datetime.date(2026, 7, 1), datetime.date(2026, 12, 30)]
)
def test_line_statuses_follow_the_classes_whatever_the_reference_date(today):
    plan = plan_demo(scale="province", seed=2, factor=FACTOR)
    data = plan_training(plan, roster_of(plan, today), read_courses(), today=today)
    assert plan_training(plan, roster_of(plan, today), read_courses(), today=today) == data
    this_year = {i for i, p in enumerate(data.plans) if p.year == today.year}
    classes: dict[int, list] = {}
    for c in data.classes:
        assert c.enrolments and c.starts_on <= today + datetime.timedelta(days=40)
        assert (c.status == "completed") == (c.ends_on < today and c.status != "cancelled")
        if c.line is not None:  # opened two weeks ahead
            assert c.starts_on <= today + datetime.timedelta(days=14)
            classes.setdefault(c.line, []).append(c)
    statuses = Counter()
    for index, line in enumerate(data.lines):
        opened = classes.get(index, [])
        if line.plan in this_year:
            statuses[line.status] += 1
        if line.status in ("planned", "postponed", "cancelled"):
            assert not opened
        elif line.status == "done":
            assert len(opened) == line.classes and all(c.status == "completed" for c in opened)
        else:
            assert opened and (len(opened) < line.classes or any(c.status != "completed" for c in opened))
    assert statuses["postponed"] == 1
    if today.month in (3, 7):  # mid-year: every status
        assert {"done", "in_progress", "planned"} <= set(statuses)
    assert {s.status for s in data.sponsorships} == {"studying", "serving", "breached"}


# --- the demo logins ---


@pytest.mark.django_db
def test_the_regional_manager_and_the_station_head_see_training_in_their_scope():
    load()
    manager = User.objects.get(username="region_manager")
    head = User.objects.get(username="station_head")
    region = manager.role_assignments.get().orgunit
    station = head.role_assignments.get().orgunit
    plans = selectors.plan_list(user=manager)
    assert plans.filter(status=PlanStatus.ADOPTED, year=TODAY.year).exists()
    for user, unit in ((manager, region), (head, station)):
        assert selectors.plan_list(user=user).filter(year=TODAY.year + 1, status=PlanStatus.DRAFT).exists()
        classes = selectors.class_list(user=user)
        own = classes.filter(orgunit=region)
        assert own.filter(status=ClassStatus.COMPLETED).exists() and own.filter(status=ClassStatus.SCHEDULED).exists()
        # Nothing run by another region.
        assert not classes.filter(orgunit__kind=OrgUnitKind.REGIONAL_CENTRE).exclude(orgunit=region).exists()
        enrolled = Enrolment.objects.restrict(user, "view").filter(staff__orgunit__path__startswith=unit.path)
        assert enrolled.filter(result=EnrolmentResult.PASSED).exists()
        assert enrolled.filter(training_class__status=ClassStatus.SCHEDULED).exists()
        sponsorships = selectors.sponsorship_list(user=user, on=TODAY)
        assert sponsorships.exists()
        in_scope = subtree_q("orgunit__path", unit.path) | subtree_q("serve_unit__path", unit.path)
        assert not sponsorships.exclude(in_scope).exists()
        assert {SponsorshipStatus.STUDYING, SponsorshipStatus.SERVING, SponsorshipStatus.BREACHED} <= set(
            sponsorships.values_list("state", flat=True)
        )
        assert selectors.upcoming_returns(user=user, on=TODAY).exists()
    completed = selectors.class_list(user=manager).filter(orgunit=region, status=ClassStatus.COMPLETED).first()
    assert selectors.class_enrolments(user=manager, training_class=completed).exists()
    # Plan against done: the region's lines of last year's plan count classes and people who passed.
    lines = selectors.plan_lines(plan=plans.get(status=PlanStatus.CLOSED)).filter(group=region)
    assert lines.filter(class_count__gt=0, passed_count__gt=0).exists()


@pytest.mark.django_db
def test_a_shrunk_national_data_set_gets_training_in_every_province():
    report = demo_load(scale="national", seed=1, password=PASSWORD, factor=0.02, today=TODAY)
    provinces = OrgUnit.objects.filter(kind=OrgUnitKind.PROVINCE).count()
    assert TrainingPlan.objects.filter(year=TODAY.year, status=PlanStatus.ADOPTED).count() == provinces == 34
    assert TrainingPlan.objects.filter(year=TODAY.year - 1, status=PlanStatus.CLOSED).count() == 34
    draft = TrainingPlan.objects.get(year=TODAY.year + 1)
    assert draft.orgunit.code == "SYT01" and draft.from_needs
    assert report.training["classes"] == TrainingClass.objects.count() > 34
    for province in OrgUnit.objects.filter(kind=OrgUnitKind.PROVINCE):
        assert Sponsorship.objects.filter(subtree_q("orgunit__path", province.path)).exists(), province.code
    root = OrgUnit.objects.get(code="BYT")
    assert not TrainingClass.objects.filter(orgunit=root).exists()
    assert not AuditEntry.objects.exists()
