"""Equipment pages: the gap numbers on a small hand-checked setup (per unit, rolled up by region and province,
drilling down to the units and their items), search ignoring diacritics and the filters, the follow-up lists, the
.xlsx export of a filter and the all-or-nothing import, the item's page, the catalogue with its unconfirmed norms and
its import errors, the landing tiles, and bounded query counts on the lists."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from ytcs.assets import catalogue_xlsx, equipment_xlsx, selectors_equipment
from ytcs.assets.models import EquipmentCatalogue, EquipmentItem, EquipmentNorm, EquipmentType
from ytcs.assets.services import item_create, item_move
from ytcs.core.testing.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db
D = datetime.date
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_norms(world):
    """A current catalogue of two types: stations need 1 ultrasound and 2 ECGs, regional centres 2 ultrasounds.

    Working items: A1 2 ultrasounds (only 1 counts) and no ECG; A2 a broken ultrasound and 1 ECG; B1 2 ECGs; the
    centre of region A 1 ultrasound. So, short: A1 0 ultrasound + 2 ECG, A2 1 + 1, RA 1 ultrasound, B1 1 ultrasound,
    RB 2 ultrasounds."""
    EquipmentCatalogue.objects.update(is_current=False)  # the shipped sample
    catalogue = EquipmentCatalogue.objects.create(
        code="thu", version="1", name="Danh mục thử", source="Thử", is_current=True
    )
    echo = EquipmentType.objects.create(catalogue=catalogue, code="SIEU_AM", name="Máy siêu âm", category="imaging")
    ecg = EquipmentType.objects.create(catalogue=catalogue, code="ECG", name="Máy điện tim", category="functional")
    EquipmentNorm.objects.create(catalogue=catalogue, unit_kind="station", equipment_type=echo, quantity=1, source="A")
    EquipmentNorm.objects.create(
        catalogue=catalogue, unit_kind="station", equipment_type=ecg, quantity=2, source="B", confirmed=True
    )
    EquipmentNorm.objects.create(
        catalogue=catalogue, unit_kind="regional_centre", equipment_type=echo, quantity=2, source="C"
    )
    admin = world.province_admin
    for unit, equipment_type, condition, serial in (
        (world.station_a1, echo, "working", "E-A1-1"),
        (world.station_a1, echo, "working", "E-A1-2"),
        (world.station_a2, echo, "broken", "E-A2-1"),
        (world.station_a2, ecg, "working", "C-A2-1"),
        (world.station_b1, ecg, "working", "C-B1-1"),
        (world.station_b1, ecg, "working", "C-B1-2"),
        (world.region_a, echo, "working", "E-RA-1"),
    ):
        item_create(user=admin, orgunit=unit, equipment_type=equipment_type, condition=condition, serial_number=serial)
    return catalogue, echo, ecg


@pytest.fixture
def norms(world):
    return build_norms(world)


def english(client):
    """The client with English chosen (the language switch's cookie), for tests that read messages."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _cells(html: str) -> dict[tuple[str, str], str]:
    """The gap table as {(row unit code, type code): "short / required"}."""
    cells = {}
    for row in re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", html, re.S):
        code = re.search(r"<code>([^<]+)</code>", row).group(1)
        for type_code, content in re.findall(r'data-type="([^"]+)">(.*?)</td>', row, re.S):
            cells[(code, type_code)] = re.sub(r"<[^>]+>", "", content).strip()
    return cells


def test_the_gap_table_rolls_up_by_level_counting_working_items_up_to_the_norm(world, norms, client_for):
    client = client_for(world.province_admin)
    by_region = client.get(reverse("assets:gaps") + "?orgunit=PROV&level=2").content.decode()
    assert _cells(by_region) == {
        ("RA", "SIEU_AM"): "2 / 4",  # A1 covered (2 count as 1), A2's is broken, the centre has 1 of 2
        ("RA", "ECG"): "3 / 4",
        ("RB", "SIEU_AM"): "3 / 3",
        ("RB", "ECG"): "0 / 2",
    }
    totals = re.search(r'<tr id="gap-totals">(.*?)</tr>', by_region, re.S).group(1)
    assert re.findall(r"(\d+)</strong></a> / (\d+)", totals) == [("3", "6"), ("5", "7")]  # ECG (functional) comes first
    by_station = client.get(reverse("assets:gaps") + "?orgunit=RA&level=3").content.decode()
    assert _cells(by_station) == {
        ("A1", "SIEU_AM"): "0 / 1",
        ("A1", "ECG"): "2 / 2",
        ("A2", "SIEU_AM"): "1 / 1",
        ("A2", "ECG"): "1 / 2",
    }
    # The province as one row.
    assert _cells(client.get(reverse("assets:gaps") + "?orgunit=PROV&level=1").content.decode()) == {
        ("PROV", "SIEU_AM"): "5 / 7",
        ("PROV", "ECG"): "3 / 6",
    }
    # A cell links to its drill-down.
    assert reverse("assets:gap_detail", args=["SIEU_AM"]) + "?orgunit=RA" in by_region


def test_the_drill_down_lists_the_units_short_and_the_items_they_hold(world, norms, client_for):
    client = client_for(world.region_manager)
    html = client.get(reverse("assets:gap_detail", args=["SIEU_AM"]) + "?orgunit=RA").content.decode()
    rows = re.findall(r"<tr>\s*<td>(.*?)</tr>", re.search(r'id="gap-units-results">(.*)</table>', html, re.S)[1], re.S)
    found = {
        re.search(r"<code>([^<]+)</code>", row)[1]: re.findall(r"<td>(?:<strong>)?(\d+)(?:</strong>)?</td>", row)
        for row in rows
    }
    assert found == {"RA": ["2", "1", "1"], "A2": ["1", "0", "1"]}  # required, working, short; A1 is not short
    assert "E-A2-1" in html and "E-RA-1" in html and "E-A1-1" not in html
    # Out of sight: region B's units for the region manager.
    assert client.get(reverse("assets:gap_detail", args=["SIEU_AM"]) + "?orgunit=RB").status_code == 404
    assert client.get(reverse("assets:gap_detail", args=["NOT_A_TYPE"]) + "?orgunit=RA").status_code == 404


def test_a_station_head_sees_the_gaps_of_their_station_only(world, norms, client_for):
    html = client_for(world.station_head).get(reverse("assets:gaps")).content.decode()
    assert _cells(html) == {("A1", "SIEU_AM"): "0 / 1", ("A1", "ECG"): "2 / 2"}


def test_the_gap_page_runs_one_query_per_norm_whatever_the_number_of_units(
    world, norms, client_for, django_assert_max_num_queries
):
    for n in range(12):
        OrgUnitFactory(code=f"AX{n}", name=f"Trạm Y tế xã Thêm {n}", kind="station", parent=world.region_a)
    client = client_for(world.province_admin)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("assets:gaps") + "?orgunit=PROV&level=3")
    assert response.status_code == 200 and "AX11" in response.content.decode()


