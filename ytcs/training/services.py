"""Writes of training management: plans, classes and their results, sponsored training.

Completing a class posts continuing-training hours and certificates to the workforce records of those who passed,
once; reopening it (an approver's act, audited with its reason) takes them back.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.accounts.roles import APPROVE
from ytcs.core.audit import audit_context, current_source, record_bulk, record_change
from ytcs.core.dates import add_months, add_years
from ytcs.core.querysets import CHANGE, VIEW, in_scope
from ytcs.core.services import ensure_can_change, save_audited
from ytcs.core.text import fold
from ytcs.orgunits.models import OrgUnit
from ytcs.training.models import (
    ClassStatus,
    Course,
    Enrolment,
    EnrolmentResult,
    LineStatus,
    NeedReason,
    PlannedCourse,
    PlannedSeat,
    PlannedTrainee,
    PlanStatus,
    Sponsorship,
    SponsorshipStatus,
    TrainingClass,
    TrainingPlan,
)
from ytcs.training.needs import build_proposal, classes_needed, group_of
from ytcs.training.rules import reimbursement_rule
from ytcs.workforce.models import Certificate, CmeActivity, Staff, StaffStatus

# ---------------------------------------------------------------------------------------------------- plans


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _apply(instance: Any, allowed: tuple[str, ...], fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(instance, name, _strip(value))


def _ensure_in_subtree(unit: OrgUnit, root: OrgUnit, field: str) -> None:
    if not unit.path.startswith(root.path):
        raise ValidationError({field: _("%(unit)s is not under %(root)s.") % {"unit": unit.code, "root": root.code}})


PLAN_FIELDS = ("name", "year", "note", "decision")


@transaction.atomic
def plan_create(
    *, user: Any, orgunit: OrgUnit, year: int, name: str, note: str = "", decision: str = "", from_needs: bool = False
) -> TrainingPlan:
    """Open a draft training plan of a unit the user may change."""
    ensure_can_change(user=user, path=orgunit.path)
    plan = TrainingPlan(orgunit=orgunit, year=year, name=" ".join(name.split()), note=note.strip(), decision=decision)
    plan.from_needs = from_needs
    save_audited(user=user, instance=plan)
    return plan


def _lock_plan(user: Any, plan: TrainingPlan, *, draft_only: bool = False) -> TrainingPlan:
    plan = TrainingPlan.objects.select_for_update().select_related("orgunit").get(pk=plan.pk)
    ensure_can_change(user=user, path=plan.orgunit.path)
    if plan.status == PlanStatus.CLOSED:
        raise ValidationError(_("The plan is closed: it can no longer be changed."))
    if draft_only and plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("Courses, seats and trainees change only while the plan is a draft."))
    return plan


@transaction.atomic
def plan_update(*, user: Any, plan: TrainingPlan, **fields: Any) -> TrainingPlan:
    """Rename the plan or change its note, decision number or year (the year only while a draft)."""
    plan = _lock_plan(user, plan, draft_only="year" in fields and fields["year"] != plan.year)
    if "name" in fields:
        fields["name"] = " ".join(fields["name"].split())
    _apply(plan, PLAN_FIELDS, fields)
    save_audited(user=user, instance=plan)
    return plan


@transaction.atomic
def plan_adopt(*, user: Any, plan: TrainingPlan, on: datetime.date, decision: str = "") -> TrainingPlan:
    """Adopt a draft plan (phê duyệt): its courses and seats are then fixed; line statuses follow the year."""
    plan = _lock_plan(user, plan, draft_only=True)
    ensure_can_change(user=user, path=plan.orgunit.path, action=APPROVE)
    if not plan.lines.exists():
        raise ValidationError(_("The plan has no course yet."))
    if on > timezone.localdate():
        raise ValidationError({"on": _("The adoption date cannot be in the future.")})
    plan.status, plan.adopted_on = PlanStatus.ADOPTED, on
    if decision:
        plan.decision = decision.strip()
    save_audited(user=user, instance=plan)
    return plan


@transaction.atomic
def plan_close(*, user: Any, plan: TrainingPlan) -> TrainingPlan:
    """Close an adopted plan at the end of its year: read-only afterwards."""
    plan = _lock_plan(user, plan)
    if plan.status != PlanStatus.ADOPTED:
        raise ValidationError(_("Only an adopted plan can be closed."))
    plan.status = PlanStatus.CLOSED
    save_audited(user=user, instance=plan)
    return plan


@transaction.atomic
def plan_delete(*, user: Any, plan: TrainingPlan) -> None:
    """Delete a draft plan with its lines (an adopted plan is closed, never deleted)."""
    plan = _lock_plan(user, plan, draft_only=True)
    if TrainingClass.objects.filter(line__plan=plan).exists():
        raise ValidationError(_("Classes were opened from this plan: detach them first."))
    with audit_context(user=user):
        PlannedTrainee.objects.filter(line__plan=plan).delete()
        PlannedSeat.objects.filter(line__plan=plan).delete()
        for line in plan.lines.all():
            line.delete()
        plan.delete()


LINE_FIELDS = ("course", "group", "provider", "quarter", "classes", "budget", "funding_source", "status", "note")
LINE_FIELDS_ADOPTED = ("provider", "quarter", "classes", "budget", "funding_source", "status", "note")


@transaction.atomic
def line_save(*, user: Any, plan: TrainingPlan, line: PlannedCourse | None = None, **fields: Any) -> PlannedCourse:
    """Add or change a course line of a plan. Once adopted only its timing, budget and status change."""
    structural = line is None or any(name in fields for name in ("course", "group"))
    plan = _lock_plan(user, plan, draft_only=structural)
    line = line or PlannedCourse(plan=plan)
    if line.plan_id != plan.pk:
        raise ValidationError(_("This line belongs to another plan."))
    _apply(line, LINE_FIELDS if plan.status == PlanStatus.DRAFT else LINE_FIELDS_ADOPTED, fields)
    line.plan = plan
    if line.group_id:
        _ensure_in_subtree(line.group, plan.orgunit, "group")
    if line.course_id and not line.provider:
        line.provider = line.course.provider
    save_audited(user=user, instance=line)
    return line


@transaction.atomic
def line_delete(*, user: Any, line: PlannedCourse) -> None:
    """Remove a line from a draft plan, with its seats and proposed trainees."""
    _lock_plan(user, line.plan, draft_only=True)
    if line.training_classes.exists():
        raise ValidationError(_("Classes were opened for this line: detach them first."))
    with audit_context(user=user):
        line.trainees.all().delete()
        line.seats.all().delete()
        line.delete()


@transaction.atomic
def seat_set(*, user: Any, line: PlannedCourse, orgunit: OrgUnit, seats: int) -> PlannedSeat | None:
    """Give a unit `seats` places on a line (0 removes them); never fewer than the trainees named there."""
    _lock_plan(user, line.plan, draft_only=True)
    _ensure_in_subtree(orgunit, line.group, "orgunit")
    named = line.trainees.filter(orgunit=orgunit).count()
    if seats < named:
        raise ValidationError(
            {"seats": _("%(n)d people of this unit are named on the line: remove them first.") % {"n": named}}
        )
    current = line.seats.filter(orgunit=orgunit).first()
    if seats <= 0:
        if current:
            with audit_context(user=user):
                current.delete()
        return None
    current = current or PlannedSeat(line=line, orgunit=orgunit, seats=seats)
    current.seats = seats
    save_audited(user=user, instance=current, recheck_scope=False)
    return current


@transaction.atomic
def trainee_add(*, user: Any, line: PlannedCourse, staff: Staff) -> PlannedTrainee:
    """Name a person on a line of a draft plan; their unit's seats grow to fit."""
    _lock_plan(user, line.plan, draft_only=True)
    if staff.status != StaffStatus.ACTIVE:
        raise ValidationError({"staff": _("Only a working person can be proposed for training.")})
    _ensure_in_subtree(staff.orgunit, line.group, "staff")
    targets = set(line.course.target_titles.values_list("pk", flat=True))
    if targets and staff.title_id not in targets:
        raise ValidationError(
            {
                "staff": _("%(course)s is not meant for the title %(title)s.")
                % {"course": line.course, "title": staff.title}
            }
        )
    if line.trainees.filter(staff=staff).exists():
        raise ValidationError({"staff": _("%(name)s is already on this line.") % {"name": staff.full_name}})
    trainee = PlannedTrainee(line=line, staff=staff, orgunit=staff.orgunit, reason=NeedReason.CHOSEN)
    save_audited(user=user, instance=trainee, recheck_scope=False)
    seat = line.seats.filter(orgunit=staff.orgunit).first()
    named = line.trainees.filter(orgunit=staff.orgunit).count()
    if seat is None or seat.seats < named:
        seat = seat or PlannedSeat(line=line, orgunit=staff.orgunit)
        seat.seats = named
        save_audited(user=user, instance=seat, recheck_scope=False)
    return trainee


