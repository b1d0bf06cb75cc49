"""Pages of the assessment frameworks (bộ tiêu chí): every version with what is still unconfirmed, a framework's page
(notes, pass rule, criteria and items with their sources), downloads as YAML and Excel, and the import of a version
from either (catalogue managers only). Reads go through `ytcs.assessments.selectors`, the import through
`services.framework_import`, which checks the whole file before saving anything."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ytcs.assessments import selectors, services
from ytcs.assessments.frameworks import FrameworkError, dump_yaml, framework_document, parse_framework
from ytcs.assessments.models import Framework, Item, ItemType
from ytcs.assessments.scoring import ItemRule
from ytcs.core.audit import audit_context
from ytcs.core.models import AuditEntry
from ytcs.core.pages import paginate, query_without_page, xlsx_response
from ytcs.core.xlsx import ImportFileError, RowError
from ytcs.orgunits.models import OrgUnitKind
from ytcs.workforce.catalogue_services import can_manage_catalogues
from ytcs.workforce.selectors import competency_list

IMPORT_SUFFIXES = (".yaml", ".yml", ".xlsx")
YAML_CONTENT_TYPE = "application/yaml; charset=utf-8"


def _ensure_can_manage(user: Any) -> None:
    if not can_manage_catalogues(user):
        raise PermissionDenied(_("Only province administrators change the catalogues."))


def _filename(framework: Framework, suffix: str) -> str:
    """A safe download name: the code, then the version (which may hold any character)."""
    version = re.sub(r"[^A-Za-z0-9._-]+", "-", framework.version).strip("-")
    return f"{framework.code}-{version or 'v'}{suffix}"


# ---------------------------------------------------------------------------------------------------- list, detail


@login_required
def framework_list_view(request):
    frameworks = (
        selectors.framework_list(include_inactive=True)
        .annotate(
            items_count=Count("criteria__items", distinct=True),
            unconfirmed_items=Count("criteria__items", filter=Q(criteria__items__confirmed=False), distinct=True),
        )
        # An aggregate drops the model's default ordering; pages must be stable.
        .order_by("code", "-version", "pk")
    )
    return render(
        request,
        "assessments/frameworks/framework_list.html",
        {
            "page": paginate(request, frameworks),
            "query": query_without_page(request),
            "can_manage": can_manage_catalogues(request.user),
            "tab": "framework_list",
        },
    )


PREFILL_LABELS = {
    "station_has_doctor": gettext_lazy("the unit has a doctor working (workforce registry)"),
    "station_doctor_count": gettext_lazy("doctors working at the unit (workforce registry)"),
    "station_staff_count": gettext_lazy("people working at the unit (workforce registry)"),
    "station_population": gettext_lazy("catchment population, latest year (population figures)"),
}
COMPETENCY_PREFILL = "staff_with_competency:"


@dataclass(frozen=True)
class ItemRow:
    """An item as the framework page shows it."""

    item: Item
    points: Decimal | None  # the most it can score; None when the framework does not say
    prefill_label: str
    choices: str
    thresholds: str


@dataclass(frozen=True)
class CriterionBlock:
    criterion: Any
    rows: list[ItemRow]
    unconfirmed_items: int


def _prefill_label(key: str, competencies: dict[str, str]) -> str:
    if not key:
        return ""
    if key.startswith(COMPETENCY_PREFILL):
        code = key[len(COMPETENCY_PREFILL) :]
        return _("people holding a valid certificate “%(name)s” (workforce registry)") % {
            "name": competencies.get(code, code)
        }
    return str(PREFILL_LABELS.get(key, key))


def _points(item: Item) -> Decimal | None:
    if item.max_points is not None:
        return item.max_points
    rule = ItemRule(
        code=item.code,
        type=item.type,
        choices=tuple(c for c in item.choices or () if isinstance(c, dict)),
        thresholds=tuple(t for t in item.thresholds or () if isinstance(t, dict)),
    )
    if (rule.type == ItemType.CHOICE and rule.choices) or (rule.type == ItemType.NUMBER and rule.thresholds):
        return rule.reachable
    return None


@login_required
def framework_detail_view(request, pk: int):
    from ytcs.assessments.xlsx import choices_text, thresholds_text

    framework = selectors.framework_get(pk=pk)
    only_unconfirmed = request.GET.get("unconfirmed") == "1"
    criteria = list(framework.criteria.prefetch_related("items").order_by("order"))
    items = [item for criterion in criteria for item in criterion.items.all()]
    codes = {i.prefill[len(COMPETENCY_PREFILL) :] for i in items if i.prefill.startswith(COMPETENCY_PREFILL)}
    competencies = (
        dict(competency_list(include_inactive=True).filter(code__in=codes).values_list("code", "name")) if codes else {}
    )
    blocks = []
    for criterion in criteria:
        rows = [
            ItemRow(
                item=item,
                points=_points(item),
                prefill_label=_prefill_label(item.prefill, competencies),
                choices=choices_text(item.choices) if item.type == ItemType.CHOICE else "",
                thresholds=thresholds_text(item.thresholds) if item.type == ItemType.NUMBER else "",
            )
            for item in criterion.items.all()
        ]
        unconfirmed = sum(1 for row in rows if not row.item.confirmed)
        if only_unconfirmed:
            if criterion.confirmed and not unconfirmed:
                continue
            rows = [row for row in rows if not row.item.confirmed]
        blocks.append(CriterionBlock(criterion=criterion, rows=rows, unconfirmed_items=unconfirmed))
    kinds = dict(OrgUnitKind.choices)
    can_manage = can_manage_catalogues(request.user)
    context = {
        "framework": framework,
        "blocks": blocks,
        "only_unconfirmed": only_unconfirmed,
        "unit_kinds": [kinds.get(kind, kind) for kind in framework.unit_kinds],
        "summary": {
            "criteria": len(criteria),
            "unconfirmed_criteria": sum(1 for c in criteria if not c.confirmed),
            "items": len(items),
            "unconfirmed_items": sum(1 for i in items if not i.confirmed),
            "items_without_points": sum(1 for i in items if _points(i) is None),
        },
        "has_pass_rule": framework.pass_total_min is not None
        or framework.pass_criterion_min_percent is not None
        or any(c.min_points is not None for c in criteria),
        "can_manage": can_manage,
        # Managers need to know whether a corrected file may replace this version or must be a new one.
        "in_use": can_manage and framework.assessments.exists(),
        "tab": "framework_list",
    }
    return render(request, "assessments/frameworks/framework_detail.html", context)


# ---------------------------------------------------------------------------------------------------- downloads


@login_required
def framework_export_yaml_view(request, pk: int):
    framework = selectors.framework_get(pk=pk)
    heading = (
        f"# {framework.name} ({framework.version})\n"
        f"# YTCS {timezone.localdate():%d/%m/%Y}. Format: ytcs/assessments/data/FORMAT.md\n"
    )
    response = HttpResponse(
        (heading + dump_yaml(framework_document(framework))).encode("utf-8"), content_type=YAML_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(framework, ".yaml")}"'
    return response


@login_required
def framework_export_xlsx_view(request, pk: int):
    from ytcs.assessments import xlsx  # openpyxl is loaded only when a file is asked for

    framework = selectors.framework_get(pk=pk)
    return xlsx_response(xlsx.framework_workbook(framework_document(framework)), _filename(framework, ".xlsx"))


@login_required
def framework_import_template_view(request):
    from ytcs.assessments import xlsx

    return xlsx_response(xlsx.template_workbook(), "mau-bo-tieu-chi.xlsx")


# ---------------------------------------------------------------------------------------------------- import


def _too_big(max_bytes: int) -> str:
    megabytes = max_bytes / (1024 * 1024)
    limit = f"{megabytes:.0f}" if megabytes >= 1 else f"{megabytes:.2f}"
    return _("The file is larger than %(limit)s MB.") % {"limit": limit}


class FrameworkImportForm(forms.Form):
    """The upload of a framework file: YAML (the shipped format) or the Excel workbook of the template."""

    file = forms.FileField(
        label=gettext_lazy("Framework file (.yaml, .yml or .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(IMPORT_SUFFIXES)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in IMPORT_SUFFIXES:
            raise ValidationError(_("Choose a .yaml, .yml or .xlsx file."))
        if upload.size > settings.YTCS_IMPORT_MAX_BYTES:
            raise ValidationError(_too_big(settings.YTCS_IMPORT_MAX_BYTES))
        return upload


class _AliasFound(Exception):
    def __init__(self, mark: Any):
        super().__init__("alias")
        self.mark = mark


class _NoAliasLoader(yaml.SafeLoader):
    """yaml.safe_load, refusing anchors and aliases: repeated aliases would let a small file expand to millions of
    criteria and items to check. A framework file never needs them."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _AliasFound(self.peek_event().start_mark)
        return super().compose_node(parent, index)


