"""The comment pages: starting a thread, replying, resolving and reopening in place with htmx and with plain
forms (303 back to the page; 422 keeping what was typed), what each person may read and do, text that comes
back escaped, and the plan pages loading the comments from mentoring."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.mentoring.threads import HTMX, People, flashes, hidden, page, people_and_plan, start, thread_html
from tests.support import audit_events, error_fields, login_as, make_person
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.mentoring import comments
from workbench.mentoring.models import CommentThread, ThreadComment, ThreadEvent, ThreadEventKind
from workbench.programme.services import assign_mentor, enrol


@pytest.fixture
def people(cohort) -> People:
    return people_and_plan(cohort)


def version_page(people: People, section: str | None = "customers") -> str:
    query = f"?section={section}" if section else ""
    return f"/plans/{people.plan.id}/versions/1/comments{query}"


def new_thread(client: FlaskClient, url: str, body: str, about: str = "customers", **extra) -> object:
    html = client.get(url).get_data(as_text=True)
    data = {"new-about": about, "new-body": body, "new-quote": "", "new-token": hidden(html, "new-token")}
    data.update(extra)
    return client.post(url, data=data, headers=extra.pop("headers", {}))


def reply_form(client: FlaskClient, url: str, thread_id: int) -> dict[str, str]:
    """The hidden fields of a thread's reply form, as the page shows them."""
    article = thread_html(client.get(url).get_data(as_text=True), thread_id)
    form = re.search(r'<form[^>]*action="/threads/\d+/replies".*?</form>', article, re.S).group(0)
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def state_form(client: FlaskClient, url: str, thread_id: int) -> tuple[str, dict[str, str]]:
    article = thread_html(client.get(url).get_data(as_text=True), thread_id)
    form = re.search(r'<form[^>]*action="(/threads/\d+/(?:resolve|reopen))".*?</form>', article, re.S)
    return form.group(1), dict(
        re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0))
    )


# --- starting a thread --------------------------------------------------------------------------------------


def test_the_mentor_starts_a_thread_without_javascript(client: FlaskClient, people) -> None:
    login_as(client, people.mentor)
    url = version_page(people)
    response = new_thread(client, url, "Who buys at lunch time?", about="customers:target_customers")
    [thread] = db.session.scalars(select(CommentThread)).all()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{url}#thread-{thread.id}")
    assert flashes(client) == ["Your comment is posted."]
    assert (thread.version_id, thread.section_key, thread.question_key) == (
        people.version.id,
        "customers",
        "target_customers",
    )
    html = page(client.get(url))
    assert "Who buys at lunch time?" in thread_html(html, thread.id)
    assert len(audit_events("comment_thread.started")) == 1


def test_with_htmx_the_comments_box_is_swapped_with_the_new_thread_and_a_fresh_form(client, people) -> None:
    login_as(client, people.mentor)
    url = f"/plans/{people.plan.id}/comments?section=idea"
    first_token = hidden(client.get(url).get_data(as_text=True), "new-token")
    response = client.post(
        url,
        data={"new-about": "idea", "new-body": "Which dishes first?", "new-token": first_token},
        headers=HTMX,
    )
    html = page(response)
    assert response.status_code == 200
    assert html.startswith('<section id="plan-comments"')
    assert "<html" not in html
    assert "Which dishes first?" in html
    assert hidden(html, "new-token") != first_token
    [thread] = db.session.scalars(select(CommentThread)).all()
    assert thread.version_id is None  # on the draft


def test_a_refused_comment_comes_back_with_what_was_typed(client, people) -> None:
    login_as(client, people.mentor)
    url = version_page(people)
    too_long = "Plenty to say. " * 300
    response = new_thread(
        client, url, too_long, about="customers:target_customers", **{"new-quote": "non scritto"}
    )
    html = page(response)
    assert response.status_code == 422
    assert "new-body" in error_fields(html)
    assert too_long.strip() in html
    assert db.session.scalar(select(func.count(CommentThread.id))) == 0
    response = new_thread(client, url, "Short.", about="customers", **{"new-quote": "parole inventate"})
    html = page(response)
    assert response.status_code == 422
    assert "new-quote" in error_fields(html)
    assert (html[html.index("parole inventate") :][:16], "Short.") == ("parole inventate", "Short.")
    assert "Short." in html
    response = new_thread(client, url, "", headers=HTMX)
    assert response.status_code == 200
    assert "new-body" in error_fields(page(response))


# --- replying -----------------------------------------------------------------------------------------------


