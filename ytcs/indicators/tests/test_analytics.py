"""Every shipped indicator formula against values computed by hand, targets, trend and projection.

The registry of the test world on 31/12/2025 (populations 2025: A1 8,200, A2 12,500, B1 6,400; RA = 20,700,
PROV = 27,100):
    RA (centre): 1 doctor            A1: 2 nurses, 1 pharmacist   A1A (satellite of A1): 1 doctor
    A2: 1 nurse with a valid ultrasound certificate               B1: 1 traditional-medicine doctor
Verified QĐ 1300 assessments 2025: B1 passed, A1 failed; A2 none.
"""

import datetime
from decimal import Decimal

import pytest

from ytcs.assessments.models import Assessment, AssessmentStatus, Framework
from ytcs.core.testing.factories import StaffFactory, title
from ytcs.indicators import analytics
from ytcs.indicators import periods as P
from ytcs.indicators.models import Aggregation, DataElement, Indicator, Target, TargetPlan
from ytcs.indicators.tests.helpers import combo, indicator, put
from ytcs.workforce.models import Certificate, Competency

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def registry(world):
    StaffFactory(orgunit=world.region_a, title=title("bac-si"))
    StaffFactory(orgunit=world.satellite_a1, title=title("bac-si"))
    StaffFactory(orgunit=world.station_a1, title=title("dieu-duong"))
    StaffFactory(orgunit=world.station_a1, title=title("dieu-duong"))
    StaffFactory(orgunit=world.station_a1, title=title("duoc-si"))
    nurse = StaffFactory(orgunit=world.station_a2, title=title("dieu-duong"))
    Certificate.objects.create(
        staff=nurse, competency=Competency.objects.get(code="sieu-am-tong-quat"), issued_on=datetime.date(2020, 1, 1)
    )
    StaffFactory(orgunit=world.station_b1, title=title("bac-si-yhct"))
    framework = Framework.objects.filter(code="qd1300-2030").first()
    for unit, passed in ((world.station_b1, True), (world.station_a1, False)):
        Assessment.objects.create(
            orgunit=unit, framework=framework, year=2025, status=AssessmentStatus.VERIFIED, passed=passed
        )
    return world


@pytest.fixture
def reported(world):
    a1, ra = world.station_a1, world.region_a
    put(
        world.province_admin,
        [
            ("DAN_SO_BHYT", a1, "2025", 7000),
            ("DAN_SO_BHYT", world.station_a2, "2025", 11000),
            ("TIEM_DU_DUOI1", a1, "202501", 10),
            ("TIEM_DU_DUOI1", a1, "202502", 12),
            ("TRE_DUOI1", a1, "2025", 30),
            ("TU_VONG_DUOI1", a1, "202503", 1),
            ("TU_VONG_DUOI5", a1, "202503", 2),
            ("SINH_SONG", "NAM", a1, "202501", 40),
            ("SINH_SONG", "NU", a1, "202503", 35),
            ("DE_TAI_TRAM", a1, "202501", 3),
            ("DE_TAI_TRAM", a1, "202502", 5),
            ("DE_DIA_BAN", a1, "202501", 10),
            ("DE_DIA_BAN", a1, "202502", 14),
            ("GIUONG_BENH", ra, "2025", 50),
            ("KCB_LUOT", "NAM", a1, "202501", 120),
            ("KCB_LUOT", "NU", a1, "202501", 150),
            ("KCB_BHYT", a1, "202501", 200),
            ("DAN_SO_QLSK", a1, "2025", 6150),
            ("DAN_SO_SKDT", a1, "2025", 4100),
        ],
    )
    return world


def value(world, code, unit, period="2025", user=None):
    cells = analytics.compute(
        analytics.Query(
            user=user or world.province_admin, indicator=indicator(code), periods=(P.parse(period),), root=unit
        )
    )
    assert len(cells) == 1
    return cells[0].value


