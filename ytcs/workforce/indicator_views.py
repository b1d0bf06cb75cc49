"""Pages of the workforce indicators (chỉ số nhân lực): the overview with its five tables, the drill-down lists of
people and stations behind each figure, and their Excel exports. Queries live in `ytcs.workforce.indicators`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ytcs.core.forms import date_field
from ytcs.core.pages import paginate, query_without_page, render_page, xlsx_response
from ytcs.core.querysets import in_scope
from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.workforce import indicators
from ytcs.workforce.indicators import Selection, validate_indicator_date
from ytcs.workforce.models import Competency, MoveKind, Posting
from ytcs.workforce.rules import retirement_rule

# Export slugs → what goes in the workbook.
TABLES = (
    "headcount",
    "doctors-per-10000",
    "stations-without-doctor",
    "stations-without-competency",
    "retirement-outlook",
)


class IndicatorForm(forms.Form):
    """Date, level and competency of the overview (the unit comes as a code in the query string)."""

    on = date_field(gettext_lazy("Date"), required=False, validators=[validate_indicator_date])
    level = forms.TypedChoiceField(label=gettext_lazy("Level"), coerce=int, required=False)
    competency = forms.ChoiceField(label=gettext_lazy("Competency"), required=False)

    def __init__(self, *args: Any, levels: dict[int, list[str]], competencies: list[Competency], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(level, level_label(level, kinds)) for level, kinds in levels.items()]
        self.fields["competency"].choices = [(c.code, c.name) for c in competencies]


def level_label(level: int, kinds: list[str]) -> str:
    names = ", ".join(str(OrgUnitKind(kind).label) for kind in kinds if kind in OrgUnitKind.values)
    return _("Level %(level)d: %(kinds)s") % {"level": level, "kinds": names}


@dataclass(frozen=True)
class Params:
    """What the request asks for, validated: the selection, the competency and the form to show again."""

    selection: Selection
    competency: Competency | None
    levels: dict[int, list[str]]
    form: IndicatorForm

    @property
    def query(self) -> str:
        """The query string of the selection (ISO date), for links and exports."""
        return self._query(self.selection.root)

    def back_query(self, user: Any) -> str:
        """The overview a drill-down came from: a unit's row is shown among its siblings (the parent's subtree at
        the same level) when the viewer may see the parent; a total's list goes back to the same selection."""
        root = self.selection.root
        if root is not None and root.level == self.selection.level:
            parent = root.parent
            return self._query(parent if parent is not None and in_scope(user, parent.path) else None)
        return self.query

    def _query(self, root: OrgUnit | None) -> str:
        values: dict[str, Any] = {"on": self.selection.on.isoformat(), "level": self.selection.level}
        if root is not None:
            values["orgunit"] = root.code
        if self.competency is not None:
            values["competency"] = self.competency.code
        return urlencode(values)


def _params(request: HttpRequest) -> Params:
    """Parse date, level, unit and competency; out-of-scope or unknown units answer 404, other bad values fall
    back to the defaults with the form showing the error."""
    user = request.user
    root = indicators.indicator_root(user=user, code=request.GET.get("orgunit"))
    levels = indicators.indicator_levels(user=user, root=root)
    competencies = list(indicators.competency_choices())
    form = IndicatorForm(request.GET, levels=levels, competencies=competencies)
    form.is_valid()  # keep the valid fields; the others fall back to their defaults
    data = form.cleaned_data
    on = data.get("on") or timezone.localdate()
    level = data.get("level") or indicators.default_level(levels=levels, root=root)
    competency = indicators.competency_by_code(data.get("competency")) or indicators.default_competency()
    # The form shown again: what was asked, with the values actually used where none (or a valid one) was given,
    # so the pickers show the selection; a bad value stays as typed beside its error.
    shown = request.GET.copy()
    used = {"on": on.strftime("%d/%m/%Y"), "level": level, "competency": competency.code if competency else ""}
    for name, value in used.items():
        if name not in form.errors:
            shown[name] = value
    form = IndicatorForm(shown, levels=levels, competencies=competencies)
    form.is_valid()
    return Params(Selection(user=user, on=on, level=level, root=root), competency, levels, form)


