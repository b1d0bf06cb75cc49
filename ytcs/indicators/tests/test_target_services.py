"""Writes of target plans and targets: who may, where, for which years; all or nothing; the audit trail."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from ytcs.core.models import AuditEntry
from ytcs.indicators import target_services as services
from ytcs.indicators.models import Target, TargetPlan
from ytcs.indicators.target_services import TargetInput
from ytcs.indicators.targets import targets_for
from ytcs.indicators.tests.helpers import indicator

pytestmark = pytest.mark.django_db


def make_plan(user, unit, code="KH-RA", start=2024, end=2030, **extra):
    return services.plan_create(
        user=user, orgunit=unit, code=code, name=f"Kế hoạch {code}", start_year=start, end_year=end, **extra
    )


def entries(model, action=None):
    qs = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model))
    return qs.filter(action=action) if action else qs


# ---------------------------------------------------------------------------------------------- rights


def test_a_regional_manager_sets_targets_in_a_plan_of_their_region(world):
    plan = make_plan(world.region_manager, world.region_a, document_number="12/KH-TTYT")
    counts = services.targets_set(
        user=world.region_manager,
        plan=plan,
        items=[
            TargetInput(indicator("BS_10000"), world.region_a, 2025, 10.5),
            TargetInput(indicator("BS_10000"), world.station_a1, 2030, 12),
        ],
    )
    assert (counts.created, counts.updated, counts.deleted) == (2, 0, 0)
    assert sorted(Target.objects.filter(plan=plan).values_list("orgunit__code", "year", "value")) == [
        ("A1", 2030, 12.0),
        ("RA", 2025, 10.5),
    ]


def test_a_regional_manager_cannot_set_targets_in_the_province_plan(world):
    plan = make_plan(world.province_admin, world.province, code="KH-TINH")
    with pytest.raises(PermissionDenied):
        services.targets_set(
            user=world.region_manager, plan=plan, items=[TargetInput(indicator("BS_10000"), world.region_a, 2025, 9)]
        )
    with pytest.raises(PermissionDenied):
        services.target_set(
            user=world.region_manager,
            plan=plan,
            indicator=indicator("BS_10000"),
            orgunit=world.region_a,
            year=2025,
            value=9,
        )
    with pytest.raises(PermissionDenied):
        services.plan_update(user=world.region_manager, plan=plan, name="Đổi tên")
    with pytest.raises(PermissionDenied):
        services.plan_delete(user=world.region_manager, plan=plan)
    assert not Target.objects.exists()
    assert TargetPlan.objects.get(pk=plan.pk).name == "Kế hoạch KH-TINH"


@pytest.mark.parametrize("persona", ["station_head", "data_clerk", "viewer", "province_viewer", "outsider"])
def test_others_cannot_record_a_plan_or_set_its_targets(world, persona):
    user = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        make_plan(user, world.region_a)
    plan = make_plan(world.region_manager, world.region_a)
    with pytest.raises(PermissionDenied):
        services.targets_set(
            user=user, plan=plan, items=[TargetInput(indicator("BS_10000"), world.station_a1, 2025, 1)]
        )
    assert TargetPlan.objects.count() == 1 and not Target.objects.exists()


def test_a_province_administrator_manages_plans_of_any_unit(world):
    plan = make_plan(world.province_admin, world.region_b, code="KH-RB")
    target = services.target_set(
        user=world.province_admin,
        plan=plan,
        indicator=indicator("TYT_CO_BS"),
        orgunit=world.station_b1,
        year=2030,
        value=100,
        applies_below=False,
        note="Quyết định 281/QĐ-TTg",
    )
    assert target.pk and target.note == "Quyết định 281/QĐ-TTg"


# ---------------------------------------------------------------------------------------------- checks


def test_a_target_outside_the_plan_unit_or_years_is_refused_and_nothing_is_saved(world):
    plan = make_plan(world.province_admin, world.region_a, start=2025, end=2030)
    items = [
        TargetInput(indicator("BS_10000"), world.region_a, 2025, 10),
        TargetInput(indicator("BS_10000"), world.station_b1, 2025, 10),
        TargetInput(indicator("BS_10000"), world.station_a1, 2031, 10),
        TargetInput(indicator("BS_10000"), world.region_a, 2025, 11),
    ]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.targets_set(user=world.province_admin, plan=plan, items=items)
    errors = caught.value.message_dict
    assert set(errors) == {"1.orgunit", "2.year", "3.year"}
    assert errors["1.orgunit"] == ["B1 is not RA or a unit under it."]
    assert errors["2.year"] == ["The plan covers 2025–2030."]
    assert "given twice (also at 0)" in errors["3.year"][0]
    assert not Target.objects.exists()
    assert not entries(Target).exists()


def test_values_are_read_as_users_type_them():
    assert services.parse_target_value("80,5") == 80.5
    assert services.parse_target_value("1.234,5") == 1234.5
    assert services.parse_target_value(" 13.5 ") == 13.5
    assert services.parse_target_value("95%") == 95
    assert services.parse_target_value("") is None
    for bad in ("nhiều", "1e999", "nan"):
        with pytest.raises(ValidationError):
            services.parse_target_value(bad)


def test_the_years_of_a_plan_must_keep_its_targets(world):
    plan = make_plan(world.region_manager, world.region_a, start=2024, end=2030)
    services.target_set(
        user=world.region_manager,
        plan=plan,
        indicator=indicator("BS_10000"),
        orgunit=world.region_a,
        year=2030,
        value=12,
    )
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.plan_update(user=world.region_manager, plan=plan, end_year=2028)
    assert "(2030)" in caught.value.message_dict["start_year"][0]
    with pytest.raises(ValidationError) as caught:
        services.plan_update(user=world.region_manager, plan=plan, start_year=2031, end_year=2030)
    assert "end_year" in caught.value.message_dict
    assert TargetPlan.objects.get(pk=plan.pk).end_year == 2030


def test_the_code_new_is_reserved_for_the_page_that_records_a_plan(world):
    with pytest.raises(ValidationError) as caught:
        make_plan(world.province_admin, world.province, code="new")
    assert "code" in caught.value.message_dict


# ---------------------------------------------------------------------------------------------- writes and audit


def test_setting_again_changes_removes_and_keeps_targets_and_audits_each(world):
    plan = make_plan(world.region_manager, world.region_a)
    assert entries(TargetPlan, "create").get().actor == world.region_manager
    bs = indicator("BS_10000")
    services.targets_set(
        user=world.region_manager,
        plan=plan,
        items=[
            TargetInput(bs, world.region_a, 2025, 10),
            TargetInput(bs, world.region_a, 2030, 13.5, note="Chỉ thị 25-CT/TW"),
            TargetInput(bs, world.station_a1, 2030, 8),
        ],
        source="ui",
    )
    created = entries(Target, "create")
    assert created.count() == 3
    assert set(created.values_list("source", flat=True)) == {"ui"}
    assert created.filter(object_repr="BS_10000 RA 2030: 13.5").get().changes["note"] == [None, "Chỉ thị 25-CT/TW"]

    counts = services.targets_set(
        user=world.region_manager,
        plan=plan,
        items=[
            TargetInput(bs, world.region_a, 2025, 10),  # unchanged
            TargetInput(bs, world.region_a, 2030, 14),  # changed, note kept
            TargetInput(bs, world.station_a1, 2030, None),  # removed
        ],
    )
    assert (counts.created, counts.updated, counts.deleted, counts.unchanged) == (0, 1, 1, 1)
    assert sorted(Target.objects.values_list("orgunit__code", "year", "value", "note")) == [
        ("RA", 2025, 10.0, ""),
        ("RA", 2030, 14.0, "Chỉ thị 25-CT/TW"),
    ]
    update = entries(Target, "update").get()
    assert update.changes == {"value": [13.5, 14.0]}
    assert update.actor == world.region_manager
    assert entries(Target, "delete").get().object_repr == "BS_10000 A1 2030: 8"


def test_deleting_a_plan_removes_and_audits_its_targets(world):
    plan = make_plan(world.region_manager, world.region_a)
    services.targets_set(
        user=world.region_manager,
        plan=plan,
        items=[TargetInput(indicator("BS_10000"), world.region_a, y, 10 + y - 2025) for y in (2025, 2026, 2027)],
    )
    assert services.plan_delete(user=world.region_manager, plan=plan) == 3
    assert not TargetPlan.objects.exists() and not Target.objects.exists()
    assert entries(Target, "delete").count() == 3
    assert entries(TargetPlan, "delete").get().actor == world.region_manager


def test_a_target_for_each_unit_below_is_the_target_of_units_without_their_own(world):
    plan = make_plan(world.region_manager, world.region_a)
    ind = indicator("TYT_CO_BS")
    services.targets_set(
        user=world.region_manager,
        plan=plan,
        items=[
            TargetInput(ind, world.region_a, 2030, 100, applies_below=True),
            TargetInput(ind, world.station_a2, 2030, 50),
        ],
    )
    found = targets_for(user=world.viewer, indicator=ind, units=[world.station_a1, world.station_a2], plan=plan)
    assert found.for_year(world.station_a1, 2030).value == 100 and found.for_year(world.station_a1, 2030).inherited
    assert found.for_year(world.station_a2, 2030).value == 50


def test_removing_one_target_is_audited(world):
    plan = make_plan(world.region_manager, world.region_a)
    target = services.target_set(
        user=world.region_manager,
        plan=plan,
        indicator=indicator("BS_10000"),
        orgunit=world.station_a2,
        year=2026,
        value=5,
    )
    services.target_delete(user=world.region_manager, target=target)
    assert not Target.objects.exists()
    assert entries(Target, "delete").get().actor == world.region_manager
    with pytest.raises(PermissionDenied):
        other = services.target_set(
            user=world.region_manager,
            plan=plan,
            indicator=indicator("BS_10000"),
            orgunit=world.station_a2,
            year=2026,
            value=5,
        )
        services.target_delete(user=world.station_head, target=other)