@transaction.atomic
def trainee_remove(*, user: Any, trainee: PlannedTrainee) -> None:
    """Take a person off a line of a draft plan; their unit keeps one seat fewer."""
    _lock_plan(user, trainee.line.plan, draft_only=True)
    seat = trainee.line.seats.filter(orgunit=trainee.orgunit).first()
    with audit_context(user=user):
        trainee.delete()
        if seat is not None:
            if seat.seats <= 1:
                seat.delete()
            else:
                seat.seats -= 1
                save_audited(user=user, instance=seat, recheck_scope=False)


@transaction.atomic
def plan_propose(*, user: Any, orgunit: OrgUnit, year: int, on: datetime.date, name: str = "") -> TrainingPlan:
    """Turn the needs analysis under `orgunit` into a draft plan for `year`: one line per course and region,
    the people to train named on it, seats per unit, classes and budget from the course's size and cost.

    Lines and seats are audited one by one; the named trainees, which can run to the tens of thousands for a
    whole country, are audited as one entry on the plan (their list is the plan itself).
    """
    ensure_can_change(user=user, path=orgunit.path)
    proposal = build_proposal(user=user, root=orgunit, on=on, year=year)
    if not name:
        name = _("Training plan %(year)d proposed from needs (%(date)s)") % {
            "year": year,
            "date": on.strftime("%d/%m/%Y"),
        }
        taken = set(TrainingPlan.objects.filter(orgunit=orgunit, year=year).values_list("name", flat=True))
        base, n = name, 1
        while name in taken:
            n += 1
            name = f"{base} #{n}"
    plan = plan_create(user=user, orgunit=orgunit, year=year, name=name, from_needs=True)
    plan.orgunit = orgunit
    grouped: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for item in proposal.trainees:
        grouped[(item.course_id, group_of(item.unit_path, orgunit))].append(item)
    courses = Course.objects.in_bulk({course_id for course_id, _group in grouped})
    units = OrgUnit.objects.in_bulk(
        {group for _course, group in grouped} | {item.unit_id for item in proposal.trainees}
    )
    lines: list[PlannedCourse] = []
    seats: list[PlannedSeat] = []
    trainees: list[PlannedTrainee] = []
    for (course_id, group_id), items in sorted(grouped.items(), key=lambda kv: (courses[kv[0][0]].name, kv[0][1])):
        course = courses[course_id]
        line = PlannedCourse(
            plan=plan,
            course=course,
            group=units[group_id],
            provider=course.provider,
            classes=classes_needed(len(items), course.class_size),
            budget=course.unit_cost * len(items),
        )
        lines.append(line)
    PlannedCourse.objects.bulk_create(lines, batch_size=1000)
    by_key = {(line.course_id, line.group_id): line for line in lines}
    for key, items in grouped.items():
        line = by_key[key]
        per_unit: dict[int, int] = defaultdict(int)
        for item in items:
            per_unit[item.unit_id] += 1
            trainees.append(
                PlannedTrainee(
                    line=line, staff_id=item.staff_id, orgunit_id=item.unit_id, reason=item.reason, norm_id=item.norm_id
                )
            )
        seats += [PlannedSeat(line=line, orgunit=units[unit_id], seats=n) for unit_id, n in per_unit.items()]
    PlannedSeat.objects.bulk_create(seats, batch_size=2000)
    PlannedTrainee.objects.bulk_create(trainees, batch_size=5000)
    source = current_source()
    record_bulk(user=user, instances=lines, source=source)
    record_bulk(user=user, instances=seats, source=source)
    record_change(
        user=user,
        instance=plan,
        changes={
            "proposed": [
                None,
                _("%(lines)d lines, %(trainees)d people named, %(unfilled)d places with nobody to train")
                % {"lines": len(lines), "trainees": len(trainees), "unfilled": sum(proposal.unfilled.values())},
            ]
        },
    )
    return plan


