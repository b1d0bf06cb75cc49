"""Pages of data exchange (nhập, xuất số liệu): the caller's imports with their progress and every conflict, the
upload, the .xlsx template of a data set, and the export of values in the caller's scope.

Reads go through `selectors_imports` (restricted to the viewer), imports through `jobs.job_create`, which queues
the background job (run inline when no broker is configured).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ytcs.core.forms import add_service_errors
from ytcs.core.pages import paginate, xlsx_response
from ytcs.indicators import exchange, jobs, selectors_imports
from ytcs.indicators import periods as P
from ytcs.indicators.forms_imports import STRATEGY_CHOICES, ExportForm, ImportUploadForm, TemplateForm
from ytcs.indicators.models import ImportStatus

CONFLICTS_PER_PAGE = 50
EXPORT_FIELD_OF = {
    "dataSet": "data_set",
    "period": "periods",
    "startDate": "start",
    "endDate": "end",
    "orgUnit": "orgunit",
}


def _require_import_right(request) -> None:
    if not selectors_imports.may_enter_somewhere(user=request.user):
        raise PermissionDenied(_("Your roles do not allow entering data."))


@login_required
@require_GET
def import_list_view(request):
    page = paginate(request, selectors_imports.import_job_list(user=request.user))
    context = {
        "page": page,
        "can_import": selectors_imports.may_enter_somewhere(user=request.user),
        "phase_label": jobs.phase_label,
    }
    return render(request, "indicators/imports/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_create_view(request):
    _require_import_right(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        options = exchange.Options(dry_run=form.cleaned_data["dry_run"], strategy=form.cleaned_data["strategy"])
        try:
            job = jobs.job_create(
                user=request.user,
                upload=upload,
                original_name=upload.name,
                options=options,
                content_type=getattr(upload, "content_type", ""),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("indicators:import_detail", pk=job.pk)
    return render(request, "indicators/imports/create.html", {"form": form, "can_import": True})


def _detail_context(request, job) -> dict:
    progress = selectors_imports.import_progress(job)
    lines = selectors_imports.ConflictLines(job.summary or {})
    conflicts = Paginator(lines, CONFLICTS_PER_PAGE).get_page(request.GET.get("page"))
    summary = job.summary or {}
    return {
        "job": job,
        "can_import": selectors_imports.may_enter_somewhere(user=request.user),
        "progress": progress,
        "phase": jobs.phase_label(progress["phase"]),
        "running": job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        "summary": summary,
        "count": summary.get("importCount") or {},
        "conflicts": conflicts,
        "dry_run": bool((job.options or {}).get("dryRun")),
        "strategy": dict(STRATEGY_CHOICES).get((job.options or {}).get("importStrategy"), ""),
    }


@login_required
@require_GET
def import_detail_view(request, pk: int):
    job = selectors_imports.import_job_get(user=request.user, pk=pk)
    return render(request, "indicators/imports/detail.html", _detail_context(request, job))


@login_required
@require_GET
def import_progress_view(request, pk: int):
    """The progress fragment the job page polls every 2 s; once the import has ended, htmx reloads the page."""
    job = selectors_imports.import_job_get(user=request.user, pk=pk)
    response = render(request, "indicators/imports/partials/progress.html", _detail_context(request, job))
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED) and getattr(request, "htmx", False):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def import_template_view(request):
    """The .xlsx template of a data set (with ?data_set=), or the page to choose one."""
    _require_import_right(request)
    data_sets = list(selectors_imports.data_set_choices())
    form = TemplateForm(request.GET or None, data_sets=data_sets)
    if form.is_bound and form.is_valid():
        data_set = selectors_imports.data_set_get(code=form.cleaned_data["data_set"])
        period = form.cleaned_data.get("period") or None
        error = None
        if period:
            try:
                parsed = P.parse(period)
            except ValidationError as exc:
                error = exc
            else:
                if parsed.type != data_set.period_type:
                    error = ValidationError(
                        {
                            "period": [
                                _("%(period)s is not a period of data set %(code)s (%(type)s).")
                                % {
                                    "period": parsed.code,
                                    "code": data_set.code,
                                    "type": data_set.get_period_type_display().lower(),
                                }
                            ]
                        }
                    )
                period = parsed.code
        if error is None:
            content = exchange.template_workbook(
                data_set=data_set,
                lines=selectors_imports.template_lines(data_set=data_set),
                units=selectors_imports.template_units(user=request.user, data_set=data_set) if period else (),
                period=period,
            )
            name = f"mau-nhap-{data_set.code}{'-' + period if period else ''}.xlsx"
            return xlsx_response(content, name)
        if not hasattr(error, "error_dict"):
            error = ValidationError({"period": error.messages})
        add_service_errors(form, error)
    return render(request, "indicators/imports/template.html", {"form": form, "can_import": True})


@login_required
@require_GET
def export_view(request):
    """Values of a data set, periods and a unit (and the units below) in the caller's scope: the .xlsx template
    filled in, or DHIS2's dataValueSets JSON."""
    data_sets = list(selectors_imports.data_set_choices())
    units = selectors_imports.unit_choices_for_export(user=request.user)
    initial = {"orgunit": units[0][0]} if units else {}
    form = ExportForm(request.GET or None, data_sets=data_sets, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            spec = selectors_imports.export_spec(user=request.user, params=form.query())
        except ValidationError as exc:
            add_service_errors(
                form,
                ValidationError(
                    {EXPORT_FIELD_OF.get(key, "__all__"): value for key, value in exc.message_dict.items()}
                ),
            )
        else:
            rows = selectors_imports.export_rows(user=request.user, spec=spec)
            stem = f"so-lieu-{spec.data_sets[0].code}-{spec.units[0].code}"
            if form.cleaned_data["fmt"] == "json":
                response: HttpResponse = StreamingHttpResponse(
                    exchange.export_json_chunks(spec, rows), content_type="application/json"
                )
                response["Content-Disposition"] = f'attachment; filename="{stem}.json"'
                return response
            return xlsx_response(exchange.export_workbook(rows), f"{stem}.xlsx")
    context = {
        "form": form,
        "units": units,
        "can_import": selectors_imports.may_enter_somewhere(user=request.user),
    }
    return render(request, "indicators/imports/export.html", context)
