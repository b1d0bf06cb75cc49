"""`ytcs send_directive_reminders [--today YYYY-MM-DD]`: the daily reminder of directives, for cron when no Celery
beat runs (a second run the same day sends nothing)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from ytcs.supervision.reminders import directive_reminders_send


class Command(BaseCommand):
    help = "Remind the people of directives due soon or overdue, in the app and by e-mail (once a day)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="The day to remind for (YYYY-MM-DD); default: today.")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today must be YYYY-MM-DD, got {options['today']!r}") from exc
        result = directive_reminders_send(today=today)
        self.stdout.write(
            f"{result.directives} directive(s) reminded, {result.notifications} notification(s), "
            f"{result.emails} e-mail(s)"
        )
