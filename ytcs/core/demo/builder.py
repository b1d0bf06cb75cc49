"""Writes a demo plan into the database with bulk inserts (nạp dữ liệu mẫu).

Seed data goes in through `bulk_create`, or for the workforce (half a million people and two million records at
national scale) through plain multi-row inserts (`executemany` on SQLite, `COPY` on PostgreSQL), so the audit
signals do not fire: the trail starts with the first real change, not with ten thousand "created" entries nobody
made.
"""

from __future__ import annotations

import datetime
import functools
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import translation

from ytcs.accounts.models import RoleAssignment, User
from ytcs.accounts.services import user_search_text
from ytcs.assessments.models import Answer, Assessment, Evidence, Framework
from ytcs.assessments.scoring import rule_from_rows
from ytcs.core.dates import add_years
from ytcs.core.demo.assessment_plan import (
    FRAMEWORKS_USED,
    DemoAssessments,
    FrameworkInfo,
    ItemInfo,
    Registry,
    assessment_counts,
    plan_assessments,
)
from ytcs.core.demo.assets_plan import insert_assets
from ytcs.core.demo.indicator_plan import insert_indicators
from ytcs.core.demo.plan import DEMO_LOGINS, DemoPlan, UnitSpec, UserSpec, plan_demo
from ytcs.core.demo.training_plan import CourseInfo, DemoTraining, Person, Roster, plan_training, training_counts
from ytcs.core.demo.workforce_plan import COMPETENCIES_USED, TITLES_USED, WorkforcePlan, plan_workforce
from ytcs.core.models import AuditEntry
from ytcs.core.text import fold
from ytcs.orgunits.models import OrgUnit, OrgUnitKind, Population
from ytcs.orgunits.services import orgunit_search_text, place_level
from ytcs.supervision.demo import insert_supervision
from ytcs.training.models import (
    Course,
    Enrolment,
    PlannedCourse,
    PlannedSeat,
    PlannedTrainee,
    Sponsorship,
    TrainingClass,
    TrainingPlan,
)
from ytcs.training.services import class_search_text, plan_propose, sponsorship_search_text
from ytcs.workforce.models import Certificate, CmeActivity, Competency, Licence, Posting, Staff, StaffStatus, Title
from ytcs.workforce.rules import cme_rule

DEFAULT_PASSWORD = "ytcs-demo-2025"
BATCH_SIZE = 1000
POPULATION_SOURCE = "Dữ liệu mẫu (giả lập)"
WORKFORCE_CHUNK = 20_000  # people planned, then inserted with all their records, per round


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
    today: datetime.date | None = None
    # Rows per workforce table ("staff", "working", "postings", "licences", "certificates", "cme"); empty if skipped.
    workforce: dict[str, int] = field(default_factory=dict)
    # What training got (`training_plan.training_counts`, and "proposed_lines", "proposed_trainees"); empty if skipped.
    training: dict[str, int] = field(default_factory=dict)
    # What assessments got (`assessment_plan.assessment_counts`); empty if skipped.
    assessments: dict[str, int] = field(default_factory=dict)
    # What routine data and targets got (`indicator_plan.indicator_counts`); empty if skipped.
    indicators: dict[str, int] = field(default_factory=dict)
    # What equipment, proposals and stock got (`assets_plan.insert_assets`); empty if skipped.
    assets: dict[str, int] = field(default_factory=dict)
    # What supervision got (`supervision.demo.supervision_counts`); empty if skipped.
    supervision: dict[str, int] = field(default_factory=dict)


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
    doomed = _dependent_models()
    tables = sorted(model._meta.db_table for model in doomed)
    with transaction.atomic():
        _delete_stored_files(doomed)
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables whose deferred foreign-key checks are still pending from rows written earlier
            # in the same transaction (a test, a script): run those checks now.
            connection.check_constraints()
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=True))


