"""In-process measurements against an already loaded national data set; prints one JSON object.

Run by `bench.run` in a subprocess whose environment names the database (`python -m bench.measure`). Each case
times the application path (page through the test client, ORM query, API call) and, in the same process, the raw
SQL that fetches the same rows through a cursor, so the ratio shows what the framework layers cost. The workforce
cases (staff list, doctors per 10,000, roster import) are in `bench.workforce`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

PAGE_SIZE = 25  # the list page's default (ytcs.core.pages.paginate)
API_QUERY = {"kind": "station", "q": "tram", "page_size": 100}
DEEP_PAGE = 300


def same_codes(fetched: list[str], raw_codes: list[str]) -> bool:
    return fetched == raw_codes


def shows_codes(html: str, raw_codes: list[str]) -> bool:
    return bool(raw_codes) and all(f">{code}<" in html for code in raw_codes)


@dataclass(frozen=True)
class Case:
    """`matches` checks, once before timing, that the application and the raw SQL fetch the same rows.

    `app` None: the application side does not exist yet, only the raw SQL is timed (the report says TODO).
    `repeat` overrides the run's repetitions (slow cases); `note` is printed under the table.
    """

    name: str
    app: Callable[[], Any] | None
    raw: Callable[[], list[Any]]
    matches: Callable[[Any, list[Any]], bool] = same_codes
    repeat: int | None = None
    note: str = ""
    group: str = "units"  # which table of the report: "units" or "workforce"


@dataclass(frozen=True)
class Result:
    name: str
    app_ms: float | None
    raw_ms: float
    ratio: float | None
    queries: int | None
    rows: int
    repeat: int = 0
    note: str = ""
    group: str = "units"


def median_ms(fn: Callable[[], Any], *, repeat: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _fetch(sql: str, params: list[Any]) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _where(prefix: str | None, extra: list[str] | None = None) -> tuple[str, list[Any]]:
    clauses, params = list(extra or []), []
    if prefix:
        # The subtree as the application asks for it: a byte-ordered range served by the path index.
        clauses.append("u.path >= %s AND u.path < %s")
        params.extend([prefix, prefix[:-1] + "0"])
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def raw_list_page(*, prefix: str | None, page: int) -> list[str]:
    """What the list page shows: the total, then one page of units with their parent's name, in tree order."""
    where, params = _where(prefix)
    _fetch(f"SELECT COUNT(*) FROM orgunits_orgunit u{where}", params)
    rows = _fetch(
        "SELECT u.code, u.name, u.kind, u.closed_on, p.name FROM orgunits_orgunit u "
        f"LEFT JOIN orgunits_orgunit p ON p.id = u.parent_id{where} ORDER BY u.path LIMIT %s OFFSET %s",
        [*params, PAGE_SIZE, (page - 1) * PAGE_SIZE],
    )
    return [row[0] for row in rows]


def raw_subtree(*, prefix: str) -> list[str]:
    rows = _fetch(
        "SELECT * FROM orgunits_orgunit u WHERE u.path >= %s AND u.path < %s ORDER BY u.path",
        [prefix, prefix[:-1] + "0"],
    )
    return [row[1] for row in rows]


def raw_api_page(*, prefix: str | None) -> list[str]:
    """What the API answers: the total, one page of stations matching 'tram', and their populations."""
    where, params = _where(prefix, ["u.kind = %s", "u.search_text LIKE %s"])
    params = [API_QUERY["kind"], f"%{API_QUERY['q']}%", *params]
    _fetch(f"SELECT COUNT(*) FROM orgunits_orgunit u{where}", params)
    rows = _fetch(
        "SELECT u.id, u.code, u.name, u.kind, p.code, u.level, u.path, u.admin_code, u.address, u.phone, "
        f"u.opened_on, u.closed_on FROM orgunits_orgunit u LEFT JOIN orgunits_orgunit p ON p.id = u.parent_id{where} "
        "ORDER BY u.path LIMIT %s",
        [*params, API_QUERY["page_size"]],
    )
    ids = [row[0] for row in rows]
    if ids:
        marks = ", ".join(["%s"] * len(ids))
        _fetch(
            f"SELECT orgunit_id, year, population, source FROM orgunits_population WHERE orgunit_id IN ({marks}) "
            "ORDER BY year DESC",
            ids,
        )
    return [row[1] for row in rows]


def _page_html(client: Any, url: str) -> Callable[[], str]:
    def get() -> str:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content.decode()

    return get


def _api_codes(client: Any) -> Callable[[], list[str]]:
    def get() -> list[str]:
        response = client.get("/api/v1/orgunits/", API_QUERY)
        assert response.status_code == 200, response.status_code
        return [row["code"] for row in response.json()["results"]]

    return get


