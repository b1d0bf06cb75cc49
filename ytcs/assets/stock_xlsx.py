"""The stock ledger as .xlsx: the monthly consumption report in the usual layout (báo cáo sử dụng thuốc hằng
tháng: the unit's header block, the national motto, the table, the signatures) and the ledger itself.

The report is a Vietnamese administrative document, so its fixed text is Vietnamese whatever the page language.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import translation
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from ytcs.assets.models import StockEntry
from ytcs.assets.selectors_stock import ConsumptionReport, ConsumptionRow
from ytcs.core.xlsx import DATE_FORMAT, HEADER_FILL, add_table_sheet, append_row, new_workbook, workbook_bytes
from ytcs.orgunits.models import OrgUnit

REPORT_HEADERS = (
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
REPORT_WIDTHS = (6, 34, 12, 10, 11, 11, 11, 11, 11, 13, 30)
REPORT_TITLE = "BÁO CÁO SỬ DỤNG THUỐC THÁNG %(month)02d/%(year)d"
HEADER_ROW = 8
"""The row of the table's column headers (the rows above hold the header block)."""

LEDGER_SHEET = "Sổ kho"
LEDGER_HEADERS = (
    "Ngày",
    "Mã đơn vị",
    "Đơn vị",
    "Loại",
    "Mã thuốc",
    "Tên thuốc/hoạt chất",
    "Hàm lượng",
    "Đơn vị tính",
    "Số lô",
    "Hạn dùng",
    "Số lượng",
    "Đơn vị đối ứng",
    "Lý do",
    "Người ghi",
)

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BOLD = Font(bold=True)
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


def report_note(row: ConsumptionRow) -> str:
    """The remarks column: transfers inside the in and out totals, a medicine out of stock."""
    parts = []
    if row.transferred_in:
        parts.append(f"Nhận điều chuyển {row.transferred_in}")
    if row.transferred_out:
        parts.append(f"Điều chuyển đi {row.transferred_out}")
    if row.closing <= 0:
        parts.append("Hết thuốc")
    return "; ".join(parts)


def _merged(ws, cell_range: str, value: str, *, bold: bool = False, italic: bool = False, size: int | None = None):
    ws.merge_cells(cell_range)
    cell = ws[cell_range.split(":")[0]]
    cell.value = value
    cell.font = Font(bold=bold, italic=italic, size=size)
    cell.alignment = _CENTRE


def _authority(unit: OrgUnit) -> str:
    """The line above the unit's name in the header block: the unit it answers to."""
    return unit.parent.name.upper() if unit.parent_id else ""


def consumption_workbook(report: ConsumptionReport) -> bytes:
    """The monthly consumption report of a unit: header block, table, signature lines."""
    wb = new_workbook()
    ws = wb.create_sheet(title=f"Tháng {report.month:02d}-{report.year}")
    last = get_column_letter(len(REPORT_HEADERS))
    _merged(ws, "A1:D1", _authority(report.unit))
    _merged(ws, "A2:D2", report.unit.name.upper(), bold=True)
    _merged(ws, f"G1:{last}1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    _merged(ws, f"G2:{last}2", "Độc lập - Tự do - Hạnh phúc", bold=True)
    _merged(ws, f"A4:{last}4", REPORT_TITLE % {"month": report.month, "year": report.year}, bold=True, size=14)
    _merged(ws, f"A5:{last}5", f"Đơn vị: {report.unit.name} (mã {report.unit.code})")
    _merged(
        ws,
        f"A6:{last}6",
        f"Từ ngày {report.start:%d/%m/%Y} đến ngày {report.end:%d/%m/%Y}",
        italic=True,
    )
    for col, (title, width) in enumerate(zip(REPORT_HEADERS, REPORT_WIDTHS, strict=True), start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=title)
        cell.font, cell.fill, cell.alignment, cell.border = _BOLD, HEADER_FILL, _CENTRE, _BOX
        number = ws.cell(row=HEADER_ROW + 1, column=col, value=f"({col})")
        number.alignment, number.border = _CENTRE, _BOX
        number.font = Font(italic=True, size=9)
        ws.column_dimensions[get_column_letter(col)].width = width
    row_number = HEADER_ROW + 2
    for row in report.rows:
        name = " ".join(part for part in (row.name, row.dosage_form) if part)
        values = (
            row.number,
            name,
            row.strength,
            row.unit,
            row.opening,
            row.total_in,
            row.total_out,
            row.adjusted,
            row.closing,
            row.nearest_expiry,
            report_note(row),
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row_number, column=col, value=value if value != "" else None)
            cell.border = _BOX
            if col == 10 and value is not None:
                cell.number_format = DATE_FORMAT
            if isinstance(value, str):
                cell.data_type = "s"
        row_number += 1
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 2, column=1)
    row_number += 1
    _merged(ws, f"G{row_number}:{last}{row_number}", "......., ngày ...... tháng ...... năm ......", italic=True)
    row_number += 1
    head = "Trưởng trạm" if report.is_station else "Thủ trưởng đơn vị"
    _merged(ws, f"A{row_number}:D{row_number}", "Người lập biểu", bold=True)
    _merged(ws, f"G{row_number}:{last}{row_number}", head, bold=True)
    row_number += 1
    _merged(ws, f"A{row_number}:D{row_number}", "(Ký, ghi rõ họ tên)", italic=True)
    _merged(ws, f"G{row_number}:{last}{row_number}", "(Ký, ghi rõ họ tên)", italic=True)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    return workbook_bytes(wb)


def ledger_workbook(entries: Iterable[StockEntry]) -> bytes:
    """Entries of the ledger (already filtered and restricted), one row each, as the page lists them."""
    wb = new_workbook()
    ws = add_table_sheet(
        wb,
        title=LEDGER_SHEET,
        headers=LEDGER_HEADERS,
        widths=(11, 10, 28, 16, 12, 30, 12, 10, 12, 11, 10, 28, 30, 16),
        date_columns=(1, 10),
    )
    with translation.override("vi"):
        for entry in entries:
            counterpart = entry.counterpart
            append_row(
                ws,
                values=(
                    entry.occurred_on,
                    entry.orgunit.code,
                    entry.orgunit.name,
                    str(entry.get_kind_display()),
                    entry.medicine.code,
                    entry.medicine.active_ingredient,
                    entry.medicine.strength,
                    entry.medicine.unit,
                    entry.batch,
                    entry.expiry_date,
                    entry.quantity,
                    f"{counterpart.name} ({counterpart.code})" if counterpart else "",
                    entry.reason,
                    entry.created_by_username,
                ),
                date_columns={1, 10},
            )
    return workbook_bytes(wb)
