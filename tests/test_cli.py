"""`flask seed-demo` loads a living programme once; `flask create-user` makes accounts with several roles."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from tests.support import PASSWORD, login, make_person
from workbench.audit.models import AuditEvent
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.auth.services import authenticate
from workbench.demo import DEMO_COHORT, DEMO_PASSWORD
from workbench.extensions import db
from workbench.programme.models import Cohort, Enrolment, MentorAssignment


@pytest.fixture
def runner(app: Flask, app_context: None) -> FlaskCliRunner:
    return app.test_cli_runner()


def counts() -> dict[str, int]:
    return {
        name: db.session.scalar(select(func.count()).select_from(model))
        for name, model in (
            ("people", User),
            ("cohorts", Cohort),
            ("enrolments", Enrolment),
            ("mentor_assignments", MentorAssignment),
        )
    }


def test_seed_demo_loads_the_programme(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["seed-demo", "--without-relab"])
    assert result.exit_code == 0, result.output
    assert counts() == {"people": 45, "cohorts": 1, "enrolments": 40, "mentor_assignments": 14}
    assert "45 people added" in result.output
    cohort = db.session.scalars(select(Cohort)).one()
    assert cohort.name == DEMO_COHORT
    assert cohort.invite_code == "RELAB2026"
    completed = db.session.scalar(
        select(func.count(Enrolment.id)).where(Enrolment.training_completed_at.is_not(None))
    )
    assert completed == 14
    # Each mentor accompanies seven trainees, and every mentee finished the training.
    per_mentor = db.session.execute(
        select(MentorAssignment.mentor_id, func.count(MentorAssignment.id)).group_by(
            MentorAssignment.mentor_id
        )
    ).all()
    assert sorted(n for _, n in per_mentor) == [7, 7]
    sara = db.session.scalars(select(User).where(User.email == "officer2@example.org")).one()
    assert sara.roles == {Role.OFFICER, Role.MANAGER}
    # The demo is audited like any other change.
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "user.created")) == 45
    )


def test_seed_demo_is_idempotent(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["seed-demo", "--without-relab"]).exit_code == 0
    first = counts()
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    again = runner.invoke(args=["seed-demo", "--without-relab"])
    assert again.exit_code == 0, again.output
    assert counts() == first
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    assert "0 people added" in again.output
    assert "0 mentor_assignments added" in again.output


def test_seed_demo_if_empty_skips_a_database_with_people(runner: FlaskCliRunner) -> None:
    make_person("someone@example.org", [Role.MANAGER])
    result = runner.invoke(args=["seed-demo", "--if-empty", "--without-relab"])
    assert result.exit_code == 0, result.output
    assert "not loaded" in result.output
    assert counts() == {"people": 1, "cohorts": 0, "enrolments": 0, "mentor_assignments": 0}


def test_seed_demo_if_empty_loads_an_empty_database(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["seed-demo", "--if-empty", "--without-relab"])
    assert result.exit_code == 0, result.output
    assert counts()["people"] == 45


def test_the_demo_logins_work(runner: FlaskCliRunner, client: FlaskClient) -> None:
    runner.invoke(args=["seed-demo", "--without-relab"])
    response = login(client, "manager@example.org", DEMO_PASSWORD)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/programme"
    assert client.get("/programme").status_code == 200
    assert authenticate("mentor1@example.org", "not the demo password") is None


def test_create_user_with_several_roles(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "create-user",
            "Sara.Conti@Example.org",
            "--name",
            "Sara Conti",
            "--role",
            "manager",
            "--role",
            "officer",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User)).one()
    assert user.email == "sara.conti@example.org"
    assert user.full_name == "Sara Conti"
    assert user.roles == {Role.MANAGER, Role.OFFICER}
    assert user.locale == "it"
    assert authenticate("sara.conti@example.org", PASSWORD) == user
    assert "sara.conti@example.org" in result.output
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.created")).one()
    assert created.actor_id is None
    assert created.after["roles"] == ["manager", "officer"]


def test_create_user_with_a_language(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "a@example.org", "--name", "A", "--role", "mentor", "--language", "ar"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(User)).one().locale == "ar"


def test_create_user_refuses_a_duplicate_email_clearly(runner: FlaskCliRunner) -> None:
    make_person("taken@example.org", [Role.MENTOR])
    result = runner.invoke(
        args=[
            "create-user",
            "TAKEN@example.org",
            "--name",
            "Other",
            "--role",
            "officer",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code != 0
    assert not isinstance(result.exception, RuntimeError), result.exception
    assert "e-mail" in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_create_user_refuses_a_short_password_clearly(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "new@example.org", "--name", "New", "--role", "officer", "--password", "short"]
    )
    assert result.exit_code != 0
    assert not isinstance(result.exception, RuntimeError), result.exception
    assert "10" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_create_user_needs_a_known_role(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["create-user", "new@example.org", "--name", "New", "--role", "boss", "--password", PASSWORD]
    )
    assert result.exit_code == 2
    assert "boss" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def mentoring_counts() -> dict[str, int]:
    from workbench.lending.models import Loan
    from workbench.mentoring.actuals_models import MonthlyActual
    from workbench.mentoring.models import CommentThread, ThreadComment, ThreadEvent, TutoringSession

    return {
        name: db.session.scalar(select(func.count()).select_from(model))
        for name, model in (
            ("threads", CommentThread),
            ("comments", ThreadComment),
            ("events", ThreadEvent),
            ("sessions", TutoringSession),
            ("loans", Loan),
            ("actuals", MonthlyActual),
        )
    }


def test_seed_demo_adds_mentoring_once(runner: FlaskCliRunner) -> None:
    from workbench.lending.models import Loan
    from workbench.mentoring.milestone_models import Milestone
    from workbench.mentoring.models import CommentThread
    from workbench.mentoring.phases import REPAYMENT
    from workbench.mentoring.sessions import loan_tutoring
    from workbench.timeutil import programme_day

    result = runner.invoke(args=["seed-demo", "--without-relab"])
    assert result.exit_code == 0, result.output
    assert "3 threads added" in result.output
    first = mentoring_counts()
    assert (first["threads"], first["comments"], first["events"]) == (3, 5, 1)
    # one loan from the applications demo, five from the lending demo's portfolio (lending/portfolio_demo.py)
    assert (first["sessions"], first["loans"], first["actuals"]) == (8, 6, 3)
    threads = db.session.scalars(select(CommentThread).order_by(CommentThread.id)).all()
    assert [(t.resolved, len(t.comments)) for t in threads] == [(False, 1), (False, 2), (True, 2)]
    loan = db.session.scalars(
        select(Loan).join(Loan.borrower).where(User.email == "aminata.toure@example.org")
    ).one()
    given = db.session.scalars(select(Milestone).where(Milestone.loan_id == loan.id)).all()
    assert any(m.due_on < date.today() and m.status == "pending" for m in given)  # overdue ones
    assert [m.signed_off_at is not None for m in given if m.status == "done"] == [True]
    tutoring = loan_tutoring(loan)
    assert tutoring.repayment.key == REPAYMENT
    assert (tutoring.assessment.state, tutoring.repayment.state) == ("met", "met")
    # the plan was sent and endorsed before the payout, as the journey goes
    [sent] = loan.plan_version.plan.versions
    assert programme_day(sent.submitted_at) < loan.disbursed_on
    again = runner.invoke(args=["seed-demo", "--without-relab"])
    assert again.exit_code == 0, again.output
    assert mentoring_counts() == first
    assert "0 threads added" in again.output
    assert "0 sessions added" in again.output


def test_seed_demo_large_adds_generated_loans_once_and_the_dashboard_reads_them(
    runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.lending import large_demo
    from workbench.lending.installment_models import LoanInstallment
    from workbench.lending.models import Loan
    from workbench.lending.portfolio import portfolio_rows
    from workbench.timeutil import programme_today

    monkeypatch.setattr(large_demo, "LARGE_LOANS", 120)  # 10,000 in use; the same code at a test's size
    before = runner.invoke(args=["seed-demo", "--without-relab"])
    assert before.exit_code == 0, before.output
    demo_loans = db.session.query(Loan).count()
    result = runner.invoke(args=["seed-demo", "--without-relab", "--size", "large"])
    assert result.exit_code == 0, result.output
    assert "120 generated loans added" in result.output
    assert db.session.query(Loan).count() == demo_loans + 120
    again = runner.invoke(args=["seed-demo", "--without-relab", "--size", "large"])
    assert "0 generated loans added" in again.output
    generated = db.session.query(LoanInstallment.loan_id).distinct().count()
    assert generated == demo_loans + 120
    by_cohort = {row.label: row for row in portfolio_rows(programme_today(), "cohort")}
    large = by_cohort[large_demo.LARGE_COHORT]
    assert large.loans == 120
    assert large.par30_amount > 0  # some generated borrowers stopped paying
    assert large.collection_rate is not None
