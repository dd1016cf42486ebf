"""Cohorts, invite codes, enrolment and who accompanies whom. Every change is audited; the request commits."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from workbench import events
from workbench.audit.services import record, record_changes
from workbench.auth.models import RoleGrant, User
from workbench.auth.roles import Role
from workbench.auth.services import (
    check_password_rules,
    create_user,
    find_user_by_email,
    hash_password,
    note_registration_attempt,
)
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.programme.models import DEFAULT_COMPLETION_SHARE, Cohort, Enrolment, MentorAssignment
from workbench.timeutil import utcnow

#: No 0/O, 1/I/L: codes are read aloud in class and typed on phones.
INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 8


def normalise_invite_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_invite_code() -> str:
    while True:
        code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
        if db.session.scalar(select(Cohort.id).where(Cohort.invite_code == code)) is None:
            return code


def create_cohort(
    *,
    name: str,
    city: str | None,
    starts_on: date | None,
    ends_on: date | None,
    actor: User | None,
    partners: str | None = None,
    completion_share: int = DEFAULT_COMPLETION_SHARE,
) -> Cohort:
    name = name.strip()
    taken = DomainError({"name": _("A cohort with this name already exists.")})
    # SQLite's lower() knows only ASCII letters: the exact name is looked for as well.
    same_name = or_(Cohort.name == name, func.lower(Cohort.name) == name.lower())
    if db.session.scalar(select(Cohort.id).where(same_name)) is not None:
        raise taken
    check_cohort_details(starts_on, ends_on, completion_share)
    cohort = Cohort(
        name=name,
        city=(city or "").strip() or None,
        starts_on=starts_on,
        ends_on=ends_on,
        partners=normalise_partners(partners),
        completion_share=completion_share,
    )
    cohort.invite_code = new_invite_code()
    try:
        with db.session.begin_nested():  # the same name created a moment ago from another window
            db.session.add(cohort)
    except IntegrityError as error:
        raise taken from error
    after = {"name": cohort.name, "city": cohort.city}
    if cohort.partners:
        after["partners"] = cohort.partners
    if completion_share != DEFAULT_COMPLETION_SHARE:
        after["completion_share"] = completion_share
    record("cohort.created", cohort, actor, after=after)
    return cohort


def normalise_partners(text: str | None) -> str | None:
    """One partner per line, without blank lines or spaces around; None when there is none."""
    lines = [line.strip() for line in (text or "").splitlines()]
    return "\n".join(line for line in lines if line) or None


def check_cohort_details(starts_on: date | None, ends_on: date | None, completion_share: int) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError({"ends_on": _("The end date must come after the start date.")})
    if not isinstance(completion_share, int) or not 1 <= completion_share <= 100:
        raise DomainError({"completion_share": _("Enter a whole percentage from 1 to 100.")})


def issue_invite_code(cohort: Cohort, actor: User) -> str:
    """Give the cohort a fresh code; the old one stops working at once."""
    with record_changes("cohort.invite_code_issued", cohort, actor, code="invite_code"):
        cohort.invite_code = new_invite_code()
    return cohort.invite_code


def close_registration(cohort: Cohort, actor: User) -> None:
    with record_changes("cohort.registration_closed", cohort, actor, code="invite_code"):
        cohort.invite_code = None


def find_cohort_by_code(code: str) -> Cohort | None:
    normalised = normalise_invite_code(code)
    if not normalised:
        return None
    return db.session.scalar(select(Cohort).where(Cohort.invite_code == normalised))


def enrol(user: User, cohort: Cohort, actor: User | None) -> Enrolment:
    existing = enrolment_of(user)
    if existing is not None:
        raise DomainError(
            {
                "": _(
                    "%(name)s is already enrolled in %(cohort)s.",
                    name=user.full_name,
                    cohort=existing.cohort.name,
                )
            }
        )
    enrolment = Enrolment(user_id=user.id, cohort=cohort)
    db.session.add(enrolment)
    record("enrolment.created", enrolment, actor, after={"user_id": user.id, "cohort_id": cohort.id})
    db.session.flush()
    events.enrolled.send(enrolment, actor=actor)
    return enrolment


def register_trainee(
    *,
    invite_code: str,
    full_name: str,
    email: str,
    password: str,
    locale: str | None,
    country: str | None = None,
    phone: str | None = None,
    gender: str | None = None,
) -> User | None:
    """A trainee signs up with a cohort's invite code and is enrolled in that cohort.

    Whether an e-mail already has an account is never told to the visitor: for a taken e-mail the owner
    gets a notice at their next login and this returns None, after the same work (a password hash) as a
    new account, so both answers look and take alike.
    """
    cohort = find_cohort_by_code(invite_code)
    if cohort is None:
        raise DomainError(
            {
                "invite_code": _(
                    "This invite code is not valid. Check it with your programme, or ask for a new one."
                )
            }
        )
    owner = find_user_by_email(email)
    if owner is not None:
        check_password_rules(password)
        hash_password(password)
        note_registration_attempt(owner)
        return None
    user = create_user(
        email=email,
        full_name=full_name,
        password=password,
        roles=[Role.TRAINEE],
        actor=None,
        locale=locale,
        country=country,
        phone=phone,
        gender=gender,
    )
    db.session.flush()
    enrol(user, cohort, actor=user)
    return user


def complete_training(
    enrolment: Enrolment, actor: User | None, *, basis: dict[str, Any] | None = None
) -> bool:
    """Record that the trainee completed the training, now; False if it already was (a double click, the
    register and a manager at the same moment). One compare-and-set UPDATE decides, so it is recorded and
    audited once. `basis` adds to the audit event what the completion rests on (the hours attended)."""
    moment = utcnow()
    result = db.session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.training_completed_at.is_(None))
        .values(training_completed_at=moment),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        db.session.refresh(enrolment, ["training_completed_at"])
        return False
    set_committed_value(enrolment, "training_completed_at", moment)
    record(
        "enrolment.training_completed",
        enrolment,
        actor,
        before={"training_completed_at": None},
        after={"training_completed_at": moment.isoformat(), **(basis or {})},
    )
    return True


def enrolment_of(user: User) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))


# --- who accompanies whom -----------------------------------------------------------------------------------
#
# A trainee with mentors has exactly one current primary mentor and may have other current mentors; all of
# them see the trainee and review their plans. Changes to one trainee's mentors hold the trainee's row until
# the request commits, so a double click or two managers at once are taken one at a time, each seeing what
# the one before did; the partial unique indexes of mentor_assignments are the last line behind the lock.


class AnyPrimary:
    """No check of the primary mentor the page showed (services called from code, not from a form)."""


ANY_PRIMARY = AnyPrimary()


def current_assignments(trainee: User) -> list[MentorAssignment]:
    """The trainee's current mentors: the primary first, then the others in the order they were added."""
    return list(
        db.session.scalars(
            select(MentorAssignment)
            .where(MentorAssignment.trainee_id == trainee.id, MentorAssignment.ended_at.is_(None))
            .options(selectinload(MentorAssignment.mentor))
            .order_by(MentorAssignment.is_primary.desc(), MentorAssignment.assigned_at, MentorAssignment.id)
        )
    )


