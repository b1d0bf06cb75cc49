"""API filters of the workforce registry; the queryset they filter is already restricted to the caller."""

from __future__ import annotations

import django_filters

from ytcs.workforce.models import Staff, StaffStatus
from ytcs.workforce.selectors import filter_staff

STATUS_CHOICES = [*StaffStatus.choices, ("all", "all")]


class StaffFilterSet(django_filters.FilterSet):
    """Declares the parameters (validation, OpenAPI); the filtering itself is the selectors' `filter_staff`."""

    orgunit = django_filters.CharFilter(help_text="Code of a unit: people working in its whole subtree.")
    title = django_filters.CharFilter(help_text="Code of a professional title.")
    q = django_filters.CharFilter(help_text="Search name, citizen ID (CCCD) or phone; diacritics are ignored.")
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, help_text="Working people by default; retired, left, or all."
    )
    licence_expires_before = django_filters.DateFilter(
        help_text="People holding a licence (not revoked) that expires before this date (YYYY-MM-DD or dd/mm/yyyy)."
    )

    class Meta:
        model = Staff
        fields = ["orgunit", "title", "q", "status", "licence_expires_before"]

    def filter_queryset(self, queryset):
        return filter_staff(queryset, self.form.cleaned_data)
