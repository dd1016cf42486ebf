"""Comment threads on plan sections: starting a thread, replying, resolving and reopening, reading them.

A thread is anchored to (plan, frozen version or the draft, section key, optional question key) and may quote
the exact passage it is about. Comments are plain text, stored as typed and shown escaped. Resolve and reopen
are events, numbered per thread; the thread's state is the latest event's.

Safe under a double click and a second tab, without locks:
- every form carries a token; the same token posted twice by the same person stores one thread or one
  comment (a unique key, written with INSERT ... ON CONFLICT DO NOTHING), and the second post is answered
  with the first one's result;
- a resolve or reopen says which state it was made from (the thread's event sequence on the page); the new
  event takes the next number, unique per thread, so of two changes made from the same state exactly one is
  stored and the other person is told who changed it.

Services flush; the request commits. Authorisation is the views' (mentoring.permissions).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.mentoring import mail
from workbench.mentoring.models import (
    STATE_AFTER,
    CommentMention,
    CommentThread,
    ThreadComment,
    ThreadEvent,
    ThreadEventKind,
    ThreadRead,
)
from workbench.plans.catalogue import business_type_of
from workbench.plans.models import BusinessPlan, PlanVersion
from workbench.plans.template_model import BusinessType
from workbench.programme.models import MentorAssignment
from workbench.timeutil import as_utc, utcnow

#: A comment longer than this is refused (the text comes back to be shortened, never lost).
MAX_COMMENT_CHARACTERS = 4_000
#: The passage a thread quotes: a sentence or two of an answer.
MAX_QUOTE_CHARACTERS = 500
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_token() -> str:
    """The token a form carries, so that posting it twice stores one comment."""
    return secrets.token_urlsafe(24)


# --- anchors ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """Where a thread belongs: a section of a plan (one question of it, or the whole section), on a frozen
    version or on the draft (version None)."""

    plan: BusinessPlan
    version: PlanVersion | None
    section_key: str
    question_key: str | None = None


def template_of(plan: BusinessPlan, version: PlanVersion | None) -> BusinessType:
    """The template the commented text was written on: the version's, or the draft's."""
    return business_type_of(version if version is not None else plan)


def answer_texts(anchor: Anchor) -> list[str]:
    """The answers a quote may come from: the question's, or every question's of the section."""
    template = template_of(anchor.plan, anchor.version)
    section = template.section(anchor.section_key)
    keys = [anchor.question_key] if anchor.question_key else [q.key for q in section.questions]
    if anchor.version is not None:
        stored = anchor.version.answers
        return [str(stored[key].get("text") or "") for key in keys if isinstance(stored.get(key), dict)]
    return [answer.text for key in keys if (answer := anchor.plan.answer(key)) is not None]


def _check_anchor(anchor: Anchor) -> None:
    template = template_of(anchor.plan, anchor.version)
    section = template.section(anchor.section_key)
    if section is None or (
        anchor.question_key is not None and anchor.question_key not in {q.key for q in section.questions}
    ):
        raise DomainError({"about": _("Choose what your comment is about.")})
    if anchor.version is not None and anchor.version.plan_id != anchor.plan.id:
        raise DomainError({"about": _("Choose what your comment is about.")})


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def _checked_quote(anchor: Anchor, quote: str | None) -> str | None:
    """The passage, its spaces as in one line; it must be written in the answer it is about."""
    passage = _squeezed(quote or "")
    if not passage:
        return None
    if len(passage) > MAX_QUOTE_CHARACTERS:
        raise DomainError(
            {"quote": _("Quote at most %(n)d characters: a sentence or two.", n=MAX_QUOTE_CHARACTERS)}
        )
    wanted = passage.casefold()
    if not any(wanted in _squeezed(text).casefold() for text in answer_texts(anchor)):
        raise DomainError(
            {"quote": _("These words are not in the answer: copy the passage exactly as it is written.")}
        )
    return passage


def _checked_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise DomainError({"body": _("Write your comment.")})
    if len(text) > MAX_COMMENT_CHARACTERS:
        raise DomainError(
            {
                "body": _(
                    "This comment has %(now)d characters, at most %(n)d fit. Shorten it; your text is still "
                    "here.",
                    now=len(text),
                    n=MAX_COMMENT_CHARACTERS,
                )
            }
        )
    return text


def _checked_token(token: str | None) -> str:
    if not token or not _TOKEN.fullmatch(token):
        raise DomainError({"": _("This form is out of date. Your text is still here: send it again.")})
    return token


# --- who takes part ---------------------------------------------------------------------------------------


def current_mentors(plan: BusinessPlan) -> list[User]:
    """The plan owner's current mentor(s)."""
    return list(
        db.session.scalars(
            select(User)
            .join(MentorAssignment, MentorAssignment.mentor_id == User.id)
            .where(MentorAssignment.trainee_id == plan.owner_id, MentorAssignment.ended_at.is_(None))
            .order_by(User.full_name, User.id)
        )
    )