def current_assignment(trainee: User) -> MentorAssignment | None:
    """The assignment of the trainee's primary mentor (None: no mentor yet)."""
    return db.session.scalar(
        select(MentorAssignment).where(
            MentorAssignment.trainee_id == trainee.id,
            MentorAssignment.ended_at.is_(None),
            MentorAssignment.is_primary.is_(True),
        )
    )


def assign_mentor(
    trainee: User, mentor: User, actor: User | None, *, seen: int | AnyPrimary | None = ANY_PRIMARY
) -> MentorAssignment:
    """`mentor` becomes the trainee's primary mentor. The previous primary's assignment ends and stays as
    history (to keep them, add them again as another mentor); a mentor who was one of the others is promoted.

    `seen` is the primary mentor's id the manager's page showed (None: none): if another manager changed
    the primary meanwhile, nothing changes and the manager is told who is primary now. The same mentor
    again (a double click) changes nothing."""
    _check_mentor(trainee, mentor)
    _lock_trainee(trainee)
    current = _current_rows(trainee)
    primary = next((a for a in current if a.is_primary), None)
    if primary is not None and primary.mentor_id == mentor.id:
        return primary
    if not isinstance(seen, AnyPrimary) and (primary.mentor_id if primary else None) != seen:
        raise DomainError({"mentor_id": _primary_changed_message(trainee, primary)})
    promoted = next((a for a in current if a.mentor_id == mentor.id), None)
    moment = utcnow()
    with record_changes("user.mentor_assigned", trainee, actor, **_mentor_readers(trainee)):
        for ending in (primary, promoted):
            if ending is not None:
                ending.ended_at = moment
        db.session.flush()
        assignment = MentorAssignment(
            mentor_id=mentor.id, trainee_id=trainee.id, is_primary=True, assigned_at=moment
        )
        _insert(assignment, trainee)
    return assignment


