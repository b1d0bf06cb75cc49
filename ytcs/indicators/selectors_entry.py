"""Reads of the data-entry pages (nhập số liệu): the data sets and periods a user may enter, the reporting units of
their scope with their completeness, a form's layout and values, a value's history and the lock exceptions.

Each read of rows that belong to units starts from the viewer's restriction; data sets, data elements and option
combos are a shared catalogue that everyone logged in reads.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from ytcs.core.querysets import VIEW, ancestor_paths, scope_paths, subtree_q
from ytcs.core.subqueries import count_of
from ytcs.core.text import search_tokens
from ytcs.indicators import periods as P
from ytcs.indicators.models import (
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataSetElement,
    DataValue,
    DataValueAudit,
    LockException,
)
from ytcs.indicators.services import LockState, deadline_of
from ytcs.orgunits.models import OrgUnit

RECENT_PERIODS = {"monthly": 12, "quarterly": 8, "yearly": 5}
"""How many periods the landing page offers, newest first."""


# ---------------------------------------------------------------------------------------------- data sets


def entry_data_sets(*, user: Any) -> list[DataSet]:
    """Active data sets reported by a kind of unit in the user's scope (readers see the forms their units fill
    in too), the most frequent first (monthly before yearly), then by code."""
    kinds = set(
        OrgUnit.objects.restrict(user, VIEW)
        .filter(closed_on__isnull=True)
        .order_by()
        .values_list("kind", flat=True)
        .distinct()
    )
    found = [ds for ds in DataSet.objects.filter(is_active=True) if kinds & set(ds.unit_kinds or [])]
    return sorted(found, key=lambda ds: (P.RANK.get(ds.period_type, 9), ds.code))


def active_data_sets() -> QuerySet[DataSet]:
    """Every data set in use (a lock exception may be granted for any of them)."""
    return DataSet.objects.filter(is_active=True)


def data_set_get(*, code: str) -> DataSet:
    """An active data set by code, or 404."""
    data_set = DataSet.objects.filter(code=code, is_active=True).first()
    if data_set is None:
        raise Http404
    return data_set


# ---------------------------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class PeriodChoice:
    """A period offered on the landing page with its state for the user's units."""

    period: P.Period
    deadline: datetime.date | None
    future: bool = False
    locked: bool = False
    exceptions: int = 0  # lock exceptions touching the user's scope (on their units or above them)

    @property
    def open_by_exception(self) -> bool:
        return self.locked and self.exceptions > 0


def _touching_scope(user: Any, field: str) -> Q | None:
    """Rows whose unit lies in the user's scope or above one of its roots (a lock exception granted on a regional
    centre opens its stations); None when the user has no scope, an empty Q for a superuser."""
    paths = scope_paths(user, VIEW)
    if paths is None:
        return Q()
    if not paths:
        return None
    terms = [subtree_q(field, path) for path in paths]
    above = sorted({a for path in paths for a in ancestor_paths(path)})
    if above:
        terms.append(Q(**{f"{field}__in": above}))
    return reduce(or_, terms)


def period_choices(*, user: Any, data_set: DataSet, today: datetime.date) -> list[PeriodChoice]:
    """The recent periods of the data set's type, newest first, each with its state (one query for the lock
    exceptions of all of them)."""
    periods = P.recent(data_set.period_type, today=today, count=RECENT_PERIODS.get(data_set.period_type, 6))
    touching = _touching_scope(user, "orgunit__path")
    counts: dict[str, int] = {}
    if touching is not None:
        for code in LockException.objects.filter(
            touching, data_set=data_set, period__in=[p.code for p in periods]
        ).values_list("period", flat=True):
            counts[code] = counts.get(code, 0) + 1
    out = []
    for period in periods:
        deadline = deadline_of(data_set, period)
        future = period.start > today
        locked = future or (deadline is not None and today > deadline)
        out.append(PeriodChoice(period, deadline, future, locked, 0 if future else counts.get(period.code, 0)))
    return out


def default_period(choices: list[PeriodChoice]) -> P.Period | None:
    """The period a user most likely reports now: the latest period that has ended and is still open (last month
    in the first days of a month), else the current one."""
    if not choices:
        return None
    current = choices[0]
    for choice in choices[1:]:
        if not choice.locked:
            return choice.period
    return current.period


# ---------------------------------------------------------------------------------------------- reporting units


def _member_ids(data_set: DataSet) -> QuerySet:
    return DataSetElement.objects.filter(data_set=data_set).values("data_element_id")


def entry_units(*, user: Any, data_set: DataSet, period: P.Period, q: str | None = None) -> QuerySet[OrgUnit]:
    """The units of the user's scope that report the data set in the period (of its kinds, open during the
    period), in tree order, each annotated with `entered` (values of the form it holds for the period, counted
    in the database) and `last_saved` (when one was last written)."""
    qs = OrgUnit.objects.restrict(user, VIEW).filter(kind__in=list(data_set.unit_kinds or []))
    qs = qs.filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period.start))
    qs = qs.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=period.end))
    for token in search_tokens(q):
        qs = qs.filter(search_text__contains=token)
    values = DataValue.objects.filter(
        orgunit=OuterRef("pk"),
        period=period.code,
        data_element__in=_member_ids(data_set),
        # A value of an option combo the element no longer has is not a cell of the form.
        category_option_combo__combo=F("data_element__category_combo"),
    )
    last = values.order_by().values("orgunit").annotate(at=Max("last_updated")).values("at")[:1]
    return (
        qs.annotate(entered=count_of(values, "orgunit"), last_saved=Subquery(last))
        .select_related("parent")
        .order_by("path")
    )


