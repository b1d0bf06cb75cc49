"""The shipped framework files (data/frameworks/*.yaml) follow data/FORMAT.md, and never claim more than their sources.

The files are read by path from this test's location with `yaml.safe_load`, so the checks do not depend on the app's
loader; one test also runs them through the loader when it is importable. No database is needed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

FRAMEWORKS_DIR = Path(__file__).resolve().parent.parent / "data" / "frameworks"
FILES = sorted(FRAMEWORKS_DIR.glob("*.yaml"))

TOP_KEYS = {"code", "version", "name", "source", "confirmed", "notes", "unit_kinds", "scoring", "pass_rule", "criteria"}
PASS_RULE_KEYS = {"total_min", "every_criterion_min_percent", "confirmed", "source"}
CRITERION_KEYS = {"code", "name", "max_points", "min_points", "confirmed", "source", "items"}
ITEM_KEYS = {
    "code",
    "text",
    "type",
    "max_points",
    "evidence_required",
    "confirmed",
    "source",
    "prefill",
    "choices",
    "thresholds",
    "unit",
}
ITEM_TYPES = {"yes_no", "number", "choice", "points"}
SCORINGS = {"points", "domain_mean"}
UNIT_KINDS = {
    "country",
    "province",
    "hospital",
    "provincial_unit",
    "regional_centre",
    "station",
    "satellite",
    "private",
}
PREFILL_KEYS = {
    "station_has_doctor",
    "station_doctor_count",
    "station_population",
    "station_staff_count",
    "equipment_norms_met",
    "equipment_short",
    "medicine_stockouts",
    "medicines_in_stock",
}
COMPETENCY_PREFIX = "staff_with_competency:"
# Field lengths the app stores (longer text is refused or cut): keep every file within them.
LIMITS = {"code": 40, "version": 20, "name": 300, "source": 500}
CRITERION_LIMITS = {"code": 30, "name": 300, "source": 500}
ITEM_LIMITS = {"code": 30, "text": 1000, "source": 500, "unit": 30}

# Decision 1300/QĐ-BYT: maxima of criteria 1-8 as published (thuvienphapluat.vn summary); 9 and 10 unknown.
QD1300_KNOWN_MAXIMA = {"TC1": 14, "TC2": 10, "TC3": 12, "TC4": 9, "TC5": 19, "TC6": 12, "TC7": 6, "TC8": 11}


def load(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def number(value: Any) -> Decimal | None:
    if value is None:
        return None
    assert not isinstance(value, bool), f"{value!r} is not a number"
    assert isinstance(value, int | float), f"{value!r} is not a number"
    return Decimal(str(value))


def items(data: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(criterion, item) for criterion in data["criteria"] for item in criterion.get("items") or []]


def reachable(item: dict[str, Any]) -> Decimal | None:
    """The most points an item's own rules can give (choices, thresholds), None when nothing says."""
    if item["type"] == "choice":
        return max((number(c["points"]) for c in item.get("choices") or []), default=None)
    if item["type"] == "number":
        return max((number(t["points"]) for t in item.get("thresholds") or []), default=None)
    return None


