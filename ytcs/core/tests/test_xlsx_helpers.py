"""Generic Excel helpers: writing styled sheets, reading rows by header, parsing cells."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from ytcs.core.xlsx import (
    DATE_FORMAT,
    CellError,
    ImportFileError,
    ImportResult,
    RowError,
    add_list_validation,
    add_table_sheet,
    find_sheet,
    header_key,
    new_workbook,
    open_workbook,
    parse_date,
    parse_int,
    parse_text,
    read_sheet,
    require,
    workbook_bytes,
)

HEADERS = ("Mã*", "Tên*", "Ngày (dd/mm/yyyy)", "Ghi chú")


def xlsx_bytes(rows, *, title: str = "Dữ liệu") -> bytes:
    wb = Workbook()
    wb.active.title = title
    for row in rows:
        wb.active.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def read(data: bytes, *, headers=HEADERS, required=("Mã*", "Tên*"), **kwargs):
    with open_workbook(io.BytesIO(data)) as wb:
        return read_sheet(wb.worksheets[0], headers=headers, required=required, **kwargs)


# ---------------------------------------------------------------------------------------------- writing


def test_it_writes_a_bold_frozen_header_with_widths_and_dates_formatted_dd_mm_yyyy():
    wb = new_workbook()
    add_table_sheet(
        wb,
        title="Dữ liệu",
        headers=HEADERS,
        rows=[("A1", "Trạm", datetime.date(2025, 3, 1), None)],
        widths=(12, 30, 16, 40),
        date_columns=(3,),
        text_columns=(1,),
    )

    ws = load_workbook(io.BytesIO(workbook_bytes(wb)))["Dữ liệu"]

    assert [c.value for c in ws[1]] == list(HEADERS)
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width == 30
    assert ws["C2"].value == datetime.datetime(2025, 3, 1)
    assert ws["C2"].number_format == DATE_FORMAT
    assert ws.column_dimensions["C"].number_format == DATE_FORMAT
    assert ws.column_dimensions["A"].number_format == "@"


def test_it_never_writes_text_as_a_formula():
    wb = new_workbook()
    add_table_sheet(wb, title="S", headers=["Tên"], rows=[["=1+2"], ['=HYPERLINK("http://x")']])

    ws = load_workbook(io.BytesIO(workbook_bytes(wb)))["S"]

    assert [(c.value, c.data_type) for (c,) in ws.iter_rows(min_row=2)] == [
        ("=1+2", "s"),
        ('=HYPERLINK("http://x")', "s"),
    ]


def test_it_adds_a_drop_down_list_that_only_warns_by_default():
    wb = new_workbook()
    ws = add_table_sheet(wb, title="S", headers=["Loại"])
    add_list_validation(ws, column=1, options=["Sở Y tế", "Trạm y tế xã/phường"], last_row=100)

    (validation,) = load_workbook(io.BytesIO(workbook_bytes(wb)))["S"].data_validations.dataValidation

    assert validation.formula1 == '"Sở Y tế,Trạm y tế xã/phường"'
    assert str(validation.sqref) == "A2:A100"
    assert validation.errorStyle == "warning"


def test_it_refuses_a_drop_down_list_excel_cannot_hold():
    ws = add_table_sheet(new_workbook(), title="S", headers=["Loại"])

    with pytest.raises(ValueError):
        add_list_validation(ws, column=1, options=["a,b"])
    with pytest.raises(ValueError):
        add_list_validation(ws, column=1, options=["x" * 200, "y" * 60])


# ---------------------------------------------------------------------------------------------- reading


def test_it_reads_rows_keyed_by_header_with_their_excel_row_number():
    data = xlsx_bytes(
        [
            HEADERS,
            ["A1", "  Trạm A1 ", "01/02/2025", None],
            [None, None, None, None],  # skipped
            [None, "   ", None, None],  # blank text only: skipped
            [42, "Trạm 42"],  # short row
        ]
    )

    rows, errors = read(data)

    assert errors == []
    assert [(r.number, r.values) for r in rows] == [
        (2, {"Mã*": "A1", "Tên*": "Trạm A1", "Ngày (dd/mm/yyyy)": "01/02/2025", "Ghi chú": None}),
        (5, {"Mã*": 42, "Tên*": "Trạm 42", "Ngày (dd/mm/yyyy)": None, "Ghi chú": None}),
    ]


def test_it_matches_headers_ignoring_case_diacritics_stars_and_order_and_ignores_unknown_columns():
    data = xlsx_bytes([["ten", "Cột lạ", "MÃ"], ["Trạm", "x", "A1"]])

    rows, errors = read(data)

    assert errors == []
    assert rows[0].values == {"Tên*": "Trạm", "Mã*": "A1"}
    assert rows[0].has("Mã*") and not rows[0].has("Ghi chú")


def test_it_reports_missing_required_and_repeated_columns():
    rows, errors = read(xlsx_bytes([["Tên*", "Ghi chú", "Ghi chú"], ["Trạm", "a", "b"]]))

    assert rows == []
    assert {(e.row, e.column) for e in errors} == {(1, "Mã*"), (1, "Ghi chú")}
    assert all(e.sheet == "Dữ liệu" for e in errors)


def test_it_reports_a_sheet_with_too_many_rows():
    rows, errors = read(xlsx_bytes([HEADERS, *[[f"A{n}", "x"] for n in range(6)]]), max_rows=5)

    assert rows == []
    assert [(e.row, e.column) for e in errors] == [(None, "")]


def test_it_finds_a_sheet_by_name_ignoring_case_and_diacritics():
    with open_workbook(io.BytesIO(xlsx_bytes([["x"]], title="Don Vi"))) as wb:
        assert find_sheet(wb, "Đơn vị").title == "Don Vi"
        assert find_sheet(wb, "Dân số") is None


def test_header_key_ignores_stars_case_and_diacritics():
    assert header_key("Mã đơn vị*") == header_key("ma don vi") == "ma don vi"
    assert header_key(None) == header_key(12) == ""


def test_it_reads_an_uploaded_file_and_gives_formula_cells_their_computed_value():
    data = xlsx_bytes([HEADERS, ["A1", "Trạm", None, None]])

    with open_workbook(SimpleUploadedFile("a.xlsx", data), max_bytes=len(data)) as wb:
        rows, errors = read_sheet(wb.worksheets[0], headers=HEADERS)

    assert errors == [] and rows[0].get("Mã*") == "A1"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Ma,Ten\nA1,Tram\n",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,  # old binary .xls
    ],
    ids=["empty", "csv", "xls"],
)
def test_it_rejects_files_that_are_not_xlsx(data):
    with pytest.raises(ImportFileError) as info, open_workbook(io.BytesIO(data)):
        pass

    assert info.value.message


def test_it_rejects_a_corrupt_or_foreign_zip_file():
    foreign = io.BytesIO()
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    truncated = xlsx_bytes([HEADERS])[:300]

    for data in (foreign.getvalue(), truncated):
        with pytest.raises(ImportFileError), open_workbook(io.BytesIO(data)):
            pass


def test_it_rejects_a_file_over_the_size_limit_without_reading_it_whole():
    data = xlsx_bytes([HEADERS])

    with pytest.raises(ImportFileError) as info, open_workbook(io.BytesIO(data), max_bytes=len(data) - 1):
        pass
    with pytest.raises(ImportFileError), open_workbook(SimpleUploadedFile("a.xlsx", data), max_bytes=len(data) - 1):
        pass

    assert "MB" in info.value.message


# ---------------------------------------------------------------------------------------------- cell parsers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.datetime(2025, 2, 28, 0, 0), datetime.date(2025, 2, 28)),
        (datetime.date(2024, 2, 29), datetime.date(2024, 2, 29)),
        ("28/02/2025", datetime.date(2025, 2, 28)),
        ("1/7/2025", datetime.date(2025, 7, 1)),
        ("01-07-2025", datetime.date(2025, 7, 1)),
        ("01.07.2025", datetime.date(2025, 7, 1)),
        (None, None),
        ("  ", None),
    ],
)
def test_it_parses_real_excel_dates_and_dd_mm_yyyy_text(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["31/02/2025", "2025-13-01", "2025-01-13", "13/13/2025", "1/7/25", "hôm qua", 45000])
def test_it_rejects_dates_that_are_not_dd_mm_yyyy(value):
    with pytest.raises(CellError) as info:
        parse_date(value)

    assert str(value) in info.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12500, 12500), (12500.0, 12500), ("12500", 12500), ("12.500", 12500), ("1,234,567", 1234567), (" 7 ", 7)],
)
def test_it_parses_whole_numbers_from_numbers_and_text(value, expected):
    assert parse_int(value) == expected


@pytest.mark.parametrize("value", [12.5, "12.5", "12,50", "1.2.3", "mười", True, datetime.date(2025, 1, 1)])
def test_it_rejects_values_that_are_not_whole_numbers(value):
    with pytest.raises(CellError):
        parse_int(value)


def test_it_checks_the_bounds_of_a_whole_number():
    assert parse_int(None, minimum=0) is None
    assert parse_int(0, minimum=0) == 0
    with pytest.raises(CellError):
        parse_int(-1, minimum=0)
    with pytest.raises(CellError):
        parse_int(1989, minimum=1990, maximum=2100)
    with pytest.raises(CellError):
        parse_int(2101, maximum=2100)


def test_it_turns_cells_into_text():
    assert parse_text(None) == ""
    assert parse_text("  Trạm  ") == "Trạm"
    assert parse_text(912345678.0) == "912345678"
    assert parse_text(12.5) == "12.5"
    assert parse_text(datetime.datetime(2025, 3, 1)) == "01/03/2025"


def test_it_requires_a_non_blank_cell():
    assert require("x") == "x"
    assert require(0) == 0
    for blank in (None, "", "  "):
        with pytest.raises(CellError):
            require(blank)


# ---------------------------------------------------------------------------------------------- results


def test_an_import_result_is_ok_only_without_errors():
    result = ImportResult(created=2)
    assert result.ok

    result.add_error(sheet="Đơn vị", row=3, column="Tên*", message="x")

    assert not result.ok
    assert result.errors == [RowError("Đơn vị", 3, "Tên*", "x")]


def test_it_sorts_errors_by_sheet_order_then_row_with_file_errors_first():
    result = ImportResult()
    result.add_error(sheet="Dân số", row=2, message="d2")
    result.add_error(sheet="Đơn vị", row=9, message="u9")
    result.add_error(sheet="Đơn vị", row=3, column="B", message="u3b")
    result.add_error(sheet="Đơn vị", row=3, column="A", message="u3a")
    result.add_error(sheet="", row=None, message="file")

    result.sort_errors(sheets=["Đơn vị", "Dân số"])

    assert [e.message for e in result.errors] == ["file", "u3b", "u3a", "u9", "d2"]
