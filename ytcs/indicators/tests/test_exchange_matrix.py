"""Persona matrix over data exchange: the import and export pages, the /api/v1/ exchange API and DHIS2's paths.

Everything acted on belongs to region A: the region manager's import job (the outsider, region B's manager, gets
404 on it), values of station A1, exports of RA. Read-only personas (viewer, province viewer) may export but get
403 on every import, template and write; the data clerk may import. An import naming an out-of-scope unit is the
caller's own file, so it answers with conflicts, not 404 (tested below the matrix)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ytcs.core.testing.matrix import Endpoint, call, page_matrix
from ytcs.core.testing.personas import World
from ytcs.indicators import periods as P
from ytcs.indicators.models import DataValue, DataValueAudit, ImportJob
from ytcs.indicators.tests.helpers import put

READ_ONLY = ("viewer", "province_viewer")


def month() -> str:
    return P.containing(timezone.localdate(), "monthly").code


def _once(w: World, key: str, make):
    cache = w.__dict__.setdefault("_exchange_matrix", {})
    if key not in cache:
        cache[key] = make(w)
    return cache[key]


def job(w: World) -> ImportJob:
    """A finished import of the region manager's, with a conflict (no file needed to show it)."""

    def make(w):
        return ImportJob.objects.create(
            created_by=w.region_manager,
            file="imports/thu.json",
            original_name="so-lieu-thang.json",
            file_format="json",
            options={"importStrategy": "CREATE_AND_UPDATE", "dryRun": False},
            status="done",
            phase="finished",
            started=timezone.now(),
            finished=timezone.now(),
            summary={
                "status": "ERROR",
                "description": "Import process was aborted",
                "importCount": {"imported": 0, "updated": 0, "ignored": 1, "deleted": 0},
                "conflicts": [
                    {
                        "object": "KHONG_CO",
                        "objects": {"dataElement": "KHONG_CO"},
                        "value": "Data element not found or not accessible: `KHONG_CO`",
                        "errorCode": "E7610",
                        "property": "dataElement",
                        "indexes": [0],
                    }
                ],
            },
        )

    return _once(w, "job", make)


def values(w: World) -> bool:
    def make(w):
        put(w.province_admin, [("KCB_BHYT", w.station_a1, month(), 5)])
        return True

    return _once(w, "values", make)


@pytest.fixture
def world(world):
    job(world)
    values(world)
    return world


def snapshot():
    return (ImportJob.objects.count(), DataValue.objects.count(), DataValueAudit.objects.count())


def page(name: str, *args):
    return lambda w: reverse(f"indicators:{name}", args=[a(w) if callable(a) else a for a in args])


def job_pk(w):
    return job(w).pk


def upload(w):
    content = json.dumps(
        {"period": month(), "orgUnit": "A2", "dataValues": [{"dataElement": "DE_TAI_TRAM", "value": "2"}]}
    ).encode()
    return {
        "file": SimpleUploadedFile("so-lieu.json", content, "application/json"),
        "strategy": "CREATE_AND_UPDATE",
    }


def export_query(w):
    return f"?data_set=TYT_THANG&periods={month()}&orgunit=RA&children=on&fmt=xlsx"


CREATE_FORM = Endpoint("import form", "get", page("import_create"), out_of_scope=None)
TEMPLATE = Endpoint(
    "template", "get", lambda w: reverse("indicators:import_template") + "?data_set=TYT_THANG", out_of_scope=None
)

PAGES = [
    Endpoint("import list", "get", page("import_list"), out_of_scope=None),
    CREATE_FORM,
    Endpoint("import create", "post", page("import_create"), upload, out_of_scope=None),
    Endpoint("import detail", "get", page("import_detail", job_pk)),
    Endpoint("import progress", "get", page("import_progress", job_pk)),
    TEMPLATE,
    Endpoint("export", "get", lambda w: reverse("indicators:export") + export_query(w)),
]

globals().update(page_matrix(PAGES, snapshot, forms=[CREATE_FORM, TEMPLATE], read_only=READ_ONLY))


def dvs_body(w):
    return {"period": month(), "orgUnit": "A2", "dataValues": [{"dataElement": "DE_TAI_TRAM", "value": "2"}]}


def export_params(w):
    return f"?dataSet=TYT_THANG&period={month()}&orgUnit=RA&children=true"


def value_params(w, de="KCB_BHYT", extra=""):
    return f"?de={de}&pe={month()}&ou=A1{extra}"


API = {"api": True}

V1 = [
    Endpoint("v1 dataValueSets export", "get", lambda w: reverse("datavaluesets") + export_params(w), **API),
    Endpoint(
        "v1 dataValueSets import",
        "post",
        lambda w: reverse("datavaluesets"),
        dvs_body,
        out_of_scope=None,
        ok=frozenset({200}),
        **API,
    ),
    Endpoint("import jobs", "get", lambda w: reverse("import-job-list"), out_of_scope=None, **API),
    Endpoint("import job", "get", lambda w: reverse("import-job-detail", args=[job(w).pk]), **API),
]