@pytest.mark.parametrize(
    ("code", "unit", "period", "expected"),
    [
        # R{doctors} × 10,000 / R{population}: 2 × 10,000 / 20,700 = 0.966… → 1.0 (halves up, one decimal)
        ("BS_10000", "region_a", "2025", D("1.0")),
        ("BS_10000", "station_a1", "2025", D("1.2")),  # the satellite's doctor counts: 10,000 / 8,200 = 1.219…
        ("BS_10000", "station_b1", "2025", D("1.6")),  # 10,000 / 6,400 = 1.5625
        ("BS_10000", "province", "2025", D("1.1")),  # 3 × 10,000 / 27,100 = 1.107…
        ("DD_10000", "station_a1", "2025", D("2.4")),  # 2 × 10,000 / 8,200 = 2.439…
        ("DD_10000", "province", "2025", D("1.1")),  # 3 × 10,000 / 27,100
        ("DS_10000", "station_a1", "2025", D("1.2")),  # 1 × 10,000 / 8,200
        ("TYT_CO_BS", "region_a", "2025", D("50.0")),  # A1 (doctor at its satellite point) of A1, A2
        ("TYT_CO_BS", "province", "2025", D("66.7")),  # A1, B1 of 3
        ("TYT_SIEU_AM", "province", "2025", D("33.3")),  # A2 of 3
        ("TYT_DIEN_TAM_DO", "province", "2025", D("0.0")),
        ("XA_DAT_TCQG", "province", "2025", D("33.3")),  # B1 passed of 3 stations
        ("XA_DA_DANH_GIA", "province", "2025", D("66.7")),  # A1, B1 verified of 3
        ("BHYT_PCT", "region_a", "2025", D("87.0")),  # 18,000 × 100 / 20,700 = 86.95…
        ("BHYT_PCT", "province", "2025", D("66.4")),  # 18,000 × 100 / 27,100 = 66.42…
        ("TIEM_DU_PCT", "station_a1", "2025", D("73.3")),  # (10 + 12) × 100 / 30
        ("TIEM_DU_PCT", "station_a1", "202501", None),  # children under 1 are reported yearly
        ("TV_DUOI1", "station_a1", "2025", D("13.3")),  # 1 × 1,000 / (40 + 35)
        ("TV_DUOI5", "station_a1", "2025", D("26.7")),  # 2 × 1,000 / 75
        ("DE_TAI_TRAM_PCT", "station_a1", "2025Q1", D("33.3")),  # (3 + 5) × 100 / (10 + 14)
        ("DE_TAI_TRAM_PCT", "region_a", "202502", D("35.7")),  # 5 × 100 / 14
        ("DE_TAI_TRAM_PCT", "station_a2", "2025", None),  # nothing reported
        ("GB_10000", "region_a", "2025", D("24.2")),  # 50 × 10,000 / 20,700 = 24.15…
        ("KCB_1000", "station_a1", "2025", D("32.9")),  # (120 + 150) × 1,000 / 8,200 = 32.92…
        ("KCB_BHYT_PCT", "station_a1", "202501", D("74.1")),  # 200 × 100 / 270
        ("QLSK_PCT", "station_a1", "2025", D("75.0")),  # 6,150 × 100 / 8,200
        ("SKDT_PCT", "station_a1", "2025", D("50.0")),  # 4,100 × 100 / 8,200
    ],
)
def test_shipped_indicator_formulas_give_the_hand_computed_values(registry, reported, code, unit, period, expected):
    assert value(registry, code, getattr(registry, unit), period) == expected


def test_every_shipped_indicator_is_covered_by_the_formula_test():
    marks = test_shipped_indicator_formulas_give_the_hand_computed_values.pytestmark
    tested = {params[0] for mark in marks if mark.name == "parametrize" for params in mark.args[1]}
    assert set(Indicator.objects.values_list("code", flat=True)) <= tested


def test_without_a_population_a_per_population_ratio_has_no_value(registry):
    registry.station_b1.populations.all().delete()
    assert value(registry, "BS_10000", registry.station_b1) is None


def test_a_level_gives_a_row_per_unit_in_tree_order_and_scope(registry, reported):
    query = analytics.Query(
        user=registry.province_admin,
        indicator=indicator("BS_10000"),
        periods=(P.parse("2025"),),
        root=registry.province,
        level=3,
    )
    assert [(c.unit.code, c.value) for c in analytics.compute(query)] == [
        ("A1", D("1.2")),
        ("A2", D("0.0")),
        ("B1", D("1.6")),
    ]
    mine = analytics.Query(user=registry.station_head, indicator=indicator("BS_10000"), periods=(P.parse("2025"),))
    assert [c.unit.code for c in analytics.compute(mine)] == ["A1"]


def test_an_average_element_is_averaged_over_periods(world):
    DataElement.objects.create(
        code="TB", name="Trung bình", category_combo=combo().combo, aggregation=Aggregation.AVERAGE
    )
    Indicator.objects.create(code="TB_IND", name="TB", numerator="#{TB}", denominator="1", decimals=1)
    put(world.province_admin, [("TB", world.station_a1, "202501", 10), ("TB", world.station_a1, "202502", 25)])
    assert value(world, "TB_IND", world.station_a1, "2025") == D("17.5")


def test_data_entered_is_seen_at_once(world):
    put(
        world.province_admin,
        [("DE_TAI_TRAM", world.station_a1, "202501", 3), ("DE_DIA_BAN", world.station_a1, "202501", 4)],
    )
    assert value(world, "DE_TAI_TRAM_PCT", world.province) == D("75.0")
    put(world.province_admin, [("DE_TAI_TRAM", world.station_a1, "202501", 2)])
    assert value(world, "DE_TAI_TRAM_PCT", world.province) == D("50.0")


# ---------------------------------------------------------------------------------------------- targets


