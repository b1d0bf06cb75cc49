"""Pages of the assessment workflow (đánh giá theo bộ tiêu chí): the list, opening a unit's assessment for a year,
the self-assessment form with its evidence and live score, submission, and verification or return by the level
above.

Reads go through the assessment selectors (restricted to the viewer), writes through the assessment services.
Evidence files are served only here, after the viewer's scope is checked, as attachments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ytcs.assessments import selectors, services
from ytcs.assessments.forms import (
    AnswerForm,
    AssessmentCreateForm,
    AssessmentFilterForm,
    CommentForm,
    EvidenceForm,
    shown_value,
)
from ytcs.assessments.models import Answer, Assessment, AssessmentStatus, Evidence, Item
from ytcs.core.forms import add_service_errors, call_service
from ytcs.core.pages import paginate, query_without_page, render_page, stored_file_response
from ytcs.core.querysets import CHANGE, in_scope, may_anywhere
from ytcs.core.selectors import audit_for_objects
from ytcs.orgunits.models import OrgUnitKind
from ytcs.orgunits.selectors import orgunit_list

ANSWERS_FORM_ID = "answers-form"
UNIT_OPTIONS_MAX = 500
EDITABLE = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)
GENERAL = "general"
"""The key of the evidence attached to the assessment as a whole (no item)."""


def _require_some_change_scope(request: HttpRequest) -> None:
    if not may_anywhere(request.user, CHANGE):
        raise PermissionDenied(_("Your roles do not allow opening an assessment."))


def _detail_url(pk: int, anchor: str = "") -> str:
    url = reverse("assessments:assessment_detail", args=[pk])
    return f"{url}#{anchor}" if anchor else url


def _editable(user: Any, assessment: Assessment) -> bool:
    return assessment.status in EDITABLE and in_scope(user, assessment.orgunit.path, CHANGE)


# ---------------------------------------------------------------------------------------------------- the list


@login_required
@require_GET
def assessment_list_view(request):
    form = AssessmentFilterForm(request.GET or None)
    filters = form.selector_filters()
    page = paginate(request, selectors.assessment_list(user=request.user, filters=filters))
    units = orgunit_list(user=request.user).exclude(kind=OrgUnitKind.SATELLITE).order_by("path")
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "can_create": may_anywhere(request.user, CHANGE),
        "unit_options": units.values_list("code", "name")[:UNIT_OPTIONS_MAX],
        "unit_filter": filters.get("orgunit", ""),
    }
    return render_page(
        request,
        "assessments/assessments/assessment_list.html",
        "assessments/assessments/partials/assessment_table.html",
        context,
    )


# ---------------------------------------------------------------------------------------------------- a new one


@login_required
def assessment_create_view(request):
    _require_some_change_scope(request)
    if request.method == "POST":
        form = AssessmentCreateForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            created = call_service(
                form,
                lambda: services.assessment_create(
                    user=request.user, orgunit=data["orgunit"], framework=data["framework"], year=data["year"]
                ),
            )
            if created is not None:
                messages.success(
                    request,
                    _("The assessment of %(unit)s for %(year)d was opened; the items the registry knows are filled in.")
                    % {"unit": created.orgunit.name, "year": created.year},
                )
                return redirect("assessments:assessment_detail", pk=created.pk)
    else:
        # The values already chosen (changing the unit reloads the form with the frameworks that apply to it).
        initial = {name: value for name, value in request.GET.items() if name in AssessmentCreateForm.base_fields}
        form = AssessmentCreateForm(initial=initial, user=request.user)
    return render(request, "assessments/assessments/assessment_form.html", {"form": form})


# ---------------------------------------------------------------------------------------------------- the page


def _criteria(assessment: Assessment) -> list:
    """The framework's criteria in order, each with its items (one query each)."""
    return list(assessment.framework.criteria.prefetch_related("items").order_by("order"))


def _answers(assessment: Assessment) -> dict[int, Answer]:
    return {a.item_id: a for a in selectors.assessment_answers(assessment=assessment)}


