"""The analysis page (/indicators/analysis/) and its .xlsx export: the table of values against targets, the chart
data embedded for Chart.js, the unconfirmed-formula badge and source, the form's defaults and errors, and live data.
Figures of the test world are those of test_analytics_api (DE_TAI_TRAM_PCT: A1 2024 30.0, 2025 33.3 of 40 →
83.3 %; A2 2025 6.3)."""

from __future__ import annotations

import datetime
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from ytcs.core.testing.factories import OrgUnitFactory
from ytcs.indicators.models import Indicator
from ytcs.indicators.tests.helpers import put
from ytcs.indicators.tests.test_analytics_api import codes, deliveries_plan, report_deliveries, tree
from ytcs.orgunits.models import OrgUnitKind

pytestmark = pytest.mark.django_db

URL = "/indicators/analysis/"
EXPORT = "/indicators/analysis/export.xlsx"
TABLE = {"indicator": "DE_TAI_TRAM_PCT", "orgunit": "RA", "level": 3, "periods": "2024;2025"}


@pytest.fixture
def reported(world):
    report_deliveries(world)
    deliveries_plan(world)
    return world


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def cell(content: str, unit: str, period: str) -> str:
    """The text of the table cell of a unit and a period."""
    row = re.search(rf'<tr data-unit="{unit}">(.*?)</tr>', content, re.S)
    assert row, f"no row for {unit}"
    found = re.search(rf'<td data-period="{period}"(.*?)</td>', row.group(1), re.S)
    assert found, f"no cell for {unit} {period}"
    return text("<x " + found.group(1))


def cell_title(content: str, unit: str, period: str) -> str:
    row = re.search(rf'<tr data-unit="{unit}">(.*?)</tr>', content, re.S).group(1)
    return re.search(rf'<td data-period="{period}"[^>]*?title="([^"]*)"', row, re.S).group(1)


def chart_data(content: str, element_id: str = "analysis-chart-data") -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', content, re.S)
    assert found, f"no chart data {element_id}"
    return json.loads(found.group(1))


def rows(content: str) -> list[str]:
    return re.findall(r'<tr data-unit="([^"]+)">', content)


def test_the_table_shows_values_ratios_targets_and_percent_achieved(reported, client_for):
    response = client_for(reported.region_manager).get(URL, TABLE)
    assert response.status_code == 200
    content = response.content.decode()
    assert rows(content) == codes(reported.station_a1, reported.station_a2)
    assert re.findall(r'<th data-period="(\d+)">', content) == ["2024", "2025"]
    a1 = cell(content, "A1", "2025")
    assert a1.startswith("33,3")  # Vietnamese decimal comma, one decimal
    assert "8 / 24" in a1 and "40" in a1 and "83,3%" in a1
    assert cell(content, "A1", "2024").startswith("30,0") and "3 / 10" in cell(content, "A1", "2024")
    assert cell(content, "A2", "2025").startswith("6,3")  # 6.25 rounded half up
    assert cell(content, "A2", "2024") == "—"
    hover = cell_title(content, "A1", "2025")
    assert "8" in hover and "24" in hover and "Kế hoạch nâng cao sức khỏe bà mẹ 2021–2030" in hover and "PROV" in hover


def test_the_indicator_is_named_with_its_formula_source_and_unconfirmed_badge(reported, client_for):
    content = client_for(reported.region_manager).get(URL, TABLE).content.decode()
    assert '<mark class="badge unconfirmed" id="indicator-unconfirmed"' in content
    assert "CHƯA XÁC NHẬN" in content
    assert "Ca đẻ tại trạm × 100 ÷ Ca đẻ trên địa bàn" in content
    assert 'id="indicator-source">Mẫu của YTCS, không phải biểu mẫu chính thức' in content
    Indicator.objects.filter(code="DE_TAI_TRAM_PCT").update(confirmed=True)
    content = client_for(reported.region_manager).get(URL, TABLE).content.decode()
    assert 'id="indicator-unconfirmed"' not in content


def test_few_units_over_periods_are_drawn_as_lines_one_period_as_bars_by_unit(reported, client_for):
    client = client_for(reported.region_manager)
    lines = chart_data(client.get(URL, TABLE).content.decode())
    assert lines["type"] == "line" and lines["labels"] == ["2024", "2025"]
    assert lines["unit"] == "%" and lines["decimals"] == 1
    series = {"A1": [30.0, 33.3], "A2": [None, 6.3]}
    stations = tree(reported.station_a1, reported.station_a2)
    assert [(d["label"], d["role"], d["data"]) for d in lines["datasets"]] == [
        (s.name, "series", series[s.code]) for s in stations
    ]
    bars = chart_data(client.get(URL, {**TABLE, "periods": "2025"}).content.decode())
    assert bars["type"] == "bar" and bars["labels"] == [s.name for s in stations]
    assert [d["role"] for d in bars["datasets"]] == ["value", "target"]
    latest = {"A1": 33.3, "A2": 6.3}
    assert bars["datasets"][0]["data"] == [latest[s.code] for s in stations]
    assert bars["datasets"][1]["data"] == [40.0, 40.0]
    one = chart_data(client.get(URL, {**TABLE, "orgunit": "A1", "level": 3}).content.decode())
    assert one["type"] == "line" and [d["role"] for d in one["datasets"]] == ["series", "target"]
    assert one["datasets"][1]["data"] == [None, 40.0]


