"""Pages of the catalogue of routine data and indicators (danh mục số liệu và chỉ số): a landing page with the
count of each kind, searchable lists, the pages of one entry (an indicator's formula in words, a data set's sections,
a data element's data sets and usual range), forms to create, correct and delete entries (province administrators
only, as the workforce catalogues), the whole catalogue as a YAML file and its import, and an expression check for
the forms. Reads go through `selectors_catalogue`, writes through `catalogue_services` and `catalogue_io`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ytcs.core.forms import call_service, valid_filters
from ytcs.core.pages import paginate, query_without_page, render_page
from ytcs.indicators import catalogue, catalogue_io
from ytcs.indicators import catalogue_services as services
from ytcs.indicators import forms_catalogue as catalogue_forms
from ytcs.indicators import selectors_catalogue as selectors
from ytcs.indicators.models import DEFAULT_COMBO
from ytcs.orgunits.models import OrgUnitKind

YAML_CONTENT_TYPE = "application/yaml; charset=utf-8"
EXPRESSION_FIELDS = ("numerator", "denominator", "left", "right")
"""The form fields holding an expression, checked as they are typed."""


def _ensure_can_manage(user: Any) -> None:
    if not services.can_manage_catalogues(user):
        raise PermissionDenied(_("Only province administrators change the catalogues."))


def _base(request, tab: str) -> dict[str, Any]:
    return {"can_manage": services.can_manage_catalogues(request.user), "tab": tab}


# ---------------------------------------------------------------------------------------------- kinds of entry


@dataclass(frozen=True)
class Kind:
    """How the generic form and delete pages handle one kind of catalogue entry."""

    key: str
    form: type[forms.ModelForm]
    get: Callable[..., Any]
    save: Callable[..., Any]
    delete: Callable[..., Any]
    argument: str  # the service's keyword for the entry
    tab: str
    list_url: str
    detail_url: str | None
    new_title: Any
    edit_title: Any
    expression_help: bool = False
    registry: bool = False  # whether its expressions may use registry figures


KINDS = {
    "element": Kind(
        "element",
        catalogue_forms.DataElementForm,
        selectors.data_element_get,
        services.data_element_save,
        services.data_element_delete,
        "element",
        "elements",
        "indicators:catalogue_element_list",
        "indicators:catalogue_element_detail",
        gettext_lazy("New data element"),
        gettext_lazy("Edit data element"),
    ),
    "dataset": Kind(
        "dataset",
        catalogue_forms.DataSetForm,
        selectors.data_set_get,
        services.data_set_save,
        services.data_set_delete,
        "data_set",
        "datasets",
        "indicators:catalogue_dataset_list",
        "indicators:catalogue_dataset_detail",
        gettext_lazy("New data set"),
        gettext_lazy("Edit data set"),
    ),
    "indicator": Kind(
        "indicator",
        catalogue_forms.IndicatorForm,
        selectors.indicator_get,
        services.indicator_save,
        services.indicator_delete,
        "indicator",
        "indicators",
        "indicators:catalogue_indicator_list",
        "indicators:catalogue_indicator_detail",
        gettext_lazy("New indicator"),
        gettext_lazy("Edit indicator"),
        expression_help=True,
        registry=True,
    ),
    "rule": Kind(
        "rule",
        catalogue_forms.ValidationRuleForm,
        selectors.validation_rule_get,
        services.validation_rule_save,
        services.validation_rule_delete,
        "rule",
        "rules",
        "indicators:catalogue_rule_list",
        "indicators:catalogue_rule_detail",
        gettext_lazy("New validation rule"),
        gettext_lazy("Edit validation rule"),
        expression_help=True,
    ),
    "constant": Kind(
        "constant",
        catalogue_forms.ConstantForm,
        selectors.constant_get,
        services.constant_save,
        services.constant_delete,
        "constant",
        "constants",
        "indicators:catalogue_constant_list",
        None,
        gettext_lazy("New constant"),
        gettext_lazy("Edit constant"),
    ),
    "combo": Kind(
        "combo",
        catalogue_forms.CategoryComboForm,
        selectors.category_combo_get,
        services.category_combo_save,
        services.category_combo_delete,
        "combo",
        "combos",
        "indicators:catalogue_combo_list",
        "indicators:catalogue_combo_detail",
        gettext_lazy("New disaggregation"),
        gettext_lazy("Edit disaggregation"),
    ),
    "category": Kind(
        "category",
        catalogue_forms.CategoryForm,
        selectors.category_get,
        services.category_save,
        services.category_delete,
        "category",
        "combos",
        "indicators:catalogue_combo_list",
        None,
        gettext_lazy("New disaggregation category"),
        gettext_lazy("Edit disaggregation category"),
    ),
}


def _after_save_url(kind: Kind, row: Any) -> str:
    return reverse(kind.detail_url, args=[row.code]) if kind.detail_url else reverse(kind.list_url)


@login_required
def catalogue_form_view(request, kind: str, code: str | None = None):
    """Create (no code) or correct an entry; 403 for anyone but a catalogue manager, the form included."""
    spec = KINDS[kind]
    _ensure_can_manage(request.user)
    row = spec.get(user=request.user, code=code) if code is not None else None
    form = spec.form(request.POST or None, instance=row, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = call_service(
            form, lambda: spec.save(user=request.user, **{spec.argument: row}, **form.service_fields())
        )
        if saved is not None:
            messages.success(request, _("%(name)s was saved.") % {"name": saved.name})
            return redirect(_after_save_url(spec, saved))
    context = {
        **_base(request, spec.tab),
        "form": form,
        "row": row,
        "kind": kind,
        "heading": spec.edit_title if row else spec.new_title,
        "cancel_url": _after_save_url(spec, row) if row else reverse(spec.list_url),
        "expression_help": spec.expression_help,
        "registry_allowed": spec.registry,
        "registry_keys": selectors.registry_keys() if spec.expression_help else [],
        "expression_fields": EXPRESSION_FIELDS,
    }
    return render(request, "indicators/catalogue/form.html", context)


@login_required
def catalogue_delete_view(request, kind: str, code: str):
    """Ask, then delete an entry nothing uses; a refusal says what uses it."""
    spec = KINDS[kind]
    _ensure_can_manage(request.user)
    row = spec.get(user=request.user, code=code)
    error = None
    if request.method == "POST":
        try:
            spec.delete(user=request.user, **{spec.argument: row})
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("%(name)s was deleted.") % {"name": row.name})
            return redirect(spec.list_url)
    context = {
        **_base(request, spec.tab),
        "row": row,
        "kind": kind,
        "error": error,
        "cancel_url": _after_save_url(spec, row),
    }
    return render(request, "indicators/catalogue/confirm_delete.html", context)


# ---------------------------------------------------------------------------------------------- landing, lists


@login_required
def catalogue_view(request):
    context = {**_base(request, "catalogue"), "counts": selectors.catalogue_counts(user=request.user)}
    return render(request, "indicators/catalogue/catalogue.html", context)


def _list(request, *, rows, form, tab: str, title: Any, intro: Any, table: str, create_kind: str, **extra: Any):
    page = paginate(request, rows)
    context = {
        **_base(request, tab),
        "page": page,
        "query": query_without_page(request),
        "filter_form": form,
        "title": title,
        "intro": intro,
        "table": table,
        "create_url": reverse(f"indicators:catalogue_{create_kind}_create"),
        **extra,
    }
    return render_page(request, "indicators/catalogue/list.html", table, context)


@login_required
def element_list_view(request):
    form = catalogue_forms.ElementSearchForm(request.GET or None)
    filters = valid_filters(form)
    data_set = None
    if filters.get("data_set"):
        data_set = selectors.data_set_list(user=request.user).filter(code=filters["data_set"]).first()
    rows = selectors.data_element_list(user=request.user, q=filters.get("q"), data_set=filters.get("data_set"))
    return _list(
        request,
        rows=rows,
        form=form,
        tab="elements",
        title=_("Data elements"),
        intro=_("The figures units report each period (chỉ tiêu báo cáo), with their disaggregation and usual range."),
        table="indicators/catalogue/partials/element_table.html",
        create_kind="element",
        data_set=data_set,
    )


@login_required
def dataset_list_view(request):
    form = catalogue_forms.SearchForm(request.GET or None)
    rows = selectors.data_set_list(user=request.user, q=valid_filters(form).get("q"))
    return _list(
        request,
        rows=rows,
        form=form,
        tab="datasets",
        title=_("Data sets"),
        intro=_(
            "Report forms (biểu mẫu báo cáo): data elements reported together every period by units of given kinds."
        ),
        table="indicators/catalogue/partials/dataset_table.html",
        create_kind="dataset",
    )


@login_required
def indicator_list_view(request):
    form = catalogue_forms.IndicatorSearchForm(request.GET or None)
    filters = valid_filters(form)
    rows = selectors.indicator_list(user=request.user, q=filters.get("q"), group=filters.get("group"))
    return _list(
        request,
        rows=rows,
        form=form,
        tab="indicators",
        title=_("Indicators"),
        intro=_("Indicators (chỉ số): a numerator over a denominator, times a factor."),
        table="indicators/catalogue/partials/indicator_table.html",
        create_kind="indicator",
    )


@login_required
def rule_list_view(request):
    form = catalogue_forms.SearchForm(request.GET or None)
    rows = selectors.validation_rule_list(user=request.user, q=valid_filters(form).get("q"))
    return _list(
        request,
        rows=rows,
        form=form,
        tab="rules",
        title=_("Validation rules"),
        intro=_("Checks between a unit's figures of one period, shown beside the entry form when they do not hold."),
        table="indicators/catalogue/partials/rule_table.html",
        create_kind="rule",
    )


@login_required
def constant_list_view(request):
    form = catalogue_forms.SearchForm(request.GET or None)
    rows = selectors.constant_list(user=request.user, q=valid_filters(form).get("q"))
    return _list(
        request,
        rows=rows,
        form=form,
        tab="constants",
        title=_("Constants"),
        intro=_("Named numbers used in expressions as C{CODE}."),
        table="indicators/catalogue/partials/constant_table.html",
        create_kind="constant",
    )


@login_required
def combo_list_view(request):
    form = catalogue_forms.SearchForm(request.GET or None)
    q = valid_filters(form).get("q")
    rows = selectors.category_combo_list(user=request.user, q=q)
    return _list(
        request,
        rows=rows,
        form=form,
        tab="combos",
        title=_("Disaggregations"),
        intro=_(
            "A disaggregation (tổ hợp phân tổ) crosses categories such as sex and age group; each cell is an option "
            "combo a value is reported for."
        ),
        table="indicators/catalogue/partials/combo_table.html",
        create_kind="combo",
        categories=selectors.category_list(user=request.user, q=q),
        default_combo=DEFAULT_COMBO,
    )


# ---------------------------------------------------------------------------------------------- one entry


@login_required
def element_detail_view(request, code: str):
    element = selectors.data_element_get(user=request.user, code=code)
    context = {
        **_base(request, "elements"),
        "element": element,
        "memberships": selectors.element_memberships(element=element),
        "option_combos": selectors.option_combos_of(combo=element.category_combo),
        "used_by": selectors.expression_users(data_element=element.code),
    }
    return render(request, "indicators/catalogue/element_detail.html", context)


@dataclass(frozen=True)
class Section:
    name: str
    members: list[Any]


def _sections(members) -> list[Section]:
    sections: list[Section] = []
    for member in members:
        if not sections or sections[-1].name != member.section:
            sections.append(Section(member.section, []))
        sections[-1].members.append(member)
    return sections


@login_required
def dataset_detail_view(request, code: str):
    data_set = selectors.data_set_get(user=request.user, code=code)
    kinds = dict(OrgUnitKind.choices)
    context = {
        **_base(request, "datasets"),
        "data_set": data_set,
        "unit_kinds": [kinds.get(k, k) for k in data_set.unit_kinds or []],
        "sections": _sections(selectors.data_set_members(data_set=data_set)),
        "rules": selectors.rules_of_data_set(data_set=data_set),
    }
    return render(request, "indicators/catalogue/dataset_detail.html", context)


@login_required
def indicator_detail_view(request, code: str):
    indicator = selectors.indicator_get(user=request.user, code=code)
    numerator, denominator = selectors.describe_expressions([indicator.numerator, indicator.denominator])
    context = {
        **_base(request, "indicators"),
        "indicator": indicator,
        "numerator": numerator,
        "denominator": denominator,
        "plain_denominator": indicator.denominator.strip() == "1",
    }
    return render(request, "indicators/catalogue/indicator_detail.html", context)


@login_required
def rule_detail_view(request, code: str):
    rule = selectors.validation_rule_get(user=request.user, code=code)
    left, right = selectors.describe_expressions([rule.left, rule.right])
    context = {
        **_base(request, "rules"),
        "rule": rule,
        "left": left,
        "right": right,
        "data_sets": selectors.data_sets_of_rule(rule=rule),
    }
    return render(request, "indicators/catalogue/rule_detail.html", context)


@login_required
def combo_detail_view(request, code: str):
    combo = selectors.category_combo_get(user=request.user, code=code)
    context = {
        **_base(request, "combos"),
        "combo": combo,
        "categories": selectors.categories_of(combo=combo),
        "option_combos": selectors.option_combos_of(combo=combo),
        "elements": selectors.elements_of_combo(combo=combo),
        "is_default": combo.code == DEFAULT_COMBO,
    }
    return render(request, "indicators/catalogue/combo_detail.html", context)


# ---------------------------------------------------------------------------------------------- expression check


@login_required
def check_expression_view(request):
    """htmx: an expression typed in a form, resolved to names or with what is wrong. The expression comes as
    `expression`, or as the form field named by `field` (the form's own input, included by htmx)."""
    name = request.GET.get("field", "")
    text = request.GET.get(name if name in EXPRESSION_FIELDS else "expression", "")[:1000]
    registry_allowed = request.GET.get("registry") == "1"
    errors: list[str] = []
    parts: list[Any] = []
    if text.strip():
        try:
            catalogue.check_expression(text, allow_registry=registry_allowed)
        except ValidationError as exc:
            errors = list(exc.messages)
        else:
            parts = selectors.describe_expressions([text])[0]
    return render(
        request,
        "indicators/catalogue/partials/expression_check.html",
        {"text": text, "errors": errors, "parts": parts},
    )


# ---------------------------------------------------------------------------------------------- export, import


@login_required
def export_view(request):
    text = catalogue_io.export_yaml(user=request.user)
    response = HttpResponse(text.encode("utf-8"), content_type=YAML_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="danh-muc-chi-so-{timezone.localdate():%Y%m%d}.yaml"'
    return response


@login_required
def import_view(request):
    _ensure_can_manage(request.user)
    form = catalogue_forms.CatalogueImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = catalogue_io.import_upload(user=request.user, upload=form.cleaned_data["file"])
        if result.ok:
            messages.success(request, result.summary())
            return redirect("indicators:catalogue")
    context = {**_base(request, "catalogue"), "form": form, "result": result}
    return render(request, "indicators/catalogue/import.html", context)
