"""A small, hand-checkable data set for the target tests: deliveries at the stations of region A and a plan of
region A with targets on the share of deliveries at the station (DE_TAI_TRAM_PCT = at station × 100 / in the
commune).

    year   A1 at station / in commune   A2            RA (A1 + A2)
    2023   6 / 20 = 30.0 %              4 / 20 = 20.0  10 / 40 = 25.0
    2024   8 / 20 = 40.0 %              4 / 20 = 20.0  12 / 40 = 30.0
    2025  10 / 20 = 50.0 %              4 / 20 = 20.0  14 / 40 = 35.0
    trend  +10 a year                   0              +5 a year

Plan KH-RA (region A, 2024–2030, not checked against its document): RA 60 in 2030, also for each unit below;
A1 50 in 2025 and 80 in 2030. From 2025: A1 meets 50 in 2025 (50.0); RA projects 35 + 5 × 5 = 60.0 in 2030, just
meeting 60; A2 inherits 60 for 2030 and projects 20.0: at risk. Looking from 2026 (no value yet), A1 projects
50 + 10 × 5 = 100.0 against 80 in 2030.
"""

from __future__ import annotations

from ytcs.indicators import target_services as services
from ytcs.indicators.models import TargetPlan
from ytcs.indicators.target_services import TargetInput
from ytcs.indicators.tests.helpers import indicator, put

INDICATOR = "DE_TAI_TRAM_PCT"


def deliveries(world) -> None:
    rows = []
    for year, at_a1 in ((2023, 6), (2024, 8), (2025, 10)):
        month = f"{year}06"
        rows += [
            ("DE_TAI_TRAM", world.station_a1, month, at_a1),
            ("DE_DIA_BAN", world.station_a1, month, 20),
            ("DE_TAI_TRAM", world.station_a2, month, 4),
            ("DE_DIA_BAN", world.station_a2, month, 20),
        ]
    put(world.province_admin, rows)


def region_plan(world, code: str = "KH-RA") -> TargetPlan:
    plan = services.plan_create(
        user=world.region_manager,
        orgunit=world.region_a,
        code=code,
        name="Kế hoạch thực hiện Chỉ thị 25-CT/TW của TTYT khu vực Hòa An",
        document_number="45/KH-TTYT",
        issued_by="TTYT khu vực Hòa An",
        start_year=2024,
        end_year=2030,
        source="Kế hoạch 45/KH-TTYT",
    )
    ind = indicator(INDICATOR)
    services.targets_set(
        user=world.region_manager,
        plan=plan,
        items=[
            TargetInput(ind, world.region_a, 2030, 60, applies_below=True),
            TargetInput(ind, world.station_a1, 2025, 50),
            TargetInput(ind, world.station_a1, 2030, 80),
        ],
    )
    return plan


def province_plan(world, code: str = "KH-TINH") -> TargetPlan:
    plan = services.plan_create(
        user=world.province_admin,
        orgunit=world.province,
        code=code,
        name="Kế hoạch của Sở Y tế giai đoạn đến 2030",
        start_year=2025,
        end_year=2030,
        confirmed=True,
    )
    services.targets_set(
        user=world.province_admin,
        plan=plan,
        items=[TargetInput(indicator("TYT_CO_BS"), world.province, 2030, 100, applies_below=True)],
    )
    return plan
