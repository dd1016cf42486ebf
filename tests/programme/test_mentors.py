"""A trainee has one primary mentor and may have others: the rules the services keep and the database holds,
the audit of every change, the manager's pages, what each mentor sees and may do, and two managers (or a
double click) at once."""

from __future__ import annotations

import html as html_lib
import re
from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.concurrency import ROUNDS, at_once
from tests.support import audit_events, error_fields, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.plans import services as plans
from workbench.plans.models import BusinessPlan
from workbench.plans.permissions import can_endorse, can_request_changes
from workbench.programme.models import Cohort, MentorAssignment
from workbench.programme.permissions import is_assigned_mentor
from workbench.programme.services import (
    add_mentor,
    assign_mentor,
    current_assignment,
    current_assignments,
    end_assignment,
    enrol,
    mentees_of,
    mentor_loads,
)
from workbench.timeutil import utcnow

pytestmark = pytest.mark.usefixtures("english_readers")


def page(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


@pytest.fixture
def trainee(cohort: Cohort) -> User:
    user = make_person("fatou.ndiaye@example.org", [Role.TRAINEE], "Fatou Ndiaye", locale="en")
    enrol(user, cohort, actor=None)
    db.session.commit()
    return user


@pytest.fixture
def mentor(app_context: None) -> User:
    return make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi", locale="en")


@pytest.fixture
def second(app_context: None) -> User:
    return make_person("amina.diallo@example.org", [Role.MENTOR], "Amina Diallo", locale="en")


@pytest.fixture
def third(app_context: None) -> User:
    return make_person("paolo.verdi@example.org", [Role.MENTOR], "Paolo Verdi", locale="en")


def rows_of(trainee: User) -> list[tuple[int, bool, bool]]:
    """Every assignment of the trainee, oldest first: (mentor id, primary, current)."""
    db.session.expire_all()
    return [
        (a.mentor_id, a.is_primary, a.ended_at is None)
        for a in db.session.scalars(
            select(MentorAssignment)
            .where(MentorAssignment.trainee_id == trainee.id)
            .order_by(MentorAssignment.id)
        )
    ]


def mentor_events() -> list[tuple[str, dict, dict]]:
    return [
        (e.action, e.before, e.after)
        for e in sorted(
            audit_events("user.mentor_assigned")
            + audit_events("user.mentor_added")
            + audit_events("user.mentor_ended"),
            key=lambda e: e.id,
        )
    ]


# --- the rules ----------------------------------------------------------------------------------------------


def test_a_primary_and_other_mentors_all_accompany_the_trainee(
    trainee, mentor, second, third, manager
) -> None:
    assign_mentor(trainee, mentor, manager)
    add_mentor(trainee, second, manager)
    add_mentor(trainee, third, manager)
    db.session.commit()
    assert [(a.mentor_id, a.is_primary) for a in current_assignments(trainee)] == [
        (mentor.id, True),
        (second.id, False),
        (third.id, False),
    ]
    assert current_assignment(trainee).mentor_id == mentor.id
    for each in (mentor, second, third):
        assert is_assigned_mentor(each, trainee)
        [mine] = mentees_of(each)
        assert (mine.trainee_id, mine.is_primary) == (trainee.id, each is mentor)
    assert mentor_loads() == {mentor.id: (1, 0), second.id: (0, 1), third.id: (0, 1)}
    assert mentor_events() == [
        ("user.mentor_assigned", {"mentor_id": None}, {"mentor_id": mentor.id}),
        ("user.mentor_added", {"other_mentor_ids": []}, {"other_mentor_ids": [second.id]}),
        (
            "user.mentor_added",
            {"other_mentor_ids": [second.id]},
            {"other_mentor_ids": sorted([second.id, third.id])},
        ),
    ]


def test_a_new_primary_ends_the_previous_one_and_the_others_stay(
    trainee, mentor, second, third, manager
) -> None:
    assign_mentor(trainee, mentor, manager)
    add_mentor(trainee, third, manager)
    assign_mentor(trainee, second, manager)
    db.session.commit()
    assert rows_of(trainee) == [(mentor.id, True, False), (third.id, False, True), (second.id, True, True)]
    assert not is_assigned_mentor(mentor, trainee)
    assert mentor_events()[-1] == ("user.mentor_assigned", {"mentor_id": mentor.id}, {"mentor_id": second.id})


def test_another_mentor_made_primary_is_promoted(trainee, mentor, second, manager) -> None:
    assign_mentor(trainee, mentor, manager)
    add_mentor(trainee, second, manager)
    db.session.commit()
    promoted = assign_mentor(trainee, second, manager)
    db.session.commit()
    assert promoted.is_primary
    assert rows_of(trainee) == [(mentor.id, True, False), (second.id, False, False), (second.id, True, True)]
    assert mentor_events()[-1] == (
        "user.mentor_assigned",
        {"mentor_id": mentor.id, "other_mentor_ids": [second.id]},
        {"mentor_id": second.id, "other_mentor_ids": []},
    )


def test_the_same_choice_again_changes_nothing(trainee, mentor, second, manager) -> None:
    first = assign_mentor(trainee, mentor, manager)
    other = add_mentor(trainee, second, manager)
    db.session.commit()
    assert assign_mentor(trainee, mentor, manager) == first
    assert add_mentor(trainee, second, manager) == other
    assert len(rows_of(trainee)) == 2
    assert len(mentor_events()) == 2


def test_the_primary_cannot_be_added_again_as_another_mentor(app: Flask, trainee, mentor, manager) -> None:
    assign_mentor(trainee, mentor, manager)
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(DomainError) as raised:
        add_mentor(trainee, mentor, manager)
    assert raised.value.errors == {
        "mentor_id": "Marco Bianchi is already the primary mentor of Fatou Ndiaye."
    }


def test_other_mentors_come_after_a_primary_one(app: Flask, trainee, second, manager) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(DomainError) as raised:
        add_mentor(trainee, second, manager)
    assert set(raised.value.errors) == {"mentor_id"}
    db.session.rollback()
    assert rows_of(trainee) == []


@pytest.mark.parametrize("who", ["officer", "trainee", "self"])
def test_only_an_active_mentor_is_added(trainee, mentor, officer, manager, who: str) -> None:
    assign_mentor(trainee, mentor, manager)
    db.session.commit()
    candidate = {
        "officer": officer,
        "trainee": make_person("other@example.org", [Role.TRAINEE]),
        "self": trainee,
    }[who]
    with pytest.raises(DomainError) as raised:
        add_mentor(trainee, candidate, manager)
    assert set(raised.value.errors) == {"mentor_id"}
    db.session.rollback()
    assert rows_of(trainee) == [(mentor.id, True, True)]


def test_ending_assignments(app: Flask, trainee, mentor, second, manager) -> None:
    primary = assign_mentor(trainee, mentor, manager)
    other = add_mentor(trainee, second, manager)
    db.session.commit()
    # The primary of a trainee with other mentors is replaced, not ended.
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(DomainError) as raised:
        end_assignment(primary, manager)
    assert "make one of them primary instead" in raised.value.errors[""]
    db.session.rollback()
    assert end_assignment(db.session.get(MentorAssignment, other.id), manager) is True
    db.session.commit()
    assert not is_assigned_mentor(second, trainee)
    assert mentees_of(second) == []
    assert end_assignment(db.session.get(MentorAssignment, other.id), manager) is False  # already ended
    assert end_assignment(db.session.get(MentorAssignment, primary.id), manager) is True
    db.session.commit()
    assert current_assignments(trainee) == []
    assert rows_of(trainee) == [(mentor.id, True, False), (second.id, False, False)]
    assert mentor_events()[-2:] == [
        ("user.mentor_ended", {"other_mentor_ids": [second.id]}, {"other_mentor_ids": []}),
        ("user.mentor_ended", {"mentor_id": mentor.id}, {"mentor_id": None}),
    ]


# --- the database holds the rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rows",
    [
        [("a", True), ("b", True)],  # two current primaries
        [("a", True), ("a", False)],  # the same mentor twice
    ],
    ids=["two-primaries", "same-pair"],
)
def test_the_partial_unique_indexes_refuse_what_the_services_never_do(trainee, mentor, second, rows) -> None:
    people = {"a": mentor, "b": second}
    for key, primary in rows:
        db.session.add(MentorAssignment(mentor_id=people[key].id, trainee_id=trainee.id, is_primary=primary))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_ended_assignments_are_not_counted_by_the_indexes(trainee, mentor) -> None:
    for _ in range(3):
        db.session.add(
            MentorAssignment(mentor_id=mentor.id, trainee_id=trainee.id, is_primary=True, ended_at=utcnow())
        )
    db.session.add(MentorAssignment(mentor_id=mentor.id, trainee_id=trainee.id, is_primary=True))
    db.session.flush()
    assert len(rows_of(trainee)) == 4


