"""Training reports (báo cáo đào tạo): people trained, plan against what was done, sponsored training and its
service commitments, and the one-page summary of a region. Selectors that take the viewer; every figure is an
aggregate computed in the database (GROUP BY or conditional COUNT/SUM), so the number of queries does not grow
with the number of rows.

Roll-ups (tổng hợp theo cấp) follow the workforce indicators: rows are the units of one level in the viewer's
scope (under a chosen unit), and a figure is grouped by the unit's ancestor at that level (`OrgUnit.level{N}_id`),
so a level-N row covers the unit's whole subtree in one GROUP BY. Figures of people or records attached to a unit
above the chosen level belong to no row (choose a higher level to see them); the totals are those of the rows.

- People trained: enrolments with the result "passed" in completed classes, by the year the class ended, counted
  at the unit where the person works now (an enrolment records no unit of its own). "Passes" counts every course
  passed, "people" each person once.
- Plan against done: the plan is a document shared with every unit that sees it, so each line shows its whole
  progress (counts only, no names): seats given to units, participants enrolled (not withdrawn) and passed,
  classes opened (not cancelled) and their actual cost against the budget.
- Sponsored training: grouped by the unit the trainee must serve (default) or the unit that sent them; the state
  is the one of `selectors.sponsorship_state` on the day asked (a commitment served to its end reads
  "fulfilled"); "overdue" are trainees still away after their expected return (they are also "studying").
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.http import Http404

from ytcs.core.dates import add_months
from ytcs.core.querysets import VIEW, subtree_q
from ytcs.core.subqueries import count_of, sum_of
from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.training import selectors
from ytcs.training.models import (
    ClassStatus,
    Course,
    Enrolment,
    EnrolmentResult,
    NormKind,
    PlannedCourse,
    PlannedSeat,
    PlanStatus,
    Sponsorship,
    SponsorshipStatus,
    TrainingClass,
    TrainingPlan,
)
from ytcs.training.needs import NormSummary, needs_summary
from ytcs.training.rules import UPCOMING_RETURN_MONTHS
from ytcs.workforce.indicators import percent

MONEY_SUM = DecimalField(max_digits=18, decimal_places=0)

EARLIEST_YEAR = 2000
LATEST_YEAR = 2100
MAX_YEAR_SPAN = 20
"""A report covers at most this many years (the columns of the workbook stay readable)."""


# ---------------------------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Rollup:
    """The rows of a report: the units at `level` in the viewer's scope, under `root` (None: the whole scope)."""

    user: Any
    level: int
    root: OrgUnit | None = None

    def units(self) -> QuerySet[OrgUnit]:
        qs = OrgUnit.objects.restrict(self.user, VIEW).filter(level=self.level)
        if self.root is not None:
            qs = qs.filter(subtree_q("path", self.root.path))
        return qs.select_related("parent").order_by("path")

    @cached_property
    def row_ids(self) -> list[int]:
        """Ids of every row unit, one query kept for the request.

        An explicit list rather than a subquery, as the indicators do (PostgreSQL misjudges "IN (SELECT ...)" of
        units and then loops over the people)."""
        return list(self.units().order_by().values_list("pk", flat=True))

    def field(self, unit_field: str) -> str:
        """The ancestor column of `unit_field` (a path to an OrgUnit) at the level of the rows."""
        return f"{unit_field}__level{self.level}_id"

    def in_rows(self, unit_field: str) -> Q:
        return Q(**{f"{self.field(unit_field)}__in": self.row_ids})


def _units_with(rollup: Rollup, rows: QuerySet, unit_field: str) -> QuerySet[OrgUnit]:
    """The row units that have at least one of `rows`, in tree order."""
    return rollup.units().filter(pk__in=rows.filter(rollup.in_rows(unit_field)).values(rollup.field(unit_field)))


def _pick(units: Sequence[OrgUnit] | None, fallback: QuerySet[OrgUnit]) -> list[OrgUnit]:
    return list(units) if units is not None else list(fallback)


# ---------------------------------------------------------------------------------------------- people trained


