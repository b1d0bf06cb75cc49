"""API of equipment investment proposals under `/api/v1/assets/proposals/`: list (mine, waiting for me, by status,
year and unit), draft, read, edit (a draft or a returned one), and the steps `{id}/submit|approve|return|reject|
fund|deliver/`, each a service call audited as a step of the proposal. Reads go through `selectors_proposals`,
writes through `services`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.assets import selectors_proposals, services
from ytcs.assets.api.serializers_proposals import (
    CommentSerializer,
    DeliverSerializer,
    ProposalDetailSerializer,
    ProposalQuerySerializer,
    ProposalSerializer,
    ProposalWriteSerializer,
)
from ytcs.core.api.fields import ensure_may_write, query_params

ID_REGEX = r"\d+"


def _detail(request, pk: int) -> dict[str, Any]:
    return ProposalDetailSerializer(selectors_proposals.proposal_get(user=request.user, pk=pk)).data


@extend_schema_view(
    list=extend_schema(parameters=[ProposalQuerySerializer]),
    retrieve=extend_schema(responses=ProposalDetailSerializer),
    create=extend_schema(request=ProposalWriteSerializer, responses={201: ProposalDetailSerializer}),
    update=extend_schema(request=ProposalWriteSerializer, responses=ProposalDetailSerializer),
    partial_update=extend_schema(request=ProposalWriteSerializer, responses=ProposalDetailSerializer),
)
class ProposalViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Equipment investment proposals (đề xuất đầu tư trang thiết bị) of the units the caller sees. A unit drafts
    and submits; the approve right on the unit above reviews, then the province, which funds and records the
    delivery (the items then enter the unit's inventory, once)."""

    serializer_class = ProposalSerializer
    filter_backends: list = []
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        filters = query_params(ProposalQuerySerializer, self.request) if self.action == "list" else {}
        return selectors_proposals.proposal_list(user=self.request.user, filters=filters)

    def retrieve(self, request, pk=None):
        return Response(_detail(request, pk))

    def create(self, request):
        ensure_may_write(request.user)
        data = ProposalWriteSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        proposal = services.proposal_draft(
            user=request.user,
            orgunit=fields["orgunit"],
            year=fields["year"],
            title=fields["title"],
            justification=fields["justification"],
            lines=[dict(line) for line in fields["lines"]],
            assessment=fields.get("assessment"),
        )
        return Response(_detail(request, proposal.pk), status=status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        proposal = selectors_proposals.proposal_get_for_change(user=request.user, pk=pk)
        existing = list(selectors_proposals.proposal_lines(proposal=proposal))
        context = {"request": request, "keep_types": [line.equipment_type for line in existing]}
        data = ProposalWriteSerializer(proposal, data=request.data, partial=True, context=context)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        lines = (
            [dict(line) for line in fields["lines"]]
            if "lines" in fields
            else [{name: getattr(line, name) for name in LINE_FIELDS} for line in existing]
        )
        services.proposal_edit(
            user=request.user,
            proposal=proposal,
            title=fields.get("title", proposal.title),
            justification=fields.get("justification", proposal.justification),
            lines=lines,
            assessment=fields.get("assessment", proposal.assessment),
        )
        return Response(_detail(request, proposal.pk))

    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk)


LINE_FIELDS = ("equipment_type", "quantity", "unit_cost", "funding_source", "justification", "closes_gap")


class _StepApi(APIView):
    serializer = CommentSerializer

    def act(self, request, proposal, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def proposal(self, request, pk: int):
        return selectors_proposals.proposal_get(user=request.user, pk=pk)

    def post(self, request, pk: int):
        proposal = self.proposal(request, pk)
        data = self.serializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(request, proposal, data.validated_data)
        return Response(_detail(request, proposal.pk))


_STEP = extend_schema(request=CommentSerializer, responses=ProposalDetailSerializer)


class ProposalSubmitApi(_StepApi):
    """Send a draft or a returned proposal to the unit above for review (its unit's change right)."""

    def proposal(self, request, pk: int):
        return selectors_proposals.proposal_get_for_change(user=request.user, pk=pk)

    def act(self, request, proposal, data):
        services.proposal_submit(user=request.user, proposal=proposal, comment=data["comment"])

    @_STEP
    def post(self, request, pk: int):
        return super().post(request, pk)


class _ReviewApi(_StepApi):
    service: Any

    def proposal(self, request, pk: int):
        proposal = selectors_proposals.proposal_get(user=request.user, pk=pk)
        selectors_proposals.ensure_may_review(user=request.user, proposal=proposal)
        return proposal

    def act(self, request, proposal, data):
        type(self).service(user=request.user, proposal=proposal, comment=data["comment"])

    @_STEP
    def post(self, request, pk: int):
        return super().post(request, pk)


class ProposalApproveApi(_ReviewApi):
    """Approve at the level reviewing it now: a regional centre forwards to the province; the province approves."""

    service = staticmethod(services.proposal_approve)


class ProposalReturnApi(_ReviewApi):
    """Return to the proposing unit with comments (required); it edits and submits again."""

    service = staticmethod(services.proposal_return)


class ProposalRejectApi(_ReviewApi):
    """Reject, with the reason (required); final."""

    service = staticmethod(services.proposal_reject)


class ProposalFundApi(_StepApi):
    """Record that an approved proposal is funded (the decision or source in the comment): the province."""

    def act(self, request, proposal, data):
        services.proposal_fund(user=request.user, proposal=proposal, comment=data["comment"])

    @_STEP
    def post(self, request, pk: int):
        return super().post(request, pk)


class ProposalDeliverApi(_StepApi):
    """Record the delivery of a funded proposal: each line's items enter the proposing unit's inventory, in working
    order, once (a second delivery is refused). The province."""

    serializer = DeliverSerializer

    def act(self, request, proposal, data):
        services.proposal_deliver(
            user=request.user,
            proposal=proposal,
            delivered_on=data["delivered_on"],
            serials=data["serials"],
            comment=data["comment"],
        )

    @extend_schema(request=DeliverSerializer, responses=ProposalDetailSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)
