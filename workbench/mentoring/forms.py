"""Forms of the mentoring pages with a fixed shape. Replies, resolve and reopen are one small form per thread,
written by the thread's macro and read by the views; the services check every rule again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from workbench.mentoring.comments import MAX_COMMENT_CHARACTERS, MAX_QUOTE_CHARACTERS, new_token


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