# --- every current mentor reviews, a mentor sees only their mentees -----------------------------------------


def test_another_mentor_reviews_like_the_primary_one(
    client: FlaskClient, trainee, mentor, second, third, manager
) -> None:
    assign_mentor(trainee, mentor, manager)
    add_mentor(trainee, second, manager)
    plan = plans.create_plan(owner=trainee, business_type="food", title="Fatou's Kitchen", from_example=True)
    db.session.flush()
    plans.submit_plan(plan, trainee)
    db.session.commit()
    assert can_endorse(second, plan)
    assert can_request_changes(second, plan)
    assert not can_endorse(third, plan)
    login_as(client, second)
    mentees = page(client.get("/mentees"))
    assert "Fatou Ndiaye" in mentees
    assert "other mentor" in mentees
    assert client.get(f"/plans/{plan.id}").status_code == 200
    assert 'id="review"' in page(client.get(f"/plans/{plan.id}/versions/1"))
    login_as(client, third)
    assert "Fatou Ndiaye" not in page(client.get("/mentees"))
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert client.get(f"/mentees/{trainee.id}").status_code == 403
    login_as(client, second)
    response = client.post(f"/plans/{plan.id}/endorse", data={"endorse-note": "Ready for credit."})
    assert response.status_code == 303
    db.session.expire_all()
    assert plans.latest_decision(db.session.get(BusinessPlan, plan.id)).reviewer_id == second.id


