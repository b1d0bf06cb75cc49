from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ytcs.orgunits.api.serializers import ScopedUnitField
from ytcs.workforce.models import (
    Certificate,
    CmeActivity,
    Competency,
    Licence,
    MoveKind,
    Posting,
    Staff,
    StaffStatus,
    Title,
    national_id_validator,
)
from ytcs.workforce.rules import cme_rule
from ytcs.workforce.selectors import cme_window, competency_list, title_list


class TitleSerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = Title
        fields = ["code", "name", "category", "category_display", "counts_as_doctor", "needs_licence", "source"]


class CompetencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Competency
        fields = ["code", "name", "validity_years", "source"]


class LicenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Licence
        fields = ["id", "number", "issuer", "scope", "issued_on", "valid_until", "revoked_on"]
        # Uniqueness (issuer, number) and the date rules are checked by the service (full_clean).
        validators: list = []


class CertificateSerializer(serializers.ModelSerializer):
    competency = serializers.SlugRelatedField(
        slug_field="code", queryset=competency_list(), help_text="Code of a competency from the catalogue."
    )
    competency_name = serializers.CharField(source="competency.name", read_only=True)

    class Meta:
        model = Certificate
        fields = ["id", "competency", "competency_name", "number", "issuer", "issued_on", "expires_on"]
        extra_kwargs = {
            "expires_on": {"help_text": "Empty: computed from the catalogue's validity, or no expiry."},
        }


class CmeActivitySerializer(serializers.ModelSerializer):
    credits = serializers.DecimalField(max_digits=6, decimal_places=1, min_value=Decimal("0.5"), coerce_to_string=False)

    class Meta:
        model = CmeActivity
        fields = ["id", "name", "provider", "started_on", "ended_on", "credits", "evidence"]


class PostingSerializer(serializers.ModelSerializer):
    orgunit = serializers.CharField(source="orgunit.code", read_only=True)
    orgunit_name = serializers.CharField(source="orgunit.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Posting
        fields = [
            "id",
            "orgunit",
            "orgunit_name",
            "kind",
            "kind_display",
            "started_on",
            "ended_on",
            "expected_return_on",
            "decision",
            "note",
        ]
        read_only_fields = fields


class StaffSerializer(serializers.ModelSerializer):
    """A health worker with their records nested (read-only; each has its own endpoint for writes)."""

    orgunit = ScopedUnitField(help_text="Code of the work unit: set on creation, changed only by a move.")
    orgunit_name = serializers.CharField(source="orgunit.name", read_only=True)
    title = serializers.SlugRelatedField(
        slug_field="code", queryset=title_list(), help_text="Code of a professional title from the catalogue."
    )
    title_name = serializers.CharField(source="title.name", read_only=True)
    posted_on = serializers.DateField(
        write_only=True, required=False, help_text="Creation only: first day at the unit (default: the start date)."
    )
    decision = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=100, help_text="Creation only: decision number."
    )
    licences = LicenceSerializer(many=True, read_only=True)
    certificates = CertificateSerializer(many=True, read_only=True)
    cme_activities = CmeActivitySerializer(many=True, read_only=True)
    postings = PostingSerializer(many=True, read_only=True)
    cme_window_start = serializers.SerializerMethodField()
    cme_credits_in_window = serializers.SerializerMethodField()
    cme_credits_required = serializers.SerializerMethodField()

    class Meta:
        model = Staff
        fields = [
            "id",
            "full_name",
            "sex",
            "birth_date",
            "national_id",
            "phone",
            "email",
            "title",
            "title_name",
            "qualification",
            "specialty",
            "employment_type",
            "position",
            "orgunit",
            "orgunit_name",
            "started_on",
            "posted_on",
            "decision",
            "ended_on",
            "status",
            "licences",
            "certificates",
            "cme_activities",
            "postings",
            "cme_window_start",
            "cme_credits_in_window",
            "cme_credits_required",
        ]
        read_only_fields = ["id", "ended_on", "status"]
        # CCCD uniqueness is checked by the service (full_clean) inside the write's transaction.
        extra_kwargs = {"national_id": {"validators": [national_id_validator]}}

    def validate(self, attrs):
        if self.instance is not None:
            errors = {}
            if "orgunit" in attrs and attrs["orgunit"].pk != self.instance.orgunit_id:
                errors["orgunit"] = [_("The work unit changes only through a move (POST …/move/).")]
            for name in ("posted_on", "decision"):
                if name in attrs:
                    errors[name] = [_("This field is only accepted when the person is registered.")]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs

    def _cme_window(self):
        if "cme_window" not in self.context:
            self.context["cme_window"] = cme_window(on=self.context.get("on") or timezone.localdate())
        return self.context["cme_window"]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_cme_window_start(self, staff: Staff):
        return self._cme_window()[0]

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_cme_credits_in_window(self, staff: Staff):
        # From the prefetched activities: no query per person.
        start, end = self._cme_window()
        return sum((a.credits for a in staff.cme_activities.all() if start <= a.ended_on <= end), Decimal(0))

    @extend_schema_field(OpenApiTypes.INT)
    def get_cme_credits_required(self, staff: Staff) -> int:
        return cme_rule().credits


