"""Writes to the workforce registry: people, their moves, licences, certificates and continuing training."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.core.audit import audit_context
from ytcs.core.dates import add_years
from ytcs.core.services import ensure_can_change, save_audited
from ytcs.core.text import fold
from ytcs.orgunits.models import OrgUnit
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
)

STAFF_EDITABLE = (
    "full_name",
    "sex",
    "birth_date",
    "national_id",
    "phone",
    "email",
    "title",
    "qualification",
    "specialty",
    "employment_type",
    "position",
    "started_on",
)


def staff_search_text(staff: Staff) -> str:
    return fold(" ".join(filter(None, [staff.full_name, staff.national_id, staff.phone])))


def _ensure_open_unit(unit: OrgUnit, field: str = "orgunit") -> None:
    if unit.closed_on is not None:
        raise ValidationError({field: _("Unit %(code)s is closed.") % {"code": unit.code}})


@transaction.atomic
def staff_create(
    *,
    user: Any,
    full_name: str,
    sex: str,
    birth_date: datetime.date,
    national_id: str,
    title: Title,
    qualification: str,
    employment_type: str,
    orgunit: OrgUnit,
    started_on: datetime.date,
    posted_on: datetime.date | None = None,
    position: str = "staff",
    specialty: str = "",
    phone: str = "",
    email: str = "",
    decision: str = "",
) -> Staff:
    """Register a health worker at a unit the user may change; opens their first posting there."""
    ensure_can_change(user=user, path=orgunit.path)
    _ensure_open_unit(orgunit)
    staff = Staff(
        full_name=" ".join(full_name.split()),
        sex=sex,
        birth_date=birth_date,
        national_id=national_id.strip(),
        title=title,
        qualification=qualification,
        specialty=specialty.strip(),
        employment_type=employment_type,
        position=position,
        orgunit=orgunit,
        started_on=started_on,
        phone=phone.strip(),
        email=email.strip(),
    )
    staff.search_text = staff_search_text(staff)
    save_audited(user=user, instance=staff)
    posting = Posting(
        staff=staff, orgunit=orgunit, kind=MoveKind.HIRE, started_on=posted_on or started_on, decision=decision.strip()
    )
    if posting.started_on < started_on:
        raise ValidationError({"posted_on": _("The posting cannot start before the start date in the sector.")})
    save_audited(user=user, instance=posting, recheck_scope=False)
    return staff


@transaction.atomic
def staff_update(*, user: Any, staff: Staff, **changes: Any) -> Staff:
    """Correct a person's record; the unit changes only through a move, the status through `staff_end`."""
    unknown = set(changes) - set(STAFF_EDITABLE)
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")
    staff = Staff.objects.select_for_update().select_related("orgunit").get(pk=staff.pk)
    ensure_can_change(user=user, path=staff.orgunit.path)
    for field, value in changes.items():
        setattr(staff, field, " ".join(value.split()) if field == "full_name" else value)
    first = staff.postings.order_by("started_on").values_list("started_on", flat=True).first()
    if "started_on" in changes and first and staff.started_on > first:
        raise ValidationError(
            {
                "started_on": _("The start date in the sector cannot come after the first posting (%(date)s).")
                % {"date": first.strftime("%d/%m/%Y")}
            }
        )
    staff.search_text = staff_search_text(staff)
    save_audited(user=user, instance=staff)
    return staff


@transaction.atomic
def staff_move(
    *,
    user: Any,
    staff: Staff,
    to_unit: OrgUnit,
    kind: str,
    on: datetime.date,
    expected_return_on: datetime.date | None = None,
    decision: str = "",
    note: str = "",
) -> Posting:
    """Move a person to another unit (transfer, rotation, secondment, return); needs rights on both ends."""
    staff = Staff.objects.select_for_update().select_related("orgunit").get(pk=staff.pk)
    ensure_can_change(user=user, path=staff.orgunit.path)
    ensure_can_change(user=user, path=to_unit.path)
    errors: dict[str, list[str]] = {}
    if staff.status != StaffStatus.ACTIVE:
        errors["staff"] = [_("Only a working person can be moved.")]
    if kind == MoveKind.HIRE:
        errors["kind"] = [_("Recruitment opens the first posting; choose a kind of move.")]
    if to_unit.pk == staff.orgunit_id:
        errors["to_unit"] = [_("The person already works at this unit.")]
    if to_unit.closed_on is not None:
        errors["to_unit"] = [_("Unit %(code)s is closed.") % {"code": to_unit.code}]
    temporary = kind in (MoveKind.ROTATION, MoveKind.SECONDMENT)
    if temporary and not expected_return_on:
        errors["expected_return_on"] = [_("A rotation or secondment needs an expected return date.")]
    if not temporary and expected_return_on:
        errors["expected_return_on"] = [_("Only a rotation or secondment has an expected return date.")]
    if on > timezone.localdate():
        errors["on"] = [_("Record a move on or after the day it happens, not in advance.")]
    current = staff.postings.filter(ended_on__isnull=True).first()
    if current and on <= current.started_on:
        errors["on"] = [
            _("The move must come after the current posting began (%(date)s).")
            % {"date": current.started_on.strftime("%d/%m/%Y")}
        ]
    if errors:
        raise ValidationError(errors)
    with audit_context(user=user):
        if current:
            current.ended_on = on - datetime.timedelta(days=1)
            save_audited(user=user, instance=current, recheck_scope=False)
        posting = Posting(
            staff=staff,
            orgunit=to_unit,
            kind=kind,
            started_on=on,
            expected_return_on=expected_return_on,
            decision=decision.strip(),
            note=note.strip(),
        )
        save_audited(user=user, instance=posting, recheck_scope=False)
        staff.orgunit = to_unit
        save_audited(user=user, instance=staff)
    return posting


