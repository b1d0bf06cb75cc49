"""Serializers of the supervision API. Units are addressed by code, users by username, indicators by code, everything
else by id; every reference is looked up among what the caller sees (an unknown or unseen one is a field error)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ytcs.assessments.selectors import framework_get
from ytcs.core.api.fields import PlainChoiceField, choices_text
from ytcs.orgunits.api.serializers import UnitCodeField
from ytcs.supervision import selectors
from ytcs.supervision.models import (
    Directive,
    DirectiveCategory,
    DirectiveStatus,
    DirectiveUpdate,
    Notification,
    NotificationKind,
    Obstacle,
    ObstacleAnswer,
    ObstacleKind,
    ObstacleStatus,
    SurveyArea,
    Visit,
    VisitKind,
    VisitPhoto,
    VisitStatus,
    VisitUnit,
)
from ytcs.supervision.offices import office_choices

# ---------------------------------------------------------------------------------------------- references


class _LookupField(serializers.Field):
    """A reference resolved by a selector keyed to the caller; `Http404` becomes the field's error."""

    unknown = gettext_lazy("Unknown value.")

    def find(self, user: Any, value: Any) -> Any:
        raise NotImplementedError

    def to_internal_value(self, data: Any) -> Any:
        if data in (None, ""):
            if self.allow_null:
                return None
            self.fail("null")
        try:
            return self.find(self.context["request"].user, data)
        except Http404:
            raise serializers.ValidationError(str(self.unknown)) from None


@extend_schema_field(OpenApiTypes.INT)
class _IdField(_LookupField):
    getter: Callable[..., Any]

    def find(self, user: Any, value: Any) -> Any:
        if isinstance(value, bool) or not str(value).strip().isdigit():
            raise serializers.ValidationError(_("A valid integer is required."))
        return type(self).getter(user=user, pk=value)

    def to_representation(self, value: Any) -> int | None:
        return value.pk if value is not None else None


class VisitField(_IdField):
    unknown = gettext_lazy("Unknown visit.")
    getter = staticmethod(selectors.visit_get)


class TrainingPlanField(_IdField):
    unknown = gettext_lazy("Unknown training plan.")
    getter = staticmethod(selectors.training_plan_for)


class ProposalField(_IdField):
    unknown = gettext_lazy("Unknown investment proposal.")
    getter = staticmethod(selectors.proposal_for)


class DirectiveField(_IdField):
    unknown = gettext_lazy("Unknown directive.")
    getter = staticmethod(selectors.directive_get)


@extend_schema_field(OpenApiTypes.INT)
class FrameworkField(_LookupField):
    unknown = gettext_lazy("Unknown framework.")

    def find(self, user: Any, value: Any) -> Any:
        if isinstance(value, bool) or not str(value).strip().isdigit() or len(str(value).strip()) > 18:
            raise serializers.ValidationError(_("A valid integer is required."))
        return framework_get(pk=int(str(value).strip()))

    def to_representation(self, value: Any) -> int | None:
        return value.pk if value is not None else None


@extend_schema_field(OpenApiTypes.STR)
class IndicatorField(_LookupField):
    unknown = gettext_lazy("Unknown indicator.")

    def find(self, user: Any, value: Any) -> Any:
        return selectors.indicator_for(code=value)

    def to_representation(self, value: Any) -> str | None:
        return value.code if value is not None else None


@extend_schema_field(OpenApiTypes.STR)
class TeamUserField(_LookupField):
    unknown = gettext_lazy("Unknown user.")

    def find(self, user: Any, value: Any) -> Any:
        return selectors.team_user_get(user=user, username=value)

    def to_representation(self, value: Any) -> str | None:
        return value.username if value is not None else None


class _CodeName(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


# ---------------------------------------------------------------------------------------------- visits


class VisitUnitSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="orgunit.code")
    name = serializers.CharField(source="orgunit.name")
    assessment = serializers.IntegerField(
        source="assessment_id", allow_null=True, help_text="Id of the assessment holding this unit's checklist."
    )
    assessment_status = serializers.CharField(source="assessment.status", allow_null=True, default=None)

    class Meta:
        model = VisitUnit
        fields = ["code", "name", "assessment", "assessment_status"]
        read_only_fields = fields


class TeamMemberSerializer(serializers.Serializer):
    """A member of the visiting team: a user (by username) and/or a name, and the role in the team."""

    user = TeamUserField(required=False, allow_null=True, help_text="Username of a member who has an account.")
    name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, help_text="Name (defaults to the user's full name)."
    )
    role = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="Role in the team.")


