"""Login limits: per address and per account, counted in a store every process shares, failing closed.

The shared-store tests use Redis on 127.0.0.1:6379 (TEST_REDIS_URI: database 13, or 14 for the PostgreSQL
run, flushed before each of them).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from tests.support import PASSWORD, TEST_REDIS_URI, make_app, make_person
from workbench.auth.roles import Role
from workbench.extensions import db

REDIS_URI = TEST_REDIS_URI
#: Nothing listens on port 1: a store that cannot be reached.
UNREACHABLE_URI = "redis://127.0.0.1:1/0"
WRONG = "wrong guess"


@pytest.fixture
def shared_store() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URI)
    client.flushdb()
    yield REDIS_URI
    client.flushdb()
    client.close()


@pytest.fixture
def limited(app: Flask, database_url: str, tmp_path: Path) -> Iterator[object]:
    """Builds apps with the limits on; afterwards the shared limiter is switched off again for other tests."""

    def build(**overrides: object) -> Flask:
        config = {"RATELIMIT_ENABLED": True, **overrides}
        return make_app(database_url, tmp_path, **config)

    yield build
    make_app(database_url, tmp_path / "reset")  # flask-limiter's Limiter is shared: leave it disabled


def attempt(client: FlaskClient, address: str, email: str, password: str = WRONG) -> int:
    response = client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )
    db.session.expire_all()
    return response.status_code


def test_login_attempts_beyond_the_limit_get_429(limited) -> None:
    app = limited(LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        client = app.test_client()
        statuses = [
            client.post("/login", data={"email": "nobody@example.org", "password": "wrong"}).status_code
            for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        page = client.post("/login", data={"email": "nobody@example.org", "password": "wrong"})
        assert page.status_code == 429
        assert "<h1>" in page.get_data(as_text=True)  # a friendly page, not a bare error
        assert client.get("/login").status_code == 200  # reading the page is not limited
        db.session.remove()


OTHER_PROCESS = """
import sys
from tests.support import make_app
from workbench.extensions import db
app = make_app(sys.argv[1], sys.argv[2], RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=sys.argv[3],
               LOGIN_RATE_LIMIT="4 per minute")
with app.app_context():
    client = app.test_client()
    for _ in range(int(sys.argv[4])):
        response = client.post("/login", data={"email": "nobody@example.org", "password": "wrong guess"},
                               environ_base={"REMOTE_ADDR": "203.0.113.7"})
        print(response.status_code)
    db.session.remove()
"""


def attempts_in_another_process(database_url: str, tmp_path: Path, store: str, count: int) -> list[int]:
    """Login attempts made by a second Python process, as a second gunicorn worker would."""
    done = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, database_url, str(tmp_path / "other"), store, str(count)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [int(line) for line in done.stdout.split()]


def test_two_processes_sharing_the_store_allow_no_more_tries_than_the_limit(
    limited, shared_store: str, database_url: str, tmp_path: Path
) -> None:
    here = limited(LOGIN_RATE_LIMIT="4 per minute", RATELIMIT_STORAGE_URI=shared_store)
    with here.app_context():
        client = here.test_client()
        first = [attempt(client, "203.0.113.7", "nobody@example.org") for _ in range(2)]
        there = attempts_in_another_process(database_url, tmp_path, shared_store, 4)
        last = [attempt(client, "203.0.113.7", "nobody@example.org") for _ in range(2)]
        db.session.remove()
    assert first == [200, 200]
    assert there == [200, 200, 429, 429]
    assert last == [429, 429]


def test_without_a_shared_store_each_process_counts_alone(limited) -> None:
    """The contrast that shows what the shared store is for: memory:// lets each process allow the limit."""
    first = limited(LOGIN_RATE_LIMIT="4 per minute", RATELIMIT_STORAGE_URI="memory://")
    second = limited(LOGIN_RATE_LIMIT="4 per minute", RATELIMIT_STORAGE_URI="memory://")
    with first.app_context():
        clients = [first.test_client(), second.test_client()]
        statuses = [attempt(clients[i % 2], "203.0.113.8", "nobody@example.org") for i in range(10)]
        db.session.remove()
    assert statuses.count(200) == 8


ACCOUNT_LIMITS = {
    "LOGIN_RATE_LIMIT": "100 per minute",
    "ACCOUNT_LOGIN_LIMIT": "3 per hour",
    "ACCOUNT_LOGIN_HARD_LIMIT": "6 per hour",
}


