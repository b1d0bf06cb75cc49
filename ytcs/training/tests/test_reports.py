"""Training reports: hand-computed figures on a small world built through the services, scope, query counts that do
not grow with the data, the Excel files, the API and the one-page PDF of a region.

The trained world (today T; classes in the past):

    PROV plan 2025 (adopted): L1 ECG for RA, 2 classes, 50 M, seats A1 3 + A2 2
                              L2 ECG for RB, 1 class, 30 M, seats B1 4
                              L3 CME for PROV, 1 class, 10 M, no seats
    c1  RA  ECG  L1  03/2025 completed  cost 20 M   Hoa (A1) passed, Bình (A1) failed, Cúc (A2) passed
    c2  RB  ECG  L2  04/2025 completed  cost 12 M   Dũng (B1) passed
    c2x RB  ECG  L2  cancelled          cost 5 M
    c3  RA  CME  —   05/2024 completed             Hoa (A1) passed
    c4  RA  ECG  L1  10/2025 scheduled             Bình (A1) passed (class not completed), Em (RA) withdrawn

    Sponsorships (as of T), serving in RA unless said:
    sp1 studying (back 2030)                 cost 100 M   sent by RA, serve A1
    sp2 overdue (back 31/01/2026)            cost 200 M   sent by RA, serve A1
    sp3 returning in 2 months                cost  50 M   sent by RA, serve A2
    sp4 serving (back 01/08/2025, 5 years)   cost 240 M   sent by RA, serve A2
    sp5 fulfilled (back 2019, 2 years)       cost  80 M   sent by RA, serve A1
    sp6 breached (served 12 of 60 months)    cost 100 M   sent by RA, serve A1; due 80 M, reimbursed 30 M
    sp7 studying                             cost   1 M   sent by RB, serve B1
    sp8 studying (back in 3 months)          cost  10 M   sent by PROV, serve A2
"""

from __future__ import annotations

import contextlib
import datetime
import io
import re
import zlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ytcs.core.dates import add_months
from ytcs.core.testing import factories
from ytcs.core.testing.factories import (
    EnrolmentFactory,
    OrgUnitFactory,
    SponsorshipFactory,
    StaffFactory,
    TrainingClassFactory,
)
from ytcs.orgunits.models import OrgUnitKind
from ytcs.training import reports, services
from ytcs.training.models import ClassStatus, EnrolmentResult
from ytcs.training.reports import Rollup, TrainedFilters

pytestmark = pytest.mark.django_db

D = datetime.date
T = timezone.localdate()
M = 1_000_000


def _class(user, unit, course, code, start, *, line=None, cost=None):
    return services.class_create(
        user=user,
        orgunit=unit,
        course=course,
        code=code,
        starts_on=start,
        ends_on=start + datetime.timedelta(days=4),
        line=line,
        cost=cost,
    )


def _results(user, training_class, results, *, complete=True):
    for staff, result in results:
        enrolment = services.enrol(user=user, training_class=training_class, staff=staff)
        if result == EnrolmentResult.WITHDRAWN:
            services.enrolment_withdraw(user=user, enrolment=enrolment)
        elif result != EnrolmentResult.ENROLLED:
            services.enrolment_record(user=user, enrolment=enrolment, result=result)
    if complete:
        on = training_class.ends_on + datetime.timedelta(days=3)
        services.class_complete(user=user, training_class=training_class, on=on)


def _sponsor(user, unit, serve, name, *, starts, back, cost, years=5):
    return services.sponsorship_create(
        user=user,
        orgunit=unit,
        serve_unit=serve,
        kind="addressed",
        trainee_name=name,
        programme="Bác sĩ đa khoa",
        level="university",
        institution="Trường Đại học Y Dược Huế",
        starts_on=starts,
        expected_return_on=back,
        cost=Decimal(cost),
        commitment_years=Decimal(years),
    )


