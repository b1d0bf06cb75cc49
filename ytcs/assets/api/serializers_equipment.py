"""Serializers of the equipment API: the catalogue (versions, types, norms), inventory items and their moves, the
gap against the norms and its drill-down. Units are addressed by code, equipment types by code within the current
catalogue, items by id."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ytcs.assets import selectors_equipment as selectors
from ytcs.assets.models import (
    Condition,
    EquipmentCatalogue,
    EquipmentCategory,
    EquipmentItem,
    EquipmentMove,
    EquipmentNorm,
    EquipmentType,
    FundingSource,
)
from ytcs.core.api.fields import PlainChoiceField, choices_text
from ytcs.orgunits.api.serializers import UnitCodeField
from ytcs.orgunits.models import OrgUnitKind

# ---------------------------------------------------------------------------------------------- catalogue


class EquipmentTypeSerializer(serializers.ModelSerializer):
    category = PlainChoiceField(
        choices=EquipmentCategory.choices, read_only=True, help_text=choices_text(EquipmentCategory.choices)
    )
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    catalogue_version = serializers.CharField(source="catalogue.version", read_only=True)

    class Meta:
        model = EquipmentType
        fields = [
            "id",
            "code",
            "name",
            "category",
            "category_display",
            "unit_of_measure",
            "needs_calibration",
            "maintenance_months",
            "calibration_months",
            "notes",
            "catalogue",
            "catalogue_version",
        ]
        read_only_fields = fields


class EquipmentNormSerializer(serializers.ModelSerializer):
    unit_kind = PlainChoiceField(
        choices=OrgUnitKind.choices, read_only=True, help_text=choices_text(OrgUnitKind.choices)
    )
    equipment_type = serializers.CharField(source="equipment_type.code", read_only=True, help_text="Type code.")
    equipment_type_name = serializers.CharField(source="equipment_type.name", read_only=True)

    class Meta:
        model = EquipmentNorm
        fields = ["id", "unit_kind", "equipment_type", "equipment_type_name", "quantity", "source", "confirmed"]
        read_only_fields = fields
        extra_kwargs = {"confirmed": {"help_text": "Whether the source has been checked (else CHƯA XÁC NHẬN)."}}


class EquipmentCatalogueSerializer(serializers.ModelSerializer):
    type_count = serializers.IntegerField(read_only=True)
    norm_count = serializers.IntegerField(read_only=True)
    unconfirmed_count = serializers.IntegerField(read_only=True, help_text="Norms whose source is not checked.")

    class Meta:
        model = EquipmentCatalogue
        fields = [
            "id",
            "code",
            "version",
            "name",
            "source",
            "confirmed",
            "notes",
            "is_current",
            "created",
            "type_count",
            "norm_count",
            "unconfirmed_count",
        ]
        read_only_fields = fields


class EquipmentCatalogueDetailSerializer(EquipmentCatalogueSerializer):
    types = serializers.SerializerMethodField()
    norms = serializers.SerializerMethodField()

    class Meta(EquipmentCatalogueSerializer.Meta):
        fields = [*EquipmentCatalogueSerializer.Meta.fields, "types", "norms"]
        read_only_fields = fields

    @extend_schema_field(EquipmentTypeSerializer(many=True))
    def get_types(self, catalogue: EquipmentCatalogue) -> Any:
        return EquipmentTypeSerializer(
            selectors.catalogue_types(catalogue=catalogue).select_related("catalogue"), many=True
        ).data

    @extend_schema_field(EquipmentNormSerializer(many=True))
    def get_norms(self, catalogue: EquipmentCatalogue) -> Any:
        return EquipmentNormSerializer(selectors.catalogue_norms(catalogue=catalogue), many=True).data


class TypeQuerySerializer(serializers.Serializer):
    catalogue = serializers.IntegerField(
        required=False, min_value=1, help_text="Id of a catalogue version (default: current)."
    )
    category = serializers.ChoiceField(choices=EquipmentCategory.choices, required=False)
    q = serializers.CharField(required=False, help_text="Part of the name or code.")


class CatalogueImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The .xlsx of a version (as exported), with a new version number.")
    make_current = serializers.BooleanField(required=False, default=True)


class ImportErrorSerializer(serializers.Serializer):
    sheet = serializers.CharField()
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField()
    message = serializers.CharField()


class CatalogueImportResultSerializer(serializers.Serializer):
    catalogue = serializers.IntegerField(allow_null=True, help_text="Id of the new version; null when refused.")
    created = serializers.IntegerField(help_text="Types and norms created.")
    errors = ImportErrorSerializer(many=True)


class ItemImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = ImportErrorSerializer(many=True)


# ---------------------------------------------------------------------------------------------- inventory


@extend_schema_field(OpenApiTypes.STR)
class TypeCodeField(serializers.Field):
    """An equipment type given by its code in the current catalogue (an item's own type, of an older version, is
    accepted again under its code)."""

    def to_internal_value(self, data: Any) -> EquipmentType:
        code = str(data or "").strip()
        instance = getattr(self.parent, "instance", None)
        if isinstance(instance, EquipmentItem) and instance.equipment_type.code == code:
            return instance.equipment_type
        equipment_type = selectors.current_type_by_code(code)
        if equipment_type is None:
            raise serializers.ValidationError(
                _("%(code)s is not in the current equipment catalogue.") % {"code": code or "—"}
            )
        return equipment_type

    def to_representation(self, value: EquipmentType) -> str:
        return value.code


ITEM_FIELDS = [
    "id",
    "orgunit",
    "orgunit_name",
    "equipment_type",
    "equipment_type_name",
    "category",
    "serial_number",
    "model_name",
    "year_in_use",
    "funding_source",
    "condition",
    "last_maintained_on",
    "next_maintenance_on",
    "last_calibrated_on",
    "next_calibration_on",
    "warranty_until",
    "note",
    "delivered_by_proposal",
]


class EquipmentItemSerializer(serializers.ModelSerializer):
    orgunit = UnitCodeField(help_text="Code of the unit holding the item (set on creation; a move changes it).")
    orgunit_name = serializers.CharField(source="orgunit.name", read_only=True)
    equipment_type = TypeCodeField(help_text="Code of the type in the current equipment catalogue.")
    equipment_type_name = serializers.CharField(source="equipment_type.name", read_only=True)
    category = serializers.CharField(source="equipment_type.category", read_only=True)
    funding_source = PlainChoiceField(
        choices=FundingSource.choices,
        required=False,
        allow_blank=True,
        help_text=f"{choices_text(FundingSource.choices)}; empty when unknown.",
    )
    condition = PlainChoiceField(
        choices=Condition.choices, required=False, help_text=f"{choices_text(Condition.choices)} (default working)."
    )
    delivered_by_proposal = serializers.IntegerField(
        source="delivered_by.proposal_id",
        read_only=True,
        allow_null=True,
        help_text="Id of the investment proposal whose delivery recorded the item.",
    )

    class Meta:
        model = EquipmentItem
        fields = ITEM_FIELDS
        read_only_fields = ["id"]


class MoveRecordSerializer(serializers.ModelSerializer):
    from_unit = serializers.CharField(source="orgunit.code", read_only=True)
    to_unit = serializers.CharField(source="to_unit.code", read_only=True)
    moved_by = serializers.CharField(source="moved_by.username", read_only=True, allow_null=True)

    class Meta:
        model = EquipmentMove
        fields = ["id", "from_unit", "to_unit", "moved_on", "reason", "moved_by"]
        read_only_fields = fields


class EquipmentItemDetailSerializer(EquipmentItemSerializer):
    moves = serializers.SerializerMethodField()

    class Meta(EquipmentItemSerializer.Meta):
        fields = [*ITEM_FIELDS, "moves"]

    @extend_schema_field(MoveRecordSerializer(many=True))
    def get_moves(self, item: EquipmentItem) -> Any:
        request = self.context["request"]
        return MoveRecordSerializer(selectors.item_moves(user=request.user, item=item), many=True).data


class MoveSerializer(serializers.Serializer):
    to_unit = serializers.CharField(max_length=40, help_text="Code of the unit receiving the item.")
    moved_on = serializers.DateField(help_text="Date of the move (yyyy-mm-dd or dd/mm/yyyy).")
    reason = serializers.CharField(max_length=500)


class ItemQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, help_text="Type, code, serial number or make; diacritics ignored.")
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: items of its whole subtree.")
    condition = serializers.ChoiceField(choices=Condition.choices, required=False)
    category = serializers.ChoiceField(choices=EquipmentCategory.choices, required=False)
    type = serializers.CharField(required=False, help_text="Type code (any catalogue version).")


class OutOfOrderQuerySerializer(serializers.Serializer):
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: items of its whole subtree.")
    condition = serializers.ChoiceField(
        choices=[(c.value, c.label) for c in selectors.OUT_OF_ORDER],
        required=False,
        help_text="broken or under_repair.",
    )
    category = serializers.ChoiceField(choices=EquipmentCategory.choices, required=False)


class MaintenanceQuerySerializer(serializers.Serializer):
    orgunit = serializers.CharField(required=False, help_text="Code of a unit: items of its whole subtree.")
    category = serializers.ChoiceField(choices=EquipmentCategory.choices, required=False)
    overdue = serializers.BooleanField(required=False, default=False, help_text="Only what is past due.")
    days = serializers.IntegerField(
        required=False, min_value=0, max_value=366, help_text=f"Window in days (default {selectors.DUE_WINDOW_DAYS})."
    )


class MaintenanceItemSerializer(EquipmentItemSerializer):
    next_due = serializers.DateField(read_only=True, help_text="The earlier of the next maintenance and calibration.")

    class Meta(EquipmentItemSerializer.Meta):
        fields = [*ITEM_FIELDS, "next_due"]


# ---------------------------------------------------------------------------------------------- gaps


class GapQuerySerializer(serializers.Serializer):
    orgunit = serializers.CharField(required=False, help_text="Code of the unit at the top (default: your highest).")
    level = serializers.IntegerField(
        required=False, min_value=1, max_value=6, help_text="Level of the rows (default: the one below the unit)."
    )


class GapCellSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="Equipment type code.")
    units = serializers.IntegerField(help_text="Units under a norm for the type.")
    required = serializers.IntegerField(help_text="Items required by the norms.")
    short = serializers.IntegerField(help_text="Items missing in working order.")


class GapRowSerializer(serializers.Serializer):
    orgunit = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    short = serializers.IntegerField(help_text="Items missing over every type.")
    cells = GapCellSerializer(many=True)


class GapTypeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()


class GapTableSerializer(serializers.Serializer):
    orgunit = serializers.CharField(help_text="Code of the unit at the top.")
    level = serializers.IntegerField()
    catalogue = serializers.IntegerField(allow_null=True, help_text="Id of the current catalogue version.")
    types = GapTypeSerializer(many=True)
    rows = GapRowSerializer(many=True)
    totals = GapCellSerializer(many=True, help_text="Over every row: the unit at the top's roll-up.")


class GapDetailQuerySerializer(serializers.Serializer):
    orgunit = serializers.CharField(required=False, help_text="Code of the unit at the top (default: your highest).")


class GapItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    serial_number = serializers.CharField()
    condition = serializers.CharField()


class GapUnitSerializer(serializers.Serializer):
    orgunit = serializers.CharField(source="code")
    name = serializers.CharField()
    kind = serializers.CharField()
    parent = serializers.CharField(source="parent.code", allow_null=True)
    required = serializers.IntegerField()
    working = serializers.IntegerField()
    short = serializers.IntegerField()
    items = serializers.SerializerMethodField()

    @extend_schema_field(GapItemSerializer(many=True))
    def get_items(self, unit: Any) -> Any:
        return GapItemSerializer(self.context["items"].get(unit.pk, []), many=True).data
