"""Home page: the user's scope at a glance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.shortcuts import render
from django.utils import timezone

from ytcs.assessments.selectors import assessment_list
from ytcs.orgunits.selectors import scope_summary
from ytcs.training.rules import UPCOMING_RETURN_MONTHS
from ytcs.training.selectors import class_list, commitment_totals, upcoming_returns
from ytcs.workforce.rules import LICENCE_EXPIRY_WARNING_MONTHS
from ytcs.workforce.selectors import cme_standing, licences_expiring, staff_list, staff_without_valid_licence


def workforce_summary(user) -> dict[str, int]:
    """Workforce follow-up figures for the user's scope, each one COUNT in the database."""
    today = timezone.localdate()
    return {
        "working": staff_list(user=user).count(),
        "licences_expiring": licences_expiring(user=user, on=today).count(),
        "without_licence": staff_without_valid_licence(user=user, on=today).count(),
        "cme_shortfall": cme_standing(user=user, on=today, filters={"shortfall": True}).count(),
        "months": LICENCE_EXPIRY_WARNING_MONTHS,
    }


def training_summary(user) -> dict[str, int]:
    """Training follow-up figures: classes to come, sponsored trainees away and due back, commitments broken."""
    today = timezone.localdate()
    totals = commitment_totals(user=user, on=today)
    return {
        "classes_scheduled": class_list(user=user, filters={"status": "scheduled"}).filter(ends_on__gte=today).count(),
        "studying": totals["studying"],
        "returning": upcoming_returns(user=user, on=today).count(),
        "breached": totals["breached"],
        "outstanding": totals["due"] - totals["reimbursed"],
        "months": UPCOMING_RETURN_MONTHS,
    }


NATIONAL_CRITERIA = "qd1300-2030"


def assessment_summary(user) -> dict | None:
    """The latest year with verified national commune-health criteria results in scope: how many, how many passed,
    failed or have no verdict (the pass rule of Decision 1300 is not confirmed); one aggregate."""
    verified = assessment_list(user=user, filters={"framework": NATIONAL_CRITERIA, "status": "verified"})
    year = verified.aggregate(year=Max("year"))["year"]
    if year is None:
        return None
    counts = verified.filter(year=year).aggregate(
        verified=Count("pk"),
        met=Count("pk", filter=Q(passed=True)),
        not_met=Count("pk", filter=Q(passed=False)),
        no_verdict=Count("pk", filter=Q(passed__isnull=True)),
    )
    framework_id = verified.filter(year=year).values_list("framework_id", flat=True).first()
    return {"year": year, "framework_id": framework_id, **counts}


@login_required
def home(request):
    summary = scope_summary(user=request.user)
    roles = request.user.role_assignments.select_related("orgunit").order_by("orgunit__path")
    return render(
        request,
        "core/home.html",
        {
            "summary": summary,
            "workforce": workforce_summary(request.user),
            "training": training_summary(request.user),
            "assessments": assessment_summary(request.user),
            "roles": roles,
        },
    )