@transaction.atomic
def staff_end(*, user: Any, staff: Staff, status: str, on: datetime.date, note: str = "") -> Staff:
    """Record retirement (nghỉ hưu) or leaving (thôi việc) on a date; the open posting ends that day."""
    staff = Staff.objects.select_for_update().select_related("orgunit").get(pk=staff.pk)
    ensure_can_change(user=user, path=staff.orgunit.path)
    if status not in (StaffStatus.RETIRED, StaffStatus.LEFT):
        raise ValidationError({"status": _("Choose retired or left.")})
    if staff.status != StaffStatus.ACTIVE:
        raise ValidationError({"status": _("This person is no longer working.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("Record a retirement or departure on or after the day, not in advance.")})
    current = staff.postings.filter(ended_on__isnull=True).first()
    if current and on < current.started_on:
        raise ValidationError({"on": _("The end date cannot come before the current posting began.")})
    if current:
        current.ended_on = on
        if note:
            current.note = note.strip()
        save_audited(user=user, instance=current, recheck_scope=False)
    staff.status, staff.ended_on = status, on
    save_audited(user=user, instance=staff)
    return staff


def _ensure_staff_change(user: Any, staff: Staff) -> None:
    ensure_can_change(user=user, path=staff.orgunit.path)


@transaction.atomic
def licence_save(*, user: Any, staff: Staff, licence: Licence | None = None, **fields: Any) -> Licence:
    """Record or correct a practising licence of a person the user may change."""
    _ensure_staff_change(user, staff)
    licence = licence or Licence(staff=staff)
    if licence.staff_id != staff.pk:
        raise ValidationError(_("This licence belongs to someone else."))
    for name, value in fields.items():
        setattr(licence, name, value.strip() if isinstance(value, str) else value)
    save_audited(user=user, instance=licence)
    return licence


@transaction.atomic
def certificate_save(*, user: Any, staff: Staff, certificate: Certificate | None = None, **fields: Any) -> Certificate:
    """Record or correct a competency certificate; the expiry follows the catalogue's validity when not given."""
    _ensure_staff_change(user, staff)
    certificate = certificate or Certificate(staff=staff)
    if certificate.staff_id != staff.pk:
        raise ValidationError(_("This certificate belongs to someone else."))
    for name, value in fields.items():
        setattr(certificate, name, value.strip() if isinstance(value, str) else value)
    competency: Competency = certificate.competency
    # The expiry follows the catalogue unless the caller gives one: recomputed when the issue date changes.
    if "expires_on" not in fields and "issued_on" in fields:
        certificate.expires_on = None
    if certificate.expires_on is None and competency.validity_years and certificate.issued_on:
        certificate.expires_on = add_years(certificate.issued_on, competency.validity_years)
    save_audited(user=user, instance=certificate)
    return certificate


@transaction.atomic
def cme_save(*, user: Any, staff: Staff, activity: CmeActivity | None = None, **fields: Any) -> CmeActivity:
    """Record or correct a continuing-training activity and its credit hours."""
    _ensure_staff_change(user, staff)
    activity = activity or CmeActivity(staff=staff)
    if activity.staff_id != staff.pk:
        raise ValidationError(_("This activity belongs to someone else."))
    for name, value in fields.items():
        if name == "credits" and value is not None:
            value = Decimal(str(value))
        setattr(activity, name, value.strip() if isinstance(value, str) else value)
    save_audited(user=user, instance=activity)
    return activity


@transaction.atomic
def record_delete(*, user: Any, record: Licence | Certificate | CmeActivity) -> None:
    """Delete a licence, certificate or activity entered by mistake (the audit trail keeps its values)."""
    _ensure_staff_change(user, record.staff)
    with audit_context(user=user):
        record.delete()
