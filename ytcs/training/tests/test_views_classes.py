"""Behaviour of the class, enrolment and sponsored-training pages."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ytcs.accounts.roles import Role
from ytcs.core.dates import add_months
from ytcs.core.testing.factories import (
    EnrolmentFactory,
    PlannedCourseFactory,
    RoleAssignmentFactory,
    SponsorshipFactory,
    StaffFactory,
    TrainingClassFactory,
    TrainingPlanFactory,
    course,
)
from ytcs.training import services
from ytcs.training.models import ClassStatus, Enrolment, EnrolmentResult, LineStatus, Sponsorship, TrainingClass
from ytcs.training.views_classes import PARTICIPANT_HEADERS, SPONSORSHIP_HEADERS
from ytcs.workforce.models import Certificate, CmeActivity

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def days_ago(n: int) -> datetime.date:
    return today() - datetime.timedelta(days=n)


@pytest.fixture
def people(world):
    """Hà at A1 and Bình at A2 (region A), Minh at B1 (region B)."""
    return {
        "ha": StaffFactory(orgunit=world.station_a1, full_name="Nguyễn Thu Hà", national_id="001190000001"),
        "binh": StaffFactory(orgunit=world.station_a2, full_name="Trần Văn Bình", national_id="001190000002"),
        "minh": StaffFactory(orgunit=world.station_b1, full_name="Lê Đức Minh", national_id="001190000003"),
    }


@pytest.fixture
def regional_class(world):
    """A five-day ECG class run by region A a month ago (credits 40 and the ECG certificate)."""
    return TrainingClassFactory(
        orgunit=world.region_a, code="DTD-2026-01", starts_on=days_ago(30), ends_on=days_ago(26)
    )


def enrolled(training_class, staff, **fields) -> Enrolment:
    return EnrolmentFactory(training_class=training_class, staff=staff, **fields)


def detail(training_class) -> str:
    return reverse("training:class_detail", args=[training_class.pk])


def grid_data(**rows) -> dict:
    """The results grid's post: {enrolment: (result, days, score)}."""
    data = {}
    for prefix, (result, days, score) in rows.items():
        data.update(
            {
                f"{prefix}-result": result,
                f"{prefix}-days_attended": days,
                f"{prefix}-score": score,
                f"{prefix}-note": "",
            }
        )
    return data


# --- creating and editing a class ---------------------------------------------------------------------------------


def test_a_new_class_takes_the_course_defaults(world, client_for):
    cme = course("cme-co-so")
    start = today() + datetime.timedelta(days=10)
    response = client_for(world.region_manager).post(
        reverse("training:class_create"),
        {
            "orgunit": world.region_a.pk,
            "course": cme.pk,
            "code": "cme-2026-02",
            "starts_on": dmy(start),
            "ends_on": dmy(start + datetime.timedelta(days=2)),
            "funding_source": "state_budget",
        },
    )
    assert response.status_code == 302
    created = TrainingClass.objects.get(code="CME-2026-02")
    assert response["Location"] == detail(created)
    assert (created.name, created.provider, created.credits, created.capacity) == (
        cme.name,
        cme.provider,
        cme.credits,
        cme.class_size,
    )
    assert created.orgunit == world.region_a and created.status == ClassStatus.SCHEDULED


def test_the_create_form_is_filled_from_the_chosen_course(world, client_for):
    ecg = course("dien-tam-do")
    response = client_for(world.region_manager).get(
        reverse("training:class_create"), {"course": ecg.pk, "code": "DTD-X", "location": "Hội trường"}
    )
    assert response.status_code == 200
    assert f'value="{ecg.name}"' in response.text
    assert 'value="DTD-X"' in response.text and 'value="Hội trường"' in response.text  # typed values are kept
    assert re.search(rf'<option value="{ecg.competency_id}" selected>', response.text)
    assert f'value="{ecg.class_size}"' in response.text


def test_a_class_opens_from_an_adopted_plan_line(world, client_for):
    plan = TrainingPlanFactory(orgunit=world.region_a, status="adopted", adopted_on=days_ago(60))
    line = PlannedCourseFactory(plan=plan, course=course("dien-tam-do"), group=world.region_a, provider="BVĐK tỉnh")
    client = client_for(world.region_manager)
    form = client.get(reverse("training:class_create"), {"line": line.pk})
    assert form.status_code == 200
    assert re.search(rf'<input type="hidden" name="line" value="{line.pk}"', form.text)
    assert re.search(rf'<option value="{world.region_a.pk}" selected>', form.text)
    assert 'value="BVĐK tỉnh"' in form.text
    start = today() + datetime.timedelta(days=5)
    response = client.post(
        reverse("training:class_create"),
        {
            "line": line.pk,
            "orgunit": world.region_a.pk,
            "course": line.course_id,
            "code": "DTD-KH-01",
            "name": "Điện tâm đồ – theo kế hoạch",
            "starts_on": dmy(start),
            "ends_on": dmy(start + datetime.timedelta(days=9)),
            "credits": "40",
            "funding_source": "state_budget",
        },
    )
    assert response.status_code == 302
    assert TrainingClass.objects.get(code="DTD-KH-01").line == line
    line.refresh_from_db()
    assert line.status == LineStatus.IN_PROGRESS


