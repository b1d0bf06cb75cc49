"""Reads of equipment investment proposals (đề xuất đầu tư trang thiết bị) for the pages and the API, and who may act
on a proposal now. Every query that reaches a user starts from `.restrict(user, action)`.

The review chain is the one `services` applies: the proposing unit submits; the approve right on the unit above
reviews (a regional centre for its stations); then the province (the approve right on the province above the unit)
reviews, funds and records the delivery.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from ytcs.accounts.roles import APPROVE, actions_for_role
from ytcs.assessments.models import Assessment
from ytcs.assets.models import InvestmentProposal, ProposalLine, ProposalStatus, ProposalStep
from ytcs.core.querysets import CHANGE, VIEW, in_scope, scope_paths, subtree_q
from ytcs.core.subqueries import count_of, sum_of
from ytcs.orgunits.models import OrgUnit, OrgUnitKind

EDITABLE = (ProposalStatus.DRAFT, ProposalStatus.RETURNED)
BOXES = ("mine", "review")


def _pk(value: Any) -> int | None:
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def _subtrees(field: str, paths: list[str]) -> Q:
    return reduce(or_, (subtree_q(field, path) for path in paths), Q(pk__in=[]))


def _provinces_to_fund(user: Any) -> list[str] | None:
    """Paths of the provinces where the user records funding and delivery (None: all, for a superuser)."""
    paths = scope_paths(user, APPROVE)
    if paths is None:
        return None
    if not paths:
        return []
    provinces = OrgUnit.objects.restrict(user, APPROVE).filter(kind=OrgUnitKind.PROVINCE).values_list("path", flat=True)
    return list(provinces)


def _approve_role_paths(user: Any) -> list[str]:
    """Paths of the units on which the user holds a role with the approve right (not the units below them)."""
    rows = user.role_assignments.values_list("role", "orgunit__path")
    return sorted({path for role, path in rows if APPROVE in actions_for_role(role)})


def awaiting_q(user: Any) -> Q:
    """Proposals waiting for the user: under review at a unit where they hold a role with the approve right (a
    province administrator can act for a regional centre below, but the centre's proposals wait for the centre), or
    approved or funded under a province where they record funding and delivery."""
    approve = scope_paths(user, APPROVE)
    if approve is None:
        return Q(status__in=[ProposalStatus.SUBMITTED, ProposalStatus.APPROVED, ProposalStatus.FUNDED])
    if not approve:
        return Q(pk__in=[])
    review = Q(status=ProposalStatus.SUBMITTED, reviewer_unit__path__in=_approve_role_paths(user))
    provinces = _provinces_to_fund(user) or []
    fund = Q(status__in=[ProposalStatus.APPROVED, ProposalStatus.FUNDED]) & _subtrees("orgunit__path", provinces)
    return review | fund


def proposal_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[InvestmentProposal]:
    """Proposals of the units the user sees: `status`, `year`, `orgunit` (code: its subtree), `box` ("mine": of the
    units the user may change; "review": waiting for the user). Annotated with `line_count`, `item_count` and
    `total_cost` (Σ quantity × unit cost), newest first."""
    filters = filters or {}
    qs = InvestmentProposal.objects.restrict(user, VIEW).select_related("orgunit__parent", "reviewer_unit")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("year"):
        qs = qs.filter(year=filters["year"])
    if filters.get("orgunit"):
        root = OrgUnit.objects.filter(code__iexact=filters["orgunit"].strip()).values_list("path", flat=True).first()
        qs = qs.filter(subtree_q("orgunit__path", root)) if root else qs.none()
    if filters.get("box") == "mine":
        paths = scope_paths(user, CHANGE)
        qs = qs if paths is None else qs.filter(_subtrees("orgunit__path", paths))
    elif filters.get("box") == "review":
        qs = qs.filter(awaiting_q(user))
    lines = ProposalLine.objects.filter(proposal=OuterRef("pk"))
    money = DecimalField(max_digits=20, decimal_places=0)
    return qs.annotate(
        line_count=count_of(lines, "proposal"),
        item_count=sum_of(lines, "proposal", "quantity"),
        total_cost=sum_of(
            lines, "proposal", ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=money), money
        ),
    ).order_by("-year", "-created", "-id")


def proposal_get(*, user: Any, pk: Any) -> InvestmentProposal:
    """One proposal, or 404 when unknown or outside the user's scope."""
    number = _pk(pk)
    proposal = proposal_list(user=user).filter(pk=number).first() if number is not None else None
    if proposal is None:
        raise Http404
    return proposal


def proposal_get_for_change(*, user: Any, pk: Any) -> InvestmentProposal:
    """A proposal its unit will edit or submit: 404 when unseen, 403 when the user may only read the unit."""
    proposal = proposal_get(user=user, pk=pk)
    if not in_scope(user, proposal.orgunit.path, CHANGE):
        raise PermissionDenied(_("You may view this proposal but not change it."))
    return proposal


def proposal_lines(*, proposal: InvestmentProposal) -> QuerySet[ProposalLine]:
    return proposal.lines.select_related("equipment_type", "equipment_type__catalogue").order_by("id")


def proposal_steps(*, proposal: InvestmentProposal) -> QuerySet[ProposalStep]:
    return proposal.steps.select_related("orgunit", "by").order_by("at", "id")


def awaiting_count(*, user: Any) -> int:
    return InvestmentProposal.objects.restrict(user, VIEW).filter(awaiting_q(user)).count()


def province_of(*, proposal: InvestmentProposal) -> OrgUnit:
    """The top of the review chain (the province above the unit, or the unit itself): one query."""
    unit = proposal.orgunit
    ids = [*unit.ancestor_ids, unit.pk]
    chain = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
    for pk in ids:
        if chain[pk].kind == OrgUnitKind.PROVINCE:
            return chain[pk]
    return chain[ids[0]]


def may_review(*, user: Any, proposal: InvestmentProposal) -> bool:
    """Whether the user holds the approve right somewhere up the proposal's chain (a unit never reviews itself)."""
    unit = proposal.orgunit
    if unit.parent_id is None:
        return in_scope(user, unit.path, APPROVE)
    return in_scope(user, unit.parent.path, APPROVE)


def may_review_now(*, user: Any, proposal: InvestmentProposal) -> bool:
    """Whether the proposal is under review at a unit where the user holds the approve right."""
    unit = proposal.reviewer_unit
    if proposal.status != ProposalStatus.SUBMITTED or unit is None:
        return False
    return in_scope(user, unit.path, APPROVE) and not (unit.pk == proposal.orgunit_id and unit.parent_id)


def ensure_may_review(*, user: Any, proposal: InvestmentProposal) -> None:
    """Refuse a review by someone who never reviews this proposal (403), before the state is looked at."""
    if not may_review(user=user, proposal=proposal):
        raise PermissionDenied(_("Only the reviewers above the proposing unit act on this proposal."))


def may_fund(*, user: Any, proposal: InvestmentProposal, province: OrgUnit | None = None) -> bool:
    province = province or province_of(proposal=proposal)
    return in_scope(user, province.path, APPROVE)


def proposal_units(*, user: Any) -> QuerySet[OrgUnit]:
    """Open units the user may change, which may propose (satellite points propose through their station)."""
    return (
        OrgUnit.objects.restrict(user, CHANGE)
        .filter(closed_on__isnull=True)
        .exclude(kind=OrgUnitKind.SATELLITE)
        .order_by("path")
    )


def unit_assessments(*, user: Any, units: QuerySet[OrgUnit] | list[OrgUnit]) -> QuerySet[Assessment]:
    """Assessment results of the given units that the user sees, latest year first (a proposal may refer to one)."""
    return (
        Assessment.objects.restrict(user, VIEW)
        .filter(orgunit__in=units)
        .select_related("orgunit", "framework")
        .order_by("-year", "orgunit__path", "framework__code")
    )


def assessment_for(*, user: Any, pk: Any) -> Assessment:
    number = _pk(pk)
    assessment = (
        Assessment.objects.restrict(user, VIEW).select_related("orgunit", "framework").filter(pk=number).first()
        if number is not None
        else None
    )
    if assessment is None:
        raise Http404
    return assessment
