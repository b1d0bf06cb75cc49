"""API of the org-unit tree: `/api/v1/orgunits/` addressed by code."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.core.api.permissions import ScopedWritePermission
from ytcs.core.querysets import CHANGE, may_anywhere
from ytcs.core.selectors import audit_for_objects
from ytcs.orgunits import services
from ytcs.orgunits.api.serializers import (
    AuditEntrySerializer,
    OrgUnitCloseSerializer,
    OrgUnitSerializer,
    PopulationSerializer,
)
from ytcs.orgunits.filtersets import OrgUnitFilterSet
from ytcs.orgunits.models import OrgUnit, Population
from ytcs.orgunits.selectors import orgunit_get, orgunit_get_for_change, orgunit_list, population_list

CODE_REGEX = r"[A-Za-z0-9][A-Za-z0-9_.\-]*"


class OrgUnitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Org units the caller may see. Units are closed (POST .../close/), never deleted."""

    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilterSet
    permission_classes = [ScopedWritePermission]
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX

    def get_queryset(self):
        return orgunit_list(user=self.request.user, with_populations=True).order_by("path")

    def perform_create(self, serializer):
        if not may_anywhere(self.request.user, CHANGE):
            raise PermissionDenied()
        serializer.instance = services.orgunit_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.orgunit_update(
            user=self.request.user, unit=serializer.instance, **serializer.validated_data
        )


class OrgUnitCloseApi(APIView):
    """Close a unit on a date (its subunits must be closed first)."""

    @extend_schema(request=OrgUnitCloseSerializer, responses=OrgUnitSerializer)
    def post(self, request, code: str):
        unit = orgunit_get_for_change(user=request.user, code=code)
        data = OrgUnitCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = services.orgunit_close(user=request.user, unit=unit, **data.validated_data)
        return Response(OrgUnitSerializer(unit, context={"request": request}).data)


class OrgUnitPopulationApi(APIView):
    """Catchment population of a unit by year: list, or set one year's figure."""

    @extend_schema(responses=PopulationSerializer(many=True))
    def get(self, request, code: str):
        unit = orgunit_get(user=request.user, code=code)
        records = population_list(user=request.user, units=[unit]).order_by("-year")
        return Response(PopulationSerializer(records, many=True).data)

    @extend_schema(request=PopulationSerializer, responses={201: PopulationSerializer})
    def post(self, request, code: str):
        unit = orgunit_get_for_change(user=request.user, code=code)
        data = PopulationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.population_set(user=request.user, unit=unit, **data.validated_data)
        return Response(PopulationSerializer(record).data, status=status.HTTP_201_CREATED)


class OrgUnitAuditApi(APIView):
    """Change history of a unit and its population figures."""

    @extend_schema(responses=AuditEntrySerializer(many=True))
    def get(self, request, code: str):
        unit = get_object_or_404(orgunit_list(user=request.user), code=code)
        entries = audit_for_objects(user=request.user, models=[OrgUnit, Population], scope_path=unit.path)[:200]
        return Response(AuditEntrySerializer(entries, many=True).data)
