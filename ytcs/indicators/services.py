"""Writes of reported data (nhập số liệu): the entry form, single values and bulk imports share `write_values`.

Every write: checks the unit is in the writer's data-entry scope, the data set is reported by units of its kind,
the period is of the data set's type, has started and is not locked; parses each value by its data element's
type; then saves the values, their history (`DataValueAudit`: before/after, who, when, channel) and the roll-up
difference (`aggregates.apply`) in one transaction. A bad value names its data element and option combo and
nothing is saved.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.accounts.roles import ENTER_DATA
from ytcs.core.audit import audit_context, current_source
from ytcs.core.querysets import VIEW, ancestor_paths, in_scope
from ytcs.core.services import ensure_can_change
from ytcs.indicators import aggregates
from ytcs.indicators import periods as P
from ytcs.indicators.models import (
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataValue,
    DataValueAudit,
    LockException,
    ValueType,
)
from ytcs.orgunits.models import OrgUnit

_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")

MAX_ABS_VALUE = 1e12
"""Larger than any count a unit reports: a typing error, not a figure."""


# ---------------------------------------------------------------------------------------------- values


def parse_value(element: DataElement, raw: Any) -> float | None:
    """A typed value as its data element's type allows; None for an empty one (delete); ValidationError else."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raw = int(raw)
    text = str(raw).strip()
    if text == "":
        return None
    if element.value_type == ValueType.YES_NO:
        folded = text.lower()
        if folded in {"1", "true", "có", "co", "yes", "x"}:
            return 1.0
        if folded in {"0", "false", "không", "khong", "no"}:
            return 0.0
        raise ValidationError(_("“%(value)s” is not yes (1) or no (0).") % {"value": text})
    normalised = text.replace(" ", "").replace("\u00a0", "")
    whole = element.value_type in (ValueType.INTEGER, ValueType.INTEGER_ZERO_OR_POSITIVE)
    # Vietnamese writes 1.234,5; a lone comma is a decimal comma; in a count, 1.200 is twelve hundred.
    if whole and _THOUSANDS.match(normalised):
        normalised = normalised.replace(".", "")
    elif "," in normalised and "." in normalised:
        normalised = normalised.replace(".", "").replace(",", ".")
    elif "," in normalised:
        normalised = normalised.replace(",", ".")
    try:
        number = float(normalised)
    except ValueError:
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": text}) from None
    if not math.isfinite(number) or abs(number) > MAX_ABS_VALUE:
        raise ValidationError(_("“%(value)s” is too large.") % {"value": text})
    if element.value_type in (ValueType.INTEGER, ValueType.INTEGER_ZERO_OR_POSITIVE) and number != int(number):
        raise ValidationError(_("“%(value)s” must be a whole number.") % {"value": text})
    if element.value_type == ValueType.INTEGER_ZERO_OR_POSITIVE and number < 0:
        raise ValidationError(_("“%(value)s” cannot be negative.") % {"value": text})
    if element.value_type == ValueType.PERCENTAGE and not 0 <= number <= 100:
        raise ValidationError(_("“%(value)s” is not a percentage between 0 and 100.") % {"value": text})
    return number


