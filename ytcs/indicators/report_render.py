"""The printed report laid out as a Vietnamese administrative document (văn bản hành chính, Decree 30/2020/NĐ-CP,
Appendix I): A4; the issuing body top left with the document number, the national motto top right with the
place and date under it in italics; the centred title "BÁO CÁO" and its subject; numbered sections; the
recipients bottom left and the signature block bottom right.

The body is Vietnamese whatever the interface language (it is an official Vietnamese paper); numbers follow the
Vietnamese convention (1.234,5). The same blocks make the PDF (WeasyPrint, DejaVu Sans) and the .xlsx sheet.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from ytcs.core.pdf import render_pdf
from ytcs.core.xlsx import new_workbook, workbook_bytes
from ytcs.indicators.report import DocumentHeader, IndicatorLine, Report

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_SUB = "Độc lập - Tự do - Hạnh phúc"
TITLE = "BÁO CÁO"
ROMAN = ("I", "II", "III", "IV", "V", "VI")


def verdict(line: IndicatorLine) -> str:
    if line.at_risk is None:
        return "Chưa đủ số liệu" if line.next_target is not None else "Không có chỉ tiêu"
    return "Có nguy cơ không đạt" if line.at_risk else "Dự kiến đạt"


def vn_number(value: Any, decimals: int | None = None) -> str:
    """1234.5 → "1.234,5" (Vietnamese grouping and decimal comma); a Decimal keeps its places (35.0 → "35,0"), a
    whole float loses them (80.0 → "80"); None → "—"."""
    if value is None:
        return "—"
    if decimals is not None:
        text = f"{Decimal(str(value)):,.{decimals}f}"
    elif isinstance(value, Decimal):
        text = f"{value:,f}"
    elif isinstance(value, float) and not value.is_integer():
        text = f"{Decimal(repr(value)):,f}"
    else:
        text = f"{int(value):,}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def report_context(report: Report, header: DocumentHeader) -> dict[str, Any]:
    lines = []
    for n, line in enumerate(report.indicators, start=1):
        d = line.indicator.decimals
        lines.append(
            {
                "n": n,
                "line": line,
                "previous": vn_number(line.previous),
                "value": vn_number(line.value),
                "target": vn_number(line.target.value, d) if line.target else "—",
                "achieved": f"{vn_number(line.achieved)}%" if line.achieved is not None else "—",
                "next": (
                    f"{vn_number(line.next_target.value, d)} ({line.next_target.year})" if line.next_target else "—"
                ),
                "projected": vn_number(line.projected),
                "verdict": verdict(line),
            }
        )
    at_risk = [
        {
            "n": n,
            "item": item,
            "value": vn_number(item.latest_value),
            "projected": vn_number(item.projected),
            "target": vn_number(item.target.value, item.indicator.decimals) if item.target else "—",
        }
        for n, item in enumerate(report.at_risk, start=1)
    ]
    w = report.workforce
    sections = ["workforce", "assessments", "targets", "at_risk"]
    return {
        "r": report,
        "h": header,
        "w": w,
        "doctors_per_10000": vn_number(w.doctors_per_10000),
        "lines": lines,
        "at_risk": at_risk,
        "numbers": {name: ROMAN[i] for i, name in enumerate(sections)},
        "motto": MOTTO,
        "motto_sub": MOTTO_SUB,
        "title": TITLE,
        "subject": header.subject,
        "closing": header.subject[:1].lower() + header.subject[1:],
    }


def report_html(report: Report, header: DocumentHeader) -> str:
    """The document as the HTML the PDF is made from (Vietnamese number formats whatever the interface)."""
    with translation.override("vi"):
        return render_to_string("indicators/report/document.html", report_context(report, header))


def report_pdf(report: Report, header: DocumentHeader) -> bytes:
    return render_pdf(report_html(report, header))


# ---------------------------------------------------------------------------------------------- .xlsx

COLUMNS = 8
BOLD = Font(bold=True)
ITALIC = Font(italic=True)
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)


class _Sheet:
    """Writes the document's blocks down one sheet of eight columns."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.row = 1

    def text(self, value: str, *, font: Font | None = None, align: Alignment | None = None, span=(1, COLUMNS)):
        first, last = span
        cell = self.ws.cell(row=self.row, column=first, value=value)
        if last > first:
            self.ws.merge_cells(start_row=self.row, start_column=first, end_row=self.row, end_column=last)
        cell.font = font or Font()
        cell.alignment = align or WRAP
        return cell

    def pair(self, left: str, right: str, *, left_font=None, right_font=None) -> None:
        """A line of the two-column header or footer: left block over columns 1–3, right over 4–8."""
        if left:
            self.text(left, font=left_font, align=CENTRE, span=(1, 3))
        if right:
            self.text(right, font=right_font, align=CENTRE, span=(4, COLUMNS))
        self.row += 1

    def line(self, value: str, **kwargs) -> None:
        self.text(value, **kwargs)
        self.row += 1

    def table(self, headers: list[str], rows: list[list[Any]]) -> None:
        for col, value in enumerate(headers, start=1):
            cell = self.ws.cell(row=self.row, column=col, value=value)
            cell.font, cell.alignment, cell.border = BOLD, CENTRE, BOX
        self.row += 1
        for values in rows:
            for col, value in enumerate(values, start=1):
                cell = self.ws.cell(row=self.row, column=col, value=value)
                cell.border, cell.alignment = BOX, WRAP
                if isinstance(value, float):
                    cell.number_format = "#,##0.0##"
            self.row += 1
        self.row += 1


def _num(value: Any) -> float | None:
    return float(value) if value is not None else None


def report_xlsx(report: Report, header: DocumentHeader) -> bytes:
    """The same document on one sheet: header blocks, the numbered sections with their tables, the footer."""
    wb = new_workbook()
    ws = wb.create_sheet("Báo cáo")
    for col, width in enumerate((6, 34, 14, 12, 12, 12, 14, 20), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    s = _Sheet(ws)
    numbers = report_context(report, header)["numbers"]
    s.pair(header.issuing_authority.upper(), MOTTO, right_font=BOLD)
    s.pair(header.issuing_body.upper(), MOTTO_SUB, left_font=BOLD, right_font=Font(bold=True, underline="single"))
    s.pair(header.number_line, header.date_line, right_font=ITALIC)
    s.row += 1
    s.line(TITLE, font=Font(bold=True, size=14), align=CENTRE)
    s.line(header.subject, font=BOLD, align=CENTRE)
    s.row += 1

    w = report.workforce
    s.line(f"{numbers['workforce']}. NHÂN LỰC Y TẾ (số liệu ngày {w.on:%d/%m/%Y})", font=BOLD)
    s.line(f"1. Tổng số người đang làm việc: {vn_number(w.headcount)}.")
    s.table(
        ["STT", "Chức danh", "Số người"], [[n, item.name, item.people] for n, item in enumerate(w.by_title, start=1)]
    )
    doctors_note = "" if w.formula_confirmed else " (công thức CHƯA XÁC NHẬN với Thông tư 20/2019/TT-BYT)"
    s.line(
        f"2. Bác sĩ: {vn_number(w.doctors)}; dân số: {vn_number(w.population)}; "
        f"số bác sĩ/10.000 dân: {vn_number(w.doctors_per_10000)}{doctors_note}."
    )
    s.line(
        f"3. Trạm y tế đang hoạt động: {vn_number(w.stations)}; chưa có bác sĩ làm việc: "
        f"{vn_number(w.stations_without_doctor)}."
    )
    for gap in w.competencies:
        s.line(f"   - Chưa có người có chứng chỉ {gap.name.lower()} còn hiệu lực: {vn_number(gap.without)} trạm.")
    s.line(
        f"4. Giấy phép hành nghề hết hạn trong {w.licence_months} tháng tới: {vn_number(w.licences_expiring)}; "
        f"chưa có giấy phép còn hiệu lực: {vn_number(w.without_licence)}; chưa đủ giờ cập nhật kiến thức y khoa "
        f"liên tục: {vn_number(w.cme_shortfall)}."
    )
    s.row += 1

    s.line(f"{numbers['assessments']}. ĐÁNH GIÁ THEO BỘ TIÊU CHÍ NĂM {report.year}", font=BOLD)
    if not report.assessments:
        s.line("Chưa có đánh giá nào trong năm.", font=ITALIC)
    for a in report.assessments:
        rate = f"{vn_number(a.pass_rate)}%" if a.pass_rate is not None else "—"
        s.line(
            f"{a.framework.name} ({a.framework.version}): đã thẩm định {a.verified}; đạt {a.passed}; "
            f"không đạt {a.failed}; chưa thẩm định {a.pending}; tỷ lệ đạt {rate}."
        )
        if a.weakest:
            s.table(
                ["STT", "Tiêu chí không đạt nhiều nhất", "Số đơn vị", "% đã thẩm định"],
                [[n, f"{c.code}. {c.name}", c.failed, _num(c.percent)] for n, c in enumerate(a.weakest, 1)],
            )
    s.row += 1

    plan = report.plan
    plan_text = f"{plan.name}" + (f" ({plan.document_number})" if plan and plan.document_number else "") if plan else ""
    s.line(f"{numbers['targets']}. THỰC HIỆN CHỈ TIÊU" + (f": {plan_text}" if plan else ""), font=BOLD)
    if report.unconfirmed:
        s.line("Giá trị chỉ tiêu CHƯA XÁC NHẬN với văn bản gốc.", font=ITALIC)
    y = report.year
    s.table(
        ["STT", "Chỉ số", "Đơn vị tính", f"Năm {y - 1}", f"Năm {y}", f"Chỉ tiêu {y}", "% đạt", "Đánh giá"],
        [
            [
                n,
                line.indicator.name,
                line.indicator.unit_label,
                _num(line.previous),
                _num(line.value),
                line.target.value if line.target else None,
                _num(line.achieved),
                verdict(line)
                + (
                    f" (chỉ tiêu {line.next_target.year}: {vn_number(line.next_target.value)}, dự báo "
                    f"{vn_number(line.projected)})"
                    if line.next_target
                    else ""
                ),
            ]
            for n, line in enumerate(report.indicators, start=1)
        ],
    )

    s.line(f"{numbers['at_risk']}. ĐƠN VỊ CÓ NGUY CƠ KHÔNG ĐẠT CHỈ TIÊU (CẤP {report.at_risk_level})", font=BOLD)
    if report.at_risk:
        s.table(
            ["STT", "Đơn vị", "Mã", "Chỉ số", "Giá trị", "Năm", "Dự báo", "Chỉ tiêu (năm)"],
            [
                [
                    n,
                    item.unit.name,
                    item.unit.code,
                    item.indicator.name,
                    _num(item.latest_value),
                    item.latest_year,
                    _num(item.projected),
                    f"{vn_number(item.target.value)} ({item.target.year})" if item.target else "",
                ]
                for n, item in enumerate(report.at_risk, start=1)
            ],
        )
        if report.at_risk_more:
            s.line(f"và {report.at_risk_more} trường hợp khác.", font=ITALIC)
    else:
        s.line("Không có đơn vị nào có nguy cơ không đạt chỉ tiêu.", font=ITALIC)
    s.row += 1

    s.pair("Nơi nhận:", header.signer_authority.upper(), left_font=Font(bold=True, italic=True), right_font=BOLD)
    s.pair("\n".join(header.recipients), header.signer_title.upper(), right_font=BOLD)
    s.row += 3
    s.pair("", header.signer_name, right_font=BOLD)
    return workbook_bytes(wb)
