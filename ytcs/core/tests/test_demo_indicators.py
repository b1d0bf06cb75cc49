"""The demo's routine data and targets: every station's monthly reports, yearly reports, data-quality flaws, the
roll-up as a rebuild gives it, target plans with units at risk and on track, locks and the lock exception,
deterministic, and in scope for the demo logins."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

import pytest
from django.db.models import Count, Q, Sum
from django.utils import timezone

from ytcs.accounts.models import User
from ytcs.core.demo.builder import demo_load, demo_reset
from ytcs.core.demo.indicator_plan import (
    EXCEPTION_REASON,
    MONTHLY,
    MONTHLY_CELLS,
    REPAIR_COMMENT,
    plan_indicators,
)
from ytcs.core.demo.plan import plan_demo
from ytcs.core.models import AuditEntry
from ytcs.core.querysets import VIEW, subtree_q
from ytcs.indicators import aggregates, analytics, targets
from ytcs.indicators import periods as P
from ytcs.indicators.models import (
    AggregateValue,
    DataElement,
    DataSet,
    DataValue,
    DataValueAudit,
    Indicator,
    LockException,
    Target,
    TargetPlan,
)
from ytcs.indicators.services import ensure_can_enter, form_save, lock_state
from ytcs.indicators.validation import check_rules
from ytcs.orgunits.models import OrgUnit, OrgUnitKind, Population

TODAY = datetime.date(2026, 3, 16)
PASSWORD = "demo-pass-2025"
# A small province: 30 stations in 2 regions, centres and hospitals at a tenth of their size.
FACTOR, WORKFORCE_FACTOR = 0.2, 0.1
FIRST_MONTH = P.Period(TODAY.year - 3, month=1)
LAST_MONTH = P.Period(TODAY.year, month=TODAY.month - 1)  # 02/2026: locked on 16/03 (15 days after its end)


def load(seed: int = 1, *, today: datetime.date = TODAY, **options) -> None:
    demo_load(
        scale="province",
        seed=seed,
        password=PASSWORD,
        factor=FACTOR,
        workforce_factor=WORKFORCE_FACTOR,
        today=today,
        **options,
    )


def months_between(first: P.Period, last: P.Period) -> list[str]:
    out, period = [], first
    while period <= last:
        out.append(period.code)
        period = period.next()
    return out


def roll_up() -> list[tuple]:
    return sorted(
        AggregateValue.objects.values_list(
            "period", "data_element_id", "orgunit_id", "category_option_combo_id", "level", "value_sum", "value_count"
        )
    )


def users() -> dict[str, User]:
    return {user.username: user for user in User.objects.all()}


# --- what the province reports ---


@pytest.mark.django_db
def test_every_station_reports_every_month_but_a_few_have_not_sent_last_month():
    load()
    stations = list(OrgUnit.objects.filter(kind=OrgUnitKind.STATION).order_by("code"))
    assert len(stations) >= 25
    reported = defaultdict(set)
    for unit, period in (
        DataValue.objects.filter(orgunit__kind=OrgUnitKind.STATION, period__regex=r"^\d{6}$")
        .values_list("orgunit_id", "period")
        .distinct()
    ):
        reported[unit].add(period)
    cells = Counter(
        DataValue.objects.filter(period=LAST_MONTH.code).values_list("orgunit_id", flat=True).order_by()
    ).values()
    assert set(cells) == {len(MONTHLY_CELLS)}  # whole forms: every cell of a report is there
    missing = []
    for station in stations:
        last = P.containing(station.closed_on, "monthly") if station.closed_on else LAST_MONTH
        expected = set(months_between(FIRST_MONTH, last))
        assert expected - {LAST_MONTH.code} <= reported[station.pk], station.code
        assert reported[station.pk] <= expected, station.code  # none after closing, none this month
        if LAST_MONTH.code not in reported[station.pk] and not station.closed_on:
            missing.append(station.code)
    # Completeness below 100%, but the demo station has reported; the current month is empty.
    open_stations = [s for s in stations if not s.closed_on]
    assert 1 <= len(missing) <= len(open_stations) * 0.2
    assert "TYT0101" not in missing
    assert not DataValue.objects.filter(period=P.containing(TODAY, "monthly").code).exists()
    # Yearly reports: every station working through the year, the three past years; beds of centres and hospitals.
    years = {str(y) for y in range(TODAY.year - 3, TODAY.year)}
    yearly = DataValue.objects.filter(data_element__code="DAN_SO_SKDT")
    for station in open_stations:
        assert set(yearly.filter(orgunit=station).values_list("period", flat=True)) == years
    beds = DataValue.objects.filter(data_element__code="GIUONG_BENH")
    assert set(beds.values_list("orgunit__kind", flat=True)) == {OrgUnitKind.REGIONAL_CENTRE, OrgUnitKind.HOSPITAL}
    assert set(DataValue.objects.values_list("orgunit__kind", flat=True)) == {
        OrgUnitKind.STATION,
        OrgUnitKind.REGIONAL_CENTRE,
        OrgUnitKind.HOSPITAL,
    }


@pytest.mark.django_db
def test_figures_follow_the_population_and_rise_year_by_year_with_a_few_flaws():
    load()
    admin = users()["province_admin"]
    root = admin.home_unit
    years = tuple(P.Period(y) for y in range(TODAY.year - 3, TODAY.year))

    def yearly(code: str) -> list:
        query = analytics.Query(user=admin, indicator=Indicator.objects.get(code=code), periods=years, root=root)
        return [cell.value for cell in analytics.compute(query)]

    for code in ("KCB_1000", "SKDT_PCT", "BHYT_PCT", "QLSK_PCT"):
        values = yearly(code)
        assert None not in values and values == sorted(values) and values[0] < values[-1], code
    assert 300 <= yearly("KCB_1000")[0] <= 1200  # visits per 1,000 people a year at commune stations
    assert 50 <= yearly("KCB_BHYT_PCT")[0] <= 95 and 85 <= yearly("TIEM_DU_PCT")[0] <= 100
    assert 5 <= yearly("TV_DUOI1")[0] <= 25
    # Each commune's figures follow its catchment population: 8-20 births a year per 1,000 people.
    last_year = TODAY.year - 1
    births = (
        DataValue.objects.filter(data_element__code="DE_DIA_BAN", period__startswith=str(last_year))
        .filter(orgunit__closed_on=None)
        .values_list("orgunit_id")
        .annotate(n=Sum("value"), months=Count("id"))
    )
    people = dict(Population.objects.filter(year=last_year).values_list("orgunit_id", "population"))
    assert len(births) >= 25
    for unit, n, months in births:
        assert months == 12 and 8 <= n * 1000 / people[unit] <= 20
    # A handful of mistyped values outside the usual range, not more.
    outside = Q()
    for element in DataElement.objects.all():
        outside |= Q(data_element=element) & (Q(value__lt=element.min_value) | Q(value__gt=element.max_value))
    assert 2 <= DataValue.objects.filter(outside).count() <= 8
    # Two stations closed a month or two for repairs: no visits, and a comment says why.
    repaired = DataValue.objects.filter(comment=REPAIR_COMMENT)
    assert repaired.values("orgunit").distinct().count() == 2 and not repaired.exclude(value=0).exists()
    # A few reports break a validation rule, among them the demo station's last one, which its head will see.
    station = OrgUnit.objects.get(code="TYT0101")
    monthly = DataSet.objects.get(code=MONTHLY)
    assert [v.rule.code for v in check_rules(data_set=monthly, orgunit=station, period=LAST_MONTH)] == [
        "KCB_BHYT_LE_TONG"
    ]
    reports: dict[tuple[int, str], Counter] = defaultdict(Counter)
    for unit, period, code, value in DataValue.objects.filter(period__regex=r"^\d{6}$").values_list(
        "orgunit_id", "period", "data_element__code", "value"
    ):
        reports[(unit, period)][code] += value
    broken = [
        key
        for key, v in reports.items()
        if v["DE_TAI_TRAM"] > v["DE_DIA_BAN"]
        or v["KCB_BHYT"] > v["KCB_LUOT"]
        or v["TU_VONG_DUOI1"] > v["TU_VONG_DUOI5"]
    ]
    assert (station.pk, LAST_MONTH.code) in broken and 3 <= len(broken) <= 8


# --- the roll-up and the history ---


@pytest.mark.django_db
def test_the_roll_up_is_what_a_rebuild_gives_and_every_value_has_its_history():
    load()
    maintained = roll_up()
    assert len(maintained) > DataValue.objects.count()
    aggregates.rebuild()
    assert roll_up() == maintained
    # One "create" history row per value, with its author and channel; entered days after the period ended.
    assert DataValueAudit.objects.count() == DataValue.objects.count()
    assert set(DataValueAudit.objects.values_list("action", flat=True)) == {"create"}
    logins = users()
    region = logins["region_manager"].home_unit
    typed = DataValueAudit.objects.filter(source="ui")
    assert typed.exists() and not typed.exclude(period__startswith=str(TODAY.year)).exists()
    assert not typed.exclude(subtree_q("orgunit__path", region.path)).exists()
    assert set(typed.filter(orgunit__code="TYT0101").values_list("actor__username", flat=True)) == {"station_head"}
    assert set(typed.exclude(orgunit__code="TYT0101").values_list("actor__username", flat=True)) == {"data_clerk"}
    imported = DataValueAudit.objects.filter(source="import")
    assert set(imported.values_list("actor_username", flat=True)) == {"province_admin"}
    assert not DataValue.objects.filter(stored_by="").exists()
    for value in DataValue.objects.filter(period__in=[LAST_MONTH.code, "2024"]).iterator():
        entered = timezone.localtime(value.created).date()
        assert P.parse(value.period).end < entered <= TODAY and value.created == value.last_updated
    # The demo leaves no audit entries: the trail starts with the first real change.
    assert not AuditEntry.objects.exists()


# --- targets ---


@pytest.mark.django_db
def test_the_province_and_region_plans_set_targets_some_units_miss_and_others_reach():
    load()
    logins = users()
    admin, manager = logins["province_admin"], logins["region_manager"]
    root, region = admin.home_unit, manager.home_unit
    province_plan = TargetPlan.objects.get(orgunit=root)
    assert province_plan.name.startswith("Kế hoạch thực hiện Chỉ thị 25-CT/TW của ")
    assert province_plan.name.endswith(", giai đoạn đến 2025 và 2030")
    region_plan = TargetPlan.objects.get(orgunit=region)
    for plan in (province_plan, region_plan):
        assert not plan.confirmed and "giá trị mẫu" in plan.notes and plan.source.startswith("Dữ liệu mẫu")
    assert set(TargetPlan.objects.values_list("pk", flat=True)) == {province_plan.pk, region_plan.pk}
    # Each target names its model or says it is a demo value.
    for target in Target.objects.all():
        assert target.note and (
            "mẫu" in target.note or any(s in target.note for s in ("/KH-", "/QĐ-", "NQ/TW", "QH15"))
        )
    doctors = Target.objects.get(plan=province_plan, indicator__code="BS_10000", year=2025)
    assert doctors.value == 13.5 and not doctors.applies_below and "1015/KH-BYT" in doctors.note
    assert Target.objects.get(plan=province_plan, indicator__code="TYT_CO_BS", year=2030).applies_below
    assert Target.objects.get(plan=province_plan, indicator__code="XA_DAT_TCQG", year=2025).value == 80
    assert Target.objects.get(plan=province_plan, indicator__code="SKDT_PCT", year=2030).value == 100
    # The region's own plan sets each of its stations' electronic health book target for this year.
    stations = OrgUnit.objects.filter(parent=region, kind=OrgUnitKind.STATION, closed_on=None)
    own = Target.objects.filter(plan=region_plan, indicator__code="SKDT_PCT", year=TODAY.year)
    assert set(own.values_list("orgunit", flat=True)) == set(stations.values_list("pk", flat=True))
    e_book = Indicator.objects.get(code="SKDT_PCT")
    station = OrgUnit.objects.get(code="TYT0101")
    found = targets.targets_for(user=logins["station_head"], indicator=e_book, units=[station])
    assert found.for_year(station, TODAY.year).plan_code == region_plan.code
    assert found.for_year(station, 2030).set_on == root.code and found.for_year(station, 2030).inherited
    # Trends: some stations are on course for their next target, others at risk, for several indicators.
    everywhere = list(OrgUnit.objects.filter(kind=OrgUnitKind.STATION, closed_on=None).order_by("path"))
    for code in ("SKDT_PCT", "TIEM_DU_PCT", "BHYT_PCT"):
        outlook = analytics.outlook(
            user=admin, indicator=Indicator.objects.get(code=code), units=everywhere, year=TODAY.year, root=root
        )
        verdicts = Counter(item.at_risk for item in outlook)
        assert verdicts[True] >= 2 and verdicts[False] >= 2, (code, verdicts)
        assert all(len(item.years) == 3 and item.projected is not None for item in outlook)
    # The regional manager sees both plans, the station head its own target through them.
    visible = TargetPlan.objects.restrict(manager, VIEW)
    assert set(visible.values_list("pk", flat=True)) == {province_plan.pk, region_plan.pk}
    above_the_station = TargetPlan.objects.restrict(logins["station_head"], VIEW)
    assert set(above_the_station.values_list("pk", flat=True)) == {province_plan.pk, region_plan.pk}


# --- locks ---


@pytest.mark.django_db
def test_the_current_month_is_open_earlier_months_locked_and_one_late_report_excepted():
    load()
    logins = users()
    monthly = DataSet.objects.get(code=MONTHLY)
    station = OrgUnit.objects.get(code="TYT0101")
    ensure_can_enter(user=logins["station_head"], orgunit=station)
    current = P.containing(TODAY, "monthly")
    assert not lock_state(data_set=monthly, orgunit=station, period=current, today=TODAY).locked
    for period in (LAST_MONTH, P.Period(TODAY.year - 1, month=6)):
        assert lock_state(data_set=monthly, orgunit=station, period=period, today=TODAY).locked
    # One station of the demo region missed last month's deadline; its manager reopened the month for it.
    exception = LockException.objects.get()
    assert exception.data_set == monthly and exception.period == LAST_MONTH.code
    assert exception.granted_by == logins["region_manager"]
    assert exception.reason == EXCEPTION_REASON.format(period=LAST_MONTH.label)
    late = exception.orgunit
    assert late.parent == logins["region_manager"].home_unit and late != station
    assert not DataValue.objects.filter(orgunit=late, period=LAST_MONTH.code).exists()
    state = lock_state(data_set=monthly, orgunit=late, period=LAST_MONTH, today=TODAY)
    assert not state.locked and state.exception
    assert timezone.localtime(exception.created).date() <= TODAY
    assert LockException.objects.restrict(logins["region_manager"], VIEW).get() == exception


@pytest.mark.django_db
def test_loaded_today_the_station_head_saves_this_months_form_and_the_roll_up_follows():
    today = timezone.localdate()
    load(today=today)
    head = users()["station_head"]
    station = head.home_unit
    monthly = DataSet.objects.get(code=MONTHLY)
    cells = {
        (member.data_element_id, combo.pk)
        for member in monthly.members.select_related("data_element")
        for combo in member.data_element.category_combo.option_combos.all()
    }
    result = form_save(
        user=head,
        data_set=monthly,
        orgunit=station,
        period=P.containing(today, "monthly"),
        values=dict.fromkeys(cells, "3"),
    )
    assert result.counts.imported == len(MONTHLY_CELLS) == len(cells)
    maintained = roll_up()
    aggregates.rebuild()
    assert roll_up() == maintained


# --- scope, determinism, scales ---


@pytest.mark.django_db
def test_the_demo_logins_see_the_routine_data_of_their_scope():
    load()
    logins = users()
    region = logins["region_manager"].home_unit
    everything = DataValue.objects.count()
    assert DataValue.objects.restrict(logins["province_viewer"], VIEW).count() == everything
    mine = DataValue.objects.restrict(logins["region_manager"], VIEW)
    assert 0 < mine.count() == DataValue.objects.filter(subtree_q("orgunit__path", region.path)).count() < everything
    own = DataValue.objects.restrict(logins["station_head"], VIEW)
    assert set(own.values_list("orgunit__code", flat=True)) == {"TYT0101"}
    # The regional manager's table of their stations for last year has a value in every row.
    query = analytics.Query(
        user=logins["region_manager"],
        indicator=Indicator.objects.get(code="DE_TAI_TRAM_PCT"),
        periods=(P.Period(TODAY.year - 1),),
        root=region,
        level=region.level + 1,
    )
    cells = analytics.compute(query)
    stations = [c for c in cells if c.unit.kind == OrgUnitKind.STATION and not c.unit.closed_on]
    assert stations and all(c.value is not None for c in stations)


def test_the_same_seed_and_day_give_the_same_plan_and_another_seed_another():
    plan = plan_demo(scale="province", seed=3, factor=FACTOR)
    first = plan_indicators(plan, today=TODAY)
    assert plan_indicators(plan_demo(scale="province", seed=3, factor=FACTOR), today=TODAY) == first
    other = plan_indicators(plan_demo(scale="province", seed=4, factor=FACTOR), today=TODAY)
    assert [r.cells for r in other.reports[:50]] != [r.cells for r in first.reports[:50]]


@pytest.mark.parametrize(
    "today", [datetime.date(2026, 1, 2), datetime.date(2026, 1, 20), TODAY, datetime.date(2026, 12, 31)]
)
def test_whatever_the_day_reports_stop_at_last_month_and_the_exception_follows_the_deadline(today):
    plan = plan_demo(scale="province", seed=1, factor=FACTOR)
    data = plan_indicators(plan, today=today)
    region = next(user.unit_code for user in plan.users if user.username == "region_manager")
    parents = {unit.code: unit.parent_code for unit in plan.units}
    current = P.containing(today, "monthly")
    monthly = [r for r in data.reports if r.data_set == MONTHLY]
    assert max(r.period for r in monthly) < current.code
    if today.day > 10:  # a station reports within ten days of the month's end, unless it missed the month
        reported = {r.orgunit for r in monthly if r.period == current.previous().code}
        open_stations = {u.code for u in plan.units if u.kind == OrgUnitKind.STATION and not u.closed_on}
        assert reported == open_stations - set(data.missing_last_month)
        assert 1 <= len(data.missing_last_month) <= 0.2 * len(open_stations)
    assert all(r.at.date() <= today and P.parse(r.period).end < r.at.date() for r in data.reports)
    # This year's reports of the demo region were typed in the form, through the service; the rest imported.
    for r in data.reports:
        typed = r.period.startswith(str(today.year)) and parents[r.orgunit] == region
        assert r.through_service == typed and r.source == ("ui" if typed else "import")
    # The exception reopens the latest month whose deadline (15 days after its end) has passed.
    (exception,) = data.exceptions
    locked = current.previous() if today.day > 15 else current.previous().previous()
    assert exception.period == locked.code and exception.at.date() <= today
    assert not any(r.orgunit == exception.orgunit and r.period == locked.code for r in monthly)
    assert {p.end_year for p in data.plans} == {2030, today.year}


@pytest.mark.django_db
def test_a_shrunk_national_data_set_reports_in_the_demo_logins_province_only():
    demo_load(scale="national", seed=1, password=PASSWORD, factor=0.02, workforce_factor=0.02, today=TODAY)
    root = User.objects.get(username="province_admin").home_unit
    assert DataValue.objects.exists() and not DataValue.objects.exclude(subtree_q("orgunit__path", root.path)).exists()
    assert set(TargetPlan.objects.values_list("orgunit__code", flat=True)) == {root.code, "TTKV0101"}


@pytest.mark.django_db
def test_without_the_workforce_or_when_skipped_no_routine_data_is_loaded():
    load(workforce=False)
    assert not DataValue.objects.exists() and not TargetPlan.objects.exists()
    demo_reset()
    load(indicators=False)
    assert not DataValue.objects.exists() and not TargetPlan.objects.exists() and not AggregateValue.objects.exists()
    assert not LockException.objects.exists()
