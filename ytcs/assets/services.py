"""Writes of equipment and investment proposals (stock writes are in stock.py).

Rights: a unit's inventory is changed by whoever may change the unit (a station head: their own station); a move
needs change rights on both units. A proposal is drafted and submitted by its unit; it is reviewed by the approve
right on the unit above (a regional centre for its stations), then by the province (the approve right on the
top of the chain), which also records funding and delivery. Each step is a `ProposalStep` and audited; a delivery
creates the inventory items of each line once (a line delivered in full cannot be delivered again).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ytcs.accounts.roles import APPROVE
from ytcs.assets.models import (
    Condition,
    EquipmentItem,
    EquipmentMove,
    EquipmentType,
    InvestmentProposal,
    ProposalLine,
    ProposalStatus,
    ProposalStep,
)
from ytcs.core.audit import audit_context
from ytcs.core.querysets import in_scope
from ytcs.core.services import ensure_can_change, save_audited
from ytcs.core.text import fold
from ytcs.orgunits.models import OrgUnit, OrgUnitKind

ITEM_FIELDS = (
    "equipment_type",
    "serial_number",
    "model_name",
    "year_in_use",
    "funding_source",
    "condition",
    "last_maintained_on",
    "next_maintenance_on",
    "last_calibrated_on",
    "next_calibration_on",
    "warranty_until",
    "note",
)


def item_search_text(item: EquipmentItem) -> str:
    return fold(
        " ".join(
            filter(None, [item.equipment_type.name, item.equipment_type.code, item.serial_number, item.model_name])
        )
    )


@transaction.atomic
def item_create(*, user: Any, orgunit: OrgUnit, equipment_type: EquipmentType, **fields: Any) -> EquipmentItem:
    """Record an item of equipment at a unit."""
    ensure_can_change(user=user, path=orgunit.path)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    item = EquipmentItem(orgunit=orgunit, equipment_type=equipment_type, **fields)
    item.search_text = item_search_text(item)
    save_audited(user=user, instance=item)
    return item


@transaction.atomic
def item_update(*, user: Any, item: EquipmentItem, **changes: Any) -> EquipmentItem:
    """Correct an item or record its state (condition, maintenance, calibration)."""
    ensure_can_change(user=user, path=item.orgunit.path)
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(item, name, value)
    item.search_text = item_search_text(item)
    save_audited(user=user, instance=item)
    return item


@transaction.atomic
def item_move(
    *, user: Any, item: EquipmentItem, to_unit: OrgUnit, moved_on: datetime.date, reason: str
) -> EquipmentMove:
    """Move an item to another unit (điều chuyển): rights on both units; the move is kept as its history."""
    ensure_can_change(user=user, path=item.orgunit.path)
    ensure_can_change(user=user, path=to_unit.path)
    if to_unit.pk == item.orgunit_id:
        raise ValidationError({"to_unit": [_("The item is already at this unit.")]})
    if to_unit.closed_on is not None:
        raise ValidationError({"to_unit": [_("%(unit)s is closed.") % {"unit": to_unit.name}]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the item is moved.")]})
    if item.condition == Condition.RETIRED:
        raise ValidationError({"item": [_("A retired item cannot be moved.")]})
    move = EquipmentMove(
        item=item, orgunit=item.orgunit, to_unit=to_unit, moved_on=moved_on, reason=reason.strip(), moved_by=user
    )
    save_audited(user=user, instance=move, recheck_scope=False)
    item.orgunit = to_unit
    save_audited(user=user, instance=item)
    return move


# ---------------------------------------------------------------------------------------------- proposals


def _step(*, user: Any, proposal: InvestmentProposal, unit: OrgUnit, action: str, comment: str = "") -> ProposalStep:
    step = ProposalStep(proposal=proposal, orgunit=unit, action=action, comment=comment.strip(), by=user)
    save_audited(user=user, instance=step, recheck_scope=False)
    return step


def _province_of(unit: OrgUnit) -> OrgUnit:
    """The top of the review chain: the province department above the unit (or the unit itself)."""
    ids = unit.ancestor_ids + [unit.pk]
    chain = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
    for pk in ids:
        if chain[pk].kind == OrgUnitKind.PROVINCE:
            return chain[pk]
    return chain[ids[0]]


@transaction.atomic
def proposal_create(
    *,
    user: Any,
    orgunit: OrgUnit,
    year: int,
    title: str,
    justification: str,
    lines: list[dict[str, Any]],
    assessment: Any = None,
) -> InvestmentProposal:
    """Draft a proposal with its lines (equipment_type, quantity, unit_cost, funding_source, justification,
    closes_gap); all or nothing, each bad line named by its number."""
    ensure_can_change(user=user, path=orgunit.path)
    proposal = InvestmentProposal(
        orgunit=orgunit,
        year=year,
        title=(title or "").strip(),
        justification=(justification or "").strip(),
        assessment=assessment,
        created_by=user,
    )
    save_audited(user=user, instance=proposal)
    _replace_lines(user=user, proposal=proposal, lines=lines)
    return proposal


def _replace_lines(*, user: Any, proposal: InvestmentProposal, lines: list[dict[str, Any]]) -> None:
    if not lines:
        raise ValidationError({"lines": [_("Add at least one item.")]})
    errors: dict[str, list[str]] = {}
    built = []
    for number, data in enumerate(lines, start=1):
        line = ProposalLine(proposal=proposal, **data)
        try:
            line.full_clean(exclude=["proposal"])
            if line.unit_cost is not None and line.unit_cost < Decimal(0):
                raise ValidationError({"unit_cost": [_("The cost cannot be negative.")]})
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(f"lines.{number}.{field}", []).extend(messages)
        built.append(line)
    if errors:
        raise ValidationError(errors)
    with audit_context(user=user):
        proposal.lines.all().delete()
        for line in built:
            line.save()


@transaction.atomic
def proposal_update(
    *, user: Any, proposal: InvestmentProposal, title: str, justification: str, lines: list[dict[str, Any]]
) -> InvestmentProposal:
    """Edit a draft or a returned proposal."""
    ensure_can_change(user=user, path=proposal.orgunit.path)
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.RETURNED):
        raise ValidationError(_("Only a draft or a returned proposal can be edited."))
    proposal.title, proposal.justification = (title or "").strip(), (justification or "").strip()
    save_audited(user=user, instance=proposal)
    _replace_lines(user=user, proposal=proposal, lines=lines)
    return proposal


@transaction.atomic
def proposal_submit(*, user: Any, proposal: InvestmentProposal, comment: str = "") -> InvestmentProposal:
    """Send a draft (or a returned proposal) to the unit above for review."""
    ensure_can_change(user=user, path=proposal.orgunit.path)
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.RETURNED):
        raise ValidationError(_("Only a draft or a returned proposal can be submitted."))
    if not proposal.lines.exists():
        raise ValidationError(_("Add at least one item before submitting."))
    reviewer = proposal.orgunit.parent if proposal.orgunit.parent_id else proposal.orgunit
    proposal.status, proposal.reviewer_unit = ProposalStatus.SUBMITTED, reviewer
    save_audited(user=user, instance=proposal, recheck_scope=False)
    _step(user=user, proposal=proposal, unit=proposal.orgunit, action=ProposalStep.Action.SUBMIT, comment=comment)
    return proposal


def _ensure_reviewer(user: Any, proposal: InvestmentProposal) -> OrgUnit:
    if proposal.status != ProposalStatus.SUBMITTED or proposal.reviewer_unit is None:
        raise ValidationError(_("This proposal is not under review."))
    unit = proposal.reviewer_unit
    if not in_scope(user, unit.path, APPROVE) or (unit.pk == proposal.orgunit_id and unit.parent_id):
        raise PermissionDenied(_("Only the reviewers of %(unit)s act on this proposal now.") % {"unit": unit.name})
    return unit


@transaction.atomic
def proposal_approve(*, user: Any, proposal: InvestmentProposal, comment: str = "") -> InvestmentProposal:
    """Approve at the current level: a regional centre forwards to the province; the province approves."""
    unit = _ensure_reviewer(user, proposal)
    province = _province_of(proposal.orgunit)
    if unit.pk == province.pk:
        proposal.status, proposal.reviewer_unit = ProposalStatus.APPROVED, None
    else:
        proposal.reviewer_unit = province
    save_audited(user=user, instance=proposal, recheck_scope=False)
    _step(user=user, proposal=proposal, unit=unit, action=ProposalStep.Action.APPROVE, comment=comment)
    return proposal


@transaction.atomic
def proposal_return(*, user: Any, proposal: InvestmentProposal, comment: str) -> InvestmentProposal:
    """Send back to the proposing unit with comments (they edit and submit again)."""
    unit = _ensure_reviewer(user, proposal)
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say what must change.")]})
    proposal.status, proposal.reviewer_unit = ProposalStatus.RETURNED, None
    save_audited(user=user, instance=proposal, recheck_scope=False)
    _step(user=user, proposal=proposal, unit=unit, action=ProposalStep.Action.RETURN, comment=comment)
    return proposal


@transaction.atomic
def proposal_reject(*, user: Any, proposal: InvestmentProposal, comment: str) -> InvestmentProposal:
    unit = _ensure_reviewer(user, proposal)
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say why the proposal is rejected.")]})
    proposal.status, proposal.reviewer_unit = ProposalStatus.REJECTED, None
    save_audited(user=user, instance=proposal, recheck_scope=False)
    _step(user=user, proposal=proposal, unit=unit, action=ProposalStep.Action.REJECT, comment=comment)
    return proposal


def _ensure_province(user: Any, proposal: InvestmentProposal) -> OrgUnit:
    province = _province_of(proposal.orgunit)
    if not in_scope(user, province.path, APPROVE):
        raise PermissionDenied(_("Funding and delivery are recorded by the province."))
    return province


@transaction.atomic
def proposal_fund(*, user: Any, proposal: InvestmentProposal, comment: str = "") -> InvestmentProposal:
    """Record that an approved proposal is funded (the decision or source in the comment)."""
    province = _ensure_province(user, proposal)
    if proposal.status != ProposalStatus.APPROVED:
        raise ValidationError(_("Only an approved proposal can be funded."))
    proposal.status = ProposalStatus.FUNDED
    save_audited(user=user, instance=proposal, recheck_scope=False)
    _step(user=user, proposal=proposal, unit=province, action=ProposalStep.Action.FUND, comment=comment)
    return proposal


@transaction.atomic
def proposal_deliver(
    *,
    user: Any,
    proposal: InvestmentProposal,
    delivered_on: datetime.date,
    serials: dict[int, list[str]] | None = None,
    comment: str = "",
) -> list[EquipmentItem]:
    """Record the delivery of a funded proposal: each line's items enter the proposing unit's inventory, once
    (a second delivery is refused). `serials` maps a line id to the serial numbers of its items."""
    province = _ensure_province(user, proposal)
    locked = InvestmentProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != ProposalStatus.FUNDED:
        raise ValidationError(_("Only a funded proposal can be delivered, once."))
    serials = serials or {}
    items = []
    with audit_context(user=user):
        for line in locked.lines.select_related("equipment_type"):
            numbers = list(serials.get(line.pk, []))
            for n in range(line.quantity - line.delivered_quantity):
                item = EquipmentItem(
                    orgunit=locked.orgunit,
                    equipment_type=line.equipment_type,
                    serial_number=numbers[n] if n < len(numbers) else "",
                    year_in_use=delivered_on.year,
                    funding_source=line.funding_source,
                    condition=Condition.WORKING,
                    delivered_by=line,
                )
                item.search_text = item_search_text(item)
                item.full_clean()
                item.save()
                items.append(item)
            line.delivered_quantity = line.quantity
            line.save(update_fields=["delivered_quantity"])
        locked.status = ProposalStatus.DELIVERED
        locked.save(update_fields=["status"])
    _step(user=user, proposal=locked, unit=province, action=ProposalStep.Action.DELIVER, comment=comment)
    proposal.status = locked.status
    return items


# ---------------------------------------------------------------------------------------------- catalogue and links
# Added for the equipment and proposal pages: the current catalogue version, the norms table, and a proposal's link
# to an assessment result of its own unit.


def _ensure_catalogue_manager(user: Any) -> None:
    from ytcs.workforce.catalogue_services import can_manage_catalogues

    if not can_manage_catalogues(user):
        raise PermissionDenied(_("Only province administrators change the catalogues."))


@transaction.atomic
def catalogue_make_current(*, user: Any, catalogue: Any) -> Any:
    """Make a version of the equipment catalogue the current one (its norms drive the gaps from now on)."""
    from ytcs.assets.models import EquipmentCatalogue

    _ensure_catalogue_manager(user)
    for previous in EquipmentCatalogue.objects.select_for_update().filter(is_current=True).exclude(pk=catalogue.pk):
        previous.is_current = False
        save_audited(user=user, instance=previous, recheck_scope=False)
    if not catalogue.is_current:
        catalogue.is_current = True
        save_audited(user=user, instance=catalogue, recheck_scope=False)
    return catalogue


NORM_FIELDS = ("unit_kind", "equipment_type", "quantity", "source", "confirmed")


@transaction.atomic
def norm_save(*, user: Any, catalogue: Any, norm: Any = None, **fields: Any) -> Any:
    """Add a norm to a catalogue version or change one (quantity, the regulation it comes from, whether that source
    has been checked): catalogue managers only."""
    from ytcs.assets.models import EquipmentNorm

    _ensure_catalogue_manager(user)
    unknown = set(fields) - set(NORM_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    norm = norm or EquipmentNorm(catalogue=catalogue)
    if norm.catalogue_id != catalogue.pk:
        raise ValidationError(_("This norm belongs to another version of the catalogue."))
    for name, value in fields.items():
        setattr(norm, name, value.strip() if isinstance(value, str) else value)
    if norm.equipment_type_id and norm.equipment_type.catalogue_id != catalogue.pk:
        raise ValidationError({"equipment_type": [_("Choose a type of this version of the catalogue.")]})
    if norm.unit_kind not in OrgUnitKind.values:
        raise ValidationError({"unit_kind": [_("Choose a kind of unit.")]})
    duplicate = EquipmentNorm.objects.filter(
        catalogue=catalogue, unit_kind=norm.unit_kind, equipment_type=norm.equipment_type_id
    ).exclude(pk=norm.pk)
    if duplicate.exists():
        raise ValidationError({"equipment_type": [_("This kind of unit already has a norm for this type.")]})
    save_audited(user=user, instance=norm, recheck_scope=False)
    return norm


@transaction.atomic
def norm_delete(*, user: Any, norm: Any) -> None:
    """Remove a norm from a catalogue version (audited)."""
    _ensure_catalogue_manager(user)
    with audit_context(user=user):
        norm.delete()


def _ensure_assessment_of(unit: OrgUnit, assessment: Any) -> None:
    if assessment is not None and assessment.orgunit_id != unit.pk:
        raise ValidationError({"assessment": [_("Choose an assessment of the proposing unit.")]})


@transaction.atomic
def proposal_draft(
    *,
    user: Any,
    orgunit: OrgUnit,
    year: int,
    title: str,
    justification: str,
    lines: list[dict[str, Any]],
    assessment: Any = None,
) -> InvestmentProposal:
    """Draft a proposal (as `proposal_create`), refusing an assessment result of another unit."""
    ensure_can_change(user=user, path=orgunit.path)
    _ensure_assessment_of(orgunit, assessment)
    return proposal_create(
        user=user,
        orgunit=orgunit,
        year=year,
        title=title,
        justification=justification,
        lines=lines,
        assessment=assessment,
    )


@transaction.atomic
def proposal_edit(
    *,
    user: Any,
    proposal: InvestmentProposal,
    title: str,
    justification: str,
    lines: list[dict[str, Any]],
    assessment: Any = None,
) -> InvestmentProposal:
    """Edit a draft or returned proposal (as `proposal_update`) and the assessment result it refers to."""
    proposal_update(user=user, proposal=proposal, title=title, justification=justification, lines=lines)
    _ensure_assessment_of(proposal.orgunit, assessment)
    if (assessment.pk if assessment else None) != proposal.assessment_id:
        proposal.assessment = assessment
        save_audited(user=user, instance=proposal)
    return proposal
