"""API of criteria-based assessments under `/api/v1/`: the frameworks (read by everyone, imported by catalogue
managers, exported as their file's content) and the assessments of units: open one, answer it (all answers or
none), attach evidence, submit, verify or return (the level above), and the scorecard. Every read goes through the
assessment selectors, every write through a service."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import DecimalValidator
from django.db import DataError, transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.assessments import selectors, services
from ytcs.assessments.api.serializers import (
    AnswerInputSerializer,
    AnswerSheetSerializer,
    AssessmentCreateSerializer,
    AssessmentDetailSerializer,
    AssessmentQuerySerializer,
    AssessmentSerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    FrameworkDetailSerializer,
    FrameworkQuerySerializer,
    FrameworkSerializer,
    ReturnSerializer,
    ScorecardSerializer,
    VerifySerializer,
)
from ytcs.assessments.frameworks import FrameworkError, framework_document, parse_framework
from ytcs.assessments.models import Assessment, AssessmentStatus, Framework, Item
from ytcs.core.api.errors import exception_handler
from ytcs.core.api.fields import ensure_may_write, query_params
from ytcs.core.api.permissions import ScopedWritePermission
from ytcs.core.pages import stored_file_response
from ytcs.core.querysets import CHANGE, in_scope
from ytcs.workforce.catalogue_services import can_manage_catalogues

ID_REGEX = r"\d+"
EDITABLE = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


def _exception_handler(exc, context):
    """The project's handler, with a model's whole-row errors (`__all__`) under DRF's `non_field_errors`, and a
    value the database cannot hold answered as a bad request rather than a server error."""
    if isinstance(exc, DjangoValidationError) and NON_FIELD_ERRORS in getattr(exc, "error_dict", {}):
        errors = dict(exc.error_dict)
        errors["non_field_errors"] = errors.pop(NON_FIELD_ERRORS)
        exc = DjangoValidationError(errors)
    if isinstance(exc, DataError):
        exc = ValidationError({"non_field_errors": [_("A value is too long or out of range.")]})
    return exception_handler(exc, context)


class _Api:
    """Base of every assessments API view."""

    def get_exception_handler(self):
        return _exception_handler


# ---------------------------------------------------------------------------------------------------- frameworks


def _framework_data(framework: Framework) -> dict[str, Any]:
    framework = selectors.framework_get(pk=framework.pk)  # with its criteria count
    criteria = framework.criteria.prefetch_related("items").order_by("order")
    return FrameworkDetailSerializer(framework, context={"criteria": criteria}).data


@extend_schema_view(
    list=extend_schema(parameters=[FrameworkQuerySerializer]),
    retrieve=extend_schema(responses=FrameworkDetailSerializer),
)
class FrameworkViewSet(_Api, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Assessment frameworks (bộ tiêu chí), one per version of their text: criteria → items with their type,
    points and whether evidence is required; the pass rule; the source of each part and whether it was checked
    (`confirmed`), and in `notes` what could not be. Read by everyone logged in."""

    serializer_class = FrameworkSerializer
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        # The list leaves versions no longer in use out unless asked; one framework is found by id whatever its state.
        include = (
            query_params(FrameworkQuerySerializer, self.request)["include_inactive"] if self.action == "list" else True
        )
        # Counting criteria groups the rows, which drops the model's default ordering: restate it for the pages.
        return selectors.framework_list(include_inactive=include).order_by("code", "-version")

    def retrieve(self, request, pk=None):
        return Response(_framework_data(selectors.framework_get(pk=pk)))


