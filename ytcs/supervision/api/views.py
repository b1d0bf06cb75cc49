"""API of supervision under `/api/v1/supervision/`: visits (+ photos), directives (+ `update`, `accept`, `return`,
evidence download, per-unit follow-up), the province board, a unit's timeline, obstacles and proposals (+ `answer`,
`resolve`) and the caller's notifications (+ `read`, `read-all`). Reads go through `selectors`, writes through
`services`; an object out of sight answers 404, one the caller may read but not act on 403, checked before
anything sent is validated."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from ytcs.core.api.fields import ensure_may_write, query_params
from ytcs.core.pages import stored_file_response
from ytcs.orgunits.selectors import orgunit_get
from ytcs.supervision import selectors, services
from ytcs.supervision.api.serializers import (
    AnswerWriteSerializer,
    BoardSerializer,
    DirectiveDetailSerializer,
    DirectiveProgressSerializer,
    DirectiveQuerySerializer,
    DirectiveSerializer,
    DirectiveWriteSerializer,
    FollowUpRowSerializer,
    NoteSerializer,
    NotificationQuerySerializer,
    NotificationSerializer,
    ObstacleDetailSerializer,
    ObstacleQuerySerializer,
    ObstacleSerializer,
    ObstacleWriteSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    ReadAllSerializer,
    TimelineEventSerializer,
    TimelinePageSerializer,
    TimelineQuerySerializer,
    UnitQuerySerializer,
    VisitDetailSerializer,
    VisitQuerySerializer,
    VisitSerializer,
    VisitWriteSerializer,
    board_data,
)
from ytcs.supervision.models import DirectiveCategory, VisitKind, VisitStatus

ID_REGEX = r"\d+"


def _root(request) -> Any:
    """The unit of `?orgunit=` (404 when unseen), or None."""
    code = query_params(UnitQuerySerializer, request).get("orgunit")
    return orgunit_get(user=request.user, code=code) if code else None


# ---------------------------------------------------------------------------------------------- visits


def _visit(request, pk: Any) -> dict[str, Any]:
    return VisitDetailSerializer(selectors.visit_get(user=request.user, pk=pk)).data


def _team(fields: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(member) for member in fields.get("team", [])]


VISIT_CHANGES = ("kind", "title", "visited_on", "status", "areas", "areas_note", "framework", "findings", "units")


@extend_schema_view(
    list=extend_schema(parameters=[VisitQuerySerializer]),
    retrieve=extend_schema(responses=VisitDetailSerializer),
    create=extend_schema(request=VisitWriteSerializer, responses={201: VisitDetailSerializer}),
    update=extend_schema(request=VisitWriteSerializer, responses=VisitDetailSerializer),
    partial_update=extend_schema(request=VisitWriteSerializer, responses=VisitDetailSerializer),
)
class VisitViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Supervision and working visits and meetings (chuyến giám sát, làm việc) the caller sees: led by a unit in
    scope or to one. Recorded and changed by the change right on the lead unit; the units visited lie under it."""

    serializer_class = VisitSerializer
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        filters = query_params(VisitQuerySerializer, self.request) if self.action == "list" else {}
        return selectors.visit_list(user=self.request.user, filters=filters)

    def retrieve(self, request, pk=None):
        return Response(_visit(request, pk))

    def create(self, request):
        ensure_may_write(request.user)
        data = VisitWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        visit = services.visit_create(
            user=request.user,
            orgunit=fields["orgunit"],
            title=fields["title"],
            visited_on=fields["visited_on"],
            kind=fields.get("kind", VisitKind.SUPERVISION),
            status=fields.get("status", VisitStatus.PLANNED),
            units=fields.get("units", []),
            team=_team(fields),
            areas=fields.get("areas", []),
            areas_note=fields.get("areas_note", ""),
            framework=fields.get("framework"),
            findings=fields.get("findings", ""),
        )
        return Response(_visit(request, visit.pk), status=status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        visit = selectors.visit_get_for_change(user=request.user, pk=pk)
        data = VisitWriteSerializer(visit, data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if "orgunit" in fields and fields["orgunit"].pk != visit.orgunit_id:
            raise ValidationError({"orgunit": [_("The lead unit of a visit cannot be changed.")]})
        changes = {name: fields[name] for name in VISIT_CHANGES if name in fields}
        if "team" in fields:
            changes["team"] = _team(fields)
        services.visit_update(user=request.user, visit=visit, **changes)
        return Response(_visit(request, visit.pk))

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk)


class VisitPhotosApi(generics.GenericAPIView):
    """Photos of a visit, or attach one (multipart `file`: JPEG or PNG, size limited; `caption`): the lead unit."""

    serializer_class = PhotoSerializer
    filter_backends: list = []
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=PhotoSerializer(many=True))
    def get(self, request, pk: int):
        visit = selectors.visit_get(user=request.user, pk=pk)
        page = self.paginate_queryset(selectors.visit_photos(visit=visit))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request={"multipart/form-data": PhotoUploadSerializer}, responses={201: PhotoSerializer})
    def post(self, request, pk: int):
        visit = selectors.visit_get_for_change(user=request.user, pk=pk)
        data = PhotoUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.visit_photo_add(
            user=request.user, visit=visit, uploaded=data.validated_data["file"], caption=data.validated_data["caption"]
        )
        return Response(PhotoSerializer(selectors.photo_get(user=request.user, pk=photo.pk)).data, status=201)


