"""Persona matrix over the class, enrolment and sponsored-training pages: anonymous → login, in scope → 2xx/3xx,
outsider → 404 with nothing saved, read-only roles → 403 on every write (and on the forms) with nothing saved.

The class and the sponsorships belong to region A (RA): the region manager changes them, the outsider (region B)
cannot see them. A class of a unit is visible below it, so everything here is organised by RA, not by the
province (whose classes the outsider would see)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from ytcs.core.testing.factories import (
    EnrolmentFactory,
    SponsorshipFactory,
    StaffFactory,
    TrainingClassFactory,
    course,
)
from ytcs.core.testing.matrix import Endpoint, audit_count, call, page_matrix
from ytcs.core.testing.personas import World
from ytcs.training import services
from ytcs.training.models import Enrolment, Sponsorship, TrainingClass
from ytcs.workforce.models import Certificate, CmeActivity


def today() -> datetime.date:
    return timezone.localdate()


def dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _records(w: World) -> dict:
    """Two health workers of region A, a scheduled class with one passed participant, a completed class, a
    sponsorship in training and a breached one, all of region A; made once per world."""
    records = w.__dict__.setdefault("_class_records", {})
    if not records:
        ha = StaffFactory(orgunit=w.station_a1, full_name="Nguyễn Thu Hà", national_id="001190000011")
        binh = StaffFactory(orgunit=w.station_a2, full_name="Trần Văn Bình", national_id="001190000012")
        start = today() - datetime.timedelta(days=40)
        scheduled = TrainingClassFactory(
            orgunit=w.region_a, code="DTD-01", starts_on=start, ends_on=start + datetime.timedelta(days=4)
        )
        enrolment = EnrolmentFactory(training_class=scheduled, staff=ha, result="passed", days_attended=5)
        completed = TrainingClassFactory(
            orgunit=w.region_a, code="DTD-00", starts_on=start, ends_on=start + datetime.timedelta(days=4)
        )
        EnrolmentFactory(training_class=completed, staff=binh, result="passed", days_attended=5)
        services.class_complete(user=w.region_manager, training_class=completed, on=completed.ends_on)
        studying = SponsorshipFactory(
            orgunit=w.region_a,
            serve_unit=w.station_a1,
            trainee_name="Lê Văn Học",
            starts_on=today() - datetime.timedelta(days=1000),
            expected_return_on=today() + datetime.timedelta(days=60),
        )
        breached = SponsorshipFactory(orgunit=w.region_a, serve_unit=w.station_a2, trainee_name="Phạm Thị Rời")
        services.sponsorship_breach(
            user=w.region_manager, sponsorship=breached, left_on=today() - datetime.timedelta(days=10), reason="Bỏ học"
        )
        records.update(
            ha=ha,
            binh=binh,
            scheduled=scheduled,
            enrolment=enrolment,
            completed=completed,
            studying=studying,
            breached=breached,
        )
    return records


def url(name: str, record: str | None = None):
    if record is None:
        return lambda w: reverse(f"training:{name}")
    return lambda w: reverse(f"training:{name}", args=[_records(w)[record].pk])


def new_class(w: World) -> dict:
    start = today() + datetime.timedelta(days=20)
    return {
        "orgunit": w.region_a.pk,
        "course": course().pk,
        "code": "dtd-moi",
        "starts_on": dmy(start),
        "ends_on": dmy(start + datetime.timedelta(days=4)),
        "funding_source": "state_budget",
    }


def class_data(w: World) -> dict:
    c = _records(w)["scheduled"]
    return {
        "name": "Điện tâm đồ cơ bản – lớp 1",
        "provider": c.provider,
        "location": "Hội trường TTYT khu vực Hòa An",
        "starts_on": dmy(c.starts_on),
        "ends_on": dmy(c.ends_on),
        "capacity": "25",
        "credits": "40",
        "competency": c.competency_id,
        "funding_source": "state_budget",
    }


def results(w: World) -> dict:
    prefix = f"e{_records(w)['enrolment'].pk}"
    return {f"{prefix}-result": "failed", f"{prefix}-days_attended": "3", f"{prefix}-score": "40", f"{prefix}-note": ""}


def sponsorship_data(w: World, **overrides) -> dict:
    data = {
        "kind": "sent",
        "programme": "Bác sĩ chuyên khoa I Nội",
        "level": "specialist_1",
        "institution": "Trường Đại học Y Dược Huế",
        "decision": "12/QĐ-TTYT",
        "starts_on": dmy(today() - datetime.timedelta(days=100)),
        "expected_return_on": dmy(today() + datetime.timedelta(days=600)),
        "cost": "60000000",
        "funding_source": "state_budget",
        "commitment_years": "3",
        "serve_unit": w.station_a1.pk,
    }
    return {**data, **overrides}


def edit_sponsorship(w: World) -> dict:
    s = _records(w)["studying"]
    return {
        "kind": s.kind,
        "staff": "",
        "trainee_name": s.trainee_name,
        "national_id": "",
        "programme": s.programme,
        "level": s.level,
        "institution": s.institution,
        "decision": "99/QĐ-TTYT",
        "starts_on": dmy(s.starts_on),
        "expected_return_on": dmy(s.expected_return_on),
        "cost": str(s.cost),
        "funding_source": s.funding_source,
        "commitment_years": str(s.commitment_years),
        "serve_unit": s.serve_unit_id,
        "note": "Đã bổ sung quyết định",
    }


# Lists and new-record pages answer everyone (each sees their own scope): no outsider 404 there.
ANYONE = {"out_of_scope": None}

ENDPOINTS = [
    Endpoint("class list", "get", url("class_list"), **ANYONE),
    Endpoint("class create form", "get", url("class_create"), **ANYONE),
    Endpoint("class create", "post", url("class_create"), new_class, **ANYONE),
    Endpoint("class detail", "get", url("class_detail", "scheduled")),
    Endpoint("class edit form", "get", url("class_edit", "scheduled")),
    Endpoint("class edit", "post", url("class_edit", "scheduled"), class_data),
    Endpoint("class export", "get", url("class_export", "scheduled")),
    Endpoint("enrol form", "get", url("enrol", "scheduled")),
    Endpoint("enrol", "post", url("enrol", "scheduled"), lambda w: {"staff": _records(w)["binh"].pk}),
    Endpoint("enrolment results", "post", url("enrolment_results", "scheduled"), results),
    Endpoint("enrolment withdraw", "post", url("enrolment_withdraw", "enrolment")),
    Endpoint("class complete form", "get", url("class_complete", "scheduled")),
    Endpoint("class complete", "post", url("class_complete", "scheduled"), lambda w: {"on": dmy(today())}),
    Endpoint("class reopen form", "get", url("class_reopen", "completed")),
    Endpoint("class reopen", "post", url("class_reopen", "completed"), lambda w: {"reason": "Nhập nhầm kết quả"}),
    Endpoint("class cancel form", "get", url("class_cancel", "scheduled")),
    Endpoint("class cancel", "post", url("class_cancel", "scheduled")),
    Endpoint("sponsorship list", "get", url("sponsorship_list"), **ANYONE),
    Endpoint("sponsorship export", "get", url("sponsorship_export"), **ANYONE),
    Endpoint("upcoming returns", "get", url("upcoming_returns"), **ANYONE),
    Endpoint("sponsorship create form", "get", url("sponsorship_create"), **ANYONE),
    Endpoint(
        "sponsorship create",
        "post",
        url("sponsorship_create"),
        lambda w: sponsorship_data(w, orgunit=w.region_a.pk, staff=_records(w)["ha"].pk),
        **ANYONE,
    ),
    Endpoint("sponsorship detail", "get", url("sponsorship_detail", "studying")),
    Endpoint("sponsorship edit form", "get", url("sponsorship_edit", "studying")),
    Endpoint("sponsorship edit", "post", url("sponsorship_edit", "studying"), edit_sponsorship),
    Endpoint("sponsorship return form", "get", url("sponsorship_return", "studying")),
    Endpoint(
        "sponsorship return",
        "post",
        url("sponsorship_return", "studying"),
        lambda w: {"returned_on": dmy(today()), "staff": ""},
    ),
    Endpoint("sponsorship breach form", "get", url("sponsorship_breach", "studying")),
    Endpoint(
        "sponsorship breach",
        "post",
        url("sponsorship_breach", "studying"),
        lambda w: {"left_on": dmy(today()), "reason": "Không trở về đơn vị"},
    ),
    Endpoint("sponsorship reimbursed form", "get", url("sponsorship_reimbursed", "breached")),
    Endpoint(
        "sponsorship reimbursed", "post", url("sponsorship_reimbursed", "breached"), lambda w: {"amount": "50000000"}
    ),
    Endpoint("staff training", "get", url("staff_training", "ha")),
]

WRITE_FORMS = [e for e in ENDPOINTS if e.method == "get" and "form" in e.name]


@pytest.fixture
def world(world):
    """The persona world with the class and sponsorship records made before any count is taken."""
    _records(world)
    return world


def _snapshot() -> tuple:
    """Everything these pages could write."""
    return (
        audit_count(),
        tuple(TrainingClass.objects.order_by("pk").values_list("code", "name", "status", "completed_on")),
        tuple(Enrolment.objects.order_by("pk").values_list("staff_id", "result", "days_attended", "score")),
        tuple(
            Sponsorship.objects.order_by("pk").values_list("status", "decision", "returned_on", "reimbursed", "note")
        ),
        CmeActivity.objects.count(),
        Certificate.objects.count(),
    )


globals().update(page_matrix(ENDPOINTS, _snapshot, forms=WRITE_FORMS, check_follow=True))


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.name.startswith("class reopen")], ids=str)
def test_reopening_needs_the_approve_right(endpoint, world, client_for):
    """A station head may change classes of their station but not undo a completion: 403, nothing saved."""
    before = _snapshot()
    for persona in ("station_head", "data_clerk"):
        response = call(client_for(getattr(world, persona)), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code)
    assert _snapshot() == before


def test_the_outsider_sees_nothing_of_region_a_in_the_lists(world, client_for):
    client = client_for(world.outsider)
    assert "DTD-01" not in client.get(reverse("training:class_list")).text
    assert "Lê Văn Học" not in client.get(reverse("training:sponsorship_list")).text
    assert "Lê Văn Học" not in client.get(reverse("training:upcoming_returns")).text
