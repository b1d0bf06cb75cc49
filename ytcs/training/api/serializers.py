"""Serializers of the training API: catalogues, plans and their lines, classes and participants, sponsored training,
needs analysis. Units are addressed by code, people, plans, lines and classes by id."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ytcs.core.api.fields import PlainChoiceField, choices_text
from ytcs.orgunits.api.serializers import UnitCodeField
from ytcs.orgunits.models import OrgUnitKind
from ytcs.training.models import (
    ClassStatus,
    Course,
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
    StaffingNorm,
    TrainingClass,
    TrainingPlan,
)
from ytcs.training.rules import reimbursement_rule
from ytcs.training.selectors import course_list, line_get, plan_get_for_change
from ytcs.workforce.models import Qualification
from ytcs.workforce.selectors import competency_list, staff_get, title_list

MAX_ID = 2**63 - 1
"""Ids beyond the database's integer range are refused as values, not passed on to a query."""

MONEY = {"coerce_to_string": False}
"""Decimals as JSON numbers, not strings."""


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 0})
class MoneyField(serializers.DecimalField):
    """An amount in whole đồng, written and read as an integer."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 15)
        kwargs.setdefault("decimal_places", 0)
        kwargs["coerce_to_string"] = False
        super().__init__(**kwargs)

    def to_representation(self, value):
        return int(super().to_representation(value))


class NumbersModelSerializer(serializers.ModelSerializer):
    """Decimal model fields come out as JSON numbers; whole-đồng amounts (no decimal places) as integers."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_class is serializers.DecimalField:
            kwargs["coerce_to_string"] = False
            if model_field.decimal_places == 0:
                field_class = MoneyField
        return field_class, kwargs