def plan(world, code, unit, end_year=2030):
    return TargetPlan.objects.create(orgunit=unit, code=code, name=code, start_year=2024, end_year=end_year)


def test_the_unit_own_target_of_the_most_local_plan_applies_and_percent_achieved_follows(registry):
    province_plan = plan(registry, "CT25", registry.province)
    region_plan = plan(registry, "RA-KH", registry.region_a)
    bs = indicator("BS_10000")
    Target.objects.create(plan=province_plan, indicator=bs, orgunit=registry.province, year=2025, value=1.0)
    Target.objects.create(plan=province_plan, indicator=bs, orgunit=registry.region_a, year=2025, value=1.5)
    Target.objects.create(plan=region_plan, indicator=bs, orgunit=registry.region_a, year=2025, value=2.0)
    cells = {
        c.unit.code: c
        for c in analytics.compute(
            analytics.Query(
                user=registry.province_admin,
                indicator=bs,
                periods=(P.parse("2025"),),
                root=registry.province,
                level=None,
            )
        )
        + analytics.compute(
            analytics.Query(
                user=registry.province_admin, indicator=bs, periods=(P.parse("2025"),), root=registry.province, level=2
            )
        )
    }
    assert (cells["PROV"].target.value, cells["PROV"].achieved) == (1.0, D("110.0"))  # 1.1 of 1.0
    assert (cells["RA"].target.plan_code, cells["RA"].achieved) == ("RA-KH", D("50.0"))  # 1.0 of 2.0
    assert cells["RB"].target is None  # no own target, none set for the units below
    chosen = analytics.compute(
        analytics.Query(
            user=registry.province_admin,
            indicator=bs,
            periods=(P.parse("2025"),),
            root=registry.region_a,
            plan=province_plan,
        )
    )
    assert chosen[0].target.value == 1.5


def test_a_target_for_each_unit_below_is_inherited_and_the_next_target_found(registry):
    province_plan = plan(registry, "CT25", registry.province)
    ind = indicator("TYT_CO_BS")
    Target.objects.create(
        plan=province_plan, indicator=ind, orgunit=registry.province, year=2030, value=100, applies_below=True
    )
    cell = analytics.compute(
        analytics.Query(user=registry.station_head, indicator=ind, periods=(P.parse("2025"),), root=registry.station_a1)
    )[0]
    assert cell.target is None
    assert (cell.next_target.year, cell.next_target.value, cell.next_target.inherited) == (2030, 100, True)


def test_lower_is_better_indicators_invert_percent_achieved():
    assert analytics.achieved_percent(D("10"), 8.0, False) == D("80.0")
    assert analytics.achieved_percent(D("5"), 8.0, False) == D("160.0")
    assert analytics.achieved_percent(D("5"), 10.0, True) == D("50.0")
    assert analytics.achieved_percent(None, 10.0, True) is None


def test_the_projection_follows_the_yearly_trend_to_the_target_year(world):
    a1, a2 = world.station_a1, world.station_a2
    rows = []
    for year, (p1, p2) in zip((2023, 2024, 2025), ((20, 50), (30, 60), (40, 70)), strict=True):
        rows += [
            ("DE_TAI_TRAM", a1, f"{year}01", p1),
            ("DE_DIA_BAN", a1, f"{year}01", 100),
            ("DE_TAI_TRAM", a2, f"{year}01", p2),
            ("DE_DIA_BAN", a2, f"{year}01", 100),
        ]
    put(world.province_admin, rows)
    ind = indicator("DE_TAI_TRAM_PCT")
    kh = plan(world, "KH", world.province)
    Target.objects.create(plan=kh, indicator=ind, orgunit=world.province, year=2027, value=70, applies_below=True)
    out = {
        o.unit.code: o for o in analytics.outlook(user=world.province_admin, indicator=ind, units=[a1, a2], year=2025)
    }
    assert out["A1"].slope == D("10") and out["A1"].projected == D("60.0") and out["A1"].at_risk is True
    assert out["A2"].projected == D("90.0") and out["A2"].at_risk is False
    assert out["A1"].years == [(2023, D("20.0")), (2024, D("30.0")), (2025, D("40.0"))]


def test_an_outsider_sees_no_target_of_a_plan_out_of_scope(registry):
    region_plan = plan(registry, "RA-KH", registry.region_a)
    bs = indicator("BS_10000")
    Target.objects.create(plan=region_plan, indicator=bs, orgunit=registry.region_a, year=2025, value=2.0)
    Target.objects.create(plan=region_plan, indicator=bs, orgunit=registry.region_a, year=2025 + 1, value=2.0)
    cells = analytics.compute(
        analytics.Query(user=registry.outsider, indicator=bs, periods=(P.parse("2025"),), root=registry.region_b)
    )
    assert cells[0].target is None and cells[0].next_target is None
