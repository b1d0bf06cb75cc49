"""Pages of the training plan (kế hoạch đào tạo): the plans and their course lines, seats per unit and named
trainees; the training needs analysis (phân tích nhu cầu đào tạo) and the plan it proposes; the course and
staffing-norm catalogues. Reads go through `ytcs.training.selectors` and `ytcs.training.needs`, writes through
`ytcs.training.services` and `catalogue_services`."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ytcs.accounts.roles import APPROVE
from ytcs.core.forms import call_service, valid_filters
from ytcs.core.pages import paginate, query_without_page, render_page, xlsx_response
from ytcs.core.querysets import CHANGE, in_scope, may_anywhere, scope_paths
from ytcs.core.selectors import audit_for_objects
from ytcs.orgunits.models import OrgUnit, OrgUnitKind
from ytcs.orgunits.selectors import orgunit_list
from ytcs.training import catalogue_services, needs, selectors, services
from ytcs.training.forms_plans import (
    CourseForm,
    LineForm,
    NeedsForm,
    NormForm,
    PlanAdoptForm,
    PlanEditForm,
    PlanFilterForm,
    PlanForm,
    ProposeForm,
    SeatForm,
    TraineeAddForm,
)
from ytcs.training.models import NormKind, PlanStatus, StaffingNorm, TrainingPlan
from ytcs.workforce.catalogue_services import can_manage_catalogues
from ytcs.workforce.selectors import staff_list

UNIT_OPTIONS_MAX = 500
SEARCH_RESULTS_MAX = 20
CANDIDATES_SHOWN = 5
LINE_CLASSES_SHOWN = 50


def _today() -> datetime.date:
    return timezone.localdate()


def _unit_options(user: Any) -> QuerySet:
    """Units offered by the unit pickers (typing any code still works beyond the first ones)."""
    units = orgunit_list(user=user).exclude(kind=OrgUnitKind.SATELLITE).order_by("path")
    return units.values_list("code", "name")[:UNIT_OPTIONS_MAX]


def _error_messages(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


# ---------------------------------------------------------------------------------------------------- catalogues


@dataclass(frozen=True)
class CatalogueKind:
    form: type[forms.ModelForm]
    save: Callable[..., Any]
    rows: Callable[..., QuerySet]
    argument: str
    titles: tuple[str, ...]  # the many-to-many lists of titles the service takes apart
    list_url: str
    tab: str
    new_title: str
    edit_title: str


CATALOGUES = {
    "course": CatalogueKind(
        CourseForm,
        catalogue_services.course_save,
        selectors.course_list,
        "course",
        ("target_titles",),
        "training:course_list",
        "course_list",
        gettext_lazy("New course"),
        gettext_lazy("Edit course"),
    ),
    "norm": CatalogueKind(
        NormForm,
        catalogue_services.norm_save,
        selectors.norm_list,
        "norm",
        ("titles", "candidate_titles"),
        "training:norm_list",
        "norm_list",
        gettext_lazy("New staffing norm"),
        gettext_lazy("Edit staffing norm"),
    ),
}


@login_required
def course_list_view(request):
    return render(
        request,
        "training/catalogue/course_list.html",
        {
            "courses": selectors.course_list(include_inactive=True),
            "can_manage": can_manage_catalogues(request.user),
            "tab": "course_list",
        },
    )


@login_required
def norm_list_view(request):
    return render(
        request,
        "training/catalogue/norm_list.html",
        {
            "norms": selectors.norm_list(include_inactive=True),
            "can_manage": can_manage_catalogues(request.user),
            "tab": "norm_list",
        },
    )


@login_required
def catalogue_form_view(request, kind: str, pk: int | None = None):
    spec = CATALOGUES[kind]
    if not can_manage_catalogues(request.user):
        raise PermissionDenied(_("Only province administrators change the catalogues."))
    row = None
    if pk is not None:
        row = spec.rows(include_inactive=True).filter(pk=pk).first()
        if row is None:
            raise Http404
    form = spec.form(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        titles = {name: fields.pop(name) for name in spec.titles}
        saved = call_service(form, lambda: spec.save(user=request.user, **{spec.argument: row}, **titles, **fields))
        if saved is not None:
            messages.success(request, _("%(name)s was saved.") % {"name": saved.name})
            return redirect(spec.list_url)
    context = {
        "form": form,
        "row": row,
        "kind": kind,
        "heading": spec.edit_title if row else spec.new_title,
        "list_url": spec.list_url,
        "tab": spec.tab,
    }
    return render(request, "training/catalogue/catalogue_form.html", context)


# ---------------------------------------------------------------------------------------------------- plans


def _plan_filters(form: PlanFilterForm) -> dict[str, Any]:
    data = valid_filters(form)
    filters = {
        "year": data.get("year"),
        "status": data.get("status"),
        "orgunit": (data.get("orgunit") or "").strip(),
    }
    return {key: value for key, value in filters.items() if value}


@login_required
def plan_list_view(request):
    form = PlanFilterForm(request.GET or None)
    filters = _plan_filters(form)
    page = paginate(request, selectors.plan_list(user=request.user, filters=filters))
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "can_create": may_anywhere(request.user, CHANGE),
        "unit_options": _unit_options(request.user),
        "unit_filter": filters.get("orgunit", ""),
        "tab": "plan_list",
    }
    return render_page(request, "training/plans/plan_list.html", "training/plans/partials/plan_table.html", context)


@login_required
def plan_create_view(request):
    if not may_anywhere(request.user, CHANGE):
        raise PermissionDenied(_("Your roles do not allow drawing up a training plan."))
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        plan = call_service(form, lambda: services.plan_create(user=request.user, **form.cleaned_data))
        if plan is not None:
            messages.success(request, _("The plan %(name)s was created.") % {"name": plan.name})
            return redirect("training:plan_detail", pk=plan.pk)
    return render(request, "training/plans/plan_form.html", {"form": form, "plan": None, "tab": "plan_list"})


def _plan_permissions(user: Any, plan: TrainingPlan) -> dict[str, bool]:
    can_change = in_scope(user, plan.orgunit.path, CHANGE)
    is_draft = plan.status == PlanStatus.DRAFT
    return {
        "can_change": can_change,
        "is_draft": is_draft,
        "can_edit": can_change and plan.status != PlanStatus.CLOSED,
        "can_add_line": can_change and is_draft,
        "can_adopt": is_draft and in_scope(user, plan.orgunit.path, APPROVE),
        "can_close": can_change and plan.status == PlanStatus.ADOPTED,
        "can_delete": can_change and is_draft,
    }


def _plan_detail(request: HttpRequest, plan: TrainingPlan, *, adopt_form: PlanAdoptForm | None = None) -> HttpResponse:
    permissions = _plan_permissions(request.user, plan)
    page = paginate(request, selectors.plan_lines(plan=plan), default_size=100)
    lines = list(page.object_list)
    history = audit_for_objects(user=request.user, objects=[plan, *lines])[:50]
    if adopt_form is None and permissions["can_adopt"]:
        adopt_form = PlanAdoptForm(initial={"on": _today(), "decision": plan.decision})
    context = {
        "plan": plan,
        "page": page,
        "lines": lines,
        "query": query_without_page(request),
        "history": history,
        "adopt_form": adopt_form,
        "tab": "plan_list",
        **permissions,
    }
    return render(request, "training/plans/plan_detail.html", context)


@login_required
def plan_detail_view(request, pk: int):
    return _plan_detail(request, selectors.plan_get(user=request.user, pk=pk))


@login_required
def plan_edit_view(request, pk: int):
    plan = selectors.plan_get_for_change(user=request.user, pk=pk)
    initial = {"name": plan.name, "year": plan.year, "decision": plan.decision, "note": plan.note}
    form = PlanEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        updated = call_service(form, lambda: services.plan_update(user=request.user, plan=plan, **changes))
        if updated is not None:
            messages.success(request, _("Changes to the plan were saved."))
            return redirect("training:plan_detail", pk=plan.pk)
    return render(request, "training/plans/plan_form.html", {"form": form, "plan": plan, "tab": "plan_list"})


@login_required
@require_POST
def plan_adopt_view(request, pk: int):
    plan = selectors.plan_get_for_change(user=request.user, pk=pk)
    if not in_scope(request.user, plan.orgunit.path, APPROVE):
        raise PermissionDenied(_("Only a province administrator or a regional manager adopts a plan."))
    form = PlanAdoptForm(request.POST)
    if form.is_valid():
        adopted = call_service(
            form,
            lambda: services.plan_adopt(
                user=request.user, plan=plan, on=form.cleaned_data["on"], decision=form.cleaned_data["decision"]
            ),
        )
        if adopted is not None:
            messages.success(request, _("The plan was adopted."))
            return redirect("training:plan_detail", pk=plan.pk)
    return _plan_detail(request, plan, adopt_form=form)


def _plan_action(request: HttpRequest, pk: int, action: Callable[[TrainingPlan], Any], done: str) -> HttpResponse:
    plan = selectors.plan_get_for_change(user=request.user, pk=pk)
    try:
        action(plan)
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message)
        return redirect("training:plan_detail", pk=plan.pk)
    messages.success(request, done)
    return redirect("training:plan_detail", pk=plan.pk)


@login_required
@require_POST
def plan_close_view(request, pk: int):
    return _plan_action(
        request, pk, lambda plan: services.plan_close(user=request.user, plan=plan), _("The plan was closed.")
    )


@login_required
@require_POST
def plan_delete_view(request, pk: int):
    plan = selectors.plan_get_for_change(user=request.user, pk=pk)
    try:
        services.plan_delete(user=request.user, plan=plan)
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message)
        return redirect("training:plan_detail", pk=plan.pk)
    messages.success(request, _("The plan %(name)s was deleted.") % {"name": plan.name})
    return redirect("training:plan_list")


@login_required
def plan_export_view(request, pk: int):
    plan = selectors.plan_get(user=request.user, pk=pk)
    lines = selectors.plan_lines(plan=plan).prefetch_related(
        "seats__orgunit", Prefetch("trainees", queryset=selectors.visible_trainees(user=request.user))
    )
    content = plan_workbook(plan=plan, lines=list(lines))
    return xlsx_response(content, f"ke-hoach-dao-tao-{plan.year}-{plan.pk}.xlsx")


# ---------------------------------------------------------------------------------------------------- lines


@login_required
def line_create_view(request, pk: int):
    plan = selectors.plan_get_for_change(user=request.user, pk=pk)
    form = LineForm(request.POST or None, user=request.user, plan=plan, initial={"group": plan.orgunit})
    if request.method == "POST" and form.is_valid():
        line = call_service(form, lambda: services.line_save(user=request.user, plan=plan, **form.cleaned_data))
        if line is not None:
            messages.success(request, _("The course %(course)s was added to the plan.") % {"course": line.course})
            return redirect("training:line_detail", pk=line.pk)
    return render(
        request, "training/plans/line_form.html", {"form": form, "plan": plan, "line": None, "tab": "plan_list"}
    )


@login_required
def line_edit_view(request, pk: int):
    line = selectors.line_get_for_change(user=request.user, pk=pk)
    plan = line.plan
    form = LineForm(request.POST or None, instance=line, user=request.user, plan=plan)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        saved = call_service(form, lambda: services.line_save(user=request.user, plan=plan, line=line, **changes))
        if saved is not None:
            messages.success(request, _("The line was saved."))
            return redirect("training:line_detail", pk=line.pk)
    return render(
        request, "training/plans/line_form.html", {"form": form, "plan": plan, "line": line, "tab": "plan_list"}
    )


@login_required
@require_POST
def line_delete_view(request, pk: int):
    line = selectors.line_get_for_change(user=request.user, pk=pk)
    plan_pk = line.plan_id
    try:
        services.line_delete(user=request.user, line=line)
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message)
        return redirect("training:line_detail", pk=line.pk)
    messages.success(request, _("The line was removed from the plan."))
    return redirect("training:plan_detail", pk=plan_pk)


def _may_open_class(user: Any, line: Any) -> bool:
    """Whether the user may open a class of an adopted plan's line: they may change a unit on the branch of the
    line's group, above or below it (the class form then offers only the units they may change)."""
    if line.plan.status != PlanStatus.ADOPTED:
        return False
    paths = scope_paths(user, CHANGE)
    if paths is None:
        return True
    group = line.group.path
    return any(group.startswith(path) or path.startswith(group) for path in paths)


