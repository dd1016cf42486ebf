"""Form helpers shared by every domain."""

from __future__ import annotations

from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from workbench.errors import DomainError


def apply_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Copy a service's reasons onto the form, next to the fields they are about."""
    for field_name, message in error.errors.items():
        field = getattr(form, field_name, None) if field_name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), message]
        else:
            form.form_errors.append(message)


def country_choices() -> list[SelectChoice]:
    """Countries named in the reader's language, sorted by that name; "" first for "not given"."""
    territories = get_locale().territories
    names = sorted(
        ((code, name) for code, name in territories.items() if len(code) == 2 and code.isalpha()),
        key=lambda pair: pair[1],
    )
    return [SelectChoice("", "—"), *(SelectChoice(code, name) for code, name in names)]
