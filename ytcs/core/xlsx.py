"""Excel (.xlsx) helpers shared by every registry's export, template and import (tệp Excel).

Writing: sheets with a bold, frozen header row, set column widths, dd/mm/yyyy dates and drop-down lists.
Reading: a sheet becomes rows keyed by their (Vietnamese) header with the Excel row number, and cell
parsers turn what users type (or what Excel stores) into dates, whole numbers and text, raising
`CellError` with a message for the user.

Imports report problems as `RowError`s and their outcome as an `ImportResult`.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook as WorkbookType
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ytcs.core.text import fold

DATE_FORMAT = "DD/MM/YYYY"
TEXT_FORMAT = "@"
# Rows read from one sheet at most: a guard against huge (or zip-bomb) files, far above a province's registry.
MAX_ROWS = 50_000
# Rows of the template that get the drop-down lists.
VALIDATION_ROWS = 5_000

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", start_color="DDEBF7")
HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)

_ZIP_MAGIC = b"PK\x03\x04"
_DATE_TEXT = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_INT_TEXT = re.compile(r"^[+-]?\d+$")
# "12.500", "12,500", "12 500": thousands grouped with one separator, as Vietnamese and English users type.
_GROUPED_INT_TEXT = re.compile(r"^\d{1,3}(?P<sep>[.,\u00a0 ])\d{3}(?:(?P=sep)\d{3})*$")


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RowError:
    """One rejected cell or row: sheet, Excel row number (None for the whole file), column header, reason."""

    sheet: str
    row: int | None
    column: str
    message: str


@dataclass
class ImportResult:
    """Outcome of an import: counts when saved, otherwise every problem found (and nothing saved)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    populations_saved: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, *, sheet: str, row: int | None, column: str = "", message: str) -> None:
        self.errors.append(RowError(sheet=sheet, row=row, column=column, message=str(message)))

    def sort_errors(self, *, sheets: Sequence[str] = ()) -> None:
        """Order errors by sheet (in the given order, file-level first), then row, keeping insertion order."""
        order = {name: index for index, name in enumerate(sheets)}

        def key(error: RowError) -> tuple[int, str, int]:
            sheet_rank = -1 if not error.sheet else order.get(error.sheet, len(order))
            return (sheet_rank, error.sheet, error.row or 0)

        self.errors.sort(key=key)


class ImportFileError(Exception):
    """The uploaded file as a whole cannot be read; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CellError(ValueError):
    """A cell's value cannot be used; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------------- writing


def new_workbook() -> Workbook:
    """An empty workbook (without openpyxl's default sheet)."""
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def add_table_sheet(
    wb: Workbook,
    *,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]] = (),
    widths: Sequence[float] | None = None,
    date_columns: Sequence[int] = (),
    text_columns: Sequence[int] = (),
) -> Worksheet:
    """Add a sheet with a bold, frozen header row and the given rows.

    Column numbers in `date_columns` / `text_columns` are 1-based: their cells are formatted dd/mm/yyyy or as
    text, and so are cells a user adds later in those columns (column style), so Excel keeps leading zeros.
    """
    ws = wb.create_sheet(title=title)
    ws.append(list(headers))
    style_header_row(ws, widths=widths)
    for col in date_columns:
        ws.column_dimensions[get_column_letter(col)].number_format = DATE_FORMAT
    for col in text_columns:
        ws.column_dimensions[get_column_letter(col)].number_format = TEXT_FORMAT
    date_set = set(date_columns)
    for values in rows:
        append_row(ws, values=values, date_columns=date_set)
    return ws


