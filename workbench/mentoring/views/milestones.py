"""Milestone pages: the templates managers keep, a trainee's milestones (on the mentee's record and on the
trainee's own page), one milestone with its history, the actions on it, and the overdue lists.

Actions answer htmx with the milestone's card, swapped in place; without JavaScript they redirect (303) to
where the person follows the milestone, or show the milestone's page again with what was typed (422) or
with what changed meanwhile (409).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from workbench.audit.services import events_for
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.mentoring import milestones as services
from workbench.mentoring.milestone_forms import (
    DoneForm,
    EditTemplateForm,
    RevisionForm,
    TemplateForm,
    WaiveForm,
)
from workbench.mentoring.milestone_models import Milestone, MilestoneEvent, MilestoneTemplate
from workbench.mentoring.permissions import (
    can_mark_milestone_done,
    can_reopen_milestone,
    can_see_milestone,
    can_see_milestones,
    can_sign_off_milestone,
    can_waive_milestone,
)
from workbench.mentoring.views import bp
from workbench.programme.services import mentees_of
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error, keep_typed_over_stale
from workbench.web.templating import is_htmx_fragment_request, render

for predicate in (
    can_mark_milestone_done,
    can_waive_milestone,
    can_sign_off_milestone,
    can_reopen_milestone,
):
    bp.add_app_template_global(predicate)


@bp.app_template_global()
def milestone_event_label(value: str) -> str:
    return MilestoneEvent(value).label


#: Overdue milestones the programme page shows before linking to the whole list.
SUMMARY_ROWS = 5

ACTIONS: dict[str, type[FlaskForm]] = {
    "done": DoneForm,
    "waive": WaiveForm,
    "sign_off": RevisionForm,
    "reopen": RevisionForm,
}


# --- one milestone's card ----------------------------------------------------------------------------------


def milestone_forms(milestone: Milestone, given: dict[str, FlaskForm] | None = None) -> dict[str, FlaskForm]:
    """The forms of a milestone's card, each prefixed with its id so many cards fit on one page; a form
    just posted (`given`) is shown as it came, with its errors and what was typed."""
    forms = dict(given or {})
    for action, form_class in ACTIONS.items():
        if action not in forms:
            forms[action] = form_class(
                formdata=None, prefix=_prefix(milestone, action), revision=milestone.revision
            )
    return forms


def _prefix(milestone: Milestone, action: str) -> str:
    return f"m{milestone.id}-{action}"


def card(milestone: Milestone, forms: dict[str, FlaskForm] | None = None, notice: str = "") -> dict[str, Any]:
    return {"milestone": milestone, "forms": forms or milestone_forms(milestone), "notice": notice}


@bp.app_template_global()
def milestone_section(trainee: User) -> dict[str, Any]:
    """What the milestones section of a trainee's page shows (the mentee's record includes it)."""
    milestones = services.milestones_of([trainee.id])[trainee.id]
    return {
        "trainee": trainee,
        "cards": [card(milestone) for milestone in milestones],
        "today": services.programme_today(),
    }


# --- loading -----------------------------------------------------------------------------------------------


def load_milestone(milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None:
        abort(404)
    if not can_see_milestone(current_user, milestone):
        abort(403)
    return milestone


def load_template(template_id: int) -> MilestoneTemplate:
    return db.get_or_404(MilestoneTemplate, template_id)


# --- the trainee's own milestones, one milestone ---------------------------------------------------------


@bp.get("/milestones/mine")
@role_required(Role.TRAINEE)
def my_milestones():
    return render("mentoring/my_milestones.html", section=milestone_section(current_user))


@bp.get("/milestones/<int:milestone_id>")
@role_required(Role.TRAINEE, Role.MENTOR, Role.OFFICER, Role.MANAGER)
def milestone(milestone_id: int):
    return _milestone_page(load_milestone(milestone_id))


def _milestone_page(milestone: Milestone, forms: dict[str, FlaskForm] | None = None, notice: str = ""):
    history = events_for(milestone)
    actor_ids = {e.actor_id for e in history if e.actor_id is not None}
    actors = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))} if actor_ids else {}
    )
    return render(
        "mentoring/milestone.html",
        item=card(milestone, forms, notice),
        today=services.programme_today(),
        history=[(e, actors.get(e.actor_id)) for e in history],
        breadcrumb=_breadcrumb(milestone),
    )


def _back_url(milestone: Milestone) -> str:
    """Where the person follows this milestone: the trainee their own list, the staff the mentee's record."""
    if current_user.id == milestone.trainee_id:
        return url_for("mentoring.my_milestones") + f"#milestone-{milestone.id}"
    if can_see_milestones(current_user, milestone.trainee):
        return url_for("mentoring.mentee", user_id=milestone.trainee_id) + f"#milestone-{milestone.id}"
    return url_for("mentoring.milestone", milestone_id=milestone.id)


