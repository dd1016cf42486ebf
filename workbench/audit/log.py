"""Reading the audit trail: the events matching a manager's filters, newest first, one page at a time.

Pages are keyset pages on (occurred_at, id): a page continues after the last event of the page before it (or
before the first event of the page after it), so events recorded between two pages neither shift nor repeat
a row, and the thousandth page costs what the first one does. Every filter meets an index of the table:
occurred_at, actor_id, action and (object_type, object_id).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, false, or_, select

from workbench.audit.models import AuditEvent
from workbench.extensions import db
from workbench.timeutil import as_utc

PER_PAGE = 50
#: The most events an export holds (newest first): a larger log is narrowed with the filters.
EXPORT_LIMIT = 10_000

#: Whose events a person filter keeps: done by them, about them (their account), or either.
BY, ABOUT, EITHER = "by", "about", "either"


@dataclass(frozen=True)
class LogFilters:
    #: The people chosen (ids); empty: everybody.
    people: tuple[int, ...] = ()
    scope: str = BY
    object_type: str | None = None
    object_id: int | None = None
    action: str | None = None
    #: The period, as UTC moments: since inclusive, until exclusive.
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class LogPage:
    events: list[AuditEvent]
    #: The id of the event the older page continues after (None: nothing older).
    older: int | None
    #: The id of the event the newer page continues before (None: this is the newest page).
    newer: int | None


def known_kinds() -> list[str]:
    """Every kind of object an event can be about: the __audit_type__ of the mapped models."""
    kinds = {getattr(mapper.class_, "__audit_type__", None) for mapper in db.Model.registry.mappers}
    return sorted(kind for kind in kinds if kind)


def filtered(query: Select, filters: LogFilters) -> Select:
    if filters.people:
        by = AuditEvent.actor_id.in_(filters.people)
        about = and_(AuditEvent.object_type == "user", AuditEvent.object_id.in_(filters.people))
        query = query.where({BY: by, ABOUT: about}.get(filters.scope, or_(by, about)))
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        query = query.where(AuditEvent.object_id == filters.object_id)
        if not filters.object_type:
            query = query.where(false())  # an id means nothing without its kind (the form asks for it)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since is not None:
        query = query.where(AuditEvent.occurred_at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.occurred_at < filters.until)
    return query


def _older_than(event: AuditEvent):
    # The first condition bounds an index range on occurred_at; the second breaks ties on the id.
    at = as_utc(event.occurred_at)
    return and_(AuditEvent.occurred_at <= at, or_(AuditEvent.occurred_at < at, AuditEvent.id < event.id))


def _newer_than(event: AuditEvent):
    at = as_utc(event.occurred_at)
    return and_(AuditEvent.occurred_at >= at, or_(AuditEvent.occurred_at > at, AuditEvent.id > event.id))


NEWEST_FIRST = (AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
OLDEST_FIRST = (AuditEvent.occurred_at.asc(), AuditEvent.id.asc())


def _exists(filters: LogFilters, condition) -> bool:
    query = filtered(select(AuditEvent.id), filters).where(condition).order_by(*NEWEST_FIRST).limit(1)
    return db.session.scalar(query) is not None


def log_page(
    filters: LogFilters,
    *,
    older_than: AuditEvent | None = None,
    newer_than: AuditEvent | None = None,
    per_page: int = PER_PAGE,
) -> LogPage:
    """One page of the events matching `filters`, newest first: the newest ones, those just older than
    `older_than`, or those just newer than `newer_than` (the newest page when fewer than a page are left)."""
    if newer_than is not None:
        query = filtered(select(AuditEvent), filters).where(_newer_than(newer_than))
        rows = list(db.session.scalars(query.order_by(*OLDEST_FIRST).limit(per_page + 1)))
        if len(rows) > per_page:
            events = rows[:per_page][::-1]
            return LogPage(events, older=events[-1].id, newer=events[0].id)
        older_than = None  # back at the top: the newest page, full
    query = filtered(select(AuditEvent), filters)
    if older_than is not None:
        query = query.where(_older_than(older_than))
    rows = list(db.session.scalars(query.order_by(*NEWEST_FIRST).limit(per_page + 1)))
    events = rows[:per_page]
    older = events[-1].id if len(rows) > per_page else None
    newer = None
    if older_than is not None and events:
        newer = events[0].id if _exists(filters, _newer_than(events[0])) else None
    elif older_than is not None:  # nothing older left (the filters changed under the link): go back up
        newer = older_than.id
    return LogPage(events, older=older, newer=newer)


def export_events(filters: LogFilters, limit: int = EXPORT_LIMIT) -> list[AuditEvent]:
    """The events matching `filters`, newest first, at most `limit`."""
    query = filtered(select(AuditEvent), filters).order_by(*NEWEST_FIRST).limit(limit)
    return list(db.session.scalars(query))


def cursor_event(event_id: int) -> AuditEvent | None:
    return db.session.get(AuditEvent, event_id)


#: The longest value a row shows (a plan answer can be pages long); the export has the same.
VALUE_CHARS = 80
#: The most fields a row lists; the rest are counted.
FIELDS_SHOWN = 8
_MISSING = object()


@dataclass(frozen=True)
class FieldChange:
    name: str
    #: The values as compact JSON text, cut to VALUE_CHARS; None: the field was absent on that side.
    before: str | None
    after: str | None


def changed_fields(before: object, after: object) -> list[FieldChange]:
    """The fields of an event's before and after, in the order recorded (before's first), each value as
    short JSON text. Text only: the template escapes it like any other text a person typed."""
    old = before if isinstance(before, dict) else ({} if before is None else {"": before})
    new = after if isinstance(after, dict) else ({} if after is None else {"": after})
    names = list(old) + [name for name in new if name not in old]
    return [
        FieldChange(str(name), _short(old.get(name, _MISSING)), _short(new.get(name, _MISSING)))
        for name in names
    ]


def _short(value: object) -> str | None:
    if value is _MISSING:
        return None
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "), default=str)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"
