"""Glue between services and forms: a service's ValidationError lands on the form fields."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DATE_WIDGET = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def date_field(label, *, required: bool = True, **kwargs) -> forms.DateField:
    """A dd/mm/yyyy date input (ISO accepted too), the same on every page."""
    return forms.DateField(label=label, required=required, widget=DATE_WIDGET, input_formats=DATE_FORMATS, **kwargs)


def valid_filters(form: forms.BaseForm) -> dict:
    """The fields of a filter form that are valid: one bad value (a stale title code) must not drop the
    others, or a filtered list, and its export, would silently show everything."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}


def call_service[T](form: forms.BaseForm, action: Callable[[], T]) -> T | None:
    """Run a service for a valid form; on a ValidationError put its messages on the form and return None."""
    try:
        return action()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service's validation errors to the form, keeping what the user typed."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for field, messages in error.message_dict.items():
        # Errors on fields the form does not show (or NON_FIELD_ERRORS) go on top of the form.
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class ImportForm(forms.Form):
    """The upload of an import page: one .xlsx file made from the page's template."""

    file = forms.FileField(label=_("Excel file (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))
