"""The roll-up analytics read (`AggregateValue`), maintained on every write.

Design (docs/indicators.md): a value of unit U in period P adds its value and a count of 1 to the rows
(data element, option combo, A, P') for A = U and each unit above it, and P' = P and each period enclosing it (a
month → its quarter → its year). A write applies the difference (new − old, count ±1) to those rows with one
upsert per row ("INSERT ... ON CONFLICT DO UPDATE SET value_sum = value_sum + excluded.value_sum"), in the same
transaction as the value, so analytics see a value the moment it is saved and a rolled-back write leaves no trace.
The increment is atomic in both databases, so concurrent writers of different values never lose an update; writers
of the same value are serialised by the row lock the services take on it.

`rebuild()` recomputes everything from the values with one INSERT ... SELECT per level and period kind (after a
bulk load, or to check the maintained rows: the test suite compares both).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from ytcs.indicators import periods as P
from ytcs.indicators.models import AggregateValue, DataValue
from ytcs.orgunits.models import MAX_LEVEL, OrgUnit

TABLE = AggregateValue._meta.db_table
VALUES = DataValue._meta.db_table
UNITS = OrgUnit._meta.db_table
BATCH = 500


@dataclass(frozen=True)
class Change:
    """One value written: its key, the value before (None: it did not exist) and after (None: deleted)."""

    data_element_id: int
    option_combo_id: int
    orgunit_id: int
    period: str
    old: float | None
    new: float | None


def _chains(orgunit_ids: Iterable[int]) -> dict[int, list[tuple[int, int]]]:
    """For each unit: (unit id, level) of itself and every unit above it, from the materialised path."""
    ids = set(orgunit_ids)
    out: dict[int, list[tuple[int, int]]] = {}
    for pk, path in OrgUnit.objects.filter(pk__in=ids).values_list("pk", "path").iterator(chunk_size=2000):
        chain = [int(part) for part in path.strip("/").split("/") if part]
        out[pk] = [(unit_id, level) for level, unit_id in enumerate(chain, start=1)]
    return out


def apply(changes: Sequence[Change]) -> int:
    """Apply the differences of written values to the roll-up; returns the number of roll-up rows touched.

    Call inside the transaction that wrote the values."""
    deltas: dict[tuple[int, int, int, str], list] = defaultdict(lambda: [0.0, 0, 0])
    chains = _chains({c.orgunit_id for c in changes})
    for change in changes:
        dsum = (change.new or 0.0) - (change.old or 0.0)
        dcount = (change.new is not None) - (change.old is not None)
        if dsum == 0 and dcount == 0:
            continue
        enclosing = [p.code for p in P.parse(change.period).enclosing()]
        for unit_id, level in chains.get(change.orgunit_id, ()):
            for code in enclosing:
                row = deltas[(change.data_element_id, change.option_combo_id, unit_id, code)]
                row[0] += dsum
                row[1] += dcount
                row[2] = level
    _upsert([(de, coc, ou, lv, period, s, n) for (de, coc, ou, period), (s, n, lv) in deltas.items()])
    if any(n < 0 for _s, n, _lv in deltas.values()):
        _drop_empty({key[3] for key in deltas}, {key[0] for key in deltas})
    return len(deltas)


def _upsert(rows: list[tuple]) -> None:
    sql_head = (
        f"INSERT INTO {TABLE} (data_element_id, category_option_combo_id, orgunit_id, level, period, value_sum, "
        "value_count) VALUES "
    )
    sql_tail = (
        " ON CONFLICT (period, data_element_id, orgunit_id, category_option_combo_id) DO UPDATE SET "
        f"value_sum = {TABLE}.value_sum + excluded.value_sum, value_count = {TABLE}.value_count + excluded.value_count"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            placeholders = ",".join(["(%s,%s,%s,%s,%s,%s,%s)"] * len(batch))
            cursor.execute(sql_head + placeholders + sql_tail, [v for row in batch for v in row])


def _drop_empty(period_codes: set[str], data_element_ids: set[int]) -> None:
    """Rows whose every value was deleted: gone, so "no data" stays distinct from 0."""
    AggregateValue.objects.filter(
        period__in=period_codes, data_element_id__in=data_element_ids, value_count__lte=0
    ).delete()


# Period roll-ups in SQL, for rebuild(): (condition on the value's period, expression of the enclosing period).
_PERIOD_SQL = (
    ("1=1", "v.period"),
    (
        "LENGTH(v.period) = 6 AND SUBSTR(v.period, 5, 1) <> 'Q'",
        "SUBSTR(v.period, 1, 4) || 'Q' || CAST((CAST(SUBSTR(v.period, 5, 2) AS INTEGER) + 2) / 3 AS TEXT)",
    ),
    ("LENGTH(v.period) > 4", "SUBSTR(v.period, 1, 4)"),
)


def rebuild(*, data_element_ids: Sequence[int] | None = None) -> int:
    """Recompute the roll-up from the values (all, or those of some data elements); returns the row count."""
    where_de = ""
    params: list = []
    if data_element_ids is not None:
        if not data_element_ids:
            return 0
        where_de = f" AND v.data_element_id IN ({','.join(['%s'] * len(data_element_ids))})"
        params = list(data_element_ids)
    with connection.cursor() as cursor:
        if data_element_ids is None:
            cursor.execute(f"DELETE FROM {TABLE}")
        else:
            cursor.execute(f"DELETE FROM {TABLE} WHERE data_element_id IN ({','.join(['%s'] * len(params))})", params)
        for level in range(1, MAX_LEVEL + 1):
            for condition, period_expr in _PERIOD_SQL:
                cursor.execute(
                    f"INSERT INTO {TABLE} (data_element_id, category_option_combo_id, orgunit_id, level, period, "
                    "value_sum, value_count) "
                    f"SELECT v.data_element_id, v.category_option_combo_id, u.level{level}_id, {level}, {period_expr}, "
                    "SUM(v.value), COUNT(*) "
                    f"FROM {VALUES} v JOIN {UNITS} u ON u.id = v.orgunit_id "
                    f"WHERE u.level{level}_id IS NOT NULL AND {condition}{where_de} "
                    f"GROUP BY v.data_element_id, v.category_option_combo_id, u.level{level}_id, {period_expr}",
                    params,
                )
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def on_unit_moved(*, unit: OrgUnit, old_chain: Sequence[int]) -> None:
    """A unit moved in the tree (its path and levels already saved): its subtree's totals, which are its own
    roll-up rows, leave the units that were above it and join the units now above it; the subtree's rows take
    their new levels. `old_chain` is the ids above the unit before the move, root first."""
    new_chain = [int(part) for part in unit.path.strip("/").split("/") if part][:-1]
    if list(old_chain) == new_chain:
        return
    own = list(
        AggregateValue.objects.filter(orgunit_id=unit.pk).values_list(
            "data_element_id", "category_option_combo_id", "period", "value_sum", "value_count"
        )
    )
    levels = dict(OrgUnit.objects.filter(pk__in=new_chain).values_list("pk", "level"))
    # Units above both the old and the new place net to nothing; one row per key (PostgreSQL refuses an upsert
    # touching a row twice).
    deltas: dict[tuple, list] = defaultdict(lambda: [0.0, 0, 0])
    for de, coc, period, value_sum, value_count in own:
        for sign, chain in ((-1, list(old_chain)), (1, new_chain)):
            for position, ancestor in enumerate(chain, start=1):
                row = deltas[(de, coc, ancestor, period)]
                row[0] += sign * value_sum
                row[1] += sign * value_count
                row[2] = levels.get(ancestor, position)
    _upsert([(de, coc, ou, lv, period, s, n) for (de, coc, ou, period), (s, n, lv) in deltas.items() if s or n])
    if own:
        _drop_empty({row[2] for row in own}, {row[0] for row in own})
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET level = (SELECT u.level FROM {UNITS} u WHERE u.id = {TABLE}.orgunit_id) "
            f"WHERE orgunit_id IN (SELECT id FROM {UNITS} WHERE path >= %s AND path < %s)",
            [unit.path, unit.path[:-1] + "0"],
        )
