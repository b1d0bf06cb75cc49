"""Pages of classes and their participants (lớp đào tạo, học viên) and of sponsored long-term training with its
service commitment (cử đi đào tạo, cử tuyển, cam kết phục vụ); and the training fragment of a person's record.

Reads go through the training selectors (restricted to the viewer), writes through the training services.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ytcs.accounts.roles import APPROVE
from ytcs.core.forms import call_service, valid_filters
from ytcs.core.pages import paginate, query_without_page, render_page, xlsx_response
from ytcs.core.querysets import CHANGE, in_scope, may_anywhere, scope_paths
from ytcs.core.selectors import audit_for_objects
from ytcs.orgunits.models import OrgUnitKind
from ytcs.orgunits.selectors import orgunit_list
from ytcs.training import selectors, services
from ytcs.training.forms_classes import (
    ClassCompleteForm,
    ClassCreateForm,
    ClassFilterForm,
    ClassForm,
    ClassReopenForm,
    EnrolForm,
    EnrolmentResultForm,
    SponsorshipBreachForm,
    SponsorshipCreateForm,
    SponsorshipFilterForm,
    SponsorshipForm,
    SponsorshipReimbursedForm,
    SponsorshipReturnForm,
    UnitFilterForm,
    course_defaults,
)
from ytcs.training.models import (
    ClassStatus,
    Enrolment,
    EnrolmentResult,
    FundingSource,
    PlanStatus,
    Sponsorship,
    SponsorshipKind,
    SponsorshipStatus,
    TrainingClass,
)
from ytcs.training.rules import UPCOMING_RETURN_MONTHS, reimbursement_rule
from ytcs.workforce.selectors import add_months, staff_get, staff_list

UNIT_OPTIONS_MAX = 500
CANDIDATES_SHOWN = 20
RESULTS_FORM_ID = "results-form"


def _today() -> datetime.date:
    return timezone.localdate()


def _require_some_change_scope(request: HttpRequest) -> None:
    if not may_anywhere(request.user, CHANGE):
        raise PermissionDenied(_("Your roles do not allow changing training records."))


def _unit_options(user: Any) -> QuerySet:
    """Units offered by the unit filter (typing any code still works beyond the first ones)."""
    units = orgunit_list(user=user).exclude(kind=OrgUnitKind.SATELLITE).order_by("path")
    return units.values_list("code", "name")[:UNIT_OPTIONS_MAX]


def _filters(data: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {
        name: value.strip() if isinstance(value, str) else value
        for name in names
        if (value := data.get(name)) not in (None, "") and not (isinstance(value, str) and not value.strip())
    }


def _class_url(pk: int, anchor: str = "") -> str:
    url = reverse("training:class_detail", args=[pk])
    return f"{url}#{anchor}" if anchor else url


def _may_enrol(user: Any, training_class: TrainingClass) -> bool:
    """Whether the user may change anyone under the organising unit (the people a class takes)."""
    paths = scope_paths(user, CHANGE)
    if paths is None:
        return True
    root = training_class.orgunit.path
    return any(path.startswith(root) or root.startswith(path) for path in paths)


def _places_left(training_class: TrainingClass) -> int:
    """Places not taken by a participant (withdrawn ones free theirs); the class comes from `class_list`."""
    return max(training_class.capacity - training_class.participant_count, 0)


def _full_message(training_class: TrainingClass) -> str:
    return _("The class is full (%(n)d places).") % {"n": training_class.capacity}


def _is_search(request: HttpRequest, name: str) -> bool:
    """An htmx search box asking for its matches (not the whole page)."""
    return request.method == "GET" and bool(getattr(request, "htmx", False)) and name in request.GET


# ---------------------------------------------------------------------------------------------------- classes


@login_required
def class_list_view(request):
    form = ClassFilterForm(request.GET or None)
    filters = _filters(valid_filters(form), ("q", "year", "status", "course", "orgunit", "plan"))
    page = paginate(request, selectors.class_list(user=request.user, filters=filters))
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "can_create": may_anywhere(request.user, CHANGE),
        "unit_options": _unit_options(request.user),
        "unit_filter": filters.get("orgunit", ""),
    }
    return render_page(
        request, "training/classes/class_list.html", "training/classes/partials/class_table.html", context
    )


def _class_initial(request: HttpRequest) -> tuple[dict[str, Any], Any]:
    """What a new class's form starts with: the values already typed (when the course is changed, the page
    reloads the form with them), those of a plan line (`?line=`), and the chosen course's defaults."""
    fields = set(ClassCreateForm.base_fields) - {"line"}
    initial: dict[str, Any] = {name: value for name, value in request.GET.items() if name in fields}
    line = None
    if request.GET.get("line"):
        line = selectors.line_get(user=request.user, pk=request.GET["line"])
        initial.update(line=line.pk, orgunit=line.group_id, funding_source=line.funding_source)
        initial.setdefault("course", line.course_id)
    course_pk = str(initial.get("course", ""))
    course = selectors.course_list().filter(pk=course_pk).first() if course_pk.isdigit() else None
    if course is not None:
        initial.update(course_defaults(course))
        if line is not None and line.provider and line.course_id == course.pk:
            initial["provider"] = line.provider
    return initial, line


