"""Serializers of the catalogue API: entries addressed by code, their relations named by code too. Validation of
what needs the database (unique codes, expressions, values already reported) is the services' (the same refusals as
the pages); these check shapes and types."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ytcs.core.api.fields import PlainChoiceField, choices_text
from ytcs.indicators import selectors_catalogue as selectors
from ytcs.indicators.catalogue_services import Member
from ytcs.indicators.models import (
    Aggregation,
    Category,
    CategoryCombo,
    CategoryOptionCombo,
    Constant,
    DataElement,
    DataSet,
    DataSetElement,
    Indicator,
    IndicatorGroup,
    Operator,
    PeriodType,
    ValidationRule,
    ValueType,
)
from ytcs.orgunits.models import OrgUnitKind

# Unique codes are checked by the services (full_clean) inside the write's transaction.
NO_UNIQUE = {"code": {"validators": []}}


def _codes(kind: str, **kwargs: Any) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", queryset=selectors.lookup(kind), **kwargs)


def _choice(choices, help_text: str, **kwargs: Any) -> PlainChoiceField:
    return PlainChoiceField(choices=choices, help_text=f"{help_text} One of: {choices_text(choices)}.", **kwargs)


class CatalogueQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Words of the code or name, diacritics optional."
    )


class CatalogueIndicatorQuerySerializer(CatalogueQuerySerializer):
    group = _choice(IndicatorGroup.choices, "Only the indicators of this group.", required=False, allow_blank=True)


# ---------------------------------------------------------------------------------------------- disaggregation


class CatalogueCategoryOptionSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=200)


class CatalogueCategorySerializer(serializers.ModelSerializer):
    options = CatalogueCategoryOptionSerializer(
        many=True, allow_empty=False, help_text="The options in order; the option combos are regenerated from them."
    )

    class Meta:
        model = Category
        fields = ["code", "name", "options"]
        extra_kwargs = NO_UNIQUE

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if "options" in data:
            data["options"] = [(o["code"], o["name"]) for o in data["options"]]
        return data


class CatalogueOptionComboSerializer(serializers.ModelSerializer):
    options = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = CategoryOptionCombo
        fields = ["code", "name", "options"]


class CatalogueCategoryComboSerializer(serializers.ModelSerializer):
    categories = _codes(
        "category", many=True, required=False, help_text="Codes of the categories crossed (none: one total)."
    )
    option_combos = CatalogueOptionComboSerializer(many=True, read_only=True)

    class Meta:
        model = CategoryCombo
        fields = ["code", "name", "categories", "option_combos"]
        extra_kwargs = NO_UNIQUE

    def service_fields(self) -> dict[str, Any]:
        return dict(self.validated_data)


# ---------------------------------------------------------------------------------------------- data elements, sets


class CatalogueOptionComboBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CategoryOptionCombo
        fields = ["code", "name"]


class CatalogueDataElementSerializer(serializers.ModelSerializer):
    value_type = _choice(ValueType.choices, "How a value is typed and checked.", required=False)
    aggregation = _choice(Aggregation.choices, "How values add up over units and periods.", required=False)
    category_combo = _codes(
        "category_combo", required=False, help_text="Code of the disaggregation (default: none, coded 'default')."
    )
    option_combos = CatalogueOptionComboBriefSerializer(
        source="category_combo.option_combos", many=True, read_only=True
    )
    data_sets = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = DataElement
        fields = [
            "code",
            "name",
            "short_name",
            "description",
            "value_type",
            "aggregation",
            "category_combo",
            "option_combos",
            "min_value",
            "max_value",
            "source",
            "confirmed",
            "is_active",
            "data_sets",
        ]
        extra_kwargs = NO_UNIQUE

    def service_fields(self) -> dict[str, Any]:
        return dict(self.validated_data)


class CatalogueDataSetMemberSerializer(serializers.ModelSerializer):
    data_element = _codes("data_element", help_text="Code of the data element.")
    data_element_name = serializers.CharField(source="data_element.name", read_only=True)
    section = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    sort_order = serializers.IntegerField(
        min_value=0, max_value=32767, required=False, help_text="Display order (default: its place in the list)."
    )

    class Meta:
        model = DataSetElement
        fields = ["data_element", "data_element_name", "section", "sort_order"]


class CatalogueDataSetSerializer(serializers.ModelSerializer):
    period_type = _choice(PeriodType.choices, "How often it is reported.")
    unit_kinds = serializers.ListField(
        child=PlainChoiceField(choices=OrgUnitKind.choices),
        required=False,
        help_text=f"Kinds of the units that report it, among: {choices_text(OrgUnitKind.choices)}.",
    )
    members = CatalogueDataSetMemberSerializer(
        many=True, required=False, help_text="Its data elements in form order (replaces the list when given)."
    )

    class Meta:
        model = DataSet
        fields = [
            "code",
            "name",
            "description",
            "period_type",
            "unit_kinds",
            "expiry_days",
            "source",
            "confirmed",
            "is_active",
            "members",
        ]
        extra_kwargs = NO_UNIQUE

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if "members" in data:
            given = [(m.get("sort_order", n), n, m) for n, m in enumerate(data["members"])]
            data["members"] = [
                Member(m["data_element"], m.get("section", ""), order) for order, _n, m in sorted(given, key=_by_order)
            ]
        return data


def _by_order(item: tuple[int, int, Any]) -> tuple[int, int]:
    return item[0], item[1]


# ---------------------------------------------------------------------------------------------- rules, constants


class CatalogueValidationRuleSerializer(serializers.ModelSerializer):
    operator = _choice(Operator.choices, "Comparison of the left side with the right side.")
    data_sets = _codes("data_set", many=True, help_text="Codes of the data sets the rule is checked in.")

    class Meta:
        model = ValidationRule
        fields = ["code", "name", "left", "operator", "right", "instruction", "data_sets", "is_active"]
        extra_kwargs = NO_UNIQUE

    def service_fields(self) -> dict[str, Any]:
        return dict(self.validated_data)


class CatalogueConstantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Constant
        fields = ["code", "name", "value", "source", "confirmed"]
        extra_kwargs = NO_UNIQUE

    def service_fields(self) -> dict[str, Any]:
        return dict(self.validated_data)


class CatalogueIndicatorSerializer(serializers.ModelSerializer):
    group = _choice(IndicatorGroup.choices, "The group it is listed under.", required=False)

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "short_name",
            "description",
            "group",
            "numerator",
            "numerator_description",
            "denominator",
            "denominator_description",
            "factor",
            "decimals",
            "higher_is_better",
            "unit_label",
            "source",
            "confirmed",
            "sort_order",
            "is_active",
        ]
        extra_kwargs = NO_UNIQUE

    def service_fields(self) -> dict[str, Any]:
        return dict(self.validated_data)
