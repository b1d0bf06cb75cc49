"""Pages of the training reports (báo cáo đào tạo): the index, people trained, plan against done, sponsored
training, their Excel exports, and the one-page PDF summary of a region. Figures come from
`ytcs.training.reports` (aggregates in the database)."""

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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ytcs.core.pages import paginate, query_without_page, render_page, xlsx_response
from ytcs.core.pdf import render_pdf
from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.orgunits.selectors import orgunit_list
from ytcs.training import reports, selectors
from ytcs.training.models import LineStatus, SponsorshipKind, TrainingPlan
from ytcs.training.reports import EARLIEST_YEAR, LATEST_YEAR, MAX_YEAR_SPAN, Rollup, TrainedFilters
from ytcs.workforce import indicators

UNIT_OPTIONS_MAX = 500
DEFAULT_YEARS = 5
"""The people-trained report shows the last five years unless asked otherwise."""


def _today() -> datetime.date:
    return timezone.localdate()


def _unit_options(user: Any) -> Any:
    """Units offered by the unit picker (typing any code in scope still works beyond the first ones)."""
    units = orgunit_list(user=user).exclude(kind=OrgUnitKind.SATELLITE).order_by("path")
    return units.values_list("code", "name")[:UNIT_OPTIONS_MAX]


def level_label(level: int, kinds: list[str]) -> str:
    names = ", ".join(str(OrgUnitKind(kind).label) for kind in kinds if kind in OrgUnitKind.values)
    return _("Level %(level)d: %(kinds)s") % {"level": level, "kinds": names}


