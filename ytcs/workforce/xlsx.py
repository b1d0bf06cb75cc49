"""Excel template, export and import of the staff roster (nhập/xuất Excel danh sách nhân lực).

The file has a sheet of people and a sheet of instructions. Its headers and the labels of sex, qualification,
employment type and position are fixed Vietnamese text (the file reads the same whatever the interface
language, and files made by earlier versions keep importing); the messages returned by the import go through
gettext.

The import matches people by citizen ID (CCCD): a new number registers the person with their first posting
(recruitment) at the unit, a known one corrects the person's record. It never moves anyone between units: that
is a transfer with its own decision and dates. Every row is checked before anything is written, then the new
people, their postings and their audit entries are inserted in bulk, so a file of thousands of rows takes a
fixed handful of queries rather than several per row.
"""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ytcs.core import audit
from ytcs.core.audit import audit_context
from ytcs.core.dates import add_years
from ytcs.core.models import AuditEntry
from ytcs.core.querysets import CHANGE, VIEW
from ytcs.core.services import ensure_can_change
from ytcs.core.text import fold
from ytcs.core.xlsx import (
    DATE_FORMAT,
    HEADER_FONT,
    VALIDATION_ROWS,
    CellError,
    ImportResult,
    SheetRow,
    add_list_validation,
    add_table_sheet,
    new_workbook,
    parse_date,
    parse_text,
    read_upload_sheet,
    require,
    workbook_bytes,
)
from ytcs.orgunits.models import OrgUnit
from ytcs.workforce.models import EmploymentType, MoveKind, Position, Posting, Qualification, Sex, Staff, Title
from ytcs.workforce.services import STAFF_EDITABLE, staff_search_text

STAFF_SHEET = "Nhân lực"
GUIDE_SHEET = "Hướng dẫn"

H_NAME = "Họ và tên*"
H_SEX = "Giới tính*"
H_BIRTH = "Ngày sinh* (dd/mm/yyyy)"
H_NATIONAL_ID = "Số CCCD*"
H_TITLE = "Chức danh*"
H_QUALIFICATION = "Trình độ*"
H_SPECIALTY = "Chuyên ngành"
H_EMPLOYMENT = "Loại hợp đồng*"
H_POSITION = "Chức vụ"
H_UNIT = "Mã đơn vị*"
H_STARTED = "Ngày vào ngành* (dd/mm/yyyy)"
H_POSTED = "Ngày về đơn vị (dd/mm/yyyy)"
H_PHONE = "Điện thoại"
H_EMAIL = "Email"
STAFF_HEADERS = (
    H_NAME,
    H_SEX,
    H_BIRTH,
    H_NATIONAL_ID,
    H_TITLE,
    H_QUALIFICATION,
    H_SPECIALTY,
    H_EMPLOYMENT,
    H_POSITION,
    H_UNIT,
    H_STARTED,
    H_POSTED,
    H_PHONE,
    H_EMAIL,
)
STAFF_REQUIRED = tuple(h for h in STAFF_HEADERS if "*" in h)
STAFF_WIDTHS = (28, 10, 14, 16, 26, 18, 24, 22, 14, 14, 16, 16, 16, 28)
_DATE_COLUMNS = (3, 11, 12)
_TEXT_COLUMNS = (4, 10, 13)
# Model field → column header, to point errors raised by the model at a column.
FIELD_HEADERS = {
    "full_name": H_NAME,
    "sex": H_SEX,
    "birth_date": H_BIRTH,
    "national_id": H_NATIONAL_ID,
    "title": H_TITLE,
    "qualification": H_QUALIFICATION,
    "specialty": H_SPECIALTY,
    "employment_type": H_EMPLOYMENT,
    "position": H_POSITION,
    "orgunit": H_UNIT,
    "started_on": H_STARTED,
    "posted_on": H_POSTED,
    "phone": H_PHONE,
    "email": H_EMAIL,
}

