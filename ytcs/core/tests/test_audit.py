from __future__ import annotations

import pytest
from django.urls import reverse

from ytcs.core.models import AuditEntry
from ytcs.core.selectors import audit_for_objects
from ytcs.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db


def test_api_changes_are_audited_with_actor_and_source(world, api_for):
    response = api_for(world.region_manager).patch(
        reverse("orgunit-detail", args=["A1"]), {"address": "Thôn Đông, xã Nguyễn Huệ"}, format="json"
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.latest("id")
    assert (entry.actor, entry.source, entry.action) == (world.region_manager, "api", "update")
    assert entry.changes == {"address": ["", "Thôn Đông, xã Nguyễn Huệ"]}


def test_delete_is_audited_with_the_values_before(world):
    from ytcs.orgunits.services import population_delete

    record = world.station_a1.populations.get(year=2025)
    population_delete(user=world.region_manager, record=record)
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "delete" and entry.changes["population"] == [8200, None]


def test_history_is_visible_only_to_users_who_see_the_object(world):
    from ytcs.orgunits.services import orgunit_update

    orgunit_update(user=world.province_admin, unit=world.station_b1, phone="0909")
    b1 = OrgUnit.objects.get(code="B1")
    assert audit_for_objects(user=world.outsider, objects=[b1]).count() == 1
    assert audit_for_objects(user=world.region_manager, objects=[b1]).count() == 0


def test_a_password_reset_is_audited_without_the_password(world):
    from ytcs.accounts.services import user_set_password

    user_set_password(user=world.province_admin, account=world.viewer, password="Mat-khau-moi-2026")
    entry = AuditEntry.objects.get(changes__has_key="password")
    assert entry.actor == world.province_admin and "Mat-khau" not in str(entry.changes)


def test_a_new_units_creation_is_in_its_history(world, api_for):
    response = api_for(world.region_manager).post(
        "/api/v1/orgunits/",
        {"code": "A8", "name": "Trạm Y tế xã Tám", "kind": "station", "parent": "RA"},
        format="json",
    )
    assert response.status_code == 201
    history = api_for(world.region_manager).get("/api/v1/orgunits/A8/audit/").json()
    assert [row["action"] for row in history] == ["create"]


def test_history_follows_a_moved_unit(world):
    from ytcs.orgunits.services import orgunit_update

    orgunit_update(user=world.region_manager, unit=world.station_a2, phone="0909")
    orgunit_update(user=world.province_admin, unit=world.station_a2, parent=world.region_b)
    a2 = OrgUnit.objects.get(code="A2")
    assert audit_for_objects(user=world.outsider, objects=[a2]).count() == 2
    assert audit_for_objects(user=world.region_manager, objects=[a2]).count() == 0