def test_the_trainee_and_the_mentee_record_name_every_mentor(
    client: FlaskClient, trainee, mentor, second, manager
) -> None:
    assign_mentor(trainee, mentor, manager)
    add_mentor(trainee, second, manager)
    db.session.commit()
    login_as(client, trainee)
    path = page(client.get("/path"))
    assert "Your mentor is Marco Bianchi. Amina Diallo also accompanies you." in path
    login_as(client, second)
    record = page(client.get(f"/mentees/{trainee.id}"))
    assert "mentor: Marco Bianchi" in record
    assert "other mentors: Amina Diallo" in record


# --- the manager's pages ------------------------------------------------------------------------------------


@pytest.mark.signed_in("manager")
def test_the_manager_assigns_adds_and_ends_mentors_on_the_trainees_page(
    signed_in: FlaskClient, trainee, mentor, second, third
) -> None:
    before = page(signed_in.get(f"/programme/people/{trainee.id}"))
    assert "No mentor yet." in before
    assert f'action="/programme/people/{trainee.id}/mentors"' not in before  # others come after a primary
    response = signed_in.post(
        f"/programme/people/{trainee.id}/mentor", data={"mentor_id": str(mentor.id), "seen_mentor_id": ""}
    )
    assert response.status_code == 303
    html = page(signed_in.get(f"/programme/people/{trainee.id}"))
    assert "Marco Bianchi is now the primary mentor of Fatou Ndiaye." in html
    assert (
        "Choosing another primary mentor ends Marco Bianchi's assignment, which stays in the history." in html
    )
    assert f'name="seen_mentor_id" value="{mentor.id}"' in html
    add_form = html[html.index(f'action="/programme/people/{trainee.id}/mentors"') :]
    add_form = add_form[: add_form.index("</form>")]
    assert f'value="{mentor.id}"' not in add_form  # the primary is not offered as another mentor
    assert f'value="{second.id}"' in add_form

    response = signed_in.post(
        f"/programme/people/{trainee.id}/mentors", data={"other-mentor_id": str(second.id)}
    )
    assert response.status_code == 303
    html = page(signed_in.get(f"/programme/people/{trainee.id}"))
    assert "Amina Diallo now also mentors Fatou Ndiaye." in html
    assert re.search(
        r"Marco Bianchi</a>\s*<span class=\"badge badge-primary-mentor\">primary mentor</span>", html
    )
    assert re.search(r"Amina Diallo</a>\s*<span class=\"badge badge-other-mentor\">other mentor</span>", html)
    [primary, other] = current_assignments(trainee)
    assert f'action="/programme/people/{trainee.id}/mentors/{other.id}/end"' in html
    assert (
        f'action="/programme/people/{trainee.id}/mentors/{primary.id}/end"' not in html
    )  # replaced, not ended
    assert "To end the primary mentor's assignment, make one of the other mentors primary." in html

    response = signed_in.post(f"/programme/people/{trainee.id}/mentors/{other.id}/end")
    assert response.status_code == 303
    html = page(signed_in.get(f"/programme/people/{trainee.id}"))
    assert "Amina Diallo no longer mentors Fatou Ndiaye." in html
    again = signed_in.post(f"/programme/people/{trainee.id}/mentors/{other.id}/end", follow_redirects=True)
    assert "Amina Diallo had already stopped mentoring Fatou Ndiaye: nothing changed." in page(again)
    assert "Another mentor added" in html  # the history names each change
    assert "A mentor&#39;s assignment ended" in html.replace("'", "&#39;")


