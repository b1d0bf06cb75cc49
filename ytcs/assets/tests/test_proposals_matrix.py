"""Persona matrix over every investment proposal page and API endpoint: anonymous → login / 401, in scope → 2xx/3xx,
outsider (region B) → 404 on station A1's proposals with nothing saved, read-only roles → 403 on every write (and on
opening a write form) with nothing saved. Station A1 proposes; the region manager (approve right on region A)
reviews first; the province administrator reviews last, funds and records the delivery."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ytcs.assets import services
from ytcs.assets.models import EquipmentCatalogue, EquipmentItem, InvestmentProposal, ProposalLine, ProposalStep
from ytcs.core.testing.matrix import READ_ONLY, Endpoint, audit_count, call, page_matrix
from ytcs.core.testing.personas import World


def etype(code: str):
    return EquipmentCatalogue.objects.get(is_current=True).types.get(code=code)


def line(code: str = "SIEU_AM", quantity: int = 1) -> dict[str, Any]:
    return {
        "equipment_type": etype(code),
        "quantity": quantity,
        "unit_cost": Decimal("350000000"),
        "funding_source": "state_budget",
    }


def _draft(w: World, title: str):
    return services.proposal_create(
        user=w.station_head,
        orgunit=w.station_a1,
        year=2027,
        title=title,
        justification="Thiếu theo định mức",
        lines=[line()],
    )


def _records(w: World) -> dict:
    """Proposals of station A1 at each step: a draft, one under review at region A, one approved by the province,
    one funded; made once per world (the URLs need their ids)."""
    records = w.__dict__.setdefault("_proposal_records", {})
    if not records:
        records["draft"] = _draft(w, "Đề xuất nháp")
        records["submitted"] = services.proposal_submit(user=w.station_head, proposal=_draft(w, "Đang xem xét"))
        approved = services.proposal_submit(user=w.station_head, proposal=_draft(w, "Đã duyệt"))
        services.proposal_approve(user=w.region_manager, proposal=approved)
        records["approved"] = services.proposal_approve(user=w.province_admin, proposal=approved)
        funded = services.proposal_submit(user=w.station_head, proposal=_draft(w, "Đã cấp vốn"))
        services.proposal_approve(user=w.region_manager, proposal=funded)
        services.proposal_approve(user=w.province_admin, proposal=funded)
        records["funded"] = services.proposal_fund(user=w.province_admin, proposal=funded, comment="QĐ 12/QĐ-SYT")
    return records


@pytest.fixture
def world(world):
    """The persona world with the proposals made before any count is taken."""
    _records(world)
    return world


def page(name: str, query: str = ""):
    return lambda w: reverse(name) + (f"?{query}" if query else "")


def of(name: str, key: str):
    return lambda w: reverse(name, args=[_records(w)[key].pk])


def form_data(w: World, *, orgunit=None, title: str = "Máy siêu âm cho trạm", lines=None) -> dict:
    """The proposal form as posted: head fields and the line rows of the formset."""
    lines = lines if lines is not None else [("SIEU_AM", "1", "350000000")]
    data = {
        "title": title,
        "justification": "Trạm chưa có máy siêu âm theo định mức.",
        "assessment": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
    }
    if orgunit is not None:
        data.update({"orgunit": orgunit.pk, "year": "2027"})
    for n, (code, quantity, cost) in enumerate(lines):
        data.update(
            {
                f"lines-{n}-equipment_type": etype(code).pk,
                f"lines-{n}-quantity": quantity,
                f"lines-{n}-unit_cost": cost,
                f"lines-{n}-funding_source": "state_budget",
                f"lines-{n}-justification": "",
            }
        )
    return data


LISTS = {"out_of_scope": None}
PROVINCE = {"allowed": "province_admin"}

PAGES = [
    Endpoint("proposal list", "get", page("assets:proposal_list"), **LISTS),
    Endpoint(
        "proposal list filtered",
        "get",
        page("assets:proposal_list", "box=review&status=submitted&year=2027&orgunit=RA"),
        **LISTS,
    ),
    Endpoint("proposal create form", "get", page("assets:proposal_create"), **LISTS),
    Endpoint(
        "proposal create form from a gap", "get", page("assets:proposal_create", "orgunit=A1&from_gap=1"), **LISTS
    ),
    Endpoint(
        "proposal create", "post", page("assets:proposal_create"), lambda w: form_data(w, orgunit=w.station_a1), **LISTS
    ),
    Endpoint("proposal detail", "get", of("assets:proposal_detail", "draft")),
    Endpoint("proposal edit form", "get", of("assets:proposal_edit", "draft")),
    Endpoint(
        "proposal edit",
        "post",
        of("assets:proposal_edit", "draft"),
        lambda w: form_data(w, lines=[("SIEU_AM", "1", "300000000"), ("DIEN_TIM_6", "1", "60000000")]),
    ),
    Endpoint("proposal submit", "post", of("assets:proposal_submit", "draft"), lambda w: {"submit-comment": ""}),
    Endpoint("proposal approve", "post", of("assets:proposal_approve", "submitted"), lambda w: {"review-comment": ""}),
    Endpoint(
        "proposal return",
        "post",
        of("assets:proposal_return", "submitted"),
        lambda w: {"review-comment": "Bổ sung báo giá"},
    ),
    Endpoint(
        "proposal reject",
        "post",
        of("assets:proposal_reject", "submitted"),
        lambda w: {"review-comment": "Chưa phù hợp"},
    ),
    Endpoint(
        "proposal fund", "post", of("assets:proposal_fund", "approved"), lambda w: {"fund-comment": "QĐ"}, **PROVINCE
    ),
    Endpoint(
        "proposal deliver",
        "post",
        of("assets:proposal_deliver", "funded"),
        lambda w: {"delivered_on": "01/05/2027", "comment": ""},
        **PROVINCE,
    ),
]

WRITE_FORMS = [e for e in PAGES if e.method == "get" and "form" in e.name]


def _snapshot() -> tuple:
    return (
        audit_count(),
        tuple(InvestmentProposal.objects.order_by("pk").values_list("status", "reviewer_unit", "title")),
        tuple(ProposalLine.objects.order_by("pk").values_list()),
        tuple(ProposalStep.objects.order_by("pk").values_list("proposal", "action")),
        EquipmentItem.objects.count(),
    )


globals().update(page_matrix(PAGES, _snapshot, forms=WRITE_FORMS, check_follow=True))


# ---------------------------------------------------------------------------------------------- API


def api_of(name: str, key: str):
    return lambda w: reverse(name, args=[_records(w)[key].pk])


def api_body(w: World, **extra) -> dict:
    return {
        "title": "Máy điện tim",
        "justification": "Thiếu theo định mức",
        "lines": [{"equipment_type": "DIEN_TIM_6", "quantity": 1, "unit_cost": 60000000, "funding_source": "project"}],
        **extra,
    }


API = {"api": True}
API_LISTS = {"api": True, "out_of_scope": None}
API_PROVINCE = {"api": True, "allowed": "province_admin"}

API_ENDPOINTS = [
    Endpoint("api proposals", "get", lambda w: reverse("proposal-list") + "?box=review&year=2027", **API_LISTS),
    Endpoint(
        "api proposal create",
        "post",
        lambda w: reverse("proposal-list"),
        lambda w: api_body(w, orgunit="A1", year=2027),
        ok=frozenset({201}),
        **API_LISTS,
    ),
    Endpoint("api proposal", "get", api_of("proposal-detail", "draft"), **API),
    Endpoint("api proposal patch", "patch", api_of("proposal-detail", "draft"), lambda w: {"title": "Sửa"}, **API),
    Endpoint("api proposal put", "put", api_of("proposal-detail", "draft"), api_body, **API),
    Endpoint("api proposal submit", "post", api_of("proposal-submit", "draft"), lambda w: {}, **API),
    Endpoint("api proposal approve", "post", api_of("proposal-approve", "submitted"), lambda w: {}, **API),
    Endpoint(
        "api proposal return",
        "post",
        api_of("proposal-return", "submitted"),
        lambda w: {"comment": "Bổ sung"},
        **API,
    ),
    Endpoint(
        "api proposal reject",
        "post",
        api_of("proposal-reject", "submitted"),
        lambda w: {"comment": "Không phù hợp"},
        **API,
    ),
    Endpoint(
        "api proposal fund", "post", api_of("proposal-fund", "approved"), lambda w: {"comment": "QĐ"}, **API_PROVINCE
    ),
    Endpoint(
        "api proposal deliver",
        "post",
        api_of("proposal-deliver", "funded"),
        lambda w: {"delivered_on": "2027-05-01"},
        **API_PROVINCE,
    ),
]

ENDPOINTS = [*PAGES, *API_ENDPOINTS]


def _api(persona, world, api_for):
    return api_for(getattr(world, persona) if persona else None)


@pytest.mark.parametrize("endpoint", API_ENDPOINTS, ids=str)
def test_api_anonymous_gets_401(endpoint, world, api_for):
    before = _snapshot()
    assert call(_api(None, world, api_for), endpoint, world).status_code == 401
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", API_ENDPOINTS, ids=str)
def test_api_in_scope_persona_succeeds(endpoint, world, api_for):
    before = _snapshot()
    response = call(_api(endpoint.allowed, world, api_for), endpoint, world)
    assert response.status_code in endpoint.ok, getattr(response, "content", b"")[:500]
    assert (_snapshot() != before) == endpoint.writes


@pytest.mark.parametrize("endpoint", [e for e in API_ENDPOINTS if e.out_of_scope], ids=str)
def test_api_out_of_scope_persona_gets_404_and_nothing_is_saved(endpoint, world, api_for):
    before = _snapshot()
    response = call(_api(endpoint.out_of_scope, world, api_for), endpoint, world)
    assert response.status_code == 404, response.content[:300]
    assert set(response.json()) == {"detail", "errors"}
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", [e for e in API_ENDPOINTS if e.writes], ids=str)
def test_api_read_only_persona_gets_403_on_write_and_nothing_is_saved(endpoint, world, api_for):
    before = _snapshot()
    for persona in READ_ONLY:
        response = call(_api(persona, world, api_for), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code, response.content[:300])
        assert set(response.json()) == {"detail", "errors"}
    assert _snapshot() == before


# ---------------------------------------------------------------------------------------------- who acts when

REVIEWS = [e for e in ENDPOINTS if e.name.split()[-1] in ("approve", "return", "reject")]
PROVINCE_STEPS = [e for e in ENDPOINTS if e.allowed == "province_admin"]


@pytest.mark.parametrize("endpoint", REVIEWS, ids=str)
def test_the_proposing_station_never_reviews_its_proposal(endpoint, world, client_for, api_for):
    before = _snapshot()
    user = world.station_head
    response = call(api_for(user) if endpoint.api else client_for(user), endpoint, world)
    assert response.status_code == 403, response.status_code
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", PROVINCE_STEPS, ids=str)
def test_only_the_province_funds_and_delivers(endpoint, world, client_for, api_for):
    before = _snapshot()
    for persona in ("station_head", "region_manager"):
        user = getattr(world, persona)
        response = call(api_for(user) if endpoint.api else client_for(user), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code)
    assert _snapshot() == before


def test_the_outsider_does_not_see_station_a1_proposals_in_the_list(world, client_for, api_for):
    assert "Đề xuất nháp" not in client_for(world.outsider).get(reverse("assets:proposal_list")).content.decode()
    assert api_for(world.outsider).get(reverse("proposal-list")).json()["count"] == 0
    assert api_for(world.province_viewer).get(reverse("proposal-list")).json()["count"] == 4
