"""A framework as an Excel workbook: what the export writes, what the reader makes of a workbook, and where the
problems of a workbook are reported (sheet, row, column)."""

from __future__ import annotations

import copy
import io

import pytest
from openpyxl import Workbook, load_workbook

from ytcs.assessments import xlsx
from ytcs.assessments.frameworks import FrameworkError, parse_framework
from ytcs.core.xlsx import CellError, ImportFileError

CHOICES_AND_THRESHOLDS = {
    "code": "thu-lua-chon",
    "version": "1",
    "name": "Bộ thử lựa chọn và ngưỡng",
    "source": "Tệp thử",
    "confirmed": True,
    "notes": "Dòng một\nDòng hai; có dấu chấm phẩy = và (ngoặc)",
    "unit_kinds": ["station", "regional_centre"],
    "scoring": "points",
    "pass_rule": {"total_min": 7.5, "every_criterion_min_percent": 50, "confirmed": True, "source": "Điều 3"},
    "criteria": [
        {
            "code": "TC1",
            "name": "Tiêu chí một",
            "max_points": 10,
            "min_points": 2.5,
            "confirmed": True,
            "source": "Điều 4",
            "items": [
                {
                    "code": "1.1",
                    "text": "Mức độ đầy đủ",
                    "type": "choice",
                    "max_points": 2,
                    "evidence_required": True,
                    "confirmed": True,
                    "source": "Phụ lục 1",
                    "prefill": None,
                    "choices": [
                        {"code": "a", "label": "Đầy đủ (có biên bản); đã ký", "points": 2},
                        {"code": "b", "points": 1.5},
                        {"code": "c", "label": "Không có", "points": 0},
                    ],
                    "thresholds": [],
                    "unit": None,
                },
                {
                    "code": "1.2",
                    "text": "Tỷ lệ suy dinh dưỡng thấp còi",
                    "type": "number",
                    "max_points": None,
                    "evidence_required": False,
                    "confirmed": False,
                    "source": "",
                    "prefill": None,
                    "choices": [],
                    "thresholds": [{"max": 16.5, "points": 1}, {"min": 0, "max": 10, "points": 2}],
                    "unit": "%",
                },
                {
                    "code": "1.3",
                    "text": "Số bác sĩ",
                    "type": "number",
                    "max_points": 3,
                    "evidence_required": False,
                    "confirmed": False,
                    "source": "",
                    "prefill": "station_doctor_count",
                    "choices": [],
                    "thresholds": [{"min": 1, "points": 2}, {"min": 2, "points": 3}],
                    "unit": "người",
                },
            ],
        },
        {
            "code": "TC2",
            "name": "Tiêu chí chưa có nội dung",
            "max_points": None,
            "min_points": None,
            "confirmed": False,
            "source": "",
            "items": [],
        },
    ],
}


def read(data: bytes) -> xlsx.FrameworkWorkbook:
    return xlsx.read_framework_workbook(io.BytesIO(data))


