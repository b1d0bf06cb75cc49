"""Persona matrix over every page and API endpoint of the medicine list and the stock ledger: anonymous → login
(pages) or 401 (API), in scope → success, outsider (region B) → 404 on station A1's stock with nothing saved,
read-only roles → 403 on every write and on opening a write form, with nothing saved. The medicine list belongs
to no unit: everyone reads it, only catalogue managers export and import it. A station changes only its own stock."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ytcs.assets.catalogue_xlsx import medicine_export
from ytcs.assets.models import Medicine, MedicineList, StockBalance, StockEntry
from ytcs.assets.stock import stock_issue, stock_receive
from ytcs.assets.tests.test_stock_views import ago, ahead
from ytcs.core.testing.matrix import READ_ONLY, Endpoint, audit_count, call, page_matrix
from ytcs.core.testing.personas import World

API = "/api/v1/assets/"


def _records(w: World) -> dict[str, Any]:
    """Station A1's stock: paracetamol of the shipped list (received 10 days ago, some issued) and a batch of
    amoxicillin expiring soon; made once per world (the URLs and forms need their ids)."""
    records = w.__dict__.setdefault("_stock_records", {})
    if not records:
        current = MedicineList.objects.get(is_current=True)
        para = current.medicines.get(code="PARA500")
        amox = current.medicines.get(code="AMOX500")
        admin = w.province_admin
        stock_receive(
            user=admin,
            orgunit=w.station_a1,
            medicine=para,
            batch="M1",
            expiry_date=ahead(300),
            quantity=50,
            occurred_on=ago(10),
        )
        stock_issue(user=admin, orgunit=w.station_a1, medicine=para, batch="M1", quantity=5, occurred_on=ago(9))
        stock_receive(
            user=admin,
            orgunit=w.station_a1,
            medicine=amox,
            batch="X1",
            expiry_date=ahead(30),
            quantity=8,
            occurred_on=ago(10),
        )
        records.update(
            medicine_list=current,
            para=para,
            batch=StockBalance.objects.get(orgunit=w.station_a1, batch="M1"),
            entry=StockEntry.objects.filter(orgunit=w.station_a1).order_by("id").first(),
        )
    return records


def today() -> str:
    return timezone.localdate().strftime("%d/%m/%Y")


def month() -> str:
    return ago(9).strftime("%m/%Y")


def page(name: str, **params):
    return lambda w: reverse(f"assets:{name}") + ("?" + urlencode(params) if params else "")


def _new_version(w: World) -> bytes:
    wb = load_workbook(io.BytesIO(medicine_export(_records(w)["medicine_list"])))
    wb["Thông tin"]["B2"] = "2099.1"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def page_import(w: World) -> dict:
    return {"file": SimpleUploadedFile("danh-muc.xlsx", _new_version(w)), "make_current": "on"}


def api_import(w: World) -> dict:
    upload = io.BytesIO(_new_version(w))
    upload.name = "danh-muc.xlsx"
    return {"file": upload}


def receipt_form(w: World) -> dict:
    return {
        "medicine": _records(w)["para"].pk,
        "batch": "M2",
        "expiry_date": ahead(400).strftime("%d/%m/%Y"),
        "quantity": "30",
        "occurred_on": today(),
        "reason": "Phiếu nhập",
    }


def batch_form(w: World, **fields) -> dict:
    return {"batch": _records(w)["batch"].pk, "occurred_on": today(), **fields}


def api_entry(w: World, **fields) -> dict:
    return {
        "medicine": _records(w)["para"].pk,
        "batch": "M1",
        "occurred_on": timezone.localdate().isoformat(),
        **fields,
    }


# The medicine list belongs to no unit: everyone reads it; catalogue managers alone export and import it.
CATALOGUE = {"allowed": "province_admin", "out_of_scope": None}
ANY_UNIT = {"out_of_scope": None}

PAGES = [
    Endpoint("medicine list", "get", page("medicine_lists"), **ANY_UNIT),
    Endpoint("medicine search", "get", page("medicine_lists", q="vien nen"), **ANY_UNIT),
    Endpoint(
        "medicine list export",
        "get",
        lambda w: reverse("assets:medicine_list_export", args=[_records(w)["medicine_list"].pk]),
        **CATALOGUE,
    ),
    Endpoint("medicine list import form", "get", page("medicine_list_import"), **CATALOGUE),
    Endpoint("medicine list import", "post", page("medicine_list_import"), page_import, **CATALOGUE),
    Endpoint("stock", "get", page("stock", unit="A1")),
    Endpoint("stock of the own unit", "get", page("stock"), **ANY_UNIT),
    Endpoint("stock on a date", "get", lambda w: page("stock", unit="A1", on=ago(9).strftime("%d/%m/%Y"))(w)),
    Endpoint("ledger", "get", page("stock_ledger", unit="A1")),
    Endpoint("ledger filtered", "get", lambda w: page("stock_ledger", unit="A1", kind="issue", month=month())(w)),
    Endpoint("ledger export", "get", page("stock_ledger", unit="A1", format="xlsx")),
    Endpoint("receive form", "get", page("stock_receive", unit="A1")),
    Endpoint("receive", "post", page("stock_receive", unit="A1"), receipt_form),
    Endpoint("issue form", "get", page("stock_issue", unit="A1")),
    Endpoint("issue", "post", page("stock_issue", unit="A1"), lambda w: batch_form(w, quantity="3")),
    Endpoint("adjust form", "get", page("stock_adjust", unit="A1")),
    Endpoint("adjust", "post", page("stock_adjust", unit="A1"), lambda w: batch_form(w, change="-2", reason="Kiểm kê")),
    Endpoint("transfer form", "get", page("stock_transfer", unit="A1")),
    Endpoint(
        "transfer", "post", page("stock_transfer", unit="A1"), lambda w: batch_form(w, to_unit="A2", quantity="4")
    ),
    Endpoint("alerts of a region", "get", page("stock_alerts", unit="RA")),
    Endpoint("alerts of a station", "get", page("stock_alerts", unit="A1")),
    Endpoint("report", "get", lambda w: page("stock_report", unit="A1", month=month())(w)),
    Endpoint("report xlsx", "get", lambda w: page("stock_report", unit="A1", month=month(), format="xlsx")(w)),
]
WRITE_FORMS = [e for e in PAGES if e.method == "get" and "form" in e.name]


def api(path: str):
    return lambda w: API + path


API_CATALOGUE = {**CATALOGUE, "api": True}
API_ANY_UNIT = {**ANY_UNIT, "api": True}
API_UNIT = {"api": True}
CREATED = frozenset({201})

API_ENDPOINTS = [
    Endpoint("api medicines", "get", api("medicines/?q=para"), **API_ANY_UNIT),
    Endpoint("api medicine lists", "get", api("medicine-lists/"), **API_ANY_UNIT),
    Endpoint(
        "api medicine list export",
        "get",
        lambda w: f"{API}medicine-lists/{_records(w)['medicine_list'].pk}/export/",
        **API_CATALOGUE,
    ),
    Endpoint(
        "api medicine list import",
        "post",
        api("medicine-lists/import/"),
        api_import,
        format="multipart",
        ok=CREATED,
        **API_CATALOGUE,
    ),
    Endpoint("api balances", "get", api("stock/balances/?orgunit=A1"), **API_UNIT),
    Endpoint(
        "api balances on a date",
        "get",
        lambda w: f"{API}stock/balances/?orgunit=A1&by=medicine&on={ago(9).isoformat()}",
        **API_UNIT,
    ),
    Endpoint("api entries", "get", api("stock/entries/?orgunit=A1&kind=issue"), **API_UNIT),
    Endpoint("api entry", "get", lambda w: f"{API}stock/entries/{_records(w)['entry'].pk}/", **API_UNIT),
    Endpoint(
        "api receipt",
        "post",
        api("stock/receipts/"),
        lambda w: api_entry(w, orgunit="A1", batch="M3", expiry_date=ahead(500).isoformat(), quantity=12),
        ok=CREATED,
        **API_UNIT,
    ),
    Endpoint(
        "api issue",
        "post",
        api("stock/issues/"),
        lambda w: api_entry(w, orgunit="A1", quantity=2),
        ok=CREATED,
        **API_UNIT,
    ),
    Endpoint(
        "api adjustment",
        "post",
        api("stock/adjustments/"),
        lambda w: api_entry(w, orgunit="A1", change=1, reason="Kiểm kê thừa 1"),
        ok=CREATED,
        **API_UNIT,
    ),
    Endpoint(
        "api transfer",
        "post",
        api("stock/transfers/"),
        lambda w: api_entry(w, from_unit="A1", to_unit="A2", quantity=1),
        ok=CREATED,
        **API_UNIT,
    ),
    Endpoint("api alerts", "get", api("stock/alerts/?orgunit=RA"), **API_UNIT),
    Endpoint("api alert items", "get", api("stock/alerts/items/?orgunit=A1&kind=expiring"), **API_UNIT),
    Endpoint("api report", "get", lambda w: f"{API}stock/report/?orgunit=A1&month={ago(9):%Y-%m}", **API_UNIT),
    Endpoint(
        "api report xlsx",
        "get",
        lambda w: f"{API}stock/report/?orgunit=A1&month={ago(9):%Y-%m}&format=xlsx",
        **API_UNIT,
    ),
]

ENDPOINTS = PAGES + API_ENDPOINTS


@pytest.fixture
def world(world):
    """The persona world with station A1's stock made before any count is taken."""
    _records(world)
    return world


