"""API of the training reports: `/api/v1/training/reports/trained/`, `/plan-vs-done/`, `/commitments/`. Read-only;
every figure comes from `ytcs.training.reports` (aggregates in the database). Each answer holds every row of the
selection (rows are aggregates, a few per unit) and the totals."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.orgunits.models import MAX_LEVEL, OrgUnit
from ytcs.training import reports, selectors
from ytcs.training.models import SponsorshipKind
from ytcs.training.reports import EARLIEST_YEAR, LATEST_YEAR, MAX_YEAR_SPAN, Rollup, TrainedFilters
from ytcs.workforce import indicators

# ---------------------------------------------------------------------------------------------- input


class ReportRollupParamsSerializer(serializers.Serializer):
    orgunit = serializers.CharField(
        required=False, allow_blank=True, help_text="Code of a unit: only its subtree (default: the whole scope)."
    )
    level = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LEVEL,
        help_text="Level of the rows (1 = top of the tree); default: the level below the top of the selection.",
    )


class ReportTrainedParamsSerializer(ReportRollupParamsSerializer):
    year_from = serializers.IntegerField(
        required=False, min_value=EARLIEST_YEAR, max_value=LATEST_YEAR, help_text="First year (default: 4 years ago)."
    )
    year_to = serializers.IntegerField(
        required=False, min_value=EARLIEST_YEAR, max_value=LATEST_YEAR, help_text="Last year (default: this year)."
    )
    course = serializers.CharField(required=False, allow_blank=True, help_text="Course code (default: every course).")


class ReportPlanParamsSerializer(serializers.Serializer):
    plan = serializers.IntegerField(min_value=1, help_text="Id of a training plan the user sees.")
    group = serializers.CharField(
        required=False, allow_blank=True, help_text="Code of a unit: only the lines for units under it."
    )


class ReportCommitmentParamsSerializer(ReportRollupParamsSerializer):
    by = serializers.ChoiceField(
        choices=list(reports.SIDES),
        default="serving",
        help_text="Count each sponsorship at the unit the trainee must serve (serving) or that sent them (sending).",
    )
    kind = serializers.ChoiceField(choices=SponsorshipKind.choices, required=False, help_text="Kind of sponsorship.")


# ---------------------------------------------------------------------------------------------- output


class ReportTrainedFiguresSerializer(serializers.Serializer):
    passes = serializers.IntegerField(help_text="Courses passed (someone who passed two courses counts twice).")
    people = serializers.IntegerField(help_text="Different people.")


class ReportTrainedLineSerializer(ReportTrainedFiguresSerializer):
    orgunit = serializers.CharField(help_text="Code of the row unit.")
    orgunit_name = serializers.CharField()
    course = serializers.CharField(help_text="Course code.")
    course_name = serializers.CharField()
    year = serializers.IntegerField(help_text="Year the class ended.")


class ReportTrainedUnitSerializer(ReportTrainedFiguresSerializer):
    orgunit = serializers.CharField()
    orgunit_name = serializers.CharField()
    level = serializers.IntegerField()


class ReportTrainedCourseSerializer(ReportTrainedFiguresSerializer):
    course = serializers.CharField()
    course_name = serializers.CharField()
    by_year = serializers.DictField(child=serializers.IntegerField(), help_text="Passes per year.")


class ReportTrainedSerializer(serializers.Serializer):
    report = serializers.CharField()
    year_from = serializers.IntegerField()
    year_to = serializers.IntegerField()
    course = serializers.CharField(allow_null=True)
    orgunit = serializers.CharField(allow_null=True)
    level = serializers.IntegerField()
    results = ReportTrainedLineSerializer(many=True, help_text="One row per unit, course and year.")
    units = ReportTrainedUnitSerializer(many=True, help_text="Totals per unit (people counted once).")
    courses = ReportTrainedCourseSerializer(many=True, help_text="Totals per course.")
    total = ReportTrainedFiguresSerializer()


class ReportPlanFiguresSerializer(serializers.Serializer):
    seats = serializers.IntegerField(help_text="Seats given to units.")
    enrolled = serializers.IntegerField(help_text="Participants, not withdrawn, of classes not cancelled.")
    passed = serializers.IntegerField(help_text="Participants who passed a completed class.")
    completion = serializers.DecimalField(
        max_digits=7,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        help_text="Passed in % of the seats; null without seats.",
    )
    classes = serializers.IntegerField(help_text="Classes planned.")
    opened = serializers.IntegerField(help_text="Classes opened from the line (not cancelled).")
    budget = serializers.IntegerField(help_text="Budget in đồng.")
    actual_cost = serializers.IntegerField(source="cost", help_text="Actual cost of the classes in đồng.")


class ReportPlanLineSerializer(ReportPlanFiguresSerializer):
    line = serializers.IntegerField()
    course = serializers.CharField()
    course_name = serializers.CharField()
    group = serializers.CharField(help_text="Code of the unit whose staff the line trains.")
    group_name = serializers.CharField()
    quarter = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()


class ReportPlanRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    orgunit = serializers.CharField()
    status = serializers.CharField()


class ReportPlanVsDoneSerializer(serializers.Serializer):
    report = serializers.CharField()
    plan = ReportPlanRefSerializer()
    group = serializers.CharField(allow_null=True)
    results = ReportPlanLineSerializer(many=True)
    total = ReportPlanFiguresSerializer()


class ReportCommitmentFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    studying = serializers.IntegerField(help_text="In training (overdue included).")
    overdue = serializers.IntegerField(help_text="Still in training after the expected return.")
    returning = serializers.IntegerField(help_text="Still in training, expected back by `returns_until`.")
    serving = serializers.IntegerField()
    fulfilled = serializers.IntegerField()
    breached = serializers.IntegerField()
    cost = serializers.IntegerField(help_text="Cost paid, đồng.")
    due = serializers.IntegerField(help_text="Amount to reimburse, đồng.")
    reimbursed = serializers.IntegerField(help_text="Amount reimbursed, đồng.")
    outstanding = serializers.IntegerField(help_text="Still to reimburse, đồng.")


class ReportCommitmentRowSerializer(ReportCommitmentFiguresSerializer):
    orgunit = serializers.CharField()
    orgunit_name = serializers.CharField()
    level = serializers.IntegerField()


class ReportCommitmentsSerializer(serializers.Serializer):
    report = serializers.CharField()
    on = serializers.DateField(help_text="States as of this day (today).")
    returns_until = serializers.DateField()
    by = serializers.CharField()
    kind = serializers.CharField(allow_null=True)
    orgunit = serializers.CharField(allow_null=True)
    level = serializers.IntegerField()
    results = ReportCommitmentRowSerializer(many=True)
    total = ReportCommitmentFiguresSerializer()


# ---------------------------------------------------------------------------------------------- views


def _params(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    params = serializer_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    return dict(params.validated_data)


def _rollup(request: Request, data: dict[str, Any]) -> Rollup:
    """The rows: the unit (404 outside the scope) and the level (400 above the unit)."""
    root = indicators.indicator_root(user=request.user, code=data.get("orgunit") or None)
    level = data.get("level")
    if level is None:
        level = indicators.default_level(levels=indicators.indicator_levels(user=request.user, root=root), root=root)
    if root is not None and level < root.level:
        raise ValidationError(
            {"level": [_("Choose a level at or below the unit's own level (%(level)d).") % {"level": root.level}]}
        )
    return Rollup(user=request.user, level=level, root=root)


def _unit(unit: OrgUnit) -> dict[str, Any]:
    return {"orgunit": unit.code, "orgunit_name": unit.name, "level": unit.level}


class TrainedReportApi(APIView):
    """People trained: enrolments passed in completed classes, by unit (rolled up to `level` under `orgunit`),
    course and year of the class's end; totals per unit, per course and overall, courses passed and people."""

    @extend_schema(parameters=[ReportTrainedParamsSerializer], responses=ReportTrainedSerializer)
    def get(self, request: Request) -> Response:
        data = _params(ReportTrainedParamsSerializer, request)
        this_year = timezone.localdate().year
        first = data.get("year_from") or this_year - 4
        last = data.get("year_to") or this_year
        if first > last:
            raise ValidationError({"year_to": [_("“To year” must not come before “From year”.")]})
        if last - first >= MAX_YEAR_SPAN:
            raise ValidationError({"year_to": [_("Choose at most %(n)d years.") % {"n": MAX_YEAR_SPAN}]})
        course = None
        if data.get("course"):
            course = selectors.course_list(include_inactive=True).filter(code=data["course"]).first()
            if course is None:
                raise ValidationError({"course": [_("Unknown course “%(code)s”.") % {"code": data["course"]}]})
        rollup = _rollup(request, data)
        report = reports.trained_report(
            user=request.user, rollup=rollup, filters=TrainedFilters(year_from=first, year_to=last, course=course)
        )
        payload = {
            "report": "trained",
            "year_from": first,
            "year_to": last,
            "course": course.code if course else None,
            "orgunit": rollup.root.code if rollup.root else None,
            "level": rollup.level,
            "results": [
                {
                    **_unit(row.unit),
                    "course": line.course.code,
                    "course_name": line.course.name,
                    "year": line.year,
                    "passes": line.figures.passes,
                    "people": line.figures.people,
                }
                for row in report.rows
                for line in row.lines
            ],
            "units": [
                {**_unit(row.unit), "passes": row.figures.passes, "people": row.figures.people} for row in report.rows
            ],
            "courses": [
                {
                    "course": c.course.code,
                    "course_name": c.course.name,
                    "by_year": {str(year): n for year, n in sorted(c.by_year.items())},
                    "passes": c.figures.passes,
                    "people": c.figures.people,
                }
                for c in report.courses
            ],
            "total": {"passes": report.total.passes, "people": report.total.people},
        }
        return Response(ReportTrainedSerializer(payload).data)