# Vietnamese label of each choice in the file. Fixed text rather than the translated model labels (see above).
SEX_LABELS: dict[str, str] = {Sex.MALE: "Nam", Sex.FEMALE: "Nữ"}
QUALIFICATION_LABELS: dict[str, str] = {
    Qualification.ELEMENTARY: "Sơ cấp",
    Qualification.SECONDARY: "Trung cấp",
    Qualification.COLLEGE: "Cao đẳng",
    Qualification.UNIVERSITY: "Đại học",
    Qualification.SPECIALIST_1: "Chuyên khoa I",
    Qualification.MASTER: "Thạc sĩ",
    Qualification.RESIDENT: "Bác sĩ nội trú",
    Qualification.SPECIALIST_2: "Chuyên khoa II",
    Qualification.DOCTORATE: "Tiến sĩ",
}
EMPLOYMENT_LABELS: dict[str, str] = {
    EmploymentType.CIVIL_SERVANT: "Viên chức",
    EmploymentType.CONTRACT: "Hợp đồng lao động",
    EmploymentType.TRAINEE: "Tập sự",
    EmploymentType.VOLUNTEER: "Hưởng phụ cấp",
}
POSITION_LABELS: dict[str, str] = {Position.HEAD: "Trưởng", Position.DEPUTY: "Phó", Position.STAFF: "Nhân viên"}
# Other spellings users write in their own rosters (compared without case, diacritics or extra spaces).
_ALIASES: dict[str, dict[str, str]] = {
    "sex": {"nu": Sex.FEMALE, "m": Sex.MALE, "f": Sex.FEMALE},
    "qualification": {
        "cki": Qualification.SPECIALIST_1,
        "ck i": Qualification.SPECIALIST_1,
        "ck1": Qualification.SPECIALIST_1,
        "chuyen khoa 1": Qualification.SPECIALIST_1,
        "bac si chuyen khoa i": Qualification.SPECIALIST_1,
        "ckii": Qualification.SPECIALIST_2,
        "ck ii": Qualification.SPECIALIST_2,
        "ck2": Qualification.SPECIALIST_2,
        "chuyen khoa 2": Qualification.SPECIALIST_2,
        "bac si chuyen khoa ii": Qualification.SPECIALIST_2,
        "ths": Qualification.MASTER,
        "thac sy": Qualification.MASTER,
        "ts": Qualification.DOCTORATE,
        "tien sy": Qualification.DOCTORATE,
        "bsnt": Qualification.RESIDENT,
        "noi tru": Qualification.RESIDENT,
        "dh": Qualification.UNIVERSITY,
        "cd": Qualification.COLLEGE,
    },
    "employment_type": {
        "bien che": EmploymentType.CIVIL_SERVANT,
        "hop dong": EmploymentType.CONTRACT,
        "hdld": EmploymentType.CONTRACT,
        "thu viec": EmploymentType.TRAINEE,
        "phu cap": EmploymentType.VOLUNTEER,
        "tinh nguyen": EmploymentType.VOLUNTEER,
    },
    "position": {
        "truong tram": Position.HEAD,
        "tram truong": Position.HEAD,
        "giam doc": Position.HEAD,
        "pho tram": Position.DEPUTY,
        "tram pho": Position.DEPUTY,
        "pho truong tram": Position.DEPUTY,
        "pho giam doc": Position.DEPUTY,
        "nv": Position.STAFF,
    },
}
_CHOICES: dict[str, tuple[dict[str, str], type]] = {
    "sex": (SEX_LABELS, Sex),
    "qualification": (QUALIFICATION_LABELS, Qualification),
    "employment_type": (EMPLOYMENT_LABELS, EmploymentType),
    "position": (POSITION_LABELS, Position),
}

# Ages the registry accepts for a working person when a birth date is entered or changed.
MIN_AGE, MAX_AGE = 15, 75
# Rows per INSERT / UPDATE statement and codes per IN (...) lookup: few statements, each well within limits.
BATCH = 1000
LOOKUP_CHUNK = 2000

