import datetime

import pytest

from ytcs.assets import selectors
from ytcs.assets.models import (
    EquipmentCatalogue,
    EquipmentItem,
    EquipmentNorm,
    EquipmentType,
    Medicine,
    MedicineList,
)
from ytcs.assets.stock import stock_adjust, stock_issue, stock_receive, stock_transfer

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 3, 15)


@pytest.fixture
def medicines():
    MedicineList.objects.update(is_current=False)  # the shipped sample
    lst = MedicineList.objects.create(code="tyt", version="1", name="Danh mục thử", source="test", is_current=True)

    def med(code, name, minimum=None):
        return Medicine.objects.create(
            medicine_list=lst,
            code=code,
            active_ingredient=name,
            dosage_form="viên",
            route="uống",
            unit="viên",
            minimum_stock=minimum,
        )

    return med("PARA", "Paracetamol", 50), med("AMOX", "Amoxicillin", 30), med("ORS", "Oresol")


def test_balances_on_a_date_and_the_monthly_report(world, medicines):
    para, amox, _ors = medicines
    a1, head = world.station_a1, world.region_manager
    stock_receive(
        user=head,
        orgunit=a1,
        medicine=para,
        batch="P1",
        expiry_date=D(2027, 1, 1),
        quantity=100,
        occurred_on=D(2026, 1, 10),
    )
    stock_issue(user=head, orgunit=a1, medicine=para, batch="P1", quantity=20, occurred_on=D(2026, 1, 20))
    stock_receive(
        user=head,
        orgunit=a1,
        medicine=para,
        batch="P2",
        expiry_date=D(2027, 6, 1),
        quantity=40,
        occurred_on=D(2026, 2, 3),
    )
    stock_issue(user=head, orgunit=a1, medicine=para, batch="P1", quantity=30, occurred_on=D(2026, 2, 10))
    stock_adjust(user=head, orgunit=a1, medicine=para, batch="P2", change=-5, occurred_on=D(2026, 2, 11), reason="Vỡ")
    stock_transfer(
        user=head,
        from_unit=a1,
        to_unit=world.station_a2,
        medicine=para,
        batch="P2",
        quantity=10,
        occurred_on=D(2026, 2, 12),
    )
    stock_receive(
        user=head,
        orgunit=a1,
        medicine=amox,
        batch="A1",
        expiry_date=D(2027, 1, 1),
        quantity=10,
        occurred_on=D(2026, 2, 1),
    )

    on_jan_31 = {
        (r["orgunit_id"], r["medicine_id"]): r["quantity"]
        for r in selectors.stock_balances_on(user=head, on=D(2026, 1, 31))
    }
    assert on_jan_31 == {(a1.pk, para.pk): 80}
    report = {r["medicine__code"]: r for r in selectors.monthly_consumption(user=head, orgunit=a1, year=2026, month=2)}
    para_row = report["PARA"]
    assert (
        para_row["opening"],
        para_row["received"],
        para_row["issued"],
        para_row["adjusted"],
        para_row["transferred_out"],
        para_row["closing"],
    ) == (80, 40, -30, -5, -10, 75)
    assert report["AMOX"]["opening"] == 0 and report["AMOX"]["closing"] == 10


