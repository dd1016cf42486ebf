"""Recording state changes. Every service that changes state calls record() in the same transaction.

Each audited model names its kind in a class attribute, ``__audit_type__ = "cohort"``: the object_type of
its events, stable whatever the table is called. ``record_changes`` records only the fields that really
changed in a block of code, so services do not build before/after by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert, select

from workbench.audit.models import AuditEvent
from workbench.extensions import db


def audit_type(obj_or_model: Any) -> str:
    """The object_type of a model's audit events; a model without one is a programming error."""
    model = obj_or_model if isinstance(obj_or_model, type) else type(_unproxied(obj_or_model))
    kind = getattr(model, "__audit_type__", None)
    if not kind:
        raise TypeError(f"{model.__name__} has no __audit_type__: name the kind of its audit events")
    return kind


def record(
    action: str,
    obj: Any,
    actor: Any | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> int:
    """Append an audit event for `obj` (a model with an id; flushed first so it has one); its id.

    One INSERT straight into the table, without an ORM object: autosave records an event on every keystroke
    pause, and the unit of work's bookkeeping for the object cost more than the INSERT. The row is the same
    (the columns' defaults apply); the ORM guards and the database's triggers still refuse changes to it.
    """
    obj = _unproxied(obj)
    kind = audit_type(obj)
    db.session.flush()
    inserted = db.session.execute(
        insert(_AUDIT_TABLE).values(
            actor_id=getattr(_unproxied(actor), "id", None),
            action=action,
            object_type=kind,
            object_id=obj.id,
            before=before,
            after=after,
        )
    )
    return inserted.inserted_primary_key[0]


_AUDIT_TABLE = AuditEvent.__table__


#: What a field's value is read with: an attribute name of the object, or a function of nothing.
Reader = str | Callable[[], Any]


@dataclass
class Changes:
    """What a `record_changes` block changed; `also` adds facts to the event's after (a version number)."""

    before: dict[str, Any]
    after: dict[str, Any] = field(default_factory=dict)
    also: dict[str, Any] = field(default_factory=dict)
    #: The id of the event recorded, if anything changed.
    event_id: int | None = None

    @property
    def changed(self) -> bool:
        return self.before != self.after


@contextmanager
def record_changes(
    action: str, obj: Any, actor: Any | None, *names: str, **readers: Reader
) -> Iterator[Changes]:
    """Record `action` for `obj` with the fields the block changed, before and after; nothing if none did.

    Fields are attribute names of `obj` (``"locale"``), or keyword names read by an attribute name or a
    function (``code="invite_code"``, ``mentor_id=lambda: ...``). An exception in the block records nothing.
    """
    obj = _unproxied(obj)
    fields: dict[str, Reader] = {name: name for name in names} | readers

    def read() -> dict[str, Any]:
        return {
            key: _plain(reader() if callable(reader) else getattr(obj, reader))
            for key, reader in fields.items()
        }

    changes = Changes(before=read())
    yield changes
    now = read()
    changed = [key for key in fields if changes.before[key] != now[key]]
    changes.before = {key: changes.before[key] for key in changed}
    changes.after = {key: now[key] for key in changed}
    if changed:
        changes.event_id = record(
            action, obj, actor, before=changes.before, after=changes.after | changes.also
        )


def _plain(value: Any) -> Any:
    """A value as JSON stores it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(_plain(v) for v in value)
    return value


def events_for(obj: Any) -> list[AuditEvent]:
    """The history of one object, oldest first."""
    obj = _unproxied(obj)
    query = (
        select(AuditEvent)
        .where(AuditEvent.object_type == audit_type(obj), AuditEvent.object_id == obj.id)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    return list(db.session.scalars(query))


def _unproxied(obj: Any) -> Any:
    """flask-login's current_user is a proxy; the record is about the person behind it."""
    unwrap = getattr(obj, "_get_current_object", None)
    return unwrap() if unwrap is not None else obj
