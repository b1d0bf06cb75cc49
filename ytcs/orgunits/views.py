"""Pages of the org-unit tree: list, detail, create/edit/close, populations, import/export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ytcs.core.forms import call_service, valid_filters
from ytcs.core.pages import import_page, paginate, query_without_page, render_page, xlsx_response
from ytcs.core.querysets import CHANGE, in_scope, may_anywhere
from ytcs.core.selectors import audit_for_objects
from ytcs.orgunits import services
from ytcs.orgunits.forms import OrgUnitCloseForm, OrgUnitFilterForm, OrgUnitForm, PopulationForm
from ytcs.orgunits.models import OrgUnit, Population
from ytcs.orgunits.selectors import (
    orgunit_ancestors,
    orgunit_get,
    orgunit_get_for_change,
    orgunit_list,
    parent_choices,
    population_by_year,
    population_list,
)


def _can_change(user, unit: OrgUnit) -> bool:
    return in_scope(user, unit.path, CHANGE)


def _filters(request) -> tuple[OrgUnitFilterForm, dict]:
    form = OrgUnitFilterForm(request.GET or None)
    data = valid_filters(form)
    return form, {k: v for k, v in data.items() if v}


@login_required
def orgunit_list_view(request):
    form, filters = _filters(request)
    units = orgunit_list(user=request.user, filters=filters).order_by("path")
    page = paginate(request, units)
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "can_create": may_anywhere(request.user, CHANGE),
        "parent_filter": filters.get("parent"),
    }
    return render_page(request, "orgunits/list.html", "orgunits/partials/table.html", context)


@login_required
def orgunit_export_view(request):
    from ytcs.orgunits import xlsx  # openpyxl is loaded only when a file is asked for

    _form, filters = _filters(request)
    units = orgunit_list(user=request.user, filters=filters).order_by("path")
    populations = population_list(user=request.user, units=units)
    return xlsx_response(xlsx.orgunit_export_workbook(units=units, populations=populations), "don-vi.xlsx")


@login_required
def orgunit_template_view(request):
    from ytcs.orgunits import xlsx  # openpyxl is loaded only when a file is asked for

    return xlsx_response(xlsx.orgunit_template_workbook(), "mau-nhap-don-vi.xlsx")


@login_required
def orgunit_import_view(request):
    if not may_anywhere(request.user, CHANGE):
        raise PermissionDenied(_("Your roles do not allow importing units."))
    from ytcs.orgunits import xlsx  # openpyxl is loaded only when a file is asked for

    return import_page(
        request,
        run=lambda file: xlsx.orgunits_import(user=request.user, file=file),
        template="orgunits/import.html",
        success=lambda result: (
            _("Import done: %(created)d units created, %(updated)d updated, %(pops)d population figures saved.")
            % {"created": result.created, "updated": result.updated, "pops": result.populations_saved}
        ),
        done_url=reverse("orgunits:list"),
    )


@login_required
def orgunit_detail_view(request, code: str):
    unit = orgunit_get(user=request.user, code=code)
    ancestors = [(a, in_scope(request.user, a.path)) for a in orgunit_ancestors(unit=unit)]
    children = orgunit_list(user=request.user, filters={"parent": unit.code}).order_by("kind", "name")
    history = audit_for_objects(user=request.user, models=[OrgUnit, Population], scope_path=unit.path)[:50]
    can_change = _can_change(request.user, unit)
    return render(
        request,
        "orgunits/detail.html",
        {
            "unit": unit,
            "ancestors": ancestors,
            "children": children[:100],
            "children_count": children.count(),
            "populations": population_by_year(unit=unit),
            "history": history,
            "can_change": can_change,
            "population_form": PopulationForm() if can_change else None,
            "close_form": OrgUnitCloseForm() if can_change and unit.is_open else None,
        },
    )


@login_required
def orgunit_create_view(request):
    if not may_anywhere(request.user, CHANGE):
        raise PermissionDenied(_("Your roles do not allow creating units."))
    initial = {}
    if request.GET.get("parent"):
        initial["parent"] = parent_choices(user=request.user).filter(code=request.GET["parent"]).first()
    form = OrgUnitForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        unit = call_service(form, lambda: services.orgunit_create(user=request.user, **form.cleaned_data))
        if unit is not None:
            messages.success(request, _("Unit %(name)s was created.") % {"name": unit.name})
            return redirect("orgunits:detail", code=unit.code)
    return render(request, "orgunits/form.html", {"form": form, "unit": None})


@login_required
def orgunit_edit_view(request, code: str):
    unit = orgunit_get_for_change(user=request.user, code=code)
    form = OrgUnitForm(request.POST or None, instance=unit, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        updated = call_service(form, lambda: services.orgunit_update(user=request.user, unit=unit, **changes))
        if updated is not None:
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": updated.name})
            return redirect("orgunits:detail", code=updated.code)
    return render(request, "orgunits/form.html", {"form": form, "unit": unit})


@login_required
def orgunit_close_view(request, code: str):
    unit = orgunit_get_for_change(user=request.user, code=code)
    form = OrgUnitCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form, lambda: services.orgunit_close(user=request.user, unit=unit, closed_on=form.cleaned_data["closed_on"])
        )
        if done is not None:
            messages.success(request, _("Unit %(name)s was closed.") % {"name": unit.name})
            return redirect("orgunits:detail", code=unit.code)
    return render(request, "orgunits/close.html", {"form": form, "unit": unit})


@login_required
@require_POST
def population_save_view(request, code: str):
    unit = orgunit_get_for_change(user=request.user, code=code)
    form = PopulationForm(request.POST)
    if form.is_valid():
        done = call_service(form, lambda: services.population_set(user=request.user, unit=unit, **form.cleaned_data))
        if done is not None:
            messages.success(request, _("Population for %(year)s was saved.") % form.cleaned_data)
            return redirect("orgunits:detail", code=unit.code)
    return render(request, "orgunits/population_form.html", {"form": form, "unit": unit}, status=400)


@login_required
@require_POST
def population_delete_view(request, code: str, year: int):
    unit = orgunit_get_for_change(user=request.user, code=code)
    record = get_object_or_404(population_list(user=request.user, units=[unit], action=CHANGE), year=year)
    services.population_delete(user=request.user, record=record)
    messages.success(request, _("Population for %(year)s was deleted.") % {"year": year})
    return redirect("orgunits:detail", code=unit.code)