@login_required
def class_create_view(request):
    _require_some_change_scope(request)
    line = None
    if request.method == "POST":
        form = ClassCreateForm(request.POST, user=request.user)
        if form.is_valid():
            line = form.cleaned_data.get("line")
            created = call_service(form, lambda: services.class_create(user=request.user, **form.service_arguments()))
            if created is not None:
                messages.success(request, _("Class %(code)s was scheduled.") % {"code": created.code})
                return redirect("training:class_detail", pk=created.pk)
    else:
        initial, line = _class_initial(request)
        form = ClassCreateForm(initial=initial, user=request.user)
    context = {"form": form, "training_class": None, "line": line, "adopted": PlanStatus.ADOPTED}
    return render(request, "training/classes/class_form.html", context)


@login_required
def class_edit_view(request, pk: int):
    training_class = selectors.class_get_for_change(user=request.user, pk=pk)
    form = ClassForm(request.POST or None, instance=training_class)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        updated = call_service(
            form, lambda: services.class_update(user=request.user, training_class=training_class, **changes)
        )
        if updated is not None:
            messages.success(request, _("Changes to class %(code)s were saved.") % {"code": updated.code})
            return redirect("training:class_detail", pk=updated.pk)
    return render(request, "training/classes/class_form.html", {"form": form, "training_class": training_class})


def _result_form(enrolment: Enrolment, data: Any = None) -> EnrolmentResultForm:
    form = EnrolmentResultForm(
        data,
        prefix=f"e{enrolment.pk}",
        initial={
            "days_attended": enrolment.days_attended,
            "result": enrolment.result,
            "score": enrolment.score,
            "note": enrolment.note,
        },
    )
    for field in form.fields.values():
        # The inputs sit in the participants' table and belong to the grid's form, placed after it.
        field.widget.attrs["form"] = RESULTS_FORM_ID
    return form


