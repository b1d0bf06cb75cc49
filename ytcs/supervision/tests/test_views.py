"""Supervision pages: a directive from a visit to its acceptance through the pages, who sees which form, errors kept
on their fields, photos and evidence, the lists' filters and drill-downs, obstacles, notifications, the timeline,
the links from other apps' pages, and bounded list queries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ytcs.supervision import services
from ytcs.supervision.models import Directive, DirectiveUpdate, Notification, Obstacle, Visit, VisitPhoto
from ytcs.supervision.tests.helpers import JPEG, PDF, days, directive, done, obstacle, proposal, visit

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def directive_data(w, **extra) -> dict:
    return {
        "orgunit": w.station_a1.pk,
        "title": "Sắp xếp kho thuốc theo 5S",
        "details": "",
        "category": "five_s",
        "issued_on": "",
        "due_on": dmy(days(30)),
        "evidence_required": "Ảnh kho trước và sau",
        "training_plan": "",
        "investment_proposal": "",
        "indicator": "",
        **extra,
    }


# ---------------------------------------------------------------------------------------------- the flow


def test_a_directive_goes_from_the_visit_page_to_acceptance(world, client_for):
    source = visit(world)
    manager, station = client_for(world.region_manager), client_for(world.station_head)

    page = manager.get(reverse("supervision:visit_detail", args=[source.pk])).text
    assert 'id="directive-form"' in page
    response = manager.post(reverse("supervision:visit_directive_add", args=[source.pk]), directive_data(world))
    assert response.status_code == 302
    item = Directive.objects.get(title="Sắp xếp kho thuốc theo 5S")
    assert (item.visit, item.issuer_unit, item.orgunit) == (source, world.region_a, world.station_a1)
    assert "Sắp xếp kho thuốc theo 5S" in manager.get(reverse("supervision:visit_detail", args=[source.pk])).text

    detail = reverse("supervision:directive_detail", args=[item.pk])
    page = station.get(detail).text
    assert 'id="progress-form"' in page and 'id="review-form"' not in page
    evidence = SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf")
    response = station.post(
        reverse("supervision:directive_progress", args=[item.pk]),
        {"status": "done", "note": "Đã sắp xếp xong", "evidence": evidence},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"
    page = station.get(detail).text
    assert 'id="review-form"' not in page and 'id="progress-form"' not in page
    step = DirectiveUpdate.objects.get(directive=item, to_status="done")
    assert reverse("supervision:directive_evidence", args=[step.pk]) in page
    download = manager.get(reverse("supervision:directive_evidence", args=[step.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    assert download["X-Content-Type-Options"] == "nosniff"

    assert station.post(reverse("supervision:directive_accept", args=[item.pk]), {"note": ""}).status_code == 403
    assert 'id="review-form"' in manager.get(detail).text
    assert manager.post(reverse("supervision:directive_accept", args=[item.pk]), {"note": "Đạt"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "accepted" and item.accepted_by == world.region_manager
    page = manager.get(detail).text
    assert 'id="review-form"' not in page and 'id="progress-form"' not in page
    assert reverse("supervision:directive_edit", args=[item.pk]) not in page


def test_returning_needs_a_comment_kept_on_its_field(world, client_for):
    item = done(world, directive(world))
    manager = english(client_for(world.region_manager))
    response = manager.post(reverse("supervision:directive_return", args=[item.pk]), {"note": "  "})
    assert response.status_code == 200
    assert "Say what is missing." in response.text
    item.refresh_from_db()
    assert item.status == "done"
    response = manager.post(reverse("supervision:directive_return", args=[item.pk]), {"note": "Thiếu chữ ký"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "in_progress"
    assert "Thiếu chữ ký" in manager.get(reverse("supervision:directive_detail", args=[item.pk])).text


def test_reporting_done_without_evidence_is_refused_on_the_note(world, client_for):
    item = directive(world)
    station = english(client_for(world.station_head))
    response = station.post(reverse("supervision:directive_progress", args=[item.pk]), {"status": "done", "note": ""})
    assert response.status_code == 200
    assert "Say what was done or attach the evidence before reporting it done." in response.text
    a_fake = SimpleUploadedFile("bien-ban.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = station.post(
        reverse("supervision:directive_progress", args=[item.pk]), {"status": "done", "evidence": a_fake}
    )
    assert "Attach a photo (JPEG, PNG) or a PDF." in response.text
    item.refresh_from_db()
    assert item.status == "open" and not DirectiveUpdate.objects.filter(directive=item).exists()


def test_the_responsible_station_sees_no_accept_button_and_a_viewer_no_form(world, client_for):
    item = done(world, directive(world))
    detail = reverse("supervision:directive_detail", args=[item.pk])
    for persona in ("station_head", "viewer", "province_viewer", "data_clerk"):
        page = client_for(getattr(world, persona)).get(detail).text
        assert 'id="review-form"' not in page, persona
        assert reverse("supervision:directive_accept", args=[item.pk]) not in page, persona
    assert 'id="review-form"' in client_for(world.province_admin).get(detail).text


# ---------------------------------------------------------------------------------------------- visits


def test_a_visit_form_keeps_what_was_typed_and_names_the_fields(world, client_for):
    manager = english(client_for(world.region_manager))
    data = {
        "orgunit": world.region_a.pk,
        "kind": "supervision",
        "title": "Giám sát quý III",
        "visited_on": "31/02/2025",
        "status": "done",
        "units": [world.station_a1.pk],
        "team": "@nobody; Trưởng đoàn\nBS. Lê Văn Khách",
        "areas": ["other"],
        "areas_note": "",
        "framework": "",
        "findings": "",
    }
    response = manager.post(reverse("supervision:visit_create"), data)
    assert response.status_code == 200
    assert "Line 1: unknown user “nobody”." in response.text
    assert "Enter a valid date." in response.text
    assert 'value="Giám sát quý III"' in response.text and "BS. Lê Văn Khách" in response.text
    assert 'value="31/02/2025"' in response.text

    data.update({"visited_on": dmy(days(-3)), "team": "@station_head; Thành viên\nBS. Lê Văn Khách"})
    response = manager.post(reverse("supervision:visit_create"), data)
    assert response.status_code == 200
    assert "Say which other areas were surveyed." in response.text or "Write what the visit found" in response.text
    assert not Visit.objects.exists()

    data.update({"areas_note": "Kho vắc xin", "findings": "Tủ lạnh vắc xin chưa có nhiệt kế."})
    response = manager.post(reverse("supervision:visit_create"), data)
    assert response.status_code == 302
    saved = Visit.objects.get()
    assert saved.status == "done" and saved.areas == ["other"]
    assert [(m.user, m.name, m.role) for m in saved.team.order_by("id")] == [
        (world.station_head, world.station_head.full_name or "station_head", "Thành viên"),
        (None, "BS. Lê Văn Khách", ""),
    ]
    edit = manager.get(reverse("supervision:visit_edit", args=[saved.pk])).text
    assert "@station_head; Thành viên" in edit and dmy(days(-3)) in edit


def test_a_unit_outside_the_lead_is_refused_on_the_units_field(world, client_for):
    manager = english(client_for(world.province_admin))
    data = {
        "orgunit": world.region_a.pk,
        "kind": "supervision",
        "title": "Giám sát",
        "visited_on": dmy(days(5)),
        "status": "planned",
        "units": [world.station_b1.pk],
        "team": "",
        "areas": [],
    }
    response = manager.post(reverse("supervision:visit_create"), data)
    assert response.status_code == 200
    assert "is not under the lead unit" in response.text
    assert not Visit.objects.exists()


def test_photos_are_checked_on_upload_and_served_to_those_who_see_the_visit(world, client_for):
    source = visit(world)
    manager = english(client_for(world.region_manager))
    url = reverse("supervision:visit_photo_add", args=[source.pk])
    fake = SimpleUploadedFile("anh.jpg", b"GIF89a....", content_type="image/jpeg")
    response = manager.post(url, {"file": fake, "caption": "Phòng khám"})
    assert response.status_code == 200 and "Attach a photo (JPEG or PNG)." in response.text
    assert 'value="Phòng khám"' in response.text
    response = manager.post(url, {"file": SimpleUploadedFile("anh.jpg", JPEG, "image/jpeg"), "caption": "Kho"})
    assert response.status_code == 302
    photo = VisitPhoto.objects.get()
    # The visited station sees the visit and its photos; region B does not.
    served = client_for(world.station_head).get(reverse("supervision:photo", args=[photo.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert client_for(world.outsider).get(reverse("supervision:photo", args=[photo.pk])).status_code == 404
    # The station sees but does not change the region's visit.
    page = client_for(world.station_head).get(reverse("supervision:visit_detail", args=[source.pk])).text
    assert 'id="photo-form"' not in page and 'id="directive-form"' not in page


def test_a_planned_visit_issues_no_directive_yet(world, client_for):
    planned = visit(world, status="planned", visited_on=days(5), findings="")
    manager = english(client_for(world.region_manager))
    page = manager.get(reverse("supervision:visit_detail", args=[planned.pk])).text
    assert 'id="directive-form"' not in page
    response = manager.post(reverse("supervision:visit_directive_add", args=[planned.pk]), directive_data(world))
    assert response.status_code == 200
    assert "Record the visit as carried out before issuing its directives." in response.text
    assert not Directive.objects.exists()


# ---------------------------------------------------------------------------------------------- lists


def _titles(html: str) -> set[str]:
    return set(re.findall(r'<a href="/supervision/directives/\d+/">([^<]+)</a>', html))


def test_the_directive_list_filters_overdue_due_soon_boxes_and_units(world, client_for):
    directive(world, title="Quá hạn", issued_on=days(-40), due_on=days(-2))
    directive(world, title="Sắp đến hạn", due_on=days(3))
    directive(world, title="Trạm A2", orgunit=world.station_a2, due_on=days(60))
    done(world, directive(world, title="Chờ nghiệm thu"))
    manager = client_for(world.region_manager)
    url = reverse("supervision:directive_list")
    assert _titles(manager.get(url + "?overdue=on").text) == {"Quá hạn"}
    assert _titles(manager.get(url + "?due_soon=on").text) == {"Sắp đến hạn"}
    assert _titles(manager.get(url + "?orgunit=A2").text) == {"Trạm A2"}
    assert _titles(manager.get(url + "?box=to_accept").text) == {"Chờ nghiệm thu"}
    assert _titles(manager.get(url + "?category=clinical_procedures&status=open&q=tram").text) == {"Trạm A2"}
    assert _titles(client_for(world.station_head).get(url + "?box=to_accept").text) == set()
    assert _titles(client_for(world.outsider).get(url).text) == set()
    assert 'mark class="badge overdue"' in manager.get(url + "?overdue=on").text
    fragment = manager.get(url + "?overdue=on", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="directive-table")
    assert "<html" not in fragment.text and "Quá hạn" in fragment.text


def test_the_export_holds_the_filtered_directives_with_dates(world, client_for):
    import io

    from openpyxl import load_workbook

    directive(world, title="Quá hạn", issued_on=days(-40), due_on=days(-2))
    directive(world, title="Đúng hạn", due_on=days(60))
    response = client_for(world.region_manager).get(reverse("supervision:directive_export") + "?overdue=on")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == ["Quá hạn"]
    assert rows[0][7].date() == days(-2) and sheet.cell(row=2, column=8).number_format == "DD/MM/YYYY"


def test_the_board_drills_down_to_the_list_with_the_same_count(world, client_for):
    directive(world, title="Mới", issued_on=days(-5))
    directive(world, title="Cũ", orgunit=world.station_a2, issued_on=days(-45), due_on=days(10))
    province = {"user": world.province_admin, "issuer": world.province}
    directive(world, title="Khu vực B", orgunit=world.station_b1, issued_on=days(-100), due_on=days(10), **province)
    directive(world, title="Trung tâm A", orgunit=world.region_a, issued_on=days(-3), due_on=days(10), **province)
    admin = client_for(world.province_admin)
    page = admin.get(reverse("supervision:board")).text
    links = re.findall(r'href="(/supervision/\?orgunit=[^"]+)">(\d+)</a>', page.replace("&amp;", "&"))
    assert links
    for link, count in links:
        assert len(_titles(admin.get(link).text)) == int(count), link
    assert ("/supervision/?orgunit=RA&age=31-90", "1") in links
    assert ("/supervision/?orgunit=RA&age=0-30", "2") in links  # station A1's and the centre's own
    region = admin.get(reverse("supervision:board") + "?orgunit=RA").text
    assert "Trung tâm Y tế khu vực Hòa An" in region and "/supervision/?orgunit=RA&amp;" not in region
    assert ("/supervision/?orgunit=RB&age=90%2B", "1") in links


def test_follow_up_per_unit_links_to_its_overdue_list(world, client_for):
    directive(world, title="Quá hạn", issued_on=days(-40), due_on=days(-2))
    page = client_for(world.region_manager).get(reverse("supervision:follow_up")).text
    assert "/supervision/?orgunit=A1&amp;overdue=on" in page
    assert reverse("supervision:timeline", args=["A1"]) in page


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("supervision:directive_list", lambda w, n: [directive(w, title=f"Chỉ đạo {i}") for i in range(n)]),
        ("supervision:visit_list", lambda w, n: [visit(w, title=f"Chuyến {i}") for i in range(n)]),
        ("supervision:obstacle_list", lambda w, n: [obstacle(w, subject=f"Vướng {i}") for i in range(n)]),
        ("supervision:notification_list", lambda w, n: [directive(w, title=f"Thông báo {i}") for i in range(n)]),
    ],
)
def test_list_pages_take_a_bounded_number_of_queries(world, client_for, django_assert_max_num_queries, name, make):
    user = world.station_head if name == "supervision:notification_list" else world.region_manager
    client = client_for(user)
    make(world, 3)
    client.get(reverse(name))  # warm the session and caches
    with django_assert_max_num_queries(14) as few:
        client.get(reverse(name))
    make(world, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


# ---------------------------------------------------------------------------------------------- obstacles


def test_an_obstacle_is_sent_answered_by_the_department_and_resolved_by_the_station(world, client_for):
    station, admin = client_for(world.station_head), client_for(world.province_admin)
    response = station.post(
        reverse("supervision:obstacle_create"),
        {
            "orgunit": world.station_a1.pk,
            "kind": "obstacle",
            "office": "personnel",
            "subject": "Thiếu bác sĩ trực",
            "body": "Đề nghị Sở điều động hỗ trợ.",
            "directive": "",
        },
    )
    assert response.status_code == 302
    item = Obstacle.objects.get()
    detail = reverse("supervision:obstacle_detail", args=[item.pk])
    assert 'id="answer-form"' not in station.get(detail).text
    assert 'id="answer-form"' in admin.get(detail).text
    assert admin.post(reverse("supervision:obstacle_answer", args=[item.pk]), {"body": "Sở cử bác sĩ luân phiên."})[
        "Location"
    ].endswith(detail)
    assert "Sở cử bác sĩ luân phiên." in station.get(detail).text
    assert station.post(reverse("supervision:obstacle_resolve", args=[item.pk])).status_code == 302
    item.refresh_from_db()
    assert item.status == "resolved"
    page = station.get(detail).text
    assert 'id="resolve-form"' not in page and 'id="answer-form"' not in admin.get(detail).text


def test_an_obstacle_form_keeps_its_values_when_the_office_is_missing(world, client_for):
    station = english(client_for(world.station_head))
    data = {"orgunit": world.station_a1.pk, "kind": "proposal", "office": "", "subject": "Máy điện tim", "body": "x"}
    response = station.post(reverse("supervision:obstacle_create"), data)
    assert response.status_code == 200
    assert "This field is required." in response.text and 'value="Máy điện tim"' in response.text
    assert not Obstacle.objects.exists()


# ---------------------------------------------------------------------------------------------- notifications


def _bell(client) -> str:
    """The header bell as a page shows it after htmx has loaded its count."""
    page = client.get(reverse("core:home")).text
    assert f'hx-get="{reverse("supervision:notification_count")}" hx-trigger="load"' in page
    return client.get(reverse("supervision:notification_count")).text


def test_the_bell_counts_unread_notifications_and_marking_read_lowers_it(world, client_for):
    first = directive(world, title="Chỉ đạo một")
    directive(world, title="Chỉ đạo hai")
    station = client_for(world.station_head)
    assert _bell(station) == "🔔 2"
    assert _bell(client_for(world.outsider)) == "🔔"
    note = Notification.objects.get(user=world.station_head, directive=first)
    response = station.post(reverse("supervision:notification_read", args=[note.pk]), {"open": "1"})
    assert response["Location"] == reverse("supervision:directive_detail", args=[first.pk])
    assert _bell(station) == "🔔 1"
    assert station.post(reverse("supervision:notification_read_all")).status_code == 302
    assert _bell(station) == "🔔"
    assert not Notification.objects.filter(user=world.station_head, read_at__isnull=True).exists()


def test_someone_elses_notification_is_not_found(world, client_for):
    directive(world)
    note = Notification.objects.filter(user=world.station_head).first()
    response = client_for(world.region_manager).post(reverse("supervision:notification_read", args=[note.pk]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


# ---------------------------------------------------------------------------------------------- timeline, links


def test_the_timeline_shows_a_units_visits_directives_and_obstacles_and_is_linked_from_the_unit(world, client_for):
    source = visit(world, title="Giám sát tháng 3")
    directive(world, source=source, title="Áp dụng 5S")
    obstacle(world, subject="Thiếu bác sĩ trực")
    client = client_for(world.region_manager)
    page = client.get(reverse("supervision:timeline", args=["A1"])).text
    for text in ("Giám sát tháng 3", "Áp dụng 5S", "Thiếu bác sĩ trực"):
        assert text in page
    only_visits = client.get(reverse("supervision:timeline", args=["A1"]) + "?kind=visit").text
    assert "Giám sát tháng 3" in only_visits and "Thiếu bác sĩ trực" not in only_visits
    unit_page = client.get(reverse("orgunits:detail", args=["A1"])).text
    assert reverse("supervision:timeline", args=["A1"]) in unit_page
    assert client_for(world.outsider).get(reverse("supervision:timeline", args=["A1"])).status_code == 404


def test_a_directive_shows_its_links_and_the_proposal_page_lists_the_directive(world, client_for):
    item = directive(world, title="Đề xuất máy siêu âm")
    linked = proposal(world, world.station_a1, user=world.station_head)
    services.directive_edit(user=world.region_manager, directive=item, investment_proposal=linked)
    manager = client_for(world.region_manager)
    page = manager.get(reverse("supervision:directive_detail", args=[item.pk])).text
    assert reverse("assets:proposal_detail", args=[linked.pk]) in page
    proposal_page = manager.get(reverse("assets:proposal_detail", args=[linked.pk])).text
    assert 'id="linked-directives"' in proposal_page
    assert reverse("supervision:directive_detail", args=[item.pk]) in proposal_page
    other = proposal(world, world.station_a2)
    assert 'id="linked-directives"' not in manager.get(reverse("assets:proposal_detail", args=[other.pk])).text


def test_the_directive_edit_form_changes_the_links_for_the_issuer(world, client_for):
    item = directive(world)
    linked = proposal(world, world.station_a1, user=world.station_head)
    manager = client_for(world.region_manager)
    data = directive_data(world, title=item.title, investment_proposal=linked.pk, due_on=dmy(days(45)))
    response = english(manager).post(reverse("supervision:directive_edit", args=[item.pk]), data)
    assert response.status_code == 200 and "This field is required." in response.text  # the meeting's name
    assert 'value="Sắp xếp kho thuốc theo 5S"' not in response.text and f'value="{item.title}"' in response.text
    data["source_text"] = "Giao ban tháng 4"
    response = manager.post(reverse("supervision:directive_edit", args=[item.pk]), data)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.investment_proposal == linked and item.due_on == days(45) and item.category == "five_s"


def test_proposal_directives_lists_only_the_directives_the_viewer_sees_that_link_it(world):
    from ytcs.supervision import selectors

    linked = proposal(world, world.station_a1, user=world.station_head)
    item = directive(world, investment_proposal=linked)
    directive(world, title="Không liên kết")
    assert list(selectors.proposal_directives(user=world.station_head, proposal=linked)) == [item]
    assert list(selectors.proposal_directives(user=world.outsider, proposal=linked)) == []
