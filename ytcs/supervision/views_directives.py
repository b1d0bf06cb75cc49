"""Pages of directives (yêu cầu, chỉ đạo) and their follow-up, namespace "supervision": the list with its filters
(state, overdue, due soon, mine, to accept, unit, category, age) and its .xlsx export, issuing one from a meeting,
the directive's page with its history and the forms its viewer may use (report progress or done with evidence;
accept or return; correct), the per-unit follow-up and the province board by region and age. Reads go through
`selectors`, writes through `services`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from ytcs.accounts.roles import APPROVE
from ytcs.assets.selectors_equipment import unit_options
from ytcs.core.forms import add_service_errors, valid_filters
from ytcs.core.pages import paginate, query_without_page, render_page, stored_file_response, xlsx_response
from ytcs.core.querysets import may_anywhere
from ytcs.core.selectors import audit_for_objects
from ytcs.core.xlsx import add_table_sheet, new_workbook, workbook_bytes
from ytcs.orgunits.selectors import orgunit_get
from ytcs.supervision import selectors, services
from ytcs.supervision.forms import DirectiveFilterForm, DirectiveForm, ProgressForm, ReviewForm
from ytcs.supervision.models import Directive, DirectiveStatus

FILTERS = (
    "q",
    "box",
    "status",
    "category",
    "orgunit",
    "issuer",
    "age",
    "overdue",
    "due_soon",
    "pending",
    "unclosed",
    "visit",
)
EXPORT_MAX_ROWS = 20_000


def _filters(request: HttpRequest) -> tuple[DirectiveFilterForm, dict[str, Any]]:
    form = DirectiveFilterForm(request.GET or None)
    data = valid_filters(form)
    return form, {key: data[key] for key in FILTERS if data.get(key)}


@login_required
def directive_list_view(request):
    form, filters = _filters(request)
    page = paginate(request, selectors.directive_list(user=request.user, filters=filters))
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "unit_options": unit_options(user=request.user),
        "can_create": may_anywhere(request.user, APPROVE),
        "tab": "directives",
    }
    return render_page(
        request,
        "supervision/directives/directive_list.html",
        "supervision/directives/partials/directive_table.html",
        context,
    )


@login_required
def directive_export_view(request):
    """The list of the current filter as .xlsx (dates dd/mm/yyyy)."""
    _form, filters = _filters(request)
    rows = (
        [
            d.title,
            d.get_category_display(),
            d.issuer_unit.code,
            d.issuer_unit.name,
            d.orgunit.code,
            d.orgunit.name,
            d.issued_on,
            d.due_on,
            d.get_status_display(),
            _("Yes") if d.is_overdue else "",
            d.evidence_required,
            d.visit.title if d.visit_id else d.source_text,
        ]
        for d in selectors.directive_list(user=request.user, filters=filters)[:EXPORT_MAX_ROWS]
    )
    wb = new_workbook()
    add_table_sheet(
        wb,
        title=_("Directives")[:31],
        headers=[
            _("What must be done"),
            _("Category"),
            _("Issuing unit code"),
            _("Issuing unit"),
            _("Responsible unit code"),
            _("Responsible unit"),
            _("Issued on"),
            _("Due date"),
            _("Status"),
            pgettext("supervision", "Overdue"),
            _("Evidence of completion"),
            pgettext("supervision", "Source"),
        ],
        rows=rows,
        widths=[50, 24, 12, 30, 12, 30, 12, 12, 22, 10, 40, 40],
        date_columns=[7, 8],
        text_columns=[3, 5],
    )
    return xlsx_response(workbook_bytes(wb), "chi-dao.xlsx")


def directive_args(form: DirectiveForm) -> dict[str, Any]:
    """The service's arguments from a valid directive form (the fields it shows)."""
    data = form.cleaned_data
    args = {
        name: data[name]
        for name in (
            "orgunit",
            "title",
            "details",
            "category",
            "due_on",
            "evidence_required",
            "training_plan",
            "investment_proposal",
            "indicator",
        )
        if name in form.fields
    }
    if data.get("issued_on"):
        args["issued_on"] = data["issued_on"]
    for name in ("issuer_unit", "source_text"):
        if name in form.fields:
            args[name] = data[name]
    return args


