"""Milestones under a double click, a second tab and two people at once: exactly one change is stored and
audited, the other press gets a clear message (409, or the card with the message for htmx), nothing typed is
lost. Real threads, each request with its own session and connection (tests.concurrency.at_once).
"""

from __future__ import annotations

import html as html_lib
from datetime import date
from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.concurrency import ROUNDS, at_once
from tests.factories import disbursed_loan
from tests.support import audit_events, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.mentoring import milestones as services
from workbench.mentoring.milestone_models import BUILTIN_TEMPLATES, Milestone, MilestoneTemplate
from workbench.programme.models import Cohort
from workbench.programme.services import assign_mentor, enrol

pytestmark = pytest.mark.usefixtures("english_readers")

HTMX = {"HX-Request": "true"}


@pytest.fixture
def mentee(trainee: User, mentor: User) -> User:
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    return trainee


def browsers(app: Flask, *people: User) -> list[FlaskClient]:
    """One browser per entry (the same person twice is two tabs with their own cookies)."""
    clients = []
    for person in people:
        client = app.test_client()
        login_as(client, person)
        clients.append(client)
    return clients


def fresh(milestone_id: int) -> Milestone:
    db.session.expire_all()
    return db.session.get(Milestone, milestone_id)


def press(client: FlaskClient, milestone_id: int, action: str, revision: int, headers=None, **fields):
    prefix = f"m{milestone_id}-{action}-"
    data = {prefix + "revision": str(revision)} | {prefix + name: value for name, value in fields.items()}
    return client.post(
        f"/milestones/{milestone_id}/{action.replace('_', '-')}", data=data, headers=headers or {}
    )


def new_milestones(owner: User, day: int) -> dict[str, int]:
    loan = disbursed_loan(owner, disbursed_on=date(2027, 1, 1 + day % 28))
    return {
        m.template.key: m.id
        for m in services.milestones_of([owner.id])[owner.id]
        if m.loan_id == loan.id and m.template.key
    }