def _delete_stored_files(models_: Iterable[type[models.Model]]) -> None:
    """Delete the files the rows about to be flushed keep in storage (evidence of assessments...): nothing would
    refer to them any more."""
    for model in models_:
        for field_ in model._meta.concrete_fields:
            if isinstance(field_, models.FileField):
                names = model._base_manager.exclude(**{field_.name: ""}).values_list(field_.name, flat=True)
                for name in names.iterator():
                    field_.storage.delete(name)


def demo_load(
    *,
    scale: str,
    seed: int,
    password: str = DEFAULT_PASSWORD,
    factor: float = 1.0,
    today: datetime.date | None = None,
    workforce: bool = True,
    workforce_factor: float | None = None,
    training: bool = True,
    assessments: bool = True,
    assets: bool = True,
    indicators: bool = True,
    supervision: bool = True,
) -> LoadReport:
    """Plan and insert the demo data set, in one transaction; the registry must be empty (see `demo_reset`).

    `today` is the reference date of the workforce (ages, licence expiry, the CME window): the day of the load
    unless given. The same scale, seed, factors and `today` give the same data, ids included after a reset.
    `factor` shrinks the number of stations; `workforce_factor` (default: `factor`) the headcount of every unit
    but stations, for quick tests. `training` (with the workforce only) adds the training year of every province
    and the draft plan proposed for next year to the demo logins' province (`insert_training`); `assessments`
    (with the workforce only) two verified years of assessments of every station and this year's self-assessments
    (`insert_assessments`); `assets` every station's and centre's equipment, a year of every station's stock
    ledger and investment proposals in every state (`assets_plan.insert_assets`); `indicators` (with the workforce
    only) the demo province's routine data, lock exception and target plans (`indicator_plan.insert_indicators`);
    `supervision` a year of visits, directives in every state, obstacles and notifications
    (`supervision.demo.insert_supervision`).
    The "commit" step is PostgreSQL checking the deferred foreign keys of every row (when the transaction is
    this function's own).
    """
    today = today or datetime.date.today()
    watch = Stopwatch()
    counts: dict[str, int] = {}
    trained: dict[str, int] = {}
    assessed: dict[str, int] = {}
    reported: dict[str, int] = {}
    equipped: dict[str, int] = {}
    supervised: dict[str, int] = {}
    with transaction.atomic():
        with watch.step("plan"):
            plan = plan_demo(scale=scale, seed=seed, factor=factor)
        with watch.step("units"):
            pks = insert_units(plan.units)
        with watch.step("populations"):
            populations = insert_populations(plan.units, pks)
        with watch.step("users"):
            insert_users(plan.users, pks, password=password)
        if workforce:
            with watch.step("workforce"):
                size = factor if workforce_factor is None else workforce_factor
                counts = insert_workforce(plan_workforce(plan, today=today, factor=size), pks)
        with watch.step("analyze"):
            analyze_tables([OrgUnit, Population, User, RoleAssignment])
            if workforce:
                analyze_tables([Staff, Posting, Licence, Certificate, CmeActivity])
        if workforce and training:
            with watch.step("training"):
                trained = insert_training(plan, pks, today=today)
            with watch.step("proposal"):
                trained.update(propose_next_year(plan, pks, today=today))
        if workforce and assessments:
            # After training: the certificates its classes posted pre-fill this year's answers.
            with watch.step("assessments"):
                assessed = insert_assessments(plan, pks, today=today)
        if assets:
            # After assessments: a proposal may cite its station's verified assessment of the year before.
            with watch.step("assets"):
                equipped = insert_assets(plan, pks, today=today)
        if workforce and indicators:
            # Targets of registry indicators (doctors, stations with a doctor, criteria met) read the workforce
            # and assessments loaded above.
            with watch.step("indicators"):
                reported = insert_indicators(plan, pks, today=today)
        if supervision:
            with watch.step("supervision"):
                supervised = insert_supervision(plan, pks, today=today)
        commit_start = time.perf_counter()
    watch.timings["commit"] = time.perf_counter() - commit_start
    return LoadReport(
        plan=plan,
        units=len(pks),
        populations=populations,
        users=len(plan.users),
        timings=watch.timings,
        today=today,
        workforce=counts,
        training=trained,
        assessments=assessed,
        indicators=reported,
        assets=equipped,
        supervision=supervised,
    )


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
    for user in users:
        user.search_text = user_search_text(user)
    User.objects.bulk_create(users)
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role=spec.role, orgunit_id=pks[spec.unit_code])
        for user, spec in zip(users, specs, strict=True)
        if spec.role
    )
    return users