def add_mentor(trainee: User, mentor: User, actor: User | None) -> MentorAssignment:
    """`mentor` accompanies the trainee as well, beside the primary mentor, with the same rights. Adding a
    mentor who already accompanies them as another mentor (a double click) changes nothing."""
    _check_mentor(trainee, mentor)
    _lock_trainee(trainee)
    current = _current_rows(trainee)
    existing = next((a for a in current if a.mentor_id == mentor.id), None)
    if existing is not None and existing.is_primary:
        raise DomainError(
            {
                "mentor_id": _(
                    "%(mentor)s is already the primary mentor of %(name)s.",
                    mentor=mentor.full_name,
                    name=trainee.full_name,
                )
            }
        )
    if existing is not None:
        return existing
    if not any(a.is_primary for a in current):
        raise DomainError(
            {
                "mentor_id": _(
                    "%(name)s has no primary mentor yet: assign one first, then add other mentors.",
                    name=trainee.full_name,
                )
            }
        )
    with record_changes("user.mentor_added", trainee, actor, **_mentor_readers(trainee)):
        assignment = MentorAssignment(mentor_id=mentor.id, trainee_id=trainee.id, is_primary=False)
        _insert(assignment, trainee)
    return assignment


def end_assignment(assignment: MentorAssignment, actor: User | None) -> bool:
    """The mentor stops accompanying the trainee; the assignment stays as history. False if it had already
    ended (a double click, another manager a moment ago). The primary mentor of a trainee who has other
    mentors is replaced, not ended: one of the others is made primary, which ends it."""
    trainee = assignment.trainee
    _lock_trainee(trainee)
    current = _current_rows(trainee)
    if assignment not in current:
        return False
    if assignment.is_primary and len(current) > 1:
        raise DomainError(
            {
                "": _(
                    "%(mentor)s is the primary mentor of %(name)s, who has other mentors: make one of them "
                    "primary instead, which ends this assignment.",
                    mentor=assignment.mentor.full_name,
                    name=trainee.full_name,
                )
            }
        )
    with record_changes("user.mentor_ended", trainee, actor, **_mentor_readers(trainee)):
        assignment.ended_at = utcnow()
    return True


def _check_mentor(trainee: User, mentor: User) -> None:
    if not trainee.has_role(Role.TRAINEE):
        raise DomainError({"mentor_id": _("Only trainees have a mentor.")})
    if not mentor.has_role(Role.MENTOR) or not mentor.active:
        raise DomainError({"mentor_id": _("Choose an active mentor.")})
    if mentor.id == trainee.id:
        raise DomainError({"mentor_id": _("A person cannot mentor themselves.")})


def _lock_trainee(trainee: User) -> None:
    """Hold the trainee's row until the transaction ends, so changes to their mentors go one at a time."""
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: the first write takes the database's write lock, which serialises the same.
        db.session.execute(
            update(User).where(User.id == trainee.id).values(id=User.id),
            execution_options={"synchronize_session": False},
        )
    db.session.execute(select(User.id).where(User.id == trainee.id).with_for_update())


def _current_rows(trainee: User) -> list[MentorAssignment]:
    """The current assignments as committed now (read behind the lock, over what this session held)."""
    return list(
        db.session.scalars(
            select(MentorAssignment)
            .where(MentorAssignment.trainee_id == trainee.id, MentorAssignment.ended_at.is_(None))
            .order_by(MentorAssignment.is_primary.desc(), MentorAssignment.assigned_at, MentorAssignment.id)
            .execution_options(populate_existing=True)
        )
    )


def _insert(assignment: MentorAssignment, trainee: User) -> None:
    """Add the assignment; should the unique indexes still meet another one (behind the lock, only a
    programming error could), the manager gets a clear message instead of a 500."""
    try:
        with db.session.begin_nested():
            db.session.add(assignment)
    except IntegrityError as error:
        raise DomainError(
            {
                "mentor_id": _(
                    "The mentors of %(name)s changed a moment ago. Look at them again, then choose.",
                    name=trainee.full_name,
                )
            }
        ) from error


