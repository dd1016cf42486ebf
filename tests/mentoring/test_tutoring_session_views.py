"""The session pages: logging and correcting from the mentee's record (without JavaScript and in place with
htmx), who may do what, the trainee's own page, and a loan's services fragment."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import disbursed_loan
from tests.mentoring.sessions_support import counted_statements, days_ago, details, loan_sent_on, logged
from tests.support import error_fields, login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.mentoring import sessions as services
from workbench.mentoring.models import TutoringSession
from workbench.programme.services import assign_mentor

pytestmark = pytest.mark.usefixtures("english_readers")

HTMX = {"HX-Request": "true"}
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def mentee(trainee: User, mentor: User) -> User:
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    return trainee


def form_data(**overrides) -> dict:
    data = {
        "held_on": days_ago(1).isoformat(),
        "minutes": "75",
        "channel": "phone",
        "services": ["strategy", "sales"],
        "notes": "She found a shop to rent.",
        "next_steps": "Ask the landlord for the contract.",
        "submission_key": services.new_submission_key(),
    }
    data.update(overrides)
    return data


def stored() -> list[TutoringSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(TutoringSession).order_by(TutoringSession.id)))


def hidden(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', html
    )
    assert found, f"no hidden {name}"
    return found.group(1)


def text(response) -> str:
    return response.get_data(as_text=True)


# --- logging from the mentee's record ----------------------------------------------------------------------


def test_the_record_shows_an_empty_sessions_section_with_the_form(client: FlaskClient, mentee, mentor):
    login_as(client, mentor)
    page = text(client.get(f"/mentees/{mentee.id}"))
    assert 'id="sessions"' in page
    assert "No session logged yet." in page
    assert f'action="/mentees/{mentee.id}/sessions/new"' in page
    assert re.fullmatch(r"[0-9a-f]{32}", hidden(page, "submission_key"))
    assert f'max="{services.programme_today().isoformat()}"' in page


def test_without_javascript_a_session_is_logged_and_the_record_shows_it(
    client: FlaskClient, mentee, mentor
) -> None:
    login_as(client, mentor)
    response = client.post(f"/mentees/{mentee.id}/sessions/new", data=form_data())
    [session] = stored()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/mentees/{mentee.id}#session-{session.id}")
    assert (session.minutes, session.channel, session.service_keys) == (75, "phone", ("strategy", "sales"))
    assert (session.mentor_id, session.trainee_id) == (mentor.id, mentee.id)
    page = text(client.get(f"/mentees/{mentee.id}"))
    assert "logged." in page  # the flash
    assert "Ask the landlord for the contract." in page
    assert "She found a shop to rent." in page  # the mentor reads their notes
    assert "1 session" in page
    assert "75 minutes" in page


def test_with_htmx_the_section_comes_back_with_the_session_and_a_fresh_form(
    client: FlaskClient, mentee, mentor
) -> None:
    login_as(client, mentor)
    sent = form_data()
    response = client.post(f"/mentees/{mentee.id}/sessions/new", data=sent, headers=HTMX)
    fragment = text(response)
    assert response.status_code == 200
    assert fragment.lstrip().startswith('<section id="sessions"')
    assert "<html" not in fragment
    assert "logged." in fragment
    assert "Ask the landlord for the contract." in fragment
    assert hidden(fragment, "submission_key") != sent["submission_key"]
    assert len(stored()) == 1


def test_a_double_submit_logs_one_session(client: FlaskClient, mentee, mentor) -> None:
    login_as(client, mentor)
    sent = form_data()
    first = client.post(f"/mentees/{mentee.id}/sessions/new", data=sent)
    second = client.post(f"/mentees/{mentee.id}/sessions/new", data=sent, headers=HTMX)
    assert first.status_code == 303
    assert second.status_code == 200
    assert "already logged" in text(second)
    assert len(stored()) == 1


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["no-js", "htmx"])
def test_errors_come_back_next_to_their_fields_with_what_was_typed(
    client: FlaskClient, mentee, mentor, headers
) -> None:
    login_as(client, mentor)
    data = form_data(services=[], minutes="2000", notes="Typed with care.")
    response = client.post(f"/mentees/{mentee.id}/sessions/new", data=data, headers=headers)
    assert response.status_code == (200 if headers else 422)
    page = text(response)
    assert error_fields(page) == {"services", "minutes"}
    assert "Typed with care." in page
    assert hidden(page, "submission_key") == data["submission_key"]
    response = client.post(
        f"/mentees/{mentee.id}/sessions/new",
        data=form_data(held_on=(services.programme_today() + timedelta(days=3)).isoformat()),
        headers=headers,
    )
    assert error_fields(text(response)) == {"held_on"}
    assert stored() == []


def test_a_form_without_a_valid_token_is_refused_and_gets_a_new_one(client: FlaskClient, mentee, mentor):
    login_as(client, mentor)
    response = client.post(f"/mentees/{mentee.id}/sessions/new", data=form_data(submission_key="forged"))
    assert response.status_code == 422
    page = text(response)
    assert "This form is out of date" in page
    assert re.fullmatch(r"[0-9a-f]{32}", hidden(page, "submission_key"))
    assert stored() == []


def test_the_log_page_works_on_its_own(client: FlaskClient, mentee, mentor) -> None:
    login_as(client, mentor)
    page = text(client.get(f"/mentees/{mentee.id}/sessions/new"))
    assert "Log a session with Fatou Ndiaye" in page
    assert 'name="submission_key"' in page


# --- correcting --------------------------------------------------------------------------------------------


def test_without_javascript_the_mentor_corrects_their_session(client: FlaskClient, mentee, mentor) -> None:
    session = logged(mentee, mentor, days_ago(4), next_steps="Old step.")
    login_as(client, mentor)
    record = text(client.get(f"/mentees/{mentee.id}"))
    assert f'href="/sessions/{session.id}/edit"' in record
    page = text(client.get(f"/sessions/{session.id}/edit"))
    assert "Old step." in page
    assert hidden(page, "revision") == "1"
    response = client.post(
        f"/sessions/{session.id}/edit",
        data=form_data(held_on=days_ago(4).isoformat(), next_steps="New step.", revision="1"),
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#session-{session.id}")
    [after] = stored()
    assert (after.next_steps, after.revision, after.minutes) == ("New step.", 2, 75)


def test_with_htmx_the_session_is_corrected_in_place(client: FlaskClient, mentee, mentor) -> None:
    session = logged(mentee, mentor, days_ago(4))
    login_as(client, mentor)
    opened = text(client.get(f"/sessions/{session.id}/edit", headers=HTMX))
    assert opened.lstrip().startswith('<section id="sessions"')
    assert "Correct the session of" in opened
    assert 'name="submission_key"' not in opened  # no second form while correcting
    response = client.post(
        f"/sessions/{session.id}/edit",
        data=form_data(held_on=days_ago(4).isoformat(), minutes="30", revision="1"),
        headers=HTMX,
    )
    fragment = text(response)
    assert response.status_code == 200
    assert "corrected." in fragment
    assert "30 minutes" in fragment
    assert stored()[0].revision == 2


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["no-js", "htmx"])
def test_a_correction_made_meanwhile_is_shown_and_what_was_typed_is_kept(
    client: FlaskClient, mentee, mentor, headers
) -> None:
    session = logged(mentee, mentor, days_ago(4))
    other_tab = details(
        days_ago(4), minutes=40, channel="video", services_=("legal",), notes="From the other tab."
    )
    services.correct_session(session, mentor, other_tab, base_revision=1)
    db.session.commit()
    login_as(client, mentor)
    response = client.post(
        f"/sessions/{session.id}/edit",
        data=form_data(held_on=days_ago(4).isoformat(), notes="Mine.", revision="1"),
        headers=headers,
    )
    assert response.status_code == (200 if headers else 409)
    page = text(response)
    assert "corrected in another window" in page
    assert "From the other tab." in page  # what is stored now
    assert "Mine." in page  # what this tab typed
    assert hidden(page, "revision") == "2"  # sent again, it applies over what is stored now
    [after] = stored()
    assert (after.notes, after.revision) == ("From the other tab.", 2)
    again = client.post(
        f"/sessions/{session.id}/edit",
        data=form_data(held_on=days_ago(4).isoformat(), notes="Mine.", revision="2"),
    )
    assert again.status_code == 303
    assert stored()[0].notes == "Mine."


def test_a_correction_with_errors_comes_back_422(client: FlaskClient, mentee, mentor) -> None:
    session = logged(mentee, mentor, days_ago(4))
    login_as(client, mentor)
    response = client.post(
        f"/sessions/{session.id}/edit", data=form_data(channel="pigeon", minutes="", revision="1")
    )
    assert response.status_code == 422
    assert error_fields(text(response)) == {"channel", "minutes"}
    assert stored()[0].revision == 1


# --- who may do what ---------------------------------------------------------------------------------------


def test_a_mentor_not_assigned_is_refused_everywhere(client: FlaskClient, mentee, mentor) -> None:
    session = logged(mentee, mentor, days_ago(2))
    stranger = make_person("other.mentor@example.org", [Role.MENTOR])
    login_as(client, stranger)
    assert client.get(f"/mentees/{mentee.id}/sessions/new").status_code == 403
    assert client.post(f"/mentees/{mentee.id}/sessions/new", data=form_data()).status_code == 403
    assert client.get(f"/sessions/{session.id}/edit").status_code == 403
    edit = form_data(minutes="30", revision="1")
    assert client.post(f"/sessions/{session.id}/edit", data=edit).status_code == 403
    assert [(s.minutes, s.revision) for s in stored()] == [(60, 1)]


def test_a_new_mentor_reads_the_sessions_but_corrects_only_their_own(
    client: FlaskClient, mentee, mentor
) -> None:
    earlier = logged(mentee, mentor, days_ago(9), notes="By the first mentor.")
    successor = make_person("nuovo.mentore@example.org", [Role.MENTOR])
    assign_mentor(mentee, successor, None)
    db.session.commit()
    login_as(client, successor)
    page = text(client.get(f"/mentees/{mentee.id}"))
    assert "By the first mentor." in page
    assert f"/sessions/{earlier.id}/edit" not in page
    assert client.get(f"/sessions/{earlier.id}/edit").status_code == 403
    login_as(client, mentor)  # no longer assigned: the record itself is closed to them
    assert client.get(f"/sessions/{earlier.id}/edit").status_code == 403


def test_managers_read_everything_and_log_nothing(client: FlaskClient, mentee, mentor, manager) -> None:
    session = logged(mentee, mentor, days_ago(2), notes="Private to staff.")
    login_as(client, manager)
    page = text(client.get(f"/mentees/{mentee.id}"))
    assert "Private to staff." in page
    assert 'name="submission_key"' not in page
    assert f"/sessions/{session.id}/edit" not in page
    assert client.post(f"/mentees/{mentee.id}/sessions/new", data=form_data()).status_code == 403
    assert client.get(f"/sessions/{session.id}/edit").status_code == 403


def test_a_missing_session_is_404(client: FlaskClient, mentee, mentor) -> None:
    login_as(client, mentor)
    assert client.get("/sessions/999999/edit").status_code == 404


# --- the trainee's page ------------------------------------------------------------------------------------


def test_the_trainee_sees_their_sessions_and_next_steps_never_the_notes(
    client: FlaskClient, mentee, mentor, cohort
) -> None:
    logged(mentee, mentor, days_ago(3), notes="Worried about her debts.", next_steps="Bring the invoices.")
    other = make_person("omar@example.org", [Role.TRAINEE], "Omar Al-Hassan")
    assign_mentor(other, mentor, None)
    db.session.commit()
    logged(other, mentor, days_ago(2), next_steps="Omar's own step.")
    login_as(client, mentee)
    page = text(client.get("/my/sessions"))
    assert "Bring the invoices." in page
    assert "Worried about her debts." not in page
    assert "Omar's own step." not in page
    assert "not shown here" in page  # the page says the notes are for staff
    assert "1 session" in page
    assert 'href="/my/sessions"' in text(client.get("/path"))  # in the trainee's navigation
    assert client.get(f"/mentees/{mentee.id}").status_code == 403


def test_the_trainee_page_without_sessions(client: FlaskClient, mentee) -> None:
    login_as(client, mentee)
    assert "No session yet" in text(client.get("/my/sessions"))


@pytest.mark.parametrize("person", ["mentor", "trainee", "manager"])
def test_typed_html_comes_back_as_text_with_its_line_breaks(
    client: FlaskClient, mentee, mentor, manager, person
) -> None:
    login_as(client, mentor)
    data = form_data(notes=f"{SCRIPT}\nsecond line", next_steps=f'"><img src=x onerror=alert(1)>\n{SCRIPT}')
    client.post(f"/mentees/{mentee.id}/sessions/new", data=data)
    login_as(client, {"mentor": mentor, "trainee": mentee, "manager": manager}[person])
    page = text(client.get("/my/sessions" if person == "trainee" else f"/mentees/{mentee.id}"))
    assert SCRIPT not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;<br>" in page
    if person != "trainee":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>\nsecond line" in page


# --- a loan's services -------------------------------------------------------------------------------------


def test_the_record_shows_each_loan_against_the_rule(client: FlaskClient, mentee, mentor) -> None:
    loan_sent_on(mentee, sent_on=days_ago(200), disbursed_on=days_ago(100))
    logged(mentee, mentor, days_ago(150), services_=("strategy", "training"))
    logged(mentee, mentor, days_ago(50), services_=("legal",))
    login_as(client, mentor)
    page = text(client.get(f"/mentees/{mentee.id}"))
    assert "Services the microcredit rules require" in page
    assert "the rule of two is met" in page  # the assessment
    assert "One service so far: one more is needed in this phase." in page  # the repayment runs on


def test_the_loan_fragment_and_its_page(client: FlaskClient, mentee, mentor, officer, manager) -> None:
    loan = loan_sent_on(mentee, sent_on=days_ago(200), disbursed_on=days_ago(100))
    logged(mentee, mentor, days_ago(150), services_=("strategy",))
    url = f"/loans/{loan.id}/tutoring"
    for person in (mentee, mentor, officer, manager):
        login_as(client, person)
        page = client.get(url)
        assert page.status_code == 200
        assert "<html" in text(page)
        fragment = client.get(url, headers=HTMX)
        assert fragment.status_code == 200
        assert "<html" not in text(fragment)
        assert 'id="loan-tutoring"' in text(fragment)
        assert "Only one service was delivered: the rule of two was not met." in text(fragment)
        assert fragment.headers.get("Vary", "").lower().find("hx-request") >= 0


def test_the_loan_fragment_is_refused_to_others(client: FlaskClient, mentee, cohort) -> None:
    loan = disbursed_loan(mentee)
    stranger = make_person("other.mentor@example.org", [Role.MENTOR])
    other = make_person("omar@example.org", [Role.TRAINEE])
    for person in (stranger, other):
        login_as(client, person)
        assert client.get(f"/loans/{loan.id}/tutoring").status_code == 403
    assert client.get("/loans/999999/tutoring").status_code == 404


# --- a constant number of queries --------------------------------------------------------------------------


def test_the_record_and_the_trainee_page_cost_the_same_queries_whatever_the_sessions(
    client: FlaskClient, mentee, mentor
) -> None:
    loan = loan_sent_on(mentee, sent_on=days_ago(300), disbursed_on=days_ago(200))
    for i in range(2):
        logged(mentee, mentor, days_ago(10 + i), services_=("strategy", "legal"))
    urls = [f"/mentees/{mentee.id}", f"/loans/{loan.id}/tutoring"]

    def count(person: User, url: str) -> int:
        login_as(client, person)
        with counted_statements() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    few = [count(mentor, url) for url in urls] + [count(mentee, "/my/sessions")]
    for i in range(10):
        logged(mentee, mentor, days_ago(20 + i), services_=("sales", "diagnosis", "training"))
    other = make_person("second.mentor@example.org", [Role.MENTOR], "Second Mentor")
    assign_mentor(mentee, other, None)
    db.session.commit()
    logged(mentee, other, days_ago(1))  # sessions by two mentors
    assign_mentor(mentee, mentor, None)
    db.session.commit()
    many = [count(mentor, url) for url in urls] + [count(mentee, "/my/sessions")]
    assert many == few