def _detail_context(
    request: HttpRequest,
    training_class: TrainingClass,
    *,
    grid: dict[int, EnrolmentResultForm] | None = None,
    grid_errors: list[str] | None = None,
    bad_rows: set[int] | None = None,
) -> dict[str, Any]:
    user = request.user
    path = training_class.orgunit.path
    scheduled = training_class.status == ClassStatus.SCHEDULED
    can_change = in_scope(user, path, CHANGE)
    enrolments = list(selectors.class_enrolments(user=user, training_class=training_class))
    if grid is None and can_change and scheduled:
        grid = {e.pk: _result_form(e) for e in enrolments}
    rows = [
        {
            "enrolment": e,
            "form": (grid or {}).get(e.pk),
            "error": e.pk in (bad_rows or set()),
            "staff_visible": in_scope(user, e.staff.orgunit.path),
            "can_withdraw": scheduled
            and e.result != EnrolmentResult.WITHDRAWN
            and (can_change or in_scope(user, e.staff.orgunit.path, CHANGE)),
        }
        for e in enrolments
    ]
    may_enrol = scheduled and _may_enrol(user, training_class)
    places_left = _places_left(training_class)
    return {
        "training_class": training_class,
        "days": (training_class.ends_on - training_class.starts_on).days + 1,
        "places_left": places_left,
        "full": _full_message(training_class) if places_left == 0 else "",
        "rows": rows,
        "grid": bool(grid),
        "grid_errors": grid_errors or [],
        "results_form_id": RESULTS_FORM_ID,
        "can_change": can_change,
        "scheduled": scheduled,
        "completed": training_class.status == ClassStatus.COMPLETED,
        "can_approve": in_scope(user, path, APPROVE),
        "may_enrol": may_enrol,
        "candidates": list(selectors.enrollable_staff(user=user, training_class=training_class)[:CANDIDATES_SHOWN])
        if may_enrol and places_left
        else [],
        "shown": CANDIDATES_SHOWN,
        "complete_form": ClassCompleteForm(auto_id="complete_%s") if can_change and scheduled else None,
        "reopen_form": ClassReopenForm(auto_id="reopen_%s"),
        "history": audit_for_objects(user=user, objects=[training_class, *enrolments])[:50],
    }


@login_required
def class_detail_view(request, pk: int):
    training_class = selectors.class_get(user=request.user, pk=pk)
    return render(request, "training/classes/class_detail.html", _detail_context(request, training_class))


class _Rollback(Exception):
    """Raised inside the results transaction to undo every row when one fails."""


def _row_messages(enrolment: Enrolment, form: forms.Form, errors: Mapping[str | None, list[str]]) -> list[str]:
    """Messages naming the person and the field, e.g. "Nguyễn Thu Hà – Số ngày tham dự: ..."."""
    name = enrolment.staff.full_name
    found = []
    for field, texts in errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for text in texts:
            found.append(f"{name} – {label}: {text}" if label else f"{name}: {text}")
    return found


def _service_errors(exc: ValidationError) -> dict[str | None, list[str]]:
    return dict(exc.message_dict) if hasattr(exc, "error_dict") else {None: list(exc.messages)}


def _save_results(user: Any, rows: list[tuple[Enrolment, EnrolmentResultForm]]) -> tuple[list[str], set[int]]:
    """Record every changed row through the service in one transaction: all rows or none."""
    errors: list[str] = []
    bad: set[int] = set()
    try:
        with transaction.atomic():
            for enrolment, form in rows:
                data = form.cleaned_data
                try:
                    services.enrolment_record(
                        user=user,
                        enrolment=enrolment,
                        result=data["result"],
                        days_attended=data["days_attended"],
                        score=data["score"],
                        note=data["note"],
                    )
                except ValidationError as exc:
                    errors += _row_messages(enrolment, form, _service_errors(exc))
                    bad.add(enrolment.pk)
            if errors:
                raise _Rollback
    except _Rollback:
        pass
    return errors, bad


@login_required
@require_POST
def enrolment_results_view(request, pk: int):
    training_class = selectors.class_get_for_change(user=request.user, pk=pk)
    enrolments = list(selectors.class_enrolments(user=request.user, training_class=training_class))
    grid = {e.pk: _result_form(e, request.POST) for e in enrolments}
    # Rows added since the page was loaded are not in the post: they are left as they are.
    submitted = [(e, grid[e.pk]) for e in enrolments if grid[e.pk].add_prefix("result") in request.POST]
    errors: list[str] = []
    bad: set[int] = set()
    if training_class.status != ClassStatus.SCHEDULED:
        errors.append(_("The class is no longer scheduled: reopen it to change results."))
    for enrolment, form in submitted:
        if not form.is_valid():
            errors += _row_messages(enrolment, form, form.errors)
            bad.add(enrolment.pk)
    if not errors:
        errors, bad = _save_results(request.user, [(e, f) for e, f in submitted if f.has_changed()])
    if not errors:
        messages.success(request, _("The results were saved."))
        return redirect(_class_url(training_class.pk, "participants"))
    context = _detail_context(request, training_class, grid=grid, grid_errors=errors, bad_rows=bad)
    return render(request, "training/classes/class_detail.html", context)


