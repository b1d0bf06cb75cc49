"""Home page: the user's scope at a glance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ytcs.orgunits.selectors import orgunit_roots, scope_summary


@login_required
def home(request):
    summary = scope_summary(user=request.user)
    roles = request.user.role_assignments.select_related("orgunit").order_by("orgunit__path")
    return render(
        request,
        "core/home.html",
        {"summary": summary, "roles": roles, "roots": orgunit_roots(user=request.user)[:20]},
    )
