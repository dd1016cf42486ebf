"""Cohorts, invite codes, enrolment and who accompanies whom. Every change is audited; the request commits."""

from __future__ import annotations

import secrets
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

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
from workbench.programme.models import Cohort, Enrolment, MentorAssignment
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
    *, name: str, city: str | None, starts_on: date | None, ends_on: date | None, actor: User | None
) -> Cohort:
    name = name.strip()
    taken = DomainError({"name": _("A cohort with this name already exists.")})
    # SQLite's lower() knows only ASCII letters: the exact name is looked for as well.
    same_name = or_(Cohort.name == name, func.lower(Cohort.name) == name.lower())
    if db.session.scalar(select(Cohort.id).where(same_name)) is not None:
        raise taken
    if starts_on and ends_on and ends_on < starts_on:
        raise DomainError({"ends_on": _("The end date must come after the start date.")})
    cohort = Cohort(name=name, city=(city or "").strip() or None, starts_on=starts_on, ends_on=ends_on)
    cohort.invite_code = new_invite_code()
    try:
        with db.session.begin_nested():  # the same name created a moment ago from another window
            db.session.add(cohort)
    except IntegrityError as error:
        raise taken from error
    record("cohort.created", cohort, actor, after={"name": cohort.name, "city": cohort.city})
    return cohort


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
    )
    db.session.flush()
    enrol(user, cohort, actor=user)
    return user


def complete_training(enrolment: Enrolment, actor: User) -> None:
    if enrolment.training_completed_at is not None:
        return
    with record_changes("enrolment.training_completed", enrolment, actor, "training_completed_at"):
        enrolment.training_completed_at = utcnow()


def enrolment_of(user: User) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))


# --- who accompanies whom -----------------------------------------------------------------------------------


def current_assignment(trainee: User) -> MentorAssignment | None:
    return db.session.scalar(
        select(MentorAssignment).where(
            MentorAssignment.trainee_id == trainee.id, MentorAssignment.ended_at.is_(None)
        )
    )


def assign_mentor(trainee: User, mentor: User, actor: User | None) -> MentorAssignment:
    """The trainee's mentor from now on; the previous assignment ends and stays as history."""
    if not trainee.has_role(Role.TRAINEE):
        raise DomainError({"mentor_id": _("Only trainees have a mentor.")})
    if not mentor.has_role(Role.MENTOR) or not mentor.active:
        raise DomainError({"mentor_id": _("Choose an active mentor.")})
    if mentor.id == trainee.id:
        raise DomainError({"mentor_id": _("A person cannot mentor themselves.")})
    current = current_assignment(trainee)
    if current is not None and current.mentor_id == mentor.id:
        return current
    assignment = MentorAssignment(mentor_id=mentor.id, trainee_id=trainee.id)
    with record_changes("user.mentor_assigned", trainee, actor, mentor_id=lambda: mentor_id_of(trainee)):
        if current is not None:
            current.ended_at = utcnow()
        db.session.add(assignment)
    return assignment


def mentor_id_of(trainee: User) -> int | None:
    current = current_assignment(trainee)
    return current.mentor_id if current is not None else None


def mentees_of(mentor: User) -> list[MentorAssignment]:
    query = (
        select(MentorAssignment)
        .where(MentorAssignment.mentor_id == mentor.id, MentorAssignment.ended_at.is_(None))
        .options(selectinload(MentorAssignment.trainee))
        .join(User, User.id == MentorAssignment.trainee_id)
        .order_by(User.full_name)
    )
    return list(db.session.scalars(query))


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
