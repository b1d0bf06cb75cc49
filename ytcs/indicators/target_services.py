"""Writes of target plans and targets (kế hoạch chỉ tiêu, chỉ tiêu).

Who: the approve right on the plan's unit (a province administrator; a regional manager for the plans of their
region). A plan's targets are set on its unit or on units below it, for the years of the plan. Every write is
audited: one at a time through the model signals (`save_audited`), in bulk (a grid, a file, an API list) with one
audit entry per target created, changed or removed (`record_bulk`), in one transaction: all or nothing.
"""

from __future__ import annotations

import copy
import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ytcs.accounts.roles import APPROVE
from ytcs.core.audit import audit_context, current_source, record_bulk
from ytcs.core.querysets import in_scope
from ytcs.core.services import save_audited
from ytcs.indicators.models import Indicator, Target, TargetPlan
from ytcs.orgunits.models import OrgUnit

MAX_ABS_VALUE = 1e12
"""Larger than any target of a ratio or a count: a typing error."""

MAX_PLAN_YEARS = 30
"""A plan spans at most this many years (a phase to 2030 or 2035, not a century)."""

RESERVED_CODE = "new"
"""The address of the page that records a plan (/indicators/targets/new/) cannot be a plan's code."""

PLAN_FIELDS = (
    "name",
    "document_number",
    "issued_by",
    "issued_on",
    "start_year",
    "end_year",
    "source",
    "confirmed",
    "notes",
)


# ---------------------------------------------------------------------------------------------- rights


def ensure_can_manage(*, user: Any, orgunit: OrgUnit) -> None:
    """Refuse a user without the approve right on the unit (the plan's)."""
    if not in_scope(user, orgunit.path, APPROVE):
        raise PermissionDenied(
            _("Only a province administrator or the regional manager of the plan's unit sets its targets.")
        )


def _ensure_still_manageable(*, user: Any, model: type, pks: Sequence[int]) -> None:
    """After a write, inside its transaction: every row written is still within the user's approve scope."""
    pks = list(pks)
    if pks and model.objects.restrict(user, APPROVE).filter(pk__in=pks).count() != len(set(pks)):
        raise PermissionDenied(_("The result would lie outside the units you may change."))


# ---------------------------------------------------------------------------------------------- values


def parse_target_value(raw: Any) -> float | None:
    """A typed target: "80", "80,5", "1.234,5", "13.5"; blank → None (no target); ValidationError otherwise."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": raw})
    if isinstance(raw, int | float):
        number = float(raw)
        text = str(raw)
    else:
        text = str(raw).strip()
        if text == "":
            return None
        normalised = text.replace(" ", "").replace("\u00a0", "").rstrip("%")
        # Vietnamese writes 1.234,5; a lone comma is a decimal comma.
        if "," in normalised and "." in normalised:
            normalised = normalised.replace(".", "").replace(",", ".")
        elif "," in normalised:
            normalised = normalised.replace(",", ".")
        try:
            number = float(normalised)
        except ValueError:
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": text}) from None
    if not math.isfinite(number) or abs(number) > MAX_ABS_VALUE:
        raise ValidationError(_("“%(value)s” is too large.") % {"value": text})
    return number


def format_target(value: float | None) -> str:
    """As a grid cell and an export show it: 80 rather than 80.0."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# ---------------------------------------------------------------------------------------------- plans


def _check_years(plan: TargetPlan) -> None:
    if plan.start_year and plan.end_year:
        if plan.end_year < plan.start_year:
            raise ValidationError({"end_year": _("The last year cannot come before the first year.")})
        if plan.end_year - plan.start_year + 1 > MAX_PLAN_YEARS:
            raise ValidationError({"end_year": _("A plan spans at most %(n)d years.") % {"n": MAX_PLAN_YEARS}})