def _line_detail(
    request: HttpRequest,
    line: Any,
    *,
    seat_form: SeatForm | None = None,
    trainee_form: TraineeAddForm | None = None,
    q: str = "",
) -> HttpResponse:
    user = request.user
    plan = line.plan
    can_change = in_scope(user, plan.orgunit.path, CHANGE)
    is_draft = plan.status == PlanStatus.DRAFT
    may_edit_structure = can_change and is_draft
    seats = list(selectors.line_seats(line=line))
    trainees = paginate(request, selectors.line_trainees(line=line, user=user), default_size=50)
    q = q or request.GET.get("q", "")
    candidates = []
    if may_edit_structure and q.strip():
        candidates = list(
            staff_list(user=user, filters={"orgunit": line.group.code, "q": q})
            .exclude(pk__in=line.trainees.values("staff"))
            .order_by("full_name", "pk")[:SEARCH_RESULTS_MAX]
        )
    classes = list(
        selectors.class_list(user=user, filters={"plan": plan.pk}).filter(line=line)[: LINE_CLASSES_SHOWN + 1]
    )
    context = {
        "line": line,
        "plan": plan,
        "classes": classes[:LINE_CLASSES_SHOWN],
        "more_classes": len(classes) > LINE_CLASSES_SHOWN,
        "can_open_class": _may_open_class(user, line),
        "seats": seats,
        "seat_total": sum(s.seats for s in seats),
        "page": trainees,
        "query": query_without_page(request),
        "q": q,
        "candidates": candidates,
        "search_max": SEARCH_RESULTS_MAX,
        "can_change": can_change,
        "is_draft": is_draft,
        "may_edit_structure": may_edit_structure,
        "can_edit": can_change and plan.status != PlanStatus.CLOSED,
        "seat_form": seat_form or (SeatForm(user=user, line=line) if may_edit_structure else None),
        "trainee_form": trainee_form,
        "history": audit_for_objects(user=user, objects=[line, *seats, *trainees.object_list])[:50],
        "tab": "plan_list",
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        if htmx.target == "trainee-search":
            return render(request, "training/plans/partials/trainee_search.html", context)
        if htmx.target == "trainee-table":
            return render(request, "training/plans/partials/trainee_table.html", context)
    return render(request, "training/plans/line_detail.html", context)


@login_required
def line_detail_view(request, pk: int):
    return _line_detail(request, selectors.line_get(user=request.user, pk=pk))


@login_required
@require_POST
def seat_set_view(request, pk: int):
    line = selectors.line_get_for_change(user=request.user, pk=pk)
    form = SeatForm(request.POST, user=request.user, line=line)
    if form.is_valid():
        done = call_service(
            form,
            lambda: (
                services.seat_set(
                    user=request.user, line=line, orgunit=form.cleaned_data["orgunit"], seats=form.cleaned_data["seats"]
                )
                or True
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("Seats of %(unit)s set to %(n)d.")
                % {"unit": form.cleaned_data["orgunit"].name, "n": form.cleaned_data["seats"]},
            )
            return redirect(reverse("training:line_detail", args=[line.pk]) + "#seats")
    return _line_detail(request, line, seat_form=form)


@login_required
@require_POST
def trainee_add_view(request, pk: int):
    line = selectors.line_get_for_change(user=request.user, pk=pk)
    form = TraineeAddForm(request.POST, user=request.user, line=line)
    if form.is_valid():
        staff = form.cleaned_data["staff"]
        trainee = call_service(form, lambda: services.trainee_add(user=request.user, line=line, staff=staff))
        if trainee is not None:
            messages.success(request, _("%(name)s was added to the line.") % {"name": staff.full_name})
            return redirect(reverse("training:line_detail", args=[line.pk]) + "#trainees")
    return _line_detail(request, line, trainee_form=form, q=request.POST.get("q", ""))


@login_required
@require_POST
def trainee_remove_view(request, pk: int, trainee_pk: int):
    line = selectors.line_get_for_change(user=request.user, pk=pk)
    trainee = selectors.line_trainees(line=line).filter(pk=trainee_pk).first()
    if trainee is None:
        raise Http404
    try:
        services.trainee_remove(user=request.user, trainee=trainee)
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, _("%(name)s was taken off the line.") % {"name": trainee.staff.full_name})
    return redirect(reverse("training:line_detail", args=[line.pk]) + "#trainees")


# ---------------------------------------------------------------------------------------------------- needs


@dataclass(frozen=True)
class NeedsParams:
    root: OrgUnit | None
    year: int
    on: datetime.date
    form: NeedsForm

    @property
    def query(self) -> str:
        values: dict[str, Any] = {"year": self.year}
        if self.root is not None:
            values["orgunit"] = self.root.code
        return urlencode(values)


def _needs_root(user: Any, code: str) -> OrgUnit | None:
    """The unit asked for (404 when unknown or unseen), or the user's highest unit in scope."""
    units = orgunit_list(user=user).exclude(kind=OrgUnitKind.SATELLITE)
    if code:
        unit = units.filter(code__iexact=code).first()
        if unit is None:
            raise Http404
        return unit
    return units.order_by("level", "path").first()


def _needs_params(request: HttpRequest, data: Any = None) -> NeedsParams:
    data = request.GET if data is None else data
    form = NeedsForm(data)
    form.is_valid()  # keep the valid fields; a bad year falls back to the default, shown with its error
    cleaned = form.cleaned_data
    today = _today()
    root = _needs_root(request.user, (cleaned.get("orgunit") or "").strip())
    year = cleaned.get("year") or needs.training_year_default(today)
    shown = data.copy()
    if "year" not in form.errors:
        shown["year"] = year
    if root is not None:
        shown["orgunit"] = root.code
    form = NeedsForm(shown)
    form.is_valid()
    return NeedsParams(root=root, year=year, on=today, form=form)


@login_required
def needs_view(request):
    params = _needs_params(request)
    summaries = []
    if params.root is not None:
        summaries = needs.needs_summary(user=request.user, root=params.root, on=params.on, year=params.year)
    context = {
        "params": params,
        "form": params.form,
        "summaries": summaries,
        "unit_options": _unit_options(request.user),
        "can_propose": params.root is not None and in_scope(request.user, params.root.path, CHANGE),
        "tab": "needs",
    }
    return render(request, "training/needs/needs.html", context)


def _norm_or_404(code: str) -> StaffingNorm:
    norm = selectors.norm_list().filter(code=code).first()
    if norm is None:
        raise Http404
    return norm


UNIT_KINDS = (NormKind.TITLE, NormKind.COMPETENCY)


@login_required
def needs_norm_view(request, code: str):
    norm = _norm_or_404(code)
    params = _needs_params(request)
    if params.root is None:
        raise Http404
    user = request.user
    context: dict[str, Any] = {"params": params, "norm": norm, "query": query_without_page(request), "tab": "needs"}
    if norm.kind in UNIT_KINDS:
        page = paginate(request, needs.unit_gaps(user=user, root=params.root, norm=norm, on=params.on))
        units = list(page.object_list)
        context["rows"] = _gap_rows(user, norm, units, params.on)
        partial = "training/needs/partials/unit_gaps_table.html"
    else:
        page = paginate(
            request, needs.people_needs(user=user, root=params.root, norm=norm, on=params.on, year=params.year)
        )
        context["rows"] = [(person, max(person.required - person.credits, 0)) for person in page.object_list]
        partial = "training/needs/partials/people_table.html"
    context["page"] = page
    context["partial"] = partial
    return render_page(request, "training/needs/norm.html", partial, context)


@dataclass
class GapRow:
    unit: OrgUnit
    missing: int
    candidates: list[Any]
    more: int


def _gap_rows(user: Any, norm: StaffingNorm, units: list[OrgUnit], on: datetime.date) -> list[GapRow]:
    """Each unit short of the norm with who could be sent (best first), among the people the user sees."""
    picked: dict[int, list[int]] = {}
    if norm.course_id and units:
        picked = needs.candidates(norm, [u.pk for u in units], on)
    shown_ids = {pk for ids in picked.values() for pk in ids[:CANDIDATES_SHOWN]}
    people = (
        {s.pk: s for s in staff_list(user=user).filter(pk__in=shown_ids).select_related("title")} if shown_ids else {}
    )
    rows = []
    for unit in units:
        ids = picked.get(unit.pk, [])
        rows.append(
            GapRow(
                unit=unit,
                missing=unit.missing,
                candidates=[people[pk] for pk in ids[:CANDIDATES_SHOWN] if pk in people],
                more=max(len(ids) - CANDIDATES_SHOWN, 0),
            )
        )
    return rows


@login_required
def needs_export_view(request):
    params = _needs_params(request)
    if params.root is None:
        raise Http404
    code = request.GET.get("norm")
    norms = [_norm_or_404(code)] if code else needs.active_norms()
    content = needs_workbook(user=request.user, params=params, norms=norms)
    return xlsx_response(content, f"nhu-cau-dao-tao-{params.root.code}-{params.year}.xlsx")


@login_required
@require_POST
def needs_propose_view(request):
    form = ProposeForm(request.POST)
    code = (request.POST.get("orgunit") or "").strip()
    root = _needs_root(request.user, code) if code else None
    if root is None:
        raise Http404
    if not in_scope(request.user, root.path, CHANGE):
        raise PermissionDenied(_("You may view this unit but not draw up its plan."))
    back = reverse("training:needs") + "?" + urlencode({"orgunit": root.code, "year": request.POST.get("year", "")})
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}: {message}" if label else message)
        return redirect(back)
    try:
        plan = services.plan_propose(user=request.user, orgunit=root, year=form.cleaned_data["year"], on=_today())
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("The plan %(name)s was proposed from the needs analysis.") % {"name": plan.name})
    return redirect("training:plan_detail", pk=plan.pk)