@login_required
def enrol_view(request, pk: int):
    """The enrol box: GET searches the people the user may enrol (a page, or its list for htmx); POST enrols one."""
    training_class = selectors.class_get(user=request.user, pk=pk)
    if not _may_enrol(request.user, training_class):
        raise PermissionDenied(_("You may not enrol anyone in this class."))
    if request.method == "POST":
        form = EnrolForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a health worker to enrol."))
            return redirect(_class_url(training_class.pk, "enrol"))
        staff = staff_get(user=request.user, pk=form.cleaned_data["staff"])
        try:
            services.enrol(user=request.user, training_class=training_class, staff=staff)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(name)s was enrolled.") % {"name": staff.full_name})
        return redirect(_class_url(training_class.pk, "participants"))
    q = request.GET.get("q", "")
    full = _places_left(training_class) == 0
    context = {
        "training_class": training_class,
        "q": q,
        "full": _full_message(training_class) if full else "",
        "candidates": []
        if full
        else list(selectors.enrollable_staff(user=request.user, training_class=training_class, q=q)[:CANDIDATES_SHOWN]),
        "shown": CANDIDATES_SHOWN,
    }
    return render_page(
        request, "training/classes/enrol.html", "training/classes/partials/enrol_candidates.html", context
    )


@login_required
@require_POST
def enrolment_withdraw_view(request, pk: int):
    enrolment = selectors.enrolment_get(user=request.user, pk=pk)
    try:
        services.enrolment_withdraw(user=request.user, enrolment=enrolment)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(name)s was withdrawn from the class.") % {"name": enrolment.staff.full_name})
    return redirect(_class_url(enrolment.training_class_id, "participants"))


def _class_action(
    request: HttpRequest, training_class: TrainingClass, *, action: str, form: forms.Form, run: Any, done: Any
) -> HttpResponse:
    """A confirmation page of a class (complete, reopen, cancel): the form, then the service; errors re-show it."""
    if request.method == "POST" and form.is_valid():
        result = call_service(form, lambda: run(form.cleaned_data))
        if result is not None:
            messages.success(request, done(result))
            return redirect("training:class_detail", pk=training_class.pk)
    context = {"training_class": training_class, "form": form, "action": action}
    return render(request, "training/classes/class_action.html", context)


@login_required
def class_complete_view(request, pk: int):
    training_class = selectors.class_get_for_change(user=request.user, pk=pk)
    return _class_action(
        request,
        training_class,
        action="complete",
        form=ClassCompleteForm(request.POST or None),
        run=lambda data: services.class_complete(user=request.user, training_class=training_class, on=data["on"]),
        done=lambda result: (
            _("Class %(code)s was completed; the participants who passed have it on their record.")
            % {"code": result.code}
        ),
    )


@login_required
def class_reopen_view(request, pk: int):
    training_class = selectors.class_get_for_change(user=request.user, pk=pk)
    if not in_scope(request.user, training_class.orgunit.path, APPROVE):
        raise PermissionDenied(_("Only a province administrator or a regional manager may reopen a completed class."))
    return _class_action(
        request,
        training_class,
        action="reopen",
        form=ClassReopenForm(request.POST or None),
        run=lambda data: services.class_reopen(user=request.user, training_class=training_class, reason=data["reason"]),
        done=lambda result: (
            _("Class %(code)s was reopened; what it had posted to staff records was taken back.")
            % {"code": result.code}
        ),
    )


@login_required
def class_cancel_view(request, pk: int):
    training_class = selectors.class_get_for_change(user=request.user, pk=pk)
    return _class_action(
        request,
        training_class,
        action="cancel",
        form=forms.Form(request.POST if request.method == "POST" else None),
        run=lambda data: services.class_cancel(user=request.user, training_class=training_class),
        done=lambda result: _("Class %(code)s was cancelled.") % {"code": result.code},
    )


