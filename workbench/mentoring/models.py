"""Mentoring's tables. Each part of the accompaniment keeps its models in a block of its own below."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.mentoring.phases import SERVICES
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
