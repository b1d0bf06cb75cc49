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


def course(code: str = "dien-tam-do"):
    """A course from the catalogue the migrations load (cme-co-so, sieu-am-tong-quat, dien-tam-do...)."""
    from ytcs.training.models import Course

    return Course.objects.get(code=code)


class TrainingPlanFactory(factory.django.DjangoModelFactory):
    """A draft training plan of `orgunit`."""

    class Meta:
        model = "training.TrainingPlan"

    orgunit = factory.SubFactory(OrgUnitFactory)
    year = 2027
    name = factory.Sequence(lambda n: f"Kế hoạch đào tạo {n}")


class PlannedCourseFactory(factory.django.DjangoModelFactory):
    """A line of a plan: a course for the units of `group` (the plan's unit unless given)."""

    class Meta:
        model = "training.PlannedCourse"

    plan = factory.SubFactory(TrainingPlanFactory)
    course = factory.LazyFunction(course)
    group = factory.LazyAttribute(lambda o: o.plan.orgunit)
    classes = 1
    budget = 0


class TrainingClassFactory(factory.django.DjangoModelFactory):
    """A scheduled class of the ECG course run by `orgunit`, a week in March 2026."""

    class Meta:
        model = "training.TrainingClass"

    orgunit = factory.SubFactory(OrgUnitFactory)
    course = factory.LazyFunction(course)
    code = factory.Sequence(lambda n: f"LOP-{n:04d}")
    name = factory.LazyAttribute(lambda o: o.course.name)
    provider = "Bệnh viện Đa khoa tỉnh"
    starts_on = datetime.date(2026, 3, 2)
    ends_on = datetime.date(2026, 3, 6)
    capacity = 30
    credits = factory.LazyAttribute(lambda o: o.course.credits)
    competency = factory.LazyAttribute(lambda o: o.course.competency)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from ytcs.training.services import class_search_text

        training_class = model_class(*args, **kwargs)
        training_class.search_text = class_search_text(training_class)
        training_class.save()
        return training_class


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "training.Enrolment"

    training_class = factory.SubFactory(TrainingClassFactory)
    staff = factory.SubFactory(StaffFactory)


class SponsorshipFactory(factory.django.DjangoModelFactory):
    """A person sent by `orgunit` for a 4-year doctor's degree, committed to serve 5 years there."""

    class Meta:
        model = "training.Sponsorship"

    orgunit = factory.SubFactory(OrgUnitFactory)
    serve_unit = factory.LazyAttribute(lambda o: o.orgunit)
    kind = "addressed"
    trainee_name = factory.Sequence(lambda n: f"Lê Văn Học {n}")
    programme = "Bác sĩ đa khoa"
    level = "university"
    institution = "Trường Đại học Y Dược Huế"
    starts_on = datetime.date(2022, 9, 5)
    expected_return_on = datetime.date(2026, 7, 31)
    cost = 240_000_000
    commitment_years = 5

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from ytcs.training.services import sponsorship_search_text

        sponsorship = model_class(*args, **kwargs)
        sponsorship.search_text = sponsorship_search_text(sponsorship)
        sponsorship.save()
        return sponsorship


ASSESSMENT_TEST_FRAMEWORK = {
    "code": "thu-nghiem",
    "version": "2026",
    "name": "Bộ tiêu chí thử nghiệm",
    "source": "Tệp thử nghiệm",
    "unit_kinds": ["station"],
    "scoring": "points",
    "pass_rule": {"total_min": 4, "confirmed": False, "source": "thử"},
    "criteria": [
        {
            "code": "TC2",
            "name": "Nhân lực y tế",
            "max_points": 4,
            "min_points": 2,
            "items": [
                {
                    "code": "TC2.1",
                    "text": "Trạm có bác sĩ",
                    "type": "yes_no",
                    "max_points": 2,
                    "prefill": "station_has_doctor",
                },
                {
                    "code": "TC2.2",
                    "text": "Số người có chứng chỉ siêu âm",
                    "type": "number",
                    "prefill": "staff_with_competency:sieu-am-tong-quat",
                    "thresholds": [{"min": 1, "points": 2}],
                },
            ],
        },
        {
            "code": "TC3",
            "name": "Cơ sở hạ tầng",
            "max_points": 2,
            "items": [
                {
                    "code": "TC3.1",
                    "text": "Trạm có nước sạch",
                    "type": "yes_no",
                    "max_points": 2,
                    "evidence_required": True,
                },
            ],
        },
    ],
}
"""A small framework for tests: two criteria, a pre-filled yes/no, a pre-filled number, an item needing evidence."""


def assessment_framework(user, data=None):
    """Import the test framework (or `data`) as `user` (a catalogue manager)."""
    from ytcs.assessments.services import framework_import

    return framework_import(user=user, data=data or ASSESSMENT_TEST_FRAMEWORK)