def _code_field(queryset, **kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=queryset, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class SelectedByIdField(serializers.Field):
    """An object given by id and looked up through a selector that takes the caller: an unknown id, or one outside
    what the caller may see, is a validation error on the field (nothing is revealed about it)."""

    def __init__(self, getter: Callable[..., Any], *, unknown: str, **kwargs):
        self.getter = getter
        self.unknown = unknown
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not str(data).strip().isdigit():
            raise serializers.ValidationError(_("A valid integer is required."))
        if int(str(data).strip()) > MAX_ID:
            raise serializers.ValidationError(self.unknown)
        request = self.context["request"]
        try:
            return self.getter(user=request.user, pk=int(str(data).strip()))
        except Http404:
            raise serializers.ValidationError(self.unknown) from None

    def to_representation(self, value):
        return value.pk


def staff_field(**kwargs) -> SelectedByIdField:
    kwargs.setdefault("help_text", "Id of a health worker.")
    return SelectedByIdField(staff_get, unknown=gettext_lazy("Unknown health worker."), **kwargs)


def _unchangeable(instance: Any, attrs: dict[str, Any], names: tuple[str, ...]) -> None:
    """Refuse a change of a field that is set once, at creation (repeating the current value is accepted)."""
    if instance is None:
        return
    errors = {}
    for name in names:
        if name in attrs and attrs[name] != getattr(instance, name):
            errors[name] = [_("This is set when the record is created and cannot be changed.")]
    if errors:
        raise serializers.ValidationError(errors)


# ---------------------------------------------------------------------------------------------------- catalogues


class CatalogueQuerySerializer(serializers.Serializer):
    include_inactive = serializers.BooleanField(required=False, default=False, help_text="Also list retired entries.")


class CourseSerializer(NumbersModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    competency = _code_field(
        competency_list(), required=False, allow_null=True, help_text="Code of the certificate passing gives."
    )
    competency_name = serializers.CharField(source="competency.name", read_only=True, allow_null=True)
    target_titles = _code_field(
        title_list(), many=True, required=False, help_text="Codes of the professional titles the course is for."
    )
    credits = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.5"),
        required=False,
        allow_null=True,
        help_text="Continuing-training hours credited to each participant who passes.",
        **MONEY,
    )

    class Meta:
        model = Course
        fields = [
            "code",
            "name",
            "kind",
            "kind_display",
            "provider",
            "credits",
            "competency",
            "competency_name",
            "duration_days",
            "class_size",
            "unit_cost",
            "target_titles",
            "source",
            "is_active",
        ]
        # Uniqueness of code and name is checked by the service (full_clean) inside the write's transaction.
        extra_kwargs = {
            "code": {"validators": []},
            "name": {"validators": []},
        }


class NormSerializer(NumbersModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    titles = _code_field(title_list(), many=True, required=False, help_text="Codes of the titles that count.")
    candidate_titles = _code_field(
        title_list(), many=True, required=False, help_text="Codes of the titles who may be sent to the course."
    )
    competency = _code_field(
        competency_list(), required=False, allow_null=True, help_text="Certificate norms: code of the certificate."
    )
    course = _code_field(
        course_list(), required=False, allow_null=True, help_text="Code of the course that closes the gap."
    )
    course_name = serializers.CharField(source="course.name", read_only=True, allow_null=True)
    unit_kind = PlainChoiceField(
        choices=OrgUnitKind.choices,
        allow_blank=True,
        required=False,
        help_text=f"Kind of unit the norm applies to ({choices_text(OrgUnitKind.choices)}); empty: every unit.",
    )

    class Meta:
        model = StaffingNorm
        fields = [
            "code",
            "name",
            "kind",
            "kind_display",
            "unit_kind",
            "titles",
            "competency",
            "minimum",
            "course",
            "course_name",
            "candidate_titles",
            "source",
            "confirmed",
            "sort_order",
            "is_active",
        ]
        extra_kwargs = {"code": {"validators": []}, "confirmed": {"help_text": "Whether the source has been checked."}}


# ---------------------------------------------------------------------------------------------------- plans


class PlanQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    status = serializers.ChoiceField(choices=PlanStatus.choices, required=False)
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: plans of its whole subtree.")


class PlanSerializer(NumbersModelSerializer):
    orgunit = UnitCodeField(help_text="Code of the planning unit (set on creation).")
    orgunit_name = serializers.CharField(source="orgunit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    line_count = serializers.IntegerField(read_only=True)
    seat_count = serializers.IntegerField(read_only=True)
    budget_total = serializers.IntegerField(read_only=True, help_text="Sum of the lines' budgets (đồng).")

    class Meta:
        model = TrainingPlan
        fields = [
            "id",
            "orgunit",
            "orgunit_name",
            "year",
            "name",
            "status",
            "status_display",
            "from_needs",
            "adopted_on",
            "decision",
            "note",
            "line_count",
            "seat_count",
            "budget_total",
        ]
        read_only_fields = ["id", "status", "from_needs", "adopted_on"]
        # The unique name per unit and year is checked by the service (full_clean).
        validators: list = []

    def validate(self, attrs):
        _unchangeable(self.instance, attrs, ("orgunit",))
        return attrs


class PlanLineSerializer(NumbersModelSerializer):
    """A line of a plan with its plan-vs-done counts."""

    plan = SelectedByIdField(
        plan_get_for_change, unknown=gettext_lazy("Unknown plan."), help_text="Id of the plan (set on creation)."
    )
    course = _code_field(course_list(), help_text="Code of a course from the catalogue.")
    course_name = serializers.CharField(source="course.name", read_only=True)
    group = UnitCodeField(help_text="Code of the unit (usually a region) whose staff the line trains.")
    group_name = serializers.CharField(source="group.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    seat_count = serializers.IntegerField(read_only=True)
    named_count = serializers.IntegerField(read_only=True)
    class_count = serializers.IntegerField(read_only=True)
    enrolled_count = serializers.IntegerField(read_only=True)
    passed_count = serializers.IntegerField(read_only=True, help_text="Passed in completed classes.")

    class Meta:
        model = PlannedCourse
        fields = [
            "id",
            "plan",
            "course",
            "course_name",
            "group",
            "group_name",
            "provider",
            "quarter",
            "classes",
            "budget",
            "funding_source",
            "status",
            "status_display",
            "note",
            "seat_count",
            "named_count",
            "class_count",
            "enrolled_count",
            "passed_count",
        ]
        read_only_fields = ["id"]
        validators: list = []

    def validate(self, attrs):
        if self.instance is not None and "plan" in attrs and attrs["plan"].pk != self.instance.plan_id:
            raise serializers.ValidationError({"plan": [_("A line stays in its plan.")]})
        return attrs


class PlanDetailSerializer(PlanSerializer):
    status = PlainChoiceField(choices=PlanStatus.choices, read_only=True, help_text=choices_text(PlanStatus.choices))
    lines = serializers.SerializerMethodField()

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "lines"]

    @extend_schema_field(PlanLineSerializer(many=True))
    def get_lines(self, plan: TrainingPlan):
        return PlanLineSerializer(self.context["lines"], many=True, context=self.context).data


class PlanAdoptSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="Date of the adoption decision (not in the future).")
    decision = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Decision number.")


class PlanProposeSerializer(serializers.Serializer):
    orgunit = UnitCodeField(help_text="Code of the unit whose needs (whole subtree) the plan covers.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)


class SeatSerializer(NumbersModelSerializer):
    orgunit = serializers.CharField(source="orgunit.code", read_only=True)
    orgunit_name = serializers.CharField(source="orgunit.name", read_only=True)

    class Meta:
        model = PlannedSeat
        fields = ["orgunit", "orgunit_name", "seats"]
        read_only_fields = fields


class SeatSetSerializer(serializers.Serializer):
    orgunit = UnitCodeField(help_text="Code of a unit under the line's group.")
    seats = serializers.IntegerField(min_value=0, max_value=32767, help_text="0 removes the unit's seats.")


class TraineeSerializer(NumbersModelSerializer):
    line = serializers.IntegerField(source="line_id", read_only=True)
    staff = serializers.IntegerField(source="staff_id", read_only=True)
    full_name = serializers.CharField(source="staff.full_name", read_only=True)
    title = serializers.CharField(source="staff.title.code", read_only=True)
    orgunit = serializers.CharField(source="orgunit.code", read_only=True)
    orgunit_name = serializers.CharField(source="orgunit.name", read_only=True)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    norm = serializers.CharField(source="norm.code", read_only=True, allow_null=True)

    class Meta:
        model = PlannedTrainee
        fields = [
            "id",
            "line",
            "staff",
            "full_name",
            "title",
            "orgunit",
            "orgunit_name",
            "reason",
            "reason_display",
            "norm",
        ]
        read_only_fields = fields


class TraineeAddSerializer(serializers.Serializer):
    staff = staff_field()


class PlanLineDetailSerializer(PlanLineSerializer):
    status = PlainChoiceField(choices=LineStatus.choices, read_only=True, help_text=choices_text(LineStatus.choices))
    seats = serializers.SerializerMethodField()
    trainees = serializers.SerializerMethodField()

    class Meta(PlanLineSerializer.Meta):
        fields = [*PlanLineSerializer.Meta.fields, "seats", "trainees"]

    @extend_schema_field(SeatSerializer(many=True))
    def get_seats(self, line: PlannedCourse):
        return SeatSerializer(self.context["seats"], many=True).data

    @extend_schema_field(TraineeSerializer(many=True))
    def get_trainees(self, line: PlannedCourse):
        return TraineeSerializer(self.context["trainees"], many=True).data


class LineQuerySerializer(serializers.Serializer):
    plan = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Id of the plan whose lines to list.")


# ---------------------------------------------------------------------------------------------------- classes


class ClassQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text="Year of the start.")
    status = serializers.ChoiceField(choices=ClassStatus.choices, required=False)
    course = serializers.CharField(required=False, help_text="Code of a course.")
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: classes run in its whole subtree.")
    plan = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Id of the plan they were opened from."
    )
    q = serializers.CharField(required=False, help_text="Search code, name or provider; diacritics are ignored.")


class TrainingClassSerializer(NumbersModelSerializer):
    orgunit = UnitCodeField(help_text="Code of the organising unit (set on creation).")
    orgunit_name = serializers.CharField(source="orgunit.name", read_only=True)
    course = _code_field(course_list(), help_text="Code of a course from the catalogue (set on creation).")
    course_name = serializers.CharField(source="course.name", read_only=True)
    line = SelectedByIdField(
        line_get,
        unknown=gettext_lazy("Unknown plan line."),
        required=False,
        allow_null=True,
        help_text="Id of the line of an adopted plan the class carries out.",
    )
    competency = _code_field(
        competency_list(), required=False, allow_null=True, help_text="Code of the certificate passing gives."
    )
    competency_name = serializers.CharField(source="competency.name", read_only=True, allow_null=True)
    credits = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0.5"),
        required=False,
        allow_null=True,
        help_text="Credit hours posted to those who pass (default: the course's).",
        **MONEY,
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    participant_count = serializers.IntegerField(read_only=True, help_text="Enrolled, not withdrawn.")
    passed_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = TrainingClass
        fields = [
            "id",
            "code",
            "name",
            "orgunit",
            "orgunit_name",
            "course",
            "course_name",
            "line",
            "provider",
            "location",
            "starts_on",
            "ends_on",
            "capacity",
            "credits",
            "competency",
            "competency_name",
            "cost",
            "funding_source",
            "status",
            "status_display",
            "completed_on",
            "note",
            "participant_count",
            "passed_count",
        ]
        read_only_fields = ["id", "status", "completed_on"]
        # Code uniqueness is checked by the service inside the write's transaction.
        extra_kwargs = {
            "code": {"validators": [], "help_text": "Unique class code (set on creation)."},
            "name": {"required": False, "help_text": "Default: the course's name."},
        }

    def validate(self, attrs):
        if self.instance is not None and "code" in attrs and attrs["code"].strip().upper() == self.instance.code:
            attrs.pop("code")
        _unchangeable(self.instance, attrs, ("orgunit", "course", "code"))
        return attrs


class ClassCompleteSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="Completion date: on or after the last day, not in the future.")


class ClassReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the completion is undone (recorded in the history).")


class EnrolmentSerializer(NumbersModelSerializer):
    training_class = serializers.IntegerField(source="training_class_id", read_only=True)
    staff = serializers.IntegerField(source="staff_id", read_only=True)
    full_name = serializers.CharField(source="staff.full_name", read_only=True)
    title = serializers.CharField(source="staff.title.code", read_only=True)
    orgunit = serializers.CharField(source="staff.orgunit.code", read_only=True, help_text="The person's unit.")
    orgunit_name = serializers.CharField(source="staff.orgunit.name", read_only=True)
    result_display = serializers.CharField(source="get_result_display", read_only=True)
    cme_activity = serializers.IntegerField(
        source="cme_activity_id", read_only=True, allow_null=True, help_text="CME activity posted on completion."
    )
    certificate = serializers.IntegerField(
        source="certificate_id", read_only=True, allow_null=True, help_text="Certificate issued on completion."
    )

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "training_class",
            "staff",
            "full_name",
            "title",
            "orgunit",
            "orgunit_name",
            "result",
            "result_display",
            "days_attended",
            "score",
            "note",
            "cme_activity",
            "certificate",
        ]
        read_only_fields = fields


class EnrolSerializer(serializers.Serializer):
    staff = staff_field()


class EnrolmentRecordSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=EnrolmentResult.choices, required=False)
    days_attended = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=32767)
    score = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=0, max_value=100, required=False, allow_null=True, **MONEY
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


# ---------------------------------------------------------------------------------------------------- sponsorships

STATE_CHOICES = [*SponsorshipStatus.choices, ("overdue", "overdue")]


class SponsorshipQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=STATE_CHOICES, required=False, help_text="State as of today; overdue = still away past the return."
    )
    kind = serializers.ChoiceField(choices=SponsorshipKind.choices, required=False)
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: sent from or serving in its subtree.")
    q = serializers.CharField(
        required=False, help_text="Search name, CCCD, programme or institution; diacritics are ignored."
    )
    returning_before = serializers.DateField(required=False, help_text="Still away, expected back by this date.")
    staff = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Id of a health worker: their sponsorships."
    )


class UpcomingReturnsQuerySerializer(serializers.Serializer):
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: sent from or serving in its subtree.")
    months = serializers.IntegerField(required=False, min_value=1, max_value=60, help_text="Default 6.")


class SponsorshipSerializer(NumbersModelSerializer):
    orgunit = UnitCodeField(help_text="Code of the sending unit (set on creation).")
    orgunit_name = serializers.CharField(source="orgunit.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    staff = staff_field(required=False, allow_null=True)
    target_title = _code_field(title_list(), required=False, allow_null=True, help_text="Code of a title.")
    serve_unit = UnitCodeField(required=False, help_text="Code of the unit to serve (default: the sending unit).")
    serve_unit_name = serializers.CharField(source="serve_unit.name", read_only=True)
    level = PlainChoiceField(choices=Qualification.choices, help_text=choices_text(Qualification.choices))
    state = PlainChoiceField(
        choices=SponsorshipStatus.choices,
        read_only=True,
        help_text="Status as of today (a served commitment reads fulfilled).",
    )
    rule_source = serializers.SerializerMethodField(help_text="The reimbursement rule applied on a breach.")
    rule_confirmed = serializers.SerializerMethodField(help_text="Whether that rule's legal source has been checked.")

    class Meta:
        model = Sponsorship
        fields = [
            "id",
            "orgunit",
            "orgunit_name",
            "kind",
            "kind_display",
            "staff",
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
            "serve_unit_name",
            "status",
            "state",
            "returned_on",
            "commitment_ends_on",
            "breached_on",
            "breach_reason",
            "reimbursement_due",
            "reimbursement_rule",
            "reimbursed",
            "note",
            "rule_source",
            "rule_confirmed",
        ]
        read_only_fields = [
            "id",
            "status",
            "returned_on",
            "commitment_ends_on",
            "breached_on",
            "breach_reason",
            "reimbursement_due",
            "reimbursement_rule",
            "reimbursed",
        ]
        # One open sponsorship per person is checked by the service, with a message naming them.
        validators: list = []
        extra_kwargs = {
            "trainee_name": {"required": False, "help_text": "Taken from the health worker when `staff` is given."},
            "reimbursement_rule": {"help_text": "The formula worked out when the breach was recorded."},
        }

    def validate(self, attrs):
        _unchangeable(self.instance, attrs, ("orgunit",))
        return attrs

    def get_rule_source(self, sponsorship: Sponsorship) -> str:
        return reimbursement_rule().source

    def get_rule_confirmed(self, sponsorship: Sponsorship) -> bool:
        return reimbursement_rule().confirmed


class SponsorshipReturnSerializer(serializers.Serializer):
    returned_on = serializers.DateField(help_text="Day the trainee came back (not in advance).")
    staff = staff_field(required=False, help_text="Nominated student now recruited: id of their staff record.")


class SponsorshipBreachSerializer(serializers.Serializer):
    left_on = serializers.DateField(help_text="Day the person left (not in advance).")
    reason = serializers.CharField(max_length=300)


class SponsorshipReimbursedSerializer(serializers.Serializer):
    amount = MoneyField(min_value=0, help_text="Total paid back so far (đồng).")


# ---------------------------------------------------------------------------------------------------- needs


class NeedsQuerySerializer(serializers.Serializer):
    orgunit = serializers.CharField(help_text="Code of the unit whose subtree is analysed.")
    year = serializers.IntegerField(
        required=False, min_value=2000, max_value=2100, help_text="Plan year (default: next year)."
    )


class NormNeedSerializer(serializers.Serializer):
    """One norm of the needs summary: units short of it, or people short of hours."""

    code = serializers.CharField(source="norm.code")
    name = serializers.CharField(source="norm.name")
    kind = serializers.CharField(source="norm.kind")
    kind_display = serializers.CharField(source="norm.get_kind_display")
    source = serializers.CharField(source="norm.source")
    confirmed = serializers.BooleanField(source="norm.confirmed")
    course = serializers.CharField(source="norm.course.code", allow_null=True)
    units = serializers.IntegerField(help_text="Units short of a title or certificate norm.")
    missing = serializers.IntegerField(help_text="People missing in those units, after those in training.")
    in_training = serializers.IntegerField()
    people = serializers.IntegerField(help_text="People short of hours (hours and licence norms).")


class UnitGapSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    have = serializers.IntegerField()
    in_training = serializers.IntegerField()
    missing = serializers.IntegerField(help_text="People missing after those already in training.")


class PersonNeedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    title = serializers.CharField(source="title.code")
    orgunit = serializers.CharField(source="orgunit.code")
    orgunit_name = serializers.CharField(source="orgunit.name")
    credits = serializers.DecimalField(max_digits=8, decimal_places=1, **MONEY)
    required = serializers.IntegerField()
    licence_expires_on = serializers.DateField(
        source="expires_on", allow_null=True, default=None, help_text="Licence norm: the licence to renew."
    )