VISIT_FIELDS = [
    "id",
    "orgunit",
    "orgunit_name",
    "kind",
    "kind_display",
    "title",
    "visited_on",
    "status",
    "status_display",
    "areas",
    "areas_note",
    "framework",
    "findings",
    "unit_count",
    "directive_count",
    "photo_count",
    "created_by",
    "created",
]


class VisitSerializer(serializers.ModelSerializer):
    orgunit = serializers.CharField(source="orgunit.code", help_text="Code of the lead unit.")
    orgunit_name = serializers.CharField(source="orgunit.name")
    kind = PlainChoiceField(choices=VisitKind.choices, help_text=choices_text(VisitKind.choices))
    kind_display = serializers.CharField(source="get_kind_display")
    status = PlainChoiceField(choices=VisitStatus.choices, help_text=choices_text(VisitStatus.choices))
    status_display = serializers.CharField(source="get_status_display")
    areas = serializers.ListField(child=serializers.CharField(), help_text=choices_text(SurveyArea.choices))
    framework = serializers.IntegerField(source="framework_id", allow_null=True, help_text="Checklist framework id.")
    unit_count = serializers.IntegerField()
    directive_count = serializers.IntegerField()
    photo_count = serializers.IntegerField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)

    class Meta:
        model = Visit
        fields = VISIT_FIELDS
        read_only_fields = fields


class VisitDetailSerializer(VisitSerializer):
    units = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()

    class Meta(VisitSerializer.Meta):
        fields = [*VISIT_FIELDS, "units", "team"]
        read_only_fields = fields

    @extend_schema_field(VisitUnitSerializer(many=True))
    def get_units(self, visit: Visit) -> Any:
        return VisitUnitSerializer(selectors.visit_units(visit=visit), many=True).data

    @extend_schema_field(TeamMemberSerializer(many=True))
    def get_team(self, visit: Visit) -> Any:
        return [
            {"user": m.user.username if m.user else None, "name": m.name, "role": m.role}
            for m in selectors.visit_team(visit=visit)
        ]


