"""Target pages: the plan list, a plan's progress (numbers checked by hand, see targets_fixtures), the grid saved
all or nothing, the Excel round trip, the units at risk."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from ytcs.core.models import AuditEntry
from ytcs.indicators import selectors_targets as selectors
from ytcs.indicators import targets_xlsx
from ytcs.indicators.models import Target, TargetPlan
from ytcs.indicators.tests.helpers import indicator
from ytcs.indicators.tests.targets_fixtures import INDICATOR, deliveries, province_plan, region_plan

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def data(world):
    deliveries(world)
    return {"plan": region_plan(world), "province": province_plan(world)}


def rows_by_unit(progress, code=INDICATOR):
    item = next(p for p in progress if p.indicator.code == code)
    return {row.unit.code: row for row in item.rows}


# ---------------------------------------------------------------------------------------------- progress


def test_plan_progress_numbers(world, data):
    rows = rows_by_unit(selectors.plan_progress(user=world.region_manager, plan=data["plan"], year=2025))
    assert list(rows) == ["RA", "A1"]  # the plan's unit, then the units with targets of their own
    ra, a1 = rows["RA"], rows["A1"]
    assert (ra.latest_year, ra.latest_value, ra.value_of(2023)) == (2025, Decimal("35.0"), Decimal("25.0"))
    assert ra.slope == 5 and ra.next_target.value == 60 and ra.next_target.year == 2030
    assert ra.compared.year == 2030 and ra.achieved == Decimal("58.3")  # 35 / 60, no target for 2025
    assert ra.projected == Decimal("60.0") and ra.at_risk is False  # meets 60 exactly
    assert a1.value_of(2024) == Decimal("40.0") and a1.latest_value == Decimal("50.0")
    assert a1.compared.value == 50 and a1.achieved == Decimal("100.0")
    assert a1.next_target.year == 2025 and a1.projected == Decimal("50.0") and a1.at_risk is False
    later = rows_by_unit(selectors.plan_progress(user=world.region_manager, plan=data["plan"], year=2026))
    assert later["A1"].next_target.value == 80 and later["A1"].projected == Decimal("100.0")
    assert later["A1"].latest_year == 2025 and later["A1"].at_risk is False


def test_plan_page_shows_the_progress_and_the_unconfirmed_badge(world, data, client_for):
    url = reverse("indicators:target_plan_detail", args=["KH-RA"])
    page = client_for(world.region_manager).get(url + "?year=2025")
    assert page.status_code == 200
    text = page.content.decode()
    assert "CHƯA XÁC NHẬN" in text and 'id="plan-unconfirmed"' in text
    assert '<tr data-unit="RA">' in text and '<tr data-unit="A1">' in text
    assert "35,0" in text and "58,3%" in text and "100,0%" in text
    assert reverse("indicators:target_grid", args=["KH-RA"]) in text
    confirmed = client_for(world.region_manager).get(reverse("indicators:target_plan_detail", args=["KH-TINH"]))
    assert "plan-unconfirmed" not in confirmed.content.decode()


def test_a_viewer_below_a_provincial_plan_sees_their_own_units_against_it(world, data, client_for):
    rows = rows_by_unit(
        selectors.plan_progress(user=world.outsider, plan=data["province"], year=2025), code="TYT_CO_BS"
    )
    assert list(rows) == ["RB"]  # not the province: its figures would cover units the outsider does not see
    assert rows["RB"].next_target.value == 100 and rows["RB"].next_target.inherited
    page = client_for(world.station_head).get(reverse("indicators:target_plan_detail", args=["KH-RA"]))
    assert page.status_code == 200
    assert reverse("indicators:target_grid", args=["KH-RA"]) not in page.content.decode()


def test_plan_list_is_scoped_and_paginated_in_sql(world, data, client_for, django_assert_max_num_queries):
    client = client_for(world.outsider)
    with django_assert_max_num_queries(10):
        outsider = client.get(reverse("indicators:target_plan_list"))
    text = outsider.content.decode()
    assert "KH-TINH" in text and "KH-RA" not in text
    listed = client_for(world.region_manager).get(reverse("indicators:target_plan_list") + "?year=2028&q=Chỉ 25-ct")
    assert "KH-RA" in listed.content.decode() and "KH-TINH" not in listed.content.decode()


def test_recording_a_plan_through_the_page(world, client_for):
    client = client_for(world.region_manager)
    data = {
        "orgunit": world.region_a.pk,
        "code": "KH-2030",
        "name": "Kế hoạch chỉ tiêu đến 2030",
        "document_number": "7/KH-TTYT",
        "issued_by": "",
        "issued_on": "05/02/2025",
        "start_year": "2025",
        "end_year": "2024",
        "source": "",
        "notes": "",
    }
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    refused = client.post(reverse("indicators:target_plan_create"), data)
    assert refused.status_code == 200 and "The last year cannot come before the first year." in refused.text
    assert 'value="Kế hoạch chỉ tiêu đến 2030"' in refused.text
    response = client.post(reverse("indicators:target_plan_create"), {**data, "end_year": "2030"})
    assert response.status_code == 302
    plan = TargetPlan.objects.get(code="KH-2030")
    assert plan.orgunit == world.region_a and plan.issued_on.isoformat() == "2025-02-05" and not plan.confirmed


# ---------------------------------------------------------------------------------------------- grid


def grid_post(grid_url, client, values: dict[str, str], below=()):
    page = client.get(grid_url)
    form = page.context["form"]
    data = {name: form.initial.get(name, "") for name in form.fields if name.startswith("v_")}
    data.update(values)
    data.update(dict.fromkeys(below, "on"))
    return client.post(grid_url, data)


def test_the_grid_saves_all_or_nothing_and_keeps_what_was_typed(world, data, client_for):
    client = client_for(world.region_manager)
    url = reverse("indicators:target_grid", args=["KH-RA"]) + f"?indicator={INDICATOR}&level=3"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    a1, a2 = world.station_a1.pk, world.station_a2.pk
    assert form.initial[f"v_{a1}_2025"] == "50" and form.initial[f"v_{world.region_a.pk}_2030"] == "60"
    assert form.initial[f"b_{world.region_a.pk}"] is True
    before = sorted(Target.objects.values_list("orgunit_id", "year", "value"))

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    refused = grid_post(url, client, {f"v_{a2}_2027": "45", f"v_{a2}_2028": "bốn mươi", f"v_{a1}_2025": ""})
    assert refused.status_code == 200
    cell = refused.context["form"][f"v_{a2}_2028"]
    assert cell.errors == ["“bốn mươi” is not a number."]
    assert 'value="45"' in refused.text and 'value="bốn mươi"' in refused.text
    assert sorted(Target.objects.values_list("orgunit_id", "year", "value")) == before

    saved = grid_post(url, client, {f"v_{a2}_2027": "45,5", f"v_{a1}_2025": ""}, below=[f"b_{world.region_a.pk}"])
    assert saved.status_code == 302
    now = {(t.orgunit_id, t.year): t for t in Target.objects.filter(plan=data["plan"])}
    assert now[(a2, 2027)].value == 45.5 and (a1, 2025) not in now and now[(world.region_a.pk, 2030)].applies_below
    assert AuditEntry.objects.filter(action="create", object_repr__startswith=f"{INDICATOR} A2 2027").exists()


def test_the_grid_is_for_the_plan_managers_only(world, data, client_for):
    url = reverse("indicators:target_grid", args=["KH-RA"])
    assert client_for(world.station_head).get(url).status_code == 403
    assert client_for(world.region_manager).get(reverse("indicators:target_grid", args=["KH-TINH"])).status_code == 403
    assert client_for(world.outsider).get(url).status_code == 404


# ---------------------------------------------------------------------------------------------- Excel


def upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("chi-tieu.xlsx", content, content_type=XLSX)


def test_export_then_import_gives_the_same_targets(world, data, client_for):
    client = client_for(world.region_manager)
    exported = client.get(reverse("indicators:target_export", args=["KH-RA"]))
    assert exported.status_code == 200 and exported["Content-Type"] == XLSX
    ws = load_workbook(io.BytesIO(exported.content))[targets_xlsx.SHEET]
    assert [c.value for c in ws[1]][:6] == [
        "Mã chỉ số*",
        "Mã đơn vị*",
        "Năm*",
        "Giá trị chỉ tiêu",
        "Áp dụng cho từng đơn vị cấp dưới",
        "Ghi chú",
    ]
    before = sorted(
        Target.objects.filter(plan=data["plan"]).values_list(
            "indicator_id", "orgunit_id", "year", "value", "applies_below", "note"
        )
    )
    Target.objects.filter(plan=data["plan"]).delete()
    response = client.post(reverse("indicators:target_import", args=["KH-RA"]), {"file": upload(exported.content)})
    assert response.status_code == 302
    after = sorted(
        Target.objects.filter(plan=data["plan"]).values_list(
            "indicator_id", "orgunit_id", "year", "value", "applies_below", "note"
        )
    )
    assert after == before
    assert AuditEntry.objects.filter(source="import", action="create").count() == 3


def test_a_bad_row_is_named_and_nothing_is_imported(world, data, client_for):
    wb = load_workbook(io.BytesIO(targets_xlsx.targets_workbook(plan=data["plan"])))
    ws = wb[targets_xlsx.SHEET]
    ws.append([INDICATOR, "A2", 2027, 55, "Không", ""])
    ws.append([INDICATOR, "B1", 2027, 55, "Có", ""])
    ws.append(["KHONG_CO", "A1", 2035, "cao", "", ""])
    buffer = io.BytesIO()
    wb.save(buffer)
    client = client_for(world.region_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("indicators:target_import", args=["KH-RA"]), {"file": upload(buffer.getvalue())})
    assert response.status_code == 200
    problems = [(e.row, e.column, e.message) for e in response.context["result"].errors]
    assert (3, "Mã đơn vị*", "No unit you can see has the code “B1”.") in problems  # the outsider's station
    assert (4, "Mã chỉ số*", "No indicator has the code “KHONG_CO”.") in problems
    assert (4, "Năm*", "Must be between 2024 and 2030.") in problems
    assert (4, "Giá trị chỉ tiêu", "“cao” is not a number.") in problems
    assert not Target.objects.filter(orgunit=world.station_a2).exists()


def test_a_unit_outside_the_plan_in_the_file_is_named(world, data):
    wb = load_workbook(io.BytesIO(targets_xlsx.targets_workbook(plan=data["plan"])))
    wb[targets_xlsx.SHEET].append([INDICATOR, "PROV", 2027, 55, "Không", ""])
    buffer = io.BytesIO()
    wb.save(buffer)
    with translation.override("en"):
        result = targets_xlsx.targets_import(
            user=world.province_admin, plan=data["plan"], file=io.BytesIO(buffer.getvalue())
        )
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "Mã đơn vị*", "PROV is not RA or a unit under it.")
    ]


# ---------------------------------------------------------------------------------------------- at risk


def test_the_at_risk_list(world, data, client_for, django_assert_max_num_queries):
    client = client_for(world.region_manager)
    url = reverse("indicators:at_risk") + f"?plan=KH-RA&indicator={INDICATOR}&year=2025&level=3"
    with django_assert_max_num_queries(30):
        page = client.get(url)
    assert page.status_code == 200
    rows = [(r.unit.code, r.row.projected, r.row.next_target.value) for r in page.context["page"].object_list]
    assert rows == [("A2", Decimal("20.0"), 60)]  # A1 meets its 2025 target; A2 stays at 20 against 60
    assert '<tr data-unit="A2"' in page.text and '<tr data-unit="A1"' not in page.text
    exported = client.get(url + "&export=xlsx")
    ws = load_workbook(io.BytesIO(exported.content)).active
    assert [c.value for c in ws[2]][:4] == [INDICATOR, indicator(INDICATOR).name, "A2", world.station_a2.name]
    regions = client.get(reverse("indicators:at_risk") + f"?plan=KH-RA&indicator={INDICATOR}&year=2025&level=2")
    assert list(regions.context["page"].object_list) == []  # RA projects 60.0: meets its target
    assert client_for(world.outsider).get(url).status_code == 404
