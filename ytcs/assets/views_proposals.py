"""Pages of equipment investment proposals (đề xuất đầu tư trang thiết bị), namespace "assets": the list (mine, those
waiting for me, by status and year), drafting and editing with lines (optionally prefilled from the unit's gap
against the norms, optionally answering an assessment result), the page of a proposal with its steps, and the steps
themselves (submit, approve, return with comments, reject, fund, deliver into the inventory). Reads go through
`selectors_proposals`, writes through `services`."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ytcs.assets import selectors_equipment, selectors_proposals, services
from ytcs.assets.forms_proposals import (
    CommentForm,
    DeliverForm,
    LineFormSet,
    ProposalFilterForm,
    ProposalForm,
    line_initial,
)
from ytcs.assets.models import FundingSource, InvestmentProposal, ProposalStatus
from ytcs.core.forms import add_service_errors, valid_filters
from ytcs.core.pages import paginate, query_without_page, render_page
from ytcs.core.querysets import CHANGE, in_scope, may_anywhere
from ytcs.core.selectors import audit_for_objects

PREFIX = "lines"
BLANK_ROWS = 2


def _today() -> datetime.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------------- list


@login_required
def proposal_list_view(request):
    form = ProposalFilterForm(request.GET or None)
    data = valid_filters(form)
    filters = {key: data.get(key) for key in ("box", "status", "year", "orgunit") if data.get(key)}
    page = paginate(request, selectors_proposals.proposal_list(user=request.user, filters=filters))
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "unit_options": selectors_equipment.unit_options(user=request.user),
        "can_create": may_anywhere(request.user, CHANGE),
        "tab": "proposals",
    }
    return render_page(
        request, "assets/proposals/proposal_list.html", "assets/proposals/partials/proposal_table.html", context
    )


# ---------------------------------------------------------------------------------------------- drafting


def _with_more_rows(data: Any, more: int = 1) -> Any:
    """The posted form data with `more` blank line rows added (the "add a row" button)."""
    data = data.copy()
    key = f"{PREFIX}-TOTAL_FORMS"
    try:
        data[key] = str(int(data.get(key, 0)) + more)
    except ValueError:
        data[key] = str(more)
    return data


def _line_errors(formset: Any, form: Any, error: ValidationError) -> None:
    """A service's errors: `lines.N.field` on the N-th filled row of the formset, the rest on the head form."""
    filled = [
        f for f in formset.forms if f.has_changed() and not (formset.can_delete and formset._should_delete_form(f))
    ]
    rest: dict[str, list[str]] = {}
    for key, messages_ in (error.message_dict if hasattr(error, "error_dict") else {"": error.messages}).items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit() and 0 < int(parts[1]) <= len(filled):
            target = filled[int(parts[1]) - 1]
            for message in messages_:
                target.add_error(parts[2] if parts[2] in target.fields else None, message)
        else:
            rest.setdefault(key or "__all__", []).extend(messages_)
    if rest:
        add_service_errors(form, ValidationError(rest))


def _render_form(request: HttpRequest, form: Any, formset: Any, proposal: InvestmentProposal | None, **extra: Any):
    context = {
        "form": form,
        "formset": formset,
        "proposal": proposal,
        "show_errors": request.method == "POST" and "add_row" not in request.POST,
        "tab": "proposals",
        **extra,
    }
    return render(request, "assets/proposals/proposal_form.html", context)


def _gap_lines(user: Any, code: str) -> tuple[Any, list[dict[str, Any]]]:
    """The unit of `code` (among those the user may propose for) and its shortfall against the norms as lines."""
    unit = selectors_proposals.proposal_units(user=user).filter(code__iexact=code.strip()).first() if code else None
    if unit is None:
        return None, []
    lines = [
        {
            "equipment_type": equipment_type,
            "quantity": short,
            "funding_source": FundingSource.STATE_BUDGET,
            "justification": _("Short of the norm: %(short)d of %(type)s.")
            % {"short": short, "type": equipment_type.name},
            "closes_gap": True,
        }
        for equipment_type, short in selectors_equipment.unit_shortfall(unit=unit)
    ]
    return unit, lines


