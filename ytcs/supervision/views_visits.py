"""Pages of supervision and working visits (chuyến giám sát, làm việc), namespace "supervision": the list, recording
and editing a visit (units visited, team, surveyed areas, checklist, findings), its page with the photos and the
directives it issued (and the form to issue one), the photos themselves. Reads go through `selectors`, writes
through `services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ytcs.assets.selectors_equipment import unit_options
from ytcs.core.forms import add_service_errors, valid_filters
from ytcs.core.pages import paginate, query_without_page, render_page, stored_file_response
from ytcs.core.querysets import CHANGE, may_anywhere
from ytcs.core.selectors import audit_for_objects
from ytcs.supervision import selectors, services
from ytcs.supervision.forms import DirectiveForm, PhotoForm, VisitFilterForm, VisitForm, team_text
from ytcs.supervision.models import SurveyArea, Visit, VisitStatus
from ytcs.supervision.views_directives import directive_args

FILTERS = ("q", "kind", "status", "year", "orgunit")


@login_required
def visit_list_view(request):
    form = VisitFilterForm(request.GET or None)
    data = valid_filters(form)
    filters = {key: data[key] for key in FILTERS if key in data}
    page = paginate(request, selectors.visit_list(user=request.user, filters=filters))
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "unit_options": unit_options(user=request.user),
        "can_create": may_anywhere(request.user, CHANGE),
        "tab": "visits",
    }
    return render_page(
        request, "supervision/visits/visit_list.html", "supervision/visits/partials/visit_table.html", context
    )


def _visit_args(form: VisitForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "title": data["title"],
        "visited_on": data["visited_on"],
        "status": data["status"],
        "units": list(data["units"]),
        "team": data["team"],
        "areas": data["areas"],
        "areas_note": data["areas_note"],
        "framework": data["framework"],
        "findings": data["findings"],
    }


def _render_form(request: HttpRequest, form: VisitForm, visit: Visit | None) -> HttpResponse:
    return render(request, "supervision/visits/visit_form.html", {"form": form, "visit": visit, "tab": "visits"})


@login_required
def visit_create_view(request):
    if not may_anywhere(request.user, CHANGE):
        raise PermissionDenied(_("Your roles do not allow recording visits."))
    if request.method == "POST":
        form = VisitForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                visit = services.visit_create(
                    user=request.user, orgunit=form.cleaned_data["orgunit"], **_visit_args(form)
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The visit was recorded."))
                return redirect("supervision:visit_detail", pk=visit.pk)
        return _render_form(request, form, None)
    initial = {"visited_on": timezone.localdate(), "status": VisitStatus.PLANNED}
    return _render_form(request, VisitForm(user=request.user, initial=initial), None)


@login_required
def visit_edit_view(request, pk: int):
    visit = selectors.visit_get_for_change(user=request.user, pk=pk)
    if request.method == "POST":
        form = VisitForm(request.POST, user=request.user, visit=visit)
        if form.is_valid():
            try:
                services.visit_update(user=request.user, visit=visit, **_visit_args(form))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Changes to the visit were saved."))
                return redirect("supervision:visit_detail", pk=visit.pk)
        return _render_form(request, form, visit)
    initial = {
        "kind": visit.kind,
        "title": visit.title,
        "visited_on": visit.visited_on,
        "status": visit.status,
        "units": [row.orgunit_id for row in selectors.visit_units(visit=visit)],
        "team": team_text(selectors.visit_team(visit=visit)),
        "areas": visit.areas,
        "areas_note": visit.areas_note,
        "framework": visit.framework_id,
        "findings": visit.findings,
    }
    return _render_form(request, VisitForm(user=request.user, visit=visit, initial=initial), visit)


def _detail(request: HttpRequest, visit: Visit, **forms: Any) -> HttpResponse:
    user = request.user
    units = list(selectors.visit_units(visit=visit))
    team = list(selectors.visit_team(visit=visit))
    photos = list(selectors.visit_photos(visit=visit))
    directives = selectors.directive_list(user=user, filters={"visit": visit.pk})
    can_change = selectors.may_change_visit(user, visit)
    can_issue = visit.status == VisitStatus.DONE and selectors.may_issue(user, visit.orgunit)
    if can_change:
        forms.setdefault("photo_form", PhotoForm())
    if can_issue:
        forms.setdefault("directive_form", DirectiveForm(user=user, visit=visit))
    context = {
        "visit": visit,
        "units": units,
        "team": team,
        "photos": photos,
        "area_labels": [SurveyArea(area).label for area in visit.areas if area in SurveyArea.values],
        "directives": directives,
        "can_change": can_change,
        "can_issue": can_issue,
        "history": audit_for_objects(user=user, objects=[visit, *team, *photos])[:50],
        "tab": "visits",
        **forms,
    }
    return render(request, "supervision/visits/visit_detail.html", context)


@login_required
def visit_detail_view(request, pk: int):
    return _detail(request, selectors.visit_get(user=request.user, pk=pk))


@login_required
@require_POST
def visit_photo_add_view(request, pk: int):
    visit = selectors.visit_get_for_change(user=request.user, pk=pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.visit_photo_add(
                user=request.user,
                visit=visit,
                uploaded=form.cleaned_data["file"],
                caption=form.cleaned_data["caption"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The photo was attached."))
            return redirect("supervision:visit_detail", pk=visit.pk)
    return _detail(request, visit, photo_form=form)


@login_required
def visit_photo_view(request, pk: int):
    photo = selectors.photo_get(user=request.user, pk=pk)
    return stored_file_response(photo.file, filename=photo.original_name, content_type=photo.content_type)


@login_required
@require_POST
def visit_photo_delete_view(request, pk: int):
    photo = selectors.photo_get(user=request.user, pk=pk)
    if not selectors.may_change_visit(request.user, photo.visit):
        raise PermissionDenied(_("You may view this visit but not change it."))
    visit_pk = photo.visit_id
    services.visit_photo_delete(user=request.user, photo=photo)
    messages.success(request, _("The photo was removed."))
    return redirect("supervision:visit_detail", pk=visit_pk)


@login_required
@require_POST
def visit_directive_add_view(request, pk: int):
    """Issue a directive from a visit carried out (in the name of its lead unit)."""
    visit = selectors.visit_get(user=request.user, pk=pk)
    if not selectors.may_issue(request.user, visit.orgunit):
        raise PermissionDenied(
            _("Only the approve right on %(unit)s issues directives in its name.") % {"unit": visit.orgunit.name}
        )
    form = DirectiveForm(request.POST, user=request.user, visit=visit)
    if form.is_valid():
        try:
            directive = services.directive_issue(user=request.user, visit=visit, **directive_args(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The directive was issued to %(unit)s.") % {"unit": directive.orgunit.name})
            return redirect("supervision:visit_detail", pk=visit.pk)
    return _detail(request, visit, directive_form=form)
