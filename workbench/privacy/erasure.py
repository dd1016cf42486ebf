"""Erasure on request: a manager records the request, then confirms it by typing the person's e-mail; one
transaction, under row locks, anonymises the person and redacts what they wrote and what is about them.

Why a typed e-mail and not a second manager: erasure cannot be undone, so the confirmation must name the
person (a wrong row in a list is the likely mistake, and typing their e-mail catches it); a programme often
has one coordinator, and a second-manager rule would leave its requests waiting. The request and the
confirmation are two steps, each recorded, with who did it.

What is kept: for a person who had a loan, the loan's record (catalogue.KEPT_FOR_LOANS and the person's
name), as Italian anti-money-laundering law requires (D.Lgs. 231/2007 art. 31: ten years after the
relationship ends). Everything else is erased. The append-only tables accept the redaction because this
transaction holds a row in erasure_in_progress (migration b51e0c2d9a47) and the session's guard is opened by
audit.models.erasure_redaction; neither lets a DELETE through.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, Text, cast, delete, insert, or_, select, update

from workbench.audit.models import erasure_redaction
from workbench.audit.services import record
from workbench.auth.models import User, erased_email
from workbench.errors import DomainError
from workbench.extensions import db
from workbench.privacy.catalogue import CATALOGUE, KEPT_FOR_LOANS, audit_events_about, related_ids, table
from workbench.privacy.models import ErasureInProgress, ErasureRequest, ErasureStatus
from workbench.programme.locking import hold_row
from workbench.timeutil import utcnow

#: What replaces erased free text.
REDACTED = "[erased]"

#: Why a person asked to be erased (the request keeps the code, never free text about the person).
REASONS = {
    "person_request": _l("The person asked to be erased (GDPR art. 17)"),
    "consent_withdrawn": _l("The person withdrew their consent"),
    "no_longer_needed": _l("The data is no longer needed for the programme"),
    "objection": _l("The person objected to the processing"),
}

#: The legal basis recorded when a loan's record is kept.
AML_BASIS = (
    "D.Lgs. 231/2007 art. 31 (anti-money-laundering record keeping, 10 years after the relationship ends)"
)

#: Keys of JSON documents whose values are free text (plan answers, assumption names, officer comments).
FREE_TEXT_KEYS = {
    "text",
    "name",
    "title",
    "note",
    "notes",
    "comment",
    "description",
    "label",
    "reason",
    "purpose",
}

#: Tables of record the database never lets anyone update, erasure included: only kept or not personal.
_NEVER_UPDATED = {
    "thread_events",
    "comment_mentions",
    "loan_installments",
    "loan_payments",
    "journal_entries",
    "journal_lines",
    "loan_reschedules",
    "scorecard_versions",
}


class ErasureConflict(DomainError):
    """The request was already carried out or cancelled (a double submit, a second manager)."""


def erased_name(person_id: int) -> str:
    """Stored, so in no one language: pages show it as it is."""
    return f"Erased person #{person_id}"


def open_request(person: User) -> ErasureRequest | None:
    return db.session.scalar(
        select(ErasureRequest).where(
            ErasureRequest.person_id == person.id, ErasureRequest.status == ErasureStatus.PENDING
        )
    )


def requests_of(person: User) -> list[ErasureRequest]:
    return list(
        db.session.scalars(
            select(ErasureRequest).where(ErasureRequest.person_id == person.id).order_by(ErasureRequest.id)
        )
    )


def has_loan(person: User) -> bool:
    loans = table("loans")
    return db.session.scalar(select(loans.c.id).where(loans.c.borrower_id == person.id).limit(1)) is not None


def request_erasure(person: User, *, reason: str, requested_on: date, actor: User) -> ErasureRequest:
    """Record a person's request to be erased; one open request per person (the person's row is locked)."""
    _lock_person(person.id)
    if reason not in REASONS:
        raise DomainError({"reason": _("Choose a reason from the list.")})
    if requested_on > utcnow().date():
        raise DomainError({"requested_on": _("The request cannot be dated in the future.")})
    if person.is_erased:
        raise ErasureConflict({"": _("This person was already erased.")})
    if person.id == actor.id:
        raise DomainError({"": _("Another manager records and carries out the erasure of your own account.")})
    existing = open_request(person)
    if existing is not None:
        raise ErasureConflict({"": _("An erasure request for this person is already waiting.")})
    request = ErasureRequest(
        person_id=person.id, reason=reason, requested_on=requested_on, requested_by_id=actor.id
    )
    db.session.add(request)
    db.session.flush()
    record(
        "person.erasure_requested",
        request,
        actor,
        after={"person_id": person.id, "reason": reason, "requested_on": requested_on.isoformat()},
    )
    return request


def cancel_request(request: ErasureRequest, actor: User) -> None:
    locked = _lock_request(request.id)
    if locked.status != ErasureStatus.PENDING:
        raise ErasureConflict({"": _("This request was already carried out or cancelled.")})
    _compare_and_set(locked, ErasureStatus.CANCELLED, confirmed_by_id=actor.id)
    record("person.erasure_cancelled", locked, actor, after={"status": ErasureStatus.CANCELLED})


def erase(request: ErasureRequest, *, typed_email: str, actor: User) -> ErasureRequest:
    """Carry out a pending request: anonymise the person, redact their text, record what was kept and why.

    Runs in the caller's transaction (the view commits). The request row and the person's row are locked; the
    status moves pending -> erased by compare-and-set, so two managers (or a double click) erase once and the
    second hears that it was done."""
    locked = _lock_request(request.id)
    if locked.status != ErasureStatus.PENDING:
        raise ErasureConflict({"": _("This request was already carried out or cancelled.")})
    person = _lock_person(locked.person_id)
    if person.id == actor.id:
        raise DomainError({"": _("Another manager carries out the erasure of your own account.")})
    if typed_email.strip().lower() != person.email.lower():
        raise DomainError({"confirm_email": _("Type the person's e-mail exactly as shown to confirm.")})

    db.session.add(ErasureInProgress(request_id=locked.id))
    db.session.flush()
    identifiers = _identifiers(person)
    ids = related_ids(person.id)
    loan_ids = sorted(ids.get("loans", set()))
    keep_loans = bool(loan_ids)
    kept_rows = _loan_record(ids) if keep_loans else {}
    counts: Counter[str] = Counter()
    with erasure_redaction():
        authored = _authored(person.id)
        for name, holding in CATALOGUE.items():
            if not holding.redact or name in ("bank_imports", "audit_events"):
                continue
            rows = (ids.get(name, set()) | authored.get(name, set())) - kept_rows.get(name, set())
            if rows:
                counts[name] += _redact_rows(name, holding.redact, rows)
        counts["bank_imports"] += _redact_bank_rows(set(loan_ids), identifiers)
        about = audit_events_about(ids, skip=kept_rows | {"users": ids.get("users", set())})
        about += _user_events(person.id) + _events_by(person.id, kept_rows)
        counts["audit_events"] += _redact_audit(about)
        for name, holding in CATALOGUE.items():
            if holding.delete:
                t = table(name)
                column = holding.owner[0]
                result = db.session.execute(delete(t).where(t.c[column] == person.id))
                counts[name] += result.rowcount or 0
        for name, number in _scrub_identifiers(identifiers, set(kept_rows)).items():
            counts[name] += number
        # Mail not yet sent to the person never goes out: its address is gone.
        outbox = table("outbox_messages")
        db.session.execute(
            update(outbox)
            .where(outbox.c.recipient_id == person.id, outbox.c.status.in_(("held", "pending")))
            .values(status="failed", last_error=REDACTED)
        )
    _anonymise(person, keep_name=keep_loans)
    counts["users"] += 1
    kept: dict[str, Any] = {"tables": [], "fields": []}
    if keep_loans:
        kept = {
            "basis": AML_BASIS,
            "loans": loan_ids,
            "tables": sorted(KEPT_FOR_LOANS),
            "fields": ["users.full_name"],
        }
    _compare_and_set(
        locked,
        ErasureStatus.ERASED,
        confirmed_by_id=actor.id,
        erased_at=utcnow(),
        kept=kept,
        redacted=dict(sorted((k, v) for k, v in counts.items() if v)),
    )
    db.session.execute(delete(ErasureInProgress).where(ErasureInProgress.request_id == locked.id))
    # No personal data: the request's id, the person's id and the counts.
    record(
        "person.erased",
        locked,
        actor,
        after={"person_id": person.id, "rows_redacted": sum(counts.values()), "loan_record_kept": keep_loans},
    )
    db.session.expire_all()
    return db.session.get(ErasureRequest, locked.id)


def _loan_record(ids: dict[str, set]) -> dict[str, set]:
    """The rows the law keeps for the person's loans: the loans and everything under them, and the decisions
    on them and on the applications they paid out (not the other applications' decisions)."""
    kept = {name: set(ids.get(name, set())) for name in KEPT_FOR_LOANS if name != "proposals"}
    loans = table("loans")
    applications = set(
        db.session.scalars(
            select(loans.c.application_id).where(
                loans.c.id.in_(sorted(kept["loans"])), loans.c.application_id.is_not(None)
            )
        )
    )
    proposals = table("proposals")
    kept["proposals"] = set(
        db.session.scalars(
            select(proposals.c.id).where(
                or_(
                    (proposals.c.subject_type == "loan") & proposals.c.subject_id.in_(sorted(kept["loans"])),
                    (proposals.c.subject_type == "credit_application")
                    & proposals.c.subject_id.in_(sorted(applications)),
                )
            )
        )
    )
    return kept


def _lock_request(request_id: int) -> ErasureRequest:
    db.session.expire_all()
    hold_row(ErasureRequest, request_id)
    locked = db.session.scalar(
        select(ErasureRequest)
        .where(ErasureRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise ErasureConflict({"": _("This request no longer exists.")})
    return locked


def _lock_person(person_id: int) -> User:
    hold_row(User, person_id)
    return db.session.scalar(
        select(User).where(User.id == person_id).with_for_update().execution_options(populate_existing=True)
    )


def _compare_and_set(request: ErasureRequest, status: str, **values: Any) -> None:
    t = ErasureRequest.__table__
    result = db.session.execute(
        update(t)
        .where(t.c.id == request.id, t.c.status == ErasureStatus.PENDING)
        .values(status=status, **values)
    )
    if result.rowcount != 1:
        raise ErasureConflict({"": _("This request was already carried out or cancelled.")})


def _identifiers(person: User) -> list[str]:
    """The person's own identifiers that may have been copied into other rows' text (e-mails, mentions)."""
    found = [person.email]
    if person.phone and len(person.phone.strip()) >= 6:
        found.append(person.phone.strip())
    if len(person.full_name.strip()) >= 5:
        found.append(person.full_name.strip())
    return found


def _authored(person_id: int) -> dict[str, set]:
    """Rows whose free text the person wrote (as author), wherever they are."""
    found: dict[str, set] = {}
    for name, holding in CATALOGUE.items():
        if holding.authors and holding.redact:
            t = table(name)
            found[name] = set(
                db.session.scalars(select(t.c.id).where(or_(*(t.c[c] == person_id for c in holding.authors))))
            )
    return found


def _redact_rows(name: str, columns: tuple[str, ...], rows: set) -> int:
    t = table(name)
    key = t.c.id
    ordered = sorted(rows)
    touched: set = set()
    plain = [c for c in columns if not isinstance(t.c[c].type, JSON)]
    documents = [c for c in columns if isinstance(t.c[c].type, JSON)]
    for column in plain:
        col = t.c[column]
        result = db.session.execute(
            update(t)
            .where(key.in_(ordered), col.is_not(None), col != REDACTED)
            .values({column: REDACTED})
            .returning(key)
        )
        touched.update(result.scalars())
    if documents:
        for row in db.session.execute(
            select(key, *(t.c[c] for c in documents)).where(key.in_(ordered))
        ).all():
            values = {}
            for column, value in zip(documents, row[1:], strict=True):
                redacted = redact_json(value)
                if redacted != value:
                    values[column] = redacted
            if values:
                db.session.execute(update(t).where(key == row[0]).values(values))
                touched.add(row[0])
    return len(touched)


def redact_json(value: Any, key: str | None = None) -> Any:
    """A JSON document with the values of its free-text keys replaced (numbers, dates and codes stay)."""
    if isinstance(value, dict):
        return {k: redact_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v, key) for v in value]
    if isinstance(value, str) and key in FREE_TEXT_KEYS and value:
        return REDACTED
    return value


def _redact_bank_rows(loan_ids: set[int], identifiers: list[str]) -> int:
    """Bank statement lines matched to the person's loans, or naming them: the payer and reference go."""
    t = table("bank_imports")
    touched = 0
    for batch_id, rows in db.session.execute(select(t.c.id, t.c.rows)).all():
        changed = False
        new_rows = []
        for row in rows or []:
            text = json.dumps(row, ensure_ascii=False).lower()
            if row.get("loan_id") in loan_ids or any(i.lower() in text for i in identifiers):
                row = {**row, "borrower": REDACTED, "reference": REDACTED}
                changed = True
            new_rows.append(row)
        if changed:
            db.session.execute(update(t).where(t.c.id == batch_id).values(rows=new_rows))
            touched += 1
    return touched


def _user_events(person_id: int) -> list[int]:
    events = table("audit_events")
    return list(
        db.session.scalars(
            select(events.c.id).where(events.c.object_type == "user", events.c.object_id == person_id)
        )
    )


def _events_by(person_id: int, kept_rows: dict[str, set]) -> list[int]:
    """Events the person made: their before/after hold what the person typed (a review note, a comment), less
    the events about the rows kept for a loan."""
    events = table("audit_events")
    kept = set(audit_events_about(kept_rows)) if kept_rows else set()
    made = db.session.scalars(select(events.c.id).where(events.c.actor_id == person_id))
    return [event_id for event_id in made if event_id not in kept]


def _redact_audit(event_ids: list[int]) -> int:
    if not event_ids:
        return 0
    events = table("audit_events")
    result = db.session.execute(
        update(events)
        .where(events.c.id.in_(sorted(set(event_ids))))
        .where(or_(events.c.before.is_not(None), events.c.after.is_not(None)))
        .values(before=None, after={"redacted": True})
        .returning(events.c.id)
    )
    return len(result.scalars().all())


def _scrub_identifiers(identifiers: list[str], kept_tables: set[str]) -> Counter[str]:
    """The safety net: any text cell of any catalogued table still holding the person's e-mail, phone or name
    (copied into a mail, a statement line, an audit before/after) is redacted."""
    counts: Counter[str] = Counter()
    for name in CATALOGUE:
        if name in kept_tables or name in _NEVER_UPDATED or name in ("users", "erasure_requests"):
            continue
        t = table(name)
        if "id" not in t.c:
            continue
        for column in t.c:
            if not isinstance(column.type, String | Text | JSON):
                continue
            haystack = cast(column, Text) if isinstance(column.type, JSON) else column
            hits = db.session.execute(
                select(t.c.id, column).where(
                    or_(*(haystack.ilike(f"%{_escape(i)}%", escape="\\") for i in identifiers))
                )
            ).all()
            for row_id, value in hits:
                replaced = _replace_in_json(value, identifiers) if isinstance(column.type, JSON) else REDACTED
                db.session.execute(update(t).where(t.c.id == row_id).values({column.name: replaced}))
                counts[name] += 1
    return counts


def _replace_in_json(value: Any, identifiers: list[str]) -> Any:
    if isinstance(value, dict):
        return {k: _replace_in_json(v, identifiers) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_in_json(v, identifiers) for v in value]
    if isinstance(value, str) and any(i.lower() in value.lower() for i in identifiers):
        return REDACTED
    return value


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _anonymise(person: User, *, keep_name: bool) -> None:
    users = table("users")
    values: dict[str, Any] = {
        "email": erased_email(person.id),
        "phone": None,
        "country": None,
        "gender": None,
        "protection_status": None,
        "locale": None,
        "password_hash": "!erased",
        "active": False,
        "session_version": users.c.session_version + 1,
    }
    if not keep_name:
        values["full_name"] = erased_name(person.id)
    db.session.execute(update(users).where(users.c.id == person.id).values(values))


def erasure_insert_marker(request_id: int):
    """The statement that opens the database's exception (tests use it to prove the triggers)."""
    return insert(ErasureInProgress.__table__).values(request_id=request_id)