@pytest.mark.signed_in("manager")
def test_ending_the_primary_of_a_trainee_with_others_is_refused_on_the_page(
    signed_in: FlaskClient, trainee, mentor, second, manager
) -> None:
    primary = assign_mentor(trainee, mentor, manager)
    add_mentor(trainee, second, manager)
    db.session.commit()
    response = signed_in.post(f"/programme/people/{trainee.id}/mentors/{primary.id}/end")
    assert response.status_code == 409
    assert "make one of them primary instead, which ends this assignment." in page(response)
    assert rows_of(trainee) == [(mentor.id, True, True), (second.id, False, True)]


@pytest.mark.signed_in("manager")
@pytest.mark.parametrize("choice", ["officer", "unknown", "empty", "primary"])
def test_a_refused_other_mentor_is_told_at_the_field(
    signed_in: FlaskClient, trainee, mentor, officer, manager, choice: str
) -> None:
    assign_mentor(trainee, mentor, manager)
    db.session.commit()
    value = {"officer": str(officer.id), "unknown": "999", "empty": "", "primary": str(mentor.id)}[choice]
    response = signed_in.post(f"/programme/people/{trainee.id}/mentors", data={"other-mentor_id": value})
    assert response.status_code == 422
    assert "other-mentor_id" in error_fields(page(response))
    assert rows_of(trainee) == [(mentor.id, True, True)]


@pytest.mark.signed_in("manager")
def test_an_assignment_of_someone_else_is_not_found(
    signed_in: FlaskClient, trainee, mentor, cohort, manager
) -> None:
    other = make_person("moussa.sow@example.org", [Role.TRAINEE], "Moussa Sow")
    enrol(other, cohort, actor=None)
    theirs = assign_mentor(other, mentor, manager)
    db.session.commit()
    assert signed_in.post(f"/programme/people/{trainee.id}/mentors/{theirs.id}/end").status_code == 404
    assert signed_in.post(f"/programme/people/{trainee.id}/mentors/2147483647/end").status_code == 404
    assert rows_of(other) == [(mentor.id, True, True)]


@pytest.mark.signed_in("manager")
def test_a_primary_changed_by_someone_else_meanwhile_is_told_not_overwritten(
    signed_in: FlaskClient, trainee, mentor, second, third, manager
) -> None:
    assign_mentor(trainee, mentor, manager)
    db.session.commit()
    # The page showed Marco Bianchi; another manager made Amina Diallo primary since.
    assign_mentor(trainee, second, manager)
    db.session.commit()
    response = signed_in.post(
        f"/programme/people/{trainee.id}/mentor",
        data={"mentor_id": str(third.id), "seen_mentor_id": str(mentor.id)},
    )
    assert response.status_code == 422
    html = page(response)
    assert "mentor_id" in error_fields(html)
    assert (
        "Fatou Ndiaye's primary mentor changed a moment ago: it is now Amina Diallo. Nothing was changed"
        in html
    )
    assert current_assignment(trainee).mentor_id == second.id