def _answer_forms(assessment: Assessment, items: list[Item], answers: Mapping[int, Answer], data: Any = None):
    return {
        item.pk: AnswerForm(data, item=item, answer=answers.get(item.pk), form_id=ANSWERS_FORM_ID) for item in items
    }


def _evidence_block(
    assessment: Assessment, item: Item | None, files: list[Evidence], *, editable: bool, errors: list[str] = ()
) -> dict[str, Any]:
    return {
        "key": item.pk if item is not None else GENERAL,
        "item": item,
        "files": files,
        "editable": editable,
        "errors": list(errors),
        "missing": bool(item is not None and item.evidence_required and not files),
    }


def _detail_context(
    request: HttpRequest,
    assessment: Assessment,
    *,
    answer_forms: dict[int, AnswerForm] | None = None,
    answer_errors: list[str] | None = None,
    bad_items: set[int] | None = None,
    workflow_errors: list[str] | None = None,
    evidence_errors: Mapping[Any, list[str]] | None = None,
    comment_form: CommentForm | None = None,
) -> dict[str, Any]:
    user = request.user
    framework = assessment.framework
    criteria = _criteria(assessment)
    items = [item for criterion in criteria for item in criterion.items.all()]
    answers = _answers(assessment)
    evidence = list(selectors.assessment_evidence(assessment=assessment))
    files: dict[Any, list[Evidence]] = defaultdict(list)
    for e in evidence:
        files[e.item_id if e.item_id is not None else GENERAL].append(e)
    can_change = in_scope(user, assessment.orgunit.path, CHANGE)
    editable = can_change and assessment.status in EDITABLE
    if not editable:
        answer_forms = None  # read-only once submitted or verified, and for those who may not change the unit
    elif answer_forms is None:
        answer_forms = _answer_forms(assessment, items, answers)
    evidence_errors = evidence_errors or {}
    card = services.assessment_scorecard(assessment)
    scores = {row.code: row for row in card.criteria}
    groups = []
    for criterion in criteria:
        rows = []
        for item in criterion.items.all():
            answer = answers.get(item.pk)
            form = (answer_forms or {}).get(item.pk)
            rows.append(
                {
                    "item": item,
                    "answer": answer,
                    "form": form,
                    "reason": form["override_reason"] if form is not None and form.prefilled else None,
                    "error": item.pk in (bad_items or set()),
                    "shown": shown_value(item, answer.value if answer else None),
                    "registry": shown_value(item, answer.prefilled_value) if answer and answer.prefill_source else "",
                    "overridden": bool(
                        answer
                        and answer.prefill_source
                        and answer.value is not None
                        and answer.value != answer.prefilled_value
                    ),
                    "evidence": _evidence_block(
                        assessment,
                        item,
                        files.get(item.pk, []),
                        editable=editable,
                        errors=evidence_errors.get(item.pk, []),
                    ),
                }
            )
        groups.append({"criterion": criterion, "score": scores.get(criterion.code), "rows": rows})
    may_verify = assessment.status == AssessmentStatus.SUBMITTED and services.may_verify(user, assessment)
    unanswered = sum(1 for item in items if answers.get(item.pk) is None or answers[item.pk].value is None)
    return {
        "assessment": assessment,
        "framework": framework,
        "unconfirmed": not framework.confirmed or not framework.pass_rule_confirmed,
        "groups": groups,
        "card": card,
        "unanswered": unanswered,
        "general_evidence": _evidence_block(
            assessment, None, files.get(GENERAL, []), editable=editable, errors=evidence_errors.get(GENERAL, [])
        ),
        "can_change": can_change,
        "editable": editable,
        "answers_form_id": ANSWERS_FORM_ID,
        "answer_errors": answer_errors or [],
        "workflow_errors": workflow_errors or [],
        "may_verify": may_verify,
        "comment_form": comment_form or CommentForm(initial={"comment": ""}),
        "history": audit_for_objects(user=user, objects=[assessment, *answers.values(), *evidence])[:50],
    }