# ---------------------------------------------------------------------------------------------------- Excel

# Fixed Vietnamese labels: a file reads the same whatever the interface language.
RESULT_LABELS = {
    EnrolmentResult.ENROLLED: "Đang học",
    EnrolmentResult.PASSED: "Đạt",
    EnrolmentResult.FAILED: "Không đạt",
    EnrolmentResult.WITHDRAWN: "Rút khỏi lớp",
}
KIND_LABELS = {
    SponsorshipKind.SENT: "Cử đi đào tạo",
    SponsorshipKind.NOMINATED: "Cử tuyển",
    SponsorshipKind.ADDRESSED: "Đào tạo theo địa chỉ",
}
STATE_LABELS = {
    SponsorshipStatus.STUDYING: "Đang đào tạo",
    SponsorshipStatus.SERVING: "Đang thực hiện cam kết",
    SponsorshipStatus.FULFILLED: "Đã hoàn thành cam kết",
    SponsorshipStatus.BREACHED: "Vi phạm cam kết",
}
FUNDING_LABELS = {
    FundingSource.STATE_BUDGET: "Ngân sách nhà nước",
    FundingSource.TARGET_PROGRAMME: "Chương trình mục tiêu",
    FundingSource.PROJECT: "Dự án",
    FundingSource.UNIT_FUND: "Nguồn thu sự nghiệp",
    FundingSource.TRAINEE: "Tự túc",
    FundingSource.OTHER: "Khác",
}

PARTICIPANT_HEADERS = (
    "STT",
    "Họ và tên",
    "Ngày sinh",
    "Số CCCD",
    "Chức danh",
    "Đơn vị",
    "Mã đơn vị",
    "Số ngày tham dự",
    "Kết quả",
    "Điểm",
    "Số giờ tín chỉ đã cấp",
    "Số chứng chỉ",
    "Ghi chú",
)


def _participants_workbook(training_class: TrainingClass, enrolments: Iterable[Enrolment]) -> bytes:
    from ytcs.core.xlsx import add_table_sheet, new_workbook, workbook_bytes

    rows = (
        (
            number,
            e.staff.full_name,
            e.staff.birth_date,
            e.staff.national_id,
            e.staff.title.name,
            e.staff.orgunit.name,
            e.staff.orgunit.code,
            e.days_attended,
            RESULT_LABELS.get(e.result, e.result),
            e.score,
            e.cme_activity.credits if e.cme_activity else None,
            e.certificate.number if e.certificate else None,
            e.note,
        )
        for number, e in enumerate(enrolments, start=1)
    )
    wb = new_workbook()
    add_table_sheet(
        wb,
        title="Học viên",
        headers=PARTICIPANT_HEADERS,
        rows=rows,
        widths=(6, 28, 12, 14, 22, 32, 12, 10, 12, 8, 12, 18, 30),
        date_columns=(3,),
        text_columns=(4, 7),
    )
    ws = wb.create_sheet("Lớp")
    for label, value in (
        ("Mã lớp", training_class.code),
        ("Tên lớp", training_class.name),
        ("Đơn vị tổ chức", training_class.orgunit.name),
        ("Đơn vị đào tạo", training_class.provider),
        ("Địa điểm", training_class.location),
        ("Từ ngày", training_class.starts_on),
        ("Đến ngày", training_class.ends_on),
        ("Số giờ tín chỉ", training_class.credits),
        ("Chứng chỉ", training_class.competency.name if training_class.competency else ""),
    ):
        ws.append([label, value])
        if isinstance(value, datetime.date):
            ws.cell(row=ws.max_row, column=2).number_format = "DD/MM/YYYY"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 50
    return workbook_bytes(wb)


