"""The daily reminder: directives due soon or overdue, in the app and by e-mail, once per directive and day."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from ytcs.accounts.models import User
from ytcs.supervision.models import Directive, Notification, NotificationKind
from ytcs.supervision.reminders import directive_reminders_send
from ytcs.supervision.tasks import send_directive_reminders
from ytcs.supervision.tests.helpers import days, directive, done

pytestmark = pytest.mark.django_db


@pytest.fixture
def due(world):
    """Station A1's directives: one overdue, one due in 3 days, one due in 30, one overdue but reported done."""
    User.objects.filter(pk=world.station_head.pk).update(email="truong.tram@example.vn")
    User.objects.filter(pk=world.region_manager.pk).update(email="giam.doc@example.vn")
    items = {
        "late": directive(world, title="Cập nhật hồ sơ sức khỏe điện tử", issued_on=days(-60), due_on=days(-5)),
        "soon": directive(world, title="Áp dụng 5S tại kho thuốc", due_on=days(3)),
        "later": directive(world, title="Lập kế hoạch đào tạo", due_on=days(30)),
        "done": done(world, directive(world, title="Đã rà soát", issued_on=days(-60), due_on=days(-5))),
    }
    Notification.objects.all().delete()  # those of the issue itself
    return items


def reminders(kind):
    return set(Notification.objects.filter(kind=kind).values_list("user__username", "directive__title"))


def test_due_soon_and_overdue_directives_are_reminded_in_the_app_and_by_one_email_each(world, due):
    result = directive_reminders_send()
    assert result.directives == 2
    assert reminders(NotificationKind.DIRECTIVE_DUE_SOON) == {("station_head", "Áp dụng 5S tại kho thuốc")}
    # Overdue: the responsible unit and whoever issued it.
    assert reminders(NotificationKind.DIRECTIVE_OVERDUE) == {
        ("station_head", "Cập nhật hồ sơ sức khỏe điện tử"),
        ("region_manager", "Cập nhật hồ sơ sức khỏe điện tử"),
    }
    assert sorted(message.to[0] for message in mail.outbox) == ["giam.doc@example.vn", "truong.tram@example.vn"]
    to_station = next(m for m in mail.outbox if m.to == ["truong.tram@example.vn"])
    assert "Cập nhật hồ sơ sức khỏe điện tử" in to_station.body and "Áp dụng 5S tại kho thuốc" in to_station.body
    assert "Lập kế hoạch đào tạo" not in to_station.body and "Đã rà soát" not in to_station.body
    assert f"/{due['late'].pk}/" in to_station.body
    assert result.emails == 2 and result.notifications == 3


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_reminds_again(world, due):
    directive_reminders_send()
    sent, told = len(mail.outbox), Notification.objects.count()
    again = directive_reminders_send()
    assert (again.directives, again.notifications, again.emails) == (0, 0, 0)
    assert (len(mail.outbox), Notification.objects.count()) == (sent, told)
    tomorrow = directive_reminders_send(today=days(1))
    assert tomorrow.directives == 2
    assert Notification.objects.count() == told * 2


def test_the_claim_is_taken_once_even_when_two_runs_saw_the_same_directives(world, due):
    from ytcs.supervision.reminders import _claim

    assert _claim(due["soon"].pk, days(0)) is True
    assert _claim(due["soon"].pk, days(0)) is False
    assert Directive.objects.get(pk=due["soon"].pk).last_reminded_on == days(0)
    assert _claim(due["done"].pk, days(0)) is False  # done: not pending, never claimed


def test_the_window_of_due_soon_is_a_setting(world, due):
    with override_settings(YTCS_DIRECTIVE_DUE_SOON_DAYS=40):
        assert directive_reminders_send().directives == 3


def test_a_station_without_a_head_account_is_reminded_through_the_unit_above(world):
    item = directive(world, orgunit=world.station_a2, due_on=days(2))
    Notification.objects.all().delete()
    directive_reminders_send()
    assert set(Notification.objects.values_list("user__username", "directive")) == {("region_manager", item.pk)}


def test_the_task_runs_inline_without_a_broker_and_the_command_too(world, due):
    send_directive_reminders.delay()
    assert Notification.objects.filter(kind=NotificationKind.DIRECTIVE_OVERDUE).exists()
    from io import StringIO

    out = StringIO()
    call_command("send_directive_reminders", "--today", days(1).isoformat(), stdout=out)
    assert out.getvalue().startswith("2 directive(s) reminded")
