"""Friendly, translated error pages.

A form refused for its CSRF token is never offered again for sending: a page that re-posts what arrived
would carry out a forged request with one click. Instead, for a request from this site, what the person
typed is shown as text to copy (never a password or a token), with a link back to the page they came from.
A request from another site gets the message only. Either way the refused request changes no cookie.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError
from werkzeug.exceptions import HTTPException, InternalServerError

from workbench.extensions import db
from workbench.web.security import CSRF_FAILED, GuardedSessionInterface

ERROR_TEXTS = {
    400: (_l("Something in the request was wrong"), _l("Go back, check what you sent and try again.")),
    403: (
        _l("This page is not for your role"),
        _l("If you think you should see it, ask your programme manager to give you access."),
    ),
    404: (
        _l("We could not find this page"),
        _l("The link may be old or mistyped. Start again from your home page."),
    ),
    405: (
        _l("This action cannot be done this way"),
        _l("Use the buttons on the page instead of typing the address."),
    ),
    413: (
        _l("What you sent is too large"),
        _l("Send a smaller file or shorter text. Files may be at most 4 MB."),
    ),
    429: (_l("Too many attempts"), _l("Wait a minute before trying again.")),
    500: (
        _l("Something went wrong on our side"),
        _l(
            "Nothing you saved before is lost. Try again in a moment; "
            "if it happens again, tell your programme manager."
        ),
    ),
    503: (
        _l("We cannot check this request safely right now"),
        _l("Nothing was done. Try again in a minute; if it happens again, tell your programme manager."),
    ),
}

#: Parts of a field name that mark a secret: its value is never shown again.
SECRET_NAME_PARTS = ("password", "passwd", "confirm", "token", "csrf", "secret")
#: What the refused-form page shows at most: enough to save a long answer, bounded whatever arrives.
KEPT_FIELDS_MAX = 60
KEPT_VALUE_MAX = 20_000


def init_error_pages(app: Flask) -> None:
    app.session_interface = GuardedSessionInterface()

    @app.errorhandler(CSRFError)
    def csrf_refused(error: CSRFError):
        # Neither the session nor the remember cookie may be created or replaced by this response.
        g.setdefault(CSRF_FAILED, True)
        same_origin = is_same_origin()
        kept = typed_values() if same_origin else []
        back = same_origin_referrer() if same_origin else None
        return render_template("errors/csrf.html", kept=kept, back=back, same_origin=same_origin), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        title, advice = ERROR_TEXTS.get(code, (error.name, error.description))
        return render_template("errors/error.html", code=code, title=title, advice=advice), code

    @app.errorhandler(StorageError)
    def limits_unavailable(error: StorageError):
        """The rate limits' store is unreachable: refuse the request rather than let it through unlimited."""
        db.session.rollback()
        title, advice = ERROR_TEXTS[503]
        return render_template("errors/error.html", code=503, title=title, advice=advice), 503

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        db.session.rollback()
        title, advice = ERROR_TEXTS[500]
        return render_template("errors/error.html", code=500, title=title, advice=advice), 500


def is_same_origin() -> bool:
    """Whether the browser says this request comes from a page of this site.

    Sec-Fetch-Site is set by the browser and cannot be forged by a page; older browsers send Origin on a
    POST, and Referer (this site sends it for its own pages). Without any of them, assume another site.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site == "same-origin"
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return _same_host(origin)
    referrer = request.headers.get("Referer")
    return bool(referrer) and _same_host(referrer)


def same_origin_referrer() -> str | None:
    """The path of the page the form was sent from, when it is a page of this site."""
    referrer = request.headers.get("Referer")
    if not referrer or not _same_host(referrer):
        return None
    parts = urlsplit(referrer)
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def typed_values() -> list[tuple[str, str]]:
    """What the person typed, secrets left out, as (field name, text) pairs."""
    kept: list[tuple[str, str]] = []
    for name, value in request.form.items(multi=True):
        lowered = name.lower()
        if not value.strip() or any(part in lowered for part in SECRET_NAME_PARTS):
            continue
        kept.append((name[:100], value[:KEPT_VALUE_MAX]))
        if len(kept) >= KEPT_FIELDS_MAX:
            break
    return kept


def _same_host(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.netloc.lower() == request.host.lower()
