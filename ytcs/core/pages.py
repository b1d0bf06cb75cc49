"""Helpers for server-rendered pages: SQL pagination and htmx full-page/fragment rendering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

PAGE_SIZES = (25, 50, 100)


def paginate(request: HttpRequest, queryset: QuerySet, default_size: int = 25) -> Any:
    """A page of the queryset, sliced in SQL (LIMIT/OFFSET); bad page numbers fall back to the nearest page."""
    try:
        size = int(request.GET.get("page_size", default_size))
    except ValueError:
        size = default_size
    size = size if size in PAGE_SIZES else default_size
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def render_page(request: HttpRequest, template: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    """Render the whole page, or only the fragment when htmx asks for it (no history restore)."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and htmx.target:
        return render(request, partial, context)
    return render(request, template, context)


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx file download."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def stored_file_response(
    file: FieldFile, *, filename: str | None, content_type: str | None, as_attachment: bool = False
) -> FileResponse:
    """An uploaded file (evidence, a photo) served to a caller whose scope the view has checked. Http404 when the
    file is gone from storage (DRF answers it as a 404 too); never content-sniffed, never kept in a shared cache."""
    try:
        handle = file.open("rb")
    except (OSError, ValueError):  # ValueError: the field holds no file
        raise Http404(_("The file is no longer stored.")) from None
    response = FileResponse(
        handle,
        as_attachment=as_attachment,
        filename=filename or None,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def import_page(
    request: HttpRequest,
    *,
    run: Callable[[Any], Any],
    template: str,
    success: Callable[[Any], str],
    done_url: str,
) -> HttpResponse:
    """An import page: the upload form, then either every problem listed (nothing saved) or a redirect with
    the counts. `run(file)` is the app's all-or-nothing importer, returning an ImportResult."""
    from ytcs.core.forms import ImportForm

    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = run(form.cleaned_data["file"])
        if result.ok:
            messages.success(request, success(result))
            return redirect(done_url)
    return render(request, template, {"form": form, "result": result})
