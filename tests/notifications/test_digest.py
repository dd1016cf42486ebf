"""The daily digest: from the digest hour, one mail per person per day gathering their held notifications,
in their language; "none" gets nothing (password links still go); "immediate" is not held."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from tests.concurrency import at_once
from tests.notifications.conftest import SmtpServer, run
from tests.support import make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import set_active
from workbench.extensions import db
from workbench.notifications.models import Frequency, OutboxMessage
from workbench.notifications.outbox import notify, set_frequency
from workbench.notifications.worker import build_digests
from workbench.plans.services import create_plan, submit_plan

ROME = ZoneInfo("Europe/Rome")


def today_at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    """A moment in Rome, `days` from today. Messages written now are due at any moment from tomorrow on."""
    local = datetime.now(ROME).replace(hour=hour, minute=minute, second=0, microsecond=0) + timedelta(
        days=days
    )
    return local.astimezone(ZoneInfo("UTC"))


def plans_for_review(trainee: User, count: int):
    """`count` plans of the trainee, each sent for review: (plan, version) pairs."""
    sent = []
    for number in range(count):
        plan = create_plan(owner=trainee, business_type="food", title=f"Plan {number}", from_example=True)
        db.session.flush()
        sent.append((plan, submit_plan(plan, trainee)))
    db.session.commit()
    return sent


def tell(person: User, sent) -> list[OutboxMessage | None]:
    made = [
        notify(person, "plan_submitted", plan=plan, version=version, trainee=plan.owner)
        for plan, version in sent
    ]
    db.session.commit()
    return made


def test_a_digest_gathers_the_days_notifications_in_one_mail(smtp: SmtpServer, trainee: User) -> None:
    daily = make_person("daily@example.org", [Role.MENTOR], "Daily Mentor", locale="it")
    quick = make_person("quick@example.org", [Role.MENTOR], "Quick Mentor", locale="en")
    set_frequency(daily, Frequency.DAILY.value, daily)
    sent = plans_for_review(trainee, 3)
    held = tell(daily, sent)
    tell(quick, sent[:1])
    assert {m.status for m in held} == {"held"}

    before = run(today_at(17, 59, days=1))
    assert (before.digests, before.sent) == (0, 1)  # the immediate one only
    assert [r.rcpt_tos for r in smtp.received] == [["quick@example.org"]]

    evening = run(today_at(18, 5, days=1))
    assert (evening.digests, evening.sent) == (1, 1)
    digest = smtp.received[-1]
    assert digest.rcpt_tos == ["daily@example.org"]
    assert digest.message["Content-Language"] == "it"
    body = digest.message.get_body(("plain",)).get_content()
    for message in held:
        assert message.subject in body
    assert "Plan 0" in body
    assert "Plan 1" in body
    assert "Plan 2" in body
    assert body.count("Daily Mentor") == 1  # one greeting for the whole digest
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == daily.id)).all()
    digests = [row for row in rows if row.kind == "digest"]
    assert len(digests) == 1
    assert {row.status for row in rows if row.kind != "digest"} == {"digested"}
    assert {row.digest_id for row in rows if row.kind != "digest"} == {digests[0].id}

    # One digest a day: what is held after today's waits for tomorrow's.
    late = tell(daily, sent[:1])
    assert run(today_at(21, 0, days=1)).digests == 0
    db.session.expire_all()
    assert db.session.get(OutboxMessage, late[0].id).status == "held"
    tomorrow = run(today_at(18, 30, days=2))
    assert (tomorrow.digests, tomorrow.sent) == (1, 1)
    assert len(smtp.received) == 3


def test_none_gets_no_notification_but_still_gets_password_links(smtp: SmtpServer, trainee: User) -> None:
    quiet = make_person("quiet@example.org", [Role.MENTOR], "Quiet Mentor")
    set_frequency(quiet, Frequency.NONE.value, quiet)
    sent = plans_for_review(trainee, 1)
    assert tell(quiet, sent) == [None]
    report = run(today_at(23, 0, days=1))
    assert (report.sent, report.digests) == (0, 0)
    assert all(r.rcpt_tos != ["quiet@example.org"] for r in smtp.received)
    notify(quiet, "password_reset", transactional=True, reset_link="https://x.test/reset/t", valid_hours=24)
    db.session.commit()
    assert run().sent == 1
    assert smtp.received[-1].rcpt_tos == ["quiet@example.org"]


def test_two_workers_build_one_digest(app: Flask, smtp: SmtpServer, trainee: User) -> None:
    daily = make_person("daily@example.org", [Role.MENTOR], "Daily Mentor")
    set_frequency(daily, Frequency.DAILY.value, daily)
    tell(daily, plans_for_review(trainee, 2))
    evening = today_at(19, 0)
    built = at_once(app, lambda: build_digests(evening), lambda: build_digests(evening))
    assert sorted(built) == [0, 1]
    digests = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
    assert len(digests) == 1


def test_deactivated_people_get_no_digest(smtp: SmtpServer, trainee: User, manager: User) -> None:
    daily = make_person("daily@example.org", [Role.MENTOR], "Daily Mentor")
    set_frequency(daily, Frequency.DAILY.value, daily)
    tell(daily, plans_for_review(trainee, 1))
    set_active(daily, False, manager)
    db.session.commit()
    assert run(today_at(20, 0)).digests == 0
