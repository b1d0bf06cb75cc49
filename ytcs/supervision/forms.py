"""Forms of the supervision pages: list filters, a visit (units visited, team, surveyed areas, checklist, findings),
a photo, a directive (from a visit or a meeting) and its follow-up steps, an obstacle and its answer. Choices come
restricted to the user's scope through the selectors; model validation runs in the services, on the values they
will save, and their errors land back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ytcs.assessments.models import Framework
from ytcs.assets import selectors_proposals
from ytcs.assets.models import InvestmentProposal
from ytcs.core.forms import date_field
from ytcs.indicators.models import Indicator
from ytcs.indicators.selectors_analysis import indicator_list
from ytcs.orgunits.models import OrgUnit
from ytcs.orgunits.selectors import unit_choices
from ytcs.supervision import selectors
from ytcs.supervision.models import (
    Directive,
    DirectiveCategory,
    DirectiveStatus,
    ObstacleKind,
    ObstacleStatus,
    SurveyArea,
    VisitKind,
    VisitStatus,
)
from ytcs.supervision.offices import office_choices
from ytcs.training import selectors as training_selectors
from ytcs.training.models import TrainingPlan

YEAR_MIN, YEAR_MAX = 2000, 2100


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.name} ({obj.code})"


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.name} ({obj.code})"


class FrameworkChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Framework) -> str:
        return f"{obj.name} ({obj.code}, v{obj.version})"


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TrainingPlan) -> str:
        return f"{obj.name} ({obj.year}) · {obj.orgunit.code}"


class ProposalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: InvestmentProposal) -> str:
        return f"{obj.title} ({obj.year}) · {obj.orgunit.code}"


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Indicator) -> str:
        return f"{obj.name} ({obj.code})"


class DirectiveChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Directive) -> str:
        return f"{obj.title} · {obj.orgunit.code} · {obj.due_on:%d/%m/%Y}"


def _yes_no(label) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False)


# ---------------------------------------------------------------------------------------------- filters


class VisitFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *VisitKind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *VisitStatus.choices])
    year = forms.IntegerField(label=_("Year"), required=False, min_value=YEAR_MIN, max_value=YEAR_MAX)
    orgunit = forms.CharField(label=_("Unit (code)"), required=False, max_length=40)


AGE_CHOICES = [("", _("All")), ("0-30", _("0–30 days")), ("31-90", _("31–90 days")), ("90+", _("More than 90 days"))]


class DirectiveFilterForm(forms.Form):
    BOXES = [
        ("", pgettext_lazy("supervision", "All I can see")),
        ("mine", _("To my units")),
        ("to_accept", _("To accept by me")),
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    box = forms.ChoiceField(label=_("Show"), required=False, choices=BOXES)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *DirectiveStatus.choices])
    category = forms.ChoiceField(
        label=pgettext_lazy("directive", "Category"),
        required=False,
        choices=[("", _("All")), *DirectiveCategory.choices],
    )
    orgunit = forms.CharField(label=_("Responsible unit (code)"), required=False, max_length=40)
    issuer = forms.CharField(label=_("Issuing unit (code)"), required=False, max_length=40)
    age = forms.ChoiceField(label=_("Age since issue"), required=False, choices=AGE_CHOICES)
    overdue = _yes_no(pgettext_lazy("supervision", "Overdue"))
    due_soon = _yes_no(_("Due soon"))
    pending = _yes_no(_("Not started or in progress"))
    unclosed = _yes_no(_("Not yet accepted"))
    visit = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class ObstacleFilterForm(forms.Form):
    BOXES = [
        ("", pgettext_lazy("supervision", "All I can see")),
        ("mine", _("Sent by my units")),
        ("to_answer", _("To answer")),
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    box = forms.ChoiceField(label=_("Show"), required=False, choices=BOXES)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *ObstacleStatus.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *ObstacleKind.choices])
    office = forms.ChoiceField(label=_("Office responsible"), required=False)
    orgunit = forms.CharField(label=_("Unit (code)"), required=False, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [("", _("All")), *office_choices()]


# ---------------------------------------------------------------------------------------------- visits


class VisitForm(forms.Form):
    """A visit: the lead unit (set when recording it), kind, title, date, state, units visited, the team, the areas
    surveyed, the checklist framework and the findings."""

    orgunit = UnitChoiceField(label=_("Lead unit"), queryset=OrgUnit.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices)
    title = forms.CharField(label=_("Title of the visit"), max_length=300)
    visited_on = date_field(_("Date"))
    status = forms.ChoiceField(label=_("Status"), choices=VisitStatus.choices)
    units = UnitMultipleChoiceField(
        label=_("Units visited"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    team = forms.CharField(
        label=_("Team"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One member per line: a name, or @username for a user of the system, then optionally a semicolon and "
            "the role in the team (e.g. “@region_manager; Trưởng đoàn”)."
        ),
    )
    areas = forms.MultipleChoiceField(
        label=_("Surveyed areas"), required=False, choices=SurveyArea.choices, widget=forms.CheckboxSelectMultiple
    )
    areas_note = forms.CharField(label=_("Other areas surveyed"), required=False, max_length=500)
    framework = FrameworkChoiceField(
        label=_("Checklist (assessment framework)"), queryset=Framework.objects.none(), required=False
    )
    findings = forms.CharField(label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, user: Any, visit: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.visit = visit
        if visit is None:
            units = selectors.lead_units(user=user)
            self.fields["orgunit"].queryset = units
            # Whoever records for a lead unit holds the change right on its subtree: the same units are visitable.
            self.fields["units"].queryset = units
        else:
            del self.fields["orgunit"]
            self.fields["units"].queryset = selectors.visitable_units(user=user, lead=visit.orgunit)
        self.fields["framework"].queryset = selectors.framework_choices()
        self.fields["framework"].help_text = _(
            "Each visited unit's assessment of the year against it is linked (opened when there is none)."
        )

    def clean_team(self) -> list[dict[str, Any]]:
        members = []
        errors = []
        for number, line in enumerate((self.cleaned_data.get("team") or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            who, _sep, role = (part.strip() for part in line.partition(";"))
            member: dict[str, Any] = {"role": role}
            if who.startswith("@"):
                try:
                    member["user"] = selectors.team_user_get(user=self.user, username=who[1:])
                except Http404:
                    errors.append(gettext("Line %(n)d: unknown user “%(who)s”.") % {"n": number, "who": who[1:]})
                    continue
            else:
                member["name"] = who
            members.append(member)
        if errors:
            raise ValidationError(errors)
        return members


def team_text(members: Any) -> str:
    """The team as the form shows it, one member per line."""
    lines = []
    for member in members:
        who = f"@{member.user.username}" if member.user_id else member.name
        lines.append(f"{who}; {member.role}" if member.role else who)
    return "\n".join(lines)


class PhotoForm(forms.Form):
    file = forms.FileField(
        label=_("Photo (JPEG or PNG)"), widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"})
    )
    caption = forms.CharField(label=_("Caption"), required=False, max_length=300)


# ---------------------------------------------------------------------------------------------- directives


class LinkFields(forms.Form):
    """The records a directive's work concerns: a training plan, an investment proposal, an indicator to move."""

    training_plan = PlanChoiceField(label=_("Training plan"), queryset=TrainingPlan.objects.none(), required=False)
    investment_proposal = ProposalChoiceField(
        label=_("Investment proposal"), queryset=InvestmentProposal.objects.none(), required=False
    )
    indicator = IndicatorChoiceField(label=_("Indicator to move"), queryset=Indicator.objects.none(), required=False)

    def set_link_choices(self, user: Any, proposals_of: OrgUnit | None = None) -> None:
        self.fields["training_plan"].queryset = training_selectors.plan_list(user=user)
        proposals = selectors_proposals.proposal_list(
            user=user, filters={"orgunit": proposals_of.code} if proposals_of else None
        )
        self.fields["investment_proposal"].queryset = proposals
        self.fields["indicator"].queryset = indicator_list()


