"""Persona matrix over the training plan, needs analysis and catalogue pages: anonymous → login, in scope → 2xx/3xx,
outsider (region B) → 404 on region A's plans with nothing saved, read-only roles → 403 on every write with nothing
saved. Plans are visible below their unit, so the targets are plans of region A, which the outsider cannot see."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from ytcs.core.testing.factories import (
    PlannedCourseFactory,
    StaffFactory,
    TrainingPlanFactory,
    course,
    title,
)
from ytcs.core.testing.matrix import Endpoint, audit_count, call, page_matrix
from ytcs.core.testing.personas import World
from ytcs.training import services
from ytcs.training.models import Course, PlannedCourse, PlannedSeat, PlannedTrainee, StaffingNorm, TrainingPlan


def _records(w: World) -> dict:
    """Region A's draft plan with a line (a trainee of A1 named on it), an adopted plan of region A and a
    provincial plan; made once per world (the URLs need their ids)."""
    records = w.__dict__.setdefault("_plan_records", {})
    if not records:
        plan = TrainingPlanFactory(orgunit=w.region_a, year=2027, name="Kế hoạch đào tạo khu vực A 2027")
        line = PlannedCourseFactory(plan=plan, course=course("dien-tam-do"), group=w.region_a, classes=1)
        records["plan"], records["line"] = plan, line
        records["ha"] = StaffFactory(orgunit=w.station_a1, full_name="Nguyễn Thu Hà", title=title("y-si"))
        records["binh"] = StaffFactory(orgunit=w.station_a2, full_name="Trần Văn Bình", title=title("dieu-duong"))
        records["trainee"] = services.trainee_add(user=w.region_manager, line=line, staff=records["ha"])
        adopted = TrainingPlanFactory(orgunit=w.region_a, year=2026, name="Kế hoạch đào tạo khu vực A 2026")
        PlannedCourseFactory(plan=adopted, course=course("cap-cuu-co-ban"), group=w.region_a)
        records["adopted"] = services.plan_adopt(
            user=w.region_manager, plan=adopted, on=timezone.localdate(), decision="12/QĐ-TTYT"
        )
        records["province_plan"] = TrainingPlanFactory(orgunit=w.province, year=2027, name="Kế hoạch của Sở 2027")
    return records


def plan_url(name: str, key: str = "plan"):
    return lambda w: reverse(name, kwargs={"pk": _records(w)[key].pk})


def line_url(name: str):
    return lambda w: reverse(name, kwargs={"pk": _records(w)["line"].pk})


def page(name: str, query: str = "", **kwargs):
    return lambda w: reverse(name, kwargs=kwargs or None) + (f"?{query}" if query else "")


def plan_form_data(w: World, **overrides) -> dict:
    plan = _records(w)["plan"]
    return {"name": plan.name, "year": plan.year, "decision": plan.decision, "note": plan.note, **overrides}


def line_form_data(w: World, **overrides) -> dict:
    data = {
        "course": course("cap-cuu-co-ban").pk,
        "group": w.region_a.pk,
        "provider": "",
        "quarter": "2",
        "classes": "1",
        "budget": "75000000",
        "funding_source": "state_budget",
        "note": "",
    }
    return {**data, **overrides}


def course_data(**overrides) -> dict:
    data = {
        "code": "an-toan-tiem-chung",
        "name": "An toàn tiêm chủng",
        "kind": "continuing",
        "provider": "Trung tâm Kiểm soát bệnh tật tỉnh",
        "credits": "8",
        "duration_days": "1",
        "class_size": "30",
        "unit_cost": "500000",
        "target_titles": [title("dieu-duong").pk, title("ho-sinh").pk],
        "source": "Thông tư 34/2018/TT-BYT",
        "is_active": "on",
    }
    return {**data, **overrides}


def course_edit_data() -> dict:
    ecg = course("dien-tam-do")
    return course_data(
        code=ecg.code,
        name=ecg.name,
        kind=ecg.kind,
        provider="Bệnh viện Tim mạch tỉnh",
        credits=str(ecg.credits),
        competency=ecg.competency_id,
        duration_days=str(ecg.duration_days),
        class_size=str(ecg.class_size),
        unit_cost=str(int(ecg.unit_cost)),
        target_titles=[t.pk for t in ecg.target_titles.all()],
        source=ecg.source,
    )


def norm(code: str) -> StaffingNorm:
    return StaffingNorm.objects.get(code=code)


def norm_data(**overrides) -> dict:
    data = {
        "code": "tram-co-y-si",
        "name": "Trạm y tế có y sĩ",
        "kind": "title",
        "unit_kind": "station",
        "titles": [title("y-si").pk],
        "minimum": "1",
        "candidate_titles": [],
        "source": "Yêu cầu của tỉnh",
        "sort_order": "80",
        "is_active": "on",
    }
    return {**data, **overrides}


def norm_edit_data() -> dict:
    nurse = norm("tram-co-dieu-duong")
    return norm_data(
        code=nurse.code,
        name=nurse.name,
        titles=[t.pk for t in nurse.titles.all()],
        source=nurse.source,
        sort_order=str(nurse.sort_order),
        confirmed="on",
    )


# Catalogue pages belong to no unit: everyone reads them; only province administrators write.
CATALOGUE = {"allowed": "province_admin", "out_of_scope": None}
# The needs analysis of region A: the outsider cannot see the unit.
NEEDS_QUERY = "orgunit=RA&year=2027"

ENDPOINTS = [
    # plans
    Endpoint("plan list", "get", page("training:plan_list"), out_of_scope=None),
    Endpoint(
        "plan list filtered", "get", page("training:plan_list", "year=2027&status=draft&orgunit=RA"), out_of_scope=None
    ),
    Endpoint("plan create form", "get", page("training:plan_create"), out_of_scope=None),
    Endpoint(
        "plan create",
        "post",
        page("training:plan_create"),
        lambda w: {"orgunit": w.region_a.pk, "year": "2028", "name": "Kế hoạch đào tạo 2028", "note": ""},
        out_of_scope=None,
    ),
    Endpoint("plan detail", "get", plan_url("training:plan_detail")),
    Endpoint("plan export", "get", plan_url("training:plan_export")),
    Endpoint("plan edit form", "get", plan_url("training:plan_edit")),
    Endpoint(
        "plan edit", "post", plan_url("training:plan_edit"), lambda w: plan_form_data(w, note="Theo Quyết định 5")
    ),
    Endpoint(
        "plan adopt",
        "post",
        plan_url("training:plan_adopt"),
        lambda w: {"on": timezone.localdate().strftime("%d/%m/%Y"), "decision": "45/QĐ-TTYT"},
    ),
    Endpoint("plan close", "post", plan_url("training:plan_close", "adopted")),
    Endpoint("plan delete", "post", plan_url("training:plan_delete")),
    # lines
    Endpoint("line create form", "get", plan_url("training:line_create")),
    Endpoint("line create", "post", plan_url("training:line_create"), line_form_data),
    Endpoint("line detail", "get", line_url("training:line_detail")),
    Endpoint("line edit form", "get", line_url("training:line_edit")),
    Endpoint(
        "line edit",
        "post",
        line_url("training:line_edit"),
        lambda w: line_form_data(w, course=course("dien-tam-do").pk, budget="40000000", status="planned"),
    ),
    Endpoint("line delete", "post", line_url("training:line_delete")),
    Endpoint("seat set", "post", line_url("training:seat_set"), lambda w: {"orgunit": w.station_a2.pk, "seats": "3"}),
    Endpoint("trainee add", "post", line_url("training:trainee_add"), lambda w: {"staff": _records(w)["binh"].pk}),
    Endpoint(
        "trainee remove",
        "post",
        lambda w: reverse(
            "training:trainee_remove", kwargs={"pk": _records(w)["line"].pk, "trainee_pk": _records(w)["trainee"].pk}
        ),
    ),
    # needs analysis
    Endpoint("needs", "get", page("training:needs", NEEDS_QUERY)),
    Endpoint("needs default root", "get", page("training:needs"), out_of_scope=None),
    Endpoint("needs norm units", "get", page("training:needs_norm", NEEDS_QUERY, code="tram-co-bac-si")),
    Endpoint("needs norm people", "get", page("training:needs_norm", NEEDS_QUERY, code="du-gio-dao-tao-lien-tuc")),
    Endpoint("needs export", "get", page("training:needs_export", NEEDS_QUERY)),
    Endpoint("needs propose", "post", page("training:needs_propose"), lambda w: {"orgunit": "RA", "year": "2027"}),
    # catalogues
    Endpoint("course list", "get", page("training:course_list"), out_of_scope=None),
    Endpoint("course create form", "get", page("training:course_create"), **CATALOGUE),
    Endpoint("course create", "post", page("training:course_create"), lambda w: course_data(), **CATALOGUE),
    Endpoint("course edit form", "get", lambda w: reverse("training:course_edit", args=[course().pk]), **CATALOGUE),
    Endpoint(
        "course edit",
        "post",
        lambda w: reverse("training:course_edit", args=[course().pk]),
        lambda w: course_edit_data(),
        **CATALOGUE,
    ),
    Endpoint("norm list", "get", page("training:norm_list"), out_of_scope=None),
    Endpoint("norm create form", "get", page("training:norm_create"), **CATALOGUE),
    Endpoint("norm create", "post", page("training:norm_create"), lambda w: norm_data(), **CATALOGUE),
    Endpoint(
        "norm edit form",
        "get",
        lambda w: reverse("training:norm_edit", args=[norm("tram-co-dieu-duong").pk]),
        **CATALOGUE,
    ),
    Endpoint(
        "norm edit",
        "post",
        lambda w: reverse("training:norm_edit", args=[norm("tram-co-dieu-duong").pk]),
        lambda w: norm_edit_data(),
        **CATALOGUE,
    ),
]

WRITE_FORMS = [e for e in ENDPOINTS if e.method == "get" and "form" in e.name]


@pytest.fixture
def world(world):
    """The persona world with region A's plans made before any count is taken."""
    _records(world)
    return world


