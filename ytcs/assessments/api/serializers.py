"""Serializers of the assessments API: frameworks (criteria → items, pass rule, sources), assessments with their
answers and evidence, the workflow steps and the scorecard. Units are addressed by code, frameworks and
assessments by id, items by their code within the assessment's framework."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ytcs.assessments.models import Assessment, AssessmentStatus, Evidence, Framework, Item
from ytcs.assessments.selectors import framework_get
from ytcs.core.api.fields import PlainChoiceField, choices_text
from ytcs.orgunits.api.serializers import UnitCodeField

MAX_ID = 2**63 - 1
"""Ids beyond the database's integer range are refused as values, not passed on to a query."""

NUMBER = {"max_digits": 7, "decimal_places": 2, "coerce_to_string": False}
"""Points and percentages as JSON numbers, not strings."""


@extend_schema_field(OpenApiTypes.INT)
class FrameworkIdField(serializers.Field):
    """A framework given by id: an unknown id is a validation error on the field."""

    def to_internal_value(self, data):
        text = str(data).strip()
        if isinstance(data, bool) or not text.isdigit():
            raise serializers.ValidationError(_("A valid integer is required."))
        if int(text) > MAX_ID:
            raise serializers.ValidationError(_("Unknown framework."))
        try:
            return framework_get(pk=int(text))
        except Http404:
            raise serializers.ValidationError(_("Unknown framework.")) from None

    def to_representation(self, value):
        return value.pk


# ---------------------------------------------------------------------------------------------------- frameworks


class FrameworkQuerySerializer(serializers.Serializer):
    include_inactive = serializers.BooleanField(
        required=False, default=False, help_text="Also list the framework versions no longer in use."
    )


class PassRuleSerializer(serializers.Serializer):
    """The pass rule of a framework, with where it comes from and whether it was checked."""

    total_min = serializers.DecimalField(
        source="pass_total_min", allow_null=True, help_text="Minimum total (points, or index %) to pass.", **NUMBER
    )
    every_criterion_min_percent = serializers.DecimalField(
        source="pass_criterion_min_percent",
        allow_null=True,
        help_text="Each criterion must reach this % of its maximum.",
        **NUMBER,
    )
    confirmed = serializers.BooleanField(source="pass_rule_confirmed", help_text="Checked against its source.")
    source = serializers.CharField(source="pass_rule_source")


class ItemSerializer(serializers.ModelSerializer):
    type = PlainChoiceField(choices=Item._meta.get_field("type").choices, help_text="yes_no, number, choice, points")
    type_display = serializers.CharField(source="get_type_display")
    max_points = serializers.DecimalField(allow_null=True, **NUMBER)
    choices = serializers.ListField(
        child=serializers.DictField(), help_text="Choice items: code, label and the points of each choice."
    )
    thresholds = serializers.ListField(
        child=serializers.DictField(),
        help_text="Number items: the points of each threshold (`min` to reach and/or `max` not to exceed).",
    )

    class Meta:
        model = Item
        fields = [
            "code",
            "text",
            "type",
            "type_display",
            "max_points",
            "evidence_required",
            "confirmed",
            "source",
            "prefill",
            "choices",
            "thresholds",
            "unit",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "confirmed": {"help_text": "The item's text and points were checked against the source."},
            "prefill": {"help_text": "Registry fact that pre-fills the answer (empty: none)."},
        }


class CriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    max_points = serializers.DecimalField(allow_null=True, **NUMBER)
    min_points = serializers.DecimalField(allow_null=True, help_text="Minimum to pass (null: none).", **NUMBER)
    confirmed = serializers.BooleanField()
    source = serializers.CharField()
    items = ItemSerializer(many=True, source="items.all")


