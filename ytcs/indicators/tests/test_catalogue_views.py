"""Catalogue pages: lists with diacritic-insensitive search and bounded queries, the pages of one entry, forms that
keep what was typed, deletion refusals, the expression check, export and import, and the rights of each role."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from ytcs.indicators import catalogue_services as services
from ytcs.indicators.models import Constant, DataElement, DataSet, Indicator
from ytcs.indicators.tests.helpers import indicator, put

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(client_for):
    """The pages in English: these tests read the messages' English text."""
    from django.conf import settings

    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def url(name: str, *args, query: str = "") -> str:
    return reverse(f"indicators:{name}", args=args) + (f"?{query}" if query else "")


def en(client, path: str, **kwargs):
    """A page in English (assertions on message text)."""
    return client.get(path, HTTP_ACCEPT_LANGUAGE="en", **kwargs)


# ---------------------------------------------------------------------------------------------- lists


# Session, user, roles (twice: the menu and the right to change the catalogue), count, page; then the list's own
# prefetches (a rule's data sets; a disaggregation's categories, and the categories with their options).
LISTS = [
    ("catalogue_element_list", "KCB_BHYT", 6),
    ("catalogue_dataset_list", "TYT_THANG", 6),
    ("catalogue_indicator_list", "BS_10000", 6),
    ("catalogue_rule_list", "TV1_LE_TV5", 7),
    ("catalogue_constant_list", "HE_SO", 6),
    ("catalogue_combo_list", "GIOI_TINH", 9),
]


@pytest.mark.parametrize("name,text,queries", LISTS)
def test_every_list_is_read_by_anyone_logged_in_in_a_bounded_number_of_queries(
    name, text, queries, world, client_for, django_assert_max_num_queries
):
    services.constant_save(user=world.province_admin, code="HE_SO", name="Hệ số", value=2)
    client = client_for(world.viewer)
    client.get(url(name))  # session and language settled
    with django_assert_max_num_queries(queries):
        response = client.get(url(name))
    assert response.status_code == 200
    assert text in response.text


def test_the_constant_list_shows_the_constants(world, client_for):
    services.constant_save(user=world.province_admin, code="HE_SO", name="Hệ số điều chỉnh", value=1.25)
    response = client_for(world.viewer).get(url("catalogue_constant_list"))
    assert "C{HE_SO}" in response.text and "1.25" in response.text.replace(",", ".")
    assert 'href="/indicators/catalogue/constants/HE_SO/edit/"' not in response.text  # a viewer gets no edit link


def test_the_query_count_of_a_list_does_not_grow_with_its_rows(world, client_for, django_assert_max_num_queries):
    for n in range(40):
        services.data_element_save(user=world.province_admin, code=f"X{n:02}", name=f"Phần tử {n}")
    client = client_for(world.viewer)
    client.get(url("catalogue_element_list"))
    with django_assert_max_num_queries(8):
        response = client.get(url("catalogue_element_list", query="page_size=100"))
    assert "X00" in response.text and "X39" in response.text


@pytest.mark.parametrize(
    "name,query,found,absent",
    [
        ("catalogue_element_list", "de tai tram", "DE_TAI_TRAM", "DE_DIA_BAN"),
        ("catalogue_element_list", "ĐẺ TẠI", "DE_TAI_TRAM", "KCB_LUOT"),
        ("catalogue_element_list", "kcb_bhyt", "KCB_BHYT", "KCB_LUOT<"),
        ("catalogue_dataset_list", "giuong benh", "CSKCB_NAM", "TYT_THANG"),
        ("catalogue_indicator_list", "bac si 10.000", "BS_10000", "DD_10000"),
        ("catalogue_indicator_list", "dieu duong", "DD_10000", "BS_10000"),
        ("catalogue_rule_list", "tu vong", "TV1_LE_TV5", "KCB_BHYT_LE_TONG"),
        ("catalogue_combo_list", "gioi tinh", "GIOI_TINH", ">default<"),
    ],
)
def test_search_ignores_diacritics_and_case(name, query, found, absent, world, client_for):
    response = client_for(world.viewer).get(url(name), {"q": query})
    assert found in response.text
    assert absent not in response.text


