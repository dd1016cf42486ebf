"""What production needs and does not have: `flask check-config`, or `python -m workbench.ops.checks` where
the app refuses to start (both read the settings as a start would: defaults, instance/config.py, then the
WORKBENCH_* variables).

One finding per line, each naming the setting and what to do; the exit status is 1 when there is any. The
app itself refuses to start in production without a secret key, a shared limiter store or BASE_URL
(workbench/config.py); this check also names what it would start without but should not: SQLite, no SMTP
server for the mail worker, a BASE_URL without https, no trusted proxy behind nginx, a backup folder it cannot
write, a database not at the latest migration.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from workbench.config import SMTP_SECURITY_CHOICES, database_uri, read_settings

#: Secret keys shorter than this are refused by the check (secrets.token_urlsafe(48) gives 64 characters).
SECRET_KEY_MIN_LENGTH = 32
#: Values copied from examples and tests, never secret.
KNOWN_SECRET_KEYS = frozenset(
    {"changeme", "change-me", "change_me", "secret", "secret-key", "dev", "development", "test-secret"}
)
#: Hosts where an SMTP relay without TLS does not cross a network.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
#: Seconds to wait for the database or the limiter's store to answer.
CONNECT_TIMEOUT = 5
KEY_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


@dataclass(frozen=True)
class Finding:
    """A setting production needs and does not have, or has unsafe."""

    setting: str
    problem: str

    def line(self) -> str:
        return f"{self.setting}: {self.problem}"


Check = Callable[[Flask, bool], Iterator[Finding]]
CHECKS: list[Check] = []


def check(function: Check) -> Check:
    CHECKS.append(function)
    return function


def settings_app(instance_path: str | os.PathLike[str], overrides: dict | None = None) -> Flask:
    """A bare Flask object holding the settings as given (nothing checked or filled in): what is checked."""
    app = Flask("workbench", instance_path=str(instance_path), instance_relative_config=True)
    read_settings(app, overrides)
    return app


def findings(app: Flask, *, connect: bool = True) -> list[Finding]:
    """Everything production lacks; `connect` also asks the database and the limiter's store."""
    return [finding for run in CHECKS for finding in run(app, connect)]


