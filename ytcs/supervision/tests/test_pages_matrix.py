"""Persona matrix over every supervision page: anonymous → login, in scope → 200 or a redirect that saved something,
outsider (region B) → 404 on region A's records with nothing saved, read-only roles (viewer, province viewer, data
clerk) → 403 on every write and on opening a write form, with nothing saved.

Region A's team visited station A1 (with a photo) and issued a directive from the visit; another directive, from a
meeting, is reported done with evidence; station A1 sent an obstacle, which the Department (the province
administrator) answers. Notifications are personal: their pages are checked for their recipient (station A1's head)
and for someone else (404), not for read-only roles, who read and mark their own inbox like anyone."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ytcs.core.testing.matrix import Endpoint, call, page_matrix
from ytcs.core.testing.personas import World
from ytcs.supervision.tests.helpers import JPEG, days
from ytcs.supervision.tests.test_api_matrix import _records, _snapshot


@pytest.fixture
def world(world):
    """The persona world with the records made before any count is taken."""
    _records(world)
    return world


def of(name: str, key: str, query: str = ""):
    return lambda w: reverse(name, args=[_records(w)[key].pk]) + (f"?{query}" if query else "")


def url(name: str, query: str = "", *args):
    return lambda w: reverse(name, args=list(args)) + (f"?{query}" if query else "")


def dmy(n: int) -> str:
    return days(n).strftime("%d/%m/%Y")


def visit_form(w: World, **extra) -> dict:
    return {
        "kind": "supervision",
        "title": "Giám sát hỗ trợ trạm A2",
        "visited_on": dmy(7),
        "status": "planned",
        "units": [w.station_a2.pk],
        "team": "@station_head; Thành viên\nBS. Lê Văn Khách",
        "areas": ["equipment"],
        "areas_note": "",
        "framework": "",
        "findings": "",
        **extra,
    }


def directive_form(w: World, **extra) -> dict:
    return {
        "orgunit": w.station_a1.pk,
        "title": "Hoàn thiện hồ sơ sức khỏe điện tử",
        "details": "",
        "category": "medical_records",
        "issued_on": "",
        "due_on": dmy(60),
        "evidence_required": "Tỷ lệ hồ sơ được cập nhật trên phần mềm",
        "training_plan": "",
        "investment_proposal": "",
        "indicator": "",
        **extra,
    }


def photo(w: World) -> dict:
    return {"file": SimpleUploadedFile("phong kham.jpg", JPEG, "image/jpeg"), "caption": "Phòng khám"}


LISTS = {"out_of_scope": None}
STATION = {"allowed": "station_head"}
PROVINCE = {"allowed": "province_admin"}
INBOX = {"allowed": "station_head", "read_only": None}

PAGES = [
    # directives
    Endpoint("directive list", "get", url("supervision:directive_list"), **LISTS),
    Endpoint(
        "directive list filtered",
        "get",
        url(
            "supervision:directive_list",
            "q=quy+trinh&box=mine&status=done&category=other&orgunit=RA&issuer=RA&age=0-30&overdue=on&due_soon=on",
        ),
        **LISTS,
    ),
    Endpoint("directive export", "get", url("supervision:directive_export", "orgunit=A1"), **LISTS),
    Endpoint("directive create form", "get", url("supervision:directive_create"), **LISTS),
    Endpoint(
        "directive create",
        "post",
        url("supervision:directive_create"),
        lambda w: directive_form(w, issuer_unit=w.region_a.pk, source_text="Hội nghị giao ban quý II"),
        **LISTS,
    ),
    Endpoint("directive detail", "get", of("supervision:directive_detail", "open")),
    Endpoint("directive edit form", "get", of("supervision:directive_edit", "open")),
    Endpoint(
        "directive edit",
        "post",
        of("supervision:directive_edit", "open"),
        lambda w: directive_form(w, title="Áp dụng 5S toàn trạm", due_on=dmy(45)),
    ),
    Endpoint(
        "directive progress",
        "post",
        of("supervision:directive_progress", "open"),
        lambda w: {"status": "in_progress", "note": "Đã phân công"},
        **STATION,
    ),
    Endpoint("directive accept", "post", of("supervision:directive_accept", "done"), lambda w: {"note": ""}),
    Endpoint(
        "directive return", "post", of("supervision:directive_return", "done"), lambda w: {"note": "Thiếu chữ ký"}
    ),
    Endpoint("directive evidence", "get", of("supervision:directive_evidence", "evidence")),
    Endpoint("follow-up", "get", url("supervision:follow_up"), **LISTS),
    Endpoint("follow-up of a unit", "get", url("supervision:follow_up", "orgunit=A1")),
    Endpoint("board", "get", url("supervision:board"), **LISTS),
    Endpoint("board of a region", "get", url("supervision:board", "orgunit=RA")),
    # visits
    Endpoint(
        "visit list",
        "get",
        lambda w: reverse("supervision:visit_list") + f"?kind=supervision&orgunit=RA&year={days(-10).year}",
        **LISTS,
    ),
    Endpoint("visit create form", "get", url("supervision:visit_create"), **LISTS),
    Endpoint(
        "visit create",
        "post",
        url("supervision:visit_create"),
        lambda w: visit_form(w, orgunit=w.region_a.pk),
        **LISTS,
    ),
    Endpoint("visit detail", "get", of("supervision:visit_detail", "visit")),
    Endpoint("visit edit form", "get", of("supervision:visit_edit", "visit")),
    Endpoint(
        "visit edit",
        "post",
        of("supervision:visit_edit", "visit"),
        lambda w: visit_form(
            w,
            title="Giám sát quý II",
            visited_on=dmy(-9),
            status="done",
            units=[w.station_a1.pk, w.station_a2.pk],
            findings="Kho thuốc đã sắp xếp.",
        ),
    ),
    Endpoint("visit photo add", "post", of("supervision:visit_photo_add", "visit"), photo),
    Endpoint("photo", "get", of("supervision:photo", "photo")),
    Endpoint("photo delete", "post", of("supervision:photo_delete", "photo"), lambda w: {}),
    Endpoint(
        "visit directive add",
        "post",
        of("supervision:visit_directive_add", "visit"),
        lambda w: directive_form(w, title="Sắp xếp kho thuốc theo 5S", category="five_s"),
    ),
    # obstacles
    Endpoint(
        "obstacle list",
        "get",
        url("supervision:obstacle_list", "q=bac+si&box=mine&status=sent&kind=obstacle&office=personnel&orgunit=A1"),
        **LISTS,
    ),
    Endpoint("obstacle create form", "get", url("supervision:obstacle_create"), **{**LISTS, **STATION}),
    Endpoint(
        "obstacle create",
        "post",
        url("supervision:obstacle_create"),
        lambda w: {
            "orgunit": w.station_a1.pk,
            "kind": "proposal",
            "office": "pharmacy_equipment",
            "subject": "Đề xuất bổ sung máy điện tim",
            "body": "Máy cũ hỏng từ tháng 2.",
            "directive": "",
        },
        **{**LISTS, **STATION},
    ),
    Endpoint("obstacle detail", "get", of("supervision:obstacle_detail", "obstacle")),
    Endpoint(
        "obstacle answer",
        "post",
        of("supervision:obstacle_answer", "obstacle"),
        lambda w: {"body": "Sở đã đưa vào kế hoạch năm sau."},
        **PROVINCE,
    ),
    Endpoint("obstacle resolve", "post", of("supervision:obstacle_resolve", "obstacle"), lambda w: {}, **STATION),
    # notifications
    Endpoint("notifications", "get", url("supervision:notification_list", "unread=1"), **{**INBOX, **LISTS}),
    Endpoint("notification count", "get", url("supervision:notification_count"), **{**INBOX, **LISTS}),
    Endpoint("notification read", "post", of("supervision:notification_read", "notification"), lambda w: {}, **INBOX),
    Endpoint(
        "notifications read all", "post", url("supervision:notification_read_all"), lambda w: {}, **{**INBOX, **LISTS}
    ),
    # timeline
    Endpoint("timeline", "get", url("supervision:timeline", "kind=visit&kind=directive", "A1")),
]

ENDPOINTS = PAGES
WRITE_FORMS = [e for e in PAGES if e.method == "get" and "form" in e.name]

globals().update(page_matrix(PAGES, _snapshot, forms=WRITE_FORMS, check_follow=True))


# ---------------------------------------------------------------------------------------------- who acts when

REVIEWS = [e for e in PAGES if e.name in ("directive accept", "directive return")]
ISSUER_ONLY = [e for e in PAGES if e.name in ("directive create", "directive edit", "directive edit form")]


@pytest.mark.parametrize("endpoint", REVIEWS, ids=str)
def test_the_responsible_station_never_accepts_or_returns_its_directive(endpoint, world, client_for):
    before = _snapshot()
    assert call(client_for(world.station_head), endpoint, world).status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", ISSUER_ONLY, ids=str)
def test_a_station_head_neither_issues_nor_corrects_directives(endpoint, world, client_for):
    before = _snapshot()
    assert call(client_for(world.station_head), endpoint, world).status_code == 403
    assert _snapshot() == before


def test_only_the_department_answers_obstacles(world, client_for):
    endpoint = next(e for e in PAGES if e.name == "obstacle answer")
    before = _snapshot()
    for persona in ("station_head", "region_manager"):
        assert call(client_for(getattr(world, persona)), endpoint, world).status_code == 403
    assert _snapshot() == before