def test_defaults_the_top_unit_the_level_below_and_the_last_five_years(world, client_for):
    content = client_for(world.region_manager).get(URL).content.decode()
    year = timezone.localdate().year
    assert re.findall(r'<th data-period="(\d+)">', content) == [str(y) for y in range(year - 4, year + 1)]
    # The stations of region A, the satellite point left to its level.
    assert rows(content) == codes(world.station_a1, world.station_a2)
    assert 'name="orgunit" id="id_orgunit" value="RA"' in content
    assert '<option value="BS_10000" selected>' in content
    content = client_for(world.station_head).get(URL).content.decode()
    assert rows(content) == ["A1"]  # the station itself: only a satellite point lies below
    content = client_for(world.province_admin).get(URL).content.decode()
    assert rows(content) == codes(world.region_a, world.region_b)
    # A region opens its stations over the same range of years.
    assert f"orgunit=RA&amp;level=3&amp;period_type=yearly&amp;start={year - 4}&amp;end={year}" in content


def test_a_range_of_quarters_or_months_leaves_out_periods_not_begun(world, client_for):
    client = client_for(world.region_manager)
    content = client.get(URL, {"period_type": "quarterly", "start": "2024", "end": "2025Q2"}).content.decode()
    assert re.findall(r'<th data-period="([^"]+)">', content) == [
        "2024Q1",
        "2024Q2",
        "2024Q3",
        "2024Q4",
        "2025Q1",
        "2025Q2",
    ]
    today = timezone.localdate()
    content = client.get(URL, {"period_type": "monthly", "start": str(today.year), "end": str(today.year)}).content
    months = re.findall(r'<th data-period="([^"]+)">', content.decode())
    assert months[0] == f"{today.year}01" and months[-1] == today.strftime("%Y%m")


def test_bad_choices_are_shown_beside_their_field_as_typed(world, client_for):
    client = client_for(world.region_manager)
    content = client.get(URL, {"start": "2025X", "end": "2025"}).content.decode()
    assert 'value="2025X"' in content and "“2025X”" in content
    assert 'id="analysis-table"' not in content
    content = client.get(URL, {"periods": "2025;abc"}).content.decode()
    assert 'value="2025;abc"' in content and "“abc”" in content and 'id="analysis-table"' not in content
    content = client.get(URL, {"period_type": "monthly", "start": "2018", "end": "2025"}).content.decode()
    assert re.search(r'<small class="errorlist">[^<]*\b60\b', content) and 'id="analysis-table"' not in content
    content = client.get(URL, {"start": "2025", "end": "2023"}).content.decode()
    assert 'value="2023"' in content and '<small class="errorlist">' in content
    # A level left from another unit falls back to the new unit's own default.
    content = client.get(URL, {"orgunit": "A2", "level": 2}).content.decode()
    assert rows(content) == ["A2"]


def test_units_outside_the_scope_answer_404(world, client_for):
    assert client_for(world.region_manager).get(URL, {"orgunit": "RB"}).status_code == 404
    assert client_for(world.region_manager).get(EXPORT, {"orgunit": "RB"}).status_code == 404
    assert client_for(world.station_head).get(URL, {"orgunit": "A2"}).status_code == 404


