"""Balances on a date with the names of units and medicines (summed on the ledger's keys, named afterwards), paged
in SQL, and the monthly report's nearest expiry."""

import datetime

import pytest
from django.core.paginator import Paginator

from ytcs.assets import selectors_stock
from ytcs.assets.models import Medicine, MedicineList
from ytcs.assets.stock import stock_issue, stock_receive

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def medicines():
    MedicineList.objects.update(is_current=False)  # the shipped sample
    lst = MedicineList.objects.create(code="tyt", version="1", name="Danh mục thử", source="test", is_current=True)

    def med(code, name, strength):
        return Medicine.objects.create(
            medicine_list=lst,
            code=code,
            active_ingredient=name,
            strength=strength,
            dosage_form="viên",
            route="uống",
            unit="viên",
        )

    return med("PARA", "Paracetamol", "500 mg"), med("AMOX", "Amoxicillin", "250 mg")


@pytest.fixture
def ledger(world, medicines):
    """A1: paracetamol P1 (100 − 100 on 20/01: used up), P2 (40), amoxicillin X1 (10); A2: paracetamol Q1 (25);
    B1 (the other region): amoxicillin Y1 (7)."""
    para, amox = medicines
    admin = world.province_admin

    def receive(unit, medicine, batch, quantity, on, expiry):
        stock_receive(
            user=admin,
            orgunit=unit,
            medicine=medicine,
            batch=batch,
            expiry_date=expiry,
            quantity=quantity,
            occurred_on=on,
        )

    receive(world.station_a1, para, "P1", 100, D(2026, 1, 5), D(2026, 9, 1))
    stock_issue(
        user=admin, orgunit=world.station_a1, medicine=para, batch="P1", quantity=100, occurred_on=D(2026, 1, 20)
    )
    receive(world.station_a1, para, "P2", 40, D(2026, 1, 25), D(2027, 6, 1))
    receive(world.station_a1, amox, "X1", 10, D(2026, 1, 6), D(2027, 1, 1))
    receive(world.station_a2, para, "Q1", 25, D(2026, 1, 7), D(2027, 3, 1))
    receive(world.station_b1, amox, "Y1", 7, D(2026, 1, 8), D(2027, 2, 1))
    return para, amox


def test_medicine_balances_on_a_date_carry_the_names_in_tree_order_then_by_medicine(world, ledger):
    para, amox = ledger
    rows = list(selectors_stock.medicine_balances_on(user=world.province_admin, on=D(2026, 1, 31)))
    assert [(r["orgunit__code"], r["medicine__code"], r["quantity"]) for r in rows] == [
        ("A1", "AMOX", 10),  # Amoxicillin before Paracetamol
        ("A1", "PARA", 40),  # P1 used up, P2 received
        ("A2", "PARA", 25),
        ("B1", "AMOX", 7),
    ]
    first = rows[0]
    assert first["orgunit_id"] == world.station_a1.pk and first["orgunit__name"] == world.station_a1.name
    assert (first["medicine_id"], first["medicine__strength"], first["medicine__unit"]) == (amox.pk, "250 mg", "viên")
    # On 10/01, before the issue and the second receipt: P1's 100 only.
    on_the_10th = selectors_stock.medicine_balances_on(user=world.region_manager, on=D(2026, 1, 10))
    assert [(r["orgunit__code"], r["medicine__code"], r["quantity"]) for r in on_the_10th] == [
        ("A1", "AMOX", 10),
        ("A1", "PARA", 100),
        ("A2", "PARA", 25),
    ]
    one_unit = selectors_stock.medicine_balances_on(
        user=world.station_head, on=D(2026, 1, 31), orgunit=world.station_a1
    )
    assert [r["medicine__code"] for r in one_unit] == ["AMOX", "PARA"]
    assert list(selectors_stock.medicine_balances_on(user=world.outsider, on=D(2026, 1, 31), root=world.region_a)) == []
    assert not selectors_stock.medicine_balances_on(user=world.province_admin, on=D(2025, 12, 31))


def test_batch_balances_on_a_date_leave_out_used_up_batches(world, ledger):
    rows = selectors_stock.batch_balances_on(user=world.province_admin, on=D(2026, 1, 31), root=world.region_a)
    assert [(r["orgunit__code"], r["medicine__code"], r["batch"], r["expiry_date"], r["quantity"]) for r in rows] == [
        ("A1", "AMOX", "X1", D(2027, 1, 1), 10),
        ("A1", "PARA", "P2", D(2027, 6, 1), 40),
        ("A2", "PARA", "Q1", D(2027, 3, 1), 25),
    ]


def test_a_paginator_counts_and_slices_the_balances_in_sql(world, ledger, django_assert_num_queries):
    balances = selectors_stock.medicine_balances_on(user=world.province_admin, on=D(2026, 1, 31))
    paginator = Paginator(balances, 3)
    with django_assert_num_queries(2):  # the count, the second page (the scope was read by the selector)
        page = paginator.page(2)
        rows = list(page)
    assert paginator.count == 4 and paginator.num_pages == 2
    assert [(r["orgunit__code"], r["medicine__code"]) for r in rows] == [("B1", "AMOX")]
    assert [r["medicine__code"] for r in balances[1:3]] == ["PARA", "PARA"]


def test_the_monthly_report_gives_the_nearest_expiry_of_the_batches_still_in_stock(world, ledger):
    report = selectors_stock.consumption_report(user=world.province_admin, orgunit=world.station_a1, year=2026, month=1)
    nearest = {row.code: row.nearest_expiry for row in report.rows}
    # P1 expires sooner (01/09/2026) but was used up on 20/01: the nearest batch in stock is P2.
    assert nearest == {"AMOX": D(2027, 1, 1), "PARA": D(2027, 6, 1)}
