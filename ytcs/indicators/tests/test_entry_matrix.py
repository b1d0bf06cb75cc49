"""Persona matrix over the data-entry pages and the lock exceptions: anonymous → login, in scope → 2xx/3xx,
outsider (region B) → 404 on region A's forms with nothing saved, read-only roles → 403 on every write with nothing
saved.

Two groups: entering data is open to the data clerk (so only the viewers are read-only there), while lock exceptions
need the approve right (province administrators, regional managers): the data clerk and the station head are
read-only for them. The rule check while typing answers a fragment and saves nothing, so it has its own checks."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from ytcs.core.testing.matrix import Endpoint, audit_count, call, page_matrix
from ytcs.core.testing.personas import World
from ytcs.indicators import periods as P
from ytcs.indicators import services
from ytcs.indicators.models import DataValue, DataValueAudit, LockException
from ytcs.indicators.tests.helpers import data_set

ENTRY_READ_ONLY = ("viewer", "province_viewer")
LOCK_READ_ONLY = ("viewer", "province_viewer", "data_clerk", "station_head")


def this_month() -> P.Period:
    return P.containing(timezone.localdate(), "monthly")


def closed_month() -> P.Period:
    return this_month().previous().previous().previous()


def _records(w: World) -> dict:
    """A lock exception on station A1 (seen by region A's personas, not by the outsider), made once per world."""
    records = w.__dict__.setdefault("_entry_records", {})
    if not records:
        records["exception"] = services.lock_exception_grant(
            user=w.province_admin,
            data_set=data_set(),
            orgunit=w.station_a1,
            period=closed_month().previous(),
            reason="Mất điện cả tháng",
        )
    return records


def entry_page(name: str, unit: str = "A1", suffix: str = ""):
    return lambda w: reverse(f"indicators:{name}", args=["TYT_THANG", unit, this_month().code]) + suffix


def page(name: str, query: str = ""):
    return lambda w: reverse(f"indicators:{name}") + (f"?{query}" if query else "")


def lock_data(w: World) -> dict:
    return {"data_set": "TYT_THANG", "orgunit": "A1", "period": closed_month().code, "reason": "Bão số 3"}


VALUES = {"v.DE_TAI_TRAM.default": "4", "v.DE_DIA_BAN.default": "11", "c.DE_DIA_BAN": "Có 1 ca sinh tại nhà"}

ENTRY = [
    Endpoint("entry landing", "get", page("entry"), out_of_scope=None),
    Endpoint(
        "entry landing of a data set and period",
        "get",
        lambda w: reverse("indicators:entry") + f"?data_set=TYT_THANG&period={this_month().code}&q=nguyen",
        out_of_scope=None,
    ),
    Endpoint("entry form", "get", entry_page("entry_form")),
    Endpoint("entry form save", "post", entry_page("entry_form"), lambda w: dict(VALUES)),
    Endpoint("entry form of another unit of the region", "get", entry_page("entry_form", "A2")),
    Endpoint("entry history", "get", entry_page("entry_history")),
    Endpoint("entry history of one element", "get", entry_page("entry_history", suffix="?element=DE_TAI_TRAM")),
]

LOCKS = [
    Endpoint("lock list", "get", page("lock_list"), out_of_scope=None),
    Endpoint("lock list filtered", "get", page("lock_list", "data_set=TYT_THANG&q=A1"), out_of_scope=None),
    Endpoint("lock create form", "get", page("lock_create"), out_of_scope=None),
    Endpoint("lock create", "post", page("lock_create"), lock_data, out_of_scope=None),
    Endpoint("lock delete", "post", lambda w: reverse("indicators:lock_delete", args=[_records(w)["exception"].pk])),
]

CHECK = Endpoint("entry check", "post", entry_page("entry_check"), lambda w: dict(VALUES))

ENDPOINTS = [*ENTRY, *LOCKS, CHECK]


@pytest.fixture
def world(world):
    """The persona world with the lock exception made before any count is taken."""
    _records(world)
    return world


def _snapshot() -> tuple:
    return (
        audit_count(),
        tuple(
            DataValue.objects.order_by("pk").values_list("data_element_id", "orgunit_id", "period", "value", "comment")
        ),
        DataValueAudit.objects.count(),
        tuple(LockException.objects.order_by("pk").values_list("data_set_id", "orgunit_id", "period", "reason")),
    )


_entry = page_matrix(ENTRY, _snapshot, read_only=ENTRY_READ_ONLY)
_locks = page_matrix(
    LOCKS, _snapshot, forms=[e for e in LOCKS if e.name == "lock create form"], read_only=LOCK_READ_ONLY
)
globals().update({f"{name}__entry": test for name, test in _entry.items()})
globals().update({f"{name}__locks": test for name, test in _locks.items()})


# ---------------------------------------------------------------------------------------------- the rule check


def test_the_check_sends_anonymous_users_to_log_in(world, client_for):
    response = call(client_for(None), CHECK, world)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", ["region_manager", "station_head", "data_clerk", "province_admin"])
def test_those_who_enter_data_get_the_check_and_nothing_is_saved(persona, world, client_for):
    before = _snapshot()
    response = call(client_for(getattr(world, persona)), CHECK, world)
    assert response.status_code == 200
    assert "rule-" in response.text
    assert _snapshot() == before


@pytest.mark.parametrize("persona", ENTRY_READ_ONLY)
def test_readers_get_403_on_the_check(persona, world, client_for):
    assert call(client_for(getattr(world, persona)), CHECK, world).status_code == 403


def test_the_outsider_gets_404_on_the_check(world, client_for):
    assert call(client_for(world.outsider), CHECK, world).status_code == 404


# ---------------------------------------------------------------------------------------------- who else


@pytest.mark.parametrize("persona", ["data_clerk", "station_head"])
def test_those_who_enter_data_save_the_form(persona, world, client_for):
    before = _snapshot()
    response = call(client_for(getattr(world, persona)), ENTRY[3], world)
    assert response.status_code == 302
    assert _snapshot() != before


@pytest.mark.parametrize("persona", ["viewer", "province_viewer", "data_clerk", "station_head", "outsider"])
def test_readers_see_the_landing_and_the_lock_list(persona, world, client_for):
    client = client_for(getattr(world, persona))
    assert client.get(reverse("indicators:entry")).status_code == 200
    assert client.get(reverse("indicators:lock_list")).status_code == 200


def test_the_station_head_does_not_see_the_other_station(world, client_for):
    client = client_for(world.station_head)
    assert call(client, ENTRY[4], world).status_code == 404


def test_the_outsider_does_not_see_region_a_exceptions(world, client_for):
    listed = client_for(world.outsider).get(reverse("indicators:lock_list"))
    assert "Mất điện cả tháng" not in listed.text
    assert "Mất điện cả tháng" in client_for(world.viewer).get(reverse("indicators:lock_list")).text