# ---------------------------------------------------------------------------------------------------- classes

CLASS_FIELDS = (
    "name",
    "provider",
    "location",
    "starts_on",
    "ends_on",
    "capacity",
    "credits",
    "competency",
    "cost",
    "funding_source",
    "note",
    "line",
)


def _check_line(user: Any, training_class: TrainingClass) -> None:
    if training_class.line_id is None:
        return
    # Read afresh: the caller's copy of the line (and of its plan) may predate the plan's adoption.
    line = (
        PlannedCourse.objects.restrict(user, VIEW)
        .select_related("plan__orgunit", "group")
        .filter(pk=training_class.line_id)
        .first()
    )
    if line is None:
        raise ValidationError({"line": _("Unknown plan line.")})
    training_class.line = line
    if line.course_id != training_class.course_id:
        raise ValidationError({"line": _("The plan line is for another course.")})
    if line.plan.status != PlanStatus.ADOPTED:
        raise ValidationError({"line": _("Classes are opened from an adopted plan.")})
    organiser, group = training_class.orgunit.path, line.group.path
    # The organiser runs the line's classes for its group: the same branch of the tree, above or below the group.
    if not (group.startswith(organiser) or organiser.startswith(group)):
        raise ValidationError(
            {
                "line": _("This plan line is for the units of %(group)s, not those of %(unit)s.")
                % {"group": line.group.name, "unit": training_class.orgunit.name}
            }
        )


