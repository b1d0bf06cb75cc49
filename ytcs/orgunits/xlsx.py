"""Excel template, export and import of the org-unit tree and catchment populations (nhập/xuất Excel đơn vị).

The file has a sheet of units, a sheet of populations and a sheet of instructions; its headers and the
unit-kind labels are fixed Vietnamese text (the file is the same whatever the interface language), while
the messages returned by the import go through gettext.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from ytcs.core.audit import audit_context
from ytcs.core.models import AuditEntry
from ytcs.core.querysets import CHANGE, VIEW, in_scope
from ytcs.core.text import fold
from ytcs.core.xlsx import (
    HEADER_FONT,
    CellError,
    ImportFileError,
    ImportResult,
    SheetRow,
    add_list_validation,
    add_table_sheet,
    find_sheet,
    new_workbook,
    open_workbook,
    parse_date,
    parse_int,
    parse_text,
    read_sheet,
    require,
    workbook_bytes,
)
from ytcs.orgunits.models import ALLOWED_PARENT_KINDS, OrgUnit, OrgUnitKind, Population
from ytcs.orgunits.services import orgunit_create, orgunit_update, population_set

UNITS_SHEET = "Đơn vị"
POPULATIONS_SHEET = "Dân số"
GUIDE_SHEET = "Hướng dẫn"

H_CODE = "Mã đơn vị*"
H_NAME = "Tên đơn vị*"
H_KIND = "Loại đơn vị*"
H_PARENT = "Mã đơn vị cấp trên"
H_ADMIN_CODE = "Mã hành chính"
H_ADDRESS = "Địa chỉ"
H_PHONE = "Điện thoại"
H_OPENED = "Ngày hoạt động (dd/mm/yyyy)"
H_CLOSED = "Ngày ngừng hoạt động (dd/mm/yyyy)"
UNIT_HEADERS = (H_CODE, H_NAME, H_KIND, H_PARENT, H_ADMIN_CODE, H_ADDRESS, H_PHONE, H_OPENED, H_CLOSED)
UNIT_REQUIRED = (H_CODE, H_NAME, H_KIND)
UNIT_WIDTHS = (16, 40, 26, 20, 16, 40, 16, 18, 18)
# Model field → column header, to point errors raised by the model or the services at a column.
UNIT_FIELD_HEADERS = {
    "code": H_CODE,
    "name": H_NAME,
    "kind": H_KIND,
    "parent": H_PARENT,
    "admin_code": H_ADMIN_CODE,
    "address": H_ADDRESS,
    "phone": H_PHONE,
    "opened_on": H_OPENED,
    "closed_on": H_CLOSED,
}
# Optional text columns: absent from the file → left as they are on existing units.
_UNIT_TEXT_FIELDS = ("admin_code", "address", "phone")
_UNIT_DATE_FIELDS = ("opened_on", "closed_on")

P_CODE = "Mã đơn vị*"
P_YEAR = "Năm*"
P_POPULATION = "Dân số*"
P_SOURCE = "Nguồn số liệu"
POPULATION_HEADERS = (P_CODE, P_YEAR, P_POPULATION, P_SOURCE)
POPULATION_REQUIRED = (P_CODE, P_YEAR, P_POPULATION)
POPULATION_WIDTHS = (16, 10, 14, 40)
POPULATION_FIELD_HEADERS = {"orgunit": P_CODE, "year": P_YEAR, "population": P_POPULATION, "source": P_SOURCE}
YEAR_MIN, YEAR_MAX = 1990, 2100  # as Population.year's validators

# Vietnamese label of each kind in the file. Fixed text rather than the translated model labels: the template
# must read the same for every user, and the import must keep accepting files made by earlier versions.
KIND_LABELS: dict[str, str] = {
    OrgUnitKind.COUNTRY: "Bộ Y tế",
    OrgUnitKind.PROVINCE: "Sở Y tế",
    OrgUnitKind.HOSPITAL: "Bệnh viện tuyến tỉnh",
    OrgUnitKind.PROVINCIAL_UNIT: "Đơn vị tuyến tỉnh khác",
    OrgUnitKind.REGIONAL_CENTRE: "Trung tâm y tế khu vực",
    OrgUnitKind.STATION: "Trạm y tế xã/phường",
    OrgUnitKind.SATELLITE: "Điểm trạm",
    OrgUnitKind.PRIVATE: "Cơ sở y tế tư nhân",
}

_UNIT_HELP = (
    (
        H_CODE,
        "Có",
        "Mã duy nhất của đơn vị: chữ không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang (ví dụ TYT-0101). "
        "Mã đã có trong hệ thống thì đơn vị được cập nhật; mã mới thì đơn vị được tạo mới.",
    ),
    (H_NAME, "Có", "Tên đầy đủ của đơn vị, ví dụ: Trạm Y tế xã Nguyễn Huệ."),
    (H_KIND, "Có", "Chọn trong danh sách thả xuống (xem bảng các loại đơn vị bên dưới)."),
    (
        H_PARENT,
        "Tùy loại",
        "Mã của đơn vị quản lý trực tiếp. Đơn vị cấp trên phải đã có trong hệ thống hoặc được khai báo "
        "trong cùng trang này (ở bất kỳ dòng nào). Chỉ để trống với Bộ Y tế hoặc Sở Y tế.",
    ),
    (H_ADMIN_CODE, "Không", "Mã đơn vị hành chính (xã, phường) theo danh mục hành chính, nếu có."),
    (H_ADDRESS, "Không", "Địa chỉ của đơn vị."),
    (H_PHONE, "Không", "Số điện thoại liên hệ."),
    (H_OPENED, "Không", "Ngày bắt đầu hoạt động, dạng dd/mm/yyyy, ví dụ 01/07/2025."),
    (
        H_CLOSED,
        "Không",
        "Để trống nếu đơn vị còn hoạt động. Không được trước ngày hoạt động; "
        "các đơn vị trực thuộc phải ngừng hoạt động trước hoặc cùng ngày.",
    ),
)
_POPULATION_HELP = (
    (P_CODE, "Có", "Mã của đơn vị: đã có trong hệ thống hoặc được khai báo ở trang “Đơn vị”."),
    (P_YEAR, "Có", f"Năm của số liệu, từ {YEAR_MIN} đến {YEAR_MAX}. Mỗi đơn vị chỉ một dòng cho mỗi năm."),
    (P_POPULATION, "Có", "Số dân trên địa bàn phụ trách: số nguyên, không âm."),
    (P_SOURCE, "Không", "Nguồn của số liệu, ví dụ: Niên giám thống kê 2024."),
)
_GUIDE_NOTES = (
    "Hướng dẫn nhập danh sách đơn vị và dân số",
    "• Mỗi dòng của trang “Đơn vị” là một đơn vị; mỗi dòng của trang “Dân số” là dân số của một đơn vị trong một năm.",
    "• Cột có dấu * là bắt buộc. Ngày ghi theo dạng dd/mm/yyyy (ví dụ 15/03/2024) hoặc nhập kiểu ngày của Excel.",
    "• Toàn bộ tệp được kiểm tra trước khi lưu: chỉ cần một dòng sai thì không dòng nào được lưu. "
    "Danh sách lỗi cho biết trang, dòng và cột cần sửa.",
    "• Nếu xóa hẳn một cột không bắt buộc khỏi tệp, giá trị của cột đó ở các đơn vị đã có được giữ nguyên.",
    "• Chỉ được tạo, sửa đơn vị và dân số trong phạm vi đơn vị mình phụ trách.",
)


# ---------------------------------------------------------------------------------------------- template, export


def orgunit_template_workbook() -> bytes:
    """The empty import template (mẫu nhập đơn vị) with its instructions sheet."""
    return workbook_bytes(_workbook(units=(), populations=()))


def orgunit_export_workbook(*, units: QuerySet[OrgUnit], populations: QuerySet[Population]) -> bytes:
    """Units and populations (already restricted by the caller) in the template's layout, ready to re-import."""
    unit_rows = (
        units.prefetch_related(None)
        .values_list("code", "name", "kind", "parent__code", "admin_code", "address", "phone", "opened_on", "closed_on")
        .iterator(chunk_size=2000)
    )
    population_rows = (
        populations.prefetch_related(None)
        .values_list("orgunit__code", "year", "population", "source")
        .iterator(chunk_size=2000)
    )
    return workbook_bytes(_workbook(units=_export_units(unit_rows), populations=population_rows))


