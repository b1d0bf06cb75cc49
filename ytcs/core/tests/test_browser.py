"""End to end in Debian's headless Chromium: log in, open the unit tree, search without diacritics."""

from __future__ import annotations

import pytest

from ytcs.core.testing.browser import MARKS
from ytcs.core.testing.factories import PASSWORD

pytestmark = MARKS


@pytest.fixture
def browser_page(chromium):
    page = chromium.new_page(locale="vi-VN")
    page.set_default_timeout(15_000)
    yield page


def test_a_user_logs_in_opens_the_unit_tree_and_finds_stations_without_diacritics(
    live_server, transactional_db, browser_page
):
    from ytcs.core.testing.personas import build_world

    build_world()
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "Đăng nhập YTCS"
    page.fill("#id_username", "region_manager")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "Tổng quan" in page.locator("h1").inner_text()

    page.click("nav >> text=Đơn vị")
    page.wait_for_selector("#unit-results")
    page.fill("#id_q", "tram y te")
    # htmx swaps the table in place after the debounce; wait for the filtered rows.
    page.wait_for_function("() => new URL(location.href).searchParams.get('q') === 'tram y te'")
    rows = page.locator("#unit-results tbody tr")
    texts = rows.all_inner_texts()
    assert any("Trạm Y tế xã Nguyễn Huệ" in t for t in texts)
    assert any("Trạm Y tế phường Đông Hà" in t for t in texts)
    assert not any("Bình Minh" in t for t in texts)  # region B is out of scope
    assert not any("Điểm trạm" in t for t in texts)

    page.click("text=Trạm Y tế xã Nguyễn Huệ")
    page.wait_for_selector("#history")
    assert "Trung tâm Y tế khu vực Hòa An" in page.locator(".breadcrumbs").inner_text()
