"""API of the medicine list and the stock ledger under `/api/v1/assets/`: the medicines of the current list and the
list versions (export and import for catalogue managers), balances on any date, the ledger's entries, receipts,
issues, adjustments and transfers (each one service call), the alerts rolled up by level and the monthly
consumption report (JSON, or the .xlsx in the usual layout).

The ledger is append-only: entries are listed and read, never changed or deleted (PUT, PATCH and DELETE answer
405); a correction is an adjustment. Errors are JSON {"detail", "errors": {field: [...]}} with a 4xx status."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.assets import catalogue_xlsx, stock, stock_xlsx
from ytcs.assets import selectors_stock as selectors
from ytcs.assets.api.serializers_stock import (
    MedicineImportErrorSerializer,
    MedicineImportInSerializer,
    MedicineImportOutSerializer,
    MedicineListSerializer,
    MedicineQuerySerializer,
    MedicineSerializer,
    StockAdjustmentInSerializer,
    StockAlertItemQuerySerializer,
    StockAlertItemSerializer,
    StockAlertQuerySerializer,
    StockAlertsSerializer,
    StockBalanceQuerySerializer,
    StockBalanceSerializer,
    StockEntryQuerySerializer,
    StockEntrySerializer,
    StockIssueInSerializer,
    StockReceiptInSerializer,
    StockReportQuerySerializer,
    StockReportSerializer,
    StockTransferInSerializer,
    StockTransferOutSerializer,
)
from ytcs.assets.models import Medicine
from ytcs.core.api.fields import ensure_may_write, query_params
from ytcs.core.pages import XLSX_CONTENT_TYPE, xlsx_response
from ytcs.core.querysets import CHANGE, in_scope
from ytcs.core.xlsx import ImportFileError, ImportResult
from ytcs.orgunits.models import OrgUnit
from ytcs.orgunits.selectors import orgunit_get
from ytcs.workforce.catalogue_services import can_manage_catalogues


def _only_managers(user: Any) -> None:
    if not can_manage_catalogues(user):
        raise PermissionDenied(_("Only province administrators change the catalogues."))


def _unit(user: Any, code: str | None) -> OrgUnit:
    """The unit of a code (404 out of sight); without one, the caller's own unit."""
    if code:
        return orgunit_get(user=user, code=code)
    unit = selectors.default_stock_unit(user=user)
    if unit is None:
        raise NotFound()
    return unit


def _unit_for_change(user: Any, code: str) -> OrgUnit:
    """A unit whose stock the caller writes: 404 out of sight, 403 when they may only read it."""
    unit = orgunit_get(user=user, code=code)
    if not in_scope(user, unit.path, CHANGE):
        raise PermissionDenied(_("You may view the stock of %(unit)s but not change it.") % {"unit": unit.name})
    return unit


def _medicine(pk: int) -> Medicine:
    medicine = selectors.medicine_get(pk=pk)
    if medicine is None:
        raise ValidationError({"medicine": [_("No medicine has the id %(id)s.") % {"id": pk}]})
    return medicine


def _renamed(error: DjangoValidationError, **names: str) -> DjangoValidationError:
    """A service's error on `quantity` reported under the name this endpoint takes (`change`)."""
    if not hasattr(error, "error_dict"):
        return error
    return DjangoValidationError({names.get(key, key): value for key, value in error.error_dict.items()})


# ---------------------------------------------------------------------------------------------- medicine list


@extend_schema(parameters=[MedicineQuerySerializer])
class MedicinesApi(generics.ListAPIView):
    """Medicines of the current list (or of the version `list`), `q` matching code, active ingredient, strength
    and form without diacritics."""

    serializer_class = MedicineSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = query_params(MedicineQuerySerializer, self.request)
        chosen = (
            selectors.medicine_list_get(pk=params["list"]) if params.get("list") else selectors.current_medicine_list()
        )
        return selectors.medicine_search(medicine_list=chosen, q=params.get("q"))


class MedicineListsApi(generics.ListAPIView):
    """The versions of the medicine list, the current one first."""

    serializer_class = MedicineListSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.medicine_lists()


class MedicineListExportApi(APIView):
    """A version of the medicine list as .xlsx (catalogue managers): the file the import takes back."""

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        _only_managers(request.user)
        medicine_list = selectors.medicine_list_get(pk=pk)
        content = catalogue_xlsx.medicine_export(medicine_list)
        return xlsx_response(content, f"danh-muc-thuoc-{medicine_list.code}-{medicine_list.version}.xlsx")


