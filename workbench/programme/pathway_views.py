"""The manager's forms of a trainee's individual pathway, all on the person page (rules in
workbench/programme/pathway.py).

Load -> check -> act: the trainee (and the goal, service or spending, which must be theirs) is loaded from the
URL, 404 when missing or when the person is not a trainee; only managers post (role_required). A saved form
redirects back to the pathway on the person page (303); a refused one comes back on the page with its
reasons and what was typed (422).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.programme import pathway
from workbench.programme.pathway import new_spending_key
from workbench.programme.pathway_forms import (
    GoalForm,
    GrantForm,
    ReversalForm,
    ServiceForm,
    SpendingForm,
    goal_status_form,
    service_status_form,
)
from workbench.programme.pathway_models import BudgetGrant, BudgetSpending, PathwayGoal, PathwayService
from workbench.programme.views import _render_person, bp
from workbench.web.decorators import role_required
from workbench.web.formatting import money
from workbench.web.forms import apply_domain_error


def load_trainee(user_id: int) -> User:
    person = db.get_or_404(User, user_id)
    if not person.has_role(Role.TRAINEE):
        abort(404)
    return person


def _back(person: User, anchor: str = "pathway-heading"):
    return redirect(url_for("programme.person", user_id=person.id) + f"#{anchor}", code=303)


def _refused(person: User, key: str, form, error: DomainError | None = None):
    """The person page with the refused form in its place (its reasons next to its fields)."""
    db.session.rollback()
    if error is not None:
        apply_domain_error(form, error)
    return _render_person(db.get_or_404(User, person.id), pathway_forms={key: form}), 422


@bp.post("/programme/people/<int:user_id>/pathway/goals")
@role_required(Role.MANAGER)
def add_goal(user_id: int):
    person = load_trainee(user_id)
    form = GoalForm(prefix="goal")
    if not form.validate_on_submit():
        return _refused(person, "goal", form)
    try:
        pathway.add_goal(person, form.text.data, form.agreed_on.data, current_user)
    except DomainError as error:
        return _refused(person, "goal", form, error)
    db.session.commit()
    flash(_("Goal added to the pathway of %(name)s.", name=person.full_name), "success")
    return _back(person, "goals-heading")


@bp.post("/programme/people/<int:user_id>/pathway/goals/<int:goal_id>/status")
@role_required(Role.MANAGER)
def goal_status(user_id: int, goal_id: int):
    person = load_trainee(user_id)
    goal = db.session.get(PathwayGoal, goal_id)
    if goal is None or goal.trainee_id != person.id:
        abort(404)
    form = goal_status_form(goal, formdata=request.form)
    if not form.validate_on_submit():
        return _refused(person, f"goal:{goal.id}", form)
    try:
        pathway.set_goal_status(goal, form.status.data, seen=form.seen.data, actor=current_user)
    except DomainError as error:
        return _refused(person, f"goal:{goal.id}", form, error)
    db.session.commit()
    return _back(person, "goals-heading")


@bp.post("/programme/people/<int:user_id>/pathway/services")
@role_required(Role.MANAGER)
def add_service(user_id: int):
    person = load_trainee(user_id)
    form = ServiceForm(prefix="service")
    if not form.validate_on_submit():
        return _refused(person, "service", form)
    try:
        pathway.add_service(
            person, form.description.data, form.provider.data, form.offered_on.data, current_user
        )
    except DomainError as error:
        return _refused(person, "service", form, error)
    db.session.commit()
    flash(_("Service added to the pathway of %(name)s.", name=person.full_name), "success")
    return _back(person, "services-heading")


@bp.post("/programme/people/<int:user_id>/pathway/services/<int:service_id>/status")
@role_required(Role.MANAGER)
def service_status(user_id: int, service_id: int):
    person = load_trainee(user_id)
    service = db.session.get(PathwayService, service_id)
    if service is None or service.trainee_id != person.id:
        abort(404)
    form = service_status_form(service, formdata=request.form)
    if not form.validate_on_submit():
        return _refused(person, f"service:{service.id}", form)
    try:
        pathway.set_service_status(service, form.status.data, seen=form.seen.data, actor=current_user)
    except DomainError as error:
        return _refused(person, f"service:{service.id}", form, error)
    db.session.commit()
    return _back(person, "services-heading")


@bp.post("/programme/people/<int:user_id>/pathway/budget/<category>")
@role_required(Role.MANAGER)
def set_grant(user_id: int, category: str):
    person = load_trainee(user_id)
    if category not in pathway.BUDGET_CATEGORIES:
        abort(404)
    form = GrantForm(prefix=f"grant-{category}")
    key = f"grant:{category}"
    if not form.validate_on_submit():
        return _refused(person, key, form)
    try:
        pathway.set_grant(
            person, category, form.amount.data, seen_revision=form.revision.data, actor=current_user
        )
    except DomainError as error:
        if "amount" in error.errors:  # what is granted now is shown beside what was typed
            db.session.rollback()
            grant = pathway.grant_of(person, category)
            form.revision.data = grant.revision if grant is not None else 0
            form.revision.raw_data = [str(form.revision.data)]
            apply_domain_error(form, error)
            return _render_person(person, pathway_forms={key: form}), 422
        return _refused(person, key, form, error)
    db.session.commit()
    flash(
        _(
            "%(category)s: %(amount)s granted to %(name)s.",
            category=pathway.BUDGET_CATEGORIES[category],
            amount=money(form.amount.data),
            name=person.full_name,
        ),
        "success",
    )
    return _back(person, "budget-heading")


@bp.post("/programme/people/<int:user_id>/pathway/spendings")
@role_required(Role.MANAGER)
def add_spending(user_id: int):
    person = load_trainee(user_id)
    form = SpendingForm(prefix="spending")
    if not form.validate_on_submit():
        if form.key.errors:  # a page from before: the form gets a token of its own to send again
            form.key.data = new_spending_key()
            form.key.raw_data = [form.key.data]
        return _refused(person, "spending", form)
    try:
        pathway.record_spending(
            person,
            form.category.data,
            spent_on=form.spent_on.data,
            amount=form.amount.data,
            note=form.note.data or "",
            key=form.key.data,
            actor=current_user,
        )
    except DomainError as error:
        return _refused(person, "spending", form, error)
    db.session.commit()
    flash(_("Spending recorded."), "success")
    return _back(person, "budget-heading")


@bp.post("/programme/people/<int:user_id>/pathway/spendings/<int:spending_id>/reverse")
@role_required(Role.MANAGER)
def reverse_spending(user_id: int, spending_id: int):
    person = load_trainee(user_id)
    spending = db.session.get(BudgetSpending, spending_id)
    if spending is None or db.session.get(BudgetGrant, spending.grant_id).trainee_id != person.id:
        abort(404)
    form = ReversalForm(prefix=f"reverse-{spending.id}")
    key = f"reversal:{spending.id}"
    if not form.validate_on_submit():
        return _refused(person, key, form)
    try:
        pathway.reverse_spending(spending, form.reason.data, current_user)
    except DomainError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message, "error")
        return _back(person, "budget-heading")
    db.session.commit()
    flash(_("Spending taken back: it no longer counts as spent."), "success")
    return _back(person, "budget-heading")
