import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.utils import translation

from ytcs.assets.models import Medicine, MedicineList, StockBalance, StockEntry
from ytcs.assets.stock import stock_adjust, stock_issue, stock_receive, stock_transfer

pytestmark = pytest.mark.django_db

D = datetime.date
EXPIRY = D(2027, 6, 30)


@pytest.fixture
def paracetamol():
    MedicineList.objects.update(is_current=False)  # the shipped sample
    medicines = MedicineList.objects.create(
        code="tyt", version="1", name="Danh mục thử", source="test", is_current=True
    )
    return Medicine.objects.create(
        medicine_list=medicines,
        code="PARA500",
        active_ingredient="Paracetamol",
        strength="500 mg",
        dosage_form="viên nén",
        route="uống",
        unit="viên",
        insurance_covered=True,
    )


def balance(unit, medicine, batch="L1"):
    return StockBalance.objects.get(orgunit=unit, medicine=medicine, batch=batch).quantity


def test_receipts_and_issues_move_the_balance_and_append_entries(world, paracetamol):
    a1 = world.station_a1
    stock_receive(
        user=world.station_head,
        orgunit=a1,
        medicine=paracetamol,
        batch="L1",
        expiry_date=EXPIRY,
        quantity=100,
        occurred_on=D(2026, 1, 5),
    )
    stock_issue(
        user=world.station_head, orgunit=a1, medicine=paracetamol, batch="L1", quantity=30, occurred_on=D(2026, 1, 6)
    )
    assert balance(a1, paracetamol) == 70
    assert list(StockEntry.objects.values_list("kind", "quantity")) == [("receipt", 100), ("issue", -30)]


def test_an_issue_larger_than_the_balance_is_refused_and_writes_nothing(world, paracetamol):
    a1 = world.station_a1
    stock_receive(
        user=world.station_head,
        orgunit=a1,
        medicine=paracetamol,
        batch="L1",
        expiry_date=EXPIRY,
        quantity=10,
        occurred_on=D(2026, 1, 5),
    )
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        stock_issue(
            user=world.station_head,
            orgunit=a1,
            medicine=paracetamol,
            batch="L1",
            quantity=11,
            occurred_on=D(2026, 1, 6),
        )
    assert "Only 10 viên of batch L1 are in stock; 11 cannot be taken out." in exc.value.message_dict["quantity"]
    assert balance(a1, paracetamol) == 10 and StockEntry.objects.count() == 1


def test_entries_of_a_batch_stay_in_date_order(world, paracetamol):
    a1 = world.station_a1
    stock_receive(
        user=world.station_head,
        orgunit=a1,
        medicine=paracetamol,
        batch="L1",
        expiry_date=EXPIRY,
        quantity=10,
        occurred_on=D(2026, 2, 1),
    )
    with pytest.raises(ValidationError) as exc:
        stock_issue(
            user=world.station_head,
            orgunit=a1,
            medicine=paracetamol,
            batch="L1",
            quantity=1,
            occurred_on=D(2026, 1, 31),
        )
    assert "occurred_on" in exc.value.message_dict


def test_the_ledger_cannot_be_edited_or_deleted(world, paracetamol):
    entry = stock_receive(
        user=world.station_head,
        orgunit=world.station_a1,
        medicine=paracetamol,
        batch="L1",
        expiry_date=EXPIRY,
        quantity=5,
        occurred_on=D(2026, 1, 5),
    )
    entry.quantity = 50
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_an_adjustment_needs_a_reason_and_cannot_go_below_zero(world, paracetamol):
    a1 = world.station_a1
    stock_receive(
        user=world.station_head,
        orgunit=a1,
        medicine=paracetamol,
        batch="L1",
        expiry_date=EXPIRY,
        quantity=5,
        occurred_on=D(2026, 1, 5),
    )
    with pytest.raises(ValidationError):
        stock_adjust(
            user=world.station_head,
            orgunit=a1,
            medicine=paracetamol,
            batch="L1",
            change=-2,
            occurred_on=D(2026, 1, 6),
            reason="",
        )
    with pytest.raises(ValidationError):
        stock_adjust(
            user=world.station_head,
            orgunit=a1,
            medicine=paracetamol,
            batch="L1",
            change=-6,
            occurred_on=D(2026, 1, 6),
            reason="Kiểm kê",
        )
    stock_adjust(
        user=world.station_head,
        orgunit=a1,
        medicine=paracetamol,
        batch="L1",
        change=-2,
        occurred_on=D(2026, 1, 6),
        reason="Vỡ",
    )
    assert balance(a1, paracetamol) == 3


def test_a_station_writes_only_its_own_stock_and_a_transfer_needs_both_ends(world, paracetamol):
    with pytest.raises(PermissionDenied):
        stock_receive(
            user=world.station_head,
            orgunit=world.station_a2,
            medicine=paracetamol,
            batch="L1",
            expiry_date=EXPIRY,
            quantity=5,
            occurred_on=D(2026, 1, 5),
        )
    stock_receive(
        user=world.region_manager,
        orgunit=world.station_a1,
        medicine=paracetamol,
        batch="L1",
        expiry_date=EXPIRY,
        quantity=20,
        occurred_on=D(2026, 1, 5),
    )
    with pytest.raises(PermissionDenied):
        stock_transfer(
            user=world.station_head,
            from_unit=world.station_a1,
            to_unit=world.station_a2,
            medicine=paracetamol,
            batch="L1",
            quantity=5,
            occurred_on=D(2026, 1, 6),
        )
    out, received = stock_transfer(
        user=world.region_manager,
        from_unit=world.station_a1,
        to_unit=world.station_a2,
        medicine=paracetamol,
        batch="L1",
        quantity=5,
        occurred_on=D(2026, 1, 6),
    )
    assert out.transfer == received.transfer and received.expiry_date == EXPIRY
    assert (balance(world.station_a1, paracetamol), balance(world.station_a2, paracetamol)) == (15, 5)


@pytest.mark.django_db(transaction=True)
def test_two_users_issuing_the_last_boxes_at_once_get_one_success_and_one_error(shipped_catalogues, world, paracetamol):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race exists on PostgreSQL")
    a1 = world.station_a1
    stock_receive(
        user=world.station_head,
        orgunit=a1,
        medicine=paracetamol,
        batch="L1",
        expiry_date=EXPIRY,
        quantity=10,
        occurred_on=D(2026, 1, 5),
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def issue():
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                stock_issue(
                    user=world.station_head,
                    orgunit=a1,
                    medicine=paracetamol,
                    batch="L1",
                    quantity=6,
                    occurred_on=D(2026, 1, 6),
                )
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert balance(a1, paracetamol) == 4
    assert StockEntry.objects.filter(kind="issue").count() == 1