# --- the workforce ---

STAFF_FIELDS = (
    "id", "full_name", "sex", "birth_date", "national_id", "phone", "email", "title", "qualification", "specialty",
    "employment_type", "position", "orgunit", "started_on", "ended_on", "status", "search_text",
)  # fmt: skip
POSTING_FIELDS = ("staff", "orgunit", "kind", "started_on", "ended_on", "expected_return_on", "decision", "note")
LICENCE_FIELDS = ("staff", "number", "issuer", "scope", "issued_on", "valid_until", "revoked_on")
CERTIFICATE_FIELDS = ("staff", "competency", "number", "issuer", "issued_on", "expires_on")
CME_FIELDS = ("staff", "name", "provider", "started_on", "ended_on", "credits", "evidence")


def insert_workforce(workforce: WorkforcePlan, pks: dict[str, int]) -> dict[str, int]:
    """Insert the planned people and their postings, licences, certificates and CME activities.

    Rows are built as tuples and written per round of `WORKFORCE_CHUNK` people (`insert_rows`): the national
    set is ~3.5 million rows, which model instances and `bulk_create` would take minutes to write. Staff ids are
    given (1, 2, ... in plan order; the tables are empty) so the records can refer to them without a read-back.
    """
    titles = dict(Title.objects.values_list("code", "id"))
    competencies = {
        code: (pk, years) for code, pk, years in Competency.objects.values_list("code", "id", "validity_years")
    }
    for what, needed in (
        ("titles", TITLES_USED - set(titles)),
        ("competencies", COMPETENCIES_USED - set(competencies)),
    ):
        if needed:
            raise LookupError(f"The catalogue of {what} lacks the codes the demo uses: {', '.join(sorted(needed))}")
    with bulk_loading([Staff, Posting, Licence, Certificate, CmeActivity]):
        counts = _insert_people(workforce, pks, titles=titles, competencies=competencies)
    reset_sequences([Staff])
    return counts


def _insert_people(
    workforce: WorkforcePlan,
    pks: dict[str, int],
    *,
    titles: dict[str, int],
    competencies: dict[str, tuple[int, int | None]],
) -> dict[str, int]:
    # Names repeat a lot (about ten thousand distinct ones): fold each once. Same text as staff_search_text().
    fold_name = functools.lru_cache(maxsize=None)(fold)
    counts = dict.fromkeys(("staff", "working", "postings", "licences", "certificates", "cme"), 0)
    staff: list[tuple] = []
    postings: list[tuple] = []
    licences: list[tuple] = []
    certificates: list[tuple] = []
    cme: list[tuple] = []

    def flush() -> None:
        for model, fields, rows, key in (
            (Staff, STAFF_FIELDS, staff, "staff"),
            (Posting, POSTING_FIELDS, postings, "postings"),
            (Licence, LICENCE_FIELDS, licences, "licences"),
            (Certificate, CERTIFICATE_FIELDS, certificates, "certificates"),
            (CmeActivity, CME_FIELDS, cme, "cme"),
        ):
            insert_rows(model, fields, rows)
            counts[key] += len(rows)
            rows.clear()

    for staff_id, person in enumerate(workforce.people(), start=1):
        search_text = " ".join(filter(None, (fold_name(person.full_name), person.national_id, person.phone)))
        staff.append(
            (
                staff_id, person.full_name, person.sex, person.birth_date, person.national_id, person.phone,
                person.email, titles[person.title], person.qualification, person.specialty, person.employment_type,
                person.position, pks[person.unit], person.started_on, person.ended_on, person.status, search_text,
            )
        )  # fmt: skip
        counts["working"] += person.status == "active"
        postings.extend(
            (staff_id, pks[p.unit], p.kind, p.started_on, p.ended_on, p.expected_return_on, p.decision, p.note)
            for p in person.postings
        )
        licences.extend(
            (staff_id, lic.number, lic.issuer, lic.scope, lic.issued_on, lic.valid_until, None)
            for lic in person.licences
        )
        for cert in person.certificates:
            competency, years = competencies[cert.competency]
            expires = cert.issued_on.replace(year=cert.issued_on.year + years) if years else None
            certificates.append((staff_id, competency, cert.number, cert.issuer, cert.issued_on, expires))
        cme.extend((staff_id, *activity) for activity in person.cme)
        if len(staff) >= WORKFORCE_CHUNK:
            flush()
    flush()
    return counts