@pytest.fixture
def trained(world):
    w = SimpleNamespace(**vars(world))
    admin, manager, outsider = w.province_admin, w.region_manager, w.outsider
    ecg, cme = factories.course("dien-tam-do"), factories.course("cme-co-so")
    w.hoa = StaffFactory(full_name="Nguyễn Thị Hoa", orgunit=w.station_a1, title=factories.title("dieu-duong"))
    w.binh = StaffFactory(full_name="Trần Văn Bình", orgunit=w.station_a1)
    w.cuc = StaffFactory(full_name="Lê Thị Cúc", orgunit=w.station_a2, title=factories.title("dieu-duong"))
    w.dung = StaffFactory(full_name="Phạm Văn Dũng", orgunit=w.station_b1)
    w.em = StaffFactory(full_name="Hoàng Văn Em", orgunit=w.region_a)

    plan = services.plan_create(user=admin, orgunit=w.province, year=2025, name="Kế hoạch đào tạo năm 2025")
    l1 = services.line_save(user=admin, plan=plan, course=ecg, group=w.region_a, classes=2, budget=50 * M, quarter=1)
    services.seat_set(user=admin, line=l1, orgunit=w.station_a1, seats=3)
    services.seat_set(user=admin, line=l1, orgunit=w.station_a2, seats=2)
    l2 = services.line_save(user=admin, plan=plan, course=ecg, group=w.region_b, classes=1, budget=30 * M)
    services.seat_set(user=admin, line=l2, orgunit=w.station_b1, seats=4)
    l3 = services.line_save(user=admin, plan=plan, course=cme, group=w.province, classes=1, budget=10 * M)
    w.plan = services.plan_adopt(user=admin, plan=plan, on=D(2025, 1, 15))
    w.l1, w.l2, w.l3 = l1, l2, l3

    c1 = _class(manager, w.region_a, ecg, "RA-ECG-1", D(2025, 3, 3), line=l1, cost=20 * M)
    _results(manager, c1, [(w.hoa, "passed"), (w.binh, "failed"), (w.cuc, "passed")])
    c2 = _class(outsider, w.region_b, ecg, "RB-ECG-1", D(2025, 4, 7), line=l2, cost=12 * M)
    _results(outsider, c2, [(w.dung, "passed")])
    c2x = _class(outsider, w.region_b, ecg, "RB-ECG-2", D(2025, 6, 2), line=l2, cost=5 * M)
    services.class_cancel(user=outsider, training_class=c2x)
    c3 = _class(manager, w.region_a, cme, "RA-CME-1", D(2024, 5, 6))
    _results(manager, c3, [(w.hoa, "passed")])
    c4 = _class(manager, w.region_a, ecg, "RA-ECG-2", D(2025, 10, 6), line=l1)
    _results(manager, c4, [(w.binh, "passed"), (w.em, "withdrawn")], complete=False)

    ra, a1, a2 = w.region_a, w.station_a1, w.station_a2
    w.sp1 = _sponsor(manager, ra, a1, "Vũ Thị Một", starts=D(2024, 9, 5), back=D(2030, 6, 30), cost=100 * M)
    w.sp2 = _sponsor(manager, ra, a1, "Đặng Văn Hai", starts=D(2022, 9, 5), back=D(2026, 1, 31), cost=200 * M)
    w.sp3 = _sponsor(manager, ra, a2, "Bùi Thị Ba", starts=D(2023, 9, 5), back=add_months(T, 2), cost=50 * M)
    sp4 = _sponsor(manager, ra, a2, "Ngô Văn Bốn", starts=D(2021, 9, 5), back=D(2025, 7, 31), cost=240 * M)
    services.sponsorship_return(user=manager, sponsorship=sp4, returned_on=D(2025, 8, 1))
    sp5 = _sponsor(manager, ra, a1, "Lý Thị Năm", starts=D(2015, 9, 1), back=D(2019, 6, 30), cost=80 * M, years=2)
    services.sponsorship_return(user=manager, sponsorship=sp5, returned_on=D(2019, 7, 1))
    sp6 = _sponsor(manager, ra, a1, "Mai Văn Sáu", starts=D(2020, 9, 1), back=D(2024, 6, 30), cost=100 * M)
    services.sponsorship_return(user=manager, sponsorship=sp6, returned_on=D(2024, 7, 1))
    sp6 = services.sponsorship_breach(user=manager, sponsorship=sp6, left_on=D(2025, 7, 1), reason="Chuyển công tác")
    services.sponsorship_reimbursed(user=manager, sponsorship=sp6, amount=Decimal(30 * M))
    w.sp6 = sp6
    rb, b1 = w.region_b, w.station_b1
    w.sp7 = _sponsor(outsider, rb, b1, "Tô Văn Bảy", starts=D(2024, 9, 5), back=D(2029, 6, 30), cost=1 * M)
    w.sp8 = _sponsor(admin, w.province, a2, "Hà Thị Tám", starts=D(2022, 9, 5), back=add_months(T, 3), cost=10 * M)
    return w


