"""Criterion 4 of the national criteria is pre-filled from the equipment inventory and the stock ledger."""

import datetime

import pytest
from django.utils import translation

from ytcs.assessments.models import Framework
from ytcs.assessments.prefill import registry_fact
from ytcs.assets.models import EquipmentItem, EquipmentType, Medicine
from ytcs.assets.stock import stock_issue, stock_receive

pytestmark = pytest.mark.django_db
D = datetime.date


def test_criterion_4_items_are_prefilled_from_equipment_and_stock_with_their_source(world):
    framework = Framework.objects.get(code="qd1300-2030")
    keys = set(framework.criteria.get(code="TC4").items.values_list("prefill", flat=True))
    assert keys == {"equipment_norms_met", "equipment_short", "medicine_stockouts"}
    a1 = world.station_a1
    for code in ("SIEU_AM", "DIEN_TIM_6", "HUYET_AP", "HUYET_AP"):
        EquipmentItem.objects.create(orgunit=a1, equipment_type=EquipmentType.objects.get(code=code))
    EquipmentItem.objects.create(
        orgunit=a1, equipment_type=EquipmentType.objects.get(code="TU_LANH_VAC"), condition="broken"
    )
    para, ors = Medicine.objects.get(code="PARA500"), Medicine.objects.get(code="ORS")
    stock_receive(
        user=world.station_head,
        orgunit=a1,
        medicine=para,
        batch="P",
        expiry_date=D(2030, 1, 1),
        quantity=5,
        occurred_on=D(2026, 1, 2),
    )
    stock_receive(
        user=world.station_head,
        orgunit=a1,
        medicine=ors,
        batch="O",
        expiry_date=D(2030, 1, 1),
        quantity=5,
        occurred_on=D(2026, 1, 2),
    )
    stock_issue(user=world.station_head, orgunit=a1, medicine=ors, batch="O", quantity=5, occurred_on=D(2026, 1, 3))
    on = D(2026, 2, 1)
    with translation.override("en"):
        short, source = registry_fact("equipment_short", a1, on)
        assert short == 16 - 4  # 16 required by the sample norms; the broken refrigerator does not count
        assert "YTCS equipment inventory: 12 item(s) missing at A1 on 01/02/2026" in source
        assert registry_fact("equipment_norms_met", a1, on)[0] is False
        assert registry_fact("medicine_stockouts", a1, on)[0] == 1
        assert registry_fact("medicines_in_stock", a1, on)[0] == 1
        assert registry_fact("equipment_working:HUYET_AP", a1, on)[0] == 2