class PhotoDetailApi(APIView):
    """A photo of a visit, served to whoever sees the visit; or remove one attached by mistake (the lead unit)."""

    @extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY, (200, "image/png"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        photo = selectors.photo_get(user=request.user, pk=pk)
        return stored_file_response(photo.file, filename=photo.original_name, content_type=photo.content_type)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        photo = selectors.photo_get(user=request.user, pk=pk)
        if not selectors.may_change_visit(request.user, photo.visit):
            raise PermissionDenied(_("You may view this visit but not change it."))
        services.visit_photo_delete(user=request.user, photo=photo)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------------------- directives


def _directive(request, pk: Any) -> dict[str, Any]:
    return DirectiveDetailSerializer(selectors.directive_get(user=request.user, pk=pk)).data


EDITABLE = ("title", "details", "category", "due_on", "evidence_required", "source_text")
LINKS = ("training_plan", "investment_proposal", "indicator")
FIXED = {"visit": "visit", "issuer_unit": "issuer_unit", "orgunit": "orgunit", "issued_on": "issued_on"}


@extend_schema_view(
    list=extend_schema(parameters=[DirectiveQuerySerializer]),
    retrieve=extend_schema(responses=DirectiveDetailSerializer),
    create=extend_schema(request=DirectiveWriteSerializer, responses={201: DirectiveDetailSerializer}),
    update=extend_schema(request=DirectiveWriteSerializer, responses=DirectiveDetailSerializer),
    partial_update=extend_schema(request=DirectiveWriteSerializer, responses=DirectiveDetailSerializer),
)
class DirectiveViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Directives (yêu cầu, chỉ đạo) to units the caller sees or issued by one, with `is_overdue` and `is_due_soon`
    computed for today. Issued and corrected by the approve right on the issuing unit (strictly above the
    responsible unit); the responsible unit reports progress through `update/`; the issuing level accepts or
    returns (`accept/`, `return/`), never the responsible unit itself."""

    serializer_class = DirectiveSerializer
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        filters = query_params(DirectiveQuerySerializer, self.request) if self.action == "list" else {}
        return selectors.directive_list(user=self.request.user, filters=filters)

    def retrieve(self, request, pk=None):
        return Response(_directive(request, pk))

    def create(self, request):
        ensure_may_write(request.user)
        data = DirectiveWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        directive = services.directive_issue(
            user=request.user,
            orgunit=fields["orgunit"],
            title=fields["title"],
            due_on=fields["due_on"],
            evidence_required=fields["evidence_required"],
            issuer_unit=fields.get("issuer_unit"),
            visit=fields.get("visit"),
            source_text=fields.get("source_text", ""),
            category=fields.get("category", DirectiveCategory.OTHER),
            details=fields.get("details", ""),
            issued_on=fields.get("issued_on"),
            **{name: fields.get(name) for name in LINKS},
        )
        return Response(_directive(request, directive.pk), status=status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        directive = selectors.directive_get_for_edit(user=request.user, pk=pk)
        data = DirectiveWriteSerializer(directive, data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        for name, attribute in FIXED.items():
            if name in fields and fields[name] != getattr(directive, attribute):
                raise ValidationError({name: [_("This cannot be changed once the directive is issued.")]})
        changes = {name: fields[name] for name in (*EDITABLE, *LINKS) if name in fields}
        services.directive_edit(user=request.user, directive=directive, **changes)
        return Response(_directive(request, directive.pk))

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk)


class DirectiveProgressApi(APIView):
    """The responsible unit reports (change right on it): `in_progress` to start, the current state for a progress
    note, `done` when finished with a note and/or an evidence file (multipart `evidence`: JPEG, PNG or PDF); it may
    link the training plan, investment proposal or indicator the work concerns."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": DirectiveProgressSerializer, "multipart/form-data": DirectiveProgressSerializer},
        responses=DirectiveDetailSerializer,
    )
    def post(self, request, pk: int):
        directive = selectors.directive_get_for_progress(user=request.user, pk=pk)
        data = DirectiveProgressSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        services.directive_progress(
            user=request.user,
            directive=directive,
            status=fields["status"],
            note=fields["note"],
            evidence=fields.get("evidence"),
            links={name: fields[name] for name in LINKS if name in fields},
        )
        return Response(_directive(request, directive.pk))


