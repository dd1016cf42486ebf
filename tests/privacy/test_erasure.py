"""Erasure on request leaves no personal data behind: every text column of every table is scanned for the
person's e-mail, name, phone and the markers written in every free-text field (for a person with a loan, the
name stays in the loan's record, and only there)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import JSON, String, Text, cast, select

from tests.privacy.privacy_support import Someone, person_everywhere, staff
from workbench.auth.models import LoginSession, PasswordReset, User, erased_email
from workbench.extensions import db
from workbench.privacy import erasure
from workbench.privacy.catalogue import KEPT_FOR_LOANS
from workbench.privacy.models import ErasureRequest, ErasureStatus

#: Where the name of a person with a loan may stay (D.Lgs. 231/2007 art. 31).
NAME_KEPT_IN = {("users", "full_name")} | {(t, "*") for t in KEPT_FOR_LOANS}


def scan(needles: list[str]) -> set[tuple[str, str, str]]:
    """(table, column, needle) for every text cell of every table that holds a needle."""
    found = set()
    for t in db.metadata.sorted_tables:
        for column in t.columns:
            if not isinstance(column.type, String | Text | JSON):
                continue
            haystack = cast(column, Text) if isinstance(column.type, JSON) else column
            for needle in needles:
                hit = db.session.scalar(select(t.c[column.name]).where(haystack.contains(needle)).limit(1))
                if hit is not None:
                    found.add((t.name, column.name, needle))
    return found


def erase_now(person_id: int, manager: User) -> ErasureRequest:
    person = db.session.get(User, person_id)
    request = erasure.request_erasure(
        person, reason="person_request", requested_on=date(2026, 12, 1), actor=manager
    )
    db.session.commit()
    done = erasure.erase(request, typed_email=person.email, actor=manager)
    db.session.commit()
    return done


@pytest.mark.parametrize("with_loan", [False, True], ids=["no-loan", "loan"])
def test_erase_leaves_no_personal_data_in_any_table(app_context, with_loan: bool) -> None:
    people = staff()
    someone: Someone = person_everywhere(people, with_loan=with_loan)
    needles = [*someone.markers, someone.email, someone.phone]
    before = scan([*needles, someone.name])
    assert {needle for *_, needle in before} >= set(needles), "every marker is stored somewhere first"

    done = erase_now(someone.id, people["manager"])

    left = scan(needles)
    assert left == set()
    names = {(table, column) for table, column, _ in scan([someone.name])}
    if with_loan:
        assert names
        assert all((table, column) in NAME_KEPT_IN or (table, "*") in NAME_KEPT_IN for table, column in names)
        assert done.kept["loans"] == [someone.loan_id]
        assert "231/2007" in done.kept["basis"]
    else:
        assert names == set()
        assert done.kept["tables"] == []
    person = db.session.get(User, someone.id)
    assert person.email == erased_email(someone.id)
    assert person.is_erased
    assert person.active is False
    assert person.phone is None
    assert person.country is None
    assert person.gender is None
    assert person.protection_status is None
    assert db.session.scalar(select(LoginSession).where(LoginSession.user_id == someone.id)) is None
    assert db.session.scalar(select(PasswordReset).where(PasswordReset.user_id == someone.id)) is None
    assert done.status == ErasureStatus.ERASED
    assert sum(done.redacted.values()) > 10
    outbox = db.metadata.tables["outbox_messages"]
    waiting = select(outbox.c.id).where(
        outbox.c.recipient_id == someone.id, outbox.c.status.in_(("held", "pending", "sending"))
    )
    assert db.session.scalars(waiting).all() == []
    erased_events = db.session.execute(
        select(db.metadata.tables["audit_events"]).where(
            db.metadata.tables["audit_events"].c.action == "person.erased"
        )
    ).all()
    assert len(erased_events) == 1


def test_the_erasure_is_confirmed_by_typing_the_email(app_context) -> None:
    people = staff()
    someone = person_everywhere(people, with_loan=False)
    person = db.session.get(User, someone.id)
    request = erasure.request_erasure(
        person, reason="person_request", requested_on=date(2026, 12, 1), actor=people["manager"]
    )
    db.session.commit()
    with pytest.raises(erasure.DomainError) as refused:
        erasure.erase(request, typed_email="someone.else@example.org", actor=people["manager"])
    assert "confirm_email" in refused.value.errors
    db.session.rollback()
    assert db.session.get(User, someone.id).email == someone.email


def test_a_second_erasure_of_the_same_request_is_refused(app_context) -> None:
    people = staff()
    someone = person_everywhere(people, with_loan=False)
    done = erase_now(someone.id, people["manager"])
    with pytest.raises(erasure.ErasureConflict):
        erasure.erase(done, typed_email=someone.email, actor=people["manager"])
    db.session.rollback()
    with pytest.raises(erasure.ErasureConflict):
        erasure.request_erasure(
            db.session.get(User, someone.id),
            reason="person_request",
            requested_on=date(2026, 12, 1),
            actor=people["manager"],
        )


def test_erasing_a_mentor_redacts_what_they_wrote_and_keeps_the_trainees_own_text(app_context) -> None:
    people = staff()
    someone = person_everywhere(people, with_loan=False)
    mentor = people["mentor"]
    written_by_mentor = [
        m for m in someone.markers if any(k in m for k in ("mentorcomment", "review", "session"))
    ]
    trainees_own = [m for m in someone.markers if any(k in m for k in ("answer", "reply", "purpose"))]
    mentor_name, mentor_email = mentor.full_name, mentor.email
    manager = people["manager"]
    done = erase_now(mentor.id, manager)
    assert done.status == ErasureStatus.ERASED
    assert scan([*written_by_mentor, mentor_email, mentor_name]) == set()
    assert {needle for *_, needle in scan(trainees_own)} == set(trainees_own)