def form_cell_count(*, data_set: DataSet) -> int:
    """The cells of the form: one per option combo of each of its data elements."""
    return CategoryOptionCombo.objects.filter(combo__data_elements__memberships__data_set=data_set).count()


def unit_lock_states(
    *, data_set: DataSet, period: P.Period, units: list[OrgUnit], today: datetime.date
) -> dict[int, LockState]:
    """Each unit's lock state in the period, as `services.lock_state` decides it, with one query for the lock
    exceptions of all of them (only when the deadline has passed)."""
    deadline = deadline_of(data_set, period)
    if period.start > today:
        state = LockState(locked=True, deadline=deadline, future=True)
        return {u.pk: state for u in units}
    if deadline is None or today <= deadline:
        state = LockState(locked=False, deadline=deadline)
        return {u.pk: state for u in units}
    chains = {u.pk: {*ancestor_paths(u.path), u.path} for u in units}
    wanted = set().union(*chains.values()) if chains else set()
    excepted = set(
        LockException.objects.filter(data_set=data_set, period=period.code, orgunit__path__in=wanted).values_list(
            "orgunit__path", flat=True
        )
    )
    return {
        pk: LockState(locked=not (chain & excepted), deadline=deadline, exception=bool(chain & excepted))
        for pk, chain in chains.items()
    }


# ---------------------------------------------------------------------------------------------- the form


@dataclass(frozen=True)
class FormLayout:
    """A data set's form: its members in form order and the option combos of each disaggregation."""

    members: list[DataSetElement]
    option_combos: dict[int, list[CategoryOptionCombo]]  # by category combo id

    def cells_of(self, element: DataElement) -> list[CategoryOptionCombo]:
        return self.option_combos.get(element.category_combo_id, [])


def form_layout(*, data_set: DataSet) -> FormLayout:
    """The members of a data set with their data elements and disaggregations (two queries)."""
    members = list(
        DataSetElement.objects.filter(data_set=data_set)
        .select_related("data_element__category_combo")
        .order_by("sort_order", "id")
    )
    combos: dict[int, list[CategoryOptionCombo]] = {}
    for coc in CategoryOptionCombo.objects.filter(
        combo_id__in={m.data_element.category_combo_id for m in members}
    ).order_by("combo_id", "sort_order", "id"):
        combos.setdefault(coc.combo_id, []).append(coc)
    return FormLayout(members, combos)


def form_values(
    *, user: Any, data_set: DataSet, orgunit: OrgUnit, period: P.Period
) -> dict[tuple[int, int], DataValue]:
    """The unit's stored values of the form, by (data element id, option combo id)."""
    qs = DataValue.objects.restrict(user, VIEW).filter(
        orgunit=orgunit, period=period.code, data_element__in=_member_ids(data_set)
    )
    return {(v.data_element_id, v.category_option_combo_id): v for v in qs}


def value_history(
    *, user: Any, data_set: DataSet, orgunit: OrgUnit, period: P.Period, element_code: str | None = None
) -> QuerySet[DataValueAudit]:
    """The changes to the unit's values of the form in the period, newest first; `element_code` keeps one data
    element's."""
    qs = DataValueAudit.objects.restrict(user, VIEW).filter(
        orgunit=orgunit, period=period.code, data_element__in=_member_ids(data_set)
    )
    if element_code:
        qs = qs.filter(data_element__code=element_code)
    return qs.select_related("data_element", "category_option_combo__combo").order_by("-at", "-id")


def form_element(*, data_set: DataSet, code: str) -> DataElement | None:
    """A data element of the form by code (None when it is not one of its)."""
    return DataElement.objects.filter(code=code, memberships__data_set=data_set).first()


# ---------------------------------------------------------------------------------------------- lock exceptions


def lock_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[LockException]:
    """Lock exceptions granted on units of the user's scope, newest first; filters `data_set` (code), `period`
    (code) and `q` (unit code or name, diacritics ignored)."""
    filters = filters or {}
    qs = LockException.objects.restrict(user, VIEW).select_related("data_set", "orgunit", "granted_by")
    if filters.get("data_set"):
        qs = qs.filter(data_set__code=filters["data_set"])
    if filters.get("period"):
        qs = qs.filter(period=filters["period"])
    for token in search_tokens(filters.get("q")):
        qs = qs.filter(orgunit__search_text__contains=token)
    return qs.order_by("-created", "-id")


def lock_get(*, user: Any, pk: Any) -> LockException:
    """A lock exception on a unit of the user's scope, or 404."""
    found = (
        LockException.objects.restrict(user, VIEW).select_related("data_set", "orgunit").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if found is None:
        raise Http404
    return found


def scope_unit(*, user: Any, code: str) -> OrgUnit | None:
    """A unit of the user's scope by code (case as typed or upper), None when there is none."""
    qs = OrgUnit.objects.restrict(user, VIEW)
    return qs.filter(code=code).first() or qs.filter(code__iexact=code).first()
