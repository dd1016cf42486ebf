"""Tutoring sessions: the mentor logs and corrects them from the mentee's record, the trainee reads theirs,
and a loan's record loads the services delivered in each phase from here.

Without JavaScript the forms post and redirect (303), or come back with their errors (422) or with the stored
session beside what was typed (409). With htmx the sessions section of the mentee's record is swapped in
place, whatever the outcome (htmx does not swap error statuses, so in-place answers are 200).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending.models import Loan
from workbench.lending.services import loans_by_borrower
from workbench.mentoring import exports
from workbench.mentoring import sessions as services
from workbench.mentoring.forms import NewSessionForm, SessionCorrectionForm
from workbench.mentoring.models import TutoringSession
from workbench.mentoring.permissions import (
    can_correct_session,
    can_log_session,
    can_read_loan_tutoring,
    can_read_session_notes,
)
from workbench.mentoring.views import bp, load_mentee
from workbench.timeutil import programme_today
from workbench.web.dates import day
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error
from workbench.web.rendering import download
from workbench.web.spreadsheets import XLSX_MIMETYPE, to_csv, to_xlsx
from workbench.web.templating import is_htmx_fragment_request, render

#: Length a new session's form proposes, in minutes.
USUAL_MINUTES = 60


@dataclass
class SessionsSection:
    """What the sessions section of a mentee's record shows."""

    trainee: User
    sessions: list[TutoringSession]
    totals: services.Totals
    loans: list[services.LoanTutoring]
    can_log: bool
    notes_visible: bool
    form: NewSessionForm | None = None
    #: The session being corrected in place, its form, and whether another window corrected it meanwhile.
    editing: int | None = None
    edit_form: SessionCorrectionForm | None = None
    conflict: bool = False
    message: str | None = None
    limits: dict[str, str] = field(default_factory=dict)
    #: The sessions the reader may correct (the ones they held, while assigned).
    correctable: frozenset[int] = frozenset()


def sessions_section(
    trainee: User,
    loans: list[Loan] | None = None,
    *,
    form: NewSessionForm | None = None,
    editing: TutoringSession | None = None,
    edit_form: SessionCorrectionForm | None = None,
    conflict: bool = False,
    message: str | None = None,
) -> SessionsSection:
    """The section for the current user: a constant number of queries, whatever the sessions and loans."""
    listed = services.sessions_of(trainee.id)
    if loans is None:
        loans = loans_by_borrower([trainee.id])[trainee.id]
    can_log = can_log_session(current_user, trainee)
    return SessionsSection(
        trainee=trainee,
        sessions=listed,
        totals=services.totals(listed),
        loans=services.loans_tutoring(loans, listed),
        can_log=can_log,
        notes_visible=can_read_session_notes(current_user, trainee),
        form=(form or blank_session_form()) if can_log else None,
        editing=editing.id if editing is not None else None,
        edit_form=edit_form,
        conflict=conflict,
        message=message,
        limits=date_limits(),
        correctable=frozenset(s.id for s in listed if can_log and s.mentor_id == current_user.id),
    )


def blank_session_form() -> NewSessionForm:
    return NewSessionForm(
        formdata=None,
        held_on=services.programme_today(),
        minutes=USUAL_MINUTES,
        channel="in_person",
        submission_key=services.new_submission_key(),
    )


def date_limits() -> dict[str, str]:
    """The earliest and latest day a session may carry, for the date input's min and max."""
    today = services.programme_today()
    return {"min": services.oldest_date(today).isoformat(), "max": today.isoformat()}


def _section(trainee: User, **kwargs) -> str:
    return render_template("mentoring/_sessions.html", tutoring=sessions_section(trainee, **kwargs))


def _record_url(trainee_id: int, anchor: str = "sessions") -> str:
    return url_for("mentoring.mentee", user_id=trainee_id, _anchor=anchor)


# --- logging a session -------------------------------------------------------------------------------------