def _mentor_readers(trainee: User) -> dict[str, Callable[[], Any]]:
    """What a change of the trainee's mentors records: the primary's id and the others' ids."""
    return {
        "mentor_id": lambda: mentor_id_of(trainee),
        "other_mentor_ids": lambda: other_mentor_ids_of(trainee),
    }


def _primary_changed_message(trainee: User, primary: MentorAssignment | None) -> str:
    if primary is None:
        return _(
            "%(name)s's primary mentor was ended a moment ago by someone else: nothing was changed. Choose "
            "again.",
            name=trainee.full_name,
        )
    return _(
        "%(name)s's primary mentor changed a moment ago: it is now %(mentor)s. Nothing was changed; choose "
        "again if you still want to.",
        name=trainee.full_name,
        mentor=primary.mentor.full_name,
    )


def mentor_id_of(trainee: User) -> int | None:
    """The trainee's primary mentor's id (None: no mentor)."""
    current = current_assignment(trainee)
    return current.mentor_id if current is not None else None


def other_mentor_ids_of(trainee: User) -> list[int]:
    return sorted(
        db.session.scalars(
            select(MentorAssignment.mentor_id).where(
                MentorAssignment.trainee_id == trainee.id,
                MentorAssignment.ended_at.is_(None),
                MentorAssignment.is_primary.is_(False),
            )
        )
    )


def mentees_of(mentor: User) -> list[MentorAssignment]:
    """The mentor's current assignments, primary or not (each row says which), by the trainee's name."""
    query = (
        select(MentorAssignment)
        .where(MentorAssignment.mentor_id == mentor.id, MentorAssignment.ended_at.is_(None))
        .options(selectinload(MentorAssignment.trainee))
        .join(User, User.id == MentorAssignment.trainee_id)
        .order_by(User.full_name, User.id)
    )
    return list(db.session.scalars(query))


def mentors_by_trainee(trainee_ids: list[int]) -> dict[int, list[MentorAssignment]]:
    """Each trainee's current mentors, the primary first (one query)."""
    found: dict[int, list[MentorAssignment]] = {trainee_id: [] for trainee_id in trainee_ids}
    if not trainee_ids:
        return found
    query = (
        select(MentorAssignment)
        .where(MentorAssignment.trainee_id.in_(trainee_ids), MentorAssignment.ended_at.is_(None))
        .options(selectinload(MentorAssignment.mentor))
        .order_by(MentorAssignment.is_primary.desc(), MentorAssignment.assigned_at, MentorAssignment.id)
    )
    for assignment in db.session.scalars(query):
        found[assignment.trainee_id].append(assignment)
    return found


def mentor_loads() -> dict[int, tuple[int, int]]:
    """For each mentor with current mentees: how many as primary mentor, how many as another mentor."""
    rows = db.session.execute(
        select(MentorAssignment.mentor_id, MentorAssignment.is_primary, func.count(MentorAssignment.id))
        .where(MentorAssignment.ended_at.is_(None))
        .group_by(MentorAssignment.mentor_id, MentorAssignment.is_primary)
    ).all()
    loads: dict[int, tuple[int, int]] = {}
    for mentor_id, is_primary, count in rows:
        primary, others = loads.get(mentor_id, (0, 0))
        loads[mentor_id] = (primary + count, others) if is_primary else (primary, others + count)
    return loads


def active_mentors() -> list[User]:
    query = (
        select(User)
        .join(RoleGrant)
        .where(RoleGrant.role == Role.MENTOR.value, User.active.is_(True))
        .order_by(User.full_name)
    )
    return list(db.session.scalars(query))


def active_managers() -> list[User]:
    """The programme's managers: they hear about what waits for them (a plan with no mentor)."""
    query = (
        select(User)
        .join(RoleGrant)
        .where(RoleGrant.role == Role.MANAGER.value, User.active.is_(True))
        .order_by(User.full_name)
    )
    return list(db.session.scalars(query))


def cohorts_by_trainee(trainee_ids: list[int]) -> dict[int, Enrolment]:
    if not trainee_ids:
        return {}
    query = (
        select(Enrolment).where(Enrolment.user_id.in_(trainee_ids)).options(selectinload(Enrolment.cohort))
    )
    return {e.user_id: e for e in db.session.scalars(query)}
