"""The stock ledger's writes (sổ kho thuốc): receipts, issues, adjustments and transfers.

Every write adds ledger entries and moves the running balance of the unit × medicine × batch with one conditional
UPDATE ("... SET quantity = quantity + d WHERE quantity + d >= 0 AND last_on <= date"), in one transaction. The
database applies the condition to the row as it is when the update runs, after any concurrent writer has
committed (PostgreSQL re-checks the WHERE clause on the new row version; SQLite serialises writers), so two users
issuing the last boxes at once get one success and one clear error, never a negative balance; the CHECK
constraint on the balance is the second guard. Entries of a batch are kept in date order (an entry may not be
dated before the batch's latest one), which makes every past balance the sum of the entries up to that date and
never negative.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.assets.models import Medicine, StockBalance, StockEntry, StockKind
from ytcs.core.audit import current_source
from ytcs.core.services import ensure_can_change
from ytcs.orgunits.models import OrgUnit

MAX_QUANTITY = 10_000_000
"""More than any station holds of one batch: a typing error."""


@dataclass(frozen=True)
class Movement:
    """One line to post: a signed quantity of a batch at a unit."""

    orgunit: OrgUnit
    medicine: Medicine
    batch: str
    quantity: int
    kind: str
    expiry_date: datetime.date | None = None
    counterpart: OrgUnit | None = None


def _check_common(*, quantity: int, occurred_on: datetime.date, batch: str) -> None:
    errors: dict[str, list[str]] = {}
    if not isinstance(quantity, int) or quantity <= 0:
        errors["quantity"] = [_("The quantity is a whole number above zero.")]
    elif quantity > MAX_QUANTITY:
        errors["quantity"] = [_("The quantity is too large.")]
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("The date cannot be in the future.")]
    if not (batch or "").strip():
        errors["batch"] = [_("Enter the batch number (số lô).")]
    if errors:
        raise ValidationError(errors)


def _post(
    *, user: Any, movement: Movement, occurred_on: datetime.date, reason: str, transfer: uuid.UUID | None
) -> StockEntry:
    """Move the balance (refusing what would make it negative or break date order), then append the entry."""
    batch = movement.batch.strip()
    balance = StockBalance.objects.filter(orgunit=movement.orgunit, medicine=movement.medicine, batch=batch).first()
    if balance is None:
        if movement.quantity < 0:
            raise ValidationError(
                {
                    "quantity": [
                        _("There is no stock of batch %(batch)s of this medicine at %(unit)s.")
                        % {"batch": batch, "unit": movement.orgunit.name}
                    ]
                }
            )
        if movement.expiry_date is None:
            raise ValidationError({"expiry_date": [_("Enter the expiry date of a new batch.")]})
        try:
            with transaction.atomic():
                balance = StockBalance.objects.create(
                    orgunit=movement.orgunit,
                    medicine=movement.medicine,
                    batch=batch,
                    expiry_date=movement.expiry_date,
                    quantity=0,
                    last_on=occurred_on,
                )
        except IntegrityError:  # created by a concurrent receipt of the same batch
            balance = StockBalance.objects.get(orgunit=movement.orgunit, medicine=movement.medicine, batch=batch)
    elif movement.expiry_date is not None and movement.expiry_date != balance.expiry_date:
        raise ValidationError(
            {
                "expiry_date": [
                    _("Batch %(batch)s expires on %(date)s in this unit's stock.")
                    % {"batch": batch, "date": balance.expiry_date.strftime("%d/%m/%Y")}
                ]
            }
        )
    condition = {"pk": balance.pk, "last_on__lte": occurred_on}
    if movement.quantity < 0:
        condition["quantity__gte"] = -movement.quantity
    moved = StockBalance.objects.filter(**condition).update(
        quantity=F("quantity") + movement.quantity, last_on=occurred_on
    )
    if moved != 1:
        current = StockBalance.objects.get(pk=balance.pk)
        if current.last_on > occurred_on:
            raise ValidationError(
                {
                    "occurred_on": [
                        _("Batch %(batch)s already has an entry dated %(date)s; enter this one on or after that date.")
                        % {"batch": batch, "date": current.last_on.strftime("%d/%m/%Y")}
                    ]
                }
            )
        raise ValidationError(
            {
                "quantity": [
                    _("Only %(balance)d %(unit)s of batch %(batch)s are in stock; %(asked)d cannot be taken out.")
                    % {
                        "balance": current.quantity,
                        "unit": movement.medicine.unit,
                        "batch": batch,
                        "asked": -movement.quantity,
                    }
                ]
            }
        )
    entry = StockEntry(
        orgunit=movement.orgunit,
        medicine=movement.medicine,
        batch=batch,
        expiry_date=balance.expiry_date,
        kind=movement.kind,
        quantity=movement.quantity,
        occurred_on=occurred_on,
        reason=reason.strip(),
        transfer=transfer,
        counterpart=movement.counterpart,
        created_by=user if getattr(user, "pk", None) else None,
        created_by_username=getattr(user, "username", "") or "",
        source=current_source(),
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def stock_receive(
    *,
    user: Any,
    orgunit: OrgUnit,
    medicine: Medicine,
    batch: str,
    expiry_date: datetime.date,
    quantity: int,
    occurred_on: datetime.date,
    reason: str = "",
) -> StockEntry:
    """A receipt (nhập kho) of a batch at a unit."""
    ensure_can_change(user=user, path=orgunit.path)
    _check_common(quantity=quantity, occurred_on=occurred_on, batch=batch)
    movement = Movement(orgunit, medicine, batch, quantity, StockKind.RECEIPT, expiry_date=expiry_date)
    return _post(user=user, movement=movement, occurred_on=occurred_on, reason=reason, transfer=None)


@transaction.atomic
def stock_issue(
    *,
    user: Any,
    orgunit: OrgUnit,
    medicine: Medicine,
    batch: str,
    quantity: int,
    occurred_on: datetime.date,
    reason: str = "",
) -> StockEntry:
    """An issue (xuất) to patients; refused when larger than the batch's balance."""
    ensure_can_change(user=user, path=orgunit.path)
    _check_common(quantity=quantity, occurred_on=occurred_on, batch=batch)
    movement = Movement(orgunit, medicine, batch, -quantity, StockKind.ISSUE)
    return _post(user=user, movement=movement, occurred_on=occurred_on, reason=reason, transfer=None)


