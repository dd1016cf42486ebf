"""The mail worker: `flask send-mail` builds the day's digests and sends what is due through SMTP.

Run it beside the app: ``flask send-mail`` keeps running (a run every --interval seconds; SIGTERM or Ctrl-C
lets the message being sent finish, then stops); ``flask send-mail --once`` sends what is due and exits
(for cron or a systemd timer). Several workers may run at once, on one machine or several.

Never sent twice. A message is claimed before it is sent: one UPDATE moves it from pending to sending with a
token of this worker, and only the worker whose UPDATE changed the row (rowcount 1) sends it; the claim is
committed before the SMTP server is contacted, so another worker sees it taken. The worker's last UPDATE
(sent, or back to pending, or failed) carries the same token.

Retries. Every claim counts an attempt. A refused delivery (the server answered with an error) or a broken
connection puts the message back to pending after MAIL_RETRY_DELAYS (1 min, 5 min, 30 min, 2 h by default);
after MAIL_MAX_ATTEMPTS attempts it is failed, with the server's last answer kept for the managers' outbox
page. A server that cannot be reached at all, or refuses the login, counts no attempt: nothing was claimed,
the run stops and says so, and the next run tries again.

A worker that died while sending (killed, machine gone) leaves its message in "sending". Whether the SMTP
server had accepted it cannot be known. After MAIL_SENDING_TIMEOUT (15 min, far longer than one delivery may
take) the next run puts it back to pending and it is sent again, with the same Message-ID header, which
receiving servers and mail programs use to drop a duplicate: a password link must not be lost for a crash,
and a duplicate with the same Message-ID is the lesser harm. On its last attempt it becomes failed instead.

Digests. From MAIL_DIGEST_HOUR (18:00 in the programme's time zone) each person who chose the daily digest
and has held notifications gets one mail gathering them; a unique key (person, day) makes it one per day even
with several workers. Notifications held after that day's digest wait for the next day's.
"""

from __future__ import annotations

import logging
import secrets
import signal
import smtplib
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from workbench.auth.models import User
from workbench.extensions import db
from workbench.notifications.models import OutboxMessage, Status
from workbench.notifications.outbox import new_message_id
from workbench.notifications.rendering import locale_for, one_line, render_mail
from workbench.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
#: Messages read per query while sending (each is then claimed on its own).
_CHUNK = 20
#: Longest error text kept on a message.
_ERROR_LENGTH = 1000
STOPPED_WHILE_SENDING = (
    "The worker stopped while sending this message; it is sent again with the same Message-ID."
)
LOST_ON_LAST_ATTEMPT = (
    "The worker stopped while sending this message on its last attempt: it may or may not have arrived."
)


