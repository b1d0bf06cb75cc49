"""API of the equipment area under `/api/v1/assets/`: the catalogue (`equipment-types/`, `equipment-catalogues/` with
.xlsx export and import for catalogue managers), the inventory (`equipment/`: list with the pages' filters, record,
read, correct, `{id}/move/` with rights on both units; `export/` and `import/` in the .xlsx template), and the
follow-up (`equipment/broken/`, `equipment/maintenance-due/`, `equipment/gaps/` and its drill-down
`equipment/gaps/{type}/`). Reads go through `selectors_equipment`, writes through `services`."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.assets import catalogue_xlsx, equipment_xlsx, services
from ytcs.assets import selectors_equipment as selectors
from ytcs.assets.api.serializers_equipment import (
    CatalogueImportResultSerializer,
    CatalogueImportSerializer,
    EquipmentCatalogueDetailSerializer,
    EquipmentCatalogueSerializer,
    EquipmentItemDetailSerializer,
    EquipmentItemSerializer,
    EquipmentTypeSerializer,
    GapDetailQuerySerializer,
    GapQuerySerializer,
    GapTableSerializer,
    GapUnitSerializer,
    ItemImportResultSerializer,
    ItemQuerySerializer,
    MaintenanceItemSerializer,
    MaintenanceQuerySerializer,
    MoveSerializer,
    OutOfOrderQuerySerializer,
    TypeQuerySerializer,
)
from ytcs.core.api.fields import ensure_may_write, query_params
from ytcs.core.pages import XLSX_CONTENT_TYPE, xlsx_response
from ytcs.core.querysets import CHANGE, may_anywhere
from ytcs.core.xlsx import ImportFileError, ImportResult
from ytcs.orgunits.models import OrgUnit
from ytcs.workforce.catalogue_services import can_manage_catalogues

ID_REGEX = r"\d+"
MULTIPART_FILE = {
    "multipart/form-data": {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"],
    }
}


def _ensure_manager(user: Any) -> None:
    if not can_manage_catalogues(user):
        raise PermissionDenied(_("Only province administrators change the catalogues."))


def _errors(result: ImportResult) -> list[dict[str, Any]]:
    return [dataclasses.asdict(error) for error in result.errors]


# ---------------------------------------------------------------------------------------------- catalogue


@extend_schema_view(list=extend_schema(parameters=[TypeQuerySerializer]))
class EquipmentTypeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Types of equipment (loại trang thiết bị) of a catalogue version, the current one by default; read by
    everyone logged in."""

    serializer_class = EquipmentTypeSerializer
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        if self.action != "list":
            return selectors.all_types()
        params = query_params(TypeQuerySerializer, self.request)
        catalogue = selectors.catalogue_get(pk=params.pop("catalogue")) if "catalogue" in params else None
        return selectors.type_list(catalogue=catalogue, filters=params)


@extend_schema_view(retrieve=extend_schema(responses=EquipmentCatalogueDetailSerializer))
class EquipmentCatalogueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Versions of the equipment catalogue with their types and norms (định mức: how many working items each kind of
    unit must have, with the regulation it comes from and whether that source is checked)."""

    serializer_class = EquipmentCatalogueSerializer
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        return selectors.catalogue_list()

    def get_serializer_class(self):
        return EquipmentCatalogueDetailSerializer if self.action == "retrieve" else EquipmentCatalogueSerializer


class CatalogueExportApi(APIView):
    """A version of the equipment catalogue as .xlsx (sheets Thông tin, Trang thiết bị, Định mức), the format the
    import takes."""

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        catalogue = selectors.catalogue_get(pk=pk)
        return xlsx_response(
            catalogue_xlsx.equipment_export(catalogue),
            f"danh-muc-trang-thiet-bi-{catalogue.code}-{catalogue.version}.xlsx",
        )


class CatalogueImportApi(APIView):
    """Import a new version of the equipment catalogue from .xlsx (multipart `file`, `make_current`): all or
    nothing; 400 lists every problem by sheet, row and column. Catalogue managers only."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "make_current": {"type": "boolean", "default": True},
                },
                "required": ["file"],
            }
        },
        responses={201: CatalogueImportResultSerializer, 400: CatalogueImportResultSerializer},
    )
    def post(self, request):
        _ensure_manager(request.user)
        data = CatalogueImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result, catalogue = catalogue_xlsx.equipment_import(
                user=request.user, file=data.validated_data["file"], make_current=data.validated_data["make_current"]
            )
        except ImportFileError as error:
            result, catalogue = ImportResult(), None
            result.add_error(sheet="", row=None, message=error.message)
        body = {"catalogue": catalogue.pk if catalogue else None, "created": result.created, "errors": _errors(result)}
        return Response(body, status=status.HTTP_201_CREATED if catalogue else status.HTTP_400_BAD_REQUEST)


