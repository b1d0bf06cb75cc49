"""The catalogue as a YAML file: the export has the shipped file's format, an export imported back leaves the catalogue
identical, an import corrects entries to the file, and a bad file saves nothing and names every bad entry."""

from __future__ import annotations

import copy
import io

import pytest
import yaml
from django.core.exceptions import PermissionDenied
from django.utils import translation

from ytcs.core.models import AuditEntry
from ytcs.indicators import catalogue, catalogue_io
from ytcs.indicators import catalogue_services as services
from ytcs.indicators.models import Category, CategoryCombo, Constant, DataElement, DataSet, Indicator, ValidationRule
from ytcs.indicators.tests.helpers import data_set, element, indicator, put

pytestmark = pytest.mark.django_db


def keyed(document: dict) -> dict:
    return {section: {row["code"]: row for row in document.get(section, [])} for section in catalogue_io.SECTIONS}


def export(world) -> dict:
    return catalogue_io.export_document(user=world.viewer)


def run(world, document) -> catalogue_io.ImportOutcome:
    return catalogue_io.import_document(user=world.province_admin, document=document)


def places(outcome) -> list[str]:
    return [f"{p.place}: {p.message}" for p in outcome.errors]


# ---------------------------------------------------------------------------------------------- export


def test_the_export_has_the_format_of_the_shipped_file(world):
    """Each shipped entry comes back written exactly as the shipped file writes it (defaults left out)."""
    assert keyed(export(world)) == keyed(catalogue.shipped_document())


def test_the_yaml_download_loads_back_to_the_document(world):
    text = catalogue_io.export_yaml(user=world.viewer)
    assert text.startswith("#")
    assert yaml.safe_load(text) == export(world)
    assert "Số ca đẻ tại trạm y tế" in text  # Vietnamese written as such, not escaped


# ---------------------------------------------------------------------------------------------- round trips


def test_an_export_imported_back_leaves_the_catalogue_identical(world):
    services.constant_save(user=world.province_admin, code="HE_SO", name="Hệ số", value=1.5, confirmed=True)
    services.data_element_save(user=world.province_admin, element=element("GIUONG_BENH"), is_active=False)
    document = export(world)
    audit_before = AuditEntry.objects.count()
    outcome = run(world, yaml.safe_load(catalogue_io.dump(document)))
    assert outcome.ok, places(outcome)
    assert (outcome.created, outcome.updated) == (0, 0)
    assert outcome.unchanged == sum(len(document[s]) for s in catalogue_io.SECTIONS)
    assert export(world) == document
    assert AuditEntry.objects.count() == audit_before  # nothing was even rewritten


def test_importing_the_shipped_file_changes_nothing(world):
    outcome = catalogue_io.import_upload(user=world.province_admin, upload=io.BytesIO(catalogue.SHIPPED.read_bytes()))
    assert outcome.ok, places(outcome)
    assert outcome.created == outcome.updated == 0


def test_an_import_restores_every_kind_of_entry_to_the_file(world):
    document = export(world)
    admin = world.province_admin
    services.data_element_save(user=admin, element=element("KCB_BHYT"), name="Đổi tên", max_value=1)
    services.indicator_save(user=admin, indicator=indicator("DE_TAI_TRAM_PCT"), numerator="#{DE_DIA_BAN}", factor=1)
    ds = data_set("TYT_NAM")
    services.data_set_save(
        user=admin,
        data_set=ds,
        expiry_days=5,
        members=[services.Member(element("DAN_SO_SKDT"), "Khác"), services.Member(element("TRE_DUOI1"))],
    )
    services.category_save(
        user=admin, category=Category.objects.get(code="GIOI_TINH"), options=[("NAM", "Nam giới"), ("NU", "Nữ giới")]
    )
    services.validation_rule_save(
        user=admin, rule=ValidationRule.objects.get(code="TV1_LE_TV5"), data_sets=[data_set("TYT_NAM")], operator="<"
    )
    services.category_combo_save(user=admin, combo=CategoryCombo.objects.get(code="GIOI_TINH"), name="Giới")
    assert export(world) != document
    outcome = run(world, document)
    assert outcome.ok, places(outcome)
    assert outcome.updated == 6 and outcome.created == 0
    assert export(world) == document