def format_value(value: float | None) -> str:
    """As shown in a form and exported: integers without ".0"."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def outside_usual_range(element: DataElement, value: float | None) -> bool:
    if value is None:
        return False
    return (element.min_value is not None and value < element.min_value) or (
        element.max_value is not None and value > element.max_value
    )


# ---------------------------------------------------------------------------------------------- periods, locks


@dataclass(frozen=True)
class LockState:
    locked: bool
    deadline: datetime.date | None  # None: the data set never locks
    exception: bool = False  # open after the deadline by a lock exception
    future: bool = False


def deadline_of(data_set: DataSet, period: P.Period) -> datetime.date | None:
    if not data_set.expiry_days:
        return None
    return period.end + datetime.timedelta(days=data_set.expiry_days)


def lock_state(
    *, data_set: DataSet, orgunit: OrgUnit, period: P.Period, today: datetime.date | None = None
) -> LockState:
    """Whether the unit may still enter the period: a period opens when it starts and locks after its deadline
    (its end + the data set's expiry days) unless a lock exception covers the unit."""
    today = today or timezone.localdate()
    deadline = deadline_of(data_set, period)
    if period.start > today:
        return LockState(locked=True, deadline=deadline, future=True)
    if deadline is None or today <= deadline:
        return LockState(locked=False, deadline=deadline)
    chain = [*ancestor_paths(orgunit.path), orgunit.path]
    excepted = LockException.objects.filter(data_set=data_set, period=period.code, orgunit__path__in=chain).exists()
    return LockState(locked=not excepted, deadline=deadline, exception=excepted)


def lock_message(state: LockState) -> str:
    if state.future:
        return _("This period has not started yet.")
    return _("The period closed for entry on %(date)s; ask the province for a lock exception.") % {
        "date": state.deadline.strftime("%d/%m/%Y") if state.deadline else ""
    }


def check_period_type(data_set: DataSet, period: P.Period) -> None:
    if period.type != data_set.period_type:
        raise ValidationError(
            _("Data set %(code)s is reported %(type)s; %(period)s is not such a period.")
            % {"code": data_set.code, "type": data_set.get_period_type_display().lower(), "period": period.code}
        )


def entry_unit(*, user: Any, code: str | None = None, pk: int | None = None) -> OrgUnit:
    """A unit the user may see (404 otherwise); `ensure_can_enter` then checks the right to enter data."""
    qs = OrgUnit.objects.restrict(user, VIEW)
    unit = qs.filter(code=code).first() if code is not None else qs.filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def ensure_can_enter(*, user: Any, orgunit: OrgUnit) -> None:
    if not in_scope(user, orgunit.path, ENTER_DATA):
        raise PermissionDenied(_("You do not have the right to enter data for this unit."))


def check_reports(data_set: DataSet, orgunit: OrgUnit) -> None:
    if orgunit.kind not in (data_set.unit_kinds or []):
        raise ValidationError(
            _("%(unit)s does not report data set %(code)s (reported by: %(kinds)s).")
            % {"unit": orgunit.code, "code": data_set.code, "kinds": ", ".join(data_set.unit_kinds) or "—"}
        )


# ---------------------------------------------------------------------------------------------- bulk write


@dataclass(frozen=True)
class Entry:
    """One value to write (checked already): None deletes."""

    data_element_id: int
    option_combo_id: int
    orgunit_id: int
    period: str
    value: float | None
    comment: str = ""


@dataclass
class WriteCounts:
    imported: int = 0
    updated: int = 0
    deleted: int = 0
    ignored: int = 0
    changes: list[aggregates.Change] = field(default_factory=list, repr=False)


CHUNK = 5_000


class ConcurrentWrite(Exception):
    """Someone else created one of the values between our read and our write."""


def write_values(
    *,
    user: Any,
    entries: Sequence[Entry],
    source: str | None = None,
    progress: Callable[[int], None] | None = None,
    keep_changes: bool = False,
) -> WriteCounts:
    """Save checked entries, their history and the roll-up difference. Must run inside a transaction (the
    caller's: a form, an import file); existing values are locked (FOR UPDATE on PostgreSQL) while compared."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("write_values must run inside transaction.atomic()")
    source = source or current_source()
    counts = WriteCounts()
    now = timezone.now()
    actor = user if getattr(user, "pk", None) else None
    username = getattr(user, "username", "") or ""
    for start in range(0, len(entries), CHUNK):
        chunk = entries[start : start + CHUNK]
        existing: dict[tuple, DataValue] = {}
        keys = {(e.period, e.orgunit_id, e.data_element_id, e.option_combo_id) for e in chunk}
        found = DataValue.objects.filter(
            period__in={k[0] for k in keys},
            orgunit_id__in={k[1] for k in keys},
            data_element_id__in={k[2] for k in keys},
        ).select_for_update()
        for row in found:
            key = (row.period, row.orgunit_id, row.data_element_id, row.category_option_combo_id)
            if key in keys:
                existing[key] = row
        creates, updates, deletes, audits, changes = [], [], [], [], []
        for e in chunk:
            key = (e.period, e.orgunit_id, e.data_element_id, e.option_combo_id)
            old = existing.get(key)
            base = {
                "data_element_id": e.data_element_id,
                "category_option_combo_id": e.option_combo_id,
                "orgunit_id": e.orgunit_id,
                "period": e.period,
            }
            if e.value is None:
                if old is None:
                    counts.ignored += 1
                    continue
                deletes.append(old.pk)
                audits.append(DataValueAudit(**base, action="delete", previous=old.value, value=None))
                changes.append(
                    aggregates.Change(e.data_element_id, e.option_combo_id, e.orgunit_id, e.period, old.value, None)
                )
                counts.deleted += 1
            elif old is None:
                creates.append(
                    DataValue(
                        **base, value=e.value, comment=e.comment, stored_by=username, created=now, last_updated=now
                    )
                )
                audits.append(DataValueAudit(**base, action="create", previous=None, value=e.value))
                changes.append(
                    aggregates.Change(e.data_element_id, e.option_combo_id, e.orgunit_id, e.period, None, e.value)
                )
                counts.imported += 1
            elif old.value != e.value or old.comment != e.comment:
                changes.append(
                    aggregates.Change(e.data_element_id, e.option_combo_id, e.orgunit_id, e.period, old.value, e.value)
                )
                if old.value != e.value:
                    audits.append(DataValueAudit(**base, action="update", previous=old.value, value=e.value))
                old.value, old.comment, old.stored_by, old.last_updated = e.value, e.comment, username, now
                updates.append(old)
                counts.updated += 1
            else:
                counts.ignored += 1
        if deletes:
            DataValue.objects.filter(pk__in=deletes).delete()
        if creates:
            try:
                with transaction.atomic():
                    DataValue.objects.bulk_create(creates, batch_size=1000)
            except IntegrityError as exc:
                raise ConcurrentWrite from exc
        if updates:
            DataValue.objects.bulk_update(updates, ["value", "comment", "stored_by", "last_updated"], batch_size=1000)
        for audit in audits:
            audit.actor, audit.actor_username, audit.source, audit.at = actor, username, source, now
        DataValueAudit.objects.bulk_create(audits, batch_size=1000)
        aggregates.apply(changes)
        if keep_changes:
            counts.changes.extend(changes)
        if progress is not None:
            progress(start + len(chunk))
    return counts


# ---------------------------------------------------------------------------------------------- the entry form


@dataclass
class FormResult:
    counts: WriteCounts
    warnings: list[str]


def form_save(
    *,
    user: Any,
    data_set: DataSet,
    orgunit: OrgUnit,
    period: P.Period,
    values: dict[tuple[int, int], Any],
    comments: dict[tuple[int, int], str] | None = None,
) -> FormResult:
    """Save a data-entry form: `values` maps (data element id, option combo id) to what was typed ("" deletes).
    All or nothing: every bad cell is named in one ValidationError (keyed "DE.COMBO" codes) and none is saved.
    Returns the counts and the warnings (values outside the usual range, broken validation rules)."""
    from ytcs.indicators.validation import check_rules

    ensure_can_enter(user=user, orgunit=orgunit)
    check_reports(data_set, orgunit)
    check_period_type(data_set, period)
    state = lock_state(data_set=data_set, orgunit=orgunit, period=period)
    if state.locked:
        raise ValidationError(lock_message(state))
    comments = comments or {}
    members = {de.pk: de for de in data_set.data_elements.select_related("category_combo")}
    combos = {
        c.pk: c
        for c in CategoryOptionCombo.objects.filter(combo_id__in={de.category_combo_id for de in members.values()})
    }
    errors: dict[str, list[str]] = {}
    entries: list[Entry] = []
    typed: dict[tuple[int, int], float | None] = {}
    warnings: list[str] = []
    for (de_id, coc_id), raw in values.items():
        de, coc = members.get(de_id), combos.get(coc_id)
        if de is None or coc is None or coc.combo_id != de.category_combo_id:
            errors.setdefault("__all__", []).append(_("A value does not belong to this form."))
            continue
        label = de.name if coc.combo.is_default else f"{de.name} — {coc.name}"
        try:
            value = parse_value(de, raw)
        except ValidationError as exc:
            errors.setdefault(f"{de.code}.{coc.code}", []).append(f"{label}: {' '.join(exc.messages)}")
            continue
        comment = (comments.get((de_id, coc_id)) or "").strip()[:500]
        typed[(de_id, coc_id)] = value
        entries.append(Entry(de_id, coc_id, orgunit.pk, period.code, value, comment))
        if outside_usual_range(de, value):
            warnings.append(
                _("%(label)s: %(value)s is outside the usual range %(min)s–%(max)s.")
                % {
                    "label": label,
                    "value": format_value(value),
                    "min": format_value(de.min_value) if de.min_value is not None else "…",
                    "max": format_value(de.max_value) if de.max_value is not None else "…",
                }
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        OrgUnit.objects.select_for_update().filter(pk=orgunit.pk).exists()
        ensure_can_change(user=user, path=orgunit.path, action=ENTER_DATA)
        try:
            counts = write_values(user=user, entries=entries)
        except ConcurrentWrite:
            raise ValidationError(
                _("Someone else saved this form at the same moment; reload it and save again.")
            ) from None
    warnings += [v.message for v in check_rules(data_set=data_set, orgunit=orgunit, period=period)]
    return FormResult(counts=counts, warnings=warnings)


def lock_exception_grant(
    *, user: Any, data_set: DataSet, orgunit: OrgUnit, period: P.Period, reason: str
) -> LockException:
    """Let the units under `orgunit` enter a closed period (province administrators and regional managers: the
    approve right on the unit)."""
    from ytcs.accounts.roles import APPROVE

    check_period_type(data_set, period)
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why the period is reopened.")]})
    ensure_can_change(user=user, path=orgunit.path, action=APPROVE)
    with transaction.atomic(), audit_context(user=user):
        exception, _created = LockException.objects.update_or_create(
            data_set=data_set,
            orgunit=orgunit,
            period=period.code,
            defaults={"reason": reason.strip(), "granted_by": user},
        )
    return exception


def lock_exception_revoke(*, user: Any, exception: LockException) -> None:
    from ytcs.accounts.roles import APPROVE

    ensure_can_change(user=user, path=exception.orgunit.path, action=APPROVE)
    with transaction.atomic(), audit_context(user=user):
        exception.delete()


def values_of(
    *, orgunit_ids: Iterable[int], period: str, data_element_ids: Iterable[int]
) -> dict[tuple[int, int, int], DataValue]:
    """Stored values by (unit, data element, option combo) for one period."""
    qs = DataValue.objects.filter(
        Q(period=period), orgunit_id__in=list(orgunit_ids), data_element_id__in=list(data_element_ids)
    )
    return {(v.orgunit_id, v.data_element_id, v.category_option_combo_id): v for v in qs}
