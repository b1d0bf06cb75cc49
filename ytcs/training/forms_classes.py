"""Forms of the class and sponsored-training pages; unit, course and person choices come through the selectors,
restricted to the viewer. Model validation runs in the services (full_clean there)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.core.forms import date_field
from ytcs.orgunits.forms import ParentChoiceField
from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.orgunits.selectors import orgunit_list
from ytcs.training import selectors
from ytcs.training.models import (
    ClassStatus,
    EnrolmentResult,
    FundingSource,
    Sponsorship,
    SponsorshipKind,
    SponsorshipStatus,
    TrainingClass,
)
from ytcs.workforce.forms import changeable_units
from ytcs.workforce.models import Staff
from ytcs.workforce.selectors import competency_list, staff_list, title_list


class _NoModelValidation:
    """Model validation runs in the service, on the values it will save."""

    def _post_clean(self):
        pass


def _organising_units(user: Any):
    """Open units the user may change, without satellite points (which run no classes)."""
    return changeable_units(user).exclude(kind=OrgUnitKind.SATELLITE)


def _competencies(current_id: int | None):
    keep = Q(is_active=True) | Q(pk=current_id) if current_id else Q(is_active=True)
    return competency_list(include_inactive=True).filter(keep)


# ---------------------------------------------------------------------------------------------------- classes


class ClassFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *ClassStatus.choices])
    course = forms.ChoiceField(label=_("Course"), required=False)
    orgunit = forms.CharField(label=_("Organising unit (code)"), required=False)
    plan = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        courses = selectors.course_list(include_inactive=True).values_list("code", "name")
        self.fields["course"].choices = [("", _("All courses")), *courses]


class ClassForm(_NoModelValidation, forms.ModelForm):
    """A class's details; what the service's class_update accepts."""

    starts_on = date_field(_("From"))
    ends_on = date_field(_("Until"))

    class Meta:
        model = TrainingClass
        fields = [
            "name",
            "provider",
            "location",
            "starts_on",
            "ends_on",
            "capacity",
            "credits",
            "competency",
            "cost",
            "funding_source",
            "note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competency"].queryset = _competencies(self.instance.competency_id)
        self.fields["competency"].help_text = _("Issued to each participant who passes.")
        self.fields["credits"].help_text = _("Continuing-training hours posted to each participant who passes.")


class ClassCreateForm(ClassForm):
    """A new class: the organising unit (one the user may change), the course (which gives the defaults), its code
    and dates; the other fields are pre-filled from the course and may be changed."""

    orgunit = ParentChoiceField(label=_("Organising unit"), queryset=OrgUnit.objects.none())
    course = forms.ModelChoiceField(label=_("Course"), queryset=selectors.course_list())
    code = forms.CharField(
        label=_("Class code"), max_length=40, help_text=_("Unique, e.g. DTD-2026-01 (written in capitals).")
    )
    line = forms.IntegerField(required=False, widget=forms.HiddenInput)

    field_order = ["orgunit", "course", "code", "name", "starts_on", "ends_on"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["orgunit"].queryset = _organising_units(user)
        self.fields["course"].queryset = selectors.course_list().prefetch_related(None)
        # Changing the course reloads the form with the course's defaults (what was typed is kept).
        self.fields["course"].widget.attrs.update(
            {
                "hx-get": reverse("training:class_create"),
                "hx-include": "closest form",
                "hx-target": "#class-form",
                "hx-select": "#class-form",
                "hx-swap": "outerHTML",
            }
        )
        # Empty: the course's name.
        self.fields["name"].required = False
        # Empty: the course's class size (the model's own default would hide it).
        self.fields["capacity"].required = False
        self.fields["capacity"].initial = None

    def clean_line(self):
        pk = self.cleaned_data.get("line")
        if pk is None:
            return None
        try:
            return selectors.line_get(user=self.user, pk=pk)
        except Http404:
            raise forms.ValidationError(_("Unknown plan line.")) from None

    def service_arguments(self) -> dict[str, Any]:
        """What class_create takes: the required values, and the optional ones only when given (the course's
        defaults fill the others)."""
        data = dict(self.cleaned_data)
        arguments = {name: data.pop(name) for name in ("orgunit", "course", "code", "starts_on", "ends_on")}
        arguments.update({name: value for name, value in data.items() if value not in (None, "")})
        return arguments


def course_defaults(course) -> dict[str, Any]:
    """What a course puts in a new class's form."""
    return {
        "course": course.pk,
        "name": course.name,
        "provider": course.provider,
        "credits": course.credits,
        "competency": course.competency_id,
        "capacity": course.class_size,
    }


