"""Routine data, indicators and targets (số liệu định kỳ, chỉ số, chỉ tiêu).

The data model follows DHIS2 so its clients can exchange data unchanged: data elements (with a disaggregation,
category combo → category option combos) grouped in data sets with a period type, values per data element ×
option combo × org unit × period, and indicators as numerator/denominator expressions. Targets are ours (DHIS2 has
none): a plan (a directive or a provincial plan) holds target values per indicator, unit and year.

Analytics read `AggregateValue`, a roll-up of the values maintained on every write (`aggregates.py`): one row per
data element × option combo × unit (itself and its whole subtree) × period (the value's own and every period that
encloses it), so an indicator for a province and a year reads a handful of rows whatever the number of values.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.core.models import UnitScopedModel
from ytcs.core.querysets import RestrictedQuerySet
from ytcs.workforce.models import CatalogueEntry

# No "." in codes: expressions write #{DATAELEMENT.OPTIONCOMBO}.
code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
    _("Use letters without diacritics, digits, '_' or '-' (e.g. KCB_LUOT)."),
)

DEFAULT_COMBO = "default"
"""Code of the category combo (and of its single option combo) of a data element without disaggregation, as in
DHIS2."""


class PeriodType(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class ValueType(models.TextChoices):
    INTEGER_ZERO_OR_POSITIVE = "int_pos", _("Whole number, zero or more")
    INTEGER = "int", _("Whole number")
    NUMBER = "number", _("Number")
    PERCENTAGE = "percentage", _("Percentage (0–100)")
    YES_NO = "yes_no", _("Yes/no (1/0)")


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    AVERAGE = "average", _("Average")


# ---------------------------------------------------------------------------------------------- disaggregation


class Category(CatalogueEntry):
    """Disaggregation category (nhóm phân tổ), e.g. sex or age group, with its options."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("disaggregation category")
        verbose_name_plural = _("disaggregation categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CategoryOption(CatalogueEntry):
    """An option of a category (e.g. "Nam", "Nữ")."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="options")
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("category option")
        verbose_name_plural = _("category options")
        ordering = ["category", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="unique_category_option_code")]

    def __str__(self) -> str:
        return self.name


class CategoryCombo(CatalogueEntry):
    """Disaggregation of a data element (tổ hợp phân tổ): the categories crossed, e.g. sex × age group."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True, related_name="combos")

    class Meta:
        verbose_name = _("disaggregation")
        verbose_name_plural = _("disaggregations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_default(self) -> bool:
        return self.code == DEFAULT_COMBO


class CategoryOptionCombo(CatalogueEntry):
    """One cell of a disaggregation (e.g. "Nữ, dưới 5 tuổi"); the default combo has one, coded "default"."""

    combo = models.ForeignKey(CategoryCombo, on_delete=models.CASCADE, related_name="option_combos")
    code = models.CharField(_("code"), max_length=120, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=300)
    options = models.ManyToManyField(CategoryOption, blank=True, related_name="option_combos")
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("category option combo")
        verbose_name_plural = _("category option combos")
        ordering = ["combo", "sort_order", "id"]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------------------------- data elements, sets


class DataElement(CatalogueEntry):
    """Data element (chỉ tiêu báo cáo): one figure a unit reports per period, e.g. deliveries at the station."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    value_type = models.CharField(
        _("value type"), max_length=12, choices=ValueType.choices, default=ValueType.INTEGER_ZERO_OR_POSITIVE
    )
    aggregation = models.CharField(
        _("aggregation over units and periods"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM
    )
    category_combo = models.ForeignKey(
        CategoryCombo, verbose_name=_("disaggregation"), on_delete=models.PROTECT, related_name="data_elements"
    )
    # Shown while typing: a value outside is flagged (not refused), as DHIS2's min-max outliers.
    min_value = models.FloatField(_("usual minimum"), null=True, blank=True)
    max_value = models.FloatField(_("usual maximum"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    confirmed = models.BooleanField(_("source checked"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class DataSet(CatalogueEntry):
    """Data set (biểu mẫu báo cáo): data elements reported together by units of given kinds, every period."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    period_type = models.CharField(_("period type"), max_length=10, choices=PeriodType.choices)
    unit_kinds = models.JSONField(_("reported by units of kind"), default=list)
    data_elements = models.ManyToManyField(
        DataElement, through="DataSetElement", related_name="data_sets", verbose_name=_("data elements")
    )
    # A period is locked this many days after it ends (0: never); DHIS2's "expiry days".
    expiry_days = models.PositiveSmallIntegerField(
        _("days after the period to enter data"), default=15, validators=[MaxValueValidator(3650)]
    )
    source = models.CharField(_("source"), max_length=500, blank=True)
    confirmed = models.BooleanField(_("source checked"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("data set")
        verbose_name_plural = _("data sets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DataSetElement(CatalogueEntry):
    """A data element of a data set, in form order, optionally under a section heading."""

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="members")
    data_element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="memberships")
    section = models.CharField(_("section"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=0)

    class Meta:
        verbose_name = _("data element of a data set")
        verbose_name_plural = _("data elements of data sets")
        ordering = ["data_set", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["data_set", "data_element"], name="unique_data_set_element"),
        ]

    def __str__(self) -> str:
        return f"{self.data_set.code}: {self.data_element.code}"


class Constant(CatalogueEntry):
    """A named number used in indicator expressions as C{CODE}."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=300)
    value = models.FloatField(_("value"))
    source = models.CharField(_("source"), max_length=500, blank=True)
    confirmed = models.BooleanField(_("source checked"), default=False)

    class Meta:
        verbose_name = _("constant")
        verbose_name_plural = _("constants")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} = {self.value:g}"


class Operator(models.TextChoices):
    EQ = "==", "="
    NE = "!=", "≠"
    GT = ">", ">"
    GE = ">=", "≥"
    LT = "<", "<"
    LE = "<=", "≤"


class ValidationRule(CatalogueEntry):
    """Validation rule (quy tắc kiểm tra): left side, operator, right side over one unit's values of one period,
    e.g. "deliveries at the station ≤ deliveries in the commune". A broken rule is shown, not refused."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=300)
    instruction = models.CharField(_("message shown when broken"), max_length=500)
    left = models.CharField(_("left side"), max_length=1000)
    operator = models.CharField(_("operator"), max_length=2, choices=Operator.choices)
    right = models.CharField(_("right side"), max_length=1000)
    data_sets = models.ManyToManyField(DataSet, verbose_name=_("checked in data sets"), related_name="rules")
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


# ---------------------------------------------------------------------------------------------- values


class DataValue(models.Model):
    """A reported value (giá trị số liệu): data element × option combo × org unit × period (DHIS2 ISO code).

    Not an AuditedModel: a value's history is `DataValueAudit`, written by the services in bulk (an import of a
    million values writes no million signals).
    """

    data_element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="+")
    category_option_combo = models.ForeignKey(CategoryOptionCombo, on_delete=models.PROTECT, related_name="+")
    orgunit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=8)
    value = models.FloatField(_("value"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    stored_by = models.CharField(_("stored by"), max_length=150, blank=True)
    created = models.DateTimeField(default=timezone.now)
    last_updated = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "orgunit__path"
    scope_change_action = "enter_data"

    class Meta:
        verbose_name = _("data value")
        verbose_name_plural = _("data values")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "orgunit", "data_element", "category_option_combo"], name="unique_data_value"
            )
        ]
        indexes = [
            # Export and bare aggregates by data element over many units.
            models.Index(fields=["data_element", "period"], name="datavalue_de_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.data_element_id}/{self.category_option_combo_id} {self.orgunit_id} {self.period} = {self.value}"


class DataValueAudit(models.Model):
    """History of a value (nhật ký số liệu): who changed it, when, through which channel, before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")

    data_element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="+")
    category_option_combo = models.ForeignKey(CategoryOptionCombo, on_delete=models.PROTECT, related_name="+")
    orgunit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=8)
    action = models.CharField(_("action"), max_length=6, choices=Action.choices)
    previous = models.FloatField(_("before"), null=True)
    value = models.FloatField(_("after"), null=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    source = models.CharField(_("source"), max_length=10)
    at = models.DateTimeField(_("time"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "orgunit__path"

    class Meta:
        verbose_name = _("data value change")
        verbose_name_plural = _("data value changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["orgunit", "period", "data_element"], name="datavalueaudit_key_idx")]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_username} {self.action} {self.previous} → {self.value}"


class AggregateValue(models.Model):
    """Roll-up of the values maintained on write: the sum and count of every value of a data element × option
    combo reported by `orgunit` or a unit below it, in `period` or a period inside it. `level` is the unit's, so
    "every unit of level N" is one index range."""

    data_element = models.ForeignKey(DataElement, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    category_option_combo = models.ForeignKey(
        CategoryOptionCombo, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    orgunit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    level = models.PositiveSmallIntegerField()
    period = models.CharField(max_length=8)
    value_sum = models.FloatField(default=0)
    value_count = models.IntegerField(default=0)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "orgunit__path"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "data_element", "orgunit", "category_option_combo"], name="unique_aggregate_value"
            )
        ]
        indexes = [models.Index(fields=["period", "level", "data_element"], name="aggregate_level_idx")]

    def __str__(self) -> str:
        return f"{self.data_element_id} {self.orgunit_id} {self.period}: {self.value_sum}"


class LockException(UnitScopedModel):
    """Lock exception (mở khóa kỳ báo cáo): lets the units under `orgunit` still enter a data set's period after
    its deadline."""

    data_set = models.ForeignKey(DataSet, verbose_name=_("data set"), on_delete=models.CASCADE, related_name="+")
    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("org unit"), on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(_("period"), max_length=8)
    reason = models.CharField(_("reason"), max_length=500)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lock exception")
        verbose_name_plural = _("lock exceptions")
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(fields=["data_set", "orgunit", "period"], name="unique_lock_exception"),
        ]

    def __str__(self) -> str:
        return f"{self.data_set.code} {self.orgunit.code} {self.period}"


# ---------------------------------------------------------------------------------------------- indicators, targets


class IndicatorGroup(models.TextChoices):
    WORKFORCE = "workforce", _("Workforce")
    CRITERIA = "criteria", _("Commune-health criteria")
    SERVICES = "services", _("Health services")
    MATERNAL_CHILD = "maternal_child", _("Maternal and child health")
    INSURANCE = "insurance", _("Health insurance and records")
    OTHER = "other", _("Other")


class Indicator(CatalogueEntry):
    """Indicator (chỉ số): numerator / denominator × factor, each side an expression over data elements
    (#{CODE} or #{CODE.OPTIONCOMBO}), registry figures (R{doctors}, R{population}...) and constants (C{CODE})."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    group = models.CharField(_("group"), max_length=20, choices=IndicatorGroup.choices, default=IndicatorGroup.OTHER)
    numerator = models.CharField(_("numerator"), max_length=1000)
    numerator_description = models.CharField(_("numerator description"), max_length=300, blank=True)
    denominator = models.CharField(_("denominator"), max_length=1000, default="1")
    denominator_description = models.CharField(_("denominator description"), max_length=300, blank=True)
    factor = models.PositiveIntegerField(_("factor"), default=1, validators=[MinValueValidator(1)])
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=1, validators=[MaxValueValidator(4)])
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    unit_label = models.CharField(_("unit"), max_length=50, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    confirmed = models.BooleanField(_("formula checked against the source"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("display order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class TargetPlan(UnitScopedModel):
    """Target plan (kế hoạch chỉ tiêu): a document setting target values by indicator, unit and year, e.g. the
    provincial plan implementing Directive 25-CT/TW to 2025 and 2030. Belongs to the unit that issued it and is seen
    by the units below it."""

    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("issued for"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=300)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    issued_by = models.CharField(_("issued by"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    start_year = models.PositiveSmallIntegerField(
        _("from year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    end_year = models.PositiveSmallIntegerField(
        _("to year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    source = models.CharField(_("source"), max_length=500, blank=True)
    confirmed = models.BooleanField(_("values checked against the document"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    scope_view_includes_ancestors = True

    class Meta:
        verbose_name = _("target plan")
        verbose_name_plural = _("target plans")
        ordering = ["-end_year", "code"]

    def __str__(self) -> str:
        return self.name


class Target(UnitScopedModel):
    """Target value (chỉ tiêu) of an indicator for a unit and a year. With `applies_below`, it is also the target of
    every unit under `orgunit` that has none of its own in the same plan (e.g. "every station ≥ 1 doctor")."""

    plan = models.ForeignKey(TargetPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="targets")
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+")
    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("org unit"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    value = models.FloatField(_("target value"))
    applies_below = models.BooleanField(_("also for each unit below"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)

    scope_view_includes_ancestors = True

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["plan", "indicator", "orgunit__path", "year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator", "orgunit", "year"], name="unique_target"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.orgunit.code} {self.year}: {self.value:g}"


# ---------------------------------------------------------------------------------------------- import jobs


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ImportJobQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view") -> ImportJobQuerySet:
        """An import is its submitter's (the file may hold values of any unit they may enter): one restriction
        point still, keyed to the owner rather than to a unit."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self._clone()
        return self.filter(created_by=user)


class ImportJob(models.Model):
    """A data-value import (nhập số liệu) run in the background: the file, its options, progress and the summary."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(_("format"), max_length=5)
    options = models.JSONField(default=dict)
    status = models.CharField(_("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    phase = models.CharField(_("step"), max_length=100, blank=True)
    processed = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("data import")
        verbose_name_plural = _("data imports")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return int(self.processed * 100 / self.total) if self.total else 0
