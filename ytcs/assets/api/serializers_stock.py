"""Serializers of the medicine-list and stock-ledger API. Units are addressed by code, medicines, list versions and
ledger entries by id; dates are ISO (dd/mm/yyyy accepted on input)."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from ytcs.assets.forms_stock import parse_month
from ytcs.assets.models import Medicine, MedicineList, StockEntry, StockKind
from ytcs.core.api.fields import PlainChoiceField, choices_text
from ytcs.orgunits.models import MAX_LEVEL

MAX_ID = 2**63 - 1
"""Ids beyond the database's integer range are refused as values, not passed on to a query."""

ALERT_KINDS = (("stock_out", "stock_out"), ("below_minimum", "below_minimum"), ("expiring", "expiring"))


def _id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


# ---------------------------------------------------------------------------------------------- medicine list


class MedicineSerializer(serializers.ModelSerializer):
    medicine_list = serializers.IntegerField(source="medicine_list_id", help_text="Id of the list version.")
    list_version = serializers.CharField(source="medicine_list.version")

    class Meta:
        model = Medicine
        fields = [
            "id",
            "code",
            "active_ingredient",
            "strength",
            "dosage_form",
            "route",
            "unit",
            "insurance_covered",
            "minimum_stock",
            "medicine_list",
            "list_version",
        ]


class MedicineQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Words of the code, active ingredient, strength or form; diacritics ignored.",
    )
    list = _id_field(required=False, help_text="Id of a list version (default: the current one).")


class MedicineListSerializer(serializers.ModelSerializer):
    medicine_count = serializers.IntegerField(help_text="Medicines in this version.")

    class Meta:
        model = MedicineList
        fields = ["id", "code", "version", "name", "source", "confirmed", "is_current", "created", "medicine_count"]


class MedicineImportInSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The .xlsx file (sheets “Thông tin” and “Thuốc”, as the export).")
    make_current = serializers.BooleanField(default=True, help_text="Make the imported version the current one.")


class MedicineImportProblemSerializer(serializers.Serializer):
    sheet = serializers.CharField()
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField()
    message = serializers.CharField()


class MedicineImportOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    version = serializers.CharField()
    created = serializers.IntegerField(help_text="Medicines imported.")


class MedicineImportErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    rows = MedicineImportProblemSerializer(many=True, help_text="Each problem with its sheet, row and column.")


# ---------------------------------------------------------------------------------------------- ledger


class StockEntrySerializer(serializers.ModelSerializer):
    orgunit = serializers.CharField(source="orgunit.code", help_text="Code of the unit whose ledger it is.")
    orgunit_name = serializers.CharField(source="orgunit.name")
    medicine = serializers.IntegerField(source="medicine_id")
    medicine_code = serializers.CharField(source="medicine.code")
    medicine_name = serializers.CharField(source="medicine.active_ingredient")
    strength = serializers.CharField(source="medicine.strength")
    unit = serializers.CharField(source="medicine.unit")
    kind = PlainChoiceField(choices=StockKind.choices, help_text=choices_text(StockKind.choices))
    quantity = serializers.IntegerField(help_text="Signed: + into the stock, − out of it.")
    counterpart = serializers.CharField(
        source="counterpart.code", allow_null=True, help_text="The other unit of a transfer."
    )
    created_by = serializers.CharField(source="created_by_username")

    class Meta:
        model = StockEntry
        fields = [
            "id",
            "orgunit",
            "orgunit_name",
            "medicine",
            "medicine_code",
            "medicine_name",
            "strength",
            "unit",
            "batch",
            "expiry_date",
            "kind",
            "quantity",
            "occurred_on",
            "reason",
            "transfer",
            "counterpart",
            "created_by",
            "created",
        ]


class _MonthField(serializers.CharField):
    def to_internal_value(self, data):
        month = parse_month(super().to_internal_value(data))
        if month is None:
            raise serializers.ValidationError(_("Enter a month as YYYY-MM, e.g. 2026-02."))
        return month


class StockEntryQuerySerializer(serializers.Serializer):
    orgunit = serializers.CharField(
        required=False, allow_blank=True, help_text="Code of a unit: its entries and those of the units under it."
    )
    medicine = _id_field(required=False, help_text="Id of a medicine.")
    kind = PlainChoiceField(choices=StockKind.choices, required=False, help_text=choices_text(StockKind.choices))
    month = _MonthField(required=False, allow_blank=True, help_text="YYYY-MM: entries of that month.")
    date_from = serializers.DateField(required=False, help_text="Entries dated on or after.")
    date_to = serializers.DateField(required=False, help_text="Entries dated on or before.")


