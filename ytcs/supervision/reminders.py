"""The daily reminder of directives due soon or overdue, in the app and by e-mail.

Each pending directive due within `YTCS_DIRECTIVE_DUE_SOON_DAYS` or past its due date is claimed for the day by a
conditional UPDATE of its `last_reminded_on` that must change exactly one row: a second run the same day (a retry,
two workers, cron and Celery beat both configured) finds nothing to claim and sends nothing. The responsible unit's
people are told; for an overdue directive, the person who issued it too. Each recipient gets one notification per
directive and one e-mail listing them all, in the product's language (users have no language of their own).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ytcs.accounts.models import User
from ytcs.core.querysets import CHANGE
from ytcs.supervision.models import PENDING_STATUSES, Directive, NotificationKind
from ytcs.supervision.recipients import directive_url, notify, people_by_unit
from ytcs.supervision.selectors import due_soon_days


@dataclass(frozen=True)
class ReminderResult:
    directives: int
    notifications: int
    emails: int


def _claim(directive_id: int, today: datetime.date) -> bool:
    """Take the day's reminder of a directive: true for exactly one caller per directive and day."""
    claimed = (
        Directive.objects.filter(pk=directive_id, status__in=PENDING_STATUSES)
        .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today))
        .update(last_reminded_on=today)
    )
    return claimed == 1


def directive_reminders_send(*, today: datetime.date | None = None) -> ReminderResult:
    """Remind the people of every pending directive due within the coming days or overdue, once a day."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=due_soon_days())
    candidates = list(
        Directive.objects.filter(status__in=PENDING_STATUSES, due_on__lte=horizon)
        .filter(Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today))
        .select_related("orgunit", "issued_by")
        .order_by("due_on", "id")
    )
    claimed: list[Directive] = []
    for directive in candidates:
        with transaction.atomic():
            if _claim(directive.pk, today):
                claimed.append(directive)
    people = people_by_unit({d.orgunit for d in claimed}, CHANGE)
    per_user: dict[int, list[tuple[Directive, bool]]] = defaultdict(list)
    notifications = 0
    for directive in claimed:
        overdue = directive.due_on < today
        ids = list(people.get(directive.orgunit_id, []))
        if overdue and directive.issued_by_id and directive.issued_by.is_active:
            ids.append(directive.issued_by_id)
        ids = list(dict.fromkeys(ids))
        kind = NotificationKind.DIRECTIVE_OVERDUE if overdue else NotificationKind.DIRECTIVE_DUE_SOON
        notifications += len(notify(ids, kind, directive=directive))
        for pk in ids:
            per_user[pk].append((directive, overdue))
    emails = _send_emails(per_user, today)
    return ReminderResult(directives=len(claimed), notifications=notifications, emails=emails)


def _send_emails(per_user: dict[int, list[tuple[Directive, bool]]], today: datetime.date) -> int:
    users = User.objects.filter(pk__in=list(per_user), is_active=True).exclude(email="").in_bulk()
    messages = []
    base = (getattr(settings, "YTCS_BASE_URL", "") or "").rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        for pk, items in per_user.items():
            user = users.get(pk)
            if user is None:
                continue
            overdue = sum(1 for _directive, late in items if late)
            subject = ngettext(
                "YTCS: %(n)d directive to follow up", "YTCS: %(n)d directives to follow up", len(items)
            ) % {"n": len(items)}
            lines = [
                _("Hello %(name)s,") % {"name": user.full_name or user.username},
                "",
                _("Directives overdue: %(overdue)d; due by %(date)s: %(soon)d.")
                % {
                    "overdue": overdue,
                    "soon": len(items) - overdue,
                    "date": f"{today + datetime.timedelta(days=due_soon_days()):%d/%m/%Y}",
                },
                "",
            ]
            for directive, late in items:
                state = _("overdue since %(date)s") if late else _("due on %(date)s")
                when = state % {"date": f"{directive.due_on:%d/%m/%Y}"}
                lines.append(f"- {directive.orgunit.name}: {directive.title} ({when})")
                lines.append(f"  {base}{directive_url(directive)}")
            messages.append((subject, "\n".join(lines), None, [user.email]))
    if not messages:
        return 0
    return send_mass_mail(messages)