def test_the_owner_logs_in_from_another_address_after_an_attacker_is_locked_out(
    limited, shared_store: str
) -> None:
    app = limited(RATELIMIT_STORAGE_URI=shared_store, **ACCOUNT_LIMITS)
    with app.app_context():
        owner = make_person("giulia@example.org", [Role.MANAGER])
        attacker = app.test_client()
        statuses = [attempt(attacker, "198.51.100.66", owner.email) for _ in range(5)]
        assert statuses == [200, 200, 200, 429, 429]
        # Even the right password is refused from there: it is not even checked.
        assert attempt(attacker, "198.51.100.66", owner.email, PASSWORD) == 429
        assert attacker.get("/programme").status_code == 302
        # The owner, from their own connection, gets in with the right password.
        owners_phone = app.test_client()
        response = owners_phone.post(
            "/login",
            data={"email": "Giulia@Example.org", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "192.0.2.10"},
        )
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/programme"
        db.session.remove()


def test_the_account_limit_stops_guesses_spread_over_many_addresses(limited, shared_store: str) -> None:
    app = limited(RATELIMIT_STORAGE_URI=shared_store, **ACCOUNT_LIMITS)
    with app.app_context():
        owner = make_person("giulia@example.org", [Role.MANAGER])
        home = app.test_client()
        assert attempt(home, "192.0.2.10", owner.email, PASSWORD) == 302  # the owner's usual connection
        botnet = app.test_client()
        checked = 0
        for n in range(40):  # forty addresses, two guesses each
            for _ in range(2):
                status = attempt(botnet, f"10.0.{n // 250}.{n % 250 + 1}", "GIULIA@example.org ")
                assert status in (200, 429)
                checked += status == 200
        assert checked == 6  # ACCOUNT_LOGIN_HARD_LIMIT, not 80
        # A fresh address, right password or not, is refused now...
        assert attempt(app.test_client(), "10.9.9.9", owner.email, PASSWORD) == 429
        # ...while the owner still logs in from where they logged in before.
        assert attempt(app.test_client(), "192.0.2.10", owner.email, PASSWORD) == 302
        db.session.remove()


def test_unknown_emails_are_limited_like_real_ones(limited, shared_store: str) -> None:
    app = limited(RATELIMIT_STORAGE_URI=shared_store, **ACCOUNT_LIMITS)
    with app.app_context():
        make_person("giulia@example.org", [Role.MANAGER])
        client = app.test_client()
        real = [attempt(client, "198.51.100.1", "giulia@example.org") for _ in range(4)]
        unknown = [attempt(client, "198.51.100.2", "nobody@example.org") for _ in range(4)]
        db.session.remove()
    assert real == unknown == [200, 200, 200, 429]


def test_production_refuses_to_start_without_a_shared_store(limited, shared_store: str) -> None:
    production = {"PRODUCTION": True, "SECRET_KEY": "production-secret", "BASE_URL": "https://workbench.test"}
    with pytest.raises(RuntimeError, match="shared store"):
        limited(RATELIMIT_STORAGE_URI="memory://", **production)
    with pytest.raises(RuntimeError, match="shared store"):
        limited(RATELIMIT_STORAGE_URI=shared_store, **{**production, "RATELIMIT_ENABLED": False})
    started = limited(RATELIMIT_STORAGE_URI=shared_store, **production)
    assert started.config["RATELIMIT_SWALLOW_ERRORS"] is False
    assert started.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is False


def test_an_unreachable_store_refuses_the_attempt_with_a_page_not_a_500(limited) -> None:
    app = limited(RATELIMIT_STORAGE_URI=UNREACHABLE_URI)
    with app.app_context():
        make_person("giulia@example.org", [Role.MANAGER])
        client = app.test_client()
        response = client.post(
            "/login",
            data={"email": "giulia@example.org", "password": PASSWORD},
            headers={"Accept-Language": "en"},
        )
        assert response.status_code == 503
        assert "We cannot check this request safely right now" in response.get_data(as_text=True)
        assert client.get("/programme").status_code == 302  # not logged in
        # The other limited forms (flask-limiter's own checks) refuse the same way.
        registered = client.post("/register", data={"invite_code": "X"}, headers={"Accept-Language": "en"})
        assert registered.status_code == 503
        db.session.remove()