def test_an_import_creates_a_whole_new_part_of_the_catalogue_in_dependency_order(world):
    document = {
        "categories": [{"code": "DO_TUOI", "name": "Nhóm tuổi", "options": [{"code": "DUOI5", "name": "Dưới 5"}]}],
        "category_combos": [{"code": "TUOI", "name": "Theo tuổi", "categories": ["DO_TUOI"]}],
        "data_elements": [{"code": "KHAM_TRE", "name": "Khám trẻ", "category_combo": "TUOI", "max": 100}],
        "data_sets": [
            {
                "code": "TRE_QUY",
                "name": "Báo cáo trẻ em",
                "period_type": "quarterly",
                "unit_kinds": ["station"],
                "sections": [{"name": "Trẻ em", "data_elements": ["KHAM_TRE"]}],
            }
        ],
        "constants": [{"code": "HE_SO", "name": "Hệ số", "value": 2}],
        "validation_rules": [
            {
                "code": "KHAM_TRE_DUONG",
                "name": "Khám trẻ không âm",
                "left": "#{KHAM_TRE.DUOI5}",
                "operator": ">=",
                "right": "0",
                "instruction": "Số lượt khám không thể âm.",
                "data_sets": ["TRE_QUY"],
            }
        ],
        "indicators": [{"code": "KHAM_TRE_HS", "name": "Khám trẻ × hệ số", "numerator": "#{KHAM_TRE} * C{HE_SO}"}],
    }
    outcome = run(world, document)
    assert outcome.ok, places(outcome)
    assert outcome.created == 7
    assert element("KHAM_TRE").category_combo.option_combos.get().code == "DUOI5"
    assert data_set("TRE_QUY").members.get().section == "Trẻ em"
    assert indicator("KHAM_TRE_HS").factor == 1 and indicator("KHAM_TRE_HS").denominator == "1"


# ---------------------------------------------------------------------------------------------- all or nothing


def test_one_bad_entry_saves_nothing_and_is_named(world):
    document = {
        "data_elements": [{"code": "MOI", "name": "Mới"}],
        "constants": [{"code": "HE_SO", "name": "Hệ số", "value": 2}],
        "indicators": [
            {"code": "TOT", "name": "Tốt", "numerator": "#{MOI}"},
            {"code": "XAU", "name": "Xấu", "numerator": "#{KHONG_CO} * C{HE_SO}"},
        ],
    }
    with translation.override("en"):
        outcome = run(world, document)
    assert places(outcome) == ["indicators #2 (XAU): numerator: #{KHONG_CO}: no such data element."]
    assert not DataElement.objects.filter(code="MOI").exists()
    assert not Constant.objects.filter(code="HE_SO").exists()
    assert not Indicator.objects.filter(code="TOT").exists()


def test_refusals_of_the_services_are_named_with_the_entry(world):
    put(world.province_admin, [("DE_TAI_TRAM", world.station_a1, "202501", 3)])
    document = export(world)
    for row in document["data_elements"]:
        if row["code"] == "DE_TAI_TRAM":
            row["category_combo"] = "GIOI_TINH"
    with translation.override("en"):
        outcome = run(world, document)
    assert len(outcome.errors) == 1
    place, message = outcome.errors[0].place, outcome.errors[0].message
    assert place.startswith("data_elements #") and place.endswith("(DE_TAI_TRAM)")
    assert message.startswith("category_combo: ") and "cannot change" in message


