"""The equipment catalogue (with its norms) and the medicine list as .xlsx: export a version, import a new one.

An import creates a new version (a code + version pair not yet used), all or nothing: every bad cell is named by
sheet, row and column, and then nothing is saved. The imported version becomes current when asked; items and
ledgers keep pointing at the entries of the version they were recorded with (matched across versions by code).
Only catalogue managers (workforce.catalogue_services.can_manage_catalogues) import.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ytcs.assets.catalogue import medicine_search_text
from ytcs.assets.models import (
    EquipmentCatalogue,
    EquipmentCategory,
    EquipmentNorm,
    EquipmentType,
    Medicine,
    MedicineList,
)
from ytcs.core.audit import audit_context
from ytcs.core.text import fold
from ytcs.core.xlsx import (
    CellError,
    ImportResult,
    add_table_sheet,
    find_sheet,
    new_workbook,
    open_workbook,
    parse_int,
    parse_text,
    read_sheet,
    require,
    workbook_bytes,
)
from ytcs.orgunits.models import OrgUnitKind
from ytcs.workforce.catalogue_services import can_manage_catalogues

S_INFO, S_TYPES, S_NORMS, S_MEDICINES = "Thông tin", "Trang thiết bị", "Định mức", "Thuốc"
I_CODE, I_VERSION, I_NAME, I_SOURCE, I_NOTES = "Mã danh mục*", "Phiên bản*", "Tên*", "Nguồn*", "Ghi chú"
T_CODE, T_NAME, T_CATEGORY, T_UOM, T_CALIB, T_MAINT, T_CALIB_M = (
    "Mã*",
    "Tên*",
    "Nhóm*",
    "Đơn vị tính",
    "Cần kiểm định (có/không)",
    "Bảo dưỡng mỗi (tháng)",
    "Kiểm định mỗi (tháng)",
)
N_KIND, N_CODE, N_QTY, N_SOURCE = "Loại đơn vị*", "Mã trang thiết bị*", "Số lượng*", "Nguồn"
M_CODE, M_INGREDIENT, M_STRENGTH, M_FORM, M_ROUTE, M_UNIT, M_BHYT, M_MIN = (
    "Mã*",
    "Hoạt chất*",
    "Hàm lượng",
    "Dạng bào chế*",
    "Đường dùng*",
    "Đơn vị tính*",
    "BHYT chi trả (có/không)",
    "Tồn tối thiểu",
)
INFO_HEADERS = (I_CODE, I_VERSION, I_NAME, I_SOURCE, I_NOTES)
TYPE_HEADERS = (T_CODE, T_NAME, T_CATEGORY, T_UOM, T_CALIB, T_MAINT, T_CALIB_M)
NORM_HEADERS = (N_KIND, N_CODE, N_QTY, N_SOURCE)
MEDICINE_HEADERS = (M_CODE, M_INGREDIENT, M_STRENGTH, M_FORM, M_ROUTE, M_UNIT, M_BHYT, M_MIN)

_YES = {"co", "x", "1", "true", "yes"}
_NO = {"khong", "0", "false", "no", ""}


def _flag(value: Any) -> bool:
    text = fold(parse_text(value))
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(_("Write “có” or “không”."))


def _choice(value: Any, choices: Any) -> str:
    text = parse_text(require(value))
    for choice in choices:
        if fold(text) in (fold(choice.value), fold(str(choice.label))):
            return choice.value
    raise CellError(
        _("“%(value)s” is not one of: %(choices)s.") % {"value": text, "choices": ", ".join(c.value for c in choices)}
    )


# ---------------------------------------------------------------------------------------------- export


def equipment_export(catalogue: EquipmentCatalogue) -> bytes:
    wb = new_workbook()
    add_table_sheet(
        wb,
        title=S_INFO,
        headers=INFO_HEADERS,
        rows=[(catalogue.code, catalogue.version, catalogue.name, catalogue.source, catalogue.notes)],
    )
    add_table_sheet(
        wb,
        title=S_TYPES,
        headers=TYPE_HEADERS,
        rows=[
            (
                t.code,
                t.name,
                t.category,
                t.unit_of_measure,
                "có" if t.needs_calibration else "không",
                t.maintenance_months,
                t.calibration_months,
            )
            for t in catalogue.types.order_by("category", "code")
        ],
    )
    add_table_sheet(
        wb,
        title=S_NORMS,
        headers=NORM_HEADERS,
        rows=[
            (n.unit_kind, n.equipment_type.code, n.quantity, n.source)
            for n in catalogue.norms.select_related("equipment_type").order_by("unit_kind", "equipment_type__code")
        ],
    )
    return workbook_bytes(wb)


def medicine_export(medicine_list: MedicineList) -> bytes:
    wb = new_workbook()
    add_table_sheet(
        wb,
        title=S_INFO,
        headers=INFO_HEADERS,
        rows=[(medicine_list.code, medicine_list.version, medicine_list.name, medicine_list.source, "")],
    )
    add_table_sheet(
        wb,
        title=S_MEDICINES,
        headers=MEDICINE_HEADERS,
        rows=[
            (
                m.code,
                m.active_ingredient,
                m.strength,
                m.dosage_form,
                m.route,
                m.unit,
                "có" if m.insurance_covered else "không",
                m.minimum_stock,
            )
            for m in medicine_list.medicines.order_by("active_ingredient", "strength")
        ],
    )
    return workbook_bytes(wb)


# ---------------------------------------------------------------------------------------------- import


def _read(wb: Any, result: ImportResult, title: str, headers: tuple[str, ...], required: tuple[str, ...]):
    ws = find_sheet(wb, title)
    if ws is None:
        result.add_error(sheet=title, row=None, message=_("The sheet “%(sheet)s” is missing.") % {"sheet": title})
        return []
    rows, errors = read_sheet(ws, headers=headers, required=required)
    result.errors.extend(errors)
    return rows


def _cell(result: ImportResult, sheet: str, row: Any, header: str, parse: Any) -> Any:
    try:
        return parse(row.get(header))
    except CellError as exc:
        result.add_error(sheet=sheet, row=row.number, column=header.rstrip("*"), message=exc.message)
        return None


def _info(wb: Any, result: ImportResult, model: Any) -> dict[str, Any] | None:
    rows = _read(wb, result, S_INFO, INFO_HEADERS, (I_CODE, I_VERSION, I_NAME, I_SOURCE))
    if len(rows) != 1:
        if rows or not result.errors:
            result.add_error(sheet=S_INFO, row=None, message=_("The sheet holds exactly one row."))
        return None
    row = rows[0]
    info = {
        "code": _cell(result, S_INFO, row, I_CODE, lambda v: parse_text(require(v))),
        "version": _cell(result, S_INFO, row, I_VERSION, lambda v: parse_text(require(v))),
        "name": _cell(result, S_INFO, row, I_NAME, lambda v: parse_text(require(v))),
        "source": _cell(result, S_INFO, row, I_SOURCE, lambda v: parse_text(require(v))),
        "notes": _cell(result, S_INFO, row, I_NOTES, parse_text),
    }
    if info["code"] and info["version"] and model.objects.filter(code=info["code"], version=info["version"]).exists():
        result.add_error(
            sheet=S_INFO,
            row=row.number,
            column=I_VERSION.rstrip("*"),
            message=_("Version %(version)s of %(code)s already exists; give the new list a new version.") % info,
        )
    return info


def _ensure_manager(user: Any) -> None:
    if not can_manage_catalogues(user):
        raise PermissionDenied(_("Only province administrators change the catalogues."))


def equipment_import(
    *, user: Any, file: Any, make_current: bool = True
) -> tuple[ImportResult, EquipmentCatalogue | None]:
    """Import a new version of the equipment catalogue with its norms (all or nothing)."""
    _ensure_manager(user)
    result = ImportResult()
    with open_workbook(file) as wb:
        info = _info(wb, result, EquipmentCatalogue)
        type_rows = _read(wb, result, S_TYPES, TYPE_HEADERS, (T_CODE, T_NAME, T_CATEGORY))
        norm_rows = _read(wb, result, S_NORMS, NORM_HEADERS, (N_KIND, N_CODE, N_QTY))
    types: dict[str, dict[str, Any]] = {}
    for row in type_rows:
        code = _cell(result, S_TYPES, row, T_CODE, lambda v: parse_text(require(v)))
        spec = {
            "code": code,
            "name": _cell(result, S_TYPES, row, T_NAME, lambda v: parse_text(require(v))),
            "category": _cell(result, S_TYPES, row, T_CATEGORY, lambda v: _choice(v, EquipmentCategory)),
            "unit_of_measure": _cell(result, S_TYPES, row, T_UOM, parse_text) or "cái",
            "needs_calibration": _cell(result, S_TYPES, row, T_CALIB, _flag) or False,
            "maintenance_months": _cell(result, S_TYPES, row, T_MAINT, lambda v: parse_int(v, minimum=1, maximum=120)),
            "calibration_months": _cell(
                result, S_TYPES, row, T_CALIB_M, lambda v: parse_int(v, minimum=1, maximum=120)
            ),
        }
        if code in types:
            result.add_error(
                sheet=S_TYPES,
                row=row.number,
                column=T_CODE.rstrip("*"),
                message=_("Code %(code)s appears twice.") % {"code": code},
            )
        elif code:
            types[code] = spec
    norms = []
    seen = set()
    for row in norm_rows:
        kind = _cell(result, S_NORMS, row, N_KIND, lambda v: _choice(v, OrgUnitKind))
        code = _cell(result, S_NORMS, row, N_CODE, lambda v: parse_text(require(v)))
        quantity = _cell(result, S_NORMS, row, N_QTY, lambda v: parse_int(require(v), minimum=1, maximum=1000))
        if code and code not in types:
            result.add_error(
                sheet=S_NORMS,
                row=row.number,
                column=N_CODE.rstrip("*"),
                message=_("%(code)s is not on the sheet “%(sheet)s”.") % {"code": code, "sheet": S_TYPES},
            )
        if (kind, code) in seen:
            result.add_error(
                sheet=S_NORMS, row=row.number, column=N_CODE.rstrip("*"), message=_("This norm appears twice.")
            )
        seen.add((kind, code))
        norms.append((kind, code, quantity, _cell(result, S_NORMS, row, N_SOURCE, parse_text)))
    if not result.ok or info is None:
        result.sort_errors(sheets=(S_INFO, S_TYPES, S_NORMS))
        return result, None
    with transaction.atomic(), audit_context(user=user):
        if make_current:
            EquipmentCatalogue.objects.filter(is_current=True).update(is_current=False)
        catalogue = EquipmentCatalogue.objects.create(
            code=info["code"],
            version=info["version"],
            name=info["name"],
            source=info["source"],
            notes=info["notes"] or "",
            is_current=make_current,
        )
        created = {code: EquipmentType.objects.create(catalogue=catalogue, **spec) for code, spec in types.items()}
        for kind, code, quantity, source in norms:
            EquipmentNorm.objects.create(
                catalogue=catalogue,
                unit_kind=kind,
                equipment_type=created[code],
                quantity=quantity,
                source=source or info["source"],
            )
    result.created = len(types) + len(norms)
    return result, catalogue


def medicine_import(*, user: Any, file: Any, make_current: bool = True) -> tuple[ImportResult, MedicineList | None]:
    """Import a new version of the medicine list (all or nothing)."""
    _ensure_manager(user)
    result = ImportResult()
    with open_workbook(file) as wb:
        info = _info(wb, result, MedicineList)
        rows = _read(wb, result, S_MEDICINES, MEDICINE_HEADERS, (M_CODE, M_INGREDIENT, M_FORM, M_ROUTE, M_UNIT))
    medicines: dict[str, dict[str, Any]] = {}
    for row in rows:
        code = _cell(result, S_MEDICINES, row, M_CODE, lambda v: parse_text(require(v)))
        spec = {
            "code": code,
            "active_ingredient": _cell(result, S_MEDICINES, row, M_INGREDIENT, lambda v: parse_text(require(v))),
            "strength": _cell(result, S_MEDICINES, row, M_STRENGTH, parse_text) or "",
            "dosage_form": _cell(result, S_MEDICINES, row, M_FORM, lambda v: parse_text(require(v))),
            "route": _cell(result, S_MEDICINES, row, M_ROUTE, lambda v: parse_text(require(v))),
            "unit": _cell(result, S_MEDICINES, row, M_UNIT, lambda v: parse_text(require(v))),
            "insurance_covered": _cell(result, S_MEDICINES, row, M_BHYT, _flag) or False,
            "minimum_stock": _cell(result, S_MEDICINES, row, M_MIN, lambda v: parse_int(v, minimum=0)),
        }
        if code in medicines:
            result.add_error(
                sheet=S_MEDICINES,
                row=row.number,
                column=M_CODE.rstrip("*"),
                message=_("Code %(code)s appears twice.") % {"code": code},
            )
        elif code:
            medicines[code] = spec
    if not result.ok or info is None:
        result.sort_errors(sheets=(S_INFO, S_MEDICINES))
        return result, None
    with transaction.atomic(), audit_context(user=user):
        if make_current:
            MedicineList.objects.filter(is_current=True).update(is_current=False)
        medicine_list = MedicineList.objects.create(
            code=info["code"],
            version=info["version"],
            name=info["name"],
            source=info["source"],
            is_current=make_current,
        )
        for spec in medicines.values():  # one by one: each entry is audited
            Medicine.objects.create(medicine_list=medicine_list, search_text=medicine_search_text(spec), **spec)
    result.created = len(medicines)
    return result, medicine_list
