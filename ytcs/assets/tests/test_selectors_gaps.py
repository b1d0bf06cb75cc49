"""The gap roll-up across unit kinds and catalogue versions, in a number of queries that does not grow with the
norms."""

import datetime

import pytest

from ytcs.assets import selectors, selectors_equipment
from ytcs.assets.models import EquipmentCatalogue, EquipmentItem, EquipmentNorm, EquipmentType
from ytcs.core.testing.factories import OrgUnitFactory
from ytcs.orgunits.models import OrgUnitKind

pytestmark = pytest.mark.django_db


def catalogue(code: str, *, current: bool) -> EquipmentCatalogue:
    return EquipmentCatalogue.objects.create(code="mau", version=code, name="Mẫu", source="test", is_current=current)


@pytest.fixture
def echo(world):
    """Ultrasound: one per station, two per regional centre, in the current version; an older version's type of
    the same code."""
    EquipmentCatalogue.objects.update(is_current=False)  # the shipped sample
    old = EquipmentType.objects.create(
        catalogue=catalogue("0", current=False), code="SIEU_AM", name="Máy siêu âm (cũ)", category="imaging"
    )
    current = catalogue("1", current=True)
    echo = EquipmentType.objects.create(catalogue=current, code="SIEU_AM", name="Máy siêu âm", category="imaging")
    for kind, quantity in (("station", 1), ("regional_centre", 2)):
        EquipmentNorm.objects.create(
            catalogue=current, unit_kind=kind, equipment_type=echo, quantity=quantity, source="x"
        )
    return echo, old


def test_norms_of_several_kinds_add_up_and_items_of_an_older_version_count_by_code(world, echo):
    echo, old = echo
    closed = OrgUnitFactory(
        code="A3", kind=OrgUnitKind.STATION, parent=world.region_a, closed_on=datetime.date(2025, 7, 1)
    )
    EquipmentItem.objects.create(orgunit=world.station_a1, equipment_type=old)  # recorded with the older version
    EquipmentItem.objects.create(orgunit=world.region_a, equipment_type=echo)
    EquipmentItem.objects.create(orgunit=world.region_a, equipment_type=echo, condition="under_repair")
    EquipmentItem.objects.create(orgunit=closed, equipment_type=echo)

    gaps = selectors.equipment_gaps(user=world.province_admin, level=2)
    # Region A: the centre (2 required, 1 working) and its two open stations (A1 covered by the old version's item,
    # A2 without); the closed station is no longer under a norm.
    assert gaps[(world.region_a.pk, echo.pk)] == {"units": 3, "required": 4, "short": 2}
    assert gaps[(world.region_b.pk, echo.pk)] == {"units": 2, "required": 3, "short": 3}
    table = selectors_equipment.gap_table(user=world.province_admin, root=world.province, level=2)
    assert table.totals[echo.pk] == {"units": 5, "required": 7, "short": 5}
    assert (table.short(world.region_a), table.short(world.region_b), table.short(world.province)) == (2, 3, 0)
    # At the stations' level the centre (level 2) has no ancestor of that level: the stations only.
    mine = selectors.equipment_gaps(user=world.region_manager, level=3, root=world.region_a)
    assert mine == {
        (world.station_a1.pk, echo.pk): {"units": 1, "required": 1, "short": 0},
        (world.station_a2.pk, echo.pk): {"units": 1, "required": 1, "short": 1},
    }
    assert selectors.equipment_gaps(user=world.outsider, level=3, root=world.region_a) == {}


def test_the_roll_up_takes_the_same_queries_for_one_norm_as_for_many(world, echo, django_assert_num_queries):
    echo, _old = echo
    current = echo.catalogue
    selectors.equipment_gaps(user=world.province_admin, level=2)  # the scope is read once per request
    with django_assert_num_queries(4):  # the current catalogue, its norms, the units, the working items
        selectors.equipment_gaps(user=world.province_admin, level=2)
    for n in range(6):
        other = EquipmentType.objects.create(catalogue=current, code=f"T{n}", name=f"Loại {n}", category="other")
        EquipmentNorm.objects.create(catalogue=current, unit_kind="station", equipment_type=other, source="x")
    with django_assert_num_queries(4):
        gaps = selectors.equipment_gaps(user=world.province_admin, level=2)
    assert len(gaps) == 2 * 7
