"""API of data exchange, under /api/v1/: `dataValueSets` (GET exports DHIS2's dataValueSets JSON, POST imports it
or the .xlsx template and answers DHIS2's ImportSummary) and the caller's import jobs (`import-jobs/`).

POST: the body is the JSON itself (`application/json`), the .xlsx (`application/vnd.openxmlformats-...`) or a
multipart form with the file in `file`; options as query parameters (or form fields): dryRun, importStrategy
(CREATE_AND_UPDATE, CREATE, UPDATE, DELETE), async, idScheme, dataElementIdScheme, orgUnitIdScheme,
categoryOptionComboIdScheme, dataSetIdScheme. Answers 200 with the summary when it was imported (or a dry run
passed), 409 with the summary (plus `detail` and `errors`) when any conflict stopped it (nothing saved), 202 with the
job for `async=true`, 400 for a file that cannot be read or a bad option, 403 for a caller who may enter data
nowhere.
"""

from __future__ import annotations

import tempfile
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.parsers import BaseParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.core.xlsx import ImportFileError
from ytcs.indicators import exchange, jobs, selectors_imports
from ytcs.indicators.api.authentication import EXCHANGE_AUTHENTICATION
from ytcs.indicators.api.serializers_exchange import (
    Dhis2DataValueSetSerializer,
    Dhis2ImportSummarySerializer,
    ImportJobDetailSerializer,
    ImportJobSerializer,
)

SPOOL_BYTES = 8 * 1024 * 1024


class XlsxParser(BaseParser):
    """Declares the .xlsx body (the view reads the stream itself)."""

    media_type = exchange.XLSX_CONTENT_TYPE

    def parse(self, stream, media_type=None, parser_context=None):  # pragma: no cover - never called
        return stream


PARSERS = [JSONParser, MultiPartParser, XlsxParser]

OPTION_PARAMETERS = [
    OpenApiParameter("dryRun", OpenApiTypes.BOOL, description="Check and count, save nothing."),
    OpenApiParameter("importStrategy", str, enum=list(exchange.STRATEGIES), description="What to do with each value."),
    OpenApiParameter("async", OpenApiTypes.BOOL, description="Run as a background import job."),
    OpenApiParameter("idScheme", str, enum=list(exchange.ID_SCHEMES), description="CODE (default), UID/ID, NAME."),
    OpenApiParameter("dataElementIdScheme", str, enum=list(exchange.ID_SCHEMES)),
    OpenApiParameter("orgUnitIdScheme", str, enum=list(exchange.ID_SCHEMES)),
    OpenApiParameter("categoryOptionComboIdScheme", str, enum=list(exchange.ID_SCHEMES)),
    OpenApiParameter("dataSetIdScheme", str, enum=list(exchange.ID_SCHEMES)),
]

EXPORT_PARAMETERS = [
    OpenApiParameter("dataSet", str, many=True, description="Data set code(s); repeat or separate with commas."),
    OpenApiParameter("dataElement", str, many=True, description="Data element code(s), instead of or with sets."),
    OpenApiParameter("period", str, many=True, description="ISO period(s): 2025, 2025Q1, 202501."),
    OpenApiParameter("startDate", OpenApiTypes.DATE, description="With endDate: periods lying between them."),
    OpenApiParameter("endDate", OpenApiTypes.DATE),
    OpenApiParameter("lastUpdated", str, description="Values changed since this date (or date-time)."),
    OpenApiParameter("lastUpdatedDuration", str, description='Values changed in the last "10d", "5h" or "30m".'),
    OpenApiParameter("orgUnit", str, many=True, description="Org unit code(s) (in your scope, 404 otherwise)."),
    OpenApiParameter("children", OpenApiTypes.BOOL, description="Include every unit below."),
    OpenApiParameter("idScheme", str, enum=list(exchange.ID_SCHEMES), description="Identifiers of the answer."),
    OpenApiParameter("dataElementIdScheme", str, enum=list(exchange.ID_SCHEMES)),
    OpenApiParameter("orgUnitIdScheme", str, enum=list(exchange.ID_SCHEMES)),
    OpenApiParameter("categoryOptionComboIdScheme", str, enum=list(exchange.ID_SCHEMES)),
    OpenApiParameter("inputIdScheme", str, enum=list(exchange.ID_SCHEMES), description="Identifiers of the query."),
]


def query_lists(request) -> dict[str, list[str]]:
    return {key: request.query_params.getlist(key) for key in request.query_params}


def option_params(request) -> dict[str, Any]:
    """Import options from the query string, or from the fields of a multipart form."""
    params: dict[str, Any] = {key: request.query_params.get(key) for key in request.query_params}
    if (request.content_type or "").startswith("multipart/form-data"):
        for key in request.data:
            if key != "file":
                params.setdefault(key, request.data.get(key))
    return params


