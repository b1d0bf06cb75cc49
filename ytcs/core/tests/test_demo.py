"""The demo data set: deterministic, realistic, scoped logins, and safe to run twice."""

from __future__ import annotations

import datetime
import random
import re
import unicodedata
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Exists, F, OuterRef, Q
from rest_framework.authtoken.models import Token

from ytcs.accounts.models import RoleAssignment, User
from ytcs.accounts.roles import Role
from ytcs.core.audit import audit_context
from ytcs.core.demo.builder import demo_load
from ytcs.core.demo.plan import PROFILES, plan_demo, split_evenly
from ytcs.core.demo.workforce_plan import plan_workforce
from ytcs.core.models import AuditEntry
from ytcs.core.testing.factories import StaffFactory
from ytcs.core.text import fold
from ytcs.orgunits.models import OrgUnit, OrgUnitKind, Population
from ytcs.orgunits.services import orgunit_search_text, orgunit_update
from ytcs.workforce import selectors
from ytcs.workforce.models import Certificate, CmeActivity, Licence, Posting, Staff
from ytcs.workforce.rules import cme_rule, retirement_rule
from ytcs.workforce.services import staff_search_text

PASSWORD = "demo-pass-2025"
# The workforce's reference date: fixed, so the data are the same whatever day the tests run.
TODAY = datetime.date(2026, 3, 16)


