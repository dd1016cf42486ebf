"""Recording state changes. Every service that changes state calls record() in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workbench.audit.models import AuditEvent
from workbench.extensions import db


def record(
    action: str,
    obj: Any,
    actor: Any | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event for `obj` (a model with an id; flushed first so it has one)."""
    obj = _unproxied(obj)
    db.session.flush()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__tablename__.removesuffix("s"),
        object_id=obj.id,
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def events_for(obj: Any) -> list[AuditEvent]:
    """The history of one object, oldest first."""
    obj = _unproxied(obj)
    kind = type(obj).__tablename__.removesuffix("s")
    query = (
        select(AuditEvent)
        .where(AuditEvent.object_type == kind, AuditEvent.object_id == obj.id)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    return list(db.session.scalars(query))


def _unproxied(obj: Any) -> Any:
    """flask-login's current_user is a proxy; the record is about the person behind it."""
    unwrap = getattr(obj, "_get_current_object", None)
    return unwrap() if unwrap is not None else obj
