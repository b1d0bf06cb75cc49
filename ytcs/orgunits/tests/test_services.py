from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ytcs.core.models import AuditEntry
from ytcs.orgunits.models import OrgUnit, Population
from ytcs.orgunits.services import orgunit_close, orgunit_create, orgunit_update, population_set

pytestmark = pytest.mark.django_db


def test_it_places_a_new_unit_in_the_tree_and_audits_it(world):
    unit = orgunit_create(
        user=world.region_manager, code="A3", name="Trạm Y tế xã Tân Lập", kind="station", parent=world.region_a
    )
    assert unit.path == f"{world.region_a.path}{unit.pk}/"
    assert unit.level == 3
    assert (unit.level1_id, unit.level2_id, unit.level3_id, unit.level4_id) == (
        world.province.pk,
        world.region_a.pk,
        unit.pk,
        None,
    )
    assert unit.search_text == "a3 tram y te xa tan lap"
    entry = AuditEntry.objects.get(object_id=str(unit.pk), content_type__model="orgunit")
    assert entry.action == "create" and entry.actor == world.region_manager
    assert entry.changes["name"] == [None, "Trạm Y tế xã Tân Lập"]
    assert entry.changes["parent"][1] == str(world.region_a)


def test_it_rejects_a_duplicate_code(world):
    with pytest.raises(ValidationError) as exc:
        orgunit_create(user=world.province_admin, code="A1", name="X", kind="station", parent=world.region_a)
    assert "code" in exc.value.message_dict


def test_it_rejects_a_station_without_a_regional_centre_parent(world):
    with pytest.raises(ValidationError) as exc:
        orgunit_create(user=world.province_admin, code="S9", name="X", kind="station", parent=world.province)
    assert "parent" in exc.value.message_dict


def test_it_rejects_a_closing_date_before_the_opening_date(world):
    with pytest.raises(ValidationError) as exc:
        orgunit_create(
            user=world.province_admin,
            code="S9",
            name="X",
            kind="station",
            parent=world.region_a,
            opened_on=datetime.date(2020, 5, 1),
            closed_on=datetime.date(2020, 4, 30),
        )
    assert "closed_on" in exc.value.message_dict


def test_it_accepts_a_closing_date_equal_to_the_opening_date(world):
    unit = orgunit_create(
        user=world.province_admin,
        code="S9",
        name="X",
        kind="station",
        parent=world.region_a,
        opened_on=datetime.date(2020, 5, 1),
        closed_on=datetime.date(2020, 5, 1),
    )
    assert unit.closed_on == unit.opened_on


def test_it_rejects_a_cycle(world):
    # A region cannot go under one of its own stations (kind rules alone would not catch a same-kind cycle).
    with pytest.raises(ValidationError) as exc:
        orgunit_update(user=world.superuser, unit=world.station_a1, kind="station", parent=world.satellite_a1)
    assert "parent" in exc.value.message_dict
    with pytest.raises(ValidationError):
        orgunit_update(user=world.superuser, unit=world.province, parent=world.province)


def test_moving_a_station_rewrites_its_subtree_paths(world):
    moved = orgunit_update(user=world.province_admin, unit=world.station_a1, parent=world.region_b)
    assert moved.path == f"{world.region_b.path}{moved.pk}/"
    satellite = OrgUnit.objects.get(pk=world.satellite_a1.pk)
    assert satellite.path == f"{moved.path}{satellite.pk}/"
    assert satellite.level == 4
    lineage = [getattr(satellite, f"level{n}_id") for n in range(1, 7)]
    assert lineage == [world.province.pk, world.region_b.pk, moved.pk, satellite.pk, None, None]
    assert not OrgUnit.objects.restrict(world.region_manager).filter(pk=satellite.pk).exists()
    assert OrgUnit.objects.restrict(world.outsider).filter(pk=satellite.pk).exists()


def test_a_move_needs_rights_on_both_ends(world):
    with pytest.raises(PermissionDenied):
        orgunit_update(user=world.region_manager, unit=world.station_a1, parent=world.region_b)
    assert OrgUnit.objects.get(pk=world.station_a1.pk).parent_id == world.region_a.pk


def test_a_station_head_cannot_create_a_unit_outside_their_station(world):
    with pytest.raises(PermissionDenied):
        orgunit_create(user=world.station_head, code="A5", name="X", kind="station", parent=world.region_a)
    unit = orgunit_create(
        user=world.station_head, code="A1B", name="Điểm trạm mới", kind="satellite", parent=world.station_a1
    )
    assert unit.parent == world.station_a1


