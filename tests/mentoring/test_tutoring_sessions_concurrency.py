"""Sessions under a double click and a second tab: real threads, each request in its own database session,
released together, several rounds. One session logged per form; of two corrections on the same revision one
is stored and the other is told, keeping what it typed."""

from __future__ import annotations

import re
from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.concurrency import ROUNDS, at_once
from tests.mentoring.sessions_support import days_ago, logged
from tests.support import audit_events, login_as
from workbench.auth.models import User
from workbench.extensions import db
from workbench.mentoring import sessions as services
from workbench.mentoring.models import SessionService, TutoringSession
from workbench.programme.services import assign_mentor

pytestmark = pytest.mark.usefixtures("english_readers")

HTMX = {"HX-Request": "true"}


@pytest.fixture
def mentee(trainee: User, mentor: User) -> User:
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    return trainee


def tabs(app: Flask, user: User, count: int = 2) -> list[FlaskClient]:
    """`count` browsers of the same person, each with its own session cookie."""
    clients = []
    for _ in range(count):
        client = app.test_client()
        login_as(client, user)
        clients.append(client)
    return clients


def form(**overrides) -> dict:
    data = {
        "held_on": days_ago(1).isoformat(),
        "minutes": "60",
        "channel": "in_person",
        "services": ["strategy", "legal"],
        "notes": "",
        "next_steps": "",
    }
    data.update(overrides)
    return data


def test_a_double_submit_of_one_form_logs_one_session(app: Flask, mentee: User, mentor: User) -> None:
    first, second = tabs(app, mentor)
    url = f"/mentees/{mentee.id}/sessions/new"
    for round_ in range(ROUNDS):
        data = form(submission_key=services.new_submission_key(), minutes=str(30 + round_))
        responses = at_once(
            app,
            partial(first.post, url, data=data),
            partial(second.post, url, data=data, headers=HTMX),
        )
        assert responses[0].status_code == 303
        assert responses[1].status_code == 200
        told_already = [
            "already logged" in first.get(responses[0].headers["Location"]).get_data(as_text=True),
            "already logged" in responses[1].get_data(as_text=True),
        ]
        assert told_already.count(True) == 1, f"round {round_}: {told_already}"
        count = db.session.scalar(
            select(func.count()).select_from(TutoringSession).where(TutoringSession.minutes == 30 + round_)
        )
        assert count == 1, f"round {round_}: {count} sessions logged"
    assert len(audit_events("tutoring_session.logged")) == ROUNDS
    assert db.session.scalar(select(func.count()).select_from(SessionService)) == 2 * ROUNDS


def test_two_tabs_correcting_one_session_store_one_and_tell_the_other(
    app: Flask, mentee: User, mentor: User
) -> None:
    session = logged(mentee, mentor, days_ago(3))
    first, second = tabs(app, mentor)
    url = f"/sessions/{session.id}/edit"
    for round_ in range(ROUNDS):
        db.session.expire_all()
        base = db.session.get(TutoringSession, session.id).revision
        notes = [f"Round {round_}: tab {tab}." for tab in "AB"]
        responses = at_once(
            app,
            *(
                partial(tab.post, url, data=form(held_on=days_ago(3).isoformat(), notes=text, revision=base))
                for tab, text in zip((first, second), notes, strict=True)
            ),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [303, 409], f"round {round_}: {statuses}"
        winner = next(i for i, r in enumerate(responses) if r.status_code == 303)
        loser_page = responses[1 - winner].get_data(as_text=True)
        assert "corrected in another window" in loser_page
        assert notes[1 - winner] in loser_page  # what the losing tab typed is still in its form
        assert notes[winner] in loser_page  # beside what is stored now
        assert re.search(rf'name="revision"[^>]*value="{base + 1}"', loser_page) or re.search(
            rf'value="{base + 1}"[^>]*name="revision"', loser_page
        )
        db.session.expire_all()
        stored = db.session.get(TutoringSession, session.id)
        assert (stored.notes, stored.revision) == (notes[winner], base + 1)
    assert len(audit_events("tutoring_session.corrected")) == ROUNDS


def test_two_tabs_changing_the_services_of_one_session_leave_one_set(
    app: Flask, mentee: User, mentor: User
) -> None:
    """The services are rows of their own: the losing tab must not add or remove any."""
    session = logged(mentee, mentor, days_ago(3), services_=("strategy",))
    first, second = tabs(app, mentor)
    url = f"/sessions/{session.id}/edit"
    choices = (["training", "sales"], ["legal", "diagnosis", "strategy"])
    for round_ in range(ROUNDS):
        db.session.expire_all()
        base = db.session.get(TutoringSession, session.id).revision
        responses = at_once(
            app,
            *(
                partial(
                    tab.post,
                    url,
                    data=form(held_on=days_ago(3).isoformat(), services=chosen, revision=base),
                    headers=HTMX,
                )
                for tab, chosen in zip((first, second), choices, strict=True)
            ),
        )
        assert [r.status_code for r in responses] == [200, 200]
        pages = [r.get_data(as_text=True) for r in responses]
        winners = [i for i, page in enumerate(pages) if "corrected." in page]
        assert len(winners) == 1, f"round {round_}: {len(winners)} tabs were told 'corrected'"
        db.session.expire_all()
        held = set(
            db.session.scalars(select(SessionService.service).where(SessionService.session_id == session.id))
        )
        assert held == set(choices[winners[0]]), f"round {round_}: {held}"
