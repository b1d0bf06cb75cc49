"""The persona world every scope test uses (house style):

    Sở Y tế (PROV) ─┬─ TTYT khu vực A (RA) ─┬─ Trạm Y tế A1 ── Điểm trạm A1a
                    │                        └─ Trạm Y tế A2
                    └─ TTYT khu vực B (RB) ─── Trạm Y tế B1

province_admin / province_viewer on PROV, region_manager on RA, station_head on A1,
data_clerk and viewer on RA, outsider (a regional manager) on RB.
"""

from __future__ import annotations

from dataclasses import dataclass

from ytcs.accounts.models import User
from ytcs.accounts.roles import Role
from ytcs.core.testing.factories import OrgUnitFactory, PopulationFactory, RoleAssignmentFactory, UserFactory
from ytcs.orgunits.models import OrgUnit, OrgUnitKind


@dataclass
class World:
    province: OrgUnit
    region_a: OrgUnit
    region_b: OrgUnit
    station_a1: OrgUnit
    station_a2: OrgUnit
    station_b1: OrgUnit
    satellite_a1: OrgUnit
    province_admin: User
    province_viewer: User
    region_manager: User
    station_head: User
    data_clerk: User
    viewer: User
    outsider: User
    superuser: User


def build_world() -> World:
    prov = OrgUnitFactory(code="PROV", name="Sở Y tế Tỉnh Thử", kind=OrgUnitKind.PROVINCE)
    ra = OrgUnitFactory(code="RA", name="Trung tâm Y tế khu vực Hòa An", kind=OrgUnitKind.REGIONAL_CENTRE, parent=prov)
    rb = OrgUnitFactory(
        code="RB", name="Trung tâm Y tế khu vực Bình Sơn", kind=OrgUnitKind.REGIONAL_CENTRE, parent=prov
    )
    a1 = OrgUnitFactory(code="A1", name="Trạm Y tế xã Nguyễn Huệ", kind=OrgUnitKind.STATION, parent=ra)
    a2 = OrgUnitFactory(code="A2", name="Trạm Y tế phường Đông Hà", kind=OrgUnitKind.STATION, parent=ra)
    b1 = OrgUnitFactory(code="B1", name="Trạm Y tế xã Bình Minh", kind=OrgUnitKind.STATION, parent=rb)
    a1a = OrgUnitFactory(code="A1A", name="Điểm trạm thôn Đồng Cỏ", kind=OrgUnitKind.SATELLITE, parent=a1)
    for unit, pop in ((a1, 8200), (a2, 12500), (b1, 6400)):
        PopulationFactory(orgunit=unit, year=2025, population=pop)

    def persona(username: str, role: str, unit: OrgUnit) -> User:
        user = UserFactory(username=username, home_unit=unit)
        RoleAssignmentFactory(user=user, role=role, orgunit=unit)
        return user

    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    return World(
        province=prov,
        region_a=ra,
        region_b=rb,
        station_a1=a1,
        station_a2=a2,
        station_b1=b1,
        satellite_a1=a1a,
        province_admin=persona("province_admin", Role.PROVINCE_ADMIN, prov),
        province_viewer=persona("province_viewer", Role.PROVINCE_VIEWER, prov),
        region_manager=persona("region_manager", Role.REGIONAL_MANAGER, ra),
        station_head=persona("station_head", Role.STATION_HEAD, a1),
        data_clerk=persona("data_clerk", Role.DATA_CLERK, ra),
        viewer=persona("viewer", Role.VIEWER, ra),
        outsider=persona("outsider", Role.REGIONAL_MANAGER, rb),
        superuser=superuser,
    )