def _export_units(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    for code, name, kind, parent_code, admin_code, address, phone, opened_on, closed_on in rows:
        yield (code, name, KIND_LABELS.get(kind, kind), parent_code, admin_code, address, phone, opened_on, closed_on)


def _workbook(*, units: Iterable[tuple[Any, ...]], populations: Iterable[tuple[Any, ...]]) -> Workbook:
    wb = new_workbook()
    ws = add_table_sheet(
        wb,
        title=UNITS_SHEET,
        headers=UNIT_HEADERS,
        rows=units,
        widths=UNIT_WIDTHS,
        date_columns=(8, 9),
        text_columns=(1, 4, 5, 7),
    )
    add_list_validation(ws, column=3, options=list(KIND_LABELS.values()))
    add_table_sheet(
        wb,
        title=POPULATIONS_SHEET,
        headers=POPULATION_HEADERS,
        rows=populations,
        widths=POPULATION_WIDTHS,
        text_columns=(1,),
    )
    _add_guide(wb)
    return wb


def _add_guide(wb: Workbook) -> None:
    ws = wb.create_sheet(title=GUIDE_SHEET)
    for line in _GUIDE_NOTES:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    header_row = ws.max_row + 1
    ws.append(["Trang", "Cột", "Bắt buộc", "Cách nhập"])
    for sheet, help_rows in ((UNITS_SHEET, _UNIT_HELP), (POPULATIONS_SHEET, _POPULATION_HELP)):
        for header, required, text in help_rows:
            ws.append([sheet, header, required, text])
    ws.append([])
    kinds_row = ws.max_row + 1
    ws.append(["Loại đơn vị", "Hoặc mã hệ thống", "Loại đơn vị cấp trên được phép"])
    for value, label in KIND_LABELS.items():
        allowed = ALLOWED_PARENT_KINDS.get(value, frozenset())
        parents = [KIND_LABELS[k] for k in KIND_LABELS if k in allowed]
        if not allowed or "" in allowed:
            parents.append("(không có đơn vị cấp trên)")
        ws.append([label, str(value), ", ".join(parents)])
    for row in (header_row, kinds_row):
        for cell in ws[row]:
            cell.font = HEADER_FONT
    for letter, width in zip("ABCD", (24, 34, 40, 100), strict=True):
        ws.column_dimensions[letter].width = width


# ---------------------------------------------------------------------------------------------- import


@transaction.atomic
def orgunits_import(*, user: Any, file: Any) -> ImportResult:
    """Create or update units and catchment populations from a filled-in template: every row, or none.

    Units are matched by code. Problems are returned with their sheet, row and column; when there is any,
    nothing is saved and the counts are zero. Audit entries of the writes say source "import".
    """
    result = ImportResult()
    try:
        with open_workbook(file, max_bytes=settings.YTCS_IMPORT_MAX_BYTES) as wb:
            units_ws = find_sheet(wb, UNITS_SHEET)
            populations_ws = find_sheet(wb, POPULATIONS_SHEET)
            if units_ws is None and populations_ws is None:
                result.add_error(
                    sheet="",
                    row=None,
                    message=_("The file has no sheet named “%(units)s” or “%(populations)s”; use the template.")
                    % {"units": UNITS_SHEET, "populations": POPULATIONS_SHEET},
                )
                return result
            unit_rows, population_rows = [], []
            if units_ws is not None:
                unit_rows, errors = read_sheet(units_ws, headers=UNIT_HEADERS, required=UNIT_REQUIRED)
                result.errors.extend(errors)
            if populations_ws is not None:
                population_rows, errors = read_sheet(
                    populations_ws, headers=POPULATION_HEADERS, required=POPULATION_REQUIRED
                )
                result.errors.extend(errors)
            units_title = units_ws.title if units_ws is not None else UNITS_SHEET
            populations_title = populations_ws.title if populations_ws is not None else POPULATIONS_SHEET
    except ImportFileError as exc:
        result.add_error(sheet="", row=None, message=exc.message)
        return result
    if not result.errors and not unit_rows and not population_rows:
        result.add_error(sheet="", row=None, message=_("The file contains no rows to import."))
    if result.errors:
        return result

    importer = _Importer(user=user, result=result, units_sheet=units_title, populations_sheet=populations_title)
    with audit_context(user=user, source=AuditEntry.Source.IMPORT):
        importer.run(unit_rows=unit_rows, population_rows=population_rows)
    result.sort_errors(sheets=[units_title, populations_title])
    if result.errors:
        transaction.set_rollback(True)
        result.created = result.updated = result.unchanged = result.populations_saved = 0
    return result


class _Invalid:
    """Marker for a cell that failed to parse (its error is already recorded)."""


INVALID = _Invalid()


@dataclass
class _UnitRow:
    number: int
    code: str = ""
    # Parsed values of the columns present in the file, by model field (parent excluded).
    values: dict[str, Any] = field(default_factory=dict)
    # None: the column is absent; "": blank (no parent).
    parent_code: str | None = None
    ok: bool = True
    unit: OrgUnit | None = None  # set once the row is saved (or found unchanged)


@dataclass
class _PopulationRow:
    number: int
    code: str = ""
    year: int = 0
    population: int = 0
    source: str | None = None  # None: the column is absent
    ok: bool = True


class _Importer:
    """One import run: parse and check every row, then write in dependency order, collecting errors."""

    def __init__(self, *, user: Any, result: ImportResult, units_sheet: str, populations_sheet: str) -> None:
        self.user = user
        self.result = result
        self.units_sheet = units_sheet
        self.populations_sheet = populations_sheet
        self.kinds = _kind_lookup()
        self.visible: dict[str, OrgUnit] = {}  # existing units the user may see, by code
        self.taken: set[str] = set()  # codes in the units sheet that exist outside the user's view
        self.rows_by_code: dict[str, _UnitRow] = {}  # first row of each code in the units sheet

    # -- entry point

    def run(self, *, unit_rows: list[SheetRow], population_rows: list[SheetRow]) -> None:
        units = [self._parse_unit(row) for row in unit_rows]
        populations = [self._parse_population(row) for row in population_rows]
        self._check_duplicate_codes(units)
        self._check_duplicate_years(populations)
        self._load_existing(units, populations)
        self._check_codes_and_parents(units)
        order = self._order(units)
        deferred: list[tuple[_UnitRow, dict[str, Any]]] = []
        for row in order:
            self._save_unit(row, deferred)
        # Closing dates last and children first: a unit closes only once the units under it are closed.
        for row, changes in reversed(deferred):
            self._update(row, row.unit, changes)
        self._save_populations(populations)

    # -- errors

    def _unit_error(self, row: _UnitRow, column: str, message: str) -> None:
        row.ok = False
        self.result.add_error(sheet=self.units_sheet, row=row.number, column=column, message=message)

    def _population_error(self, row: _PopulationRow, column: str, message: str) -> None:
        row.ok = False
        self.result.add_error(sheet=self.populations_sheet, row=row.number, column=column, message=message)

    def _validation_error(
        self, exc: ValidationError, report: Callable[[str, str], None], headers: dict[str, str]
    ) -> None:
        """Point each message of a model or service error at the column of its field (non-field: no column)."""
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                column = "" if name == NON_FIELD_ERRORS else headers.get(name, "")
                for message in messages:
                    report(column, message)
        else:
            for message in exc.messages:
                report("", message)

    def _cell(
        self, sheet_row: SheetRow, header: str, parse: Callable[[Any], Any], report: Callable[[str, str], None]
    ) -> Any:
        try:
            return parse(sheet_row.get(header))
        except CellError as exc:
            report(header, exc.message)
            return INVALID

    # -- parsing (no database)

    def _parse_unit(self, sheet_row: SheetRow) -> _UnitRow:
        row = _UnitRow(number=sheet_row.number)

        def report(column: str, message: str) -> None:
            self._unit_error(row, column, message)

        code = self._cell(sheet_row, H_CODE, lambda v: parse_text(require(v)), report)
        row.code = code if isinstance(code, str) else ""
        cells: dict[str, Any] = {
            "name": self._cell(sheet_row, H_NAME, lambda v: parse_text(require(v)), report),
            "kind": self._cell(sheet_row, H_KIND, lambda v: self._parse_kind(require(v)), report),
        }
        for name in _UNIT_TEXT_FIELDS:
            if sheet_row.has(UNIT_FIELD_HEADERS[name]):
                cells[name] = self._cell(sheet_row, UNIT_FIELD_HEADERS[name], parse_text, report)
        for name in _UNIT_DATE_FIELDS:
            if sheet_row.has(UNIT_FIELD_HEADERS[name]):
                cells[name] = self._cell(sheet_row, UNIT_FIELD_HEADERS[name], parse_date, report)
        if sheet_row.has(H_PARENT):
            parent_code = self._cell(sheet_row, H_PARENT, parse_text, report)
            row.parent_code = parent_code if isinstance(parent_code, str) else None
        row.values = {name: value for name, value in cells.items() if value is not INVALID}

        # Field rules of the model (code format, lengths) for every row up front, whatever happens to its parent.
        checked = {"code": row.code, **row.values} if row.code else dict(row.values)
        probe = OrgUnit(**checked)
        exclude = [f.name for f in OrgUnit._meta.concrete_fields if f.name not in checked]
        try:
            probe.clean_fields(exclude=exclude)
        except ValidationError as exc:
            self._validation_error(exc, report, UNIT_FIELD_HEADERS)
        opened, closed = row.values.get("opened_on"), row.values.get("closed_on")
        if opened and closed and closed < opened:
            report(H_CLOSED, _("The closing date must be on or after the opening date."))
        return row

    def _parse_kind(self, value: Any) -> str:
        text = parse_text(value)
        kind = self.kinds.get(fold(text))
        if kind is None:
            raise CellError(
                _("Unknown unit kind “%(value)s”; choose one from the list (see the “%(sheet)s” sheet).")
                % {"value": text, "sheet": GUIDE_SHEET}
            )
        return kind

    def _parse_population(self, sheet_row: SheetRow) -> _PopulationRow:
        row = _PopulationRow(number=sheet_row.number)

        def report(column: str, message: str) -> None:
            self._population_error(row, column, message)

        code = self._cell(sheet_row, P_CODE, lambda v: parse_text(require(v)), report)
        year = self._cell(
            sheet_row, P_YEAR, lambda v: parse_int(require(v), minimum=YEAR_MIN, maximum=YEAR_MAX), report
        )
        population = self._cell(sheet_row, P_POPULATION, lambda v: parse_int(require(v), minimum=0), report)
        source = self._cell(sheet_row, P_SOURCE, parse_text, report) if sheet_row.has(P_SOURCE) else None
        if not row.ok:
            return row
        row.code, row.year, row.population, row.source = code, year, population, source
        try:
            Population(year=year, population=population, source=source or "").clean_fields(exclude=["orgunit"])
        except ValidationError as exc:
            self._validation_error(exc, report, POPULATION_FIELD_HEADERS)
        return row

    # -- checks across rows

    def _check_duplicate_codes(self, units: list[_UnitRow]) -> None:
        by_code: dict[str, list[_UnitRow]] = defaultdict(list)
        for row in units:
            if row.code:
                by_code[row.code].append(row)
        for code, rows in by_code.items():
            self.rows_by_code[code] = rows[0]
            if len(rows) > 1:
                numbers = ", ".join(str(r.number) for r in rows)
                for row in rows:
                    row.ok = False
                for row in rows[1:]:
                    self._unit_error(
                        row,
                        H_CODE,
                        _("Code %(code)s appears more than once in this sheet (rows %(rows)s).")
                        % {"code": code, "rows": numbers},
                    )

    def _check_duplicate_years(self, populations: list[_PopulationRow]) -> None:
        by_key: dict[tuple[str, int], list[_PopulationRow]] = defaultdict(list)
        for row in populations:
            if row.ok:
                by_key[(row.code, row.year)].append(row)
        for (code, year), rows in by_key.items():
            if len(rows) > 1:
                numbers = ", ".join(str(r.number) for r in rows)
                for row in rows:
                    row.ok = False
                for row in rows[1:]:
                    self._population_error(
                        row,
                        P_YEAR,
                        _("Unit %(code)s has more than one row for %(year)d (rows %(rows)s).")
                        % {"code": code, "year": year, "rows": numbers},
                    )

    def _load_existing(self, units: list[_UnitRow], populations: list[_PopulationRow]) -> None:
        codes = {row.code for row in units if row.code}
        codes |= {row.parent_code for row in units if row.parent_code}
        codes |= {row.code for row in populations if row.code}
        visible = OrgUnit.objects.restrict(self.user, VIEW).annotate(parent_code=F("parent__code"))
        for chunk in _chunks(sorted(codes)):
            for unit in visible.filter(code__in=chunk):
                self.visible[unit.code] = unit
        unseen = sorted({row.code for row in units if row.code} - set(self.visible))
        for chunk in _chunks(unseen):
            self.taken.update(OrgUnit.objects.filter(code__in=chunk).values_list("code", flat=True))

    def _check_codes_and_parents(self, units: list[_UnitRow]) -> None:
        for row in units:
            if row.code in self.taken:
                # Creating it would clash and it may not be updated; say no more about that unit.
                self._unit_error(
                    row, H_CODE, _("Code %(code)s is outside your scope or already in use.") % {"code": row.code}
                )
            parent_code = row.parent_code
            if not parent_code or parent_code in self.rows_by_code or parent_code in self.visible:
                continue
            existing = self.visible.get(row.code)
            if existing is not None and parent_code == existing.parent_code:
                continue  # unchanged parent outside the user's view (e.g. the province above a region)
            self._unit_error(row, H_PARENT, _("Unknown parent unit code %(code)s.") % {"code": parent_code})

    def _order(self, units: list[_UnitRow]) -> list[_UnitRow]:
        """Rows with their parent's row first, file order otherwise; rows caught in a loop of parents are reported."""
        waiting_on: dict[str, list[int]] = defaultdict(list)  # parent code → indexes of rows waiting for it
        ready: list[tuple[int, int]] = []
        for i, row in enumerate(units):
            if row.parent_code and row.parent_code in self.rows_by_code:
                waiting_on[row.parent_code].append(i)
            else:
                heapq.heappush(ready, (row.number, i))
        order: list[_UnitRow] = []
        while ready:
            _number, i = heapq.heappop(ready)
            row = units[i]
            order.append(row)
            if row.code and self.rows_by_code.get(row.code) is row:
                for j in waiting_on.pop(row.code, ()):
                    heapq.heappush(ready, (units[j].number, j))
        if len(order) < len(units):
            placed = {id(row) for row in order}
            self._report_loops([row for row in units if id(row) not in placed])
        return order

    def _report_loops(self, stuck: list[_UnitRow]) -> None:
        """Rows never placed hang (directly or not) under a loop of parents; report the rows of each loop."""
        reported: set[str] = set()
        for row in stuck:
            seen: list[str] = []
            code = row.code
            while code and code not in seen and code in self.rows_by_code:
                seen.append(code)
                code = self.rows_by_code[code].parent_code or ""
            if not code or code not in seen or code in reported:
                continue
            loop = seen[seen.index(code) :]
            reported.update(loop)
            path = " → ".join([*loop, loop[0]])
            for member in loop:
                self._unit_error(
                    self.rows_by_code[member],
                    H_PARENT,
                    _("These units are placed under each other in a loop: %(codes)s.") % {"codes": path},
                )

    # -- writes

    def _parent_of(self, row: _UnitRow) -> OrgUnit | None | _Invalid:
        """The parent unit object for the row (None: no parent), or INVALID when its row could not be saved."""
        code = row.parent_code
        if not code:
            return None
        parent_row = self.rows_by_code.get(code)
        if parent_row is not None:
            return parent_row.unit if parent_row.ok and parent_row.unit is not None else INVALID
        return self.visible.get(code, INVALID)

    def _save_unit(self, row: _UnitRow, deferred: list[tuple[_UnitRow, dict[str, Any]]]) -> None:
        if not row.ok:
            return
        existing = self.visible.get(row.code)
        if existing is None:
            self._create(row)
            return
        changes = self._changes(row, existing)
        if changes is None:
            return
        if not changes:
            row.unit = existing
            self.result.unchanged += 1
            return
        later: dict[str, Any] = {}
        if changes.get("closed_on") is not None:
            later["closed_on"] = changes.pop("closed_on")
            if "opened_on" in changes:
                later["opened_on"] = changes.pop("opened_on")
        if not in_scope(self.user, existing.path, CHANGE):
            self._unit_error(row, H_CODE, _("You may not change unit %(code)s.") % {"code": row.code})
            return
        if "parent" in changes and not self._may_place_under(row, changes["parent"]):
            return
        row.unit = existing
        if changes and not self._update(row, existing, changes):
            return
        if later:
            deferred.append((row, later))
        self.result.updated += 1

    def _changes(self, row: _UnitRow, unit: OrgUnit) -> dict[str, Any] | None:
        """Fields whose value in the row differs from the unit's; None when the row's parent cannot be used."""
        changes = {name: value for name, value in row.values.items() if getattr(unit, name) != value}
        if row.parent_code is not None and row.parent_code != (unit.parent_code or ""):
            parent = self._parent_of(row)
            if parent is INVALID:
                return None
            if (parent.pk if parent else None) != unit.parent_id:
                changes["parent"] = parent
        return changes

    def _may_place_under(self, row: _UnitRow, parent: OrgUnit | None) -> bool:
        if parent is None and not in_scope(self.user, "/", CHANGE):
            self._unit_error(row, H_PARENT, _("Only an administrator can place a unit at the top of the tree."))
            return False
        if parent is not None and not in_scope(self.user, parent.path, CHANGE):
            self._unit_error(row, H_PARENT, _("You may not add units under %(code)s.") % {"code": parent.code})
            return False
        return True

    def _create(self, row: _UnitRow) -> None:
        parent = self._parent_of(row)
        if parent is INVALID or not self._may_place_under(row, parent):
            return
        fields = {name: row.values[name] for name in (*_UNIT_TEXT_FIELDS, *_UNIT_DATE_FIELDS) if name in row.values}
        try:
            unit = orgunit_create(
                user=self.user, code=row.code, name=row.values["name"], kind=row.values["kind"], parent=parent, **fields
            )
        except ValidationError as exc:
            self._validation_error(exc, partial(self._unit_error, row), UNIT_FIELD_HEADERS)
            return
        except PermissionDenied as exc:
            self._unit_error(row, H_PARENT, str(exc))
            return
        unit.parent_code = parent.code if parent else None
        row.unit = unit
        self.visible[unit.code] = unit
        self.result.created += 1

    def _update(self, row: _UnitRow, unit: OrgUnit, changes: dict[str, Any]) -> bool:
        try:
            fresh = orgunit_update(user=self.user, unit=unit, **changes)
        except ValidationError as exc:
            self._validation_error(exc, partial(self._unit_error, row), UNIT_FIELD_HEADERS)
            return False
        except PermissionDenied as exc:
            self._unit_error(row, H_PARENT if "parent" in changes else H_CODE, str(exc))
            return False
        if "parent" in changes:
            fresh.parent_code = changes["parent"].code if changes["parent"] is not None else None
        else:
            fresh.parent_code = getattr(unit, "parent_code", None)
        row.unit = fresh
        self.visible[fresh.code] = fresh
        if "parent" in changes:
            self._refresh_paths()
        return True

    def _refresh_paths(self) -> None:
        """A move rewrote the paths of a subtree in the database: bring the units held in memory up to date."""
        held: dict[int, list[OrgUnit]] = defaultdict(list)
        for unit in self.visible.values():
            held[unit.pk].append(unit)
        for row in self.rows_by_code.values():
            if row.unit is not None:
                held[row.unit.pk].append(row.unit)
        for chunk in _chunks(sorted(held)):
            for pk, path, level in OrgUnit.objects.filter(pk__in=chunk).values_list("pk", "path", "level"):
                for unit in held[pk]:
                    unit.path, unit.level = path, level

    def _save_populations(self, populations: list[_PopulationRow]) -> None:
        codes = sorted({row.code for row in populations if row.ok and row.code in self.visible})
        existing: dict[tuple[str, int], tuple[int, str]] = {}
        records = Population.objects.restrict(self.user, VIEW)
        for chunk in _chunks(codes):
            for code, year, population, source in records.filter(orgunit__code__in=chunk).values_list(
                "orgunit__code", "year", "population", "source"
            ):
                existing[(code, year)] = (population, source)
        for row in populations:
            if not row.ok:
                continue
            unit_row = self.rows_by_code.get(row.code)
            if unit_row is not None and (not unit_row.ok or unit_row.unit is None):
                continue  # its unit's row has errors of its own
            unit = unit_row.unit if unit_row is not None else self.visible.get(row.code)
            if unit is None:
                self._population_error(row, P_CODE, _("Unknown unit code %(code)s.") % {"code": row.code})
                continue
            before = existing.get((row.code, row.year))
            source = row.source if row.source is not None else (before[1] if before else "")
            if before == (row.population, source):
                continue
            if not in_scope(self.user, unit.path, CHANGE):
                self._population_error(row, P_CODE, _("You may not change unit %(code)s.") % {"code": row.code})
                continue
            try:
                population_set(user=self.user, unit=unit, year=row.year, population=row.population, source=source)
            except ValidationError as exc:
                self._validation_error(exc, partial(self._population_error, row), POPULATION_FIELD_HEADERS)
                continue
            except PermissionDenied as exc:
                self._population_error(row, P_CODE, str(exc))
                continue
            self.result.populations_saved += 1


def _kind_lookup() -> dict[str, str]:
    """Folded spelling → kind: the file's Vietnamese label, the internal value, or the interface's label."""
    lookup: dict[str, str] = {}
    for value, label in KIND_LABELS.items():
        lookup[fold(label)] = str(value)
        lookup[fold(str(value))] = str(value)
    for value, label in OrgUnitKind.choices:
        lookup.setdefault(fold(str(label)), value)
    return lookup


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