class StockTransferOutSerializer(serializers.Serializer):
    out = StockEntrySerializer(help_text="The entry taking the batch out of the sending unit.")
    received = StockEntrySerializer(help_text="The entry bringing it into the receiving unit.")


# ---------------------------------------------------------------------------------------------- writes


class _EntryInSerializer(serializers.Serializer):
    medicine = _id_field(help_text="Id of a medicine (GET /api/v1/assets/medicines/ or the unit's balances).")
    batch = serializers.CharField(max_length=50, help_text="Batch number (số lô).")
    occurred_on = serializers.DateField(required=False, help_text="Date of the movement (default: today).")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")

    def validate(self, attrs):
        attrs.setdefault("occurred_on", timezone.localdate())
        return attrs


class StockReceiptInSerializer(_EntryInSerializer):
    orgunit = serializers.CharField(max_length=50, help_text="Code of the receiving unit.")
    expiry_date = serializers.DateField(help_text="Expiry date of the batch.")
    quantity = serializers.IntegerField(help_text="How many units of the medicine (a whole number above zero).")


class StockIssueInSerializer(_EntryInSerializer):
    orgunit = serializers.CharField(max_length=50, help_text="Code of the issuing unit.")
    quantity = serializers.IntegerField(help_text="How many; refused when more than the batch holds.")


class StockAdjustmentInSerializer(_EntryInSerializer):
    orgunit = serializers.CharField(max_length=50, help_text="Code of the unit.")
    change = serializers.IntegerField(help_text="Signed: + adds to the batch, − takes out (never below zero).")
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=500, default="", help_text="Required: why the stock changes."
    )


class StockTransferInSerializer(_EntryInSerializer):
    from_unit = serializers.CharField(max_length=50, help_text="Code of the sending unit.")
    to_unit = serializers.CharField(max_length=50, help_text="Code of the receiving unit.")
    quantity = serializers.IntegerField(help_text="How many; refused when more than the batch holds.")


# ---------------------------------------------------------------------------------------------- balances


class StockBalanceQuerySerializer(serializers.Serializer):
    orgunit = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Code of a unit: its stock and that of the units under it (default: every unit in scope).",
    )
    on = serializers.DateField(
        required=False, help_text="Balances on that date, from the ledger (default: the running balances now)."
    )
    by = PlainChoiceField(
        choices=(("batch", "batch"), ("medicine", "medicine")),
        default="batch",
        help_text="batch (default): one row per unit, medicine and batch; medicine: one row per unit and medicine.",
    )

    def validate_on(self, value: datetime.date) -> datetime.date:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("Choose today or a day before."))
        return value


class StockBalanceSerializer(serializers.Serializer):
    orgunit = serializers.CharField(source="orgunit__code")
    orgunit_name = serializers.CharField(source="orgunit__name")
    medicine = serializers.IntegerField(source="medicine_id")
    medicine_code = serializers.CharField(source="medicine__code")
    medicine_name = serializers.CharField(source="medicine__active_ingredient")
    strength = serializers.CharField(source="medicine__strength")
    dosage_form = serializers.CharField(source="medicine__dosage_form")
    unit = serializers.CharField(source="medicine__unit")
    batch = serializers.CharField(allow_null=True, help_text="Null in rows per medicine.")
    expiry_date = serializers.DateField(allow_null=True, help_text="Null in rows per medicine.")
    quantity = serializers.IntegerField()
    is_out = serializers.BooleanField(
        allow_null=True, help_text="The medicine's unexpired stock at the unit is zero (running balances only)."
    )
    is_below = serializers.BooleanField(allow_null=True, help_text="Above zero but below the usual minimum.")
    is_expired = serializers.BooleanField(allow_null=True, help_text="The batch has expired with stock left.")
    is_expiring = serializers.BooleanField(allow_null=True, help_text="The batch expires within 90 days.")


# ---------------------------------------------------------------------------------------------- alerts


class StockAlertQuerySerializer(serializers.Serializer):
    orgunit = serializers.CharField(
        required=False, allow_blank=True, help_text="Code of a unit (default: the caller's own unit)."
    )
    level = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LEVEL,
        help_text="Level of the rows, below the unit's (default: the level just below it).",
    )


