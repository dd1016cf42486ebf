"""Language and locale: the person's choice, then the browser's Accept-Language, then Italian."""

from __future__ import annotations

from urllib.parse import urlsplit

from babel.support import NullTranslations
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Domain, get_locale
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from workbench.config import LANGUAGES, RTL_LANGUAGES
from workbench.extensions import babel

SESSION_KEY = "locale"


def select_locale() -> str:
    if not has_request_context():  # the command line speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or current_app.config["BABEL_DEFAULT_LOCALE"]


def answers_get(target: str) -> bool:
    """Whether this same-site path (query allowed) is a page: some URL rule answers it with GET."""
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return False
    try:
        adapter.match(urlsplit(target).path, method="GET")
    except RequestRedirect:  # the same page with a trailing slash
        return True
    except HTTPException:  # 404, or 405: the URL of a form's POST (switching language there gave a 405)
        return False
    return True


def return_path() -> str:
    """Where the language switch brings the person back: this page when it can be asked for again (GET);
    after a form posted to a URL that is not a page (a no-JS save answered with the page and its errors), the
    page the form was on (the Referer, same site only); else "" (the home page)."""
    if request.method in {"GET", "HEAD"}:
        return request.full_path.rstrip("?")
    if answers_get(request.path):
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and answers_get(referrer.path):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return ""


def text_direction() -> str:
    return "rtl" if get_locale().language in RTL_LANGUAGES else "ltr"


class _Domain(Domain):
    """Flask-Babel's message domain, finding the catalogue of a locale by its parts: a page translates
    dozens of texts, and the stock lookup reads the request's context twice and writes the locale's name out
    each time."""

    def __init__(self, domain: str) -> None:
        super().__init__(domain=domain)
        self.by_locale: dict[tuple[str | None, ...], NullTranslations] = {}

    def get_translations(self) -> NullTranslations:
        locale = get_locale()
        if locale is None:
            return super().get_translations()
        key = (locale.language, locale.territory, locale.script, locale.variant, locale.modifier)
        found = self.by_locale.get(key)
        if found is None:
            found = self.by_locale[key] = super().get_translations()
        return found


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    babel.domain_instance = _Domain(app.config.get("BABEL_DOMAIN", "messages"))

    @app.context_processor
    def language_context() -> dict[str, object]:
        locale = get_locale()
        return {
            "languages": LANGUAGES,
            "current_language": locale.language if locale else app.config["BABEL_DEFAULT_LOCALE"],
            "text_direction": text_direction(),
            "return_path": return_path,
        }