def _breadcrumb(milestone: Milestone) -> tuple[str, str] | None:
    """The link above the milestone's page: to the list it belongs to, for those who see that list."""
    if current_user.id == milestone.trainee_id:
        return url_for("mentoring.my_milestones"), _("My milestones")
    if can_see_milestones(current_user, milestone.trainee):
        return url_for("mentoring.mentee", user_id=milestone.trainee_id), milestone.trainee.full_name
    return None


# --- actions -----------------------------------------------------------------------------------------------


def _act(
    milestone_id: int,
    action: str,
    allowed: Callable[[User, Milestone], bool],
    perform: Callable[[Milestone, Any], None],
    success: str,
):
    milestone = load_milestone(milestone_id)
    if not allowed(current_user, milestone):
        abort(403)
    form = ACTIONS[action](prefix=_prefix(milestone, action))
    if not form.validate_on_submit():
        return _again(milestone, action, form, 422)
    try:
        perform(milestone, form)
    except DomainError as error:
        db.session.rollback()
        milestone = load_milestone(milestone_id)
        if "" in error.errors:  # it changed meanwhile: show it as it is now, keep what was typed
            return _again(milestone, action, None, 409, _not_saved(error.errors[""], form))
        apply_domain_error(form, error)
        return _again(milestone, action, form, 422)
    db.session.commit()
    if is_htmx_fragment_request():
        return render_template(
            "mentoring/_milestone.html", item=card(milestone), today=services.programme_today()
        )
    flash(success, "success")
    return redirect(_back_url(milestone), code=303)


def _not_saved(reason: str, form: FlaskForm) -> str:
    typed = next((f.data for f in form if f.type == "TextAreaField" and (f.data or "").strip()), "")
    return reason + (" " + _("What you wrote was not saved: %(text)s", text=typed.strip()) if typed else "")


def _again(milestone: Milestone, action: str, form: FlaskForm | None, status: int, notice: str = ""):
    """The card again (htmx: swapped in place, 200 so htmx swaps it), else the milestone's page."""
    forms = milestone_forms(milestone, {action: form} if form is not None else None)
    if is_htmx_fragment_request():
        return render_template(
            "mentoring/_milestone.html", item=card(milestone, forms, notice), today=services.programme_today()
        )
    return _milestone_page(milestone, forms, notice), status


@bp.post("/milestones/<int:milestone_id>/done")
@role_required(Role.TRAINEE, Role.MENTOR, Role.OFFICER, Role.MANAGER)
def milestone_done(milestone_id: int):
    return _act(
        milestone_id,
        "done",
        can_mark_milestone_done,
        lambda m, form: services.mark_done(
            m, current_user, evidence=form.evidence.data, base_revision=form.revision.data
        ),
        _("Milestone marked done."),
    )


@bp.post("/milestones/<int:milestone_id>/waive")
@role_required(Role.MENTOR, Role.MANAGER)
def milestone_waive(milestone_id: int):
    return _act(
        milestone_id,
        "waive",
        can_waive_milestone,
        lambda m, form: services.waive(
            m, current_user, reason=form.reason.data, base_revision=form.revision.data
        ),
        _("Milestone waived."),
    )


@bp.post("/milestones/<int:milestone_id>/sign-off")
@role_required(Role.MENTOR)
def milestone_sign_off(milestone_id: int):
    return _act(
        milestone_id,
        "sign_off",
        can_sign_off_milestone,
        lambda m, form: services.sign_off(m, current_user, base_revision=form.revision.data),
        _("Milestone signed off."),
    )


@bp.post("/milestones/<int:milestone_id>/reopen")
@role_required(Role.MENTOR, Role.MANAGER)
def milestone_reopen(milestone_id: int):
    return _act(
        milestone_id,
        "reopen",
        can_reopen_milestone,
        lambda m, form: services.reopen(m, current_user, base_revision=form.revision.data),
        _("Milestone reopened."),
    )


