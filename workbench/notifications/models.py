"""The outbox (one row per e-mail, written in the same transaction as the event it tells about) and each
person's choice of how often to hear from the programme by e-mail."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workbench.auth.models import User
from workbench.extensions import db
from workbench.timeutil import utcnow


class Frequency(StrEnum):
    """How often a person receives notifications. Transactional mail (a password link) ignores it."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    NONE = "none"


DEFAULT_FREQUENCY = Frequency.IMMEDIATE


class Status(StrEnum):
    """Where an outbox message stands.

    held -> (the daily digest gathers it) -> digested
    pending -> sending -> sent | pending again with a later next_attempt_at | failed
    """

    #: Waiting for the recipient's daily digest.
    HELD = "held"
    #: Gathered into a digest message (digest_id), which is sent instead of it.
    DIGESTED = "digested"
    #: Due at next_attempt_at.
    PENDING = "pending"
    #: Claimed by one worker (claim_token) and being handed to the SMTP server.
    SENDING = "sending"
    SENT = "sent"
    #: Given up after the last attempt; last_error says why.
    FAILED = "failed"


class MailPreference(db.Model):
    """A person's choice; without a row the default (immediate) applies."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: One of Frequency's values.
    frequency: Mapped[str] = mapped_column(String(16), default=DEFAULT_FREQUENCY.value)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OutboxMessage(db.Model):
    """One e-mail to one person, rendered in their language when the event happened.

    The worker claims a message with a compare-and-set (pending -> sending, with a claim token), so two
    workers never send the same one; the Message-ID is made once, here, and stays the same on every attempt.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        # One digest per person per day, whichever worker builds it first.
        UniqueConstraint("recipient_id", "digest_day", name="uq_outbox_messages_recipient_id_digest_day"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The address at the time of the event (an account's e-mail is its login).
    to_address: Mapped[str] = mapped_column(String(254))
    #: The template it was rendered from: templates/mail/<kind>.txt ("digest" for a digest).
    kind: Mapped[str] = mapped_column(String(48))
    #: The language it was written in.
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: What the mail says without greeting and footer: the part a daily digest gathers.
    digest_text: Mapped[str | None] = mapped_column(Text)
    #: Transactional mail (a password link) goes out whatever the person chose for notifications.
    transactional: Mapped[bool] = mapped_column(default=False)
    #: One of Status's values.
    status: Mapped[str] = mapped_column(String(16))
    #: The Message-ID header, the same on every attempt: a receiving server can drop a duplicate.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    #: When a pending message is due (the first attempt at once, then after each backoff).
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Set by the worker that claimed the message; its last update must carry the same token.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Why the last attempt failed (the SMTP server's answer, or the connection error).
    last_error: Mapped[str | None] = mapped_column(Text)
    #: The digest a held message was gathered into.
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"), index=True)
    #: On a digest: the day (Europe/Rome) it gathers; None on every other message.
    digest_day: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} -> {self.recipient_id} {self.status}>"
