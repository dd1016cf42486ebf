"""Forms of the milestone pages: a template, and the notes a milestone is done or waived with.

Every form that changes a stored row carries the revision the page showed, so a change made from a stale
page is refused rather than written over a newer one.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from workbench.auth.roles import ROLE_LABELS
from workbench.mentoring.milestone_models import EVENT_LABELS, MilestoneEvent
from workbench.mentoring.milestones import MAX_NOTE_CHARACTERS, MAX_OFFSET_DAYS, RESPONSIBLE_ROLES

#: A revision as posted back: a positive number of a size the database column holds.
REVISION = [InputRequired(), NumberRange(min=1, max=2**31 - 1)]


class RevisionForm(FlaskForm):
    """A press on a button (sign off, reopen, switch off): only the revision the page showed."""

    revision = IntegerField(widget=HiddenField.widget, validators=REVISION)


class DoneForm(RevisionForm):
    evidence = TextAreaField(
        _l("How was it reached?"),
        validators=[DataRequired(), Length(max=MAX_NOTE_CHARACTERS)],
        description=_l("For example the VAT number, the date of registration, the first receipt."),
    )


class WaiveForm(RevisionForm):
    reason = TextAreaField(
        _l("Why does it no longer apply?"), validators=[DataRequired(), Length(max=MAX_NOTE_CHARACTERS)]
    )


class TemplateForm(FlaskForm):
    title = StringField(_l("Milestone"), validators=[DataRequired(), Length(max=160)])
    responsible_role = SelectField(
        _l("Who is responsible"),
        choices=[SelectChoice(role.value, ROLE_LABELS[role]) for role in RESPONSIBLE_ROLES],
    )
    event = SelectField(
        _l("Due date counts from"),
        choices=[SelectChoice(event.value, EVENT_LABELS[event]) for event in MilestoneEvent],
    )
    offset_days = IntegerField(
        _l("Days after that event"),
        validators=[InputRequired(), NumberRange(min=0, max=MAX_OFFSET_DAYS)],
        default=30,
    )
    position = IntegerField(
        _l("Order in lists"),
        validators=[InputRequired(), NumberRange(min=0, max=999)],
        default=100,
        description=_l("Smaller numbers come first."),
    )


class EditTemplateForm(TemplateForm):
    revision = IntegerField(widget=HiddenField.widget, validators=REVISION)