@bp.route("/mentees/<int:user_id>/sessions/new", methods=["GET", "POST"])
@role_required(Role.MENTOR)
def log_session(user_id: int):
    """The form is on the mentee's record; this page is its place without JavaScript (and on its own)."""
    trainee = load_mentee(user_id)
    if not can_log_session(current_user, trainee):
        abort(403)
    form = NewSessionForm()
    if not form.is_submitted():
        return _new_page(trainee, blank_session_form())
    valid = form.validate()
    if form.submission_key.errors:  # a hand-made or very old form: a fresh token, what was typed kept
        form.form_errors.extend(form.submission_key.errors)
        form.submission_key.errors = []
        form.submission_key.data = services.new_submission_key()
        valid = False
    if valid:
        try:
            logged = services.log_session(trainee, current_user, form.details(), form.submission_key.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
            if "" in error.errors:  # the token was used: this form gets a new one
                form.submission_key.data = services.new_submission_key()
        else:
            db.session.commit()
            held_on = day(logged.session.held_on)
            if logged.already:
                message = _("This session of %(date)s was already logged; it is kept once.", date=held_on)
            else:
                message = _("Session of %(date)s logged.", date=held_on)
            if is_htmx_fragment_request():
                return _section(trainee, message=message)
            flash(message, "success")
            return redirect(_record_url(trainee.id, f"session-{logged.session.id}"), code=303)
    if is_htmx_fragment_request():
        return _section(trainee, form=form)
    return _new_page(trainee, form), 422


def _new_page(trainee: User, form: NewSessionForm):
    return render("mentoring/session_new.html", trainee=trainee, form=form, limits=date_limits())


# --- correcting a session ----------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(Role.MENTOR)
def edit_session(session_id: int):
    """The mentor who held the session corrects it, in place on the record (htmx) or on this page."""
    session = db.session.get(TutoringSession, session_id)
    if session is None:
        abort(404)
    trainee = load_mentee(session.trainee_id)
    if not can_correct_session(current_user, session):
        abort(403)
    form = SessionCorrectionForm()
    if not form.is_submitted():
        form = correction_form(session)
        return _edit_answer(trainee, session, form)
    if not form.validate():
        if form.revision.errors:  # no readable revision: judged against the one stored now
            form.form_errors.extend(form.revision.errors)
            form.revision.errors = []
            _judge_against(form, session.revision)
        return _edit_answer(trainee, session, form, status=422)
    try:
        changed = services.correct_session(session, current_user, form.details(), form.revision.data)
    except services.SessionChanged as error:
        db.session.rollback()
        session = db.session.get(TutoringSession, session_id)
        apply_domain_error(form, error)
        _judge_against(form, session.revision)  # sent again, the correction applies over what is stored now
        return _edit_answer(trainee, session, form, status=409, conflict=True)
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        return _edit_answer(trainee, session, form, status=422)
    db.session.commit()
    held_on = day(session.held_on)
    if changed:
        message = _("Session of %(date)s corrected.", date=held_on)
    else:
        message = _("Nothing changed in the session of %(date)s.", date=held_on)
    if is_htmx_fragment_request():
        return _section(trainee, message=message)
    flash(message, "success" if changed else "info")
    return redirect(_record_url(trainee.id, f"session-{session.id}"), code=303)


def _judge_against(form: SessionCorrectionForm, revision: int) -> None:
    """The form's revision becomes ``revision`` (what it shows is what it was sent with, else)."""
    form.revision.data = revision
    form.revision.raw_data = [str(revision)]


def correction_form(session: TutoringSession) -> SessionCorrectionForm:
    return SessionCorrectionForm(
        formdata=None,
        held_on=session.held_on,
        minutes=session.minutes,
        channel=session.channel,
        services=list(session.service_keys),
        notes=session.notes,
        next_steps=session.next_steps,
        revision=session.revision,
    )


def _edit_answer(
    trainee: User,
    session: TutoringSession,
    form: SessionCorrectionForm,
    *,
    status: int = 200,
    conflict: bool = False,
):
    """The correction form: in place in the section (htmx, always 200), else its own page with ``status``."""
    if is_htmx_fragment_request():
        return _section(trainee, editing=session, edit_form=form, conflict=conflict)
    page = render(
        "mentoring/session_edit.html",
        trainee=trainee,
        session=session,
        form=form,
        conflict=conflict,
        limits=date_limits(),
    )
    return page, status


# --- the trainee's own sessions ----------------------------------------------------------------------------


@bp.get("/my/sessions")
@role_required(Role.TRAINEE)
def my_sessions():
    """The trainee's sessions: day, channel, services and next steps. The mentor's notes stay with the
    programme's staff and are not part of this page."""
    listed = services.sessions_of(current_user.id)
    loans = loans_by_borrower([current_user.id])[current_user.id]
    return render(
        "mentoring/my_sessions.html",
        sessions=listed,
        totals=services.totals(listed),
        loans=services.loans_tutoring(loans, listed),
    )


# --- a loan's services, phase by phase ---------------------------------------------------------------------


@bp.get("/loans/<int:loan_id>/tutoring")
@role_required(Role.TRAINEE, Role.MENTOR, Role.OFFICER, Role.MANAGER)
def loan_tutoring(loan_id: int):
    """Whether the borrower received at least two services during the assessment and during the repayment:
    a fragment for the loan's record (hx-get), or a page of its own without JavaScript."""
    loan = db.session.get(Loan, loan_id)
    if loan is None:
        abort(404)
    if not can_read_loan_tutoring(current_user, loan):
        abort(403)
    return render(
        "mentoring/loan_tutoring.html",
        fragment="tutoring",
        loan=loan,
        tutoring=services.loan_tutoring(loan),
    )


# --- labels for the templates ------------------------------------------------------------------------------


@bp.app_template_global()
def service_label(key: str) -> str:
    return str(services.SERVICE_LABELS.get(key, key))


@bp.app_template_global()
def service_short_label(key: str) -> str:
    return str(services.SERVICE_SHORT_LABELS.get(key, key))


@bp.app_template_global()
def channel_label(key: str) -> str:
    return str(services.CHANNEL_LABELS.get(key, key))


@bp.app_template_global()
def phase_label(key: str) -> str:
    return str(services.PHASE_LABELS.get(key, key))


@bp.get("/programme/services.csv")
@role_required(Role.MANAGER)
def services_csv():
    name = f"tutoring-services-{programme_today().isoformat()}.csv"
    return download(to_csv(exports.services_sheet()), "text/csv", name)


@bp.get("/programme/services.xlsx")
@role_required(Role.MANAGER)
def services_xlsx():
    name = f"tutoring-services-{programme_today().isoformat()}.xlsx"
    return download(to_xlsx([exports.services_sheet()]), XLSX_MIMETYPE, name)
