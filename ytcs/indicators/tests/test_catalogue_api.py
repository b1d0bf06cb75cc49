"""Catalogue API: shapes, the diacritic-insensitive `q`, entries by code, writes through the services for province
administrators only, every refusal as a 4xx JSON {"detail", "errors"}, query bounds and the schema."""

from __future__ import annotations

import pytest
from django.utils import translation

from ytcs.core.models import AuditEntry
from ytcs.indicators import catalogue_services as services
from ytcs.indicators.models import CategoryOptionCombo, Constant, DataElement, DataSet, Indicator
from ytcs.indicators.tests.helpers import element, indicator, put

pytestmark = pytest.mark.django_db


def errors_of(response) -> dict:
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    return body["errors"]


# ---------------------------------------------------------------------------------------------- reading


def test_data_elements_list_with_their_disaggregation_and_data_sets(world, api_for):
    response = api_for(world.viewer).get("/api/v1/data-elements/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == DataElement.objects.count()
    row = next(r for r in body["results"] if r["code"] == "KCB_LUOT")
    assert row["category_combo"] == "GIOI_TINH"
    assert [c["code"] for c in row["option_combos"]] == ["NAM", "NU"]
    assert row["data_sets"] == ["TYT_THANG"]
    assert row["min_value"] == 0 and row["max_value"] == 5000 and row["confirmed"] is False


@pytest.mark.parametrize(
    "path,q,found,absent",
    [
        ("/api/v1/data-elements/", "de tai tram", "DE_TAI_TRAM", "DE_DIA_BAN"),
        ("/api/v1/data-elements/", "TỬ VONG dưới 5", "TU_VONG_DUOI5", "TU_VONG_DUOI1"),
        ("/api/v1/indicators/", "dien tam do", "TYT_DIEN_TAM_DO", "TYT_SIEU_AM"),
        ("/api/v1/data-sets/", "nam tram", "TYT_NAM", "TYT_THANG"),
        ("/api/v1/validation-rules/", "bhyt", "KCB_BHYT_LE_TONG", "TV1_LE_TV5"),
        ("/api/v1/category-combos/", "gioi", "GIOI_TINH", "default"),
    ],
)
def test_q_ignores_diacritics(path, q, found, absent, world, api_for):
    codes = [r["code"] for r in api_for(world.viewer).get(path, {"q": q}).json()["results"]]
    assert found in codes and absent not in codes


def test_indicators_filter_by_group_and_a_bad_group_is_named(world, api_for):
    client = api_for(world.viewer)
    codes = {r["code"] for r in client.get("/api/v1/indicators/", {"group": "criteria"}).json()["results"]}
    assert codes == {"XA_DAT_TCQG", "XA_DA_DANH_GIA"}
    bad = client.get("/api/v1/indicators/", {"group": "khong-co"})
    assert bad.status_code == 400 and "group" in errors_of(bad)


def test_lists_paginate(world, api_for):
    body = api_for(world.viewer).get("/api/v1/data-elements/", {"page_size": 5, "page": 2}).json()
    assert len(body["results"]) == 5 and body["previous"] and body["next"]


def test_an_entry_is_read_by_code_and_an_unknown_code_is_404(world, api_for):
    client = api_for(world.viewer)
    ind = client.get("/api/v1/indicators/TV_DUOI1/").json()
    assert ind["numerator"] == "#{TU_VONG_DUOI1}" and ind["factor"] == 1000 and ind["higher_is_better"] is False
    missing = client.get("/api/v1/indicators/KHONG_CO/")
    assert missing.status_code == 404 and errors_of(missing) == {}


def test_a_data_set_lists_its_members_in_order(world, api_for):
    body = api_for(world.viewer).get("/api/v1/data-sets/TYT_THANG/").json()
    assert body["period_type"] == "monthly" and body["unit_kinds"] == ["station"]
    members = [(m["data_element"], m["section"]) for m in body["members"]]
    assert members[:3] == [
        ("KCB_LUOT", "Khám chữa bệnh"),
        ("KCB_BHYT", "Khám chữa bệnh"),
        ("DE_TAI_TRAM", "Sức khỏe bà mẹ, trẻ em"),
    ]
    assert body["members"][0]["data_element_name"] == "Lượt khám chữa bệnh tại trạm"


def test_a_disaggregation_lists_its_option_combos(world, api_for):
    body = api_for(world.viewer).get("/api/v1/category-combos/GIOI_TINH/").json()
    assert body["categories"] == ["GIOI_TINH"]
    assert body["option_combos"] == [
        {"code": "NAM", "name": "Nam", "options": ["NAM"]},
        {"code": "NU", "name": "Nữ", "options": ["NU"]},
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/data-elements/",
        "/api/v1/data-sets/",
        "/api/v1/category-combos/",
        "/api/v1/categories/",
        "/api/v1/indicators/",
        "/api/v1/validation-rules/",
        "/api/v1/constants/",
    ],
)
def test_a_list_takes_a_fixed_number_of_queries(path, world, api_for, django_assert_max_num_queries):
    client = api_for(world.viewer)
    client.get(path)
    with django_assert_max_num_queries(7):
        response = client.get(path, {"page_size": 1000})
    assert response.status_code == 200


