"""Persona matrix over the assessment report pages (all read-only): scorecard, its PDF, a unit's results across
years, the ranking and its export. Anonymous → login; in scope → 200; out of scope → 404; no write accepted (405)
and nothing saved.

Targets are station A1's verified assessment and region A: the outsider (region B) sees neither, the station head
sees A1's pages but not region A's ranking."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ytcs.assessments import services
from ytcs.assessments.models import Assessment, Item
from ytcs.core.testing.factories import ASSESSMENT_TEST_FRAMEWORK, assessment_framework
from ytcs.core.testing.matrix import Endpoint, audit_count, call, page_matrix
from ytcs.core.testing.personas import World

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32
READERS = ("region_manager", "viewer", "province_viewer", "data_clerk", "province_admin", "superuser")


@pytest.fixture
def world(world, settings, tmp_path):
    """The persona world with its assessment made before any snapshot (evidence files in a temporary media root)."""
    settings.MEDIA_ROOT = tmp_path
    _assessment(world)
    return world


def _assessment(w: World) -> Assessment:
    """Station A1's assessment of 2025, answered, submitted and verified by region A; made once per world."""
    assessment = w.__dict__.get("_report_assessment")
    if assessment is None:
        # A code of its own: the coverage test builds every matrix's records in one world.
        fw = assessment_framework(w.province_admin, {**ASSESSMENT_TEST_FRAMEWORK, "code": "thu-nghiem-bao-cao"})
        assessment = services.assessment_create(user=w.station_head, orgunit=w.station_a1, framework=fw, year=2025)
        for code, value in (("TC2.1", True), ("TC2.2", 1), ("TC3.1", True)):
            item = Item.objects.get(criterion__framework=fw, code=code)
            services.answer_save(
                user=w.station_head, assessment=assessment, item=item, value=value, override_reason="Mới tuyển dụng"
            )
        services.evidence_add(
            user=w.station_head,
            assessment=assessment,
            item=Item.objects.get(criterion__framework=fw, code="TC3.1"),
            uploaded=SimpleUploadedFile("nuoc.png", PNG, content_type="image/png"),
        )
        services.assessment_submit(user=w.station_head, assessment=assessment)
        assessment = services.assessment_verify(user=w.region_manager, assessment=assessment)
        w._report_assessment = assessment
    return assessment


def assessment_page(name: str):
    return lambda w: reverse(f"assessments:{name}", args=[_assessment(w).pk])


def ranking_page(name: str, with_unit: bool = True):
    def url(w: World) -> str:
        query = f"?framework={_assessment(w).framework_id}&year=2025"
        return reverse(f"assessments:{name}") + query + ("&orgunit=RA" if with_unit else "")

    return url


def comparison(w: World) -> str:
    return reverse("assessments:unit_comparison", args=["A1", _assessment(w).framework.code])


ENDPOINTS = [
    Endpoint("scorecard", "get", assessment_page("scorecard")),
    Endpoint("scorecard pdf", "get", assessment_page("scorecard_pdf")),
    Endpoint("unit comparison", "get", comparison),
    Endpoint("ranking of region A", "get", ranking_page("ranking")),
    Endpoint("ranking of the whole scope", "get", ranking_page("ranking", with_unit=False), out_of_scope=None),
    Endpoint("ranking with the defaults", "get", lambda w: reverse("assessments:ranking"), out_of_scope=None),
    Endpoint("ranking export of region A", "get", ranking_page("ranking_export")),
    Endpoint("ranking export of the scope", "get", ranking_page("ranking_export", with_unit=False), out_of_scope=None),
]

# The station head sees A1's assessment and results, not region A's ranking.
STATION_HEAD_SEES = {"scorecard", "scorecard pdf", "unit comparison"}

_matrix = page_matrix(ENDPOINTS, audit_count)
# Every report is read-only: the write checks of the matrix have nothing to run; test_reports_accept_no_write below
# checks that a write is refused instead.
_matrix.pop("test_read_only_persona_gets_403_on_write_and_nothing_is_saved")
globals().update(_matrix)


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_reader_in_scope_gets_the_page(endpoint, world, client_for):
    readers = READERS + (("station_head",) if endpoint.name in STATION_HEAD_SEES else ())
    for persona in readers:
        response = call(client_for(getattr(world, persona)), endpoint, world)
        assert response.status_code == 200, (persona, response.content[:300])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if e.out_of_scope and e.name not in STATION_HEAD_SEES], ids=str
)
def test_the_station_head_does_not_see_region_a(endpoint, world, client_for):
    assert call(client_for(world.station_head), endpoint, world).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_reports_accept_no_write(endpoint, world, client_for):
    url = endpoint.url(world)
    before = audit_count()
    assert client_for(world.province_admin).post(url, {}).status_code == 405
    assert audit_count() == before
