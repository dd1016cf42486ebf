"""The wizard pages: one section per page, saving with and without JavaScript, the two-tab conflict."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.support import login_as, make_person
from workbench.auth.roles import Role
from workbench.extensions import db
from workbench.plans import services
from workbench.plans.catalogue import business_type_of
from workbench.plans.models import BusinessPlan, ReviewState
from workbench.plans.review import review_state
from workbench.programme.services import assign_mentor

HTMX = {"HX-Request": "true"}


@pytest.fixture
def plan(trainee):
    made = services.create_plan(owner=trainee, business_type="food", title="Fatou's Kitchen")
    db.session.commit()
    return made


def textarea(html: str, key: str) -> str:
    found = re.search(rf'<textarea id="answer-{key}"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, f"no answer box for {key}"
    return found.group(1)


def revision(html: str, key: str) -> int:
    found = re.search(rf'id="rev-{key}" name="rev-{key}" value="(\d+)"', html)
    assert found, f"no revision for {key}"
    return int(found.group(1))


def test_trainee_starts_a_plan_and_lands_on_the_first_section(signed_in: FlaskClient) -> None:
    assert signed_in.get("/plans").status_code == 200
    assert signed_in.get("/plans/new").status_code == 200
    response = signed_in.post(
        "/plans/new", data={"business_type": "shop", "title": "Mini market", "start_from": "typical"}
    )
    assert response.status_code == 303
    plan = db.session.scalars(db.select(BusinessPlan)).one()
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/sections/about_you")
    assert plan.title == "Mini market"


def test_choosing_no_business_type_is_an_error_at_the_field(signed_in: FlaskClient) -> None:
    response = signed_in.post("/plans/new", data={"title": "Kept title", "start_from": "typical"})
    html = response.get_data(as_text=True)
    assert 'id="business_type-error"' in html
    assert 'value="Kept title"' in html
    assert db.session.query(BusinessPlan).count() == 0


def test_a_section_page_shows_questions_help_example_progress_and_every_section(
    signed_in: FlaskClient, plan
) -> None:
    html = signed_in.get(f"/plans/{plan.id}/sections/about_you").get_data(as_text=True)
    assert 'id="answer-skills"' in html
    assert 'id="help-skills"' in html  # help and a worked example beside the question
    assert "<progress" in html
    template = business_type_of(plan)
    for section in template.sections:
        assert f"/plans/{plan.id}/sections/{section.key}" in html


def test_saving_without_javascript_redirects_to_the_next_section(signed_in: FlaskClient, plan) -> None:
    response = signed_in.post(
        f"/plans/{plan.id}/sections/about_you",
        data={
            "answer-skills": "Cuoca per dieci anni a Dakar.",
            "language-skills": "it",
            "rev-skills": "0",
            "go": "next",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/plans/{plan.id}/sections/idea")
    db.session.expire_all()
    answer = db.session.get(BusinessPlan, plan.id).answer("skills")
    assert (answer.text, answer.language) == ("Cuoca per dieci anni a Dakar.", "it")


def test_autosave_answers_a_fragment_with_the_new_revision(signed_in: FlaskClient, plan) -> None:
    response = signed_in.post(
        f"/plans/{plan.id}/sections/about_you",
        data={"answer-skills": "I cook.", "language-skills": "en", "rev-skills": "0"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html
    assert 'id="save-status"' in html
    assert 'id="rev-skills" name="rev-skills" value="1" hx-swap-oob="true"' in html
    assert 'id="plan-progress" hx-swap-oob="true"' in html


def test_two_tabs_the_stale_one_sees_both_texts_and_nothing_is_lost(signed_in: FlaskClient, plan) -> None:
    url = f"/plans/{plan.id}/sections/idea"
    tab_a = signed_in.get(url).get_data(as_text=True)
    tab_b = signed_in.get(url).get_data(as_text=True)
    assert revision(tab_a, "idea") == revision(tab_b, "idea") == 0
    signed_in.post(
        url, data={"answer-idea": "Text from tab A.", "language-idea": "en", "rev-idea": "0"}, headers=HTMX
    )
    signed_in.post(
        url,
        data={"answer-idea": "Text from tab A, more.", "language-idea": "en", "rev-idea": "1"},
        headers=HTMX,
    )

    # Tab B still thinks revision 0 and types something else: a conflict, shown with both texts.
    stale = signed_in.post(
        url, data={"answer-idea": "Text from tab B.", "language-idea": "en", "rev-idea": "0"}, headers=HTMX
    )
    html = stale.get_data(as_text=True)
    assert 'id="conflict-idea" hx-swap-oob="true"' in html
    assert "Text from tab A, more." in html
    assert 'name="keep_mine" value="idea"' in html
    db.session.expire_all()
    assert db.session.get(BusinessPlan, plan.id).answer("idea").text == "Text from tab A, more."

    # Without JavaScript the page comes back with tab B's text in the box and tab A's text beside it.
    page = signed_in.post(
        url, data={"answer-idea": "Text from tab B.", "language-idea": "en", "rev-idea": "0"}
    )
    assert page.status_code == 409
    body = page.get_data(as_text=True)
    assert textarea(body, "idea") == "Text from tab B."
    assert "Text from tab A, more." in body

    # "Keep my text" saves tab B's text over the newer one, on purpose.
    kept = signed_in.post(
        url,
        data={"answer-idea": "Text from tab B.", "language-idea": "en", "rev-idea": "0", "keep_mine": "idea"},
    )
    assert kept.status_code == 303
    db.session.expire_all()
    assert db.session.get(BusinessPlan, plan.id).answer("idea").text == "Text from tab B."


def test_use_the_other_text_leaves_the_stored_text(signed_in: FlaskClient, plan) -> None:
    url = f"/plans/{plan.id}/sections/idea"
    signed_in.post(url, data={"answer-idea": "Newer.", "language-idea": "en", "rev-idea": "0"})
    response = signed_in.post(
        url,
        data={"answer-idea": "Older.", "language-idea": "en", "rev-idea": "0", "use_theirs": "idea"},
        headers=HTMX,
    )
    assert response.headers.get("HX-Refresh") == "true"
    db.session.expire_all()
    assert db.session.get(BusinessPlan, plan.id).answer("idea").text == "Newer."


def test_an_answer_in_an_unknown_language_is_refused_at_the_field_and_kept(
    signed_in: FlaskClient, plan
) -> None:
    response = signed_in.post(
        f"/plans/{plan.id}/sections/idea",
        data={"answer-idea": "Mon idée.", "language-idea": "xx", "rev-idea": "0"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert textarea(html, "idea") == "Mon idée."
    assert re.search(r'<p class="error" id="error-idea">\S', html)


def test_other_trainees_cannot_see_a_plan_the_assigned_mentor_can_but_not_edit(
    client: FlaskClient, trainee, plan, mentor
) -> None:
    other = make_person("other@example.org", [Role.TRAINEE])
    login_as(client, other)
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert client.get(f"/plans/{plan.id}/sections/idea").status_code == 404

    login_as(client, mentor)
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    assert client.get(f"/plans/{plan.id}").status_code == 200
    html = client.get(f"/plans/{plan.id}/sections/idea").get_data(as_text=True)
    assert "readonly" in html
    assert client.post(f"/plans/{plan.id}/sections/idea", data={"answer-idea": "x"}).status_code == 403


def test_submit_review_and_compare_through_the_pages(client: FlaskClient, trainee, mentor) -> None:
    plan = services.create_plan(owner=trainee, business_type="food", title="", from_example=True)
    assign_mentor(trainee, mentor, None)
    db.session.commit()
    login_as(client, trainee)
    assert client.post(f"/plans/{plan.id}/submit").status_code == 303
    login_as(client, mentor)
    assert client.post(f"/plans/{plan.id}/request-changes", data={"note": ""}).status_code == 422
    assert (
        client.post(f"/plans/{plan.id}/request-changes", data={"note": "More on prices."}).status_code == 303
    )
    login_as(client, trainee)
    db.session.expire_all()
    plan = db.session.get(BusinessPlan, plan.id)
    assert review_state(plan) == ReviewState.CHANGES_REQUESTED
    answer = plan.answer("pricing")
    client.post(
        f"/plans/{plan.id}/sections/marketing",
        data={
            "answer-pricing": answer.text + " Menu a 9 euro.",
            "language-pricing": answer.language,
            "rev-pricing": str(answer.revision),
        },
    )
    assert client.post(f"/plans/{plan.id}/submit").status_code == 303
    db.session.expire_all()
    assert review_state(db.session.get(BusinessPlan, plan.id)) == ReviewState.RESUBMITTED
    html = client.get(f"/plans/{plan.id}/compare?old=1&new=2").get_data(as_text=True)
    assert "<ins>" in html
    assert "Menu a 9 euro." in html
    assert client.get(f"/plans/{plan.id}/versions/1").status_code == 200
    assert client.get(f"/plans/{plan.id}/versions/9").status_code == 404
    assert client.get(f"/plans/{plan.id}/compare?old=1&new=9").status_code == 404


def same_page(response, url: str) -> str:
    """The page without what differs by request anyway: its own address and the CSRF token."""
    html = response.get_data(as_text=True).replace(url, "URL")
    html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
    # The token is signed with the time in seconds: two requests may straddle a second.
    return re.sub(r'name="csrf-token" content="[^"]*"', "", html)


def test_another_persons_plan_answers_exactly_as_a_plan_that_does_not_exist(
    client: FlaskClient, trainee, plan, mentor
) -> None:
    """Ids reveal nothing: every plan page, read or write, answers someone else as it answers a missing id."""
    complete = services.create_plan(owner=trainee, business_type="food", title="", from_example=True)
    db.session.flush()
    services.submit_plan(complete, trainee)
    db.session.commit()
    missing = complete.id + 1000
    other = make_person("other@example.org", [Role.TRAINEE], locale="en")
    pages = [
        ("GET", "/plans/{id}"),
        ("GET", "/plans/{id}/sections/idea"),
        ("POST", "/plans/{id}/sections/idea"),
        ("GET", "/plans/{id}/versions/1"),
        ("POST", "/plans/{id}/submit"),
    ]
    for person, method, url in [
        *((other, method, url) for method, url in pages),
        (mentor, "GET", "/plans/{id}"),  # a mentor who is not this trainee's
        (mentor, "POST", "/plans/{id}/request-changes"),
    ]:
        login_as(client, person)
        data = {"answer-idea": "Not mine.", "language-idea": "en", "rev-idea": "0", "note": "Not mine."}
        theirs = client.open(url.format(id=complete.id), method=method, data=data)
        nothing = client.open(url.format(id=missing), method=method, data=data)
        assert (theirs.status_code, method, url) == (404, method, url)
        assert same_page(theirs, url.format(id=complete.id)) == same_page(nothing, url.format(id=missing))
    db.session.expire_all()
    assert review_state(db.session.get(BusinessPlan, complete.id)) == ReviewState.SUBMITTED
    assert [v.number for v in db.session.get(BusinessPlan, complete.id).versions] == [1]


def test_keep_my_text_that_loses_to_a_newer_save_shows_the_newer_text_instead_of_refreshing(
    app, signed_in: FlaskClient, plan, monkeypatch
) -> None:
    """Keeping one's text saves over the revision the request read. If another tab saves in between, the
    choice is a conflict again with the newest text: no overwrite, no refresh that drops the typed text."""
    url = f"/plans/{plan.id}/sections/idea"
    signed_in.post(url, data={"answer-idea": "Tab A.", "language-idea": "en", "rev-idea": "0"}, headers=HTMX)
    save_answers = services.save_answers

    def another_tab_saves_first(plan_, edits, actor):
        with app.app_context():
            elsewhere = db.session.get(BusinessPlan, plan.id)
            save_answers(elsewhere, [services.AnswerEdit("idea", "Tab C, newest.", "en", 1)], elsewhere.owner)
            db.session.commit()
            db.session.remove()
        return save_answers(plan_, edits, actor)

    monkeypatch.setattr(services, "save_answers", another_tab_saves_first)
    kept = signed_in.post(
        url,
        data={"answer-idea": "Tab B.", "language-idea": "en", "rev-idea": "0", "keep_mine": "idea"},
        headers=HTMX,
    )
    assert "HX-Refresh" not in kept.headers
    html = kept.get_data(as_text=True)
    assert 'id="conflict-idea" hx-swap-oob="true"' in html
    assert "Tab C, newest." in html
    db.session.expire_all()
    assert db.session.get(BusinessPlan, plan.id).answer("idea").text == "Tab C, newest."
