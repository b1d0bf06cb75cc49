"""The equipment inventory as .xlsx (sổ theo dõi trang thiết bị): export of a filtered list, the import template,
and an all-or-nothing import.

One sheet, Vietnamese headers, dd/mm/yyyy dates. A row without "Mã số" records a new item at the unit of its code;
a row with the "Mã số" of an item (as exported) corrects that item. Moving an item to another unit is recorded on
the item's page (with its reason), never by import. Every row is checked first; if any is wrong, each problem is
returned with its row, column and reason, and nothing is saved. Writes go through `services.item_create` /
`item_update` (rights: change on the item's unit), audited with source "import".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from ytcs.assets import services
from ytcs.assets.models import Condition, EquipmentCategory, EquipmentItem, EquipmentType, FundingSource
from ytcs.assets.selectors_equipment import current_catalogue
from ytcs.core.audit import audit_context
from ytcs.core.models import AuditEntry
from ytcs.core.querysets import CHANGE, VIEW, in_scope
from ytcs.core.text import fold
from ytcs.core.xlsx import (
    CellError,
    ImportResult,
    SheetRow,
    add_list_validation,
    add_table_sheet,
    new_workbook,
    parse_date,
    parse_int,
    parse_text,
    read_upload_sheet,
    require,
    workbook_bytes,
)
from ytcs.orgunits.models import OrgUnit

SHEET = "Trang thiết bị"
GUIDE_SHEET = "Hướng dẫn"
TYPES_SHEET = "Danh mục"

H_ID = "Mã số"
H_UNIT = "Mã đơn vị*"
H_UNIT_NAME = "Tên đơn vị"
H_TYPE = "Mã trang thiết bị*"
H_TYPE_NAME = "Tên trang thiết bị"
H_SERIAL = "Số sê-ri"
H_MODEL = "Hãng, model"
H_YEAR = "Năm đưa vào sử dụng"
H_FUNDING = "Nguồn kinh phí"
H_CONDITION = "Tình trạng*"
H_LAST_MAINT = "Bảo dưỡng lần cuối"
H_NEXT_MAINT = "Bảo dưỡng tiếp theo"
H_LAST_CAL = "Kiểm định lần cuối"
H_NEXT_CAL = "Kiểm định tiếp theo"
H_WARRANTY = "Bảo hành đến"
H_NOTE = "Ghi chú"

HEADERS = (
    H_ID,
    H_UNIT,
    H_UNIT_NAME,
    H_TYPE,
    H_TYPE_NAME,
    H_SERIAL,
    H_MODEL,
    H_YEAR,
    H_FUNDING,
    H_CONDITION,
    H_LAST_MAINT,
    H_NEXT_MAINT,
    H_LAST_CAL,
    H_NEXT_CAL,
    H_WARRANTY,
    H_NOTE,
)
REQUIRED = (H_UNIT, H_TYPE, H_CONDITION)
WIDTHS = (9, 12, 32, 18, 34, 16, 20, 12, 22, 16, 13, 13, 13, 13, 13, 30)
DATE_COLUMNS = (11, 12, 13, 14, 15)
TEXT_COLUMNS = (2, 4, 6)

CONDITION_LABELS: dict[str, str] = {
    Condition.WORKING: "Hoạt động tốt",
    Condition.BROKEN: "Hỏng",
    Condition.UNDER_REPAIR: "Đang sửa chữa",
    Condition.RETIRED: "Đã thanh lý",
}
FUNDING_LABELS: dict[str, str] = {
    FundingSource.STATE_BUDGET: "Ngân sách nhà nước",
    FundingSource.INSURANCE: "Quỹ bảo hiểm y tế",
    FundingSource.PROJECT: "Dự án hoặc viện trợ",
    FundingSource.SOCIALISED: "Xã hội hóa",
    FundingSource.OWN: "Nguồn thu của đơn vị",
    FundingSource.OTHER: "Khác",
}
CATEGORY_LABELS: dict[str, str] = {
    EquipmentCategory.GENERAL: "Khám bệnh thông thường",
    EquipmentCategory.IMAGING: "Chẩn đoán hình ảnh",
    EquipmentCategory.FUNCTIONAL: "Thăm dò chức năng",
    EquipmentCategory.LABORATORY: "Xét nghiệm",
    EquipmentCategory.OBSTETRICS: "Sản khoa, sơ sinh",
    EquipmentCategory.EMERGENCY: "Cấp cứu",
    EquipmentCategory.COLD_CHAIN: "Dây chuyền lạnh",
    EquipmentCategory.STERILISATION: "Tiệt khuẩn",
    EquipmentCategory.TRADITIONAL: "Y học cổ truyền",
    EquipmentCategory.IT: "Công nghệ thông tin",
    EquipmentCategory.OTHER: "Khác",
}

GUIDE = (
    "Mỗi dòng là một thiết bị. Cột có dấu * là bắt buộc; ngày ghi dd/mm/yyyy.",
    "Để trống “Mã số” để ghi một thiết bị mới; giữ “Mã số” (như khi xuất) để sửa thiết bị đó.",
    "“Mã trang thiết bị” lấy ở trang “Danh mục” (danh mục hiện hành).",
    "Điều chuyển thiết bị sang đơn vị khác ghi ở trang của thiết bị, không qua nhập tệp.",
    "Tệp được kiểm tra toàn bộ trước: nếu có dòng sai thì không dòng nào được lưu.",
)


# ---------------------------------------------------------------------------------------------- writing


def _workbook(rows: Any) -> Any:
    wb = new_workbook()
    ws = add_table_sheet(
        wb,
        title=SHEET,
        headers=HEADERS,
        rows=rows,
        widths=WIDTHS,
        date_columns=DATE_COLUMNS,
        text_columns=TEXT_COLUMNS,
    )
    add_list_validation(ws, column=HEADERS.index(H_CONDITION) + 1, options=list(CONDITION_LABELS.values()))
    add_list_validation(ws, column=HEADERS.index(H_FUNDING) + 1, options=list(FUNDING_LABELS.values()))
    catalogue = current_catalogue()
    types = catalogue.types.order_by("category", "code") if catalogue else EquipmentType.objects.none()
    add_table_sheet(
        wb,
        title=TYPES_SHEET,
        headers=("Mã", "Tên", "Nhóm", "Đơn vị tính", "Cần kiểm định"),
        rows=[
            (t.code, t.name, CATEGORY_LABELS.get(t.category, t.category), t.unit_of_measure, _yes(t.needs_calibration))
            for t in types
        ],
        widths=(18, 40, 24, 12, 14),
    )
    add_table_sheet(wb, title=GUIDE_SHEET, headers=("Hướng dẫn",), rows=[(line,) for line in GUIDE], widths=(110,))
    return wb


def _yes(flag: bool) -> str:
    return "có" if flag else "không"


def template_workbook() -> bytes:
    """The empty import template, with the current catalogue's types and the instructions."""
    return workbook_bytes(_workbook(rows=()))


