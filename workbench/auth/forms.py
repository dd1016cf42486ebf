"""Forms for logging in, registering, resetting a password and choosing a language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from workbench.auth.profile import gender_choices
from workbench.config import LANGUAGES

LANGUAGE_CHOICES = [SelectChoice(code, name) for code, name in LANGUAGES.items()]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class NewPasswordMixin:
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("At least 10 characters. A short sentence is easy to remember and hard to guess."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class RegisterForm(NewPasswordMixin, FlaskForm):
    invite_code = StringField(
        _l("Invite code"),
        validators=[DataRequired(), Length(max=16)],
        description=_l("Your programme gives you this code when you join a course."),
    )
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=32)])
    country = SelectField(_l("Country of origin (optional)"), validators=[Optional()])
    gender = SelectField(
        _l("Gender (optional)"),
        choices=gender_choices,
        validators=[Optional()],
        description=_l("Only the programme's managers see it, for the programme's reports."),
    )
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    next = HiddenField()
