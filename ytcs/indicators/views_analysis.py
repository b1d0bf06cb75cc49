"""Pages of the indicator analysis (phân tích chỉ số) and the dashboards (bảng điều khiển): pick an indicator,
a unit, a level, periods and a target plan → a table (units × periods) and a chart, exported to .xlsx; and, per
unit, the key indicators against their targets with trend, projection and the units below at risk. Everything is
computed at request time by the analytics engine (`ytcs.indicators.analytics`), so a value entered shows at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ytcs.core.pages import paginate, query_without_page, render_page, xlsx_response
from ytcs.core.querysets import in_scope
from ytcs.indicators import analysis_xlsx, analytics, dashboards
from ytcs.indicators import periods as P
from ytcs.indicators import selectors_analysis as selectors
from ytcs.indicators.models import Indicator, IndicatorGroup, PeriodType, TargetPlan
from ytcs.indicators.selectors_analysis import NOT_COMPARED, Selection
from ytcs.orgunits.models import OrgUnit, OrgUnitKind

DASHBOARD_YEARS = 10
"""How many years back the dashboard's year picker goes."""


def level_label(level: int, kinds: list[str]) -> str:
    names = ", ".join(str(OrgUnitKind(kind).label) for kind in kinds if kind in OrgUnitKind.values)
    return _("Level %(level)d: %(kinds)s") % {"level": level, "kinds": names}


def indicator_choices(indicators: list[Indicator]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Indicators grouped by their group, groups in their declared order."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for indicator in indicators:
        groups.setdefault(indicator.group, []).append((indicator.code, indicator.name))
    return [(str(label), groups[value]) for value, label in IndicatorGroup.choices if value in groups]


def _period(value: str) -> P.Period:
    try:
        return P.parse(value)
    except ValidationError as exc:
        raise forms.ValidationError(exc.messages) from None


class AnalysisForm(forms.Form):
    """What the analysis shows: indicator, unit (a code), level of the rows, periods (a type and a range, or a
    list), target plan."""

    indicator = forms.ChoiceField(label=gettext_lazy("Indicator"))
    orgunit = forms.CharField(label=gettext_lazy("Unit"), required=False, max_length=50)
    level = forms.TypedChoiceField(label=gettext_lazy("Rows at level"), coerce=int)
    period_type = forms.ChoiceField(
        label=gettext_lazy("Period type"),
        choices=[
            (PeriodType.YEARLY, gettext_lazy("Years")),
            (PeriodType.QUARTERLY, gettext_lazy("Quarters")),
            (PeriodType.MONTHLY, gettext_lazy("Months")),
        ],
    )
    start = forms.CharField(
        label=gettext_lazy("First period"), max_length=8, help_text=gettext_lazy("2021, 2021Q1 or 202101")
    )
    end = forms.CharField(
        label=gettext_lazy("Last period"), max_length=8, help_text=gettext_lazy("2025, 2025Q4 or 202512")
    )
    periods = forms.CharField(
        label=gettext_lazy("Or exactly these periods"),
        required=False,
        max_length=600,
        help_text=gettext_lazy("Separated by “;”, e.g. 2024;2025 or 202501;202502 (instead of the range)."),
    )
    plan = forms.ChoiceField(label=gettext_lazy("Targets of"), required=False)

    def __init__(
        self,
        *args: Any,
        indicators: list[Indicator],
        levels: dict[int, list[str]],
        plans: list[TargetPlan],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = indicator_choices(indicators)
        self.fields["level"].choices = [(level, level_label(level, kinds)) for level, kinds in levels.items()]
        self.fields["plan"].choices = [
            ("", _("Each unit's most local plan")),
            *((p.code, f"{p.name} ({p.start_year}–{p.end_year})") for p in plans),
        ]

    def clean_start(self) -> P.Period:
        return _period(self.cleaned_data["start"])

    def clean_end(self) -> P.Period:
        return _period(self.cleaned_data["end"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("periods"):
            try:
                data["period_list"] = analytics.parse_periods(data["periods"])
            except ValidationError as exc:
                self.add_error("periods", exc.messages)
        elif data.get("start") and data.get("end") and data.get("period_type"):
            try:
                data["period_list"] = selectors.periods_in_range(
                    period_type=data["period_type"], start=data["start"], end=data["end"]
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@dataclass
class AnalysisParams:
    form: AnalysisForm
    root: OrgUnit | None
    levels: dict[int, list[str]]
    selection: Selection | None  # None while the form has errors

    @property
    def query(self) -> str:
        """The query string of the selection, for the export."""
        return self.query_for()

    def query_for(self, unit: OrgUnit | None = None, level: int | None = None) -> str:
        """The query string of the selection, or of the same selection for another unit and level."""
        s = self.selection
        if s is None:
            return ""
        unit = unit or s.root
        values: dict[str, Any] = {"indicator": s.indicator.code, "orgunit": unit.code if unit else ""}
        values["level"] = level or s.level or ""
        data = self.form.cleaned_data
        if data.get("periods"):
            values["periods"] = ";".join(p.code for p in s.periods)
        else:  # the same range, so the period type can still be changed on the page it opens
            values.update(period_type=data["period_type"], start=data["start"].code, end=data["end"].code)
        if s.plan is not None:
            values["plan"] = s.plan.code
        return urlencode(values)


def _analysis_params(request: HttpRequest) -> AnalysisParams:
    """Validate the choices; missing ones take their defaults (the first indicator, the viewer's top unit, the
    level below it, the last five years). An unknown or out-of-scope unit answers 404; other bad values are shown
    beside their field, as typed."""
    user = request.user
    code = (request.GET.get("orgunit") or "").strip()
    root = selectors.unit_get(user=user, code=code) if code else selectors.top_unit(user=user)
    levels = selectors.unit_levels(user=user, root=root) if root is not None else {}
    indicators = list(selectors.indicator_list())
    plans = list(selectors.plan_list(user=user))
    first, last = selectors.recent_years()
    defaults = {
        "indicator": indicators[0].code if indicators else "",
        "orgunit": root.code if root is not None else "",
        "level": selectors.default_level(levels=levels, root=root) if levels else "",
        "period_type": PeriodType.YEARLY,
        "start": first.code,
        "end": last.code,
    }
    given = request.GET.copy()
    for name, value in defaults.items():
        if not (given.get(name) or "").strip():
            given[name] = value
    if given.get("level") not in {str(level) for level in levels}:
        # A level left over from another unit (the picker changed the unit): the new unit's default.
        given["level"] = defaults["level"]
    form = AnalysisForm(given, indicators=indicators, levels=levels, plans=plans)
    selection = None
    if root is not None and form.is_valid():
        data = form.cleaned_data
        selection = Selection(
            indicator=next(i for i in indicators if i.code == data["indicator"]),
            periods=data["period_list"],
            root=root,
            level=data["level"],
            plan=next((p for p in plans if p.code == data["plan"]), None),
        )
    return AnalysisParams(form=form, root=root, levels=levels, selection=selection)


@dataclass
class Row:
    unit: OrgUnit
    cells: list[analytics.Cell]
    drill: str  # query string of the units one level below, "" when there are none


def _drill_query(params: AnalysisParams, unit: OrgUnit) -> str:
    """The same selection for the units one level below `unit`, "" when none are compared there."""
    below = params.levels.get(unit.level + 1, [])
    if not any(kind not in NOT_COMPARED for kind in below):
        return ""
    return params.query_for(unit, unit.level + 1)


@login_required
@require_GET
def analysis_view(request: HttpRequest) -> HttpResponse:
    """The table of the selection (units paginated, 50 a page) and its chart; the whole page or, for htmx, the
    results with the form."""
    params = _analysis_params(request)
    context: dict[str, Any] = {"params": params, "form": params.form, "root": params.root}
    context["unit_options"] = selectors.unit_options(user=request.user)
    selection = params.selection
    parent = params.root.parent if params.root is not None else None
    if parent is not None and in_scope(request.user, parent.path):
        context["up"] = parent
        context["up_query"] = params.query_for(parent, parent.level + 1)
    if selection is not None:
        units = selection.units(request.user)
        page = paginate(request, units, default_size=50)
        shown = list(page.object_list)
        cells = analytics.compute(selection.query(request.user), units=shown)
        n = len(selection.periods)
        rows = [Row(unit, cells[i * n : (i + 1) * n], _drill_query(params, unit)) for i, unit in enumerate(shown)]
        indicator = selection.indicator
        context.update(
            {
                "selection": selection,
                "indicator": indicator,
                "page": page,
                "rows": rows,
                "query": query_without_page(request),
                "export_query": params.query,
                "value_format": f"{indicator.decimals}g",
                "target_format": f"-{indicator.decimals}g",  # targets are floats: trailing zeros off
                "chart": dashboards.analysis_chart(
                    indicator=indicator, units=shown, periods=selection.periods, cells=cells
                ),
            }
        )
    return render_page(request, "indicators/analysis/page.html", "indicators/analysis/partials/results.html", context)


@login_required
@require_GET
def analysis_export_view(request: HttpRequest) -> HttpResponse:
    """The same table for every unit of the selection as .xlsx, under a header block naming the indicator, its
    formula and source, the unit, the periods and the date."""
    params = _analysis_params(request)
    selection = params.selection
    if selection is None:
        context = {"params": params, "form": params.form, "root": params.root, "unit_options": []}
        return render(request, "indicators/analysis/page.html", context, status=400)
    content = analysis_xlsx.analysis_workbook(user=request.user, selection=selection, generated_on=timezone.localdate())
    periods = selection.periods
    span = periods[0].code if len(periods) == 1 else f"{periods[0].code}-{periods[-1].code}"
    unit = selection.root.code if selection.root else "all"
    return xlsx_response(content, f"chi-so-{selection.indicator.code}-{unit}-{span}.xlsx")


# ---------------------------------------------------------------------------------------------- dashboard


class DashboardForm(forms.Form):
    unit = forms.CharField(label=gettext_lazy("Unit"), required=False, max_length=50)
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False)

    def __init__(self, *args: Any, this_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year, this_year - DASHBOARD_YEARS, -1)]


@login_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The key indicators of a unit (default: the viewer's top unit) for a year (default: this year)."""
    user = request.user
    code = (request.GET.get("unit") or "").strip()
    root = selectors.unit_get(user=user, code=code) if code else selectors.top_unit(user=user)
    this_year = timezone.localdate().year
    form = DashboardForm(request.GET, this_year=this_year)
    form.is_valid()
    year = form.cleaned_data.get("year") or this_year
    context: dict[str, Any] = {"form": form, "root": root, "year": year}
    if root is not None:
        board = dashboards.build(user=user, root=root, year=year)
        context.update(
            {
                "board": board,
                "units": selectors.units_around(user=user, unit=root),
                "years": [y for y, _label in form.fields["year"].choices],
            }
        )
    return render(request, "indicators/dashboard/page.html", context)