@dataclass(frozen=True)
class TrainedFilters:
    """What the people-trained report asks for."""

    year_from: int
    year_to: int
    course: Course | None = None

    @property
    def years(self) -> list[int]:
        return list(range(self.year_from, self.year_to + 1))


@dataclass(frozen=True)
class Trained:
    passes: int = 0  # courses passed (a person passing two courses counts twice)
    people: int = 0  # different people

    @classmethod
    def of(cls, row: dict[str, Any] | None) -> Trained:
        row = row or {}
        return cls(passes=row.get("passes") or 0, people=row.get("people") or 0)


@dataclass(frozen=True)
class CourseRef:
    pk: int
    code: str
    name: str


@dataclass(frozen=True)
class TrainedLine:
    course: CourseRef
    year: int
    figures: Trained


@dataclass(frozen=True)
class TrainedRow:
    unit: OrgUnit
    figures: Trained
    lines: list[TrainedLine]


@dataclass(frozen=True)
class TrainedCourse:
    course: CourseRef
    figures: Trained
    by_year: dict[int, int] = field(default_factory=dict)  # passes per year


@dataclass(frozen=True)
class TrainedReport:
    rollup: Rollup
    filters: TrainedFilters
    rows: list[TrainedRow]
    courses: list[TrainedCourse]
    total: Trained

    @property
    def course_table(self) -> list[tuple[TrainedCourse, list[int]]]:
        """Each course with its passes in every year of the report (0 for none)."""
        return [(c, [c.by_year.get(year, 0) for year in self.filters.years]) for c in self.courses]

    @property
    def year_totals(self) -> list[int]:
        """Passes per year, every course (the sum of the per-course cells the database grouped)."""
        return [sum(c.by_year.get(year, 0) for c in self.courses) for year in self.filters.years]


COURSE_FIELDS = ("training_class__course_id", "training_class__course__code", "training_class__course__name")
TRAINED = {"passes": Count("pk"), "people": Count("staff", distinct=True)}


def _course_ref(row: dict[str, Any]) -> CourseRef:
    return CourseRef(row[COURSE_FIELDS[0]], row[COURSE_FIELDS[1]], row[COURSE_FIELDS[2]])


def passed_enrolments(*, user: Any, rollup: Rollup, filters: TrainedFilters) -> QuerySet[Enrolment]:
    """Passes in completed classes that ended in the years, of people working now under the row units."""
    qs = Enrolment.objects.restrict(user, VIEW).filter(
        rollup.in_rows("staff__orgunit"),
        result=EnrolmentResult.PASSED,
        training_class__status=ClassStatus.COMPLETED,
        # A range on the date (not a year lookup) so the (status, ends_on) index of classes serves it.
        training_class__ends_on__gte=datetime.date(filters.year_from, 1, 1),
        training_class__ends_on__lte=datetime.date(filters.year_to, 12, 31),
    )
    if filters.course is not None:
        qs = qs.filter(training_class__course=filters.course)
    return qs.order_by()


def trained_units(*, user: Any, rollup: Rollup, filters: TrainedFilters) -> QuerySet[OrgUnit]:
    """The row units where someone passed, in tree order (what the page paginates)."""
    return _units_with(rollup, passed_enrolments(user=user, rollup=rollup, filters=filters), "staff__orgunit")


