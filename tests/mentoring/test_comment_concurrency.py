"""Two people (or two tabs, or a double click) on the same thread at the same moment.

Real threads, each request in its own session and connection, released together (tests.concurrency.at_once),
several rounds each. A double post stores one comment and both requests are answered as posted; two state
changes from the same state store exactly one event, and the other person is told who changed the thread.
"""

from __future__ import annotations

from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.concurrency import ROUNDS, at_once
from tests.mentoring.threads import HTMX, People, flashes, page, people_and_plan, start
from tests.support import audit_events, login_as
from workbench.auth.models import User
from workbench.extensions import db
from workbench.mentoring import comments
from workbench.mentoring.models import CommentThread, ThreadComment, ThreadEvent, ThreadEventKind, ThreadRead


@pytest.fixture
def people(cohort) -> People:
    return people_and_plan(cohort)


def browsers(app: Flask, user: User, count: int = 2) -> list[FlaskClient]:
    """`count` browsers (tabs with their own cookies) of one person."""
    clients = []
    for _ in range(count):
        client = app.test_client()
        login_as(client, user)
        clients.append(client)
    return clients


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


def test_a_double_click_on_post_starts_one_thread(app: Flask, people) -> None:
    tabs = browsers(app, people.mentor)
    url = f"/plans/{people.plan.id}/versions/1/comments?section=customers"
    for round_ in range(ROUNDS):
        data = {
            "new-about": "customers",
            "new-body": f"Round {round_}: who buys?",
            "new-token": comments.new_token(),
        }
        headers = [{}, HTMX] if round_ % 2 else [{}, {}]
        responses = at_once(
            app, *(partial(tab.post, url, data=data, headers=h) for tab, h in zip(tabs, headers, strict=True))
        )
        expected = [303, 200] if round_ % 2 else [303, 303]  # the htmx tab gets the comments box
        assert [r.status_code for r in responses] == expected, f"round {round_}"
        assert count(CommentThread) == round_ + 1
        assert count(ThreadComment) == round_ + 1
        assert len(audit_events("comment_thread.started")) == round_ + 1
        for tab in tabs:
            flashes(tab)


def test_a_double_click_on_reply_stores_one_reply(app: Flask, people) -> None:
    thread = start(people)
    tabs = browsers(app, people.trainee)
    for round_ in range(ROUNDS):
        data = {
            "body": f"Round {round_}: workers.",
            "token": comments.new_token(),
            "view": "1",
            "section": "",
        }
        responses = at_once(
            app,
            *(partial(tab.post, f"/threads/{thread.id}/replies", data=data, headers=HTMX) for tab in tabs),
        )
        assert [r.status_code for r in responses] == [200, 200], f"round {round_}"
        assert all(f"Round {round_}: workers." in page(r) for r in responses)
        assert count(ThreadComment) == round_ + 2
        assert len(audit_events("comment_thread.replied")) == round_ + 1


def test_two_people_resolving_at_once_make_one_change(app: Flask, people) -> None:
    """The mentor and the trainee who asked the question both press "Mark as resolved"."""
    [mentor] = browsers(app, people.mentor, 1)
    [trainee] = browsers(app, people.trainee, 1)
    for round_ in range(ROUNDS):
        thread = start(people, f"Round {round_}: @Marco may I?", author=people.trainee)
        data = {"seen": "0", "view": "1", "section": "customers"}
        responses = at_once(
            app,
            *(
                partial(client.post, f"/threads/{thread.id}/resolve", data=data)
                for client in (mentor, trainee)
            ),
        )
        assert [r.status_code for r in responses] == [303, 303], f"round {round_}"
        told = sorted(message for client in (mentor, trainee) for message in flashes(client))
        db.session.expire_all()
        [event] = db.session.scalars(select(ThreadEvent).where(ThreadEvent.thread_id == thread.id)).all()
        winner = db.session.get(User, event.actor_id).full_name
        assert told == sorted(
            ["The thread is resolved.", f"{winner} resolved this thread meanwhile: nothing else was changed."]
        ), f"round {round_}"
    assert len(audit_events("comment_thread.resolved")) == ROUNDS


def test_two_people_reopening_at_once_make_one_change(app: Flask, people) -> None:
    [mentor] = browsers(app, people.mentor, 1)
    [trainee] = browsers(app, people.trainee, 1)
    thread = start(people)
    for round_ in range(ROUNDS):
        seen = 2 * round_
        comments.change_state(thread, ThreadEventKind.RESOLVED, actor=people.mentor, seen=seen)
        db.session.commit()
        data = {"seen": str(seen + 1), "view": "1", "section": ""}
        responses = at_once(
            app,
            *(
                partial(c.post, f"/threads/{thread.id}/reopen", data=data, headers=HTMX)
                for c in (mentor, trainee)
            ),
        )
        assert [r.status_code for r in responses] == [200, 200], f"round {round_}"
        notices = [page(r) for r in responses if "meanwhile" in page(r)]
        assert len(notices) == 1, f"round {round_}: {len(notices)} were told of the other's change"
        assert "reopened this thread meanwhile" in notices[0]
        assert count(ThreadEvent) == seen + 2
        db.session.expire_all()
        assert not db.session.get(CommentThread, thread.id).resolved
    assert len(audit_events("comment_thread.reopened")) == ROUNDS


def test_a_double_click_on_resolve_makes_one_change(app: Flask, people) -> None:
    """Two tabs of the mentor (or a double click) resolve the same open thread: one event, and the second
    request is told the thread was resolved meanwhile."""
    tabs = browsers(app, people.mentor, 2)
    for round_ in range(ROUNDS):
        thread = start(people, f"Round {round_}")
        data = {"seen": "0", "view": "1", "section": ""}
        responses = at_once(
            app,
            partial(tabs[0].post, f"/threads/{thread.id}/resolve", data=data),
            partial(tabs[1].post, f"/threads/{thread.id}/resolve", data=data),
        )
        assert [r.status_code for r in responses] == [303, 303]
        db.session.expire_all()
        assert [e.sequence for e in db.session.get(CommentThread, thread.id).events] == [1], f"round {round_}"
        told = sorted(message for tab in tabs for message in flashes(tab))
        assert told == [
            "The thread is resolved.",
            "You resolved this thread a moment ago: it was resolved once.",
        ]


def test_two_tabs_reading_at_once_keep_one_read_marker(app: Flask, people) -> None:
    thread = start(people)
    tabs = browsers(app, people.trainee)
    url = f"/plans/{people.plan.id}/comments?section=customers"
    for round_ in range(ROUNDS):
        comments.reply(thread, author=people.mentor, body=f"Round {round_}", token=comments.new_token())
        db.session.commit()
        responses = at_once(app, *(partial(tab.get, url, headers=HTMX) for tab in tabs))
        assert [r.status_code for r in responses] == [200, 200]
        db.session.expire_all()
        markers = db.session.scalars(select(ThreadRead).where(ThreadRead.user_id == people.trainee.id)).all()
        assert [m.last_comment_id for m in markers] == [thread.comments[-1].id]
