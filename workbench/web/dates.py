"""Dates and months as the page's locale writes them: the Jinja filters day, moment, month_name."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date as babel_format_date
from flask_babel import format_datetime, get_locale, to_user_timezone

from workbench.timeutil import as_utc


def day(value: date | datetime | str | None, fmt: str = "medium") -> str:
    """A day as the locale writes it; also a day stored as ISO text in a JSON document (a proposal's terms),
    which would otherwise reach the page as "2027-01-18". Text that is no ISO day is shown as it is."""
    if value is None or value == "":
        return ""
    text = value
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value) if len(value) == 10 else None
        except ValueError:
            value = None
        if value is None:
            return text
    if isinstance(value, datetime):
        value = to_user_timezone(as_utc(value)).date()  # the day in the display zone
    return _day(value, fmt, str(get_locale()))


@lru_cache(maxsize=4096)
def _day(value: date, fmt: str, locale: str) -> str:
    """day in ``locale``: a list of 30 people shows the same few days again and again, each written once
    (Babel reads the locale's month names anew at every call)."""
    return babel_format_date(value, fmt, locale=locale)


def moment(value: datetime | None, fmt: str = "short") -> str:
    return "" if value is None else format_datetime(as_utc(value), fmt)


def month_name(value: str | None) -> str:
    """A plan month "YYYY-MM" as the locale writes it ("marzo 2027")."""
    if not value:
        return ""
    return _month_name(str(value), str(get_locale()))


@lru_cache(maxsize=1024)
def _month_name(value: str, locale: str) -> str:
    """month_name in ``locale``: a plan's few months come back page after page, each written once."""
    try:
        year, month = (int(part) for part in value.split("-"))
        return babel_format_date(date(year, month, 1), "LLLL yyyy", locale=locale)
    except ValueError:
        return value


def month_names() -> list[str]:
    """January to December, abbreviated, in the page's language."""
    names = get_locale().months["stand-alone"]["abbreviated"]
    return [names[month] for month in range(1, 13)]
