"""Pages of target plans (kế hoạch chỉ tiêu): the plans, a plan's progress against its targets, the grid of one
indicator's targets (units × years), Excel template, export and import, and the units at risk of missing their
next target. Reads go through `selectors_targets`, writes through `target_services` and `targets_xlsx`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ytcs.accounts.roles import APPROVE
from ytcs.core.forms import ImportForm, add_service_errors, call_service, valid_filters
from ytcs.core.pages import paginate, query_without_page, render_page, xlsx_response
from ytcs.core.querysets import may_anywhere
from ytcs.core.selectors import audit_for_objects
from ytcs.core.xlsx import add_table_sheet, new_workbook, workbook_bytes
from ytcs.indicators import selectors_targets as selectors
from ytcs.indicators import target_services as services
from ytcs.indicators import targets_xlsx
from ytcs.indicators.forms_targets import (
    AtRiskForm,
    PlanEditForm,
    PlanFilterForm,
    PlanForm,
    TargetGridForm,
    plan_initial,
)
from ytcs.indicators.models import TargetPlan
from ytcs.orgunits.models import MAX_LEVEL

TAB = "targets"


def _int(value: Any, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


# ---------------------------------------------------------------------------------------------- plans


@login_required
def target_plan_list_view(request: HttpRequest) -> HttpResponse:
    form = PlanFilterForm(request.GET or None)
    filters = valid_filters(form)
    page = paginate(request, selectors.plan_list(user=request.user, filters=filters))
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "can_create": may_anywhere(request.user, APPROVE),
        "tab": TAB,
    }
    return render_page(
        request, "indicators/targets/plan_list.html", "indicators/targets/partials/plan_table.html", context
    )


@login_required
def target_plan_create_view(request: HttpRequest) -> HttpResponse:
    if not may_anywhere(request.user, APPROVE):
        raise PermissionDenied(_("Only a province administrator or a regional manager records a target plan."))
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        plan = call_service(form, lambda: services.plan_create(user=request.user, **form.cleaned_data))
        if plan is not None:
            messages.success(request, _("The plan %(name)s was recorded.") % {"name": plan.name})
            return redirect("indicators:target_plan_detail", code=plan.code)
    return render(request, "indicators/targets/plan_form.html", {"form": form, "plan": None, "tab": TAB})


@login_required
def target_plan_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, code=code)
    year = _int(request.GET.get("year"), 2000, 2100) or selectors.default_year(plan)
    indicators = selectors.plan_indicators(user=request.user, plan=plan)
    chosen = next((i for i in indicators if i.code == request.GET.get("indicator")), None)
    progress = selectors.plan_progress(user=request.user, plan=plan, year=year, indicator=chosen)
    context = {
        "plan": plan,
        "year": year,
        "years": list(range(plan.start_year, plan.end_year + 1)),
        "indicators": indicators,
        "chosen": chosen,
        "progress": progress,
        "can_manage": selectors.may_manage(request.user, plan),
        "history": audit_for_objects(user=request.user, objects=[plan])[:30],
        "tab": TAB,
    }
    return render(request, "indicators/targets/plan_detail.html", context)


@login_required
def target_plan_edit_view(request: HttpRequest, code: str) -> HttpResponse:
    plan = selectors.plan_get_for_manage(user=request.user, code=code)
    form = PlanEditForm(request.POST or None, initial=plan_initial(plan))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        saved = call_service(form, lambda: services.plan_update(user=request.user, plan=plan, **changes))
        if saved is not None:
            messages.success(request, _("Changes to the plan were saved."))
            return redirect("indicators:target_plan_detail", code=plan.code)
    return render(request, "indicators/targets/plan_form.html", {"form": form, "plan": plan, "tab": TAB})


@login_required
@require_POST
def target_plan_delete_view(request: HttpRequest, code: str) -> HttpResponse:
    plan = selectors.plan_get_for_manage(user=request.user, code=code)
    removed = services.plan_delete(user=request.user, plan=plan)
    messages.success(
        request,
        _("The plan %(name)s was deleted with its %(n)d targets.") % {"name": plan.name, "n": removed},
    )
    return redirect("indicators:target_plan_list")


# ---------------------------------------------------------------------------------------------- grid


def _grid_query(indicator: str, level: int | None, within: str) -> str:
    params = {"indicator": indicator}
    if level:
        params["level"] = level
    if within:
        params["within"] = within
    return urlencode(params)


@login_required
def target_grid_view(request: HttpRequest, code: str) -> HttpResponse:
    plan = selectors.plan_get_for_manage(user=request.user, code=code)
    indicators = list(selectors.indicator_choices())
    planned = selectors.plan_indicators(user=request.user, plan=plan)
    wanted = request.GET.get("indicator")
    indicator = selectors.indicator_by_code(wanted) if wanted else None
    if indicator is None:
        indicator = planned[0] if planned else (indicators[0] if indicators else None)
    if indicator is None:
        messages.error(request, _("The indicator catalogue is empty: add an indicator first."))
        return redirect("indicators:target_plan_detail", code=plan.code)
    level = _int(request.GET.get("level"), plan.orgunit.level, MAX_LEVEL)
    within_code = (request.GET.get("within") or "").strip()
    within = None
    if within_code:
        found = selectors.units_by_code(user=request.user, codes=[within_code])
        within = found.get(within_code)
    grid = selectors.target_grid(user=request.user, plan=plan, indicator=indicator, level=level, within=within)
    form = TargetGridForm(request.POST or None, grid=grid)
    if request.method == "POST" and form.is_valid():
        try:
            counts = services.targets_set(user=request.user, plan=plan, items=form.items())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Targets saved: %(created)d added, %(updated)d changed, %(deleted)d removed.")
                % {"created": counts.created, "updated": counts.updated, "deleted": counts.deleted},
            )
            url = reverse("indicators:target_grid", kwargs={"code": plan.code})
            return redirect(f"{url}?{_grid_query(indicator.code, level, within_code)}")
    context = {
        "plan": plan,
        "grid": grid,
        "form": form,
        "rows": form.rows(),
        "indicators": indicators,
        "planned": {i.pk for i in planned},
        "indicator": indicator,
        "levels": [n for n in selectors.grid_levels(user=request.user, plan=plan) if n > plan.orgunit.level],
        "within_code": within_code,
        "query": _grid_query(indicator.code, level, within_code),
        "tab": TAB,
    }
    return render(request, "indicators/targets/grid.html", context, status=200)


# ---------------------------------------------------------------------------------------------- files


@login_required
def target_import_view(request: HttpRequest, code: str) -> HttpResponse:
    plan = selectors.plan_get_for_manage(user=request.user, code=code)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = targets_xlsx.targets_import(user=request.user, plan=plan, file=form.cleaned_data["file"])
        if result.ok:
            messages.success(
                request,
                _("Imported: %(created)d targets added, %(updated)d changed, %(deleted)d removed, %(same)d unchanged.")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "deleted": result.deleted,
                    "same": result.unchanged,
                },
            )
            return redirect("indicators:target_plan_detail", code=plan.code)
    return render(request, "indicators/targets/import.html", {"plan": plan, "form": form, "result": result, "tab": TAB})


@login_required
def target_export_view(request: HttpRequest, code: str) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, code=code)
    if request.GET.get("template"):
        return xlsx_response(targets_xlsx.targets_workbook(plan=plan), f"mau-chi-tieu-{plan.code}.xlsx")
    targets = selectors.plan_targets(user=request.user, plan=plan)
    return xlsx_response(targets_xlsx.targets_workbook(plan=plan, targets=targets), f"chi-tieu-{plan.code}.xlsx")


# ---------------------------------------------------------------------------------------------- at risk


def _fmt(value: Any) -> Any:
    return float(value) if value is not None else None


def _at_risk_workbook(result: selectors.AtRisk) -> bytes:
    wb = new_workbook()
    rows = [
        (
            r.indicator.code,
            r.indicator.name,
            r.unit.code,
            r.unit.name,
            r.row.latest_year,
            _fmt(r.row.latest_value),
            _fmt(r.row.slope),
            r.row.next_target.year if r.row.next_target else None,
            _fmt(r.row.projected),
            r.row.next_target.value if r.row.next_target else None,
            r.row.next_target.plan_code if r.row.next_target else "",
        )
        for r in result.rows
    ]
    add_table_sheet(
        wb,
        title="Nguy cơ không đạt",
        headers=(
            "Mã chỉ số",
            "Chỉ số",
            "Mã đơn vị",
            "Đơn vị",
            "Năm số liệu gần nhất",
            "Giá trị",
            "Xu hướng/năm",
            "Năm chỉ tiêu",
            "Dự báo",
            "Chỉ tiêu",
            "Kế hoạch",
        ),
        rows=rows,
        widths=(16, 40, 12, 36, 10, 10, 10, 10, 10, 10, 16),
        text_columns=(1, 3),
    )
    return workbook_bytes(wb)


@login_required
def at_risk_view(request: HttpRequest) -> HttpResponse:
    form = AtRiskForm(request.GET or None, user=request.user)
    filters = valid_filters(form)
    plan: TargetPlan | None = None
    if filters.get("plan"):
        plan = selectors.plan_get(user=request.user, code=filters["plan"])
    indicator = selectors.indicator_by_code(filters.get("indicator"))
    year = filters.get("year") or selectors.default_year(plan)
    result = None
    try:
        result = selectors.at_risk(
            user=request.user, year=year, plan=plan, indicator=indicator, level=filters.get("level")
        )
    except ValidationError as error:
        add_service_errors(form, error)
    if result is not None and request.GET.get("export") == "xlsx":
        return xlsx_response(_at_risk_workbook(result), f"nguy-co-khong-dat-{year}.xlsx")
    page = Paginator(result.rows if result else [], 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "result": result,
        "page": page,
        "year": year,
        "plan": plan,
        "query": query_without_page(request),
        "tab": "at_risk",
    }
    return render_page(
        request, "indicators/targets/at_risk.html", "indicators/targets/partials/at_risk_table.html", context
    )
