"""The inbox: unread comments and replies on the threads a person takes part in, the comments that mention
them, what is assigned to them, and the count in the navigation (one statement, whatever the threads)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event

from tests.mentoring.threads import HTMX, People, page, people_and_plan, start
from tests.support import login_as, make_person
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.mentoring import comments
from workbench.mentoring.inbox import inbox_count
from workbench.plans import services as plans
from workbench.programme.services import assign_mentor

WORKBENCH = Path(__file__).resolve().parents[2] / "workbench"


@pytest.fixture
def people(cohort) -> People:
    return people_and_plan(cohort)


def badge(html: str) -> int:
    """The inbox count the navigation shows (0 when the badge is hidden)."""
    tag = r'<span class="nav-badge" id="nav-badge-mentoring-inbox"( hidden)?[^>]*>'
    found = re.search(tag + r'<span aria-hidden="true">(\d+)', html)
    assert found, "no inbox badge"
    return 0 if found.group(1) else int(found.group(2))


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_everyone_has_an_inbox_in_the_navigation(client: FlaskClient, people, officer, manager) -> None:
    for person in (people.trainee, people.mentor, officer, manager):
        login_as(client, person)
        html = page(client.get("/inbox"))
        assert '<a href="/inbox" aria-current="page">' in html  # in each person's language
    assert badge(html) == 0


def test_the_mentor_has_the_plan_to_review_and_the_trainee_the_new_comment(client, people) -> None:
    login_as(client, people.mentor)
    html = page(client.get("/inbox"))
    assert "Review version 1 of Awa's Kitchen" in html
    assert badge(html) == 1
    thread = start(people, "Check the prices, @Awa.")
    login_as(client, people.trainee)
    html = page(client.get("/inbox"))
    assert badge(html) == 1
    mentions = html[html.index('id="mentions-heading"') : html.index('id="unread-heading"')]
    assert '<mark class="mention">@Awa</mark>' in mentions
    assert f"#thread-{thread.id}" in mentions
    unread = html[html.index('id="unread-heading"') :]
    assert "1 new" in unread
    assert "Check the prices" in unread


def test_seeing_the_thread_marks_it_read_and_the_count_follows_in_place(client, people) -> None:
    thread = start(people, "Check the prices.")
    comments.reply(thread, author=people.mentor, body="And the rent.", token=comments.new_token())
    db.session.commit()
    login_as(client, people.trainee)
    assert badge(page(client.get("/inbox"))) == 2
    fragment = page(client.get(f"/plans/{people.plan.id}/comments?section=customers", headers=HTMX))
    # the badge is updated out of band by the fragment that marked the thread read
    assert re.search(r'id="nav-badge-mentoring-inbox" hidden hx-swap-oob="true"', fragment)
    html = page(client.get("/inbox"))
    assert badge(html) == 0
    assert "Nothing waits for you" in html
    comments.reply(thread, author=people.mentor, body="One more thing.", token=comments.new_token())
    db.session.commit()
    assert badge(page(client.get("/inbox"))) == 1


def test_own_comments_are_never_unread_and_a_reply_reads_the_thread(client, people) -> None:
    thread = start(people, "Check the prices.")
    login_as(client, people.trainee)
    assert badge(page(client.get("/plans"))) == 1
    comments.reply(thread, author=people.trainee, body="Done.", token=comments.new_token())
    db.session.commit()
    assert badge(page(client.get("/plans"))) == 0
    login_as(client, people.mentor)
    html = page(client.get("/inbox"))
    assert badge(html) == 2  # the reply, and version 1 to review
    assert "Done." in html


def test_a_trainee_sees_the_plan_sent_back_to_them(client, people) -> None:
    plans.request_changes(people.plan, people.mentor, "Add the rent.")
    db.session.commit()
    login_as(client, people.trainee)
    html = page(client.get("/inbox"))
    assert "Change Awa's Kitchen as the note on version 1 asks, then send it again" in html
    assert badge(html) == 1


def test_nobody_else_sees_the_threads(client, people, cohort) -> None:
    start(people, "Check the prices, @Awa.")
    former = people.mentor
    assign_mentor(people.trainee, make_person("sara.neri@example.org", [Role.MENTOR], "Sara Neri"), None)
    other = make_person("omar.haddad@example.org", [Role.TRAINEE], "Omar Haddad")
    manager = make_person("giulia.rossi@example.org", [Role.MANAGER], "Giulia Rossi")
    db.session.commit()
    for person in (former, other, manager):
        login_as(client, person)
        html = page(client.get("/inbox"))
        assert "Check the prices" not in html
        assert badge(html) == 0


def test_the_count_is_one_statement_whatever_the_threads(client, people) -> None:
    def cost() -> tuple[int, int]:
        db.session.expire_all()
        assert people.mentor.roles  # the logged-in person, loaded before any page counts
        with statements() as seen:
            count = inbox_count(people.mentor)
        return count, len(seen)

    start(people, "One.", author=people.trainee)
    assert cost() == (2, 1)  # the question, and version 1 to review
    for n in range(20):
        thread = start(people, f"Question {n}", author=people.trainee, section="idea")
        comments.reply(thread, author=people.trainee, body="More.", token=comments.new_token())
    db.session.commit()
    assert cost() == (42, 1)


def test_a_page_pays_for_the_badge_once_and_fragments_never(client, people) -> None:
    login_as(client, people.mentor)

    def inbox_statements(url: str, headers=None) -> int:
        with statements() as seen:
            client.get(url, headers=headers or {})
        return sum(
            1 for statement in seen if "thread_comments" in statement and "count(" in statement.lower()
        )

    assert inbox_statements("/plans") == 1
    for n in range(5):
        start(people, f"Question {n}", author=people.trainee)
    assert inbox_statements("/plans") == 1
    # an autosave of the plan (a fragment) does not count the inbox
    login_as(client, people.trainee)
    answer = people.plan.answer("idea")
    data = {
        "answer-idea": answer.text + "!",
        "language-idea": answer.language,
        "rev-idea": str(answer.revision),
    }
    assert inbox_statements(f"/plans/{people.plan.id}/sections/idea", None) == 1
    with statements() as seen:
        client.post(f"/plans/{people.plan.id}/sections/idea", data=data, headers=HTMX)
    assert not [s for s in seen if "thread_comments" in s]


def test_the_web_package_imports_no_domain_above_auth() -> None:
    """The inbox link comes from mentoring through navigation's registration hook, not an import."""
    found = set()
    for path in (WORKBENCH / "web").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    higher = ("workbench.mentoring", "workbench.plans", "workbench.lending", "workbench.programme")
    assert not {module for module in found if module.startswith(higher)}
