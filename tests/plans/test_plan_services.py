"""Plan services: creating, autosaving with conflict detection, freezing versions, review status."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import gettext as _

from tests.support import audit_events, make_person
from workbench.auth.models import User
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.plans import services
from workbench.plans.catalogue import business_type_of
from workbench.plans.checklist import plan_checklist, progress, sources_and_uses
from workbench.plans.diff import compare_versions, word_diff
from workbench.plans.models import BusinessPlan, PlanVersion, ReviewState
from workbench.plans.review import review_state
from workbench.plans.services import AnswerEdit


@pytest.fixture
def plan(trainee):
    made = services.create_plan(owner=trainee, business_type="food", title="Fatou's Kitchen")
    db.session.commit()
    return made


@pytest.fixture
def complete_plan(trainee):
    made = services.create_plan(
        owner=trainee, business_type="food", title="Fatou's Kitchen", from_example=True
    )
    db.session.commit()
    return made


def test_a_new_plan_starts_from_the_templates_typical_numbers(plan, trainee) -> None:
    template = business_type_of(plan)
    assert plan.owner_id == trainee.id
    assert plan.template_version == template.version
    assert plan.assumptions == template.typical_numbers(trainee.locale)
    assert plan.answers == []
    assert review_state(plan) == ReviewState.DRAFT
    assert audit_events("plan.created")[0].object_id == plan.id


def test_an_unknown_business_type_is_an_error_at_the_field(trainee) -> None:
    with pytest.raises(DomainError) as raised:
        services.create_plan(owner=trainee, business_type="spaceship", title="")
    assert "business_type" in raised.value.errors


def test_starting_from_the_example_copies_every_example_answer(trainee) -> None:
    made = services.create_plan(owner=trainee, business_type="food", title="", from_example=True)
    example = business_type_of(made).example_plan
    assert {a.question_key: a.text for a in made.answers} == example["answers"]
    assert made.title  # named after the business type when no name is given


def test_saving_an_answer_records_text_language_and_revision(plan, trainee) -> None:
    outcome = services.save_answers(
        plan, [AnswerEdit("idea", "Cucina senegalese da asporto.", "it", 0)], trainee
    )
    assert outcome.saved == {"idea": 1}
    answer = plan.answer("idea")
    assert (answer.text, answer.language, answer.revision) == ("Cucina senegalese da asporto.", "it", 1)
    again = services.save_answers(plan, [AnswerEdit("idea", "Thieboudienne e yassa.", "it", 1)], trainee)
    assert again.saved == {"idea": 2}
    assert audit_events("plan.answers_saved")[-1].after == {"revisions": {"idea": 2}}


def test_an_unchanged_answer_is_not_saved_again(plan, trainee) -> None:
    services.save_answers(plan, [AnswerEdit("idea", "Street food.", "en", 0)], trainee)
    outcome = services.save_answers(plan, [AnswerEdit("idea", "Street food.", "en", 1)], trainee)
    assert not outcome.changed
    assert outcome.complete  # what the page shows is stored: it can say "Saved"
    assert plan.answer("idea").revision == 1


def test_a_stale_save_of_different_text_is_a_conflict_that_keeps_both_texts(plan, trainee) -> None:
    services.save_answers(plan, [AnswerEdit("idea", "First tab text.", "en", 0)], trainee)
    services.save_answers(plan, [AnswerEdit("idea", "First tab, edited.", "en", 1)], trainee)
    outcome = services.save_answers(plan, [AnswerEdit("idea", "Second tab text.", "fr", 1)], trainee)
    assert outcome.saved == {}
    assert not outcome.complete
    [conflict] = outcome.conflicts
    assert conflict.theirs == "First tab, edited."
    assert conflict.yours == "Second tab text."
    assert conflict.theirs_revision == 2
    assert plan.answer("idea").text == "First tab, edited."
    # Choosing to keep one's own text means saving against the revision now shown.
    kept = services.save_answers(plan, [AnswerEdit("idea", "Second tab text.", "fr", 2)], trainee)
    assert kept.saved == {"idea": 3}


def test_a_stale_save_of_the_same_text_is_no_conflict(plan, trainee) -> None:
    services.save_answers(plan, [AnswerEdit("idea", "Same.", "en", 0)], trainee)
    services.save_answers(plan, [AnswerEdit("idea", "Same!", "en", 1)], trainee)
    outcome = services.save_answers(plan, [AnswerEdit("idea", "Same!", "en", 1)], trainee)
    assert outcome.conflicts == []


def test_bad_answers_get_a_message_and_nothing_is_stored(plan, trainee) -> None:
    outcome = services.save_answers(
        plan,
        [
            AnswerEdit("no_such_question", "x", "en", 0),
            AnswerEdit("idea", "x", "klingon", 0),
            AnswerEdit("idea", "x" * (services.MAX_ANSWER_CHARACTERS + 1), "en", 0),
        ],
        trainee,
    )
    assert set(outcome.errors) == {"no_such_question", "idea"}
    assert plan.answers == []


def test_the_checklist_lists_what_is_missing_and_reaches_100_when_complete(plan, complete_plan) -> None:
    items = plan_checklist(plan)
    assert progress(items) < 100
    assert any(not item.done and item.section_key == "about_you" for item in items)
    assert all(item.done for item in plan_checklist(complete_plan)), [
        i.message for i in plan_checklist(complete_plan) if not i.done
    ]
    assert progress(plan_checklist(complete_plan)) == 100


def test_sources_must_equal_uses(complete_plan) -> None:
    sources, uses = sources_and_uses(complete_plan)
    assert sources == uses
    complete_plan.assumptions = {
        **complete_plan.assumptions,
        "own_funds": str(Decimal(complete_plan.assumptions["own_funds"]) + 1),
    }
    item = next(i for i in plan_checklist(complete_plan) if i.anchor == "f-own_funds")
    assert not item.done


def test_an_incomplete_plan_cannot_be_submitted(plan, trainee) -> None:
    with pytest.raises(DomainError):
        services.submit_plan(plan, trainee)
    assert plan.versions == []


def test_submitting_freezes_answers_numbers_results_and_template_version(complete_plan, trainee) -> None:
    version = services.submit_plan(complete_plan, trainee)
    db.session.commit()
    assert version.number == 1
    assert review_state(complete_plan) == ReviewState.SUBMITTED
    assert version.answers["idea"]["text"] == complete_plan.answer("idea").text
    assert version.assumptions == complete_plan.assumptions
    assert version.template_version == complete_plan.template_version
    assert len(version.results["table"]["closing_cash"]) == int(complete_plan.assumptions["months"])
    assert audit_events("plan.submitted")[0].after == {"status": "submitted", "version": 1}

    # Editing afterwards changes the draft only.
    frozen_text = version.answers["idea"]["text"]
    revision = complete_plan.answer("idea").revision
    services.save_answers(complete_plan, [AnswerEdit("idea", "A new idea.", "en", revision)], trainee)
    complete_plan.assumptions = {**complete_plan.assumptions, "owner_drawings": "1"}
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(PlanVersion, version.id)
    assert stored.answers["idea"]["text"] == frozen_text
    assert stored.assumptions["owner_drawings"] != "1"
    assert services.has_unsent_changes(complete_plan)


def test_a_frozen_version_refuses_to_change(complete_plan, trainee) -> None:
    version = services.submit_plan(complete_plan, trainee)
    db.session.commit()
    version.title = "Rewritten history"
    with pytest.raises(ValueError, match="frozen"):
        db.session.flush()
    db.session.rollback()


def test_sending_the_same_plan_twice_is_refused(complete_plan, trainee) -> None:
    services.submit_plan(complete_plan, trainee)
    with pytest.raises(DomainError):
        services.submit_plan(complete_plan, trainee)


def test_review_cycle_changes_requested_then_resubmitted(complete_plan, trainee, mentor) -> None:
    services.submit_plan(complete_plan, trainee)
    with pytest.raises(DomainError) as raised:
        services.request_changes(complete_plan, mentor, "  ")
    assert "note" in raised.value.errors
    services.request_changes(complete_plan, mentor, "Add the HACCP course to the legal section.")
    assert review_state(complete_plan) == ReviewState.CHANGES_REQUESTED
    note = audit_events("plan.changes_requested")[0].after["note"]
    assert note.startswith("Add the HACCP")
    with pytest.raises(DomainError):
        services.request_changes(complete_plan, mentor, "again")
    legal = complete_plan.answer("legal_form")
    services.save_answers(
        complete_plan,
        [AnswerEdit("legal_form", legal.text + " HACCP course booked.", legal.language, legal.revision)],
        trainee,
    )
    version = services.submit_plan(complete_plan, trainee)
    assert version.number == 2
    assert review_state(complete_plan) == ReviewState.RESUBMITTED


def test_comparing_versions_shows_changed_words_and_numbers(complete_plan, trainee) -> None:
    first = services.submit_plan(complete_plan, trainee)
    idea = complete_plan.answer("idea")
    services.save_answers(
        complete_plan,
        [AnswerEdit("idea", idea.text + " Also catering.", idea.language, idea.revision)],
        trainee,
    )
    drawings = Decimal(str(complete_plan.assumptions["owner_drawings"])) + 50
    # The seasons come back from the form as strings: the same values, not a change.
    streams = [
        {**stream, "seasonality": [str(v) for v in stream.get("seasonality", [1] * 12)]}
        for stream in complete_plan.assumptions["revenue_streams"]
    ]
    complete_plan.assumptions = {
        **complete_plan.assumptions,
        "owner_drawings": str(drawings),
        "revenue_streams": streams,
    }
    second = services.submit_plan(complete_plan, trainee)
    comparison = compare_versions(first, second, business_type_of(complete_plan))
    [change] = comparison.answers
    assert change.question_key == "idea"
    assert ("insert", "Also catering.") in [(k, t.strip()) for k, t in change.pieces if k == "insert"] or any(
        "catering" in t for k, t in change.pieces if k == "insert"
    )
    assert [n.path for n in comparison.numbers] == ["owner_drawings"]


def test_word_diff_marks_deleted_and_inserted_words() -> None:
    pieces = word_diff("sell cheap meals", "sell good meals")
    assert ("delete", "cheap") in pieces
    assert ("insert", "good") in pieces
    assert "".join(t for k, t in pieces if k != "delete") == "sell good meals"


def test_stale_numbers_are_refused_not_overwritten(plan, trainee) -> None:
    services.save_assumptions(
        plan, {**plan.assumptions, "owner_drawings": "900"}, plan.assumptions_revision, trainee
    )
    with pytest.raises(services.StaleAssumptions):
        services.save_assumptions(plan, {**plan.assumptions, "owner_drawings": "100"}, 1, trainee)
    assert plan.assumptions["owner_drawings"] == "900"


def test_journey_facts_follow_plans_and_versions(complete_plan, trainee) -> None:
    other = make_person("no.plan@example.org", [Role.TRAINEE])
    facts = services.journey_facts([trainee.id, other.id])
    assert set(facts[trainee.id]) == {"plan_drafted"}
    assert facts[other.id] == {}
    services.submit_plan(complete_plan, trainee)
    db.session.commit()
    assert set(services.journey_facts([trainee.id])[trainee.id]) == {"plan_drafted", "plan_submitted"}


# --- another session wrote between this session's read and its write ---------------------------------------
# The pages read the plan, then save: another request may commit in between. These tests make that happen
# deterministically (tests/plans/test_concurrency.py races real threads).


@pytest.fixture
def other_session(app):
    """Run a function in another app context: its own database session and connection, committed."""

    def run(work):
        with app.app_context():
            try:
                result = work()
                db.session.commit()
                return result
            finally:
                db.session.remove()

    return run


def test_a_save_read_before_another_sessions_save_is_a_conflict_not_an_overwrite(
    plan, trainee, other_session
) -> None:
    services.save_answers(plan, [AnswerEdit("idea", "First text.", "en", 0)], trainee)
    db.session.commit()
    assert plan.answer("idea").revision == 1  # this session has read revision 1

    def save_elsewhere():
        elsewhere = db.session.get(BusinessPlan, plan.id)
        return services.save_answers(elsewhere, [AnswerEdit("idea", "Other tab.", "en", 1)], elsewhere.owner)

    assert other_session(save_elsewhere).saved == {"idea": 2}

    outcome = services.save_answers(plan, [AnswerEdit("idea", "This tab.", "fr", 1)], trainee)
    db.session.commit()
    assert outcome.saved == {}
    [conflict] = outcome.conflicts
    assert (conflict.theirs, conflict.theirs_revision, conflict.yours) == ("Other tab.", 2, "This tab.")
    db.session.expire_all()
    answer = db.session.get(BusinessPlan, plan.id).answer("idea")
    assert (answer.text, answer.revision) == ("Other tab.", 2)
    assert len(audit_events("plan.answers_saved")) == 2


def test_a_first_answer_stored_meanwhile_by_another_session_is_a_conflict_not_an_error(
    plan, trainee, other_session
) -> None:
    assert plan.answers == []  # this session has read: no answer yet

    def answer_elsewhere():
        elsewhere = db.session.get(BusinessPlan, plan.id)
        services.save_answers(elsewhere, [AnswerEdit("idea", "Other tab.", "en", 0)], elsewhere.owner)

    other_session(answer_elsewhere)
    outcome = services.save_answers(
        plan,
        [AnswerEdit("idea", "This tab.", "en", 0), AnswerEdit("business_name", "Chez Awa", "en", 0)],
        trainee,
    )
    db.session.commit()
    assert outcome.saved == {"business_name": 1}  # the other answer of the page is saved all the same
    [conflict] = outcome.conflicts
    assert (conflict.theirs, conflict.theirs_revision, conflict.yours) == ("Other tab.", 1, "This tab.")
    assert plan.answer("idea").text == "Other tab."


def test_the_same_first_answer_stored_meanwhile_is_simply_saved(plan, trainee, other_session) -> None:
    assert plan.answers == []

    def answer_elsewhere():
        elsewhere = db.session.get(BusinessPlan, plan.id)
        services.save_answers(elsewhere, [AnswerEdit("idea", "Same words.", "en", 0)], elsewhere.owner)

    other_session(answer_elsewhere)
    outcome = services.save_answers(plan, [AnswerEdit("idea", "Same words.", "en", 0)], trainee)
    assert (outcome.saved, outcome.conflicts, outcome.complete) == ({}, [], True)
    assert plan.answer("idea").revision == 1


def test_numbers_saved_meanwhile_by_another_session_make_this_save_stale(
    plan, trainee, other_session
) -> None:
    assert plan.assumptions_revision == 1

    def save_elsewhere():
        elsewhere = db.session.get(BusinessPlan, plan.id)
        document = {**elsewhere.assumptions, "owner_drawings": "900"}
        services.save_assumptions(elsewhere, document, 1, elsewhere.owner)

    other_session(save_elsewhere)
    with pytest.raises(services.StaleAssumptions):
        services.save_assumptions(plan, {**plan.assumptions, "owner_drawings": "100"}, 1, trainee)
    # This session now holds what is stored, for the conflict to show next to the typed values.
    assert (plan.assumptions["owner_drawings"], plan.assumptions_revision) == ("900", 2)
    db.session.rollback()
    db.session.expire_all()
    stored = db.session.get(BusinessPlan, plan.id)
    assert (stored.assumptions["owner_drawings"], stored.assumptions_revision) == ("900", 2)
    # Posting the very numbers stored meanwhile is no conflict and no new revision.
    services.save_assumptions(stored, {**stored.assumptions}, 2, trainee)
    assert stored.assumptions_revision == 2


def test_the_same_numbers_saved_meanwhile_are_no_conflict(plan, trainee, other_session) -> None:
    document = {**plan.assumptions, "owner_drawings": "900"}

    def save_elsewhere():
        elsewhere = db.session.get(BusinessPlan, plan.id)
        services.save_assumptions(elsewhere, dict(document), 1, elsewhere.owner)

    other_session(save_elsewhere)
    services.save_assumptions(plan, dict(document), 1, trainee)
    assert plan.assumptions_revision == 2
    assert len(audit_events("plan.assumptions_saved")) == 1


def test_a_plan_sent_meanwhile_from_another_window_is_not_sent_twice(
    complete_plan, trainee, other_session
) -> None:
    assert complete_plan.versions == []  # this session has read: never sent

    def submit_elsewhere():
        elsewhere = db.session.get(BusinessPlan, complete_plan.id)
        return services.submit_plan(elsewhere, elsewhere.owner).number

    assert other_session(submit_elsewhere) == 1
    with pytest.raises(DomainError) as raised:
        services.submit_plan(complete_plan, trainee)
    assert raised.value.errors == {"": _("Nothing changed since you last sent this plan.")}
    db.session.rollback()
    assert [v.number for v in db.session.get(BusinessPlan, complete_plan.id).versions] == [1]


def test_a_plan_sent_back_meanwhile_is_not_sent_back_again(
    complete_plan, trainee, mentor, other_session
) -> None:
    services.submit_plan(complete_plan, trainee)
    db.session.commit()
    assert review_state(complete_plan) == ReviewState.SUBMITTED  # this session has read: waiting for review

    def send_back_elsewhere():
        elsewhere = db.session.get(BusinessPlan, complete_plan.id)
        services.request_changes(elsewhere, db.session.get(User, mentor.id), "From the other tab.")

    other_session(send_back_elsewhere)
    with pytest.raises(DomainError) as raised:
        services.request_changes(complete_plan, mentor, "From this tab.")
    assert raised.value.errors == {
        "": _("This plan was already sent back to the trainee: it is no longer waiting for review.")
    }
    db.session.rollback()
    assert [e.after["note"] for e in audit_events("plan.changes_requested")] == ["From the other tab."]


def test_should_two_submissions_still_meet_at_the_unique_key_the_second_gets_a_clear_message(
    complete_plan, trainee, other_session, monkeypatch
) -> None:
    """The row lock keeps submissions apart; the unique version number is the last line behind it."""
    assert complete_plan.versions == []

    def submit_elsewhere():
        elsewhere = db.session.get(BusinessPlan, complete_plan.id)
        services.submit_plan(elsewhere, elsewhere.owner)

    other_session(submit_elsewhere)
    monkeypatch.setattr(services, "lock_plan", lambda plan: None)
    with pytest.raises(DomainError) as raised:
        services.submit_plan(complete_plan, trainee)
    assert raised.value.errors == {
        "": _("This plan was just sent from another window; it was sent only once.")
    }
    db.session.rollback()
    assert [v.number for v in db.session.get(BusinessPlan, complete_plan.id).versions] == [1]