@contextmanager
def bulk_loading(models_: list[type[models.Model]]) -> Iterator[None]:
    """Make a big load into these (empty) tables cheaper, inside the caller's transaction.

    PostgreSQL: their foreign keys are dropped and added back at the end, exactly as they were (name and
    definition from the catalogue). Adding a key checks every row with one join; kept, the deferred keys would
    check each of the ~4 million references one by one at commit (25 s nationally). The DDL is transactional:
    if anything fails, the keys come back with the rollback. SQLite: a larger page cache while loading.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_loading() needs a transaction")
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Dropping a key locks the referenced table, which must have no deferred checks pending (the units
            # just inserted have some): run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            keys = []
            for model in models_:
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    [quote(model._meta.db_table)],
                )
                keys += [(model._meta.db_table, name, definition) for name, definition in cursor.fetchall()]
            for table, name, _definition in keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        yield
        with connection.cursor() as cursor:
            for table, name, definition in keys:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            (previous,) = cursor.fetchone()
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB: the big tables' indexes stay in memory
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(previous)}")
    else:
        yield


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Append rows (tuples in the order of `fields`, foreign keys as ids) to a model's table, no signals.

    PostgreSQL gets them through COPY, the fastest way in; other databases through one prepared INSERT run for
    every row (sqlite3's executemany). Both several times faster than `bulk_create` for plain rows.
    """
    rows = list(rows)
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def reset_sequences(models_: list[type[models.Model]]) -> None:
    """Move id sequences past ids given explicitly (PostgreSQL; SQLite's AUTOINCREMENT follows by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- training ---

PLAN_FIELDS = ("id", "orgunit", "year", "name", "status", "from_needs", "adopted_on", "decision", "note")
LINE_FIELDS = (
    "id", "plan", "course", "group", "provider", "quarter", "classes", "budget", "funding_source", "status", "note",
)  # fmt: skip
SEAT_FIELDS = ("line", "orgunit", "seats")
CLASS_FIELDS = (
    "id", "orgunit", "course", "line", "code", "name", "provider", "location", "starts_on", "ends_on", "capacity",
    "credits", "competency", "cost", "funding_source", "status", "completed_on", "completed_by", "note", "search_text",
)  # fmt: skip
ENROLMENT_FIELDS = (
    "id", "training_class", "staff", "enrolled_by", "days_attended", "result", "score", "cme_activity", "certificate",
    "note",
)  # fmt: skip
SPONSORSHIP_FIELDS = (
    "orgunit", "kind", "staff", "trainee_name", "national_id", "programme", "level", "target_title", "institution",
    "decision", "starts_on", "expected_return_on", "cost", "funding_source", "commitment_years", "serve_unit",
    "status", "returned_on", "commitment_ends_on", "breached_on", "breach_reason", "reimbursement_due",
    "reimbursement_rule", "reimbursed", "note", "search_text",
)  # fmt: skip
CME_FIELDS_WITH_ID = ("id", *CME_FIELDS)
CERTIFICATE_FIELDS_WITH_ID = ("id", *CERTIFICATE_FIELDS)
TRAINING_MODELS = [TrainingPlan, PlannedCourse, PlannedSeat, TrainingClass, Enrolment, Sponsorship]


def read_courses() -> dict[str, CourseInfo]:
    """The course catalogue as the demo needs it (a managed table: it may differ from the initial data)."""
    courses = Course.objects.filter(is_active=True).select_related("competency").prefetch_related("target_titles")
    return {
        course.code: CourseInfo(
            code=course.code,
            name=course.name,
            kind=course.kind,
            provider=course.provider,
            credits=course.credits,
            competency=course.competency.code if course.competency else None,
            validity_years=course.competency.validity_years if course.competency else None,
            duration_days=course.duration_days,
            class_size=course.class_size,
            unit_cost=course.unit_cost,
            target_titles=frozenset(title.code for title in course.target_titles.all()),
        )
        for course in courses
    }


TRAINING_UNIT_KINDS = (OrgUnitKind.PROVINCE, OrgUnitKind.REGIONAL_CENTRE, OrgUnitKind.STATION)


def read_roster(pks: dict[str, int], *, today: datetime.date) -> Roster:
    """The workforce just loaded, in id order: who works where (departments, centres and stations: the units the
    demo trains) with which title, who holds which certificate on `today`, everyone's continuing-training hours
    in the rolling window ending `today` (one GROUP BY), and the CCCDs of people born in the last 40 years."""
    codes = {pk: code for code, pk in pks.items()}
    titles = dict(Title.objects.values_list("id", "code"))
    competencies = dict(Competency.objects.values_list("id", "code"))
    staff = Staff.objects.filter(orgunit__kind__in=TRAINING_UNIT_KINDS).order_by("pk")
    people = [
        Person(pk, codes[unit], titles[title], *rest)
        for pk, unit, title, *rest in staff.values_list(
            "pk", "orgunit_id", "title_id", "status", "started_on", "ended_on", "position"
        )
    ]
    young = Staff.objects.filter(birth_date__gte=add_years(today, -40)).values_list("national_id", flat=True)
    valid = Certificate.objects.filter(issued_on__lte=today).exclude(expires_on__lt=today)
    certified = {(staff, competencies[competency]) for staff, competency in valid.values_list("staff_id", "competency")}
    rule = cme_rule()
    start = rule.window_start(today)
    credits = dict(
        CmeActivity.objects.filter(ended_on__gte=start, ended_on__lte=today)
        .order_by()
        .values_list("staff_id")
        .annotate(total=models.Sum("credits"))
    )
    return Roster(people, certified, credits, start, rule.credits, set(young))


def insert_training(plan: DemoPlan, pks: dict[str, int], *, today: datetime.date) -> dict[str, int]:
    """Plan the training year (`training_plan`) on the workforce just loaded and insert it like the workforce:
    plain rows with given ids, no audit entries. For those who passed a completed class, the CME activity and
    certificate are the rows `services.class_complete` writes, linked from the enrolment the same way."""
    data = plan_training(plan, read_roster(pks, today=today), read_courses(), today=today)
    with bulk_loading(TRAINING_MODELS):
        write_training(data, pks)
    reset_sequences([*TRAINING_MODELS, CmeActivity, Certificate])
    analyze_tables([*TRAINING_MODELS, CmeActivity, Certificate])
    return training_counts(data)


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


def write_training(data: DemoTraining, pks: dict[str, int]) -> None:
    courses = dict(Course.objects.values_list("code", "id"))
    competencies = dict(Competency.objects.values_list("code", "id"))
    titles = dict(Title.objects.values_list("code", "id"))
    users = dict(User.objects.values_list("username", "id"))
    plan_ids = range(_next_id(TrainingPlan), _next_id(TrainingPlan) + len(data.plans))
    insert_rows(
        TrainingPlan,
        PLAN_FIELDS,
        (
            (pk, pks[p.orgunit], p.year, p.name, p.status, False, p.adopted_on, p.decision, p.note)
            for pk, p in zip(plan_ids, data.plans, strict=True)
        ),
    )
    line_ids = range(_next_id(PlannedCourse), _next_id(PlannedCourse) + len(data.lines))
    insert_rows(
        PlannedCourse,
        LINE_FIELDS,
        (
            (
                pk, plan_ids[line.plan], courses[line.course], pks[line.group], line.provider, line.quarter,
                line.classes, line.budget, line.funding_source, line.status, line.note,
            )
            for pk, line in zip(line_ids, data.lines, strict=True)
        ),
    )  # fmt: skip
    insert_rows(
        PlannedSeat,
        SEAT_FIELDS,
        ((pk, pks[unit], n) for pk, line in zip(line_ids, data.lines, strict=True) for unit, n in line.seats),
    )
    classes, enrolments, cme, certificates = [], [], [], []
    class_id, enrolment_id = _next_id(TrainingClass), _next_id(Enrolment)
    cme_id, certificate_id = _next_id(CmeActivity), _next_id(Certificate)
    for c in data.classes:
        classes.append(
            (
                class_id, pks[c.orgunit], courses[c.course], line_ids[c.line] if c.line is not None else None, c.code,
                c.name, c.provider, c.location, c.starts_on, c.ends_on, c.capacity, c.credits,
                competencies[c.competency] if c.competency else None, c.cost, c.funding_source, c.status,
                c.completed_on, users.get(c.completed_by), c.note, class_search_text(c),
            )
        )  # fmt: skip
        for e in c.enrolments:
            activity = certificate = None
            if c.status == "completed" and e.result == "passed":
                # What services.class_complete posts to the workforce record of someone who passed.
                if c.credits:
                    activity = cme_id
                    cme.append((cme_id, e.staff, c.name, c.provider, c.starts_on, c.ends_on, c.credits, c.code))
                    cme_id += 1
                if c.competency:
                    certificate = certificate_id
                    expires = add_years(c.completed_on, c.validity_years) if c.validity_years else None
                    certificates.append(
                        (
                            certificate_id, e.staff, competencies[c.competency], f"{c.code}-{enrolment_id}",
                            c.provider or c.organiser_name, c.completed_on, expires,
                        )
                    )  # fmt: skip
                    certificate_id += 1
            enrolments.append(
                (
                    enrolment_id, class_id, e.staff, users.get(e.enrolled_by), e.days_attended, e.result, e.score,
                    activity, certificate, e.note,
                )
            )  # fmt: skip
            enrolment_id += 1
        class_id += 1
    insert_rows(TrainingClass, CLASS_FIELDS, classes)
    insert_rows(CmeActivity, CME_FIELDS_WITH_ID, cme)
    insert_rows(Certificate, CERTIFICATE_FIELDS_WITH_ID, certificates)
    insert_rows(Enrolment, ENROLMENT_FIELDS, enrolments)
    # A staff member's name and CCCD are copied onto the record, as services.sponsorship_create does.
    linked = Staff.objects.filter(pk__in=[s.staff for s in data.sponsorships if s.staff])
    identity = {pk: (name, cccd) for pk, name, cccd in linked.values_list("pk", "full_name", "national_id")}
    sponsorships = [
        replace(s, trainee_name=identity[s.staff][0], national_id=identity[s.staff][1]) if s.staff else s
        for s in data.sponsorships
    ]
    insert_rows(
        Sponsorship,
        SPONSORSHIP_FIELDS,
        (
            (
                pks[s.orgunit], s.kind, s.staff, s.trainee_name, s.national_id, s.programme, s.level,
                titles.get(s.target_title), s.institution, s.decision, s.starts_on, s.expected_return_on, s.cost,
                s.funding_source, s.commitment_years, pks[s.serve_unit], s.status, s.returned_on,
                s.commitment_ends_on, s.breached_on, s.breach_reason, s.reimbursement_due, s.reimbursement_rule,
                s.reimbursed, s.note, sponsorship_search_text(s),
            )
            for s in sponsorships
        ),
    )  # fmt: skip


PROPOSAL_NAME = "Kế hoạch đào tạo năm {year} (đề xuất từ phân tích nhu cầu)"


def propose_next_year(plan: DemoPlan, pks: dict[str, int], *, today: datetime.date) -> dict[str, int]:
    """Next year's draft plan of the demo logins' province, proposed from the needs analysis by its administrator
    through `services.plan_propose` (what the "propose" button does). Its audit entries are dropped with the
    rest of the seed data's: the trail starts with the first real change."""
    login = next((u for u in plan.users if u.username == "province_admin"), None)
    if login is None:
        return {}
    admin = User.objects.get(username=login.username)
    root = OrgUnit.objects.get(pk=pks[login.unit_code])
    last_entry = AuditEntry.objects.aggregate(top=models.Max("pk"))["top"] or 0
    proposed = plan_propose(
        user=admin, orgunit=root, year=today.year + 1, on=today, name=PROPOSAL_NAME.format(year=today.year + 1)
    )
    AuditEntry.objects.filter(pk__gt=last_entry).delete()
    return {
        "proposed_lines": PlannedCourse.objects.filter(plan=proposed).count(),
        "proposed_trainees": PlannedTrainee.objects.filter(line__plan=proposed).count(),
    }