@transaction.atomic
def stock_adjust(
    *,
    user: Any,
    orgunit: OrgUnit,
    medicine: Medicine,
    batch: str,
    change: int,
    occurred_on: datetime.date,
    reason: str,
) -> StockEntry:
    """An adjustment (điều chỉnh) after a count, a loss, an expiry or to correct an entry: signed, with a reason."""
    ensure_can_change(user=user, path=orgunit.path)
    _check_common(quantity=abs(change) if isinstance(change, int) else change, occurred_on=occurred_on, batch=batch)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the stock is adjusted.")]})
    movement = Movement(orgunit, medicine, batch, change, StockKind.ADJUSTMENT)
    return _post(user=user, movement=movement, occurred_on=occurred_on, reason=reason, transfer=None)


@transaction.atomic
def stock_transfer(
    *,
    user: Any,
    from_unit: OrgUnit,
    to_unit: OrgUnit,
    medicine: Medicine,
    batch: str,
    quantity: int,
    occurred_on: datetime.date,
    reason: str = "",
) -> tuple[StockEntry, StockEntry]:
    """A transfer between units (điều chuyển): out of one, into the other, both or neither; rights on both ends."""
    ensure_can_change(user=user, path=from_unit.path)
    ensure_can_change(user=user, path=to_unit.path)
    _check_common(quantity=quantity, occurred_on=occurred_on, batch=batch)
    if from_unit.pk == to_unit.pk:
        raise ValidationError({"to_unit": [_("A transfer goes to another unit.")]})
    link = uuid.uuid4()
    out = _post(
        user=user,
        movement=Movement(from_unit, medicine, batch, -quantity, StockKind.TRANSFER_OUT, counterpart=to_unit),
        occurred_on=occurred_on,
        reason=reason,
        transfer=link,
    )
    received = _post(
        user=user,
        movement=Movement(
            to_unit,
            medicine,
            batch,
            quantity,
            StockKind.TRANSFER_IN,
            expiry_date=out.expiry_date,
            counterpart=from_unit,
        ),
        occurred_on=occurred_on,
        reason=reason,
        transfer=link,
    )
    return out, received