def _snapshot() -> tuple:
    """Everything these pages and endpoints could write."""
    return (
        audit_count(),
        tuple(StockEntry.objects.order_by("pk").values_list("orgunit_id", "medicine_id", "batch", "kind", "quantity")),
        tuple(StockBalance.objects.order_by("pk").values_list("orgunit_id", "medicine_id", "batch", "quantity")),
        tuple(MedicineList.objects.order_by("pk").values_list("code", "version", "is_current")),
        Medicine.objects.count(),
    )


globals().update(page_matrix(PAGES, _snapshot, forms=WRITE_FORMS, check_follow=True))


# ---------------------------------------------------------------------------------------------- API


@pytest.mark.parametrize("endpoint", API_ENDPOINTS, ids=str)
def test_api_anonymous_gets_401(endpoint, world, api_for):
    before = _snapshot()
    assert call(api_for(None), endpoint, world).status_code == 401
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", API_ENDPOINTS, ids=str)
def test_api_in_scope_persona_succeeds(endpoint, world, api_for):
    before = _snapshot()
    response = call(api_for(getattr(world, endpoint.allowed)), endpoint, world)
    assert response.status_code in endpoint.ok, getattr(response, "content", b"")[:500]
    assert (_snapshot() != before) == endpoint.writes


@pytest.mark.parametrize("endpoint", [e for e in API_ENDPOINTS if e.out_of_scope], ids=str)
def test_api_out_of_scope_persona_gets_404_and_nothing_is_saved(endpoint, world, api_for):
    before = _snapshot()
    response = call(api_for(getattr(world, endpoint.out_of_scope)), endpoint, world)
    assert response.status_code == 404, response.content[:300]
    assert set(response.json()) == {"detail", "errors"}
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", [e for e in API_ENDPOINTS if e.writes], ids=str)
def test_api_read_only_persona_gets_403_on_write_and_nothing_is_saved(endpoint, world, api_for):
    before = _snapshot()
    for persona in READ_ONLY:
        response = call(api_for(getattr(world, persona)), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code, response.content[:300])
        assert set(response.json()) == {"detail", "errors"}
    assert _snapshot() == before


