"""Business plan state changes: creating, autosaving answers and numbers, submitting and reviewing.

Every change is audited; services flush and the request commits. A save made from a stale page (another
tab, a phone that was offline) never overwrites newer text: it comes back as a Conflict showing both.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from workbench import events
from workbench.audit.services import record, record_changes
from workbench.auth.models import User
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.finance import AssumptionsError, ProjectionResult, Scenario, project
from workbench.plans import mail
from workbench.plans.catalogue import UnknownBusinessType, business_type_of, get_business_type
from workbench.plans.checklist import plan_checklist
from workbench.plans.languages import ANSWER_LANGUAGES
from workbench.plans.models import BusinessPlan, Decision, PlanAnswer, PlanVersion, ReviewDecision
from workbench.plans.results import results_document
from workbench.plans.review import WAITING, ReviewStatus, endorsed_since, latest_decision, review_status
from workbench.timeutil import utcnow

#: Beyond this an answer is refused outright, whatever the question; a question's own max_length is refused
#: by save_answers too, with its own message.
MAX_ANSWER_CHARACTERS = 20_000


@dataclass(frozen=True)
class AnswerEdit:
    """What the page sent for one question: the text, its language and the revision the page was showing."""

    question_key: str
    text: str
    language: str
    base_revision: int


@dataclass(frozen=True)
class Conflict:
    """The stored answer changed since the page loaded it: both texts are shown, neither is lost."""

    question_key: str
    theirs: str
    theirs_language: str
    theirs_revision: int
    yours: str
    yours_language: str


@dataclass
class SaveOutcome:
    saved: dict[str, int] = field(default_factory=dict)  # question key -> new revision
    conflicts: list[Conflict] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # question key -> message

    #: every posted answer is stored (just now, or already as it was): the page can say "Saved"
    complete: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.saved)


class StaleAssumptions(Exception):
    """The numbers were saved from another tab since this page loaded them (the page words it)."""


def create_plan(
    *,
    owner: User,
    business_type: str,
    title: str,
    from_example: bool = False,
    assumptions: dict[str, Any] | None = None,
    language: str | None = None,
) -> BusinessPlan:
    """A new draft from a business type's template: its typical numbers, or its whole example plan, or
    numbers imported from a file (`assumptions`, kept as they are). The template's row names and the default
    title are written in `language` (the interface's at creation), else in the owner's."""
    try:
        template = get_business_type(business_type)
    except UnknownBusinessType as error:
        raise DomainError({"business_type": _("Choose one of the business types.")}) from error
    example = template.example_plan
    language = language or owner.locale or "it"
    plan = BusinessPlan(
        owner_id=owner.id,
        business_type=template.key,
        template_version=template.version,
        title=title.strip() or template.name(language),
        assumptions=copy.deepcopy(assumptions)
        if assumptions is not None
        else template.example_numbers(language)
        if from_example
        else template.typical_numbers(language),
    )
    if from_example:
        plan.answers = [
            PlanAnswer(question_key=key, text=text, language=example.get("language", "it"))
            for key, text in example["answers"].items()
        ]
    db.session.add(plan)
    record(
        "plan.created",
        plan,
        owner,
        after={
            "business_type": template.key,
            "title": plan.title,
            "from_example": from_example,
            "imported": assumptions is not None,
        },
    )
    return plan


def import_plan(owner: User, document: dict[str, Any]) -> BusinessPlan:
    """A new plan with the numbers of a checked file (exports.read_assumptions_json)."""
    return create_plan(
        owner=owner,
        business_type=document["business_type"],
        title=str(document.get("title") or "")[:160],
        assumptions=document["assumptions"],
    )


def save_answers(plan: BusinessPlan, edits: list[AnswerEdit], actor: User) -> SaveOutcome:
    """Store what changed; stale edits of text that changed meanwhile become conflicts, not overwrites.

    Each write is a compare-and-set in the database, so of two saves made at the same moment from the same
    revision exactly one is stored and the other comes back as a conflict showing both texts."""
    template = business_type_of(plan)
    outcome = SaveOutcome()
    for edit in edits:
        if template.question(edit.question_key) is None:
            outcome.errors[edit.question_key] = _("This question is not part of your plan.")
            continue
        if edit.language not in ANSWER_LANGUAGES:
            outcome.errors[edit.question_key] = _("Choose the language you wrote in.")
            continue
        if len(edit.text) > MAX_ANSWER_CHARACTERS:
            outcome.errors[edit.question_key] = _(
                "This answer is too long to save (%(n)d characters at most).", n=MAX_ANSWER_CHARACTERS
            )
            continue
        limit = template.question(edit.question_key).max_length
        if limit and len(edit.text.strip()) > limit:
            outcome.errors[edit.question_key] = _(
                "Not saved: this answer has %(now)d characters, at most %(n)d fit. Shorten it; your text is "
                "still here.",
                now=len(edit.text.strip()),
                n=limit,
            )
            continue
        _save_answer(plan, edit, outcome)
    if outcome.changed:
        plan.updated_at = utcnow()
        record("plan.answers_saved", plan, actor, after={"revisions": outcome.saved})
    outcome.complete = not outcome.conflicts and not outcome.errors
    return outcome


#: A save is retried against the row as it is now only while someone else keeps changing it; past this the
#: edit is shown as a conflict rather than waited on.
_SAVE_ATTEMPTS = 3


def _save_answer(plan: BusinessPlan, edit: AnswerEdit, outcome: SaveOutcome) -> None:
    current = plan.answer(edit.question_key)
    for _attempt in range(_SAVE_ATTEMPTS):
        if current is None:
            if not edit.text.strip():
                return
            if _insert_first_answer(plan, edit):
                outcome.saved[edit.question_key] = 1
                return
            # Someone else wrote the first answer meanwhile: judge this edit against theirs.
            current = _reload_answer(plan, edit.question_key)
            continue
        if current.text == edit.text and current.language == edit.language:
            return
        if edit.base_revision != current.revision and current.text != edit.text:
            break
        if _update_answer(current, edit):
            outcome.saved[edit.question_key] = current.revision
            return
        current = _reload_answer(plan, edit.question_key)
    if current is None or (current.text == edit.text and current.language == edit.language):
        return
    outcome.conflicts.append(
        Conflict(
            question_key=edit.question_key,
            theirs=current.text,
            theirs_language=current.language,
            theirs_revision=current.revision,
            yours=edit.text,
            yours_language=edit.language,
        )
    )


def _insert_first_answer(plan: BusinessPlan, edit: AnswerEdit) -> bool:
    """Insert the first answer to a question unless another one was stored meanwhile (no unique violation:
    the database skips the row and says so)."""
    if plan.id is None:
        db.session.flush()
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else postgresql_insert
    inserted = db.session.execute(
        insert(PlanAnswer)
        .values(
            plan_id=plan.id,
            question_key=edit.question_key,
            text=edit.text,
            language=edit.language,
            revision=1,
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["plan_id", "question_key"])
        .returning(PlanAnswer.id)
    ).scalar_one_or_none()
    db.session.expire(plan, ["answers"])
    return inserted is not None


def _update_answer(current: PlanAnswer, edit: AnswerEdit) -> bool:
    """Write the edit only if the stored revision is still the one it was judged against."""
    moment = utcnow()
    result = db.session.execute(
        update(PlanAnswer)
        .where(PlanAnswer.id == current.id, PlanAnswer.revision == current.revision)
        .values(text=edit.text, language=edit.language, revision=PlanAnswer.revision + 1, updated_at=moment),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        return False
    for name, value in (
        ("text", edit.text),
        ("language", edit.language),
        ("revision", current.revision + 1),
        ("updated_at", moment),
    ):
        set_committed_value(current, name, value)
    return True


def _reload_answer(plan: BusinessPlan, question_key: str) -> PlanAnswer | None:
    """The answer as stored now, committed by another session since this one read it."""
    return db.session.scalars(
        select(PlanAnswer)
        .where(PlanAnswer.plan_id == plan.id, PlanAnswer.question_key == question_key)
        .execution_options(populate_existing=True)
    ).one_or_none()


def save_assumptions(
    plan: BusinessPlan, assumptions: dict[str, Any], base_revision: int, actor: User
) -> None:
    """Store the numbers as typed (even when the projection refuses them, so nothing is lost).

    The revision is compared and bumped in one UPDATE, so of two saves from the same revision exactly one
    is stored; the other raises StaleAssumptions (unless it posted what the first one stored)."""
    if base_revision == plan.assumptions_revision and assumptions == plan.assumptions:
        return
    if base_revision == plan.assumptions_revision:
        stored = json.loads(json.dumps(assumptions))  # a copy of its own (JSON, as stored), fast
        moment = utcnow()
        result = db.session.execute(
            update(BusinessPlan)
            .where(BusinessPlan.id == plan.id, BusinessPlan.assumptions_revision == base_revision)
            .values(assumptions=stored, assumptions_revision=base_revision + 1, updated_at=moment),
            execution_options={"synchronize_session": False},
        )
        if result.rowcount == 1:
            set_committed_value(plan, "assumptions", stored)
            set_committed_value(plan, "assumptions_revision", base_revision + 1)
            set_committed_value(plan, "updated_at", moment)
            record("plan.assumptions_saved", plan, actor, after={"revision": plan.assumptions_revision})
            return
        # Saved from another window a moment ago: show what is stored now.
        db.session.refresh(plan, ["assumptions", "assumptions_revision", "updated_at"])
        if assumptions == plan.assumptions:
            return
    raise StaleAssumptions(plan.id)


def projection_of(
    assumptions: dict[str, Any], scenario: Scenario | None = None
) -> tuple[ProjectionResult | None, AssumptionsError | None]:
    try:
        return project(assumptions, scenario), None
    except AssumptionsError as error:
        return None, error


def answers_document(plan: BusinessPlan) -> dict[str, dict[str, str]]:
    return {a.question_key: {"text": a.text, "language": a.language} for a in plan.answers if a.text.strip()}


def lock_plan(plan: BusinessPlan) -> None:
    """Hold the plan's row until the transaction ends, then re-read the plan, its answers and its versions.

    Decisions that depend on the review state and the versions (submit, send back) are so taken one at a
    time, each seeing what the one before it committed."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: the first write takes the database's write lock, which serialises the same.
        db.session.execute(
            update(BusinessPlan).where(BusinessPlan.id == plan.id).values(updated_at=BusinessPlan.updated_at),
            execution_options={"synchronize_session": False},
        )
    db.session.scalars(
        select(BusinessPlan)
        .where(BusinessPlan.id == plan.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    db.session.scalars(
        select(PlanAnswer).where(PlanAnswer.plan_id == plan.id).execution_options(populate_existing=True)
    ).all()
    db.session.expire(plan, ["answers", "versions"])


def has_unsent_changes(plan: BusinessPlan) -> bool:
    latest = plan.latest_version
    if latest is None:
        return True
    return (
        latest.answers != answers_document(plan)
        or latest.assumptions != plan.assumptions
        or latest.title != plan.title
    )


def submit_plan(plan: BusinessPlan, actor: User) -> PlanVersion:
    """Freeze the plan as a new version for the mentor: answers, numbers, results and template version."""
    lock_plan(plan)
    missing = [item for item in plan_checklist(plan) if not item.done]
    if missing:
        raise DomainError(
            {
                "": ngettext(
                    "Your plan is not complete yet: %(num)d thing is missing.",
                    "Your plan is not complete yet: %(num)d things are missing.",
                    len(missing),
                )
            }
        )
    if plan.latest_version is not None and not has_unsent_changes(plan):
        raise DomainError({"": _("Nothing changed since you last sent this plan.")})
    result, error = projection_of(plan.assumptions)
    if result is None:  # the checklist already refuses a projection with errors
        raise DomainError({"": str(error)})
    number = len(plan.versions) + 1
    with record_changes("plan.submitted", plan, actor, status=lambda: review_status(plan).state) as change:
        version = PlanVersion(
            plan=plan,
            number=number,
            business_type=plan.business_type,
            template_version=plan.template_version,
            title=plan.title,
            answers=answers_document(plan),
            assumptions=copy.deepcopy(plan.assumptions),
            results=results_document(result),
            submitted_by_id=actor.id,
        )
        db.session.add(version)
        try:
            db.session.flush()
        except IntegrityError as error:  # unlikely behind the lock; a double click must still not be a 500
            raise DomainError(
                {"": _("This plan was just sent from another window; it was sent only once.")}
            ) from error
        change.also["version"] = number
    mail.plan_sent(plan, version)
    return version


#: A reviewer's note is plain text of at most this many characters (the forms say so too).
MAX_NOTE_CHARACTERS = 4000


def request_changes(plan: BusinessPlan, reviewer: User, note: str) -> ReviewDecision:
    """The reviewer sends the latest version back with a note saying what to change: a decision row."""
    decision = _decide(
        plan,
        reviewer,
        Decision.CHANGES_REQUESTED,
        note,
        missing_note=_("Say what the trainee should change."),
    )
    mail.changes_requested(plan, decision)
    return decision


def endorse_plan(plan: BusinessPlan, reviewer: User, note: str) -> ReviewDecision:
    """The reviewer endorses the latest version as ready for credit, with a note saying why: a decision row.

    This is what lets the trainee apply for a loan on that version; `events.plan_endorsed` is sent in the same
    transaction (sender: the decision), so what runs from the endorsement lands with it or not at all."""
    decision = _decide(
        plan,
        reviewer,
        Decision.ENDORSED,
        note,
        missing_note=_("Say why the plan is ready for credit: the trainee and the loan officer read it."),
    )
    events.plan_endorsed.send(decision, actor=reviewer)
    mail.endorsed(plan, decision)
    return decision


def _decide(
    plan: BusinessPlan, reviewer: User, kind: Decision, note: str, *, missing_note: str
) -> ReviewDecision:
    """One decision on the latest version, which must be waiting for review.

    The plan's row lock takes decisions one at a time (two mentors of the same trainee, a double click, a
    second tab): the second sees the first one's decision and is told who decided what. The unique decision
    per version is the last line behind the lock, so exactly one is ever stored."""
    lock_plan(plan)
    status = review_status(plan)
    if status.state not in WAITING:
        raise DomainError({"": not_waiting_message(plan, status)})
    note = note.strip()
    if not note:
        raise DomainError({"note": missing_note})
    if len(note) > MAX_NOTE_CHARACTERS:
        raise DomainError(
            {"note": _("This note is too long (%(n)d characters at most).", n=MAX_NOTE_CHARACTERS)}
        )
    latest = db.session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == status.version)
    ).one()
    decision = ReviewDecision(version=latest, reviewer_id=reviewer.id, decision=kind.value, note=note)
    with record_changes(
        "plan.endorsed" if kind == Decision.ENDORSED else "plan.changes_requested",
        plan,
        reviewer,
        status=lambda: review_status(plan).state,
    ) as change:
        try:
            with db.session.begin_nested():
                db.session.add(decision)
        except IntegrityError as error:
            raise DomainError({"": decided_message(_decision_on(latest.id))}) from error
        change.also.update(version=status.version, note=note, decision_id=decision.id)
    return decision


def _decision_on(version_id: int) -> ReviewDecision | None:
    return db.session.scalars(
        select(ReviewDecision)
        .where(ReviewDecision.version_id == version_id)
        .execution_options(populate_existing=True)
    ).one_or_none()


def not_waiting_message(plan: BusinessPlan, status: ReviewStatus | None = None) -> str:
    """Why a decision cannot be taken on the plan now: what was decided on its latest version, and by whom."""
    status = status or review_status(plan)
    if status.version is None:
        return _("Only a plan waiting for review can be sent back or endorsed.")
    return decided_message(latest_decision(plan))


def decided_message(decision: ReviewDecision | None) -> str:
    """What the second of two reviewers (or a second tab) is told: the version was decided a moment ago."""
    if decision is not None and decision.decision == Decision.ENDORSED:
        return _(
            "%(name)s has already endorsed version %(n)d as ready for credit: it is no longer waiting "
            "for review.",
            name=decision.reviewer.full_name,
            n=decision.version.number,
        )
    return already_sent_back()


def already_sent_back() -> str:
    return _("This plan was already sent back to the trainee: it is no longer waiting for review.")


def journey_facts(
    user_ids: list[int], plans: dict[int, list[BusinessPlan]] | None = None
) -> dict[int, dict[str, datetime]]:
    """For each trainee, when they first had a plan ready (complete, or sent for review: "plan_drafted"),
    when they first sent one ("plan_submitted") and, while a plan's latest version is endorsed as ready for
    credit, when that endorsement was made ("plan_endorsed"; a plan changed and sent again after its
    endorsement waits for review again, and so does this step). A plan just started is not drafted, whatever
    its template filled in: completeness is the checklist's, counted on what the person did. ``plans``: their
    plans_of(user_ids), when the caller has loaded them already."""
    facts: dict[int, dict[str, datetime]] = {uid: {} for uid in user_ids}
    if not user_ids:
        return facts
    first_sent = dict(
        db.session.execute(
            select(PlanVersion.plan_id, func.min(PlanVersion.submitted_at))
            .join(BusinessPlan, PlanVersion.plan_id == BusinessPlan.id)
            .where(BusinessPlan.owner_id.in_(user_ids))
            .group_by(PlanVersion.plan_id)
        ).all()
    )
    plans = plans_of(user_ids, answers=False) if plans is None else plans
    # Only the plans never sent need their answers (the checklist): loaded for them alone, in one query.
    load_answers([plan for owned in plans.values() for plan in owned if plan.id not in first_sent])
    for owner_id, owned in plans.items():
        sent = [first_sent[plan.id] for plan in owned if plan.id in first_sent]
        ready = sent + [
            plan.updated_at
            for plan in owned
            if plan.id not in first_sent and all(item.done for item in plan_checklist(plan))
        ]
        if ready:
            facts[owner_id]["plan_drafted"] = min(ready)
        if sent:
            facts[owner_id]["plan_submitted"] = min(sent)
    for owner_id, moment in endorsed_since(user_ids).items():
        facts[owner_id]["plan_endorsed"] = moment
    return facts


def plans_of(owner_ids: list[int], *, answers: bool = True) -> dict[int, list[BusinessPlan]]:
    """Each person's plans, most recently changed first (one query, and one for their answers unless
    ``answers`` is False: lists that show no answer skip reading every answer of every plan)."""
    found: dict[int, list[BusinessPlan]] = {}
    if not owner_ids:
        return found
    query = (
        select(BusinessPlan)
        .where(BusinessPlan.owner_id.in_(owner_ids))
        .order_by(BusinessPlan.updated_at.desc())
    )
    if not answers:
        query = query.options(lazyload(BusinessPlan.answers))
    for plan in db.session.scalars(query):
        found.setdefault(plan.owner_id, []).append(plan)
    return found


def load_answers(plans: list[BusinessPlan]) -> None:
    """The answers of the plans that have not read them yet, in one query for all."""
    missing = {plan.id: plan for plan in plans if "answers" not in plan.__dict__}
    if not missing:
        return
    found: dict[int, list[PlanAnswer]] = {plan_id: [] for plan_id in missing}
    for answer in db.session.scalars(select(PlanAnswer).where(PlanAnswer.plan_id.in_(missing))):
        found[answer.plan_id].append(answer)
    for plan_id, plan in missing.items():
        set_committed_value(plan, "answers", found[plan_id])