class VisitWriteSerializer(serializers.Serializer):
    """A visit as recorded (POST) or changed (PUT/PATCH: fields left out keep their value; `units` and `team`, when
    given, replace the lists). The lead unit is set on creation."""

    orgunit = UnitCodeField(required=False, help_text="Code of the lead unit (on creation).")
    kind = serializers.ChoiceField(choices=VisitKind.choices, required=False)
    title = serializers.CharField(max_length=300)
    visited_on = serializers.DateField()
    status = serializers.ChoiceField(choices=VisitStatus.choices, required=False)
    areas = serializers.ListField(
        child=serializers.ChoiceField(choices=SurveyArea.choices), required=False, help_text="Areas surveyed."
    )
    areas_note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    framework = FrameworkField(required=False, allow_null=True, help_text="Id of the checklist framework, or null.")
    findings = serializers.CharField(required=False, allow_blank=True)
    units = serializers.ListField(
        child=UnitCodeField(), required=False, help_text="Codes of the units visited (the lead unit or under it)."
    )
    team = TeamMemberSerializer(many=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and "orgunit" not in attrs:
            raise serializers.ValidationError({"orgunit": [_("This field is required.")]})
        return attrs


class PhotoSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", allow_null=True, default=None)

    class Meta:
        model = VisitPhoto
        fields = ["id", "original_name", "content_type", "size", "caption", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class PhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A photo, JPEG or PNG.")
    caption = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class VisitQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, help_text="Words of the title or findings (diacritics ignored).")
    kind = serializers.ChoiceField(choices=VisitKind.choices, required=False)
    status = serializers.ChoiceField(choices=VisitStatus.choices, required=False)
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: visits led by or to its subtree.")
    lead = serializers.CharField(required=False, help_text="Code of a unit: visits led by its subtree.")
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


# ---------------------------------------------------------------------------------------------- directives


class DirectiveUpdateSerializer(serializers.ModelSerializer):
    from_status = PlainChoiceField(choices=DirectiveStatus.choices)
    to_status = PlainChoiceField(choices=DirectiveStatus.choices)
    by = serializers.CharField(source="by.username", allow_null=True, default=None)
    evidence = serializers.SerializerMethodField(help_text="Where to download the evidence, when a file is attached.")

    class Meta:
        model = DirectiveUpdate
        fields = ["id", "from_status", "to_status", "note", "evidence", "evidence_name", "evidence_type", "by", "at"]
        read_only_fields = fields

    def get_evidence(self, update: DirectiveUpdate) -> str | None:
        from django.urls import reverse

        return reverse("supervision-directive-evidence", args=[update.pk]) if update.evidence else None


DIRECTIVE_FIELDS = [
    "id",
    "visit",
    "source_text",
    "issuer_unit",
    "issuer_unit_name",
    "issued_by",
    "issued_on",
    "orgunit",
    "orgunit_name",
    "title",
    "details",
    "category",
    "category_display",
    "due_on",
    "evidence_required",
    "status",
    "status_display",
    "is_overdue",
    "is_due_soon",
    "accepted_by",
    "accepted_at",
    "training_plan",
    "investment_proposal",
    "indicator",
    "update_count",
    "created",
]


class DirectiveSerializer(serializers.ModelSerializer):
    visit = serializers.IntegerField(source="visit_id", allow_null=True)
    issuer_unit = serializers.CharField(source="issuer_unit.code", help_text="Code of the issuing unit.")
    issuer_unit_name = serializers.CharField(source="issuer_unit.name")
    issued_by = serializers.CharField(source="issued_by.username", allow_null=True, default=None)
    orgunit = serializers.CharField(source="orgunit.code", help_text="Code of the responsible unit.")
    orgunit_name = serializers.CharField(source="orgunit.name")
    category = PlainChoiceField(choices=DirectiveCategory.choices, help_text=choices_text(DirectiveCategory.choices))
    category_display = serializers.CharField(source="get_category_display")
    status = PlainChoiceField(choices=DirectiveStatus.choices, help_text=choices_text(DirectiveStatus.choices))
    status_display = serializers.CharField(source="get_status_display")
    is_overdue = serializers.BooleanField(help_text="Open or in progress and past the due date.")
    is_due_soon = serializers.BooleanField(help_text="Open or in progress and due within the coming days.")
    accepted_by = serializers.CharField(source="accepted_by.username", allow_null=True, default=None)
    training_plan = serializers.IntegerField(source="training_plan_id", allow_null=True)
    investment_proposal = serializers.IntegerField(source="investment_proposal_id", allow_null=True)
    indicator = serializers.CharField(source="indicator.code", allow_null=True, default=None)
    update_count = serializers.IntegerField()

    class Meta:
        model = Directive
        fields = DIRECTIVE_FIELDS
        read_only_fields = fields


class DirectiveDetailSerializer(DirectiveSerializer):
    updates = serializers.SerializerMethodField()

    class Meta(DirectiveSerializer.Meta):
        fields = [*DIRECTIVE_FIELDS, "updates"]
        read_only_fields = fields

    @extend_schema_field(DirectiveUpdateSerializer(many=True))
    def get_updates(self, directive: Directive) -> Any:
        return DirectiveUpdateSerializer(selectors.directive_updates(directive=directive), many=True).data


class DirectiveWriteSerializer(serializers.Serializer):
    """A directive as issued (POST: `orgunit`, `title`, `due_on`, `evidence_required`, and a `visit` or a
    `source_text`; the issuing unit is the visit's lead unit unless `issuer_unit` is given) or corrected by its
    issuer (PATCH/PUT: fields left out keep their value; the units and the visit stay)."""

    visit = VisitField(required=False, allow_null=True, help_text="Id of the visit it comes from.")
    source_text = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="The meeting or conference it comes from."
    )
    issuer_unit = UnitCodeField(required=False, help_text="Code of the issuing unit (default: the visit's lead unit).")
    orgunit = UnitCodeField(required=False, help_text="Code of the responsible unit (on creation).")
    issued_on = serializers.DateField(required=False, help_text="Default: today.")
    title = serializers.CharField(max_length=300)
    details = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=DirectiveCategory.choices, required=False)
    due_on = serializers.DateField()
    evidence_required = serializers.CharField(max_length=500, help_text="How completion is evidenced.")
    training_plan = TrainingPlanField(required=False, allow_null=True, help_text="Id of a training plan.")
    investment_proposal = ProposalField(required=False, allow_null=True, help_text="Id of an investment proposal.")
    indicator = IndicatorField(required=False, allow_null=True, help_text="Code of the indicator it should move.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and "orgunit" not in attrs:
            raise serializers.ValidationError({"orgunit": [_("This field is required.")]})
        return attrs


class DirectiveProgressSerializer(serializers.Serializer):
    """A report of the responsible unit (JSON, or multipart with a file)."""

    status = serializers.ChoiceField(
        choices=[(s, s) for s in (DirectiveStatus.OPEN, DirectiveStatus.IN_PROGRESS, DirectiveStatus.DONE)],
        help_text="in_progress to start, done when finished (with a note or a file), or the current state for a "
        "progress note.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.FileField(required=False, allow_null=True, help_text="A photo (JPEG, PNG) or a PDF.")
    training_plan = TrainingPlanField(required=False, allow_null=True, help_text="Id of a training plan.")
    investment_proposal = ProposalField(required=False, allow_null=True, help_text="Id of an investment proposal.")
    indicator = IndicatorField(required=False, allow_null=True, help_text="Code of an indicator.")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DirectiveQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DirectiveStatus.choices, required=False)
    category = serializers.ChoiceField(choices=DirectiveCategory.choices, required=False)
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: directives to its subtree.")
    issuer = serializers.CharField(required=False, help_text="Code of a unit: directives issued by its subtree.")
    visit = serializers.IntegerField(required=False, min_value=1)
    q = serializers.CharField(required=False, help_text="Words of the title or details (diacritics ignored).")
    overdue = serializers.BooleanField(required=False, default=None, allow_null=True, help_text="Pending, past due.")
    due_soon = serializers.BooleanField(
        required=False, default=None, allow_null=True, help_text="Pending and due within the coming days."
    )
    pending = serializers.BooleanField(required=False, default=None, allow_null=True, help_text="Open or in progress.")
    unclosed = serializers.BooleanField(required=False, default=None, allow_null=True, help_text="Not accepted yet.")
    age = serializers.ChoiceField(
        choices=[(name, name) for name, _low, _high in selectors.AGE_BUCKETS],
        required=False,
        help_text="Unclosed and issued 0-30, 31-90 or more than 90 days ago.",
    )
    box = serializers.ChoiceField(
        choices=[("mine", "mine"), ("to_accept", "to_accept")],
        required=False,
        help_text="mine: to units you may change; to_accept: done, waiting for your acceptance.",
    )


class FollowUpRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    pending = serializers.IntegerField(help_text="Open or in progress.")
    overdue = serializers.IntegerField()
    due_soon = serializers.IntegerField()
    awaiting = serializers.IntegerField(help_text="Done, waiting for acceptance.")


class UnitQuerySerializer(serializers.Serializer):
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: only its subtree.")


class BoardRowSerializer(serializers.Serializer):
    unit = _CodeName(allow_null=True, help_text="The region (or, for directives to the root itself, the root).")
    age_0_30 = serializers.IntegerField(help_text="Issued 0–30 days ago.")
    age_31_90 = serializers.IntegerField(help_text="Issued 31–90 days ago.")
    age_over_90 = serializers.IntegerField(help_text="Issued more than 90 days ago.")
    overdue = serializers.IntegerField()
    awaiting = serializers.IntegerField(help_text="Done, waiting for acceptance.")
    total = serializers.IntegerField()


class BoardSerializer(serializers.Serializer):
    root = _CodeName(allow_null=True)
    rows = BoardRowSerializer(many=True)
    totals = BoardRowSerializer()


def board_data(board: selectors.Board) -> dict[str, Any]:
    def row(r: selectors.BoardRow) -> dict[str, Any]:
        return {
            "unit": {"code": r.unit.code, "name": r.unit.name} if r.unit else None,
            "age_0_30": r.buckets["0-30"],
            "age_31_90": r.buckets["31-90"],
            "age_over_90": r.buckets["90+"],
            "overdue": r.overdue,
            "awaiting": r.awaiting,
            "total": r.total,
        }

    return {
        "root": {"code": board.root.code, "name": board.root.name} if board.root else None,
        "rows": [row(r) for r in board.rows],
        "totals": row(board.totals),
    }


# ---------------------------------------------------------------------------------------------- obstacles


class AnswerSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", allow_null=True, default=None)
    by_name = serializers.SerializerMethodField()

    class Meta:
        model = ObstacleAnswer
        fields = ["id", "body", "by", "by_name", "at"]
        read_only_fields = fields

    def get_by_name(self, answer: ObstacleAnswer) -> str | None:
        return (answer.by.full_name or answer.by.username) if answer.by else None


OBSTACLE_FIELDS = [
    "id",
    "orgunit",
    "orgunit_name",
    "kind",
    "kind_display",
    "subject",
    "body",
    "office",
    "office_display",
    "status",
    "status_display",
    "directive",
    "sent_by",
    "sent_at",
    "resolved_by",
    "resolved_at",
    "answer_count",
    "last_answer_at",
]


class ObstacleSerializer(serializers.ModelSerializer):
    orgunit = serializers.CharField(source="orgunit.code", help_text="Code of the sending unit.")
    orgunit_name = serializers.CharField(source="orgunit.name")
    kind = PlainChoiceField(choices=ObstacleKind.choices, help_text=choices_text(ObstacleKind.choices))
    kind_display = serializers.CharField(source="get_kind_display")
    office = PlainChoiceField(choices=office_choices(), help_text=choices_text(office_choices()))
    office_display = serializers.CharField(source="get_office_display")
    status = PlainChoiceField(choices=ObstacleStatus.choices, help_text=choices_text(ObstacleStatus.choices))
    status_display = serializers.CharField(source="get_status_display")
    directive = serializers.IntegerField(source="directive_id", allow_null=True)
    sent_by = serializers.CharField(source="sent_by.username", allow_null=True, default=None)
    resolved_by = serializers.CharField(source="resolved_by.username", allow_null=True, default=None)
    answer_count = serializers.IntegerField()
    last_answer_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = Obstacle
        fields = OBSTACLE_FIELDS
        read_only_fields = fields


class ObstacleDetailSerializer(ObstacleSerializer):
    answers = serializers.SerializerMethodField()

    class Meta(ObstacleSerializer.Meta):
        fields = [*OBSTACLE_FIELDS, "answers"]
        read_only_fields = fields

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, obstacle: Obstacle) -> Any:
        return AnswerSerializer(selectors.obstacle_answers(obstacle=obstacle), many=True).data