def _detail_page(request: HttpRequest, assessment: Assessment, **kwargs) -> HttpResponse:
    return render(
        request, "assessments/assessments/assessment_detail.html", _detail_context(request, assessment, **kwargs)
    )


@login_required
@require_GET
def assessment_detail_view(request, pk: int):
    return _detail_page(request, selectors.assessment_get(user=request.user, pk=pk))


# ---------------------------------------------------------------------------------------------------- answers


class _Rollback(Exception):
    """Raised inside the answers transaction to undo every answer when one fails."""


def _strip_code(code: str, text: str) -> str:
    prefix = f"{code}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def _messages(form: AnswerForm, errors: Mapping[str | None, list[str]]) -> list[str]:
    """Messages naming the item by its code and the field, e.g. "TC2.1 – Lý do ...: ..."."""
    code = form.item.code
    found = []
    for field, texts in errors.items():
        label = form.fields[field].label if field in form.fields and field != "value" else ""
        for text in texts:
            text = _strip_code(code, str(text))
            found.append(f"{code} – {label}: {text}" if label else f"{code}: {text}")
    return found


def _service_errors(form: AnswerForm, exc: ValidationError) -> dict[str | None, list[str]]:
    """A service's errors for one row, also put on the row's form (at their field) so the page shows them there."""
    errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {None: list(exc.messages)}
    for field, texts in errors.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, _strip_code(form.item.code, str(text)))
    return errors


def _check_and_save(user: Any, assessment: Assessment, forms: list[AnswerForm]) -> dict[int, list[str]]:
    """Check every posted row and save the changed ones through the service, in one transaction that is undone
    when any row is wrong; every wrong row is reported (item pk → messages), not only the first."""
    found: dict[int, list[str]] = {}
    try:
        with transaction.atomic():
            for form in forms:
                if not form.is_valid():
                    found[form.item.pk] = _messages(form, form.errors)
                elif form.has_changed():
                    try:
                        services.answer_save(
                            user=user, assessment=assessment, item=form.item, **form.service_arguments()
                        )
                    except ValidationError as exc:
                        found[form.item.pk] = _messages(form, _service_errors(form, exc))
            if found:
                raise _Rollback
    except _Rollback:
        pass
    return found


@login_required
@require_POST
def answer_save_view(request, pk: int):
    """Save all the answers of the page at once: if one is wrong, none is saved and each wrong one is named."""
    assessment = selectors.assessment_get_for_change(user=request.user, pk=pk)
    items = [item for criterion in _criteria(assessment) for item in criterion.items.all()]
    forms = _answer_forms(assessment, items, _answers(assessment), request.POST)
    # Only the rows the page showed are posted (a text field is always sent); the others are left as they are.
    submitted = [f for f in forms.values() if f.add_prefix("note") in request.POST]
    if assessment.status not in EDITABLE:
        errors, bad = [_("The assessment was submitted: it can no longer be changed.")], set()
    else:
        found = _check_and_save(request.user, assessment, submitted)
        errors = [message for item in items for message in found.get(item.pk, [])]
        bad = set(found)
    if not errors:
        messages.success(request, _("The answers were saved."))
        return redirect(_detail_url(assessment.pk, "scorecard"))
    return _detail_page(request, assessment, answer_forms=forms, answer_errors=errors, bad_items=bad)


# ---------------------------------------------------------------------------------------------------- evidence


def _evidence_fragment(request: HttpRequest, assessment: Assessment, item: Item | None, errors=()) -> HttpResponse:
    """The evidence block of one item (or of the assessment as a whole), for htmx."""
    files = selectors.assessment_evidence(assessment=assessment)
    files = files.filter(item=None) if item is None else files.filter(item=item)
    block = _evidence_block(
        assessment, item, list(files), editable=_editable(request.user, assessment), errors=list(errors)
    )
    return render(request, "assessments/assessments/partials/evidence.html", {"assessment": assessment, "block": block})


