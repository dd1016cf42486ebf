"""Mentoring's tables. Each part of the accompaniment keeps its models in a block of its own below."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.audit.models import append_only
from workbench.auth.models import User
from workbench.extensions import db
from workbench.mentoring.phases import SERVICES
from workbench.plans.models import BusinessPlan, PlanVersion
from workbench.timeutil import utcnow

# --- tutoring sessions and the auxiliary services delivered in them ----------------------------------------

#: How a session was held.
CHANNELS = ("in_person", "phone", "video")
#: A session lasts between these many minutes.
MIN_MINUTES, MAX_MINUTES = 5, 600


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class TutoringSession(db.Model):
    """A tutoring session a mentor held with a trainee. Corrected by its mentor (compare-and-set on
    ``revision``, audited with before and after), never deleted."""

    __tablename__ = "tutoring_sessions"
    __audit_type__ = "tutoring_session"
    __table_args__ = (
        CheckConstraint(f"minutes >= {MIN_MINUTES} AND minutes <= {MAX_MINUTES}", name="minutes_bounded"),
        CheckConstraint(_one_of("channel", CHANNELS), name="known_channel"),
        Index("ix_tutoring_sessions_trainee_held_on", "trainee_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The mentor who held the session (and the only one who may correct it).
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The day it was held: a plain date, in the programme's zone.
    held_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int]
    #: One of CHANNELS.
    channel: Mapped[str] = mapped_column(String(16))
    #: The mentor's notes: for the programme's staff, never shown to the trainee.
    notes: Mapped[str] = mapped_column(Text, default="")
    #: What the trainee does next: shown to the trainee.
    next_steps: Mapped[str] = mapped_column(Text, default="")
    #: 1 when logged, +1 at each correction; a correction names the revision it was made on.
    revision: Mapped[int] = mapped_column(default=1)
    #: The token of the form that logged it: the same form sent twice logs one session.
    submission_key: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    services: Mapped[list[SessionService]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionService.service"
    )

    @property
    def service_keys(self) -> tuple[str, ...]:
        """The services delivered, in the order the rules list them."""
        delivered = {item.service for item in self.services}
        return tuple(key for key in SERVICES if key in delivered)


class SessionService(db.Model):
    """One auxiliary service delivered in a session: a row each, so reports count them in SQL."""

    __tablename__ = "tutoring_session_services"
    __table_args__ = (CheckConstraint(_one_of("service", SERVICES), name="known_service"),)

    session_id: Mapped[int] = mapped_column(
        ForeignKey("tutoring_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    #: One of workbench.mentoring.phases.SERVICES.
    service: Mapped[str] = mapped_column(String(16), primary_key=True)

    session: Mapped[TutoringSession] = relationship(back_populates="services")


# --- comment threads on plan sections -----------------------------------------------------------------------
# Comment threads on plan sections: the thread and its anchor, its comments, the people they mention, the
# resolve and reopen events, and each person's read marker.
#
# Threads, comments, mentions and events are tables of record: rows are added, never changed or removed (the
# ORM refuses, and so does the database with triggers made by the migration). A thread's state is derived
# from its events (the latest one says resolved or reopened; none: open), never stored. Read markers are the
# one mutable table: how far each person has read each thread.


class ThreadState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ThreadEventKind(StrEnum):
    RESOLVED = "resolved"
    REOPENED = "reopened"


#: The state a thread is in after each kind of event.
STATE_AFTER = {ThreadEventKind.RESOLVED: ThreadState.RESOLVED, ThreadEventKind.REOPENED: ThreadState.OPEN}


@append_only
class CommentThread(db.Model):
    """A conversation anchored to a section of a plan, on one frozen version or on the moving draft
    (version_id None), optionally to one question and to a passage quoted from its answer."""

    __tablename__ = "comment_threads"
    __audit_type__ = "comment_thread"
    __table_args__ = (
        Index("ix_comment_threads_plan_section", "plan_id", "section_key"),
        # Posting twice (a double click, a second tab) starts one thread: the form's token is its key.
        UniqueConstraint("started_by_id", "client_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("business_plans.id", ondelete="RESTRICT"))
    #: The frozen version commented on; None: the draft as it was when the thread started.
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_versions.id", ondelete="RESTRICT"), index=True
    )
    section_key: Mapped[str] = mapped_column(String(64))
    #: One question of the section, or None for the whole section.
    question_key: Mapped[str | None] = mapped_column(String(64))
    #: The exact passage commented on, copied from the answer when the thread started.
    quote: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    client_token: Mapped[str] = mapped_column(String(64))

    plan: Mapped[BusinessPlan] = relationship()
    version: Mapped[PlanVersion | None] = relationship()
    started_by: Mapped[User] = relationship()
    comments: Mapped[list[ThreadComment]] = relationship(
        back_populates="thread", order_by="ThreadComment.id", passive_deletes="all"
    )
    events: Mapped[list[ThreadEvent]] = relationship(
        back_populates="thread", order_by="ThreadEvent.sequence", passive_deletes="all"
    )

    @property
    def last_event(self) -> ThreadEvent | None:
        return self.events[-1] if self.events else None

    @property
    def sequence(self) -> int:
        """How many times the state changed: what a resolve or reopen form says it saw."""
        return self.events[-1].sequence if self.events else 0

    @property
    def state(self) -> ThreadState:
        last = self.last_event
        return STATE_AFTER[ThreadEventKind(last.kind)] if last else ThreadState.OPEN

    @property
    def resolved(self) -> bool:
        return self.state == ThreadState.RESOLVED


@append_only
class ThreadComment(db.Model):
    """One comment or reply: plain text, as typed (shown escaped)."""

    __tablename__ = "thread_comments"
    __table_args__ = (UniqueConstraint("author_id", "client_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("comment_threads.id", ondelete="RESTRICT"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The token of the form it was posted from: the same form posted twice stores one comment.
    client_token: Mapped[str] = mapped_column(String(64))

    thread: Mapped[CommentThread] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()
    mentions: Mapped[list[CommentMention]] = relationship(
        back_populates="comment", order_by="CommentMention.start", passive_deletes="all"
    )


@append_only
class CommentMention(db.Model):
    """ "@name" of a participant in a comment, resolved when it was posted: who, and where in the text."""

    __tablename__ = "comment_mentions"
    __table_args__ = (UniqueConstraint("comment_id", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("thread_comments.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The "@" and the end of the name in the comment's text (Python string offsets).
    start: Mapped[int]
    end: Mapped[int]

    comment: Mapped[ThreadComment] = relationship(back_populates="mentions")
    user: Mapped[User] = relationship()


@append_only
class ThreadEvent(db.Model):
    """A thread resolved or reopened: who and when. Numbered per thread, so of two changes made from the same
    state (two people at once, a double click) the unique key keeps exactly one."""

    __tablename__ = "thread_events"
    __table_args__ = (UniqueConstraint("thread_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("comment_threads.id", ondelete="RESTRICT"))
    #: 1 for the thread's first change of state, then 2, 3...
    sequence: Mapped[int]
    #: One of ThreadEventKind.
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    thread: Mapped[CommentThread] = relationship(back_populates="events")
    actor: Mapped[User] = relationship()


class ThreadRead(db.Model):
    """How far one person has read one thread: the newest comment they were shown."""

    __tablename__ = "thread_reads"
    __table_args__ = (UniqueConstraint("user_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("comment_threads.id", ondelete="CASCADE"), index=True)
    last_comment_id: Mapped[int]
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
