"""End to end in Debian's headless Chromium, in Vietnamese: the station head enrols a nurse in a regional class by a
diacritic-free search, the regional manager records her pass and completes the class, her record then shows the
certificate and the credit hours, and the needs analysis flags its unconfirmed sources."""

from __future__ import annotations

import datetime
import re

from ytcs.core.testing.browser import MARKS
from ytcs.core.testing.factories import PASSWORD

pytestmark = MARKS


def _log_in(browser, base_url: str, username: str):
    """A fresh session (own cookies) logged in as `username`, on the overview page."""
    from playwright.sync_api import expect

    page = browser.new_context(locale="vi-VN").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    expect(page.locator("h1")).to_contain_text("Tổng quan")
    return page


def _open_class_from_the_training_section(page, code: str) -> None:
    from playwright.sync_api import expect

    page.locator("nav .main-nav").get_by_role("link", name="Đào tạo", exact=True).click()
    page.wait_for_url(re.compile(r"/training/$"))
    page.locator("nav.training-tabs").get_by_role("link", name="Lớp đào tạo", exact=True).click()
    page.wait_for_url(re.compile(r"/training/classes/$"))
    row = page.locator("#class-results tbody tr", has_text=code)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Điện tâm đồ cơ bản").click()
    page.wait_for_url(re.compile(r"/training/classes/\d+/$"))
    expect(page.locator("h1")).to_have_text("Điện tâm đồ cơ bản")


def test_enrol_by_search_record_the_pass_complete_and_see_it_on_the_record(live_server, shipped_catalogues, chromium):
    from django.utils import timezone
    from playwright.sync_api import expect

    from ytcs.core.testing.factories import StaffFactory, TrainingClassFactory, title
    from ytcs.core.testing.personas import build_world
    from ytcs.training.models import ClassStatus, Enrolment, EnrolmentResult

    world = build_world()
    today = timezone.localdate()
    ends_on = today - datetime.timedelta(days=10)
    # Five days: the course's 40 credit hours stay within the 10 a day a record may hold.
    training_class = TrainingClassFactory(
        orgunit=world.region_a, code="ECG-KV-A", starts_on=ends_on - datetime.timedelta(days=4), ends_on=ends_on
    )
    nurse = StaffFactory(full_name="Nguyễn Thu Hà", orgunit=world.station_a1, title=title("dieu-duong"))
    StaffFactory(full_name="Trần Văn Nam", orgunit=world.station_a1, title=title("y-si"))
    StaffFactory(full_name="Nguyễn Thu Hà", orgunit=world.station_b1, title=title("dieu-duong"))  # region B
    base = live_server.url

    # 1. The station head finds the class through the training section and enrols the nurse of their station.
    page = _log_in(chromium, base, "station_head")
    _open_class_from_the_training_section(page, "ECG-KV-A")
    candidates = page.locator("#enrol-candidates #candidate-results tbody tr")
    expect(candidates).to_have_count(2)  # both people of station A1, before any search
    page.get_by_role("searchbox", name="Tìm cán bộ y tế").fill("nguyen thu ha")
    # htmx swaps the matches in after its debounce: only Hà of A1 is left (B1 is another region, out of scope).
    expect(candidates).to_have_count(1)
    expect(candidates.first).to_contain_text("Nguyễn Thu Hà")
    expect(candidates.first).to_contain_text("A1")
    candidates.first.get_by_role("button", name="Ghi danh").click()
    page.wait_for_url(re.compile(r"/training/classes/\d+/#participants$"))
    expect(page.locator(".messages")).to_contain_text("Nguyễn Thu Hà")
    participants = page.locator("#participant-results tbody tr")
    expect(participants).to_have_count(1)
    expect(participants.first).to_contain_text("Nguyễn Thu Hà")
    expect(participants.first).to_contain_text("Trạm Y tế xã Nguyễn Huệ")
    enrolment = Enrolment.objects.get(training_class=training_class)
    assert enrolment.staff_id == nurse.pk and enrolment.result == EnrolmentResult.ENROLLED
    page.context.close()

    # 2. The regional manager records her pass in the results grid and completes the class after its last day.
    page = _log_in(chromium, base, "region_manager")
    _open_class_from_the_training_section(page, "ECG-KV-A")
    row = page.locator("#participant-results tbody tr", has_text="Nguyễn Thu Hà")
    row.locator(f"[name=e{enrolment.pk}-days_attended]").fill("5")
    row.locator(f"select[name=e{enrolment.pk}-result]").select_option(label="Đạt")
    page.locator("#results-form").get_by_role("button", name="Lưu kết quả").click()
    page.wait_for_url(re.compile(r"#participants$"))
    expect(page.locator(".messages")).to_contain_text("Đã lưu kết quả.")
    expect(row.locator(f"select[name=e{enrolment.pk}-result]")).to_have_value("passed")

    page.locator("#complete summary", has_text="Kết thúc lớp").first.click()
    page.fill("#complete_on", ends_on.strftime("%d/%m/%Y"))
    page.locator("#complete form").first.get_by_role("button", name="Kết thúc lớp").click()
    page.wait_for_url(re.compile(r"/training/classes/\d+/$"))
    expect(page.locator("hgroup")).to_contain_text("Đã kết thúc")
    expect(row).to_contain_text("Đạt")
    expect(row).to_contain_text("40 tiết")
    expect(row).to_contain_text("chứng chỉ ECG-KV-A-")
    training_class.refresh_from_db()
    assert training_class.status == ClassStatus.COMPLETED and training_class.completed_on == ends_on

    # 3. Her record (workforce) shows the certificate and the hours; its training section loads by htmx.
    row.get_by_role("link", name="Nguyễn Thu Hà").click()
    page.wait_for_url(re.compile(rf"/workforce/{nurse.pk}/"))
    expect(page.locator("h1")).to_contain_text("Nguyễn Thu Hà")
    certificate = page.locator("#certificates tbody tr")
    expect(certificate).to_have_count(1)
    expect(certificate).to_contain_text("Điện tâm đồ")
    expect(certificate).to_contain_text(f"ECG-KV-A-{enrolment.pk}")
    expect(certificate).to_contain_text(ends_on.strftime("%d/%m/%Y"))
    activity = page.locator("#cme tbody tr")
    expect(activity).to_have_count(1)
    expect(activity).to_contain_text("Điện tâm đồ cơ bản")
    expect(activity.locator("td").nth(4)).to_have_text(re.compile(r"^40([.,]0)?$"))
    expect(page.locator("#cme-standing")).to_contain_text(re.compile(r"\b40([.,]0)?\b.*\b120\b"))
    classes = page.locator("#training #staff-classes tbody tr")
    expect(classes).to_have_count(1)
    expect(classes).to_contain_text("ECG-KV-A")
    expect(classes).to_contain_text("Đạt")
    expect(classes.get_by_role("link", name="chứng chỉ")).to_be_visible()

    # 4. The needs analysis renders, with the unconfirmed legal sources flagged.
    page.locator("nav .main-nav").get_by_role("link", name="Đào tạo", exact=True).click()
    page.wait_for_url(re.compile(r"/training/$"))
    page.locator("nav.training-tabs").get_by_role("link", name="Phân tích nhu cầu", exact=True).click()
    page.wait_for_url(re.compile(r"/training/needs/"))
    expect(page.locator("h1")).to_have_text("Phân tích nhu cầu đào tạo")
    expect(page.locator("#needs-results tbody tr").first).to_be_visible()
    expect(page.locator("#needs-results mark.unconfirmed").first).to_have_text("CHƯA XÁC NHẬN")
    page.context.close()
