"""The indicator dashboards per persona: the province (regions below), a region (stations below), a station
(monthly values). Figures of the test world are those of test_analytics_api (DE_TAI_TRAM_PCT), seen in 2026:

    RA: 2023 20.0, 2024 30.0, 2025 9/40 = 22.5; target 2025 40 (for each unit below PROV) → 56.25 → 56.3 %;
        slope (−1 × (20 − 24.17) + 1 × (22.5 − 24.17)) / 2 = 1.25 a year; projected to 2030: 22.5 + 1.25 × 5 =
        28.75 → 28.8 against 60: at risk.
    A1: 33.3 in 2025, projected 66.6 against its own 50 in 2030: on track.  A2: 6.3, projected 6.3 against 60: at
    risk.  B1: 80.0, projected 80.0 against 60: on track.  PROV 2025: 13/45 = 28.9.
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ytcs.core.testing.factories import OrgUnitFactory
from ytcs.indicators import dashboards
from ytcs.indicators.models import Indicator
from ytcs.indicators.tests.helpers import put
from ytcs.indicators.tests.test_analytics_api import codes, deliveries_plan, report_deliveries, tree
from ytcs.orgunits.models import OrgUnitKind

pytestmark = pytest.mark.django_db

URL = "/indicators/"
UNIT_URL = "/indicators/dashboard/"


@pytest.fixture
def reported(world):
    report_deliveries(world)
    deliveries_plan(world)
    return world


def card(content: str, code: str) -> str:
    found = re.search(rf'<article class="kpi-card[^"]*" id="card-{code}".*?</article>', content, re.S)
    assert found, f"no card {code}"
    return found.group(0)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def chart(content: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', content, re.S)
    assert found, element_id
    return json.loads(found.group(1))


def test_the_region_manager_sees_the_region_its_stations_and_those_at_risk(reported, client_for):
    response = client_for(reported.region_manager).get(URL, {"year": 2026})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Trung tâm Y tế khu vực Hòa An" in re.search(r"<h1>.*?</h1>", content, re.S).group(0)
    assert re.findall(r'id="card-([A-Z0-9_]+)"', content) == list(dashboards.KEY_INDICATORS)
    deliveries = card(content, "DE_TAI_TRAM_PCT")
    assert "kpi-card at-risk" in deliveries
    assert re.search(r'class="value">22,5</a>', deliveries) and "(2025)" in deliveries
    facts = text(re.search(r'<dl class="kpi-facts">.*?</dl>', deliveries, re.S).group(0))
    assert "2025" in facts and "40" in facts and "56,3%" in facts
    assert "2030" in facts and "28,8 / 60" in facts
    assert 'class="trend trend-up good"' in deliveries
    assert "CHƯA XÁC NHẬN" in deliveries
    # Its chart: values, targets and the projection from 2025 to the next target's year.
    trend = chart(content, "trend-DE_TAI_TRAM_PCT")
    assert trend["type"] == "line" and trend["labels"] == [str(y) for y in range(2022, 2031)]
    sets = {d["role"]: d["data"] for d in trend["datasets"]}
    assert sets["value"] == [None, 20.0, 30.0, 22.5, None, None, None, None, None]
    assert sets["target"] == [None, None, None, 40.0, None, None, None, None, 60.0]
    assert sets["projection"] == [None, None, None, 22.5, None, None, None, None, 28.8]
    # The stations below (never the satellite point), their bars against their targets, and who is at risk.
    stations = tree(reported.station_a1, reported.station_a2)
    table = content.split('id="children-table"')[1].split("</table>")[0]
    assert re.findall(r'<tr data-unit="([^"]+)">', table) == [s.code for s in stations]
    bars = chart(content, "children-DE_TAI_TRAM_PCT")
    assert bars["type"] == "bar" and bars["labels"] == [s.name for s in stations]
    latest = {"A1": 33.3, "A2": 6.3}
    assert [d["data"] for d in bars["datasets"]] == [[latest[s.code] for s in stations], [40.0, 40.0]]
    risks = re.findall(r'<tr data-indicator="([^"]+)" data-unit="([^"]+)">', content)
    assert ("DE_TAI_TRAM_PCT", "A2") in risks and ("DE_TAI_TRAM_PCT", "A1") not in risks
    # The switcher offers the region and its stations only.
    switcher = re.search(r'<select name="unit" id="dashboard-unit">(.*?)</select>', content, re.S).group(1)
    assert re.findall(r'<option value="([^"]+)"', switcher) == ["RA", *[s.code for s in stations]]


def test_the_province_sees_its_regions(reported, client_for):
    content = client_for(reported.province_admin).get(URL, {"year": 2026}).content.decode()
    assert re.search(r'class="value">28,9</a>', card(content, "DE_TAI_TRAM_PCT"))
    table = content.split('id="children-table"')[1].split("</table>")[0]
    assert re.findall(r'<tr data-unit="([^"]+)">', table) == codes(reported.region_a, reported.region_b)
    risks = re.findall(r'<tr data-indicator="([^"]+)" data-unit="([^"]+)">', content)
    assert ("DE_TAI_TRAM_PCT", "RA") in risks and ("DE_TAI_TRAM_PCT", "RB") not in risks
    switcher = re.search(r'<select name="unit" id="dashboard-unit">(.*?)</select>', content, re.S).group(1)
    assert re.findall(r'<option value="([^"]+)"', switcher) == ["PROV", *codes(reported.region_a, reported.region_b)]
    # A region's row opens its dashboard; a value opens the analysis of that unit.
    assert f'href="{UNIT_URL}?unit=RA&amp;year=2026"' in table
    assert "?indicator=DE_TAI_TRAM_PCT&amp;orgunit=RB&amp;level=2&amp;period_type=yearly" in table


def test_the_station_head_sees_the_station_month_by_month(reported, client_for):
    content = client_for(reported.station_head).get(URL, {"year": 2025}).content.decode()
    assert 'id="children"' not in content and 'id="at-risk"' not in content
    assert re.search(r'class="value">33,3</a>', card(content, "DE_TAI_TRAM_PCT"))
    # Monthly charts for indicators reported monthly only (the vaccination rate's denominator is yearly).
    assert set(re.findall(r'data-chart="monthly-([A-Z0-9_]+)"', content)) == {"DE_TAI_TRAM_PCT", "TV_DUOI1"}
    monthly = chart(content, "monthly-DE_TAI_TRAM_PCT")
    assert monthly["labels"] == [f"{m:02d}/2025" for m in range(1, 13)]
    sets = {d["role"]: d["data"] for d in monthly["datasets"]}
    assert sets["value"][:3] == [30.0, 35.7, None]  # 3/10, 5/14
    assert sets["target"] == [40.0] * 12
    assert "?indicator=DE_TAI_TRAM_PCT&amp;orgunit=A1&amp;level=3&amp;period_type=monthly&amp;start=202501" in content


def test_a_unit_out_of_scope_answers_404_and_a_bad_year_falls_back(reported, client_for):
    assert client_for(reported.region_manager).get(UNIT_URL, {"unit": "B1"}).status_code == 404
    assert client_for(reported.station_head).get(UNIT_URL, {"unit": "RA"}).status_code == 404
    content = client_for(reported.station_head).get(UNIT_URL, {"unit": "A1", "year": 1900}).content.decode()
    year = timezone.localdate().year
    assert f'<option value="{year}" selected>' in content and 'class="errorlist"' in content


def test_a_value_saved_shows_on_the_dashboard_at_once(world, client_for):
    year = timezone.localdate().year
    client = client_for(world.region_manager)
    before = card(client.get(UNIT_URL, {"unit": "A2"}).content.decode(), "DE_TAI_TRAM_PCT")
    assert '<span class="value">—</span>' in before
    put(
        world.data_clerk,
        [("DE_TAI_TRAM", world.station_a2, f"{year}01", 1), ("DE_DIA_BAN", world.station_a2, f"{year}01", 4)],
    )
    after = card(client.get(UNIT_URL, {"unit": "A2"}).content.decode(), "DE_TAI_TRAM_PCT")
    assert re.search(r'class="value">25,0</a>', after) and f"({year})" in after


def test_the_query_count_does_not_grow_with_the_units_below(reported):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            board = dashboards.build(user=reported.province_admin, root=reported.region_a, year=2026)
        return len(captured), board

    queries()  # the viewer's roles are read once, then cached on the user
    few, board = queries()
    assert len(board.children) == 2
    for n in range(6):
        station = OrgUnitFactory(
            code=f"AD{n}", name=f"Trạm Y tế xã Mới {n}", kind=OrgUnitKind.STATION, parent=reported.region_a
        )
        put(reported.province_admin, [("DE_TAI_TRAM", station, "202501", 1), ("DE_DIA_BAN", station, "202501", 2)])
    many, board = queries()
    assert len(board.children) == 8
    assert many == few
    # The engine's reads for two levels of each key indicator, its targets (one query), the units (a few).
    assert few <= 20 * len(dashboards.KEY_INDICATORS)


def test_the_page_query_count_is_bounded(reported, client_for, django_assert_max_num_queries):
    client = client_for(reported.province_admin)
    with django_assert_max_num_queries(20 * len(dashboards.KEY_INDICATORS) + 15):
        assert client.get(URL, {"year": 2026}).status_code == 200


def test_a_retired_key_indicator_is_left_out(world):
    Indicator.objects.filter(code="BHYT_PCT").update(is_active=False)
    board = dashboards.build(user=world.station_head, root=world.station_a1, year=2025)
    assert [c.indicator.code for c in board.cards] == [c for c in dashboards.KEY_INDICATORS if c != "BHYT_PCT"]


def test_a_card_links_to_the_analysis_of_the_same_figures(reported, client_for):
    client = client_for(reported.region_manager)
    content = client.get(URL, {"year": 2026}).content.decode()
    link = re.search(r'<a href="(/indicators/analysis/\?[^"]+)" class="kpi-name">', card(content, "DE_TAI_TRAM_PCT"))
    analysis = client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert '<option value="DE_TAI_TRAM_PCT" selected>' in analysis
    assert re.findall(r'<tr data-unit="([^"]+)">', analysis) == ["RA"]
    assert re.findall(r'<th data-period="(\d+)">', analysis) == ["2022", "2023", "2024", "2025", "2026"]


def test_a_user_without_a_role_sees_no_unit_but_no_error(world, client_for):
    from ytcs.core.testing.factories import UserFactory

    client = client_for(UserFactory(username="nobody"))
    for url in (URL, "/indicators/analysis/"):
        response = client.get(url)
        assert response.status_code == 200
        assert 'id="cards"' not in response.content.decode() and 'id="analysis-table"' not in response.content.decode()
    assert client.get(UNIT_URL, {"unit": "A1"}).status_code == 404
