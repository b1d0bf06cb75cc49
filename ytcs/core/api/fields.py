"""Small pieces every app's API uses: query parameters, the write guard, schema-friendly choice fields."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from ytcs.core.querysets import CHANGE, may_anywhere


def query_params(serializer_class: type, request) -> dict[str, Any]:
    """Validated query parameters (a bad value answers 400 naming the parameter); empty ones left out."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return {key: value for key, value in query.validated_data.items() if value not in (None, "")}


def ensure_may_write(user) -> None:
    """Refuse a read-only caller before validating, so validation answers reveal nothing to them."""
    if not may_anywhere(user, CHANGE):
        raise PermissionDenied()


def choices_text(choices) -> str:
    """The values of a choice set, for a help text."""
    return ", ".join(value for value, _label in choices)


@extend_schema_field(OpenApiTypes.STR)
class PlainChoiceField(serializers.ChoiceField):
    """A choice documented as a plain string (its values listed in the help text), so the schema does not grow a
    second, ambiguously named enum for a field name other components already use."""
