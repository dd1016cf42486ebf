"""Comment threads in a browser, on a phone: the mentor comments on a section of the version sent, the trainee
reads it on the section page and replies, the mentor resolves it; every step happens in place (htmx swaps
the comments box or the thread, the page stays), and the inbox count follows."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support import PASSWORD, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.mentoring.models import CommentThread, ThreadComment
from workbench.plans import services
from workbench.plans.models import ReviewState
from workbench.plans.review import review_state
from workbench.programme.models import Cohort
from workbench.programme.services import assign_mentor, enrol

pytestmark = pytest.mark.e2e


def log_in(page: Page, person: User, home: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/{home}")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login**")


def test_mentor_comments_trainee_replies_mentor_resolves(phone: Page, app_context, cohort: Cohort) -> None:
    trainee = make_person("awa.diallo@example.org", [Role.TRAINEE], "Awa Diallo", locale="en")
    mentor = make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi", locale="en")
    enrol(trainee, cohort, actor=None)
    assign_mentor(trainee, mentor, actor=None)
    plan = services.create_plan(owner=trainee, business_type="food", title="Awa's Kitchen", from_example=True)
    db.session.flush()
    services.submit_plan(plan, trainee)
    db.session.commit()

    log_in(phone, mentor, "mentees")
    phone.goto(f"/plans/{plan.id}/versions/1")
    box = phone.locator("#plan-comments")
    expect(box.get_by_text("No comments yet.")).to_be_visible()  # loaded from mentoring in place
    box.get_by_text("Write a comment").click()
    box.get_by_label("About").select_option("customers:target_customers")
    box.get_by_label("Your comment").fill("@Awa who buys at lunch time, and at what price?")
    box.get_by_role("button", name="Post").click()
    thread = phone.locator("article.thread")
    expect(thread.locator(".comment-text")).to_have_text("@Awa who buys at lunch time, and at what price?")
    expect(thread.locator("mark.mention")).to_have_text("@Awa")
    assert phone.url.endswith(f"/plans/{plan.id}/versions/1")
    log_out(phone)

    log_in(phone, trainee, "path")
    expect(phone.locator("#nav-badge-mentoring-inbox")).to_contain_text("1")
    phone.goto(f"/plans/{plan.id}/sections/customers")
    thread = phone.locator("#plan-comments article.thread")
    expect(thread.get_by_text("on version 1")).to_be_visible()
    expect(phone.locator("#nav-badge-mentoring-inbox")).to_be_hidden()  # read: the count went out of band
    thread.get_by_label("Your reply").fill("Office workers near the station, under 10 euros.")
    thread.get_by_role("button", name="Reply").click()
    expect(phone.locator("#plan-comments article.thread .comment")).to_have_count(2)
    assert phone.url.endswith(f"/plans/{plan.id}/sections/customers")
    log_out(phone)

    log_in(phone, mentor, "mentees")
    phone.goto("/inbox")
    where = "Awa's Kitchen (Awa Diallo) · Customers and market · Version 1"
    phone.get_by_role("link", name=where).first.click()
    thread = phone.locator("article.thread")
    expect(thread.get_by_text("Office workers near the station, under 10 euros.")).to_be_visible()
    thread.get_by_role("button", name="Mark as resolved").click()
    resolved = phone.locator("article.thread-resolved")
    expect(resolved).to_have_count(1)
    expect(resolved.get_by_text("Marco Bianchi resolved the thread")).to_be_attached()
    db.session.expire_all()
    [stored] = db.session.scalars(db.select(CommentThread)).all()
    assert stored.resolved
    assert db.session.scalar(db.select(db.func.count(ThreadComment.id))) == 2
    assert phone.console_errors == []


def test_mentor_comments_trainee_answers_and_fixes_mentor_resolves_and_endorses(
    phone: Page, app_context, cohort: Cohort
) -> None:
    """The whole review loop: a comment on a section and changes asked for; the trainee replies, changes the
    answer and sends version 2; the thread follows the plan to version 2, where the mentor resolves it and
    endorses the plan as ready for credit."""
    trainee = make_person("awa.diallo@example.org", [Role.TRAINEE], "Awa Diallo", locale="en")
    mentor = make_person("marco.bianchi@example.org", [Role.MENTOR], "Marco Bianchi", locale="en")
    enrol(trainee, cohort, actor=None)
    assign_mentor(trainee, mentor, actor=None)
    plan = services.create_plan(owner=trainee, business_type="food", title="Awa's Kitchen", from_example=True)
    db.session.flush()
    services.submit_plan(plan, trainee)
    db.session.commit()

    log_in(phone, mentor, "mentees")
    phone.goto(f"/plans/{plan.id}/versions/1")
    box = phone.locator("#plan-comments")
    box.get_by_text("Write a comment").click()
    box.get_by_label("About").select_option("customers:target_customers")
    box.get_by_label("Your comment").fill("Say how many office workers pass by at lunch time.")
    box.get_by_role("button", name="Post").click()
    expect(phone.locator("article.thread .comment-text")).to_have_text(
        "Say how many office workers pass by at lunch time."
    )
    phone.locator("#note").fill("Count your customers before we talk about money.")
    phone.get_by_role("button", name="Ask for changes").click()
    expect(phone.locator(".flash-success")).to_have_text("The plan went back to Awa Diallo with your note.")
    log_out(phone)

    log_in(phone, trainee, "path")
    phone.goto(f"/plans/{plan.id}/sections/customers")
    thread = phone.locator("#plan-comments article.thread")
    thread.get_by_label("Your reply").fill("About 400 a day: I counted them for a week.")
    thread.get_by_role("button", name="Reply").click()
    expect(phone.locator("#plan-comments article.thread .comment")).to_have_count(2)
    answer = phone.get_by_role("textbox", name="Who are your customers?")
    answer.fill(
        "Office workers near the station: about 400 pass by at lunch time (counted for a week), "
        "and they spend under 10 euros."
    )
    phone.get_by_role("button", name="Save", exact=True).click()
    expect(phone.locator(".flash-success").first).to_be_visible()
    phone.goto(f"/plans/{plan.id}")
    phone.get_by_role("button", name="Send the new version to my mentor").click()
    expect(phone.locator(".flash-success").first).to_be_visible()
    log_out(phone)

    log_in(phone, mentor, "mentees")
    expect(phone.get_by_text("1 plan waits for your review")).to_be_visible()
    phone.goto(f"/plans/{plan.id}/versions/2")
    expect(phone.get_by_text("about 400 pass by at lunch time", exact=False).first).to_be_visible()
    thread = phone.locator("#plan-comments article.thread")
    expect(thread.get_by_text("on version 1")).to_be_visible()  # the open thread followed the plan
    expect(thread.get_by_text("About 400 a day: I counted them for a week.")).to_be_visible()
    thread.get_by_role("button", name="Mark as resolved").click()
    expect(phone.locator("article.thread-resolved")).to_have_count(1)
    phone.locator("#endorse-note").fill("Clear figures now: ready for credit.")
    phone.get_by_role("button", name="Endorse as ready for credit").click()
    expect(phone.locator(".flash-success")).to_contain_text("You endorsed version 2 as ready for credit")
    expect(phone.locator("#review")).to_have_count(0)

    db.session.expire_all()
    assert review_state(plan) == ReviewState.ENDORSED
    [stored] = db.session.scalars(db.select(CommentThread)).all()
    assert stored.resolved
    assert [c.body for c in db.session.scalars(db.select(ThreadComment).order_by(ThreadComment.id))] == [
        "Say how many office workers pass by at lunch time.",
        "About 400 a day: I counted them for a week.",
    ]
    assert phone.console_errors == []
