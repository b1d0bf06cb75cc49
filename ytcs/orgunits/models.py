"""The org-unit tree (cây đơn vị): department → regional centres → stations → satellite points."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ytcs.core.fields import TreePathField
from ytcs.core.models import AuditedModel, UnitScopedModel
from ytcs.core.querysets import RestrictedQuerySet

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("Use letters without diacritics, digits, '.', '_' or '-' (e.g. TYT-0101)."),
)


class OrgUnitKind(models.TextChoices):
    COUNTRY = "country", _("Ministry of Health (national)")
    PROVINCE = "province", _("Provincial Department of Health")
    HOSPITAL = "hospital", _("Provincial hospital")
    PROVINCIAL_UNIT = "provincial_unit", _("Other provincial unit")
    REGIONAL_CENTRE = "regional_centre", _("Regional health centre")
    STATION = "station", _("Commune health station")
    SATELLITE = "satellite", _("Satellite point")
    PRIVATE = "private", _("Private health facility")


# Which kinds a unit of each kind may hang under (product.md §3). Data, so it is read in one place.
ALLOWED_PARENT_KINDS: dict[str, frozenset[str]] = {
    OrgUnitKind.COUNTRY: frozenset({""}),
    OrgUnitKind.PROVINCE: frozenset({OrgUnitKind.COUNTRY, ""}),
    OrgUnitKind.HOSPITAL: frozenset({OrgUnitKind.PROVINCE}),
    OrgUnitKind.PROVINCIAL_UNIT: frozenset({OrgUnitKind.PROVINCE}),
    OrgUnitKind.REGIONAL_CENTRE: frozenset({OrgUnitKind.PROVINCE}),
    OrgUnitKind.STATION: frozenset({OrgUnitKind.REGIONAL_CENTRE}),
    OrgUnitKind.SATELLITE: frozenset({OrgUnitKind.STATION}),
    OrgUnitKind.PRIVATE: frozenset({OrgUnitKind.PROVINCE, OrgUnitKind.REGIONAL_CENTRE, OrgUnitKind.STATION}),
}


MAX_LEVEL = 6
"""Deepest level of the tree: ministry 1, province 2, centre 3, station 4, satellite point 5, one to spare."""


class OrgUnit(AuditedModel):
    """Organisation unit (đơn vị): a health department, centre, station or other facility."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgUnitKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Materialised path of primary keys, "/1/7/42/": a subtree is one prefix match.
    path = TreePathField(max_length=255, editable=False, default="")
    level = models.PositiveSmallIntegerField(_("level"), editable=False, default=1)
    # Id of the ancestor at each level (own id at its own level, empty below), as DHIS2's _orgunitstructure:
    # roll-ups to a level are then one GROUP BY in the database.
    level1_id = models.BigIntegerField(null=True, editable=False)
    level2_id = models.BigIntegerField(null=True, editable=False, db_index=True)
    level3_id = models.BigIntegerField(null=True, editable=False, db_index=True)
    level4_id = models.BigIntegerField(null=True, editable=False, db_index=True)
    level5_id = models.BigIntegerField(null=True, editable=False)
    level6_id = models.BigIntegerField(null=True, editable=False)
    admin_code = models.CharField(_("administrative code"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    opened_on = models.DateField(_("opening date"), null=True, blank=True)
    closed_on = models.DateField(_("closing date"), null=True, blank=True)
    # Diacritic-folded code, name and administrative code, matched by the search box.
    search_text = models.CharField(max_length=600, editable=False, default="")

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "path"
    audit_exclude = ("search_text", "path", "level", *(f"level{n}_id" for n in range(1, MAX_LEVEL + 1)))

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]
        indexes = [
            # Subtree ranges (scope restriction, rollups) and the list in tree order (ORDER BY path).
            models.Index(fields=["path"], name="orgunit_path_idx"),
            # The unit list in tree order within one kind and level.
            models.Index(fields=["level", "kind"], name="orgunit_level_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def audit_scope_path(self) -> str:
        return self.path

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.opened_on and self.closed_on and self.closed_on < self.opened_on:
            errors.setdefault("closed_on", []).append(_("The closing date must be on or after the opening date."))
        allowed = ALLOWED_PARENT_KINDS.get(self.kind, frozenset())
        parent_kind = self.parent.kind if self.parent_id else ""
        if parent_kind not in allowed:
            if allowed == {""}:
                message = _("A unit of this kind cannot have a parent unit.")
            elif self.parent_id is None:
                message = _("A %(kind)s needs a parent unit: %(allowed)s.")
            else:
                message = _("A %(kind)s cannot be placed under a %(parent)s; allowed parents: %(allowed)s.")
            errors.setdefault("parent", []).append(
                ValidationError(
                    message,
                    params={
                        "kind": OrgUnitKind(self.kind).label.lower() if self.kind else "",
                        "parent": OrgUnitKind(parent_kind).label.lower() if parent_kind else "",
                        "allowed": ", ".join(str(OrgUnitKind(k).label).lower() for k in sorted(allowed) if k),
                    },
                )
            )
        if self.parent_id and self.parent.level >= MAX_LEVEL:
            errors.setdefault("parent", []).append(_("The tree is at most %(max)d levels deep.") % {"max": MAX_LEVEL})
        if self.parent_id and self.parent.closed_on is not None and self.closed_on is None:
            errors.setdefault("parent", []).append(
                _("The parent unit %(code)s is closed; an operating unit cannot be placed under it.")
                % {"code": self.parent.code}
            )
        if self.pk and self.parent_id and self.parent.path.startswith(self.path) and self.path:
            errors.setdefault("parent", []).append(_("A unit cannot be placed under itself or one of its descendants."))
        self._clean_dates_against_parent(errors)
        self._clean_kind_against_children(errors)
        if self.code and OrgUnit.objects.filter(code__iexact=self.code).exclude(pk=self.pk).exists():
            errors.setdefault("code", []).append(
                _("Code %(code)s is already used (letter case does not matter).") % {"code": self.code}
            )
        if errors:
            raise ValidationError(errors)

    def _clean_dates_against_parent(self, errors: dict[str, list]) -> None:
        parent = self.parent if self.parent_id else None
        if parent is None:
            return
        if self.opened_on and parent.opened_on and self.opened_on < parent.opened_on:
            errors.setdefault("opened_on", []).append(
                _("A unit cannot open before its parent unit (%(date)s).")
                % {"date": parent.opened_on.strftime("%d/%m/%Y")}
            )
        if self.closed_on and parent.closed_on and self.closed_on > parent.closed_on:
            errors.setdefault("closed_on", []).append(
                _("A unit cannot close after its parent unit (%(date)s).")
                % {"date": parent.closed_on.strftime("%d/%m/%Y")}
            )

    def _clean_kind_against_children(self, errors: dict[str, list]) -> None:
        """A changed kind must still accept the units already under it."""
        if not self.pk:
            return
        misfits = [
            child.code
            for child in OrgUnit.objects.filter(parent_id=self.pk).only("code", "kind")
            if self.kind not in ALLOWED_PARENT_KINDS.get(child.kind, frozenset())
        ]
        if misfits:
            errors.setdefault("kind", []).append(
                _("Units under it cannot stay under a unit of this kind: %(codes)s.")
                % {"codes": ", ".join(misfits[:5])}
            )


class Population(UnitScopedModel):
    """Catchment population (dân số) of a unit for one year: the denominator of "per 10,000" figures."""

    orgunit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.CASCADE, related_name="populations"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    # Vietnam has about 100 million people: anything above is a typing error.
    population = models.PositiveIntegerField(_("population"), validators=[MaxValueValidator(100_000_000)])
    source = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("catchment population")
        verbose_name_plural = _("catchment populations")
        ordering = ["orgunit", "-year"]
        constraints = [models.UniqueConstraint(fields=["orgunit", "year"], name="unique_population_year")]

    def __str__(self) -> str:
        return f"{self.orgunit.code} {self.year}: {self.population}"