def backup_folder(app: Flask) -> Path:
    """BACKUP_DIR, or instance/backups."""
    configured = app.config.get("BACKUP_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "backups"


def print_findings(app: Flask, *, connect: bool = True) -> list[Finding]:
    found = findings(app, connect=connect)
    for finding in found:
        click.echo(finding.line())
    if found:
        click.echo(f"{len(found)} thing(s) to fix before running in production.")
    else:
        click.echo("Nothing missing for production.")
    return found


@check
def _production(app: Flask, _connect: bool) -> Iterator[Finding]:
    if app.config.get("PRODUCTION") is not True:
        yield Finding(
            "WORKBENCH_PRODUCTION",
            "not true: cookies go without Secure, no HSTS, and a missing secret key, limiter store or "
            "BASE_URL does not stop the app from starting. Set WORKBENCH_PRODUCTION=true.",
        )
    for name in ("DEBUG", "TESTING"):
        if app.config.get(name):
            yield Finding(f"WORKBENCH_{name}", "is on: never in production; remove it.")
    if app.config.get("WTF_CSRF_ENABLED") is False:
        yield Finding("WORKBENCH_WTF_CSRF_ENABLED", "is false: forms lose their CSRF protection; remove it.")


@check
def _secret_key(app: Flask, _connect: bool) -> Iterator[Finding]:
    key = app.config.get("SECRET_KEY")
    if not key:
        yield Finding(
            "WORKBENCH_SECRET_KEY",
            f"not set: production refuses to start without it. Make one with {KEY_HINT}.",
        )
        return
    key = str(key)
    if key.strip().lower() in KNOWN_SECRET_KEYS:
        yield Finding("WORKBENCH_SECRET_KEY", f"is an example value, not a secret. Make one with {KEY_HINT}.")
    elif len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < 10:
        yield Finding(
            "WORKBENCH_SECRET_KEY",
            f"is {len(key)} characters with {len(set(key))} different ones: too easy to guess (sessions are "
            f"signed with it). Use at least {SECRET_KEY_MIN_LENGTH} random characters: {KEY_HINT}.",
        )


@check
def _database(app: Flask, connect: bool) -> Iterator[Finding]:
    uri = database_uri(app)
    url = make_url(uri)
    if url.get_backend_name() == "sqlite":
        where = "not set: the database is" if not app.config.get("DATABASE_URL") else "points at"
        yield Finding(
            "WORKBENCH_DATABASE_URL",
            f"{where} the SQLite file {url.database}. Production runs on PostgreSQL "
            f"(postgresql://user@host/database): several workers write at once.",
        )
        if url.database and not Path(url.database).is_file():
            yield Finding("database", f"{url.database} does not exist yet: run flask db upgrade.")
            return
    elif not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        yield Finding(
            "backups",
            "pg_dump or pg_restore is not installed: flask backup cannot copy PostgreSQL. Install the "
            "PostgreSQL client programs (Debian: postgresql-client) of the server's version or newer.",
        )
    if connect:
        yield from _migrations(uri)


def _migrations(uri: str) -> Iterator[Finding]:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from workbench import PROJECT_ROOT

    options = {"connect_timeout": CONNECT_TIMEOUT} if uri.startswith("postgresql") else {}
    engine = create_engine(uri, poolclass=NullPool, connect_args=options)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as error:  # any driver's error: the point is to say it, not to crash
        first = str(getattr(error, "orig", error)).strip().splitlines()[0:1]
        yield Finding(
            "WORKBENCH_DATABASE_URL",
            f"the database cannot be reached ({make_url(uri).render_as_string(hide_password=True)}): "
            f"{first[0] if first else type(error).__name__}",
        )
        return
    finally:
        engine.dispose()
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    heads = set(ScriptDirectory.from_config(config).get_heads())
    if current != heads:
        at = ", ".join(sorted(current)) or "no migration (an empty database)"
        yield Finding(
            "database",
            f"is at {at}, the code at {', '.join(sorted(heads))}: run flask db upgrade.",
        )


@check
def _limiter(app: Flask, connect: bool) -> Iterator[Finding]:
    if app.config.get("RATELIMIT_ENABLED", True) is False:
        yield Finding(
            "WORKBENCH_RATELIMIT_ENABLED",
            "is false: nothing limits password guessing. Remove it and set a shared store.",
        )
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if uri.startswith("memory://"):
        yield Finding(
            "WORKBENCH_RATELIMIT_STORAGE_URI",
            "memory://: each worker counts login attempts on its own, and production refuses to start. "
            "Use a store they share, e.g. redis://127.0.0.1:6379/0.",
        )
        return
    if connect:
        from limits.storage import storage_from_string

        try:
            answered = storage_from_string(
                uri, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT
            ).check()
        except Exception as error:  # an unknown scheme, a missing driver, a refused connection
            answered, reason = False, str(error).splitlines()[0] if str(error) else type(error).__name__
        else:
            reason = "no answer"
        if not answered:
            yield Finding(
                "WORKBENCH_RATELIMIT_STORAGE_URI",
                f"{_without_password(uri)} does not answer ({reason}): every login would be refused (503).",
            )


def _without_password(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.password:
        return uri.replace(f":{parts.password}@", ":***@", 1)
    return uri


@check
def _base_url(app: Flask, _connect: bool) -> Iterator[Finding]:
    base = app.config.get("BASE_URL")
    if not base:
        yield Finding(
            "WORKBENCH_BASE_URL",
            "not set: links in e-mails would point nowhere, and production refuses to start. Set the "
            "address people use, e.g. https://workbench.example.org.",
        )
        return
    parts = urlsplit(str(base).strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        yield Finding("WORKBENCH_BASE_URL", f"{base!r} is not an address like https://workbench.example.org.")
    elif parts.scheme != "https":
        yield Finding(
            "WORKBENCH_BASE_URL",
            f"{base} is not https: logins and cookies would cross the network in clear. Serve the app "
            f"over TLS (the README's nginx) and use https://.",
        )


@check
def _mail(app: Flask, _connect: bool) -> Iterator[Finding]:
    config = app.config
    host = config.get("SMTP_HOST")
    if not host:
        yield Finding(
            "WORKBENCH_SMTP_HOST",
            "not set: the mail worker sends nothing (password links, plans to review wait in the outbox).",
        )
    if not config.get("MAIL_FROM"):
        yield Finding(
            "WORKBENCH_MAIL_FROM",
            'not set: the mail worker refuses to send. Set the sender, e.g. "Workbench <noreply@example.org>"'
            ".",
        )
    security = str(config.get("SMTP_SECURITY") or "starttls").lower()
    if security not in SMTP_SECURITY_CHOICES:
        yield Finding(
            "WORKBENCH_SMTP_SECURITY",
            f"{security!r} is none of {', '.join(SMTP_SECURITY_CHOICES)}: the app refuses to start.",
        )
    elif security == "none" and host and str(host).lower() not in LOCAL_HOSTS:
        yield Finding(
            "WORKBENCH_SMTP_SECURITY",
            f"none with the server {host}: mail (and the SMTP password) crosses the network in clear. "
            f"Use starttls or ssl.",
        )
    if bool(config.get("SMTP_USERNAME")) != bool(config.get("SMTP_PASSWORD")):
        yield Finding(
            "WORKBENCH_SMTP_USERNAME",
            "and WORKBENCH_SMTP_PASSWORD go together: one is set without the other.",
        )


@check
def _backups(app: Flask, _connect: bool) -> Iterator[Finding]:
    folder = backup_folder(app)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        yield Finding(
            "WORKBENCH_BACKUP_DIR",
            f"{folder} cannot be written by this user: flask backup has nowhere to go.",
        )


@check
def _proxy(app: Flask, _connect: bool) -> Iterator[Finding]:
    from workbench.web.proxy import trusted_proxies

    try:
        count = trusted_proxies(app.config.get("TRUSTED_PROXIES", 0))
    except RuntimeError as error:
        yield Finding("WORKBENCH_TRUSTED_PROXIES", str(error))
        return
    if count == 0:
        yield Finding(
            "WORKBENCH_TRUSTED_PROXIES",
            "0: behind nginx every visitor has nginx's address, so the login limits lock everyone out "
            "together. Set 1 with the README's nginx (0 only when visitors reach gunicorn directly).",
        )


@check
def _instance_files(app: Flask, _connect: bool) -> Iterator[Finding]:
    path = Path(app.instance_path) / "config.py"
    if path.is_file() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        yield Finding(
            "instance/config.py",
            f"{path} can be read by other users of the machine: chmod 600 it (it may hold secrets).",
        )


def main() -> int:
    from workbench import PROJECT_ROOT

    instance = os.environ.get("WORKBENCH_INSTANCE_PATH", str(PROJECT_ROOT / "instance"))
    offline = "--offline" in sys.argv[1:]
    return 1 if print_findings(settings_app(instance), connect=not offline) else 0


if __name__ == "__main__":
    raise SystemExit(main())
