"""Data-entry pages (nhập số liệu): the landing page (data set, period, the reporting units of the user's scope with
their completeness), the entry form of one unit and period with checks while typing, the history of its values,
and the lock exceptions (mở khóa kỳ báo cáo) that reopen a closed period.

Reads go through `selectors_entry` (restricted to the viewer), writes through the indicators services.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ytcs.accounts.roles import APPROVE, ENTER_DATA
from ytcs.core.forms import add_service_errors
from ytcs.core.models import AuditEntry
from ytcs.core.pages import paginate, query_without_page
from ytcs.core.querysets import in_scope, may_anywhere
from ytcs.indicators import periods as P
from ytcs.indicators import selectors_entry as selectors
from ytcs.indicators import services
from ytcs.indicators.forms_entry import EntryGrid, LockExceptionForm
from ytcs.indicators.models import DataSet
from ytcs.indicators.validation import check_rules
from ytcs.orgunits.models import OrgUnit
from ytcs.orgunits.selectors import orgunit_list


def _today() -> datetime.date:
    return timezone.localdate()


def _form_url(data_set: DataSet, unit: OrgUnit, period: P.Period) -> str:
    return reverse("indicators:entry_form", args=[data_set.code, unit.code, period.code])


def _parse_period(code: str) -> P.Period:
    try:
        return P.parse(code)
    except ValidationError:
        raise Http404 from None


# ---------------------------------------------------------------------------------------------- landing


@login_required
def entry_view(request: HttpRequest) -> HttpResponse:
    """Pick a data set and a period; see the reporting units of your scope, their completeness and lock state."""
    today = _today()
    data_sets = selectors.entry_data_sets(user=request.user)
    data_set = next((ds for ds in data_sets if ds.code == request.GET.get("data_set")), None)
    data_set = data_set or (data_sets[0] if data_sets else None)
    context: dict[str, Any] = {"data_sets": data_sets, "data_set": data_set, "q": request.GET.get("q", "").strip()}
    if data_set is not None:
        choices = selectors.period_choices(user=request.user, data_set=data_set, today=today)
        period = next((c.period for c in choices if c.period.code == request.GET.get("period")), None)
        if period is None and P.is_period(request.GET.get("period", "")):
            # A period older than those listed, typed in the address: still shown, in its own right.
            typed = P.parse(request.GET["period"])
            period = typed if typed.type == data_set.period_type and typed.start <= today else None
        period = period or selectors.default_period(choices)
        page = paginate(
            request, selectors.entry_units(user=request.user, data_set=data_set, period=period, q=context["q"])
        )
        units = list(page.object_list)
        cells = selectors.form_cell_count(data_set=data_set)
        states = selectors.unit_lock_states(data_set=data_set, period=period, units=units, today=today)
        rows = [
            {
                "unit": unit,
                "percent": round(100 * unit.entered / cells) if cells else 0,
                "state": states[unit.pk],
                "can_enter": in_scope(request.user, unit.path, ENTER_DATA),
                "url": _form_url(data_set, unit, period),
            }
            for unit in units
        ]
        context.update(
            choices=choices,
            period=period,
            chosen=next((c for c in choices if c.period == period), None),
            page=page,
            rows=rows,
            cells=cells,
            query=query_without_page(request),
            only=rows[0] if page.paginator.count == 1 else None,
        )
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and htmx.target == "entry-units":
        return render(request, "indicators/entry/partials/unit_table.html", context)
    if htmx and not htmx.history_restore_request and htmx.target == "entry-main":
        return render(request, "indicators/entry/partials/landing_main.html", context)
    return render(request, "indicators/entry/landing.html", context)


# ---------------------------------------------------------------------------------------------- the form


def _form_target(request: HttpRequest, data_set_code: str, unit_code: str, period_code: str):
    """The data set, unit and period of a form URL: 404 for a code that names nothing (or a unit out of scope);
    a ValidationError saying why when the unit does not report the data set or the period is of another type."""
    data_set = selectors.data_set_get(code=data_set_code)
    period = _parse_period(period_code)
    unit = services.entry_unit(user=request.user, code=unit_code)
    services.check_reports(data_set, unit)
    services.check_period_type(data_set, period)
    return data_set, unit, period


def _unavailable(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return render(request, "indicators/entry/unavailable.html", {"reasons": error.messages}, status=404)


def _form_context(
    request: HttpRequest, data_set: DataSet, unit: OrgUnit, period: P.Period, grid: EntryGrid, rules: list
) -> dict[str, Any]:
    user = request.user
    state = services.lock_state(data_set=data_set, orgunit=unit, period=period, today=_today())
    can_enter = in_scope(user, unit.path, ENTER_DATA)
    previous, following = period.previous(), period.next()
    return {
        "data_set": data_set,
        "unit": unit,
        "period": period,
        "state": state,
        "lock_message": services.lock_message(state) if state.locked else "",
        "can_enter": can_enter,
        "editable": can_enter and not state.locked,
        "may_reopen": state.locked and not state.future and in_scope(user, unit.path, APPROVE),
        "reopen_url": reverse("indicators:lock_create")
        + "?"
        + urlencode(
            {
                "data_set": data_set.code,
                "orgunit": unit.code,
                "period": period.code,
                "next": _form_url(data_set, unit, period),
            }
        ),
        "grid": grid,
        "rules": rules,
        "previous_url": _form_url(data_set, unit, previous),
        "next_url": _form_url(data_set, unit, following) if following.start <= _today() else "",
        "landing_url": reverse("indicators:entry")
        + "?"
        + urlencode({"data_set": data_set.code, "period": period.code}),
        "history_url": reverse("indicators:entry_history", args=[data_set.code, unit.code, period.code]),
    }


def _saved_message(result: services.FormResult) -> str:
    counts = result.counts
    return _("Saved: %(new)d new, %(changed)d changed, %(deleted)d deleted.") % {
        "new": counts.imported,
        "changed": counts.updated,
        "deleted": counts.deleted,
    }


@login_required
def entry_form_view(request: HttpRequest, data_set_code: str, unit_code: str, period: str) -> HttpResponse:
    """The entry form of a data set for one unit and period; a post saves it all or nothing."""
    try:
        data_set, unit, the_period = _form_target(request, data_set_code, unit_code, period)
    except ValidationError as exc:
        return _unavailable(request, exc)
    if request.method == "POST" and not in_scope(request.user, unit.path, ENTER_DATA):
        raise PermissionDenied(_("You do not have the right to enter data for this unit."))
    layout = selectors.form_layout(data_set=data_set)
    stored = selectors.form_values(user=request.user, data_set=data_set, orgunit=unit, period=the_period)
    if request.method == "POST":
        grid = EntryGrid(layout, stored, request.POST)
        if not grid.check_comments():
            grid.check_cells()
        else:
            try:
                result = services.form_save(
                    user=request.user,
                    data_set=data_set,
                    orgunit=unit,
                    period=the_period,
                    values=grid.values(),
                    comments=grid.comments(),
                )
            except ValidationError as exc:
                grid.add_errors(exc)
            else:
                messages.success(request, _saved_message(result))
                for warning in result.warnings:
                    messages.warning(request, warning)
                return redirect(_form_url(data_set, unit, the_period))
        rules = check_rules(data_set=data_set, orgunit=unit, period=the_period, overrides=grid.overrides())
    else:
        grid = EntryGrid(layout, stored)
        rules = check_rules(data_set=data_set, orgunit=unit, period=the_period)
    context = _form_context(request, data_set, unit, the_period, grid, rules)
    return render(request, "indicators/entry/form.html", context)


@login_required
@require_POST
def entry_check_view(request: HttpRequest, data_set_code: str, unit_code: str, period: str) -> HttpResponse:
    """The validation rules broken by what is being typed (an htmx fragment beside the form)."""
    try:
        data_set, unit, the_period = _form_target(request, data_set_code, unit_code, period)
    except ValidationError:
        raise Http404 from None
    services.ensure_can_enter(user=request.user, orgunit=unit)
    grid = EntryGrid(selectors.form_layout(data_set=data_set), {}, request.POST)
    rules = check_rules(data_set=data_set, orgunit=unit, period=the_period, overrides=grid.overrides())
    return render(request, "indicators/entry/partials/rules.html", {"rules": rules, "checked": True})


@login_required
def entry_history_view(request: HttpRequest, data_set_code: str, unit_code: str, period: str) -> HttpResponse:
    """The changes to a unit's values of a form in a period: who, when, through which channel, before → after."""
    try:
        data_set, unit, the_period = _form_target(request, data_set_code, unit_code, period)
    except ValidationError as exc:
        return _unavailable(request, exc)
    element = None
    if request.GET.get("element"):
        element = selectors.form_element(data_set=data_set, code=request.GET["element"])
    history = selectors.value_history(
        user=request.user,
        data_set=data_set,
        orgunit=unit,
        period=the_period,
        element_code=element.code if element else None,
    )
    page = paginate(request, history)
    sources = dict(AuditEntry.Source.choices)
    context = {
        "data_set": data_set,
        "unit": unit,
        "period": the_period,
        "element": element,
        "page": page,
        "rows": [(change, sources.get(change.source, change.source)) for change in page.object_list],
        "query": query_without_page(request),
        "form_url": _form_url(data_set, unit, the_period),
    }
    return render(request, "indicators/entry/history.html", context)


