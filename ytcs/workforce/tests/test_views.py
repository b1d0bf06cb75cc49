from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ytcs.accounts.roles import Role
from ytcs.core.models import AuditEntry
from ytcs.core.testing.factories import RoleAssignmentFactory, StaffFactory, UserFactory, title
from ytcs.workforce.models import Certificate, CmeActivity, Competency, Licence, Posting, Staff, Title
from ytcs.workforce.rules import cme_rule
from ytcs.workforce.selectors import add_months
from ytcs.workforce.tests.test_pages_matrix import staff_form_data

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def people(world):
    """Three health workers: Hà at A1, Bình at A2 (region A), Minh at B1 (region B)."""
    return {
        "ha": StaffFactory(orgunit=world.station_a1, full_name="Nguyễn Thu Hà", national_id="001190000001"),
        "binh": StaffFactory(
            orgunit=world.station_a2, full_name="Trần Văn Bình", national_id="001190000002", title=title("dieu-duong")
        ),
        "minh": StaffFactory(orgunit=world.station_b1, full_name="Lê Đức Minh", national_id="001190000003"),
    }


def licence(staff: Staff, *, valid_until: datetime.date | None, number: str = "L-1", **extra) -> Licence:
    return Licence.objects.create(
        staff=staff,
        number=number,
        issuer="Sở Y tế Tỉnh Thử",
        issued_on=extra.pop("issued_on", datetime.date(2020, 1, 2)),
        valid_until=valid_until,
        **extra,
    )


def new_staff(world, **overrides) -> dict:
    data = {
        "full_name": "  Phạm   Thị Lan ",
        "sex": "female",
        "birth_date": "31/12/1992",
        "national_id": "079192000123",
        "title": title("ho-sinh").pk,
        "qualification": "college",
        "employment_type": "contract",
        "position": "staff",
        "started_on": "15/08/2016",
        "orgunit": world.station_a2.pk,
    }
    return {**data, **overrides}


# --- list ------------------------------------------------------------------------------------------------------------


def test_search_ignores_diacritics(people, world, client_for):
    response = client_for(world.province_admin).get(reverse("workforce:staff_list"), {"q": "nguyen thu ha"})
    assert response.status_code == 200
    assert "Nguyễn Thu Hà" in response.text
    assert "Trần Văn Bình" not in response.text


def test_search_finds_a_citizen_id(people, world, client_for):
    response = client_for(world.province_admin).get(reverse("workforce:staff_list"), {"q": "001190000002"})
    assert "Trần Văn Bình" in response.text and "Nguyễn Thu Hà" not in response.text


def test_list_shows_only_the_users_subtree(people, world, client_for):
    text = client_for(world.region_manager).get(reverse("workforce:staff_list")).text
    assert "Nguyễn Thu Hà" in text and "Trần Văn Bình" in text
    assert "Lê Đức Minh" not in text
    text = client_for(world.station_head).get(reverse("workforce:staff_list")).text
    assert "Nguyễn Thu Hà" in text and "Trần Văn Bình" not in text


def test_unit_filter_covers_the_subtree(people, world, client_for):
    client = client_for(world.province_admin)
    text = client.get(reverse("workforce:staff_list"), {"unit": "RA"}).text
    assert "Nguyễn Thu Hà" in text and "Trần Văn Bình" in text and "Lê Đức Minh" not in text
    text = client.get(reverse("workforce:staff_list"), {"unit": "A2"}).text
    assert "Trần Văn Bình" in text and "Nguyễn Thu Hà" not in text


def test_unit_filter_on_a_unit_outside_the_scope_shows_nobody(people, world, client_for):
    text = client_for(world.region_manager).get(reverse("workforce:staff_list"), {"unit": "B1"}).text
    assert "Lê Đức Minh" not in text and "Nguyễn Thu Hà" not in text


