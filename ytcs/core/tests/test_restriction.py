"""The one restriction point: scope by org-unit subtree and role, and a lint that forbids bypassing it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ytcs.accounts.roles import Role
from ytcs.core.testing.factories import RoleAssignmentFactory, UserFactory
from ytcs.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_each_persona_sees_its_subtree(world):
    assert codes(OrgUnit.objects.restrict(world.province_admin)) == {"PROV", "RA", "RB", "A1", "A2", "B1", "A1A"}
    assert codes(OrgUnit.objects.restrict(world.region_manager)) == {"RA", "A1", "A2", "A1A"}
    assert codes(OrgUnit.objects.restrict(world.station_head)) == {"A1", "A1A"}
    assert codes(OrgUnit.objects.restrict(world.outsider)) == {"RB", "B1"}


def test_read_only_roles_have_an_empty_change_scope(world):
    assert not OrgUnit.objects.restrict(world.viewer, "change").exists()
    assert not OrgUnit.objects.restrict(world.province_viewer, "change").exists()
    assert not OrgUnit.objects.restrict(world.data_clerk, "change").exists()
    assert codes(OrgUnit.objects.restrict(world.viewer)) == {"RA", "A1", "A2", "A1A"}


def test_a_user_without_roles_sees_nothing_and_a_superuser_everything(world):
    assert not OrgUnit.objects.restrict(UserFactory(username="nobody")).exists()
    assert OrgUnit.objects.restrict(world.superuser).count() == OrgUnit.objects.count()


def test_an_inactive_user_sees_nothing(world):
    world.region_manager.is_active = False
    world.region_manager.save()
    assert not OrgUnit.objects.restrict(world.region_manager).exists()


def test_roles_on_two_units_add_up_and_a_path_prefix_does_not_leak(world):
    user = UserFactory(username="two_roles")
    RoleAssignmentFactory(user=user, role=Role.STATION_HEAD, orgunit=world.station_a2)
    RoleAssignmentFactory(user=user, role=Role.VIEWER, orgunit=world.station_b1)
    assert codes(OrgUnit.objects.restrict(user)) == {"A2", "B1"}
    assert codes(OrgUnit.objects.restrict(user, "change")) == {"A2"}


def test_a_unit_whose_id_extends_another_id_is_not_in_its_subtree(world):
    """Path /1/2/ must not match /1/29/ (a unit whose id starts with region A's id)."""
    from ytcs.core.testing.factories import OrgUnitFactory

    lookalike = OrgUnitFactory(code="Z9", name="Trung tâm khác", kind="regional_centre", parent=world.province)
    OrgUnit.objects.filter(pk=lookalike.pk).update(path=world.region_a.path[:-1] + "9/")
    assert OrgUnit.objects.get(pk=lookalike.pk).path.startswith(world.region_a.path[:-1])
    assert "Z9" not in codes(OrgUnit.objects.restrict(world.region_manager))
    assert "Z9" in codes(OrgUnit.objects.restrict(world.province_admin))


FORBIDDEN = re.compile(r"\.objects\.|\._default_manager|\._base_manager")


def _scoped_modules():
    for path in sorted((ROOT / "ytcs").rglob("*.py")):
        rel = path.relative_to(ROOT)
        if "tests" in rel.parts or "migrations" in rel.parts:
            continue
        if (path.name.startswith("views") or path.name.endswith("views.py")) or "api" in rel.parts:
            yield path


def test_views_and_api_never_bypass_the_restriction_point():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _scoped_modules()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert offenders == [], "query through selectors (restrict) instead:\n" + "\n".join(offenders)


def test_the_lint_sees_the_modules_it_guards():
    names = {p.relative_to(ROOT).as_posix() for p in _scoped_modules()}
    assert "ytcs/orgunits/views.py" in names and "ytcs/orgunits/api/views.py" in names
    assert "ytcs/training/views_plans.py" in names and "ytcs/workforce/indicator_views.py" in names


def test_rows_of_units_above_are_seen_only_by_models_that_open_them_and_never_changed(world):
    from ytcs.core.querysets import CHANGE, VIEW
    from ytcs.core.testing.factories import TrainingPlanFactory
    from ytcs.training.models import TrainingPlan

    provincial = TrainingPlanFactory(orgunit=world.province)
    assert TrainingPlan.objects.restrict(world.station_head, VIEW).filter(pk=provincial.pk).exists()
    assert not TrainingPlan.objects.restrict(world.station_head, CHANGE).filter(pk=provincial.pk).exists()
    # Units themselves stay closed upwards: a station head does not see the province's record.
    assert not OrgUnit.objects.restrict(world.station_head, VIEW).filter(pk=world.province.pk).exists()


def test_ancestor_paths():
    from ytcs.core.querysets import ancestor_paths

    assert ancestor_paths("/1/7/42/") == ["/1/", "/1/7/"]
    assert ancestor_paths("/1/") == []
