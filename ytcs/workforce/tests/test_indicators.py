"""Workforce indicators: hand-computed figures on the persona world, drill-downs that agree with them, exports,
the API, and query counts that do not grow with the data.

The staffed world (populations 2025: A1 8,200, A2 12,500, B1 6,400):

    RA ─ A1 ─ A1A   doctor Hùng (at the satellite point A1A), nurse Lan (ultrasound certificate until 30/06/2025)
       └ A2         doctor Minh (traditional-medicine doctor), doctor Quang who left on 31/03/2025
    RB ─ B1         nobody of its own; doctor Sơn (from A1) seconded to B1 from 01/05/2025 to 31/08/2025
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from ytcs.core.testing import factories
from ytcs.core.testing.factories import OrgUnitFactory, PopulationFactory, StaffFactory
from ytcs.orgunits.models import OrgUnitKind
from ytcs.workforce import indicators
from ytcs.workforce.indicators import Selection, per_10000, percent, retirement_cutoff
from ytcs.workforce.models import Certificate, Competency, Posting
from ytcs.workforce.rules import retirement_rule

pytestmark = pytest.mark.django_db

D = datetime.date(2025, 6, 30)
BEFORE_SECONDMENT = datetime.date(2025, 4, 15)
AFTER_RETURN = datetime.date(2025, 9, 15)


def move(staff, to, on, kind="secondment", until=None):
    """End the open posting the day before and open one at `to` (what services.staff_move leaves)."""
    Posting.objects.filter(staff=staff, ended_on__isnull=True).update(ended_on=on - datetime.timedelta(days=1))
    Posting.objects.create(staff=staff, orgunit=to, kind=kind, started_on=on, ended_on=until)
    staff.orgunit = to
    staff.save()


@pytest.fixture
def staffed(world):
    w = world
    w.hung = StaffFactory(full_name="Nguyễn Văn Hùng", sex="male", orgunit=w.satellite_a1, title=factories.title())
    w.lan = StaffFactory(full_name="Trần Thị Lan", orgunit=w.station_a1, title=factories.title("dieu-duong"))
    w.minh = StaffFactory(
        full_name="Lê Văn Minh", sex="male", orgunit=w.station_a2, title=factories.title("bac-si-yhct")
    )
    w.quang = StaffFactory(
        full_name="Phạm Quang",
        sex="male",
        orgunit=w.station_a2,
        title=factories.title(),
        status="left",
        ended_on=datetime.date(2025, 3, 31),
    )
    w.son = StaffFactory(
        full_name="Đỗ Văn Sơn",
        sex="male",
        orgunit=w.station_a1,
        title=factories.title(),
        started_on=datetime.date(2015, 1, 1),
    )
    move(w.son, w.station_b1, datetime.date(2025, 5, 1), until=datetime.date(2025, 8, 31))
    Posting.objects.create(staff=w.son, orgunit=w.station_a1, kind="return", started_on=datetime.date(2025, 9, 1))
    w.son.orgunit = w.station_a1
    w.son.save()
    ultrasound = Competency.objects.get(code="sieu-am-tong-quat")
    Certificate.objects.create(
        staff=w.lan, competency=ultrasound, issued_on=datetime.date(2020, 1, 1), expires_on=datetime.date(2025, 6, 30)
    )
    return w


def sel(user, on=D, level=2, root=None):
    return Selection(user=user, on=on, level=level, root=root)


def by_code(table):
    return {row.code: row for row in table.rows}


# ---------------------------------------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(
    ("doctors", "population", "expected"),
    [
        (2, 20_700, Decimal("1.0")),  # 0.966… rounds to 1.0
        (1, 40_000, Decimal("0.3")),  # exactly 0.25: halves round up
        (1, 40_001, Decimal("0.2")),  # 0.24999…: down
        (3, 27_100, Decimal("1.1")),  # 1.107…
        (0, 8_200, Decimal("0.0")),  # no doctor: a real 0
        (2, None, None),  # no population: "—", not 0
        (2, 0, None),
    ],
)
def test_per_10000_rounds_to_one_decimal_halves_up(doctors, population, expected):
    assert per_10000(doctors, population) == expected


def test_percent_rounds_the_same_way():
    assert percent(1, 8) == Decimal("12.5") and percent(1, 3) == Decimal("33.3") and percent(2, 3) == Decimal("66.7")
    assert percent(1, 0) is None


# ---------------------------------------------------------------------------------------------- doctors per 10,000


def test_doctors_per_10000_by_region_on_a_date(staffed):
    w = staffed
    table = indicators.doctors_per_10000(selection=sel(w.province_admin))
    rows = by_code(table)
    assert list(rows) == ["RA", "RB"]
    # RA: Hùng (at satellite A1A) and Minh; Quang left on 31/03; Sơn is seconded to B1.
    assert (rows["RA"].doctors, rows["RA"].population, rows["RA"].value) == (2, 20_700, Decimal("1.0"))
    assert (rows["RB"].doctors, rows["RB"].population, rows["RB"].value) == (1, 6_400, Decimal("1.6"))
    assert (table.total.doctors, table.total.population, table.total.value) == (3, 27_100, Decimal("1.1"))
    assert table.extra["confirmed"] is False and "20/2019" in table.extra["source"]


def test_a_doctor_who_left_counts_up_to_the_last_day_only(staffed):
    w = staffed
    last_day = indicators.doctors_per_10000(selection=sel(w.province_admin, on=datetime.date(2025, 3, 31)))
    next_day = indicators.doctors_per_10000(selection=sel(w.province_admin, on=datetime.date(2025, 4, 1)))
    # On 31/03 RA has Hùng, Minh, Quang and Sơn (not yet seconded).
    assert by_code(last_day)["RA"].doctors == 4
    assert by_code(next_day)["RA"].doctors == 3


def test_a_seconded_doctor_counts_at_the_host_station_during_the_secondment_only(staffed):
    w = staffed
    for on, at_a1, at_b1 in (
        (BEFORE_SECONDMENT, 2, 0),
        (D, 1, 1),
        (datetime.date(2025, 8, 31), 1, 1),
        (AFTER_RETURN, 2, 0),
    ):
        rows = by_code(indicators.doctors_per_10000(selection=sel(w.province_admin, on=on, level=3)))
        assert (rows["A1"].doctors, rows["B1"].doctors) == (at_a1, at_b1), on


def test_station_level_uses_each_stations_own_population_and_dash_without_one(staffed):
    w = staffed
    rows = by_code(indicators.doctors_per_10000(selection=sel(w.province_admin, level=3)))
    assert (rows["A1"].doctors, rows["A1"].population, rows["A1"].value) == (1, 8_200, Decimal("1.2"))  # 1.219…
    assert (rows["A2"].doctors, rows["A2"].population, rows["A2"].value) == (1, 12_500, Decimal("0.8"))
    # No population recorded for 2026: no ratio.
    rows_2026 = by_code(indicators.doctors_per_10000(selection=sel(w.province_admin, on=datetime.date(2026, 1, 5))))
    assert rows_2026["RA"].population is None and rows_2026["RA"].value is None
    assert rows_2026["RA"].stations_missing_population == 2


def test_a_region_with_a_station_lacking_its_population_says_so(staffed):
    w = staffed
    OrgUnitFactory(code="A3", name="Trạm Y tế xã Mới", kind=OrgUnitKind.STATION, parent=w.region_a)
    row = by_code(indicators.doctors_per_10000(selection=sel(w.province_admin)))["RA"]
    assert (row.population, row.stations, row.stations_missing_population) == (20_700, 3, 1)


def test_closed_stations_and_their_population_are_left_out(staffed):
    w = staffed
    w.station_a2.closed_on = datetime.date(2025, 6, 30)
    w.station_a2.save()
    row = by_code(indicators.doctors_per_10000(selection=sel(w.province_admin)))["RA"]
    assert (row.population, row.stations) == (8_200, 1)
    # Still there the day before it closed.
    before = by_code(indicators.doctors_per_10000(selection=sel(w.province_admin, on=datetime.date(2025, 6, 29))))
    assert before["RA"].population == 20_700


def test_rows_are_only_the_units_in_the_viewers_scope(staffed):
    w = staffed
    table = indicators.doctors_per_10000(selection=sel(w.region_manager))
    assert [row.code for row in table.rows] == ["RA"]
    assert table.total.doctors == 2 and table.total.population == 20_700
    stations = indicators.doctors_per_10000(selection=sel(w.station_head, level=3))
    assert [row.code for row in stations.rows] == ["A1"]


def test_a_doctor_titled_only_by_the_catalogue_flag_counts(staffed):
    w = staffed
    yhct = factories.title("bac-si-yhct")
    yhct.counts_as_doctor = False
    yhct.save()
    assert by_code(indicators.doctors_per_10000(selection=sel(w.province_admin)))["RA"].doctors == 1


# ---------------------------------------------------------------------------------------------- headcount


def test_headcount_by_title_matrix_with_totals(staffed):
    w = staffed
    table = indicators.headcount_by_title(selection=sel(w.province_admin))
    assert [t.code for t in table.extra["titles"]] == ["bac-si", "bac-si-yhct", "dieu-duong"]
    rows = by_code(table)
    assert [n for _t, n in rows["RA"].cells] == [1, 1, 1] and rows["RA"].total_count == 3
    assert [n for _t, n in rows["RB"].cells] == [1, 0, 0] and rows["RB"].total_count == 1
    assert [n for _t, n in table.total.cells] == [2, 1, 1] and table.total.total_count == 4


def test_headcount_rolls_satellite_staff_up_to_the_station_and_shows_the_satellite_level(staffed):
    w = staffed
    stations = by_code(indicators.headcount_by_title(selection=sel(w.province_admin, level=3)))
    assert stations["A1"].total_count == 2  # Hùng at A1A, Lan at A1
    satellites = by_code(indicators.headcount_by_title(selection=sel(w.province_admin, level=4)))
    assert satellites["A1A"].total_count == 1


# ---------------------------------------------------------------------------------------------- stations


def test_stations_without_doctor_per_region_and_date(staffed):
    w = staffed
    on_d = by_code(indicators.stations_without_doctor(selection=sel(w.province_admin)))
    assert (on_d["RA"].stations, on_d["RA"].without) == (2, 0)  # A1 through its satellite point
    assert (on_d["RB"].stations, on_d["RB"].without) == (1, 0)  # B1 through the secondment
    before = indicators.stations_without_doctor(selection=sel(w.province_admin, on=BEFORE_SECONDMENT))
    assert (by_code(before)["RB"].without, by_code(before)["RB"].percent_with) == (1, Decimal("0.0"))
    assert (before.total.stations, before.total.without, before.total.percent_with) == (3, 1, Decimal("66.7"))
    listed = indicators.indicator_stations(
        selection=sel(w.province_admin, on=BEFORE_SECONDMENT), figure="without-doctor"
    )
    assert [s.code for s in listed] == ["B1"]


def test_a_doctor_at_a_private_facility_under_a_station_does_not_staff_it(staffed):
    w = staffed
    private = OrgUnitFactory(code="PK1", name="Phòng khám tư Bình Minh", kind=OrgUnitKind.PRIVATE, parent=w.station_b1)
    StaffFactory(orgunit=private, title=factories.title())
    row = by_code(indicators.stations_without_doctor(selection=sel(w.province_admin, on=BEFORE_SECONDMENT)))["RB"]
    assert row.without == 1


def test_competency_valid_on_its_expiry_day_and_not_after(staffed):
    w = staffed
    ultrasound = Competency.objects.get(code="sieu-am-tong-quat")
    on_expiry = indicators.stations_without_competency(selection=sel(w.province_admin, level=3), competency=ultrasound)
    assert {row.code: row.without for row in on_expiry.rows} == {"A1": 0, "A2": 1, "B1": 1}
    day_after = indicators.stations_without_competency(
        selection=sel(w.province_admin, on=datetime.date(2025, 7, 1), level=3), competency=ultrasound
    )
    assert {row.code: row.without for row in day_after.rows} == {"A1": 1, "A2": 1, "B1": 1}
    not_yet = indicators.stations_without_competency(
        selection=sel(w.province_admin, on=datetime.date(2019, 12, 31), level=3), competency=ultrasound
    )
    assert by_code(not_yet)["A1"].without == 1
    listed = indicators.indicator_stations(
        selection=sel(w.province_admin), figure="without-competency", competency=ultrasound
    )
    assert [s.code for s in listed] == ["A2", "B1"]


def test_a_certificate_holder_who_left_the_station_no_longer_covers_it(staffed):
    w = staffed
    ultrasound = Competency.objects.get(code="sieu-am-tong-quat")
    move(w.lan, w.station_a2, datetime.date(2025, 6, 1), kind="transfer")
    rows = by_code(
        indicators.stations_without_competency(selection=sel(w.province_admin, level=3), competency=ultrasound)
    )
    assert (rows["A1"].without, rows["A2"].without) == (1, 0)


# ---------------------------------------------------------------------------------------------- retirement


def test_retirement_cutoffs_match_the_rule_for_every_birth_date():
    """The SQL filter "born on or before the cutoff" agrees with the rule on every day of 1955–1975."""
    rule = retirement_rule()
    for sex in ("male", "female"):
        for day in (datetime.date(2025, 6, 30), datetime.date(2027, 12, 31), datetime.date(2030, 6, 30)):
            cutoff = retirement_cutoff(rule, sex=sex, day=day)
            assert rule.retirement_date(sex=sex, birth_date=cutoff) <= day
            assert rule.retirement_date(sex=sex, birth_date=cutoff + datetime.timedelta(days=1)) > day
        birth = datetime.date(1955, 1, 1)
        previous = rule.retirement_date(sex=sex, birth_date=birth)
        while birth < datetime.date(1976, 1, 1):
            birth += datetime.timedelta(days=1)
            current = rule.retirement_date(sex=sex, birth_date=birth)
            assert current >= previous, (sex, birth)
            previous = current


def test_retirement_outlook_by_year_with_the_decree_schedule(world):
    w = world
    y_si = factories.title("y-si")

    def person(sex, birth):
        return StaffFactory(orgunit=w.station_a2, title=y_si, sex=sex, birth_date=birth)

    person("male", datetime.date(1966, 1, 15))  # 61y9m reached in 2027: 15/10/2027
    person("female", datetime.date(1970, 3, 10))  # 57y4m reached in 2027: 10/07/2027
    person("male", datetime.date(1968, 6, 30))  # 62 on 30/06/2030 = the last day of the window
    person("male", datetime.date(1968, 7, 1))  # 01/07/2030: one day too late
    person("female", datetime.date(1962, 2, 1))  # 55 in 2017: already at retirement age
    person("male", datetime.date(1964, 12, 30))  # 61y3m falls in 2026, when the age is 61y6m: 30/06/2026
    person("male", datetime.date(1990, 1, 1))  # far away
    rule = retirement_rule()
    assert rule.retirement_date(sex="male", birth_date=datetime.date(1966, 1, 15)) == datetime.date(2027, 10, 15)
    assert rule.retirement_date(sex="female", birth_date=datetime.date(1970, 3, 10)) == datetime.date(2027, 7, 10)
    assert rule.retirement_date(sex="male", birth_date=datetime.date(1964, 12, 30)) == datetime.date(2026, 6, 30)

    table = indicators.retirement_outlook(selection=sel(w.province_admin))
    ra = by_code(table)["RA"]
    assert table.extra["years"] == [2025, 2026, 2027, 2028, 2029, 2030]
    assert dict(ra.by_year) == {2025: 0, 2026: 1, 2027: 2, 2028: 0, 2029: 0, 2030: 1}
    assert (ra.working, ra.past, ra.within, ra.value) == (7, 1, 4, Decimal("57.1"))
    assert dict(ra.by_age) == {"lt30": 0, "30-39": 1, "40-49": 0, "50-54": 0, "55-59": 4, "60+": 2}

    people = indicators.indicator_people(selection=sel(w.province_admin), figure="retiring", year=2027)
    assert sorted(p.staff.birth_date for p in people) == [datetime.date(1966, 1, 15), datetime.date(1970, 3, 10)]
    assert indicators.indicator_people(selection=sel(w.province_admin), figure="retiring").count() == 4
    assert indicators.indicator_people(selection=sel(w.province_admin), figure="past-retirement").count() == 1
    assert indicators.indicator_people(selection=sel(w.province_admin), figure="age", band="60+").count() == 2


def test_retirement_age_can_be_overridden_by_settings(world, settings):
    w = world
    StaffFactory(orgunit=w.station_a2, title=factories.title("y-si"), sex="male", birth_date=datetime.date(1970, 2, 1))
    assert by_code(indicators.retirement_outlook(selection=sel(w.province_admin)))["RA"].within == 0
    settings.YTCS_RETIREMENT_AGE_MALE_MONTHS = 60 * 12 + 3  # the schedule then stops at 60y3m: 01/05/2030
    assert by_code(indicators.retirement_outlook(selection=sel(w.province_admin)))["RA"].within == 1


# ---------------------------------------------------------------------------------------------- drill-downs agree


@pytest.mark.parametrize(
    ("figure", "kwargs", "attribute"),
    [
        ("doctors", {}, lambda t: by_code(t["doctors"])["RA"].doctors),
        ("headcount", {}, lambda t: by_code(t["headcount"])["RA"].total_count),
        ("headcount", {"title": "dieu-duong"}, lambda t: 1),
    ],
)
def test_people_lists_have_as_many_rows_as_the_figure(staffed, figure, kwargs, attribute):
    w = staffed
    selection = sel(w.province_admin, level=2, root=w.region_a)
    tables = {
        "doctors": indicators.doctors_per_10000(selection=selection),
        "headcount": indicators.headcount_by_title(selection=selection),
    }
    people = indicators.indicator_people(selection=selection, figure=figure, **kwargs)
    assert people.count() == attribute(tables)


def test_people_list_shows_where_the_person_worked_on_the_date(staffed):
    w = staffed
    people = indicators.indicator_people(selection=sel(w.province_admin, level=3, root=w.station_b1), figure="doctors")
    assert [(p.staff.full_name, p.orgunit.code, p.kind) for p in people] == [("Đỗ Văn Sơn", "B1", "secondment")]


# ---------------------------------------------------------------------------------------------- pages


def test_overview_page_shows_the_figures_and_links_them(staffed, client_for):
    w = staffed
    response = client_for(w.province_admin).get(reverse("workforce_indicators:overview"), {"on": "30/06/2025"})
    assert response.status_code == 200
    text = response.text
    assert "CHƯA XÁC NHẬN" in text or "UNCONFIRMED" in text
    assert "20.700" in text and "1,0" in text  # Vietnamese number format
    assert "135/2020" in text  # the retirement rule's source
    people = reverse("workforce_indicators:people")
    assert f"{people}?on=2025-06-30&amp;level=2&amp;orgunit=RA" in text


def test_overview_defaults_to_stations_for_a_regional_manager(staffed, client_for):
    response = client_for(staffed.region_manager).get(reverse("workforce_indicators:overview"), {"on": "30/06/2025"})
    assert response.status_code == 200
    assert response.context["selection"].level == 3
    assert [row.code for row in response.context["doctors"].rows] == ["A1", "A2"]


def test_overview_with_a_bad_date_falls_back_to_today_and_says_so(staffed, client_for):
    response = client_for(staffed.province_admin).get(reverse("workforce_indicators:overview"), {"on": "31/02/2025"})
    assert response.status_code == 200
    assert response.context["form"].errors["on"]


def test_overview_fragment_for_htmx(staffed, client_for):
    response = client_for(staffed.province_admin).get(
        reverse("workforce_indicators:overview"),
        {"on": "30/06/2025"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="indicator-page",
    )
    assert response.status_code == 200 and "<html" not in response.text and "doctors-table" in response.text


def test_people_page_lists_the_doctors_behind_a_figure(staffed, client_for):
    w = staffed
    response = client_for(w.region_manager).get(
        reverse("workforce_indicators:people"), {"on": "2025-06-30", "level": 2, "orgunit": "RA", "figure": "doctors"}
    )
    assert response.status_code == 200
    assert "Nguyễn Văn Hùng" in response.text and "Lê Văn Minh" in response.text
    assert "Phạm Quang" not in response.text and "Đỗ Văn Sơn" not in response.text
    # Back to the region among its siblings: the province is outside the regional manager's scope.
    assert response.context["back"] == "on=2025-06-30&level=2&competency=sieu-am-tong-quat"
    from_station = client_for(w.province_admin).get(
        reverse("workforce_indicators:people"), {"on": "2025-06-30", "level": 3, "orgunit": "A1"}
    )
    assert from_station.context["back"] == "on=2025-06-30&level=3&orgunit=RA&competency=sieu-am-tong-quat"


def test_stations_page_lists_stations_without_a_doctor(staffed, client_for):
    response = client_for(staffed.province_admin).get(
        reverse("workforce_indicators:stations"), {"on": "2025-04-15", "figure": "without-doctor"}
    )
    assert response.status_code == 200
    assert [s.code for s in response.context["page"].object_list] == ["B1"]


def _sheet_rows(response, title):
    wb = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in wb[title].iter_rows(values_only=True)]


def test_doctors_export_has_vietnamese_headers_and_the_figures(staffed, client_for):
    response = client_for(staffed.province_admin).get(
        reverse("workforce_indicators:export", args=["doctors-per-10000"]), {"on": "2025-06-30", "level": 2}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet_rows(response, "Bác sĩ trên 10.000 dân")
    assert rows[0][:5] == ["Mã đơn vị", "Tên đơn vị", "Số bác sĩ", "Dân số năm 2025", "Số bác sĩ/10.000 dân"]
    assert rows[1][:5] == ["RA", "Trung tâm Y tế khu vực Hòa An", 2, 20700, 1.0]
    assert rows[2][:5] == ["RB", "Trung tâm Y tế khu vực Bình Sơn", 1, 6400, 1.6]
    assert rows[3][2:5] == [3, 27100, 1.1]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb["Bác sĩ trên 10.000 dân"]["E2"].number_format == "0.0"


def test_export_all_has_one_sheet_per_table_and_notes(staffed, client_for):
    response = client_for(staffed.province_admin).get(
        reverse("workforce_indicators:export", args=["all"]), {"on": "2025-06-30"}
    )
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == [
        "Nhân lực theo chức danh",
        "Bác sĩ trên 10.000 dân",
        "Trạm chưa có bác sĩ",
        "Trạm thiếu chứng chỉ",
        "Dự báo nghỉ hưu",
        "Ghi chú",
    ]
    notes = " ".join(str(c) for row in wb["Ghi chú"].iter_rows(values_only=True) for c in row)
    assert "CHƯA XÁC NHẬN" in notes


def test_people_export_lists_the_same_people(staffed, client_for):
    response = client_for(staffed.province_admin).get(
        reverse("workforce_indicators:people_export"), {"on": "2025-06-30", "level": 2, "figure": "doctors"}
    )
    rows = _sheet_rows(response, "Danh sách")
    assert rows[0][0] == "Họ và tên"
    assert sorted(r[0] for r in rows[1:]) == ["Lê Văn Minh", "Nguyễn Văn Hùng", "Đỗ Văn Sơn"]


def test_unknown_export_table_is_404(staffed, client_for):
    response = client_for(staffed.province_admin).get(reverse("workforce_indicators:export", args=["salaries"]))
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------- API


def test_api_doctors_per_10000_rows_and_total(staffed, api_for):
    response = api_for(staffed.province_admin).get(
        "/api/v1/workforce/indicators/doctors-per-10000/", {"on": "2025-06-30", "level": 2}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["indicator"], body["on"], body["level"], body["count"]) == ("doctors_per_10000", "2025-06-30", 2, 2)
    ra = body["results"][0]
    assert {k: ra[k] for k in ("code", "numerator", "denominator", "value")} == {
        "code": "RA",
        "numerator": 2,
        "denominator": 20700,
        "value": 1.0,
    }
    assert body["total"]["numerator"] == 3 and body["total"]["value"] == 1.1 and body["total"]["code"] is None
    assert body["rule"]["confirmed"] is False


def test_api_population_missing_is_null(staffed, api_for):
    body = (
        api_for(staffed.province_admin)
        .get("/api/v1/workforce/indicators/doctors-per-10000/", {"on": "2026-01-05", "orgunit": "RA", "level": 3})
        .json()
    )
    assert [(r["code"], r["denominator"], r["value"]) for r in body["results"]] == [
        ("A1", None, None),
        ("A2", None, None),
    ]


def test_api_headcount_stations_and_retirement(staffed, api_for):
    client = api_for(staffed.province_admin)
    headcount = client.get("/api/v1/workforce/indicators/headcount/", {"on": "2025-06-30"}).json()
    assert headcount["results"][0]["by_title"] == {"bac-si": 1, "bac-si-yhct": 1, "dieu-duong": 1}
    assert headcount["total"]["total"] == 4
    stations = client.get("/api/v1/workforce/indicators/stations-without-doctor/", {"on": "2025-04-15"}).json()
    assert [(r["code"], r["numerator"], r["denominator"]) for r in stations["results"]] == [("RA", 0, 2), ("RB", 1, 1)]
    competency = client.get(
        "/api/v1/workforce/indicators/stations-without-competency/",
        {"on": "2025-06-30", "competency": "sieu-am-tong-quat", "level": 3},
    ).json()
    assert [(r["code"], r["numerator"]) for r in competency["results"]] == [("A1", 0), ("A2", 1), ("B1", 1)]
    assert competency["competency"]["code"] == "sieu-am-tong-quat"
    retirement = client.get("/api/v1/workforce/indicators/retirement-outlook/", {"on": "2025-06-30"}).json()
    assert retirement["window_to"] == "2030-06-30" and retirement["rule"]["confirmed"] is False
    assert set(retirement["results"][0]["by_year"]) == {"2025", "2026", "2027", "2028", "2029", "2030"}


def test_api_drill_downs(staffed, api_for):
    client = api_for(staffed.province_admin)
    people = client.get(
        "/api/v1/workforce/indicators/people/", {"on": "2025-06-30", "orgunit": "RB", "level": 2, "figure": "doctors"}
    ).json()
    assert [(p["full_name"], p["orgunit"], p["posting_kind"]) for p in people["results"]] == [
        ("Đỗ Văn Sơn", "B1", "secondment")
    ]
    stations = client.get(
        "/api/v1/workforce/indicators/stations/", {"on": "2025-04-15", "figure": "without-doctor"}
    ).json()
    assert [s["code"] for s in stations["results"]] == ["B1"]


def test_api_unknown_competency_is_a_400_with_the_field(staffed, api_for):
    response = api_for(staffed.province_admin).get(
        "/api/v1/workforce/indicators/stations-without-competency/", {"competency": "phau-thuat-tim"}
    )
    assert response.status_code == 400
    assert "competency" in response.json()["errors"] and response.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [{"on": "hôm qua"}, {"level": 9}, {"level": "x"}, {"orgunit": "A1", "level": 2}],
    ids=["date", "level-range", "level-type", "level-above-unit"],
)
def test_api_bad_parameters_are_400(staffed, api_for, params):
    response = api_for(staffed.province_admin).get("/api/v1/workforce/indicators/headcount/", params)
    assert response.status_code == 400 and response.json()["errors"]


def test_api_people_by_age_needs_a_band_and_a_known_figure(staffed, api_for):
    client = api_for(staffed.province_admin)
    assert client.get("/api/v1/workforce/indicators/people/", {"figure": "age"}).status_code == 400
    assert client.get("/api/v1/workforce/indicators/people/", {"figure": "salary"}).status_code == 400
    assert client.get("/api/v1/workforce/indicators/people/", {"figure": "age", "band": "40-49"}).status_code == 200
    assert client.get("/api/v1/workforce/indicators/stations/", {"figure": "x"}).status_code == 400


def test_api_out_of_scope_and_unknown_units_are_404(staffed, api_for):
    client = api_for(staffed.outsider)
    assert client.get("/api/v1/workforce/indicators/headcount/", {"orgunit": "RA"}).status_code == 404
    assert client.get("/api/v1/workforce/indicators/headcount/", {"orgunit": "NOPE"}).status_code == 404
    own = client.get("/api/v1/workforce/indicators/headcount/", {"on": "2025-06-30"}).json()
    assert [r["code"] for r in own["results"]] == ["B1"]


def test_api_paginates_the_units(staffed, api_for):
    body = (
        api_for(staffed.province_admin)
        .get("/api/v1/workforce/indicators/doctors-per-10000/", {"on": "2025-06-30", "level": 3, "page_size": 2})
        .json()
    )
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    assert body["total"]["numerator"] == 3  # the total covers every page


def test_api_schema_documents_the_indicator_endpoints(world):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    for path in (
        "headcount",
        "doctors-per-10000",
        "stations-without-doctor",
        "stations-without-competency",
        "retirement-outlook",
        "people",
        "stations",
    ):
        assert f"/api/v1/workforce/indicators/{path}/" in schema["paths"]
    parameters = {
        p["name"] for p in schema["paths"]["/api/v1/workforce/indicators/doctors-per-10000/"]["get"]["parameters"]
    }
    assert {"on", "level", "orgunit", "page", "page_size"} <= parameters


# ---------------------------------------------------------------------------------------------- query counts


def _grow(world, prefix, n_stations=4, per_station=6):
    """More stations, populations, people, certificates and moves: the query count must not change."""
    ultrasound = Competency.objects.get(code="sieu-am-tong-quat")
    for i in range(n_stations):
        station = OrgUnitFactory(code=f"{prefix}{i}", kind=OrgUnitKind.STATION, parent=world.region_a)
        PopulationFactory(orgunit=station, year=2025, population=5000 + i)
        for j in range(per_station):
            person = StaffFactory(
                orgunit=station,
                title=factories.title("bac-si" if j % 3 == 0 else "dieu-duong"),
                sex="male" if j % 2 else "female",
                birth_date=datetime.date(1962 + j, 1 + i, 10),
            )
            if j == 1:
                Certificate.objects.create(staff=person, competency=ultrasound, issued_on=datetime.date(2021, 1, 1))


def _count_queries(client, url, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/workforce/indicators/", {"on": "2025-06-30", "level": 3}),
        ("/workforce/indicators/people/", {"on": "2025-06-30", "level": 2, "figure": "retiring"}),
        ("/workforce/indicators/stations/", {"on": "2025-06-30", "level": 2, "figure": "stations"}),
        ("/workforce/indicators/export/all.xlsx", {"on": "2025-06-30", "level": 3}),
        ("/api/v1/workforce/indicators/doctors-per-10000/", {"on": "2025-06-30", "level": 3}),
        ("/api/v1/workforce/indicators/headcount/", {"on": "2025-06-30", "level": 3}),
        ("/api/v1/workforce/indicators/retirement-outlook/", {"on": "2025-06-30", "level": 3}),
        ("/api/v1/workforce/indicators/stations-without-competency/", {"on": "2025-06-30", "level": 3}),
        ("/api/v1/workforce/indicators/people/", {"on": "2025-06-30", "level": 2}),
    ],
)
def test_query_count_does_not_grow_with_units_or_people(staffed, client_for, api_for, url, params):
    client = api_for(staffed.region_manager) if url.startswith("/api/") else client_for(staffed.region_manager)
    _grow(staffed, "AX", n_stations=1)  # every list non-empty (an empty page skips its query)
    before = _count_queries(client, url, params)
    _grow(staffed, "AY")
    after = _count_queries(client, url, params)
    assert after == before, (before, after)


def test_people_lists_name_only_those_the_viewer_may_open_now(world, client_for):
    from ytcs.core.testing.factories import StaffFactory, title
    from ytcs.workforce.services import staff_move

    moved = StaffFactory(
        full_name="Người Đã Chuyển",
        orgunit=world.station_b1,
        title=title("bac-si"),
        started_on=datetime.date(2015, 1, 1),
    )
    staff_move(
        user=world.province_admin, staff=moved, to_unit=world.station_a1, kind="transfer", on=datetime.date(2020, 1, 1)
    )
    response = client_for(world.outsider).get(
        "/api/v1/workforce/indicators/people/", {"on": "2018-01-01", "level": 2, "figure": "headcount"}
    )
    assert response.status_code == 200
    assert "Người Đã Chuyển" not in response.content.decode()


def test_indicator_dates_out_of_range_are_a_400_not_a_500(world, api_for):
    for on in ("0001-01-01", "9999-12-31"):
        response = api_for(world.province_admin).get("/api/v1/workforce/indicators/retirement-outlook/", {"on": on})
        assert response.status_code == 400 and "on" in response.json()["errors"]
