"""The Jinja setup: which filters and globals the templates see.

The filters live beside what they format (:mod:`.formatting` for numbers and money, :mod:`.dates` for dates);
pages are rendered with :func:`.rendering.render`. The names views and tests import from here stay here.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from workbench.audit.labels import audit_label
from workbench.auth.permissions import can_manage_people, can_see_sensitive_data
from workbench.auth.roles import Role
from workbench.web.dates import day, moment, month_name, month_names
from workbench.web.formatting import amounts, ltr, money, nl2br, number, percent
from workbench.web.navigation import init_navigation
from workbench.web.rendering import is_htmx_fragment_request, render

__all__ = [
    "amounts",
    "country_name",
    "day",
    "init_templating",
    "is_htmx_fragment_request",
    "ltr",
    "moment",
    "money",
    "month_name",
    "month_names",
    "number",
    "percent",
    "render",
    "role_label",
]


def role_label(value: str) -> str:
    return Role(value).label


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return get_locale().territories.get(code.upper(), code)


def init_templating(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(
        money=money,
        number=number,
        amounts=amounts,
        percent=percent,
        day=day,
        moment=moment,
        role_label=role_label,
        country_name=country_name,
        audit_label=audit_label,
        month_name=month_name,
        nl2br=nl2br,
        ltr=ltr,
    )
    app.jinja_env.globals.update(
        can_manage_people=can_manage_people,
        can_see_sensitive_data=can_see_sensitive_data,
        month_names=month_names,
    )
    init_navigation(app)
