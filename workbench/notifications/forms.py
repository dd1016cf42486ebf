"""Forms: asking for a password link by e-mail, and choosing how often to receive e-mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from workbench.notifications.models import Frequency

FREQUENCY_LABELS = {
    Frequency.IMMEDIATE: _l("Right away"),
    Frequency.DAILY: _l("Once a day, in one e-mail"),
    Frequency.NONE: _l("Never"),
}
FREQUENCY_HELP = {
    Frequency.IMMEDIATE: _l("An e-mail each time something needs you, a few minutes after it happens."),
    Frequency.DAILY: _l("Everything of the day gathered in one e-mail, sent in the evening."),
    Frequency.NONE: _l("You see everything when you log in. Password links still arrive by e-mail."),
}


def _stripped(value: str | None) -> str | None:
    """Phones add a space after a word typed with their suggestions."""
    return value.strip() if isinstance(value, str) else value


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[_stripped]
    )


class MailPreferenceForm(FlaskForm):
    frequency = RadioField(
        _l("E-mail me about my programme"),
        choices=[SelectChoice(f.value, FREQUENCY_LABELS[f]) for f in Frequency],
        validators=[DataRequired(message=_l("Choose one of the options."))],
    )
