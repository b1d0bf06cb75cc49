"""DHIS2's own paths (đường dẫn của DHIS2), so DHIS2 clients and scripts work unchanged: /api/dataValueSets,
/api/dataValues, /api/me, /api/system/info and the import tasks (/api/system/tasks/DATAVALUE_IMPORT/<id>,
/api/system/taskSummaries/DATAVALUE_IMPORT/<id>); also under a version (/api/41/...) and with ".json".

They answer as DHIS2 2.41 does (read in dhis2-core: DataValueSetController, DataValueController, MeController,
SystemController, WebMessageUtils): errors and import results are WebMessages {httpStatus, httpStatusCode, status,
message, errorCode?, response?}; an import's `response` is the ImportSummary (409 when it holds conflicts), an
asynchronous one's the job reference; a bad query is 409 with DHIS2's error code. The scope rules are ours: a unit
outside the caller's scope answers 404, a read-only caller writing 403, and an import never writes outside the
caller's data-entry scope (such values are conflicts). `/api/system/info` reports version 2.41.0 (the API level
served) with revision "YTCS". Authentication: HTTP Basic (rate-limited), `ApiToken <key>`, `Token <key>` or the
session; Basic and ApiToken never create a session.
"""

from __future__ import annotations

import http
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.accounts.roles import ENTER_DATA, VIEW, Role
from ytcs.core.api.errors import exception_handler as core_exception_handler
from ytcs.core.querysets import in_scope
from ytcs.core.xlsx import ImportFileError
from ytcs.indicators import exchange, jobs, selectors_imports
from ytcs.indicators.api.authentication import DHIS2_AUTHENTICATION
from ytcs.indicators.api.exchange import (
    EXPORT_PARAMETERS,
    OPTION_PARAMETERS,
    PARSERS,
    ensure_may_import,
    option_params,
    query_lists,
    read_upload,
    run_import,
)
from ytcs.indicators.api.serializers_exchange import (
    Dhis2DataValueSetSerializer,
    Dhis2ImportSummarySerializer,
    Dhis2WebMessageSerializer,
)
from ytcs.indicators.models import ImportJob, ImportStatus

DHIS2_VERSION = "2.41.0"
JOB_TYPE = "DATAVALUE_IMPORT"


def web_message(
    code: int,
    message: str | None = None,
    *,
    status: str | None = None,
    error_code: str | None = None,
    response: dict | None = None,
) -> dict[str, Any]:
    """DHIS2's WebMessage (null fields left out, as DHIS2's JSON mapper does)."""
    body: dict[str, Any] = {
        "httpStatus": http.HTTPStatus(code).phrase,
        "httpStatusCode": code,
        "status": status or ("OK" if code < 400 else "ERROR"),
    }
    if message:
        body["message"] = message
    if error_code:
        body["errorCode"] = error_code
    if response is not None:
        body["response"] = response
    return body


def dhis2_exception_handler(exc, context):
    """Errors as WebMessages: a bad query is 409 (DHIS2's IllegalQueryException) with its error code."""
    error_code = None
    message = None
    if isinstance(exc, Http404):
        message = str(exc) or _("Not found.")
        exc = exceptions.NotFound(message)
    elif isinstance(exc, DjangoValidationError):
        first = exc
        if hasattr(exc, "error_dict"):
            first = next(iter(exc.error_dict.values()))[0]
        elif getattr(exc, "error_list", None):
            first = exc.error_list[0]
        message = " ".join(first.messages)
        code = getattr(first, "code", None)
        error_code = code if isinstance(code, str) and code[:1] == "E" and code[1:].isdigit() else None
        exc = exceptions.ValidationError(message)
    elif isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        while isinstance(detail, dict | list) and detail:
            detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
        message = str(detail)
    response = core_exception_handler(exc, context)
    if response is None:
        return None
    status_code = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        status_code = 409
    if message is None:
        message = str(response.data.get("detail", "")) if isinstance(response.data, dict) else str(response.data)
    response.status_code = status_code
    response.data = web_message(status_code, message, error_code=error_code)
    return response


class Dhis2Api(APIView):
    """Base of DHIS2's paths: their authentication and their error shape."""

    authentication_classes = DHIS2_AUTHENTICATION

    def get_exception_handler(self):
        return dhis2_exception_handler


def import_answer(result: dict[str, Any]) -> Response:
    """DHIS2 2.41's WebMessageUtils.importSummary."""
    if result["status"] == "ERROR":
        body = web_message(409, _("An error occurred, please check import summary."), response=result)
        return Response(body, status=409)
    return Response(web_message(200, _("Import was successful."), response=result))


def job_reference(job: ImportJob) -> dict[str, Any]:
    """DHIS2's JobConfigurationWebMessageResponse."""
    return {
        "name": JOB_TYPE,
        "id": str(job.pk),
        "created": dhis2_date(job.created),
        "jobType": JOB_TYPE,
        "jobStatus": {
            ImportStatus.QUEUED: "SCHEDULED",
            ImportStatus.RUNNING: "RUNNING",
            ImportStatus.DONE: "COMPLETED",
            ImportStatus.FAILED: "FAILED",
        }[job.status],
        "jobParameters": exchange.Options.parse(job.options).dhis2(),
        "relativeNotifierEndpoint": f"/api/system/tasks/{JOB_TYPE}/{job.pk}",
    }


def dhis2_date(moment) -> str | None:
    """How DHIS2 serialises dates: local time, "yyyy-MM-dd'T'HH:mm:ss.SSS"."""
    if moment is None:
        return None
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"


WEB_MESSAGE = OpenApiResponse(Dhis2WebMessageSerializer, description="DHIS2 WebMessage.")


@extend_schema(tags=["dhis2"])
class Dhis2DataValueSetsApi(Dhis2Api):
    """DHIS2's /api/dataValueSets: GET exports, POST imports (JSON or the .xlsx template)."""

    parser_classes = PARSERS

    @extend_schema(
        operation_id="dhis2_datavaluesets_export",
        parameters=EXPORT_PARAMETERS,
        responses={200: Dhis2DataValueSetSerializer, 404: WEB_MESSAGE, 409: WEB_MESSAGE},
    )
    def get(self, request):
        spec = selectors_imports.export_spec(user=request.user, params=query_lists(request))
        rows = selectors_imports.export_rows(user=request.user, spec=spec)
        return StreamingHttpResponse(exchange.export_json_chunks(spec, rows), content_type="application/json")

    @extend_schema(
        operation_id="dhis2_datavaluesets_import",
        parameters=OPTION_PARAMETERS,
        request={
            "application/json": Dhis2DataValueSetSerializer,
            exchange.XLSX_CONTENT_TYPE: {"type": "string", "format": "binary"},
        },
        responses={200: WEB_MESSAGE, 409: WEB_MESSAGE},
        description="The WebMessage's `response` is DHIS2's ImportSummary (or, with async=true, the job).",
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
            body = web_message(200, _("Initiated %(job)s") % {"job": JOB_TYPE}, response=job_reference(job))
            response = Response(body)
            response["Location"] = f"/api/system/tasks/{JOB_TYPE}/{job.pk}"
            return response
        try:
            result = run_import(request, options=options, upload=upload, name=name, content_type=content_type)
        except ImportFileError as exc:
            result = exchange.failed_summary(exc.message, options)
        return import_answer(result)


class Dhis2SingleValueSerializer(serializers.Serializer):
    dataElement = serializers.CharField()
    period = serializers.CharField()
    orgUnit = serializers.CharField()
    categoryOptionCombo = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    dataSet = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    value = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, allow_null=True)


VALUE_PARAMETERS = [
    OpenApiParameter("de", str, description="Data element code."),
    OpenApiParameter("pe", str, description="ISO period."),
    OpenApiParameter("ou", str, description="Org unit code."),
    OpenApiParameter("co", str, description='Option combo code ("default" if absent).'),
]


