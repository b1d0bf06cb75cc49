"""API of targets under `/api/v1/`: target plans by code (`target-plans/`), a plan's targets with a bulk upsert
(`target-plans/{code}/targets/`), the units at risk of missing their next target (`targets/at-risk/`) and the
printed report on a unit as JSON, PDF or .xlsx (`indicators-report/`). Reads go through `selectors_targets`,
writes through `target_services`; a plan is changed by those with the approve right on its unit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.accounts.roles import APPROVE
from ytcs.core.api.fields import query_params
from ytcs.core.api.pagination import StandardPagination
from ytcs.core.pages import XLSX_CONTENT_TYPE
from ytcs.core.querysets import may_anywhere
from ytcs.indicators import report as content
from ytcs.indicators import report_render
from ytcs.indicators import selectors_targets as selectors
from ytcs.indicators import target_services as services
from ytcs.indicators.api.serializers_targets import (
    MAX_ITEMS,
    IndicatorsReportQuerySerializer,
    IndicatorsReportSerializer,
    TargetAtRiskQuerySerializer,
    TargetAtRiskSerializer,
    TargetPlanQuerySerializer,
    TargetPlanSerializer,
    TargetPlanTargetCountsSerializer,
    TargetPlanTargetInputSerializer,
    TargetPlanTargetQuerySerializer,
    TargetPlanTargetSerializer,
)
from ytcs.indicators.target_services import TargetInput

PLAN_CODE_REGEX = r"[A-Za-z0-9][A-Za-z0-9_-]*"


def _fresh(request: Any, code: str) -> dict[str, Any]:
    return TargetPlanSerializer(selectors.plan_get(user=request.user, code=code), context={"request": request}).data


# ---------------------------------------------------------------------------------------------- plans


@extend_schema_view(
    list=extend_schema(parameters=[TargetPlanQuerySerializer]),
    create=extend_schema(request=TargetPlanSerializer, responses={201: TargetPlanSerializer}),
    partial_update=extend_schema(request=TargetPlanSerializer, responses=TargetPlanSerializer),
    destroy=extend_schema(responses={204: None}),
)
class TargetPlanViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Target plans (kế hoạch chỉ tiêu) of the caller's units and of the units above them, by code. A plan is
    recorded, changed and deleted (with its targets) by a province administrator, or by a regional manager for a
    unit of their region; its code and unit are fixed once recorded."""

    serializer_class = TargetPlanSerializer
    lookup_field = "code"
    lookup_value_regex = PLAN_CODE_REGEX
    filter_backends: list = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        filters = query_params(TargetPlanQuerySerializer, self.request) if self.action == "list" else {}
        return selectors.plan_list(user=self.request.user, filters=filters)

    def retrieve(self, request, code: str = ""):
        return Response(_fresh(request, code))

    def create(self, request):
        if not may_anywhere(request.user, APPROVE):
            raise PermissionDenied(_("Only a province administrator or a regional manager records a target plan."))
        data = TargetPlanSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        plan = services.plan_create(user=request.user, **data.validated_data)
        return Response(_fresh(request, plan.code), status=status.HTTP_201_CREATED)

    def partial_update(self, request, code: str = ""):
        plan = selectors.plan_get_for_manage(user=request.user, code=code)
        data = TargetPlanSerializer(plan, data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        services.plan_update(user=request.user, plan=plan, **data.validated_data)
        return Response(_fresh(request, plan.code))

    def destroy(self, request, code: str = ""):
        plan = selectors.plan_get_for_manage(user=request.user, code=code)
        services.plan_delete(user=request.user, plan=plan)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------------------- targets


def _item_errors(errors: Any) -> dict[str, list[str]]:
    """A list serializer's errors (a list by position, or a dict by index) as {"<index>.<field>": [messages]}."""
    pairs = errors.items() if isinstance(errors, dict) else enumerate(errors)
    out: dict[str, list[str]] = {}
    for index, item in pairs:
        if isinstance(item, dict):
            for name, messages in item.items():
                out[f"{index}.{name}"] = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
        elif item:
            out[str(index)] = [str(m) for m in (item if isinstance(item, list) else [item])]
    return out


class TargetPlanTargetsApi(APIView):
    """The targets of a plan (chỉ tiêu). GET lists those the caller sees. POST sets a list of targets at once
    (create or change; `value` null removes one; targets not named are kept): every item is checked first and
    any problem answers 400 naming `<index>.<field>`, with nothing saved."""

    pagination_class = StandardPagination

    @extend_schema(parameters=[TargetPlanTargetQuerySerializer], responses=TargetPlanTargetSerializer(many=True))
    def get(self, request, code: str):
        plan = selectors.plan_get(user=request.user, code=code)
        filters = query_params(TargetPlanTargetQuerySerializer, request)
        qs = selectors.plan_targets(user=request.user, plan=plan)
        if filters.get("indicator"):
            qs = qs.filter(indicator__code=filters["indicator"])
        if filters.get("orgunit"):
            qs = qs.filter(orgunit__code=filters["orgunit"])
        if filters.get("year"):
            qs = qs.filter(year=filters["year"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(TargetPlanTargetSerializer(page, many=True).data)

    @extend_schema(
        request=TargetPlanTargetInputSerializer(many=True),
        responses={200: TargetPlanTargetCountsSerializer},
    )
    def post(self, request, code: str):
        plan = selectors.plan_get(user=request.user, code=code)
        if not selectors.may_manage(request.user, plan):
            raise PermissionDenied(
                _("Only a province administrator or the regional manager of the plan's unit sets its targets.")
            )
        if not isinstance(request.data, list):
            raise ValidationError({"non_field_errors": [_("Send a list of targets.")]})
        if len(request.data) > MAX_ITEMS:
            raise ValidationError({"non_field_errors": [_("At most %(n)d targets at a time.") % {"n": MAX_ITEMS}]})
        data = TargetPlanTargetInputSerializer(data=request.data, many=True, context={"request": request})
        if not data.is_valid():
            raise ValidationError(_item_errors(data.errors))
        items = [
            TargetInput(
                indicator=item["indicator"],
                orgunit=item["orgunit"],
                year=item["year"],
                value=item["value"],
                applies_below=item.get("applies_below", False),
                note=item.get("note"),
            )
            for item in data.validated_data
        ]
        counts = services.targets_set(user=request.user, plan=plan, items=items)
        return Response(TargetPlanTargetCountsSerializer(counts).data)


# ---------------------------------------------------------------------------------------------- at risk


class TargetsAtRiskApi(APIView):
    """The units whose projection (the latest yearly value carried along the trend of the last five years) misses
    their next target: of `level` under the plan's unit (or the caller's scope), for `indicator` or every
    indicator with targets. Ordered by indicator, then tree order; paginated."""

    pagination_class = StandardPagination

    @extend_schema(parameters=[TargetAtRiskQuerySerializer], responses=TargetAtRiskSerializer(many=True))
    def get(self, request):
        params = query_params(TargetAtRiskQuerySerializer, request)
        plan = selectors.plan_get(user=request.user, code=params["plan"]) if params.get("plan") else None
        indicator = None
        if params.get("indicator"):
            indicator = selectors.indicator_by_code(params["indicator"])
            if indicator is None:
                raise ValidationError({"indicator": [_("No indicator has this code.")]})
        year = params.get("year") or selectors.default_year(plan)
        result = selectors.at_risk(
            user=request.user, year=year, plan=plan, indicator=indicator, level=params.get("level")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(result.rows, request, view=self)
        return paginator.get_paginated_response(TargetAtRiskSerializer(page, many=True).data)


# ---------------------------------------------------------------------------------------------- report


class _FormatChoosesTheFile(DefaultContentNegotiation):
    """`format` names the report's file (json, pdf, xlsx) here, not one of DRF's renderers: errors and the JSON
    content are rendered as JSON, the files are answered as they are."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class IndicatorsReportApi(APIView):
    """The printed report on a unit for a year: workforce, assessments of the year, indicators against the targets
    of a plan (or, without one, the most local plan of each target) and the units at risk. `format=json` (default)
    returns its content; `pdf` and `xlsx` the document in the Vietnamese administrative layout, whose header takes
    the other parameters (blank: the unit's names, today, a place to fill in)."""

    content_negotiation_class = _FormatChoosesTheFile

    @extend_schema(
        parameters=[
            IndicatorsReportQuerySerializer,
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=["json", "pdf", "xlsx"], description="json, pdf or xlsx."
            ),
        ],
        responses={
            (200, "application/json"): IndicatorsReportSerializer,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
        },
    )
    def get(self, request):
        params = query_params(IndicatorsReportQuerySerializer, request)
        unit = selectors.unit_get(user=request.user, code=params["unit"])
        plan = selectors.plan_get(user=request.user, code=params["plan"]) if params.get("plan") else None
        try:
            report = content.build_report(
                user=request.user, unit=unit, year=params["year"], plan=plan, level=params.get("level")
            )
        except DjangoValidationError as error:
            raise ValidationError({"level": error.messages}) from None
        fmt = params.get("format", "json")
        if fmt == "json":
            return Response(IndicatorsReportSerializer(report).data)
        header = content.document_header(unit=unit, year=report.year, fields=params)
        if fmt == "pdf":
            response = HttpResponse(report_render.report_pdf(report, header), content_type="application/pdf")
        else:
            response = HttpResponse(report_render.report_xlsx(report, header), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="bao-cao-{unit.code}-{report.year}.{fmt}"'
        return response
