"""Training cases of the benchmark: the needs analysis (`needs.needs_summary`) and the plan proposed from it
(`services.plan_propose`) for the whole country, as the superuser; the issue's aim is a proposal within 30 s.

Run by `bench.run` in a subprocess of its own after `bench.measure` (`python -m bench.training`, which can also be
run alone against a loaded database); prints one JSON object. The cases take seconds, so each figure is the median
of a few runs after one untimed run (which counts the queries and warms the caches). Every proposal is rolled back,
so each run proposes from the same registry. Where the time goes: the analysis alone (`needs.build_proposal`,
timed the same way: the rest of a proposal is writing the plan) and one run of each norm's query.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

AIM_S = 30.0
REPEAT = 3


def timed(fn: Callable[[], Any], *, repeat: int) -> tuple[float, Any]:
    """Median seconds of `repeat` runs, and the last run's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def counted(fn: Callable[[], Any]) -> tuple[int, Any]:
    """Queries one run makes, and its result."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = fn()
    return len(queries), result


def data_counts() -> dict[str, int]:
    from ytcs.training.models import Enrolment, PlannedCourse, Sponsorship, TrainingClass, TrainingPlan

    return {
        "plans": TrainingPlan.objects.count(),
        "lines": PlannedCourse.objects.count(),
        "classes": TrainingClass.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "sponsorships": Sponsorship.objects.count(),
    }


def measure_training(*, today: datetime.date, repeat: int = REPEAT) -> dict[str, Any]:
    from django.db import transaction

    from ytcs.accounts.models import User
    from ytcs.core.querysets import forget_scope
    from ytcs.orgunits.models import OrgUnit
    from ytcs.training import needs, services
    from ytcs.training.models import NormKind, PlannedCourse, PlannedTrainee

    superuser = User.objects.get(username="admin")
    root = OrgUnit.objects.get(parent__isnull=True)
    year = today.year + 1

    def summary() -> list[Any]:
        forget_scope(superuser)  # as in a new request
        return needs.needs_summary(user=superuser, root=root, on=today, year=year)

    def propose() -> dict[str, int]:
        forget_scope(superuser)
        with transaction.atomic():
            plan = services.plan_propose(user=superuser, orgunit=root, year=year, on=today)
            result = {
                "lines": PlannedCourse.objects.filter(plan=plan).count(),
                "trainees": PlannedTrainee.objects.filter(line__plan=plan).count(),
            }
            transaction.set_rollback(True)
        return result

    summary_queries, _ = counted(summary)
    summary_s, norms = timed(summary, repeat=repeat)
    propose_queries, _ = counted(propose)
    propose_s, proposed = timed(propose, repeat=repeat)
    # Where the time goes: the analysis alone (the rest of a proposal writes the plan), then each norm's query.
    analysis_s, proposal = timed(
        lambda: needs.build_proposal(user=superuser, root=root, on=today, year=year), repeat=repeat
    )
    per_norm = []
    for norm in needs.active_norms():
        start = time.perf_counter()
        if norm.kind in (NormKind.TITLE, NormKind.COMPETENCY):
            found = needs.unit_gaps(user=superuser, root=root, norm=norm, on=today).count()
        else:
            found = needs.people_needs(user=superuser, root=root, norm=norm, on=today, year=year).count()
        per_norm.append({"code": norm.code, "kind": norm.kind, "found": found, "seconds": time.perf_counter() - start})
    return {
        "today": today.isoformat(),
        "root": root.code,
        "year": year,
        "aim_s": AIM_S,
        "repeat": repeat,
        "data": data_counts(),
        "summary": {
            "seconds": summary_s,
            "queries": summary_queries,
            "norms": [
                {
                    "code": s.norm.code,
                    "kind": s.norm.kind,
                    "units": s.units,
                    "missing": s.missing,
                    "in_training": s.in_training,
                    "people": s.people,
                }
                for s in norms
            ],
        },
        "propose": {
            "seconds": propose_s,
            "queries": propose_queries,
            "lines": proposed["lines"],
            "trainees": proposed["trainees"],
            "unfilled": sum(proposal.unfilled.values()),
            "met": propose_s <= AIM_S,
        },
        "analysis": {"seconds": analysis_s, "trainees": len(proposal.trainees), "repeat": repeat},
        "per_norm": per_norm,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=REPEAT, help=f"timed runs per figure (default {REPEAT})")
    parser.add_argument("--today", help="reference date of the analysis (YYYY-MM-DD; default today)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.base")
    import django

    django.setup()
    today = datetime.date.fromisoformat(args.today) if args.today else datetime.date.today()
    print(f"  training: needs summary and proposed plan for the whole country ({args.repeat} runs)", file=sys.stderr)
    result = measure_training(today=today, repeat=args.repeat)
    print(
        f"  needs summary {result['summary']['seconds']:.2f} s, proposed plan {result['propose']['seconds']:.2f} s",
        file=sys.stderr,
    )
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
