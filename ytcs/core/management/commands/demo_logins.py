"""`ytcs demo_logins`: who to log in as after `make demo`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ytcs.core.demo.builder import DEFAULT_PASSWORD
from ytcs.core.demo.logins import demo_login_list, demo_password_matches

URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Print the demo logins (username, role, unit) and their shared password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="the password given to load_demo")

    def handle(self, *args: Any, password: str, **options: Any) -> None:
        rows = demo_login_list()
        if not rows:
            raise CommandError("No demo users found: run `ytcs load_demo` first.")
        header = ("Username", "Name", "Role", "Unit")
        lines = [header, *((r.username, r.full_name, r.role, r.unit) for r in rows)]
        widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
        self.stdout.write("")
        self.stdout.write(f"Demo logins on {URL}")
        for i, line in enumerate(lines):
            cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
            text = "  " + "  ".join([*cells, line[-1]])
            self.stdout.write(self.style.MIGRATE_HEADING(text) if i == 0 else text)
        self.stdout.write(f"Password for all of them: {password}")
        if demo_password_matches(password) is False:
            self.stderr.write(
                self.style.WARNING("  (that is not their password: they were loaded with another --password)")
            )
        self.stdout.write("")
