"""Time helpers: timestamps are stored in UTC and shown in the user's zone (Europe/Rome by default).

Calendar days (due dates, the month of a figure, the day of a session) are counted in the programme's zone:
the app's BABEL_DEFAULT_TIMEZONE inside an app, Europe/Rome outside one.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Europe/Rome"


def utcnow() -> datetime:
    return datetime.now(UTC)


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
