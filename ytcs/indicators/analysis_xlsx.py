"""The analysis table as .xlsx (xuất Excel bảng phân tích chỉ số): a header block (indicator, formula, source,
unit, level, periods, target plan, date generated), the table of values (units × periods), and a second sheet
with every figure behind them (numerator, denominator, target, % achieved, next target). Vietnamese headers,
dd/mm/yyyy dates, as every export of the project."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ytcs.indicators import analytics
from ytcs.indicators.selectors_analysis import Selection

SHEET_TABLE = "Bảng chỉ số"
SHEET_DETAIL = "Chi tiết"
UNCONFIRMED = "CHƯA XÁC NHẬN"
H_CODE, H_NAME, H_LEVEL = "Mã đơn vị", "Tên đơn vị", "Cấp"
DETAIL_HEADERS = [
    H_CODE,
    H_NAME,
    "Kỳ",
    "Giá trị",
    "Tử số",
    "Mẫu số",
    "Chỉ tiêu",
    "Năm chỉ tiêu",
    "Kế hoạch chỉ tiêu",
    "Chỉ tiêu kế thừa từ đơn vị",
    "% đạt",
    "Chỉ tiêu kế tiếp",
    "Năm chỉ tiêu kế tiếp",
]


def formula_text(selection: Selection) -> str:
    """“numerator (expression) × factor ÷ denominator (expression)”."""
    ind = selection.indicator
    numerator = f"{ind.numerator_description} [{ind.numerator}]" if ind.numerator_description else ind.numerator
    denominator = (
        f"{ind.denominator_description} [{ind.denominator}]" if ind.denominator_description else ind.denominator
    )
    factor = f" × {ind.factor:,}".replace(",", ".") if ind.factor != 1 else ""
    return f"{numerator}{factor} ÷ {denominator}"


def header_block(selection: Selection, generated_on: datetime.date, level: int | None) -> list[tuple[str, str]]:
    ind = selection.indicator
    source = ind.source or "—"
    if not ind.confirmed:
        source = f"{source} — công thức {UNCONFIRMED}"
    plan = selection.plan
    return [
        ("Chỉ số", f"{ind.name} ({ind.code})"),
        ("Công thức", formula_text(selection)),
        ("Đơn vị tính", ind.unit_label or "—"),
        ("Làm tròn", f"{ind.decimals} chữ số thập phân, làm tròn nửa lên"),
        ("Nguồn", source),
        ("Đơn vị", f"{selection.root.name} ({selection.root.code})" if selection.root else "Toàn bộ phạm vi"),
        ("Cấp của các dòng", str(level) if level is not None else "—"),
        ("Kỳ", "; ".join(p.label for p in selection.periods)),
        (
            "Chỉ tiêu theo",
            f"{plan.name} ({plan.code})" if plan else "Kế hoạch gần nhất có chỉ tiêu của từng đơn vị",
        ),
        ("Ngày lập", generated_on.strftime("%d/%m/%Y")),
    ]


def _number(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def analysis_workbook(*, user: Any, selection: Selection, generated_on: datetime.date) -> bytes:
    """Every row unit of the selection (not only a page's), computed at once."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from ytcs.core import xlsx  # openpyxl is loaded only when a file is asked for

    units = selection.units(user)
    cells = analytics.compute(selection.query(user), units=units)
    periods = selection.periods
    n = len(periods)
    level = units[0].level if units else selection.level
    decimals = selection.indicator.decimals
    value_format = "0" if decimals == 0 else "0." + "0" * decimals

    wb = xlsx.new_workbook()
    ws = wb.create_sheet(SHEET_TABLE)
    for label, text in header_block(selection, generated_on, level):
        ws.append([label, text])
        ws.cell(row=ws._current_row, column=1).font = Font(bold=True)
    ws.append([])
    header_row = ws._current_row + 1
    ws.append([H_CODE, H_NAME, H_LEVEL, *(p.label for p in periods)])
    for cell in ws[header_row]:
        cell.font = xlsx.HEADER_FONT
        cell.fill = xlsx.HEADER_FILL
        cell.alignment = xlsx.HEADER_ALIGNMENT
    ws.freeze_panes = f"D{header_row + 1}"  # a coordinate: ws.cell() would create the row
    for i, unit in enumerate(units):
        row = cells[i * n : (i + 1) * n]
        xlsx.append_row(ws, values=[unit.code, unit.name, unit.level, *(_number(c.value) for c in row)])
        for col in range(4, 4 + n):
            ws.cell(row=ws._current_row, column=col).number_format = value_format
    for col, width in zip("ABC", (16, 40, 6), strict=True):
        ws.column_dimensions[col].width = width
    for col in range(4, 4 + n):
        ws.column_dimensions[get_column_letter(col)].width = 12

    detail = xlsx.add_table_sheet(
        wb,
        title=SHEET_DETAIL,
        headers=DETAIL_HEADERS,
        rows=(
            [
                c.unit.code,
                c.unit.name,
                c.period.label,
                _number(c.value),
                c.numerator,
                c.denominator,
                c.target.value if c.target else None,
                c.target.year if c.target else None,
                c.target.plan_name if c.target else None,
                c.target.set_on if c.target and c.target.inherited else None,
                _number(c.achieved),
                c.next_target.value if c.next_target else None,
                c.next_target.year if c.next_target else None,
            ]
            for c in cells
        ),
        widths=[16, 40, 10, 12, 12, 12, 12, 10, 36, 14, 10, 14, 12],
        text_columns=[1],
    )
    for row in detail.iter_rows(min_row=2, min_col=4, max_col=4):
        row[0].number_format = value_format
    return xlsx.workbook_bytes(wb)
