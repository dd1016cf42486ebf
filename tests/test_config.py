"""Configuration order (defaults, instance/config.py, WORKBENCH_* variables) and the secret key."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import create_app


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKBENCH_INSTANCE_PATH", str(tmp_path))
    for name in (
        "WORKBENCH_DATABASE_URL",
        "WORKBENCH_SECRET_KEY",
        "WORKBENCH_PRODUCTION",
        "WORKBENCH_RATELIMIT_STORAGE_URI",
        "WORKBENCH_BASE_URL",
        "WORKBENCH_SMTP_PASSWORD",
        "WORKBENCH_SMTP_SECURITY",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_defaults_use_a_sqlite_file_in_instance_and_generate_a_secret_key(instance: Path) -> None:
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'workbench.sqlite3'}"
    key_file = instance / "secret_key"
    assert key_file.read_text().strip() == app.config["SECRET_KEY"]
    assert len(app.config["SECRET_KEY"]) >= 32
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]  # kept across restarts


def test_instance_config_overrides_defaults_and_environment_overrides_both(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (instance / "config.py").write_text('CURRENCY = "CHF"\nLOGIN_RATE_LIMIT = "5 per minute"\n')
    monkeypatch.setenv("WORKBENCH_LOGIN_RATE_LIMIT", "2 per minute")
    app = create_app()
    assert app.config["CURRENCY"] == "CHF"
    assert app.config["LOGIN_RATE_LIMIT"] == "2 per minute"


def test_environment_selects_postgresql_with_the_psycopg_driver(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", "postgresql://workbench@db.internal:5432/workbench")
    app = create_app()
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://workbench@db.internal:5432/workbench"
    )


def test_production_refuses_to_start_without_a_secret_key(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_PRODUCTION", "true")
    with pytest.raises(RuntimeError, match="secret key"):
        create_app()
    assert not (instance / "secret_key").exists()
    monkeypatch.setenv("WORKBENCH_SECRET_KEY", "a-secret-from-the-environment")
    # Production also needs the login limits in a store all app servers share (tests/security checks it).
    monkeypatch.setenv("WORKBENCH_RATELIMIT_STORAGE_URI", '"redis://127.0.0.1:6379/0"')
    # And the address links in e-mails start with.
    monkeypatch.setenv("WORKBENCH_BASE_URL", "https://workbench.example.org")
    assert create_app().config["SESSION_COOKIE_SECURE"] is True


def test_links_in_e_mails_need_the_apps_address_in_production(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert create_app().config["BASE_URL"] == "http://127.0.0.1:5000"  # development: what `make run` serves
    monkeypatch.setenv("WORKBENCH_PRODUCTION", "true")
    monkeypatch.setenv("WORKBENCH_SECRET_KEY", "a-secret-from-the-environment")
    monkeypatch.setenv("WORKBENCH_RATELIMIT_STORAGE_URI", '"redis://127.0.0.1:6379/0"')
    with pytest.raises(RuntimeError, match="WORKBENCH_BASE_URL"):
        create_app()
    monkeypatch.setenv("WORKBENCH_BASE_URL", "workbench.example.org")
    with pytest.raises(RuntimeError, match="BASE_URL must be the address of the app"):
        create_app()
    monkeypatch.setenv("WORKBENCH_BASE_URL", "https://workbench.example.org/relab/")
    assert create_app().config["BASE_URL"] == "https://workbench.example.org/relab"


def test_mail_settings_are_read_as_text_and_checked(instance: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_SMTP_PASSWORD", "123456")  # JSON would make it a number
    monkeypatch.setenv("WORKBENCH_SMTP_SECURITY", "SSL")
    config = create_app().config
    assert (config["SMTP_PASSWORD"], config["SMTP_SECURITY"]) == ("123456", "ssl")
    monkeypatch.setenv("WORKBENCH_SMTP_SECURITY", "tls-please")
    with pytest.raises(RuntimeError, match="SMTP_SECURITY must be one of starttls, ssl, none"):
        create_app()


def test_the_app_is_assembled_by_ordered_init_steps() -> None:
    from workbench import INIT_STEPS

    names = [step.__name__ for step in INIT_STEPS]
    assert names[0] == "init_config"
    assert names.index("init_database") < names.index("init_blueprints") < names.index("init_errors")