def trained_report(user, level, root=None, years=(2024, 2025), course=None, units=None):
    rollup = Rollup(user=user, level=level, root=root)
    filters = TrainedFilters(year_from=years[0], year_to=years[1], course=course)
    return reports.trained_report(user=user, rollup=rollup, filters=filters, units=units)


def figures(report):
    return {row.unit.code: (row.figures.passes, row.figures.people) for row in report.rows}


# ---------------------------------------------------------------------------------------------- people trained


def test_people_trained_count_passes_in_completed_classes_by_unit_course_and_year(trained):
    report = trained_report(trained.province_admin, level=2)
    # Bình failed c1 and passed c4, which is not completed; Em withdrew; c2x was cancelled.
    assert figures(report) == {"RA": (3, 2), "RB": (1, 1)}
    assert (report.total.passes, report.total.people) == (4, 3)
    ra = report.rows[0]
    assert [(line.course.code, line.year, line.figures.passes, line.figures.people) for line in ra.lines] == [
        ("cme-co-so", 2024, 1, 1),
        ("dien-tam-do", 2025, 2, 2),
    ]
    courses = {c.course.code: (c.figures.passes, c.figures.people, c.by_year) for c in report.courses}
    assert courses == {"dien-tam-do": (3, 3, {2025: 3}), "cme-co-so": (1, 1, {2024: 1})}
    assert report.course_table[0][1] == [1, 0] and report.year_totals == [1, 3]


def test_people_trained_roll_up_to_the_stations_and_filter_by_course_and_year(trained):
    report = trained_report(trained.province_admin, level=3, root=trained.region_a)
    assert figures(report) == {"A1": (2, 1), "A2": (1, 1)}
    ecg = factories.course("dien-tam-do")
    assert figures(trained_report(trained.province_admin, level=2, course=ecg)) == {"RA": (2, 2), "RB": (1, 1)}
    assert figures(trained_report(trained.province_admin, level=2, years=(2024, 2024))) == {"RA": (1, 1)}


def test_a_regional_managers_report_does_not_count_region_b(trained):
    report = trained_report(trained.region_manager, level=2)
    assert figures(report) == {"RA": (3, 2)}
    assert (report.total.passes, report.total.people) == (3, 2)
    assert {c.course.code: c.figures.passes for c in report.courses} == {"dien-tam-do": 2, "cme-co-so": 1}
    # The outsider organised nothing in region A and sees none of it, whatever the level.
    assert trained_report(trained.outsider, level=2).total.passes == 1
    assert trained_report(trained.outsider, level=1).rows == []


def test_the_trained_page_shows_the_units_and_keeps_a_bad_value_beside_its_error(trained, client_for):
    client = client_for(trained.region_manager)
    url = reverse("training:report_trained")
    response = client.get(url, {"year_from": 2024, "year_to": 2025, "level": 3})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Trạm Y tế xã Nguyễn Huệ" in body and "Trạm Y tế xã Bình Minh" not in body
    response = client.get(url, {"year_from": 2026, "year_to": 2024})
    form = response.context["form"]
    assert "year_to" in form.errors and form["year_to"].value() == "2024"
    # The report fell back to the default years (the last five) instead of showing nothing.
    assert response.context["report"].filters.year_to == T.year
    assert client.get(url, {"orgunit": "RB"}).status_code == 404
    fragment = client.get(url, {"year_from": 2024}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="report-page")
    assert b"<html" not in fragment.content and "Điện tâm đồ cơ bản" in fragment.content.decode()