def test_the_trainee_replies_with_htmx_and_without(client: FlaskClient, people) -> None:
    thread = start(people)
    login_as(client, people.trainee)
    url = version_page(people)
    fields = reply_form(client, url, thread.id)
    response = client.post(
        f"/threads/{thread.id}/replies", data=fields | {"body": "Workers near the station."}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{url}#thread-{thread.id}")
    fields = reply_form(client, url, thread.id)
    response = client.post(
        f"/threads/{thread.id}/replies", data=fields | {"body": "And families, for feasts."}, headers=HTMX
    )
    html = page(response)
    assert response.status_code == 200
    assert html.startswith(f'<article class="thread" id="thread-{thread.id}"')
    assert html.index("Workers near the station.") < html.index("And families, for feasts.")
    assert [c.body for c in db.session.scalars(select(ThreadComment).order_by(ThreadComment.id))] == [
        "Who are your first customers?",
        "Workers near the station.",
        "And families, for feasts.",
    ]
    assert len(audit_events("comment_thread.replied")) == 2


def test_an_empty_reply_is_refused_in_place_and_an_oversized_one_keeps_its_text(client, people) -> None:
    thread = start(people)
    login_as(client, people.trainee)
    url = version_page(people)
    fields = reply_form(client, url, thread.id)
    response = client.post(f"/threads/{thread.id}/replies", data=fields | {"body": "  "}, headers=HTMX)
    assert response.status_code == 200
    assert f"reply-{thread.id}" in error_fields(page(response))
    long_text = "Mi spiego meglio. " * 300
    response = client.post(f"/threads/{thread.id}/replies", data=fields | {"body": long_text})
    html = page(response)
    assert response.status_code == 422
    assert long_text in thread_html(html, thread.id)
    assert f"reply-{thread.id}" in error_fields(html)
    assert db.session.scalar(select(func.count(ThreadComment.id))) == 1


# --- resolve and reopen -------------------------------------------------------------------------------------


def test_the_mentor_resolves_and_the_trainee_reopens(client: FlaskClient, people) -> None:
    thread = start(people)
    login_as(client, people.mentor)
    url = version_page(people)
    action, fields = state_form(client, url, thread.id)
    assert action == f"/threads/{thread.id}/resolve"
    response = client.post(action, data=fields)
    assert response.status_code == 303
    assert flashes(client) == ["The thread is resolved."]
    html = page(client.get(url))
    article = thread_html(html, thread.id)
    assert "thread-resolved" in article
    assert "<details open" not in article  # folded
    assert "Marco Bianchi resolved the thread" in article
    assert "/replies" not in article  # no reply in a resolved thread
    login_as(client, people.trainee)
    action, fields = state_form(client, url, thread.id)
    assert action == f"/threads/{thread.id}/reopen"
    response = client.post(action, data=fields, headers=HTMX)
    article = page(response)
    assert response.status_code == 200
    assert article.startswith(f'<article class="thread" id="thread-{thread.id}"')
    assert "Awa Diallo reopened the thread" in article
    assert [e.kind for e in db.session.scalars(select(ThreadEvent).order_by(ThreadEvent.sequence))] == [
        "resolved",
        "reopened",
    ]


def test_a_change_from_an_old_page_says_who_changed_the_thread(client: FlaskClient, people) -> None:
    thread = start(people)
    login_as(client, people.mentor)
    url = version_page(people)
    action, old_fields = state_form(client, url, thread.id)
    comments.change_state(thread, ThreadEventKind.RESOLVED, actor=people.mentor, seen=0)
    comments.change_state(thread, ThreadEventKind.REOPENED, actor=people.trainee, seen=1)
    db.session.commit()
    response = client.post(action, data=old_fields)  # made from "open, sequence 0"
    assert response.status_code == 303
    assert flashes(client) == ["Awa Diallo reopened this thread meanwhile: nothing else was changed."]
    response = client.post(action, data=old_fields, headers=HTMX)
    assert "Awa Diallo reopened this thread meanwhile" in page(response)
    assert db.session.scalar(select(func.count(ThreadEvent.id))) == 2


def test_the_trainee_resolves_their_own_question_but_not_the_mentors_comment(client, people) -> None:
    question = start(people, "@Marco can I change the prices later?", author=people.trainee)
    comment = start(people, "Check the prices.")
    login_as(client, people.trainee)
    assert client.post(f"/threads/{comment.id}/resolve", data={"seen": "0"}).status_code == 403
    assert client.post(f"/threads/{question.id}/resolve", data={"seen": "0"}).status_code == 303
    assert db.session.scalar(select(ThreadEvent.thread_id)) == question.id


# --- who may read and write ---------------------------------------------------------------------------------


def test_another_mentor_and_another_trainee_see_nothing(client: FlaskClient, people, cohort) -> None:
    thread = start(people)
    stranger = make_person("sara.neri@example.org", [Role.MENTOR], "Sara Neri")
    other = make_person("omar.haddad@example.org", [Role.TRAINEE], "Omar Haddad")
    enrol(other, cohort, actor=None)
    assign_mentor(other, stranger, None)
    db.session.commit()
    for person in (stranger, other):
        login_as(client, person)
        assert client.get(f"/plans/{people.plan.id}/comments").status_code == 404
        assert client.get(version_page(people)).status_code == 404
        assert client.post(version_page(people), data={"new-body": "x"}).status_code == 404
        for action in ("replies", "resolve", "reopen"):
            response = client.post(f"/threads/{thread.id}/{action}", data={"body": "x", "seen": "0"})
            assert response.status_code == 404
        assert "Who are your first customers?" not in page(client.get("/inbox"))
    assert db.session.scalar(select(func.count(ThreadComment.id))) == 1


def test_the_manager_reads_but_does_not_write(client: FlaskClient, people, manager) -> None:
    thread = start(people)
    login_as(client, manager)
    html = page(client.get(version_page(people)))
    assert "Who are your first customers?" in html
    assert "/replies" not in html
    assert 'name="new-body"' not in html
    assert client.post(version_page(people), data={"new-body": "x"}).status_code == 403
    assert client.post(f"/threads/{thread.id}/replies", data={"body": "x"}).status_code == 403


def test_a_mentor_who_is_no_longer_assigned_loses_the_comments(client: FlaskClient, people) -> None:
    thread = start(people)
    assign_mentor(people.trainee, make_person("sara.neri@example.org", [Role.MENTOR], "Sara Neri"), None)
    db.session.commit()
    login_as(client, people.mentor)
    assert client.get(version_page(people)).status_code == 404
    assert client.post(f"/threads/{thread.id}/replies", data={"body": "x"}).status_code == 404


def test_unknown_sections_versions_and_threads_are_404(client: FlaskClient, people) -> None:
    login_as(client, people.mentor)
    assert client.get(f"/plans/{people.plan.id}/comments?section=nowhere").status_code == 404
    assert client.get(f"/plans/{people.plan.id}/versions/9/comments").status_code == 404
    assert client.post("/threads/999999/replies", data={"body": "x"}).status_code == 404


# --- text comes back escaped --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        '<a href="javascript:alert(1)">click</a>',
        "{{ 7 * 7 }} <b>bold</b>",
    ],
)
def test_html_typed_in_comments_replies_and_quotes_is_shown_as_text(client, people, attack) -> None:
    idea = people.plan.answer("idea")
    from workbench.plans import services as plans

    plans.save_answers(
        people.plan, [plans.AnswerEdit("idea", f"Menu: {attack}", "it", idea.revision)], people.trainee
    )
    db.session.commit()
    thread = start(people, f"@Awa {attack}", draft=True, section="idea", quote=attack)
    comments.reply(
        thread, author=people.trainee, body=f"Reply {attack}\nsecond line", token=comments.new_token()
    )
    db.session.commit()
    for person, url in (
        (people.mentor, f"/plans/{people.plan.id}/comments?section=idea"),
        (people.trainee, "/inbox"),
    ):
        login_as(client, person)
        for headers in ({}, HTMX):
            raw = client.get(url, headers=headers).get_data(as_text=True)
            assert attack not in raw
            assert [
                tag for tag in ("<script>alert", "<img src=x", "<b>bold", '<a href="javascript') if tag in raw
            ] == []
            assert "&lt;" in raw
    raw = client.get(f"/plans/{people.plan.id}/comments?section=idea").get_data(as_text=True)
    assert '<mark class="mention">@Awa</mark>' in raw
    assert "<br>\nsecond line" in raw


