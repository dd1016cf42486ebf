"""The mail worker against a real SMTP server (aiosmtpd on 127.0.0.1): sent once, never twice (two workers
at once included), retried with backoff after a refusal, failed after the last attempt with the error kept,
a message whose worker died sent again with the same Message-ID, no header injection, the recipient's
language, and the command itself."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import select, update

from tests.concurrency import ROUNDS, at_once
from tests.notifications.conftest import BASE_URL, SENDER, SmtpServer, free_port, run
from tests.support import make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.notifications.models import OutboxMessage, Status
from workbench.notifications.outbox import notify
from workbench.notifications.worker import LOST_ON_LAST_ATTEMPT, STOPPED_WHILE_SENDING, _finish, claim
from workbench.timeutil import utcnow

RESET_LINK = f"{BASE_URL}/reset/abc"


def reset_mail(person: User) -> OutboxMessage:
    """A transactional message: pending at once, whatever the person chose."""
    message = notify(person, "password_reset", transactional=True, reset_link=RESET_LINK, valid_hours=24)
    db.session.commit()
    return message


def reload(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


def test_a_message_is_sent_once_with_its_headers(smtp: SmtpServer, trainee: User) -> None:
    message = reset_mail(trainee)
    report = run()
    assert (report.sent, report.retried, report.failed, report.problem) == (1, 0, 0, None)
    assert run().sent == 0  # nothing is sent twice
    [received] = smtp.received
    assert received.rcpt_tos == ["fatou.ndiaye@example.org"]
    assert received.mail_from == "noreply@workbench.example.org"
    mail = received.message
    assert mail["Message-ID"] == message.message_id
    assert mail["From"] == SENDER
    assert mail["To"] == "Fatou Ndiaye <fatou.ndiaye@example.org>"
    assert mail["Subject"] == message.subject
    assert mail["Content-Language"] == "fr"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert RESET_LINK in mail.get_body(("plain",)).get_content()
    assert f'<a href="{RESET_LINK}">' in mail.get_body(("html",)).get_content()
    sent = reload(message)
    assert (sent.status, sent.attempts, sent.claim_token, sent.last_error) == ("sent", 1, None, None)
    assert sent.sent_at is not None


@pytest.mark.parametrize(("locale", "words"), [("ar", "تعيين كلمة المرور"), ("it", "Imposta la password")])
def test_the_recipient_reads_their_language(
    smtp: SmtpServer, app_context: None, locale: str, words: str
) -> None:
    person = make_person(f"p.{locale}@example.org", [Role.TRAINEE], "Someone", locale=locale)
    reset_mail(person)
    run()
    [received] = smtp.received
    assert received.message["Content-Language"] == locale
    assert words in received.message.get_body(("plain",)).get_content()
    html = received.message.get_body(("html",)).get_content()
    assert f'dir="{"rtl" if locale == "ar" else "ltr"}"' in html


def test_nothing_typed_into_a_name_or_a_title_becomes_a_header(smtp: SmtpServer, app_context: None) -> None:
    eve = make_person("eve@example.org", [Role.TRAINEE], "Eve\r\nBcc: victim@example.org")
    giulia = make_person("giulia@example.org", [Role.MANAGER], "Giulia\nCc: other@example.org", locale="en")
    notify(
        giulia,
        "plan_waiting_for_mentor",
        plan=SimpleNamespace(id=1, title="Kitchen\r\nBcc: victim2@example.org\r\n\r\nforged body"),
        version=SimpleNamespace(number=1),
        trainee=eve,
    )
    db.session.commit()
    assert run().sent == 1
    [received] = smtp.received
    assert received.rcpt_tos == ["giulia@example.org"]
    mail = received.message
    assert mail["Bcc"] is None
    assert mail["Cc"] is None
    assert "victim" not in "".join(f"{k}{v}" for k, v in mail.items() if k.lower() not in {"subject", "to"})
    assert "\n" not in mail["Subject"]
    assert mail["Subject"].startswith("A plan waits for a mentor: Kitchen Bcc:")
    assert mail["To"].addresses[0].addr_spec == "giulia@example.org"
    assert len(mail["To"].addresses) == 1


def test_two_workers_at_once_send_each_message_once(app: Flask, smtp: SmtpServer, app_context: None) -> None:
    people = [make_person(f"p{i}@example.org", [Role.TRAINEE], f"Person {i}") for i in range(6)]
    for _round in range(ROUNDS):
        messages = [reset_mail(person) for person in people]
        reports = at_once(app, run, run)
        assert sum(r.sent for r in reports) == len(messages)
        assert all(r.problem is None for r in reports)
    ids = [received.message["Message-ID"] for received in smtp.received]
    assert len(ids) == len(people) * ROUNDS
    assert len(set(ids)) == len(ids), "a message was sent twice"
    statuses = db.session.scalars(select(OutboxMessage.status)).all()
    assert set(statuses) == {"sent"}


def test_a_refused_delivery_is_retried_with_backoff(smtp: SmtpServer, trainee: User) -> None:
    message = reset_mail(trainee)
    smtp.refuse(1)
    start = utcnow()
    report = run(start)
    assert (report.sent, report.retried) == (0, 1)
    waiting = reload(message)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert "451" in waiting.last_error
    assert "Mailbox busy" in waiting.last_error
    assert (
        abs((waiting.next_attempt_at.replace(tzinfo=None) - start.replace(tzinfo=None)).total_seconds() - 60)
        < 1
    )
    assert run(start + timedelta(seconds=30)).sent == 0  # not due yet
    assert smtp.received == []
    assert run(start + timedelta(seconds=61)).sent == 1
    sent = reload(message)
    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 2, None)
    assert [r.message["Message-ID"] for r in smtp.received] == [message.message_id]


def test_after_the_last_attempt_the_message_fails_with_its_error(
    app: Flask, smtp: SmtpServer, trainee: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 4)
    message = reset_mail(trainee)
    smtp.refuse(100, "550 5.1.1 No such mailbox here")
    moment = utcnow()
    waits = []
    for _attempt in range(4):
        report = run(moment)
        current = reload(message)
        if current.status == "pending":
            waits.append(
                round(
                    (
                        current.next_attempt_at.replace(tzinfo=None) - moment.replace(tzinfo=None)
                    ).total_seconds()
                )
            )
            moment = current.next_attempt_at.replace(tzinfo=moment.tzinfo) + timedelta(seconds=1)
    assert waits == [60, 300, 1800]  # 1 min, 5 min, 30 min, then the 4th attempt is the last
    assert report.failed == 1
    failed = reload(message)
    assert (failed.status, failed.attempts, failed.claim_token) == ("failed", 4, None)
    assert failed.last_error == "550 5.1.1 No such mailbox here"
    assert run(moment + timedelta(days=1)).handled == 0
    assert smtp.received == []


def test_a_server_that_cannot_be_reached_costs_no_attempt(
    app: Flask, smtp: SmtpServer, trainee: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = reset_mail(trainee)
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there
    report = run()
    assert report.handled == 0
    assert "Cannot send through 127.0.0.1" in report.problem
    assert (reload(message).status, reload(message).attempts) == ("pending", 0)


def test_nothing_due_opens_no_connection(
    app: Flask, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch, app_context: None
) -> None:
    monkeypatch.setitem(app.config, "SMTP_PORT", 1)
    assert run().problem is None


def test_a_message_whose_worker_died_is_sent_again_with_the_same_message_id(
    app: Flask, smtp: SmtpServer, trainee: User, manager: User
) -> None:
    stuck = reset_mail(trainee)
    last = reset_mail(manager)
    now = utcnow()
    timeout = timedelta(seconds=app.config["MAIL_SENDING_TIMEOUT"])
    for message, attempts in ((stuck, 1), (last, app.config["MAIL_MAX_ATTEMPTS"])):
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(
                status="sending", claim_token="dead-worker", claimed_at=now - timeout / 2, attempts=attempts
            )
        )
    db.session.commit()
    assert run(now).recovered == 0  # it may still be sending: left alone
    assert smtp.received == []
    report = run(now + timeout)
    assert (report.recovered, report.sent) == (2, 1)
    [received] = smtp.received
    assert received.message["Message-ID"] == stuck.message_id
    assert reload(stuck).status == "sent"
    lost = reload(last)
    assert (lost.status, lost.last_error) == ("failed", LOST_ON_LAST_ATTEMPT)
    assert STOPPED_WHILE_SENDING.startswith("The worker stopped")


def test_the_late_word_of_a_worker_whose_claim_was_given_up_changes_nothing(
    smtp: SmtpServer, trainee: User
) -> None:
    message = reset_mail(trainee)
    token = claim(message.id, utcnow())
    assert token is not None
    assert claim(message.id, utcnow()) is None  # taken
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id)
        .values(claim_token="another", status="sending")
    )
    db.session.commit()
    assert _finish(message.id, token, status=Status.SENT.value) is False
    assert reload(message).status == "sending"


# --- the command -------------------------------------------------------------------------------------------


def test_without_smtp_the_command_says_so_and_leaves_messages_waiting(
    app: Flask, trainee: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    message_id = reset_mail(trainee).id
    result = app.test_cli_runner().invoke(args=["send-mail", "--once"])
    assert result.exit_code == 1
    assert "SMTP is not configured (set WORKBENCH_SMTP_HOST)" in result.output
    assert "1 messages wait in the outbox" in result.output
    assert db.session.get(OutboxMessage, message_id).status == "pending"


def test_without_a_sender_the_command_says_what_to_set(
    app: Flask, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch, app_context: None
) -> None:
    monkeypatch.setitem(app.config, "MAIL_FROM", None)
    result = app.test_cli_runner().invoke(args=["send-mail", "--once"])
    assert result.exit_code == 1
    assert "set WORKBENCH_MAIL_FROM" in result.output


def test_send_mail_once_sends_what_is_due_and_exits(app: Flask, smtp: SmtpServer, trainee: User) -> None:
    reset_mail(trainee)
    result = app.test_cli_runner().invoke(args=["send-mail", "--once"])
    assert result.exit_code == 0, result.output
    assert "Mail: 1 sent, 0 to retry later, 0 failed." in result.output
    assert len(smtp.received) == 1


def test_send_mail_once_fails_when_the_server_is_unreachable(
    app: Flask, smtp: SmtpServer, trainee: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())
    reset_mail(trainee)
    result = app.test_cli_runner().invoke(args=["send-mail", "--once"])
    assert result.exit_code == 1
    assert "The messages stay in the outbox" in result.output


def test_the_worker_keeps_running_until_told_to_stop(
    app: Flask, smtp: SmtpServer, trainee: User, database_url: str, tmp_path: Path
) -> None:
    """`flask send-mail` as a process of its own: it sends what arrives while it runs; SIGTERM stops it."""
    reset_mail(trainee)
    env = dict(
        os.environ,
        FLASK_APP="workbench",
        WORKBENCH_INSTANCE_PATH=str(tmp_path),
        WORKBENCH_DATABASE_URL=database_url,
        WORKBENCH_SECRET_KEY="test-secret",
        WORKBENCH_SMTP_HOST="127.0.0.1",
        WORKBENCH_SMTP_PORT=str(smtp.port),
        WORKBENCH_SMTP_SECURITY="none",
        WORKBENCH_MAIL_FROM=SENDER,
        WORKBENCH_BASE_URL=BASE_URL,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "send-mail", "--interval", "1"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(lambda: len(smtp.received) == 1)
        reset_mail(trainee)  # arrives while the worker runs
        _wait_for(lambda: len(smtp.received) == 2)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert sum(int(n) for n in re.findall(r"Mail: (\d+) sent", output)) == 2, output


def _wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the worker did not send in time"
        time.sleep(0.1)
