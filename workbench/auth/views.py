"""Logging in and out, registering with an invite code, one-time reset links and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from workbench.auth import services
from workbench.auth.forms import LanguageForm, LoginForm, RegisterForm, ResetPasswordForm
from workbench.errors import DomainError
from workbench.extensions import db, limiter
from workbench.programme.services import register_trainee
from workbench.web.forms import apply_domain_error, country_choices
from workbench.web.i18n import SESSION_KEY
from workbench.web.navigation import home_url, safe_next
from workbench.web.templating import render

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(home_url(current_user))


@bp.get("/no-role")
@login_required
def no_role():
    return render("auth/no_role.html")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(_("The e-mail or the password is not right."))
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(form.next.data) or home_url(user))
    return render("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = RegisterForm(invite_code=request.args.get("code", ""), locale=session.get(SESSION_KEY) or "it")
    form.country.choices = country_choices()
    if form.validate_on_submit():
        try:
            user = register_trainee(
                invite_code=form.invite_code.data,
                full_name=form.full_name.data,
                email=form.email.data,
                password=form.password.data,
                locale=form.locale.data,
                country=form.country.data or None,
                phone=form.phone.data or None,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(
                _("Welcome, %(name)s. This is your path through the programme.", name=user.full_name),
                "success",
            )
            return redirect(home_url(user))
    return render("auth/register.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(token: str):
    reset = services.find_valid_reset(token)
    form = ResetPasswordForm()
    if reset is None:
        return render("auth/reset_expired.html"), 404
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            logout_user()
            login_user(user)
            flash(_("Your new password is set."), "success")
            return redirect(home_url(user))
    return render("auth/reset_password.html", form=form, person=reset.user)


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session[SESSION_KEY] = form.locale.data
    if current_user.is_authenticated:
        services.set_locale(current_user, form.locale.data)
        db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("auth.index"), code=303)
