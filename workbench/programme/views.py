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
from workbench.auth.permissions import can_change_active, can_edit_profile_of, can_issue_reset
from workbench.auth.profile import profile_digest
from workbench.auth.roles import ROLE_GROUP_LABELS, Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending.services import loans_by_borrower
from workbench.notifications.outbox import failed_count
from workbench.plans.review import endorsements_of, review_statuses, waiting_for_a_mentor
from workbench.plans.services import journey_facts, plans_of
from workbench.programme import services, training
from workbench.programme.forms import CohortForm, MentorForm, ProfileForm, RolesForm, StaffForm
from workbench.programme.journey import trainee_path
from workbench.programme.models import DEFAULT_COMPLETION_SHARE, Cohort, Enrolment, MentorAssignment
from workbench.programme.pathway import pathway_of
from workbench.programme.pathway_forms import pathway_panel
from workbench.programme.permissions import can_manage_pathway
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error, country_choices
from workbench.web.guards import query_int
from workbench.web.templating import render

bp = Blueprint("programme", __name__)

PEOPLE_PER_PAGE = 50


@bp.get("/path")
@role_required(Role.TRAINEE)
def my_path():
    enrolment = services.enrolment_of(current_user)
    mentors = services.current_assignments(current_user)
    progress = training.progress_of(enrolment) if enrolment is not None else None
    return render(
        "programme/my_path.html",
        steps=trainee_path(enrolment, journey_facts([current_user.id])[current_user.id]),
        enrolment=enrolment,
        progress=progress if progress is not None and progress.modules else None,
        pathway=pathway_of(current_user),
        mentor=mentors[0].mentor if mentors else None,
        other_mentors=[a.mentor for a in mentors[1:]],
        endorsements=endorsements_of(current_user.id),
        loans=loans_by_borrower([current_user.id])[current_user.id],
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
        mentors=mentors,
        loads=services.mentor_loads(),
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
                partners=form.partners.data,
                completion_share=form.completion_share.data or DEFAULT_COMPLETION_SHARE,
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
    modules = training.modules_of(cohort)
    return render(
        "programme/cohort.html",
        cohort=cohort,
        enrolments=enrolments,
        modules=modules,
        progress=training.cohort_progress(cohort, [e.id for e in enrolments]),
        recorded=training.recorded_counts(cohort),
    )


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
    try:
        training.complete_by_hand(enrolment, current_user)
    except DomainError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message, "error")
    else:
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
    return _render_person(db.get_or_404(User, user_id))


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
    return _render_person(person, roles_form=form), 422


@bp.post("/programme/people/<int:user_id>/profile")
@role_required(Role.MANAGER)
def set_profile(user_id: int):
    """The person's country of origin, gender and protection status, for the programme's reports."""
    person = db.get_or_404(User, user_id)
    if not can_edit_profile_of(current_user, person):
        abort(403)
    form = _profile_form(person, stored=False)
    if form.validate_on_submit():
        try:
            changed = accounts.set_profile(
                person,
                country=form.country.data or None,
                gender=form.gender.data or None,
                protection_status=form.protection_status.data or None,
                actor=current_user,
                seen=form.seen.data or "",
            )
        except accounts.StaleProfile as error:
            db.session.rollback()
            # What this manager chose stays on the form; saving again replaces what is stored now.
            for message in error.errors.values():
                form.form_errors.append(message)
            form.seen.data = profile_digest(db.session.get(User, person.id))
            return _render_person(person, profile_form=form), 409
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Details saved.") if changed else _("Nothing changed."), "success" if changed else "info")
            return redirect(url_for("programme.person", user_id=person.id) + "#profile-heading", code=303)
    return _render_person(person, profile_form=form), 422


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
    """The trainee's primary mentor from now on (the previous primary's assignment ends)."""
    person = db.get_or_404(User, user_id)
    form = _mentor_form(person)
    if form.validate_on_submit():
        mentor = db.session.get(User, form.mentor_id.data)
        try:
            if mentor is None:
                raise DomainError({"mentor_id": _("Choose an active mentor.")})
            services.assign_mentor(person, mentor, current_user, seen=_seen_primary())
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "%(mentor)s is now the primary mentor of %(name)s.",
                    mentor=mentor.full_name,
                    name=person.full_name,
                ),
                "success",
            )
            if request.form.get("back") == "overview":  # assigned from the list of plans waiting for a mentor
                return redirect(url_for("programme.overview"), code=303)
            return redirect(url_for("programme.person", user_id=person.id) + "#mentor-heading", code=303)
    return _render_person(person, mentor_form=form), 422


