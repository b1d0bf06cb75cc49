"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import datetime

import factory

from ytcs.accounts.models import RoleAssignment, User
from ytcs.core.text import fold
from ytcs.orgunits.models import OrgUnit, OrgUnitKind, Population
from ytcs.orgunits.services import orgunit_search_text, place_level

PASSWORD = "ytcs-test-pass-2025"


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"Trạm Y tế xã Số {n}")
    kind = OrgUnitKind.STATION

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        unit = model_class(*args, **kwargs)
        unit.search_text = orgunit_search_text(unit)
        unit.level = unit.parent.level + 1 if unit.parent_id else 1
        unit.save()
        # Tests build trees directly: place the unit the way the services and loaders do.
        place_level(OrgUnit.objects.filter(pk=unit.pk), level=unit.level)
        unit.refresh_from_db()
        return unit


class PopulationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Population

    orgunit = factory.SubFactory(OrgUnitFactory)
    year = 2025
    population = 10000


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    search_text = factory.LazyAttribute(lambda o: fold(f"{o.username} {o.full_name}"))
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    orgunit = factory.SubFactory(OrgUnitFactory)
    role = "viewer"


def title(code: str = "bac-si"):
    """A professional title from the catalogue the migrations load."""
    from ytcs.workforce.models import Title

    return Title.objects.get(code=code)


class StaffFactory(factory.django.DjangoModelFactory):
    """A working health worker with their open posting at `orgunit` (as `staff_create` leaves them)."""

    class Meta:
        model = "workforce.Staff"

    full_name = factory.Sequence(lambda n: f"Trần Thị Mẫu {n}")
    sex = "female"
    birth_date = datetime.date(1985, 3, 14)
    national_id = factory.Sequence(lambda n: f"{1_000_000_00000 + n:012d}")
    title = factory.LazyFunction(title)
    qualification = "university"
    employment_type = "civil_servant"
    position = "staff"
    orgunit = factory.SubFactory(OrgUnitFactory)
    started_on = datetime.date(2010, 9, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from ytcs.workforce.models import Posting
        from ytcs.workforce.services import staff_search_text

        staff = model_class(*args, **kwargs)
        staff.search_text = staff_search_text(staff)
        staff.save()
        Posting.objects.create(
            staff=staff,
            orgunit=staff.orgunit,
            kind="hire",
            started_on=staff.started_on,
            ended_on=staff.ended_on,
        )
        return staff