class EnrolmentResultForm(forms.Form):
    """One row of the results grid."""

    days_attended = forms.IntegerField(label=_("Days attended"), required=False, min_value=0, max_value=1000)
    result = forms.ChoiceField(label=_("Result"), choices=EnrolmentResult.choices)
    score = forms.DecimalField(
        label=_("Score"), required=False, min_value=0, max_value=100, max_digits=4, decimal_places=1
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ClassCompleteForm(forms.Form):
    on = date_field(_("Completion date"), initial=timezone.localdate)


class ClassReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reopening"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class EnrolForm(forms.Form):
    staff = forms.IntegerField(label=_("Health worker"), min_value=1)


# ---------------------------------------------------------------------------------------------------- sponsorships

SPONSORSHIP_STATES = [
    ("", _("All")),
    (SponsorshipStatus.STUDYING, SponsorshipStatus.STUDYING.label),
    ("overdue", _("Overdue: not back by the expected date")),
    (SponsorshipStatus.SERVING, SponsorshipStatus.SERVING.label),
    (SponsorshipStatus.FULFILLED, SponsorshipStatus.FULFILLED.label),
    (SponsorshipStatus.BREACHED, SponsorshipStatus.BREACHED.label),
]


class SponsorshipFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False, choices=SPONSORSHIP_STATES)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *SponsorshipKind.choices])
    orgunit = forms.CharField(label=_("Unit (code)"), required=False)


class StaffPickField(forms.ModelChoiceField):
    """A person chosen by searching (the page shows the matches as radio buttons): never rendered as a list of
    every visible person, only validated against them."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Health worker"))
        super().__init__(queryset=Staff.objects.none(), **kwargs)


class SponsorshipForm(_NoModelValidation, forms.ModelForm):
    """The details of a sponsorship; what sponsorship_update accepts."""

    staff = StaffPickField(
        help_text=_("Someone already on the staff; leave empty for a student not yet recruited (cử tuyển).")
    )
    starts_on = date_field(_("Training starts"))
    expected_return_on = date_field(_("Expected return"))
    serve_unit = ParentChoiceField(label=_("Unit to serve"), queryset=OrgUnit.objects.none())

    class Meta:
        model = Sponsorship
        fields = [
            "kind",
            "staff",
            "trainee_name",
            "national_id",
            "programme",
            "level",
            "target_title",
            "institution",
            "decision",
            "starts_on",
            "expected_return_on",
            "cost",
            "funding_source",
            "commitment_years",
            "serve_unit",
            "note",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["staff"].queryset = staff_list(user=user)
        self.fields["trainee_name"].required = False
        self.fields["trainee_name"].help_text = _("Taken from the record when a health worker is chosen.")
        self.fields["national_id"].help_text = _("Taken from the record when a health worker is chosen.")
        units = orgunit_list(user=user, filters={"status": "open"}).exclude(kind=OrgUnitKind.SATELLITE)
        current = self.instance.serve_unit_id if self.instance.pk else None
        if current:
            units = units | orgunit_list(user=user).filter(pk=current)
        self.fields["serve_unit"].queryset = units.order_by("path")
        current_title = self.instance.target_title_id
        keep = Q(is_active=True) | Q(pk=current_title) if current_title else Q(is_active=True)
        self.fields["target_title"].queryset = title_list(include_inactive=True).filter(keep)
        self.fields["funding_source"].choices = FundingSource.choices
        if self.instance.pk and self.instance.staff_id:
            # The name and CCCD follow the linked record.
            for name in ("trainee_name", "national_id"):
                self.fields[name].disabled = True

    def picked_staff(self) -> Staff | None:
        """The person the form holds (chosen, typed back after an error, or already linked)."""
        if self.is_bound:
            if hasattr(self, "cleaned_data") and self.cleaned_data.get("staff"):
                return self.cleaned_data["staff"]
            raw = self.data.get(self.add_prefix("staff"), "")
            return self.fields["staff"].queryset.filter(pk=raw).first() if str(raw).isdigit() else None
        return self.instance.staff if self.instance.pk and self.instance.staff_id else None


class SponsorshipCreateForm(SponsorshipForm):
    orgunit = ParentChoiceField(label=_("Sending unit"), queryset=OrgUnit.objects.none())

    field_order = ["orgunit", "kind", "staff", "trainee_name", "national_id"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["orgunit"].queryset = _organising_units(user)
        self.fields["serve_unit"].required = False
        self.fields["serve_unit"].help_text = _("Empty: the sending unit.")

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data.get("serve_unit") is None:
            data.pop("serve_unit", None)
        if data.get("staff") is None:
            data.pop("staff", None)
        return data


class SponsorshipReturnForm(forms.Form):
    returned_on = date_field(_("Return date"), initial=timezone.localdate)
    staff = StaffPickField(
        label=_("Recruited as"),
        help_text=_("For a student not yet on the staff: the health worker record made on recruitment."),
    )

    def __init__(self, *args, user, sponsorship: Sponsorship, **kwargs):
        super().__init__(*args, **kwargs)
        self.sponsorship = sponsorship
        self.fields["staff"].queryset = staff_list(user=user)

    def picked_staff(self) -> Staff | None:
        if self.is_bound:
            if hasattr(self, "cleaned_data") and self.cleaned_data.get("staff"):
                return self.cleaned_data["staff"]
            raw = self.data.get("staff", "")
            return self.fields["staff"].queryset.filter(pk=raw).first() if str(raw).isdigit() else None
        return self.sponsorship.staff


class SponsorshipBreachForm(forms.Form):
    left_on = date_field(_("Date the person left"))
    reason = forms.CharField(label=_("Reason for leaving"), max_length=300)


class SponsorshipReimbursedForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount repaid so far (đồng)"), min_value=0, max_digits=15, decimal_places=0)


class UnitFilterForm(forms.Form):
    orgunit = forms.CharField(label=_("Unit (code)"), required=False)
