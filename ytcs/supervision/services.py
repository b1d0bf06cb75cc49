"""Writes of supervision: visits (team, units visited, checklist, photos), directives and their follow-up, obstacles
and proposals with their answers, and the reading of notifications. Keyword-only, each in one transaction, every
row validated and audited; the reminder job is in `reminders.py`.

Rights (the rules `selectors` states, checked here again inside the write):
- a visit is recorded and changed by the change right on its lead unit; the units visited are the lead unit or
  units under it;
- a directive is issued, corrected, accepted and returned by the approve right on the issuing unit, which lies
  strictly above the responsible unit; the responsible unit (the change right on it) reports progress:
  open → in progress → done, and done needs evidence (a note, a file or both). Accepting is refused to a role held
  on the responsible unit or under it, so a unit never accepts its own directive. Returning sends a done directive
  back to in progress with a comment;
- an obstacle or proposal is sent by the change right on the sending unit, answered by the approve right on the
  Department above it, and closed as resolved by either side.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.accounts.models import User
from ytcs.accounts.roles import APPROVE
from ytcs.assessments.models import Assessment, Framework
from ytcs.assessments.services import assessment_create
from ytcs.assets.models import InvestmentProposal
from ytcs.core.audit import audit_context
from ytcs.core.querysets import CHANGE, VIEW
from ytcs.core.services import ensure_can_change, save_audited
from ytcs.core.text import fold
from ytcs.orgunits.models import OrgUnit
from ytcs.supervision import selectors
from ytcs.supervision.files import EVIDENCE_TYPES, PHOTO_TYPES, check_upload, evidence_max_bytes, photo_max_bytes
from ytcs.supervision.models import (
    Directive,
    DirectiveCategory,
    DirectiveStatus,
    DirectiveUpdate,
    Notification,
    NotificationKind,
    Obstacle,
    ObstacleAnswer,
    ObstacleKind,
    ObstacleStatus,
    Visit,
    VisitKind,
    VisitPhoto,
    VisitStatus,
    VisitTeamMember,
    VisitUnit,
)
from ytcs.supervision.recipients import notify, people_by_unit
from ytcs.training.models import TrainingPlan

# ---------------------------------------------------------------------------------------------- visits

VISIT_FIELDS = ("kind", "title", "visited_on", "status", "areas", "areas_note", "framework", "findings")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _check_visit(visit: Visit, units: list[OrgUnit], today: datetime.date) -> None:
    errors: dict[str, list[str]] = {}
    if visit.status == VisitStatus.DONE and visit.visited_on and visit.visited_on > today:
        errors["visited_on"] = [_("A visit cannot be recorded as done before its date.")]
    if not units and visit.kind != VisitKind.MEETING:
        errors["units"] = [_("Choose the units visited.")]
    lead = visit.orgunit
    for unit in units:
        if not unit.path.startswith(lead.path):
            errors.setdefault("units", []).append(
                _("%(unit)s is not under the lead unit %(lead)s.") % {"unit": unit.name, "lead": lead.name}
            )
        elif unit.closed_on is not None and unit.closed_on < visit.visited_on:
            errors.setdefault("units", []).append(_("%(unit)s is closed.") % {"unit": unit.name})
    if errors:
        raise ValidationError(errors)


def _set_units(user: Any, visit: Visit, units: list[OrgUnit]) -> None:
    """Make the visited units exactly `units` (rows of units no longer listed go, with their checklist link)."""
    wanted = {unit.pk: unit for unit in units}
    with audit_context(user=user):
        for row in visit.visited.select_related("orgunit").exclude(orgunit_id__in=list(wanted)):
            row.delete()
        kept = set(visit.visited.values_list("orgunit_id", flat=True))
        for pk, unit in wanted.items():
            if pk not in kept:
                row = VisitUnit(visit=visit, orgunit=unit)
                row.full_clean()
                row.save()


def _set_team(user: Any, visit: Visit, team: Iterable[dict[str, Any]]) -> None:
    """Replace the team: each member a user the recorder sees, or a name (and a role in the team)."""
    members = []
    errors: dict[str, list[str]] = {}
    users = [m.get("user") for m in team if m.get("user") is not None]
    visible = (
        set(User.objects.restrict(user, VIEW).filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True))
        if users
        else set()
    )
    for number, member in enumerate(team, start=1):
        person = member.get("user")
        name = _strip(member.get("name") or "")
        if person is not None and person.pk not in visible:
            errors.setdefault(f"team.{number}.user", []).append(_("Unknown user."))
            continue
        if person is not None and not name:
            name = person.full_name or person.username
        if not name:
            errors.setdefault(f"team.{number}.name", []).append(_("Name the member or choose a user."))
            continue
        row = VisitTeamMember(visit=visit, user=person, name=name, role=_strip(member.get("role") or ""))
        try:
            row.full_clean()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(f"team.{number}.{key}", []).extend(messages)
        members.append(row)
    if errors:
        raise ValidationError(errors)
    with audit_context(user=user):
        for row in visit.team.all():
            row.delete()
        for row in members:
            row.save()


def _link_checklists(user: Any, visit: Visit) -> None:
    """With a checklist framework, link each visited unit of a kind it applies to with the unit's assessment of
    the visit's year against it, opening one (pre-filled from the registry) when there is none; links to another
    framework or year are dropped."""
    framework: Framework | None = visit.framework
    year = visit.visited_on.year
    with audit_context(user=user):
        for row in visit.visited.select_related("orgunit", "assessment"):
            current = row.assessment
            if current is not None and (
                framework is None or current.framework_id != framework.pk or current.year != year
            ):
                row.assessment = None
                row.save()
            if framework is None or row.assessment_id is not None:
                continue
            if framework.unit_kinds and row.orgunit.kind not in framework.unit_kinds:
                continue
            existing = Assessment.objects.filter(orgunit=row.orgunit, framework=framework, year=year).first()
            row.assessment = existing or assessment_create(
                user=user, orgunit=row.orgunit, framework=framework, year=year, on=visit.visited_on
            )
            row.save()


def _visit_search_text(visit: Visit) -> str:
    return fold(f"{visit.title} {visit.findings[:300]}")


@transaction.atomic
def visit_create(
    *,
    user: Any,
    orgunit: OrgUnit,
    title: str,
    visited_on: datetime.date,
    kind: str = VisitKind.SUPERVISION,
    status: str = VisitStatus.PLANNED,
    units: Iterable[OrgUnit] = (),
    team: Iterable[dict[str, Any]] = (),
    areas: Iterable[str] = (),
    areas_note: str = "",
    framework: Framework | None = None,
    findings: str = "",
    today: datetime.date | None = None,
) -> Visit:
    """Record a visit of `orgunit`'s team (planned, or done with its findings): the units visited, the team (dicts
    of `user` and/or `name`, and `role`), the areas surveyed and the checklist followed, which links or opens each
    visited unit's assessment of the year."""
    ensure_can_change(user=user, path=orgunit.path)
    units = list(dict.fromkeys(units))
    visit = Visit(
        orgunit=orgunit,
        kind=kind,
        title=_strip(title or ""),
        visited_on=visited_on,
        status=status,
        areas=list(areas),
        areas_note=_strip(areas_note or ""),
        framework=framework,
        findings=_strip(findings or ""),
        created_by=user,
    )
    _check_visit(visit, units, today or timezone.localdate())
    visit.search_text = _visit_search_text(visit)
    save_audited(user=user, instance=visit)
    _set_units(user, visit, units)
    _set_team(user, visit, list(team))
    _link_checklists(user, visit)
    return visit


