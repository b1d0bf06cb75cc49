"""Writes of assessments: importing a framework, the self-assessment, submission, verification, evidence.

Workflow: draft (the unit answers) → submitted → verified, or returned with comments (then answered again and
resubmitted). Verifying needs the approve right on the unit's parent, so no unit verifies its own assessment.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ytcs.accounts.roles import APPROVE
from ytcs.assessments.frameworks import parse_framework
from ytcs.assessments.models import (
    Answer,
    Assessment,
    AssessmentStatus,
    Criterion,
    Evidence,
    Framework,
    Item,
)
from ytcs.assessments.prefill import prefill_value, registry_fact
from ytcs.assessments.scoring import ItemRule, check_value, rule_from_rows, score
from ytcs.core.audit import audit_context, current_source, record_bulk
from ytcs.core.querysets import in_scope
from ytcs.core.services import ensure_can_change, save_audited
from ytcs.orgunits.models import OrgUnit
from ytcs.workforce.catalogue_services import _ensure_can_manage

EVIDENCE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
"""Evidence accepted: photos and scanned documents. Anything else (scripts, office files with macros) is refused."""


def evidence_max_bytes() -> int:
    return getattr(settings, "YTCS_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)


# ---------------------------------------------------------------------------------------------------- frameworks


@transaction.atomic
def framework_import(*, user: Any, data: Any) -> Framework:
    """Create a framework version from a loaded file (or replace a version no assessment uses yet)."""
    _ensure_can_manage(user)
    document = parse_framework(data)
    existing = Framework.objects.filter(code=document["code"], version=document["version"]).first()
    if existing is not None and existing.assessments.exists():
        raise ValidationError(
            {
                "version": _("Version %(version)s of %(code)s is already used by assessments: import a new version.")
                % {"version": document["version"], "code": document["code"]}
            }
        )
    with audit_context(user=user):
        if existing is not None:
            Item.objects.filter(criterion__framework=existing).delete()
            existing.criteria.all().delete()
        framework = existing or Framework(code=document["code"], version=document["version"])
        for name in (
            "name",
            "source",
            "confirmed",
            "notes",
            "unit_kinds",
            "scoring",
            "pass_total_min",
            "pass_criterion_min_percent",
            "pass_rule_confirmed",
            "pass_rule_source",
        ):
            setattr(framework, name, document[name])
        save_audited(user=user, instance=framework, recheck_scope=False)
        for c in document["criteria"]:
            criterion = Criterion.objects.create(
                framework=framework,
                **{k: c[k] for k in ("code", "name", "order", "max_points", "min_points", "confirmed", "source")},
            )
            items = Item.objects.bulk_create(Item(criterion=criterion, **i) for i in c["items"] if i)
            record_bulk(user=user, instances=items, source=current_source())
    return framework


# ---------------------------------------------------------------------------------------------------- assessments


def _check_framework_applies(framework: Framework, unit: OrgUnit) -> None:
    if not framework.is_active:
        raise ValidationError({"framework": _("This framework is no longer in use.")})
    if framework.unit_kinds and unit.kind not in framework.unit_kinds:
        raise ValidationError(
            {
                "framework": _("This framework does not apply to a unit of this kind (%(kind)s).")
                % {"kind": unit.get_kind_display()}
            }
        )


@transaction.atomic
def assessment_create(
    *, user: Any, orgunit: OrgUnit, framework: Framework, year: int, on: datetime.date | None = None
) -> Assessment:
    """Open a unit's self-assessment for a year; items the registry knows are pre-filled with their source."""
    ensure_can_change(user=user, path=orgunit.path)
    _check_framework_applies(framework, orgunit)
    if Assessment.objects.filter(orgunit=orgunit, framework=framework, year=year).exists():
        raise ValidationError({"year": _("This unit already has an assessment for this framework and year.")})
    assessment = Assessment(orgunit=orgunit, framework=framework, year=year)
    save_audited(user=user, instance=assessment)
    on = on or timezone.localdate()
    answers = []
    for item in Item.objects.filter(criterion__framework=framework).exclude(prefill=""):
        fact = registry_fact(item.prefill, orgunit, on)
        if fact is None:
            continue
        value, source = fact
        value = prefill_value(item.type, value)
        answers.append(
            Answer(assessment=assessment, item=item, value=value, prefilled_value=value, prefill_source=source[:300])
        )
    with audit_context(user=user):
        for answer in answers:
            answer.save()
    return assessment


def _lock_for_answers(user: Any, assessment: Assessment) -> Assessment:
    assessment = Assessment.objects.select_for_update().select_related("orgunit").get(pk=assessment.pk)
    ensure_can_change(user=user, path=assessment.orgunit.path)
    if assessment.status not in (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED):
        raise ValidationError(_("The assessment was submitted: it can no longer be changed."))
    return assessment


@transaction.atomic
def answer_save(
    *, user: Any, assessment: Assessment, item: Item, value: Any, override_reason: str = "", note: str = ""
) -> Answer:
    """Answer one item of a draft (or returned) assessment; a pre-filled value is changed only with a reason."""
    assessment = _lock_for_answers(user, assessment)
    if item.criterion.framework_id != assessment.framework_id:
        raise ValidationError({"item": _("This item belongs to another framework.")})
    rule = ItemRule(
        code=item.code,
        type=item.type,
        max_points=item.max_points,
        choices=tuple(item.choices or ()),
        thresholds=tuple(item.thresholds or ()),
    )
    try:
        value = check_value(rule, value)
    except ValueError as error:
        raise ValidationError({"value": [f"{item.code}: {error}"]}) from error
    answer = Answer.objects.filter(assessment=assessment, item=item).first() or Answer(assessment=assessment, item=item)
    answer.value = value
    answer.override_reason = override_reason.strip()
    answer.note = note.strip()
    save_audited(user=user, instance=answer, recheck_scope=False)
    return answer


