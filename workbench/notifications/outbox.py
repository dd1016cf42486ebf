"""notify(): an e-mail written into the outbox in the same transaction as the event it tells about.

Usage, from any domain above this one (programme, plans, lending, mentoring) in the service that makes the
state change::

    from workbench.notifications.outbox import notify

    notify(trainee, "plan_changes_requested", plan=plan, note=decision.note, reviewer=reviewer)

- `kind` names the template ``templates/mail/<kind>.txt`` (see rendering.py for its blocks); the keyword
  arguments are its context, with ``recipient`` (the User) and ``link(endpoint, **values)`` added.
- The message is rendered at once, in the recipient's language, so the worker needs no request and a later
  change of the objects does not change what was said.
- It is added to the session and never committed: the request commits it with the event, or the event's
  rollback takes it away too.
- The recipient's choice applies: "immediate" makes it pending (the next worker run sends it), "daily" holds
  it for the day's digest, "none" writes nothing (None is returned). ``transactional=True`` (a password link)
  always goes out at once, whatever the choice.
- Deactivated people get nothing. An address that cannot be mailed gives a failed message at once, which the
  managers see on the outbox page.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from workbench.audit.services import record_changes
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.notifications.models import DEFAULT_FREQUENCY, Frequency, MailPreference, OutboxMessage, Status
from workbench.notifications.rendering import locale_for, mail_domain, render_mail
from workbench.timeutil import utcnow

#: An address the worker can hand to an SMTP server: one @, no spaces or control characters.
_MAILABLE = re.compile(r"[^\s@\x00-\x1f\x7f]+@[^\s@\x00-\x1f\x7f]+\.[^\s@\x00-\x1f\x7f]+")


def notify(
    recipient: User, kind: str, *, transactional: bool = False, **context: Any
) -> OutboxMessage | None:
    """Write the `kind` mail for `recipient` into the outbox (see the module); the message, or None when the
    person gets no mail (deactivated, or chose none)."""
    if not recipient.active:
        return None
    frequency = Frequency.IMMEDIATE if transactional else frequency_of(recipient)
    if frequency == Frequency.NONE:
        return None
    locale = locale_for(recipient)
    rendered = render_mail(kind, locale, recipient=recipient, **context)
    message = OutboxMessage(
        recipient_id=recipient.id,
        to_address=recipient.email,
        kind=kind,
        locale=locale,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        digest_text=rendered.digest_text,
        transactional=transactional,
        status=(Status.HELD if frequency == Frequency.DAILY else Status.PENDING).value,
        message_id=new_message_id(),
        next_attempt_at=utcnow(),
    )
    if not _MAILABLE.fullmatch(recipient.email or ""):
        message.status = Status.FAILED.value
        message.last_error = "not an address mail can be sent to"
    db.session.add(message)
    return message


def notify_each(recipients: Iterable[User], kind: str, **context: Any) -> list[OutboxMessage]:
    """notify() for several people, each in their own language and by their own choice."""
    sent = [notify(person, kind, **context) for person in recipients]
    return [message for message in sent if message is not None]


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{mail_domain()}>"


# --- each person's choice ----------------------------------------------------------------------------------


def frequency_of(user: User) -> Frequency:
    stored = db.session.scalar(select(MailPreference.frequency).where(MailPreference.user_id == user.id))
    return Frequency(stored) if stored in set(Frequency) else DEFAULT_FREQUENCY


def set_frequency(user: User, frequency: str, actor: User) -> bool:
    """Store the person's choice; whether it changed. Two saves at once (two tabs) are taken one after the
    other on the person's row, so each is recorded only if it really changed something."""
    if frequency not in {f.value for f in Frequency}:
        raise DomainError({"frequency": _("Choose one of the options.")})
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else postgresql_insert
    db.session.execute(
        insert(MailPreference)
        .values(user_id=user.id, frequency=DEFAULT_FREQUENCY.value, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    preference = db.session.scalars(
        select(MailPreference)
        .where(MailPreference.user_id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    with record_changes(
        "user.mail_preference_changed", user, actor, mail=lambda: preference.frequency
    ) as change:
        if preference.frequency != frequency:
            preference.frequency = frequency
            preference.updated_at = utcnow()
    return change.changed


# --- what the managers see ---------------------------------------------------------------------------------


def status_counts() -> dict[str, int]:
    """How many messages stand in each status."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: count for status, count in rows}


def failed_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == Status.FAILED.value)
    )


def problems_query():
    """Failed messages and those still being retried, the most recent first."""
    return (
        select(OutboxMessage)
        .where(
            (OutboxMessage.status == Status.FAILED.value)
            | ((OutboxMessage.status == Status.PENDING.value) & (OutboxMessage.attempts > 0))
        )
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )
