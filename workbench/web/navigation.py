"""Each role's home page, and the navigation built from the roles a person holds."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from workbench.auth.models import User
from workbench.auth.roles import Role


@dataclass(frozen=True)
class Home:
    role: Role
    endpoint: str
    label: object


#: Ordered by how much of the programme the role sees: a manager who also mentors lands on the programme.
HOMES = (
    Home(Role.MANAGER, "programme.overview", _l("Programme")),
    Home(Role.OFFICER, "lending.queue", _l("Application queue")),
    Home(Role.MENTOR, "mentoring.mentees", _l("My mentees")),
    Home(Role.TRAINEE, "programme.my_path", _l("My path")),
)


#: Further pages a role reaches from the navigation bar, after the homes.
LINKS = (
    Home(Role.TRAINEE, "plans.index", _l("My business plans")),
    Home(Role.TRAINEE, "mentoring.my_sessions", _l("My mentoring sessions")),
)


def homes_for(user: User) -> list[Home]:
    return [home for home in HOMES if user.has_role(home.role)]


def home_url(user: User) -> str:
    homes = homes_for(user)
    return url_for(homes[0].endpoint) if homes else url_for("auth.no_role")


def safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after login, never another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def init_navigation(app: Flask) -> None:
    @app.context_processor
    def navigation_context() -> dict[str, object]:
        if current_user and current_user.is_authenticated:
            links = [link for link in LINKS if current_user.has_role(link.role)]
            return {"nav_homes": homes_for(current_user) + links}
        return {"nav_homes": []}
