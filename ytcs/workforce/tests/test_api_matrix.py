"""Persona matrix over every workforce API endpoint (staff, their records, moves, catalogues, follow-up lists)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from ytcs.core.testing.factories import StaffFactory
from ytcs.core.testing.matrix import Endpoint, audit_count, call
from ytcs.workforce.models import Certificate, CmeActivity, Competency, Licence, Staff

# The person every endpoint acts on works at station A1 (in region A: the region manager's, not the outsider's).
NATIONAL_ID = "001085000001"


def person(w) -> Staff:
    """The A1 health worker, created on first use (the fixture below creates it before any count is taken)."""
    return Staff.objects.filter(national_id=NATIONAL_ID).first() or StaffFactory(
        full_name="Nguyễn Thu Hà", national_id=NATIONAL_ID, orgunit=w.station_a1
    )


def licence(w) -> Licence:
    staff = person(w)
    return staff.licences.first() or Licence.objects.create(
        staff=staff,
        number="GP-000123",
        issuer="Sở Y tế Tỉnh Thử",
        issued_on=datetime.date(2022, 3, 1),
        valid_until=datetime.date(2027, 3, 1),
    )


def certificate(w) -> Certificate:
    staff = person(w)
    return staff.certificates.first() or Certificate.objects.create(
        staff=staff, competency=Competency.objects.get(code="sieu-am-tong-quat"), issued_on=datetime.date(2021, 6, 1)
    )


def cme(w) -> CmeActivity:
    staff = person(w)
    return staff.cme_activities.first() or CmeActivity.objects.create(
        staff=staff,
        name="Cập nhật chẩn đoán tăng huyết áp",
        started_on=datetime.date(2024, 4, 1),
        ended_on=datetime.date(2024, 4, 3),
        credits=16,
    )


@pytest.fixture
def world(world):
    # Records exist before the tests count audit entries, so only the request under test can add any.
    for make in (licence, certificate, cme):
        make(world)
    return world


def staff_url(name: str):
    return lambda w: reverse(name, kwargs={"pk": person(w).pk})


def record_url(name: str, record):
    return lambda w: reverse(name, kwargs={"pk": person(w).pk, "record_id": record(w).pk})


def plain(name: str, *args):
    return lambda w: reverse(name, args=args)


def new_staff(w):
    return {
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


def whole_staff(w):
    return {
        "full_name": "Nguyễn Thu Hà",
        "sex": "female",
        "birth_date": "1985-03-14",
        "national_id": NATIONAL_ID,
        "phone": "0912 345 678",
        "title": "bac-si",
        "qualification": "specialist_1",
        "employment_type": "civil_servant",
        "position": "head",
        "orgunit": "A1",
        "started_on": "2010-09-01",
    }


def roster_file(w):
    """A one-person roster for region A's second station, made from the downloadable template."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import load_workbook

    from ytcs.workforce.xlsx import staff_template_workbook

    wb = load_workbook(io.BytesIO(staff_template_workbook()))
    ws = wb.worksheets[0]
    values = {
        "Họ và tên": "Đinh Thị Mai",
        "Giới tính": "Nữ",
        "Ngày sinh": "03/03/1993",
        "Số CCCD": "079193000111",
        "Chức danh": "Điều dưỡng",
        "Trình độ": "Cao đẳng",
        "Loại hợp đồng": "Viên chức",
        "Mã đơn vị": "A2",
        "Ngày vào ngành": "01/10/2015",
    }
    headers = [cell.value or "" for cell in ws[1]]
    ws.append([next((v for k, v in values.items() if h.startswith(k)), None) for h in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    return {"file": SimpleUploadedFile("nhan-luc.xlsx", buffer.getvalue())}


ENDPOINTS = [
    Endpoint(
        "staff import", "post", plain("staff-import"), roster_file, out_of_scope=None, api=True, format="multipart"
    ),
    Endpoint("staff export", "get", plain("staff-export"), out_of_scope=None, api=True),
    Endpoint("staff list", "get", plain("staff-list"), out_of_scope=None, api=True),
    Endpoint("staff detail", "get", staff_url("staff-detail"), api=True),
    Endpoint("staff create", "post", plain("staff-list"), new_staff, out_of_scope=None, api=True),
    Endpoint("staff patch", "patch", staff_url("staff-detail"), lambda w: {"phone": "0988 000 111"}, api=True),
    Endpoint("staff put", "put", staff_url("staff-detail"), whole_staff, api=True),
    Endpoint(
        "staff move",
        "post",
        staff_url("staff-move"),
        lambda w: {"to_unit": "A2", "kind": "transfer", "on": "2025-01-02", "decision": "12/QĐ-TTYT"},
        api=True,
    ),
    Endpoint("staff end", "post", staff_url("staff-end"), lambda w: {"status": "left", "on": "30/06/2025"}, api=True),
    Endpoint("licences", "get", staff_url("staff-licence-list"), api=True),
    Endpoint(
        "licence create",
        "post",
        staff_url("staff-licence-list"),
        lambda w: {"number": "GP-000999", "issuer": "Sở Y tế Tỉnh Thử", "issued_on": "2024-01-10"},
        api=True,
    ),
    Endpoint("licence detail", "get", record_url("staff-licence-detail", licence), api=True),
    Endpoint(
        "licence patch",
        "patch",
        record_url("staff-licence-detail", licence),
        lambda w: {"scope": "Khám bệnh, chữa bệnh đa khoa"},
        api=True,
    ),
    Endpoint("licence delete", "delete", record_url("staff-licence-detail", licence), ok=frozenset({204}), api=True),
    Endpoint("certificates", "get", staff_url("staff-certificate-list"), api=True),
    Endpoint(
        "certificate create",
        "post",
        staff_url("staff-certificate-list"),
        lambda w: {"competency": "dien-tam-do", "issued_on": "2023-05-01"},
        api=True,
    ),
    Endpoint("certificate detail", "get", record_url("staff-certificate-detail", certificate), api=True),
    Endpoint(
        "certificate patch",
        "patch",
        record_url("staff-certificate-detail", certificate),
        lambda w: {"number": "CC-42"},
        api=True,
    ),
    Endpoint(
        "certificate delete",
        "delete",
        record_url("staff-certificate-detail", certificate),
        ok=frozenset({204}),
        api=True,
    ),
    Endpoint("cme", "get", staff_url("staff-cme-list"), api=True),
    Endpoint(
        "cme create",
        "post",
        staff_url("staff-cme-list"),
        lambda w: {"name": "Cấp cứu nhi", "started_on": "2025-03-01", "ended_on": "2025-03-03", "credits": 12},
        api=True,
    ),
    Endpoint("cme detail", "get", record_url("staff-cme-detail", cme), api=True),
    Endpoint("cme patch", "patch", record_url("staff-cme-detail", cme), lambda w: {"credits": "8.5"}, api=True),
    Endpoint("cme delete", "delete", record_url("staff-cme-detail", cme), ok=frozenset({204}), api=True),
    Endpoint("titles", "get", plain("title-list"), out_of_scope=None, api=True),
    Endpoint("title", "get", plain("title-detail", "bac-si"), out_of_scope=None, api=True),
    Endpoint("competencies", "get", plain("competency-list"), out_of_scope=None, api=True),
    Endpoint("competency", "get", plain("competency-detail", "dien-tam-do"), out_of_scope=None, api=True),
    Endpoint("licences expiring", "get", plain("licence-expiring"), out_of_scope=None, api=True),
    Endpoint("licences missing", "get", plain("licence-missing"), out_of_scope=None, api=True),
    Endpoint("cme shortfall", "get", plain("cme-shortfall"), out_of_scope=None, api=True),
    Endpoint("returns due", "get", plain("returns-due"), out_of_scope=None, api=True),
]


def _api(persona, world, api_for):
    return api_for(getattr(world, persona) if persona else None)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_anonymous_gets_401(endpoint, world, api_for):
    before = audit_count()
    response = call(_api(None, world, api_for), endpoint, world)
    assert response.status_code == 401
    assert audit_count() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_in_scope_persona_succeeds(endpoint, world, api_for):
    before = audit_count()
    response = call(_api(endpoint.allowed, world, api_for), endpoint, world)
    assert response.status_code in endpoint.ok, getattr(response, "content", b"")[:500]
    if endpoint.writes:
        assert audit_count() > before
    else:
        assert audit_count() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.out_of_scope], ids=str)
def test_out_of_scope_persona_gets_404_and_nothing_is_saved(endpoint, world, api_for):
    before = audit_count()
    response = call(_api(endpoint.out_of_scope, world, api_for), endpoint, world)
    assert response.status_code == 404, response.content[:300]
    assert audit_count() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.writes and e.read_only], ids=str)
def test_read_only_persona_gets_403_on_write_and_nothing_is_saved(endpoint, world, api_for):
    before = audit_count()
    for persona in ("viewer", "province_viewer", "data_clerk"):
        response = call(_api(persona, world, api_for), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code, response.content[:300])
    assert audit_count() == before
