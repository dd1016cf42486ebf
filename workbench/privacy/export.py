"""Everything held about one person, as a ZIP: person.json (every section of the catalogue) and the PDF of
each of their business plans. The manager's download is recorded in the audit trail (person.exported)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from workbench.audit.services import record
from workbench.auth.models import User
from workbench.extensions import db
from workbench.privacy.catalogue import CATALOGUE, audit_events_about, primary_key, related_ids, table
from workbench.timeutil import utcnow

#: Bumped when person.json changes shape.
SCHEMA_VERSION = 1

#: Never leave the app, not even to the person: secrets and the mail worker's bookkeeping.
SECRET_COLUMNS = {"password_hash", "token_hash", "claim_token"}


def person_document(person: User) -> dict[str, Any]:
    """Every catalogued table's rows about the person, written by them or naming them as the one who acted,
    and the audit events about those rows or made by the person."""
    ids = related_ids(person.id, with_actors=True)
    sections: dict[str, list[dict[str, Any]]] = {}
    for name in CATALOGUE:
        if name == "audit_events":
            continue
        rows = ids.get(name, set())
        t = table(name)
        key = primary_key(t)
        found = (
            db.session.execute(select(t).where(key.in_(sorted(rows))).order_by(key)).mappings().all()
            if rows
            else []
        )
        sections[name] = [_plain_row(row) for row in found]
    events = table("audit_events")
    about = audit_events_about(ids) + list(
        db.session.scalars(
            select(events.c.id).where(events.c.object_type == "user", events.c.object_id == person.id)
        )
    )
    sections["audit_events"] = [
        _plain_row(row)
        for row in db.session.execute(
            select(events)
            .where(or_(events.c.id.in_(sorted(set(about))), events.c.actor_id == person.id))
            .order_by(events.c.id)
        )
        .mappings()
        .all()
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": utcnow().isoformat(),
        "person_id": person.id,
        "sections": sections,
    }


def plans_of(document: dict[str, Any]) -> list[int]:
    """The ids of the person's own business plans in a person document."""
    person_id = document["person_id"]
    return [row["id"] for row in document["sections"]["business_plans"] if row["owner_id"] == person_id]


def record_export(person: User, actor: User, document: dict[str, Any]) -> None:
    record(
        "person.exported",
        person,
        actor,
        after={"schema_version": SCHEMA_VERSION, "plans": len(plans_of(document))},
    )


def person_zip(document: dict[str, Any], plan_pdf: Callable[[int], bytes]) -> Iterator[bytes]:
    """The ZIP the manager downloads, in pieces: person.json first, then each plan's PDF as it is rendered
    (plan_pdf(plan_id): the plans' own PDF export, a second or two each), so the download starts at once."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("person.json", json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True))
        yield sink.take()
        for plan_id in plans_of(document):
            archive.writestr(f"plans/plan-{plan_id}.pdf", plan_pdf(plan_id))
            yield sink.take()
    yield sink.take()


class _Sink(io.RawIOBase):
    """A write-only stream for zipfile (which tracks the offsets itself); the bytes are taken as they come."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        taken, self._chunks = b"".join(self._chunks), []
        return taken


def _plain_row(row: Any) -> dict[str, Any]:
    return {key: _plain(value) for key, value in row.items() if key not in SECRET_COLUMNS}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
