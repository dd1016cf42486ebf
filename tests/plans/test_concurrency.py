"""Two people (or two tabs, or a double click) doing the same thing at the same moment.

Every test races real threads, each request in its own database session and connection, released together
by a barrier, and runs the race several rounds. Each round has exactly one winner; the other gets the
conflict or a clear message, never a 500; the database holds the winner's work once.
"""

from __future__ import annotations

import html as html_lib
import re
from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.concurrency import ROUNDS, at_once
from tests.plans.test_numbers_views import open_page
from tests.support import audit_events, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.plans import services
from workbench.plans.models import BusinessPlan, PlanAnswer, PlanVersion, ReviewDecision, ReviewState
from workbench.plans.review import review_state
from workbench.programme.services import add_mentor, assign_mentor

HTMX = {"HX-Request": "true"}


@pytest.fixture
def owner(app_context: None) -> User:
    return make_person("awa.diallo@example.org", [Role.TRAINEE], "Awa Diallo", locale="en")


@pytest.fixture
def reviewer(owner: User) -> User:
    mentor = make_person("paolo.verdi@example.org", [Role.MENTOR], "Paolo Verdi", locale="en")
    assign_mentor(owner, mentor, None)
    db.session.commit()
    return mentor


def signed_in(app: Flask, user: User, count: int = 2) -> list[FlaskClient]:
    """`count` browsers of the same person, each with its own session cookie."""
    clients = []
    for _ in range(count):
        client = app.test_client()
        login_as(client, user)
        clients.append(client)
    return clients


def new_plan(owner: User, *, complete: bool = False) -> BusinessPlan:
    plan = services.create_plan(
        owner=owner, business_type="food", title="Awa's Kitchen", from_example=complete
    )
    db.session.commit()
    return plan


def stored_answer(plan_id: int, key: str) -> list[PlanAnswer]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(PlanAnswer).where(PlanAnswer.plan_id == plan_id, PlanAnswer.question_key == key)
        )
    )


