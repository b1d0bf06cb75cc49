"""Pages of the medicine list and the stock ledger (danh mục thuốc, sổ kho thuốc) under /assets/: a unit's stock
with its balance on any date, the ledger, receipts, issues, adjustments and transfers, the alerts rolled up by
level, and the monthly consumption report. Reads go through `selectors_stock` (and `ytcs.assets.selectors`),
writes through `ytcs.assets.stock`; the medicine list's import and export through `catalogue_xlsx`.

A unit is chosen with `?unit=CODE` (default: the user's own unit): out of sight answers 404; a write by someone
who may only read it answers 403, on opening the form too.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ytcs.assets import catalogue_xlsx, stock, stock_xlsx
from ytcs.assets import selectors_stock as selectors
from ytcs.assets.forms_stock import (
    AdjustForm,
    BalanceDateForm,
    IssueForm,
    LedgerFilterForm,
    MedicineImportForm,
    MedicineSearchForm,
    ReceiveForm,
    ReportMonthForm,
    TransferForm,
    medicine_label,
)
from ytcs.core.forms import add_service_errors, valid_filters
from ytcs.core.pages import paginate, query_without_page, render_page, xlsx_response
from ytcs.core.querysets import CHANGE, in_scope
from ytcs.core.xlsx import ImportFileError, ImportResult
from ytcs.orgunits.models import OrgUnit
from ytcs.orgunits.selectors import orgunit_get
from ytcs.workforce.catalogue_services import can_manage_catalogues

DETAIL_MAX = 100
"""Rows of each alert list shown under a unit (the counts above say how many there are; drill down for the rest)."""


def _only_managers(user: Any) -> None:
    if not can_manage_catalogues(user):
        raise PermissionDenied(_("Only province administrators change the catalogues."))


def _unit(request: HttpRequest, *, change: bool = False) -> OrgUnit:
    """The unit of `?unit=CODE` (default: the user's own): 404 out of sight, 403 when a write is refused."""
    code = (request.GET.get("unit") or "").strip()
    unit = orgunit_get(user=request.user, code=code) if code else selectors.default_stock_unit(user=request.user)
    if unit is None:
        raise Http404
    if change and not in_scope(request.user, unit.path, CHANGE):
        raise PermissionDenied(_("You may view the stock of this unit but not change it."))
    return unit


def _stock_url(name: str, unit: OrgUnit, **params: Any) -> str:
    return reverse(name) + "?" + urlencode({"unit": unit.code, **params})


def _unit_context(request: HttpRequest, unit: OrgUnit, tab: str) -> dict[str, Any]:
    return {
        "unit": unit,
        "tab": tab,
        "can_change": in_scope(request.user, unit.path, CHANGE),
        "unit_options": selectors.stock_unit_options(user=request.user),
    }


# ---------------------------------------------------------------------------------------------- medicine list


@login_required
def medicine_lists_view(request):
    form = MedicineSearchForm(request.GET or None)
    filters = valid_filters(form)
    versions = list(selectors.medicine_lists())
    if filters.get("list"):
        chosen = selectors.medicine_list_get(pk=filters["list"])
    else:
        chosen = next((v for v in versions if v.is_current), None)
    page = paginate(request, selectors.medicine_search(medicine_list=chosen, q=filters.get("q")), default_size=100)
    context = {
        "form": form,
        "versions": versions,
        "chosen": chosen,
        "page": page,
        "query": query_without_page(request),
        "can_manage": can_manage_catalogues(request.user),
        "tab": "medicine_lists",
    }
    return render_page(
        request, "assets/medicines/medicine_lists.html", "assets/medicines/partials/medicine_table.html", context
    )


@login_required
def medicine_list_export_view(request, pk: int):
    _only_managers(request.user)
    medicine_list = selectors.medicine_list_get(pk=pk)
    content = catalogue_xlsx.medicine_export(medicine_list)
    return xlsx_response(content, f"danh-muc-thuoc-{medicine_list.code}-{medicine_list.version}.xlsx")


@login_required
def medicine_list_import_view(request):
    _only_managers(request.user)
    form = MedicineImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result, medicine_list = catalogue_xlsx.medicine_import(
                user=request.user, file=form.cleaned_data["file"], make_current=form.cleaned_data["make_current"]
            )
        except ImportFileError as exc:
            result, medicine_list = ImportResult(), None
            result.add_error(sheet="", row=None, message=exc.message)
        if medicine_list is not None:
            messages.success(
                request,
                _("Version %(version)s of the medicine list was imported with %(n)d medicines.")
                % {"version": medicine_list.version, "n": result.created},
            )
            return redirect(reverse("assets:medicine_lists") + f"?list={medicine_list.pk}")
    return render(
        request, "assets/medicines/medicine_import.html", {"form": form, "result": result, "tab": "medicine_lists"}
    )


# ---------------------------------------------------------------------------------------------- a unit's stock


@login_required
def stock_view(request):
    unit = _unit(request)
    date_form = BalanceDateForm(request.GET if "on" in request.GET else None)
    on = valid_filters(date_form).get("on")
    context = {
        **_unit_context(request, unit, "stock"),
        "date_form": date_form,
        "on": on,
        "counts": selectors.unit_alert_counts(user=request.user, orgunit=unit),
        "today": timezone.localdate(),
        "days": selectors.EXPIRY_WINDOW_DAYS,
        "query": query_without_page(request),
    }
    if on:
        context["medicine_totals"] = list(selectors.medicine_balances_on(user=request.user, on=on, orgunit=unit))
        context["page"] = paginate(
            request, selectors.batch_balances_on(user=request.user, on=on, orgunit=unit), default_size=100
        )
    else:
        context["page"] = paginate(request, selectors.unit_batches(user=request.user, orgunit=unit), default_size=100)
    return render(request, "assets/stock/stock.html", context)


@login_required
def stock_ledger_view(request):
    unit = _unit(request)
    form = LedgerFilterForm(request.GET, user=request.user, unit=unit)
    filters = valid_filters(form)
    entries = selectors.ledger(user=request.user, orgunit=unit, filters=filters)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(stock_xlsx.ledger_workbook(entries.iterator(chunk_size=2000)), f"so-kho-{unit.code}.xlsx")
    params = request.GET.copy()
    params.pop("page", None)
    params["format"] = "xlsx"
    context = {
        **_unit_context(request, unit, "stock_ledger"),
        "form": form,
        "page": paginate(request, entries, default_size=50),
        "query": query_without_page(request),
        "export_query": params.urlencode(),
    }
    return render_page(request, "assets/stock/ledger.html", "assets/stock/partials/ledger_table.html", context)


# ---------------------------------------------------------------------------------------------- writes


@dataclass(frozen=True)
class EntryPage:
    form: type
    title: Any
    intro: Any
    tab: str
    post: Callable[[HttpRequest, OrgUnit, dict[str, Any]], str]
    # A service's error keys that the form shows under another name.
    renamed: tuple[tuple[str, str], ...] = ()


def _amount(quantity: int, medicine: Any, batch: str) -> dict[str, Any]:
    return {"quantity": quantity, "unit": medicine.unit, "medicine": medicine_label(medicine), "batch": batch}


def _post_receipt(request: HttpRequest, unit: OrgUnit, data: dict[str, Any]) -> str:
    entry = stock.stock_receive(
        user=request.user,
        orgunit=unit,
        medicine=data["medicine"],
        batch=data["batch"],
        expiry_date=data["expiry_date"],
        quantity=data["quantity"],
        occurred_on=data["occurred_on"],
        reason=data["reason"],
    )
    return _("Received %(quantity)d %(unit)s of %(medicine)s, batch %(batch)s.") % _amount(
        entry.quantity, entry.medicine, entry.batch
    )


def _post_issue(request: HttpRequest, unit: OrgUnit, data: dict[str, Any]) -> str:
    balance = data["batch"]
    entry = stock.stock_issue(
        user=request.user,
        orgunit=unit,
        medicine=balance.medicine,
        batch=balance.batch,
        quantity=data["quantity"],
        occurred_on=data["occurred_on"],
        reason=data["reason"],
    )
    return _("Issued %(quantity)d %(unit)s of %(medicine)s, batch %(batch)s.") % _amount(
        -entry.quantity, balance.medicine, entry.batch
    )


def _post_adjustment(request: HttpRequest, unit: OrgUnit, data: dict[str, Any]) -> str:
    balance = data["batch"]
    entry = stock.stock_adjust(
        user=request.user,
        orgunit=unit,
        medicine=balance.medicine,
        batch=balance.batch,
        change=data["change"],
        occurred_on=data["occurred_on"],
        reason=data["reason"],
    )
    return _("Adjusted %(medicine)s, batch %(batch)s, by %(change)+d %(unit)s.") % {
        **_amount(entry.quantity, balance.medicine, entry.batch),
        "change": entry.quantity,
    }


def _post_transfer(request: HttpRequest, unit: OrgUnit, data: dict[str, Any]) -> str:
    # The receiving unit: out of sight answers 404, one the user may only read 403 (rights on both ends).
    target = orgunit_get(user=request.user, code=data["to_unit"])
    if not in_scope(request.user, target.path, CHANGE):
        raise PermissionDenied(_("You may view %(unit)s but not change its stock.") % {"unit": target.name})
    balance = data["batch"]
    out, _received = stock.stock_transfer(
        user=request.user,
        from_unit=unit,
        to_unit=target,
        medicine=balance.medicine,
        batch=balance.batch,
        quantity=data["quantity"],
        occurred_on=data["occurred_on"],
        reason=data["reason"],
    )
    return _("Transferred %(quantity)d %(unit)s of %(medicine)s, batch %(batch)s, to %(target)s.") % {
        **_amount(-out.quantity, balance.medicine, out.batch),
        "target": target.name,
    }


ENTRY_PAGES = {
    "receive": EntryPage(
        ReceiveForm,
        gettext_lazy("Receive medicines"),
        gettext_lazy("A delivery into the unit's stock (nhập kho): a new batch, or more of a batch already held."),
        "stock",
        _post_receipt,
    ),
    "issue": EntryPage(
        IssueForm,
        gettext_lazy("Issue medicines"),
        gettext_lazy("Medicines given out to patients (xuất kho); never more than the batch holds."),
        "stock",
        _post_issue,
    ),
    "adjust": EntryPage(
        AdjustForm,
        gettext_lazy("Adjust the stock"),
        gettext_lazy(
            "A correction after a count, a loss, breakage or expiry, or of a wrong entry: the ledger keeps every "
            "entry, so a mistake is corrected by a new one."
        ),
        "stock",
        _post_adjustment,
        renamed=(("quantity", "change"),),
    ),
    "transfer": EntryPage(
        TransferForm,
        gettext_lazy("Transfer to another unit"),
        gettext_lazy("Out of this unit's stock into another's (điều chuyển); you need the right to change both."),
        "stock",
        _post_transfer,
    ),
}


def _entry_view(request: HttpRequest, kind: str) -> HttpResponse:
    spec = ENTRY_PAGES[kind]
    unit = _unit(request, change=True)
    form = spec.form(request.POST or None, user=request.user, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            done = spec.post(request, unit, form.cleaned_data)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                names = dict(spec.renamed)
                error = ValidationError({names.get(key, key): value for key, value in error.error_dict.items()})
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(_stock_url("assets:stock", unit))
    context = {
        **_unit_context(request, unit, spec.tab),
        "form": form,
        "kind": kind,
        "heading": spec.title,
        "intro": spec.intro,
    }
    if kind == "transfer":
        context["target_options"] = [
            (code, name)
            for code, name in selectors.stock_unit_options(user=request.user, action=CHANGE)
            if code != unit.code
        ]
    return render(request, "assets/stock/entry_form.html", context)


@login_required
def stock_receive_view(request):
    return _entry_view(request, "receive")


@login_required
def stock_issue_view(request):
    return _entry_view(request, "issue")


@login_required
def stock_adjust_view(request):
    return _entry_view(request, "adjust")


@login_required
def stock_transfer_view(request):
    return _entry_view(request, "transfer")


# ---------------------------------------------------------------------------------------------- alerts and report


def _level(request: HttpRequest, levels: list[int]) -> int | None:
    """The roll-up level: `?level=` when it is one below the root, else the first below it (None at the bottom)."""
    try:
        level = int(request.GET.get("level", ""))
    except ValueError:
        level = None
    if level in levels:
        return level
    return levels[0] if levels else None


@login_required
def stock_alerts_view(request):
    root = _unit(request)
    levels = selectors.levels_below(user=request.user, root=root)
    level = _level(request, [n for n, _label in levels])
    summary = selectors.alert_summary(user=request.user, root=root, level=level)
    today = summary.today
    context = {
        **_unit_context(request, root, "stock_alerts"),
        "summary": summary,
        "levels": levels,
        "level": level,
        "stock_outs": list(selectors.stock_out_rows(user=request.user, root=root, today=today)[:DETAIL_MAX]),
        "below": list(selectors.below_minimum_rows(user=request.user, root=root, today=today)[:DETAIL_MAX]),
        "expiring": list(selectors.expiring_batches(user=request.user, root=root, today=today)[:DETAIL_MAX]),
        "detail_max": DETAIL_MAX,
    }
    return render(request, "assets/stock/alerts.html", context)


def _previous_month() -> datetime.date:
    first = timezone.localdate().replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


@login_required
def stock_report_view(request):
    unit = _unit(request)
    form = ReportMonthForm(request.GET if "month" in request.GET else {"month": _previous_month().strftime("%m/%Y")})
    report = None
    if form.is_valid():
        month = form.cleaned_data["month"]
        report = selectors.consumption_report(user=request.user, orgunit=unit, year=month.year, month=month.month)
        if request.GET.get("format") == "xlsx":
            return xlsx_response(
                stock_xlsx.consumption_workbook(report),
                f"bao-cao-su-dung-thuoc-{unit.code}-{month:%Y-%m}.xlsx",
            )
    context = {
        **_unit_context(request, unit, "stock_report"),
        "form": form,
        "report": report,
        "xlsx_query": urlencode({"unit": unit.code, "month": form.data.get("month", ""), "format": "xlsx"}),
    }
    return render(request, "assets/stock/report.html", context)