@transaction.atomic
def visit_update(*, user: Any, visit: Visit, today: datetime.date | None = None, **changes: Any) -> Visit:
    """Change a visit (its fields; `units` and `team` replace the lists given); record it done with its findings.
    The lead unit stays."""
    ensure_can_change(user=user, path=visit.orgunit.path)
    unknown = set(changes) - {*VISIT_FIELDS, "units", "team"}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    units = list(dict.fromkeys(changes.pop("units"))) if "units" in changes else None
    team = list(changes.pop("team")) if "team" in changes else None
    for name, value in changes.items():
        setattr(visit, name, list(value) if name == "areas" else _strip(value))
    current_units = units if units is not None else [row.orgunit for row in visit.visited.select_related("orgunit")]
    _check_visit(visit, current_units, today or timezone.localdate())
    visit.search_text = _visit_search_text(visit)
    save_audited(user=user, instance=visit)
    if units is not None:
        _set_units(user, visit, units)
    if team is not None:
        _set_team(user, visit, team)
    _link_checklists(user, visit)
    return visit


@transaction.atomic
def visit_photo_add(*, user: Any, visit: Visit, uploaded: Any, caption: str = "") -> VisitPhoto:
    """Attach a photo (JPEG or PNG, at most `YTCS_PHOTO_MAX_BYTES`) to a visit."""
    ensure_can_change(user=user, path=visit.orgunit.path)
    checked = check_upload(
        uploaded, field="file", types=PHOTO_TYPES, max_bytes=photo_max_bytes(), stored_stem=f"visit-{visit.pk}"
    )
    photo = VisitPhoto(
        visit=visit,
        file=uploaded,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        caption=_strip(caption or ""),
        uploaded_by=user,
    )
    save_audited(user=user, instance=photo, recheck_scope=False)
    return photo


