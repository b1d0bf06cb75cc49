"""End to end in Debian's headless Chromium, in Vietnamese: the station head receives a batch of medicine into their
station's stock, is refused an issue above the balance (the reason under the quantity, what they typed kept) and
then issues what the batch holds; and the station head's investment proposal for an ultrasound machine goes to the
regional manager, comes back with a comment, is edited and submitted again.

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
    """The form field labelled `label`, with the suffix ":" Django adds to a <label> (the proposal's line inputs,
    named after their column headers, have none)."""
    return scope.get_by_label(f"{label}:", exact=True)


def _open_assets(page) -> None:
    page.locator("nav .main-nav").get_by_role("link", name="Trang thiết bị và thuốc", exact=True).click()
    page.wait_for_url(re.compile(r"/assets/$"))


def test_receive_a_batch_be_refused_an_issue_above_the_balance_then_issue(live_server, shipped_catalogues, chromium):
    from django.utils import timezone
    from playwright.sync_api import expect

    from ytcs.assets.models import StockBalance, StockEntry, StockKind
    from ytcs.core.testing.personas import build_world

    world = build_world()
    today = timezone.localdate()
    expiry = today + datetime.timedelta(days=400)
    base = live_server.url
    medicine = "Paracetamol 500 mg Viên nén (PARA500)"

    # 1. From the assets landing page to the stock of the station head's own station, empty so far.
    page = _log_in(chromium, base, "station_head")
    _open_assets(page)
    page.locator("#stock-tiles").get_by_role("link", name="Tồn kho", exact=True).click()
    page.wait_for_url(re.compile(r"/assets/stock/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tồn kho thuốc")
    expect(page.locator(".breadcrumbs")).to_contain_text(STATION)
    batches = page.locator("#stock-batches tbody tr")
    expect(batches).to_have_text(["Sổ kho của đơn vị chưa có dòng nào."])

    # 2. A receipt: medicine of the current list, batch, expiry, quantity; the date defaults to today.
    page.get_by_role("button", name="Nhập kho", exact=True).click()
    page.wait_for_url(re.compile(r"/assets/stock/receive/\?unit=A1$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập thuốc")
    expect(_field(page, "Ngày")).to_have_value(today.strftime("%d/%m/%Y"))
    _field(page, "Thuốc").select_option(label=medicine)
    _field(page, "Số lô").fill("PA2501")
    _field(page, "Ngày hết hạn").fill(expiry.strftime("%d/%m/%Y"))
    _field(page, "Số lượng").fill("600")
    _field(page, "Ghi chú").fill("Phiếu nhập 12/KD")
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_url(re.compile(r"/assets/stock/\?unit=A1$"))
    expect(page.locator(".messages .msg-success")).to_have_text(f"Đã nhập 600 Viên {medicine}, lô PA2501.")
    row = page.locator("#stock-batches tbody tr", has_text="PA2501")
    expect(row).to_contain_text("Paracetamol")
    expect(row).to_contain_text(expiry.strftime("%d/%m/%Y"))
    expect(row.locator("td").nth(4)).to_have_text("600 Viên")

    # 3. An issue above the balance is refused: the reason sits on the quantity field, nothing typed is lost.
    page.get_by_role("button", name="Xuất", exact=True).click()
    page.wait_for_url(re.compile(r"/assets/stock/issue/\?unit=A1$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Xuất thuốc")
    batch_label = f"{medicine} · lô PA2501 · hạn dùng {expiry:%d/%m/%Y} · còn 600 Viên"
    _field(page, "Lô").select_option(label=batch_label)
    _field(page, "Số lượng").fill("750")
    _field(page, "Ghi chú").fill("Cấp cho bệnh nhân sốt")
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"/assets/stock/issue/\?unit=A1$"))
    refusal = "Lô PA2501 chỉ còn 600 Viên; không xuất được 750."
    quantity = _field(page, "Số lượng")
    expect(quantity).to_have_attribute("aria-invalid", "true")
    expect(quantity).to_have_accessible_description(refusal)
    expect(page.get_by_text(refusal)).to_be_visible()
    expect(page.locator(".messages")).to_have_count(0)
    expect(quantity).to_have_value("750")
    expect(_field(page, "Lô").locator("option:checked")).to_have_text(batch_label)
    expect(_field(page, "Ngày")).to_have_value(today.strftime("%d/%m/%Y"))
    expect(_field(page, "Ghi chú")).to_have_value("Cấp cho bệnh nhân sốt")
    assert StockEntry.objects.count() == 1

    # 4. A quantity the batch holds goes through and the balance goes down, below the usual minimum (500).
    quantity.fill("150")
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_url(re.compile(r"/assets/stock/\?unit=A1$"))
    expect(page.locator(".messages .msg-success")).to_have_text(f"Đã xuất 150 Viên {medicine}, lô PA2501.")
    expect(row.locator("td").nth(4)).to_have_text("450 Viên")
    expect(row).to_contain_text("Dưới mức tối thiểu")

    entries = StockEntry.objects.filter(orgunit=world.station_a1).order_by("pk")
    assert [
        (e.kind, e.medicine.code, e.batch, e.expiry_date, e.quantity, e.occurred_on, e.reason, e.created_by_id)
        for e in entries
    ] == [
        (StockKind.RECEIPT, "PARA500", "PA2501", expiry, 600, today, "Phiếu nhập 12/KD", world.station_head.pk),
        (StockKind.ISSUE, "PARA500", "PA2501", expiry, -150, today, "Cấp cho bệnh nhân sốt", world.station_head.pk),
    ]
    assert StockEntry.objects.count() == 2
    balance = StockBalance.objects.get()
    assert (balance.orgunit_id, balance.batch, balance.quantity) == (world.station_a1.pk, "PA2501", 450)
    page.context.close()


def test_draft_submit_return_with_a_comment_edit_and_submit_again(live_server, shipped_catalogues, chromium):
    from playwright.sync_api import expect

    from ytcs.assets.models import FundingSource, InvestmentProposal, ProposalStatus, ProposalStep
    from ytcs.core.testing.personas import build_world

    world = build_world()
    base = live_server.url
    title = "Máy siêu âm cho trạm y tế xã Nguyễn Huệ"
    comment = "Bổ sung số lượt siêu âm dự kiến mỗi tháng và báo giá tham khảo."

    # 1. The station head drafts the proposal from the proposals tab: the head, then one line.
    head = _log_in(chromium, base, "station_head")
    _open_assets(head)
    head.get_by_role("navigation", name="Trang thiết bị và thuốc").get_by_role("link", name="Đề xuất đầu tư").click()
    head.wait_for_url(re.compile(r"/assets/proposals/$"))
    head.get_by_role("button", name="Lập đề xuất", exact=True).click()
    head.wait_for_url(re.compile(r"/assets/proposals/new/$"))
    expect(head.get_by_role("heading", level=1)).to_have_text("Lập đề xuất đầu tư")
    _field(head, "Đơn vị đề xuất").select_option(label=f"{STATION} (A1)")
    _field(head, "Tên đề xuất").fill(title)
    _field(head, "Lý do đề xuất").fill("Trạm chưa có máy siêu âm; thai phụ phải lên trung tâm y tế khu vực.")
    line = head.locator("#line-forms tbody tr").first
    line.get_by_role("combobox", name="Trang thiết bị").select_option(label="Máy siêu âm tổng quát (SIEU_AM)")
    line.get_by_role("spinbutton", name="Số lượng").fill("1")
    line.get_by_role("spinbutton", name="Đơn giá dự kiến (đồng)").fill("350000000")
    line.get_by_role("combobox", name="Nguồn kinh phí").select_option(label="Ngân sách nhà nước")
    line.get_by_role("textbox", name="Lý do đề xuất").fill("Khám thai và siêu âm ổ bụng tại trạm")
    line.get_by_role("checkbox", name="Bù thiếu hụt so với định mức").check()
    head.get_by_role("button", name="Lưu nháp", exact=True).click()
    head.wait_for_url(re.compile(r"/assets/proposals/\d+/$"))
    expect(head.locator(".messages .msg-success")).to_have_text("Đã lưu nháp đề xuất; gửi xem xét khi đã sẵn sàng.")
    expect(head.get_by_role("heading", level=1)).to_have_text(title)
    expect(head.locator("#proposal-status")).to_have_text("Dự thảo")
    expect(head.locator("#total-cost")).to_have_text(re.compile(r"^350\D?000\D?000$"))
    line_row = head.locator("#line-results tbody tr")
    expect(line_row).to_have_count(1)
    expect(line_row).to_contain_text("Máy siêu âm tổng quát")
    expect(line_row).to_contain_text("Ngân sách nhà nước")

    # 2. Submitted for review: it goes to the regional centre above the station.
    head.locator("#submit-form").get_by_role("button", name="Gửi xem xét").click()
    head.wait_for_url(re.compile(r"/assets/proposals/\d+/$"))
    expect(head.locator(".messages .msg-success")).to_have_text("Đã gửi đề xuất để xem xét.")
    expect(head.locator("#proposal-status")).to_contain_text("Đang xem xét")
    expect(head.locator("#proposal-status")).to_contain_text(f"tại {REGION}")
    expect(head.get_by_role("button", name="Sửa", exact=True)).to_have_count(0)
    proposal_url = head.url
    proposal = InvestmentProposal.objects.get()

    # 3. The regional manager finds it waiting on the landing page; returning needs a comment, then returns it.
    manager = _log_in(chromium, base, "region_manager")
    _open_assets(manager)
    waiting = manager.get_by_role("link", name=re.compile("Đề xuất đầu tư đang chờ tôi xử lý"))
    expect(waiting).to_contain_text("1")
    waiting.click()
    manager.wait_for_url(re.compile(r"/assets/proposals/\?box=review$"))
    manager.locator("#proposal-results").get_by_role("link", name=title).click()
    manager.wait_for_url(proposal_url)
    review = manager.locator("#review-form")
    expect(review.get_by_role("heading")).to_have_text(f"Xem xét tại {REGION}")
    review.get_by_role("button", name="Trả lại kèm ý kiến").click()
    manager.wait_for_load_state()
    review_comment = _field(manager.locator("#review-form"), "Ghi chú")
    expect(review_comment).to_have_accessible_description("Ghi nội dung cần sửa.")
    expect(manager.locator("#proposal-status")).to_contain_text("Đang xem xét")
    review_comment.fill(comment)
    manager.locator("#review-form").get_by_role("button", name="Trả lại kèm ý kiến").click()
    manager.wait_for_url(proposal_url)
    expect(manager.locator(".messages .msg-success")).to_have_text("Đã trả lại đề xuất cho đơn vị kèm ý kiến.")
    expect(manager.locator("#proposal-status")).to_have_text("Trả lại kèm ý kiến")
    manager.context.close()

    # 4. The station head sees the comment among the steps, edits the proposal and submits it again.
    head.reload()
    expect(head.locator("#proposal-status")).to_have_text("Trả lại kèm ý kiến")
    steps = head.locator("#steps li")
    expect(steps).to_have_count(2)
    expect(steps.nth(1)).to_contain_text("Trả lại")
    expect(steps.nth(1)).to_contain_text(REGION)
    expect(steps.nth(1).locator("q")).to_have_text(comment)
    head.get_by_role("button", name="Sửa", exact=True).click()
    head.wait_for_url(re.compile(r"/assets/proposals/\d+/edit/$"))
    expect(head.get_by_role("heading", level=1)).to_have_text("Sửa đề xuất")
    expect(_field(head, "Tên đề xuất")).to_have_value(title)
    line = head.locator("#line-forms tbody tr").first
    expect(line.get_by_role("combobox", name="Trang thiết bị")).to_have_value(
        str(proposal.lines.get().equipment_type_id)
    )
    expect(line.get_by_role("spinbutton", name="Đơn giá dự kiến (đồng)")).to_have_value("350000000")
    justification = _field(head, "Lý do đề xuất")
    justification.fill(justification.input_value() + "\nDự kiến 120 lượt siêu âm mỗi tháng.")
    line.get_by_role("spinbutton", name="Đơn giá dự kiến (đồng)").fill("320000000")
    line.get_by_role("textbox", name="Lý do đề xuất").fill("Khám thai, ổ bụng; báo giá của 3 nhà cung cấp kèm theo")
    head.get_by_role("button", name="Lưu nháp", exact=True).click()
    head.wait_for_url(proposal_url)
    expect(head.locator(".messages .msg-success")).to_have_text("Đã lưu thay đổi của đề xuất.")
    expect(head.locator("#total-cost")).to_have_text(re.compile(r"^320\D?000\D?000$"))
    _field(head.locator("#submit-form"), "Ghi chú").fill("Đã bổ sung theo ý kiến của trung tâm.")
    head.locator("#submit-form").get_by_role("button", name="Gửi lại").click()
    head.wait_for_url(proposal_url)
    expect(head.locator(".messages .msg-success")).to_have_text("Đã gửi đề xuất để xem xét.")
    expect(head.locator("#proposal-status")).to_contain_text("Đang xem xét")
    expect(head.locator("#steps li")).to_have_count(3)
    head.context.close()

    proposal.refresh_from_db()
    assert (proposal.orgunit_id, proposal.status, proposal.reviewer_unit_id) == (
        world.station_a1.pk,
        ProposalStatus.SUBMITTED,
        world.region_a.pk,
    )
    assert proposal.title == title
    assert proposal.justification.endswith("Dự kiến 120 lượt siêu âm mỗi tháng.")
    (saved,) = proposal.lines.all()
    assert (saved.equipment_type.code, saved.quantity, saved.unit_cost, saved.funding_source, saved.closes_gap) == (
        "SIEU_AM",
        1,
        320_000_000,
        FundingSource.STATE_BUDGET,
        True,
    )
    assert saved.justification == "Khám thai, ổ bụng; báo giá của 3 nhà cung cấp kèm theo"
    A = ProposalStep.Action
    assert list(proposal.steps.values_list("action", "orgunit_id", "by_id", "comment")) == [
        (A.SUBMIT, world.station_a1.pk, world.station_head.pk, ""),
        (A.RETURN, world.region_a.pk, world.region_manager.pk, comment),
        (A.SUBMIT, world.station_a1.pk, world.station_head.pk, "Đã bổ sung theo ý kiến của trung tâm."),
    ]