class StaffBriefSerializer(serializers.ModelSerializer):
    """A person as listed in the follow-up lists (licences, continuing training)."""

    title = serializers.CharField(source="title.code", read_only=True)
    title_name = serializers.CharField(source="title.name", read_only=True)
    orgunit = serializers.CharField(source="orgunit.code", read_only=True)
    orgunit_name = serializers.CharField(source="orgunit.name", read_only=True)

    class Meta:
        model = Staff
        fields = ["id", "full_name", "title", "title_name", "position", "orgunit", "orgunit_name", "phone"]
        read_only_fields = fields


class ExpiringLicenceSerializer(LicenceSerializer):
    staff = StaffBriefSerializer(read_only=True)

    class Meta(LicenceSerializer.Meta):
        fields = [*LicenceSerializer.Meta.fields, "staff"]


class CmeStandingSerializer(StaffBriefSerializer):
    cme_credits = serializers.DecimalField(max_digits=8, decimal_places=1, coerce_to_string=False, read_only=True)
    cme_required = serializers.IntegerField(read_only=True)

    class Meta(StaffBriefSerializer.Meta):
        fields = [*StaffBriefSerializer.Meta.fields, "cme_credits", "cme_required"]
        read_only_fields = fields


class StaffMoveSerializer(serializers.Serializer):
    to_unit = serializers.CharField(help_text="Code of the unit the person moves to (you need rights on both ends).")
    kind = serializers.ChoiceField(choices=[c for c in MoveKind.choices if c[0] != MoveKind.HIRE])
    on = serializers.DateField(help_text="First day at the new unit.")
    expected_return_on = serializers.DateField(
        required=False, allow_null=True, help_text="Rotation or secondment only: expected return date."
    )
    decision = serializers.CharField(required=False, allow_blank=True, max_length=100)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class StaffEndSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in (StaffStatus.RETIRED, StaffStatus.LEFT)])
    on = serializers.DateField(help_text="Last working day.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class FollowUpQuerySerializer(serializers.Serializer):
    """Parameters of the follow-up lists (working people in the caller's scope)."""

    orgunit = serializers.CharField(required=False, help_text="Code of a unit: its whole subtree.")
    title = serializers.CharField(required=False, help_text="Code of a professional title.")
    q = serializers.CharField(required=False, help_text="Search name, CCCD or phone; diacritics are ignored.")
    on = serializers.DateField(required=False, help_text="Date of the check (default: today).")


class LicenceExpiringQuerySerializer(FollowUpQuerySerializer):
    within_months = serializers.IntegerField(
        required=False, min_value=1, max_value=60, help_text="Licences expiring within this many months (default 6)."
    )
