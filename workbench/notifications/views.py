"""E-mail pages: "Forgot your password?", each person's e-mail choice, the outbox's problems for managers."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from workbench.auth.roles import Role
from workbench.config import LANGUAGES
from workbench.errors import DomainError
from workbench.extensions import db, limiter
from workbench.notifications import outbox, passwords
from workbench.notifications.forms import (
    FREQUENCY_HELP,
    FREQUENCY_LABELS,
    ForgotPasswordForm,
    MailPreferenceForm,
)
from workbench.notifications.models import Frequency, OutboxMessage, Status
from workbench.notifications.permissions import can_see_outbox
from workbench.notifications.rendering import locale_for
from workbench.web.decorators import role_required
from workbench.web.forms import apply_domain_error
from workbench.web.guards import query_int
from workbench.web.navigation import home_url
from workbench.web.templating import render

bp = Blueprint("notifications", __name__)

PROBLEMS_PER_PAGE = 50


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    """Ask for a password link by e-mail. The answer is the same whether an account uses the address."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        passwords.request_password_reset(form.email.data)
        db.session.commit()
        hours = passwords.link_hours()
        flash(
            ngettext(
                "If an account uses %(email)s, a link to set a new password is on its way to it. It works "
                "once, for %(num)d hour. Nothing in your inbox after a few minutes? Look in the spam "
                "folder, or ask your programme manager.",
                "If an account uses %(email)s, a link to set a new password is on its way to it. It works "
                "once, for %(num)d hours. Nothing in your inbox after a few minutes? Look in the spam "
                "folder, or ask your programme manager.",
                hours,
                email=form.email.data.strip(),
            ),
            "info",
        )
        return redirect(url_for("auth.login"), code=303)
    return render("notifications/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/settings/e-mail", methods=["GET", "POST"])
@login_required
def settings():
    """How often the person hears from the programme by e-mail."""
    form = (
        MailPreferenceForm(frequency=outbox.frequency_of(current_user).value)
        if request.method == "GET"
        else MailPreferenceForm()  # a post without a choice is refused, never read as the stored one
    )
    if form.validate_on_submit():
        try:
            changed = outbox.set_frequency(current_user, form.frequency.data, current_user)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed: this was already your choice."), "success")
            return redirect(url_for("notifications.settings"), code=303)
    return render(
        "notifications/settings.html",
        form=form,
        frequencies=list(Frequency),
        labels=FREQUENCY_LABELS,
        help=FREQUENCY_HELP,
        language=LANGUAGES[locale_for(current_user)],
    ), 422 if form.errors else 200


@bp.get("/programme/outbox")
@role_required(Role.MANAGER)
def outbox_problems():
    """What the mail worker could not send, and why; and how many messages stand where."""
    if not can_see_outbox(current_user):
        abort(403)
    page = db.paginate(
        outbox.problems_query().options(selectinload(OutboxMessage.recipient)),
        page=query_int("page", 1),
        per_page=PROBLEMS_PER_PAGE,
        max_per_page=PROBLEMS_PER_PAGE,
        error_out=False,
    )
    return render(
        "notifications/outbox.html",
        page=page,
        counts=outbox.status_counts(),
        statuses=Status,
        smtp_configured=bool(current_app.config.get("SMTP_HOST")),
    )
