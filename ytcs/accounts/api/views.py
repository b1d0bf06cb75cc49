"""API of accounts: who am I, and (for administrators) the accounts of their units."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from ytcs.accounts.api.serializers import UserSerializer
from ytcs.accounts.roles import MANAGE_USERS
from ytcs.accounts.selectors import user_list
from ytcs.core.querysets import may_anywhere


class MeApi(APIView):
    """The caller's account and roles."""

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)


@extend_schema(parameters=[OpenApiParameter("q", str, description="Search username, name or e-mail.")])
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Accounts attached to units where the caller manages users (read-only; manage them on the Users page)."""

    serializer_class = UserSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return user_list(user=None)
        if not may_anywhere(self.request.user, MANAGE_USERS):
            raise PermissionDenied
        return user_list(user=self.request.user, filters={"q": self.request.query_params.get("q")}).prefetch_related(
            "role_assignments__orgunit"
        )
