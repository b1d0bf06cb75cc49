"""Behaviour of the training plan, needs analysis and catalogue pages."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ytcs.core.testing.factories import (
    EnrolmentFactory,
    OrgUnitFactory,
    PlannedCourseFactory,
    StaffFactory,
    TrainingClassFactory,
    TrainingPlanFactory,
    course,
    title,
)
from ytcs.orgunits.models import OrgUnitKind
from ytcs.training import services
from ytcs.training.models import (
    Course,
    LineStatus,
    NeedReason,
    PlannedCourse,
    PlannedSeat,
    PlannedTrainee,
    PlanStatus,
    StaffingNorm,
    TrainingPlan,
)
from ytcs.training.needs import training_year_default
from ytcs.workforce.models import Certificate, Competency, MoveKind, Staff, StaffStatus
from ytcs.workforce.services import staff_move

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def plan(world):
    """Region A's draft plan for 2027 with one ECG line for the region."""
    plan = TrainingPlanFactory(orgunit=world.region_a, year=2027, name="Kế hoạch khu vực A 2027")
    PlannedCourseFactory(plan=plan, course=course("dien-tam-do"), group=world.region_a)
    return plan


@pytest.fixture
def line(plan):
    return plan.lines.get()


@pytest.fixture
def people(world):
    """Hà (assistant doctor) at A1, Bình (nurse) at A2, Minh (doctor) at B1."""
    return {
        "ha": StaffFactory(orgunit=world.station_a1, full_name="Nguyễn Thu Hà", title=title("y-si")),
        "binh": StaffFactory(orgunit=world.station_a2, full_name="Trần Văn Bình", title=title("dieu-duong")),
        "minh": StaffFactory(orgunit=world.station_b1, full_name="Lê Đức Minh", title=title("bac-si")),
    }


def errors_of(response, form: str = "form") -> dict:
    return response.context[form].errors


# ---------------------------------------------------------------------------------------------------- plans


def test_a_regional_manager_creates_a_draft_plan(world, client_for):
    response = client_for(world.region_manager).post(
        reverse("training:plan_create"),
        {"orgunit": world.region_a.pk, "year": "2027", "name": "  Kế hoạch   đào tạo 2027 ", "note": "Dự thảo lần 1"},
    )
    plan = TrainingPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("training:plan_detail", args=[plan.pk])
    assert (plan.orgunit, plan.year, plan.name, plan.status) == (
        world.region_a,
        2027,
        "Kế hoạch đào tạo 2027",
        PlanStatus.DRAFT,
    )


def test_the_plan_form_offers_only_units_the_user_may_change_and_defaults_to_next_year(world, client_for):
    response = client_for(world.region_manager).get(reverse("training:plan_create"))
    form = response.context["form"]
    assert set(form.fields["orgunit"].queryset.values_list("code", flat=True)) == {"RA", "A1", "A2"}
    assert form["year"].value() == training_year_default(today())


def test_a_plan_of_a_unit_outside_ones_scope_is_refused_and_the_form_keeps_what_was_typed(world, client_for):
    response = client_for(world.region_manager).post(
        reverse("training:plan_create"),
        {"orgunit": world.region_b.pk, "year": "1999", "name": "Kế hoạch B", "note": "ghi chú"},
    )
    assert response.status_code == 200
    errors = errors_of(response)
    assert set(errors) == {"orgunit", "year"}
    assert 'value="Kế hoạch B"' in response.text and "ghi chú" in response.text
    assert not TrainingPlan.objects.exists()