@pytest.mark.parametrize(
    "document,expected",
    [
        ([1, 2], "The file must hold the catalogue's sections"),
        ({"indicatorz": [{"code": "X"}]}, "indicatorz: Unknown section"),
        ({"constants": {"code": "X"}}, "constants: The section must be a list of entries."),
        ({"constants": ["X"]}, "constants #1: An entry must be a mapping"),
        ({"constants": [{"code": "X", "name": "X"}]}, "constants #1 (X): “value” is required."),
        ({"constants": [{"code": "X", "name": "X", "value": "hai"}]}, "constants #1 (X): “value” must be a number."),
        ({"constants": [{"code": "X", "name": "X", "value": 1, "nmae": "Y"}]}, "constants #1 (X): Unknown key “nmae”."),
        (
            {"constants": [{"code": "X", "name": "X", "value": 1}, {"code": "X", "name": "Y", "value": 2}]},
            "constants #2 (X): The code X is given twice in this section.",
        ),
        (
            {"data_elements": [{"code": "X", "name": "X", "confirmed": "yes"}]},
            "data_elements #1 (X): “confirmed” must be true or false.",
        ),
        (
            {"data_elements": [{"code": "X", "name": "X", "value_type": "text"}]},
            "data_elements #1 (X): “value_type” must be one of:",
        ),
        (
            {"data_elements": [{"code": "X", "name": "X", "category_combo": "KHONG_CO"}]},
            "data_elements #1 (X): category_combo: no disaggregation has the code KHONG_CO.",
        ),
        (
            {
                "data_sets": [
                    {"code": "D", "name": "D", "period_type": "monthly", "sections": [{"data_elements": ["NO"]}]}
                ]
            },
            "data_sets #1 (D): sections: no data element has the code NO.",
        ),
        (
            {"data_sets": [{"code": "D", "name": "D", "period_type": "monthly", "sections": [{"elements": []}]}]},
            "data_sets #1 (D): Section #1 must have “data_elements”",
        ),
        ({"categories": [{"code": "C", "name": "C"}]}, "categories #1 (C): “options” must list"),
        (
            {"category_combos": [{"code": "K", "name": "K", "categories": ["NO"]}]},
            "category_combos #1 (K): categories: no category has the code NO.",
        ),
        (
            {"validation_rules": [{"code": "R", "name": "R", "left": "1", "operator": "=<", "right": "2"}]},
            "validation_rules #1 (R): “operator” must be one of:",
        ),
        (
            {"indicators": [{"code": "I", "name": "I", "numerator": "1", "factor": 0}]},
            "indicators #1 (I): factor:",
        ),
        ({"indicators": [{"code": "I", "name": "I", "numerator": "1", "factor": 1.5}]}, "must be a whole number"),
    ],
)
def test_every_bad_entry_is_named(world, document, expected):
    before = export(world)
    with translation.override("en"):
        outcome = run(world, document)
    assert any(expected in p for p in places(outcome)), places(outcome)
    assert export(world) == before


def test_every_problem_of_a_file_is_listed_at_once(world):
    document = {
        "constants": [{"code": "A", "name": "A", "value": "x"}, {"code": "B", "name": "B"}],
        "indicators": [{"code": "I", "name": "I"}],
    }
    with translation.override("en"):
        outcome = run(world, document)
    assert len(outcome.errors) == 3


# ---------------------------------------------------------------------------------------------- reading the file


def upload(text: str | bytes) -> io.BytesIO:
    return io.BytesIO(text.encode() if isinstance(text, str) else text)


def test_invalid_yaml_is_placed_by_line(world):
    with translation.override("en"):
        outcome = catalogue_io.import_upload(user=world.province_admin, upload=upload("constants:\n  - {code: [\n"))
    assert not outcome.ok and outcome.errors[0].place.startswith("line ")


def test_aliases_of_lists_are_refused_and_aliases_of_values_accepted(world):
    bomb = "a: &a [1, 2]\nb: &b [*a, *a]\nconstants: []\n"
    with translation.override("en"):
        outcome = catalogue_io.import_upload(user=world.province_admin, upload=upload(bomb))
    assert not outcome.ok and "Aliases" in outcome.errors[0].message
    fine = "src: &s Nguồn chung\nconstants:\n  - {code: HE_SO, name: Hệ số, value: 2, source: *s}\n"
    outcome = catalogue_io.import_upload(user=world.province_admin, upload=upload(fine))
    assert outcome.ok and Constant.objects.get(code="HE_SO").source == "Nguồn chung"


def test_a_file_that_is_not_utf8_is_refused(world):
    with translation.override("en"):
        outcome = catalogue_io.import_upload(
            user=world.province_admin, upload=upload("constants: []\n# Hệ số".encode("utf-16"))
        )
    assert not outcome.ok and "UTF-8" in outcome.errors[0].message


def test_only_province_administrators_import(world):
    with pytest.raises(PermissionDenied):
        catalogue_io.import_document(user=world.region_manager, document={"constants": []})


def test_the_shipped_document_is_not_changed_by_a_failed_import(world):
    document = copy.deepcopy(catalogue.shipped_document())
    document["indicators"][0]["numerator"] = "R{khong_co}"
    outcome = run(world, document)
    assert not outcome.ok
    assert DataSet.objects.count() == 3 and keyed(export(world)) == keyed(catalogue.shipped_document())
