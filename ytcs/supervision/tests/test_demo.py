"""The demo's supervision year: a year of visits, directives in every state with steps that led there, obstacles,
the demo station's fixed story, deterministic, valid row by row, and what the demo logins see."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Min

from ytcs.accounts.models import User
from ytcs.core.demo.builder import insert_units, insert_users
from ytcs.core.demo.plan import plan_demo
from ytcs.supervision import selectors
from ytcs.supervision.demo import plan_supervision, supervision_counts
from ytcs.supervision.models import (
    Directive,
    DirectiveUpdate,
    Notification,
    Obstacle,
    ObstacleAnswer,
    Visit,
    VisitTeamMember,
    VisitUnit,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 16)
PLAN = plan_demo(scale="province", seed=1, factor=0.2)


def test_the_plan_is_the_same_for_the_same_seed_and_day_and_covers_a_year():
    first, second = plan_supervision(PLAN, today=TODAY), plan_supervision(PLAN, today=TODAY)
    assert first == second
    done = [v.visited_on for v in first.visits if v.status == "done"]
    assert min(done) >= TODAY - datetime.timedelta(days=365) and max(done) < TODAY
    assert (max(done) - min(done)).days > 300
    assert any(v.status == "planned" and v.visited_on > TODAY for v in first.visits)
    counts = supervision_counts(first)
    for status in ("open", "in_progress", "done", "accepted"):
        assert counts[f"directives_{status}"] > 0, status
    assert {o.status for o in first.obstacles} == {"sent", "answered", "resolved"}
    assert plan_supervision(plan_demo(scale="province", seed=2, factor=0.2), today=TODAY) != first


def test_every_directives_steps_lead_to_its_state_in_order():
    for d in plan_supervision(PLAN, today=TODAY).directives():
        assert d.issued_on <= d.due_on and d.issued_on <= TODAY
        state = "open"
        moments = [u.at for u in d.updates]
        assert moments == sorted(moments) and all(m.date() < TODAY for m in moments)
        for update in d.updates:
            assert update.from_status == state
            state = update.to_status
        assert state == d.status


@pytest.fixture
def loaded(db):
    from ytcs.supervision.demo import insert_supervision

    pks = insert_units(PLAN.units)
    insert_users(PLAN.users, pks, password="demo-pass-2025")
    return insert_supervision(PLAN, pks, today=TODAY)


def test_the_rows_written_are_valid_and_what_the_plan_counted(loaded):
    assert Visit.objects.filter(status="done").count() == loaded["visits"]
    assert Directive.objects.count() == loaded["directives"]
    assert Obstacle.objects.count() == loaded["obstacles"] and ObstacleAnswer.objects.exists()
    assert VisitUnit.objects.exists() and VisitTeamMember.objects.exists() and DirectiveUpdate.objects.exists()
    for model in (Visit, Directive, Obstacle):
        for row in model.objects.all()[:200]:
            row.full_clean()
    accepted = Directive.objects.filter(status="accepted")
    assert accepted.exists() and not accepted.filter(accepted_at__isnull=True).exists()
    assert Visit.objects.aggregate(first=Min("visited_on"))["first"] >= TODAY - datetime.timedelta(days=365)


def test_the_demo_logins_see_the_story(loaded):
    head, region, admin = (
        User.objects.get(username=name) for name in ("station_head", "region_manager", "province_admin")
    )
    station = head.home_unit
    mine = selectors.directive_list(user=head, filters={"orgunit": station.code}, today=TODAY)
    assert mine.filter(is_overdue=True).exists() and mine.filter(is_due_soon=True).exists()
    assert {"done", "accepted", "in_progress"} <= set(mine.values_list("status", flat=True))
    assert selectors.directive_list(user=region, filters={"box": "to_accept"}, today=TODAY).exists()
    assert selectors.obstacle_list(user=head).filter(status="answered").exists()
    board = selectors.directive_board(user=admin, today=TODAY)
    assert len(board.rows) >= 2 and board.totals.total > 0
    timeline = selectors.timeline_for_unit(user=head, unit=station)
    assert {"visit", "directive", "directive_update", "obstacle"} <= {e.kind for e in timeline.events}
    for user in (head, region):
        assert Notification.objects.filter(user=user, read_at__isnull=True).exists()


def _load_demo(*args: str) -> str:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("load_demo", "--skip-workforce", "--skip-assets", "--today", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def test_load_demo_writes_the_supervision_year_and_says_so():
    out = _load_demo()
    statuses = set(Directive.objects.values_list("status", flat=True))
    assert statuses == {"open", "in_progress", "done", "accepted"}
    assert Visit.objects.exists() and Obstacle.objects.exists()
    assert f"Supervision: {Visit.objects.filter(status='done').count():,} visits" in out
    assert "supervision " in out.splitlines()[-2]  # the step's time


def test_load_demo_skip_supervision_writes_none():
    out = _load_demo("--skip-supervision")
    assert not Visit.objects.exists() and not Directive.objects.exists() and not Obstacle.objects.exists()
    assert "Supervision:" not in out


def test_load_demo_links_directives_to_what_should_move():
    """The closed loop in the demo: a directive to propose equipment points at its unit's proposal made after it,
    one to build a training plan at the plan of a unit above, one on electronic records at the indicator."""
    call_args = ("--today", TODAY.isoformat(), "--workforce-factor", "0.1")
    from io import StringIO

    from django.core.management import call_command

    call_command("load_demo", *call_args, stdout=StringIO())
    linked = Directive.objects.exclude(investment_proposal=None)
    assert linked.exists()
    for d in linked.select_related("investment_proposal"):
        assert d.category == "equipment_investment"
        assert d.investment_proposal.orgunit_id == d.orgunit_id
        assert d.investment_proposal.created.date() >= d.issued_on
    plans = Directive.objects.exclude(training_plan=None).select_related("training_plan__orgunit", "orgunit")
    assert plans.exists()
    assert all(d.orgunit.path.startswith(d.training_plan.orgunit.path) for d in plans)
    records = Directive.objects.filter(category="medical_records")
    assert records.exists() and set(records.values_list("indicator__code", flat=True)) == {"SKDT_PCT"}