@pytest.mark.signed_in("manager")
def test_the_programme_page_shows_each_mentors_load(
    signed_in: FlaskClient, trainee, mentor, second, manager
) -> None:
    assign_mentor(trainee, mentor, manager)
    add_mentor(trainee, second, manager)
    db.session.commit()
    html = page(signed_in.get("/programme"))
    section = html[html.index('id="mentors-heading"') :]
    rows = re.findall(
        r'<tr>\s*<td><a href="/programme/people/(\d+)">[^<]*</a></td>\s*'
        r'<td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>',
        section,
    )
    assert rows == [(str(second.id), "0", "1"), (str(mentor.id), "1", "0")]
    mentor_page = page(signed_in.get(f"/programme/people/{second.id}"))
    assert re.search(
        rf'href="/programme/people/{trainee.id}">Fatou Ndiaye</a>\s*<span class="badge badge-other-mentor">',
        mentor_page,
    )


# --- two managers, a double click ---------------------------------------------------------------------------


def managers(app: Flask, count: int = 2) -> list[FlaskClient]:
    clients = []
    for n in range(count):
        person = make_person(f"manager{n}@example.org", [Role.MANAGER], f"Manager {n}")
        client = app.test_client()
        login_as(client, person)
        clients.append(client)
    return clients


def test_two_managers_choosing_different_primaries_at_once_one_wins_the_other_is_told(
    app: Flask, cohort: Cohort, mentor, second, third
) -> None:
    browsers = managers(app)
    for round_ in range(ROUNDS):
        trainee = make_person(f"t{round_}@example.org", [Role.TRAINEE], f"Trainee {round_}")
        enrol(trainee, cohort, actor=None)
        assign_mentor(trainee, mentor, None)
        db.session.commit()
        url = f"/programme/people/{trainee.id}/mentor"
        choices = (second, third)
        responses = at_once(
            app,
            *(
                partial(
                    browser.post, url, data={"mentor_id": str(choice.id), "seen_mentor_id": str(mentor.id)}
                )
                for browser, choice in zip(browsers, choices, strict=True)
            ),
        )
        statuses = [r.status_code for r in responses]
        assert sorted(statuses) == [303, 422], f"round {round_}: {statuses}"
        winner = choices[statuses.index(303)]
        assert f"primary mentor changed a moment ago: it is now {winner.full_name}" in page(
            responses[statuses.index(422)]
        )
        assert [(m, p) for m, p, current in rows_of(trainee) if current] == [(winner.id, True)], (
            f"round {round_}"
        )
        events = [e for e in audit_events("user.mentor_assigned") if e.object_id == trainee.id]
        assert len(events) == 2  # the first assignment, then the winner


def test_a_double_click_on_each_mentor_form_changes_once(app: Flask, trainee, mentor, second) -> None:
    browsers = managers(app)
    for round_ in range(ROUNDS):
        assign_mentor(trainee, mentor, None)
        db.session.commit()
        base = len(audit_events("user.mentor_added"))
        responses = at_once(
            app,
            *(
                partial(
                    b.post,
                    f"/programme/people/{trainee.id}/mentors",
                    data={"other-mentor_id": str(second.id)},
                )
                for b in browsers
            ),
        )
        assert [r.status_code for r in responses] == [303, 303], f"round {round_}"
        current = [(m, p) for m, p, c in rows_of(trainee) if c]
        assert current == [(mentor.id, True), (second.id, False)], f"round {round_}"
        assert len(audit_events("user.mentor_added")) == base + 1

        [_, other] = current_assignments(trainee)
        ended = len(audit_events("user.mentor_ended"))
        responses = at_once(
            app,
            *(partial(b.post, f"/programme/people/{trainee.id}/mentors/{other.id}/end") for b in browsers),
        )
        assert [r.status_code for r in responses] == [303, 303], f"round {round_}"
        assert [(m, p) for m, p, c in rows_of(trainee) if c] == [(mentor.id, True)]
        assert len(audit_events("user.mentor_ended")) == ended + 1

        same = len(audit_events("user.mentor_assigned"))
        responses = at_once(
            app,
            *(
                partial(
                    b.post,
                    f"/programme/people/{trainee.id}/mentor",
                    data={"mentor_id": str(second.id), "seen_mentor_id": str(mentor.id)},
                )
                for b in browsers
            ),
        )
        assert [r.status_code for r in responses] == [303, 303], f"round {round_}"  # the same choice twice
        assert [(m, p) for m, p, c in rows_of(trainee) if c] == [(second.id, True)]
        assert len(audit_events("user.mentor_assigned")) == same + 1
        # Back to the start for the next round.
        [primary] = current_assignments(trainee)
        end_assignment(primary, None)
        db.session.commit()
