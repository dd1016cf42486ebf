"""Behind nginx (TRUSTED_PROXIES=1) the visitor's address and scheme come from X-Forwarded-For and
X-Forwarded-Proto, so the login limits count each visitor on their own; without the setting those headers,
which anyone can send, are ignored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, request

from tests.support import make_app
from workbench.extensions import db

NGINX = "127.0.0.1"


@pytest.fixture
def build(app: Flask, database_url: str, tmp_path: Path) -> Iterator[object]:
    def build(**overrides: object) -> Flask:
        built = make_app(database_url, tmp_path, **overrides)
        built.add_url_rule("/_seen", "seen", lambda: f"{request.remote_addr} {request.scheme}")
        return built

    yield build
    make_app(database_url, tmp_path / "reset")  # flask-limiter's Limiter is shared: leave it disabled


def seen(app: Flask, forwarded_for: str, proto: str = "https") -> str:
    client = app.test_client()
    response = client.get(
        "/_seen",
        environ_base={"REMOTE_ADDR": NGINX},
        headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": proto},
    )
    return response.get_data(as_text=True)


def login_attempts(app: Flask, addresses: list[str]) -> list[int]:
    with app.app_context():
        client = app.test_client()
        statuses = [
            client.post(
                "/login",
                data={"email": "nobody@example.org", "password": "wrong guess"},
                environ_base={"REMOTE_ADDR": NGINX},
                headers={"X-Forwarded-For": address},
            ).status_code
            for address in addresses
        ]
        db.session.remove()
    return statuses


def test_one_trusted_proxy_gives_the_visitors_address_and_scheme(build) -> None:
    app = build(TRUSTED_PROXIES=1)
    assert seen(app, "203.0.113.5") == "203.0.113.5 https"
    # nginx appends what it saw to what the visitor sent: only the last address is believed.
    assert seen(app, "198.51.100.1, 203.0.113.5", "http") == "203.0.113.5 http"


def test_without_trusted_proxies_the_headers_are_ignored(build) -> None:
    app = build()
    assert app.config["TRUSTED_PROXIES"] == 0
    assert seen(app, "203.0.113.5") == f"{NGINX} http"


def test_behind_nginx_the_login_limits_count_each_visitor(build) -> None:
    limits = {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2 per minute"}
    visitors = ["203.0.113.5", "203.0.113.5", "203.0.113.5", "198.51.100.7", "198.51.100.7"]
    assert login_attempts(build(TRUSTED_PROXIES=1, **limits), visitors) == [200, 200, 429, 200, 200]
    # Not trusting the proxy: everyone has nginx's address and the second visitor is locked out too.
    assert login_attempts(build(**limits), visitors) == [200, 200, 429, 429, 429]


@pytest.mark.parametrize("value", [-1, 6, "two", True, 1.5])
def test_a_wrong_count_of_proxies_stops_the_start(
    app: Flask, database_url: str, tmp_path: Path, value
) -> None:
    with pytest.raises(RuntimeError, match="TRUSTED_PROXIES must be a whole number of proxies"):
        make_app(database_url, tmp_path, TRUSTED_PROXIES=value)
