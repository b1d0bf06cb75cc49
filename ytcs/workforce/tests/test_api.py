from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ytcs.core.models import AuditEntry
from ytcs.core.testing.factories import StaffFactory, title
from ytcs.workforce.models import Certificate, CmeActivity, Competency, Licence, Posting, Staff

pytestmark = pytest.mark.django_db
D = datetime.date
STAFF = reverse("staff-list")
ISSUED = D(2022, 1, 1)


def names(response):
    assert response.status_code == 200, response.content
    return [row["full_name"] for row in response.json()["results"]]


def detail(staff):
    return reverse("staff-detail", args=[staff.pk])


def licence(staff, *, until, number=None, issued=ISSUED):
    return Licence.objects.create(
        staff=staff, number=number or f"GP-{staff.pk}-{until:%Y}", issuer="Sở Y tế", issued_on=issued, valid_until=until
    )


def new_staff(**overrides):
    data = {
        "full_name": "Lê Văn Mới",
        "sex": "male",
        "birth_date": "1995-02-01",
        "national_id": "001095000777",
        "title": "dieu-duong",
        "qualification": "college",
        "employment_type": "contract",
        "orgunit": "A1",
        "started_on": "01/09/2020",
    }
    data.update(overrides)
    return data


# Lists and filters


def test_list_shows_only_people_in_the_callers_scope(world, api_for):
    StaffFactory(full_name="An A1", orgunit=world.station_a1)
    StaffFactory(full_name="Bình B1", orgunit=world.station_b1)
    assert names(api_for(world.region_manager).get(STAFF)) == ["An A1"]
    assert names(api_for(world.outsider).get(STAFF)) == ["Bình B1"]
    assert names(api_for(world.province_viewer).get(STAFF)) == ["An A1", "Bình B1"]


def test_list_filters_by_subtree_title_and_diacritic_free_search(world, api_for):
    ha = StaffFactory(full_name="Nguyễn Thu Hà", orgunit=world.station_a1, title=title("ho-sinh"))
    StaffFactory(full_name="Nguyễn Thu Trang", orgunit=world.satellite_a1)
    StaffFactory(full_name="Trần Văn Hải", orgunit=world.station_a2)
    StaffFactory(full_name="Lê Thị Hà", orgunit=world.station_b1)
    api = api_for(world.province_admin)
    assert names(api.get(STAFF, {"q": "nguyen thu ha"})) == [ha.full_name]
    assert names(api.get(STAFF, {"q": "NGUYỄN thu"})) == ["Nguyễn Thu Hà", "Nguyễn Thu Trang"]
    assert names(api.get(STAFF, {"orgunit": "A1"})) == ["Nguyễn Thu Hà", "Nguyễn Thu Trang"]
    assert names(api.get(STAFF, {"orgunit": "RA"})) == ["Nguyễn Thu Hà", "Nguyễn Thu Trang", "Trần Văn Hải"]
    assert names(api.get(STAFF, {"title": "ho-sinh"})) == ["Nguyễn Thu Hà"]
    assert names(api.get(STAFF, {"orgunit": "RA", "q": "ha", "title": "bac-si"})) == ["Trần Văn Hải"]
    assert names(api.get(STAFF, {"orgunit": "NOPE"})) == []
    # Another region's subtree shows nothing of it to a regional manager.
    assert names(api_for(world.region_manager).get(STAFF, {"orgunit": "RB"})) == []


def test_list_filters_by_licence_expiring_before_in_iso_or_vietnamese_dates(world, api_for):
    soon = StaffFactory(full_name="Sắp hết hạn", orgunit=world.station_a1)
    licence(soon, until=D(2026, 12, 31))
    later = StaffFactory(full_name="Còn hạn", orgunit=world.station_a1)
    licence(later, until=D(2029, 6, 30))
    StaffFactory(full_name="Không giấy phép", orgunit=world.station_a1)
    api = api_for(world.region_manager)
    assert names(api.get(STAFF, {"licence_expires_before": "2027-01-01"})) == ["Sắp hết hạn"]
    assert names(api.get(STAFF, {"licence_expires_before": "01/07/2029"})) == ["Còn hạn", "Sắp hết hạn"]
    response = api.get(STAFF, {"licence_expires_before": "31/02/2027"})
    assert response.status_code == 400 and "licence_expires_before" in response.json()["errors"]


