"""Excel template, export and import of the staff roster."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from ytcs.core import audit
from ytcs.core.models import AuditEntry
from ytcs.core.testing.factories import StaffFactory, title
from ytcs.orgunits.models import OrgUnit
from ytcs.workforce.models import MoveKind, Posting, Staff
from ytcs.workforce.selectors import staff_list
from ytcs.workforce.xlsx import (
    EMPLOYMENT_LABELS,
    GUIDE_SHEET,
    H_BIRTH,
    H_EMAIL,
    H_EMPLOYMENT,
    H_NAME,
    H_NATIONAL_ID,
    H_POSITION,
    H_POSTED,
    H_QUALIFICATION,
    H_SEX,
    H_STARTED,
    H_TITLE,
    H_UNIT,
    POSITION_LABELS,
    QUALIFICATION_LABELS,
    SEX_LABELS,
    STAFF_HEADERS,
    STAFF_SHEET,
    staff_export_workbook,
    staff_import,
    staff_template_workbook,
)

TODAY = timezone.localdate()

DEFAULTS = {
    H_NAME: "Nguyễn Thị Thu Hà",
    H_SEX: "Nữ",
    H_BIRTH: "14/03/1985",
    H_NATIONAL_ID: "001185000001",
    H_TITLE: "Bác sĩ",
    H_QUALIFICATION: "Đại học",
    H_EMPLOYMENT: "Viên chức",
    H_POSITION: "Nhân viên",
    H_UNIT: "A1",
    H_STARTED: "01/09/2010",
}


def staff_row(**cells: Any) -> list[Any]:
    """A row in template column order: the defaults above, with cells given by header (e.g. H_UNIT="A2")."""
    values = {**DEFAULTS, **{_HEADER_ARGS.get(k, k): v for k, v in cells.items()}}
    return [values.get(header) for header in STAFF_HEADERS]


# Short keyword names for the headers, so rows read staff_row(cccd=..., unit=...).
_HEADER_ARGS = {
    "name": H_NAME,
    "sex": H_SEX,
    "birth": H_BIRTH,
    "cccd": H_NATIONAL_ID,
    "title": H_TITLE,
    "qualification": H_QUALIFICATION,
    "specialty": "Chuyên ngành",
    "employment": H_EMPLOYMENT,
    "position": H_POSITION,
    "unit": H_UNIT,
    "started": H_STARTED,
    "posted": H_POSTED,
    "phone": "Điện thoại",
    "email": H_EMAIL,
}


def xlsx_upload(rows: Sequence[Sequence[Any]], *, headers: Sequence[str] = STAFF_HEADERS) -> SimpleUploadedFile:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(STAFF_SHEET)
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("nhan-luc.xlsx", buffer.getvalue())


def counts() -> tuple[int, int, int]:
    return Staff.objects.count(), Posting.objects.count(), AuditEntry.objects.count()


def errors_at(result) -> set[tuple[int | None, str]]:
    return {(e.row, e.column) for e in result.errors}


def years_ago(years: int) -> str:
    return TODAY.replace(year=TODAY.year - years, day=min(TODAY.day, 28)).strftime("%d/%m/%Y")


def export_for(user) -> bytes:
    return staff_export_workbook(staff=staff_list(user=user, filters={"status": "all"}))


# ---------------------------------------------------------------------------------------------- template


def test_template_has_the_vietnamese_headers_and_a_guide_listing_the_allowed_values(db):
    wb = load_workbook(io.BytesIO(staff_template_workbook()))

    assert wb.sheetnames == [STAFF_SHEET, GUIDE_SHEET]
    ws = wb[STAFF_SHEET]
    assert [c.value for c in ws[1]] == list(STAFF_HEADERS)
    assert ws.max_row == 1
    assert ws["A1"].font.bold and ws.freeze_panes == "A2"
    assert ws.column_dimensions["D"].number_format == "@"  # CCCD keeps its leading zeros
    assert ws.column_dimensions["C"].number_format == "DD/MM/YYYY"
    guide = " ".join(str(v) for row in wb[GUIDE_SHEET].iter_rows(values_only=True) for v in row if v)
    for text in (*STAFF_HEADERS, *QUALIFICATION_LABELS.values(), *EMPLOYMENT_LABELS.values(), "Điều dưỡng", "y-si"):
        assert text in guide


def test_template_offers_drop_downs_and_the_title_list_comes_from_the_catalogue(db):
    wb = load_workbook(io.BytesIO(staff_template_workbook()))
    validations = {str(v.sqref).split(":")[0]: v.formula1 for v in wb[STAFF_SHEET].data_validations.dataValidation}

    assert validations["B2"] == '"' + ",".join(SEX_LABELS.values()) + '"'
    assert validations["F2"] == '"' + ",".join(QUALIFICATION_LABELS.values()) + '"'
    assert validations["H2"] == '"' + ",".join(EMPLOYMENT_LABELS.values()) + '"'
    assert validations["I2"] == '"' + ",".join(POSITION_LABELS.values()) + '"'
    sheet, cells = validations["E2"].split("!")
    assert sheet == f"'{GUIDE_SHEET}'"
    first, last = (int(part.split("$")[-1]) for part in cells.split(":"))
    names = [wb[GUIDE_SHEET].cell(row=n, column=1).value for n in range(first, last + 1)]
    assert names[0] == "Bác sĩ" and "Nhân viên y tế thôn bản" in names


# ---------------------------------------------------------------------------------------------- export


def test_export_writes_vietnamese_labels_text_ids_and_real_dates(world):
    person = StaffFactory(
        orgunit=world.station_a1,
        national_id="001085000123",
        sex="male",
        qualification="specialist_1",
        employment_type="contract",
        position="head",
        phone="0912345678",
        title=title("y-si"),
    )
    Posting.objects.filter(staff=person).update(started_on=datetime.date(2015, 6, 1))

    ws = load_workbook(io.BytesIO(export_for(world.region_manager)))[STAFF_SHEET]
    (row,) = list(ws.iter_rows(min_row=2))

    assert [c.value for c in row] == [
        person.full_name,
        "Nam",
        datetime.datetime(1985, 3, 14),
        "001085000123",
        "Y sĩ",
        "Chuyên khoa I",
        None,
        "Hợp đồng lao động",
        "Trưởng",
        "A1",
        datetime.datetime(2010, 9, 1),
        datetime.datetime(2015, 6, 1),
        "0912345678",
        None,
    ]
    assert row[3].data_type == "s"
    assert {row[i].number_format for i in (2, 10, 11)} == {"DD/MM/YYYY"}


def test_export_holds_only_the_people_of_the_queryset(world):
    StaffFactory(orgunit=world.station_a1, full_name="Người A1")
    StaffFactory(orgunit=world.station_b1, full_name="Người B1")

    ws = load_workbook(io.BytesIO(export_for(world.station_head)))[STAFF_SHEET]

    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["Người A1"]


def test_export_stores_text_that_looks_like_a_formula_as_text(world):
    StaffFactory(orgunit=world.station_a1, full_name='=HYPERLINK("http://evil","x")')

    ws = load_workbook(io.BytesIO(export_for(world.region_manager)))[STAFF_SHEET]

    assert ws["A2"].data_type == "s"
    assert ws["A2"].value == '=HYPERLINK("http://evil","x")'


def test_export_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for n in range(30):
        StaffFactory(orgunit=world.station_a1 if n % 2 else world.station_a2)
    people = staff_list(user=world.province_admin)

    with django_assert_max_num_queries(2):
        staff_export_workbook(staff=people)


@pytest.mark.parametrize("persona", ["province_admin", "region_manager", "station_head"])
def test_export_then_import_changes_nothing(world, persona):
    user = getattr(world, persona)
    StaffFactory(orgunit=world.station_a1, national_id="000123456789", phone="0233 3850 123", specialty="Nội khoa")
    moved = StaffFactory(orgunit=world.station_a1, position="deputy", email="ha@example.vn", title=title("dieu-duong"))
    Posting.objects.filter(staff=moved).update(started_on=datetime.date(2019, 2, 1))
    StaffFactory(orgunit=world.station_a2, qualification="doctorate", employment_type="volunteer")
    StaffFactory(orgunit=world.satellite_a1, birth_date=datetime.date(1940, 1, 1), started_on=datetime.date(1960, 1, 1))
    StaffFactory(orgunit=world.station_b1)
    data = export_for(user)
    before = counts()

    result = staff_import(user=user, file=SimpleUploadedFile("x.xlsx", data))

    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == staff_list(user=user, filters={"status": "all"}).count() > 0
    assert counts() == before


# ---------------------------------------------------------------------------------------------- import: success


def test_it_registers_people_with_their_first_posting_and_import_audit_entries(world):
    user = world.region_manager
    rows = [
        staff_row(cccd="001185000001", phone="0912 000 111", email="ha@example.vn", specialty="Nhi khoa"),
        staff_row(
            name="  Trần   Văn  Nam ",
            sex="nam",
            cccd="079090000002",
            title="dieu duong",
            qualification="cao dang",
            employment="hợp đồng",
            position="trưởng trạm",
            unit="A2",
            started="05/01/2012",
            posted="01/07/2020",
        ),
    ]
    audit_before = AuditEntry.objects.count()

    result = staff_import(user=user, file=xlsx_upload(rows))

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    ha = Staff.objects.get(national_id="001185000001")
    assert (ha.full_name, ha.sex, ha.birth_date, ha.title.code) == (
        "Nguyễn Thị Thu Hà",
        "female",
        datetime.date(1985, 3, 14),
        "bac-si",
    )
    assert (ha.orgunit, ha.phone, ha.email, ha.specialty, ha.position) == (
        world.station_a1,
        "0912 000 111",
        "ha@example.vn",
        "Nhi khoa",
        "staff",
    )
    assert ha.search_text == "nguyen thi thu ha 001185000001 0912 000 111"
    nam = Staff.objects.get(national_id="079090000002")
    assert (nam.full_name, nam.sex, nam.title.code, nam.qualification) == (
        "Trần Văn Nam",
        "male",
        "dieu-duong",
        "college",
    )
    assert (nam.employment_type, nam.position, nam.orgunit, nam.started_on) == (
        "contract",
        "head",
        world.station_a2,
        datetime.date(2012, 1, 5),
    )
    postings = {p.staff_id: p for p in Posting.objects.filter(staff__in=[ha, nam])}
    assert (postings[ha.pk].kind, postings[ha.pk].orgunit, postings[ha.pk].started_on) == (
        MoveKind.HIRE,
        world.station_a1,
        datetime.date(2010, 9, 1),
    )
    assert (postings[nam.pk].started_on, postings[nam.pk].ended_on) == (datetime.date(2020, 7, 1), None)

    entries = list(AuditEntry.objects.order_by("id")[audit_before:])
    assert len(entries) == 4
    assert {(e.source, e.actor_id, e.actor_username, e.action) for e in entries} == {
        ("import", user.pk, "region_manager", "create")
    }
    by_object = {(e.content_type.model, e.object_id): e for e in entries}
    staff_entry = by_object[("staff", str(ha.pk))]
    assert staff_entry.scope_path == world.station_a1.path
    assert staff_entry.object_repr == "Nguyễn Thị Thu Hà"
    assert staff_entry.changes["title"] == [None, "Bác sĩ"]
    assert staff_entry.changes["orgunit"] == [None, str(world.station_a1)]
    assert staff_entry.changes["birth_date"] == [None, "1985-03-14"]
    assert "search_text" not in staff_entry.changes
    posting_entry = by_object[("posting", str(postings[nam.pk].pk))]
    assert posting_entry.changes["staff"] == [None, "Trần Văn Nam"]
    assert posting_entry.changes["kind"] == [None, "hire"]
    assert posting_entry.scope_path == world.station_a2.path


@pytest.mark.parametrize(
    ("cells", "field", "expected"),
    [
        ({"title": "BAC SI Y HOC DU PHONG"}, "title__code", "bac-si-yhdp"),
        ({"title": "ho-sinh"}, "title__code", "ho-sinh"),
        ({"qualification": "chuyên khoa I"}, "qualification", "specialist_1"),
        ({"qualification": "CHUYEN KHOA II"}, "qualification", "specialist_2"),
        ({"qualification": "CKI"}, "qualification", "specialist_1"),
        ({"qualification": "thạc sĩ"}, "qualification", "master"),
        ({"qualification": "university"}, "qualification", "university"),
        ({"employment": "hop dong"}, "employment_type", "contract"),
        ({"employment": "VIÊN CHỨC"}, "employment_type", "civil_servant"),
        ({"employment": "trainee"}, "employment_type", "trainee"),
        ({"position": "Phó"}, "position", "deputy"),
        ({"position": None}, "position", "staff"),
        ({"sex": "NỮ"}, "sex", "female"),
    ],
)
def test_it_accepts_labels_in_any_case_without_diacritics_codes_or_internal_values(world, cells, field, expected):
    result = staff_import(user=world.region_manager, file=xlsx_upload([staff_row(**cells)]))

    assert result.ok, result.errors
    assert Staff.objects.filter(national_id=DEFAULTS[H_NATIONAL_ID]).values_list(field, flat=True).get() == expected


def test_it_reads_real_excel_dates_and_dates_typed_as_text(world):
    rows = [
        staff_row(cccd="000000000001", birth=datetime.datetime(1990, 5, 4), started="1/9/2012"),
        staff_row(cccd="000000000002", birth=datetime.date(1991, 12, 31), started="01.09.2013", posted="2-1-2020"),
    ]

    result = staff_import(user=world.region_manager, file=xlsx_upload(rows))

    assert result.ok, result.errors
    dates = {s.national_id: (s.birth_date, s.started_on) for s in Staff.objects.all()}
    assert dates == {
        "000000000001": (datetime.date(1990, 5, 4), datetime.date(2012, 9, 1)),
        "000000000002": (datetime.date(1991, 12, 31), datetime.date(2013, 9, 1)),
    }
    assert Posting.objects.get(staff__national_id="000000000002").started_on == datetime.date(2020, 1, 2)


def test_a_person_born_on_29_february_is_checked_without_error(world):
    rows = [
        staff_row(cccd="000000000001", birth="29/02/1988", started="28/02/2003"),  # 15 on 28/02/2003
        staff_row(cccd="000000000002", birth="29/02/1988", started="27/02/2003"),
    ]

    result = staff_import(user=world.region_manager, file=xlsx_upload(rows))

    assert errors_at(result) == {(3, H_STARTED)}


def test_it_corrects_registered_people_and_audits_only_what_changed(world):
    person = StaffFactory(orgunit=world.station_a1, national_id="001185000001", full_name="Nguyễn Thị Thu Hà")
    same = StaffFactory(orgunit=world.station_a2, national_id="001185000002", full_name="Lê Văn Bình", sex="male")
    rows = [
        staff_row(cccd="001185000001", qualification="Chuyên khoa I", phone="0912345678", title="Y sĩ"),
        staff_row(cccd="001185000002", name="Lê Văn Bình", sex="Nam", unit="A2"),
    ]
    audit_before = AuditEntry.objects.count()

    result = staff_import(user=world.region_manager, file=xlsx_upload(rows))

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    person.refresh_from_db()
    assert (person.qualification, person.phone, person.title.code) == ("specialist_1", "0912345678", "y-si")
    assert "0912345678" in person.search_text
    (entry,) = AuditEntry.objects.order_by("id")[audit_before:]
    assert (entry.action, entry.source, entry.actor_id, entry.object_id) == (
        "update",
        "import",
        world.region_manager.pk,
        str(person.pk),
    )
    assert entry.changes == {
        "phone": ["", "0912345678"],
        "title": ["Bác sĩ", "Y sĩ"],
        "qualification": ["university", "specialist_1"],
    }
    assert Posting.objects.filter(staff__in=[person, same]).count() == 2


def test_it_keeps_the_values_of_optional_columns_left_out_of_the_file(world):
    person = StaffFactory(orgunit=world.station_a1, national_id="001185000001", phone="0911", email="a@b.vn")
    headers = [h for h in STAFF_HEADERS if h not in ("Điện thoại", H_EMAIL, H_POSITION)]
    row = staff_row(name="Tên Mới", cccd="001185000001")
    upload_file = xlsx_upload([[v for h, v in zip(STAFF_HEADERS, row, strict=True) if h in headers]], headers=headers)

    result = staff_import(user=world.station_head, file=upload_file)

    assert result.ok, result.errors
    person.refresh_from_db()
    assert (person.full_name, person.phone, person.email) == ("Tên Mới", "0911", "a@b.vn")


# ---------------------------------------------------------------------------------------------- import: refusals


def test_it_reports_every_bad_row_with_its_column_and_saves_nothing(world):
    OrgUnit.objects.filter(pk=world.station_a2.pk).update(closed_on=datetime.date(2024, 12, 31))
    future = (TODAY + datetime.timedelta(days=3)).strftime("%d/%m/%Y")
    rows = [
        staff_row(cccd="000000000002"),  # 2: fine on its own
        staff_row(cccd="12345"),  # 3: not 12 digits
        staff_row(cccd="00000000000A"),  # 4: not digits
        staff_row(cccd="000000000005"),  # 5: repeated in row 6
        staff_row(cccd="000000000005"),  # 6
        staff_row(cccd="000000000007", unit="NOPE"),  # 7: unknown unit
        staff_row(cccd="000000000008", unit="A2"),  # 8: closed unit
        staff_row(cccd="000000000009", birth="31/02/1990"),  # 9: no such day
        staff_row(cccd="000000000010", birth=future),  # 10: born in the future
        staff_row(cccd="000000000011", birth="01/01/1930"),  # 11: older than 75
        staff_row(cccd="000000000012", birth=years_ago(10), started=years_ago(1)),  # 12: a 10-year-old
        staff_row(cccd="000000000013", birth="01/01/1990", started="01/09/2000"),  # 13: working at 10
        staff_row(cccd="000000000014", started=future),  # 14: starts in the future
        staff_row(cccd="000000000015", started="01/09/2010", posted="01/01/2009"),  # 15: posted before starting
        staff_row(cccd="000000000016", title="Phù thủy", sex="X"),  # 16: unknown title and sex
        staff_row(cccd="000000000017", email="not-an-email", qualification="giỏi"),  # 17
        staff_row(cccd="000000000018", name=None, employment="công nhật"),  # 18: blank name, unknown type
        [None] * len(STAFF_HEADERS),  # 19: empty, skipped
        staff_row(cccd="000000000020", birth="2025-13-01", unit="B1"),  # 20: bad date text, B1 not visible
    ]
    before = counts()

    result = staff_import(user=world.region_manager, file=xlsx_upload(rows))

    assert not result.ok
    assert errors_at(result) == {
        (3, H_NATIONAL_ID),
        (4, H_NATIONAL_ID),
        (5, H_NATIONAL_ID),
        (6, H_NATIONAL_ID),
        (7, H_UNIT),
        (8, H_UNIT),
        (9, H_BIRTH),
        (10, H_BIRTH),
        (11, H_BIRTH),
        (12, H_BIRTH),
        (12, H_STARTED),
        (13, H_STARTED),
        (14, H_STARTED),
        (15, H_POSTED),
        (16, H_TITLE),
        (16, H_SEX),
        (17, H_EMAIL),
        (17, H_QUALIFICATION),
        (18, H_NAME),
        (18, H_EMPLOYMENT),
        (20, H_BIRTH),
        (20, H_UNIT),
    }
    assert all(e.sheet == STAFF_SHEET for e in result.errors)
    assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)
    repeated = next(e for e in result.errors if e.row == 6)
    assert "000000000005" in repeated.message and "5, 6" in repeated.message
    assert "A2" in next(e for e in result.errors if e.row == 8).message
    assert "NOPE" in next(e for e in result.errors if e.row == 7).message
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert counts() == before


def test_a_cccd_typed_as_a_number_that_lost_its_leading_zero_gets_advice(world):
    result = staff_import(user=world.region_manager, file=xlsx_upload([staff_row(cccd=1185000001)]))

    (error,) = result.errors
    assert (error.row, error.column) == (2, H_NATIONAL_ID)
    assert "1185000001" in error.message and "Excel" in error.message


def test_a_region_manager_cannot_register_staff_in_another_region(world):
    before = counts()

    result = staff_import(
        user=world.region_manager, file=xlsx_upload([staff_row(cccd="000000000001"), staff_row(unit="B1")])
    )

    assert errors_at(result) == {(3, H_UNIT)}
    assert "B1" in result.errors[0].message
    assert counts() == before


def test_a_user_who_only_sees_a_unit_cannot_register_staff_there(world):
    result = staff_import(user=world.data_clerk, file=xlsx_upload([staff_row(unit="A1")]))

    assert errors_at(result) == {(2, H_UNIT)}
    assert Staff.objects.count() == 0


def test_it_answers_alike_for_a_cccd_out_of_sight_and_one_out_of_reach(world):
    hidden = StaffFactory(orgunit=world.station_b1, national_id="000000000001", full_name="Người Ẩn Danh")
    StaffFactory(orgunit=world.station_a1, national_id="000000000002")
    StaffFactory(orgunit=world.station_a2, national_id="000000000003")
    before = counts()

    # The station head sees A1 only: A2's person is out of sight, like B1's.
    as_head = staff_import(
        user=world.station_head,
        file=xlsx_upload([staff_row(cccd="000000000001"), staff_row(cccd="000000000003")]),
    )
    # The data clerk sees region A but may change nothing there.
    as_clerk = staff_import(user=world.data_clerk, file=xlsx_upload([staff_row(cccd="000000000002")]))

    assert errors_at(as_head) == {(2, H_NATIONAL_ID), (3, H_NATIONAL_ID)}
    assert errors_at(as_clerk) == {(2, H_NATIONAL_ID)}
    messages = [as_head.errors[0].message, as_head.errors[1].message, as_clerk.errors[0].message]
    numbers = ("000000000001", "000000000003", "000000000002")
    assert len({m.replace(n, "X") for m, n in zip(messages, numbers, strict=True)}) == 1
    assert all(hidden.full_name not in m and "B1" not in m for m in messages)
    assert counts() == before


def test_it_refuses_to_move_a_registered_person_to_another_unit(world):
    person = StaffFactory(orgunit=world.station_a1, national_id="001185000001")
    before = counts()

    result = staff_import(user=world.region_manager, file=xlsx_upload([staff_row(cccd="001185000001", unit="A2")]))

    (error,) = result.errors
    assert (error.row, error.column) == (2, H_UNIT)
    assert "A1" in error.message and person.full_name in error.message
    assert counts() == before
    assert Staff.objects.get(pk=person.pk).orgunit == world.station_a1


def test_it_refuses_a_new_arrival_date_for_a_registered_person(world):
    StaffFactory(orgunit=world.station_a1, national_id="001185000001")

    result = staff_import(
        user=world.region_manager, file=xlsx_upload([staff_row(cccd="001185000001", posted="01/01/2015")])
    )

    assert errors_at(result) == {(2, H_POSTED)}
    assert "01/09/2010" in result.errors[0].message


def test_it_checks_a_changed_birth_date_but_not_an_unchanged_old_one(world):
    StaffFactory(
        orgunit=world.station_a1,
        national_id="001185000001",
        birth_date=datetime.date(1940, 1, 1),
        started_on=datetime.date(1960, 1, 1),
    )
    unchanged = staff_row(cccd="001185000001", birth="01/01/1940", started="01/01/1960", phone="0912")
    changed = staff_row(cccd="001185000001", birth="01/01/1939", started="01/01/1960")

    assert staff_import(user=world.region_manager, file=xlsx_upload([unchanged])).updated == 1
    result = staff_import(user=world.region_manager, file=xlsx_upload([changed]))
    assert errors_at(result) == {(2, H_BIRTH)}


@pytest.mark.parametrize("data", [b"", b"name;cccd\n", None], ids=["empty", "csv", "other-sheet"])
def test_it_refuses_files_that_are_not_the_template(world, data):
    if data is None:
        wb = Workbook()
        wb.active.title = "Sheet1"
        buffer = io.BytesIO()
        wb.save(buffer)
        data = buffer.getvalue()

    result = staff_import(user=world.region_manager, file=SimpleUploadedFile("x.xlsx", data))

    (error,) = result.errors
    assert (error.sheet, error.row) == ("", None)
    if data.startswith(b"PK"):
        assert STAFF_SHEET in error.message


def test_a_file_without_a_required_column_is_refused_before_reading_rows(world):
    headers = [h for h in STAFF_HEADERS if h != H_NATIONAL_ID]

    result = staff_import(user=world.region_manager, file=xlsx_upload([["x"] * len(headers)], headers=headers))

    assert errors_at(result) == {(1, H_NATIONAL_ID)}
    assert Staff.objects.count() == 0


def test_a_number_registered_by_someone_else_during_the_import_fails_the_whole_file(world, monkeypatch):
    from ytcs.workforce.xlsx import _Importer

    StaffFactory(orgunit=world.station_b1, national_id="000000000002")
    load = _Importer._load

    def load_before_the_other_import_commits(self, rows):
        load(self, rows)
        self.existing.clear()  # the other person is not there yet when the rows are checked

    monkeypatch.setattr(_Importer, "_load", load_before_the_other_import_commits)
    before = counts()

    result = staff_import(
        user=world.region_manager, file=xlsx_upload([staff_row(cccd="000000000001"), staff_row(cccd="000000000002")])
    )

    (error,) = result.errors
    assert error.row is None
    assert (result.created, result.updated) == (0, 0)
    assert counts() == before


# ---------------------------------------------------------------------------------------------- volume


def test_it_imports_5000_rows_in_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    units = ["A1", "A2", "A1A"]
    rows = [
        staff_row(
            name=f"Nguyễn Văn Số {n}",
            cccd=f"{n:012d}",
            unit=units[n % 3],
            title=["Bác sĩ", "Điều dưỡng", "Hộ sinh", "Y sĩ"][n % 4],
            birth=datetime.date(1960 + n % 25, 1 + n % 12, 1 + n % 28),
            started=datetime.date(2005 + n % 15, 9, 1),
            phone=f"09{n:08d}",
        )
        for n in range(1, 5001)
    ]
    upload_file = xlsx_upload(rows)
    before = counts()

    with django_assert_max_num_queries(60):
        result = staff_import(user=world.region_manager, file=upload_file)

    assert result.ok, result.errors[:5]
    assert result.created == 5000
    assert counts() == (before[0] + 5000, before[1] + 5000, before[2] + 10000)
    assert Staff.objects.filter(orgunit=world.satellite_a1).count() == 1667
    assert not Staff.objects.filter(search_text="").exists()


# ---------------------------------------------------------------------------------------------- bulk audit


def test_bulk_audit_labels_foreign_keys_from_loaded_objects_or_one_query_per_related_model(
    world, django_assert_num_queries
):
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_model(Staff)
    ids = [StaffFactory(orgunit=world.station_a1, title=title(code)).pk for code in ("bac-si", "y-si", "ho-sinh")]
    loaded = list(Staff.objects.filter(pk__in=ids).select_related("orgunit", "title").order_by("pk"))
    titles_not_loaded = list(Staff.objects.filter(pk__in=ids).select_related("orgunit").order_by("pk"))

    with django_assert_num_queries(1):  # the insert
        assert audit.record_bulk(user=world.region_manager, instances=loaded) == 3
    with django_assert_num_queries(2):  # the titles, the insert
        audit.record_bulk(user=world.region_manager, instances=titles_not_loaded, source="command")

    entries = AuditEntry.objects.order_by("-id")[:6]
    assert sorted(e.changes["title"][1] for e in entries) == sorted(["Bác sĩ", "Y sĩ", "Hộ sinh"] * 2)
    assert {(e.action, e.actor_id) for e in entries} == {("create", world.region_manager.pk)}
    assert {e.source for e in entries} == {"import", "command"}