class ObstacleWriteSerializer(serializers.Serializer):
    orgunit = UnitCodeField(help_text="Code of the sending unit.")
    kind = serializers.ChoiceField(choices=ObstacleKind.choices, required=False)
    subject = serializers.CharField(max_length=300)
    body = serializers.CharField()
    office = serializers.ChoiceField(choices=office_choices(), help_text="The Department office it is for.")
    directive = DirectiveField(required=False, allow_null=True, help_text="Id of the directive it concerns.")


class AnswerWriteSerializer(serializers.Serializer):
    body = serializers.CharField(help_text="The answer.")


class ObstacleQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ObstacleStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=ObstacleKind.choices, required=False)
    office = serializers.ChoiceField(choices=office_choices(), required=False)
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: sent by its subtree.")
    directive = serializers.IntegerField(required=False, min_value=1)
    q = serializers.CharField(required=False, help_text="Words of the subject or content (diacritics ignored).")
    box = serializers.ChoiceField(
        choices=[("mine", "mine"), ("to_answer", "to_answer")],
        required=False,
        help_text="mine: sent by units you may change; to_answer: unresolved, for the Department you answer for.",
    )


# ---------------------------------------------------------------------------------------------- notifications


class NotificationSerializer(serializers.ModelSerializer):
    kind = PlainChoiceField(choices=NotificationKind.choices, help_text=choices_text(NotificationKind.choices))
    text = serializers.CharField(help_text="What happened, in the reader's language.")

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "link", "directive", "obstacle", "created", "read_at"]
        read_only_fields = fields


class NotificationQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="Only those not read yet.")


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were marked read.")


# ---------------------------------------------------------------------------------------------- timeline


class TimelineEventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[(k, k) for k in selectors.TIMELINE_KINDS], help_text=", ".join(selectors.TIMELINE_KINDS)
    )
    at = serializers.DateTimeField(help_text="When (a date without a time counts as the start of its day).")
    id = serializers.IntegerField(allow_null=True, help_text="Id of the record (none for grouped data changes).")
    title = serializers.CharField()
    status = serializers.CharField(allow_blank=True)
    detail = serializers.CharField(allow_blank=True)


class TimelineQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=50)
    kind = serializers.MultipleChoiceField(
        choices=[(k, k) for k in selectors.TIMELINE_KINDS], required=False, help_text="Only these kinds (repeatable)."
    )


class TimelinePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = TimelineEventSerializer(many=True)
