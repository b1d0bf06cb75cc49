"""The monthly consumption report in the usual layout and the ledger export, read back with openpyxl."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from ytcs.assets import selectors_stock
from ytcs.assets.stock import stock_adjust, stock_issue, stock_receive, stock_transfer
from ytcs.assets.stock_xlsx import HEADER_ROW, REPORT_HEADERS, consumption_workbook, ledger_workbook
from ytcs.assets.tests.test_stock_views import make_medicines
from ytcs.orgunits.selectors import orgunit_get

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def february(world):
    """Station A1's paracetamol and amoxicillin, January and February 2026 (one of the batches sent to A2)."""
    m = make_medicines()
    user, a1 = world.region_manager, world.station_a1
    stock_receive(
        user=user,
        orgunit=a1,
        medicine=m.para,
        batch="P1",
        expiry_date=D(2027, 3, 1),
        quantity=100,
        occurred_on=D(2026, 1, 10),
    )
    stock_issue(user=user, orgunit=a1, medicine=m.para, batch="P1", quantity=20, occurred_on=D(2026, 1, 20))
    stock_receive(
        user=user,
        orgunit=a1,
        medicine=m.para,
        batch="P2",
        expiry_date=D(2026, 9, 30),
        quantity=40,
        occurred_on=D(2026, 2, 3),
    )
    stock_issue(user=user, orgunit=a1, medicine=m.para, batch="P1", quantity=30, occurred_on=D(2026, 2, 10))
    stock_adjust(user=user, orgunit=a1, medicine=m.para, batch="P2", change=-5, occurred_on=D(2026, 2, 11), reason="Vỡ")
    stock_transfer(
        user=user,
        from_unit=a1,
        to_unit=world.station_a2,
        medicine=m.para,
        batch="P2",
        quantity=10,
        occurred_on=D(2026, 2, 12),
    )
    stock_receive(
        user=user,
        orgunit=a1,
        medicine=m.amox,
        batch="A1",
        expiry_date=D(2027, 1, 1),
        quantity=10,
        occurred_on=D(2026, 2, 1),
    )
    stock_issue(user=user, orgunit=a1, medicine=m.amox, batch="A1", quantity=10, occurred_on=D(2026, 2, 20))
    return m


def _report(world, unit=None):
    unit = orgunit_get(user=world.region_manager, code=(unit or world.station_a1).code)
    return selectors_stock.consumption_report(user=world.region_manager, orgunit=unit, year=2026, month=2)


def test_the_report_has_the_usual_header_table_and_signatures(world, february):
    ws = load_workbook(io.BytesIO(consumption_workbook(_report(world)))).active
    assert ws.title == "Tháng 02-2026"
    assert ws["A1"].value == world.region_a.name.upper()
    assert ws["A2"].value == world.station_a1.name.upper()
    assert ws["G1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert ws["G2"].value == "Độc lập - Tự do - Hạnh phúc"
    assert ws["A4"].value == "BÁO CÁO SỬ DỤNG THUỐC THÁNG 02/2026"
    assert ws["A5"].value == f"Đơn vị: {world.station_a1.name} (mã A1)"
    assert ws["A6"].value == "Từ ngày 01/02/2026 đến ngày 28/02/2026"
    headers = next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, values_only=True))
    assert (
        headers
        == REPORT_HEADERS
        == (
            "STT",
            "Tên thuốc/hoạt chất",
            "Hàm lượng",
            "Đơn vị",
            "Tồn đầu kỳ",
            "Nhập trong kỳ",
            "Xuất trong kỳ",
            "Điều chỉnh",
            "Tồn cuối kỳ",
            "Hạn dùng gần nhất",
            "Ghi chú",
        )
    )
    assert next(ws.iter_rows(min_row=HEADER_ROW + 1, max_row=HEADER_ROW + 1, values_only=True))[:3] == (
        "(1)",
        "(2)",
        "(3)",
    )
    body = list(ws.iter_rows(min_row=HEADER_ROW + 2, values_only=True))
    amox, para = body[0], body[1]  # by active ingredient
    # Amoxicillin: 10 in, 10 out, nothing left, no expiry to show.
    assert amox[:10] == (1, "Amoxicillin viên nén", "500 mg", "viên", 0, 10, 10, 0, 0, None)
    assert amox[10] == "Hết thuốc"
    # Paracetamol: opening 80; in 40; out 30 issued + 10 transferred = 40; adjusted −5; closing 75; P2 (still 25
    # in stock at the end of February) expires before P1.
    assert para[:9] == (2, "Paracetamol viên nén", "500 mg", "viên", 80, 40, 40, -5, 75)
    assert para[9].date() == D(2026, 9, 30) and ws.cell(row=HEADER_ROW + 3, column=10).number_format == "DD/MM/YYYY"
    assert para[10] == "Điều chuyển đi 10"
    texts = [
        cell for row in ws.iter_rows(min_row=HEADER_ROW + 4, values_only=True) for cell in row if isinstance(cell, str)
    ]
    assert "Người lập biểu" in texts and "Trưởng trạm" in texts and texts.count("(Ký, ghi rõ họ tên)") == 2
    assert any("ngày" in text and "tháng" in text and "năm" in text for text in texts)


def test_the_report_of_a_centre_is_signed_by_its_head(world, february):
    ws = load_workbook(io.BytesIO(consumption_workbook(_report(world, world.region_a)))).active
    texts = [cell for row in ws.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert "Thủ trưởng đơn vị" in texts and "Trưởng trạm" not in texts
    assert ws["A1"].value == world.province.name.upper()


def test_the_receiving_unit_reports_the_transfer_in(world, february):
    ws = load_workbook(io.BytesIO(consumption_workbook(_report(world, world.station_a2)))).active
    (row,) = list(ws.iter_rows(min_row=HEADER_ROW + 2, max_row=HEADER_ROW + 2, values_only=True))
    assert row[4:9] == (0, 10, 0, 0, 10) and row[10] == "Nhận điều chuyển 10"


def test_the_ledger_export_has_every_entry_with_its_sign(world, february):
    entries = selectors_stock.ledger(user=world.region_manager, orgunit=world.station_a1, filters={})
    ws = load_workbook(io.BytesIO(ledger_workbook(entries)))["Sổ kho"]
    header = next(ws.iter_rows(max_row=1, values_only=True))
    assert header[:4] == ("Ngày", "Mã đơn vị", "Đơn vị", "Loại") and header[10] == "Số lượng"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == entries.count() == 8
    assert sum(row[10] for row in rows) == 75 + 0  # the balances at the end: 75 paracetamol, 0 amoxicillin
    transfer = next(row for row in rows if row[11])
    assert (transfer[8], transfer[10], transfer[11]) == ("P2", -10, f"{world.station_a2.name} (A2)")
    assert ws.cell(row=2, column=1).number_format == "DD/MM/YYYY"
