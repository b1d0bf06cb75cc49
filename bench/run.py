"""`make bench`: the national demo data set in a separate database, its pages, subtree query and API timed against
the raw SQL that fetches the same rows; the figures are written to docs/benchmarks.md.

SQLite (var/bench.sqlite3, rebuilt from scratch) is always measured; the database named by BENCH_DATABASE_URL
(e.g. postgresql://postgres@127.0.0.1:5432/ytcs_bench, whose org units and users are replaced) is measured too
when that variable is set. Every database is migrated, loaded and measured in subprocesses of its own, because
Django reads its settings once per process: that is the simplest way to point the same code at two databases.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = ROOT / "var" / "bench.sqlite3"
REPORT = ROOT / "docs" / "benchmarks.md"
SEED = 1
AIM = 3.0
KIND_LABELS = {
    "station": "stations",
    "satellite": "satellite points",
    "regional_centre": "regional centres",
    "private": "private facilities",
    "provincial_unit": "provincial units",
    "hospital": "hospitals",
    "province": "provincial departments",
    "country": "ministry",
}


@dataclass(frozen=True)
class Target:
    label: str
    url: str

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


@dataclass(frozen=True)
class Run:
    target: Target
    load_s: float | None  # as timed by load_demo itself; None when this run did not load
    load_wall_s: float | None  # including interpreter and Django start-up
    measured: dict[str, Any]


def targets() -> list[Target]:
    found = [Target("SQLite", f"sqlite:///{SQLITE_FILE}")]
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        found.append(Target("PostgreSQL" if url.startswith("postgres") else "BENCH_DATABASE_URL", url))
    return found


def environment(target: Target, *, secret_key: str) -> dict[str, str]:
    """Production settings (DEBUG off) with the benchmark's few overrides, pointed at the target database."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "YTCS_TEST_DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=target.url,
        YTCS_DEBUG="0",
        YTCS_SECRET_KEY=secret_key,
        # Persistent connections, as a production server would keep them.
        YTCS_DB_CONN_MAX_AGE="600",
    )
    return env


def _python(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, check=True, text=True, stdout=subprocess.PIPE, stderr=sys.stderr
    )
    return done.stdout


def prepare(target: Target, env: dict[str, str]) -> tuple[float, float]:
    """Migrate a fresh database (SQLite) or the given one, and load the national data set into it."""
    if target.is_sqlite:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    print(f"== {target.label}: migrate and load the national data set", file=sys.stderr)
    _python(["-m", "ytcs.cli", "migrate", "--no-input", "-v", "0"], env)
    start = time.perf_counter()
    output = _python(["-m", "ytcs.cli", "load_demo", "--scale", "national", "--seed", str(SEED), "--reset"], env)
    wall = time.perf_counter() - start
    print(output, end="", file=sys.stderr)
    found = re.search(r" in ([\d.]+) s:", output)
    return (float(found.group(1)) if found else wall), wall