def test_the_landing_page_counts_in_scope(world, norms, client_for):
    EquipmentItem.objects.filter(serial_number="C-B1-1").update(next_maintenance_on=D(2020, 1, 1))
    html = client_for(world.region_manager).get(reverse("assets:home")).content.decode()

    def tile(name: str) -> str:
        return re.search(rf'id="tile-{name}"[^>]*><span class="value">([^<]+)<', html)[1]

    assert tile("broken") == "1"  # A2's ultrasound
    assert tile("overdue") == "0"  # B1's ECG is out of sight
    assert tile("short") == "3"  # RA, A1, A2
    assert tile("items") == "5"
    html = client_for(world.province_admin).get(reverse("assets:home")).content.decode()
    assert tile("overdue") == "1" and tile("short") == "5"


# ---------------------------------------------------------------------------------------------- inventory


@pytest.fixture
def inventory(world):
    shipped = selectors_equipment.current_catalogue()
    types = {t.code: t for t in shipped.types.all()}
    admin = world.province_admin
    made = {
        "echo": item_create(
            user=admin, orgunit=world.station_a1, equipment_type=types["SIEU_AM"], serial_number="SA-01"
        ),
        "ecg": item_create(
            user=admin,
            orgunit=world.station_a2,
            equipment_type=types["DIEN_TIM_6"],
            serial_number="DT-02",
            condition="under_repair",
        ),
        "fridge": item_create(
            user=admin,
            orgunit=world.station_b1,
            equipment_type=types["TU_LANH_VAC"],
            serial_number="TL-03",
            condition="broken",
        ),
        "scale": item_create(
            user=admin,
            orgunit=world.station_a1,
            equipment_type=types["CAN_TRE_EM"],
            serial_number="CAN-04",
            next_calibration_on=D(2000, 1, 1),
        ),
    }
    return made


def _listed(response) -> list[str]:
    return re.findall(r'href="/assets/equipment/(\d+)/"', response.content.decode())


