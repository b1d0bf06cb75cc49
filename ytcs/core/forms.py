"""Glue between services and forms: a service's ValidationError lands on the form fields."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def call_service[T](form: forms.BaseForm, action: Callable[[], T]) -> T | None:
    """Run a service for a valid form; on a ValidationError put its messages on the form and return None."""
    try:
        return action()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service's validation errors to the form, keeping what the user typed."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            if field == NON_FIELD_ERRORS:
                target = None
            for message in messages:
                form.add_error(target, message if target else f"{message}")
    else:
        for message in error.messages:
            form.add_error(None, message)