class FrameworkExportApi(_Api, APIView):
    """A framework as its file's content (data/FORMAT.md), as JSON: import it back, or save it as YAML."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        return Response(framework_document(selectors.framework_get(pk=pk)))


def _load_yaml(upload) -> Any:
    """The content of an uploaded YAML file: refused when too large, not UTF-8, not YAML, or using aliases (a few
    bytes of aliases can stand for an enormous document)."""
    limit = getattr(settings, "YTCS_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
    if upload.size > limit:
        raise ValidationError({"file": [_("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}]})
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": [_("The file is not UTF-8 text.")]}) from None
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader without aliases)
    except (yaml.YAMLError, RecursionError) as error:
        mark = getattr(error, "problem_mark", None)
        where = _("line %(line)d: ") % {"line": mark.line + 1} if mark is not None else ""
        raise ValidationError(
            {
                "file": [
                    _("The file is not valid YAML (%(where)s%(problem)s).")
                    % {
                        "where": where,
                        "problem": getattr(error, "problem", None) or _("nesting too deep"),
                    }
                ]
            }
        ) from None


class _NoAliasLoader(yaml.SafeLoader):
    """YAML's safe loader without aliases, reading dates as the text they are written as (a framework's values are
    plain JSON values: text, numbers, booleans, lists and mappings)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, _("aliases (*name) are not accepted"), event.start_mark)
        return super().compose_node(parent, index)


_NoAliasLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)

JSON_TYPES = (dict, list, str, int, float, bool, type(None))


def _walk(data: Any) -> Iterator[Any]:
    """Every value of a loaded document, without recursion."""
    stack = [data]
    while stack:
        value = stack.pop()
        yield value
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


POINTS_CHECK = DecimalValidator(max_digits=7, decimal_places=2)


def _storable(document: dict[str, Any]) -> list[str]:
    """What the checked document holds that the database could not store, each with its place."""
    errors = []

    def number(value, where: str) -> None:
        if value is None:
            return
        try:
            POINTS_CHECK(value)
        except DjangoValidationError as error:
            errors.extend(f"{where}: {message}" for message in error.messages)

    for c_index, criterion in enumerate(document["criteria"]):
        where = f"criteria[{c_index}]"
        number(criterion["max_points"], f"{where}.max_points")
        number(criterion["min_points"], f"{where}.min_points")
        for i_index, item in enumerate(criterion["items"]):
            if not item:
                continue
            number(item["max_points"], f"{where}.items[{i_index}].max_points")
            if len(item["prefill"]) > 80:
                errors.append(
                    _("%(where)s.prefill: at most %(n)d characters.") % {"where": f"{where}.items[{i_index}]", "n": 80}
                )
    return errors


class FrameworkImportApi(_Api, APIView):
    """Import a framework version: the JSON body is the framework's document (as the export gives it), or a
    multipart `file` holds it as YAML. Checked whole first: 400 lists every problem with its place, and nothing is
    saved. A version no assessment uses yet is replaced (200); a new one is created (201). Catalogue managers only."""

    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        request={
            "application/json": OpenApiTypes.OBJECT,
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            },
        },
        responses={200: FrameworkDetailSerializer, 201: FrameworkDetailSerializer},
    )
    def post(self, request):
        if not can_manage_catalogues(request.user):
            raise PermissionDenied(_("Only province administrators change the catalogues."))
        if request.content_type.startswith("multipart/"):
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError({"file": [_("Attach the framework's YAML file in the field “file”.")]})
            data = _load_yaml(upload)
        else:
            data = request.data
        for value in _walk(data):
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError({"document": [_("Null characters are not allowed.")]})
            if not isinstance(value, JSON_TYPES) or (isinstance(value, float) and not math.isfinite(value)):
                # YAML's binary values, sets, .nan or .inf: nothing a framework holds.
                raise ValidationError({"document": [_("Unsupported value: %(value)s.") % {"value": str(value)[:40]}]})
        try:
            document = parse_framework(data)
        except FrameworkError as error:
            raise ValidationError({"document": error.errors}) from None
        except (TypeError, AttributeError, ValueError, ArithmeticError):
            # A list where a mapping belongs, a number where a list belongs...
            raise ValidationError(
                {"document": [_("The document does not follow the framework format (data/FORMAT.md).")]}
            ) from None
        problems = _storable(document)
        if problems:
            raise ValidationError({"document": problems})
        known = set(selectors.framework_list(include_inactive=True).values_list("pk", flat=True))
        framework = services.framework_import(user=request.user, data=data)
        code = status.HTTP_200_OK if framework.pk in known else status.HTTP_201_CREATED
        return Response(_framework_data(framework), status=code)