def test_a_double_click_on_done_stores_it_once(app: Flask, mentee: User) -> None:
    tabs = browsers(app, mentee, mentee)
    for round_ in range(ROUNDS):
        milestone_id = new_milestones(mentee, round_)["first_sale"]
        texts = [f"Round {round_}: receipt from tab {tab}" for tab in "AB"]
        responses = at_once(
            app,
            *(
                partial(press, tab, milestone_id, "done", 1, evidence=text)
                for tab, text in zip(tabs, texts, strict=True)
            ),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [303, 409], f"round {round_}: {statuses}"
        winner = next(i for i, r in enumerate(responses) if r.status_code == 303)
        loser_page = html_lib.unescape(responses[1 - winner].get_data(as_text=True))
        assert "changed since your page was loaded" in loser_page
        assert texts[1 - winner] in loser_page  # the losing tab's text is shown back, not lost
        stored = fresh(milestone_id)
        assert (stored.status, stored.evidence, stored.revision) == ("done", texts[winner], 2)
        done = [e for e in audit_events("milestone.done") if e.object_id == milestone_id]
        assert len(done) == 1


def test_done_and_waived_at_the_same_moment_one_of_them_holds(
    app: Flask, mentee: User, mentor: User, manager: User
) -> None:

    mentor_tab, manager_tab = browsers(app, mentor, manager)
    for round_ in range(ROUNDS):
        milestone_id = new_milestones(mentee, round_)["chamber_of_commerce"]
        responses = at_once(
            app,
            partial(press, mentor_tab, milestone_id, "done", 1, headers=HTMX, evidence="Visura camerale"),
            partial(press, manager_tab, milestone_id, "waive", 1, headers=HTMX, reason="Registered in 2025"),
        )
        assert [r.status_code for r in responses] == [200, 200]
        pages = [html_lib.unescape(r.get_data(as_text=True)) for r in responses]
        told_stale = [i for i, html in enumerate(pages) if "changed since your page was loaded" in html]
        assert len(told_stale) == 1, f"round {round_}"
        stored = fresh(milestone_id)
        assert stored.status == ("waived" if told_stale == [0] else "done")
        events = [
            e
            for action in ("milestone.done", "milestone.waived")
            for e in audit_events(action)
            if e.object_id == milestone_id
        ]
        assert len(events) == 1


def test_two_sign_offs_at_once_sign_it_off_once(app: Flask, mentee: User, mentor: User) -> None:
    tabs = browsers(app, mentor, mentor)
    for round_ in range(ROUNDS):
        milestone_id = new_milestones(mentee, round_)["review_3_months"]
        milestone = fresh(milestone_id)
        services.mark_done(milestone, mentor, evidence="Visit", base_revision=1)
        db.session.commit()
        responses = at_once(app, *(partial(press, tab, milestone_id, "sign_off", 2) for tab in tabs))
        assert sorted(r.status_code for r in responses) == [303, 409], f"round {round_}"
        assert fresh(milestone_id).revision == 3
        assert len([e for e in audit_events("milestone.signed_off") if e.object_id == milestone_id]) == 1


def test_two_reopens_at_once_reopen_it_once(app: Flask, mentee: User, mentor: User, manager: User) -> None:
    tabs = browsers(app, mentor, manager)
    for round_ in range(ROUNDS):
        milestone_id = new_milestones(mentee, round_)["first_sale"]
        services.waive(fresh(milestone_id), manager, reason="Seasonal", base_revision=1)
        db.session.commit()
        responses = at_once(app, *(partial(press, tab, milestone_id, "reopen", 2) for tab in tabs))
        assert sorted(r.status_code for r in responses) == [303, 409], f"round {round_}"
        stored = fresh(milestone_id)
        assert (stored.status, stored.revision) == ("pending", 3)
        assert len([e for e in audit_events("milestone.reopened") if e.object_id == milestone_id]) == 1


def test_two_managers_editing_one_template_at_once_one_edit_is_kept(app: Flask, manager: User) -> None:
    other = make_person("second.manager@example.org", [Role.MANAGER])
    services.ensure_builtin_templates()
    db.session.commit()
    template_id = db.session.scalars(
        select(MilestoneTemplate.id).where(MilestoneTemplate.key == "first_sale")
    ).one()
    tabs = browsers(app, manager, other)
    form = {"title": "First sale", "responsible_role": "trainee", "event": "loan_disbursed", "position": "30"}
    for round_ in range(ROUNDS):
        db.session.expire_all()
        revision = db.session.get(MilestoneTemplate, template_id).revision
        offsets = [100 + 2 * round_, 101 + 2 * round_]
        responses = at_once(
            app,
            *(
                partial(
                    tab.post,
                    f"/milestones/templates/{template_id}",
                    data=form | {"offset_days": str(offset), "revision": str(revision)},
                )
                for tab, offset in zip(tabs, offsets, strict=True)
            ),
        )
        statuses = [r.status_code for r in responses]
        assert sorted(statuses) == [303, 409], f"round {round_}: {statuses}"
        winner = statuses.index(303)
        db.session.expire_all()
        stored = db.session.get(MilestoneTemplate, template_id)
        assert (stored.offset_days, stored.revision) == (offsets[winner], revision + 1)
        assert f'value="{offsets[1 - winner]}"' in responses[1 - winner].get_data(as_text=True)
    assert len(audit_events("milestone_template.changed")) == ROUNDS


def test_two_switch_offs_at_once_switch_it_off_once(app: Flask, manager: User) -> None:
    services.ensure_builtin_templates()
    db.session.commit()
    tabs = browsers(app, manager, manager)
    for round_ in range(ROUNDS):
        template = services.create_template(
            title=f"Round {round_}",
            responsible_role="mentor",
            event="enrolled",
            offset_days=1,
            position=1,
            actor=manager,
        )
        db.session.commit()
        data = {f"t{template.id}-revision": "1", "active": "0"}
        responses = at_once(
            app,
            *(partial(tab.post, f"/milestones/templates/{template.id}/active", data=data) for tab in tabs),
        )
        assert [r.status_code for r in responses] == [303, 303]
        db.session.expire_all()
        assert (template.active, template.revision) == (False, 2)
        switched = [e for e in audit_events("milestone_template.deactivated") if e.object_id == template.id]
        assert len(switched) == 1


def test_two_first_disbursements_at_once_add_the_built_ins_once(app: Flask, cohort: Cohort) -> None:
    """The built-in templates come with the first event; two events at that moment add them once."""
    for round_ in range(3):
        db.session.execute(Milestone.__table__.delete())
        db.session.execute(MilestoneTemplate.__table__.delete())
        db.session.commit()
        people = []
        for n in range(2):
            person = make_person(f"r{round_}.p{n}@example.org", [Role.TRAINEE], f"Person {round_}.{n}")
            enrol(person, cohort, actor=None)
            db.session.commit()
            people.append(person.id)
        loans = at_once(
            app,
            *(
                partial(lambda person_id: disbursed_loan(db.session.get(User, person_id)).id, person_id)
                for person_id in people
            ),
        )
        assert len(set(loans)) == 2
        assert db.session.scalar(select(func.count()).select_from(MilestoneTemplate)) == len(
            BUILTIN_TEMPLATES
        )
        for person_id in people:
            assert db.session.scalar(select(func.count()).where(Milestone.trainee_id == person_id)) == 5