def class_search_text(training_class: TrainingClass) -> str:
    return fold(" ".join(filter(None, [training_class.code, training_class.name, training_class.provider])))


def sponsorship_search_text(sponsorship: Sponsorship) -> str:
    parts = [sponsorship.trainee_name, sponsorship.national_id, sponsorship.programme, sponsorship.institution]
    return fold(" ".join(filter(None, parts)))


@transaction.atomic
def class_create(
    *,
    user: Any,
    orgunit: OrgUnit,
    course: Course,
    code: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    **fields: Any,
) -> TrainingClass:
    """Schedule a class of a course at a unit the user may change; the course gives the defaults."""
    ensure_can_change(user=user, path=orgunit.path)
    if orgunit.closed_on is not None:
        raise ValidationError({"orgunit": _("Unit %(code)s is closed.") % {"code": orgunit.code}})
    if not course.is_active:
        raise ValidationError({"course": _("This course is no longer in use.")})
    training_class = TrainingClass(
        orgunit=orgunit,
        course=course,
        code=code.strip().upper(),
        starts_on=starts_on,
        ends_on=ends_on,
        name=course.name,
        provider=course.provider,
        credits=course.credits,
        competency=course.competency,
        capacity=course.class_size,
    )
    _apply(training_class, CLASS_FIELDS, fields)
    if TrainingClass.objects.filter(code__iexact=training_class.code).exists():
        raise ValidationError({"code": _("A class with this code already exists.")})
    _check_line(user, training_class)
    training_class.search_text = class_search_text(training_class)
    save_audited(user=user, instance=training_class)
    line = training_class.line
    # The first class of a planned line sets it in progress, when the user may change the plan (otherwise the
    # plan's owner follows the line's status: a region runs the province's line, it does not edit the plan).
    if line is not None and line.status == LineStatus.PLANNED and in_scope(user, line.plan.orgunit.path, CHANGE):
        line.status = LineStatus.IN_PROGRESS
        save_audited(user=user, instance=line, recheck_scope=False)
    return training_class


def _lock_class(user: Any, training_class: TrainingClass, *, scheduled: bool = True) -> TrainingClass:
    training_class = TrainingClass.objects.select_for_update().select_related("orgunit").get(pk=training_class.pk)
    ensure_can_change(user=user, path=training_class.orgunit.path)
    if scheduled and training_class.status == ClassStatus.COMPLETED:
        raise ValidationError(_("The class is completed: reopen it first."))
    if scheduled and training_class.status == ClassStatus.CANCELLED:
        raise ValidationError(_("The class was cancelled: it can no longer be changed."))
    return training_class