def test_a_plan_line_the_user_cannot_see_is_404(world, client_for):
    plan = TrainingPlanFactory(orgunit=world.region_b, status="adopted", adopted_on=days_ago(60))
    line = PlannedCourseFactory(plan=plan)
    assert client_for(world.region_manager).get(reverse("training:class_create"), {"line": line.pk}).status_code == 404


def test_a_class_cannot_be_organised_by_a_unit_the_user_may_not_change(world, client_for):
    start = today() + datetime.timedelta(days=5)
    response = client_for(world.station_head).post(
        reverse("training:class_create"),
        {
            "orgunit": world.region_a.pk,
            "course": course().pk,
            "code": "DTD-A",
            "starts_on": dmy(start),
            "ends_on": dmy(start),
            "funding_source": "state_budget",
        },
    )
    assert response.status_code == 200
    assert not TrainingClass.objects.exists()
    assert response.context["form"].errors["orgunit"]


def test_a_failed_form_keeps_what_was_typed_and_names_the_field(world, client_for):
    start = today() + datetime.timedelta(days=5)
    response = client_for(world.region_manager).post(
        reverse("training:class_create"),
        {
            "orgunit": world.region_a.pk,
            "course": course().pk,
            "code": "DTD-SAI",
            "location": "Phòng họp tầng 2",
            "starts_on": dmy(start),
            "ends_on": dmy(start - datetime.timedelta(days=3)),
            "funding_source": "state_budget",
        },
    )
    assert response.status_code == 200
    assert not TrainingClass.objects.exists()
    assert list(response.context["form"].errors) == ["ends_on"]
    assert 'value="DTD-SAI"' in response.text and 'value="Phòng họp tầng 2"' in response.text
    # The error sits in the "until" field's group, under its label.
    assert re.search(r'<label for="id_ends_on">[^<]+</label>\s*<ul class="errorlist"', response.text)


def test_editing_a_class_saves_only_what_changed(world, regional_class, client_for):
    client = client_for(world.region_manager)
    form = client.get(reverse("training:class_edit", args=[regional_class.pk]))
    data = {
        name: field.value() if field.value() is not None else ""
        for name, field in ((f.name, f) for f in form.context["form"])
    }
    data.update(
        location="Hội trường TTYT", starts_on=dmy(regional_class.starts_on), ends_on=dmy(regional_class.ends_on)
    )
    response = client.post(reverse("training:class_edit", args=[regional_class.pk]), data)
    assert response.status_code == 302
    regional_class.refresh_from_db()
    assert regional_class.location == "Hội trường TTYT"


# --- the class page --------------------------------------------------------------------------------------------------


def test_the_class_page_shows_dates_provider_what_passing_gives_and_participants(
    world, people, regional_class, client_for
):
    enrolled(regional_class, people["ha"], days_attended=5, result="passed", score=Decimal("8.5"))
    response = client_for(world.province_viewer).get(detail(regional_class))
    assert response.status_code == 200
    text = response.text
    assert f"{dmy(regional_class.starts_on)} – {dmy(regional_class.ends_on)}" in text
    assert regional_class.provider in text
    assert "Điện tâm đồ" in text and "40" in text
    assert "Nguyễn Thu Hà" in text and "8.5" in text
    assert 'id="results-form"' not in text  # read-only: no grid
    assert 'id="enrol"' not in text and 'id="reopen"' not in text


def test_participants_of_other_units_are_hidden_from_a_station_head(world, people, regional_class, client_for):
    enrolled(regional_class, people["ha"])
    enrolled(regional_class, people["binh"])
    response = client_for(world.station_head).get(detail(regional_class))
    assert response.status_code == 200
    assert "Nguyễn Thu Hà" in response.text and "Trần Văn Bình" not in response.text
    organiser = client_for(world.region_manager).get(detail(regional_class))
    assert "Nguyễn Thu Hà" in organiser.text and "Trần Văn Bình" in organiser.text


def test_the_history_of_the_class_is_shown(world, people, regional_class, client_for):
    services.enrol(user=world.station_head, training_class=regional_class, staff=people["ha"])
    response = client_for(world.region_manager).get(detail(regional_class))
    history = response.text.split('id="history"')[1]
    assert "Nguyễn Thu Hà" in history and "station_head" in history


