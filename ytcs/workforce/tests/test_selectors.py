from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ytcs.core.testing.factories import StaffFactory, title
from ytcs.workforce.models import CmeActivity, Licence
from ytcs.workforce.selectors import cme_standing, licences_expiring, staff_list, staff_without_valid_licence

pytestmark = pytest.mark.django_db
D = datetime.date
ON = D(2026, 11, 26)
ISSUED = D(2022, 1, 1)


def licence(staff, *, issued=ISSUED, until=None, revoked=None, number=None):
    return Licence.objects.create(
        staff=staff,
        number=number or f"L{staff.pk}-{issued:%Y%m%d}",
        issuer="Sở Y tế",
        issued_on=issued,
        valid_until=until,
        revoked_on=revoked,
    )


def test_staff_list_filters_by_subtree_title_and_diacritic_free_search(world):
    ha = StaffFactory(full_name="Nguyễn Thu Hà", orgunit=world.station_a1, title=title("ho-sinh"))
    StaffFactory(full_name="Lê Văn Bình", orgunit=world.station_b1)
    assert list(staff_list(user=world.province_admin, filters={"q": "nguyen thu ha"})) == [ha]
    assert list(staff_list(user=world.province_admin, filters={"orgunit": "RA"})) == [ha]
    assert list(staff_list(user=world.province_admin, filters={"title": "ho-sinh"})) == [ha]
    assert list(staff_list(user=world.outsider, filters={"q": "ha"})) == []


def test_retired_people_are_listed_only_on_request(world):
    StaffFactory(
        orgunit=world.station_a1,
        status="retired",
        ended_on=D(2024, 1, 1),
        birth_date=D(1960, 1, 1),
        started_on=D(1985, 1, 1),
    )
    assert staff_list(user=world.region_manager).count() == 0
    assert staff_list(user=world.region_manager, filters={"status": "all"}).count() == 1


def test_licences_expiring_within_six_months_boundaries(world):
    staff = StaffFactory(orgunit=world.station_a1)
    inside = licence(staff, until=D(2027, 5, 26), number="in")  # exactly 6 months ahead
    licence(staff, until=D(2027, 5, 27), number="after")
    licence(staff, until=D(2026, 11, 25), number="expired")  # already expired: listed as missing instead
    licence(staff, until=D(2027, 1, 1), revoked=D(2026, 1, 1), number="revoked")
    assert list(licences_expiring(user=world.region_manager, on=ON)) == [inside]
    assert list(licences_expiring(user=world.outsider, on=ON)) == []


def test_practising_without_a_valid_licence(world):
    nurse_ok = StaffFactory(orgunit=world.station_a1, title=title("dieu-duong"))
    licence(nurse_ok, until=D(2030, 1, 1))
    nurse_expired = StaffFactory(orgunit=world.station_a1, title=title("dieu-duong"))
    licence(nurse_expired, until=ON - datetime.timedelta(days=1))
    nurse_last_day = StaffFactory(orgunit=world.station_a1, title=title("dieu-duong"))
    licence(nurse_last_day, until=ON)
    old_certificate = StaffFactory(orgunit=world.station_a1, title=title("bac-si"))
    licence(old_certificate, until=None)
    StaffFactory(orgunit=world.station_a1, title=title("y-te-thon-ban"))  # needs no licence
    missing = set(staff_without_valid_licence(user=world.region_manager, on=ON))
    assert missing == {nurse_expired}


def test_cme_shortfall_counts_the_rolling_five_years_and_spares_new_staff(world):
    def with_credits(started, *entries):
        staff = StaffFactory(orgunit=world.station_a1, started_on=started)
        for ended, credits in entries:
            CmeActivity.objects.create(
                staff=staff, name="Khóa học", started_on=ended, ended_on=ended, credits=Decimal(credits)
            )
        return staff

    enough = with_credits(D(2010, 1, 1), (D(2022, 3, 1), 60), (D(2025, 3, 1), 60))
    boundary = with_credits(D(2010, 1, 1), (D(2021, 11, 27), 120))  # first day of the window counts
    outside = with_credits(D(2010, 1, 1), (D(2021, 11, 26), 120), (D(2024, 1, 1), 40))
    short = with_credits(D(2010, 1, 1), (D(2024, 6, 1), 119.5))
    newcomer = with_credits(D(2023, 1, 1))
    rows = {s.pk: s for s in cme_standing(user=world.region_manager, on=ON)}
    assert rows[enough.pk].cme_credits == 120 and rows[boundary.pk].cme_credits == 120
    assert rows[outside.pk].cme_credits == 40 and rows[newcomer.pk].cme_due is False
    shortfall = set(cme_standing(user=world.region_manager, on=ON, filters={"shortfall": True}))
    assert shortfall == {outside, short}


def test_returns_due_lists_overdue_and_near_returns_of_visible_people(world):
    from ytcs.workforce.models import Posting
    from ytcs.workforce.selectors import returns_due

    def seconded(name, unit, expected):
        staff = StaffFactory(full_name=name, orgunit=unit, started_on=D(2015, 1, 1))
        Posting.objects.filter(staff=staff).update(ended_on=D(2024, 12, 31))
        return Posting.objects.create(
            staff=staff, orgunit=unit, kind="secondment", started_on=D(2025, 1, 1), expected_return_on=expected
        )

    overdue = seconded("Quá Hạn", world.station_a1, D(2026, 10, 1))
    soon = seconded("Sắp Về", world.station_a2, D(2026, 12, 20))
    seconded("Còn Lâu", world.station_a1, D(2027, 6, 1))
    seconded("Vùng Khác", world.station_b1, D(2026, 1, 1))
    assert list(returns_due(user=world.region_manager, on=ON)) == [overdue, soon]
    assert list(returns_due(user=world.region_manager, on=ON, filters={"orgunit": "A2"})) == [soon]
