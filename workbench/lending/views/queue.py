"""The officer's queue: every application with its key figures, score and age, what needs action first.

Filters by status, cohort and officer in a GET form (it works without JavaScript; htmx swaps the results as
a filter changes). A constant number of queries whatever the number of applications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from workbench.auth.models import RoleGrant, User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending import applications as services
from workbench.lending import decisions
from workbench.lending.application_models import CreditApplication
from workbench.lending.forms import QueueFilterForm
from workbench.lending.scorecard import BAND_LABELS
from workbench.programme.models import Cohort, Enrolment
from workbench.timeutil import programme_day, programme_today
from workbench.web.decorators import role_required
from workbench.web.templating import render

from . import bp


@dataclass
class QueueRow:
    state: services.ApplicationState
    cohort_id: int | None
    dscr: Decimal | None
    min_cash: Decimal | None
    age_days: int
    waiting_for_me: bool

    @property
    def application(self) -> CreditApplication:
        return self.state.application

    @property
    def officers(self) -> set[int]:
        """Who took part: the latest scorer and every proposer and checker."""
        found = {self.state.score.officer_id} if self.state.score is not None else set()
        for proposal in self.state.proposals:
            found.add(proposal.proposed_by_id)
            if proposal.decided_by_id is not None:
                found.add(proposal.decided_by_id)
        return found

    def priority(self) -> tuple[int, float]:
        """Waiting for my confirmation; then not scored, oldest first; scored, oldest first; approved, to pay
        out; proposed, waiting for someone else; then the closed ones, the latest first."""
        status = self.state.status
        age = self.age_days
        if self.waiting_for_me:
            return (0, -age)
        order = {
            services.Status.SUBMITTED: 1,
            services.Status.SCORED: 2,
            services.Status.APPROVED: 3,
            services.Status.PROPOSED: 4,
        }
        if status in order:
            return (order[status], -age)
        return (5, age)


def _metric(document: object, key: str) -> Decimal | None:
    try:
        value = document["metrics"][key]  # type: ignore[index]
        return None if value is None else Decimal(str(value))
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None


def queue_rows(today: date, *, cohort_id: int | None = None) -> list[QueueRow]:
    """Every application (of one cohort), with what the queue shows: a constant number of queries."""
    query = (
        select(CreditApplication, Enrolment.cohort_id)
        .join(CreditApplication.applicant)
        .join(CreditApplication.plan_version)
        .outerjoin(Enrolment, Enrolment.user_id == CreditApplication.applicant_id)
        .options(contains_eager(CreditApplication.applicant), contains_eager(CreditApplication.plan_version))
    )
    if cohort_id is not None:
        query = query.where(Enrolment.cohort_id == cohort_id)
    found = db.session.execute(query).all()
    states = services.states_of([application for application, _cohort in found])
    rows = []
    for application, cohort in found:
        state = states[application.id]
        results = application.plan_version.results
        rows.append(
            QueueRow(
                state=state,
                cohort_id=cohort,
                dscr=_metric(results, "dscr"),
                min_cash=_metric(results, "min_cash"),
                age_days=(today - programme_day(application.submitted_at)).days,
                waiting_for_me=state.pending is not None and decisions.can_check(current_user, state.pending),
            )
        )
    rows.sort(key=lambda row: (*row.priority(), row.application.id))
    return rows


def _choice(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@bp.get("/queue")
@role_required(Role.OFFICER, Role.MANAGER)
def queue():
    """Applications, what needs action first; filtered by status, cohort and officer."""
    form = QueueFilterForm(request.args)
    form.status.choices = [("", _("Any status"))] + [
        (s.value, label) for s, label in services.STATUS_LABELS.items()
    ]
    cohorts = db.session.execute(select(Cohort.id, Cohort.name).order_by(Cohort.name)).all()
    form.cohort.choices = [("", _("Every cohort"))] + [(str(i), name) for i, name in cohorts]
    officers = db.session.execute(
        select(User.id, User.full_name)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role.in_([Role.OFFICER, Role.MANAGER]))
        .distinct()
        .order_by(User.full_name)
    ).all()
    form.officer.choices = [("", _("Any officer"))] + [(str(i), name) for i, name in officers]
    status = form.status.data if form.status.data in {s.value for s in services.Status} else None
    officer_id = _choice(form.officer.data)
    rows = queue_rows(programme_today(), cohort_id=_choice(form.cohort.data))
    if status is not None:
        rows = [row for row in rows if row.state.status == status]
    if officer_id is not None:
        rows = [row for row in rows if officer_id in row.officers]
    waiting = [row for row in rows if row.waiting_for_me]
    return render(
        "lending/queue.html",
        fragment="results",
        form=form,
        rows=rows,
        waiting=waiting,
        band_labels=BAND_LABELS,
        cohort_names=dict(cohorts),
    )
