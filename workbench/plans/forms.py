"""Forms of the plan pages with a fixed shape. Answers and numbers are dynamic and parsed by the services."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from workbench.plans.services import MAX_NOTE_CHARACTERS


class NewPlanForm(FlaskForm):
    business_type = RadioField(_l("Type of business"), validators=[DataRequired()])
    title = StringField(
        _l("Name of your business (you can change it later)"),
        validators=[Optional(), Length(max=160)],
        description=_l('For example "Fatou\'s Kitchen" or "Sartoria Lina".'),
    )
    start_from = RadioField(
        _l("Start from"),
        choices=[
            SelectChoice("typical", _l("Empty answers and the typical numbers for this business")),
            SelectChoice("example", _l("The complete example plan, to change into your own")),
        ],
        default="typical",
    )


class RequestChangesForm(FlaskForm):
    note = TextAreaField(
        _l("What should change?"),
        validators=[DataRequired(), Length(max=MAX_NOTE_CHARACTERS)],
        description=_l("Be concrete: which section, what is missing, what to check."),
    )


class EndorseForm(FlaskForm):
    """Beside RequestChangesForm on the same page: its fields are prefixed ("endorse-note")."""

    note = TextAreaField(
        _l("Why is the plan ready for credit?"),
        validators=[DataRequired(), Length(max=MAX_NOTE_CHARACTERS)],
        description=_l(
            "The trainee reads it, and so does the loan officer: what convinced you, what to watch."
        ),
    )


ENDORSE_PREFIX = "endorse"


@dataclass
class DecisionForms:
    """The two forms of the reviewer's decision card, each with its own note."""

    changes: RequestChangesForm
    endorse: EndorseForm


def decision_forms(*, posted: bool = True) -> DecisionForms:
    """Both forms, filled from the request (htmx also posts the other form's note, so a card coming back with
    an error keeps what was typed in both), or empty."""
    if posted:
        return DecisionForms(RequestChangesForm(), EndorseForm(prefix=ENDORSE_PREFIX))
    return DecisionForms(RequestChangesForm(formdata=None), EndorseForm(formdata=None, prefix=ENDORSE_PREFIX))


class ImportForm(FlaskForm):
    file = FileField(_l("Numbers file (.json)"), validators=[FileRequired()])
    title = StringField(
        _l("Name of the new plan (optional)"),
        validators=[Optional(), Length(max=160)],
        description=_l(
            "Left empty, the plan gets the file's name and today's date, so it is not confused "
            "with the plan the file came from."
        ),
    )
