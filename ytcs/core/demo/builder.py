"""Writes a demo plan into the database with bulk inserts (nạp dữ liệu mẫu).

Seed data goes in through `bulk_create`, so the audit signals do not fire: the trail starts with the first real
change, not with ten thousand "created" entries nobody made.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.management.color import no_style
from django.db import connection, models, transaction

from ytcs.accounts.models import RoleAssignment, User
from ytcs.core.demo.plan import DEMO_LOGINS, DemoPlan, UnitSpec, UserSpec, plan_demo
from ytcs.orgunits.models import OrgUnit, Population
from ytcs.orgunits.services import orgunit_search_text, place_level

DEFAULT_PASSWORD = "ytcs-demo-2025"
BATCH_SIZE = 1000
POPULATION_SOURCE = "Dữ liệu mẫu (giả lập)"


@dataclass
class Stopwatch:
    """Seconds spent in each named step, in order."""

    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start

    @property
    def total(self) -> float:
        return sum(self.timings.values())


@dataclass(frozen=True)
class LoadReport:
    plan: DemoPlan
    units: int
    populations: int
    users: int
    timings: dict[str, float]


def demo_data_exists() -> bool:
    """Whether the registry already has org units (then loading would mix demo and real data)."""
    return OrgUnit.objects.exists()


def demo_username_clashes() -> list[str]:
    """Demo usernames already taken (e.g. an `admin` made with createsuperuser on an empty registry)."""
    return sorted(User.objects.filter(username__in=[u for u, _, _ in DEMO_LOGINS]).values_list("username", flat=True))


def _dependent_models() -> set[type[models.Model]]:
    """OrgUnit, User, sessions and every model that refers to them, directly or through others."""
    from django.apps import apps

    candidates = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]
    doomed: set[type[models.Model]] = {OrgUnit, User, Session}
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in doomed:
                continue
            targets = {f.related_model._meta.concrete_model for f in model._meta.concrete_fields if f.is_relation}
            if targets & doomed:
                doomed.add(model)
                grew = True
    return doomed


def demo_reset() -> None:
    """Empty the registry: org units, populations, users, roles, tokens, sessions, the audit trail.

    The tables are flushed, not deleted row by row: that skips the audit signals and the PROTECT checks on the
    tree, and restarts the id sequences so the same seed gives the same ids too. Sessions go as well because a
    stale session cookie would otherwise log in as whichever new user got its old id. Models added later that
    refer to units or users (staff, assessments...) are found through their foreign keys, so they are flushed too.
    """
    tables = sorted(model._meta.db_table for model in _dependent_models())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables whose deferred foreign-key checks are still pending from rows written earlier
            # in the same transaction (a test, a script): run those checks now.
            connection.check_constraints()
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=True))


@transaction.atomic
def demo_load(*, scale: str, seed: int, password: str = DEFAULT_PASSWORD, factor: float = 1.0) -> LoadReport:
    """Plan and insert the demo data set; the registry must be empty (see `demo_reset`)."""
    watch = Stopwatch()
    with watch.step("plan"):
        plan = plan_demo(scale=scale, seed=seed, factor=factor)
    with watch.step("units"):
        pks = insert_units(plan.units)
    with watch.step("populations"):
        populations = insert_populations(plan.units, pks)
    with watch.step("users"):
        insert_users(plan.users, pks, password=password)
    with watch.step("analyze"):
        analyze_tables([OrgUnit, Population, User, RoleAssignment])
    return LoadReport(plan=plan, units=len(pks), populations=populations, users=len(plan.users), timings=watch.timings)


def analyze_tables(models_: list[type[models.Model]]) -> None:
    """Refresh the query planner's statistics of freshly bulk-loaded tables."""
    # PostgreSQL's manual advises it after a bulk load: until autovacuum gets there, the planner still sizes the
    # tables as empty and picks sequential scans.
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def insert_units(units: list[UnitSpec]) -> dict[str, int]:
    """Insert the units level by level (a parent's id must exist first); returns code → id."""
    by_depth: dict[int, list[UnitSpec]] = defaultdict(list)
    for spec in units:
        by_depth[spec.depth].append(spec)
    pks: dict[str, int] = {}
    for depth in sorted(by_depth):
        rows = [_orgunit(spec, parent_id=pks.get(spec.parent_code or ""), level=depth) for spec in by_depth[depth]]
        OrgUnit.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        pks.update((row.code, row.pk) for row in rows)
        place_level(OrgUnit.objects.filter(path=""), level=depth)
    return pks


def _orgunit(spec: UnitSpec, *, parent_id: int | None, level: int) -> OrgUnit:
    unit = OrgUnit(
        code=spec.code,
        name=spec.name,
        kind=spec.kind,
        parent_id=parent_id,
        level=level,
        admin_code=spec.admin_code,
        address=spec.address,
        phone=spec.phone,
        opened_on=spec.opened_on,
        closed_on=spec.closed_on,
    )
    unit.search_text = orgunit_search_text(unit)
    return unit


def insert_populations(units: list[UnitSpec], pks: dict[str, int]) -> int:
    rows = [
        Population(orgunit_id=pks[spec.code], year=year, population=people, source=POPULATION_SOURCE)
        for spec in units
        for year, people in spec.populations
    ]
    Population.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return len(rows)


def insert_users(specs: list[UserSpec], pks: dict[str, int], *, password: str) -> list[User]:
    """The demo logins and their role assignments; a spec without a role is a superuser."""
    # They share one password, so one deliberately slow hash serves them all.
    encoded = make_password(password)
    users = [
        User(
            username=spec.username,
            full_name=spec.full_name,
            email=f"{spec.username}@ytcs.example",
            home_unit_id=pks[spec.unit_code],
            is_superuser=spec.role is None,
            is_staff=spec.role is None,
            password=encoded,
        )
        for spec in specs
    ]
    User.objects.bulk_create(users)
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role=spec.role, orgunit_id=pks[spec.unit_code])
        for user, spec in zip(users, specs, strict=True)
        if spec.role
    )
    return users