@login_required
def proposal_create_view(request):
    if not may_anywhere(request.user, CHANGE):
        raise PermissionDenied(_("Your roles do not allow proposing equipment investments."))
    user = request.user
    if request.method == "POST":
        data = _with_more_rows(request.POST) if "add_row" in request.POST else request.POST
        form = ProposalForm(data, user=user)
        formset = LineFormSet(data, prefix=PREFIX)
        if "add_row" not in request.POST and form.is_valid() & formset.is_valid():
            try:
                proposal = services.proposal_draft(
                    user=user,
                    orgunit=form.cleaned_data["orgunit"],
                    year=form.cleaned_data["year"],
                    title=form.cleaned_data["title"],
                    justification=form.cleaned_data["justification"],
                    lines=formset.lines(),
                    assessment=form.cleaned_data.get("assessment"),
                )
            except ValidationError as error:
                _line_errors(formset, form, error)
            else:
                messages.success(request, _("The proposal was saved as a draft; submit it when it is ready."))
                return redirect("assets:proposal_detail", pk=proposal.pk)
        return _render_form(request, form, formset, None)
    unit, lines = _gap_lines(user, request.GET.get("orgunit") or "")
    initial: dict[str, Any] = {"year": _today().year + 1}
    if unit is not None:
        initial["orgunit"] = unit.pk
        if request.GET.get("from_gap") and lines:
            initial["title"] = _("Equipment to meet the norms at %(unit)s") % {"unit": unit.name}
            initial["justification"] = _(
                "The unit holds fewer items in working order than the norms of the current equipment catalogue."
            )
    from_gap = bool(request.GET.get("from_gap")) and unit is not None
    rows = lines if from_gap else []
    form = ProposalForm(user=user, initial=initial)
    formset = LineFormSet(prefix=PREFIX, initial=rows)
    formset.extra = BLANK_ROWS if rows else BLANK_ROWS + 1  # blank rows after the prefilled ones
    return _render_form(
        request,
        form,
        formset,
        None,
        gap_unit=unit,
        from_gap=from_gap,
        gap_empty=from_gap and not lines,
        units=selectors_proposals.proposal_units(user=user),
    )


@login_required
def proposal_edit_view(request, pk: int):
    user = request.user
    proposal = selectors_proposals.proposal_get_for_change(user=user, pk=pk)
    if proposal.status not in selectors_proposals.EDITABLE:
        messages.error(request, _("Only a draft or a returned proposal can be edited."))
        return redirect("assets:proposal_detail", pk=proposal.pk)
    existing = list(selectors_proposals.proposal_lines(proposal=proposal))
    keep = [line.equipment_type for line in existing]
    if request.method == "POST":
        data = _with_more_rows(request.POST) if "add_row" in request.POST else request.POST
        form = ProposalForm(data, user=user, proposal=proposal)
        formset = LineFormSet(data, prefix=PREFIX, keep=keep)
        if "add_row" not in request.POST and form.is_valid() & formset.is_valid():
            try:
                services.proposal_edit(
                    user=user,
                    proposal=proposal,
                    title=form.cleaned_data["title"],
                    justification=form.cleaned_data["justification"],
                    lines=formset.lines(),
                    assessment=form.cleaned_data.get("assessment"),
                )
            except ValidationError as error:
                _line_errors(formset, form, error)
            else:
                messages.success(request, _("Changes to the proposal were saved."))
                return redirect("assets:proposal_detail", pk=proposal.pk)
        return _render_form(request, form, formset, proposal)
    form = ProposalForm(
        user=user,
        proposal=proposal,
        initial={
            "title": proposal.title,
            "justification": proposal.justification,
            "assessment": proposal.assessment_id,
        },
    )
    formset = LineFormSet(prefix=PREFIX, initial=[line_initial(line) for line in existing], keep=keep)
    formset.extra = BLANK_ROWS
    return _render_form(request, form, formset, proposal)


# ---------------------------------------------------------------------------------------------- the proposal


