"""Pages of the equipment area (namespace "assets"): the landing page with its tiles, the inventory (list with
search and filters, .xlsx export, template and all-or-nothing import, an item's page with its moves and history,
record / correct / move), the follow-up lists (out of order, maintenance and calibration due), the gap between the
norms and what each unit has in working order (rolled up by level, drilling down to the units and their items),
and the versioned catalogue with its norms. Reads go through `selectors_equipment`, writes through `services` and
`catalogue_xlsx`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ytcs.assets import catalogue_xlsx, equipment_xlsx, selectors_proposals, services
from ytcs.assets import selectors_equipment as selectors
from ytcs.assets.forms_equipment import (
    CatalogueImportForm,
    EquipmentFilterForm,
    GapForm,
    ItemForm,
    MaintenanceFilterForm,
    MoveForm,
    NormForm,
    OutOfOrderFilterForm,
)
from ytcs.assets.models import Condition, EquipmentCategory
from ytcs.core.forms import call_service, valid_filters
from ytcs.core.pages import import_page, paginate, query_without_page, render_page, xlsx_response
from ytcs.core.querysets import CHANGE, in_scope, may_anywhere
from ytcs.core.selectors import audit_for_objects
from ytcs.core.xlsx import ImportFileError, ImportResult
from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.workforce.catalogue_services import can_manage_catalogues

KIND_LABELS = dict(OrgUnitKind.choices)


def _today() -> datetime.date:
    return timezone.localdate()


def _require_some_change_scope(request: HttpRequest) -> None:
    if not may_anywhere(request.user, CHANGE):
        raise PermissionDenied(_("Your roles do not allow changing the equipment inventory."))


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_catalogues(request.user):
        raise PermissionDenied(_("Only province administrators change the catalogues."))


# ---------------------------------------------------------------------------------------------- landing


def _stock_tiles(user: Any) -> Any:
    """The medicine tiles, when the stock pages exist (`selectors_stock.home_tiles`)."""
    try:
        from ytcs.assets import selectors_stock
    except ImportError:
        return None
    home_tiles = getattr(selectors_stock, "home_tiles", None)
    return home_tiles(user) if home_tiles else None


@login_required
def home_view(request):
    user = request.user
    context = {
        "counts": selectors.home_counts(user=user, today=_today()),
        "awaiting": selectors_proposals.awaiting_count(user=user),
        "catalogue": selectors.current_catalogue(),
        "window": selectors.DUE_WINDOW_DAYS,
        "stock_tiles": _stock_tiles(user),
        "can_change": may_anywhere(user, CHANGE),
        "tab": "home",
    }
    return render(request, "assets/home.html", context)


# ---------------------------------------------------------------------------------------------- inventory


def _item_filters(form: EquipmentFilterForm) -> dict[str, Any]:
    data = valid_filters(form)
    filters = {
        "q": data.get("q"),
        "orgunit": (data.get("orgunit") or "").strip(),
        "condition": data.get("condition"),
        "category": data.get("category"),
        "type": data.get("type"),
    }
    return {key: value for key, value in filters.items() if value}


@login_required
def equipment_list_view(request):
    form = EquipmentFilterForm(request.GET or None)
    filters = _item_filters(form)
    page = paginate(request, selectors.item_list(user=request.user, filters=filters))
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "unit_filter": filters.get("orgunit", ""),
        "unit_options": selectors.unit_options(user=request.user),
        "can_change": may_anywhere(request.user, CHANGE),
        "tab": "equipment_list",
    }
    return render_page(request, "assets/equipment/item_list.html", "assets/equipment/partials/item_table.html", context)


@login_required
def equipment_export_view(request):
    filters = _item_filters(EquipmentFilterForm(request.GET or None))
    items = selectors.item_list(user=request.user, filters=filters)
    return xlsx_response(equipment_xlsx.export_workbook(items=items), "trang-thiet-bi.xlsx")


@login_required
def equipment_template_view(request):
    return xlsx_response(equipment_xlsx.template_workbook(), "mau-nhap-trang-thiet-bi.xlsx")


@login_required
def equipment_import_view(request):
    _require_some_change_scope(request)
    return import_page(
        request,
        run=lambda file: equipment_xlsx.import_items(user=request.user, file=file),
        template="assets/equipment/import.html",
        success=lambda result: (
            _("Import done: %(created)d items recorded, %(updated)d corrected, %(unchanged)d unchanged.")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        ),
        done_url=reverse("assets:equipment_list"),
    )


@login_required
def equipment_detail_view(request, pk: int):
    item = selectors.item_get(user=request.user, pk=pk)
    moves = list(selectors.item_moves(user=request.user, item=item))
    can_change = in_scope(request.user, item.orgunit.path, CHANGE)
    today = _today()
    context = {
        "item": item,
        "moves": moves,
        "history": audit_for_objects(user=request.user, objects=[item, *moves])[:50],
        "can_change": can_change,
        "can_move": can_change and item.condition != Condition.RETIRED,
        "today": today,
        "soon": today + datetime.timedelta(days=selectors.DUE_WINDOW_DAYS),
        "tab": "equipment_list",
    }
    return render(request, "assets/equipment/item_detail.html", context)


@login_required
def equipment_create_view(request):
    _require_some_change_scope(request)
    initial: dict[str, Any] = {"condition": Condition.WORKING}
    if request.method == "GET":
        code = (request.GET.get("orgunit") or "").strip()
        if code:
            unit = selectors.visible_units(user=request.user, action=CHANGE).filter(code__iexact=code).first()
            if unit is not None:
                initial["orgunit"] = unit.pk
        equipment_type = selectors.current_type_by_code(request.GET.get("type") or "")
        if equipment_type is not None:
            initial["equipment_type"] = equipment_type.pk
    form = ItemForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        item = call_service(form, lambda: services.item_create(user=request.user, **form.cleaned_data))
        if item is not None:
            messages.success(request, _("%(item)s was recorded at %(unit)s.") % {"item": item, "unit": item.orgunit})
            return redirect("assets:equipment_detail", pk=item.pk)
    return render(request, "assets/equipment/item_form.html", {"form": form, "item": None, "tab": "equipment_list"})


@login_required
def equipment_edit_view(request, pk: int):
    item = selectors.item_get_for_change(user=request.user, pk=pk)
    form = ItemForm(request.POST or None, instance=item, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        saved = call_service(form, lambda: services.item_update(user=request.user, item=item, **changes))
        if saved is not None:
            messages.success(request, _("Changes to the item were saved."))
            return redirect("assets:equipment_detail", pk=item.pk)
    return render(request, "assets/equipment/item_form.html", {"form": form, "item": item, "tab": "equipment_list"})


def _check_move_target(request: HttpRequest) -> None:
    """A move needs rights on both ends: an unknown or unseen target is 404, a read-only one 403."""
    raw = (request.POST.get("to_unit") or "").strip()
    if raw:
        selectors.move_target(user=request.user, unit=selectors.unit_by_pk(user=request.user, pk=raw))


@login_required
def equipment_move_view(request, pk: int):
    item = selectors.item_get_for_change(user=request.user, pk=pk)
    if request.method == "POST":
        _check_move_target(request)
    form = MoveForm(request.POST or None, user=request.user, item=item)
    if request.method == "POST" and form.is_valid():
        move = call_service(form, lambda: services.item_move(user=request.user, item=item, **form.cleaned_data))
        if move is not None:
            messages.success(request, _("The item was moved to %(unit)s.") % {"unit": move.to_unit.name})
            return redirect("assets:equipment_detail", pk=item.pk)
    return render(request, "assets/equipment/item_move.html", {"form": form, "item": item, "tab": "equipment_list"})


# ---------------------------------------------------------------------------------------------- follow-up lists


@login_required
def out_of_order_view(request):
    form = OutOfOrderFilterForm(request.GET or None)
    data = valid_filters(form)
    filters = {key: data.get(key) for key in ("orgunit", "condition", "category") if data.get(key)}
    page = paginate(request, selectors.out_of_order(user=request.user, filters=filters))
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "unit_options": selectors.unit_options(user=request.user),
        "tab": "broken",
    }
    return render_page(request, "assets/equipment/broken.html", "assets/equipment/partials/broken_table.html", context)


@login_required
def maintenance_due_view(request):
    form = MaintenanceFilterForm(request.GET or None)
    data = valid_filters(form)
    filters = {key: data.get(key) for key in ("orgunit", "category") if data.get(key)}
    today = _today()
    overdue_only = data.get("window") == "overdue"
    page = paginate(
        request,
        selectors.maintenance_due(user=request.user, filters=filters, today=today, overdue_only=overdue_only),
    )
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "unit_options": selectors.unit_options(user=request.user),
        "today": today,
        "window": selectors.DUE_WINDOW_DAYS,
        "tab": "maintenance_due",
    }
    return render_page(
        request, "assets/equipment/maintenance.html", "assets/equipment/partials/maintenance_table.html", context
    )


# ---------------------------------------------------------------------------------------------- gaps


@dataclass(frozen=True)
class GapParams:
    root: OrgUnit | None
    level: int | None
    levels: list[tuple[int, str]]
    form: GapForm

    def query(self, unit: OrgUnit | None = None) -> str:
        values: dict[str, Any] = {}
        if unit is not None or self.root is not None:
            values["orgunit"] = (unit or self.root).code
        if self.level:
            values["level"] = self.level
        return urlencode(values)


def _gap_params(request: HttpRequest) -> GapParams:
    form = GapForm(request.GET or None)
    data = valid_filters(form)
    code = (data.get("orgunit") or "").strip()
    root = selectors.unit_get(user=request.user, code=code) if code else selectors.default_root(user=request.user)
    if root is None:
        return GapParams(None, None, [], GapForm())
    levels = selectors.gap_levels(user=request.user, root=root)
    available = [level for level, _label in levels]
    level = data.get("level")
    if level not in available:
        below = [n for n in available if n > root.level]
        level = below[0] if below else root.level
    shown = GapForm({"orgunit": root.code, "level": level})
    shown.is_valid()
    return GapParams(root, level, levels, shown)


@login_required
def gaps_view(request):
    params = _gap_params(request)
    context: dict[str, Any] = {
        "params": params,
        "form": params.form,
        "unit_options": selectors.unit_options(user=request.user),
        "tab": "gaps",
    }
    if params.root is not None:
        table = selectors.gap_table(user=request.user, root=params.root, level=params.level)
        page = paginate(request, selectors.gap_rows(user=request.user, root=params.root, level=params.level), 50)
        context.update(
            {
                "table": table,
                "page": page,
                "rows": [(unit, table.row(unit)) for unit in page.object_list],
                "totals": table.total_row(),
                "query": query_without_page(request),
                "catalogue": selectors.current_catalogue(),
            }
        )
    return render(request, "assets/equipment/gaps.html", context)


@login_required
def gap_detail_view(request, type_code: str):
    types = {t.code: t for t in selectors.norm_types()}
    equipment_type = types.get(type_code)
    if equipment_type is None:
        raise Http404
    params = _gap_params(request)
    if params.root is None:
        raise Http404
    page = paginate(request, selectors.gap_units(user=request.user, root=params.root, type_code=type_code), 50)
    units = list(page.object_list)
    items = selectors.gap_items(user=request.user, units=units, type_code=type_code)
    rows = [(unit, items[unit.pk], in_scope(request.user, unit.path, CHANGE)) for unit in units]
    context = {
        "params": params,
        "equipment_type": equipment_type,
        "norms": [
            (KIND_LABELS.get(norm.unit_kind, norm.unit_kind), norm)
            for norm in selectors.catalogue_norms(catalogue=equipment_type.catalogue).filter(
                equipment_type=equipment_type
            )
        ],
        "page": page,
        "rows": rows,
        "query": query_without_page(request),
        "tab": "gaps",
    }
    return render_page(request, "assets/equipment/gap_detail.html", "assets/equipment/partials/gap_units.html", context)


# ---------------------------------------------------------------------------------------------- catalogue


@login_required
def catalogue_list_view(request):
    context = {
        "catalogues": selectors.catalogue_list(),
        "can_manage": can_manage_catalogues(request.user),
        "tab": "catalogue",
    }
    return render(request, "assets/catalogue/catalogue_list.html", context)


@login_required
def catalogue_detail_view(request, pk: int):
    catalogue = selectors.catalogue_get(pk=pk)
    norms = list(selectors.catalogue_norms(catalogue=catalogue))
    kinds: dict[str, list[Any]] = {}
    for norm in norms:
        kinds.setdefault(norm.unit_kind, []).append(norm)
    context = {
        "catalogue": catalogue,
        "types": selectors.catalogue_types(catalogue=catalogue),
        "norm_groups": [(KIND_LABELS.get(kind, kind), group) for kind, group in kinds.items()],
        "categories": dict(EquipmentCategory.choices),
        "can_manage": can_manage_catalogues(request.user),
        "tab": "catalogue",
    }
    return render(request, "assets/catalogue/catalogue_detail.html", context)


@login_required
def catalogue_export_view(request, pk: int):
    catalogue = selectors.catalogue_get(pk=pk)
    return xlsx_response(
        catalogue_xlsx.equipment_export(catalogue), f"danh-muc-trang-thiet-bi-{catalogue.code}-{catalogue.version}.xlsx"
    )


@login_required
def catalogue_import_view(request):
    _require_manager(request)
    form = CatalogueImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result, catalogue = catalogue_xlsx.equipment_import(
                user=request.user, file=form.cleaned_data["file"], make_current=form.cleaned_data["make_current"]
            )
        except ImportFileError as error:
            result, catalogue = ImportResult(), None
            result.add_error(sheet="", row=None, message=error.message)
        if catalogue is not None:
            messages.success(
                request,
                _("Version %(version)s of the catalogue was imported: %(count)d types and norms.")
                % {"version": catalogue.version, "count": result.created},
            )
            return redirect("assets:catalogue_detail", pk=catalogue.pk)
    return render(
        request, "assets/catalogue/catalogue_import.html", {"form": form, "result": result, "tab": "catalogue"}
    )


@login_required
@require_POST
def catalogue_current_view(request, pk: int):
    _require_manager(request)
    catalogue = selectors.catalogue_get(pk=pk)
    services.catalogue_make_current(user=request.user, catalogue=catalogue)
    messages.success(request, _("Version %(version)s is now the current catalogue.") % {"version": catalogue.version})
    return redirect("assets:catalogue_detail", pk=catalogue.pk)


@login_required
def norm_form_view(request, pk: int, new: bool = False):
    _require_manager(request)
    if new:
        catalogue, norm = selectors.catalogue_get(pk=pk), None
    else:
        norm = selectors.norm_get(pk=pk)
        catalogue = norm.catalogue
    form = NormForm(request.POST or None, instance=norm, catalogue=catalogue)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form, lambda: services.norm_save(user=request.user, catalogue=catalogue, norm=norm, **form.cleaned_data)
        )
        if saved is not None:
            messages.success(request, _("The norm was saved."))
            return redirect(reverse("assets:catalogue_detail", args=[catalogue.pk]) + "#norms")
    context = {"form": form, "norm": norm, "catalogue": catalogue, "tab": "catalogue"}
    return render(request, "assets/catalogue/norm_form.html", context)


@login_required
@require_POST
def norm_delete_view(request, pk: int):
    _require_manager(request)
    norm = selectors.norm_get(pk=pk)
    catalogue_pk = norm.catalogue_id
    try:
        services.norm_delete(user=request.user, norm=norm)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The norm was removed."))
    return redirect(reverse("assets:catalogue_detail", args=[catalogue_pk]) + "#norms")
