"""API filters of org units; the queryset they filter is already restricted to the caller."""

from __future__ import annotations

import django_filters

from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.orgunits.selectors import filter_orgunits


class OrgUnitFilterSet(django_filters.FilterSet):
    """Declares the parameters (validation, OpenAPI); the filtering itself is the selectors' `filter_orgunits`."""

    parent = django_filters.CharFilter(help_text="Code of the parent unit (direct children).")
    within = django_filters.CharFilter(help_text="Code of a unit: its whole subtree.")
    kind = django_filters.ChoiceFilter(choices=OrgUnitKind.choices)
    q = django_filters.CharFilter(help_text="Search code or name; diacritics are ignored.")
    status = django_filters.ChoiceFilter(choices=[("open", "open"), ("closed", "closed")])
    level = django_filters.NumberFilter()

    class Meta:
        model = OrgUnit
        fields = ["parent", "within", "kind", "q", "status", "level"]

    def filter_queryset(self, queryset):
        return filter_orgunits(queryset, self.form.cleaned_data)
