"""Forms of the catalogue pages: one per kind of entry, plus the search box and the catalogue import.

A data set's members and a category's options are typed one per line (the data set's like its YAML: a line
"# heading" starts a section), so a form re-shown with errors keeps exactly what was typed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ytcs.indicators import selectors_catalogue as selectors
from ytcs.indicators.catalogue_services import Member
from ytcs.indicators.models import (
    Category,
    CategoryCombo,
    Constant,
    DataElement,
    DataSet,
    Indicator,
    IndicatorGroup,
    ValidationRule,
)
from ytcs.orgunits.models import OrgUnitKind

SECTION_MARK = "#"


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)


class IndicatorSearchForm(SearchForm):
    group = forms.ChoiceField(
        label=gettext_lazy("Group"), required=False, choices=[("", gettext_lazy("All groups")), *IndicatorGroup.choices]
    )


class ElementSearchForm(SearchForm):
    data_set = forms.CharField(required=False, widget=forms.HiddenInput, max_length=50)


class CatalogueForm(forms.ModelForm):
    """Model fields as the model defines them; the service does the checks that need the database."""

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class DataElementForm(CatalogueForm):
    class Meta:
        model = DataElement
        fields = [
            "code",
            "name",
            "short_name",
            "value_type",
            "category_combo",
            "aggregation",
            "min_value",
            "max_value",
            "description",
            "source",
            "confirmed",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category_combo"].queryset = selectors.category_combo_list(user=self.user)
        self.fields["category_combo"].help_text = _("Disaggregation (e.g. by sex); fixed once values are reported.")
        self.fields["min_value"].help_text = _("A typed value outside the usual range is flagged, not refused.")
        if self.instance.pk is None and not self.is_bound:
            self.initial.setdefault("category_combo", selectors.default_combo().pk)


def members_text(data_set: DataSet) -> str:
    """The members of a data set as the form shows them: "# heading" lines, then one data element code a line."""
    lines: list[str] = []
    section = None
    for member in selectors.data_set_members(data_set=data_set):
        if member.section != section:
            section = member.section
            if section:
                lines.append(f"{SECTION_MARK} {section}")
        lines.append(member.data_element.code)
    return "\n".join(lines)


def parse_members(text: str) -> list[Member]:
    """Members from the form's text; every unknown code named with its line."""
    entries: list[tuple[int, str, str]] = []
    section = ""
    for number, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(SECTION_MARK):
            section = line[len(SECTION_MARK) :].strip()
            continue
        entries.append((number, line, section))
    found = selectors.elements_by_code(code for _n, code, _s in entries)
    errors = [
        _("Line %(line)d: no data element has the code %(code)s.") % {"line": number, "code": code}
        for number, code, _section in entries
        if code not in found
    ]
    if errors:
        raise ValidationError(errors)
    return [Member(found[code], section) for _number, code, section in entries]


class DataSetForm(CatalogueForm):
    unit_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Reported by units of kind"),
        choices=OrgUnitKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    members = forms.CharField(
        label=gettext_lazy("Data elements"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One data element code a line, in form order; a line starting with # is a section heading "
            "(e.g. “# Maternal and child health”)."
        ),
    )

    class Meta:
        model = DataSet
        fields = [
            "code",
            "name",
            "period_type",
            "expiry_days",
            "unit_kinds",
            "description",
            "source",
            "confirmed",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["members"] = members_text(self.instance)
            self.initial["unit_kinds"] = list(self.instance.unit_kinds or [])
        self.fields["period_type"].help_text = _("Fixed once values of its data elements are reported.")

    def clean_members(self) -> list[Member]:
        return parse_members(self.cleaned_data.get("members", ""))


def options_text(category: Category) -> str:
    return "\n".join(f"{o.code}: {o.name}" for o in selectors.options_of(category=category))


def parse_options(text: str) -> list[tuple[str, str]]:
    options, errors = [], []
    for number, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        code, colon, name = line.partition(":")
        if not colon or not code.strip() or not name.strip():
            errors.append(_("Line %(line)d: write “CODE: name”.") % {"line": number})
            continue
        options.append((code.strip(), name.strip()))
    if errors:
        raise ValidationError(errors)
    return options


class CategoryForm(CatalogueForm):
    options = forms.CharField(
        label=gettext_lazy("Options"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=gettext_lazy("One option a line, in order: “CODE: name” (e.g. “NU: Nữ”)."),
    )

    class Meta:
        model = Category
        fields = ["code", "name"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["options"] = options_text(self.instance)

    def clean_options(self) -> list[tuple[str, str]]:
        return parse_options(self.cleaned_data.get("options", ""))


class CategoryComboForm(CatalogueForm):
    class Meta:
        model = CategoryCombo
        fields = ["code", "name", "categories"]
        widgets = {"categories": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = selectors.category_list(user=self.user)
        self.fields["categories"].help_text = _("Crossed: sex × age group gives one option combo per sex and age.")


class ValidationRuleForm(CatalogueForm):
    class Meta:
        model = ValidationRule
        fields = ["code", "name", "left", "operator", "right", "instruction", "data_sets", "is_active"]
        widgets = {
            "left": forms.TextInput(attrs={"spellcheck": "false", "class": "expression"}),
            "right": forms.TextInput(attrs={"spellcheck": "false", "class": "expression"}),
            "data_sets": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["data_sets"].queryset = selectors.data_set_list(user=self.user)


class ConstantForm(CatalogueForm):
    class Meta:
        model = Constant
        fields = ["code", "name", "value", "source", "confirmed"]


class IndicatorForm(CatalogueForm):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "short_name",
            "group",
            "numerator",
            "numerator_description",
            "denominator",
            "denominator_description",
            "factor",
            "decimals",
            "unit_label",
            "higher_is_better",
            "sort_order",
            "description",
            "source",
            "confirmed",
            "is_active",
        ]
        widgets = {
            "numerator": forms.TextInput(attrs={"spellcheck": "false", "class": "expression"}),
            "denominator": forms.TextInput(attrs={"spellcheck": "false", "class": "expression"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["factor"].help_text = _("100 for a percentage, 1,000 for ‰, 10,000 for “per 10,000 population”.")
        self.fields["factor"].widget.attrs["min"] = 1
        self.fields["confirmed"].help_text = _(
            "Tick only once the formula has been checked against the regulation named as its source."
        )


class CatalogueImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Catalogue file (.yaml or .yml)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".yaml,.yml"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in {".yaml", ".yml"}:
            raise ValidationError(_("Choose a .yaml or .yml file."))
        if upload.size > settings.YTCS_IMPORT_MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": settings.YTCS_IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload
