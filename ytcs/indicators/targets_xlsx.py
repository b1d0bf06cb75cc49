"""Excel template, export and import of a plan's targets (nhập/xuất Excel chỉ tiêu).

One sheet "Chỉ tiêu", a row per target: indicator code, unit code, year, value, "for each unit below" (Có/Không)
and a note; the indicator's and unit's names follow, for reading only. Headers are fixed Vietnamese text (the
file reads the same whatever the interface language); the messages of the import go through gettext.

The import checks every row, then sets all its targets at once through `target_services.targets_set` (one
transaction): a blank value removes the target of that indicator, unit and year; targets the file does not name
are kept. With any problem nothing is saved and each is returned with its row, column and reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ytcs.core.audit import audit_context
from ytcs.core.models import AuditEntry
from ytcs.core.xlsx import (
    CellError,
    ImportResult,
    add_list_validation,
    add_table_sheet,
    new_workbook,
    parse_int,
    parse_text,
    read_upload_sheet,
    require,
    workbook_bytes,
)
from ytcs.indicators import selectors_targets as selectors
from ytcs.indicators.models import Target, TargetPlan
from ytcs.indicators.target_services import TargetInput, parse_target_value, targets_set

SHEET = "Chỉ tiêu"
GUIDE_SHEET = "Hướng dẫn"
INDICATOR_SHEET = "Danh mục chỉ số"

H_INDICATOR = "Mã chỉ số*"
H_UNIT = "Mã đơn vị*"
H_YEAR = "Năm*"
H_VALUE = "Giá trị chỉ tiêu"
H_BELOW = "Áp dụng cho từng đơn vị cấp dưới"
H_NOTE = "Ghi chú"
H_INDICATOR_NAME = "Tên chỉ số (chỉ để đọc)"
H_UNIT_NAME = "Tên đơn vị (chỉ để đọc)"
HEADERS = (H_INDICATOR, H_UNIT, H_YEAR, H_VALUE, H_BELOW, H_NOTE, H_INDICATOR_NAME, H_UNIT_NAME)
READ = (H_INDICATOR, H_UNIT, H_YEAR, H_VALUE, H_BELOW, H_NOTE)
REQUIRED = (H_INDICATOR, H_UNIT, H_YEAR, H_VALUE)
WIDTHS = (18, 14, 8, 14, 16, 30, 50, 40)
YES, NO = "Có", "Không"
_YES = {"co", "x", "1", "true", "yes", "c"}
_NO = {"khong", "0", "false", "no", "k", ""}
FIELD_HEADERS = {"indicator": H_INDICATOR, "orgunit": H_UNIT, "year": H_YEAR, "value": H_VALUE, "note": H_NOTE}


@dataclass
class TargetImportResult(ImportResult):
    """An import's outcome; `deleted` counts the targets a blank value removed."""

    deleted: int = 0


def _guide(plan: TargetPlan | None) -> list[list[str]]:
    lines = [
        ["Mỗi dòng của trang “Chỉ tiêu” là chỉ tiêu của một chỉ số, một đơn vị và một năm trong kế hoạch."],
        ["Mã chỉ số: xem trang “Danh mục chỉ số”. Mã đơn vị: mã của đơn vị ban hành kế hoạch hoặc đơn vị cấp dưới."],
        ["Năm: trong khoảng năm của kế hoạch. Giá trị: số; dấu phẩy hoặc dấu chấm thập phân (80,5 hoặc 80.5)."],
        ["Để trống giá trị: xóa chỉ tiêu của chỉ số, đơn vị và năm đó. Chỉ tiêu không có trong tệp được giữ nguyên."],
        ["“Áp dụng cho từng đơn vị cấp dưới” = Có: đơn vị cấp dưới chưa có chỉ tiêu riêng cũng phải đạt giá trị này."],
        ["Tệp được kiểm tra toàn bộ trước khi lưu: nếu có dòng sai, không dòng nào được lưu."],
    ]
    if plan is not None:
        lines.insert(0, [f"Kế hoạch: {plan.name} ({plan.code}), {plan.start_year}–{plan.end_year}."])
        if not plan.confirmed:
            lines.insert(1, ["Giá trị chỉ tiêu CHƯA XÁC NHẬN với văn bản gốc."])
    return lines