def book(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def column(ws, header: str) -> int:
    return [cell.value for cell in ws[1]].index(header) + 1


def errors_at(result) -> set[tuple[str, int | None, str]]:
    return {(e.sheet, e.row, e.column) for e in result.errors}


def test_export_writes_the_three_sheets_with_vietnamese_headers_and_a_guide():
    wb = book(xlsx.framework_workbook(CHOICES_AND_THRESHOLDS))
    assert wb.sheetnames == ["Bộ tiêu chí", "Tiêu chí", "Nội dung", "Hướng dẫn"]
    assert [c.value for c in wb["Bộ tiêu chí"][1]] == list(xlsx.FRAMEWORK_HEADERS)
    assert [c.value for c in wb["Tiêu chí"][1]] == list(xlsx.CRITERIA_HEADERS)
    assert [c.value for c in wb["Nội dung"][1]] == list(xlsx.ITEM_HEADERS)
    framework = wb["Bộ tiêu chí"]
    assert framework.max_row == 2
    assert framework.cell(2, column(framework, xlsx.F_SCORING)).value == "Tính điểm"
    assert (
        framework.cell(2, column(framework, xlsx.F_UNIT_KINDS)).value == "Trạm y tế xã/phường; Trung tâm y tế khu vực"
    )
    assert framework.cell(2, column(framework, xlsx.F_CONFIRMED)).value == "Có"
    items = wb["Nội dung"]
    assert items.max_row == 4  # one row per item; TC2 has none
    rows = {items.cell(r, column(items, xlsx.I_CODE)).value: r for r in range(2, 5)}
    assert items.cell(rows["1.1"], column(items, xlsx.I_CHOICES)).value == (
        "a=2 (Đầy đủ (có biên bản); đã ký); b=1,5; c=0 (Không có)"
    )
    assert items.cell(rows["1.2"], column(items, xlsx.I_THRESHOLDS)).value == "≤16,5:1; ≥0 ≤10:2"
    assert items.cell(rows["1.3"], column(items, xlsx.I_THRESHOLDS)).value == "≥1:2; ≥2:3"
    assert items.cell(rows["1.1"], column(items, xlsx.I_TYPE)).value == "Lựa chọn"
    assert items.cell(rows["1.1"], column(items, xlsx.I_CRITERION)).value == "TC1"
    assert items.cell(rows["1.1"], column(items, xlsx.I_CODE)).data_type == "s"  # "1.1" stays text


def test_export_then_read_gives_back_the_same_framework():
    result = read(xlsx.framework_workbook(CHOICES_AND_THRESHOLDS))
    assert result.errors == []
    assert parse_framework(result.document) == parse_framework(copy.deepcopy(CHOICES_AND_THRESHOLDS))
    assert (
        result.document["criteria"][0]["items"][0]["choices"]
        == CHOICES_AND_THRESHOLDS["criteria"][0]["items"][0]["choices"]
    )
    assert result.places["criteria[1]"] == ("Tiêu chí", 3)
    assert result.places["criteria[0].items[2]"] == ("Nội dung", 4)


def test_text_that_looks_like_a_formula_stays_text():
    document = copy.deepcopy(CHOICES_AND_THRESHOLDS)
    document["criteria"][0]["items"][0]["text"] = '=HYPERLINK("http://x")'
    items = book(xlsx.framework_workbook(document))["Nội dung"]
    cell = items.cell(2, column(items, xlsx.I_TEXT))
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_the_template_has_one_example_row_per_sheet_and_imports_as_it_is():
    data = xlsx.template_workbook()
    wb = book(data)
    for sheet in ("Bộ tiêu chí", "Tiêu chí", "Nội dung"):
        assert wb[sheet].max_row == 2, sheet
    guide = "\n".join(str(c.value) for row in wb["Hướng dẫn"].iter_rows() for c in row if c.value)
    assert "station_has_doctor" in guide and "a=2 (Đầy đủ)" in guide and "≥1:2" in guide
    result = read(data)
    assert result.errors == []
    parsed = parse_framework(result.document)
    assert parsed["code"] == "vi-du"
    assert parsed["criteria"][0]["items"][0]["thresholds"] == [{"min": 1, "points": 2}, {"min": 2, "points": 3}]


def test_it_reads_labels_without_diacritics_system_values_and_numbers_typed_as_text():
    wb = book(xlsx.framework_workbook(CHOICES_AND_THRESHOLDS))
    framework, items = wb["Bộ tiêu chí"], wb["Nội dung"]
    framework.cell(2, column(framework, xlsx.F_SCORING)).value = "tinh diem"
    framework.cell(2, column(framework, xlsx.F_UNIT_KINDS)).value = "station, tram y te xa/phuong"
    framework.cell(2, column(framework, xlsx.F_PASS_TOTAL)).value = "7,5"
    framework.cell(2, column(framework, xlsx.F_CONFIRMED)).value = "x"
    items.cell(2, column(items, xlsx.I_TYPE)).value = "choice"
    items.cell(3, column(items, xlsx.I_TYPE)).value = "so"
    items.cell(4, column(items, xlsx.I_THRESHOLDS)).value = ">=1:2;>= 2 : 3;"
    items.cell(4, column(items, xlsx.I_MAX)).value = "3"
    result = read(save(wb))
    assert result.errors == []
    document = result.document
    assert document["scoring"] == "points"
    assert document["unit_kinds"] == ["station", "station"]
    assert document["pass_rule"]["total_min"] == 7.5
    assert document["confirmed"] is True
    assert [i["type"] for i in document["criteria"][0]["items"]] == ["choice", "number", "number"]
    assert document["criteria"][0]["items"][2]["thresholds"] == [{"min": 1, "points": 2}, {"min": 2, "points": 3}]
    assert document["criteria"][0]["items"][2]["max_points"] == 3


def test_it_names_the_sheet_row_and_column_of_each_bad_cell():
    wb = book(xlsx.framework_workbook(CHOICES_AND_THRESHOLDS))
    framework, criteria, items = wb["Bộ tiêu chí"], wb["Tiêu chí"], wb["Nội dung"]
    framework.cell(2, column(framework, xlsx.F_SCORING)).value = "trung bình cộng"
    framework.cell(2, column(framework, xlsx.F_UNIT_KINDS)).value = "bệnh xá"
    criteria.cell(3, column(criteria, xlsx.C_MAX)).value = "mười"
    criteria.cell(2, column(criteria, xlsx.C_CONFIRMED)).value = "có lẽ"
    items.cell(3, column(items, xlsx.I_TYPE)).value = "văn bản"
    items.cell(2, column(items, xlsx.I_CHOICES)).value = "a=2; b"
    items.cell(4, column(items, xlsx.I_THRESHOLDS)).value = "1:2"
    items.cell(4, column(items, xlsx.I_CRITERION)).value = "TC9"
    result = read(save(wb))
    assert errors_at(result) == {
        ("Bộ tiêu chí", 2, xlsx.F_SCORING),
        ("Bộ tiêu chí", 2, xlsx.F_UNIT_KINDS),
        ("Tiêu chí", 3, xlsx.C_MAX),
        ("Tiêu chí", 2, xlsx.C_CONFIRMED),
        ("Nội dung", 3, xlsx.I_TYPE),
        ("Nội dung", 2, xlsx.I_CHOICES),
        ("Nội dung", 4, xlsx.I_CRITERION),
    }
    bad_type = next(e for e in result.errors if e.column == xlsx.I_TYPE)
    assert "văn bản" in bad_type.message and "Có/Không" in bad_type.message


def test_missing_sheets_columns_and_framework_rows_are_reported():
    wb = book(xlsx.framework_workbook(CHOICES_AND_THRESHOLDS))
    del wb["Tiêu chí"]
    wb["Nội dung"].delete_cols(column(wb["Nội dung"], xlsx.I_TYPE))
    wb["Bộ tiêu chí"].append(["khac", "2"])
    result = read(save(wb))
    assert ("Tiêu chí", None, "") in errors_at(result)
    assert ("Nội dung", 1, xlsx.I_TYPE) in errors_at(result)
    assert ("Bộ tiêu chí", 3, "") in errors_at(result)


def test_an_empty_framework_sheet_asks_for_the_second_row():
    wb = book(xlsx.framework_workbook(CHOICES_AND_THRESHOLDS))
    wb["Bộ tiêu chí"].delete_rows(2)
    result = read(save(wb))
    assert errors_at(result) == {("Bộ tiêu chí", 2, "")}


def test_a_file_that_is_not_a_workbook_is_refused_as_a_whole():
    with pytest.raises(ImportFileError):
        read(b"code: x\n")
    with pytest.raises(ImportFileError):
        xlsx.read_framework_workbook(io.BytesIO(xlsx.template_workbook()), max_bytes=100)


def test_framework_checks_are_placed_on_the_sheet_row_and_column_they_concern():
    wb = book(xlsx.framework_workbook(CHOICES_AND_THRESHOLDS))
    framework, criteria, items = wb["Bộ tiêu chí"], wb["Tiêu chí"], wb["Nội dung"]
    framework.cell(2, column(framework, xlsx.F_NAME)).value = None
    criteria.cell(3, column(criteria, xlsx.C_CODE)).value = "TC1"  # used twice
    items.cell(3, column(items, xlsx.I_MAX)).value = -1
    items.cell(2, column(items, xlsx.I_PREFILL)).value = "so_giuong_benh"
    items.cell(2, column(items, xlsx.I_CHOICES)).value = None  # a choice item without choices
    result = read(save(wb))
    assert result.errors == []
    with pytest.raises(FrameworkError) as caught:
        parse_framework(result.document)
    located = {(e.sheet, e.row, e.column) for e in xlsx.locate_errors(caught.value.errors, result.places)}
    assert located == {
        ("Bộ tiêu chí", 2, xlsx.F_NAME),
        ("Tiêu chí", 3, xlsx.C_CODE),
        ("Nội dung", 3, xlsx.I_MAX),
        ("Nội dung", 2, xlsx.I_PREFILL),
        ("Nội dung", 2, xlsx.I_CHOICES),
    }


def test_locating_keeps_the_part_of_a_cell_and_unknown_messages():
    places = {"framework": ("Bộ tiêu chí", 2), "criteria[0]": ("Tiêu chí", 2), "criteria[0].items[1]": ("Nội dung", 5)}
    located = xlsx.locate_errors(
        [
            "criteria[0].items[1].thresholds[2].min: not a number (x).",
            "pass_rule.total_min: cannot be negative.",
            "framework.criteria: at least one criterion.",
            "The file does not hold a framework.",
        ],
        places,
    )
    assert [(e.sheet, e.row, e.column, e.message) for e in located] == [
        ("Nội dung", 5, xlsx.I_THRESHOLDS, "thresholds[2].min: not a number (x)."),
        ("Bộ tiêu chí", 2, xlsx.F_PASS_TOTAL, "cannot be negative."),
        ("Tiêu chí", None, "", "at least one criterion."),
        ("", None, "", "The file does not hold a framework."),
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", []),
        ("a=2", [{"code": "a", "points": 2}]),
        ("a = 2 ; b=1,5;", [{"code": "a", "points": 2}, {"code": "b", "points": 1.5}]),
        (
            "x1=0 (Không (chưa) có); y=1",
            [{"code": "x1", "label": "Không (chưa) có", "points": 0}, {"code": "y", "points": 1}],
        ),
    ],
)
def test_choices_are_read_as_code_equals_points_with_an_optional_label(text, expected):
    assert xlsx.parse_choices(text) == expected