def export_workbook(*, items: QuerySet[EquipmentItem]) -> bytes:
    """Items (already restricted and filtered by the caller) in the template's layout, ready to re-import."""
    rows = (
        (
            item.pk,
            item.orgunit.code,
            item.orgunit.name,
            item.equipment_type.code,
            item.equipment_type.name,
            item.serial_number,
            item.model_name,
            item.year_in_use,
            FUNDING_LABELS.get(item.funding_source, ""),
            CONDITION_LABELS.get(item.condition, item.condition),
            item.last_maintained_on,
            item.next_maintenance_on,
            item.last_calibrated_on,
            item.next_calibration_on,
            item.warranty_until,
            item.note,
        )
        for item in items.select_related("orgunit", "equipment_type").iterator(chunk_size=2000)
    )
    return workbook_bytes(_workbook(rows=rows))


# ---------------------------------------------------------------------------------------------- import


def _lookup(labels: dict[str, str], choices: Any) -> dict[str, str]:
    """Folded spelling → value: the file's Vietnamese label, the value itself, or the interface's label."""
    found = {fold(label): str(value) for value, label in labels.items()}
    for value, label in choices.choices:
        found.setdefault(fold(str(value)), value)
        found.setdefault(fold(str(label)), value)
    return found


def _choice(value: Any, lookup: dict[str, str], labels: dict[str, str]) -> str:
    text = parse_text(value)
    if not text:
        return ""
    try:
        return lookup[fold(text)]
    except KeyError:
        raise CellError(
            _("“%(value)s” is not one of: %(choices)s.") % {"value": text, "choices": ", ".join(labels.values())}
        ) from None


