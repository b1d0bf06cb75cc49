"""The demo's equipment, stock ledger and investment proposals: equipment at every station and centre with broken
items, overdue maintenance and gaps against the norms; a year of stock movements whose running balances equal the
ledger and never go below zero, ending with stock-outs, medicines below minimum and batches close to expiry;
proposals in every state with their steps, delivered ones in the inventory; deterministic; shown on the pages."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Max, Min, Sum
from django.urls import reverse
from django.utils import timezone

from ytcs.accounts.models import User
from ytcs.assets import selectors, selectors_equipment
from ytcs.assets.models import (
    Condition,
    EquipmentItem,
    EquipmentMove,
    EquipmentNorm,
    EquipmentType,
    InvestmentProposal,
    Medicine,
    ProposalLine,
    ProposalStatus,
    ProposalStep,
    StockBalance,
    StockEntry,
    StockKind,
)
from ytcs.assets.services import (
    item_search_text,
    proposal_approve,
    proposal_deliver,
    proposal_fund,
    proposal_submit,
)
from ytcs.core.demo.assets_plan import read_catalogue, read_medicines
from ytcs.core.demo.builder import demo_load, demo_reset
from ytcs.core.models import AuditEntry
from ytcs.core.testing.factories import PASSWORD
from ytcs.orgunits.models import OrgUnit, OrgUnitKind

TODAY = datetime.date(2026, 3, 16)
# A small province: 30 stations in 2 regions; no workforce (the assets do not need it) unless a test asks.
FACTOR = 0.2
STEP = ProposalStep.Action
DEMO_STATION, DEMO_REGION = "TYT0101", "TTKV01"


def load(seed: int = 1, *, today: datetime.date = TODAY, **options):
    options.setdefault("workforce", False)
    return demo_load(scale="province", seed=seed, password=PASSWORD, factor=FACTOR, today=today, **options)


def open_units(kind: str) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(kind=kind, closed_on__isnull=True).order_by("code"))


def admin() -> User:
    return User.objects.get(username="admin")


def assets_snapshot() -> list[list]:
    return [
        list(
            EquipmentItem.objects.order_by("pk").values_list(
                "pk", "orgunit__code", "equipment_type__code", "serial_number", "model_name", "year_in_use",
                "funding_source", "condition", "last_maintained_on", "next_maintenance_on", "next_calibration_on",
                "warranty_until", "note", "delivered_by_id",
            )
        ),
        list(EquipmentMove.objects.order_by("pk").values_list("item_id", "orgunit__code", "to_unit__code", "moved_on")),
        list(
            InvestmentProposal.objects.order_by("pk").values_list(
                "pk", "orgunit__code", "year", "title", "status", "reviewer_unit__code", "created", "assessment_id"
            )
        ),
        list(ProposalLine.objects.order_by("pk").values_list("proposal_id", "equipment_type__code", "quantity")),
        list(ProposalStep.objects.order_by("pk").values_list("proposal_id", "action", "comment", "at")),
        list(
            StockEntry.objects.order_by("pk").values_list(
                "orgunit__code", "medicine__code", "batch", "expiry_date", "kind", "quantity", "occurred_on", "reason",
                "transfer", "counterpart__code",
            )
        ),
        list(StockBalance.objects.order_by("pk").values_list("orgunit__code", "medicine__code", "batch", "quantity")),
    ]  # fmt: skip


# --- equipment ---


@pytest.mark.django_db
def test_every_open_station_and_regional_centre_holds_equipment_of_the_norm_types():
    load()
    catalogue, _ids = read_catalogue()
    held = defaultdict(set)
    for unit, code in EquipmentItem.objects.exclude(condition=Condition.RETIRED).values_list(
        "orgunit__code", "equipment_type__code"
    ):
        held[unit].add(code)
    stations, centres = open_units(OrgUnitKind.STATION), open_units(OrgUnitKind.REGIONAL_CENTRE)
    assert len(stations) >= 25 and len(centres) == 2
    for unit in [*stations, *centres]:
        norm_types = {code for code, _quantity in catalogue.norms[unit.kind]}
        # Every unit holds most of what its norms ask for; what it lacks are the gaps.
        assert len(held[unit.code] & norm_types) >= len(norm_types) - 3, unit.code
    # Nothing for satellite points, hospitals or closed stations (their items were handed over).
    kinds = set(EquipmentItem.objects.values_list("orgunit__kind", flat=True))
    assert kinds == {OrgUnitKind.STATION, OrgUnitKind.REGIONAL_CENTRE}
    assert not EquipmentItem.objects.filter(orgunit__closed_on__isnull=False).exists()
    # Items carry what the follow-up lists read, and their search text is the service's.
    item = EquipmentItem.objects.filter(equipment_type__code="SIEU_AM", delivered_by=None).first()
    assert item.serial_number and item.model_name and item.year_in_use and item.funding_source
    assert item.search_text.startswith("may sieu am tong quat sieu_am ")
    for item in EquipmentItem.objects.select_related("equipment_type"):
        assert item.search_text == item_search_text(item)


@pytest.mark.django_db
def test_some_items_are_broken_or_under_repair_some_overdue_and_some_stations_lack_an_ultrasound_or_ecg():
    load()
    user = admin()
    conditions = Counter(EquipmentItem.objects.values_list("condition", flat=True))
    assert conditions[Condition.BROKEN] and conditions[Condition.UNDER_REPAIR] and conditions[Condition.RETIRED]
    assert conditions[Condition.WORKING] > 10 * (conditions[Condition.BROKEN] + conditions[Condition.UNDER_REPAIR])
    assert all(item.note for item in EquipmentItem.objects.exclude(condition=Condition.WORKING))
    overdue = selectors.maintenance_overdue(user=user, today=TODAY)
    assert 0 < overdue.count() < EquipmentItem.objects.count() / 3
    due = selectors_equipment.maintenance_due(user=user, today=TODAY)
    assert due.count() > overdue.count()
    root = OrgUnit.objects.get(kind=OrgUnitKind.PROVINCE)
    stations = len(open_units(OrgUnitKind.STATION))
    for code in ("SIEU_AM", "DIEN_TIM_6"):
        short = selectors_equipment.gap_units(user=user, root=root, type_code=code)
        assert 0 < short.filter(kind=OrgUnitKind.STATION).count() < stations / 2
    # The demo station: no ultrasound, a broken ECG, the vaccine refrigerator overdue for maintenance.
    station = OrgUnit.objects.get(code=DEMO_STATION)
    shortfall = {t.code: n for t, n in selectors_equipment.unit_shortfall(unit=station)}
    assert shortfall == {"SIEU_AM": 1, "DIEN_TIM_6": 1}
    assert EquipmentItem.objects.get(orgunit=station, equipment_type__code="DIEN_TIM_6").condition == Condition.BROKEN
    fridge = EquipmentItem.objects.get(orgunit=station, equipment_type__code="TU_LANH_VAC")
    assert fridge.next_maintenance_on < TODAY
    # Maintenance dates follow the type's interval.
    for item in EquipmentItem.objects.exclude(last_maintained_on=None).select_related("equipment_type")[:200]:
        months = item.equipment_type.maintenance_months
        assert item.last_maintained_on <= TODAY
        assert (item.next_maintenance_on.year - item.last_maintained_on.year) * 12 + (
            item.next_maintenance_on.month - item.last_maintained_on.month
        ) == months


@pytest.mark.django_db
def test_the_gap_roll_up_counts_the_missing_items_against_the_norms():
    load()
    root = OrgUnit.objects.get(kind=OrgUnitKind.PROVINCE)
    table = selectors_equipment.gap_table(user=admin(), root=root, level=root.level + 1)
    norms = EquipmentNorm.objects.filter(catalogue__is_current=True)
    by_type = {t.code: t for t in table.types}
    assert set(by_type) == set(norms.values_list("equipment_type__code", flat=True))
    ultrasound = table.totals[by_type["SIEU_AM"].pk]
    stations, centres = len(open_units(OrgUnitKind.STATION)), len(open_units(OrgUnitKind.REGIONAL_CENTRE))
    assert ultrasound["units"] == stations + centres
    assert 0 < ultrasound["short"] < ultrasound["required"]
    assert selectors_equipment.units_short(user=admin()).count() > stations / 3


@pytest.mark.django_db
def test_stations_closed_at_the_commune_merger_handed_their_equipment_to_a_neighbour_the_day_after():
    load()
    moves = list(EquipmentMove.objects.select_related("item", "orgunit", "to_unit"))
    closed = OrgUnit.objects.filter(kind=OrgUnitKind.STATION, closed_on__isnull=False)
    assert moves and {m.orgunit for m in moves} == set(closed)
    for move in moves:
        assert move.moved_on == move.orgunit.closed_on + datetime.timedelta(days=1)
        assert move.to_unit.closed_on is None and move.to_unit.parent_id == move.orgunit.parent_id
        assert move.item.orgunit_id == move.to_unit_id and move.orgunit.name in move.reason


# --- proposals ---


@pytest.mark.django_db
def test_proposals_are_in_every_state_with_the_steps_that_led_there():
    load()
    province = OrgUnit.objects.get(kind=OrgUnitKind.PROVINCE)
    proposals = list(InvestmentProposal.objects.select_related("orgunit", "reviewer_unit").prefetch_related("steps"))
    assert {p.status for p in proposals} == set(ProposalStatus.values)
    places = Counter()
    for proposal in proposals:
        steps = list(proposal.steps.order_by("at", "id"))
        actions = [s.action for s in steps]
        station = proposal.orgunit.kind == OrgUnitKind.STATION
        centre = proposal.orgunit.parent if station else None
        assert proposal.lines.exists()
        assert all(a.at < b.at for a, b in zip(steps, steps[1:], strict=False))
        assert all(proposal.created < s.at and timezone.localtime(s.at).date() <= TODAY for s in steps)
        # Who acts where: the proposing unit submits, its centre reviews first, the province last and funds.
        for step in steps:
            expected = {STEP.SUBMIT: proposal.orgunit, STEP.FUND: province, STEP.DELIVER: province}.get(step.action)
            if expected:
                assert step.orgunit == expected
            else:
                assert step.orgunit in (centre, province)
        if proposal.status == ProposalStatus.DRAFT:
            assert actions == [] and proposal.reviewer_unit is None
        elif proposal.status == ProposalStatus.SUBMITTED:
            places[proposal.reviewer_unit.kind] += 1
            assert actions[-1] in (STEP.SUBMIT, STEP.APPROVE)
            assert proposal.reviewer_unit == (centre if actions[-1] == STEP.SUBMIT and station else province)
            if STEP.RETURN in actions:
                places["resubmitted"] += 1
                assert actions == [STEP.SUBMIT, STEP.RETURN, STEP.SUBMIT] and steps[-1].comment
        else:
            assert proposal.reviewer_unit is None
            last = {
                ProposalStatus.RETURNED: STEP.RETURN,
                ProposalStatus.REJECTED: STEP.REJECT,
                ProposalStatus.APPROVED: STEP.APPROVE,
                ProposalStatus.FUNDED: STEP.FUND,
                ProposalStatus.DELIVERED: STEP.DELIVER,
            }[proposal.status]
            assert actions[-1] == last and actions[0] == STEP.SUBMIT
            if last in (STEP.RETURN, STEP.REJECT, STEP.FUND):
                assert steps[-1].comment
            if proposal.status in (ProposalStatus.APPROVED, ProposalStatus.FUNDED, ProposalStatus.DELIVERED):
                assert [s.orgunit for s in steps if s.action == STEP.APPROVE] == ([centre] if station else []) + [
                    province
                ]
    assert places[OrgUnitKind.REGIONAL_CENTRE] and places[OrgUnitKind.PROVINCE] and places["resubmitted"]
    # A regional centre proposes too, straight to the province.
    assert any(p.orgunit.kind == OrgUnitKind.REGIONAL_CENTRE for p in proposals)


@pytest.mark.django_db
def test_a_delivery_put_its_items_into_the_inventory_as_the_service_does():
    load()
    lines = ProposalLine.objects.select_related("proposal").annotate(items_made=Count("items"))
    delivered = [line for line in lines if line.proposal.status == ProposalStatus.DELIVERED]
    assert delivered
    for line in lines:
        if line.proposal.status == ProposalStatus.DELIVERED:
            assert line.delivered_quantity == line.quantity == line.items_made
        else:
            assert line.delivered_quantity == 0 and line.items_made == 0
    for item in EquipmentItem.objects.exclude(delivered_by=None).select_related("delivered_by__proposal"):
        line = item.delivered_by
        day = timezone.localtime(line.proposal.steps.get(action=STEP.DELIVER).at).date()
        assert item.orgunit_id == line.proposal.orgunit_id and item.equipment_type_id == line.equipment_type_id
        assert item.condition == Condition.WORKING and item.year_in_use == day.year
        assert item.funding_source == line.funding_source
        assert item.last_maintained_on is None and item.model_name == ""
    # Lines closing a gap ask for what the unit lacks; pending ones still show as gaps.
    station = OrgUnit.objects.get(code=DEMO_STATION)
    returned = InvestmentProposal.objects.get(orgunit=station, status=ProposalStatus.RETURNED)
    asked = {(line.equipment_type.code, line.quantity, line.closes_gap) for line in returned.lines.all()}
    assert asked == {("SIEU_AM", 1, True), ("DIEN_TIM_6", 1, True)}
    assert InvestmentProposal.objects.get(orgunit=station, status=ProposalStatus.DELIVERED).year < TODAY.year


@pytest.mark.django_db
def test_the_demo_logins_can_carry_the_proposals_on_through_the_services():
    load()
    users = {user.username: user for user in User.objects.all()}
    station = OrgUnit.objects.get(code=DEMO_STATION)
    returned = InvestmentProposal.objects.get(orgunit=station, status=ProposalStatus.RETURNED)
    assert returned.created_by == users["station_head"]
    assert returned.steps.get(action=STEP.RETURN).by == users["region_manager"]
    proposal_submit(user=users["station_head"], proposal=returned, comment="Đã bổ sung báo giá")
    waiting = InvestmentProposal.objects.filter(
        status=ProposalStatus.SUBMITTED, reviewer_unit__code=DEMO_REGION
    ).exclude(pk=returned.pk)
    # Its author has no account in the demo (as when an account is deleted): review goes on all the same.
    forwarded = waiting.first()
    assert forwarded is not None and forwarded.created_by is None
    proposal_approve(user=users["region_manager"], proposal=forwarded)
    forwarded.refresh_from_db()
    assert forwarded.reviewer_unit.kind == OrgUnitKind.PROVINCE and forwarded.status == ProposalStatus.SUBMITTED
    approved = InvestmentProposal.objects.filter(status=ProposalStatus.APPROVED).first()
    proposal_fund(user=users["province_admin"], proposal=approved, comment="Quyết định phân bổ")
    funded = InvestmentProposal.objects.filter(status=ProposalStatus.FUNDED).first()
    before = EquipmentItem.objects.count()
    items = proposal_deliver(user=users["province_admin"], proposal=funded, delivered_on=TODAY)
    assert len(items) == sum(funded.lines.values_list("quantity", flat=True))
    assert EquipmentItem.objects.count() == before + len(items)


@pytest.mark.django_db
def test_proposals_cite_last_years_verified_assessment_when_the_assessments_are_loaded():
    load(workforce=True, workforce_factor=0.1, training=False, indicators=False)
    cited = InvestmentProposal.objects.exclude(assessment=None).select_related("assessment")
    assert cited.exists()
    for proposal in cited:
        assert proposal.assessment.orgunit_id == proposal.orgunit_id
        assert proposal.assessment.year == proposal.year - 1 and proposal.assessment.status == "verified"


# --- stock ---


@pytest.mark.django_db
def test_every_running_balance_equals_its_ledger_and_no_entry_takes_it_below_zero():
    load()
    balances = {(b.orgunit_id, b.medicine_id, b.batch): b for b in StockBalance.objects.all()}
    running: dict[tuple, int] = defaultdict(int)
    last_on: dict[tuple, datetime.date] = {}
    expiry: dict[tuple, datetime.date] = {}
    entries = StockEntry.objects.order_by("occurred_on", "id").values_list(
        "orgunit_id", "medicine_id", "batch", "expiry_date", "quantity", "occurred_on"
    )
    count = 0
    for unit, medicine, batch, expires, quantity, day in entries.iterator():
        key = (unit, medicine, batch)
        assert quantity != 0
        running[key] += quantity
        assert running[key] >= 0, key
        assert expiry.setdefault(key, expires) == expires
        last_on[key] = day
        count += 1
    assert count > 10_000
    assert set(balances) == set(running)
    for key, balance in balances.items():
        assert (balance.quantity, balance.last_on, balance.expiry_date) == (running[key], last_on[key], expiry[key])
    # The database agrees: the sum of the entries per batch is the balance.
    sums = StockEntry.objects.values("orgunit_id", "medicine_id", "batch").annotate(total=Sum("quantity")).order_by()
    assert {(r["orgunit_id"], r["medicine_id"], r["batch"]): r["total"] for r in sums} == {
        key: b.quantity for key, b in balances.items()
    }


@pytest.mark.django_db
def test_a_year_of_receipts_issues_adjustments_and_transfers_at_the_stations():
    load()
    kinds = Counter(StockEntry.objects.values_list("kind", flat=True))
    assert set(kinds) == set(StockKind.values)
    assert (
        kinds[StockKind.ISSUE] > kinds[StockKind.RECEIPT] > kinds[StockKind.ADJUSTMENT] > kinds[StockKind.TRANSFER_OUT]
    )
    span = StockEntry.objects.aggregate(first=Min("occurred_on"), last=Max("occurred_on"))
    assert span["first"] == TODAY - datetime.timedelta(days=364) and span["last"] <= TODAY
    assert (TODAY - span["last"]).days <= 16
    assert set(StockEntry.objects.values_list("orgunit__kind", flat=True)) == {OrgUnitKind.STATION}
    stations = {u.pk for u in open_units(OrgUnitKind.STATION)}
    assert set(StockEntry.objects.values_list("orgunit_id", flat=True)) == stations
    assert not StockEntry.objects.filter(kind__in=[StockKind.ADJUSTMENT, StockKind.RECEIPT], reason="").exists()
    # Both halves of a transfer: same link, batch, expiry and day, opposite quantities, each naming the other unit.
    halves = defaultdict(list)
    for entry in StockEntry.objects.exclude(transfer=None):
        halves[entry.transfer].append(entry)
    assert halves and len(halves) == kinds[StockKind.TRANSFER_OUT]
    for out, received in (sorted(pair, key=lambda e: e.quantity) for pair in halves.values()):
        assert (out.kind, received.kind) == (StockKind.TRANSFER_OUT, StockKind.TRANSFER_IN)
        assert out.quantity == -received.quantity and out.counterpart_id == received.orgunit_id
        assert received.counterpart_id == out.orgunit_id and out.orgunit.parent_id == received.orgunit.parent_id
        assert (out.batch, out.expiry_date, out.occurred_on) == (
            received.batch,
            received.expiry_date,
            received.occurred_on,
        )
    # A batch number names one delivery: one expiry date wherever it went.
    expiries = StockBalance.objects.values("medicine_id", "batch").annotate(n=Count("expiry_date", distinct=True))
    assert max(row["n"] for row in expiries) == 1
    # Issues never take expired stock.
    assert not StockEntry.objects.filter(kind=StockKind.ISSUE, expiry_date__lt=F("occurred_on")).exists()


@pytest.mark.django_db
def test_the_year_ends_with_stock_outs_medicines_below_minimum_and_batches_close_to_expiry():
    report = load()
    user = admin()
    outs = selectors.stock_outs(user=user, today=TODAY)
    below = selectors.below_minimum(user=user, today=TODAY)
    expiring = selectors.expiring_batches(user=user, today=TODAY)
    pairs = StockBalance.objects.values("orgunit_id", "medicine_id").distinct().count()
    assert 0 < outs.count() < pairs / 10 and 0 < below.count() < pairs / 4 and expiring.exists()
    counts = report.assets
    assert (counts["stock_outs"], counts["below_minimum"], counts["expiring"]) == (
        outs.count(),
        below.count(),
        expiring.count(),
    )
    assert counts["entries"] == StockEntry.objects.count() and counts["balances"] == StockBalance.objects.count()
    # The demo station: out of amoxicillin, low on paracetamol, adrenaline expiring within 90 days.
    station = OrgUnit.objects.get(code=DEMO_STATION)
    medicines = dict(Medicine.objects.filter(medicine_list__is_current=True).values_list("pk", "code"))
    assert {medicines[r["medicine_id"]] for r in outs.filter(orgunit_id=station.pk)} == {"AMOX500"}
    assert "PARA500" in {medicines[r["medicine_id"]] for r in below.filter(orgunit_id=station.pk)}
    close = expiring.filter(orgunit=station, expiry_date__gte=TODAY)
    assert "ADRE1" in {b.medicine.code for b in close}
    # The missing deliveries show in the ledger: no receipt of amoxicillin in the last two months.
    last = StockEntry.objects.filter(orgunit=station, medicine__code="AMOX500", kind=StockKind.RECEIPT)
    assert last.aggregate(day=Max("occurred_on"))["day"] < TODAY - datetime.timedelta(days=45)


@pytest.mark.django_db
@pytest.mark.parametrize("today", [datetime.date(2026, 1, 1), datetime.date(2026, 7, 15), datetime.date(2026, 12, 31)])
def test_whatever_the_reference_day_the_ledger_holds_and_the_demo_station_shows_its_alerts(today):
    load(today=today)
    assert not StockEntry.objects.filter(occurred_on__gt=today).exists()
    assert not StockBalance.objects.filter(quantity__lt=0).exists()
    station = OrgUnit.objects.get(code=DEMO_STATION)
    counts = selectors.stock_outs(user=admin(), today=today).filter(orgunit_id=station.pk).count()
    assert counts == 1
    assert selectors.below_minimum(user=admin(), today=today).filter(orgunit_id=station.pk).exists()
    assert selectors.expiring_batches(user=admin(), today=today).filter(orgunit=station).exists()
    assert not ProposalStep.objects.filter(at__date__gt=today).exists()
    assert not EquipmentItem.objects.filter(year_in_use__gt=today.year).exists()


# --- determinism, reset, the command ---


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_assets_and_another_seed_other_ones():
    demo_reset()
    load(seed=3)
    first = assets_snapshot()
    demo_reset()
    load(seed=3)
    assert assets_snapshot() == first
    demo_reset()
    load(seed=4)
    other = assets_snapshot()
    assert other[0] != first[0] and other[5] != first[5] and other[2] != first[2]


@pytest.mark.django_db
def test_the_demo_writes_no_audit_entries_and_the_reset_removes_the_assets_but_not_the_catalogues():
    load()
    assert EquipmentItem.objects.exists() and StockEntry.objects.exists() and ProposalStep.objects.exists()
    assert not AuditEntry.objects.exists()
    types, medicines = EquipmentType.objects.count(), Medicine.objects.count()
    demo_reset()
    for model in (
        EquipmentItem,
        EquipmentMove,
        InvestmentProposal,
        ProposalLine,
        ProposalStep,
        StockEntry,
        StockBalance,
    ):
        assert not model.objects.exists(), model
    assert (EquipmentType.objects.count(), Medicine.objects.count()) == (types, medicines)
    assert read_medicines()[0] and read_catalogue() is not None


@pytest.mark.django_db
def test_the_command_prints_the_assets_and_skip_assets_loads_none():
    options = ["--password", PASSWORD, "--today", TODAY.isoformat(), "--skip-workforce"]
    out = StringIO()
    call_command("load_demo", *options, stdout=out)
    text = out.getvalue()
    assert "Equipment: " in text and "stock-outs" in text and "assets " in text
    assert f"{EquipmentItem.objects.exclude(condition=Condition.RETIRED).count():,} items" in text
    assert f"{StockEntry.objects.count():,} ledger entries" in text
    out = StringIO()
    call_command("load_demo", *options, "--reset", "--skip-assets", stdout=out)
    assert "Equipment: " not in out.getvalue()
    assert not EquipmentItem.objects.exists() and not StockEntry.objects.exists()
    assert not InvestmentProposal.objects.exists()


@pytest.mark.django_db
def test_a_shrunk_national_data_set_equips_and_stocks_every_province():
    demo_load(scale="national", seed=1, password=PASSWORD, factor=0.02, workforce=False, today=TODAY)
    stations = open_units(OrgUnitKind.STATION)
    equipped = set(EquipmentItem.objects.values_list("orgunit_id", flat=True))
    stocked = set(StockBalance.objects.values_list("orgunit_id", flat=True))
    assert {u.pk for u in stations} <= equipped and {u.pk for u in stations} == stocked
    assert {u.pk for u in open_units(OrgUnitKind.REGIONAL_CENTRE)} <= equipped
    provinces = OrgUnit.objects.filter(kind=OrgUnitKind.PROVINCE)
    proposing = {p.orgunit.level2_id for p in InvestmentProposal.objects.select_related("orgunit")}
    assert proposing == set(provinces.values_list("pk", flat=True))
    # A batch number of a medicine means one expiry date nationally as well.
    expiries = StockBalance.objects.values("medicine_id", "batch").annotate(n=Count("expiry_date", distinct=True))
    assert max(row["n"] for row in expiries) == 1


# --- the pages ---


@pytest.mark.django_db
def test_the_station_head_sees_the_gaps_stock_outs_and_proposals_of_the_station(client_for):
    today = timezone.localdate()
    load(today=today)
    head = User.objects.get(username="station_head")
    station = OrgUnit.objects.get(code=DEMO_STATION)
    client = client_for(head)
    response = client.get(reverse("assets:gaps"))
    assert response.status_code == 200
    cells = {t.code: cell for unit, row in response.context["rows"] if unit == station for t, cell in row}
    assert cells["SIEU_AM"]["short"] == 1 and cells["DIEN_TIM_6"]["short"] == 1
    response = client.get(reverse("assets:gap_detail", args=["SIEU_AM"]))
    assert [unit for unit, _items, _changeable in response.context["rows"]] == [station]
    response = client.get(reverse("assets:stock_alerts"))
    assert response.status_code == 200
    assert [row["medicine__code"] for row in response.context["stock_outs"]] == ["AMOX500"]
    assert "PARA500" in {row["medicine__code"] for row in response.context["below"]}
    assert "ADRE1" in {batch.medicine.code for batch in response.context["expiring"]}
    assert response.context["summary"].totals["stock_outs"] == 1
    response = client.get(reverse("assets:broken"))
    assert [item.equipment_type.code for item in response.context["page"].object_list] == ["DIEN_TIM_6"]
    response = client.get(reverse("assets:maintenance_due"))
    assert "TU_LANH_VAC" in {item.equipment_type.code for item in response.context["page"].object_list}
    response = client.get(reverse("assets:proposal_list"), {"box": "mine"})
    statuses = {p.status for p in response.context["page"].object_list}
    assert statuses == {ProposalStatus.RETURNED, ProposalStatus.DELIVERED}


@pytest.mark.django_db
def test_the_regional_manager_and_the_province_find_proposals_waiting_for_them(client_for):
    load(today=timezone.localdate())
    for username, statuses in (
        ("region_manager", {ProposalStatus.SUBMITTED}),
        ("province_admin", {ProposalStatus.SUBMITTED, ProposalStatus.APPROVED, ProposalStatus.FUNDED}),
    ):
        response = client_for(User.objects.get(username=username)).get(
            reverse("assets:proposal_list"), {"box": "review"}
        )
        assert response.status_code == 200
        assert {p.status for p in response.context["page"].object_list} == statuses, username