# --- assessments ---

ASSESSMENT_FIELDS = (
    "id", "orgunit", "framework", "year", "status", "submitted_at", "submitted_by", "verified_at", "verified_by",
    "comment", "total", "passed", "failed_criteria",
)  # fmt: skip
ANSWER_FIELDS = ("assessment", "item", "value", "prefilled_value", "prefill_source", "override_reason", "note")
ASSESSED_KINDS = (OrgUnitKind.REGIONAL_CENTRE, OrgUnitKind.STATION)


def read_frameworks() -> dict[str, FrameworkInfo]:
    """The latest version in use of each framework the demo assesses against, with its items and scoring rules."""
    found: dict[str, FrameworkInfo] = {}
    frameworks = Framework.objects.filter(code__in=FRAMEWORKS_USED, is_active=True).order_by("code", "-version")
    for framework in frameworks:
        if framework.code in found:
            continue
        criteria = list(framework.criteria.prefetch_related("items").order_by("order"))
        found[framework.code] = FrameworkInfo(
            id=framework.pk,
            code=framework.code,
            unit_kinds=tuple(framework.unit_kinds or ()),
            criteria=tuple((c.code, c.name) for c in criteria),
            items=tuple(
                ItemInfo(
                    id=item.pk,
                    code=item.code,
                    criterion=criterion.code,
                    text=item.text,
                    type=item.type,
                    max_points=item.max_points,
                    prefill=item.prefill,
                    choices=tuple(item.choices or ()),
                    thresholds=tuple(item.thresholds or ()),
                )
                for criterion in criteria
                for item in criterion.items.all()
            ),
            rule=rule_from_rows(framework, criteria),
        )
    return found