# --- the plan pages load the comments from mentoring --------------------------------------------------------


def test_the_section_page_and_the_version_page_load_their_comments(signed_in: FlaskClient, people) -> None:
    login_as(signed_in, people.trainee)
    html = signed_in.get(f"/plans/{people.plan.id}/sections/customers").get_data(as_text=True)
    url = f"/plans/{people.plan.id}/comments?section=customers"
    assert f'hx-get="{url}"' in html
    assert f'<a href="{url}">' in html  # without JavaScript, a plain link
    html = signed_in.get(f"/plans/{people.plan.id}/versions/1").get_data(as_text=True)
    url = f"/plans/{people.plan.id}/versions/1/comments"
    assert f'hx-get="{url}"' in html
    assert f'<a href="{url}">' in html


def test_the_draft_shows_a_versions_open_thread_and_the_reply_returns_there(client, people) -> None:
    thread = start(people)
    login_as(client, people.trainee)
    url = f"/plans/{people.plan.id}/comments?section=customers"
    html = page(client.get(url, headers=HTMX))
    article = thread_html(html, thread.id)
    assert "on version 1" in article
    fields = reply_form(client, url, thread.id)
    assert fields["view"] == ""
    response = client.post(f"/threads/{thread.id}/replies", data=fields | {"body": "Fixed in the draft."})
    assert response.headers["Location"].endswith(f"{url}#thread-{thread.id}")


def test_new_comments_are_marked_for_the_reader_then_read(client: FlaskClient, people) -> None:
    thread = start(people)
    login_as(client, people.trainee)
    url = f"/plans/{people.plan.id}/comments?section=customers"
    first = thread_html(page(client.get(url)), thread.id)
    assert "comment-new" in first
    again = thread_html(page(client.get(url)), thread.id)
    assert "comment-new" not in again