def test_closing_needs_subunits_closed_first(world):
    with pytest.raises(ValidationError) as exc:
        orgunit_close(user=world.region_manager, unit=world.station_a1, closed_on=datetime.date(2026, 1, 1))
    assert "A1A" in str(exc.value)
    orgunit_close(user=world.region_manager, unit=world.satellite_a1, closed_on=datetime.date(2026, 1, 1))
    closed = orgunit_close(user=world.region_manager, unit=world.station_a1, closed_on=datetime.date(2026, 1, 1))
    assert closed.closed_on == datetime.date(2026, 1, 1)


def test_a_parent_cannot_close_before_its_subunits(world):
    orgunit_close(user=world.region_manager, unit=world.satellite_a1, closed_on=datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError):
        orgunit_close(user=world.region_manager, unit=world.station_a1, closed_on=datetime.date(2026, 1, 1))


def test_population_set_upserts_and_audits_before_and_after(world):
    population_set(user=world.station_head, unit=world.station_a1, year=2025, population=8300)
    record = Population.objects.get(orgunit=world.station_a1, year=2025)
    assert record.population == 8300
    entry = AuditEntry.objects.filter(content_type__model="population", action="update").get()
    assert entry.changes["population"] == [8200, 8300]


def test_population_rejects_a_negative_figure_and_out_of_range_year(world):
    with pytest.raises(ValidationError):
        population_set(user=world.station_head, unit=world.station_a1, year=1800, population=10)


def test_update_without_change_writes_no_audit_entry(world):
    before = AuditEntry.objects.count()
    orgunit_update(user=world.region_manager, unit=world.station_a1, name=world.station_a1.name)
    assert AuditEntry.objects.count() == before


def test_an_operating_unit_cannot_be_placed_under_a_closed_parent(world):
    orgunit_close(user=world.region_manager, unit=world.station_a2, closed_on=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError) as exc:
        orgunit_create(user=world.region_manager, code="A2X", name="X", kind="satellite", parent=world.station_a2)
    assert "parent" in exc.value.message_dict


def test_a_kind_change_must_still_accept_the_units_under_it(world):
    with pytest.raises(ValidationError) as exc:
        orgunit_update(user=world.region_manager, unit=world.region_a, kind="private")
    assert "kind" in exc.value.message_dict and "A1" in str(exc.value)


def test_a_unit_cannot_open_before_or_close_after_its_parent(world):
    orgunit_update(user=world.province_admin, unit=world.region_a, opened_on=datetime.date(2000, 1, 1))
    with pytest.raises(ValidationError) as exc:
        orgunit_create(
            user=world.region_manager,
            code="A5",
            name="X",
            kind="station",
            parent=world.region_a,
            opened_on=datetime.date(1999, 12, 31),
        )
    assert "opened_on" in exc.value.message_dict
    orgunit_close(user=world.region_manager, unit=world.satellite_a1, closed_on=datetime.date(2026, 1, 1))
    orgunit_close(user=world.region_manager, unit=world.station_a1, closed_on=datetime.date(2026, 1, 1))
    with pytest.raises(ValidationError):
        orgunit_update(user=world.region_manager, unit=world.satellite_a1, closed_on=datetime.date(2026, 2, 1))


def test_codes_are_unique_whatever_the_letter_case(world):
    with pytest.raises(ValidationError) as exc:
        orgunit_create(user=world.region_manager, code="a1", name="X", kind="station", parent=world.region_a)
    assert "code" in exc.value.message_dict


def test_a_top_level_unit_needs_a_superuser_and_a_missing_parent_is_a_form_error(world):
    with pytest.raises(ValidationError) as exc:
        orgunit_create(user=world.region_manager, code="X1", name="X", kind="station")
    assert "parent" in exc.value.message_dict
    root = orgunit_create(user=world.superuser, code="P2", name="Sở Y tế tỉnh Mới", kind="province")
    assert root.path == f"/{root.pk}/" and root.level == 1


def test_population_rejects_an_implausible_figure(world):
    with pytest.raises(ValidationError) as exc:
        population_set(user=world.station_head, unit=world.station_a1, year=2026, population=10**12)
    assert "population" in exc.value.message_dict