@transaction.atomic
def class_update(*, user: Any, training_class: TrainingClass, **fields: Any) -> TrainingClass:
    """Change a scheduled class (dates, place, what passing gives...)."""
    training_class = _lock_class(user, training_class)
    line_before = training_class.line_id
    _apply(training_class, CLASS_FIELDS, fields)
    # A line is checked when it is set or changed: a class of a plan closed since keeps its link.
    if training_class.line_id != line_before:
        _check_line(user, training_class)
    days = (training_class.ends_on - training_class.starts_on).days + 1
    if training_class.enrolments.filter(days_attended__gt=days).exists():
        raise ValidationError({"ends_on": _("Some participants attended more days than the new dates hold.")})
    training_class.search_text = class_search_text(training_class)
    save_audited(user=user, instance=training_class)
    return training_class


@transaction.atomic
def class_cancel(*, user: Any, training_class: TrainingClass) -> TrainingClass:
    """Cancel a scheduled class; its enrolments stay for the record."""
    training_class = _lock_class(user, training_class)
    training_class.status = ClassStatus.CANCELLED
    save_audited(user=user, instance=training_class)
    return training_class


@transaction.atomic
def enrol(*, user: Any, training_class: TrainingClass, staff: Staff) -> Enrolment:
    """Enrol a working person of the user's own scope in a scheduled class they can see.

    The participant must work under the organising unit (a regional class trains the region's staff).
    """
    if not TrainingClass.objects.restrict(user, VIEW).filter(pk=training_class.pk).exists():
        raise ValidationError({"training_class": _("Unknown class.")})
    training_class = TrainingClass.objects.select_for_update().select_related("orgunit").get(pk=training_class.pk)
    staff = Staff.objects.select_related("orgunit").get(pk=staff.pk)
    ensure_can_change(user=user, path=staff.orgunit.path)
    errors: dict[str, list[str]] = {}
    if training_class.status != ClassStatus.SCHEDULED:
        errors["training_class"] = [_("Enrolment is open only for scheduled classes.")]
    if staff.status != StaffStatus.ACTIVE:
        errors["staff"] = [_("Only a working person can be enrolled.")]
    elif not staff.orgunit.path.startswith(training_class.orgunit.path):
        errors["staff"] = [
            _("%(name)s works outside %(unit)s, which runs this class.")
            % {"name": staff.full_name, "unit": training_class.orgunit.name}
        ]
    elif training_class.enrolments.filter(staff=staff).exists():
        errors["staff"] = [_("%(name)s is already enrolled.") % {"name": staff.full_name}]
    taken = training_class.enrolments.exclude(result=EnrolmentResult.WITHDRAWN).count()
    if not errors and taken >= training_class.capacity:
        errors["training_class"] = [_("The class is full (%(n)d places).") % {"n": training_class.capacity}]
    if errors:
        raise ValidationError(errors)
    enrolment = Enrolment(training_class=training_class, staff=staff, enrolled_by=user)
    save_audited(user=user, instance=enrolment, recheck_scope=False)
    return enrolment


def _lock_enrolment(user: Any, enrolment: Enrolment) -> tuple[Enrolment, TrainingClass]:
    enrolment = Enrolment.objects.select_for_update().select_related("staff__orgunit").get(pk=enrolment.pk)
    training_class = TrainingClass.objects.select_related("orgunit").get(pk=enrolment.training_class_id)
    return enrolment, training_class


@transaction.atomic
def enrolment_withdraw(*, user: Any, enrolment: Enrolment) -> Enrolment:
    """Withdraw a participant before the class completes: by their unit or by the organiser."""
    enrolment, training_class = _lock_enrolment(user, enrolment)
    paths = (enrolment.staff.orgunit.path, training_class.orgunit.path)
    if not any(in_scope(user, path, CHANGE) for path in paths):
        raise PermissionDenied(_("You do not have the right to change data of this unit."))
    if training_class.status != ClassStatus.SCHEDULED:
        raise ValidationError(_("The class is no longer scheduled."))
    enrolment.result = EnrolmentResult.WITHDRAWN
    save_audited(user=user, instance=enrolment, recheck_scope=False)
    return enrolment