class DirectiveAcceptApi(APIView):
    """Accept a directive reported done (nghiệm thu), closing it: the approve right on the issuing unit, never
    through a role on the responsible unit."""

    @extend_schema(request=NoteSerializer, responses=DirectiveDetailSerializer)
    def post(self, request, pk: int):
        directive = selectors.directive_get_for_review(user=request.user, pk=pk)
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.directive_accept(user=request.user, directive=directive, note=data.validated_data["note"])
        return Response(_directive(request, directive.pk))


class DirectiveReturnApi(APIView):
    """Return a directive reported done to the responsible unit (back to in progress), saying what is missing
    (`note`, required): the issuing level."""

    @extend_schema(request=NoteSerializer, responses=DirectiveDetailSerializer)
    def post(self, request, pk: int):
        directive = selectors.directive_get_for_review(user=request.user, pk=pk)
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.directive_return(user=request.user, directive=directive, note=data.validated_data["note"])
        return Response(_directive(request, directive.pk))


class DirectiveEvidenceApi(APIView):
    """The evidence file of a step of a directive, downloaded by whoever sees the directive."""

    @extend_schema(
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
        }
    )
    def get(self, request, pk: int):
        update = selectors.directive_update_get(user=request.user, pk=pk)
        if not update.evidence:
            raise NotFound()
        return stored_file_response(
            update.evidence, filename=update.evidence_name, content_type=update.evidence_type, as_attachment=True
        )


class DirectiveFollowUpApi(generics.GenericAPIView):
    """Per responsible unit (under `orgunit` if given): directives pending, overdue, due soon and awaiting
    acceptance; most overdue first."""

    serializer_class = FollowUpRowSerializer
    filter_backends: list = []

    @extend_schema(parameters=[UnitQuerySerializer], responses=FollowUpRowSerializer(many=True))
    def get(self, request):
        rows = selectors.directive_follow_up(user=request.user, root=_root(request))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class BoardApi(APIView):
    """The board of unclosed directives under `orgunit` (default: the caller's top unit) by the unit one level
    below (a province's regional centres) and by age since issue: 0–30, 31–90, more than 90 days."""

    @extend_schema(parameters=[UnitQuerySerializer], responses=BoardSerializer)
    def get(self, request):
        board = selectors.directive_board(user=request.user, root=_root(request))
        return Response(board_data(board))


