"""Supervision reads: the province board by region and age, per-unit follow-up, the boxes, a unit's timeline."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ytcs.assessments.models import Assessment
from ytcs.core.testing.factories import assessment_framework
from ytcs.indicators.tests.helpers import put
from ytcs.supervision import selectors, services
from ytcs.supervision.models import Directive
from ytcs.supervision.tests.helpers import days, directive, done, obstacle, visit

pytestmark = pytest.mark.django_db


def _board_world(world):
    """Unclosed directives of known ages in both regions, and some that must not count."""
    province = {"user": world.province_admin, "issuer": world.province}
    directive(world, title="A1 mới", issued_on=days(-5), due_on=days(20))  # RA, 0-30
    directive(world, title="A2 mới", orgunit=world.station_a2, issued_on=days(-30), due_on=days(1))  # RA, 0-30
    directive(world, title="A1 45 ngày", issued_on=days(-45), due_on=days(-1))  # RA, 31-90, overdue
    done(world, directive(world, title="A1 xong", issued_on=days(-90), due_on=days(-60)))  # RA, 31-90, awaiting
    directive(world, title="RA 120 ngày", orgunit=world.region_a, issued_on=days(-120), due_on=days(-100), **province)
    directive(world, title="B1 200 ngày", orgunit=world.station_b1, issued_on=days(-200), due_on=days(10), **province)
    accepted = done(world, directive(world, title="Đã nghiệm thu", issued_on=days(-100), due_on=days(-95)))
    services.directive_accept(user=world.region_manager, directive=accepted)


def test_the_board_counts_unclosed_directives_by_region_and_age(world):
    _board_world(world)
    board = selectors.directive_board(user=world.province_admin)
    assert board.root == world.province
    rows = {row.unit.code: (row.buckets, row.overdue, row.awaiting, row.total) for row in board.rows}
    assert rows == {
        "RA": ({"0-30": 2, "31-90": 2, "90+": 1}, 2, 1, 5),
        "RB": ({"0-30": 0, "31-90": 0, "90+": 1}, 0, 0, 1),
    }
    assert (board.totals.total, board.totals.buckets["90+"], board.totals.overdue) == (6, 2, 2)


def test_the_board_of_a_region_is_by_station_and_is_one_grouped_query(world):
    _board_world(world)
    with CaptureQueriesContext(connection) as queries:
        board = selectors.directive_board(user=world.region_manager)
    # The root, the grouped counts, the row units: the count does not grow with the directives.
    assert len(queries) <= 4
    rows = {row.unit.code: row.total for row in board.rows}
    # The directive to the region itself lies on the root's own row.
    assert rows == {"RA": 1, "A1": 3, "A2": 1}
    assert selectors.directive_board(user=world.outsider).totals.total == 1
    assert selectors.directive_board(user=world.outsider, root=world.region_b).rows[0].unit.code == "B1"


def test_the_age_filter_lists_what_a_board_cell_counts(world):
    _board_world(world)
    titles = {d.title for d in selectors.directive_list(user=world.province_admin, filters={"age": "31-90"})}
    assert titles == {"A1 45 ngày", "A1 xong"}
    over = selectors.directive_list(user=world.province_admin, filters={"age": "90+", "orgunit": "RB"})
    assert [d.title for d in over] == ["B1 200 ngày"]


def test_follow_up_counts_per_unit(world):
    _board_world(world)
    rows = {row["code"]: row for row in selectors.directive_follow_up(user=world.region_manager)}
    assert set(rows) == {"RA", "A1", "A2"}
    assert (rows["A1"]["pending"], rows["A1"]["overdue"], rows["A1"]["awaiting"]) == (2, 1, 1)
    assert rows["A2"]["due_soon"] == 1
    assert list(rows) == ["RA", "A1", "A2"]  # most overdue first, then in tree order
    assert selectors.directive_follow_up(user=world.station_head)[0]["code"] == "A1"
    assert len(selectors.directive_follow_up(user=world.station_head)) == 1


def test_the_acceptance_box_holds_what_the_user_may_accept(world):
    done(world, directive(world, title="Trạm xong"))
    to_region = directive(
        world, title="Khu vực xong", user=world.province_admin, issuer=world.province, orgunit=world.region_a
    )
    done(world, to_region, user=world.region_manager)

    def box(user):
        return {d.title for d in selectors.directive_list(user=user, filters={"box": "to_accept"})}

    assert box(world.region_manager) == {"Trạm xong"}
    assert box(world.province_admin) == {"Trạm xong", "Khu vực xong"}
    assert box(world.station_head) == set()
    assert box(world.outsider) == set()
    for user in (world.region_manager, world.province_admin):
        for item in Directive.objects.filter(status="done"):
            assert (item.title in box(user)) == selectors.may_accept(user, item)
    assert {d.title for d in selectors.directive_list(user=world.station_head, filters={"box": "mine"})} == {
        "Trạm xong"
    }


def test_the_obstacle_boxes(world):
    mine = obstacle(world)
    other = obstacle(world, user=world.outsider, orgunit=world.station_b1, office="medical_affairs")
    assert list(selectors.obstacle_list(user=world.station_head, filters={"box": "mine"})) == [mine]
    assert set(selectors.obstacle_list(user=world.province_admin, filters={"box": "to_answer"})) == {mine, other}
    assert not selectors.obstacle_list(user=world.region_manager, filters={"box": "to_answer"}).exists()
    services.obstacle_answer(user=world.province_admin, obstacle=mine, body="Đã giao phòng TCCB")
    listed = selectors.obstacle_list(user=world.province_admin, filters={"office": "personnel"}).get()
    assert (listed.answer_count, listed.last_answer_at is not None) == (1, True)
    services.obstacle_resolve(user=world.province_admin, obstacle=mine)
    assert set(selectors.obstacle_list(user=world.province_admin, filters={"box": "to_answer"})) == {other}


def test_the_timeline_merges_every_source_newest_first_and_pages_in_sql(world):
    framework = assessment_framework(world.province_admin)
    past = visit(world, visited_on=days(-20), title="Giám sát quý I")
    item = directive(world, source=past, issued_on=days(-19), title="Áp dụng 5S")
    services.directive_progress(user=world.station_head, directive=item, status="in_progress", note="Bắt đầu")
    assessment = Assessment.objects.create(orgunit=world.station_a1, framework=framework, year=2025)
    Assessment.objects.filter(pk=assessment.pk).update(
        status="submitted", submitted_at=timezone.now() - datetime.timedelta(days=3)
    )
    obstacle(world)
    put(
        world.station_head,
        [("DE_TAI_TRAM", world.station_a1, "202505", 4), ("DE_DIA_BAN", world.station_a1, "202505", 9)],
    )
    visit(world, units=[world.station_a2], title="Không phải của A1")

    page = selectors.timeline_for_unit(user=world.station_head, unit=world.station_a1, page_size=50)
    kinds = [event.kind for event in page.events]
    assert page.count == 6 and sorted(kinds) == sorted(
        ["visit", "directive", "directive_update", "assessment", "obstacle", "data_values"]
    )
    moments = [event.at for event in page.events]
    assert moments == sorted(moments, reverse=True)
    assert kinds[-2:] == ["directive", "visit"]  # 19 and 20 days ago
    data = next(e for e in page.events if e.kind == "data_values")
    assert (data.obj["count"], data.obj["period"]) == (2, "202505")
    summary = selectors.event_summary(data)
    assert summary["id"] is None and "202505" in summary["title"]

    first = selectors.timeline_for_unit(user=world.station_head, unit=world.station_a1, page_size=4)
    second = selectors.timeline_for_unit(user=world.station_head, unit=world.station_a1, page=2, page_size=4)
    assert [e.kind for e in first.events + second.events] == kinds
    assert first.has_next and not second.has_next and second.has_previous
    only = selectors.timeline_for_unit(user=world.station_head, unit=world.station_a1, kinds=["visit", "obstacle"])
    assert sorted(e.kind for e in only.events) == ["obstacle", "visit"] and only.count == 2


def test_the_timeline_shows_only_what_the_viewer_may_see(world):
    # A read-only viewer of region A sees station A1's history; region B's manager sees none of it.
    visit(world)
    obstacle(world)
    page = selectors.timeline_for_unit(user=world.viewer, unit=world.station_a1)
    assert {e.kind for e in page.events} == {"visit", "obstacle"}
    assert selectors.timeline_for_unit(user=world.outsider, unit=world.station_a1).count == 0


def test_visit_filters(world):
    visit(world, title="Giám sát phòng chống dịch", visited_on=days(-3))
    visit(world, title="Làm việc về nhân lực", kind="working", units=[world.station_a2], visited_on=days(-40))

    def titles(**filters):
        return [v.title for v in selectors.visit_list(user=world.province_admin, filters=filters)]

    assert titles(q="phong chong dich") == ["Giám sát phòng chống dịch"]
    assert titles(kind="working") == ["Làm việc về nhân lực"]
    assert titles(orgunit="A2") == ["Làm việc về nhân lực"]
    assert titles(orgunit="RA") == ["Giám sát phòng chống dịch", "Làm việc về nhân lực"]
    assert titles(orgunit="RB") == []
    assert titles(date_from=days(-10)) == ["Giám sát phòng chống dịch"]
    row = selectors.visit_list(user=world.province_admin).first()
    assert (row.unit_count, row.directive_count, row.photo_count) == (1, 0, 0)