def _clean_text(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


@transaction.atomic
def plan_create(
    *,
    user: Any,
    orgunit: OrgUnit,
    code: str,
    name: str,
    start_year: int,
    end_year: int,
    document_number: str = "",
    issued_by: str = "",
    issued_on: datetime.date | None = None,
    source: str = "",
    confirmed: bool = False,
    notes: str = "",
) -> TargetPlan:
    """Record a plan issued for a unit the user approves for."""
    ensure_can_manage(user=user, orgunit=orgunit)
    plan = TargetPlan(
        orgunit=orgunit,
        code=(code or "").strip(),
        name=_clean_text(name),
        document_number=_clean_text(document_number),
        issued_by=_clean_text(issued_by),
        issued_on=issued_on,
        start_year=start_year,
        end_year=end_year,
        source=(source or "").strip(),
        confirmed=confirmed,
        notes=(notes or "").strip(),
    )
    _check_years(plan)
    if plan.code.lower() == RESERVED_CODE:
        raise ValidationError({"code": _("“%(code)s” is reserved; choose another code.") % {"code": plan.code}})
    save_audited(user=user, instance=plan, recheck_scope=False)
    _ensure_still_manageable(user=user, model=TargetPlan, pks=[plan.pk])
    return plan


def _lock(user: Any, plan: TargetPlan) -> TargetPlan:
    plan = TargetPlan.objects.select_for_update().get(pk=plan.pk)
    plan.orgunit = OrgUnit.objects.get(pk=plan.orgunit_id)
    ensure_can_manage(user=user, orgunit=plan.orgunit)
    return plan


@transaction.atomic
def plan_update(*, user: Any, plan: TargetPlan, **fields: Any) -> TargetPlan:
    """Change a plan's name, document, years, source, checked flag or notes (its code and unit are fixed: files
    and API clients address it by code). The years must keep every target of the plan."""
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")
    plan = _lock(user, plan)
    for name, value in fields.items():
        setattr(plan, name, _clean_text(value) if name != "notes" else (value or "").strip())
    _check_years(plan)
    outside = Target.objects.filter(plan=plan).exclude(year__gte=plan.start_year, year__lte=plan.end_year)
    n = outside.count()
    if n:
        years = sorted(set(outside.values_list("year", flat=True)))
        raise ValidationError(
            {
                "start_year": _("%(n)d targets of the plan are for years outside it (%(years)s): remove them first.")
                % {"n": n, "years": ", ".join(str(y) for y in years)}
            }
        )
    save_audited(user=user, instance=plan, recheck_scope=False)
    _ensure_still_manageable(user=user, model=TargetPlan, pks=[plan.pk])
    return plan


@transaction.atomic
def plan_delete(*, user: Any, plan: TargetPlan) -> int:
    """Delete a plan with its targets (each removal audited); returns the number of targets removed."""
    plan = _lock(user, plan)
    with audit_context(user=user):
        targets = list(Target.objects.filter(plan=plan).select_related("plan", "indicator", "orgunit"))
        for target in targets:
            target.delete()
        plan.delete()
    return len(targets)


# ---------------------------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class TargetInput:
    """One target to set: None as the value removes it; None as the note keeps the current one."""

    indicator: Indicator
    orgunit: OrgUnit
    year: int
    value: float | None
    applies_below: bool = False
    note: str | None = None


@dataclass
class SetCounts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


def _problems(plan: TargetPlan, item: TargetInput) -> dict[str, str]:
    """What is wrong with one item, by field."""
    out: dict[str, str] = {}
    if not item.orgunit.path.startswith(plan.orgunit.path):
        out["orgunit"] = _("%(unit)s is not %(root)s or a unit under it.") % {
            "unit": item.orgunit.code,
            "root": plan.orgunit.code,
        }
    if not isinstance(item.year, int) or not plan.start_year <= item.year <= plan.end_year:
        out["year"] = _("The plan covers %(start)d–%(end)d.") % {"start": plan.start_year, "end": plan.end_year}
    if item.value is not None:
        try:
            parse_target_value(item.value)
        except ValidationError as exc:
            out["value"] = exc.messages[0]
    if item.note is not None and len(item.note) > 500:
        out["note"] = _("At most %(n)d characters.") % {"n": 500}
    return out


@transaction.atomic
def targets_set(*, user: Any, plan: TargetPlan, items: Sequence[TargetInput], source: str | None = None) -> SetCounts:
    """Set many targets of a plan at once: each item creates, changes or (value None) removes the target of its
    indicator, unit and year; targets not named are kept. Every item is checked first; any problem raises one
    ValidationError keyed "<index>.<field>" (index in `items`) and nothing is saved."""
    plan = _lock(user, plan)
    errors: dict[str, list[str]] = {}
    seen: dict[tuple[int, int, int], int] = {}
    for index, item in enumerate(items):
        for name, message in _problems(plan, item).items():
            errors[f"{index}.{name}"] = [message]
        key = (item.indicator.pk, item.orgunit.pk, item.year)
        if key in seen:
            errors.setdefault(f"{index}.year", []).append(
                _("The same indicator, unit and year are given twice (also at %(n)d).") % {"n": seen[key]}
            )
        else:
            seen[key] = index
    if errors:
        raise ValidationError(errors)
    existing = {
        (t.indicator_id, t.orgunit_id, t.year): t
        for t in Target.objects.filter(
            plan=plan,
            indicator_id__in={i.indicator.pk for i in items},
            orgunit_id__in={i.orgunit.pk for i in items},
            year__in={i.year for i in items},
        ).select_related("plan", "indicator", "orgunit")
    }
    counts = SetCounts()
    creates: list[Target] = []
    updates: list[Target] = []
    befores: list[Target] = []
    deletes: list[Target] = []
    for item in items:
        old = existing.get((item.indicator.pk, item.orgunit.pk, item.year))
        if item.value is None:
            if old is not None:
                deletes.append(old)
            continue
        value = parse_target_value(item.value)
        if old is None:
            creates.append(
                Target(
                    plan=plan,
                    indicator=item.indicator,
                    orgunit=item.orgunit,
                    year=item.year,
                    value=value,
                    applies_below=item.applies_below,
                    note=(item.note or "").strip(),
                )
            )
            continue
        note = old.note if item.note is None else item.note.strip()
        if (old.value, old.applies_below, old.note) == (value, item.applies_below, note):
            counts.unchanged += 1
            continue
        befores.append(copy.copy(old))
        old.value, old.applies_below, old.note = value, item.applies_below, note
        updates.append(old)
    source = source or current_source()
    if deletes:
        # Removals are few (a cleared cell, a blank value): one at a time, each audited by the model signal.
        with audit_context(user=user, source=source):
            for target in deletes:
                target.delete()
    if creates:
        Target.objects.bulk_create(creates, batch_size=1000)
        record_bulk(user=user, instances=creates, action="create", source=source)
    if updates:
        Target.objects.bulk_update(updates, ["value", "applies_below", "note"], batch_size=1000)
        record_bulk(user=user, instances=updates, action="update", source=source, before=befores)
    _ensure_still_manageable(user=user, model=Target, pks=[t.pk for t in creates + updates])
    counts.created, counts.updated, counts.deleted = len(creates), len(updates), len(deletes)
    return counts


@transaction.atomic
def target_set(
    *,
    user: Any,
    plan: TargetPlan,
    indicator: Indicator,
    orgunit: OrgUnit,
    year: int,
    value: float,
    applies_below: bool = False,
    note: str = "",
) -> Target:
    """Set one target of a plan (create or change it)."""
    plan = _lock(user, plan)
    problems = _problems(plan, TargetInput(indicator, orgunit, year, value, applies_below, note))
    if problems:
        raise ValidationError({name: [message] for name, message in problems.items()})
    target = (
        Target.objects.filter(plan=plan, indicator=indicator, orgunit=orgunit, year=year)
        .select_related("plan", "indicator", "orgunit")
        .first()
    ) or Target(plan=plan, indicator=indicator, orgunit=orgunit, year=year)
    target.value = parse_target_value(value)
    target.applies_below = applies_below
    target.note = (note or "").strip()
    save_audited(user=user, instance=target, recheck_scope=False)
    _ensure_still_manageable(user=user, model=Target, pks=[target.pk])
    return target


@transaction.atomic
def target_delete(*, user: Any, target: Target) -> None:
    """Remove one target of a plan."""
    _lock(user, target.plan)
    with audit_context(user=user):
        target.delete()
