"""`flask check-config`: one line for each thing production lacks, exit status 1 when there is any."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from tests.support import TEST_REDIS_URI
from workbench import PROJECT_ROOT
from workbench.ops.checks import findings, settings_app

#: Settings that leave nothing to say (connections are not tried: connect=False).
READY = {
    "PRODUCTION": True,
    "SECRET_KEY": secrets.token_urlsafe(48),
    "DATABASE_URL": "postgresql://workbench@db.internal:5432/workbench",
    "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    "BASE_URL": "https://workbench.example.org",
    "SMTP_HOST": "smtp.example.org",
    "SMTP_USERNAME": "workbench",
    "SMTP_PASSWORD": "an smtp password",
    "MAIL_FROM": "Workbench <noreply@example.org>",
    "TRUSTED_PROXIES": 1,
}


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An instance folder of its own, and no WORKBENCH_* setting from the environment of the test run."""
    for name in list(os.environ):
        if name.startswith("WORKBENCH_") and name not in {"WORKBENCH_TEST_DATABASE_URL"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("WORKBENCH_INSTANCE_PATH", str(tmp_path))
    return tmp_path


def settings(instance: Path, **changes: object) -> Flask:
    return settings_app(instance, {**READY, "BACKUP_DIR": str(instance / "backups"), **changes})


def lines(app: Flask, connect: bool = False) -> list[str]:
    return [finding.line() for finding in findings(app, connect=connect)]


def test_ready_settings_leave_nothing_to_say(instance: Path) -> None:
    assert lines(settings(instance)) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"PRODUCTION": False}, ["WORKBENCH_PRODUCTION: not true"]),
        ({"DEBUG": True}, ["WORKBENCH_DEBUG: is on"]),
        ({"TESTING": True}, ["WORKBENCH_TESTING: is on"]),
        ({"WTF_CSRF_ENABLED": False}, ["WORKBENCH_WTF_CSRF_ENABLED: is false"]),
        ({"SECRET_KEY": None}, ["WORKBENCH_SECRET_KEY: not set: production refuses to start"]),
        ({"SECRET_KEY": "change-me"}, ["WORKBENCH_SECRET_KEY: is an example value"]),
        ({"SECRET_KEY": "short-but-varied-key"}, ["WORKBENCH_SECRET_KEY: is 20 characters"]),
        ({"SECRET_KEY": "ab" * 30}, ["WORKBENCH_SECRET_KEY: is 60 characters with 2 different ones"]),
        (
            {"DATABASE_URL": "sqlite:////srv/workbench.sqlite3"},
            ["WORKBENCH_DATABASE_URL: points at the SQLite file /srv/workbench.sqlite3", "database: /srv/"],
        ),
        (
            {"DATABASE_URL": None},
            ["WORKBENCH_DATABASE_URL: not set: the database is the SQLite file", "database: "],
        ),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, ["WORKBENCH_RATELIMIT_STORAGE_URI: memory://"]),
        ({"RATELIMIT_ENABLED": False}, ["WORKBENCH_RATELIMIT_ENABLED: is false"]),
        ({"BASE_URL": None}, ["WORKBENCH_BASE_URL: not set"]),
        (
            {"BASE_URL": "http://workbench.example.org"},
            ["WORKBENCH_BASE_URL: http://workbench.example.org is not https"],
        ),
        (
            {"BASE_URL": "workbench.example.org"},
            ["WORKBENCH_BASE_URL: 'workbench.example.org' is not an address"],
        ),
        ({"SMTP_HOST": None}, ["WORKBENCH_SMTP_HOST: not set: the mail worker sends nothing"]),
        ({"MAIL_FROM": None}, ["WORKBENCH_MAIL_FROM: not set: the mail worker refuses to send"]),
        ({"SMTP_SECURITY": "none"}, ["WORKBENCH_SMTP_SECURITY: none with the server smtp.example.org"]),
        ({"SMTP_SECURITY": "tls-please"}, ["WORKBENCH_SMTP_SECURITY: 'tls-please' is none of"]),
        ({"SMTP_PASSWORD": None}, ["WORKBENCH_SMTP_USERNAME: and WORKBENCH_SMTP_PASSWORD go together"]),
        ({"TRUSTED_PROXIES": 0}, ["WORKBENCH_TRUSTED_PROXIES: 0: behind nginx"]),
        ({"TRUSTED_PROXIES": "two"}, ["WORKBENCH_TRUSTED_PROXIES: TRUSTED_PROXIES must be a whole number"]),
    ],
)
def test_each_missing_or_unsafe_setting_is_one_line(
    instance: Path, changes: dict[str, object], expected: list[str]
) -> None:
    found = lines(settings(instance, **changes))
    assert len(found) == len(expected), found
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), (line, start)


