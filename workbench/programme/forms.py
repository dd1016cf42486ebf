"""Manager forms: cohorts, staff accounts, roles, mentors."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from workbench.auth.forms import LANGUAGE_CHOICES
from workbench.auth.profile import gender_choices, protection_choices
from workbench.auth.roles import ROLE_LABELS, STAFF_ROLES, Role
from workbench.programme.models import DEFAULT_COMPLETION_SHARE


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def staff_role_choices() -> list[SelectChoice]:
    return [SelectChoice(r.value, ROLE_LABELS[r]) for r in STAFF_ROLES]


def all_role_choices() -> list[SelectChoice]:
    return [SelectChoice(r.value, ROLE_LABELS[r]) for r in Role]


class CohortForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l('For example "Re-Lab Venezia 2026".'),
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=80)])
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])
    partners = TextAreaField(
        _l("Partners"),
        validators=[Optional(), Length(max=1000)],
        description=_l("The organisations running the cohort together, one per line."),
        render_kw={"rows": 4},
    )
    #: Empty on the new-cohort form: the default share.
    completion_share = IntegerField(
        _l("Share of the training hours needed to complete it (percent)"),
        default=DEFAULT_COMPLETION_SHARE,
        validators=[
            Optional(),
            NumberRange(min=1, max=100, message=_l("Enter a whole percentage from 1 to 100.")),
        ],
        description=_l("A trainee completes the training once the hours recorded in the register reach it."),
        render_kw={"inputmode": "numeric"},
    )


class StaffForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    roles = CheckboxesField(_l("Roles"), choices=staff_role_choices, validators=[DataRequired()])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class RolesForm(FlaskForm):
    roles = CheckboxesField(_l("Roles"), choices=all_role_choices)


class MentorForm(FlaskForm):
    mentor_id = SelectField(_l("Mentor"), coerce=int, validators=[DataRequired()])


class ProfileForm(FlaskForm):
    """What a manager records about a person for the programme's reports (sensitive: managers only)."""

    country = SelectField(_l("Country of origin"), validators=[Optional()])
    gender = SelectField(_l("Gender"), choices=gender_choices, validators=[Optional()])
    protection_status = SelectField(
        _l("Protection status"),
        choices=protection_choices,
        validators=[Optional()],
        description=_l("The residence permit the person holds, as they told the programme."),
    )
    #: The details the page was made from (auth.profile.profile_digest).
    seen = HiddenField()
