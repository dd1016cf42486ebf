"""The mentor's home: each mentee's stage, comments, overdue milestones, loan and last session, what waits for
the mentor first, in a constant number of SQL statements whatever the number of mentees."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from tests.factories import disbursed_loan, make_plan
from tests.mentoring.sessions_support import counted_statements, days_ago, logged
from tests.support import login_as, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.mentoring import comments
from workbench.mentoring.milestone_models import MilestoneEvent
from workbench.mentoring.milestones import ensure_builtin_templates, give_milestones
from workbench.mentoring.models import ThreadEventKind
from workbench.plans.services import submit_plan
from workbench.programme.models import Cohort
from workbench.programme.services import assign_mentor, enrol
from workbench.timeutil import programme_today

pytestmark = pytest.mark.usefixtures("english_readers")

#: The page's statements, whatever the number of mentees (login, navigation, then one per kind of fact).
MAX_STATEMENTS = 20


def thread(plan, author: User, body: str, version=None):
    posted = comments.start_thread(
        comments.Anchor(plan, version, "customers"),
        author=author,
        body=body,
        quote=None,
        token=comments.new_token(),
    )
    db.session.flush()
    return posted.thread


def answer(on, author: User, body: str) -> None:
    comments.reply(on, author=author, body=body, token=comments.new_token())
    db.session.flush()


def mentee(cohort: Cohort, mentor: User, n: int, *, loan: bool = False) -> User:
    """A trainee of `mentor` with a plan sent for review, a thread waiting for the mentor, one waiting for
    the trainee and one resolved, a session, three overdue milestones and maybe a loan."""
    trainee = make_person(f"mentee{n}@example.org", [Role.TRAINEE], f"Mentee {n:02d}")
    enrol(trainee, cohort, actor=None)
    assign_mentor(trainee, mentor, None)
    plan = make_plan(trainee, from_example=True, title=f"Plan {n}")
    version = submit_plan(plan, trainee)
    asked = thread(plan, mentor, "Who are your first customers?", version)
    answer(asked, trainee, "The offices nearby.")
    thread(plan, mentor, "And the prices?", version)
    done = thread(plan, trainee, "Is the rent right?", version)
    comments.change_state(done, ThreadEventKind.RESOLVED, actor=mentor, seen=0)
    logged(trainee, mentor, days_ago(3 + n % 5))
    # Due 30, 60 and 91 days after a start 100 days ago: three overdue.
    start = programme_today() - timedelta(days=100)
    give_milestones(MilestoneEvent.LOAN_DISBURSED, trainee_id=trainee.id, start=start, actor=None)
    if loan:
        disbursed_loan(trainee)
    db.session.commit()
    return trainee


def home_statements(client: FlaskClient) -> tuple[int, str]:
    client.get("/mentees")  # anything a first request of the session loads once
    with counted_statements() as statements:
        response = client.get("/mentees")
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_the_home_costs_the_same_statements_for_3_and_30_mentees(
    client: FlaskClient, cohort: Cohort, mentor: User
) -> None:
    ensure_builtin_templates()
    db.session.commit()
    login_as(client, mentor)
    for n in range(3):
        mentee(cohort, mentor, n, loan=n == 0)
    few, html = home_statements(client)
    assert html.count('class="card mentee-waiting"') == 3
    for n in range(3, 30):
        mentee(cohort, mentor, n, loan=n % 3 == 0)
    many, html = home_statements(client)
    assert html.count('class="card mentee-waiting"') == 30
    assert html.count("Next installment: ") == 10
    assert html.count("3 overdue milestones") == 30
    print(f"GET /mentees: {few} statements for 3 mentees, {many} for 30")
    assert few == many
    assert many <= MAX_STATEMENTS


@pytest.mark.signed_in("mentor")
def test_what_waits_for_the_mentor_comes_first(signed_in: FlaskClient, cohort: Cohort, mentor: User) -> None:
    ensure_builtin_templates()
    mentor.locale = "en"
    db.session.commit()
    # Aaron: nothing waits for the mentor (no plan sent, nothing overdue, no thread).
    quiet = make_person("aaron@example.org", [Role.TRAINEE], "Aaron Quiet")
    enrol(quiet, cohort, actor=None)
    assign_mentor(quiet, mentor, None)
    # Bea: one comment to answer, nothing else.
    talker = make_person("bea@example.org", [Role.TRAINEE], "Bea Talker")
    enrol(talker, cohort, actor=None)
    assign_mentor(talker, mentor, None)
    plan = make_plan(talker, title="Bea's Bakery")
    thread(plan, talker, "Is my rent right?")
    db.session.commit()
    # Zoe: a plan to review, comments, overdue milestones, a loan and a session.
    busy = mentee(cohort, mentor, 1, loan=True)
    db.session.execute(update(User).where(User.id == busy.id).values(full_name="Zoe Busy"))
    db.session.commit()

    html = signed_in.get("/mentees").get_data(as_text=True)
    names = re.findall(r'<h2><a href="/mentees/\d+">([^<]+)</a></h2>', html)
    assert names == ["Zoe Busy", "Bea Talker", "Aaron Quiet"]
    zoe, bea, aaron = html.split("<h2>")[1:4]
    assert "2 plans wait for your review" in zoe  # the plan of the loan and the one sent for review
    assert "1 comment to answer" in zoe
    assert "1 waiting for the trainee" in zoe
    assert "3 overdue milestones" in zoe
    assert "8,000.00" in zoe
    assert "Next installment: " in zoe
    assert f"with {mentor.full_name}" in zoe
    assert "1 comment to answer" in bea
    assert "waits for your review" not in bea
    assert "No loan" in bea
    assert "No session yet" in bea
    assert "comment to answer" not in aaron
    assert "No open thread" in aaron
    assert "Nothing overdue" in aaron


@pytest.mark.signed_in("mentor")
def test_the_home_shows_a_mentee_in_arrears(signed_in: FlaskClient, cohort: Cohort, mentor: User) -> None:
    """Arrears are computed when the page is read: a loan paid out 100 days ago with one installment paid of
    three due shows what is overdue and for how many days."""

    from tests.support import make_person as person
    from workbench.lending.repayments import new_idempotency_key, post_repayment
    from workbench.lending.services import schedule_of

    ensure_builtin_templates()
    mentor.locale = "en"
    late = person("late@example.org", [Role.TRAINEE], "Lea Late")
    enrol(late, cohort, actor=None)
    assign_mentor(late, mentor, None)
    officer = person("off@example.org", [Role.OFFICER])
    loan = disbursed_loan(late, disbursed_on=programme_today() - timedelta(days=100), officer=officer)
    first = schedule_of(loan)[0]
    post_repayment(
        loan,
        paid_on=first.due_date,
        amount=first.total,
        reference="",
        key=new_idempotency_key(),
        actor=officer,
    )
    db.session.commit()
    html = signed_in.get("/mentees").get_data(as_text=True)
    second = schedule_of(loan)[1]
    days = (programme_today() - second.due_date).days
    assert f"{days} days late" in html
    assert "Overdue: €" in html
