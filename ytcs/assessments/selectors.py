"""Reads of assessments; each starts from the viewer's restriction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from ytcs.assessments.models import Answer, Assessment, AssessmentStatus, Evidence, Framework
from ytcs.core.querysets import CHANGE, VIEW, in_scope, subtree_q
from ytcs.orgunits.models import OrgUnit


def framework_list(*, include_inactive: bool = False) -> QuerySet[Framework]:
    """Shared catalogue: anyone logged in reads it."""
    qs = Framework.objects.annotate(criteria_count=Count("criteria", distinct=True))
    return qs if include_inactive else qs.filter(is_active=True)


def framework_get(*, pk: Any) -> Framework:
    framework = framework_list(include_inactive=True).filter(pk=pk).first() if str(pk).isdigit() else None
    if framework is None:
        raise Http404
    return framework


def assessment_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Assessment]:
    """Assessments of the units the user may see: `framework` (code), `year`, `status`, `orgunit` (code: its
    subtree), `passed` (true/false)."""
    filters = filters or {}
    qs = Assessment.objects.restrict(user, VIEW).select_related("orgunit", "framework")
    if filters.get("framework"):
        qs = qs.filter(framework__code=filters["framework"])
    if filters.get("year"):
        qs = qs.filter(year=filters["year"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("passed") in (True, False):
        qs = qs.filter(passed=filters["passed"])
    if filters.get("orgunit"):
        root = OrgUnit.objects.filter(code__iexact=filters["orgunit"]).values_list("path", flat=True).first()
        qs = qs.filter(subtree_q("orgunit__path", root)) if root else qs.none()
    return qs.order_by("-year", "orgunit__path", "framework__code")


def assessment_get(*, user: Any, pk: Any) -> Assessment:
    assessment = assessment_list(user=user).filter(pk=pk).first() if str(pk).isdigit() else None
    if assessment is None:
        raise Http404
    return assessment


def assessment_get_for_change(*, user: Any, pk: Any) -> Assessment:
    assessment = assessment_get(user=user, pk=pk)
    if not in_scope(user, assessment.orgunit.path, CHANGE):
        raise PermissionDenied(_("You may view this assessment but not change it."))
    return assessment


def assessment_answers(*, assessment: Assessment) -> QuerySet[Answer]:
    return assessment.answers.select_related("item", "item__criterion")


def assessment_evidence(*, assessment: Assessment) -> QuerySet[Evidence]:
    return assessment.evidence.select_related("item", "uploaded_by")


def evidence_get(*, user: Any, pk: Any) -> Evidence:
    evidence = (
        Evidence.objects.restrict(user, VIEW).select_related("assessment__orgunit").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if evidence is None:
        raise Http404
    return evidence


def unit_history(*, user: Any, orgunit: OrgUnit, framework_code: str) -> QuerySet[Assessment]:
    """A unit's results across years for a framework (comparison)."""
    return assessment_list(user=user, filters={"framework": framework_code}).filter(orgunit=orgunit).order_by("year")


def ranking(*, user: Any, framework: Framework, year: int, root: OrgUnit | None = None) -> QuerySet[Assessment]:
    """Verified results of a year, best first (province view)."""
    qs = assessment_list(user=user).filter(framework=framework, year=year, status=AssessmentStatus.VERIFIED)
    if root is not None:
        qs = qs.filter(subtree_q("orgunit__path", root.path))
    return qs.order_by("-total", "orgunit__code")
