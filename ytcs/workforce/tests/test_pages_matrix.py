"""Persona matrix over every workforce page: anonymous → login, in scope → 2xx/3xx, outsider → 404 with nothing
saved, read-only roles → 403 on every write with nothing saved."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from ytcs.core.testing.factories import StaffFactory, title
from ytcs.core.testing.matrix import Endpoint, audit_count, call, page_matrix
from ytcs.core.testing.personas import World
from ytcs.workforce.models import Certificate, CmeActivity, Competency, Licence, Staff


def _records(w: World) -> dict:
    """The A1 health worker and one record of each kind, made once per world (the URLs need their ids)."""
    records = w.__dict__.setdefault("_workforce_records", {})
    if not records:
        staff = StaffFactory(orgunit=w.station_a1, full_name="Nguyễn Thu Hà", national_id="001190000001")
        records["staff"] = staff
        records["licence"] = Licence.objects.create(
            staff=staff,
            number="000123/TT-CCHN",
            issuer="Sở Y tế Tỉnh Thử",
            issued_on=datetime.date(2022, 5, 4),
            valid_until=datetime.date(2027, 5, 3),
        )
        records["certificate"] = Certificate.objects.create(
            staff=staff, competency=competency(), issued_on=datetime.date(2019, 6, 1)
        )
        records["cme"] = CmeActivity.objects.create(
            staff=staff,
            name="Cập nhật hồi sức cấp cứu",
            started_on=datetime.date(2024, 3, 1),
            ended_on=datetime.date(2024, 3, 3),
            credits=16,
        )
    return records


def competency() -> Competency:
    return Competency.objects.get(code="sieu-am-tong-quat")


def staff_url(name: str):
    return lambda w: reverse(name, kwargs={"pk": _records(w)["staff"].pk})


def record_url(name: str, kind: str):
    return lambda w: reverse(name, kwargs={"pk": _records(w)["staff"].pk, "record_pk": _records(w)[kind].pk})


def page(name: str, **kwargs):
    return lambda w: reverse(name, kwargs=kwargs or None)


def staff_form_data(staff: Staff, **overrides) -> dict:
    """What the edit form posts for a person, with some fields changed."""
    data = {
        "full_name": staff.full_name,
        "sex": staff.sex,
        "birth_date": staff.birth_date.strftime("%d/%m/%Y"),
        "national_id": staff.national_id,
        "phone": staff.phone,
        "email": staff.email,
        "title": staff.title_id,
        "qualification": staff.qualification,
        "specialty": staff.specialty,
        "employment_type": staff.employment_type,
        "position": staff.position,
        "started_on": staff.started_on.strftime("%d/%m/%Y"),
    }
    return {**data, **overrides}


def new_staff_data(w: World, **overrides) -> dict:
    data = {
        "full_name": "Lê Văn Mới",
        "sex": "male",
        "birth_date": "02/03/1990",
        "national_id": "079090000001",
        "title": title("dieu-duong").pk,
        "qualification": "college",
        "employment_type": "contract",
        "position": "staff",
        "started_on": "01/08/2015",
        "orgunit": w.station_a1.pk,
    }
    return {**data, **overrides}


LICENCE = {"number": "000999/TT-CCHN", "issuer": "Sở Y tế Tỉnh Thử", "issued_on": "01/02/2024", "valid_until": ""}
CME = {"name": "Tập huấn siêu âm", "started_on": "01/03/2025", "ended_on": "03/03/2025", "credits": "24"}
TITLE = {
    "code": "ky-thuat-vien",
    "name": "Kỹ thuật viên",
    "category": "technician",
    "needs_licence": "on",
    "sort_order": "51",
    "is_active": "on",
}
COMPETENCY = {"code": "noi-soi", "name": "Nội soi tiêu hóa", "validity_years": "5", "is_active": "on"}

# Catalogue pages belong to no unit: an outsider reads them like everyone; only province administrators write.
CATALOGUE = {"allowed": "province_admin", "out_of_scope": None}

ENDPOINTS = [
    Endpoint("staff list", "get", page("workforce:staff_list"), out_of_scope=None),
    Endpoint("staff create form", "get", page("workforce:staff_create"), out_of_scope=None, read_only=None),
    Endpoint("staff create", "post", page("workforce:staff_create"), new_staff_data, out_of_scope=None),
    Endpoint("staff detail", "get", staff_url("workforce:staff_detail")),
    Endpoint("staff export", "get", page("workforce:staff_export"), out_of_scope=None),
    Endpoint("staff import template", "get", page("workforce:staff_import_template"), out_of_scope=None),
    Endpoint("staff import form", "get", page("workforce:staff_import"), out_of_scope=None, read_only=None),
    Endpoint("staff edit form", "get", staff_url("workforce:staff_edit")),
    Endpoint(
        "staff edit",
        "post",
        staff_url("workforce:staff_edit"),
        lambda w: staff_form_data(_records(w)["staff"], phone="0912 345 678"),
    ),
    Endpoint("staff move form", "get", staff_url("workforce:staff_move")),
    Endpoint(
        "staff move",
        "post",
        staff_url("workforce:staff_move"),
        lambda w: {"to_unit": w.station_a2.pk, "kind": "transfer", "on": "01/07/2026", "decision": "15/QĐ-TTYT"},
    ),
    Endpoint("staff end form", "get", staff_url("workforce:staff_end")),
    Endpoint(
        "staff end", "post", staff_url("workforce:staff_end"), lambda w: {"status": "retired", "on": "01/07/2026"}
    ),
    Endpoint("licence form", "get", staff_url("workforce:licence_create")),
    Endpoint("licence create", "post", staff_url("workforce:licence_create"), lambda w: LICENCE),
    Endpoint("licence edit form", "get", record_url("workforce:licence_edit", "licence")),
    Endpoint(
        "licence edit",
        "post",
        record_url("workforce:licence_edit", "licence"),
        lambda w: {**LICENCE, "number": "000123/TT-CCHN", "issued_on": "04/05/2022", "scope": "Đa khoa"},
    ),
    Endpoint("licence delete", "post", record_url("workforce:licence_delete", "licence")),
    Endpoint("certificate form", "get", staff_url("workforce:certificate_create")),
    Endpoint(
        "certificate create",
        "post",
        staff_url("workforce:certificate_create"),
        lambda w: {"competency": Competency.objects.get(code="dien-tam-do").pk, "issued_on": "10/10/2023"},
    ),
    Endpoint("certificate edit form", "get", record_url("workforce:certificate_edit", "certificate")),
    Endpoint(
        "certificate edit",
        "post",
        record_url("workforce:certificate_edit", "certificate"),
        lambda w: {"competency": competency().pk, "issued_on": "01/06/2019", "number": "SA-17"},
    ),
    Endpoint("certificate delete", "post", record_url("workforce:certificate_delete", "certificate")),
    Endpoint("cme form", "get", staff_url("workforce:cme_create")),
    Endpoint("cme create", "post", staff_url("workforce:cme_create"), lambda w: CME),
    Endpoint("cme edit form", "get", record_url("workforce:cme_edit", "cme")),
    Endpoint("cme edit", "post", record_url("workforce:cme_edit", "cme"), lambda w: {**CME, "credits": "20"}),
    Endpoint("cme delete", "post", record_url("workforce:cme_delete", "cme")),
    Endpoint("licences expiring", "get", page("workforce:licences_expiring"), out_of_scope=None),
    Endpoint("licences missing", "get", page("workforce:licences_missing"), out_of_scope=None),
    Endpoint("cme shortfall", "get", page("workforce:cme_shortfall"), out_of_scope=None),
    Endpoint("returns due", "get", page("workforce:returns_due"), out_of_scope=None),
    Endpoint("title list", "get", page("workforce:title_list"), out_of_scope=None),
    Endpoint("title create form", "get", page("workforce:title_create"), **CATALOGUE),
    Endpoint("title create", "post", page("workforce:title_create"), lambda w: TITLE, **CATALOGUE),
    Endpoint("title edit form", "get", lambda w: reverse("workforce:title_edit", args=[title().pk]), **CATALOGUE),
    Endpoint(
        "title edit",
        "post",
        lambda w: reverse("workforce:title_edit", args=[title("khac").pk]),
        lambda w: {"code": "khac", "name": "Khác (ghi rõ)", "category": "other", "sort_order": "99", "is_active": "on"},
        **CATALOGUE,
    ),
    Endpoint("competency list", "get", page("workforce:competency_list"), out_of_scope=None),
    Endpoint("competency create form", "get", page("workforce:competency_create"), **CATALOGUE),
    Endpoint("competency create", "post", page("workforce:competency_create"), lambda w: COMPETENCY, **CATALOGUE),
    Endpoint(
        "competency edit form",
        "get",
        lambda w: reverse("workforce:competency_edit", args=[competency().pk]),
        **CATALOGUE,
    ),
    Endpoint(
        "competency edit",
        "post",
        lambda w: reverse("workforce:competency_edit", args=[competency().pk]),
        lambda w: {"code": "sieu-am-tong-quat", "name": "Siêu âm tổng quát", "validity_years": "5", "is_active": "on"},
        **CATALOGUE,
    ),
]

WRITE_FORMS = [e for e in ENDPOINTS if e.method == "get" and ("form" in e.name)]


@pytest.fixture
def world(world):
    """The persona world with the A1 health worker and their records made before any count is taken."""
    _records(world)
    return world


def _snapshot() -> tuple:
    """Everything the pages could write, catalogues included (they are not audited)."""
    from ytcs.workforce.models import Posting, Title

    catalogue = tuple(Title.objects.order_by("pk").values_list()) + tuple(
        Competency.objects.order_by("pk").values_list()
    )
    return (
        audit_count(),
        Staff.objects.count(),
        Posting.objects.count(),
        tuple(Staff.objects.order_by("pk").values_list("phone", "orgunit_id", "status")),
        Licence.objects.count(),
        Certificate.objects.count(),
        CmeActivity.objects.count(),
        catalogue,
    )


globals().update(page_matrix(ENDPOINTS, _snapshot, forms=WRITE_FORMS))


CATALOGUE_WRITES = [
    e for e in ENDPOINTS if e.name.startswith(("title ", "competency ")) and e.allowed == "province_admin"
]


@pytest.mark.parametrize("endpoint", CATALOGUE_WRITES, ids=str)
def test_only_province_administrators_write_the_catalogues(endpoint, world, client_for):
    before = _snapshot()
    for persona in ("region_manager", "station_head", "outsider"):
        response = call(client_for(getattr(world, persona)), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code)
    assert _snapshot() == before
