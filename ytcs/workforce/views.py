"""Pages of the workforce registry: staff list and record, moves, licences, certificates, continuing training,
the follow-up lists (expiring licences, practising without a licence, CME shortfall) and the catalogues."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ytcs.core.forms import call_service, valid_filters
from ytcs.core.pages import import_page, paginate, query_without_page, render_page, xlsx_response
from ytcs.core.querysets import CHANGE, in_scope, may_anywhere
from ytcs.core.selectors import audit_for_objects
from ytcs.orgunits.models import OrgUnitKind
from ytcs.orgunits.selectors import orgunit_list
from ytcs.workforce import catalogue_services, services
from ytcs.workforce.forms import (
    CertificateForm,
    CmeActivityForm,
    CompetencyForm,
    LicenceForm,
    StaffCreateForm,
    StaffEndForm,
    StaffFilterForm,
    StaffForm,
    StaffMoveForm,
    TitleForm,
    UnitFilterForm,
    changeable_units,
)
from ytcs.workforce.models import Licence, StaffStatus
from ytcs.workforce.rules import LICENCE_EXPIRY_WARNING_MONTHS, cme_rule, retirement_rule
from ytcs.workforce.selectors import (
    RETURN_NOTICE_DAYS,
    add_months,
    cme_standing,
    cme_window,
    competency_list,
    licences_expiring,
    returns_due,
    staff_certificates,
    staff_cme,
    staff_get,
    staff_get_for_change,
    staff_licences,
    staff_list,
    staff_postings,
    staff_without_valid_licence,
    title_list,
)

UNIT_OPTIONS_MAX = 500


def _today() -> datetime.date:
    return timezone.localdate()


def _require_some_change_scope(request: HttpRequest) -> None:
    if not may_anywhere(request.user, CHANGE):
        raise PermissionDenied(_("Your roles do not allow changing the workforce registry."))


def _unit_options(user: Any) -> QuerySet:
    """Units offered by the unit filter (typing any code still works beyond the first ones)."""
    units = orgunit_list(user=user).exclude(kind=OrgUnitKind.SATELLITE).order_by("path")
    return units.values_list("code", "name")[:UNIT_OPTIONS_MAX]


def _unit_filter(request: HttpRequest) -> tuple[UnitFilterForm, dict[str, Any]]:
    form = UnitFilterForm(request.GET or None)
    code = form.cleaned_data.get("unit", "").strip() if form.is_valid() else ""
    return form, ({"orgunit": code} if code else {})


def _detail_url(staff_pk: int, anchor: str = "") -> str:
    url = reverse("workforce:staff_detail", args=[staff_pk])
    return f"{url}#{anchor}" if anchor else url


# --- staff -------------------------------------------------------------------------------------------------------


@login_required
def staff_list_view(request):
    form = StaffFilterForm(request.GET or None)
    data = valid_filters(form)
    filters = {
        "q": data.get("q"),
        "orgunit": (data.get("unit") or "").strip(),
        "title": data.get("title"),
        "status": data.get("status"),
    }
    page = paginate(request, staff_list(user=request.user, filters={k: v for k, v in filters.items() if v}))
    context = {
        "filter_form": form,
        "page": page,
        "query": query_without_page(request),
        "can_create": may_anywhere(request.user, CHANGE),
        "unit_options": _unit_options(request.user),
        "unit_filter": filters["orgunit"],
    }
    return render_page(request, "workforce/staff_list.html", "workforce/partials/staff_table.html", context)


def _licence_state(licence: Licence, today: datetime.date) -> str:
    """valid, expiring (within the warning months), expired, revoked or pending (issued later)."""
    if licence.revoked_on and licence.revoked_on <= today:
        return "revoked"
    if licence.issued_on > today:
        return "pending"
    if licence.valid_until is None:
        return "valid"
    if licence.valid_until < today:
        return "expired"
    if licence.valid_until <= add_months(today, LICENCE_EXPIRY_WARNING_MONTHS):
        return "expiring"
    return "valid"


@login_required
def staff_detail_view(request, pk: int):
    staff = staff_get(user=request.user, pk=pk)
    today = _today()
    postings = list(staff_postings(staff=staff))
    licences = list(staff_licences(staff=staff))
    certificates = list(staff_certificates(staff=staff))
    activities = list(staff_cme(staff=staff))
    rule = cme_rule()
    window_start, window_end = cme_window(on=today)
    cme_total = sum((a.credits for a in activities if window_start <= a.ended_on <= window_end), Decimal(0))
    retirement = retirement_rule()
    can_change = in_scope(request.user, staff.orgunit.path, CHANGE)
    history = audit_for_objects(user=request.user, objects=[staff, *postings, *licences, *certificates, *activities])[
        :50
    ]
    return render(
        request,
        "workforce/staff_detail.html",
        {
            "staff": staff,
            "today": today,
            "can_change": can_change,
            "is_working": staff.status == StaffStatus.ACTIVE,
            "postings": [(p, in_scope(request.user, p.orgunit.path)) for p in postings],
            "licences": [(licence, _licence_state(licence, today)) for licence in licences],
            "certificates": [(c, bool(c.expires_on and c.expires_on < today)) for c in certificates],
            "activities": [(a, window_start <= a.ended_on <= window_end) for a in activities],
            "cme": {
                "rule": rule,
                "start": window_start,
                "end": window_end,
                "total": cme_total,
                "missing": max(Decimal(rule.credits) - cme_total, Decimal(0)),
                "due": staff.started_on <= window_start,
                "applies": staff.title.needs_licence,
            },
            "retirement": {
                "rule": retirement,
                "on": retirement.retirement_date(sex=staff.sex, birth_date=staff.birth_date),
            },
            # Three forms on one page: distinct ids for their fields (the names stay those the views read).
            "licence_form": LicenceForm(auto_id="licence_%s") if can_change else None,
            "certificate_form": CertificateForm(auto_id="certificate_%s") if can_change else None,
            "cme_form": CmeActivityForm(auto_id="cme_%s") if can_change else None,
            "history": history,
        },
    )


@login_required
def staff_create_view(request):
    _require_some_change_scope(request)
    initial = {}
    if request.GET.get("unit"):
        initial["orgunit"] = changeable_units(request.user).filter(code=request.GET["unit"]).first()
    form = StaffCreateForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        staff = call_service(form, lambda: services.staff_create(user=request.user, **form.cleaned_data))
        if staff is not None:
            messages.success(request, _("%(name)s was registered.") % {"name": staff.full_name})
            return redirect("workforce:staff_detail", pk=staff.pk)
    return render(request, "workforce/staff_form.html", {"form": form, "staff": None})


@login_required
def staff_edit_view(request, pk: int):
    staff = staff_get_for_change(user=request.user, pk=pk)
    form = StaffForm(request.POST or None, instance=staff)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        updated = call_service(form, lambda: services.staff_update(user=request.user, staff=staff, **changes))
        if updated is not None:
            messages.success(request, _("Changes to %(name)s were saved.") % {"name": updated.full_name})
            return redirect("workforce:staff_detail", pk=updated.pk)
    return render(request, "workforce/staff_form.html", {"form": form, "staff": staff})


def _check_move_target(request: HttpRequest) -> None:
    """A move needs rights on both ends: an unknown or unseen target is 404, a read-only one 403."""
    raw = request.POST.get("to_unit", "")
    if not raw.isdigit():
        return
    target = orgunit_list(user=request.user).filter(pk=int(raw)).first()
    if target is None:
        raise Http404
    if not in_scope(request.user, target.path, CHANGE):
        raise PermissionDenied(_("You may not move people to this unit."))


@login_required
def staff_move_view(request, pk: int):
    staff = staff_get_for_change(user=request.user, pk=pk)
    if request.method == "POST":
        _check_move_target(request)
    form = StaffMoveForm(request.POST or None, user=request.user, staff=staff)
    if request.method == "POST" and form.is_valid():
        posting = call_service(form, lambda: services.staff_move(user=request.user, staff=staff, **form.cleaned_data))
        if posting is not None:
            messages.success(
                request,
                _("%(name)s now works at %(unit)s.") % {"name": staff.full_name, "unit": posting.orgunit.name},
            )
            return redirect(_detail_url(staff.pk, "postings"))
    return render(request, "workforce/staff_move.html", {"form": form, "staff": staff})


@login_required
def staff_end_view(request, pk: int):
    staff = staff_get_for_change(user=request.user, pk=pk)
    form = StaffEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = call_service(form, lambda: services.staff_end(user=request.user, staff=staff, **form.cleaned_data))
        if done is not None:
            messages.success(request, _("The end of service of %(name)s was recorded.") % {"name": staff.full_name})
            return redirect("workforce:staff_detail", pk=staff.pk)
    return render(request, "workforce/staff_end.html", {"form": form, "staff": staff})


# --- licences, certificates, continuing training --------------------------------------------------------------


@dataclass(frozen=True)
class RecordKind:
    form: type[forms.ModelForm]
    save: Callable[..., Any]
    records: Callable[..., QuerySet]
    argument: str
    anchor: str
    new_title: str
    edit_title: str


RECORDS = {
    "licence": RecordKind(
        LicenceForm,
        services.licence_save,
        staff_licences,
        "licence",
        "licences",
        gettext_lazy("New practising licence"),
        gettext_lazy("Edit practising licence"),
    ),
    "certificate": RecordKind(
        CertificateForm,
        services.certificate_save,
        staff_certificates,
        "certificate",
        "certificates",
        gettext_lazy("New certificate"),
        gettext_lazy("Edit certificate"),
    ),
    "cme": RecordKind(
        CmeActivityForm,
        services.cme_save,
        staff_cme,
        "activity",
        "cme",
        gettext_lazy("New continuing-training activity"),
        gettext_lazy("Edit continuing-training activity"),
    ),
}


@login_required
def record_form_view(request, pk: int, kind: str, record_pk: int | None = None):
    spec = RECORDS[kind]
    staff = staff_get_for_change(user=request.user, pk=pk)
    record = get_object_or_404(spec.records(staff=staff), pk=record_pk) if record_pk is not None else None
    form = spec.form(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            lambda: spec.save(user=request.user, staff=staff, **{spec.argument: record}, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, _("The record was saved."))
            return redirect(_detail_url(staff.pk, spec.anchor))
    context = {
        "form": form,
        "staff": staff,
        "heading": spec.edit_title if record else spec.new_title,
        "anchor": spec.anchor,
    }
    return render(request, "workforce/record_form.html", context)


@login_required
@require_POST
def record_delete_view(request, pk: int, kind: str, record_pk: int):
    spec = RECORDS[kind]
    staff = staff_get_for_change(user=request.user, pk=pk)
    record = get_object_or_404(spec.records(staff=staff), pk=record_pk)
    services.record_delete(user=request.user, record=record)
    messages.success(request, _("The record was deleted."))
    return redirect(_detail_url(staff.pk, spec.anchor))


# --- follow-up lists ---------------------------------------------------------------------------------------------


def _follow_up_page(
    request: HttpRequest,
    rows: Callable[[dict[str, Any]], QuerySet],
    template: str,
    partial: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """A follow-up list filtered by unit (its subtree), paginated in SQL, as a page or an htmx fragment."""
    form, filters = _unit_filter(request)
    context = {
        "filter_form": form,
        "page": paginate(request, rows(filters)),
        "query": query_without_page(request),
        "unit_options": _unit_options(request.user),
        "unit_filter": filters.get("orgunit", ""),
        "today": _today(),
        **(extra or {}),
    }
    return render_page(request, template, partial, context)


@login_required
def licences_expiring_view(request):
    today = _today()
    return _follow_up_page(
        request,
        lambda filters: licences_expiring(user=request.user, on=today, filters=filters),
        "workforce/licences_expiring.html",
        "workforce/partials/licences_expiring_table.html",
        {"months": LICENCE_EXPIRY_WARNING_MONTHS, "until": add_months(today, LICENCE_EXPIRY_WARNING_MONTHS)},
    )


@login_required
def licences_missing_view(request):
    today = _today()
    return _follow_up_page(
        request,
        lambda filters: staff_without_valid_licence(user=request.user, on=today, filters=filters),
        "workforce/licences_missing.html",
        "workforce/partials/licences_missing_table.html",
    )


@login_required
def returns_due_view(request):
    today = _today()
    return _follow_up_page(
        request,
        lambda filters: returns_due(user=request.user, on=today, filters=filters),
        "workforce/returns_due.html",
        "workforce/partials/returns_due_table.html",
        {"notice_days": RETURN_NOTICE_DAYS},
    )


@login_required
def cme_shortfall_view(request):
    today = _today()
    start, end = cme_window(on=today)
    return _follow_up_page(
        request,
        lambda filters: cme_standing(user=request.user, on=today, filters={**filters, "shortfall": True}).order_by(
            "cme_credits", "full_name", "id"
        ),
        "workforce/cme_shortfall.html",
        "workforce/partials/cme_shortfall_table.html",
        {"rule": cme_rule(), "start": start, "end": end},
    )


# --- catalogues ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueKind:
    form: type[forms.ModelForm]
    save: Callable[..., Any]
    rows: Callable[..., QuerySet]
    argument: str
    list_url: str
    new_title: str
    edit_title: str


CATALOGUES = {
    "title": CatalogueKind(
        TitleForm,
        catalogue_services.title_save,
        title_list,
        "title",
        "workforce:title_list",
        gettext_lazy("New professional title"),
        gettext_lazy("Edit professional title"),
    ),
    "competency": CatalogueKind(
        CompetencyForm,
        catalogue_services.competency_save,
        competency_list,
        "competency",
        "workforce:competency_list",
        gettext_lazy("New competency"),
        gettext_lazy("Edit competency"),
    ),
}


@login_required
def title_list_view(request):
    return render(
        request,
        "workforce/title_list.html",
        {
            "titles": title_list(include_inactive=True),
            "can_manage": catalogue_services.can_manage_catalogues(request.user),
        },
    )


@login_required
def competency_list_view(request):
    return render(
        request,
        "workforce/competency_list.html",
        {
            "competencies": competency_list(include_inactive=True),
            "can_manage": catalogue_services.can_manage_catalogues(request.user),
        },
    )


@login_required
def catalogue_form_view(request, kind: str, pk: int | None = None):
    spec = CATALOGUES[kind]
    if not catalogue_services.can_manage_catalogues(request.user):
        raise PermissionDenied(_("Only province administrators change the catalogues."))
    row = get_object_or_404(spec.rows(include_inactive=True), pk=pk) if pk is not None else None
    form = spec.form(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        saved = call_service(form, lambda: spec.save(user=request.user, **{spec.argument: row}, **form.cleaned_data))
        if saved is not None:
            messages.success(request, _("%(name)s was saved.") % {"name": saved.name})
            return redirect(spec.list_url)
    context = {"form": form, "heading": spec.edit_title if row else spec.new_title, "list_url": spec.list_url}
    return render(request, "workforce/catalogue_form.html", context)


# --- Excel -------------------------------------------------------------------------------------------------------


@login_required
def staff_export_view(request):
    from ytcs.workforce import xlsx  # openpyxl is loaded only when a file is asked for

    form = StaffFilterForm(request.GET or None)
    data = valid_filters(form)
    filters = {
        "q": data.get("q"),
        "orgunit": (data.get("unit") or "").strip(),
        "title": data.get("title"),
        "status": data.get("status"),
    }
    staff = staff_list(user=request.user, filters={k: v for k, v in filters.items() if v})
    return xlsx_response(xlsx.staff_export_workbook(staff=staff), "nhan-luc.xlsx")


@login_required
def staff_template_view(request):
    from ytcs.workforce import xlsx

    return xlsx_response(xlsx.staff_template_workbook(), "mau-nhap-nhan-luc.xlsx")


@login_required
def staff_import_view(request):
    _require_some_change_scope(request)
    from ytcs.workforce import xlsx

    return import_page(
        request,
        run=lambda file: xlsx.staff_import(user=request.user, file=file),
        template="workforce/import.html",
        success=lambda result: (
            _("Import done: %(created)d people registered, %(updated)d updated, %(unchanged)d unchanged.")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        ),
        done_url=reverse("workforce:staff_list"),
    )