def test_the_search_answers_htmx_with_the_table_only(world, client_for):
    response = client_for(world.viewer).get(
        url("catalogue_indicator_list"), {"q": "ty le"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="catalogue-table"
    )
    assert "<html" not in response.text and "TYT_CO_BS" in response.text and "BS_10000" not in response.text


def test_lists_paginate(world, client_for):
    for n in range(30):
        services.constant_save(user=world.province_admin, code=f"K{n:02}", name=f"Hằng số {n}", value=n)
    client = client_for(world.viewer)
    first = client.get(url("catalogue_constant_list"))
    second = client.get(url("catalogue_constant_list", query="page=2"))
    assert "K00" in first.text and "K29" not in first.text
    assert "K29" in second.text and "K00" not in second.text


def test_the_indicator_list_filters_by_group(world, client_for):
    response = client_for(world.viewer).get(url("catalogue_indicator_list"), {"group": "maternal_child"})
    assert "TV_DUOI1" in response.text and "BS_10000" not in response.text


def test_the_element_list_of_one_data_set(world, client_for):
    response = client_for(world.viewer).get(url("catalogue_element_list"), {"data_set": "TYT_NAM"})
    assert "DAN_SO_BHYT" in response.text and "KCB_LUOT" not in response.text


def test_the_landing_page_counts_each_kind(world, client_for):
    response = client_for(world.viewer).get(url("catalogue"))
    counts = response.context["counts"]
    assert counts["indicators"] == Indicator.objects.count() and counts["data_sets"] == DataSet.objects.count()
    assert reverse("indicators:catalogue_export") in response.text
    assert reverse("indicators:catalogue_import") not in response.text  # a viewer cannot import
    admin = client_for(world.province_admin).get(url("catalogue"))
    assert reverse("indicators:catalogue_import") in admin.text


# ---------------------------------------------------------------------------------------------- one entry


def test_an_indicator_shows_its_formula_in_words_and_that_it_is_unconfirmed(world, client_for):
    response = client_for(world.viewer).get(url("catalogue_indicator_detail", "TV_DUOI1"))
    words = response.text.split('id="formula"')[1].split("</section>")[0]
    assert "Số trẻ dưới 1 tuổi tử vong" in words and "Số trẻ đẻ ra sống" in words
    assert "× 1.000" in words or "× 1,000" in words
    assert "CHƯA XÁC NHẬN" in response.text
    assert 'id="source"' in response.text and "Thông tư 20/2019/TT-BYT" in response.text


def test_a_confirmed_indicator_has_no_badge_and_registry_figures_are_named(world, client_for):
    ind = indicator("BS_10000")
    services.indicator_save(user=world.province_admin, indicator=ind, confirmed=True)
    with translation.override("en"):
        response = en(client_for(world.viewer), url("catalogue_indicator_detail", "BS_10000"))
    assert "badge unconfirmed" not in response.text
    assert "doctors working" in response.text and "catchment population" in response.text


def test_an_indicator_naming_a_constant_and_an_option_combo_shows_their_names(world, client_for):
    services.constant_save(user=world.province_admin, code="HE_SO", name="Hệ số vùng", value=1.5)
    services.indicator_save(
        user=world.province_admin, code="MOI", name="Mới", numerator="#{KCB_LUOT.NU} * C{HE_SO}", factor=100
    )
    response = client_for(world.viewer).get(url("catalogue_indicator_detail", "MOI"))
    assert "Lượt khám chữa bệnh tại trạm (Nữ)" in response.text and "Hệ số vùng = 1.5" in response.text


def test_a_data_set_shows_its_sections_and_elements_in_order(world, client_for, django_assert_max_num_queries):
    client = client_for(world.viewer)
    client.get(url("catalogue_dataset_detail", "TYT_THANG"))
    with django_assert_max_num_queries(8):
        response = client.get(url("catalogue_dataset_detail", "TYT_THANG"))
    sections = response.text.split('id="data-set-sections"')[1]
    assert sections.index("Khám chữa bệnh") < sections.index("KCB_LUOT") < sections.index("Sức khỏe bà mẹ, trẻ em")
    assert sections.index("Sức khỏe bà mẹ, trẻ em") < sections.index("DE_TAI_TRAM") < sections.index("THA_QUAN_LY")
    assert "DE_TRAM_LE_DIA_BAN" in response.text or "Đẻ tại trạm không vượt" in response.text


def test_a_data_element_shows_its_data_sets_disaggregation_range_and_users(world, client_for):
    response = client_for(world.viewer).get(url("catalogue_element_detail", "KCB_LUOT"))
    text = response.text
    assert "Báo cáo hoạt động trạm y tế (hằng tháng)" in text.split('id="element-data-sets"')[1]
    disaggregation = text.split('id="disaggregation"')[1].split("</p>")[0]
    assert "Theo giới tính" in disaggregation and "#{KCB_LUOT.NU}" in disaggregation
    assert "0 – 5000" in text.split('id="usual-range"')[1].split("</dd>")[0].replace(".", "").replace(",", "")
    assert "KCB_BHYT_PCT" in text.split('id="element-used-by"')[1]


def test_a_rule_and_a_disaggregation_have_their_pages(world, client_for):
    client = client_for(world.viewer)
    rule = client.get(url("catalogue_rule_detail", "DE_TRAM_LE_DIA_BAN"))
    assert "Số ca đẻ tại trạm y tế" in rule.text and "≤" in rule.text
    combo = client.get(url("catalogue_combo_detail", "GIOI_TINH"))
    assert "KCB_LUOT" in combo.text and ">NU<" in combo.text


def test_an_unknown_code_is_not_found(world, client_for):
    client = client_for(world.viewer)
    assert client.get(url("catalogue_indicator_detail", "KHONG_CO")).status_code == 404
    assert client_for(world.province_admin).get(url("catalogue_element_edit", "KHONG_CO")).status_code == 404


# ---------------------------------------------------------------------------------------------- forms and rights


@pytest.mark.parametrize("persona", ["region_manager", "station_head", "viewer", "province_viewer", "data_clerk"])
def test_only_province_administrators_open_and_submit_the_forms(persona, world, client_for):
    client = client_for(getattr(world, persona))
    assert client.get(url("catalogue_indicator_create")).status_code == 403
    assert client.get(url("catalogue_element_edit", "KCB_LUOT")).status_code == 403
    assert client.get(url("catalogue_constant_delete", "X")).status_code == 403
    assert client.get(url("catalogue_import")).status_code == 403
    response = client.post(url("catalogue_constant_create"), {"code": "PI", "name": "Pi", "value": "3.14"})
    assert response.status_code == 403
    assert not Constant.objects.filter(code="PI").exists()
    # They read the lists without the buttons to change them.
    listed = client.get(url("catalogue_indicator_list"))
    assert url("catalogue_indicator_create") not in listed.text


def indicator_data(**overrides) -> dict:
    data = {
        "code": "DE_TRAM_1000",
        "name": "Ca đẻ tại trạm/1.000 dân",
        "group": "maternal_child",
        "numerator": "#{DE_TAI_TRAM}",
        "denominator": "R{population}",
        "factor": "1000",
        "decimals": "1",
        "higher_is_better": "on",
        "sort_order": "100",
        "source": "Kế hoạch của Sở",
    }
    return {**data, **overrides}


def test_an_administrator_creates_an_indicator(world, client_for):
    response = client_for(world.province_admin).post(url("catalogue_indicator_create"), indicator_data())
    assert response.status_code == 302 and response["Location"] == url("catalogue_indicator_detail", "DE_TRAM_1000")
    assert indicator("DE_TRAM_1000").factor == 1000


def test_an_indicator_form_with_an_unknown_reference_keeps_what_was_typed(world, client_for):
    client = client_for(world.province_admin)
    response = client.post(
        url("catalogue_indicator_create"),
        indicator_data(numerator="#{DE_TAI_TRAM} + #{KHONG_CO}", denominator="R{dan_so}"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "#{KHONG_CO}: no such data element." in response.text
    assert "R{dan_so} is not a registry figure" in response.text
    assert 'value="#{DE_TAI_TRAM} + #{KHONG_CO}"' in response.text
    assert 'value="Ca đẻ tại trạm/1.000 dân"' in response.text
    assert not Indicator.objects.filter(code="DE_TRAM_1000").exists()


def test_the_indicator_and_rule_forms_explain_expressions_and_list_the_registry_keys(world, client_for):
    client = client_for(world.province_admin)
    form = client.get(url("catalogue_indicator_create"))
    help_block = form.text.split('id="expression-help"')[1]
    for key in ("R{population}", "R{doctors}", "R{stations_with_doctor}", "R{category:…}", "R{criteria_met:…}"):
        assert key in help_block
    rule = client.get(url("catalogue_rule_create"))
    assert 'id="expression-help"' in rule.text and 'id="registry-keys"' not in rule.text
    assert client.get(url("catalogue_constant_create")).text.count('id="expression-help"') == 0


def test_the_expression_check_resolves_or_names_the_problem(world, client_for):
    client = client_for(world.viewer)
    ok = client.get(
        url("catalogue_check_expression"), {"expression": "#{DE_TAI_TRAM} / R{population}", "registry": "1"}
    )
    assert "Số ca đẻ tại trạm y tế" in ok.text and "expression-ok" in ok.text
    with translation.override("en"):
        bad = en(client, url("catalogue_check_expression", query="field=left&left=R%7Bdoctors%7D&registry=0"))
    assert "registry figures cannot be used here" in bad.text
    empty = client.get(url("catalogue_check_expression"))
    assert empty.status_code == 200 and "expression-errors" not in empty.text


def test_a_data_set_form_names_unknown_codes_by_line_and_keeps_the_text(world, client_for):
    members = "# Khám chữa bệnh\nKCB_LUOT\nKHONG_CO\n# Khác\nGIUONG_BENH"
    data = {
        "code": "TYT_QUY",
        "name": "Báo cáo quý",
        "period_type": "quarterly",
        "expiry_days": "20",
        "unit_kinds": ["station"],
        "members": members,
        "is_active": "on",
    }
    client = client_for(world.province_admin)
    response = client.post(url("catalogue_dataset_create"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Line 3: no data element has the code KHONG_CO." in response.text
    assert "KHONG_CO\n# Khác" in response.text
    response = client.post(url("catalogue_dataset_create"), {**data, "members": members.replace("KHONG_CO\n", "")})
    assert response.status_code == 302
    ds = DataSet.objects.get(code="TYT_QUY")
    assert list(ds.members.order_by("sort_order").values_list("data_element__code", "section")) == [
        ("KCB_LUOT", "Khám chữa bệnh"),
        ("GIUONG_BENH", "Khác"),
    ]
    # The edit form shows the members as they were typed.
    edit = client.get(url("catalogue_dataset_edit", "TYT_QUY"))
    assert "# Khám chữa bệnh\nKCB_LUOT\n# Khác\nGIUONG_BENH" in edit.text


def test_a_refused_period_type_change_is_shown_on_the_field(world, client_for):
    put(world.province_admin, [("GIUONG_BENH", world.region_a, "2025", 120)])
    client = client_for(world.province_admin)
    form = client.get(url("catalogue_dataset_edit", "CSKCB_NAM"))
    data = {
        "code": "CSKCB_NAM",
        "name": form.context["form"].initial.get("name") or DataSet.objects.get(code="CSKCB_NAM").name,
        "period_type": "quarterly",
        "expiry_days": "60",
        "unit_kinds": ["regional_centre", "hospital"],
        "members": "GIUONG_BENH",
        "is_active": "on",
    }
    response = client.post(url("catalogue_dataset_edit", "CSKCB_NAM"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "its period type cannot change" in response.text
    assert DataSet.objects.get(code="CSKCB_NAM").period_type == "yearly"


def test_a_category_and_a_disaggregation_are_made_from_the_pages(world, client_for):
    client = client_for(world.province_admin)
    response = client.post(
        url("catalogue_category_create"),
        {"code": "DO_TUOI", "name": "Nhóm tuổi", "options": "DUOI5: Dưới 5 tuổi\nTU5: Từ 5 tuổi"},
    )
    assert response.status_code == 302
    bad = client.post(
        url("catalogue_category_create"),
        {"code": "X", "name": "X", "options": "thiếu dấu hai chấm"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Line 1: write “CODE: name”." in bad.text and "thiếu dấu hai chấm" in bad.text
    from ytcs.indicators.models import Category

    response = client.post(
        url("catalogue_combo_create"),
        {
            "code": "GT_TUOI",
            "name": "Giới tính × tuổi",
            "categories": [Category.objects.get(code="DO_TUOI").pk, Category.objects.get(code="GIOI_TINH").pk],
        },
    )
    assert response.status_code == 302
    detail = client.get(url("catalogue_combo_detail", "GT_TUOI"))
    assert "DUOI5_NU" in detail.text and "Từ 5 tuổi, Nam" in detail.text


def test_deleting_an_entry_in_use_says_why_and_keeps_it(world, client_for):
    client = client_for(world.province_admin)
    confirm = client.get(url("catalogue_element_delete", "KCB_LUOT"))
    assert confirm.status_code == 200
    response = client.post(url("catalogue_element_delete", "KCB_LUOT"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    refusal = response.text.split('id="delete-refused"')[1].split("</p>")[0]
    assert "TYT_THANG" in refusal and "KCB_BHYT_PCT" in refusal
    assert DataElement.objects.filter(code="KCB_LUOT").exists()


def test_deleting_an_unused_entry(world, client_for):
    services.data_element_save(user=world.province_admin, code="LE", name="Lẻ")
    response = client_for(world.province_admin).post(url("catalogue_element_delete", "LE"))
    assert response.status_code == 302 and response["Location"] == url("catalogue_element_list")
    assert not DataElement.objects.filter(code="LE").exists()


# ---------------------------------------------------------------------------------------------- export, import


def test_the_catalogue_downloads_as_yaml(world, client_for):
    response = client_for(world.viewer).get(url("catalogue_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/yaml")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    assert "data_elements:" in text and "Số ca đẻ tại trạm y tế" in text


def test_an_administrator_imports_a_file_and_a_bad_file_saves_nothing(world, client_for):
    client = client_for(world.province_admin)
    good = "constants:\n  - {code: HE_SO, name: Hệ số, value: 2}\n"
    response = client.post(
        url("catalogue_import"), {"file": SimpleUploadedFile("c.yaml", good.encode(), "application/yaml")}
    )
    assert response.status_code == 302 and Constant.objects.get(code="HE_SO").value == 2
    bad = (
        "constants:\n  - {code: HE_SO, name: Hệ số, value: 3}\n"
        "indicators:\n  - {code: MOI, name: Mới, numerator: '#{KHONG_CO}'}\n"
    )
    response = client.post(
        url("catalogue_import"),
        {"file": SimpleUploadedFile("c.yaml", bad.encode(), "application/yaml")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    errors = response.text.split('id="import-errors"')[1]
    assert "indicators #1 (MOI)" in errors and "KHONG_CO" in errors
    assert Constant.objects.get(code="HE_SO").value == 2
    wrong_type = client.post(
        url("catalogue_import"),
        {"file": SimpleUploadedFile("c.txt", b"x", "text/plain")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Choose a .yaml or .yml file." in wrong_type.text