def test_a_relay_on_the_same_machine_may_go_without_tls(instance: Path) -> None:
    assert lines(settings(instance, SMTP_HOST="127.0.0.1", SMTP_SECURITY="none")) == []


def test_a_backup_folder_that_cannot_be_made_is_named(instance: Path) -> None:
    blocker = instance / "a-file"
    blocker.write_text("")
    found = lines(settings(instance, BACKUP_DIR=str(blocker / "backups")))
    assert found == [f"WORKBENCH_BACKUP_DIR: {blocker / 'backups'} cannot be written by this user: "
                     "flask backup has nowhere to go."]  # fmt: skip
    assert lines(settings(instance, BACKUP_DIR=str(instance / "not" / "there" / "yet"))) == []


def test_missing_postgresql_client_programs_are_named(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(instance))
    [line] = lines(settings(instance))
    assert line.startswith("backups: pg_dump or pg_restore is not installed")


def test_an_instance_config_others_can_read_is_named(instance: Path) -> None:
    config = instance / "config.py"
    config.write_text('CURRENCY = "EUR"\n')
    config.chmod(0o644)
    assert lines(settings(instance)) == [
        f"instance/config.py: {config} can be read by other users of the machine: chmod 600 it (it may hold "
        "secrets)."
    ]
    config.chmod(0o600)
    assert lines(settings(instance)) == []


def test_the_database_and_the_limiter_store_are_asked(instance: Path, database_url: str, app: Flask) -> None:
    """The suite's database is at the latest migration (the app fixture upgraded it); Redis answers."""
    found = lines(settings(instance, DATABASE_URL=database_url, RATELIMIT_STORAGE_URI=TEST_REDIS_URI), True)
    if database_url.startswith("sqlite"):
        assert [line.split(":")[0] for line in found] == ["WORKBENCH_DATABASE_URL"]  # SQLite, nothing else
    else:
        assert found == []


def test_an_unreachable_database_or_store_is_named(instance: Path) -> None:
    found = lines(
        settings(
            instance,
            DATABASE_URL="postgresql://workbench:pw-not-shown@127.0.0.1:1/workbench",
            RATELIMIT_STORAGE_URI="redis://:pw-not-shown@127.0.0.1:1/0",
        ),
        connect=True,
    )
    assert [line.split(":")[0] for line in found] == [
        "WORKBENCH_DATABASE_URL",
        "WORKBENCH_RATELIMIT_STORAGE_URI",
    ]
    assert (
        "the database cannot be reached (postgresql+psycopg://workbench:***@127.0.0.1:1/workbench)"
        in found[0]
    )
    assert "redis://:***@127.0.0.1:1/0 does not answer" in found[1]
    assert "pw-not-shown" not in "\n".join(found)


def test_a_database_not_at_the_latest_migration_is_named(instance: Path) -> None:
    empty = instance / "empty.sqlite3"
    sqlite3.connect(empty).close()
    found = lines(settings(instance, DATABASE_URL=f"sqlite:///{empty}"), connect=True)
    assert found[1].startswith("database: is at no migration (an empty database), the code at ")
    assert found[1].endswith(": run flask db upgrade.")


def test_flask_check_config_prints_the_lines_and_fails(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_BASE_URL", "http://workbench.example.org")
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "workbench", "check-config", "--offline"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        check=False,
    )
    assert result.returncode == 1, result.stderr
    printed = result.stdout.splitlines()
    # What a development set-up (nothing configured but BASE_URL) lacks for production:
    assert [line.split(":")[0] for line in printed[:-1]] == [
        "WORKBENCH_PRODUCTION",
        "WORKBENCH_SECRET_KEY",
        "WORKBENCH_DATABASE_URL",
        "database",
        "WORKBENCH_RATELIMIT_STORAGE_URI",
        "WORKBENCH_BASE_URL",
        "WORKBENCH_SMTP_HOST",
        "WORKBENCH_MAIL_FROM",
        "WORKBENCH_TRUSTED_PROXIES",
    ]
    assert "WORKBENCH_BASE_URL: http://workbench.example.org is not https" in printed[5]
    assert printed[-1] == "9 thing(s) to fix before running in production."


def test_the_check_runs_where_production_refuses_to_start(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ready = {f"WORKBENCH_{name}": str(value) for name, value in READY.items()}
    ready["WORKBENCH_PRODUCTION"] = "true"
    ready["WORKBENCH_BACKUP_DIR"] = str(instance / "backups")
    command = [sys.executable, "-m", "workbench.ops.checks", "--offline"]
    env = {**os.environ, **ready, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, env=env, check=False)
    assert (result.returncode, result.stdout) == (0, "Nothing missing for production.\n"), result.stderr
    del env["WORKBENCH_SECRET_KEY"]
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 1
    assert result.stdout.startswith("WORKBENCH_SECRET_KEY: not set: production refuses to start")