@extend_schema(tags=["dhis2"])
class Dhis2DataValuesApi(Dhis2Api):
    """DHIS2's /api/dataValues: one value, by de, pe, ou and co."""

    def _required(self, params, names=("de", "pe", "ou")) -> dict[str, str]:
        missing = [name for name in names if not params.get(name)]
        if missing:
            raise exceptions.ParseError(
                _("Required request parameter(s) missing: %(names)s") % {"names": ", ".join(missing)}
            )
        return {name: str(params.get(name) or "").strip() for name in ("de", "pe", "ou", "co", "ds")}

    def _unit_for_write(self, request, code: str):
        unit = selectors_imports.unit_for_value(user=request.user, orgunit=code)
        if not in_scope(request.user, unit.path, ENTER_DATA):
            raise PermissionDenied(_("You do not have the right to enter data for this unit."))
        return unit

    @extend_schema(
        operation_id="dhis2_datavalue_get",
        parameters=VALUE_PARAMETERS,
        responses={(200, "application/json"): {"type": "array", "items": {"type": "string"}}, 409: WEB_MESSAGE},
    )
    def get(self, request):
        params = self._required(request.query_params)
        found = selectors_imports.value_get(
            user=request.user, data_element=params["de"], period=params["pe"], orgunit=params["ou"], combo=params["co"]
        )
        if found is None:
            return Response(web_message(409, _("Data value does not exist")), status=409)
        return Response([exchange.services.format_value(found.value)])

    @extend_schema(
        operation_id="dhis2_datavalue_save",
        parameters=[
            *VALUE_PARAMETERS,
            OpenApiParameter("value", str),
            OpenApiParameter("comment", str),
            OpenApiParameter("ds", str, description="Data set code (optional)."),
        ],
        request={"application/json": Dhis2SingleValueSerializer},
        responses={201: OpenApiResponse(description="Saved."), 403: WEB_MESSAGE, 409: WEB_MESSAGE},
    )
    def post(self, request):
        if (request.content_type or "").startswith("application/json"):
            body = Dhis2SingleValueSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
            params = {
                "de": data["dataElement"],
                "pe": data["period"],
                "ou": data["orgUnit"],
                "co": data.get("categoryOptionCombo") or "",
                "ds": data.get("dataSet") or "",
                "value": data.get("value"),
                "comment": data.get("comment"),
            }
        else:
            query = request.query_params
            params = {**self._required(query), "value": query.get("value"), "comment": query.get("comment")}
        self._unit_for_write(request, params["ou"])
        try:
            exchange.value_save(
                user=request.user,
                data_element=params["de"],
                period=params["pe"],
                orgunit=params["ou"],
                combo=params["co"] or None,
                value=params["value"],
                comment=params["comment"],
                data_set=params["ds"] or None,
            )
        except exchange.ValueConflict as exc:
            return Response(web_message(409, exc.message, error_code=exc.code), status=409)
        return Response(status=201)

    @extend_schema(
        operation_id="dhis2_datavalue_delete",
        parameters=VALUE_PARAMETERS,
        responses={204: OpenApiResponse(description="Deleted."), 403: WEB_MESSAGE, 409: WEB_MESSAGE},
    )
    def delete(self, request):
        params = self._required(request.query_params)
        self._unit_for_write(request, params["ou"])
        try:
            exchange.value_delete(
                user=request.user,
                data_element=params["de"],
                period=params["pe"],
                orgunit=params["ou"],
                combo=params["co"] or None,
                data_set=params["ds"] or None,
            )
        except exchange.ValueConflict as exc:
            return Response(web_message(409, exc.message, error_code=exc.code), status=409)
        return Response(status=204)


def _unit_ref(unit) -> dict[str, Any]:
    return {"id": str(unit.pk), "code": unit.code, "name": unit.name, "displayName": unit.name}


def me_payload(user) -> dict[str, Any]:
    """DHIS2's MeDto, as far as YTCS has the data (ids are our numeric ids, codes alongside)."""
    roles = selectors_imports.role_units(user=user)
    role_labels = dict(Role.choices)
    user_roles = [
        {"id": role, "name": str(role_labels.get(role, role)), "displayName": str(role_labels.get(role, role))}
        for role in dict.fromkeys(role for role, _unit in roles)
    ]
    may_enter = selectors_imports.may_enter_somewhere(user=user)
    authorities = ["ALL"] if user.is_superuser else []
    if may_enter and not user.is_superuser:
        authorities += ["F_DATAVALUE_ADD", "F_DATAVALUE_DELETE"]
    language = translation.get_language() or settings.LANGUAGE_CODE
    name = user.full_name or user.get_full_name() or user.username
    first, _sep, last = name.rpartition(" ")
    entry_units = [_unit_ref(u) for u in selectors_imports.units_with_action(user=user, action=ENTER_DATA)]
    view_units = [_unit_ref(u) for u in selectors_imports.units_with_action(user=user, action=VIEW)]
    return {
        "id": str(user.pk),
        "username": user.username,
        "firstName": first or name,
        "surname": last if first else "",
        "name": name,
        "displayName": name,
        "email": user.email or None,
        "created": dhis2_date(user.date_joined),
        "lastUpdated": dhis2_date(user.date_joined),
        "organisationUnits": entry_units,
        "dataViewOrganisationUnits": view_units,
        "teiSearchOrganisationUnits": [],
        "userGroups": [],
        "userRoles": user_roles,
        "authorities": authorities,
        "settings": {"keyUiLocale": language, "keyDbLocale": language, "keyAnalysisDisplayProperty": "name"},
        "programs": [],
        "dataSets": [str(pk) for pk in selectors_imports.readable_data_set_ids(user=user)],
        "userCredentials": {"username": user.username, "userRoles": user_roles},
        "access": {"read": True, "update": False, "externalize": False, "delete": False, "write": False},
    }


