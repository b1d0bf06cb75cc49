"""Forms of the org-unit pages; related-field choices come restricted to the user's scope."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.core.forms import date_field
from ytcs.core.querysets import subtree_q
from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.orgunits.selectors import parent_choices


class ParentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{'— ' * max(obj.level - 1, 0)}{obj.name} ({obj.code})"


class OrgUnitForm(forms.ModelForm):
    parent = ParentChoiceField(queryset=OrgUnit.objects.none(), required=False, label=_("Parent unit"))
    opened_on = date_field(_("Opening date"), required=False)
    closed_on = date_field(_("Closing date"), required=False)

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "kind", "parent", "admin_code", "address", "phone", "opened_on", "closed_on"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = parent_choices(user=user)
        if self.instance.pk:
            # A unit cannot move under itself; its current parent stays selectable even when the
            # user may not write there (a station head editing their own station).
            choices = choices.exclude(subtree_q("path", self.instance.path))
            if self.instance.parent_id:
                choices = choices | OrgUnit.objects.filter(pk=self.instance.parent_id)
        self.fields["parent"].queryset = choices.order_by("path")

    def _post_clean(self):
        # Model validation runs in the service (full_clean there), with the path it will have.
        pass


class OrgUnitCloseForm(forms.Form):
    closed_on = date_field(_("Closing date"), initial=timezone.localdate)


class PopulationForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    population = forms.IntegerField(label=_("Population"), min_value=0)
    source = forms.CharField(label=_("Source"), max_length=255, required=False)


class OrgUnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *OrgUnitKind.choices])
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("open", _("Operating")), ("closed", _("Closed"))],
    )
    parent = forms.CharField(required=False, widget=forms.HiddenInput)
