"""Flask-Login wiring: the session cookie carries "user id:session version"."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from workbench.auth.models import User
from workbench.extensions import db, login_manager


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def load_user(user_id: str) -> User | None:
    """Deactivation and password changes bump the version, so older sessions stop working at once."""
    try:
        raw_id, raw_version = user_id.split(":")
        ident, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = db.session.get(User, ident)
    if user is None or not user.active or user.session_version != version:
        return None
    return user
