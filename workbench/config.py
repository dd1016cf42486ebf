"""Configuration: defaults here, then instance/config.py, then WORKBENCH_* environment variables.

`WORKBENCH_DATABASE_URL=postgresql://...` selects PostgreSQL; without it the database is a SQLite file in
instance/. Environment values are parsed as JSON when they can be (`WORKBENCH_PRODUCTION=true`).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

LANGUAGES = {"it": "Italiano", "en": "English", "fr": "Français", "ar": "العربية"}
RTL_LANGUAGES = frozenset({"ar"})


class Defaults:
    PRODUCTION = False
    DATABASE_URL: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    LANGUAGES = LANGUAGES
    BABEL_DEFAULT_LOCALE = "it"
    BABEL_DEFAULT_TIMEZONE = "Europe/Rome"
    BABEL_TRANSLATION_DIRECTORIES = "../translations"
    CURRENCY = "EUR"
    #: The largest microcredit the programme lends to one business; plans asking more get a warning.
    PROGRAMME_LOAN_LIMIT = "25000"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    #: "Keep me logged in" lasts 30 days at most; the server ends the login then, whatever the cookie says.
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a trainee may keep a form open through a class
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    #: Production needs a store every worker shares, e.g. "redis://127.0.0.1:6379/0" (memory:// is refused).
    RATELIMIT_STORAGE_URI = "memory://"
    #: Store errors surface as StorageError, which refuses the request with a 503 page (never fails open).
    RATELIMIT_STORAGE_OPTIONS: dict[str, Any] = {"wrap_exceptions": True}
    RATELIMIT_HEADERS_ENABLED = True
    #: Login attempts per address.
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    #: Failed logins per account (by e-mail) before addresses that failed on it are locked out of it.
    ACCOUNT_LOGIN_LIMIT = "10 per 15 minutes"
    #: Failed logins per account, from any address, before only addresses it logged in from may try.
    ACCOUNT_LOGIN_HARD_LIMIT = "30 per hour"
    PASSWORD_RESET_VALID_FOR = timedelta(days=3)
    PASSWORD_MIN_LENGTH = 10


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config in order: defaults, instance/config.py, WORKBENCH_* variables, explicit overrides."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(prefix="WORKBENCH")
    if overrides:
        app.config.update(overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app)
    if app.config["PRODUCTION"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app)
    rate_limit_storage(app)


def rate_limit_storage(app: Flask) -> None:
    """Limits must be counted in one store for all workers in production, and must not fail open."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    options = dict(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    options.setdefault("wrap_exceptions", True)
    if uri.startswith(("redis://", "rediss://")):
        # A store that does not answer must not hold a worker for long: the request is refused instead.
        options.setdefault("socket_connect_timeout", 2)
        options.setdefault("socket_timeout", 2)
    app.config["RATELIMIT_STORAGE_OPTIONS"] = options
    if app.config["PRODUCTION"]:
        if not app.config.get("RATELIMIT_ENABLED", True) or uri.startswith("memory://"):
            raise RuntimeError(
                "No shared store for the login limits: set WORKBENCH_RATELIMIT_STORAGE_URI (e.g. "
                "redis://127.0.0.1:6379/0) or RATELIMIT_STORAGE_URI in instance/config.py before starting "
                "in production."
            )
        app.config["RATELIMIT_SWALLOW_ERRORS"] = False
        app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = False


def database_uri(app: Flask) -> str:
    url = app.config.get("DATABASE_URL") or app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        return "sqlite:///" + str(Path(app.instance_path) / "workbench.sqlite3")
    # psycopg 3 is the driver we install; accept the plain scheme people copy from their hosting panel.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(app: Flask) -> str:
    """Read the secret key kept in instance/, creating it on first run. Production must configure one."""
    if app.config["PRODUCTION"]:
        raise RuntimeError(
            "No secret key: set WORKBENCH_SECRET_KEY or SECRET_KEY in instance/config.py before starting "
            "in production."
        )
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