def read_registry(pks: dict[str, int], frameworks: dict[str, FrameworkInfo]) -> Registry:
    """What pre-fills the answers of regional centres and stations, in three queries (`prefill.registry_fact`
    asks per unit and item, which nationally would be tens of thousands of queries)."""
    codes = {pk: code for code, pk in pks.items()}
    registry = Registry()
    working = Staff.objects.filter(status=StaffStatus.ACTIVE, orgunit__kind__in=ASSESSED_KINDS).order_by()
    for unit, is_doctor, count in working.values_list("orgunit_id", "title__counts_as_doctor").annotate(
        n=models.Count("pk")
    ):
        registry.staff[codes[unit]] = registry.staff.get(codes[unit], 0) + count
        if is_doctor:
            registry.doctors[codes[unit]] = count
    held = {
        item.prefill.split(":", 1)[1]
        for framework in frameworks.values()
        for item in framework.items
        if item.prefill.startswith("staff_with_competency:")
    }
    certificates = Certificate.objects.filter(
        competency__code__in=held, staff__status=StaffStatus.ACTIVE, staff__orgunit__kind__in=ASSESSED_KINDS
    ).order_by("pk")
    for unit, competency, issued, expires, staff in certificates.values_list(
        "staff__orgunit_id", "competency__code", "issued_on", "expires_on", "staff_id"
    ):
        registry.certificates.setdefault((codes[unit], competency), []).append((issued, expires, staff))
    populations = Population.objects.filter(orgunit__kind__in=ASSESSED_KINDS).order_by("orgunit_id", "year")
    for unit, year, people in populations.values_list("orgunit_id", "year", "population"):
        registry.populations.setdefault(codes[unit], []).append((year, people))
    return registry