@transaction.atomic
def visit_photo_delete(*, user: Any, photo: VisitPhoto) -> None:
    """Remove a photo attached by mistake."""
    ensure_can_change(user=user, path=photo.visit.orgunit.path)
    with audit_context(user=user):
        photo.file.delete(save=False)
        photo.delete()


# ---------------------------------------------------------------------------------------------- directives

DIRECTIVE_FIELDS = ("title", "details", "category", "due_on", "evidence_required", "source_text")
LINK_FIELDS = ("training_plan", "investment_proposal", "indicator")

UNIT_MOVES: dict[str, tuple[str, ...]] = {
    DirectiveStatus.OPEN: (DirectiveStatus.OPEN, DirectiveStatus.IN_PROGRESS, DirectiveStatus.DONE),
    DirectiveStatus.IN_PROGRESS: (DirectiveStatus.IN_PROGRESS, DirectiveStatus.DONE),
}
"""The responsible unit's steps: from each state, the states it may report (the same state: a progress note)."""


def _directive_search_text(directive: Directive) -> str:
    return fold(f"{directive.title} {directive.details[:300]}")


def _check_responsible(issuer: OrgUnit, unit: OrgUnit) -> None:
    if unit.pk == issuer.pk or not unit.path.startswith(issuer.path):
        raise ValidationError(
            {"orgunit": [_("A directive goes to a unit under the issuing unit %(unit)s.") % {"unit": issuer.name}]}
        )
    if unit.closed_on is not None:
        raise ValidationError({"orgunit": [_("%(unit)s is closed.") % {"unit": unit.name}]})


def _check_links(user: Any, directive: Directive) -> None:
    """A linked training plan or proposal must be one the user sees; a proposal must be the responsible unit's (or
    of a unit under it); an indicator must be in use."""
    errors: dict[str, list[str]] = {}
    plan = directive.training_plan
    if plan is not None and not TrainingPlan.objects.restrict(user, VIEW).filter(pk=plan.pk).exists():
        errors["training_plan"] = [_("Unknown training plan.")]
    proposal = directive.investment_proposal
    if proposal is not None:
        if not InvestmentProposal.objects.restrict(user, VIEW).filter(pk=proposal.pk).exists():
            errors["investment_proposal"] = [_("Unknown investment proposal.")]
        elif not proposal.orgunit.path.startswith(directive.orgunit.path):
            errors["investment_proposal"] = [_("Choose a proposal of the responsible unit or of a unit under it.")]
    indicator = directive.indicator
    if indicator is not None and not indicator.is_active:
        errors["indicator"] = [_("This indicator is no longer in use.")]
    if errors:
        raise ValidationError(errors)


def _lock(directive: Directive) -> Directive:
    return (
        Directive.objects.select_for_update(of=("self",)).select_related("orgunit", "issuer_unit").get(pk=directive.pk)
    )


def _people(unit: OrgUnit, action: str) -> list[int]:
    return people_by_unit([unit], action)[unit.pk]