def test_a_duplicate_plan_name_is_refused_on_the_form(plan, world, client_for):
    response = client_for(world.region_manager).post(
        reverse("training:plan_create"), {"orgunit": world.region_a.pk, "year": "2027", "name": plan.name}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert TrainingPlan.objects.count() == 1


def test_plan_list_filters_by_year_status_and_unit(plan, world, client_for):
    TrainingPlanFactory(orgunit=world.province, year=2026, name="Kế hoạch Sở 2026")
    TrainingPlanFactory(orgunit=world.region_b, year=2027, name="Kế hoạch khu vực B 2027")
    client = client_for(world.province_admin)
    names = lambda query: [p.name for p in client.get(reverse("training:plan_list"), query).context["page"]]  # noqa: E731
    assert set(names({})) == {"Kế hoạch khu vực A 2027", "Kế hoạch Sở 2026", "Kế hoạch khu vực B 2027"}
    assert names({"year": "2026"}) == ["Kế hoạch Sở 2026"]
    assert set(names({"orgunit": "RB"})) == {"Kế hoạch khu vực B 2027"}
    assert names({"status": "adopted"}) == []
    # A bad value is ignored, the other filters still apply.
    assert set(names({"year": "abc", "orgunit": "RA"})) == {"Kế hoạch khu vực A 2027"}


def test_plan_list_shows_lines_seats_and_budget(plan, line, people, world, client_for):
    services.line_save(user=world.region_manager, plan=plan, line=line, budget=12_500_000)
    services.seat_set(user=world.region_manager, line=line, orgunit=world.station_a1, seats=4)
    response = client_for(world.region_manager).get(reverse("training:plan_list"))
    row = response.context["page"][0]
    assert (row.line_count, row.seat_count, row.budget_total) == (1, 4, 12_500_000)
    assert "12.500.000" in response.text


def test_plan_list_query_count_does_not_grow_with_rows(world, client_for):
    client = client_for(world.province_admin)
    TrainingPlanFactory(orgunit=world.region_a, year=2027)
    client.get(reverse("training:plan_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("training:plan_list"))
    for i in range(30):
        plan = TrainingPlanFactory(orgunit=[world.province, world.region_a, world.region_b][i % 3], year=2020 + i % 8)
        PlannedCourseFactory(plan=plan, course=course("cap-cuu-co-ban"), group=plan.orgunit, budget=1000 * i)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("training:plan_list"))
    assert response.context["page"].paginator.count == 31
    assert len(many) == len(few)
    assert len(many) <= 10


def test_plan_detail_shows_the_lines_with_plan_against_done(plan, line, people, world, client_for):
    services.trainee_add(user=world.region_manager, line=line, staff=people["ha"])
    services.seat_set(user=world.region_manager, line=line, orgunit=world.station_a2, seats=2)
    services.plan_adopt(user=world.region_manager, plan=plan, on=today())
    training_class = TrainingClassFactory(orgunit=world.region_a, course=course("dien-tam-do"), line=line)
    EnrolmentFactory(training_class=training_class, staff=people["ha"])
    response = client_for(world.station_head).get(reverse("training:plan_detail", args=[plan.pk]))
    assert response.status_code == 200
    shown = response.context["lines"][0]
    assert (shown.seat_count, shown.named_count, shown.class_count, shown.enrolled_count, shown.passed_count) == (
        3,
        1,
        1,
        1,
        0,
    )
    # A station head reads the region's plan but changes nothing in it.
    context = response.context
    assert not (context["can_edit"] or context["can_add_line"] or context["can_adopt"] or context["can_delete"])
    assert reverse("training:plan_edit", args=[plan.pk]) not in response.text


def test_plan_detail_shows_the_history(plan, world, client_for):
    client = client_for(world.region_manager)
    client.post(reverse("training:plan_edit", args=[plan.pk]), {"name": plan.name, "year": "2027", "note": "Bản 2"})
    response = client.get(reverse("training:plan_detail", args=[plan.pk]))
    assert any(entry.changes.get("note") for entry in response.context["history"])
    assert "Bản 2" in response.text


def test_editing_the_year_of_an_adopted_plan_is_refused(plan, world, client_for):
    services.plan_adopt(user=world.region_manager, plan=plan, on=today())
    response = client_for(world.region_manager).post(
        reverse("training:plan_edit", args=[plan.pk]), {"name": plan.name, "year": "2028", "decision": "9/QĐ"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'value="9/QĐ"' in response.text
    plan.refresh_from_db()
    assert (plan.year, plan.decision) == (2027, "")


# ---------------------------------------------------------------------------------------------------- adoption


def test_a_regional_manager_adopts_the_plan_of_the_region(plan, world, client_for):
    client = client_for(world.region_manager)
    assert client.get(reverse("training:plan_detail", args=[plan.pk])).context["adopt_form"] is not None
    response = client.post(
        reverse("training:plan_adopt", args=[plan.pk]), {"on": dmy(today()), "decision": "45/QĐ-TTYT"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.adopted_on, plan.decision) == (PlanStatus.ADOPTED, today(), "45/QĐ-TTYT")


def test_a_station_head_may_not_adopt_even_the_plan_of_the_station(world, client_for):
    plan = TrainingPlanFactory(orgunit=world.station_a1, year=2027, name="Kế hoạch trạm A1")
    PlannedCourseFactory(plan=plan, course=course("cap-cuu-co-ban"), group=world.station_a1)
    client = client_for(world.station_head)
    page = client.get(reverse("training:plan_detail", args=[plan.pk]))
    assert page.context["can_edit"] and page.context["adopt_form"] is None
    assert reverse("training:plan_adopt", args=[plan.pk]) not in page.text
    response = client.post(reverse("training:plan_adopt", args=[plan.pk]), {"on": dmy(today()), "decision": "1/QĐ"})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.decision == ""
    # The regional manager above may.
    client_for(world.region_manager).post(reverse("training:plan_adopt", args=[plan.pk]), {"on": dmy(today())})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ADOPTED


def test_adoption_in_the_future_is_refused_on_its_field_keeping_what_was_typed(plan, world, client_for):
    tomorrow = today() + datetime.timedelta(days=1)
    response = client_for(world.region_manager).post(
        reverse("training:plan_adopt", args=[plan.pk]), {"on": dmy(tomorrow), "decision": "77/QĐ-TTYT"}
    )
    assert response.status_code == 200
    assert set(response.context["adopt_form"].errors) == {"on"}
    assert 'value="77/QĐ-TTYT"' in response.text and dmy(tomorrow) in response.text
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_a_plan_without_courses_cannot_be_adopted(world, client_for):
    empty = TrainingPlanFactory(orgunit=world.region_a, year=2027)
    response = client_for(world.region_manager).post(
        reverse("training:plan_adopt", args=[empty.pk]), {"on": dmy(today())}
    )
    assert response.status_code == 200
    assert response.context["adopt_form"].non_field_errors()
    assert TrainingPlan.objects.get(pk=empty.pk).status == PlanStatus.DRAFT


def test_an_adopted_plan_is_closed_and_cannot_be_deleted(plan, world, client_for):
    services.plan_adopt(user=world.region_manager, plan=plan, on=today())
    client = client_for(world.region_manager)
    response = client.post(reverse("training:plan_delete", args=[plan.pk]), follow=True)
    assert TrainingPlan.objects.filter(pk=plan.pk).exists()
    assert any(m.level_tag == "error" for m in response.context["messages"])
    client.post(reverse("training:plan_close", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED


def test_a_draft_plan_is_deleted_with_its_lines(plan, line, people, world, client_for):
    services.trainee_add(user=world.region_manager, line=line, staff=people["ha"])
    response = client_for(world.region_manager).post(reverse("training:plan_delete", args=[plan.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("training:plan_list")
    assert not TrainingPlan.objects.exists() and not PlannedCourse.objects.exists()
    assert not PlannedTrainee.objects.exists() and not PlannedSeat.objects.exists()


# ---------------------------------------------------------------------------------------------------- lines


def line_data(world, **overrides) -> dict:
    data = {
        "course": course("cap-cuu-co-ban").pk,
        "group": world.region_a.pk,
        "provider": "",
        "quarter": "3",
        "classes": "2",
        "budget": "60000000",
        "funding_source": "target_programme",
        "note": "",
    }
    return {**data, **overrides}


def test_a_course_line_is_added_to_a_draft_plan(plan, world, client_for):
    response = client_for(world.region_manager).post(reverse("training:line_create", args=[plan.pk]), line_data(world))
    added = plan.lines.get(course__code="cap-cuu-co-ban")
    assert response.status_code == 302 and response["Location"] == reverse("training:line_detail", args=[added.pk])
    assert (added.group, added.quarter, added.classes, added.budget, added.funding_source) == (
        world.region_a,
        3,
        2,
        60_000_000,
        "target_programme",
    )
    assert added.provider == course("cap-cuu-co-ban").provider  # the course's usual provider when left empty


def test_a_line_for_units_outside_the_plan_is_refused(plan, world, client_for):
    response = client_for(world.region_manager).post(
        reverse("training:line_create", args=[plan.pk]), line_data(world, group=world.region_b.pk, quarter="5")
    )
    assert response.status_code == 200
    assert set(errors_of(response)) == {"group", "quarter"}
    assert 'value="60000000"' in response.text
    assert plan.lines.count() == 1


def test_lines_of_an_adopted_plan_change_only_timing_budget_and_status(plan, line, world, client_for):
    services.plan_adopt(user=world.region_manager, plan=plan, on=today())
    client = client_for(world.region_manager)
    form = client.get(reverse("training:line_edit", args=[line.pk])).context["form"]
    assert form.fields["course"].disabled and form.fields["group"].disabled
    response = client.post(
        reverse("training:line_edit", args=[line.pk]),
        line_data(world, course=course("cme-co-so").pk, budget="90000000", status=LineStatus.POSTPONED),
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.course.code, line.budget, line.status) == ("dien-tam-do", 90_000_000, LineStatus.POSTPONED)
    # Adding a course is refused with the reason on the form.
    response = client.post(reverse("training:line_create", args=[plan.pk]), line_data(world))
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert plan.lines.count() == 1


def test_a_line_is_removed_from_a_draft_plan(plan, line, world, client_for):
    response = client_for(world.region_manager).post(reverse("training:line_delete", args=[line.pk]))
    assert response["Location"] == reverse("training:plan_detail", args=[plan.pk])
    assert not plan.lines.exists()


@pytest.fixture
def adopted_line(world):
    """An ECG line for region A's units on the adopted provincial plan."""
    plan = TrainingPlanFactory(
        orgunit=world.province, year=2026, status=PlanStatus.ADOPTED, adopted_on=today() - datetime.timedelta(days=30)
    )
    return PlannedCourseFactory(plan=plan, course=course("dien-tam-do"), group=world.region_a, classes=2)


def open_class_href(response) -> str | None:
    found = re.search(r'<a role="button" id="open-class" href="([^"]+)"', response.text)
    return found.group(1).replace("&amp;", "&") if found else None


def test_a_class_is_opened_from_the_line_of_an_adopted_plan(adopted_line, world, client_for):
    client = client_for(world.region_manager)
    page = client.get(reverse("training:line_detail", args=[adopted_line.pk]))
    assert page.context["classes"] == []
    href = open_class_href(page)
    assert href == f"{reverse('training:class_create')}?line={adopted_line.pk}"
    form = client.get(href)
    assert form.status_code == 200
    assert re.search(rf'<input type="hidden" name="line" value="{adopted_line.pk}"', form.text)


def test_the_open_class_button_is_for_those_who_may_change_a_unit_of_the_lines_branch(adopted_line, world, client_for):
    shown = {
        persona: open_class_href(
            client_for(getattr(world, persona)).get(reverse("training:line_detail", args=[adopted_line.pk]))
        )
        is not None
        for persona in ("province_admin", "region_manager", "station_head", "viewer", "province_viewer", "outsider")
    }
    assert shown == {
        "province_admin": True,
        "region_manager": True,
        "station_head": True,  # A1 lies under the line's region: it may run a class for it
        "viewer": False,
        "province_viewer": False,
        "outsider": False,  # region B reads the provincial plan, a line of region A is not its to run
    }


def test_a_draft_line_offers_no_class(line, world, client_for):
    page = client_for(world.region_manager).get(reverse("training:line_detail", args=[line.pk]))
    assert page.status_code == 200 and open_class_href(page) is None


def test_the_line_page_lists_the_classes_opened_for_the_line(adopted_line, world, client_for):
    start = today() + datetime.timedelta(days=10)
    dates = {"starts_on": start, "ends_on": start + datetime.timedelta(days=4)}
    ecg = course("dien-tam-do")
    services.class_create(
        user=world.region_manager, orgunit=world.region_a, course=ecg, code="DTD-KH-01", line=adopted_line, **dates
    )
    other = PlannedCourseFactory(plan=adopted_line.plan, course=ecg, group=world.region_b)
    services.class_create(user=world.outsider, orgunit=world.region_b, course=ecg, code="DTD-KH-B", line=other, **dates)
    TrainingClassFactory(orgunit=world.region_a, course=ecg, code="DTD-NGOAI")  # not from the plan
    for persona in ("region_manager", "station_head", "province_admin"):
        page = client_for(getattr(world, persona)).get(reverse("training:line_detail", args=[adopted_line.pk]))
        assert [c.code for c in page.context["classes"]] == ["DTD-KH-01"], persona
        table = page.text.split('id="line-classes"')[1].split("</table>")[0]
        assert "DTD-KH-01" in table and "DTD-KH-B" not in table and "DTD-NGOAI" not in table
    # A unit that cannot see the class does not get it listed.
    page = client_for(world.outsider).get(reverse("training:line_detail", args=[adopted_line.pk]))
    assert page.context["classes"] == []


# ---------------------------------------------------------------------------------------------------- seats, trainees


def test_seats_are_set_changed_and_removed(line, world, client_for):
    client = client_for(world.region_manager)
    url = reverse("training:seat_set", args=[line.pk])
    assert client.post(url, {"orgunit": world.station_a2.pk, "seats": "3"}).status_code == 302
    assert line.seats.get(orgunit=world.station_a2).seats == 3
    client.post(url, {"orgunit": world.station_a2.pk, "seats": "5"})
    assert line.seats.get(orgunit=world.station_a2).seats == 5
    client.post(url, {"orgunit": world.station_a2.pk, "seats": "0"})
    assert not line.seats.exists()


def test_seats_below_the_people_named_are_refused_on_the_field(line, people, world, client_for):
    services.trainee_add(user=world.region_manager, line=line, staff=people["ha"])
    response = client_for(world.region_manager).post(
        reverse("training:seat_set", args=[line.pk]), {"orgunit": world.station_a1.pk, "seats": "0"}
    )
    assert response.status_code == 200
    assert set(response.context["seat_form"].errors) == {"seats"}
    assert line.seats.get(orgunit=world.station_a1).seats == 1


def test_seats_of_a_unit_outside_the_line_are_refused(line, world, client_for):
    response = client_for(world.province_admin).post(
        reverse("training:seat_set", args=[line.pk]), {"orgunit": world.station_b1.pk, "seats": "2"}
    )
    assert response.status_code == 200 and set(response.context["seat_form"].errors) == {"orgunit"}
    assert not line.seats.exists()


def test_the_trainee_search_ignores_diacritics_and_stays_under_the_line(line, people, world, client_for):
    client = client_for(world.province_admin)
    services.trainee_add(user=world.province_admin, line=line, staff=people["ha"])
    found = client.get(reverse("training:line_detail", args=[line.pk]), {"q": "tran van binh"}).context["candidates"]
    assert [p.full_name for p in found] == ["Trần Văn Bình"]
    # Minh works in region B, outside the line; Hà is already on it.
    assert client.get(reverse("training:line_detail", args=[line.pk]), {"q": "le duc minh"}).context["candidates"] == []
    assert client.get(reverse("training:line_detail", args=[line.pk]), {"q": "nguyen thu"}).context["candidates"] == []


def test_the_trainee_search_answers_htmx_with_the_results_only(line, people, world, client_for):
    response = client_for(world.region_manager).get(
        reverse("training:line_detail", args=[line.pk]),
        {"q": "binh"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="trainee-search",
    )
    assert "Trần Văn Bình" in response.text and "<html" not in response.text
    assert reverse("training:trainee_add", args=[line.pk]) in response.text


def test_a_trainee_is_added_and_their_units_seats_grow(line, people, world, client_for):
    response = client_for(world.region_manager).post(
        reverse("training:trainee_add", args=[line.pk]), {"staff": people["binh"].pk}
    )
    assert response.status_code == 302
    trainee = line.trainees.get()
    assert (trainee.staff, trainee.orgunit, trainee.reason) == (people["binh"], world.station_a2, NeedReason.CHOSEN)
    assert line.seats.get(orgunit=world.station_a2).seats == 1


def test_a_person_outside_the_line_cannot_be_added(line, people, world, client_for):
    response = client_for(world.province_admin).post(
        reverse("training:trainee_add", args=[line.pk]), {"staff": people["minh"].pk, "q": "minh"}
    )
    assert response.status_code == 200
    assert set(response.context["trainee_form"].errors) == {"staff"}
    assert 'value="minh"' in response.text
    assert not line.trainees.exists()


def test_a_trainee_named_twice_is_refused_with_the_reason(line, people, world, client_for):
    services.trainee_add(user=world.region_manager, line=line, staff=people["ha"])
    response = client_for(world.region_manager).post(
        reverse("training:trainee_add", args=[line.pk]), {"staff": people["ha"].pk}
    )
    assert response.status_code == 200
    assert "Nguyễn Thu Hà" in str(response.context["trainee_form"].errors["staff"])
    assert line.trainees.count() == 1


def test_a_trainee_is_removed_and_the_seat_goes_with_them(line, people, world, client_for):
    trainee = services.trainee_add(user=world.region_manager, line=line, staff=people["ha"])
    response = client_for(world.region_manager).post(reverse("training:trainee_remove", args=[line.pk, trainee.pk]))
    assert response.status_code == 302
    assert not line.trainees.exists() and not line.seats.exists()


def test_trainees_of_an_adopted_plan_are_fixed(plan, line, people, world, client_for):
    trainee = services.trainee_add(user=world.region_manager, line=line, staff=people["ha"])
    services.plan_adopt(user=world.region_manager, plan=plan, on=today())
    client = client_for(world.region_manager)
    page = client.get(reverse("training:line_detail", args=[line.pk]))
    assert page.context["seat_form"] is None and not page.context["may_edit_structure"]
    response = client.post(reverse("training:trainee_remove", args=[line.pk, trainee.pk]), follow=True)
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert line.trainees.count() == 1
    response = client.post(reverse("training:trainee_add", args=[line.pk]), {"staff": people["binh"].pk})
    assert response.status_code == 200 and response.context["trainee_form"].non_field_errors()
    assert line.trainees.count() == 1


def test_a_station_reading_the_provincial_plan_sees_only_its_own_trainees(people, world, client_for):
    plan = TrainingPlanFactory(orgunit=world.province, year=2027)
    line = PlannedCourseFactory(plan=plan, course=course("cme-co-so"), group=world.province)
    for person in people.values():
        services.trainee_add(user=world.province_admin, line=line, staff=person)
    head = client_for(world.station_head).get(reverse("training:line_detail", args=[line.pk]))
    assert [t.staff.full_name for t in head.context["page"]] == ["Nguyễn Thu Hà"]
    admin = client_for(world.province_admin).get(reverse("training:line_detail", args=[line.pk]))
    assert admin.context["page"].paginator.count == 3
    content = client_for(world.station_head).get(reverse("training:plan_export", args=[plan.pk])).content
    names = [
        row[4] for row in load_workbook(io.BytesIO(content))["Học viên dự kiến"].iter_rows(min_row=2, values_only=True)
    ]
    assert names == ["Nguyễn Thu Hà"]


def export_names(client, plan) -> list[tuple[str, str]]:
    """(unit recorded on the plan, name) of the people on the export's trainee sheet."""
    content = client.get(reverse("training:plan_export", args=[plan.pk])).content
    sheet = load_workbook(io.BytesIO(content))["Học viên dự kiến"]
    return [(row[2], row[4]) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_a_person_who_moved_away_leaves_the_stations_export_of_the_provincial_plan(people, world, client_for):
    """The export names the people the reader may see now, not those of the unit recorded when the plan was drawn."""
    plan = TrainingPlanFactory(orgunit=world.province, year=2027)
    line = PlannedCourseFactory(plan=plan, course=course("cme-co-so"), group=world.province)
    services.trainee_add(user=world.province_admin, line=line, staff=people["ha"])
    assert export_names(client_for(world.station_head), plan) == [("A1", "Nguyễn Thu Hà")]
    staff_move(
        user=world.province_admin, staff=people["ha"], to_unit=world.station_b1, kind=MoveKind.TRANSFER, on=today()
    )
    assert line.trainees.get().orgunit == world.station_a1  # the plan still records A1
    assert export_names(client_for(world.station_head), plan) == []
    assert export_names(client_for(world.region_manager), plan) == []
    assert export_names(client_for(world.outsider), plan) == [("A1", "Nguyễn Thu Hà")]  # B1's manager now sees her
    assert export_names(client_for(world.province_admin), plan) == [("A1", "Nguyễn Thu Hà")]


def test_a_person_who_left_stays_on_the_export_of_those_who_see_their_record(people, world, client_for):
    plan = TrainingPlanFactory(orgunit=world.region_a, year=2027)
    line = PlannedCourseFactory(plan=plan, course=course("cme-co-so"), group=world.region_a)
    services.trainee_add(user=world.region_manager, line=line, staff=people["ha"])
    Staff.objects.filter(pk=people["ha"].pk).update(status=StaffStatus.LEFT)
    assert export_names(client_for(world.station_head), plan) == [("A1", "Nguyễn Thu Hà")]


def test_the_plan_export_query_count_does_not_grow_with_lines(people, world, client_for):
    plan = TrainingPlanFactory(orgunit=world.province, year=2027)
    client = client_for(world.station_head)

    def add_line(code: str) -> None:
        line = PlannedCourseFactory(plan=plan, course=course(code), group=world.province)
        services.trainee_add(user=world.province_admin, line=line, staff=people["ha"])
        services.trainee_add(user=world.province_admin, line=line, staff=people["minh"])

    add_line("cme-co-so")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("training:plan_export", args=[plan.pk]))
    for code in ("dien-tam-do", "cap-cuu-co-ban"):
        add_line(code)
    with CaptureQueriesContext(connection) as three:
        assert export_names(client, plan) == [("A1", "Nguyễn Thu Hà")] * 3
    assert len(three) <= len(one) + 1  # the second call also reads the workbook: no query per line


# ---------------------------------------------------------------------------------------------------- export


def test_the_plan_exports_lines_seats_and_trainees(plan, line, people, world, client_for):
    services.line_save(user=world.region_manager, plan=plan, line=line, budget=8_000_000, quarter=2)
    services.trainee_add(user=world.region_manager, line=line, staff=people["ha"])
    services.seat_set(user=world.region_manager, line=line, orgunit=world.station_a2, seats=2)
    response = client_for(world.viewer).get(reverse("training:plan_export", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    lines = list(wb["Khóa học"].iter_rows(values_only=True))
    assert lines[0][:3] == ("Mã khóa học", "Khóa học", "Mã đơn vị")
    assert lines[1][0] == "dien-tam-do" and lines[1][2] == "RA"
    assert lines[1][5] == 2 and lines[1][8] == 3 and lines[1][12] == 8_000_000
    seats = list(wb["Chỉ tiêu đơn vị"].iter_rows(min_row=2, values_only=True))
    assert sorted((row[3], row[5]) for row in seats) == [("A1", 1), ("A2", 2)]
    trainees = list(wb["Học viên dự kiến"].iter_rows(min_row=2, values_only=True))
    assert [(row[2], row[4], row[7]) for row in trainees] == [("A1", "Nguyễn Thu Hà", "Người lập kế hoạch chọn")]
    assert ("Năm", 2027) in list(wb["Thông tin kế hoạch"].iter_rows(values_only=True))


# ---------------------------------------------------------------------------------------------------- needs


@pytest.fixture
def gaps(world, people):
    """Region A: A1 has an assistant doctor (Hà) and no doctor, A2 a nurse (Bình) and no doctor; Minh, a doctor,
    works at B1. Every licensed person is short of continuing-training hours."""
    return people


def summary_row(response, code: str):
    return next(row for row in response.context["summaries"] if row.norm.code == code)


def test_the_needs_page_defaults_to_the_users_highest_unit_and_next_year(world, client_for):
    for persona, code in (("province_admin", "PROV"), ("region_manager", "RA"), ("station_head", "A1")):
        response = client_for(getattr(world, persona)).get(reverse("training:needs"))
        params = response.context["params"]
        assert (params.root.code, params.year) == (code, training_year_default(today())), persona


def test_the_needs_page_shows_counts_per_norm_and_unconfirmed_badges(gaps, world, client_for):
    response = client_for(world.region_manager).get(reverse("training:needs"), {"orgunit": "RA", "year": "2027"})
    assert response.status_code == 200
    doctors = summary_row(response, "tram-co-bac-si")
    assert (doctors.units, doctors.missing, doctors.in_training) == (2, 2, 0)
    nurses = summary_row(response, "tram-co-dieu-duong")
    assert (nurses.units, nurses.missing) == (1, 1)
    # Hà (assistant doctor) and Bình (nurse) need a licence and have no hours; Minh is outside region A.
    assert summary_row(response, "du-gio-dao-tao-lien-tuc").people == 2
    assert 'class="units-short">2<' in response.text and 'class="people-short">2<' in response.text
    # Unconfirmed norms carry the badge; the confirmed CME norm does not.
    assert 'class="badge unconfirmed"' in response.text and "CHƯA XÁC NHẬN" in response.text
    rows = response.text.split("<tr>")
    cme_row = next(r for r in rows if "Thông tư 32/2023/TT-BYT, Điều 3" in r)
    assert "badge unconfirmed" not in cme_row
    doctor_row = next(r for r in rows if reverse("training:needs_norm", args=["tram-co-bac-si"]) in r)
    assert "badge unconfirmed" in doctor_row
    # The regional manager may propose a plan; a viewer of the region may not.
    assert reverse("training:needs_propose") in response.text
    viewer = client_for(world.viewer).get(reverse("training:needs"), {"orgunit": "RA"})
    assert not viewer.context["can_propose"] and reverse("training:needs_propose") not in viewer.text


def test_the_needs_page_says_it_is_computed_live(world, client_for):
    response = client_for(world.region_manager).get(reverse("training:needs"))
    assert 'id="live-note"' in response.text


def test_a_bad_year_is_shown_with_its_error_and_the_default_is_used(world, client_for):
    response = client_for(world.region_manager).get(reverse("training:needs"), {"year": "20x7"})
    assert response.status_code == 200
    assert "year" in response.context["form"].errors
    assert response.context["params"].year == training_year_default(today())
    assert 'value="20x7"' in response.text


def test_the_drill_down_lists_units_short_with_who_could_be_sent(gaps, world, client_for):
    url = reverse("training:needs_norm", args=["tram-co-bac-si"])
    response = client_for(world.region_manager).get(url, {"orgunit": "RA", "year": "2027"})
    rows = {row.unit.code: row for row in response.context["rows"]}
    assert set(rows) == {"A1", "A2"}
    assert [p.full_name for p in rows["A1"].candidates] == ["Nguyễn Thu Hà"]  # an assistant doctor can be upgraded
    assert rows["A2"].candidates == [] and rows["A2"].missing == 1


def test_a_gap_closed_by_a_completed_class_disappears(gaps, world, client_for):
    client = client_for(world.region_manager)
    url = reverse("training:needs_norm", args=["tram-dien-tam-do"])
    before = client.get(url, {"orgunit": "RA"}).context["rows"]
    assert {row.unit.code for row in before} == {"A1", "A2"}
    # Hà passes an ECG class: its completion records her certificate.
    training_class = TrainingClassFactory(
        orgunit=world.region_a,
        course=course("dien-tam-do"),
        starts_on=today() - datetime.timedelta(days=10),
        ends_on=today() - datetime.timedelta(days=5),
    )
    enrolment = EnrolmentFactory(training_class=training_class, staff=gaps["ha"])
    services.enrolment_record(user=world.region_manager, enrolment=enrolment, result="passed", days_attended=5)
    services.class_complete(user=world.region_manager, training_class=training_class, on=today())
    assert Certificate.objects.filter(staff=gaps["ha"], competency__code="dien-tam-do").exists()
    after = client.get(url, {"orgunit": "RA"}).context["rows"]
    assert {row.unit.code for row in after} == {"A2"}


def test_the_people_drill_down_shows_credits_against_the_requirement(gaps, world, client_for):
    url = reverse("training:needs_norm", args=["du-gio-dao-tao-lien-tuc"])
    response = client_for(world.province_admin).get(url, {"orgunit": "PROV"})
    rows = {person.full_name: short for person, short in response.context["rows"]}
    assert set(rows) == {"Nguyễn Thu Hà", "Trần Văn Bình", "Lê Đức Minh"}
    assert all(short == 120 for short in rows.values())


def test_an_unknown_norm_is_404(world, client_for):
    response = client_for(world.region_manager).get(reverse("training:needs_norm", args=["khong-co"]))
    assert response.status_code == 404


def test_needs_drill_down_query_count_does_not_grow_with_rows(world, client_for):
    client = client_for(world.province_admin)
    units = reverse("training:needs_norm", args=["tram-co-bac-si"])
    people = reverse("training:needs_norm", args=["du-gio-dao-tao-lien-tuc"])

    def counts() -> list[int]:
        result = []
        for url in (units, people):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, {"orgunit": "PROV"})
            assert response.status_code == 200
            result.append(len(ctx))
        return result

    StaffFactory(orgunit=world.station_a1, title=title("y-si"))
    client.get(units)
    few = counts()
    for i in range(20):
        station = OrgUnitFactory(code=f"S{i:02d}", kind=OrgUnitKind.STATION, parent=world.region_b)
        StaffFactory(orgunit=station, title=title("y-si"))
        StaffFactory(orgunit=station, title=title("y-si-san-nhi"))
    many = counts()
    assert many == few
    assert max(many) <= 14


def test_the_needs_export_has_the_summary_the_units_and_the_people(gaps, world, client_for):
    response = client_for(world.region_manager).get(reverse("training:needs_export"), {"orgunit": "RA", "year": "2027"})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row for row in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["tram-co-bac-si"][5] == "CHƯA XÁC NHẬN" and summary["tram-co-bac-si"][6] == 2
    assert summary["du-gio-dao-tao-lien-tuc"][5] == "Đã xác nhận" and summary["du-gio-dao-tao-lien-tuc"][9] == 2
    units = {(row[0], row[2]) for row in wb["Đơn vị thiếu"].iter_rows(min_row=2, values_only=True)}
    assert ("tram-co-bac-si", "A1") in units and ("tram-co-bac-si", "A2") in units
    people = [(row[0], row[2]) for row in wb["Người thiếu giờ"].iter_rows(min_row=2, values_only=True)]
    assert ("du-gio-dao-tao-lien-tuc", "Nguyễn Thu Hà") in people
    assert all(name != "Lê Đức Minh" for _code, name in people)  # region B is not under RA
    # One norm only.
    one = client_for(world.region_manager).get(
        reverse("training:needs_export"), {"orgunit": "RA", "norm": "tram-co-dieu-duong"}
    )
    wb = load_workbook(io.BytesIO(one.content))
    assert [row[0] for row in wb["Tổng hợp"].iter_rows(min_row=2, values_only=True)] == ["tram-co-dieu-duong"]
    assert [row[2] for row in wb["Đơn vị thiếu"].iter_rows(min_row=2, values_only=True)] == ["A1"]  # Bình nurses A2


def test_proposing_from_the_needs_creates_a_draft_plan_with_lines_and_named_people(gaps, world, client_for):
    response = client_for(world.region_manager).post(
        reverse("training:needs_propose"), {"orgunit": "RA", "year": "2027"}
    )
    plan = TrainingPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("training:plan_detail", args=[plan.pk])
    assert (plan.orgunit, plan.year, plan.status, plan.from_needs) == (world.region_a, 2027, PlanStatus.DRAFT, True)
    # Under a region, one line per course for the whole region; the seats say which station.
    named: dict[str, set] = {}
    for line in plan.lines.select_related("course", "group"):
        named.setdefault(line.course.code, set()).update(
            (t.staff.full_name, t.reason, line.group.code) for t in line.trainees.all()
        )
    assert named["lien-thong-bac-si"] == {("Nguyễn Thu Hà", NeedReason.TITLE, "RA")}
    assert named["cme-co-so"] == {("Nguyễn Thu Hà", NeedReason.CME, "RA"), ("Trần Văn Bình", NeedReason.CME, "RA")}
    upgrade = plan.lines.get(course__code="lien-thong-bac-si")
    assert upgrade.seats.get().orgunit == world.station_a1 and upgrade.seats.get().seats == 1
    assert upgrade.budget == course("lien-thong-bac-si").unit_cost
    assert not PlannedTrainee.objects.filter(staff=gaps["minh"]).exists()


def test_a_read_only_user_cannot_propose_and_nothing_is_saved(gaps, world, client_for):
    response = client_for(world.viewer).post(reverse("training:needs_propose"), {"orgunit": "RA", "year": "2027"})
    assert response.status_code == 403
    assert not TrainingPlan.objects.exists()


def test_a_bad_proposal_year_is_reported(world, client_for):
    response = client_for(world.region_manager).post(
        reverse("training:needs_propose"), {"orgunit": "RA", "year": "1900"}, follow=True
    )
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert not TrainingPlan.objects.exists()


# ---------------------------------------------------------------------------------------------------- catalogues


def test_the_course_catalogue_is_read_by_everyone_and_written_by_province_admins(world, client_for):
    response = client_for(world.station_head).get(reverse("training:course_list"))
    assert response.status_code == 200 and "Điện tâm đồ cơ bản" in response.text
    assert reverse("training:course_create") not in response.text
    assert (
        reverse("training:course_create") in client_for(world.province_admin).get(reverse("training:course_list")).text
    )


def test_a_continuing_course_without_hours_is_refused_on_its_field(world, client_for):
    data = {
        "code": "an-toan-tiem-chung",
        "name": "An toàn tiêm chủng",
        "kind": "continuing",
        "duration_days": "1",
        "class_size": "30",
        "unit_cost": "500000",
        "target_titles": [title("dieu-duong").pk],
        "source": "Thông tư 34/2018/TT-BYT",
        "is_active": "on",
    }
    client = client_for(world.province_admin)
    response = client.post(reverse("training:course_create"), data)
    assert response.status_code == 200
    assert set(errors_of(response)) == {"credits"}
    assert 'value="An toàn tiêm chủng"' in response.text
    assert not Course.objects.filter(code="an-toan-tiem-chung").exists()
    response = client.post(reverse("training:course_create"), {**data, "credits": "8"})
    assert response.status_code == 302
    created = Course.objects.get(code="an-toan-tiem-chung")
    assert [t.code for t in created.target_titles.all()] == ["dieu-duong"]


def test_unconfirmed_norms_are_flagged_in_the_list_and_on_their_form(world, client_for):
    client = client_for(world.province_admin)
    listed = client.get(reverse("training:norm_list")).text
    rows = listed.split("<tr>")
    doctor = next(r for r in rows if "tram-co-bac-si" in r)
    cme = next(r for r in rows if "du-gio-dao-tao-lien-tuc" in r)
    assert "badge unconfirmed" in doctor and "CHƯA XÁC NHẬN" in doctor
    assert "badge unconfirmed" not in cme
    unconfirmed = StaffingNorm.objects.get(code="tram-co-bac-si")
    form = client.get(reverse("training:norm_edit", args=[unconfirmed.pk])).text
    assert "badge unconfirmed" in form.split("</h1>")[0]
    confirmed = StaffingNorm.objects.get(code="du-gio-dao-tao-lien-tuc")
    assert (
        "badge unconfirmed" not in client.get(reverse("training:norm_edit", args=[confirmed.pk])).text.split("</h1>")[0]
    )


def test_a_certificate_norm_without_its_certificate_is_refused(world, client_for):
    response = client_for(world.province_admin).post(
        reverse("training:norm_create"),
        {
            "code": "tram-xet-nghiem",
            "name": "Trạm có người làm xét nghiệm",
            "kind": "competency",
            "unit_kind": "station",
            "minimum": "1",
            "source": "Yêu cầu của tỉnh",
            "sort_order": "90",
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and set(errors_of(response)) == {"competency"}
    assert not StaffingNorm.objects.filter(code="tram-xet-nghiem").exists()
    assert Competency.objects.filter(code="dien-tam-do").exists()
