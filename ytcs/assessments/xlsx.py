"""An assessment framework (bộ tiêu chí) as an Excel workbook: export, import template, and the reader.

The workbook holds the same document as a YAML framework file (data/FORMAT.md), in three sheets: "Bộ tiêu chí" (one
row: the framework and its pass rule), "Tiêu chí" (one row per criterion, in order) and "Nội dung" (one row per item,
naming its criterion by code), plus a "Hướng dẫn" sheet. Headers and the labels of types, scoring and yes/no are fixed
Vietnamese text, so a file reads the same whatever the interface language.

Choices and thresholds fit in one cell each, written the way people write them: choices "a=2 (Đầy đủ); b=1; c=0"
(code=points, an optional label in brackets), thresholds "≥1:2; ≤24:1" (a minimum to reach or a maximum not to
exceed, then the points; ">=" and "<=" work too, both bounds as "≥1 ≤5:2"); decimals with a comma or a point.

The reader turns a workbook into that document and remembers the sheet and row each criterion and item came from,
so the checks of `frameworks.parse_framework` ("criteria[2].items[0].type: ...") are reported with the sheet, row
and column to correct (`locate_errors`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font

from ytcs.assessments.models import ItemType, Scoring
from ytcs.core.text import fold
from ytcs.core.xlsx import (
    CellError,
    RowError,
    SheetRow,
    add_list_validation,
    add_table_sheet,
    find_sheet,
    new_workbook,
    open_workbook,
    parse_text,
    read_sheet,
    workbook_bytes,
)
from ytcs.orgunits.xlsx import KIND_LABELS

FRAMEWORK_SHEET = "Bộ tiêu chí"
CRITERIA_SHEET = "Tiêu chí"
ITEMS_SHEET = "Nội dung"
GUIDE_SHEET = "Hướng dẫn"
SHEETS = (FRAMEWORK_SHEET, CRITERIA_SHEET, ITEMS_SHEET)

F_CODE = "Mã bộ tiêu chí*"
F_VERSION = "Phiên bản*"
F_NAME = "Tên bộ tiêu chí*"
F_SOURCE = "Nguồn (văn bản)*"
F_CONFIRMED = "Đã đối chiếu nguồn"
F_NOTES = "Ghi chú (đã biết, chưa biết)"
F_UNIT_KINDS = "Áp dụng cho loại đơn vị"
F_SCORING = "Cách chấm*"
F_PASS_TOTAL = "Tổng điểm tối thiểu để đạt"
F_PASS_PERCENT = "Tỷ lệ % tối thiểu của mỗi tiêu chí"
F_PASS_CONFIRMED = "Điều kiện đạt đã đối chiếu"
F_PASS_SOURCE = "Nguồn của điều kiện đạt"
FRAMEWORK_HEADERS = (
    F_CODE,
    F_VERSION,
    F_NAME,
    F_SOURCE,
    F_CONFIRMED,
    F_NOTES,
    F_UNIT_KINDS,
    F_SCORING,
    F_PASS_TOTAL,
    F_PASS_PERCENT,
    F_PASS_CONFIRMED,
    F_PASS_SOURCE,
)
FRAMEWORK_WIDTHS = (18, 10, 40, 50, 12, 70, 28, 22, 14, 14, 14, 50)

C_CODE = "Mã tiêu chí*"
C_NAME = "Tên tiêu chí*"
C_MAX = "Điểm tối đa"
C_MIN = "Điểm tối thiểu để đạt"
C_CONFIRMED = "Đã đối chiếu nguồn"
C_SOURCE = "Nguồn"
CRITERIA_HEADERS = (C_CODE, C_NAME, C_MAX, C_MIN, C_CONFIRMED, C_SOURCE)
CRITERIA_WIDTHS = (12, 50, 10, 12, 12, 60)

I_CRITERION = "Mã tiêu chí*"
I_CODE = "Mã nội dung*"
I_TEXT = "Nội dung*"
I_TYPE = "Loại*"
I_MAX = "Điểm tối đa"
I_EVIDENCE = "Cần minh chứng"
I_PREFILL = "Điền sẵn từ sổ đăng ký"
I_CHOICES = "Các lựa chọn (mã=điểm)"
I_THRESHOLDS = "Ngưỡng (≥ hoặc ≤ giá trị:điểm)"
I_UNIT = "Đơn vị tính"
I_CONFIRMED = "Đã đối chiếu nguồn"
I_SOURCE = "Nguồn"
ITEM_HEADERS = (
    I_CRITERION,
    I_CODE,
    I_TEXT,
    I_TYPE,
    I_MAX,
    I_EVIDENCE,
    I_PREFILL,
    I_CHOICES,
    I_THRESHOLDS,
    I_UNIT,
    I_CONFIRMED,
    I_SOURCE,
)
ITEM_WIDTHS = (12, 12, 60, 12, 10, 12, 26, 30, 24, 10, 12, 60)

YES, NO = "Có", "Không"
TYPE_LABELS: dict[str, str] = {
    ItemType.YES_NO: "Có/Không",
    ItemType.NUMBER: "Số",
    ItemType.CHOICE: "Lựa chọn",
    ItemType.POINTS: "Điểm",
}
SCORING_LABELS: dict[str, str] = {
    Scoring.POINTS: "Tính điểm",
    Scoring.DOMAIN_MEAN: "Chỉ số trung bình các lĩnh vực",
}
_TRUE = {"co", "x", "yes", "true", "1", "dung", "da"}
_FALSE = {"khong", "no", "false", "0", "chua"}

# Where the checks of parse_framework point ("criteria[0].items[2].type") → the column that holds the value.
FRAMEWORK_COLUMNS = {
    "code": F_CODE,
    "version": F_VERSION,
    "name": F_NAME,
    "source": F_SOURCE,
    "scoring": F_SCORING,
    "notes": F_NOTES,
    "unit_kinds": F_UNIT_KINDS,
    "confirmed": F_CONFIRMED,
}
PASS_RULE_COLUMNS = {
    "total_min": F_PASS_TOTAL,
    "every_criterion_min_percent": F_PASS_PERCENT,
    "confirmed": F_PASS_CONFIRMED,
    "source": F_PASS_SOURCE,
}
CRITERION_COLUMNS = {
    "code": C_CODE,
    "name": C_NAME,
    "max_points": C_MAX,
    "min_points": C_MIN,
    "confirmed": C_CONFIRMED,
    "source": C_SOURCE,
}
ITEM_COLUMNS = {
    "code": I_CODE,
    "text": I_TEXT,
    "type": I_TYPE,
    "max_points": I_MAX,
    "prefill": I_PREFILL,
    "choices": I_CHOICES,
    "thresholds": I_THRESHOLDS,
    "unit": I_UNIT,
    "evidence_required": I_EVIDENCE,
    "confirmed": I_CONFIRMED,
    "source": I_SOURCE,
}

EXAMPLE_DOCUMENT: dict[str, Any] = {
    "code": "vi-du",
    "version": "2026",
    "name": "Bộ tiêu chí ví dụ (xóa dòng này và nhập bộ tiêu chí của tỉnh)",
    "source": "Số, ngày và tên văn bản ban hành bộ tiêu chí",
    "confirmed": False,
    "notes": "Điều gì đã đối chiếu với văn bản, điều gì chưa có trong văn bản đọc được.",
    "unit_kinds": ["station"],
    "scoring": "points",
    "pass_rule": {"total_min": None, "every_criterion_min_percent": 50, "confirmed": False, "source": ""},
    "criteria": [
        {
            "code": "TC1",
            "name": "Nhân lực y tế",
            "max_points": 10,
            "min_points": None,
            "confirmed": False,
            "source": "",
            "items": [
                {
                    "code": "TC1.1",
                    "text": "Số bác sĩ làm việc tại trạm",
                    "type": "number",
                    "max_points": 3,
                    "evidence_required": False,
                    "confirmed": False,
                    "source": "",
                    "prefill": "station_doctor_count",
                    "choices": [],
                    "thresholds": [{"min": 1, "points": 2}, {"min": 2, "points": 3}],
                    "unit": "người",
                }
            ],
        }
    ],
}

_GUIDE_NOTES = (
    "Hướng dẫn nhập bộ tiêu chí đánh giá",
    "• Trang “Bộ tiêu chí”: đúng một dòng (mã, phiên bản, tên, nguồn, điều kiện đạt). Trang “Tiêu chí”: mỗi dòng một "
    "tiêu chí, theo thứ tự. Trang “Nội dung”: mỗi dòng một nội dung (chỉ số), ghi mã tiêu chí mà nó thuộc về.",
    "• Cột có dấu * là bắt buộc. Ô để trống nghĩa là chưa biết: không điền số nào không có trong văn bản; ghi rõ điều "
    "chưa biết ở cột “Ghi chú” và để “Đã đối chiếu nguồn” là “Không”.",
    "• Nhập một phiên bản mới khi văn bản thay đổi. Nhập lại đúng mã và phiên bản đã có thì phiên bản đó được thay "
    "thế, trừ khi đã có đơn vị đánh giá theo nó.",
    "• Toàn bộ tệp được kiểm tra trước khi lưu: chỉ cần một ô sai thì không có gì được lưu. Danh sách lỗi cho biết "
    "trang, dòng và cột cần sửa.",
    "• Các lựa chọn: mã=điểm, cách nhau bởi dấu chấm phẩy, có thể kèm nhãn trong ngoặc: a=2 (Đầy đủ); b=1 (Một phần); "
    "c=0 (Không có).",
    "• Ngưỡng (nội dung dạng Số): ≥ giá trị:điểm khi cần đạt tối thiểu, ≤ giá trị:điểm khi càng thấp càng tốt, "
    "cách nhau bởi dấu chấm phẩy; được điểm cao nhất trong các ngưỡng đạt được. Ví dụ: ≥1:2; ≥2:3 hoặc ≤16,5:1. "
    "Có thể gõ >= và <=.",
    "• Số thập phân viết bằng dấu phẩy hoặc dấu chấm (16,5 hay 16.5). Có/Không: Có, Không (hoặc x, để trống = Không).",
)
_PREFILL_HELP = (
    ("station_has_doctor", "Trạm có bác sĩ đang làm việc (sổ nhân lực) — cho nội dung Có/Không"),
    ("station_doctor_count", "Số bác sĩ đang làm việc tại đơn vị (sổ nhân lực)"),
    ("station_staff_count", "Số người đang làm việc tại đơn vị (sổ nhân lực)"),
    ("station_population", "Dân số địa bàn phụ trách, năm gần nhất (số liệu dân số)"),
    ("staff_with_competency:<mã chứng chỉ>", "Số người có chứng chỉ còn hiệu lực, ví dụ staff_with_competency:sieu-am"),
)


# ---------------------------------------------------------------------------------------------- writing


def _number_text(value: Any) -> str:
    """2 → "2", 16.5 → "16,5" (the Vietnamese decimal comma, which the reader takes back)."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f").replace(".", ",")


