"""Training management (quản lý đào tạo): courses, the annual plan, classes, sponsored training, staffing norms."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ytcs.core.models import AuditedModel, UnitScopedModel
from ytcs.core.querysets import RestrictedQuerySet
from ytcs.orgunits.models import OrgUnitKind
from ytcs.workforce.models import (
    CME_CREDITS_PER_DAY_MAX,
    CatalogueEntry,
    Competency,
    Qualification,
    Staff,
    Title,
    national_id_validator,
)

MONEY = {"max_digits": 15, "decimal_places": 0, "validators": [MinValueValidator(0)]}
"""Amounts in đồng: whole numbers, up to 10¹⁵."""


class CourseKind(models.TextChoices):
    CONTINUING = "continuing", _("Continuing training (đào tạo liên tục)")
    CERTIFICATE = "certificate", _("Certificate course (cấp chứng chỉ)")
    SPECIALIST = "specialist", _("Specialist / postgraduate (chuyên khoa, sau đại học)")
    MANAGEMENT = "management", _("Management (quản lý)")


class FundingSource(models.TextChoices):
    STATE_BUDGET = "state_budget", _("State budget (ngân sách nhà nước)")
    TARGET_PROGRAMME = "target_programme", _("National target programme (chương trình mục tiêu)")
    PROJECT = "project", _("Project / ODA (dự án)")
    UNIT_FUND = "unit_fund", _("Unit's own revenue (nguồn thu sự nghiệp)")
    TRAINEE = "trainee", _("Trainee pays (tự túc)")
    OTHER = "other", _("Other")


class Course(CatalogueEntry):
    """Course (khóa đào tạo) from the province's managed catalogue: what a class teaches and what passing gives.

    Passing a class posts `credits` continuing-training hours and/or issues a certificate of `competency` to the
    participant's workforce record.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CourseKind.choices)
    provider = models.CharField(_("usual provider"), max_length=200, blank=True)
    credits = models.DecimalField(
        _("credit hours posted"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.5)],
        help_text=_("Continuing-training hours credited to each participant who passes."),
    )
    competency = models.ForeignKey(
        Competency,
        verbose_name=_("certificate issued"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
    )
    duration_days = models.PositiveSmallIntegerField(_("duration (days)"), default=1, validators=[MinValueValidator(1)])
    class_size = models.PositiveSmallIntegerField(
        _("participants per class"), default=30, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    unit_cost = models.DecimalField(_("cost per participant (đồng)"), default=0, **MONEY)
    target_titles = models.ManyToManyField(Title, verbose_name=_("target titles"), blank=True, related_name="+")
    source = models.CharField(_("source"), max_length=255, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind in (CourseKind.CONTINUING,) and not self.credits:
            raise ValidationError({"credits": _("A continuing-training course credits hours to those who pass.")})
        if self.kind == CourseKind.CERTIFICATE and not self.competency_id:
            raise ValidationError({"competency": _("A certificate course names the certificate it issues.")})


class NormKind(models.TextChoices):
    TITLE = "title", _("Staff with a title")
    COMPETENCY = "competency", _("Staff with a certificate")
    CME = "cme", _("Continuing-training hours")
    LICENCE = "licence", _("Licence renewal")


class StaffingNorm(CatalogueEntry):
    """Staffing norm (định mức nhân lực): what every unit of a kind should have, with the text it comes from.

    - title: at least `minimum` working staff holding one of `titles`;
    - competency: at least `minimum` working staff (of `titles`, if any) with a valid certificate of `competency`;
    - cme: every licensed person has the continuing-training hours of the rolling window (workforce rules);
    - licence: every licence expiring by the end of the plan year has the hours its renewal needs.

    `course` is the training that closes the gap and `candidate_titles` who may be sent to it. `confirmed` is
    False while the regulation behind the value has not been checked; the UI shows it.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=NormKind.choices)
    unit_kind = models.CharField(
        _("applies to units of kind"),
        max_length=20,
        choices=OrgUnitKind.choices,
        blank=True,
        help_text=_("Empty: every unit."),
    )
    titles = models.ManyToManyField(Title, verbose_name=_("titles that count"), blank=True, related_name="+")
    competency = models.ForeignKey(
        Competency, verbose_name=_("certificate"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minimum = models.PositiveSmallIntegerField(_("minimum"), default=1, validators=[MinValueValidator(1)])
    course = models.ForeignKey(
        Course,
        verbose_name=_("training that closes the gap"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="norms",
    )
    candidate_titles = models.ManyToManyField(Title, verbose_name=_("who may be trained"), blank=True, related_name="+")
    source = models.CharField(_("source"), max_length=500)
    confirmed = models.BooleanField(_("source checked"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("staffing norm")
        verbose_name_plural = _("staffing norms")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind == NormKind.COMPETENCY and not self.competency_id:
            raise ValidationError({"competency": _("A certificate norm names the certificate.")})
        if self.kind != NormKind.COMPETENCY and self.competency_id:
            raise ValidationError({"competency": _("Only a certificate norm names a certificate.")})
        if self.kind in (NormKind.CME, NormKind.LICENCE) and self.unit_kind:
            raise ValidationError({"unit_kind": _("Hours and licences apply to people in every unit.")})
        if self.kind in (NormKind.TITLE, NormKind.COMPETENCY) and not self.unit_kind:
            raise ValidationError({"unit_kind": _("Say which kind of unit the norm applies to.")})


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted")
    CLOSED = "closed", _("Ended")


class TrainingPlan(UnitScopedModel):
    """Annual training plan (kế hoạch đào tạo) of a unit, usually the province; seen by the units below it."""

    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("planning unit"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    from_needs = models.BooleanField(_("proposed from the needs analysis"), default=False)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    decision = models.CharField(_("decision number"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)

    scope_view_includes_ancestors = True

    class Meta:
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        ordering = ["-year", "name"]
        constraints = [models.UniqueConstraint(fields=["orgunit", "year", "name"], name="unique_plan_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def clean(self) -> None:
        if self.status == PlanStatus.ADOPTED and not self.adopted_on:
            raise ValidationError({"adopted_on": _("Give the date the plan was adopted.")})


class LineStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    POSTPONED = "postponed", _("Postponed")
    CANCELLED = "cancelled", _("Cancelled")


class PlanScoped(AuditedModel):
    """Base of the rows of a plan: seen and changed with the plan."""

    objects = RestrictedQuerySet.as_manager()
    scope_view_includes_ancestors = True

    class Meta:
        abstract = True


class LineScoped(PlanScoped):
    """Base of the rows of a plan line: seen and changed with the line's plan."""

    scope_path_field = "line__plan__orgunit__path"

    class Meta:
        abstract = True

    @property
    def audit_scope_path(self) -> str:
        return self.line.plan.orgunit.path


class PlannedCourse(PlanScoped):
    """A line of the plan: a course for one group of units (usually a region), its seats, budget and status."""

    plan = models.ForeignKey(TrainingPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="lines")
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("for units of"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The region (or other unit) whose staff the line trains."),
    )
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    classes = models.PositiveSmallIntegerField(_("classes"), default=1, validators=[MinValueValidator(1)])
    budget = models.DecimalField(_("budget (đồng)"), default=0, **MONEY)
    funding_source = models.CharField(
        _("funding source"), max_length=20, choices=FundingSource.choices, default=FundingSource.STATE_BUDGET
    )
    status = models.CharField(_("status"), max_length=12, choices=LineStatus.choices, default=LineStatus.PLANNED)
    note = models.CharField(_("note"), max_length=500, blank=True)

    scope_path_field = "plan__orgunit__path"

    class Meta:
        verbose_name = _("planned course")
        verbose_name_plural = _("planned courses")
        ordering = ["plan", "course__name", "group__code"]
        constraints = [models.UniqueConstraint(fields=["plan", "course", "group"], name="unique_plan_line")]

    def __str__(self) -> str:
        return f"{self.course} – {self.group}"

    @property
    def audit_scope_path(self) -> str:
        return self.plan.orgunit.path


class PlannedSeat(LineScoped):
    """Seats of a plan line given to one unit (chỉ tiêu đào tạo của đơn vị)."""

    line = models.ForeignKey(PlannedCourse, verbose_name=_("plan line"), on_delete=models.CASCADE, related_name="seats")
    orgunit = models.ForeignKey("orgunits.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    seats = models.PositiveSmallIntegerField(_("seats"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("seats of a unit")
        verbose_name_plural = _("seats of units")
        ordering = ["line", "orgunit__path"]
        constraints = [models.UniqueConstraint(fields=["line", "orgunit"], name="unique_line_unit_seats")]

    def __str__(self) -> str:
        return f"{self.orgunit.code}: {self.seats}"


class NeedReason(models.TextChoices):
    TITLE = "title", _("Missing title")
    COMPETENCY = "competency", _("Missing certificate")
    CME = "cme", _("Continuing-training hours short")
    LICENCE = "licence", _("Licence to renew")
    CHOSEN = "chosen", _("Chosen by the planner")


class PlannedTrainee(LineScoped):
    """A person the plan proposes to train on a line, and the gap that put them there."""

    line = models.ForeignKey(
        PlannedCourse, verbose_name=_("plan line"), on_delete=models.CASCADE, related_name="trainees"
    )
    staff = models.ForeignKey(Staff, verbose_name=_("health worker"), on_delete=models.CASCADE, related_name="+")
    orgunit = models.ForeignKey("orgunits.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=12, choices=NeedReason.choices)
    norm = models.ForeignKey(
        StaffingNorm, verbose_name=_("norm"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("proposed trainee")
        verbose_name_plural = _("proposed trainees")
        ordering = ["line", "orgunit__path", "staff__full_name"]
        constraints = [models.UniqueConstraint(fields=["line", "staff"], name="unique_line_trainee")]

    def __str__(self) -> str:
        return f"{self.staff} – {self.line.course}"


class ClassStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class TrainingClass(UnitScopedModel):
    """A class (lớp đào tạo) of a course run by a unit; its participants come from that unit's subtree.

    Passing gives the class's credit hours and/or certificate; a class of a specialist or management course may
    give neither (its completion is then the record of who finished).

    Classes of a unit are visible below it, so a station head sees the provincial classes to enrol staff in.
    """

    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("organising unit"), on_delete=models.PROTECT, related_name="+"
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="classes")
    line = models.ForeignKey(
        PlannedCourse,
        verbose_name=_("plan line"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_classes",
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    location = models.CharField(_("location"), max_length=300, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=30, validators=[MinValueValidator(1)])
    credits = models.DecimalField(
        _("credit hours posted"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.5)],
    )
    competency = models.ForeignKey(
        Competency,
        verbose_name=_("certificate issued"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cost = models.DecimalField(_("actual cost (đồng)"), null=True, blank=True, **MONEY)
    funding_source = models.CharField(
        _("funding source"), max_length=20, choices=FundingSource.choices, default=FundingSource.STATE_BUDGET
    )
    status = models.CharField(_("status"), max_length=10, choices=ClassStatus.choices, default=ClassStatus.SCHEDULED)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Diacritic-folded code, name and provider, matched by the search box.
    search_text = models.CharField(max_length=500, editable=False, default="")

    scope_view_includes_ancestors = True
    audit_exclude = ("search_text",)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["-starts_on", "code"]
        indexes = [
            # Reports by year: completed classes ending in a period.
            models.Index(fields=["status", "ends_on"], name="class_status_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = [_("The end date must be on or after the start date.")]
        gives_something = self.course_id and self.course.kind in (CourseKind.CONTINUING, CourseKind.CERTIFICATE)
        if gives_something and not self.credits and not self.competency_id:
            errors["credits"] = [_("Passing a class gives credit hours, a certificate or both: give at least one.")]
        if self.credits and self.starts_on and self.ends_on and self.ends_on >= self.starts_on:
            days = (self.ends_on - self.starts_on).days + 1
            if self.credits > CME_CREDITS_PER_DAY_MAX * days:
                errors["credits"] = [
                    _("At most %(n)d credit hours a day: %(max)d for these dates.")
                    % {"n": CME_CREDITS_PER_DAY_MAX, "max": CME_CREDITS_PER_DAY_MAX * days}
                ]
        if self.status == ClassStatus.COMPLETED and not self.completed_on:
            errors["completed_on"] = [_("Give the date the class was completed.")]
        if self.completed_on and self.starts_on and self.completed_on < self.starts_on:
            errors.setdefault("completed_on", []).append(_("A class cannot be completed before it starts."))
        if errors:
            raise ValidationError(errors)


class EnrolmentResult(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Enrolment(AuditedModel):
    """A participant of a class (học viên): attendance and result; what passing posted to their record."""

    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="enrolments"
    )
    staff = models.ForeignKey(Staff, verbose_name=_("health worker"), on_delete=models.CASCADE, related_name="+")
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    days_attended = models.PositiveSmallIntegerField(_("days attended"), null=True, blank=True)
    result = models.CharField(
        _("result"), max_length=10, choices=EnrolmentResult.choices, default=EnrolmentResult.ENROLLED
    )
    score = models.DecimalField(
        _("score"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    cme_activity = models.OneToOneField(
        "workforce.CmeActivity", on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolment"
    )
    certificate = models.OneToOneField(
        "workforce.Certificate", on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolment"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "staff__orgunit__path"
    # The organiser of the class sees (and records results of) every participant.
    scope_view_path_fields = ("training_class__orgunit__path",)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["training_class", "staff__full_name"]
        constraints = [models.UniqueConstraint(fields=["training_class", "staff"], name="unique_enrolment")]

    def __str__(self) -> str:
        return f"{self.staff} – {self.training_class.code}"

    @property
    def audit_scope_path(self) -> str:
        return self.staff.orgunit.path


class SponsorshipKind(models.TextChoices):
    SENT = "sent", _("Sent for training (cử đi đào tạo)")
    NOMINATED = "nominated", _("Nominated student (cử tuyển)")
    ADDRESSED = "addressed", _("Training for a named unit (đào tạo theo địa chỉ)")


class SponsorshipStatus(models.TextChoices):
    STUDYING = "studying", _("In training")
    SERVING = "serving", _("Serving the commitment")
    FULFILLED = "fulfilled", _("Commitment fulfilled")
    BREACHED = "breached", _("Commitment breached")


class Sponsorship(UnitScopedModel):
    """Sponsored long-term training (cử đi đào tạo dài hạn, cử tuyển, đào tạo theo địa chỉ) with its service
    commitment (cam kết phục vụ): who was sent, for what, at what cost, where they must serve and for how long.

    The sending unit (`orgunit`) owns the record; the unit where the person must serve sees it too.
    """

    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("sending unit"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SponsorshipKind.choices)
    staff = models.ForeignKey(
        Staff,
        verbose_name=_("health worker"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sponsorships",
        help_text=_("Empty for a student who is not yet on the staff (cử tuyển)."),
    )
    trainee_name = models.CharField(_("trainee"), max_length=150)
    national_id = models.CharField(
        _("citizen ID (CCCD)"), max_length=12, blank=True, validators=[national_id_validator]
    )
    programme = models.CharField(_("programme (ngành, chuyên ngành)"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=Qualification.choices)
    target_title = models.ForeignKey(
        Title,
        verbose_name=_("title on graduation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    institution = models.CharField(_("training institution"), max_length=200)
    decision = models.CharField(_("decision number"), max_length=100, blank=True)
    starts_on = models.DateField(_("training starts"))
    expected_return_on = models.DateField(_("expected return"))
    cost = models.DecimalField(_("cost paid (đồng)"), default=0, **MONEY)
    funding_source = models.CharField(
        _("funding source"), max_length=20, choices=FundingSource.choices, default=FundingSource.STATE_BUDGET
    )
    commitment_years = models.DecimalField(
        _("years of service committed"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(30)],
    )
    serve_unit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("unit to serve"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SponsorshipStatus.choices, default=SponsorshipStatus.STUDYING
    )
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    commitment_ends_on = models.DateField(_("commitment ends"), null=True, blank=True, editable=False)
    breached_on = models.DateField(_("left on"), null=True, blank=True)
    breach_reason = models.CharField(_("reason for leaving"), max_length=300, blank=True)
    reimbursement_due = models.DecimalField(_("amount to reimburse (đồng)"), null=True, blank=True, **MONEY)
    reimbursement_rule = models.CharField(_("rule applied"), max_length=300, blank=True)
    reimbursed = models.DecimalField(_("amount reimbursed (đồng)"), default=0, **MONEY)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Diacritic-folded name, CCCD, programme and institution, matched by the search box.
    search_text = models.CharField(max_length=700, editable=False, default="")

    scope_view_path_fields = ("serve_unit__path",)
    audit_exclude = ("search_text",)

    class Meta:
        verbose_name = _("sponsored training")
        verbose_name_plural = _("sponsored trainings")
        ordering = ["expected_return_on", "trainee_name"]
        indexes = [
            # Upcoming returns: studying, expected back before a date.
            models.Index(fields=["status", "expected_return_on"], name="sponsorship_return_idx"),
        ]
        constraints = [
            # A person is sent on one programme at a time.
            models.UniqueConstraint(
                fields=["staff"],
                condition=Q(status="studying"),
                name="one_open_sponsorship",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee_name} – {self.programme}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.starts_on and self.expected_return_on and self.expected_return_on <= self.starts_on:
            errors["expected_return_on"] = [_("The expected return must come after the training starts.")]
        if self.returned_on and self.starts_on and self.returned_on < self.starts_on:
            errors["returned_on"] = [_("The return cannot come before the training starts.")]
        if self.breached_on and self.starts_on and self.breached_on < self.starts_on:
            errors["breached_on"] = [_("The person cannot leave before the training starts.")]
        if self.breached_on and self.returned_on and self.breached_on < self.returned_on:
            errors["breached_on"] = [_("The person cannot leave before returning; leave the return date empty.")]
        if self.reimbursed and self.reimbursement_due is not None and self.reimbursed > self.reimbursement_due:
            errors["reimbursed"] = [_("More than the amount to reimburse.")]
        if errors:
            raise ValidationError(errors)