@extend_schema(tags=["dhis2"])
class Dhis2MeApi(Dhis2Api):
    """DHIS2's /api/me: who is calling, their units (ids and codes) and rights."""

    @extend_schema(operation_id="dhis2_me", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(me_payload(request.user))


@extend_schema(tags=["dhis2"])
class Dhis2SystemInfoApi(Dhis2Api):
    """DHIS2's /api/system/info, without the server details DHIS2 hides from non-superusers."""

    @extend_schema(operation_id="dhis2_system_info", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        now = timezone.now()
        base = request.build_absolute_uri("/").rstrip("/")
        info = {
            "contextPath": base,
            "userAgent": request.headers.get("User-Agent", ""),
            "calendar": "iso8601",
            "dateFormat": "yyyy-mm-dd",
            "serverDate": dhis2_date(now),
            "serverTimeZoneId": settings.TIME_ZONE,
            "serverTimeZoneDisplayName": timezone.localtime(now).tzname(),
            "version": DHIS2_VERSION,
            "revision": "YTCS",
            "systemId": str(uuid.uuid5(uuid.NAMESPACE_URL, base)),
            "systemName": "YTCS",
            "instanceBaseUrl": base,
            "encryption": False,
            "emailConfigured": bool(getattr(settings, "MAILERS", None)),
            "redisEnabled": False,
            "isMetadataVersionEnabled": False,
            "isMetadataSyncEnabled": False,
        }
        return Response(info)


def _job(request, pk: int) -> ImportJob:
    return selectors_imports.import_job_get(user=request.user, pk=pk)


def notifications(job: ImportJob) -> list[dict[str, Any]]:
    """DHIS2's task notifications of an import, newest first."""

    def note(key: str, moment, message: str, *, completed: bool = False, level: str = "INFO") -> dict[str, Any]:
        uid = f"{job.pk}-{key}"
        return {
            "uid": uid,
            "id": uid,
            "level": level,
            "category": JOB_TYPE,
            "time": dhis2_date(moment),
            "message": message,
            "completed": completed,
        }

    notes = [note("queued", job.created, _("Import queued"))]
    if job.started:
        notes.append(note("started", job.started, _("Process started")))
    if job.status == ImportStatus.RUNNING:
        progress = selectors_imports.import_progress(job)
        notes.append(
            note(
                "progress",
                timezone.now(),
                _("%(phase)s: %(percent)d%%")
                % {"phase": jobs.phase_label(progress["phase"]), "percent": progress["percent"]},
            )
        )
    if job.finished:
        failed = job.status == ImportStatus.FAILED or (job.summary or {}).get("status") == "ERROR"
        notes.append(
            note(
                "done",
                job.finished,
                (job.summary or {}).get("description") or _("Import done"),
                completed=True,
                level="ERROR" if failed else "INFO",
            )
        )
    return list(reversed(notes))


@extend_schema(tags=["dhis2"])
class Dhis2TaskApi(Dhis2Api):
    """DHIS2's /api/system/tasks/DATAVALUE_IMPORT/<id>: the notifications of one of your imports."""

    @extend_schema(operation_id="dhis2_task", responses={200: OpenApiTypes.OBJECT, 404: WEB_MESSAGE})
    def get(self, request, pk: int):
        return Response(notifications(_job(request, pk)))


@extend_schema(tags=["dhis2"])
class Dhis2TaskSummaryApi(Dhis2Api):
    """DHIS2's /api/system/taskSummaries/DATAVALUE_IMPORT/<id>: the ImportSummary once the import has finished
    (an empty answer before)."""

    @extend_schema(operation_id="dhis2_task_summary", responses={200: Dhis2ImportSummarySerializer, 404: WEB_MESSAGE})
    def get(self, request, pk: int):
        job = _job(request, pk)
        if not job.finished:
            return Response(status=200)
        return Response(job.summary)


# Versioned (/api/41/...) and ".json" spellings of the same resources: served, not documented twice.
@extend_schema(exclude=True)
class Dhis2DataValueSetsCompatApi(Dhis2DataValueSetsApi):
    pass


@extend_schema(exclude=True)
class Dhis2DataValuesCompatApi(Dhis2DataValuesApi):
    pass


@extend_schema(exclude=True)
class Dhis2MeCompatApi(Dhis2MeApi):
    pass


@extend_schema(exclude=True)
class Dhis2SystemInfoCompatApi(Dhis2SystemInfoApi):
    pass
