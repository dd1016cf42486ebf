"""Login attempts are rate-limited per address, so passwords cannot be guessed at speed."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tests.support import make_app
from workbench.extensions import db


def test_login_attempts_beyond_the_limit_get_429(app: Flask, database_url: str, tmp_path: Path) -> None:
    limited = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    with limited.app_context():
        client = limited.test_client()
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
