"""Pages of the printed report (báo cáo): the form that sets what it covers and its administrative header, and
the document as PDF or .xlsx. The content comes from `report.build_report`, the layout from `report_render`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ytcs.assessments.reports import default_root
from ytcs.core.forms import add_service_errors
from ytcs.core.pages import XLSX_CONTENT_TYPE
from ytcs.indicators import report as content
from ytcs.indicators import report_render
from ytcs.indicators import selectors_targets as selectors
from ytcs.indicators.forms_targets import ReportForm, report_initial

TAB = "report"


def _form_page(request: HttpRequest, form: ReportForm) -> HttpResponse:
    return render(request, "indicators/report/form.html", {"form": form, "tab": TAB})


@login_required
def report_view(request: HttpRequest) -> HttpResponse:
    """The report's form, filled in for the unit asked (?unit=) or the top of the user's scope."""
    code = request.GET.get("unit")
    unit = selectors.unit_get(user=request.user, code=code) if code else default_root(user=request.user)
    if unit is None:
        unit = selectors.unit_choices(user=request.user).first()
    initial = report_initial(unit=unit)
    if request.GET.get("plan"):
        initial["plan"] = selectors.plan_get(user=request.user, code=request.GET["plan"]).code
    return _form_page(request, ReportForm(initial=initial, user=request.user))


def _document(request: HttpRequest, make: Callable[[content.Report, content.DocumentHeader], Any]) -> Any:
    """The report the form asks for, made by `make`; the form again with its errors when it is not valid."""
    form = ReportForm(request.GET, user=request.user)
    if not form.is_valid():
        return None, _form_page(request, form)
    data = form.cleaned_data
    unit = selectors.unit_get(user=request.user, code=data["unit"])
    plan = selectors.plan_get(user=request.user, code=data["plan"]) if data.get("plan") else None
    try:
        report = content.build_report(user=request.user, unit=unit, year=data["year"], plan=plan, level=data["level"])
    except ValidationError as error:
        add_service_errors(form, error)
        return None, _form_page(request, form)
    header = content.document_header(unit=unit, year=data["year"], fields=data)
    return (report, make(report, header)), None


@login_required
def report_pdf_view(request: HttpRequest) -> HttpResponse:
    made, page = _document(request, report_render.report_pdf)
    if page is not None:
        return page
    report, pdf = made
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bao-cao-{report.unit.code}-{report.year}.pdf"'
    return response


@login_required
def report_xlsx_view(request: HttpRequest) -> HttpResponse:
    made, page = _document(request, report_render.report_xlsx)
    if page is not None:
        return page
    report, xlsx = made
    response = HttpResponse(xlsx, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="bao-cao-{report.unit.code}-{report.year}.xlsx"'
    return response
