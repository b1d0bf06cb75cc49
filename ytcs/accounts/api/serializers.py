from __future__ import annotations

from rest_framework import serializers

from ytcs.accounts.models import RoleAssignment, User


class RoleAssignmentSerializer(serializers.ModelSerializer):
    orgunit = serializers.CharField(source="orgunit.code")
    orgunit_name = serializers.CharField(source="orgunit.name")
    role_display = serializers.CharField(source="get_role_display")

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "role_display", "orgunit", "orgunit_name"]


class UserSerializer(serializers.ModelSerializer):
    home_unit = serializers.CharField(source="home_unit.code", allow_null=True, default=None)
    roles = RoleAssignmentSerializer(source="role_assignments", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "home_unit", "is_active", "is_superuser", "roles"]