class PlanVsDoneReportApi(APIView):
    """A plan's lines (`plan`: id of a plan the user sees, else 404): seats planned against enrolled and passed,
    classes planned against opened, budget against actual cost, with totals and completion (% of seats)."""

    @extend_schema(parameters=[ReportPlanParamsSerializer], responses=ReportPlanVsDoneSerializer)
    def get(self, request: Request) -> Response:
        data = _params(ReportPlanParamsSerializer, request)
        plan = selectors.plan_get(user=request.user, pk=data["plan"])
        code = (data.get("group") or "").strip()
        group = indicators.indicator_root(user=request.user, code=code) if code else None
        report = reports.plan_vs_done(user=request.user, plan=plan, group=group)
        payload = {
            "report": "plan_vs_done",
            "plan": {
                "id": plan.pk,
                "name": plan.name,
                "year": plan.year,
                "orgunit": plan.orgunit.code,
                "status": plan.status,
            },
            "group": group.code if group else None,
            "results": [
                {
                    "line": row.line.pk,
                    "course": row.line.course.code,
                    "course_name": row.line.course.name,
                    "group": row.line.group.code,
                    "group_name": row.line.group.name,
                    "quarter": row.line.quarter,
                    "status": row.line.status,
                    **_plan_figures(row.figures),
                }
                for row in report.rows
            ],
            "total": _plan_figures(report.total),
        }
        return Response(ReportPlanVsDoneSerializer(payload).data)