class NotConfigured(Exception):
    """SMTP is not configured: nothing is sent, messages wait in the outbox."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    username: str | None
    password: str | None
    timeout: float
    sender: Address
    max_attempts: int
    retry_delays: tuple[int, ...]
    batch_size: int

    def connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "ssl":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.security == "starttls":
                connection.starttls(context=context)
        try:
            if self.username:
                connection.login(self.username, self.password or "")
        except BaseException:
            _close(connection)
            raise
        return connection

    def delay_after(self, attempts: int) -> timedelta:
        """How long to wait after the `attempts`-th failed attempt."""
        delays = self.retry_delays or (60,)
        return timedelta(seconds=delays[min(attempts, len(delays)) - 1])


def smtp_settings() -> SmtpSettings:
    """The configured SMTP server, or NotConfigured saying what to set."""
    config = current_app.config
    host = config.get("SMTP_HOST")
    if not host:
        raise NotConfigured("SMTP is not configured (set WORKBENCH_SMTP_HOST): nothing is sent.")
    name, address = parseaddr(config.get("MAIL_FROM") or "")
    if "@" not in address:
        raise NotConfigured(
            "No sender address: set WORKBENCH_MAIL_FROM, e.g. 'Workbench <noreply@example.org>'."
        )
    try:
        sender = Address(display_name=one_line(name, 120), addr_spec=address)
    except (ValueError, HeaderParseError) as error:
        raise NotConfigured(f"WORKBENCH_MAIL_FROM is not an address: {error}") from error
    return SmtpSettings(
        host=host,
        port=int(config.get("SMTP_PORT") or 587),
        security=config["SMTP_SECURITY"],
        username=config.get("SMTP_USERNAME") or None,
        password=config.get("SMTP_PASSWORD"),
        timeout=float(config.get("SMTP_TIMEOUT") or 30),
        sender=sender,
        max_attempts=max(1, int(config["MAIL_MAX_ATTEMPTS"])),
        retry_delays=tuple(int(seconds) for seconds in config["MAIL_RETRY_DELAYS"]),
        batch_size=max(1, int(config["MAIL_BATCH_SIZE"])),
    )


@dataclass
class RunReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    digests: int = 0
    recovered: int = 0
    #: The SMTP server could not be reached, refused the login or dropped the connection.
    problem: str | None = None

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed

    def summary(self) -> str:
        parts = [f"{self.sent} sent", f"{self.retried} to retry later", f"{self.failed} failed"]
        if self.digests:
            parts.append(f"{self.digests} digests built")
        if self.recovered:
            parts.append(f"{self.recovered} found stuck in sending")
        text = "Mail: " + ", ".join(parts) + "."
        return f"{text} {self.problem}" if self.problem else text


def run_once(
    settings: SmtpSettings | None = None,
    *,
    clock: Clock = utcnow,
    should_stop: Callable[[], bool] = lambda: False,
) -> RunReport:
    """One run: messages stuck in sending, the digests due, then every due message (up to the batch size)."""
    settings = settings or smtp_settings()
    report = RunReport()
    report.recovered = recover_stuck(settings, clock())
    report.digests = build_digests(clock())
    send_due(settings, report, clock=clock, should_stop=should_stop)
    return report


# --- sending -----------------------------------------------------------------------------------------------


def send_due(
    settings: SmtpSettings, report: RunReport, *, clock: Clock = utcnow, should_stop: Callable[[], bool]
) -> None:
    with _connection(settings, report) as connect:
        while report.handled < settings.batch_size and not should_stop():
            due = due_ids(clock(), _CHUNK)
            if not due:
                return
            smtp = connect()
            if smtp is None:
                return
            for message_id in due:
                if report.handled >= settings.batch_size or should_stop():
                    return
                token = claim(message_id, clock())
                if token is None:
                    continue  # another worker took it
                if not _send_claimed(settings, smtp, message_id, token, report, clock):
                    return


def due_ids(now: datetime, limit: int) -> list[int]:
    query = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == Status.PENDING.value, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    ids = list(db.session.scalars(query))
    db.session.commit()
    return ids


def claim(message_id: int, now: datetime) -> str | None:
    """Take the message for this worker (compare-and-set on its status); the claim token, or None when
    another worker was first."""
    token = secrets.token_hex(16)
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == Status.PENDING.value,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(
            status=Status.SENDING.value,
            claim_token=token,
            claimed_at=now,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token if result.rowcount == 1 else None


def _send_claimed(
    settings: SmtpSettings, smtp: smtplib.SMTP, message_id: int, token: str, report: RunReport, clock: Clock
) -> bool:
    """Send one claimed message and record the outcome; False when the connection is no longer usable."""
    message = db.session.get(OutboxMessage, message_id)
    try:
        email = build_email(message, settings.sender, clock())
    except (ValueError, HeaderParseError) as error:
        _failed_attempt(settings, message, token, f"cannot be written as an e-mail: {error}", report, clock)
        return True
    try:
        smtp.send_message(email, from_addr=settings.sender.addr_spec, to_addrs=[message.to_address])
    except smtplib.SMTPRecipientsRefused as error:
        _failed_attempt(settings, message, token, _refusals(error), report, clock)
        return True
    except smtplib.SMTPResponseException as error:
        _failed_attempt(settings, message, token, _answer(error), report, clock)
        if error.smtp_code == 421:  # the server is closing the connection
            report.problem = f"The SMTP server closed the connection: {_answer(error)}"
            return False
        return True
    except (smtplib.SMTPException, OSError) as error:
        _failed_attempt(settings, message, token, _describe(error), report, clock)
        report.problem = f"The connection to the SMTP server broke: {_describe(error)}"
        return False
    done = _finish(
        message.id, token, status=Status.SENT.value, sent_at=clock(), last_error=None, claim_token=None
    )
    if done:
        report.sent += 1
    else:
        log.warning("outbox message %s was sent after its claim had been given up", message.id)
    return True


def _failed_attempt(
    settings: SmtpSettings, message: OutboxMessage, token: str, error: str, report: RunReport, clock: Clock
) -> None:
    error = error[:_ERROR_LENGTH]
    if message.attempts >= settings.max_attempts:
        if _finish(message.id, token, status=Status.FAILED.value, last_error=error, claim_token=None):
            report.failed += 1
        return
    later = clock() + settings.delay_after(message.attempts)
    if _finish(
        message.id,
        token,
        status=Status.PENDING.value,
        next_attempt_at=later,
        last_error=error,
        claim_token=None,
    ):
        report.retried += 1


def _finish(message_id: int, token: str, **values: object) -> bool:
    """The claiming worker's last word on a message; False if its claim was given up meanwhile."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claim_token == token,
            OutboxMessage.status == Status.SENDING.value,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def build_email(message: OutboxMessage, sender: Address, now: datetime) -> EmailMessage:
    """The e-mail of an outbox message. Every header value is one line: whatever a person typed into a name
    or a title cannot add a header. The envelope's recipient is given apart, never read from the headers."""
    email = EmailMessage(policy=SMTP_POLICY)
    email["Subject"] = one_line(message.subject)
    email["From"] = sender
    recipient = message.recipient
    email["To"] = Address(display_name=one_line(recipient.full_name, 120), addr_spec=message.to_address)
    email["Date"] = format_datetime(as_utc(now))
    email["Message-ID"] = message.message_id
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    email["Content-Language"] = message.locale  # after the content, which clears Content-* headers
    return email