_COLUMN_HELP = (
    (H_NAME, "Có", "Họ, chữ đệm và tên, có dấu. Ví dụ: Nguyễn Thị Thu Hà."),
    (H_SEX, "Có", "Nam hoặc Nữ."),
    (H_BIRTH, "Có", f"Dạng dd/mm/yyyy, ví dụ 14/03/1985. Tuổi từ {MIN_AGE} đến {MAX_AGE}."),
    (
        H_NATIONAL_ID,
        "Có",
        "Số căn cước công dân: đúng 12 chữ số, giữ cả số 0 ở đầu (cột đã được định dạng văn bản). "
        "Số CCCD đã có trong hệ thống thì hồ sơ người đó được cập nhật; số mới thì người đó được thêm mới. "
        "Mỗi số chỉ xuất hiện một lần trong tệp.",
    ),
    (H_TITLE, "Có", "Chọn trong danh sách thả xuống (tên hoặc mã chức danh, xem bảng bên dưới)."),
    (H_QUALIFICATION, "Có", "Trình độ chuyên môn cao nhất: chọn trong danh sách (xem bảng bên dưới)."),
    (H_SPECIALTY, "Không", "Chuyên ngành đào tạo, ví dụ: Nội khoa, Sản phụ khoa."),
    (H_EMPLOYMENT, "Có", "Chọn trong danh sách (xem bảng bên dưới)."),
    (H_POSITION, "Không", "Trưởng, Phó hoặc Nhân viên. Để trống: Nhân viên khi thêm mới, giữ nguyên khi cập nhật."),
    (
        H_UNIT,
        "Có",
        "Mã của đơn vị nơi người đó đang làm việc, trong phạm vi mình phụ trách và còn hoạt động. "
        "Nhập Excel không chuyển người sang đơn vị khác: muốn chuyển, ghi nhận điều chuyển trên trang của người đó.",
    ),
    (H_STARTED, "Có", f"Ngày bắt đầu công tác trong ngành y tế, sau ngày sinh ít nhất {MIN_AGE} năm."),
    (
        H_POSTED,
        "Không",
        "Ngày về làm việc tại đơn vị hiện tại; để trống nếu trùng ngày vào ngành. "
        "Chỉ dùng khi thêm người mới; với người đã có, ngày này được sửa trong quá trình công tác.",
    ),
    (H_PHONE, "Không", "Số điện thoại di động hoặc cố định."),
    (H_EMAIL, "Không", "Địa chỉ thư điện tử, ví dụ: ha.nguyen@example.vn."),
)
_GUIDE_NOTES = (
    "Hướng dẫn nhập danh sách nhân lực y tế",
    f"• Mỗi dòng của trang “{STAFF_SHEET}” là một người. Cột có dấu * là bắt buộc.",
    "• Ngày ghi theo dạng dd/mm/yyyy (ví dụ 15/03/2024) hoặc nhập kiểu ngày của Excel. "
    "Không nhận ngày trong tương lai.",
    "• Toàn bộ tệp được kiểm tra trước khi lưu: chỉ cần một dòng sai thì không dòng nào được lưu. "
    "Danh sách lỗi cho biết dòng, cột và lý do cần sửa.",
    "• Nếu xóa hẳn một cột không bắt buộc khỏi tệp, giá trị của cột đó ở những người đã có được giữ nguyên.",
    "• Chỉ được thêm, sửa nhân lực của các đơn vị trong phạm vi mình phụ trách.",
)


# ---------------------------------------------------------------------------------------------- template, export


def staff_template_workbook() -> bytes:
    """The empty import template (mẫu nhập nhân lực) with its instructions sheet and drop-down lists."""
    return workbook_bytes(_workbook(rows=()))


def staff_export_workbook(*, staff: QuerySet[Staff]) -> bytes:
    """People (already restricted by the caller) in the template's layout, ready to re-import; two queries."""
    rows = (
        staff.prefetch_related(None)
        .annotate(posted_on=_posted_on())
        .values_list(*(name for name, _labels in _EXPORT_COLUMNS))
        .iterator(chunk_size=2000)
    )
    return workbook_bytes(_workbook(rows=_export_rows(rows)))


# What each column of the export holds, in STAFF_HEADERS order: a value of the person, and the labels of a choice.
_EXPORT_COLUMNS: tuple[tuple[str, dict[str, str] | None], ...] = (
    ("full_name", None),
    ("sex", SEX_LABELS),
    ("birth_date", None),
    ("national_id", None),
    ("title__name", None),
    ("qualification", QUALIFICATION_LABELS),
    ("specialty", None),
    ("employment_type", EMPLOYMENT_LABELS),
    ("position", POSITION_LABELS),
    ("orgunit__code", None),
    ("started_on", None),
    ("posted_on", None),
    ("phone", None),
    ("email", None),
)


def _posted_on() -> Subquery:
    """When the person came to their present unit: the start of their latest posting."""
    latest = Posting.objects.filter(staff=OuterRef("pk")).order_by("-started_on", "-id").values("started_on")[:1]
    return Subquery(latest)


