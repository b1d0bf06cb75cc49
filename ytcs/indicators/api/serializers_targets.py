"""Serializers of the target API: plans (addressed by code), their targets (indicator and unit by code), the units
at risk and the printed report's content. Decimals go out as JSON numbers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from ytcs.indicators.forms_targets import YEAR_MAX, YEAR_MIN
from ytcs.indicators.models import TargetPlan
from ytcs.indicators.selectors_targets import indicator_queryset
from ytcs.indicators.target_services import MAX_ABS_VALUE
from ytcs.orgunits.api.serializers import UnitCodeField
from ytcs.orgunits.models import MAX_LEVEL

MAX_ITEMS = 10_000
"""Targets in one POST at most (a province's stations × indicators × years fit)."""


def _decimal(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=20, decimal_places=4, coerce_to_string=False, allow_null=True, **kwargs)


def _year(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX, **kwargs)


# ---------------------------------------------------------------------------------------------- plans


class TargetPlanQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, help_text="Words of the code, name or document number.")
    year = _year(required=False, help_text="Plans covering this year.")
    orgunit = serializers.CharField(
        required=False, allow_blank=True, help_text="Code of a unit: plans issued for a unit of its subtree."
    )


class TargetPlanSerializer(serializers.ModelSerializer):
    """A target plan: the document that sets target values by indicator, unit and year. `confirmed` says whether
    its values were checked against the document (false: shown as unconfirmed, CHƯA XÁC NHẬN)."""

    orgunit = UnitCodeField(help_text="Code of the unit the plan is issued for (fixed once recorded).")
    orgunit_name = serializers.CharField(source="orgunit.name", read_only=True)
    target_count = serializers.IntegerField(read_only=True, help_text="Targets of the plan the caller sees.")
    issued_on = serializers.DateField(required=False, allow_null=True, help_text="yyyy-mm-dd or dd/mm/yyyy.")

    class Meta:
        model = TargetPlan
        fields = [
            "code",
            "name",
            "orgunit",
            "orgunit_name",
            "document_number",
            "issued_by",
            "issued_on",
            "start_year",
            "end_year",
            "source",
            "confirmed",
            "notes",
            "target_count",
        ]
        # Uniqueness and the year range are checked by the service, inside the write's transaction.
        extra_kwargs = {"code": {"validators": []}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            errors = {
                name: [_("This is set when the plan is recorded and cannot be changed.")]
                for name in ("code", "orgunit")
                if name in attrs and attrs[name] != getattr(self.instance, name)
            }
            if errors:
                raise serializers.ValidationError(errors)
            attrs.pop("code", None)
            attrs.pop("orgunit", None)
        return attrs


# ---------------------------------------------------------------------------------------------- targets


class TargetPlanTargetQuerySerializer(serializers.Serializer):
    indicator = serializers.CharField(required=False, allow_blank=True, help_text="Indicator code.")
    orgunit = serializers.CharField(required=False, allow_blank=True, help_text="Unit code (that unit only).")
    year = _year(required=False)


class TargetPlanTargetSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    indicator_name = serializers.CharField(source="indicator.name")
    orgunit = serializers.CharField(source="orgunit.code")
    orgunit_name = serializers.CharField(source="orgunit.name")
    year = serializers.IntegerField()
    value = serializers.FloatField()
    applies_below = serializers.BooleanField(help_text="Also the target of each unit below without its own.")
    note = serializers.CharField()


class TargetPlanTargetInputSerializer(serializers.Serializer):
    """One target to set: `value` null removes it; without `note` the current note is kept."""

    indicator = serializers.SlugRelatedField(
        slug_field="code", queryset=indicator_queryset(), help_text="Indicator code."
    )
    orgunit = UnitCodeField(help_text="Code of the plan's unit or of a unit under it.")
    year = _year(help_text="A year of the plan.")
    value = serializers.FloatField(allow_null=True, min_value=-MAX_ABS_VALUE, max_value=MAX_ABS_VALUE)
    applies_below = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TargetPlanTargetCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    deleted = serializers.IntegerField()
    unchanged = serializers.IntegerField()


# ---------------------------------------------------------------------------------------------- at risk


class TargetAtRiskQuerySerializer(serializers.Serializer):
    plan = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Plan code (default: for each target, the most local plan that has one).",
    )
    indicator = serializers.CharField(
        required=False, allow_blank=True, help_text="Indicator code (default: every indicator with a target)."
    )
    year = _year(required=False, help_text="Year looked from (default: this year, or the plan's last).")
    level = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LEVEL, help_text="Level of the units (default: below the top)."
    )


class TargetReachedSerializer(serializers.Serializer):
    """A target as it applies to a unit."""

    value = serializers.FloatField()
    year = serializers.IntegerField()
    plan = serializers.CharField(source="plan_code")
    confirmed = serializers.BooleanField(help_text="The plan's values were checked against its document.")
    set_on = serializers.CharField(help_text="Code of the unit the target was set on.")
    inherited = serializers.BooleanField(help_text="Set on a unit above, for each unit below.")


class TargetAtRiskSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    indicator_name = serializers.CharField(source="indicator.name")
    orgunit = serializers.CharField(source="unit.code")
    orgunit_name = serializers.CharField(source="unit.name")
    level = serializers.IntegerField(source="unit.level")
    latest_year = serializers.IntegerField(source="row.latest_year", help_text="Year of the latest yearly value.")
    latest_value = _decimal(source="row.latest_value")
    slope = _decimal(source="row.slope", help_text="Least-squares trend per year of the last five yearly values.")
    projected = _decimal(
        source="row.projected", help_text="The latest value carried along the trend to the target's year."
    )
    target = TargetReachedSerializer(source="row.next_target", help_text="The next target, missed by the projection.")


# ---------------------------------------------------------------------------------------------- report


class IndicatorsReportQuerySerializer(serializers.Serializer):
    unit = serializers.CharField(help_text="Code of the unit reported on.")
    year = _year()
    plan = serializers.CharField(required=False, allow_blank=True, help_text="Code of the target plan.")
    level = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LEVEL, help_text="Level of the units at risk (default: below)."
    )
    format = serializers.ChoiceField(choices=["json", "pdf", "xlsx"], default="json", help_text="json, pdf or xlsx.")
    issuing_authority = serializers.CharField(required=False, allow_blank=True, max_length=200)
    issuing_body = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Default: the unit's name (under its parent's)."
    )
    number = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="e.g. 15/BC-SYT")
    place = serializers.CharField(required=False, allow_blank=True, max_length=100)
    date = serializers.DateField(required=False, help_text="Date of the document (default: today).")
    subject = serializers.CharField(required=False, allow_blank=True, max_length=500)
    signer_authority = serializers.CharField(required=False, allow_blank=True, max_length=100)
    signer_title = serializers.CharField(required=False, allow_blank=True, max_length=100)
    signer_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    recipients = serializers.CharField(required=False, allow_blank=True, help_text="One recipient a line.")


class IndicatorsReportUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()


class IndicatorsReportTitleSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    people = serializers.IntegerField()


class IndicatorsReportCompetencySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    stations = serializers.IntegerField()
    without = serializers.IntegerField(help_text="Stations where nobody holds a valid certificate.")


class IndicatorsReportWorkforceSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="Date the people and stations are counted on.")
    headcount = serializers.IntegerField()
    by_title = IndicatorsReportTitleSerializer(many=True)
    doctors = serializers.IntegerField()
    population = serializers.IntegerField(allow_null=True)
    doctors_per_10000 = _decimal()
    formula_confirmed = serializers.BooleanField()
    stations = serializers.IntegerField()
    stations_without_doctor = serializers.IntegerField()
    competencies = IndicatorsReportCompetencySerializer(many=True)
    licences_expiring = serializers.IntegerField(help_text="Valid licences expiring within `licence_months`.")
    licence_months = serializers.IntegerField()
    without_licence = serializers.IntegerField()
    cme_shortfall = serializers.IntegerField(help_text="People below the CME credits required.")


class IndicatorsReportCriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    failed = serializers.IntegerField(help_text="Verified units that failed the criterion.")
    percent = _decimal(help_text="Their share of the verified units.")


class IndicatorsReportAssessmentSerializer(serializers.Serializer):
    framework = serializers.CharField(source="framework.code")
    framework_name = serializers.CharField(source="framework.name")
    version = serializers.CharField(source="framework.version")
    verified = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()
    pass_rate = _decimal()
    weakest = IndicatorsReportCriterionSerializer(many=True)


class IndicatorsReportLineSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    indicator_name = serializers.CharField(source="indicator.name")
    unit_label = serializers.CharField(source="indicator.unit_label")
    previous = _decimal(help_text="Value of the year before.")
    value = _decimal(help_text="Value of the year.")
    target = TargetReachedSerializer(allow_null=True, help_text="Target of the year.")
    achieved = _decimal(help_text="% of the year's target reached.")
    next_target = TargetReachedSerializer(allow_null=True)
    slope = _decimal()
    projected = _decimal()
    at_risk = serializers.BooleanField(allow_null=True)


class IndicatorsReportAtRiskSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    orgunit = serializers.CharField(source="unit.code")
    orgunit_name = serializers.CharField(source="unit.name")
    latest_year = serializers.IntegerField(allow_null=True)
    latest_value = _decimal()
    projected = _decimal()
    target = TargetReachedSerializer(allow_null=True)


class IndicatorsReportSerializer(serializers.Serializer):
    unit = IndicatorsReportUnitSerializer()
    year = serializers.IntegerField()
    plan = serializers.CharField(source="plan_code", allow_null=True)
    unconfirmed = serializers.BooleanField(help_text="Some target comes from a plan not checked against its document.")
    workforce = IndicatorsReportWorkforceSerializer()
    assessments = IndicatorsReportAssessmentSerializer(many=True)
    indicators = IndicatorsReportLineSerializer(many=True)
    at_risk_level = serializers.IntegerField()
    at_risk = IndicatorsReportAtRiskSerializer(many=True)
    at_risk_more = serializers.IntegerField(help_text="Units at risk beyond those listed.")