# ---------------------------------------------------------------------------------------------------- Excel

# Fixed Vietnamese labels: the files read the same whatever the interface language.
PLAN_STATUS_VI = {"draft": "Dự thảo", "adopted": "Đã phê duyệt", "closed": "Đã kết thúc"}
LINE_STATUS_VI = {
    "planned": "Theo kế hoạch",
    "in_progress": "Đang thực hiện",
    "done": "Đã hoàn thành",
    "postponed": "Hoãn",
    "cancelled": "Hủy",
}
FUNDING_VI = {
    "state_budget": "Ngân sách nhà nước",
    "target_programme": "Chương trình mục tiêu",
    "project": "Dự án/ODA",
    "unit_fund": "Nguồn thu sự nghiệp",
    "trainee": "Học viên tự túc",
    "other": "Khác",
}
REASON_VI = {
    "title": "Thiếu chức danh",
    "competency": "Thiếu chứng chỉ",
    "cme": "Thiếu giờ đào tạo liên tục",
    "licence": "Gia hạn giấy phép hành nghề",
    "chosen": "Người lập kế hoạch chọn",
}
NORM_KIND_VI = {
    "title": "Có người có chức danh",
    "competency": "Có người có chứng chỉ",
    "cme": "Đủ giờ đào tạo liên tục",
    "licence": "Gia hạn giấy phép hành nghề",
}
LIVE_NOTE = (
    "Tính trực tiếp từ dữ liệu nhân lực tại thời điểm xuất: khoảng thiếu đã được bù (lớp học đã hoàn thành, "
    "chứng chỉ đã ghi nhận, tuyển dụng mới) không còn xuất hiện."
)


