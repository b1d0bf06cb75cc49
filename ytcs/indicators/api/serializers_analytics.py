"""Serializers of the analytics API (`/api/v1/analytics/`, `/api/v1/analytics/outlook/`): the query parameters and
the answers. Units and indicators are addressed by code, periods in DHIS2's notation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from ytcs.core.api.fields import PlainChoiceField, choices_text
from ytcs.indicators.analytics import TREND_YEARS
from ytcs.indicators.models import Indicator, IndicatorGroup, PeriodType
from ytcs.indicators.periods import MAX_YEAR, MIN_YEAR
from ytcs.indicators.targets import TargetInfo
from ytcs.orgunits.models import OrgUnit

# ---------------------------------------------------------------------------------------------- input


class AnalyticsParamsSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text="Code of the indicator, e.g. BS_10000.")
    orgunit = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Code of a unit in your scope (unknown or out of scope: 404). Default: your whole scope.",
    )
    period = serializers.CharField(
        help_text=(
            "One or more periods in DHIS2's notation separated by ';': 2025 (year), 2025Q1 (quarter), 202501 "
            "(month), e.g. 2024;2025 or 202501;202502. At most 60."
        )
    )
    level = serializers.IntegerField(
        required=False,
        help_text=(
            "Level of the row units (1 = top of the tree), at or below the unit's own level. Without it: the unit "
            "itself (without `orgunit`: the top units of your scope)."
        ),
    )
    plan = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Code of a target plan you see. Default: for each unit and year, the most local plan with a target.",
    )


class AnalyticsOutlookParamsSerializer(serializers.Serializer):
    indicator = serializers.CharField(help_text="Code of the indicator, e.g. BS_10000.")
    orgunit = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Code of a unit in your scope (unknown or out of scope: 404). Default: your whole scope.",
    )
    level = serializers.IntegerField(
        required=False, help_text="Level of the row units; without it the unit itself (as /analytics/)."
    )
    year = serializers.IntegerField(
        required=False,
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        help_text=f"Last year of the trend (the {TREND_YEARS} years up to it); default: this year.",
    )
    plan = serializers.CharField(required=False, allow_blank=True, help_text="Code of a target plan you see.")


# ---------------------------------------------------------------------------------------------- output


class AnalyticsIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    group = PlainChoiceField(choices=IndicatorGroup.choices, help_text=choices_text(IndicatorGroup.choices))
    numerator = serializers.CharField(help_text="Expression over data elements #{…}, registry figures R{…}, C{…}.")
    numerator_description = serializers.CharField()
    denominator = serializers.CharField()
    denominator_description = serializers.CharField()
    factor = serializers.IntegerField(help_text="value = numerator × factor ÷ denominator.")
    decimals = serializers.IntegerField(help_text="Values are rounded to this many decimals, halves up.")
    unit_label = serializers.CharField(help_text="e.g. %, /10.000 dân, ‰.")
    higher_is_better = serializers.BooleanField()
    source = serializers.CharField()
    confirmed = serializers.BooleanField(
        help_text="False: the formula has not been checked against its source (shown as “CHƯA XÁC NHẬN”)."
    )

    @staticmethod
    def of(indicator: Indicator) -> dict[str, Any]:
        return {name: getattr(indicator, name) for name in AnalyticsIndicatorSerializer._declared_fields}


class AnalyticsOrgUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    kind = serializers.CharField()

    @staticmethod
    def of(unit: OrgUnit) -> dict[str, Any]:
        return {"code": unit.code, "name": unit.name, "level": unit.level, "kind": unit.kind}


class AnalyticsPeriodSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="DHIS2 notation: 2025, 2025Q1, 202501.")
    label = serializers.CharField(help_text="As forms write it: 2025, Q1/2025, 01/2025.")
    type = PlainChoiceField(choices=PeriodType.choices, help_text=choices_text(PeriodType.choices))
    start = serializers.DateField()
    end = serializers.DateField()


class AnalyticsTargetSerializer(serializers.Serializer):
    value = serializers.FloatField()
    year = serializers.IntegerField()
    plan = serializers.CharField(help_text="Code of the target plan.")
    plan_name = serializers.CharField()
    confirmed = serializers.BooleanField(help_text="The plan's values were checked against its document.")
    set_on = serializers.CharField(help_text="Code of the unit the target was set on.")
    inherited = serializers.BooleanField(help_text="Set on a unit above, for each unit below it.")

    @staticmethod
    def of(target: TargetInfo | None) -> dict[str, Any] | None:
        if target is None:
            return None
        return {
            "value": target.value,
            "year": target.year,
            "plan": target.plan_code,
            "plan_name": target.plan_name,
            "confirmed": target.confirmed,
            "set_on": target.set_on,
            "inherited": target.inherited,
        }


def number(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


class AnalyticsRowSerializer(serializers.Serializer):
    orgunit = AnalyticsOrgUnitSerializer()
    period = serializers.CharField()
    value = serializers.FloatField(
        allow_null=True, help_text="numerator × factor ÷ denominator, rounded; null without data or denominator."
    )
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    target = AnalyticsTargetSerializer(allow_null=True, help_text="The unit's target for the period's year.")
    achieved_percent = serializers.FloatField(
        allow_null=True,
        help_text="value ÷ target × 100 (target ÷ value × 100 when lower is better), one decimal.",
    )
    next_target = AnalyticsTargetSerializer(
        allow_null=True, help_text="The target of the period's year or the first later one."
    )


class _PageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class AnalyticsSerializer(_PageSerializer):
    indicator = AnalyticsIndicatorSerializer()
    orgunit = serializers.CharField(allow_null=True, help_text="The unit asked about, null for the whole scope.")
    level = serializers.IntegerField(allow_null=True, help_text="Level of the row units.")
    plan = serializers.CharField(allow_null=True)
    periods = AnalyticsPeriodSerializer(many=True)
    results = AnalyticsRowSerializer(many=True, help_text="One row per unit and period, unit by unit.")


class AnalyticsYearValueSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    value = serializers.FloatField()


class AnalyticsOutlookRowSerializer(serializers.Serializer):
    orgunit = AnalyticsOrgUnitSerializer()
    years = AnalyticsYearValueSerializer(many=True, help_text="Yearly values of the trend years that have one.")
    slope = serializers.FloatField(
        allow_null=True, help_text="Least-squares change per year; null with fewer than two yearly values."
    )
    next_target = AnalyticsTargetSerializer(allow_null=True, help_text="The target of `year` or the first later.")
    projected = serializers.FloatField(
        allow_null=True,
        help_text="The latest value carried along the slope to the next target's year (the latest value itself "
        "without a slope); null without a value or a target.",
    )
    at_risk = serializers.BooleanField(
        allow_null=True, help_text="The projection misses the next target; null when it cannot be said."
    )


class AnalyticsOutlookSerializer(_PageSerializer):
    indicator = AnalyticsIndicatorSerializer()
    orgunit = serializers.CharField(allow_null=True)
    level = serializers.IntegerField(allow_null=True)
    plan = serializers.CharField(allow_null=True)
    year = serializers.IntegerField()
    trend_years = serializers.IntegerField(help_text="How many years up to `year` the trend looks at.")
    results = AnalyticsOutlookRowSerializer(many=True)