def year_field(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=EARLIEST_YEAR,
        max_value=LATEST_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class RollupForm(forms.Form):
    """The unit (a code; its subtree) and the level of the rows."""

    orgunit = forms.CharField(label=gettext_lazy("Unit"), required=False, max_length=50)
    level = forms.TypedChoiceField(label=gettext_lazy("Rows at level"), coerce=int, required=False)

    def __init__(self, *args: Any, levels: dict[int, list[str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(level, level_label(level, kinds)) for level, kinds in levels.items()]


class TrainedForm(RollupForm):
    year_from = year_field(gettext_lazy("From year"))
    year_to = year_field(gettext_lazy("To year"))
    course = forms.ChoiceField(label=gettext_lazy("Course"), required=False)

    field_order = ["year_from", "year_to", "course", "orgunit", "level"]

    def __init__(self, *args: Any, courses: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [("", _("All courses")), *courses]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("year_from"), data.get("year_to")
        if first and last and first > last:
            self.add_error("year_to", _("“To year” must not come before “From year”."))
        elif first and last and last - first >= MAX_YEAR_SPAN:
            self.add_error("year_to", _("Choose at most %(n)d years.") % {"n": MAX_YEAR_SPAN})
        return data


class CommitmentsForm(RollupForm):
    side = forms.ChoiceField(
        label=gettext_lazy("Count at"),
        required=False,
        choices=[
            ("serving", gettext_lazy("the unit to serve")),
            ("sending", gettext_lazy("the sending unit")),
        ],
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)

    field_order = ["orgunit", "level", "side", "kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *SponsorshipKind.choices]


class PlanReportForm(forms.Form):
    plan = forms.TypedChoiceField(label=gettext_lazy("Plan"), coerce=int, required=False)
    group = forms.CharField(label=gettext_lazy("Lines for units under"), required=False, max_length=50)

    def __init__(self, *args: Any, plans: list[TrainingPlan], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [("", _("Choose a plan")), *((p.pk, plan_label(p)) for p in plans)]


def plan_label(plan: TrainingPlan) -> str:
    return f"{plan.year} · {plan.name} · {plan.orgunit.name} ({plan.get_status_display().lower()})"


# ---------------------------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class RollupParams:
    rollup: Rollup
    levels: dict[int, list[str]]
    data: dict[str, Any]
    form: forms.Form

    @property
    def root(self) -> OrgUnit | None:
        return self.rollup.root


def _parse(request: HttpRequest, make_form: Any, defaults: dict[str, Any]) -> RollupParams:
    """Validate the filters. An unknown or out-of-scope unit answers 404; a missing value takes its default; a bad
    one falls back to its default while the form shows it as typed beside its error (a reversed or too long range
    of years: both years fall back)."""
    user = request.user
    root = indicators.indicator_root(user=user, code=(request.GET.get("orgunit") or "").strip() or None)
    levels = indicators.indicator_levels(user=user, root=root)
    defaults = {**defaults, "level": indicators.default_level(levels=levels, root=root)}
    given = request.GET.copy()
    for name, value in defaults.items():
        if not (given.get(name) or "").strip():
            given[name] = value
    form = make_form(given, levels=levels)
    form.is_valid()
    data = {name: form.cleaned_data.get(name) for name in form.fields}
    for name in form.errors:
        data[name] = defaults.get(name)
    if "year_to" in form.errors:
        data["year_from"] = defaults.get("year_from")
    return RollupParams(Rollup(user=user, level=data["level"], root=root), levels, data, form)


def _course_options() -> list[tuple[str, str]]:
    return [(course.code, course.name) for course in selectors.course_list(include_inactive=True).order_by("name")]


def _trained_params(request: HttpRequest) -> tuple[RollupParams, TrainedFilters]:
    courses = _course_options()
    year = _today().year

    def make(data: Any, *, levels: dict[int, list[str]]) -> TrainedForm:
        return TrainedForm(data, levels=levels, courses=courses)

    params = _parse(request, make, {"year_from": year - DEFAULT_YEARS + 1, "year_to": year})
    code = params.data.get("course")
    course = selectors.course_list(include_inactive=True).filter(code=code).first() if code else None
    filters = TrainedFilters(year_from=params.data["year_from"], year_to=params.data["year_to"], course=course)
    return params, filters


def _commitment_params(request: HttpRequest) -> RollupParams:
    return _parse(request, CommitmentsForm, {"side": "serving"})


# ---------------------------------------------------------------------------------------------- pages


@login_required
@require_GET
def reports_view(request: HttpRequest) -> HttpResponse:
    """The reports index: links to each report, and one PDF summary per region the user sees."""
    year = _year(request)
    context = {"regions": reports.report_regions(user=request.user), "year": year, "current_year": _today().year}
    return render(request, "training/reports/index.html", context)


@login_required
@require_GET
def trained_view(request: HttpRequest) -> HttpResponse:
    """People trained by unit × course × year, units paginated (those where someone passed)."""
    params, filters = _trained_params(request)
    page = paginate(request, reports.trained_units(user=request.user, rollup=params.rollup, filters=filters))
    report = reports.trained_report(user=request.user, rollup=params.rollup, filters=filters, units=page.object_list)
    context = {
        "params": params,
        "form": params.form,
        "report": report,
        "page": page,
        "query": query_without_page(request),
        "export_query": query_without_page(request),
        "unit_options": _unit_options(request.user),
    }
    return render_page(
        request, "training/reports/trained.html", "training/reports/partials/trained_table.html", context
    )


def _plan_params(request: HttpRequest) -> tuple[PlanReportForm, TrainingPlan | None, OrgUnit | None]:
    """The chosen plan (404 when the user does not see it) and the unit whose lines to keep (404 likewise)."""
    plan_id = (request.GET.get("plan") or "").strip()
    plan = selectors.plan_get(user=request.user, pk=plan_id) if plan_id else None
    form = PlanReportForm(request.GET or None, plans=list(selectors.plan_list(user=request.user)))
    code = (request.GET.get("group") or "").strip()
    group = indicators.indicator_root(user=request.user, code=code) if code else None
    return form, plan, group


@login_required
@require_GET
def plan_vs_done_view(request: HttpRequest) -> HttpResponse:
    """A plan's lines: seats planned against enrolled and passed, classes planned against opened, budget
    against actual cost, with totals and completion rates."""
    form, plan, group = _plan_params(request)
    report = reports.plan_vs_done(user=request.user, plan=plan, group=group) if plan is not None else None
    context = {
        "form": form,
        "plan": plan,
        "group": group,
        "report": report,
        "export_query": query_without_page(request),
        "unit_options": _unit_options(request.user),
        "line_status": LineStatus,
    }
    return render_page(
        request, "training/reports/plan_vs_done.html", "training/reports/partials/plan_vs_done_table.html", context
    )


@login_required
@require_GET
def commitments_view(request: HttpRequest) -> HttpResponse:
    """Sponsored training per unit: counts per state, upcoming returns, cost and reimbursements."""
    params = _commitment_params(request)
    side, kind, on = params.data["side"], params.data.get("kind") or None, _today()
    units = reports.commitment_units(user=request.user, rollup=params.rollup, side=side, on=on, kind=kind)
    page = paginate(request, units)
    report = reports.commitments_report(
        user=request.user, rollup=params.rollup, side=side, on=on, kind=kind, units=page.object_list
    )
    context = {
        "params": params,
        "form": params.form,
        "report": report,
        "page": page,
        "query": query_without_page(request),
        "export_query": query_without_page(request),
        "unit_options": _unit_options(request.user),
        "upcoming_months": reports.UPCOMING_RETURN_MONTHS,
    }
    return render_page(
        request, "training/reports/commitments.html", "training/reports/partials/commitments_table.html", context
    )


# ---------------------------------------------------------------------------------------------- exports


@login_required
@require_GET
def trained_export_view(request: HttpRequest) -> HttpResponse:
    params, filters = _trained_params(request)
    report = reports.trained_report(user=request.user, rollup=params.rollup, filters=filters)
    name = f"nguoi-duoc-dao-tao-{filters.year_from}-{filters.year_to}.xlsx"
    return xlsx_response(trained_workbook(report), name)


@login_required
@require_GET
def plan_vs_done_export_view(request: HttpRequest) -> HttpResponse:
    _form, plan, group = _plan_params(request)
    if plan is None:
        raise Http404
    report = reports.plan_vs_done(user=request.user, plan=plan, group=group)
    return xlsx_response(plan_workbook(report), f"ke-hoach-thuc-hien-{plan.year}-{plan.pk}.xlsx")


@login_required
@require_GET
def commitments_export_view(request: HttpRequest) -> HttpResponse:
    params = _commitment_params(request)
    on = _today()
    report = reports.commitments_report(
        user=request.user, rollup=params.rollup, side=params.data["side"], on=on, kind=params.data.get("kind") or None
    )
    return xlsx_response(commitments_workbook(report), f"dao-tao-theo-cam-ket-{on.isoformat()}.xlsx")


# Fixed Vietnamese text of the files (the same whatever the interface language, like the other exports).
H_CODE = "Mã đơn vị"
H_NAME = "Tên đơn vị"
H_COURSE_CODE = "Mã khóa học"
H_COURSE = "Khóa học"
H_PASSES = "Lượt đạt"
H_PEOPLE = "Số người"
TOTAL = "Tổng cộng"
LINE_STATUS_VI = {
    LineStatus.PLANNED: "Kế hoạch",
    LineStatus.IN_PROGRESS: "Đang thực hiện",
    LineStatus.DONE: "Hoàn thành",
    LineStatus.POSTPONED: "Hoãn",
    LineStatus.CANCELLED: "Hủy",
}


def _pct(value: Any) -> float | None:
    return float(value) if value is not None else None


def trained_workbook(report: reports.TrainedReport) -> bytes:
    from ytcs.core import xlsx  # openpyxl is loaded only when a file is asked for

    wb = xlsx.new_workbook()
    xlsx.add_table_sheet(
        wb,
        title="Theo đơn vị",
        headers=[H_CODE, H_NAME, H_PASSES, H_PEOPLE],
        rows=[
            *([row.unit.code, row.unit.name, row.figures.passes, row.figures.people] for row in report.rows),
            ["", TOTAL, report.total.passes, report.total.people],
        ],
        widths=[16, 44, 12, 12],
        text_columns=[1],
    )
    years = report.filters.years
    xlsx.add_table_sheet(
        wb,
        title="Theo khóa học",
        headers=[H_COURSE_CODE, H_COURSE, *(f"{H_PASSES} {year}" for year in years), H_PASSES, H_PEOPLE],
        rows=[
            *(
                [
                    c.course.code,
                    c.course.name,
                    *(c.by_year.get(y, 0) for y in years),
                    c.figures.passes,
                    c.figures.people,
                ]
                for c in report.courses
            ),
            ["", TOTAL, *("" for _y in years), report.total.passes, report.total.people],
        ],
        widths=[22, 44, *(12 for _y in years), 12, 12],
    )
    xlsx.add_table_sheet(
        wb,
        title="Chi tiết",
        headers=[H_CODE, H_NAME, H_COURSE_CODE, H_COURSE, "Năm", H_PASSES, H_PEOPLE],
        rows=[
            [
                row.unit.code,
                row.unit.name,
                line.course.code,
                line.course.name,
                line.year,
                line.figures.passes,
                line.figures.people,
            ]
            for row in report.rows
            for line in row.lines
        ],
        widths=[16, 44, 22, 44, 8, 12, 12],
        text_columns=[1],
    )
    return xlsx.workbook_bytes(wb)


def plan_workbook(report: reports.PlanReport) -> bytes:
    from ytcs.core import xlsx

    def cells(figures: reports.PlanFigures) -> list[Any]:
        return [
            figures.seats,
            figures.enrolled,
            figures.passed,
            _pct(figures.completion),
            figures.classes,
            figures.opened,
            int(figures.budget),
            int(figures.cost),
        ]

    wb = xlsx.new_workbook()
    plan = report.plan
    ws = xlsx.add_table_sheet(
        wb,
        title="Kế hoạch - thực hiện",
        headers=[
            H_COURSE,
            "Cho đơn vị",
            "Quý",
            "Chỉ tiêu (chỗ)",
            "Đã ghi danh",
            "Đạt",
            "Tỷ lệ hoàn thành (%)",
            "Số lớp kế hoạch",
            "Số lớp đã mở",
            "Kinh phí kế hoạch (đồng)",
            "Chi phí thực tế (đồng)",
            "Trạng thái",
        ],
        rows=[
            *(
                [
                    r.line.course.name,
                    r.line.group.name,
                    r.line.quarter,
                    *cells(r.figures),
                    LINE_STATUS_VI.get(r.line.status, r.line.status),
                ]
                for r in report.rows
            ),
            [TOTAL, "", None, *cells(report.total), ""],
        ],
        widths=[40, 36, 6, 12, 12, 10, 14, 12, 12, 18, 18, 16],
    )
    ws.insert_rows(1)
    ws["A1"] = f"{plan.name} ({plan.year}) – {plan.orgunit.name}" if plan else ""
    ws.freeze_panes = "A3"
    return xlsx.workbook_bytes(wb)


def commitments_workbook(report: reports.CommitmentReport) -> bytes:
    from ytcs.core import xlsx

    def cells(c: reports.Commitments) -> list[Any]:
        return [
            c.total,
            c.studying,
            c.overdue,
            c.returning,
            c.serving,
            c.fulfilled,
            c.breached,
            int(c.cost),
            int(c.due),
            int(c.reimbursed),
            int(c.outstanding),
        ]

    wb = xlsx.new_workbook()
    side = "Đơn vị phục vụ" if report.side == "serving" else "Đơn vị cử đi"
    xlsx.add_table_sheet(
        wb,
        title="Đào tạo theo cam kết",
        headers=[
            f"{H_CODE} ({side.lower()})",
            H_NAME,
            "Tổng số",
            "Đang học",
            "Trong đó quá hạn về",
            f"Sắp về ({reports.UPCOMING_RETURN_MONTHS} tháng)",
            "Đang phục vụ",
            "Đã hoàn thành cam kết",
            "Vi phạm cam kết",
            "Chi phí đào tạo (đồng)",
            "Phải bồi hoàn (đồng)",
            "Đã bồi hoàn (đồng)",
            "Còn phải bồi hoàn (đồng)",
        ],
        rows=[
            *([row.unit.code, row.unit.name, *cells(row.figures)] for row in report.rows),
            ["", TOTAL, *cells(report.total)],
        ],
        widths=[18, 44, 10, 10, 12, 12, 12, 14, 12, 18, 18, 18, 18],
        text_columns=[1],
    )
    return xlsx.workbook_bytes(wb)


# ---------------------------------------------------------------------------------------------- region PDF


def _year(request: HttpRequest) -> int:
    """The `year` of the query string (default: this year); 404 when it is not a year the reports cover."""
    value = (request.GET.get("year") or "").strip()
    if not value:
        return _today().year
    if not value.isdigit() or not EARLIEST_YEAR <= int(value) <= LATEST_YEAR:
        raise Http404
    return int(value)


@login_required
@require_GET
def region_pdf_view(request: HttpRequest, code: str) -> HttpResponse:
    """One A4 page about a region for a year: people trained, plan against done, sponsored training, upcoming
    returns and the largest gaps of the needs analysis. A region outside the user's scope: 404."""
    region = reports.report_region(user=request.user, code=code)
    year = _year(request)
    today = _today()
    summary = reports.region_summary(user=request.user, region=region, year=year, on=today)
    html = render_to_string(
        "training/reports/region_pdf.html",
        {"s": summary, "today": today, "upcoming_months": reports.UPCOMING_RETURN_MONTHS},
        request=request,
    )
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bao-cao-dao-tao-{region.code}-{year}.pdf"'
    return response
