"""Every page each role reaches passes axe-core in Italian and Arabic, and is light and local at first load.

The pages are not listed here: they come from the fuzz suite's crawler (every GET rule of app.url_map filled
with real objects, then the links the pages show), one page per shape (a section of a plan, not every plan).
First load means a new browser context, so nothing is cached: under 200 KB transferred, under 15 requests,
and not one request to anything but the local server (no CDN, no font service, no analytics).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.e2e.audit import audit_urls, axe_violations, first_load_weight
from tests.security import fuzzing as fz
from tests.support import PASSWORD
from workbench.auth.models import User
from workbench.extensions import db

pytestmark = pytest.mark.e2e


def pages_of(app: Flask, client: FlaskClient, role: str) -> tuple[fz.World, list[str]]:
    world = fz.build_world()
    crawled = fz.crawl(app, client, world, role, max_per_endpoint=1)
    world.restore(client, role)
    return world, crawled.pages


def signed_in_state(browser, live_server: str, world: fz.World, role: str):
    """The cookies of a person who logged in through the form (anonymous: none)."""
    context = browser.new_context(base_url=live_server)
    if role != "anonymous":
        page = context.new_page()
        page.goto("/login")
        page.fill("input[name=email]", db.session.get(User, world.people[role]).email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit].button-primary")
        page.wait_for_url(lambda url: "/login" not in url)
    state = context.storage_state()
    context.close()
    return state


@pytest.mark.parametrize("role", fz.ROLES)
def test_every_page_passes_axe(browser, live_server: str, app: Flask, client: FlaskClient, role: str) -> None:
    world, pages = pages_of(app, client, role)
    assert pages, f"{role} reaches no page"
    state = signed_in_state(browser, live_server, world, role)
    violations = audit_urls(browser, live_server, state, pages)
    assert not violations, f"{len(violations)} serious or critical axe violations:\n" + "\n".join(
        map(str, violations)
    )


def test_the_audit_sees_a_violation(browser, live_server: str) -> None:
    """The check itself works: a button with no name on a page is a critical violation axe reports."""
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    page = context.new_page()
    page.goto("/login")
    page.evaluate("document.querySelector('main').append(document.createElement('button'))")
    found = axe_violations(page, "/login", "en")
    context.close()
    assert [(v.rule, v.impact) for v in found] == [("button-name", "critical")]


@pytest.mark.parametrize("role", fz.ROLES)
def test_every_page_is_light_and_local(
    browser, live_server: str, app: Flask, client: FlaskClient, role: str
) -> None:
    world, pages = pages_of(app, client, role)
    state = signed_in_state(browser, live_server, world, role)
    weights = [first_load_weight(browser, live_server, state, page) for page in pages]
    print("\n".join(f"{w.url}: {w.bytes / 1024:.1f} KB, {w.requests} requests" for w in weights))
    problems = [problem for weight in weights for problem in weight.problems()]
    assert not problems, "\n".join(problems)