def assessment_scorecard(assessment: Assessment):
    """The live scorecard of an assessment (scoring.Scorecard)."""
    criteria = assessment.framework.criteria.prefetch_related("items").order_by("order")
    rule = rule_from_rows(assessment.framework, list(criteria))
    answers = dict(assessment.answers.values_list("item__code", "value"))
    return score(rule, answers)


def _keep_score(assessment: Assessment) -> None:
    card = assessment_scorecard(assessment)
    assessment.total, assessment.passed, assessment.failed_criteria = card.total, card.passed, card.failed_criteria


@transaction.atomic
def assessment_submit(*, user: Any, assessment: Assessment) -> Assessment:
    """Submit a complete self-assessment for verification."""
    assessment = _lock_for_answers(user, assessment)
    answered = set(assessment.answers.exclude(value__isnull=True).values_list("item_id", flat=True))
    items = Item.objects.filter(criterion__framework=assessment.framework_id)
    missing = [i.code for i in items if i.pk not in answered]
    errors: dict[str, list[str]] = {}
    if missing:
        errors["answers"] = [_("Answer every item first; missing: %(codes)s.") % {"codes": ", ".join(missing[:20])}]
    with_evidence = set(assessment.evidence.exclude(item=None).values_list("item_id", flat=True))
    lacking = [i.code for i in items if i.evidence_required and i.pk not in with_evidence]
    if lacking:
        errors["evidence"] = [_("Attach evidence for: %(codes)s.") % {"codes": ", ".join(lacking[:20])}]
    if errors:
        raise ValidationError(errors)
    assessment.status, assessment.submitted_at, assessment.submitted_by = (
        AssessmentStatus.SUBMITTED,
        timezone.now(),
        user,
    )
    _keep_score(assessment)
    save_audited(user=user, instance=assessment)
    return assessment


def may_verify(user: Any, assessment: Assessment) -> bool:
    """The approve right on the unit's parent: the level above verifies, never the unit itself."""
    parent = assessment.orgunit.parent
    return parent is not None and in_scope(user, parent.path, APPROVE)


@transaction.atomic
def assessment_verify(*, user: Any, assessment: Assessment, comment: str = "") -> Assessment:
    """Verify (thẩm định) a submitted assessment: its score is kept as the year's result."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",)).select_related("orgunit__parent").get(pk=assessment.pk)
    )
    if not may_verify(user, assessment):
        raise PermissionDenied(_("Only the level above the unit verifies its assessment."))
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted assessment can be verified or returned."))
    assessment.status, assessment.verified_at, assessment.verified_by = (
        AssessmentStatus.VERIFIED,
        timezone.now(),
        user,
    )
    assessment.comment = comment.strip()
    _keep_score(assessment)
    save_audited(user=user, instance=assessment, recheck_scope=False)
    return assessment


@transaction.atomic
def assessment_return(*, user: Any, assessment: Assessment, comment: str) -> Assessment:
    """Send a submitted assessment back to the unit with the verifier's comments."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",)).select_related("orgunit__parent").get(pk=assessment.pk)
    )
    if not may_verify(user, assessment):
        raise PermissionDenied(_("Only the level above the unit verifies its assessment."))
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted assessment can be verified or returned."))
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the unit must correct.")})
    assessment.status, assessment.comment = AssessmentStatus.RETURNED, comment.strip()
    save_audited(user=user, instance=assessment, recheck_scope=False)
    return assessment


@transaction.atomic
def evidence_add(*, user: Any, assessment: Assessment, uploaded: Any, item: Item | None = None) -> Evidence:
    """Attach a photo or a scanned document (JPEG, PNG, PDF; size limited) to a draft or returned assessment."""
    assessment = _lock_for_answers(user, assessment)
    if item is not None and item.criterion.framework_id != assessment.framework_id:
        raise ValidationError({"item": _("This item belongs to another framework.")})
    content_type = getattr(uploaded, "content_type", "") or ""
    if content_type not in EVIDENCE_TYPES:
        raise ValidationError({"file": _("Attach a photo (JPEG, PNG) or a PDF.")})
    if uploaded.size > evidence_max_bytes():
        raise ValidationError(
            {"file": _("The file is larger than %(mb)d MB.") % {"mb": evidence_max_bytes() // (1024 * 1024)}}
        )
    head = uploaded.read(8)
    uploaded.seek(0)
    signatures = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG", "application/pdf": b"%PDF"}
    if not head.startswith(signatures[content_type]):
        raise ValidationError({"file": _("The file's content is not what its type says.")})
    # The stored name is ours: the uploader's name is kept for display only, never used as a path.
    original_name = str(uploaded.name or "")[:255]
    uploaded.name = f"{assessment.pk}{EVIDENCE_TYPES[content_type]}"
    evidence = Evidence(
        assessment=assessment,
        item=item,
        file=uploaded,
        original_name=original_name,
        content_type=content_type,
        size=uploaded.size,
        uploaded_by=user,
    )
    save_audited(user=user, instance=evidence, recheck_scope=False)
    return evidence


@transaction.atomic
def evidence_delete(*, user: Any, evidence: Evidence) -> None:
    """Remove a file attached by mistake, while the assessment can still be changed."""
    _lock_for_answers(user, evidence.assessment)
    with audit_context(user=user):
        evidence.file.delete(save=False)
        evidence.delete()
