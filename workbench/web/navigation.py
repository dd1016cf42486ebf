"""Each role's home page, and the navigation built from the roles a person holds.

Higher domains add links of their own through :func:`register_nav_link` (the web package imports no domain
above auth): mentoring adds the inbox, with a badge counting what waits for the person. A badge is counted
only when a page's navigation shows it, once per request; fragments never ask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

from flask import Flask, current_app, g, url_for
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
    Home(Role.MANAGER, "programme.audit_log", _l("Audit log")),
)


@dataclass(frozen=True)
class NavLink:
    """A link a domain adds to the navigation: for people holding one of `roles` (empty: everyone logged
    in), with an optional badge, `badge(user)` -> a count (0 shows nothing)."""

    endpoint: str
    label: object
    roles: tuple[Role, ...] = ()
    badge: Callable[[User], int] | None = None
    #: How the badge reads to a screen reader, from the count: "3 new".
    badge_label: Callable[[int], str] | None = field(default=None, compare=False)

    def shown_to(self, user: User) -> bool:
        return not self.roles or any(user.has_role(role) for role in self.roles)


class ShownLink:
    """A registered link as one page shows it: its badge counted on first use, then kept for the request."""

    def __init__(self, link: NavLink, user: User) -> None:
        self.link = link
        self.endpoint = link.endpoint
        self.label = link.label
        self._user = user

    @property
    def badge_id(self) -> str:
        return "nav-badge-" + self.endpoint.replace(".", "-").replace("_", "-")

    @cached_property
    def count(self) -> int:
        return self.link.badge(self._user) if self.link.badge else 0

    @property
    def count_label(self) -> str:
        return self.link.badge_label(self.count) if self.link.badge_label else str(self.count)


_NAV_LINKS = "workbench.nav_links"


def register_nav_link(app: Flask, link: NavLink) -> None:
    """Add `link` to the navigation of `app` (a blueprint calls this when it is registered)."""
    links: list[NavLink] = app.extensions.setdefault(_NAV_LINKS, [])
    if link not in links:
        links.append(link)


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
            shown = _shown_links()
            # A page a domain links with a badge (the officer's queue) is shown once, with its badge.
            badged = {link.endpoint for link in shown}
            homes = [home for home in homes_for(current_user) + links if home.endpoint not in badged]
            return {"nav_homes": homes, "nav_links": shown}
        return {"nav_homes": [], "nav_links": []}


def _shown_links() -> list[ShownLink]:
    """The registered links the current person sees, the same objects for every template of the request (so
    each badge is counted once)."""
    shown = g.get("_nav_links")
    if shown is None:
        user = current_user._get_current_object()
        registered = current_app.extensions.get(_NAV_LINKS, [])
        shown = g._nav_links = [ShownLink(link, user) for link in registered if link.shown_to(user)]
    return shown