def participants(plan: BusinessPlan) -> list[User]:
    """Who takes part in every thread on the plan: its owner and their current mentor(s). Loan officers
    will join once the plan is in an application (the lending issue)."""
    people = [plan.owner]
    people += [mentor for mentor in current_mentors(plan) if mentor.id != plan.owner_id]
    return people


def find_mentions(text: str, people: Iterable[User]) -> list[tuple[User, int, int]]:
    """Each "@name" of one of `people` in `text`: the person, where the "@" is and where the name ends.

    A name is a person's full name or, when no one else among them shares it, their first name, written
    in any case; "@" must start a word (an e-mail address mentions nobody) and the name must end one."""
    names: dict[str, list[User]] = {}
    for person in people:
        full = _squeezed(person.full_name)
        if not full:
            continue
        names.setdefault(full, []).append(person)
        first = full.split(" ")[0]
        if first != full:
            names.setdefault(first, []).append(person)
    # Longest first: "@Marco Bianchi" is Marco Bianchi, not "@Marco" followed by a word.
    candidates = sorted(
        ((name, found[0]) for name, found in names.items() if len({p.id for p in found}) == 1),
        key=lambda pair: -len(pair[0]),
    )
    mentions: list[tuple[User, int, int]] = []
    position = 0
    while (at := text.find("@", position)) != -1:
        position = at + 1
        if at > 0 and (text[at - 1].isalnum() or text[at - 1] in "._-+"):
            continue
        for name, person in candidates:
            end = at + 1 + len(name)
            if end > len(text):
                continue
            ends_word = end == len(text) or not (text[end].isalnum() or text[end] == "_")
            if ends_word and text[at + 1 : end].casefold() == name.casefold():
                mentions.append((person, at, end))
                position = end
                break
    return mentions


# --- posting ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Posted:
    """A comment stored by this request, or found stored already (the same form posted twice)."""

    comment: ThreadComment
    again: bool = False

    @property
    def thread(self) -> CommentThread:
        return self.comment.thread


def _insert(model: Any):
    dialect = db.session.get_bind().dialect.name
    return (sqlite_insert if dialect == "sqlite" else postgresql_insert)(model)


def _posted_with(author: User, token: str) -> ThreadComment | None:
    return db.session.scalars(
        select(ThreadComment).where(ThreadComment.author_id == author.id, ThreadComment.client_token == token)
    ).one_or_none()


def start_thread(
    anchor: Anchor, *, author: User, body: str | None, quote: str | None = None, token: str | None
) -> Posted:
    """A new thread with its first comment. The same form posted again returns the thread it started."""
    token = _checked_token(token)
    already = _posted_with(author, token)
    if already is not None:
        return Posted(already, again=True)
    errors: dict[str, str] = {}
    checked: dict[str, Any] = {}
    for name, check in (
        ("about", lambda: _check_anchor(anchor)),
        ("body", lambda: _checked_body(body)),
        ("quote", lambda: _checked_quote(anchor, quote)),
    ):
        try:
            checked[name] = check()
        except DomainError as error:
            errors.update(error.errors)
            if name == "about":
                break
    if errors:
        raise DomainError(errors)
    moment = utcnow()
    thread_id = db.session.execute(
        _insert(CommentThread)
        .values(
            plan_id=anchor.plan.id,
            version_id=anchor.version.id if anchor.version is not None else None,
            section_key=anchor.section_key,
            question_key=anchor.question_key,
            quote=checked["quote"],
            started_by_id=author.id,
            started_at=moment,
            client_token=token,
        )
        .on_conflict_do_nothing(index_elements=["started_by_id", "client_token"])
        .returning(CommentThread.id)
    ).scalar_one_or_none()
    if thread_id is None:  # the same form, posted a moment ago by another request: its thread
        return _again(author, token)
    thread = db.session.get(CommentThread, thread_id)
    comment = _add_comment(thread, author, checked["body"], token, moment)
    if comment is None:  # the token was taken by a reply meanwhile: a forged form; the view rolls back
        raise DomainError({"": _("This form is out of date. Your text is still here: send it again.")})
    record(
        "comment_thread.started",
        thread,
        author,
        after={
            "plan_id": anchor.plan.id,
            "version": anchor.version.number if anchor.version is not None else None,
            "section": anchor.section_key,
            "question": anchor.question_key,
            "comment_id": comment.id,
            "mentioned": [mention.user_id for mention in comment.mentions],
        },
    )
    _tell(comment)
    return Posted(comment)


