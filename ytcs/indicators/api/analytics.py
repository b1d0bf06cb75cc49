"""The analytics API (product.md §6): an indicator's value, numerator and denominator per unit and period with
the target, % achieved and the next target (`/api/v1/analytics/`), and each unit's trend and projection to its next
target (`/api/v1/analytics/outlook/`). Read-only and live: the engine (`ytcs.indicators.analytics`) reads the
roll-up maintained on every write and the registry at request time.

Rows are paginated (`page`, `page_size` up to 1000, default 1000); only the units of the page asked for are
computed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.core.api.fields import query_params
from ytcs.core.api.pagination import StandardPagination
from ytcs.indicators import analytics
from ytcs.indicators import selectors_analysis as selectors
from ytcs.indicators.api.serializers_analytics import (
    AnalyticsIndicatorSerializer,
    AnalyticsOrgUnitSerializer,
    AnalyticsOutlookParamsSerializer,
    AnalyticsOutlookSerializer,
    AnalyticsParamsSerializer,
    AnalyticsSerializer,
    AnalyticsTargetSerializer,
    number,
)
from ytcs.indicators.periods import Period
from ytcs.indicators.selectors_analysis import Selection


class AnalyticsPagination(StandardPagination):
    """Rows of a table: a whole table (up to 1000 rows) by default."""

    page_size = 1000


PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number (from 1)."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows per page, at most 1000 (default 1000)."),
]


def _select(request: Request, data: dict[str, Any], periods: Any) -> Selection:
    try:
        return selectors.select(
            user=request.user,
            indicator=data.get("indicator"),
            periods=periods,
            orgunit=data.get("orgunit"),
            level=data.get("level"),
            plan=data.get("plan"),
        )
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict) from None


def _envelope(selection: Selection, units: list) -> dict[str, Any]:
    level = units[0].level if units else (selection.level or (selection.root.level if selection.root else None))
    return {
        "indicator": AnalyticsIndicatorSerializer.of(selection.indicator),
        "orgunit": selection.root.code if selection.root else None,
        "level": level,
        "plan": selection.plan.code if selection.plan else None,
    }


def _period(period: Period) -> dict[str, Any]:
    return {"code": period.code, "label": period.label, "type": period.type, "start": period.start, "end": period.end}


class AnalyticsApi(APIView):
    """An indicator per unit and period: value (rounded to the indicator's decimals, halves up), numerator,
    denominator, the target of the period's year (the unit's own in the most local plan, else one set for each
    unit below on the nearest unit above; `plan` picks one plan), % achieved and the next target. The indicator's
    `confirmed` is false while its formula has not been checked against its source.

    Bad parameters answer 400 naming each one (`errors.indicator`, `errors.period`, `errors.level`,
    `errors.plan`); a unit unknown or outside your scope answers 404."""

    pagination_class = AnalyticsPagination

    @extend_schema(parameters=[AnalyticsParamsSerializer, *PAGE_PARAMETERS], responses=AnalyticsSerializer)
    def get(self, request: Request) -> Response:
        data = query_params(AnalyticsParamsSerializer, request)
        selection = _select(request, data, data.get("period"))
        units = selection.units(request.user)
        rows = selectors.CellRows(query=selection.query(request.user), units=units)
        paginator = AnalyticsPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        payload = {
            **_envelope(selection, units),
            "periods": [_period(p) for p in selection.periods],
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": [
                {
                    "orgunit": AnalyticsOrgUnitSerializer.of(cell.unit),
                    "period": cell.period.code,
                    "value": number(cell.value),
                    "numerator": cell.numerator,
                    "denominator": cell.denominator,
                    "target": AnalyticsTargetSerializer.of(cell.target),
                    "achieved_percent": number(cell.achieved),
                    "next_target": AnalyticsTargetSerializer.of(cell.next_target),
                }
                for cell in page or []
            ],
        }
        return Response(AnalyticsSerializer(payload).data)


class AnalyticsOutlookApi(APIView):
    """Each unit's yearly values over the last 5 years up to `year`, their least-squares slope per year, the next
    target (the target of `year` or the first later one), the latest value projected along the slope to that
    target's year, and whether the projection misses it (`at_risk`). Same parameters and errors as /analytics/,
    with `year` instead of periods."""

    pagination_class = AnalyticsPagination

    @extend_schema(
        parameters=[AnalyticsOutlookParamsSerializer, *PAGE_PARAMETERS], responses=AnalyticsOutlookSerializer
    )
    def get(self, request: Request) -> Response:
        data = query_params(AnalyticsOutlookParamsSerializer, request)
        year = data.get("year") or timezone.localdate().year
        years = tuple(Period(y) for y in range(year - analytics.TREND_YEARS + 1, year + 1))
        selection = _select(request, data, years)
        units = selection.units(request.user)
        rows = selectors.OutlookRows(
            user=request.user,
            indicator=selection.indicator,
            units=units,
            year=year,
            root=selection.root,
            plan=selection.plan,
        )
        paginator = AnalyticsPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        places = selection.indicator.decimals + 2
        payload = {
            **_envelope(selection, units),
            "year": year,
            "trend_years": analytics.TREND_YEARS,
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "results": [
                {
                    "orgunit": AnalyticsOrgUnitSerializer.of(item.unit),
                    "years": [{"year": y, "value": float(v)} for y, v in item.years],
                    "slope": round(float(item.slope), places) if item.slope is not None else None,
                    "next_target": AnalyticsTargetSerializer.of(item.target),
                    "projected": number(item.projected),
                    "at_risk": item.at_risk,
                }
                for item in page or []
            ],
        }
        return Response(AnalyticsOutlookSerializer(payload).data)
