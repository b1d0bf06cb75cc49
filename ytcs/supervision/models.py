"""Supervision and follow-up (giám sát, chỉ đạo và theo dõi thực hiện): visits to units, the directives a visit or a
meeting gives, each directive's progress up to its acceptance, the obstacles and proposals units send up to the
Department's offices, and in-app notifications.

Who sees what (the restriction point, `.restrict(user, action)`):
- a visit belongs to its lead unit (the team's unit) and is also seen by the units it visited;
- a directive belongs to the responsible unit, which changes it, and is also seen by the issuing unit;
- an obstacle belongs to the unit that sent it (the Department, above every unit, sees them all);
- a notification is its recipient's only.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ytcs.core.models import AuditedModel, UnitScopedModel
from ytcs.core.querysets import VIEW, RestrictedQuerySet, scope_paths, subtree_q
from ytcs.supervision.offices import office_choices

if TYPE_CHECKING:
    from ytcs.accounts.models import User


# ---------------------------------------------------------------------------------------------- visits


class VisitKind(models.TextChoices):
    SUPERVISION = "supervision", _("Supervision visit")
    WORKING = "working", _("Working visit")
    MEETING = "meeting", _("Meeting or working session")


class VisitStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("visit status", "Planned")
    DONE = "done", _("Carried out")


class SurveyArea(models.TextChoices):
    FACILITIES = "facilities", _("Facilities")
    EQUIPMENT = "equipment", _("Equipment")
    CLINICAL = "clinical", _("Clinical activity")
    OTHER = "other", _("Other")


class VisitQuerySet(RestrictedQuerySet):
    def restrict(self, user: User, action: str = VIEW) -> VisitQuerySet:
        """The lead unit's scope as for any unit-scoped row; for reading, also the visits to a unit in scope (a
        station sees the Department's visit to it and what was found)."""
        if action != VIEW:
            return super().restrict(user, action)
        paths = scope_paths(user, VIEW)
        if paths is None:
            return self._clone()
        if not paths:
            return self.none()
        visited = VisitUnit.objects.filter(visit=OuterRef("pk")).filter(
            reduce(or_, (subtree_q("orgunit__path", path) for path in paths))
        )
        lead = reduce(or_, (subtree_q("orgunit__path", path) for path in paths))
        return self.filter(lead | Exists(visited))