def trained_report(
    *, user: Any, rollup: Rollup, filters: TrainedFilters, units: Sequence[OrgUnit] | None = None
) -> TrainedReport:
    """People trained by unit × course × year (of the class's end), with the totals of each unit, of each course
    and of the whole selection. `units`: the rows to detail (a page); None: every unit where someone passed.
    Four grouped queries (five without `units`) whatever the number of enrolments."""
    passes = passed_enrolments(user=user, rollup=rollup, filters=filters)
    shown = _pick(units, _units_with(rollup, passes, "staff__orgunit"))
    unit_field = rollup.field("staff__orgunit")
    ids = [unit.pk for unit in shown]
    per_unit = {
        row[unit_field]: Trained.of(row)
        for row in passes.filter(**{f"{unit_field}__in": ids}).values(unit_field).annotate(**TRAINED)
    }
    lines: dict[int, list[TrainedLine]] = {pk: [] for pk in ids}
    detail = (
        passes.filter(**{f"{unit_field}__in": ids})
        .annotate(year=ExtractYear("training_class__ends_on"))
        .values(unit_field, *COURSE_FIELDS, "year")
        .annotate(**TRAINED)
        .order_by(unit_field, "training_class__course__name", "year")
    )
    for row in detail:
        lines[row[unit_field]].append(TrainedLine(_course_ref(row), row["year"], Trained.of(row)))
    courses = _trained_courses(passes)
    rows = [TrainedRow(unit, per_unit.get(unit.pk, Trained()), lines.get(unit.pk, [])) for unit in shown]
    return TrainedReport(rollup, filters, rows, courses, Trained.of(passes.aggregate(**TRAINED)))


def _trained_courses(passes: QuerySet[Enrolment], *, most_first: bool = False) -> list[TrainedCourse]:
    """Totals per course (people counted once per course) and passes per course and year: two GROUP BYs. By name,
    or the courses with most passes first."""
    order = ("-passes", "training_class__course__name") if most_first else ("training_class__course__name",)
    by_year: dict[int, dict[int, int]] = {}
    for row in (
        passes.annotate(year=ExtractYear("training_class__ends_on"))
        .values(COURSE_FIELDS[0], "year")
        .annotate(passes=Count("pk"))
    ):
        by_year.setdefault(row[COURSE_FIELDS[0]], {})[row["year"]] = row["passes"]
    return [
        TrainedCourse(_course_ref(row), Trained.of(row), by_year.get(row[COURSE_FIELDS[0]], {}))
        for row in passes.values(*COURSE_FIELDS).annotate(**TRAINED).order_by(*order)
    ]


# ---------------------------------------------------------------------------------------------- plan against done


def _line_enrolments() -> QuerySet[Enrolment]:
    """Participants of the open or completed classes of a line, withdrawn ones left out."""
    return (
        Enrolment.objects.filter(training_class__line=OuterRef("pk"))
        .exclude(result=EnrolmentResult.WITHDRAWN)
        .exclude(training_class__status=ClassStatus.CANCELLED)
    )


def _line_classes() -> QuerySet[TrainingClass]:
    return TrainingClass.objects.filter(line=OuterRef("pk")).exclude(status=ClassStatus.CANCELLED)


def with_line_figures(lines: QuerySet[PlannedCourse]) -> QuerySet[PlannedCourse]:
    """Lines annotated `seats` (given to units), `enrolled`, `passed` (in completed classes), `opened` (classes not
    cancelled) and `actual_cost` (their cost): one correlated subquery each, in the same query."""
    enrolments = _line_enrolments()
    return lines.select_related("plan", "course", "group").annotate(
        seats_planned=sum_of(PlannedSeat.objects.filter(line=OuterRef("pk")), "line", "seats", IntegerField()),
        enrolled=count_of(enrolments, "training_class__line"),
        passed=count_of(
            enrolments.filter(result=EnrolmentResult.PASSED, training_class__status=ClassStatus.COMPLETED),
            "training_class__line",
        ),
        opened=count_of(_line_classes(), "line"),
        actual_cost=sum_of(_line_classes(), "line", "cost", MONEY_SUM),
    )


@dataclass(frozen=True)
class PlanFigures:
    """Planned against done, for one line or a total."""

    seats: int
    enrolled: int
    passed: int
    classes: int
    opened: int
    budget: Decimal
    cost: Decimal

    @property
    def completion(self) -> Decimal | None:
        """People who passed, in percent of the seats planned."""
        return percent(self.passed, self.seats)

    @property
    def classes_percent(self) -> Decimal | None:
        return percent(self.opened, self.classes)

    @property
    def spent_percent(self) -> Decimal | None:
        """Actual cost in percent of the budget."""
        return percent(int(self.cost), int(self.budget))

    @classmethod
    def of_line(cls, line: PlannedCourse) -> PlanFigures:
        return cls(
            seats=line.seats_planned,
            enrolled=line.enrolled,
            passed=line.passed,
            classes=line.classes,
            opened=line.opened,
            budget=Decimal(line.budget),
            cost=Decimal(line.actual_cost),
        )


