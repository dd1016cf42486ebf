"""Logging in and out, registering with an invite code, one-time reset links and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from workbench.auth import services, throttle
from workbench.auth.forms import LanguageForm, LoginForm, RegisterForm, ResetPasswordForm
from workbench.auth.models import AccountNotice, NoticeKind, User
from workbench.errors import DomainError
from workbench.extensions import db, limiter
from workbench.programme.services import register_trainee
from workbench.web.forms import apply_domain_error, country_choices
from workbench.web.i18n import SESSION_KEY, answers_get
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
def login():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm(next=request.args.get("next"))
    limits = throttle.current()
    address = (request.remote_addr or "unknown")[:64]
    try:
        if request.method == "POST" and limits is not None:
            limits.check_address(address)
        if form.validate_on_submit():
            email, password = form.email.data, form.password.data
            if limits is not None:
                limits.check_account(email, address)
            user = services.authenticate(email, password)
            if user is None:
                if limits is not None:
                    limits.failed(email, address)
                form.form_errors.append(_("The e-mail or the password is not right."))
            else:
                if limits is not None:
                    limits.succeeded(email, address)
                _log_in(user, remember=bool(form.remember.data))
                return redirect(safe_next(form.next.data) or home_url(user))
    except throttle.LoginRefused as refused:
        form.form_errors.append(str(refused.message))
        return render("auth/login.html", form=form), 429
    return render("auth/login.html", form=form)


def _log_in(user: User, remember: bool) -> None:
    """Open a login session for this browser, then tell the person what happened to their account."""
    services.open_login_session(user, remember)
    notices = services.take_account_notices(user)
    db.session.commit()
    login_user(user, remember=remember)
    # This request chose its language before the person was known: the notice speaks theirs.
    with force_locale(user.locale or str(get_locale())):
        _flash_notices(notices)


def _flash_notices(notices: list[AccountNotice]) -> None:
    for notice in notices:
        if notice.kind == NoticeKind.REGISTRATION_ATTEMPT:
            flash(
                _(
                    "Someone tried to register a new account with your e-mail on %(date)s. If it was you, "
                    "you already have this account: log in with it, or ask your programme manager for a link "
                    "to set a new password. If it was not you, there is nothing to do.",
                    date=format_date(notice.created_at, "long"),
                ),
                "info",
            )


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.log_out(current_user)
        db.session.commit()
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
            register_trainee(
                invite_code=form.invite_code.data,
                full_name=form.full_name.data,
                email=form.email.data,
                password=form.password.data,
                locale=form.locale.data,
                country=form.country.data or None,
                phone=form.phone.data or None,
                gender=form.gender.data or None,
            )
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            # A new account and an e-mail that already has one end alike: the owner hears about it
            # at their next login, the visitor learns nothing.
            db.session.commit()
            flash(_("Your account is ready: log in with your e-mail and password."), "success")
            return redirect(url_for("auth.login"))
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
            _log_in(user, remember=False)
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
    target = safe_next(form.next.data)
    if target is None or not answers_get(target):  # never send the browser to GET a URL that only posts
        target = url_for("auth.index")
    return redirect(target, code=303)
