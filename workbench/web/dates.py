"""Dates and months as the page's locale writes them: the Jinja filters day, moment, month_name."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_datetime, get_locale

from workbench.timeutil import as_utc


def day(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = as_utc(value)
        return format_date(value, fmt)  # flask-babel converts to the display zone
    return format_date(value, fmt)


def moment(value: datetime | None, fmt: str = "short") -> str:
    return "" if value is None else format_datetime(as_utc(value), fmt)


def month_name(value: str | None) -> str:
    """A plan month "YYYY-MM" as the locale writes it ("marzo 2027")."""
    if not value:
        return ""
    try:
        year, month = (int(part) for part in str(value).split("-"))
        return format_date(date(year, month, 1), "LLLL yyyy")
    except ValueError:
        return str(value)


def month_names() -> list[str]:
    """January to December, abbreviated, in the page's language."""
    names = get_locale().months["stand-alone"]["abbreviated"]
    return [names[month] for month in range(1, 13)]