class MedicineListImportApi(APIView):
    """Import a new version of the medicine list from .xlsx (multipart field `file`; catalogue managers): all rows
    or none; 400 names every problem's sheet, row and column."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": MedicineImportInSerializer},
        responses={201: MedicineImportOutSerializer, 400: MedicineImportErrorSerializer},
    )
    def post(self, request):
        _only_managers(request.user)
        data = MedicineImportInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result, medicine_list = catalogue_xlsx.medicine_import(
                user=request.user, file=data.validated_data["file"], make_current=data.validated_data["make_current"]
            )
        except ImportFileError as exc:
            result, medicine_list = ImportResult(), None
            result.add_error(sheet="", row=None, message=exc.message)
        if medicine_list is None:
            body = {
                "detail": _("The file was not imported: nothing was saved."),
                "errors": {"file": [_problem(error) for error in result.errors]},
                "rows": [dataclasses.asdict(error) for error in result.errors],
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        body = {
            "id": medicine_list.pk,
            "code": medicine_list.code,
            "version": medicine_list.version,
            "created": result.created,
        }
        return Response(body, status=status.HTTP_201_CREATED)


def _problem(error: Any) -> str:
    where = [
        part for part in (error.sheet, _("row %(n)s") % {"n": error.row} if error.row else "", error.column) if part
    ]
    return f"{', '.join(where)}: {error.message}" if where else error.message


# ---------------------------------------------------------------------------------------------- balances and ledger


@extend_schema(parameters=[StockBalanceQuerySerializer])
class StockBalancesApi(generics.ListAPIView):
    """Stock of a unit and the units under it: the running balance of each batch now, with its flags (out of
    stock, below minimum, expired, expiring), or with `on` the balances on that date summed from the ledger;
    `by=medicine` adds the batches of each medicine up."""

    serializer_class = StockBalanceSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = query_params(StockBalanceQuerySerializer, self.request)
        user = self.request.user
        root = orgunit_get(user=user, code=params["orgunit"]) if params.get("orgunit") else None
        on = params.get("on")
        if params.get("by") == "medicine":
            return selectors.medicine_balances_on(user=user, on=on or timezone.localdate(), root=root)
        if on:
            return selectors.batch_balances_on(user=user, on=on, root=root)
        return selectors.batch_rows(user=user, root=root)


@extend_schema(parameters=[StockEntryQuerySerializer])
class StockEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Entries of the stock ledger, newest first (filters: `orgunit` = subtree by code, `medicine`, `kind`,
    `month`, `date_from`, `date_to`). The ledger is append-only: no entry is changed or deleted."""

    serializer_class = StockEntrySerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if self.action != "list":
            return selectors.ledger(user=self.request.user, filters={})
        params = query_params(StockEntryQuerySerializer, self.request)
        if params.get("orgunit"):
            params["root"] = orgunit_get(user=self.request.user, code=params.pop("orgunit"))
        return selectors.ledger(user=self.request.user, filters=params)

    def retrieve(self, request, *args, **kwargs):
        entry = selectors.entry_get(user=request.user, pk=int(kwargs["pk"]))
        return Response(self.get_serializer(entry).data)