class DirectiveForm(LinkFields):
    """A directive: from a visit (issued in the name of its lead unit) or from a meeting (the issuing unit chosen
    and the meeting named); the responsible unit, what, by when, how completion is evidenced, and its links."""

    issuer_unit = UnitChoiceField(label=_("Issuing unit"), queryset=OrgUnit.objects.none())
    source_text = forms.CharField(label=_("Source (meeting, conference)"), max_length=500, required=False)
    orgunit = UnitChoiceField(label=_("Responsible unit"), queryset=OrgUnit.objects.none())
    title = forms.CharField(label=_("What must be done"), max_length=300)
    details = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ChoiceField(label=pgettext_lazy("directive", "Category"), choices=DirectiveCategory.choices)
    issued_on = date_field(_("Issued on"), required=False)
    due_on = date_field(_("Due date"))
    evidence_required = forms.CharField(label=_("Evidence of completion"), max_length=500)

    field_order = [
        "issuer_unit",
        "source_text",
        "orgunit",
        "title",
        "details",
        "category",
        "issued_on",
        "due_on",
        "evidence_required",
        "training_plan",
        "investment_proposal",
        "indicator",
    ]

    def __init__(self, *args: Any, user: Any, visit: Any = None, directive: Directive | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_link_choices(user, proposals_of=directive.orgunit if directive else None)
        if directive is not None:
            # The issuer corrects wording, dates and links; who gave it to whom stays.
            for name in ("issuer_unit", "orgunit", "issued_on"):
                del self.fields[name]
            if directive.visit_id:
                del self.fields["source_text"]
            else:
                self.fields["source_text"].required = True
            return
        if visit is not None:
            del self.fields["issuer_unit"]
            del self.fields["source_text"]
            self.fields["orgunit"].queryset = selectors.responsible_units(user=user, issuer=visit.orgunit)
        else:
            self.fields["issuer_unit"].queryset = selectors.issuer_units(user=user)
            self.fields["source_text"].required = True
            self.fields["orgunit"].queryset = unit_choices(user=user).filter(closed_on__isnull=True).order_by("path")
        self.fields["issued_on"].help_text = _("Today when left empty.")


class ProgressForm(forms.Form):
    """The responsible unit's report: started, a progress note, or done with its evidence."""

    status = forms.ChoiceField(label=_("New status"), choices=[])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(
        label=_("Evidence file (JPEG, PNG or PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def __init__(self, *args: Any, directive: Directive, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from ytcs.supervision.services import UNIT_MOVES

        allowed = UNIT_MOVES.get(directive.status, ())
        self.fields["status"].choices = [
            (value, gettext("Progress note") if value == directive.status else DirectiveStatus(value).label)
            for value in allowed
        ]
        if DirectiveStatus.DONE in allowed:
            self.fields["status"].initial = DirectiveStatus.DONE if directive.status != DirectiveStatus.OPEN else None


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Returning needs a comment saying what is missing."),
    )


# ---------------------------------------------------------------------------------------------- obstacles


class ObstacleForm(forms.Form):
    orgunit = UnitChoiceField(label=pgettext_lazy("obstacle", "Sending unit"), queryset=OrgUnit.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=ObstacleKind.choices)
    office = forms.ChoiceField(label=_("Office responsible"), choices=[])
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 5}))
    directive = DirectiveChoiceField(label=_("About the directive"), queryset=Directive.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["orgunit"].queryset = selectors.obstacle_units(user=user)
        self.fields["office"].choices = [("", "—"), *office_choices()]
        self.fields["directive"].queryset = selectors.directive_list(
            user=user, filters={"box": "mine", "unclosed": True}
        )
        self.fields["directive"].help_text = _("Optional: a directive given to the sending unit.")


class AnswerForm(forms.Form):
    body = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}))