def _plan_figures(figures: reports.PlanFigures) -> dict[str, Any]:
    return {
        "seats": figures.seats,
        "enrolled": figures.enrolled,
        "passed": figures.passed,
        "completion": figures.completion,
        "classes": figures.classes,
        "opened": figures.opened,
        "budget": int(figures.budget),
        "cost": int(figures.cost),
    }


class CommitmentsReportApi(APIView):
    """Sponsored training per unit (rolled up to `level` under `orgunit`, counted at the unit to serve or the
    sending unit): counts per state as of today, trainees expected back within 6 months, cost, amounts due and
    reimbursed."""

    @extend_schema(parameters=[ReportCommitmentParamsSerializer], responses=ReportCommitmentsSerializer)
    def get(self, request: Request) -> Response:
        data = _params(ReportCommitmentParamsSerializer, request)
        rollup = _rollup(request, data)
        on = timezone.localdate()
        report = reports.commitments_report(
            user=request.user, rollup=rollup, side=data["by"], on=on, kind=data.get("kind") or None
        )
        payload = {
            "report": "commitments",
            "on": on,
            "returns_until": report.returns_until,
            "by": report.side,
            "kind": data.get("kind") or None,
            "orgunit": rollup.root.code if rollup.root else None,
            "level": rollup.level,
            "results": [{**_unit(row.unit), **_commitments(row.figures)} for row in report.rows],
            "total": _commitments(report.total),
        }
        return Response(ReportCommitmentsSerializer(payload).data)


def _commitments(c: reports.Commitments) -> dict[str, Any]:
    return {
        **{name: getattr(c, name) for name in ("total", "returning", *reports.STATES)},
        **{name: int(getattr(c, name)) for name in ("cost", "due", "reimbursed", "outstanding")},
    }