@dataclass
class _Row:
    number: int
    item_id: int | None = None
    unit_code: str = ""
    type_code: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    ok: bool = True


class _Importer:
    def __init__(self, *, user: Any, result: ImportResult) -> None:
        self.user = user
        self.result = result
        self.conditions = _lookup(CONDITION_LABELS, Condition)
        self.funding = _lookup(FUNDING_LABELS, FundingSource)

    def error(self, row: _Row, header: str, message: str) -> None:
        row.ok = False
        self.result.add_error(sheet=SHEET, row=row.number, column=header.rstrip("*"), message=message)

    def cell(self, row: _Row, sheet_row: SheetRow, header: str, parse: Any) -> Any:
        try:
            return parse(sheet_row.get(header))
        except CellError as exc:
            self.error(row, header, exc.message)
            return None

    def parse(self, sheet_row: SheetRow) -> _Row:
        row = _Row(number=sheet_row.number)
        row.item_id = self.cell(row, sheet_row, H_ID, lambda v: parse_int(v, minimum=1))
        row.unit_code = self.cell(row, sheet_row, H_UNIT, lambda v: parse_text(require(v))) or ""
        row.type_code = self.cell(row, sheet_row, H_TYPE, lambda v: parse_text(require(v))) or ""
        plain = {
            "serial_number": (H_SERIAL, parse_text),
            "model_name": (H_MODEL, parse_text),
            "year_in_use": (H_YEAR, lambda v: parse_int(v, minimum=1950, maximum=2100)),
            "funding_source": (H_FUNDING, lambda v: _choice(v, self.funding, FUNDING_LABELS)),
            "condition": (H_CONDITION, lambda v: _choice(require(v), self.conditions, CONDITION_LABELS)),
            "last_maintained_on": (H_LAST_MAINT, parse_date),
            "next_maintenance_on": (H_NEXT_MAINT, parse_date),
            "last_calibrated_on": (H_LAST_CAL, parse_date),
            "next_calibration_on": (H_NEXT_CAL, parse_date),
            "warranty_until": (H_WARRANTY, parse_date),
            "note": (H_NOTE, parse_text),
        }
        for name, (header, parse) in plain.items():
            if sheet_row.has(header):
                row.values[name] = self.cell(row, sheet_row, header, parse)
        return row

    def run(self, sheet_rows: list[SheetRow]) -> None:
        rows = [self.parse(sheet_row) for sheet_row in sheet_rows]
        codes = {row.unit_code.upper() for row in rows if row.unit_code}
        visible = OrgUnit.objects.restrict(self.user, VIEW).annotate(upper_code=Upper("code"))
        units = {u.upper_code: u for u in visible.filter(upper_code__in=codes)}
        catalogue = current_catalogue()
        types = {t.code: t for t in (catalogue.types.all() if catalogue else [])}
        ids = [row.item_id for row in rows if row.item_id]
        items = {
            i.pk: i
            for i in EquipmentItem.objects.restrict(self.user, VIEW)
            .filter(pk__in=ids)
            .select_related("orgunit", "equipment_type")
        }
        seen: dict[int, int] = {}
        plans = []
        for row in rows:
            unit = units.get(row.unit_code.upper()) if row.unit_code else None
            if row.unit_code and unit is None:
                self.error(row, H_UNIT, _("No unit you may see has the code %(code)s.") % {"code": row.unit_code})
            elif unit is not None and not in_scope(self.user, unit.path, CHANGE):
                self.error(row, H_UNIT, _("You may not change the equipment of %(unit)s.") % {"unit": unit.name})
            item = None
            if row.item_id:
                item = items.get(row.item_id)
                if item is None:
                    self.error(row, H_ID, _("No item you may see has the number %(id)s.") % {"id": row.item_id})
                elif row.item_id in seen:
                    self.error(row, H_ID, _("The same item is on row %(row)d too.") % {"row": seen[row.item_id]})
                elif unit is not None and item.orgunit_id != unit.pk:
                    self.error(
                        row,
                        H_UNIT,
                        _("The item is at %(unit)s; record a move on the item's page.") % {"unit": item.orgunit.code},
                    )
                seen.setdefault(row.item_id, row.number)
            equipment_type = types.get(row.type_code)
            if item is not None and item.equipment_type.code == row.type_code:
                equipment_type = item.equipment_type
            if row.type_code and equipment_type is None:
                self.error(
                    row,
                    H_TYPE,
                    _("%(code)s is not in the current equipment catalogue (sheet “%(sheet)s”).")
                    % {"code": row.type_code, "sheet": TYPES_SHEET},
                )
            for last, following, header in (
                ("last_maintained_on", "next_maintenance_on", H_NEXT_MAINT),
                ("last_calibrated_on", "next_calibration_on", H_NEXT_CAL),
            ):
                if row.values.get(last) and row.values.get(following) and row.values[following] < row.values[last]:
                    self.error(row, header, _("The next date cannot come before the last one."))
            if row.ok:
                plans.append((row, unit, item, equipment_type))
        if self.result.errors:
            return
        for row, unit, item, equipment_type in plans:
            try:
                if item is None:
                    services.item_create(user=self.user, orgunit=unit, equipment_type=equipment_type, **row.values)
                    self.result.created += 1
                else:
                    changes = {k: v for k, v in row.values.items() if getattr(item, k) != v}
                    if equipment_type.pk != item.equipment_type_id:
                        changes["equipment_type"] = equipment_type
                    if changes:
                        services.item_update(user=self.user, item=item, **changes)
                        self.result.updated += 1
                    else:
                        self.result.unchanged += 1
            except ValidationError as exc:
                for name, messages in _messages(exc).items():
                    for message in messages:
                        self.error(row, _HEADER_OF.get(name, ""), message)
            except PermissionDenied as exc:
                self.error(row, H_UNIT, str(exc))