def insert_assessments(plan: DemoPlan, pks: dict[str, int], *, today: datetime.date) -> dict[str, int]:
    """Plan the assessments (`assessment_plan`) on the registry as loaded and insert them like the workforce:
    plain rows with given ids, no audit entries. The registry's sources are written in the default language,
    as the demo's other text."""
    frameworks = read_frameworks()
    with translation.override(settings.LANGUAGE_CODE):
        data = plan_assessments(plan, frameworks, read_registry(pks, frameworks), today=today)
    with bulk_loading([Assessment, Answer]):
        ids = write_assessments(data, pks)
    reset_sequences([Assessment])
    write_evidence(data, ids)
    analyze_tables([Assessment, Answer])
    return assessment_counts(data)


def _json(value: object) -> str | None:
    # As JSONField stores it: None is SQL NULL, anything else JSON text.
    return None if value is None else json.dumps(value)


def write_assessments(data: DemoAssessments, pks: dict[str, int]) -> list[int]:
    """Insert the assessments and their answers; returns the assessments' ids, in order."""
    users = dict(User.objects.values_list("username", "id"))
    moment = connection.ops.adapt_datetimefield_value
    start = _next_id(Assessment)
    ids = list(range(start, start + len(data.assessments)))
    insert_rows(
        Assessment,
        ASSESSMENT_FIELDS,
        (
            (
                pk, pks[a.orgunit], a.framework.id, a.year, a.status, moment(a.submitted_at), users.get(a.submitted_by),
                moment(a.verified_at), users.get(a.verified_by), a.comment, a.total, a.passed,
                _json(a.failed_criteria),
            )
            for pk, a in zip(ids, data.assessments, strict=True)
        ),
    )  # fmt: skip
    insert_rows(
        Answer,
        ANSWER_FIELDS,
        (
            (
                pk, answer.item.id, _json(answer.value), _json(answer.prefilled_value), answer.prefill_source,
                answer.override_reason, answer.note,
            )
            for pk, a in zip(ids, data.assessments, strict=True)
            for answer in a.answers
        ),
    )  # fmt: skip
    return ids


