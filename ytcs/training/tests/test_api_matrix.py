"""Persona matrix over every training API endpoint: catalogues, plans and their lines, classes and participants,
sponsored training, needs analysis.

Everything acted on belongs to region A (the region manager's, not the outsider's): a draft plan with a line and a
named trainee, an adopted plan, a class that has ended with its result recorded, a completed class, sponsorships
of a person away and of one who broke the commitment.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ytcs.core.testing.factories import (
    EnrolmentFactory,
    PlannedCourseFactory,
    SponsorshipFactory,
    StaffFactory,
    TrainingClassFactory,
    TrainingPlanFactory,
)
from ytcs.core.testing.matrix import Endpoint, audit_count, call
from ytcs.training.models import PlannedTrainee


def today() -> datetime.date:
    return timezone.localdate()


def _once(w, key: str, make) -> Any:
    """Objects are made on first use and kept on the world (the fixture below makes them before any count)."""
    cache = w.__dict__.setdefault("_training_api", {})
    if key not in cache:
        cache[key] = make(w)
    return cache[key]


def trainee_person(w):
    return _once(w, "staff_a1", lambda w: StaffFactory(full_name="Nguyễn Thu Hà", orgunit=w.station_a1))


def other_person(w):
    return _once(w, "staff_a2", lambda w: StaffFactory(full_name="Trần Văn Bình", orgunit=w.station_a2))


def draft_plan(w):
    return _once(w, "draft", lambda w: TrainingPlanFactory(orgunit=w.region_a, year=2027, name="Kế hoạch nháp RA"))


def draft_line(w):
    return _once(w, "line", lambda w: PlannedCourseFactory(plan=draft_plan(w), group=w.region_a))


def trainee(w):
    return _once(
        w,
        "trainee",
        lambda w: PlannedTrainee.objects.create(
            line=draft_line(w), staff=trainee_person(w), orgunit=w.station_a1, reason="chosen"
        ),
    )


def adopted_plan(w):
    def make(w):
        plan = TrainingPlanFactory(
            orgunit=w.region_a, year=2026, name="Kế hoạch 2026", status="adopted", adopted_on=datetime.date(2026, 1, 5)
        )
        PlannedCourseFactory(plan=plan, group=w.region_a)
        return plan

    return _once(w, "adopted", make)


def ended_class(w):
    """A class of region A that ended last week, its one participant marked as passed."""

    def make(w):
        training_class = TrainingClassFactory(
            orgunit=w.region_a,
            code="LOP-RA-01",
            starts_on=today() - datetime.timedelta(days=10),
            ends_on=today() - datetime.timedelta(days=6),
        )
        EnrolmentFactory(training_class=training_class, staff=trainee_person(w), result="passed")
        return training_class

    return _once(w, "ended", make)


def enrolment(w):
    return ended_class(w).enrolments.get()


def completed_class(w):
    return _once(
        w,
        "completed",
        lambda w: TrainingClassFactory(
            orgunit=w.region_a,
            code="LOP-RA-00",
            starts_on=datetime.date(2025, 3, 3),
            ends_on=datetime.date(2025, 3, 7),
            status="completed",
            completed_on=datetime.date(2025, 3, 7),
        ),
    )


def away(w):
    return _once(w, "away", lambda w: SponsorshipFactory(orgunit=w.region_a, trainee_name="Lê Văn Học"))


def breached(w):
    return _once(
        w,
        "breached",
        lambda w: SponsorshipFactory(
            orgunit=w.region_a,
            trainee_name="Phạm Thị Bỏ",
            status="breached",
            breached_on=datetime.date(2024, 6, 1),
            breach_reason="Chuyển công tác",
            reimbursement_due=240_000_000,
        ),
    )


MAKERS = (trainee, other_person, adopted_plan, ended_class, completed_class, away, breached)


@pytest.fixture
def world(world):
    # Everything exists before the tests count audit entries, so only the request under test can add any.
    for make in MAKERS:
        make(world)
    return world


def plain(name: str, *args, query: str = ""):
    return lambda w: reverse(name, args=args) + query


def of(name: str, obj, query: str = ""):
    return lambda w: reverse(name, args=[obj(w).pk]) + query


CATALOGUE = {"allowed": "province_admin", "out_of_scope": None, "api": True}
LISTS = {"out_of_scope": None, "api": True}
API = {"api": True}


def new_class(w):
    return {
        "code": "LOP-MOI",
        "orgunit": "RA",
        "course": "dien-tam-do",
        "starts_on": (today() + datetime.timedelta(days=30)).isoformat(),
        "ends_on": (today() + datetime.timedelta(days=34)).strftime("%d/%m/%Y"),
        "location": "Hội trường TTYT khu vực",
    }


def new_sponsorship(w):
    return {
        "orgunit": "RA",
        "kind": "sent",
        "trainee_name": "Đỗ Minh Tâm",
        "programme": "Chuyên khoa I Y học gia đình",
        "level": "specialist_1",
        "institution": "Trường Đại học Y Dược Huế",
        "starts_on": "2025-09-01",
        "expected_return_on": "2027-08-31",
        "cost": 60_000_000,
        "commitment_years": "5",
    }


ENDPOINTS = [
    # Catalogues
    Endpoint("courses", "get", plain("training-course-list"), **LISTS),
    Endpoint("course", "get", plain("training-course-detail", "dien-tam-do"), **LISTS),
    Endpoint(
        "course create",
        "post",
        plain("training-course-list"),
        lambda w: {"code": "quan-ly-moi", "name": "Quản lý chất lượng trạm", "kind": "management", "credits": "8"},
        **CATALOGUE,
    ),
    Endpoint(
        "course patch",
        "patch",
        plain("training-course-detail", "dien-tam-do"),
        lambda w: {"provider": "Trường Cao đẳng Y tế", "target_titles": ["bac-si", "y-si"]},
        **CATALOGUE,
    ),
    Endpoint("norms", "get", plain("training-norm-list"), **LISTS),
    Endpoint("norm", "get", plain("training-norm-detail", "tram-co-bac-si"), **LISTS),
    Endpoint(
        "norm create",
        "post",
        plain("training-norm-list"),
        lambda w: {
            "code": "tram-co-hai-dieu-duong",
            "name": "Trạm có hai điều dưỡng",
            "kind": "title",
            "unit_kind": "station",
            "titles": ["dieu-duong"],
            "minimum": 2,
            "source": "Quyết định của tỉnh – CHƯA XÁC NHẬN",
        },
        **CATALOGUE,
    ),
    Endpoint(
        "norm patch",
        "patch",
        plain("training-norm-detail", "tram-co-bac-si"),
        lambda w: {"confirmed": True, "minimum": 2},
        **CATALOGUE,
    ),
    # Plans
    Endpoint("plans", "get", plain("training-plan-list"), **LISTS),
    Endpoint("plan", "get", of("training-plan-detail", draft_plan), **API),
    Endpoint(
        "plan create",
        "post",
        plain("training-plan-list"),
        lambda w: {"orgunit": "RA", "year": 2027, "name": "Kế hoạch bổ sung"},
        **LISTS,
    ),
    Endpoint("plan patch", "patch", of("training-plan-detail", draft_plan), lambda w: {"note": "Bổ sung"}, **API),
    Endpoint("plan delete", "delete", of("training-plan-detail", draft_plan), ok=frozenset({204}), **API),
    Endpoint(
        "plan adopt",
        "post",
        of("training-plan-adopt", draft_plan),
        lambda w: {"on": today().isoformat(), "decision": "15/QĐ-TTYT"},
        **API,
    ),
    Endpoint("plan close", "post", of("training-plan-close", adopted_plan), **API),
    Endpoint(
        "plan propose",
        "post",
        plain("training-plan-propose"),
        lambda w: {"orgunit": "RA", "year": 2027},
        **LISTS,
    ),
    # Plan lines
    Endpoint("lines", "get", lambda w: reverse("training-line-list") + f"?plan={draft_plan(w).pk}", **API),
    Endpoint(
        "line create",
        "post",
        plain("training-line-list"),
        lambda w: {"plan": draft_plan(w).pk, "course": "cap-cuu-co-ban", "group": "RA", "quarter": 3},
        **LISTS,
    ),
    Endpoint("line", "get", of("training-line-detail", draft_line), **API),
    Endpoint("line patch", "patch", of("training-line-detail", draft_line), lambda w: {"budget": 5_000_000}, **API),
    Endpoint("line delete", "delete", of("training-line-detail", draft_line), ok=frozenset({204}), **API),
    Endpoint(
        "line seats", "post", of("training-line-seats", draft_line), lambda w: {"orgunit": "A2", "seats": 3}, **API
    ),
    Endpoint(
        "line trainee add",
        "post",
        of("training-line-trainees", draft_line),
        lambda w: {"staff": other_person(w).pk},
        **API,
    ),
    Endpoint("trainee remove", "delete", of("training-trainee-detail", trainee), ok=frozenset({204}), **API),
    # Classes
    Endpoint("classes", "get", plain("training-class-list"), **LISTS),
    Endpoint("class", "get", of("training-class-detail", ended_class), **API),
    Endpoint("class create", "post", plain("training-class-list"), new_class, **LISTS),
    Endpoint(
        "class patch",
        "patch",
        of("training-class-detail", ended_class),
        lambda w: {"location": "Phòng họp tầng 2"},
        **API,
    ),
    Endpoint("class complete", "post", of("training-class-complete", ended_class), lambda w: {"on": today()}, **API),
    Endpoint(
        "class reopen",
        "post",
        of("training-class-reopen", completed_class),
        lambda w: {"reason": "Nhập nhầm kết quả"},
        **API,
    ),
    Endpoint("class cancel", "post", of("training-class-cancel", ended_class), **API),
    Endpoint("class enrolments", "get", of("training-class-enrolments", ended_class), **API),
    Endpoint(
        "class enrol",
        "post",
        of("training-class-enrolments", ended_class),
        lambda w: {"staff": other_person(w).pk},
        **API,
    ),
    Endpoint("enrolment", "get", of("training-enrolment-detail", enrolment), **API),
    Endpoint(
        "enrolment record",
        "patch",
        of("training-enrolment-detail", enrolment),
        lambda w: {"result": "failed", "days_attended": 3, "score": "4.5"},
        **API,
    ),
    Endpoint("enrolment withdraw", "post", of("training-enrolment-withdraw", enrolment), **API),
    # Sponsorships
    Endpoint("sponsorships", "get", plain("training-sponsorship-list"), **LISTS),
    Endpoint("sponsorship", "get", of("training-sponsorship-detail", away), **API),
    Endpoint("sponsorship create", "post", plain("training-sponsorship-list"), new_sponsorship, **LISTS),
    Endpoint(
        "sponsorship patch",
        "patch",
        of("training-sponsorship-detail", away),
        lambda w: {"decision": "88/QĐ-SYT"},
        **API,
    ),
    Endpoint(
        "sponsorship return",
        "post",
        of("training-sponsorship-return", away),
        lambda w: {"returned_on": today().isoformat()},
        **API,
    ),
    Endpoint(
        "sponsorship breach",
        "post",
        of("training-sponsorship-breach", away),
        lambda w: {"left_on": today().isoformat(), "reason": "Bỏ học"},
        **API,
    ),
    Endpoint(
        "sponsorship reimbursed",
        "post",
        of("training-sponsorship-reimbursed", breached),
        lambda w: {"amount": 40_000_000},
        **API,
    ),
    Endpoint("upcoming returns", "get", plain("training-sponsorship-upcoming"), **LISTS),
    # Needs analysis
    Endpoint("needs", "get", plain("training-needs", query="?orgunit=RA&year=2027"), **API),
    Endpoint(
        "needs of a norm", "get", plain("training-needs-detail", "tram-co-bac-si", query="?orgunit=RA&year=2027"), **API
    ),
    Endpoint(
        "needs of an hours norm",
        "get",
        plain("training-needs-detail", "du-gio-dao-tao-lien-tuc", query="?orgunit=RA"),
        **API,
    ),
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
    assert set(response.json()) == {"detail", "errors"}
    assert audit_count() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.writes and e.read_only], ids=str)
def test_read_only_persona_gets_403_on_write_and_nothing_is_saved(endpoint, world, api_for):
    before = audit_count()
    for persona in ("viewer", "province_viewer", "data_clerk"):
        response = call(_api(persona, world, api_for), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code, response.content[:300])
        assert set(response.json()) == {"detail", "errors"}
    assert audit_count() == before


# The trainee's unit may withdraw its own person from a class run above it (test_api covers it).
BELOW_MAY = {"enrolment withdraw"}


@pytest.mark.parametrize(
    "endpoint",
    [e for e in ENDPOINTS if e.writes and e.allowed != "province_admin" and e.name not in BELOW_MAY],
    ids=str,
)
def test_writes_from_below_the_owning_unit_are_refused_and_nothing_is_saved(endpoint, world, api_for):
    """Region A's plans and classes are visible to station A1, which may change only its own subtree: a write from
    there is refused (403, or 400 when it names something it cannot see), never a 5xx, and saves nothing."""
    before = audit_count()
    response = call(_api("station_head", world, api_for), endpoint, world)
    assert response.status_code in {400, 403, 404}, (response.status_code, response.content[:300])
    assert audit_count() == before