def test_search_ignores_diacritics_and_filters_combine(world, inventory, client_for):
    client = client_for(world.province_admin)
    url = reverse("assets:equipment_list")
    assert _listed(client.get(url + "?q=may+sieu+am")) == [str(inventory["echo"].pk)]
    assert _listed(client.get(url + "?q=Máy Siêu Âm")) == [str(inventory["echo"].pk)]
    assert sorted(_listed(client.get(url + "?orgunit=ra"))) == sorted(
        str(inventory[k].pk) for k in ("echo", "ecg", "scale")
    )
    assert _listed(client.get(url + "?orgunit=RA&condition=under_repair")) == [str(inventory["ecg"].pk)]
    assert _listed(client.get(url + "?category=cold_chain")) == [str(inventory["fridge"].pk)]
    assert _listed(client.get(url + "?type=CAN_TRE_EM")) == [str(inventory["scale"].pk)]
    assert _listed(client.get(url + "?orgunit=NOWHERE")) == []
    # The outsider (region B) sees only B1's fridge.
    assert _listed(client_for(world.outsider).get(url)) == [str(inventory["fridge"].pk)]


def test_the_inventory_list_paginates_in_sql_with_a_bounded_number_of_queries(
    world, inventory, client_for, django_assert_max_num_queries
):
    echo = inventory["echo"].equipment_type
    EquipmentItem.objects.bulk_create(
        EquipmentItem(orgunit=world.station_a2, equipment_type=echo, serial_number=f"B-{n}") for n in range(60)
    )
    client = client_for(world.region_manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("assets:equipment_list") + "?page=2")
    assert response.status_code == 200 and len(_listed(response)) == 25
    with django_assert_max_num_queries(12):
        assert client.get(reverse("assets:broken")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("assets:maintenance_due")).status_code == 200


def test_the_follow_up_lists(world, inventory, client_for):
    client = client_for(world.province_admin)
    broken = _listed(client.get(reverse("assets:broken")))
    assert sorted(broken) == sorted(str(inventory[k].pk) for k in ("ecg", "fridge"))
    assert _listed(client.get(reverse("assets:broken") + "?condition=broken")) == [str(inventory["fridge"].pk)]
    today = datetime.date.today()
    soon = item_create(
        user=world.province_admin,
        orgunit=world.station_a1,
        equipment_type=inventory["echo"].equipment_type,
        serial_number="SOON",
        next_maintenance_on=today + datetime.timedelta(days=20),
    )
    item_create(
        user=world.province_admin,
        orgunit=world.station_a1,
        equipment_type=inventory["echo"].equipment_type,
        serial_number="LATER",
        next_maintenance_on=today + datetime.timedelta(days=45),
    )
    item_create(
        user=world.province_admin,
        orgunit=world.station_a1,
        equipment_type=inventory["echo"].equipment_type,
        serial_number="RETIRED",
        condition="retired",
        next_maintenance_on=D(2001, 1, 1),
    )
    due = _listed(client.get(reverse("assets:maintenance_due")))
    assert due == [str(inventory["scale"].pk), str(soon.pk)]  # overdue first; later and retired left out
    assert _listed(client.get(reverse("assets:maintenance_due") + "?window=overdue")) == [str(inventory["scale"].pk)]


def test_the_export_holds_the_filtered_items_and_imports_back_unchanged(world, inventory, client_for):
    client = client_for(world.region_manager)
    response = client.get(reverse("assets:equipment_export") + "?orgunit=A1")
    assert response["Content-Type"] == XLSX
    ws = load_workbook(io.BytesIO(response.content))[equipment_xlsx.SHEET]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert sorted(r[5] for r in rows) == ["CAN-04", "SA-01"]
    assert {r[9] for r in rows} == {"Hoạt động tốt"}
    assert next(r for r in rows if r[5] == "CAN-04")[13] == datetime.datetime(2000, 1, 1)
    upload = SimpleUploadedFile("ttb.xlsx", response.content, content_type=XLSX)
    response = english(client).post(reverse("assets:equipment_import"), {"file": upload}, follow=True)
    with translation.override("en"):
        assert "0 items recorded, 0 corrected, 2 unchanged" in response.content.decode()
    assert EquipmentItem.objects.count() == 4


def _template_with(*rows) -> SimpleUploadedFile:
    wb = load_workbook(io.BytesIO(equipment_xlsx.template_workbook()))
    for row in rows:
        wb[equipment_xlsx.SHEET].append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("ttb.xlsx", out.getvalue(), content_type=XLSX)