class _WriteApi(APIView):
    """A POST calling one ledger service: read-only callers are refused before anything is validated."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        ensure_may_write(request.user)


class StockReceiptApi(_WriteApi):
    """A receipt (nhập kho) of a batch at a unit; a new batch needs its expiry date."""

    @extend_schema(request=StockReceiptInSerializer, responses={201: StockEntrySerializer})
    def post(self, request):
        data = StockReceiptInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = _unit_for_change(request.user, values["orgunit"])
        entry = stock.stock_receive(
            user=request.user,
            orgunit=unit,
            medicine=_medicine(values["medicine"]),
            batch=values["batch"],
            expiry_date=values["expiry_date"],
            quantity=values["quantity"],
            occurred_on=values["occurred_on"],
            reason=values["reason"],
        )
        return Response(StockEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class StockIssueApi(_WriteApi):
    """An issue (xuất) to patients; more than the batch holds answers 400 and writes nothing."""

    @extend_schema(request=StockIssueInSerializer, responses={201: StockEntrySerializer})
    def post(self, request):
        data = StockIssueInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = _unit_for_change(request.user, values["orgunit"])
        entry = stock.stock_issue(
            user=request.user,
            orgunit=unit,
            medicine=_medicine(values["medicine"]),
            batch=values["batch"],
            quantity=values["quantity"],
            occurred_on=values["occurred_on"],
            reason=values["reason"],
        )
        return Response(StockEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class StockAdjustmentApi(_WriteApi):
    """An adjustment (điều chỉnh), signed, with its reason; never below zero."""

    @extend_schema(request=StockAdjustmentInSerializer, responses={201: StockEntrySerializer})
    def post(self, request):
        data = StockAdjustmentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = _unit_for_change(request.user, values["orgunit"])
        medicine = _medicine(values["medicine"])
        try:
            entry = stock.stock_adjust(
                user=request.user,
                orgunit=unit,
                medicine=medicine,
                batch=values["batch"],
                change=values["change"],
                occurred_on=values["occurred_on"],
                reason=values["reason"],
            )
        except DjangoValidationError as error:
            raise _renamed(error, quantity="change") from None
        return Response(StockEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class StockTransferApi(_WriteApi):
    """A transfer (điều chuyển) of a batch between units: both entries or neither; rights on both ends (a
    receiving unit out of sight answers 404, one the caller may only read 403)."""

    @extend_schema(request=StockTransferInSerializer, responses={201: StockTransferOutSerializer})
    def post(self, request):
        data = StockTransferInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        from_unit = _unit_for_change(request.user, values["from_unit"])
        to_unit = _unit_for_change(request.user, values["to_unit"])
        out, received = stock.stock_transfer(
            user=request.user,
            from_unit=from_unit,
            to_unit=to_unit,
            medicine=_medicine(values["medicine"]),
            batch=values["batch"],
            quantity=values["quantity"],
            occurred_on=values["occurred_on"],
            reason=values["reason"],
        )
        body = {"out": StockEntrySerializer(out).data, "received": StockEntrySerializer(received).data}
        return Response(body, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------- alerts and report


class StockAlertsApi(APIView):
    """Stock-outs, medicines below minimum and batches expired or expiring within 90 days: the totals of a unit's
    subtree and the roll-up to each unit of a level under it (drill down with that unit's code)."""

    @extend_schema(parameters=[StockAlertQuerySerializer], responses={200: StockAlertsSerializer})
    def get(self, request):
        params = query_params(StockAlertQuerySerializer, request)
        root = _unit(request.user, params.get("orgunit"))
        levels = [n for n, _label in selectors.levels_below(user=request.user, root=root)]
        level = params.get("level")
        if level is not None and level <= root.level:
            raise ValidationError({"level": [_("Choose a level below the unit's (%(n)d).") % {"n": root.level}]})
        if level is None:
            level = levels[0] if levels else None
        summary = selectors.alert_summary(user=request.user, root=root, level=level)
        return Response(StockAlertsSerializer(summary).data)


@extend_schema(parameters=[StockAlertItemQuerySerializer])
class StockAlertItemsApi(generics.ListAPIView):
    """The alerts of a unit's subtree one by one: `kind=stock_out` or `below_minimum` (unit × medicine) or
    `expiring` (batches, soonest first)."""

    serializer_class = StockAlertItemSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = query_params(StockAlertItemQuerySerializer, self.request)
        root = _unit(self.request.user, params.get("orgunit"))
        rows = {
            "stock_out": selectors.stock_out_rows,
            "below_minimum": selectors.below_minimum_rows,
            "expiring": selectors.expiring_rows,
        }[params["kind"]]
        return rows(user=self.request.user, root=root)


class _FormatChoosesTheFile(DefaultContentNegotiation):
    """`format` names the report's file here (json or xlsx), not one of DRF's renderers: errors and the JSON
    content are rendered as JSON, the file is answered as it is."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class StockReportApi(APIView):
    """The monthly consumption report of a unit (báo cáo sử dụng thuốc): per medicine, opening balance, in,
    out, adjustments, closing balance and nearest expiry. `format=xlsx` returns the .xlsx in the usual layout."""

    content_negotiation_class = _FormatChoosesTheFile

    @extend_schema(
        parameters=[
            StockReportQuerySerializer,
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "xlsx"], description="json (default) or xlsx."),
        ],
        responses={(200, "application/json"): StockReportSerializer, (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request) -> Response | HttpResponse:
        params = query_params(StockReportQuerySerializer, request)
        fmt = request.query_params.get("format") or "json"
        if fmt not in ("json", "xlsx"):
            raise ValidationError({"format": [_("Use json or xlsx.")]})
        unit = orgunit_get(user=request.user, code=params["orgunit"])
        month = params["month"]
        report = selectors.consumption_report(user=request.user, orgunit=unit, year=month.year, month=month.month)
        if fmt == "xlsx":
            return xlsx_response(
                stock_xlsx.consumption_workbook(report), f"bao-cao-su-dung-thuoc-{unit.code}-{month:%Y-%m}.xlsx"
            )
        return Response(StockReportSerializer(report).data)
