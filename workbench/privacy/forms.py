"""The erasure request and its confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from workbench.privacy.erasure import REASONS
from workbench.timeutil import programme_today


class ErasureRequestForm(FlaskForm):
    reason = SelectField(
        _l("Why"),
        choices=[SelectChoice("", _l("Choose…")), *(SelectChoice(k, v) for k, v in REASONS.items())],
        validators=[InputRequired(message=_l("Choose a reason from the list."))],
    )
    requested_on = DateField(
        _l("Day the person asked"),
        validators=[InputRequired(message=_l("Enter the day of the request."))],
        default=programme_today,
    )


class ErasureConfirmForm(FlaskForm):
    confirm_email = StringField(
        _l("Type the person's e-mail to confirm"),
        validators=[
            InputRequired(message=_l("Type the person's e-mail exactly as shown to confirm.")),
            Length(max=254),
        ],
        description=_l("This cannot be undone."),
    )