def _snapshot() -> tuple:
    """Everything the pages could write, catalogues included."""
    return (
        audit_count(),
        tuple(TrainingPlan.objects.order_by("pk").values_list("name", "year", "status", "decision", "note")),
        tuple(PlannedCourse.objects.order_by("pk").values_list("plan_id", "course_id", "group_id", "budget", "status")),
        tuple(PlannedSeat.objects.order_by("pk").values_list("line_id", "orgunit_id", "seats")),
        tuple(PlannedTrainee.objects.order_by("pk").values_list("line_id", "staff_id")),
        tuple(Course.objects.order_by("pk").values_list()),
        tuple(StaffingNorm.objects.order_by("pk").values_list()),
        tuple(Course.target_titles.through.objects.order_by("pk").values_list()),
        tuple(StaffingNorm.titles.through.objects.order_by("pk").values_list()),
    )


globals().update(page_matrix(ENDPOINTS, _snapshot, forms=WRITE_FORMS))


CATALOGUE_WRITES = [e for e in ENDPOINTS if e.name.startswith(("course ", "norm ")) and e.allowed == "province_admin"]


@pytest.mark.parametrize("endpoint", CATALOGUE_WRITES, ids=str)
def test_only_province_administrators_write_the_catalogues(endpoint, world, client_for):
    before = _snapshot()
    for persona in ("region_manager", "station_head", "outsider"):
        response = call(client_for(getattr(world, persona)), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code)
    assert _snapshot() == before


