"""Forms of the equipment pages: the inventory filters, an item, a move, the gap table's choice of unit and level,
the catalogue import and a norm. Unit and type choices come restricted to the user's scope and to the current
catalogue; model validation runs in the services (full_clean there), on the values they will save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.assets import selectors_equipment as selectors
from ytcs.assets.models import (
    Condition,
    EquipmentCategory,
    EquipmentItem,
    EquipmentNorm,
    EquipmentType,
    FundingSource,
)
from ytcs.core.forms import DATE_FORMATS, DATE_WIDGET, date_field
from ytcs.core.querysets import CHANGE
from ytcs.orgunits.models import OrgUnit, OrgUnitKind


class _NoModelValidation:
    """Model validation runs in the service (full_clean there), on the values it will save."""

    def _post_clean(self):
        pass


class UnitLabelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.name} ({obj.code})"


class TypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.code})"


# "Working" of an item reads "in working order" (the model's label is shared with a person's state in Vietnamese).
CONDITION_CHOICES = [
    (Condition.WORKING.value, _("In working order")),
    *((value, label) for value, label in Condition.choices if value != Condition.WORKING),
]


def _all(choices) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


# ---------------------------------------------------------------------------------------------- filters


class EquipmentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    orgunit = forms.CharField(label=_("Unit (code)"), required=False, max_length=40)
    condition = forms.ChoiceField(label=_("Condition"), required=False, choices=_all(CONDITION_CHOICES))
    category = forms.ChoiceField(label=_("Equipment group"), required=False, choices=_all(EquipmentCategory.choices))
    type = forms.ChoiceField(label=_("Type"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = _all([(code, f"{name} ({code})") for code, name in selectors.type_codes()])
        self.fields["q"].widget.attrs["placeholder"] = _("Type, code, serial number or make")


class OutOfOrderFilterForm(forms.Form):
    orgunit = forms.CharField(label=_("Unit (code)"), required=False, max_length=40)
    condition = forms.ChoiceField(
        label=_("Condition"),
        required=False,
        choices=_all([(c.value, c.label) for c in selectors.OUT_OF_ORDER]),
    )
    category = forms.ChoiceField(label=_("Equipment group"), required=False, choices=_all(EquipmentCategory.choices))


class MaintenanceFilterForm(forms.Form):
    WINDOW = [("", _("Overdue or due within 30 days")), ("overdue", _("Overdue only"))]

    orgunit = forms.CharField(label=_("Unit (code)"), required=False, max_length=40)
    category = forms.ChoiceField(label=_("Equipment group"), required=False, choices=_all(EquipmentCategory.choices))
    window = forms.ChoiceField(label=_("Show"), required=False, choices=WINDOW)


class GapForm(forms.Form):
    orgunit = forms.CharField(label=_("Unit (code)"), required=False, max_length=40)
    level = forms.IntegerField(label=_("Rows: units of level"), required=False, min_value=1, max_value=6)


# ---------------------------------------------------------------------------------------------- items


class ItemForm(_NoModelValidation, forms.ModelForm):
    """An item of equipment: the unit (when recording it), its type and its state."""

    orgunit = UnitLabelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    equipment_type = TypeChoiceField(label=_("Type"), queryset=EquipmentType.objects.none())

    class Meta:
        model = EquipmentItem
        fields = [
            "orgunit",
            "equipment_type",
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
        ]

    DATES = ("last_maintained_on", "next_maintenance_on", "last_calibrated_on", "next_calibration_on", "warranty_until")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance if self.instance.pk else None
        if instance is None:
            self.fields["orgunit"].queryset = selectors.visible_units(user=user, action=CHANGE)
        else:
            del self.fields["orgunit"]
        self.fields["equipment_type"].queryset = selectors.type_choices(
            keep=instance.equipment_type if instance else None
        )
        for name in self.DATES:
            self.fields[name].widget = DATE_WIDGET
            self.fields[name].input_formats = DATE_FORMATS
        self.fields["year_in_use"].widget.attrs.update({"placeholder": "yyyy", "inputmode": "numeric"})
        self.fields["funding_source"].choices = [("", "—"), *FundingSource.choices]
        self.fields["condition"].choices = CONDITION_CHOICES

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for last, following in (
            ("last_maintained_on", "next_maintenance_on"),
            ("last_calibrated_on", "next_calibration_on"),
        ):
            if data.get(last) and data.get(following) and data[following] < data[last]:
                self.add_error(following, _("The next date cannot come before the last one."))
        return data


class MoveForm(forms.Form):
    to_unit = UnitLabelChoiceField(label=_("To unit"), queryset=OrgUnit.objects.none())
    moved_on = date_field(_("Date of the move"))
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any, item: EquipmentItem, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"moved_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = (
            selectors.visible_units(user=user, action=CHANGE)
            .exclude(pk=item.orgunit_id)
            .exclude(kind=OrgUnitKind.SATELLITE)
        )


# ---------------------------------------------------------------------------------------------- catalogue


class CatalogueImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
    make_current = forms.BooleanField(
        label=_("Make the imported version the current one"), required=False, initial=True
    )


class NormForm(_NoModelValidation, forms.ModelForm):
    equipment_type = TypeChoiceField(label=_("Type"), queryset=EquipmentType.objects.none())
    unit_kind = forms.ChoiceField(label=_("Kind of unit"), choices=OrgUnitKind.choices)

    class Meta:
        model = EquipmentNorm
        fields = ["unit_kind", "equipment_type", "quantity", "source", "confirmed"]

    def __init__(self, *args: Any, catalogue: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["equipment_type"].queryset = selectors.catalogue_types(catalogue=catalogue)
        self.fields["source"].help_text = _("The regulation the norm comes from.")
        self.fields["confirmed"].help_text = _(
            "Tick only once the value has been read in that regulation; until then the norm shows as unconfirmed."
        )