def _more_passes(world, n):
    """n more stations under RA, each with a person who passed a completed class of 2025 (factories: fast)."""
    for i in range(n):
        station = OrgUnitFactory(kind=OrgUnitKind.STATION, parent=world.region_a, name=f"Trạm Y tế thêm {i}")
        training_class = TrainingClassFactory(
            orgunit=world.region_a,
            starts_on=D(2025, 5, 5),
            ends_on=D(2025, 5, 9),
            status=ClassStatus.COMPLETED,
            completed_on=D(2025, 5, 12),
            course=factories.course("cap-cuu-co-ban" if i % 2 else "dien-tam-do"),
        )
        EnrolmentFactory(
            training_class=training_class, staff=StaffFactory(orgunit=station), result=EnrolmentResult.PASSED
        )
        SponsorshipFactory(orgunit=world.region_a, serve_unit=station, expected_return_on=D(2029, 7, 31))


def _crowd(world):
    """Every course passed in 2025 in region A, two more adopted plans with a line of every course for it, and a
    dozen more trainees due back: more than the one page of the region lists."""
    from ytcs.core.testing.factories import PlannedCourseFactory, TrainingPlanFactory
    from ytcs.training.models import Course

    courses = list(Course.objects.all())
    for i in range(2):
        plan = TrainingPlanFactory(
            orgunit=world.province, year=2025, status="adopted", adopted_on=D(2025, 1, 2), name=f"Kế hoạch bổ sung {i}"
        )
        for course in courses:
            PlannedCourseFactory(plan=plan, course=course, group=world.region_a, classes=3, budget=123_456_789)
    for i, course in enumerate(courses):
        station = OrgUnitFactory(kind=OrgUnitKind.STATION, parent=world.region_a, name=f"Trạm Y tế xã Đông Phước {i}")
        training_class = TrainingClassFactory(
            orgunit=world.region_a,
            course=course,
            credits=course.credits or 8,
            starts_on=D(2025, 5, 5),
            ends_on=D(2025, 5, 9),
            status=ClassStatus.COMPLETED,
            completed_on=D(2025, 5, 12),
        )
        EnrolmentFactory(
            training_class=training_class, staff=StaffFactory(orgunit=station), result=EnrolmentResult.PASSED
        )
    for i in range(12):
        SponsorshipFactory(
            orgunit=world.region_a,
            serve_unit=world.station_a2,
            trainee_name=f"Nguyễn Thị Phương Thảo {i}",
            programme="Chuyên khoa I Y học gia đình",
            expected_return_on=add_months(T, 1 + i % 5),
        )


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("training:report_trained", {"year_from": 2024, "year_to": 2025, "level": 3}),
        ("training:report_trained_export", {"year_from": 2024, "year_to": 2025, "level": 3}),
        ("training:report_commitments", {"level": 3}),
        ("training:report_commitments_export", {"level": 3}),
        ("training:report_plan_vs_done", {}),
        ("training:report_plan_vs_done_export", {}),
    ],
)
def test_query_counts_do_not_grow_with_the_rows(trained, client_for, django_assert_max_num_queries, name, params):
    client = client_for(trained.region_manager)
    url = reverse(name)
    if "plan_vs_done" in name:
        params = {"plan": trained.plan.pk}
    before = _queries(client, url, params)
    _more_passes(trained, 12)
    with django_assert_max_num_queries(before):
        response = client.get(url, params)
    assert response.status_code == 200
    assert before <= 20


# ---------------------------------------------------------------------------------------------- plan against done


def _line(report, line):
    row = next(r for r in report.rows if r.line.pk == line.pk)
    f = row.figures
    return (f.seats, f.enrolled, f.passed, f.completion, f.classes, f.opened, f.budget, f.cost)


def test_plan_against_done_counts_seats_participants_classes_and_cost_per_line(trained):
    report = reports.plan_vs_done(user=trained.region_manager, plan=trained.plan)
    # L1: Hoa, Bình, Cúc in c1 and Bình in c4 (Em withdrew); passed only in the completed c1.
    assert _line(report, trained.l1) == (5, 4, 2, Decimal("40.0"), 2, 2, 50 * M, 20 * M)
    # L2: the cancelled class is neither opened nor costed.
    assert _line(report, trained.l2) == (4, 1, 1, Decimal("25.0"), 1, 1, 30 * M, 12 * M)
    assert _line(report, trained.l3) == (0, 0, 0, None, 1, 0, 10 * M, 0)
    t = report.total
    assert (t.seats, t.enrolled, t.passed, t.completion, t.classes, t.opened) == (9, 5, 3, Decimal("33.3"), 4, 3)
    assert (t.budget, t.cost, t.spent_percent) == (90 * M, 32 * M, Decimal("35.6"))
    only_ra = reports.plan_vs_done(user=trained.region_manager, plan=trained.plan, group=trained.region_a)
    assert [row.line.pk for row in only_ra.rows] == [trained.l1.pk] and only_ra.total.seats == 5