def load(*args: str, workforce: bool = False) -> str:
    """Run load_demo; the workforce only where a test looks at it, with every station staffed in full but
    hospitals and centres at a tenth of their size (a province of ~4,500 people rather than ~19,000)."""
    out = StringIO()
    extra = ["--today", TODAY.isoformat(), "--workforce-factor", "0.1"] if workforce else ["--skip-workforce"]
    call_command("load_demo", "--password", PASSWORD, *extra, *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[list, list, list]:
    units = OrgUnit.objects.order_by("code").values_list(
        "pk", "code", "name", "kind", "parent__code", "path", "admin_code", "address", "opened_on", "closed_on"
    )
    populations = Population.objects.order_by("orgunit__code", "year").values_list(
        "orgunit__code", "year", "population"
    )
    users = User.objects.order_by("username").values_list("username", "full_name", "home_unit__code")
    return list(units), list(populations), list(users)


def workforce_snapshot() -> list[list]:
    return [
        list(Staff.objects.order_by("pk").values_list("pk", "full_name", "national_id", "orgunit__code", "birth_date")),
        list(Posting.objects.order_by("pk").values_list("pk", "staff_id", "orgunit__code", "kind", "started_on")),
        list(Licence.objects.order_by("pk").values_list("pk", "staff_id", "number", "valid_until")),
        list(Certificate.objects.order_by("pk").values_list("pk", "staff_id", "competency__code", "issued_on")),
        list(CmeActivity.objects.order_by("pk").values_list("pk", "staff_id", "credits", "ended_on")),
    ]


def count(kind: str) -> int:
    return OrgUnit.objects.filter(kind=kind).count()


# --- the plan (pure Python, no database) ---


def test_the_national_plan_has_34_provinces_and_about_11000_units():
    plan = plan_demo(scale="national", seed=1)
    assert plan.units[0].code == "BYT" and plan.units[0].kind == OrgUnitKind.COUNTRY
    assert plan.count(OrgUnitKind.PROVINCE) == 34
    assert 10_000 <= len(plan.units) <= 12_000
    assert 3_200 <= plan.count(OrgUnitKind.STATION) <= 3_400
    assert plan.count(OrgUnitKind.SATELLITE) >= 6_000
    codes = [unit.code for unit in plan.units]
    assert len(set(codes)) == len(codes)
    admin_codes = [unit.admin_code for unit in plan.units if unit.admin_code]
    assert len(set(admin_codes)) == len(admin_codes) and all(len(c) == 5 and c.isdigit() for c in admin_codes)
    assert {user.unit_code for user in plan.users} == {"BYT", "SYT01", "TTKV0101", "TYT010101"}


def test_every_parent_comes_before_its_children_one_level_up():
    plan = plan_demo(scale="national", seed=3, factor=0.1)
    depth = {}
    for unit in plan.units:
        assert unit.parent_code is None or depth[unit.parent_code] == unit.depth - 1
        depth[unit.code] = unit.depth


def test_names_carry_vietnamese_diacritics_in_nfc():
    plan = plan_demo(scale="province", seed=1)
    names = [unit.name for unit in plan.units] + [user.full_name for user in plan.users]
    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    assert plan.units[0].name == "Sở Y tế tỉnh Sơn Hà"
    stations = [unit.name for unit in plan.units if unit.kind == OrgUnitKind.STATION]
    assert all(fold(name).startswith("tram y te ") for name in stations)
    assert sum(name != fold(name) for name in stations) > len(stations) * 0.9


def test_station_populations_stay_realistic_and_grow():
    for unit in plan_demo(scale="province", seed=5).units:
        figures = [people for _, people in unit.populations]
        assert all(7_900 <= people <= 86_000 for people in figures)
        assert figures == sorted(figures)


def test_split_evenly_shares_the_whole_total():
    rng = random.Random(1)
    for total, parts in ((150, 10), (38, 3), (5, 5), (1, 1)):
        counts = split_evenly(rng, total=total, parts=parts)
        assert sum(counts) == total and len(counts) == parts and min(counts) >= 1


def test_an_unknown_scale_is_refused():
    with pytest.raises(ValueError, match="unknown scale"):
        plan_demo(scale="district", seed=1)


# --- loading ---


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_and_ids():
    # Both loads reset: PostgreSQL sequences are not rolled back with a test, so only a reset fixes the ids.
    load("--seed", "7", "--reset", workforce=True)
    first, first_workforce = snapshot(), workforce_snapshot()
    load("--seed", "7", "--reset", workforce=True)
    assert snapshot() == first
    assert workforce_snapshot() == first_workforce


@pytest.mark.django_db
def test_another_seed_gives_other_data():
    load("--seed", "1")
    first = snapshot()
    load("--seed", "2", "--reset")
    second = snapshot()
    assert [row[2] for row in first[0]] != [row[2] for row in second[0]]
    assert first[1] != second[1]


@pytest.mark.django_db
def test_the_province_has_about_ten_centres_and_150_stations():
    output = load()
    assert "Loaded the province demo data (seed 1)" in output
    assert count(OrgUnitKind.PROVINCE) == 1 and count(OrgUnitKind.COUNTRY) == 0
    assert 9 <= count(OrgUnitKind.REGIONAL_CENTRE) <= 11
    assert 140 <= count(OrgUnitKind.STATION) <= 160
    assert 20 <= count(OrgUnitKind.SATELLITE) <= 80
    assert 2 <= count(OrgUnitKind.HOSPITAL) <= 3
    assert count(OrgUnitKind.PROVINCIAL_UNIT) >= 2
    assert PROFILES["province"].private[0] <= count(OrgUnitKind.PRIVATE) <= PROFILES["province"].private[1]
    closed = OrgUnit.objects.filter(closed_on__isnull=False)
    assert closed.count() >= 2 and all(unit.closed_on > unit.opened_on for unit in closed)
    assert not OrgUnit.objects.filter(parent__closed_on__isnull=False, closed_on__isnull=True).exists()
    open_stations = OrgUnit.objects.filter(kind=OrgUnitKind.STATION, closed_on__isnull=True)
    years = Counter(Population.objects.filter(orgunit__in=open_stations).values_list("year", flat=True))
    assert years == dict.fromkeys((2023, 2024, 2025, 2026), open_stations.count())
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_units_get_their_path_level_and_search_text():
    load()
    units = {unit.pk: unit for unit in OrgUnit.objects.all()}
    for unit in units.values():
        parent_path = units[unit.parent_id].path if unit.parent_id else "/"
        assert unit.path == f"{parent_path}{unit.pk}/"
        assert unit.level == unit.path.count("/") - 1
        assert unit.search_text == orgunit_search_text(unit)
    assert OrgUnit.objects.filter(search_text__contains="tram y te").count() == count(OrgUnitKind.STATION)
    station = OrgUnit.objects.get(code="TYT0101")
    assert station.parent.code == "TTKV01" and station.parent.parent.code == "SYT"
    assert len(station.admin_code) == 5 and station.address and station.phone


@pytest.mark.django_db
def test_a_shrunk_national_data_set_loads_under_the_ministry():
    report = demo_load(scale="national", seed=1, password=PASSWORD, factor=0.02)
    assert report.units == OrgUnit.objects.count()
    assert OrgUnit.objects.get(code="BYT").level == 1
    assert OrgUnit.objects.filter(kind=OrgUnitKind.PROVINCE, level=2, parent__code="BYT").count() == 34
    assert OrgUnit.objects.filter(kind=OrgUnitKind.SATELLITE).values_list("level", flat=True).distinct().get() == 5
    assert User.objects.get(username="province_admin").home_unit.name == "Sở Y tế thành phố Hà Nội"
    assert User.objects.get(username="admin").home_unit.code == "BYT"


@pytest.mark.django_db
def test_demo_users_hold_their_documented_roles_and_scope():
    load()
    roles = {
        (r.user.username, r.role): r.orgunit.code for r in RoleAssignment.objects.select_related("user", "orgunit")
    }
    assert roles == {
        ("province_admin", Role.PROVINCE_ADMIN): "SYT",
        ("province_viewer", Role.PROVINCE_VIEWER): "SYT",
        ("region_manager", Role.REGIONAL_MANAGER): "TTKV01",
        ("station_head", Role.STATION_HEAD): "TYT0101",
        ("data_clerk", Role.DATA_CLERK): "TTKV01",
    }
    users = {user.username: user for user in User.objects.all()}
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not any(user.is_superuser for name, user in users.items() if name != "admin")
    assert all(user.check_password(PASSWORD) and user.full_name for user in users.values())
    everything = OrgUnit.objects.count()
    assert OrgUnit.objects.restrict(users["province_admin"], "view").count() == everything
    region = OrgUnit.objects.get(code="TTKV01")
    in_region = OrgUnit.objects.filter(path__startswith=region.path).count()
    assert OrgUnit.objects.restrict(users["region_manager"], "view").count() == in_region < everything
    station = OrgUnit.objects.get(code="TYT0101")
    station_units = OrgUnit.objects.restrict(users["station_head"], "change")
    assert {unit.parent_id for unit in station_units if unit != station} <= {station.pk} and station in station_units
    assert not OrgUnit.objects.restrict(users["province_viewer"], "change").exists()
    assert not OrgUnit.objects.restrict(users["data_clerk"], "change").exists()


# --- existing data ---


@pytest.mark.django_db
def test_if_empty_leaves_existing_data_alone():
    load("--seed", "1")
    before = snapshot()
    output = load("--seed", "2", "--if-empty")
    assert "already there" in output
    assert snapshot() == before


@pytest.mark.django_db
def test_it_refuses_to_load_over_existing_data():
    load()
    with pytest.raises(CommandError, match="--reset"):
        load("--seed", "2")


@pytest.mark.django_db
def test_it_refuses_when_a_demo_username_is_taken():
    User.objects.create_user(username="admin", password="x")
    with pytest.raises(CommandError, match="admin"):
        load()
    assert not OrgUnit.objects.exists()


@pytest.mark.django_db
def test_reset_clears_audit_entries_tokens_and_extra_users():
    load()
    admin = User.objects.get(username="admin")
    with audit_context(user=admin):
        orgunit_update(user=admin, unit=OrgUnit.objects.get(code="TYT0101"), phone="0260 1234567")
    Token.objects.create(user=admin)
    User.objects.create_user(username="someone", password="x")
    assert AuditEntry.objects.exists()
    load("--reset")
    assert not AuditEntry.objects.exists() and not Token.objects.exists()
    assert not User.objects.filter(username="someone").exists()
    assert OrgUnit.objects.get(code="TYT0101").phone != "0260 1234567"


def test_if_empty_and_reset_exclude_each_other():
    with pytest.raises(CommandError, match="not allowed with"):
        load("--if-empty", "--reset")


# --- demo_logins ---


@pytest.mark.django_db
def test_demo_logins_lists_users_roles_units_and_the_password():
    load()
    out = StringIO()
    call_command("demo_logins", "--password", PASSWORD, stdout=out, stderr=StringIO())
    text = out.getvalue()
    for username in ("admin", "province_admin", "province_viewer", "region_manager", "station_head", "data_clerk"):
        assert username in text
    assert "Sở Y tế tỉnh Sơn Hà" in text and OrgUnit.objects.get(code="TYT0101").name in text
    assert PASSWORD in text and "http://127.0.0.1:8000/" in text


@pytest.mark.django_db
def test_demo_logins_warns_about_a_different_password():
    load()
    err = StringIO()
    call_command("demo_logins", "--password", "another-one", stdout=StringIO(), stderr=err)
    assert "another --password" in err.getvalue()


@pytest.mark.django_db
def test_demo_logins_without_demo_users_says_what_to_run():
    with pytest.raises(CommandError, match="load_demo"):
        call_command("demo_logins", stdout=StringIO())


# --- the workforce: the plan ---


def test_no_unit_opens_before_or_closes_after_the_unit_above_it():
    plan = plan_demo(scale="national", seed=2)
    units = {unit.code: unit for unit in plan.units}
    for unit in plan.units:
        parent = units.get(unit.parent_code or "")
        assert not (parent and unit.opened_on and parent.opened_on and unit.opened_on < parent.opened_on), unit
        assert not (parent and unit.closed_on and parent.closed_on and unit.closed_on > parent.closed_on), unit


def test_the_national_workforce_is_about_half_a_million_for_about_100_million_people():
    plan = plan_demo(scale="national", seed=1)
    workforce = plan_workforce(plan, today=TODAY)
    assert 460_000 <= workforce.size <= 540_000
    people = sum(dict(unit.populations).get(TODAY.year, 0) for unit in plan.units)
    assert 90_000_000 <= people <= 115_000_000
    stations = [u for u in workforce.units if u.unit.kind == OrgUnitKind.STATION and u.working]
    assert 18 <= sum(u.working for u in stations) / len(stations) <= 22


def test_a_full_province_has_about_19000_people_and_doctors_per_10000_near_the_national_figure():
    plan = plan_demo(scale="province", seed=1)
    people = [p for p in plan_workforce(plan, today=TODAY).people() if p.status == "active"]
    assert 15_000 <= len(people) <= 24_000
    doctors = sum(p.title in ("bac-si", "bac-si-yhdp", "bac-si-yhct") for p in people)
    population = sum(dict(unit.populations).get(TODAY.year, 0) for unit in plan.units)
    assert 6 <= doctors * 10_000 / population <= 16


def test_the_workforce_plan_depends_on_the_seed_and_the_reference_date_only():
    plan = plan_demo(scale="province", seed=3, factor=0.2)
    first = list(plan_workforce(plan, today=TODAY, factor=0.2).people())
    assert list(plan_workforce(plan_demo(scale="province", seed=3, factor=0.2), today=TODAY, factor=0.2).people()) == (
        first
    )
    later = list(plan_workforce(plan, today=TODAY + datetime.timedelta(days=1), factor=0.2).people())
    assert [p.birth_date for p in later] != [p.birth_date for p in first]
    other = list(plan_workforce(plan_demo(scale="province", seed=4, factor=0.2), today=TODAY, factor=0.2).people())
    assert [p.full_name for p in other] != [p.full_name for p in first]


def test_the_reference_date_comes_after_the_commune_merger():
    with pytest.raises(ValueError, match="reference date"):
        plan_workforce(plan_demo(scale="province", seed=1, factor=0.1), today=datetime.date(2025, 1, 1))
    with pytest.raises(CommandError, match="--today"):
        load("--today", "2025-01-01", workforce=True)
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        load("--today", "16/03/2026", workforce=True)


# --- the workforce: loaded ---


def stations_without(condition: Q) -> list[str]:
    """Codes of open stations where no working person meets `condition`."""
    staff = Staff.objects.filter(condition, orgunit=OuterRef("pk"), status="active")
    return list(
        OrgUnit.objects.filter(kind=OrgUnitKind.STATION, closed_on__isnull=True)
        .exclude(Exists(staff))
        .values_list("code", flat=True)
    )


@pytest.mark.django_db
def test_the_province_has_about_20_health_workers_per_station_and_one_head_per_unit():
    output = load(workforce=True)
    assert "Workforce on 16/03/2026" in output
    stations = OrgUnit.objects.filter(kind=OrgUnitKind.STATION, closed_on__isnull=True)
    per_station = dict(stations.annotate(n=Count("staff", filter=Q(staff__status="active"))).values_list("code", "n"))
    assert 18 <= sum(per_station.values()) / len(per_station) <= 22 and min(per_station.values()) >= 12
    total = Staff.objects.filter(status="active").count()
    assert 3_500 <= total <= 6_000 and total > sum(per_station.values()) + 500  # centres, hospitals, clinics
    assert not Staff.objects.filter(orgunit__closed_on__isnull=False, status="active").exists()
    heads = Counter(Staff.objects.filter(position="head", status="active").values_list("orgunit__code", flat=True))
    staffed = set(
        Staff.objects.filter(status="active")
        .exclude(orgunit__kind=OrgUnitKind.SATELLITE)
        .values_list("orgunit__code", flat=True)
    )
    assert set(heads) == staffed and set(heads.values()) == {1}
    titles = Counter(Staff.objects.filter(status="active").values_list("title__code", flat=True))
    assert {"bac-si", "y-si", "dieu-duong", "ho-sinh", "duoc-si", "y-te-thon-ban"} <= set(titles)
    assert titles["dieu-duong"] > titles["bac-si"]
    assert {"retired", "left"} <= set(Staff.objects.values_list("status", flat=True))
    assert not AuditEntry.objects.exists()
    # The id sequence moved past the ids the loader gave (PostgreSQL).
    assert StaffFactory(orgunit=OrgUnit.objects.get(code="TYT0101")).pk > Staff.objects.count() - 1


@pytest.mark.django_db
def test_every_workforce_list_has_people_in_the_demo():
    load(workforce=True)
    admin = User.objects.get(username="admin")
    expiring = selectors.licences_expiring(user=admin, on=TODAY)
    missing = selectors.staff_without_valid_licence(user=admin, on=TODAY)
    short = selectors.cme_standing(user=admin, on=TODAY, filters={"shortfall": True})
    licensed = Staff.objects.filter(status="active", title__needs_licence=True).count()
    assert 0.03 <= expiring.count() / licensed <= 0.08
    assert 0.01 <= missing.count() / licensed <= 0.08
    due = selectors.cme_standing(user=admin, on=TODAY).filter(cme_due=True).count()
    assert 0.10 <= short.count() / due <= 0.15
    open_stations = OrgUnit.objects.filter(kind=OrgUnitKind.STATION, closed_on__isnull=True).count()
    no_doctor = stations_without(Q(title__counts_as_doctor=True))
    assert 0.05 <= len(no_doctor) / open_stations <= 0.16
    no_ultrasound = stations_without(Q(certificates__competency__code="sieu-am-tong-quat"))
    assert 0.1 <= len(no_ultrasound) / open_stations <= 0.4
    assert set(no_doctor) != set(no_ultrasound)
    # The station head's own station shows every list too.
    head = User.objects.get(username="station_head")
    assert selectors.licences_expiring(user=head, on=TODAY).exists()
    assert selectors.staff_without_valid_licence(user=head, on=TODAY).exists()
    assert selectors.cme_standing(user=head, on=TODAY, filters={"shortfall": True}).exists()


@pytest.mark.django_db
def test_the_demo_workforce_is_consistent():
    load(workforce=True)
    people = list(Staff.objects.select_related("orgunit"))
    assert all(re.fullmatch(r"\d{12}", p.national_id) for p in people)
    assert all(p.search_text == staff_search_text(p) for p in people)
    assert all(unicodedata.is_normalized("NFC", p.full_name) for p in people)
    assert sum(p.full_name != fold(p.full_name) for p in people) > len(people) * 0.9
    rule = retirement_rule()
    working = [p for p in people if p.status == "active"]
    retiring = [rule.retirement_date(sex=p.sex, birth_date=p.birth_date) for p in working]
    assert all(day > TODAY for day in retiring)
    assert 0.05 <= sum(day <= TODAY.replace(year=TODAY.year + 5) for day in retiring) / len(working) <= 0.2
    for person in people:
        person.full_clean(exclude=["national_id"])  # the unique check would cost a query each
    # Exactly one open posting, at the person's unit, for whoever works; postings follow each other.
    postings: dict[int, list[Posting]] = {}
    for posting in Posting.objects.select_related("orgunit").order_by("started_on", "pk"):
        postings.setdefault(posting.staff_id, []).append(posting)
    for person in people:
        history = postings[person.pk]
        open_ = [p for p in history if p.ended_on is None]
        if person.status == "active":
            assert [p.orgunit_id for p in open_] == [person.orgunit_id]
        else:
            assert not open_ and history[-1].ended_on == person.ended_on
        assert history[0].kind == "hire" and history[0].started_on >= person.started_on
        for before, after in zip(history, history[1:], strict=False):
            assert before.ended_on and before.ended_on < after.started_on
        for posting in history:
            posting.full_clean(exclude=["staff", "orgunit"])
            assert not posting.orgunit.opened_on or posting.started_on >= posting.orgunit.opened_on
    kinds = Counter(Posting.objects.values_list("kind", flat=True))
    assert {"hire", "transfer", "rotation", "secondment", "return"} <= set(kinds)
    assert not Posting.objects.filter(kind__in=["rotation", "secondment"], expected_return_on__isnull=True).exists()
    merged = OrgUnit.objects.filter(kind=OrgUnitKind.STATION, closed_on__isnull=False)
    assert Posting.objects.filter(orgunit__in=merged, ended_on=merged[0].closed_on).count() >= 6 * merged.count()
    # Licences and certificates stay within a working life; CME credits are whole lesson counts.
    for licence in Licence.objects.select_related("staff"):
        licence.full_clean(exclude=["staff"])
        assert licence.issued_on > licence.staff.started_on and licence.issued_on <= TODAY
    assert Licence.objects.filter(valid_until__isnull=True).exists()
    assert not Licence.objects.filter(staff__title__needs_licence=False).exists()
    assert Certificate.objects.values("competency").distinct().count() >= 6
    assert not CmeActivity.objects.filter(Q(ended_on__gt=TODAY) | Q(started_on__gt=F("ended_on"))).exists()
    window = cme_rule().window_start(TODAY)
    assert CmeActivity.objects.filter(ended_on__lt=window).exists()


@pytest.mark.django_db
def test_reset_and_skip_workforce_leave_no_health_workers():
    load(workforce=True)
    assert Staff.objects.exists()
    output = load("--reset")
    assert "Workforce" not in output
    for model in (Staff, Posting, Licence, Certificate, CmeActivity):
        assert not model.objects.exists(), model


@pytest.mark.django_db
def test_demo_users_are_found_by_the_user_search():
    from ytcs.accounts.models import User
    from ytcs.accounts.selectors import user_list

    load("--skip-workforce")
    admin = User.objects.get(username="province_admin")
    assert [u.username for u in user_list(user=admin, filters={"q": "region"})] == ["region_manager"]
