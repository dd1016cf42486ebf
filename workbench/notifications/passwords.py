"""A password link by e-mail, asked for on the "Forgot your password?" page.

The page answers alike whether an account uses the address or not, and does the same slow work on both
paths (the mail is written in both; only for a real, active account is it stored): nobody learns from it
which addresses have an account. The link is one of the one-time reset links managers hand over
(auth.services.issue_password_reset), valid for PASSWORD_RESET_MAIL_VALID_FOR, and goes through the outbox in
the person's language, whatever they chose for notifications.

Limits: the page is rate limited per address like the login (LOGIN_RATE_LIMIT); each account gets at most
PASSWORD_RESET_MAILS_PER_HOUR links by e-mail an hour and none within a minute of the last (a double click
sends one). Past a limit the answer is the same and nothing is sent.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.auth.services import find_user_by_email, issue_password_reset, normalise_email
from workbench.extensions import db
from workbench.notifications.models import OutboxMessage
from workbench.notifications.outbox import notify
from workbench.notifications.rendering import absolute_url, locale_for, render_mail
from workbench.timeutil import as_utc, utcnow

KIND = "password_reset"
#: A second request for the same account within this time sends nothing (a double click, a second tab).
DOUBLE_REQUEST = timedelta(minutes=1)


def request_password_reset(email: str) -> None:
    """Send a password link to the account using `email`, if there is an active one (see the module)."""
    valid_for = link_lifetime()
    person = find_user_by_email(email)
    if person is None or not person.active:
        _same_work_for_nobody(email)
        return
    _lock(person)
    if _enough_sent(person):
        _same_work_for_nobody(email)
        return
    token = issue_password_reset(person, None, valid_for=valid_for)
    notify(
        person,
        KIND,
        transactional=True,
        reset_link=absolute_url("auth.reset_password", token=token),
        valid_hours=link_hours(),
    )
    record("user.password_link_mailed", person, None, after={"valid_hours": link_hours()})


def link_lifetime() -> timedelta:
    valid_for = current_app.config["PASSWORD_RESET_MAIL_VALID_FOR"]
    return valid_for if isinstance(valid_for, timedelta) else timedelta(seconds=int(valid_for))


def link_hours() -> int:
    """How long a link sent by e-mail works, in whole hours (at least 1), as the mail and the page say it."""
    return max(1, int(link_lifetime().total_seconds() // 3600))


def _same_work_for_nobody(email: str) -> None:
    """What a real request costs, without storing anything: a token, its hash, the mail written."""
    token = secrets.token_urlsafe(32)
    hashlib.sha256(token.encode()).hexdigest()
    nobody = User(email=normalise_email(email), full_name="", locale=None)
    render_mail(
        KIND,
        locale_for(nobody),
        recipient=nobody,
        reset_link=absolute_url("auth.reset_password", token=token),
        valid_hours=link_hours(),
    )


def _lock(person: User) -> None:
    """Requests for one account are taken one at a time: the second sees what the first stored."""
    if db.session.get_bind().dialect.name == "sqlite":
        # No row locks: the first write takes the database's write lock, which serialises the same.
        db.session.execute(
            update(User).where(User.id == person.id).values(session_version=User.session_version),
            execution_options={"synchronize_session": False},
        )
        return
    db.session.execute(select(User.id).where(User.id == person.id).with_for_update())


def _enough_sent(person: User) -> bool:
    now = utcnow()
    recent = select(func.count(), func.max(OutboxMessage.created_at)).where(
        OutboxMessage.recipient_id == person.id,
        OutboxMessage.kind == KIND,
        OutboxMessage.created_at > now - timedelta(hours=1),
    )
    count, latest = db.session.execute(recent).one()
    if count >= int(current_app.config["PASSWORD_RESET_MAILS_PER_HOUR"]):
        return True
    return latest is not None and as_utc(latest) > now - DOUBLE_REQUEST
