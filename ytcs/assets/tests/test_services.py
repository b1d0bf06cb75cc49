import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ytcs.assets.models import (
    EquipmentCatalogue,
    EquipmentItem,
    EquipmentMove,
    EquipmentType,
    ProposalStatus,
)
from ytcs.assets.services import (
    item_create,
    item_move,
    item_update,
    proposal_approve,
    proposal_create,
    proposal_deliver,
    proposal_fund,
    proposal_reject,
    proposal_return,
    proposal_submit,
    proposal_update,
)
from ytcs.core.models import AuditEntry

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def echo():
    EquipmentCatalogue.objects.update(is_current=False)  # the shipped sample
    catalogue = EquipmentCatalogue.objects.create(code="mau", version="1", name="Mẫu", source="test", is_current=True)
    return EquipmentType.objects.create(catalogue=catalogue, code="SIEU_AM", name="Máy siêu âm", category="imaging")


def line(echo, quantity=1):
    return {
        "equipment_type": echo,
        "quantity": quantity,
        "unit_cost": Decimal("350000000"),
        "funding_source": "state_budget",
    }


def test_a_station_records_its_own_equipment_only(world, echo):
    item = item_create(user=world.station_head, orgunit=world.station_a1, equipment_type=echo, serial_number="SA-1")
    assert item.search_text == "may sieu am sieu_am sa-1"
    with pytest.raises(PermissionDenied):
        item_create(user=world.station_head, orgunit=world.station_a2, equipment_type=echo)
    item_update(user=world.station_head, item=item, condition="broken")
    assert AuditEntry.objects.filter(object_id=str(item.pk), action="update").exists()


def test_a_move_needs_rights_on_both_units_and_keeps_history(world, echo):
    item = item_create(user=world.region_manager, orgunit=world.station_a1, equipment_type=echo)
    with pytest.raises(PermissionDenied):
        item_move(
            user=world.station_head, item=item, to_unit=world.station_a2, moved_on=D(2026, 3, 1), reason="Điều phối"
        )
    with pytest.raises(PermissionDenied):
        item_move(
            user=world.region_manager, item=item, to_unit=world.station_b1, moved_on=D(2026, 3, 1), reason="Điều phối"
        )
    with pytest.raises(ValidationError):
        item_move(user=world.region_manager, item=item, to_unit=world.station_a2, moved_on=D(2026, 3, 1), reason="")
    item_move(
        user=world.region_manager, item=item, to_unit=world.station_a2, moved_on=D(2026, 3, 1), reason="Điều phối"
    )
    item.refresh_from_db()
    assert item.orgunit == world.station_a2
    assert list(EquipmentMove.objects.values_list("orgunit__code", "to_unit__code")) == [("A1", "A2")]


def test_a_proposal_goes_up_the_chain_is_funded_and_delivered_once(world, echo):
    proposal = proposal_create(
        user=world.station_head,
        orgunit=world.station_a1,
        year=2027,
        title="Máy siêu âm",
        justification="Thiếu theo định mức",
        lines=[line(echo, 2)],
    )
    proposal_submit(user=world.station_head, proposal=proposal)
    assert proposal.reviewer_unit == world.region_a
    with pytest.raises(PermissionDenied):  # a station never reviews, the province waits for the region
        proposal_approve(user=world.station_head, proposal=proposal)
    with pytest.raises(PermissionDenied):
        proposal_approve(user=world.outsider, proposal=proposal)
    proposal_approve(user=world.region_manager, proposal=proposal, comment="Đồng ý")
    assert (proposal.status, proposal.reviewer_unit) == (ProposalStatus.SUBMITTED, world.province)
    with pytest.raises(PermissionDenied):
        proposal_approve(user=world.region_manager, proposal=proposal)
    proposal_approve(user=world.province_admin, proposal=proposal)
    assert proposal.status == ProposalStatus.APPROVED
    with pytest.raises(PermissionDenied):
        proposal_fund(user=world.region_manager, proposal=proposal)
    proposal_fund(user=world.province_admin, proposal=proposal, comment="QĐ 123/QĐ-SYT")
    items = proposal_deliver(
        user=world.province_admin,
        proposal=proposal,
        delivered_on=D(2027, 5, 1),
        serials={proposal.lines.get().pk: ["SN-1", "SN-2"]},
    )
    assert sorted(i.serial_number for i in items) == ["SN-1", "SN-2"]
    assert EquipmentItem.objects.filter(orgunit=world.station_a1, delivered_by__proposal=proposal).count() == 2
    with pytest.raises(ValidationError):
        proposal_deliver(user=world.province_admin, proposal=proposal, delivered_on=D(2027, 5, 2))
    assert EquipmentItem.objects.count() == 2
    assert list(proposal.steps.values_list("action", flat=True)) == ["submit", "approve", "approve", "fund", "deliver"]


def test_a_returned_proposal_is_edited_and_resubmitted_a_rejected_one_is_final(world, echo):
    proposal = proposal_create(
        user=world.station_head,
        orgunit=world.station_a1,
        year=2027,
        title="Máy siêu âm",
        justification="x",
        lines=[line(echo)],
    )
    with pytest.raises(ValidationError):
        proposal_update(user=world.station_head, proposal=proposal, title="t", justification="j", lines=[])
    proposal_submit(user=world.station_head, proposal=proposal)
    with pytest.raises(ValidationError):
        proposal_return(user=world.region_manager, proposal=proposal, comment=" ")
    proposal_return(user=world.region_manager, proposal=proposal, comment="Bổ sung báo giá")
    proposal_update(
        user=world.station_head,
        proposal=proposal,
        title="Máy siêu âm",
        justification="Có báo giá",
        lines=[line(echo, 1)],
    )
    proposal_submit(user=world.station_head, proposal=proposal)
    proposal_reject(user=world.region_manager, proposal=proposal, comment="Không phù hợp")
    with pytest.raises(ValidationError):
        proposal_submit(user=world.station_head, proposal=proposal)


def test_bad_lines_are_named_and_nothing_is_saved(world, echo):
    with pytest.raises(ValidationError) as exc:
        proposal_create(
            user=world.station_head,
            orgunit=world.station_a1,
            year=2027,
            title="Máy",
            justification="x",
            lines=[line(echo), {**line(echo), "quantity": 0}],
        )
    assert "lines.2.quantity" in exc.value.message_dict
    from ytcs.assets.models import InvestmentProposal

    assert not InvestmentProposal.objects.exists()
