"""The investment proposal API: the chain (draft, submit, return with comments, edit, resubmit, reject; approve at
the region then the province, fund, deliver once), bad lines named by their number, the assessment link, and the
list's filters with a bounded number of queries."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from ytcs.assessments.models import Assessment, Framework
from ytcs.assets import services
from ytcs.assets.models import EquipmentItem, InvestmentProposal, ProposalStatus
from ytcs.assets.tests.test_proposals_matrix import line

pytestmark = pytest.mark.django_db


def english(api):
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return api


def body(**extra) -> dict:
    return {
        "orgunit": "A1",
        "year": 2027,
        "title": "Máy siêu âm và máy điện tim",
        "justification": "Thiếu theo định mức",
        "lines": [
            {"equipment_type": "SIEU_AM", "quantity": 1, "unit_cost": 350000000, "funding_source": "state_budget"},
            {
                "equipment_type": "DIEN_TIM_6",
                "quantity": 2,
                "unit_cost": 60000000,
                "funding_source": "project",
                "closes_gap": True,
            },
        ],
        **extra,
    }


def step(api, pk: int, action: str, data=None):
    return api.post(reverse(f"proposal-{action}", args=[pk]), data or {}, format="json")


def test_the_chain_with_a_return_a_rejection_funding_and_one_delivery(world, api_for):
    head = english(api_for(world.station_head))
    manager = english(api_for(world.region_manager))
    admin = english(api_for(world.province_admin))
    response = head.post(reverse("proposal-list"), body(), format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    pk = created["id"]
    assert (created["status"], created["item_count"], created["total_cost"]) == ("draft", 3, 470000000)
    assert [line["equipment_type"] for line in created["lines"]] == ["SIEU_AM", "DIEN_TIM_6"]
    assert step(head, pk, "submit").json()["reviewer_unit"] == "RA"
    assert step(head, pk, "approve").status_code == 403  # the proposing station never reviews
    response = step(manager, pk, "return")
    assert response.status_code == 400 and response.json()["errors"] == {"comment": ["Say what must change."]}
    response = step(manager, pk, "return", {"comment": " "})
    assert response.status_code == 400 and "comment" in response.json()["errors"]
    assert step(manager, pk, "return", {"comment": "Bổ sung báo giá"}).json()["status"] == "returned"
    response = head.patch(
        reverse("proposal-detail", args=[pk]),
        {"lines": [{"equipment_type": "SIEU_AM", "quantity": 1, "unit_cost": 340000000, "funding_source": "own"}]},
        format="json",
    )
    assert response.status_code == 200 and response.json()["total_cost"] == 340000000
    assert response.json()["title"] == "Máy siêu âm và máy điện tim"  # left out: kept
    assert step(head, pk, "submit").status_code == 200
    assert step(manager, pk, "approve", {"comment": "Đồng ý"}).json()["reviewer_unit"] == "PROV"
    assert step(manager, pk, "approve").status_code == 403  # now at the province
    assert step(manager, pk, "fund").status_code == 403
    assert step(admin, pk, "fund").status_code == 400  # not approved yet
    assert step(admin, pk, "approve").json()["status"] == "approved"
    assert step(admin, pk, "fund", {"comment": "QĐ 45/QĐ-SYT"}).json()["status"] == "funded"
    line_id = InvestmentProposal.objects.get(pk=pk).lines.get().pk
    response = step(admin, pk, "deliver", {"delivered_on": "2027-05-02", "serials": {str(line_id): ["SN-9"]}})
    assert response.status_code == 200 and response.json()["lines"][0]["delivered_quantity"] == 1
    item = EquipmentItem.objects.get()
    assert (item.orgunit, item.serial_number, item.funding_source) == (world.station_a1, "SN-9", "own")
    response = step(admin, pk, "deliver", {"delivered_on": "2027-05-03"})
    assert response.status_code == 400 and EquipmentItem.objects.count() == 1
    assert "Only a funded proposal can be delivered, once." in response.json()["errors"]["non_field_errors"]
    steps = api_for(world.viewer).get(reverse("proposal-detail", args=[pk])).json()["steps"]
    assert [(s["action"], s["orgunit"]) for s in steps] == [
        ("submit", "A1"),
        ("return", "RA"),
        ("submit", "A1"),
        ("approve", "RA"),
        ("approve", "PROV"),
        ("fund", "PROV"),
        ("deliver", "PROV"),
    ]
    # A rejection is final.
    other = head.post(reverse("proposal-list"), body(title="Khác"), format="json").json()["id"]
    step(head, other, "submit")
    assert step(manager, other, "reject", {"comment": "Không phù hợp"}).json()["status"] == "rejected"
    assert step(head, other, "submit").status_code == 400
    assert head.patch(reverse("proposal-detail", args=[other]), {"title": "x"}, format="json").status_code == 400


def test_bad_lines_are_named_by_their_number_and_nothing_is_saved(world, api_for):
    api = english(api_for(world.region_manager))
    lines = body()["lines"]
    bad = [lines[0], {**lines[1], "quantity": 0, "equipment_type": "KHONG_CO"}]
    response = api.post(reverse("proposal-list"), body(lines=bad), format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"lines.2.quantity", "lines.2.equipment_type"}
    response = api.post(reverse("proposal-list"), body(lines=[]), format="json")
    assert response.status_code == 400 and "lines" in response.json()["errors"]
    response = api.post(reverse("proposal-list"), {"title": "x", "justification": "y", "lines": lines}, format="json")
    assert set(response.json()["errors"]) == {"orgunit", "year"}
    response = api.post(reverse("proposal-list"), body(orgunit="B1"), format="json")
    assert response.status_code == 400 and "orgunit" in response.json()["errors"]  # out of sight
    assert not InvestmentProposal.objects.exists()


def test_a_proposal_answers_an_assessment_of_its_own_unit(world, api_for):
    framework = Framework.objects.order_by("pk").first()
    own = Assessment.objects.create(orgunit=world.station_a1, framework=framework, year=2026)
    other = Assessment.objects.create(orgunit=world.station_a2, framework=framework, year=2026)
    api = english(api_for(world.region_manager))
    response = api.post(reverse("proposal-list"), body(assessment=other.pk), format="json")
    assert response.status_code == 400 and "assessment" in response.json()["errors"]
    response = api.post(reverse("proposal-list"), body(assessment=999999), format="json")
    assert response.json()["errors"] == {"assessment": ["Unknown assessment."]}
    response = api.post(reverse("proposal-list"), body(assessment=own.pk), format="json")
    assert response.status_code == 201 and response.json()["assessment"] == own.pk
    url = reverse("proposal-detail", args=[response.json()["id"]])
    assert api.patch(url, {"assessment": None}, format="json").json()["assessment"] is None


def test_the_list_filters_with_a_bounded_number_of_queries(world, api_for, django_assert_max_num_queries):
    for n in range(25):
        proposal = services.proposal_create(
            user=world.region_manager,
            orgunit=world.station_a2 if n % 2 else world.station_a1,
            year=2026 + n % 2,
            title=f"Đề xuất {n}",
            justification="x",
            lines=[line(), line("HUYET_AP", 2)],
        )
        if n < 3:
            services.proposal_submit(user=world.region_manager, proposal=proposal)
    api = api_for(world.region_manager)
    with django_assert_max_num_queries(8):
        listed = api.get(reverse("proposal-list") + "?page_size=20").json()
    assert listed["count"] == 25 and len(listed["results"]) == 20
    assert listed["results"][0]["item_count"] == 3 and listed["results"][0]["total_cost"] == 1050000000
    assert api.get(reverse("proposal-list") + "?box=review").json()["count"] == 3
    assert api.get(reverse("proposal-list") + "?year=2027&orgunit=A2").json()["count"] == 12
    assert api.get(reverse("proposal-list") + f"?status={ProposalStatus.DRAFT}").json()["count"] == 22
    assert api_for(world.station_head).get(reverse("proposal-list") + "?box=mine").json()["count"] == 13
    assert api.get(reverse("proposal-list") + "?status=lost").status_code == 400