def reply(thread: CommentThread, *, author: User, body: str | None, token: str | None) -> Posted:
    """A reply at the end of the thread; the same form posted again returns the reply it stored. A resolved
    thread takes no reply (reopen it first), so nothing is said in a closed thread nobody reads."""
    token = _checked_token(token)
    already = _posted_with(author, token)
    if already is not None:
        return Posted(already, again=True)
    text = _checked_body(body)
    _refresh_events(thread)
    if thread.resolved:
        raise DomainError(
            {"body": _("This thread was resolved meanwhile: reopen it to reply. Your text is still here.")}
        )
    comment = _add_comment(thread, author, text, token, utcnow())
    if comment is None:
        return _again(author, token)
    record(
        "comment_thread.replied",
        thread,
        author,
        after={"comment_id": comment.id, "mentioned": [mention.user_id for mention in comment.mentions]},
    )
    _tell(comment)
    return Posted(comment)


def _tell(comment: ThreadComment) -> None:
    """E-mail the people who_to_tell names, with the comment, in the same transaction (a form posted twice
    stores one comment and writes its mails once)."""
    thread = comment.thread
    section = template_of(thread.plan, thread.version).section(thread.section_key)
    mail.comment_posted(comment, who_to_tell(comment), section)


def _again(author: User, token: str) -> Posted:
    already = _posted_with(author, token)
    if already is None:  # the token was used for something else: a stale or forged form
        raise DomainError({"": _("This form is out of date. Your text is still here: send it again.")})
    return Posted(already, again=True)


def _add_comment(
    thread: CommentThread, author: User, text: str, token: str, moment: datetime
) -> ThreadComment | None:
    """Store the comment (None if this author's token was taken meanwhile) and the people it mentions."""
    comment_id = db.session.execute(
        _insert(ThreadComment)
        .values(thread_id=thread.id, author_id=author.id, body=text, created_at=moment, client_token=token)
        .on_conflict_do_nothing(index_elements=["author_id", "client_token"])
        .returning(ThreadComment.id)
    ).scalar_one_or_none()
    if comment_id is None:
        return None
    people = [person for person in participants(thread.plan) if person.id != author.id]
    for person, start, end in find_mentions(text, people):
        db.session.add(CommentMention(comment_id=comment_id, user_id=person.id, start=start, end=end))
    db.session.flush()
    db.session.expire(thread, ["comments"])
    comment = db.session.get(ThreadComment, comment_id)
    db.session.refresh(comment, ["mentions"])
    mark_read(author, [thread], upto={thread.id: comment_id})
    return comment


# --- resolve and reopen -------------------------------------------------------------------------------------


def _refresh_events(thread: CommentThread) -> None:
    """The thread's events as committed now (another request may have added one since it was loaded)."""
    db.session.scalars(
        select(ThreadEvent)
        .where(ThreadEvent.thread_id == thread.id)
        .execution_options(populate_existing=True)
    ).all()
    db.session.expire(thread, ["events"])


def changed_meanwhile(thread: CommentThread, person: User | None = None) -> str:
    """What `person` is told when the thread changed since their page showed it: who changed it, and how."""
    last = thread.last_event
    if last is None:
        return _("This thread changed meanwhile: it is shown as it is now.")
    resolved = last.kind == ThreadEventKind.RESOLVED
    if person is not None and last.actor_id == person.id:  # their own other tab, or a double click
        if resolved:
            return _("You resolved this thread a moment ago: it was resolved once.")
        return _("You reopened this thread a moment ago: it was reopened once.")
    if resolved:
        return _(
            "%(name)s resolved this thread meanwhile: nothing else was changed.", name=last.actor.full_name
        )
    return _("%(name)s reopened this thread meanwhile: nothing else was changed.", name=last.actor.full_name)