def test_there_are_the_three_shipped_frameworks():
    assert {path.stem for path in FILES} >= {"qd1300-2030", "5s-co-so-y-te", "who-sara-gsr"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_top_level_follows_the_format(path):
    data = load(path)
    assert isinstance(data, dict)
    assert set(data) <= TOP_KEYS, set(data) - TOP_KEYS
    assert data["code"] == path.stem
    assert isinstance(data["version"], str) and data["version"]
    for key in ("name", "source"):
        assert isinstance(data[key], str) and data[key].strip()
    for key, limit in LIMITS.items():
        assert len(str(data[key]).strip()) <= limit, f"{key} longer than {limit}"
    assert isinstance(data["confirmed"], bool)
    assert isinstance(data.get("notes") or "", str)
    assert data["unit_kinds"] and set(data["unit_kinds"]) <= UNIT_KINDS
    assert data["scoring"] in SCORINGS
    rule = data["pass_rule"]
    assert isinstance(rule, dict) and set(rule) <= PASS_RULE_KEYS
    assert isinstance(rule.get("confirmed", False), bool)
    assert str(rule.get("source") or "").strip(), "the pass rule says where it comes from, or why there is none"
    assert len(str(rule.get("source") or "").strip()) <= 500
    for key in ("total_min", "every_criterion_min_percent"):
        value = number(rule.get(key))
        assert value is None or value >= 0
    assert isinstance(data["criteria"], list) and data["criteria"]


def test_code_and_version_are_unique_across_files():
    pairs = [(load(path)["code"], load(path)["version"]) for path in FILES]
    assert len(pairs) == len(set(pairs))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_criteria_and_items_follow_the_format(path):
    data = load(path)
    criterion_codes = [c["code"] for c in data["criteria"]]
    assert len(criterion_codes) == len(set(criterion_codes)), "criterion codes are unique"
    item_codes = [item["code"] for _, item in items(data)]
    assert len(item_codes) == len(set(item_codes)), "item codes are unique in the framework"
    assert not set(item_codes) & set(criterion_codes)
    for criterion in data["criteria"]:
        assert set(criterion) <= CRITERION_KEYS, set(criterion) - CRITERION_KEYS
        assert isinstance(criterion["code"], str) and isinstance(criterion["name"], str) and criterion["name"].strip()
        assert isinstance(criterion["confirmed"], bool)
        assert str(criterion.get("source") or "").strip(), f"{criterion['code']} cites its source"
        for key, limit in CRITERION_LIMITS.items():
            assert len(str(criterion.get(key) or "").strip()) <= limit, f"{criterion['code']}.{key} too long"
        maximum, minimum = number(criterion.get("max_points")), number(criterion.get("min_points"))
        assert maximum is None or maximum >= 0
        assert minimum is None or minimum >= 0
        if maximum is not None and minimum is not None:
            assert minimum <= maximum
    for criterion, item in items(data):
        where = f"{criterion['code']}/{item.get('code')}"
        assert set(item) <= ITEM_KEYS, (where, set(item) - ITEM_KEYS)
        assert isinstance(item["code"], str) and item["code"].strip(), where
        assert isinstance(item["text"], str) and item["text"].strip(), where
        assert item["type"] in ITEM_TYPES, where
        assert isinstance(item["confirmed"], bool), where
        assert isinstance(item.get("evidence_required", False), bool), where
        assert str(item.get("source") or "").strip(), f"{where} cites its source"
        for key, limit in ITEM_LIMITS.items():
            assert len(str(item.get(key) or "").strip()) <= limit, f"{where}.{key} too long"
        maximum = number(item.get("max_points"))
        assert maximum is None or maximum >= 0, where
        if item["type"] == "choice":
            choices = item.get("choices") or []
            assert choices, f"{where}: a choice item lists its choices"
            assert all({"code", "label", "points"} <= set(c) for c in choices), where
            assert len({c["code"] for c in choices}) == len(choices), where
        if item["type"] == "number":
            mins = [number(t["min"]) for t in item.get("thresholds") or []]
            assert mins == sorted(mins), f"{where}: thresholds are ordered by min"
            assert len(mins) == len(set(mins)), where
        top = reachable(item)
        if top is not None and maximum is not None:
            assert maximum >= top, f"{where}: max_points below the points it can give"
        if item["type"] == "points":
            assert maximum is not None or not item["confirmed"], f"{where}: a points item needs its maximum"
        prefill = item.get("prefill")
        if prefill:
            assert prefill in PREFILL_KEYS or (
                prefill.startswith(COMPETENCY_PREFIX) and len(prefill) > len(COMPETENCY_PREFIX)
            ), f"{where}: unknown prefill {prefill}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_points_criteria_hold_their_items(path):
    """The items' maxima fit in their criterion's maximum (a criterion's score is capped at it)."""
    data = load(path)
    if data["scoring"] != "points":
        pytest.skip("index framework")
    for criterion in data["criteria"]:
        maximum = number(criterion.get("max_points"))
        known = [number(item.get("max_points")) for item in criterion.get("items") or []]
        known = [value for value in known if value is not None]
        if maximum is not None:
            assert sum(known, Decimal(0)) <= maximum, criterion["code"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_domain_mean_items_are_yes_no_tracers_worth_one(path):
    data = load(path)
    if data["scoring"] != "domain_mean":
        pytest.skip("points framework")
    for _, item in items(data):
        assert item["type"] == "yes_no", item["code"]
        assert number(item["max_points"]) == 1, item["code"]
        assert not item.get("choices") and not item.get("thresholds"), item["code"]
    assert all(criterion.get("items") for criterion in data["criteria"]), "every domain has tracers"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_nothing_unknown_is_marked_confirmed(path):
    """A null maximum or threshold is an unknown: whatever holds one says confirmed: false, and so does the file."""
    data = load(path)
    unconfirmed = []
    rule = data["pass_rule"]
    if rule.get("confirmed") is not True:
        unconfirmed.append("pass_rule")
    for criterion in data["criteria"]:
        if data["scoring"] == "points" and criterion.get("max_points") is None:
            assert criterion["confirmed"] is False, f"{criterion['code']}: unknown maximum marked confirmed"
        if not criterion["confirmed"]:
            unconfirmed.append(criterion["code"])
    for _, item in items(data):
        if data["scoring"] == "points" and item.get("max_points") is None:
            assert item["confirmed"] is False, f"{item['code']}: unknown points marked confirmed"
        if item["type"] == "number" and not item.get("thresholds"):
            assert item["confirmed"] is False, f"{item['code']}: unknown thresholds marked confirmed"
        if not item["confirmed"]:
            unconfirmed.append(item["code"])
    if unconfirmed:
        assert data["confirmed"] is False, f"file marked confirmed while {unconfirmed[:5]} are not"
        assert str(data.get("notes") or "").strip(), "an unconfirmed file says in its notes what is missing"


def test_qd1300_has_ten_criteria_with_the_published_maxima():
    data = load(FRAMEWORKS_DIR / "qd1300-2030.yaml")
    assert data["scoring"] == "points"
    assert [c["code"] for c in data["criteria"]] == [f"TC{n}" for n in range(1, 11)]
    by_code = {c["code"]: c for c in data["criteria"]}
    for code, maximum in QD1300_KNOWN_MAXIMA.items():
        assert number(by_code[code]["max_points"]) == maximum, code
        assert by_code[code]["confirmed"] is True, code
    for code in ("TC9", "TC10"):
        assert by_code[code]["max_points"] is None, f"{code}: its points are not in any source read"
        assert by_code[code]["confirmed"] is False
    assert data["confirmed"] is False
    assert data["pass_rule"]["confirmed"] is False
    assert data["pass_rule"]["total_min"] is None and data["pass_rule"]["every_criterion_min_percent"] is None


def test_qd1300_prefilled_items_are_flagged_unconfirmed():
    data = load(FRAMEWORKS_DIR / "qd1300-2030.yaml")
    prefilled = {item["prefill"]: item for _, item in items(data) if item.get("prefill")}
    assert {
        "station_has_doctor",
        "staff_with_competency:sieu-am-tong-quat",
        "staff_with_competency:dien-tam-do",
    } <= set(prefilled)
    for item in prefilled.values():
        assert item["confirmed"] is False
        assert "CHƯA XÁC NHẬN" in item["source"]


def test_five_s_has_five_s_of_four_to_six_items_and_maxima_that_add_up():
    data = load(FRAMEWORKS_DIR / "5s-co-so-y-te.yaml")
    assert data["scoring"] == "points"
    assert set(data["unit_kinds"]) == {"station", "regional_centre"}
    names = [c["name"] for c in data["criteria"]]
    for word, name in zip(["Sàng lọc", "Sắp xếp", "Sạch sẽ", "Săn sóc", "Sẵn sàng"], names, strict=True):
        assert name.startswith(word)
    for criterion in data["criteria"]:
        assert 4 <= len(criterion["items"]) <= 6, criterion["code"]
        for item in criterion["items"]:
            assert item["type"] in {"yes_no", "points"}
            assert number(item["max_points"]) in {1, 2}
            if item["type"] == "yes_no":
                assert number(item["max_points"]) == 1
        total = sum((number(item["max_points"]) for item in criterion["items"]), Decimal(0))
        assert number(criterion["max_points"]) == total, criterion["code"]
    rule = data["pass_rule"]
    assert rule["total_min"] is None and rule["every_criterion_min_percent"] is None


def test_sara_has_the_five_general_readiness_domains():
    data = load(FRAMEWORKS_DIR / "who-sara-gsr.yaml")
    assert data["scoring"] == "domain_mean"
    assert [c["code"] for c in data["criteria"]] == ["BA", "BE", "SP", "DC", "EM"]
    # SARA 2013 tracer counts (Bull World Health Organ 2013;91:923-931, Table 1).
    assert [len(c["items"]) for c in data["criteria"]] == [7, 7, 9, 8, 14]
    rule = data["pass_rule"]
    assert rule["total_min"] is None and rule["every_criterion_min_percent"] is None


def test_prefilled_competencies_exist_in_the_training_catalogue():
    catalogues = pytest.importorskip("ytcs.training.data.catalogues")
    competencies = {course[5] for course in catalogues.COURSES if course[5]}
    for path in FILES:
        for _, item in items(load(path)):
            prefill = item.get("prefill") or ""
            if prefill.startswith(COMPETENCY_PREFIX):
                assert prefill.removeprefix(COMPETENCY_PREFIX) in competencies, item["code"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_the_app_loader_accepts_the_file(path):
    frameworks = pytest.importorskip("ytcs.assessments.frameworks")
    frameworks.load_file(path)