# ---------------------------------------------------------------------------------------------------- assessments


def _items(assessment: Assessment) -> list[Item]:
    """The items of the assessment's framework in their order (each with its criterion)."""
    criteria = assessment.framework.criteria.prefetch_related("items").order_by("order")
    return [item for criterion in criteria for item in criterion.items.all()]


def _assessment_data(request, pk: Any) -> dict[str, Any]:
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    answers = {answer.item_id: answer for answer in selectors.assessment_answers(assessment=assessment)}
    rows = []
    for item in _items(assessment):
        answer = answers.get(item.pk)
        value = answer.value if answer else None
        prefilled = answer.prefilled_value if answer else None
        source = answer.prefill_source if answer else ""
        rows.append(
            {
                "item": item.code,
                "criterion": item.criterion.code,
                "text": item.text,
                "type": item.type,
                "max_points": item.max_points,
                "evidence_required": item.evidence_required,
                "value": value,
                "prefilled_value": prefilled,
                "prefill_source": source,
                "overridden": bool(source) and value is not None and value != prefilled,
                "override_reason": answer.override_reason if answer else "",
                "note": answer.note if answer else "",
            }
        )
    context = {
        "request": request,
        "answers": rows,
        "evidence": selectors.assessment_evidence(assessment=assessment),
        "can_change": assessment.status in EDITABLE and in_scope(request.user, assessment.orgunit.path, CHANGE),
        "can_verify": assessment.status == AssessmentStatus.SUBMITTED and services.may_verify(request.user, assessment),
    }
    return AssessmentDetailSerializer(assessment, context=context).data


