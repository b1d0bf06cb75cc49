from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ytcs.core.models import AuditEntry
from ytcs.core.testing.factories import OrgUnitFactory
from ytcs.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db


def test_search_ignores_diacritics_and_case(world, client_for):
    response = client_for(world.province_admin).get(reverse("orgunits:list"), {"q": "tram y te XA nguyen hue"})
    assert response.status_code == 200
    assert "Trạm Y tế xã Nguyễn Huệ" in response.text
    assert "Trạm Y tế phường Đông Hà" not in response.text


def test_search_with_d_finds_đ(world, client_for):
    response = client_for(world.province_admin).get(reverse("orgunits:list"), {"q": "dong ha"})
    assert "Trạm Y tế phường Đông Hà" in response.text


def test_list_shows_only_the_users_subtree(world, client_for):
    response = client_for(world.region_manager).get(reverse("orgunits:list"))
    assert "Trạm Y tế xã Nguyễn Huệ" in response.text
    assert "Trạm Y tế xã Bình Minh" not in response.text
    assert reverse("orgunits:detail", args=["PROV"]) not in response.text


def test_htmx_request_gets_only_the_table_fragment(world, client_for):
    response = client_for(world.province_admin).get(
        reverse("orgunits:list"), {"q": "tram"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="unit-table"
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="unit-results"' in response.text


def test_list_query_count_does_not_grow_with_rows(world, client_for):
    client = client_for(world.province_admin)
    client.get(reverse("orgunits:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("orgunits:list"))
    for i in range(30):
        OrgUnitFactory(code=f"X{i}", name=f"Trạm Y tế xã Thêm {i}", parent=world.region_a)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("orgunits:list"))
    assert len(many) == len(few)
    assert len(many) <= 8


def test_list_paginates_in_sql(world, client_for):
    for i in range(60):
        OrgUnitFactory(code=f"P{i:02d}", name=f"Trạm Y tế xã Phân Trang {i}", parent=world.region_b)
    client = client_for(world.province_admin)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("orgunits:list"), {"page": 2, "kind": "station"})
    assert response.status_code == 200
    assert any("LIMIT 25" in q["sql"] and "OFFSET 25" in q["sql"] for q in ctx.captured_queries)
    assert "Trang 2 / 3" in response.text or "Page 2 of 3" in response.text


def test_detail_shows_parent_chain_children_population_and_history(world, client_for):
    client = client_for(world.province_admin)
    client.post(reverse("orgunits:population_save", args=["A1"]), {"year": 2026, "population": 8400})
    response = client.get(reverse("orgunits:detail", args=["A1"]))
    text = response.text
    assert "Sở Y tế Tỉnh Thử" in text and "Trung tâm Y tế khu vực Hòa An" in text
    assert "Điểm trạm thôn Đồng Cỏ" in text
    assert "8.400" in text or "8,400" in text
    assert 'id="history"' in text and "province_admin" in text


def test_region_detail_sums_station_populations(world, client_for):
    response = client_for(world.region_manager).get(reverse("orgunits:detail", args=["RA"]))
    assert "20.700" in response.text or "20,700" in response.text


def test_station_head_sees_ancestors_as_text_not_links(world, client_for):
    response = client_for(world.station_head).get(reverse("orgunits:detail", args=["A1"]))
    assert "Sở Y tế Tỉnh Thử" in response.text
    assert reverse("orgunits:detail", args=["PROV"]) not in response.text


def test_failed_edit_keeps_what_the_user_typed(world, client_for):
    client = client_for(world.region_manager)
    response = client.post(
        reverse("orgunits:edit", args=["A1"]),
        {"code": "A2", "name": "Tên đã gõ", "kind": "station", "parent": world.region_a.pk, "address": "Thôn 5"},
    )
    assert response.status_code == 200
    assert 'value="Tên đã gõ"' in response.text and 'value="Thôn 5"' in response.text
    assert OrgUnit.objects.get(pk=world.station_a1.pk).name == "Trạm Y tế xã Nguyễn Huệ"


def test_create_rejects_bad_dates_with_a_vietnamese_message(world, client_for):
    response = client_for(world.region_manager).post(
        reverse("orgunits:create"),
        {
            "code": "A7",
            "name": "Trạm Y tế xã Bảy",
            "kind": "station",
            "parent": world.region_a.pk,
            "opened_on": "10/05/2024",
            "closed_on": "01/05/2024",
        },
    )
    assert response.status_code == 200
    assert "Ngày ngừng hoạt động phải bằng hoặc sau ngày bắt đầu hoạt động" in response.text
    assert not OrgUnit.objects.filter(code="A7").exists()


def test_create_accepts_dd_mm_yyyy_dates(world, client_for):
    response = client_for(world.region_manager).post(
        reverse("orgunits:create"),
        {
            "code": "A7",
            "name": "Trạm Y tế xã Bảy",
            "kind": "station",
            "parent": world.region_a.pk,
            "opened_on": "31/12/2019",
        },
    )
    assert response.status_code == 302
    assert OrgUnit.objects.get(code="A7").opened_on.isoformat() == "2019-12-31"


def test_parent_choices_are_restricted_to_the_users_scope(world, client_for):
    response = client_for(world.region_manager).get(reverse("orgunits:create"))
    assert "Trung tâm Y tế khu vực Hòa An" in response.text
    assert "Trung tâm Y tế khu vực Bình Sơn" not in response.text


def test_posting_an_out_of_scope_parent_is_refused(world, client_for):
    response = client_for(world.region_manager).post(
        reverse("orgunits:create"), {"code": "B7", "name": "X", "kind": "station", "parent": world.region_b.pk}
    )
    assert response.status_code == 200
    assert not OrgUnit.objects.filter(code="B7").exists()


def test_station_head_can_edit_own_station_but_not_its_neighbour(world, client_for):
    client = client_for(world.station_head)
    ok = client.post(
        reverse("orgunits:edit", args=["A1"]),
        {
            "code": "A1",
            "name": "Trạm Y tế xã Nguyễn Huệ",
            "kind": "station",
            "parent": world.region_a.pk,
            "phone": "0210 3850 123",
        },
    )
    assert ok.status_code == 302
    assert OrgUnit.objects.get(code="A1").phone == "0210 3850 123"
    assert client.get(reverse("orgunits:edit", args=["A2"])).status_code == 404


def test_every_ui_change_is_attributed_to_the_user_with_source_ui(world, client_for):
    client_for(world.region_manager).post(
        reverse("orgunits:population_save", args=["A2"]), {"year": 2026, "population": 12600}
    )
    entry = AuditEntry.objects.latest("id")
    assert entry.actor == world.region_manager and entry.source == "ui"


def test_history_shows_labels_and_dates_as_the_ui_does(world, client_for):
    client = client_for(world.region_manager)
    client.post(
        reverse("orgunits:edit", args=["A2"]),
        {
            "code": "A2",
            "name": "Trạm Y tế phường Đông Hà",
            "kind": "station",
            "parent": world.region_a.pk,
            "opened_on": "05/03/2001",
        },
    )
    text = client.get(reverse("orgunits:detail", args=["A2"])).text
    history = text[text.index('id="history"') :]
    assert "05/03/2001" in history and "2001-03-05" not in history
    assert "Ngày bắt đầu hoạt động" in history


def test_detail_links_to_the_units_staff(world, client_for):
    text = client_for(world.viewer).get(reverse("orgunits:detail", args=["A1"])).text
    assert f"{reverse('workforce:staff_list')}?unit=A1" in text
