"""Investment proposal pages: the whole chain (draft from the gap, submit, return with comments, edit, resubmit,
approve at the region then at the province, fund, deliver into the inventory once), a rejection being final, bad
lines named with what was typed kept, the link to an assessment of the unit, who reviews when, the lists and the
landing tile."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from ytcs.assessments.models import Assessment, Framework
from ytcs.assets import services
from ytcs.assets.models import EquipmentItem, InvestmentProposal, ProposalStatus
from ytcs.assets.tests.test_proposals_matrix import form_data, line

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _steps(proposal: InvestmentProposal) -> list[tuple[str, str]]:
    return list(proposal.steps.order_by("at", "id").values_list("action", "orgunit__code"))


def test_a_proposal_goes_from_the_gap_up_the_chain_and_into_the_inventory_once(world, client_for):
    head, manager, admin = (
        english(client_for(u)) for u in (world.station_head, world.region_manager, world.province_admin)
    )
    # From the gap: station A1 has nothing, so every station norm is a line (2 blood-pressure monitors...).
    html = head.get(reverse("assets:proposal_create") + "?orgunit=A1&from_gap=1").content.decode()
    assert html.count('class="line-form"') == 13 + 2  # the shortfall, then blank rows
    assert re.search(r'name="lines-\d+-quantity" value="2"', html)
    # A first attempt with a bad line: named on its row, everything typed kept, nothing saved.
    data = form_data(world, orgunit=world.station_a1, lines=[("SIEU_AM", "1", "350000000"), ("HUYET_AP", "0", "-5")])
    response = head.post(reverse("assets:proposal_create"), data)
    assert response.status_code == 200 and not InvestmentProposal.objects.exists()
    html = response.content.decode()
    assert 'name="lines-1-quantity" value="0"' in html and 'value="350000000"' in html
    assert html.count('class="errorlist"') >= 2
    data = form_data(
        world, orgunit=world.station_a1, lines=[("SIEU_AM", "1", "350000000"), ("HUYET_AP", "2", "800000")]
    )
    response = head.post(reverse("assets:proposal_create"), data)
    proposal = InvestmentProposal.objects.get()
    assert response["Location"] == reverse("assets:proposal_detail", args=[proposal.pk])
    assert proposal.lines.count() == 2
    head.post(reverse("assets:proposal_submit", args=[proposal.pk]), {"submit-comment": "Gửi trung tâm"})
    proposal.refresh_from_db()
    assert (proposal.status, proposal.reviewer_unit) == (ProposalStatus.SUBMITTED, world.region_a)
    # Returning needs a comment: the page says so and keeps the review form.
    response = manager.post(reverse("assets:proposal_return", args=[proposal.pk]), {"review-comment": " "})
    with translation.override("en"):
        assert response.status_code == 200 and "Say what must change." in response.content.decode()
    response = manager.post(
        reverse("assets:proposal_return", args=[proposal.pk]), {"review-comment": "Bổ sung báo giá"}
    )
    assert response.status_code == 302
    detail = head.get(reverse("assets:proposal_detail", args=[proposal.pk])).content.decode()
    assert "Bổ sung báo giá" in detail and "Submit again" in detail
    # The unit edits (a row added keeps what was typed) and submits again.
    data = form_data(world, lines=[("SIEU_AM", "1", "340000000")])
    data["lines-0-justification"] = "Báo giá kèm theo"
    response = head.post(reverse("assets:proposal_edit", args=[proposal.pk]), {**data, "add_row": "1"})
    html = response.content.decode()
    assert html.count('class="line-form"') == 2 and 'value="Báo giá kèm theo"' in html
    assert head.post(reverse("assets:proposal_edit", args=[proposal.pk]), data).status_code == 302
    head.post(reverse("assets:proposal_submit", args=[proposal.pk]), {"submit-comment": ""})
    assert (
        manager.post(reverse("assets:proposal_approve", args=[proposal.pk]), {"review-comment": "Đồng ý"}).status_code
        == 302
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.reviewer_unit) == (ProposalStatus.SUBMITTED, world.province)
    # Now at the province: the region manager no longer acts.
    assert (
        manager.post(reverse("assets:proposal_approve", args=[proposal.pk]), {"review-comment": ""}).status_code == 403
    )
    assert admin.post(reverse("assets:proposal_approve", args=[proposal.pk]), {"review-comment": ""}).status_code == 302
    assert (
        admin.post(reverse("assets:proposal_fund", args=[proposal.pk]), {"fund-comment": "QĐ 45/QĐ-SYT"}).status_code
        == 302
    )
    line_pk = proposal.lines.get().pk
    response = admin.post(
        reverse("assets:proposal_deliver", args=[proposal.pk]),
        {"delivered_on": "02/05/2027", f"serials_{line_pk}": "SN-1, SN-2"},
    )
    with translation.override("en"):
        assert "2 serial numbers for 1 items." in response.content.decode()
    response = admin.post(
        reverse("assets:proposal_deliver", args=[proposal.pk]),
        {"delivered_on": "02/05/2027", f"serials_{line_pk}": "SN-1"},
    )
    assert response.status_code == 302
    delivered = EquipmentItem.objects.get()
    assert (delivered.orgunit, delivered.serial_number, delivered.year_in_use, delivered.condition) == (
        world.station_a1,
        "SN-1",
        2027,
        "working",
    )
    # Once: a second delivery is refused and adds nothing.
    response = admin.post(reverse("assets:proposal_deliver", args=[proposal.pk]), {"delivered_on": "03/05/2027"})
    assert response.status_code == 200 and EquipmentItem.objects.count() == 1
    with translation.override("en"):
        assert "Only a funded proposal can be delivered, once." in response.content.decode()
    assert _steps(proposal) == [
        ("submit", "A1"),
        ("return", "RA"),
        ("submit", "A1"),
        ("approve", "RA"),
        ("approve", "PROV"),
        ("fund", "PROV"),
        ("deliver", "PROV"),
    ]
    detail = head.get(reverse("assets:proposal_detail", args=[proposal.pk])).content.decode()
    assert detail.count("<li><strong>") == 7 and "QĐ 45/QĐ-SYT" in detail
    item_page = head.get(reverse("assets:equipment_detail", args=[delivered.pk])).content.decode()
    assert reverse("assets:proposal_detail", args=[proposal.pk]) in item_page


def test_a_rejected_proposal_is_final(world, client_for):
    proposal = services.proposal_create(
        user=world.station_head, orgunit=world.station_a1, year=2027, title="Máy", justification="x", lines=[line()]
    )
    services.proposal_submit(user=world.station_head, proposal=proposal)
    manager = client_for(world.region_manager)
    assert (
        manager.post(reverse("assets:proposal_reject", args=[proposal.pk]), {"review-comment": "Không"}).status_code
        == 302
    )
    head = english(client_for(world.station_head))
    response = head.post(reverse("assets:proposal_submit", args=[proposal.pk]), {"submit-comment": ""})
    with translation.override("en"):
        assert "Only a draft or a returned proposal can be submitted." in response.content.decode()
    response = head.get(reverse("assets:proposal_edit", args=[proposal.pk]))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED


def test_a_proposal_answers_an_assessment_of_its_own_unit_only(world, client_for):
    framework = Framework.objects.order_by("pk").first()
    own = Assessment.objects.create(orgunit=world.station_a1, framework=framework, year=2026)
    other = Assessment.objects.create(orgunit=world.station_a2, framework=framework, year=2026)
    client = english(client_for(world.region_manager))
    data = {**form_data(world, orgunit=world.station_a1), "assessment": other.pk}
    response = client.post(reverse("assets:proposal_create"), data)
    with translation.override("en"):
        assert "Choose an assessment of the proposing unit." in response.content.decode()
    assert not InvestmentProposal.objects.exists()
    response = client.post(reverse("assets:proposal_create"), {**data, "assessment": own.pk})
    proposal = InvestmentProposal.objects.get()
    assert proposal.assessment == own
    detail = client.get(reverse("assets:proposal_detail", args=[proposal.pk])).content.decode()
    assert reverse("assessments:assessment_detail", args=[own.pk]) in detail
    # The edit form offers only the unit's assessments, and may drop the link.
    html = client.get(reverse("assets:proposal_edit", args=[proposal.pk])).content.decode()
    offered = re.findall(r'<option value="(\d+)"', re.search(r'<select name="assessment".*?</select>', html, re.S)[0])
    assert offered == [str(own.pk)]
    client.post(reverse("assets:proposal_edit", args=[proposal.pk]), form_data(world))
    proposal.refresh_from_db()
    assert proposal.assessment is None


def test_the_lists_show_mine_and_what_waits_for_me(world, client_for, django_assert_max_num_queries):
    def draft(unit, user, title):
        return services.proposal_create(
            user=user, orgunit=unit, year=2027, title=title, justification="x", lines=[line(), line("HUYET_AP", 2)]
        )

    a1 = services.proposal_submit(
        user=world.station_head, proposal=draft(world.station_a1, world.station_head, "A1 máy")
    )
    draft(world.station_a2, world.region_manager, "A2 nháp")
    ra = services.proposal_submit(
        user=world.region_manager, proposal=draft(world.region_a, world.region_manager, "RA máy")
    )
    for n in range(30):
        draft(world.station_a2, world.region_manager, f"Thêm {n}")

    def titles(client, query=""):
        html = client.get(reverse("assets:proposal_list") + query).content.decode()
        return re.findall(r'href="/assets/proposals/\d+/">([^<]+)</a>', html)

    manager = client_for(world.region_manager)
    assert titles(manager, "?box=review") == ["A1 máy"]  # its own centre's proposal goes to the province
    assert titles(client_for(world.province_admin), "?box=review") == ["RA máy"]
    assert titles(client_for(world.station_head), "?box=mine") == ["A1 máy"]
    assert titles(manager, "?status=submitted&orgunit=A1") == ["A1 máy"]
    with django_assert_max_num_queries(10):
        response = manager.get(reverse("assets:proposal_list") + "?page=2")
    assert response.status_code == 200
    html = client_for(world.province_admin).get(reverse("assets:home")).content.decode()
    assert re.search(r'id="tile-awaiting"[^>]*><span class="value">1<', html)
    services.proposal_approve(user=world.province_admin, proposal=ra)
    html = client_for(world.province_admin).get(reverse("assets:home")).content.decode()
    assert re.search(r'id="tile-awaiting"[^>]*><span class="value">1<', html)  # now to fund
    assert a1.reviewer_unit == world.region_a
    # The list shows the cost: 350,000,000 + 2 × 350,000,000.
    html = manager.get(reverse("assets:proposal_list") + "?status=submitted&orgunit=A1").content.decode()
    assert "1.050.000.000" in html or "1,050,000,000" in html