@contextmanager
def _connection(settings: SmtpSettings, report: RunReport) -> Iterator[Callable[[], smtplib.SMTP | None]]:
    """A connection opened on first need (nothing due: no connection), closed at the end."""
    opened: list[smtplib.SMTP] = []

    def connect() -> smtplib.SMTP | None:
        if opened:
            return opened[0]
        try:
            opened.append(settings.connect())
        except (smtplib.SMTPException, OSError) as error:
            report.problem = (
                f"Cannot send through {settings.host}:{settings.port}: {_describe(error)}. "
                "The messages stay in the outbox."
            )
            return None
        return opened[0]

    try:
        yield connect
    finally:
        for connection in opened:
            _close(connection)


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def _answer(error: smtplib.SMTPResponseException) -> str:
    text = (
        error.smtp_error.decode("utf-8", "replace")
        if isinstance(error.smtp_error, bytes)
        else error.smtp_error
    )
    return f"{error.smtp_code} {text}"


def _refusals(error: smtplib.SMTPRecipientsRefused) -> str:
    answers = []
    for code, text in error.recipients.values():
        answers.append(f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}")
    return "; ".join(answers) or "recipient refused"


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _answer(error)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


# --- messages whose worker died ----------------------------------------------------------------------------


def recover_stuck(settings: SmtpSettings, now: datetime) -> int:
    """Messages left in sending longer than MAIL_SENDING_TIMEOUT: pending again (same Message-ID), or failed
    after their last attempt. See the module."""
    cutoff = now - timedelta(seconds=int(current_app.config["MAIL_SENDING_TIMEOUT"]))
    stuck = (OutboxMessage.status == Status.SENDING.value) & (OutboxMessage.claimed_at < cutoff)
    again = db.session.execute(
        update(OutboxMessage)
        .where(stuck, OutboxMessage.attempts < settings.max_attempts)
        .values(
            status=Status.PENDING.value,
            claim_token=None,
            next_attempt_at=now,
            last_error=STOPPED_WHILE_SENDING,
        )
        .execution_options(synchronize_session=False)
    )
    lost = db.session.execute(
        update(OutboxMessage)
        .where(stuck, OutboxMessage.attempts >= settings.max_attempts)
        .values(status=Status.FAILED.value, claim_token=None, last_error=LOST_ON_LAST_ATTEMPT)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    found = int(again.rowcount or 0) + int(lost.rowcount or 0)
    if found:
        log.warning("%d outbox messages were stuck in sending (a worker stopped)", found)
    return found


# --- daily digests -----------------------------------------------------------------------------------------


def build_digests(now: datetime) -> int:
    """From the digest hour on, one digest per person with held notifications and no digest yet today."""
    config = current_app.config
    local = as_utc(now).astimezone(ZoneInfo(config["BABEL_DEFAULT_TIMEZONE"]))
    if local.hour < int(config["MAIL_DIGEST_HOUR"]):
        return 0
    today = local.date()
    done_today = select(OutboxMessage.id).where(
        OutboxMessage.recipient_id == User.id, OutboxMessage.digest_day == today
    )
    people = list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                select(OutboxMessage.id)
                .where(OutboxMessage.recipient_id == User.id, OutboxMessage.status == Status.HELD.value)
                .exists(),
                ~done_today.exists(),
            )
            .order_by(User.id)
        )
    )
    db.session.commit()
    built = 0
    for person in people:
        if _build_digest(person.id, today):
            built += 1
    return built


