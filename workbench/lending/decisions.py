"""Four eyes: one person proposes a decision on a subject, a different person confirms or declines it.

Generic over the subject: a kind of subject registers itself once (:func:`register_subject`) with how to lock
one subject, which actions it accepts and what to check before a proposal is made or confirmed; the same
table (:class:`~workbench.lending.decisions_models.Proposal`) and the same services then serve every decision
that needs two people: an application's decision (applications.py), a loan's write-off or reschedule
(loan_decisions.py).

API: ``propose(subject_type, subject_id, action, actor=, terms=, note=)``,
``confirm(proposal, actor)``, ``decline(proposal, actor, reason)``, ``pending_proposal(subject_type,
subject_id)``, ``proposals_of(subject_type, ids)``, ``waiting_for(user)`` / ``waiting_count(user)`` (the
checker's inbox), ``can_check(user, proposal)``.

Safe under a double click, a second tab and two people at once:
- one proposal waits per subject (a partial unique index): of two proposals made at once one is stored and
  the other person is told;
- confirming or declining locks the proposal's row, then writes its outcome only where none is written yet
  (compare-and-set): two confirmations at once confirm once, a declined proposal cannot be confirmed;
- nobody confirms their own proposal: refused here, whatever the page showed.

Services flush; the request commits. Every proposal, confirmation and decline is audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.auth.permissions import is_manager
from workbench.auth.roles import Role
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.lending.decisions_models import CONFIRMED, DECLINED, Proposal
from workbench.timeutil import utcnow

#: A note or a reason longer than this is refused (the text comes back to be shortened, never lost).
MAX_NOTE_CHARACTERS = 2_000


@dataclass(frozen=True)
class SubjectKind:
    """How one kind of subject takes part in four-eyes decisions.

    - ``actions``: the actions that may be proposed;
    - ``lock(subject_id)``: hold the subject's row until the transaction ends (and 404-like DomainError when
      it is gone);
    - ``check_proposal(subject_id, action, terms)``: raise DomainError when the action cannot be proposed now
      (returns the terms as they are stored);
    - ``on_confirmed(proposal, actor)``: what a confirmation does beyond recording it (nothing for an
      application, whose state is derived from the proposals).
    """

    actions: tuple[str, ...]
    lock: Callable[[int], None]
    check_proposal: Callable[[int, str, Mapping[str, Any]], dict[str, Any]]
    on_confirmed: Callable[[Proposal, User], None] = field(default=lambda proposal, actor: None)
    #: Actions whose proposal needs a note (a rejection's reason, a send-back's note).
    note_required: frozenset[str] = frozenset()


SUBJECTS: dict[str, SubjectKind] = {}


def register_subject(subject_type: str, kind: SubjectKind) -> None:
    SUBJECTS[subject_type] = kind


def _kind(subject_type: str) -> SubjectKind:
    kind = SUBJECTS.get(subject_type)
    if kind is None:
        raise LookupError(f"no four-eyes subject {subject_type!r} is registered")
    return kind


def _checked_text(text: str | None, field_name: str, required: bool, missing: str) -> str:
    tidy = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not tidy:
        raise DomainError({field_name: missing})
    if len(tidy) > MAX_NOTE_CHARACTERS:
        raise DomainError(
            {
                field_name: _(
                    "This text has %(now)d characters, at most %(n)d fit. Shorten it; your text is still "
                    "here.",
                    now=len(tidy),
                    n=MAX_NOTE_CHARACTERS,
                )
            }
        )
    return tidy


# --- permissions -------------------------------------------------------------------------------------------


def is_checker(user: User) -> bool:
    """Who may confirm or decline a proposal: loan officers and managers."""
    return user.is_authenticated and (user.has_role(Role.OFFICER) or is_manager(user))


def can_check(user: User, proposal: Proposal) -> bool:
    """A checker other than the proposer, while the proposal waits."""
    return is_checker(user) and proposal.pending and proposal.proposed_by_id != user.id


# --- proposing ---------------------------------------------------------------------------------------------


def propose(
    subject_type: str,
    subject_id: int,
    action: str,
    *,
    actor: User,
    terms: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> Proposal:
    """Propose `action` on the subject, to be confirmed by someone else. One proposal waits per subject."""
    kind = _kind(subject_type)
    if action not in kind.actions:
        raise DomainError({"action": _("Choose what you propose.")})
    tidy_note = _checked_text(
        note, "note", action in kind.note_required, _("Write the reason: the applicant will read it.")
    )
    kind.lock(subject_id)
    waiting = pending_proposal(subject_type, subject_id)
    if waiting is not None:
        raise DomainError({"": _already_waiting(waiting)})
    stored_terms = kind.check_proposal(subject_id, action, terms or {})
    proposal = Proposal(
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        terms=stored_terms,
        note=tidy_note,
        proposed_by_id=actor.id,
        proposed_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(proposal)
    except IntegrityError as error:
        waiting = pending_proposal(subject_type, subject_id)
        raise DomainError(
            {"": _already_waiting(waiting) if waiting else _("A decision is already waiting.")}
        ) from error
    record(
        "proposal.made",
        proposal,
        actor,
        after={
            "subject_type": subject_type,
            "subject_id": subject_id,
            "action": action,
            "terms": stored_terms,
            "note": tidy_note,
        },
    )
    return proposal


def _already_waiting(waiting: Proposal) -> str:
    return _(
        "%(name)s already proposed a decision on %(date)s: it waits for confirmation. Nothing was added.",
        name=waiting.proposed_by.full_name,
        date=waiting.proposed_at.date().isoformat(),
    )


# --- confirming and declining ------------------------------------------------------------------------------


def _lock(proposal: Proposal) -> None:
    """Hold the proposal's row, then re-read it (SQLite: the write that follows takes the database's lock)."""
    db.session.scalars(
        select(Proposal)
        .where(Proposal.id == proposal.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _refuse_if_decided(proposal: Proposal) -> None:
    if proposal.outcome == CONFIRMED:
        raise DomainError(
            {"": _("%(name)s has already confirmed this decision.", name=_name(proposal.decided_by))}
        )
    if proposal.outcome == DECLINED:
        raise DomainError({"": _("%(name)s has declined this proposal.", name=_name(proposal.decided_by))})


def _name(user: User | None) -> str:
    return user.full_name if user is not None else _("someone")


def _decide(proposal: Proposal, actor: User, outcome: str, reason: str | None) -> None:
    """Write the outcome where none is written yet; of two at once, exactly one writes."""
    now = utcnow()
    written = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.outcome.is_(None))
        .values(outcome=outcome, decided_by_id=actor.id, decided_at=now, decline_reason=reason),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.refresh(proposal)
    if written != 1:
        _refuse_if_decided(proposal)
        raise DomainError({"": _("This proposal has already been decided.")})


def confirm(proposal: Proposal, actor: User) -> Proposal:
    """The second pair of eyes agrees: the proposal's action takes effect. Never by its proposer."""
    if actor.id == proposal.proposed_by_id:
        raise DomainError(
            {"": _("You proposed this decision: another officer or a manager must confirm it.")}
        )
    kind = _kind(proposal.subject_type)
    kind.lock(proposal.subject_id)
    _lock(proposal)
    _refuse_if_decided(proposal)
    _decide(proposal, actor, CONFIRMED, None)
    record(
        "proposal.confirmed",
        proposal,
        actor,
        before={"outcome": None},
        after={
            "outcome": CONFIRMED,
            "subject_type": proposal.subject_type,
            "subject_id": proposal.subject_id,
            "action": proposal.action,
            "proposed_by_id": proposal.proposed_by_id,
        },
    )
    kind.on_confirmed(proposal, actor)
    return proposal