@login_required
def class_export_view(request, pk: int):
    training_class = selectors.class_get(user=request.user, pk=pk)
    enrolments = selectors.class_enrolments(user=request.user, training_class=training_class)
    content = _participants_workbook(training_class, enrolments.iterator(chunk_size=1000))
    return xlsx_response(content, f"lop-{slugify(training_class.code)}.xlsx")


SPONSORSHIP_HEADERS = (
    "Họ và tên",
    "Số CCCD",
    "Hình thức",
    "Ngành, chuyên ngành",
    "Trình độ",
    "Chức danh khi tốt nghiệp",
    "Cơ sở đào tạo",
    "Số quyết định",
    "Đơn vị cử",
    "Đơn vị phục vụ",
    "Ngày bắt đầu",
    "Dự kiến trở về",
    "Ngày trở về",
    "Số năm cam kết",
    "Hết cam kết",
    "Tình trạng",
    "Kinh phí (đồng)",
    "Nguồn kinh phí",
    "Ngày rời đi",
    "Phải bồi hoàn (đồng)",
    "Đã bồi hoàn (đồng)",
)


def _sponsorships_workbook(sponsorships: Iterable[Sponsorship]) -> bytes:
    from ytcs.core.xlsx import add_table_sheet, new_workbook, workbook_bytes
    from ytcs.workforce.xlsx import QUALIFICATION_LABELS

    rows = (
        (
            s.trainee_name,
            s.national_id,
            KIND_LABELS.get(s.kind, s.kind),
            s.programme,
            QUALIFICATION_LABELS.get(s.level, s.level),
            s.target_title.name if s.target_title else "",
            s.institution,
            s.decision,
            s.orgunit.name,
            s.serve_unit.name,
            s.starts_on,
            s.expected_return_on,
            s.returned_on,
            s.commitment_years,
            s.commitment_ends_on,
            STATE_LABELS.get(s.state, s.state),
            s.cost,
            FUNDING_LABELS.get(s.funding_source, s.funding_source),
            s.breached_on,
            s.reimbursement_due,
            s.reimbursed if s.status == SponsorshipStatus.BREACHED else None,
        )
        for s in sponsorships
    )
    wb = new_workbook()
    add_table_sheet(
        wb,
        title="Cử đi đào tạo",
        headers=SPONSORSHIP_HEADERS,
        rows=rows,
        widths=(26, 14, 18, 26, 14, 20, 28, 16, 28, 28, 12, 12, 12, 10, 12, 20, 16, 20, 12, 16, 16),
        date_columns=(11, 12, 13, 15, 19),
        text_columns=(2,),
    )
    return workbook_bytes(wb)


# ---------------------------------------------------------------------------------------------------- sponsorships

SPONSORSHIP_FILTERS = ("q", "state", "kind", "orgunit")


def _sponsorship_filters(request: HttpRequest) -> tuple[SponsorshipFilterForm, dict[str, Any]]:
    form = SponsorshipFilterForm(request.GET or None)
    return form, _filters(valid_filters(form), SPONSORSHIP_FILTERS)


@login_required
def sponsorship_list_view(request):
    today = _today()
    form, filters = _sponsorship_filters(request)
    page = paginate(request, selectors.sponsorship_list(user=request.user, on=today, filters=filters))
    page.object_list = list(page.object_list)
    for sponsorship in page.object_list:
        sponsorship.state_info = _state(sponsorship, today)
    context = {
        "filter_form": form,
        "page": page,
        "totals": selectors.commitment_totals(user=request.user, on=today, filters=filters),
        "query": query_without_page(request),
        "can_create": may_anywhere(request.user, CHANGE),
        "unit_options": _unit_options(request.user),
        "unit_filter": filters.get("orgunit", ""),
        "today": today,
    }
    return render_page(
        request,
        "training/sponsorships/sponsorship_list.html",
        "training/sponsorships/partials/sponsorship_table.html",
        context,
    )


@login_required
def sponsorship_export_view(request):
    _form, filters = _sponsorship_filters(request)
    rows = selectors.sponsorship_list(user=request.user, on=_today(), filters=filters)
    return xlsx_response(_sponsorships_workbook(rows.iterator(chunk_size=1000)), "cu-di-dao-tao.xlsx")