class FrameworkSerializer(serializers.ModelSerializer):
    scoring_display = serializers.CharField(source="get_scoring_display")
    unit_kinds = serializers.ListField(
        child=serializers.CharField(), help_text="Kinds of unit it applies to (empty: every kind)."
    )
    pass_rule = PassRuleSerializer(source="*")
    criteria_count = serializers.IntegerField()

    class Meta:
        model = Framework
        fields = [
            "id",
            "code",
            "version",
            "name",
            "source",
            "confirmed",
            "notes",
            "unit_kinds",
            "scoring",
            "scoring_display",
            "pass_rule",
            "is_active",
            "criteria_count",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "confirmed": {"help_text": "Every value was checked against the source; `notes` says what was not."}
        }


class FrameworkDetailSerializer(FrameworkSerializer):
    criteria = serializers.SerializerMethodField()

    class Meta(FrameworkSerializer.Meta):
        fields = [*FrameworkSerializer.Meta.fields, "criteria"]
        read_only_fields = fields

    @extend_schema_field(CriterionSerializer(many=True))
    def get_criteria(self, framework: Framework):
        return CriterionSerializer(self.context["criteria"], many=True).data


# ---------------------------------------------------------------------------------------------------- assessments


class AssessmentQuerySerializer(serializers.Serializer):
    framework = serializers.CharField(required=False, help_text="Code of a framework (every version).")
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    status = serializers.ChoiceField(choices=AssessmentStatus.choices, required=False)
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: assessments of its whole subtree.")
    passed = serializers.BooleanField(
        required=False, allow_null=True, help_text="Result kept at the last submission or verification."
    )


class AssessmentSerializer(serializers.ModelSerializer):
    orgunit = serializers.CharField(source="orgunit.code", help_text="Code of the assessed unit.")
    orgunit_name = serializers.CharField(source="orgunit.name")
    framework = serializers.IntegerField(source="framework_id", help_text="Id of the framework (version).")
    framework_code = serializers.CharField(source="framework.code")
    framework_version = serializers.CharField(source="framework.version")
    framework_name = serializers.CharField(source="framework.name")
    status = PlainChoiceField(choices=AssessmentStatus.choices, help_text=choices_text(AssessmentStatus.choices))
    status_display = serializers.CharField(source="get_status_display")
    total = serializers.DecimalField(
        allow_null=True, help_text="Total kept at the last submission or verification.", **NUMBER
    )
    failed_criteria = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the criteria below their minimum at that time."
    )

    class Meta:
        model = Assessment
        fields = [
            "id",
            "orgunit",
            "orgunit_name",
            "framework",
            "framework_code",
            "framework_version",
            "framework_name",
            "year",
            "status",
            "status_display",
            "total",
            "passed",
            "failed_criteria",
            "submitted_at",
            "verified_at",
            "comment",
        ]
        read_only_fields = fields
        extra_kwargs = {"passed": {"help_text": "Result kept at the last submission or verification (null: none)."}}


class AnswerRowSerializer(serializers.Serializer):
    """One item of the framework with its answer (value null while unanswered)."""

    item = serializers.CharField(help_text="Item code.")
    criterion = serializers.CharField(help_text="Criterion code.")
    text = serializers.CharField()
    type = serializers.CharField(help_text="yes_no, number, choice, points")
    max_points = serializers.DecimalField(allow_null=True, **NUMBER)
    evidence_required = serializers.BooleanField()
    value = serializers.JSONField(allow_null=True, help_text="true/false, a number, or a choice code.")
    prefilled_value = serializers.JSONField(allow_null=True, help_text="The registry's value when pre-filled.")
    prefill_source = serializers.CharField(help_text="Where the registry's value comes from (empty: not pre-filled).")
    overridden = serializers.BooleanField(help_text="The answer differs from the registry's value.")
    override_reason = serializers.CharField()
    note = serializers.CharField()