def test_the_plan_page_and_its_export(trained, client_for):
    client = client_for(trained.station_head)  # a provincial plan is seen by the stations below
    url = reverse("training:report_plan_vs_done")
    empty = client.get(url)
    assert empty.status_code == 200 and empty.context["report"] is None
    response = client.get(url, {"plan": trained.plan.pk})
    assert response.status_code == 200 and "40,0%" in response.content.decode()
    export = client.get(reverse("training:report_plan_vs_done_export"), {"plan": trained.plan.pk})
    ws = load_workbook(io.BytesIO(export.content))["Kế hoạch - thực hiện"]
    assert [c.value for c in ws[2]][:7] == [
        "Khóa học",
        "Cho đơn vị",
        "Quý",
        "Chỉ tiêu (chỗ)",
        "Đã ghi danh",
        "Đạt",
        "Tỷ lệ hoàn thành (%)",
    ]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert rows[-1][:7] == ["Tổng cộng", None, None, 9, 5, 3, 33.3]
    assert client.get(url, {"plan": 999999}).status_code == 404


# ---------------------------------------------------------------------------------------------- sponsorships


def commitments(user, level, root=None, side="serving"):
    return reports.commitments_report(user=user, rollup=Rollup(user=user, level=level, root=root), side=side, on=T)


def _c(figures):
    return (
        figures.total,
        figures.studying,
        figures.overdue,
        figures.returning,
        figures.serving,
        figures.fulfilled,
        figures.breached,
    )


def test_sponsored_training_per_unit_in_every_state(trained):
    report = commitments(trained.region_manager, level=2)
    ra = report.rows[0].figures
    assert [row.unit.code for row in report.rows] == ["RA"]
    # sp1, sp2 (overdue), sp3 (returning), sp8 (returning) studying; sp4 serving; sp5 fulfilled; sp6 breached.
    assert _c(ra) == (7, 4, 1, 2, 1, 1, 1)
    assert (ra.cost, ra.due, ra.reimbursed, ra.outstanding) == (780 * M, 80 * M, 30 * M, 50 * M)
    assert _c(report.total) == _c(ra)
    # Counted where they were sent from, the province's trainee is on no row of the regional manager.
    assert _c(commitments(trained.region_manager, level=2, side="sending").total) == (6, 3, 1, 1, 1, 1, 1)
    by_station = commitments(trained.region_manager, level=3, root=trained.region_a)
    assert {row.unit.code: _c(row.figures) for row in by_station.rows} == {
        "A1": (4, 2, 1, 0, 0, 1, 1),
        "A2": (3, 2, 0, 2, 1, 0, 0),
    }


def test_the_province_sees_both_regions_and_the_outsider_only_its_own(trained):
    province = commitments(trained.province_admin, level=2)
    assert {row.unit.code: row.figures.total for row in province.rows} == {"RA": 7, "RB": 1}
    assert province.total.total == 8
    outsider = commitments(trained.outsider, level=2)
    assert {row.unit.code: row.figures.total for row in outsider.rows} == {"RB": 1}
    assert outsider.total.cost == 1 * M


def test_the_commitments_export_has_vietnamese_headers_and_the_totals(trained, client_for):
    client = client_for(trained.region_manager)
    response = client.get(reverse("training:report_commitments_export"), {"level": 2})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content))["Đào tạo theo cam kết"]
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["Mã đơn vị (đơn vị phục vụ)", "Tên đơn vị", "Tổng số", "Đang học"]
    assert "Phải bồi hoàn (đồng)" in headers and "Sắp về (6 tháng)" in headers
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert rows[0][:4] == ["RA", "Trung tâm Y tế khu vực Hòa An", 7, 4]
    assert rows[-1][1] == "Tổng cộng" and rows[-1][-1] == 50 * M


