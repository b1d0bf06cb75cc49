"""API of the workforce registry: `/api/v1/staff/` with nested records, moves, catalogues and follow-up lists."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.core.api.permissions import ScopedWritePermission
from ytcs.core.pages import XLSX_CONTENT_TYPE, xlsx_response
from ytcs.core.querysets import CHANGE, may_anywhere
from ytcs.orgunits.selectors import orgunit_get
from ytcs.workforce import services
from ytcs.workforce.api.serializers import (
    CertificateSerializer,
    CmeActivitySerializer,
    CmeStandingSerializer,
    CompetencySerializer,
    ExpiringLicenceSerializer,
    FollowUpQuerySerializer,
    LicenceExpiringQuerySerializer,
    LicenceSerializer,
    StaffBriefSerializer,
    StaffEndSerializer,
    StaffMoveSerializer,
    StaffSerializer,
    TitleSerializer,
)
from ytcs.workforce.filtersets import StaffFilterSet
from ytcs.workforce.models import Staff
from ytcs.workforce.rules import LICENCE_EXPIRY_WARNING_MONTHS
from ytcs.workforce.selectors import (
    cme_standing,
    competency_list,
    licences_expiring,
    returns_due,
    staff_certificates,
    staff_cme,
    staff_get,
    staff_get_for_change,
    staff_licences,
    staff_list,
    staff_with_records,
    staff_without_valid_licence,
    title_list,
)

CATALOGUE_CODE_REGEX = r"[-a-zA-Z0-9_]+"


def _staff_queryset(user):
    """Everyone the user may see whatever their status, with their records (a record is addressed by id)."""
    return staff_with_records(staff_list(user=user, filters={"status": "all"})).order_by("full_name", "id")


def _staff_data(request, pk: int) -> dict[str, Any]:
    return StaffSerializer(_staff_queryset(request.user).get(pk=pk), context={"request": request}).data


class StaffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Health workers the caller may see, addressed by id. People retire or leave (POST .../end/), never deleted;
    the work unit changes through a move (POST .../move/)."""

    serializer_class = StaffSerializer
    filterset_class = StaffFilterSet
    permission_classes = [ScopedWritePermission]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return _staff_queryset(self.request.user)

    def filter_queryset(self, queryset):
        # The filters (working people by default) shape the list; one person is found by id whatever the status.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def create(self, request, *args, **kwargs):
        # Refuse a read-only caller before validating, so validation answers reveal nothing to them.
        if not may_anywhere(request.user, CHANGE):
            raise PermissionDenied()
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        staff = services.staff_create(user=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=staff.pk)

    def perform_update(self, serializer):
        changes = {k: v for k, v in serializer.validated_data.items() if k != "orgunit"}
        staff = services.staff_update(user=self.request.user, staff=serializer.instance, **changes)
        serializer.instance = self.get_queryset().get(pk=staff.pk)


class StaffMoveApi(APIView):
    """Move a person to another unit: transfer, rotation or secondment (with the expected return), or return.
    Needs the right to change both units."""

    @extend_schema(request=StaffMoveSerializer, responses=StaffSerializer)
    def post(self, request, pk: int):
        staff = staff_get_for_change(user=request.user, pk=pk)
        data = StaffMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        to_unit = orgunit_get(user=request.user, code=fields.pop("to_unit"))
        services.staff_move(user=request.user, staff=staff, to_unit=to_unit, **fields)
        return Response(_staff_data(request, staff.pk))


class StaffEndApi(APIView):
    """Record that a person retired (nghỉ hưu) or left (thôi việc) on a date."""

    @extend_schema(request=StaffEndSerializer, responses=StaffSerializer)
    def post(self, request, pk: int):
        staff = staff_get_for_change(user=request.user, pk=pk)
        data = StaffEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.staff_end(user=request.user, staff=staff, **data.validated_data)
        return Response(_staff_data(request, staff.pk))


