"""Time helpers: timestamps are stored in UTC and shown in the user's zone (Europe/Rome by default).

Calendar days (due dates, the month of a figure, the day of a session) are counted in the programme's zone:
the app's BABEL_DEFAULT_TIMEZONE inside an app, Europe/Rome outside one.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Europe/Rome"


#: How far back the clock is set (only the demo sets it, to tell a journey in the order it happened).
_set_back: ContextVar[timedelta] = ContextVar("clock_set_back", default=timedelta(0))


def utcnow() -> datetime:
    return datetime.now(UTC) - _set_back.get()


@contextmanager
def back_in_time(days: int) -> Iterator[None]:
    """Run a block as if it were `days` days ago: every timestamp and "today" inside it is that far back.

    For the demo data only: frozen versions and decisions take their time when they are stored and never
    change afterwards, so the demo's financed plan is sent and endorsed months before its payout by storing
    it then."""
    token = _set_back.set(timedelta(days=days))
    try:
        yield
    finally:
        _set_back.reset(token)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def programme_zone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)


def programme_day(moment: datetime | None) -> date:
    """The calendar day of a stored UTC moment in the programme's zone (today for a moment not yet stored)."""
    return as_utc(moment or utcnow()).astimezone(programme_zone()).date()


def programme_today() -> date:
    """Today in the programme's zone, where due dates and months are counted."""
    return programme_day(None)
