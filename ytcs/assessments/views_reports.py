"""Pages of the assessment reports: the scorecard of an assessment and its printable PDF, a unit's results across
years, and the ranking of a year's verified results (with its Excel export). Figures come from
`ytcs.assessments.reports`; objects outside the viewer's scope answer 404."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ytcs.assessments import reports, selectors
from ytcs.assessments.models import Framework
from ytcs.core.pages import paginate, query_without_page, render_page, xlsx_response
from ytcs.core.pdf import render_pdf
from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.orgunits.selectors import orgunit_get, orgunit_list

UNIT_OPTIONS_MAX = 500
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


def _today() -> datetime.date:
    return timezone.localdate()


def _unit_options(user: Any) -> Any:
    """Units offered by the unit picker (typing any code in scope still works beyond the first ones)."""
    units = orgunit_list(user=user).exclude(kind=OrgUnitKind.SATELLITE).order_by("path")
    return units.values_list("code", "name")[:UNIT_OPTIONS_MAX]


# ---------------------------------------------------------------------------------------------- scorecard


def _scorecard_context(request: HttpRequest, pk: Any) -> dict[str, Any]:
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    return {"sc": reports.assessment_scorecard(assessment=assessment), "a": assessment, "today": _today()}


@login_required
@require_GET
def scorecard_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The scorecard (phiếu chấm điểm): each criterion's points against its maximum (or its % for an index), passed
    or not and why, the total and the verdict with its reasons, the items and their answers."""
    return render(request, "assessments/reports/scorecard.html", _scorecard_context(request, pk))


