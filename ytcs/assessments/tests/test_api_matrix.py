"""Persona matrix over every assessments API endpoint: frameworks (read, export, import) and the assessments of
units (create, answers, submit, verify, return, scorecard, evidence).

Everything acted on belongs to station A1 of region A (the region manager's, not the outsider's): the test
framework, a complete draft for 2026 with its evidence, and a submitted assessment for 2025. The station head is
A1's own: they answer, attach and submit, but never verify their own station's assessment.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ytcs.assessments import services
from ytcs.assessments.models import Item
from ytcs.core.testing.factories import ASSESSMENT_TEST_FRAMEWORK, assessment_framework
from ytcs.core.testing.matrix import READ_ONLY, Endpoint, audit_count, call

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _once(w, key: str, make) -> Any:
    """Objects are made on first use and kept on the world (the fixture below makes them before any count)."""
    cache = w.__dict__.setdefault("_assessments_api", {})
    if key not in cache:
        cache[key] = make(w)
    return cache[key]


def framework(w):
    # A code of its own: the persona-matrix coverage test builds every matrix module's objects in one world.
    data = {**ASSESSMENT_TEST_FRAMEWORK, "code": "thu-nghiem-api"}
    return _once(w, "framework", lambda w: assessment_framework(w.province_admin, data))


def _complete(w, year: int):
    """A1's assessment for a year, every item answered and the evidence TC3.1 needs attached."""
    assessment = services.assessment_create(
        user=w.region_manager, orgunit=w.station_a1, framework=framework(w), year=year
    )
    item = Item.objects.get(criterion__framework=framework(w), code="TC3.1")
    services.answer_save(user=w.station_head, assessment=assessment, item=item, value=True)
    services.evidence_add(
        user=w.station_head,
        assessment=assessment,
        item=item,
        uploaded=SimpleUploadedFile("be-nuoc.png", PNG, content_type="image/png"),
    )
    return assessment


def draft(w):
    return _once(w, "draft", lambda w: _complete(w, 2026))


def submitted(w):
    def make(w):
        assessment = _complete(w, 2025)
        return services.assessment_submit(user=w.station_head, assessment=assessment)

    return _once(w, "submitted", make)


def evidence(w):
    return draft(w).evidence.get()


MAKERS = (framework, draft, submitted)


@pytest.fixture
def world(world):
    # Everything exists before the tests count audit entries, so only the request under test can add any.
    for make in MAKERS:
        make(world)
    return world


def of(name: str, obj):
    return lambda w: reverse(name, args=[obj(w).pk])


CATALOGUE = {"out_of_scope": None, "api": True}
LISTS = {"out_of_scope": None, "api": True}
API = {"api": True}


def sheet(w):
    return {
        "answers": [
            {"item": "TC2.1", "value": False},
            {"item": "TC2.2", "value": 0},
            {"item": "TC3.1", "value": True, "note": "Bể nước mới xây năm 2025"},
        ]
    }


def new_framework(w):
    return {**ASSESSMENT_TEST_FRAMEWORK, "version": "2027", "name": "Bộ tiêu chí thử nghiệm (bản 2027)"}


