"""Equipment, medicines and investment proposals (trang thiết bị, thuốc, đề xuất đầu tư) of stations and centres.

Catalogues are versioned data (a catalogue version holds its entries and, for equipment, the norms of what each
kind of unit must have); the inventory and the stock ledger are per unit. The stock ledger is append-only: a
correction is a new entry, and a running balance per unit × medicine × batch, changed only by a conditional UPDATE
and guarded by a CHECK constraint, keeps every balance at zero or above even when two users issue at once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ytcs.core.models import UnitScopedModel
from ytcs.core.querysets import RestrictedQuerySet
from ytcs.workforce.models import CatalogueEntry


class FundingSource(models.TextChoices):
    STATE_BUDGET = "state_budget", _("State budget")
    INSURANCE = "insurance", _("Health-insurance fund")
    PROJECT = "project", _("Project or aid")
    SOCIALISED = "socialised", _("Socialised investment (xã hội hóa)")
    OWN = "own", _("Unit's own revenue")
    OTHER = "other", _("Other")


# ---------------------------------------------------------------------------------------------- equipment


class EquipmentCategory(models.TextChoices):
    GENERAL = "general", _("General examination")
    IMAGING = "imaging", _("Imaging (ultrasound, X-ray)")
    FUNCTIONAL = "functional", _("Functional tests (ECG)")
    LABORATORY = "laboratory", _("Laboratory")
    OBSTETRICS = "obstetrics", _("Obstetrics and newborn care")
    EMERGENCY = "emergency", _("Emergency and first aid")
    COLD_CHAIN = "cold_chain", _("Vaccine cold chain")
    STERILISATION = "sterilisation", _("Sterilisation")
    TRADITIONAL = "traditional", _("Traditional medicine")
    IT = "it", _("Information technology")
    OTHER = "other", _("Other")


class EquipmentCatalogue(CatalogueEntry):
    """A version of the equipment catalogue (danh mục trang thiết bị) and of its norms. One version is current;
    items keep the type of the version they were recorded with, matched across versions by code."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.CharField(_("version"), max_length=20)
    name = models.CharField(_("name"), max_length=300)
    source = models.CharField(_("source"), max_length=500)
    confirmed = models.BooleanField(_("source checked"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    is_current = models.BooleanField(_("current version"), default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("equipment catalogue")
        verbose_name_plural = _("equipment catalogues")
        ordering = ["code", "-created"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unique_equipment_catalogue_version"),
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="one_current_catalogue"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class EquipmentType(CatalogueEntry):
    """An entry of the equipment catalogue (loại trang thiết bị), e.g. a general ultrasound machine."""

    catalogue = models.ForeignKey(EquipmentCatalogue, on_delete=models.CASCADE, related_name="types")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    category = models.CharField(
        pgettext_lazy("equipment", "category"), max_length=20, choices=EquipmentCategory.choices
    )
    unit_of_measure = models.CharField(_("unit of measure"), max_length=30, default="cái")
    needs_calibration = models.BooleanField(_("needs calibration"), default=False)
    maintenance_months = models.PositiveSmallIntegerField(
        _("maintenance every (months)"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    calibration_months = models.PositiveSmallIntegerField(
        _("calibration every (months)"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("equipment type")
        verbose_name_plural = _("equipment types")
        ordering = ["catalogue", "category", "code"]
        constraints = [models.UniqueConstraint(fields=["catalogue", "code"], name="unique_equipment_type_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class EquipmentNorm(CatalogueEntry):
    """Required equipment (định mức trang thiết bị): how many working items of a type a unit of a kind must have,
    with the regulation it comes from."""

    catalogue = models.ForeignKey(EquipmentCatalogue, on_delete=models.CASCADE, related_name="norms")
    unit_kind = models.CharField(_("unit kind"), max_length=20)
    equipment_type = models.ForeignKey(EquipmentType, on_delete=models.CASCADE, related_name="norms")
    quantity = models.PositiveSmallIntegerField(_("required quantity"), default=1, validators=[MinValueValidator(1)])
    source = models.CharField(_("source"), max_length=500)
    confirmed = models.BooleanField(_("source checked"), default=False)

    class Meta:
        verbose_name = _("equipment norm")
        verbose_name_plural = _("equipment norms")
        ordering = ["catalogue", "unit_kind", "equipment_type__code"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "unit_kind", "equipment_type"], name="unique_equipment_norm"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_kind}: {self.quantity} × {self.equipment_type.code}"


class Condition(models.TextChoices):
    WORKING = "working", pgettext_lazy("equipment condition", "Working")
    BROKEN = "broken", _("Broken")
    UNDER_REPAIR = "under_repair", _("Under repair")
    RETIRED = "retired", _("Retired (thanh lý)")


class EquipmentItem(UnitScopedModel):
    """An item of equipment held by a unit (thiết bị): its serial number, history and state."""

    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="equipment"
    )
    equipment_type = models.ForeignKey(
        EquipmentType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="items"
    )
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    model_name = models.CharField(_("make and model"), max_length=200, blank=True)
    year_in_use = models.PositiveSmallIntegerField(
        _("year put in use"), null=True, blank=True, validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    funding_source = models.CharField(_("funding source"), max_length=20, choices=FundingSource.choices, blank=True)
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices, default=Condition.WORKING)
    last_maintained_on = models.DateField(_("last maintenance"), null=True, blank=True)
    next_maintenance_on = models.DateField(_("next maintenance due"), null=True, blank=True)
    last_calibrated_on = models.DateField(_("last calibration"), null=True, blank=True)
    next_calibration_on = models.DateField(_("next calibration due"), null=True, blank=True)
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # The proposal line whose delivery created the item: a delivery enters the inventory once.
    delivered_by = models.ForeignKey(
        "assets.ProposalLine", on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    search_text = models.CharField(max_length=600, editable=False, default="")

    audit_exclude = ("search_text",)

    class Meta:
        verbose_name = _("equipment item")
        verbose_name_plural = _("equipment items")
        ordering = ["orgunit__path", "equipment_type__code", "id"]
        indexes = [
            # Lists of broken items and the gap roll-up: items of a unit by state.
            models.Index(fields=["orgunit", "condition"], name="equipment_unit_condition_idx"),
            models.Index(fields=["next_maintenance_on"], name="equipment_maintenance_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.equipment_type.name} {self.serial_number}".strip()


class EquipmentMove(UnitScopedModel):
    """A move of an item between units (điều chuyển thiết bị), kept as its history."""

    item = models.ForeignKey(EquipmentItem, on_delete=models.CASCADE, related_name="moves")
    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("from unit"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("to unit"), on_delete=models.PROTECT, related_name="+"
    )
    moved_on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=500)
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    scope_view_path_fields = ("to_unit__path",)

    class Meta:
        verbose_name = _("equipment move")
        verbose_name_plural = _("equipment moves")
        ordering = ["-moved_on", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.orgunit_id} → {self.to_unit_id} ({self.moved_on:%d/%m/%Y})"


# ---------------------------------------------------------------------------------------------- proposals


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Under review")
    RETURNED = "returned", _("Returned with comments")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    FUNDED = "funded", _("Funded")
    DELIVERED = "delivered", _("Delivered")


class InvestmentProposal(UnitScopedModel):
    """Equipment investment proposal (đề xuất đầu tư trang thiết bị): a unit's request, reviewed up the chain
    (station → regional centre → province), then funded and delivered."""

    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("proposing unit"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    title = models.CharField(_("title"), max_length=300)
    justification = models.TextField(_("justification"))
    status = models.CharField(_("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT)
    # The unit whose reviewers act next (the proposer's parent, then the province); empty outside review.
    reviewer_unit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=_("under review at"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("assessment result"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Blank: the author's account may be deleted (SET_NULL) while the proposal still goes through review, and
    # every step validates the whole row.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("investment proposal")
        verbose_name_plural = _("investment proposals")
        ordering = ["-year", "-created"]

    def __str__(self) -> str:
        return self.title


class ProposalLine(UnitScopedModel):
    """An item asked for in a proposal: quantity, estimated cost, funding source, optionally the norm gap it
    closes."""

    proposal = models.ForeignKey(InvestmentProposal, on_delete=models.CASCADE, related_name="lines")
    equipment_type = models.ForeignKey(EquipmentType, verbose_name=_("equipment"), on_delete=models.PROTECT)
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_cost = models.DecimalField(_("estimated unit cost (VND)"), max_digits=14, decimal_places=0)
    funding_source = models.CharField(_("funding source"), max_length=20, choices=FundingSource.choices)
    justification = models.CharField(_("justification"), max_length=500, blank=True)
    closes_gap = models.BooleanField(_("closes a norm gap"), default=False)
    delivered_quantity = models.PositiveSmallIntegerField(_("delivered"), default=0)

    scope_path_field = "proposal__orgunit__path"

    class Meta:
        verbose_name = _("proposal line")
        verbose_name_plural = _("proposal lines")
        ordering = ["proposal", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.equipment_type.code}"

    @property
    def audit_scope_path(self) -> str:
        return self.proposal.orgunit.path


class ProposalStep(UnitScopedModel):
    """A step of a proposal's review (submit, approve, return, reject, fund, deliver): who, when, at which unit,
    with which comment."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        APPROVE = "approve", _("Approved")
        RETURN = "return", _("Returned")
        REJECT = "reject", _("Rejected")
        FUND = "fund", _("Funded")
        DELIVER = "deliver", _("Delivered")

    proposal = models.ForeignKey(InvestmentProposal, on_delete=models.CASCADE, related_name="steps")
    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("at unit"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    comment = models.TextField(_("comment"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    scope_path_field = "proposal__orgunit__path"

    class Meta:
        verbose_name = _("proposal step")
        verbose_name_plural = _("proposal steps")
        ordering = ["proposal", "at", "id"]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.action} {self.at:%d/%m/%Y}"

    @property
    def audit_scope_path(self) -> str:
        return self.proposal.orgunit.path


# ---------------------------------------------------------------------------------------------- medicines


class MedicineList(CatalogueEntry):
    """A version of the medicine list used at stations (danh mục thuốc tuyến xã)."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.CharField(_("version"), max_length=20)
    name = models.CharField(_("name"), max_length=300)
    source = models.CharField(_("source"), max_length=500)
    confirmed = models.BooleanField(_("source checked"), default=False)
    is_current = models.BooleanField(_("current version"), default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("medicine list")
        verbose_name_plural = _("medicine lists")
        ordering = ["code", "-created"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unique_medicine_list_version"),
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_medicine_list"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class Medicine(CatalogueEntry):
    """A medicine of the list (thuốc): active ingredient, strength, form, route, unit, insurance cover."""

    medicine_list = models.ForeignKey(MedicineList, on_delete=models.CASCADE, related_name="medicines")
    code = models.CharField(_("code"), max_length=40)
    active_ingredient = models.CharField(_("active ingredient"), max_length=300)
    strength = models.CharField(_("strength"), max_length=100, blank=True)
    dosage_form = models.CharField(_("dosage form"), max_length=100)
    route = models.CharField(_("route"), max_length=50)
    unit = models.CharField(_("unit"), max_length=30)
    insurance_covered = models.BooleanField(_("paid by health insurance"), default=False)
    minimum_stock = models.PositiveIntegerField(_("usual minimum stock at a station"), null=True, blank=True)
    search_text = models.CharField(max_length=600, editable=False, default="")

    audit_exclude = ("search_text",)

    class Meta:
        verbose_name = _("medicine")
        verbose_name_plural = _("medicines")
        ordering = ["medicine_list", "active_ingredient", "strength"]
        constraints = [models.UniqueConstraint(fields=["medicine_list", "code"], name="unique_medicine_code")]

    def __str__(self) -> str:
        return " ".join(part for part in (self.active_ingredient, self.strength, self.dosage_form) if part)


class StockKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue to patients")
    ADJUSTMENT = "adjustment", _("Adjustment")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")


class StockEntry(models.Model):
    """An entry of a unit's stock ledger (sổ kho thuốc): append-only; a correction is a new entry. `quantity` is
    signed (+ in, − out)."""

    orgunit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    medicine = models.ForeignKey(Medicine, on_delete=models.PROTECT, related_name="+")
    batch = models.CharField(_("batch"), max_length=50)
    expiry_date = models.DateField(_("expiry date"))
    kind = models.CharField(_("kind"), max_length=12, choices=StockKind.choices)
    quantity = models.IntegerField(_("quantity"))
    occurred_on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # Both halves of a transfer share it.
    transfer = models.UUIDField(null=True, blank=True, db_index=True)
    counterpart = models.ForeignKey(
        "orgunits.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_by_username = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=10, default="command")
    created = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "orgunit__path"

    class Meta:
        verbose_name = _("stock entry")
        verbose_name_plural = _("stock entries")
        ordering = ["occurred_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_entry_not_zero"),
        ]
        indexes = [
            # Balance of a unit on a date and the monthly report: a unit's entries by medicine up to a date.
            models.Index(fields=["orgunit", "medicine", "occurred_on"], name="stock_unit_medicine_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on:%d/%m/%Y} {self.kind} {self.quantity:+d} {self.medicine_id}/{self.batch}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("The stock ledger is append-only: record a correcting entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The stock ledger is append-only: record a correcting entry instead.")


class StockBalance(models.Model):
    """Running balance of a unit × medicine × batch, changed in the same transaction as each entry by a
    conditional UPDATE, and never below zero (CHECK constraint). `last_on` is the date of the latest entry: the
    ledger of a batch is kept in date order, so a balance on any date is the sum of entries up to it and can never
    have been negative."""

    orgunit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    medicine = models.ForeignKey(Medicine, on_delete=models.PROTECT, related_name="+")
    batch = models.CharField(max_length=50)
    expiry_date = models.DateField()
    quantity = models.IntegerField(default=0)
    last_on = models.DateField()

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "orgunit__path"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["orgunit", "medicine", "batch"], name="unique_stock_balance"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_balance_not_negative"),
        ]
        indexes = [models.Index(fields=["expiry_date"], name="stock_balance_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.orgunit_id} {self.medicine_id}/{self.batch}: {self.quantity}"