class EvidenceSerializer(serializers.ModelSerializer):
    assessment = serializers.IntegerField(source="assessment_id")
    item = serializers.CharField(source="item.code", allow_null=True, default=None, help_text="Item code, if any.")
    uploaded_by = serializers.CharField(source="uploaded_by.username", allow_null=True, default=None)
    url = serializers.SerializerMethodField(help_text="Where to download the file (scope-checked).")

    class Meta:
        model = Evidence
        fields = [
            "id",
            "assessment",
            "item",
            "original_name",
            "content_type",
            "size",
            "uploaded_by",
            "uploaded_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, evidence: Evidence) -> str:
        from django.urls import reverse

        return reverse("assessment-evidence-detail", args=[evidence.pk])


class AssessmentDetailSerializer(AssessmentSerializer):
    submitted_by = serializers.CharField(source="submitted_by.username", allow_null=True, default=None)
    verified_by = serializers.CharField(source="verified_by.username", allow_null=True, default=None)
    can_change = serializers.SerializerMethodField(help_text="The caller may answer, attach evidence and submit.")
    can_verify = serializers.SerializerMethodField(help_text="The caller may verify or return it (the level above).")
    answers = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta(AssessmentSerializer.Meta):
        fields = [
            *AssessmentSerializer.Meta.fields,
            "submitted_by",
            "verified_by",
            "can_change",
            "can_verify",
            "answers",
            "evidence",
        ]
        read_only_fields = fields

    def get_can_change(self, assessment: Assessment) -> bool:
        return self.context["can_change"]

    def get_can_verify(self, assessment: Assessment) -> bool:
        return self.context["can_verify"]

    @extend_schema_field(AnswerRowSerializer(many=True))
    def get_answers(self, assessment: Assessment):
        return AnswerRowSerializer(self.context["answers"], many=True).data

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, assessment: Assessment):
        return EvidenceSerializer(self.context["evidence"], many=True).data


class AssessmentCreateSerializer(serializers.Serializer):
    orgunit = UnitCodeField(help_text="Code of the unit to assess.")
    framework = FrameworkIdField(help_text="Id of the framework (version) to assess against.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class AnswerInputSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=30, help_text="Item code.")
    value = serializers.JSONField(
        allow_null=True,
        required=False,
        help_text="true/false, a number, or a choice code; null clears the answer. PATCH: left out keeps it.",
    )
    override_reason = serializers.CharField(
        max_length=500,
        allow_blank=True,
        required=False,
        help_text="Why the answer differs from the registry's value (required then). PATCH: left out keeps it.",
    )
    note = serializers.CharField(max_length=500, allow_blank=True, required=False)


class AnswerSheetSerializer(serializers.Serializer):
    answers = AnswerInputSerializer(many=True)


class VerifySerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, allow_blank=True, help_text="What the unit must correct.")


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A photo (JPEG, PNG) or a PDF.")
    item = serializers.CharField(
        max_length=30, required=False, allow_blank=True, help_text="Code of the item it supports (optional)."
    )


# ---------------------------------------------------------------------------------------------------- scorecard


class CriterionScoreSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    points = serializers.DecimalField(help_text="Points (index frameworks: tracers present).", **NUMBER)
    maximum = serializers.DecimalField(**NUMBER)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    answered = serializers.IntegerField()
    items = serializers.IntegerField()
    passed = serializers.BooleanField(allow_null=True, help_text="Null: the criterion has no minimum.")
    reason = serializers.CharField(help_text="Why it failed (empty when it did not).")


class ScorecardSerializer(serializers.Serializer):
    scoring = serializers.CharField(help_text="points or domain_mean")
    criteria = CriterionScoreSerializer(many=True)
    total = serializers.DecimalField(help_text="Total points, or the index (%) of a domain_mean framework.", **NUMBER)
    maximum = serializers.DecimalField(**NUMBER)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    complete = serializers.BooleanField(help_text="Every item is answered.")
    passed = serializers.BooleanField(allow_null=True, help_text="Null: the framework has no pass rule.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why it failed, the total first.")
    failed_criteria = serializers.ListField(child=serializers.CharField())