RESULTS_ENTERED = (EnrolmentResult.PASSED, EnrolmentResult.FAILED, EnrolmentResult.WITHDRAWN)


@transaction.atomic
def enrolment_record(
    *,
    user: Any,
    enrolment: Enrolment,
    result: str,
    days_attended: int | None = None,
    score: Decimal | None = None,
    note: str = "",
) -> Enrolment:
    """Record a participant's attendance and result (the organiser's job) while the class is scheduled."""
    enrolment, training_class = _lock_enrolment(user, enrolment)
    ensure_can_change(user=user, path=training_class.orgunit.path)
    if training_class.status != ClassStatus.SCHEDULED:
        raise ValidationError(_("The class is no longer scheduled: reopen it to change results."))
    days = (training_class.ends_on - training_class.starts_on).days + 1
    if days_attended is not None and days_attended > days:
        raise ValidationError({"days_attended": _("The class lasts %(n)d days.") % {"n": days}})
    if result not in EnrolmentResult.values:
        raise ValidationError({"result": _("Unknown result.")})
    if result == EnrolmentResult.PASSED and timezone.localdate() < training_class.starts_on:
        raise ValidationError({"result": _("The class has not started yet.")})
    if enrolment.result == EnrolmentResult.WITHDRAWN and result != EnrolmentResult.WITHDRAWN:
        taken = training_class.enrolments.exclude(result=EnrolmentResult.WITHDRAWN).count()
        if taken >= training_class.capacity:
            raise ValidationError({"result": _("The class is full (%(n)d places).") % {"n": training_class.capacity}})
    enrolment.result, enrolment.days_attended, enrolment.score = result, days_attended, score
    enrolment.note = note.strip()
    save_audited(user=user, instance=enrolment, recheck_scope=False)
    return enrolment


@transaction.atomic
def class_complete(*, user: Any, training_class: TrainingClass, on: datetime.date) -> TrainingClass:
    """Complete a class: everyone who passed gets its credit hours and/or certificate on their record, once."""
    training_class = _lock_class(user, training_class)
    errors: dict[str, list[str]] = {}
    if on > timezone.localdate():
        errors["on"] = [_("The completion date cannot be in the future.")]
    if on < training_class.ends_on:
        errors["on"] = [
            _("A class completes on or after its last day (%(date)s).")
            % {"date": training_class.ends_on.strftime("%d/%m/%Y")}
        ]
    enrolments = list(training_class.enrolments.select_related("staff__orgunit").order_by("staff__full_name"))
    pending = [e.staff.full_name for e in enrolments if e.result == EnrolmentResult.ENROLLED]
    if pending:
        errors["results"] = [_("Record a result for: %(names)s.") % {"names": ", ".join(pending)}]
    if not any(e.result == EnrolmentResult.PASSED for e in enrolments) and not errors:
        errors["results"] = [_("Nobody passed: cancel the class instead.")]
    if errors:
        raise ValidationError(errors)
    with audit_context(user=user):
        for enrolment in enrolments:
            if enrolment.result != EnrolmentResult.PASSED:
                continue
            if training_class.credits and enrolment.cme_activity_id is None:
                activity = CmeActivity(
                    staff=enrolment.staff,
                    name=training_class.name,
                    provider=training_class.provider,
                    started_on=training_class.starts_on,
                    ended_on=training_class.ends_on,
                    credits=training_class.credits,
                    evidence=training_class.code,
                )
                save_audited(user=user, instance=activity, recheck_scope=False)
                enrolment.cme_activity = activity
            if training_class.competency_id and enrolment.certificate_id is None:
                enrolment.certificate = _issue_certificate(user, training_class, enrolment, on)
            save_audited(user=user, instance=enrolment, recheck_scope=False)
        training_class.status, training_class.completed_on, training_class.completed_by = (
            ClassStatus.COMPLETED,
            on,
            user,
        )
        save_audited(user=user, instance=training_class)
    return training_class


def _issue_certificate(
    user: Any, training_class: TrainingClass, enrolment: Enrolment, on: datetime.date
) -> Certificate:
    # The organiser issues the certificate whatever unit the participant works at: no write-scope check here.
    certificate = Certificate(
        staff=enrolment.staff,
        competency=training_class.competency,
        number=f"{training_class.code}-{enrolment.pk}",
        issuer=training_class.provider or training_class.orgunit.name,
        issued_on=on,
    )
    validity = training_class.competency.validity_years
    if validity:
        certificate.expires_on = add_years(on, validity)
    save_audited(user=user, instance=certificate, recheck_scope=False)
    return certificate