def test_title_and_status_filters(people, world, client_for):
    client = client_for(world.province_admin)
    text = client.get(reverse("workforce:staff_list"), {"title": "dieu-duong"}).text
    assert "Trần Văn Bình" in text and "Nguyễn Thu Hà" not in text
    client.post(reverse("workforce:staff_end", args=[people["ha"].pk]), {"status": "retired", "on": "30/06/2026"})
    client.get(reverse("workforce:staff_detail", args=[people["ha"].pk]))  # shows the "recorded" message
    assert "Nguyễn Thu Hà" not in client.get(reverse("workforce:staff_list")).text
    retired = client.get(reverse("workforce:staff_list"), {"status": "retired"}).text
    assert "Nguyễn Thu Hà" in retired and "Trần Văn Bình" not in retired and "30/06/2026" in retired
    everyone = client.get(reverse("workforce:staff_list"), {"status": "all"}).text
    assert "Nguyễn Thu Hà" in everyone and "Trần Văn Bình" in everyone


def test_list_shows_birth_date_as_dd_mm_yyyy(people, world, client_for):
    text = client_for(world.province_admin).get(reverse("workforce:staff_list")).text
    assert "14/03/1985" in text


def test_htmx_request_gets_only_the_table_fragment(people, world, client_for):
    response = client_for(world.province_admin).get(
        reverse("workforce:staff_list"), {"q": "ha"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="staff-table"
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="staff-results"' in response.text and "Nguyễn Thu Hà" in response.text


def test_list_query_count_does_not_grow_with_rows(people, world, client_for):
    client = client_for(world.province_admin)
    client.get(reverse("workforce:staff_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("workforce:staff_list"))
    titles = list(Title.objects.all()[:5])
    units = [world.station_a1, world.station_a2, world.station_b1, world.satellite_a1]
    for i in range(30):
        StaffFactory(orgunit=units[i % 4], title=titles[i % 5], full_name=f"Đỗ Văn Thêm {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("workforce:staff_list"))
    assert len(many) == len(few)
    assert len(many) <= 10


def test_list_paginates_in_sql(world, client_for):
    for i in range(60):
        StaffFactory(orgunit=world.station_b1, full_name=f"Vũ Thị Trang {i:02d}")
    with CaptureQueriesContext(connection) as ctx:
        response = client_for(world.province_admin).get(reverse("workforce:staff_list"), {"page": 2})
    assert response.status_code == 200
    assert any("LIMIT 25" in q["sql"] and "OFFSET 25" in q["sql"] for q in ctx.captured_queries)
    assert "Trang 2 / 3" in response.text or "Page 2 of 3" in response.text


# --- detail ----------------------------------------------------------------------------------------------------------


def test_detail_shows_identity_career_licences_cme_and_history(people, world, client_for):
    ha = people["ha"]
    client = client_for(world.region_manager)
    client.post(
        reverse("workforce:licence_create", args=[ha.pk]),
        {
            "number": "0042/TT-GPHN",
            "issuer": "Sở Y tế Tỉnh Thử",
            "issued_on": "02/01/2024",
            "valid_until": "01/01/2029",
        },
    )
    client.post(
        reverse("workforce:cme_create", args=[ha.pk]),
        {"name": "Cập nhật sản khoa", "started_on": "01/03/2025", "ended_on": "05/03/2025", "credits": "40"},
    )
    client.post(
        reverse("workforce:staff_move", args=[ha.pk]),
        {"to_unit": world.station_a2.pk, "kind": "rotation", "on": "01/07/2026", "expected_return_on": "30/06/2027"},
    )
    response = client.get(reverse("workforce:staff_detail", args=[ha.pk]))
    assert response.status_code == 200
    text = response.text
    assert "001190000001" in text and "14/03/1985" in text and "01/09/2010" in text
    assert "Trạm Y tế xã Nguyễn Huệ" in text and "Trạm Y tế phường Đông Hà" in text  # both postings
    assert "30/06/2027" in text  # expected return
    assert "0042/TT-GPHN" in text and "01/01/2029" in text
    assert "Cập nhật sản khoa" in text and "Thông tư 32/2023/TT-BYT" in text
    assert 'id="history"' in text and "region_manager" in text and "0042/TT-GPHN" in text


def test_detail_shows_the_retirement_date_with_its_unconfirmed_source(people, world, client_for):
    text = client_for(world.viewer).get(reverse("workforce:staff_detail", args=[people["ha"].pk])).text
    # Woman born 14/03/1985: 60 years from 2035 on, so 14/03/2045.
    assert "14/03/2045" in text
    assert "135/2020" in text
    assert "UNCONFIRMED" in text or "chưa xác nhận" in text.lower()


def test_detail_counts_cme_hours_in_the_rolling_window(people, world, client_for):
    ha = people["ha"]
    start = cme_rule().window_start(today())
    CmeActivity.objects.create(
        staff=ha, name="Trong kỳ", started_on=start, ended_on=start + datetime.timedelta(days=2), credits=30
    )
    CmeActivity.objects.create(
        staff=ha,
        name="Ngoài kỳ",
        started_on=start - datetime.timedelta(days=10),
        ended_on=start - datetime.timedelta(days=5),
        credits=100,
    )
    text = client_for(world.viewer).get(reverse("workforce:staff_detail", args=[ha.pk])).text
    standing = text[text.index('id="cme-standing"') :][:600]
    assert "30.0" in standing or "30,0" in standing
    assert "120" in standing
    assert "90.0" in standing or "90,0" in standing  # short by 90


def test_detail_marks_an_expiring_licence(people, world, client_for):
    licence(people["ha"], valid_until=add_months(today(), 2), number="SẮP-HẾT")
    licence(people["ha"], valid_until=today() - datetime.timedelta(days=1), number="ĐÃ-HẾT")
    text = client_for(world.viewer).get(reverse("workforce:staff_detail", args=[people["ha"].pk])).text
    assert '<mark class="badge">' in text
    assert 'class="badge closed"' in text


def test_detail_of_an_out_of_scope_person_is_404(people, world, client_for):
    response = client_for(world.region_manager).get(reverse("workforce:staff_detail", args=[people["minh"].pk]))
    assert response.status_code == 404


def test_read_only_detail_has_no_edit_buttons(people, world, client_for):
    text = client_for(world.viewer).get(reverse("workforce:staff_detail", args=[people["ha"].pk])).text
    assert reverse("workforce:staff_edit", args=[people["ha"].pk]) not in text
    assert reverse("workforce:licence_create", args=[people["ha"].pk]) not in text


# --- create and edit -------------------------------------------------------------------------------------------------


def test_create_accepts_dd_mm_yyyy_opens_a_posting_and_is_audited_as_a_page_change(world, client_for):
    response = client_for(world.region_manager).post(reverse("workforce:staff_create"), new_staff(world))
    assert response.status_code == 302
    staff = Staff.objects.get(national_id="079192000123")
    assert staff.full_name == "Phạm Thị Lan" and staff.birth_date == datetime.date(1992, 12, 31)
    assert staff.orgunit == world.station_a2
    assert list(staff.postings.values_list("orgunit__code", "kind", "started_on")) == [
        ("A2", "hire", datetime.date(2016, 8, 15))
    ]
    entry = AuditEntry.objects.filter(object_id=str(staff.pk), content_type__model="staff").get()
    assert entry.actor == world.region_manager and entry.source == "ui"


def test_failed_create_keeps_what_the_user_typed(people, world, client_for):
    response = client_for(world.region_manager).post(
        reverse("workforce:staff_create"),
        new_staff(world, national_id="001190000001", specialty="Sản phụ khoa", phone="0987 000 111"),
    )
    assert response.status_code == 200
    assert 'value="Sản phụ khoa"' in response.text and 'value="0987 000 111"' in response.text
    assert 'value="31/12/1992"' in response.text
    assert Staff.objects.count() == 3


def test_create_rejects_a_bad_citizen_id(world, client_for):
    response = client_for(world.region_manager).post(
        reverse("workforce:staff_create"), new_staff(world, national_id="12345")
    )
    assert response.status_code == 200
    assert not Staff.objects.exists()


def test_create_offers_only_units_the_user_may_change(world, client_for):
    text = client_for(world.station_head).get(reverse("workforce:staff_create")).text
    assert "Trạm Y tế xã Nguyễn Huệ" in text
    assert "Trạm Y tế phường Đông Hà" not in text and "Trạm Y tế xã Bình Minh" not in text


def test_create_at_a_unit_outside_the_scope_saves_nothing(world, client_for):
    response = client_for(world.region_manager).post(
        reverse("workforce:staff_create"), new_staff(world, orgunit=world.station_b1.pk)
    )
    assert response.status_code == 200
    assert not Staff.objects.exists()


def test_station_head_edits_own_station_staff_only(people, world, client_for):
    client = client_for(world.station_head)
    ok = client.post(
        reverse("workforce:staff_edit", args=[people["ha"].pk]), staff_form_data(people["ha"], phone="0911 222 333")
    )
    assert ok.status_code == 302
    assert Staff.objects.get(pk=people["ha"].pk).phone == "0911 222 333"
    before = AuditEntry.objects.count()
    refused = client.post(
        reverse("workforce:staff_edit", args=[people["binh"].pk]), staff_form_data(people["binh"], phone="0900")
    )
    assert refused.status_code == 404
    assert client.get(reverse("workforce:staff_edit", args=[people["binh"].pk])).status_code == 404
    assert Staff.objects.get(pk=people["binh"].pk).phone == "" and AuditEntry.objects.count() == before


def test_edit_updates_the_search_text(people, world, client_for):
    client = client_for(world.region_manager)
    client.post(
        reverse("workforce:staff_edit", args=[people["ha"].pk]),
        staff_form_data(people["ha"], full_name="Nguyễn Thu Hằng"),
    )
    text = client.get(reverse("workforce:staff_list"), {"q": "thu hang"}).text
    assert "Nguyễn Thu Hằng" in text


# --- moves and end of service ----------------------------------------------------------------------------------------


def test_a_move_closes_the_current_posting_and_opens_one_at_the_new_unit(people, world, client_for):
    response = client_for(world.region_manager).post(
        reverse("workforce:staff_move", args=[people["ha"].pk]),
        {"to_unit": world.station_a2.pk, "kind": "transfer", "on": "01/07/2026", "decision": "12/QĐ-TTYT"},
    )
    assert response.status_code == 302
    ha = Staff.objects.get(pk=people["ha"].pk)
    assert ha.orgunit == world.station_a2
    postings = list(Posting.objects.filter(staff=ha).order_by("started_on").values_list("orgunit__code", "ended_on"))
    assert postings == [("A1", datetime.date(2026, 6, 30)), ("A2", None)]


def test_a_move_to_another_region_needs_rights_on_both_ends(people, world, client_for):
    before = (AuditEntry.objects.count(), Posting.objects.count())
    response = client_for(world.region_manager).post(
        reverse("workforce:staff_move", args=[people["ha"].pk]),
        {"to_unit": world.station_b1.pk, "kind": "transfer", "on": "01/07/2026"},
    )
    assert response.status_code == 404
    assert Staff.objects.get(pk=people["ha"].pk).orgunit == world.station_a1
    assert (AuditEntry.objects.count(), Posting.objects.count()) == before


def test_a_move_to_a_unit_the_user_only_reads_is_403(people, world, client_for):
    head = UserFactory(username="head_reading_b")
    RoleAssignmentFactory(user=head, role=Role.STATION_HEAD, orgunit=world.station_a1)
    RoleAssignmentFactory(user=head, role=Role.VIEWER, orgunit=world.region_b)
    before = AuditEntry.objects.count()
    response = client_for(head).post(
        reverse("workforce:staff_move", args=[people["ha"].pk]),
        {"to_unit": world.station_b1.pk, "kind": "transfer", "on": "01/07/2026"},
    )
    assert response.status_code == 403
    assert AuditEntry.objects.count() == before


def test_the_move_form_offers_only_units_the_user_may_change(people, world, client_for):
    text = client_for(world.region_manager).get(reverse("workforce:staff_move", args=[people["ha"].pk])).text
    assert "Trạm Y tế phường Đông Hà" in text and "Trạm Y tế xã Bình Minh" not in text


def test_a_rotation_without_return_date_is_refused_and_keeps_the_input(people, world, client_for):
    response = client_for(world.region_manager).post(
        reverse("workforce:staff_move", args=[people["ha"].pk]),
        {"to_unit": world.station_a2.pk, "kind": "rotation", "on": "01/07/2026", "decision": "99/QĐ"},
    )
    assert response.status_code == 200
    assert 'value="99/QĐ"' in response.text and 'value="01/07/2026"' in response.text
    assert Staff.objects.get(pk=people["ha"].pk).orgunit == world.station_a1
    assert Posting.objects.filter(staff=people["ha"]).count() == 1


def test_end_of_service_records_retirement(people, world, client_for):
    response = client_for(world.station_head).post(
        reverse("workforce:staff_end", args=[people["ha"].pk]), {"status": "retired", "on": "31/03/2026"}
    )
    assert response.status_code == 302
    ha = Staff.objects.get(pk=people["ha"].pk)
    assert ha.status == "retired" and ha.ended_on == datetime.date(2026, 3, 31)
    assert ha.postings.get().ended_on == datetime.date(2026, 3, 31)


# --- licences, certificates, CME -------------------------------------------------------------------------------------


def test_a_licence_expiring_before_issue_is_refused_and_the_input_kept(people, world, client_for):
    response = client_for(world.region_manager).post(
        reverse("workforce:licence_create", args=[people["ha"].pk]),
        {"number": "0077/GPHN", "issuer": "Sở Y tế", "issued_on": "02/01/2024", "valid_until": "01/01/2023"},
    )
    assert response.status_code == 200
    assert 'value="0077/GPHN"' in response.text
    assert not Licence.objects.exists()


def test_licence_edit_and_delete_are_audited(people, world, client_for):
    record = licence(people["ha"], valid_until=datetime.date(2028, 1, 1))
    client = client_for(world.region_manager)
    response = client.post(
        reverse("workforce:licence_edit", args=[people["ha"].pk, record.pk]),
        {"number": "L-1", "issuer": "Sở Y tế Tỉnh Thử", "issued_on": "02/01/2020", "valid_until": "01/01/2029"},
    )
    assert response.status_code == 302
    assert Licence.objects.get(pk=record.pk).valid_until == datetime.date(2029, 1, 1)
    response = client.post(reverse("workforce:licence_delete", args=[people["ha"].pk, record.pk]))
    assert response.status_code == 302 and not Licence.objects.exists()
    assert AuditEntry.objects.filter(content_type__model="licence", action="delete").count() == 1


def test_a_record_of_someone_else_is_404(people, world, client_for):
    record = licence(people["binh"], valid_until=datetime.date(2028, 1, 1))
    response = client_for(world.region_manager).get(
        reverse("workforce:licence_edit", args=[people["ha"].pk, record.pk])
    )
    assert response.status_code == 404


def test_a_certificate_takes_its_expiry_from_the_catalogue(people, world, client_for):
    ecg = Competency.objects.get(code="dien-tam-do")
    ecg.validity_years = 3
    ecg.save()
    response = client_for(world.region_manager).post(
        reverse("workforce:certificate_create", args=[people["ha"].pk]),
        {"competency": ecg.pk, "issued_on": "10/10/2023"},
    )
    assert response.status_code == 302
    assert Certificate.objects.get().expires_on == datetime.date(2026, 10, 10)


def test_cme_activity_is_recorded(people, world, client_for):
    response = client_for(world.station_head).post(
        reverse("workforce:cme_create", args=[people["ha"].pk]),
        {"name": "Hồi sức sơ sinh", "started_on": "01/04/2025", "ended_on": "02/04/2025", "credits": "12.5"},
    )
    assert response.status_code == 302
    assert str(CmeActivity.objects.get().credits) == "12.5"


# --- follow-up lists -------------------------------------------------------------------------------------------------


def test_expiring_licences_are_listed_per_unit(people, world, client_for):
    licence(people["ha"], valid_until=add_months(today(), 3), number="SOON-HA")
    licence(people["binh"], valid_until=add_months(today(), 30), number="LATER-BINH")
    licence(people["minh"], valid_until=add_months(today(), 1), number="SOON-MINH")
    client = client_for(world.region_manager)
    text = client.get(reverse("workforce:licences_expiring")).text
    assert "SOON-HA" in text and "Nguyễn Thu Hà" in text
    assert "LATER-BINH" not in text and "SOON-MINH" not in text
    assert add_months(today(), 3).strftime("%d/%m/%Y") in text
    assert "SOON-HA" not in client.get(reverse("workforce:licences_expiring"), {"unit": "A2"}).text


def test_people_practising_without_a_valid_licence_are_listed(people, world, client_for):
    licence(people["ha"], valid_until=add_months(today(), 12))
    licence(people["binh"], valid_until=today() - datetime.timedelta(days=1), number="L-2")
    pharmacist = StaffFactory(orgunit=world.station_a1, full_name="Hoàng Dược Sĩ", title=title("duoc-si"))
    text = client_for(world.region_manager).get(reverse("workforce:licences_missing")).text
    assert "Trần Văn Bình" in text  # expired yesterday
    assert "Nguyễn Thu Hà" not in text  # valid
    assert pharmacist.full_name not in text  # the title needs no practising licence
    assert "Lê Đức Minh" not in text  # out of scope


def test_cme_shortfall_lists_those_due_and_short(people, world, client_for):
    start = cme_rule().window_start(today())
    CmeActivity.objects.create(
        staff=people["binh"], name="Đủ giờ", started_on=start, ended_on=start + datetime.timedelta(days=1), credits=120
    )
    newcomer = StaffFactory(
        orgunit=world.station_a1, full_name="Đinh Mới Vào", started_on=today() - datetime.timedelta(days=300)
    )
    text = client_for(world.region_manager).get(reverse("workforce:cme_shortfall")).text
    assert "Nguyễn Thu Hà" in text
    assert "Trần Văn Bình" not in text  # 120 hours
    assert newcomer.full_name not in text  # still in their first period
    assert "Thông tư 32/2023/TT-BYT" in text


def test_follow_up_lists_answer_htmx_with_the_table(people, world, client_for):
    client = client_for(world.region_manager)
    for name, table in (
        ("workforce:licences_expiring", "licence-results"),
        ("workforce:licences_missing", "missing-results"),
        ("workforce:cme_shortfall", "cme-results"),
    ):
        response = client.get(reverse(name), {"unit": "A1"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="t")
        assert response.status_code == 200 and "<html" not in response.text and f'id="{table}"' in response.text


def test_follow_up_lists_query_count_does_not_grow_with_rows(world, client_for):
    client = client_for(world.province_admin)
    urls = [
        reverse(n) for n in ("workforce:licences_expiring", "workforce:licences_missing", "workforce:cme_shortfall")
    ]

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            result.append(len(ctx))
        return result

    # Every list has a row to start with (an empty page skips its query).
    licence(StaffFactory(orgunit=world.station_a1), valid_until=add_months(today(), 2), number="FIRST")
    StaffFactory(orgunit=world.station_a1)
    few = counts()
    for i in range(20):
        person = StaffFactory(orgunit=[world.station_a1, world.station_b1][i % 2], full_name=f"Thêm {i}")
        licence(person, valid_until=add_months(today(), 2), number=f"X-{i}")
    assert counts() == few


# --- catalogues ------------------------------------------------------------------------------------------------------


def test_everyone_reads_the_catalogues_with_their_sources(world, client_for):
    client = client_for(world.viewer)
    titles = client.get(reverse("workforce:title_list")).text
    assert "Bác sĩ y học dự phòng" in titles and "15/2023/QH15" in titles
    assert reverse("workforce:title_create") not in titles
    assert "Siêu âm tổng quát" in client.get(reverse("workforce:competency_list")).text


def test_a_province_administrator_adds_a_title(world, client_for):
    client = client_for(world.province_admin)
    assert reverse("workforce:title_create") in client.get(reverse("workforce:title_list")).text
    response = client.post(
        reverse("workforce:title_create"),
        {"code": "cap-cuu-vien", "name": "Cấp cứu viên ngoại viện", "category": "other", "needs_licence": "on",
         "sort_order": "57", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Title.objects.get(code="cap-cuu-vien").needs_licence is True


def test_a_duplicate_title_code_is_refused_with_the_input_kept(world, client_for):
    response = client_for(world.province_admin).post(
        reverse("workforce:title_create"),
        {"code": "bac-si", "name": "Bác sĩ mới", "category": "doctor", "sort_order": "1", "is_active": "on"},
    )
    assert response.status_code == 200
    assert 'value="Bác sĩ mới"' in response.text
    assert not Title.objects.filter(name="Bác sĩ mới").exists()


def test_a_province_admin_below_the_root_cannot_edit_the_catalogues(world, client_for):
    admin = UserFactory(username="region_admin")
    RoleAssignmentFactory(user=admin, role=Role.PROVINCE_ADMIN, orgunit=world.region_a)
    response = client_for(admin).post(
        reverse("workforce:competency_create"), {"code": "noi-soi", "name": "Nội soi", "is_active": "on"}
    )
    assert response.status_code == 403
    assert not Competency.objects.filter(code="noi-soi").exists()


def test_a_retired_title_stays_selectable_for_people_who_hold_it(people, world, client_for):
    Title.objects.filter(code="dieu-duong").update(is_active=False)
    client = client_for(world.region_manager)
    edit = client.get(reverse("workforce:staff_edit", args=[people["binh"].pk])).text
    assert "Điều dưỡng" in edit
    create = client.get(reverse("workforce:staff_create")).text
    assert "Điều dưỡng" not in create


def test_navigation_offers_the_workforce(world, client_for):
    text = client_for(world.viewer).get(reverse("workforce:staff_list")).text
    assert f'href="{reverse("workforce:staff_list")}" aria-current="page"' in text


def test_the_roster_import_page_lists_bad_rows_and_saves_nothing_then_accepts_a_good_file(world, client_for):
    import io

    from openpyxl import load_workbook

    from ytcs.workforce.models import Staff

    client = client_for(world.region_manager)
    template = client.get(reverse("workforce:staff_import_template"))
    wb = load_workbook(io.BytesIO(template.content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    row = dict.fromkeys(headers)

    def put(header_start, value):
        key = next(h for h in headers if h and h.startswith(header_start))
        row[key] = value

    put("Họ và tên", "Phạm Thị Lan")
    put("Giới tính", "Nữ")
    put("Ngày sinh", "12/05/1991")
    put("Số CCCD", "12345")
    put("Chức danh", "Hộ sinh")
    put("Trình độ", "Cao đẳng")
    put("Loại hợp đồng", "Viên chức")
    put("Mã đơn vị", "A2")
    put("Ngày vào ngành", "01/09/2013")
    ws.append([row[h] for h in headers])
    bad = io.BytesIO()
    wb.save(bad)
    bad.name = "nhan-luc.xlsx"
    bad.seek(0)
    response = client.post(reverse("workforce:staff_import"), {"file": bad})
    assert response.status_code == 200 and 'id="import-errors"' in response.text
    assert not Staff.objects.filter(full_name="Phạm Thị Lan").exists()

    ws.delete_rows(2)
    put("Số CCCD", "079191012345")
    ws.append([row[h] for h in headers])
    good = io.BytesIO()
    wb.save(good)
    good.name = "nhan-luc.xlsx"
    good.seek(0)
    response = client.post(reverse("workforce:staff_import"), {"file": good})
    assert response.status_code == 302
    assert Staff.objects.get(national_id="079191012345").orgunit == world.station_a2
