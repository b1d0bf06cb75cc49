"""API of training management under `/api/v1/training/`: the course and staffing-norm catalogues, annual plans and
their lines (seats, named trainees), classes and their participants, sponsored training with its service
commitment, and the needs analysis. Every read goes through the training selectors, every write through a service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.core.api.errors import exception_handler
from ytcs.core.api.fields import ensure_may_write, query_params
from ytcs.core.api.permissions import ScopedWritePermission
from ytcs.core.querysets import CHANGE, in_scope
from ytcs.orgunits.selectors import orgunit_get
from ytcs.training import catalogue_services, needs, selectors, services
from ytcs.training.api.serializers import (
    CatalogueQuerySerializer,
    ClassCompleteSerializer,
    ClassQuerySerializer,
    ClassReopenSerializer,
    CourseSerializer,
    EnrolmentRecordSerializer,
    EnrolmentSerializer,
    EnrolSerializer,
    LineQuerySerializer,
    NeedsQuerySerializer,
    NormNeedSerializer,
    NormSerializer,
    PersonNeedSerializer,
    PlanAdoptSerializer,
    PlanDetailSerializer,
    PlanLineDetailSerializer,
    PlanLineSerializer,
    PlanProposeSerializer,
    PlanQuerySerializer,
    PlanSerializer,
    SeatSetSerializer,
    SponsorshipBreachSerializer,
    SponsorshipQuerySerializer,
    SponsorshipReimbursedSerializer,
    SponsorshipReturnSerializer,
    SponsorshipSerializer,
    TraineeAddSerializer,
    TraineeSerializer,
    TrainingClassSerializer,
    UnitGapSerializer,
    UpcomingReturnsQuerySerializer,
)
from ytcs.training.models import NormKind, PlannedCourse
from ytcs.training.rules import UPCOMING_RETURN_MONTHS
from ytcs.workforce.catalogue_services import can_manage_catalogues

CATALOGUE_CODE_REGEX = r"[-a-zA-Z0-9_]+"
ID_REGEX = r"\d+"


@contextmanager
def _fields_as(**names: str) -> Iterator[None]:
    """Report a service's errors on model fields under the names this endpoint takes (`breached_on` → `left_on`)."""
    try:
        yield
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise DjangoValidationError({names.get(key, key): value for key, value in exc.error_dict.items()}) from exc


def _exception_handler(exc, context):
    """The project's handler, with a model's whole-row errors (`__all__`: a unique constraint over several fields)
    under DRF's `non_field_errors` like every other error not about one field."""
    if isinstance(exc, DjangoValidationError) and NON_FIELD_ERRORS in getattr(exc, "error_dict", {}):
        errors = dict(exc.error_dict)
        errors["non_field_errors"] = errors.pop(NON_FIELD_ERRORS)
        exc = DjangoValidationError(errors)
    return exception_handler(exc, context)


class _Api:
    """Base of every training API view."""

    def get_exception_handler(self):
        return _exception_handler


def _context(request, **extra: Any) -> dict[str, Any]:
    return {"request": request, **extra}


# ---------------------------------------------------------------------------------------------------- catalogues