# ---------------------------------------------------------------------------------------------- writing


@pytest.mark.parametrize("persona", ["region_manager", "station_head", "viewer", "province_viewer", "data_clerk"])
def test_only_province_administrators_write(persona, world, api_for):
    client = api_for(getattr(world, persona))
    before = AuditEntry.objects.count()
    for method, path, data in (
        ("post", "/api/v1/constants/", {"code": "PI", "name": "Pi", "value": 3.14}),
        ("patch", "/api/v1/indicators/BS_10000/", {"confirmed": True}),
        ("delete", "/api/v1/validation-rules/TV1_LE_TV5/", None),
        ("post", "/api/v1/data-elements/", {}),  # refused before the body is even validated
    ):
        response = getattr(client, method)(path, data, format="json")
        assert response.status_code == 403, (method, path, response.status_code)
        errors_of(response)
    assert AuditEntry.objects.count() == before
    assert not Constant.objects.filter(code="PI").exists()


def test_an_administrator_creates_corrects_and_deletes_a_data_element(world, api_for):
    client = api_for(world.province_admin)
    created = client.post(
        "/api/v1/data-elements/",
        {"code": "KHAM_THAI", "name": "Số lượt khám thai", "min_value": 0, "max_value": 300},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["category_combo"] == "default" and created.json()["option_combos"][0]["code"] == "default"
    patched = client.patch(
        "/api/v1/data-elements/KHAM_THAI/", {"category_combo": "GIOI_TINH", "confirmed": True}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["category_combo"] == "GIOI_TINH"
    assert element("KHAM_THAI").confirmed is True and element("KHAM_THAI").max_value == 300
    assert client.delete("/api/v1/data-elements/KHAM_THAI/").status_code == 204
    assert not DataElement.objects.filter(code="KHAM_THAI").exists()


def test_refusals_are_400_naming_the_field(world, api_for):
    put(world.province_admin, [("DE_TAI_TRAM", world.station_a1, "202501", 3)])
    client = api_for(world.province_admin)
    with translation.override("en"):
        response = client.patch("/api/v1/data-elements/DE_TAI_TRAM/", {"category_combo": "GIOI_TINH"}, format="json")
        assert response.status_code == 400
        assert "category_combo" in errors_of(response)
        response = client.post(
            "/api/v1/indicators/",
            {"code": "MOI", "name": "Mới", "numerator": "#{KHONG_CO} + C{KHONG_CO_2}", "denominator": "R{bac_si}"},
            format="json",
        )
        assert response.status_code == 400
        errors = errors_of(response)
        assert "KHONG_CO" in " ".join(errors["numerator"]) and "KHONG_CO_2" in " ".join(errors["numerator"])
        assert "bac_si" in " ".join(errors["denominator"])
        response = client.delete("/api/v1/data-elements/KCB_LUOT/")
        assert response.status_code == 400
        assert "TYT_THANG" in " ".join(errors_of(response)["non_field_errors"])
        duplicate = client.post("/api/v1/constants/", {"code": "X", "name": "X", "value": 1}, format="json")
        assert duplicate.status_code == 201
        duplicate = client.post("/api/v1/constants/", {"code": "X", "name": "Y", "value": 2}, format="json")
        assert duplicate.status_code == 400 and "code" in errors_of(duplicate)
    assert not Indicator.objects.filter(code="MOI").exists()


@pytest.mark.parametrize(
    "path,data",
    [
        ("/api/v1/indicators/", ["not", "a", "mapping"]),
        ("/api/v1/indicators/", {"code": "MOI", "name": "M", "numerator": "1", "factor": 0}),
        ("/api/v1/indicators/", {"code": "MOI", "name": "M", "numerator": "__import__('os')"}),
        ("/api/v1/indicators/", {"code": "có dấu", "name": "M", "numerator": "1"}),
        ("/api/v1/constants/", {"code": "INF", "name": "Vô cực", "value": "Infinity"}),
        ("/api/v1/constants/", {"code": "BIG", "name": "Lớn", "value": 1e300}),
        ("/api/v1/data-sets/", {"code": "X", "name": "X", "period_type": "weekly"}),
        ("/api/v1/data-sets/", {"code": "X", "name": "X", "period_type": "yearly", "members": "KCB_LUOT"}),
        (
            "/api/v1/data-sets/",
            {"code": "X", "name": "X", "period_type": "yearly", "members": [{"data_element": "NO"}]},
        ),
        ("/api/v1/data-sets/", {"code": "X", "name": "X", "period_type": "yearly", "unit_kinds": ["planet"]}),
        ("/api/v1/data-elements/", {"code": "X", "name": "X", "min_value": 5, "max_value": 1}),
        ("/api/v1/data-elements/", {"code": "X", "name": "X", "category_combo": "KHONG_CO"}),
        ("/api/v1/validation-rules/", {"code": "R", "name": "R", "left": "R{doctors}", "operator": "<=", "right": "1"}),
        ("/api/v1/categories/", {"code": "C", "name": "C", "options": []}),
        ("/api/v1/category-combos/", {"code": "GT2", "name": "Giới tính 2", "categories": ["GIOI_TINH"]}),
    ],
)
def test_bad_bodies_answer_400_never_500(path, data, world, api_for):
    before = AuditEntry.objects.count()
    response = api_for(world.province_admin).post(path, data, format="json")
    assert response.status_code == 400, response.content[:500]
    assert errors_of(response)
    assert AuditEntry.objects.count() == before


def test_a_data_set_is_created_with_members_and_its_members_replaced(world, api_for):
    client = api_for(world.province_admin)
    created = client.post(
        "/api/v1/data-sets/",
        {
            "code": "TYT_QUY",
            "name": "Báo cáo quý",
            "period_type": "quarterly",
            "unit_kinds": ["station"],
            "members": [
                {"data_element": "DTD_QUAN_LY", "section": "Bệnh không lây", "sort_order": 2},
                {"data_element": "THA_QUAN_LY", "section": "Bệnh không lây", "sort_order": 1},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert [m["data_element"] for m in created.json()["members"]] == ["THA_QUAN_LY", "DTD_QUAN_LY"]
    patched = client.patch("/api/v1/data-sets/TYT_QUY/", {"members": [{"data_element": "GIUONG_BENH"}]}, format="json")
    assert [m["data_element"] for m in patched.json()["members"]] == ["GIUONG_BENH"]
    assert DataSet.objects.get(code="TYT_QUY").members.count() == 1


def test_a_category_and_a_disaggregation_are_made_through_the_api(world, api_for):
    client = api_for(world.province_admin)
    category = client.post(
        "/api/v1/categories/",
        {
            "code": "DO_TUOI",
            "name": "Nhóm tuổi",
            "options": [{"code": "DUOI5", "name": "Dưới 5"}, {"code": "TU5", "name": "Từ 5"}],
        },
        format="json",
    )
    assert category.status_code == 201 and [o["code"] for o in category.json()["options"]] == ["DUOI5", "TU5"]
    combo = client.post(
        "/api/v1/category-combos/",
        {"code": "GT_TUOI", "name": "Giới tính × tuổi", "categories": ["GIOI_TINH", "DO_TUOI"]},
        format="json",
    )
    assert combo.status_code == 201
    assert [c["code"] for c in combo.json()["option_combos"]] == ["DUOI5_NAM", "DUOI5_NU", "TU5_NAM", "TU5_NU"]
    assert CategoryOptionCombo.objects.filter(combo__code="GT_TUOI").count() == 4


def test_an_indicator_is_created_and_confirmed(world, api_for):
    client = api_for(world.province_admin)
    response = client.post(
        "/api/v1/indicators/",
        {
            "code": "BS_1000",
            "name": "Bác sĩ/1.000 dân",
            "group": "workforce",
            "numerator": "R{doctors}",
            "denominator": "R{population}",
            "factor": 1000,
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["confirmed"] is False
    assert client.patch("/api/v1/indicators/BS_1000/", {"confirmed": True}, format="json").json()["confirmed"] is True
    assert indicator("BS_1000").factor == 1000


def test_a_rule_names_its_data_sets_by_code(world, api_for):
    response = api_for(world.province_admin).post(
        "/api/v1/validation-rules/",
        {
            "code": "SINH_NU_LE_TONG",
            "name": "Trẻ gái không vượt tổng",
            "left": "#{SINH_SONG.NU}",
            "operator": "<=",
            "right": "#{SINH_SONG}",
            "instruction": "Kiểm tra lại",
            "data_sets": ["TYT_THANG"],
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["data_sets"] == ["TYT_THANG"]


def test_a_constant_in_use_is_not_deleted(world, api_for):
    services.constant_save(user=world.province_admin, code="HE_SO", name="Hệ số", value=2)
    services.indicator_save(user=world.province_admin, code="MOI", name="Mới", numerator="#{KCB_LUOT} * C{HE_SO}")
    response = api_for(world.province_admin).delete("/api/v1/constants/HE_SO/")
    assert response.status_code == 400 and "MOI" in " ".join(errors_of(response)["non_field_errors"])


# ---------------------------------------------------------------------------------------------- schema


def test_the_schema_documents_the_catalogue_paths(world):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = schema["paths"]
    for name in (
        "data-elements",
        "data-sets",
        "category-combos",
        "categories",
        "indicators",
        "validation-rules",
        "constants",
    ):
        assert {"get", "post"} <= set(paths[f"/api/v1/{name}/"])
        assert {"get", "patch", "delete"} <= set(paths[f"/api/v1/{name}/{{code}}/"])
        assert "put" not in paths[f"/api/v1/{name}/{{code}}/"]
        assert {"q", "page", "page_size"} <= {p["name"] for p in paths[f"/api/v1/{name}/"]["get"]["parameters"]}
    assert "group" in {p["name"] for p in paths["/api/v1/indicators/"]["get"]["parameters"]}
