"""Who hears by e-mail about a new comment: the people `comments.who_to_tell` names (the people mentioned,
then the plan's owner and current mentors; never the author). Called by comments.py in the same transaction
as the comment; notifications writes each mail in the recipient's language, by their choice (immediate,
daily digest or none)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from workbench.auth.models import User
from workbench.mentoring.models import ThreadComment
from workbench.notifications.outbox import notify
from workbench.plans.template_model import Section

#: The mail each reason of who_to_tell is told with.
KIND_FOR_REASON = {"mention": "comment_mention", "thread": "comment_thread_started", "reply": "comment_reply"}


class Notice(Protocol):
    person: User
    reason: str


def comment_posted(comment: ThreadComment, notices: Iterable[Notice], section: Section) -> None:
    """One mail to each person named, the author never (who_to_tell leaves them out; checked again here)."""
    thread = comment.thread
    for notice in notices:
        if notice.person.id == comment.author_id:
            continue
        notify(
            notice.person,
            KIND_FOR_REASON[notice.reason],
            comment=comment,
            thread=thread,
            plan=thread.plan,
            version=thread.version,
            section=section,
            author=comment.author,
        )
