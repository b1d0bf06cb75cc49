"""Reads of the workforce registry; each starts from the viewer's restriction."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from ytcs.core.dates import add_months
from ytcs.core.querysets import CHANGE, VIEW, in_scope, subtree_q
from ytcs.core.text import search_tokens
from ytcs.orgunits.models import OrgUnit
from ytcs.workforce.models import (
    Certificate,
    CmeActivity,
    Competency,
    Licence,
    MoveKind,
    Posting,
    Staff,
    StaffStatus,
    Title,
)
from ytcs.workforce.rules import LICENCE_EXPIRY_WARNING_MONTHS, cme_rule


def staff_list(*, user: Any, filters: dict[str, Any] | None = None, action: str = VIEW) -> QuerySet[Staff]:
    """People the user may see, filtered as `filter_staff` describes."""
    return filter_staff(Staff.objects.restrict(user, action).select_related("orgunit", "title"), filters or {})


def filter_staff(qs: QuerySet[Staff], filters: dict[str, Any]) -> QuerySet[Staff]:
    """Filter already restricted people: `orgunit` (code: its subtree), `title` (code), `q` (name, CCCD or phone;
    diacritics ignored), `status` (default working; "all"), `licence_expires_before` (date)."""
    if filters.get("orgunit"):
        root = OrgUnit.objects.filter(code=filters["orgunit"]).values_list("path", flat=True).first()
        qs = qs.filter(subtree_q("orgunit__path", root)) if root else qs.none()
    if filters.get("title"):
        qs = qs.filter(title__code=filters["title"])
    for token in search_tokens(filters.get("q")):
        qs = qs.filter(search_text__contains=token)
    status = filters.get("status") or StaffStatus.ACTIVE
    if status != "all":
        qs = qs.filter(status=status)
    if filters.get("licence_expires_before"):
        qs = qs.filter(
            Exists(
                Licence.objects.filter(
                    staff=OuterRef("pk"),
                    revoked_on__isnull=True,
                    valid_until__isnull=False,
                    valid_until__lt=filters["licence_expires_before"],
                )
            )
        )
    return qs


def staff_get(*, user: Any, pk: int, action: str = VIEW) -> Staff:
    """One person, or 404 when unknown or outside the user's scope."""
    staff = staff_list(user=user, filters={"status": "all"}, action=action).filter(pk=pk).first()
    if staff is None:
        raise Http404
    return staff


def staff_get_for_change(*, user: Any, pk: int) -> Staff:
    """A person whose record the user will change: 404 when they cannot see it, 403 when they may only read it."""
    staff = staff_get(user=user, pk=pk)
    if not in_scope(user, staff.orgunit.path, CHANGE):
        raise PermissionDenied(_("You may view this person's record but not change it."))
    return staff


def staff_with_records(queryset: QuerySet[Staff]) -> QuerySet[Staff]:
    """The people with their licences, certificates, CME activities and postings prefetched (lists show them nested:
    one query per kind of record whatever the number of rows), each in the order of the per-person selectors."""
    return queryset.prefetch_related(
        Prefetch("licences", queryset=Licence.objects.order_by("-issued_on", "-id")),
        Prefetch(
            "certificates",
            queryset=Certificate.objects.select_related("competency").order_by("competency__name", "-issued_on"),
        ),
        Prefetch("cme_activities", queryset=CmeActivity.objects.order_by("-ended_on", "-id")),
        Prefetch("postings", queryset=Posting.objects.select_related("orgunit").order_by("-started_on", "-id")),
    )


def staff_postings(*, staff: Staff) -> QuerySet[Posting]:
    """The person's career in the registry, newest first (the person is already known to be visible)."""
    return staff.postings.select_related("orgunit").order_by("-started_on")


def staff_licences(*, staff: Staff) -> QuerySet[Licence]:
    return staff.licences.order_by("-issued_on")


def staff_certificates(*, staff: Staff) -> QuerySet[Certificate]:
    return staff.certificates.select_related("competency").order_by("competency__name", "-issued_on")


def staff_cme(*, staff: Staff) -> QuerySet[CmeActivity]:
    return staff.cme_activities.order_by("-ended_on")


