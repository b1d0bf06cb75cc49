from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ytcs.orgunits.models import OrgUnit, Population
from ytcs.orgunits.selectors import unit_choices


class ScopedUnitField(serializers.SlugRelatedField):
    """A unit given by its code, looked up only among the units the caller may see."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        instance = getattr(self.parent, "instance", None)
        current = getattr(instance, self.source, None) if isinstance(instance, OrgUnit) else None
        return unit_choices(user=request.user if request else None, keep=current)


@extend_schema_field(OpenApiTypes.STR)
class UnitCodeField(ScopedUnitField):
    """A unit given by its code among those the caller may see (documented as the string it is)."""


class PopulationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Population
        fields = ["year", "population", "source"]


class OrgUnitSerializer(serializers.ModelSerializer):
    parent = ScopedUnitField(required=False, allow_null=True, help_text="Code of the parent unit.")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    populations = PopulationSerializer(many=True, read_only=True)

    class Meta:
        model = OrgUnit
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_display",
            "parent",
            "level",
            "path",
            "admin_code",
            "address",
            "phone",
            "opened_on",
            "closed_on",
            "populations",
        ]
        read_only_fields = ["id", "level", "path"]
        # Code uniqueness is checked by the service (full_clean) inside the write's transaction.
        extra_kwargs = {"code": {"validators": []}}


class OrgUnitCloseSerializer(serializers.Serializer):
    closed_on = serializers.DateField()


class AuditEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_username")
    action = serializers.CharField()
    source = serializers.CharField()
    object_type = serializers.CharField(source="content_type.model")
    object_id = serializers.CharField()
    object = serializers.CharField(source="object_repr")
    changes = serializers.DictField(child=serializers.ListField(allow_null=True))