def change_state(
    thread: CommentThread, kind: ThreadEventKind, *, actor: User, seen: int | None
) -> ThreadEvent:
    """Resolve or reopen the thread, from the state the person saw (`seen`: the sequence on their page).

    A page that is out of date, or a change that lost the race for the next number, changes nothing and
    says who changed the thread."""
    kind = ThreadEventKind(kind)
    _refresh_events(thread)
    if seen != thread.sequence or thread.state == STATE_AFTER[kind]:
        raise DomainError({"": changed_meanwhile(thread, actor)})
    before = thread.state
    sequence = thread.sequence + 1
    event_id = db.session.execute(
        _insert(ThreadEvent)
        .values(
            thread_id=thread.id, sequence=sequence, kind=kind.value, actor_id=actor.id, occurred_at=utcnow()
        )
        .on_conflict_do_nothing(index_elements=["thread_id", "sequence"])
        .returning(ThreadEvent.id)
    ).scalar_one_or_none()
    _refresh_events(thread)
    if event_id is None:
        raise DomainError({"": changed_meanwhile(thread, actor)})
    record(
        "comment_thread.resolved" if kind == ThreadEventKind.RESOLVED else "comment_thread.reopened",
        thread,
        actor,
        before={"state": before.value},
        after={"state": thread.state.value, "sequence": sequence},
    )
    return db.session.get(ThreadEvent, event_id)


# --- reading ------------------------------------------------------------------------------------------------


def _with_everything(query):
    return query.options(
        selectinload(CommentThread.started_by),
        selectinload(CommentThread.comments).selectinload(ThreadComment.author),
        selectinload(CommentThread.comments).selectinload(ThreadComment.mentions),
        selectinload(CommentThread.events).selectinload(ThreadEvent.actor),
    )


def version_numbers(plan: BusinessPlan) -> dict[int, tuple[int, datetime]]:
    """Each version of the plan: id -> (number, sent at), without reading the frozen documents."""
    rows = db.session.execute(
        select(PlanVersion.id, PlanVersion.number, PlanVersion.submitted_at).where(
            PlanVersion.plan_id == plan.id
        )
    ).all()
    return {row.id: (row.number, as_utc(row.submitted_at)) for row in rows}


def threads_shown(
    plan: BusinessPlan, version: PlanVersion | None, section_key: str | None = None
) -> list[CommentThread]:
    """The threads a view of the plan shows (one section, or every section), in the order they started.

    A thread stays attached to the version (or the draft) it was written on, and shows on every later view
    of the plan as well: on the draft, every thread; on a frozen version, its own threads and those of the
    earlier versions and of the draft before it was sent. The page shows the open ones and folds the resolved
    ones away, so an open comment follows the plan from version to version until it is resolved."""
    query = select(CommentThread).where(CommentThread.plan_id == plan.id)
    if section_key is not None:
        query = query.where(CommentThread.section_key == section_key)
    threads = db.session.scalars(_with_everything(query).order_by(CommentThread.id)).all()
    if version is None:
        return list(threads)
    numbers = version_numbers(plan)
    return [
        thread for thread in threads if thread.version_id == version.id or _before(thread, version, numbers)
    ]


def _before(thread: CommentThread, version: PlanVersion, numbers: dict[int, tuple[int, datetime]]) -> bool:
    if thread.version_id is not None:
        return numbers[thread.version_id][0] < version.number
    return as_utc(thread.started_at) < numbers[version.id][1]


def load_thread(thread_id: int) -> CommentThread | None:
    return db.session.scalars(
        _with_everything(select(CommentThread).where(CommentThread.id == thread_id))
    ).one_or_none()


def read_markers(user: User, threads: Iterable[CommentThread]) -> dict[int, int]:
    """How far `user` has read each thread: thread id -> the last comment id they were shown (0: none)."""
    ids = [thread.id for thread in threads]
    markers = dict.fromkeys(ids, 0)
    if ids and user.is_authenticated:
        rows = db.session.execute(
            select(ThreadRead.thread_id, ThreadRead.last_comment_id).where(
                ThreadRead.user_id == user.id, ThreadRead.thread_id.in_(ids)
            )
        ).all()
        markers.update({row.thread_id: row.last_comment_id for row in rows})
    return markers