class StockAlertFiguresSerializer(serializers.Serializer):
    stock_outs = serializers.IntegerField(help_text="Units × medicines stocked whose unexpired balance is zero.")
    below_minimum = serializers.IntegerField(help_text="Units × medicines above zero but below the usual minimum.")
    expiring = serializers.IntegerField(help_text="Batches in stock expired or expiring within the window.")


class StockAlertRowSerializer(StockAlertFiguresSerializer):
    orgunit = serializers.CharField(source="unit.code")
    orgunit_name = serializers.CharField(source="unit.name")
    level = serializers.IntegerField(source="unit.level")


class StockAlertsSerializer(serializers.Serializer):
    orgunit = serializers.CharField(source="root.code")
    orgunit_name = serializers.CharField(source="root.name")
    level = serializers.IntegerField(allow_null=True, help_text="Level of the rows; null when none lies below.")
    today = serializers.DateField()
    days = serializers.IntegerField(help_text="The expiry window in days.")
    totals = StockAlertFiguresSerializer(help_text="The unit and every unit under it.")
    results = StockAlertRowSerializer(source="rows", many=True, help_text="One row per unit of the level.")


class StockAlertItemQuerySerializer(serializers.Serializer):
    orgunit = serializers.CharField(
        required=False, allow_blank=True, help_text="Code of a unit (default: the caller's own unit)."
    )
    kind = PlainChoiceField(choices=ALERT_KINDS, help_text=choices_text(ALERT_KINDS))


class StockAlertItemSerializer(serializers.Serializer):
    orgunit = serializers.CharField(source="orgunit__code")
    orgunit_name = serializers.CharField(source="orgunit__name")
    medicine = serializers.IntegerField(source="medicine_id")
    medicine_code = serializers.CharField(source="medicine__code")
    medicine_name = serializers.CharField(source="medicine__active_ingredient")
    strength = serializers.CharField(source="medicine__strength")
    unit = serializers.CharField(source="medicine__unit")
    unexpired = serializers.IntegerField(
        allow_null=True, help_text="Unexpired balance of the medicine (stock-outs, below minimum)."
    )
    minimum_stock = serializers.IntegerField(
        source="medicine__minimum_stock", allow_null=True, help_text="Usual minimum (below minimum)."
    )
    batch = serializers.CharField(allow_null=True, help_text="Expiring batches only.")
    expiry_date = serializers.DateField(allow_null=True, help_text="Expiring batches only.")
    quantity = serializers.IntegerField(allow_null=True, help_text="Balance of the batch (expiring batches only).")


# ---------------------------------------------------------------------------------------------- report


class StockReportQuerySerializer(serializers.Serializer):
    orgunit = serializers.CharField(help_text="Code of the unit.")
    month = _MonthField(help_text="YYYY-MM.")

    def validate_month(self, value: datetime.date) -> datetime.date:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("Choose this month or a month before."))
        return value


class StockReportRowSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="STT.")
    medicine = serializers.IntegerField(source="medicine_id")
    code = serializers.CharField()
    name = serializers.CharField(help_text="Active ingredient.")
    strength = serializers.CharField()
    dosage_form = serializers.CharField()
    unit = serializers.CharField()
    opening = serializers.IntegerField(help_text="Balance at the start of the month.")
    received = serializers.IntegerField(help_text="Receipts.")
    transferred_in = serializers.IntegerField(help_text="Transfers from other units.")
    total_in = serializers.IntegerField(help_text="received + transferred_in (nhập trong kỳ).")
    issued = serializers.IntegerField(help_text="Issues to patients.")
    transferred_out = serializers.IntegerField(help_text="Transfers to other units.")
    total_out = serializers.IntegerField(help_text="issued + transferred_out (xuất trong kỳ).")
    adjusted = serializers.IntegerField(help_text="Adjustments, signed.")
    closing = serializers.IntegerField(help_text="Balance at the end of the month.")
    nearest_expiry = serializers.DateField(
        allow_null=True, help_text="Soonest expiry among the batches in stock at the end of the month."
    )


class StockReportSerializer(serializers.Serializer):
    orgunit = serializers.CharField(source="unit.code")
    orgunit_name = serializers.CharField(source="unit.name")
    month = serializers.SerializerMethodField()
    start = serializers.DateField()
    end = serializers.DateField()
    results = StockReportRowSerializer(source="rows", many=True)

    def get_month(self, report) -> str:
        return f"{report.year:04d}-{report.month:02d}"
