"""`make bench`: the national demo data set in a separate database, its pages, subtree query and API timed against
the raw SQL that fetches the same rows, and the workforce registry (staff list with search, doctors per 10,000 for
the whole country, the 5,000-row roster import) against raw SQL and a raw bulk insert, and training (the needs
analysis and the plan proposed from it for the whole country, against the 30-second aim), and indicators (twenty
million reported values, province-year and country-wide analytics against the bare SQL aggregate and the aim of
300 ms within 2x, the roll-up's rebuild and its cost per form save), and equipment and medicines (the stock balance
of every medicine at every station on a date, the equipment-gap roll-up of the country, against the bare SQL
aggregate); the figures are written to docs/benchmarks.md.

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
    load_steps: str = ""  # load_demo's seconds per step
    training: dict[str, Any] | None = None  # bench.training's figures
    indicators: dict[str, Any] | None = None  # bench.indicators' figures
    assets: dict[str, Any] | None = None  # bench.assets' figures


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


def prepare(target: Target, env: dict[str, str], *, today: datetime.date) -> tuple[float, float, str]:
    """Migrate a fresh database (SQLite) or the given one, and load the national data set into it."""
    if target.is_sqlite:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    print(f"== {target.label}: migrate and load the national data set", file=sys.stderr)
    _python(["-m", "ytcs.cli", "migrate", "--no-input", "-v", "0"], env)
    start = time.perf_counter()
    output = _python(
        ["-m", "ytcs.cli", "load_demo", "--scale", "national", "--seed", str(SEED), "--reset", "--today", str(today)],
        env,
    )
    wall = time.perf_counter() - start
    print(output, end="", file=sys.stderr)
    found = re.search(r" in ([\d.]+) s:", output)
    steps = re.search(r"^  (reset .*)$", output, re.MULTILINE)
    return (float(found.group(1)) if found else wall), wall, (steps.group(1) if steps else "")


def measure(env: dict[str, str], *, repeat: int, today: datetime.date) -> dict[str, Any]:
    return json.loads(_python(["-m", "bench.measure", "--repeat", str(repeat), "--today", str(today)], env))


def measure_training(env: dict[str, str], *, today: datetime.date) -> dict[str, Any]:
    """The training cases (`bench.training`): seconds each, so their own few repetitions."""
    return json.loads(_python(["-m", "bench.training", "--today", str(today)], env))


def measure_indicators(env: dict[str, str], *, repeat: int, today: datetime.date) -> dict[str, Any]:
    """The indicator cases (`bench.indicators`); they load their twenty million values first when they are not
    there (after a fresh load_demo), so `--skip-load` re-measures without loading again."""
    return json.loads(_python(["-m", "bench.indicators", "--repeat", str(repeat), "--today", str(today)], env))


def measure_assets(env: dict[str, str], *, repeat: int, today: datetime.date) -> dict[str, Any]:
    """The equipment and medicine cases (`bench.assets`); they fill in the equipment and a year of stock ledger of
    the units that have none first (after a fresh load_demo), so `--skip-load` re-measures without loading again."""
    return json.loads(_python(["-m", "bench.assets", "--repeat", str(repeat), "--today", str(today)], env))


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
    if result["app_ms"] is None:
        return f"| {result['name']} | **TODO** | {result['raw_ms']:.2f} | | | | {result['rows']:,} |"
    overhead = result["app_ms"] - result["raw_ms"]
    repeat = f" ({result['repeat']} runs)" if result.get("repeat", 0) and result["repeat"] < 10 else ""
    return (
        f"| {result['name']}{repeat} | {result['app_ms']:.2f} | {result['raw_ms']:.2f} | {result['ratio']:.1f}× "
        f"| {overhead:.2f} | {result['queries']} | {result['rows']:,} |"
    )


def _data_line(database: dict[str, Any]) -> str:
    kinds = sorted(database["kinds"].items(), key=lambda item: -item[1])
    parts = ", ".join(f"{n:,} {KIND_LABELS.get(kind, kind)}" for kind, n in kinds)
    line = f"{database['units']:,} org units ({parts}); {database['populations']:,} population figures."
    workforce = database.get("workforce")
    if workforce:
        line += (
            f" {workforce['staff']:,} health workers ({workforce['working']:,} working), "
            f"{workforce['postings']:,} postings, {workforce['licences']:,} licences, "
            f"{workforce['certificates']:,} certificates, {workforce['cme']:,} CME activities."
        )
    return line


UNIT_NORMS = {"title": "units", "competency": "units"}  # the other norms count people


def _training_data_line(training: dict[str, Any]) -> str:
    data = training["data"]
    return (
        f"Training: {data['plans']:,} plans with {data['lines']:,} lines, {data['classes']:,} classes, "
        f"{data['enrolments']:,} enrolments, {data['sponsorships']:,} sponsored trainees."
    )


def _training_section(training: dict[str, Any]) -> list[str]:
    """The needs analysis and the proposed plan for the whole country, against the aim."""
    summary, propose, analysis = training["summary"], training["propose"], training["analysis"]
    norms = summary["norms"]
    units = sum(n["units"] for n in norms)
    missing = sum(n["missing"] for n in norms)
    hours = {kind: sum(n["people"] for n in norms if n.get("kind") == kind) for kind in ("cme", "licence")}
    runs = training["repeat"]
    root, year = training["root"], training["year"]
    verdict = "met" if propose["met"] else "**not met**"
    writing = max(propose["seconds"] - analysis["seconds"], 0)
    return [
        f"Training (`bench/training.py`, figures on {training['today']}, superuser, the whole country under {root}):",
        "",
        "| Measurement | Median s | Runs | Queries | Result |",
        "|---|---:|---:|---:|---|",
        f"| Needs summary for {year}: needs.needs_summary | {summary['seconds']:.2f} | {runs} | {summary['queries']} "
        f"| {units:,} unit gaps over the title and certificate norms ({missing:,} people missing after those in "
        f"training); people short of hours: {hours['cme']:,} for continuing training, {hours['licence']:,} for a "
        "licence renewal |",
        f"| Proposed plan for {year}: services.plan_propose (rolled back) | {propose['seconds']:.2f} | {runs} "
        f"| {propose['queries']} | {propose['lines']:,} lines, {propose['trainees']:,} people named, "
        f"{propose['unfilled']:,} places with nobody to train |",
        f"| of which the analysis: needs.build_proposal | {analysis['seconds']:.2f} | {runs} | | "
        f"{analysis['trainees']:,} people; writing the plan ≈ {writing:.2f} s |",
        "",
        f"Aim: the proposed plan for the national data set within {training['aim_s']:g} s: {verdict} "
        f"({propose['seconds']:.1f} s).",
        "",
        "- Each norm's query alone (one run): "
        + "; ".join(
            f"{n['code']} {n['seconds']:.2f} s ({n['found']:,} {UNIT_NORMS.get(n['kind'], 'people')})"
            for n in training["per_norm"]
        )
        + ".",
        "",
    ]


def _indicators_section(indicators: dict[str, Any]) -> list[str]:
    """The scale of the routine data, then the analytics and write cases against the bare SQL and the aim."""
    scale, load, aim = indicators["scale"], indicators["load"], indicators["aim"]
    first, last = scale["first"], scale["last"]
    short = (
        f" (fewer than the {indicators['wanted']:,} asked for on PostgreSQL: see `SQLITE_VALUES`)"
        if indicators.get("wanted") and indicators["asked"] < indicators["wanted"]
        else ""
    )
    if load.get("loaded"):
        loading = (
            f"Loaded in {load['insert_s']:.0f} s; `aggregates.rebuild()` built the roll-up in "
            f"{load['rebuild_s']:.0f} s; "
            f"ANALYZE{' and VACUUM' if indicators['vendor'] == 'postgresql' else ''} {load['analyze_s']:.0f} s."
        )
    else:
        loading = "Measured on the values loaded by an earlier run."
    province = indicators["results"][:2]
    verdict = "met" if aim["met"] else "**not met**"
    imported = indicators.get("import")
    if imported:
        import_line = (
            f"Import of {imported['values']:,} new values (a {imported['megabytes']:.0f} MB dataValueSets JSON, "
            f"periods {', '.join(imported['periods'])}) as the superuser through `exchange.import_file` (read, check, "
            f"write with history and roll-up; rolled back), one run: {imported['app_s']:.0f} s, against "
            f"{imported['raw_s']:.1f} s for the bare insert of the same rows ({imported['ratio']:.0f}×)."
        )
    else:
        import_line = "Import of 1,000,000 values: **TODO** (`ytcs.indicators.exchange.import_file` was not there)."
    figures = "; ".join(f"{r['app_ms']:.1f} ms, {r['ratio']:.2f}× the bare aggregate" for r in province)
    return [
        f"Indicators (`bench/indicators.py`, figures for {indicators['year']}): {scale['values']:,} reported values"
        f"{short}: {scale['units']:,} stations × {scale['periods']} months ({first[4:]}/{first[:4]} to "
        f"{last[4:]}/{last[:4]}) × {scale['cells']} cells ({scale['elements']} data elements: the monthly report's "
        f"and generated ones by sex × age group); roll-up {scale['rollup']:,} rows. {loading}",
        "",
        *TABLE_HEAD,
        *(_row(result) for result in indicators["results"]),
        "",
        f"Aim: a province-year indicator under {aim['ms']:g} ms on PostgreSQL and within {aim['ratio']:g}× the bare "
        f"aggregate: {verdict} here ({figures}).",
        "",
        import_line,
        "",
        *(f"- {r['name'].split(':')[0]}: {r['note']}" for r in indicators["results"] if r.get("note")),
        "",
    ]


def _assets_section(assets: dict[str, Any]) -> list[str]:
    """What the equipment and the stock ledger hold, then the stock-balance and gap cases against the bare SQL."""
    scale, load, aim = assets["scale"], assets["load"], assets["aim"]
    conditions = ", ".join(
        f"{n:,} {condition.replace('_', ' ')}" for condition, n in sorted(scale["conditions"].items())
    )
    if load.get("loaded"):
        written = load["written"]
        loading = (
            f"The bench wrote {written['items']:,} items at {load['units_filled']:,} units without equipment and "
            f"{written['entries']:,} entries and {written['balances']:,} "
            f"batch balances at {load['stations_filled']:,} stations without a ledger in {load['insert_s']:.0f} s "
            f"(every balance checked against its entries in {load['check_s']:.0f} s); "
            f"ANALYZE{' and VACUUM' if assets['vendor'] == 'postgresql' else ''} {load['analyze_s']:.0f} s."
        )
    else:
        loading = "Measured on the rows already there (an earlier run's or the demo's)."
    others = scale["items"] - scale["bench_items"], scale["entries"] - scale["bench_entries"]
    if any(others):
        loading += f" Of them, {others[0]:,} items and {others[1]:,} ledger entries came with the demo data set."
    worst = max(assets["results"], key=lambda r: r["ratio"])
    slowest = max(assets["results"], key=lambda r: r["app_ms"])
    verdict = "met" if aim["met"] else "**not met**"
    return [
        f"Equipment and medicines (`bench/assets.py`, stock balances on {assets['on']}): {scale['items']:,} "
        f"equipment items ({conditions}) at {scale['item_units']:,} units against {scale['norms']} norms; "
        f"{scale['entries']:,} stock ledger entries ({scale['first']} to {scale['last']}) at "
        f"{scale['stock_units']:,} units, {scale['batches']:,} batches of {scale['medicines']} medicines. {loading}",
        "",
        *TABLE_HEAD,
        *(_row(result) for result in assets["results"]),
        "",
        f"Aim: each case within {aim['ratio']:g}× its bare SQL, and under {aim['ms'] / 1000:g} s on PostgreSQL "
        f"(the ratio only on SQLite): {verdict} here (largest ratio {worst['ratio']:.1f}×, slowest "
        f"{slowest['app_ms']:.0f} ms).",
        "",
    ]


def _load_line(run: Run) -> str:
    if run.load_s is None or run.load_wall_s is None:
        return "Measured on the data loaded by an earlier run (`--skip-load`)."
    steps = f" Steps: {run.load_steps}." if run.load_steps else ""
    return (
        f"`load_demo --scale national` took {run.load_s:.1f} s ({run.load_wall_s:.1f} s wall clock with start-up)."
        f"{steps}"
    )


TABLE_HEAD = (
    "| Measurement | Median ms | Raw SQL ms | Ratio | Overhead ms | Queries | Rows |",
    "|---|---:|---:|---:|---:|---:|---:|",
)


def _section(run: Run) -> list[str]:
    database = run.measured["database"]
    results = run.measured["results"]
    units = [r for r in results if r.get("group", "units") == "units"]
    workforce = [r for r in results if r.get("group") == "workforce"]
    pages = [r for r in units if r["name"].startswith("Unit list")]
    within = [r for r in pages if r["ratio"] <= AIM]
    lines = [
        f"### {run.target.label} ({database['version']})",
        "",
        _data_line(database) + (f" {_training_data_line(run.training)}" if run.training else ""),
        _load_line(run),
        "",
        *TABLE_HEAD,
        *(_row(result) for result in units),
        "",
        f"List pages within the {AIM:g}× aim: {len(within)} of {len(pages)}. "
        f"Page times range {min(r['app_ms'] for r in pages):.1f}-{max(r['app_ms'] for r in pages):.1f} ms.",
        "",
    ]
    if workforce:
        lines += [
            f"Workforce registry (figures on {run.measured.get('today', '?')}):",
            "",
            *TABLE_HEAD,
            *(_row(result) for result in workforce),
            "",
            *(f"- {r['name'].split(':')[0]}: {r['note']}" for r in workforce if r.get("note")),
            "",
        ]
    if run.training:
        lines += _training_section(run.training)
    if run.indicators:
        lines += _indicators_section(run.indicators)
    if run.assets:
        lines += _assets_section(run.assets)
    return lines


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
            f"(`ytcs load_demo --scale national --seed {SEED} --today <that day>`: 34 provinces under the Ministry, "
            "about 500,000 health workers).",
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
            "- Workforce (`bench/workforce.py`): the **staff list** page of the province admin filtered to their "
            "province's subtree and searched for a common name part, against the count and first page of working "
            "people by name in raw SQL (the bench checks the page links the same people); **doctors per 10,000** "
            "for every unit of a level of the country (`ytcs.workforce.indicators.doctors_per_10000`), against one "
            "raw SQL statement grouping postings by the level's ancestor column and station populations of the "
            "year (the bench checks every unit's doctors and population agree); the **roster import** of a "
            "5,000-row .xlsx of new people (`ytcs.workforce.xlsx.staff_import`: read, check, insert, audit; rolled "
            "back after each run) against a raw bulk insert of the same staff rows and hire postings (COPY on "
            "PostgreSQL, executemany on SQLite; rolled back too). A **TODO** marks an application side that did "
            "not exist when the bench ran: only its raw SQL is timed.",
            "- Training (`bench/training.py`): the **needs summary** (`ytcs.training.needs.needs_summary`: every "
            "staffing norm against the registry) and the **proposed plan** (`ytcs.training.services.plan_propose`: "
            "the analysis, then the draft plan with its lines, seats and named people, rolled back after each run) "
            "for the whole country as the superuser, next year, against the aim of a proposal within 30 s. "
            "Seconds each: the median of 3 runs after an untimed one that counts the queries; the analysis alone "
            "(`needs.build_proposal`, 3 runs) and one run of each norm's query show where the time goes. The data "
            "set includes the demo's training year (plans, classes, enrolments, sponsored trainees), which the "
            "analysis counts as people in training.",
            "- Indicators (`bench/indicators.py`): every open station's monthly reports for five full years and "
            "this year up to last month, the monthly report's 12 cells and generated data elements by sex × age "
            "group up to twenty million values (COPY or executemany, then `aggregates.rebuild()`, ANALYZE). "
            "**Median ms**: `analytics.compute` of an indicator over two data elements (`DE_TAI_TRAM_PCT`) for last "
            "year, as the province administrator for their province's regions and for the province itself, and as "
            "the superuser for every region and every province of the country; the registry indicator doctors per "
            "10,000 (`BS_10000`) by province. **Raw SQL ms**: the bare aggregate over the same DataValue rows "
            "(SUM and COUNT of the two data elements over the year's months, quarters and the year, grouped by "
            "the row unit through the unit table's level columns; for doctors, `bench.workforce.raw_doctors`); the "
            "bench checks both give the same numerator and denominator for every unit. The aim: a province-year "
            "query under 300 ms on PostgreSQL and within 2× the bare aggregate. A form save "
            "(`services.form_save`, the station head's 12 cells of the current month, rolled back) against the bare "
            "INSERT of those rows, and the roll-up's share (the inserts plus `aggregates.apply`).",
            "- Equipment and medicines (`bench/assets.py`): units without equipment get items against the current "
            "norms (some missing, some broken, under repair or retired) and stations without a stock ledger a year "
            "of it for every medicine of the current list (monthly receipts of new batches, weekly issues soonest "
            "expiry first, expired stock written off; each batch's balance checked against its entries); rows the "
            "demo already has are used as they are. **Median ms**: the balance of every medicine at every unit on "
            "the 15th of last month (`selectors_stock.medicine_balances_on`, what the stock API answers with "
            "`?on=&by=medicine`) as the superuser for the country and as the province administrator for their "
            "province, the same by batch (`batch_balances_on`) and the API's first page of 1,000 rows; the "
            "equipment-gap roll-up (`selectors_equipment.gap_table`, the gaps page and API: per unit and type, the "
            "norm minus the items in working order, floored at zero, summed by the unit of the level) by province "
            "and by region of the country as the superuser, by region of their province as the province "
            "administrator, and the gaps API by province. **Raw SQL ms**: the bare GROUP BY of the ledger entries "
            "dated up to that day per unit and medicine (or batch); for the gaps, one statement joining the current "
            "norms to the open units of their kind and to the working items per unit and type code. The bench "
            "checks both give the same figures for every unit before timing. The aim: within 3× the bare SQL and "
            "under a second on PostgreSQL.",
            "- The machine is shared: other work running at the same time slows both columns alike, so compare "
            "ratios rather than absolute times between runs.",
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
    # One reference date for the workforce data and its figures, even if the run crosses midnight.
    today = datetime.date.today()
    runs = []
    for target in targets():
        env = environment(target, secret_key=secret_key)
        load_s, wall_s, steps = (None, None, "") if args.skip_load else prepare(target, env, today=today)
        print(f"== {target.label}: measuring ({args.repeat} repetitions)", file=sys.stderr)
        measured = measure(env, repeat=args.repeat, today=today)
        training = measure_training(env, today=today)
        indicators = measure_indicators(env, repeat=args.repeat, today=today)
        assets = measure_assets(env, repeat=args.repeat, today=today)
        runs.append(Run(target, load_s, wall_s, measured, steps, training, indicators, assets))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report(runs, repeat=args.repeat), encoding="utf-8")
    print(f"Wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