def _file_error(message: str) -> RowError:
    return RowError("", None, "", message)


def _read_yaml(upload: Any) -> tuple[Any, list[RowError]]:
    limit = settings.YTCS_IMPORT_MAX_BYTES
    upload.seek(0)
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        return None, [_file_error(_too_big(limit))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [_file_error(_("The file is not UTF-8 text: save the YAML file as UTF-8."))]
    try:
        return yaml.load(text, Loader=_NoAliasLoader), []  # a SafeLoader: plain data only
    except _AliasFound as found:
        place = _("line %(line)d") % {"line": found.mark.line + 1}
        return None, [RowError("", None, place, _("Anchors and aliases (&, *) are not accepted: write each value."))]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        place = (
            _("line %(line)d, column %(column)d") % {"line": mark.line + 1, "column": mark.column + 1} if mark else ""
        )
        problem = error.problem or error.context or ""
        return None, [RowError("", None, place, _("Not valid YAML: %(problem)s.") % {"problem": problem})]
    except yaml.YAMLError:
        return None, [_file_error(_("Not valid YAML."))]


def _yaml_errors(messages_: list[str]) -> list[RowError]:
    """The checks of parse_framework for a YAML file: the place in the file's terms, then the problem."""
    from ytcs.assessments.xlsx import PLACE

    errors = []
    for message in messages_:
        match = PLACE.match(str(message))
        errors.append(RowError("", None, match["place"], match["message"]) if match else _file_error(str(message)))
    return errors


@dataclass
class _Upload:
    """A read upload: the loaded document, the problems found so far, and (for a workbook) where each part was."""

    kind: str
    document: Any = None
    errors: list[RowError] | None = None
    places: dict[str, tuple[str, int]] | None = None


def _read_upload(upload: Any) -> _Upload:
    if Path(upload.name).suffix.lower() != ".xlsx":
        document, errors = _read_yaml(upload)
        return _Upload("yaml", document, errors)
    from ytcs.assessments import xlsx

    try:
        book = xlsx.read_framework_workbook(upload, max_bytes=settings.YTCS_IMPORT_MAX_BYTES)
    except ImportFileError as error:
        return _Upload("xlsx", None, [_file_error(error.message)])
    errors = list(book.errors)
    if errors:
        # The cells that could be read still go through the framework checks, so every problem is listed at once.
        try:
            parse_framework(book.document)
        except FrameworkError as error:
            seen = {(e.sheet, e.row, e.column) for e in errors}
            errors += [
                e for e in xlsx.locate_errors(error.errors, book.places) if (e.sheet, e.row, e.column) not in seen
            ]
        errors.sort(key=lambda e: (xlsx.SHEETS.index(e.sheet) if e.sheet in xlsx.SHEETS else -1, e.row or 0))
    return _Upload("xlsx", book.document, errors, book.places)


# Where the model's own validation of a framework points (field name) → the place in the file.
FIELD_PLACES = {
    "pass_total_min": "pass_rule.total_min",
    "pass_criterion_min_percent": "pass_rule.every_criterion_min_percent",
    "pass_rule_source": "pass_rule.source",
    "pass_rule_confirmed": "pass_rule.confirmed",
}


def _locate(upload: _Upload, messages_: list[str]) -> list[RowError]:
    """Problems in the checks' "place: problem" form, as sheet, row and column (workbook) or place (YAML)."""
    if upload.kind == "xlsx":
        from ytcs.assessments import xlsx

        return xlsx.locate_errors(messages_, upload.places)
    return _yaml_errors(messages_)


def _service_messages(error: ValidationError) -> list[str]:
    """A ValidationError of the import (a version already used, a value the model refuses) in the same form."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    return [
        f"{FIELD_PLACES.get(name, f'framework.{name}')}: {message}" if name != NON_FIELD_ERRORS else message
        for name, messages_ in error.message_dict.items()
        for message in messages_
    ]


@login_required
def framework_import_view(request):
    _ensure_can_manage(request.user)
    form = FrameworkImportForm(request.POST or None, request.FILES or None)
    upload, errors = None, []
    if request.method == "POST" and form.is_valid():
        upload = _read_upload(form.cleaned_data["file"])
        errors = upload.errors or []
        if not errors and not isinstance(upload.document, dict):
            errors = [_file_error(_("The file does not hold a framework (a mapping at the top)."))]
        if not errors:
            document = upload.document
            code, version = (str(document.get(k) or "").strip() for k in ("code", "version"))
            replaces = selectors.framework_list(include_inactive=True).filter(code=code, version=version).exists()
        if not errors:
            try:
                with audit_context(user=request.user, source=AuditEntry.Source.IMPORT):
                    framework = services.framework_import(user=request.user, data=document)
            except FrameworkError as error:
                errors = _locate(upload, error.errors)
            except ValidationError as error:
                errors = _locate(upload, _service_messages(error))
            else:
                counts = {
                    "name": framework.name,
                    "version": framework.version,
                    **framework.criteria.aggregate(criteria=Count("pk", distinct=True), items=Count("items")),
                }
                message = (
                    _("Version %(version)s of %(name)s was replaced: %(criteria)d criteria, %(items)d items.")
                    if replaces
                    else _("%(name)s, version %(version)s, was imported: %(criteria)d criteria, %(items)d items.")
                )
                messages.success(request, message % counts)
                return redirect("assessments:framework_detail", pk=framework.pk)
    context = {
        "form": form,
        "errors": errors,
        "kind": upload.kind if upload else "",
        "max_mb": settings.YTCS_IMPORT_MAX_BYTES // (1024 * 1024),
        "tab": "framework_list",
    }
    return render(request, "assessments/frameworks/framework_import.html", context)