def choices_text(choices: list[Any]) -> str:
    """[{"code": "a", "label": "Đầy đủ", "points": 2}, ...] → "a=2 (Đầy đủ); ..."."""
    parts = []
    for choice in choices or []:
        if not isinstance(choice, dict):
            continue
        text = f"{choice.get('code')}={_number_text(choice.get('points', 0))}"
        if choice.get("label"):
            text += f" ({choice['label']})"
        parts.append(text)
    return "; ".join(parts)


def thresholds_text(thresholds: list[Any]) -> str:
    """[{"min": 1, "points": 2}, {"max": 24, "points": 1}] → "≥1:2; ≤24:1"."""
    parts = []
    for threshold in thresholds or []:
        if not isinstance(threshold, dict):
            continue
        bounds = []
        if threshold.get("min") is not None:
            bounds.append(f"≥{_number_text(threshold['min'])}")
        if threshold.get("max") is not None:
            bounds.append(f"≤{_number_text(threshold['max'])}")
        parts.append(f"{' '.join(bounds)}:{_number_text(threshold.get('points', 0))}")
    return "; ".join(parts)


def _yes_no(value: Any) -> str:
    return YES if value else NO


def _blank(value: Any) -> Any:
    return "" if value is None else value


def framework_workbook(document: dict[str, Any]) -> bytes:
    """A framework document (frameworks.framework_document) as an .xlsx file the import reads back."""
    rule = document.get("pass_rule") or {}
    framework_row = (
        document["code"],
        document["version"],
        document["name"],
        document["source"],
        _yes_no(document.get("confirmed")),
        document.get("notes") or "",
        "; ".join(KIND_LABELS.get(kind, kind) for kind in document.get("unit_kinds") or []),
        SCORING_LABELS.get(document["scoring"], document["scoring"]),
        _blank(rule.get("total_min")),
        _blank(rule.get("every_criterion_min_percent")),
        _yes_no(rule.get("confirmed")),
        rule.get("source") or "",
    )
    criteria_rows = []
    item_rows = []
    for criterion in document["criteria"]:
        criteria_rows.append(
            (
                criterion["code"],
                criterion["name"],
                _blank(criterion.get("max_points")),
                _blank(criterion.get("min_points")),
                _yes_no(criterion.get("confirmed")),
                criterion.get("source") or "",
            )
        )
        for item in criterion.get("items") or []:
            item_rows.append(
                (
                    criterion["code"],
                    item["code"],
                    item["text"],
                    TYPE_LABELS.get(item["type"], item["type"]),
                    _blank(item.get("max_points")),
                    _yes_no(item.get("evidence_required")),
                    item.get("prefill") or "",
                    choices_text(item.get("choices") or []),
                    thresholds_text(item.get("thresholds") or []),
                    item.get("unit") or "",
                    _yes_no(item.get("confirmed")),
                    item.get("source") or "",
                )
            )
    wb = new_workbook()
    ws = add_table_sheet(
        wb,
        title=FRAMEWORK_SHEET,
        headers=FRAMEWORK_HEADERS,
        rows=[framework_row],
        widths=FRAMEWORK_WIDTHS,
        text_columns=(1, 2, 7, 12),
    )
    _wrap(ws)
    add_list_validation(ws, column=5, options=[YES, NO])
    add_list_validation(ws, column=8, options=list(SCORING_LABELS.values()))
    add_list_validation(ws, column=11, options=[YES, NO])
    ws = add_table_sheet(
        wb,
        title=CRITERIA_SHEET,
        headers=CRITERIA_HEADERS,
        rows=criteria_rows,
        widths=CRITERIA_WIDTHS,
        text_columns=(1,),
    )
    add_list_validation(ws, column=5, options=[YES, NO])
    ws = add_table_sheet(
        wb, title=ITEMS_SHEET, headers=ITEM_HEADERS, rows=item_rows, widths=ITEM_WIDTHS, text_columns=(1, 2, 8, 9)
    )
    add_list_validation(ws, column=4, options=list(TYPE_LABELS.values()))
    add_list_validation(ws, column=6, options=[YES, NO])
    add_list_validation(ws, column=11, options=[YES, NO])
    _add_guide(wb)
    return workbook_bytes(wb)


