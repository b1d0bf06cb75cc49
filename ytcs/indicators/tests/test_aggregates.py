"""The roll-up maintained on write equals the one rebuilt from the values, whatever the sequence of writes."""

import random

import pytest

from ytcs.indicators import aggregates
from ytcs.indicators.models import AggregateValue, DataValue, DataValueAudit
from ytcs.indicators.tests.helpers import element, put
from ytcs.orgunits.services import orgunit_update

pytestmark = pytest.mark.django_db

FIELDS = ("period", "data_element_id", "orgunit_id", "category_option_combo_id", "level", "value_sum", "value_count")


def snapshot():
    return sorted(AggregateValue.objects.values_list(*FIELDS))


def rebuilt():
    maintained = snapshot()
    aggregates.rebuild()
    return maintained, snapshot()


def test_a_value_counts_at_its_unit_and_every_unit_above_in_its_period_quarter_and_year(world):
    put(world.province_admin, [("DE_TAI_TRAM", world.station_a1, "202505", 4)])
    de = element("DE_TAI_TRAM").pk
    rows = {(r[2], r[0]): (r[4], r[5], r[6]) for r in snapshot() if r[1] == de}
    for unit, level in ((world.station_a1, 3), (world.region_a, 2), (world.province, 1)):
        for period in ("202505", "2025Q2", "2025"):
            assert rows[(unit.pk, period)] == (level, 4.0, 1)
    assert len(rows) == 9  # nothing at region B, station A2 or in other periods


def test_random_creates_updates_and_deletes_leave_the_same_rollup_as_a_rebuild(world):
    rng = random.Random(7)
    units = [world.station_a1, world.station_a2, world.station_b1, world.satellite_a1, world.region_a]
    periods = ["202501", "202502", "202504", "202512", "202601"]
    for _round in range(6):
        rows = []
        for _ in range(25):
            value = None if rng.random() < 0.2 else float(rng.randint(0, 50))
            rows.append((rng.choice(["DE_TAI_TRAM", "DE_DIA_BAN"]), rng.choice(units), rng.choice(periods), value))
        # one write per key in a batch, as a form or a file holds
        unique = {(r[0], r[1].pk, r[2]): r for r in rows}
        put(world.province_admin, list(unique.values()))
    maintained, recomputed = rebuilt()
    assert maintained == recomputed
    assert DataValue.objects.exists()


def test_deleting_every_value_removes_the_rollup_rows(world):
    put(world.province_admin, [("DE_TAI_TRAM", world.station_a1, "202505", 4)])
    put(world.province_admin, [("DE_TAI_TRAM", world.station_a1, "202505", None)])
    assert not AggregateValue.objects.exists()
    actions = list(DataValueAudit.objects.order_by("id").values_list("action", "previous", "value"))
    assert actions == [("create", None, 4.0), ("delete", 4.0, None)]


def test_disaggregated_values_keep_their_option_combo(world):
    put(
        world.province_admin,
        [("KCB_LUOT", "NAM", world.station_a1, "202503", 10), ("KCB_LUOT", "NU", world.station_a1, "202503", 15)],
    )
    de = element("KCB_LUOT").pk
    at_region = [r for r in snapshot() if r[1] == de and r[2] == world.region_a.pk and r[0] == "2025"]
    assert sorted(r[5] for r in at_region) == [10.0, 15.0]


def test_a_unit_moved_to_another_region_takes_its_totals_along(world):
    put(
        world.province_admin,
        [
            ("DE_TAI_TRAM", world.station_a2, "202503", 6),
            ("DE_TAI_TRAM", world.station_a1, "202503", 1),
            ("DE_TAI_TRAM", world.station_b1, "202503", 2),
        ],
    )
    orgunit_update(user=world.province_admin, unit=world.station_a2, parent=world.region_b)
    maintained, recomputed = rebuilt()
    assert maintained == recomputed
    de = element("DE_TAI_TRAM").pk
    year = {r[2]: r[5] for r in recomputed if r[1] == de and r[0] == "2025"}
    assert year[world.region_a.pk] == 1 and year[world.region_b.pk] == 8 and year[world.province.pk] == 9