# --- enrolment -------------------------------------------------------------------------------------------------------


def test_a_station_head_enrols_a_person_of_their_station(world, people, regional_class, client_for):
    client = client_for(world.station_head)
    page = client.get(detail(regional_class))
    candidates = page.text.split('id="enrol-candidates"')[1]
    assert "Nguyễn Thu Hà" in candidates and "Trần Văn Bình" not in candidates
    response = client.post(reverse("training:enrol", args=[regional_class.pk]), {"staff": people["ha"].pk})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(training_class=regional_class)
    assert enrolment.staff == people["ha"] and enrolment.enrolled_by == world.station_head


def test_the_enrol_search_ignores_diacritics(world, people, regional_class, client_for):
    StaffFactory(orgunit=world.station_a1, full_name="Nguyễn Văn Khoa")
    response = client_for(world.region_manager).get(
        reverse("training:enrol", args=[regional_class.pk]),
        {"q": "nguyen thu"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="enrol-candidates",
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Nguyễn Thu Hà" in response.text and "Nguyễn Văn Khoa" not in response.text


def test_enrolling_someone_the_user_cannot_see_is_404_and_saves_nothing(world, people, regional_class, client_for):
    response = client_for(world.station_head).post(
        reverse("training:enrol", args=[regional_class.pk]), {"staff": people["binh"].pk}
    )
    assert response.status_code == 404
    assert not Enrolment.objects.exists()


def test_enrolling_someone_the_user_may_only_read_is_refused(world, people, regional_class, client_for):
    """A station head who also reads the whole region sees Bình (A2) but may not enrol him."""
    RoleAssignmentFactory(user=world.station_head, role=Role.VIEWER, orgunit=world.region_a)
    client = client_for(world.station_head)
    candidates = client.get(detail(regional_class)).text.split('id="enrol-candidates"')[1]
    assert "Trần Văn Bình" not in candidates
    response = client.post(reverse("training:enrol", args=[regional_class.pk]), {"staff": people["binh"].pk})
    assert response.status_code == 403
    assert not Enrolment.objects.exists()


def test_an_enrolment_the_service_refuses_is_explained(world, people, regional_class, client_for):
    enrolled(regional_class, people["ha"])
    client = client_for(world.region_manager)
    response = client.post(reverse("training:enrol", args=[regional_class.pk]), {"staff": people["ha"].pk}, follow=True)
    assert Enrolment.objects.count() == 1
    assert "Nguyễn Thu Hà" in response.text.split('class="messages"')[1].split("</div>")[0]


def test_the_unit_of_a_participant_may_withdraw_them(world, people, regional_class, client_for):
    enrolment = enrolled(regional_class, people["ha"])
    response = client_for(world.station_head).post(reverse("training:enrolment_withdraw", args=[enrolment.pk]))
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.result == EnrolmentResult.WITHDRAWN


def enrol_section(response) -> str:
    return response.text.split('<section id="enrol">')[1].split("</section>")[0]


def test_a_full_class_offers_no_enrolment_and_says_it_is_full(world, people, client_for):
    training_class = TrainingClassFactory(
        orgunit=world.region_a, code="DTD-1-CHO", capacity=1, starts_on=days_ago(2), ends_on=days_ago(-2)
    )
    enrolment = enrolled(training_class, people["binh"])
    client = client_for(world.region_manager)  # who could enrol Hà were there a place
    page = client.get(detail(training_class))
    assert page.context["places_left"] == 0 and page.context["candidates"] == []
    section = enrol_section(page)
    assert 'id="class-full"' in section and page.context["full"] in section
    assert "Nguyễn Thu Hà" not in section and reverse("training:enrol", args=[training_class.pk]) not in section
    enrol_page = client.get(reverse("training:enrol", args=[training_class.pk]), {"q": "nguyen thu"})
    assert enrol_page.context["candidates"] == [] and 'id="class-full"' in enrol_page.text
    assert "Nguyễn Thu Hà" not in enrol_page.text and 'name="q"' not in enrol_page.text
    matches = client.get(
        reverse("training:enrol", args=[training_class.pk]),
        {"q": "nguyen thu"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="enrol-candidates",
    )
    assert 'id="class-full"' in matches.text and "Nguyễn Thu Hà" not in matches.text
    # A participant withdrawn frees the place: Hà may be enrolled again.
    services.enrolment_withdraw(user=world.region_manager, enrolment=enrolment)
    page = client.get(detail(training_class))
    assert page.context["places_left"] == 1 and not page.context["full"]
    section = enrol_section(page)
    assert 'id="class-full"' not in section and "Nguyễn Thu Hà" in section


# --- results -------------------------------------------------------------------------------------------------------


def test_the_results_grid_saves_every_row(world, people, regional_class, client_for):
    ha = enrolled(regional_class, people["ha"])
    binh = enrolled(regional_class, people["binh"])
    response = client_for(world.region_manager).post(
        reverse("training:enrolment_results", args=[regional_class.pk]),
        grid_data(**{f"e{ha.pk}": ("passed", "5", "9"), f"e{binh.pk}": ("failed", "2", "")}),
    )
    assert response.status_code == 302
    ha.refresh_from_db()
    binh.refresh_from_db()
    assert (ha.result, ha.days_attended, ha.score) == ("passed", 5, Decimal("9"))
    assert (binh.result, binh.days_attended, binh.score) == ("failed", 2, None)


def test_the_results_grid_saves_nothing_when_one_row_is_wrong_and_names_it(world, people, regional_class, client_for):
    ha = enrolled(regional_class, people["ha"])
    binh = enrolled(regional_class, people["binh"])
    response = client_for(world.region_manager).post(
        reverse("training:enrolment_results", args=[regional_class.pk]),
        # The class lasts five days: nine days attended is refused by the service, after Hà's row was recorded.
        grid_data(**{f"e{ha.pk}": ("passed", "5", "9"), f"e{binh.pk}": ("passed", "9", "")}),
    )
    assert response.status_code == 200
    errors = response.text.split('id="grid-errors"')[1].split("</div>")[0]
    assert "Trần Văn Bình" in errors and "Nguyễn Thu Hà" not in errors
    ha.refresh_from_db()
    assert ha.result == EnrolmentResult.ENROLLED and ha.days_attended is None
    # What was typed is shown again.
    assert re.search(rf'name="e{binh.pk}-days_attended" value="9"', response.text)


def test_a_result_the_form_rejects_is_named_too(world, people, regional_class, client_for):
    ha = enrolled(regional_class, people["ha"])
    binh = enrolled(regional_class, people["binh"])
    response = client_for(world.region_manager).post(
        reverse("training:enrolment_results", args=[regional_class.pk]),
        grid_data(**{f"e{ha.pk}": ("passed", "5", "150"), f"e{binh.pk}": ("passed", "4", "7")}),
    )
    assert response.status_code == 200
    errors = response.text.split('id="grid-errors"')[1].split("</div>")[0]
    assert "Nguyễn Thu Hà" in errors and "Trần Văn Bình" not in errors
    binh.refresh_from_db()
    assert binh.result == EnrolmentResult.ENROLLED


def test_only_the_organiser_records_results(world, people, regional_class, client_for):
    ha = enrolled(regional_class, people["ha"])
    response = client_for(world.station_head).post(
        reverse("training:enrolment_results", args=[regional_class.pk]),
        grid_data(**{f"e{ha.pk}": ("passed", "5", "")}),
    )
    assert response.status_code == 403
    ha.refresh_from_db()
    assert ha.result == EnrolmentResult.ENROLLED


# --- completing, reopening, cancelling --------------------------------------------------------------------------------


def test_completing_posts_hours_and_certificate_to_the_records_of_those_who_passed(
    world, people, regional_class, client_for
):
    enrolled(regional_class, people["ha"], result="passed", days_attended=5)
    enrolled(regional_class, people["binh"], result="failed", days_attended=1)
    client = client_for(world.region_manager)
    response = client.post(reverse("training:class_complete", args=[regional_class.pk]), {"on": dmy(today())})
    assert response.status_code == 302
    regional_class.refresh_from_db()
    assert regional_class.status == ClassStatus.COMPLETED
    activity = CmeActivity.objects.get(staff=people["ha"])
    certificate = Certificate.objects.get(staff=people["ha"])
    assert activity.credits == Decimal("40") and certificate.competency == regional_class.competency
    assert not CmeActivity.objects.filter(staff=people["binh"]).exists()
    # On the person's record, and in the training section of their page.
    record = client.get(reverse("workforce:staff_detail", args=[people["ha"].pk])).text
    assert regional_class.name in record.split('id="cme"')[1] and certificate.number in record
    assert reverse("training:staff_training", args=[people["ha"].pk]) in record
    fragment = client.get(reverse("training:staff_training", args=[people["ha"].pk])).text
    assert "DTD-2026-01" in fragment and 'href="#cme"' in fragment
    # And linked from the class page.
    page = client.get(detail(regional_class)).text
    staff_url = reverse("workforce:staff_detail", args=[people["ha"].pk])
    assert f'href="{staff_url}#cme"' in page and f'href="{staff_url}#certificates"' in page


def test_completing_with_results_missing_names_the_people(world, people, regional_class, client_for):
    enrolled(regional_class, people["ha"], result="passed")
    enrolled(regional_class, people["binh"])
    response = client_for(world.region_manager).post(
        reverse("training:class_complete", args=[regional_class.pk]), {"on": dmy(today())}
    )
    assert response.status_code == 200
    assert "Trần Văn Bình" in response.text
    assert f'value="{dmy(today())}"' in response.text
    regional_class.refresh_from_db()
    assert regional_class.status == ClassStatus.SCHEDULED and not CmeActivity.objects.exists()


def _completed(world, people, training_class, user):
    enrolled(training_class, people["ha"], result="passed", days_attended=5)
    services.class_complete(user=user, training_class=training_class, on=training_class.ends_on)
    training_class.refresh_from_db()
    return training_class


def test_a_regional_manager_reopens_a_completed_class_and_the_records_are_taken_back(
    world, people, regional_class, client_for
):
    _completed(world, people, regional_class, world.region_manager)
    client = client_for(world.region_manager)
    assert 'id="reopen"' in client.get(detail(regional_class)).text
    response = client.post(reverse("training:class_reopen", args=[regional_class.pk]), {"reason": "Nhập nhầm"})
    assert response.status_code == 302
    regional_class.refresh_from_db()
    assert regional_class.status == ClassStatus.SCHEDULED
    assert not CmeActivity.objects.exists() and not Certificate.objects.exists()


def test_a_station_head_may_not_reopen_a_class_of_their_station(world, people, client_for):
    station_class = TrainingClassFactory(
        orgunit=world.station_a1, code="A1-01", starts_on=days_ago(9), ends_on=days_ago(5)
    )
    _completed(world, people, station_class, world.station_head)
    client = client_for(world.station_head)
    assert 'id="reopen"' not in client.get(detail(station_class)).text
    response = client.post(reverse("training:class_reopen", args=[station_class.pk]), {"reason": "Nhập nhầm"})
    assert response.status_code == 403
    station_class.refresh_from_db()
    assert station_class.status == ClassStatus.COMPLETED and CmeActivity.objects.count() == 1


def test_reopening_needs_a_reason(world, people, regional_class, client_for):
    _completed(world, people, regional_class, world.region_manager)
    response = client_for(world.region_manager).post(
        reverse("training:class_reopen", args=[regional_class.pk]), {"reason": "  "}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    regional_class.refresh_from_db()
    assert regional_class.status == ClassStatus.COMPLETED


def test_cancelling_a_class(world, regional_class, client_for):
    response = client_for(world.region_manager).post(reverse("training:class_cancel", args=[regional_class.pk]))
    assert response.status_code == 302
    regional_class.refresh_from_db()
    assert regional_class.status == ClassStatus.CANCELLED


# --- the list ------------------------------------------------------------------------------------------------------


def test_the_class_list_filters_and_counts_participants(world, people, regional_class, client_for):
    enrolled(regional_class, people["ha"], result="passed")
    enrolled(regional_class, people["binh"], result="withdrawn")
    TrainingClassFactory(orgunit=world.region_b, code="RB-01")
    TrainingClassFactory(
        orgunit=world.province,
        code="PROV-01",
        course=course("cme-co-so"),
        starts_on=datetime.date(2025, 5, 5),
        ends_on=datetime.date(2025, 5, 7),
    )
    client = client_for(world.station_head)
    page = client.get(reverse("training:class_list"))
    codes = [c.code for c in page.context["page"].object_list]
    assert codes == ["DTD-2026-01", "PROV-01"]  # the province's classes are seen below it; region B's are not
    assert page.context["page"].object_list[0].participant_count == 1
    assert "DTD-2026-01" not in client.get(reverse("training:class_list"), {"year": 2025}).text
    assert "PROV-01" not in client.get(reverse("training:class_list"), {"orgunit": "RA"}).text
    assert "DTD-2026-01" not in client.get(reverse("training:class_list"), {"course": "cme-co-so"}).text
    assert "PROV-01" not in client.get(reverse("training:class_list"), {"q": "DTD"}).text


def test_the_class_list_query_count_does_not_grow_with_rows(world, people, client_for):
    client = client_for(world.province_admin)
    TrainingClassFactory(orgunit=world.region_a)
    client.get(reverse("training:class_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("training:class_list"))
    for i in range(12):
        c = TrainingClassFactory(orgunit=[world.region_a, world.region_b, world.station_a1][i % 3])
        enrolled(c, people["ha" if i % 3 != 1 else "minh"], result="passed")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("training:class_list"))
    assert len(response.context["page"].object_list) == 13
    assert len(many) == len(few) <= 12


def test_the_class_list_paginates_in_sql(world, client_for):
    for _ in range(60):
        TrainingClassFactory(orgunit=world.region_a)
    with CaptureQueriesContext(connection) as ctx:
        response = client_for(world.region_manager).get(reverse("training:class_list"), {"page": 2})
    assert response.status_code == 200
    assert any("LIMIT 25" in q["sql"] and "OFFSET 25" in q["sql"] for q in ctx.captured_queries)


def _class_of(world, size: int, code: str) -> TrainingClass:
    training_class = TrainingClassFactory(
        orgunit=world.region_a, code=code, starts_on=days_ago(30), ends_on=days_ago(26)
    )
    units = [world.station_a1, world.station_a2, world.satellite_a1]
    for i in range(size):
        person = StaffFactory(orgunit=units[i % 3], full_name=f"Học viên {code} {i}")
        enrolled(training_class, person, result="passed", days_attended=5)
    return training_class


def test_the_class_page_query_count_does_not_grow_with_participants(world, client_for):
    client = client_for(world.region_manager)
    small, large = _class_of(world, 2, "NHO"), _class_of(world, 17, "LON")

    def count(training_class) -> int:
        client.get(detail(training_class))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(detail(training_class)).status_code == 200
        return len(ctx)

    # Scheduled: the results grid and the enrol box.
    assert count(large) == count(small) <= 20
    for training_class in (small, large):
        services.class_complete(user=world.region_manager, training_class=training_class, on=today())
    # Completed: what each participant got, linked.
    assert count(large) == count(small) <= 20


# --- Excel ---------------------------------------------------------------------------------------------------------


def _workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def test_the_participants_export_opens_with_their_unit_title_days_result_and_score(
    world, people, regional_class, client_for
):
    enrolled(regional_class, people["ha"], result="passed", days_attended=5, score=Decimal("8.5"))
    enrolled(regional_class, people["binh"], result="failed", days_attended=2)
    wb = _workbook(client_for(world.region_manager).get(reverse("training:class_export", args=[regional_class.pk])))
    ws = wb["Học viên"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == PARTICIPANT_HEADERS
    by_name = {row[1]: row for row in rows[1:]}
    ha = by_name["Nguyễn Thu Hà"]
    assert (ha[4], ha[5], ha[7], ha[8], ha[9]) == (people["ha"].title.name, world.station_a1.name, 5, "Đạt", 8.5)
    assert by_name["Trần Văn Bình"][8] == "Không đạt"
    assert ws.cell(row=2, column=3).number_format == "DD/MM/YYYY"


def test_the_sponsorship_export_opens(world, client_for):
    SponsorshipFactory(orgunit=world.region_a, trainee_name="Lê Văn Học", national_id="001199000001")
    SponsorshipFactory(orgunit=world.region_b, trainee_name="Người Vùng B")
    wb = _workbook(client_for(world.region_manager).get(reverse("training:sponsorship_export")))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0] == SPONSORSHIP_HEADERS
    assert [row[0] for row in rows[1:]] == ["Lê Văn Học"]
    assert rows[1][1] == "001199000001" and rows[1][2] == "Đào tạo theo địa chỉ"


# --- sponsored training --------------------------------------------------------------------------------------------


def test_a_nominated_student_is_recorded_with_name_and_cccd(world, client_for):
    response = client_for(world.region_manager).post(
        reverse("training:sponsorship_create"),
        {
            "orgunit": world.region_a.pk,
            "kind": "nominated",
            "staff": "",
            "trainee_name": "  Hà   Thị Cử Tuyển ",
            "national_id": "045302000123",
            "programme": "Y sĩ đa khoa",
            "level": "secondary",
            "institution": "Trường Cao đẳng Y tế",
            "starts_on": "05/09/2024",
            "expected_return_on": "30/06/2026",
            "cost": "80000000",
            "funding_source": "state_budget",
            "commitment_years": "5",
            "serve_unit": world.station_a2.pk,
        },
    )
    assert response.status_code == 302
    sponsorship = Sponsorship.objects.get()
    assert (sponsorship.trainee_name, sponsorship.national_id, sponsorship.staff) == (
        "Hà Thị Cử Tuyển",
        "045302000123",
        None,
    )
    assert sponsorship.orgunit == world.region_a and sponsorship.serve_unit == world.station_a2


def test_a_health_worker_is_found_without_diacritics_and_linked(world, people, client_for):
    client = client_for(world.region_manager)
    options = client.get(
        reverse("training:sponsorship_create"),
        {"staff_q": "tran van binh"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="staff-options",
    )
    assert options.status_code == 200 and "<html" not in options.text
    assert f'value="{people["binh"].pk}"' in options.text and "Nguyễn Thu Hà" not in options.text
    assert (
        "Lê Đức Minh"
        not in client.get(
            reverse("training:sponsorship_create"),
            {"staff_q": "le duc minh"},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="staff-options",
        ).text
    )
    response = client.post(
        reverse("training:sponsorship_create"),
        {
            "orgunit": world.region_a.pk,
            "kind": "sent",
            "staff": people["binh"].pk,
            "programme": "Bác sĩ đa khoa",
            "level": "university",
            "institution": "Trường Đại học Y Dược Huế",
            "starts_on": "05/09/2025",
            "expected_return_on": "30/06/2029",
            "cost": "200000000",
            "funding_source": "state_budget",
            "commitment_years": "5",
        },
    )
    assert response.status_code == 302
    sponsorship = Sponsorship.objects.get()
    assert sponsorship.staff == people["binh"] and sponsorship.national_id == "001190000002"
    assert sponsorship.serve_unit == world.region_a  # empty: the sending unit


def test_the_sponsorship_form_keeps_what_was_typed(world, people, client_for):
    response = client_for(world.region_manager).post(
        reverse("training:sponsorship_create"),
        {
            "orgunit": world.region_a.pk,
            "kind": "sent",
            "staff": people["ha"].pk,
            "programme": "Bác sĩ CKI",
            "level": "specialist_1",
            "institution": "Đại học Y Hà Nội",
            "starts_on": "05/09/2025",
            "expected_return_on": "01/09/2025",
            "cost": "1000",
            "funding_source": "state_budget",
            "commitment_years": "3",
        },
    )
    assert response.status_code == 200
    assert not Sponsorship.objects.exists()
    assert "expected_return_on" in response.context["form"].errors
    assert 'value="Đại học Y Hà Nội"' in response.text
    assert re.search(rf'name="staff" value="{people["ha"].pk}" checked', response.text)


def test_a_breach_shows_the_computed_amount_with_the_rule(world, client_for):
    sponsorship = SponsorshipFactory(orgunit=world.region_a, cost=240_000_000, commitment_years=5)
    services.sponsorship_return(
        user=world.region_manager, sponsorship=sponsorship, returned_on=add_months(today(), -12)
    )
    client = client_for(world.region_manager)
    response = client.post(
        reverse("training:sponsorship_breach", args=[sponsorship.pk]),
        {"left_on": dmy(today()), "reason": "Chuyển sang cơ sở tư nhân"},
        follow=True,
    )
    assert response.status_code == 200
    sponsorship.refresh_from_db()
    # 240,000,000 × (60 − 12) / 60 months.
    assert sponsorship.reimbursement_due == Decimal("192000000")
    amount = response.text.split('id="amount-due"')[1].split("</dd>")[0]
    assert "192.000.000" in amount and "(60 − 12) / 60" in amount
    assert "192.000.000" in response.text.split('class="messages"')[1].split("</div>")[0]
    assert 'id="rule-unconfirmed"' in response.text and "CHƯA XÁC NHẬN" in response.text


def test_repayment_cannot_exceed_the_amount_due(world, client_for):
    sponsorship = SponsorshipFactory(orgunit=world.region_a, cost=100_000_000)
    services.sponsorship_breach(
        user=world.region_manager, sponsorship=sponsorship, left_on=days_ago(5), reason="Bỏ học"
    )
    url = reverse("training:sponsorship_reimbursed", args=[sponsorship.pk])
    client = client_for(world.region_manager)
    response = client.post(url, {"amount": "150000000"})
    assert response.status_code == 200 and 'value="150000000"' in response.text
    assert client.post(url, {"amount": "40000000"}).status_code == 302
    sponsorship.refresh_from_db()
    assert sponsorship.reimbursed == Decimal("40000000")


def test_recording_the_return_starts_the_commitment(world, client_for):
    sponsorship = SponsorshipFactory(orgunit=world.region_a, commitment_years=Decimal("2.5"))
    response = client_for(world.region_manager).post(
        reverse("training:sponsorship_return", args=[sponsorship.pk]), {"returned_on": "01/07/2026", "staff": ""}
    )
    assert response.status_code == 302
    sponsorship.refresh_from_db()
    assert sponsorship.returned_on == datetime.date(2026, 7, 1)
    assert sponsorship.commitment_ends_on == datetime.date(2029, 1, 1)


def test_the_serving_unit_sees_the_sponsorship_but_may_not_change_it(world, client_for):
    sponsorship = SponsorshipFactory(orgunit=world.region_b, serve_unit=world.station_a1, trainee_name="Đinh Văn Về")
    client = client_for(world.station_head)
    assert "Đinh Văn Về" in client.get(reverse("training:sponsorship_list")).text
    page = client.get(reverse("training:sponsorship_detail", args=[sponsorship.pk]))
    assert page.status_code == 200 and reverse("training:sponsorship_edit", args=[sponsorship.pk]) not in page.text
    assert client.get(reverse("training:sponsorship_edit", args=[sponsorship.pk])).status_code == 403


def test_the_sponsorship_list_filters_by_state_and_totals_follow(world, client_for):
    SponsorshipFactory(orgunit=world.region_a, trainee_name="Quá Hạn", expected_return_on=days_ago(30), cost=100)
    SponsorshipFactory(
        orgunit=world.region_a, trainee_name="Còn Học", expected_return_on=add_months(today(), 20), cost=200
    )
    left = SponsorshipFactory(orgunit=world.region_a, trainee_name="Đã Rời", cost=300, national_id="001188000003")
    services.sponsorship_breach(user=world.region_manager, sponsorship=left, left_on=days_ago(1), reason="Bỏ học")
    client = client_for(world.region_manager)
    everything = client.get(reverse("training:sponsorship_list"))
    totals = everything.context["totals"]
    assert (totals["studying"], totals["overdue"], totals["breached"], totals["cost"], totals["due"]) == (
        2,
        1,
        1,
        600,
        300,
    )
    overdue = client.get(reverse("training:sponsorship_list"), {"state": "overdue"})
    assert "Quá Hạn" in overdue.text and "Còn Học" not in overdue.text
    assert overdue.context["totals"]["total"] == 1
    breached = client.get(reverse("training:sponsorship_list"), {"state": "breached", "q": "001188000003"})
    assert [s.trainee_name for s in breached.context["page"].object_list] == ["Đã Rời"]
    by_name = client.get(reverse("training:sponsorship_list"), {"q": "da roi"})  # diacritics ignored
    assert [s.trainee_name for s in by_name.context["page"].object_list] == ["Đã Rời"]


def test_the_sponsorship_list_query_count_does_not_grow_with_rows(world, people, client_for):
    client = client_for(world.province_admin)
    SponsorshipFactory(orgunit=world.region_a)
    client.get(reverse("training:sponsorship_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("training:sponsorship_list"))
    for i in range(12):
        SponsorshipFactory(
            orgunit=[world.region_a, world.region_b][i % 2],
            serve_unit=world.station_a1,
            staff=StaffFactory(orgunit=world.station_a2) if i % 3 == 0 else None,
            target_title=people["ha"].title,
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("training:sponsorship_list"))
    assert len(response.context["page"].object_list) == 13
    assert len(many) == len(few) <= 12


def test_upcoming_returns_are_grouped_by_the_unit_to_serve(world, client_for):
    SponsorshipFactory(
        orgunit=world.region_a,
        serve_unit=world.station_a1,
        trainee_name="Sắp Về A1",
        expected_return_on=add_months(today(), 2),
    )
    SponsorshipFactory(
        orgunit=world.region_a, serve_unit=world.station_a2, trainee_name="Quá Hạn A2", expected_return_on=days_ago(20)
    )
    SponsorshipFactory(
        orgunit=world.region_a,
        serve_unit=world.station_a1,
        trainee_name="Còn Xa A1",
        expected_return_on=add_months(today(), 20),
    )
    back = SponsorshipFactory(
        orgunit=world.region_a,
        serve_unit=world.station_a1,
        trainee_name="Đã Về A1",
        expected_return_on=add_months(today(), 1),
    )
    services.sponsorship_return(user=world.region_manager, sponsorship=back, returned_on=days_ago(3))
    response = client_for(world.region_manager).get(reverse("training:upcoming_returns"))
    assert response.status_code == 200
    sections = dict(re.findall(r'<section class="serve-unit" data-unit="(\w+)">(.*?)</section>', response.text, re.S))
    assert list(sections) == ["A1", "A2"]
    assert "Sắp Về A1" in sections["A1"] and "Quá Hạn A2" not in sections["A1"]
    assert "Quá Hạn A2" in sections["A2"] and "<mark>" in sections["A2"]
    assert "Còn Xa A1" not in response.text and "Đã Về A1" not in response.text


# --- the training section of a person's record --------------------------------------------------------------------


def test_the_staff_training_fragment_lists_classes_and_sponsorships(world, people, regional_class, client_for):
    enrolled(regional_class, people["ha"], result="passed", days_attended=5)
    SponsorshipFactory(
        orgunit=world.station_a1, staff=people["ha"], trainee_name="Nguyễn Thu Hà", programme="Bác sĩ CKI Nhi"
    )
    response = client_for(world.station_head).get(reverse("training:staff_training", args=[people["ha"].pk]))
    assert response.status_code == 200 and "<html" not in response.text
    assert "DTD-2026-01" in response.text and "Bác sĩ CKI Nhi" in response.text


def test_the_staff_training_fragment_of_a_person_out_of_scope_is_404(world, people, client_for):
    assert (
        client_for(world.station_head).get(reverse("training:staff_training", args=[people["binh"].pk])).status_code
        == 404
    )
    assert client_for(world.outsider).get(reverse("training:staff_training", args=[people["ha"].pk])).status_code == 404