_HEADER_OF = {
    "orgunit": H_UNIT,
    "equipment_type": H_TYPE,
    "serial_number": H_SERIAL,
    "model_name": H_MODEL,
    "year_in_use": H_YEAR,
    "funding_source": H_FUNDING,
    "condition": H_CONDITION,
    "last_maintained_on": H_LAST_MAINT,
    "next_maintenance_on": H_NEXT_MAINT,
    "last_calibrated_on": H_LAST_CAL,
    "next_calibration_on": H_NEXT_CAL,
    "warranty_until": H_WARRANTY,
    "note": H_NOTE,
}


def _messages(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}


@transaction.atomic
def import_items(*, user: Any, file: Any) -> ImportResult:
    """Record or correct items from a filled-in template: every row, or none (see the module docstring)."""
    result = ImportResult()
    read = read_upload_sheet(file, result=result, sheet=SHEET, headers=HEADERS, required=REQUIRED)
    if read is None:
        return result
    sheet_rows, _title = read
    with audit_context(user=user, source=AuditEntry.Source.IMPORT):
        _Importer(user=user, result=result).run(sheet_rows)
    result.sort_errors(sheets=[SHEET])
    if result.errors:
        transaction.set_rollback(True)
        result.created = result.updated = result.unchanged = 0
    return result
