"""The analytics API contract (product.md §6): `/api/v1/analytics/` and `/api/v1/analytics/outlook/`.

Reported data of the test world (`reported_deliveries`), indicator DE_TAI_TRAM_PCT = deliveries at the station ×
100 ÷ deliveries in the commune, one decimal, halves up:
    A1: 2023 2/10 = 20.0   2024 3/10 = 30.0   2025 (3+5)/(10+14) = 8/24 = 33.3
    A2: 2025 1/16 = 6.25 → 6.3 (half up)
    RA: 2025 9/40 = 22.5
Targets (plan KH-DE of the province): for each unit below PROV, 2025: 40 and 2030: 60; A1's own 2030: 50.
    A1 2025: 33.3 of 40 (inherited from PROV) = 83.25 → 83.3 %;  A2 2025: 6.3 of 40 = 15.75 → 15.8 %.
Outlook of A1 up to 2026 (trend years 2022–2026, values 2023–2025): slope = 13.3 / 2 = 6.65 a year; next target
2030 (own, 50); projected 33.3 + 6.65 × 5 = 66.55 → 66.6, not at risk. A2: one value, no slope: projected 6.3
against 60 (2030, inherited): at risk.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from ytcs.core.testing.factories import OrgUnitFactory, StaffFactory, title
from ytcs.indicators.models import Indicator, Target, TargetPlan
from ytcs.indicators.tests.helpers import indicator, put
from ytcs.orgunits.models import OrgUnitKind

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics/"
OUTLOOK = "/api/v1/analytics/outlook/"


def report_deliveries(world) -> None:
    a1, a2 = world.station_a1, world.station_a2
    put(
        world.province_admin,
        [
            ("DE_TAI_TRAM", a1, "202301", 2),
            ("DE_DIA_BAN", a1, "202301", 10),
            ("DE_TAI_TRAM", a1, "202405", 3),
            ("DE_DIA_BAN", a1, "202405", 10),
            ("DE_TAI_TRAM", a1, "202501", 3),
            ("DE_DIA_BAN", a1, "202501", 10),
            ("DE_TAI_TRAM", a1, "202502", 5),
            ("DE_DIA_BAN", a1, "202502", 14),
            ("DE_TAI_TRAM", a2, "202503", 1),
            ("DE_DIA_BAN", a2, "202503", 16),
            ("DE_TAI_TRAM", world.station_b1, "202503", 4),
            ("DE_DIA_BAN", world.station_b1, "202503", 5),
        ],
    )


def deliveries_plan(world, *, confirmed: bool = False) -> TargetPlan:
    plan = TargetPlan.objects.create(
        orgunit=world.province,
        code="KH-DE",
        name="Kế hoạch nâng cao sức khỏe bà mẹ 2021–2030",
        start_year=2021,
        end_year=2030,
        confirmed=confirmed,
    )
    ind = indicator("DE_TAI_TRAM_PCT")
    for year, value in ((2025, 40), (2030, 60)):
        Target.objects.create(
            plan=plan, indicator=ind, orgunit=world.province, year=year, value=value, applies_below=True
        )
    Target.objects.create(plan=plan, indicator=ind, orgunit=world.station_a1, year=2030, value=50)
    return plan


@pytest.fixture
def reported(world):
    report_deliveries(world)
    deliveries_plan(world)
    return world


def tree(*units):
    """Units in tree order (by materialised path: ids as text, so not always in creation order)."""
    return sorted(units, key=lambda unit: unit.path)


def codes(*units) -> list[str]:
    return [unit.code for unit in tree(*units)]


def rows_by_key(data):
    return {(r["orgunit"]["code"], r["period"]): r for r in data["results"]}


def test_it_answers_each_unit_and_period_with_value_numerator_denominator_and_target(reported, api_for):
    response = api_for(reported.region_manager).get(
        URL, {"indicator": "DE_TAI_TRAM_PCT", "orgunit": "RA", "period": "2024;2025", "level": 3}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["indicator"]["code"] == "DE_TAI_TRAM_PCT"
    assert data["indicator"]["factor"] == 100 and data["indicator"]["decimals"] == 1
    assert data["indicator"]["unit_label"] == "%"
    assert data["indicator"]["confirmed"] is False  # the shipped formulas are flagged CHƯA XÁC NHẬN
    assert data["indicator"]["source"]
    assert (data["orgunit"], data["level"], data["plan"]) == ("RA", 3, None)
    assert [p["code"] for p in data["periods"]] == ["2024", "2025"]
    assert data["periods"][1] == {
        "code": "2025",
        "label": "2025",
        "type": "yearly",
        "start": "2025-01-01",
        "end": "2025-12-31",
    }
    assert data["count"] == 4 and data["next"] is None and data["previous"] is None
    # Unit by unit (tree order), period by period.
    order = codes(reported.station_a1, reported.station_a2)
    assert [(r["orgunit"]["code"], r["period"]) for r in data["results"]] == [
        (order[0], "2024"),
        (order[0], "2025"),
        (order[1], "2024"),
        (order[1], "2025"),
    ]
    rows = rows_by_key(data)
    a1 = rows[("A1", "2025")]
    assert a1["orgunit"] == {"code": "A1", "name": "Trạm Y tế xã Nguyễn Huệ", "level": 3, "kind": "station"}
    assert (a1["value"], a1["numerator"], a1["denominator"]) == (33.3, 8.0, 24.0)
    assert a1["target"] == {
        "value": 40.0,
        "year": 2025,
        "plan": "KH-DE",
        "plan_name": "Kế hoạch nâng cao sức khỏe bà mẹ 2021–2030",
        "confirmed": False,
        "set_on": "PROV",
        "inherited": True,
    }
    assert a1["achieved_percent"] == 83.3  # 33.3 / 40 = 83.25 %, halves up
    assert a1["next_target"]["year"] == 2025 and a1["next_target"]["value"] == 40.0
    assert (rows[("A1", "2024")]["value"], rows[("A1", "2024")]["numerator"]) == (30.0, 3.0)
    # 2024 has no target; the next one is 2025's.
    assert rows[("A1", "2024")]["target"] is None and rows[("A1", "2024")]["achieved_percent"] is None
    assert rows[("A1", "2024")]["next_target"]["year"] == 2025
    a2 = rows[("A2", "2025")]
    assert a2["value"] == 6.3  # 1 × 100 ÷ 16 = 6.25, rounded half up (not to even)
    assert a2["achieved_percent"] == 15.8
    # No data: a null value, not 0.
    assert rows[("A2", "2024")] | {"target": None, "next_target": None} == {
        "orgunit": rows[("A2", "2024")]["orgunit"],
        "period": "2024",
        "value": None,
        "numerator": None,
        "denominator": None,
        "target": None,
        "achieved_percent": None,
        "next_target": None,
    }


def test_without_a_level_the_unit_itself_and_months_or_quarters_are_periods_too(reported, api_for):
    client = api_for(reported.region_manager)
    data = client.get(URL, {"indicator": "DE_TAI_TRAM_PCT", "orgunit": "RA", "period": "202501;2025Q1"}).json()
    assert data["level"] == 2
    rows = rows_by_key(data)
    assert set(rows) == {("RA", "202501"), ("RA", "2025Q1")}
    assert rows[("RA", "202501")]["value"] == 30.0  # 3 / 10
    assert rows[("RA", "2025Q1")]["value"] == 22.5  # (3 + 5 + 1) / (10 + 14 + 16)
    assert [p["label"] for p in data["periods"]] == ["01/2025", "Quý 1/2025"]  # Vietnamese is the default


def test_a_plan_restricts_the_targets_to_it(reported, api_for):
    other = TargetPlan.objects.create(
        orgunit=reported.region_a, code="KH-RA", name="Kế hoạch khu vực A", start_year=2025, end_year=2025
    )
    Target.objects.create(
        plan=other, indicator=indicator("DE_TAI_TRAM_PCT"), orgunit=reported.station_a1, year=2025, value=30
    )
    client = api_for(reported.region_manager)
    params = {"indicator": "DE_TAI_TRAM_PCT", "orgunit": "A1", "period": "2025"}
    # Without a plan: A1's own target in the more local plan (of the region) wins over the inherited one.
    row = client.get(URL, params).json()["results"][0]
    assert (row["target"]["plan"], row["target"]["value"], row["target"]["inherited"]) == ("KH-RA", 30.0, False)
    assert row["achieved_percent"] == 111.0
    data = client.get(URL, {**params, "plan": "KH-DE"}).json()
    assert data["plan"] == "KH-DE"
    assert (data["results"][0]["target"]["plan"], data["results"][0]["target"]["value"]) == ("KH-DE", 40.0)


def test_lower_is_better_inverts_the_percent_achieved(world, api_for):
    plan = TargetPlan.objects.create(orgunit=world.province, code="KH-TV", name="KH", start_year=2025, end_year=2025)
    Target.objects.create(plan=plan, indicator=indicator("TV_DUOI1"), orgunit=world.station_a1, year=2025, value=10)
    put(
        world.province_admin,
        [
            ("TU_VONG_DUOI1", world.station_a1, "202502", 1),
            ("SINH_SONG", "NAM", world.station_a1, "202502", 40),
            ("SINH_SONG", "NU", world.station_a1, "202503", 40),
        ],
    )
    row = api_for(world.station_head).get(URL, {"indicator": "TV_DUOI1", "orgunit": "A1", "period": "2025"}).json()
    assert row["indicator"]["higher_is_better"] is False
    cell = row["results"][0]
    assert cell["value"] == 12.5  # 1 × 1000 ÷ 80 ‰
    assert cell["achieved_percent"] == 80.0  # target ÷ value


def test_registry_figures_are_live(world, api_for):
    client = api_for(world.region_manager)
    params = {"indicator": "BS_10000", "orgunit": "RA", "period": "2025", "level": 3}
    before = rows_by_key(client.get(URL, params).json())
    assert before[("A1", "2025")]["value"] == 0.0 and before[("A1", "2025")]["denominator"] == 8200.0
    StaffFactory(orgunit=world.station_a1, title=title("bac-si"))
    after = rows_by_key(client.get(URL, params).json())
    assert after[("A1", "2025")]["value"] == 1.2  # 1 × 10,000 ÷ 8,200 = 1.22
    assert after[("A1", "2025")]["numerator"] == 1.0


def test_a_value_saved_shows_at_once(world, api_for):
    client = api_for(world.region_manager)
    params = {"indicator": "DE_TAI_TRAM_PCT", "orgunit": "A2", "period": "202511"}
    assert client.get(URL, params).json()["results"][0]["value"] is None
    put(
        world.data_clerk,
        [("DE_TAI_TRAM", world.station_a2, "202511", 2), ("DE_DIA_BAN", world.station_a2, "202511", 8)],
    )
    assert client.get(URL, params).json()["results"][0]["value"] == 25.0
    put(world.data_clerk, [("DE_TAI_TRAM", world.station_a2, "202511", 4)])
    assert client.get(URL, params).json()["results"][0]["value"] == 50.0


def test_rows_are_paginated(reported, api_for):
    client = api_for(reported.province_admin)
    params = {"indicator": "DE_TAI_TRAM_PCT", "orgunit": "PROV", "period": "2024;2025", "level": 3, "page_size": 4}
    first = client.get(URL, params).json()
    assert first["count"] == 6 and len(first["results"]) == 4 and first["previous"] is None
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    last = codes(reported.station_a1, reported.station_a2, reported.station_b1)[-1]
    assert [(r["orgunit"]["code"], r["period"]) for r in second["results"]] == [(last, "2024"), (last, "2025")]
    everything = first["results"] + second["results"]
    assert {(r["orgunit"]["code"], r["period"]) for r in everything} == {
        (code, period) for code in ("A1", "A2", "B1") for period in ("2024", "2025")
    }
    assert {r["orgunit"]["code"]: r["value"] for r in everything if r["period"] == "2025"} == {
        "A1": 33.3,
        "A2": 6.3,
        "B1": 80.0,
    }
    assert second["next"] is None
    assert client.get(URL, {**params, "page": 9}).status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"indicator": "NOPE", "period": "2025"}, "indicator"),
        ({"period": "2025"}, "indicator"),
        ({"indicator": "DE_TAI_TRAM_PCT"}, "period"),
        ({"indicator": "DE_TAI_TRAM_PCT", "period": "2025X"}, "period"),
        ({"indicator": "DE_TAI_TRAM_PCT", "period": "2025;202513"}, "period"),
        ({"indicator": "DE_TAI_TRAM_PCT", "period": ";".join(str(y) for y in range(1990, 2061))}, "period"),
        ({"indicator": "DE_TAI_TRAM_PCT", "period": "2025", "orgunit": "RA", "level": 1}, "level"),
        ({"indicator": "DE_TAI_TRAM_PCT", "period": "2025", "level": 9}, "level"),
        ({"indicator": "DE_TAI_TRAM_PCT", "period": "2025", "level": "two"}, "level"),
        ({"indicator": "DE_TAI_TRAM_PCT", "period": "2025", "plan": "NO-SUCH-PLAN"}, "plan"),
    ],
)
def test_bad_parameters_answer_400_naming_them(world, api_for, params, field):
    with translation.override("en"):
        response = api_for(world.region_manager).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] and list(body["errors"]) == [field], body
    assert body["errors"][field][0]


def test_error_messages_say_what_is_wrong(world, api_for):
    from django.conf import settings

    client = api_for(world.region_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        body = client.get(URL, {"indicator": "DE_TAI_TRAM_PCT", "period": "2025", "orgunit": "RA", "level": 1}).json()
        assert body["errors"]["level"] == ["Level 1 is above the chosen unit (level 2)."]
        body = client.get(URL, {"indicator": "NOPE", "period": "20251"}).json()
        assert body["errors"]["indicator"] == ["Unknown indicator “NOPE”."]
        assert "20251" in body["errors"]["period"][0]


def test_units_out_of_scope_or_unknown_answer_404(world, api_for):
    params = {"indicator": "DE_TAI_TRAM_PCT", "period": "2025"}
    assert api_for(world.region_manager).get(URL, {**params, "orgunit": "RB"}).status_code == 404
    assert api_for(world.region_manager).get(URL, {**params, "orgunit": "NOWHERE"}).status_code == 404
    assert api_for(world.station_head).get(URL, {**params, "orgunit": "RA"}).status_code == 404
    # A bad period does not tell the outsider more than 404 about a unit they cannot see.
    assert api_for(world.outsider).get(URL, {"indicator": "X", "period": "x", "orgunit": "A1"}).status_code == 404


def test_the_whole_scope_by_default_and_a_level_across_it(reported, api_for):
    client = api_for(reported.region_manager)
    data = client.get(URL, {"indicator": "DE_TAI_TRAM_PCT", "period": "2025"}).json()
    assert [r["orgunit"]["code"] for r in data["results"]] == ["RA"]
    data = client.get(URL, {"indicator": "DE_TAI_TRAM_PCT", "period": "2025", "level": 3}).json()
    # Never B1, out of scope.
    assert [r["orgunit"]["code"] for r in data["results"]] == codes(reported.station_a1, reported.station_a2)
    data = api_for(reported.province_admin).get(URL, {"indicator": "DE_TAI_TRAM_PCT", "period": "2025"}).json()
    assert [r["orgunit"]["code"] for r in data["results"]] == ["PROV"]
    assert data["results"][0]["value"] == 28.9  # (8 + 1 + 4) × 100 ÷ (24 + 16 + 5) = 28.89


def test_query_count_does_not_grow_with_the_number_of_units(reported, api_for):
    client = api_for(reported.province_admin)
    params = {"indicator": "DE_TAI_TRAM_PCT", "orgunit": "PROV", "period": "2024;2025", "level": 3}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, params).status_code == 200
        return len(captured)

    few = queries()
    for n in range(8):
        station = OrgUnitFactory(
            code=f"AX{n}", name=f"Trạm Y tế xã Thêm {n}", kind=OrgUnitKind.STATION, parent=reported.region_a
        )
        put(reported.province_admin, [("DE_TAI_TRAM", station, "202501", 1), ("DE_DIA_BAN", station, "202501", 2)])
    assert client.get(URL, params).json()["count"] == 22
    assert queries() == few
    assert few <= 9, few


def test_the_outlook_projects_each_unit_to_its_next_target(reported, api_for):
    response = api_for(reported.region_manager).get(
        OUTLOOK, {"indicator": "DE_TAI_TRAM_PCT", "orgunit": "RA", "level": 3, "year": 2026}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["year"], data["trend_years"], data["level"], data["count"]) == (2026, 5, 3, 2)
    a1, a2 = data["results"]
    assert a1["orgunit"]["code"] == "A1"
    assert a1["years"] == [{"year": 2023, "value": 20.0}, {"year": 2024, "value": 30.0}, {"year": 2025, "value": 33.3}]
    assert a1["slope"] == 6.65
    assert (a1["next_target"]["year"], a1["next_target"]["value"], a1["next_target"]["inherited"]) == (
        2030,
        50.0,
        False,
    )
    assert a1["projected"] == 66.6  # 33.3 + 6.65 × 5 = 66.55, halves up
    assert a1["at_risk"] is False
    assert a2["years"] == [{"year": 2025, "value": 6.3}] and a2["slope"] is None
    assert (a2["projected"], a2["next_target"]["value"], a2["next_target"]["set_on"]) == (6.3, 60.0, "PROV")
    assert a2["at_risk"] is True


def test_the_outlook_without_a_target_cannot_say(world, api_for):
    report_deliveries(world)
    row = (
        api_for(world.station_head)
        .get(OUTLOOK, {"indicator": "DE_TAI_TRAM_PCT", "orgunit": "A1", "year": 2025})
        .json()["results"][0]
    )
    assert row["slope"] == 6.65 and row["next_target"] is None
    assert row["projected"] is None and row["at_risk"] is None


def test_the_outlook_checks_its_parameters_and_scope(world, api_for):
    client = api_for(world.region_manager)
    assert client.get(OUTLOOK, {"indicator": "DE_TAI_TRAM_PCT", "year": 1800}).json()["errors"].keys() == {"year"}
    assert client.get(OUTLOOK, {"indicator": "NOPE"}).status_code == 400
    assert client.get(OUTLOOK, {"indicator": "DE_TAI_TRAM_PCT", "orgunit": "B1"}).status_code == 404


def test_confirmed_formulas_are_flagged_so(world, api_for):
    Indicator.objects.filter(code="DE_TAI_TRAM_PCT").update(confirmed=True)
    data = api_for(world.viewer).get(URL, {"indicator": "DE_TAI_TRAM_PCT", "period": "2025"}).json()
    assert data["indicator"]["confirmed"] is True


def test_anonymous_callers_get_401(world, api_for):
    assert api_for(None).get(URL, {"indicator": "DE_TAI_TRAM_PCT", "period": "2025"}).status_code == 401
    assert api_for(None).get(OUTLOOK, {"indicator": "DE_TAI_TRAM_PCT"}).status_code == 401


def _json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a "null" type, refs point into the document."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    if "$ref" in node:
        node["$ref"] = node["$ref"].replace("#/components/schemas/", "#/definitions/")
    return node


def test_the_answers_match_their_openapi_schema(reported, api_for):
    import jsonschema
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    definitions = _json_schema(schema["components"]["schemas"])
    client = api_for(reported.province_admin)
    for url, params in (
        (
            URL,
            {
                "indicator": "DE_TAI_TRAM_PCT",
                "orgunit": "PROV",
                "period": "2024;2025",
                "level": 3,
                "plan": "KH-DE",
                "page": 1,
                "page_size": 5,
            },
        ),
        (OUTLOOK, {"indicator": "DE_TAI_TRAM_PCT", "orgunit": "RA", "level": 3, "year": 2026, "plan": "KH-DE"}),
    ):
        operation = schema["paths"][url]["get"]
        body = _json_schema(operation["responses"]["200"]["content"]["application/json"]["schema"])
        response = client.get(url, params)
        assert response.status_code == 200
        data = response.json()
        assert data["results"]
        jsonschema.Draft4Validator({**body, "definitions": definitions}).validate(data)
        assert set(params) <= {p["name"] for p in operation["parameters"]}
