"""Forms of the stock pages (sổ kho thuốc): receipts, issues, adjustments, transfers, the ledger filter, the
balance date and the report month. Choices come through `selectors_stock`, restricted to the viewer; the services
check quantities, dates, batches and rights again (and their errors land on these fields)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.assets import selectors_stock as selectors
from ytcs.assets.models import Medicine, StockBalance, StockKind
from ytcs.assets.stock import MAX_QUANTITY
from ytcs.core.forms import ImportForm, date_field
from ytcs.orgunits.models import OrgUnit

_MONTH = re.compile(r"^\s*(?:(\d{4})-(\d{1,2})|(\d{1,2})/(\d{4}))\s*$")


def parse_month(text: Any) -> datetime.date | None:
    """A month typed as "02/2026" or "2026-02" (what a month picker sends), as its first day; None if not one."""
    match = _MONTH.match(str(text or ""))
    if not match:
        return None
    year, month = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
    year, month = int(year), int(month)
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    return datetime.date(year, month, 1)


class MonthField(forms.CharField):
    """A month: mm/yyyy (yyyy-mm accepted)."""

    default_error_messages = {"invalid": _("Enter a month as mm/yyyy, e.g. 02/2026.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "mm/yyyy", "inputmode": "numeric"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return value.strftime("%m/%Y")
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


def medicine_label(medicine: Medicine) -> str:
    parts = (medicine.active_ingredient, medicine.strength, medicine.dosage_form)
    return " ".join(p for p in parts if p) + f" ({medicine.code})"


class MedicineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Medicine) -> str:
        return medicine_label(obj)


class BatchChoiceField(forms.ModelChoiceField):
    """A batch of the unit's stock, shown with its expiry and balance."""

    def label_from_instance(self, obj: StockBalance) -> str:
        return _("%(medicine)s · batch %(batch)s · expires %(expiry)s · %(quantity)s %(unit)s in stock") % {
            "medicine": medicine_label(obj.medicine),
            "batch": obj.batch,
            "expiry": obj.expiry_date.strftime("%d/%m/%Y"),
            "quantity": obj.quantity,
            "unit": obj.medicine.unit,
        }


def _today() -> datetime.date:
    return timezone.localdate()


class _EntryForm(forms.Form):
    """Fields every entry has: the date and an optional reason."""

    occurred_on = date_field(_("Date"))
    reason = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, user: Any, unit: OrgUnit, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("occurred_on", _today())
        super().__init__(*args, **kwargs)
        self.user, self.unit = user, unit


class ReceiveForm(_EntryForm):
    """A receipt (nhập kho): a batch of a medicine of the current list."""

    medicine = MedicineChoiceField(label=_("Medicine"), queryset=Medicine.objects.none())
    batch = forms.CharField(label=_("Batch number"), max_length=50)
    expiry_date = date_field(_("Expiry date"))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)

    field_order = ["medicine", "batch", "expiry_date", "quantity", "occurred_on", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["medicine"].queryset = selectors.receivable_medicines()
        self.fields["reason"].help_text = _("E.g. the delivery note or the supplier.")


class _BatchForm(_EntryForm):
    """An entry on a batch the unit holds."""

    in_stock_only = True
    batch = BatchChoiceField(label=_("Batch"), queryset=StockBalance.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        keep = self.data.get(self.add_prefix("batch")) if self.is_bound else None
        self.fields["batch"].queryset = selectors.batch_choices(
            user=self.user, orgunit=self.unit, in_stock=self.in_stock_only, keep=keep
        )


class IssueForm(_BatchForm):
    """An issue to patients (xuất): refused by the service when larger than the batch's balance."""

    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)

    field_order = ["batch", "quantity", "occurred_on", "reason"]


class AdjustForm(_BatchForm):
    """An adjustment (điều chỉnh) after a count, a loss or breakage, an expiry, or to correct an entry."""

    in_stock_only = False
    change = forms.IntegerField(
        label=_("Change"),
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text=_("Positive adds to the stock, negative takes out (e.g. −5 for five broken)."),
    )

    field_order = ["batch", "change", "occurred_on", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = forms.CharField(
            label=_("Reason"),
            max_length=500,
            error_messages={"required": _("Say why the stock is adjusted.")},
            help_text=_("Required: the count, the loss, the expiry or the entry corrected."),
        )

    def clean_change(self):
        change = self.cleaned_data["change"]
        if change == 0:
            raise forms.ValidationError(_("An adjustment changes the stock: enter a number other than zero."))
        return change


class TransferForm(_BatchForm):
    """A transfer (điều chuyển) of a batch to another unit; the target unit is typed by code."""

    to_unit = forms.CharField(
        label=_("To unit (code)"),
        max_length=50,
        widget=forms.TextInput(attrs={"list": "target-units", "autocomplete": "off"}),
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY)

    field_order = ["batch", "to_unit", "quantity", "occurred_on", "reason"]

    def clean_to_unit(self):
        return self.cleaned_data["to_unit"].strip()


class LedgerFilterForm(forms.Form):
    medicine = forms.TypedChoiceField(label=_("Medicine"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *StockKind.choices])
    month = MonthField(label=_("Month"), required=False)

    def __init__(self, *args, user: Any, unit: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        medicines = selectors.unit_medicines(user=user, orgunit=unit)
        self.fields["medicine"].choices = [("", _("All medicines")), *((m.pk, medicine_label(m)) for m in medicines)]


class BalanceDateForm(forms.Form):
    on = date_field(_("Balance on"), required=False)

    def clean_on(self):
        on = self.cleaned_data.get("on")
        if on and on > _today():
            raise forms.ValidationError(_("Choose today or a day before."))
        return on


class ReportMonthForm(forms.Form):
    month = MonthField(label=_("Month"))

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month > _today():
            raise forms.ValidationError(_("Choose this month or a month before."))
        return month


class MedicineSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    list = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class MedicineImportForm(ImportForm):
    """The upload of a new version of the medicine list."""

    make_current = forms.BooleanField(
        label=_("Make it the current list"),
        required=False,
        initial=True,
        help_text=_("Receipts then offer its medicines; entries already made keep the version they were made with."),
    )