def plan_workbook(*, plan: TrainingPlan, lines: list[Any]) -> bytes:
    """The plan's lines, the seats of each unit and the people named, on three sheets, with a sheet about the plan.

    The lines' `trainees` are prefetched with only the people the reader may see."""
    from ytcs.core import xlsx  # openpyxl is loaded only when a file is asked for

    wb = xlsx.new_workbook()
    xlsx.add_table_sheet(
        wb,
        title="Khóa học",
        headers=[
            "Mã khóa học",
            "Khóa học",
            "Mã đơn vị",
            "Cho các đơn vị thuộc",
            "Đơn vị đào tạo",
            "Quý",
            "Số lớp dự kiến",
            "Số lớp đã mở",
            "Chỉ tiêu",
            "Số người dự kiến",
            "Đã ghi danh",
            "Đạt",
            "Kinh phí (đồng)",
            "Nguồn kinh phí",
            "Trạng thái",
            "Ghi chú",
        ],
        rows=[
            [
                line.course.code,
                line.course.name,
                line.group.code,
                line.group.name,
                line.provider,
                line.quarter,
                line.classes,
                line.class_count,
                line.seat_count,
                line.named_count,
                line.enrolled_count,
                line.passed_count,
                int(line.budget),
                FUNDING_VI.get(line.funding_source, line.funding_source),
                LINE_STATUS_VI.get(line.status, line.status),
                line.note,
            ]
            for line in lines
        ],
        widths=[18, 40, 12, 32, 28, 6, 10, 10, 10, 12, 10, 8, 16, 22, 16, 30],
        text_columns=[1, 3],
    )
    xlsx.add_table_sheet(
        wb,
        title="Chỉ tiêu đơn vị",
        headers=["Mã khóa học", "Khóa học", "Nhóm đơn vị", "Mã đơn vị", "Tên đơn vị", "Chỉ tiêu"],
        rows=[
            [line.course.code, line.course.name, line.group.code, seat.orgunit.code, seat.orgunit.name, seat.seats]
            for line in lines
            for seat in line.seats.all()
        ],
        widths=[18, 40, 12, 12, 40, 10],
        text_columns=[1, 3, 4],
    )
    xlsx.add_table_sheet(
        wb,
        title="Học viên dự kiến",
        headers=[
            "Mã khóa học",
            "Khóa học",
            "Mã đơn vị",
            "Tên đơn vị",
            "Họ và tên",
            "Chức danh",
            "Ngày sinh",
            "Lý do",
            "Định mức",
        ],
        rows=[
            [
                line.course.code,
                line.course.name,
                trainee.orgunit.code,
                trainee.orgunit.name,
                trainee.staff.full_name,
                trainee.staff.title.name,
                trainee.staff.birth_date,
                REASON_VI.get(trainee.reason, trainee.reason),
                trainee.norm.name if trainee.norm else "",
            ]
            for line in lines
            for trainee in line.trainees.all()
        ],
        widths=[18, 40, 12, 36, 30, 24, 12, 26, 40],
        date_columns=[7],
        text_columns=[1, 3],
    )
    xlsx.add_table_sheet(
        wb,
        title="Thông tin kế hoạch",
        headers=["Mục", "Nội dung"],
        rows=[
            ["Kế hoạch", plan.name],
            ["Đơn vị lập", f"{plan.orgunit.name} ({plan.orgunit.code})"],
            ["Năm", plan.year],
            ["Trạng thái", PLAN_STATUS_VI.get(plan.status, plan.status)],
            ["Số quyết định", plan.decision],
            ["Ngày phê duyệt", plan.adopted_on],
            ["Lập từ phân tích nhu cầu", "Có" if plan.from_needs else "Không"],
            ["Ghi chú", plan.note],
        ],
        widths=[26, 80],
    )
    return xlsx.workbook_bytes(wb)