@login_required
def directive_create_view(request):
    """Issue a directive from a meeting or a conference (a visit's directives are issued from its page)."""
    if not may_anywhere(request.user, APPROVE):
        raise PermissionDenied(_("Your roles do not allow issuing directives."))
    form = DirectiveForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            directive = services.directive_issue(user=request.user, **directive_args(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The directive was issued to %(unit)s.") % {"unit": directive.orgunit.name})
            return redirect("supervision:directive_detail", pk=directive.pk)
    return render(
        request, "supervision/directives/directive_form.html", {"form": form, "directive": None, "tab": "directives"}
    )


@login_required
def directive_edit_view(request, pk: int):
    directive = selectors.directive_get_for_edit(user=request.user, pk=pk)
    if directive.status == DirectiveStatus.ACCEPTED:
        messages.error(request, _("An accepted directive is closed: it can no longer be changed."))
        return redirect("supervision:directive_detail", pk=directive.pk)
    if request.method == "POST":
        form = DirectiveForm(request.POST, user=request.user, directive=directive)
        if form.is_valid():
            changes = directive_args(form)
            changes.pop("issued_on", None)
            try:
                services.directive_edit(user=request.user, directive=directive, **changes)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Changes to the directive were saved."))
                return redirect("supervision:directive_detail", pk=directive.pk)
    else:
        form = DirectiveForm(
            user=request.user,
            directive=directive,
            initial={
                "source_text": directive.source_text,
                "title": directive.title,
                "details": directive.details,
                "category": directive.category,
                "due_on": directive.due_on,
                "evidence_required": directive.evidence_required,
                "training_plan": directive.training_plan_id,
                "investment_proposal": directive.investment_proposal_id,
                "indicator": directive.indicator_id,
            },
        )
    return render(
        request,
        "supervision/directives/directive_form.html",
        {"form": form, "directive": directive, "tab": "directives"},
    )


def _detail(request: HttpRequest, directive: Directive, **forms: Any) -> HttpResponse:
    user = request.user
    updates = list(selectors.directive_updates(directive=directive))
    can_progress = directive.status in services.UNIT_MOVES and selectors.may_progress(user, directive)
    can_review = directive.status == DirectiveStatus.DONE and selectors.may_accept(user, directive)
    can_edit = directive.status != DirectiveStatus.ACCEPTED and selectors.may_edit(user, directive)
    if can_progress:
        forms.setdefault("progress_form", ProgressForm(directive=directive))
    if can_review:
        forms.setdefault("review_form", ReviewForm())
    context = {
        "directive": directive,
        "updates": updates,
        "obstacles": selectors.obstacle_list(user=user, filters={"directive": directive.pk}),
        "can_progress": can_progress,
        "can_review": can_review,
        "can_edit": can_edit,
        "history": audit_for_objects(user=user, objects=[directive, *updates])[:50],
        "tab": "directives",
        **forms,
    }
    return render(request, "supervision/directives/directive_detail.html", context)


@login_required
def directive_detail_view(request, pk: int):
    return _detail(request, selectors.directive_get(user=request.user, pk=pk))


def _step(request: HttpRequest, directive: Directive, form: Any, form_name: str, action: Any, done: str):
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("supervision:directive_detail", pk=directive.pk)
    directive = selectors.directive_get(user=request.user, pk=directive.pk)
    return _detail(request, directive, **{form_name: form})


@login_required
@require_POST
def directive_progress_view(request, pk: int):
    directive = selectors.directive_get_for_progress(user=request.user, pk=pk)
    return _step(
        request,
        directive,
        ProgressForm(request.POST, request.FILES, directive=directive),
        "progress_form",
        lambda data: services.directive_progress(
            user=request.user,
            directive=directive,
            status=data["status"],
            note=data["note"],
            evidence=data.get("evidence"),
        ),
        _("The progress was recorded."),
    )


@login_required
@require_POST
def directive_accept_view(request, pk: int):
    directive = selectors.directive_get_for_review(user=request.user, pk=pk)
    return _step(
        request,
        directive,
        ReviewForm(request.POST),
        "review_form",
        lambda data: services.directive_accept(user=request.user, directive=directive, note=data["note"]),
        _("The directive was accepted."),
    )


@login_required
@require_POST
def directive_return_view(request, pk: int):
    directive = selectors.directive_get_for_review(user=request.user, pk=pk)
    return _step(
        request,
        directive,
        ReviewForm(request.POST),
        "review_form",
        lambda data: services.directive_return(user=request.user, directive=directive, note=data["note"]),
        _("The directive was returned to the responsible unit."),
    )


@login_required
def directive_evidence_view(request, pk: int):
    update = selectors.directive_update_get(user=request.user, pk=pk)
    if not update.evidence:
        raise Http404
    return stored_file_response(
        update.evidence, filename=update.evidence_name, content_type=update.evidence_type, as_attachment=True
    )


# ---------------------------------------------------------------------------------------------- follow-up, board


def _root(request: HttpRequest):
    code = (request.GET.get("orgunit") or "").strip()
    return orgunit_get(user=request.user, code=code) if code else None


@login_required
def follow_up_view(request):
    """Per responsible unit: pending, overdue, due soon and awaiting acceptance; each figure opens the list."""
    root = _root(request)
    rows = selectors.directive_follow_up(user=request.user, root=root)
    context = {
        "rows": rows,
        "root": root,
        "unit_options": unit_options(user=request.user),
        "due_soon_days": selectors.due_soon_days(),
        "tab": "follow_up",
    }
    return render(request, "supervision/directives/follow_up.html", context)


@login_required
def board_view(request):
    """Unclosed directives by region and age since issue; each figure opens the filtered list."""
    board = selectors.directive_board(user=request.user, root=_root(request))
    context = {
        "board": board,
        "buckets": [name for name, _low, _high in selectors.AGE_BUCKETS],
        "unit_options": unit_options(user=request.user),
        "tab": "board",
    }
    return render(request, "supervision/directives/board.html", context)
