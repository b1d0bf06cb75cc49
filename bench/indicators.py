"""Indicator cases of the benchmark: analytics over tens of millions of reported values, each beside the bare SQL
aggregate over the same rows, against issue 6's aim (a province-year indicator under 300 ms on PostgreSQL and within
2x the bare aggregate); the roll-up's rebuild and its cost per form save; a 1,000,000-value import.

Run by `bench.run` in a subprocess of its own after `bench.training` (`python -m bench.indicators`, which can also be
run alone against a loaded national data set); prints one JSON object.

The values: every open station of the country reports every month of the last `FULL_YEARS` full years and of this
year up to last month: the 12 cells of the shipped monthly report (`TYT_THANG`, sized on the station's catchment
population like the demo's) and as many generated data elements (`BENCH_01`...) disaggregated by sex x 5 age
groups (10 option combos each) as it takes to reach the number of values asked for (20 million by default). They
replace the routine data of the demo (its province's values) and go in as plain rows in the order of the unique
index (period, unit, data element, option combo): COPY on PostgreSQL, executemany in one transaction on SQLite,
foreign keys dropped during the load and added back (`builder.bulk_loading`). No history rows: the analytics never
read them, and a form save's history is part of the form save timed below. Then `aggregates.rebuild()` (timed) and
ANALYZE; on PostgreSQL also VACUUM, the state autovacuum leaves a table in after a bulk load (the visibility map
lets the bare aggregates use index-only scans). A later run finds the values there and only measures (`--reload`
loads again).

Each case times the application path (`analytics.compute` as the province administrator or the superuser, the
scope looked up afresh as in a new request) and the bare SQL: SUM(value) and COUNT(*) of the data elements of the
indicator over the same DataValue rows (the year's months, quarters and the year itself, the root's subtree),
grouped by the row units through the unit table's level columns. Before timing, the bench checks both give the
same numerator and denominator for every row unit. The registry indicator (doctors per 10,000) is compared with
the raw SQL of `bench.workforce.raw_doctors`. The form save is `services.form_save` of the demo station head's
monthly report for the current month (12 cells, rolled back after each run) against the bare INSERT of the same 12
rows; the roll-up's own share is the 12 inserts plus `aggregates.apply` against the inserts alone.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from typing import Any

from bench.measure import Case, _fetch, measure

AIM_MS = 300.0
AIM_RATIO = 2.0
VALUES = 20_000_000
# SQLite is the embedded single-office default, not the national store: loading and rolling up twenty million
# values there took over 35 minutes on the bench machine, so SQLite gets a tenth; PostgreSQL gets them all.
SQLITE_VALUES = 2_000_000
FULL_YEARS = 5
INDICATOR = "DE_TAI_TRAM_PCT"  # #{DE_TAI_TRAM} / #{DE_DIA_BAN} x 100: two data elements of the monthly report
REGISTRY_INDICATOR = "BS_10000"  # R{doctors} / R{population} x 10,000
STORED_BY = "bench"
AGE_GROUPS = (
    ("TUOI_0", "Dưới 1 tuổi"),
    ("TUOI_1_4", "Từ 1 đến 4 tuổi"),
    ("TUOI_5_14", "Từ 5 đến 14 tuổi"),
    ("TUOI_15_59", "Từ 15 đến 59 tuổi"),
    ("TUOI_60", "Từ 60 tuổi"),
)
SAVE_REPEAT = 15
IMPORT_VALUES = 1_000_000
NOISE = 4099  # a prime: the table of multiplicative noise cycles with an offset per station and month


# --- the bench's catalogue and values ---


def bench_catalogue(extra_elements: int) -> list[tuple[int, int]]:
    """(data element id, option combo id) of every cell a station reports: the shipped monthly report's and those
    of `extra_elements` generated data elements with a sex x age disaggregation (created once, in the bench's
    database only), sorted as the unique index orders them."""
    from ytcs.core.demo.indicator_plan import MONTHLY_CELLS
    from ytcs.indicators.catalogue import sync_option_combos
    from ytcs.indicators.models import (
        Category,
        CategoryCombo,
        CategoryOption,
        CategoryOptionCombo,
        DataElement,
        DataSet,
        DataSetElement,
        PeriodType,
    )

    age, created = Category.objects.get_or_create(code="BENCH_TUOI", defaults={"name": "Nhóm tuổi (đo hiệu năng)"})
    if created:
        CategoryOption.objects.bulk_create(
            CategoryOption(category=age, code=code, name=name, sort_order=order)
            for order, (code, name) in enumerate(AGE_GROUPS)
        )
    combo, created = CategoryCombo.objects.get_or_create(
        code="BENCH_GIOI_TUOI", defaults={"name": "Theo giới tính và nhóm tuổi (đo hiệu năng)"}
    )
    if created:
        combo.categories.set([Category.objects.get(code="GIOI_TINH"), age])
        sync_option_combos(combo, CategoryOptionCombo=CategoryOptionCombo)
    combos = list(combo.option_combos.order_by("sort_order", "id").values_list("pk", flat=True))
    data_set, _created = DataSet.objects.get_or_create(
        code="BENCH_THANG",
        defaults={
            "name": "Báo cáo giả lập hằng tháng (đo hiệu năng)",
            "period_type": PeriodType.MONTHLY,
            "unit_kinds": ["station"],
            "expiry_days": 0,  # never locks: the import case writes months before the loaded ones
            "source": "bench/indicators.py",
        },
    )
    DataSet.objects.filter(pk=data_set.pk).update(expiry_days=0)
    cells = []
    for n in range(1, extra_elements + 1):
        element, _created = DataElement.objects.get_or_create(
            code=f"BENCH_{n:02d}",
            defaults={
                "name": f"Chỉ tiêu giả lập {n:02d} (đo hiệu năng)",
                "category_combo": combo,
                "min_value": 0,
                "max_value": 100_000,
                "source": "bench/indicators.py",
            },
        )
        DataSetElement.objects.get_or_create(data_set=data_set, data_element=element, defaults={"sort_order": n})
        cells += [(element.pk, coc) for coc in combos]
    elements = dict(DataElement.objects.values_list("code", "pk"))
    option_combos = dict(CategoryOptionCombo.objects.values_list("code", "pk"))
    cells += [(elements[de], option_combos[coc]) for de, coc in MONTHLY_CELLS]
    return sorted(cells)


def reporting_stations() -> list[tuple[int, dict[int, int]]]:
    """(id, population by year) of every open station, by id."""
    from ytcs.orgunits.models import OrgUnit, OrgUnitKind, Population

    ids = list(
        OrgUnit.objects.filter(kind=OrgUnitKind.STATION, closed_on__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    populations: dict[int, dict[int, int]] = {pk: {} for pk in ids}
    for unit, year, people in Population.objects.filter(orgunit_id__in=ids).values_list(
        "orgunit", "year", "population"
    ):
        populations[unit][year] = people
    return [(pk, populations[pk]) for pk in ids]


def bench_months(today: datetime.date) -> list[Any]:
    from ytcs.indicators import periods as P

    month = P.Period(today.year - FULL_YEARS, month=1)
    current = P.containing(today, "monthly")
    out = []
    while month < current:
        out.append(month)
        month = month.next()
    return out


def _people(populations: dict[int, int], year: int) -> int:
    if not populations:
        return 20_000
    return populations.get(year) or populations[min(populations, key=lambda y: abs(y - year))]


# Monthly counts per 1,000 people of the shipped report's cells, in MONTHLY_CELLS order (as the demo's averages).
SHIPPED_RATES = {
    ("KCB_LUOT", "NAM"): 24.0, ("KCB_LUOT", "NU"): 32.0, ("KCB_BHYT", "default"): 43.0,
    ("DE_TAI_TRAM", "default"): 0.12, ("DE_DIA_BAN", "default"): 1.2, ("SINH_SONG", "NAM"): 0.63,
    ("SINH_SONG", "NU"): 0.56, ("TIEM_DU_DUOI1", "default"): 1.1, ("TU_VONG_DUOI1", "default"): 0.015,
    ("TU_VONG_DUOI5", "default"): 0.02, ("THA_QUAN_LY", "default"): 18.0, ("DTD_QUAN_LY", "default"): 5.0,
}  # fmt: skip


def value_rows(
    *, stations: list[tuple[int, dict[int, int]]], months: list[Any], cells: list[tuple[int, int]], seed: int = 1
) -> Iterator[tuple[str, list[tuple[int, int, int, int, int]]]]:
    """Per month: its code and the rows (unit, data element, option combo, value) of every station, in the
    unique index's order. Deterministic: each station's rates per cell come from a generator seeded with its id."""
    from ytcs.indicators.models import CategoryOptionCombo, DataElement

    codes = dict(DataElement.objects.values_list("pk", "code"))
    combo_codes = dict(CategoryOptionCombo.objects.values_list("pk", "code"))
    noise_rng = random.Random(seed)
    noise = [max(0.0, noise_rng.gauss(1, 0.08)) for _ in range(NOISE)]
    rates: dict[int, list[float]] = {}
    for pk, _populations in stations:
        rng = random.Random(f"bench:{seed}:{pk}")
        # The shipped cells near the demo's averages, the generated ones anything from rare to common.
        rates[pk] = [
            SHIPPED_RATES[key] * rng.uniform(0.6, 1.4) if key in SHIPPED_RATES else rng.uniform(0.02, 4.0)
            for key in ((codes[de], combo_codes[coc]) for de, coc in cells)
        ]
    for month in months:
        season = 1 + 0.12 * math.cos(2 * math.pi * (month.month - 1) / 12)
        rows = []
        for pk, populations in stations:
            scale = _people(populations, month.year) / 1000 * season
            offset = (pk * 31 + month.month * 7 + month.year) % NOISE
            rows += [
                (pk, de, coc, int(rate * scale * noise[(offset + i) % NOISE]))
                for i, ((de, coc), rate) in enumerate(zip(cells, rates[pk], strict=True))
            ]
        yield month.code, rows


def load_values(*, today: datetime.date, values: int) -> dict[str, Any]:
    """Replace the routine data with ~`values` generated ones, rebuild the roll-up, refresh the statistics."""
    from django.db import connection, transaction

    from ytcs.core.demo.builder import bulk_loading
    from ytcs.indicators import aggregates
    from ytcs.indicators.models import AggregateValue, DataValue, DataValueAudit

    stations = reporting_stations()
    months = bench_months(today)
    per_station_month = math.ceil(values / (len(stations) * len(months)))
    extra = max(0, math.ceil((per_station_month - 12) / 10))
    timings: dict[str, float] = {}
    start = time.perf_counter()
    with transaction.atomic():
        cells = bench_catalogue(extra)
        with connection.cursor() as cursor:
            for model in (AggregateValue, DataValueAudit, DataValue):
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.execute(f"TRUNCATE {table}" if connection.vendor == "postgresql" else f"DELETE FROM {table}")
        timings["clear_s"] = time.perf_counter() - start
        start = time.perf_counter()
        with bulk_loading([DataValue]):
            written = _insert(value_rows(stations=stations, months=months, cells=cells))
        timings["insert_s"] = time.perf_counter() - start
        start = time.perf_counter()
        _analyze([DataValue])
        rows = aggregates.rebuild()
        timings["rebuild_s"] = time.perf_counter() - start
    start = time.perf_counter()
    _analyze([DataValue, AggregateValue], vacuum=connection.vendor == "postgresql")
    timings["analyze_s"] = time.perf_counter() - start
    print(
        f"  loaded {written:,} values in {timings['insert_s']:.0f} s, roll-up of {rows:,} rows rebuilt in "
        f"{timings['rebuild_s']:.0f} s",
        file=sys.stderr,
    )
    return {"loaded": True, **timings}


def _insert(months_rows: Iterator[tuple[str, list[tuple[int, int, int, int]]]]) -> int:
    """Append the rows (unit, data element, option combo, value) of each month, entered five days after its end."""
    from django.db import connection

    from ytcs.indicators import periods as P
    from ytcs.indicators.models import DataValue

    quote = connection.ops.quote_name
    table = quote(DataValue._meta.db_table)
    fields = ("orgunit", "data_element", "category_option_combo", "value", "period", "created", "last_updated")
    columns = ", ".join([*(quote(DataValue._meta.get_field(f).column) for f in fields), "comment", "stored_by"])
    written = 0
    with connection.cursor() as cursor:
        for code, rows in months_rows:
            at = datetime.datetime.combine(P.parse(code).end, datetime.time(9), tzinfo=datetime.UTC)
            at += datetime.timedelta(days=5)
            if connection.vendor == "postgresql":
                tail = f"\t{code}\t{at.isoformat()}\t{at.isoformat()}\t\t{STORED_BY}\n"
                text = "".join([f"{ou}\t{de}\t{coc}\t{value}{tail}" for ou, de, coc, value in rows])
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(text)
            else:
                moment = connection.ops.adapt_datetimefield_value(at)
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [(ou, de, coc, value, code, moment, moment, "", STORED_BY) for ou, de, coc, value in rows],
                )
            written += len(rows)
    return written


def _analyze(models_: list[Any], *, vacuum: bool = False) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models_:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"VACUUM ANALYZE {table}" if vacuum else f"ANALYZE {table}")


def scale() -> dict[str, Any]:
    """What the database holds: values, reporting units, periods, data elements and option combos, roll-up rows."""
    from django.db.models import Count, Max, Min

    from ytcs.indicators.models import AggregateValue, DataValue

    values = DataValue.objects.aggregate(
        n=Count("pk"), first=Min("period"), last=Max("period"), units=Count("orgunit", distinct=True)
    )
    cells = DataValue.objects.filter(period=values["last"]).values("data_element", "category_option_combo").distinct()
    return {
        "values": values["n"],
        "units": values["units"],
        "first": values["first"],
        "last": values["last"],
        "periods": DataValue.objects.values("period").distinct().count(),
        "elements": DataValue.objects.filter(period=values["last"]).values("data_element").distinct().count(),
        "cells": cells.count(),
        "rollup": AggregateValue.objects.count(),
    }


# --- the cases ---


def raw_aggregate(
    *, element_ids: tuple[int, int], year: int, level: int, prefix: str | None
) -> dict[str, tuple[float, float]]:
    """The bare aggregate: SUM(value) of the two data elements over the year's values (months, quarters, year)
    of the subtree, by the row unit of `level` (through the unit table's level column); code → (num, den)."""
    from ytcs.indicators import periods as P

    year_period = P.Period(year)
    codes = [
        year_period.code,
        *(p.code for p in P.of_type_in(year_period, "quarterly")),
        *(p.code for p in P.of_type_in(year_period, "monthly")),
    ]
    where = ""
    params: list[Any] = [*element_ids, *codes]
    if prefix:
        where = " AND u.path >= %s AND u.path < %s"
        params += [prefix, prefix[:-1] + "0"]
    rows = _fetch(
        f"SELECT r.code, v.data_element_id, SUM(v.value), COUNT(*) FROM indicators_datavalue v "
        f"JOIN orgunits_orgunit u ON u.id = v.orgunit_id JOIN orgunits_orgunit r ON r.id = u.level{level}_id "
        f"WHERE v.data_element_id IN (%s, %s) AND v.period IN ({', '.join(['%s'] * len(codes))}){where} "
        "GROUP BY r.code, v.data_element_id",
        params,
    )
    out: dict[str, list[float]] = {}
    for code, element, total, _count in rows:
        out.setdefault(code, [0.0, 0.0])[element_ids.index(element)] = float(total)
    return {code: (num, den) for code, (num, den) in out.items()}


def same_sums(cells: dict[str, tuple[float, float]], raw: dict[str, tuple[float, float]]) -> bool:
    return (
        bool(raw)
        and cells.keys() == raw.keys()
        and all(
            math.isclose(cells[k][0], raw[k][0], rel_tol=1e-9) and math.isclose(cells[k][1], raw[k][1], rel_tol=1e-9)
            for k in raw
        )
    )


def build_cases(*, today: datetime.date) -> list[Case]:
    from ytcs.accounts.models import User
    from ytcs.core.querysets import forget_scope
    from ytcs.indicators import analytics
    from ytcs.indicators import periods as P
    from ytcs.indicators.models import DataElement, Indicator
    from ytcs.orgunits.models import OrgUnit

    superuser = User.objects.get(username="admin")
    admin = User.objects.get(username="province_admin")
    province = admin.role_assignments.get().orgunit
    country = OrgUnit.objects.get(parent__isnull=True)
    year = today.year - 1
    indicator = Indicator.objects.get(code=INDICATOR)
    elements = tuple(DataElement.objects.get(code=code).pk for code in ("DE_TAI_TRAM", "DE_DIA_BAN"))

    def app(user: Any, root: Any, level: int | None) -> Callable[[], dict[str, tuple[float, float]]]:
        def run() -> dict[str, tuple[float, float]]:
            forget_scope(user)  # as in a new request
            query = analytics.Query(user=user, indicator=indicator, periods=(P.Period(year),), root=root, level=level)
            return {c.unit.code: (c.numerator, c.denominator) for c in analytics.compute(query) if c.value is not None}

        return run

    def raw(root: Any, level: int) -> Callable[[], dict[str, tuple[float, float]]]:
        prefix = None if root.parent_id is None else root.path
        return lambda: raw_aggregate(element_ids=elements, year=year, level=level, prefix=prefix)

    name = f"{INDICATOR} {year}"
    province_level = province.level + 1
    cases = [
        Case(
            f"{name}, {province.code}'s units of level {province_level} (regions), province admin",
            app(admin, province, province_level),
            raw(province, province_level),
            same_sums,
        ),
        Case(
            f"{name}, {province.code} itself, province admin",
            app(admin, province, None),
            raw(province, province.level),
            same_sums,
        ),
        Case(
            f"{name}, every region of the country (level {province_level}), superuser",
            app(superuser, country, province_level),
            raw(country, province_level),
            same_sums,
        ),
        Case(
            f"{name}, every province (level {province.level}), superuser",
            app(superuser, country, province.level),
            raw(country, province.level),
            same_sums,
        ),
        _registry_case(superuser, country, year),
        *_save_cases(today),
    ]
    return [replace(case, group="indicators") for case in cases]


def _registry_case(superuser: Any, country: Any, year: int) -> Case:
    from bench.workforce import raw_doctors
    from ytcs.core.querysets import forget_scope
    from ytcs.indicators import analytics
    from ytcs.indicators import periods as P
    from ytcs.indicators.models import Indicator

    indicator = Indicator.objects.get(code=REGISTRY_INDICATOR)
    on = datetime.date(year, 12, 31)

    def app() -> list[tuple[str, int, int | None]]:
        forget_scope(superuser)
        query = analytics.Query(user=superuser, indicator=indicator, periods=(P.Period(year),), root=country, level=2)
        return [
            (c.unit.code, int(c.numerator or 0), int(c.denominator) if c.denominator else None)
            for c in analytics.compute(query)
        ]

    return Case(
        f"{REGISTRY_INDICATOR} {year}, every province (level 2), superuser: registry figures (postings, populations)",
        app,
        lambda: raw_doctors(level=2, on=on),
        lambda fetched, raw: bool(raw) and fetched == raw,
    )


def _save_cases(today: datetime.date) -> list[Case]:
    """A form save and the roll-up's share of it, each rolled back."""
    from django.db import connection, transaction

    from ytcs.accounts.models import User
    from ytcs.core.querysets import forget_scope
    from ytcs.indicators import aggregates
    from ytcs.indicators import periods as P
    from ytcs.indicators.models import DataSet, DataValue
    from ytcs.indicators.services import form_save

    head = User.objects.get(username="station_head")
    station = head.role_assignments.get().orgunit
    data_set = DataSet.objects.get(code="TYT_THANG")
    period = P.containing(today, "monthly")
    cells = sorted(
        (member.data_element_id, combo.pk)
        for member in data_set.members.select_related("data_element__category_combo")
        for combo in member.data_element.category_combo.option_combos.all()
    )
    values = {cell: str(7 + i) for i, cell in enumerate(cells)}
    quote = connection.ops.quote_name
    table = quote(DataValue._meta.db_table)
    columns = (
        "data_element_id, category_option_combo_id, orgunit_id, period, value, comment, stored_by, created, "
        "last_updated"
    )
    moment = connection.ops.adapt_datetimefield_value(datetime.datetime.now(datetime.UTC))
    rows = [
        (de, coc, station.pk, period.code, float(v), "", head.username, moment, moment)
        for (de, coc), v in values.items()
    ]

    def insert() -> None:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * 9)})", rows)

    def raw() -> list[tuple[int, int]]:
        with transaction.atomic():
            insert()
            transaction.set_rollback(True)
        return cells

    def save() -> list[tuple[int, int]]:
        forget_scope(head)
        with transaction.atomic():
            result = form_save(user=head, data_set=data_set, orgunit=station, period=period, values=values)
            transaction.set_rollback(True)
        return cells if result.counts.imported == len(cells) else []

    touched: list[int] = []

    def roll_up() -> list[tuple[int, int]]:
        with transaction.atomic():
            insert()
            touched[:] = [
                aggregates.apply(
                    [
                        aggregates.Change(de, coc, station.pk, period.code, None, float(v))
                        for (de, coc), v in values.items()
                    ]
                )
            ]
            transaction.set_rollback(True)
        return cells if touched[0] else []

    return [
        Case(
            f"Form save, {data_set.code} {period.label} of {station.code}, {len(rows)} cells, station head: "
            "services.form_save (rolled back)",
            save,
            raw,
            repeat=SAVE_REPEAT,
            note="Raw: INSERT of the same 12 rows. The form save also checks the rights, the lock and every value, "
            "writes the history and the roll-up, and runs the validation rules on the saved values.",
        ),
        Case(
            f"Roll-up of those {len(rows)} values: the inserts + aggregates.apply (rolled back)",
            roll_up,
            raw,
            repeat=SAVE_REPEAT,
            note="Raw: the inserts alone; the difference is the upsert of the roll-up rows of the station, its region, "
            "province and the country for the month, quarter and year.",
        ),
    ]


