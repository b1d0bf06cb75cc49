"""Persona matrix over every supervision API endpoint: anonymous → 401, in scope → 2xx, outsider (region B) → 404
on region A's records with nothing saved, read-only roles (viewer, province viewer, data clerk) → 403 on every
write with nothing saved.

Region A's team visited station A1 and issued directives to it; station A1 reports progress; region A's manager
accepts or returns; station A1 sends an obstacle, which the Department (the province administrator) answers.
Notifications are personal: their endpoints are checked for their recipient (station A1's head) and for someone
else (404), not for read-only roles, who read and mark their own inbox like anyone."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ytcs.core.testing.matrix import READ_ONLY, Endpoint, audit_count, call
from ytcs.core.testing.personas import World
from ytcs.supervision import services
from ytcs.supervision.models import (
    Directive,
    DirectiveUpdate,
    Notification,
    Obstacle,
    ObstacleAnswer,
    Visit,
    VisitPhoto,
    VisitUnit,
)
from ytcs.supervision.tests.helpers import PDF, PNG, days, directive, obstacle, png, visit


def _records(w: World) -> dict:
    """Region A's visit to station A1 with a photo, an open directive, one reported done with evidence, station A1's
    obstacle, and the notifications they produced; made once per world (the URLs need their ids)."""
    records = w.__dict__.setdefault("_supervision_records", {})
    if not records:
        records["visit"] = visit(w)
        records["photo"] = services.visit_photo_add(user=w.region_manager, visit=records["visit"], uploaded=png())
        records["open"] = directive(w, source=records["visit"], title="Áp dụng 5S")
        records["done"] = directive(w, title="Rà soát quy trình")
        services.directive_progress(
            user=w.station_head,
            directive=records["done"],
            status="done",
            note="Đã ban hành quy trình",
            evidence=SimpleUploadedFile("quy-trinh.pdf", PDF, content_type="application/pdf"),
        )
        records["evidence"] = DirectiveUpdate.objects.get(directive=records["done"], to_status="done")
        records["obstacle"] = obstacle(w)
        records["notification"] = Notification.objects.filter(user=w.station_head).first()
    return records


@pytest.fixture
def world(world):
    """The persona world with the records made before any count is taken."""
    _records(world)
    return world


def of(name: str, key: str, query: str = ""):
    return lambda w: reverse(name, args=[_records(w)[key].pk]) + (f"?{query}" if query else "")


def url(name: str, query: str = "", *args):
    return lambda w: reverse(name, args=list(args)) + (f"?{query}" if query else "")


def visit_body(w: World) -> dict:
    return {
        "orgunit": "RA",
        "title": "Giám sát hỗ trợ trạm A2",
        "visited_on": days(7).isoformat(),
        "units": ["A2"],
        "team": [{"user": "station_head", "role": "Thành viên"}, {"name": "BS. Lê Văn Khách"}],
        "areas": ["equipment"],
    }


def directive_body(w: World) -> dict:
    return {
        "visit": _records(w)["visit"].pk,
        "orgunit": "A1",
        "title": "Hoàn thiện hồ sơ sức khỏe điện tử",
        "category": "medical_records",
        "due_on": days(60).isoformat(),
        "evidence_required": "Tỷ lệ hồ sơ được cập nhật trên phần mềm",
    }


def photo_body(w: World) -> dict:
    return {"file": SimpleUploadedFile("phong kham.jpg", b"\xff\xd8\xff\xe0" + PNG[8:], "image/jpeg"), "caption": "x"}


API = {"api": True}
LISTS = {"api": True, "out_of_scope": None}
STATION = {"api": True, "allowed": "station_head"}
PROVINCE = {"api": True, "allowed": "province_admin"}
INBOX = {"api": True, "allowed": "station_head", "read_only": None}

ENDPOINTS = [
    # visits
    Endpoint(
        "visits",
        "get",
        lambda w: reverse("supervision-visit-list") + f"?kind=supervision&orgunit=RA&year={days(-10).year}",
        **LISTS,
    ),
    Endpoint("visit create", "post", url("supervision-visit-list"), visit_body, ok=frozenset({201}), **LISTS),
    Endpoint("visit", "get", of("supervision-visit-detail", "visit"), **API),
    Endpoint("visit patch", "patch", of("supervision-visit-detail", "visit"), lambda w: {"findings": "Bổ sung"}, **API),
    Endpoint(
        "visit put",
        "put",
        of("supervision-visit-detail", "visit"),
        lambda w: {"title": "Giám sát quý II", "visited_on": days(-9).isoformat(), "units": ["A1", "A2"]},
        **API,
    ),
    Endpoint("visit photos", "get", of("supervision-visit-photos", "visit"), **API),
    Endpoint(
        "visit photo upload",
        "post",
        of("supervision-visit-photos", "visit"),
        photo_body,
        ok=frozenset({201}),
        format="multipart",
        **API,
    ),
    Endpoint("photo", "get", of("supervision-photo-detail", "photo"), **API),
    Endpoint("photo delete", "delete", of("supervision-photo-detail", "photo"), ok=frozenset({204}), **API),
    # directives
    Endpoint(
        "directives", "get", url("supervision-directive-list", "overdue=false&box=mine&orgunit=RA&age=0-30"), **LISTS
    ),
    Endpoint(
        "directive create", "post", url("supervision-directive-list"), directive_body, ok=frozenset({201}), **LISTS
    ),
    Endpoint("directive", "get", of("supervision-directive-detail", "open"), **API),
    Endpoint(
        "directive patch",
        "patch",
        of("supervision-directive-detail", "open"),
        lambda w: {"due_on": days(45).isoformat()},
        **API,
    ),
    Endpoint(
        "directive put",
        "put",
        of("supervision-directive-detail", "open"),
        lambda w: {
            "title": "Áp dụng 5S toàn trạm",
            "due_on": days(40).isoformat(),
            "evidence_required": "Ảnh trước và sau",
            "orgunit": "A1",
        },
        **API,
    ),
    Endpoint(
        "directive update",
        "post",
        of("supervision-directive-progress", "open"),
        lambda w: {"status": "in_progress", "note": "Đã phân công"},
        **STATION,
    ),
    Endpoint("directive accept", "post", of("supervision-directive-accept", "done"), lambda w: {}, **API),
    Endpoint(
        "directive return",
        "post",
        of("supervision-directive-return", "done"),
        lambda w: {"note": "Thiếu chữ ký"},
        **API,
    ),
    Endpoint("directive evidence", "get", of("supervision-directive-evidence", "evidence"), **API),
    Endpoint("directive follow-up", "get", url("supervision-directive-follow-up"), **LISTS),
    Endpoint("directive follow-up of a unit", "get", url("supervision-directive-follow-up", "orgunit=A1"), **API),
    Endpoint("board", "get", url("supervision-board"), **LISTS),
    Endpoint("board of a region", "get", url("supervision-board", "orgunit=RA"), **API),
    Endpoint("timeline", "get", url("supervision-timeline", "page_size=2&kind=visit&kind=obstacle", "A1"), **API),
    # obstacles
    Endpoint("obstacles", "get", url("supervision-obstacle-list", "box=mine&status=sent"), **LISTS),
    Endpoint(
        "obstacle create",
        "post",
        url("supervision-obstacle-list"),
        lambda w: {
            "orgunit": "A1",
            "kind": "proposal",
            "subject": "Đề xuất bổ sung máy điện tim",
            "body": "Máy cũ hỏng từ tháng 2.",
            "office": "pharmacy_equipment",
        },
        ok=frozenset({201}),
        **{**LISTS, "allowed": "station_head"},
    ),
    Endpoint("obstacle", "get", of("supervision-obstacle-detail", "obstacle"), **API),
    Endpoint(
        "obstacle answer",
        "post",
        of("supervision-obstacle-answer", "obstacle"),
        lambda w: {"body": "Sở đã đưa vào kế hoạch năm sau."},
        **PROVINCE,
    ),
    Endpoint("obstacle resolve", "post", of("supervision-obstacle-resolve", "obstacle"), lambda w: {}, **STATION),
    # notifications
    Endpoint(
        "notifications", "get", url("supervision-notification-list", "unread=true"), **{**INBOX, "out_of_scope": None}
    ),
    Endpoint("notification", "get", of("supervision-notification-detail", "notification"), **INBOX),
    Endpoint("notification read", "post", of("supervision-notification-read", "notification"), lambda w: {}, **INBOX),
    Endpoint(
        "notifications read all",
        "post",
        url("supervision-notification-read-all"),
        lambda w: {},
        **{**INBOX, "out_of_scope": None},
    ),
]


def _snapshot() -> tuple:
    return (
        audit_count(),
        tuple(Visit.objects.order_by("pk").values_list("status", "title", "findings", "visited_on")),
        tuple(VisitUnit.objects.order_by("pk").values_list("visit", "orgunit")),
        VisitPhoto.objects.count(),
        tuple(Directive.objects.order_by("pk").values_list("status", "title", "due_on")),
        DirectiveUpdate.objects.count(),
        tuple(Obstacle.objects.order_by("pk").values_list("status")),
        ObstacleAnswer.objects.count(),
        tuple(Notification.objects.order_by("pk").values_list("user", "read_at")),
    )


def _client(persona, world, api_for):
    return api_for(getattr(world, persona) if persona else None)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_anonymous_gets_401_and_nothing_is_saved(endpoint, world, api_for):
    before = _snapshot()
    response = call(_client(None, world, api_for), endpoint, world)
    assert response.status_code == 401
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_in_scope_persona_succeeds(endpoint, world, api_for):
    before = _snapshot()
    response = call(_client(endpoint.allowed, world, api_for), endpoint, world)
    assert response.status_code in endpoint.ok, getattr(response, "content", b"")[:500]
    assert (_snapshot() != before) == endpoint.writes


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.out_of_scope], ids=str)
def test_out_of_scope_persona_gets_404_and_nothing_is_saved(endpoint, world, api_for):
    before = _snapshot()
    response = call(_client(endpoint.out_of_scope, world, api_for), endpoint, world)
    assert response.status_code == 404, response.content[:300]
    assert set(response.json()) == {"detail", "errors"}
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.writes and e.read_only], ids=str)
def test_read_only_persona_gets_403_on_write_and_nothing_is_saved(endpoint, world, api_for):
    before = _snapshot()
    for persona in READ_ONLY:
        response = call(_client(persona, world, api_for), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code, response.content[:300])
        assert set(response.json()) == {"detail", "errors"}
    assert _snapshot() == before


# ---------------------------------------------------------------------------------------------- who acts when

REVIEWS = [e for e in ENDPOINTS if e.name in ("directive accept", "directive return")]
ISSUER_ONLY = [e for e in ENDPOINTS if e.name in ("directive create", "directive patch", "directive put")]


@pytest.mark.parametrize("endpoint", REVIEWS, ids=str)
def test_the_responsible_station_never_accepts_or_returns_its_directive(endpoint, world, api_for):
    before = _snapshot()
    response = call(_client("station_head", world, api_for), endpoint, world)
    assert response.status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", ISSUER_ONLY, ids=str)
def test_a_station_head_neither_issues_nor_corrects_directives(endpoint, world, api_for):
    before = _snapshot()
    response = call(_client("station_head", world, api_for), endpoint, world)
    assert response.status_code == 403, response.content[:300]
    assert _snapshot() == before


def test_only_the_department_answers_obstacles(world, api_for):
    endpoint = next(e for e in ENDPOINTS if e.name == "obstacle answer")
    before = _snapshot()
    for persona in ("station_head", "region_manager"):
        assert call(_client(persona, world, api_for), endpoint, world).status_code == 403
    assert _snapshot() == before


def test_the_outsider_sees_none_of_region_as_records_in_the_lists(world, api_for):
    client = api_for(world.outsider)
    for name in ("supervision-visit-list", "supervision-directive-list", "supervision-obstacle-list"):
        assert client.get(reverse(name)).json()["count"] == 0
    assert client.get(reverse("supervision-board")).json()["totals"]["total"] == 0
    assert api_for(world.province_viewer).get(reverse("supervision-directive-list")).json()["count"] == 2