@dataclass(frozen=True)
class PlanLineRow:
    line: PlannedCourse
    figures: PlanFigures


@dataclass(frozen=True)
class PlanReport:
    plan: TrainingPlan | None
    group: OrgUnit | None
    rows: list[PlanLineRow]
    total: PlanFigures


def line_totals(lines: QuerySet[PlannedCourse]) -> PlanFigures:
    """The totals of a set of lines, each from one aggregate in the database (four queries)."""
    lines = lines.order_by()
    ids = lines.values("pk")
    planned = lines.aggregate(classes=Sum("classes"), budget=Sum("budget"))
    seats = PlannedSeat.objects.filter(line__in=ids).aggregate(n=Sum("seats"))["n"]
    enrolments = (
        Enrolment.objects.filter(training_class__line__in=ids)
        .exclude(result=EnrolmentResult.WITHDRAWN)
        .exclude(training_class__status=ClassStatus.CANCELLED)
        .aggregate(
            enrolled=Count("pk"),
            passed=Count(
                "pk",
                filter=Q(result=EnrolmentResult.PASSED, training_class__status=ClassStatus.COMPLETED),
            ),
        )
    )
    classes = (
        TrainingClass.objects.filter(line__in=ids)
        .exclude(status=ClassStatus.CANCELLED)
        .aggregate(opened=Count("pk"), cost=Sum("cost"))
    )
    return PlanFigures(
        seats=seats or 0,
        enrolled=enrolments["enrolled"] or 0,
        passed=enrolments["passed"] or 0,
        classes=planned["classes"] or 0,
        opened=classes["opened"] or 0,
        budget=Decimal(planned["budget"] or 0),
        cost=Decimal(classes["cost"] or 0),
    )


def plan_report_lines(*, user: Any, plan: TrainingPlan, group: OrgUnit | None = None) -> QuerySet[PlannedCourse]:
    """The lines of a plan the user sees (from `selectors.plan_get`), optionally those for units under `group`."""
    qs = PlannedCourse.objects.restrict(user, VIEW).filter(plan=plan)
    if group is not None:
        qs = qs.filter(subtree_q("group__path", group.path))
    return qs.order_by("course__name", "group__path", "pk")


def plan_vs_done(*, user: Any, plan: TrainingPlan, group: OrgUnit | None = None) -> PlanReport:
    """Each line of the plan: seats planned against enrolled and passed, classes planned against opened, budget
    against the actual cost of its classes; with the totals and completion rates. Five queries."""
    lines = plan_report_lines(user=user, plan=plan, group=group)
    rows = [PlanLineRow(line, PlanFigures.of_line(line)) for line in with_line_figures(lines)]
    return PlanReport(plan, group, rows, line_totals(lines))


# ---------------------------------------------------------------------------------------------- sponsorships

SIDES = {"serving": "serve_unit", "sending": "orgunit"}
"""Which unit a sponsorship is counted at: the one the trainee must serve, or the one that sent them."""

STATES = ("studying", "overdue", "serving", "fulfilled", "breached")


@dataclass(frozen=True)
class Commitments:
    total: int = 0
    studying: int = 0
    overdue: int = 0
    returning: int = 0  # still away, expected back within UPCOMING_RETURN_MONTHS (not overdue)
    serving: int = 0
    fulfilled: int = 0
    breached: int = 0
    cost: Decimal = Decimal(0)
    due: Decimal = Decimal(0)
    reimbursed: Decimal = Decimal(0)

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.reimbursed

    @classmethod
    def of(cls, row: dict[str, Any] | None) -> Commitments:
        row = row or {}
        counts = {name: row.get(name) or 0 for name in ("total", "returning", *STATES)}
        return cls(**counts, **{name: Decimal(row.get(name) or 0) for name in ("cost", "due", "reimbursed")})


