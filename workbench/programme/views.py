"""The manager's programme pages (cohorts, people) and the trainee's path."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from workbench.audit.services import events_for
from workbench.auth import services as accounts
from workbench.auth.models import RoleGrant, User
from workbench.auth.permissions import can_change_active, can_issue_reset
from workbench.auth.roles import ROLE_GROUP_LABELS, Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.notifications.outbox import failed_count
from workbench.plans.review import review_statuses, waiting_for_a_mentor
from workbench.plans.services import journey_facts, plans_of
from workbench.programme import services
from workbench.programme.forms import CohortForm, MentorForm, RolesForm, StaffForm
from workbench.programme.journey import trainee_path
from workbench.programme.models import Cohort, Enrolment
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error
from workbench.web.guards import query_int
from workbench.web.templating import render

bp = Blueprint("programme", __name__)

PEOPLE_PER_PAGE = 50


@bp.get("/path")
@role_required(Role.TRAINEE)
def my_path():
    enrolment = services.enrolment_of(current_user)
    assignment = services.current_assignment(current_user)
    return render(
        "programme/my_path.html",
        steps=trainee_path(enrolment, journey_facts([current_user.id])[current_user.id]),
        enrolment=enrolment,
        mentor=assignment.mentor if assignment else None,
    )


@bp.get("/programme")
@role_required(Role.MANAGER)
def overview():
    counts = dict(
        db.session.execute(
            select(Enrolment.cohort_id, func.count(Enrolment.id)).group_by(Enrolment.cohort_id)
        ).all()
    )
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.name)).all()
    role_counts = dict(
        db.session.execute(
            select(RoleGrant.role, func.count(RoleGrant.id))
            .join(User)
            .where(User.active.is_(True))
            .group_by(RoleGrant.role)
        ).all()
    )
    mentors = services.active_mentors()
    return render(
        "programme/overview.html",
        cohorts=cohorts,
        counts=counts,
        role_counts=role_counts,
        role_groups=ROLE_GROUP_LABELS,
        waiting=waiting_for_a_mentor(),
        mentor_choices=[SelectChoice(m.id, m.full_name) for m in mentors],
        mail_failed=failed_count(),
    )


@bp.route("/programme/cohorts/new", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def new_cohort():
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = services.create_cohort(
                name=form.name.data,
                city=form.city.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(
                _("Cohort %(name)s created. Share its invite code with the trainees.", name=cohort.name),
                "success",
            )
            return redirect(url_for("programme.cohort", cohort_id=cohort.id), code=303)
    return render("programme/cohort_form.html", form=form)


@bp.get("/programme/cohorts/<int:cohort_id>")
@role_required(Role.MANAGER)
def cohort(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.cohort_id == cohort.id)
        .options(selectinload(Enrolment.user))
        .join(User, User.id == Enrolment.user_id)
        .order_by(User.full_name)
    ).all()
    return render("programme/cohort.html", cohort=cohort, enrolments=enrolments)


@bp.post("/programme/cohorts/<int:cohort_id>/invite-code")
@role_required(Role.MANAGER)
def issue_invite_code(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    if request.form.get("action") == "close":
        services.close_registration(cohort, current_user)
        flash(_("Registration for %(name)s is closed.", name=cohort.name), "info")
    else:
        code = services.issue_invite_code(cohort, current_user)
        flash(_("New invite code: %(code)s. The old code no longer works.", code=code), "success")
    db.session.commit()
    return redirect(url_for("programme.cohort", cohort_id=cohort.id), code=303)


@bp.post("/programme/enrolments/<int:enrolment_id>/training-completed")
@role_required(Role.MANAGER)
def complete_training(enrolment_id: int):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    services.complete_training(enrolment, current_user)
    db.session.commit()
    flash(_("Training recorded as completed for %(name)s.", name=enrolment.user.full_name), "success")
    return redirect(url_for("programme.cohort", cohort_id=enrolment.cohort_id), code=303)


@bp.get("/programme/people")
@role_required(Role.MANAGER)
def people():
    role = request.args.get("role", "")
    search = request.args.get("q", "").strip()
    query = select(User).options(selectinload(User.grants)).order_by(User.full_name)
    if role in {r.value for r in Role}:
        query = query.where(User.grants.any(RoleGrant.role == role))
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(func.lower(User.full_name).like(pattern), func.lower(User.email).like(pattern))
        )
    page = db.paginate(
        query,
        page=query_int("page", 1),
        per_page=PEOPLE_PER_PAGE,
        max_per_page=PEOPLE_PER_PAGE,
        error_out=False,
    )
    return render(
        "programme/people.html", page=page, role=role, search=search, roles=list(Role), fragment="results"
    )


@bp.route("/programme/people/new", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def new_staff():
    form = StaffForm()
    if form.validate_on_submit():
        try:
            person = accounts.create_user(
                email=form.email.data,
                full_name=form.full_name.data,
                password=None,
                roles=form.roles.data,
                actor=current_user,
                locale=form.locale.data,
            )
            db.session.flush()
            token = accounts.issue_password_reset(person, current_user)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            return render(
                "programme/reset_link.html", person=person, link=_reset_link(token), new_account=True
            )
    return render("programme/staff_form.html", form=form)


@bp.get("/programme/people/<int:user_id>")
@role_required(Role.MANAGER)
def person(user_id: int):
    person = db.get_or_404(User, user_id)
    return _render_person(
        person, RolesForm(roles=sorted(r.value for r in person.roles)), _mentor_form(person)
    )


@bp.post("/programme/people/<int:user_id>/roles")
@role_required(Role.MANAGER)
def set_roles(user_id: int):
    person = db.get_or_404(User, user_id)
    form = RolesForm()
    if form.validate_on_submit():
        try:
            accounts.set_roles(person, form.roles.data or [], current_user)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Roles saved."), "success")
            return redirect(url_for("programme.person", user_id=person.id), code=303)
    return _render_person(person, form, _mentor_form(person)), 422


@bp.post("/programme/people/<int:user_id>/active")
@role_required(Role.MANAGER)
def set_active(user_id: int):
    person = db.get_or_404(User, user_id)
    if not can_change_active(current_user, person):
        abort(403)
    active = request.form.get("active") == "1"
    accounts.set_active(person, active, current_user)
    db.session.commit()
    if active:
        flash(_("%(name)s can log in again.", name=person.full_name), "success")
    else:
        flash(_("%(name)s can no longer log in. Their records are kept.", name=person.full_name), "info")
    return redirect(url_for("programme.person", user_id=person.id), code=303)


@bp.post("/programme/people/<int:user_id>/reset-link")
@role_required(Role.MANAGER)
def reset_link(user_id: int):
    person = db.get_or_404(User, user_id)
    if not can_issue_reset(current_user, person):
        abort(403)
    token = accounts.issue_password_reset(person, current_user)
    db.session.commit()
    return render("programme/reset_link.html", person=person, link=_reset_link(token), new_account=False)


@bp.post("/programme/people/<int:user_id>/mentor")
@role_required(Role.MANAGER)
def assign_mentor(user_id: int):
    person = db.get_or_404(User, user_id)
    form = _mentor_form(person)
    if form.validate_on_submit():
        mentor = db.session.get(User, form.mentor_id.data)
        try:
            if mentor is None:
                raise DomainError({"mentor_id": _("Choose an active mentor.")})
            services.assign_mentor(person, mentor, current_user)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(
                _("%(mentor)s now mentors %(name)s.", mentor=mentor.full_name, name=person.full_name),
                "success",
            )
            if request.form.get("back") == "overview":  # assigned from the list of plans waiting for a mentor
                return redirect(url_for("programme.overview"), code=303)
            return redirect(url_for("programme.person", user_id=person.id), code=303)
    return _render_person(person, RolesForm(roles=sorted(r.value for r in person.roles)), form), 422


def _mentor_form(person: User) -> MentorForm:
    assignment = services.current_assignment(person)
    form = MentorForm(mentor_id=assignment.mentor_id if assignment else None)
    form.mentor_id.choices = [SelectChoice(m.id, m.full_name) for m in services.active_mentors()]
    return form


def _render_person(person: User, roles_form: RolesForm, mentor_form: MentorForm):
    assignment = services.current_assignment(person)
    plans = plans_of([person.id]).get(person.id, [])
    return render(
        "programme/person.html",
        plans=plans,
        statuses=review_statuses(plan.id for plan in plans),
        person=person,
        roles_form=roles_form,
        mentor_form=mentor_form,
        enrolment=services.enrolment_of(person),
        mentor=assignment.mentor if assignment else None,
        mentees=services.mentees_of(person) if person.has_role(Role.MENTOR) else [],
        history=events_for(person),
    )


def _reset_link(token: str) -> str:
    return url_for("auth.reset_password", token=token, _external=True)