class CatalogueMakeCurrentApi(APIView):
    """Make a version the current catalogue (its norms drive the gaps). Catalogue managers only."""

    @extend_schema(request=None, responses=EquipmentCatalogueSerializer)
    def post(self, request, pk: int):
        _ensure_manager(request.user)
        catalogue = selectors.catalogue_get(pk=pk)
        services.catalogue_make_current(user=request.user, catalogue=catalogue)
        return Response(EquipmentCatalogueSerializer(selectors.catalogue_get(pk=pk)).data)


# ---------------------------------------------------------------------------------------------- inventory


@extend_schema_view(
    list=extend_schema(parameters=[ItemQuerySerializer]),
    retrieve=extend_schema(responses=EquipmentItemDetailSerializer),
    create=extend_schema(request=EquipmentItemSerializer, responses={201: EquipmentItemDetailSerializer}),
    update=extend_schema(request=EquipmentItemSerializer, responses=EquipmentItemDetailSerializer),
    partial_update=extend_schema(request=EquipmentItemSerializer, responses=EquipmentItemDetailSerializer),
)
class EquipmentItemViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The equipment inventory (sổ trang thiết bị): items of the units the caller sees. Recording or correcting an
    item needs the right to change its unit (a station head: their own station); PUT, like PATCH, changes the fields
    it names. The unit changes only by a move (POST …/move/)."""

    serializer_class = EquipmentItemSerializer
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        filters = query_params(ItemQuerySerializer, self.request) if self.action == "list" else {}
        return selectors.item_list(user=self.request.user, filters=filters)

    def _detail(self, item_pk: int) -> dict[str, Any]:
        item = selectors.item_get(user=self.request.user, pk=item_pk)
        return EquipmentItemDetailSerializer(item, context={"request": self.request}).data

    def retrieve(self, request, pk=None):
        return Response(self._detail(pk))

    def create(self, request):
        ensure_may_write(request.user)
        data = EquipmentItemSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        item = services.item_create(user=request.user, **fields)
        return Response(self._detail(item.pk), status=status.HTTP_201_CREATED)

    def update(self, request, pk=None, partial=True):
        item = selectors.item_get_for_change(user=request.user, pk=pk)
        data = EquipmentItemSerializer(item, data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        unit = fields.pop("orgunit", item.orgunit)
        if unit.pk != item.orgunit_id:
            raise ValidationError({"orgunit": [_("Record a move to change the unit (POST …/move/).")]})
        services.item_update(user=request.user, item=item, **fields)
        return Response(self._detail(item.pk))

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk)


class EquipmentMoveApi(APIView):
    """Move an item to another unit (điều chuyển): the right to change both units is needed (an unseen target
    answers 404, one the caller may only read 403); the move is kept in the item's history."""

    @extend_schema(request=MoveSerializer, responses={201: EquipmentItemDetailSerializer})
    def post(self, request, pk: int):
        item = selectors.item_get_for_change(user=request.user, pk=pk)
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = selectors.move_target(
            user=request.user, unit=selectors.unit_get(user=request.user, code=data.validated_data["to_unit"])
        )
        services.item_move(
            user=request.user,
            item=item,
            to_unit=target,
            moved_on=data.validated_data["moved_on"],
            reason=data.validated_data["reason"],
        )
        detail = selectors.item_get(user=request.user, pk=item.pk)
        return Response(
            EquipmentItemDetailSerializer(detail, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class EquipmentExportApi(APIView):
    """The inventory the caller sees, filtered as the list, in the .xlsx template (re-importable)."""

    @extend_schema(parameters=[ItemQuerySerializer], responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    def get(self, request):
        items = selectors.item_list(user=request.user, filters=query_params(ItemQuerySerializer, request))
        return xlsx_response(equipment_xlsx.export_workbook(items=items), "trang-thiet-bi.xlsx")


class EquipmentImportApi(APIView):
    """Record or correct items from the .xlsx template (multipart `file`): all rows or none; 400 lists every
    problem by row and column."""

    parser_classes = [MultiPartParser]

    @extend_schema(request=MULTIPART_FILE, responses={200: ItemImportResultSerializer, 400: ItemImportResultSerializer})
    def post(self, request):
        if not may_anywhere(request.user, CHANGE):
            raise PermissionDenied()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Attach the .xlsx file in the field “file”.")]})
        result = equipment_xlsx.import_items(user=request.user, file=upload)
        body = {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "errors": _errors(result),
        }
        return Response(body, status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST)


@extend_schema(parameters=[OutOfOrderQuerySerializer])
class OutOfOrderApi(generics.ListAPIView):
    """Broken items and items under repair, by unit."""

    serializer_class = EquipmentItemSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.out_of_order(
            user=self.request.user, filters=query_params(OutOfOrderQuerySerializer, self.request)
        )


@extend_schema(parameters=[MaintenanceQuerySerializer])
class MaintenanceDueApi(generics.ListAPIView):
    """Items in use whose maintenance or calibration is overdue or due within the window (30 days by default),
    soonest first."""

    serializer_class = MaintenanceItemSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = query_params(MaintenanceQuerySerializer, self.request)
        overdue = params.pop("overdue", False)
        days = params.pop("days", selectors.DUE_WINDOW_DAYS)
        return selectors.maintenance_due(
            user=self.request.user, filters=params, today=timezone.localdate(), days=days, overdue_only=overdue
        )


# ---------------------------------------------------------------------------------------------- gaps


def _root(request, code: str | None) -> OrgUnit:
    if code:
        return selectors.unit_get(user=request.user, code=code)
    root = selectors.default_root(user=request.user)
    if root is None:
        raise NotFound()
    return root


def _cell(type_code: str, figures: dict[str, int] | None) -> dict[str, Any]:
    figures = figures or {"units": 0, "required": 0, "short": 0}
    return {"type": type_code, **figures}


class GapTableApi(APIView):
    """The gap between the current norms and the items in working order: a row per unit of `level` under `orgunit`,
    a cell per equipment type with a norm (`units` under the norm, `required`, `short`), and the totals."""

    @extend_schema(parameters=[GapQuerySerializer], responses=GapTableSerializer)
    def get(self, request):
        params = query_params(GapQuerySerializer, request)
        root = _root(request, params.get("orgunit"))
        levels = [level for level, _label in selectors.gap_levels(user=request.user, root=root)]
        level = params.get("level")
        if level is None:
            below = [n for n in levels if n > root.level]
            level = below[0] if below else root.level
        elif level not in levels:
            raise ValidationError({"level": [_("No unit of level %(level)d lies under this unit.") % {"level": level}]})
        table = selectors.gap_table(user=request.user, root=root, level=level)
        units = list(selectors.gap_rows(user=request.user, root=root, level=level))
        catalogue = selectors.current_catalogue()
        body = {
            "orgunit": root.code,
            "level": level,
            "catalogue": catalogue.pk if catalogue else None,
            "types": [{"code": t.code, "name": t.name, "category": t.category} for t in table.types],
            "rows": [
                {
                    "orgunit": unit.code,
                    "name": unit.name,
                    "kind": unit.kind,
                    "short": table.short(unit),
                    "cells": [_cell(t.code, cell) for t, cell in table.row(unit)],
                }
                for unit in units
            ],
            "totals": [_cell(t.code, cell) for t, cell in table.total_row()],
        }
        return Response(GapTableSerializer(body).data)


@extend_schema(parameters=[GapDetailQuerySerializer])
class GapDetailApi(generics.ListAPIView):
    """The drill-down of a gap: the units under `orgunit` short of a type (`required`, `working`, `short`) and the
    items of that type they hold."""

    serializer_class = GapUnitSerializer
    filter_backends: list = []

    def get_queryset(self):
        code = self.kwargs["type_code"]
        if code not in {t.code for t in selectors.norm_types()}:
            raise NotFound()
        root = _root(self.request, query_params(GapDetailQuerySerializer, self.request).get("orgunit"))
        return selectors.gap_units(user=self.request.user, root=root, type_code=code)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        items = selectors.gap_items(user=request.user, units=page, type_code=self.kwargs["type_code"])
        data = GapUnitSerializer(page, many=True, context={"request": request, "items": items}).data
        return self.get_paginated_response(data)
