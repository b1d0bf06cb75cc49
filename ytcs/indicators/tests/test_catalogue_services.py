"""Catalogue services: who may write, option combos regenerated, every refusal that protects values and expressions,
and the audit trail."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from ytcs.core.models import AuditEntry
from ytcs.indicators import catalogue_services as services
from ytcs.indicators.models import (
    Category,
    CategoryCombo,
    CategoryOptionCombo,
    Constant,
    DataElement,
    DataSet,
    DataSetElement,
    Indicator,
    Target,
    TargetPlan,
    ValidationRule,
)
from ytcs.indicators.tests.helpers import data_set, element, indicator, put

pytestmark = pytest.mark.django_db


def sex() -> Category:
    return Category.objects.get(code="GIOI_TINH")


def age_group(user) -> Category:
    return services.category_save(
        user=user,
        code="DO_TUOI",
        name="Nhóm tuổi",
        options=[("DUOI5", "Dưới 5 tuổi"), ("5_14", "5–14 tuổi"), ("TU15", "Từ 15 tuổi")],
    )


def sex_by_age(user) -> CategoryCombo:
    return services.category_combo_save(
        user=user, code="GT_TUOI", name="Theo giới tính và nhóm tuổi", categories=[sex(), age_group(user)]
    )


def messages(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


# ---------------------------------------------------------------------------------------------- rights


@pytest.mark.parametrize("persona", ["region_manager", "province_viewer", "station_head", "data_clerk", "viewer"])
def test_only_province_administrators_change_the_catalogue(world, persona):
    user = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        services.constant_save(user=user, code="PI", name="Pi", value=3.14)
    with pytest.raises(PermissionDenied):
        services.data_element_delete(user=user, element=element("GIUONG_BENH"))
    assert not Constant.objects.filter(code="PI").exists()


@pytest.mark.parametrize("persona", ["province_admin", "superuser"])
def test_province_administrators_and_superusers_change_the_catalogue(world, persona):
    constant = services.constant_save(user=getattr(world, persona), code="PI", name="Pi", value=3.14)
    assert Constant.objects.get(code="PI").value == pytest.approx(3.14) and constant.pk


# ---------------------------------------------------------------------------------------------- disaggregation


def test_sex_by_age_group_gets_one_option_combo_per_cell(world):
    combo_ = sex_by_age(world.province_admin)
    cells = list(CategoryOptionCombo.objects.filter(combo=combo_).order_by("sort_order"))
    # Categories are crossed in code order (DO_TUOI before GIOI_TINH), options in their order.
    assert [(c.code, c.name) for c in cells] == [
        ("DUOI5_NAM", "Dưới 5 tuổi, Nam"),
        ("DUOI5_NU", "Dưới 5 tuổi, Nữ"),
        ("5_14_NAM", "5–14 tuổi, Nam"),
        ("5_14_NU", "5–14 tuổi, Nữ"),
        ("TU15_NAM", "Từ 15 tuổi, Nam"),
        ("TU15_NU", "Từ 15 tuổi, Nữ"),
    ]
    assert {o.code for o in cells[0].options.all()} == {"DUOI5", "NAM"}


def test_adding_an_option_adds_option_combos_and_keeps_the_others(world):
    combo_ = sex_by_age(world.province_admin)
    before = dict(CategoryOptionCombo.objects.filter(combo=combo_).values_list("code", "pk"))
    services.category_save(
        user=world.province_admin,
        category=Category.objects.get(code="DO_TUOI"),
        code="DO_TUOI",
        name="Nhóm tuổi",
        options=[("DUOI1", "Dưới 1 tuổi"), ("DUOI5", "Dưới 5 tuổi"), ("5_14", "5–14 tuổi"), ("TU15", "Từ 15")],
    )
    after = dict(CategoryOptionCombo.objects.filter(combo=combo_).values_list("code", "pk"))
    assert len(after) == 8
    assert {code: after[code] for code in before} == before
    assert CategoryOptionCombo.objects.get(code="TU15_NU").name == "Từ 15, Nữ"


def test_removing_an_option_whose_option_combos_hold_values_is_refused(world):
    combo_ = sex_by_age(world.province_admin)
    new = services.data_element_save(
        user=world.province_admin, code="KHAM_TRE", name="Lượt khám theo tuổi", category_combo=combo_
    )
    put(world.province_admin, [(new.code, "DUOI5_NU", world.station_a1, "202501", 4)])
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.category_save(
            user=world.province_admin,
            category=Category.objects.get(code="DO_TUOI"),
            code="DO_TUOI",
            name="Nhóm tuổi",
            options=[("5_14", "5–14 tuổi"), ("TU15", "Từ 15 tuổi")],
        )
    assert "DUOI5_NU" in messages(exc) and "holds values" in messages(exc)
    assert "options" in exc.value.message_dict
    # Nothing changed: the options and the option combos are all still there.
    assert Category.objects.get(code="DO_TUOI").options.count() == 3
    assert CategoryOptionCombo.objects.filter(combo=combo_).count() == 6


def test_removing_an_option_without_values_removes_its_option_combos(world):
    combo_ = sex_by_age(world.province_admin)
    services.category_save(
        user=world.province_admin,
        category=Category.objects.get(code="DO_TUOI"),
        code="DO_TUOI",
        name="Nhóm tuổi",
        options=[("5_14", "5–14 tuổi"), ("TU15", "Từ 15 tuổi")],
    )
    assert set(CategoryOptionCombo.objects.filter(combo=combo_).values_list("code", flat=True)) == {
        "5_14_NAM",
        "5_14_NU",
        "TU15_NAM",
        "TU15_NU",
    }


def test_removing_an_option_combo_an_expression_names_is_refused(world):
    combo_ = sex_by_age(world.province_admin)
    new = services.data_element_save(user=world.province_admin, code="KHAM_TRE", name="Khám trẻ", category_combo=combo_)
    services.indicator_save(
        user=world.province_admin, code="KHAM_TRE_NU", name="Khám trẻ gái", numerator=f"#{{{new.code}.DUOI5_NU}}"
    )
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.category_combo_save(
            user=world.province_admin, combo=combo_, code=combo_.code, name=combo_.name, categories=[sex()]
        )
    assert "KHAM_TRE_NU" in messages(exc)
    assert CategoryOptionCombo.objects.filter(combo=combo_).count() == 6


def test_a_second_disaggregation_crossing_the_same_categories_is_refused(world):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.category_combo_save(user=world.province_admin, code="GT2", name="Giới tính (2)", categories=[sex()])
    assert "NAM" in messages(exc) and "Theo giới tính" in messages(exc)
    assert not CategoryCombo.objects.filter(code="GT2").exists()


def test_the_default_disaggregation_is_built_in(world):
    default = CategoryCombo.objects.get(code="default")
    with pytest.raises(ValidationError):
        services.category_combo_save(user=world.province_admin, combo=default, code="default", name="Mặc định")
    with pytest.raises(ValidationError):
        services.category_combo_delete(user=world.province_admin, combo=default)


def test_a_disaggregation_in_use_and_a_category_in_use_are_not_deleted(world):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.category_combo_delete(user=world.province_admin, combo=CategoryCombo.objects.get(code="GIOI_TINH"))
    assert "KCB_LUOT" in messages(exc)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.category_delete(user=world.province_admin, category=sex())
    assert "Theo giới tính" in messages(exc)
    assert Category.objects.filter(code="GIOI_TINH").exists()


def test_an_unused_disaggregation_and_category_are_deleted_with_their_option_combos(world):
    combo_ = sex_by_age(world.province_admin)
    services.category_combo_delete(user=world.province_admin, combo=combo_)
    assert not CategoryOptionCombo.objects.filter(code="DUOI5_NU").exists()
    services.category_delete(user=world.province_admin, category=Category.objects.get(code="DO_TUOI"))
    assert not Category.objects.filter(code="DO_TUOI").exists()


def test_a_category_needs_options_with_distinct_valid_codes(world):
    with pytest.raises(ValidationError) as exc:
        services.category_save(user=world.province_admin, code="X", name="X", options=[])
    assert "options" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.category_save(user=world.province_admin, code="X", name="X", options=[("A", "a"), ("A", "b")])
    assert "options" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.category_save(user=world.province_admin, code="X", name="X", options=[("có dấu", "a")])
    assert "options" in exc.value.message_dict
    assert not Category.objects.filter(code="X").exists()


# ---------------------------------------------------------------------------------------------- data elements


def test_the_disaggregation_of_a_data_element_with_values_cannot_change(world):
    put(world.province_admin, [("DE_TAI_TRAM", world.station_a1, "202501", 3)])
    de = element("DE_TAI_TRAM")
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.data_element_save(
            user=world.province_admin, element=de, category_combo=CategoryCombo.objects.get(code="GIOI_TINH")
        )
    assert "category_combo" in exc.value.message_dict
    assert element("DE_TAI_TRAM").category_combo.code == "default"


def test_the_disaggregation_of_a_data_element_without_values_changes(world):
    de = services.data_element_save(
        user=world.province_admin,
        element=element("GIUONG_BENH"),
        category_combo=CategoryCombo.objects.get(code="GIOI_TINH"),
    )
    assert element("GIUONG_BENH").category_combo.code == "GIOI_TINH" and de.pk


def test_a_data_element_is_created_without_disaggregation_by_default(world):
    de = services.data_element_save(user=world.province_admin, code="TIEM_VGB", name="Số trẻ được tiêm VGB sơ sinh")
    assert de.category_combo.code == "default" and de.value_type == "int_pos"


def test_the_usual_range_must_be_ordered_and_finite(world):
    with pytest.raises(ValidationError) as exc:
        services.data_element_save(user=world.province_admin, code="X1", name="X", min_value=10, max_value=5)
    assert "max_value" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.data_element_save(user=world.province_admin, code="X1", name="X", max_value=float("inf"))
    assert "max_value" in exc.value.message_dict


def test_the_code_of_a_data_element_an_expression_names_cannot_change(world):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.data_element_save(user=world.province_admin, element=element("DE_TAI_TRAM"), code="DE_TRAM")
    assert "DE_TAI_TRAM_PCT" in messages(exc) and "DE_TRAM_LE_DIA_BAN" in messages(exc)


@pytest.mark.parametrize(
    "code,expected",
    [
        ("KCB_LUOT", ["TYT_THANG", "KCB_BHYT_PCT", "KCB_BHYT_LE_TONG"]),  # in a data set, an indicator, a rule
    ],
)
def test_a_data_element_in_use_is_not_deleted_and_the_refusal_names_its_users(world, code, expected):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.data_element_delete(user=world.province_admin, element=element(code))
    for name in expected:
        assert name in messages(exc)
    assert DataElement.objects.filter(code=code).exists()


def test_a_data_element_with_values_is_not_deleted_even_outside_any_data_set(world):
    de = services.data_element_save(user=world.province_admin, code="LE", name="Lẻ")
    put(world.province_admin, [("LE", world.station_a1, "202501", 1)])
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.data_element_delete(user=world.province_admin, element=de)
    assert "values" in messages(exc)
    # History alone (the value deleted since) still protects it.
    put(world.province_admin, [("LE", world.station_a1, "202501", None)])
    with pytest.raises(ValidationError):
        services.data_element_delete(user=world.province_admin, element=de)


def test_an_unused_data_element_is_deleted(world):
    de = services.data_element_save(user=world.province_admin, code="LE", name="Lẻ")
    services.data_element_delete(user=world.province_admin, element=de)
    assert not DataElement.objects.filter(code="LE").exists()


# ---------------------------------------------------------------------------------------------- data sets


def test_a_data_set_keeps_its_members_in_order_under_their_sections(world):
    ds = services.data_set_save(
        user=world.province_admin,
        code="TYT_QUY",
        name="Báo cáo quý",
        period_type="quarterly",
        unit_kinds=["station"],
        members=[
            services.Member(element("THA_QUAN_LY"), "Bệnh không lây nhiễm"),
            services.Member(element("DTD_QUAN_LY"), "Bệnh không lây nhiễm"),
            services.Member(element("GIUONG_BENH"), "Khác"),
        ],
    )
    rows = list(
        DataSetElement.objects.filter(data_set=ds).order_by("sort_order").values_list("data_element__code", "section")
    )
    assert rows == [
        ("THA_QUAN_LY", "Bệnh không lây nhiễm"),
        ("DTD_QUAN_LY", "Bệnh không lây nhiễm"),
        ("GIUONG_BENH", "Khác"),
    ]
    services.data_set_save(
        user=world.province_admin, data_set=ds, members=[services.Member(element("GIUONG_BENH"), "Khác")]
    )
    assert list(ds.members.values_list("data_element__code", flat=True)) == ["GIUONG_BENH"]


def test_a_data_element_listed_twice_or_an_unknown_unit_kind_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.data_set_save(
            user=world.province_admin,
            code="X",
            name="X",
            period_type="yearly",
            unit_kinds=["station", "planet"],
            members=[services.Member(element("GIUONG_BENH")), services.Member(element("GIUONG_BENH"))],
        )
    assert {"members", "unit_kinds"} <= set(exc.value.message_dict)
    assert not DataSet.objects.filter(code="X").exists()


def test_the_period_type_of_a_data_set_whose_elements_have_values_cannot_change(world):
    ds = data_set("TYT_THANG")
    services.data_set_save(user=world.province_admin, data_set=ds, period_type="quarterly")
    services.data_set_save(user=world.province_admin, data_set=ds, period_type="monthly")
    put(world.province_admin, [("DE_DIA_BAN", world.station_a1, "202501", 9)])
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.data_set_save(user=world.province_admin, data_set=ds, period_type="quarterly")
    assert "period_type" in exc.value.message_dict
    assert data_set("TYT_THANG").period_type == "monthly"


def test_a_data_set_checked_by_rules_or_with_values_is_not_deleted(world):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.data_set_delete(user=world.province_admin, data_set=data_set("TYT_THANG"))
    assert "DE_TRAM_LE_DIA_BAN" in messages(exc)
    put(world.province_admin, [("GIUONG_BENH", world.region_a, "2025", 120)])
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.data_set_delete(user=world.province_admin, data_set=data_set("CSKCB_NAM"))
    assert "values" in messages(exc)
    services.data_set_delete(user=world.province_admin, data_set=data_set("TYT_NAM"))
    assert not DataSet.objects.filter(code="TYT_NAM").exists()
    assert element("TRE_DUOI1")  # the data elements stay


# ---------------------------------------------------------------------------------------------- expressions


@pytest.mark.parametrize(
    "numerator,named",
    [
        ("#{KHONG_CO}", "KHONG_CO"),
        ("#{KCB_LUOT.KHONG_CO}", "KHONG_CO"),
        ("#{DE_TAI_TRAM.NAM}", "NAM"),  # an option combo of another disaggregation
        ("C{KHONG_CO}", "KHONG_CO"),
        ("R{bac_si}", "bac_si"),
        ("R{category}", "category"),  # needs an argument
        ("#{DE_TAI_TRAM} +", "#{DE_TAI_TRAM} +"),
    ],
)
def test_an_indicator_naming_something_unknown_is_refused_naming_it(world, numerator, named):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.indicator_save(user=world.province_admin, code="MOI", name="Mới", numerator=numerator, factor=100)
    assert "numerator" in exc.value.message_dict
    assert named in " ".join(exc.value.message_dict["numerator"])
    assert not Indicator.objects.filter(code="MOI").exists()


def test_an_indicator_over_data_constants_and_registry_figures_is_saved(world):
    services.constant_save(user=world.province_admin, code="HE_SO", name="Hệ số", value=1.5)
    ind = services.indicator_save(
        user=world.province_admin,
        code="MOI",
        name="Mới",
        numerator="#{KCB_LUOT.NU} * C{HE_SO}",
        denominator="R{population}",
        factor=10000,
    )
    assert indicator("MOI").numerator == "#{KCB_LUOT.NU} * C{HE_SO}" and ind.factor == 10000


def test_the_factor_is_at_least_one(world):
    with pytest.raises(ValidationError) as exc:
        services.indicator_save(user=world.province_admin, code="MOI", name="Mới", numerator="#{KCB_LUOT}", factor=0)
    assert "factor" in exc.value.message_dict


def test_both_sides_of_a_validation_rule_are_checked_and_registry_figures_refused(world):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.validation_rule_save(
            user=world.province_admin,
            code="R1",
            name="Quy tắc",
            instruction="Kiểm tra",
            left="R{doctors}",
            operator="<=",
            right="#{KHONG_CO}",
            data_sets=[data_set()],
        )
    assert "doctors" in " ".join(exc.value.message_dict["left"])
    assert "KHONG_CO" in " ".join(exc.value.message_dict["right"])
    rule = services.validation_rule_save(
        user=world.province_admin,
        code="R1",
        name="Quy tắc",
        instruction="Kiểm tra",
        left="#{SINH_SONG.NU}",
        operator="<=",
        right="#{SINH_SONG}",
        data_sets=[data_set()],
    )
    assert list(rule.data_sets.values_list("code", flat=True)) == ["TYT_THANG"]


def test_a_validation_rule_needs_a_data_set(world):
    with pytest.raises(ValidationError) as exc:
        services.validation_rule_save(
            user=world.province_admin, code="R1", name="Q", instruction="K", left="1", operator="<=", right="2"
        )
    assert "data_sets" in exc.value.message_dict


def test_a_constant_named_by_an_expression_keeps_its_code_and_is_not_deleted(world):
    constant = services.constant_save(user=world.province_admin, code="HE_SO", name="Hệ số", value=2)
    services.indicator_save(user=world.province_admin, code="MOI", name="Mới", numerator="#{KCB_LUOT} * C{HE_SO}")
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.constant_delete(user=world.province_admin, constant=constant)
    assert "MOI" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.constant_save(user=world.province_admin, constant=constant, code="HE_SO_2")
    assert "code" in exc.value.message_dict
    services.indicator_delete(user=world.province_admin, indicator=indicator("MOI"))
    services.constant_delete(user=world.province_admin, constant=Constant.objects.get(code="HE_SO"))
    assert not Constant.objects.filter(code="HE_SO").exists()


def test_an_indicator_with_targets_is_not_deleted(world):
    plan = TargetPlan.objects.create(
        orgunit=world.province, code="KH25", name="Kế hoạch 25-CT/TW", start_year=2025, end_year=2030
    )
    Target.objects.create(plan=plan, indicator=indicator("BS_10000"), orgunit=world.province, year=2030, value=19)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.indicator_delete(user=world.province_admin, indicator=indicator("BS_10000"))
    assert "Kế hoạch 25-CT/TW" in messages(exc)
    services.indicator_delete(user=world.province_admin, indicator=indicator("KCB_1000"))
    assert not Indicator.objects.filter(code="KCB_1000").exists()


def test_a_validation_rule_is_deleted(world):
    services.validation_rule_delete(user=world.province_admin, rule=ValidationRule.objects.get(code="TV1_LE_TV5"))
    assert not ValidationRule.objects.filter(code="TV1_LE_TV5").exists()


# ---------------------------------------------------------------------------------------------- audit


def _entries(model) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model)).order_by("pk"))


def test_every_write_is_audited_with_its_author(world):
    de = services.data_element_save(user=world.province_admin, code="LE", name="Lẻ")
    services.data_element_save(user=world.province_admin, element=de, name="Số lẻ")
    services.data_element_delete(user=world.province_admin, element=de)
    entries = _entries(DataElement)
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert {e.actor_username for e in entries} == {"province_admin"}
    assert entries[1].changes["name"] == ["Lẻ", "Số lẻ"]
    assert entries[0].scope_path == "/"


def test_option_combos_made_and_lists_changed_are_audited(world):
    combo_ = sex_by_age(world.province_admin)
    created = [e for e in _entries(CategoryOptionCombo) if e.action == "create"]
    assert len(created) == 6 and {e.actor_username for e in created} == {"province_admin"}
    categories = [e for e in _entries(CategoryCombo) if "categories" in e.changes]
    assert categories and categories[0].changes["categories"] == ["", "DO_TUOI, GIOI_TINH"]
    assert combo_.option_combos.count() == 6


def test_saving_an_unchanged_entry_writes_no_audit_entry(world):
    de = element("KCB_LUOT")
    before = AuditEntry.objects.count()
    services.data_element_save(user=world.province_admin, element=de, name=de.name)
    services.data_set_save(
        user=world.province_admin,
        data_set=data_set("TYT_NAM"),
        members=[
            services.Member(m.data_element, m.section, m.sort_order)
            for m in data_set("TYT_NAM").members.order_by("sort_order")
        ],
    )
    assert AuditEntry.objects.count() == before