def write_evidence(data: DemoAssessments, ids: list[int]) -> None:
    """The few evidence files, through the file field's storage (under MEDIA_ROOT, named as `evidence_add`
    names them); their upload time is the planned one, not the time of loading."""
    users = dict(User.objects.values_list("username", "id"))
    suffix = {"image/png": ".png", "image/jpeg": ".jpg", "application/pdf": ".pdf"}
    rows, moments = [], []
    for pk, spec in zip(ids, data.assessments, strict=True):
        items = {item.code: item.id for item in spec.framework.items}
        for evidence in spec.evidence:
            rows.append(
                Evidence(
                    assessment_id=pk,
                    item_id=items.get(evidence.item) if evidence.item else None,
                    file=ContentFile(evidence.content, name=f"{pk}{suffix[evidence.content_type]}"),
                    original_name=evidence.name,
                    content_type=evidence.content_type,
                    size=len(evidence.content),
                    uploaded_by_id=users.get(evidence.uploaded_by),
                )
            )
            moments.append(evidence.uploaded_at)
    if not rows:
        return
    Evidence.objects.bulk_create(rows)  # saves each file to storage (FileField.pre_save), sends no signals
    for row, uploaded_at in zip(rows, moments, strict=True):
        row.uploaded_at = uploaded_at
    Evidence.objects.bulk_update(rows, ["uploaded_at"])
