"""Tutoring sessions: logging and correcting them, reading them in batches, and, per loan, whether the
borrower received the auxiliary services the rules require (the verdict itself is workbench.mentoring.phases).

Every change is audited; services flush, the request commits. A session is logged once per form (its token
is a unique key: a double click or a resent form finds the session already logged) and corrected by
compare-and-set on its revision (of two tabs correcting the same revision, one is stored, the other is told
and keeps what it typed).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from workbench.audit.services import record, record_changes
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.lending.services import schedule_of
from workbench.mentoring.models import (
    CHANNELS,
    MAX_MINUTES,
    MIN_MINUTES,
    SessionService,
    TutoringSession,
)
from workbench.mentoring.phases import ASSESSMENT, REPAYMENT, SERVICES, Delivery, Phase, phase_services
from workbench.plans.models import PlanVersion
from workbench.timeutil import programme_day, programme_today, utcnow

#: The recognised auxiliary services, worded close to the rules.
SERVICE_LABELS = {
    "strategy": _l("Support in defining the development strategy of the financed project"),
    "training": _l(
        "Training in running the business: administration, accounting, finance, staff management or ICT"
    ),
    "sales": _l("Support in setting prices and sales strategies, marketing included"),
    "legal": _l("Support in solving legal, tax and administrative problems"),
    "diagnosis": _l("Support in spotting and diagnosing problems in carrying out the project"),
}
#: The same, in a word or two, for lists and totals.
SERVICE_SHORT_LABELS = {
    "strategy": _l("Business strategy"),
    "training": _l("Administration and ICT training"),
    "sales": _l("Pricing, sales and marketing"),
    "legal": _l("Legal, tax and administrative help"),
    "diagnosis": _l("Spotting problems in the project"),
}
CHANNEL_LABELS = {
    "in_person": _l("In person"),
    "phone": _l("Phone"),
    "video": _l("Video call"),
}
PHASE_LABELS = {
    ASSESSMENT: _l("Assessment, before the disbursement"),
    REPAYMENT: _l("Repayment"),
}

#: Longest notes and next steps, in characters.
NOTES_MAX = 4000
NEXT_STEPS_MAX = 2000
#: A session is logged within this many days after it was held (about five years): an older date is a typo.
OLDEST_DAYS = 5 * 366


def new_submission_key() -> str:
    """The token a session form carries (32 hex digits)."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class SessionDetails:
    """What a mentor writes about a session."""

    held_on: date
    minutes: int
    channel: str
    services: frozenset[str]
    notes: str = ""
    next_steps: str = ""

    @classmethod
    def of(cls, session: TutoringSession) -> SessionDetails:
        return cls(
            held_on=session.held_on,
            minutes=session.minutes,
            channel=session.channel,
            services=frozenset(session.service_keys),
            notes=session.notes,
            next_steps=session.next_steps,
        )


def oldest_date(today: date) -> date:
    return today - timedelta(days=OLDEST_DAYS)


def checked(details: SessionDetails, today: date, *, kept_date: date | None = None) -> SessionDetails:
    """The details with their text tidied (line ends, outer spaces), or a DomainError naming every field
    that breaks a rule. ``kept_date``: the date a corrected session already has, accepted however old."""
    errors: dict[str, str] = {}
    if details.held_on > today:
        errors["held_on"] = _("A session cannot be logged before it is held: choose today or an earlier day.")
    elif details.held_on < oldest_date(today) and details.held_on != kept_date:
        errors["held_on"] = _(
            "This date is more than five years ago: check the year.",
        )
    if not MIN_MINUTES <= details.minutes <= MAX_MINUTES:
        errors["minutes"] = _(
            "A session lasts between %(low)d and %(high)d minutes.", low=MIN_MINUTES, high=MAX_MINUTES
        )
    if details.channel not in CHANNELS:
        errors["channel"] = _("Choose how the session was held.")
    if not details.services:
        errors["services"] = _("Choose at least one service delivered in this session.")
    elif not details.services <= frozenset(SERVICES):
        errors["services"] = _("Choose the services from the list.")
    notes, next_steps = _tidy(details.notes), _tidy(details.next_steps)
    if len(notes) > NOTES_MAX:
        errors["notes"] = _("The notes can be at most %(n)d characters long.", n=NOTES_MAX)
    if len(next_steps) > NEXT_STEPS_MAX:
        errors["next_steps"] = _("The next steps can be at most %(n)d characters long.", n=NEXT_STEPS_MAX)
    if errors:
        raise DomainError(errors)
    return SessionDetails(
        held_on=details.held_on,
        minutes=details.minutes,
        channel=details.channel,
        services=frozenset(details.services),
        notes=notes,
        next_steps=next_steps,
    )


