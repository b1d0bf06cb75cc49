"""Reads of training management; each starts from the viewer's restriction."""

from __future__ import annotations

import datetime
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from ytcs.core.dates import add_months
from ytcs.core.querysets import CHANGE, VIEW, in_scope, subtree_q
from ytcs.core.subqueries import count_of, sum_of
from ytcs.core.text import search_tokens
from ytcs.orgunits.models import OrgUnit
from ytcs.training.models import (
    ClassStatus,
    Course,
    Enrolment,
    EnrolmentResult,
    PlannedCourse,
    PlannedSeat,
    PlannedTrainee,
    Sponsorship,
    SponsorshipStatus,
    StaffingNorm,
    TrainingClass,
    TrainingPlan,
)
from ytcs.training.rules import UPCOMING_RETURN_MONTHS
from ytcs.workforce.models import Staff, StaffStatus


def _get(qs: QuerySet, pk: Any) -> Any:
    obj = qs.filter(pk=pk).first() if str(pk).isdigit() else None
    if obj is None:
        raise Http404
    return obj


def _for_change(user: Any, obj: Any, path: str, message: str) -> Any:
    if not in_scope(user, path, CHANGE):
        raise PermissionDenied(message)
    return obj


def _within(qs: QuerySet, code: str | None, *fields: str) -> QuerySet:
    """Rows whose unit (any of `fields`) lies under the unit of `code`; none when no unit has that code."""
    if not code:
        return qs
    root = OrgUnit.objects.filter(code__iexact=code).values_list("path", flat=True).first()
    if root is None:
        return qs.none()
    return qs.filter(reduce(or_, (subtree_q(field, root) for field in fields)))


# ---------------------------------------------------------------------------------------------------- catalogues


def course_list(*, include_inactive: bool = False) -> QuerySet[Course]:
    """Shared catalogue: anyone logged in reads it."""
    qs = Course.objects.select_related("competency").prefetch_related("target_titles")
    return qs if include_inactive else qs.filter(is_active=True)


def norm_list(*, include_inactive: bool = False) -> QuerySet[StaffingNorm]:
    qs = StaffingNorm.objects.select_related("competency", "course").prefetch_related("titles", "candidate_titles")
    return qs if include_inactive else qs.filter(is_active=True)


# ---------------------------------------------------------------------------------------------------- plans


