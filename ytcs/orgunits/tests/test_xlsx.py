"""Excel template, export and import of org units and catchment populations."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from ytcs.core.models import AuditEntry
from ytcs.orgunits.models import OrgUnit, OrgUnitKind, Population
from ytcs.orgunits.selectors import orgunit_list, population_list
from ytcs.orgunits.xlsx import (
    GUIDE_SHEET,
    H_CLOSED,
    H_CODE,
    H_KIND,
    H_NAME,
    H_OPENED,
    H_PARENT,
    KIND_LABELS,
    P_CODE,
    P_POPULATION,
    P_YEAR,
    POPULATION_HEADERS,
    POPULATIONS_SHEET,
    UNIT_HEADERS,
    UNITS_SHEET,
    orgunit_export_workbook,
    orgunit_template_workbook,
    orgunits_import,
)

STATION = KIND_LABELS[OrgUnitKind.STATION]
SATELLITE = KIND_LABELS[OrgUnitKind.SATELLITE]


def unit_row(code: str, name: str, kind: str = STATION, parent: str = "", **extra: Any) -> list[Any]:
    """A row of the units sheet in template column order."""
    return [
        code,
        name,
        kind,
        parent,
        extra.get("admin_code"),
        extra.get("address"),
        extra.get("phone"),
        extra.get("opened_on"),
        extra.get("closed_on"),
    ]


def xlsx_upload(
    units: Sequence[Sequence[Any]] = (),
    populations: Sequence[Sequence[Any]] = (),
    *,
    unit_headers: Sequence[str] = UNIT_HEADERS,
    population_headers: Sequence[str] | None = POPULATION_HEADERS,
) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.title = UNITS_SHEET
    ws.append(list(unit_headers))
    for row in units:
        ws.append(list(row))
    if population_headers is not None:
        ps = wb.create_sheet(POPULATIONS_SHEET)
        ps.append(list(population_headers))
        for row in populations:
            ps.append(list(row))
    return upload(wb)


def upload(wb: Workbook) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("don-vi.xlsx", buffer.getvalue())


def counts() -> tuple[int, int, int]:
    return OrgUnit.objects.count(), Population.objects.count(), AuditEntry.objects.count()


def errors_at(result) -> set[tuple[str, int | None, str]]:
    return {(e.sheet, e.row, e.column) for e in result.errors}


def export_for(user) -> bytes:
    units = orgunit_list(user=user).order_by("path")
    return orgunit_export_workbook(units=units, populations=population_list(user=user, units=units))


# ---------------------------------------------------------------------------------------------- template


def test_template_has_the_unit_and_population_headers_and_a_guide():
    wb = load_workbook(io.BytesIO(orgunit_template_workbook()))

    assert wb.sheetnames == [UNITS_SHEET, POPULATIONS_SHEET, GUIDE_SHEET]
    assert [c.value for c in wb[UNITS_SHEET][1]] == list(UNIT_HEADERS)
    assert [c.value for c in wb[POPULATIONS_SHEET][1]] == list(POPULATION_HEADERS)
    assert wb[UNITS_SHEET]["A1"].font.bold
    assert wb[UNITS_SHEET].freeze_panes == "A2"
    assert wb[UNITS_SHEET].max_row == 1
    guide = " ".join(str(v) for row in wb[GUIDE_SHEET].iter_rows(values_only=True) for v in row if v)
    for header in (*UNIT_HEADERS, *POPULATION_HEADERS):
        assert header in guide
    for label in KIND_LABELS.values():
        assert label in guide


def test_template_offers_the_kinds_in_a_drop_down():
    ws = load_workbook(io.BytesIO(orgunit_template_workbook()))[UNITS_SHEET]

    (validation,) = ws.data_validations.dataValidation
    assert validation.type == "list"
    assert str(validation.sqref).startswith("C2:")
    assert validation.formula1 == '"' + ",".join(KIND_LABELS.values()) + '"'


# ---------------------------------------------------------------------------------------------- export


def test_export_writes_vietnamese_kind_labels_parent_codes_and_real_dates(world):
    a1 = world.station_a1
    OrgUnit.objects.filter(pk=a1.pk).update(opened_on=datetime.date(2024, 3, 15), phone="0912345678")

    wb = load_workbook(io.BytesIO(export_for(world.region_manager)))
    rows = {r[0].value: r for r in wb[UNITS_SHEET].iter_rows(min_row=2)}

    assert set(rows) == {"RA", "A1", "A2", "A1A"}
    code, name, kind, parent, _admin, _address, phone, opened, closed = rows["A1"]
    assert (name.value, kind.value, parent.value, phone.value) == (a1.name, STATION, "RA", "0912345678")
    assert opened.value == datetime.datetime(2024, 3, 15)
    assert opened.number_format == "DD/MM/YYYY"
    assert closed.value is None
    populations = {(r[0], r[1]): r[2] for r in wb[POPULATIONS_SHEET].iter_rows(min_row=2, values_only=True)}
    assert populations == {("A1", 2025): 8200, ("A2", 2025): 12500}


def test_export_stores_text_that_looks_like_a_formula_as_text(world):
    OrgUnit.objects.filter(pk=world.station_a1.pk).update(name='=HYPERLINK("http://evil","x")')

    wb = load_workbook(io.BytesIO(export_for(world.province_admin)))
    cell = next(r[1] for r in wb[UNITS_SHEET].iter_rows(min_row=2) if r[0].value == "A1")

    assert cell.data_type == "s"


def test_export_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    from ytcs.core.testing.factories import OrgUnitFactory, PopulationFactory

    for n in range(30):
        PopulationFactory(orgunit=OrgUnitFactory(code=f"X{n}", parent=world.region_a), year=2024)
    units = orgunit_list(user=world.province_admin).order_by("path")
    populations = population_list(user=world.province_admin, units=units)

    with django_assert_max_num_queries(4):
        orgunit_export_workbook(units=units, populations=populations)


@pytest.mark.parametrize("persona", ["province_admin", "region_manager", "station_head", "province_viewer"])
def test_export_then_import_changes_nothing(world, persona):
    user = getattr(world, persona)
    OrgUnit.objects.filter(pk=world.station_a2.pk).update(
        opened_on=datetime.date(2020, 1, 1), address="Thôn 3", admin_code="00123", phone="0233 3850 123"
    )
    data = export_for(user)
    before = counts()

    result = orgunits_import(user=user, file=SimpleUploadedFile("x.xlsx", data))

    assert result.ok, result.errors
    assert (result.created, result.updated, result.populations_saved) == (0, 0, 0)
    assert result.unchanged == orgunit_list(user=user).count()
    assert counts() == before


def test_reimporting_an_unchanged_export_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    from ytcs.core.testing.factories import OrgUnitFactory, PopulationFactory

    for n in range(30):
        PopulationFactory(orgunit=OrgUnitFactory(code=f"X{n}", parent=world.region_a), year=2024)
    data = export_for(world.region_manager)

    with django_assert_max_num_queries(8):
        result = orgunits_import(user=world.region_manager, file=SimpleUploadedFile("x.xlsx", data))

    assert result.ok and result.unchanged == 34


# ---------------------------------------------------------------------------------------------- import: success


def test_it_creates_units_and_populations_with_import_audit_entries(world):
    user = world.province_admin
    upload_file = xlsx_upload(
        [
            # The satellite comes before its station: parents may be defined later in the file.
            unit_row("A3A", "Điểm trạm thôn Mới", SATELLITE, "A3", opened_on="01/07/2025"),
            unit_row("A3", "Trạm Y tế xã Mới", STATION, "RA", address="Thôn 1", phone="0233123456"),
        ],
        [["A3", 2025, 5400, "Niên giám 2024"], ["A1", 2026, 8300, None]],
    )
    audit_before = AuditEntry.objects.count()

    result = orgunits_import(user=user, file=upload_file)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged, result.populations_saved) == (2, 0, 0, 2)
    a3 = OrgUnit.objects.get(code="A3")
    a3a = OrgUnit.objects.get(code="A3A")
    assert (a3.parent, a3.kind, a3.address, a3.phone) == (world.region_a, OrgUnitKind.STATION, "Thôn 1", "0233123456")
    assert a3.path.startswith(world.region_a.path)
    assert (a3a.parent, a3a.opened_on, a3a.path) == (a3, datetime.date(2025, 7, 1), f"{a3.path}{a3a.pk}/")
    assert Population.objects.get(orgunit=a3, year=2025).source == "Niên giám 2024"
    assert Population.objects.get(orgunit=world.station_a1, year=2026).population == 8300
    entries = AuditEntry.objects.order_by("id")[audit_before:]
    assert len(entries) == 4
    assert {(e.source, e.actor_id, e.action) for e in entries} == {("import", user.pk, "create")}


def test_it_updates_only_the_units_that_changed(world):
    a1, a2 = world.station_a1, world.station_a2
    upload_file = xlsx_upload(
        [unit_row("A1", "Trạm Y tế xã Nguyễn Huệ (mới)", STATION, "RA"), unit_row("A2", a2.name, STATION, "RA")],
        [["A2", 2025, 12500, None], ["A2", 2024, 12000, None]],
    )
    audit_before = AuditEntry.objects.count()

    result = orgunits_import(user=world.region_manager, file=upload_file)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged, result.populations_saved) == (0, 1, 1, 1)
    a1.refresh_from_db()
    assert a1.name == "Trạm Y tế xã Nguyễn Huệ (mới)"
    entries = AuditEntry.objects.order_by("id")[audit_before:]
    assert [(e.action, e.object_id, e.source) for e in entries] == [
        ("update", str(a1.pk), "import"),
        ("create", str(Population.objects.get(orgunit=a2, year=2024).pk), "import"),
    ]
    assert entries[0].changes == {"name": ["Trạm Y tế xã Nguyễn Huệ", "Trạm Y tế xã Nguyễn Huệ (mới)"]}


def test_it_keeps_the_values_of_optional_columns_left_out_of_the_file(world):
    OrgUnit.objects.filter(pk=world.station_a1.pk).update(address="Thôn 5", phone="0911")
    headers = [H_CODE, H_NAME, H_KIND, H_PARENT]

    result = orgunits_import(
        user=world.region_manager,
        file=xlsx_upload([["A1", "Trạm mới tên", STATION, "RA"]], unit_headers=headers, population_headers=None),
    )

    assert result.ok, result.errors
    a1 = OrgUnit.objects.get(pk=world.station_a1.pk)
    assert (a1.name, a1.address, a1.phone) == ("Trạm mới tên", "Thôn 5", "0911")


@pytest.mark.parametrize("kind", ["tram y te xa/phuong", "TRẠM Y TẾ XÃ/PHƯỜNG", "  Tram  Y te xa/phuong ", "station"])
def test_it_accepts_the_kind_as_label_without_diacritics_or_as_internal_value(world, kind):
    result = orgunits_import(user=world.region_manager, file=xlsx_upload([unit_row("A9", "Trạm A9", kind, "RA")]))

    assert result.ok, result.errors
    assert OrgUnit.objects.get(code="A9").kind == OrgUnitKind.STATION


def test_it_reads_dates_typed_as_text_and_real_excel_dates(world):
    upload_file = xlsx_upload(
        [
            unit_row("A8", "Trạm A8", STATION, "RA", opened_on="05/01/2021", closed_on=None),
            unit_row("A9", "Trạm A9", STATION, "RA", opened_on=datetime.datetime(2021, 1, 5), closed_on="7/2/2024"),
            unit_row("A7", "Trạm A7", STATION, "RA", opened_on=datetime.date(2022, 12, 31)),
        ]
    )

    result = orgunits_import(user=world.region_manager, file=upload_file)

    assert result.ok, result.errors
    dates = dict(OrgUnit.objects.filter(code__in=["A7", "A8", "A9"]).values_list("code", "opened_on"))
    assert dates == {
        "A7": datetime.date(2022, 12, 31),
        "A8": datetime.date(2021, 1, 5),
        "A9": datetime.date(2021, 1, 5),
    }
    assert OrgUnit.objects.get(code="A9").closed_on == datetime.date(2024, 2, 7)


def test_it_closes_a_unit_together_with_the_units_under_it(world):
    closing = "30/06/2026"
    upload_file = xlsx_upload(
        [
            # Parent first in the file, yet the station can only close once its satellite is closed.
            unit_row("A1", world.station_a1.name, STATION, "RA", closed_on=closing),
            unit_row("A1A", world.satellite_a1.name, SATELLITE, "A1", closed_on=closing),
        ]
    )

    result = orgunits_import(user=world.region_manager, file=upload_file)

    assert result.ok, result.errors
    assert result.updated == 2
    closed = set(OrgUnit.objects.filter(closed_on=datetime.date(2026, 6, 30)).values_list("code", flat=True))
    assert closed == {"A1", "A1A"}


def test_it_moves_a_unit_and_places_new_units_under_it_with_fresh_paths(world):
    upload_file = xlsx_upload(
        [
            unit_row("A1", world.station_a1.name, STATION, "RB"),
            unit_row("A1B", "Điểm trạm thôn Mới", SATELLITE, "A1"),
        ]
    )

    result = orgunits_import(user=world.province_admin, file=upload_file)

    assert result.ok, result.errors
    a1 = OrgUnit.objects.get(code="A1")
    assert a1.path == f"{world.region_b.path}{a1.pk}/"
    for code in ("A1A", "A1B"):
        child = OrgUnit.objects.get(code=code)
        assert child.path == f"{a1.path}{child.pk}/"


def test_it_imports_a_thousand_rows(world):
    units = [unit_row(f"S{n:04d}", f"Trạm Y tế số {n}", STATION, "RA") for n in range(1000)]
    populations = [[f"S{n:04d}", 2025, 1000 + n, None] for n in range(1000)]

    result = orgunits_import(user=world.region_manager, file=xlsx_upload(units, populations))

    assert result.ok, result.errors[:5]
    assert (result.created, result.populations_saved) == (1000, 1000)
    assert OrgUnit.objects.filter(parent=world.region_a, code__startswith="S").count() == 1000


# ---------------------------------------------------------------------------------------------- import: refusals


def test_it_reports_every_bad_row_with_its_column_and_saves_nothing(world):
    upload_file = xlsx_upload(
        [
            unit_row("N1", "Trạm N1", STATION, "RA"),  # 2: fine on its own
            unit_row("N2", "Trạm N2", STATION, "NOPE"),  # 3: unknown parent
            unit_row("N1", "Trạm N1 lặp", STATION, "RA"),  # 4: repeats row 2's code
            unit_row("N3", "Trạm N3", STATION, "RA", opened_on="31/02/2025"),  # 5: no such day
            unit_row("N4", "Trạm N4", STATION, "RA", closed_on="2025-13-01"),  # 6: not dd/mm/yyyy
            unit_row("N5", None, "bệnh xá", "RA"),  # 7: blank name, unknown kind
            [None] * 9,  # 8: empty, skipped
            unit_row("N 6", "Trạm N6", STATION, "RA"),  # 9: code with a space
            unit_row("N7", "Trạm N7", STATION, "PROV"),  # 10: a station cannot hang under the department
        ],
        [
            ["A1", 2027, "nhiều", None],  # 2: not a number
            ["A1", 2028, -5, None],  # 3: negative
            ["A1", 1890, 100, None],  # 4: year out of range
            ["ZZ", 2025, 100, None],  # 5: unknown unit
            ["A2", 2026, 100, None],  # 6: fine
            ["A2", 2026, 200, None],  # 7: same unit and year again
            [None, None, 300, None],  # 8: blank code and year
        ],
    )
    before = counts()

    result = orgunits_import(user=world.province_admin, file=upload_file)

    assert not result.ok
    assert errors_at(result) == {
        (UNITS_SHEET, 3, H_PARENT),
        (UNITS_SHEET, 4, H_CODE),
        (UNITS_SHEET, 5, H_OPENED),
        (UNITS_SHEET, 6, H_CLOSED),
        (UNITS_SHEET, 7, H_NAME),
        (UNITS_SHEET, 7, H_KIND),
        (UNITS_SHEET, 9, H_CODE),
        (UNITS_SHEET, 10, H_PARENT),
        (POPULATIONS_SHEET, 2, P_POPULATION),
        (POPULATIONS_SHEET, 3, P_POPULATION),
        (POPULATIONS_SHEET, 4, P_YEAR),
        (POPULATIONS_SHEET, 5, P_CODE),
        (POPULATIONS_SHEET, 7, P_YEAR),
        (POPULATIONS_SHEET, 8, P_CODE),
        (POPULATIONS_SHEET, 8, P_YEAR),
    }
    assert [(e.sheet, e.row) for e in result.errors] == sorted(
        ((e.sheet, e.row) for e in result.errors), key=lambda k: (k[0] != UNITS_SHEET, k[1])
    )
    duplicate = next(e for e in result.errors if e.row == 4)
    assert "N1" in duplicate.message and "2" in duplicate.message and "4" in duplicate.message
    assert (result.created, result.updated, result.populations_saved) == (0, 0, 0)
    assert counts() == before


def test_it_refuses_a_unit_under_another_region_for_a_region_manager(world):
    before = counts()

    result = orgunits_import(
        user=world.region_manager,
        file=xlsx_upload([unit_row("A9", "Trạm Y tế A9", STATION, "RA"), unit_row("B9", "Trạm B9", STATION, "RB")]),
    )

    assert errors_at(result) == {(UNITS_SHEET, 3, H_PARENT)}
    assert "RB" in result.errors[0].message
    assert counts() == before


def test_it_answers_alike_for_codes_outside_scope_and_codes_that_do_not_exist(world):
    result = orgunits_import(
        user=world.region_manager,
        file=xlsx_upload(
            [unit_row("X1", "Trạm X1", STATION, "B1"), unit_row("X2", "Trạm X2", STATION, "NOPE")],
            [["B1", 2026, 100, None], ["NOPE", 2026, 100, None]],
        ),
    )

    by_row = {(e.sheet, e.row): e.message for e in result.errors}
    assert by_row[(UNITS_SHEET, 2)].replace("B1", "NOPE") == by_row[(UNITS_SHEET, 3)]
    assert by_row[(POPULATIONS_SHEET, 2)].replace("B1", "NOPE") == by_row[(POPULATIONS_SHEET, 3)]
    assert "Bình" not in " ".join(by_row.values())


def test_it_refuses_to_reuse_a_code_held_outside_the_users_scope(world):
    before = counts()

    result = orgunits_import(
        user=world.region_manager, file=xlsx_upload([unit_row("B1", "Trạm B1 mới", STATION, "RA")])
    )

    assert errors_at(result) == {(UNITS_SHEET, 2, H_CODE)}
    assert world.station_b1.name not in result.errors[0].message
    assert counts() == before


def test_it_refuses_changes_from_a_user_who_may_only_view(world):
    before = counts()

    result = orgunits_import(
        user=world.viewer,
        file=xlsx_upload([unit_row("A1", "Tên khác", STATION, "RA")], [["A2", 2025, 1, None]]),
    )

    assert errors_at(result) == {(UNITS_SHEET, 2, H_CODE), (POPULATIONS_SHEET, 2, P_CODE)}
    assert counts() == before


def test_it_refuses_a_station_head_moving_the_station_to_another_region(world):
    result = orgunits_import(
        user=world.station_head, file=xlsx_upload([unit_row("A1", world.station_a1.name, STATION, "RA")])
    )
    assert result.ok  # RA is the unchanged parent, although the station head cannot see it

    result = orgunits_import(
        user=world.station_head, file=xlsx_upload([unit_row("A1", world.station_a1.name, STATION, "A2")])
    )

    assert errors_at(result) == {(UNITS_SHEET, 2, H_PARENT)}
    assert OrgUnit.objects.get(code="A1").parent == world.region_a


def test_it_refuses_to_lift_a_unit_to_the_top_of_the_tree_for_a_non_administrator(world):
    name = world.region_a.name
    result = orgunits_import(
        user=world.region_manager,
        file=xlsx_upload([unit_row("RA", name, KIND_LABELS[OrgUnitKind.REGIONAL_CENTRE], "")]),
    )

    assert errors_at(result) == {(UNITS_SHEET, 2, H_PARENT)}
    assert OrgUnit.objects.get(code="RA").parent == world.province


def test_it_reports_units_placed_under_each_other(world):
    result = orgunits_import(
        user=world.province_admin,
        file=xlsx_upload(
            [
                unit_row("L1", "Trạm L1", STATION, "L2"),
                unit_row("L2", "Trạm L2", STATION, "L1"),
                unit_row("L3", "Điểm trạm L3", SATELLITE, "L1"),
                unit_row("L4", "Trạm L4", STATION, "L4"),
            ]
        ),
    )

    assert errors_at(result) == {(UNITS_SHEET, 2, H_PARENT), (UNITS_SHEET, 3, H_PARENT), (UNITS_SHEET, 5, H_PARENT)}
    assert not OrgUnit.objects.filter(code__startswith="L").exists()


def test_it_reports_the_model_rule_on_the_parent_column(world):
    result = orgunits_import(user=world.province_admin, file=xlsx_upload([unit_row("P1", "Trạm P1", STATION, "PROV")]))

    assert errors_at(result) == {(UNITS_SHEET, 2, H_PARENT)}


# ---------------------------------------------------------------------------------------------- import: the file


def test_it_rejects_a_file_that_is_not_xlsx(world):
    result = orgunits_import(user=world.province_admin, file=SimpleUploadedFile("a.csv", "Mã đơn vị*,Tên\n".encode()))

    assert [(e.sheet, e.row, e.column) for e in result.errors] == [("", None, "")]
    assert ".xlsx" in result.errors[0].message


def test_it_rejects_an_empty_file(world):
    result = orgunits_import(user=world.province_admin, file=SimpleUploadedFile("a.xlsx", b""))

    assert len(result.errors) == 1 and result.errors[0].row is None


def test_it_rejects_a_corrupt_file(world):
    data = xlsx_upload([unit_row("A9", "Trạm A9", STATION, "RA")]).read()

    result = orgunits_import(user=world.province_admin, file=SimpleUploadedFile("a.xlsx", data[: len(data) // 2]))

    assert len(result.errors) == 1 and result.errors[0].row is None
    assert not OrgUnit.objects.filter(code="A9").exists()


def test_it_rejects_a_file_over_the_size_limit(world, settings):
    upload_file = xlsx_upload([unit_row("A9", "Trạm A9", STATION, "RA")])
    settings.YTCS_IMPORT_MAX_BYTES = upload_file.size - 1

    result = orgunits_import(user=world.province_admin, file=upload_file)

    assert len(result.errors) == 1 and result.errors[0].row is None
    assert not OrgUnit.objects.filter(code="A9").exists()


def test_it_rejects_a_sheet_missing_required_columns(world):
    result = orgunits_import(
        user=world.province_admin,
        file=xlsx_upload([["A9", "Trạm A9"]], unit_headers=[H_CODE, H_NAME], population_headers=[P_CODE, P_YEAR]),
    )

    assert errors_at(result) == {(UNITS_SHEET, 1, H_KIND), (POPULATIONS_SHEET, 1, P_POPULATION)}
    assert not OrgUnit.objects.filter(code="A9").exists()


def test_it_rejects_the_template_left_empty(world):
    result = orgunits_import(
        user=world.province_admin, file=SimpleUploadedFile("mau.xlsx", orgunit_template_workbook())
    )

    assert [(e.sheet, e.row) for e in result.errors] == [("", None)]


def test_it_rejects_a_workbook_without_the_template_sheets(world):
    wb = Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(list(UNIT_HEADERS))

    result = orgunits_import(user=world.province_admin, file=upload(wb))

    assert [(e.sheet, e.row) for e in result.errors] == [("", None)]


def test_it_accepts_a_file_with_only_the_population_sheet_and_headers_without_stars(world):
    wb = Workbook()
    ws = wb.active
    ws.title = "Dan so"
    ws.append(["Mã đơn vị", "Năm", "Dân số"])
    ws.append(["A1", "2026", "8.400"])

    result = orgunits_import(user=world.station_head, file=upload(wb))

    assert result.ok, result.errors
    assert Population.objects.get(orgunit=world.station_a1, year=2026).population == 8400


def test_the_import_page_lists_bad_rows_in_vietnamese_and_saves_nothing(world, client_for):
    before = counts()
    file = xlsx_upload(
        [unit_row("A5", "Trạm Y tế xã Năm", parent="RA", opened_on="31/02/2025"), unit_row("A6", "", parent="RA")],
        [["A5", 2025, -3]],
    )
    response = client_for(world.region_manager).post("/orgunits/import/", {"file": file})
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="import-errors"' in text and "chưa có dữ liệu nào được lưu" in text
    assert "31/02/2025" in text and ">2<" in text and ">3<" in text
    assert counts() == before


def test_the_import_page_saves_a_good_file_and_says_so(world, client_for):
    file = xlsx_upload([unit_row("A5", "Trạm Y tế xã Năm", parent="RA")], [["A5", 2025, 7300]])
    response = client_for(world.region_manager).post("/orgunits/import/", {"file": file}, follow=True)
    assert response.redirect_chain[-1][0].endswith("/orgunits/")
    assert OrgUnit.objects.get(code="A5").populations.get(year=2025).population == 7300
    assert AuditEntry.objects.filter(source="import", actor=world.region_manager).count() == 2