def _items_by_pk(assessment: Assessment) -> dict[int, Item]:
    return {item.pk: item for criterion in _criteria(assessment) for item in criterion.items.all()}


@login_required
@require_POST
def evidence_upload_view(request, pk: int):
    assessment = selectors.assessment_get_for_change(user=request.user, pk=pk)
    form = EvidenceForm(request.POST, request.FILES, items=_items_by_pk(assessment))
    item = None
    if form.is_valid():
        item = form.cleaned_data["item"]
        try:
            services.evidence_add(
                user=request.user, assessment=assessment, uploaded=form.cleaned_data["file"], item=item
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    else:
        raw = str(form.data.get("item", ""))
        item = form.items.get(int(raw)) if raw.isdigit() else None
    errors = [str(text) for texts in form.errors.values() for text in texts]
    if request.htmx:
        return _evidence_fragment(request, assessment, item, errors)
    anchor = f"item-{item.pk}" if item is not None else "evidence"
    if not errors:
        messages.success(request, _("The file was attached."))
        return redirect(_detail_url(assessment.pk, anchor))
    return _detail_page(request, assessment, evidence_errors={item.pk if item else GENERAL: errors})


@login_required
@require_GET
def evidence_download_view(request, pk: int):
    """An evidence file, only to those who may see its assessment, always as a download (never shown inline)."""
    evidence = selectors.evidence_get(user=request.user, pk=pk)
    return stored_file_response(
        evidence.file,
        filename=evidence.original_name or evidence.file.name.rsplit("/", 1)[-1],
        content_type=evidence.content_type,
        as_attachment=True,
    )


@login_required
@require_POST
def evidence_delete_view(request, pk: int):
    evidence = selectors.evidence_get(user=request.user, pk=pk)
    assessment = selectors.assessment_get_for_change(user=request.user, pk=evidence.assessment_id)
    item = evidence.item
    errors: list[str] = []
    try:
        services.evidence_delete(user=request.user, evidence=evidence)
    except ValidationError as exc:
        errors = list(exc.messages)
    if request.htmx:
        return _evidence_fragment(request, assessment, item, errors)
    if errors:
        for text in errors:
            messages.error(request, text)
    else:
        messages.success(request, _("The file %(name)s was removed.") % {"name": evidence.original_name})
    return redirect(_detail_url(assessment.pk, f"item-{item.pk}" if item is not None else "evidence"))


# ---------------------------------------------------------------------------------------------------- workflow


@login_required
@require_POST
def assessment_submit_view(request, pk: int):
    assessment = selectors.assessment_get_for_change(user=request.user, pk=pk)
    try:
        services.assessment_submit(user=request.user, assessment=assessment)
    except ValidationError as exc:
        return _detail_page(request, assessment, workflow_errors=list(exc.messages))
    messages.success(request, _("The assessment was submitted for verification."))
    return redirect("assessments:assessment_detail", pk=assessment.pk)


def _verification(request: HttpRequest, pk: int, *, action: str) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    if not services.may_verify(request.user, assessment):
        raise PermissionDenied(_("Only the level above the unit verifies its assessment."))
    form = CommentForm(request.POST)
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        if action == "verify":
            run = lambda: services.assessment_verify(user=request.user, assessment=assessment, comment=comment)  # noqa: E731
            done = _("The assessment was verified.")
        else:
            run = lambda: services.assessment_return(user=request.user, assessment=assessment, comment=comment)  # noqa: E731
            done = _("The assessment was returned to the unit with your comments.")
        if call_service(form, run) is not None:
            messages.success(request, done)
            return redirect("assessments:assessment_detail", pk=assessment.pk)
    return _detail_page(request, assessment, comment_form=form)


@login_required
@require_POST
def assessment_verify_view(request, pk: int):
    return _verification(request, pk, action="verify")


@login_required
@require_POST
def assessment_return_view(request, pk: int):
    return _verification(request, pk, action="return")