@bp.post("/programme/people/<int:user_id>/mentors")
@role_required(Role.MANAGER)
def add_mentor(user_id: int):
    """Another mentor accompanies the trainee, beside the primary one."""
    person = db.get_or_404(User, user_id)
    # Any active mentor is a valid choice here (a double click posts one who was just added); the page offers
    # only those who do not accompany the trainee yet.
    form = _other_mentor_form(person, current=[])
    if form.validate_on_submit():
        mentor = db.session.get(User, form.mentor_id.data)
        try:
            if mentor is None:
                raise DomainError({"mentor_id": _("Choose an active mentor.")})
            services.add_mentor(person, mentor, current_user)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(
                _("%(mentor)s now also mentors %(name)s.", mentor=mentor.full_name, name=person.full_name),
                "success",
            )
            return redirect(url_for("programme.person", user_id=person.id) + "#mentor-heading", code=303)
    form.mentor_id.choices = _other_mentor_form(person).mentor_id.choices
    return _render_person(person, other_form=form), 422


@bp.post("/programme/people/<int:user_id>/mentors/<int:assignment_id>/end")
@role_required(Role.MANAGER)
def end_mentor(user_id: int, assignment_id: int):
    """The mentor stops accompanying the trainee; the assignment stays in the history."""
    person = db.get_or_404(User, user_id)
    assignment = db.session.get(MentorAssignment, assignment_id)
    if assignment is None or assignment.trainee_id != person.id:
        abort(404)
    mentor_name = assignment.mentor.full_name
    try:
        ended = services.end_assignment(assignment, current_user)
    except DomainError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message, "error")
        return _render_person(person), 409
    db.session.commit()
    if ended:
        flash(
            _("%(mentor)s no longer mentors %(name)s.", mentor=mentor_name, name=person.full_name), "success"
        )
    else:
        flash(
            _(
                "%(mentor)s had already stopped mentoring %(name)s: nothing changed.",
                mentor=mentor_name,
                name=person.full_name,
            ),
            "info",
        )
    return redirect(url_for("programme.person", user_id=person.id) + "#mentor-heading", code=303)


def _seen_primary() -> int | services.AnyPrimary | None:
    """The primary mentor the manager's page showed (posted as seen_mentor_id; empty: none)."""
    if "seen_mentor_id" not in request.form:
        return services.ANY_PRIMARY
    seen = request.form["seen_mentor_id"].strip()
    if not seen:
        return None
    if seen.isascii() and seen.isdigit() and len(seen) <= 10:
        return int(seen)
    return -1  # nobody's id: the page is told to look again


def _mentor_form(person: User) -> MentorForm:
    assignment = services.current_assignment(person)
    form = MentorForm(mentor_id=assignment.mentor_id if assignment else None)
    form.mentor_id.choices = [SelectChoice(m.id, m.full_name) for m in services.active_mentors()]
    return form


def _other_mentor_form(person: User, current: list | None = None) -> MentorForm:
    """Another mentor: any active mentor who does not accompany the trainee yet."""
    taken = {a.mentor_id for a in (current if current is not None else services.current_assignments(person))}
    form = MentorForm(prefix="other")
    form.mentor_id.label.text = _("Another mentor")
    form.mentor_id.choices = [
        SelectChoice(m.id, m.full_name) for m in services.active_mentors() if m.id not in taken
    ]
    return form


def _profile_form(person: User, *, stored: bool = True) -> ProfileForm:
    """The details form: as stored (the page), or as posted (a save)."""
    if stored:
        form = ProfileForm(
            formdata=None,
            country=person.country or "",
            gender=person.gender or "",
            protection_status=person.protection_status or "",
            seen=profile_digest(person),
        )
    else:
        form = ProfileForm()
    form.country.choices = country_choices()
    return form


def _render_person(
    person: User,
    roles_form: RolesForm | None = None,
    mentor_form: MentorForm | None = None,
    other_form: MentorForm | None = None,
    profile_form: ProfileForm | None = None,
    pathway_forms: dict | None = None,
):
    assignments = services.current_assignments(person)
    plans = plans_of([person.id]).get(person.id, [])
    enrolment = services.enrolment_of(person)
    progress = training.progress_of(enrolment) if enrolment is not None else None
    return render(
        "programme/person.html",
        plans=plans,
        statuses=review_statuses(plan.id for plan in plans),
        person=person,
        roles_form=roles_form or RolesForm(roles=sorted(r.value for r in person.roles)),
        profile_form=profile_form or _profile_form(person),
        mentor_form=mentor_form or _mentor_form(person),
        other_form=other_form or _other_mentor_form(person, assignments),
        enrolment=enrolment,
        progress=progress,
        panel=pathway_panel(person, pathway_forms) if can_manage_pathway(current_user, person) else None,
        assignments=assignments,
        mentor=assignments[0].mentor if assignments and assignments[0].is_primary else None,
        mentees=services.mentees_of(person) if person.has_role(Role.MENTOR) else [],
        history=events_for(person),
    )


def _reset_link(token: str) -> str:
    return url_for("auth.reset_password", token=token, _external=True)


# The training and pathway pages register themselves on the blueprint.
from workbench.programme import audit_views, pathway_views, training_views  # noqa: E402, F401