def _staff_options(request: HttpRequest) -> HttpResponse:
    """The matches of the person search of a sponsorship form (working people the user can see)."""
    q = request.GET.get("staff_q", "")
    candidates = list(staff_list(user=request.user, filters={"q": q})[:CANDIDATES_SHOWN]) if q.strip() else []
    context = {"candidates": candidates, "q": q, "shown": CANDIDATES_SHOWN}
    return render(request, "training/sponsorships/partials/staff_options.html", context)


def _sponsorship_form_page(request: HttpRequest, form: forms.Form, sponsorship: Sponsorship | None) -> HttpResponse:
    context = {"form": form, "sponsorship": sponsorship, "picked": form.picked_staff()}
    return render(request, "training/sponsorships/sponsorship_form.html", context)


@login_required
def sponsorship_create_view(request):
    _require_some_change_scope(request)
    if _is_search(request, "staff_q"):
        return _staff_options(request)
    form = SponsorshipCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        created = call_service(form, lambda: services.sponsorship_create(user=request.user, **form.service_arguments()))
        if created is not None:
            messages.success(
                request, _("The sponsored training of %(name)s was recorded.") % {"name": created.trainee_name}
            )
            return redirect("training:sponsorship_detail", pk=created.pk)
    return _sponsorship_form_page(request, form, None)


def _state(sponsorship: Sponsorship, today: datetime.date) -> dict[str, Any]:
    labels = dict(SponsorshipStatus.choices)
    return {
        "value": sponsorship.state,
        "label": labels.get(sponsorship.state, sponsorship.state),
        "overdue": sponsorship.status == SponsorshipStatus.STUDYING and sponsorship.expected_return_on < today,
    }


@login_required
def sponsorship_detail_view(request, pk: int):
    today = _today()
    sponsorship = selectors.sponsorship_get(user=request.user, pk=pk, on=today)
    status = sponsorship.status
    can_change = in_scope(request.user, sponsorship.orgunit.path, CHANGE)
    due = sponsorship.reimbursement_due
    context = {
        "sponsorship": sponsorship,
        "state": _state(sponsorship, today),
        "today": today,
        "rule": reimbursement_rule(),
        "outstanding": max(due - sponsorship.reimbursed, Decimal(0)) if due is not None else None,
        "staff_visible": bool(sponsorship.staff_id) and in_scope(request.user, sponsorship.staff.orgunit.path),
        "can_edit": can_change and status != SponsorshipStatus.BREACHED,
        "can_return": can_change and status == SponsorshipStatus.STUDYING,
        "can_breach": can_change
        and status in (SponsorshipStatus.STUDYING, SponsorshipStatus.SERVING)
        and sponsorship.state != SponsorshipStatus.FULFILLED,
        "can_reimburse": can_change and status == SponsorshipStatus.BREACHED,
        "history": audit_for_objects(user=request.user, objects=[sponsorship])[:50],
    }
    return render(request, "training/sponsorships/sponsorship_detail.html", context)


@login_required
def sponsorship_edit_view(request, pk: int):
    sponsorship = selectors.sponsorship_get_for_change(user=request.user, pk=pk, on=_today())
    if _is_search(request, "staff_q"):
        return _staff_options(request)
    form = SponsorshipForm(request.POST or None, instance=sponsorship, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "staff"}
        staff = form.cleaned_data.get("staff") if "staff" in form.changed_data else None
        updated = call_service(
            form,
            lambda: services.sponsorship_update(user=request.user, sponsorship=sponsorship, staff=staff, **changes),
        )
        if updated is not None:
            messages.success(
                request, _("Changes to the record of %(name)s were saved.") % {"name": updated.trainee_name}
            )
            return redirect("training:sponsorship_detail", pk=updated.pk)
    return _sponsorship_form_page(request, form, sponsorship)