def measure(env: dict[str, str], *, repeat: int) -> dict[str, Any]:
    return json.loads(_python(["-m", "bench.measure", "--repeat", str(repeat)], env))


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"model name\s*:\s*(.+)", cpuinfo).group(1).strip()
        kib = int(re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass  # not Linux: fewer details, same figures
    return {
        "cpu": f"{cpu}, {os.cpu_count()} CPUs (nproc)",
        "memory": memory or "unknown",
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": version("django"),
        "drf": version("djangorestframework"),
    }


def _row(result: dict[str, Any]) -> str:
    overhead = result["app_ms"] - result["raw_ms"]
    return (
        f"| {result['name']} | {result['app_ms']:.2f} | {result['raw_ms']:.2f} | {result['ratio']:.1f}× "
        f"| {overhead:.2f} | {result['queries']} | {result['rows']} |"
    )


def _data_line(database: dict[str, Any]) -> str:
    kinds = sorted(database["kinds"].items(), key=lambda item: -item[1])
    parts = ", ".join(f"{n:,} {KIND_LABELS.get(kind, kind)}" for kind, n in kinds)
    return f"{database['units']:,} org units ({parts}); {database['populations']:,} population figures."


def _load_line(run: Run) -> str:
    if run.load_s is None or run.load_wall_s is None:
        return "Measured on the data loaded by an earlier run (`--skip-load`)."
    return f"`load_demo --scale national` took {run.load_s:.1f} s ({run.load_wall_s:.1f} s wall clock with start-up)."


def _section(run: Run) -> list[str]:
    database = run.measured["database"]
    results = run.measured["results"]
    pages = [r for r in results if r["name"].startswith("Unit list")]
    within = [r for r in pages if r["ratio"] <= AIM]
    return [
        f"### {run.target.label} ({database['version']})",
        "",
        _data_line(database),
        _load_line(run),
        "",
        "| Measurement | Median ms | Raw SQL ms | Ratio | Overhead ms | Queries | Rows |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *(_row(result) for result in results),
        "",
        f"List pages within the {AIM:g}× aim: {len(within)} of {len(pages)}. "
        f"Page times range {min(r['app_ms'] for r in pages):.1f}-{max(r['app_ms'] for r in pages):.1f} ms.",
        "",
    ]


def report(runs: list[Run], *, repeat: int) -> str:
    info = machine()
    versions = ", ".join(run.measured["database"]["version"] for run in runs)
    return "\n".join(
        [
            "# Benchmarks",
            "",
            "Written by `make bench` (`bench/run.py`); do not edit by hand, run it again.",
            "",
            f"Measured on {datetime.date.today().isoformat()} against the national demo data set "
            f"(`ytcs load_demo --scale national --seed {SEED}`: 34 provinces under the Ministry).",
            "",
            "## Machine",
            "",
            f"- CPU: {info['cpu']}",
            f"- Memory: {info['memory']}",
            f"- OS: {info['os']}",
            f"- Python {info['python']}, Django {info['django']}, Django REST framework {info['drf']}",
            f"- Databases: {versions}",
            "",
            "## Method",
            "",
            f"- Each figure is the median of {repeat} repetitions after 2 warm-up calls, in one process per database, "
            "with the production settings (`DEBUG` off, persistent connections) and Django's test client.",
            "- **Median ms**: the application path: a whole page request as a logged-in user (session and user "
            "lookup, middleware, view, template), the ORM query with `OrgUnit.objects.restrict(...)`, or an API "
            "request with token authentication (filtering, pagination, serialisation to JSON).",
            "- **Raw SQL ms**: the same rows fetched through a cursor in the same run: the total count plus one page "
            "of units with their parent's name, only the columns shown (list pages), the subtree by "
            "materialised-path prefix (`path >= '/1/2/' AND path < '/1/20'`, the range the path index serves), "
            "or the count, one page of stations and their populations (API). "
            "Before timing, the bench checks that both fetch the same units.",
            "- **Overhead ms** = median − raw SQL: what the framework layers add. **Queries**: SQL statements the "
            "application path runs (session, user or token, role lookup, count, rows, prefetches).",
            f"- The aim is a list page within {AIM:g}× its raw SQL. Where the raw SQL takes a fraction of a "
            "millisecond (an index-ordered first page), the ratio mostly measures the fixed cost of a request.",
            "",
            "## Results",
            "",
            *(line for run in runs for line in _section(run)),
            "## Reproduce",
            "",
            "```sh",
            "make bench                      # SQLite only: var/bench.sqlite3, rebuilt each run",
            "psql -h 127.0.0.1 -U postgres -c 'create database ytcs_bench'   # once",
            "BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ytcs_bench make bench   # SQLite and PostgreSQL",
            ".venv/bin/python -m bench.run --repeat 30 --skip-load   # re-measure the loaded databases",
            "```",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="timed repetitions per figure (default 15)")
    parser.add_argument("--skip-load", action="store_true", help="measure the databases as they are")
    parser.add_argument("--output", type=Path, default=REPORT, help=f"default {REPORT.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    # A throw-away key: production settings refuse to start without one, and nothing here outlives the run.
    secret_key = secrets.token_urlsafe(50)
    runs = []
    for target in targets():
        env = environment(target, secret_key=secret_key)
        load_s, wall_s = (None, None) if args.skip_load else prepare(target, env)
        print(f"== {target.label}: measuring ({args.repeat} repetitions)", file=sys.stderr)
        runs.append(Run(target, load_s, wall_s, measure(env, repeat=args.repeat)))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report(runs, repeat=args.repeat), encoding="utf-8")
    print(f"Wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