def _tell_issuer(directive: Directive, kind: str, actor: Any) -> None:
    ids = _people(directive.issuer_unit, APPROVE)
    if directive.issued_by_id and directive.issued_by.is_active:
        ids = [directive.issued_by_id, *ids]
    notify(ids, kind, directive=directive, skip=actor)


def _tell_unit(directive: Directive, kind: str, actor: Any) -> None:
    notify(_people(directive.orgunit, CHANGE), kind, directive=directive, skip=actor)


@transaction.atomic
def directive_issue(
    *,
    user: Any,
    orgunit: OrgUnit,
    title: str,
    due_on: datetime.date,
    evidence_required: str,
    issuer_unit: OrgUnit | None = None,
    visit: Visit | None = None,
    source_text: str = "",
    category: str = DirectiveCategory.OTHER,
    details: str = "",
    issued_on: datetime.date | None = None,
    training_plan: TrainingPlan | None = None,
    investment_proposal: InvestmentProposal | None = None,
    indicator: Any = None,
) -> Directive:
    """Issue a directive to `orgunit` (a unit under the issuing unit): from a visit carried out (in the name of its
    lead unit) or from a meeting named in `source_text`; the approve right on the issuing unit. The responsible
    unit's people are notified."""
    if issuer_unit is None and visit is not None:
        issuer_unit = visit.orgunit
    if issuer_unit is None:
        raise ValidationError({"issuer_unit": [_("Choose the issuing unit.")]})
    if not selectors.may_issue(user, issuer_unit):
        raise PermissionDenied(
            _("Only the approve right on %(unit)s issues directives in its name.") % {"unit": issuer_unit.name}
        )
    if visit is not None:
        if visit.orgunit_id != issuer_unit.pk:
            raise ValidationError({"visit": [_("A visit's directives are issued in the name of its lead unit.")]})
        if visit.status != VisitStatus.DONE:
            raise ValidationError({"visit": [_("Record the visit as carried out before issuing its directives.")]})
    _check_responsible(issuer_unit, orgunit)
    directive = Directive(
        visit=visit,
        source_text=_strip(source_text or ""),
        issuer_unit=issuer_unit,
        issued_by=user if getattr(user, "is_authenticated", False) else None,
        issued_on=issued_on or timezone.localdate(),
        orgunit=orgunit,
        title=_strip(title or ""),
        details=_strip(details or ""),
        category=category,
        due_on=due_on,
        evidence_required=_strip(evidence_required or ""),
        training_plan=training_plan,
        investment_proposal=investment_proposal,
        indicator=indicator,
    )
    _check_links(user, directive)
    directive.search_text = _directive_search_text(directive)
    save_audited(user=user, instance=directive, recheck_scope=False)
    _tell_unit(directive, NotificationKind.DIRECTIVE_ISSUED, user)
    return directive


@transaction.atomic
def directive_edit(*, user: Any, directive: Directive, **changes: Any) -> Directive:
    """Correct a directive that is not accepted yet (its wording, category, due date, the evidence asked for, its
    source, its links): the issuer only."""
    unknown = set(changes) - {*DIRECTIVE_FIELDS, *LINK_FIELDS}
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    locked = _lock(directive)
    if not selectors.may_edit(user, locked):
        raise PermissionDenied(_("Only the issuing unit changes this directive."))
    if locked.status == DirectiveStatus.ACCEPTED:
        raise ValidationError(_("An accepted directive is closed: it can no longer be changed."))
    for name, value in changes.items():
        setattr(locked, name, _strip(value))
    _check_links(user, locked)
    locked.search_text = _directive_search_text(locked)
    save_audited(user=user, instance=locked, recheck_scope=False)
    return locked