def build_cases() -> list[Case]:
    from django.test import Client
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from ytcs.accounts.models import User
    from ytcs.core.querysets import forget_scope, subtree_q
    from ytcs.orgunits.models import OrgUnit

    superuser = User.objects.get(username="admin")
    admin = User.objects.get(username="province_admin")
    province = admin.role_assignments.get().orgunit
    total = OrgUnit.objects.count()
    in_province = OrgUnit.objects.filter(subtree_q("path", province.path)).count()
    deep_all = min(DEEP_PAGE, math.ceil(total / PAGE_SIZE))
    deep_province = math.ceil(in_province / PAGE_SIZE)

    def browser(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def api(user: User) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        return client

    def subtree() -> list[str]:
        forget_scope(admin)  # as in a new request: the role lookup is part of the cost
        return [unit.code for unit in OrgUnit.objects.restrict(admin, "view")]

    def page_case(name: str, user: User, prefix: str | None, page: int) -> Case:
        def raw() -> list[str]:
            return raw_list_page(prefix=prefix, page=page)

        url = "/orgunits/" if page == 1 else f"/orgunits/?page={page}"
        return Case(f"{name} ({url})", _page_html(browser(user), url), raw, shows_codes)

    return [
        page_case("Unit list, page 1, superuser", superuser, None, 1),
        page_case(f"Unit list, page {deep_all}, superuser", superuser, None, deep_all),
        page_case("Unit list, page 1, province admin", admin, province.path, 1),
        page_case(f"Unit list, last page {deep_province}, province admin", admin, province.path, deep_province),
        Case(
            f"Subtree of {province.code}: restrict(province_admin, 'view'), {in_province} units",
            subtree,
            lambda: raw_subtree(prefix=province.path),
        ),
        Case(
            "API stations q=tram, 100 per page, superuser (token)",
            _api_codes(api(superuser)),
            lambda: raw_api_page(prefix=None),
        ),
        Case(
            "API stations q=tram, 100 per page, province admin (token)",
            _api_codes(api(admin)),
            lambda: raw_api_page(prefix=province.path),
        ),
    ]


def measure(case: Case, *, repeat: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    repeat = case.repeat or repeat
    warmup = 1 if case.repeat else 2
    raw_codes = case.raw()
    if case.app is None:
        raw_ms = median_ms(case.raw, repeat=repeat, warmup=warmup)
        return Result(case.name, None, raw_ms, None, None, len(raw_codes), repeat, case.note, case.group)
    with CaptureQueriesContext(connection) as queries:
        fetched = case.app()
    # Counted now: the next request through the client empties the query log.
    query_count = len(queries)
    if not case.matches(fetched, raw_codes):
        raise AssertionError(f"{case.name}: the application fetched other rows than the raw SQL")
    app_ms = median_ms(case.app, repeat=repeat, warmup=warmup)
    raw_ms = median_ms(case.raw, repeat=repeat, warmup=warmup)
    return Result(
        case.name, app_ms, raw_ms, app_ms / raw_ms, query_count, len(raw_codes), repeat, case.note, case.group
    )


def database_info() -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count

    from ytcs.orgunits.models import OrgUnit, Population

    if connection.vendor == "postgresql":
        version = "PostgreSQL " + _fetch("SHOW server_version", [])[0][0]
    else:
        import sqlite3

        version = f"SQLite {sqlite3.sqlite_version}"
    from ytcs.workforce.models import Certificate, CmeActivity, Licence, Posting, Staff

    kinds = dict(OrgUnit.objects.order_by().values_list("kind").annotate(n=Count("id")))
    return {
        "version": version,
        "units": sum(kinds.values()),
        "kinds": kinds,
        "populations": Population.objects.count(),
        "workforce": {
            "staff": Staff.objects.count(),
            "working": Staff.objects.filter(status="active").count(),
            "postings": Posting.objects.count(),
            "licences": Licence.objects.count(),
            "certificates": Certificate.objects.count(),
            "cme": CmeActivity.objects.count(),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--today", help="reference date of the workforce figures (YYYY-MM-DD; default today)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.base")
    import django

    django.setup()
    from bench.workforce import build_workforce_cases

    today = datetime.date.fromisoformat(args.today) if args.today else datetime.date.today()
    results = []
    for case in [*build_cases(), *build_workforce_cases(today=today)]:
        result = measure(case, repeat=args.repeat)
        app = "TODO" if result.app_ms is None else f"{result.app_ms:.2f} ms"
        print(f"  {result.name}: {app} vs {result.raw_ms:.2f} ms raw", file=sys.stderr)
        results.append(asdict(result))
    json.dump({"database": database_info(), "today": today.isoformat(), "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
