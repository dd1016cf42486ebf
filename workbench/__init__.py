"""Workbench: business plans, mentoring and microcredit for entrepreneurship programmes.

create_app() builds the application as an ordered list of init steps; each step does one thing, so the order
in which the app comes together can be read top to bottom.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("WORKBENCH_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    for step in INIT_STEPS:
        step(app, config)
    return app


def init_config(app: Flask, config: dict[str, Any] | None) -> None:
    from workbench.config import load_config

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    load_config(app, config)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")


def init_proxy(app: Flask, _config: Any) -> None:
    from workbench.web.proxy import init_proxy as init

    init(app)


def init_database(app: Flask, _config: Any) -> None:
    # Import every domain's models so that metadata (and Alembic autogenerate) sees all tables.
    from workbench import models  # noqa: F401
    from workbench.extensions import db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)


def init_guards(app: Flask, _config: Any) -> None:
    # Before the blueprints (their <int:...> rules take the bounded converter) and before any other
    # before_request (a NUL byte is refused before anything reads the request).
    from workbench.web.guards import init_guards as init

    init(app)


def init_security(app: Flask, _config: Any) -> None:
    from workbench.extensions import csrf, limiter
    from workbench.web.security import init_security_headers

    csrf.init_app(app)
    limiter.init_app(app)
    init_security_headers(app)


def init_auth(app: Flask, _config: Any) -> None:
    from workbench.auth.session import init_login

    init_login(app)


def init_i18n(app: Flask, _config: Any) -> None:
    from workbench.web.i18n import init_i18n as init

    init(app)


def init_templates(app: Flask, _config: Any) -> None:
    from workbench.web.templating import init_templating

    init_templating(app)


def init_blueprints(app: Flask, _config: Any) -> None:
    from workbench.auth.views import bp as auth_bp
    from workbench.lending.views import bp as lending_bp
    from workbench.mentoring.views import bp as mentoring_bp
    from workbench.notifications.views import bp as notifications_bp
    from workbench.outcomes.views import bp as outcomes_bp
    from workbench.plans.views import bp as plans_bp
    from workbench.privacy.views import bp as privacy_bp
    from workbench.programme.views import bp as programme_bp

    for bp in (
        auth_bp,
        notifications_bp,
        programme_bp,
        plans_bp,
        mentoring_bp,
        lending_bp,
        outcomes_bp,
        privacy_bp,
    ):
        app.register_blueprint(bp)
    # Mentoring hears the journey events the lower domains announce (workbench.events).
    from workbench.mentoring import connect_receivers

    connect_receivers()


def init_errors(app: Flask, _config: Any) -> None:
    from workbench.web.errors import init_error_pages

    init_error_pages(app)


def init_cli(app: Flask, _config: Any) -> None:
    from workbench.cli import register_commands

    register_commands(app)


INIT_STEPS: list[Callable[[Flask, dict[str, Any] | None], None]] = [
    init_config,
    init_proxy,
    init_database,
    init_guards,
    init_security,
    init_auth,
    init_i18n,
    init_templates,
    init_blueprints,
    init_errors,
    init_cli,
]