def _tidy(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


# --- logging and correcting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Logged:
    session: TutoringSession
    #: The same form had already logged this session (a double click, the form sent again).
    already: bool = False


class SessionChanged(DomainError):
    """The session was corrected from elsewhere since the form was opened: nothing was stored."""

    def __init__(self) -> None:
        super().__init__(
            {
                "": _(
                    "This session was corrected in another window while you were editing it. What is "
                    "stored now is shown below; your changes are still in the form: send them again to keep "
                    "them."
                )
            }
        )


def log_session(
    trainee: User,
    mentor: User,
    details: SessionDetails,
    submission_key: str,
    *,
    today: date | None = None,
) -> Logged:
    """Record a session the mentor held with the trainee. The same form (its ``submission_key``) sent again,
    one press after the other or at the same moment, logs it once: the second finds it already logged."""
    details = checked(details, today or programme_today())
    earlier = _by_key(submission_key)
    if earlier is not None:
        return _resent(earlier, trainee, mentor, details)
    session = TutoringSession(
        trainee_id=trainee.id,
        mentor_id=mentor.id,
        held_on=details.held_on,
        minutes=details.minutes,
        channel=details.channel,
        notes=details.notes,
        next_steps=details.next_steps,
        submission_key=submission_key,
        services=[SessionService(service=key) for key in SERVICES if key in details.services],
    )
    try:
        with db.session.begin_nested():
            db.session.add(session)
    except IntegrityError as error:  # the same form, sent at the same moment from another tab
        earlier = _by_key(submission_key)
        if earlier is None:
            raise
        return _resent(earlier, trainee, mentor, details, error)
    record("tutoring_session.logged", session, mentor, after=_audited(session))
    return Logged(session)


def _by_key(submission_key: str) -> TutoringSession | None:
    return db.session.scalars(
        select(TutoringSession)
        .where(TutoringSession.submission_key == submission_key)
        .options(selectinload(TutoringSession.services))
        .execution_options(populate_existing=True)
    ).one_or_none()


def _resent(
    earlier: TutoringSession,
    trainee: User,
    mentor: User,
    details: SessionDetails,
    error: Exception | None = None,
) -> Logged:
    """The form already logged a session: the same one again is that session; other details are refused,
    so a form reused after going back in the browser logs nothing by surprise and loses nothing typed."""
    same = (earlier.trainee_id, earlier.mentor_id) == (trainee.id, mentor.id)
    if same and SessionDetails.of(earlier) == details:
        return Logged(earlier, already=True)
    raise DomainError(
        {
            "": _(
                "This form has already logged a session. Check what you typed, then send it again to log "
                "another one."
            )
        }
    ) from error


def correct_session(
    session: TutoringSession,
    actor: User,
    details: SessionDetails,
    base_revision: int,
    *,
    today: date | None = None,
) -> bool:
    """Store the mentor's correction if the session is still at ``base_revision``; whether anything changed.

    The revision is compared and bumped in one UPDATE, so of two corrections made on the same revision
    exactly one is stored; the other raises SessionChanged (unless it asked for what the first stored)."""
    details = checked(details, today or programme_today(), kept_date=session.held_on)
    if base_revision == session.revision and SessionDetails.of(session) == details:
        return False
    claimed = db.session.execute(
        update(TutoringSession)
        .where(TutoringSession.id == session.id, TutoringSession.revision == base_revision)
        .values(revision=base_revision + 1, updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    if claimed.rowcount != 1:
        _reload(session)
        if SessionDetails.of(session) == details:
            return False
        raise SessionChanged()
    set_committed_value(session, "revision", base_revision + 1)
    fields = ("held_on", "minutes", "channel", "notes", "next_steps")
    with record_changes(
        "tutoring_session.corrected", session, actor, *fields, services=lambda: list(session.service_keys)
    ) as change:
        session.held_on = details.held_on
        session.minutes = details.minutes
        session.channel = details.channel
        session.notes = details.notes
        session.next_steps = details.next_steps
        for item in [item for item in session.services if item.service not in details.services]:
            session.services.remove(item)
        held = set(session.service_keys)
        for key in SERVICES:
            if key in details.services and key not in held:
                session.services.append(SessionService(service=key))
        db.session.flush()
        change.also["revision"] = session.revision
    return True


def _reload(session: TutoringSession) -> None:
    """The session as stored now, committed by another window since this request read it."""
    db.session.scalars(
        select(TutoringSession)
        .where(TutoringSession.id == session.id)
        .options(selectinload(TutoringSession.services))
        .execution_options(populate_existing=True)
    ).one()


def _audited(session: TutoringSession) -> dict[str, object]:
    return {
        "trainee_id": session.trainee_id,
        "held_on": session.held_on.isoformat(),
        "minutes": session.minutes,
        "channel": session.channel,
        "services": list(session.service_keys),
        "notes": session.notes,
        "next_steps": session.next_steps,
    }


# --- reading -----------------------------------------------------------------------------------------------


def sessions_of(trainee_id: int) -> list[TutoringSession]:
    """A trainee's sessions, the latest held first, with their services and mentors (two queries)."""
    query = (
        select(TutoringSession)
        .where(TutoringSession.trainee_id == trainee_id)
        .options(joinedload(TutoringSession.mentor), selectinload(TutoringSession.services))
        .order_by(TutoringSession.held_on.desc(), TutoringSession.id.desc())
    )
    return list(db.session.scalars(query))


def last_sessions(trainee_ids: Iterable[int]) -> dict[int, TutoringSession]:
    """Each trainee's latest session (by the day held, then the latest logged), with its mentor's name, in one
    query whatever the number of trainees; trainees without a session are left out. Its services are not
    loaded: add selectinload(TutoringSession.services) to show them (one query more)."""
    ids = list(trainee_ids)
    if not ids:
        return {}
    ranked = (
        select(
            TutoringSession.id,
            func.row_number()
            .over(
                partition_by=TutoringSession.trainee_id,
                order_by=(TutoringSession.held_on.desc(), TutoringSession.id.desc()),
            )
            .label("place"),
        )
        .where(TutoringSession.trainee_id.in_(ids))
        .subquery()
    )
    query = (
        select(TutoringSession)
        .join(ranked, ranked.c.id == TutoringSession.id)
        .where(ranked.c.place == 1)
        .options(joinedload(TutoringSession.mentor).lazyload(User.grants))
    )
    return {session.trainee_id: session for session in db.session.scalars(query)}


@dataclass(frozen=True)
class Totals:
    sessions: int
    minutes: int
    #: Service key -> sessions that delivered it, in the rules' order, services never delivered included.
    services: dict[str, int] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def totals(sessions: Iterable[TutoringSession]) -> Totals:
    listed = list(sessions)
    counts = dict.fromkeys(SERVICES, 0)
    for session in listed:
        for key in session.service_keys:
            counts[key] += 1
    return Totals(sessions=len(listed), minutes=sum(s.minutes for s in listed), services=counts)


# --- per loan: the services of each phase ------------------------------------------------------------------


@dataclass(frozen=True)
class LoanTutoring:
    """A loan and the services its borrower received in each phase."""

    loan: Loan
    assessment: Phase
    repayment: Phase

    @property
    def phases(self) -> tuple[Phase, Phase]:
        return self.assessment, self.repayment

    @property
    def met(self) -> bool:
        return self.assessment.met and self.repayment.met


def assessment_starts(loans: Iterable[Loan]) -> dict[int, date]:
    """For each loan, the day (programme zone) its plan was first sent for review, in one query."""
    ids = [loan.id for loan in loans]
    if not ids:
        return {}
    financed, sent = aliased(PlanVersion), aliased(PlanVersion)
    query = (
        select(Loan.id, func.min(sent.submitted_at))
        .join(financed, financed.id == Loan.plan_version_id)
        .join(sent, sent.plan_id == financed.plan_id)
        .where(Loan.id.in_(ids))
        .group_by(Loan.id)
    )
    return {loan_id: programme_day(moment) for loan_id, moment in db.session.execute(query)}


def loans_tutoring(
    loans: Iterable[Loan], sessions: Iterable[TutoringSession], *, today: date | None = None
) -> list[LoanTutoring]:
    """Each loan with the services of its phases, from the borrowers' sessions already read (one query
    for all the loans' assessment starts, whatever their number)."""
    listed = list(loans)
    starts = assessment_starts(listed)
    deliveries: dict[int, list[Delivery]] = {}
    for session in sessions:
        deliveries.setdefault(session.trainee_id, []).append(
            Delivery(session.held_on, frozenset(session.service_keys))
        )
    today = today or programme_today()
    found = []
    for loan in listed:
        assessment, repayment = phase_services(
            deliveries.get(loan.borrower_id, []),
            assessment_from=starts.get(loan.id, loan.disbursed_on),
            disbursed_on=loan.disbursed_on,
            repayment_until=schedule_of(loan)[-1].due_date or loan.disbursed_on,
            today=today,
        )
        found.append(LoanTutoring(loan, assessment, repayment))
    return found


def loan_tutoring(loan: Loan, *, today: date | None = None) -> LoanTutoring:
    """One loan's services per phase (three queries)."""
    return loans_tutoring([loan], sessions_of(loan.borrower_id), today=today)[0]