@transaction.atomic
def directive_progress(
    *,
    user: Any,
    directive: Directive,
    status: str,
    note: str = "",
    evidence: Any = None,
    links: dict[str, Any] | None = None,
) -> DirectiveUpdate:
    """The responsible unit reports: start (in progress), a progress note (same state), or done, which needs
    evidence (a note saying what was done, a file, or both); it may link the training plan, the investment
    proposal or the indicator the work concerns. The issuing level is notified when it is done."""
    locked = _lock(directive)
    if not selectors.may_progress(user, locked):
        raise PermissionDenied(_("Only the responsible unit reports progress on this directive."))
    allowed = UNIT_MOVES.get(locked.status)
    if allowed is None:
        raise ValidationError({"status": [_("This directive is done or accepted: the issuing level acts on it now.")]})
    if status not in allowed:
        raise ValidationError(
            {
                "status": [
                    _("A directive that is “%(status)s” cannot be reported as “%(to)s”.")
                    % {"status": locked.get_status_display(), "to": DirectiveStatus(status).label}
                ]
            }
        )
    note = _strip(note or "")
    if status == DirectiveStatus.DONE and not note and evidence is None:
        raise ValidationError({"note": [_("Say what was done or attach the evidence before reporting it done.")]})
    if status == locked.status and not note and evidence is None:
        raise ValidationError({"note": [_("Write what was done, or attach a file.")]})
    unknown = set(links or {}) - set(LINK_FIELDS)
    if unknown:
        raise TypeError(f"unknown links: {sorted(unknown)}")
    for name, value in (links or {}).items():
        setattr(locked, name, value)
    _check_links(user, locked)
    update = DirectiveUpdate(directive=locked, from_status=locked.status, to_status=status, note=note, by=user)
    if evidence is not None:
        checked = check_upload(
            evidence,
            field="evidence",
            types=EVIDENCE_TYPES,
            max_bytes=evidence_max_bytes(),
            stored_stem=f"directive-{locked.pk}",
        )
        update.evidence = evidence
        update.evidence_name = checked.original_name
        update.evidence_type = checked.content_type
        update.evidence_size = checked.size
    was = locked.status
    locked.status = status
    save_audited(user=user, instance=locked, recheck_scope=False)
    save_audited(user=user, instance=update, recheck_scope=False)
    if status == DirectiveStatus.DONE and was != DirectiveStatus.DONE:
        _tell_issuer(locked, NotificationKind.DIRECTIVE_DONE, user)
    directive.status = locked.status
    return update


def _review(user: Any, directive: Directive) -> Directive:
    locked = _lock(directive)
    if not selectors.may_accept(user, locked):
        raise PermissionDenied(
            _("Only the issuing level accepts or returns this directive; a unit never accepts its own.")
        )
    if locked.status != DirectiveStatus.DONE:
        raise ValidationError({"status": [_("Only a directive reported done can be accepted or returned.")]})
    return locked


@transaction.atomic
def directive_accept(*, user: Any, directive: Directive, note: str = "") -> DirectiveUpdate:
    """Accept a directive reported done (nghiệm thu): the approve right on the issuing unit, never through a role
    on the responsible unit itself. Closes it."""
    locked = _review(user, directive)
    update = DirectiveUpdate(
        directive=locked,
        from_status=locked.status,
        to_status=DirectiveStatus.ACCEPTED,
        note=_strip(note or ""),
        by=user,
    )
    locked.status, locked.accepted_by, locked.accepted_at = DirectiveStatus.ACCEPTED, user, timezone.now()
    save_audited(user=user, instance=locked, recheck_scope=False)
    save_audited(user=user, instance=update, recheck_scope=False)
    _tell_unit(locked, NotificationKind.DIRECTIVE_ACCEPTED, user)
    directive.status = locked.status
    return update


@transaction.atomic
def directive_return(*, user: Any, directive: Directive, note: str) -> DirectiveUpdate:
    """Send a directive reported done back to the responsible unit (in progress), saying what is missing."""
    locked = _review(user, directive)
    note = _strip(note or "")
    if not note:
        raise ValidationError({"note": [_("Say what is missing.")]})
    update = DirectiveUpdate(
        directive=locked, from_status=locked.status, to_status=DirectiveStatus.IN_PROGRESS, note=note, by=user
    )
    locked.status = DirectiveStatus.IN_PROGRESS
    save_audited(user=user, instance=locked, recheck_scope=False)
    save_audited(user=user, instance=update, recheck_scope=False)
    _tell_unit(locked, NotificationKind.DIRECTIVE_RETURNED, user)
    directive.status = locked.status
    return update


