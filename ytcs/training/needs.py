"""Training needs analysis (phân tích nhu cầu đào tạo): the staffing norms against the live workforce registry.

For each active norm it finds, in the viewer's scope under a root unit:
- title and certificate norms: the units of the norm's kind with fewer qualified staff than the minimum,
  less those already in training for it (sponsored trainees due back to serve there, participants of a class
  still running); and, for certificates, who at the unit could be sent;
- hours and licence norms: the licensed people short of the continuing-training hours, now or for the
  renewal of a licence expiring by the end of the plan year.

Every count is one GROUP BY or correlated subquery in the database. A gap closed in the registry (a class
completed, a certificate recorded, someone recruited) is gone the next time the analysis runs: nothing is
stored but the plan a planner chooses to keep.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from ytcs.core.querysets import VIEW, subtree_q
from ytcs.core.subqueries import count_of
from ytcs.orgunits.models import OrgUnit
from ytcs.training.models import (
    ClassStatus,
    Enrolment,
    EnrolmentResult,
    NeedReason,
    NormKind,
    PlannedTrainee,
    PlanStatus,
    Sponsorship,
    SponsorshipStatus,
    StaffingNorm,
)
from ytcs.workforce.models import Certificate, CmeActivity, Licence, Staff, StaffStatus
from ytcs.workforce.rules import cme_rule
from ytcs.workforce.selectors import cme_credits_between, valid_licence_q


def active_norms() -> list[StaffingNorm]:
    return list(
        StaffingNorm.objects.filter(is_active=True)
        .select_related("competency", "course")
        .prefetch_related("titles", "candidate_titles")
        .order_by("sort_order", "code")
    )


def _title_ids(titles: Iterable[Any]) -> list[int]:
    return [t.pk for t in titles]


def valid_certificate_q(competency_id: int, on: datetime.date) -> Q:
    return Q(competency_id=competency_id, issued_on__lte=on) & (Q(expires_on__isnull=True) | Q(expires_on__gte=on))


def units_in(*, user: Any, root: OrgUnit, kind: str) -> QuerySet[OrgUnit]:
    """Open units of a kind under `root` that the user may see."""
    return OrgUnit.objects.restrict(user, VIEW).filter(subtree_q("path", root.path), kind=kind, closed_on__isnull=True)


def unit_gaps(*, user: Any, root: OrgUnit, norm: StaffingNorm, on: datetime.date) -> QuerySet[OrgUnit]:
    """Units short of a title or certificate norm, annotated `have`, `in_training` and `missing` (after those in
    training), ordered by path. Units whose gap is covered by people in training are kept with `missing` 0."""
    staff = Staff.objects.filter(orgunit=OuterRef("pk"), status=StaffStatus.ACTIVE)
    titles = _title_ids(norm.titles.all())
    if titles:
        staff = staff.filter(title_id__in=titles)
    if norm.kind == NormKind.COMPETENCY:
        staff = staff.filter(
            Exists(Certificate.objects.filter(valid_certificate_q(norm.competency_id, on), staff=OuterRef("pk")))
        )
        training = Enrolment.objects.filter(
            training_class__status=ClassStatus.SCHEDULED,
            training_class__competency_id=norm.competency_id,
            result__in=[EnrolmentResult.ENROLLED, EnrolmentResult.PASSED],
            staff__orgunit=OuterRef("pk"),
            staff__status=StaffStatus.ACTIVE,
        )
        in_training = count_of(training, "staff__orgunit")
    else:
        sponsored = Sponsorship.objects.filter(serve_unit=OuterRef("pk"), status=SponsorshipStatus.STUDYING)
        if titles:
            sponsored = sponsored.filter(target_title_id__in=titles)
        in_training = count_of(sponsored, "serve_unit")
    return (
        units_in(user=user, root=root, kind=norm.unit_kind)
        .annotate(have=count_of(staff, "orgunit"), in_training=in_training)
        .filter(have__lt=norm.minimum)
        .annotate(missing=Greatest(Value(norm.minimum) - F("have") - F("in_training"), Value(0)))
        .order_by("path")
    )


def _in_cme_class() -> Exists:
    return Exists(
        Enrolment.objects.filter(
            staff=OuterRef("pk"),
            training_class__status=ClassStatus.SCHEDULED,
            training_class__credits__isnull=False,
            # Passed but the class not yet completed: the hours are on their way.
            result__in=[EnrolmentResult.ENROLLED, EnrolmentResult.PASSED],
        )
    )


def people_needs(*, user: Any, root: OrgUnit, norm: StaffingNorm, on: datetime.date, year: int) -> QuerySet[Staff]:
    """Licensed working people short of continuing-training hours (cme norm) or of the hours their licence
    renewal needs (licence norm: licences expiring on or before 31/12 of `year`), annotated `credits`,
    `required` and `expires_on` (licence norm); those enrolled in a running class with hours are left out."""
    rule = cme_rule()
    people = (
        Staff.objects.restrict(user, VIEW)
        .filter(subtree_q("orgunit__path", root.path), status=StaffStatus.ACTIVE, title__needs_licence=True)
        .exclude(_in_cme_class())
    )
    if norm.kind == NormKind.CME:
        start = rule.window_start(on)
        people = people.filter(started_on__lte=start).annotate(
            credits=cme_credits_between(start, on), required=Value(rule.credits)
        )
    else:
        year_end = datetime.date(year, 12, 31)
        expiring = Licence.objects.filter(
            valid_licence_q(on), staff=OuterRef("pk"), valid_until__isnull=False, valid_until__lte=year_end
        )
        # The hours that count at renewal are those of the window that ends when the licence does. Each person's
        # window starts `years` × 365 days + one leap day before their expiry (a day early when the window
        # holds two 29 Februaries), computed in the database.
        window = datetime.timedelta(days=rule.years * 365 + 1)
        in_window = (
            CmeActivity.objects.filter(
                staff=OuterRef("pk"),
                ended_on__gt=ExpressionWrapper(OuterRef("expires_on") - window, output_field=DateField()),
                ended_on__lte=on,
            )
            .order_by()
            .values("staff")
            .annotate(total=Sum("credits"))
            .values("total")
        )
        people = (
            people.annotate(expires_on=Subquery(expiring.order_by("valid_until").values("valid_until")[:1]))
            .filter(expires_on__isnull=False)
            .annotate(
                credits=Coalesce(
                    Subquery(in_window), Value(Decimal(0)), output_field=DecimalField(max_digits=8, decimal_places=1)
                ),
                required=Value(rule.credits),
            )
        )
    return people.filter(credits__lt=rule.credits).select_related("orgunit", "title").order_by("orgunit__path", "pk")


@dataclass
class NormSummary:
    norm: StaffingNorm
    units: int = 0  # units short of the norm
    missing: int = 0  # people missing after those in training
    in_training: int = 0
    people: int = 0  # people short of hours (cme and licence norms)
    proposed: int = 0  # people the proposal would send


def needs_summary(*, user: Any, root: OrgUnit, on: datetime.date, year: int) -> list[NormSummary]:
    """One line per active norm: how many units or people fall short under `root`."""
    summaries = []
    for norm in active_norms():
        summary = NormSummary(norm=norm)
        if norm.kind in (NormKind.TITLE, NormKind.COMPETENCY):
            gaps = unit_gaps(user=user, root=root, norm=norm, on=on)
            # Aggregated through fresh aliases: Django drops an annotation used only in WHERE from the inner
            # SELECT, and SUM over its bare name would then read a string literal on SQLite.
            totals = (
                gaps.order_by()
                .annotate(_training=F("in_training"), _missing=F("missing"))
                .aggregate(units=Count("pk"), in_training=Sum("_training"), missing=Sum("_missing"))
            )
            summary.units = totals["units"] or 0
            summary.in_training = totals["in_training"] or 0
            summary.missing = totals["missing"] or 0
        else:
            summary.people = people_needs(user=user, root=root, norm=norm, on=on, year=year).count()
        summaries.append(summary)
    return summaries


@dataclass(frozen=True)
class Proposed:
    """One person the proposal would train, on which course, and why."""

    course_id: int
    staff_id: int
    unit_id: int
    unit_path: str
    reason: str
    norm_id: int


@dataclass
class Proposal:
    trainees: list[Proposed] = field(default_factory=list)
    unfilled: dict[int, int] = field(default_factory=dict)  # norm id → people missing with nobody to train


REASON_PRIORITY = {NeedReason.LICENCE: 0, NeedReason.TITLE: 1, NeedReason.COMPETENCY: 2, NeedReason.CME: 3}


def _already_planned(year: int, root: OrgUnit) -> set[tuple[int, int]]:
    """(course, person) pairs already on a line of another live plan of the year."""
    return set(
        PlannedTrainee.objects.filter(line__plan__year=year, line__plan__status__in=[PlanStatus.ADOPTED])
        .filter(subtree_q("orgunit__path", root.path))
        .values_list("line__course_id", "staff_id")
    )


def build_proposal(*, user: Any, root: OrgUnit, on: datetime.date, year: int) -> Proposal:
    """Who to train in what next year, from every norm with a course; each person once per course."""
    proposal = Proposal()
    chosen: dict[tuple[int, int], Proposed] = {}

    def keep(item: Proposed) -> None:
        key = (item.course_id, item.staff_id)
        current = chosen.get(key)
        if current is None or REASON_PRIORITY[item.reason] < REASON_PRIORITY[current.reason]:
            chosen[key] = item

    for norm in active_norms():
        if norm.kind in (NormKind.TITLE, NormKind.COMPETENCY):
            gaps = {u.pk: (u, u.missing) for u in unit_gaps(user=user, root=root, norm=norm, on=on)}
            gaps = {pk: pair for pk, pair in gaps.items() if pair[1] > 0}
            if not gaps:
                continue
            people = candidates(norm, list(gaps), on) if norm.course_id else {}
            for unit_id, (unit, missing) in gaps.items():
                picked = people.get(unit_id, [])[:missing]
                for staff_id in picked:
                    reason = NeedReason.TITLE if norm.kind == NormKind.TITLE else NeedReason.COMPETENCY
                    keep(Proposed(norm.course_id, staff_id, unit_id, unit.path, reason, norm.pk))
                if missing > len(picked):
                    proposal.unfilled[norm.pk] = proposal.unfilled.get(norm.pk, 0) + missing - len(picked)
        elif norm.course_id:
            reason = NeedReason.CME if norm.kind == NormKind.CME else NeedReason.LICENCE
            rows = people_needs(user=user, root=root, norm=norm, on=on, year=year).values_list(
                "pk", "orgunit_id", "orgunit__path"
            )
            for staff_id, unit_id, path in rows.iterator(chunk_size=5000):
                keep(Proposed(norm.course_id, staff_id, unit_id, path, reason, norm.pk))
    planned = _already_planned(year, root)
    proposal.trainees = sorted(
        (item for key, item in chosen.items() if key not in planned),
        key=lambda item: (item.course_id, item.unit_path, item.staff_id),
    )
    return proposal


def candidates(norm: StaffingNorm, unit_ids: list[int], on: datetime.date) -> dict[int, list[int]]:
    """Per unit, the working people who could be sent to close the gap, best first: by title order, then the
    youngest (who will serve longest). For a certificate, those who do not hold it already."""
    people = Staff.objects.filter(orgunit_id__in=unit_ids, status=StaffStatus.ACTIVE)
    titles = _title_ids(norm.candidate_titles.all()) or _title_ids(norm.titles.all())
    if titles:
        people = people.filter(title_id__in=titles)
    if norm.kind == NormKind.COMPETENCY:
        people = people.exclude(
            Exists(Certificate.objects.filter(valid_certificate_q(norm.competency_id, on), staff=OuterRef("pk")))
        )
    elif norm.kind == NormKind.TITLE:
        # Those who already hold a title that counts do not need the course that gives it.
        people = people.exclude(title_id__in=_title_ids(norm.titles.all()))
    # Someone already away on sponsored training is not sent again.
    people = people.exclude(Exists(Sponsorship.objects.filter(staff=OuterRef("pk"), status=SponsorshipStatus.STUDYING)))
    result: dict[int, list[int]] = defaultdict(list)
    rows = people.order_by("orgunit_id", "title__sort_order", "-birth_date", "pk").values_list("pk", "orgunit_id")
    for staff_id, unit_id in rows.iterator(chunk_size=5000):
        result[unit_id].append(staff_id)
    return result


GROUP_BELOW_KINDS = frozenset({"country", "province"})


def group_of(path: str, root: OrgUnit) -> int:
    """The unit a trainee's class is grouped under. Under a department (or the ministry) it is the child holding
    their unit: the regional centre (or the provincial hospital, or the province). Under a centre or a station,
    the root itself: one class per course."""
    if root.kind not in GROUP_BELOW_KINDS:
        return root.pk
    ids = path.strip("/").split("/")
    return int(ids[root.level]) if len(ids) > root.level else root.pk


def classes_needed(seats: int, class_size: int) -> int:
    return max(math.ceil(seats / class_size), 1)


def training_year_default(on: datetime.date) -> int:
    """Plans are drawn up for the coming year."""
    return on.year + 1
