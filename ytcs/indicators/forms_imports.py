"""Forms of data exchange pages: upload an import, choose a template, choose an export."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ytcs.core.forms import DATE_FORMATS, DATE_WIDGET
from ytcs.indicators import exchange

STRATEGY_CHOICES = [
    (exchange.CREATE_AND_UPDATE, _("Add new values and update existing ones")),
    (exchange.CREATE, _("Only add new values (existing ones are left alone)")),
    (exchange.UPDATE, _("Only update existing values")),
    (exchange.DELETE, _("Delete the values listed in the file")),
]


class ImportUploadForm(forms.Form):
    """A dataValueSets .json file or the .xlsx template, and how to import it."""

    file = forms.FileField(
        label=_("File (.xlsx template or DHIS2 .json)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.json"}),
    )
    strategy = forms.ChoiceField(label=_("What to do"), choices=STRATEGY_CHOICES, initial=exchange.CREATE_AND_UPDATE)
    dry_run = forms.BooleanField(
        label=_("Dry run: check and count, save nothing"),
        required=False,
    )


class TemplateForm(forms.Form):
    data_set = forms.ChoiceField(label=_("Data set"))
    period = forms.CharField(
        label=_("Period to pre-fill (optional)"),
        required=False,
        max_length=8,
        help_text=_("e.g. 202501 (month), 2025Q1 (quarter), 2025 (year): one row per unit, element and option combo."),
    )

    def __init__(self, *args, data_sets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["data_set"].choices = [(ds.code, f"{ds.code} — {ds.name}") for ds in data_sets]


class ExportForm(forms.Form):
    FORMAT_CHOICES = [("xlsx", _("Excel (.xlsx, the import template)")), ("json", _("DHIS2 dataValueSets (.json)"))]

    data_set = forms.ChoiceField(label=_("Data set"))
    periods = forms.CharField(
        label=_("Periods"),
        required=False,
        max_length=2000,
        help_text=_("Separated by “;”, e.g. 202501;202502; or give the dates below."),
    )
    start = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET, input_formats=DATE_FORMATS)
    end = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET, input_formats=DATE_FORMATS)
    orgunit = forms.CharField(label=_("Unit (code)"), max_length=50)
    children = forms.BooleanField(label=_("With every unit below"), required=False, initial=True)
    fmt = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial="xlsx", widget=forms.RadioSelect)

    def __init__(self, *args, data_sets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["data_set"].choices = [(ds.code, f"{ds.code} — {ds.name}") for ds in data_sets]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("periods") and not (cleaned.get("start") and cleaned.get("end")):
            self.add_error("periods", _("Give the periods, or both dates."))
        return cleaned

    def query(self) -> dict[str, list[str]]:
        """As the dataValueSets API reads its parameters."""
        data = self.cleaned_data
        params = {
            "dataSet": [data["data_set"]],
            "orgUnit": [data["orgunit"].strip()],
            "children": ["true" if data.get("children") else "false"],
        }
        if data.get("periods"):
            params["period"] = [data["periods"]]
        else:
            params["startDate"] = [data["start"].isoformat()]
            params["endDate"] = [data["end"].isoformat()]
        return params