def test_htmx_gets_the_results_with_the_form_only(reported, client_for):
    response = client_for(reported.region_manager).get(
        URL, {**TABLE, "indicator": "DE_TAI_TRAM_PCT"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="analysis-page"
    )
    content = response.content.decode()
    assert "<html" not in content and 'id="analysis-form"' in content and 'id="analysis-table"' in content


def test_a_unit_opens_the_units_below_and_the_unit_above_is_one_click_away(reported, client_for):
    content = client_for(reported.province_admin).get(URL, {**TABLE, "orgunit": "PROV", "level": 2}).content.decode()
    assert rows(content) == codes(reported.region_a, reported.region_b)
    assert "?indicator=DE_TAI_TRAM_PCT&amp;orgunit=RA&amp;level=3&amp;periods=2024%3B2025" in content
    content = client_for(reported.province_admin).get(URL, TABLE).content.decode()
    assert 'id="analysis-up"' in content and "orgunit=PROV&amp;level=2" in content
    # The region manager does not see the province: no way up.
    assert 'id="analysis-up"' not in client_for(reported.region_manager).get(URL, TABLE).content.decode()


def test_units_are_paginated_and_the_query_count_does_not_grow_with_them(reported, client_for):
    client = client_for(reported.region_manager)

    def render():
        with CaptureQueriesContext(connection) as captured:
            content = client.get(URL, TABLE).content.decode()
        return content, len(captured)

    _content, few = render()
    for n in range(60):
        OrgUnitFactory(
            code=f"AP{n:02d}", name=f"Trạm Y tế thôn {n:02d}", kind=OrgUnitKind.STATION, parent=reported.region_a
        )
    content, many = render()
    assert many == few
    assert len(rows(content)) == 50 and "page=2" in content
    page2 = client.get(URL, {**TABLE, "page": 2}).content.decode()
    assert len(rows(page2)) == 12


def test_a_value_saved_shows_on_the_page_at_once(world, client_for):
    client = client_for(world.region_manager)
    params = {"indicator": "DE_TAI_TRAM_PCT", "orgunit": "A2", "level": 3, "periods": "202511"}
    assert cell(client.get(URL, params).content.decode(), "A2", "202511") == "—"
    put(
        world.data_clerk,
        [("DE_TAI_TRAM", world.station_a2, "202511", 3), ("DE_DIA_BAN", world.station_a2, "202511", 4)],
    )
    assert cell(client.get(URL, params).content.decode(), "A2", "202511").startswith("75,0")


def test_the_export_holds_the_header_block_and_every_unit(reported, client_for):
    response = client_for(reported.region_manager).get(EXPORT, TABLE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="chi-so-DE_TAI_TRAM_PCT-RA-2024-2025.xlsx"' in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Bảng chỉ số", "Chi tiết"]
    ws = wb["Bảng chỉ số"]
    block = {row[0]: row[1] for row in ws.iter_rows(min_row=1, max_row=10, max_col=2, values_only=True)}
    assert block["Chỉ số"] == "Tỷ lệ đẻ tại trạm y tế (DE_TAI_TRAM_PCT)"
    assert block["Công thức"] == "Ca đẻ tại trạm [#{DE_TAI_TRAM}] × 100 ÷ Ca đẻ trên địa bàn [#{DE_DIA_BAN}]"
    assert block["Nguồn"].endswith("công thức CHƯA XÁC NHẬN")
    assert block["Đơn vị"] == "Trung tâm Y tế khu vực Hòa An (RA)"
    assert block["Cấp của các dòng"] == "3"
    assert block["Kỳ"] == "2024; 2025"
    assert block["Ngày lập"] == timezone.localdate().strftime("%d/%m/%Y")
    table = list(ws.iter_rows(min_row=12, values_only=True))
    assert table[0] == ("Mã đơn vị", "Tên đơn vị", "Cấp", "2024", "2025")
    assert table[1] == ("A1", "Trạm Y tế xã Nguyễn Huệ", 3, 30.0, 33.3)
    assert table[2] == ("A2", "Trạm Y tế phường Đông Hà", 3, None, 6.3)
    assert ws.cell(row=14, column=5).number_format == "0.0"
    detail = list(wb["Chi tiết"].iter_rows(values_only=True))
    assert detail[0][:6] == ("Mã đơn vị", "Tên đơn vị", "Kỳ", "Giá trị", "Tử số", "Mẫu số")
    a1 = next(r for r in detail if r[0] == "A1" and r[2] == "2025")
    assert a1 == (
        "A1",
        "Trạm Y tế xã Nguyễn Huệ",
        "2025",
        33.3,
        8,
        24,
        40,
        2025,
        "Kế hoạch nâng cao sức khỏe bà mẹ 2021–2030",
        "PROV",
        83.3,
        40,
        2025,
    )


def test_the_export_covers_every_unit_not_only_a_page(reported, client_for):
    for n in range(55):
        OrgUnitFactory(
            code=f"AE{n:02d}", name=f"Trạm Y tế ấp {n:02d}", kind=OrgUnitKind.STATION, parent=reported.region_a
        )
    wb = load_workbook(io.BytesIO(client_for(reported.region_manager).get(EXPORT, TABLE).content))
    assert wb["Bảng chỉ số"].max_row == 12 + 57
    assert len(list(wb["Chi tiết"].iter_rows(min_row=2))) == 57 * 2


def test_a_bad_export_request_answers_400_with_the_form(world, client_for):
    response = client_for(world.region_manager).get(EXPORT, {"periods": "nope"})
    assert response.status_code == 400 and 'value="nope"' in response.content.decode()


def test_dates_in_the_export_header_are_dd_mm_yyyy(reported, client_for, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 3, 5))
    wb = load_workbook(io.BytesIO(client_for(reported.region_manager).get(EXPORT, TABLE).content))
    assert wb["Bảng chỉ số"]["B10"].value == "05/03/2026"