def _export_rows(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        yield tuple(
            labels.get(value, value) if labels else value
            for value, (_name, labels) in zip(row, _EXPORT_COLUMNS, strict=True)
        )


def _workbook(*, rows: Iterable[tuple[Any, ...]]) -> Workbook:
    titles = list(Title.objects.filter(is_active=True).values_list("name", "code"))
    wb = new_workbook()
    ws = add_table_sheet(
        wb,
        title=STAFF_SHEET,
        headers=STAFF_HEADERS,
        widths=STAFF_WIDTHS,
        date_columns=_DATE_COLUMNS,
        text_columns=_TEXT_COLUMNS,
    )
    _append_rows(ws, rows)
    for header, labels in (
        (H_SEX, SEX_LABELS),
        (H_QUALIFICATION, QUALIFICATION_LABELS),
        (H_EMPLOYMENT, EMPLOYMENT_LABELS),
        (H_POSITION, POSITION_LABELS),
    ):
        add_list_validation(ws, column=STAFF_HEADERS.index(header) + 1, options=list(labels.values()))
    first, last = _add_guide(wb, titles)
    if titles:
        # The catalogue may outgrow an in-cell list (255 characters): point at its table on the guide sheet.
        column = get_column_letter(STAFF_HEADERS.index(H_TITLE) + 1)
        validation = DataValidation(
            type="list",
            formula1=f"{quote_sheetname(GUIDE_SHEET)}!$A${first}:$A${last}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
        )
        validation.add(f"{column}2:{column}{VALIDATION_ROWS}")
        ws.add_data_validation(validation)
    return wb


def _append_rows(ws: Worksheet, rows: Iterable[tuple[Any, ...]]) -> None:
    """Rows as `ytcs.core.xlsx.append_row` writes them (text stays text, never a formula; dates dd/mm/yyyy), in
    linear time: that helper reads `ws.max_row`, which scans every cell, so 5,000 rows took 8 s, 50,000 minutes."""
    for values in rows:
        cells = []
        for value in values:
            cell = Cell(ws, value=None if value == "" else value)
            if isinstance(value, str) and value:
                cell.data_type = "s"
            elif isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
            cells.append(cell)
        ws.append(cells)


def _add_guide(wb: Workbook, titles: list[tuple[str, str]]) -> tuple[int, int]:
    """The instructions sheet; returns the first and last row of the title names (the title drop-down)."""
    ws = wb.create_sheet(title=GUIDE_SHEET)
    for line in _GUIDE_NOTES:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    header_rows = [ws.max_row + 1]
    ws.append(["Cột", "Bắt buộc", "Cách nhập"])
    for header, required, text in _COLUMN_HELP:
        ws.append([header, required, text])

    ws.append([])
    header_rows.append(ws.max_row + 1)
    ws.append(["Chức danh", "Hoặc mã chức danh"])
    first_title = ws.max_row + 1
    for name, code in titles:
        ws.append([name, code])
    last_title = ws.max_row

    for heading, labels in (
        ("Trình độ", QUALIFICATION_LABELS),
        ("Loại hợp đồng", EMPLOYMENT_LABELS),
        ("Chức vụ", POSITION_LABELS),
        ("Giới tính", SEX_LABELS),
    ):
        ws.append([])
        header_rows.append(ws.max_row + 1)
        ws.append([heading, "Hoặc mã hệ thống"])
        for value, label in labels.items():
            ws.append([label, str(value)])
    for row in header_rows:
        for cell in ws[row]:
            cell.font = HEADER_FONT
    for letter, width in zip("ABC", (30, 22, 110), strict=True):
        ws.column_dimensions[letter].width = width
    return first_title, last_title


# ---------------------------------------------------------------------------------------------- import


@transaction.atomic
def staff_import(*, user: Any, file: Any) -> ImportResult:
    """Register or correct health workers from a filled-in template: every row, or none.

    People are matched by CCCD. Problems are returned with their row, column and reason; when there is any,
    nothing is saved and the counts are zero. Audit entries of the writes say source "import".
    """
    result = ImportResult()
    read = read_upload_sheet(file, result=result, sheet=STAFF_SHEET, headers=STAFF_HEADERS, required=STAFF_REQUIRED)
    if read is None:
        return result
    sheet_rows, sheet = read

    importer = _Importer(user=user, result=result, sheet=sheet)
    with audit_context(user=user, source=AuditEntry.Source.IMPORT):
        importer.run(sheet_rows)
    result.sort_errors(sheets=[sheet])
    if result.errors:
        transaction.set_rollback(True)
        result.created = result.updated = result.unchanged = 0
    return result


class _Invalid:
    """Marker for a cell that failed to parse (its error is already recorded)."""


INVALID = _Invalid()


@dataclass
class _Row:
    number: int
    national_id: str = ""
    unit_code: str = ""
    # Parsed values of the columns present in the file, by Staff field; cells that failed to parse are left out.
    values: dict[str, Any] = field(default_factory=dict)
    posted_on: datetime.date | None = None
    ok: bool = True
    existing: Staff | None = None
    staff: Staff | None = None  # the new or corrected record to write
    changed: set[str] = field(default_factory=set)


class _Importer:
    """One import run: parse and check every row against the registry, then write everything in bulk."""

    def __init__(self, *, user: Any, result: ImportResult, sheet: str) -> None:
        self.user = user
        self.result = result
        self.sheet = sheet
        self.today = timezone.localdate()
        self.titles = _title_lookup()
        self.choices = {name: _choice_lookup(name) for name in _CHOICES}
        self.units: dict[str, OrgUnit] = {}  # units the user may see, by code
        self.existing: dict[str, Staff] = {}  # people already registered (anywhere), by CCCD
        self.may_change: dict[str, bool] = {}  # unit path → whether the user may change its staff

    def run(self, sheet_rows: list[SheetRow]) -> None:
        rows = [self._parse(sheet_row) for sheet_row in sheet_rows]
        self._check_duplicates(rows)
        self._load(rows)
        for row in rows:
            self._check(row)
        if self.result.errors:
            return
        new_rows = [row for row in rows if row.existing is None]
        changed_rows = [row for row in rows if row.changed]
        self._write(new_rows, changed_rows)
        if not self.result.errors:
            self.result.unchanged = len(rows) - len(new_rows) - len(changed_rows)

    # -- errors

    def _error(self, row: _Row, column: str, message: str) -> None:
        row.ok = False
        self.result.add_error(sheet=self.sheet, row=row.number, column=column, message=message)

    def _validation_error(self, row: _Row, exc: ValidationError) -> None:
        for name, messages in exc.message_dict.items():
            column = "" if name == NON_FIELD_ERRORS else FIELD_HEADERS.get(name, "")
            for message in messages:
                self._error(row, column, message)

    def _cell(self, row: _Row, sheet_row: SheetRow, header: str, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(sheet_row.get(header))
        except CellError as exc:
            self._error(row, header, exc.message)
            return INVALID

    # -- parsing (no database: the catalogues are loaded once)

    def _parse(self, sheet_row: SheetRow) -> _Row:
        row = _Row(number=sheet_row.number)
        national_id = self._cell(row, sheet_row, H_NATIONAL_ID, _parse_national_id)
        row.national_id = national_id if isinstance(national_id, str) else ""
        unit_code = self._cell(row, sheet_row, H_UNIT, lambda v: parse_text(require(v)))
        row.unit_code = unit_code if isinstance(unit_code, str) else ""
        cells: dict[str, Any] = {
            "full_name": self._cell(row, sheet_row, H_NAME, lambda v: " ".join(parse_text(require(v)).split())),
            "sex": self._cell(row, sheet_row, H_SEX, lambda v: self._choice("sex", require(v))),
            "birth_date": self._cell(row, sheet_row, H_BIRTH, lambda v: parse_date(require(v))),
            "title": self._cell(row, sheet_row, H_TITLE, lambda v: self._title(require(v))),
            "qualification": self._cell(
                row, sheet_row, H_QUALIFICATION, lambda v: self._choice("qualification", require(v))
            ),
            "employment_type": self._cell(
                row, sheet_row, H_EMPLOYMENT, lambda v: self._choice("employment_type", require(v))
            ),
            "started_on": self._cell(row, sheet_row, H_STARTED, lambda v: parse_date(require(v))),
        }
        for name, header in (("specialty", H_SPECIALTY), ("phone", H_PHONE), ("email", H_EMAIL)):
            if sheet_row.has(header):
                cells[name] = self._cell(row, sheet_row, header, parse_text)
        if sheet_row.get(H_POSITION) is not None:
            cells["position"] = self._cell(row, sheet_row, H_POSITION, lambda v: self._choice("position", v))
        posted_on = self._cell(row, sheet_row, H_POSTED, parse_date)
        row.posted_on = posted_on if isinstance(posted_on, datetime.date) else None
        row.values = {name: value for name, value in cells.items() if value is not INVALID}
        return row

    def _choice(self, name: str, value: Any) -> str:
        text = parse_text(value)
        choice = self.choices[name].get(fold(text))
        if choice is None:
            raise CellError(
                _("“%(value)s” is not an accepted value; choose one from the list (see the “%(sheet)s” sheet).")
                % {"value": text, "sheet": GUIDE_SHEET}
            )
        return choice

    def _title(self, value: Any) -> Title:
        text = parse_text(value)
        title = self.titles.get(fold(text))
        if title is None:
            raise CellError(
                _("Unknown professional title “%(value)s”; choose one from the list (see the “%(sheet)s” sheet).")
                % {"value": text, "sheet": GUIDE_SHEET}
            )
        return title

    # -- checks across rows and against the registry

    def _check_duplicates(self, rows: list[_Row]) -> None:
        by_id: dict[str, list[_Row]] = defaultdict(list)
        for row in rows:
            if row.national_id:
                by_id[row.national_id].append(row)
        for national_id, same in by_id.items():
            if len(same) > 1:
                numbers = ", ".join(str(r.number) for r in same)
                for row in same:
                    self._error(
                        row,
                        H_NATIONAL_ID,
                        _("CCCD %(id)s appears more than once in this sheet (rows %(rows)s).")
                        % {"id": national_id, "rows": numbers},
                    )

    def _load(self, rows: list[_Row]) -> None:
        """Units the user can see and people already registered, a few queries whatever the number of rows."""
        codes = sorted({row.unit_code for row in rows if row.unit_code})
        visible = OrgUnit.objects.restrict(self.user, VIEW)
        for chunk in _chunks(codes):
            for unit in visible.filter(code__in=chunk):
                self.units[unit.code] = unit
        national_ids = sorted({row.national_id for row in rows if row.national_id})
        # Every person with these numbers, in scope or not: a number taken outside the user's scope cannot be
        # registered again. Locked, as the services lock the person they correct.
        people = (
            Staff.objects.select_for_update(of=("self",))
            .select_related("orgunit", "title")
            .annotate(posted_on=_posted_on())
            .order_by()
        )
        for chunk in _chunks(national_ids):
            for person in people.filter(national_id__in=chunk):
                self.existing[person.national_id] = person

    def _can_change(self, unit: OrgUnit) -> bool:
        if unit.path not in self.may_change:
            try:
                ensure_can_change(user=self.user, path=unit.path)
            except PermissionDenied:
                self.may_change[unit.path] = False
            else:
                self.may_change[unit.path] = True
        return self.may_change[unit.path]

    def _check(self, row: _Row) -> None:
        """Every problem of the row, including those of cells that parsed when others did not."""
        unit = self.units.get(row.unit_code)
        if row.unit_code and unit is None:
            self._error(row, H_UNIT, _("Unknown unit code %(code)s.") % {"code": row.unit_code})
        if not row.national_id:
            return  # new or registered: cannot tell
        existing = self.existing.get(row.national_id)
        if existing is not None and not self._can_change(existing.orgunit):
            # The same answer whether the person is out of sight or only out of reach.
            self._error(
                row,
                H_NATIONAL_ID,
                _("The person with CCCD %(id)s is outside your scope, or the number is already in use.")
                % {"id": row.national_id},
            )
            return
        if unit is None:
            pass
        elif existing is not None and unit.pk != existing.orgunit_id:
            self._error(
                row,
                H_UNIT,
                _(
                    "%(name)s works at unit %(current)s. An import does not move people: record a transfer "
                    "(điều chuyển) on their page."
                )
                % {"name": existing.full_name, "current": existing.orgunit.code},
            )
        elif existing is None and not self._can_change(unit):
            self._error(row, H_UNIT, _("You may not add staff to unit %(code)s.") % {"code": unit.code})
        elif existing is None and unit.closed_on is not None:
            self._error(row, H_UNIT, _("Unit %(code)s is closed.") % {"code": unit.code})
        if existing is None:
            self._check_new(row, unit)
        else:
            self._check_update(row, existing)

    def _check_new(self, row: _Row, unit: OrgUnit | None) -> None:
        values = row.values
        self._check_dates(row, changed=set(values))
        if "title" in values and not values["title"].is_active:
            self._error(
                row, H_TITLE, _("The professional title “%(value)s” is no longer in use.") % {"value": values["title"]}
            )
        started_on = values.get("started_on")
        if row.posted_on is not None:
            if row.posted_on > self.today:
                self._error(row, H_POSTED, _("The date cannot be in the future."))
            elif started_on and row.posted_on < started_on:
                self._error(row, H_POSTED, _("The posting cannot start before the start date in the sector."))
        staff = Staff(national_id=row.national_id, **values)
        self._clean(row, staff, fields=set(values))
        if row.ok and unit is not None:
            staff.orgunit = unit
            row.staff = staff

    def _check_update(self, row: _Row, existing: Staff) -> None:
        row.existing = existing
        values = row.values
        changed = {
            name
            for name, value in values.items()
            if name in STAFF_EDITABLE and getattr(existing, "title_id" if name == "title" else name) != _raw(value)
        }
        self._check_dates(row, changed=changed)
        started_on = values.get("started_on", existing.started_on)
        if row.posted_on is not None and row.posted_on != existing.posted_on:
            when = existing.posted_on.strftime("%d/%m/%Y") if existing.posted_on else "—"
            self._error(
                row,
                H_POSTED,
                _(
                    "The date a registered person came to the unit (%(date)s) is corrected in their work history, "
                    "not by import."
                )
                % {"date": when},
            )
        elif "started_on" in changed and existing.posted_on and started_on > existing.posted_on:
            self._error(
                row,
                H_STARTED,
                _("The start date in the sector cannot come after the person came to the unit (%(date)s).")
                % {"date": existing.posted_on.strftime("%d/%m/%Y")},
            )
        if "started_on" in changed and existing.ended_on and started_on > existing.ended_on:
            self._error(
                row,
                H_STARTED,
                _("The start date in the sector cannot come after the person's end date (%(date)s).")
                % {"date": existing.ended_on.strftime("%d/%m/%Y")},
            )
        if "title" in changed and not values["title"].is_active:
            self._error(
                row, H_TITLE, _("The professional title “%(value)s” is no longer in use.") % {"value": values["title"]}
            )
        if not changed:
            return
        staff = copy.copy(existing)
        for name in changed:
            setattr(staff, name, values[name])
        self._clean(row, staff, fields=changed)
        if row.ok:
            row.staff = staff
            row.changed = changed

    def _check_dates(self, row: _Row, *, changed: set[str]) -> None:
        """Dates entered or changed by the row: none in the future, a plausible age, work from age 15."""
        values = row.values
        birth, started = values.get("birth_date"), values.get("started_on")
        if "birth_date" in changed and birth > self.today:
            self._error(row, H_BIRTH, _("The date cannot be in the future."))
            birth = None
            changed = changed - {"birth_date"}
        if "started_on" in changed and started > self.today:
            self._error(row, H_STARTED, _("The date cannot be in the future."))
            started = None
        if "birth_date" in changed:
            age = _age(birth, self.today)
            if age < MIN_AGE:
                self._error(row, H_BIRTH, _("The person would be under %(age)d years old.") % {"age": MIN_AGE})
            elif age > MAX_AGE:
                self._error(
                    row, H_BIRTH, _("The person would be over %(age)d years old; check the year.") % {"age": MAX_AGE}
                )
        if ({"birth_date", "started_on"} & changed) and birth and started and started < add_years(birth, MIN_AGE):
            self._error(row, H_STARTED, _("The start date must be at least 15 years after the birth date."))

    def _clean(self, row: _Row, staff: Staff, *, fields: set[str]) -> None:
        """The model's field rules (lengths, e-mail, choices) on the given fields. Foreign keys are checked above
        without a query, the CCCD on parsing, and the date rules of `Staff.clean` by `_check_dates`."""
        checked = fields - {"title", "orgunit", "national_id"}
        try:
            staff.clean_fields(exclude=[f.name for f in Staff._meta.concrete_fields if f.name not in checked])
        except ValidationError as exc:
            self._validation_error(row, exc)

    # -- writes

    def _write(self, new_rows: list[_Row], changed_rows: list[_Row]) -> None:
        if not self._recheck_scope([row.staff.orgunit for row in new_rows + changed_rows]):
            return
        try:
            with transaction.atomic():
                self._create(new_rows)
                self._update(changed_rows)
        except IntegrityError:
            # Someone registered one of these numbers between the checks and the insert.
            self.result.add_error(
                sheet="",
                row=None,
                message=_("Someone changed the same records while the file was being imported; import it again."),
            )
            return
        self.result.created = len(new_rows)
        self.result.updated = len(changed_rows)

    def _recheck_scope(self, units: list[OrgUnit]) -> bool:
        """Inside the transaction, the units written to must still lie in the user's write scope."""
        ids = sorted({unit.pk for unit in units})
        allowed = OrgUnit.objects.restrict(self.user, CHANGE)
        found = sum(allowed.filter(pk__in=chunk).count() for chunk in _chunks(ids))
        if found == len(ids):
            return True
        self.result.add_error(sheet="", row=None, message=_("The result would lie outside the units you may change."))
        return False

    def _create(self, rows: list[_Row]) -> None:
        if not rows:
            return
        people = [row.staff for row in rows]
        for person in people:
            person.search_text = staff_search_text(person)
        Staff.objects.bulk_create(people, batch_size=BATCH)
        if any(person.pk is None for person in people):  # a database that does not return new ids
            ids = dict(
                Staff.objects.filter(national_id__in=[p.national_id for p in people]).values_list("national_id", "pk")
            )
            for person in people:
                person.pk = ids[person.national_id]
        postings = [
            Posting(
                staff=row.staff,
                orgunit=row.staff.orgunit,
                kind=MoveKind.HIRE,
                started_on=row.posted_on or row.staff.started_on,
            )
            for row in rows
        ]
        Posting.objects.bulk_create(postings, batch_size=BATCH)
        audit.record_bulk(user=self.user, instances=people, source=AuditEntry.Source.IMPORT)
        audit.record_bulk(user=self.user, instances=postings, source=AuditEntry.Source.IMPORT)

    def _update(self, rows: list[_Row]) -> None:
        if not rows:
            return
        people = [row.staff for row in rows]
        fields = {"search_text"}
        for row in rows:
            row.staff.search_text = staff_search_text(row.staff)
            fields |= row.changed
        Staff.objects.bulk_update(people, fields=sorted(fields), batch_size=BATCH)
        audit.record_bulk(
            user=self.user,
            instances=people,
            action=AuditEntry.Action.UPDATE,
            source=AuditEntry.Source.IMPORT,
            before=[row.existing for row in rows],
        )


def _parse_national_id(value: Any) -> str:
    text = parse_text(require(value)).replace(" ", "")
    if len(text) == 12 and text.isdigit() and text.isascii():
        return text
    if isinstance(value, int | float) and text.isdigit() and len(text) < 12:
        raise CellError(
            _(
                "“%(value)s” is not a citizen ID (CCCD), which has exactly 12 digits. Excel drops the zeros in front "
                "of a number: format the column as text and type the number again."
            )
            % {"value": text}
        )
    raise CellError(_("“%(value)s” is not a citizen ID (CCCD), which has exactly 12 digits.") % {"value": text})


def _raw(value: Any) -> Any:
    return value.pk if isinstance(value, Title) else value


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _title_lookup() -> dict[str, Title]:
    """Folded spelling → title: its name, or its code."""
    lookup: dict[str, Title] = {}
    titles = list(Title.objects.all())
    for title in titles:
        lookup.setdefault(fold(title.name), title)
    for title in titles:
        lookup.setdefault(fold(title.code), title)
    return lookup


def _choice_lookup(name: str) -> dict[str, str]:
    """Folded spelling → value: the file's Vietnamese label, the internal value, the interface's label, or an
    alias."""
    labels, choices = _CHOICES[name]
    lookup: dict[str, str] = {}
    for value, label in labels.items():
        lookup[fold(label)] = str(value)
        lookup[fold(str(value))] = str(value)
    for value, label in choices.choices:
        lookup.setdefault(fold(str(label)), value)
    for alias, value in _ALIASES.get(name, {}).items():
        lookup.setdefault(alias, str(value))
    return lookup


def _chunks(items: list[Any], size: int = LOOKUP_CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