def decline(proposal: Proposal, actor: User, reason: str | None) -> Proposal:
    """The second pair of eyes disagrees, saying why; the subject may then get a new proposal."""
    if actor.id == proposal.proposed_by_id:
        raise DomainError(
            {"": _("You proposed this decision: another officer or a manager must confirm it.")}
        )
    tidy = _checked_text(reason, "reason", True, _("Write why you decline: the proposer will read it."))
    _kind(proposal.subject_type).lock(proposal.subject_id)
    _lock(proposal)
    _refuse_if_decided(proposal)
    _decide(proposal, actor, DECLINED, tidy)
    record(
        "proposal.declined",
        proposal,
        actor,
        before={"outcome": None},
        after={
            "outcome": DECLINED,
            "reason": tidy,
            "subject_type": proposal.subject_type,
            "subject_id": proposal.subject_id,
            "action": proposal.action,
        },
    )
    return proposal


# --- reading -----------------------------------------------------------------------------------------------


def pending_proposal(subject_type: str, subject_id: int) -> Proposal | None:
    return db.session.scalar(
        select(Proposal)
        .where(
            Proposal.subject_type == subject_type,
            Proposal.subject_id == subject_id,
            Proposal.outcome.is_(None),
        )
        .options(selectinload(Proposal.proposed_by))
        .execution_options(populate_existing=True)
    )


def proposals_of(subject_type: str, subject_ids: Iterable[int]) -> dict[int, list[Proposal]]:
    """Each subject's proposals, the latest first, with who proposed and decided (one query + people)."""
    ids = list(subject_ids)
    found: dict[int, list[Proposal]] = {i: [] for i in ids}
    if not ids:
        return found
    query = (
        select(Proposal)
        .where(Proposal.subject_type == subject_type, Proposal.subject_id.in_(ids))
        .options(selectinload(Proposal.proposed_by), selectinload(Proposal.decided_by))
        .order_by(Proposal.proposed_at.desc(), Proposal.id.desc())
    )
    for proposal in db.session.scalars(query):
        found[proposal.subject_id].append(proposal)
    return found


def waiting_for(user: User) -> list[Proposal]:
    """The proposals `user` may confirm or decline, the oldest first."""
    if not is_checker(user):
        return []
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.outcome.is_(None), Proposal.proposed_by_id != user.id)
            .options(selectinload(Proposal.proposed_by))
            .order_by(Proposal.proposed_at, Proposal.id)
        )
    )


def waiting_count(user: User) -> int:
    """How many proposals wait for `user`'s confirmation (the navigation badge: one query)."""
    if not is_checker(user):
        return 0
    return (
        db.session.scalar(
            select(func.count(Proposal.id)).where(
                Proposal.outcome.is_(None), Proposal.proposed_by_id != user.id
            )
        )
        or 0
    )