class Visit(UnitScopedModel):
    """A supervision or working visit, or a meeting (chuyến giám sát, làm việc; buổi làm việc): the lead unit's team
    goes to units (the Department's director to a centre, a regional team to its stations), surveys facilities,
    equipment and clinical activity, fills a checklist and writes what it found."""

    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=VisitKind.choices, default=VisitKind.SUPERVISION)
    title = models.CharField(_("title"), max_length=300)
    visited_on = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=8, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    areas = models.JSONField(_("surveyed areas"), default=list, blank=True)
    areas_note = models.CharField(_("other areas surveyed"), max_length=500, blank=True)
    framework = models.ForeignKey(
        "assessments.Framework",
        verbose_name=_("checklist (assessment framework)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    findings = models.TextField(_("findings"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    search_text = models.CharField(max_length=600, editable=False, default="")

    objects = VisitQuerySet.as_manager()
    audit_exclude = ("search_text",)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-id"]
        indexes = [
            # A lead unit's visits newest first (lists, the timeline of the lead unit).
            models.Index(fields=["orgunit", "visited_on"], name="visit_lead_date_idx"),
            # Planned visits coming up, visits of a period.
            models.Index(fields=["status", "visited_on"], name="visit_status_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.visited_on:%d/%m/%Y})"

    def clean(self) -> None:
        areas = self.areas if isinstance(self.areas, list) else None
        if areas is None or any(area not in SurveyArea.values for area in areas) or len(set(areas)) != len(areas):
            raise ValidationError({"areas": gettext("Choose surveyed areas from the list, each once.")})
        if SurveyArea.OTHER in areas and not self.areas_note.strip():
            raise ValidationError({"areas_note": gettext("Say which other areas were surveyed.")})
        if self.status == VisitStatus.DONE and not self.findings.strip():
            raise ValidationError({"findings": gettext("Write what the visit found before recording it as done.")})


class VisitUnit(UnitScopedModel):
    """A unit visited (đơn vị được giám sát), with the assessment its checklist was recorded in."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visited")
    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("unit visited"), on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        verbose_name=_("checklist result"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("unit visited")
        verbose_name_plural = _("units visited")
        ordering = ["visit", "orgunit__path"]
        constraints = [models.UniqueConstraint(fields=["visit", "orgunit"], name="unique_visit_unit")]
        # The visits to a unit (its timeline, the restriction's EXISTS) use the index on orgunit_id every foreign
        # key gets.

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.orgunit_id}"


class VisitScoped(AuditedModel):
    """A row of a visit, seen by whoever sees the visit and filed in the audit trail under its lead unit."""

    class Meta:
        abstract = True

    @property
    def audit_scope_path(self) -> str:
        return self.visit.orgunit.path


class VisitTeamMember(VisitScoped):
    """A member of the visiting team (thành viên đoàn): a user of the system, or a name (a guest from another
    body, a specialist from the provincial hospital)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.SET_NULL, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role in the team"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["visit", "id"]

    def __str__(self) -> str:
        return self.name


class VisitPhotoQuerySet(RestrictedQuerySet):
    def restrict(self, user: User, action: str = VIEW) -> VisitPhotoQuerySet:
        """A photo is seen and changed with its visit."""
        return self.filter(visit__in=Visit.objects.restrict(user, action).values("pk"))


class VisitPhoto(VisitScoped):
    """A photo taken during a visit (ảnh giám sát): stored under the media root, outside the web root, and served
    only to those who see the visit."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to="supervision/photos/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = VisitPhotoQuerySet.as_manager()
    # The storage path is ours and says nothing to a reader; the history shows the original name instead.
    audit_exclude = ("file",)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


# ---------------------------------------------------------------------------------------------- directives


class DirectiveCategory(models.TextChoices):
    CLINICAL_PROCEDURES = "clinical_procedures", _("Review clinical procedures")
    FIVE_S = "five_s", _("Apply 5S")
    TRAINING_PLAN = "training_plan", _("Build a training plan")
    EQUIPMENT_INVESTMENT = "equipment_investment", _("Propose equipment investment")
    MEDICAL_RECORDS = "medical_records", _("Complete electronic medical records")
    OTHER = "other", _("Other")


class DirectiveStatus(models.TextChoices):
    OPEN = "open", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done, awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")


PENDING_STATUSES = (DirectiveStatus.OPEN, DirectiveStatus.IN_PROGRESS)
"""A directive whose due date has passed in one of these states is overdue; `done` waits for the issuer, not for the
responsible unit, and is never overdue."""

UNCLOSED_STATUSES = (DirectiveStatus.OPEN, DirectiveStatus.IN_PROGRESS, DirectiveStatus.DONE)
"""Not yet accepted: what the province board counts as open."""


class Directive(UnitScopedModel):
    """A directive (yêu cầu, chỉ đạo) given by a visit or a meeting: what the responsible unit must do, by when, and
    how it shows it is done; followed open → in progress → done (with evidence) → accepted by the issuing level.

    Overdue is not stored: it is `due_on < today` while open or in progress, a predicate the lists compute in SQL
    (index on status, due_on). A stored flag would be wrong from midnight until a job ran, and would have to be
    maintained by every status change as well."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, null=True, blank=True, related_name="directives"
    )
    source_text = models.CharField(_("source (meeting, conference)"), max_length=500, blank=True)
    issuer_unit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="+"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("directive", "issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_on = models.DateField(_("issued on"))
    orgunit = models.ForeignKey(
        "orgunits.OrgUnit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("what must be done"), max_length=300)
    details = models.TextField(_("details"), blank=True)
    category = models.CharField(
        pgettext_lazy("directive", "category"),
        max_length=24,
        choices=DirectiveCategory.choices,
        default=DirectiveCategory.OTHER,
    )
    due_on = models.DateField(_("due date"))
    evidence_required = models.CharField(_("evidence of completion"), max_length=500)
    status = models.CharField(_("status"), max_length=12, choices=DirectiveStatus.choices, default=DirectiveStatus.OPEN)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    training_plan = models.ForeignKey(
        "training.TrainingPlan",
        verbose_name=_("training plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    investment_proposal = models.ForeignKey(
        "assets.InvestmentProposal",
        verbose_name=_("investment proposal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name=_("indicator to move"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The reminder job's claim: the day of the last reminder, set by a conditional UPDATE (once a day at most).
    last_reminded_on = models.DateField(null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    search_text = models.CharField(max_length=600, editable=False, default="")

    scope_view_path_fields = ("issuer_unit__path",)
    audit_exclude = ("search_text", "last_reminded_on")

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gte=F("issued_on")), name="directive_due_after_issue"),
            models.CheckConstraint(condition=~Q(issuer_unit=F("orgunit")), name="directive_not_to_itself"),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(accepted_at__isnull=False), name="directive_accepted_when"
            ),
        ]
        indexes = [
            # Overdue and due-soon lists and the reminder job: pending directives by due date.
            models.Index(fields=["status", "due_on"], name="directive_status_due_idx"),
            # A unit's directives by state (its follow-up list, its timeline).
            models.Index(fields=["orgunit", "status"], name="directive_unit_status_idx"),
            # Directives waiting for the issuing unit's acceptance.
            models.Index(fields=["issuer_unit", "status"], name="directive_issuer_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.visit_id is None and not self.source_text.strip():
            errors["source_text"] = gettext("Name the visit or the meeting the directive comes from.")
        if self.due_on and self.issued_on and self.due_on < self.issued_on:
            errors["due_on"] = gettext("The due date cannot be before the date of issue.")
        if not self.evidence_required.strip():
            errors["evidence_required"] = gettext("Say how completion will be evidenced.")
        if errors:
            raise ValidationError(errors)


class DirectiveUpdate(AuditedModel):
    """A step in a directive's follow-up (cập nhật tiến độ): a status change or a progress note, with the evidence
    attached (minutes, photos, a scanned decision), who and when."""

    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, related_name="updates")
    from_status = models.CharField(
        pgettext_lazy("status change", "from"), max_length=12, choices=DirectiveStatus.choices
    )
    to_status = models.CharField(pgettext_lazy("status change", "to"), max_length=12, choices=DirectiveStatus.choices)
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="supervision/evidence/%Y/%m/", blank=True)
    evidence_name = models.CharField(_("file name"), max_length=255, blank=True)
    evidence_type = models.CharField(_("type"), max_length=100, blank=True)
    evidence_size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "directive__orgunit__path"
    scope_view_path_fields = ("directive__issuer_unit__path",)
    audit_exclude = ("evidence",)

    class Meta:
        verbose_name = _("directive update")
        verbose_name_plural = _("directive updates")
        ordering = ["directive", "at", "id"]

    def __str__(self) -> str:
        return f"{self.directive_id}: {self.from_status} → {self.to_status} ({self.at:%d/%m/%Y})"

    @property
    def audit_scope_path(self) -> str:
        return self.directive.orgunit.path


# ---------------------------------------------------------------------------------------------- obstacles


class ObstacleKind(models.TextChoices):
    OBSTACLE = "obstacle", _("Obstacle")
    PROPOSAL = "proposal", _("Proposal")


class ObstacleStatus(models.TextChoices):
    SENT = "sent", pgettext_lazy("obstacle status", "Sent")
    ANSWERED = "answered", _("Answered")
    RESOLVED = "resolved", _("Resolved")


class Obstacle(UnitScopedModel):
    """An obstacle or a proposal (vướng mắc, đề xuất) a unit sends up, routed to the Department office responsible
    for it, answered there and followed until resolved."""

    orgunit = models.ForeignKey(
        "orgunits.OrgUnit",
        verbose_name=pgettext_lazy("obstacle", "sending unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ObstacleKind.choices, default=ObstacleKind.OBSTACLE)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("content"))
    office = models.CharField(_("office responsible"), max_length=30, choices=office_choices)
    status = models.CharField(_("status"), max_length=10, choices=ObstacleStatus.choices, default=ObstacleStatus.SENT)
    directive = models.ForeignKey(
        Directive,
        verbose_name=_("about the directive"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="obstacles",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    search_text = models.CharField(max_length=600, editable=False, default="")

    audit_exclude = ("search_text",)

    class Meta:
        verbose_name = _("obstacle or proposal")
        verbose_name_plural = _("obstacles and proposals")
        ordering = ["-sent_at", "-id"]
        indexes = [
            # An office's inbox: what it has to answer.
            models.Index(fields=["office", "status"], name="obstacle_office_status_idx"),
            # A unit's obstacles newest first (its list, its timeline).
            models.Index(fields=["orgunit", "sent_at"], name="obstacle_unit_sent_idx"),
        ]

    def __str__(self) -> str:
        return self.subject


class ObstacleAnswer(AuditedModel):
    """An answer of the Department to an obstacle or proposal (trả lời), who gave it and when."""

    obstacle = models.ForeignKey(Obstacle, on_delete=models.CASCADE, related_name="answers")
    body = models.TextField(_("answer"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("time"), default=timezone.now)

    objects = RestrictedQuerySet.as_manager()
    scope_path_field = "obstacle__orgunit__path"

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["obstacle", "at", "id"]

    def __str__(self) -> str:
        return f"{self.obstacle_id} ({self.at:%d/%m/%Y})"

    @property
    def audit_scope_path(self) -> str:
        return self.obstacle.orgunit.path


# ---------------------------------------------------------------------------------------------- notifications


class NotificationKind(models.TextChoices):
    DIRECTIVE_ISSUED = "directive_issued", _("New directive")
    DIRECTIVE_DUE_SOON = "directive_due_soon", _("Directive due soon")
    DIRECTIVE_OVERDUE = "directive_overdue", _("Directive overdue")
    DIRECTIVE_DONE = "directive_done", _("Directive done, to accept")
    DIRECTIVE_RETURNED = "directive_returned", _("Directive returned")
    DIRECTIVE_ACCEPTED = "directive_accepted", _("Directive accepted")
    OBSTACLE_SENT = "obstacle_sent", _("New obstacle or proposal")
    OBSTACLE_ANSWERED = "obstacle_answered", _("Obstacle or proposal answered")


NOTIFICATION_TEXTS = {
    NotificationKind.DIRECTIVE_ISSUED: _("New directive for %(unit)s: %(title)s (due %(due)s)."),
    NotificationKind.DIRECTIVE_DUE_SOON: _("Directive due on %(due)s at %(unit)s: %(title)s."),
    NotificationKind.DIRECTIVE_OVERDUE: _("Directive overdue since %(due)s at %(unit)s: %(title)s."),
    NotificationKind.DIRECTIVE_DONE: _("%(unit)s reports done, to accept: %(title)s."),
    NotificationKind.DIRECTIVE_RETURNED: _("Directive returned to %(unit)s: %(title)s."),
    NotificationKind.DIRECTIVE_ACCEPTED: _("Directive accepted: %(title)s."),
    NotificationKind.OBSTACLE_SENT: _("%(unit)s sent: %(title)s."),
    NotificationKind.OBSTACLE_ANSWERED: _("Answer to %(unit)s: %(title)s."),
}


class NotificationQuerySet(RestrictedQuerySet):
    def restrict(self, user: User, action: str = VIEW) -> NotificationQuerySet:
        """A notification is its recipient's only, whatever their roles (a superuser's inbox is theirs too)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(user=user)


class Notification(models.Model):
    """An in-app notification (thông báo): what happened, a link to it, and when its recipient read it.

    The text is composed when shown, in the reader's language, from `kind` and `params`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    params = models.JSONField(default=dict)
    link = models.CharField(_("link"), max_length=300, blank=True)
    directive = models.ForeignKey(Directive, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    obstacle = models.ForeignKey(Obstacle, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-id"]
        indexes = [
            # A user's inbox newest first, and the unread count.
            models.Index(fields=["user", "read_at", "-created"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        template = NOTIFICATION_TEXTS.get(self.kind)
        if template is None:
            return str(self.params.get("title", ""))
        params = {key: self.params.get(key, "") for key in ("unit", "title", "due")}
        return str(template) % params