def test_the_trained_export_opens_with_vietnamese_headers(trained, client_for):
    client = client_for(trained.province_admin)
    response = client.get(reverse("training:report_trained_export"), {"year_from": 2024, "year_to": 2025, "level": 2})
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Theo đơn vị", "Theo khóa học", "Chi tiết"]
    units = [[c.value for c in row] for row in wb["Theo đơn vị"].iter_rows()]
    assert units == [
        ["Mã đơn vị", "Tên đơn vị", "Lượt đạt", "Số người"],
        ["RA", "Trung tâm Y tế khu vực Hòa An", 3, 2],
        ["RB", "Trung tâm Y tế khu vực Bình Sơn", 1, 1],
        [None, "Tổng cộng", 4, 3],
    ]
    courses = [[c.value for c in row] for row in wb["Theo khóa học"].iter_rows()]
    assert courses[0] == ["Mã khóa học", "Khóa học", "Lượt đạt 2024", "Lượt đạt 2025", "Lượt đạt", "Số người"]
    assert ["dien-tam-do", "Điện tâm đồ cơ bản", 0, 3, 3, 3] in courses
    detail = [[c.value for c in row] for row in wb["Chi tiết"].iter_rows(min_row=2)]
    assert ["RA", "Trung tâm Y tế khu vực Hòa An", "cme-co-so", factories.course("cme-co-so").name, 2024, 1, 1] in (
        detail
    )


# ---------------------------------------------------------------------------------------------- API


def test_the_api_answers_the_same_figures(trained, api_for):
    client = api_for(trained.region_manager)
    trained_data = client.get(
        reverse("training-report-trained"), {"year_from": 2024, "year_to": 2025, "level": 3}
    ).json()
    assert trained_data["total"] == {"passes": 3, "people": 2}
    assert {(u["orgunit"], u["passes"], u["people"]) for u in trained_data["units"]} == {("A1", 2, 1), ("A2", 1, 1)}
    assert {"orgunit": "A1", "course": "cme-co-so", "year": 2024, "passes": 1, "people": 1}.items() <= next(
        r for r in trained_data["results"] if r["course"] == "cme-co-so"
    ).items()
    plan = client.get(reverse("training-report-plan-vs-done"), {"plan": trained.plan.pk}).json()
    assert plan["total"]["completion"] == 33.3 and plan["total"]["actual_cost"] == 32 * M
    line = next(r for r in plan["results"] if r["line"] == trained.l1.pk)
    assert (line["seats"], line["enrolled"], line["passed"], line["opened"], line["group"]) == (5, 4, 2, 2, "RA")
    sponsored = client.get(reverse("training-report-commitments"), {"level": 2}).json()
    assert sponsored["total"]["total"] == 7 and sponsored["total"]["outstanding"] == 50 * M
    assert sponsored["results"][0]["orgunit"] == "RA" and sponsored["by"] == "serving"


def test_the_api_rejects_bad_parameters_with_field_errors(trained, api_for):
    client = api_for(trained.region_manager)
    response = client.get(reverse("training-report-trained"), {"year_from": 2026, "year_to": 2024})
    assert response.status_code == 400 and "year_to" in response.json()["errors"]
    response = client.get(reverse("training-report-trained"), {"course": "khong-co"})
    assert response.status_code == 400 and "course" in response.json()["errors"]
    assert client.get(reverse("training-report-plan-vs-done")).status_code == 400
    response = client.get(reverse("training-report-commitments"), {"orgunit": "RA", "level": 1})
    assert response.status_code == 400 and "level" in response.json()["errors"]
    assert client.get(reverse("training-report-commitments"), {"orgunit": "RB"}).status_code == 404


# ---------------------------------------------------------------------------------------------- region PDF


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams included) inflated, to look for objects in it."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match.group(1)))
    return b"\n".join(parts)


