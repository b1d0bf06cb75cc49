"""Celery tasks of supervision: thin and idempotent (each directive is claimed for the day before it is reminded)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="supervision.send_directive_reminders", ignore_result=True)
def send_directive_reminders() -> dict[str, int]:
    """Remind, in the app and by e-mail, the people of directives due soon or overdue (once per directive a day)."""
    from ytcs.supervision.reminders import directive_reminders_send

    result = directive_reminders_send()
    return {"directives": result.directives, "notifications": result.notifications, "emails": result.emails}
