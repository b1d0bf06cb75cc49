"""Persona matrix over the framework pages: anonymous → login, everyone logged in reads and downloads every framework
(the frameworks are shared by the whole province, so nobody is out of scope), and only catalogue managers (province
administrators at the top of the tree) import; read-only roles and regional managers get 403 and nothing is saved."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ytcs.assessments.frameworks import dump_yaml
from ytcs.assessments.models import Criterion, Framework, Item
from ytcs.core.testing.factories import ASSESSMENT_TEST_FRAMEWORK
from ytcs.core.testing.matrix import Endpoint, audit_count, call, page_matrix


def shipped(code: str = "qd1300-2030") -> Framework:
    return Framework.objects.get(code=code)


def framework_url(name: str, code: str = "qd1300-2030"):
    return lambda w: reverse(name, kwargs={"pk": shipped(code).pk})


def page(name: str, query: str = ""):
    return lambda w: reverse(name) + (f"?{query}" if query else "")


def upload(w) -> dict:
    document = {**ASSESSMENT_TEST_FRAMEWORK, "version": "2027-ma-tran"}
    return {"file": SimpleUploadedFile("bo-tieu-chi.yaml", dump_yaml(document).encode(), "application/yaml")}


# Frameworks belong to no unit: everyone reads them, only catalogue managers import.
MANAGERS = {"allowed": "province_admin", "out_of_scope": None}

ENDPOINTS = [
    Endpoint("framework list", "get", page("assessments:framework_list"), out_of_scope=None),
    Endpoint("framework list page 2", "get", page("assessments:framework_list", "page=2"), out_of_scope=None),
    Endpoint("framework detail", "get", framework_url("assessments:framework_detail"), out_of_scope=None),
    Endpoint(
        "framework detail unconfirmed only",
        "get",
        lambda w: reverse("assessments:framework_detail", args=[shipped().pk]) + "?unconfirmed=1",
        out_of_scope=None,
    ),
    Endpoint(
        "framework detail index",
        "get",
        framework_url("assessments:framework_detail", "who-sara-gsr"),
        out_of_scope=None,
    ),
    Endpoint("framework export yaml", "get", framework_url("assessments:framework_export_yaml"), out_of_scope=None),
    Endpoint("framework export xlsx", "get", framework_url("assessments:framework_export_xlsx"), out_of_scope=None),
    Endpoint("framework import template", "get", page("assessments:framework_import_template"), out_of_scope=None),
    Endpoint("framework import form", "get", page("assessments:framework_import"), **MANAGERS),
    Endpoint("framework import", "post", page("assessments:framework_import"), upload, **MANAGERS),
]

WRITE_FORMS = [e for e in ENDPOINTS if e.method == "get" and "form" in e.name]


def _snapshot() -> tuple:
    return (
        audit_count(),
        tuple(Framework.objects.order_by("pk").values_list()),
        tuple(Criterion.objects.order_by("pk").values_list()),
        tuple(Item.objects.order_by("pk").values_list()),
    )


globals().update(page_matrix(ENDPOINTS, _snapshot, forms=WRITE_FORMS, check_follow=True))


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.allowed == "province_admin"], ids=str)
def test_only_catalogue_managers_import_frameworks(endpoint, world, client_for):
    before = _snapshot()
    for persona in ("region_manager", "station_head", "outsider"):
        response = call(client_for(getattr(world, persona)), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code)
    assert _snapshot() == before


def test_a_superuser_imports_too(world, client_for):
    response = client_for(world.superuser).post(reverse("assessments:framework_import"), upload(world))
    assert response.status_code == 302
    assert Framework.objects.filter(code="thu-nghiem", version="2027-ma-tran").exists()
