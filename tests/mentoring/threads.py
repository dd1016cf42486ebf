"""What the comment-thread tests share: a trainee (pages in English) with a mentor and a plan sent once for
review, and small readers of the pages."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

from flask.testing import FlaskClient

from tests.support import make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.mentoring import comments
from workbench.mentoring.models import CommentThread
from workbench.plans import services as plans
from workbench.plans.models import BusinessPlan, PlanVersion
from workbench.programme.models import Cohort
from workbench.programme.services import assign_mentor, enrol

HTMX = {"HX-Request": "true"}


@dataclass
class People:
    trainee: User
    mentor: User
    plan: BusinessPlan
    version: PlanVersion


def people_and_plan(cohort: Cohort) -> People:
    """Awa (trainee, English pages) with her mentor Marco and her food plan, version 1 sent for review."""
    trainee = make_person("awa.diallo@example.org", [Role.TRAINEE], "Awa Diallo", locale="en")
    enrol(trainee, cohort, actor=None)
    mentor = make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi", locale="en")
    assign_mentor(trainee, mentor, None)
    plan = plans.create_plan(owner=trainee, business_type="food", title="Awa's Kitchen", from_example=True)
    db.session.flush()
    version = plans.submit_plan(plan, trainee)
    db.session.commit()
    return People(trainee, mentor, plan, version)


def start(
    people: People,
    body: str = "Who are your first customers?",
    *,
    author: User | None = None,
    version: PlanVersion | None = None,
    draft: bool = False,
    section: str = "customers",
    question: str | None = None,
    quote: str | None = None,
) -> CommentThread:
    """A committed thread by the mentor (or ``author``) on version 1 (or ``version``, or the draft)."""
    on = None if draft else version or people.version
    posted = comments.start_thread(
        comments.Anchor(people.plan, on, section, question),
        author=author or people.mentor,
        body=body,
        quote=quote,
        token=comments.new_token(),
    )
    db.session.commit()
    return posted.thread


def page(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def thread_html(html: str, thread_id: int) -> str:
    """The markup of one thread on a page (its <article>)."""
    found = re.search(rf'<article class="thread[^"]*" id="thread-{thread_id}".*?</article>', html, re.S)
    assert found, f"thread {thread_id} is not on the page"
    return found.group(0)


def hidden(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert tag, f"no field {name}"
    return re.search(r'\bvalue="([^"]*)"', tag.group(0)).group(1)


def flashes(client: FlaskClient) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.pop("_flashes", [])]
