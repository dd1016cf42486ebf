"""Logging and correcting tutoring sessions, reading them in batches, and a loan's services per phase."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.mentoring.sessions_support import (
    counted_statements,
    days_ago,
    details,
    loan_sent_on,
    logged,
)
from tests.support import audit_events, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending.services import loans_by_borrower, schedule_of
from workbench.mentoring import sessions as services
from workbench.mentoring.models import SessionService, TutoringSession
from workbench.mentoring.phases import MET, MISSED, OPEN
from workbench.programme.services import assign_mentor

pytestmark = pytest.mark.usefixtures("english_readers")


@pytest.fixture
def mentee(trainee: User, mentor: User) -> User:
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    return trainee


def stored_sessions() -> list[TutoringSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(TutoringSession)))


# --- logging -----------------------------------------------------------------------------------------------


def test_a_logged_session_keeps_its_services_as_rows_and_is_audited(mentee: User, mentor: User) -> None:
    session = logged(
        mentee,
        mentor,
        days_ago(2),
        minutes=90,
        channel="video",
        services_=("legal", "strategy"),
        notes="  Talked about the VAT number.\r\nShe is worried.  ",
        next_steps="Open the VAT number.",
    )
    assert (session.minutes, session.channel, session.held_on) == (90, "video", days_ago(2))
    assert session.service_keys == ("strategy", "legal")  # the rules' order
    assert session.notes == "Talked about the VAT number.\nShe is worried."
    counted = db.session.execute(
        select(SessionService.service, func.count()).group_by(SessionService.service)
    ).all()
    assert dict(counted) == {"strategy": 1, "legal": 1}
    [event] = audit_events("tutoring_session.logged")
    assert (event.object_id, event.actor_id) == (session.id, mentor.id)
    assert event.after["services"] == ["strategy", "legal"]
    assert event.after["minutes"] == 90


def test_the_same_form_sent_twice_logs_one_session(mentee: User, mentor: User) -> None:
    key = services.new_submission_key()
    first = services.log_session(mentee, mentor, details(days_ago(1)), key)
    db.session.commit()
    again = services.log_session(mentee, mentor, details(days_ago(1)), key)
    db.session.commit()
    assert (first.already, again.already) == (False, True)
    assert again.session.id == first.session.id
    assert len(stored_sessions()) == 1
    assert len(audit_events("tutoring_session.logged")) == 1


def test_a_used_form_with_other_details_is_refused_not_merged(mentee: User, mentor: User) -> None:
    key = services.new_submission_key()
    services.log_session(mentee, mentor, details(days_ago(1)), key)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        services.log_session(mentee, mentor, details(days_ago(1), minutes=30), key)
    assert "already logged a session" in refused.value.errors[""]
    db.session.rollback()
    assert [s.minutes for s in stored_sessions()] == [60]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"held_on": date.today() + timedelta(days=2)}, "held_on"),
        ({"held_on": date(2019, 1, 1)}, "held_on"),
        ({"minutes": 4}, "minutes"),
        ({"minutes": 601}, "minutes"),
        ({"channel": "letter"}, "channel"),
        ({"services_": ()}, "services"),
        ({"services_": ("strategy", "catering")}, "services"),
        ({"notes": "x" * 4001}, "notes"),
        ({"next_steps": "x" * 2001}, "next_steps"),
    ],
)
def test_details_that_break_a_rule_are_refused_at_their_field(
    mentee: User, mentor: User, change: dict, field: str
) -> None:
    kwargs = {"held_on": days_ago(1), **change}
    with pytest.raises(DomainError) as refused:
        services.log_session(
            mentee, mentor, details(kwargs.pop("held_on"), **kwargs), services.new_submission_key()
        )
    assert set(refused.value.errors) == {field}
    db.session.rollback()
    assert stored_sessions() == []


def test_bounds_are_accepted(mentee: User, mentor: User) -> None:
    today = services.programme_today()
    logged(mentee, mentor, today, minutes=5)
    logged(mentee, mentor, services.oldest_date(today), minutes=600)
    assert sorted(s.minutes for s in stored_sessions()) == [5, 600]


# --- correcting --------------------------------------------------------------------------------------------


def test_a_correction_bumps_the_revision_and_is_audited_before_and_after(mentee: User, mentor: User) -> None:
    session = logged(mentee, mentor, days_ago(3), services_=("strategy", "training"), next_steps="Call me.")
    changed = services.correct_session(
        session,
        mentor,
        details(days_ago(3), minutes=45, services_=("training", "sales"), next_steps="Call me."),
        base_revision=1,
    )
    db.session.commit()
    assert changed
    [stored] = stored_sessions()
    assert (stored.revision, stored.minutes, stored.service_keys) == (2, 45, ("training", "sales"))
    [event] = audit_events("tutoring_session.corrected")
    assert event.before == {"minutes": 60, "services": ["strategy", "training"]}
    assert event.after == {"minutes": 45, "services": ["training", "sales"], "revision": 2}


def test_a_correction_without_change_stores_nothing(mentee: User, mentor: User) -> None:
    session = logged(mentee, mentor, days_ago(3))
    assert not services.correct_session(session, mentor, details(days_ago(3)), base_revision=1)
    db.session.commit()
    assert stored_sessions()[0].revision == 1
    assert audit_events("tutoring_session.corrected") == []


def test_a_correction_on_an_old_revision_is_refused_and_stores_nothing(mentee: User, mentor: User) -> None:
    session = logged(mentee, mentor, days_ago(3))
    services.correct_session(session, mentor, details(days_ago(3), minutes=30), base_revision=1)
    db.session.commit()
    with pytest.raises(services.SessionChanged):
        services.correct_session(session, mentor, details(days_ago(3), minutes=90), base_revision=1)
    db.session.rollback()
    [stored] = stored_sessions()
    assert (stored.minutes, stored.revision) == (30, 2)


def test_a_correction_on_an_old_revision_asking_for_what_is_stored_is_no_conflict(
    mentee: User, mentor: User
) -> None:
    session = logged(mentee, mentor, days_ago(3))
    services.correct_session(session, mentor, details(days_ago(3), minutes=30), base_revision=1)
    db.session.commit()
    assert not services.correct_session(session, mentor, details(days_ago(3), minutes=30), base_revision=1)


def test_an_old_date_kept_in_a_correction_is_accepted_a_new_one_is_not(mentee: User, mentor: User) -> None:
    today = date(2027, 6, 1)
    session = logged(mentee, mentor, date(2027, 1, 5), today=today)
    later = date(2033, 1, 1)  # the session is now more than five years old
    assert services.correct_session(
        session, mentor, details(date(2027, 1, 5), minutes=30), base_revision=1, today=later
    )
    with pytest.raises(DomainError) as refused:
        services.correct_session(session, mentor, details(date(2027, 1, 4)), base_revision=2, today=later)
    assert set(refused.value.errors) == {"held_on"}


# --- reading -----------------------------------------------------------------------------------------------


def test_sessions_come_latest_held_first_and_totals_count_hours_and_services(
    mentee: User, mentor: User
) -> None:
    logged(mentee, mentor, days_ago(10), minutes=30, services_=("strategy",))
    logged(mentee, mentor, days_ago(1), minutes=90, services_=("strategy", "legal"))
    logged(mentee, mentor, days_ago(5), minutes=60, services_=("diagnosis",))
    listed = services.sessions_of(mentee.id)
    assert [s.held_on for s in listed] == [days_ago(1), days_ago(5), days_ago(10)]
    totals = services.totals(listed)
    assert (totals.sessions, totals.minutes, totals.hours) == (3, 180, 3.0)
    assert totals.services == {"strategy": 2, "training": 0, "sales": 0, "legal": 1, "diagnosis": 1}


def test_last_sessions_of_thirty_trainees_take_one_query(cohort, mentor: User) -> None:
    trainees = [make_person(f"t{i}@example.org", [Role.TRAINEE]) for i in range(30)]
    for i, trainee in enumerate(trainees[:25]):
        assign_mentor(trainee, mentor, None)
        db.session.commit()
        logged(trainee, mentor, days_ago(20 + i))
        logged(trainee, mentor, days_ago(i), minutes=30 + i)  # the latest
        logged(trainee, mentor, days_ago(40 + i))
    db.session.expire_all()
    ids = [t.id for t in trainees]
    with counted_statements() as statements:
        latest = services.last_sessions(ids)
        names = {trainee_id: session.mentor.full_name for trainee_id, session in latest.items()}
    assert len(statements) == 1
    assert set(latest) == set(ids[:25])
    assert {trainee_id: s.minutes for trainee_id, s in latest.items()} == {ids[i]: 30 + i for i in range(25)}
    assert set(names.values()) == {mentor.full_name}
    assert services.last_sessions([]) == {}


def test_two_sessions_on_the_same_day_the_latest_logged_is_the_last(mentee: User, mentor: User) -> None:
    logged(mentee, mentor, days_ago(1), minutes=30)
    later = logged(mentee, mentor, days_ago(1), minutes=45)
    assert services.last_sessions([mentee.id])[mentee.id].id == later.id


# --- per loan ----------------------------------------------------------------------------------------------


def test_a_loan_counts_its_services_from_the_first_sending_of_its_plan(mentee: User, mentor: User) -> None:
    today = date(2027, 6, 1)
    loan = loan_sent_on(mentee, sent_on=date(2027, 1, 10), disbursed_on=date(2027, 3, 1))
    logged(mentee, mentor, date(2027, 1, 9), services_=("legal",), today=today)  # before: not counted
    logged(mentee, mentor, date(2027, 1, 10), services_=("strategy",), today=today)
    logged(mentee, mentor, date(2027, 2, 28), services_=("training",), today=today)
    logged(mentee, mentor, date(2027, 3, 1), services_=("sales",), today=today)
    found = services.loan_tutoring(loan, today=today)
    assert found.assessment.starts_on == date(2027, 1, 10)
    assert found.assessment.services == {"strategy", "training"}
    assert found.assessment.state == MET
    assert found.repayment.services == {"sales"}
    assert found.repayment.state == OPEN
    assert found.repayment.ends_on == schedule_of(loan)[-1].due_date == date(2030, 3, 1)
    assert not found.met


def test_the_first_sending_is_read_as_a_day_in_rome(mentee: User) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import update

    from workbench.plans.models import PlanVersion

    loan = loan_sent_on(mentee, sent_on=date(2027, 1, 10), disbursed_on=date(2027, 3, 1))
    late_evening = datetime(2027, 1, 10, 23, 30, tzinfo=UTC)  # 00:30 on the 11th in Rome
    db.session.execute(
        update(PlanVersion).where(PlanVersion.id == loan.plan_version_id).values(submitted_at=late_evening),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    assert services.assessment_starts([loan]) == {loan.id: date(2027, 1, 11)}


def test_the_services_of_several_loans_cost_the_same_queries(mentee: User, mentor: User) -> None:
    today = date(2030, 6, 1)
    loan_sent_on(mentee, sent_on=date(2027, 1, 10), disbursed_on=date(2027, 3, 1))
    logged(mentee, mentor, date(2027, 2, 1), services_=("strategy", "legal"), today=today)
    sessions = services.sessions_of(mentee.id)
    loans = loans_by_borrower([mentee.id])[mentee.id]
    with counted_statements() as one:
        [alone] = services.loans_tutoring(loans, sessions, today=today)
    loan_sent_on(mentee, sent_on=date(2027, 2, 10), disbursed_on=date(2027, 4, 1))
    sessions = services.sessions_of(mentee.id)
    loans = loans_by_borrower([mentee.id])[mentee.id]  # the latest disbursed first
    with counted_statements() as two:
        both = services.loans_tutoring(loans, sessions, today=today)
    assert len(one) == len(two) == 1
    assert alone.assessment.state == MET
    assert [lt.assessment.state for lt in both] == [MISSED, MET]  # Feb 1st is before the second sending
