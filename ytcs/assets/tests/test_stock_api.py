"""The stock API: receipts, issues, adjustments and transfers (errors as JSON 400 writing nothing, never a 500),
the append-only ledger (405 on PUT, PATCH, DELETE), balances now and on a past date, alerts and their items
(hand-counted, see `build_scenario`), the monthly report as JSON and .xlsx, the medicine list with its import,
and bounded queries on the lists."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from ytcs.accounts.roles import Role
from ytcs.assets.catalogue_xlsx import medicine_export
from ytcs.assets.models import MedicineList, StockBalance, StockEntry
from ytcs.assets.stock import stock_adjust, stock_issue, stock_receive
from ytcs.assets.tests.test_stock_views import ago, ahead, build_scenario, make_medicines
from ytcs.core.testing.factories import RoleAssignmentFactory

pytestmark = pytest.mark.django_db
D = datetime.date
API = "/api/v1/assets/"


@pytest.fixture
def meds(world):
    return make_medicines()


@pytest.fixture
def scenario(world, meds):
    build_scenario(world, meds)
    return meds


def _receipt(meds, **overrides):
    return {
        "orgunit": "A1",
        "medicine": meds.para.pk,
        "batch": "L1",
        "expiry_date": ahead(300).isoformat(),
        "quantity": 10,
        "occurred_on": ago(5).isoformat(),
        **overrides,
    }


def _balance(unit, medicine, batch="L1") -> int:
    return StockBalance.objects.get(orgunit=unit, medicine=medicine, batch=batch).quantity


def test_receipt_issue_adjustment_and_transfer(world, meds, api_for):
    api = api_for(world.region_manager)
    receipt = api.post(API + "stock/receipts/", _receipt(meds, reason="Phiếu 7"), format="json")
    assert receipt.status_code == 201
    assert {k: receipt.json()[k] for k in ("orgunit", "kind", "quantity", "batch", "reason", "created_by")} == {
        "orgunit": "A1",
        "kind": "receipt",
        "quantity": 10,
        "batch": "L1",
        "reason": "Phiếu 7",
        "created_by": "region_manager",
    }
    common = {"medicine": meds.para.pk, "batch": "L1", "occurred_on": ago(2).strftime("%d/%m/%Y")}
    issue = api.post(API + "stock/issues/", {"orgunit": "A1", "quantity": 3, **common}, format="json")
    assert issue.status_code == 201 and issue.json()["quantity"] == -3
    adjust = api.post(
        API + "stock/adjustments/", {"orgunit": "A1", "change": -1, "reason": "Kiểm kê", **common}, format="json"
    )
    assert adjust.status_code == 201 and adjust.json()["kind"] == "adjustment"
    transfer = api.post(
        API + "stock/transfers/", {"from_unit": "A1", "to_unit": "A2", "quantity": 4, **common}, format="json"
    )
    assert transfer.status_code == 201
    body = transfer.json()
    assert (body["out"]["quantity"], body["received"]["quantity"], body["received"]["counterpart"]) == (-4, 4, "A1")
    assert body["out"]["transfer"] == body["received"]["transfer"]
    assert (_balance(world.station_a1, meds.para), _balance(world.station_a2, meds.para)) == (2, 4)


def test_an_issue_larger_than_the_balance_answers_400_and_writes_nothing(world, meds, api_for, settings):
    api = api_for(world.station_head)
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert api.post(API + "stock/receipts/", _receipt(meds), format="json").status_code == 201
    response = api.post(
        API + "stock/issues/",
        {"orgunit": "A1", "medicine": meds.para.pk, "batch": "L1", "quantity": 11},
        format="json",
    )
    assert response.status_code == 400
    with translation.override("en"):
        assert response.json()["errors"] == {
            "quantity": ["Only 10 viên of batch L1 are in stock; 11 cannot be taken out."]
        }
    assert StockEntry.objects.count() == 1 and _balance(world.station_a1, meds.para) == 10


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("stock/receipts/", lambda m: _receipt(m, quantity=0), "quantity"),
        ("stock/receipts/", lambda m: _receipt(m, quantity="many"), "quantity"),
        ("stock/receipts/", lambda m: _receipt(m, medicine=999_999), "medicine"),
        ("stock/receipts/", lambda m: _receipt(m, medicine=2**70), "medicine"),
        ("stock/receipts/", lambda m: _receipt(m, occurred_on=ahead(3).isoformat()), "occurred_on"),
        ("stock/receipts/", lambda m: _receipt(m, batch=" "), "batch"),
        ("stock/receipts/", lambda m: _receipt(m, expiry_date="31/02/2027"), "expiry_date"),
        (
            "stock/issues/",
            lambda m: {"orgunit": "A1", "medicine": m.para.pk, "batch": "NONE", "quantity": 1},
            "quantity",
        ),
        (
            "stock/adjustments/",
            lambda m: {"orgunit": "A1", "medicine": m.para.pk, "batch": "L1", "change": 2},
            "reason",
        ),
        (
            "stock/adjustments/",
            lambda m: {"orgunit": "A1", "medicine": m.para.pk, "batch": "L1", "change": 0, "reason": "x"},
            "change",
        ),
        (
            "stock/transfers/",
            lambda m: {"from_unit": "A1", "to_unit": "A1", "medicine": m.para.pk, "batch": "L1", "quantity": 1},
            "to_unit",
        ),
    ],
)
def test_bad_writes_answer_400_naming_the_field(world, meds, api_for, path, data, field):
    api = api_for(world.region_manager)
    assert api.post(API + "stock/receipts/", _receipt(meds), format="json").status_code == 201
    before = (StockEntry.objects.count(), list(StockBalance.objects.values_list("quantity", flat=True)))
    response = api.post(API + path, data(meds), format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"detail", "errors"} and field in response.json()["errors"]
    assert (StockEntry.objects.count(), list(StockBalance.objects.values_list("quantity", flat=True))) == before


def test_a_transfer_needs_rights_on_both_ends(world, meds, api_for):
    stock_receive(
        user=world.station_head,
        orgunit=world.station_a1,
        medicine=meds.para,
        batch="L1",
        expiry_date=ahead(300),
        quantity=10,
        occurred_on=ago(5),
    )
    data = {"from_unit": "A1", "to_unit": "A2", "medicine": meds.para.pk, "batch": "L1", "quantity": 2}
    assert api_for(world.station_head).post(API + "stock/transfers/", data, format="json").status_code == 404
    RoleAssignmentFactory(user=world.station_head, role=Role.VIEWER, orgunit=world.station_a2)
    refused = api_for(world.station_head).post(API + "stock/transfers/", data, format="json")
    assert refused.status_code == 403 and set(refused.json()) == {"detail", "errors"}
    assert StockEntry.objects.count() == 1


def test_the_ledger_is_append_only(world, meds, api_for):
    api = api_for(world.province_admin)
    entry = api.post(API + "stock/receipts/", _receipt(meds), format="json").json()
    detail = f"{API}stock/entries/{entry['id']}/"
    assert api.get(detail).json()["quantity"] == 10
    for method in ("put", "patch", "delete"):
        response = getattr(api, method)(detail, {"quantity": 99}, format="json")
        assert response.status_code == 405, method
        assert set(response.json()) == {"detail", "errors"}
    assert api.post(API + "stock/entries/", _receipt(meds), format="json").status_code == 405
    assert list(StockEntry.objects.values_list("quantity", flat=True)) == [10]
    assert api_for(world.outsider).get(detail).status_code == 404


def test_entries_filter_by_unit_medicine_kind_and_dates(world, meds, api_for):
    head = world.region_manager
    for unit in (world.station_a1, world.station_a2):
        stock_receive(
            user=head,
            orgunit=unit,
            medicine=meds.para,
            batch="L1",
            expiry_date=ahead(300),
            quantity=10,
            occurred_on=D(2026, 1, 5),
        )
    stock_issue(
        user=head, orgunit=world.station_a1, medicine=meds.para, batch="L1", quantity=2, occurred_on=D(2026, 2, 5)
    )
    api = api_for(head)

    def ids(query):
        response = api.get(API + "stock/entries/" + query)
        assert response.status_code == 200, response.content
        return [(e["orgunit"], e["kind"], e["occurred_on"]) for e in response.json()["results"]]

    assert ids("?orgunit=A1") == [("A1", "issue", "2026-02-05"), ("A1", "receipt", "2026-01-05")]
    assert ids("?orgunit=RA&kind=receipt") == [("A2", "receipt", "2026-01-05"), ("A1", "receipt", "2026-01-05")]
    assert ids("?month=2026-02") == [("A1", "issue", "2026-02-05")]
    assert ids("?date_from=2026-01-01&date_to=2026-01-31") == ids("?kind=receipt")
    assert ids(f"?medicine={meds.amox.pk}") == []
    assert api.get(API + "stock/entries/?month=2026-13").status_code == 400
    assert api_for(world.station_head).get(API + "stock/entries/?orgunit=A2").status_code == 404
    own = api_for(world.station_head).get(API + "stock/entries/").json()["results"]
    assert [row["orgunit"] for row in own] == ["A1", "A1"]  # A2's receipt is out of the station head's sight


def test_balances_now_and_on_a_past_date(world, scenario, api_for):
    api = api_for(world.region_manager)
    now = api.get(API + "stock/balances/?orgunit=A1").json()["results"]
    by_batch = {row["batch"]: row for row in now}
    assert set(by_batch) == {"P1", "A1B", "O1"}
    assert (by_batch["O1"]["quantity"], by_batch["O1"]["is_out"]) == (0, True)
    assert (by_batch["A1B"]["is_below"], by_batch["A1B"]["is_expiring"], by_batch["P1"]["is_below"]) == (
        True,
        True,
        False,
    )
    past = api.get(API + f"stock/balances/?orgunit=A1&on={ago(25).isoformat()}").json()["results"]
    assert {(row["batch"], row["quantity"]) for row in past} == {("P1", 100), ("A1B", 20), ("O1", 10)}
    assert all(row["is_out"] is None for row in past)
    per_medicine = api.get(API + f"stock/balances/?orgunit=RA&on={ago(1).isoformat()}&by=medicine").json()["results"]
    assert {(row["orgunit"], row["medicine_code"], row["quantity"]) for row in per_medicine} == {
        ("A1", "PARA", 100),
        ("A1", "AMOX", 20),
        ("A2", "PARA", 10),
    }
    assert api.get(API + f"stock/balances/?on={ahead(1).isoformat()}").status_code == 400
    assert api.get(API + "stock/balances/?orgunit=B1").status_code == 404


def test_alerts_roll_up_and_list_their_items(world, scenario, api_for):
    admin = api_for(world.province_admin)
    body = admin.get(API + "stock/alerts/?orgunit=PROV").json()
    assert body["totals"] == {"stock_outs": 3, "below_minimum": 2, "expiring": 3}
    assert body["level"] == world.region_a.level and body["days"] == 90
    assert {r["orgunit"]: (r["stock_outs"], r["below_minimum"], r["expiring"]) for r in body["results"]} == {
        "RA": (2, 2, 1),
        "RB": (1, 0, 2),
    }
    stations = admin.get(API + f"stock/alerts/?orgunit=RA&level={world.station_a1.level}").json()
    assert {r["orgunit"]: (r["stock_outs"], r["below_minimum"], r["expiring"]) for r in stations["results"]} == {
        "A1": (1, 1, 1),
        "A2": (1, 1, 0),
    }
    assert admin.get(API + "stock/alerts/?orgunit=RA&level=1").status_code == 400
    leaf = admin.get(API + "stock/alerts/?orgunit=B1").json()
    assert leaf["level"] is None and leaf["results"] == [] and leaf["totals"]["expiring"] == 2
    mine = api_for(world.region_manager).get(API + "stock/alerts/").json()  # the caller's own unit
    assert mine["orgunit"] == "RA" and mine["totals"]["stock_outs"] == 2

    def items(kind, unit="PROV"):
        response = admin.get(API + f"stock/alerts/items/?orgunit={unit}&kind={kind}")
        assert response.status_code == 200
        return response.json()["results"]

    assert [(r["orgunit"], r["medicine_code"], r["unexpired"]) for r in items("stock_out")] == [
        ("A1", "ORS", 0),
        ("A2", "AMOX", 0),
        ("B1", "ORS", 0),
    ]
    assert [(r["orgunit"], r["medicine_code"], r["unexpired"], r["minimum_stock"]) for r in items("below_minimum")] == [
        ("A1", "AMOX", 20, 30),
        ("A2", "PARA", 10, 50),
    ]
    assert [(r["orgunit"], r["batch"], r["quantity"]) for r in items("expiring")] == [
        ("B1", "O2", 5),
        ("B1", "P3", 60),
        ("A1", "A1B", 20),
    ]
    assert admin.get(API + "stock/alerts/items/?orgunit=PROV&kind=other").status_code == 400
    assert api_for(world.outsider).get(API + "stock/alerts/?orgunit=RA").status_code == 404


def test_the_monthly_report_as_json_and_xlsx(world, meds, api_for):
    user, a1 = world.region_manager, world.station_a1
    stock_receive(
        user=user,
        orgunit=a1,
        medicine=meds.para,
        batch="P1",
        expiry_date=D(2027, 3, 1),
        quantity=100,
        occurred_on=D(2026, 1, 10),
    )
    stock_issue(user=user, orgunit=a1, medicine=meds.para, batch="P1", quantity=20, occurred_on=D(2026, 1, 20))
    stock_issue(user=user, orgunit=a1, medicine=meds.para, batch="P1", quantity=30, occurred_on=D(2026, 2, 10))
    stock_adjust(
        user=user, orgunit=a1, medicine=meds.para, batch="P1", change=3, occurred_on=D(2026, 2, 28), reason="Kiểm kê"
    )
    api = api_for(world.viewer)  # read-only personas read reports
    body = api.get(API + "stock/report/?orgunit=A1&month=2026-02").json()
    assert (body["orgunit"], body["month"], body["start"], body["end"]) == ("A1", "2026-02", "2026-02-01", "2026-02-28")
    (row,) = body["results"]
    assert {
        k: row[k] for k in ("opening", "total_in", "issued", "total_out", "adjusted", "closing", "nearest_expiry")
    } == {
        "opening": 80,
        "total_in": 0,
        "issued": 30,
        "total_out": 30,
        "adjusted": 3,
        "closing": 53,
        "nearest_expiry": "2027-03-01",
    }
    xlsx = api.get(API + "stock/report/?orgunit=A1&month=2026-02&format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws["A4"].value == "BÁO CÁO SỬ DỤNG THUỐC THÁNG 02/2026"
    assert next(ws.iter_rows(min_row=10, max_row=10, values_only=True))[4:9] == (80, 0, 30, 3, 53)
    assert api.get(API + "stock/report/?orgunit=A1&month=2026-02&format=pdf").status_code == 400
    assert api.get(API + "stock/report/?orgunit=A1&month=02-2026").status_code == 400
    assert api.get(API + f"stock/report/?orgunit=A1&month={ahead(40).strftime('%Y-%m')}").status_code == 400
    assert api.get(API + "stock/report/?orgunit=A1").status_code == 400
    assert api_for(world.outsider).get(API + "stock/report/?orgunit=A1&month=2026-02").status_code == 404


def test_medicines_search_and_list_versions(world, api_for):
    api = api_for(world.station_head)
    found = api.get(API + "medicines/?q=SAT ACID").json()
    assert [m["code"] for m in found["results"]] == ["SATFOL"]
    shipped = MedicineList.objects.get(is_current=True)
    assert found["results"][0]["medicine_list"] == shipped.pk
    versions = api.get(API + "medicine-lists/").json()["results"]
    assert [(v["version"], v["is_current"], v["confirmed"], v["medicine_count"]) for v in versions] == [
        (shipped.version, True, False, 14)
    ]
    assert api.get(API + "medicines/?list=999999").status_code == 404


def test_the_import_answers_each_bad_cell_and_imports_a_good_file(world, api_for):
    shipped = MedicineList.objects.get(is_current=True)
    wb = load_workbook(io.BytesIO(medicine_export(shipped)))
    wb["Thông tin"]["B2"] = "2027.1"
    wb["Thuốc"]["E2"] = None
    bad = io.BytesIO()
    wb.save(bad)
    bad.seek(0)
    bad.name = "ds.xlsx"
    admin = api_for(world.province_admin)
    refused = admin.post(API + "medicine-lists/import/", {"file": bad}, format="multipart")
    assert refused.status_code == 400
    assert refused.json()["rows"] == [
        {"sheet": "Thuốc", "row": 2, "column": "Đường dùng", "message": refused.json()["rows"][0]["message"]}
    ]
    assert refused.json()["errors"]["file"][0].startswith("Thuốc, ")
    junk = io.BytesIO(b"not a workbook")
    junk.name = "x.xlsx"
    assert admin.post(API + "medicine-lists/import/", {"file": junk}, format="multipart").status_code == 400
    assert MedicineList.objects.count() == 1
    wb["Thuốc"]["E2"] = "Uống"
    good = io.BytesIO()
    wb.save(good)
    good.seek(0)
    good.name = "ds.xlsx"
    created = admin.post(API + "medicine-lists/import/", {"file": good, "make_current": "false"}, format="multipart")
    assert created.status_code == 201 and created.json()["created"] == 14
    assert MedicineList.objects.get(is_current=True) == shipped  # not made current when asked not to
    export = admin.get(API + f"medicine-lists/{created.json()['id']}/export/")
    assert load_workbook(io.BytesIO(export.content))["Thông tin"]["B2"].value == "2027.1"
    assert api_for(world.region_manager).get(API + f"medicine-lists/{shipped.pk}/export/").status_code == 403


@pytest.mark.parametrize("n", [2, 30])
def test_the_lists_take_a_bounded_number_of_queries(world, meds, api_for, django_assert_max_num_queries, n):
    for i in range(n):
        stock_receive(
            user=world.region_manager,
            orgunit=world.station_a1 if i % 2 else world.station_a2,
            medicine=meds.para,
            batch=f"B{i}",
            expiry_date=ahead(10 + i),
            quantity=5,
            occurred_on=ago(3),
        )
    api = api_for(world.region_manager)
    # The same number of queries for 2 batches as for 30.
    for path, most in (
        ("medicines/", 4),
        ("medicine-lists/", 3),
        ("stock/balances/?orgunit=RA", 5),
        (f"stock/balances/?orgunit=RA&on={ago(1).isoformat()}", 5),
        ("stock/balances/?by=medicine", 4),
        ("stock/entries/?orgunit=RA", 5),
        ("stock/alerts/?orgunit=RA", 9),
        ("stock/alerts/items/?orgunit=RA&kind=expiring", 5),
        (f"stock/report/?orgunit=A1&month={ago(3).strftime('%Y-%m')}", 5),
    ):
        with django_assert_max_num_queries(most):
            assert api.get(API + path).status_code == 200, path
