"""Forms of the workforce pages; unit choices come restricted to the units the user may change."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ytcs.core.forms import date_field
from ytcs.core.querysets import CHANGE
from ytcs.orgunits.forms import ParentChoiceField
from ytcs.orgunits.models import OrgUnit
from ytcs.orgunits.selectors import orgunit_list
from ytcs.workforce.models import (
    Certificate,
    CmeActivity,
    Competency,
    Licence,
    MoveKind,
    Staff,
    StaffStatus,
    Title,
)
from ytcs.workforce.selectors import competency_list, title_list
from ytcs.workforce.services import STAFF_EDITABLE


def changeable_units(user) -> QuerySet[OrgUnit]:
    """Open units the user may change: where they may register or move people."""
    return orgunit_list(user=user, filters={"status": "open"}, action=CHANGE).order_by("path")


class _NoModelValidation:
    """Model validation runs in the service (full_clean there), on the values it will save."""

    def _post_clean(self):
        pass


class StaffForm(_NoModelValidation, forms.ModelForm):
    """Identity and employment of a person; the unit is chosen only when registering."""

    birth_date = date_field(_("Birth date"))
    started_on = date_field(_("Start date in the sector"))

    class Meta:
        model = Staff
        fields = list(STAFF_EDITABLE)  # what staff_update accepts, in the form's order

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        titles = title_list(include_inactive=True)
        # A title retired from the catalogue stays selectable for the people who already hold it.
        keep = Q(is_active=True) | Q(pk=self.instance.title_id) if self.instance.title_id else Q(is_active=True)
        self.fields["title"].queryset = titles.filter(keep)


class StaffCreateForm(StaffForm):
    orgunit = ParentChoiceField(label=_("Work unit"), queryset=OrgUnit.objects.none())
    posted_on = date_field(
        _("Date of joining the unit"), required=False, help_text=_("Empty: the start date in the sector.")
    )
    decision = forms.CharField(label=_("Recruitment decision"), max_length=100, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orgunit"].queryset = changeable_units(user)


class StaffMoveForm(forms.Form):
    to_unit = ParentChoiceField(label=_("To unit"), queryset=OrgUnit.objects.none())
    kind = forms.ChoiceField(
        label=_("Kind of move"), choices=[(k, label) for k, label in MoveKind.choices if k != MoveKind.HIRE]
    )
    on = date_field(_("Date of the move"), initial=datetime.date.today)
    expected_return_on = date_field(
        _("Expected return"), required=False, help_text=_("Only for a rotation or secondment.")
    )
    decision = forms.CharField(label=_("Decision number"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, user, staff: Staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = changeable_units(user).exclude(pk=staff.orgunit_id)


class StaffEndForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Reason"),
        choices=[(StaffStatus.RETIRED, _("Retirement")), (StaffStatus.LEFT, _("Leaving the service"))],
    )
    on = date_field(_("Last working day"), initial=datetime.date.today)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class LicenceForm(_NoModelValidation, forms.ModelForm):
    issued_on = date_field(_("Issue date"))
    valid_until = date_field(
        _("Valid until"), required=False, help_text=_("Empty for a pre-2024 certificate with no end date.")
    )
    revoked_on = date_field(_("Revoked on"), required=False)

    class Meta:
        model = Licence
        fields = ["number", "issuer", "scope", "issued_on", "valid_until", "revoked_on"]


class CertificateForm(_NoModelValidation, forms.ModelForm):
    issued_on = date_field(_("Issue date"))
    expires_on = date_field(
        _("Expiry date"), required=False, help_text=_("Empty: from the catalogue's validity, if it has one.")
    )

    class Meta:
        model = Certificate
        fields = ["competency", "number", "issuer", "issued_on", "expires_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.competency_id
        keep = Q(is_active=True) | Q(pk=current) if current else Q(is_active=True)
        self.fields["competency"].queryset = competency_list(include_inactive=True).filter(keep)


class CmeActivityForm(_NoModelValidation, forms.ModelForm):
    started_on = date_field(_("From"))
    ended_on = date_field(_("Until"))

    class Meta:
        model = CmeActivity
        fields = ["name", "provider", "started_on", "ended_on", "credits", "evidence"]


class TitleForm(_NoModelValidation, forms.ModelForm):
    class Meta:
        model = Title
        fields = ["code", "name", "category", "counts_as_doctor", "needs_licence", "source", "sort_order", "is_active"]


class CompetencyForm(_NoModelValidation, forms.ModelForm):
    class Meta:
        model = Competency
        fields = ["code", "name", "validity_years", "source", "is_active"]


class StaffFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    unit = forms.CharField(label=_("Unit (code)"), required=False)
    title = forms.ChoiceField(label=_("Professional title"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Working")),
            (StaffStatus.RETIRED, _("Retired")),
            (StaffStatus.LEFT, _("Left")),
            ("all", _("All")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].choices = [("", _("All titles")), *title_list().values_list("code", "name")]


class UnitFilterForm(forms.Form):
    unit = forms.CharField(label=_("Unit (code)"), required=False)
