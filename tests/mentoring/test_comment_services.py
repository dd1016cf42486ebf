"""Comment threads as data: anchors and quotes checked, plain text bounded, one comment per form token,
states derived from append-only events, mentions resolved when posted, read markers that only move forward,
which threads each view of a plan shows, and who should be told of a new comment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask_babel import force_locale
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from tests.mentoring.threads import People, people_and_plan, start
from tests.support import audit_events, make_person
from workbench.audit.labels import ACTION_LABELS
from workbench.audit.models import AppendOnlyViolation
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.mentoring import comments
from workbench.mentoring.models import (
    CommentMention,
    CommentThread,
    ThreadComment,
    ThreadEvent,
    ThreadEventKind,
    ThreadRead,
    ThreadState,
)
from workbench.plans import services as plans
from workbench.programme.services import assign_mentor

RESOLVED, REOPENED = ThreadEventKind.RESOLVED, ThreadEventKind.REOPENED


@pytest.fixture
def people(cohort) -> People:
    return people_and_plan(cohort)


@pytest.fixture(autouse=True)
def _messages_in_english(app_context: None) -> Iterator[None]:
    """The services' messages are read here in English, whatever the programme's default language."""
    with force_locale("en"):
        yield


def resend(people: People, words: str = " Anche studenti."):
    answer = people.plan.answer("target_customers")
    plans.save_answers(
        people.plan,
        [plans.AnswerEdit("target_customers", answer.text + words, answer.language, answer.revision)],
        people.trainee,
    )
    version = plans.submit_plan(people.plan, people.trainee)
    db.session.commit()
    return version


# --- anchors, quotes, text ----------------------------------------------------------------------------------


def test_a_thread_is_anchored_to_a_question_of_a_version_and_quotes_its_answer(people) -> None:
    thread = start(
        people,
        "Under 10 euros: is that with the delivery app's fee?",
        question="target_customers",
        quote="  un pranzo caldo\n sotto i 10 euro ",
    )
    assert (thread.plan_id, thread.version_id, thread.section_key, thread.question_key) == (
        people.plan.id,
        people.version.id,
        "customers",
        "target_customers",
    )
    assert thread.quote == "un pranzo caldo sotto i 10 euro"
    assert [c.body for c in thread.comments] == ["Under 10 euros: is that with the delivery app's fee?"]
    assert thread.state == ThreadState.OPEN
    assert thread.sequence == 0
    [event] = audit_events("comment_thread.started")
    assert (event.object_type, event.object_id, event.actor_id) == (
        "comment_thread",
        thread.id,
        people.mentor.id,
    )
    assert (event.after["section"], event.after["version"]) == ("customers", 1)
    assert "comment_thread.started" in ACTION_LABELS


@pytest.mark.parametrize(
    ("section", "question", "quote", "field"),
    [
        ("nowhere", None, None, "about"),
        ("customers", "idea", None, "about"),  # a question of another section
        ("customers", "target_customers", "parole che nessuno ha scritto", "quote"),
        ("customers", None, "x" * (comments.MAX_QUOTE_CHARACTERS + 1), "quote"),
    ],
)
def test_an_anchor_or_a_quote_that_is_not_in_the_plan_is_refused(
    people, section, question, quote, field
) -> None:
    with pytest.raises(DomainError) as refused:
        comments.start_thread(
            comments.Anchor(people.plan, people.version, section, question),
            author=people.mentor,
            body="A comment.",
            quote=quote,
            token=comments.new_token(),
        )
    assert field in refused.value.errors
    db.session.rollback()
    assert db.session.scalar(select(CommentThread.id)) is None


def test_a_quote_is_read_from_the_draft_when_the_thread_is_on_the_draft(people) -> None:
    idea = people.plan.answer("idea")
    plans.save_answers(
        people.plan,
        [plans.AnswerEdit("idea", "Pastelli fritti al mercato.", "it", idea.revision)],
        people.trainee,
    )
    db.session.commit()
    thread = start(people, "Which market?", draft=True, section="idea", quote="al mercato")
    assert (thread.version_id, thread.quote) == (None, "al mercato")
    with pytest.raises(DomainError, match="quote"):
        start(people, "Which one?", section="idea", quote="al mercato")  # not what version 1 says


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * (comments.MAX_COMMENT_CHARACTERS + 1)])
def test_an_empty_or_oversized_comment_is_refused(people, body) -> None:
    with pytest.raises(DomainError) as refused:
        start(people, body)
    assert set(refused.value.errors) == {"body"}


@pytest.mark.parametrize("token", [None, "", "short", "a" * 65, "spaces are not allowed here!"])
def test_a_form_without_a_proper_token_is_refused(people, token) -> None:
    with pytest.raises(DomainError) as refused:
        comments.start_thread(
            comments.Anchor(people.plan, people.version, "customers"),
            author=people.mentor,
            body="Hi",
            token=token,
        )
    assert "" in refused.value.errors


def test_text_is_kept_as_typed_html_and_all(people) -> None:
    typed = '<script>alert("x")</script>\r\nSecond line & <b>bold</b>'
    thread = start(people, typed)
    assert thread.comments[0].body == '<script>alert("x")</script>\nSecond line & <b>bold</b>'


# --- one comment per form token -----------------------------------------------------------------------------


def test_the_same_form_posted_twice_starts_one_thread(people) -> None:
    anchor = comments.Anchor(people.plan, people.version, "customers")
    token = comments.new_token()
    first = comments.start_thread(anchor, author=people.mentor, body="Once.", token=token)
    again = comments.start_thread(anchor, author=people.mentor, body="Once.", token=token)
    db.session.commit()
    assert (first.again, again.again) == (False, True)
    assert again.thread.id == first.thread.id
    assert db.session.scalar(select(db.func.count(ThreadComment.id))) == 1
    assert len(audit_events("comment_thread.started")) == 1


def test_the_same_reply_posted_twice_is_stored_once(people) -> None:
    thread = start(people)
    token = comments.new_token()
    comments.reply(thread, author=people.trainee, body="Workers near the station.", token=token)
    again = comments.reply(thread, author=people.trainee, body="Workers near the station.", token=token)
    db.session.commit()
    assert again.again
    assert [c.body for c in thread.comments] == ["Who are your first customers?", "Workers near the station."]
    assert len(audit_events("comment_thread.replied")) == 1


def test_two_people_may_use_the_same_token(people) -> None:
    """The key is (author, token): one person's token never hides another person's comment."""
    thread = start(people)
    token = comments.new_token()
    comments.reply(thread, author=people.trainee, body="One.", token=token)
    comments.reply(thread, author=people.mentor, body="Two.", token=token)
    db.session.commit()
    assert len(thread.comments) == 3


# --- resolve and reopen: events, never edits ----------------------------------------------------------------


def test_resolve_and_reopen_are_events_and_the_state_is_the_latest(people) -> None:
    thread = start(people)
    comments.change_state(thread, RESOLVED, actor=people.mentor, seen=0)
    db.session.commit()
    assert (thread.state, thread.sequence) == (ThreadState.RESOLVED, 1)
    comments.change_state(thread, REOPENED, actor=people.trainee, seen=1)
    comments.change_state(thread, RESOLVED, actor=people.mentor, seen=2)
    db.session.commit()
    events = db.session.scalars(select(ThreadEvent).order_by(ThreadEvent.sequence)).all()
    assert [(e.sequence, e.kind, e.actor_id) for e in events] == [
        (1, "resolved", people.mentor.id),
        (2, "reopened", people.trainee.id),
        (3, "resolved", people.mentor.id),
    ]
    assert thread.resolved
    assert [e.after for e in audit_events("comment_thread.resolved")] == [
        {"state": "resolved", "sequence": 1},
        {"state": "resolved", "sequence": 3},
    ]
    assert [e.before for e in audit_events("comment_thread.reopened")] == [{"state": "resolved"}]


def test_a_change_from_a_page_out_of_date_changes_nothing_and_says_who(people) -> None:
    thread = start(people)
    comments.change_state(thread, RESOLVED, actor=people.mentor, seen=0)
    db.session.commit()
    with pytest.raises(DomainError, match="You resolved this thread a moment ago"):
        comments.change_state(thread, RESOLVED, actor=people.mentor, seen=0)
    with pytest.raises(DomainError, match="Marco Bianchi resolved this thread meanwhile"):
        comments.change_state(thread, REOPENED, actor=people.trainee, seen=0)
    with pytest.raises(DomainError):
        comments.change_state(thread, REOPENED, actor=people.trainee, seen=None)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(ThreadEvent.id))) == 1


def test_a_resolved_thread_takes_no_reply(people) -> None:
    thread = start(people)
    comments.change_state(thread, RESOLVED, actor=people.mentor, seen=0)
    db.session.commit()
    with pytest.raises(DomainError, match="reopen it"):
        comments.reply(thread, author=people.trainee, body="But...", token=comments.new_token())


@pytest.mark.parametrize("table", ["comment_threads", "thread_comments", "thread_events", "comment_mentions"])
def test_the_database_refuses_to_change_or_remove_threads_comments_events_and_mentions(people, table) -> None:
    thread = start(people, "Ask @Awa Diallo")
    comments.change_state(thread, RESOLVED, actor=people.mentor, seen=0)
    db.session.commit()
    # the table names are this test's own parameters
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):  # noqa: S608
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(text(f"SELECT count(*) FROM {table}")) == 1  # noqa: S608


def test_the_orm_refuses_to_change_an_event_or_a_comment(people) -> None:
    thread = start(people)
    comments.change_state(thread, RESOLVED, actor=people.mentor, seen=0)
    db.session.commit()
    thread.events[0].kind = "reopened"
    with pytest.raises(AppendOnlyViolation):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AppendOnlyViolation):
        db.session.execute(update(ThreadComment).values(body="rewritten"))
    db.session.rollback()


# --- mentions -----------------------------------------------------------------------------------------------


def test_mentions_name_participants_by_full_or_first_name(people) -> None:
    awa, marco = people.trainee, people.mentor
    typed = "@awa diallo, and @Marco: see @Marco Bianchi's note"
    found = comments.find_mentions(typed, [awa, marco])
    full = typed.index("@Marco B")
    assert [(p.id, start, end) for p, start, end in found] == [
        (awa.id, 0, len("@awa diallo")),
        (marco.id, typed.index("@Marco"), typed.index("@Marco") + len("@Marco")),
        (marco.id, full, full + len("@Marco Bianchi")),
    ]


@pytest.mark.parametrize(
    "typed",
    [
        "write to awa@diallo.example",  # an address, not a mention
        "@Awarded a prize",  # the name must end a word
        "@Somebody Else",  # not a participant
        "@Marco",  # two participants share the first name: nobody is guessed
    ],
)
def test_what_is_not_a_mention(people, typed) -> None:
    other_marco = make_person("marco.rossi@example.org", [Role.MENTOR], "Marco Rossi")
    assert comments.find_mentions(typed, [people.trainee, people.mentor, other_marco]) == []


def test_mentions_are_stored_when_posted_and_the_author_is_not_mentioned(people) -> None:
    thread = start(people, "@Awa please check the prices. @Marco Bianchi (me) will look again.")
    [mention] = db.session.scalars(select(CommentMention)).all()
    assert (mention.user_id, mention.comment_id, mention.start, mention.end) == (
        people.trainee.id,
        thread.comments[0].id,
        0,
        4,
    )
    assert audit_events("comment_thread.started")[0].after["mentioned"] == [people.trainee.id]


# --- read markers -------------------------------------------------------------------------------------------


def test_read_markers_only_move_forward(people) -> None:
    thread = start(people)
    comments.reply(thread, author=people.trainee, body="Answer.", token=comments.new_token())
    db.session.commit()
    newest = thread.comments[-1].id
    comments.mark_read(people.mentor, [thread])
    db.session.commit()
    assert comments.read_markers(people.mentor, [thread]) == {thread.id: newest}
    comments.mark_read(people.mentor, [thread], known={}, upto={thread.id: thread.comments[0].id})
    db.session.commit()
    assert comments.read_markers(people.mentor, [thread]) == {thread.id: newest}
    assert db.session.scalar(select(db.func.count(ThreadRead.id))) == 2  # the trainee read it by replying


# --- which threads a view shows -----------------------------------------------------------------------------


def test_a_thread_on_a_version_follows_the_plan_until_resolved_and_stays_with_its_version(people) -> None:
    on_v1 = start(people, "On version 1.")
    on_draft = start(people, "On the draft, before version 2.", draft=True)
    v2 = resend(people)
    after_v2 = start(people, "On the draft, after version 2.", draft=True)
    on_v2 = start(people, "On version 2.", version=v2)

    def shown(version):
        return [t.id for t in comments.threads_shown(people.plan, version, "customers")]

    assert shown(people.version) == [on_v1.id]
    assert shown(v2) == [on_v1.id, on_draft.id, on_v2.id]
    assert shown(None) == [on_v1.id, on_draft.id, after_v2.id, on_v2.id]
    assert [t.id for t in comments.threads_shown(people.plan, v2, "idea")] == []
    comments.change_state(on_v1, RESOLVED, actor=people.mentor, seen=0)
    db.session.commit()
    [still] = [t for t in comments.threads_shown(people.plan, None) if t.id == on_v1.id]
    assert still.resolved  # resolved threads stay visible (the page folds them)


# --- who should be told -------------------------------------------------------------------------------------


def test_who_to_tell_of_a_new_thread_a_reply_and_a_mention(people) -> None:
    thread = start(people, "Look at the prices.")
    first = thread.comments[0]
    assert [(n.person.id, n.reason) for n in comments.who_to_tell(first)] == [(people.trainee.id, "thread")]
    posted = comments.reply(thread, author=people.trainee, body="Done, @Marco.", token=comments.new_token())
    db.session.commit()
    assert [(n.person.id, n.reason) for n in comments.who_to_tell(posted.comment)] == [
        (people.mentor.id, "mention")
    ]
    posted = comments.reply(
        thread, author=people.trainee, body="And the rent too.", token=comments.new_token()
    )
    assert [(n.person.id, n.reason) for n in comments.who_to_tell(posted.comment)] == [
        (people.mentor.id, "reply")
    ]


def test_a_former_mentor_and_a_deactivated_account_are_not_told(people) -> None:
    thread = start(people, "Look at the prices.")
    new_mentor = make_person("sara.neri@example.org", [Role.MENTOR], "Sara Neri")
    assign_mentor(people.trainee, new_mentor, None)
    db.session.commit()
    posted = comments.reply(thread, author=people.trainee, body="Done.", token=comments.new_token())
    assert [n.person.id for n in comments.who_to_tell(posted.comment)] == [new_mentor.id]
    new_mentor.active = False
    db.session.commit()
    assert comments.who_to_tell(posted.comment) == []