@transaction.atomic
def class_reopen(*, user: Any, training_class: TrainingClass, reason: str) -> TrainingClass:
    """Undo a completion (an approver's act): the hours and certificates it posted are taken back, audited."""
    training_class = _lock_class(user, training_class, scheduled=False)
    ensure_can_change(user=user, path=training_class.orgunit.path, action=APPROVE)
    if training_class.status != ClassStatus.COMPLETED:
        raise ValidationError(_("Only a completed class can be reopened."))
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the class is reopened.")})
    with audit_context(user=user):
        for enrolment in training_class.enrolments.select_related("cme_activity", "certificate", "staff__orgunit"):
            posted = [r for r in (enrolment.cme_activity, enrolment.certificate) if r is not None]
            enrolment.cme_activity = enrolment.certificate = None
            if posted:
                save_audited(user=user, instance=enrolment, recheck_scope=False)
            for record in posted:
                record.delete()
        before = training_class.completed_on
        training_class.status, training_class.completed_on, training_class.completed_by = (
            ClassStatus.SCHEDULED,
            None,
            None,
        )
        save_audited(user=user, instance=training_class)
        record_change(
            user=user,
            instance=training_class,
            changes={"reopened": [before.strftime("%d/%m/%Y") if before else None, reason]},
        )
    return training_class


# ---------------------------------------------------------------------------------------------------- sponsorships

SPONSORSHIP_FIELDS = (
    "kind",
    "trainee_name",
    "national_id",
    "programme",
    "level",
    "target_title",
    "institution",
    "decision",
    "starts_on",
    "expected_return_on",
    "cost",
    "funding_source",
    "commitment_years",
    "serve_unit",
    "note",
)


def _ensure_visible_unit(user: Any, unit: OrgUnit, field: str) -> None:
    if not in_scope(user, unit.path, VIEW):
        raise ValidationError({field: _("Unknown unit.")})


@transaction.atomic
def sponsorship_create(
    *, user: Any, orgunit: OrgUnit, staff: Staff | None = None, serve_unit: OrgUnit | None = None, **fields: Any
) -> Sponsorship:
    """Record a person sent for long-term training by a unit the user may change, with the commitment to serve."""
    ensure_can_change(user=user, path=orgunit.path)
    sponsorship = Sponsorship(orgunit=orgunit, serve_unit=serve_unit or orgunit)
    _apply(sponsorship, SPONSORSHIP_FIELDS, fields)
    _ensure_visible_unit(user, sponsorship.serve_unit, "serve_unit")
    if staff is not None:
        _link_staff(user, sponsorship, staff)
    if not sponsorship.trainee_name:
        raise ValidationError({"trainee_name": _("Give the trainee's name or choose a health worker.")})
    sponsorship.trainee_name = " ".join(sponsorship.trainee_name.split())
    sponsorship.search_text = sponsorship_search_text(sponsorship)
    save_audited(user=user, instance=sponsorship)
    return sponsorship


def _link_staff(user: Any, sponsorship: Sponsorship, staff: Staff) -> None:
    if not in_scope(user, staff.orgunit.path, VIEW):
        raise ValidationError({"staff": _("Unknown health worker.")})
    clash = Sponsorship.objects.filter(staff=staff, status=SponsorshipStatus.STUDYING).exclude(pk=sponsorship.pk)
    if sponsorship.status == SponsorshipStatus.STUDYING and clash.exists():
        raise ValidationError({"staff": _("%(name)s is already away on sponsored training.") % {"name": staff}})
    sponsorship.staff = staff
    sponsorship.trainee_name = staff.full_name
    sponsorship.national_id = staff.national_id


def _lock_sponsorship(user: Any, sponsorship: Sponsorship) -> Sponsorship:
    sponsorship = Sponsorship.objects.select_for_update().select_related("orgunit").get(pk=sponsorship.pk)
    ensure_can_change(user=user, path=sponsorship.orgunit.path)
    return sponsorship