def page(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def textarea(html: str, key: str) -> str:
    found = re.search(rf'<textarea id="answer-{key}"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, f"no answer box for {key}"
    return found.group(1)


def theirs(html: str) -> str:
    """The other window's text, as the conflict box shows it."""
    found = re.search(r'<blockquote class="conflict-theirs"[^>]*>(.*?)</blockquote>', html, re.S)
    assert found, "no conflict box"
    return found.group(1)


def flashes(client: FlaskClient) -> list[str]:
    """The messages waiting for the next page of this browser (taken, as that page would)."""
    with client.session_transaction() as session:
        return [message for _category, message in session.pop("_flashes", [])]


def versions_of(plan_id: int) -> list[PlanVersion]:
    db.session.expire_all()
    return list(db.session.scalars(select(PlanVersion).where(PlanVersion.plan_id == plan_id)))


# --- answers ------------------------------------------------------------------------------------------------


def test_two_autosaves_of_one_answer_one_is_saved_the_other_sees_both_texts(app: Flask, owner) -> None:
    plan = new_plan(owner)
    services.save_answers(plan, [services.AnswerEdit("idea", "Street food.", "en", 0)], owner)
    db.session.commit()
    tabs = signed_in(app, owner)
    url = f"/plans/{plan.id}/sections/idea"
    for round_ in range(ROUNDS):
        [before] = stored_answer(plan.id, "idea")
        base = before.revision
        saves = len(audit_events("plan.answers_saved"))
        texts = [f"Round {round_}: the text of tab {tab}." for tab in "AB"]
        responses = at_once(
            app,
            *(
                partial(
                    tab.post,
                    url,
                    data={"answer-idea": text, "language-idea": "en", "rev-idea": str(base)},
                    headers=HTMX,
                )
                for tab, text in zip(tabs, texts, strict=True)
            ),
        )
        assert [r.status_code for r in responses] == [200, 200]
        pages = [page(r) for r in responses]
        told_saved = [i for i, html in enumerate(pages) if 'class="save-ok"' in html]
        told_conflict = [i for i, html in enumerate(pages) if 'class="save-conflict"' in html]
        assert len(told_saved) == 1, f"round {round_}: {len(told_saved)} tabs were told 'Saved'"
        assert len(told_conflict) == 1, f"round {round_}: no tab saw the conflict"
        winner, loser = told_saved[0], told_conflict[0]
        assert f'id="rev-idea" name="rev-idea" value="{base + 1}"' in pages[winner]
        assert theirs(pages[loser]) == texts[winner]  # the loser's own text stays in its box
        [after] = stored_answer(plan.id, "idea")
        assert (after.text, after.revision) == (texts[winner], base + 1)
        assert len(audit_events("plan.answers_saved")) == saves + 1


def test_two_first_answers_to_one_question_one_is_saved_the_other_sees_both(app: Flask, owner) -> None:
    tabs = signed_in(app, owner)
    for round_ in range(ROUNDS):
        plan = new_plan(owner)
        url = f"/plans/{plan.id}/sections/idea"
        saves = len(audit_events("plan.answers_saved"))
        texts = [f"Round {round_}: first words from tab {tab}." for tab in "AB"]
        responses = at_once(
            app,
            *(
                partial(tab.post, url, data={"answer-idea": text, "language-idea": "en", "rev-idea": "0"})
                for tab, text in zip(tabs, texts, strict=True)
            ),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [303, 409], f"round {round_}: {statuses}"
        winner = next(i for i, r in enumerate(responses) if r.status_code == 303)
        loser = 1 - winner
        conflict = page(responses[loser])
        assert textarea(conflict, "idea") == texts[loser]
        assert theirs(conflict) == texts[winner]
        [answer] = stored_answer(plan.id, "idea")
        assert (answer.text, answer.revision) == (texts[winner], 1)
        assert [e.after for e in audit_events("plan.answers_saved")[saves:]] == [{"revisions": {"idea": 1}}]
        for tab in tabs:
            flashes(tab)  # read and forget the "Saved." of this round


def test_the_same_first_answer_from_two_tabs_is_saved_once_and_both_are_told_saved(app: Flask, owner) -> None:
    tabs = signed_in(app, owner)
    for round_ in range(ROUNDS):
        plan = new_plan(owner)
        saves = len(audit_events("plan.answers_saved"))
        text = f"Round {round_}: the same words in both tabs."
        responses = at_once(
            app,
            *(
                partial(
                    tab.post,
                    f"/plans/{plan.id}/sections/idea",
                    data={"answer-idea": text, "language-idea": "en", "rev-idea": "0"},
                    headers=HTMX,
                )
                for tab in tabs
            ),
        )
        assert [r.status_code for r in responses] == [200, 200]
        assert all('class="save-ok"' in page(r) for r in responses)
        [answer] = stored_answer(plan.id, "idea")
        assert (answer.text, answer.revision) == (text, 1)
        assert len(audit_events("plan.answers_saved")) == saves + 1  # stored once, by one of them


# --- numbers ------------------------------------------------------------------------------------------------


def numbers_fields(client: FlaskClient, plan: BusinessPlan, section_key: str) -> dict[str, str]:
    fields = open_page(client, plan, section_key)
    assert "assumptions_rev" in fields
    return fields


def test_two_saves_of_one_numbers_page_one_wins_the_other_sees_the_conflict(app: Flask, owner) -> None:
    plan = new_plan(owner)
    tabs = signed_in(app, owner)
    url = f"/plans/{plan.id}/numbers/startup"
    for round_ in range(ROUNDS):
        fields = numbers_fields(tabs[0], plan, "startup")
        base = int(fields["assumptions_rev"])
        saves = len(audit_events("plan.assumptions_saved"))
        amounts = [str(5000 + 10 * round_ + tab) for tab in (1, 2)]
        responses = at_once(
            app,
            *(
                partial(tab.post, url, data={**fields, "own_funds": amount})
                for tab, amount in zip(tabs, amounts, strict=True)
            ),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [303, 409], f"round {round_}: {statuses}"
        winner = next(i for i, r in enumerate(responses) if r.status_code == 303)
        conflict = page(responses[1 - winner])
        assert 'id="numbers-conflict"' in conflict
        db.session.expire_all()
        stored = db.session.get(BusinessPlan, plan.id)
        assert (stored.assumptions["own_funds"], stored.assumptions_revision) == (amounts[winner], base + 1)
        assert len(audit_events("plan.assumptions_saved")) == saves + 1
        for tab in tabs:
            flashes(tab)


# --- review -------------------------------------------------------------------------------------------------


def test_a_double_click_on_submit_makes_one_version_and_a_clear_message(app: Flask, owner) -> None:
    tabs = signed_in(app, owner)
    for round_ in range(ROUNDS):
        plan = new_plan(owner, complete=True)
        responses = at_once(app, *(partial(tab.post, f"/plans/{plan.id}/submit") for tab in tabs))
        assert [r.status_code for r in responses] == [303, 303], f"round {round_}"
        told = sorted(message for tab in tabs for message in flashes(tab))
        assert told == [
            "Nothing changed since you last sent this plan.",
            "Version 1 of your plan is sent. No mentor is assigned to you yet: the programme's manager will "
            "assign one, who will then review it.",
        ], f"round {round_}"
        assert [v.number for v in versions_of(plan.id)] == [1]
        assert review_state(db.session.get(BusinessPlan, plan.id)) == ReviewState.SUBMITTED
    assert len(audit_events("plan.submitted")) == ROUNDS


def test_two_requests_for_changes_at_once_send_the_plan_back_once(app: Flask, owner, reviewer) -> None:
    mentors = signed_in(app, reviewer)
    for round_ in range(ROUNDS):
        plan = new_plan(owner, complete=True)
        services.submit_plan(plan, owner)
        db.session.commit()
        notes = [f"Round {round_}: note {tab}." for tab in "AB"]
        responses = at_once(
            app,
            *(
                partial(mentor.post, f"/plans/{plan.id}/request-changes", data={"note": note})
                for mentor, note in zip(mentors, notes, strict=True)
            ),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [303, 409], f"round {round_}: {statuses}"
        winner = next(i for i, r in enumerate(responses) if r.status_code == 303)
        refused = page(responses[1 - winner])
        assert (
            "This plan was already sent back to the trainee: it is no longer waiting for review." in refused
        )
        assert f"Your note was not sent: {notes[1 - winner]}" in refused  # what they wrote is not lost
        db.session.expire_all()
        assert review_state(db.session.get(BusinessPlan, plan.id)) == ReviewState.CHANGES_REQUESTED
        sent_back = [e for e in audit_events("plan.changes_requested") if e.object_id == plan.id]
        assert [e.after["note"] for e in sent_back] == [notes[winner]]
        for mentor in mentors:
            flashes(mentor)
    count = db.session.scalar(select(func.count()).select_from(PlanVersion))
    assert count == ROUNDS


def test_two_mentors_deciding_one_version_at_once_make_exactly_one_decision(
    app: Flask, owner, reviewer
) -> None:
    """The primary mentor endorses while another mentor of the same trainee sends the version back: one
    decision is stored, the other mentor is told who decided what and keeps their note."""
    other = make_person("amina.diallo@example.org", [Role.MENTOR], "Amina Diallo", locale="en")
    add_mentor(owner, other, None)
    db.session.commit()
    [endorser] = signed_in(app, reviewer, 1)
    [sender] = signed_in(app, other, 1)
    won = {"endorsed": 0, "changes_requested": 0}
    for round_ in range(ROUNDS):
        plan = new_plan(owner, complete=True)
        services.submit_plan(plan, owner)
        db.session.commit()
        why, what = f"Round {round_}: ready.", f"Round {round_}: explain the prices."
        responses = at_once(
            app,
            partial(endorser.post, f"/plans/{plan.id}/endorse", data={"endorse-note": why}),
            partial(sender.post, f"/plans/{plan.id}/request-changes", data={"note": what}),
        )
        statuses = [r.status_code for r in responses]
        assert sorted(statuses) == [303, 409], f"round {round_}: {statuses}"
        decisions = db.session.scalars(
            select(ReviewDecision).join(PlanVersion).where(PlanVersion.plan_id == plan.id)
        ).all()
        assert len(decisions) == 1, f"round {round_}"
        [decision] = decisions
        won[decision.decision] += 1
        state = review_state(db.session.get(BusinessPlan, plan.id))
        if decision.decision == "endorsed":
            assert (statuses, decision.note, state) == ([303, 409], why, ReviewState.ENDORSED)
            refused = page(responses[1])
            assert "Paolo Verdi has already endorsed version 1 as ready for credit" in refused
            assert f"Your note was not sent: {what}" in refused
        else:
            assert (statuses, decision.note, state) == ([409, 303], what, ReviewState.CHANGES_REQUESTED)
            refused = page(responses[0])
            assert "This plan was already sent back to the trainee" in refused
            assert f"Your note was not sent: {why}" in refused
        events = [
            e
            for e in audit_events("plan.endorsed") + audit_events("plan.changes_requested")
            if e.object_id == plan.id
        ]
        assert [e.after["decision_id"] for e in events] == [decision.id], f"round {round_}"
        for browser in (endorser, sender):
            flashes(browser)
    assert sum(won.values()) == ROUNDS


def test_a_double_click_on_endorse_endorses_once(app: Flask, owner, reviewer) -> None:
    tabs = signed_in(app, reviewer)
    for round_ in range(ROUNDS):
        plan = new_plan(owner, complete=True)
        services.submit_plan(plan, owner)
        db.session.commit()
        responses = at_once(
            app,
            *(
                partial(tab.post, f"/plans/{plan.id}/endorse", data={"endorse-note": "Ready."})
                for tab in tabs
            ),
        )
        assert sorted(r.status_code for r in responses) == [303, 409], f"round {round_}"
        endorsed = [e for e in audit_events("plan.endorsed") if e.object_id == plan.id]
        assert len(endorsed) == 1, f"round {round_}"
        for tab in tabs:
            flashes(tab)