# ---------------------------------------------------------------------------------------------- own unit, catalogue


# A transfer from A1 goes to A2, which the station head does not see (test_stock_views and test_stock_api).
STATION_WRITES = [e for e in ENDPOINTS if e.writes and e.allowed != "province_admin" and "transfer" not in e.name]


@pytest.mark.parametrize("endpoint", STATION_WRITES, ids=str)
def test_the_station_head_writes_its_own_stock_only(endpoint, world, client_for, api_for):
    """Station A1's head posts to A1 (success) and, for A2's stock (out of their sight), gets 404 with nothing
    saved."""
    client = api_for(world.station_head) if endpoint.api else client_for(world.station_head)
    before = _snapshot()
    assert call(client, endpoint, world).status_code in endpoint.ok
    assert _snapshot() != before
    elsewhere = Endpoint(
        endpoint.name,
        endpoint.method,
        lambda w: endpoint.url(w).replace("unit=A1", "unit=A2"),
        (lambda w: _to_a2(endpoint.data(w))) if endpoint.data else None,
        api=endpoint.api,
        format=endpoint.format,
    )
    before = _snapshot()
    assert call(client, elsewhere, world).status_code == 404
    assert _snapshot() == before


def _to_a2(data: dict) -> dict:
    """The same write aimed at station A2 (a transfer from A2 to A1)."""
    data = dict(data)
    if "orgunit" in data:
        data["orgunit"] = "A2"
    if "from_unit" in data:
        data["from_unit"], data["to_unit"] = "A2", "A1"
    return data


CATALOGUE_ENDPOINTS = [e for e in ENDPOINTS if e.allowed == "province_admin"]


@pytest.mark.parametrize("endpoint", CATALOGUE_ENDPOINTS, ids=str)
def test_only_catalogue_managers_export_and_import_the_medicine_list(endpoint, world, client_for, api_for):
    before = _snapshot()
    for persona in ("region_manager", "station_head", "outsider"):
        user = getattr(world, persona)
        response = call(api_for(user) if endpoint.api else client_for(user), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code)
    assert _snapshot() == before