def test_stock_outs_below_minimum_and_expiring_batches(world, medicines):
    para, amox, ors = medicines
    a1, head = world.station_a1, world.region_manager
    stock_receive(
        user=head,
        orgunit=a1,
        medicine=para,
        batch="P1",
        expiry_date=D(2026, 5, 1),
        quantity=20,
        occurred_on=D(2026, 1, 10),
    )
    stock_receive(
        user=head,
        orgunit=a1,
        medicine=amox,
        batch="A1",
        expiry_date=D(2027, 1, 1),
        quantity=5,
        occurred_on=D(2026, 1, 10),
    )
    stock_issue(user=head, orgunit=a1, medicine=amox, batch="A1", quantity=5, occurred_on=D(2026, 1, 11))
    stock_receive(
        user=head,
        orgunit=a1,
        medicine=ors,
        batch="O1",
        expiry_date=D(2026, 3, 1),
        quantity=5,
        occurred_on=D(2026, 1, 10),
    )

    outs = {(r["orgunit_id"], r["medicine_id"]) for r in selectors.stock_outs(user=head, today=TODAY)}
    assert outs == {(a1.pk, amox.pk), (a1.pk, ors.pk)}  # ORS: what is left expired on 01/03/2026
    below = {r["medicine_id"] for r in selectors.below_minimum(user=head, today=TODAY)}
    assert below == {para.pk}  # 20 of a usual 50
    expiring = [(b.medicine_id, b.batch) for b in selectors.expiring_batches(user=head, today=TODAY)]
    assert expiring == [(ors.pk, "O1"), (para.pk, "P1")]
    assert list(selectors.stock_outs(user=world.outsider, today=TODAY)) == []


def test_equipment_gaps_roll_up_by_level_counting_working_items_only(world):
    EquipmentCatalogue.objects.update(is_current=False)  # the shipped sample
    catalogue = EquipmentCatalogue.objects.create(code="mau", version="1", name="Mẫu", source="test", is_current=True)
    echo = EquipmentType.objects.create(catalogue=catalogue, code="SIEU_AM", name="Máy siêu âm", category="imaging")
    ecg = EquipmentType.objects.create(catalogue=catalogue, code="ECG", name="Máy điện tim", category="functional")
    EquipmentNorm.objects.create(catalogue=catalogue, unit_kind="station", equipment_type=echo, quantity=1, source="x")
    EquipmentNorm.objects.create(catalogue=catalogue, unit_kind="station", equipment_type=ecg, quantity=2, source="x")
    EquipmentItem.objects.create(orgunit=world.station_a1, equipment_type=echo)
    EquipmentItem.objects.create(orgunit=world.station_a1, equipment_type=echo)  # more than needed covers only 1
    EquipmentItem.objects.create(orgunit=world.station_a2, equipment_type=echo, condition="broken")
    EquipmentItem.objects.create(orgunit=world.station_a2, equipment_type=ecg)
    EquipmentItem.objects.create(orgunit=world.station_b1, equipment_type=ecg)
    EquipmentItem.objects.create(orgunit=world.station_b1, equipment_type=ecg)

    by_region = selectors.equipment_gaps(user=world.province_admin, level=2)
    assert by_region[(world.region_a.pk, echo.pk)] == {"units": 2, "required": 2, "short": 1}  # A2's is broken
    assert by_region[(world.region_a.pk, ecg.pk)] == {"units": 2, "required": 4, "short": 3}
    assert by_region[(world.region_b.pk, ecg.pk)]["short"] == 0
    country = selectors.equipment_gaps(user=world.province_admin, level=1)
    assert country[(world.province.pk, echo.pk)] == {"units": 3, "required": 3, "short": 2}
    mine = selectors.equipment_gaps(user=world.station_head, level=3)
    assert set(mine) == {(world.station_a1.pk, echo.pk), (world.station_a1.pk, ecg.pk)}


def test_the_shipped_sample_catalogues_are_current_and_flagged_unconfirmed(world):
    catalogue = selectors.current_catalogue()
    assert catalogue.code == "ytcs-mau" and not catalogue.confirmed and "CHƯA XÁC NHẬN" in catalogue.source
    assert catalogue.norms.filter(unit_kind="station").count() == 13
    assert all("CHƯA XÁC NHẬN" in norm.source for norm in catalogue.norms.all())
    medicines = MedicineList.objects.get(is_current=True)
    assert medicines.medicines.filter(code="PARA500", insurance_covered=True).exists()
    gaps = selectors.equipment_gaps(user=world.province_admin, level=1)
    assert sum(v["short"] for v in gaps.values()) == 3 * 16 + 2 * 10  # nothing recorded yet: every norm unmet
