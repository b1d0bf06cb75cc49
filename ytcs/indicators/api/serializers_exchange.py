"""Serializers of data exchange: DHIS2's dataValueSets, ImportSummary and WebMessage (documentation of shapes
built by exchange.py), and our import jobs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from ytcs.core.api.fields import PlainChoiceField, choices_text
from ytcs.indicators.models import ImportJob, ImportStatus
from ytcs.indicators.selectors_imports import import_progress


class Dhis2DataValueSerializer(serializers.Serializer):
    dataElement = serializers.CharField(help_text="Data element code (or id with idScheme=UID, name with NAME).")
    period = serializers.CharField(required=False, help_text="ISO period: 2025, 2025Q1, 202501.")
    orgUnit = serializers.CharField(required=False, help_text="Org unit code (or id/name by orgUnitIdScheme).")
    categoryOptionCombo = serializers.CharField(required=False, help_text='Option combo code; "default" if absent.')
    attributeOptionCombo = serializers.CharField(required=False, help_text='Always "default" (not used).')
    value = serializers.CharField(required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_null=True)
    deleted = serializers.BooleanField(required=False, help_text="true: delete this value.")
    storedBy = serializers.CharField(required=False, read_only=True, allow_null=True)
    created = serializers.CharField(required=False, read_only=True)
    lastUpdated = serializers.CharField(required=False, read_only=True)
    followup = serializers.BooleanField(required=False, read_only=True)


class Dhis2DataValueSetSerializer(serializers.Serializer):
    dataSet = serializers.CharField(required=False, help_text="Data set the values belong to (checked).")
    completeDate = serializers.CharField(required=False, allow_null=True)
    period = serializers.CharField(required=False, help_text="Default period of the values.")
    orgUnit = serializers.CharField(required=False, help_text="Default org unit of the values.")
    dataValues = Dhis2DataValueSerializer(many=True)


class Dhis2ImportCountSerializer(serializers.Serializer):
    imported = serializers.IntegerField()
    updated = serializers.IntegerField()
    ignored = serializers.IntegerField()
    deleted = serializers.IntegerField()


class Dhis2ImportConflictSerializer(serializers.Serializer):
    object = serializers.CharField(allow_null=True)
    objects = serializers.DictField(child=serializers.CharField())
    value = serializers.CharField(help_text="The message.")
    errorCode = serializers.CharField(help_text="DHIS2's error code, e.g. E7610.")
    property = serializers.CharField(required=False)
    indexes = serializers.ListField(child=serializers.IntegerField(), help_text="0-based positions in dataValues.")
    rows = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Excel rows (.xlsx imports only)."
    )


class Dhis2ImportSummarySerializer(serializers.Serializer):
    responseType = serializers.CharField()
    status = PlainChoiceField(choices=["SUCCESS", "WARNING", "ERROR"], help_text="SUCCESS, WARNING or ERROR.")
    importOptions = serializers.DictField()
    description = serializers.CharField()
    importCount = Dhis2ImportCountSerializer()
    conflicts = Dhis2ImportConflictSerializer(many=True)
    rejectedIndexes = serializers.ListField(child=serializers.IntegerField())
    dataSetComplete = serializers.CharField()


class Dhis2WebMessageSerializer(serializers.Serializer):
    httpStatus = serializers.CharField()
    httpStatusCode = serializers.IntegerField()
    status = PlainChoiceField(choices=["OK", "WARNING", "ERROR"], help_text="OK, WARNING or ERROR.")
    message = serializers.CharField(required=False)
    errorCode = serializers.CharField(required=False)
    response = serializers.DictField(required=False)


class ImportJobSerializer(serializers.ModelSerializer):
    file = serializers.CharField(source="original_name", read_only=True)
    format = serializers.CharField(source="file_format", read_only=True)
    progress = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    status = PlainChoiceField(
        choices=ImportStatus.choices, read_only=True, help_text=choices_text(ImportStatus.choices)
    )
    url = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "page",
            "file",
            "format",
            "options",
            "status",
            "progress",
            "created_by",
            "created",
            "started",
            "finished",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "phase": {"type": "string"},
                "processed": {"type": "integer"},
                "total": {"type": "integer"},
                "percent": {"type": "integer"},
            },
        }
    )
    def get_progress(self, job: ImportJob) -> dict[str, Any]:
        return import_progress(job)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, job: ImportJob) -> str:
        return reverse("import-job-detail", args=[job.pk], request=self.context.get("request"))

    @extend_schema_field(OpenApiTypes.URI)
    def get_page(self, job: ImportJob) -> str:
        return reverse("indicators:import_detail", args=[job.pk], request=self.context.get("request"))


class ImportJobDetailSerializer(ImportJobSerializer):
    summary = serializers.SerializerMethodField()

    class Meta(ImportJobSerializer.Meta):
        fields = [*ImportJobSerializer.Meta.fields, "summary"]
        read_only_fields = fields

    @extend_schema_field(Dhis2ImportSummarySerializer(allow_null=True))
    def get_summary(self, job: ImportJob) -> dict[str, Any] | None:
        """DHIS2's ImportSummary once the import has finished."""
        return job.summary or None