def test_an_import_names_every_bad_cell_and_saves_nothing(world, inventory, client_for):
    before = list(EquipmentItem.objects.order_by("pk").values_list())
    upload = _template_with(
        [None, "A1", None, "HUYET_AP", None, "HA-1", None, 2024, "Ngân sách nhà nước", "Hoạt động tốt"],
        [None, "B1", None, "HUYET_AP", None, "HA-2", None, None, None, "Hỏng"],  # out of region A's sight
        [None, "A2", None, "KHONG_CO", None, "X", None, 1800, None, "tốt lắm"],
        [inventory["echo"].pk, "A2", None, "SIEU_AM", None, "SA-01", None, None, None, "Hỏng"],  # a move
        [None, "A1", None, "HUYET_AP", None, None, None, None, None, "Hoạt động tốt", "01/02/2026", "01/01/2026"],
    )
    response = english(client_for(world.region_manager)).post(reverse("assets:equipment_import"), {"file": upload})
    html = response.content.decode()
    errors = re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
        re.search(r'id="import-errors">(.*?)</section>', html, re.S)[1],
    )
    assert {(sheet, row, column) for sheet, row, column, _m in errors} == {
        ("Trang thiết bị", "3", "Mã đơn vị"),
        ("Trang thiết bị", "4", "Mã trang thiết bị"),
        ("Trang thiết bị", "4", "Năm đưa vào sử dụng"),
        ("Trang thiết bị", "4", "Tình trạng"),
        ("Trang thiết bị", "5", "Mã đơn vị"),
        ("Trang thiết bị", "6", "Bảo dưỡng tiếp theo"),
    }
    with translation.override("en"):
        assert any("record a move" in m for *_r, m in errors)
    assert list(EquipmentItem.objects.order_by("pk").values_list()) == before


def test_an_import_records_new_items_and_corrects_numbered_ones(world, inventory, client_for):
    echo = inventory["echo"]
    upload = _template_with(
        [None, "a1", None, "HUYET_AP", None, "HA-1", "Omron", 2024, "Quỹ bảo hiểm y tế", "Hoạt động tốt", "05/01/2026"],
        [echo.pk, "A1", None, "SIEU_AM", None, "SA-01", None, None, None, "Đang sửa chữa"],
    )
    response = client_for(world.station_head).post(reverse("assets:equipment_import"), {"file": upload})
    assert response.status_code == 302
    new = EquipmentItem.objects.get(serial_number="HA-1")
    assert (new.orgunit, new.model_name, new.year_in_use, new.funding_source, new.last_maintained_on) == (
        world.station_a1,
        "Omron",
        2024,
        "insurance",
        D(2026, 1, 5),
    )
    echo.refresh_from_db()
    assert echo.condition == "under_repair"
    from ytcs.core.models import AuditEntry

    assert AuditEntry.objects.filter(object_id=str(new.pk), source="import").exists()


def test_the_item_page_shows_its_fields_moves_and_history(world, inventory, client_for):
    echo = inventory["echo"]
    item_move(
        user=world.region_manager, item=echo, to_unit=world.station_a2, moved_on=D(2026, 3, 1), reason="Điều phối"
    )
    html = client_for(world.region_manager).get(reverse("assets:equipment_detail", args=[echo.pk])).content.decode()
    moves = re.search(r'<section id="moves">(.*?)</section>', html, re.S)[1]
    assert "01/03/2026" in moves and "A1" in moves and "A2" in moves and "Điều phối" in moves
    assert 'id="history"' in html and "SA-01" in html
    # The station head of A1 no longer sees the item.
    assert client_for(world.station_head).get(reverse("assets:equipment_detail", args=[echo.pk])).status_code == 404


