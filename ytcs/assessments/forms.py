"""Forms of the assessment pages: the list filter, a new assessment, the answer to one item, evidence uploads and
the verifier's comment. Unit and framework choices come through the selectors, restricted to the viewer; the rules
themselves (framework applies to the unit, override needs a reason, file type and size) are checked again by the
services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.assessments import selectors
from ytcs.assessments.models import Answer, AssessmentStatus, Framework, Item, ItemType
from ytcs.assessments.scoring import fmt
from ytcs.orgunits.forms import ParentChoiceField
from ytcs.orgunits.models import OrgUnit
from ytcs.workforce.forms import changeable_units

YES, NO = "yes", "no"


# ---------------------------------------------------------------------------------------------------- the list


class AssessmentFilterForm(forms.Form):
    framework = forms.ChoiceField(label=_("Framework"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *AssessmentStatus.choices])
    orgunit = forms.CharField(label=_("Unit (code)"), required=False)
    passed = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[("", _("All")), (YES, _("Passed")), (NO, _("Not passed"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes: dict[str, str] = {}
        for code, name in selectors.framework_list(include_inactive=True).values_list("code", "name"):
            codes.setdefault(code, name)  # the newest version's name (frameworks are ordered code, -version)
        self.fields["framework"].choices = [("", _("All frameworks")), *codes.items()]

    def selector_filters(self) -> dict[str, Any]:
        """The valid filters in the form `selectors.assessment_list` takes."""
        from ytcs.core.forms import valid_filters

        filters = valid_filters(self)
        if "orgunit" in filters:
            filters["orgunit"] = filters["orgunit"].strip()
        if "passed" in filters:
            filters["passed"] = filters["passed"] == YES
        return {key: value for key, value in filters.items() if value not in (None, "")}


# ---------------------------------------------------------------------------------------------------- a new one


def framework_applies(framework: Framework, unit: OrgUnit | None) -> bool:
    return unit is None or not framework.unit_kinds or unit.kind in framework.unit_kinds


class FrameworkChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Framework) -> str:
        return f"{obj.name} ({obj.version})"


class AssessmentCreateForm(forms.Form):
    """A unit the user may change, an active framework that applies to units of its kind, and the year."""

    orgunit = ParentChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    framework = FrameworkChoiceField(label=_("Framework"), queryset=Framework.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        frameworks = list(selectors.framework_list())
        kinds = {kind for f in frameworks for kind in f.unit_kinds}
        units = changeable_units(user)
        if all(f.unit_kinds for f in frameworks):
            units = units.filter(kind__in=kinds)
        self.fields["orgunit"].queryset = units
        # Once a unit is chosen, only the frameworks that apply to its kind are offered.
        unit = self._chosen_unit(units)
        offered = [f.pk for f in frameworks if framework_applies(f, unit)]
        self.fields["framework"].queryset = selectors.framework_list().filter(pk__in=offered)
        self.fields["framework"].help_text = _("Only the frameworks in use that apply to the unit's kind.")
        # Changing the unit reloads the form with the frameworks for it (what was typed is kept).
        self.fields["orgunit"].widget.attrs.update(
            {
                "hx-get": reverse("assessments:assessment_create"),
                "hx-include": "closest form",
                "hx-target": "#assessment-form",
                "hx-select": "#assessment-form",
                "hx-swap": "outerHTML",
            }
        )

    def _chosen_unit(self, units) -> OrgUnit | None:
        raw = self.data.get("orgunit") if self.is_bound else self.initial.get("orgunit")
        raw = getattr(raw, "pk", raw)
        if raw in (None, "") or not str(raw).isdigit():
            return None
        return units.filter(pk=raw).first()

    def clean(self):
        data = super().clean()
        unit, framework = data.get("orgunit"), data.get("framework")
        if unit is not None and framework is not None and not framework_applies(framework, unit):
            self.add_error(
                "framework",
                _("This framework does not apply to a unit of this kind (%(kind)s).")
                % {"kind": unit.get_kind_display()},
            )
        return data


# ---------------------------------------------------------------------------------------------------- answers


def _number_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return fmt(Decimal(str(value)))
    except ArithmeticError:
        return str(value)


def initial_value(item: Item, value: Any) -> Any:
    """A stored answer as its input shows it."""
    if value is None:
        return ""
    if item.type == ItemType.YES_NO:
        return YES if value is True else NO if value is False else ""
    if item.type in (ItemType.NUMBER, ItemType.POINTS):
        return _number_text(value)
    return str(value)


def shown_value(item: Item, value: Any) -> str:
    """A stored answer as read-only text (the label of a choice, "Có"/"Không" for yes/no)."""
    if value is None or value == "":
        return "—"
    if item.type == ItemType.YES_NO:
        return str(_("Yes") if value is True else _("No"))
    if item.type == ItemType.CHOICE:
        for choice in item.choices or ():
            if str(choice.get("code")) == str(value):
                return str(choice.get("label") or value)
        return str(value)
    text = _number_text(value)
    return f"{text} {item.unit}".strip() if item.type == ItemType.NUMBER else text


class AnswerForm(forms.Form):
    """The answer to one item: its value by the item's type, the reason for overriding a pre-filled value, a note.

    Numbers are taken as typed (a comma is read as the decimal mark) and checked by the service, whose message names
    the item's code."""

    value = forms.CharField(label=_("Answer"), required=False)
    override_reason = forms.CharField(label=_("Reason for overriding the registry"), required=False, max_length=500)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, item: Item, answer: Answer | None, form_id: str, **kwargs):
        kwargs.setdefault("prefix", f"i{item.pk}")
        kwargs.setdefault(
            "initial",
            {
                "value": initial_value(item, answer.value) if answer else "",
                "override_reason": answer.override_reason if answer else "",
                "note": answer.note if answer else "",
            },
        )
        super().__init__(*args, **kwargs)
        self.item = item
        self.answer = answer
        self.prefilled = bool(answer and answer.prefill_source)
        label = f"{item.code}. {item.text}"
        if item.type == ItemType.YES_NO:
            self.fields["value"] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[(YES, _("Yes")), (NO, _("No"))],
                widget=forms.RadioSelect,
            )
        elif item.type == ItemType.CHOICE:
            choices = [
                (str(c["code"]), f"{c.get('label') or c['code']} ({fmt(Decimal(str(c['points'])))})")
                for c in item.choices or ()
            ]
            self.fields["value"] = forms.ChoiceField(label=label, required=False, choices=[("", "—"), *choices])
        else:
            attrs = {"inputmode": "decimal", "size": 8, "aria-label": label}
            if item.type == ItemType.POINTS and item.max_points is not None:
                attrs["placeholder"] = _("0 to %(max)s") % {"max": fmt(item.max_points)}
            self.fields["value"] = forms.CharField(label=label, required=False, widget=forms.TextInput(attrs=attrs))
        if not self.prefilled:
            del self.fields["override_reason"]
        else:
            self.fields["override_reason"].widget.attrs["placeholder"] = _("Required when your answer differs")
        self.fields["note"].widget.attrs["placeholder"] = _("Note")
        for field in self.fields.values():
            # The inputs sit in the items' table and belong to the answers form, placed after it.
            field.widget.attrs["form"] = form_id

    def service_value(self) -> Any:
        """The value as the service takes it (None: not answered)."""
        value = self.cleaned_data.get("value")
        if value in (None, ""):
            return None
        if self.item.type == ItemType.YES_NO:
            return value == YES
        if self.item.type in (ItemType.NUMBER, ItemType.POINTS):
            return str(value).strip().replace(" ", "").replace(",", ".")
        return value

    def service_arguments(self) -> dict[str, Any]:
        return {
            "value": self.service_value(),
            "override_reason": self.cleaned_data.get("override_reason", "") if self.prefilled else "",
            "note": self.cleaned_data.get("note", ""),
        }


# ------------------------------------------------------------------------------------------------- evidence, workflow


class EvidenceForm(forms.Form):
    """A photo or a scanned document for an item (or for the assessment as a whole)."""

    file = forms.FileField(
        label=_("File (JPEG, PNG or PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"}),
    )
    item = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, items: dict[int, Item], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items

    def clean_item(self) -> Item | None:
        pk = self.cleaned_data.get("item")
        if pk is None:
            return None
        if pk not in self.items:
            raise forms.ValidationError(_("This item belongs to another framework."))
        return self.items[pk]


class CommentForm(forms.Form):
    """The verifier's comments: required to return an assessment, optional when verifying it."""

    comment = forms.CharField(
        label=_("Comments"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
