"""`ytcs load_demo`: a deterministic synthetic province or country (dữ liệu mẫu)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ytcs.core.demo.builder import (
    DEFAULT_PASSWORD,
    LoadReport,
    Stopwatch,
    demo_data_exists,
    demo_load,
    demo_reset,
    demo_username_clashes,
)
from ytcs.core.demo.plan import SCALES
from ytcs.core.demo.workforce_plan import EARLIEST_TODAY
from ytcs.orgunits.models import OrgUnit


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--today takes a date as YYYY-MM-DD, not {text!r}") from error


# The product contract's demo province has ~3,000 staff, nearly all at stations and centres: provincial hospitals
# are kept small there, while the national set keeps them full-size to reach the country's ≈ 500,000.
PROVINCE_WORKFORCE_FACTOR = 0.1


class Command(BaseCommand):
    help = (
        "Load synthetic demo data: one province (~10 regional centres, ~150 stations, ~19,000 health workers) or the "
        "whole country (34 provinces, ~11,000 units, ~500,000 health workers), with demo users sharing one "
        "password. Same --seed and --today, same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="province", help="province (default) or national")
        parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same data")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of every demo user")
        parser.add_argument(
            "--today",
            type=iso_date,
            default=None,
            help="reference date of the workforce (ages, licence expiry, CME window), YYYY-MM-DD; default: today",
        )
        parser.add_argument(
            "--skip-workforce", action="store_true", help="load units and users only, no health workers"
        )
        parser.add_argument(
            "--skip-training",
            action="store_true",
            help="no training data (plans, classes, sponsored trainees, next year's proposed plan)",
        )
        parser.add_argument(
            "--skip-assessments",
            action="store_true",
            help="no assessments (two verified years of every station against the national criteria and WHO SARA, "
            "this year's self-assessments, last year's 5S checklists)",
        )
        parser.add_argument(
            "--skip-assets",
            action="store_true",
            help="no equipment, stock or investment proposals (every station's and centre's equipment against the "
            "norms, a year of every station's stock ledger, proposals in every state)",
        )
        parser.add_argument(
            "--skip-supervision",
            action="store_true",
            help="no supervision (a year of visits, directives in every state, obstacles, notifications)",
        )
        parser.add_argument(
            "--skip-indicators",
            action="store_true",
            help="no routine data or targets (the demo province's monthly and yearly reports for three years and "
            "this year, a lock exception, the provincial and regional target plans)",
        )
        parser.add_argument(
            "--workforce-factor",
            type=float,
            default=None,
            help="shrink the headcount of hospitals, centres and other units but stations; default 0.1 at province "
            "scale (≈ 3,000-5,000 staff, as product.md describes the demo province) and 1 at national scale "
            "(≈ 500,000 staff)",
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument("--if-empty", action="store_true", help="do nothing when org units already exist")
        existing.add_argument(
            "--reset", action="store_true", help="first delete all org units, users, roles, tokens and audit entries"
        )

    def handle(
        self,
        *args: Any,
        scale: str,
        seed: int,
        password: str,
        if_empty: bool,
        reset: bool,
        today: datetime.date | None,
        skip_workforce: bool,
        skip_training: bool,
        skip_assessments: bool,
        skip_assets: bool,
        skip_supervision: bool,
        skip_indicators: bool,
        workforce_factor: float | None,
        **options: Any,
    ):
        if workforce_factor is None:
            workforce_factor = PROVINCE_WORKFORCE_FACTOR if scale == "province" else 1.0
        if today and not skip_workforce and today < EARLIEST_TODAY:
            raise CommandError(
                f"--today must be on or after {EARLIEST_TODAY:%Y-%m-%d} (after the 2025 commune merger)."
            )
        watch = Stopwatch()
        if reset:
            with watch.step("reset"):
                demo_reset()
        elif demo_data_exists():
            count = OrgUnit.objects.count()
            if if_empty:
                self.stdout.write(f"Demo data already there ({count} org units): nothing loaded.")
                return
            raise CommandError(
                f"The database already holds {count} org units. Use --reset to replace everything with demo data, "
                "or --if-empty to keep what is there."
            )
        clashes = demo_username_clashes()
        if clashes:
            raise CommandError(
                f"These usernames already exist: {', '.join(clashes)}. Use --reset to replace all users with demo data."
            )
        report = demo_load(
            scale=scale,
            seed=seed,
            password=password,
            today=today,
            workforce=not skip_workforce,
            workforce_factor=workforce_factor,
            training=not skip_training,
            assessments=not skip_assessments,
            assets=not skip_assets,
            supervision=not skip_supervision,
            indicators=not skip_indicators,
        )
        self._print(report, {**watch.timings, **report.timings})

    def _print(self, report: LoadReport, timings: dict[str, float]) -> None:
        total = sum(timings.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the {report.plan.scale} demo data (seed {report.plan.seed}) in {total:.1f} s: "
                f"{report.units} org units, {report.populations} population figures, {report.users} users."
            )
        )
        if report.workforce:
            counts = report.workforce
            self.stdout.write(
                f"  Workforce on {report.today:%d/%m/%Y}: {counts['staff']:,} health workers "
                f"({counts['working']:,} working), {counts['postings']:,} postings, {counts['licences']:,} licences, "
                f"{counts['certificates']:,} certificates, {counts['cme']:,} CME activities."
            )
        if report.training:
            counts = report.training
            self.stdout.write(
                f"  Training: {counts['plans']:,} plans with {counts['lines']:,} lines, {counts['classes']:,} classes "
                f"({counts['completed']:,} completed, {counts['scheduled']:,} scheduled), "
                f"{counts['enrolments']:,} enrolments ({counts['passed']:,} passed), "
                f"{counts['sponsorships']:,} sponsored trainees ({counts['breached']:,} breached); "
                f"proposed for {report.today.year + 1}: {counts.get('proposed_lines', 0):,} lines, "
                f"{counts.get('proposed_trainees', 0):,} people."
            )
        if report.assessments:
            counts = report.assessments
            year = report.today.year
            self.stdout.write(
                f"  Assessments: {counts['assessments']:,} ({counts['stations']:,} stations verified for {year - 2} "
                f"and {year - 1}: {counts['verified']:,} verified; this year's self-assessments: "
                f"{counts['draft']:,} drafts, {counts['submitted']:,} submitted, {counts['returned']:,} returned), "
                f"{counts['answers']:,} answers ({counts['overridden']:,} overriding the registry), "
                f"{counts['evidence']:,} evidence files."
            )
        if report.assets:
            counts = report.assets
            states = ", ".join(
                f"{counts.get(f'proposals_{slot}', 0):,} {label}"
                for slot, label in (
                    ("draft", "drafts"),
                    ("submitted_centre", "at a regional centre"),
                    ("resubmitted", "resubmitted there after a return"),
                    ("submitted_province", "at the province"),
                    ("returned", "returned"),
                    ("rejected", "rejected"),
                    ("approved", "approved"),
                    ("funded", "funded"),
                    ("delivered", "delivered"),
                )
            )
            self.stdout.write(
                f"  Equipment: {counts.get('items', 0):,} items ({counts.get('broken', 0):,} broken, "
                f"{counts.get('under_repair', 0):,} under repair, {counts.get('overdue', 0):,} overdue for maintenance "
                f"or calibration), {counts.get('units_short', 0):,} units short of the norms, "
                f"{counts.get('moves', 0):,} items handed over at the commune merger. Stock: {counts['entries']:,} "
                f"ledger entries ({counts['transfers']:,} transfers), {counts['stock_outs']:,} stock-outs, "
                f"{counts['below_minimum']:,} below the minimum, {counts['expiring']:,} batches expired or expiring "
                f"within 90 days. Proposals: {counts.get('proposals', 0):,} ({states})."
            )
        if report.indicators:
            counts = report.indicators
            self.stdout.write(
                f"  Routine data: {counts['values']:,} values in {counts['reports']:,} reports of "
                f"{counts['stations']:,} stations ({counts['typed']:,} typed in the form this year, "
                f"{counts['missing']:,} stations yet to report last month; lock exceptions: {counts['exceptions']:,}); "
                f"{counts['plans']:,} target plans with {counts['targets']:,} targets."
            )
        if report.supervision:
            counts = report.supervision
            states = ", ".join(
                f"{counts.get(f'directives_{status}', 0):,} {label}"
                for status, label in (
                    ("open", "open"),
                    ("in_progress", "in progress"),
                    ("done", "done awaiting acceptance"),
                    ("accepted", "accepted"),
                )
            )
            self.stdout.write(
                f"  Supervision: {counts['visits']:,} visits ({counts['visits_planned']:,} planned), "
                f"{counts['directives']:,} directives ({states}), {counts['obstacles']:,} obstacles and proposals, "
                f"{counts['notifications']:,} notifications."
            )
        self.stdout.write("  " + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in timings.items()))
        self.stdout.write("  Logins: ytcs demo_logins")
