"""The officer's queue: every application with its key figures, score and age, what needs action first; and
above it the checker's inbox: the decisions on applications and on loans (write-offs, reschedules) that wait
for the person's confirmation.

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
from wtforms.fields.choices import SelectChoice

from workbench.auth.models import RoleGrant, User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.lending import applications as services
from workbench.lending import decisions, loan_decisions
from workbench.lending.application_forms import QueueFilterForm
from workbench.lending.application_models import CreditApplication
from workbench.lending.scorecard import BAND_LABELS
from workbench.plans.models import PlanVersion
from workbench.programme.models import Cohort, Enrolment
from workbench.timeutil import programme_day, programme_today
from workbench.web.decorators import role_required
from workbench.web.guards import query_int
from workbench.web.templating import render

from . import bp

#: Rows of the queue on one page.
PAGE_SIZE = 100


@dataclass
class QueueRow:
    state: services.ApplicationState
    applicant_name: str
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


def _metric(text: str | None) -> Decimal | None:
    """A figure of the results document, as the database read it (None when the document has none)."""
    if text is None or len(text) > 40:
        return None
    try:
        value = Decimal(text.strip('"'))
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


def queue_rows(today: date, *, cohort_id: int | None = None) -> list[QueueRow]:
    """Every application (of one cohort), with what the queue shows: a constant number of queries."""
    # Only the two key figures of each frozen results document, read in the database: the documents (every
    # month of every row) stay where they are.
    query = (
        select(
            CreditApplication,
            User.full_name,
            Enrolment.cohort_id,
            PlanVersion.results[("metrics", "dscr")].as_string(),
            PlanVersion.results[("metrics", "min_cash")].as_string(),
        )
        .join(User, User.id == CreditApplication.applicant_id)
        .join(PlanVersion, PlanVersion.id == CreditApplication.plan_version_id)
        .outerjoin(Enrolment, Enrolment.user_id == CreditApplication.applicant_id)
    )
    if cohort_id is not None:
        query = query.where(Enrolment.cohort_id == cohort_id)
    found = db.session.execute(query).all()
    states = services.states_of([row[0] for row in found], criteria=False)
    rows = []
    for application, name, cohort, dscr, min_cash in found:
        state = states[application.id]
        rows.append(
            QueueRow(
                state=state,
                applicant_name=name,
                cohort_id=cohort,
                dscr=_metric(dscr),
                min_cash=_metric(min_cash),
                age_days=(today - programme_day(application.submitted_at)).days,
                waiting_for_me=state.pending is not None and decisions.can_check(current_user, state.pending),
            )
        )
    rows.sort(key=lambda row: (*row.priority(), row.application.id))
    return rows


@dataclass(frozen=True)
class Page:
    """The page of the queue shown, shaped as _partials/pagination.html reads it."""

    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


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
    form.cohort.choices = [SelectChoice("", _("Every cohort"))] + [
        SelectChoice(str(i), name) for i, name in cohorts
    ]
    officers = db.session.execute(
        select(User.id, User.full_name)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role.in_([Role.OFFICER, Role.MANAGER]))
        .distinct()
        .order_by(User.full_name)
    ).all()
    form.officer.choices = [SelectChoice("", _("Any officer"))] + [
        SelectChoice(str(i), name) for i, name in officers
    ]
    status = form.status.data if form.status.data in {s.value for s in services.Status} else None
    officer_id = _choice(form.officer.data)
    rows = queue_rows(programme_today(), cohort_id=_choice(form.cohort.data))
    if status is not None:
        rows = [row for row in rows if row.state.status == status]
    if officer_id is not None:
        rows = [row for row in rows if officer_id in row.officers]
    waiting = [row for row in rows if row.waiting_for_me]
    page = Page(query_int("page", 1), len(rows))
    start = (page.page - 1) * PAGE_SIZE
    return render(
        "lending/queue.html",
        fragment="results",
        form=form,
        rows=rows[start : start + PAGE_SIZE],
        waiting=waiting[:PAGE_SIZE],
        waiting_loans=loan_decisions.waiting_for(current_user),
        loan_action_labels=loan_decisions.ACTION_LABELS,
        page=page,
        page_args={k: v for k, v in request.args.items() if k in ("status", "cohort", "officer") and v},
        band_labels=BAND_LABELS,
        cohort_names=dict(cohorts),
    )
