"""Configuration: defaults here, then instance/config.py, then WORKBENCH_* environment variables.

`WORKBENCH_DATABASE_URL=postgresql://...` selects PostgreSQL; without it the database is a SQLite file in
instance/. Environment values are parsed as JSON when they can be (`WORKBENCH_PRODUCTION=true`).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
    #: The lender named on loan contracts (the microfinance partner, e.g. "PerMicro S.p.A."); without it the
    #: contract names the lender by its role only.
    LENDER_NAME: str | None = None
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
    #: A link sent by e-mail (asked for on the login page) lasts a day; one handed over by a manager, 3 days.
    PASSWORD_RESET_MAIL_VALID_FOR = timedelta(hours=24)
    #: Links sent by e-mail to one account per hour; past it the page answers the same and sends nothing.
    PASSWORD_RESET_MAILS_PER_HOUR = 3

    # --- e-mail (workbench/notifications; README "E-mail") ------------------------------------------------
    #: Where people reach the app, e.g. "https://workbench.example.org": every link in an e-mail starts with
    #: it (never with the Host of a request, which a visitor chooses). Production refuses to start without
    #: it; in development it is DEVELOPMENT_BASE_URL, what `make run` serves.
    BASE_URL: str | None = None
    #: Without a host the worker sends nothing: `flask send-mail` says so and messages wait in the outbox.
    SMTP_HOST: str | None = None
    SMTP_PORT = 587
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    #: "starttls" (port 587), "ssl" (implicit TLS, port 465) or "none" (a relay on the same machine).
    SMTP_SECURITY = "starttls"
    #: Seconds to wait for the SMTP server before an attempt counts as failed.
    SMTP_TIMEOUT = 30
    #: The sender, e.g. "Workbench <noreply@example.org>"; the worker refuses to send without it.
    MAIL_FROM: str | None = None
    #: Attempts before a message is marked failed (its last error is kept, managers see it).
    MAIL_MAX_ATTEMPTS = 5
    #: Seconds to wait after the 1st, 2nd, 3rd... failed attempt (the last value repeats).
    MAIL_RETRY_DELAYS = [60, 300, 1800, 7200]
    #: A message claimed longer ago than this (seconds) lost its worker while sending: it is sent again,
    #: with the same Message-ID (see workbench/notifications/worker.py).
    MAIL_SENDING_TIMEOUT = 900
    #: The hour (in BABEL_DEFAULT_TIMEZONE) from which each day's digests are sent.
    MAIL_DIGEST_HOUR = 18
    #: Messages one run of the worker sends at most.
    MAIL_BATCH_SIZE = 200

    # --- running it for real (workbench/ops; README "Running it for real") ------------------------------
    #: Where `flask backup` writes when given no path; instance/backups when unset.
    BACKUP_DIR: str | None = None
    #: Reverse proxies in front of the app that set X-Forwarded-For and X-Forwarded-Proto (1 behind nginx).
    #: 0 trusts no such header: a visitor could otherwise pick the address the login limits count.
    TRUSTED_PROXIES = 0


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config in order: defaults, instance/config.py, WORKBENCH_* variables, explicit overrides."""
    read_settings(app, overrides)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app)
    if app.config["PRODUCTION"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app)
    rate_limit_storage(app)
    mail_settings(app)


def read_settings(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """The settings as given, before anything is checked or filled in (`flask check-config` reads them so:
    it must list what is missing even where the app would refuse to start)."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(prefix="WORKBENCH")
    if overrides:
        app.config.update(overrides)


#: The address `make run` serves: links in e-mails written in development point there.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
SMTP_SECURITY_CHOICES = ("starttls", "ssl", "none")


def mail_settings(app: Flask) -> None:
    """Check the e-mail settings at start, so a wrong one is told at once rather than in a mail.

    BASE_URL is required in production (links in e-mails would otherwise point nowhere); in development it
    falls back to DEVELOPMENT_BASE_URL. Environment values read as JSON (a numeric password) become text."""
    config = app.config
    base = config.get("BASE_URL")
    if not base:
        if config["PRODUCTION"]:
            raise RuntimeError(
                "No base URL for the links in e-mails: set WORKBENCH_BASE_URL (e.g. "
                "https://workbench.example.org) or BASE_URL in instance/config.py before starting "
                "in production."
            )
        base = DEVELOPMENT_BASE_URL
    parts = urlsplit(str(base).strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise RuntimeError(
            f"BASE_URL must be the address of the app, like https://workbench.example.org, not {base!r}."
        )
    config["BASE_URL"] = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    security = str(config.get("SMTP_SECURITY") or "starttls").lower()
    if security not in SMTP_SECURITY_CHOICES:
        raise RuntimeError(
            f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY_CHOICES)}, not {security!r}."
        )
    config["SMTP_SECURITY"] = security
    for name in ("SMTP_HOST", "SMTP_USERNAME", "SMTP_PASSWORD", "MAIL_FROM"):
        if config.get(name) is not None:
            config[name] = str(config[name])


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
