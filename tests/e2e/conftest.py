"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright, against the app served on a
free loopback port. No browser is downloaded; without Chromium these tests skip and say why."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.e2e.audit import audit_urls

CHROMIUM = Path(os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def phone(browser, live_server: str):
    """A page on a 360 px wide phone screen; console errors (CSP violations included) are collected.

    Every page it visits is checked with axe-core afterwards, in Italian and in Arabic (tests/e2e/audit.py):
    a serious or critical violation fails the test, listed with its rule, page and selectors."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, base_url=live_server, locale="en-GB"
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    visited: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: (
            frame is page.main_frame and frame.url.startswith(live_server) and visited.append(frame.url)
        ),
    )
    yield page
    state = context.storage_state()
    context.close()
    paths = list(dict.fromkeys(path_of(url) for url in visited))
    violations = audit_urls(browser, live_server, state, paths)
    assert not violations, "axe found serious or critical violations:\n" + "\n".join(map(str, violations))