# --- the 1,000,000-value import ---


def import_case(*, today: datetime.date, count: int = IMPORT_VALUES) -> dict[str, Any] | None:
    """A dataValueSets JSON of `count` new values imported by the superuser through `exchange.import_file` (read,
    check, write with history and roll-up; rolled back), once, against COPY or executemany of the same rows
    (rolled back too). The values are the generated data elements' in the months before the loaded ones (their data
    set never locks), so every one is created. None when the exchange module is not there."""
    try:
        from ytcs.indicators.exchange import import_file
    except ImportError:
        return None
    import tempfile

    from django.db import transaction

    from ytcs.accounts.models import User
    from ytcs.indicators.models import CategoryOptionCombo, DataElement
    from ytcs.orgunits.models import OrgUnit

    bench_catalogue(1)
    superuser = User.objects.get(username="admin")
    stations = [pk for pk, _populations in reporting_stations()]
    units = dict(OrgUnit.objects.filter(pk__in=stations).values_list("pk", "code"))
    elements = dict(DataElement.objects.filter(code__startswith="BENCH_").values_list("pk", "code"))
    combos = dict(CategoryOptionCombo.objects.filter(combo__code="BENCH_GIOI_TUOI").values_list("pk", "code"))
    cells = [(de, coc) for de in sorted(elements) for coc in sorted(combos)]
    by_month: dict[str, list[tuple[int, int, int, int]]] = {}
    month, total = bench_months(today)[0].previous(), 0
    while total < count:
        rows = [(ou, de, coc, 1 + (ou + de + coc) % 50) for ou in stations for de, coc in cells][: count - total]
        by_month[month.code] = rows
        total += len(rows)
        month = month.previous()
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as handle:
        handle.write('{"dataValues": [')
        handle.write(
            ",".join(
                json.dumps(
                    {
                        "dataElement": elements[de],
                        "categoryOptionCombo": combos[coc],
                        "orgUnit": units[ou],
                        "period": period,
                        "value": str(value),
                    }
                )
                for period, rows in by_month.items()
                for ou, de, coc, value in rows
            )
        )
        handle.write("]}")
        path = handle.name
    size = os.path.getsize(path)
    try:
        start = time.perf_counter()
        with transaction.atomic():
            summary = import_file(user=superuser, path_or_bytes=path, fmt="json", options={})
            transaction.set_rollback(True)
        app_s = time.perf_counter() - start
    finally:
        os.unlink(path)
    counts = summary.get("importCount", {})
    if summary.get("status") != "SUCCESS" or counts.get("imported") != count:
        raise AssertionError(f"import: {summary.get('status')} {counts} {str(summary.get('conflicts'))[:500]}")
    start = time.perf_counter()
    with transaction.atomic():
        _insert(iter(by_month.items()))
        transaction.set_rollback(True)
    raw_s = time.perf_counter() - start
    return {
        "values": count,
        "megabytes": size / 1e6,
        "periods": sorted(by_month),
        "app_s": app_s,
        "raw_s": raw_s,
        "ratio": app_s / raw_s,
    }


