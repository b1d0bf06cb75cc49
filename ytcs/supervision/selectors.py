"""Reads of supervision for the pages and the API, and who may act on what. Every query that reaches a user starts
from `.restrict(user, action)` (or from a selector that does).

What a page needs, by screen:
- visits: `visit_list` (filters), `visit_get` / `visit_get_for_change`, `visit_units`, `visit_team`,
  `visit_photos`, `photo_get`; the choices of a visit form: `lead_units`, `visitable_units`, `team_users`,
  `framework_choices`;
- directives: `directive_list` (filters, among them `overdue`, `due_soon` and `box`), `directive_get` and the
  `_for_progress` / `_for_review` / `_for_edit` variants that answer 403 to those who may not act, `directive_updates`,
  `directive_update_get` (evidence download), `directive_follow_up` (per unit: pending, overdue, due soon, awaiting
  acceptance), `directive_board` (the province board by region and age); predicates `may_issue`, `may_progress`,
  `may_accept`, `may_edit`; the choices of a directive form: `issuer_units`, `responsible_units`;
- obstacles: `obstacle_list`, `obstacle_get` (+ `_for_answer`, `_for_resolve`), `obstacle_answers`, `may_answer`,
  `may_resolve`, `department_of`;
- notifications: `notification_list`, `notification_get`, `unread_count`;
- `timeline_for_unit`: a unit's visits, assessments, directives and their updates, obstacles and indicator data
  changes, newest first, one page at a time.

The rules: a visit is changed by the change right on its lead unit; a directive is issued, edited, accepted and
returned by the approve right on the issuing unit, and reported on by the change right on the responsible unit;
a role held on the responsible unit (or below it) never accepts, so a unit never accepts its own directive; an
obstacle is answered by the approve right on the Department above the sending unit.
"""

from __future__ import annotations

import datetime
import heapq
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ytcs.accounts.models import User
from ytcs.accounts.roles import APPROVE, actions_for_role
from ytcs.assessments.models import Assessment, Framework
from ytcs.assets.models import InvestmentProposal
from ytcs.core.querysets import CHANGE, VIEW, in_scope, scope_paths, subtree_q
from ytcs.core.subqueries import count_of
from ytcs.core.text import search_tokens
from ytcs.indicators.models import DataValueAudit, Indicator
from ytcs.orgunits.models import MAX_LEVEL, OrgUnit, OrgUnitKind
from ytcs.supervision.models import (
    PENDING_STATUSES,
    UNCLOSED_STATUSES,
    Directive,
    DirectiveStatus,
    DirectiveUpdate,
    Notification,
    Obstacle,
    ObstacleAnswer,
    ObstacleStatus,
    Visit,
    VisitPhoto,
    VisitTeamMember,
    VisitUnit,
)
from ytcs.training.models import TrainingPlan

AGE_BUCKETS = (("0-30", 0, 30), ("31-90", 31, 90), ("90+", 91, None))
"""Age of an unclosed directive in days since it was issued: the columns of the province board."""


def _pk(value: Any) -> int | None:
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def _first_or_404(qs: QuerySet, pk: Any) -> Any:
    number = _pk(pk)
    obj = qs.filter(pk=number).first() if number is not None else None
    if obj is None:
        raise Http404
    return obj


def _subtrees(field_name: str, paths: list[str]) -> Q:
    return reduce(or_, (subtree_q(field_name, path) for path in paths), Q(pk__in=[]))


def _unit_path(code: str | None) -> str | None:
    if not code:
        return None
    return OrgUnit.objects.filter(code__iexact=str(code).strip()).values_list("path", flat=True).first()


def _within(qs: QuerySet, code: str | None, *fields: str) -> QuerySet:
    """Rows whose unit (any of `fields`) lies under the unit of `code`; none when no unit has that code."""
    if not code:
        return qs
    root = _unit_path(code)
    if root is None:
        return qs.none()
    return qs.filter(reduce(or_, (subtree_q(name, root) for name in fields)))


def today_local() -> datetime.date:
    return timezone.localdate()


def due_soon_days() -> int:
    return getattr(settings, "YTCS_DIRECTIVE_DUE_SOON_DAYS", 7)


# ---------------------------------------------------------------------------------------------- units and rights


