"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

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