def _sponsorship_action(
    request: HttpRequest, sponsorship: Sponsorship, *, action: str, form: forms.Form, run: Any, done: Any
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        result = call_service(form, lambda: run(form.cleaned_data))
        if result is not None:
            messages.success(request, done(result))
            return redirect("training:sponsorship_detail", pk=sponsorship.pk)
    picked = form.picked_staff() if hasattr(form, "picked_staff") else None
    context = {
        "sponsorship": sponsorship,
        "form": form,
        "action": action,
        "picked": picked,
        "rule": reimbursement_rule(),
    }
    return render(request, "training/sponsorships/sponsorship_action.html", context)


@login_required
def sponsorship_return_view(request, pk: int):
    sponsorship = selectors.sponsorship_get_for_change(user=request.user, pk=pk, on=_today())
    if _is_search(request, "staff_q"):
        return _staff_options(request)
    return _sponsorship_action(
        request,
        sponsorship,
        action="return",
        form=SponsorshipReturnForm(request.POST or None, user=request.user, sponsorship=sponsorship),
        run=lambda data: services.sponsorship_return(
            user=request.user, sponsorship=sponsorship, returned_on=data["returned_on"], staff=data.get("staff")
        ),
        done=lambda result: (
            _("The return of %(name)s was recorded; the commitment runs until %(date)s.")
            % {"name": result.trainee_name, "date": result.commitment_ends_on.strftime("%d/%m/%Y")}
        ),
    )


@login_required
def sponsorship_breach_view(request, pk: int):
    sponsorship = selectors.sponsorship_get_for_change(user=request.user, pk=pk, on=_today())
    return _sponsorship_action(
        request,
        sponsorship,
        action="breach",
        form=SponsorshipBreachForm(request.POST or None),
        run=lambda data: services.sponsorship_breach(
            user=request.user, sponsorship=sponsorship, left_on=data["left_on"], reason=data["reason"]
        ),
        done=lambda result: (
            _("The breach was recorded: %(amount)s đồng to reimburse.") % {"amount": intcomma(result.reimbursement_due)}
        ),
    )


@login_required
def sponsorship_reimbursed_view(request, pk: int):
    sponsorship = selectors.sponsorship_get_for_change(user=request.user, pk=pk, on=_today())
    return _sponsorship_action(
        request,
        sponsorship,
        action="reimbursed",
        form=SponsorshipReimbursedForm(request.POST or None, initial={"amount": sponsorship.reimbursed}),
        run=lambda data: services.sponsorship_reimbursed(
            user=request.user, sponsorship=sponsorship, amount=data["amount"]
        ),
        done=lambda result: _("The amount repaid was saved."),
    )


@login_required
def upcoming_returns_view(request):
    today = _today()
    form = UnitFilterForm(request.GET or None)
    filters = _filters(valid_filters(form), ("orgunit",))
    context = {
        "filter_form": form,
        "page": paginate(request, selectors.upcoming_returns(user=request.user, on=today, filters=filters), 50),
        "query": query_without_page(request),
        "unit_options": _unit_options(request.user),
        "unit_filter": filters.get("orgunit", ""),
        "today": today,
        "months": UPCOMING_RETURN_MONTHS,
        "until": add_months(today, UPCOMING_RETURN_MONTHS),
    }
    return render_page(
        request,
        "training/sponsorships/upcoming_returns.html",
        "training/sponsorships/partials/upcoming_table.html",
        context,
    )


# ---------------------------------------------------------------------------------------------------- a person's record


@login_required
@require_GET
def staff_training_view(request, pk: int):
    """The training section of a person's record (loaded by htmx): their classes and sponsored training."""
    today = _today()
    staff = staff_get(user=request.user, pk=pk)
    sponsorships = selectors.sponsorship_list(user=request.user, on=today).filter(staff=staff)
    context = {
        "staff": staff,
        "enrolments": selectors.staff_training(user=request.user, staff=staff),
        "sponsorships": [(s, _state(s, today)) for s in sponsorships],
        "today": today,
    }
    return render(request, "training/classes/partials/staff_training.html", context)