@extend_schema_view(
    list=extend_schema(parameters=[AssessmentQuerySerializer]),
    retrieve=extend_schema(responses=AssessmentDetailSerializer),
    create=extend_schema(request=AssessmentCreateSerializer, responses={201: AssessmentDetailSerializer}),
)
class AssessmentViewSet(_Api, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Assessments (đánh giá) of the caller's units: one per unit, framework and year. The unit self-assesses
    (draft), submits; the level above verifies, or returns it with comments. Opening one pre-fills the items the
    registry knows, with their source."""

    serializer_class = AssessmentSerializer
    permission_classes = [ScopedWritePermission]
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        filters = query_params(AssessmentQuerySerializer, self.request) if self.action == "list" else {}
        return selectors.assessment_list(user=self.request.user, filters=filters)

    def retrieve(self, request, pk=None):
        return Response(_assessment_data(request, pk))

    def create(self, request):
        ensure_may_write(request.user)
        data = AssessmentCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        assessment = services.assessment_create(user=request.user, **data.validated_data)
        return Response(_assessment_data(request, assessment.pk), status=status.HTTP_201_CREATED)


def _named(code: str, message: str) -> str:
    return message if message.startswith(f"{code}:") else f"{code}: {message}"


class AssessmentAnswersApi(_Api, APIView):
    """Answer items of a draft or returned assessment, all or none: when any answer is refused nothing is saved and
    400 names each refused item (`answers[<item code>].<field>`). PATCH writes the answers listed, keeping what an
    entry leaves out; PUT is the whole answer sheet: items not listed are cleared. An answer that differs from the
    registry's pre-filled value needs `override_reason`."""

    parser_classes = [JSONParser]

    @extend_schema(request=AnswerSheetSerializer, responses=AssessmentDetailSerializer)
    def put(self, request, pk: int):
        return self._write(request, pk, replace=True)

    @extend_schema(request=AnswerSheetSerializer, responses=AssessmentDetailSerializer)
    def patch(self, request, pk: int):
        return self._write(request, pk, replace=False)

    def _write(self, request, pk: int, *, replace: bool) -> Response:
        assessment = selectors.assessment_get_for_change(user=request.user, pk=pk)
        items = {item.code: item for item in _items(assessment)}
        existing = {answer.item.code: answer for answer in selectors.assessment_answers(assessment=assessment)}
        entries = self._entries(request.data, items, existing, replace=replace)
        errors: dict[str, list[str]] = {}

        def save(code: str, **fields: Any) -> None:
            try:
                services.answer_save(user=request.user, assessment=assessment, item=items[code], **fields)
            except DjangoValidationError as error:
                if not hasattr(error, "error_dict"):
                    raise  # the assessment itself cannot be changed (submitted): not about this item
                for field, messages in error.message_dict.items():
                    key = f"answers[{code}]" if field == NON_FIELD_ERRORS else f"answers[{code}].{field}"
                    errors.setdefault(key, []).extend(_named(code, message) for message in messages)

        with transaction.atomic():
            for code, fields in entries.items():
                save(code, **fields)
            if replace:
                for code, answer in existing.items():
                    if code not in entries and (answer.value is not None or answer.note or answer.override_reason):
                        save(code, value=None)
            if errors:
                raise DjangoValidationError(errors)  # leaving the block undoes every answer saved above
        return Response(_assessment_data(request, assessment.pk))

    @staticmethod
    def _entries(data: Any, items: dict[str, Item], existing: dict, *, replace: bool) -> dict[str, dict[str, Any]]:
        """The answers sent, by item code, each checked; every problem named by its item code (or its position)."""
        answers = data.get("answers") if isinstance(data, dict) else None
        if not isinstance(answers, list):
            message = _("This field is required.") if answers is None else _("Expected a list of answers.")
            raise ValidationError({"answers": [message]})
        entries: dict[str, dict[str, Any]] = {}
        errors: dict[str, list[str]] = {}
        for index, raw in enumerate(answers):
            entry = AnswerInputSerializer(data=raw)
            code = str(raw.get("item", "")).strip() if isinstance(raw, dict) else ""
            place = f"answers[{code or index}]"
            if not entry.is_valid():
                for field, messages in entry.errors.items():
                    key = place if field == "non_field_errors" else f"{place}.{field}"
                    errors[key] = [str(message) for message in messages]
                continue
            fields = dict(entry.validated_data)
            code = fields.pop("item").strip()
            if code not in items:
                errors[f"{place}.item"] = [_("%(code)s is not an item of this framework.") % {"code": code}]
                continue
            if code in entries:
                errors[f"{place}.item"] = [_("%(code)s: answered twice.") % {"code": code}]
                continue
            if replace and "value" not in fields:
                errors[f"{place}.value"] = [_("%(code)s: give the value (null clears it).") % {"code": code}]
                continue
            before = existing.get(code)
            entries[code] = {
                "value": fields.get("value", before.value if before else None),
                "override_reason": fields.get(
                    "override_reason", before.override_reason if before and not replace else ""
                ),
                "note": fields.get("note", before.note if before and not replace else ""),
            }
        if errors:
            raise ValidationError(errors)
        return entries


class AssessmentSubmitApi(_Api, APIView):
    """Submit a complete self-assessment (every item answered, the required evidence attached) for verification;
    its score is kept."""

    @extend_schema(request=None, responses=AssessmentDetailSerializer)
    def post(self, request, pk: int):
        assessment = selectors.assessment_get_for_change(user=request.user, pk=pk)
        services.assessment_submit(user=request.user, assessment=assessment)
        return Response(_assessment_data(request, pk))


def _verifiable(request, pk: int) -> Assessment:
    """An assessment the caller verifies: 404 out of sight; 403 unless they hold the approve right on the level
    above the unit (so no unit verifies its own), checked before anything they send is."""
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    if not services.may_verify(request.user, assessment):
        raise PermissionDenied(_("Only the level above the unit verifies its assessment."))
    return assessment


class AssessmentVerifyApi(_Api, APIView):
    """Verify (thẩm định) a submitted assessment: its score becomes the year's result. The level above only."""

    @extend_schema(request=VerifySerializer, responses=AssessmentDetailSerializer)
    def post(self, request, pk: int):
        assessment = _verifiable(request, pk)
        data = VerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.assessment_verify(user=request.user, assessment=assessment, **data.validated_data)
        return Response(_assessment_data(request, pk))


class AssessmentReturnApi(_Api, APIView):
    """Return a submitted assessment to the unit with what it must correct. The level above only."""

    @extend_schema(request=ReturnSerializer, responses=AssessmentDetailSerializer)
    def post(self, request, pk: int):
        assessment = _verifiable(request, pk)
        data = ReturnSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.assessment_return(user=request.user, assessment=assessment, **data.validated_data)
        return Response(_assessment_data(request, pk))


class AssessmentScoreApi(_Api, APIView):
    """The live scorecard by the framework's rules: each criterion's points, maximum and %, whether it reached its
    minimum and why not; the total, its maximum and %, whether every item is answered, and the verdict with its
    reasons."""

    @extend_schema(responses=ScorecardSerializer)
    def get(self, request, pk: int):
        assessment = selectors.assessment_get(user=request.user, pk=pk)
        return Response(ScorecardSerializer(services.assessment_scorecard(assessment)).data)


class AssessmentEvidenceApi(_Api, generics.GenericAPIView):
    """Evidence (minh chứng) of an assessment, or attach a file (multipart `file`: a photo, JPEG or PNG, or a PDF;
    size limited; `item`: the code of the item it supports) while the assessment is a draft or returned."""

    serializer_class = EvidenceSerializer
    filter_backends: list = []
    parser_classes = [MultiPartParser]

    @extend_schema(responses=EvidenceSerializer(many=True))
    def get(self, request, pk: int):
        assessment = selectors.assessment_get(user=request.user, pk=pk)
        page = self.paginate_queryset(selectors.assessment_evidence(assessment=assessment))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request={"multipart/form-data": EvidenceUploadSerializer}, responses={201: EvidenceSerializer})
    def post(self, request, pk: int):
        assessment = selectors.assessment_get_for_change(user=request.user, pk=pk)
        data = EvidenceUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = None
        code = data.validated_data.get("item", "").strip()
        if code:
            item = {i.code: i for i in _items(assessment)}.get(code)
            if item is None:
                raise ValidationError({"item": [_("%(code)s is not an item of this framework.") % {"code": code}]})
        evidence = services.evidence_add(
            user=request.user, assessment=assessment, uploaded=data.validated_data["file"], item=item
        )
        body = EvidenceSerializer(selectors.evidence_get(user=request.user, pk=evidence.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class EvidenceDetailApi(_Api, APIView):
    """An evidence file, downloaded as an attachment by whoever may see its assessment; or delete one attached by
    mistake while the assessment can still be changed."""

    @extend_schema(
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        }
    )
    def get(self, request, pk: int):
        evidence = selectors.evidence_get(user=request.user, pk=pk)
        return stored_file_response(
            evidence.file,
            filename=evidence.original_name or evidence.file.name.rsplit("/", 1)[-1],
            content_type=evidence.content_type,
            as_attachment=True,
        )

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        evidence = selectors.evidence_get(user=request.user, pk=pk)
        if not in_scope(request.user, evidence.assessment.orgunit.path, CHANGE):
            raise PermissionDenied(_("You may view this assessment but not change it."))
        services.evidence_delete(user=request.user, evidence=evidence)
        return Response(status=status.HTTP_204_NO_CONTENT)