def _confirmed_vi(norm: StaffingNorm) -> str:
    return "Đã xác nhận" if norm.confirmed else "CHƯA XÁC NHẬN"


def needs_workbook(*, user: Any, params: NeedsParams, norms: list[StaffingNorm]) -> bytes:
    """The needs analysis under the root: one row per norm, the units short of each unit norm and the people
    short of hours, and a sheet saying how and when it was computed."""
    from ytcs.core import xlsx  # openpyxl is loaded only when a file is asked for

    root, on, year = params.root, params.on, params.year
    summaries = {s.norm.pk: s for s in needs.needs_summary(user=user, root=root, on=on, year=year)}
    wb = xlsx.new_workbook()
    xlsx.add_table_sheet(
        wb,
        title="Tổng hợp",
        headers=[
            "Mã định mức",
            "Định mức",
            "Loại",
            "Khóa đào tạo bù đắp",
            "Căn cứ",
            "Tình trạng căn cứ",
            "Số đơn vị thiếu",
            "Số người còn thiếu",
            "Đang đào tạo",
            "Số người thiếu giờ",
        ],
        rows=[
            [
                norm.code,
                norm.name,
                NORM_KIND_VI.get(norm.kind, norm.kind),
                norm.course.name if norm.course else "",
                norm.source,
                _confirmed_vi(norm),
                summaries[norm.pk].units if norm.pk in summaries else None,
                summaries[norm.pk].missing if norm.pk in summaries else None,
                summaries[norm.pk].in_training if norm.pk in summaries else None,
                summaries[norm.pk].people if norm.pk in summaries else None,
            ]
            for norm in norms
        ],
        widths=[22, 44, 22, 36, 60, 16, 12, 12, 12, 12],
        text_columns=[1],
    )

    def unit_rows():
        for norm in norms:
            if norm.kind not in UNIT_KINDS:
                continue
            for unit in needs.unit_gaps(user=user, root=root, norm=norm, on=on).iterator(chunk_size=2000):
                yield [
                    norm.code,
                    norm.name,
                    unit.code,
                    unit.name,
                    norm.minimum,
                    unit.have,
                    unit.in_training,
                    unit.missing,
                ]

    xlsx.add_table_sheet(
        wb,
        title="Đơn vị thiếu",
        headers=[
            "Mã định mức",
            "Định mức",
            "Mã đơn vị",
            "Tên đơn vị",
            "Tối thiểu",
            "Hiện có",
            "Đang đào tạo",
            "Còn thiếu",
        ],
        rows=unit_rows(),
        widths=[22, 44, 12, 40, 10, 10, 12, 10],
        text_columns=[1, 3],
    )

    def people_rows():
        for norm in norms:
            if norm.kind in UNIT_KINDS:
                continue
            people = needs.people_needs(user=user, root=root, norm=norm, on=on, year=year)
            for person in people.iterator(chunk_size=2000):
                yield [
                    norm.code,
                    norm.name,
                    person.full_name,
                    person.title.name,
                    person.orgunit.code,
                    person.orgunit.name,
                    float(person.credits),
                    person.required,
                    float(max(person.required - person.credits, 0)),
                    getattr(person, "expires_on", None),
                ]

    xlsx.add_table_sheet(
        wb,
        title="Người thiếu giờ",
        headers=[
            "Mã định mức",
            "Định mức",
            "Họ và tên",
            "Chức danh",
            "Mã đơn vị",
            "Tên đơn vị",
            "Số tiết đã có",
            "Số tiết yêu cầu",
            "Còn thiếu",
            "Giấy phép hết hạn",
        ],
        rows=people_rows(),
        widths=[22, 44, 30, 24, 12, 40, 12, 12, 10, 14],
        date_columns=[10],
        text_columns=[1, 5],
    )
    xlsx.add_table_sheet(
        wb,
        title="Ghi chú",
        headers=["Mục", "Nội dung"],
        rows=[
            ["Đơn vị", f"{root.name} ({root.code})"],
            ["Năm kế hoạch", year],
            ["Ngày tính", on],
            ["Cách tính", LIVE_NOTE],
        ],
        widths=[18, 100],
    )
    return xlsx.workbook_bytes(wb)
