"""Forms of the target pages: a plan, the grid of one indicator's targets (units × years), the at-risk list's
filters and the printed report's settings. Unit, plan and indicator choices come restricted to the user's scope;
model validation runs in the services, on the values they save."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.core.forms import date_field
from ytcs.indicators.models import TargetPlan
from ytcs.indicators.report import DEFAULT_RECIPIENTS
from ytcs.indicators.selectors_targets import Grid, indicator_choices, plan_choices, plan_units, unit_choices
from ytcs.indicators.target_services import TargetInput, format_target, parse_target_value
from ytcs.orgunits.forms import ParentChoiceField
from ytcs.orgunits.models import MAX_LEVEL, OrgUnit

YEAR_MIN, YEAR_MAX = 2000, 2100
CHOICES_MAX = 2000


def year_field(label, *, required: bool = True, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "yyyy"}),
        **kwargs,
    )


def level_field(label=None, **kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label or _("Level of the units"),
        choices=[("", "—"), *((n, str(n)) for n in range(1, MAX_LEVEL + 1))],
        coerce=int,
        empty_value=None,
        required=False,
        **kwargs,
    )


# ---------------------------------------------------------------------------------------------- plans


class PlanFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    year = year_field(_("Covering the year"), required=False)
    orgunit = forms.CharField(label=_("Unit (code)"), required=False)


class PlanEditForm(forms.Form):
    """What a plan's managers change: its name, document, years, source and whether its values were checked."""

    name = forms.CharField(label=_("Plan name"), max_length=300)
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    issued_by = forms.CharField(label=_("Issuing authority"), max_length=200, required=False)
    issued_on = date_field(_("Issued on"), required=False)
    start_year = year_field(_("From year"))
    end_year = year_field(_("To year"))
    source = forms.CharField(label=_("Source"), max_length=500, required=False)
    confirmed = forms.BooleanField(
        label=_("Values checked against the document"),
        required=False,
        help_text=_("Leave unticked until every value has been read in the document: the plan shows as unconfirmed."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("The last year cannot come before the first year."))
        return data


class PlanForm(PlanEditForm):
    """A new plan: also the unit it is issued for and its code."""

    orgunit = ParentChoiceField(label=_("Issued for (unit)"), queryset=OrgUnit.objects.none())
    code = forms.CharField(
        label=_("Code"),
        max_length=50,
        help_text=_("Letters without diacritics, digits, '_' or '-', e.g. KH-25-2030."),
    )

    field_order = ["orgunit", "code", "name", "document_number", "issued_by", "issued_on", "start_year", "end_year"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orgunit"].queryset = plan_units(user=user)


def plan_initial(plan: TargetPlan) -> dict[str, Any]:
    return {name: getattr(plan, name) for name in PlanEditForm.base_fields}


# ---------------------------------------------------------------------------------------------- grid


@dataclass(frozen=True)
class GridCell:
    year: int
    field: forms.BoundField


@dataclass(frozen=True)
class GridRow:
    unit: OrgUnit
    below: forms.BoundField
    cells: list[GridCell]


def cell_name(unit: OrgUnit, year: int) -> str:
    return f"v_{unit.pk}_{year}"


def below_name(unit: OrgUnit) -> str:
    return f"b_{unit.pk}"


class TargetGridForm(forms.Form):
    """One text field per unit and year of the plan (blank: no target) and a "for each unit below" box per unit.
    A cell that is not a number is an error on that cell; what was typed stays."""

    def __init__(self, *args, grid: Grid, **kwargs):
        self.grid = grid
        initial = {}
        for unit in grid.units:
            initial[below_name(unit)] = grid.applies_below(unit)
            for year in grid.years:
                target = grid.targets.get((unit.pk, year))
                initial[cell_name(unit, year)] = format_target(target.value) if target else ""
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for unit in grid.units:
            self.fields[below_name(unit)] = forms.BooleanField(required=False, label=_("For each unit below"))
            for year in grid.years:
                self.fields[cell_name(unit, year)] = forms.CharField(
                    required=False,
                    max_length=40,
                    label=f"{unit.code} {year}",
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
                )
        self.cell_order: list[str] = []

    def rows(self) -> list[GridRow]:
        return [
            GridRow(
                unit=unit,
                below=self[below_name(unit)],
                cells=[GridCell(year, self[cell_name(unit, year)]) for year in self.grid.years],
            )
            for unit in self.grid.units
        ]

    def clean(self):
        data = super().clean()
        self.values: dict[str, float | None] = {}
        for unit in self.grid.units:
            for year in self.grid.years:
                name = cell_name(unit, year)
                try:
                    self.values[name] = parse_target_value(data.get(name))
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def items(self) -> list[TargetInput]:
        """Every cell of the grid as a target to set (a blank cell removes a target that was there); `cell_order`
        names each item's cell, so an error of the service lands on it."""
        items, self.cell_order = [], []
        for unit in self.grid.units:
            below = bool(self.cleaned_data.get(below_name(unit)))
            for year in self.grid.years:
                name = cell_name(unit, year)
                if name not in self.data:
                    # A row that was not on the page when it was sent (added since): left as it is.
                    continue
                items.append(TargetInput(self.grid.indicator, unit, year, self.values.get(name), below))
                self.cell_order.append(name)
        return items

    def add_service_errors(self, error: ValidationError) -> None:
        """Errors keyed "<index>.<field>" by the service, put on the cell of the item."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for key, messages in error.message_dict.items():
            index, _sep, _field = key.partition(".")
            name = self.cell_order[int(index)] if index.isdigit() and int(index) < len(self.cell_order) else None
            for message in messages:
                self.add_error(name, message)


# ---------------------------------------------------------------------------------------------- at risk


def _plan_select(user: Any) -> forms.Select:
    return forms.Select(
        choices=[("", _("The most local plan of each target"))]
        + [(p.code, f"{p.name} ({p.code})") for p in plan_choices(user=user)[:CHOICES_MAX]]
    )


class AtRiskForm(forms.Form):
    """The plan is a code looked up in the user's scope by the view (one they cannot see answers 404)."""

    plan = forms.CharField(label=_("Plan"), required=False, max_length=50)
    indicator = forms.ChoiceField(label=_("Indicator"), required=False)
    year = year_field(_("Year"), required=False)
    level = level_field()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].widget = _plan_select(user)
        self.fields["indicator"].choices = [("", _("Every indicator with a target"))] + [
            (i.code, i.name) for i in indicator_choices()
        ]


# ---------------------------------------------------------------------------------------------- report


class ReportForm(forms.Form):
    """What the printed report is about and its administrative header (Decree 30/2020/NĐ-CP). The unit and the
    plan are codes, looked up in the user's scope by the view (one outside it answers 404); blank header fields
    take the unit's names."""

    unit = forms.CharField(label=_("Unit"), max_length=50)
    year = year_field(_("Year"))
    plan = forms.CharField(label=_("Target plan"), max_length=50, required=False)
    level = level_field(_("Level of the units at risk"))
    issuing_authority = forms.CharField(
        label=_("Governing body"), max_length=200, required=False, help_text=_("e.g. UBND TỈNH QUẢNG NAM")
    )
    issuing_body = forms.CharField(
        label=_("Issuing body"), max_length=200, required=False, help_text=_("e.g. SỞ Y TẾ; blank: the unit's name")
    )
    number = forms.CharField(label=_("Document number"), max_length=100, required=False, help_text="…/BC-SYT")
    place = forms.CharField(label=_("Place"), max_length=100)
    date = date_field(_("Date"))
    subject = forms.CharField(label=_("Subject"), max_length=500, required=False)
    signer_authority = forms.CharField(
        label=_("Signing on behalf of"), max_length=100, required=False, help_text=_("e.g. KT. GIÁM ĐỐC")
    )
    signer_title = forms.CharField(label=_("Signer's title"), max_length=100, required=False)
    signer_name = forms.CharField(label=_("Signer's name"), max_length=100, required=False)
    recipients = forms.CharField(label=_("Recipients"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = [(u.code, f"{u.name} ({u.code})") for u in unit_choices(user=user)[:CHOICES_MAX]]
        self.fields["unit"].widget = forms.Select(choices=units)
        self.fields["plan"].widget = _plan_select(user)

    def clean_recipients(self) -> list[str]:
        lines = [line.strip() for line in (self.cleaned_data.get("recipients") or "").splitlines()]
        return [line for line in lines if line][:20]


def report_initial(*, unit: OrgUnit | None, today: datetime.date | None = None) -> dict[str, Any]:
    """Defaults of the report form: last year's report, issued today by the unit (under its parent's name)."""
    today = today or timezone.localdate()
    initial: dict[str, Any] = {"year": today.year - 1 if today.month < 7 else today.year, "date": today}
    initial["recipients"] = "\n".join(DEFAULT_RECIPIENTS)
    if unit is not None:
        initial["unit"] = unit.code
        initial["issuing_body"] = unit.name.upper()
        if unit.parent_id:
            initial["issuing_authority"] = unit.parent.name.upper()
    return initial