@login_required
@require_GET
def scorecard_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The scorecard on A4 (one page for a short framework, a few for a long one), DejaVu Sans, nothing fetched."""
    context = _scorecard_context(request, pk)
    a = context["a"]
    html = render_to_string("assessments/reports/scorecard_pdf.html", context, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    name = f"phieu-cham-diem-{a.orgunit.code}-{a.framework.code}-{a.year}.pdf"
    response["Content-Disposition"] = content_disposition_header(False, name)
    return response


# ---------------------------------------------------------------------------------------------- across years


@login_required
@require_GET
def unit_comparison_view(request: HttpRequest, code: str, framework_code: str) -> HttpResponse:
    """A unit's results for a framework across the years: criteria as rows, years as columns, the total and the
    verdict of each year. An unknown or out-of-scope unit, or an unknown framework: 404."""
    orgunit = orgunit_get(user=request.user, code=code)
    framework = reports.framework_by_code(code=framework_code)
    if framework is None:
        raise Http404
    comparison = reports.unit_comparison(user=request.user, orgunit=orgunit, framework=framework)
    return render(request, "assessments/reports/unit_comparison.html", {"c": comparison})


# ---------------------------------------------------------------------------------------------- ranking


def framework_label(framework: Framework) -> str:
    label = f"{framework.name} ({framework.version})"
    return label if framework.is_active else _("%(framework)s – no longer in use") % {"framework": label}


class RankingForm(forms.Form):
    framework = forms.TypedChoiceField(label=gettext_lazy("Framework"), coerce=int, required=False)
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        required=False,
        min_value=EARLIEST_YEAR,
        max_value=LATEST_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    orgunit = forms.CharField(label=gettext_lazy("Units under"), required=False, max_length=50)
    failed = forms.CharField(required=False, max_length=30, widget=forms.HiddenInput)

    def __init__(self, *args: Any, frameworks: list[Framework], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["framework"].choices = [(f.pk, framework_label(f)) for f in frameworks]


@dataclass(frozen=True)
class RankingParams:
    form: RankingForm
    framework: Framework | None
    year: int
    root: OrgUnit | None
    years: list[int]
    failed: str | None


def _ranking_params(request: HttpRequest) -> RankingParams:
    """The framework (default: QĐ 1300 when loaded, else the first in use), the root unit (a code in scope, else
    404; default: the top of the user's scope) and the year (default: the latest with verified results). A bad
    framework or year falls back to its default while the form shows it as typed beside its error."""
    user = request.user
    frameworks = list(selectors.framework_list(include_inactive=True).order_by("code", "-version"))
    code = (request.GET.get("orgunit") or "").strip()
    root = orgunit_get(user=user, code=code) if code else reports.default_root(user=user)
    given = request.GET.copy()
    form = RankingForm(given, frameworks=frameworks)
    form.is_valid()
    chosen = form.cleaned_data.get("framework") if "framework" not in form.errors else None
    framework = next((f for f in frameworks if f.pk == chosen), None) or reports.default_framework(frameworks)
    years = reports.verified_years(user=user, framework=framework, root=root) if framework else []
    year = form.cleaned_data.get("year") if "year" not in form.errors else None
    year = year or (years[0] if years else _today().year)
    # Show the values in force in the form (the defaults where nothing valid was given).
    if framework is not None and "framework" not in form.errors:
        given["framework"] = str(framework.pk)
    if "year" not in form.errors:
        given["year"] = str(year)
    if not code and root is not None:
        given["orgunit"] = root.code
    form = RankingForm(given, frameworks=frameworks)
    form.is_valid()
    failed = (form.cleaned_data.get("failed") or "").strip() or None
    return RankingParams(form=form, framework=framework, year=year, root=root, years=years, failed=failed)


def _ranking_report(request: HttpRequest, params: RankingParams) -> reports.RankingReport | None:
    if params.framework is None:
        return None
    return reports.ranking_report(
        user=request.user, framework=params.framework, year=params.year, root=params.root, failed=params.failed
    )


def _query(params: RankingParams, **changes: Any) -> str:
    """The query string of the ranking in force, with some parameters changed (None drops one)."""
    data = params.form.data.copy()
    data.pop("page", None)
    for name, value in changes.items():
        data.pop(name, None)
        if value is not None:
            data[name] = value
    return data.urlencode()


@login_required
@require_GET
def ranking_view(request: HttpRequest) -> HttpResponse:
    """The ranking of a framework and year under a unit: verified results best first, the pass rate and the
    criteria most often failed, each criterion listing the units that failed it."""
    params = _ranking_params(request)
    report = _ranking_report(request, params)
    page = paginate(request, report.rows) if report is not None else None
    rows = (
        [(a, a.total if report.is_index else reports.percent_of(a.total, report.maximum)) for a in page] if page else []
    )
    context = {
        "rows": rows,
        "params": params,
        "form": params.form,
        "report": report,
        "page": page,
        "query": query_without_page(request),
        "export_query": _query(params),
        "all_query": _query(params, failed=None),
        "year_links": [(year, _query(params, failed=None, year=str(year))) for year in params.years],
        "failed_query": _query(params, failed=""),
        "unit_options": _unit_options(request.user),
    }
    return render_page(
        request, "assessments/reports/ranking.html", "assessments/reports/partials/ranking_body.html", context
    )


@login_required
@require_GET
def ranking_export_view(request: HttpRequest) -> HttpResponse:
    """The ranking in force as an .xlsx file (Vietnamese headers): the ranked results and the failed criteria."""
    params = _ranking_params(request)
    report = _ranking_report(request, params)
    if report is None:
        raise Http404
    name = f"xep-hang-{report.framework.code}-{report.year}.xlsx"
    return xlsx_response(ranking_workbook(report), name)


# Fixed Vietnamese text of the file (the same whatever the interface language, like the other exports).
VERDICT_VI = {True: "Đạt", False: "Không đạt", None: "Chưa có kết luận"}


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None


def ranking_workbook(report: reports.RankingReport) -> bytes:
    from ytcs.core import xlsx  # openpyxl is loaded only when a file is asked for

    wb = xlsx.new_workbook()
    index = report.is_index
    total = "Chỉ số (%)" if index else "Tổng điểm"
    rows = [
        [
            a.rank,
            a.orgunit.code,
            a.orgunit.name,
            a.orgunit.parent.name if a.orgunit.parent else "",
            _number(a.total),
            None if index else _number(report.maximum),
            _number(a.total) if index else _number(reports.percent_of(a.total, report.maximum)),
            VERDICT_VI[a.passed],
            ", ".join(a.failed_criteria or []),
            a.verified_at.astimezone(timezone.get_current_timezone()).date() if a.verified_at else None,
        ]
        for a in report.rows
    ]
    ws = xlsx.add_table_sheet(
        wb,
        title="Xếp hạng",
        headers=[
            "Hạng",
            "Mã đơn vị",
            "Tên đơn vị",
            "Đơn vị cấp trên",
            total,
            "Điểm tối đa",
            "Tỷ lệ (%)",
            "Kết quả",
            "Tiêu chí không đạt",
            "Ngày thẩm định",
        ],
        rows=rows,
        widths=[8, 16, 44, 36, 12, 12, 10, 18, 24, 16],
        text_columns=[2],
        date_columns=[10],
    )
    where = f" – {report.root.name}" if report.root else ""
    only = f" – chỉ các đơn vị không đạt tiêu chí {report.failed.code}" if report.failed else ""
    ws.insert_rows(1)
    ws["A1"] = f"{report.framework.name} ({report.framework.version}), năm {report.year}{where}{only}"
    ws.freeze_panes = "A3"
    summary = report.summary
    xlsx.add_table_sheet(
        wb,
        title="Tiêu chí không đạt",
        headers=["Mã tiêu chí", "Tên tiêu chí", "Số đơn vị không đạt", "Tỷ lệ (%)"],
        rows=[
            *([f.criterion.code, f.criterion.name, f.count, _number(f.percent)] for f in report.failures),
            [],
            ["", "Số đơn vị đã thẩm định", summary.verified, None],
            ["", "Đạt", summary.passed, _number(summary.pass_rate)],
            ["", "Không đạt", summary.failed, None],
            ["", "Chưa có kết luận (bộ tiêu chí chưa có điều kiện đạt)", summary.without_verdict, None],
            ["", "Chưa thẩm định", summary.pending, None],
        ],
        widths=[14, 60, 20, 12],
        text_columns=[1],
    )
    return xlsx.workbook_bytes(wb)
