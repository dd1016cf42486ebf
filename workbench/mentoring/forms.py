"""Mentoring forms. Each part of the accompaniment keeps its forms in a block of its own below."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from workbench.mentoring.comments import MAX_COMMENT_CHARACTERS, MAX_QUOTE_CHARACTERS, new_token
from workbench.mentoring.models import CHANNELS, MAX_MINUTES, MIN_MINUTES
from workbench.mentoring.phases import SERVICES
from workbench.mentoring.sessions import (
    CHANNEL_LABELS,
    NEXT_STEPS_MAX,
    NOTES_MAX,
    SERVICE_LABELS,
    SessionDetails,
)
from workbench.programme.forms import CheckboxesField
from workbench.web.guards import MAX_ID

# --- tutoring sessions -------------------------------------------------------------------------------------


def channel_choices() -> list[SelectChoice]:
    return [SelectChoice(key, CHANNEL_LABELS[key]) for key in CHANNELS]


def service_choices() -> list[SelectChoice]:
    return [SelectChoice(key, SERVICE_LABELS[key]) for key in SERVICES]


class SessionForm(FlaskForm):
    """A session as the mentor logs it; the same fields correct it."""

    held_on = DateField(_l("Day of the session"), validators=[InputRequired()])
    minutes = IntegerField(
        _l("Length in minutes"),
        validators=[InputRequired(), NumberRange(min=MIN_MINUTES, max=MAX_MINUTES)],
        description=_l("From %(low)d to %(high)d minutes.", low=MIN_MINUTES, high=MAX_MINUTES),
    )
    channel = RadioField(_l("How it was held"), choices=channel_choices, validators=[InputRequired()])
    services = CheckboxesField(
        _l("Services delivered"),
        choices=service_choices,
        validators=[DataRequired(message=_l("Choose at least one service delivered in this session."))],
        description=_l(
            "The microcredit rules ask for at least two different services during the assessment and two "
            "during the repayment."
        ),
    )
    notes = TextAreaField(
        _l("Notes for the programme's staff"),
        validators=[Length(max=NOTES_MAX)],
        description=_l(
            "Only the trainee's mentor and the programme's managers read them, never the trainee."
        ),
    )
    next_steps = TextAreaField(
        _l("Next steps"),
        validators=[Length(max=NEXT_STEPS_MAX)],
        description=_l("The trainee reads these on their own page: write them for the trainee."),
    )

    def details(self) -> SessionDetails:
        return SessionDetails(
            held_on=self.held_on.data,
            minutes=self.minutes.data,
            channel=self.channel.data,
            services=frozenset(self.services.data or ()),
            notes=self.notes.data or "",
            next_steps=self.next_steps.data or "",
        )


class NewSessionForm(SessionForm):
    #: A token of this form: sent twice, it logs one session.
    submission_key = HiddenField(
        validators=[
            InputRequired(),
            Regexp(
                r"^[0-9a-f]{32}$",
                message=_l("This form is out of date: check what you typed and send it again."),
            ),
        ]
    )


class SessionCorrectionForm(SessionForm):
    #: The revision the form was opened on: a correction made meanwhile elsewhere is not overwritten.
    revision = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)]
    )


# --- comment threads ---------------------------------------------------------------------------------------
# Forms of the mentoring pages with a fixed shape. Replies, resolve and reopen are one small form per thread,
# written by the thread's macro and read by the views; the services check every rule again.


class ThreadForm(FlaskForm):
    """A new thread: what it is about (a section, or one of its questions), an optional quote, the comment.
    Prefixed "new-" on the page, so its ids never meet the plan page's own."""

    about = SelectField(_l("About"), choices=[])
    quote = TextAreaField(
        _l("Passage you comment on (optional)"),
        validators=[
            Optional(),
            Length(
                max=MAX_QUOTE_CHARACTERS,
                message=_l("Quote at most %(max)d characters: a sentence or two."),
            ),
        ],
        description=_l("Copy the words exactly as they are written in the answer."),
        render_kw={"rows": 2, "dir": "auto"},
    )
    body = TextAreaField(
        _l("Your comment"),
        validators=[
            DataRequired(message=_l("Write your comment.")),
            Length(
                max=MAX_COMMENT_CHARACTERS,
                message=_l("At most %(max)d characters fit. Shorten it; your text is still here."),
            ),
        ],
        description=_l("To call someone in, write @ and their name."),
        render_kw={"rows": 4, "dir": "auto"},
    )
    token = HiddenField(default=new_token)
