"""End to end in Debian's headless Chromium, in Vietnamese: the regional manager records a supervision visit to
station A1, records it as carried out and issues a directive from it; the station head is told by the bell, finds the
directive, cannot accept it, starts it, is refused "done" without evidence and reports it done with a note; the
regional manager accepts it. And the province admin's board of open directives, whose figures open the list.

Fields are found by their Vietnamese labels and buttons by their names, as a user finds them."""

from __future__ import annotations

import datetime
import re

from ytcs.core.testing.browser import MARKS
from ytcs.core.testing.factories import PASSWORD

pytestmark = MARKS

STATION = "Trạm Y tế xã Nguyễn Huệ"
REGION = "Trung tâm Y tế khu vực Hòa An"


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


def _field(scope, label: str):
    """The form field labelled `label`, with the suffix ":" Django adds to a <label>."""
    return scope.get_by_label(f"{label}:", exact=True)


def _bell(page):
    """The header's notification bell, whose unread count htmx fetches once the page has loaded."""
    return page.locator("nav .main-nav").get_by_role("link", name=re.compile("🔔"))


def _open_supervision(page, tab: str) -> None:
    page.locator("nav .main-nav").get_by_role("link", name="Giám sát", exact=True).click()
    page.wait_for_url(re.compile(r"/supervision/$"))
    page.get_by_role("navigation", name="Giám sát").get_by_role("link", name=tab, exact=True).click()


def test_a_directive_from_a_visit_is_started_reported_done_with_evidence_and_accepted(
    live_server, shipped_catalogues, chromium
):
    from django.utils import timezone
    from django.utils.translation import gettext, override
    from playwright.sync_api import expect

    from ytcs.core.testing.personas import build_world
    from ytcs.supervision.models import (
        Directive,
        DirectiveCategory,
        DirectiveStatus,
        DirectiveUpdate,
        Visit,
        VisitStatus,
    )

    world = build_world()
    today = timezone.localdate()
    visited_on = today - datetime.timedelta(days=2)
    due_on = today + datetime.timedelta(days=30)
    base = live_server.url
    visit_title = "Giám sát trạm y tế xã Nguyễn Huệ quý III"
    title = "Sắp xếp kho thuốc và phòng khám theo 5S"
    evidence_asked = "Ảnh kho thuốc sau khi sắp xếp"
    done_note = "Đã sắp xếp lại kho thuốc, dán nhãn kệ; ảnh lưu tại trạm."
    # The visit's title had the label of a person's job title ("Chức danh"); its own message reads from the
    # catalogue, so this test follows it whether or not its Vietnamese entry has been merged yet.
    with override("vi"):
        visit_title_label = gettext("Title of the visit")

    # 1. The regional manager records a planned visit to A1: no directive can be issued from it yet.
    manager = _log_in(chromium, base, "region_manager")
    _open_supervision(manager, "Chuyến giám sát")
    manager.wait_for_url(re.compile(r"/supervision/visits/$"))
    manager.get_by_role("button", name="Ghi nhận chuyến giám sát", exact=True).click()
    manager.wait_for_url(re.compile(r"/supervision/visits/new/$"))
    expect(manager.get_by_role("heading", level=1)).to_have_text("Ghi nhận chuyến giám sát")
    _field(manager, "Đơn vị chủ trì").select_option(label=f"{REGION} (RA)")
    _field(manager, "Loại hình").select_option(label="Giám sát")
    expect(_field(manager, "Trạng thái").locator("option:checked")).to_have_text("Dự kiến")
    _field(manager, visit_title_label).fill(visit_title)
    _field(manager, "Ngày").fill(visited_on.strftime("%d/%m/%Y"))
    _field(manager, "Đơn vị được giám sát").select_option(label=f"{STATION} (A1)")
    _field(manager, "Kết quả giám sát").fill("Kho thuốc chưa sắp xếp theo 5S; sổ sách đầy đủ.")
    manager.get_by_role("button", name="Lưu", exact=True).click()
    manager.wait_for_url(re.compile(r"/supervision/visits/\d+/$"))
    visit_url = manager.url
    expect(manager.locator(".messages .msg-success")).to_have_text("Đã ghi nhận chuyến giám sát.")
    expect(manager.get_by_role("heading", level=1)).to_have_text(visit_title)
    expect(manager.locator("#visit-status")).to_have_text("Dự kiến")
    expect(manager.locator("hgroup")).to_contain_text(visited_on.strftime("%d/%m/%Y"))
    expect(manager.locator("#units-visited")).to_contain_text(STATION)
    expect(
        manager.get_by_text("Chỉ giao yêu cầu sau khi chuyến giám sát được ghi nhận là đã thực hiện.")
    ).to_be_visible()
    expect(manager.get_by_text("Thêm yêu cầu", exact=True)).to_have_count(0)

    # 2. Recorded as carried out through the edit form, which holds what was recorded.
    manager.get_by_role("button", name="Sửa", exact=True).click()
    manager.wait_for_url(re.compile(r"/supervision/visits/\d+/edit/$"))
    expect(_field(manager, visit_title_label)).to_have_value(visit_title)
    expect(_field(manager, "Ngày")).to_have_value(visited_on.strftime("%d/%m/%Y"))
    expect(_field(manager, "Đơn vị được giám sát").locator("option:checked")).to_have_text([f"{STATION} (A1)"])
    _field(manager, "Trạng thái").select_option(label="Đã thực hiện")
    manager.get_by_role("button", name="Lưu", exact=True).click()
    manager.wait_for_url(visit_url)
    expect(manager.locator(".messages .msg-success")).to_have_text("Đã lưu thay đổi của chuyến giám sát.")
    expect(manager.locator("#visit-status")).to_have_text("Đã thực hiện")
    expect(manager.locator("#findings")).to_contain_text("Kho thuốc chưa sắp xếp theo 5S")

    # 3. A directive from the visit to A1: apply 5S within 30 days, with the evidence asked for.
    manager.get_by_text("Thêm yêu cầu", exact=True).click()
    form = manager.locator("#directive-form")
    _field(form, "Đơn vị thực hiện").select_option(label=f"{STATION} (A1)")
    _field(form, "Nhóm yêu cầu").select_option(label="Áp dụng 5S")
    _field(form, "Nội dung yêu cầu").fill(title)
    _field(form, "Hạn hoàn thành").fill(due_on.strftime("%d/%m/%Y"))
    _field(form, "Minh chứng hoàn thành").fill(evidence_asked)
    form.get_by_role("button", name="Giao yêu cầu", exact=True).click()
    manager.wait_for_url(visit_url)
    expect(manager.locator(".messages .msg-success")).to_have_text(f"Đã giao yêu cầu cho {STATION}.")
    issued = manager.locator("#directives #directive-results tbody tr")
    expect(issued).to_have_count(1)
    expect(issued).to_contain_text(title)
    expect(issued).to_contain_text(due_on.strftime("%d/%m/%Y"))
    expect(issued).to_contain_text("Chưa bắt đầu")

    # 4. The station head: one unread notification on the bell, the directive among those to their units.
    head = _log_in(chromium, base, "station_head")
    expect(_bell(head)).to_have_text("🔔 1")
    head.locator("nav .main-nav").get_by_role("link", name="Giám sát", exact=True).click()
    head.wait_for_url(re.compile(r"/supervision/$"))
    # A filter's <label> wraps its select, so the select's name ends with the option shown.
    head.get_by_role("combobox", name=re.compile(r"^Xem\b")).select_option(label="Giao cho đơn vị của tôi")
    head.wait_for_url(re.compile(r"/supervision/\?.*box=mine"))
    rows = head.locator("#directive-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(REGION)
    rows.get_by_role("link", name=title).click()
    head.wait_for_url(re.compile(r"/supervision/directives/\d+/$"))
    directive_url = head.url
    expect(head.get_by_role("heading", level=1)).to_have_text(title)
    expect(head.locator("#directive-status")).to_contain_text("Chưa bắt đầu")
    expect(head.locator("#actions")).to_contain_text(evidence_asked)
    # The responsible unit never accepts its own work, nor corrects what it was given.
    expect(head.get_by_role("button", name="Nghiệm thu")).to_have_count(0)
    expect(head.get_by_role("button", name="Chỉnh sửa")).to_have_count(0)

    # 5. Started: in progress.
    progress = head.locator("#progress-form")
    _field(progress, "Trạng thái mới").select_option(label="Đang thực hiện")
    progress.get_by_role("button", name="Ghi nhận", exact=True).click()
    head.wait_for_url(directive_url)
    expect(head.locator(".messages .msg-success")).to_have_text("Đã ghi nhận tiến độ.")
    expect(head.locator("#directive-status")).to_contain_text("Đang thực hiện")

    # 6. Done without evidence is refused: the reason under the note, the chosen status kept, nothing saved.
    progress = head.locator("#progress-form")
    status = _field(progress, "Trạng thái mới")
    status.select_option(label="Đã hoàn thành, chờ nghiệm thu")
    progress.get_by_role("button", name="Ghi nhận", exact=True).click()
    head.wait_for_load_state()
    refusal = "Hãy nêu việc đã làm hoặc đính kèm minh chứng trước khi báo cáo hoàn thành."
    note = _field(head.locator("#progress-form"), "Ghi chú")
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(note).to_have_accessible_description(refusal)
    expect(head.get_by_text(refusal)).to_be_visible()
    expect(head.locator(".messages")).to_have_count(0)
    expect(_field(head.locator("#progress-form"), "Trạng thái mới").locator("option:checked")).to_have_text(
        "Đã hoàn thành, chờ nghiệm thu"
    )
    expect(head.locator("#directive-status")).to_contain_text("Đang thực hiện")
    assert Directive.objects.get().status == DirectiveStatus.IN_PROGRESS

    # 7. Done with a note saying what was done: it now waits for the issuing level.
    note.fill(done_note)
    head.locator("#progress-form").get_by_role("button", name="Ghi nhận", exact=True).click()
    head.wait_for_url(directive_url)
    expect(head.locator(".messages .msg-success")).to_have_text("Đã ghi nhận tiến độ.")
    expect(head.locator("#directive-status")).to_contain_text("Đã hoàn thành, chờ nghiệm thu")
    expect(head.locator("#progress-form")).to_have_count(0)
    expect(head.get_by_role("button", name="Nghiệm thu")).to_have_count(0)
    head.context.close()

    # 8. The regional manager is told; from the notification to the directive, and accepts it.
    manager.goto(f"{base}/")
    expect(_bell(manager)).to_have_text("🔔 1")
    _bell(manager).click()
    manager.wait_for_url(re.compile(r"/supervision/notifications/$"))
    notice = manager.locator("#notification-results tbody tr")
    expect(notice).to_have_count(1)
    notice.get_by_role("button", name="Xem", exact=True).click()
    manager.wait_for_url(directive_url)
    review = manager.locator("#review-form")
    expect(review.get_by_role("heading")).to_have_text("Nghiệm thu")
    _field(review, "Ghi chú").fill("Đạt yêu cầu.")
    review.get_by_role("button", name="Nghiệm thu", exact=True).click()
    manager.wait_for_url(directive_url)
    expect(manager.locator(".messages .msg-success")).to_have_text("Đã nghiệm thu yêu cầu.")
    expect(manager.locator("#directive-status")).to_have_text("Đã nghiệm thu")
    expect(manager.locator("#review-form")).to_have_count(0)
    expect(_bell(manager)).to_have_text("🔔")
    steps = manager.locator("#updates li")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("Chưa bắt đầu → Đang thực hiện")
    expect(steps.nth(1)).to_contain_text("Đang thực hiện → Đã hoàn thành, chờ nghiệm thu")
    expect(steps.nth(1).locator("q")).to_have_text(done_note)
    expect(steps.nth(2)).to_contain_text("Đã hoàn thành, chờ nghiệm thu → Đã nghiệm thu")
    expect(steps.nth(2)).to_contain_text(world.region_manager.full_name)
    expect(steps.nth(2).locator("q")).to_have_text("Đạt yêu cầu.")
    manager.context.close()

    visit = Visit.objects.get()
    assert (visit.orgunit_id, visit.status, visit.visited_on, visit.title) == (
        world.region_a.pk,
        VisitStatus.DONE,
        visited_on,
        visit_title,
    )
    assert list(visit.visited.values_list("orgunit_id", flat=True)) == [world.station_a1.pk]
    directive = Directive.objects.get()
    assert (directive.visit_id, directive.issuer_unit_id, directive.orgunit_id, directive.issued_by_id) == (
        visit.pk,
        world.region_a.pk,
        world.station_a1.pk,
        world.region_manager.pk,
    )
    assert (directive.title, directive.category, directive.due_on, directive.evidence_required) == (
        title,
        DirectiveCategory.FIVE_S,
        due_on,
        evidence_asked,
    )
    assert (directive.status, directive.accepted_by_id) == (DirectiveStatus.ACCEPTED, world.region_manager.pk)
    assert directive.accepted_at is not None
    S = DirectiveStatus
    assert list(
        DirectiveUpdate.objects.filter(directive=directive)
        .order_by("at", "pk")
        .values_list("from_status", "to_status", "by_id", "note", "evidence")
    ) == [
        (S.OPEN, S.IN_PROGRESS, world.station_head.pk, "", ""),
        (S.IN_PROGRESS, S.DONE, world.station_head.pk, done_note, ""),
        (S.DONE, S.ACCEPTED, world.region_manager.pk, "Đạt yêu cầu.", ""),
    ]


def test_the_province_board_counts_open_directives_by_region_and_opens_the_list(
    live_server, shipped_catalogues, chromium
):
    from django.utils import timezone
    from playwright.sync_api import expect

    from ytcs.core.testing.personas import build_world
    from ytcs.supervision import services

    world = build_world()
    today = timezone.localdate()
    base = live_server.url
    meeting = "Hội nghị giao ban quý III"

    def issue(user, issuer, unit, title, issued_days_ago, due_in_days):
        services.directive_issue(
            user=user,
            issuer_unit=issuer,
            source_text=meeting,
            orgunit=unit,
            title=title,
            issued_on=today - datetime.timedelta(days=issued_days_ago),
            due_on=today + datetime.timedelta(days=due_in_days),
            evidence_required="Biên bản kiểm tra",
        )

    issue(world.region_manager, world.region_a, world.station_a1, "Rà soát quy trình tiêm chủng", 45, -15)
    issue(world.region_manager, world.region_a, world.station_a2, "Hoàn thiện bệnh án điện tử", 3, 30)
    issue(world.outsider, world.region_b, world.station_b1, "Lập kế hoạch đào tạo", 5, 25)

    # 1. The board under the province: one row per region, by age since issue.
    page = _log_in(chromium, base, "province_admin")
    _open_supervision(page, "Bảng theo dõi yêu cầu chưa hoàn thành")
    page.wait_for_url(re.compile(r"/supervision/board/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bảng theo dõi yêu cầu chưa hoàn thành")
    region_a = page.locator("#board tbody tr", has_text=REGION)
    expect(region_a.locator("td")).to_have_text([re.compile(REGION), "1", "1", "0", "1", "0", "2"])
    expect(page.locator("#board tbody tr", has_text="Trung tâm Y tế khu vực Bình Sơn").locator("td").last).to_have_text(
        "1"
    )
    expect(page.locator("#board tfoot th").last).to_have_text("3")

    # 2. Region A's 31–90 days figure opens the list filtered to it: the one directive to A1, overdue.
    region_a.locator("td").nth(2).get_by_role("link", name="1", exact=True).click()
    page.wait_for_url(re.compile(r"/supervision/\?orgunit=RA&age=31-90$"))
    expect(page.get_by_role("combobox", name=re.compile(r"^Thời gian kể từ khi giao"))).to_have_value("31-90")
    rows = page.locator("#directive-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Rà soát quy trình tiêm chủng")
    expect(rows).to_contain_text(STATION)
    expect(rows).to_contain_text("quá hạn")

    # 3. Back on the board, the region's total opens all its unclosed directives, none of region B's.
    page.go_back()
    page.wait_for_url(re.compile(r"/supervision/board/$"))
    region_a.locator("td").last.get_by_role("link", name="2", exact=True).click()
    page.wait_for_url(re.compile(r"/supervision/\?orgunit=RA&unclosed=on$"))
    expect(page.get_by_label("Chưa nghiệm thu", exact=True)).to_be_checked()
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Rà soát quy trình tiêm chủng")).to_have_count(1)
    expect(rows.filter(has_text="Hoàn thiện bệnh án điện tử")).to_have_count(1)
    expect(page.get_by_text("Lập kế hoạch đào tạo")).to_have_count(0)
    page.context.close()
