"""API filters of org units; the queryset they filter is already restricted to the caller."""

from __future__ import annotations

import django_filters

from ytcs.core.querysets import subtree_q
from ytcs.core.text import search_tokens
from ytcs.orgunits.models import OrgUnit, OrgUnitKind


class OrgUnitFilterSet(django_filters.FilterSet):
    parent = django_filters.CharFilter(
        field_name="parent__code", help_text="Code of the parent unit (direct children)."
    )
    within = django_filters.CharFilter(method="filter_within", help_text="Code of a unit: its whole subtree.")
    kind = django_filters.ChoiceFilter(choices=OrgUnitKind.choices)
    q = django_filters.CharFilter(method="filter_q", help_text="Search code or name; diacritics are ignored.")
    status = django_filters.ChoiceFilter(choices=[("open", "open"), ("closed", "closed")], method="filter_status")
    level = django_filters.NumberFilter()

    class Meta:
        model = OrgUnit
        fields = ["parent", "within", "kind", "q", "status", "level"]

    def filter_q(self, queryset, name, value):
        for token in search_tokens(value):
            queryset = queryset.filter(search_text__contains=token)
        return queryset

    def filter_within(self, queryset, name, value):
        root = queryset.filter(code=value).values_list("path", flat=True).first()
        return queryset.filter(subtree_q("path", root)) if root else queryset.none()

    def filter_status(self, queryset, name, value):
        return queryset.filter(closed_on__isnull=(value == "open"))