def _role_paths(user: Any, action: str) -> list[str]:
    """Paths of the units on which the user holds a role granting `action` (not the units below them)."""
    if user is None or not user.is_authenticated:
        return []
    rows = user.role_assignments.values_list("role", "orgunit__path")
    return sorted({path for role, path in rows if action in actions_for_role(role)})


def department_of(unit: OrgUnit) -> OrgUnit:
    """The Department (Sở Y tế) above a unit: its province-kind ancestor, the unit itself when it is one, else the
    root of its tree. One query."""
    ids = [*unit.ancestor_ids, unit.pk]
    chain = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
    for pk in reversed(ids):
        if chain[pk].kind == OrgUnitKind.PROVINCE:
            return chain[pk]
    return chain[ids[0]]


def may_change_visit(user: Any, visit: Visit) -> bool:
    return in_scope(user, visit.orgunit.path, CHANGE)


def may_issue(user: Any, issuer_unit: OrgUnit) -> bool:
    """Whether the user issues directives in the name of a unit: the approve right on it."""
    return in_scope(user, issuer_unit.path, APPROVE)


def may_edit(user: Any, directive: Directive) -> bool:
    """The issuer corrects a directive (its wording, due date, links) until it is accepted."""
    return may_issue(user, directive.issuer_unit)


def may_progress(user: Any, directive: Directive) -> bool:
    """The responsible unit reports progress: the change right on it."""
    return in_scope(user, directive.orgunit.path, CHANGE)


def may_accept(user: Any, directive: Directive) -> bool:
    """The approve right on the issuing unit, held through a role that is not on the responsible unit or under it:
    a unit never accepts its own directive (a province administrator, whose role covers both, may)."""
    issuer, unit = directive.issuer_unit, directive.orgunit
    if not in_scope(user, issuer.path, APPROVE):
        return False
    if scope_paths(user, APPROVE) is None:
        return True
    covering = [path for path in _role_paths(user, APPROVE) if issuer.path.startswith(path)]
    return any(not path.startswith(unit.path) for path in covering)


def may_answer(user: Any, obstacle: Obstacle, department: OrgUnit | None = None) -> bool:
    """The Department's offices answer: the approve right on the Department above the sending unit."""
    department = department or department_of(obstacle.orgunit)
    return in_scope(user, department.path, APPROVE)


def may_resolve(user: Any, obstacle: Obstacle) -> bool:
    """Either side closes an obstacle as resolved: the sending unit (change right) or the Department."""
    return in_scope(user, obstacle.orgunit.path, CHANGE) or may_answer(user, obstacle)


# ---------------------------------------------------------------------------------------------- visits