@transaction.atomic
def sponsorship_update(
    *, user: Any, sponsorship: Sponsorship, staff: Staff | None = None, **fields: Any
) -> Sponsorship:
    """Correct a sponsorship's details (not its outcome: return and breach have their own steps)."""
    sponsorship = _lock_sponsorship(user, sponsorship)
    if sponsorship.status == SponsorshipStatus.BREACHED:
        raise ValidationError(_("The commitment was breached: the record is closed."))
    _apply(sponsorship, SPONSORSHIP_FIELDS, fields)
    if "serve_unit" in fields:
        _ensure_visible_unit(user, sponsorship.serve_unit, "serve_unit")
    if staff is not None:
        _link_staff(user, sponsorship, staff)
    if sponsorship.returned_on:
        sponsorship.commitment_ends_on = commitment_end(sponsorship.returned_on, sponsorship.commitment_years)
    sponsorship.search_text = sponsorship_search_text(sponsorship)
    save_audited(user=user, instance=sponsorship)
    return sponsorship


def commitment_end(returned_on: datetime.date, years: Decimal) -> datetime.date:
    return add_months(returned_on, int(Decimal(years) * 12))


@transaction.atomic
def sponsorship_return(
    *, user: Any, sponsorship: Sponsorship, returned_on: datetime.date, staff: Staff | None = None
) -> Sponsorship:
    """The trainee came back (and, for a nominated student, was recruited): the service commitment starts."""
    sponsorship = _lock_sponsorship(user, sponsorship)
    if sponsorship.status != SponsorshipStatus.STUDYING:
        raise ValidationError(_("Only someone still in training can return."))
    if returned_on > timezone.localdate():
        raise ValidationError({"returned_on": _("Record the return on or after the day, not in advance.")})
    if staff is not None:
        _link_staff(user, sponsorship, staff)
    sponsorship.status = SponsorshipStatus.SERVING
    sponsorship.returned_on = returned_on
    sponsorship.commitment_ends_on = commitment_end(returned_on, sponsorship.commitment_years)
    sponsorship.search_text = sponsorship_search_text(sponsorship)
    save_audited(user=user, instance=sponsorship)
    return sponsorship


@transaction.atomic
def sponsorship_breach(*, user: Any, sponsorship: Sponsorship, left_on: datetime.date, reason: str) -> Sponsorship:
    """The person left before serving the commitment: the amount to reimburse is computed by the rule."""
    sponsorship = _lock_sponsorship(user, sponsorship)
    if sponsorship.status == SponsorshipStatus.BREACHED:
        raise ValidationError(_("The breach is already recorded."))
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": _("Record the departure on or after the day, not in advance.")})
    if sponsorship.commitment_ends_on and left_on >= sponsorship.commitment_ends_on:
        raise ValidationError(
            {
                "left_on": _("The commitment was fulfilled on %(date)s: this is no breach.")
                % {"date": sponsorship.commitment_ends_on.strftime("%d/%m/%Y")}
            }
        )
    if sponsorship.returned_on and left_on < sponsorship.returned_on:
        raise ValidationError({"left_on": _("The person cannot leave before returning.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the person left.")})
    amount, worked = reimbursement_rule().amount(
        cost=sponsorship.cost,
        commitment_years=sponsorship.commitment_years,
        returned_on=sponsorship.returned_on,
        left_on=left_on,
    )
    sponsorship.status = SponsorshipStatus.BREACHED
    sponsorship.breached_on, sponsorship.breach_reason = left_on, reason.strip()
    sponsorship.reimbursement_due, sponsorship.reimbursement_rule = amount, worked[:300]
    save_audited(user=user, instance=sponsorship)
    return sponsorship


@transaction.atomic
def sponsorship_reimbursed(*, user: Any, sponsorship: Sponsorship, amount: Decimal) -> Sponsorship:
    """Record how much of the amount due has been paid back so far."""
    sponsorship = _lock_sponsorship(user, sponsorship)
    if sponsorship.status != SponsorshipStatus.BREACHED:
        raise ValidationError(_("Nothing is due: the commitment was not breached."))
    sponsorship.reimbursed = Decimal(amount)
    save_audited(user=user, instance=sponsorship)
    return sponsorship
