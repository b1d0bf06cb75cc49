"""Workforce cases of the benchmark: the staff list with search, doctors per 10,000 for the whole country and the
5,000-row roster import, each beside the raw SQL (or raw bulk insert) that does the same work.

Imported by `bench.measure` once Django is set up. Parts of the workforce registry that are not there yet (the
staff list page, the indicators module) are measured the nearest way that exists, and the case says so in its
note, so the report never silently compares something else.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import random
from collections.abc import Callable
from typing import Any

from bench.measure import PAGE_SIZE, Case, _fetch

STAFF_QUERY = "nguyen thi"  # a common name part: Nguyễn (~38% of people) and the middle name Thị
IMPORT_ROWS = 5_000
IMPORT_REPEAT = 3  # seconds each: fewer repetitions than the millisecond cases


def build_workforce_cases(*, today: datetime.date) -> list[Case]:
    from ytcs.accounts.models import User

    superuser = User.objects.get(username="admin")
    admin = User.objects.get(username="province_admin")
    province = admin.role_assignments.get().orgunit
    cases = [_staff_list_case(admin, province), *_doctors_cases(superuser, today), _import_case(admin, province)]
    return [dataclasses.replace(case, group="workforce") for case in cases]


# --- staff list: a province's subtree, searched ---


def raw_staff_page(*, prefix: str, query: str) -> list[int]:
    """What the staff list shows: the total, then one page of working people matching every word, by name."""
    words = query.split()
    where = " WHERE u.path >= %s AND u.path < %s AND s.status = 'active'" + " AND s.search_text LIKE %s" * len(words)
    params = [prefix, prefix[:-1] + "0", *(f"%{word}%" for word in words)]
    _fetch(f"SELECT COUNT(*) FROM workforce_staff s JOIN orgunits_orgunit u ON u.id = s.orgunit_id{where}", params)
    rows = _fetch(
        "SELECT s.id, s.full_name, t.name, u.name, u.code, s.position, s.birth_date, s.status "
        "FROM workforce_staff s JOIN orgunits_orgunit u ON u.id = s.orgunit_id "
        f"JOIN workforce_title t ON t.id = s.title_id{where} ORDER BY s.full_name, s.id LIMIT %s",
        [*params, PAGE_SIZE],
    )
    return [row[0] for row in rows]


def _staff_list_case(admin: Any, province: Any) -> Case:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from ytcs.core.querysets import forget_scope
    from ytcs.workforce import selectors

    def raw() -> list[int]:
        return raw_staff_page(prefix=province.path, query=STAFF_QUERY)

    expected = raw()
    client = Client()
    client.force_login(admin)
    try:
        base = reverse("workforce:staff_list")
    except NoReverseMatch:
        base = None
    for param in ("orgunit", "unit"):  # the filter's name on the page (the form calls it "unit" for now)
        if base is None:
            break
        url = f"{base}?{param}={province.code}&q={STAFF_QUERY.replace(' ', '+')}"
        response = client.get(url)
        if response.status_code == 200 and _shows_people(response.content.decode(), expected):
            return Case(
                f"Staff list, {province.code} subtree, q={STAFF_QUERY!r}, province admin ({url})",
                _page(client, url),
                raw,
                _shows_people,
            )

    def orm() -> list[int]:
        forget_scope(admin)
        qs = selectors.staff_list(user=admin, filters={"orgunit": province.code, "q": STAFF_QUERY})
        qs.count()
        return [person.pk for person in qs[:PAGE_SIZE]]

    return Case(
        f"Staff list, {province.code} subtree, q={STAFF_QUERY!r}, province admin: selectors.staff_list (ORM)",
        orm,
        raw,
        note="The staff list page did not answer with these rows, so the ORM query behind it was measured.",
    )


def _shows_people(html: str, pks: list[int]) -> bool:
    return bool(pks) and all(f'href="/workforce/{pk}/"' in html for pk in pks)


def _page(client: Any, url: str) -> Callable[[], str]:
    def get() -> str:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content.decode()

    return get


# --- doctors per 10,000 population, every unit of a level ---


def raw_doctors(*, level: int, on: datetime.date) -> list[tuple[str, int, int | None]]:
    """(code, doctors, population) of every unit of the level operating on the date, in tree order: doctors
    with a posting covering the date under the unit, the population of the year of its operating stations.
    Three statements (units, doctors by ancestor, population by ancestor): one statement joining all three ran
    up to six times slower on SQLite."""
    operating = "({t}.opened_on IS NULL OR {t}.opened_on <= %s) AND ({t}.closed_on IS NULL OR {t}.closed_on > %s)"
    units = _fetch(
        f"SELECT u.id, u.code FROM orgunits_orgunit u WHERE u.level = %s AND {operating.format(t='u')} ORDER BY u.path",
        [level, on, on],
    )
    doctors = dict(
        _fetch(
            f"SELECT pu.level{level}_id, COUNT(DISTINCT p.staff_id) FROM workforce_posting p "
            "JOIN orgunits_orgunit pu ON pu.id = p.orgunit_id JOIN workforce_staff s ON s.id = p.staff_id "
            "JOIN workforce_title t ON t.id = s.title_id "
            "WHERE t.counts_as_doctor AND p.started_on <= %s AND (p.ended_on IS NULL OR p.ended_on >= %s) "
            f"AND pu.level{level}_id IS NOT NULL GROUP BY pu.level{level}_id",
            [on, on],
        )
    )
    populations = dict(
        _fetch(
            f"SELECT st.level{level}_id, SUM(pop.population) FROM orgunits_orgunit st "
            "LEFT JOIN orgunits_population pop ON pop.orgunit_id = st.id AND pop.year = %s "
            f"WHERE st.kind = 'station' AND {operating.format(t='st')} GROUP BY st.level{level}_id",
            [on.year, on, on],
        )
    )
    return [(code, doctors.get(pk, 0), populations.get(pk) or None) for pk, code in units]


def _doctors_cases(superuser: Any, today: datetime.date) -> list[Case]:
    try:
        from ytcs.workforce.indicators import Selection, doctors_per_10000
    except ImportError:
        Selection = doctors_per_10000 = None  # noqa: N806
    cases = []
    for level, label in ((2, "provinces"), (4, "stations and level-4 units")):

        def raw(level: int = level) -> list[tuple[str, int, int | None]]:
            return raw_doctors(level=level, on=today)

        name = f"Doctors per 10,000, all {label} of the country (level {level}), superuser"
        if doctors_per_10000 is None:
            cases.append(Case(f"{name}: indicators", None, raw, note="TODO: ytcs.workforce.indicators not there yet."))
            continue

        def app(level: int = level) -> Any:
            from ytcs.core.querysets import forget_scope

            forget_scope(superuser)
            return doctors_per_10000(selection=Selection(user=superuser, on=today, level=level))

        cases.append(Case(f"{name}: indicators.doctors_per_10000", app, raw, _same_doctors))
    return cases


def _same_doctors(table: Any, raw: list[tuple[str, int, int | None]]) -> bool:
    rows = [(row.unit.code, row.doctors, row.population or None) for row in table.rows]
    return bool(raw) and rows == raw


# --- the roster import ---


def import_rows(*, units: list[str], titles: list[str], count: int) -> list[dict[str, Any]]:
    """`count` new people (CCCDs with a birth-province prefix no demo person has), deterministic."""
    from ytcs.core.demo import names

    rng = random.Random(2025)
    rows = []
    for n in range(count):
        sex = rng.choice(("male", "female"))
        birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randint(0, 12_000))
        century = (0 if birth.year < 2000 else 2) + (sex == "female")
        rows.append(
            {
                "full_name": names.person_name(rng, gender=sex),
                "sex": sex,
                "birth_date": birth,
                "national_id": f"099{century}{birth.year % 100:02d}{n:06d}",
                "title": rng.choice(titles),
                "qualification": "university",
                "employment_type": "civil_servant",
                "position": "staff",
                "unit": rng.choice(units),
                "started_on": birth + datetime.timedelta(days=23 * 365 + rng.randint(0, 900)),
                "phone": f"09{rng.randint(10_000_000, 99_999_999)}",
            }
        )
    return rows


def import_workbook(rows: list[dict[str, Any]], title_names: dict[str, str]) -> bytes:
    from openpyxl import Workbook

    from ytcs.workforce import xlsx

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(xlsx.STAFF_SHEET)
    ws.append(list(xlsx.STAFF_HEADERS))
    for row in rows:
        values = {
            xlsx.H_NAME: row["full_name"],
            xlsx.H_SEX: xlsx.SEX_LABELS[row["sex"]],
            xlsx.H_BIRTH: row["birth_date"].strftime("%d/%m/%Y"),
            xlsx.H_NATIONAL_ID: row["national_id"],
            xlsx.H_TITLE: title_names[row["title"]],
            xlsx.H_QUALIFICATION: xlsx.QUALIFICATION_LABELS[row["qualification"]],
            xlsx.H_EMPLOYMENT: xlsx.EMPLOYMENT_LABELS[row["employment_type"]],
            xlsx.H_POSITION: xlsx.POSITION_LABELS[row["position"]],
            xlsx.H_UNIT: row["unit"],
            xlsx.H_STARTED: row["started_on"].strftime("%d/%m/%Y"),
            xlsx.H_PHONE: row["phone"],
        }
        ws.append([values.get(header) for header in xlsx.STAFF_HEADERS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def raw_import(rows: list[dict[str, Any]], *, units: dict[str, int], titles: dict[str, int]) -> list[str]:
    """The same people and their hire postings through the loader's raw bulk insert (COPY / executemany), in a
    transaction rolled back at the end; ids above the highest in use."""
    from django.db import transaction
    from django.db.models import Max

    from ytcs.core.demo.builder import POSTING_FIELDS, STAFF_FIELDS, insert_rows
    from ytcs.core.text import fold
    from ytcs.workforce.models import Posting, Staff

    with transaction.atomic():
        first = (Staff.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        staff, postings = [], []
        for pk, row in enumerate(rows, start=first):
            unit = units[row["unit"]]
            search = fold(" ".join((row["full_name"], row["national_id"], row["phone"])))
            staff.append(
                (
                    pk, row["full_name"], row["sex"], row["birth_date"], row["national_id"], row["phone"], "",
                    titles[row["title"]], row["qualification"], "", row["employment_type"], row["position"], unit,
                    row["started_on"], None, "active", search,
                )
            )  # fmt: skip
            postings.append((pk, unit, "hire", row["started_on"], None, None, "", ""))
        insert_rows(Staff, STAFF_FIELDS, staff)
        insert_rows(Posting, POSTING_FIELDS, postings)
        transaction.set_rollback(True)
    return [row["national_id"] for row in rows]


def _import_case(admin: Any, province: Any) -> Case:
    from django.db import transaction

    from ytcs.core.querysets import subtree_q
    from ytcs.orgunits.models import OrgUnit, OrgUnitKind
    from ytcs.workforce.models import Title

    try:
        from ytcs.workforce.xlsx import staff_import
    except ImportError:
        staff_import = None
    stations = dict(
        OrgUnit.objects.filter(subtree_q("path", province.path), kind=OrgUnitKind.STATION, closed_on__isnull=True)
        .order_by("code")
        .values_list("code", "pk")
    )
    titles = dict(Title.objects.filter(is_active=True).values_list("code", "pk"))
    title_names = dict(Title.objects.filter(is_active=True).values_list("code", "name"))
    rows = import_rows(units=list(stations), titles=sorted(titles), count=IMPORT_ROWS)

    def raw() -> list[str]:
        return raw_import(rows, units=stations, titles=titles)

    name = f"Roster import, {IMPORT_ROWS:,} new people at {province.code} stations, province admin"
    if staff_import is None:
        return Case(f"{name}: xlsx.staff_import", None, raw, note="TODO: ytcs.workforce.xlsx not there yet.")
    content = import_workbook(rows, title_names)

    def app() -> list[str]:
        from ytcs.core.querysets import forget_scope

        forget_scope(admin)
        with transaction.atomic():
            result = staff_import(user=admin, file=io.BytesIO(content))
            transaction.set_rollback(True)
        assert not result.errors, result.errors[:3]
        assert result.created == len(rows), result.created
        return [row["national_id"] for row in rows]

    return Case(
        f"{name}: xlsx.staff_import ({len(content) // 1024} KB .xlsx)",
        app,
        raw,
        repeat=IMPORT_REPEAT,
        note="Raw: the same staff rows and hire postings through COPY (PostgreSQL) or executemany (SQLite); the "
        "import also reads the workbook, checks every row and writes an audit entry per record.",
    )