class _CatalogueViewSet(_Api, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A shared catalogue addressed by code: read by everyone logged in, changed by catalogue managers."""

    lookup_field = "code"
    lookup_value_regex = CATALOGUE_CODE_REGEX
    filter_backends: list = []
    entries: Callable[..., Any]
    save: Callable[..., Any]
    entry_kwarg: str

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE_METHODS and not can_manage_catalogues(request.user):
            raise PermissionDenied(_("Only province administrators change the catalogues."))

    def get_queryset(self):
        # The list leaves retired entries out unless asked; one entry is found by code whatever its state.
        include = (
            query_params(CatalogueQuerySerializer, self.request)["include_inactive"] if self.action == "list" else True
        )
        return type(self).entries(include_inactive=include)

    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = type(self).save(user=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=entry.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        data = self.get_serializer(entry, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        type(self).save(user=request.user, **{self.entry_kwarg: entry}, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=entry.pk)).data)


def _catalogue_schema(serializer):
    return extend_schema_view(
        list=extend_schema(parameters=[CatalogueQuerySerializer]),
        create=extend_schema(request=serializer, responses={201: serializer}),
        partial_update=extend_schema(request=serializer, responses=serializer),
    )


@_catalogue_schema(CourseSerializer)
class CourseViewSet(_CatalogueViewSet):
    """Courses (khóa đào tạo): what a class teaches and what passing gives (credit hours, a certificate)."""

    serializer_class = CourseSerializer
    entries = staticmethod(selectors.course_list)
    save = staticmethod(catalogue_services.course_save)
    entry_kwarg = "course"


@_catalogue_schema(NormSerializer)
class NormViewSet(_CatalogueViewSet):
    """Staffing norms (định mức nhân lực) with the regulation each comes from and whether it has been checked."""

    serializer_class = NormSerializer
    entries = staticmethod(selectors.norm_list)
    save = staticmethod(catalogue_services.norm_save)
    entry_kwarg = "norm"


# ---------------------------------------------------------------------------------------------------- plans


def _plan_data(request, pk: Any) -> dict[str, Any]:
    plan = selectors.plan_get(user=request.user, pk=pk)
    return PlanDetailSerializer(plan, context=_context(request, lines=selectors.plan_lines(plan=plan))).data


@extend_schema_view(
    list=extend_schema(parameters=[PlanQuerySerializer]),
    retrieve=extend_schema(responses=PlanDetailSerializer),
    create=extend_schema(request=PlanSerializer, responses={201: PlanDetailSerializer}),
    partial_update=extend_schema(request=PlanSerializer, responses=PlanDetailSerializer),
    destroy=extend_schema(responses={204: None}),
)
class PlanViewSet(_Api, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Annual training plans (kế hoạch đào tạo) of the caller's units and of the units above them. A draft plan
    is changed and deleted; adopting it (POST …/adopt/) fixes its courses and seats; closing ends it."""

    serializer_class = PlanSerializer
    permission_classes = [ScopedWritePermission]
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        filters = query_params(PlanQuerySerializer, self.request) if self.action == "list" else {}
        return selectors.plan_list(user=self.request.user, filters=filters)

    def retrieve(self, request, pk=None):
        return Response(_plan_data(request, pk))

    def create(self, request):
        ensure_may_write(request.user)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        with _fields_as(__all__="name"):
            plan = services.plan_create(user=request.user, **data.validated_data)
        return Response(_plan_data(request, plan.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        plan = selectors.plan_get_for_change(user=request.user, pk=pk)
        data = self.get_serializer(plan, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {key: value for key, value in data.validated_data.items() if key != "orgunit"}
        with _fields_as(__all__="name"):
            services.plan_update(user=request.user, plan=plan, **fields)
        return Response(_plan_data(request, plan.pk))

    def destroy(self, request, pk=None):
        services.plan_delete(user=request.user, plan=selectors.plan_get_for_change(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanAdoptApi(_Api, APIView):
    """Adopt a draft plan (phê duyệt): an approver's act (province administrator, regional manager)."""

    @extend_schema(request=PlanAdoptSerializer, responses=PlanDetailSerializer)
    def post(self, request, pk: int):
        plan = selectors.plan_get_for_change(user=request.user, pk=pk)
        data = PlanAdoptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with _fields_as(adopted_on="on"):
            services.plan_adopt(user=request.user, plan=plan, **data.validated_data)
        return Response(_plan_data(request, plan.pk))


class PlanCloseApi(_Api, APIView):
    """Close an adopted plan at the end of its year: read-only afterwards."""

    @extend_schema(request=None, responses=PlanDetailSerializer)
    def post(self, request, pk: int):
        plan = selectors.plan_get_for_change(user=request.user, pk=pk)
        services.plan_close(user=request.user, plan=plan)
        return Response(_plan_data(request, plan.pk))


class PlanProposeApi(_Api, APIView):
    """Draw up a draft plan for a year from today's needs analysis under a unit: one line per course and group of
    units, the people to train named on it, seats, classes and budget."""

    @extend_schema(request=PlanProposeSerializer, responses={201: PlanDetailSerializer})
    def post(self, request):
        ensure_may_write(request.user)
        data = PlanProposeSerializer(data=request.data, context=_context(request))
        data.is_valid(raise_exception=True)
        plan = services.plan_propose(user=request.user, on=timezone.localdate(), **data.validated_data)
        return Response(_plan_data(request, plan.pk), status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------------- plan lines


def _line_data(request, line: PlannedCourse) -> dict[str, Any]:
    counted = selectors.plan_lines(plan=line.plan).get(pk=line.pk)
    # Only the named people whose record the caller may see: a provincial plan is open to every station below it.
    trainees = selectors.line_trainees(line=line, user=request.user)
    context = _context(request, seats=selectors.line_seats(line=line), trainees=trainees)
    return PlanLineDetailSerializer(counted, context=context).data


class LineListApi(_Api, generics.GenericAPIView):
    """The lines of a plan (`plan` = its id) with plan-vs-done counts, or add a line to a draft plan."""

    serializer_class = PlanLineSerializer
    filter_backends: list = []

    @extend_schema(parameters=[LineQuerySerializer], responses=PlanLineSerializer(many=True))
    def get(self, request):
        plan = selectors.plan_get(user=request.user, pk=query_params(LineQuerySerializer, request)["plan"])
        page = self.paginate_queryset(selectors.plan_lines(plan=plan))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=PlanLineSerializer, responses={201: PlanLineDetailSerializer})
    def post(self, request):
        ensure_may_write(request.user)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        line = services.line_save(user=request.user, plan=fields.pop("plan"), **fields)
        return Response(_line_data(request, line), status=status.HTTP_201_CREATED)


class LineDetailApi(_Api, APIView):
    """A plan line with its seats per unit and the people named on it; change it, or remove it from a draft."""

    @extend_schema(responses=PlanLineDetailSerializer)
    def get(self, request, pk: int):
        return Response(_line_data(request, selectors.line_get(user=request.user, pk=pk)))

    @extend_schema(request=PlanLineSerializer, responses=PlanLineDetailSerializer)
    def patch(self, request, pk: int):
        line = selectors.line_get_for_change(user=request.user, pk=pk)
        data = PlanLineSerializer(line, data=request.data, partial=True, context=_context(request))
        data.is_valid(raise_exception=True)
        fields = {key: value for key, value in data.validated_data.items() if key != "plan"}
        line = services.line_save(user=request.user, plan=line.plan, line=line, **fields)
        return Response(_line_data(request, line))

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.line_delete(user=request.user, line=selectors.line_get_for_change(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LineSeatsApi(_Api, APIView):
    """Give a unit under the line's group its number of seats (0 removes them)."""

    @extend_schema(request=SeatSetSerializer, responses=PlanLineDetailSerializer)
    def post(self, request, pk: int):
        line = selectors.line_get_for_change(user=request.user, pk=pk)
        data = SeatSetSerializer(data=request.data, context=_context(request))
        data.is_valid(raise_exception=True)
        services.seat_set(user=request.user, line=line, **data.validated_data)
        return Response(_line_data(request, line))


class LineTraineesApi(_Api, APIView):
    """Name a working person on a line of a draft plan; their unit's seats grow to fit."""

    @extend_schema(request=TraineeAddSerializer, responses={201: TraineeSerializer})
    def post(self, request, pk: int):
        line = selectors.line_get_for_change(user=request.user, pk=pk)
        data = TraineeAddSerializer(data=request.data, context=_context(request))
        data.is_valid(raise_exception=True)
        trainee = services.trainee_add(user=request.user, line=line, **data.validated_data)
        return Response(TraineeSerializer(trainee).data, status=status.HTTP_201_CREATED)


class TraineeDetailApi(_Api, APIView):
    """Take a person off a line of a draft plan."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        trainee = selectors.trainee_get(user=request.user, pk=pk)
        if not in_scope(request.user, trainee.line.plan.orgunit.path, CHANGE):
            raise PermissionDenied(_("You may view this plan but not change it."))
        services.trainee_remove(user=request.user, trainee=trainee)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------------------------- classes


def _class_data(request, pk: Any) -> dict[str, Any]:
    return TrainingClassSerializer(selectors.class_get(user=request.user, pk=pk), context=_context(request)).data


@extend_schema_view(
    list=extend_schema(parameters=[ClassQuerySerializer]),
    create=extend_schema(responses={201: TrainingClassSerializer}),
)
class ClassViewSet(_Api, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Classes (lớp đào tạo) run by the caller's units and by the units above them, with their participant counts.
    A scheduled class is changed, completed (posting hours and certificates), or cancelled."""

    serializer_class = TrainingClassSerializer
    permission_classes = [ScopedWritePermission]
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        filters = query_params(ClassQuerySerializer, self.request) if self.action == "list" else {}
        return selectors.class_list(user=self.request.user, filters=filters)

    def retrieve(self, request, pk=None):
        return Response(_class_data(request, pk))

    def create(self, request):
        ensure_may_write(request.user)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        training_class = services.class_create(user=request.user, **data.validated_data)
        return Response(_class_data(request, training_class.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        training_class = selectors.class_get_for_change(user=request.user, pk=pk)
        data = self.get_serializer(training_class, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k not in ("orgunit", "course", "code")}
        services.class_update(user=request.user, training_class=training_class, **fields)
        return Response(_class_data(request, training_class.pk))


class ClassCompleteApi(_Api, APIView):
    """Complete a class whose results are all recorded: everyone who passed gets its credit hours and/or
    certificate on their workforce record."""

    @extend_schema(request=ClassCompleteSerializer, responses=TrainingClassSerializer)
    def post(self, request, pk: int):
        training_class = selectors.class_get_for_change(user=request.user, pk=pk)
        data = ClassCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with _fields_as(completed_on="on"):
            services.class_complete(user=request.user, training_class=training_class, **data.validated_data)
        return Response(_class_data(request, training_class.pk))


class ClassReopenApi(_Api, APIView):
    """Undo a completion (an approver's act, with its reason): the hours and certificates it posted are taken back."""

    @extend_schema(request=ClassReopenSerializer, responses=TrainingClassSerializer)
    def post(self, request, pk: int):
        training_class = selectors.class_get_for_change(user=request.user, pk=pk)
        data = ClassReopenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.class_reopen(user=request.user, training_class=training_class, **data.validated_data)
        return Response(_class_data(request, training_class.pk))


class ClassCancelApi(_Api, APIView):
    """Cancel a scheduled class; its enrolments stay for the record."""

    @extend_schema(request=None, responses=TrainingClassSerializer)
    def post(self, request, pk: int):
        training_class = selectors.class_get_for_change(user=request.user, pk=pk)
        services.class_cancel(user=request.user, training_class=training_class)
        return Response(_class_data(request, training_class.pk))


class ClassEnrolmentsApi(_Api, generics.GenericAPIView):
    """Participants of a class (all of them for the organiser, those of the caller's units for anyone else), or
    enrol a working person of the caller's units who works under the organising unit."""

    serializer_class = EnrolmentSerializer
    filter_backends: list = []

    @extend_schema(responses=EnrolmentSerializer(many=True))
    def get(self, request, pk: int):
        training_class = selectors.class_get(user=request.user, pk=pk)
        page = self.paginate_queryset(selectors.class_enrolments(user=request.user, training_class=training_class))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=EnrolSerializer, responses={201: EnrolmentSerializer})
    def post(self, request, pk: int):
        training_class = selectors.class_get(user=request.user, pk=pk)
        ensure_may_write(request.user)
        data = EnrolSerializer(data=request.data, context=_context(request))
        data.is_valid(raise_exception=True)
        with _fields_as(training_class="non_field_errors"):
            enrolment = services.enrol(user=request.user, training_class=training_class, **data.validated_data)
        body = EnrolmentSerializer(selectors.enrolment_get(user=request.user, pk=enrolment.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class EnrolmentDetailApi(_Api, APIView):
    """A participant: read, or record attendance and result (the organiser's job, while the class is scheduled)."""

    @extend_schema(responses=EnrolmentSerializer)
    def get(self, request, pk: int):
        return Response(EnrolmentSerializer(selectors.enrolment_get(user=request.user, pk=pk)).data)

    @extend_schema(request=EnrolmentRecordSerializer, responses=EnrolmentSerializer)
    def patch(self, request, pk: int):
        enrolment = selectors.enrolment_get(user=request.user, pk=pk)
        if not in_scope(request.user, enrolment.training_class.orgunit.path, CHANGE):
            raise PermissionDenied(_("Only the unit running the class records its results."))
        data = EnrolmentRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # PATCH: what is not sent keeps its value.
        fields = {
            "result": enrolment.result,
            "days_attended": enrolment.days_attended,
            "score": enrolment.score,
            "note": enrolment.note,
            **data.validated_data,
        }
        services.enrolment_record(user=request.user, enrolment=enrolment, **fields)
        return Response(EnrolmentSerializer(selectors.enrolment_get(user=request.user, pk=pk)).data)


class EnrolmentWithdrawApi(_Api, APIView):
    """Withdraw a participant before the class completes: by their unit or by the organiser."""

    @extend_schema(request=None, responses=EnrolmentSerializer)
    def post(self, request, pk: int):
        enrolment = selectors.enrolment_get(user=request.user, pk=pk)
        paths = (enrolment.staff.orgunit.path, enrolment.training_class.orgunit.path)
        if not any(in_scope(request.user, path, CHANGE) for path in paths):
            raise PermissionDenied(_("You do not have the right to change data of this unit."))
        services.enrolment_withdraw(user=request.user, enrolment=enrolment)
        return Response(EnrolmentSerializer(selectors.enrolment_get(user=request.user, pk=pk)).data)


# ---------------------------------------------------------------------------------------------------- sponsorships


def _sponsorship_data(request, pk: Any) -> dict[str, Any]:
    sponsorship = selectors.sponsorship_get(user=request.user, pk=pk, on=timezone.localdate())
    return SponsorshipSerializer(sponsorship, context=_context(request)).data


@extend_schema_view(
    list=extend_schema(parameters=[SponsorshipQuerySerializer]),
    create=extend_schema(responses={201: SponsorshipSerializer}),
)
class SponsorshipViewSet(_Api, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Sponsored long-term training (cử đi đào tạo, cử tuyển, đào tạo theo địa chỉ) of the caller's units, sending
    or serving, with the service commitment; `state` is the status as of today. The outcome is recorded by
    POST …/return/, …/breach/ and …/reimbursed/."""

    serializer_class = SponsorshipSerializer
    permission_classes = [ScopedWritePermission]
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        filters = query_params(SponsorshipQuerySerializer, self.request) if self.action == "list" else {}
        qs = selectors.sponsorship_list(user=self.request.user, on=timezone.localdate(), filters=filters)
        return qs

    def retrieve(self, request, pk=None):
        return Response(_sponsorship_data(request, pk))

    def create(self, request):
        ensure_may_write(request.user)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        sponsorship = services.sponsorship_create(user=request.user, **data.validated_data)
        return Response(_sponsorship_data(request, sponsorship.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        sponsorship = selectors.sponsorship_get_for_change(user=request.user, pk=pk, on=timezone.localdate())
        data = self.get_serializer(sponsorship, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "orgunit"}
        services.sponsorship_update(user=request.user, sponsorship=sponsorship, **fields)
        return Response(_sponsorship_data(request, sponsorship.pk))


class _SponsorshipStepApi(_Api, APIView):
    def sponsorship(self, request, pk: int):
        return selectors.sponsorship_get_for_change(user=request.user, pk=pk, on=timezone.localdate())


class SponsorshipReturnApi(_SponsorshipStepApi):
    """The trainee came back (a nominated student: and was recruited, `staff`): the service commitment starts."""

    @extend_schema(request=SponsorshipReturnSerializer, responses=SponsorshipSerializer)
    def post(self, request, pk: int):
        sponsorship = self.sponsorship(request, pk)
        data = SponsorshipReturnSerializer(data=request.data, context=_context(request))
        data.is_valid(raise_exception=True)
        services.sponsorship_return(user=request.user, sponsorship=sponsorship, **data.validated_data)
        return Response(_sponsorship_data(request, pk))


class SponsorshipBreachApi(_SponsorshipStepApi):
    """The person left before serving the commitment: the amount to reimburse is worked out by the rule."""

    @extend_schema(request=SponsorshipBreachSerializer, responses=SponsorshipSerializer)
    def post(self, request, pk: int):
        sponsorship = self.sponsorship(request, pk)
        data = SponsorshipBreachSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with _fields_as(breached_on="left_on", breach_reason="reason"):
            services.sponsorship_breach(user=request.user, sponsorship=sponsorship, **data.validated_data)
        return Response(_sponsorship_data(request, pk))


class SponsorshipReimbursedApi(_SponsorshipStepApi):
    """Record how much of the amount due has been paid back so far."""

    @extend_schema(request=SponsorshipReimbursedSerializer, responses=SponsorshipSerializer)
    def post(self, request, pk: int):
        sponsorship = self.sponsorship(request, pk)
        data = SponsorshipReimbursedSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with _fields_as(reimbursed="amount"):
            services.sponsorship_reimbursed(user=request.user, sponsorship=sponsorship, **data.validated_data)
        return Response(_sponsorship_data(request, pk))


@extend_schema(parameters=[UpcomingReturnsQuerySerializer])
class UpcomingReturnsApi(_Api, generics.ListAPIView):
    """Trainees still away whose expected return falls within the coming months (6 by default; overdue ones too),
    by the unit they will serve."""

    serializer_class = SponsorshipSerializer
    filter_backends: list = []

    def get_queryset(self):
        params = query_params(UpcomingReturnsQuerySerializer, self.request)
        months = params.pop("months", UPCOMING_RETURN_MONTHS)
        on = timezone.localdate()
        return selectors.upcoming_returns(user=self.request.user, on=on, months=months, filters=params)


# ---------------------------------------------------------------------------------------------------- needs


def _needs_params(request) -> tuple[Any, int]:
    params = query_params(NeedsQuerySerializer, request)
    root = orgunit_get(user=request.user, code=params["orgunit"])
    return root, params.get("year") or needs.training_year_default(timezone.localdate())


class NeedsSummaryApi(_Api, APIView):
    """Training needs under a unit (`orgunit`) for a plan year: one item per active staffing norm with the units
    short of it (and the people missing there after those in training) or the people short of hours."""

    @extend_schema(
        operation_id="v1_training_needs_summary",
        parameters=[NeedsQuerySerializer],
        responses=NormNeedSerializer(many=True),
    )
    def get(self, request):
        root, year = _needs_params(request)
        summary = needs.needs_summary(user=request.user, root=root, on=timezone.localdate(), year=year)
        return Response(NormNeedSerializer(summary, many=True).data)


class NeedsDetailApi(_Api, generics.GenericAPIView):
    """The units short of a title or certificate norm (`have`, `in_training`, `missing`), or the people short of
    the hours of an hours or licence norm (`credits`, `required`, the licence to renew), under `orgunit`."""

    filter_backends: list = []
    serializer_class = UnitGapSerializer

    @extend_schema(
        operation_id="v1_training_needs_detail",
        parameters=[NeedsQuerySerializer],
        responses=PolymorphicProxySerializer(
            component_name="NeedRow",
            serializers=[UnitGapSerializer, PersonNeedSerializer],
            resource_type_field_name=None,
            many=True,
        ),
    )
    def get(self, request, norm_code: str):
        norm = selectors.norm_list().filter(code=norm_code).first()
        if norm is None:
            raise Http404
        root, year = _needs_params(request)
        on = timezone.localdate()
        if norm.kind in (NormKind.TITLE, NormKind.COMPETENCY):
            rows, serializer = needs.unit_gaps(user=request.user, root=root, norm=norm, on=on), UnitGapSerializer
        else:
            rows = needs.people_needs(user=request.user, root=root, norm=norm, on=on, year=year)
            serializer = PersonNeedSerializer
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(serializer(page, many=True, context={"norm": norm}).data)