@dataclass(frozen=True)
class CommitmentRow:
    unit: OrgUnit
    figures: Commitments


@dataclass(frozen=True)
class CommitmentReport:
    rollup: Rollup
    side: str
    on: datetime.date
    returns_until: datetime.date
    rows: list[CommitmentRow]
    total: Commitments


def _commitment_aggregates(on: datetime.date) -> dict[str, Any]:
    away = Q(status=SponsorshipStatus.STUDYING)
    until = add_months(on, UPCOMING_RETURN_MONTHS)
    return {
        "total": Count("pk"),
        "studying": Count("pk", filter=Q(state=SponsorshipStatus.STUDYING)),
        "overdue": Count("pk", filter=away & Q(expected_return_on__lt=on)),
        "returning": Count("pk", filter=away & Q(expected_return_on__gte=on, expected_return_on__lte=until)),
        "serving": Count("pk", filter=Q(state=SponsorshipStatus.SERVING)),
        "fulfilled": Count("pk", filter=Q(state=SponsorshipStatus.FULFILLED)),
        "breached": Count("pk", filter=Q(state=SponsorshipStatus.BREACHED)),
        "cost": Sum("cost"),
        "due": Sum("reimbursement_due"),
        "reimbursed": Sum("reimbursed"),
    }


def sponsorships(
    *, user: Any, rollup: Rollup, side: str, on: datetime.date, kind: str | None = None
) -> QuerySet[Sponsorship]:
    """Sponsorships the user sees (`selectors.sponsorship_list`, state as of `on`) counted at the row units."""
    filters = {"kind": kind} if kind else {}
    return selectors.sponsorship_list(user=user, on=on, filters=filters).filter(rollup.in_rows(SIDES[side])).order_by()


def commitment_units(
    *, user: Any, rollup: Rollup, side: str, on: datetime.date, kind: str | None = None
) -> QuerySet[OrgUnit]:
    """The row units with at least one sponsorship, in tree order (what the page paginates)."""
    return _units_with(rollup, sponsorships(user=user, rollup=rollup, side=side, on=on, kind=kind), SIDES[side])


def commitments_report(
    *,
    user: Any,
    rollup: Rollup,
    side: str = "serving",
    on: datetime.date,
    kind: str | None = None,
    units: Sequence[OrgUnit] | None = None,
) -> CommitmentReport:
    """Sponsored training per unit: counts per state, upcoming returns, cost, amount due and reimbursed. One GROUP
    BY for the rows and one aggregate for the total (one more without `units`)."""
    qs = sponsorships(user=user, rollup=rollup, side=side, on=on, kind=kind)
    unit_field = rollup.field(SIDES[side])
    shown = _pick(units, _units_with(rollup, qs, SIDES[side]))
    aggregates = _commitment_aggregates(on)
    grouped = {
        row[unit_field]: Commitments.of(row)
        for row in qs.filter(**{f"{unit_field}__in": [u.pk for u in shown]}).values(unit_field).annotate(**aggregates)
    }
    rows = [CommitmentRow(unit, grouped.get(unit.pk, Commitments())) for unit in shown]
    total = Commitments.of(qs.aggregate(**aggregates))
    return CommitmentReport(rollup, side, on, add_months(on, UPCOMING_RETURN_MONTHS), rows, total)


# ---------------------------------------------------------------------------------------------- regions

REGION_COURSES_MAX = 8
REGION_LINES_MAX = 8
REGION_RETURNS_MAX = 8
REGION_GAPS_MAX = 5
"""What fits on the one A4 page of a region's summary; the rest is counted ("and N more")."""


def report_regions(*, user: Any) -> QuerySet[OrgUnit]:
    """Regional health centres the user sees (a province user: all of them; a regional manager: their own)."""
    return (
        OrgUnit.objects.restrict(user, VIEW)
        .filter(kind=OrgUnitKind.REGIONAL_CENTRE, closed_on__isnull=True)
        .order_by("path")
    )


