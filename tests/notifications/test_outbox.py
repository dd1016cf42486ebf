"""notify(): a message written into the session with its event, rendered in the recipient's language, with
absolute links, following the person's choice (immediate, daily, none), never committed by itself."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import func, select

from tests.notifications.conftest import BASE_URL
from tests.support import make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import set_active
from workbench.extensions import db
from workbench.notifications.models import Frequency, OutboxMessage, Status
from workbench.notifications.outbox import notify, set_frequency
from workbench.notifications.rendering import linkify, one_line, render_mail
from workbench.plans.services import create_plan, submit_plan

FOOTER = {
    "ar": "Workbench: خطط العمل والإرشاد والقروض الصغيرة لرواد الأعمال الجدد.",
    "it": "Workbench: piani d'impresa, tutoraggio e microcredito per nuovi imprenditori.",
    "en": "Workbench: business plans, mentoring and microcredit for new entrepreneurs.",
}


def messages() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def sent_plan(trainee: User):
    plan = create_plan(owner=trainee, business_type="food", title="Fatou's Kitchen", from_example=True)
    db.session.flush()
    version = submit_plan(plan, trainee)
    return plan, version


def test_a_notification_is_part_of_its_transaction(trainee: User, mentor: User) -> None:
    plan, version = sent_plan(trainee)
    db.session.commit()
    before = len(messages())
    notify(mentor, "plan_submitted", plan=plan, version=version, trainee=trainee)
    db.session.rollback()  # the event did not happen: neither did its mail
    assert len(messages()) == before
    notify(mentor, "plan_submitted", plan=plan, version=version, trainee=trainee)
    db.session.commit()
    assert len(messages()) == before + 1


@pytest.mark.parametrize(("locale", "footer"), [("ar", FOOTER["ar"]), ("it", FOOTER["it"])])
def test_each_recipient_reads_their_own_language(
    trainee: User, mentor: User, locale: str, footer: str
) -> None:
    plan, version = sent_plan(trainee)
    reader = make_person(f"reader.{locale}@example.org", [Role.MENTOR], "Reader", locale=locale)
    message = notify(reader, "plan_submitted", plan=plan, version=version, trainee=trainee)
    db.session.commit()
    assert message.locale == locale
    assert footer in message.body_text
    assert FOOTER["en"] not in message.body_text
    direction = "rtl" if locale == "ar" else "ltr"
    assert f'<html lang="{locale}" dir="{direction}">' in message.body_html
    assert str(escape(footer)) in message.body_html


def test_a_person_without_a_language_reads_the_programmes(trainee: User) -> None:
    plan, version = sent_plan(trainee)
    reader = make_person("nolang@example.org", [Role.MENTOR], "No Language", locale=None)
    message = notify(reader, "plan_submitted", plan=plan, version=version, trainee=trainee)
    assert message.locale == "it"
    assert FOOTER["it"] in message.body_text


def test_links_are_absolute_on_the_configured_address(
    app: Flask, monkeypatch: pytest.MonkeyPatch, trainee: User, mentor: User
) -> None:
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    plan, version = sent_plan(trainee)
    message = notify(mentor, "plan_submitted", plan=plan, version=version, trainee=trainee)
    assert f"{BASE_URL}/plans/{plan.id}\n" in message.body_text
    assert f"{BASE_URL}/settings/e-mail" in message.body_text
    assert f'<a href="{BASE_URL}/plans/{plan.id}">' in message.body_html
    assert message.message_id.endswith("@workbench.example.org>")


def test_the_choice_of_each_person_decides(trainee: User, mentor: User) -> None:
    plan, version = sent_plan(trainee)
    db.session.commit()
    before = len(messages())
    context = {"plan": plan, "version": version, "trainee": trainee}
    assert notify(mentor, "plan_submitted", **context).status == Status.PENDING
    set_frequency(mentor, Frequency.DAILY.value, mentor)
    assert notify(mentor, "plan_submitted", **context).status == Status.HELD
    set_frequency(mentor, Frequency.NONE.value, mentor)
    assert notify(mentor, "plan_submitted", **context) is None
    # A password link is transactional: it goes out at once whatever the choice.
    link = notify(mentor, "password_reset", transactional=True, reset_link="https://x.test/r", valid_hours=24)
    assert (link.status, link.transactional) == (Status.PENDING, True)
    db.session.commit()
    assert [m.status for m in messages()[before:]] == ["pending", "held", "pending"]


def test_deactivated_people_get_nothing(trainee: User, mentor: User, manager: User) -> None:
    plan, version = sent_plan(trainee)
    set_active(mentor, False, manager)
    assert notify(mentor, "plan_submitted", plan=plan, version=version, trainee=trainee) is None


def test_an_address_that_cannot_be_mailed_fails_at_once_for_the_managers_to_see(trainee: User) -> None:
    plan, version = sent_plan(trainee)
    odd = make_person("odd@example.org", [Role.MENTOR], "Odd Address")
    odd.email = "odd\r\nbcc:x@example.org"
    message = notify(odd, "plan_submitted", plan=plan, version=version, trainee=trainee)
    db.session.commit()
    assert message.status == Status.FAILED
    assert "not an address" in message.last_error


def test_subjects_are_one_line_whatever_was_typed(app_context: None) -> None:
    assert one_line("A plan\r\nBcc: victim@example.org\x00\x0b") == "A plan Bcc: victim@example.org"
    assert len(one_line("x" * 500)) == 200
    rendered = render_mail(
        "plan_waiting_for_mentor",
        "en",
        recipient=User(full_name="Giulia", email="g@example.org"),
        plan=SimpleNamespace(id=1, title="Kitchen\nSubject: hijacked"),
        version=SimpleNamespace(number=1),
        trainee=User(full_name="Eve\r\nBcc: victim@example.org", email="e@example.org"),
    )
    assert "\n" not in rendered.subject
    assert "\r" not in rendered.subject
    assert rendered.subject == (
        "A plan waits for a mentor: Kitchen Subject: hijacked, by Eve Bcc: victim@example.org"
    )


def test_text_typed_by_people_is_escaped_in_the_html_part(trainee: User, mentor: User) -> None:
    plan, _version = sent_plan(trainee)
    message = notify(
        trainee,
        "plan_changes_requested",
        plan=plan,
        version=plan.versions[0],
        reviewer=mentor,
        note='<script>alert(1)</script> see "http://x.test/a?b=1&c=<2>"',
    )
    assert "<script>" not in message.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.body_html
    assert "<script>alert(1)</script>" in message.body_text  # plain text stays as typed
    assert str(linkify("go to https://x.test/?a=1&b=2 now")) == (
        'go to <a href="https://x.test/?a=1&amp;b=2">https://x.test/?a=1&amp;b=2</a> now'
    )


def test_notify_never_commits(trainee: User, mentor: User) -> None:
    plan, version = sent_plan(trainee)
    db.session.commit()
    notify(mentor, "plan_submitted", plan=plan, version=version, trainee=trainee)
    with db.engine.connect() as other:
        committed = other.scalar(select(func.count()).select_from(OutboxMessage))
    db.session.flush()
    assert committed == len(messages()) - 1
    db.session.rollback()