def style_header_row(ws: Worksheet, *, widths: Sequence[float] | None = None) -> None:
    """Bold, shaded, wrapped, frozen first row; column widths in characters."""
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
    ws.freeze_panes = "A2"
    for index, width in enumerate(widths or (), start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


def append_row(ws: Worksheet, *, values: Sequence[Any], date_columns: set[int] | frozenset[int] = frozenset()) -> None:
    """Append one row: dates get the dd/mm/yyyy format, and text is always stored as text.

    openpyxl would store a string starting with "=" as a formula; user-entered text must never become one.
    """
    ws.append([_cell_value(v) for v in values])
    # The row append() just wrote; ws.max_row would scan every cell, making a long export quadratic.
    row = ws._current_row
    for col, value in enumerate(values, start=1):
        if value is None:
            continue
        cell = ws.cell(row=row, column=col)
        if isinstance(value, str):
            cell.data_type = "s"
        elif col in date_columns or isinstance(value, datetime.date):
            cell.number_format = DATE_FORMAT


def _cell_value(value: Any) -> Any:
    if isinstance(value, str) and value == "":
        return None
    return value


def add_list_validation(
    ws: Worksheet,
    *,
    column: int,
    options: Sequence[str],
    first_row: int = 2,
    last_row: int = VALIDATION_ROWS,
    strict: bool = False,
) -> DataValidation:
    """A drop-down list on a column. Not strict by default: other spellings only get a warning (the import
    decides what is acceptable)."""
    formula = ",".join(options)
    if len(formula) > 255 or any("," in option or '"' in option for option in options):
        raise ValueError("an in-cell list holds at most 255 characters, without commas or quotes")
    validation = DataValidation(
        type="list",
        formula1=f'"{formula}"',
        allow_blank=True,
        showDropDown=False,  # (sic) False shows the arrow
        showErrorMessage=True,
        errorStyle="stop" if strict else "warning",
    )
    letter = get_column_letter(column)
    validation.add(f"{letter}{first_row}:{letter}{last_row}")
    ws.add_data_validation(validation)
    return validation


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class SheetRow:
    """A non-empty data row: its Excel row number and its cells keyed by canonical header.

    Only columns present in the sheet are keys, so an import can leave fields of absent columns untouched.
    Blank cells are None; text is stripped.
    """

    number: int
    values: dict[str, Any]

    def get(self, header: str) -> Any:
        return self.values.get(header)

    def has(self, header: str) -> bool:
        return header in self.values


def header_key(text: Any) -> str:
    """How headers are matched: case, diacritics, spaces and the "*" marking required columns are ignored."""
    if not isinstance(text, str):
        return ""
    return fold(text.replace("*", ""))


@contextmanager
def open_workbook(file: IO[bytes] | Any, *, max_bytes: int | None = None) -> Iterator[WorkbookType]:
    """Open an uploaded .xlsx (read-only, formulas as their last computed values), or raise ImportFileError."""
    data = _read_upload(file, max_bytes=max_bytes)
    if not data:
        raise ImportFileError(_("The file is empty."))
    if not data.startswith(_ZIP_MAGIC):
        # Old binary .xls, .csv, .ods, a PDF...: all get the same advice.
        raise ImportFileError(
            _("This is not an Excel .xlsx file. Open it in Excel and save it as “Excel Workbook (.xlsx)”.")
        )
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile) as exc:
        raise ImportFileError(_damaged()) from exc
    except Exception as exc:  # openpyxl and the XML parser raise assorted errors (KeyError, ValueError...)
        raise ImportFileError(_damaged()) from exc
    try:
        yield wb
    finally:
        wb.close()


def _damaged() -> str:
    return _("The file is damaged or is not a valid .xlsx workbook.")


def _read_upload(file: Any, *, max_bytes: int | None) -> bytes:
    size = getattr(file, "size", None)
    if max_bytes is not None and isinstance(size, int) and size > max_bytes:
        raise ImportFileError(_too_big(max_bytes))
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read() if max_bytes is None else file.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        raise ImportFileError(_too_big(max_bytes))
    return data


def _too_big(max_bytes: int) -> str:
    megabytes = max_bytes / (1024 * 1024)
    limit = f"{megabytes:.0f}" if megabytes >= 1 else f"{megabytes:.2f}"
    return _("The file is larger than %(limit)s MB.") % {"limit": limit}


def find_sheet(wb: WorkbookType, title: str) -> Any | None:
    """The sheet whose name matches `title` ignoring case, diacritics and spaces, or None."""
    wanted = fold(title)
    for ws in wb.worksheets:
        if fold(ws.title) == wanted:
            return ws
    return None


def read_sheet(
    ws: Any, *, headers: Sequence[str], required: Sequence[str] = (), max_rows: int = MAX_ROWS
) -> tuple[list[SheetRow], list[RowError]]:
    """Rows of a sheet whose first row holds the headers, keyed by the canonical header in `headers`.

    Unknown columns are ignored; fully empty rows are skipped. Missing required columns, repeated columns
    and too many rows are returned as errors (and then no rows). A sheet that cannot be parsed raises
    ImportFileError.
    """
    try:
        return _read_sheet(ws, headers=headers, required=required, max_rows=max_rows)
    except ImportFileError:
        raise
    except Exception as exc:  # read-only sheets are parsed lazily, so a malformed part fails only here
        raise ImportFileError(_damaged()) from exc


