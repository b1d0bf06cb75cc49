"""End to end in Debian's headless Chromium, in Vietnamese: the station head opens this month's report of their
station from the data-entry menu, types a value above its usual maximum and sees the flag beside the cell before
saving, types more deliveries at the station than in the commune and sees the broken rule, saves, and finds the
success message and the saved values after a reload.

Assertions on text use the catalogue's own (Vietnamese) names and numbers, which read the same whatever the state
of the translations."""

from __future__ import annotations

import re

from ytcs.core.testing.browser import MARKS
from ytcs.core.testing.factories import PASSWORD

pytestmark = MARKS


def test_the_station_head_enters_this_months_report_with_checks_while_typing(live_server, shipped_catalogues, chromium):
    from django.utils import timezone
    from playwright.sync_api import expect

    from ytcs.core.testing.personas import build_world
    from ytcs.indicators import periods as P
    from ytcs.indicators.models import DataValue

    world = build_world()
    month = P.containing(timezone.localdate(), "monthly")
    base = live_server.url
    form_path = f"/indicators/entry/TYT_THANG/A1/{month.code}/"

    page = chromium.new_context(locale="vi-VN").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "station_head")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")

    # 1. From the menu to the landing page: the monthly report first, the station's own row, then this month.
    page.locator('nav .main-nav a[href="/indicators/entry/"]').click()  # "Nhập số liệu"
    page.wait_for_url(re.compile(r"/indicators/entry/$"))
    expect(page.locator("select[name=data_set]")).to_have_value("TYT_THANG")
    expect(page.locator("#entry-results tbody tr")).to_have_count(1)
    expect(page.locator("#entry-results tbody tr")).to_contain_text("Trạm Y tế xã Nguyễn Huệ")
    page.locator("select[name=period]").select_option(month.code)
    own = page.locator("#entry-own-form")
    expect(own).to_have_attribute("href", form_path)  # htmx swapped in the chosen period
    own.click()
    page.wait_for_url(f"{base}{form_path}")
    expect(page.locator("h1")).to_have_text("Báo cáo hoạt động trạm y tế (hằng tháng)")
    expect(page.locator("#entry-period")).to_have_text(month.label)

    # 2. A value above the usual maximum (60) is flagged beside its cell while typing; nothing is saved yet.
    at_station = page.locator("#v-DE_TAI_TRAM-default")
    at_station.fill("75")
    flag = page.locator("#v-DE_TAI_TRAM-default-flag")
    expect(flag).to_be_visible()
    expect(flag).to_contain_text("0–60")
    expect(at_station).to_have_class(re.compile(r"\bentry-unusual\b"))
    # A letter is flagged as not a number, and the flag goes once it is corrected.
    births = page.locator("#v-SINH_SONG-NAM")
    births.fill("1o")
    expect(page.locator("#v-SINH_SONG-NAM-flag")).to_be_visible()
    expect(births).to_have_class(re.compile(r"\bentry-invalid\b"))
    births.fill("10")
    expect(page.locator("#v-SINH_SONG-NAM-flag")).to_be_hidden()
    page.locator("#v-SINH_SONG-NU").fill("9")
    expect(page.locator("#total-SINH_SONG")).to_have_text("19")
    assert DataValue.objects.count() == 0

    # 3. More deliveries at the station than in the commune: the rule is shown while typing (htmx).
    page.locator("#v-DE_DIA_BAN-default").fill("10")
    rule = page.locator('#rule-results li[data-rule="DE_TRAM_LE_DIA_BAN"]')
    expect(rule).to_be_visible()
    expect(rule).to_contain_text("Đẻ tại trạm không vượt tổng số đẻ trên địa bàn")
    expect(rule).to_contain_text("75 ≤ 10")
    assert DataValue.objects.count() == 0

    # 4. Saving keeps the values (a broken rule warns, never refuses) and says what it warned about.
    page.locator("#entry-save").click()
    page.wait_for_url(f"{base}{form_path}")
    expect(page.locator(".messages .msg-success")).to_be_visible()
    expect(page.locator(".messages .msg-warning").first).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("0–60")
    expect(page.locator(".messages")).to_contain_text("Đẻ tại trạm không vượt tổng số đẻ trên địa bàn")

    # 5. After a reload the saved values are in the form; the database holds them.
    page.reload()
    expect(page.locator("#v-DE_TAI_TRAM-default")).to_have_value("75")
    expect(page.locator("#v-DE_DIA_BAN-default")).to_have_value("10")
    expect(page.locator("#total-SINH_SONG")).to_have_text("19")
    expect(page.locator(".messages")).to_have_count(0)
    saved = DataValue.objects.filter(orgunit=world.station_a1, period=month.code)
    assert sorted(saved.values_list("data_element__code", "category_option_combo__code", "value")) == [
        ("DE_DIA_BAN", "default", 10),
        ("DE_TAI_TRAM", "default", 75),
        ("SINH_SONG", "NAM", 10),
        ("SINH_SONG", "NU", 9),
    ]
    page.context.close()