def title_list(*, include_inactive: bool = False) -> QuerySet[Title]:
    """The catalogue is shared by every unit: anyone logged in may read it (retired entries on request)."""
    qs = Title.objects.all()
    return qs if include_inactive else qs.filter(is_active=True)


def competency_list(*, include_inactive: bool = False) -> QuerySet[Competency]:
    qs = Competency.objects.all()
    return qs if include_inactive else qs.filter(is_active=True)


def valid_licence_q(on: datetime.date, prefix: str = "") -> Q:
    """A licence valid on a date: issued by then, not expired, not revoked."""
    return (
        Q(**{f"{prefix}issued_on__lte": on})
        & (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": on}))
        & (Q(**{f"{prefix}revoked_on__isnull": True}) | Q(**{f"{prefix}revoked_on__gt": on}))
    )


def licences_expiring(
    *, user: Any, on: datetime.date, months: int = LICENCE_EXPIRY_WARNING_MONTHS, filters: dict[str, Any] | None = None
) -> QuerySet[Licence]:
    """Valid licences of working people that expire within `months` of `on`, soonest first."""
    people = staff_list(user=user, filters=filters)
    return (
        Licence.objects.filter(staff__in=people.values("pk"))
        .filter(valid_licence_q(on), valid_until__isnull=False, valid_until__lte=add_months(on, months))
        .select_related("staff", "staff__orgunit", "staff__title")
        .order_by("valid_until", "staff__full_name")
    )


def staff_without_valid_licence(
    *, user: Any, on: datetime.date, filters: dict[str, Any] | None = None
) -> QuerySet[Staff]:
    """Working people whose title needs a practising licence and who hold no valid one on `on`."""
    valid = Licence.objects.filter(valid_licence_q(on), staff=OuterRef("pk"))
    return staff_list(user=user, filters=filters).filter(title__needs_licence=True).exclude(Exists(valid))


def cme_credits_between(start: datetime.date, end: datetime.date) -> Coalesce:
    """A person's credit hours of activities ended from `start` to `end`, as an annotation on staff (0 if none)."""
    credits = (
        CmeActivity.objects.filter(staff=OuterRef("pk"), ended_on__gte=start, ended_on__lte=end)
        .order_by()
        .values("staff")
        .annotate(total=Sum("credits"))
        .values("total")
    )
    return Coalesce(Subquery(credits), Value(Decimal(0)), output_field=DecimalField(max_digits=8, decimal_places=1))


def cme_standing(*, user: Any, on: datetime.date, filters: dict[str, Any] | None = None) -> QuerySet[Staff]:
    """Working people with their credit hours in the rolling window ending on `on`.

    Annotates `cme_credits`, `cme_required` and `cme_due` (in service for the whole window, so the requirement
    applies now); `shortfall=True` in filters keeps those due and below the requirement.
    """
    rule = cme_rule()
    start = rule.window_start(on)
    qs = (
        staff_list(user=user, filters=filters)
        .filter(title__needs_licence=True)
        .annotate(cme_credits=cme_credits_between(start, on), cme_required=Value(rule.credits))
        .annotate(cme_due=Q(started_on__lte=start))
    )
    if (filters or {}).get("shortfall"):
        qs = qs.filter(started_on__lte=start, cme_credits__lt=rule.credits)
    return qs


def cme_window(*, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    return cme_rule().window_start(on), on


RETURN_NOTICE_DAYS = 30
"""Rotations and secondments whose return falls within this many days are listed with the overdue ones."""


def returns_due(*, user: Any, on: datetime.date, filters: dict[str, Any] | None = None) -> QuerySet[Posting]:
    """Open rotations and secondments (luân chuyển, điều động) whose expected return is past or near, of people
    the user may see; soonest first. `orgunit` filters by the unit where the person now works."""
    people = staff_list(user=user, filters=filters)
    return (
        Posting.objects.filter(
            staff__in=people.values("pk"),
            kind__in=[MoveKind.ROTATION, MoveKind.SECONDMENT],
            ended_on__isnull=True,
            expected_return_on__lte=on + datetime.timedelta(days=RETURN_NOTICE_DAYS),
        )
        .select_related("staff", "staff__title", "orgunit")
        .order_by("expected_return_on", "staff__full_name", "pk")
    )