def _ancestor_links(request: HttpRequest, root: OrgUnit | None) -> list[OrgUnit]:
    """The root's parent when the viewer may see it, to go one level up."""
    if root is None or root.parent is None or not in_scope(request.user, root.parent.path):
        return []
    return [root.parent]


@login_required
def overview_view(request: HttpRequest) -> HttpResponse:
    """All five tables for one page of units; each figure links to the people or stations behind it."""
    params = _params(request)
    selection = params.selection
    page = paginate(request, selection.units())
    units = list(page.object_list)
    context = {
        "params": params,
        "form": params.form,
        "selection": selection,
        "root": selection.root,
        "up": _ancestor_links(request, selection.root),
        "deeper": selection.level + 1 in params.levels,
        "page": page,
        "query": query_without_page(request),
        "base": params.query,
        "on_iso": selection.on.isoformat(),
        "headcount": indicators.headcount_by_title(selection=selection, units=units),
        "doctors": indicators.doctors_per_10000(selection=selection, units=units),
        "no_doctor": indicators.stations_without_doctor(selection=selection, units=units),
        "no_competency": (
            indicators.stations_without_competency(selection=selection, competency=params.competency, units=units)
            if params.competency is not None
            else None
        ),
        "retirement": indicators.retirement_outlook(selection=selection, units=units),
        "competency": params.competency,
    }
    return render_page(
        request, "workforce/indicators/overview.html", "workforce/indicators/partials/tables.html", context
    )


def _figure_title(figure: str, **extra: Any) -> str:
    titles = {
        "headcount": _("People working"),
        "doctors": _("Doctors working"),
        "retiring": _("Reaching retirement age within 5 years"),
        "past-retirement": _("Already at retirement age"),
        "age": _("People by age"),
        "stations": _("Stations"),
        "without-doctor": _("Stations without a doctor"),
        "without-competency": _("Stations without a valid certificate"),
    }
    title = titles.get(figure, "")
    if extra.get("title_name"):
        title = f"{title} · {extra['title_name']}"
    if extra.get("year"):
        title = _("Reaching retirement age in %(year)s") % {"year": extra["year"]}
    if extra.get("band_label"):
        title = f"{title} · {extra['band_label']}"
    if extra.get("competency"):
        title = f"{title} · {extra['competency'].name}"
    return title


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


def _people(request: HttpRequest) -> tuple[Params, str, Any, dict[str, Any]]:
    params = _params(request)
    figure = request.GET.get("figure", "headcount")
    year = _int_param(request, "year")
    band = request.GET.get("band")
    title = request.GET.get("title")
    postings = indicators.indicator_people(selection=params.selection, figure=figure, title=title, year=year, band=band)
    band_label = next((label for key, label, *_rest in indicators.AGE_BANDS if key == band), None)
    extra = {"year": year, "band_label": band_label if figure == "age" else None, "title_code": title}
    return params, figure, postings, extra


def _staff_url(pk: int) -> str | None:
    try:
        return reverse("workforce:staff_detail", args=[pk])
    except NoReverseMatch:  # the staff pages are not installed
        return None


@dataclass(frozen=True)
class PersonLine:
    """One person behind a figure, as listed: the posting covering the date and what it implies."""

    posting: Posting
    age: int
    retires_on: datetime.date
    url: str | None


def _person_lines(request: HttpRequest, postings: Any, on: datetime.date) -> list[PersonLine]:
    lines = []
    for posting in postings:
        staff = posting.staff
        visible = in_scope(request.user, staff.orgunit.path)
        lines.append(
            PersonLine(
                posting=posting,
                age=indicators.age_on(staff.birth_date, on),
                retires_on=indicators.retirement_date_of(posting),
                url=_staff_url(staff.pk) if visible else None,
            )
        )
    return lines


