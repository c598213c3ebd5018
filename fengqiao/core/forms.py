"""What every page form shares."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` back on the page's form: under the field it names
    when the form has that field, else as an error of the form as a whole."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
