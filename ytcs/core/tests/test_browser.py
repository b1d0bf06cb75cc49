"""End to end in Debian's headless Chromium: log in, open the unit tree, search without diacritics."""

from __future__ import annotations

import os
import shutil

import pytest

from ytcs.core.testing.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("YTCS_SKIP_BROWSER") == "1", reason="YTCS_SKIP_BROWSER=1"),
]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is needed: apt-get install -y chromium (make test does it)"
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="vi-VN")
        page.set_default_timeout(15_000)
        yield page
        browser.close()


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
