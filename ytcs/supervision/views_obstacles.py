"""Pages of obstacles and proposals (vướng mắc, đề xuất) sent up to the Department's offices, of the user's
notifications (thông báo), and of a unit's timeline (dòng thời gian), namespace "supervision". Reads go through
`selectors`, writes through `services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ytcs.assets.selectors_equipment import unit_options
from ytcs.core.forms import add_service_errors, valid_filters
from ytcs.core.pages import paginate, query_without_page, render_page
from ytcs.core.querysets import CHANGE, may_anywhere
from ytcs.core.selectors import audit_for_objects
from ytcs.orgunits.selectors import orgunit_get
from ytcs.supervision import selectors, services
from ytcs.supervision.forms import AnswerForm, ObstacleFilterForm, ObstacleForm
from ytcs.supervision.models import Obstacle, ObstacleStatus

FILTERS = ("q", "box", "status", "kind", "office", "orgunit")


@login_required
def obstacle_list_view(request):
    form = ObstacleFilterForm(request.GET or None)
    data = valid_filters(form)
    filters = {key: data[key] for key in FILTERS if data.get(key)}
    page = paginate(request, selectors.obstacle_list(user=request.user, filters=filters))
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "unit_options": unit_options(user=request.user),
        "can_create": may_anywhere(request.user, CHANGE),
        "tab": "obstacles",
    }
    return render_page(
        request,
        "supervision/obstacles/obstacle_list.html",
        "supervision/obstacles/partials/obstacle_table.html",
        context,
    )


@login_required
def obstacle_create_view(request):
    if not may_anywhere(request.user, CHANGE):
        raise PermissionDenied(_("Your roles do not allow sending obstacles or proposals."))
    form = ObstacleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            obstacle = services.obstacle_send(
                user=request.user,
                orgunit=data["orgunit"],
                kind=data["kind"],
                subject=data["subject"],
                body=data["body"],
                office=data["office"],
                directive=data["directive"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Sent to the Department."))
            return redirect("supervision:obstacle_detail", pk=obstacle.pk)
    return render(request, "supervision/obstacles/obstacle_form.html", {"form": form, "tab": "obstacles"})


def _detail(request: HttpRequest, obstacle: Obstacle, **forms: Any) -> HttpResponse:
    user = request.user
    answers = list(selectors.obstacle_answers(obstacle=obstacle))
    open_ = obstacle.status != ObstacleStatus.RESOLVED
    can_answer = open_ and selectors.may_answer(user, obstacle)
    if can_answer:
        forms.setdefault("answer_form", AnswerForm())
    context = {
        "obstacle": obstacle,
        "answers": answers,
        "can_answer": can_answer,
        "can_resolve": open_ and selectors.may_resolve(user, obstacle),
        "history": audit_for_objects(user=user, objects=[obstacle, *answers])[:50],
        "tab": "obstacles",
        **forms,
    }
    return render(request, "supervision/obstacles/obstacle_detail.html", context)


@login_required
def obstacle_detail_view(request, pk: int):
    return _detail(request, selectors.obstacle_get(user=request.user, pk=pk))


@login_required
@require_POST
def obstacle_answer_view(request, pk: int):
    obstacle = selectors.obstacle_get_for_answer(user=request.user, pk=pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.obstacle_answer(user=request.user, obstacle=obstacle, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The answer was sent."))
            return redirect("supervision:obstacle_detail", pk=obstacle.pk)
    return _detail(request, selectors.obstacle_get(user=request.user, pk=pk), answer_form=form)


@login_required
@require_POST
def obstacle_resolve_view(request, pk: int):
    obstacle = selectors.obstacle_get_for_resolve(user=request.user, pk=pk)
    try:
        services.obstacle_resolve(user=request.user, obstacle=obstacle)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Closed as resolved."))
    return redirect("supervision:obstacle_detail", pk=obstacle.pk)


# ---------------------------------------------------------------------------------------------- notifications


@login_required
def notification_list_view(request):
    unread = request.GET.get("unread") == "1"
    page = paginate(request, selectors.notification_list(user=request.user, unread=unread))
    context = {
        "page": page,
        "unread": unread,
        "unread_total": selectors.unread_count(user=request.user),
        "query": query_without_page(request),
        "tab": "notifications",
    }
    return render_page(
        request,
        "supervision/notifications/notification_list.html",
        "supervision/notifications/partials/notification_table.html",
        context,
    )


@login_required
def notification_count_view(request):
    """The header bell's text, "🔔" and the unread count: fetched by htmx after each page has loaded."""
    count = selectors.unread_count(user=request.user)
    response = HttpResponse(f"🔔 {count}" if count else "🔔", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def notification_read_view(request, pk: int):
    """Mark one notification read, then open what it is about (or go back to the list)."""
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.notification_mark_read(user=request.user, notification=notification)
    link = notification.link
    if request.POST.get("open") and link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("supervision:notification_list")


@login_required
@require_POST
def notification_read_all_view(request):
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(n)d notifications marked read.") % {"n": count})
    return redirect("supervision:notification_list")


# ---------------------------------------------------------------------------------------------- timeline


TIMELINE_PAGE_SIZE = 50
TIMELINE_KIND_LABELS = [
    ("visit", gettext_lazy("Visits")),
    ("assessment", gettext_lazy("Assessments")),
    ("directive", gettext_lazy("Directives")),
    ("directive_update", gettext_lazy("Follow-up of directives")),
    ("obstacle", gettext_lazy("Obstacles and proposals")),
    ("data_values", gettext_lazy("Reported data")),
]


@login_required
def timeline_view(request, code: str):
    """A unit's visits, assessments, directives and their follow-up, obstacles and indicator data changes, newest
    first, one page at a time (optionally only some kinds)."""
    unit = orgunit_get(user=request.user, code=code)
    kinds = [kind for kind in request.GET.getlist("kind") if kind in selectors.TIMELINE_KINDS]
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    page = selectors.timeline_for_unit(
        user=request.user, unit=unit, page=number, page_size=TIMELINE_PAGE_SIZE, kinds=kinds or None
    )
    events = [{"event": event, **selectors.event_summary(event)} for event in page.events]
    context = {
        "unit": unit,
        "timeline": page,
        "events": events,
        "kinds": kinds,
        "kind_choices": TIMELINE_KIND_LABELS,
        "query": query_without_page(request),
        "tab": "timeline",
    }
    return render(request, "supervision/timeline.html", context)
