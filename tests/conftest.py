"""Shared fixtures: one app per test session, a clean database per test, one fixture per role, and one
``signed_in`` client (the trainee, or whoever ``@pytest.mark.signed_in("mentor")`` names).

The suite runs on SQLite by default and on PostgreSQL when WORKBENCH_TEST_DATABASE_URL is set, e.g.
WORKBENCH_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test
The schema is built by the Alembic migrations, so every run also proves the migrations work on that engine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from flask_migrate import upgrade
from sqlalchemy import Connection, create_engine, text

from tests.support import login_as, make_app, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.programme.models import Cohort, Enrolment
from workbench.programme.services import create_cohort, enrol


def test_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("WORKBENCH_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def reset_schema(url: str) -> None:
    """Start the session from an empty database so the migrations build everything."""
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = test_database_url(tmp_path_factory)
    reset_schema(url)
    return url


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def app(database_url: str, instance_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, instance_path)
    with app.app_context():
        upgrade()
        db.session.remove()
    return app


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with empty tables (tests in tests/finance never touch the app)."""
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn, append_only_triggers_suspended(conn):
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@contextmanager
def append_only_triggers_suspended(conn: Connection) -> Iterator[None]:
    """The database refuses to delete audit events and review decisions (triggers made by the migrations);
    emptying the tables between tests is the one exception, scoped to this transaction of this connection.

    PostgreSQL: `session_replication_role = replica` (a superuser's setting, reset at commit) skips ordinary
    triggers. SQLite has no such switch: the triggers are dropped and made again from their own SQL, inside
    the same transaction, so no other connection ever sees the table without them."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        yield
        return
    triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    for name, _sql in triggers:
        conn.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _name, sql in triggers:
        conn.execute(text(sql))


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app: Flask, app_context: None) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def cohort(app_context: None) -> Cohort:
    made = create_cohort(name="Re-Lab Venezia 2026", city="Venezia", starts_on=None, ends_on=None, actor=None)
    db.session.commit()
    return made


@pytest.fixture
def trainee(cohort: Cohort) -> User:
    user = make_person("fatou.ndiaye@example.org", [Role.TRAINEE], "Fatou Ndiaye", locale="fr")
    enrol(user, cohort, actor=None)
    db.session.commit()
    return user


@pytest.fixture
def enrolment(trainee: User) -> Enrolment:
    return db.session.scalars(db.select(Enrolment).where(Enrolment.user_id == trainee.id)).one()


@pytest.fixture
def mentor(app_context: None) -> User:
    return make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi", locale="it")


@pytest.fixture
def officer(app_context: None) -> User:
    return make_person("luca.ferraro@example.org", [Role.OFFICER], "Luca Ferraro", locale="it")


@pytest.fixture
def manager(app_context: None) -> User:
    return make_person("giulia.rossi@example.org", [Role.MANAGER], "Giulia Rossi", locale="en")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "signed_in(person): whom the signed_in fixture logs in, by fixture name (default: trainee)",
    )


@pytest.fixture
def signed_in(request: pytest.FixtureRequest, client: FlaskClient) -> FlaskClient:
    """The client, logged in as the trainee; ``@pytest.mark.signed_in("manager")`` (any fixture that gives a
    User) or ``parametrize("signed_in", [...], indirect=True)`` names someone else. To change person within
    a test, call tests.support.login_as."""
    marker = request.node.get_closest_marker("signed_in")
    person = getattr(request, "param", None) or (marker.args[0] if marker else "trainee")
    login_as(client, request.getfixturevalue(person))
    return client


@pytest.fixture
def english_readers(request: pytest.FixtureRequest, app_context: None) -> Iterator[None]:
    """The test reads the app's words in English: the role fixtures it uses read English pages, and messages
    made outside a request are English. For tests written against the English wording of a message."""
    for name in ("trainee", "mentor", "officer", "manager"):
        if name in request.fixturenames:
            request.getfixturevalue(name).locale = "en"
    db.session.commit()
    with force_locale("en"):
        yield