def mark_read(
    user: User,
    threads: Iterable[CommentThread],
    *,
    known: dict[int, int] | None = None,
    upto: dict[int, int] | None = None,
) -> None:
    """Remember that `user` saw the threads up to their newest comment (or `upto`). A marker only moves
    forward, whatever order two requests write it in; nothing is written when nothing is new."""
    threads = list(threads)
    known = known if known is not None else read_markers(user, threads)
    rows = []
    moment = utcnow()
    for thread in threads:
        newest = (upto or {}).get(thread.id) or max((c.id for c in thread.comments), default=0)
        if newest > known.get(thread.id, 0):
            rows.append(
                {"user_id": user.id, "thread_id": thread.id, "last_comment_id": newest, "read_at": moment}
            )
    if not rows:
        return
    statement = _insert(ThreadRead).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["user_id", "thread_id"],
        set_={
            "last_comment_id": case(
                (
                    statement.excluded.last_comment_id > ThreadRead.last_comment_id,
                    statement.excluded.last_comment_id,
                ),
                else_=ThreadRead.last_comment_id,
            ),
            "read_at": statement.excluded.read_at,
        },
    )
    db.session.execute(statement)


# --- who should be told -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """Someone to tell about a new comment, and why: "mention" (named in it), "thread" (a new thread on a
    plan they take part in) or "reply" (a reply in such a thread)."""

    person: User
    reason: str
    comment: ThreadComment


def who_to_tell(comment: ThreadComment) -> list[Notice]:
    """For a comment just posted: everyone who should hear of it, once each, the author never. The people
    mentioned first (reason "mention"), then the others who take part (the plan's owner and current
    mentors). Deactivated accounts are left out. The e-mail outbox reads this; it sends nothing itself."""
    thread = comment.thread
    first = thread.comments[0].id == comment.id if thread.comments else True
    mentioned = {mention.user_id for mention in comment.mentions}
    notices: list[Notice] = []
    for person in sorted(participants(thread.plan), key=lambda p: (p.id not in mentioned, p.id)):
        if person.id == comment.author_id or not person.active:
            continue
        reason = "mention" if person.id in mentioned else "thread" if first else "reply"
        notices.append(Notice(person, reason, comment))
    return notices


# --- who each open thread waits for ----------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """A trainee's open threads by who is to answer: a mentor (the latest comment is not a current mentor's:
    the trainee's, or a loan officer's) or the trainee (the latest comment is a current mentor's)."""

    for_mentor: int = 0
    for_trainee: int = 0


def waiting_by_trainee(trainee_ids: Iterable[int]) -> dict[int, Waiting]:
    """Each trainee's open threads on their plans, counted by who is to answer, in one query whatever the
    number of trainees and threads."""
    ids = list(trainee_ids)
    if not ids:
        return {}
    latest_comment = (
        select(ThreadComment.thread_id, func.max(ThreadComment.id).label("comment_id"))
        .group_by(ThreadComment.thread_id)
        .subquery()
    )
    latest_event = (
        select(ThreadEvent.thread_id, func.max(ThreadEvent.sequence).label("sequence"))
        .group_by(ThreadEvent.thread_id)
        .subquery()
    )
    from_mentor = case((MentorAssignment.id.is_(None), False), else_=True)
    rows = db.session.execute(
        select(BusinessPlan.owner_id, from_mentor.label("from_mentor"), func.count(CommentThread.id))
        .select_from(CommentThread)
        .join(BusinessPlan, BusinessPlan.id == CommentThread.plan_id)
        .join(latest_comment, latest_comment.c.thread_id == CommentThread.id)
        .join(ThreadComment, ThreadComment.id == latest_comment.c.comment_id)
        .outerjoin(latest_event, latest_event.c.thread_id == CommentThread.id)
        .outerjoin(
            ThreadEvent,
            and_(ThreadEvent.thread_id == CommentThread.id, ThreadEvent.sequence == latest_event.c.sequence),
        )
        .outerjoin(
            MentorAssignment,
            and_(
                MentorAssignment.trainee_id == BusinessPlan.owner_id,
                MentorAssignment.mentor_id == ThreadComment.author_id,
                MentorAssignment.ended_at.is_(None),
            ),
        )
        .where(
            BusinessPlan.owner_id.in_(ids),
            or_(ThreadEvent.kind.is_(None), ThreadEvent.kind != ThreadEventKind.RESOLVED.value),
        )
        .group_by(BusinessPlan.owner_id, from_mentor)
    ).all()
    counts: dict[int, dict[bool, int]] = {}
    for owner_id, by_mentor, count in rows:
        counts.setdefault(owner_id, {})[bool(by_mentor)] = count
    return {
        i: Waiting(for_mentor=counts.get(i, {}).get(False, 0), for_trainee=counts.get(i, {}).get(True, 0))
        for i in ids
    }