def template_workbook() -> bytes:
    """The import template: the headers and one example row on each sheet, with the instructions."""
    return framework_workbook(EXAMPLE_DOCUMENT)


def _wrap(ws: Any) -> None:
    for cell in ws[2]:
        cell.alignment = Alignment(vertical="top", wrap_text=True)


def _add_guide(wb: Any) -> None:
    ws = wb.create_sheet(title=GUIDE_SHEET)
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 90
    for line in _GUIDE_NOTES:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    ws.append(["Loại nội dung", "Cách chấm"])
    ws.append([TYPE_LABELS[ItemType.YES_NO], "Có được số điểm tối đa của nội dung, Không được 0."])
    ws.append([TYPE_LABELS[ItemType.NUMBER], "Một số đo (người, %...): được điểm của ngưỡng cao nhất đạt được."])
    ws.append([TYPE_LABELS[ItemType.CHOICE], "Chọn một trong các lựa chọn: được điểm của lựa chọn đó."])
    ws.append([TYPE_LABELS[ItemType.POINTS], "Người chấm cho điểm, từ 0 đến điểm tối đa."])
    ws.append([])
    ws.append(["Cách chấm của bộ tiêu chí", ""])
    ws.append([SCORING_LABELS[Scoring.POINTS], "Điểm tiêu chí = tổng điểm các nội dung; tổng = tổng các tiêu chí."])
    ws.append(
        [
            SCORING_LABELS[Scoring.DOMAIN_MEAN],
            "Kiểu WHO SARA: mỗi tiêu chí là một lĩnh vực, mỗi nội dung một mục đánh dấu Có/Không (điểm tối đa 1); "
            "điểm lĩnh vực = % mục có; chỉ số = trung bình các lĩnh vực.",
        ]
    )
    ws.append([])
    ws.append(["Điền sẵn từ sổ đăng ký", "Ý nghĩa"])
    for key, text in _PREFILL_HELP:
        ws.append([key, text])
    ws.append([])
    ws.append(["Loại đơn vị áp dụng", "Hoặc mã hệ thống (cách nhau bởi dấu chấm phẩy)"])
    for value, label in KIND_LABELS.items():
        ws.append([label, value])


