"""End to end in Debian's headless Chromium, in Vietnamese: the regional manager opens the indicators from the menu,
the dashboard draws its charts with the vendored Chart.js, the chart of the units below switches indicator, a card
opens the analysis page, and choosing another indicator there redraws the table and the chart in place (htmx)."""

from __future__ import annotations

import re

from ytcs.core.testing.browser import MARKS
from ytcs.core.testing.factories import PASSWORD

pytestmark = MARKS

CHART_OF = (
    "(selector) => { const c = document.querySelector(selector); return !!(c && window.Chart && Chart.getChart(c)); }"
)


def _log_in(browser, base_url: str, username: str):
    page = browser.new_context(locale="vi-VN").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page


def _canvas_size(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box["width"], box["height"]


def test_the_dashboard_draws_its_charts_and_the_analysis_follows_the_chosen_indicator(
    live_server, shipped_catalogues, chromium
):
    from playwright.sync_api import expect

    from ytcs.core.testing.personas import build_world
    from ytcs.indicators.tests.test_analytics_api import deliveries_plan, report_deliveries, tree

    world = build_world()
    report_deliveries(world)
    deliveries_plan(world)
    base = live_server.url

    page = _log_in(chromium, base, "region_manager")
    page.locator('nav .main-nav a[href="/indicators/"]').click()
    page.wait_for_url(re.compile(r"/indicators/$"))
    expect(page.locator("h1")).to_contain_text("Trung tâm Y tế khu vực Hòa An")

    # A card's chart is a Chart.js instance on a canvas with a real size.
    card = page.locator("#card-DE_TAI_TRAM_PCT")
    expect(card.locator("mark.unconfirmed")).to_have_text("CHƯA XÁC NHẬN")
    trend = 'canvas[data-chart="trend-DE_TAI_TRAM_PCT"]'
    page.wait_for_function(CHART_OF, arg=trend)
    width, height = _canvas_size(page, trend)
    assert width > 100 and height > 50
    datasets = page.evaluate("(s) => Chart.getChart(document.querySelector(s)).data.datasets.map(d => d.label)", trend)
    assert len(datasets) == 3  # value, target, projection

    # The units below: bars by station; another indicator redraws the same canvas with its own data.
    page.wait_for_function(CHART_OF, arg="#children-chart")
    labels = page.evaluate("() => Chart.getChart(document.querySelector('#children-chart')).data.labels")
    stations = tree(world.station_a1, world.station_a2)
    assert labels == [s.name for s in stations]
    page.select_option("#children-indicator", "children-DE_TAI_TRAM_PCT")
    page.wait_for_function(
        "() => Chart.getChart(document.querySelector('#children-chart')).$ytcsSource === 'children-DE_TAI_TRAM_PCT'"
    )
    values = page.evaluate("() => Chart.getChart(document.querySelector('#children-chart')).data.datasets[0].data")
    assert values == [{"A1": 33.3, "A2": 6.3}[s.code] for s in stations]
    expect(page.locator("#at-risk-table tr[data-unit=A2][data-indicator=DE_TAI_TRAM_PCT]")).to_have_count(1)

    # The card opens the analysis of the same figures.
    card.locator("a.kpi-name").click()
    page.wait_for_url(re.compile(r"/indicators/analysis/\?indicator=DE_TAI_TRAM_PCT"))
    table = page.locator("#analysis-table")
    expect(table).to_have_attribute("data-indicator", "DE_TAI_TRAM_PCT")
    expect(table.locator('tr[data-unit=RA] td[data-period="2025"] .value')).to_have_text("22,5")
    page.wait_for_function(CHART_OF, arg="#analysis-chart")

    # Choosing another indicator swaps the results in place and draws the new chart.
    page.select_option("#id_indicator", "TIEM_DU_PCT")
    expect(table).to_have_attribute("data-indicator", "TIEM_DU_PCT")
    expect(page.locator("#analysis-indicator h2")).to_contain_text("Tỷ lệ trẻ dưới 1 tuổi được tiêm chủng đầy đủ")
    expect(table.locator('tr[data-unit=RA] td[data-period="2025"] .value')).to_have_text("—")
    page.wait_for_function(CHART_OF, arg="#analysis-chart")
    title = page.evaluate("() => Chart.getChart(document.querySelector('#analysis-chart')).data.datasets[0].label")
    assert title == "Trung tâm Y tế khu vực Hòa An"
    assert "indicator=TIEM_DU_PCT" in page.url
    page.context.close()