DHIS2 = [
    Endpoint("dhis2 dataValueSets export", "get", lambda w: "/api/dataValueSets" + export_params(w), **API),
    Endpoint(
        "dhis2 dataValueSets import",
        "post",
        lambda w: "/api/dataValueSets",
        dvs_body,
        out_of_scope=None,
        ok=frozenset({200}),
        **API,
    ),
    Endpoint("dhis2 dataValue get", "get", lambda w: "/api/dataValues" + value_params(w), **API),
    Endpoint(
        "dhis2 dataValue post",
        "post",
        lambda w: "/api/dataValues" + value_params(w, "DE_TAI_TRAM", "&value=3"),
        ok=frozenset({201}),
        **API,
    ),
    Endpoint(
        "dhis2 dataValue delete", "delete", lambda w: "/api/dataValues" + value_params(w), ok=frozenset({204}), **API
    ),
    Endpoint("dhis2 me", "get", lambda w: "/api/me", out_of_scope=None, **API),
    Endpoint("dhis2 system info", "get", lambda w: "/api/system/info", out_of_scope=None, **API),
    Endpoint("dhis2 task", "get", lambda w: f"/api/system/tasks/DATAVALUE_IMPORT/{job(w).pk}", **API),
    Endpoint("dhis2 task summary", "get", lambda w: f"/api/system/taskSummaries/DATAVALUE_IMPORT/{job(w).pk}", **API),
    Endpoint("dhis2 versioned dataValueSets", "get", lambda w: "/api/41/dataValueSets.json" + export_params(w), **API),
    Endpoint("dhis2 dataValues.json", "get", lambda w: "/api/dataValues.json" + value_params(w), **API),
    Endpoint("dhis2 me.json", "get", lambda w: "/api/me.json", out_of_scope=None, **API),
    Endpoint("dhis2 versioned system info", "get", lambda w: "/api/41/system/info", out_of_scope=None, **API),
]

ENDPOINTS = [*PAGES, *V1, *DHIS2]


def _api(persona, world, api_for):
    return api_for(getattr(world, persona) if persona else None)


def _body(response) -> bytes:
    return b"" if getattr(response, "streaming", False) else response.content[:800]


def _error_shape(endpoint: Endpoint, response) -> None:
    body = response.json()
    if endpoint in V1:
        assert set(body) == {"detail", "errors"}, body
    else:
        assert body["httpStatusCode"] == response.status_code and body["status"] == "ERROR", body


@pytest.mark.parametrize("endpoint", [*V1, *DHIS2], ids=str)
def test_api_anonymous_gets_401(endpoint, world, api_for):
    before = snapshot()
    response = call(_api(None, world, api_for), endpoint, world)
    assert response.status_code == 401
    _error_shape(endpoint, response)
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", [*V1, *DHIS2], ids=str)
def test_api_in_scope_persona_succeeds(endpoint, world, api_for):
    before = snapshot()
    response = call(_api(endpoint.allowed, world, api_for), endpoint, world)
    assert response.status_code in endpoint.ok, _body(response)
    assert (snapshot() != before) == endpoint.writes


@pytest.mark.parametrize("endpoint", [e for e in [*V1, *DHIS2] if e.out_of_scope], ids=str)
def test_api_out_of_scope_persona_gets_404_and_nothing_is_saved(endpoint, world, api_for):
    before = snapshot()
    response = call(_api(endpoint.out_of_scope, world, api_for), endpoint, world)
    assert response.status_code == 404, _body(response)
    _error_shape(endpoint, response)
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", [e for e in [*V1, *DHIS2] if e.writes], ids=str)
def test_api_read_only_persona_gets_403_on_write_and_nothing_is_saved(endpoint, world, api_for):
    before = snapshot()
    for persona in READ_ONLY:
        response = call(_api(persona, world, api_for), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code, _body(response))
        _error_shape(endpoint, response)
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", [e for e in [*V1, *DHIS2] if e.writes], ids=str)
def test_the_data_clerk_writes_like_the_region_manager(endpoint, world, api_for):
    response = call(_api("data_clerk", world, api_for), endpoint, world)
    assert response.status_code in endpoint.ok, _body(response)


@pytest.mark.parametrize("url", ["/api/v1/dataValueSets", "/api/dataValueSets"])
def test_an_import_naming_an_out_of_scope_unit_answers_conflicts_not_404(url, world, api_for):
    before = snapshot()
    response = _api("outsider", world, api_for).post(url, dvs_body(world), format="json")
    assert response.status_code == 409
    body = response.json()
    summary = body if url.startswith("/api/v1/") else body["response"]
    assert summary["status"] == "ERROR"
    assert {c["errorCode"] for c in summary["conflicts"]} == {"E7617"}
    assert snapshot() == before
