"""The stock pages: receipts, issues, adjustments and transfers through the forms (a refused write re-shows what
was typed with the service's error and writes nothing), a unit's stock and its balance on a past date, the ledger,
the alerts rolled up by level (hand-counted), the monthly report, the medicine list with its import, and the
query counts of the lists."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from ytcs.accounts.roles import Role
from ytcs.assets import selectors_stock
from ytcs.assets.catalogue_xlsx import medicine_export
from ytcs.assets.models import Medicine, MedicineList, StockBalance, StockEntry
from ytcs.assets.stock import stock_adjust, stock_issue, stock_receive
from ytcs.core.testing.factories import RoleAssignmentFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def ahead(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass
class Meds:
    para: Medicine
    amox: Medicine
    ors: Medicine


def make_medicines() -> Meds:
    """A current list of three medicines with known minimums (the shipped sample is set aside)."""
    MedicineList.objects.update(is_current=False)
    lst = MedicineList.objects.create(code="tyt", version="thu", name="Danh mục thử", source="test", is_current=True)

    def med(code, name, minimum, unit="viên"):
        return Medicine.objects.create(
            medicine_list=lst,
            code=code,
            active_ingredient=name,
            strength="500 mg",
            dosage_form="viên nén",
            route="uống",
            unit=unit,
            minimum_stock=minimum,
            search_text=code.lower(),
        )

    return Meds(med("PARA", "Paracetamol", 50), med("AMOX", "Amoxicillin", 30), med("ORS", "Oresol", None, "gói"))


@pytest.fixture
def meds(world):
    return make_medicines()


def receive(user, unit, medicine, batch, quantity, expiry, on):
    return stock_receive(
        user=user, orgunit=unit, medicine=medicine, batch=batch, expiry_date=expiry, quantity=quantity, occurred_on=on
    )


def build_scenario(w, m: Meds) -> None:
    """Hand-counted alerts (today = T):

    A1: PARA P1 100 (fine), AMOX A1B 20 expiring T+60 (below 30, expiring), ORS O1 10 all issued (out).
    A2: PARA P2 10 (below 50), AMOX A2B 5 adjusted away (out).
    B1: PARA P3 60 expiring T+20 (expiring), ORS O2 5 expired T-10 (out: nothing unexpired; expired batch).
    → A1 (1 out, 1 below, 1 expiring), A2 (1, 1, 0), B1 (1, 0, 2); RA (2, 2, 1); PROV (3, 2, 3).
    """
    admin = w.province_admin
    receive(admin, w.station_a1, m.para, "P1", 100, ahead(365), ago(30))
    receive(admin, w.station_a1, m.amox, "A1B", 20, ahead(60), ago(30))
    receive(admin, w.station_a1, m.ors, "O1", 10, ahead(300), ago(30))
    stock_issue(user=admin, orgunit=w.station_a1, medicine=m.ors, batch="O1", quantity=10, occurred_on=ago(20))
    receive(admin, w.station_a2, m.para, "P2", 10, ahead(400), ago(30))
    receive(admin, w.station_a2, m.amox, "A2B", 5, ahead(200), ago(30))
    stock_adjust(
        user=admin, orgunit=w.station_a2, medicine=m.amox, batch="A2B", change=-5, occurred_on=ago(5), reason="Vỡ"
    )
    receive(admin, w.station_b1, m.para, "P3", 60, ahead(20), ago(30))
    receive(admin, w.station_b1, m.ors, "O2", 5, ago(10), ago(30))


@pytest.fixture
def scenario(world, meds):
    build_scenario(world, meds)
    return meds


def english(client):
    """Answers in English (the language switch's cookie), for assertions on message text."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(name: str, **params) -> str:
    from urllib.parse import urlencode

    return reverse(f"assets:{name}") + ("?" + urlencode(params) if params else "")


def balance(unit, medicine, batch) -> int:
    return StockBalance.objects.get(orgunit=unit, medicine=medicine, batch=batch).quantity


# ---------------------------------------------------------------------------------------------- writes


def test_a_receipt_through_the_page_adds_an_entry_and_the_balance(world, meds, client_for):
    client = client_for(world.station_head)
    response = client.post(
        url("stock_receive", unit="A1"),
        {
            "medicine": meds.para.pk,
            "batch": "L-01",
            "expiry_date": dmy(ahead(400)),
            "quantity": "120",
            "occurred_on": dmy(ago(1)),
            "reason": "Phiếu nhập 12",
        },
    )
    assert response.status_code == 302 and response["Location"] == url("stock", unit="A1")
    entry = StockEntry.objects.get()
    assert (entry.kind, entry.quantity, entry.batch, entry.reason, entry.created_by_username) == (
        "receipt",
        120,
        "L-01",
        "Phiếu nhập 12",
        "station_head",
    )
    assert balance(world.station_a1, meds.para, "L-01") == 120


def test_an_issue_larger_than_the_balance_is_refused_keeps_what_was_typed_and_writes_nothing(world, meds, client_for):
    receive(world.station_head, world.station_a1, meds.para, "L1", 10, ahead(300), ago(5))
    batch = StockBalance.objects.get()
    client = english(client_for(world.station_head))
    with translation.override("en"):
        response = client.post(
            url("stock_issue", unit="A1"),
            {"batch": batch.pk, "quantity": "11", "occurred_on": dmy(ago(1)), "reason": "Khám ngoại trú"},
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors["quantity"] == ["Only 10 viên of batch L1 are in stock; 11 cannot be taken out."]
    page = response.content.decode()
    assert 'value="11"' in page and "Khám ngoại trú" in page and f'<option value="{batch.pk}" selected>' in page
    assert StockEntry.objects.count() == 1 and balance(world.station_a1, meds.para, "L1") == 10

    ok = client.post(url("stock_issue", unit="A1"), {"batch": batch.pk, "quantity": "4", "occurred_on": dmy(ago(1))})
    assert ok.status_code == 302 and balance(world.station_a1, meds.para, "L1") == 6
    assert StockEntry.objects.order_by("-id").values_list("kind", "quantity").first() == ("issue", -4)


def test_an_issue_form_offers_only_batches_in_stock(world, meds, client_for):
    receive(world.station_head, world.station_a1, meds.para, "FULL", 3, ahead(300), ago(5))
    receive(world.station_head, world.station_a1, meds.amox, "EMPTY", 2, ahead(300), ago(5))
    stock_issue(
        user=world.station_head,
        orgunit=world.station_a1,
        medicine=meds.amox,
        batch="EMPTY",
        quantity=2,
        occurred_on=ago(4),
    )
    client = client_for(world.station_head)
    offered = {b.batch for b in client.get(url("stock_issue", unit="A1")).context["form"].fields["batch"].queryset}
    assert offered == {"FULL"}
    adjustable = {b.batch for b in client.get(url("stock_adjust", unit="A1")).context["form"].fields["batch"].queryset}
    assert adjustable == {"FULL", "EMPTY"}


def test_an_adjustment_needs_a_reason_and_a_change_and_corrects_with_a_new_entry(world, meds, client_for):
    receive(world.station_head, world.station_a1, meds.para, "L1", 10, ahead(300), ago(5))
    batch = StockBalance.objects.get()
    client = english(client_for(world.station_head))
    with translation.override("en"):
        missing = client.post(
            url("stock_adjust", unit="A1"),
            {"batch": batch.pk, "change": "-3", "occurred_on": dmy(ago(1)), "reason": ""},
        )
        zero = client.post(
            url("stock_adjust", unit="A1"),
            {"batch": batch.pk, "change": "0", "occurred_on": dmy(ago(1)), "reason": "Kiểm kê"},
        )
        too_many = client.post(
            url("stock_adjust", unit="A1"),
            {"batch": batch.pk, "change": "-11", "occurred_on": dmy(ago(1)), "reason": "Kiểm kê"},
        )
        assert missing.context["form"].errors["reason"] == ["Say why the stock is adjusted."]
        assert "change" in zero.context["form"].errors
        # The service's error on the quantity lands on the field the form calls "change".
        assert too_many.context["form"].errors["change"] == [
            "Only 10 viên of batch L1 are in stock; 11 cannot be taken out."
        ]
    assert StockEntry.objects.count() == 1
    ok = client.post(
        url("stock_adjust", unit="A1"),
        {"batch": batch.pk, "change": "-3", "occurred_on": dmy(ago(1)), "reason": "Vỡ 3 viên"},
    )
    assert ok.status_code == 302
    assert balance(world.station_a1, meds.para, "L1") == 7
    assert StockEntry.objects.filter(kind="adjustment", quantity=-3, reason="Vỡ 3 viên").exists()


def test_a_transfer_moves_the_batch_and_needs_rights_on_both_ends(world, meds, client_for):
    receive(world.region_manager, world.station_a1, meds.para, "L1", 20, ahead(300), ago(5))
    batch = StockBalance.objects.get()
    data = {"batch": batch.pk, "to_unit": "A2", "quantity": "5", "occurred_on": dmy(ago(1))}

    # The station head does not see A2: 404, nothing written.
    assert client_for(world.station_head).post(url("stock_transfer", unit="A1"), data).status_code == 404
    # Someone who may change A1 but only read A2: 403, nothing written.
    both = world.station_head
    RoleAssignmentFactory(user=both, role=Role.VIEWER, orgunit=world.station_a2)
    assert client_for(both).post(url("stock_transfer", unit="A1"), data).status_code == 403
    assert StockEntry.objects.count() == 1

    response = client_for(world.region_manager).post(url("stock_transfer", unit="A1"), data)
    assert response.status_code == 302
    assert (balance(world.station_a1, meds.para, "L1"), balance(world.station_a2, meds.para, "L1")) == (15, 5)
    out, received = StockEntry.objects.filter(transfer__isnull=False).order_by("id")
    assert (out.kind, out.counterpart, received.kind, received.counterpart) == (
        "transfer_out",
        world.station_a2,
        "transfer_in",
        world.station_a1,
    )
    with translation.override("en"):
        same = english(client_for(world.region_manager)).post(
            url("stock_transfer", unit="A1"), {**data, "to_unit": "A1"}
        )
        assert same.context["form"].errors["to_unit"] == ["A transfer goes to another unit."]


def test_a_station_head_sees_and_changes_only_their_station(world, meds, client_for):
    client = client_for(world.station_head)
    assert client.get(url("stock", unit="A1")).status_code == 200
    assert client.get(url("stock")).context["unit"] == world.station_a1  # their own by default
    assert client.get(url("stock", unit="A2")).status_code == 404
    assert client.get(url("stock_receive", unit="A2")).status_code == 404
    post = {"medicine": meds.para.pk, "batch": "X", "expiry_date": dmy(ahead(30)), "quantity": "1"}
    assert client.post(url("stock_receive", unit="A2"), {**post, "occurred_on": dmy(ago(1))}).status_code == 404
    # A viewer of the region sees A1's stock but may not open its forms.
    viewer = client_for(world.viewer)
    assert viewer.get(url("stock", unit="A1")).status_code == 200
    assert viewer.get(url("stock_issue", unit="A1")).status_code == 403
    assert not StockEntry.objects.exists()


# ---------------------------------------------------------------------------------------------- reads


def test_the_stock_page_flags_batches_and_shows_the_balance_on_a_past_date(world, scenario, client_for):
    client = client_for(world.region_manager)
    response = client.get(url("stock", unit="A1"))
    rows = {row.batch: row for row in response.context["page"].object_list}
    assert rows["O1"].is_out and not rows["O1"].is_expiring
    assert rows["A1B"].is_below and rows["A1B"].is_expiring and not rows["A1B"].is_out
    assert not (rows["P1"].is_out or rows["P1"].is_below or rows["P1"].is_expiring)
    assert response.context["counts"] == {"stock_outs": 1, "below_minimum": 1, "expiring": 1}
    assert 'class="stock-out"' in response.content.decode()

    # 25 days ago the ORS batch was still whole (it was issued 20 days ago); 40 days ago nothing had arrived.
    past = client.get(url("stock", unit="A1", on=dmy(ago(25))))
    totals = {row["medicine__code"]: row["quantity"] for row in past.context["medicine_totals"]}
    assert totals == {"PARA": 100, "AMOX": 20, "ORS": 10}
    assert {(r["batch"], r["quantity"]) for r in past.context["page"].object_list} == {
        ("P1", 100),
        ("A1B", 20),
        ("O1", 10),
    }
    later = client.get(url("stock", unit="A1", on=dmy(ago(15))))
    assert {row["medicine__code"] for row in later.context["medicine_totals"]} == {"PARA", "AMOX"}
    assert client.get(url("stock", unit="A1", on=dmy(ago(40)))).context["medicine_totals"] == []
    future = client.get(url("stock", unit="A1", on=dmy(ahead(3))))
    assert future.context["on"] is None and future.context["date_form"].errors


def test_the_alerts_roll_up_by_level_with_drill_down(world, scenario, client_for):
    admin = client_for(world.province_admin)
    province = admin.get(url("stock_alerts", unit="PROV"))
    summary = province.context["summary"]
    assert summary.totals == {"stock_outs": 3, "below_minimum": 2, "expiring": 3}
    by_region = {row.unit.code: (row.stock_outs, row.below_minimum, row.expiring) for row in summary.rows}
    assert by_region == {"RA": (2, 2, 1), "RB": (1, 0, 2)}
    stations = admin.get(url("stock_alerts", unit="PROV", level=world.station_a1.level)).context["summary"]
    assert {row.unit.code: (row.stock_outs, row.below_minimum, row.expiring) for row in stations.rows} == {
        "A1": (1, 1, 1),
        "A2": (1, 1, 0),
        "B1": (1, 0, 2),
    }
    region = client_for(world.region_manager).get(url("stock_alerts", unit="RA"))
    assert region.context["summary"].totals == {"stock_outs": 2, "below_minimum": 2, "expiring": 1}
    assert [(r["orgunit__code"], r["medicine__code"]) for r in region.context["stock_outs"]] == [
        ("A1", "ORS"),
        ("A2", "AMOX"),
    ]
    assert [b.batch for b in region.context["expiring"]] == ["A1B"]
    station = admin.get(url("stock_alerts", unit="B1"))
    assert [b.batch for b in station.context["expiring"]] == ["O2", "P3"]  # the expired one first
    assert client_for(world.outsider).get(url("stock_alerts", unit="RA")).status_code == 404


def test_home_tiles_count_in_the_users_scope_and_render(world, scenario):
    assert selectors_stock.home_tiles(world.province_admin) == {
        "stock_outs": 3,
        "below_minimum": 2,
        "expiring": 3,
        "days": 90,
    }
    assert selectors_stock.home_tiles(world.station_head)["stock_outs"] == 1
    assert selectors_stock.home_tiles(world.outsider) == {
        "stock_outs": 1,
        "below_minimum": 0,
        "expiring": 2,
        "days": 90,
    }
    html = render_to_string(
        "assets/partials/stock_tiles.html", {"stock_tiles": selectors_stock.home_tiles(world.viewer)}
    )
    assert 'id="stock-tiles"' in html and reverse("assets:stock_alerts") in html


def test_the_ledger_lists_newest_first_filters_and_exports(world, meds, client_for):
    head = world.station_head
    receive(head, world.station_a1, meds.para, "L1", 50, ahead(300), D(2026, 1, 5))
    stock_issue(
        user=head, orgunit=world.station_a1, medicine=meds.para, batch="L1", quantity=7, occurred_on=D(2026, 2, 3)
    )
    receive(head, world.station_a1, meds.amox, "M1", 9, ahead(300), D(2026, 2, 10))
    client = client_for(head)
    page = client.get(url("stock_ledger", unit="A1")).context["page"]
    assert [(e.occurred_on, e.kind) for e in page.object_list] == [
        (D(2026, 2, 10), "receipt"),
        (D(2026, 2, 3), "issue"),
        (D(2026, 1, 5), "receipt"),
    ]
    february = client.get(url("stock_ledger", unit="A1", month="02/2026")).context["page"]
    assert page.paginator.count == 3 and february.paginator.count == 2
    issues = client.get(url("stock_ledger", unit="A1", kind="issue", medicine=meds.para.pk)).context["page"]
    assert [e.quantity for e in issues.object_list] == [-7]
    export = client.get(url("stock_ledger", unit="A1", month="2026-02", format="xlsx"))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(export.content))["Sổ kho"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [(r[0].date(), r[1], r[4], r[8], r[10], r[13]) for r in rows] == [
        (D(2026, 2, 10), "A1", "AMOX", "M1", 9, "station_head"),
        (D(2026, 2, 3), "A1", "PARA", "L1", -7, "station_head"),
    ]
    assert client_for(world.outsider).get(url("stock_ledger", unit="A1")).status_code == 404


def test_the_monthly_report_page_and_its_xlsx(world, meds, client_for):
    head = world.region_manager
    a1 = world.station_a1
    receive(head, a1, meds.para, "P1", 100, D(2027, 3, 1), D(2026, 1, 10))
    stock_issue(user=head, orgunit=a1, medicine=meds.para, batch="P1", quantity=20, occurred_on=D(2026, 1, 20))
    receive(head, a1, meds.para, "P2", 40, D(2026, 12, 1), D(2026, 2, 3))
    stock_issue(user=head, orgunit=a1, medicine=meds.para, batch="P1", quantity=30, occurred_on=D(2026, 2, 10))
    stock_adjust(
        user=head, orgunit=a1, medicine=meds.para, batch="P2", change=-5, occurred_on=D(2026, 2, 11), reason="Vỡ"
    )
    client = client_for(head)
    response = client.get(url("stock_report", unit="A1", month="02/2026"))
    (row,) = response.context["report"].rows
    # Opening 80 (100 − 20), in 40, out 30, adjusted −5, closing 85; P2 expires first.
    assert (row.opening, row.total_in, row.total_out, row.adjusted, row.closing, row.nearest_expiry) == (
        80,
        40,
        30,
        -5,
        85,
        D(2026, 12, 1),
    )
    xlsx = client.get(url("stock_report", unit="A1", month="02/2026", format="xlsx"))
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws["A4"].value == "BÁO CÁO SỬ DỤNG THUỐC THÁNG 02/2026"
    assert next(ws.iter_rows(min_row=10, max_row=10, values_only=True))[4:9] == (80, 40, 30, -5, 85)
    bad = client.get(url("stock_report", unit="A1", month="13/2026"))
    assert bad.status_code == 200 and bad.context["report"] is None and bad.context["form"].errors
    assert client.get(url("stock_report", unit="A1")).context["report"] is not None  # last month by default


# ---------------------------------------------------------------------------------------------- medicine list


def test_the_medicine_list_searches_without_diacritics_and_flags_an_unconfirmed_source(world, client_for):
    client = client_for(world.station_head)
    response = client.get(url("medicine_lists", q="sat acid"))
    assert [m.code for m in response.context["page"].object_list] == ["SATFOL"]
    assert 'id="list-unconfirmed"' in response.content.decode()
    assert "CHƯA XÁC NHẬN" in response.content.decode()
    shipped = MedicineList.objects.get(is_current=True)
    confirmed = MedicineList.objects.create(
        code="khac", version="1", name="Danh mục đã đối chiếu", source="QĐ 1", confirmed=True
    )
    other = client.get(url("medicine_lists", list=confirmed.pk))
    assert other.context["chosen"] == confirmed and 'id="list-unconfirmed"' not in other.content.decode()
    assert client.get(url("medicine_lists")).context["chosen"] == shipped
    fragment = client.get(url("medicine_lists", q="vien nen"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="medicine-table")
    assert b"<html" not in fragment.content and fragment.context["page"].paginator.count == 6


def _workbook(data: bytes, version: str, edit=None) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    wb["Thông tin"]["B2"] = version
    if edit:
        edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_import_page_names_each_bad_cell_and_saves_nothing_then_imports(world, client_for):
    shipped = MedicineList.objects.get(is_current=True)
    client = client_for(world.province_admin)

    def spoil(wb):
        wb["Thuốc"]["B3"] = None
        wb["Thuốc"]["H4"] = "nhiều"

    bad = client.post(
        url("medicine_list_import"),
        {
            "file": SimpleUploadedFile("ds.xlsx", _workbook(medicine_export(shipped), "2027.1", spoil)),
            "make_current": "on",
        },
    )
    assert bad.status_code == 200
    assert {(e.sheet, e.row, e.column) for e in bad.context["result"].errors} == {
        ("Thuốc", 3, "Hoạt chất"),
        ("Thuốc", 4, "Tồn tối thiểu"),
    }
    assert 'id="import-errors"' in bad.content.decode() and MedicineList.objects.count() == 1
    not_xlsx = client.post(url("medicine_list_import"), {"file": SimpleUploadedFile("ds.csv", b"a;b\n1;2")})
    assert not_xlsx.status_code == 200 and not_xlsx.context["result"].errors
    good = client.post(
        url("medicine_list_import"),
        {"file": SimpleUploadedFile("ds.xlsx", _workbook(medicine_export(shipped), "2027.1")), "make_current": "on"},
    )
    new = MedicineList.objects.get(is_current=True)
    assert good.status_code == 302 and new.version == "2027.1" and new.medicines.count() == shipped.medicines.count()
    # Catalogue managers only.
    assert client_for(world.region_manager).get(url("medicine_list_import")).status_code == 403
    assert (
        client_for(world.region_manager).get(reverse("assets:medicine_list_export", args=[new.pk])).status_code == 403
    )
    export = client.get(reverse("assets:medicine_list_export", args=[new.pk]))
    assert load_workbook(io.BytesIO(export.content))["Thông tin"]["B2"].value == "2027.1"


# ---------------------------------------------------------------------------------------------- query counts


def _many_batches(world, meds, n: int) -> None:
    for i in range(n):
        receive(world.region_manager, world.station_a1, meds.para, f"B{i:03d}", 5 + i, ahead(10 + i), ago(3))


@pytest.mark.parametrize("n", [3, 40])
def test_the_lists_take_a_bounded_number_of_queries(world, meds, client_for, django_assert_max_num_queries, n):
    _many_batches(world, meds, n)
    for i in range(n):
        stock_issue(
            user=world.region_manager,
            orgunit=world.station_a1,
            medicine=meds.para,
            batch=f"B{i:03d}",
            quantity=1,
            occurred_on=ago(2),
        )
    client = client_for(world.region_manager)
    client.get(url("stock", unit="A1"))  # warm the session
    # The same number of queries for 3 batches as for 40: nothing is fetched row by row.
    for page, most in (
        (url("stock", unit="A1"), 12),
        (url("stock", unit="A1", on=dmy(ago(2))), 13),
        (url("stock_ledger", unit="A1"), 10),
        (url("stock_alerts", unit="RA"), 16),
        (url("stock_report", unit="A1", month=ago(2).strftime("%m/%Y")), 9),
        (url("medicine_lists"), 7),
        (url("stock_issue", unit="A1"), 8),
    ):
        with django_assert_max_num_queries(most):
            assert client.get(page).status_code == 200
