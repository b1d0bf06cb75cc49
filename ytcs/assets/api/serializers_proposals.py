"""Serializers of the investment proposal API. Units are addressed by code, equipment types by code in the current
catalogue, proposals, lines and assessments by id."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ytcs.assets import selectors_equipment, selectors_proposals
from ytcs.assets.api.serializers_equipment import TypeCodeField
from ytcs.assets.models import FundingSource, InvestmentProposal, ProposalLine, ProposalStatus, ProposalStep
from ytcs.core.api.fields import PlainChoiceField, choices_text
from ytcs.orgunits.api.serializers import UnitCodeField


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 0})
class MoneyField(serializers.DecimalField):
    """An amount in whole đồng, written and read as an integer."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 0)
        kwargs["coerce_to_string"] = False
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> int:
        return int(super().to_representation(value))


class LineTypeField(TypeCodeField):
    """A line's equipment type by code in the current catalogue; a type of an older version already on the
    proposal is accepted again under its code."""

    def to_internal_value(self, data: Any):
        code = str(data or "").strip()
        for equipment_type in self.context.get("keep_types", ()):
            if equipment_type.code == code:
                return equipment_type
        equipment_type = selectors_equipment.current_type_by_code(code)
        if equipment_type is None:
            raise serializers.ValidationError(
                _("%(code)s is not in the current equipment catalogue.") % {"code": code or "—"}
            )
        return equipment_type


class ProposalLineSerializer(serializers.ModelSerializer):
    equipment_type = LineTypeField(help_text="Code of the type in the current equipment catalogue.")
    equipment_type_name = serializers.CharField(source="equipment_type.name", read_only=True)
    unit_cost = MoneyField(min_value=0, help_text="Estimated cost of one item, in đồng.")
    funding_source = PlainChoiceField(choices=FundingSource.choices, help_text=choices_text(FundingSource.choices))

    class Meta:
        model = ProposalLine
        fields = [
            "id",
            "equipment_type",
            "equipment_type_name",
            "quantity",
            "unit_cost",
            "funding_source",
            "justification",
            "closes_gap",
            "delivered_quantity",
        ]
        read_only_fields = ["id", "delivered_quantity"]
        extra_kwargs = {"closes_gap": {"help_text": "Whether the line closes a gap against the norms."}}


class StepSerializer(serializers.ModelSerializer):
    action = PlainChoiceField(choices=ProposalStep.Action.choices, read_only=True)
    orgunit = serializers.CharField(source="orgunit.code", read_only=True, help_text="Unit acting.")
    by = serializers.CharField(source="by.username", read_only=True, allow_null=True)

    class Meta:
        model = ProposalStep
        fields = ["id", "action", "orgunit", "comment", "by", "at"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class AssessmentField(serializers.Field):
    """An assessment result by id among those the caller sees (of the proposing unit)."""

    def to_internal_value(self, data: Any):
        if data in (None, ""):
            return None
        try:
            return selectors_proposals.assessment_for(user=self.context["request"].user, pk=data)
        except Http404:
            raise serializers.ValidationError(_("Unknown assessment.")) from None

    def to_representation(self, value: Any) -> int | None:
        return value.pk if value else None


PROPOSAL_FIELDS = [
    "id",
    "orgunit",
    "orgunit_name",
    "year",
    "title",
    "justification",
    "assessment",
    "status",
    "status_display",
    "reviewer_unit",
    "line_count",
    "item_count",
    "total_cost",
    "created",
]


class ProposalSerializer(serializers.ModelSerializer):
    orgunit = serializers.CharField(source="orgunit.code", read_only=True, help_text="Code of the proposing unit.")
    orgunit_name = serializers.CharField(source="orgunit.name", read_only=True)
    assessment = serializers.IntegerField(source="assessment_id", read_only=True, allow_null=True)
    status = PlainChoiceField(
        choices=ProposalStatus.choices, read_only=True, help_text=choices_text(ProposalStatus.choices)
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    reviewer_unit = serializers.CharField(
        source="reviewer_unit.code", read_only=True, allow_null=True, help_text="Code of the unit reviewing it now."
    )
    line_count = serializers.IntegerField(read_only=True)
    item_count = serializers.IntegerField(read_only=True)
    total_cost = MoneyField(read_only=True, max_digits=20, help_text="Σ quantity × unit cost (đồng).")

    class Meta:
        model = InvestmentProposal
        fields = PROPOSAL_FIELDS
        read_only_fields = fields


class ProposalDetailSerializer(ProposalSerializer):
    lines = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()

    class Meta(ProposalSerializer.Meta):
        fields = [*PROPOSAL_FIELDS, "lines", "steps"]
        read_only_fields = fields

    @extend_schema_field(ProposalLineSerializer(many=True))
    def get_lines(self, proposal: InvestmentProposal) -> Any:
        return ProposalLineSerializer(selectors_proposals.proposal_lines(proposal=proposal), many=True).data

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, proposal: InvestmentProposal) -> Any:
        return StepSerializer(selectors_proposals.proposal_steps(proposal=proposal), many=True).data


def _line_errors(detail: Any) -> Any:
    """The errors of the lines named as the services name them: `lines.2.quantity` for the second line (DRF keys
    them by index from 0)."""
    if not isinstance(detail, dict) or not isinstance(detail.get("lines"), dict | list):
        return detail
    lines = detail["lines"]
    out = {key: value for key, value in detail.items() if key != "lines"}
    pairs = lines.items() if isinstance(lines, dict) else [(None, lines)]
    for index, errors in pairs:
        if isinstance(index, int) and isinstance(errors, dict):
            for field, messages in errors.items():
                out[f"lines.{index + 1}.{field}"] = messages
        else:
            out["lines"] = errors
    return out


class ProposalWriteSerializer(serializers.Serializer):
    """A proposal as drafted (POST) or edited (PUT/PATCH: only a draft or a returned one; the lines given replace
    the lines; fields left out keep their value)."""

    orgunit = UnitCodeField(required=False, help_text="Code of the proposing unit (on creation).")
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text="On creation.")
    title = serializers.CharField(max_length=300)
    justification = serializers.CharField()
    assessment = AssessmentField(
        required=False, allow_null=True, help_text="Id of an assessment result of the proposing unit, or null."
    )
    lines = ProposalLineSerializer(many=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(_line_errors(exc.detail)) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            errors = {name: [_("This field is required.")] for name in ("orgunit", "year") if name not in attrs}
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


class ProposalQuerySerializer(serializers.Serializer):
    box = serializers.ChoiceField(
        choices=[("mine", "mine"), ("review", "review")],
        required=False,
        help_text="mine: of the units you may change; review: waiting for you (to review, fund or deliver).",
    )
    status = serializers.ChoiceField(choices=ProposalStatus.choices, required=False)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: proposals of its whole subtree.")


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class DeliverSerializer(serializers.Serializer):
    delivered_on = serializers.DateField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    serials = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField(max_length=100)),
        required=False,
        default=dict,
        help_text='Serial numbers of the items by line id: {"12": ["SN-1", "SN-2"]}.',
    )

    def validate_serials(self, value: dict[str, list[str]]) -> dict[int, list[str]]:
        out = {}
        for key, numbers in value.items():
            if not str(key).isdigit():
                raise serializers.ValidationError(_("Give the serial numbers by line id."))
            out[int(key)] = numbers
        return out