def test_a_refused_edit_keeps_what_was_typed(world, inventory, client_for):
    echo = inventory["echo"]
    data = {
        "equipment_type": echo.equipment_type_id,
        "serial_number": "SA-01-NEW",
        "model_name": "Mindray DP-10",
        "year_in_use": "2020",
        "funding_source": "project",
        "condition": "working",
        "last_maintained_on": "10/03/2026",
        "next_maintenance_on": "01/03/2026",
        "note": "Ghi chú",
    }
    response = english(client_for(world.station_head)).post(reverse("assets:equipment_edit", args=[echo.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    with translation.override("en"):
        assert "The next date cannot come before the last one." in html
    assert 'value="SA-01-NEW"' in html and 'value="Mindray DP-10"' in html and 'value="10/03/2026"' in html
    echo.refresh_from_db()
    assert echo.serial_number == "SA-01"


def test_an_item_records_and_is_corrected_through_the_pages(world, inventory, client_for):
    client = client_for(world.station_head)
    echo_type = inventory["echo"].equipment_type
    response = client.post(
        reverse("assets:equipment_create"),
        {
            "orgunit": world.station_a1.pk,
            "equipment_type": echo_type.pk,
            "serial_number": "SA-NEW",
            "condition": "working",
            "warranty_until": "31/12/2028",
        },
    )
    assert response.status_code == 302
    created = EquipmentItem.objects.get(serial_number="SA-NEW")
    assert (created.orgunit, created.warranty_until) == (world.station_a1, D(2028, 12, 31))
    assert response["Location"] == reverse("assets:equipment_detail", args=[created.pk])


# ---------------------------------------------------------------------------------------------- catalogue


def test_the_catalogue_shows_its_norms_with_their_source_and_the_unconfirmed_badge(world, norms, client_for):
    catalogue, _echo, _ecg = norms
    html = client_for(world.viewer).get(reverse("assets:catalogue_detail", args=[catalogue.pk])).content.decode()
    norm_rows = re.findall(r'<tr id="norm-(\d+)">(.*?)</tr>', html, re.S)
    badges = {EquipmentNorm.objects.get(pk=pk).source: "CHƯA XÁC NHẬN" in row for pk, row in norm_rows}
    assert badges == {"A": True, "B": False, "C": True}  # the source is shown, the badge only where unchecked
    assert all(f"<small>{source}</small>" in html for source in "ABC")
    # Only catalogue managers see the buttons that change it.
    assert reverse("assets:norm_create", args=[catalogue.pk]) not in html
    admin_html = client_for(world.province_admin).get(reverse("assets:catalogue_detail", args=[catalogue.pk]))
    assert reverse("assets:norm_create", args=[catalogue.pk]) in admin_html.content.decode()


def test_a_catalogue_import_lists_every_problem_with_sheet_row_and_column(world, client_for):
    shipped = selectors_equipment.current_catalogue()
    wb = load_workbook(io.BytesIO(catalogue_xlsx.equipment_export(shipped)))
    wb["Thông tin"]["B2"] = "2027.1"
    wb["Trang thiết bị"]["C2"] = "xe cứu thương"
    wb["Định mức"]["C3"] = 0
    out = io.BytesIO()
    wb.save(out)
    upload = SimpleUploadedFile("dm.xlsx", out.getvalue(), content_type=XLSX)
    response = english(client_for(world.province_admin)).post(reverse("assets:catalogue_import"), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<td>Trang thiết bị</td><td>2</td><td>Nhóm</td>" in html
    assert "<td>Định mức</td><td>3</td><td>Số lượng</td>" in html
    with translation.override("en"):
        assert "nothing was saved" in html
    assert EquipmentCatalogue.objects.count() == 1


def test_a_catalogue_version_is_imported_made_current_and_its_norms_edited(world, client_for):
    shipped = selectors_equipment.current_catalogue()
    wb = load_workbook(io.BytesIO(catalogue_xlsx.equipment_export(shipped)))
    wb["Thông tin"]["B2"] = "2027.1"
    out = io.BytesIO()
    wb.save(out)
    client = client_for(world.province_admin)
    upload = SimpleUploadedFile("dm.xlsx", out.getvalue(), content_type=XLSX)
    response = client.post(reverse("assets:catalogue_import"), {"file": upload})
    new = EquipmentCatalogue.objects.get(version="2027.1")
    assert response["Location"] == reverse("assets:catalogue_detail", args=[new.pk])
    assert not new.is_current  # the box was left unticked
    client.post(reverse("assets:catalogue_make_current", args=[new.pk]))
    assert selectors_equipment.current_catalogue() == new
    norm = new.norms.get(unit_kind="station", equipment_type__code="HUYET_AP")
    response = client.post(
        reverse("assets:norm_edit", args=[norm.pk]),
        {
            "unit_kind": "station",
            "equipment_type": norm.equipment_type_id,
            "quantity": "3",
            "source": "Thông tư 08/2019/TT-BYT",
            "confirmed": "on",
        },
    )
    assert response.status_code == 302
    norm.refresh_from_db()
    assert (norm.quantity, norm.source, norm.confirmed) == (3, "Thông tư 08/2019/TT-BYT", True)
    # A second norm for the same kind and type is refused on the form.
    response = english(client).post(
        reverse("assets:norm_create", args=[new.pk]),
        {"unit_kind": "station", "equipment_type": norm.equipment_type_id, "quantity": "1", "source": "x"},
    )
    with translation.override("en"):
        assert "already has a norm for this type" in response.content.decode()