# --- main ---


def measure_indicators(
    *,
    today: datetime.date,
    repeat: int,
    values: int,
    reload: bool,
    with_import: bool = True,
    import_values: int = IMPORT_VALUES,
) -> dict[str, Any]:
    from django.db import connection

    from ytcs.indicators.models import DataValue

    wanted = values if connection.vendor == "postgresql" else min(values, SQLITE_VALUES)
    present = DataValue.objects.filter(stored_by=STORED_BY).count()
    load = load_values(today=today, values=wanted) if reload or present < wanted else {"loaded": False}
    results = []
    for case in build_cases(today=today):
        result = measure(case, repeat=repeat)
        print(f"  {result.name}: {result.app_ms:.2f} ms vs {result.raw_ms:.2f} ms raw", file=sys.stderr)
        results.append(asdict(result))
    province = results[:2]  # the province-year cases
    met = all(r["app_ms"] < AIM_MS and r["ratio"] <= AIM_RATIO for r in province)
    return {
        "today": today.isoformat(),
        "year": today.year - 1,
        "vendor": connection.vendor,
        "wanted": values,
        "asked": wanted,
        "load": load,
        "scale": scale(),
        "results": results,
        "aim": {"ms": AIM_MS, "ratio": AIM_RATIO, "met": met},
        "import": import_case(today=today, count=import_values) if with_import else None,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="timed repetitions per figure (default 15)")
    parser.add_argument("--today", help="reference date (YYYY-MM-DD; default today): the year measured is the last")
    parser.add_argument("--values", type=int, default=VALUES, help=f"values to load (default {VALUES:,})")
    parser.add_argument("--reload", action="store_true", help="load the values again even if they are there")
    parser.add_argument("--skip-import", action="store_true", help="leave out the 1,000,000-value import")
    parser.add_argument(
        "--import-values", type=int, default=IMPORT_VALUES, help=f"values imported (default {IMPORT_VALUES:,})"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.base")
    import django

    django.setup()
    today = datetime.date.fromisoformat(args.today) if args.today else datetime.date.today()
    result = measure_indicators(
        today=today,
        repeat=args.repeat,
        values=args.values,
        reload=args.reload,
        with_import=not args.skip_import,
        import_values=args.import_values,
    )
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
