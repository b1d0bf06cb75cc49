"""Equipment and medicine cases of the benchmark (issue 9): the stock balance of every medicine at every station of
the country on a given date, and the equipment-gap roll-up of the country, each through the application's selector
(and API) beside the bare SQL aggregate over the same rows, checked equal before timing.

Run by `bench.run` in a subprocess of its own after `bench.indicators` (`python -m bench.assets`, which can also be
run alone against a database holding the national demo); prints one JSON object.

The data: the national demo may carry no equipment or stock (or only some units'), so the bench fills in what is
missing, and only that: every open station and regional centre without any equipment item gets items against the
current catalogue's norms, and every open station without any stock ledger gets a year of it. Rows already there
(a demo loader's, an earlier run's) are used as they are; `--reload` first removes the rows an earlier run of the
bench wrote (marked: items with the note `ITEM_NOTE`, ledger entries with the source `SOURCE`, and the balances of
their batches) and writes them again.

- Equipment: for each norm of the unit's kind, the norm's quantity of items, give or take one for about a fifth of
  the norms and none at all for `MISSING_SHARE` of them; each item working, broken, under repair or retired
  (`CONDITIONS`), with maintenance and calibration dates when its type needs them. The gaps come from the missing,
  broken and retired items.
- Stock: for each medicine of the current list, an opening receipt `LEDGER_DAYS` ago, a receipt of a new batch
  early in most months (about one month's use; some months nothing comes), issues to patients every
  `ISSUE_EVERY_DAYS` days taken from the batches in stock soonest-expiring first (one entry per batch touched),
  and expired batches written off with an adjustment. Balances follow the ledger entry by entry, so none is ever
  negative, and the running balance of each batch (`StockBalance`) is the sum of its entries, dated its last one;
  the load checks both before committing.

Rows go in through COPY (PostgreSQL) or executemany (SQLite) in one transaction, foreign keys dropped during the
load and added back (`builder.bulk_loading`), then ANALYZE (and VACUUM on PostgreSQL, as autovacuum would leave a
bulk-loaded table).

The cases, each as the superuser for the country and as the province administrator for their province:
- **stock balance on a date** (the 15th of last month, so it is not the running balance): `selectors_stock.
  medicine_balances_on`, what the stock API answers with `?on=...&by=medicine` (and the stock page, for one unit),
  against the bare GROUP BY of the ledger entries dated up to that day; the API's first page of 1,000 rows for the
  province; `batch_balances_on` (the API's default, one row per batch) for the province;
- **equipment gaps**: `selectors_equipment.gap_table` (the gaps page and API) by province and by region, against
  one bare statement: the current norms joined with the units of their kind and the working items per unit and type
  code, norm minus working per unit floored at zero, summed by the ancestor of the level; the gaps API for the
  country by province.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from typing import Any
from zoneinfo import ZoneInfo

from bench.measure import Case, _fetch, measure

SOURCE = "bench"  # StockEntry.source and created_by_username of the ledger the bench writes
ITEM_NOTE = "bench/assets.py"  # EquipmentItem.note of the items the bench writes
LEDGER_DAYS = 365
ISSUE_EVERY_DAYS = 7
SKIPPED_DELIVERY = 0.06  # share of months in which no receipt comes
SHORT_DATED = 0.1  # share of batches received with a few months of shelf life left
MISSING_SHARE = 0.08  # share of (unit, norm) with no item at all
CONDITIONS = (("working", 0.85), ("broken", 0.07), ("under_repair", 0.04), ("retired", 0.04))
FUNDING = ("state_budget", "insurance", "project", "socialised", "own")
WRITE_OFF = "Hủy thuốc hết hạn"
API_PAGE = 1000
AIM_RATIO = 3.0  # each case within this factor of its bare SQL ...
AIM_MS = 1000.0  # ... and under a second on PostgreSQL
SEED = 1
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

ITEM_FIELDS = (
    "orgunit", "equipment_type", "serial_number", "model_name", "year_in_use", "funding_source", "condition",
    "last_maintained_on", "next_maintenance_on", "last_calibrated_on", "next_calibration_on", "warranty_until",
    "note", "search_text",
)  # fmt: skip
ENTRY_FIELDS = (
    "orgunit", "medicine", "batch", "expiry_date", "kind", "quantity", "occurred_on", "reason",
    "created_by_username", "source", "created",
)  # fmt: skip
BALANCE_FIELDS = ("orgunit", "medicine", "batch", "expiry_date", "quantity", "last_on")


def balance_date(today: datetime.date) -> datetime.date:
    """The 15th of last month: a past date, so the balance is summed from the ledger, not the running one."""
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=15)


# --- equipment ---


def _months_later(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, 28))


def _condition(rng: random.Random) -> str:
    draw = rng.random()
    for condition, share in CONDITIONS:
        if draw < share:
            return condition
        draw -= share
    return CONDITIONS[0][0]


def equipment_rows(
    units: list[tuple[int, str, str]], norms: dict[str, list[tuple[Any, int]]], *, today: datetime.date
) -> Iterator[tuple]:
    """Items of each unit (id, code, kind) against the norms of its kind (type, quantity), in ITEM_FIELDS order.
    Deterministic: each unit's draws come from a generator seeded with its code."""
    from ytcs.core.text import fold

    iso = datetime.date.isoformat
    for pk, code, kind in units:
        rng = random.Random(f"bench-assets:{SEED}:equipment:{code}")
        for equipment_type, quantity in norms.get(kind, []):
            draw = rng.random()
            if draw < MISSING_SHARE:
                count = 0
            elif draw < MISSING_SHARE + 0.1:
                count = max(quantity - 1, 0)
            elif draw < MISSING_SHARE + 0.2:
                count = quantity + 1
            else:
                count = quantity
            for n in range(1, count + 1):
                serial = f"{code}-{equipment_type.code}-{n}"
                year = rng.randint(today.year - 15, today.year)
                condition = _condition(rng)
                dates: list[str | None] = [None, None, None, None]
                if condition != "retired":
                    for slot, months in (
                        (0, equipment_type.maintenance_months),
                        (2, equipment_type.calibration_months),
                    ):
                        if months:
                            last = today - datetime.timedelta(days=rng.randint(0, months * 31 + 60))
                            dates[slot], dates[slot + 1] = iso(last), iso(_months_later(last, months))
                warranty = iso(datetime.date(year + 2, 12, 31)) if year >= today.year - 2 else None
                yield (
                    pk, equipment_type.pk, serial, "", year, rng.choice(FUNDING), condition, *dates, warranty,
                    ITEM_NOTE, fold(f"{equipment_type.name} {equipment_type.code} {serial}"),
                )  # fmt: skip


