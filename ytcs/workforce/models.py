"""The health workforce registry: staff, their postings, licences, certificates and continuing training."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.core.dates import add_years
from ytcs.core.models import AuditedModel, UnitScopedModel
from ytcs.core.querysets import RestrictedQuerySet

national_id_validator = RegexValidator(r"^\d{12}$", _("A citizen ID (CCCD) has exactly 12 digits."))


class TitleCategory(models.TextChoices):
    DOCTOR = "doctor", _("Doctor")
    PHYSICIAN_ASSISTANT = "physician_assistant", _("Assistant physician")
    NURSE = "nurse", _("Nurse")
    MIDWIFE = "midwife", _("Midwife")
    TECHNICIAN = "technician", _("Medical technician")
    PHARMACIST = "pharmacist", _("Pharmacist")
    PHARMACY_ASSISTANT = "pharmacy_assistant", _("Pharmacy assistant")
    VILLAGE_HEALTH_WORKER = "village_health_worker", _("Village health worker")
    OTHER = "other", _("Other")


class CatalogueEntry(AuditedModel):
    """Base of the shared catalogues: audited like every change, filed at the root of the tree ("/")."""

    class Meta:
        abstract = True

    @property
    def audit_scope_path(self) -> str:
        return "/"


class Title(CatalogueEntry):
    """Professional title (chức danh chuyên môn): a managed catalogue.

    `counts_as_doctor` decides who enters "doctors per 10,000 population" and "station has a doctor";
    `needs_licence` decides who must hold a practising licence (Law 15/2023/QH15, Art. 26 lists the titles).
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    category = models.CharField(_("category"), max_length=30, choices=TitleCategory.choices)
    counts_as_doctor = models.BooleanField(_("counts as a doctor"), default=False)
    needs_licence = models.BooleanField(_("needs a practising licence"), default=True)
    source = models.CharField(_("source"), max_length=255, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("professional title")
        verbose_name_plural = _("professional titles")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Competency(CatalogueEntry):
    """Certificate or competency (chứng chỉ, năng lực chuyên môn) from a managed catalogue, e.g. general ultrasound."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    validity_years = models.PositiveSmallIntegerField(
        _("validity (years)"), null=True, blank=True, help_text=_("Empty when the certificate does not expire.")
    )
    source = models.CharField(_("source"), max_length=255, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Qualification(models.TextChoices):
    """Highest qualification (trình độ chuyên môn cao nhất)."""

    ELEMENTARY = "elementary", _("Elementary (sơ cấp)")
    SECONDARY = "secondary", _("Vocational secondary (trung cấp)")
    COLLEGE = "college", _("College (cao đẳng)")
    UNIVERSITY = "university", _("University (đại học)")
    SPECIALIST_1 = "specialist_1", _("Specialist level I (chuyên khoa I)")
    MASTER = "master", _("Master (thạc sĩ)")
    RESIDENT = "resident", _("Residency doctor (bác sĩ nội trú)")
    SPECIALIST_2 = "specialist_2", _("Specialist level II (chuyên khoa II)")
    DOCTORATE = "doctorate", _("Doctorate (tiến sĩ)")


class EmploymentType(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", _("Public employee (viên chức)")
    CONTRACT = "contract", _("Labour contract (hợp đồng lao động)")
    TRAINEE = "trainee", _("Trainee / probation (tập sự)")
    VOLUNTEER = "volunteer", _("Volunteer / allowance (hưởng phụ cấp)")


class Position(models.TextChoices):
    HEAD = "head", _("Head (trưởng trạm, giám đốc)")
    DEPUTY = "deputy", _("Deputy (phó trạm, phó giám đốc)")
    STAFF = "staff", _("Staff (nhân viên)")


class StaffStatus(models.TextChoices):
    ACTIVE = "active", _("Working")
    RETIRED = "retired", _("Retired")
    LEFT = "left", _("Left")


MIN_AGE, MAX_AGE = 15, 75
"""Plausible ages of a working health worker: a typing error in a birth date is caught on every channel."""


class Staff(UnitScopedModel):
    """Health worker (cán bộ y tế): one record per person, attached to the unit where they work now."""

    full_name = models.CharField(_("full name"), max_length=150)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    national_id = models.CharField(
        _("citizen ID (CCCD)"), max_length=12, unique=True, validators=[national_id_validator]
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    title = models.ForeignKey(Title, verbose_name=_("professional title"), on_delete=models.PROTECT)
    qualification = models.CharField(_("highest qualification"), max_length=20, choices=Qualification.choices)
    specialty = models.CharField(_("specialty"), max_length=150, blank=True)
    employment_type = models.CharField(_("employment type"), max_length=20, choices=EmploymentType.choices)
    position = models.CharField(_("position"), max_length=10, choices=Position.choices, default=Position.STAFF)
    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("work unit"), on_delete=models.PROTECT, related_name="staff"
    )
    started_on = models.DateField(_("start date in the sector"))
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=StaffStatus.choices, default=StaffStatus.ACTIVE)
    # Diacritic-folded name, CCCD and phone, matched by the search box.
    search_text = models.CharField(max_length=300, editable=False, default="")

    audit_exclude = ("search_text",)

    class Meta:
        verbose_name = _("health worker")
        verbose_name_plural = _("health workers")
        ordering = ["full_name", "id"]
        indexes = [
            # Lists and headcounts per unit: WHERE orgunit_id = ? AND status = 'active'.
            models.Index(fields=["orgunit", "status"], name="staff_unit_status_idx"),
            # Headcount by title across a subtree.
            models.Index(fields=["title", "status"], name="staff_title_status_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        errors: dict[str, list] = {}
        today = timezone.localdate()
        if self.birth_date and not add_years(today, -MAX_AGE) <= self.birth_date <= add_years(today, -MIN_AGE):
            errors["birth_date"] = [
                _("The birth date must make the person between %(min)d and %(max)d years old.")
                % {"min": MIN_AGE, "max": MAX_AGE}
            ]
        if self.started_on and self.started_on > today:
            errors.setdefault("started_on", []).append(_("The start date cannot be in the future."))
        if self.birth_date and self.started_on and self.started_on < add_years(self.birth_date, 15):
            errors["started_on"] = [_("The start date must be at least 15 years after the birth date.")]
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            errors["ended_on"] = [_("The end date must be on or after the start date.")]
        if self.status != StaffStatus.ACTIVE and not self.ended_on:
            errors["ended_on"] = [_("Give the date the person retired or left.")]
        if self.status == StaffStatus.ACTIVE and self.ended_on:
            errors["status"] = [_("A person with an end date is no longer working: choose retired or left.")]
        if errors:
            raise ValidationError(errors)


class MoveKind(models.TextChoices):
    HIRE = "hire", _("Recruitment (tuyển dụng)")
    TRANSFER = "transfer", _("Transfer (điều chuyển)")
    ROTATION = "rotation", _("Rotation (luân chuyển)")
    SECONDMENT = "secondment", _("Secondment (điều động, Đề án 1816)")
    RETURN = "return", _("Return from rotation or secondment")


class Posting(UnitScopedModel):
    """A period of work at one unit (quá trình công tác): how the person came and, once over, when it ended.

    Postings give the workforce on any past date; a temporary move (rotation, secondment) carries the
    expected return date.
    """

    staff = models.ForeignKey(Staff, verbose_name=_("health worker"), on_delete=models.CASCADE, related_name="postings")
    orgunit = models.ForeignKey("orgunits.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of move"), max_length=12, choices=MoveKind.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    expected_return_on = models.DateField(_("expected return"), null=True, blank=True)
    decision = models.CharField(_("decision number"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["staff", "-started_on"]
        constraints = [
            # At most one open posting per person: where they work now.
            models.UniqueConstraint(fields=["staff"], condition=Q(ended_on__isnull=True), name="one_open_posting"),
        ]
        indexes = [
            # Workforce on a date: postings of a unit covering the date.
            models.Index(fields=["orgunit", "started_on", "ended_on"], name="posting_unit_dates_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} @ {self.orgunit.code} {self.started_on:%d/%m/%Y}"

    def clean(self) -> None:
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("The end date must be on or after the start date.")})
        if self.expected_return_on and self.started_on and self.expected_return_on <= self.started_on:
            raise ValidationError({"expected_return_on": _("The expected return must come after the move.")})


class StaffRecord(AuditedModel):
    """Base of the records kept about one person: they belong to the person's current unit."""

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "staff__orgunit__path"

    class Meta:
        abstract = True

    @property
    def audit_scope_path(self) -> str:
        return self.staff.orgunit.path


class Licence(StaffRecord):
    """Practising licence (giấy phép hành nghề; before 2024: chứng chỉ hành nghề)."""

    staff = models.ForeignKey(Staff, verbose_name=_("health worker"), on_delete=models.CASCADE, related_name="licences")
    number = models.CharField(_("licence number"), max_length=60)
    issuer = models.CharField(_("issued by"), max_length=200)
    scope = models.CharField(_("scope of practice"), max_length=300, blank=True)
    issued_on = models.DateField(_("issue date"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty for a pre-2024 certificate with no end date.")
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("practising licence")
        verbose_name_plural = _("practising licences")
        ordering = ["staff", "-issued_on"]
        constraints = [models.UniqueConstraint(fields=["issuer", "number"], name="unique_licence_number")]
        indexes = [
            # Licences expiring in the next months.
            models.Index(fields=["valid_until"], name="licence_valid_until_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.staff})"

    def clean(self) -> None:
        if self.valid_until and self.issued_on and self.valid_until <= self.issued_on:
            raise ValidationError({"valid_until": _("A licence must expire after its issue date.")})
        if self.revoked_on and self.issued_on and self.revoked_on < self.issued_on:
            raise ValidationError({"revoked_on": _("A licence cannot be revoked before it was issued.")})


class Certificate(StaffRecord):
    """A competency certificate held by a person (chứng chỉ đào tạo: siêu âm, điện tâm đồ...)."""

    staff = models.ForeignKey(
        Staff, verbose_name=_("health worker"), on_delete=models.CASCADE, related_name="certificates"
    )
    competency = models.ForeignKey(Competency, verbose_name=_("competency"), on_delete=models.PROTECT)
    number = models.CharField(_("certificate number"), max_length=60, blank=True)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    issued_on = models.DateField(_("issue date"))
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["staff", "competency"]
        indexes = [
            # Stations with / without a competency: certificates by competency.
            models.Index(fields=["competency", "expires_on"], name="certificate_comp_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.competency} ({self.staff})"

    def clean(self) -> None:
        if self.expires_on and self.issued_on and self.expires_on <= self.issued_on:
            raise ValidationError({"expires_on": _("A certificate must expire after its issue date.")})


CME_CREDITS_PER_DAY_MAX = 10
"""Plausibility bound: a credit is one lesson (tiết); no course day holds more than ten (a typing-error guard)."""


class CmeActivity(StaffRecord):
    """Continuing-training activity (hoạt động cập nhật kiến thức y khoa liên tục) with its credit hours."""

    staff = models.ForeignKey(
        Staff, verbose_name=_("health worker"), on_delete=models.CASCADE, related_name="cme_activities"
    )
    name = models.CharField(_("activity"), max_length=300)
    provider = models.CharField(_("organised by"), max_length=200, blank=True)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"))
    credits = models.DecimalField(
        _("credit hours"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0.5)]
    )
    evidence = models.CharField(_("certificate or evidence number"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("continuing-training activity")
        verbose_name_plural = _("continuing-training activities")
        ordering = ["staff", "-ended_on"]
        indexes = [
            # Credits in the rolling window: SUM(credits) WHERE staff_id = ? AND ended_on > ?.
            models.Index(fields=["staff", "ended_on"], name="cme_staff_ended_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.credits})"

    def clean(self) -> None:
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("The end date must be on or after the start date.")})
        if self.ended_on and self.started_on and self.credits is not None:
            days = (self.ended_on - self.started_on).days + 1
            if self.credits > CME_CREDITS_PER_DAY_MAX * days:
                raise ValidationError(
                    {
                        "credits": _("At most %(n)d credit hours a day: %(max)d for these dates.")
                        % {"n": CME_CREDITS_PER_DAY_MAX, "max": CME_CREDITS_PER_DAY_MAX * days}
                    }
                )