def _detail(
    request: HttpRequest, proposal: InvestmentProposal, *, errors: list[str] | None = None, **forms: Any
) -> HttpResponse:
    """The proposal's page; after a refused step, that step's form (with what was typed) and the reasons on top."""
    user = request.user
    lines = list(selectors_proposals.proposal_lines(proposal=proposal))
    steps = list(selectors_proposals.proposal_steps(proposal=proposal))
    province = selectors_proposals.province_of(proposal=proposal)
    editable = proposal.status in selectors_proposals.EDITABLE
    can_change = in_scope(user, proposal.orgunit.path, CHANGE)
    may_fund = selectors_proposals.may_fund(user=user, proposal=proposal, province=province)
    permissions = {
        "can_edit": can_change and editable,
        "can_submit": can_change and editable,
        "can_review": selectors_proposals.may_review_now(user=user, proposal=proposal),
        "can_fund": may_fund and proposal.status == ProposalStatus.APPROVED,
        "can_deliver": may_fund and proposal.status == ProposalStatus.FUNDED,
    }
    forms.setdefault("submit_form", CommentForm(prefix="submit"))
    forms.setdefault("review_form", CommentForm(prefix="review"))
    forms.setdefault("fund_form", CommentForm(prefix="fund"))
    if permissions["can_deliver"]:
        forms.setdefault("deliver_form", DeliverForm(lines=lines))
    context = {
        "proposal": proposal,
        "lines": lines,
        "steps": steps,
        "province": province,
        "delivered_items": sum(line.delivered_quantity for line in lines),
        "history": audit_for_objects(user=user, objects=[proposal, *lines, *steps])[:50],
        "step_errors": errors or [],
        "tab": "proposals",
        **permissions,
        **forms,
    }
    return render(request, "assets/proposals/proposal_detail.html", context)


@login_required
def proposal_detail_view(request, pk: int):
    return _detail(request, selectors_proposals.proposal_get(user=request.user, pk=pk))


def _step(
    request: HttpRequest,
    proposal: InvestmentProposal,
    *,
    form: Any,
    form_name: str,
    action: Any,
    done: str,
) -> HttpResponse:
    """Run a step's service for a valid form; on a refusal show the page again with the form and its errors."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("assets:proposal_detail", pk=proposal.pk)
    proposal = selectors_proposals.proposal_get(user=request.user, pk=proposal.pk)
    return _detail(request, proposal, errors=list(form.non_field_errors()), **{form_name: form})


@login_required
@require_POST
def proposal_submit_view(request, pk: int):
    proposal = selectors_proposals.proposal_get_for_change(user=request.user, pk=pk)
    return _step(
        request,
        proposal,
        form=CommentForm(request.POST, prefix="submit"),
        form_name="submit_form",
        action=lambda data: services.proposal_submit(user=request.user, proposal=proposal, comment=data["comment"]),
        done=_("The proposal was sent for review."),
    )


def _review(request: HttpRequest, pk: int, service: Any, done: str) -> HttpResponse:
    proposal = selectors_proposals.proposal_get(user=request.user, pk=pk)
    selectors_proposals.ensure_may_review(user=request.user, proposal=proposal)
    return _step(
        request,
        proposal,
        form=CommentForm(request.POST, prefix="review"),
        form_name="review_form",
        action=lambda data: service(user=request.user, proposal=proposal, comment=data["comment"]),
        done=done,
    )


@login_required
@require_POST
def proposal_approve_view(request, pk: int):
    return _review(request, pk, services.proposal_approve, _("The proposal was approved at this level."))


@login_required
@require_POST
def proposal_return_view(request, pk: int):
    return _review(request, pk, services.proposal_return, _("The proposal was returned to its unit with comments."))


@login_required
@require_POST
def proposal_reject_view(request, pk: int):
    return _review(request, pk, services.proposal_reject, _("The proposal was rejected."))


@login_required
@require_POST
def proposal_fund_view(request, pk: int):
    proposal = selectors_proposals.proposal_get(user=request.user, pk=pk)
    return _step(
        request,
        proposal,
        form=CommentForm(request.POST, prefix="fund"),
        form_name="fund_form",
        action=lambda data: services.proposal_fund(user=request.user, proposal=proposal, comment=data["comment"]),
        done=_("The funding of the proposal was recorded."),
    )


@login_required
@require_POST
def proposal_deliver_view(request, pk: int):
    proposal = selectors_proposals.proposal_get(user=request.user, pk=pk)
    if not selectors_proposals.may_fund(user=request.user, proposal=proposal):
        raise PermissionDenied(_("Funding and delivery are recorded by the province."))
    lines = list(selectors_proposals.proposal_lines(proposal=proposal))
    return _step(
        request,
        proposal,
        form=DeliverForm(request.POST, lines=lines),
        form_name="deliver_form",
        action=lambda data: services.proposal_deliver(
            user=request.user,
            proposal=proposal,
            delivered_on=data["delivered_on"],
            serials=data["serials"],
            comment=data["comment"],
        ),
        done=_("The delivery was recorded: the items are now in the unit's inventory."),
    )