# --- stock ---


class _Stamps:
    """Dates as the database takes them, and the entry time of a day (10:00 local), each made once."""

    def __init__(self) -> None:
        from django.db import connection

        self.ops = connection.ops
        self.days: dict[datetime.date, tuple[str, Any]] = {}

    def __call__(self, day: datetime.date) -> tuple[str, Any]:
        found = self.days.get(day)
        if found is None:
            moment = datetime.datetime.combine(day, datetime.time(10), tzinfo=LOCAL)
            found = self.days[day] = (day.isoformat(), self.ops.adapt_datetimefield_value(moment))
        return found


def pair_ledger(
    rng: random.Random, *, start: datetime.date, today: datetime.date, monthly: float
) -> tuple[list[tuple], list[list]]:
    """One unit's ledger of one medicine from `start` to `today`: entries (batch, expiry, kind, quantity, date,
    reason) in date order, and the batches [batch, expiry, balance, last date]."""
    receipts = [(start, round(monthly * 2))]
    month = (start.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    while month <= today:
        day = month + datetime.timedelta(days=rng.randint(0, 9))
        if day <= today and rng.random() >= SKIPPED_DELIVERY:
            receipts.append((day, max(1, round(monthly * rng.uniform(0.7, 1.4)))))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    weekly = monthly * 12 / 52
    events = [(day, 0, quantity) for day, quantity in receipts]
    day = start + datetime.timedelta(days=2)
    while day <= today:
        events.append((day, 1, 0))
        day += datetime.timedelta(days=ISSUE_EVERY_DAYS)
    events.sort()
    entries: list[tuple] = []
    batches: list[list] = []  # by expiry
    for day, what, quantity in events:
        if what == 0:
            shelf = rng.randint(45, 150) if rng.random() < SHORT_DATED else rng.randint(300, 1000)
            batch = [f"L{day:%y%m%d}{rng.randint(10, 99)}", day + datetime.timedelta(days=shelf), quantity, day]
            batches.append(batch)
            batches.sort(key=lambda b: b[1])
            entries.append((batch[0], batch[1], "receipt", quantity, day, ""))
            continue
        demand = round(weekly * max(0.0, rng.gauss(1, 0.3)))
        for batch in batches:
            if batch[2] <= 0:
                continue
            if batch[1] < day:  # expired: written off before anything is issued
                entries.append((batch[0], batch[1], "adjustment", -batch[2], day, WRITE_OFF))
                batch[2], batch[3] = 0, day
            elif demand > 0:
                taken = min(demand, batch[2])
                entries.append((batch[0], batch[1], "issue", -taken, day, ""))
                batch[2] -= taken
                batch[3] = day
                demand -= taken
    return entries, batches


def ledger_rows(
    stations: list[tuple[int, str]], medicines: list[tuple[int, str, int | None]], *, today: datetime.date
) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """Per station: its ledger entries (ENTRY_FIELDS order) and running balances (BALANCE_FIELDS order) of every
    medicine (id, code, usual minimum). Deterministic: each station × medicine's draws come from a generator
    seeded with their codes."""
    stamp = _Stamps()
    start = today - datetime.timedelta(days=LEDGER_DAYS)
    for pk, code in stations:
        entries, balances = [], []
        for medicine, medicine_code, minimum in medicines:
            rng = random.Random(f"bench-assets:{SEED}:stock:{code}:{medicine_code}")
            # The usual minimum is about a month's use; stations use more or less of it.
            monthly = (minimum or 100) * rng.uniform(0.5, 1.5)
            pair_entries, batches = pair_ledger(rng, start=start, today=today, monthly=monthly)
            for batch, expiry, kind, quantity, day, reason in pair_entries:
                on, at = stamp(day)
                entries.append((pk, medicine, batch, stamp(expiry)[0], kind, quantity, on, reason, SOURCE, SOURCE, at))
            balances += [(pk, medicine, b, stamp(e)[0], q, stamp(last)[0]) for b, e, q, last in batches]
        yield entries, balances


# --- loading ---


def _table(model: Any) -> str:
    from django.db import connection

    return connection.ops.quote_name(model._meta.db_table)


def clear_bench_rows() -> dict[str, int]:
    """Remove what an earlier run wrote: its items, its ledger entries and the balances of their batches."""
    from django.db import connection

    from ytcs.assets.models import EquipmentItem, StockBalance, StockEntry

    entries, balances = _table(StockEntry), _table(StockBalance)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {balances} WHERE EXISTS (SELECT 1 FROM {entries} e WHERE e.source = %s "
            f"AND e.orgunit_id = {balances}.orgunit_id AND e.medicine_id = {balances}.medicine_id "
            f"AND e.batch = {balances}.batch)",
            [SOURCE],
        )
        removed = {"balances": cursor.rowcount}
        # The ledger is append-only for the application (StockEntry.delete refuses); these rows are the bench's own.
        cursor.execute(f"DELETE FROM {entries} WHERE source = %s", [SOURCE])
        removed["entries"] = cursor.rowcount
        cursor.execute(f"DELETE FROM {_table(EquipmentItem)} WHERE note = %s", [ITEM_NOTE])
        removed["items"] = cursor.rowcount
    return removed


def units_without_equipment() -> list[tuple[int, str, str]]:
    """Open units of a kind the current norms cover that hold no item at all: (id, code, kind), by id."""
    from django.db.models import Exists, OuterRef

    from ytcs.assets.models import EquipmentItem, EquipmentNorm
    from ytcs.assets.selectors import current_catalogue
    from ytcs.orgunits.models import OrgUnit

    kinds = EquipmentNorm.objects.filter(catalogue=current_catalogue()).values("unit_kind")
    return list(
        OrgUnit.objects.filter(kind__in=kinds, closed_on__isnull=True)
        .exclude(Exists(EquipmentItem.objects.filter(orgunit=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "code", "kind")
    )


def stations_without_stock() -> list[tuple[int, str]]:
    """Open stations with neither a ledger entry nor a balance: (id, code), by id."""
    from django.db.models import Exists, OuterRef

    from ytcs.assets.models import StockBalance, StockEntry
    from ytcs.orgunits.models import OrgUnit, OrgUnitKind

    # EXISTS, an anti-join on the unit's index: NOT IN over millions of entries may not fit a hashed subplan.
    return list(
        OrgUnit.objects.filter(kind=OrgUnitKind.STATION, closed_on__isnull=True)
        .exclude(Exists(StockEntry.objects.filter(orgunit=OuterRef("pk"))))
        .exclude(Exists(StockBalance.objects.filter(orgunit=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "code")
    )


def ledger_problems() -> dict[str, int]:
    """Balances that differ from the sum (or the last date) of their batch's entries, entries without a balance,
    and batches whose running balance dips below zero at some entry: all zero in a consistent ledger."""
    from ytcs.assets.models import StockBalance, StockEntry

    entries, balances = _table(StockEntry), _table(StockBalance)
    sums = (
        f"SELECT orgunit_id, medicine_id, batch, SUM(quantity) AS total, MAX(occurred_on) AS last_on "
        f"FROM {entries} GROUP BY orgunit_id, medicine_id, batch"
    )
    differ = _fetch(
        f"SELECT COUNT(*) FROM {balances} b LEFT JOIN ({sums}) e ON e.orgunit_id = b.orgunit_id "
        "AND e.medicine_id = b.medicine_id AND e.batch = b.batch "
        "WHERE e.total IS NULL OR e.total <> b.quantity OR e.last_on <> b.last_on",
        [],
    )[0][0]
    orphans = _fetch(
        f"SELECT COUNT(*) FROM ({sums}) e LEFT JOIN {balances} b ON e.orgunit_id = b.orgunit_id "
        "AND e.medicine_id = b.medicine_id AND e.batch = b.batch WHERE b.id IS NULL",
        [],
    )[0][0]
    negative = _fetch(
        "SELECT COUNT(*) FROM (SELECT SUM(quantity) OVER (PARTITION BY orgunit_id, medicine_id, batch "
        f"ORDER BY occurred_on, id) AS running FROM {entries}) r WHERE r.running < 0",
        [],
    )[0][0]
    return {"balance_differs": differ, "entry_without_balance": orphans, "negative_running": negative}


def load_assets(*, today: datetime.date, reload: bool) -> dict[str, Any]:
    """Fill in the equipment and the stock ledger of the units that have none (after removing the bench's own
    rows with `reload`), check the ledger, refresh the statistics."""
    from django.db import connection, transaction

    from ytcs.assets.models import EquipmentItem, EquipmentNorm, Medicine, StockBalance, StockEntry
    from ytcs.assets.selectors import current_catalogue
    from ytcs.core.demo.builder import bulk_loading, insert_rows

    out: dict[str, Any] = {"loaded": False}
    with transaction.atomic():
        if reload:
            start = time.perf_counter()
            out["removed"] = clear_bench_rows()
            out["clear_s"] = time.perf_counter() - start
        units = units_without_equipment()
        stations = stations_without_stock()
        out["units_filled"], out["stations_filled"] = len(units), len(stations)
        if not units and not stations:
            return out
        norms: dict[str, list[tuple[Any, int]]] = {}
        for norm in EquipmentNorm.objects.filter(catalogue=current_catalogue()).select_related("equipment_type"):
            norms.setdefault(norm.unit_kind, []).append((norm.equipment_type, norm.quantity))
        medicines = list(
            Medicine.objects.filter(medicine_list__is_current=True)
            .order_by("pk")
            .values_list("pk", "code", "minimum_stock")
        )
        written = {"items": 0, "entries": 0, "balances": 0}
        start = time.perf_counter()
        with bulk_loading([EquipmentItem, StockEntry, StockBalance]):
            items = list(equipment_rows(units, norms, today=today))
            insert_rows(EquipmentItem, ITEM_FIELDS, items)
            written["items"] = len(items)
            chunk_entries: list[tuple] = []
            chunk_balances: list[tuple] = []
            for entries, balances in ledger_rows(stations, medicines, today=today):
                chunk_entries += entries
                chunk_balances += balances
                if len(chunk_entries) >= 200_000:
                    insert_rows(StockEntry, ENTRY_FIELDS, chunk_entries)
                    insert_rows(StockBalance, BALANCE_FIELDS, chunk_balances)
                    written["entries"] += len(chunk_entries)
                    written["balances"] += len(chunk_balances)
                    chunk_entries, chunk_balances = [], []
            insert_rows(StockEntry, ENTRY_FIELDS, chunk_entries)
            insert_rows(StockBalance, BALANCE_FIELDS, chunk_balances)
            written["entries"] += len(chunk_entries)
            written["balances"] += len(chunk_balances)
        out["insert_s"] = time.perf_counter() - start
        check = time.perf_counter()
        problems = ledger_problems()
        out["check_s"] = time.perf_counter() - check
        if any(problems.values()):
            raise AssertionError(f"the stock ledger and its balances disagree: {problems}")
    check = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (EquipmentItem, StockEntry, StockBalance):
            cursor.execute(f"{'VACUUM ANALYZE' if connection.vendor == 'postgresql' else 'ANALYZE'} {_table(model)}")
    out.update(loaded=True, written=written, analyze_s=time.perf_counter() - check)
    print(
        f"  assets: {written['items']:,} items at {len(units):,} units, {written['entries']:,} ledger entries and "
        f"{written['balances']:,} batches at {len(stations):,} stations in {out['insert_s']:.0f} s",
        file=sys.stderr,
    )
    return out


def scale() -> dict[str, Any]:
    """What the database holds: items by condition and the units holding them; ledger entries, their dates and
    the stations keeping them; batches; the current norms and medicines."""
    from django.db.models import Count, Max, Min

    from ytcs.assets.models import EquipmentItem, EquipmentNorm, Medicine, StockBalance, StockEntry
    from ytcs.assets.selectors import current_catalogue

    conditions = dict(EquipmentItem.objects.order_by().values_list("condition").annotate(n=Count("pk")))
    ledger = StockEntry.objects.aggregate(
        n=Count("pk"), first=Min("occurred_on"), last=Max("occurred_on"), units=Count("orgunit", distinct=True)
    )
    return {
        "items": sum(conditions.values()),
        "conditions": conditions,
        "item_units": EquipmentItem.objects.values("orgunit").distinct().count(),
        "bench_items": EquipmentItem.objects.filter(note=ITEM_NOTE).count(),
        "norms": EquipmentNorm.objects.filter(catalogue=current_catalogue()).count(),
        "entries": ledger["n"],
        "bench_entries": StockEntry.objects.filter(source=SOURCE).count(),
        "first": ledger["first"].isoformat() if ledger["first"] else None,
        "last": ledger["last"].isoformat() if ledger["last"] else None,
        "stock_units": ledger["units"],
        "batches": StockBalance.objects.count(),
        "medicines": Medicine.objects.filter(medicine_list__is_current=True).count(),
    }


# --- stock balance on a date ---


def raw_balances(*, on: datetime.date, prefix: str | None) -> dict[tuple[int, int], int]:
    """The bare aggregate: the ledger entries dated up to `on`, summed per unit × medicine (those above zero), over
    the subtree of `prefix` (every unit without)."""
    from django.db import connection

    from ytcs.assets.models import StockEntry

    params: list[Any] = [connection.ops.adapt_datefield_value(on)]
    join = where = ""
    if prefix:
        join = " JOIN orgunits_orgunit u ON u.id = e.orgunit_id"
        where = " AND u.path >= %s AND u.path < %s"
        params += [prefix, prefix[:-1] + "0"]
    rows = _fetch(
        f"SELECT e.orgunit_id, e.medicine_id, SUM(e.quantity) FROM {_table(StockEntry)} e{join} "
        f"WHERE e.occurred_on <= %s{where} GROUP BY e.orgunit_id, e.medicine_id HAVING SUM(e.quantity) > 0",
        params,
    )
    return {(unit, medicine): int(total) for unit, medicine, total in rows}


def raw_balance_page(*, on: datetime.date, prefix: str, size: int) -> list[tuple[str, int, int]]:
    """What the API's first page holds: the count of rows, then `size` of them with the unit's code and name and
    the medicine's fields, in the API's order (tree order, then active ingredient, strength)."""
    from django.db import connection

    from ytcs.assets.models import Medicine, StockEntry

    grouped = (
        f"SELECT e.orgunit_id, e.medicine_id, SUM(e.quantity) AS quantity FROM {_table(StockEntry)} e "
        "JOIN orgunits_orgunit u ON u.id = e.orgunit_id WHERE e.occurred_on <= %s AND u.path >= %s AND u.path < %s "
        "GROUP BY e.orgunit_id, e.medicine_id HAVING SUM(e.quantity) > 0"
    )
    params = [connection.ops.adapt_datefield_value(on), prefix, prefix[:-1] + "0"]
    _fetch(f"SELECT COUNT(*) FROM ({grouped}) g", params)
    rows = _fetch(
        "SELECT u.code, u.name, m.id, m.code, m.active_ingredient, m.strength, m.dosage_form, m.unit, g.quantity "
        f"FROM ({grouped}) g JOIN orgunits_orgunit u ON u.id = g.orgunit_id JOIN {_table(Medicine)} m "
        "ON m.id = g.medicine_id ORDER BY u.path, m.active_ingredient, m.strength, m.id LIMIT %s",
        [*params, size],
    )
    return [(code, medicine, int(quantity)) for code, _n, medicine, *_m, quantity in rows]


def raw_batch_balances(*, on: datetime.date, prefix: str) -> dict[tuple[int, int, str], int]:
    """The bare aggregate per batch: entries dated up to `on` summed per unit × medicine × batch (above zero)."""
    from django.db import connection

    from ytcs.assets.models import StockEntry

    rows = _fetch(
        f"SELECT e.orgunit_id, e.medicine_id, e.batch, SUM(e.quantity) FROM {_table(StockEntry)} e "
        "JOIN orgunits_orgunit u ON u.id = e.orgunit_id WHERE e.occurred_on <= %s AND u.path >= %s AND u.path < %s "
        "GROUP BY e.orgunit_id, e.medicine_id, e.batch, e.expiry_date HAVING SUM(e.quantity) > 0",
        [connection.ops.adapt_datefield_value(on), prefix, prefix[:-1] + "0"],
    )
    return {(unit, medicine, batch): int(total) for unit, medicine, batch, total in rows}


def same_figures(fetched: dict, raw: dict) -> bool:
    return bool(raw) and fetched == raw


def _stock_cases(superuser: Any, admin: Any, province: Any, on: datetime.date) -> list[Case]:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from ytcs.assets import selectors_stock
    from ytcs.core.querysets import forget_scope

    def balances(user: Any, root: Any) -> Callable[[], dict[tuple[int, int], int]]:
        def run() -> dict[tuple[int, int], int]:
            forget_scope(user)  # as in a new request
            rows = selectors_stock.medicine_balances_on(user=user, on=on, root=root)
            return {(row["orgunit_id"], row["medicine_id"]): row["quantity"] for row in rows}

        return run

    def batches() -> dict[tuple[int, int, str], int]:
        forget_scope(admin)
        rows = selectors_stock.batch_balances_on(user=admin, on=on, root=province)
        return {(row["orgunit_id"], row["medicine_id"], row["batch"]): row["quantity"] for row in rows}

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=admin)[0].key}")
    query = {"orgunit": province.code, "on": on.isoformat(), "by": "medicine", "page_size": API_PAGE}

    def api() -> list[tuple[str, int, int]]:
        response = client.get("/api/v1/assets/stock/balances/", query)
        assert response.status_code == 200, response.status_code
        return [(row["orgunit"], row["medicine"], row["quantity"]) for row in response.json()["results"]]

    day = on.strftime("%d/%m/%Y")
    return [
        Case(
            f"Stock balance on {day}, every medicine at every unit of the country, superuser: "
            "selectors_stock.medicine_balances_on",
            balances(superuser, None),
            lambda: raw_balances(on=on, prefix=None),
            same_figures,
        ),
        Case(
            f"Stock balance on {day}, every medicine at every unit of {province.code}, province admin: "
            "selectors_stock.medicine_balances_on",
            balances(admin, province),
            lambda: raw_balances(on=on, prefix=province.path),
            same_figures,
        ),
        Case(
            f"Stock balance on {day} of {province.code}, by batch, province admin: selectors_stock.batch_balances_on",
            batches,
            lambda: raw_batch_balances(on=on, prefix=province.path),
            same_figures,
        ),
        Case(
            f"API stock/balances/?orgunit={province.code}&on={on.isoformat()}&by=medicine, {API_PAGE} per page, "
            "province admin (token)",
            api,
            lambda: raw_balance_page(on=on, prefix=province.path, size=API_PAGE),
            lambda fetched, raw: bool(raw) and fetched == raw,
        ),
    ]


# --- equipment gaps ---


def raw_gaps(*, level: int, prefix: str | None) -> dict[tuple[int, int], tuple[int, int, int]]:
    """The bare roll-up, one statement: each current norm joined with the open units of its kind (under `prefix`)
    and the items in working order of each unit per type code (any catalogue version); per unit, missing = norm −
    working floored at zero; summed by the unit's ancestor of `level` and type: (units, required, short)."""
    from ytcs.assets.models import EquipmentItem, EquipmentNorm, EquipmentType
    from ytcs.assets.selectors import current_catalogue

    column = f"u.level{int(level)}_id"
    items_join = items_where = where = ""
    items_params: list[Any] = []
    params: list[Any] = [current_catalogue().pk]
    if prefix:
        # The subtree on both sides: the items counted are those of the units under the root only.
        items_join = " JOIN orgunits_orgunit iu ON iu.id = i.orgunit_id"
        items_where = " AND iu.path >= %s AND iu.path < %s"
        items_params = [prefix, prefix[:-1] + "0"]
        where = " AND u.path >= %s AND u.path < %s"
        params += items_params
    types = _table(EquipmentType)
    rows = _fetch(
        f"SELECT {column}, n.equipment_type_id, COUNT(*), SUM(n.quantity), "
        "SUM(CASE WHEN COALESCE(w.n, 0) < n.quantity THEN n.quantity - COALESCE(w.n, 0) ELSE 0 END) "
        f"FROM {_table(EquipmentNorm)} n JOIN {types} t ON t.id = n.equipment_type_id "
        "JOIN orgunits_orgunit u ON u.kind = n.unit_kind "
        f"LEFT JOIN (SELECT i.orgunit_id, it.code, COUNT(*) AS n FROM {_table(EquipmentItem)} i "
        f"JOIN {types} it ON it.id = i.equipment_type_id{items_join} "
        f"WHERE i.condition = 'working'{items_where} GROUP BY i.orgunit_id, it.code) w "
        "ON w.orgunit_id = u.id AND w.code = t.code "
        f"WHERE n.catalogue_id = %s AND u.closed_on IS NULL AND {column} IS NOT NULL{where} "
        f"GROUP BY {column}, n.equipment_type_id",
        [*items_params, *params],
    )
    return {(unit, kind): (int(n), int(required), int(short)) for unit, kind, n, required, short in rows}


def _gap_cells(cells: dict[tuple[int, int], dict[str, int]]) -> dict[tuple[int, int], tuple[int, int, int]]:
    return {key: (c["units"], c["required"], c["short"]) for key, c in cells.items()}


def _gap_cases(superuser: Any, admin: Any, province: Any, country: Any) -> list[Case]:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from ytcs.assets import selectors_equipment
    from ytcs.assets.models import EquipmentType
    from ytcs.core.querysets import forget_scope
    from ytcs.orgunits.models import OrgUnit

    def table(user: Any, root: Any, level: int) -> Callable[[], dict[tuple[int, int], tuple[int, int, int]]]:
        def run() -> dict[tuple[int, int], tuple[int, int, int]]:
            forget_scope(user)
            return _gap_cells(selectors_equipment.gap_table(user=user, root=root, level=level).cells)

        return run

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=superuser)[0].key}")
    level = province.level
    units = dict(OrgUnit.objects.filter(level=level).values_list("code", "pk"))
    types = dict(EquipmentType.objects.filter(catalogue__is_current=True).values_list("code", "pk"))

    def api() -> dict[tuple[int, int], tuple[int, int, int]]:
        response = client.get("/api/v1/assets/equipment/gaps/", {"orgunit": country.code, "level": level})
        assert response.status_code == 200, response.status_code
        return {
            (units[row["orgunit"]], types[cell["type"]]): (cell["units"], cell["required"], cell["short"])
            for row in response.json()["rows"]
            for cell in row["cells"]
            if cell["units"]
        }

    region = level + 1
    return [
        Case(
            f"Equipment gaps, every province (level {level}), superuser: selectors_equipment.gap_table",
            table(superuser, country, level),
            lambda: raw_gaps(level=level, prefix=None),
            same_figures,
        ),
        Case(
            f"Equipment gaps, every region of the country (level {region}), superuser: selectors_equipment.gap_table",
            table(superuser, country, region),
            lambda: raw_gaps(level=region, prefix=None),
            same_figures,
        ),
        Case(
            f"Equipment gaps, {province.code}'s regions (level {region}), province admin: "
            "selectors_equipment.gap_table",
            table(admin, province, region),
            lambda: raw_gaps(level=region, prefix=province.path),
            same_figures,
        ),
        Case(
            f"API equipment/gaps/?orgunit={country.code}&level={level}, superuser (token)",
            api,
            lambda: raw_gaps(level=level, prefix=None),
            same_figures,
        ),
    ]


def build_cases(*, today: datetime.date) -> list[Case]:
    from ytcs.accounts.models import User
    from ytcs.orgunits.models import OrgUnit

    superuser = User.objects.get(username="admin")
    admin = User.objects.get(username="province_admin")
    province = admin.role_assignments.get().orgunit
    country = OrgUnit.objects.get(parent__isnull=True)
    cases = [
        *_stock_cases(superuser, admin, province, balance_date(today)),
        *_gap_cases(superuser, admin, province, country),
    ]
    return [replace(case, group="assets") for case in cases]


# --- main ---


def measure_assets(*, today: datetime.date, repeat: int, reload: bool = False) -> dict[str, Any]:
    from django.db import connection

    load = load_assets(today=today, reload=reload)
    results = []
    for case in build_cases(today=today):
        result = measure(case, repeat=repeat)
        print(f"  {result.name}: {result.app_ms:.2f} ms vs {result.raw_ms:.2f} ms raw", file=sys.stderr)
        results.append(asdict(result))
    met = all(r["ratio"] <= AIM_RATIO for r in results) and (
        connection.vendor != "postgresql" or all(r["app_ms"] < AIM_MS for r in results)
    )
    return {
        "today": today.isoformat(),
        "on": balance_date(today).isoformat(),
        "aim": {"ratio": AIM_RATIO, "ms": AIM_MS, "met": met},
        "vendor": connection.vendor,
        "load": load,
        "scale": scale(),
        "results": results,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="timed repetitions per figure (default 15)")
    parser.add_argument("--today", help="reference date (YYYY-MM-DD; default today): the ledger ends on it")
    parser.add_argument("--reload", action="store_true", help="write the bench's equipment and ledger again")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.base")
    import django

    django.setup()
    from django.conf import settings

    # Run alone with the development settings, the test client's host must be allowed (bench.settings allows it).
    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    today = datetime.date.fromisoformat(args.today) if args.today else datetime.date.today()
    json.dump(measure_assets(today=today, repeat=args.repeat, reload=args.reload), sys.stdout)


if __name__ == "__main__":
    main()