# --- overdue -----------------------------------------------------------------------------------------------


@bp.get("/milestones/overdue")
@role_required(Role.MENTOR, Role.MANAGER)
def overdue_milestones():
    """Every overdue milestone for a manager; a mentor's own mentees' for a mentor."""
    today = services.programme_today()
    if current_user.has_role(Role.MANAGER):
        milestones = services.overdue_milestones(today=today)
    else:
        milestones = services.overdue_milestones(
            [a.trainee_id for a in mentees_of(current_user)], today=today
        )
    return render("mentoring/overdue.html", milestones=milestones, today=today)


@bp.get("/milestones/overdue/summary")
@role_required(Role.MANAGER)
def overdue_summary():
    """The programme page's box: how many milestones are overdue and the longest overdue (htmx loads it)."""
    today = services.programme_today()
    return render(
        "mentoring/overdue_summary.html",
        fragment="summary",
        milestones=services.overdue_milestones(today=today, limit=SUMMARY_ROWS),
        total=services.count_overdue(today),
        today=today,
    )


# --- templates ---------------------------------------------------------------------------------------------


@bp.get("/milestones/templates")
@role_required(Role.MANAGER)
def milestone_templates():
    if services.ensure_builtin_templates():
        db.session.commit()
    templates = services.templates_in_order()
    return render(
        "mentoring/milestone_templates.html",
        templates=templates,
        forms={t.id: RevisionForm(formdata=None, prefix=f"t{t.id}", revision=t.revision) for t in templates},
    )


@bp.route("/milestones/templates/new", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def new_milestone_template():
    form = TemplateForm()
    if form.validate_on_submit():
        try:
            services.create_template(
                title=form.title.data,
                responsible_role=form.responsible_role.data,
                event=form.event.data,
                offset_days=form.offset_days.data,
                position=form.position.data,
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Milestone template added: trainees get it from the next event on."), "success")
            return redirect(url_for("mentoring.milestone_templates"), code=303)
    status = 422 if request.method == "POST" else 200
    return render("mentoring/milestone_template_form.html", form=form, template=None), status


@bp.route("/milestones/templates/<int:template_id>", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def edit_milestone_template(template_id: int):
    template = load_template(template_id)
    shown_title = template.display_title
    if request.method == "GET":
        form = EditTemplateForm(obj=template, title=shown_title)
        return render("mentoring/milestone_template_form.html", form=form, template=template)
    form = EditTemplateForm()
    if form.validate_on_submit():
        typed = form.title.data.strip()
        title = None if template.title is None and typed == shown_title else typed
        try:
            services.update_template(
                template,
                base_revision=form.revision.data,
                title=title,
                responsible_role=form.responsible_role.data,
                event=form.event.data,
                offset_days=form.offset_days.data,
                position=form.position.data,
                actor=current_user,
            )
        except DomainError as error:
            db.session.rollback()
            template = load_template(template_id)
            if "" in error.errors:  # changed by someone else: their version, with what this manager typed
                keep_typed_over_stale(form, error, template.revision)
                return render("mentoring/milestone_template_form.html", form=form, template=template), 409
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Milestone template saved: the milestones already given keep their dates."), "success")
            return redirect(url_for("mentoring.milestone_templates"), code=303)
    return render("mentoring/milestone_template_form.html", form=form, template=template), 422


@bp.post("/milestones/templates/<int:template_id>/active")
@role_required(Role.MANAGER)
def milestone_template_active(template_id: int):
    template = load_template(template_id)
    form = RevisionForm(prefix=f"t{template.id}")
    active = request.form.get("active") == "1"
    if not form.validate_on_submit():
        flash(_("This page was out of date. Here is the list as it is now."), "error")
        return redirect(url_for("mentoring.milestone_templates"), code=303)
    try:
        services.set_template_active(
            template, active=active, base_revision=form.revision.data, actor=current_user
        )
    except DomainError as error:
        db.session.rollback()
        for message in error.errors.values():
            flash(message, "error")
    else:
        db.session.commit()
        if active:
            flash(_("%(title)s is on again.", title=template.display_title), "success")
        else:
            flash(
                _(
                    "%(title)s is switched off: no new milestones from it; the ones already given stay.",
                    title=template.display_title,
                ),
                "success",
            )
    return redirect(url_for("mentoring.milestone_templates"), code=303)