class TimelineApi(APIView):
    """A unit's timeline, newest first: visits, assessments, directives and their follow-up, obstacles and
    indicator data changes; paginated like every list (`page`, `page_size`)."""

    @extend_schema(
        parameters=[TimelineQuerySerializer, OpenApiParameter("code", str, OpenApiParameter.PATH)],
        responses=TimelinePageSerializer,
    )
    def get(self, request, code: str):
        unit = orgunit_get(user=request.user, code=code)
        query = query_params(TimelineQuerySerializer, request)
        page = selectors.timeline_for_unit(
            user=request.user,
            unit=unit,
            page=query.get("page", 1),
            page_size=query.get("page_size", 50),
            kinds=sorted(query["kind"]) if query.get("kind") else None,
        )
        url = request.build_absolute_uri()
        previous = None
        if page.has_previous:
            previous = (
                replace_query_param(url, "page", page.page - 1) if page.page > 2 else remove_query_param(url, "page")
            )
        results = [{"kind": event.kind, "at": event.at, **selectors.event_summary(event)} for event in page.events]
        return Response(
            {
                "count": page.count,
                "next": replace_query_param(url, "page", page.page + 1) if page.has_next else None,
                "previous": previous,
                "results": TimelineEventSerializer(results, many=True).data,
            }
        )


# ---------------------------------------------------------------------------------------------- obstacles


def _obstacle(request, pk: Any) -> dict[str, Any]:
    return ObstacleDetailSerializer(selectors.obstacle_get(user=request.user, pk=pk)).data


@extend_schema_view(
    list=extend_schema(parameters=[ObstacleQuerySerializer]),
    retrieve=extend_schema(responses=ObstacleDetailSerializer),
    create=extend_schema(request=ObstacleWriteSerializer, responses={201: ObstacleDetailSerializer}),
)
class ObstacleViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Obstacles and proposals (vướng mắc, đề xuất) units send up to a Department office: sent by the change right
    on the sending unit, answered by the Department (`answer/`), closed as resolved by either side (`resolve/`)."""

    serializer_class = ObstacleSerializer
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        filters = query_params(ObstacleQuerySerializer, self.request) if self.action == "list" else {}
        return selectors.obstacle_list(user=self.request.user, filters=filters)

    def retrieve(self, request, pk=None):
        return Response(_obstacle(request, pk))

    def create(self, request):
        ensure_may_write(request.user)
        data = ObstacleWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        obstacle = services.obstacle_send(
            user=request.user,
            orgunit=fields["orgunit"],
            subject=fields["subject"],
            body=fields["body"],
            office=fields["office"],
            kind=fields.get("kind", "obstacle"),
            directive=fields.get("directive"),
        )
        return Response(_obstacle(request, obstacle.pk), status=status.HTTP_201_CREATED)


class ObstacleAnswerApi(APIView):
    """Answer an obstacle or proposal for the Department (the approve right on it)."""

    @extend_schema(request=AnswerWriteSerializer, responses=ObstacleDetailSerializer)
    def post(self, request, pk: int):
        obstacle = selectors.obstacle_get_for_answer(user=request.user, pk=pk)
        data = AnswerWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.obstacle_answer(user=request.user, obstacle=obstacle, body=data.validated_data["body"])
        return Response(_obstacle(request, obstacle.pk))


class ObstacleResolveApi(APIView):
    """Close an obstacle or proposal as resolved: the sending unit or the Department."""

    @extend_schema(request=None, responses=ObstacleDetailSerializer)
    def post(self, request, pk: int):
        obstacle = selectors.obstacle_get_for_resolve(user=request.user, pk=pk)
        services.obstacle_resolve(user=request.user, obstacle=obstacle)
        return Response(_obstacle(request, obstacle.pk))


# ---------------------------------------------------------------------------------------------- notifications


@extend_schema_view(list=extend_schema(parameters=[NotificationQuerySerializer]))
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications (thông báo), newest first; nobody else's is ever found."""

    serializer_class = NotificationSerializer
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        unread = query_params(NotificationQuerySerializer, self.request).get("unread", False)
        return selectors.notification_list(user=self.request.user, unread=unread if self.action == "list" else False)

    def get_object(self):
        return selectors.notification_get(user=self.request.user, pk=self.kwargs["pk"])


class NotificationReadApi(APIView):
    """Mark one of the caller's notifications read."""

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, pk: int):
        notification = selectors.notification_get(user=request.user, pk=pk)
        services.notification_mark_read(user=request.user, notification=notification)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllApi(APIView):
    """Mark every unread notification of the caller read."""

    @extend_schema(request=None, responses=ReadAllSerializer)
    def post(self, request):
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})