@login_required
def people_view(request: HttpRequest) -> HttpResponse:
    """The people behind one figure (a unit's or the total's), on the date, where they worked then."""
    params, figure, postings, extra = _people(request)
    page = paginate(request, postings, default_size=50)
    title = indicators.title_by_code(extra["title_code"]) if figure == "headcount" else None
    context = {
        "params": params,
        "back": params.back_query(request.user),
        "selection": params.selection,
        "figure": figure,
        "heading": _figure_title(
            figure, title_name=title.name if title else None, year=extra["year"], band_label=extra["band_label"]
        ),
        "page": page,
        "lines": _person_lines(request, page.object_list, params.selection.on),
        "query": query_without_page(request),
        "export_query": request.GET.urlencode(),
        "rule": retirement_rule(),
        "show_retirement": figure in ("retiring", "past-retirement", "age"),
    }
    return render_page(
        request, "workforce/indicators/people.html", "workforce/indicators/partials/people_table.html", context
    )


def _stations(request: HttpRequest) -> tuple[Params, str, Any]:
    params = _params(request)
    figure = request.GET.get("figure", "without-doctor")
    stations = indicators.indicator_stations(selection=params.selection, figure=figure, competency=params.competency)
    return params, figure, stations


@login_required
def stations_view(request: HttpRequest) -> HttpResponse:
    """The stations behind a figure: all, without a doctor, or without a valid certificate of a competency."""
    params, figure, stations = _stations(request)
    page = paginate(request, stations, default_size=50)
    competency = params.competency if figure == "without-competency" else None
    context = {
        "params": params,
        "back": params.back_query(request.user),
        "selection": params.selection,
        "figure": figure,
        "heading": _figure_title(figure, competency=competency),
        "page": page,
        "query": query_without_page(request),
        "export_query": request.GET.urlencode(),
        "on_iso": params.selection.on.isoformat(),
    }
    return render_page(
        request, "workforce/indicators/stations.html", "workforce/indicators/partials/stations_table.html", context
    )


# ---------------------------------------------------------------------------------------------- exports


@login_required
def export_view(request: HttpRequest, table: str) -> HttpResponse:
    """One table (or "all") for every unit of the selection, as .xlsx with Vietnamese headers."""
    if table != "all" and table not in TABLES:
        raise Http404
    params = _params(request)
    content = indicator_workbook(params=params, tables=TABLES if table == "all" else (table,))
    return xlsx_response(content, f"chi-so-nhan-luc-{table}-{params.selection.on.isoformat()}.xlsx")


@login_required
def people_export_view(request: HttpRequest) -> HttpResponse:
    params, figure, postings, _extra = _people(request)
    content = people_workbook(params=params, postings=postings)
    return xlsx_response(content, f"danh-sach-{figure}-{params.selection.on.isoformat()}.xlsx")


@login_required
def stations_export_view(request: HttpRequest) -> HttpResponse:
    params, figure, stations = _stations(request)
    content = stations_workbook(params=params, stations=stations)
    return xlsx_response(content, f"tram-{figure}-{params.selection.on.isoformat()}.xlsx")


# Fixed Vietnamese text of the files (the same whatever the interface language, like the other exports).
H_CODE = "Mã đơn vị"
H_NAME = "Tên đơn vị"
TOTAL = "Tổng cộng (mọi đơn vị đã chọn)"
SEX_VI = {"male": "Nam", "female": "Nữ"}
MOVE_VI = {
    MoveKind.HIRE: "Tuyển dụng",
    MoveKind.TRANSFER: "Điều chuyển",
    MoveKind.ROTATION: "Luân chuyển",
    MoveKind.SECONDMENT: "Điều động (Đề án 1816)",
    MoveKind.RETURN: "Trở về sau luân chuyển/điều động",
}
AGE_VI = {"lt30": "Dưới 30", "30-39": "30–39", "40-49": "40–49", "50-54": "50–54", "55-59": "55–59", "60+": "Từ 60"}


def _number(value: Any) -> Any:
    return float(value) if value is not None else None


