from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ytcs.core.models import AuditEntry
from ytcs.core.testing.factories import StaffFactory, title
from ytcs.workforce.models import Competency, Posting, Staff
from ytcs.workforce.services import (
    certificate_save,
    cme_save,
    licence_save,
    record_delete,
    staff_create,
    staff_end,
    staff_move,
    staff_update,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def new_staff(world, user=None, **overrides):
    fields = {
        "full_name": "  Nguyễn   Thu Hà ",
        "sex": "female",
        "birth_date": D(1990, 4, 2),
        "national_id": "001190012345",
        "title": title("dieu-duong"),
        "qualification": "college",
        "employment_type": "civil_servant",
        "orgunit": world.station_a1,
        "started_on": D(2012, 8, 1),
    }
    fields.update(overrides)
    return staff_create(user=user or world.station_head, **fields)


def test_it_registers_a_person_with_a_first_posting_and_audits_both(world):
    staff = new_staff(world)
    assert staff.full_name == "Nguyễn Thu Hà" and staff.search_text == "nguyen thu ha 001190012345"
    posting = staff.postings.get()
    assert (posting.orgunit, posting.kind, posting.started_on, posting.ended_on) == (
        world.station_a1,
        "hire",
        D(2012, 8, 1),
        None,
    )
    assert AuditEntry.objects.filter(actor=world.station_head, action="create").count() == 2


@pytest.mark.parametrize("bad", ["12345678901", "1234567890123", "00119001234a"])
def test_it_rejects_a_citizen_id_that_is_not_12_digits(world, bad):
    with pytest.raises(ValidationError) as exc:
        new_staff(world, national_id=bad)
    assert "national_id" in exc.value.message_dict
    assert not Staff.objects.exists()


def test_it_rejects_a_duplicate_citizen_id(world):
    new_staff(world)
    with pytest.raises(ValidationError) as exc:
        new_staff(world, full_name="Người khác")
    assert "national_id" in exc.value.message_dict


def test_it_rejects_impossible_dates(world):
    with pytest.raises(ValidationError) as exc:
        new_staff(world, started_on=D(2000, 1, 1))  # aged 9
    assert "started_on" in exc.value.message_dict


def test_a_station_head_registers_only_at_their_own_station(world):
    with pytest.raises(PermissionDenied):
        new_staff(world, orgunit=world.station_a2)
    with pytest.raises(PermissionDenied):
        new_staff(world, user=world.viewer)


def test_update_cannot_change_the_unit_or_status(world):
    staff = new_staff(world)
    with pytest.raises(TypeError):
        staff_update(user=world.station_head, staff=staff, orgunit=world.station_a2)
    updated = staff_update(user=world.station_head, staff=staff, phone="0912 345 678")
    assert updated.phone == "0912 345 678"
    assert AuditEntry.objects.filter(action="update").get().changes == {"phone": ["", "0912 345 678"]}


def test_a_transfer_closes_the_posting_and_opens_one_at_the_new_unit(world):
    staff = StaffFactory(orgunit=world.station_a1, started_on=D(2015, 1, 1))
    staff_move(user=world.region_manager, staff=staff, to_unit=world.station_a2, kind="transfer", on=D(2025, 3, 1))
    staff.refresh_from_db()
    assert staff.orgunit == world.station_a2
    old, new = staff.postings.order_by("started_on")
    assert old.ended_on == D(2025, 2, 28) and new.started_on == D(2025, 3, 1) and new.ended_on is None


def test_a_move_between_regions_needs_rights_on_both_ends(world):
    staff = StaffFactory(orgunit=world.station_a1)
    with pytest.raises(PermissionDenied):
        staff_move(user=world.region_manager, staff=staff, to_unit=world.station_b1, kind="transfer", on=D(2025, 3, 1))
    with pytest.raises(PermissionDenied):
        staff_move(user=world.outsider, staff=staff, to_unit=world.station_b1, kind="transfer", on=D(2025, 3, 1))
    assert Posting.objects.filter(staff=staff).count() == 1
    staff_move(user=world.province_admin, staff=staff, to_unit=world.station_b1, kind="transfer", on=D(2025, 3, 1))
    assert Staff.objects.get(pk=staff.pk).orgunit == world.station_b1


def test_a_secondment_needs_an_expected_return(world):
    staff = StaffFactory(orgunit=world.station_a1)
    with pytest.raises(ValidationError) as exc:
        staff_move(user=world.region_manager, staff=staff, to_unit=world.region_a, kind="secondment", on=D(2025, 3, 1))
    assert "expected_return_on" in exc.value.message_dict
    posting = staff_move(
        user=world.region_manager,
        staff=staff,
        to_unit=world.region_a,
        kind="secondment",
        on=D(2025, 3, 1),
        expected_return_on=D(2026, 3, 1),
        decision="123/QĐ-TTYT",
    )
    assert posting.expected_return_on == D(2026, 3, 1)


def test_a_move_must_follow_the_current_posting(world):
    staff = StaffFactory(orgunit=world.station_a1, started_on=D(2020, 5, 1))
    with pytest.raises(ValidationError) as exc:
        staff_move(user=world.region_manager, staff=staff, to_unit=world.station_a2, kind="transfer", on=D(2020, 5, 1))
    assert "on" in exc.value.message_dict


def test_retirement_ends_the_posting_and_blocks_further_moves(world):
    staff = StaffFactory(orgunit=world.station_a1, birth_date=D(1964, 2, 2), started_on=D(1990, 1, 1))
    staff_end(user=world.station_head, staff=staff, status="retired", on=D(2025, 6, 30))
    staff.refresh_from_db()
    assert (staff.status, staff.ended_on) == ("retired", D(2025, 6, 30))
    assert staff.postings.get().ended_on == D(2025, 6, 30)
    with pytest.raises(ValidationError):
        staff_move(user=world.region_manager, staff=staff, to_unit=world.station_a2, kind="transfer", on=D(2025, 8, 1))


def test_licences_certificates_and_cme_are_validated_and_audited(world):
    staff = StaffFactory(orgunit=world.station_a1)
    with pytest.raises(ValidationError):
        licence_save(
            user=world.station_head,
            staff=staff,
            number="1",
            issuer="Sở Y tế",
            issued_on=D(2024, 5, 1),
            valid_until=D(2024, 4, 1),
        )
    licence = licence_save(
        user=world.station_head,
        staff=staff,
        number="001234/HT-CCHN",
        issuer="Sở Y tế",
        issued_on=D(2024, 5, 1),
        valid_until=D(2029, 5, 1),
    )
    cert = certificate_save(
        user=world.station_head,
        staff=staff,
        competency=Competency.objects.get(code="sieu-am-tong-quat"),
        issued_on=D(2023, 1, 1),
    )
    cme = cme_save(
        user=world.station_head,
        staff=staff,
        name="Cập nhật xử trí tăng huyết áp",
        started_on=D(2025, 1, 5),
        ended_on=D(2025, 1, 7),
        credits=16,
    )
    assert (licence.pk, cert.pk, cme.credits) != (None, None, 0)
    record_delete(user=world.station_head, record=cme)
    assert AuditEntry.objects.filter(action="delete", content_type__model="cmeactivity").exists()
    with pytest.raises(PermissionDenied):
        licence_save(user=world.viewer, staff=staff, licence=licence, number="X")


def test_certificate_expiry_follows_the_catalogue_validity(world):
    competency = Competency.objects.get(code="dien-tam-do")
    competency.validity_years = 3
    competency.save()
    staff = StaffFactory(orgunit=world.station_a1)
    cert = certificate_save(user=world.station_head, staff=staff, competency=competency, issued_on=D(2024, 2, 29))
    assert cert.expires_on == D(2027, 2, 28)


def test_someone_born_on_29_february_can_be_registered(world):
    staff = new_staff(world, birth_date=D(1992, 2, 29), started_on=D(2014, 3, 1))
    assert staff.birth_date == D(1992, 2, 29)


def test_moves_and_departures_are_recorded_on_or_after_the_day_not_in_advance(world):
    staff = StaffFactory(orgunit=world.station_a1)
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as exc:
        staff_move(user=world.region_manager, staff=staff, to_unit=world.station_a2, kind="transfer", on=tomorrow)
    assert "on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        staff_end(user=world.region_manager, staff=staff, status="retired", on=tomorrow)
    assert Staff.objects.get(pk=staff.pk).orgunit == world.station_a1


def test_implausible_birth_and_start_dates_are_refused_on_every_channel(world):
    with pytest.raises(ValidationError) as exc:
        new_staff(world, birth_date=D(1800, 1, 1), started_on=D(1820, 1, 1))
    assert "birth_date" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        new_staff(world, started_on=datetime.date.today() + datetime.timedelta(days=30))
    assert "started_on" in exc.value.message_dict


def test_the_sector_start_cannot_move_after_the_first_posting(world):
    staff = new_staff(world)
    with pytest.raises(ValidationError) as exc:
        staff_update(user=world.station_head, staff=staff, started_on=D(2015, 1, 1))
    assert "started_on" in exc.value.message_dict


def test_a_certificate_expiry_follows_a_corrected_issue_date(world):
    competency = Competency.objects.get(code="dien-tam-do")
    competency.validity_years = 2
    competency.save()
    staff = StaffFactory(orgunit=world.station_a1)
    cert = certificate_save(user=world.station_head, staff=staff, competency=competency, issued_on=D(2023, 1, 1))
    cert = certificate_save(user=world.station_head, staff=staff, certificate=cert, issued_on=D(2024, 6, 1))
    assert cert.expires_on == D(2026, 6, 1)


def test_catalogue_changes_are_audited(world):
    from ytcs.workforce.catalogue_services import title_save

    doctor = title("bac-si")
    title_save(user=world.province_admin, title=doctor, counts_as_doctor=False)
    entry = AuditEntry.objects.get(content_type__model="title")
    assert entry.actor == world.province_admin and entry.changes["counts_as_doctor"] == [True, False]