def test_list_shows_working_people_unless_another_status_is_asked(world, api_for):
    StaffFactory(full_name="Đang làm", orgunit=world.station_a1)
    StaffFactory(
        full_name="Đã nghỉ hưu",
        orgunit=world.station_a1,
        status="retired",
        ended_on=D(2024, 1, 1),
        birth_date=D(1963, 1, 1),
        started_on=D(1985, 1, 1),
    )
    api = api_for(world.region_manager)
    assert names(api.get(STAFF)) == ["Đang làm"]
    assert names(api.get(STAFF, {"status": "retired"})) == ["Đã nghỉ hưu"]
    assert names(api.get(STAFF, {"status": "all"})) == ["Đang làm", "Đã nghỉ hưu"]
    response = api.get(STAFF, {"status": "dead"})
    assert response.status_code == 400 and set(response.json()) == {"detail", "errors"}
    assert "status" in response.json()["errors"]


def test_a_retired_person_is_still_found_by_id(world, api_for):
    gone = StaffFactory(orgunit=world.station_a1, status="left", ended_on=D(2024, 1, 1))
    response = api_for(world.region_manager).get(detail(gone))
    assert response.status_code == 200 and response.json()["status"] == "left"


def test_list_paginates(world, api_for):
    for i in range(3):
        StaffFactory(orgunit=world.station_a1, full_name=f"Người {i}")
    body = api_for(world.region_manager).get(STAFF, {"page_size": 2}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3 and len(body["results"]) == 2 and "page=2" in body["next"]


def test_list_and_detail_nest_records_with_iso_dates(world, api_for):
    staff = StaffFactory(full_name="Nguyễn Thu Hà", orgunit=world.station_a1, started_on=D(2010, 9, 1))
    licence(staff, until=D(2027, 1, 1), number="GP-1")
    Certificate.objects.create(
        staff=staff, competency=Competency.objects.get(code="sieu-am-tong-quat"), issued_on=D(2021, 6, 1)
    )
    today = timezone.localdate()
    CmeActivity.objects.create(staff=staff, name="Mới", started_on=today, ended_on=today, credits=Decimal("12.5"))
    CmeActivity.objects.create(staff=staff, name="Cũ", started_on=D(2001, 1, 1), ended_on=D(2001, 1, 2), credits=40)
    api = api_for(world.station_head)
    row = api.get(STAFF).json()["results"][0]
    body = api.get(detail(staff)).json()
    assert row == body
    assert body["orgunit"] == "A1" and body["title"] == "bac-si" and body["birth_date"] == "1985-03-14"
    assert body["licences"][0] | {"id": None} == {
        "id": None,
        "number": "GP-1",
        "issuer": "Sở Y tế",
        "scope": "",
        "issued_on": "2022-01-01",
        "valid_until": "2027-01-01",
        "revoked_on": None,
    }
    assert body["certificates"][0]["competency"] == "sieu-am-tong-quat"
    assert body["certificates"][0]["competency_name"] == "Siêu âm tổng quát"
    assert [a["credits"] for a in body["cme_activities"]] == [12.5, 40.0]
    assert body["cme_credits_in_window"] == 12.5 and body["cme_credits_required"] == 120
    assert [(p["orgunit"], p["kind"], p["started_on"], p["ended_on"]) for p in body["postings"]] == [
        ("A1", "hire", "2010-09-01", None)
    ]
    assert "posted_on" not in body and "decision" not in body


def test_list_query_count_does_not_grow_with_rows(world, api_for):
    def person(i):
        staff = StaffFactory(orgunit=world.station_a1 if i % 2 else world.station_a2)
        licence(staff, until=D(2027, 1, 1))
        Certificate.objects.create(
            staff=staff, competency=Competency.objects.get(code="dien-tam-do"), issued_on=D(2021, 6, 1)
        )
        CmeActivity.objects.create(staff=staff, name="Học", started_on=D(2024, 1, 1), ended_on=D(2024, 1, 2), credits=8)
        return staff

    person(0)
    api = api_for(world.region_manager)
    with CaptureQueriesContext(connection) as few:
        assert api.get(STAFF).json()["count"] == 1
    for i in range(1, 15):
        person(i)
    with CaptureQueriesContext(connection) as many:
        body = api.get(STAFF).json()
    assert body["count"] == 15 and all(row["licences"] and row["postings"] for row in body["results"])
    assert len(many) == len(few) <= 10


# Creating and correcting a record


def test_create_registers_a_person_with_a_first_posting(world, api_for):
    api = api_for(world.region_manager)
    response = api.post(STAFF, new_staff(posted_on="15/09/2020", decision="45/QĐ-TTYT"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["orgunit"] == "A1" and body["status"] == "active" and body["started_on"] == "2020-09-01"
    assert [(p["kind"], p["started_on"], p["decision"]) for p in body["postings"]] == [
        ("hire", "2020-09-15", "45/QĐ-TTYT")
    ]
    assert AuditEntry.objects.filter(object_id=str(body["id"]), source="api").exists()


@pytest.mark.parametrize("national_id", ["00109500077", "00109500077X", "0010950007777"])
def test_create_rejects_a_citizen_id_that_is_not_12_digits(world, api_for, national_id):
    response = api_for(world.region_manager).post(STAFF, new_staff(national_id=national_id), format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors"} and "national_id" in body["errors"]
    assert not Staff.objects.exists()


def test_create_rejects_a_citizen_id_already_registered_anywhere(world, api_for):
    StaffFactory(orgunit=world.station_b1, national_id="001095000777")
    before = AuditEntry.objects.count()
    response = api_for(world.region_manager).post(STAFF, new_staff(national_id="001095000777"), format="json")
    assert response.status_code == 400 and "national_id" in response.json()["errors"]
    assert Staff.objects.count() == 1 and AuditEntry.objects.count() == before


def test_create_at_a_unit_out_of_scope_is_refused_without_revealing_it(world, api_for):
    response = api_for(world.region_manager).post(STAFF, new_staff(orgunit="B1"), format="json")
    assert response.status_code == 400 and "orgunit" in response.json()["errors"]
    response = api_for(world.station_head).post(STAFF, new_staff(orgunit="A2"), format="json")
    assert response.status_code == 400 and "orgunit" in response.json()["errors"]
    assert not Staff.objects.exists()


def test_create_reports_impossible_dates_and_unknown_titles_by_field(world, api_for):
    api = api_for(world.region_manager)
    response = api.post(STAFF, new_staff(started_on="2000-01-01"), format="json")
    assert response.status_code == 400 and "started_on" in response.json()["errors"]
    response = api.post(STAFF, new_staff(title="phu-thuy", birth_date="1995-02-30"), format="json")
    assert response.status_code == 400 and {"title", "birth_date"} <= set(response.json()["errors"])
    assert not Staff.objects.exists()


def test_patch_corrects_the_record_and_refolds_the_search_text(world, api_for):
    staff = StaffFactory(full_name="Trần Thị Lan", orgunit=world.station_a1)
    api = api_for(world.station_head)
    response = api.patch(detail(staff), {"full_name": "Trần  Thị Lan Anh", "phone": "0912345678"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["full_name"] == "Trần Thị Lan Anh"
    assert names(api.get(STAFF, {"q": "lan anh 0912345678"})) == ["Trần Thị Lan Anh"]


def test_the_work_unit_changes_only_through_a_move(world, api_for):
    staff = StaffFactory(orgunit=world.station_a1)
    api = api_for(world.region_manager)
    response = api.patch(detail(staff), {"orgunit": "A2"}, format="json")
    assert response.status_code == 400 and "orgunit" in response.json()["errors"]
    response = api.patch(detail(staff), {"posted_on": "2020-01-01"}, format="json")
    assert response.status_code == 400 and "posted_on" in response.json()["errors"]
    # Sending the current unit back (a PUT of what GET returned) is accepted.
    assert api.patch(detail(staff), {"orgunit": "A1", "phone": "1"}, format="json").status_code == 200
    staff.refresh_from_db()
    assert staff.orgunit == world.station_a1


def test_a_read_only_role_gets_403_and_nothing_changes(world, api_for):
    staff = StaffFactory(orgunit=world.station_a1, phone="")
    for persona in (world.viewer, world.data_clerk, world.province_viewer):
        assert api_for(persona).patch(detail(staff), {"phone": "1"}, format="json").status_code == 403
        assert api_for(persona).post(STAFF, new_staff(), format="json").status_code == 403
    staff.refresh_from_db()
    assert staff.phone == "" and Staff.objects.count() == 1


def test_station_head_cannot_touch_staff_of_another_station(world, api_for):
    other = StaffFactory(orgunit=world.station_a2)
    api = api_for(world.station_head)
    before = AuditEntry.objects.count()
    assert api.get(detail(other)).status_code == 404
    assert api.patch(detail(other), {"phone": "1"}, format="json").status_code == 404
    move = {"to_unit": "A1", "kind": "transfer", "on": "2025-01-02"}
    assert api.post(reverse("staff-move", args=[other.pk]), move, format="json").status_code == 404
    assert api.post(reverse("staff-end", args=[other.pk]), {"status": "left", "on": "2025-01-02"}).status_code == 404
    licences = reverse("staff-licence-list", args=[other.pk])
    assert api.get(licences).status_code == 404
    assert api.post(licences, {"number": "X", "issuer": "Y", "issued_on": "2024-01-01"}).status_code == 404
    assert AuditEntry.objects.count() == before
    assert api.get(STAFF, {"status": "all"}).json()["count"] == 0


# Moves and ends


def test_a_move_into_another_region_needs_rights_on_both_ends(world, api_for):
    staff = StaffFactory(orgunit=world.station_a1)
    before = AuditEntry.objects.count()
    response = api_for(world.region_manager).post(
        reverse("staff-move", args=[staff.pk]), {"to_unit": "B1", "kind": "transfer", "on": "2025-01-02"}
    )
    assert response.status_code == 404 and set(response.json()) == {"detail", "errors"}
    staff.refresh_from_db()
    assert staff.orgunit == world.station_a1
    assert list(staff.postings.values_list("orgunit__code", "ended_on")) == [("A1", None)]
    assert AuditEntry.objects.count() == before


def test_a_move_to_a_unit_the_caller_may_only_read_is_forbidden(world, api_for):
    from ytcs.accounts.roles import Role
    from ytcs.core.testing.factories import RoleAssignmentFactory, UserFactory

    user = UserFactory(username="manager_a_viewer_b")
    RoleAssignmentFactory(user=user, role=Role.REGIONAL_MANAGER, orgunit=world.region_a)
    RoleAssignmentFactory(user=user, role=Role.VIEWER, orgunit=world.region_b)
    staff = StaffFactory(orgunit=world.station_a1)
    before = AuditEntry.objects.count()
    response = api_for(user).post(
        reverse("staff-move", args=[staff.pk]), {"to_unit": "B1", "kind": "transfer", "on": "2025-01-02"}
    )
    assert response.status_code == 403 and set(response.json()) == {"detail", "errors"}
    assert staff.postings.count() == 1 and AuditEntry.objects.count() == before


def test_province_admin_moves_a_person_and_the_history_shows_it(world, api_for):
    staff = StaffFactory(orgunit=world.station_a1, started_on=D(2010, 9, 1))
    api = api_for(world.province_admin)
    response = api.post(
        reverse("staff-move", args=[staff.pk]),
        {"to_unit": "B1", "kind": "transfer", "on": "02/01/2025", "decision": "12/QĐ-SYT"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["orgunit"] == "B1"
    postings = api.get(detail(staff)).json()["postings"]
    assert [(p["orgunit"], p["kind"], p["started_on"], p["ended_on"], p["decision"]) for p in postings] == [
        ("B1", "transfer", "2025-01-02", None, "12/QĐ-SYT"),
        ("A1", "hire", "2010-09-01", "2025-01-01", ""),
    ]
    # The person now belongs to region B: its manager sees them, region A's no longer does.
    assert api_for(world.outsider).get(detail(staff)).status_code == 200
    assert api_for(world.region_manager).get(detail(staff)).status_code == 404


def test_a_rotation_needs_an_expected_return(world, api_for):
    staff = StaffFactory(orgunit=world.station_a1)
    url = reverse("staff-move", args=[staff.pk])
    api = api_for(world.region_manager)
    response = api.post(url, {"to_unit": "A2", "kind": "rotation", "on": "2025-01-02"}, format="json")
    assert response.status_code == 400 and "expected_return_on" in response.json()["errors"]
    response = api.post(url, {"to_unit": "A2", "kind": "hire", "on": "2025-01-02"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()["errors"]
    response = api.post(
        url,
        {"to_unit": "A2", "kind": "rotation", "on": "2025-01-02", "expected_return_on": "2026-01-02"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["postings"][0]["expected_return_on"] == "2026-01-02"
    assert Posting.objects.filter(staff=staff).count() == 2


def test_end_records_retirement_and_the_person_leaves_the_default_list(world, api_for):
    staff = StaffFactory(orgunit=world.station_a1, full_name="Sắp nghỉ")
    api = api_for(world.region_manager)
    url = reverse("staff-end", args=[staff.pk])
    response = api.post(url, {"status": "retired", "on": "31/12/2025"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["ended_on"], body["postings"][0]["ended_on"]) == (
        "retired",
        "2025-12-31",
        "2025-12-31",
    )
    assert names(api.get(STAFF)) == [] and names(api.get(STAFF, {"status": "retired"})) == ["Sắp nghỉ"]
    again = api.post(url, {"status": "left", "on": "2026-01-01"}, format="json")
    assert again.status_code == 400 and "status" in again.json()["errors"]
    bad = api.post(reverse("staff-end", args=[staff.pk]), {"status": "active", "on": "2026-01-01"}, format="json")
    assert bad.status_code == 400


# Nested records


def test_licences_are_recorded_corrected_and_deleted(world, api_for):
    staff = StaffFactory(orgunit=world.station_a1)
    api = api_for(world.station_head)
    url = reverse("staff-licence-list", args=[staff.pk])
    response = api.post(
        url, {"number": "000123/HT-GPHN", "issuer": "Sở Y tế", "issued_on": "10/01/2024", "valid_until": "10/01/2029"}
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["issued_on"], created["valid_until"]) == ("2024-01-10", "2029-01-10")
    one = reverse("staff-licence-detail", args=[staff.pk, created["id"]])
    response = api.patch(one, {"valid_until": "2023-01-01"}, format="json")
    assert response.status_code == 400 and "valid_until" in response.json()["errors"]
    response = api.patch(one, {"scope": "Đa khoa"}, format="json")
    assert response.status_code == 200 and response.json()["scope"] == "Đa khoa"
    duplicate = api.post(url, {"number": "000123/HT-GPHN", "issuer": "Sở Y tế", "issued_on": "2024-02-01"})
    assert duplicate.status_code == 400 and duplicate.json()["errors"]
    assert [row["number"] for row in api.get(url).json()] == ["000123/HT-GPHN"]
    assert api.delete(one).status_code == 204
    assert api.get(url).json() == [] and api.get(one).status_code == 404


def test_a_record_is_reached_only_through_its_owner(world, api_for):
    owner = StaffFactory(orgunit=world.station_a1)
    other = StaffFactory(orgunit=world.station_a1)
    record = licence(owner, until=D(2027, 1, 1))
    api = api_for(world.region_manager)
    assert api.get(reverse("staff-licence-detail", args=[other.pk, record.pk])).status_code == 404
    assert api.delete(reverse("staff-licence-detail", args=[other.pk, record.pk])).status_code == 404
    assert Licence.objects.filter(pk=record.pk).exists()


def test_certificates_name_a_competency_from_the_catalogue(world, api_for):
    staff = StaffFactory(orgunit=world.station_a1)
    api = api_for(world.region_manager)
    url = reverse("staff-certificate-list", args=[staff.pk])
    response = api.post(url, {"competency": "phep-thuat", "issued_on": "2023-05-01"}, format="json")
    assert response.status_code == 400 and "competency" in response.json()["errors"]
    response = api.post(url, {"competency": "dien-tam-do", "issued_on": "2023-05-01", "number": "CC-1"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["competency_name"] == "Điện tâm đồ"
    one = reverse("staff-certificate-detail", args=[staff.pk, response.json()["id"]])
    response = api.patch(one, {"expires_on": "2022-01-01"}, format="json")
    assert response.status_code == 400 and "expires_on" in response.json()["errors"]
    assert api.delete(one).status_code == 204 and not Certificate.objects.exists()


def test_cme_activities_count_in_the_rolling_window(world, api_for):
    staff = StaffFactory(orgunit=world.station_a1)
    api = api_for(world.region_manager)
    url = reverse("staff-cme-list", args=[staff.pk])
    today = timezone.localdate().isoformat()
    start = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()  # a four-day course
    response = api.post(url, {"name": "Cấp cứu nhi", "started_on": today, "ended_on": today, "credits": 0.2})
    assert response.status_code == 400 and "credits" in response.json()["errors"]
    response = api.post(url, {"name": "Cấp cứu nhi", "started_on": today, "ended_on": today, "credits": 11})
    assert response.status_code == 400 and "credits" in response.json()["errors"]  # more than a day can hold
    response = api.post(url, {"name": "Cấp cứu nhi", "started_on": start, "ended_on": today, "credits": 24}, "json")
    assert response.status_code == 201, response.content
    assert response.json()["credits"] == 24.0
    one = reverse("staff-cme-detail", args=[staff.pk, response.json()["id"]])
    assert api.patch(one, {"credits": "30.5"}, format="json").json()["credits"] == 30.5
    assert api.get(detail(staff)).json()["cme_credits_in_window"] == 30.5


# Catalogues and follow-up lists


def test_catalogues_are_readable_by_everyone_and_addressed_by_code(world, api_for):
    api = api_for(world.station_head)
    titles = api.get(reverse("title-list")).json()["results"]
    assert titles[0]["code"] == "bac-si" and titles[0]["counts_as_doctor"] is True
    assert api.get(reverse("title-detail", args=["ho-sinh"])).json()["name"] == "Hộ sinh"
    codes = [c["code"] for c in api.get(reverse("competency-list")).json()["results"]]
    assert "sieu-am-tong-quat" in codes
    assert api.get(reverse("competency-detail", args=["nope"])).status_code == 404
    assert api.post(reverse("title-list"), {"code": "x", "name": "X"}).status_code == 405


def test_licences_expiring_lists_those_due_within_the_months_asked(world, api_for):
    on = D(2026, 11, 26)
    a1 = StaffFactory(full_name="Hà", orgunit=world.station_a1)
    licence(a1, until=D(2027, 3, 1), number="soon")
    licence(StaffFactory(full_name="Lan", orgunit=world.station_a2), until=D(2027, 9, 1), number="later")
    licence(StaffFactory(full_name="Bình", orgunit=world.station_b1), until=D(2027, 1, 1), number="other region")
    api = api_for(world.region_manager)
    url = reverse("licence-expiring")
    body = api.get(url, {"on": on.isoformat()}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [(r["number"], r["staff"]["full_name"], r["staff"]["orgunit"]) for r in body["results"]] == [
        ("soon", "Hà", "A1")
    ]
    rows = api.get(url, {"on": "26/11/2026", "within_months": 12}).json()["results"]
    assert [r["number"] for r in rows] == ["soon", "later"]
    assert [r["number"] for r in api.get(url, {"on": on, "within_months": 12, "orgunit": "A2"}).json()["results"]] == [
        "later"
    ]
    response = api.get(url, {"within_months": 0})
    assert response.status_code == 400 and "within_months" in response.json()["errors"]


def test_licences_missing_lists_working_people_without_a_valid_licence(world, api_for):
    licence(StaffFactory(full_name="Có giấy phép", orgunit=world.station_a1), until=D(2099, 1, 1))
    licence(StaffFactory(full_name="Hết hạn", orgunit=world.station_a1), until=D(2020, 1, 1), issued=D(2015, 1, 1))
    StaffFactory(full_name="Chưa có", orgunit=world.station_a2)
    StaffFactory(full_name="Dược sĩ", orgunit=world.station_a2, title=title("duoc-si"))
    StaffFactory(full_name="Vùng B", orgunit=world.station_b1)
    rows = api_for(world.region_manager).get(reverse("licence-missing")).json()["results"]
    assert [(r["full_name"], r["orgunit"]) for r in rows] == [("Hết hạn", "A1"), ("Chưa có", "A2")]


def test_cme_shortfall_lists_who_falls_short_with_their_credits(world, api_for):
    short = StaffFactory(full_name="Thiếu giờ", orgunit=world.station_a1, started_on=D(2005, 1, 1))
    CmeActivity.objects.create(staff=short, name="Học", started_on=D(2024, 1, 1), ended_on=D(2024, 1, 2), credits=40)
    done = StaffFactory(full_name="Đủ giờ", orgunit=world.station_a1, started_on=D(2005, 1, 1))
    CmeActivity.objects.create(staff=done, name="Học", started_on=D(2024, 1, 1), ended_on=D(2024, 2, 1), credits=120)
    StaffFactory(full_name="Mới vào", orgunit=world.station_a1, started_on=D(2024, 1, 1))
    rows = api_for(world.region_manager).get(reverse("cme-shortfall"), {"on": "2025-06-30"}).json()["results"]
    assert [(r["full_name"], r["cme_credits"], r["cme_required"]) for r in rows] == [("Thiếu giờ", 40.0, 120)]
    assert api_for(world.outsider).get(reverse("cme-shortfall"), {"on": "2025-06-30"}).json()["count"] == 0


# Schema


def test_schema_validates_and_documents_the_workforce_paths(world):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    for path in (
        "/api/v1/staff/",
        "/api/v1/staff/{id}/",
        "/api/v1/staff/{id}/move/",
        "/api/v1/staff/{id}/end/",
        "/api/v1/staff/{id}/licences/",
        "/api/v1/staff/{id}/licences/{record_id}/",
        "/api/v1/staff/{id}/certificates/{record_id}/",
        "/api/v1/staff/{id}/cme/{record_id}/",
        "/api/v1/titles/",
        "/api/v1/competencies/{code}/",
        "/api/v1/licences/expiring/",
        "/api/v1/licences/missing/",
        "/api/v1/cme/shortfall/",
    ):
        assert path in schema["paths"], path
    params = {p["name"] for p in schema["paths"]["/api/v1/staff/"]["get"]["parameters"]}
    assert {"orgunit", "title", "q", "status", "licence_expires_before", "page", "page_size"} <= params
    assert "delete" not in schema["paths"]["/api/v1/staff/{id}/"]


def test_roster_import_api_lists_every_problem_with_400_and_saves_nothing(world, api_for):
    from ytcs.workforce.tests.test_api_matrix import roster_file

    upload = roster_file(world)
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(upload["file"].read()))
    ws = wb.worksheets[0]
    headers = [cell.value or "" for cell in ws[1]]
    ws.cell(row=2, column=next(i for i, h in enumerate(headers, 1) if h.startswith("Số CCCD")), value="123")
    buffer = io.BytesIO()
    wb.save(buffer)
    before = Staff.objects.count()
    response = api_for(world.region_manager).post(
        reverse("staff-import"), {"file": SimpleUploadedFile("x.xlsx", buffer.getvalue())}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["created"] == 0 and body["errors"][0]["row"] == 2 and "CCCD" in body["errors"][0]["column"]
    assert Staff.objects.count() == before
    assert api_for(world.viewer).post(reverse("staff-import"), {}, format="multipart").status_code == 403
