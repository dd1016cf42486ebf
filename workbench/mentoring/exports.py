"""The tutoring services delivered, as a funder or the national microcredit agency asks for them: one row
per service given in a session (the rules count services, not sessions), as CSV and XLSX
(workbench/web/spreadsheets.py). Read-only."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from workbench.auth.models import User
from workbench.extensions import db
from workbench.mentoring.models import SessionService, TutoringSession
from workbench.mentoring.sessions import CHANNEL_LABELS, SERVICE_SHORT_LABELS
from workbench.programme.models import Cohort, Enrolment
from workbench.web.spreadsheets import Sheet


def services_sheet() -> Sheet:
    trainee, mentor = aliased(User), aliased(User)
    rows = db.session.execute(
        select(
            TutoringSession.held_on,
            trainee.full_name,
            Cohort.name,
            mentor.full_name,
            TutoringSession.minutes,
            TutoringSession.channel,
            SessionService.service,
            TutoringSession.id,
        )
        .join(SessionService, SessionService.session_id == TutoringSession.id)
        .join(trainee, trainee.id == TutoringSession.trainee_id)
        .join(mentor, mentor.id == TutoringSession.mentor_id)
        .outerjoin(Enrolment, Enrolment.user_id == TutoringSession.trainee_id)
        .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
        .order_by(TutoringSession.held_on, TutoringSession.id, SessionService.service)
    ).all()
    return Sheet(
        _("Services delivered"),
        [
            _("Date"),
            _("Trainee"),
            _("Cohort"),
            _("Mentor"),
            _("Minutes"),
            _("How"),
            _("Service"),
            _("Session"),
        ],
        (
            [
                held_on,
                name,
                cohort or "",
                mentor_name,
                minutes,
                str(CHANNEL_LABELS.get(channel, channel)),
                str(SERVICE_SHORT_LABELS.get(service, service)),
                session_id,
            ]
            for held_on, name, cohort, mentor_name, minutes, channel, service, session_id in rows
        ),
        ("date", "text", "text", "text", "int", "text", "text", "int"),
    )
