"""Persona matrix over every equipment page and API endpoint: anonymous → login / 401, in scope → 2xx/3xx, outsider
(region B) → 404 on region A's items and units with nothing saved, read-only roles (viewer, province viewer, data
clerk) → 403 on every write (and on opening a write form) with nothing saved. The catalogue belongs to no unit:
everyone reads it, only province administrators change it. A station head changes only their own station's items;
a move needs the right to change both units."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from ytcs.accounts.roles import Role
from ytcs.assets import catalogue_xlsx, equipment_xlsx
from ytcs.assets.models import EquipmentCatalogue, EquipmentItem, EquipmentMove, EquipmentNorm, EquipmentType
from ytcs.core.testing.factories import RoleAssignmentFactory, UserFactory
from ytcs.core.testing.matrix import READ_ONLY, Endpoint, audit_count, call, page_matrix
from ytcs.core.testing.personas import World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def shipped() -> EquipmentCatalogue:
    return EquipmentCatalogue.objects.get(code="ytcs-mau", version="2026.1")


def etype(code: str) -> EquipmentType:
    return EquipmentType.objects.get(catalogue=shipped(), code=code)


def _records(w: World) -> dict:
    """An ultrasound machine of station A1 (broken), an ECG of station A2 whose maintenance is overdue, and a second
    catalogue version that is not current; made once per world (the URLs need their ids)."""
    records = w.__dict__.setdefault("_equipment_records", {})
    if not records:
        records["item"] = EquipmentItem.objects.create(
            orgunit=w.station_a1,
            equipment_type=etype("SIEU_AM"),
            serial_number="SA-A1-01",
            condition="broken",
            search_text="may sieu am tong quat sieu_am sa-a1-01",
        )
        records["due"] = EquipmentItem.objects.create(
            orgunit=w.station_a2,
            equipment_type=etype("DIEN_TIM_6"),
            serial_number="DT-A2-01",
            next_maintenance_on=datetime.date(2020, 1, 1),
        )
        spare = EquipmentCatalogue.objects.create(code="ytcs-mau", version="2027.0", name="Bản thử", source="Thử")
        spare_type = EquipmentType.objects.create(
            catalogue=spare, code="SIEU_AM", name="Máy siêu âm", category="imaging"
        )
        EquipmentNorm.objects.create(catalogue=spare, unit_kind="station", equipment_type=spare_type, source="Thử")
        records["spare"] = spare
        records["norm"] = EquipmentNorm.objects.get(
            catalogue=shipped(), unit_kind="station", equipment_type__code="SIEU_AM"
        )
    return records


@pytest.fixture
def world(world):
    """The persona world with the items made before any count is taken."""
    _records(world)
    return world


def item(w: World) -> EquipmentItem:
    return _records(w)["item"]


def page(name: str, query: str = "", **kwargs):
    return lambda w: reverse(name, kwargs=kwargs or None) + (f"?{query}" if query else "")


def of_item(name: str, query: str = ""):
    return lambda w: reverse(name, args=[item(w).pk]) + (f"?{query}" if query else "")


def of_record(name: str, key: str):
    return lambda w: reverse(name, args=[_records(w)[key].pk])


def inventory_file(w: World) -> SimpleUploadedFile:
    """The import template with one new item for station A1."""
    wb = load_workbook(io.BytesIO(equipment_xlsx.template_workbook()))
    wb[equipment_xlsx.SHEET].append([None, "A1", None, "HUYET_AP", None, "HA-01", None, 2024, None, "Hoạt động tốt"])
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("ttb.xlsx", out.getvalue(), content_type=XLSX)


def catalogue_file(w: World) -> SimpleUploadedFile:
    """The shipped catalogue exported, under a new version number."""
    wb = load_workbook(io.BytesIO(catalogue_xlsx.equipment_export(shipped())))
    wb["Thông tin"]["B2"] = "2099.1"
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("danh-muc.xlsx", out.getvalue(), content_type=XLSX)


def item_form_data(w: World, **overrides) -> dict:
    data = {
        "equipment_type": etype("SIEU_AM").pk,
        "serial_number": "SA-A1-01",
        "model_name": "Sonoscape E1",
        "year_in_use": "2019",
        "funding_source": "state_budget",
        "condition": "under_repair",
        "last_maintained_on": "",
        "next_maintenance_on": "",
        "last_calibrated_on": "",
        "next_calibration_on": "",
        "warranty_until": "",
        "note": "",
    }
    return {**data, **overrides}


def move_data(w: World, to=None) -> dict:
    return {"to_unit": (to or w.station_a2).pk, "moved_on": "01/03/2026", "reason": "Điều phối trong khu vực"}


def norm_data(**overrides) -> dict:
    data = {
        "unit_kind": "regional_centre",
        "equipment_type": etype("HUYET_AP").pk,
        "quantity": "3",
        "source": "Quyết định của Sở Y tế – CHƯA XÁC NHẬN",
    }
    return {**data, **overrides}


LISTS = {"out_of_scope": None}
CATALOGUE_READ = {"out_of_scope": None, "allowed": "viewer"}
CATALOGUE = {"allowed": "province_admin", "out_of_scope": None}

PAGES = [
    Endpoint("home", "get", page("assets:home"), **LISTS),
    Endpoint("inventory", "get", page("assets:equipment_list"), **LISTS),
    Endpoint(
        "inventory filtered",
        "get",
        page("assets:equipment_list", "q=sieu+am&orgunit=RA&condition=broken&category=imaging&type=SIEU_AM"),
        **LISTS,
    ),
    Endpoint("inventory export", "get", page("assets:equipment_export", "orgunit=A1"), **LISTS),
    Endpoint("inventory template", "get", page("assets:equipment_template"), **LISTS),
    Endpoint("inventory import form", "get", page("assets:equipment_import"), **LISTS),
    Endpoint(
        "inventory import", "post", page("assets:equipment_import"), lambda w: {"file": inventory_file(w)}, **LISTS
    ),
    Endpoint("item create form", "get", page("assets:equipment_create", "orgunit=A1&type=SIEU_AM"), **LISTS),
    Endpoint(
        "item create",
        "post",
        page("assets:equipment_create"),
        lambda w: item_form_data(w, orgunit=w.station_a1.pk, serial_number="SA-A1-02", condition="working"),
        **LISTS,
    ),
    Endpoint("item detail", "get", of_item("assets:equipment_detail")),
    Endpoint("item edit form", "get", of_item("assets:equipment_edit")),
    Endpoint("item edit", "post", of_item("assets:equipment_edit"), item_form_data),
    Endpoint("item move form", "get", of_item("assets:equipment_move")),
    Endpoint("item move", "post", of_item("assets:equipment_move"), move_data),
    Endpoint("out of order", "get", page("assets:broken", "orgunit=RA&condition=broken"), **LISTS),
    Endpoint("maintenance due", "get", page("assets:maintenance_due", "window=overdue"), **LISTS),
    Endpoint("gaps default", "get", page("assets:gaps"), **LISTS),
    Endpoint("gaps of region A", "get", page("assets:gaps", "orgunit=RA&level=3")),
    Endpoint("gap drill-down", "get", page("assets:gap_detail", "orgunit=RA", type_code="SIEU_AM")),
    Endpoint("catalogue list", "get", page("assets:catalogue_list"), **CATALOGUE_READ),
    Endpoint(
        "catalogue detail", "get", lambda w: reverse("assets:catalogue_detail", args=[shipped().pk]), **CATALOGUE_READ
    ),
    Endpoint(
        "catalogue export", "get", lambda w: reverse("assets:catalogue_export", args=[shipped().pk]), **CATALOGUE_READ
    ),
    Endpoint("catalogue import form", "get", page("assets:catalogue_import"), **CATALOGUE),
    Endpoint(
        "catalogue import", "post", page("assets:catalogue_import"), lambda w: {"file": catalogue_file(w)}, **CATALOGUE
    ),
    Endpoint("catalogue make current", "post", of_record("assets:catalogue_make_current", "spare"), **CATALOGUE),
    Endpoint("norm create form", "get", lambda w: reverse("assets:norm_create", args=[shipped().pk]), **CATALOGUE),
    Endpoint(
        "norm create",
        "post",
        lambda w: reverse("assets:norm_create", args=[shipped().pk]),
        lambda w: norm_data(),
        **CATALOGUE,
    ),
    Endpoint("norm edit form", "get", of_record("assets:norm_edit", "norm"), **CATALOGUE),
    Endpoint(
        "norm edit",
        "post",
        of_record("assets:norm_edit", "norm"),
        lambda w: norm_data(unit_kind="station", equipment_type=etype("SIEU_AM").pk, quantity="2", confirmed="on"),
        **CATALOGUE,
    ),
    Endpoint("norm delete", "post", of_record("assets:norm_delete", "norm"), **CATALOGUE),
]

WRITE_FORMS = [e for e in PAGES if e.method == "get" and "form" in e.name]


def _snapshot() -> tuple:
    """Everything the equipment pages and API could write."""
    return (
        audit_count(),
        tuple(EquipmentItem.objects.order_by("pk").values_list()),
        tuple(EquipmentMove.objects.order_by("pk").values_list()),
        tuple(EquipmentCatalogue.objects.order_by("pk").values_list("pk", "is_current")),
        tuple(EquipmentNorm.objects.order_by("pk").values_list()),
    )


globals().update(page_matrix(PAGES, _snapshot, forms=WRITE_FORMS, check_follow=True))


# ---------------------------------------------------------------------------------------------- API


def api(name: str, *args, query: str = ""):
    return lambda w: reverse(name, args=args) + query


def api_item(name: str, query: str = ""):
    return lambda w: reverse(name, args=[item(w).pk]) + query


API_LISTS = {"api": True, "out_of_scope": None}
API_CATALOGUE_READ = {"api": True, "out_of_scope": None, "allowed": "viewer"}
API_CATALOGUE = {"api": True, "out_of_scope": None, "allowed": "province_admin"}
API = {"api": True}

API_ENDPOINTS = [
    Endpoint("api types", "get", api("equipment-type-list", query="?category=imaging&q=sieu"), **API_CATALOGUE_READ),
    Endpoint(
        "api type", "get", lambda w: reverse("equipment-type-detail", args=[etype("SIEU_AM").pk]), **API_CATALOGUE_READ
    ),
    Endpoint("api catalogues", "get", api("equipment-catalogue-list"), **API_CATALOGUE_READ),
    Endpoint(
        "api catalogue",
        "get",
        lambda w: reverse("equipment-catalogue-detail", args=[shipped().pk]),
        **API_CATALOGUE_READ,
    ),
    Endpoint(
        "api catalogue export",
        "get",
        lambda w: reverse("equipment-catalogue-export", args=[shipped().pk]),
        **API_CATALOGUE_READ,
    ),
    Endpoint(
        "api catalogue import",
        "post",
        api("equipment-catalogue-import"),
        lambda w: {"file": catalogue_file(w), "make_current": "false"},
        format="multipart",
        ok=frozenset({201}),
        **API_CATALOGUE,
    ),
    Endpoint(
        "api catalogue make current",
        "post",
        lambda w: reverse("equipment-catalogue-make-current", args=[_records(w)["spare"].pk]),
        **API_CATALOGUE,
    ),
    Endpoint("api inventory", "get", api("equipment-list", query="?orgunit=RA&q=sieu&condition=broken"), **API_LISTS),
    Endpoint(
        "api item create",
        "post",
        api("equipment-list"),
        lambda w: {"orgunit": "A1", "equipment_type": "HUYET_AP", "serial_number": "HA-9", "year_in_use": 2025},
        ok=frozenset({201}),
        **API_LISTS,
    ),
    Endpoint("api item", "get", api_item("equipment-detail"), **API),
    Endpoint("api item patch", "patch", api_item("equipment-detail"), lambda w: {"condition": "under_repair"}, **API),
    Endpoint(
        "api item put",
        "put",
        api_item("equipment-detail"),
        lambda w: {"orgunit": "A1", "equipment_type": "SIEU_AM", "condition": "working", "note": "Đã sửa"},
        **API,
    ),
    Endpoint(
        "api item move",
        "post",
        api_item("equipment-move"),
        lambda w: {"to_unit": "A2", "moved_on": "2026-03-01", "reason": "Điều phối"},
        ok=frozenset({201}),
        **API,
    ),
    Endpoint("api inventory export", "get", api("equipment-export", query="?orgunit=A1"), **API_LISTS),
    Endpoint(
        "api inventory import",
        "post",
        api("equipment-import"),
        lambda w: {"file": inventory_file(w)},
        format="multipart",
        **API_LISTS,
    ),
    Endpoint("api out of order", "get", api("equipment-broken", query="?orgunit=RA"), **API_LISTS),
    Endpoint("api maintenance due", "get", api("equipment-maintenance-due", query="?overdue=true"), **API_LISTS),
    Endpoint("api gaps", "get", api("equipment-gaps", query="?orgunit=RA&level=3"), **API),
    Endpoint("api gaps default", "get", api("equipment-gaps"), **API_LISTS),
    Endpoint("api gap drill-down", "get", api("equipment-gap-detail", "SIEU_AM", query="?orgunit=RA"), **API),
]

ENDPOINTS = [*PAGES, *API_ENDPOINTS]


def _api(persona, world, api_for):
    return api_for(getattr(world, persona) if persona else None)


@pytest.mark.parametrize("endpoint", API_ENDPOINTS, ids=str)
def test_api_anonymous_gets_401(endpoint, world, api_for):
    before = _snapshot()
    assert call(_api(None, world, api_for), endpoint, world).status_code == 401
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", API_ENDPOINTS, ids=str)
def test_api_in_scope_persona_succeeds(endpoint, world, api_for):
    before = _snapshot()
    response = call(_api(endpoint.allowed, world, api_for), endpoint, world)
    assert response.status_code in endpoint.ok, getattr(response, "content", b"")[:500]
    assert (_snapshot() != before) == endpoint.writes


@pytest.mark.parametrize("endpoint", [e for e in API_ENDPOINTS if e.out_of_scope], ids=str)
def test_api_out_of_scope_persona_gets_404_and_nothing_is_saved(endpoint, world, api_for):
    before = _snapshot()
    response = call(_api(endpoint.out_of_scope, world, api_for), endpoint, world)
    assert response.status_code == 404, response.content[:300]
    assert set(response.json()) == {"detail", "errors"}
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", [e for e in API_ENDPOINTS if e.writes], ids=str)
def test_api_read_only_persona_gets_403_on_write_and_nothing_is_saved(endpoint, world, api_for):
    before = _snapshot()
    for persona in READ_ONLY:
        response = call(_api(persona, world, api_for), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code, response.content[:300])
        assert set(response.json()) == {"detail", "errors"}
    assert _snapshot() == before


# ---------------------------------------------------------------------------------------------- who writes what

CATALOGUE_WRITES = [e for e in ENDPOINTS if e.allowed == "province_admin"]


@pytest.mark.parametrize("endpoint", CATALOGUE_WRITES, ids=str)
def test_only_province_administrators_change_the_catalogue(endpoint, world, client_for, api_for):
    before = _snapshot()
    for persona in ("region_manager", "station_head", "outsider"):
        user = getattr(world, persona)
        response = call(api_for(user) if endpoint.api else client_for(user), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code)
    assert _snapshot() == before


def test_a_station_head_changes_only_their_own_station(world, client_for, api_for):
    a1_item = item(world)
    a2_item = _records(world)["due"]
    head = client_for(world.station_head)
    assert head.get(reverse("assets:equipment_edit", args=[a1_item.pk])).status_code == 200
    response = head.post(
        reverse("assets:equipment_edit", args=[a1_item.pk]), item_form_data(world, condition="working")
    )
    assert response.status_code == 302
    before = _snapshot()
    # Station A2 lies outside the station head's scope: its items are not even seen.
    assert head.get(reverse("assets:equipment_edit", args=[a2_item.pk])).status_code == 404
    assert head.post(reverse("assets:equipment_edit", args=[a2_item.pk]), item_form_data(world)).status_code == 404
    # Recording at another station is refused on the form (the unit is not offered) and through the API.
    response = head.post(
        reverse("assets:equipment_create"), item_form_data(world, orgunit=world.station_a2.pk, condition="working")
    )
    assert response.status_code == 200 and b"errorlist" in response.content
    api = api_for(world.station_head)
    assert api.patch(reverse("equipment-detail", args=[a2_item.pk]), {"note": "x"}, format="json").status_code == 404
    response = api.post(reverse("equipment-list"), {"orgunit": "A2", "equipment_type": "HUYET_AP"}, format="json")
    assert response.status_code == 400 and "orgunit" in response.json()["errors"]
    assert _snapshot() == before


@pytest.fixture
def a1_head_a2_viewer(world):
    """Head of station A1 who may only read station A2."""
    user = UserFactory(username="head_a1_viewer_a2", home_unit=world.station_a1)
    RoleAssignmentFactory(user=user, role=Role.STATION_HEAD, orgunit=world.station_a1)
    RoleAssignmentFactory(user=user, role=Role.VIEWER, orgunit=world.station_a2)
    return user


def test_a_move_needs_the_right_to_change_both_units(world, client_for, api_for, a1_head_a2_viewer):
    url = reverse("assets:equipment_move", args=[item(world).pk])
    api_url = reverse("equipment-move", args=[item(world).pk])
    before = _snapshot()
    # Region B is out of the region manager's sight: 404; station A2 is only readable for this user: 403.
    assert client_for(world.region_manager).post(url, move_data(world, world.station_b1)).status_code == 404
    assert client_for(a1_head_a2_viewer).post(url, move_data(world, world.station_a2)).status_code == 403
    move = {"moved_on": "2026-03-01", "reason": "Điều phối"}
    response = api_for(world.region_manager).post(api_url, {**move, "to_unit": "B1"}, format="json")
    assert response.status_code == 404
    response = api_for(a1_head_a2_viewer).post(api_url, {**move, "to_unit": "A2"}, format="json")
    assert response.status_code == 403
    # Nor may the station head, who reads only station A1, move it anywhere: the target is not offered.
    response = client_for(world.station_head).post(url, move_data(world, world.station_a2))
    assert response.status_code == 404
    assert _snapshot() == before
    response = client_for(world.province_admin).post(url, move_data(world, world.station_b1))
    assert response.status_code == 302
    assert EquipmentItem.objects.get(pk=item(world).pk).orgunit == world.station_b1