ENDPOINTS = [
    # Frameworks: a shared catalogue
    Endpoint("frameworks", "get", lambda w: reverse("assessment-framework-list"), **CATALOGUE),
    Endpoint("framework", "get", of("assessment-framework-detail", framework), **CATALOGUE),
    Endpoint("framework export", "get", of("assessment-framework-export", framework), **CATALOGUE),
    Endpoint(
        "framework import",
        "post",
        lambda w: reverse("assessment-framework-import"),
        new_framework,
        allowed="province_admin",
        **CATALOGUE,
    ),
    # Assessments
    Endpoint("assessments", "get", lambda w: reverse("assessment-list"), **LISTS),
    Endpoint(
        "assessment create",
        "post",
        lambda w: reverse("assessment-list"),
        lambda w: {"orgunit": "A2", "framework": framework(w).pk, "year": 2026},
        **LISTS,
    ),
    Endpoint("assessment", "get", of("assessment-detail", draft), **API),
    Endpoint("answers put", "put", of("assessment-answers", draft), sheet, **API),
    Endpoint(
        "answers patch",
        "patch",
        of("assessment-answers", draft),
        lambda w: {"answers": [{"item": "TC3.1", "note": "Ảnh chụp ngày 12/3"}]},
        **API,
    ),
    Endpoint("submit", "post", of("assessment-submit", draft), **API),
    Endpoint("verify", "post", of("assessment-verify", submitted), lambda w: {"comment": "Đạt"}, **API),
    Endpoint("return", "post", of("assessment-return", submitted), lambda w: {"comment": "Bổ sung biên bản"}, **API),
    Endpoint("score", "get", of("assessment-score", draft), **API),
    Endpoint("evidence list", "get", of("assessment-evidence", draft), **API),
    Endpoint(
        "evidence attach",
        "post",
        of("assessment-evidence", draft),
        lambda w: {"file": SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 x", "application/pdf"), "item": "TC3.1"},
        format="multipart",
        ok=frozenset({201}),
        **API,
    ),
    Endpoint("evidence file", "get", of("assessment-evidence-detail", evidence), **API),
    Endpoint("evidence delete", "delete", of("assessment-evidence-detail", evidence), ok=frozenset({204}), **API),
]

STATION_HEAD_REFUSED = {
    # Verifying is the level above's: a station never verifies (or returns) its own assessment.
    "verify": 403,
    "return": 403,
    "framework import": 403,
    # Station A2 is out of the station head's sight: an unknown unit.
    "assessment create": 400,
}
"""What the station head (A1's own) may not do; every other write on A1's assessments succeeds for them."""


def _api(persona, world, api_for):
    return api_for(getattr(world, persona) if persona else None)


def _body(response) -> bytes:
    return getattr(response, "content", b"")[:500] if not getattr(response, "streaming", False) else b""


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_anonymous_gets_401(endpoint, world, api_for):
    before = audit_count()
    response = call(_api(None, world, api_for), endpoint, world)
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "errors"}
    assert audit_count() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_in_scope_persona_succeeds(endpoint, world, api_for):
    before = audit_count()
    response = call(_api(endpoint.allowed, world, api_for), endpoint, world)
    assert response.status_code in endpoint.ok, _body(response)
    if endpoint.writes:
        assert audit_count() > before
    else:
        assert audit_count() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.out_of_scope], ids=str)
def test_out_of_scope_persona_gets_404_and_nothing_is_saved(endpoint, world, api_for):
    before = audit_count()
    response = call(_api(endpoint.out_of_scope, world, api_for), endpoint, world)
    assert response.status_code == 404, _body(response)
    assert set(response.json()) == {"detail", "errors"}
    assert audit_count() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.writes and e.read_only], ids=str)
def test_read_only_persona_gets_403_on_write_and_nothing_is_saved(endpoint, world, api_for):
    before = audit_count()
    for persona in READ_ONLY:
        response = call(_api(persona, world, api_for), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code, _body(response))
        assert set(response.json()) == {"detail", "errors"}
    assert audit_count() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.writes], ids=str)
def test_the_station_head_works_on_their_station_but_never_verifies_it(endpoint, world, api_for):
    before = audit_count()
    response = call(_api("station_head", world, api_for), endpoint, world)
    if endpoint.name in STATION_HEAD_REFUSED:
        assert response.status_code == STATION_HEAD_REFUSED[endpoint.name], _body(response)
        assert set(response.json()) == {"detail", "errors"}
        assert audit_count() == before
    else:
        assert response.status_code in endpoint.ok, _body(response)
        assert audit_count() > before


@pytest.mark.parametrize("persona", ["province_admin", "superuser"])
def test_the_province_verifies_a_station_too(persona, world, api_for):
    verify = next(e for e in ENDPOINTS if e.name == "verify")
    response = call(_api(persona, world, api_for), verify, world)
    assert response.status_code == 200 and response.json()["status"] == "verified"


def test_the_outsider_region_cannot_verify_or_import(world, api_for):
    """The other region's manager holds the approve right, but not on region A: 404, nothing saved."""
    before = audit_count()
    for name, status in (("verify", 404), ("return", 404), ("framework import", 403)):
        endpoint = next(e for e in ENDPOINTS if e.name == name)
        response = call(_api("outsider", world, api_for), endpoint, world)
        assert response.status_code == status, (name, response.status_code)
    assert audit_count() == before