# ---------------------------------------------------------------------------------------------- obstacles


def _obstacle_search_text(obstacle: Obstacle) -> str:
    return fold(f"{obstacle.subject} {obstacle.body[:300]}")


@transaction.atomic
def obstacle_send(
    *,
    user: Any,
    orgunit: OrgUnit,
    subject: str,
    body: str,
    office: str,
    kind: str = ObstacleKind.OBSTACLE,
    directive: Directive | None = None,
) -> Obstacle:
    """Send an obstacle or a proposal of a unit to a Department office (optionally about one of the unit's
    directives); the Department's approvers are notified."""
    ensure_can_change(user=user, path=orgunit.path)
    if directive is not None and directive.orgunit_id != orgunit.pk:
        raise ValidationError({"directive": [_("Choose a directive given to the sending unit.")]})
    obstacle = Obstacle(
        orgunit=orgunit,
        kind=kind,
        subject=_strip(subject or ""),
        body=_strip(body or ""),
        office=office,
        directive=directive,
        sent_by=user,
    )
    obstacle.search_text = _obstacle_search_text(obstacle)
    save_audited(user=user, instance=obstacle)
    department = selectors.department_of(orgunit)
    notify(_people(department, APPROVE), NotificationKind.OBSTACLE_SENT, obstacle=obstacle, skip=user)
    return obstacle


def _lock_obstacle(obstacle: Obstacle) -> Obstacle:
    return Obstacle.objects.select_for_update(of=("self",)).select_related("orgunit").get(pk=obstacle.pk)


@transaction.atomic
def obstacle_answer(*, user: Any, obstacle: Obstacle, body: str) -> ObstacleAnswer:
    """Answer an obstacle or proposal for the Department (the approve right on it); it is then answered until
    resolved (further answers may follow). The sender and the unit's people are notified."""
    locked = _lock_obstacle(obstacle)
    if not selectors.may_answer(user, locked):
        raise PermissionDenied(_("Only the Department's offices answer obstacles and proposals."))
    if locked.status == ObstacleStatus.RESOLVED:
        raise ValidationError(_("This obstacle or proposal is resolved."))
    body = _strip(body or "")
    if not body:
        raise ValidationError({"body": [_("Write the answer.")]})
    answer = ObstacleAnswer(obstacle=locked, body=body, by=user)
    save_audited(user=user, instance=answer, recheck_scope=False)
    locked.status = ObstacleStatus.ANSWERED
    save_audited(user=user, instance=locked, recheck_scope=False)
    ids = _people(locked.orgunit, CHANGE)
    if locked.sent_by_id and locked.sent_by.is_active:
        ids = [locked.sent_by_id, *ids]
    notify(ids, NotificationKind.OBSTACLE_ANSWERED, obstacle=locked, skip=user)
    obstacle.status = locked.status
    return answer


@transaction.atomic
def obstacle_resolve(*, user: Any, obstacle: Obstacle) -> Obstacle:
    """Close an obstacle or proposal as resolved: the sending unit or the Department."""
    locked = _lock_obstacle(obstacle)
    if not selectors.may_resolve(user, locked):
        raise PermissionDenied(_("Only the sending unit or the Department closes this obstacle or proposal."))
    if locked.status == ObstacleStatus.RESOLVED:
        raise ValidationError(_("This obstacle or proposal is resolved."))
    locked.status, locked.resolved_by, locked.resolved_at = ObstacleStatus.RESOLVED, user, timezone.now()
    save_audited(user=user, instance=locked, recheck_scope=False)
    obstacle.status = locked.status
    return locked


# ---------------------------------------------------------------------------------------------- notifications


@transaction.atomic
def notification_mark_read(*, user: Any, notification: Notification) -> Notification:
    """Mark one of the user's notifications read (once: reading it again keeps the first time)."""
    if notification.user_id != getattr(user, "pk", None):
        raise PermissionDenied(_("This notification is not yours."))
    now = timezone.now()
    if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
        notification.read_at = now
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.restrict(user, VIEW).filter(read_at__isnull=True).update(read_at=timezone.now())
