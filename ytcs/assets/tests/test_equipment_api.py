"""The equipment API: the inventory list with the pages' filters (bounded queries), record, correct and move items
with the same rights as the pages, the gap table and its drill-down with the hand-checked numbers of the pages'
tests, the follow-up lists, and the .xlsx imports answering every problem by sheet, row and column."""

from __future__ import annotations

import datetime
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from ytcs.assets import catalogue_xlsx, equipment_xlsx, selectors_equipment
from ytcs.assets.models import EquipmentCatalogue, EquipmentItem, EquipmentMove
from ytcs.assets.services import item_create
from ytcs.assets.tests.test_equipment_views import build_norms

pytestmark = pytest.mark.django_db
D = datetime.date
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def norms(world):
    return build_norms(world)


def english(api):
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return api


def shipped_type(code: str):
    return selectors_equipment.current_catalogue().types.get(code=code)


def test_the_inventory_filters_and_pages_with_a_bounded_number_of_queries(
    world, api_for, django_assert_max_num_queries
):
    echo = shipped_type("SIEU_AM")
    EquipmentItem.objects.bulk_create(
        EquipmentItem(orgunit=unit, equipment_type=echo, serial_number=f"S-{n}", search_text=f"may sieu am s-{n}")
        for n, unit in enumerate([world.station_a1, world.station_a2, world.station_b1] * 30)
    )
    api = api_for(world.region_manager)
    with django_assert_max_num_queries(8):
        body = api.get(reverse("equipment-list") + "?page_size=50").json()
    assert body["count"] == 60 and len(body["results"]) == 50 and body["next"]
    assert {r["orgunit"] for r in body["results"]} <= {"A1", "A2"}
    body = api.get(reverse("equipment-list") + "?orgunit=A2&q=Máy siêu âm").json()
    assert body["count"] == 30 and body["results"][0]["equipment_type"] == "SIEU_AM"
    assert api.get(reverse("equipment-list") + "?condition=exploded").status_code == 400