def report_region(*, user: Any, code: str) -> OrgUnit:
    """A regional centre in the user's scope (open or closed), or 404."""
    region = (
        OrgUnit.objects.restrict(user, VIEW)
        .select_related("parent")
        .filter(kind=OrgUnitKind.REGIONAL_CENTRE, code=code)
        .first()
    )
    if region is None:
        raise Http404
    return region


@dataclass(frozen=True)
class Gap:
    summary: NormSummary

    @property
    def of_units(self) -> bool:
        """A norm that units meet (a title, a certificate), not one that people meet (hours, licences)."""
        return self.summary.norm.kind in (NormKind.TITLE, NormKind.COMPETENCY)

    @property
    def size(self) -> int:
        """People missing (unit norms) or short of hours (people norms)."""
        return self.summary.missing or self.summary.people


@dataclass
class RegionSummary:
    """What the one-page summary of a region shows."""

    region: OrgUnit
    year: int
    on: datetime.date
    courses: list[TrainedCourse]
    courses_more: int
    trained: Trained
    lines: list[PlanLineRow]
    lines_more: int
    lines_total: PlanFigures
    commitments: Commitments
    returns: list[Sponsorship]
    returns_more: int
    gaps: list[Gap]
    gaps_more: int


def region_plan_lines(*, user: Any, region: OrgUnit, year: int) -> QuerySet[PlannedCourse]:
    """Lines for the region (`group` = the region) in the adopted or closed plans of the year the user sees."""
    return (
        PlannedCourse.objects.restrict(user, VIEW)
        .filter(group=region, plan__year=year, plan__status__in=[PlanStatus.ADOPTED, PlanStatus.CLOSED])
        .order_by("plan__orgunit__path", "plan__name", "course__name", "pk")
    )


def region_summary(*, user: Any, region: OrgUnit, year: int, on: datetime.date) -> RegionSummary:
    """The summary of a region for a year: people trained that year by course, its lines in the year's plans,
    sponsored training as of `on` (counts per state, amounts), trainees expected back within
    UPCOMING_RETURN_MONTHS (overdue first) and the largest gaps of the needs analysis."""
    rollup = Rollup(user=user, level=region.level, root=region)
    passes = passed_enrolments(user=user, rollup=rollup, filters=TrainedFilters(year_from=year, year_to=year))
    courses = _trained_courses(passes, most_first=True)
    lines = region_plan_lines(user=user, region=region, year=year)
    shown_lines = list(with_line_figures(lines)[: REGION_LINES_MAX + 1])
    returns_qs = selectors.upcoming_returns(user=user, on=on, filters={"orgunit": region.code})
    returns = list(returns_qs.order_by("expected_return_on", "trainee_name", "pk")[: REGION_RETURNS_MAX + 1])
    returns_more = returns_qs.count() - REGION_RETURNS_MAX if len(returns) > REGION_RETURNS_MAX else 0
    sponsored = selectors.sponsorship_list(user=user, on=on, filters={"orgunit": region.code}).order_by()
    gaps = sorted(
        (Gap(s) for s in needs_summary(user=user, root=region, on=on, year=year)),
        key=lambda gap: (-gap.size, gap.summary.norm.sort_order),
    )
    gaps = [gap for gap in gaps if gap.size]
    return RegionSummary(
        region=region,
        year=year,
        on=on,
        courses=courses[:REGION_COURSES_MAX],
        courses_more=max(len(courses) - REGION_COURSES_MAX, 0),
        trained=Trained.of(passes.aggregate(**TRAINED)),
        lines=[PlanLineRow(line, PlanFigures.of_line(line)) for line in shown_lines[:REGION_LINES_MAX]],
        lines_more=lines.count() - REGION_LINES_MAX if len(shown_lines) > REGION_LINES_MAX else 0,
        lines_total=line_totals(lines),
        commitments=Commitments.of(sponsored.aggregate(**_commitment_aggregates(on))),
        returns=returns[:REGION_RETURNS_MAX],
        returns_more=returns_more,
        gaps=gaps[:REGION_GAPS_MAX],
        gaps_more=max(len(gaps) - REGION_GAPS_MAX, 0),
    )
