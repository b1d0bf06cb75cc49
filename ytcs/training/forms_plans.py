"""Forms of the training plan, needs analysis and catalogue pages; unit and staff choices come restricted to the
user's scope. Model validation runs in the services (full_clean there), on the values they will save."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.core.forms import date_field
from ytcs.core.querysets import CHANGE, subtree_q
from ytcs.orgunits.forms import ParentChoiceField
from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.orgunits.selectors import orgunit_list
from ytcs.training.models import Course, PlannedCourse, PlanStatus, StaffingNorm
from ytcs.training.needs import training_year_default
from ytcs.training.selectors import course_list
from ytcs.workforce.models import Staff
from ytcs.workforce.selectors import competency_list, staff_list, title_list

YEAR_MIN, YEAR_MAX = 2000, 2100


class _NoModelValidation:
    """Model validation runs in the service (full_clean there), on the values it will save."""

    def _post_clean(self):
        pass


def year_field(label, *, required: bool = True, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "yyyy"}),
        **kwargs,
    )


def plan_units(user: Any) -> QuerySet[OrgUnit]:
    """Open units the user may change, where they may draw up a plan (satellite points do not plan)."""
    return (
        orgunit_list(user=user, filters={"status": "open"}, action=CHANGE)
        .exclude(kind=OrgUnitKind.SATELLITE)
        .order_by("path")
    )


def group_units(user: Any, root: OrgUnit) -> QuerySet[OrgUnit]:
    """Units a line of `root`'s plan may train, or give seats to: `root` and the open units under it that the user
    sees (satellite points share their station's seats)."""
    return (
        orgunit_list(user=user, filters={"status": "open"})
        .filter(subtree_q("path", root.path))
        .exclude(kind=OrgUnitKind.SATELLITE)
        .order_by("path")
    )


# ---------------------------------------------------------------------------------------------------- plans


class PlanFilterForm(forms.Form):
    year = year_field(_("Year"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *PlanStatus.choices])
    orgunit = forms.CharField(label=_("Unit (code)"), required=False)


class PlanForm(forms.Form):
    """A new plan: the planning unit, its year and name."""

    orgunit = ParentChoiceField(label=_("Planning unit"), queryset=OrgUnit.objects.none())
    year = year_field(_("Year"))
    name = forms.CharField(label=_("Plan name"), max_length=200)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("year", training_year_default(timezone.localdate()))
        super().__init__(*args, **kwargs)
        self.fields["orgunit"].queryset = plan_units(user)


class PlanEditForm(forms.Form):
    """What plan_update changes: name, year (while a draft), decision number and note."""

    name = forms.CharField(label=_("Plan name"), max_length=200)
    year = year_field(_("Year"))
    decision = forms.CharField(label=_("Decision number"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PlanAdoptForm(forms.Form):
    on = date_field(_("Adopted on"), initial=datetime.date.today)
    decision = forms.CharField(label=_("Decision number"), max_length=100, required=False)


# ---------------------------------------------------------------------------------------------------- lines


class LineForm(_NoModelValidation, forms.ModelForm):
    """A course line of a plan. Once the plan is adopted the course and the units trained are fixed."""

    group = ParentChoiceField(label=_("For the units of"), queryset=OrgUnit.objects.none())
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", "—"), (1, "I"), (2, "II"), (3, "III"), (4, "IV")],
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = PlannedCourse
        fields = ["course", "group", "provider", "quarter", "classes", "budget", "funding_source", "status", "note"]

    def __init__(self, *args, user, plan, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.course_id
        keep = Q(is_active=True) | Q(pk=current) if current else Q(is_active=True)
        self.fields["course"].queryset = course_list(include_inactive=True).filter(keep).order_by("name")
        self.fields["group"].queryset = group_units(user, plan.orgunit)
        self.fields["group"].help_text = _("The region (or other unit) whose staff the line trains.")
        self.fields["provider"].help_text = _("Empty: the course's usual provider.")
        if not self.instance.pk:
            self.fields.pop("status")
        if self.instance.pk and plan.status != PlanStatus.DRAFT:
            for name in ("course", "group"):
                self.fields[name].disabled = True


class SeatForm(forms.Form):
    """A unit's seats on a line (0 removes them)."""

    orgunit = ParentChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    seats = forms.IntegerField(label=_("Seats"), min_value=0, max_value=10_000)

    def __init__(self, *args, user, line: PlannedCourse, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orgunit"].queryset = group_units(user, line.group)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.full_name} – {obj.title.name} – {obj.orgunit.name}"


class TraineeAddForm(forms.Form):
    """A working person under the line's units, among those the user sees."""

    staff = StaffChoiceField(label=_("Health worker"), queryset=Staff.objects.none())

    def __init__(self, *args, user, line: PlannedCourse, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_list(user=user, filters={"orgunit": line.group.code})


# ---------------------------------------------------------------------------------------------------- needs


class NeedsForm(forms.Form):
    orgunit = forms.CharField(label=_("Unit (code)"), required=False)
    year = year_field(_("Plan year"), required=False)


class ProposeForm(forms.Form):
    orgunit = forms.CharField(max_length=40)
    year = year_field(_("Plan year"))


# ---------------------------------------------------------------------------------------------------- catalogues


class TitlesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class CourseForm(_NoModelValidation, forms.ModelForm):
    target_titles = TitlesField(label=_("Target titles"), queryset=title_list(), required=False)

    class Meta:
        model = Course
        fields = [
            "code",
            "name",
            "kind",
            "provider",
            "credits",
            "competency",
            "duration_days",
            "class_size",
            "unit_cost",
            "target_titles",
            "source",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.competency_id
        keep = Q(is_active=True) | Q(pk=current) if current else Q(is_active=True)
        self.fields["competency"].queryset = competency_list(include_inactive=True).filter(keep)
        self.fields["target_titles"].queryset = title_list(include_inactive=True).filter(
            Q(is_active=True) | Q(pk__in=self.instance.target_titles.all()) if self.instance.pk else Q(is_active=True)
        )


class NormForm(_NoModelValidation, forms.ModelForm):
    titles = TitlesField(label=_("Titles that count"), queryset=title_list(), required=False)
    candidate_titles = TitlesField(label=_("Who may be trained"), queryset=title_list(), required=False)

    class Meta:
        model = StaffingNorm
        fields = [
            "code",
            "name",
            "kind",
            "unit_kind",
            "titles",
            "competency",
            "minimum",
            "course",
            "candidate_titles",
            "source",
            "confirmed",
            "sort_order",
            "is_active",
        ]
        widgets = {"source": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.competency_id
        keep = Q(is_active=True) | Q(pk=current) if current else Q(is_active=True)
        self.fields["competency"].queryset = competency_list(include_inactive=True).filter(keep)
        course = self.instance.course_id
        keep = Q(is_active=True) | Q(pk=course) if course else Q(is_active=True)
        self.fields["course"].queryset = course_list(include_inactive=True).filter(keep).order_by("name")
        titles = title_list(include_inactive=True)
        if self.instance.pk:
            held = Q(pk__in=self.instance.titles.all()) | Q(pk__in=self.instance.candidate_titles.all())
            titles = titles.filter(Q(is_active=True) | held)
        else:
            titles = titles.filter(is_active=True)
        self.fields["titles"].queryset = titles
        self.fields["candidate_titles"].queryset = titles