def test_the_region_summary_has_the_years_figures(trained):
    summary = reports.region_summary(user=trained.region_manager, region=trained.region_a, year=2025, on=T)
    assert [(c.course.code, c.figures.passes) for c in summary.courses] == [("dien-tam-do", 2)]
    assert [row.line.pk for row in summary.lines] == [trained.l1.pk]
    assert summary.lines_total.completion == Decimal("40.0")
    assert _c(summary.commitments) == (7, 4, 1, 2, 1, 1, 1) and summary.commitments.due == 80 * M
    assert [s.trainee_name for s in summary.returns] == ["Đặng Văn Hai", "Bùi Thị Ba", "Hà Thị Tám"]
    assert all(gap.size > 0 for gap in summary.gaps)
    assert any(gap.summary.norm.code == "tram-co-ho-sinh" for gap in summary.gaps)  # nobody has a midwife


def test_the_region_pdf_is_one_a4_page_with_an_embedded_vietnamese_font(trained, client_for, monkeypatch):
    from ytcs.training import views_reports

    rendered = []
    real = views_reports.render_pdf
    monkeypatch.setattr(views_reports, "render_pdf", lambda html: rendered.append(html) or real(html))
    _crowd(trained)  # more courses, lines, returns and gaps than the page lists
    response = client_for(trained.region_manager).get(
        reverse("training:report_region_pdf", args=["RA"]), {"year": 2025}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="bao-cao-dao-tao-RA-2025.pdf"' in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    inflated = _inflated(pdf)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", inflated)) == 1
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+DejaVu", inflated)
    html = rendered[0]
    assert "Trung tâm Y tế khu vực Hòa An" in html and "Đặng Văn Hai" in html and "2025" in html
    assert '"DejaVu Sans"' in html and "http" not in html.split("<body>")[0]


def test_a_region_outside_the_scope_or_a_bad_year_answers_404(trained, client_for):
    url = reverse("training:report_region_pdf", args=["RA"])
    assert client_for(trained.outsider).get(url).status_code == 404
    assert client_for(trained.station_head).get(url).status_code == 404
    assert client_for(trained.region_manager).get(url, {"year": "20x5"}).status_code == 404
    station = reverse("training:report_region_pdf", args=["A1"])
    assert client_for(trained.province_admin).get(station).status_code == 404  # not a region


def test_the_index_links_one_pdf_per_region_the_user_sees(trained, client_for):
    url = reverse("training:reports")
    province = client_for(trained.province_viewer).get(url, {"year": 2025}).content.decode()
    assert "/training/reports/region/RA.pdf?year=2025" in province and "/region/RB.pdf" in province
    regional = client_for(trained.region_manager).get(url).content.decode()
    assert f"/region/RA.pdf?year={T.year}" in regional and "/region/RB.pdf" not in regional
    assert "/region/" not in client_for(trained.station_head).get(url).content.decode()


def test_the_pdf_never_opens_a_url(monkeypatch):
    import urllib.request

    from ytcs.core.pdf import render_pdf

    opened = []
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", lambda self, *args, **kwargs: opened.append(args))
    html = '<link rel="stylesheet" href="https://cdn.example.com/x.css"><img src="file:///etc/hostname"><p>Trạm</p>'
    assert render_pdf(html).startswith(b"%PDF") and opened == []


def _json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a "null" type, refs point into the document."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    if "$ref" in node:
        node["$ref"] = node["$ref"].replace("#/components/schemas/", "#/definitions/")
    return node


def test_the_api_answers_match_their_openapi_schema(trained, api_for):
    import jsonschema
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    definitions = _json_schema(schema["components"]["schemas"])
    client = api_for(trained.province_admin)
    for path, params in (
        ("trained", {"year_from": 2024, "year_to": 2025, "level": 3}),
        ("plan-vs-done", {"plan": trained.plan.pk}),
        ("commitments", {"level": 2, "by": "sending"}),
    ):
        url = f"/api/v1/training/reports/{path}/"
        operation = schema["paths"][url]["get"]
        body = _json_schema(operation["responses"]["200"]["content"]["application/json"]["schema"])
        response = client.get(url, params)
        assert response.status_code == 200
        data = response.json()
        assert data["results"], path
        jsonschema.Draft4Validator({**body, "definitions": definitions}).validate(data)  # OpenAPI 3.0 is draft 4
        documented = {p["name"] for p in operation["parameters"]}
        assert set(params) <= documented