def test_an_item_is_recorded_corrected_and_moved_with_the_pages_rights(world, api_for):
    head = api_for(world.station_head)
    response = head.post(
        reverse("equipment-list"),
        {
            "orgunit": "A1",
            "equipment_type": "HUYET_AP",
            "serial_number": "HA-1",
            "year_in_use": 2023,
            "funding_source": "insurance",
            "next_calibration_on": "15/06/2026",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["orgunit"], created["condition"], created["next_calibration_on"]) == ("A1", "working", "2026-06-15")
    url = reverse("equipment-detail", args=[created["id"]])
    response = head.patch(url, {"condition": "broken", "note": "Hỏng màn hình"}, format="json")
    assert response.status_code == 200 and response.json()["condition"] == "broken"
    response = english(head).put(url, {"orgunit": "A2", "equipment_type": "HUYET_AP"}, format="json")
    assert response.status_code == 400 and "orgunit" in response.json()["errors"]  # A2 is not the head's
    response = head.patch(url, {"equipment_type": "KHONG_CO"}, format="json")
    assert response.status_code == 400 and "equipment_type" in response.json()["errors"]
    manager = api_for(world.region_manager)
    response = english(manager).patch(url, {"orgunit": "A2"}, format="json")
    assert response.status_code == 400 and "move" in response.json()["errors"]["orgunit"][0]
    response = manager.post(
        reverse("equipment-move", args=[created["id"]]),
        {"to_unit": "A2", "moved_on": "01/03/2026", "reason": "Điều phối"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["orgunit"] == "A2"
    assert response.json()["moves"] == [
        {
            "id": EquipmentMove.objects.get().pk,
            "from_unit": "A1",
            "to_unit": "A2",
            "moved_on": "2026-03-01",
            "reason": "Điều phối",
            "moved_by": "region_manager",
        }
    ]
    assert head.get(url).status_code == 404  # no longer the station's
    response = manager.post(
        reverse("equipment-move", args=[created["id"]]), {"to_unit": "A2", "moved_on": "2026-03-02"}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()["errors"]


def test_the_gap_table_and_its_drill_down(world, norms, api_for):
    api = api_for(world.province_admin)
    body = api.get(reverse("equipment-gaps") + "?orgunit=PROV&level=2").json()
    assert [t["code"] for t in body["types"]] == ["ECG", "SIEU_AM"]
    rows = {row["orgunit"]: {c["type"]: (c["required"], c["short"]) for c in row["cells"]} for row in body["rows"]}
    assert rows == {"RA": {"ECG": (4, 3), "SIEU_AM": (4, 2)}, "RB": {"ECG": (2, 0), "SIEU_AM": (3, 3)}}
    assert {c["type"]: (c["units"], c["required"], c["short"]) for c in body["totals"]} == {
        "ECG": (3, 6, 3),
        "SIEU_AM": (5, 7, 5),
    }
    assert {row["orgunit"]: row["short"] for row in body["rows"]} == {"RA": 5, "RB": 3}
    # By default: the level below the caller's highest unit.
    mine = api_for(world.region_manager).get(reverse("equipment-gaps")).json()
    assert (mine["orgunit"], mine["level"], [r["orgunit"] for r in mine["rows"]]) == ("RA", 3, ["A1", "A2"])
    assert api.get(reverse("equipment-gaps") + "?orgunit=A1&level=2").status_code == 400
    detail = api.get(reverse("equipment-gap-detail", args=["SIEU_AM"]) + "?orgunit=RA").json()
    assert [(u["orgunit"], u["required"], u["working"], u["short"]) for u in detail["results"]] == [
        ("RA", 2, 1, 1),
        ("A2", 1, 0, 1),
    ]
    assert [i["serial_number"] for i in detail["results"][1]["items"]] == ["E-A2-1"]
    assert api.get(reverse("equipment-gap-detail", args=["HUYET_AP"])).status_code == 404  # no norm in this version


def test_the_follow_up_lists(world, api_for):
    echo = shipped_type("SIEU_AM")
    admin = world.province_admin
    broken = item_create(user=admin, orgunit=world.station_a1, equipment_type=echo, condition="broken")
    item_create(user=admin, orgunit=world.station_b1, equipment_type=echo, condition="under_repair")
    overdue = item_create(user=admin, orgunit=world.station_a2, equipment_type=echo, next_calibration_on=D(2001, 2, 3))
    api = api_for(world.region_manager)
    assert [r["id"] for r in api.get(reverse("equipment-broken")).json()["results"]] == [broken.pk]
    body = api.get(reverse("equipment-maintenance-due") + "?overdue=true").json()
    assert [(r["id"], r["next_due"]) for r in body["results"]] == [(overdue.pk, "2001-02-03")]


def _xlsx(data: bytes, edit) -> SimpleUploadedFile:
    wb = load_workbook(io.BytesIO(data))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("f.xlsx", out.getvalue(), content_type=XLSX)


def test_the_imports_answer_every_problem_and_save_nothing(world, api_for):
    api = english(api_for(world.province_admin))

    def rows(wb):
        ws = wb[equipment_xlsx.SHEET]
        ws.append([None, "A1", None, "SIEU_AM", None, "OK-1", None, None, None, "Hoạt động tốt"])
        ws.append([None, "ZZ", None, "SIEU_AM", None, None, None, "năm ngoái", None, "Hoạt động tốt"])

    response = api.post(
        reverse("equipment-import"), {"file": _xlsx(equipment_xlsx.template_workbook(), rows)}, format="multipart"
    )
    assert response.status_code == 400
    assert {(e["row"], e["column"]) for e in response.json()["errors"]} == {
        (3, "Mã đơn vị"),
        (3, "Năm đưa vào sử dụng"),
    }
    assert not EquipmentItem.objects.exists()

    shipped = selectors_equipment.current_catalogue()

    def spoil(wb):
        wb["Thông tin"]["B2"] = "2027.1"
        wb["Định mức"]["A2"] = "bệnh viện quận"

    response = api.post(
        reverse("equipment-catalogue-import"),
        {"file": _xlsx(catalogue_xlsx.equipment_export(shipped), spoil)},
        format="multipart",
    )
    assert response.status_code == 400
    assert [(e["sheet"], e["row"], e["column"]) for e in response.json()["errors"]] == [("Định mức", 2, "Loại đơn vị")]
    assert EquipmentCatalogue.objects.count() == 1


def test_the_catalogue_reads(world, api_for):
    api = api_for(world.viewer)
    shipped = selectors_equipment.current_catalogue()
    catalogues = api.get(reverse("equipment-catalogue-list")).json()["results"]
    assert [(c["code"], c["is_current"], c["confirmed"]) for c in catalogues] == [("ytcs-mau", True, False)]
    detail = api.get(reverse("equipment-catalogue-detail", args=[shipped.pk])).json()
    assert len(detail["types"]) == 13 and all(not n["confirmed"] for n in detail["norms"])
    pressure = [n for n in detail["norms"] if n["equipment_type"] == "HUYET_AP"]
    assert [(n["unit_kind"], n["quantity"]) for n in pressure] == [("station", 2)]
    types = api.get(reverse("equipment-type-list") + "?category=cold_chain").json()["results"]
    assert sorted(t["code"] for t in types) == ["HOM_LANH", "TU_LANH_VAC"]
    response = api.get(reverse("equipment-catalogue-export", args=[shipped.pk]))
    assert response["Content-Type"] == XLSX