# A provincial plan is read by every unit below the province, the outsider's region included, but changed only by
# those who may change the province.
PROVINCE_PLAN_WRITES = [
    ("training:plan_edit", lambda w: plan_form_data(w, note="x")),
    ("training:plan_adopt", lambda w: {"on": timezone.localdate().strftime("%d/%m/%Y")}),
    ("training:plan_delete", None),
    ("training:line_create", line_form_data),
]


@pytest.mark.parametrize("persona", ["outsider", "station_head", "region_manager"])
def test_units_below_read_the_provincial_plan(persona, world, client_for):
    client = client_for(getattr(world, persona))
    plan = _records(world)["province_plan"]
    assert client.get(reverse("training:plan_detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("training:plan_export", args=[plan.pk])).status_code == 200
    listed = client.get(reverse("training:plan_list"))
    assert plan.name in listed.text


@pytest.mark.parametrize("name,data", PROVINCE_PLAN_WRITES, ids=lambda v: v if isinstance(v, str) else "")
def test_units_below_cannot_change_the_provincial_plan(name, data, world, client_for):
    plan = _records(world)["province_plan"]
    before = _snapshot()
    for persona in ("outsider", "station_head", "region_manager"):
        client = client_for(getattr(world, persona))
        url = reverse(name, args=[plan.pk])
        response = client.post(url, data(world) if data else None)
        assert response.status_code == 403, (persona, name, response.status_code)
    assert _snapshot() == before


def test_the_outsider_does_not_see_region_a_plans_in_the_list(world, client_for):
    listed = client_for(world.outsider).get(reverse("training:plan_list"))
    assert _records(world)["plan"].name not in listed.text
    assert _records(world)["province_plan"].name in listed.text