def ensure_may_import(user: Any) -> None:
    if not selectors_imports.may_enter_somewhere(user=user):
        raise PermissionDenied(_("Your roles do not allow entering data."))


def read_upload(request) -> tuple[IO[bytes], str, str]:
    """The file sent: a multipart field `file`, or the body itself (kept on disk beyond 8 MB). ValidationError
    for nothing sent or a file too large; UnsupportedMediaType for a body neither JSON nor .xlsx."""
    limit = exchange.max_import_bytes()
    too_big = _("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Attach the file in the field “file”.")]})
        if upload.size > limit:
            raise ValidationError({"file": [too_big]})
        return upload, upload.name or "", upload.content_type or ""
    stream = request.stream
    if stream is None:
        raise ValidationError({"file": [_("Send a dataValueSets .json file or the .xlsx template.")]})
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned open to the caller
    size = 0
    while chunk := stream.read(1 << 20):
        size += len(chunk)
        if size > limit:
            spooled.close()
            raise ValidationError({"file": [too_big]})
        spooled.write(chunk)
    spooled.seek(0)
    head = spooled.read(16)
    spooled.seek(0)
    try:
        fmt = exchange.detect_format(content_type=content_type, head=head)
    except ValidationError:
        spooled.close()
        raise exceptions.UnsupportedMediaType(content_type or "?") from None
    spooled.size = size  # read by the job's size check
    return spooled, f"dataValueSets.{fmt}", content_type


def run_import(request, *, options: exchange.Options, upload: IO[bytes], name: str, content_type: str) -> dict:
    """Import now; ImportFileError for a file that cannot be read."""
    with upload:
        head = upload.read(16)
        upload.seek(0)
        fmt = exchange.detect_format(name=name, content_type=content_type, head=head)
        return exchange.import_file(user=request.user, path_or_bytes=upload, fmt=fmt, options=options, name=name)


class DataValueSetsApi(APIView):
    """DHIS2's dataValueSets (số liệu theo định dạng DHIS2), identified by codes."""

    authentication_classes = EXCHANGE_AUTHENTICATION
    parser_classes = PARSERS

    @extend_schema(
        operation_id="datavaluesets_export",
        parameters=EXPORT_PARAMETERS,
        responses={200: Dhis2DataValueSetSerializer},
        description="Values of data sets (or data elements), periods and units in your scope, as DHIS2 writes them.",
    )
    def get(self, request):
        spec = selectors_imports.export_spec(user=request.user, params=query_lists(request))
        rows = selectors_imports.export_rows(user=request.user, spec=spec)
        return StreamingHttpResponse(exchange.export_json_chunks(spec, rows), content_type="application/json")

    @extend_schema(
        operation_id="datavaluesets_import",
        parameters=OPTION_PARAMETERS,
        request={
            "application/json": Dhis2DataValueSetSerializer,
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            },
            exchange.XLSX_CONTENT_TYPE: {"type": "string", "format": "binary"},
        },
        responses={
            200: Dhis2ImportSummarySerializer,
            202: OpenApiResponse(ImportJobSerializer, description="async=true: the background job."),
            409: OpenApiResponse(Dhis2ImportSummarySerializer, description="Conflicts: nothing was saved."),
        },
    )
    def post(self, request):
        ensure_may_import(request.user)
        options = exchange.Options.parse(option_params(request))
        upload, name, content_type = read_upload(request)
        if options.async_:
            with upload:
                job = jobs.job_create(
                    user=request.user, upload=upload, original_name=name, options=options, content_type=content_type
                )
            job = selectors_imports.import_job_get(user=request.user, pk=job.pk)
            return Response(
                ImportJobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
            )
        try:
            result = run_import(request, options=options, upload=upload, name=name, content_type=content_type)
        except ImportFileError as exc:
            raise ValidationError({"file": [exc.message]}) from None
        if result["status"] == "ERROR":
            return Response({**result, "detail": result["description"], "errors": {}}, status=status.HTTP_409_CONFLICT)
        return Response(result)


@extend_schema(tags=["import-jobs"])
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your data-value imports (newest first): status, progress and, once finished, DHIS2's import summary."""

    authentication_classes = EXCHANGE_AUTHENTICATION
    serializer_class = ImportJobSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return selectors_imports.import_job_list(user=None)
        return selectors_imports.import_job_list(user=self.request.user)

    def get_serializer_class(self):
        return ImportJobDetailSerializer if self.action == "retrieve" else ImportJobSerializer
