"""The DHIS2-compatible importer and exporter (exchange.py): JSON and .xlsx imports, dry runs, every kind of
conflict with nothing written, round trips, strategies, and a query count that does not grow with the values."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from ytcs.core.testing.factories import OrgUnitFactory, RoleAssignmentFactory, UserFactory
from ytcs.core.xlsx import ImportFileError
from ytcs.indicators import exchange, selectors_imports
from ytcs.indicators import periods as P
from ytcs.indicators.models import DataValue, DataValueAudit, LockException
from ytcs.indicators.tests.helpers import combo, data_set, element, put
from ytcs.orgunits.models import OrgUnitKind

pytestmark = pytest.mark.django_db


def month(offset: int = 0) -> str:
    """The current month's code (open for entry), or one `offset` months away."""
    period = P.containing(timezone.localdate(), "monthly")
    for _ in range(abs(offset)):
        period = period.next() if offset > 0 else period.previous()
    return period.code


def dvs(values: list[dict], **header) -> bytes:
    return json.dumps({**header, "dataValues": values}).encode()


def stored() -> dict[tuple, float]:
    return {
        (v.orgunit.code, v.period, v.data_element.code, v.category_option_combo.code): v.value
        for v in DataValue.objects.select_related("orgunit", "data_element", "category_option_combo")
    }


def run(user, content, **options):
    return exchange.import_file(user=user, path_or_bytes=content, options=options)


def codes_of(summary) -> set[str]:
    return {c["errorCode"] for c in summary["conflicts"]}


def test_a_json_file_is_imported_with_an_import_summary_shaped_as_dhis2s(world):
    pe = month()
    content = dvs(
        [
            {"dataElement": "KCB_LUOT", "categoryOptionCombo": "NAM", "value": "10"},
            {"dataElement": "KCB_LUOT", "categoryOptionCombo": "NU", "value": 12},
            {"dataElement": "KCB_BHYT", "value": "5", "comment": "Có thẻ"},
            {"dataElement": "DE_TAI_TRAM", "orgUnit": "A2", "period": pe, "value": "2"},
        ],
        dataSet="TYT_THANG",
        period=pe,
        orgUnit="A1",
    )
    summary = run(world.region_manager, content)
    assert summary["responseType"] == "ImportSummary"
    assert summary["status"] == "SUCCESS", summary["conflicts"]
    assert summary["importCount"] == {"imported": 4, "updated": 0, "ignored": 0, "deleted": 0}
    assert summary["conflicts"] == [] and summary["rejectedIndexes"] == []
    assert summary["importOptions"]["importStrategy"] == "CREATE_AND_UPDATE"
    assert summary["importOptions"]["idSchemes"] == {"idScheme": {"type": "CODE"}}
    assert stored() == {
        ("A1", pe, "KCB_LUOT", "NAM"): 10,
        ("A1", pe, "KCB_LUOT", "NU"): 12,
        ("A1", pe, "KCB_BHYT", "default"): 5,
        ("A2", pe, "DE_TAI_TRAM", "default"): 2,
    }
    assert DataValue.objects.get(data_element=element("KCB_BHYT")).comment == "Có thẻ"
    assert set(DataValueAudit.objects.values_list("source", "actor_username")) == {("import", "region_manager")}
    again = run(world.region_manager, content)
    assert again["importCount"] == {"imported": 0, "updated": 0, "ignored": 4, "deleted": 0}


def xlsx_file(rows: list[tuple], headers=exchange.TEMPLATE_HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = exchange.SHEET_VALUES
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_xlsx_template_is_imported_by_the_same_importer(world):
    pe = month()
    content = xlsx_file(
        [
            ("A1", "Trạm Y tế xã Nguyễn Huệ", int(pe), "KCB_LUOT", "Lượt khám", "NU", "Nữ", 7, None),
            ("A1", None, pe, "DE_TAI_TRAM", None, None, None, "3", "ghi chú"),
            ("A2", None, pe, "DE_TAI_TRAM", None, None, None, None, None),  # blank value: skipped
        ]
    )
    summary = run(world.data_clerk, content)
    assert summary["status"] == "SUCCESS", summary["conflicts"]
    assert summary["importCount"]["imported"] == 2
    assert stored() == {("A1", pe, "KCB_LUOT", "NU"): 7, ("A1", pe, "DE_TAI_TRAM", "default"): 3}


def test_dhis2_csv_column_names_are_read_in_the_template_too(world):
    pe = month()
    content = xlsx_file(
        [("KCB_BHYT", pe, "A2", "", "4")], headers=("dataElement", "period", "orgUnit", "categoryOptionCombo", "value")
    )
    assert run(world.region_manager, content)["importCount"]["imported"] == 1
    assert stored() == {("A2", pe, "KCB_BHYT", "default"): 4}


def test_a_dry_run_writes_nothing_but_counts_what_it_would_do(world):
    pe = month()
    put(world.region_manager, [("KCB_BHYT", world.station_a1, pe, 5), ("DE_TAI_TRAM", world.station_a1, pe, 1)])
    before = (stored(), DataValueAudit.objects.count())
    content = dvs(
        [
            {"dataElement": "KCB_BHYT", "value": "5"},  # same: ignored
            {"dataElement": "DE_TAI_TRAM", "value": "2"},  # updated
            {"dataElement": "DE_DIA_BAN", "value": "9"},  # imported
        ],
        period=pe,
        orgUnit="A1",
    )
    summary = run(world.station_head, content, dryRun="true")
    assert summary["status"] == "SUCCESS"
    assert summary["importOptions"]["dryRun"] is True
    assert summary["importCount"] == {"imported": 1, "updated": 1, "ignored": 1, "deleted": 0}
    assert (stored(), DataValueAudit.objects.count()) == before


def test_every_kind_of_conflict_is_named_and_then_nothing_is_written(world):
    pe, locked, future = month(), month(-30), month(14)
    LockException.objects.all().delete()
    values = [
        {"dataElement": "KHONG_CO", "orgUnit": "A1", "period": pe, "value": "1"},  # 0 unknown element
        {"dataElement": "KCB_BHYT", "orgUnit": "ZZ9", "period": pe, "value": "1"},  # 1 unknown unit
        {"dataElement": "KCB_LUOT", "orgUnit": "A1", "period": pe, "categoryOptionCombo": "KHAC", "value": "1"},
        {"dataElement": "KCB_BHYT", "orgUnit": "A1", "period": "2025Q5", "value": "1"},  # 3 bad period
        {"dataElement": "KCB_BHYT", "orgUnit": "A1", "period": pe, "value": "mười"},  # 4 bad value
        {"dataElement": "KCB_BHYT", "orgUnit": "B1", "period": pe, "value": "1"},  # 5 out of scope
        {"dataElement": "KCB_BHYT", "orgUnit": "A1", "period": locked, "value": "1"},  # 6 locked
        {"dataElement": "KCB_BHYT", "orgUnit": "RA", "period": pe, "value": "1"},  # 7 unit not reporting
        {"dataElement": "KCB_BHYT", "orgUnit": "A2", "period": pe, "value": "1"},  # 8 duplicate of 9
        {"dataElement": "KCB_BHYT", "orgUnit": "A2", "period": pe, "value": "2"},  # 9
        {"dataElement": "KCB_BHYT", "orgUnit": "A1", "period": future, "value": "1"},  # 10 future period
        {"dataElement": "KCB_BHYT", "orgUnit": "A1", "period": pe, "categoryOptionCombo": "NAM", "value": "1"},
        {"dataElement": "DE_DIA_BAN", "orgUnit": "A1", "period": pe},  # 12 no value
        {"dataElement": "DE_DIA_BAN", "orgUnit": "A1", "period": pe[:4], "value": "1"},  # 13 yearly period
        {"dataElement": "DE_TAI_TRAM", "orgUnit": "A1", "period": pe, "value": "1", "comment": "x" * 501},
        {"dataElement": "TU_VONG_DUOI1", "orgUnit": "A1", "period": pe, "value": "-1"},  # 15 negative
        {"dataElement": "THA_QUAN_LY", "orgUnit": "A1", "period": pe, "value": "3"},  # 16 fine on its own
    ]
    with translation.override("en"):
        summary = run(world.region_manager, dvs(values))
    assert summary["status"] == "ERROR"
    assert summary["importCount"] == {"imported": 0, "updated": 0, "ignored": len(values), "deleted": 0}
    by_code = {c["errorCode"]: c for c in summary["conflicts"]}
    expected = {
        "E7610": [0],
        "E7612": [1],
        "E7613": [2],
        "E7611": [3],
        "E7619": [4, 15],
        "E7617": [5],
        "E7640": [6],
        "E7636": [7],
        "E8128": [8, 9],
        "E7641": [10],
        "E7634": [11],
        "E7618": [12],
        "E7632": [13],
        "E7620": [14],
    }
    assert {
        code: sorted(i for c in summary["conflicts"] if c["errorCode"] == code for i in c["indexes"])
        for code in by_code
    } == expected
    assert summary["rejectedIndexes"] == list(range(16))
    assert by_code["E7610"]["objects"] == {"dataElement": "KHONG_CO"} and by_code["E7610"]["object"] == "KHONG_CO"
    assert by_code["E7610"]["property"] == "dataElement"
    assert "KHONG_CO" in by_code["E7610"]["value"]
    assert by_code["E7617"]["objects"] == {"organisationUnit": "B1", "user": "region_manager"}
    assert "outside" in by_code["E7617"]["value"]
    messages = {i: c["value"] for c in summary["conflicts"] for i in c["indexes"]}
    assert "not a number" in messages[4] and "negative" in messages[15]
    assert "closed for entry" in by_code["E7640"]["value"]
    assert "not started" in by_code["E7641"]["value"]
    assert "does not report" in by_code["E7636"]["value"]
    assert "more than once" in by_code["E8128"]["value"]
    assert "aborted" in summary["description"]
    assert not DataValue.objects.exists() and not DataValueAudit.objects.exists()


def test_a_lock_exception_reopens_a_closed_period_for_the_units_below_it(world):
    from ytcs.indicators import services

    locked = month(-30)
    content = dvs([{"dataElement": "KCB_BHYT", "value": "4"}], period=locked, orgUnit="A1")
    assert codes_of(run(world.region_manager, content)) == {"E7640"}
    services.lock_exception_grant(
        user=world.province_admin,
        data_set=data_set("TYT_THANG"),
        orgunit=world.region_a,
        period=P.parse(locked),
        reason="Bổ sung số liệu",
    )
    assert run(world.region_manager, content)["status"] == "SUCCESS"
    assert stored() == {("A1", locked, "KCB_BHYT", "default"): 4}


def test_a_file_naming_another_data_set_refuses_elements_outside_it(world):
    content = dvs([{"dataElement": "KCB_BHYT", "value": "4"}], dataSet="TYT_NAM", period=month()[:4], orgUnit="A1")
    assert codes_of(run(world.region_manager, content)) == {"E7633"}
    unknown = dvs([{"dataElement": "KCB_BHYT", "value": "4"}], dataSet="KHONG_CO", period=month(), orgUnit="A1")
    assert codes_of(run(world.region_manager, unknown)) == {"E7600"}


def test_xlsx_conflicts_name_the_excel_rows(world):
    pe = month()
    content = xlsx_file(
        [
            ("A1", None, pe, "KCB_BHYT", None, None, None, 1, None),
            (None, None, None, None, None, None, None, None, None),
            ("A1", None, pe, "KHONG_CO", None, None, None, 1, None),
            ("B1", None, pe, "KCB_BHYT", None, None, None, 1, None),
        ]
    )
    summary = run(world.region_manager, content)
    rows = {c["errorCode"]: c["rows"] for c in summary["conflicts"]}
    assert rows == {"E7610": [4], "E7617": [5]}
    lines = list(selectors_imports.ConflictLines(summary))
    assert [(line["row"], line["code"]) for line in lines] == [(4, "E7610"), (5, "E7617")]
    assert lines[0]["column"] == exchange.COL_ELEMENT and lines[1]["column"] == exchange.COL_UNIT


def test_an_out_of_scope_unit_is_a_conflict_for_the_station_head_too(world):
    content = dvs([{"dataElement": "KCB_BHYT", "orgUnit": "A2", "value": "1"}], period=month())
    summary = run(world.station_head, content)
    assert codes_of(summary) == {"E7617"}
    assert not DataValue.objects.exists()


def test_a_read_only_user_cannot_import_at_all(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run(world.viewer, dvs([{"dataElement": "KCB_BHYT", "orgUnit": "A1", "value": "1"}], period=month()))


def spec(user, *, units, periods, data_sets=("TYT_THANG",), children=False, **schemes):
    params = {
        "dataSet": list(data_sets),
        "period": list(periods),
        "orgUnit": list(units),
        "children": ["true" if children else "false"],
    }
    params.update({k: [v] for k, v in schemes.items()})
    return selectors_imports.export_spec(user=user, params=params)


def export(user, **kwargs):
    s = spec(user, **kwargs)
    return exchange.export_json(s, selectors_imports.export_rows(user=user, spec=s))


def sample(world, pe):
    put(
        world.province_admin,
        [
            ("KCB_LUOT", "NAM", world.station_a1, pe, 10),
            ("KCB_LUOT", "NU", world.station_a1, pe, 11),
            ("KCB_BHYT", world.station_a1, pe, 7),
            ("DE_TAI_TRAM", world.station_a2, pe, 3),
            ("DE_TAI_TRAM", world.station_b1, pe, 4),
        ],
    )


def test_round_trip_json_export_import_gives_identical_values(world):
    pe = month()
    sample(world, pe)
    DataValue.objects.filter(data_element=element("KCB_BHYT")).update(comment="Đủ")
    before = stored()
    exported = export(world.region_manager, units=["RA"], periods=[pe], children=True)
    assert len(exported["dataValues"]) == 4  # B1 is region B's: not exported to region A
    assert {"dataElement", "period", "orgUnit", "categoryOptionCombo", "value", "storedBy", "created"} <= set(
        exported["dataValues"][0]
    )
    summary = run(world.region_manager, json.dumps(exported).encode())
    assert summary["status"] == "SUCCESS"
    assert summary["importCount"] == {"imported": 0, "updated": 0, "ignored": 4, "deleted": 0}
    assert stored() == before
    DataValue.objects.all().delete()
    assert run(world.province_admin, json.dumps(exported).encode())["importCount"]["imported"] == 4
    assert stored() == {k: v for k, v in before.items() if k[0] != "B1"}


def test_round_trip_through_the_xlsx_template(world):
    pe = month()
    sample(world, pe)
    before = stored()
    s = spec(world.province_admin, units=["PROV"], periods=[pe], children=True)
    content = exchange.export_workbook(selectors_imports.export_rows(user=world.province_admin, spec=s))
    sheet = load_workbook(io.BytesIO(content))[exchange.SHEET_VALUES]
    assert [c.value for c in sheet[1]] == list(exchange.TEMPLATE_HEADERS)
    assert sheet.max_row == 6
    summary = run(world.province_admin, content)
    assert summary["importCount"] == {"imported": 0, "updated": 0, "ignored": 5, "deleted": 0}
    DataValue.objects.all().delete()
    assert run(world.province_admin, content)["importCount"]["imported"] == 5
    assert stored() == before


def test_export_header_and_id_schemes_follow_dhis2(world):
    pe = month()
    sample(world, pe)
    single = export(world.station_head, units=["A1"], periods=[pe])
    assert single["dataSet"] == "TYT_THANG" and single["period"] == pe and single["orgUnit"] == "A1"
    assert "completeDate" in single
    by_id = export(world.station_head, units=["A1"], periods=[pe], idScheme="UID")
    assert {v["orgUnit"] for v in by_id["dataValues"]} == {str(world.station_a1.pk)}
    assert {v["dataElement"] for v in by_id["dataValues"]} == {
        str(element("KCB_LUOT").pk),
        str(element("KCB_BHYT").pk),
    }
    # Imported back with the same scheme, nothing changes.
    summary = run(world.station_head, json.dumps(by_id).encode(), idScheme="UID")
    assert summary["importCount"]["ignored"] == 3, summary
    mixed = export(world.station_head, units=["A1"], periods=[pe], orgUnitIdScheme="NAME")
    assert {v["orgUnit"] for v in mixed["dataValues"]} == {world.station_a1.name}
    assert {v["dataElement"] for v in mixed["dataValues"]} == {"KCB_LUOT", "KCB_BHYT"}


def test_export_filters_by_periods_dates_units_and_children_within_scope(world):
    pe, previous = month(), month(-1)
    sample(world, pe)
    put(world.province_admin, [("KCB_BHYT", world.station_a1, previous, 1)])
    only_a1 = export(world.province_admin, units=["A1"], periods=[pe])
    assert {(v["orgUnit"], v["period"]) for v in only_a1["dataValues"]} == {("A1", pe)}
    both = export(world.province_admin, units=["A1"], periods=[pe, previous])
    assert {v["period"] for v in both["dataValues"]} == {pe, previous}
    start = P.parse(previous).start.isoformat()
    end = P.parse(pe).end.isoformat()
    s = selectors_imports.export_spec(
        user=world.province_admin,
        params={"dataSet": ["TYT_THANG"], "startDate": [start], "endDate": [end], "orgUnit": ["A1"]},
    )
    assert set(s.periods) == {previous, pe}
    region_without_children = export(world.province_admin, units=["RA"], periods=[pe])
    assert region_without_children["dataValues"] == []
    everyone = export(world.province_admin, units=["PROV"], periods=[pe], children=True)
    assert {v["orgUnit"] for v in everyone["dataValues"]} == {"A1", "A2", "B1"}
    with pytest.raises(Exception) as outside:
        export(world.outsider, units=["A1"], periods=[pe])
    assert outside.type.__name__ == "Http404"
    # The outsider's own region holds only B1's value.
    assert {v["orgUnit"] for v in export(world.outsider, units=["RB"], periods=[pe], children=True)["dataValues"]} == {
        "B1"
    }


def test_export_queries_name_the_missing_parameter_with_dhis2_codes(world):
    from django.core.exceptions import ValidationError

    cases = [
        ({"period": [month()], "orgUnit": ["A1"]}, "E2001"),
        ({"dataSet": ["TYT_THANG"], "orgUnit": ["A1"]}, "E2002"),
        ({"dataSet": ["TYT_THANG"], "period": [month()]}, "E2006"),
        ({"dataSet": ["TYT_THANG"], "period": [month()], "startDate": ["2025-01-01"], "orgUnit": ["A1"]}, "E2003"),
        ({"dataSet": ["KHONG"], "period": [month()], "orgUnit": ["A1"]}, "E1105"),
        ({"dataSet": ["TYT_THANG"], "period": ["2025W1"], "orgUnit": ["A1"]}, "E1101"),
    ]
    for params, code in cases:
        with pytest.raises(ValidationError) as raised:
            selectors_imports.export_spec(user=world.province_admin, params=params)
        assert [e.code for errors in raised.value.error_dict.values() for e in errors] == [code], params


def test_delete_strategy_deletes_the_values_listed(world):
    pe = month()
    sample(world, pe)
    content = dvs(
        [
            {"dataElement": "KCB_LUOT", "categoryOptionCombo": "NAM"},
            {"dataElement": "KCB_BHYT", "value": "7"},
            {"dataElement": "DE_DIA_BAN"},  # not there: ignored
        ],
        period=pe,
        orgUnit="A1",
    )
    summary = run(world.region_manager, content, importStrategy="DELETE")
    assert summary["importCount"] == {"imported": 0, "updated": 0, "ignored": 1, "deleted": 2}
    assert set(stored()) == {
        ("A1", pe, "KCB_LUOT", "NU"),
        ("A2", pe, "DE_TAI_TRAM", "default"),
        ("B1", pe, "DE_TAI_TRAM", "default"),
    }
    assert DataValueAudit.objects.filter(action="delete").count() == 2


def test_a_value_marked_deleted_is_deleted_and_create_and_update_strategies_keep_to_their_part(world):
    pe = month()
    put(world.region_manager, [("KCB_BHYT", world.station_a1, pe, 7), ("DE_TAI_TRAM", world.station_a1, pe, 1)])
    content = dvs(
        [
            {"dataElement": "KCB_BHYT", "value": "8"},
            {"dataElement": "DE_DIA_BAN", "value": "9"},
        ],
        period=pe,
        orgUnit="A1",
    )
    created = run(world.region_manager, content, importStrategy="CREATE")
    assert created["importCount"] == {"imported": 1, "updated": 0, "ignored": 1, "deleted": 0}
    assert stored()[("A1", pe, "KCB_BHYT", "default")] == 7
    DataValue.objects.filter(data_element=element("DE_DIA_BAN")).delete()
    updated = run(world.region_manager, content, importStrategy="UPDATE")
    assert updated["importCount"] == {"imported": 0, "updated": 1, "ignored": 1, "deleted": 0}
    assert stored()[("A1", pe, "KCB_BHYT", "default")] == 8
    assert ("A1", pe, "DE_DIA_BAN", "default") not in stored()
    deleted = run(world.region_manager, dvs([{"dataElement": "DE_TAI_TRAM", "deleted": True}], period=pe, orgUnit="A1"))
    assert deleted["importCount"]["deleted"] == 1
    assert ("A1", pe, "DE_TAI_TRAM", "default") not in stored()


def test_options_are_checked_and_name_the_bad_parameter():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        exchange.Options.parse({"importStrategy": "SYNC", "idScheme": "ATTRIBUTE", "dryRun": "maybe"})
    assert set(raised.value.message_dict) == {"importStrategy", "idScheme", "dryRun"}
    assert exchange.Options.parse({"importStrategy": "NEW_AND_UPDATES"}).strategy == "CREATE_AND_UPDATE"


def test_unreadable_files_raise_a_file_error(world):
    for content in (b'{"dataValues": [{"dataElement": "A"', b"\xff\xfe{}", b'{"dataValues": 3}', b"[1, 2]"):
        with pytest.raises(ImportFileError):
            exchange.import_file(user=world.region_manager, path_or_bytes=content, fmt="json")
    with pytest.raises(ImportFileError):
        exchange.import_file(user=world.region_manager, path_or_bytes=b"PK\x03\x04broken", fmt="xlsx")


def test_a_header_written_after_the_values_still_applies(world):
    pe = month()
    content = json.dumps({"dataValues": [{"dataElement": "KCB_BHYT", "value": "3"}], "period": pe, "orgUnit": "A1"})
    summary = run(world.region_manager, content.encode())
    assert summary["status"] == "SUCCESS", summary
    assert stored() == {("A1", pe, "KCB_BHYT", "default"): 3}


def test_a_large_json_file_is_read_in_pieces(world, monkeypatch):
    monkeypatch.setattr(exchange.JsonReader, "CHUNK", 64)
    pe = month()
    values = [{"dataElement": "KCB_BHYT", "orgUnit": unit, "value": str(n)} for n, unit in enumerate(["A1", "A2"])]
    summary = run(world.region_manager, dvs(values, period=pe, comment="Thử " * 50))
    assert summary["importCount"]["imported"] == 2


def test_the_query_count_does_not_grow_with_the_number_of_values(world):
    """A few thousand generated values: the checks read everything once; writing grows with bulk statements only."""
    region = world.region_a
    stations = [
        OrgUnitFactory(code=f"T{n:03d}", name=f"Trạm {n}", kind=OrgUnitKind.STATION, parent=region) for n in range(150)
    ]
    pe = month()
    cells = [
        (de.code, coc.code)
        for de in data_set("TYT_THANG").data_elements.all()
        for coc in de.category_combo.option_combos.all()
    ]
    assert len(cells) == 12

    def content(units):
        return dvs(
            [
                {"dataElement": de, "categoryOptionCombo": coc, "orgUnit": unit.code, "value": str(n % 40)}
                for n, unit in enumerate(units)
                for de, coc in cells
            ],
            period=pe,
        )

    small, large = content(stations[:75]), content(stations)
    counts = []
    for body in (small, large):
        user = type(world.region_manager).objects.get(pk=world.region_manager.pk)  # no scope cached
        with CaptureQueriesContext(connection) as queries:
            summary = run(user, body, dryRun="true")
        assert summary["status"] == "SUCCESS", summary["conflicts"][:3]
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12, counts
    with CaptureQueriesContext(connection) as queries:
        summary = run(world.region_manager, large)
    assert summary["importCount"]["imported"] == 1800
    assert len(queries) < 60, len(queries)


def test_a_region_manager_created_after_the_check_sees_no_stale_scope(world):
    """Roles are re-read inside the writing transaction (a role removed meanwhile would refuse the import)."""
    user = UserFactory(username="clerk2")
    assignment = RoleAssignmentFactory(user=user, role="data_clerk", orgunit=world.station_a1)
    content = dvs([{"dataElement": "KCB_BHYT", "value": "1"}], period=month(), orgUnit="A1")
    catalogue = exchange.Catalogue(user=user, options=exchange.Options())
    checker = exchange.Checker(catalogue)
    checker.check(exchange.RawValue(0, None, "KCB_BHYT", month(), "A1", None, "1"))
    checker.finish()
    assignment.delete()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        exchange._write(user=user, entries=checker.entries, options=exchange.Options(), progress=None)
    assert not DataValue.objects.exists()
    assert content


def test_periods_between_follow_the_data_sets_types():
    start, end = datetime.date(2025, 1, 1), datetime.date(2025, 6, 30)
    codes = exchange.periods_between([data_set("TYT_THANG"), data_set("TYT_NAM")], start, end)
    assert codes == ["202501", "202502", "202503", "202504", "202505", "202506"]
    assert combo("NAM").code == "NAM"


def test_the_files_own_id_schemes_and_dry_run_apply_as_in_dhis2(world):
    pe = month()
    de = element("KCB_BHYT")
    content = dvs(
        [{"dataElement": str(de.pk), "orgUnit": str(world.station_a1.pk), "value": "3"}],
        period=pe,
        idScheme="UID",
        dryRun=True,
    )
    summary = run(world.region_manager, content, orgUnitIdScheme="CODE")
    assert summary["status"] == "SUCCESS", summary["conflicts"]
    assert summary["importOptions"]["dryRun"] is True
    assert summary["importOptions"]["idSchemes"] == {"idScheme": {"type": "UID"}}
    assert summary["importCount"]["imported"] == 1 and not DataValue.objects.exists()
    by_name = dvs([{"dataElement": de.name, "orgUnit": "A1", "value": "3"}], period=pe, dataElementIdScheme="NAME")
    assert run(world.region_manager, by_name)["importCount"]["imported"] == 1
    assert stored() == {("A1", pe, "KCB_BHYT", "default"): 3}


def test_export_by_last_updated_for_incremental_synchronisation(world):
    pe = month()
    sample(world, pe)
    old = timezone.now() - datetime.timedelta(days=30)
    DataValue.objects.exclude(orgunit=world.station_a2).update(last_updated=old)
    params = {"dataSet": ["TYT_THANG"], "orgUnit": ["PROV"], "children": ["true"]}
    for since in (
        {"lastUpdatedDuration": ["2d"]},
        {"lastUpdated": [(timezone.localdate() - datetime.timedelta(days=2)).isoformat()]},
    ):
        s = selectors_imports.export_spec(user=world.province_admin, params={**params, **since})
        data = exchange.export_json(s, selectors_imports.export_rows(user=world.province_admin, spec=s))
        assert [v["orgUnit"] for v in data["dataValues"]] == ["A2"], since
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        selectors_imports.export_spec(user=world.province_admin, params={**params, "lastUpdatedDuration": ["2w"]})
    assert raised.value.error_dict["lastUpdatedDuration"][0].code == "E2005"
