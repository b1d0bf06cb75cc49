"""Forms of the investment proposal pages: the list filters, a proposal with its lines (a formset), a review comment
and the delivery. Unit, type and assessment choices come restricted to the user's scope and the current catalogue;
model validation runs in the services, on the values they will save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.assessments.models import Assessment
from ytcs.assets import selectors_equipment, selectors_proposals
from ytcs.assets.forms_equipment import TypeChoiceField, UnitLabelChoiceField
from ytcs.assets.models import EquipmentType, FundingSource, InvestmentProposal, ProposalStatus
from ytcs.core.forms import date_field
from ytcs.orgunits.models import OrgUnit

YEAR_MIN, YEAR_MAX = 2000, 2100


def year_field(label, *, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "yyyy"}),
    )


class ProposalFilterForm(forms.Form):
    BOXES = [("", _("All I can see")), ("mine", _("Of my units")), ("review", _("Waiting for me"))]

    box = forms.ChoiceField(label=_("Show"), required=False, choices=BOXES)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *ProposalStatus.choices])
    year = year_field(_("Year"), required=False)
    orgunit = forms.CharField(label=_("Unit (code)"), required=False, max_length=40)


class AssessmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Assessment) -> str:
        return f"{obj.orgunit.code} · {obj.framework.name} · {obj.year} ({obj.get_status_display()})"


class ProposalForm(forms.Form):
    """The head of a proposal: the proposing unit and year (set when drafting), title, justification, and the
    assessment result it answers (optional, of the proposing unit)."""

    orgunit = UnitLabelChoiceField(label=_("Proposing unit"), queryset=OrgUnit.objects.none())
    year = year_field(_("Year"))
    title = forms.CharField(label=_("Title of the proposal"), max_length=300)
    justification = forms.CharField(label=_("Justification"), widget=forms.Textarea(attrs={"rows": 4}))
    assessment = AssessmentChoiceField(
        label=_("Assessment result it answers"), queryset=Assessment.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any, proposal: InvestmentProposal | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        if proposal is None:
            units = selectors_proposals.proposal_units(user=user)
            self.fields["orgunit"].queryset = units
            self.fields["assessment"].queryset = selectors_proposals.unit_assessments(user=user, units=units)
        else:
            del self.fields["orgunit"]
            del self.fields["year"]
            self.fields["assessment"].queryset = selectors_proposals.unit_assessments(
                user=user, units=[proposal.orgunit]
            )
        self.fields["assessment"].help_text = _("Optional: an assessment of the proposing unit.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        unit = self.proposal.orgunit if self.proposal else data.get("orgunit")
        assessment = data.get("assessment")
        if assessment is not None and unit is not None and assessment.orgunit_id != unit.pk:
            self.add_error("assessment", _("Choose an assessment of the proposing unit."))
        return data


class LineForm(forms.Form):
    equipment_type = TypeChoiceField(label=_("Equipment"), queryset=EquipmentType.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=1000)
    unit_cost = forms.DecimalField(label=_("Estimated unit cost (VND)"), min_value=0, max_digits=14, decimal_places=0)
    funding_source = forms.ChoiceField(label=_("Funding source"), choices=[("", "—"), *FundingSource.choices])
    justification = forms.CharField(label=_("Justification"), max_length=500, required=False)
    closes_gap = forms.BooleanField(label=_("Closes a norm gap"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        keep = kwargs.pop("keep", None)
        super().__init__(*args, **kwargs)
        self.fields["equipment_type"].queryset = selectors_equipment.type_choices(keep=keep)
        self.fields["unit_cost"].widget.attrs.update({"inputmode": "numeric", "step": "1"})


class _LineFormSet(forms.BaseFormSet):
    def __init__(self, *args: Any, keep: list[EquipmentType] | None = None, **kwargs: Any) -> None:
        self.keep = keep or []
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        # Types of an older catalogue version already on the proposal stay acceptable.
        kwargs["keep"] = self.keep[index] if index is not None and index < len(self.keep) else None
        return kwargs

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")
        # The rows' inputs sit under the table's column headers with no <label>: name each one for screen readers.
        for field in form.fields.values():
            field.widget.attrs["aria-label"] = field.label

    def lines(self) -> list[dict[str, Any]]:
        """The filled, not deleted rows as the service takes them."""
        out = []
        for form in self.forms:
            if not form.has_changed() or (self.can_delete and self._should_delete_form(form)):
                continue
            data = dict(form.cleaned_data)
            data.pop("DELETE", None)
            out.append(data)
        return out


LineFormSet = forms.formset_factory(LineForm, formset=_LineFormSet, extra=0, can_delete=True, max_num=100)

LINE_FIELDS = ("equipment_type", "quantity", "unit_cost", "funding_source", "justification", "closes_gap")


def line_initial(line: Any) -> dict[str, Any]:
    return {name: getattr(line, name) for name in LINE_FIELDS}


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DeliverForm(forms.Form):
    """The delivery of a funded proposal: the date, a comment, and the serial numbers of each line's items (one per
    line of the box, or separated by commas)."""

    delivered_on = date_field(_("Delivered on"))
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"delivered_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"serials_{line.pk}"] = forms.CharField(
                label=_("Serial numbers: %(quantity)d × %(type)s")
                % {"quantity": line.quantity - line.delivered_quantity, "type": line.equipment_type.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        serials: dict[int, list[str]] = {}
        for line in self.lines:
            name = f"serials_{line.pk}"
            text = (data.get(name) or "").replace(",", "\n").replace(";", "\n")
            numbers = [n.strip() for n in text.splitlines() if n.strip()]
            if len(numbers) > line.quantity - line.delivered_quantity:
                self.add_error(
                    name,
                    _("%(count)d serial numbers for %(quantity)d items.")
                    % {"count": len(numbers), "quantity": line.quantity - line.delivered_quantity},
                )
            if len(set(numbers)) != len(numbers):
                self.add_error(name, _("A serial number is repeated."))
            serials[line.pk] = numbers
        data["serials"] = serials
        return data