def read_upload_sheet(
    file: Any, *, result: ImportResult, sheet: str, headers: Sequence[str], required: Sequence[str] = ()
) -> tuple[list[SheetRow], str] | None:
    """The rows of the one sheet an import reads (and the sheet's title as written in the file), or None with
    the problems added to `result`: an unreadable file, no such sheet, bad headers, or no rows at all."""
    from django.conf import settings

    try:
        with open_workbook(file, max_bytes=settings.YTCS_IMPORT_MAX_BYTES) as wb:
            ws = find_sheet(wb, sheet)
            if ws is None:
                result.add_error(
                    sheet="",
                    row=None,
                    message=_("The file has no sheet named “%(sheet)s”; use the template.") % {"sheet": sheet},
                )
                return None
            rows, errors = read_sheet(ws, headers=headers, required=required)
            result.errors.extend(errors)
            title = ws.title
    except ImportFileError as exc:
        result.add_error(sheet="", row=None, message=exc.message)
        return None
    if not result.errors and not rows:
        result.add_error(sheet="", row=None, message=_("The file contains no rows to import."))
    if result.errors:
        return None
    return rows, title


def _read_sheet(
    ws: Any, *, headers: Sequence[str], required: Sequence[str], max_rows: int
) -> tuple[list[SheetRow], list[RowError]]:
    title = ws.title
    if hasattr(ws, "reset_dimensions"):
        # Read-only sheets trust the size the writing program recorded, which is sometimes wrong.
        ws.reset_dimensions()
    by_key = {header_key(h): h for h in headers}
    rows_iter = ws.iter_rows(values_only=True)
    header_cells = next(rows_iter, None) or ()
    errors: list[RowError] = []
    columns: dict[int, str] = {}
    for index, text in enumerate(header_cells):
        header = by_key.get(header_key(text))
        if header is None:
            continue
        if header in columns.values():
            errors.append(
                RowError(title, 1, header, _("Column “%(column)s” appears more than once.") % {"column": header})
            )
            continue
        columns[index] = header
    for header in required:
        if header not in columns.values():
            errors.append(RowError(title, 1, header, _("Missing column “%(column)s”.") % {"column": header}))
    if errors:
        return [], errors

    rows: list[SheetRow] = []
    for number, cells in enumerate(rows_iter, start=2):
        values = {
            header: _clean_cell(cells[index] if index < len(cells) else None) for index, header in columns.items()
        }
        if all(v is None for v in values.values()):
            continue
        if len(rows) >= max_rows:
            return [], [RowError(title, None, "", _("The sheet has more than %(limit)d rows.") % {"limit": max_rows})]
        rows.append(SheetRow(number=number, values=values))
    return rows, []


def _clean_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# ---------------------------------------------------------------------------------------------- cell parsers


def require(value: Any) -> Any:
    """The value itself, or CellError when the cell is blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CellError(_("This cell is required."))
    return value


def parse_text(value: Any) -> str:
    """Cell as text: blank → "", 123.0 → "123" (Excel stores typed numbers as floats), dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def parse_date(value: Any) -> datetime.date | None:
    """A real Excel date, or text "dd/mm/yyyy" ("d/m/yyyy", "dd-mm-yyyy" and "dd.mm.yyyy" too); blank → None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = parse_text(value)
    match = _DATE_TEXT.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return datetime.date(year, month, day)
        except ValueError:
            pass
    raise CellError(_("“%(value)s” is not a date; write it as dd/mm/yyyy.") % {"value": text})


def parse_int(value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """A whole number from a number cell or text ("12500", "12.500", "12,500"); blank → None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        number = int(value) if value.is_integer() else None
    elif isinstance(value, str):
        text = value.strip()
        if _INT_TEXT.match(text):
            number = int(text)
        elif _GROUPED_INT_TEXT.match(text):
            number = int(re.sub(r"\D", "", text))
    if number is None:
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": parse_text(value)})
    if minimum is not None and maximum is not None and not minimum <= number <= maximum:
        raise CellError(_("Must be between %(min)d and %(max)d.") % {"min": minimum, "max": maximum})
    if minimum is not None and number < minimum:
        raise CellError(_("Must be at least %(min)d.") % {"min": minimum})
    if maximum is not None and number > maximum:
        raise CellError(_("Must be at most %(max)d.") % {"max": maximum})
    return number