def plan_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[TrainingPlan]:
    """Plans of the user's units and of the units above them; `year`, `status`, `orgunit` (code: plans of that
    unit's subtree). Annotated with line, seat and budget totals."""
    filters = filters or {}
    qs = TrainingPlan.objects.restrict(user, VIEW).select_related("orgunit")
    if filters.get("year"):
        qs = qs.filter(year=filters["year"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    qs = _within(qs, filters.get("orgunit"), "orgunit__path")
    lines = PlannedCourse.objects.filter(plan=OuterRef("pk"))
    return qs.annotate(
        line_count=count_of(lines, "plan"),
        seat_count=sum_of(PlannedSeat.objects.filter(line__plan=OuterRef("pk")), "line__plan", "seats"),
        budget_total=sum_of(lines, "plan", "budget"),
    ).order_by("-year", "orgunit__path", "name")


def plan_get(*, user: Any, pk: Any) -> TrainingPlan:
    return _get(plan_list(user=user), pk)


def plan_get_for_change(*, user: Any, pk: Any) -> TrainingPlan:
    plan = plan_get(user=user, pk=pk)
    return _for_change(user, plan, plan.orgunit.path, _("You may view this plan but not change it."))


def plan_lines(*, plan: TrainingPlan) -> QuerySet[PlannedCourse]:
    """The lines of a visible plan with plan-vs-done counts: seats, named people, classes, enrolled, passed."""
    # Cancelled classes and withdrawn participants count for nothing (as in the plan-vs-done report).
    enrolments = Enrolment.objects.filter(training_class__line=OuterRef("pk")).exclude(
        Q(result=EnrolmentResult.WITHDRAWN) | Q(training_class__status=ClassStatus.CANCELLED)
    )
    return (
        plan.lines.select_related("course", "group")
        .annotate(
            seat_count=sum_of(PlannedSeat.objects.filter(line=OuterRef("pk")), "line", "seats"),
            named_count=count_of(PlannedTrainee.objects.filter(line=OuterRef("pk")), "line"),
            class_count=count_of(
                TrainingClass.objects.filter(line=OuterRef("pk")).exclude(status=ClassStatus.CANCELLED), "line"
            ),
            enrolled_count=count_of(enrolments, "training_class__line"),
            passed_count=count_of(
                enrolments.filter(result=EnrolmentResult.PASSED, training_class__status=ClassStatus.COMPLETED),
                "training_class__line",
            ),
        )
        .order_by("course__name", "group__path")
    )


def line_get(*, user: Any, pk: Any) -> PlannedCourse:
    return _get(PlannedCourse.objects.restrict(user, VIEW).select_related("plan__orgunit", "course", "group"), pk)


def line_get_for_change(*, user: Any, pk: Any) -> PlannedCourse:
    line = line_get(user=user, pk=pk)
    return _for_change(user, line, line.plan.orgunit.path, _("You may view this plan but not change it."))


def line_seats(*, line: PlannedCourse) -> QuerySet[PlannedSeat]:
    return line.seats.select_related("orgunit").order_by("orgunit__path")


def visible_trainees(*, user: Any) -> QuerySet[PlannedTrainee]:
    """Named people of any plan whose record the viewer may see now, wherever they work today (a provincial plan
    is open to every station, the names of other units' staff are not); for prefetching a plan's lines."""
    return (
        PlannedTrainee.objects.filter(staff__in=Staff.objects.restrict(user, VIEW).values("pk"))
        .select_related("staff", "staff__title", "orgunit", "norm")
        .order_by("orgunit__path", "staff__full_name")
    )


def line_trainees(*, line: PlannedCourse, user: Any = None) -> QuerySet[PlannedTrainee]:
    """The people named on a line; given the viewer, only those whose record they may see (`visible_trainees`)."""
    if user is not None:
        return visible_trainees(user=user).filter(line=line)
    return line.trainees.select_related("staff", "staff__title", "orgunit", "norm").order_by(
        "orgunit__path", "staff__full_name"
    )


def trainee_get(*, user: Any, pk: Any) -> PlannedTrainee:
    """A named person on a visible plan, 404 unless the viewer may also see the person."""
    qs = PlannedTrainee.objects.restrict(user, VIEW).filter(staff__in=Staff.objects.restrict(user, VIEW).values("pk"))
    return _get(qs.select_related("line__plan__orgunit", "staff"), pk)


# ---------------------------------------------------------------------------------------------------- classes


def class_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[TrainingClass]:
    """Classes the user may see (their units' and those run above them): `year` (of the start), `status`, `course`
    (code), `orgunit` (code: classes run in that subtree), `plan` (id), `q` (code, name or provider; diacritics
    ignored). Annotated with the
    number of participants and of those who passed."""
    filters = filters or {}
    qs = TrainingClass.objects.restrict(user, VIEW).select_related("orgunit", "course", "competency", "line")
    if filters.get("year"):
        qs = qs.filter(starts_on__year=filters["year"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("course"):
        qs = qs.filter(course__code=filters["course"])
    if filters.get("plan"):
        qs = qs.filter(line__plan_id=filters["plan"])
    qs = _within(qs, filters.get("orgunit"), "orgunit__path")
    for token in search_tokens(filters.get("q")):
        qs = qs.filter(search_text__contains=token)
    enrolments = Enrolment.objects.filter(training_class=OuterRef("pk")).exclude(result=EnrolmentResult.WITHDRAWN)
    return qs.annotate(
        participant_count=count_of(enrolments, "training_class"),
        passed_count=count_of(enrolments.filter(result=EnrolmentResult.PASSED), "training_class"),
    ).order_by("-starts_on", "code")


def class_get(*, user: Any, pk: Any) -> TrainingClass:
    return _get(class_list(user=user), pk)


def class_get_for_change(*, user: Any, pk: Any) -> TrainingClass:
    training_class = class_get(user=user, pk=pk)
    return _for_change(
        user, training_class, training_class.orgunit.path, _("You may view this class but not change it.")
    )


def class_enrolments(*, user: Any, training_class: TrainingClass) -> QuerySet[Enrolment]:
    """Participants of a class: all of them for the organiser, those of the user's units for anyone else."""
    return (
        Enrolment.objects.restrict(user, VIEW)
        .filter(training_class=training_class)
        .select_related("staff", "staff__title", "staff__orgunit", "cme_activity", "certificate")
        .order_by("staff__full_name", "pk")
    )


def enrolment_get(*, user: Any, pk: Any) -> Enrolment:
    return _get(
        Enrolment.objects.restrict(user, VIEW).select_related(
            "training_class__orgunit", "staff__orgunit", "cme_activity", "certificate"
        ),
        pk,
    )


def enrollable_staff(*, user: Any, training_class: TrainingClass, q: str = "") -> QuerySet[Staff]:
    """Working people the user may enrol in a class: in their write scope and under the organising unit, of the
    course's target titles when it names any, not already enrolled."""
    qs = (
        Staff.objects.restrict(user, CHANGE)
        .filter(subtree_q("orgunit__path", training_class.orgunit.path), status=StaffStatus.ACTIVE)
        .exclude(pk__in=Enrolment.objects.filter(training_class=training_class).values("staff"))
        .select_related("orgunit", "title")
    )
    # A course aimed at some titles (ultrasound for doctors and assistant physicians) offers only those.
    targets = list(training_class.course.target_titles.values_list("pk", flat=True))
    if targets:
        qs = qs.filter(title_id__in=targets)
    for token in search_tokens(q):
        qs = qs.filter(search_text__contains=token)
    return qs.order_by("full_name", "pk")


def staff_training(*, user: Any, staff: Staff) -> QuerySet[Enrolment]:
    """A visible person's classes, newest first (for their record page)."""
    return (
        Enrolment.objects.restrict(user, VIEW)
        .filter(staff=staff)
        .select_related("training_class", "training_class__course")
        .order_by("-training_class__starts_on")
    )


# ---------------------------------------------------------------------------------------------------- sponsorships


def sponsorship_state(on: datetime.date) -> Case:
    """The status as of a date: a commitment served to its end reads "fulfilled"."""
    return Case(
        When(
            status=SponsorshipStatus.SERVING,
            commitment_ends_on__lte=on,
            then=Value(SponsorshipStatus.FULFILLED.value),
        ),
        default=F("status"),
    )


def sponsorship_list(*, user: Any, on: datetime.date, filters: dict[str, Any] | None = None) -> QuerySet[Sponsorship]:
    """Sponsored trainees of the user's units (sending or serving): `state` (studying, serving, fulfilled,
    breached, overdue = studying past the expected return), `kind`, `orgunit` (code: sent or serving in that
    subtree), `returning_before` (date), `staff` (id), `q` (name, CCCD, programme, institution; diacritics
    ignored). Annotated `state` as of `on`."""
    filters = filters or {}
    qs = (
        Sponsorship.objects.restrict(user, VIEW)
        .select_related("orgunit", "serve_unit", "staff", "target_title")
        .annotate(state=sponsorship_state(on))
    )
    state = filters.get("state")
    if state == "overdue":
        qs = qs.filter(status=SponsorshipStatus.STUDYING, expected_return_on__lt=on)
    elif state:
        qs = qs.filter(state=state)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    qs = _within(qs, filters.get("orgunit"), "orgunit__path", "serve_unit__path")
    if filters.get("returning_before"):
        qs = qs.filter(status=SponsorshipStatus.STUDYING, expected_return_on__lte=filters["returning_before"])
    if filters.get("staff"):
        qs = qs.filter(staff_id=filters["staff"])
    for token in search_tokens(filters.get("q")):
        qs = qs.filter(search_text__contains=token)
    return qs.order_by("expected_return_on", "trainee_name", "pk")


def sponsorship_get(*, user: Any, pk: Any, on: datetime.date) -> Sponsorship:
    return _get(sponsorship_list(user=user, on=on), pk)


def sponsorship_get_for_change(*, user: Any, pk: Any, on: datetime.date) -> Sponsorship:
    sponsorship = sponsorship_get(user=user, pk=pk, on=on)
    return _for_change(user, sponsorship, sponsorship.orgunit.path, _("You may view this record but not change it."))


def upcoming_returns(
    *, user: Any, on: datetime.date, months: int = UPCOMING_RETURN_MONTHS, filters: dict[str, Any] | None = None
) -> QuerySet[Sponsorship]:
    """Trainees still away whose expected return falls before `on` + `months` (overdue ones first), by the unit
    they will serve."""
    return sponsorship_list(
        user=user, on=on, filters={**(filters or {}), "returning_before": add_months(on, months)}
    ).order_by("serve_unit__path", "expected_return_on", "pk")


def commitment_totals(*, user: Any, on: datetime.date, filters: dict[str, Any] | None = None) -> dict[str, Any]:
    """Counts per state and the money due and repaid, in one aggregate."""
    qs = sponsorship_list(user=user, on=on, filters=filters).order_by()
    totals = qs.aggregate(
        total=Count("pk"),
        studying=Count("pk", filter=Q(state=SponsorshipStatus.STUDYING)),
        overdue=Count("pk", filter=Q(status=SponsorshipStatus.STUDYING, expected_return_on__lt=on)),
        serving=Count("pk", filter=Q(state=SponsorshipStatus.SERVING)),
        fulfilled=Count("pk", filter=Q(state=SponsorshipStatus.FULFILLED)),
        breached=Count("pk", filter=Q(state=SponsorshipStatus.BREACHED)),
        cost=Sum("cost"),
        due=Sum("reimbursement_due"),
        reimbursed=Sum("reimbursed"),
    )
    return {key: value or 0 for key, value in totals.items()}