def _build_digest(user_id: int, today) -> bool:
    person = db.session.get(User, user_id)
    items = list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient_id == user_id, OutboxMessage.status == Status.HELD.value)
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    )
    if person is None or not items:
        db.session.commit()
        return False
    locale = locale_for(person)
    rendered = render_mail("digest", locale, recipient=person, items=items, day=today)
    digest = OutboxMessage(
        recipient_id=person.id,
        to_address=person.email,
        kind="digest",
        locale=locale,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        status=Status.PENDING.value,
        message_id=new_message_id(),
        next_attempt_at=utcnow(),
        digest_day=today,
    )
    try:
        with db.session.begin_nested():
            db.session.add(digest)
    except IntegrityError:  # another worker built this person's digest a moment ago
        db.session.rollback()
        return False
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([item.id for item in items]), OutboxMessage.status == Status.HELD.value)
        .values(status=Status.DIGESTED.value, digest_id=digest.id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return True


# --- the command -------------------------------------------------------------------------------------------


def waiting_count() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status.in_([Status.PENDING.value, Status.HELD.value]))
    )


@click.command("send-mail")
@click.option("--once", is_flag=True, help="Send what is due, then exit (for cron or a timer).")
@click.option(
    "--interval",
    type=click.IntRange(1, 3600),
    default=30,
    show_default=True,
    help="Seconds between two runs when running on.",
)
@with_appcontext
def send_mail_command(once: bool, interval: int) -> None:
    """Send the outbox's e-mails through SMTP (WORKBENCH_SMTP_HOST), retrying with backoff."""
    try:
        settings = smtp_settings()
    except NotConfigured as error:
        waiting = waiting_count()
        db.session.remove()
        raise click.ClickException(f"{error} {waiting} messages wait in the outbox.") from error
    stop = threading.Event()
    with _stopping_on_signals(stop):
        while True:
            try:
                report = run_once(settings, should_stop=stop.is_set)
            finally:
                db.session.remove()
            click.echo(report.summary())
            if once:
                if report.problem:
                    raise click.ClickException(report.problem)
                return
            if stop.wait(interval):
                return


@contextmanager
def _stopping_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT let the message being sent finish, then stop the worker."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda _signum, _frame: stop.set())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