def _one_decimal(ws: Any, *columns: int) -> None:
    """Show ratios with one decimal in Excel (the value stored is the rounded figure)."""
    for row in ws.iter_rows(min_row=2):
        for column in columns:
            row[column - 1].number_format = "0.0"


def _unit_cells(row: Any) -> list[Any]:
    return [row.code, row.name] if not row.is_total else ["", TOTAL]


def indicator_workbook(*, params: Params, tables: tuple[str, ...]) -> bytes:
    from ytcs.core import xlsx  # openpyxl is loaded only when a file is asked for

    selection = params.selection
    wb = xlsx.new_workbook()
    for table in tables:
        if table == "headcount":
            data = indicators.headcount_by_title(selection=selection)
            titles = data.extra["titles"]
            xlsx.add_table_sheet(
                wb,
                title="Nhân lực theo chức danh",
                headers=[H_CODE, H_NAME, *(t.name for t in titles), "Tổng số"],
                rows=[[*_unit_cells(r), *(n for _t, n in r.cells), r.total_count] for r in [*data.rows, data.total]],
                widths=[16, 40, *(12 for _t in titles), 12],
                text_columns=[1],
            )
        elif table == "doctors-per-10000":
            data = indicators.doctors_per_10000(selection=selection)
            ws = xlsx.add_table_sheet(
                wb,
                title="Bác sĩ trên 10.000 dân",
                headers=[
                    H_CODE,
                    H_NAME,
                    "Số bác sĩ",
                    f"Dân số năm {selection.on.year}",
                    "Số bác sĩ/10.000 dân",
                    "Số trạm",
                    "Số trạm chưa có số dân",
                ],
                rows=[
                    [
                        *_unit_cells(r),
                        r.doctors,
                        r.population,
                        _number(r.value),
                        r.stations,
                        r.stations_missing_population,
                    ]
                    for r in [*data.rows, data.total]
                ],
                widths=[16, 40, 12, 14, 14, 10, 14],
                text_columns=[1],
            )
            _one_decimal(ws, 5)
        elif table == "stations-without-doctor":
            data = indicators.stations_without_doctor(selection=selection)
            _stations_sheet(xlsx, wb, "Trạm chưa có bác sĩ", "Trạm có bác sĩ", "Trạm chưa có bác sĩ", data)
        elif table == "stations-without-competency" and params.competency is not None:
            data = indicators.stations_without_competency(selection=selection, competency=params.competency)
            name = params.competency.name
            _stations_sheet(
                xlsx, wb, "Trạm thiếu chứng chỉ", f"Trạm có người có chứng chỉ {name}", f"Trạm không có {name}", data
            )
        elif table == "retirement-outlook":
            data = indicators.retirement_outlook(selection=selection)
            years = data.extra["years"]
            ws = xlsx.add_table_sheet(
                wb,
                title="Dự báo nghỉ hưu",
                headers=[
                    H_CODE,
                    H_NAME,
                    "Đang làm việc",
                    "Đã đến tuổi nghỉ hưu",
                    *(f"Đến tuổi nghỉ hưu năm {y}" for y in years),
                    "Trong 5 năm tới",
                    "Tỷ lệ trong 5 năm (%)",
                    *(f"Tuổi {AGE_VI[key]}" for key, *_rest in indicators.AGE_BANDS),
                ],
                rows=[
                    [
                        *_unit_cells(r),
                        r.working,
                        r.past,
                        *(n for _y, n in r.by_year),
                        r.within,
                        _number(r.value),
                        *(n for _k, n in r.by_age),
                    ]
                    for r in [*data.rows, data.total]
                ],
                widths=[16, 40, 12, 12, *(12 for _y in years), 12, 12, *(10 for _b in indicators.AGE_BANDS)],
                text_columns=[1],
            )
            _one_decimal(ws, 6 + len(years))
    _notes_sheet(xlsx, wb, params)
    return xlsx.workbook_bytes(wb)


def _stations_sheet(xlsx: Any, wb: Any, title: str, with_header: str, without_header: str, data: Any) -> None:
    ws = xlsx.add_table_sheet(
        wb,
        title=title,
        headers=[H_CODE, H_NAME, "Số trạm", with_header, without_header, "Tỷ lệ trạm có (%)"],
        rows=[
            [*_unit_cells(r), r.stations, r.with_count, r.without, _number(r.percent_with)]
            for r in [*data.rows, data.total]
        ],
        widths=[16, 40, 10, 18, 18, 14],
        text_columns=[1],
    )
    _one_decimal(ws, 6)


def _notes_sheet(xlsx: Any, wb: Any, params: Params) -> None:
    selection = params.selection
    rule = retirement_rule()
    lines = [
        ["Ngày tính", selection.on],
        ["Cấp đơn vị", selection.level],
        ["Phạm vi", f"{selection.root.name} ({selection.root.code})" if selection.root else "Toàn bộ phạm vi được xem"],
        [
            "Bác sĩ/10.000 dân",
            f"Số bác sĩ × 10.000 / dân số năm {selection.on.year} của các trạm; làm tròn 1 chữ số thập phân "
            "(0,05 làm tròn lên). Công thức CHƯA XÁC NHẬN theo Thông tư 20/2019/TT-BYT, Phụ lục II. "
            "Chức danh tính là bác sĩ: theo danh mục chức danh (cột 'tính là bác sĩ').",
        ],
        [
            "Tuổi nghỉ hưu",
            f"{rule.source}. {'Đã xác nhận' if rule.confirmed else 'CHƯA XÁC NHẬN'}.",
        ],
        ["Người được tính", "Người có quá trình công tác tại đơn vị (hoặc đơn vị trực thuộc) bao trùm ngày tính."],
    ]
    xlsx.add_table_sheet(wb, title="Ghi chú", headers=["Mục", "Nội dung"], rows=lines, widths=[22, 100])


def people_workbook(*, params: Params, postings: Any) -> bytes:
    from ytcs.core import xlsx  # openpyxl is loaded only when a file is asked for

    on = params.selection.on
    rule = retirement_rule()
    rows = (
        [
            p.staff.full_name,
            SEX_VI.get(p.staff.sex, p.staff.sex),
            p.staff.birth_date,
            indicators.age_on(p.staff.birth_date, on),
            p.staff.title.name,
            p.orgunit.code,
            p.orgunit.name,
            MOVE_VI.get(p.kind, p.kind),
            p.started_on,
            rule.retirement_date(sex=p.staff.sex, birth_date=p.staff.birth_date),
        ]
        for p in postings.iterator(chunk_size=2000)
    )
    wb = xlsx.new_workbook()
    xlsx.add_table_sheet(
        wb,
        title="Danh sách",
        headers=[
            "Họ và tên",
            "Giới tính",
            "Ngày sinh",
            f"Tuổi ngày {on:%d/%m/%Y}",
            "Chức danh",
            H_CODE,
            H_NAME,
            "Hình thức",
            "Từ ngày",
            "Ngày đến tuổi nghỉ hưu (chưa xác nhận)",
        ],
        rows=rows,
        widths=[30, 10, 12, 10, 24, 14, 36, 22, 12, 18],
        date_columns=[3, 9, 10],
        text_columns=[6],
    )
    _notes_sheet(xlsx, wb, params)
    return xlsx.workbook_bytes(wb)


def stations_workbook(*, params: Params, stations: Any) -> bytes:
    from ytcs.core import xlsx  # openpyxl is loaded only when a file is asked for

    wb = xlsx.new_workbook()
    xlsx.add_table_sheet(
        wb,
        title="Trạm y tế",
        headers=["Mã trạm", "Tên trạm", "Đơn vị cấp trên", "Số người làm việc", "Số bác sĩ"],
        rows=(
            [s.code, s.name, s.parent.name if s.parent else "", s.working, s.doctors]
            for s in stations.iterator(chunk_size=2000)
        ),
        widths=[14, 40, 36, 14, 10],
        text_columns=[1],
    )
    _notes_sheet(xlsx, wb, params)
    return xlsx.workbook_bytes(wb)