@pytest.mark.parametrize("text", ["a", "a=", "a=hai", "=2", "a=2 b=1", "a=2 (nhãn"])
def test_choices_that_cannot_be_read_are_refused(text):
    with pytest.raises(CellError):
        xlsx.parse_choices(text)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("≥1:2", [{"min": 1, "points": 2}]),
        ("≤24:1; ≤16,5:2", [{"max": 24, "points": 1}, {"max": 16.5, "points": 2}]),
        (">= 1 <= 5 : 3", [{"min": 1, "max": 5, "points": 3}]),
    ],
)
def test_thresholds_are_read_as_bound_colon_points(text, expected):
    assert xlsx.parse_thresholds(text) == expected


@pytest.mark.parametrize("text", ["1:2", "≥1", "≥1 ≥2:3", "≥a:2", ":2", "≥1:hai", "=1:2"])
def test_thresholds_that_cannot_be_read_are_refused(text):
    with pytest.raises(CellError):
        xlsx.parse_thresholds(text)


def test_written_choices_and_thresholds_read_back_the_same():
    choices = [{"code": "a", "label": "Có; đầy đủ", "points": 2.25}, {"code": "b", "points": 0}]
    thresholds = [{"min": 0.5, "points": 1}, {"max": 100, "points": 0.5}, {"min": 1, "max": 2, "points": 3}]
    assert xlsx.parse_choices(xlsx.choices_text(choices)) == choices
    assert xlsx.parse_thresholds(xlsx.thresholds_text(thresholds)) == thresholds
