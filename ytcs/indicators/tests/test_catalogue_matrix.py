"""Persona matrix over every catalogue page and API endpoint. The catalogue belongs to no unit: everyone logged in
reads it (no out-of-scope persona), and only province administrators write it, so every role below them, the
region manager and the station head included, gets 403 on every write and on opening a form, and nothing is saved.

Entries the deletions act on are made before anything is counted: an unused data element, data set, indicator,
constant, disaggregation and category."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ytcs.core.testing.matrix import READ_ONLY, Endpoint, audit_count, call, page_matrix
from ytcs.core.testing.personas import World
from ytcs.indicators import catalogue_services as services
from ytcs.indicators.models import (
    Category,
    CategoryCombo,
    CategoryOption,
    CategoryOptionCombo,
    Constant,
    DataElement,
    DataSet,
    DataSetElement,
    Indicator,
    ValidationRule,
)

WRITERS_BELOW = ("region_manager", "station_head", "outsider")
"""Roles that change data of their units but not the shared catalogue."""


def _spares(w: World) -> None:
    """Unused entries to delete, made once per world."""
    if w.__dict__.get("_catalogue_spares"):
        return
    admin = w.province_admin
    services.data_element_save(user=admin, code="XOA_DE", name="Phần tử để xóa")
    services.data_set_save(user=admin, code="XOA_DS", name="Biểu để xóa", period_type="yearly", unit_kinds=["station"])
    services.indicator_save(user=admin, code="XOA_IND", name="Chỉ số để xóa", numerator="#{GIUONG_BENH}")
    services.constant_save(user=admin, code="XOA_C", name="Hằng số để xóa", value=1)
    services.category_combo_save(user=admin, code="XOA_COMBO", name="Phân tổ để xóa", categories=[])
    services.category_save(user=admin, code="XOA_CAT", name="Nhóm để xóa", options=[("A", "A"), ("B", "B")])
    w.__dict__["_catalogue_spares"] = True


@pytest.fixture
def world(world):
    _spares(world)
    return world


def page(name: str, *args, query: str = ""):
    return lambda w: reverse(f"indicators:{name}", args=args) + (f"?{query}" if query else "")


def api(name: str, *args):
    return lambda w: reverse(name, args=args)


def default_combo_pk() -> int:
    return CategoryCombo.objects.get(code="default").pk


def element_data(**overrides) -> dict:
    data = {
        "code": "KHAM_THAI",
        "name": "Số lượt khám thai",
        "short_name": "",
        "value_type": "int_pos",
        "category_combo": default_combo_pk(),
        "aggregation": "sum",
        "min_value": "0",
        "max_value": "300",
        "description": "",
        "source": "Mẫu",
        "is_active": "on",
    }
    return {**data, **overrides}


def dataset_data(**overrides) -> dict:
    data = {
        "code": "TYT_QUY",
        "name": "Báo cáo quý của trạm",
        "period_type": "quarterly",
        "expiry_days": "20",
        "unit_kinds": ["station"],
        "members": "# Bệnh không lây nhiễm\nTHA_QUAN_LY\nDTD_QUAN_LY",
        "description": "",
        "source": "",
        "is_active": "on",
    }
    return {**data, **overrides}


def indicator_data(**overrides) -> dict:
    data = {
        "code": "THA_1000",
        "name": "Người THA được quản lý/1.000 dân",
        "short_name": "",
        "group": "services",
        "numerator": "#{THA_QUAN_LY}",
        "numerator_description": "",
        "denominator": "R{population}",
        "denominator_description": "",
        "factor": "1000",
        "decimals": "1",
        "unit_label": "/1.000 dân",
        "higher_is_better": "on",
        "sort_order": "100",
        "description": "",
        "source": "",
        "is_active": "on",
    }
    return {**data, **overrides}


def rule_data(**overrides) -> dict:
    data = {
        "code": "SINH_NU_LE_TONG",
        "name": "Trẻ gái đẻ sống không vượt tổng",
        "left": "#{SINH_SONG.NU}",
        "operator": "<=",
        "right": "#{SINH_SONG}",
        "instruction": "Kiểm tra lại số trẻ đẻ sống.",
        "data_sets": [DataSet.objects.get(code="TYT_THANG").pk],
        "is_active": "on",
    }
    return {**data, **overrides}


def import_file(w) -> dict:
    text = "constants:\n  - {code: HE_SO_NHAP, name: Hệ số nhập, value: 2}\n"
    return {"file": SimpleUploadedFile("danh-muc.yaml", text.encode(), "application/yaml")}


ADMIN = {"allowed": "province_admin", "out_of_scope": None}
READ = {"out_of_scope": None}

PAGES = [
    Endpoint("catalogue", "get", page("catalogue"), **READ),
    Endpoint("catalogue export", "get", page("catalogue_export"), **READ),
    Endpoint(
        "expression check", "get", page("catalogue_check_expression", query="expression=%23%7BKCB_LUOT%7D"), **READ
    ),
    # data elements
    Endpoint("element list", "get", page("catalogue_element_list", query="q=kham"), **READ),
    Endpoint("element detail", "get", page("catalogue_element_detail", "KCB_LUOT"), **READ),
    Endpoint("element create form", "get", page("catalogue_element_create"), **ADMIN),
    Endpoint("element create", "post", page("catalogue_element_create"), lambda w: element_data(), **ADMIN),
    Endpoint("element edit form", "get", page("catalogue_element_edit", "KCB_BHYT"), **ADMIN),
    Endpoint(
        "element edit",
        "post",
        page("catalogue_element_edit", "XOA_DE"),
        lambda w: element_data(code="XOA_DE", name="Phần tử đã sửa"),
        **ADMIN,
    ),
    Endpoint("element delete form", "get", page("catalogue_element_delete", "XOA_DE"), **ADMIN),
    Endpoint("element delete", "post", page("catalogue_element_delete", "XOA_DE"), **ADMIN),
    # data sets
    Endpoint("dataset list", "get", page("catalogue_dataset_list"), **READ),
    Endpoint("dataset detail", "get", page("catalogue_dataset_detail", "TYT_THANG"), **READ),
    Endpoint("dataset create form", "get", page("catalogue_dataset_create"), **ADMIN),
    Endpoint("dataset create", "post", page("catalogue_dataset_create"), lambda w: dataset_data(), **ADMIN),
    Endpoint("dataset edit form", "get", page("catalogue_dataset_edit", "TYT_NAM"), **ADMIN),
    Endpoint(
        "dataset edit",
        "post",
        page("catalogue_dataset_edit", "XOA_DS"),
        lambda w: dataset_data(code="XOA_DS", name="Biểu đã sửa", period_type="yearly"),
        **ADMIN,
    ),
    Endpoint("dataset delete form", "get", page("catalogue_dataset_delete", "XOA_DS"), **ADMIN),
    Endpoint("dataset delete", "post", page("catalogue_dataset_delete", "XOA_DS"), **ADMIN),
    # indicators
    Endpoint("indicator list", "get", page("catalogue_indicator_list", query="group=workforce"), **READ),
    Endpoint("indicator detail", "get", page("catalogue_indicator_detail", "BS_10000"), **READ),
    Endpoint("indicator create form", "get", page("catalogue_indicator_create"), **ADMIN),
    Endpoint("indicator create", "post", page("catalogue_indicator_create"), lambda w: indicator_data(), **ADMIN),
    Endpoint("indicator edit form", "get", page("catalogue_indicator_edit", "BS_10000"), **ADMIN),
    Endpoint(
        "indicator edit",
        "post",
        page("catalogue_indicator_edit", "XOA_IND"),
        lambda w: indicator_data(code="XOA_IND", name="Chỉ số đã sửa", numerator="#{GIUONG_BENH}", confirmed="on"),
        **ADMIN,
    ),
    Endpoint("indicator delete form", "get", page("catalogue_indicator_delete", "XOA_IND"), **ADMIN),
    Endpoint("indicator delete", "post", page("catalogue_indicator_delete", "XOA_IND"), **ADMIN),
    # validation rules
    Endpoint("rule list", "get", page("catalogue_rule_list"), **READ),
    Endpoint("rule detail", "get", page("catalogue_rule_detail", "TV1_LE_TV5"), **READ),
    Endpoint("rule create form", "get", page("catalogue_rule_create"), **ADMIN),
    Endpoint("rule create", "post", page("catalogue_rule_create"), lambda w: rule_data(), **ADMIN),
    Endpoint("rule edit form", "get", page("catalogue_rule_edit", "TV1_LE_TV5"), **ADMIN),
    Endpoint(
        "rule edit",
        "post",
        page("catalogue_rule_edit", "TV1_LE_TV5"),
        lambda w: rule_data(code="TV1_LE_TV5", name="Đã sửa", left="#{TU_VONG_DUOI1}", right="#{TU_VONG_DUOI5}"),
        **ADMIN,
    ),
    Endpoint("rule delete form", "get", page("catalogue_rule_delete", "TV1_LE_TV5"), **ADMIN),
    Endpoint("rule delete", "post", page("catalogue_rule_delete", "TV1_LE_TV5"), **ADMIN),
    # constants
    Endpoint("constant list", "get", page("catalogue_constant_list"), **READ),
    Endpoint("constant create form", "get", page("catalogue_constant_create"), **ADMIN),
    Endpoint(
        "constant create",
        "post",
        page("catalogue_constant_create"),
        lambda w: {"code": "HE_SO", "name": "Hệ số", "value": "1.5", "source": ""},
        **ADMIN,
    ),
    Endpoint("constant edit form", "get", page("catalogue_constant_edit", "XOA_C"), **ADMIN),
    Endpoint(
        "constant edit",
        "post",
        page("catalogue_constant_edit", "XOA_C"),
        lambda w: {"code": "XOA_C", "name": "Hằng số đã sửa", "value": "2", "source": "", "confirmed": "on"},
        **ADMIN,
    ),
    Endpoint("constant delete form", "get", page("catalogue_constant_delete", "XOA_C"), **ADMIN),
    Endpoint("constant delete", "post", page("catalogue_constant_delete", "XOA_C"), **ADMIN),
    # disaggregations and their categories
    Endpoint("combo list", "get", page("catalogue_combo_list"), **READ),
    Endpoint("combo detail", "get", page("catalogue_combo_detail", "GIOI_TINH"), **READ),
    Endpoint("combo create form", "get", page("catalogue_combo_create"), **ADMIN),
    Endpoint(
        "combo create",
        "post",
        page("catalogue_combo_create"),
        lambda w: {"code": "XA_TOTAL", "name": "Tổng theo xã", "categories": []},
        **ADMIN,
    ),
    Endpoint("combo edit form", "get", page("catalogue_combo_edit", "XOA_COMBO"), **ADMIN),
    Endpoint(
        "combo edit",
        "post",
        page("catalogue_combo_edit", "XOA_COMBO"),
        lambda w: {
            "code": "XOA_COMBO",
            "name": "Phân tổ đã sửa",
            "categories": [Category.objects.get(code="XOA_CAT").pk],
        },
        **ADMIN,
    ),
    Endpoint("combo delete form", "get", page("catalogue_combo_delete", "XOA_COMBO"), **ADMIN),
    Endpoint("combo delete", "post", page("catalogue_combo_delete", "XOA_COMBO"), **ADMIN),
    Endpoint("category create form", "get", page("catalogue_category_create"), **ADMIN),
    Endpoint(
        "category create",
        "post",
        page("catalogue_category_create"),
        lambda w: {"code": "DO_TUOI", "name": "Nhóm tuổi", "options": "DUOI5: Dưới 5 tuổi\nTU5: Từ 5 tuổi"},
        **ADMIN,
    ),
    Endpoint("category edit form", "get", page("catalogue_category_edit", "XOA_CAT"), **ADMIN),
    Endpoint(
        "category edit",
        "post",
        page("catalogue_category_edit", "XOA_CAT"),
        lambda w: {"code": "XOA_CAT", "name": "Nhóm đã sửa", "options": "A: A\nB: B\nC: C"},
        **ADMIN,
    ),
    Endpoint("category delete form", "get", page("catalogue_category_delete", "XOA_CAT"), **ADMIN),
    Endpoint("category delete", "post", page("catalogue_category_delete", "XOA_CAT"), **ADMIN),
    # the whole catalogue as a file
    Endpoint("import form", "get", page("catalogue_import"), **ADMIN),
    Endpoint("import", "post", page("catalogue_import"), import_file, **ADMIN),
]

WRITE_FORMS = [e for e in PAGES if e.method == "get" and e.allowed == "province_admin"]


def _snapshot() -> tuple:
    """Everything the catalogue pages and API could write."""
    return (
        audit_count(),
        *(
            tuple(model.objects.order_by("pk").values_list())
            for model in (
                Category,
                CategoryOption,
                CategoryCombo,
                CategoryOptionCombo,
                DataElement,
                DataSet,
                DataSetElement,
                Constant,
                ValidationRule,
                Indicator,
            )
        ),
        tuple(CategoryCombo.categories.through.objects.order_by("pk").values_list()),
        tuple(ValidationRule.data_sets.through.objects.order_by("pk").values_list()),
    )


globals().update(
    page_matrix(PAGES, _snapshot, forms=WRITE_FORMS, read_only=(*READ_ONLY, *WRITERS_BELOW), check_follow=True)
)


# ---------------------------------------------------------------------------------------------- API


API_READ = {"out_of_scope": None, "api": True}
API_ADMIN = {"allowed": "province_admin", "out_of_scope": None, "api": True}
NO_CONTENT = frozenset({204})

API = [
    # data elements
    Endpoint("api elements", "get", lambda w: reverse("catalogue-data-element-list") + "?q=kham", **API_READ),
    Endpoint("api element", "get", api("catalogue-data-element-detail", "KCB_LUOT"), **API_READ),
    Endpoint(
        "api element create",
        "post",
        api("catalogue-data-element-list"),
        lambda w: {"code": "KHAM_THAI", "name": "Số lượt khám thai", "category_combo": "GIOI_TINH"},
        **API_ADMIN,
    ),
    Endpoint(
        "api element patch",
        "patch",
        api("catalogue-data-element-detail", "XOA_DE"),
        lambda w: {"name": "Đã sửa", "max_value": 10},
        **API_ADMIN,
    ),
    Endpoint(
        "api element delete", "delete", api("catalogue-data-element-detail", "XOA_DE"), ok=NO_CONTENT, **API_ADMIN
    ),
    # data sets
    Endpoint("api data sets", "get", api("catalogue-data-set-list"), **API_READ),
    Endpoint("api data set", "get", api("catalogue-data-set-detail", "TYT_THANG"), **API_READ),
    Endpoint(
        "api data set create",
        "post",
        api("catalogue-data-set-list"),
        lambda w: {
            "code": "TYT_QUY",
            "name": "Báo cáo quý",
            "period_type": "quarterly",
            "unit_kinds": ["station"],
            "members": [{"data_element": "THA_QUAN_LY", "section": "Bệnh không lây nhiễm"}],
        },
        **API_ADMIN,
    ),
    Endpoint(
        "api data set patch",
        "patch",
        api("catalogue-data-set-detail", "XOA_DS"),
        lambda w: {"members": [{"data_element": "XOA_DE"}], "expiry_days": 30},
        **API_ADMIN,
    ),
    Endpoint("api data set delete", "delete", api("catalogue-data-set-detail", "XOA_DS"), ok=NO_CONTENT, **API_ADMIN),
    # disaggregations
    Endpoint("api combos", "get", api("catalogue-category-combo-list"), **API_READ),
    Endpoint("api combo", "get", api("catalogue-category-combo-detail", "GIOI_TINH"), **API_READ),
    Endpoint(
        "api combo create",
        "post",
        api("catalogue-category-combo-list"),
        lambda w: {"code": "XOA_GT", "name": "Giới tính × nhóm", "categories": ["GIOI_TINH", "XOA_CAT"]},
        **API_ADMIN,
    ),
    Endpoint(
        "api combo patch",
        "patch",
        api("catalogue-category-combo-detail", "XOA_COMBO"),
        lambda w: {"categories": ["XOA_CAT"]},
        **API_ADMIN,
    ),
    Endpoint(
        "api combo delete", "delete", api("catalogue-category-combo-detail", "XOA_COMBO"), ok=NO_CONTENT, **API_ADMIN
    ),
    Endpoint("api categories", "get", api("catalogue-category-list"), **API_READ),
    Endpoint("api category", "get", api("catalogue-category-detail", "GIOI_TINH"), **API_READ),
    Endpoint(
        "api category create",
        "post",
        api("catalogue-category-list"),
        lambda w: {"code": "DO_TUOI", "name": "Nhóm tuổi", "options": [{"code": "DUOI5", "name": "Dưới 5 tuổi"}]},
        **API_ADMIN,
    ),
    Endpoint(
        "api category patch",
        "patch",
        api("catalogue-category-detail", "XOA_CAT"),
        lambda w: {"options": [{"code": "A", "name": "A"}, {"code": "C", "name": "C"}]},
        **API_ADMIN,
    ),
    Endpoint("api category delete", "delete", api("catalogue-category-detail", "XOA_CAT"), ok=NO_CONTENT, **API_ADMIN),
    # indicators
    Endpoint("api indicators", "get", lambda w: reverse("catalogue-indicator-list") + "?group=workforce", **API_READ),
    Endpoint("api indicator", "get", api("catalogue-indicator-detail", "BS_10000"), **API_READ),
    Endpoint(
        "api indicator create",
        "post",
        api("catalogue-indicator-list"),
        lambda w: {"code": "THA_1000", "name": "THA/1.000 dân", "numerator": "#{THA_QUAN_LY}", "factor": 1000},
        **API_ADMIN,
    ),
    Endpoint(
        "api indicator patch",
        "patch",
        api("catalogue-indicator-detail", "XOA_IND"),
        lambda w: {"confirmed": True, "factor": 100},
        **API_ADMIN,
    ),
    Endpoint(
        "api indicator delete", "delete", api("catalogue-indicator-detail", "XOA_IND"), ok=NO_CONTENT, **API_ADMIN
    ),
    # validation rules
    Endpoint("api rules", "get", api("catalogue-validation-rule-list"), **API_READ),
    Endpoint("api rule", "get", api("catalogue-validation-rule-detail", "TV1_LE_TV5"), **API_READ),
    Endpoint(
        "api rule create",
        "post",
        api("catalogue-validation-rule-list"),
        lambda w: {
            "code": "SINH_NU",
            "name": "Trẻ gái không vượt tổng",
            "left": "#{SINH_SONG.NU}",
            "operator": "<=",
            "right": "#{SINH_SONG}",
            "instruction": "Kiểm tra lại",
            "data_sets": ["TYT_THANG"],
        },
        **API_ADMIN,
    ),
    Endpoint(
        "api rule patch",
        "patch",
        api("catalogue-validation-rule-detail", "TV1_LE_TV5"),
        lambda w: {"is_active": False},
        **API_ADMIN,
    ),
    Endpoint(
        "api rule delete", "delete", api("catalogue-validation-rule-detail", "TV1_LE_TV5"), ok=NO_CONTENT, **API_ADMIN
    ),
    # constants
    Endpoint("api constants", "get", api("catalogue-constant-list"), **API_READ),
    Endpoint("api constant", "get", api("catalogue-constant-detail", "XOA_C"), **API_READ),
    Endpoint(
        "api constant create",
        "post",
        api("catalogue-constant-list"),
        lambda w: {"code": "HE_SO", "name": "Hệ số", "value": 1.5},
        **API_ADMIN,
    ),
    Endpoint(
        "api constant patch", "patch", api("catalogue-constant-detail", "XOA_C"), lambda w: {"value": 3}, **API_ADMIN
    ),
    Endpoint("api constant delete", "delete", api("catalogue-constant-detail", "XOA_C"), ok=NO_CONTENT, **API_ADMIN),
]

ENDPOINTS = PAGES + API


@pytest.mark.parametrize("endpoint", API, ids=str)
def test_api_anonymous_gets_401(endpoint, world, api_for):
    before = _snapshot()
    response = call(api_for(None), endpoint, world)
    assert response.status_code == 401
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", API, ids=str)
def test_api_allowed_persona_succeeds(endpoint, world, api_for):
    before = _snapshot()
    response = call(api_for(getattr(world, endpoint.allowed)), endpoint, world)
    assert response.status_code in endpoint.ok, response.content[:500]
    assert (_snapshot() != before) == endpoint.writes


@pytest.mark.parametrize("endpoint", [e for e in API if e.writes], ids=str)
def test_api_everyone_but_province_administrators_gets_403_and_nothing_is_saved(endpoint, world, api_for):
    before = _snapshot()
    for persona in (*READ_ONLY, *WRITERS_BELOW):
        response = call(api_for(getattr(world, persona)), endpoint, world)
        assert response.status_code == 403, (persona, response.status_code, response.content[:300])
        assert set(response.json()) == {"detail", "errors"}
    assert _snapshot() == before


@pytest.mark.parametrize("endpoint", [e for e in API if not e.writes], ids=str)
def test_api_every_role_reads_the_catalogue(endpoint, world, api_for):
    for persona in (*READ_ONLY, *WRITERS_BELOW, "province_admin"):
        assert call(api_for(getattr(world, persona)), endpoint, world).status_code == 200, persona
