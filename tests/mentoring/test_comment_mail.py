"""Comments by e-mail: a new thread, a reply or a mention writes an outbox message for each person
comments.who_to_tell names, in their language and by their choice, in the comment's own transaction, and
never for the author."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.mentoring.threads import People, people_and_plan, start
from tests.notifications.test_outbox import FOOTER
from workbench.extensions import db
from workbench.mentoring import comments
from workbench.notifications.models import OutboxMessage
from workbench.notifications.outbox import set_frequency
from workbench.programme.models import Cohort


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def comment_mails() -> list[OutboxMessage]:
    return [message for message in outbox() if message.kind.startswith("comment_")]


@pytest.fixture
def people(cohort: Cohort) -> People:
    found = people_and_plan(cohort)
    found.mentor.locale = "it"
    db.session.commit()
    return found


def test_a_new_thread_reaches_the_trainee_not_the_mentor_who_wrote_it(people: People) -> None:
    thread = start(people, "Chi sono i tuoi primi clienti?")
    [message] = comment_mails()
    assert (message.recipient_id, message.kind, message.locale) == (
        people.trainee.id,
        "comment_thread_started",
        "en",
    )
    assert "Marco Bianchi" in message.subject
    assert "Chi sono i tuoi primi clienti?" in message.body_text
    section = comments.template_of(people.plan, people.version).section("customers").title("en")
    assert f"“{section}”" in message.body_text
    link = f"/plans/{people.plan.id}/versions/1/comments?section=customers#thread-{thread.id}"
    assert link in message.body_text


def test_a_reply_reaches_the_mentor_in_italian_and_not_the_trainee(people: People) -> None:
    thread = start(people)
    comments.reply(thread, author=people.trainee, body="Gli operai del cantiere.", token=comments.new_token())
    db.session.commit()
    replies = [message for message in comment_mails() if message.kind == "comment_reply"]
    assert [(m.recipient_id, m.locale) for m in replies] == [(people.mentor.id, "it")]
    assert FOOTER["it"] in replies[0].body_text
    assert "Gli operai del cantiere." in replies[0].body_text
    assert all(m.recipient_id != people.trainee.id for m in replies)


def test_the_mail_is_written_in_the_comments_transaction(people: People) -> None:
    before = len(outbox())
    comments.start_thread(
        comments.Anchor(people.plan, people.version, "customers"),
        author=people.mentor,
        body="Una domanda.",
        token=comments.new_token(),
    )
    pending = [m for m in db.session.new if isinstance(m, OutboxMessage)]
    assert [m.recipient_id for m in pending] == [people.trainee.id]  # in the session, with the comment
    db.session.rollback()  # the comment did not happen: neither did its mail
    assert len(outbox()) == before
    start(people, "Una domanda.")
    assert len(outbox()) == before + 1


def test_a_mention_is_told_as_a_mention_once(people: People) -> None:
    start(people, "@Awa guarda i costi del furgone.")
    [message] = comment_mails()
    assert (message.recipient_id, message.kind) == (people.trainee.id, "comment_mention")
    assert "mentioned you" in message.subject


def test_each_persons_choice_is_respected(people: People) -> None:
    set_frequency(people.trainee, "none", people.trainee)
    db.session.commit()
    start(people)
    assert comment_mails() == []
    set_frequency(people.trainee, "daily", people.trainee)
    db.session.commit()
    start(people, "Un'altra domanda.")
    [message] = comment_mails()
    assert (message.recipient_id, message.status) == (people.trainee.id, "held")


def test_the_same_form_posted_twice_writes_one_mail(people: People) -> None:
    token = comments.new_token()
    anchor = comments.Anchor(people.plan, people.version, "customers")
    for _ in range(2):
        comments.start_thread(anchor, author=people.mentor, body="Una domanda.", token=token)
        db.session.commit()
    assert len(comment_mails()) == 1