def _indicator_sheet(wb: Any) -> None:
    rows = [
        (i.code, i.name, i.unit_label, "Cao hơn là tốt hơn" if i.higher_is_better else "Thấp hơn là tốt hơn")
        for i in selectors.indicator_choices()
    ]
    add_table_sheet(
        wb,
        title=INDICATOR_SHEET,
        headers=("Mã chỉ số", "Tên chỉ số", "Đơn vị tính", "Chiều"),
        rows=rows,
        widths=(18, 60, 14, 20),
        text_columns=(1,),
    )


def targets_workbook(*, plan: TargetPlan | None, targets: Iterable[Target] = ()) -> bytes:
    """The template (no target) or the export of a plan's targets, which imports back unchanged."""
    wb = new_workbook()
    rows = [
        (
            t.indicator.code,
            t.orgunit.code,
            t.year,
            t.value,
            YES if t.applies_below else NO,
            t.note,
            t.indicator.name,
            t.orgunit.name,
        )
        for t in targets
    ]
    ws = add_table_sheet(wb, title=SHEET, headers=HEADERS, rows=rows, widths=WIDTHS, text_columns=(1, 2))
    add_list_validation(ws, column=5, options=[YES, NO])
    add_table_sheet(wb, title=GUIDE_SHEET, headers=("Hướng dẫn",), rows=_guide(plan), widths=(120,))
    _indicator_sheet(wb)
    return workbook_bytes(wb)


def _parse_yes_no(value: Any) -> bool:
    from ytcs.core.text import fold

    text = fold(parse_text(value))
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(_("Write “%(yes)s” or “%(no)s”.") % {"yes": YES, "no": NO})


@transaction.atomic
def targets_import(*, user: Any, plan: TargetPlan, file: Any) -> TargetImportResult:
    """Set a plan's targets from a filled-in template: every row, or none (see the module docstring)."""
    result = TargetImportResult()
    read = read_upload_sheet(file, result=result, sheet=SHEET, headers=READ, required=REQUIRED)
    if read is None:
        return result
    rows, sheet = read

    indicators = selectors.indicators_by_code()
    units = selectors.units_by_code(user=user, codes=[parse_text(r.get(H_UNIT)) for r in rows])
    items: list[TargetInput] = []
    numbers: list[int] = []
    for row in rows:
        cells: dict[str, Any] = {}
        for header, parse in (
            (H_INDICATOR, lambda v: _lookup(indicators, v, _("No indicator has the code “%(code)s”."))),
            (H_UNIT, lambda v: _lookup(units, v, _("No unit you can see has the code “%(code)s”."))),
            (H_YEAR, lambda v: parse_int(require(v), minimum=plan.start_year, maximum=plan.end_year)),
            (H_VALUE, _parse_value),
            (H_BELOW, _parse_yes_no),
            (H_NOTE, lambda v: parse_text(v)[:500]),
        ):
            try:
                cells[header] = parse(row.get(header))
            except CellError as exc:
                result.add_error(sheet=sheet, row=row.number, column=header, message=exc.message)
        if len(cells) == len(READ):
            items.append(
                TargetInput(
                    indicator=cells[H_INDICATOR],
                    orgunit=cells[H_UNIT],
                    year=cells[H_YEAR],
                    value=cells[H_VALUE],
                    applies_below=cells[H_BELOW],
                    note=cells[H_NOTE] if row.has(H_NOTE) else None,
                )
            )
            numbers.append(row.number)
    if result.errors:
        result.sort_errors(sheets=[sheet])
        return result
    try:
        with audit_context(user=user, source=AuditEntry.Source.IMPORT):
            counts = targets_set(user=user, plan=plan, items=items, source=AuditEntry.Source.IMPORT)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            index, _sep, name = key.partition(".")
            number = numbers[int(index)] if index.isdigit() and int(index) < len(numbers) else None
            for message in messages:
                result.add_error(sheet=sheet, row=number, column=FIELD_HEADERS.get(name, ""), message=message)
        result.sort_errors(sheets=[sheet])
        transaction.set_rollback(True)
        return result
    except PermissionDenied as exc:
        result.add_error(sheet="", row=None, message=str(exc))
        transaction.set_rollback(True)
        return result
    result.created, result.updated, result.unchanged = counts.created, counts.updated, counts.unchanged
    result.deleted = counts.deleted
    return result


def _lookup(table: dict[str, Any], value: Any, message: str) -> Any:
    code = parse_text(require(value))
    found = table.get(code)
    if found is None:
        raise CellError(message % {"code": code})
    return found


def _parse_value(value: Any) -> float | None:
    try:
        return parse_target_value(value)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None
