"""Reads of the medicine list and the stock ledger (danh mục thuốc, sổ kho thuốc) for the stock pages and API.

Every query that reaches a user starts from `.restrict(user, VIEW)` (the medicine list belongs to no unit and is
read by everyone). The core figures come from `ytcs.assets.selectors` (balance on a date, stock-outs, below
minimum, expiring batches, the monthly report); this module adds what the pages need around them: the ledger and
the batches of one unit, the balance of each batch on a date, and the roll-up of the alerts to the units of a
level, each counted in the database in one grouped query.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from ytcs.assets.models import Medicine, MedicineList, StockBalance, StockEntry
from ytcs.assets.selectors import (
    EXPIRY_WINDOW_DAYS,
    below_minimum,
    expiring_batches,
    monthly_consumption,
    stock_balances_on,
    stock_outs,
)
from ytcs.core.querysets import CHANGE, VIEW, in_scope, subtree_q
from ytcs.core.text import search_tokens
from ytcs.orgunits.models import OrgUnit, OrgUnitKind

UNIT_OPTIONS_MAX = 500

MEDICINE_FIELDS = (
    "medicine_id",
    "medicine__code",
    "medicine__active_ingredient",
    "medicine__strength",
    "medicine__dosage_form",
    "medicine__unit",
)


def _under(qs: QuerySet, root: OrgUnit | None, field: str = "orgunit__path") -> QuerySet:
    return qs.filter(subtree_q(field, root.path)) if root is not None else qs


# ---------------------------------------------------------------------------------------------- medicine list


def medicine_lists() -> QuerySet[MedicineList]:
    """Every version of the medicine list, the current one first, with its number of medicines."""
    return MedicineList.objects.annotate(medicine_count=Count("medicines")).order_by("-is_current", "code", "-created")


def current_medicine_list() -> MedicineList | None:
    return MedicineList.objects.filter(is_current=True).first()


def medicine_list_get(*, pk: int) -> MedicineList:
    found = MedicineList.objects.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def medicine_search(*, medicine_list: MedicineList | None, q: str | None = None) -> QuerySet[Medicine]:
    """Medicines of a list version; `q` matches code, active ingredient, strength and form, diacritics ignored
    ("thuoc ho" finds "thuốc ho"): every word must match."""
    if medicine_list is None:
        return Medicine.objects.none()
    qs = Medicine.objects.filter(medicine_list=medicine_list)
    for token in search_tokens(q):
        qs = qs.filter(search_text__contains=token)
    return qs.select_related("medicine_list").order_by("active_ingredient", "strength", "code", "id")


def medicine_get(*, pk: int) -> Medicine | None:
    """A medicine of any list version (the ledger keeps pointing at the version it was recorded with)."""
    return Medicine.objects.select_related("medicine_list").filter(pk=pk).first()


def receivable_medicines() -> QuerySet[Medicine]:
    """What a receipt may be of: the medicines of the current list."""
    return medicine_search(medicine_list=current_medicine_list())


# ---------------------------------------------------------------------------------------------- units


def stock_unit_options(*, user: Any, action: str = VIEW) -> QuerySet:
    """Units offered by the unit pickers of the stock pages (code, name), in tree order."""
    return (
        OrgUnit.objects.restrict(user, action)
        .filter(closed_on__isnull=True)
        .order_by("path")
        .values_list("code", "name")[:UNIT_OPTIONS_MAX]
    )


def default_stock_unit(*, user: Any) -> OrgUnit | None:
    """The unit a stock page opens on without `?unit=`: the user's own unit when they see it, else the first unit
    they see."""
    units = OrgUnit.objects.restrict(user, VIEW).select_related("parent")
    home = getattr(user, "home_unit_id", None)
    if home:
        found = units.filter(pk=home).first()
        if found is not None:
            return found
    return units.order_by("path").first()


def level_units(*, user: Any, root: OrgUnit, level: int) -> QuerySet[OrgUnit]:
    """The units of a level under `root` that the user sees, in tree order (the rows of a roll-up)."""
    return OrgUnit.objects.restrict(user, VIEW).filter(subtree_q("path", root.path), level=level).order_by("path")


def levels_below(*, user: Any, root: OrgUnit) -> list[tuple[int, str]]:
    """The levels under `root` holding units the user sees, each named by the kinds of unit on it (the choices of
    a roll-up: a region's stations, then their satellite points)."""
    rows = (
        OrgUnit.objects.restrict(user, VIEW)
        .filter(subtree_q("path", root.path), level__gt=root.level)
        .values_list("level", "kind")
        .distinct()
        .order_by("level", "kind")
    )
    labels: dict[int, list[str]] = {}
    for level, kind in rows:
        labels.setdefault(level, []).append(str(OrgUnitKind(kind).label))
    return [(level, ", ".join(kinds)) for level, kinds in labels.items()]


# ---------------------------------------------------------------------------------------------- a unit's stock


def _flags(today: datetime.date, days: int) -> dict[str, Any]:
    """Per batch row (annotated with the unexpired balance of its medicine at the unit): out of stock, below the
    usual minimum, expired, expiring within `days`."""
    limit = today + datetime.timedelta(days=days)
    return {
        "is_out": Case(When(medicine_unexpired=0, then=Value(True)), default=Value(False), output_field=BooleanField()),
        "is_below": Case(
            When(
                medicine__minimum_stock__isnull=False,
                medicine_unexpired__gt=0,
                medicine_unexpired__lt=F("medicine__minimum_stock"),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
        "is_expired": Case(
            When(quantity__gt=0, expiry_date__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        "is_expiring": Case(
            When(quantity__gt=0, expiry_date__gte=today, expiry_date__lte=limit, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    }


def unit_batches(
    *,
    user: Any,
    orgunit: OrgUnit | None = None,
    root: OrgUnit | None = None,
    medicine: int | None = None,
    in_stock: bool = False,
    today: datetime.date | None = None,
    days: int = EXPIRY_WINDOW_DAYS,
) -> QuerySet[StockBalance]:
    """The batches of one unit (`orgunit`) or of a subtree (`root`) with their running balance now, each flagged
    (`is_out`, `is_below`, `is_expired`, `is_expiring`) and carrying `medicine_unexpired`, the unexpired balance of
    its medicine at its unit: one query, by medicine then soonest expiry."""
    today = today or timezone.localdate()
    qs = StockBalance.objects.restrict(user, VIEW)
    if orgunit is not None:
        qs = qs.filter(orgunit=orgunit)
    qs = _under(qs, root)
    if medicine:
        qs = qs.filter(medicine_id=medicine)
    if in_stock:
        qs = qs.filter(quantity__gt=0)
    unexpired = (
        StockBalance.objects.filter(
            orgunit=OuterRef("orgunit"), medicine=OuterRef("medicine"), expiry_date__gte=today, quantity__gt=0
        )
        .values("orgunit")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return (
        qs.select_related("medicine", "orgunit")
        .annotate(medicine_unexpired=Coalesce(Subquery(unexpired, output_field=IntegerField()), Value(0)))
        .annotate(**_flags(today, days))
        .order_by(
            "orgunit__path",
            "medicine__active_ingredient",
            "medicine__strength",
            "medicine_id",
            "expiry_date",
            "batch",
        )
    )


def batch_choices(*, user: Any, orgunit: OrgUnit, in_stock: bool, keep: Any = None) -> QuerySet[StockBalance]:
    """Batches a form offers: those of the unit (in stock only for an issue or a transfer), plus the one already
    chosen so a re-shown form keeps it."""
    qs = StockBalance.objects.restrict(user, VIEW).filter(orgunit=orgunit)
    if in_stock:
        keep_pk = keep if str(keep or "").isdigit() else None
        qs = qs.filter(Q(quantity__gt=0) | Q(pk=keep_pk)) if keep_pk else qs.filter(quantity__gt=0)
    return qs.select_related("medicine").order_by(
        "medicine__active_ingredient", "medicine__strength", "medicine_id", "expiry_date", "batch"
    )


def unit_medicines(*, user: Any, orgunit: OrgUnit) -> QuerySet[Medicine]:
    """Medicines the unit has stocked (the ledger filter's choices)."""
    ids = StockBalance.objects.restrict(user, VIEW).filter(orgunit=orgunit).values("medicine_id")
    return Medicine.objects.filter(pk__in=ids).order_by("active_ingredient", "strength", "id")


def unit_alert_counts(*, user: Any, orgunit: OrgUnit, today: datetime.date | None = None) -> dict[str, int]:
    """Stock-outs, medicines below minimum and expiring batches of one unit (not of the units under it)."""
    today = today or timezone.localdate()
    return {
        "stock_outs": stock_outs(user=user, root=orgunit, today=today).filter(orgunit_id=orgunit.pk).count(),
        "below_minimum": below_minimum(user=user, root=orgunit, today=today).filter(orgunit_id=orgunit.pk).count(),
        "expiring": expiring_batches(user=user, root=orgunit, today=today).filter(orgunit=orgunit).count(),
    }


class NamedTotals:
    """Rows of a grouped ledger query (unit, medicine[, batch, expiry date], quantity) with the unit's code and
    name and the medicine's fields joined after the grouping, in a given order: one query over the grouped rows as a
    derived table, and one COUNT of them for a paginator.

    The database sums the ledger on its narrow keys first (PostgreSQL in parallel, SQLite in the order of the
    unit × medicine index) and joins the names to the sums. Grouped by the name columns themselves, it joined
    every ledger entry to its unit and medicine and sorted them all by the wide key before summing: 7 to 10 times
    the bare aggregate for the whole country at national scale (bench/assets.py). A read-only sequence of dicts
    sliced with LIMIT/OFFSET, so paginators page it in the database."""

    ordered = True  # Paginator warns about unordered object lists

    def __init__(self, grouped: QuerySet, *, batches: bool, order: tuple[str, ...]) -> None:
        self.grouped = grouped.order_by()
        self.batches = batches
        self.order = order
        self._rows: list[dict[str, Any]] | None = None

    def _fetch(self, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        inner, params = self.grouped.query.sql_with_params()
        quote = connection.ops.quote_name
        extra = ", g.batch, g.expiry_date" if self.batches else ""
        sql = (
            "SELECT g.orgunit_id, u.code, u.name, g.medicine_id, m.code, m.active_ingredient, m.strength, "
            f"m.dosage_form, m.unit{extra}, g.quantity FROM ({inner}) g "
            f"JOIN {quote(OrgUnit._meta.db_table)} u ON u.id = g.orgunit_id "
            f"JOIN {quote(Medicine._meta.db_table)} m ON m.id = g.medicine_id ORDER BY {', '.join(self.order)}"
        )
        params = list(params)
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            params += [limit, offset]
        keys = ("orgunit_id", "orgunit__code", "orgunit__name", *MEDICINE_FIELDS)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        out = []
        for row in rows:
            found = dict(zip(keys, row, strict=False))
            if self.batches:
                expiry = row[-2]
                # A raw cursor on SQLite returns dates as text.
                found["batch"] = row[-3]
                found["expiry_date"] = datetime.date.fromisoformat(expiry) if isinstance(expiry, str) else expiry
            found["quantity"] = int(row[-1])
            out.append(found)
        return out

    def _all(self) -> list[dict[str, Any]]:
        if self._rows is None:
            self._rows = self._fetch()
        return self._rows

    def count(self) -> int:
        return len(self._rows) if self._rows is not None else self.grouped.count()

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._all())

    def __bool__(self) -> bool:
        return bool(self._all())

    def __getitem__(self, index: int | slice) -> Any:
        if self._rows is not None or not isinstance(index, slice) or index.step not in (None, 1):
            return self._all()[index]
        start = index.start or 0
        if start < 0 or (index.stop is not None and index.stop < 0):
            return self._all()[index]
        if index.stop is None:
            return self._fetch(limit=None)[start:] if start else self._all()
        return self._fetch(limit=max(index.stop - start, 0), offset=start)


def medicine_totals_on(
    *, user: Any, on: datetime.date, orgunit: OrgUnit | None = None, root: OrgUnit | None = None
) -> QuerySet:
    """`stock_balances_on` of one unit (`orgunit`) or of a subtree (`root`), medicines at zero left out: rows of
    orgunit_id, medicine_id, quantity."""
    qs = stock_balances_on(user=user, on=on, root=orgunit or root).filter(quantity__gt=0)
    return qs.filter(orgunit_id=orgunit.pk) if orgunit is not None else qs


def medicine_balances_on(
    *, user: Any, on: datetime.date, orgunit: OrgUnit | None = None, root: OrgUnit | None = None
) -> NamedTotals:
    """Balance of each medicine of one unit (`orgunit`) or of the units of a subtree (`root`) on a date
    (`medicine_totals_on` with the names of the unit and the medicine, in tree order then by medicine): rows of
    orgunit_id, orgunit__code, orgunit__name, medicine_id, medicine__code, ..., quantity."""
    return NamedTotals(
        medicine_totals_on(user=user, on=on, orgunit=orgunit, root=root),
        batches=False,
        order=("u.path", "m.active_ingredient", "m.strength", "g.medicine_id"),
    )


def batch_rows(*, user: Any, root: OrgUnit | None, today: datetime.date | None = None) -> QuerySet:
    """`unit_batches` of a subtree as rows (the API's running balances)."""
    return unit_batches(user=user, root=root, today=today).values(
        "orgunit_id",
        "orgunit__code",
        "orgunit__name",
        *MEDICINE_FIELDS,
        "batch",
        "expiry_date",
        "quantity",
        "is_out",
        "is_below",
        "is_expired",
        "is_expiring",
    )


def batch_totals_on(
    *, user: Any, on: datetime.date, orgunit: OrgUnit | None = None, root: OrgUnit | None = None
) -> QuerySet:
    """Balance of each batch on a date: the sum of its entries dated up to it (entries of a batch are kept in date
    order, so it is the balance the ledger showed that evening). One GROUP BY; rows of orgunit_id, medicine_id,
    batch, expiry_date, quantity; batches at zero left out."""
    qs = StockEntry.objects.restrict(user, VIEW).filter(occurred_on__lte=on)
    if orgunit is not None:
        qs = qs.filter(orgunit=orgunit)
    qs = _under(qs, root)
    return (
        qs.values("orgunit_id", "medicine_id", "batch", "expiry_date")
        .annotate(quantity=Sum("quantity"))
        .filter(quantity__gt=0)
        .order_by()
    )


def batch_balances_on(
    *, user: Any, on: datetime.date, orgunit: OrgUnit | None = None, root: OrgUnit | None = None
) -> NamedTotals:
    """`batch_totals_on` with the names of the unit and the medicine, by unit code, medicine, then soonest expiry:
    rows of orgunit_id, orgunit__code, orgunit__name, medicine fields, batch, expiry_date, quantity."""
    return NamedTotals(
        batch_totals_on(user=user, on=on, orgunit=orgunit, root=root),
        batches=True,
        order=("u.code", "m.active_ingredient", "m.strength", "g.medicine_id", "g.expiry_date", "g.batch"),
    )


# ---------------------------------------------------------------------------------------------- the ledger


def ledger(*, user: Any, filters: dict[str, Any], orgunit: OrgUnit | None = None) -> QuerySet[StockEntry]:
    """Entries of the ledger, newest first. `orgunit`: one unit's entries; filters `root` (a unit: its subtree),
    `medicine` (id), `kind`, `month` (a date in it), `date_from`, `date_to`."""
    qs = StockEntry.objects.restrict(user, VIEW)
    if orgunit is not None:
        qs = qs.filter(orgunit=orgunit)
    qs = _under(qs, filters.get("root"))
    if filters.get("medicine"):
        qs = qs.filter(medicine_id=filters["medicine"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("month"):
        start = filters["month"].replace(day=1)
        qs = qs.filter(occurred_on__gte=start, occurred_on__lte=month_end(start))
    if filters.get("date_from"):
        qs = qs.filter(occurred_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(occurred_on__lte=filters["date_to"])
    return qs.select_related("orgunit", "medicine", "counterpart").order_by("-occurred_on", "-id")


def entry_get(*, user: Any, pk: int) -> StockEntry:
    found = StockEntry.objects.restrict(user, VIEW).select_related("orgunit", "medicine", "counterpart")
    entry = found.filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def month_end(start: datetime.date) -> datetime.date:
    return (start.replace(day=1) + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


# ---------------------------------------------------------------------------------------------- alerts


def stock_out_rows(*, user: Any, root: OrgUnit | None, today: datetime.date | None = None) -> QuerySet:
    """`stock_outs` with the names of the unit and the medicine, by unit then medicine."""
    return (
        stock_outs(user=user, root=root, today=today)
        .values("orgunit_id", "orgunit__code", "orgunit__name", *MEDICINE_FIELDS, "unexpired")
        .order_by("orgunit__path", "medicine__active_ingredient", "medicine__strength", "medicine_id")
    )


def below_minimum_rows(*, user: Any, root: OrgUnit | None, today: datetime.date | None = None) -> QuerySet:
    """`below_minimum` with the names of the unit and the medicine and the usual minimum."""
    return (
        below_minimum(user=user, root=root, today=today)
        .values(
            "orgunit_id",
            "orgunit__code",
            "orgunit__name",
            *MEDICINE_FIELDS,
            "medicine__minimum_stock",
            "unexpired",
        )
        .order_by("orgunit__path", "medicine__active_ingredient", "medicine__strength", "medicine_id")
    )


def expiring_rows(*, user: Any, root: OrgUnit | None, today: datetime.date | None = None) -> QuerySet:
    """`expiring_batches` as rows with the names of the unit and the medicine, soonest first."""
    return expiring_batches(user=user, root=root, today=today).values(
        "orgunit_id",
        "orgunit__code",
        "orgunit__name",
        *MEDICINE_FIELDS,
        "medicine__minimum_stock",
        "batch",
        "expiry_date",
        "quantity",
    )


ALERT_KEYS = ("stock_outs", "below_minimum", "expiring")


def alert_rollup(
    *,
    user: Any,
    level: int,
    root: OrgUnit | None = None,
    today: datetime.date | None = None,
    days: int = EXPIRY_WINDOW_DAYS,
) -> dict[int, dict[str, int]]:
    """The alerts counted per unit of `level` (over the units under each, itself included):
    {unit id: {"stock_outs", "below_minimum", "expiring"}}; units without any are left out.

    A stock-out or a medicine below minimum is a unit × medicine pair, so they are counted over the pairs of the
    restricted, grouped balances (the same rule as `stock_outs` and `below_minimum`): one query with the pairs as
    a derived table, grouped by the ancestor of the level. Expiring batches are one GROUP BY."""
    today = today or timezone.localdate()
    column = f"orgunit__level{level}_id"
    balances = _under(StockBalance.objects.restrict(user, VIEW), root).filter(**{f"{column}__isnull": False})
    pairs = (
        balances.values("orgunit_id", "medicine_id")
        .annotate(
            rollup_unit=F(column),
            usual_minimum=F("medicine__minimum_stock"),
            unexpired=Coalesce(
                Sum("quantity", filter=Q(expiry_date__gte=today)), Value(0), output_field=IntegerField()
            ),
        )
        .values("rollup_unit", "usual_minimum", "unexpired")
        .order_by()
    )
    inner, params = pairs.query.sql_with_params()
    sql = (
        "SELECT pairs.rollup_unit,"
        " SUM(CASE WHEN pairs.unexpired = 0 THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN pairs.unexpired > 0 AND pairs.unexpired < pairs.usual_minimum THEN 1 ELSE 0 END)"
        f" FROM ({inner}) pairs GROUP BY pairs.rollup_unit"
    )
    out: dict[int, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for unit_id, outs, below in cursor.fetchall():
            out[unit_id] = {"stock_outs": int(outs or 0), "below_minimum": int(below or 0), "expiring": 0}
    limit = today + datetime.timedelta(days=days)
    expiring = (
        balances.filter(quantity__gt=0, expiry_date__lte=limit)
        .values(column)
        .annotate(n=Count("pk"))
        .values_list(column, "n")
        .order_by()
    )
    for unit_id, n in expiring:
        out.setdefault(unit_id, {"stock_outs": 0, "below_minimum": 0, "expiring": 0})["expiring"] = n
    return {unit_id: figures for unit_id, figures in out.items() if any(figures.values())}


@dataclass
class AlertRow:
    unit: OrgUnit
    stock_outs: int = 0
    below_minimum: int = 0
    expiring: int = 0

    @property
    def any(self) -> bool:
        return bool(self.stock_outs or self.below_minimum or self.expiring)


@dataclass
class AlertSummary:
    """Alerts under a unit: the totals of its subtree and one row per unit of the chosen level under it."""

    root: OrgUnit
    level: int | None
    today: datetime.date
    days: int
    totals: dict[str, int]
    rows: list[AlertRow] = field(default_factory=list)


def alert_summary(*, user: Any, root: OrgUnit, level: int | None, today: datetime.date | None = None) -> AlertSummary:
    """Totals of the subtree of `root` and, for a level below it, the roll-up to each unit of that level (units
    without any alert included, at zero). Three queries for the totals, three for the rows."""
    today = today or timezone.localdate()
    totals = alert_rollup(user=user, level=root.level, root=root, today=today).get(root.pk)
    summary = AlertSummary(
        root=root,
        level=level,
        today=today,
        days=EXPIRY_WINDOW_DAYS,
        totals=totals or dict.fromkeys(ALERT_KEYS, 0),
    )
    if level is not None and level > root.level:
        counts = alert_rollup(user=user, level=level, root=root, today=today)
        for unit in level_units(user=user, root=root, level=level):
            summary.rows.append(AlertRow(unit, **counts.get(unit.pk, {})))
    return summary


def home_tiles(user: Any) -> dict[str, Any]:
    """Stock alerts in the user's scope for the assets landing page: stock-outs and medicines below minimum
    (unit × medicine) and batches expired or expiring within the window; one COUNT each."""
    today = timezone.localdate()
    return {
        "stock_outs": stock_outs(user=user, today=today).count(),
        "below_minimum": below_minimum(user=user, today=today).count(),
        "expiring": expiring_batches(user=user, today=today).count(),
        "days": EXPIRY_WINDOW_DAYS,
    }


# ---------------------------------------------------------------------------------------------- monthly report


@dataclass
class ConsumptionRow:
    """A line of the monthly report: in = receipts + transfers in; out = issues + transfers out (as positive
    numbers); adjustments signed."""

    number: int
    medicine_id: int
    code: str
    name: str
    strength: str
    dosage_form: str
    unit: str
    opening: int
    received: int
    transferred_in: int
    issued: int
    transferred_out: int
    adjusted: int
    closing: int
    nearest_expiry: datetime.date | None

    @property
    def total_in(self) -> int:
        return self.received + self.transferred_in

    @property
    def total_out(self) -> int:
        return self.issued + self.transferred_out


@dataclass
class ConsumptionReport:
    """The monthly consumption report (báo cáo sử dụng thuốc) of a unit."""

    unit: OrgUnit
    year: int
    month: int
    start: datetime.date
    end: datetime.date
    rows: list[ConsumptionRow]

    @property
    def is_station(self) -> bool:
        return self.unit.kind == OrgUnitKind.STATION


def consumption_report(*, user: Any, orgunit: OrgUnit, year: int, month: int) -> ConsumptionReport:
    """The month's report from `monthly_consumption` (one GROUP BY) and, per medicine, the nearest expiry among
    the batches in stock at the end of the month (one more)."""
    start = datetime.date(year, month, 1)
    end = month_end(start)
    nearest: dict[int, datetime.date] = {}
    for medicine_id, expiry in batch_totals_on(user=user, on=end, orgunit=orgunit).values_list(
        "medicine_id", "expiry_date"
    ):
        # Per batch still in stock at the month's end (grouped on the batch, so used-up batches are left out).
        if medicine_id not in nearest or expiry < nearest[medicine_id]:
            nearest[medicine_id] = expiry
    rows = []
    for number, row in enumerate(monthly_consumption(user=user, orgunit=orgunit, year=year, month=month), start=1):
        rows.append(
            ConsumptionRow(
                number=number,
                medicine_id=row["medicine_id"],
                code=row["medicine__code"],
                name=row["medicine__active_ingredient"],
                strength=row["medicine__strength"],
                dosage_form=row["medicine__dosage_form"],
                unit=row["medicine__unit"],
                opening=row["opening"],
                received=row["received"],
                transferred_in=row["transferred_in"],
                issued=-row["issued"],
                transferred_out=-row["transferred_out"],
                adjusted=row["adjusted"],
                closing=row["closing"],
                nearest_expiry=nearest.get(row["medicine_id"]) if row["closing"] > 0 else None,
            )
        )
    return ConsumptionReport(unit=orgunit, year=year, month=month, start=start, end=end, rows=rows)


def may_change_stock(user: Any, unit: OrgUnit) -> bool:
    """Whether the user may post entries at the unit (the services check it again)."""
    return in_scope(user, unit.path, CHANGE)
