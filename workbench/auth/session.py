"""Flask-Login wiring: the session and the remember cookie carry the token of a login session.

The token is looked up on every request, so logging out, a new password or deactivation (which end the
login sessions on the server) end the cookies too, copied ones included.
"""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login.utils import decode_cookie

from workbench.auth import throttle
from workbench.auth.models import User
from workbench.auth.services import user_for_login_token
from workbench.extensions import login_manager


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    throttle.init_app(app)


def load_user(token: str) -> User | None:
    """The person of a live login session; a dead token is dropped from the cookies."""
    user = user_for_login_token(token) if isinstance(token, str) else None
    if user is None:
        session.pop("_user_id", None)
        remembered = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
        if remembered and decode_cookie(remembered) == token:
            session["_remember"] = "clear"
    return user
