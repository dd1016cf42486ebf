"""Language and locale: the person's choice, then the browser's Accept-Language, then Italian."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

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


def text_direction() -> str:
    return "rtl" if get_locale().language in RTL_LANGUAGES else "ltr"


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def language_context() -> dict[str, object]:
        locale = get_locale()
        return {
            "languages": LANGUAGES,
            "current_language": locale.language if locale else app.config["BABEL_DEFAULT_LOCALE"],
            "text_direction": text_direction(),
        }
