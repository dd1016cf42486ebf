"""What the session tests share: a mentee with their mentor, sessions logged in one line, loans whose plan was
first sent on a chosen day, and a count of the SQL statements a block of code runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, update

from tests.factories import disbursed_loan
from workbench.auth.models import User
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.mentoring import sessions as services
from workbench.mentoring.models import TutoringSession
from workbench.plans.models import PlanVersion


def details(
    held_on: date | None = None,
    *,
    minutes: int = 60,
    channel: str = "in_person",
    services_: tuple[str, ...] = ("strategy",),
    notes: str = "",
    next_steps: str = "",
) -> services.SessionDetails:
    return services.SessionDetails(
        held_on=held_on or services.programme_today(),
        minutes=minutes,
        channel=channel,
        services=frozenset(services_),
        notes=notes,
        next_steps=next_steps,
    )


def logged(trainee: User, mentor: User, held_on: date | None = None, **kwargs) -> TutoringSession:
    """A committed session the mentor held with the trainee."""
    today = kwargs.pop("today", None)
    session = services.log_session(
        trainee, mentor, details(held_on, **kwargs), services.new_submission_key(), today=today
    ).session
    db.session.commit()
    return session


def loan_sent_on(trainee: User, *, sent_on: date, disbursed_on: date) -> Loan:
    """A disbursed loan whose plan version was sent for review on ``sent_on`` (noon in Rome)."""
    loan = disbursed_loan(trainee, disbursed_on=disbursed_on)
    moment = datetime(sent_on.year, sent_on.month, sent_on.day, 11, 0, tzinfo=UTC)
    db.session.execute(
        update(PlanVersion).where(PlanVersion.id == loan.plan_version_id).values(submitted_at=moment),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return loan


def days_ago(days: int) -> date:
    return services.programme_today() - timedelta(days=days)


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """The SQL statements run inside the block, on any connection of the app's engine."""
    statements: list[str] = []

    def listen(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