# ---------------------------------------------------------------------------------------------- lock exceptions


def _require_approve_somewhere(request: HttpRequest) -> None:
    if not may_anywhere(request.user, APPROVE):
        raise PermissionDenied(_("Only province administrators and regional managers reopen closed periods."))


@login_required
def lock_list_view(request: HttpRequest) -> HttpResponse:
    """Lock exceptions granted on the units of your scope."""
    filters = {name: request.GET.get(name, "").strip() for name in ("data_set", "period", "q")}
    page = paginate(request, selectors.lock_list(user=request.user, filters=filters))
    rows = [
        {
            "exception": e,
            "may_revoke": in_scope(request.user, e.orgunit.path, APPROVE),
            "period": _period_label(e.period),
        }
        for e in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "data_sets": list(selectors.active_data_sets()),
        "query": query_without_page(request),
        "may_grant": may_anywhere(request.user, APPROVE),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and htmx.target == "lock-table":
        return render(request, "indicators/entry/partials/lock_table.html", context)
    return render(request, "indicators/entry/lock_list.html", context)


def _period_label(code: str) -> str:
    return P.parse(code).label if P.is_period(code) else code


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return url
    return ""


@login_required
def lock_create_view(request: HttpRequest) -> HttpResponse:
    """Reopen a closed period of a data set for a unit and the units under it."""
    _require_approve_somewhere(request)
    user = request.user
    data_sets = list(selectors.active_data_sets())
    form = LockExceptionForm(
        request.POST or None,
        initial={name: request.GET.get(name, "") for name in ("data_set", "orgunit", "period", "next")},
        data_sets=data_sets,
        unit_lookup=lambda code: selectors.scope_unit(user=user, code=code),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exception = services.lock_exception_grant(
                user=user,
                data_set=data["data_set"],
                orgunit=data["orgunit"],
                period=data["period"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error("orgunit", _("You may not reopen periods of this unit."))
        else:
            messages.success(
                request,
                _("Period %(period)s of %(data_set)s reopened for %(unit)s.")
                % {"period": data["period"].label, "data_set": exception.data_set.code, "unit": exception.orgunit.name},
            )
            return redirect(_safe_next(request, data.get("next", "")) or reverse("indicators:lock_list"))
    unit_options = orgunit_list(user=user, action=APPROVE).order_by("path").values_list("code", "name")[:500]
    return render(request, "indicators/entry/lock_form.html", {"form": form, "unit_options": unit_options})


@login_required
@require_POST
def lock_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a lock exception: the period is closed again for the units it opened."""
    exception = selectors.lock_get(user=request.user, pk=pk)
    services.lock_exception_revoke(user=request.user, exception=exception)
    messages.success(
        request,
        _("The exception for %(unit)s, %(data_set)s, period %(period)s was withdrawn.")
        % {
            "unit": exception.orgunit.name,
            "data_set": exception.data_set.code,
            "period": _period_label(exception.period),
        },
    )
    return redirect("indicators:lock_list")