def visit_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Visit]:
    """Visits the user sees (led by a unit in scope, or to one): `q` (title, diacritics ignored), `kind`,
    `status`, `orgunit` (code: led by or visiting a unit of its subtree), `lead` (code: led by a unit of its
    subtree), `year`, `date_from`, `date_to`, `framework` (id). Annotated with `unit_count`, `directive_count`
    and `photo_count`; newest first."""
    filters = filters or {}
    qs = Visit.objects.restrict(user, VIEW).select_related("orgunit", "framework", "created_by")
    for token in search_tokens(filters.get("q")):
        qs = qs.filter(search_text__contains=token)
    for name in ("kind", "status"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("year"):
        qs = qs.filter(visited_on__year=filters["year"])
    if filters.get("date_from"):
        qs = qs.filter(visited_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(visited_on__lte=filters["date_to"])
    if filters.get("framework"):
        qs = qs.filter(framework=filters["framework"])
    qs = _within(qs, filters.get("lead"), "orgunit__path")
    if filters.get("orgunit"):
        root = _unit_path(filters["orgunit"])
        if root is None:
            qs = qs.none()
        else:
            visited = VisitUnit.objects.filter(visit=OuterRef("pk")).filter(subtree_q("orgunit__path", root))
            qs = qs.filter(subtree_q("orgunit__path", root) | Exists(visited))
    return qs.annotate(
        unit_count=count_of(VisitUnit.objects.filter(visit=OuterRef("pk")), "visit"),
        directive_count=count_of(Directive.objects.filter(visit=OuterRef("pk")), "visit"),
        photo_count=count_of(VisitPhoto.objects.filter(visit=OuterRef("pk")), "visit"),
    ).order_by("-visited_on", "-id")


def visit_get(*, user: Any, pk: Any) -> Visit:
    """One visit, or 404 when unknown or out of sight."""
    return _first_or_404(visit_list(user=user), pk)


def visit_get_for_change(*, user: Any, pk: Any) -> Visit:
    """A visit its lead unit will change: 404 when unseen, 403 when the user may only read it."""
    visit = visit_get(user=user, pk=pk)
    if not may_change_visit(user, visit):
        raise PermissionDenied(_("You may view this visit but not change it."))
    return visit


def visit_units(*, visit: Visit) -> QuerySet[VisitUnit]:
    """The units visited, in tree order, with the assessment holding each one's checklist."""
    return visit.visited.select_related("orgunit", "assessment__framework").order_by("orgunit__path")


def visit_team(*, visit: Visit) -> QuerySet[VisitTeamMember]:
    return visit.team.select_related("user").order_by("id")


def visit_photos(*, visit: Visit) -> QuerySet[VisitPhoto]:
    return visit.photos.select_related("uploaded_by").order_by("uploaded_at", "id")


def photo_get(*, user: Any, pk: Any) -> VisitPhoto:
    """A photo of a visit the user sees, or 404."""
    return _first_or_404(VisitPhoto.objects.restrict(user, VIEW).select_related("visit__orgunit"), pk)


def lead_units(*, user: Any) -> QuerySet[OrgUnit]:
    """Open units whose team the user records visits for (the change right)."""
    return OrgUnit.objects.restrict(user, CHANGE).filter(closed_on__isnull=True).order_by("path")


def visitable_units(*, user: Any, lead: OrgUnit) -> QuerySet[OrgUnit]:
    """Open units a team of `lead` visits: the lead unit and the units under it, among those the user sees."""
    return (
        OrgUnit.objects.restrict(user, VIEW)
        .filter(subtree_q("path", lead.path), closed_on__isnull=True)
        .order_by("path")
    )


def team_users(*, user: Any, q: str | None = None) -> QuerySet[User]:
    """Active users the user sees, to name in a visiting team (others are named by text)."""
    qs = User.objects.restrict(user, VIEW).filter(is_active=True)
    for token in search_tokens(q):
        qs = qs.filter(search_text__contains=token)
    return qs.order_by("full_name", "username")


def team_user_get(*, user: Any, username: str) -> User:
    """An active user the user sees, by username (to name in a team), or 404."""
    found = team_users(user=user).filter(username=str(username).strip()).first()
    if found is None:
        raise Http404
    return found


def framework_choices() -> QuerySet[Framework]:
    """Frameworks in use, whose checklist a visit may follow (a shared catalogue)."""
    return Framework.objects.filter(is_active=True).order_by("code", "-version")


# ---------------------------------------------------------------------------------------------- directives


def _flags(today: datetime.date) -> dict[str, Any]:
    soon = today + datetime.timedelta(days=due_soon_days())
    return {
        "is_overdue": Case(
            When(status__in=PENDING_STATUSES, due_on__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        "is_due_soon": Case(
            When(status__in=PENDING_STATUSES, due_on__gte=today, due_on__lte=soon, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    }


def overdue_q(today: datetime.date) -> Q:
    """Pending (open or in progress) and past the due date."""
    return Q(status__in=PENDING_STATUSES, due_on__lt=today)


def due_soon_q(today: datetime.date) -> Q:
    """Pending and due between today and the coming `YTCS_DIRECTIVE_DUE_SOON_DAYS` days."""
    return Q(
        status__in=PENDING_STATUSES, due_on__gte=today, due_on__lte=today + datetime.timedelta(days=due_soon_days())
    )


def age_q(bucket: str, today: datetime.date) -> Q:
    """Unclosed directives issued within an age bucket ("0-30", "31-90", "90+" days ago)."""
    for name, low, high in AGE_BUCKETS:
        if name == bucket:
            q = Q(status__in=UNCLOSED_STATUSES, issued_on__lte=today - datetime.timedelta(days=low))
            if high is not None:
                q &= Q(issued_on__gte=today - datetime.timedelta(days=high))
            return q
    raise ValueError(bucket)


def _acceptable_q(user: Any) -> Q:
    """Directives done and waiting for an acceptance the user may give: issued by a unit their approve right covers,
    through a role not on the responsible unit's subtree (the same rule as `may_accept`, in SQL)."""
    approve = scope_paths(user, APPROVE)
    done = Q(status=DirectiveStatus.DONE)
    if approve is None:
        return done
    terms = []
    for path in _role_paths(user, APPROVE):
        # The role at `path` covers the issuer; the responsible unit must not cover the role's unit, i.e. the role
        # is not held on the responsible unit or under it.
        terms.append(subtree_q("issuer_unit__path", path) & ~Q(orgunit__path__in=_prefixes(path)))
    return done & reduce(or_, terms, Q(pk__in=[]))


def _prefixes(path: str) -> list[str]:
    """The path and the paths of the units above it: the units whose subtree holds `path`."""
    ids = path.strip("/").split("/")
    return ["/" + "/".join(ids[:n]) + "/" for n in range(1, len(ids) + 1)]


def directive_list(
    *, user: Any, filters: dict[str, Any] | None = None, today: datetime.date | None = None
) -> QuerySet[Directive]:
    """Directives the user sees (to a unit in scope, or issued by one). Filters:
    `status` (one value or a list), `category`, `orgunit` (code: responsible unit in its subtree), `issuer` (code:
    issued by a unit of its subtree), `visit` (id), `q` (title and details, diacritics ignored),
    `overdue` (pending and past due), `due_soon` (pending and due within `YTCS_DIRECTIVE_DUE_SOON_DAYS`),
    `pending` (open or in progress), `unclosed` (not yet accepted), `age` ("0-30", "31-90", "90+": unclosed and
    issued that many days ago), `box` ("mine": to units the user may change; "to_accept": done, waiting for an
    acceptance the user may give). Annotated with `is_overdue`, `is_due_soon` (computed in the database) and
    `update_count`; soonest due first."""
    filters = filters or {}
    today = today or today_local()
    qs = Directive.objects.restrict(user, VIEW).select_related(
        "orgunit",
        "issuer_unit",
        "issued_by",
        "accepted_by",
        "visit",
        "training_plan",
        "investment_proposal",
        "indicator",
    )
    status = filters.get("status")
    if status:
        qs = qs.filter(status__in=status if isinstance(status, list | tuple) else [status])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("visit"):
        qs = qs.filter(visit=filters["visit"])
    for token in search_tokens(filters.get("q")):
        qs = qs.filter(search_text__contains=token)
    qs = _within(qs, filters.get("orgunit"), "orgunit__path")
    qs = _within(qs, filters.get("issuer"), "issuer_unit__path")
    if filters.get("overdue"):
        qs = qs.filter(overdue_q(today))
    if filters.get("due_soon"):
        qs = qs.filter(due_soon_q(today))
    if filters.get("pending"):
        qs = qs.filter(status__in=PENDING_STATUSES)
    if filters.get("unclosed"):
        qs = qs.filter(status__in=UNCLOSED_STATUSES)
    if filters.get("age"):
        qs = qs.filter(age_q(filters["age"], today))
    if filters.get("box") == "mine":
        paths = scope_paths(user, CHANGE)
        qs = qs if paths is None else qs.filter(_subtrees("orgunit__path", paths))
    elif filters.get("box") == "to_accept":
        qs = qs.filter(_acceptable_q(user))
    return qs.annotate(
        **_flags(today), update_count=count_of(DirectiveUpdate.objects.filter(directive=OuterRef("pk")), "directive")
    ).order_by("due_on", "id")


def directive_get(*, user: Any, pk: Any, today: datetime.date | None = None) -> Directive:
    """One directive, or 404 when unknown or out of sight."""
    return _first_or_404(directive_list(user=user, today=today), pk)


def directive_get_for_progress(*, user: Any, pk: Any) -> Directive:
    """A directive its responsible unit reports on: 404 when unseen, 403 without the change right on that unit."""
    directive = directive_get(user=user, pk=pk)
    if not may_progress(user, directive):
        raise PermissionDenied(_("Only the responsible unit reports progress on this directive."))
    return directive


def directive_get_for_review(*, user: Any, pk: Any) -> Directive:
    """A directive the user accepts or returns: 404 when unseen; 403 unless they hold the approve right on the
    issuing unit through a role outside the responsible unit (a unit never accepts its own directive)."""
    directive = directive_get(user=user, pk=pk)
    if not may_accept(user, directive):
        raise PermissionDenied(
            _("Only the issuing level accepts or returns this directive; a unit never accepts its own.")
        )
    return directive


def directive_get_for_edit(*, user: Any, pk: Any) -> Directive:
    """A directive its issuer corrects: 404 when unseen, 403 without the approve right on the issuing unit."""
    directive = directive_get(user=user, pk=pk)
    if not may_edit(user, directive):
        raise PermissionDenied(_("Only the issuing unit changes this directive."))
    return directive


def proposal_directives(*, user: Any, proposal: InvestmentProposal) -> QuerySet[Directive]:
    """Directives the user sees that link an investment proposal (listed on the proposal's page), soonest due
    first."""
    return directive_list(user=user).filter(investment_proposal=proposal)


def directive_updates(*, directive: Directive) -> QuerySet[DirectiveUpdate]:
    """The follow-up history of a directive, oldest first."""
    return directive.updates.select_related("by").order_by("at", "id")


def directive_update_get(*, user: Any, pk: Any) -> DirectiveUpdate:
    """A step of a directive the user sees (to download its evidence), or 404."""
    qs = DirectiveUpdate.objects.restrict(user, VIEW).select_related("directive__orgunit")
    return _first_or_404(qs, pk)


def training_plan_for(*, user: Any, pk: Any) -> TrainingPlan:
    """A training plan the user sees (a directive may link it), or 404."""
    return _first_or_404(TrainingPlan.objects.restrict(user, VIEW).select_related("orgunit"), pk)


def proposal_for(*, user: Any, pk: Any) -> InvestmentProposal:
    """An investment proposal the user sees (a directive may link it), or 404."""
    return _first_or_404(InvestmentProposal.objects.restrict(user, VIEW).select_related("orgunit"), pk)


def indicator_for(*, code: Any) -> Indicator:
    """An indicator in use, by code (a shared catalogue), or 404."""
    found = Indicator.objects.filter(code=str(code).strip(), is_active=True).first()
    if found is None:
        raise Http404
    return found


def issuer_units(*, user: Any) -> QuerySet[OrgUnit]:
    """Open units in whose name the user issues directives (the approve right)."""
    return OrgUnit.objects.restrict(user, APPROVE).filter(closed_on__isnull=True).order_by("path")


def responsible_units(*, user: Any, issuer: OrgUnit) -> QuerySet[OrgUnit]:
    """Open units a directive of `issuer` may go to: the units strictly under it that the user sees."""
    return (
        OrgUnit.objects.restrict(user, VIEW)
        .filter(subtree_q("path", issuer.path), closed_on__isnull=True)
        .exclude(pk=issuer.pk)
        .order_by("path")
    )


def directive_follow_up(
    *, user: Any, root: OrgUnit | None = None, today: datetime.date | None = None
) -> list[dict[str, Any]]:
    """Per responsible unit (in the user's sight, under `root` if given), in one grouped query: `pending` (open or
    in progress), `overdue`, `due_soon`, `awaiting` (done, not yet accepted). Units with nothing unclosed are left
    out; most overdue first. Each row: `orgunit_id`, `code`, `name`, `path` and the four counts."""
    today = today or today_local()
    qs = Directive.objects.restrict(user, VIEW).filter(status__in=UNCLOSED_STATUSES)
    if root is not None:
        qs = qs.filter(subtree_q("orgunit__path", root.path))
    rows = (
        qs.order_by()
        .values("orgunit_id", code=F("orgunit__code"), name=F("orgunit__name"), path=F("orgunit__path"))
        .annotate(
            pending=Count("pk", filter=Q(status__in=PENDING_STATUSES)),
            overdue=Count("pk", filter=overdue_q(today)),
            due_soon=Count("pk", filter=due_soon_q(today)),
            awaiting=Count("pk", filter=Q(status=DirectiveStatus.DONE)),
        )
        .order_by("-overdue", "-due_soon", "path")
    )
    return list(rows)


@dataclass
class BoardRow:
    """A region of the board (or the root unit itself, for directives to it): unclosed directives by age bucket."""

    unit: OrgUnit | None
    buckets: dict[str, int]
    overdue: int
    awaiting: int
    total: int


@dataclass
class Board:
    root: OrgUnit | None
    level: int | None
    rows: list[BoardRow] = field(default_factory=list)
    totals: BoardRow | None = None


def board_root(*, user: Any) -> OrgUnit | None:
    """The highest unit the user sees (the province for its administrators and viewers)."""
    return OrgUnit.objects.restrict(user, VIEW).order_by("level", "path").first()


def directive_board(*, user: Any, root: OrgUnit | None = None, today: datetime.date | None = None) -> Board:
    """Unclosed directives (open, in progress, done awaiting acceptance) under `root` (default: the user's top
    unit), grouped by the unit one level below the root (a province's regional centres) and by age since issue
    (0–30, 31–90, more than 90 days), with the overdue and awaiting-acceptance counts: one GROUP BY in the database
    over the units' level columns, then the row units in one query."""
    today = today or today_local()
    root = root or board_root(user=user)
    if root is None:
        return Board(root=None, level=None, totals=BoardRow(None, {b[0]: 0 for b in AGE_BUCKETS}, 0, 0, 0))
    level = root.level + 1
    group = f"orgunit__level{level}_id" if level <= MAX_LEVEL else "orgunit_id"
    qs = (
        Directive.objects.restrict(user, VIEW)
        .filter(status__in=UNCLOSED_STATUSES)
        .filter(subtree_q("orgunit__path", root.path))
    )
    aggregates = {f"age_{name}": Count("pk", filter=age_q(name, today)) for name, _low, _high in AGE_BUCKETS}
    rows = list(
        qs.order_by()
        .values(region=F(group))
        .annotate(
            **aggregates,
            overdue=Count("pk", filter=overdue_q(today)),
            awaiting=Count("pk", filter=Q(status=DirectiveStatus.DONE)),
            total=Count("pk"),
        )
    )
    units = OrgUnit.objects.in_bulk([row["region"] for row in rows if row["region"] is not None])
    board = Board(root=root, level=level)
    for row in rows:
        unit = units.get(row["region"]) if row["region"] is not None else root
        board.rows.append(
            BoardRow(
                unit=unit,
                buckets={name: row[f"age_{name}"] for name, _low, _high in AGE_BUCKETS},
                overdue=row["overdue"],
                awaiting=row["awaiting"],
                total=row["total"],
            )
        )
    board.rows.sort(key=lambda r: r.unit.path if r.unit else "")
    board.totals = BoardRow(
        unit=None,
        buckets={name: sum(r.buckets[name] for r in board.rows) for name, _low, _high in AGE_BUCKETS},
        overdue=sum(r.overdue for r in board.rows),
        awaiting=sum(r.awaiting for r in board.rows),
        total=sum(r.total for r in board.rows),
    )
    return board


# ---------------------------------------------------------------------------------------------- obstacles


def _answerable_q(user: Any) -> Q:
    """Unresolved obstacles of units under a Department where the user holds the approve right."""
    approve = scope_paths(user, APPROVE)
    unresolved = ~Q(status=ObstacleStatus.RESOLVED)
    if approve is None:
        return unresolved
    departments = list(
        OrgUnit.objects.restrict(user, APPROVE).filter(kind=OrgUnitKind.PROVINCE).values_list("path", flat=True)
    )
    return unresolved & _subtrees("orgunit__path", departments)


def obstacle_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Obstacle]:
    """Obstacles and proposals the user sees: `status`, `kind`, `office`, `orgunit` (code: sent by a unit of its
    subtree), `directive` (id), `q` (subject and content, diacritics ignored), `box` ("mine": sent by units the
    user may change; "to_answer": unresolved, for a Department where the user answers). Annotated with
    `answer_count` and `last_answer_at`; newest first."""
    filters = filters or {}
    qs = Obstacle.objects.restrict(user, VIEW).select_related("orgunit", "sent_by", "resolved_by", "directive")
    for name in ("status", "kind", "office"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("directive"):
        qs = qs.filter(directive=filters["directive"])
    for token in search_tokens(filters.get("q")):
        qs = qs.filter(search_text__contains=token)
    qs = _within(qs, filters.get("orgunit"), "orgunit__path")
    if filters.get("box") == "mine":
        paths = scope_paths(user, CHANGE)
        qs = qs if paths is None else qs.filter(_subtrees("orgunit__path", paths))
    elif filters.get("box") == "to_answer":
        qs = qs.filter(_answerable_q(user))
    answers = ObstacleAnswer.objects.filter(obstacle=OuterRef("pk"))
    last = Subquery(
        answers.order_by().values("obstacle").annotate(last=Max("at")).values("last")[:1], output_field=DateTimeField()
    )
    return qs.annotate(answer_count=count_of(answers, "obstacle"), last_answer_at=last).order_by("-sent_at", "-id")


def obstacle_get(*, user: Any, pk: Any) -> Obstacle:
    """One obstacle or proposal, or 404 when unknown or out of sight."""
    return _first_or_404(obstacle_list(user=user), pk)


def obstacle_get_for_answer(*, user: Any, pk: Any) -> Obstacle:
    """An obstacle the Department answers: 404 when unseen, 403 without the approve right on the Department."""
    obstacle = obstacle_get(user=user, pk=pk)
    if not may_answer(user, obstacle):
        raise PermissionDenied(_("Only the Department's offices answer obstacles and proposals."))
    return obstacle


def obstacle_get_for_resolve(*, user: Any, pk: Any) -> Obstacle:
    """An obstacle closed as resolved by the sending unit or the Department: 404 when unseen, 403 otherwise."""
    obstacle = obstacle_get(user=user, pk=pk)
    if not may_resolve(user, obstacle):
        raise PermissionDenied(_("Only the sending unit or the Department closes this obstacle or proposal."))
    return obstacle


def obstacle_answers(*, obstacle: Obstacle) -> QuerySet[ObstacleAnswer]:
    return obstacle.answers.select_related("by").order_by("at", "id")


def obstacle_units(*, user: Any) -> QuerySet[OrgUnit]:
    """Open units the user sends obstacles and proposals for (the change right)."""
    return OrgUnit.objects.restrict(user, CHANGE).filter(closed_on__isnull=True).order_by("path")


# ---------------------------------------------------------------------------------------------- notifications


def notification_list(*, user: Any, unread: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first (only unread ones with `unread`)."""
    qs = Notification.objects.restrict(user, VIEW)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created", "-id")


def notification_get(*, user: Any, pk: Any) -> Notification:
    """One of the user's notifications, or 404 (another user's is never found)."""
    return _first_or_404(notification_list(user=user), pk)


def unread_count(*, user: Any) -> int:
    return notification_list(user=user, unread=True).count()


# ---------------------------------------------------------------------------------------------- timeline


TIMELINE_KINDS = ("visit", "assessment", "directive", "directive_update", "obstacle", "data_values")


@dataclass
class TimelineEvent:
    """One line of a unit's timeline. `obj` is the model instance (a dict for a group of data value changes:
    `period`, `actor_username`, `day`, `last_at`, `count`, `element_count`)."""

    kind: str
    at: datetime.datetime
    obj: Any


@dataclass
class TimelinePage:
    events: list[TimelineEvent]
    count: int
    page: int
    page_size: int

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.count

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def event_summary(event: TimelineEvent) -> dict[str, Any]:
    """What a timeline line shows, in the current language: `id` (of the record; none for grouped data changes),
    `title`, `status` (its state's label) and `detail`."""
    obj = event.obj
    if event.kind == "visit":
        return {
            "id": obj.pk,
            "title": obj.title,
            "status": obj.get_status_display(),
            "detail": _("%(kind)s led by %(unit)s") % {"kind": obj.get_kind_display(), "unit": obj.orgunit.name},
        }
    if event.kind == "assessment":
        detail = _("Total: %(total)s") % {"total": obj.total} if obj.total is not None else ""
        return {
            "id": obj.pk,
            "title": f"{obj.framework.name} {obj.year}",
            "status": obj.get_status_display(),
            "detail": detail,
        }
    if event.kind == "directive":
        return {
            "id": obj.pk,
            "title": obj.title,
            "status": obj.get_status_display(),
            "detail": _("From %(issuer)s to %(unit)s, due %(date)s")
            % {"issuer": obj.issuer_unit.name, "unit": obj.orgunit.name, "date": f"{obj.due_on:%d/%m/%Y}"},
        }
    if event.kind == "directive_update":
        return {
            "id": obj.pk,
            "title": obj.directive.title,
            "status": obj.get_to_status_display(),
            "detail": obj.note[:300],
        }
    if event.kind == "obstacle":
        return {
            "id": obj.pk,
            "title": obj.subject,
            "status": obj.get_status_display(),
            "detail": f"{obj.get_kind_display()} · {obj.get_office_display()}",
        }
    return {
        "id": None,
        "title": _("Reported data, period %(period)s") % {"period": obj["period"]},
        "status": "",
        "detail": ngettext("%(n)d value changed by %(user)s", "%(n)d values changed by %(user)s", obj["count"])
        % {"n": obj["count"], "user": obj["actor_username"] or "—"},
    }


def _start_of(day: datetime.date) -> datetime.datetime:
    """A date as the moment its day starts, here, so it sorts among timestamps."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _timeline_sources(user: Any, unit: OrgUnit) -> dict[str, tuple[QuerySet, Any]]:
    """Per kind: the restricted rows of the unit, newest first, and how to read a row's moment."""
    visits = (
        Visit.objects.restrict(user, VIEW)
        .filter(Q(orgunit=unit) | Exists(VisitUnit.objects.filter(visit=OuterRef("pk"), orgunit=unit)))
        .select_related("orgunit")
        .order_by("-visited_on", "-id")
    )
    assessments = (
        Assessment.objects.restrict(user, VIEW)
        .filter(orgunit=unit)
        .annotate(moment=Coalesce("verified_at", "submitted_at"))
        .filter(moment__isnull=False)
        .select_related("framework")
        .order_by("-moment", "-id")
    )
    directives = (
        Directive.objects.restrict(user, VIEW)
        .filter(Q(orgunit=unit) | Q(issuer_unit=unit))
        .select_related("orgunit", "issuer_unit")
        .order_by("-issued_on", "-id")
    )
    updates = (
        DirectiveUpdate.objects.restrict(user, VIEW)
        .filter(directive__orgunit=unit)
        .select_related("directive", "by")
        .order_by("-at", "-id")
    )
    obstacles = Obstacle.objects.restrict(user, VIEW).filter(orgunit=unit).order_by("-sent_at", "-id")
    values = (
        DataValueAudit.objects.restrict(user, VIEW)
        .filter(orgunit=unit)
        .annotate(day=TruncDate("at"))
        .order_by()
        .values("period", "actor_username", "day")
        .annotate(last_at=Max("at"), count=Count("pk"), element_count=Count("data_element", distinct=True))
        .order_by("-last_at", "period")
    )
    return {
        "visit": (visits, lambda v: _start_of(v.visited_on)),
        "assessment": (assessments, lambda a: a.moment),
        "directive": (directives, lambda d: _start_of(d.issued_on)),
        "directive_update": (updates, lambda u: u.at),
        "obstacle": (obstacles, lambda o: o.sent_at),
        "data_values": (values, lambda row: row["last_at"]),
    }


def timeline_for_unit(
    *, user: Any, unit: OrgUnit, page: int = 1, page_size: int = 50, kinds: list[str] | None = None
) -> TimelinePage:
    """A unit's history on one page, newest first: visits led by it or to it, its submitted or verified
    assessments, directives to it or issued by it, the follow-up of its directives, the obstacles it sent, and its
    indicator data changes grouped per period, person and day (a form saved is one line, not forty).

    Each source is read newest first and cut in SQL at `page × page_size` rows, the cut lists are merged by moment,
    and the page is sliced from the merge: no source ever loads more than the rows up to the page asked for. A date
    without a time (a visit, a directive's issue) counts as the start of its day. `unit` must be in the user's
    sight (the caller looks it up through `orgunit_get`); every source is restricted again."""
    page, page_size = max(1, int(page)), max(1, min(int(page_size), 1000))
    wanted = page * page_size
    sources = _timeline_sources(user, unit)
    if kinds:
        sources = {kind: source for kind, source in sources.items() if kind in kinds}
    count = 0
    streams = []
    for kind, (qs, moment) in sources.items():
        count += qs.count()
        rows = list(qs[:wanted])
        streams.append([TimelineEvent(kind=kind, at=moment(row), obj=row) for row in rows])
    merged = heapq.merge(*streams, key=lambda event: event.at, reverse=True)
    events = list(merged)[(page - 1) * page_size : wanted]
    return TimelinePage(events=events, count=count, page=page, page_size=page_size)