# ---------------------------------------------------------------------------------------------- reading


@dataclass
class FrameworkWorkbook:
    """What the reader made of a workbook: the framework document, the problems found in its cells, and where each
    part of the document came from ("criteria[0]" → ("Tiêu chí", 2))."""

    document: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    places: dict[str, tuple[str, int]] = field(default_factory=dict)


def _number(value: Any) -> int | float | None:
    """A number from a number cell or text ("16,5", "16.5"); blank → None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a number.") % {"value": parse_text(value)})
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not a number.") % {"value": value}) from None
        if not number.is_finite():
            raise CellError(_("“%(value)s” is not a number.") % {"value": value})
    return int(number) if number == number.to_integral_value() else float(number)


def _boolean(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    key = fold(parse_text(value))
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(_("“%(value)s”: write Có or Không.") % {"value": parse_text(value)})


def _label(value: Any, labels: dict[str, str]) -> str:
    """A Vietnamese label (or the system value), diacritics and case ignored, back to the value."""
    text = parse_text(value)
    wanted = fold(text)
    for code, label in labels.items():
        if wanted in (fold(label), fold(code)):
            return code
    raise CellError(
        _("“%(value)s” is not one of: %(options)s.") % {"value": text, "options": ", ".join(labels.values())}
    )


def _unit_kinds(value: Any) -> list[str]:
    kinds = []
    for part in re.split(r"[;,\n]", parse_text(value)):
        if part.strip():
            kinds.append(_label(part, KIND_LABELS))
    return kinds


_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_CODE = r"[^=;()]+?"
# A label ends at the ")" after which comes the next choice or the end, so labels may hold brackets and semicolons.
_NEXT_CHOICE = rf";\s*{_CODE}\s*=\s*{_NUMBER}\s*(?:\(|;|$)|;?\s*$"
_CHOICE = re.compile(
    rf"\s*(?P<code>{_CODE})\s*=\s*(?P<points>{_NUMBER})\s*(?:\((?P<label>.*?)\)\s*(?={_NEXT_CHOICE}))?(?:;|$)",
    re.DOTALL,
)
_BOUND = re.compile(rf"\s*(?P<op>≥|>=|≤|<=)\s*(?P<number>{_NUMBER})\s*")


def parse_choices(value: Any) -> list[dict[str, Any]]:
    """ "a=2 (Đầy đủ); b=1" → [{"code": "a", "label": "Đầy đủ", "points": 2}, {"code": "b", "points": 1}]."""
    text = parse_text(value)
    choices: list[dict[str, Any]] = []
    position = 0
    while position < len(text) and text[position:].strip(" ;\n"):
        match = _CHOICE.match(text, position)
        if match is None or match.end() == position:
            raise CellError(
                _("“%(value)s”: write each choice as code=points, separated by semicolons, e.g. a=2 (Đầy đủ); b=1.")
                % {"value": text[position:].strip()}
            )
        choice: dict[str, Any] = {"code": match["code"].strip()}
        if match["label"] and match["label"].strip():
            choice["label"] = match["label"].strip()
        choice["points"] = _number(match["points"])
        choices.append(choice)
        position = match.end()
    return choices


def parse_thresholds(value: Any) -> list[dict[str, Any]]:
    """ "≥1:2; ≤24:1" → [{"min": 1, "points": 2}, {"max": 24, "points": 1}]; both bounds as "≥1 ≤5:2"."""
    thresholds: list[dict[str, Any]] = []
    for part in parse_text(value).split(";"):
        if not part.strip():
            continue
        problem = CellError(
            _("“%(value)s”: write each threshold as ≥value:points or ≤value:points, e.g. ≥1:2; ≤24:1.")
            % {"value": part.strip()}
        )
        bounds, colon, points = part.rpartition(":")
        if not colon or not re.fullmatch(rf"\s*{_NUMBER}\s*", points):
            raise problem
        threshold: dict[str, Any] = {}
        position = 0
        while position < len(bounds):
            match = _BOUND.match(bounds, position)
            if match is None or match.end() == position:
                raise problem
            key = "min" if match["op"] in ("≥", ">=") else "max"
            if key in threshold:
                raise problem
            threshold[key] = _number(match["number"])
            position = match.end()
        if not threshold:
            raise problem
        threshold["points"] = _number(points)
        thresholds.append(threshold)
    return thresholds


class _Cells:
    """Reads the cells of one row, collecting each problem with its sheet, row and column."""

    def __init__(self, sheet: str, row: SheetRow, errors: list[RowError]):
        self.sheet, self.row, self.errors = sheet, row, errors

    def get(self, header: str, parse: Any = None, default: Any = None) -> Any:
        value = self.row.get(header)
        if parse is None:
            return parse_text(value) if value is not None else default
        try:
            return parse(value)
        except CellError as error:
            self.errors.append(RowError(self.sheet, self.row.number, header, error.message))
            return default


def _sheet_rows(wb: Any, title: str, headers: tuple[str, ...], result: FrameworkWorkbook) -> list[SheetRow]:
    ws = find_sheet(wb, title)
    if ws is None:
        result.errors.append(RowError(title, None, "", _("The sheet “%(sheet)s” is missing.") % {"sheet": title}))
        return []
    required = [h for h in headers if h.endswith("*")]
    rows, errors = read_sheet(ws, headers=headers, required=required)
    # Report under the canonical sheet name whatever the user's spelling of it.
    result.errors.extend(RowError(title, e.row, e.column, e.message) for e in errors)
    return rows


def read_framework_workbook(file: IO[bytes] | Any, *, max_bytes: int | None = None) -> FrameworkWorkbook:
    """The framework document held by an uploaded workbook, with the problems of its cells; raises
    ImportFileError when the file is not a readable .xlsx."""
    result = FrameworkWorkbook()
    with open_workbook(file, max_bytes=max_bytes) as wb:
        framework_rows = _sheet_rows(wb, FRAMEWORK_SHEET, FRAMEWORK_HEADERS, result)
        criteria_rows = _sheet_rows(wb, CRITERIA_SHEET, CRITERIA_HEADERS, result)
        item_rows = _sheet_rows(wb, ITEMS_SHEET, ITEM_HEADERS, result)
    errors = result.errors
    document: dict[str, Any] = {"criteria": []}
    if not framework_rows and not any(e.sheet == FRAMEWORK_SHEET for e in errors):
        errors.append(RowError(FRAMEWORK_SHEET, 2, "", _("Fill in the framework on the second row.")))
    for extra in framework_rows[1:]:
        errors.append(RowError(FRAMEWORK_SHEET, extra.number, "", _("One framework per file: remove this row.")))
    if framework_rows:
        row = framework_rows[0]
        cells = _Cells(FRAMEWORK_SHEET, row, errors)
        result.places["framework"] = result.places["pass_rule"] = (FRAMEWORK_SHEET, row.number)
        document.update(
            {
                "code": cells.get(F_CODE),
                "version": cells.get(F_VERSION),
                "name": cells.get(F_NAME),
                "source": cells.get(F_SOURCE),
                "confirmed": cells.get(F_CONFIRMED, _boolean, False),
                "notes": cells.get(F_NOTES, default=""),
                "unit_kinds": cells.get(F_UNIT_KINDS, _unit_kinds, []),
                "scoring": cells.get(F_SCORING, lambda v: _label(v, SCORING_LABELS), parse_text(row.get(F_SCORING))),
                "pass_rule": {
                    "total_min": cells.get(F_PASS_TOTAL, _number),
                    "every_criterion_min_percent": cells.get(F_PASS_PERCENT, _number),
                    "confirmed": cells.get(F_PASS_CONFIRMED, _boolean, False),
                    "source": cells.get(F_PASS_SOURCE, default=""),
                },
            }
        )
    by_code: dict[str, int] = {}
    for row in criteria_rows:
        cells = _Cells(CRITERIA_SHEET, row, errors)
        index = len(document["criteria"])
        code = cells.get(C_CODE)
        result.places[f"criteria[{index}]"] = (CRITERIA_SHEET, row.number)
        document["criteria"].append(
            {
                "code": code,
                "name": cells.get(C_NAME),
                "max_points": cells.get(C_MAX, _number),
                "min_points": cells.get(C_MIN, _number),
                "confirmed": cells.get(C_CONFIRMED, _boolean, False),
                "source": cells.get(C_SOURCE, default=""),
                "items": [],
            }
        )
        if code:
            by_code.setdefault(code, index)
    for row in item_rows:
        cells = _Cells(ITEMS_SHEET, row, errors)
        criterion_code = cells.get(I_CRITERION)
        index = by_code.get(criterion_code) if criterion_code else None
        if index is None:
            if not criterion_code:
                errors.append(RowError(ITEMS_SHEET, row.number, I_CRITERION, _("This cell is required.")))
            else:
                errors.append(
                    RowError(
                        ITEMS_SHEET,
                        row.number,
                        I_CRITERION,
                        _("No criterion %(code)s on the sheet “%(sheet)s”.")
                        % {"code": criterion_code, "sheet": CRITERIA_SHEET},
                    )
                )
            continue
        items = document["criteria"][index]["items"]
        result.places[f"criteria[{index}].items[{len(items)}]"] = (ITEMS_SHEET, row.number)
        items.append(
            {
                "code": cells.get(I_CODE),
                "text": cells.get(I_TEXT),
                "type": cells.get(I_TYPE, lambda v: _label(v, TYPE_LABELS), parse_text(row.get(I_TYPE))),
                "max_points": cells.get(I_MAX, _number),
                "evidence_required": cells.get(I_EVIDENCE, _boolean, False),
                "confirmed": cells.get(I_CONFIRMED, _boolean, False),
                "source": cells.get(I_SOURCE, default=""),
                "prefill": cells.get(I_PREFILL),
                "choices": cells.get(I_CHOICES, parse_choices, []),
                "thresholds": cells.get(I_THRESHOLDS, parse_thresholds, []),
                "unit": cells.get(I_UNIT),
            }
        )
    result.document = document
    return result


PLACE = re.compile(r"^(?P<place>[a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*):\s*(?P<message>.*)$", re.DOTALL)
_INDEXED = re.compile(r"^(?P<key>[a-z_]+)(?:\[\d+\])?$")


def locate_errors(messages: list[str], places: dict[str, tuple[str, int]]) -> list[RowError]:
    """The checks of parse_framework ("criteria[1].items[0].type: one of ...") as sheet, row and column."""
    located = []
    for message in messages:
        match = PLACE.match(str(message))
        if match is None:
            located.append(RowError("", None, "", str(message)))
            continue
        parts = match["place"].split(".")
        if len(parts) > 1 and parts[0].startswith("criteria[") and parts[1].startswith("items["):
            anchor, rest, sheet, columns = ".".join(parts[:2]), parts[2:], ITEMS_SHEET, ITEM_COLUMNS
        elif parts[0].startswith("criteria["):
            anchor, rest, sheet, columns = parts[0], parts[1:], CRITERIA_SHEET, CRITERION_COLUMNS
        elif parts[0] == "pass_rule":
            anchor, rest, sheet, columns = parts[0], parts[1:], FRAMEWORK_SHEET, PASS_RULE_COLUMNS
        elif parts[:2] == ["framework", "criteria"]:
            located.append(RowError(CRITERIA_SHEET, None, "", match["message"]))
            continue
        else:
            anchor, rest, sheet, columns = "framework", parts[1:], FRAMEWORK_SHEET, FRAMEWORK_COLUMNS
        place = places.get(anchor) or (places.get("framework") if anchor == "pass_rule" else None)
        row = place[1] if place else None
        key = _INDEXED.match(rest[0])["key"] if rest else ""
        text = match["message"]
        if len(rest) > 1 or (rest and rest[0] != key):
            # A part of a cell (the second choice's points): say which.
            text = f"{'.'.join(rest)}: {text}"
        located.append(RowError(sheet, row, columns.get(key, ""), text))
    return located
