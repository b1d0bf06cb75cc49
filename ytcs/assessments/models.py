"""Criteria-based assessments (đánh giá theo bộ tiêu chí): versioned frameworks, yearly assessments of a unit,
their answers and evidence."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ytcs.core.models import AuditedModel, UnitScopedModel
from ytcs.core.querysets import RestrictedQuerySet
from ytcs.workforce.models import CatalogueEntry

POINTS = {"max_digits": 7, "decimal_places": 2}


class Scoring(models.TextChoices):
    POINTS = "points", _("Points (sum of items, per criterion and in total)")
    DOMAIN_MEAN = "domain_mean", _("Index: mean of domain percentages (WHO SARA)")


class Framework(CatalogueEntry):
    """Assessment framework (bộ tiêu chí), one row per version of its text: criteria → items, and the pass rule.

    Frameworks are data (YAML files under data/frameworks, importable and exportable); `confirmed` says whether
    every value was checked against the source, and `notes` what could not be.
    """

    code = models.SlugField(_("code"), max_length=40)
    version = models.CharField(_("version"), max_length=20)
    name = models.CharField(_("name"), max_length=300)
    source = models.CharField(_("source"), max_length=500)
    confirmed = models.BooleanField(_("source checked"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    unit_kinds = models.JSONField(_("applies to units of kind"), default=list)
    scoring = models.CharField(_("scoring"), max_length=20, choices=Scoring.choices)
    pass_total_min = models.DecimalField(_("minimum total to pass"), null=True, blank=True, **POINTS)
    pass_criterion_min_percent = models.DecimalField(
        _("minimum % of each criterion"),
        null=True,
        blank=True,
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    pass_rule_confirmed = models.BooleanField(_("pass rule checked"), default=False)
    pass_rule_source = models.CharField(_("source of the pass rule"), max_length=500, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("assessment framework")
        verbose_name_plural = _("assessment frameworks")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="unique_framework_version")]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class Criterion(AuditedModel):
    """A criterion (tiêu chí) of a framework; for an index framework, a domain."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=300)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    max_points = models.DecimalField(_("maximum points"), null=True, blank=True, **POINTS)
    min_points = models.DecimalField(_("minimum points to pass"), null=True, blank=True, **POINTS)
    confirmed = models.BooleanField(_("source checked"), default=False)
    source = models.CharField(_("source"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["framework", "order"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="unique_criterion_code")]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"

    @property
    def audit_scope_path(self) -> str:
        return "/"


class ItemType(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")
    POINTS = "points", _("Points")


class Item(AuditedModel):
    """An item (nội dung, chỉ số) of a criterion: what is asked, how it scores, whether evidence is required and
    which registry fact pre-fills it."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(_("code"), max_length=30)
    text = models.CharField(_("text"), max_length=1000)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    type = models.CharField(_("type"), max_length=10, choices=ItemType.choices)
    max_points = models.DecimalField(_("maximum points"), null=True, blank=True, **POINTS)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    confirmed = models.BooleanField(_("source checked"), default=False)
    source = models.CharField(_("source"), max_length=500, blank=True)
    prefill = models.CharField(_("pre-filled from"), max_length=80, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    thresholds = models.JSONField(_("thresholds"), default=list, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["criterion__order", "order"]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:80]}"

    @property
    def audit_scope_path(self) -> str:
        return "/"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (self-assessment)")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned with comments")
    VERIFIED = "verified", _("Verified")


class Assessment(UnitScopedModel):
    """A unit's assessment against a framework for one year: self-assessed, submitted, then verified or returned
    by the level above."""

    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assessments"
    )
    framework = models.ForeignKey(
        Framework, verbose_name=_("framework"), on_delete=models.PROTECT, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("verifier's comments"), blank=True)
    # Kept from the last submission or verification, so rankings and comparisons are one query.
    total = models.DecimalField(_("total"), null=True, blank=True, **POINTS)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    failed_criteria = models.JSONField(_("failed criteria"), default=list, blank=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-year", "orgunit__path"]
        constraints = [models.UniqueConstraint(fields=["orgunit", "framework", "year"], name="one_assessment_per_year")]
        indexes = [
            # Province ranking: the verified assessments of a framework and year.
            models.Index(fields=["framework", "year", "status"], name="assessment_rank_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.orgunit.code} {self.framework.code} {self.year}"


class Answer(AuditedModel):
    """The answer to one item: its value, the registry's value when pre-filled, and the reason for overriding it."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField(_("value"), null=True, blank=True)
    prefilled_value = models.JSONField(_("value from the registry"), null=True, blank=True)
    prefill_source = models.CharField(_("registry source"), max_length=300, blank=True)
    override_reason = models.CharField(_("reason for overriding the registry"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "assessment__orgunit__path"

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["assessment", "item__criterion__order", "item__order"]
        constraints = [models.UniqueConstraint(fields=["assessment", "item"], name="one_answer_per_item")]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.value}"

    @property
    def audit_scope_path(self) -> str:
        return self.assessment.orgunit.path

    def clean(self) -> None:
        overridden = self.prefill_source and self.value is not None and self.value != self.prefilled_value
        if overridden and not self.override_reason.strip():
            raise ValidationError(
                {"override_reason": _("The registry says otherwise: give the reason for overriding it.")}
            )


class Evidence(AuditedModel):
    """A file attached as evidence (minh chứng): a photo, scanned minutes. Stored under the media root, outside
    the web root, and served only through a view that checks the viewer's scope."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "assessment__orgunit__path"
    # The storage path is ours and says nothing to a reader; the history shows the original name instead.
    audit_exclude = ("file",)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["assessment", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def audit_scope_path(self) -> str:
        return self.assessment.orgunit.path