class _StaffRecordApi(generics.GenericAPIView):
    """Shared by the records a person holds (licences, certificates, CME activities): each subclass names its
    serializer, its selector and its service."""

    pagination_class = None
    filter_backends: list = []
    records: Callable[..., Any]
    save: Callable[..., Any]
    record_kwarg: str

    def record(self, staff: Staff, record_id: int):
        record = self.records(staff=staff).filter(pk=record_id).first()
        if record is None:
            raise Http404
        return record

    def saved(self, request, staff: Staff, record=None, *, partial: bool = False, **kwargs) -> Response:
        data = self.get_serializer(record, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        if record is not None:
            kwargs[self.record_kwarg] = record
        saved = self.save(user=request.user, staff=staff, **kwargs, **data.validated_data)
        code = status.HTTP_201_CREATED if record is None else status.HTTP_200_OK
        return Response(self.get_serializer(saved).data, status=code)


class _StaffRecordListApi(_StaffRecordApi):
    def get(self, request, pk: int):
        staff = staff_get(user=request.user, pk=pk)
        return Response(self.get_serializer(self.records(staff=staff), many=True).data)

    def post(self, request, pk: int):
        return self.saved(request, staff_get_for_change(user=request.user, pk=pk))


class _StaffRecordDetailApi(_StaffRecordApi):
    def get(self, request, pk: int, record_id: int):
        staff = staff_get(user=request.user, pk=pk)
        return Response(self.get_serializer(self.record(staff, record_id)).data)

    def patch(self, request, pk: int, record_id: int):
        staff = staff_get_for_change(user=request.user, pk=pk)
        return self.saved(request, staff, self.record(staff, record_id), partial=True)

    def delete(self, request, pk: int, record_id: int):
        staff = staff_get_for_change(user=request.user, pk=pk)
        services.record_delete(user=request.user, record=self.record(staff, record_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _record_list_schema(serializer):
    return extend_schema_view(
        get=extend_schema(responses=serializer(many=True)),
        post=extend_schema(request=serializer, responses={201: serializer}),
    )


def _record_detail_schema(serializer):
    return extend_schema_view(
        get=extend_schema(responses=serializer),
        patch=extend_schema(request=serializer, responses=serializer),
        delete=extend_schema(responses={204: None}),
    )


@_record_list_schema(LicenceSerializer)
class StaffLicenceListApi(_StaffRecordListApi):
    """Practising licences (giấy phép hành nghề) of a person: list them, or record one."""

    serializer_class = LicenceSerializer
    records = staticmethod(staff_licences)
    save = staticmethod(services.licence_save)
    record_kwarg = "licence"


@_record_detail_schema(LicenceSerializer)
class StaffLicenceDetailApi(_StaffRecordDetailApi):
    """One practising licence: read, correct, or delete one entered by mistake."""

    serializer_class = LicenceSerializer
    records = staticmethod(staff_licences)
    save = staticmethod(services.licence_save)
    record_kwarg = "licence"


@_record_list_schema(CertificateSerializer)
class StaffCertificateListApi(_StaffRecordListApi):
    """Competency certificates (chứng chỉ) of a person: list them, or record one."""

    serializer_class = CertificateSerializer
    records = staticmethod(staff_certificates)
    save = staticmethod(services.certificate_save)
    record_kwarg = "certificate"


@_record_detail_schema(CertificateSerializer)
class StaffCertificateDetailApi(_StaffRecordDetailApi):
    """One certificate: read, correct, or delete one entered by mistake."""

    serializer_class = CertificateSerializer
    records = staticmethod(staff_certificates)
    save = staticmethod(services.certificate_save)
    record_kwarg = "certificate"


@_record_list_schema(CmeActivitySerializer)
class StaffCmeListApi(_StaffRecordListApi):
    """Continuing-training activities (cập nhật kiến thức y khoa liên tục) of a person: list them, or record one."""

    serializer_class = CmeActivitySerializer
    records = staticmethod(staff_cme)
    save = staticmethod(services.cme_save)
    record_kwarg = "activity"


@_record_detail_schema(CmeActivitySerializer)
class StaffCmeDetailApi(_StaffRecordDetailApi):
    """One continuing-training activity: read, correct, or delete one entered by mistake."""

    serializer_class = CmeActivitySerializer
    records = staticmethod(staff_cme)
    save = staticmethod(services.cme_save)
    record_kwarg = "activity"


class TitleViewSet(viewsets.ReadOnlyModelViewSet):
    """Professional titles (chức danh chuyên môn): the catalogue every unit shares, addressed by code."""

    serializer_class = TitleSerializer
    lookup_field = "code"
    lookup_value_regex = CATALOGUE_CODE_REGEX
    filter_backends: list = []

    def get_queryset(self):
        return title_list()


class CompetencyViewSet(viewsets.ReadOnlyModelViewSet):
    """Competencies (chứng chỉ, năng lực chuyên môn): the catalogue every unit shares, addressed by code."""

    serializer_class = CompetencySerializer
    lookup_field = "code"
    lookup_value_regex = CATALOGUE_CODE_REGEX
    filter_backends: list = []

    def get_queryset(self):
        return competency_list()


class _FollowUpListApi(generics.ListAPIView):
    """A paginated follow-up list over the working people in the caller's scope."""

    filter_backends: list = []
    query_serializer_class: type[FollowUpQuerySerializer] = FollowUpQuerySerializer

    def params(self) -> dict[str, Any]:
        query = self.query_serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        params["on"] = params.get("on") or timezone.localdate()
        return params


@extend_schema(parameters=[LicenceExpiringQuerySerializer])
class LicenceExpiringApi(_FollowUpListApi):
    """Valid licences that expire within the coming months (6 by default), soonest first."""

    serializer_class = ExpiringLicenceSerializer
    query_serializer_class = LicenceExpiringQuerySerializer

    def get_queryset(self):
        params = self.params()
        on, months = params.pop("on"), params.pop("within_months", LICENCE_EXPIRY_WARNING_MONTHS)
        return licences_expiring(user=self.request.user, on=on, months=months, filters=params)


@extend_schema(parameters=[FollowUpQuerySerializer])
class LicenceMissingApi(_FollowUpListApi):
    """Working people whose title needs a practising licence and who hold no valid one, by unit."""

    serializer_class = StaffBriefSerializer

    def get_queryset(self):
        params = self.params()
        on = params.pop("on")
        return staff_without_valid_licence(user=self.request.user, on=on, filters=params).order_by(
            "orgunit__path", "full_name", "id"
        )


@extend_schema(parameters=[FollowUpQuerySerializer])
class CmeShortfallApi(_FollowUpListApi):
    """People in service for the whole rolling window whose continuing-training credits fall short, by unit."""

    serializer_class = CmeStandingSerializer

    def get_queryset(self):
        params = self.params()
        on = params.pop("on")
        return cme_standing(user=self.request.user, on=on, filters={**params, "shortfall": True}).order_by(
            "orgunit__path", "full_name", "id"
        )


class StaffImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField(), help_text="sheet, row, column, message")


class StaffImportApi(APIView):
    """Import the roster from the .xlsx template (multipart field `file`): all rows or none; 400 lists every problem."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
        responses={200: StaffImportResultSerializer, 400: StaffImportResultSerializer},
    )
    def post(self, request):
        if not may_anywhere(request.user, CHANGE):
            raise PermissionDenied()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Attach the .xlsx file in the field “file”.")]})
        from ytcs.workforce import xlsx

        result = xlsx.staff_import(user=request.user, file=upload)
        body = {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "errors": [dataclasses.asdict(error) for error in result.errors],
        }
        return Response(body, status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST)


class StaffExportApi(APIView):
    """The roster the caller may see, as the .xlsx template filled in (same filters as the staff list)."""

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    def get(self, request):
        from ytcs.workforce import xlsx

        filters = {key: request.query_params.get(key) for key in ("orgunit", "title", "q", "status")}
        staff = staff_list(user=request.user, filters={k: v for k, v in filters.items() if v})
        return xlsx_response(xlsx.staff_export_workbook(staff=staff), "nhan-luc.xlsx")


class ReturnDueSerializer(serializers.Serializer):
    staff = serializers.IntegerField(source="staff_id")
    full_name = serializers.CharField(source="staff.full_name")
    kind = serializers.CharField()
    orgunit = serializers.CharField(source="orgunit.code", help_text="Unit where the person works now.")
    started_on = serializers.DateField()
    expected_return_on = serializers.DateField()
    decision = serializers.CharField()


class ReturnsDueApi(generics.ListAPIView):
    """Rotations and secondments whose expected return is past or within 30 days (filter `orgunit` = subtree)."""

    serializer_class = ReturnDueSerializer

    def get_queryset(self):
        code = self.request.query_params.get("orgunit")
        return returns_due(user=self.request.user, on=timezone.localdate(), filters={"orgunit": code} if code else {})
